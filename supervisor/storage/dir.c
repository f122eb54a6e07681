// SPDX-License-Identifier: GPL-2.0
/*
 * The dir pool: a directory of image files. build makes the directory with
 * the definition's mode and owner, start checks it and sweeps temporaries of
 * volumes a crash left half-made, delete removes the (empty) directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

static int dir_check(const struct vmon_pool_def *def, char *err, size_t errlen)
{
	if (!def->target || def->target[0] != '/') {
		snprintf(err, errlen, "pool '%s': a dir pool needs an absolute <target><path>",
			 def->name);
		return -1;
	}
	return 0;
}

static int mkdirs(const char *path, mode_t mode)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int dir_build(struct vmon_pool *p, unsigned int flags, char *err, size_t errlen)
{
	const struct vmon_perms *pm = &p->def->perms;
	mode_t mode = pm->mode >= 0 ? (mode_t)pm->mode : 0711;
	const char *t = p->def->target;
	struct stat st;
	int ret;

	(void)flags;
	ret = mkdirs(t, mode);
	if (!ret && (stat(t, &st) < 0 || !S_ISDIR(st.st_mode)))
		ret = errno ? -errno : -ENOTDIR;
	if (ret) {
		snprintf(err, errlen, "cannot create directory '%s': %s", t, strerror(-ret));
		return -1;
	}
	/* an existing directory takes the definition's permissions too */
	if (chmod(t, mode) < 0 || ((pm->owner >= 0 || pm->group >= 0) &&
				   chown(t, (uid_t)pm->owner, (gid_t)pm->group) < 0)) {
		snprintf(err, errlen, "cannot set the permissions of '%s': %s", t, strerror(errno));
		return -1;
	}
	return 0;
}

static int dir_refresh(struct vmon_pool *p, char *err, size_t errlen)
{
	return vmon_file_pool_scan(p, p->def->target, err, errlen) ||
	       vmon_file_pool_df(p, p->def->target, err, errlen);
}

static int dir_start(struct vmon_pool *p, char *err, size_t errlen)
{
	DIR *d = opendir(p->def->target);
	struct dirent *e;

	if (!d) {
		snprintf(err, errlen, "cannot open directory '%s': %s", p->def->target,
			 strerror(errno));
		return -1;
	}
	/* temporaries of volumes whose creation a crash cut short */
	while ((e = readdir(d)))
		if (!fnmatch(".*.vmon-??????", e->d_name, FNM_PERIOD))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	return dir_refresh(p, err, errlen);
}

static int dir_stop(struct vmon_pool *p, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	vmon_pool_vols_clear(p);
	p->def->capacity = p->def->allocation = p->def->available = 0;
	return 0;
}

static int dir_remove(struct vmon_pool *p, char *err, size_t errlen)
{
	if (rmdir(p->def->target) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove directory '%s': %s", p->def->target,
			 strerror(errno));
		return -1;
	}
	return 0;
}

const struct vmon_pool_backend vmon_backend_dir = {
	.type = VMON_POOL_DIR,
	.check = dir_check,
	.build = dir_build,
	.start = dir_start,
	.stop = dir_stop,
	.refresh = dir_refresh,
	.remove = dir_remove,
	.vol_create = vmon_file_vol_create,
	.vol_delete = vmon_file_vol_delete,
	.vol_resize = vmon_file_vol_resize,
	.vol_wipe = vmon_file_vol_wipe,
};
