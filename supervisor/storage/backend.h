/* SPDX-License-Identifier: GPL-2.0 */
/* The back ends, and the file-volume operations that dir, fs and netfs share. */
#ifndef VMON_STORAGE_BACKEND_H
#define VMON_STORAGE_BACKEND_H

#include <sys/stat.h>
#include <vmon/storage.h>

extern const struct vmon_pool_backend vmon_backend_dir;
extern const struct vmon_pool_backend vmon_backend_fs;
extern const struct vmon_pool_backend vmon_backend_logical;

/* Run argv (PATH searched): 0 and its stdout in *out (malloc'd, if out), or -1
 * with the tool's stderr in err; killed, with its process group, and -1 when
 * it runs past the timeout (vmon_storage_set_timeout). */
int vmon_storage_run(char *const argv[], char **out, char *err, size_t errlen);

/*
 * What a file holds: format (qcow2 by its header, else raw), virtual size,
 * allocation (st_blocks), size on disk, backing file and its format.
 * 0, or -1 with why in err. v->name, key and path are the caller's.
 */
int vmon_file_vol_probe(const char *path, struct vmon_vol_def *v, char *err, size_t errlen);
/* Scan dir: one volume per regular file (dot files skipped). */
int vmon_file_pool_scan(struct vmon_pool *p, const char *dir, char *err, size_t errlen);
/* df of the file system holding dir into the pool's figures. */
int vmon_file_pool_df(struct vmon_pool *p, const char *dir, char *err, size_t errlen);
/* File volume operations, in the pool's target directory. */
int vmon_file_vol_create(struct vmon_pool *p, struct vmon_vol_def *v,
			 const struct vmon_vol_def *from, unsigned int flags, char *err,
			 size_t errlen);
int vmon_file_vol_delete(struct vmon_pool *p, const struct vmon_vol_def *v, char *err,
			 size_t errlen);
int vmon_file_vol_resize(struct vmon_pool *p, const struct vmon_vol_def *v, uint64_t capacity,
			 unsigned int flags, char *err, size_t errlen);
int vmon_file_vol_wipe(struct vmon_pool *p, const struct vmon_vol_def *v, enum vmon_wipe_alg alg,
		       char *err, size_t errlen);
/* Copy the data of the image at src into the open image dst (sparse). */
struct vimg;
int vmon_file_vol_copy(const struct vmon_vol_def *src, struct vimg *dst, char *err, size_t errlen);

#endif
