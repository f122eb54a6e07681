// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile guests: rings whose contents make no sense. Each test ends with
 * the ring stopped and its err eventfd signalled, no kernel report (the VM
 * run checks the log), and a second device working on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "net_env.h"

FIXTURE(hostile)
{
	struct net_env bad;  /* the hostile guest's device */
	struct net_env good; /* a neighbour that must keep working */
	struct vdrv_ring *tx;
	uint8_t *buf; /* a valid buffer of the hostile guest */
};

FIXTURE_VARIANT(hostile)
{
	uint64_t features;
};

FIXTURE_VARIANT_ADD(hostile, event_idx){
	.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
		    (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_NET_F_MRG_RXBUF),
};

FIXTURE_VARIANT_ADD(hostile, flags){
	.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC),
};

FIXTURE_SETUP(hostile)
{
	if (system("modprobe tun; modprobe vmon"))
		TH_LOG("modprobe failed");
	ASSERT_EQ(0, ne_setup(&self->bad, variant->features, false));
	ASSERT_EQ(0, ne_setup(&self->good, variant->features, false));
	self->tx = &self->bad.d.ring[NE_TX];
	self->buf = vdrv_alloc(&self->bad.d, 8192, 4096);
	ASSERT_NE(NULL, self->buf);
	nf_build(self->buf + 12, 100, 1, false, nf_guest_mac, nf_host_mac);
}

FIXTURE_TEARDOWN(hostile)
{
	ne_teardown(&self->bad);
	ne_teardown(&self->good);
}

/* Publish head @head on @r's avail ring and kick. */
static void publish(struct vdrv_ring *r, unsigned int head)
{
	r->avail->ring[r->avail_idx & (r->num - 1)] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	vdrv_kick(r, true);
}

static void set_desc(struct vring_desc *d, void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	d->addr = (uintptr_t)addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/*
 * The end of every test: the err eventfd fired, nothing was completed,
 * the ring stays stopped when kicked with a good request, and the other
 * device still moves a frame.
 */
static void expect_stopped(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) * self,
			   struct vdrv_ring *r)
{
	struct vhost_vring_state s = { .index = r->index };
	uint16_t used = r->used->idx;
	uint8_t *frame;
	long n;

	ASSERT_EQ(1, vdrv_wait_err(r, 3000)) TH_LOG("err eventfd not signalled");
	/* a good request now: still stopped */
	if (r->index == NE_TX) {
		set_desc(&r->desc[r->num - 1], self->buf, 112, 0, 0);
		publish(r, r->num - 1);
	} else {
		vdrv_kick(r, true);
	}
	usleep(200000);
	ASSERT_EQ(used, r->used->idx);
	/* the base still points at the bad request */
	ASSERT_EQ(0, ioctl(self->bad.d.fd, VHOST_GET_VRING_BASE, &s));
	ASSERT_GE(1U, s.num);

	/* the neighbour works */
	while (ne_capture(&self->good, 0, &frame) > 0)
		;
	ASSERT_EQ(0, ne_tx(&self->good, 1514, 4242, true));
	n = ne_capture(&self->good, 3000, &frame);
	ASSERT_EQ(1514, n);
	ASSERT_EQ(4242, nf_seq(frame, n, nf_guest_mac));
	ASSERT_EQ(0, ne_tx_reap(&self->good, 3000));
}

