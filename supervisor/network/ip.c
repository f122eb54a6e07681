// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: the <ip> element (one IPv4 subnet, its DHCP range and static
 * hosts) and <dns> hosts, each address checked against the subnet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

static bool in_subnet(const struct vmon_network *n, struct in_addr a)
{
	uint32_t m = net_mask(n->prefix);

	return (a.s_addr & m) == (n->addr.s_addr & m);
}

/* A host address of the subnet: inside it, neither its network nor broadcast. */
static bool host_addr(const struct vmon_network *n, struct in_addr a)
{
	uint32_t m = net_mask(n->prefix);

	return in_subnet(n, a) && (n->prefix >= 31 || ((a.s_addr & ~m) && (a.s_addr & ~m) != ~m));
}

static int netmask_prefix(const char *s, unsigned int *prefix)
{
	struct in_addr a;
	uint32_t m;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	if (m & ~(~0u << (32 - __builtin_popcount(m)))) /* not contiguous */
		return -1;
	*prefix = (unsigned int)__builtin_popcount(m);
	return 0;
}

static int parse_prefix(struct nctx *c, xmlNodePtr n)
{
	char *mask = net_prop(n, "netmask"), *pfx = net_prop(n, "prefix"), *end = NULL;
	unsigned long v = 0;
	int rc = 0;

	if (mask && pfx)
		rc = net_err(c, n, "prefix", "<ip>: netmask= and prefix= both given");
	else if (mask && netmask_prefix(mask, &c->n->prefix))
		rc = net_err(c, n, "netmask", "<ip> netmask='%s': not a netmask", mask);
	else if (pfx && ((v = strtoul(pfx, &end, 10)), !*pfx || *end || v < 1 || v > 32))
		rc = net_err(c, n, "prefix", "<ip> prefix='%s': not a prefix length 1-32", pfx);
	else if (!mask && !pfx)
		rc = net_err(c, n, NULL, "<ip>: neither netmask= nor prefix= given");
	if (pfx && !rc)
		c->n->prefix = (unsigned int)v;
	c->n->netmask_form = mask != NULL;
	free(mask);
	free(pfx);
	return rc;
}

static int parse_range(struct nctx *c, xmlNodePtr r)
{
	static const char *const ok[] = { "start", "end", NULL };
	struct vmon_network *n = c->n;

	if (n->has_range)
		return net_err(c, r, NULL, "<dhcp>: a second <range> is not supported");
	if (net_only_attrs(c, r, ok) || net_parse_ipv4(c, r, "start", &n->range_start) ||
	    net_parse_ipv4(c, r, "end", &n->range_end))
		return -1;
	if (!host_addr(n, n->range_start))
		return net_err(c, r, "start",
			       "<range> start is not a host address of the <ip> "
			       "subnet");
	if (!host_addr(n, n->range_end))
		return net_err(c, r, "end", "<range> end is not a host address of the <ip> subnet");
	if (ntohl(n->range_start.s_addr) > ntohl(n->range_end.s_addr))
		return net_err(c, r, "end", "<range>: end is before start");
	n->has_range = true;
	return 0;
}

int net_parse_host(struct nctx *c, xmlNodePtr h)
{
	static const char *const ok[] = { "mac", "name", "ip", NULL };
	struct vmon_net_dhcp_host *hs, *x;
	char *mac;

	if (net_only_attrs(c, h, ok))
		return -1;
	hs = realloc(c->n->hosts, (c->n->n_hosts + 1) * sizeof(*hs));
	if (!hs)
		return net_err(c, h, NULL, "out of memory");
	c->n->hosts = hs;
	x = &hs[c->n->n_hosts++];
	memset(x, 0, sizeof(*x));
	x->name = net_prop(h, "name");
	mac = net_prop(h, "mac");
	if (mac && net_parse_mac(mac, x->mac)) {
		net_err(c, h, "mac", "<host> mac='%s': not a MAC address", mac);
		free(mac);
		return -1;
	}
	x->has_mac = mac != NULL;
	free(mac);
	if (!x->has_mac && !x->name)
		return net_err(c, h, NULL, "<host>: neither mac= nor name= given");
	if (net_parse_ipv4(c, h, "ip", &x->ip))
		return -1;
	if (!host_addr(c->n, x->ip))
		return net_err(c, h, "ip", "<host> ip= is not a host address of the <ip> subnet");
	return 0;
}

