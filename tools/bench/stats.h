/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statistics of the benchmarks' side-by-side tables: medians, and the
 * distribution-free confidence interval of a median.
 */
#ifndef VMON_BENCH_STATS_H
#define VMON_BENCH_STATS_H

#include <stdbool.h>

/* The median of @n values; sorts @v. */
double bench_median(double *v, unsigned int n);

/*
 * The 95% confidence interval of the median of the @n values in @v, sorted
 * in place: false, and the whole range, when @n is too small for one.
 */
bool bench_median_ci95(double *v, unsigned int n, double *lo, double *hi);

#endif
