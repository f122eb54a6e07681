// SPDX-License-Identifier: GPL-2.0
/*
 * File volumes (the dir, fs and netfs pools): probe, scan, create through a
 * hidden temporary name renamed into place (a half-created volume is never
 * listed and is removed on failure), delete, resize, wipe. Images are read
 * and written through libqcow2.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <vmon/qcow2.h>

#include "backend.h"

int vmon_file_vol_probe(const char *path, struct vmon_vol_def *v, char *err, size_t errlen)
{
	struct qcow2_info qi;
	struct vimg *img;
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot stat '%s': %s", path, strerror(errno));
		return -1;
	}
	v->block = S_ISBLK(st.st_mode);
	v->allocation = (uint64_t)st.st_blocks * 512;
	v->physical = (uint64_t)st.st_size;
	v->capacity = (uint64_t)st.st_size;
	v->format = VMON_VOL_RAW;
	v->perms.mode = st.st_mode & 07777;
	v->perms.owner = st.st_uid;
	v->perms.group = st.st_gid;
	free(v->backing);
	v->backing = NULL;
	v->has_backing_format = false;
	/* a file libqcow2 cannot open is listed as raw, as libvirt lists it */
	if (vimg_open(path, NULL, VIMG_NO_BACKING | VIMG_NO_REPAIR, &img))
		return 0;
	v->capacity = vimg_size(img);
	if (vimg_format(img) == VIMG_QCOW2) {
		v->format = VMON_VOL_QCOW2;
		if (!qcow2_get_info(img, &qi) && qi.backing_file) {
			v->backing = vimg_backing_path(path, qi.backing_file);
			if (qi.backing_fmt &&
			    !vmon_vol_format_parse(qi.backing_fmt, &v->backing_format))
				v->has_backing_format = true;
		}
	}
	vimg_close(img);
	return 0;
}

static struct vmon_vol_def *scan_one(const char *dir, const char *name, char *err, size_t errlen)
{
	struct vmon_vol_def *v = calloc(1, sizeof(*v));

	if (!v || asprintf(&v->path, "%s/%s", dir, name) < 0) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->key = strdup(v->path); /* a file's key is its path, as libvirt's */
	if (!v->key || vmon_file_vol_probe(v->path, v, err, errlen)) {
		vmon_vol_def_free(v);
		return NULL;
	}
	return v;
}

int vmon_file_pool_scan(struct vmon_pool *p, const char *dir, char *err, size_t errlen)
{
	struct vmon_pool scan = { 0 };
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;

	if (!d) {
		snprintf(err, errlen, "cannot open directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct vmon_vol_def *v;

		/* dot files: hidden, and our temporaries of volumes being made */
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		v = scan_one(dir, e->d_name, err, errlen);
		if (!v || vmon_pool_vols_add(&scan, v)) {
			closedir(d);
			vmon_pool_vols_clear(&scan);
			return -1;
		}
	}
	closedir(d);
	vmon_pool_vols_clear(p);
	p->vols = scan.vols;
	p->n_vols = scan.n_vols;
	return 0;
}

int vmon_file_pool_df(struct vmon_pool *p, const char *dir, char *err, size_t errlen)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0) {
		snprintf(err, errlen, "cannot statvfs '%s': %s", dir, strerror(errno));
		return -1;
	}
	p->def->capacity = (uint64_t)sv.f_blocks * sv.f_frsize;
	p->def->allocation = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	p->def->available = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

static bool all_zero(const char *b, size_t n)
{
	return n == 0 || (b[0] == 0 && !memcmp(b, b + 1, n - 1));
}

int vmon_file_vol_copy(const struct vmon_vol_def *src, struct vimg *dst, char *err, size_t errlen)
{
	const size_t chunk = 1 << 20;
	struct vimg *in;
	uint64_t size;
	char *buf;
	int ret = 0;

	if (vimg_open(src->path, vmon_vol_format_name(src->format), 0, &in)) {
		snprintf(err, errlen, "cannot open '%s': %s", src->path, vimg_strerror());
		return -1;
	}
	buf = malloc(chunk);
	size = vimg_size(in) < vimg_size(dst) ? vimg_size(in) : vimg_size(dst);
	for (uint64_t off = 0; buf && !ret && off < size; off += chunk) {
		size_t n = size - off < chunk ? (size_t)(size - off) : chunk;

		if (vimg_pread(in, buf, n, off) < 0) {
			snprintf(err, errlen, "read of '%s' at %" PRIu64 ": %s", src->path, off,
				 vimg_strerror());
			ret = -1;
		} else if (!all_zero(buf, n) && vimg_pwrite(dst, buf, n, off) < 0) {
			snprintf(err, errlen, "write at %" PRIu64 ": %s", off, vimg_strerror());
			ret = -1;
		}
	}
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
	free(buf);
	vimg_close(in);
	return ret;
}
