// SPDX-License-Identifier: GPL-2.0
/* vmon img create, amend and measure. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "img.h"

static const struct option long_help[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'j' },
	{ "size", required_argument, NULL, 's' },
	{ "shrink", no_argument, NULL, 'k' },
	{ 0 },
};

int img_create(int argc, char **argv)
{
	struct vimg_create_opts o = { .fmt = VIMG_RAW };
	const char *fmt = "raw";
	bool no_open_backing = false, have_size = false;
	char *bpath, hs[32];
	int c, ret;

	while ((c = getopt_long(argc, argv, "f:o:b:F:uq", long_help, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (img_parse_fmt(optarg, &o.fmt))
				return VMON_EXIT_USAGE;
			fmt = optarg;
			break;
		case 'o':
			if (img_parse_create_opts(optarg, &o))
				return VMON_EXIT_USAGE;
			if (strstr(optarg, "size="))
				have_size = true;
			break;
		case 'b':
			o.backing_file = optarg;
			break;
		case 'F':
			o.backing_fmt = optarg;
			break;
		case 'u':
			no_open_backing = true;
			break;
		case 'q':
			break;
		default:
			img_usage(stderr, "create");
			return VMON_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		vmon_err("img create: expecting a file name");
		return VMON_EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		if (vimg_parse_size(argv[optind + 1], &o.size)) {
			vmon_err("img create: '%s' is not a size (use k, M, G, T, P or E)",
				 argv[optind + 1]);
			return VMON_EXIT_USAGE;
		}
		have_size = true;
	}
	if (o.backing_fmt && strcmp(o.backing_fmt, "qcow2") && strcmp(o.backing_fmt, "raw")) {
		vmon_err("img create: unknown backing format '%s'", o.backing_fmt);
		return VMON_EXIT_USAGE;
	}
	if (o.backing_file && o.fmt != VIMG_QCOW2) {
		vmon_err("img create: format '%s' does not support backing files", fmt);
		return VMON_EXIT_USAGE;
	}
	/* as qemu-img >= 6.1: a probed backing format is a hole (security.rst) */
	if (o.backing_file && !o.backing_fmt) {
		vmon_err("img create: %s: Backing file specified without backing format (give -F "
			 "raw or -F qcow2)",
			 argv[optind]);
		return VMON_EXIT_FAIL;
	}
	if (o.backing_file && !no_open_backing) {
		struct vimg *b;

		bpath = vimg_backing_path(argv[optind], o.backing_file);
		ret = bpath ? vimg_open(bpath, o.backing_fmt, 0, &b) : -ENOMEM;
		free(bpath);
		if (ret) {
			vmon_err("img create: could not open backing file '%s': %s", o.backing_file,
				 vimg_strerror());
			return VMON_EXIT_FAIL;
		}
		if (!have_size)
			o.size = vimg_size(b);
		vimg_close(b);
		have_size = true;
	}
	if (!have_size) {
		vmon_err("img create: size required (as an argument, -o size= or from -b)");
		return VMON_EXIT_USAGE;
	}
	if (o.fmt == VIMG_QCOW2) {
		printf("Formatting '%s', fmt=qcow2 cluster_size=%u extended_l2=%s "
		       "compression_type=%s size=%llu",
		       argv[optind], o.cluster_size ? o.cluster_size : 65536,
		       o.extended_l2 ? "on" : "off",
		       o.compression_type == QCOW2_COMP_ZSTD ? "zstd" : "zlib",
		       (unsigned long long)o.size);
		if (o.backing_file)
			printf(" backing_file=%s", o.backing_file);
		if (o.backing_fmt)
			printf(" backing_fmt=%s", o.backing_fmt);
		printf(" lazy_refcounts=%s refcount_bits=%d\n", o.lazy_refcounts ? "on" : "off",
		       o.refcount_bits ? o.refcount_bits : 16);
	} else {
		printf("Formatting '%s', fmt=raw size=%llu\n", argv[optind],
		       (unsigned long long)o.size);
	}
	ret = vimg_create(argv[optind], &o);
	if (ret) {
		img_human_size(o.size, hs, sizeof(hs));
		vmon_err("img create: %s: %s", argv[optind], vimg_strerror());
		return VMON_EXIT_FAIL;
	}
	return VMON_EXIT_OK;
}

