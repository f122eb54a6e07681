// SPDX-License-Identifier: GPL-2.0
/*
 * What the pool-* and vol-* commands print, in virsh's layout: tables with
 * a dashed line under the header, "Name:           value" blocks, sizes as
 * "1.50 GiB". vol-upload and vol-download copy the volume's bytes here, on
 * the path vmond gives (sparse: runs of zeroes become holes).
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmon/cli.h>

#include "storage.h"

/* virsh's sizes: two decimals in the largest binary unit that fits. */
static const char *pretty(unsigned long long b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.2f %s", v, units[u]);
	return buf;
}

#define MAXCOL 8
struct table {
	int ncol;
	size_t nrow;
	char *(*cell)[MAXCOL]; /* row 0 is the header */
};

static void table_add(struct table *t, const char *const *cells)
{
	char *(*n)[MAXCOL] = realloc(t->cell, (t->nrow + 1) * sizeof(*n));

	if (!n)
		return;
	t->cell = n;
	for (int i = 0; i < t->ncol; i++)
		t->cell[t->nrow][i] = strdup(cells[i]);
	t->nrow++;
}

static void table_print(struct table *t)
{
	if (t->cell)
		vmon_print_table((const char *const *)&t->cell[0][0], t->nrow, t->ncol, MAXCOL);
	for (size_t r = 0; r < t->nrow; r++)
		for (int i = 0; i < t->ncol; i++)
			free(t->cell[r][i]);
	free(t->cell);
}

int vmon_print_pool_list(const struct scall *c)
{
	bool all = vmon_jbool(c->req, "all"), details = vmon_jbool(c->req, "details");
	static const char *const head[] = { "Name",	"State",      "Autostart", "Persistent",
					    "Capacity", "Allocation", "Available" };
	struct table t = { details ? 7 : 3, 0, NULL };
	struct json_object *a;

	table_add(&t, head);
	json_object_object_get_ex(c->answer, "pools", &a);
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *p = json_object_array_get_idx(a, i);
		bool on = vmon_jbool(p, "active");
		char cap[32], al[32], av[32];
		const char *row[7] = {
			vmon_jstr(p, "name"),
			on ? (details ? "running" : "active") : "inactive",
			vmon_jbool(p, "autostart") ? "yes" : "no",
			vmon_jbool(p, "persistent") ? "yes" : "no",
			on ? pretty(vmon_jnum(p, "capacity"), cap, sizeof(cap)) : "-",
			on ? pretty(vmon_jnum(p, "allocation"), al, sizeof(al)) : "-",
			on ? pretty(vmon_jnum(p, "available"), av, sizeof(av)) : "-",
		};

		if (on || all)
			table_add(&t, row);
	}
	table_print(&t);
	return 0;
}

int vmon_print_pool_info(const struct scall *c)
{
	struct json_object *a = c->answer;
	char b[32];

	printf("%-15s %s\n", "Name:", vmon_jstr(a, "name"));
	printf("%-15s %s\n", "UUID:", vmon_jstr(a, "uuid"));
	printf("%-15s %s\n", "State:", vmon_jstr(a, "state"));
	printf("%-15s %s\n", "Persistent:", vmon_jbool(a, "persistent") ? "yes" : "no");
	printf("%-15s %s\n", "Autostart:", vmon_jbool(a, "autostart") ? "yes" : "no");
	if (vmon_jbool(a, "active")) {
		printf("%-15s %s\n", "Capacity:", pretty(vmon_jnum(a, "capacity"), b, sizeof(b)));
		printf("%-15s %s\n",
		       "Allocation:", pretty(vmon_jnum(a, "allocation"), b, sizeof(b)));
		printf("%-15s %s\n", "Available:", pretty(vmon_jnum(a, "available"), b, sizeof(b)));
	} else if (*vmon_jstr(a, "reason")) {
		/* not virsh's: why the last start failed */
		printf("%-15s %s\n", "Reason:", vmon_jstr(a, "reason"));
	}
	putchar('\n');
	return 0;
}

int vmon_print_xml(const struct scall *c)
{
	fputs(vmon_jstr(c->answer, "xml"), stdout);
	return 0;
}

int vmon_print_vol_list(const struct scall *c)
{
	static const char *const head[] = { "Name", "Path", "Type", "Capacity", "Allocation" };
	struct table t = { vmon_jbool(c->req, "details") ? 5 : 2, 0, NULL };
	struct json_object *a;

	table_add(&t, head);
	json_object_object_get_ex(c->answer, "vols", &a);
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		char cap[32], al[32];
		const char *row[5] = { vmon_jstr(v, "name"), vmon_jstr(v, "path"),
				       vmon_jstr(v, "type"),
				       pretty(vmon_jnum(v, "capacity"), cap, sizeof(cap)),
				       pretty(vmon_jnum(v, "allocation"), al, sizeof(al)) };

		table_add(&t, row);
	}
	table_print(&t);
	return 0;
}

int vmon_print_vol_info(const struct scall *c)
{
	struct json_object *a = c->answer;
	char b[32];

	printf("%-15s %s\n", "Name:", vmon_jstr(a, "name"));
	printf("%-15s %s\n", "Type:", vmon_jstr(a, "type"));
	printf("%-15s %s\n", "Capacity:", pretty(vmon_jnum(a, "capacity"), b, sizeof(b)));
	printf("%-15s %s\n\n", "Allocation:", pretty(vmon_jnum(a, "allocation"), b, sizeof(b)));
	return 0;
}

int vmon_print_vol_field(const struct scall *c)
{
	const char *f = !strcmp(c->verb, "vol-path")   ? "path"
			: !strcmp(c->verb, "vol-key")  ? "key"
			: !strcmp(c->verb, "vol-name") ? "name"
						       : "pool";

	printf("%s\n", vmon_jstr(c->answer, f));
	return 0;
}

/*
 * Copy in to out; runs of zero blocks become holes in out when it is a file
 * (new or truncated); a block device gets every byte.
 */
static int copy_sparse(int in, int out, bool holes, off_t *len)
{
	static char buf[1 << 16];
	ssize_t n;

	*len = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		bool zero = holes && buf[0] == 0 && !memcmp(buf, buf + 1, (size_t)n - 1);

		if (zero ? lseek(out, n, SEEK_CUR) < 0 : write(out, buf, (size_t)n) != n)
			return -1;
		*len += n;
	}
	return n < 0 ? -1 : 0;
}

int vmon_vol_transfer(const struct scall *c)
{
	bool up = !strcmp(c->verb, "vol-upload");
	const char *vol = vmon_jstr(c->answer, "path"), *file = vmon_jstr(c->req, "file");
	int in = open(up ? file : vol, O_RDONLY | O_CLOEXEC), out = -1;
	off_t len = 0;
	struct stat st;
	bool blk = false;
	int ret = -1;

	if (in >= 0)
		out = open(up ? vol : file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	/* a block device (a logical pool's volume) gets every byte: no holes, no truncate */
	blk = out >= 0 && !fstat(out, &st) && S_ISBLK(st.st_mode);
	if (in < 0 || out < 0) {
		vmon_err("%s: cannot open '%s': %s", c->verb,
			 in < 0 ? (up ? file : vol) : (up ? vol : file), strerror(errno));
	} else if (copy_sparse(in, out, !blk, &len) || (!blk && ftruncate(out, len)) ||
		   fsync(out)) {
		vmon_err("%s: copy from '%s' to '%s': %s", c->verb, up ? file : vol,
			 up ? vol : file, strerror(errno));
	} else {
		ret = 0;
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}
