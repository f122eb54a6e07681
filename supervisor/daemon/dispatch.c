// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's requests: one table, each entry saying whether the read-only
 * socket may ask it. Requests run one at a time in the server loop, so two
 * clients never interleave their changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmon/domain.h>

#include "vmond.h"
#include "vnet.h"

#define ADD(o, k, v) json_object_object_add(o, k, v)

int vmond_req_lifecycle(struct vmond *d, const char *cmd, struct json_object *req,
			struct json_object *r, char *err, size_t errlen);
int vmond_req_domstats(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen);
int vmond_req_agent(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		    size_t errlen);
int vmond_req_setmem(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		     size_t errlen);
int vmond_req_setvcpus(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen);
int vmond_req_nodeinfo(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen);
int vmond_req_capabilities(struct vmond *d, struct json_object *req, struct json_object *r,
			   char *err, size_t errlen);
int vmond_req_ifaddr_arp(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			 size_t errlen);

static const char *req_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool vmond_req_flag(struct json_object *req, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(req, key, &v) && json_object_get_boolean(v);
}

struct vdom *vmond_req_domain(struct vmond *d, struct json_object *req, char *err, size_t errlen)
{
	const char *key = req_str(req, "domain");
	struct vdom *v;

	if (!key) {
		snprintf(err, errlen, "request has no string member \"domain\"");
		return NULL;
	}
	v = vmond_find(d, key);
	if (!v)
		snprintf(err, errlen, "failed to get domain '%.80s'", key);
	return v;
}

/*
 * The --live, --config and --current flags of @req, as virsh takes them:
 * --current (neither of the others) is live for a running domain, the
 * definition for a shut-off one. -1 and @err when @v cannot have them.
 */
int vmond_req_where(struct vdom *v, struct json_object *req, bool *live, bool *config, char *err,
		    size_t errlen)
{
	*live = vmond_req_flag(req, "live");
	*config = vmond_req_flag(req, "config");
	if (!*live && !*config) /* --current */
		*live = vdom_active(v), *config = !*live;
	if (*live && !vdom_active(v)) {
		snprintf(err, errlen, "Requested operation is not valid: domain is not running");
		return -1;
	}
	if (*config && !v->persistent) {
		snprintf(err, errlen,
			 "Requested operation is not valid: cannot change persistent "
			 "config of a transient domain");
		return -1;
	}
	return 0;
}

static void describe(struct vmond *d, struct vdom *v, struct json_object *o)
{
	struct vmon_dstate pub = vmon_dstate_public(v->ds);

	ADD(o, "id", json_object_new_int(vdom_active(v) && v->st.id ? (int)v->st.id : -1));
	ADD(o, "name", json_object_new_string(v->name));
	ADD(o, "uuid", json_object_new_string(v->uuid));
	ADD(o, "state", json_object_new_string(vmon_dstate_name(pub.state)));
	ADD(o, "reason", json_object_new_string(vmon_dstate_reason_name(v->ds)));
	/* libvirt's numbers (virDomainState and its reason) */
	ADD(o, "state_num", json_object_new_int(pub.state));
	ADD(o, "reason_num", json_object_new_int(pub.reason));
	ADD(o, "persistent", json_object_new_boolean(v->persistent));
	ADD(o, "autostart", json_object_new_boolean(v->autostart));
	ADD(o, "managed_save", json_object_new_boolean(vmond_has_managed_save(d, v)));
}

static int req_list(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		    size_t errlen)
{
	struct json_object *a = json_object_new_array();

	(void)req, (void)err, (void)errlen;
	for (size_t i = 0; i < d->n; i++) {
		struct json_object *o = json_object_new_object();

		describe(d, d->doms[i], o);
		json_object_array_add(a, o);
	}
	ADD(r, "domains", a);
	return 0;
}

static int req_dominfo(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);

	if (!v)
		return -1;
	if (vdom_active(v))
		vmond_refresh(d, v);
	describe(d, v, r);
	ADD(r, "vcpus", json_object_new_int((int)v->def->vcpus_current));
	ADD(r, "vcpus_max", json_object_new_int((int)v->def->vcpus_max));
	ADD(r, "memory_kib", json_object_new_uint64(v->def->memory_kib));
	ADD(r, "current_memory_kib", json_object_new_uint64(v->def->current_memory_kib));
	if (vdom_active(v)) {
		char con[800];

		ADD(r, "pid", json_object_new_int(v->st.pid));
		if (!vmond_domain_path(d, v, con, sizeof(con), "console"))
			ADD(r, "console", json_object_new_string(con));
		/* a <console><target type='virtio'>: hvc0, libvirt's alias console1 */
		if (v->def->virtio_console && !vmond_domain_path(d, v, con, sizeof(con), "hvc"))
			ADD(r, "hvc", json_object_new_string(con));
	}
	return 0;
}

