// SPDX-License-Identifier: GPL-2.0
/*
 * vmon domifaddr --source lease and --source arp: a running domain's
 * addresses as the host knows them, in virsh's layout.
 * lease: as the DHCP leases of its networks say: each <interface
 * type='network'> by its tap, with the leases vmond reads from that
 * network's dnsmasq for the interface's MAC. Interfaces on a bridge or a
 * tap of their own have no lease vmon knows of and are not listed.
 * arp: as the host's ARP table (where vmond runs) has the interfaces' MACs,
 * every <interface> whatever its type; IPv4 with no prefix (/0), as virsh.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>
#include <vmon/domain.h>

#include "vmond_client.h"

int vmon_domifaddr_lease(const char *sock, const char *dom, const char *only, bool full);
int vmon_domifaddr_arp(const char *sock, const char *dom, const char *only, bool full);

static void print_head(void)
{
	printf(" %-10s %-20s %-12s %s\n", "Name", "MAC address", "Protocol", "Address");
	printf("-------------------------------------------------------------------------------\n");
}

/* The leases of @f's network for its MAC, printed under @name. */
static int print_iface(const char *sock, const struct vmon_interface *f, const char *name,
		       bool full)
{
	struct json_object *req = json_object_new_object(), *a, *ls;
	bool first = true;

	json_object_object_add(req, "cmd", json_object_new_string("net-dhcp-leases"));
	json_object_object_add(req, "network", json_object_new_string(f->source));
	json_object_object_add(req, "mac", json_object_new_string(f->mac_str));
	if (vmond_request("domifaddr", sock, true, req, &a))
		return -1;
	for (size_t i = 0;
	     json_object_object_get_ex(a, "leases", &ls) && i < json_object_array_length(ls); i++) {
		struct json_object *l = json_object_array_get_idx(ls, i);
		char addr[64];

		snprintf(addr, sizeof(addr), "%s/%llu", vmon_jstr(l, "ip"), vmon_jnum(l, "prefix"));
		printf(" %-10s %-20s %-12s %s\n", first || full ? name : "-",
		       first || full ? f->mac_str : "-", "ipv4", addr);
		first = false;
	}
	json_object_put(a);
	return 0;
}

/* 1 if @dom runs (vmond's dominfo has its VMM's pid), 0 if not, -1 (printed). */
static int running(const char *sock, const char *dom)
{
	struct json_object *req = json_object_new_object(), *a, *pid;
	int r;

	json_object_object_add(req, "cmd", json_object_new_string("dominfo"));
	json_object_object_add(req, "domain", json_object_new_string(dom));
	if (vmond_request("domifaddr", sock, true, req, &a))
		return -1;
	r = json_object_object_get_ex(a, "pid", &pid);
	json_object_put(a);
	return r;
}

int vmon_domifaddr_lease(const char *sock, const char *dom, const char *only, bool full)
{
	struct vmon_domain *d;
	int rc = VMON_EXIT_OK, on = running(sock, dom);

	if (on <= 0) {
		if (!on)
			vmon_err("domifaddr: Requested operation is not valid: domain '%s' is not "
				 "running",
				 dom);
		return VMON_EXIT_FAIL;
	}
	d = vmond_fetch_domain("domifaddr", sock, dom, false);
	if (!d)
		return VMON_EXIT_FAIL;
	print_head();
	for (size_t i = 0; i < d->n_ifaces && rc == VMON_EXIT_OK; i++) {
		const struct vmon_interface *f = &d->ifaces[i];
		const char *name = f->target ? f->target : "-";

		if (f->type != VMON_IF_NETWORK || (only && strcmp(only, name)))
			continue;
		if (print_iface(sock, f, name, full))
			rc = VMON_EXIT_FAIL;
	}
	if (rc == VMON_EXIT_OK)
		putchar('\n');
	vmon_domain_free(d);
	return rc;
}

int vmon_domifaddr_arp(const char *sock, const char *dom, const char *only, bool full)
{
	struct json_object *req = json_object_new_object(), *a, *ifs;

	json_object_object_add(req, "cmd", json_object_new_string("domifaddr-arp"));
	json_object_object_add(req, "domain", json_object_new_string(dom));
	if (vmond_request("domifaddr", sock, true, req, &a))
		return VMON_EXIT_FAIL;
	print_head();
	for (size_t i = 0;
	     json_object_object_get_ex(a, "interfaces", &ifs) && i < json_object_array_length(ifs);
	     i++) {
		struct json_object *f = json_object_array_get_idx(ifs, i), *addrs;
		const char *name = *vmon_jstr(f, "name") ? vmon_jstr(f, "name") : "-";
		bool first = true;

		if (only && strcmp(only, name))
			continue;
		for (size_t k = 0; json_object_object_get_ex(f, "addrs", &addrs) &&
				   k < json_object_array_length(addrs);
		     k++) {
			char addr[64];

			snprintf(addr, sizeof(addr), "%s/0",
				 json_object_get_string(json_object_array_get_idx(addrs, k)));
			printf(" %-10s %-20s %-12s %s\n", first || full ? name : "-",
			       first || full ? vmon_jstr(f, "mac") : "-", "ipv4", addr);
			first = false;
		}
	}
	putchar('\n');
	json_object_put(a);
	return VMON_EXIT_OK;
}
