// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: write the network XML in libvirt's element order and quoting
 * (xmlTextWriter), so that `vmon net-dumpxml` reads like `virsh net-dumpxml`.
 */
#include <arpa/inet.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

#define X(s) ((const xmlChar *)(s))

static int attr(xmlTextWriterPtr w, const char *name, const char *val)
{
	return xmlTextWriterWriteAttribute(w, X(name), X(val)) < 0 ? -1 : 0;
}

static int attr_ip(xmlTextWriterPtr w, const char *name, struct in_addr a)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	return attr(w, name, s);
}

static void mac_str(const uint8_t *m, char *s)
{
	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, X(name)) < 0 ? -1 : 0;
}

static int end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int text_elem(xmlTextWriterPtr w, const char *name, const char *val)
{
	return xmlTextWriterWriteElement(w, X(name), X(val)) < 0 ? -1 : 0;
}

static int w_head(xmlTextWriterPtr w, const struct vmon_network *n)
{
	char buf[32];
	int rc = 0;

	rc |= text_elem(w, "name", n->name);
	rc |= text_elem(w, "uuid", n->uuid_str);
	if (n->forward != VMON_NET_ISOLATED) {
		rc |= start(w, "forward");
		if (n->forward_dev)
			rc |= attr(w, "dev", n->forward_dev);
		rc |= attr(w, "mode", vmon_net_forward_name(n->forward));
		rc |= end(w);
	}
	if (n->bridge) {
		rc |= start(w, "bridge") | attr(w, "name", n->bridge);
		rc |= attr(w, "stp", n->stp ? "on" : "off");
		snprintf(buf, sizeof(buf), "%u", n->delay);
		rc |= attr(w, "delay", buf) | end(w);
	}
	mac_str(n->mac, buf);
	rc |= start(w, "mac") | attr(w, "address", buf) | end(w);
	if (n->domain)
		rc |= start(w, "domain") | attr(w, "name", n->domain) | end(w);
	return rc;
}

static int w_dns(xmlTextWriterPtr w, const struct vmon_network *n)
{
	int rc = 0;

	if (!n->n_dns_hosts)
		return 0;
	rc |= start(w, "dns");
	for (size_t i = 0; i < n->n_dns_hosts; i++) {
		rc |= start(w, "host") | attr_ip(w, "ip", n->dns_hosts[i].ip);
		for (size_t j = 0; j < n->dns_hosts[i].n_names; j++)
			rc |= text_elem(w, "hostname", n->dns_hosts[i].names[j]);
		rc |= end(w);
	}
	return rc | end(w);
}

static int w_ip(xmlTextWriterPtr w, const struct vmon_network *n)
{
	char buf[32];
	int rc = 0;

	if (!n->has_ip)
		return 0;
	rc |= start(w, "ip") | attr_ip(w, "address", n->addr);
	if (n->netmask_form) {
		rc |= attr_ip(w, "netmask", (struct in_addr){ .s_addr = net_mask(n->prefix) });
	} else {
		snprintf(buf, sizeof(buf), "%u", n->prefix);
		rc |= attr(w, "prefix", buf);
	}
	if (n->has_range || n->n_hosts) {
		rc |= start(w, "dhcp");
		if (n->has_range)
			rc |= start(w, "range") | attr_ip(w, "start", n->range_start) |
			      attr_ip(w, "end", n->range_end) | end(w);
		for (size_t i = 0; i < n->n_hosts; i++) {
			const struct vmon_net_dhcp_host *h = &n->hosts[i];

			rc |= start(w, "host");
			if (h->has_mac) {
				mac_str(h->mac, buf);
				rc |= attr(w, "mac", buf);
			}
			if (h->name)
				rc |= attr(w, "name", h->name);
			rc |= attr_ip(w, "ip", h->ip) | end(w);
		}
		rc |= end(w);
	}
	return rc | end(w);
}

char *vmon_network_format(const struct vmon_network *n)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	char *out = NULL;
	int rc;

	if (!w) {
		xmlBufferFree(buf);
		return NULL;
	}
	rc = xmlTextWriterSetIndent(w, 1) | xmlTextWriterSetIndentString(w, X("  "));
	rc |= xmlTextWriterSetQuoteChar(w, '\'');
	rc |= start(w, "network");
	rc |= w_head(w, n) | w_dns(w, n) | w_ip(w, n);
	rc |= end(w);
	if (xmlTextWriterEndDocument(w) < 0)
		rc = -1;
	xmlFreeTextWriter(w); /* flushes into buf */
	if (!rc)
		out = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return out;
}
