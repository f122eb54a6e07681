// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's networks at run time: start (bridge, then nft chains, then
 * dnsmasq; each step undone if a later one fails), stop (the reverse), and
 * at vmond's start: load the definitions, take back the networks that are
 * still running (never rebuilt: their guests keep their connectivity), then
 * autostart the others. ip_forward goes on with the first NAT or routed
 * network and back to what it was when the last one stops.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vnet.h"

#define DNSMASQ "/usr/sbin/dnsmasq"

static void run_dir(struct vmond *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/run/vmon/network", d->p.root);
}

/* Where the host's ip_forward before our first NAT or routed network is kept. */
static void forward_save_path(struct vmond *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/run/vmon/network/ip_forward.before", d->p.root);
}

static bool forwards(const struct vmon_network *n)
{
	return n->forward == VMON_NET_NAT || n->forward == VMON_NET_ROUTE;
}

static int forward_on(struct vmond *d, char *err, size_t errlen)
{
	char path[700], dir[600];

	run_dir(d, dir, sizeof(dir));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	forward_save_path(d, path, sizeof(path));
	return vmon_net_ip_forward_enable(NULL, path, err, errlen);
}

/* The last NAT or routed network stopped: ip_forward as it was before the first. */
static void forward_off_if_last(struct vmond *d)
{
	char path[700], err[512];

	for (size_t i = 0; i < vmond_net_count(); i++) {
		struct vnet *v = vmond_net_at(i);

		if (v->run && forwards(v->run))
			return;
	}
	forward_save_path(d, path, sizeof(path));
	if (vmon_net_ip_forward_restore(NULL, path, err, sizeof(err)))
		vmond_log("%s", err);
}

static struct vmon_network *copy_of(const struct vmon_network *n)
{
	struct vmon_network *c = NULL;
	struct vmon_net_error e;
	char *xml = vmon_network_format(n);

	if (xml && vmon_network_parse(xml, strlen(xml), &c, &e))
		c = NULL;
	free(xml);
	return c;
}

int vmond_net_save_run(struct vmond *d, const struct vmon_network *n, char *err, size_t errlen)
{
	char dir[600], path[800], *xml = vmon_network_format(n);
	int rc;

	run_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s.xml", dir, n->name);
	if (!xml)
		rc = -ENOMEM;
	else if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	else
		rc = vmon_atomic_write(path, xml, strlen(xml), 0644);
	free(xml);
	if (rc)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
	return rc ? -1 : 0;
}

static void remove_run(struct vmond *d, const char *name)
{
	char dir[600], path[800];

	run_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	unlink(path);
}

