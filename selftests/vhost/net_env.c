// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-net test environment; see net_env.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/vhost.h>

#include "net_env.h"

const char *ne_dev_path(void)
{
	const char *p = getenv("VMON_NET_DEV");

	return p && *p ? p : "/dev/vmon-net";
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool ne_is_tcp(size_t len, struct net_env *e)
{
	/* big frames go as TCP with GSO, unless the tap has no header */
	return len > NF_ETH_HLEN + 1500 && !e->vhost_hdr;
}

int ne_setup(struct net_env *e, uint64_t features, bool indirect)
{
	unsigned int offload = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int ret;

	memset(e, 0, sizeof(*e));
	e->tap = -1;
	e->pkt = -1;
	e->d.fd = -1;
	e->features = features;
	e->indirect = indirect;
	e->vhost_hdr = features & (1ULL << VHOST_NET_F_VIRTIO_NET_HDR);
	e->mrg = features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	e->hdr_len = features & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VIRTIO_F_VERSION_1))
			     ? sizeof(struct virtio_net_hdr_mrg_rxbuf)
			     : sizeof(struct virtio_net_hdr);

	e->tap = vdrv_tap_open(e->ifname, e->vhost_hdr ? 0 : e->hdr_len, offload);
	if (e->tap < 0) {
		fprintf(stderr, "tap: %s\n", strerror(-e->tap));
		return e->tap;
	}
	if (e->vhost_hdr) {
		/* no GSO without a header on the tap: big frames need MTU */
		ret = vdrv_link_set(e->ifname, true, NE_FRAME_MAX - NF_ETH_HLEN);
		if (ret)
			goto fail;
	}
	e->pkt = vdrv_packet_open(e->ifname, !e->vhost_hdr);
	if (e->pkt < 0) {
		ret = e->pkt;
		goto fail;
	}
	ret = vdrv_open(&e->d, ne_dev_path(), NE_ARENA);
	if (ret)
		goto fail;
	ret = vdrv_set_features(&e->d, features);
	if (ret)
		goto fail;
	ret = vdrv_ring_setup(&e->d, NE_RX, NE_RING);
	if (!ret)
		ret = vdrv_ring_setup(&e->d, NE_TX, NE_RING);
	if (ret)
		goto fail;
	e->rx_buf_size = e->mrg ? NE_MRG_BUF : NE_SLOT;
	e->tx_slots = vdrv_alloc(&e->d, (size_t)NE_RING * NE_SLOT, 4096);
	e->rx_bufs = vdrv_alloc(&e->d, NE_RING * e->rx_buf_size, 4096);
	e->scratch = malloc(NE_SLOT + 64);
	if (!e->tx_slots || !e->rx_bufs || !e->scratch) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = vdrv_set_backend(&e->d, NE_RX, e->tap);
	if (!ret)
		ret = vdrv_set_backend(&e->d, NE_TX, e->tap);
	if (ret)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "net_env setup on %s: %s\n", ne_dev_path(), strerror(-ret));
	ne_teardown(e);
	return ret;
}

void ne_teardown(struct net_env *e)
{
	vdrv_close(&e->d);
	if (e->pkt >= 0)
		close(e->pkt);
	if (e->tap >= 0)
		close(e->tap);
	free(e->scratch);
	e->scratch = NULL;
	e->pkt = e->tap = -1;
}

int ne_tx(struct net_env *e, size_t len, uint32_t seq, bool kick)
{
	struct vdrv_ring *r = &e->d.ring[NE_TX];
	uint8_t *slot = e->tx_slots + (size_t)(seq % NE_RING) * NE_SLOT;
	bool tcp = ne_is_tcp(len, e);
	struct iovec out[3];
	unsigned int n = 0;
	int head;

	/* the slot may still be in flight when the ring is full */
	if (r->num_free < (e->indirect ? 1U : 3U))
		return -ENOSPC;
	nf_vnet_hdr((struct virtio_net_hdr *)slot, len, tcp);
	if (e->hdr_len > sizeof(struct virtio_net_hdr))
		((struct virtio_net_hdr_mrg_rxbuf *)slot)->num_buffers = 0;
	nf_build(slot + e->hdr_len, len, seq, tcp, nf_guest_mac, nf_host_mac);
	out[n].iov_base = slot;
	out[n++].iov_len = e->hdr_len;
	if (e->indirect && len > 32) {
		/* split the frame too, to cross descriptors in the table */
		out[n].iov_base = slot + e->hdr_len;
		out[n++].iov_len = 32;
		out[n].iov_base = slot + e->hdr_len + 32;
		out[n++].iov_len = len - 32;
	} else {
		out[n].iov_base = slot + e->hdr_len;
		out[n++].iov_len = len;
	}
	head = vdrv_add(r, out, n, NULL, 0, e->indirect, (void *)(uintptr_t)(seq + 1));
	if (head < 0)
		return head;
	if (kick)
		vdrv_kick(r, false);
	return 0;
}

