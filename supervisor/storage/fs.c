// SPDX-License-Identifier: GPL-2.0
/*
 * The fs pool: a block device holding a file system that vmon mounts on the
 * pool's target directory (libmount), probed with libblkid; once mounted it
 * is a directory of image files like the dir pool. build makes the file
 * system with mkfs.TYPE, refusing to overwrite one unless told to.
 */
#include <blkid/blkid.h>
#include <errno.h>
#include <libmount/libmount.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"

extern char **environ;

static const char *fstype(const struct vmon_pool_def *def)
{
	return def->src_format && strcmp(def->src_format, "auto") ? def->src_format : NULL;
}

static int fs_check(const struct vmon_pool_def *def, char *err, size_t errlen)
{
	if (!def->src_device || def->src_device[0] != '/') {
		snprintf(err, errlen,
			 "pool '%s': an fs pool needs <source><device path='/dev/...'>", def->name);
		return -1;
	}
	return vmon_backend_dir.check(def, err, errlen);
}

/* The file system type on dev ("" if none): 0, or -1 with why. */
static int probe(const char *dev, char *type, size_t len, char *err, size_t errlen)
{
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	const char *t = NULL;
	int rc;

	if (!pr) {
		snprintf(err, errlen, "cannot open device '%s': %s", dev, strerror(errno));
		return -1;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0)
		blkid_probe_lookup_value(pr, "TYPE", &t, NULL);
	snprintf(type, len, "%s", t ? t : "");
	blkid_free_probe(pr);
	if (rc < 0) {
		snprintf(err, errlen, "cannot probe device '%s' (ambiguous or unreadable)", dev);
		return -1;
	}
	return 0;
}

static int mkfs(const char *type, const char *dev, char *err, size_t errlen)
{
	char prog[64];
	char *argv[] = { prog, (char *)"-q", (char *)dev, NULL };
	pid_t pid;
	int st, rc;

	snprintf(prog, sizeof(prog), "mkfs.%s", type);
	rc = posix_spawnp(&pid, prog, NULL, NULL, argv, environ);
	if (rc || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(err, errlen, "%s %s failed%s%s", prog, dev, rc ? ": " : "",
			 rc ? strerror(rc) : "");
		return -1;
	}
	return 0;
}

static int fs_build(struct vmon_pool *p, unsigned int flags, char *err, size_t errlen)
{
	const char *dev = p->def->src_device, *want = fstype(p->def) ? fstype(p->def) : "ext4";
	char have[64];

	if (probe(dev, have, sizeof(have), err, errlen))
		return -1;
	if (*have && !(flags & VMON_BUILD_OVERWRITE)) {
		snprintf(err, errlen,
			 "device '%s' already holds a %s file system (pool-build --overwrite "
			 "replaces it)",
			 dev, have);
		return -1;
	}
	if (mkfs(want, dev, err, errlen))
		return -1;
	return vmon_backend_dir.build(p, flags, err, errlen);
}

/* Is dev mounted on target already (vmond restarted)? */
static bool mounted(const char *dev, const char *target)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *fs = tb ? mnt_table_find_target(tb, target, MNT_ITER_BACKWARD) : NULL;
	char *real = realpath(dev, NULL);
	bool yes = fs && real && mnt_fs_get_srcpath(fs) && !strcmp(mnt_fs_get_srcpath(fs), real);

	free(real);
	mnt_unref_table(tb);
	return yes;
}

static int fs_start(struct vmon_pool *p, char *err, size_t errlen)
{
	const char *dev = p->def->src_device, *want = fstype(p->def);
	struct libmnt_context *cx;
	char have[64];
	struct stat st;
	int rc;

	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "device '%s' %s", dev,
			 errno == ENOENT ? "does not exist" : "is not a block device");
		return -1;
	}
	if (probe(dev, have, sizeof(have), err, errlen))
		return -1;
	if (!*have || (want && strcmp(want, have))) {
		snprintf(err, errlen, "device '%s' holds %s%s, not %s (run pool-build)", dev,
			 *have ? "a file system of type " : "no file system", have,
			 want ? want : "a file system");
		return -1;
	}
	if (!mounted(dev, p->def->target)) {
		cx = mnt_new_context();
		if (!cx) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		mnt_context_set_source(cx, dev);
		mnt_context_set_target(cx, p->def->target);
		mnt_context_set_fstype(cx, have);
		mnt_context_set_options(cx, "nodev,nosuid");
		rc = mnt_context_mount(cx);
		if (rc || mnt_context_get_status(cx) != 1) {
			snprintf(err, errlen, "cannot mount '%s' on '%s': %s", dev, p->def->target,
				 rc < 0 ? strerror(-rc) : "mount failed");
			mnt_free_context(cx);
			return -1;
		}
		mnt_free_context(cx);
	}
	return 0;
}

static int fs_stop(struct vmon_pool *p, char *err, size_t errlen)
{
	struct libmnt_context *cx;
	int rc = 0;

	if (mounted(p->def->src_device, p->def->target)) {
		cx = mnt_new_context();
		if (!cx) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		mnt_context_set_target(cx, p->def->target);
		rc = mnt_context_umount(cx);
		if (rc)
			snprintf(err, errlen, "cannot unmount '%s': %s", p->def->target,
				 rc < 0 ? strerror(-rc) : "umount failed (busy?)");
		mnt_free_context(cx);
	}
	return rc ? -1 : vmon_backend_dir.stop(p, err, errlen);
}

static int fs_start_scan(struct vmon_pool *p, char *err, size_t errlen)
{
	char e2[256];

	if (fs_start(p, err, errlen))
		return -1;
	/* mounted: the rest is the dir pool's; a failed scan unmounts again */
	if (vmon_backend_dir.start(p, err, errlen)) {
		fs_stop(p, e2, sizeof(e2));
		return -1;
	}
	return 0;
}

static int fs_refresh(struct vmon_pool *p, char *err, size_t errlen)
{
	return vmon_backend_dir.refresh(p, err, errlen);
}

static int fs_remove(struct vmon_pool *p, char *err, size_t errlen)
{
	return vmon_backend_dir.remove(p, err, errlen);
}

const struct vmon_pool_backend vmon_backend_fs = {
	.type = VMON_POOL_FS,
	.check = fs_check,
	.build = fs_build,
	.start = fs_start_scan,
	.stop = fs_stop,
	.refresh = fs_refresh,
	.remove = fs_remove,
	.vol_create = vmon_file_vol_create,
	.vol_delete = vmon_file_vol_delete,
	.vol_resize = vmon_file_vol_resize,
	.vol_wipe = vmon_file_vol_wipe,
};
