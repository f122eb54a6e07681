/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmond's virtual networks: definitions in ROOT/etc/vmon/networks/NAME.xml
 * (autostart links in its autostart/), the running definition in
 * ROOT/run/vmon/network/NAME.xml, dnsmasq's files in
 * ROOT/var/lib/vmon/dnsmasq/. The switch itself is libnetwork's.
 */
#ifndef VMOND_VNET_H
#define VMOND_VNET_H

#include <json-c/json.h>
#include <stdbool.h>

#include <vmon/network.h>

#include "vmond.h"

struct vnet {
	struct vmon_network *def; /* persistent or transient definition */
	struct vmon_network *run; /* the running one; NULL when inactive */
	bool persistent, autostart;
};

/* net.c: the registry and the lives of networks. */
void vmond_net_init(struct vmond *d);
/* Every second: an active network's dnsmasq that died is started again. */
void vmond_net_watch(struct vmond *d);
struct vnet *vmond_net_find(const char *key);
size_t vmond_net_count(void);
struct vnet *vmond_net_at(size_t i);
int vmond_net_define(struct vmond *d, struct vmon_network *def, bool persistent, struct vnet **out,
		     char *err, size_t errlen);
/* Drop @n from the registry (a transient network that stopped). */
void vmond_net_forget(struct vnet *n);
int vmond_net_undefine(struct vmond *d, struct vnet *n, char *err, size_t errlen);
int vmond_net_start(struct vmond *d, struct vnet *n, char *err, size_t errlen);
int vmond_net_stop(struct vmond *d, struct vnet *n, char *err, size_t errlen);
int vmond_net_set_autostart(struct vmond *d, struct vnet *n, bool on, char *err, size_t errlen);
/* A definition file, or NULL (logged). */
struct vmon_network *vmond_net_load_file(const char *path);
/* Write the definition (etc) or the running one (run); 0 or -1 with err. */
int vmond_net_save_def(struct vmond *d, const struct vmon_network *n, char *err, size_t errlen);
int vmond_net_save_run(struct vmond *d, const struct vmon_network *n, char *err, size_t errlen);
void vmond_net_paths_of(struct vmond *d, const char *name, struct vmon_net_paths *p);

/* net_default.c: the "default" network on the first start. */
void vmond_net_want_default(bool on);
void vmond_net_default(struct vmond *d, bool first);

/* net_tap.c: a domain's interfaces on networks and bridges. */
/* Fill taps[i] (IFNAMSIZ each) for every interface vmond makes a tap for. */
int vmond_net_taps_up(struct vmond *d, struct vdom *v, char (*taps)[16], char *err, size_t errlen);
void vmond_net_taps_down(struct vdom *v);
/* Active domains with an interface on network @name (0 if none). */
int vmond_net_users(struct vmond *d, const char *name, char *first, size_t len);

/* net_req.c: the net-* requests (dispatch.c's table). */
int vmond_req_net(struct vmond *d, const char *cmd, struct json_object *req, struct json_object *r,
		  char *err, size_t errlen);

#endif
