// SPDX-License-Identifier: GPL-2.0
/* vmon img info, check and map: qemu-img's texts, JSON field names and exit codes. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "img.h"

static const struct option opts[] = {
	{ "help", no_argument, NULL, 'h' },	     { "output", required_argument, NULL, 'j' },
	{ "backing-chain", no_argument, NULL, 'B' }, { "repair", required_argument, NULL, 'r' },
	{ "format", required_argument, NULL, 'f' },  { 0 },
};

/* Pretty JSON indented by 4 like qemu-img (json-c indents by 2). */
static void print_json(json_object *j)
{
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	bool bol = true;

	for (; *s; s++) {
		if (bol && *s == ' ')
			putchar(' ');
		else
			bol = false;
		if (*s == '\n')
			bol = true;
		putchar(*s);
	}
	putchar('\n');
}

static uint64_t actual_size(struct vimg *img)
{
	struct stat st;

	if (fstat(vimg_fd(img), &st))
		return 0;
	return (uint64_t)st.st_blocks * 512;
}

static json_object *snapshots_json(struct vimg *img)
{
	const struct qcow2_snapshot_info *s;
	int i, n = qcow2_snapshot_list(img, &s);
	json_object *a;

	if (n <= 0)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "icount", json_object_new_int64(s[i].icount));
		json_object_object_add(o, "vm-clock-nsec",
				       json_object_new_int64(s[i].vm_clock_nsec % 1000000000));
		json_object_object_add(o, "name", json_object_new_string(s[i].name));
		json_object_object_add(o, "date-sec", json_object_new_int64(s[i].date_sec));
		json_object_object_add(o, "date-nsec", json_object_new_int64(s[i].date_nsec));
		json_object_object_add(o, "vm-clock-sec",
				       json_object_new_int64(s[i].vm_clock_nsec / 1000000000));
		json_object_object_add(o, "id", json_object_new_string(s[i].id));
		json_object_object_add(o, "vm-state-size",
				       json_object_new_int64(s[i].vm_state_size));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *info_json(struct vimg *img, const char *name)
{
	json_object *o = json_object_new_object(), *fs, *d, *snaps;
	struct qcow2_info qi;
	bool qcow2 = vimg_format(img) == VIMG_QCOW2;

	/* keys in qemu-img's order, so that the text is the same too */
	if (qcow2) {
		qcow2_get_info(img, &qi);
		if (qi.backing_file && qi.backing_fmt)
			json_object_object_add(o, "backing-filename-format",
					       json_object_new_string(qi.backing_fmt));
		snaps = snapshots_json(img);
		if (snaps)
			json_object_object_add(o, "snapshots", snaps);
	}
	json_object_object_add(o, "virtual-size", json_object_new_int64(vimg_size(img)));
	json_object_object_add(o, "filename", json_object_new_string(name));
	if (qcow2)
		json_object_object_add(o, "cluster-size", json_object_new_int64(qi.cluster_size));
	json_object_object_add(o, "format", json_object_new_string(qcow2 ? "qcow2" : "raw"));
	json_object_object_add(o, "actual-size", json_object_new_int64(actual_size(img)));
	if (qcow2) {
		fs = json_object_new_object();
		d = json_object_new_object();
		json_object_object_add(fs, "type", json_object_new_string("qcow2"));
		json_object_object_add(d, "compat",
				       json_object_new_string(qi.version == 2 ? "0.10" : "1.1"));
		json_object_object_add(
			d, "compression-type",
			json_object_new_string(qi.compression_type ? "zstd" : "zlib"));
		if (qi.version == 3) {
			json_object_object_add(d, "lazy-refcounts",
					       json_object_new_boolean(qi.lazy_refcounts));
		}
		json_object_object_add(d, "refcount-bits", json_object_new_int64(qi.refcount_bits));
		if (qi.version == 3) {
			json_object_object_add(d, "corrupt", json_object_new_boolean(qi.corrupt));
			json_object_object_add(d, "extended-l2",
					       json_object_new_boolean(qi.extended_l2));
		}
		json_object_object_add(fs, "data", d);
		json_object_object_add(o, "format-specific", fs);
		if (qi.backing_file) {
			char *full = vimg_backing_path(name, qi.backing_file);

			json_object_object_add(o, "full-backing-filename",
					       json_object_new_string(full ? full : ""));
			json_object_object_add(o, "backing-filename",
					       json_object_new_string(qi.backing_file));
			free(full);
		}
	}
	json_object_object_add(o, "dirty-flag", json_object_new_boolean(qcow2 && qi.dirty));
	return o;
}

