// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's vol-* requests. A volume is named by "vol" with an optional
 * "pool": in a pool by name, key or path; without one by key or path in any
 * active pool. After a change the pool is refreshed, so what is listed is
 * what is on disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "vmond.h"

#define ADD(o, k, v) json_object_object_add(o, k, v)

const char *vmond_pool_str(struct json_object *req, const char *key);
struct vpool *vmond_req_pool(struct vmond *d, struct json_object *req, char *err, size_t errlen);

static struct vpool *active_pool(struct vmond *d, struct json_object *req, const char *member,
				 char *err, size_t errlen)
{
	struct json_object *q = json_object_new_object();
	struct vpool *vp;

	json_object_object_add(q, "pool",
			       json_object_new_string(vmond_pool_str(req, member)
							      ? vmond_pool_str(req, member)
							      : ""));
	vp = vmond_req_pool(d, q, err, errlen);
	json_object_put(q);
	if (vp && !vp->p.active) {
		snprintf(err, errlen, "storage pool '%s' is not active", vp->p.def->name);
		return NULL;
	}
	return vp;
}

/* The volume named by req[member] (and "pool" if given), and its pool. */
static struct vmon_vol_def *find_vol(struct vmond *d, struct json_object *req, const char *member,
				     const char *pool_member, struct vpool **pool, char *err,
				     size_t errlen)
{
	const char *key = vmond_pool_str(req, member);
	struct vmon_vol_def *v = NULL;

	if (!key) {
		snprintf(err, errlen, "request has no string member \"%s\"", member);
		return NULL;
	}
	if (vmond_pool_str(req, pool_member)) {
		*pool = active_pool(d, req, pool_member, err, errlen);
		if (!*pool)
			return NULL;
		v = vmon_pool_vol(&(*pool)->p, key);
		if (!v)
			v = vmon_pool_vol_by_path_or_key(&(*pool)->p, key);
		if (!v)
			snprintf(err, errlen,
				 "failed to get vol '%.255s': no such volume in pool '%s'", key,
				 (*pool)->p.def->name);
		return v;
	}
	for (size_t i = 0; !v && i < d->pools.n; i++) {
		*pool = d->pools.v[i];
		if ((*pool)->p.active)
			v = vmon_pool_vol_by_path_or_key(&(*pool)->p, key);
	}
	if (!v)
		snprintf(err, errlen,
			 "failed to get vol '%.255s': no storage vol with matching key "
			 "or path (name a pool to find it by name)",
			 key);
	return v;
}

static void describe(struct vpool *vp, const struct vmon_vol_def *v, struct json_object *o)
{
	ADD(o, "name", json_object_new_string(v->name));
	ADD(o, "key", json_object_new_string(v->key ? v->key : ""));
	ADD(o, "path", json_object_new_string(v->path ? v->path : ""));
	ADD(o, "pool", json_object_new_string(vp->p.def->name));
	ADD(o, "type", json_object_new_string(v->block ? "block" : "file"));
	ADD(o, "format", json_object_new_string(vmon_vol_format_name(v->format)));
	ADD(o, "capacity", json_object_new_uint64(v->capacity));
	ADD(o, "allocation", json_object_new_uint64(v->allocation));
	ADD(o, "physical", json_object_new_uint64(v->physical));
	if (v->backing)
		ADD(o, "backing", json_object_new_string(v->backing));
}

static int refreshed(struct vpool *vp, int ret, char *err, size_t errlen)
{
	char e2[256];

	/* the change is made; a failed rescan is logged, not reported as it */
	if (vp->p.be->refresh(&vp->p, e2, sizeof(e2)))
		vmond_log("pool '%s': refresh: %s", vp->p.def->name, e2);
	(void)err, (void)errlen;
	return ret;
}

static int req_list(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		    size_t errlen)
{
	struct vpool *vp = active_pool(d, req, "pool", err, errlen);
	struct json_object *a;

	if (!vp)
		return -1;
	a = json_object_new_array();
	for (size_t i = 0; i < vp->p.n_vols; i++) {
		struct json_object *o = json_object_new_object();

		describe(vp, vp->p.vols[i], o);
		json_object_array_add(a, o);
	}
	ADD(r, "vols", a);
	return 0;
}

static int req_lookup(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	struct vpool *vp;
	struct vmon_vol_def *v = find_vol(d, req, "vol", "pool", &vp, err, errlen);
	char *xml;

	if (!v)
		return -1;
	describe(vp, v, r);
	xml = vmon_vol_format(v);
	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ADD(r, "xml", json_object_new_string(xml));
	free(xml);
	return 0;
}

