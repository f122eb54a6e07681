// SPDX-License-Identifier: GPL-2.0
/*
 * domifaddr-arp: a running domain's addresses as the host's ARP table has
 * them (virsh domifaddr --source arp): for each <interface>, by its tap,
 * the IPv4 addresses of the neighbour entries with its MAC. Read where
 * vmond runs, since that is the host the taps are on; read-only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <vmon/domain.h>
#include <vmon/network.h>

#include "vmond.h"

#define MAX_ADDRS 16

int vmond_req_ifaddr_arp(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			 size_t errlen);
int vmond_req_ifaddr_arp(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
			 size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	struct json_object *ifs;

	if (!v)
		return -1;
	if (!vdom_active(v)) {
		snprintf(err, errlen, "Requested operation is not valid: domain is not running");
		return -1;
	}
	ifs = json_object_new_array();
	for (size_t i = 0; i < v->def->n_ifaces; i++) {
		const struct vmon_interface *f = &v->def->ifaces[i];
		char ips[MAX_ADDRS][INET_ADDRSTRLEN];
		struct json_object *o, *a;
		const char *tap;
		char why[160];
		int n = vmon_net_neigh_ipv4(f->mac, ips, MAX_ADDRS, why, sizeof(why));

		if (n < 0) {
			json_object_put(ifs);
			snprintf(err, errlen, "internal error: %s", why);
			return -1;
		}
		o = json_object_new_object();
		a = json_object_new_array();
		for (int k = 0; k < n; k++)
			json_object_array_add(a, json_object_new_string(ips[k]));
		tap = vmon_domain_if_tap(v->def, i);
		json_object_object_add(o, "name", json_object_new_string(tap ? tap : ""));
		json_object_object_add(o, "mac", json_object_new_string(f->mac_str));
		json_object_object_add(o, "addrs", a);
		json_object_array_add(ifs, o);
	}
	json_object_object_add(r, "interfaces", ifs);
	return 0;
}
