// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's virtual networks: the registry, definitions on disk, and start /
 * stop of the switch (bridge, nft chains, dnsmasq) in that order, each
 * step undone if a later one fails so that nothing is left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vnet.h"

static struct vnet **nets;
static size_t n_nets;

size_t vmond_net_count(void)
{
	return n_nets;
}

struct vnet *vmond_net_at(size_t i)
{
	return i < n_nets ? nets[i] : NULL;
}

struct vnet *vmond_net_find(const char *key)
{
	for (size_t i = 0; i < n_nets; i++)
		if (!strcmp(nets[i]->def->name, key))
			return nets[i];
	for (size_t i = 0; i < n_nets; i++)
		if (!strcasecmp(nets[i]->def->uuid_str, key))
			return nets[i];
	return NULL;
}

static void dir_of(struct vmond *d, char *buf, size_t len, const char *sub)
{
	snprintf(buf, len, "%s%s", d->p.root, sub);
}

void vmond_net_paths_of(struct vmond *d, const char *name, struct vmon_net_paths *p)
{
	char dir[600];

	dir_of(d, dir, sizeof(dir), "/var/lib/vmon/dnsmasq");
	vmon_net_paths(dir, name, p);
}

static int mkdirs(const char *path)
{
	char buf[700];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int save_xml(const char *dir, const char *name, const struct vmon_network *n, char *err,
		    size_t errlen)
{
	char path[800], *xml = vmon_network_format(n);
	int rc;

	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	rc = mkdirs(dir) ? -errno : vmon_atomic_write(path, xml, strlen(xml), 0644);
	free(xml);
	if (rc)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
	return rc ? -1 : 0;
}

struct vmon_network *vmond_net_load_file(const char *path)
{
	struct vmon_net_error e;
	struct vmon_network *n = NULL;
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	ssize_t len = f ? getdelim(&buf, &cap, 0, f) : -1;

	if (f)
		fclose(f);
	if (len < 0 || vmon_network_parse(buf, (size_t)len, &n, &e)) {
		if (len >= 0)
			vmond_log("%s:%d:%d: %s (network skipped)", path, e.line, e.column, e.msg);
		n = NULL;
	}
	free(buf);
	return n;
}

static struct vnet *add(struct vmon_network *def, bool persistent)
{
	struct vnet *v = calloc(1, sizeof(*v)), **nv = realloc(nets, (n_nets + 1) * sizeof(*nv));

	if (!v || !nv) {
		free(v);
		if (nv)
			nets = nv;
		return NULL;
	}
	nets = nv;
	v->def = def;
	v->persistent = persistent;
	nets[n_nets++] = v;
	return v;
}

void vmond_net_forget(struct vnet *v)
{
	for (size_t i = 0; i < n_nets; i++)
		if (nets[i] == v) {
			memmove(&nets[i], &nets[i + 1], (n_nets - i - 1) * sizeof(v));
			n_nets--;
			break;
		}
	if (v->run != v->def)
		vmon_network_free(v->run);
	vmon_network_free(v->def);
	free(v);
}

int vmond_net_save_def(struct vmond *d, const struct vmon_network *n, char *err, size_t errlen)
{
	char dir[600];

	dir_of(d, dir, sizeof(dir), "/etc/vmon/networks");
	return save_xml(dir, n->name, n, err, errlen);
}

/* A bridge name no other network and no host interface has: vmbrN. */
static int pick_bridge(struct vmon_network *def, char *err, size_t errlen)
{
	char name[16];

	for (int i = 0; i < 1000; i++) {
		bool taken = false;

		snprintf(name, sizeof(name), "vmbr%d", i);
		for (size_t k = 0; k < n_nets && !taken; k++)
			taken = nets[k]->def->bridge && !strcmp(nets[k]->def->bridge, name);
		if (taken || if_nametoindex(name))
			continue;
		def->bridge = strdup(name);
		return def->bridge ? 0 : -1;
	}
	snprintf(err, errlen, "no free bridge name vmbr0..vmbr999");
	return -1;
}

/* Name and uuid: the same network or none; bridge: no other network's. */
static int check_clash(const struct vmon_network *def, struct vnet **same, char *err, size_t errlen)
{
	*same = NULL;
	for (size_t i = 0; i < n_nets; i++) {
		const struct vmon_network *o = nets[i]->def;
		bool name = !strcmp(o->name, def->name), uuid = !strcmp(o->uuid_str, def->uuid_str);

		if (name && uuid) {
			*same = nets[i];
			continue;
		}
		if (name || uuid) {
			snprintf(err, errlen, "network '%s' already exists with uuid %s", o->name,
				 o->uuid_str);
			return -1;
		}
		if (def->bridge && o->bridge && !strcmp(def->bridge, o->bridge)) {
			snprintf(err, errlen, "bridge name '%s' already in use by network '%s'",
				 def->bridge, o->name);
			return -1;
		}
	}
	return 0;
}

int vmond_net_define(struct vmond *d, struct vmon_network *def, bool persistent, struct vnet **out,
		     char *err, size_t errlen)
{
	char dir[600];
	struct vnet *v;

	if (vmond_name_check(def->name, err, errlen) || check_clash(def, &v, err, errlen))
		return -1;
	if (!def->bridge && v && v->def->bridge)
		def->bridge = strdup(v->def->bridge); /* a redefinition keeps its bridge */
	if (!def->bridge && pick_bridge(def, err, errlen))
		return -1;
	dir_of(d, dir, sizeof(dir), "/etc/vmon/networks");
	if (persistent && save_xml(dir, def->name, def, err, errlen))
		return -1;
	if (!v) {
		v = add(def, persistent);
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else {
		if (v->def != v->run)
			vmon_network_free(v->def);
		v->def = def;
		v->persistent = v->persistent || persistent;
	}
	*out = v;
	return 0;
}

int vmond_net_set_autostart(struct vmond *d, struct vnet *n, bool on, char *err, size_t errlen)
{
	char dir[600], link[800], target[800];

	dir_of(d, dir, sizeof(dir), "/etc/vmon/networks/autostart");
	snprintf(link, sizeof(link), "%s/%s", dir, n->def->name);
	snprintf(target, sizeof(target), "../%s.xml", n->def->name);
	if (on && (mkdirs(dir) || (symlink(target, link) < 0 && errno != EEXIST))) {
		snprintf(err, errlen, "cannot create '%s': %s", link, strerror(errno));
		return -1;
	}
	if (!on && unlink(link) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", link, strerror(errno));
		return -1;
	}
	n->autostart = on;
	return 0;
}

int vmond_net_undefine(struct vmond *d, struct vnet *n, char *err, size_t errlen)
{
	char path[800];

	if (!n->persistent) {
		snprintf(err, errlen, "cannot undefine transient network");
		return -1;
	}
	if (vmond_net_set_autostart(d, n, false, err, errlen))
		return -1;
	dir_of(d, path, sizeof(path), "/etc/vmon/networks/");
	strncat(path, n->def->name, sizeof(path) - strlen(path) - 5);
	strcat(path, ".xml");
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	if (n->run)
		n->persistent = false;
	else
		vmond_net_forget(n);
	return 0;
}
