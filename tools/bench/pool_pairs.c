// SPDX-License-Identifier: GPL-2.0
/*
 * pool-pairs: pool the pairs of several `blk_bench -v` runs into one table.
 *
 * usage: pool-pairs FILE...
 *
 * Each FILE is the output of one `tools/bench/vmon-blk -v` run (or
 * `blk_bench -v`): its "#   read 1 queues QD 32 pair 3 (... first): A B,
 * ratio R" lines. For every cell it prints the number of pairs, the median
 * of all the pairs' ratios and its 95% confidence interval (stats.c, as
 * blk_bench computes them for one run); then, with more than one FILE,
 * each run's own median and the median of those.
 *
 * A test VM boot can run a few percent faster or slower than the next one
 * all through (Documentation/performance.rst), so the runs, not the pairs,
 * are the independent samples: read the median of the runs first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MAX_CELLS 16
#define MAX_RUNS 64

struct cell {
	char op[6];
	unsigned int nq, qd;
	double *v; /* every pair's ratio, run after run */
	size_t n, cap;
	size_t run_start;     /* where the current run's pairs begin */
	double med[MAX_RUNS]; /* the runs' medians */
	unsigned int nmed;
};

static struct cell cells[MAX_CELLS];
static unsigned int ncells;

static struct cell *cell_get(const char *op, unsigned int nq, unsigned int qd)
{
	struct cell *c;
	unsigned int i;

	for (i = 0; i < ncells; i++)
		if (!strcmp(cells[i].op, op) && cells[i].nq == nq && cells[i].qd == qd)
			return &cells[i];
	if (ncells == MAX_CELLS)
		return NULL;
	c = &cells[ncells++];
	snprintf(c->op, sizeof(c->op), "%s", op);
	c->nq = nq;
	c->qd = qd;
	return c;
}

static int cell_add(struct cell *c, double ratio)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		double *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = ratio;
	return 0;
}

/* Read one run's pairs; 0, or -errno. */
static int read_run(const char *name)
{
	char line[512], op[6];
	unsigned int nq, qd, i;
	double ratio;
	struct cell *c;
	FILE *f;
	int ret = 0;

	f = fopen(name, "r");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		/* the pair's number, order and IOPS are not needed: its ratio is */
		if (sscanf(line,
			   "#   %5[a-z] %u queues QD %u pair %*u (%*[^)]): %*f %*f, ratio %lf", op,
			   &nq, &qd, &ratio) != 4)
			continue;
		c = cell_get(op, nq, qd);
		ret = c ? cell_add(c, ratio) : -E2BIG;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	/* the run's median per cell; sorting its own pairs leaves the pool as it was */
	for (i = 0; !ret && i < ncells; i++) {
		c = &cells[i];
		if (c->n > c->run_start && c->nmed < MAX_RUNS)
			c->med[c->nmed++] = bench_median(c->v + c->run_start, c->n - c->run_start);
		c->run_start = c->n;
	}
	return ret;
}

int main(int argc, char **argv)
{
	double lo, hi;
	unsigned int i, k;
	bool many = argc > 2, short_cell = false, ci;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: pool-pairs FILE...\n"
			"Pools the pairs of `tools/bench/vmon-blk -v` runs, one FILE a run: per\n"
			"cell, the pairs, the median of their ratios and its 95%% confidence\n"
			"interval, then each run's median and the median of those, the figure\n"
			"to read (a test VM boot has its own; Documentation/performance.rst).\n");
		return argc < 2 ? 2 : 0;
	}
	if (argc - 1 > MAX_RUNS) {
		fprintf(stderr, "pool-pairs: at most %d runs\n", MAX_RUNS);
		return 2;
	}
	for (i = 1; i < (unsigned int)argc; i++) {
		ret = read_run(argv[i]);
		if (ret) {
			fprintf(stderr, "pool-pairs: %s: %s\n", argv[i],
				ret == -E2BIG ? "more cells than a table has" : strerror(-ret));
			return 1;
		}
	}
	if (!ncells) {
		fprintf(stderr, "pool-pairs: no pairs found: run the bench with -v\n");
		return 1;
	}
	printf("%-10s %6s %4s %6s %7s %11s%s\n", "workload", "queues", "QD", "pairs", "ratio",
	       "95% CI", many ? "   runs' medians: each, median" : "");
	for (i = 0; i < ncells; i++) {
		struct cell *c = &cells[i];

		ci = bench_median_ci95(c->v, c->n, &lo, &hi);
		short_cell |= !ci;
		printf("rand%-6s %6u %4u %6zu %7.2f   %4.2f-%4.2f%s", c->op, c->nq, c->qd, c->n,
		       bench_median(c->v, c->n), lo, hi, ci ? "" : "*");
		if (many) {
			printf("  ");
			for (k = 0; k < c->nmed; k++)
				printf(" %.2f", c->med[k]);
			printf(", %.2f", bench_median(c->med, c->nmed));
		}
		printf("\n");
	}
	if (short_cell)
		printf("* fewer than 6 pairs: the range of the pairs, not an interval\n");
	return 0;
}