static int parse_dhcp(struct nctx *c, xmlNodePtr d)
{
	static const char *const ok[] = { NULL };

	if (net_only_attrs(c, d, ok))
		return -1;
	for (xmlNodePtr k = d->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (net_is(k, "range") ? parse_range(c, k)
		    : net_is(k, "host")
			    ? net_parse_host(c, k)
			    : net_err(c, k, NULL, "<dhcp><%s> is not supported", k->name))
			return -1;
	}
	return 0;
}

int net_parse_ip(struct nctx *c, xmlNodePtr n)
{
	static const char *const ok[] = { "address", "netmask", "prefix", "family", NULL };
	char *fam = net_prop(n, "family");
	bool v4 = !fam || !strcmp(fam, "ipv4");

	free(fam);
	if (net_only_attrs(c, n, ok))
		return -1;
	if (!v4)
		return net_err(c, n, "family", "<ip>: only family='ipv4' is supported");
	if (net_parse_ipv4(c, n, "address", &c->n->addr) || parse_prefix(c, n))
		return -1;
	if (c->n->prefix > 30)
		return net_err(c, n, NULL,
			       "<ip>: a /%u subnet has no room for guests (at most /30)",
			       c->n->prefix);
	if (!host_addr(c->n, c->n->addr))
		return net_err(c, n, "address",
			       "<ip> address= is the subnet's network or "
			       "broadcast address");
	c->n->has_ip = true;
	for (xmlNodePtr k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!net_is(k, "dhcp"))
			return net_err(c, k, NULL, "<ip><%s> is not supported", k->name);
		if (parse_dhcp(c, k))
			return -1;
	}
	return 0;
}

static int parse_dns_host(struct nctx *c, xmlNodePtr h)
{
	static const char *const ok[] = { "ip", NULL };
	struct vmon_net_dns_host *hs, *x;

	if (net_only_attrs(c, h, ok))
		return -1;
	hs = realloc(c->n->dns_hosts, (c->n->n_dns_hosts + 1) * sizeof(*hs));
	if (!hs)
		return net_err(c, h, NULL, "out of memory");
	c->n->dns_hosts = hs;
	x = &hs[c->n->n_dns_hosts++];
	memset(x, 0, sizeof(*x));
	if (net_parse_ipv4(c, h, "ip", &x->ip))
		return -1;
	for (xmlNodePtr k = h->children; k; k = k->next) {
		char **names, *t;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!net_is(k, "hostname"))
			return net_err(c, k, NULL, "<dns><host><%s> is not supported", k->name);
		t = net_text(k);
		if (!t || !*t || strchr(t, ' ')) {
			free(t);
			return net_err(c, k, NULL, "<hostname>: empty or contains a space");
		}
		names = realloc(x->names, (x->n_names + 1) * sizeof(*names));
		if (!names) {
			free(t);
			return net_err(c, k, NULL, "out of memory");
		}
		x->names = names;
		x->names[x->n_names++] = t;
	}
	if (!x->n_names)
		return net_err(c, h, NULL, "<dns><host>: no <hostname>");
	return 0;
}

int net_parse_dns(struct nctx *c, xmlNodePtr n)
{
	static const char *const ok[] = { NULL };

	if (net_only_attrs(c, n, ok))
		return -1;
	for (xmlNodePtr k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!net_is(k, "host"))
			return net_err(c, k, NULL, "<dns><%s> is not supported", k->name);
		if (parse_dns_host(c, k))
			return -1;
	}
	return 0;
}

void vmon_network_subnet(const struct vmon_network *n, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = n->addr.s_addr & net_mask(n->prefix) };
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	snprintf(buf, len, "%s/%u", s, n->prefix);
}