static int req_dumpxml(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	char *xml;

	if (!v)
		return -1;
	if (vmond_req_flag(req, "inactive") || !vdom_active(v))
		xml = vmon_domain_format(vdom_config_def(v), VMON_DOMAIN_XML_INACTIVE);
	else
		xml = vmon_domain_format(v->def, 0);
	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ADD(r, "xml", json_object_new_string(xml));
	free(xml);
	return 0;
}

/* Parse the "xml" member; warnings go into the answer. */
struct vmon_domain *vmond_req_xml(struct json_object *req, struct json_object *r, char *err,
				  size_t errlen)
{
	const char *xml = req_str(req, "xml");
	struct vmon_xml_error xe = { 0 };
	struct vmon_domain *def;
	struct json_object *w;

	if (!xml) {
		snprintf(err, errlen, "request has no string member \"xml\"");
		return NULL;
	}
	if (vmon_domain_parse(xml, strlen(xml), &def, &xe)) {
		if (xe.line)
			snprintf(err, errlen, "XML error at line %d, column %d: %s", xe.line,
				 xe.column, xe.msg);
		else
			snprintf(err, errlen, "XML error: %s", xe.msg);
		return NULL;
	}
	if (vmond_name_check(def->name, err, errlen)) {
		vmon_domain_free(def);
		return NULL;
	}
	w = json_object_new_array();
	for (const char *const *p = vmon_domain_warnings(def); p && *p; p++)
		json_object_array_add(w, json_object_new_string(*p));
	ADD(r, "warnings", w);
	return def;
}

/* A definition may replace one of the same name and uuid, and no other. */
int vmond_check_clash(struct vmond *d, struct vmon_domain *def, struct vdom **same, char *err,
		      size_t errlen)
{
	*same = NULL;
	for (size_t i = 0; i < d->n; i++) {
		struct vdom *v = d->doms[i];
		bool name = !strcmp(v->name, def->name);
		bool uuid = !strcasecmp(v->uuid, def->uuid_str);

		if (name && uuid) {
			*same = v;
		} else if (name || uuid) {
			snprintf(err, errlen, "domain '%s' already exists with uuid %s", v->name,
				 v->uuid);
			return -1;
		}
	}
	return 0;
}

static int req_define(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	struct vmon_domain *def = vmond_req_xml(req, r, err, errlen), *old, **slot;
	struct vdom *v;
	bool was_persistent, added;

	if (!def)
		return -1;
	if (vmond_check_clash(d, def, &v, err, errlen))
		goto fail;
	added = !v;
	if (!v && !(v = vmond_add(d, def, true))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	was_persistent = v->persistent;
	v->persistent = true;
	/* a running domain's is the definition for its next start */
	slot = vdom_config_slot(v);
	old = added ? NULL : *slot;
	*slot = def;
	if (vmond_save_def(d, v, err, errlen)) {
		if (added) {
			vmond_drop(d, v);
			return -1;
		}
		*slot = old;
		v->persistent = was_persistent;
		goto fail;
	}
	vmon_domain_free(old);
	vmond_event(d, v, VMON_EV_DEFINED, added ? 0 : 1); /* Added, Updated */
	ADD(r, "name", json_object_new_string(v->name));
	return 0;
fail:
	vmon_domain_free(def);
	return -1;
}

/* ROOT/var/lib/vmon/KIND/NAME and all in it, if there. */
static int rm_tree(struct vmond *d, struct vdom *v, const char *kind, char *err, size_t errlen)
{
	char path[900];

	snprintf(path, sizeof(path), "%s/%s/%s", d->p.lib, kind, v->name);
	return vmond_rm_tree(path, err, errlen);
}

/* undefine's --remove-all-storage: the disks' image files (not devices). */
static int rm_storage(struct vdom *v, struct json_object *r, char *err, size_t errlen)
{
	struct json_object *a = json_object_new_array();

	ADD(r, "removed", a);
	for (size_t i = 0; i < v->def->n_disks; i++) {
		const struct vmon_disk *k = &v->def->disks[i];
		struct json_object *o;

		if (k->type != VMON_DISK_FILE || !k->source)
			continue;
		if (unlink(k->source) && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove volume '%s' (%s): %s", k->target,
				 k->source, strerror(errno));
			return -1;
		}
		o = json_object_new_object();
		ADD(o, "target", json_object_new_string(k->target));
		ADD(o, "path", json_object_new_string(k->source));
		json_object_array_add(a, o);
	}
	return 0;
}