struct amend_args {
	int compat, lazy, refcount_bits;
	uint64_t size;
	bool have_size;
};

/* One KEY=VALUE of amend -o; 0, or the exit status of a refusal. */
static int amend_opt(const char *key, const char *v, struct amend_args *a)
{
	static const char *const create_only[] = {
		"cluster_size",	    "preallocation", "extended_l2",
		"compression_type", "encryption",    "encrypt.format",
		"data_file",	    "data_file_raw", NULL
	};
	uint64_t n;
	int i;

	if (!strcmp(key, "compat") && (!strcmp(v, "0.10") || !strcmp(v, "1.1"))) {
		a->compat = !strcmp(v, "0.10") ? 2 : 3;
	} else if (!strcmp(key, "lazy_refcounts") && (!strcmp(v, "on") || !strcmp(v, "off"))) {
		a->lazy = !strcmp(v, "on");
	} else if (!strcmp(key, "refcount_bits")) {
		if (vimg_parse_size(v, &n) || !n || n > 64 || (n & (n - 1))) {
			vmon_err("img amend: -o refcount_bits: '%s' is not a power of two in 1..64",
				 v);
			return VMON_EXIT_FAIL;
		}
		a->refcount_bits = n;
	} else if (!strcmp(key, "size")) {
		if (vimg_parse_size(v, &a->size)) {
			vmon_err("img amend: -o size: '%s' is not a size", v);
			return VMON_EXIT_FAIL;
		}
		a->have_size = true;
	} else if (!strcmp(key, "backing_file") || !strcmp(key, "backing_fmt")) {
		vmon_err("img amend: cannot amend the backing file (use: vmon img rebase)");
		return VMON_EXIT_FAIL;
	} else if (!strcmp(key, "compat") || !strcmp(key, "lazy_refcounts")) {
		vmon_err("img amend: -o %s: '%s' is not %s", key, v,
			 !strcmp(key, "compat") ? "0.10 or 1.1" : "on or off");
		return VMON_EXIT_FAIL;
	} else {
		for (i = 0; create_only[i]; i++)
			if (!strcmp(key, create_only[i])) {
				vmon_err("img amend: -o %s: can only be set when the image is "
					 "created",
					 key);
				return VMON_EXIT_FAIL;
			}
		vmon_err("img amend: -o: unknown option '%s' (amend knows compat, "
			 "lazy_refcounts, refcount_bits, size)",
			 key);
		return VMON_EXIT_FAIL;
	}
	return 0;
}

