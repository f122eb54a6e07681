// SPDX-License-Identifier: GPL-2.0
/*
 * Test frames for the virtio-net tests; see net_frames.h.
 */
#include <string.h>

#include <arpa/inet.h>

#include "net_frames.h"

const uint8_t nf_guest_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t nf_host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static size_t nf_hlen(bool tcp)
{
	return tcp ? NF_TCP_HLEN : NF_ETH_HLEN;
}

static void nf_headers(uint8_t *buf, size_t len, bool tcp, const uint8_t *src, const uint8_t *dst)
{
	uint16_t v;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	v = htons(tcp ? 0x0800 : NF_ETHERTYPE);
	memcpy(buf + 12, &v, 2);
	if (tcp) {
		uint8_t *ip = buf + NF_ETH_HLEN, *th = ip + 20;

		memset(ip, 0, 40);
		ip[0] = 0x45;
		v = htons(len - NF_ETH_HLEN);
		memcpy(ip + 2, &v, 2);
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 10, ip[15] = 1;
		ip[16] = 10, ip[19] = 2;
		v = htons(ip_csum(ip, 20));
		memcpy(ip + 10, &v, 2);
		th[0] = 0x30, th[1] = 0x39; /* ports 12345 -> 5001 */
		th[2] = 0x13, th[3] = 0x89;
		th[12] = 5 << 4;
		th[13] = 0x10; /* ACK */
		th[14] = 0xff; /* window */
	}
}

void nf_build(uint8_t *buf, size_t len, uint32_t seq, bool tcp, const uint8_t *src,
	      const uint8_t *dst)
{
	size_t h = nf_hlen(tcp), i;

	nf_headers(buf, len, tcp, src, dst);
	memcpy(buf + h, &seq, sizeof(seq));
	for (i = h + sizeof(seq); i < len; i++)
		buf[i] = (uint8_t)(seq + i);
}

long nf_seq(const uint8_t *buf, size_t len, const uint8_t *src)
{
	uint32_t seq;
	size_t h;

	if (len < NF_ETH_HLEN + 4 || memcmp(buf + 6, src, 6))
		return -1;
	h = buf[12] == 0x08 && buf[13] == 0x00 ? NF_TCP_HLEN : NF_ETH_HLEN;
	if (len < h + 4)
		return -1;
	memcpy(&seq, buf + h, sizeof(seq));
	return seq;
}

bool nf_check(const uint8_t *buf, size_t len, uint32_t seq, bool tcp, const uint8_t *src,
	      const uint8_t *dst)
{
	uint8_t hdr[NF_TCP_HLEN];
	size_t h = nf_hlen(tcp), i;
	uint32_t s;

	if (len < h + sizeof(seq))
		return false;
	nf_headers(hdr, len, tcp, src, dst);
	/* the TCP checksum may be filled in on the way; skip it */
	if (memcmp(buf, hdr, tcp ? NF_ETH_HLEN + 20 + 16 : h))
		return false;
	memcpy(&s, buf + h, sizeof(s));
	if (s != seq)
		return false;
	for (i = h + sizeof(seq); i < len; i++)
		if (buf[i] != (uint8_t)(seq + i))
			return false;
	return true;
}

void nf_vnet_hdr(struct virtio_net_hdr *h, size_t len, bool tcp)
{
	memset(h, 0, sizeof(*h));
	h->gso_type = VIRTIO_NET_HDR_GSO_NONE;
	if (!tcp || len <= NF_ETH_HLEN + 1500)
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h->hdr_len = NF_TCP_HLEN;
	h->gso_size = NF_MSS;
	h->csum_start = NF_ETH_HLEN + 20;
	h->csum_offset = 16;
}
