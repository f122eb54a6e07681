// SPDX-License-Identifier: GPL-2.0
/*
 * Domain snapshots (issue 18 item 1), as the seed defines them: the domain
 * XML plus a snapshot of every writable disk. Today those of a shut-off
 * domain, internal: each writable qcow2 disk gets a qcow2 snapshot of the
 * snapshot's name (libqcow2, what qemu-img snapshot -c does), and vmond
 * keeps the metadata, a <domainsnapshot> with the definition inside, in
 * ROOT/var/lib/vmon/snapshot/DOMAIN/NAME.xml, the current one marked
 * <active>1</active> as libvirtd marks it. With --disk-only they are
 * external: a new qcow2 overlay over each writable file disk, and the
 * definition moved onto the overlays (reverting to and deleting those are
 * planned, as snapshots of a running domain with its memory are).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vmon/domain.h>
#include <vmon/qcow2.h>
#include <vmon/snapshot.h>

#include "vmond.h"

#define ADD(o, k, v) json_object_object_add(o, k, v)

struct snaps {
	struct vmon_snapshot **v;
	size_t n;
};

static void snaps_free(struct snaps *s)
{
	for (size_t i = 0; i < s->n; i++)
		vmon_snapshot_free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int dir_of(struct vmond *d, const struct vdom *v, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/snapshot/%s", d->p.lib, v->name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int by_time(const void *a, const void *b)
{
	const struct vmon_snapshot *x = *(struct vmon_snapshot *const *)a;
	const struct vmon_snapshot *y = *(struct vmon_snapshot *const *)b;

	if (x->creation_time != y->creation_time)
		return x->creation_time < y->creation_time ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Every snapshot of @v, oldest first. */
static int load(struct vmond *d, const struct vdom *v, struct snaps *out, char *err, size_t errlen)
{
	char dir[900], path[1200];
	struct dirent *e;
	DIR *dp;

	out->v = NULL;
	out->n = 0;
	if (dir_of(d, v, dir, sizeof(dir)) || !(dp = opendir(dir)))
		return 0; /* none yet */
	while ((e = readdir(dp))) {
		size_t l = strlen(e->d_name);
		struct vmon_snapshot *s, **nv;
		struct vmon_xml_error xe;

		if (l < 5 || e->d_name[0] == '.' || strcmp(e->d_name + l - 4, ".xml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (vmon_snapshot_parse_file(path, &s, &xe) || !s->name) {
			snprintf(err, errlen, "snapshot metadata '%s': %s", path,
				 s ? "no <name>" : xe.msg);
			vmon_snapshot_free(s);
			closedir(dp);
			snaps_free(out);
			return -1;
		}
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv) {
			vmon_snapshot_free(s);
			closedir(dp);
			snaps_free(out);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		out->v = nv;
		out->v[out->n++] = s;
	}
	closedir(dp);
	qsort(out->v, out->n, sizeof(*out->v), by_time);
	return 0;
}

static struct vmon_snapshot *find(const struct snaps *s, const char *name)
{
	for (size_t i = 0; name && i < s->n; i++)
		if (!strcmp(s->v[i]->name, name))
			return s->v[i];
	return NULL;
}

static struct vmon_snapshot *current(const struct snaps *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->current)
			return s->v[i];
	return NULL;
}

