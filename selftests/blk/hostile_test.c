// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile guests on /dev/vmon-blk. A chain the device cannot even answer
 * (no header, no status byte, a status byte it cannot write, or what the
 * vring engine refuses) stops the ring and signals its err eventfd; a
 * request that is well formed as a chain but wrong as a block request
 * (data in the wrong direction, far past the end, too many segments, data
 * in memory the device cannot write) gets VIRTIO_BLK_S_IOERR and the ring
 * goes on. Either way the kernel survives (the VM run checks its log) and
 * a neighbouring device keeps working. The hostile guest's disk is a file,
 * or (variant bio) a brd ramdisk opened O_DIRECT, served as bios.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "blk_env.h"

#define BAD_FILE "/tmp/vmon-blk-bad.img"
#define GOOD_FILE "/tmp/vmon-blk-good.img"
#define DISK_MIB 4

FIXTURE(hostile)
{
	struct blk_env bad;
	struct blk_env good;
	int bad_fd, good_fd;
	struct vdrv_ring *r;
	uint8_t *page; /* 4 pages of the hostile guest */
	struct virtio_blk_outhdr *hdr;
};

FIXTURE_VARIANT(hostile)
{
	uint64_t features;
	bool bdev; /* the hostile guest's disk on brd, O_DIRECT: bios */
};

FIXTURE_VARIANT_ADD(hostile, event_idx){
	.features = BE_FEATURES,
};

FIXTURE_VARIANT_ADD(hostile, flags){
	.features = BE_FEATURES & ~(1ULL << VIRTIO_RING_F_EVENT_IDX),
};

FIXTURE_VARIANT_ADD(hostile, bio){
	.features = BE_FEATURES,
	.bdev = true,
};

static int disk(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0 && ftruncate(fd, DISK_MIB << 20)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(hostile)
{
	struct vmon_blk_stats st;
	const char *brd;

	if (system("modprobe vmon"))
		TH_LOG("modprobe failed");
	if (variant->bdev) {
		brd = be_brd(64);
		ASSERT_NE(NULL, brd);
		self->bad_fd = open(brd, O_RDWR | O_DIRECT);
		/* bios only while nothing of the device is cached */
		ASSERT_EQ(0, posix_fadvise(self->bad_fd, 0, 0, POSIX_FADV_DONTNEED));
	} else {
		self->bad_fd = disk(BAD_FILE);
	}
	self->good_fd = disk(GOOD_FILE);
	ASSERT_LE(0, self->bad_fd);
	ASSERT_LE(0, self->good_fd);
	ASSERT_EQ(0, be_setup(&self->bad, 1, 4, variant->features));
	ASSERT_EQ(0, be_setup(&self->good, 1, 4, variant->features));
	ASSERT_EQ(0, be_backend(&self->bad, self->bad_fd));
	ASSERT_EQ(0, be_backend(&self->good, self->good_fd));
	ASSERT_EQ(0, be_stats(&self->bad, &st));
	ASSERT_EQ(variant->bdev, st.bio_queues);
	self->r = &self->bad.d.ring[0];
	self->page = vdrv_alloc(&self->bad.d, 4 * 4096, 4096);
	ASSERT_NE(NULL, self->page);
	self->hdr = (struct virtio_blk_outhdr *)self->page;
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->page)
		mprotect(self->page, 4 * 4096, PROT_READ | PROT_WRITE);
	be_teardown(&self->bad);
	be_teardown(&self->good);
	close(self->bad_fd);
	close(self->good_fd);
	unlink(BAD_FILE);
	unlink(GOOD_FILE);
}

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

/* A three-descriptor request at descriptors 0-2: header, data, status. */
static void request3(FIXTURE_DATA(hostile) * self, uint32_t type, uint64_t sector, void *data,
		     uint32_t len, uint16_t data_flags, uint8_t *status)
{
	struct vring_desc *d = self->r->desc;

	self->hdr->type = type;
	self->hdr->ioprio = 0;
	self->hdr->sector = sector;
	*status = 0xff;
	set_desc(&d[0], self->hdr, sizeof(*self->hdr), VRING_DESC_F_NEXT, 1);
	set_desc(&d[1], data, len, data_flags | VRING_DESC_F_NEXT, 2);
	set_desc(&d[2], status, 1, VRING_DESC_F_WRITE, 0);
	publish(self->r, 0);
}

