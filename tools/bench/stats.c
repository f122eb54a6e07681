// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics of the benchmarks' side-by-side tables (stats.h).
 */
#include <stdlib.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Order statistics: [v[k - 1], v[n - k]] (the k-th smallest and the k-th
 * largest) for the largest k with P(B <= k - 1) <= 2.5%, B ~ Binomial(n,
 * 1/2), holds the true median with at least 95% probability whatever the
 * distribution of the values. n = 6 is the smallest with such a k (1).
 */
bool bench_median_ci95(double *v, unsigned int n, double *lo, double *hi)
{
	double term = 1, tail = 0, scale = 1;
	unsigned int i, k = 0;

	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		scale /= 2;
	for (i = 0; i < n; i++) {
		tail += term * scale; /* P(B <= i) */
		if (tail > 0.025)
			break;
		k = i + 1;
		term = term * (n - i) / (i + 1);
	}
	*lo = v[k ? k - 1 : 0];
	*hi = v[k ? n - k : n - 1];
	return k;
}
