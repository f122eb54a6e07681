// SPDX-License-Identifier: GPL-2.0
/* vmon img snapshot and resize. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "img.h"

static const struct option opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "shrink", no_argument, NULL, 'k' },
	{ "preallocation", required_argument, NULL, 'P' },
	{ 0 },
};

int img_snapshot(int argc, char **argv)
{
	const char *fmt = NULL, *name = NULL;
	const char *file;
	int c, k, op = 0, ret;
	struct vimg *img;

	while ((c = getopt_long(argc, argv, "f:lc:a:d:qU", opts, NULL)) != -1) {
		k = img_common_opt(c, optarg, &fmt, NULL);
		if (k < 0)
			return VMON_EXIT_USAGE;
		if (k)
			continue;
		switch (c) {
		case 'l':
		case 'c':
		case 'a':
		case 'd':
			if (op) {
				vmon_err("img snapshot: give only one of -l, -c, -a, -d");
				return VMON_EXIT_USAGE;
			}
			op = c;
			name = optarg;
			break;
		case 'q':
		default:
			img_usage(stderr, "snapshot");
			return VMON_EXIT_USAGE;
		}
	}
	file = img_one_file(argc, argv, "snapshot");
	if (!file)
		return VMON_EXIT_USAGE;
	if (!op)
		op = 'l';
	img = img_open(file, fmt, (op == 'l' ? 0 : VIMG_RDWR) | VIMG_NO_BACKING);
	if (!img)
		return VMON_EXIT_FAIL;
	if (vimg_format(img) != VIMG_QCOW2) {
		vmon_err("img snapshot: '%s' is not a qcow2 image", file);
		vimg_close(img);
		return VMON_EXIT_FAIL;
	}
	switch (op) {
	case 'l': {
		const struct qcow2_snapshot_info *s;
		int i, n = qcow2_snapshot_list(img, &s);
		char vs[32], date[32], clk[32];

		if (n > 0)
			printf("Snapshot list:\n%-9s %-17s %7s%20s%13s%11s\n", "ID", "TAG",
			       "VM SIZE", "DATE", "VM CLOCK", "ICOUNT");
		for (i = 0; i < n; i++) {
			time_t t = s[i].date_sec;
			uint64_t secs = s[i].vm_clock_nsec / 1000000000;
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
			snprintf(clk, sizeof(clk), "%02llu:%02llu:%02llu.%03llu",
				 (unsigned long long)(secs / 3600),
				 (unsigned long long)(secs / 60 % 60),
				 (unsigned long long)(secs % 60),
				 (unsigned long long)(s[i].vm_clock_nsec / 1000000 % 1000));
			img_human_size(s[i].vm_state_size, vs, sizeof(vs));
			printf("%-9s %-17s %7s%20s%13s%11llu\n", s[i].id, s[i].name, vs, date, clk,
			       (unsigned long long)(s[i].icount == (uint64_t)-1 ? 0 : s[i].icount));
		}
		ret = 0;
		break;
	}
	case 'c':
		ret = qcow2_snapshot_create(img, name);
		break;
	case 'a':
		ret = qcow2_snapshot_apply(img, name);
		break;
	default:
		ret = qcow2_snapshot_delete(img, name);
		break;
	}
	if (ret)
		vmon_err("img snapshot: %s", vimg_strerror());
	if (vimg_close(img) && !ret) {
		vmon_err("img snapshot: %s", vimg_strerror());
		ret = -1;
	}
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}

int img_resize(int argc, char **argv)
{
	const char *fmt = NULL, *arg;
	bool shrink = false;
	uint64_t n, size;
	struct vimg *img;
	int c, ret, sign = 0;

	/* a negative size ("-1G") is not an option: stop option parsing there */
	for (c = 1; c < argc; c++)
		if (argv[c][0] == '-' && argv[c][1] >= '0' && argv[c][1] <= '9' && c == argc - 1) {
			argv[c][0] = '~';
			sign = -1;
		}
	while ((c = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'k':
			shrink = true;
			break;
		case 'P':
		case 'q':
			break;
		default:
			img_usage(stderr, "resize");
			return VMON_EXIT_USAGE;
		}
	}
	if (optind != argc - 2) {
		vmon_err("img resize: expecting a file name and a size");
		return VMON_EXIT_USAGE;
	}
	arg = argv[optind + 1];
	if (*arg == '+' || *arg == '~') {
		if (*arg == '+')
			sign = 1;
		arg++;
	} else {
		sign = 0;
	}
	if (vimg_parse_size(arg, &n)) {
		vmon_err("img resize: '%s' is not a size", argv[optind + 1]);
		return VMON_EXIT_USAGE;
	}
	img = img_open(argv[optind], fmt, VIMG_RDWR | VIMG_NO_BACKING);
	if (!img)
		return VMON_EXIT_FAIL;
	size = vimg_size(img);
	if (sign < 0 && n > size) {
		vmon_err("img resize: the image is smaller than %llu bytes", (unsigned long long)n);
		vimg_close(img);
		return VMON_EXIT_FAIL;
	}
	size = sign > 0 ? size + n : sign < 0 ? size - n : n;
	ret = vimg_resize(img, size, shrink);
	if (ret)
		vmon_err("img resize: %s", vimg_strerror());
	if (vimg_close(img) && !ret) {
		vmon_err("img resize: %s", vimg_strerror());
		ret = -1;
	}
	if (!ret)
		printf("Image resized.\n");
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}
