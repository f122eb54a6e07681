// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's pool-* requests, and the table of pool-* and vol-* requests
 * (vol_req.c has the volume ones). Messages are virsh's where virsh has one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "pool.h"
#include "vmond.h"

#define ADD(o, k, v) json_object_object_add(o, k, v)

int vmond_vol_request(struct vmond *d, const char *cmd, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen);

const char *vmond_pool_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

struct vpool *vmond_req_pool(struct vmond *d, struct json_object *req, char *err, size_t errlen)
{
	const char *key = vmond_pool_str(req, "pool");
	struct vpool *vp;

	if (!key) {
		snprintf(err, errlen, "request has no string member \"pool\"");
		return NULL;
	}
	vp = vmond_pool_find(d, key);
	if (!vp)
		snprintf(err, errlen, "failed to get pool '%.80s'", key);
	return vp;
}

static void describe(struct vpool *vp, struct json_object *o)
{
	const struct vmon_pool_def *def = vp->p.def;

	ADD(o, "name", json_object_new_string(def->name));
	ADD(o, "uuid", json_object_new_string(def->uuid));
	ADD(o, "type", json_object_new_string(vmon_pool_type_name(def->type)));
	ADD(o, "state", json_object_new_string(vp->p.active ? "running" : "inactive"));
	ADD(o, "active", json_object_new_boolean(vp->p.active));
	ADD(o, "persistent", json_object_new_boolean(vp->persistent));
	ADD(o, "autostart", json_object_new_boolean(vp->autostart));
	ADD(o, "capacity", json_object_new_uint64(def->capacity));
	ADD(o, "allocation", json_object_new_uint64(def->allocation));
	ADD(o, "available", json_object_new_uint64(def->available));
	if (vp->reason[0])
		ADD(o, "reason", json_object_new_string(vp->reason));
}

static int req_list(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		    size_t errlen)
{
	struct json_object *a = json_object_new_array();

	(void)req, (void)err, (void)errlen;
	for (size_t i = 0; i < d->pools.n; i++) {
		struct json_object *o = json_object_new_object();

		describe(d->pools.v[i], o);
		json_object_array_add(a, o);
	}
	ADD(r, "pools", a);
	return 0;
}

static int req_info(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		    size_t errlen)
{
	struct vpool *vp = vmond_req_pool(d, req, err, errlen);

	if (!vp)
		return -1;
	describe(vp, r);
	return 0;
}

static int req_dumpxml(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vpool *vp = vmond_req_pool(d, req, err, errlen);
	struct vmon_pool_def def;
	char *xml;

	if (!vp)
		return -1;
	def = *vp->p.def;
	if (vmond_req_flag(req, "inactive"))
		def.capacity = def.allocation = def.available = 0;
	xml = vmon_pool_format(&def);
	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ADD(r, "xml", json_object_new_string(xml));
	free(xml);
	return 0;
}

/* A new definition: its name and uuid must be new, or both those of one pool. */
static int check_def(struct vmond *d, struct vmon_pool_def *def, struct vpool **same, char *err,
		     size_t errlen)
{
	*same = NULL;
	if (vmond_name_check(def->name, err, errlen))
		return -1;
	if (!vmon_pool_backend(def->type)) {
		snprintf(err, errlen, "%s pools are not supported yet (planned)",
			 vmon_pool_type_name(def->type));
		return -1;
	}
	if (vmon_pool_backend(def->type)->check(def, err, errlen))
		return -1;
	for (size_t i = 0; i < d->pools.n; i++) {
		struct vmon_pool_def *o = d->pools.v[i]->p.def;
		bool name = !strcmp(o->name, def->name), uuid = !strcasecmp(o->uuid, def->uuid);

		if (name && uuid) {
			*same = d->pools.v[i];
		} else if (name || uuid) {
			snprintf(err, errlen, "pool '%s' already exists with uuid %s", o->name,
				 o->uuid);
			return -1;
		}
		/* two pools on one directory would list each other's volumes */
		if (!name && o->target && def->target && !strcmp(o->target, def->target)) {
			snprintf(err, errlen, "pool '%s' already uses target path '%s'", o->name,
				 o->target);
			return -1;
		}
	}
	return 0;
}

/* The definition of a request: "xml", or the members of pool-define-as. */
static struct vmon_pool_def *req_def(struct json_object *req, char *err, size_t errlen)
{
	const char *xml = vmond_pool_str(req, "xml"), *type = vmond_pool_str(req, "type");
	struct vmon_xml_error xe;
	struct vmon_pool_def *def;
	enum vmon_pool_type t;
	uuid_t u;

