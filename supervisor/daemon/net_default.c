// SPDX-License-Identifier: GPL-2.0
/*
 * The "default" network, as a libvirt user expects it: NAT, DHCP over the
 * whole /24, autostarted. Defined once, on vmond's first start (when
 * etc/vmon/networks does not exist yet), and only for the real root or when
 * asked (--default-network): a test's vmond in a temporary root must not
 * make bridges on its own. Its subnet is the first 192.168.N.0/24 from
 * N = 122 (libvirt's) that overlaps no IPv4 address of the host and no other
 * network's subnet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vnet.h"

static bool want_default;

void vmond_net_want_default(bool on)
{
	want_default = on;
}

/* Whether a.b.c.d/prefix and 192.168.n.0/24 overlap. */
static bool overlaps(uint32_t addr, unsigned int prefix, uint32_t net24)
{
	unsigned int p = prefix < 24 ? prefix : 24;
	uint32_t mask = p ? ~0u << (32 - p) : 0;

	return (addr & mask) == (net24 & mask);
}

static bool host_uses(uint32_t net24)
{
	struct ifaddrs *ifs, *i;
	bool used = false;

	if (getifaddrs(&ifs) < 0)
		return true; /* cannot tell: do not take it */
	for (i = ifs; i && !used; i = i->ifa_next) {
		uint32_t a, m;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask)
			continue;
		a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		m = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
		used = overlaps(a, (unsigned int)__builtin_popcount(m), net24);
	}
	freeifaddrs(ifs);
	return used;
}

static bool networks_use(uint32_t net24)
{
	for (size_t i = 0; i < vmond_net_count(); i++) {
		const struct vmon_network *n = vmond_net_at(i)->def;

		if (n->has_ip && overlaps(ntohl(n->addr.s_addr), n->prefix, net24))
			return true;
	}
	return false;
}

static int define_default(struct vmond *d, unsigned int third, char *err, size_t errlen)
{
	struct vmon_network *def;
	struct vmon_net_error e;
	struct vnet *v;
	char xml[512];

	snprintf(xml, sizeof(xml),
		 "<network><name>default</name><forward mode='nat'/>"
		 "<ip address='192.168.%u.1' netmask='255.255.255.0'><dhcp>"
		 "<range start='192.168.%u.2' end='192.168.%u.254'/></dhcp></ip></network>",
		 third, third, third);
	if (vmon_network_parse(xml, strlen(xml), &def, &e)) {
		snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	if (vmond_net_define(d, def, true, &v, err, errlen)) {
		vmon_network_free(def);
		return -1;
	}
	return vmond_net_set_autostart(d, v, true, err, errlen);
}

void vmond_net_default(struct vmond *d, bool first)
{
	char err[512];

	if (!first || !(want_default || !d->p.root[0]) || vmond_net_find("default"))
		return;
	for (unsigned int n = 122; n < 255; n++) {
		uint32_t net24 = (192u << 24) | (168u << 16) | (n << 8);

		if (host_uses(net24) || networks_use(net24))
			continue;
		if (define_default(d, n, err, sizeof(err)))
			vmond_log("network 'default': %s", err);
		else
			vmond_log("network 'default' defined on 192.168.%u.0/24 (autostart)", n);
		return;
	}
	vmond_log("network 'default': every 192.168.122-254.0/24 is in use; not defined");
}
