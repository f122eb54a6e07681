// SPDX-License-Identifier: GPL-2.0
/* File volumes: create (raw, qcow2, with backing, from another volume),
 * delete, resize, wipe. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <vmon/qcow2.h>

#include "backend.h"

/* The size and format of a backing volume not described by the caller. */
static int backing_facts(struct vmon_vol_def *v, uint64_t *size, char *err, size_t errlen)
{
	const char *fmt = v->has_backing_format ? vmon_vol_format_name(v->backing_format) : NULL;
	struct vimg *b;

	if (vimg_open(v->backing, fmt, VIMG_NO_REPAIR, &b)) {
		snprintf(err, errlen, "cannot open backing volume '%s': %s", v->backing,
			 vimg_strerror());
		return -1;
	}
	*size = vimg_size(b);
	if (!v->has_backing_format) {
		v->backing_format = vimg_format(b) == VIMG_QCOW2 ? VMON_VOL_QCOW2 : VMON_VOL_RAW;
		v->has_backing_format = true;
	}
	vimg_close(b);
	return 0;
}

static int check_new(struct vmon_pool *p, struct vmon_vol_def *v, const struct vmon_vol_def *from,
		     char *err, size_t errlen)
{
	uint64_t bsize = 0;

	if (vmon_vol_name_check(v->name, err, errlen))
		return -1;
	if (vmon_pool_vol(p, v->name)) {
		snprintf(err, errlen, "storage volume '%s' already exists in pool '%s'", v->name,
			 p->def->name);
		return -1;
	}
	if (v->backing && v->format != VMON_VOL_QCOW2) {
		snprintf(err, errlen, "volume '%s': a %s volume cannot have a backing store",
			 v->name, vmon_vol_format_name(v->format));
		return -1;
	}
	if (v->backing && backing_facts(v, &bsize, err, errlen))
		return -1;
	if (!v->capacity)
		v->capacity = from ? from->capacity : bsize;
	if (v->has_allocation && v->allocation > v->capacity)
		v->allocation = v->capacity;
	/* only what is written at once has to fit; sparse volumes may overcommit */
	if (v->has_allocation && v->format == VMON_VOL_RAW && v->allocation > p->def->available) {
		snprintf(err, errlen,
			 "not enough space for volume '%s': it needs %" PRIu64
			 " bytes allocated, pool '%s' has %" PRIu64 " available",
			 v->name, v->allocation, p->def->name, p->def->available);
		return -1;
	}
	return 0;
}

/* Make the image at tmp: libqcow2 creates it, from's data is copied in. */
static int make_image(const char *tmp, struct vmon_vol_def *v, const struct vmon_vol_def *from,
		      unsigned int flags, char *err, size_t errlen)
{
	struct vimg_create_opts o = { 0 };
	struct vimg *img;
	int ret;

	o.fmt = v->format == VMON_VOL_QCOW2 ? VIMG_QCOW2 : VIMG_RAW;
	o.size = v->capacity;
	o.backing_file = v->backing;
	o.backing_fmt = v->backing ? vmon_vol_format_name(v->backing_format) : NULL;
	if (flags & VMON_VOL_PREALLOC_METADATA && v->format == VMON_VOL_QCOW2)
		o.prealloc = QCOW2_PREALLOC_METADATA;
	else if (v->format == VMON_VOL_RAW && v->has_allocation && v->allocation == v->capacity)
		o.prealloc = QCOW2_PREALLOC_FALLOC;
	if (vimg_create(tmp, &o)) {
		snprintf(err, errlen, "cannot create volume '%s': %s", v->name, vimg_strerror());
		return -1;
	}
	if (!from)
		return 0;
	if (vimg_open(tmp, vmon_vol_format_name(v->format), VIMG_RDWR | VIMG_NO_BACKING, &img)) {
		snprintf(err, errlen, "cannot open new volume '%s': %s", v->name, vimg_strerror());
		return -1;
	}
	ret = vmon_file_vol_copy(from, img, err, errlen);
	if (vimg_close(img) && !ret) {
		snprintf(err, errlen, "volume '%s': %s", v->name, vimg_strerror());
		ret = -1;
	}
	return ret;
}