/* Wait for the used entry of a raw request; its head, -1 on timeout. */
static int raw_used(struct vdrv_ring *r, int ms)
{
	int id;

	while (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == r->last_used) {
		if (ms <= 0)
			return -1;
		usleep(10000);
		ms -= 10;
	}
	id = r->used->ring[r->last_used & (r->num - 1)].id;
	r->last_used++;
	return id;
}

/* The ring answered @status and still serves good requests. */
static void expect_status(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) * self,
			  uint8_t *status, uint8_t want)
{
	uint8_t buf[512];

	ASSERT_EQ(0, raw_used(self->r, 3000)) TH_LOG("no used entry");
	ASSERT_EQ(want, *status);
	ASSERT_EQ(VIRTIO_BLK_S_OK, be_sync(&self->bad, VIRTIO_BLK_T_IN, 0, buf, sizeof(buf), 0));
}

/* The ring stopped and signalled; a neighbour works on. */
static void expect_stopped(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) * self)
{
	uint16_t used = self->r->used->idx;
	uint8_t buf[4096];
	unsigned int i;

	ASSERT_EQ(1, vdrv_wait_err(self->r, 3000))
	TH_LOG("err eventfd not signalled");
	/* a good request now: still stopped */
	request3(self, VIRTIO_BLK_T_IN, 0, self->page + 4096, 512, VRING_DESC_F_WRITE,
		 self->page + 100);
	usleep(200000);
	ASSERT_EQ(used, self->r->used->idx);
	for (i = 0; i < 20; i++) {
		memset(buf, i, sizeof(buf));
		ASSERT_EQ(VIRTIO_BLK_S_OK,
			  be_sync(&self->good, VIRTIO_BLK_T_OUT, i * 8, buf, sizeof(buf), 0));
		ASSERT_EQ(VIRTIO_BLK_S_OK,
			  be_sync(&self->good, VIRTIO_BLK_T_IN, i * 8, buf, sizeof(buf), 0));
		ASSERT_EQ(i, buf[4095]);
	}
}