int ne_tx_reap(struct net_env *e, int ms)
{
	struct vdrv_ring *r = &e->d.ring[NE_TX];
	long end = now_ms() + ms;

	for (;;) {
		while (vdrv_get_used(r, NULL))
			;
		if (r->num_free == r->num)
			return 0;
		if (now_ms() > end)
			return -ETIMEDOUT;
		vdrv_wait_call(r, 20);
	}
}

long ne_capture(struct net_env *e, int ms, uint8_t **frame)
{
	struct pollfd p = { .fd = e->pkt, .events = POLLIN };
	size_t skip = e->vhost_hdr ? 0 : sizeof(struct virtio_net_hdr);
	long end = now_ms() + ms;
	ssize_t n;

	for (;;) {
		long left = end - now_ms();

		if (left < 0 || poll(&p, 1, left) <= 0)
			return -ETIMEDOUT;
		n = recv(e->pkt, e->scratch, NE_SLOT + 64, MSG_TRUNC);
		if (n < 0)
			return -errno;
		if ((size_t)n < skip + NF_ETH_HLEN)
			continue;
		/* only frames from our guest */
		if (memcmp(e->scratch + skip + 6, nf_guest_mac, 6))
			continue;
		*frame = e->scratch + skip;
		return n - skip;
	}
}

void ne_rx_fill(struct net_env *e)
{
	struct vdrv_ring *r = &e->d.ring[NE_RX];
	struct iovec in[2];
	int head;

	for (;;) {
		/* buffer i of the pool is used by at most one request */
		uint8_t *buf = e->rx_bufs + (size_t)(e->rx_next % NE_RING) * e->rx_buf_size;

		if (!r->num_free)
			break;
		in[0].iov_base = buf;
		in[0].iov_len = e->indirect ? 64 : e->rx_buf_size;
		in[1].iov_base = buf + 64;
		in[1].iov_len = e->rx_buf_size - 64;
		head = vdrv_add(r, NULL, 0, in, e->indirect ? 2 : 1, e->indirect, buf);
		if (head < 0)
			break;
		e->rx_next++;
	}
	vdrv_kick(r, false);
}

int ne_inject(struct net_env *e, size_t len, uint32_t seq)
{
	size_t off = e->vhost_hdr ? 0 : sizeof(struct virtio_net_hdr);
	uint8_t *buf = malloc(len + off);
	bool tcp = ne_is_tcp(len, e);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	if (off)
		nf_vnet_hdr((struct virtio_net_hdr *)buf, len, tcp);
	nf_build(buf + off, len, seq, tcp, nf_host_mac, nf_guest_mac);
	n = send(e->pkt, buf, len + off, 0);
	free(buf);
	if (n < 0)
		return -errno;
	return n == (ssize_t)(len + off) ? 0 : -EIO;
}

static void *ne_rx_take(struct net_env *e, long end, uint32_t *len)
{
	struct vdrv_ring *r = &e->d.ring[NE_RX];
	void *buf;

	for (;;) {
		buf = vdrv_get_used(r, len);
		if (buf)
			return buf;
		if (now_ms() > end)
			return NULL;
		vdrv_wait_call(r, 20);
	}
}

long ne_rx(struct net_env *e, int ms, uint8_t **frame, unsigned int *nbufs)
{
	long end = now_ms() + ms;
	unsigned int nb = 1, i;
	size_t total = 0;
	uint32_t len;
	uint8_t *buf;

again:
	buf = ne_rx_take(e, end, &len);
	if (!buf)
		return -ETIMEDOUT;
	if (len < e->hdr_len || len > e->rx_buf_size)
		return -EPROTO;
	if (e->hdr_len == sizeof(struct virtio_net_hdr_mrg_rxbuf))
		nb = ((struct virtio_net_hdr_mrg_rxbuf *)buf)->num_buffers;
	if (!e->mrg && nb != 1)
		return -EPROTO;
	if (nb < 1 || nb > NE_RING)
		return -EPROTO;
	memcpy(e->scratch, buf, len);
	total = len;
	for (i = 1; i < nb; i++) {
		buf = ne_rx_take(e, end, &len);
		if (!buf)
			return -ETIMEDOUT;
		if (total + len > NE_SLOT + 64)
			return -EMSGSIZE;
		memcpy(e->scratch + total, buf, len);
		total += len;
	}
	ne_rx_fill(e);
	if (memcmp(e->scratch + e->hdr_len + 6, nf_host_mac, 6))
		goto again; /* not one of ours */
	*frame = e->scratch + e->hdr_len;
	if (nbufs)
		*nbufs = nb;
	return total - e->hdr_len;
}
