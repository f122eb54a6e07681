// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: parse libvirt's network XML (libxml2) into struct
 * vmon_network. Everything outside the subset is refused by name with its
 * line:column: a network that silently lost a part would be wrong.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <vmon/xml.h>
#include "priv.h"

static const char *const fwd_names[] = { "none", "nat", "route", "open" };

const char *vmon_net_forward_name(enum vmon_net_forward f)
{
	return (unsigned int)f < 4 ? fwd_names[f] : "?";
}

int net_err(struct nctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	vmon_xml_locate(c->src, c->len, node, attr, &c->err->line, &c->err->column);
	return -1;
}

char *net_prop(xmlNodePtr n, const char *name)
{
	return vmon_xml_prop(n, name);
}

char *net_text(xmlNodePtr n)
{
	return vmon_xml_text(n);
}

/*
 * Interface names as vmon accepts them: what the kernel takes, narrowed to
 * characters that need no quoting anywhere (nft, dnsmasq, sysfs paths).
 */
bool net_ifname_ok(const char *s)
{
	size_t l = strlen(s);

	if (!l || l > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == l;
}

bool net_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Refuse any attribute of @n not in the NULL-terminated @ok. */
int net_only_attrs(struct nctx *c, xmlNodePtr n, const char *const *ok)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		const char *const *k = ok;

		while (*k && strcmp(*k, (const char *)a->name))
			k++;
		if (!*k)
			return net_err(c, n, (const char *)a->name,
				       "<%s>: attribute '%s' is not supported", n->name, a->name);
	}
	return 0;
}

int net_parse_ipv4(struct nctx *c, xmlNodePtr n, const char *attr, struct in_addr *a)
{
	char *v = net_prop(n, attr);
	int rc = 0;

	if (!v)
		rc = net_err(c, n, NULL, "<%s>: attribute '%s' is missing", n->name, attr);
	else if (inet_pton(AF_INET, v, a) != 1)
		rc = net_err(c, n, attr, "<%s> %s='%s': not an IPv4 address", n->name, attr, v);
	free(v);
	return rc;
}

int net_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_uuid(struct nctx *c, xmlNodePtr n)
{
	char *t = net_text(n), hex[33];
	size_t k = 0;
	int bad = !t;

	for (char *s = t; s && *s && k < 33; s++)
		if (*s != '-')
			hex[k++] = *s;
	bad = bad || k != 32;
	for (size_t i = 0; !bad && i < 32; i++)
		bad = !isxdigit((unsigned char)hex[i]);
	for (int i = 0; !bad && i < 16; i++)
		sscanf(hex + 2 * i, "%2hhx", &c->n->uuid[i]);
	if (bad)
		net_err(c, n, NULL, "<uuid>: malformed uuid '%s'", t ? t : "");
	free(t);
	return bad ? -1 : 0;
}

/* The name: libvirt refuses '/' and an empty one. */
static int parse_name(struct nctx *c, xmlNodePtr n)
{
	char *t = net_text(n);

	if (!t || !*t || strchr(t, '/') || strlen(t) > 64) {
		net_err(c, n, NULL, "<name> '%s': empty, longer than 64 or contains '/'",
			t ? t : "");
		free(t);
		return -1;
	}
	c->n->name = t;
	return 0;
}

static int parse_forward(struct nctx *c, xmlNodePtr n)
{
	static const char *const ok[] = { "mode", "dev", NULL };
	char *m = net_prop(n, "mode");
	int i;

	if (net_only_attrs(c, n, ok))
		goto fail;
	for (i = 1; m && i < 4 && strcmp(m, fwd_names[i]); i++)
		;
	if (m && i == 4) {
		net_err(c, n, "mode",
			"<forward> mode='%s' is not supported (nat, route, open; no <forward> for "
			"an isolated network)",
			m);
		goto fail;
	}
	if (n->children)
		for (xmlNodePtr k = n->children; k; k = k->next)
			if (k->type == XML_ELEMENT_NODE) {
				net_err(c, k, NULL, "<forward><%s> is not supported", k->name);
				goto fail;
			}
	c->n->forward = m ? (enum vmon_net_forward)i : VMON_NET_NAT;
	c->n->forward_dev = net_prop(n, "dev");
	free(m);
	if (c->n->forward_dev && !net_ifname_ok(c->n->forward_dev))
		return net_err(
			c, n, "dev",
			"<forward> dev='%s': not an interface name (1-15 of A-Z a-z 0-9 _ . -)",
			c->n->forward_dev);
	return 0;
fail:
	free(m);
	return -1;
}

static int parse_bridge(struct nctx *c, xmlNodePtr n)
{
	static const char *const ok[] = { "name", "stp", "delay", NULL };
	char *name = net_prop(n, "name"), *stp = net_prop(n, "stp"), *delay = net_prop(n, "delay");
	char *end = NULL;
	unsigned long d = 0;
	int rc = net_only_attrs(c, n, ok);

	if (!rc && name && !net_ifname_ok(name))
		rc = net_err(
			c, n, "name",
			"<bridge> name='%s': not an interface name (1-15 of A-Z a-z 0-9 _ . -)",
			name);
	if (!rc && stp && strcmp(stp, "on") && strcmp(stp, "off"))
		rc = net_err(c, n, "stp", "<bridge> stp='%s': neither 'on' nor 'off'", stp);
	if (!rc && delay)
		d = strtoul(delay, &end, 10);
	if (!rc && delay && (!*delay || *end || !isdigit((unsigned char)*delay) || d > 30))
		rc = net_err(c, n, "delay", "<bridge> delay='%s': not a number of seconds 0-30",
			     delay);
	c->n->bridge = name;
	c->n->stp = !stp || !strcmp(stp, "on");
	c->n->delay = (unsigned int)d;
	free(stp);
	free(delay);
	return rc;
}

