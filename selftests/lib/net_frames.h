/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frames for the virtio-net tests and benchmark: Ethernet frames with
 * a sequence number and a pattern, and IPv4/TCP frames for GSO.
 */
#ifndef VMON_TEST_NET_FRAMES_H
#define VMON_TEST_NET_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#define NF_ETHERTYPE 0x88b5 /* local experimental */
#define NF_ETH_HLEN 14
#define NF_TCP_HLEN (NF_ETH_HLEN + 20 + 20)
#define NF_MSS 1448

extern const uint8_t nf_guest_mac[6];
extern const uint8_t nf_host_mac[6];

/*
 * Build a frame of @len bytes into @buf, from @src to @dst, numbered @seq.
 * With @tcp an IPv4/TCP frame (for GSO), else ethertype NF_ETHERTYPE.
 */
void nf_build(uint8_t *buf, size_t len, uint32_t seq, bool tcp, const uint8_t *src,
	      const uint8_t *dst);
/* The sequence number of a frame nf_build() made, -1 if it is not one. */
long nf_seq(const uint8_t *buf, size_t len, const uint8_t *src);
/* Does @buf hold exactly the frame nf_build() makes for @len, @seq? */
bool nf_check(const uint8_t *buf, size_t len, uint32_t seq, bool tcp, const uint8_t *src,
	      const uint8_t *dst);
/* A virtio-net header for the frame: GSO TCPv4 when it is above @mtu. */
void nf_vnet_hdr(struct virtio_net_hdr *h, size_t len, bool tcp);

#endif /* VMON_TEST_NET_FRAMES_H */
