// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: net-update's ip-dhcp-host section, a <host mac= name= ip=/>
 * added to or deleted from a network's static DHCP hosts, as libvirt does:
 * an add that clashes with a host of the same MAC, name or IP is refused;
 * a delete needs a host that matches in every attribute given.
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

/* Parse @xml (one <host/>) into the last entry of n->hosts. */
static int parse_one(struct vmon_network *n, const char *xml, struct vmon_net_error *err)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	struct nctx c = { .src = xml, .len = strlen(xml), .n = n, .err = err };
	xmlDocPtr doc = xmlReadMemory(xml, (int)c.len, "host.xml", NULL, opts);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	if (!root) {
		snprintf(err->msg, sizeof(err->msg), "malformed XML: not a <host/> element");
		xmlFreeDoc(doc);
		return -1;
	}
	if (!n->has_ip)
		rc = net_err(&c, root, NULL, "network '%s' has no <ip> for DHCP hosts", n->name);
	else if (!net_is(root, "host"))
		rc = net_err(&c, root, NULL, "<%s>: the ip-dhcp-host section takes a <host>",
			     root->name);
	else
		rc = net_parse_host(&c, root);
	xmlFreeDoc(doc);
	return rc;
}

static bool same_mac(const struct vmon_net_dhcp_host *a, const struct vmon_net_dhcp_host *b)
{
	return a->has_mac && b->has_mac && !memcmp(a->mac, b->mac, 6);
}

static bool same_name(const struct vmon_net_dhcp_host *a, const struct vmon_net_dhcp_host *b)
{
	return a->name && b->name && !strcmp(a->name, b->name);
}

static void drop_last(struct vmon_network *n)
{
	free(n->hosts[--n->n_hosts].name);
}

int vmon_network_host_add(struct vmon_network *n, const char *xml, struct vmon_net_error *err)
{
	struct vmon_net_dhcp_host *h;
	size_t before = n->n_hosts;

	if (parse_one(n, xml, err)) {
		if (n->n_hosts > before)
			drop_last(n);
		return -1;
	}
	h = &n->hosts[n->n_hosts - 1];
	for (size_t i = 0; i + 1 < n->n_hosts; i++)
		if (same_mac(h, &n->hosts[i]) || same_name(h, &n->hosts[i]) ||
		    h->ip.s_addr == n->hosts[i].ip.s_addr) {
			snprintf(
				err->msg, sizeof(err->msg),
				"there is an existing dhcp host entry in network '%s' that matches "
				"\"%s\"",
				n->name, xml);
			drop_last(n);
			return -1;
		}
	return 0;
}

int vmon_network_host_delete(struct vmon_network *n, const char *xml, struct vmon_net_error *err)
{
	struct vmon_net_dhcp_host h;
	size_t before = n->n_hosts;

	if (parse_one(n, xml, err)) {
		if (n->n_hosts > before)
			drop_last(n);
		return -1;
	}
	h = n->hosts[--n->n_hosts]; /* the parsed one, off the list */
	for (size_t i = 0; i < n->n_hosts; i++) {
		struct vmon_net_dhcp_host *x = &n->hosts[i];

		if (x->ip.s_addr != h.ip.s_addr || x->has_mac != h.has_mac ||
		    (h.has_mac && !same_mac(x, &h)) || !x->name != !h.name ||
		    (h.name && !same_name(x, &h)))
			continue;
		free(x->name);
		memmove(x, x + 1, (n->n_hosts - i - 1) * sizeof(*x));
		n->n_hosts--;
		free(h.name);
		return 0;
	}
	snprintf(err->msg, sizeof(err->msg),
		 "couldn't locate a matching dhcp host entry in network '%s'", n->name);
	free(h.name);
	return -1;
}