static void print_snapshot_table(struct vimg *img)
{
	const struct qcow2_snapshot_info *s;
	int i, n = qcow2_snapshot_list(img, &s);
	char date[32], clk[32], vs[32];

	if (n <= 0)
		return;
	printf("Snapshot list:\n%-9s %-17s %7s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE",
	       "VM CLOCK", "ICOUNT");
	for (i = 0; i < n; i++) {
		time_t t = s[i].date_sec;
		struct tm tm;
		uint64_t secs = s[i].vm_clock_nsec / 1000000000;

		localtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(clk, sizeof(clk), "%02llu:%02llu:%02llu.%03llu",
			 (unsigned long long)(secs / 3600), (unsigned long long)(secs / 60 % 60),
			 (unsigned long long)(secs % 60),
			 (unsigned long long)(s[i].vm_clock_nsec / 1000000 % 1000));
		img_human_size(s[i].vm_state_size, vs, sizeof(vs));
		printf("%-9s %-17s %7s%20s%13s%11llu\n", s[i].id, s[i].name, vs, date, clk,
		       (unsigned long long)(s[i].icount == (uint64_t)-1 ? 0 : s[i].icount));
	}
}

static void info_human(struct vimg *img, const char *name)
{
	struct qcow2_info qi;
	bool qcow2 = vimg_format(img) == VIMG_QCOW2;
	char a[32], b[32];

	img_human_size(vimg_size(img), a, sizeof(a));
	img_human_size(actual_size(img), b, sizeof(b));
	printf("image: %s\nfile format: %s\nvirtual size: %s (%llu bytes)\ndisk size: %s\n", name,
	       qcow2 ? "qcow2" : "raw", a, (unsigned long long)vimg_size(img), b);
	if (!qcow2)
		return;
	qcow2_get_info(img, &qi);
	printf("cluster_size: %u\n", qi.cluster_size);
	if (qi.backing_file) {
		char *full = vimg_backing_path(name, qi.backing_file);

		if (full && strcmp(full, qi.backing_file))
			printf("backing file: %s (actual path: %s)\n", qi.backing_file, full);
		else
			printf("backing file: %s\n", qi.backing_file);
		if (qi.backing_fmt)
			printf("backing file format: %s\n", qi.backing_fmt);
		free(full);
	}
	print_snapshot_table(img);
	printf("Format specific information:\n    compat: %s\n    compression type: %s\n",
	       qi.version == 2 ? "0.10" : "1.1", qi.compression_type ? "zstd" : "zlib");
	if (qi.version == 3)
		printf("    lazy refcounts: %s\n", qi.lazy_refcounts ? "true" : "false");
	printf("    refcount bits: %d\n", qi.refcount_bits);
	if (qi.version == 3)
		printf("    corrupt: %s\n    extended l2: %s\n", qi.corrupt ? "true" : "false",
		       qi.extended_l2 ? "true" : "false");
}

int img_info(int argc, char **argv)
{
	const char *fmt = NULL;
	bool json = false, chain = false;
	struct vimg *img, *cur;
	json_object *arr = NULL;
	const char *file;
	int c, k;

	while ((c = getopt_long(argc, argv, "f:U", opts, NULL)) != -1) {
		k = img_common_opt(c, optarg, &fmt, &json);
		if (k < 0)
			return VMON_EXIT_USAGE;
		if (k)
			continue;
		switch (c) {
		case 'B':
			chain = true;
			break;
		default:
			img_usage(stderr, "info");
			return VMON_EXIT_USAGE;
		}
	}
	file = img_one_file(argc, argv, "info");
	if (!file)
		return VMON_EXIT_USAGE;
	img = img_open(file, fmt, chain ? 0 : VIMG_NO_BACKING);
	if (!img)
		return VMON_EXIT_FAIL;
	if (json && chain)
		arr = json_object_new_array();
	for (cur = img; cur; cur = chain ? vimg_backing(cur) : NULL) {
		const char *name = cur == img ? file : vimg_filename(cur);

		if (json) {
			json_object *o = info_json(cur, name);

			if (arr) {
				json_object_array_add(arr, o);
			} else {
				print_json(o);
				json_object_put(o);
			}
		} else {
			if (cur != img)
				printf("\n");
			info_human(cur, name);
		}
	}
	if (arr) {
		print_json(arr);
		json_object_put(arr);
	}
	vimg_close(img);
	return VMON_EXIT_OK;
}

