/* SPDX-License-Identifier: GPL-2.0 */
/* libnetwork internals: the parse context and helpers its files share. */
#ifndef VMON_NETWORK_PRIV_H
#define VMON_NETWORK_PRIV_H

#include <arpa/inet.h>
#include <libxml/tree.h>
#include <vmon/network.h>

struct nctx {
	const char *src;
	size_t len;
	struct vmon_network *n;
	struct vmon_net_error *err;
	unsigned int seen; /* top-level elements met, by parse_top's index */
	bool has_mac;
};

/* Fill c->err for @node (its line; the column of <name or of attr=). -1. */
int net_err(struct nctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
char *net_prop(xmlNodePtr n, const char *name);
char *net_text(xmlNodePtr n);
bool net_is(xmlNodePtr n, const char *name);
bool net_ifname_ok(const char *s);
xmlNodePtr child_of(xmlNodePtr n, const char *name);
int net_only_attrs(struct nctx *c, xmlNodePtr n, const char *const *ok);
int net_parse_ipv4(struct nctx *c, xmlNodePtr n, const char *attr, struct in_addr *a);
int net_parse_mac(const char *s, uint8_t mac[6]);
/* bridge.c: a connected rtnetlink socket, or NULL and @err. */
struct nl_sock *net_rt_open(char *err, size_t errlen);

/* ip.c: <ip> with its <dhcp>, and <dns>. */
int net_parse_ip(struct nctx *c, xmlNodePtr n);
int net_parse_dns(struct nctx *c, xmlNodePtr n);
/* A <dhcp><host>, appended to c->n->hosts (checked against its subnet). */
int net_parse_host(struct nctx *c, xmlNodePtr h);

/* The netmask of @prefix, in network order. */
static inline uint32_t net_mask(unsigned int prefix)
{
	return prefix ? htonl(~0u << (32 - prefix)) : 0;
}

#endif