static int start_dnsmasq(struct vmond *d, const struct vmon_network *n, char *err, size_t errlen)
{
	struct vmon_net_paths p;

	if (!vmon_net_needs_dnsmasq(n))
		return 0;
	vmond_net_paths_of(d, n->name, &p);
	if (mkdir(p.dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", p.dir, strerror(errno));
		return -1;
	}
	return vmon_net_dnsmasq_start(n, &p, DNSMASQ, err, errlen);
}

/* Undo what start made of @n; the first error in @err, the rest still done. */
static int teardown(struct vmond *d, const struct vmon_network *n, char *err, size_t errlen)
{
	struct vmon_net_paths p;
	char e2[512] = "";
	int rc = 0;

	vmond_net_paths_of(d, n->name, &p);
	rc |= vmon_net_dnsmasq_stop(&p, err, errlen);
	rc |= vmon_net_nft_remove(n, rc ? e2 : err, rc ? sizeof(e2) : errlen);
	rc |= vmon_net_bridge_delete(n->bridge, rc ? e2 : err, rc ? sizeof(e2) : errlen);
	if (*e2)
		vmond_log("network '%s': %s", n->name, e2);
	return rc ? -1 : 0;
}

int vmond_net_start(struct vmond *d, struct vnet *v, char *err, size_t errlen)
{
	struct vmon_network *n;
	char ignore[512];

	if (v->run) {
		snprintf(err, errlen, "network '%s' is already active", v->def->name);
		return -1;
	}
	n = copy_of(v->def);
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (vmon_net_bridge_create(n, err, errlen))
		goto fail;
	if (vmon_net_nft_apply(n, err, errlen))
		goto undo;
	if (forwards(n) && forward_on(d, err, errlen))
		goto undo;
	if (start_dnsmasq(d, n, err, errlen) || vmond_net_save_run(d, n, err, errlen))
		goto undo;
	v->run = n;
	vmond_log("network '%s' started on bridge '%s'", n->name, n->bridge);
	return 0;
undo:
	teardown(d, n, ignore, sizeof(ignore));
	forward_off_if_last(d);
fail:
	vmon_network_free(n);
	return -1;
}

int vmond_net_stop(struct vmond *d, struct vnet *v, char *err, size_t errlen)
{
	int rc;

	if (!v->run) {
		snprintf(err, errlen, "network '%s' is not active", v->def->name);
		return -1;
	}
	rc = teardown(d, v->run, err, errlen);
	remove_run(d, v->run->name);
	vmond_log("network '%s' stopped", v->run->name);
	vmon_network_free(v->run);
	v->run = NULL;
	forward_off_if_last(d);
	return rc;
}

static void load_defs(struct vmond *d)
{
	char dir[600], path[1100], link[1100];
	struct dirent *e;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/etc/vmon/networks", d->p.root);
	dd = opendir(dir);
	while (dd && (e = readdir(dd))) {
		size_t l = strlen(e->d_name);
		struct vmon_network *n;
		struct vnet *v;
		char err[512];

		if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".xml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = vmond_net_load_file(path);
		if (!n)
			continue;
		if (strncmp(n->name, e->d_name, l - 4) || strlen(n->name) != l - 4 ||
		    vmond_net_define(d, n, false, &v, err, sizeof(err))) {
			vmond_log("%s: holds network '%s' (skipped)", path, n->name);
			vmon_network_free(n);
			continue;
		}
		v->persistent = true;
		snprintf(link, sizeof(link), "%s/autostart/%s", dir, n->name);
		v->autostart = access(link, F_OK) == 0;
	}
	if (dd)
		closedir(dd);
}

/* A running network of the previous vmond: take it back as it is. */
static void take_back(struct vmond *d, struct vmon_network *n)
{
	struct vmon_net_paths p;
	struct vnet *v = vmond_net_find(n->name);
	char err[512];
	struct vmon_network *c = v ? NULL : copy_of(n);

	if (c && vmond_net_define(d, c, false, &v, err, sizeof(err))) {
		vmon_network_free(c);
		v = NULL;
	}
	if (!v || vmon_net_link_exists(n->bridge) != 1) {
		vmond_log("network '%s': bridge '%s' is gone; cleaning up", n->name, n->bridge);
		teardown(d, n, err, sizeof(err));
		remove_run(d, n->name);
		vmon_network_free(n);
		return;
	}
	v->run = n;
	vmond_net_paths_of(d, n->name, &p);
	if (vmon_net_needs_dnsmasq(n) && !vmon_net_dnsmasq_pid(&p)) {
		vmond_log("network '%s': dnsmasq was not running; starting it", n->name);
		if (start_dnsmasq(d, n, err, sizeof(err)))
			vmond_log("network '%s': %s", n->name, err);
	}
	vmond_log("network '%s' is running (bridge '%s'); taken back", n->name, n->bridge);
}

void vmond_net_init(struct vmond *d)
{
	char dir[600], path[1100], err[512];
	struct dirent *e;
	bool first;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/etc/vmon/networks", d->p.root);
	first = access(dir, F_OK) != 0;
	load_defs(d);
	vmond_net_default(d, first);
	run_dir(d, dir, sizeof(dir));
	dd = opendir(dir);
	while (dd && (e = readdir(dd))) {
		size_t l = strlen(e->d_name);
		struct vmon_network *n;

		if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".xml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((n = vmond_net_load_file(path)))
			take_back(d, n);
	}
	if (dd)
		closedir(dd);
	for (size_t i = 0; i < vmond_net_count(); i++) {
		struct vnet *v = vmond_net_at(i);

		if (v->autostart && !v->run && vmond_net_start(d, v, err, sizeof(err)))
			vmond_log("network '%s': autostart: %s", v->def->name, err);
	}
	/* a NAT network gone with its bridge while vmond was down */
	forward_off_if_last(d);
}

void vmond_net_watch(struct vmond *d)
{
	struct vmon_net_paths p;
	char err[512];

	for (size_t i = 0; i < vmond_net_count(); i++) {
		const struct vmon_network *n = vmond_net_at(i)->run;

		if (!n || !vmon_net_needs_dnsmasq(n))
			continue;
		vmond_net_paths_of(d, n->name, &p);
		if (vmon_net_dnsmasq_pid(&p))
			continue;
		vmond_log("network '%s': dnsmasq is not running; starting it again", n->name);
		if (start_dnsmasq(d, n, err, sizeof(err)))
			vmond_log("network '%s': %s", n->name, err);
	}
}