/* The backing volume of vol-create-as: a name in vp, else a key or path. */
static int backing(struct vmond *d, struct vpool *vp, struct json_object *req,
		   struct vmon_vol_def *v, char *err, size_t errlen)
{
	const char *b = vmond_pool_str(req, "backing_vol"), *bf;
	struct vmon_vol_def *bv = vmon_pool_vol(&vp->p, b);
	struct vpool *bp = vp;

	if (!bv) {
		struct json_object *q = json_object_new_object();

		json_object_object_add(q, "vol", json_object_new_string(b));
		bv = find_vol(d, q, "vol", "pool", &bp, err, errlen);
		json_object_put(q);
		if (!bv)
			return -1;
	}
	v->backing = strdup(bv->path);
	v->backing_format = bv->format;
	v->has_backing_format = true;
	bf = vmond_pool_str(req, "backing_vol_format");
	if (bf && vmon_vol_format_parse(bf, &v->backing_format)) {
		snprintf(err, errlen, "backing volume format '%s' is not supported (raw or qcow2)",
			 bf);
		return -1;
	}
	return v->backing ? 0 : -1;
}

/* The volume of vol-create-as from its members. */
static struct vmon_vol_def *def_as(struct vmond *d, struct vpool *vp, struct json_object *req,
				   char *err, size_t errlen)
{
	const char *name = vmond_pool_str(req, "name"), *cap = vmond_pool_str(req, "capacity");
	const char *alloc = vmond_pool_str(req, "allocation"), *fmt = vmond_pool_str(req, "format");
	struct vmon_vol_def *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->perms = (struct vmon_perms){ -1, -1, -1, NULL };
	if (!name || !cap || vmon_vol_name_check(name, err, errlen)) {
		if (!name || !cap)
			snprintf(err, errlen, "vol-create-as needs a name and a capacity");
		goto fail;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (vmon_size_parse(cap, NULL, &v->capacity, err, errlen) ||
	    (alloc && vmon_size_parse(alloc, NULL, &v->allocation, err, errlen)))
		goto fail;
	v->has_allocation = alloc != NULL;
	if (fmt && vmon_vol_format_parse(fmt, &v->format)) {
		snprintf(err, errlen, "volume format '%s' is not supported (raw or qcow2)", fmt);
		goto fail;
	}
	if (vmond_pool_str(req, "backing_vol") && backing(d, vp, req, v, err, errlen))
		goto fail;
	return v;
fail:
	vmon_vol_def_free(v);
	return NULL;
}

static struct vmon_vol_def *def_xml(struct json_object *req, char *err, size_t errlen)
{
	const char *xml = vmond_pool_str(req, "xml");
	struct vmon_xml_error xe;
	struct vmon_vol_def *v;

	if (!xml) {
		snprintf(err, errlen, "request has no string member \"xml\"");
		return NULL;
	}
	if (vmon_vol_parse(xml, strlen(xml), &v, &xe)) {
		snprintf(err, errlen, "XML error at line %d, column %d: %s", xe.line, xe.column,
			 xe.msg);
		return NULL;
	}
	return v;
}

/* vol-create, vol-create-as, vol-create-from, vol-clone. */
static int req_create(struct vmond *d, const char *cmd, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen)
{
	bool clone = !strcmp(cmd, "vol-clone"), as = !strcmp(cmd, "vol-create-as");
	struct vmon_vol_def *v = NULL, *from = NULL;
	struct vpool *vp = NULL, *fp;
	int ret = -1;

	if (clone || !strcmp(cmd, "vol-create-from")) {
		const char *in = vmond_pool_str(req, "input");
		/* vol-create-from without --inputpool: a name is one in the new volume's pool */
		bool here = !clone && !vmond_pool_str(req, "inputpool") && in && !strchr(in, '/');

		from = find_vol(d, req, clone ? "vol" : "input",
				clone  ? "pool"
				: here ? "pool"
				       : "inputpool",
				&fp, err, errlen);
		if (!from || !(from = vmon_vol_def_dup(from)))
			return -1;
	}
	if (clone)
		vp = fp;
	else if (!(vp = active_pool(d, req, "pool", err, errlen)))
		goto out;
	v = as	    ? def_as(d, vp, req, err, errlen)
	    : clone ? vmon_vol_def_dup(from)
		    : def_xml(req, err, errlen);
	if (!v)
		goto out;
	if (clone) {
		const char *nn = vmond_pool_str(req, "newname");

		snprintf(v->name, sizeof(v->name), "%s", nn ? nn : "");
		free(v->backing);
		v->backing = NULL;
		v->has_allocation = false;
		v->perms = (struct vmon_perms){ -1, -1, -1, NULL };
	}
	ret = vp->p.be->vol_create(
		&vp->p, v, from,
		vmond_req_flag(req, "prealloc_metadata") ? VMON_VOL_PREALLOC_METADATA : 0, err,
		errlen);
	ret = refreshed(vp, ret, err, errlen);
	if (!ret)
		describe(vp, v, r);
out:
	vmon_vol_def_free(v);
	vmon_vol_def_free(from);
	return ret;
}

/* The running domain that has path as a disk, or NULL. */
static const char *user_of(struct vmond *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++) {
		struct vdom *dom = d->doms[i];

		if (!vdom_active(dom))
			continue;
		for (size_t k = 0; k < dom->def->n_disks; k++)
			if (dom->def->disks[k].source && !strcmp(dom->def->disks[k].source, path))
				return dom->name;
	}
	return NULL;
}

