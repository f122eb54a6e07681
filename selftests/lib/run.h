/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: run a program and capture what it printed and how it ended.
 */
#ifndef VMON_TEST_RUN_H
#define VMON_TEST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* A program running in the background, its output collected as it comes. */
struct run_bg {
	pid_t pid; /* 0 once reaped */
	int fd[2]; /* its standard output and error, -1 at end of file */
	size_t len[2];
	struct run_result res;
};

/* Start argv like run_capture() but return at once. 0 or -errno. */
int run_bg_start(char *const argv[], struct run_bg *bg);
/*
 * Collect output for up to ms milliseconds, until standard output contains
 * needle; true when it does (bg->res.out holds everything so far).
 */
bool run_bg_wait_for(struct run_bg *bg, const char *needle, int ms);
/*
 * Send sig (0: none), collect the rest and reap it, waiting up to ms; then
 * SIGKILL. Fills bg->res.status; 0, or -ETIMEDOUT when it had to be killed.
 */
int run_bg_finish(struct run_bg *bg, int sig, int ms);

/* Path of a file of the build tree: $VMON_BUILD (default "build") / name. */
const char *build_path(const char *name);

#endif /* VMON_TEST_RUN_H */
