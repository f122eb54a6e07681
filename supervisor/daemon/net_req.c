// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's net-* requests, with virsh's names and messages. Each takes
 * "network" (a name or uuid) or "xml", and answers what the CLI prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnet.h"

#define ADD(o, k, v) json_object_object_add(o, k, v)

static const char *req_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct vnet *req_net(struct json_object *req, char *err, size_t errlen)
{
	const char *key = req_str(req, "network");
	struct vnet *n;

	if (!key) {
		snprintf(err, errlen, "request has no string member \"network\"");
		return NULL;
	}
	n = vmond_net_find(key);
	if (!n)
		snprintf(err, errlen, "failed to get network '%.80s'", key);
	return n;
}

static struct vmon_network *req_xml(struct json_object *req, char *err, size_t errlen)
{
	const char *xml = req_str(req, "xml");
	struct vmon_network *n;
	struct vmon_net_error e;

	if (!xml) {
		snprintf(err, errlen, "request has no string member \"xml\"");
		return NULL;
	}
	if (vmon_network_parse(xml, strlen(xml), &n, &e)) {
		if (e.line)
			snprintf(err, errlen, "XML error at line %d, column %d: %s", e.line,
				 e.column, e.msg);
		else
			snprintf(err, errlen, "XML error: %s", e.msg);
		return NULL;
	}
	return n;
}

static void describe(struct vnet *n, struct json_object *o)
{
	const struct vmon_network *x = n->run ? n->run : n->def;

	ADD(o, "name", json_object_new_string(x->name));
	ADD(o, "uuid", json_object_new_string(x->uuid_str));
	ADD(o, "active", json_object_new_boolean(n->run != NULL));
	ADD(o, "persistent", json_object_new_boolean(n->persistent));
	ADD(o, "autostart", json_object_new_boolean(n->autostart));
	ADD(o, "bridge", json_object_new_string(x->bridge ? x->bridge : ""));
	ADD(o, "forward", json_object_new_string(vmon_net_forward_name(x->forward)));
}

static int define(struct vmond *d, struct json_object *req, struct json_object *r, bool start,
		  char *err, size_t errlen)
{
	struct vmon_network *def = req_xml(req, err, errlen);
	struct vnet *n;

	if (!def)
		return -1;
	if (start && vmond_net_find(def->name)) {
		snprintf(err, errlen, "network '%s' already exists", def->name);
		goto fail;
	}
	if (vmond_net_define(d, def, !start, &n, err, errlen))
		goto fail;
	ADD(r, "name", json_object_new_string(def->name));
	if (start && vmond_net_start(d, n, err, errlen)) {
		vmond_net_forget(n);
		return -1;
	}
	return 0;
fail:
	vmon_network_free(def);
	return -1;
}

static int destroy(struct vmond *d, struct vnet *n, struct json_object *req, char *err,
		   size_t errlen)
{
	char user[80];
	int users;

	if (!n->run) {
		snprintf(err, errlen, "network '%s' is not active", n->def->name);
		return -1;
	}
	users = vmond_net_users(d, n->def->name, user, sizeof(user));
	if (users && !vmond_req_flag(req, "force")) {
		snprintf(err, errlen,
			 "network '%s' is in use by %d running domain%s ('%s' first); stop them "
			 "or use --force",
			 n->def->name, users, users > 1 ? "s" : "", user);
		return -1;
	}
	if (vmond_net_stop(d, n, err, errlen))
		return -1;
	if (!n->persistent)
		vmond_net_forget(n);
	return 0;
}

static int leases(struct vmond *d, struct vnet *n, struct json_object *req, struct json_object *r,
		  char *err, size_t errlen)
{
	const struct vmon_network *x = n->run ? n->run : n->def;
	const char *mac = req_str(req, "mac");
	struct json_object *a = json_object_new_array();
	struct vmon_net_lease *l;
	struct vmon_net_paths p;
	size_t k;

	ADD(r, "leases", a);
	if (!n->run) {
		snprintf(err, errlen, "network '%s' is not active", x->name);
		return -1;
	}
	vmond_net_paths_of(d, x->name, &p);
	if (vmon_net_leases_read(p.leases, &l, &k, err, errlen))
		return -1;
	for (size_t i = 0; i < k; i++) {
		struct json_object *o;

		if (mac && strcasecmp(mac, l[i].mac))
			continue;
		o = json_object_new_object();
		ADD(o, "expiry", json_object_new_int64(l[i].expiry));
		ADD(o, "mac", json_object_new_string(l[i].mac));
		ADD(o, "ip", json_object_new_string(l[i].ip));
		ADD(o, "prefix", json_object_new_int((int)x->prefix));
		ADD(o, "hostname", json_object_new_string(l[i].hostname));
		ADD(o, "clientid", json_object_new_string(l[i].clientid));
		ADD(o, "interface", json_object_new_string(x->bridge));
		json_object_array_add(a, o);
	}
	free(l);
	return 0;
}