static int req_change(struct vmond *d, const char *cmd, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen)
{
	struct vpool *vp;
	struct vmon_vol_def *v = find_vol(d, req, "vol", "pool", &vp, err, errlen);
	const char *user, *s;
	enum vmon_wipe_alg alg = VMON_WIPE_ZERO;
	uint64_t cap;
	int ret;

	if (!v)
		return -1;
	ADD(r, "name", json_object_new_string(v->name));
	user = user_of(d, v->path);
	if (user && strcmp(cmd, "vol-resize")) {
		snprintf(err, errlen, "storage volume '%s' is in use by running domain '%s'",
			 v->name, user);
		return -1;
	}
	if (!strcmp(cmd, "vol-delete"))
		return refreshed(vp, vp->p.be->vol_delete(&vp->p, v, err, errlen), err, errlen);
	if (!strcmp(cmd, "vol-wipe")) {
		s = vmond_pool_str(req, "algorithm");
		if (s && vmon_wipe_alg_parse(s, &alg)) {
			snprintf(err, errlen,
				 "wipe algorithm '%s' is not supported (zero, random, "
				 "nnsa, dod)",
				 s);
			return -1;
		}
		return refreshed(vp, vp->p.be->vol_wipe(&vp->p, v, alg, err, errlen), err, errlen);
	}
	s = vmond_pool_str(req, "capacity");
	if (!s) {
		snprintf(err, errlen, "vol-resize needs a capacity");
		return -1;
	}
	bool neg = vmond_req_flag(req, "delta") && s[0] == '-';

	if (vmon_size_parse(s + neg, NULL, &cap, err, errlen))
		return -1;
	if (vmond_req_flag(req, "delta"))
		cap = neg ? (cap > v->capacity ? 0 : v->capacity - cap) : v->capacity + cap;
	if (!cap) {
		snprintf(err, errlen, "cannot resize volume '%s' to 0 bytes", v->name);
		return -1;
	}
	ADD(r, "capacity", json_object_new_uint64(cap));
	ret = vp->p.be->vol_resize(&vp->p, v, cap,
				   vmond_req_flag(req, "shrink") ? VMON_RESIZE_SHRINK : 0, err,
				   errlen);
	return refreshed(vp, ret, err, errlen);
}

int vmond_vol_request(struct vmond *d, const char *cmd, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen)
{
	if (!strcmp(cmd, "vol-list"))
		return req_list(d, req, r, err, errlen);
	if (!strcmp(cmd, "vol-lookup"))
		return req_lookup(d, req, r, err, errlen);
	if (!strncmp(cmd, "vol-create", 10) || !strcmp(cmd, "vol-clone"))
		return req_create(d, cmd, req, r, err, errlen);
	if (!strcmp(cmd, "vol-delete") || !strcmp(cmd, "vol-wipe") || !strcmp(cmd, "vol-resize"))
		return req_change(d, cmd, req, r, err, errlen);
	snprintf(err, errlen, "unknown request \"%.64s\"", cmd);
	return -1;
}

int vmond_volume_path(struct vmond *d, const char *pool, const char *vol, char **path, char *err,
		      size_t errlen)
{
	struct json_object *q = json_object_new_object();
	struct vmon_vol_def *v;
	struct vpool *vp;

	json_object_object_add(q, "pool", json_object_new_string(pool));
	json_object_object_add(q, "vol", json_object_new_string(vol));
	v = find_vol(d, q, "vol", "pool", &vp, err, errlen);
	json_object_put(q);
	*path = v ? strdup(v->path) : NULL;
	return *path ? 0 : -1;
}

int vmond_resolve_volumes(struct vmond *d, struct vdom *v, char *err, size_t errlen)
{
	for (size_t i = 0; i < v->def->n_disks; i++) {
		struct vmon_disk *k = &v->def->disks[i];
		char e[512], *path;

		if (k->type != VMON_DISK_VOLUME)
			continue;
		if (vmond_volume_path(d, k->pool, k->volume, &path, e, sizeof(e))) {
			snprintf(err, errlen, "domain '%s': disk '%s': %s", v->name, k->target, e);
			return -1;
		}
		free(k->source);
		k->source = path;
	}
	return 0;
}
