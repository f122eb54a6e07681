/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmon command line: one function per command, dispatched from one table.
 */
#ifndef VMON_CLI_H
#define VMON_CLI_H

#include <stdbool.h>

/* Exit codes of every vmon command. */
enum {
	VMON_EXIT_OK = 0,    /* the command did what was asked */
	VMON_EXIT_FAIL = 1,  /* it could not: the message says why */
	VMON_EXIT_USAGE = 2, /* the command line was wrong */
};

enum vmon_output { VMON_OUTPUT_HUMAN, VMON_OUTPUT_JSON };

struct vmon_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* The command table, terminated by an entry with a NULL name. */
extern const struct vmon_cmd vmon_cmds[];

/* Print "vmon: <message>" to stderr. */
void vmon_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse the value of --output: "human" or "json". Returns 0, or prints an
 * error naming the bad value and returns -1.
 */
int vmon_parse_output(const char *arg, enum vmon_output *out);

#endif /* VMON_CLI_H */
