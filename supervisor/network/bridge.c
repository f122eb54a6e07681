// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: the bridge of a network through libnl-route-3 (never `ip` or
 * `brctl`): created with its MAC, STP and forward delay, given its address,
 * brought up; ports attached; deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

struct nl_sock *net_rt_open(char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (!sk) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0) {
		snprintf(err, errlen, "rtnetlink: %s", nl_geterror(rc));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/*
 * STP and the forward delay have no libnl-3 setter: the bridge's sysfs
 * attributes, as the kernel documents them. The delay first (in 1/100 s),
 * while STP is still off, so that 0 is accepted.
 */
static int bridge_sysfs(const char *br, const char *attr, unsigned long v, char *err, size_t errlen)
{
	char path[128], buf[32];
	int fd, len, rc = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge/%s", br, attr);
	len = snprintf(buf, sizeof(buf), "%lu\n", v);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)len) != len) {
		snprintf(err, errlen, "bridge '%s': cannot set %s: %s", br, attr, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int set_addr(struct nl_sock *sk, const struct vmon_network *n, int ifindex, char *err,
		    size_t errlen)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct in_addr bc = { .s_addr = n->addr.s_addr | ~net_mask(n->prefix) };
	struct nl_addr *local = nl_addr_build(AF_INET, &n->addr, 4);
	struct nl_addr *brd = nl_addr_build(AF_INET, &bc, 4);
	int rc = -NLE_NOMEM;

	if (a && local && brd) {
		nl_addr_set_prefixlen(local, (int)n->prefix);
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_broadcast(a, brd);
		rc = rtnl_addr_add(sk, a, NLM_F_EXCL);
	}
	if (rc < 0)
		snprintf(err, errlen, "bridge '%s': cannot add its address: %s", n->bridge,
			 nl_geterror(rc));
	nl_addr_put(local);
	nl_addr_put(brd);
	rtnl_addr_put(a);
	return rc < 0 ? -1 : 0;
}

static int link_up(struct nl_sock *sk, const char *name, char *err, size_t errlen)
{
	struct rtnl_link *cur = NULL, *chg = rtnl_link_alloc();
	int rc = chg ? rtnl_link_get_kernel(sk, 0, name, &cur) : -NLE_NOMEM;

	if (rc >= 0) {
		rtnl_link_set_flags(chg, IFF_UP);
		rc = rtnl_link_change(sk, cur, chg, 0);
	}
	if (rc < 0)
		snprintf(err, errlen, "'%s': cannot bring it up: %s", name, nl_geterror(rc));
	rtnl_link_put(cur);
	rtnl_link_put(chg);
	return rc < 0 ? -1 : 0;
}

static int make_bridge(struct nl_sock *sk, const struct vmon_network *n, char *err, size_t errlen)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	struct nl_addr *mac = nl_addr_build(AF_LLC, n->mac, 6);
	int rc = -NLE_NOMEM;

	if (l && mac) {
		rtnl_link_set_name(l, n->bridge);
		rtnl_link_set_addr(l, mac);
		rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (rc == -NLE_EXIST)
		snprintf(err, errlen,
			 "bridge name '%s' is already in use by another interface on this host",
			 n->bridge);
	else if (rc < 0)
		snprintf(err, errlen, "cannot create bridge '%s': %s", n->bridge, nl_geterror(rc));
	nl_addr_put(mac);
	rtnl_link_put(l);
	return rc < 0 ? -1 : 0;
}

int vmon_net_bridge_create(const struct vmon_network *n, char *err, size_t errlen)
{
	struct nl_sock *sk = net_rt_open(err, errlen);
	char ignore[64];
	int rc, idx;

	if (!sk)
		return -1;
	if (!n->bridge) {
		snprintf(err, errlen, "network '%s' has no bridge name", n->name);
		nl_socket_free(sk);
		return -1;
	}
	if (make_bridge(sk, n, err, errlen)) {
		nl_socket_free(sk);
		return -1;
	}
	rc = bridge_sysfs(n->bridge, "forward_delay", n->delay * 100ul, err, errlen);
	if (!rc && n->stp)
		rc = bridge_sysfs(n->bridge, "stp_state", 1, err, errlen);
	idx = (int)if_nametoindex(n->bridge);
	if (!rc && !idx) {
		snprintf(err, errlen, "bridge '%s' vanished", n->bridge);
		rc = -1;
	}
	if (!rc && n->has_ip)
		rc = set_addr(sk, n, idx, err, errlen);
	if (!rc)
		rc = link_up(sk, n->bridge, err, errlen);
	nl_socket_free(sk);
	if (rc) /* nothing left behind */
		vmon_net_bridge_delete(n->bridge, ignore, sizeof(ignore));
	return rc;
}

int vmon_net_bridge_delete(const char *bridge, char *err, size_t errlen)
{
	struct nl_sock *sk = net_rt_open(err, errlen);
	struct rtnl_link *l = NULL;
	int rc;

	if (!sk)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, bridge, &l);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
		nl_socket_free(sk);
		return 0; /* already gone */
	}
	if (rc >= 0 && !rtnl_link_is_bridge(l)) {
		snprintf(err, errlen, "'%s' is not a bridge: not deleted", bridge);
		rc = 0;
		goto out_err;
	}
	if (rc >= 0)
		rc = rtnl_link_delete(sk, l);
	if (rc < 0)
		snprintf(err, errlen, "cannot delete bridge '%s': %s", bridge, nl_geterror(rc));
	if (rc >= 0) {
		rtnl_link_put(l);
		nl_socket_free(sk);
		return 0;
	}
out_err:
	rtnl_link_put(l);
	nl_socket_free(sk);
	return -1;
}

int vmon_net_link_exists(const char *ifname)
{
	return if_nametoindex(ifname) ? 1 : errno == ENODEV ? 0 : -1;
}

int vmon_net_bridge_attach(const char *bridge, const char *port, char *err, size_t errlen)
{
	struct nl_sock *sk = net_rt_open(err, errlen);
	int br = (int)if_nametoindex(bridge), p = (int)if_nametoindex(port), rc;

	if (!sk)
		return -1;
	if (!br || !p) {
		snprintf(err, errlen, "no interface '%s'", br ? port : bridge);
		nl_socket_free(sk);
		return -1;
	}
	rc = rtnl_link_enslave_ifindex(sk, br, p);
	if (rc < 0)
		snprintf(err, errlen, "cannot add '%s' to bridge '%s': %s", port, bridge,
			 nl_geterror(rc));
	else
		rc = link_up(sk, port, err, errlen);
	nl_socket_free(sk);
	return rc < 0 ? -1 : 0;
}