static int set_perms(const char *tmp, const struct vmon_perms *pm, char *err, size_t errlen)
{
	if (chmod(tmp, pm->mode >= 0 ? (mode_t)pm->mode : 0600) < 0 ||
	    ((pm->owner >= 0 || pm->group >= 0) &&
	     chown(tmp, (uid_t)pm->owner, (gid_t)pm->group) < 0)) {
		snprintf(err, errlen, "cannot set the permissions of the new volume: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int vmon_file_vol_create(struct vmon_pool *p, struct vmon_vol_def *v,
			 const struct vmon_vol_def *from, unsigned int flags, char *err,
			 size_t errlen)
{
	char *tmp = NULL, *path = NULL;
	int fd, ret = -1;

	if (check_new(p, v, from, err, errlen))
		return -1;
	if (asprintf(&path, "%s/%s", p->def->target, v->name) < 0 ||
	    asprintf(&tmp, "%s/.%s.vmon-XXXXXX", p->def->target, v->name) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a file in '%s': %s", p->def->target,
			 strerror(errno));
		goto out;
	}
	close(fd);
	if (make_image(tmp, v, from, flags, err, errlen) || set_perms(tmp, &v->perms, err, errlen))
		goto drop;
	/* the name appears whole or not at all, and never over another's */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		snprintf(err, errlen,
			 errno == EEXIST ? "storage volume '%s' already exists"
					 : "cannot name volume '%s': %s",
			 v->name, strerror(errno));
		goto drop;
	}
	free(v->path);
	free(v->key);
	v->path = path;
	v->key = strdup(path);
	path = NULL;
	ret = v->key ? vmon_file_vol_probe(v->path, v, err, errlen) : -1;
	goto out;
drop:
	unlink(tmp);
out:
	free(tmp);
	free(path);
	return ret;
}

int vmon_file_vol_delete(struct vmon_pool *p, const struct vmon_vol_def *v, char *err,
			 size_t errlen)
{
	(void)p;
	if (unlink(v->path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", v->path, strerror(errno));
		return -1;
	}
	return 0;
}

int vmon_file_vol_resize(struct vmon_pool *p, const struct vmon_vol_def *v, uint64_t capacity,
			 unsigned int flags, char *err, size_t errlen)
{
	struct vimg *img;
	int ret = 0;

	(void)p;
	if (capacity < v->capacity && !(flags & VMON_RESIZE_SHRINK)) {
		snprintf(err, errlen,
			 "cannot shrink volume '%s' from %" PRIu64 " to %" PRIu64
			 " bytes without --shrink",
			 v->name, v->capacity, capacity);
		return -1;
	}
	if (vimg_open(v->path, vmon_vol_format_name(v->format), VIMG_RDWR | VIMG_NO_BACKING,
		      &img)) {
		snprintf(err, errlen, "cannot open '%s': %s", v->path, vimg_strerror());
		return -1;
	}
	if (vimg_resize(img, capacity, capacity < v->capacity)) {
		snprintf(err, errlen, "cannot resize '%s': %s", v->path, vimg_strerror());
		ret = -1;
	}
	if (vimg_close(img) && !ret) {
		snprintf(err, errlen, "'%s': %s", v->path, vimg_strerror());
		ret = -1;
	}
	return ret;
}

/* One pass over the volume's virtual size: 0x00 (zeroes), 0xff, or random (-1). */
static int wipe_pass(struct vimg *img, int pattern, char *buf, size_t chunk)
{
	uint64_t size = vimg_size(img);

	if (pattern == 0)
		return vimg_pwrite_zeroes(img, 0, size);
	if (pattern > 0)
		memset(buf, pattern, chunk);
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? (size_t)(size - off) : chunk;

		if (pattern < 0 && getrandom(buf, n, 0) != (ssize_t)n)
			return -1;
		if (vimg_pwrite(img, buf, n, off) < 0)
			return -1;
	}
	return vimg_flush(img);
}

int vmon_file_vol_wipe(struct vmon_pool *p, const struct vmon_vol_def *v, enum vmon_wipe_alg alg,
		       char *err, size_t errlen)
{
	/* the passes of each algorithm, ended by 1 (0x01 is no pass of any) */
	static const int passes[][4] = {
		[VMON_WIPE_ZERO] = { 0, 1 },
		[VMON_WIPE_RANDOM] = { -1, 1 },
		[VMON_WIPE_NNSA] = { -1, -1, 0, 1 },
		[VMON_WIPE_DOD] = { 0, 0xff, -1, 1 },
	};
	const size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	struct vimg *img;
	int ret = 0;

	(void)p;
	if (!buf || vimg_open(v->path, vmon_vol_format_name(v->format), VIMG_RDWR | VIMG_NO_BACKING,
			      &img)) {
		snprintf(err, errlen, "cannot open '%s': %s", v->path,
			 buf ? vimg_strerror() : "out of memory");
		free(buf);
		return -1;
	}
	for (int i = 0; !ret && passes[alg][i] != 1; i++)
		if (wipe_pass(img, passes[alg][i], buf, chunk)) {
			snprintf(err, errlen, "wipe of '%s': %s", v->path, vimg_strerror());
			ret = -1;
		}
	if (vimg_close(img) && !ret) {
		snprintf(err, errlen, "'%s': %s", v->path, vimg_strerror());
		ret = -1;
	}
	free(buf);
	return ret;
}