/* Write @s's metadata (atomically). */
static int store(struct vmond *d, const struct vdom *v, const struct vmon_snapshot *s, char *err,
		 size_t errlen)
{
	char dir[900], path[1200], *xml;
	int ret;

	if (dir_of(d, v, dir, sizeof(dir)) || (mkdir(dir, 0700) && errno != EEXIST)) {
		snprintf(err, errlen, "cannot make '%s': %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.xml", dir, s->name);
	xml = vmon_snapshot_format(s, true);
	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = vmon_atomic_write(path, xml, strlen(xml), 0600);
	free(xml);
	if (ret)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
	return ret ? -1 : 0;
}

static int unstore(struct vmond *d, const struct vdom *v, const char *name, char *err,
		   size_t errlen)
{
	char dir[900], path[1200];

	if (dir_of(d, v, dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Make @s the current snapshot (NULL: none), rewriting the one it replaces. */
static int set_current(struct vmond *d, const struct vdom *v, struct snaps *all,
		       struct vmon_snapshot *s, char *err, size_t errlen)
{
	struct vmon_snapshot *old = current(all);

	if (old && old != s) {
		old->current = false;
		if (store(d, v, old, err, errlen))
			return -1;
	}
	if (!s)
		return 0;
	s->current = true;
	return store(d, v, s, err, errlen);
}

int vmond_snapshot_count(struct vmond *d, const struct vdom *v)
{
	struct snaps all;
	char err[64];
	int n;

	if (load(d, v, &all, err, sizeof(err)))
		return -1;
	n = (int)all.n;
	snaps_free(&all);
	return n;
}

/* Only a shut-off domain, for now; the reason named. */
static int shut_off(struct vmond *d, const struct vdom *v, const char *what, char *err,
		    size_t errlen)
{
	(void)d;
	if (!vdom_active(v))
		return 0;
	snprintf(err, errlen,
		 "domain '%s' is active: %s of a running domain is planned (shut it down, or "
		 "keep its memory with managedsave)",
		 v->name, what);
	return -1;
}

/* The writable qcow2 disks of @def (NULL if @def has none): refused with
 * the disk named when a writable one is not qcow2. */
static int writable_disks(const struct vmon_domain *def, const char *dom, bool ext, char *err,
			  size_t errlen)
{
	int n = 0;

	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vmon_disk *k = &def->disks[i];

		if (k->readonly)
			continue;
		if (ext && k->type != VMON_DISK_FILE) {
			snprintf(err, errlen,
				 "disk '%s' of domain '%s' is not a file: external snapshots of "
				 "block devices and volumes are planned",
				 k->target, dom);
			return -1;
		}
		if (!ext && k->format != VMON_DISK_QCOW2) {
			snprintf(err, errlen,
				 "disk '%s' of domain '%s' is raw: an internal snapshot needs "
				 "every writable disk in qcow2",
				 k->target, dom);
			return -1;
		}
		n++;
	}
	if (!n)
		snprintf(err, errlen,
			 "domain '%s' has no writable disk: a snapshot needs at least one "
			 "writable %sdisk",
			 dom, ext ? "" : "qcow2 ");
	return n ? n : -1;
}

enum op { OP_CREATE, OP_APPLY, OP_DELETE, OP_CHECK };

/* One qcow2 snapshot operation on the disk at @path. */
static int disk_op(const char *path, const char *target, enum op op, const char *name, char *err,
		   size_t errlen)
{
	static const char *const what[] = { "create", "revert to", "delete", "find" };
	const struct qcow2_snapshot_info *list;
	struct vimg *img;
	int ret, n, i;

	/* the backing chain is not read: the snapshot is this image's */
	ret = vimg_open(path, "qcow2", VIMG_NO_BACKING | (op == OP_CHECK ? 0 : VIMG_RDWR), &img);
	if (ret) {
		snprintf(err, errlen, "disk '%s' (%s): %s", target, path, vimg_strerror());
		return -1;
	}
	n = qcow2_snapshot_list(img, &list);
	for (i = 0; i < n && strcmp(list[i].name, name); i++)
		;
	if (op == OP_CREATE && i < n)
		ret = -EEXIST;
	else if (op != OP_CREATE && i >= n)
		ret = -ENOENT;
	else if (op == OP_CREATE)
		ret = qcow2_snapshot_create(img, name);
	else if (op == OP_APPLY)
		ret = qcow2_snapshot_apply(img, name);
	else if (op == OP_DELETE)
		ret = qcow2_snapshot_delete(img, name);
	if (ret)
		snprintf(err, errlen, "cannot %s snapshot '%s' on disk '%s' (%s): %s", what[op],
			 name, target, path,
			 ret == -EEXIST	  ? "the image already has a snapshot of that name"
			 : ret == -ENOENT ? "the image has no snapshot of that name"
					  : vimg_strerror());
	if (vimg_close(img) && !ret) {
		snprintf(err, errlen, "disk '%s' (%s): %s", target, path, vimg_strerror());
		ret = -1;
	}
	return ret ? -1 : 0;
}

/* @op on every disk a snapshot holds; what @def's disks are now resolved. */
static int each_disk(const struct vmon_domain *def, enum op op, const char *name, size_t *done,
		     char *err, size_t errlen)
{
	*done = 0;
	for (size_t i = 0; i < def->n_disks; i++, (*done)++) {
		const struct vmon_disk *k = &def->disks[i];

		if (!k->readonly && k->source &&
		    disk_op(k->source, k->target, op, name, err, errlen))
			return -1;
	}
	return 0;
}

static const char *req_s(struct json_object *req, const char *key)
{
	struct json_object *o;

	return json_object_object_get_ex(req, key, &o) && json_object_is_type(o, json_type_string)
		       ? json_object_get_string(o)
		       : NULL;
}

/* The snapshot to make from the request: its XML, or the parts of -as. */
static struct vmon_snapshot *wanted(struct json_object *req, char *err, size_t errlen)
{
	const char *xml = req_s(req, "xml"), *s;
	struct vmon_snapshot *w = NULL;
	struct vmon_xml_error xe;

	if (xml) {
		if (vmon_snapshot_parse(xml, strlen(xml), &w, &xe))
			snprintf(err, errlen, "snapshot XML, line %d, column %d: %s", xe.line,
				 xe.column, xe.msg);
		return w;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((s = req_s(req, "snapshot")) && !(w->name = strdup(s)))
		goto oom;
	if ((s = req_s(req, "description")) && !(w->description = strdup(s)))
		goto oom;
	if (w->name && vmon_snapshot_name_check(w->name, err, errlen)) {
		vmon_snapshot_free(w);
		return NULL;
	}
	return w;
oom:
	vmon_snapshot_free(w);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* <disks> as libvirt writes it: each disk by target, internal or (read-only) no. */
static int fill_disks(struct vmon_snapshot *w, const struct vmon_domain *def, bool ext)
{
	w->disks = calloc(def->n_disks ? def->n_disks : 1, sizeof(*w->disks));
	if (!w->disks)
		return -1;
	for (size_t i = 0; i < def->n_disks; i++, w->n_disks++) {
		w->disks[i].name = strdup(def->disks[i].target);
		if (!w->disks[i].name)
			return -1;
		w->disks[i].snapshot = def->disks[i].readonly ? VMON_SNAP_DISK_NO
				       : ext		      ? VMON_SNAP_DISK_EXTERNAL
							      : VMON_SNAP_DISK_INTERNAL;
	}
	return 0;
}

/* libvirt's default overlay name: the image's, its suffix replaced by .NAME */
static char *overlay_path(const char *image, const char *name)
{
	const char *base = strrchr(image, '/'), *dot;
	int keep;
	char *out;

	base = base ? base + 1 : image;
	dot = strrchr(base, '.');
	keep = dot && dot != base ? (int)(dot - image) : (int)strlen(image);
	if (asprintf(&out, "%.*s.%s", keep, image, name) < 0)
		return NULL;
	return out;
}

/*
 * --disk-only of a shut-off domain: a new qcow2 overlay over each writable
 * disk (backed by it, its format recorded), the definition pointed at them
 * and saved, the metadata stored. Every overlay or none; nothing is left
 * behind when a step fails.
 */
static int create_external(struct vmond *d, struct vdom *v, struct snaps *all,
			   struct vmon_snapshot *w, bool no_meta, char *err, size_t errlen)
{
	struct vmon_domain *nd = NULL, *old;
	struct vmon_xml_error xe;
	size_t i, made = 0;
	struct stat st;
	int ret = -1;

	if (vmon_domain_copy(v->def, &nd, &xe)) {
		snprintf(err, errlen, "domain '%s': %s", v->name, xe.msg);
		goto out;
	}
	for (i = 0; i < v->def->n_disks; i++) {
		const struct vmon_disk *k = &v->def->disks[i];
		const char *fmt = k->format == VMON_DISK_QCOW2 ? "qcow2" : "raw";
		struct vimg_create_opts o = { .fmt = VIMG_QCOW2,
					      .backing_file = k->source,
					      .backing_fmt = fmt };
		struct vimg *img;

		if (k->readonly)
			continue;
		w->disks[i].file = overlay_path(k->source, w->name);
		if (!w->disks[i].file) {
			snprintf(err, errlen, "out of memory");
			goto undo;
		}
		if (!access(w->disks[i].file, F_OK) || errno != ENOENT) {
			snprintf(err, errlen, "disk '%s': the overlay '%s' exists already",
				 k->target, w->disks[i].file);
			goto undo;
		}
		if (vimg_open(k->source, fmt, VIMG_NO_BACKING, &img)) {
			snprintf(err, errlen, "disk '%s' (%s): %s", k->target, k->source,
				 vimg_strerror());
			goto undo;
		}
		o.size = vimg_size(img);
		vimg_close(img);
		if (vimg_create(w->disks[i].file, &o)) {
			snprintf(err, errlen, "disk '%s': cannot create the overlay '%s': %s",
				 k->target, w->disks[i].file, vimg_strerror());
			unlink(w->disks[i].file);
			goto undo;
		}
		made = i + 1;
		/* the guest's data under the image's owner and mode, not vmond's umask */
		if (stat(k->source, &st) || chown(w->disks[i].file, st.st_uid, st.st_gid) ||
		    chmod(w->disks[i].file, st.st_mode & 07777)) {
			snprintf(err, errlen,
				 "disk '%s': cannot give '%s' the owner and mode of '%s': %s",
				 k->target, w->disks[i].file, k->source, strerror(errno));
			goto undo;
		}
		if (vmon_domain_set_disk_file(nd, i, w->disks[i].file, VMON_DISK_QCOW2)) {
			snprintf(err, errlen, "out of memory");
			goto undo;
		}
	}
	if (!no_meta) {
		w->current = true;
		if (set_current(d, v, all, NULL, err, errlen) || store(d, v, w, err, errlen))
			goto undo;
	}
	old = v->def;
	v->def = nd;
	if (v->persistent && vmond_save_def(d, v, err, errlen)) {
		v->def = old;
		if (!no_meta)
			unstore(d, v, w->name, err + strlen(err), errlen - strlen(err));
		goto undo;
	}
	vmon_domain_free(old);
	nd = NULL;
	ret = 0;
	goto out;
undo:
	for (i = 0; i < made; i++)
		if (w->disks[i].snapshot == VMON_SNAP_DISK_EXTERNAL && w->disks[i].file)
			unlink(w->disks[i].file);
out:
	vmon_domain_free(nd);
	return ret;
}

static int req_create(struct vmond *d, struct vdom *v, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen)
{
	bool ext = vmond_req_flag(req, "disk-only");
	struct vmon_snapshot *w = NULL, *parent;
	struct snaps all = { 0 };
	size_t done;
	char e2[256];
	int ret = -1;

	if (shut_off(d, v, "a snapshot", err, errlen) || !(w = wanted(req, err, errlen)) ||
	    load(d, v, &all, err, errlen) || vmond_resolve_volumes(d, v, err, errlen) ||
	    writable_disks(v->def, v->name, ext, err, errlen) < 0)
		goto out;
	if (w->memory) {
		snprintf(err, errlen, "domain '%s' is not running: no memory to snapshot", v->name);
		goto out;
	}
	for (size_t i = 0; i < w->n_disks; i++) {
		if (w->disks[i].snapshot !=
		    (ext ? VMON_SNAP_DISK_EXTERNAL : VMON_SNAP_DISK_INTERNAL)) {
			snprintf(err, errlen,
				 "disk '%s': every writable disk gets %s snapshot here (%s)",
				 w->disks[i].name, ext ? "an external" : "an internal",
				 ext ? "--disk-only" : "without --disk-only");
			goto out;
		}
	}
	if (!w->creation_time)
		w->creation_time = (long long)time(NULL);
	if (!w->name && asprintf(&w->name, "%lld", w->creation_time) < 0) {
		w->name = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (find(&all, w->name)) {
		snprintf(err, errlen, "domain snapshot '%s' already exists", w->name);
		goto out;
	}
	free(w->state);
	free(w->domain);
	free(w->parent);
	parent = current(&all);
	w->parent = parent ? strdup(parent->name) : NULL;
	w->state = strdup("shutoff");
	w->domain = vmon_domain_format(v->def, VMON_DOMAIN_XML_INACTIVE);
	/* what is made, whatever the XML listed (it asked for internal ones only) */
	for (size_t i = 0; i < w->n_disks; i++)
		free(w->disks[i].name);
	free(w->disks);
	w->disks = NULL;
	w->n_disks = 0;
	if (fill_disks(w, v->def, ext)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!w->state || !w->domain || (parent && !w->parent)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (ext) {
		ret = create_external(d, v, &all, w, vmond_req_flag(req, "no-metadata"), err,
				      errlen);
		goto done;
	}
	/* every disk or none (--atomic is what this always does) */
	if (each_disk(v->def, OP_CREATE, w->name, &done, err, errlen)) {
		for (size_t i = 0; i < done; i++) {
			const struct vmon_disk *k = &v->def->disks[i];

			if (!k->readonly && k->source)
				disk_op(k->source, k->target, OP_DELETE, w->name, e2, sizeof(e2));
		}
		goto out;
	}
	if (!vmond_req_flag(req, "no-metadata")) {
		w->current = true;
		if (set_current(d, v, &all, NULL, err, errlen) || store(d, v, w, err, errlen))
			goto out;
	}
	ret = 0;
done:
	if (!ret) {
		ADD(r, "snapshot", json_object_new_string(w->name));
		vmond_log("%s: snapshot '%s' created%s", v->name, w->name,
			  ext ? " (external overlays)" : "");
	}
out:
	vmon_snapshot_free(w);
	snaps_free(&all);
	return ret;
}

static int req_list(struct vmond *d, struct vdom *v, struct json_object *req, struct json_object *r,
		    char *err, size_t errlen)
{
	struct json_object *a = json_object_new_array();
	struct snaps all;

	(void)req;
	ADD(r, "snapshots", a);
	if (load(d, v, &all, err, errlen))
		return -1;
	for (size_t i = 0; i < all.n; i++) {
		struct vmon_snapshot *s = all.v[i];
		struct json_object *o = json_object_new_object();

		ADD(o, "name", json_object_new_string(s->name));
		ADD(o, "creation_time", json_object_new_int64(s->creation_time));
		ADD(o, "state", json_object_new_string(s->state ? s->state : "shutoff"));
		if (s->parent)
			ADD(o, "parent", json_object_new_string(s->parent));
		if (s->description)
			ADD(o, "description", json_object_new_string(s->description));
		ADD(o, "current", json_object_new_boolean(s->current));
		ADD(o, "memory", json_object_new_boolean(s->memory));
		json_object_array_add(a, o);
	}
	snaps_free(&all);
	return 0;
}

/* The snapshot the request names ("snapshot", or the current one with
 * "current"), from @all, or NULL with libvirt's message. */
static struct vmon_snapshot *named(struct json_object *req, struct snaps *all, char *err,
				   size_t errlen)
{
	const char *name = req_s(req, "snapshot");
	struct vmon_snapshot *s = name ? find(all, name) : current(all);

	if (!s && name)
		snprintf(err, errlen,
			 "Domain snapshot not found: no domain snapshot with matching name '%.80s'",
			 name);
	else if (!s)
		snprintf(err, errlen,
			 "Domain snapshot not found: the domain does not have a current snapshot");
	return s;
}

static int req_dumpxml(struct vmond *d, struct vdom *v, struct json_object *req,
		       struct json_object *r, char *err, size_t errlen)
{
	struct snaps all;
	struct vmon_snapshot *s;
	char *xml = NULL;

	if (load(d, v, &all, err, errlen))
		return -1;
	s = named(req, &all, err, errlen);
	if (s && !(xml = vmon_snapshot_format(s, false)))
		snprintf(err, errlen, "out of memory");
	if (xml) {
		ADD(r, "snapshot", json_object_new_string(s->name));
		ADD(r, "xml", json_object_new_string(xml));
	}
	free(xml);
	snaps_free(&all);
	return xml ? 0 : -1;
}

static bool external(const struct vmon_snapshot *s)
{
	for (size_t i = 0; i < s->n_disks; i++)
		if (s->disks[i].snapshot == VMON_SNAP_DISK_EXTERNAL)
			return true;
	return false;
}

/* The definition a snapshot holds, with its disks' volumes resolved. */
static struct vmon_domain *snap_def(struct vmond *d, struct vdom *v, const struct vmon_snapshot *s,
				    char *err, size_t errlen)
{
	struct vmon_domain *def = NULL, *keep;
	struct vmon_xml_error xe;

	if (!s->domain || vmon_domain_parse(s->domain, strlen(s->domain), &def, &xe)) {
		snprintf(err, errlen, "snapshot '%s': its domain definition %s", s->name,
			 s->domain ? xe.msg : "is missing");
		return NULL;
	}
	keep = v->def;
	v->def = def;
	if (vmond_resolve_volumes(d, v, err, errlen)) {
		vmon_domain_free(def);
		def = NULL;
	}
	v->def = keep;
	return def;
}

static int req_revert(struct vmond *d, struct vdom *v, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen)
{
	struct vmon_domain *def = NULL, *old;
	struct vmon_snapshot *s;
	struct snaps all;
	size_t done;
	int ret = -1;

	if (vmond_req_flag(req, "running") && vmond_req_flag(req, "paused")) {
		snprintf(err, errlen, "Options --running and --paused are mutually exclusive");
		return -1;
	}
	if (shut_off(d, v, "a revert", err, errlen) || load(d, v, &all, err, errlen))
		return -1;
	if (!(s = named(req, &all, err, errlen)))
		goto out;
	if (external(s)) {
		snprintf(err, errlen,
			 "snapshot '%s' is external: reverting to an external snapshot is planned",
			 s->name);
		goto out;
	}
	if (!(def = snap_def(d, v, s, err, errlen)))
		goto out;
	if (vmond_has_managed_save(d, v)) {
		snprintf(err, errlen,
			 "domain '%s' has a managed save, which a revert would make stale: "
			 "managedsave-remove it first",
			 v->name);
		goto out;
	}
	if (strcmp(def->uuid_str, v->uuid) || strcmp(def->name, v->name)) {
		snprintf(err, errlen, "snapshot '%s' holds another domain's definition", s->name);
		goto out;
	}
	/* every disk must hold the snapshot before any is changed */
	if (each_disk(def, OP_CHECK, s->name, &done, err, errlen) ||
	    each_disk(def, OP_APPLY, s->name, &done, err, errlen))
		goto out;
	old = v->def;
	v->def = def;
	if (v->persistent && vmond_save_def(d, v, err, errlen)) {
		v->def = old;
		goto out;
	}
	vmon_domain_free(old);
	def = NULL;
	if (set_current(d, v, &all, s, err, errlen))
		goto out;
	vmond_log("%s: reverted to snapshot '%s'", v->name, s->name);
	ADD(r, "snapshot", json_object_new_string(s->name));
	ret = 0;
	if (vmond_req_flag(req, "running") || vmond_req_flag(req, "paused"))
		ret = vmond_vm_start(d, v, vmond_req_flag(req, "paused"), err, errlen);
out:
	vmon_domain_free(def);
	snaps_free(&all);
	return ret;
}

/* Delete @s (disks unless @meta_only, then its metadata), its children
 * moving up to its parent. */
static int delete_one(struct vmond *d, struct vdom *v, struct snaps *all, struct vmon_snapshot *s,
		      bool meta_only, char *err, size_t errlen)
{
	struct vmon_domain *def = NULL;
	size_t done;

	if (!meta_only && external(s)) {
		snprintf(err, errlen,
			 "snapshot '%s' is external: merging its overlays away is planned; "
			 "--metadata forgets it and leaves the overlays in use",
			 s->name);
		return -1;
	}
	if (!meta_only) {
		def = snap_def(d, v, s, err, errlen);
		if (!def || each_disk(def, OP_DELETE, s->name, &done, err, errlen)) {
			vmon_domain_free(def);
			return -1;
		}
		vmon_domain_free(def);
	}
	for (size_t i = 0; i < all->n; i++) {
		struct vmon_snapshot *c = all->v[i];
		char *np;

		if (!*c->name || !c->parent || strcmp(c->parent, s->name))
			continue;
		np = s->parent ? strdup(s->parent) : NULL;
		if (s->parent && !np) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(c->parent);
		c->parent = np;
		if (store(d, v, c, err, errlen))
			return -1;
	}
	if (s->current) {
		struct vmon_snapshot *p = find(all, s->parent);

		s->current = false;
		if (p && set_current(d, v, all, p, err, errlen))
			return -1;
	}
	if (unstore(d, v, s->name, err, errlen))
		return -1;
	free(s->name);
	s->name = strdup(""); /* gone: matches no parent any more */
	return s->name ? 0 : -1;
}

/* Whether @s descends from @anc. */
static bool descends(const struct snaps *all, const struct vmon_snapshot *s, const char *anc)
{
	for (size_t hops = 0; s && s->parent && hops <= all->n; hops++) {
		if (!strcmp(s->parent, anc))
			return true;
		s = find(all, s->parent);
	}
	return false;
}

static int req_delete(struct vmond *d, struct vdom *v, struct json_object *req,
		      struct json_object *r, char *err, size_t errlen)
{
	bool meta = vmond_req_flag(req, "metadata"), kids = vmond_req_flag(req, "children"),
	     only = vmond_req_flag(req, "children-only");
	struct vmon_snapshot *s;
	struct snaps all;
	char *name = NULL;
	int ret = -1;

	if (load(d, v, &all, err, errlen))
		return -1;
	if (!(s = named(req, &all, err, errlen)) ||
	    (!meta && shut_off(d, v, "deleting a snapshot", err, errlen)))
		goto out;
	name = strdup(s->name);
	if (!name)
		goto out;
	/* descendants first, newest first: each one's parent is still there */
	for (size_t i = all.n; (kids || only) && i-- > 0;)
		if (*all.v[i]->name && descends(&all, all.v[i], name) &&
		    delete_one(d, v, &all, all.v[i], meta, err, errlen))
			goto out;
	if (!only && delete_one(d, v, &all, s, meta, err, errlen))
		goto out;
	vmond_log("%s: snapshot '%s' deleted%s", v->name, name,
		  only	 ? " (its children)"
		  : kids ? " with its children"
			 : "");
	ADD(r, "snapshot", json_object_new_string(name));
	ret = 0;
out:
	free(name);
	snaps_free(&all);
	return ret;
}

int vmond_req_snapshot(struct vmond *d, const char *cmd, struct json_object *req,
		       struct json_object *r, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		int (*fn)(struct vmond *d, struct vdom *v, struct json_object *req,
			  struct json_object *r, char *err, size_t errlen);
	} ops[] = {
		{ "snapshot-create", req_create },   { "snapshot-list", req_list },
		{ "snapshot-dumpxml", req_dumpxml }, { "snapshot-revert", req_revert },
		{ "snapshot-delete", req_delete },
	};
	struct vdom *v = vmond_req_domain(d, req, err, errlen);

	if (!v)
		return -1;
	ADD(r, "name", json_object_new_string(v->name));
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, cmd))
			return ops[i].fn(d, v, req, r, err, errlen);
	snprintf(err, errlen, "unknown request '%s'", cmd);
	return -1;
}
