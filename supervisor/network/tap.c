// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: a guest's tap, made persistent by vmond (TUNSETPERSIST) so
 * that it exists before the VMM opens it by name and can be put on a bridge
 * first; deleted through libnl-route when the guest stops. Its counters
 * are read there too (domstats' net.N.*).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "priv.h"

int vmon_net_tap_create(const char *name, uid_t owner, char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "tap '%s': /dev/net/tun: %s", name, strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1) < 0) {
		snprintf(err, errlen, "tap '%s': cannot create: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int vmon_net_link_delete(const char *name)
{
	char err[128];
	struct nl_sock *sk = net_rt_open(err, sizeof(err));
	struct rtnl_link *l = rtnl_link_alloc();
	int rc = -1;

	if (sk && l) {
		rtnl_link_set_name(l, name);
		rc = rtnl_link_delete(sk, l) < 0 ? -1 : 0;
	}
	rtnl_link_put(l);
	nl_socket_free(sk);
	return rc;
}

int vmon_net_link_stats(const char *name, struct vmon_link_stats *s)
{
	char err[128];
	struct nl_sock *sk = net_rt_open(err, sizeof(err));
	struct rtnl_link *l = NULL;
	int rc = -1;

	if (sk && rtnl_link_get_kernel(sk, 0, name, &l) == 0) {
		*s = (struct vmon_link_stats){
			.rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES),
			.rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS),
			.rx_errors = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS),
			.rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED),
			.tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES),
			.tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS),
			.tx_errors = rtnl_link_get_stat(l, RTNL_LINK_TX_ERRORS),
			.tx_dropped = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED),
		};
		rc = 0;
	}
	rtnl_link_put(l);
	nl_socket_free(sk);
	return rc;
}
