/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmon command line: one function per command, dispatched from one table.
 */
#ifndef VMON_CLI_H
#define VMON_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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
/*
 * The last case of a command's getopt switch: -h prints @usage on stdout
 * (exit 0), an option getopt refused prints it on stderr (exit 2).
 */
int vmon_usage_exit(int opt, void (*usage)(FILE *f));
/*
 * After a command took its operands from argv[*first ...]: 0 when none is
 * left, else -1 after naming the first one left ("CMD: unexpected argument
 * 'X'" and @hint, which may be NULL).
 */
int vmon_no_more_args(const char *cmd, int argc, char **argv, int first, const char *hint);
/*
 * @path made absolute against the working directory, without resolving
 * links (it need not exist yet); malloc'd, or NULL with errno.
 */
char *vmon_abs_path(const char *path);

/*
 * A VM argument: all digits (1 to 2^32 - 1) is an id, anything else a name.
 * Sets *id (0 for a name) and *name (NULL for an id).
 */
void vmon_parse_vm(const char *arg, uint32_t *id, const char **name);

/*
 * A table as virsh prints it: a leading space, columns padded and three
 * spaces apart (the last one not padded), a line of dashes under the header
 * (row 0) as long as the widest row could be plus two, a blank line after.
 * The cell of row r, column c is cells[r * stride + c]; NULL is empty.
 */
void vmon_print_table(const char *const *cells, size_t nrows, size_t ncols, size_t stride);

struct vmon_nl;
/*
 * Open the vmon netlink family for command cmd; on failure print why
 * (naming "modprobe vmon" when the module is not loaded) and return -1.
 */
int vmon_cli_nl_open(const char *cmd, struct vmon_nl **nl);

#endif /* VMON_CLI_H */