	if (xml) {
		if (!vmon_pool_parse(xml, strlen(xml), &def, &xe))
			return def;
		snprintf(err, errlen, "XML error at line %d, column %d: %s", xe.line, xe.column,
			 xe.msg);
		return NULL;
	}
	if (vmon_pool_type_parse(type, &t) || !vmond_pool_str(req, "name")) {
		snprintf(err, errlen,
			 "pool type '%s' is not known (dir, fs, netfs, logical, disk, "
			 "iscsi)",
			 type ? type : "");
		return NULL;
	}
	def = calloc(1, sizeof(*def));
	if (!def)
		return NULL;
	def->type = t;
	snprintf(def->name, sizeof(def->name), "%s", vmond_pool_str(req, "name"));
	uuid_generate(u);
	uuid_unparse_lower(u, def->uuid);
#define DUP(field, key)                                                                            \
	def->field = vmond_pool_str(req, key) ? strdup(vmond_pool_str(req, key)) : NULL
	DUP(src_host, "source_host");
	DUP(src_dir, "source_path");
	DUP(src_device, "source_dev");
	DUP(src_name, "source_name");
	DUP(src_format, "source_format");
	DUP(target, "target");
#undef DUP
	def->perms = (struct vmon_perms){ -1, -1, -1, NULL };
	/* the same path as pool XML takes: uuid, target checks */
	char *text = vmon_pool_format(def);

	vmon_pool_def_free(def);
	if (!text || vmon_pool_parse(text, strlen(text), &def, &xe)) {
		snprintf(err, errlen, "%s", text ? xe.msg : "out of memory");
		def = NULL;
	}
	free(text);
	return def;
}

/* pool-define, pool-define-as; pool-create, pool-create-as (transient, started). */
static int define(struct vmond *d, struct json_object *req, struct json_object *r, bool create,
		  char *err, size_t errlen)
{
	struct vmon_pool_def *def = req_def(req, err, errlen);
	struct vpool *vp;

	if (!def)
		return -1;
	if (check_def(d, def, &vp, err, errlen))
		goto fail;
	if (vp && (create || vp->p.active)) {
		snprintf(err, errlen, "pool '%s' is %s", def->name,
			 vp->p.active ? "active: destroy it first" : "already defined");
		goto fail;
	}
	if (vp) { /* a new definition of an inactive pool */
		struct vmon_pool_def *old = vp->p.def;

		vp->p.def = def;
		vp->p.be = vmon_pool_backend(def->type);
		if (vmond_pool_save(d, vp, err, errlen)) {
			vp->p.def = old;
			vp->p.be = vmon_pool_backend(old->type);
			goto fail;
		}
		vmon_pool_def_free(old);
	} else {
		vp = vmond_pool_add(d, def, !create);
		if (!vp) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (create ? vmond_pool_start(d, vp, err, errlen)
			   : vmond_pool_save(d, vp, err, errlen)) {
			vmond_pool_drop(d, vp);
			return -1;
		}
	}
	ADD(r, "name", json_object_new_string(vp->p.def->name));
	return 0;
fail:
	vmon_pool_def_free(def);
	return -1;
}

static int req_define(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	return define(d, req, r, false, err, errlen);
}

static int req_create(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	return define(d, req, r, true, err, errlen);
}

/* The pool of the request, which must be (in)active as want says. */
static struct vpool *pool_in(struct vmond *d, struct json_object *req, struct json_object *r,
			     int want_active, char *err, size_t errlen)
{
	struct vpool *vp = vmond_req_pool(d, req, err, errlen);

	if (!vp)
		return NULL;
	ADD(r, "name", json_object_new_string(vp->p.def->name));
	if (want_active >= 0 && vp->p.active != want_active) {
		snprintf(err, errlen, "storage pool '%s' is %s", vp->p.def->name,
			 vp->p.active ? "active" : "not active");
		return NULL;
	}
	if (!vp->p.be) {
		snprintf(err, errlen, "%s pools are not supported yet (planned)",
			 vmon_pool_type_name(vp->p.def->type));
		return NULL;
	}
	return vp;
}

static int req_build(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		     size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, 0, err, errlen);
	unsigned int flags = (vmond_req_flag(req, "overwrite") ? VMON_BUILD_OVERWRITE : 0) |
			     (vmond_req_flag(req, "no_overwrite") ? VMON_BUILD_NO_OVERWRITE : 0);

	return vp ? vp->p.be->build(&vp->p, flags, err, errlen) : -1;
}

static int req_start(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		     size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, 0, err, errlen);

	if (!vp)
		return -1;
	if (vmond_req_flag(req, "build") && vp->p.be->build(&vp->p, 0, err, errlen))
		return -1;
	return vmond_pool_start(d, vp, err, errlen);
}

static int req_destroy(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, 1, err, errlen);

	if (!vp || vmond_pool_stop(d, vp, err, errlen))
		return -1;
	if (!vp->persistent)
		vmond_pool_drop(d, vp);
	return 0;
}

static int req_delete(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, 0, err, errlen);

	return vp ? vp->p.be->remove(&vp->p, err, errlen) : -1;
}

