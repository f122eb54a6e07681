/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: run a program and capture what it printed and how it ended.
 */
#ifndef VMON_TEST_RUN_H
#define VMON_TEST_RUN_H

#include <stddef.h>

struct run_result {
	int status;	/* exit code, or 128 + signal */
	char out[8192]; /* standard output, NUL-terminated, truncated if long */
	char err[8192]; /* standard error, likewise */
};

/*
 * Run argv[0] with argv (searched in PATH), with the extra environment
 * entries of env ("NAME=value", NULL-terminated, may be NULL), stdin from
 * /dev/null. Returns 0, or -errno if it could not be started.
 */
int run_capture(char *const argv[], char *const env[], struct run_result *res);

/* Path of a file of the build tree: $VMON_BUILD (default "build") / name. */
const char *build_path(const char *name);

#endif /* VMON_TEST_RUN_H */