static int amend_parse(const char *opts, struct amend_args *a)
{
	char *dup = strdup(opts), *tok, *save = NULL, *v;
	int ret = 0;

	for (tok = strtok_r(dup, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		v = strchr(tok, '=');
		if (!v) {
			vmon_err("img amend: '%s' is not KEY=VALUE", tok);
			ret = VMON_EXIT_USAGE;
			break;
		}
		*v++ = 0;
		ret = amend_opt(tok, v, a);
	}
	free(dup);
	return ret;
}

int img_amend(int argc, char **argv)
{
	const char *fmt = NULL, *opts = NULL;
	struct amend_args a = { .lazy = -1 };
	struct vimg *img;
	struct qcow2_info qi;
	int c, ret;

	while ((c = getopt_long(argc, argv, "f:o:q", long_help, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'q':
			break;
		default:
			img_usage(stderr, "amend");
			return VMON_EXIT_USAGE;
		}
	}
	if (!opts || optind != argc - 1) {
		vmon_err("img amend: expecting -o OPTIONS and one file name");
		return VMON_EXIT_USAGE;
	}
	ret = amend_parse(opts, &a);
	if (ret)
		return ret;
	img = img_open(argv[optind], fmt, VIMG_RDWR | VIMG_NO_BACKING);
	if (!img)
		return VMON_EXIT_FAIL;
	ret = qcow2_get_info(img, &qi);
	if (!ret)
		ret = qcow2_amend(img, a.compat, a.lazy);
	if (!ret && a.refcount_bits)
		ret = qcow2_set_refcount_bits(img, a.refcount_bits);
	if (!ret && a.have_size) /* as qemu-img amend: shrinking needs no --shrink */
		ret = vimg_resize(img, a.size, true);
	if (ret)
		vmon_err("img amend: %s", vimg_strerror());
	if (vimg_close(img) && !ret) {
		vmon_err("img amend: %s", vimg_strerror());
		ret = -1;
	}
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}

int img_measure(int argc, char **argv)
{
	struct vimg_create_opts o = { .fmt = VIMG_RAW };
	const char *fmt = NULL;
	bool json = false, have_size = false;
	uint64_t size = 0, alloc = 0, req, full, off, last = 0;
	struct vimg *img = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "f:O:o:l:q", long_help, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'O':
			if (img_parse_fmt(optarg, &o.fmt))
				return VMON_EXIT_USAGE;
			break;
		case 'o':
			if (img_parse_create_opts(optarg, &o))
				return VMON_EXIT_USAGE;
			break;
		case 'j':
			if (strcmp(optarg, "json") && strcmp(optarg, "human")) {
				vmon_err("img measure: --output: '%s' is not human or json",
					 optarg);
				return VMON_EXIT_USAGE;
			}
			json = !strcmp(optarg, "json");
			break;
		case 's':
			if (vimg_parse_size(optarg, &size)) {
				vmon_err("img measure: --size: '%s' is not a size", optarg);
				return VMON_EXIT_USAGE;
			}
			have_size = true;
			break;
		case 'q':
			break;
		default:
			img_usage(stderr, "measure");
			return VMON_EXIT_USAGE;
		}
	}
	if (have_size == (optind < argc)) {
		vmon_err("img measure: give either --size SIZE or one file name");
		return VMON_EXIT_USAGE;
	}
	if (!have_size) {
		struct vimg_extent e;
		uint64_t cs = o.cluster_size ? o.cluster_size : 65536;

		img = img_open(argv[optind], fmt, 0);
		if (!img)
			return VMON_EXIT_FAIL;
		size = vimg_size(img);
		for (off = 0; off < size; off += e.length) {
			if (vimg_block_status(img, off, size - off, true, &e)) {
				vmon_err("img measure: %s", vimg_strerror());
				vimg_close(img);
				return VMON_EXIT_FAIL;
			}
			if (e.data && !e.zero) {
				/* whole clusters, each counted once */
				uint64_t x = e.start & ~(cs - 1);
				uint64_t y = (e.start + e.length + cs - 1) & ~(cs - 1);

				if (x < last)
					x = last;
				if (y > x)
					alloc += y - x;
				if (y > last)
					last = y;
			}
		}
	}
	if (o.fmt == VIMG_QCOW2) {
		uint64_t cs = o.cluster_size ? o.cluster_size : 65536;

		qcow2_measure(size, cs, o.refcount_bits ? o.refcount_bits : 16, o.extended_l2,
			      have_size ? 0 : alloc, &req, &full);
		if (o.prealloc != QCOW2_PREALLOC_OFF)
			req = full;
	} else {
		req = full = size;
	}
	if (json) {
		json_object *j = json_object_new_object();

		if (img && o.fmt == VIMG_QCOW2)
			json_object_object_add(j, "bitmaps", json_object_new_int64(0));
		json_object_object_add(j, "required", json_object_new_int64(req));
		json_object_object_add(j, "fully-allocated", json_object_new_int64(full));
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED));
		json_object_put(j);
	} else {
		printf("required size: %llu\nfully allocated size: %llu\n", (unsigned long long)req,
		       (unsigned long long)full);
		if (img && o.fmt == VIMG_QCOW2)
			printf("bitmaps size: 0\n");
	}
	vimg_close(img);
	return VMON_EXIT_OK;
}