TEST_F(hostile, status_in_read_only_memory)
{
	uint8_t *status = self->page + 2 * 4096;
	struct vring_desc *d = self->r->desc;

	self->hdr->type = VIRTIO_BLK_T_IN;
	self->hdr->sector = 0;
	set_desc(&d[0], self->hdr, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&d[1], self->page + 4096, 4096, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(&d[2], status, 1, VRING_DESC_F_WRITE, 0);
	ASSERT_EQ(0, mprotect(status, 4096, PROT_READ));
	publish(self->r, 0);
	ASSERT_EQ(1, vdrv_wait_err(self->r, 3000));
	ASSERT_EQ(0, mprotect(status, 4096, PROT_READ | PROT_WRITE));
	/* once more for expect_stopped() */
	ASSERT_EQ(8, write(self->r->err_fd, &(uint64_t){ 1 }, 8));
	ASSERT_EQ(0, self->r->used->idx);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, header_shorter_than_request_header)
{
	struct vring_desc *d = self->r->desc;

	set_desc(&d[0], self->hdr, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&d[1], self->page + 100, 1, VRING_DESC_F_WRITE, 0);
	publish(self->r, 0);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, no_status_byte)
{
	struct vring_desc *d = self->r->desc;

	self->hdr->type = VIRTIO_BLK_T_OUT;
	set_desc(&d[0], self->hdr, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&d[1], self->page + 4096, 512, 0, 0);
	publish(self->r, 0);
	expect_stopped(_metadata, self);
}

/* Any layout is fine: a header in two pieces is still a header. */
TEST_F(hostile, header_split_is_fine)
{
	struct vring_desc *d = self->r->desc;
	uint8_t *status = self->page + 100;

	self->hdr->type = VIRTIO_BLK_T_IN;
	self->hdr->sector = 8;
	*status = 0xff;
	set_desc(&d[0], self->hdr, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&d[1], (uint8_t *)self->hdr + 8, 8, VRING_DESC_F_NEXT, 2);
	set_desc(&d[2], self->page + 4096, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(&d[3], status, 1, VRING_DESC_F_WRITE, 0);
	publish(self->r, 0);
	expect_status(_metadata, self, status, VIRTIO_BLK_S_OK);
}

TEST_F(hostile, read_with_readable_data)
{
	request3(self, VIRTIO_BLK_T_IN, 0, self->page + 4096, 4096, 0, self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_IOERR);
}

TEST_F(hostile, write_with_writable_data)
{
	request3(self, VIRTIO_BLK_T_OUT, 0, self->page + 4096, 4096, VRING_DESC_F_WRITE,
		 self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_IOERR);
}

TEST_F(hostile, read_far_past_capacity)
{
	request3(self, VIRTIO_BLK_T_IN, 1ULL << 60, self->page + 4096, 4096, VRING_DESC_F_WRITE,
		 self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_IOERR);
}

TEST_F(hostile, write_far_past_capacity)
{
	struct stat st;

	request3(self, VIRTIO_BLK_T_OUT, ~0ULL - 1, self->page + 4096, 4096, 0, self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_IOERR);
	request3(self, VIRTIO_BLK_T_OUT, (DISK_MIB << 11) + 1000000, self->page + 4096, 4096, 0,
		 self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_IOERR);
	/* and did not grow the file */
	if (!variant->bdev) {
		ASSERT_EQ(0, fstat(self->bad_fd, &st));
		ASSERT_EQ(DISK_MIB << 20, st.st_size);
	}
}

TEST_F(hostile, read_into_read_only_memory)
{
	uint8_t *data = self->page + 3 * 4096;

	ASSERT_EQ(0, mprotect(data, 4096, PROT_READ));
	request3(self, VIRTIO_BLK_T_IN, 0, data, 4096, VRING_DESC_F_WRITE, self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_IOERR);
}

/*
 * Data buffers that are not sector aligned: direct I/O on the block device
 * cannot take them, so the device bounces them through its own pages (as
 * QEMU does for cache=none); a buffered file takes them as they are. Either
 * way the data must land and come back. One larger than the 1 MiB bounce
 * limit gets IOERR on the block device. The ring goes on.
 */
TEST_F(hostile, unaligned_data_buffer)
{
	uint8_t *src = self->page + 3 * 4096 + 1, *dst = self->page + 4096 + 3;
	uint8_t *big;
	unsigned int i;

	for (i = 0; i < 1024; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	request3(self, VIRTIO_BLK_T_OUT, 8, src, 1024, 0, self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_OK);
	memset(dst, 0, 1024);
	request3(self, VIRTIO_BLK_T_IN, 8, dst, 1024, VRING_DESC_F_WRITE, self->page + 100);
	expect_status(_metadata, self, self->page + 100, VIRTIO_BLK_S_OK);
	ASSERT_EQ(0, memcmp(src, dst, 1024));

	big = vdrv_alloc(&self->bad.d, (2 << 20) + 4096, 4096);
	ASSERT_NE(NULL, big);
	request3(self, VIRTIO_BLK_T_IN, 0, big + 1, 2 << 20, VRING_DESC_F_WRITE, self->page + 100);
	expect_status(_metadata, self, self->page + 100,
		      variant->bdev ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
}

TEST_F(hostile, too_many_segments)
{
	struct vring_desc *t = (struct vring_desc *)(self->page + 2 * 4096);
	uint8_t *status = self->page + 100;
	unsigned int i, n = 200;

	self->hdr->type = VIRTIO_BLK_T_IN;
	self->hdr->sector = 0;
	*status = 0xff;
	set_desc(&t[0], self->hdr, 16, VRING_DESC_F_NEXT, 1);
	for (i = 1; i <= n; i++)
		set_desc(&t[i], self->page + 4096 + (i % 8) * 512, 512,
			 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, i + 1);
	set_desc(&t[n + 1], status, 1, VRING_DESC_F_WRITE, 0);
	set_desc(&self->r->desc[0], t, (n + 2) * sizeof(*t), VRING_DESC_F_INDIRECT, 0);
	publish(self->r, 0);
	expect_status(_metadata, self, status, VIRTIO_BLK_S_IOERR);
}

/* The engine's own checks, on a blk ring. */
TEST_F(hostile, addr_outside_memory)
{
	request3(self, VIRTIO_BLK_T_IN, 0, (uint8_t *)self->bad.d.mem + BE_ARENA + 8192, 512,
		 VRING_DESC_F_WRITE, self->page + 100);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, chain_loops)
{
	struct vring_desc *d = self->r->desc;

	set_desc(&d[0], self->hdr, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&d[1], self->page + 100, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	publish(self->r, 0);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, head_beyond_ring)
{
	publish(self->r, BE_RING + 3);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, avail_index_jumps)
{
	self->r->avail_idx += BE_RING + 1;
	__atomic_store_n(&self->r->avail->idx, self->r->avail_idx, __ATOMIC_RELEASE);
	vdrv_kick(self->r, true);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, indirect_bad_length)
{
	set_desc(&self->r->desc[0], self->page + 2 * 4096, 17, VRING_DESC_F_INDIRECT, 0);
	publish(self->r, 0);
	expect_stopped(_metadata, self);
}

TEST_F(hostile, used_ring_read_only)
{
	uint8_t buf[512];

	ASSERT_EQ(0, mprotect(self->r->used, 4096, PROT_READ));
	/* the request cannot complete: the sync helper times out */
	ASSERT_EQ(-1, be_sync(&self->bad, VIRTIO_BLK_T_IN, 0, buf, 512, 0));
	ASSERT_EQ(1, vdrv_wait_err(self->r, 3000));
	ASSERT_EQ(0, mprotect(self->r->used, 4096, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, self->r->used->idx);
	ASSERT_EQ(8, write(self->r->err_fd, &(uint64_t){ 1 }, 8));
	expect_stopped(_metadata, self);
}

/*
 * A guest that posts a head again as soon as its status byte is written,
 * before its used entry is: a ring of 4 entries gets more than 4
 * completions in one batch. The device must wrap them inside the used
 * ring, never write past its end (the rest of the used ring's page holds a
 * canary here).
 */
TEST_F(hostile, reposted_heads_stay_inside_the_used_ring)
{
	const unsigned int num = 4;
	struct vdrv_ring *r = self->r;
	uint8_t *status = self->page + 100, *page;
	unsigned int i, j, end, most = 0;
	uint16_t seen = 0, now;

	/* the same queue, on a ring of 4 */
	ASSERT_EQ(0, be_backend(&self->bad, -1));
	close(r->kick_fd);
	close(r->call_fd);
	close(r->err_fd);
	ASSERT_EQ(0, vdrv_ring_setup(&self->bad.d, 0, num));
	ASSERT_EQ(0, be_backend(&self->bad, self->bad_fd));
	page = (uint8_t *)r->used;
	/* the used ring ends with the avail event, after its num entries */
	end = (uint8_t *)&r->used->ring[num] + sizeof(uint16_t) - page;
	memset(page + end, 0xa5, 4096 - end);
	self->hdr->type = 0x7e57; /* unknown: answered at once */
	set_desc(&r->desc[0], self->hdr, sizeof(*self->hdr), VRING_DESC_F_NEXT, 1);
	set_desc(&r->desc[1], status, 1, VRING_DESC_F_WRITE, 0);
	for (i = 0; i < 20000; i++) {
		uint64_t t0 = be_now_ns();

		*status = 0xff;
		r->avail->ring[r->avail_idx & (num - 1)] = 0;
		r->avail_idx++;
		__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
		vdrv_kick(r, false);
		for (j = 0; __atomic_load_n(status, __ATOMIC_ACQUIRE) == 0xff; j++)
			if (j % 1000 == 999 && be_now_ns() > t0 + 5000000000ULL)
				break;
		ASSERT_EQ(VIRTIO_BLK_S_UNSUPP, *status)
		TH_LOG("request %u unanswered: used %u avail %u flags %u event %u err %d", i,
		       r->used->idx, r->avail_idx, r->used->flags, r->used->ring[num].id & 0xffff,
		       vdrv_wait_err(r, 0));
		now = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
		if ((uint16_t)(now - seen) > most)
			most = (uint16_t)(now - seen);
		seen = now;
	}
	TH_LOG("largest batch of used entries: %u, ring of %u", most, num);
	for (i = end; i < 4096; i++)
		ASSERT_EQ(0xa5, page[i]) TH_LOG("byte %u past the used ring written", i);
	ASSERT_EQ(0, vdrv_wait_err(r, 0));
}

/* ---- heads in flight (hardening item 3) ----------------------------------- */

/* A device over a disk that takes 2 s per request, its ring of @num. */
struct slow {
	struct blk_env e;
	struct vdrv_ring *r;
	uint8_t *mem; /* a page per head */
	int fd;
};

static int slow_setup(struct slow *s, unsigned int num)
{
	struct vdrv_ring *r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	be_load_module();
	if (be_slow_disk(2000))
		return -1;
	s->fd = open(BE_SLOW_DISK, O_RDWR | O_DIRECT);
	if (s->fd < 0 || be_setup(&s->e, 1, 4, BE_FEATURES))
		return -1;
	r = &s->e.d.ring[0];
	close(r->kick_fd);
	close(r->call_fd);
	close(r->err_fd);
	if (vdrv_ring_setup(&s->e.d, 0, num) || be_backend(&s->e, s->fd))
		return -1;
	s->r = r;
	s->mem = vdrv_alloc(&s->e.d, num * 4096, 4096);
	return s->mem ? 0 : -1;
}

static void slow_teardown(struct slow *s)
{
	be_teardown(&s->e);
	close(s->fd);
	be_slow_disk_free();
}

/* A read of 512 bytes at head @head, through an indirect table in its page. */
static void slow_read(struct slow *s, unsigned int head)
{
	uint8_t *page = s->mem + head * 4096;
	struct virtio_blk_outhdr *hdr = (struct virtio_blk_outhdr *)page;
	struct vring_desc *t = (struct vring_desc *)(page + 256);

	hdr->type = VIRTIO_BLK_T_IN;
	hdr->ioprio = 0;
	hdr->sector = head * 8;
	page[100] = 0xff;
	set_desc(&t[0], hdr, sizeof(*hdr), VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], page + 1024, 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(&t[2], page + 100, 1, VRING_DESC_F_WRITE, 0);
	set_desc(&s->r->desc[head], t, 3 * sizeof(*t), VRING_DESC_F_INDIRECT, 0);
	publish(s->r, head);
}

static unsigned int inflight(struct blk_env *e)
{
	struct vmon_blk_stats st;

	return be_stats(e, &st) ? ~0U : st.inflight;
}

/* Wait up to 2 s for @n requests in flight; the number seen. */
static unsigned int wait_inflight(struct blk_env *e, unsigned int n)
{
	uint64_t t0 = be_now_ns();

	while (inflight(e) < n && be_now_ns() < t0 + 2000000000ULL)
		usleep(1000);
	return inflight(e);
}

/*
 * Hardening item 3: a head posted again while its request is in flight is
 * a protocol violation: with 3 reads in flight on a ring of 4, head 0
 * posted again stops the ring and signals its err eventfd, and is not
 * taken as a fourth request.
 */
TEST(head_posted_again_while_in_flight)
{
	struct slow s;
	unsigned int i;

	ASSERT_EQ(0, slow_setup(&s, 4));
	for (i = 0; i < 3; i++)
		slow_read(&s, i);
	ASSERT_EQ(3U, wait_inflight(&s.e, 3));
	publish(s.r, 0);
	EXPECT_EQ(1, vdrv_wait_err(s.r, 3000)) TH_LOG("err eventfd not signalled");
	EXPECT_EQ(3U, inflight(&s.e));
	slow_teardown(&s);
}

/*
 * Hardening item 3: the device takes no more requests than the ring has
 * heads. With the 4 heads of a ring of 4 in flight (2 s each), the guest
 * posts all 4 again: for the next second the device still has 4 in
 * flight, not 8. (It takes them once the first ones are posted.)
 */
TEST(in_flight_never_exceeds_the_ring)
{
	unsigned int i, n, most = 0;
	struct slow s;
	uint64_t t0;

	ASSERT_EQ(0, slow_setup(&s, 4));
	for (i = 0; i < 4; i++)
		slow_read(&s, i);
	ASSERT_EQ(4U, wait_inflight(&s.e, 4));
	for (i = 0; i < 4; i++)
		publish(s.r, i);
	t0 = be_now_ns();
	while (be_now_ns() < t0 + 1000000000ULL) {
		n = inflight(&s.e);
		if (n > most)
			most = n;
		usleep(5000);
	}
	EXPECT_EQ(4U, most) TH_LOG("%u requests in flight on a ring of 4", most);
	slow_teardown(&s);
}

TEST_HARNESS_MAIN
