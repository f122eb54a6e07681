/* SPDX-License-Identifier: GPL-2.0 */
/* vmon img: shared helpers of the subcommands. */
#ifndef VMON_IMG_H
#define VMON_IMG_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <vmon/cli.h>
#include <vmon/qcow2.h>

/* Exit codes beyond the vmon ones (check, compare). */
enum { IMG_EXIT_CORRUPT = 2, IMG_EXIT_LEAKS = 3 };

struct img_sub {
	const char *name;
	const char *synopsis;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int img_create(int argc, char **argv);
int img_info(int argc, char **argv);
int img_check(int argc, char **argv);
int img_map(int argc, char **argv);
int img_snapshot(int argc, char **argv);
int img_convert(int argc, char **argv);
int img_resize(int argc, char **argv);
int img_commit(int argc, char **argv);
int img_rebase(int argc, char **argv);
int img_compare(int argc, char **argv);
int img_measure(int argc, char **argv);
int img_amend(int argc, char **argv);

/* Buffer size of the copying subcommands. */
#define IMG_CHUNK (2u << 20)

/* getopt_long options of every subcommand: only --help. */
extern const struct option img_help_opt[];

/* Print the usage line of subcommand name to f. */
void img_usage(FILE *f, const char *name);
/* Handle -h/--help given as the only option: returns true when printed. */
bool img_want_help(int argc, char **argv, const char *name);

/*
 * Parse a -o option string ("k=v,k=v") into o (create options). Known keys
 * that do not apply are errors naming the key. Returns 0 or -1.
 */
int img_parse_create_opts(const char *s, struct vimg_create_opts *o);
int img_parse_fmt(const char *s, enum vimg_fmt *f);
/* qemu-img's human sizes: "1 GiB", "324 KiB", "1.5 MiB". */
void img_human_size(uint64_t v, char *buf, size_t len);
/*
 * The options every subcommand takes alike: -f FMT, --output=human|json
 * (only where json is not NULL), -q and -U (accepted, no effect). Returns 1
 * when c was one of them, 0 when not, -1 on a bad value (after a message).
 */
int img_common_opt(int c, const char *arg, const char **fmt, bool *json);
/* The single file operand, or NULL after a message when there is not one. */
const char *img_one_file(int argc, char **argv, const char *sub);
/* The n bytes at p are all zero. */
bool img_is_zero(const uint8_t *p, size_t n);
/* Open with a message on failure (vmon: ...). */
struct vimg *img_open(const char *path, const char *fmt, int flags);

#endif