static int req_undefine(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	int n_snaps;

	if (!v)
		return -1;
	if (!v->persistent) {
		snprintf(err, errlen, "cannot undefine transient domain");
		return -1;
	}
	if (vmond_req_flag(req, "remove-all-storage") && vdom_active(v)) {
		snprintf(err, errlen,
			 "Requested operation is not valid: cannot remove the storage of an "
			 "active domain");
		return -1;
	}
	if (!vmond_req_flag(req, "managed-save") && vmond_has_managed_save(d, v)) {
		snprintf(err, errlen,
			 "Requested operation is not valid: Refusing to undefine while domain "
			 "managed save image exists");
		return -1;
	}
	n_snaps = vmond_snapshot_count(d, v);
	if (n_snaps && !vmond_req_flag(req, "snapshots-metadata")) {
		if (n_snaps < 0)
			snprintf(err, errlen, "the snapshot metadata of domain '%s' cannot be read",
				 v->name);
		else
			snprintf(err, errlen,
				 "Requested operation is not valid: cannot delete inactive domain "
				 "'%s' with %d snapshots (--snapshots-metadata)",
				 v->name, n_snaps);
		return -1;
	}
	if ((vmond_req_flag(req, "managed-save") && rm_tree(d, v, "save", err, errlen)) ||
	    (vmond_req_flag(req, "snapshots-metadata") && rm_tree(d, v, "snapshot", err, errlen)) ||
	    (vmond_req_flag(req, "remove-all-storage") && rm_storage(v, r, err, errlen)))
		return -1;
	if (vmond_remove_def(d, v, err, errlen))
		return -1;
	ADD(r, "name", json_object_new_string(v->name));
	vmond_event(d, v, VMON_EV_UNDEFINED, 0);
	if (vdom_active(v)) {
		/* it runs on as a transient domain, with what it runs */
		v->persistent = false;
		vmon_domain_free(v->next);
		v->next = NULL;
	} else {
		vmond_drop(d, v);
	}
	return 0;
}

static int req_autostart(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			 size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);

	if (!v)
		return -1;
	if (!v->persistent) {
		snprintf(err, errlen, "cannot set autostart for transient domain");
		return -1;
	}
	ADD(r, "name", json_object_new_string(v->name));
	return vmond_set_autostart(d, v, !vmond_req_flag(req, "disable"), err, errlen);
}

#define LIFECYCLE(fn, name)                                                                        \
	static int fn(struct vmond *d, struct json_object *req, struct json_object *r, char *err,  \
		      size_t errlen)                                                               \
	{                                                                                          \
		return vmond_req_lifecycle(d, name, req, r, err, errlen);                          \
	}
LIFECYCLE(req_start, "start")
LIFECYCLE(req_create, "create")
LIFECYCLE(req_shutdown, "shutdown")
LIFECYCLE(req_reboot, "reboot")
LIFECYCLE(req_destroy, "destroy")
LIFECYCLE(req_suspend, "suspend")
LIFECYCLE(req_resume, "resume")
LIFECYCLE(req_pmsuspend, "dompmsuspend")
LIFECYCLE(req_pmwakeup, "dompmwakeup")

/* The connection becomes a stream of lifecycle events (server.c). */
static int req_events(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	(void)req, (void)r;
	if (d->nsubs >= VMOND_MAX_SUBS) {
		snprintf(err, errlen, "too many event clients (%d)", VMOND_MAX_SUBS);
		return -1;
	}
	d->subscribe = true;
	vmond_log("event client subscribed");
	return 0;
}

/* Virtual networks: net_req.c. */
#define NETREQ(fn, name)                                                                           \
	static int fn(struct vmond *d, struct json_object *req, struct json_object *r, char *err,  \
		      size_t errlen)                                                               \
	{                                                                                          \
		return vmond_req_net(d, name, req, r, err, errlen);                                \
	}
NETREQ(req_net_list, "net-list")
NETREQ(req_net_info, "net-info")
NETREQ(req_net_dumpxml, "net-dumpxml")
NETREQ(req_net_leases, "net-dhcp-leases")
NETREQ(req_net_define, "net-define")
NETREQ(req_net_create, "net-create")
NETREQ(req_net_undefine, "net-undefine")
NETREQ(req_net_start, "net-start")
NETREQ(req_net_destroy, "net-destroy")
NETREQ(req_net_autostart, "net-autostart")
NETREQ(req_net_update, "net-update")

