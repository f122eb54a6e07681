// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: the host's IPv4 neighbour (ARP) table through libnl-route,
 * searched by MAC address: what virsh domifaddr --source arp reports, the
 * addresses a guest has used towards the host, whatever gave them.
 */
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "priv.h"

int vmon_net_neigh_ipv4(const uint8_t mac[6], char (*ips)[INET_ADDRSTRLEN], size_t max, char *err,
			size_t errlen)
{
	struct nl_sock *sk = net_rt_open(err, errlen);
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int n = -1, rc;

	if (!sk)
		return -1;
	rc = rtnl_neigh_alloc_cache(sk, &cache);
	if (rc < 0) {
		snprintf(err, errlen, "the neighbour table: %s", nl_geterror(rc));
		goto out;
	}
	n = 0;
	for (o = nl_cache_get_first(cache); o && (size_t)n < max; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *ne = (struct rtnl_neigh *)o;
		struct nl_addr *ll = rtnl_neigh_get_lladdr(ne), *dst = rtnl_neigh_get_dst(ne);
		int state = rtnl_neigh_get_state(ne);

		/* an entry that failed or is still being resolved has no answer in it */
		if (rtnl_neigh_get_family(ne) != AF_INET || !ll || !dst ||
		    nl_addr_get_len(ll) != 6 || memcmp(nl_addr_get_binary_addr(ll), mac, 6) ||
		    nl_addr_get_len(dst) != 4 || (state & (NUD_FAILED | NUD_INCOMPLETE)))
			continue;
		if (!inet_ntop(AF_INET, nl_addr_get_binary_addr(dst), ips[n], INET_ADDRSTRLEN))
			continue;
		n++;
	}
out:
	nl_cache_free(cache);
	nl_socket_free(sk);
	return n;
}