TEST_F(hostile, addr_outside_memory)
{
	uint8_t *outside = (uint8_t *)self->bad.d.mem + NE_ARENA + 8192;

	set_desc(&self->tx->desc[0], outside, 100, 0, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, addr_straddles_end_of_memory)
{
	uint8_t *end = (uint8_t *)self->bad.d.mem + NE_ARENA - 64;

	set_desc(&self->tx->desc[0], end, 128, 0, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, chain_loops)
{
	set_desc(&self->tx->desc[0], self->buf, 12, VRING_DESC_F_NEXT, 1);
	set_desc(&self->tx->desc[1], self->buf + 12, 100, VRING_DESC_F_NEXT, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, chain_loops_on_itself)
{
	set_desc(&self->tx->desc[5], self->buf, 112, VRING_DESC_F_NEXT, 5);
	publish(self->tx, 5);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, length_beyond_memory)
{
	set_desc(&self->tx->desc[0], self->buf, 0xffffffff, 0, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, length_wraps_address_space)
{
	self->tx->desc[0].addr = 0xfffffffffffff000ULL;
	self->tx->desc[0].len = 0x2000;
	self->tx->desc[0].flags = 0;
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, indirect_inside_indirect)
{
	struct vring_desc *t = (struct vring_desc *)(self->buf + 4096);

	set_desc(&t[0], self->buf + 4096 + 512, 32, VRING_DESC_F_INDIRECT, 0);
	set_desc(&self->tx->desc[0], t, 16, VRING_DESC_F_INDIRECT, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, indirect_bad_length)
{
	struct vring_desc *t = (struct vring_desc *)(self->buf + 4096);

	set_desc(&t[0], self->buf, 112, 0, 0);
	set_desc(&self->tx->desc[0], t, 17, VRING_DESC_F_INDIRECT, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, indirect_huge)
{
	set_desc(&self->tx->desc[0], self->bad.d.mem, 1 << 20, VRING_DESC_F_INDIRECT, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, indirect_loops)
{
	struct vring_desc *t = (struct vring_desc *)(self->buf + 4096);

	set_desc(&t[0], self->buf, 12, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], self->buf + 12, 100, VRING_DESC_F_NEXT, 0);
	set_desc(&self->tx->desc[0], t, 32, VRING_DESC_F_INDIRECT, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, next_beyond_ring)
{
	set_desc(&self->tx->desc[0], self->buf, 12, VRING_DESC_F_NEXT, NE_RING + 7);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, head_beyond_ring)
{
	publish(self->tx, NE_RING + 3);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, avail_index_jumps)
{
	struct vdrv_ring *r = self->tx;

	r->avail_idx += NE_RING + 1;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	vdrv_kick(r, true);
	expect_stopped(_metadata, self, r);
}

TEST_F(hostile, used_ring_read_only)
{
	uint64_t one = 1;

	ASSERT_EQ(0, mprotect(self->tx->used, 4096, PROT_READ));
	ASSERT_EQ(0, ne_tx(&self->bad, 100, 1, true));
	ASSERT_EQ(1, vdrv_wait_err(self->tx, 3000));
	/* put it back so the checks below can read it */
	ASSERT_EQ(0, mprotect(self->tx->used, 4096, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, self->tx->used->idx);
	/* signal once more for expect_stopped() */
	ASSERT_EQ(8, write(self->tx->err_fd, &one, 8));
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, tx_with_writable_buffer)
{
	set_desc(&self->tx->desc[0], self->buf, 112, VRING_DESC_F_WRITE, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, readable_after_writable)
{
	set_desc(&self->tx->desc[0], self->buf, 12, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(&self->tx->desc[1], self->buf + 12, 100, 0, 0);
	publish(self->tx, 0);
	expect_stopped(_metadata, self, self->tx);
}

TEST_F(hostile, rx_buffer_readable)
{
	struct vdrv_ring *rx = &self->bad.d.ring[NE_RX];

	set_desc(&rx->desc[0], self->buf, 4096, 0, 0);
	publish(rx, 0);
	ASSERT_EQ(0, ne_inject(&self->bad, 200, 9));
	expect_stopped(_metadata, self, rx);
}

TEST_F(hostile, rx_buffer_outside_memory)
{
	struct vdrv_ring *rx = &self->bad.d.ring[NE_RX];

	set_desc(&rx->desc[0], (uint8_t *)self->bad.d.mem + NE_ARENA, 4096, VRING_DESC_F_WRITE, 0);
	publish(rx, 0);
	ASSERT_EQ(0, ne_inject(&self->bad, 200, 9));
	expect_stopped(_metadata, self, rx);
}

/* After a guest error the VMM can reset the ring and carry on. */
TEST_F(hostile, restart_after_error)
{
	struct vhost_vring_state s = { .index = NE_TX, .num = 0 };
	uint8_t *frame;
	long n;

	set_desc(&self->tx->desc[0], self->buf, 12, VRING_DESC_F_NEXT, 0);
	publish(self->tx, 0);
	ASSERT_EQ(1, vdrv_wait_err(self->tx, 3000));

	/* the guest "reboots": fixed descriptor, ring reset by the VMM */
	set_desc(&self->tx->desc[0], self->buf, 112, 0, 0);
	ASSERT_EQ(0, vdrv_set_backend(&self->bad.d, NE_TX, -1));
	ASSERT_EQ(0, ioctl(self->bad.d.fd, VHOST_SET_VRING_BASE, &s));
	ASSERT_EQ(0, vdrv_set_backend(&self->bad.d, NE_TX, self->bad.tap));
	vdrv_kick(self->tx, true);
	n = ne_capture(&self->bad, 3000, &frame);
	ASSERT_EQ(100, n);
	ASSERT_EQ(1, nf_seq(frame, n, nf_guest_mac));
}

/*
 * Hardening item 7: a VHOST_SET_VRING_ADDR that is refused changes nothing.
 * New desc and avail rings that would do, a used ring in kernel space: the
 * call fails with EINVAL, and the running ring goes on at its old addresses.
 * Before, the addresses were stored first and checked after, so the ring
 * read an empty avail ring elsewhere and failed on the used ring.
 */
TEST_F(hostile, refused_set_addr_keeps_ring)
{
	uint8_t *area = vdrv_alloc(&self->bad.d, 2 * 4096, 4096);
	struct vhost_vring_addr a = { .index = NE_TX };
	uint8_t *frame;
	long n;

	ASSERT_NE(NULL, area);
	a.desc_user_addr = (uintptr_t)area;
	a.avail_user_addr = (uintptr_t)area + 4096;
	a.used_user_addr = 0xffff888000000000ULL;
	ASSERT_EQ(-1, ioctl(self->bad.d.fd, VHOST_SET_VRING_ADDR, &a));
	ASSERT_EQ(EINVAL, errno);

	ASSERT_EQ(0, ne_tx(&self->bad, 100, 7, true));
	n = ne_capture(&self->bad, 3000, &frame);
	ASSERT_EQ(100, n);
	ASSERT_EQ(7, nf_seq(frame, n, nf_guest_mac));
	ASSERT_EQ(0, ne_tx_reap(&self->bad, 3000));
	ASSERT_EQ(0, vdrv_wait_err(self->tx, 0));
}

/* ---- kprobe hit counts: for loops that leave no other trace ---------- */

#define KP_DIR "/sys/kernel/tracing"

static int kp_write(const char *file, const char *text)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KP_DIR "/%s", file);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static void kp_del(const char *name)
{
	char line[160];

	snprintf(line, sizeof(line), "events/vmon_test/%s/enable", name);
	kp_write(line, "0");
	snprintf(line, sizeof(line), "-:vmon_test/%s\n", name);
	kp_write("kprobe_events", line);
}

/* Count calls of vmon.ko's @sym as event vmon_test/@name. */
static int kp_add(const char *name, const char *sym)
{
	char line[160];
	int ret;

	if (access(KP_DIR "/kprobe_events", F_OK) && system("mount -t tracefs nodev " KP_DIR))
		return -ENOENT;
	/* left over by a run that was killed */
	kp_del(name);
	snprintf(line, sizeof(line), "p:vmon_test/%s vmon:%s\n", name, sym);
	ret = kp_write("kprobe_events", line);
	if (ret)
		return ret;
	snprintf(line, sizeof(line), "events/vmon_test/%s/enable", name);
	return kp_write(line, "1");
}

/* Hits of event @name so far, or -1. */
static long kp_hits(const char *name)
{
	char line[256], ev[128];
	unsigned long hits, missed;
	long ret = -1;
	FILE *f = fopen(KP_DIR "/kprobe_profile", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lu %lu", ev, &hits, &missed) == 3 && !strcmp(ev, name))
			ret = hits;
	fclose(f);
	return ret;
}

static int set_txqlen(const char *ifname, int qlen)
{
	struct ifreq ifr = { .ifr_qlen = qlen };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCSIFTXQLEN, &ifr))
		ret = -errno;
	close(s);
	return ret;
}

#define RX_DROPS 2048
#define RX_WEIGHT 256

/*
 * Hardening item 1: packets the RX handler drops count against its weight
 * like packets it delivers. The tap holds RX_DROPS packets, the guest posts
 * one RX buffer that no packet can go into (@len bytes, writable or not).
 * Every packet is dropped, and the handler must give the worker back at
 * least once per RX_WEIGHT of them, queueing its ring's work again
 * (vmon_net_rx_kick, counted with a kprobe). Before, the drops did not
 * count: one run dropped them all while every other ring on the worker
 * waited, for as long as the tap had traffic.
 */
static void rx_drops_yield(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) * self,
			   size_t len, bool writable)
{
	struct net_env *e = &self->bad;
	struct vdrv_ring *rx = &e->d.ring[NE_RX];
	uint8_t *buf = vdrv_alloc(&e->d, 4096, 4096);
	long base, runs = 0;
	int i;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, set_txqlen(e->ifname, 2 * RX_DROPS));
	/* no RX buffer yet: the packets wait in the tap */
	for (i = 0; i < RX_DROPS; i++)
		ASSERT_EQ(0, ne_inject(e, 1000, i));
	if (!writable)
		ASSERT_EQ(0, mprotect(buf, 4096, PROT_READ));
	ASSERT_EQ(0, kp_add("rx_kick", "vmon_net_rx_kick"));
	base = kp_hits("rx_kick");
	ASSERT_LE(0, base);

	set_desc(&rx->desc[0], buf, len, VRING_DESC_F_WRITE, 0);
	publish(rx, 0);
	/*
	 * A run per RX_WEIGHT drops at least, the kick's own among them:
	 * milliseconds of work, given 10 s.
	 */
	for (i = 0; i < 1000; i++) {
		runs = kp_hits("rx_kick") - base;
		if (runs >= RX_DROPS / RX_WEIGHT)
			break;
		usleep(10000);
	}
	kp_del("rx_kick");
	ASSERT_EQ(0, mprotect(buf, 4096, PROT_READ | PROT_WRITE));
	TH_LOG("%ld runs of the RX handler for %d drops", runs, RX_DROPS);
	EXPECT_LE(RX_DROPS / RX_WEIGHT, runs);
	/* nothing went into the buffer, and the ring is not at fault */
	EXPECT_EQ(0, rx->used->idx);
	EXPECT_EQ(0, vdrv_wait_err(rx, 0));
}

TEST_F(hostile, rx_unwritable_buffer_drops_yield)
{
	rx_drops_yield(_metadata, self, 4096, false);
}

TEST_F(hostile, rx_small_buffer_drops_yield)
{
	if (variant->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF))
		SKIP(return, "mergeable buffers: a small one takes the next, no drop");
	rx_drops_yield(_metadata, self, 64, true);
}

#define BIG_REGION (5ULL << 30)

/*
 * Hardening item 9 (used lengths): an RX buffer of 4 GiB and more is fine.
 * A second memory region of 5 GiB, never touched but for the packet; one
 * chain of two buffers there, 4 GiB - 4 KiB and 4 KiB + 256 bytes. The
 * packet goes into it and its used length is the packet's. Before, the
 * chain's length was cut to 32 bits, 256 bytes, too short for the packet:
 * dropped without mergeable buffers, waiting for another buffer with them.
 */
TEST_F(hostile, rx_buffer_over_4gib)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[2];
	} t;
	struct net_env *e = &self->bad;
	struct vdrv_ring *rx = &e->d.ring[NE_RX];
	size_t want = e->hdr_len + 1000;
	uint8_t *big;
	uint32_t len = 0;
	int i;

	big = mmap(NULL, BIG_REGION, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	memset(&t, 0, sizeof(t));
	t.hdr.nregions = 2;
	t.r[0].guest_phys_addr = (uintptr_t)e->d.mem;
	t.r[0].userspace_addr = (uintptr_t)e->d.mem;
	t.r[0].memory_size = e->d.mem_size;
	t.r[1].guest_phys_addr = (uintptr_t)big;
	t.r[1].userspace_addr = (uintptr_t)big;
	t.r[1].memory_size = BIG_REGION;
	ASSERT_EQ(0, ioctl(e->d.fd, VHOST_SET_MEM_TABLE, &t));

	set_desc(&rx->desc[0], big, 0xfffff000U, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(&rx->desc[1], big + 0xfffff000ULL, 0x1100, VRING_DESC_F_WRITE, 0);
	publish(rx, 0);
	ASSERT_EQ(0, ne_inject(e, 1000, 77));
	for (i = 0; i < 300 && rx->used->idx == 0; i++)
		usleep(10000);
	ASSERT_EQ(1, rx->used->idx);
	len = rx->used->ring[0].len;
	EXPECT_EQ(0U, rx->used->ring[0].id);
	EXPECT_EQ(want, len);
	EXPECT_TRUE(nf_check(big + e->hdr_len, 1000, 77, false, nf_host_mac, nf_guest_mac));
	EXPECT_EQ(0, vdrv_wait_err(rx, 0));
	munmap(big, BIG_REGION);
}

/*
 * Hardening item 1 (the RX loop's uncounted continues): mergeable buffers
 * that cannot hold the packet all together. One 64-byte buffer, a
 * 1000-byte packet: the handler takes the buffer, runs out, gives it back,
 * and must then wait for more instead of taking the same one again. Before,
 * it went round for ever (a soft lockup of the worker), and the device's
 * TX ring on the same worker was never served. Last in the file: on the old
 * code it takes the test VM down.
 */
TEST_F(hostile, rx_mergeable_buffers_too_small)
{
	struct net_env *e = &self->bad;
	struct vdrv_ring *rx = &e->d.ring[NE_RX];
	uint8_t *buf = vdrv_alloc(&e->d, 16 * 64, 4096);
	struct virtio_net_hdr_mrg_rxbuf *h;
	uint8_t *frame;
	int i;
	long n;

	if (!(variant->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF)))
		SKIP(return, "no mergeable buffers: a small one is a drop");
	ASSERT_NE(NULL, buf);
	set_desc(&rx->desc[0], buf, 64, VRING_DESC_F_WRITE, 0);
	publish(rx, 0);
	ASSERT_EQ(0, ne_inject(e, 1000, 5));
	usleep(300000);
	EXPECT_EQ(0, rx->used->idx);

	/* the worker is free: TX on it works */
	ASSERT_EQ(0, ne_tx(e, 100, 6, true));
	n = ne_capture(e, 3000, &frame);
	ASSERT_EQ(100, n);
	ASSERT_EQ(6, nf_seq(frame, n, nf_guest_mac));
	ASSERT_EQ(0, ne_tx_reap(e, 3000));

	/* 16 buffers of 64 bytes hold it: 12 bytes of header, 1000 of frame */
	for (i = 1; i < 16; i++)
		set_desc(&rx->desc[i], buf + 64 * i, 64, VRING_DESC_F_WRITE, 0);
	for (i = 1; i < 15; i++) {
		rx->avail->ring[rx->avail_idx & (rx->num - 1)] = i;
		rx->avail_idx++;
	}
	publish(rx, 15);
	for (i = 0; i < 300 && rx->used->idx < 16; i++)
		usleep(10000);
	ASSERT_EQ(16, rx->used->idx);
	h = (struct virtio_net_hdr_mrg_rxbuf *)buf;
	EXPECT_EQ(16, h->num_buffers);
	EXPECT_TRUE(nf_check(buf + e->hdr_len, 1000, 5, false, nf_host_mac, nf_guest_mac));
	EXPECT_EQ(0, vdrv_wait_err(rx, 0));
}

TEST_HARNESS_MAIN
