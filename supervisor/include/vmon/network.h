/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libnetwork: libvirt's network XML (parse, format) and the virtual switch
 * it describes (bridge and addresses through libnl-route, NAT and forward
 * rules through libnftables, one dnsmasq for DHCP and DNS).
 * See Documentation/networking.rst.
 */
#ifndef VMON_NETWORK_H
#define VMON_NETWORK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where and why a definition was refused. line/column are 0 if unknown. */
struct vmon_net_error {
	int line, column;
	char msg[512];
};

/* <forward mode=>; no <forward> is an isolated network. */
enum vmon_net_forward {
	VMON_NET_ISOLATED,
	VMON_NET_NAT,
	VMON_NET_ROUTE,
	VMON_NET_OPEN,
};

/* <dhcp><host mac= name= ip=/>: at least one of mac and name. */
struct vmon_net_dhcp_host {
	bool has_mac;
	uint8_t mac[6];
	char *name; /* NULL if absent */
	struct in_addr ip;
};

/* <dns><host ip=><hostname>..</hostname></host> */
struct vmon_net_dns_host {
	struct in_addr ip;
	char **names; /* n_names, at least one */
	size_t n_names;
};

struct vmon_network {
	char *name;
	uint8_t uuid[16];
	char uuid_str[37];
	enum vmon_net_forward forward;
	char *forward_dev;  /* <forward dev=>, NULL if absent */
	char *bridge;	    /* NULL until vmond picks one (vmbrN) */
	bool stp;	    /* stp='on' (libvirt's default) */
	unsigned int delay; /* seconds of forward delay */
	uint8_t mac[6];	    /* the bridge's; generated 52:54:00:.. if absent */
	char *domain;	    /* <domain name=>, NULL if absent */
	/* One IPv4 <ip>; has_ip false: the bridge gets no address. */
	bool has_ip, netmask_form; /* netmask= (else prefix=) was written */
	struct in_addr addr;
	unsigned int prefix;
	bool has_range;
	struct in_addr range_start, range_end;
	struct vmon_net_dhcp_host *hosts;
	size_t n_hosts;
	struct vmon_net_dns_host *dns_hosts;
	size_t n_dns_hosts;
};

/*
 * Parse @xml: 0 and a new network in @out, or -1 with @err (line:column of
 * the element or attribute at fault). Anything outside the subset above is
 * refused by name, never dropped.
 */
int vmon_network_parse(const char *xml, size_t len, struct vmon_network **out,
		       struct vmon_net_error *err);
/* libvirt's layout of the XML (malloc'd), or NULL on out of memory. */
char *vmon_network_format(const struct vmon_network *n);
void vmon_network_free(struct vmon_network *n);

/*
 * net-update of a <dhcp><host .../> given as XML text: added (refused if its
 * MAC, name or IP is already a host's) or deleted (the host with the same
 * MAC, name and IP; refused if none). 0 or -1 with @err.
 */
int vmon_network_host_add(struct vmon_network *n, const char *xml, struct vmon_net_error *err);
int vmon_network_host_delete(struct vmon_network *n, const char *xml, struct vmon_net_error *err);

/* The subset's printable values. */
const char *vmon_net_forward_name(enum vmon_net_forward f);
/* "a.b.c.d/prefix" of the network (address masked), into @buf. */
void vmon_network_subnet(const struct vmon_network *n, char *buf, size_t len);

/*
 * The switch. Each call fills @err on failure. Runtime files of network
 * NAME live under @rundir (conf, pid, leases, hosts).
 */
struct vmon_net_paths {
	char dir[512]; /* rundir/NAME... files start with this */
	char conf[600], pid[600], leases[600], hosts[600];
};
void vmon_net_paths(const char *rundir, const char *name, struct vmon_net_paths *p);