static int req_undefine(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, -1, err, errlen);

	if (!vp)
		return -1;
	if (!vp->persistent) {
		snprintf(err, errlen, "cannot undefine transient storage pool '%s'",
			 vp->p.def->name);
		return -1;
	}
	if (vmond_pool_unsave(d, vp, err, errlen))
		return -1;
	if (vp->p.active)
		vp->persistent = false;
	else
		vmond_pool_drop(d, vp);
	return 0;
}

static int req_autostart(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			 size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, -1, err, errlen);

	if (!vp)
		return -1;
	if (!vp->persistent) {
		snprintf(err, errlen, "cannot set autostart for transient pool");
		return -1;
	}
	return vmond_pool_set_autostart(d, vp, !vmond_req_flag(req, "disable"), err, errlen);
}

static int req_refresh(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vpool *vp = pool_in(d, req, r, 1, err, errlen);

	return vp ? vp->p.be->refresh(&vp->p, err, errlen) : -1;
}

/*
 * find-storage-pool-sources[-as]: "type", and "srcspec" (a <source>
 * document) or "host" to narrow the search; the answer's "xml" is libvirt's
 * <sources>. Needs no pool.
 */
static int req_find_sources(struct vmond *d, struct json_object *req, struct json_object *r,
			    char *err, size_t errlen)
{
	const char *type = vmond_pool_str(req, "type"), *spec = vmond_pool_str(req, "srcspec");
	const struct vmon_pool_backend *be;
	struct vmon_pool_def *sd = NULL;
	struct vmon_pool_source *s = NULL;
	struct vmon_xml_error xe;
	enum vmon_pool_type t;
	size_t n = 0;
	char *xml;

	(void)d;
	if (vmon_pool_type_parse(type, &t)) {
		snprintf(err, errlen,
			 "unknown storage pool type '%.40s' (dir, fs, netfs, logical, "
			 "disk, iscsi)",
			 type ? type : "");
		return -1;
	}
	be = vmon_pool_backend(t);
	if (!be) {
		snprintf(err, errlen, "%s pools are not supported yet (planned)", type);
		return -1;
	}
	if (!be->find_sources) {
		snprintf(err, errlen, "pool type '%s' does not support source discovery", type);
		return -1;
	}
	if (spec && vmon_pool_spec_parse(spec, strlen(spec), &sd, &xe)) {
		snprintf(err, errlen, "source spec: XML error at line %d, column %d: %s", xe.line,
			 xe.column, xe.msg);
		return -1;
	}
	if (!sd && vmond_pool_str(req, "host") && (sd = calloc(1, sizeof(*sd))))
		sd->src_host = strdup(vmond_pool_str(req, "host"));
	if (be->find_sources(sd, &s, &n, err, errlen)) {
		vmon_pool_def_free(sd);
		return -1;
	}
	vmon_pool_def_free(sd);
	xml = vmon_pool_sources_format(s, n);
	vmon_pool_sources_free(s, n);
	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ADD(r, "xml", json_object_new_string(xml));
	free(xml);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		  size_t errlen);
	bool readonly;
} reqs[] = {
	{ "pool-list", req_list, true },
	{ "pool-info", req_info, true },
	{ "pool-dumpxml", req_dumpxml, true },
	{ "pool-define", req_define, false },
	{ "pool-create", req_create, false },
	{ "pool-build", req_build, false },
	{ "pool-start", req_start, false },
	{ "pool-destroy", req_destroy, false },
	{ "pool-delete", req_delete, false },
	{ "pool-undefine", req_undefine, false },
	{ "pool-autostart", req_autostart, false },
	{ "pool-refresh", req_refresh, false },
	/* libvirt refuses it on a read-only connection: it runs the host's tools */
	{ "pool-find-sources", req_find_sources, false },
};

/* vol-* requests that only read. */
static bool vol_readonly(const char *cmd)
{
	return !strcmp(cmd, "vol-list") || !strcmp(cmd, "vol-lookup");
}

int vmond_storage_request(struct vmond *d, const char *cmd, struct json_object *req, bool ro,
			  struct json_object *r, char *err, size_t errlen)
{
	bool readonly;

	if (strncmp(cmd, "pool-", 5) && strncmp(cmd, "vol-", 4))
		return -2;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		if (strcmp(reqs[i].name, cmd))
			continue;
		if (ro && !reqs[i].readonly) {
			snprintf(err, errlen, "operation forbidden: read only access prevents %s",
				 cmd);
			return -1;
		}
		return reqs[i].fn(d, req, r, err, errlen);
	}
	if (strncmp(cmd, "vol-", 4))
		return -2;
	readonly = vol_readonly(cmd);
	if (ro && !readonly) {
		snprintf(err, errlen, "operation forbidden: read only access prevents %s", cmd);
		return -1;
	}
	return vmond_vol_request(d, cmd, req, r, err, errlen);
}