static void add_nz(json_object *o, const char *k, uint64_t v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_int64(v));
}

int img_check(int argc, char **argv)
{
	const char *fmt = NULL;
	bool json = false;
	const char *file;
	int c, k, repair = 0, ret;
	struct qcow2_check_result r;
	struct vimg *img;

	while ((c = getopt_long(argc, argv, "f:r:qU", opts, NULL)) != -1) {
		k = img_common_opt(c, optarg, &fmt, &json);
		if (k < 0)
			return VMON_EXIT_USAGE;
		if (k)
			continue;
		switch (c) {
		case 'r':
			if (!strcmp(optarg, "leaks")) {
				repair = QCOW2_REPAIR_LEAKS;
			} else if (!strcmp(optarg, "all")) {
				repair = QCOW2_REPAIR_LEAKS | QCOW2_REPAIR_ERRORS;
			} else {
				vmon_err("img check: -r: '%s' is not leaks or all", optarg);
				return VMON_EXIT_USAGE;
			}
			break;
		case 'q':
		default:
			img_usage(stderr, "check");
			return VMON_EXIT_USAGE;
		}
	}
	file = img_one_file(argc, argv, "check");
	if (!file)
		return VMON_EXIT_USAGE;
	img = img_open(file, fmt, VIMG_NO_BACKING | VIMG_NO_REPAIR | (repair ? VIMG_RDWR : 0));
	if (!img)
		return VMON_EXIT_FAIL;
	if (vimg_format(img) != VIMG_QCOW2) {
		vmon_err("img check: this image format does not support checks");
		vimg_close(img);
		return VMON_EXIT_FAIL;
	}
	fflush(stdout);
	ret = qcow2_check(img, repair, &r, stderr);
	if (ret) {
		vmon_err("img check: %s", vimg_strerror());
		vimg_close(img);
		return VMON_EXIT_FAIL;
	}
	if (repair && (r.corruptions_fixed || r.leaks_fixed) && !json) {
		printf("The following inconsistencies were found and repaired:\n\n"
		       "    %llu leaked clusters\n    %llu corruptions\n\n"
		       "Double checking the fixed image now...\n",
		       (unsigned long long)r.leaks_fixed, (unsigned long long)r.corruptions_fixed);
	}
	if (json) {
		json_object *o = json_object_new_object();

		add_nz(o, "image-end-offset", r.image_end_offset);
		add_nz(o, "total-clusters", r.total_clusters);
		json_object_object_add(o, "check-errors", json_object_new_int64(r.check_errors));
		add_nz(o, "leaks", r.leaks);
		add_nz(o, "corruptions", r.corruptions);
		add_nz(o, "leaks-fixed", r.leaks_fixed);
		add_nz(o, "corruptions-fixed", r.corruptions_fixed);
		add_nz(o, "allocated-clusters", r.allocated_clusters);
		json_object_object_add(o, "filename", json_object_new_string(file));
		json_object_object_add(o, "format", json_object_new_string("qcow2"));
		add_nz(o, "fragmented-clusters", r.fragmented_clusters);
		add_nz(o, "compressed-clusters", r.compressed_clusters);
		print_json(o);
		json_object_put(o);
	} else {
		if (!r.corruptions && !r.leaks && !r.check_errors)
			printf("No errors were found on the image.\n");
		if (r.corruptions)
			printf("\n%llu errors were found on the image.\n"
			       "Data may be corrupted, or further writes to the image may corrupt "
			       "it.\n",
			       (unsigned long long)r.corruptions);
		if (r.leaks)
			printf("\n%llu leaked clusters were found on the image.\n"
			       "This means waste of disk space, but no harm to data.\n",
			       (unsigned long long)r.leaks);
		if (r.total_clusters && r.allocated_clusters)
			printf("%llu/%llu = %0.2f%% allocated, %0.2f%% fragmented, %0.2f%% "
			       "compressed clusters\n",
			       (unsigned long long)r.allocated_clusters,
			       (unsigned long long)r.total_clusters,
			       r.allocated_clusters * 100.0 / r.total_clusters,
			       r.allocated_clusters
				       ? r.fragmented_clusters * 100.0 / r.allocated_clusters
				       : 0,
			       r.allocated_clusters
				       ? r.compressed_clusters * 100.0 / r.allocated_clusters
				       : 0);
		if (r.image_end_offset)
			printf("Image end offset: %llu\n", (unsigned long long)r.image_end_offset);
	}
	if (vimg_close(img)) {
		vmon_err("img check: %s", vimg_strerror());
		return VMON_EXIT_FAIL;
	}
	if (r.check_errors)
		return VMON_EXIT_FAIL;
	if (r.corruptions)
		return IMG_EXIT_CORRUPT;
	if (r.leaks)
		return IMG_EXIT_LEAKS;
	return VMON_EXIT_OK;
}