/* bridge.c (libnl-route): the bridge, its MAC and address, up. */
int vmon_net_bridge_create(const struct vmon_network *n, char *err, size_t errlen);
int vmon_net_bridge_delete(const char *bridge, char *err, size_t errlen);
/* 1 if a link called @ifname exists, 0 if not, -1 on error. */
int vmon_net_link_exists(const char *ifname);
/* Make @port a port of @bridge and bring it up. */
int vmon_net_bridge_attach(const char *bridge, const char *port, char *err, size_t errlen);

/* tap.c: a persistent tap (IFF_VNET_HDR) owned by @owner; any link's end. */
int vmon_net_tap_create(const char *name, uid_t owner, char *err, size_t errlen);
int vmon_net_link_delete(const char *name);
/*
 * neigh.c: the IPv4 addresses the host's neighbour (ARP) table has for
 * @mac, at most @max into @ips; their number, or -1 and @err when it
 * cannot be read.
 */
int vmon_net_neigh_ipv4(const uint8_t mac[6], char (*ips)[INET_ADDRSTRLEN], size_t max, char *err,
			size_t errlen);
/* A link's counters, as the host sees them (a tap's rx is its guest's tx). */
struct vmon_link_stats {
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};
/* Read @name's counters (libnl-route, RTM_GETLINK); 0 or -1. */
int vmon_net_link_stats(const char *name, struct vmon_link_stats *s);

/* nft.c (libnftables): the rules of n in table "ip vmon". */
/* The nft script that adds n's chains and rules (malloc'd; NULL: none). */
char *vmon_net_nft_script(const struct vmon_network *n);
/* The script that removes n's chains (malloc'd). */
char *vmon_net_nft_remove_script(const struct vmon_network *n);
int vmon_net_nft_apply(const struct vmon_network *n, char *err, size_t errlen);
int vmon_net_nft_remove(const struct vmon_network *n, char *err, size_t errlen);

/* dnsmasq.c: its configuration (malloc'd) and its process. */
char *vmon_net_dnsmasq_conf(const struct vmon_network *n, const struct vmon_net_paths *p);
/* Whether n needs a dnsmasq at all (it has an address). */
bool vmon_net_needs_dnsmasq(const struct vmon_network *n);
/* Its dhcp-hostsfile: "[MAC,]IP[,NAME]" a line (malloc'd), and written. */
char *vmon_net_dnsmasq_hosts(const struct vmon_network *n);
int vmon_net_dnsmasq_write_hosts(const struct vmon_network *n, const struct vmon_net_paths *p,
				 char *err, size_t errlen);
/* SIGHUP: dnsmasq re-reads the hosts file. */
int vmon_net_dnsmasq_reload(const struct vmon_net_paths *p, char *err, size_t errlen);
int vmon_net_dnsmasq_start(const struct vmon_network *n, const struct vmon_net_paths *p,
			   const char *dnsmasq, char *err, size_t errlen);
/* The pid of n's running dnsmasq, or 0. */
pid_t vmon_net_dnsmasq_pid(const struct vmon_net_paths *p);
int vmon_net_dnsmasq_stop(const struct vmon_net_paths *p, char *err, size_t errlen);

/* One line of dnsmasq's lease file. */
struct vmon_net_lease {
	long long expiry; /* seconds since the epoch; 0: infinite */
	char mac[18], ip[16], hostname[64], clientid[128];
};
/* Parse @path: count in *n, array malloc'd (0 leases if no file). */
int vmon_net_leases_read(const char *path, struct vmon_net_lease **out, size_t *n, char *err,
			 size_t errlen);

/*
 * forward.c: net.ipv4.ip_forward (@procfile: NULL for the real one) on, its
 * earlier value kept in @savefile unless that exists already; restore puts
 * the kept value back and removes the file (nothing to do without one).
 */
int vmon_net_ip_forward_enable(const char *procfile, const char *savefile, char *err,
			       size_t errlen);
int vmon_net_ip_forward_restore(const char *procfile, const char *savefile, char *err,
				size_t errlen);

#endif /* VMON_NETWORK_H */
