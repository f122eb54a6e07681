// SPDX-License-Identifier: GPL-2.0
/*
 * vmon img: a qemu-img compatible image tool over libqcow2. This file
 * dispatches the subcommands and holds the helpers they share.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

int vmon_cmd_img(int argc, char **argv);

static const struct img_sub subs[] = {
	{ "amend", "amend [-f FMT] -o OPTIONS FILE",
	  "change options of a qcow2 image: compat, lazy_refcounts, refcount_bits, size",
	  img_amend },
	{ "check", "check [-f FMT] [--output=human|json] [-r leaks|all] FILE",
	  "check (and repair) the metadata of an image; exit 0 clean, 1 error, 2 corrupt, 3 leaks",
	  img_check },
	{ "commit", "commit [-f FMT] [-d] [-b BASE] FILE",
	  "write an overlay's data into its backing file (-b: into BASE further down the chain, "
	  "implies -d; -d: keep the overlay's data)",
	  img_commit },
	{ "compare", "compare [-f FMT] [-F FMT] [-s] FILE1 FILE2",
	  "compare the guest-visible content of two images; exit 0 same, 1 different, 2 error",
	  img_compare },
	{ "convert",
	  "convert [-f FMT] [-O FMT] [-c] [-o OPTIONS] [-p] [-S SIZE] [-t CACHE] [-n] "
	  "[-l SNAPSHOT] [-B BACKING [-F FMT]] SRC DST",
	  "copy an image (whole backing chain) into a new image (-n: into the existing DST; "
	  "-l snapshot.id=ID,snapshot.name=NAME: from an internal snapshot)",
	  img_convert },
	{ "create", "create [-f FMT] [-o OPTIONS] [-b BACKING [-F BACKING_FMT]] [-u] FILE [SIZE]",
	  "create a new image", img_create },
	{ "info", "info [-f FMT] [--output=human|json] [--backing-chain] FILE",
	  "show the format, sizes and options of an image", img_info },
	{ "map", "map [-f FMT] [--output=human|json] FILE",
	  "show how guest offsets map to the file", img_map },
	{ "measure",
	  "measure [--output=human|json] [-O FMT] [-o OPTIONS] (--size SIZE | [-f FMT] FILE)",
	  "compute the file size an image needs", img_measure },
	{ "rebase", "rebase [-f FMT] [-u] -b BACKING [-F BACKING_FMT] FILE",
	  "change the backing file (safe: copy differing data; -u: header only)", img_rebase },
	{ "resize", "resize [-f FMT] [--shrink] FILE [+|-]SIZE", "change the virtual size",
	  img_resize },
	{ "snapshot", "snapshot [-l | -c NAME | -a NAME | -d NAME] FILE",
	  "list, create, apply or delete internal snapshots", img_snapshot },
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct img_sub *s;

	fprintf(f, "usage: vmon img SUBCOMMAND [OPTIONS...]\n"
		   "       vmon img SUBCOMMAND --help\n\n"
		   "A qemu-img compatible tool for qcow2 (v2 and v3) and raw images.\n\n"
		   "Subcommands:\n");
	for (s = subs; s->name; s++)
		fprintf(f, "  %-10s %s\n", s->name, s->summary);
	fprintf(f, "\nFormats: qcow2, raw (probed when -f is not given).\n"
		   "Sizes take the suffixes k, M, G, T, P, E (powers of 1024).\n"
		   "Exit status: 0 success, 1 failure, 2 bad command line (check and compare:\n"
		   "see their --help). See vmon-img(1).\n");
}

void img_usage(FILE *f, const char *name)
{
	const struct img_sub *s;

	for (s = subs; s->name; s++)
		if (!strcmp(s->name, name))
			fprintf(f, "usage: vmon img %s\n\n%s.\n", s->synopsis, s->summary);
}

bool img_want_help(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			img_usage(stdout, name);
			return true;
		}
	}
	return false;
}

int vmon_cmd_img(int argc, char **argv)
{
	const struct img_sub *s;

	if (argc < 2) {
		usage(stderr);
		return VMON_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VMON_EXIT_OK;
	}
	for (s = subs; s->name; s++) {
		if (!strcmp(s->name, argv[1])) {
			if (img_want_help(argc - 1, argv + 1, s->name))
				return VMON_EXIT_OK;
			optind = 1;
			return s->run(argc - 1, argv + 1);
		}
	}
	vmon_err("img: unknown subcommand '%s' (see: vmon img --help)", argv[1]);
	return VMON_EXIT_USAGE;
}

int img_parse_fmt(const char *s, enum vimg_fmt *f)
{
	if (!strcmp(s, "qcow2")) {
		*f = VIMG_QCOW2;
		return 0;
	}
	if (!strcmp(s, "raw")) {
		*f = VIMG_RAW;
		return 0;
	}
	vmon_err("img: unknown format '%s' (known: qcow2, raw)", s);
	return -1;
}

static int parse_bool(const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
		*out = false;
		return 0;
	}
	vmon_err("img: -o %s: '%s' is not on or off", key, v);
	return -1;
}

int img_parse_create_opts(const char *str, struct vimg_create_opts *o)
{
	char *dup = strdup(str), *save = NULL, *tok, *v;
	uint64_t n;
	int ret = -1;

	if (!dup)
		return -1;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = strchr(tok, '=');
		if (!v) {
			vmon_err("img: -o: '%s' is not KEY=VALUE", tok);
			goto out;
		}
		*v++ = 0;
		if (!strcmp(tok, "size")) {
			if (vimg_parse_size(v, &o->size)) {
				vmon_err("img: -o size: '%s' is not a size", v);
				goto out;
			}
		} else if (!strcmp(tok, "cluster_size")) {
			if (vimg_parse_size(v, &n) || n < 512 || n > (2u << 20) || (n & (n - 1))) {
				vmon_err("img: -o cluster_size: '%s' is not a power of two in "
					 "512..2M",
					 v);
				goto out;
			}
			o->cluster_size = n;
		} else if (!strcmp(tok, "preallocation")) {
			if (!strcmp(v, "off"))
				o->prealloc = QCOW2_PREALLOC_OFF;
			else if (!strcmp(v, "metadata"))
				o->prealloc = QCOW2_PREALLOC_METADATA;
			else if (!strcmp(v, "falloc"))
				o->prealloc = QCOW2_PREALLOC_FALLOC;
			else if (!strcmp(v, "full"))
				o->prealloc = QCOW2_PREALLOC_FULL;
			else {
				vmon_err("img: -o preallocation: '%s' is not off, metadata, falloc "
					 "or full",
					 v);
				goto out;
			}
		} else if (!strcmp(tok, "lazy_refcounts")) {
			if (parse_bool(tok, v, &o->lazy_refcounts))
				goto out;
		} else if (!strcmp(tok, "extended_l2")) {
			if (parse_bool(tok, v, &o->extended_l2))
				goto out;
		} else if (!strcmp(tok, "backing_file")) {
			o->backing_file = strdup(v);
		} else if (!strcmp(tok, "backing_fmt")) {
			o->backing_fmt = strdup(v);
		} else if (!strcmp(tok, "compat")) {
			if (!strcmp(v, "0.10") || !strcmp(v, "v2"))
				o->compat = 2;
			else if (!strcmp(v, "1.1") || !strcmp(v, "v3"))
				o->compat = 3;
			else {
				vmon_err("img: -o compat: '%s' is not 0.10 or 1.1", v);
				goto out;
			}
		} else if (!strcmp(tok, "refcount_bits")) {
			if (vimg_parse_size(v, &n) || !n || n > 64 || (n & (n - 1))) {
				vmon_err("img: -o refcount_bits: '%s' is not a power of two in "
					 "1..64",
					 v);
				goto out;
			}
			o->refcount_bits = n;
		} else if (!strcmp(tok, "compression_type")) {
			if (!strcmp(v, "zlib"))
				o->compression_type = QCOW2_COMP_ZLIB;
			else if (!strcmp(v, "zstd"))
				o->compression_type = QCOW2_COMP_ZSTD;
			else {
				vmon_err("img: -o compression_type: '%s' is not zlib or zstd", v);
				goto out;
			}
		} else {
			vmon_err("img: -o: unknown option '%s'", tok);
			goto out;
		}
	}
	ret = 0;
out:
	free(dup);
	return ret;
}

const struct option img_help_opt[] = {
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

bool img_is_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

void img_human_size(uint64_t v, char *buf, size_t len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = v;
	int i = 0;

	while (d >= 1024 && i < 6) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, "%0.3g %s", d, u[i]);
}

int img_common_opt(int c, const char *arg, const char **fmt, bool *json)
{
	enum vmon_output o;

	switch (c) {
	case 'f':
		*fmt = arg;
		return 1;
	case 'j':
		if (!json)
			return 0;
		if (vmon_parse_output(arg, &o))
			return -1;
		*json = o == VMON_OUTPUT_JSON;
		return 1;
	case 'q':
	case 'U':
		return 1;
	}
	return 0;
}

const char *img_one_file(int argc, char **argv, const char *sub)
{
	if (optind != argc - 1) {
		vmon_err("img %s: expecting one file name", sub);
		return NULL;
	}
	return argv[optind];
}

struct vimg *img_open(const char *path, const char *fmt, int flags)
{
	struct vimg *img;
	int ret = vimg_open(path, fmt, flags, &img);

	if (ret) {
		vmon_err("img: could not open '%s': %s", path, vimg_strerror());
		return NULL;
	}
	return img;
}