int img_map(int argc, char **argv)
{
	const char *fmt = NULL;
	bool json = false, first = true;
	struct vimg_extent e, cur;
	struct vimg *img;
	uint64_t off, size;
	const char *file;
	int c, k;

	while ((c = getopt_long(argc, argv, "f:U", opts, NULL)) != -1) {
		k = img_common_opt(c, optarg, &fmt, &json);
		if (k < 0)
			return VMON_EXIT_USAGE;
		if (k)
			continue;
		switch (c) {
		default:
			img_usage(stderr, "map");
			return VMON_EXIT_USAGE;
		}
	}
	file = img_one_file(argc, argv, "map");
	if (!file)
		return VMON_EXIT_USAGE;
	img = img_open(file, fmt, 0);
	if (!img)
		return VMON_EXIT_FAIL;
	size = vimg_size(img);
	if (json)
		printf("[");
	else
		printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
	memset(&cur, 0, sizeof(cur));
	for (off = 0; off <= size; off += e.length) {
		bool flush_it = off == size;

		if (!flush_it) {
			if (vimg_block_status(img, off, size - off, true, &e)) {
				vmon_err("img map: %s", vimg_strerror());
				vimg_close(img);
				return VMON_EXIT_FAIL;
			}
			if (!json && e.data && !e.has_offset) {
				/* no file offset to show: refused, as qemu-img does */
				fflush(stdout);
				vmon_err("img map: File contains external, encrypted or compressed "
					 "clusters.");
				vimg_close(img);
				return VMON_EXIT_FAIL;
			}
			if (cur.length && e.depth == cur.depth && e.present == cur.present &&
			    e.zero == cur.zero && e.data == cur.data &&
			    e.has_offset == cur.has_offset &&
			    (!e.has_offset || e.offset == cur.offset + cur.length)) {
				cur.length += e.length;
				continue;
			}
		}
		if (cur.length) {
			if (json) {
				printf("%s{ \"start\": %llu, \"length\": %llu, \"depth\": %d, "
				       "\"present\": %s, \"zero\": %s, \"data\": %s",
				       first ? "" : ",\n", (unsigned long long)cur.start,
				       (unsigned long long)cur.length, cur.depth,
				       cur.present ? "true" : "false", cur.zero ? "true" : "false",
				       cur.data ? "true" : "false");
				if (cur.has_offset)
					printf(", \"offset\": %llu",
					       (unsigned long long)cur.offset);
				printf("}");
				first = false;
			} else if (cur.data && cur.has_offset) {
				struct vimg *f = img;
				int d;

				for (d = 0; d < cur.depth && vimg_backing(f); d++)
					f = vimg_backing(f);
				printf("%-#16llx%-#16llx%-#16llx%s\n",
				       (unsigned long long)cur.start,
				       (unsigned long long)cur.length,
				       (unsigned long long)cur.offset, vimg_filename(f));
			}
		}
		if (flush_it)
			break;
		cur = e;
		if (!e.length)
			break;
	}
	if (json)
		printf("]\n");
	vimg_close(img);
	return VMON_EXIT_OK;
}
