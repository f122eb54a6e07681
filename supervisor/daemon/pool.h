/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmond's storage pools: the set of pools, their definitions on disk
 * (ROOT/etc/vmon/storage/NAME.xml, autostart links in
 * ROOT/etc/vmon/storage/autostart/NAME), which were active
 * (ROOT/run/vmon/storage/NAME), and the pool-* and vol-* requests.
 */
#ifndef VMOND_POOL_H
#define VMOND_POOL_H

#include <json-c/json.h>
#include <stdbool.h>

#include <vmon/storage.h>

struct vmond;

struct vpool {
	struct vmon_pool p;
	bool persistent, autostart;
	char reason[300]; /* why the last start failed, "" if it did not */
};

struct vmond_pools {
	struct vpool **v;
	size_t n;
	char dir[700], autostart[720], run[700];
};

/*
 * At vmond's start: load the definitions, define the pool "default" (a dir
 * pool at ROOT/var/lib/vmon/images, autostarted) on the very first start,
 * start the autostarted pools and those active before a restart.
 */
int vmond_pools_init(struct vmond *d);

struct vpool *vmond_pool_find(struct vmond *d, const char *name_or_uuid);
/* Add def as a pool (taking it); NULL if out of memory (def freed). */
struct vpool *vmond_pool_add(struct vmond *d, struct vmon_pool_def *def, bool persistent);
void vmond_pool_drop(struct vmond *d, struct vpool *vp);
int vmond_pool_save(struct vmond *d, struct vpool *vp, char *err, size_t errlen);
int vmond_pool_unsave(struct vmond *d, struct vpool *vp, char *err, size_t errlen);
int vmond_pool_set_autostart(struct vmond *d, struct vpool *vp, bool on, char *err, size_t errlen);
/* Start / stop through the back end, with the run marker kept in step. */
int vmond_pool_start(struct vmond *d, struct vpool *vp, char *err, size_t errlen);
int vmond_pool_stop(struct vmond *d, struct vpool *vp, char *err, size_t errlen);

/*
 * A pool-* or vol-* request: 0 or -1 (err) as a vmond_handler, or -2 when
 * cmd is not one of them.
 */
int vmond_storage_request(struct vmond *d, const char *cmd, struct json_object *req, bool ro,
			  struct json_object *r, char *err, size_t errlen);

/* The path of volume vol in pool (for <disk type='volume'>): 0 or -1. */
int vmond_volume_path(struct vmond *d, const char *pool, const char *vol, char **path, char *err,
		      size_t errlen);

/*
 * Give each <disk type='volume'> of v the path of its volume (refused with
 * the pool's state when it is not active). 0 or -1.
 */
struct vdom;
int vmond_resolve_volumes(struct vmond *d, struct vdom *v, char *err, size_t errlen);

#endif