/* One copy of the network (live or config): the host added or deleted. */
static int update_one(struct vmon_network *n, bool add, const char *xml, char *err, size_t errlen)
{
	struct vmon_net_error e;

	if (!(add ? vmon_network_host_add(n, xml, &e) : vmon_network_host_delete(n, xml, &e)))
		return 0;
	snprintf(err, errlen, "%s", e.msg);
	return -1;
}

/*
 * net-update NETWORK add|delete ip-dhcp-host XML: the live network (dnsmasq's
 * hosts file rewritten and SIGHUP) and/or the definition, as virsh's --live,
 * --config, --current (the default: live if active, else the definition).
 */
static int update(struct vmond *d, struct vnet *n, struct json_object *req, struct json_object *r,
		  char *err, size_t errlen)
{
	const char *cmd = req_str(req, "command"), *sec = req_str(req, "section");
	const char *xml = req_str(req, "xml");
	bool live = vmond_req_flag(req, "live"), config = vmond_req_flag(req, "config");
	struct vmon_net_paths p;
	bool add;

	if (!cmd || !sec || !xml) {
		snprintf(err, errlen, "request needs \"command\", \"section\" and \"xml\"");
		return -1;
	}
	add = !strcmp(cmd, "add") || !strcmp(cmd, "add-last") || !strcmp(cmd, "add-first");
	if (!add && strcmp(cmd, "delete")) {
		snprintf(err, errlen,
			 "net-update: command '%s' is not supported (add, "
			 "add-first, add-last, delete)",
			 cmd);
		return -1;
	}
	if (strcmp(sec, "ip-dhcp-host")) {
		snprintf(err, errlen, "net-update: section '%s' is not supported (ip-dhcp-host)",
			 sec);
		return -1;
	}
	if (!live && !config) { /* --current */
		live = n->run != NULL;
		config = !n->run;
	}
	if (live && !n->run) {
		snprintf(err, errlen, "network '%s' is not active", n->def->name);
		return -1;
	}
	if (config && !n->persistent) {
		snprintf(err, errlen, "cannot change the config of transient network '%s'",
			 n->def->name);
		return -1;
	}
	/* the definition first: a refusal there leaves the live one as it was */
	if (config && (update_one(n->def, add, xml, err, errlen) ||
		       vmond_net_save_def(d, n->def, err, errlen)))
		return -1;
	if (live) {
		if (update_one(n->run, add, xml, err, errlen))
			return -1;
		vmond_net_paths_of(d, n->run->name, &p);
		if (vmon_net_dnsmasq_write_hosts(n->run, &p, err, errlen) ||
		    vmond_net_save_run(d, n->run, err, errlen) ||
		    vmon_net_dnsmasq_reload(&p, err, errlen))
			return -1;
	}
	ADD(r, "live", json_object_new_boolean(live));
	ADD(r, "config", json_object_new_boolean(config));
	return 0;
}

static int list(struct json_object *r)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < vmond_net_count(); i++) {
		struct json_object *o = json_object_new_object();

		describe(vmond_net_at(i), o);
		json_object_array_add(a, o);
	}
	ADD(r, "networks", a);
	return 0;
}

static int dumpxml(struct vnet *n, struct json_object *req, struct json_object *r, char *err,
		   size_t errlen)
{
	bool inactive = vmond_req_flag(req, "inactive") || !n->run;
	char *xml = vmon_network_format(inactive ? n->def : n->run);

	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ADD(r, "xml", json_object_new_string(xml));
	free(xml);
	return 0;
}

int vmond_req_net(struct vmond *d, const char *cmd, struct json_object *req, struct json_object *r,
		  char *err, size_t errlen)
{
	struct vnet *n;

	if (!strcmp(cmd, "net-list"))
		return list(r);
	if (!strcmp(cmd, "net-define") || !strcmp(cmd, "net-create"))
		return define(d, req, r, !strcmp(cmd, "net-create"), err, errlen);
	if (!(n = req_net(req, err, errlen)))
		return -1;
	ADD(r, "name", json_object_new_string(n->def->name));
	if (!strcmp(cmd, "net-info")) {
		describe(n, r);
		return 0;
	}
	if (!strcmp(cmd, "net-dumpxml"))
		return dumpxml(n, req, r, err, errlen);
	if (!strcmp(cmd, "net-dhcp-leases"))
		return leases(d, n, req, r, err, errlen);
	if (!strcmp(cmd, "net-update"))
		return update(d, n, req, r, err, errlen);
	if (!strcmp(cmd, "net-start"))
		return vmond_net_start(d, n, err, errlen);
	if (!strcmp(cmd, "net-destroy"))
		return destroy(d, n, req, err, errlen);
	if (!strcmp(cmd, "net-undefine"))
		return vmond_net_undefine(d, n, err, errlen);
	if (!strcmp(cmd, "net-autostart")) {
		if (!n->persistent) {
			snprintf(err, errlen, "cannot set autostart for transient network");
			return -1;
		}
		return vmond_net_set_autostart(d, n, !vmond_req_flag(req, "disable"), err, errlen);
	}
	snprintf(err, errlen, "unknown request \"%.64s\"", cmd);
	return -1;
}