static int parse_mac_elem(struct nctx *c, xmlNodePtr n)
{
	static const char *const ok[] = { "address", NULL };
	char *a = net_prop(n, "address");
	int rc = net_only_attrs(c, n, ok);

	if (!rc && (!a || net_parse_mac(a, c->n->mac) || (c->n->mac[0] & 1)))
		rc = net_err(c, n, "address", "<mac> address='%s': not a unicast MAC address",
			     a ? a : "");
	c->has_mac = !rc;
	free(a);
	return rc;
}

static int parse_domain(struct nctx *c, xmlNodePtr n)
{
	static const char *const ok[] = { "name", NULL };

	if (net_only_attrs(c, n, ok))
		return -1;
	c->n->domain = net_prop(n, "name");
	if (!c->n->domain || !*c->n->domain)
		return net_err(c, n, NULL, "<domain>: attribute 'name' is missing");
	return 0;
}

static int parse_top(struct nctx *c, xmlNodePtr k)
{
	static const struct {
		const char *name;
		int (*fn)(struct nctx *c, xmlNodePtr n);
	} tab[] = {
		{ "name", parse_name },	    { "uuid", parse_uuid },    { "forward", parse_forward },
		{ "bridge", parse_bridge }, { "mac", parse_mac_elem }, { "domain", parse_domain },
		{ "ip", net_parse_ip },	    { "dns", net_parse_dns },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!net_is(k, tab[i].name))
			continue;
		if (c->seen & (1u << i))
			return net_err(c, k, NULL,
				       "<%s> given twice (vmon takes one; a second <ip> would be "
				       "IPv6 or a second subnet, not supported)",
				       k->name);
		c->seen |= 1u << i;
		return tab[i].fn(c, k);
	}
	return net_err(c, k, NULL, "<network><%s> is not supported", k->name);
}

static int parse_root(struct nctx *c, xmlNodePtr root)
{
	static const char *const ok[] = { NULL };

	if (!root || !net_is(root, "network"))
		return net_err(c, root, NULL, "the root element is <%s>, not <network>",
			       root ? (const char *)root->name : "");
	if (net_only_attrs(c, root, ok))
		return -1;
	for (xmlNodePtr k = root->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (parse_top(c, k))
			return -1;
	}
	if (!c->n->name)
		return net_err(c, root, NULL, "<network> has no <name>");
	if (!(c->seen & 2)) { /* no <uuid>: a new (version 4) one, as libvirt */
		getrandom(c->n->uuid, sizeof(c->n->uuid), 0);
		c->n->uuid[6] = (c->n->uuid[6] & 0x0f) | 0x40;
		c->n->uuid[8] = (c->n->uuid[8] & 0x3f) | 0x80;
	}
	if (!c->has_mac) { /* libvirt gives the bridge a 52:54:00 MAC */
		memcpy(c->n->mac, "\x52\x54\x00", 3);
		getrandom(c->n->mac + 3, 3, 0);
	}
	if (!(c->seen & 1u << 2))
		c->n->forward = VMON_NET_ISOLATED;
	if (c->n->forward_dev && c->n->forward == VMON_NET_OPEN)
		return net_err(c, child_of(root, "forward"), "dev",
			       "<forward mode='open'> takes no dev=");
	if (c->n->forward != VMON_NET_ISOLATED && c->n->forward != VMON_NET_OPEN && !c->n->has_ip)
		return net_err(c, root, NULL, "<forward mode='%s'> needs an <ip> address",
			       vmon_net_forward_name(c->n->forward));
	return 0;
}

xmlNodePtr child_of(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr k = n->children; k; k = k->next)
		if (net_is(k, name))
			return k;
	return NULL;
}

static void uuid_str(struct vmon_network *n)
{
	const uint8_t *u = n->uuid;

	snprintf(n->uuid_str, sizeof(n->uuid_str),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

static int xml_error(xmlParserCtxtPtr ctxt, struct vmon_net_error *err)
{
	return vmon_xml_parse_error(ctxt, "malformed XML: ", err->msg, sizeof(err->msg), &err->line,
				    &err->column);
}

int vmon_network_parse(const char *xml, size_t len, struct vmon_network **out,
		       struct vmon_net_error *err)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
		   XML_PARSE_NOWARNING;
	struct nctx c = { .src = xml, .len = len, .err = err };
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (ctxt)
		doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "network.xml", NULL, opts);
	if (!doc || !ctxt->wellFormed) {
		if (ctxt)
			xml_error(ctxt, err);
		else
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -1;
	}
	xmlFreeParserCtxt(ctxt);
	c.n = calloc(1, sizeof(*c.n));
	if (c.n)
		c.n->stp = true; /* libvirt's default, <bridge> or not */
	rc = c.n ? parse_root(&c, xmlDocGetRootElement(doc))
		 : (snprintf(err->msg, sizeof(err->msg), "out of memory"), -1);
	xmlFreeDoc(doc);
	if (rc) {
		vmon_network_free(c.n);
		return -1;
	}
	uuid_str(c.n);
	*out = c.n;
	return 0;
}

void vmon_network_free(struct vmon_network *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_hosts; i++)
		free(n->hosts[i].name);
	for (size_t i = 0; i < n->n_dns_hosts; i++) {
		for (size_t j = 0; j < n->dns_hosts[i].n_names; j++)
			free(n->dns_hosts[i].names[j]);
		free(n->dns_hosts[i].names);
	}
	free(n->hosts);
	free(n->dns_hosts);
	free(n->name);
	free(n->forward_dev);
	free(n->bridge);
	free(n->domain);
	free(n);
}