#define SNAPREQ(fn, name)                                                                          \
	static int fn(struct vmond *d, struct json_object *req, struct json_object *r, char *err,  \
		      size_t errlen)                                                               \
	{                                                                                          \
		return vmond_req_snapshot(d, name, req, r, err, errlen);                           \
	}
SNAPREQ(req_snap_create, "snapshot-create")
SNAPREQ(req_snap_list, "snapshot-list")
SNAPREQ(req_snap_dumpxml, "snapshot-dumpxml")
SNAPREQ(req_snap_revert, "snapshot-revert")
SNAPREQ(req_snap_delete, "snapshot-delete")

static const struct {
	const char *name;
	vmond_handler fn;
	bool readonly; /* served on the read-only socket too */
} reqs[] = {
	{ "list", req_list, true },
	{ "dominfo", req_dominfo, true },
	{ "dumpxml", req_dumpxml, true },
	{ "domstats", vmond_req_domstats, true },
	{ "domifaddr-arp", vmond_req_ifaddr_arp, true },
	{ "nodeinfo", vmond_req_nodeinfo, true },
	{ "capabilities", vmond_req_capabilities, true },
	{ "define", req_define, false },
	{ "undefine", req_undefine, false },
	{ "autostart", req_autostart, false },
	{ "start", req_start, false },
	{ "create", req_create, false },
	{ "shutdown", req_shutdown, false },
	{ "reboot", req_reboot, false },
	{ "destroy", req_destroy, false },
	{ "suspend", req_suspend, false },
	{ "resume", req_resume, false },
	{ "dompmsuspend", req_pmsuspend, false },
	{ "dompmwakeup", req_pmwakeup, false },
	{ "events", req_events, true },
	{ "save", vmond_req_save, false },
	{ "restore", vmond_req_restore, false },
	{ "managedsave", vmond_req_managedsave, false },
	{ "managedsave-remove", vmond_req_managedsave_remove, false },
	{ "setmem", vmond_req_setmem, false },
	{ "setvcpus", vmond_req_setvcpus, false },
	{ "blkdeviotune", vmond_req_blkdeviotune, false },
	{ "attach-device", vmond_req_attach, false },
	{ "detach-device", vmond_req_attach, false },
	{ "qemu-agent-command", vmond_req_agent, false },
	{ "net-list", req_net_list, true },
	{ "net-info", req_net_info, true },
	{ "net-dumpxml", req_net_dumpxml, true },
	{ "net-dhcp-leases", req_net_leases, true },
	{ "net-define", req_net_define, false },
	{ "net-create", req_net_create, false },
	{ "net-undefine", req_net_undefine, false },
	{ "net-start", req_net_start, false },
	{ "net-destroy", req_net_destroy, false },
	{ "net-autostart", req_net_autostart, false },
	{ "net-update", req_net_update, false },
	{ "snapshot-create", req_snap_create, false },
	{ "snapshot-list", req_snap_list, true },
	{ "snapshot-dumpxml", req_snap_dumpxml, true },
	{ "snapshot-revert", req_snap_revert, false },
	{ "snapshot-delete", req_snap_delete, false },
};

static int run(struct vmond *d, struct json_object *req, bool ro, struct json_object *r, char *err,
	       size_t errlen)
{
	const char *cmd;

	if (!req || !json_object_is_type(req, json_type_object)) {
		snprintf(err, errlen, "request is not a JSON object");
		return -1;
	}
	cmd = req_str(req, "cmd");
	if (!cmd) {
		snprintf(err, errlen, "request has no string member \"cmd\"");
		return -1;
	}
	/* pool-* and vol-*: supervisor/daemon/pool_req.c */
	int sret = vmond_storage_request(d, cmd, req, ro, r, err, errlen);

	if (sret != -2)
		return sret;
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
	snprintf(err, errlen, "unknown request \"%.64s\"", cmd);
	return -1;
}

char *vmond_dispatch(struct vmond *d, const char *line, bool readonly)
{
	struct json_object *req = json_tokener_parse(line), *r = json_object_new_object();
	char err[1024] = "", *out;

	if (run(d, req, readonly, r, err, sizeof(err))) {
		json_object_put(r);
		r = json_object_new_object();
		ADD(r, "ok", json_object_new_boolean(0));
		ADD(r, "error", json_object_new_string(err));
	} else {
		ADD(r, "ok", json_object_new_boolean(1));
	}
	out = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	json_object_put(r);
	json_object_put(req);
	return out;
}
