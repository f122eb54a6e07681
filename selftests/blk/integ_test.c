// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk data integrity: random reads, writes, flushes, discards and
 * write-zeroes checked against a shadow copy, on a buffered file, an O_DIRECT
 * file on ext4, a loop device and a brd ramdisk, with one queue and many,
 * one worker and a worker per queue. Runs as root inside the test VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "blk_env.h"

/* ---- integrity against a shadow copy ------------------------------------ */

#define INT_MIB 16
#define INT_BLK 4096
#define INT_NBLK (INT_MIB * 1048576ULL / INT_BLK)

enum backend_kind { K_FILE, K_EXT4, K_LOOP, K_BRD };

struct integ {
	uint8_t *shadow;
	uint8_t *maybe_zero; /* per block: discarded, old data or zero */
	int *busy;	     /* per block: readers, or -1 for a writer */
	uint64_t rng;
	unsigned long done[16];
	unsigned long seq;
};

static uint64_t rnd(struct integ *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* Compare a read of blocks [b, b + n) against the shadow; adopt zeroes. */
static int integ_check(struct integ *t, uint64_t b, unsigned int n, const uint8_t *data)
{
	static const uint8_t zero[INT_BLK];
	unsigned int i;

	for (i = 0; i < n; i++) {
		const uint8_t *got = data + (size_t)i * INT_BLK;
		uint8_t *want = t->shadow + (b + i) * INT_BLK;

		if (!memcmp(got, want, INT_BLK))
			continue;
		if (t->maybe_zero[b + i] && !memcmp(got, zero, INT_BLK)) {
			memset(want, 0, INT_BLK);
			t->maybe_zero[b + i] = 0;
			continue;
		}
		fprintf(stderr, "# block %llu differs from the shadow\n",
			(unsigned long long)(b + i));
		return -1;
	}
	return 0;
}

FIXTURE(integ)
{
	struct blk_env e;
	int fd;
	char path[64];
	struct integ t;
};

FIXTURE_VARIANT(integ)
{
	enum backend_kind kind;
	bool direct;
	unsigned int nq;
	unsigned int depth;
	bool worker_per_queue; /* VHOST_NEW_WORKER for queues 1 to nq - 1 */
	bool kiocb;	       /* blk_bio=N: a block device through kiocbs */
};

FIXTURE_VARIANT_ADD(integ, file_buffered){
	.kind = K_FILE,
	.direct = false,
	.nq = 1,
	.depth = 16,
};

FIXTURE_VARIANT_ADD(integ, file_direct_ext4){
	.kind = K_EXT4,
	.direct = true,
	.nq = 2,
	.depth = 16,
};

FIXTURE_VARIANT_ADD(integ, loop){
	.kind = K_LOOP,
	.direct = true,
	.nq = 1,
	.depth = 32,
};

FIXTURE_VARIANT_ADD(integ, brd_multiqueue){
	.kind = K_BRD,
	.direct = true,
	.nq = 4,
	.depth = 16,
};

FIXTURE_VARIANT_ADD(integ, brd_worker_per_queue){
	.kind = K_BRD,
	.direct = true,
	.nq = 4,
	.depth = 16,
	.worker_per_queue = true,
};

FIXTURE_VARIANT_ADD(integ, brd_kiocb){
	.kind = K_BRD,
	.direct = true,
	.nq = 2,
	.depth = 16,
	.kiocb = true,
};

FIXTURE_VARIANT_ADD(integ, brd_buffered){
	.kind = K_BRD,
	.direct = false,
	.nq = 2,
	.depth = 16,
};

FIXTURE_SETUP(integ)
{
	struct vmon_blk_config c = { .capacity = INT_MIB << 11,
				     .max_discard_seg = 1,
				     .max_write_zeroes_seg = 1,
				     .write_zeroes_may_unmap = 1 };
	int flags = O_RDWR | (variant->direct ? O_DIRECT : 0);
	const char *brd;
	char cmd[256];
	int rfd;

	be_load_module();
	self->fd = -1;
	self->path[0] = 0;
	/*
	 * A test the harness killed on its timeout did not tear down: take
	 * away its loop device and file system, saying so, so that one slow
	 * test does not fail every test after it at mkfs.
	 */
	if (system("mountpoint -q /tmp/vmon-ext4") == 0) {
		TH_LOG("/tmp/vmon-ext4 left mounted by a test before: unmounting it");
		ASSERT_EQ(0, system("for d in $(losetup -n -O NAME -j /tmp/vmon-ext4/loop.img); do "
				    "losetup -d $d; done; for i in $(seq 50); do "
				    "umount /tmp/vmon-ext4 2>/dev/null && exit 0; sleep 0.1; done; "
				    "exit 1"));
	}
	brd = be_brd(64);
	ASSERT_NE(NULL, brd);
	switch (variant->kind) {
	case K_FILE:
		strcpy(self->path, "/tmp/vmon-blk-integ.img");
		self->fd = be_make_file(self->path, INT_MIB, flags);
		break;
	case K_EXT4:
		snprintf(cmd, sizeof(cmd),
			 "mkdir -p /tmp/vmon-ext4 && mkfs.ext4 -q -F /dev/ram1 && mount /dev/ram1 "
			 "/tmp/vmon-ext4");
		ASSERT_EQ(0, system(cmd));
		strcpy(self->path, "/tmp/vmon-ext4/disk.img");
		self->fd = be_make_file(self->path, INT_MIB, flags);
		break;
	case K_LOOP:
		/* on ext4, which can zero ranges (tmpfs makes loop complain) */
		snprintf(cmd, sizeof(cmd),
			 "mkdir -p /tmp/vmon-ext4 && mkfs.ext4 -q -F /dev/ram1 && mount /dev/ram1 "
			 "/tmp/vmon-ext4");
		ASSERT_EQ(0, system(cmd));
		ASSERT_EQ(0, be_loop("/tmp/vmon-ext4/loop.img", INT_MIB, self->path,
				     sizeof(self->path)));
		self->fd = open(self->path, flags);
		break;
	case K_BRD:
		strcpy(self->path, brd);
		self->fd = open(self->path, flags);
		break;
	}
	ASSERT_LE(0, self->fd) TH_LOG("cannot open %s", self->path);
	self->t.shadow = malloc(INT_MIB << 20);
	self->t.maybe_zero = calloc(INT_NBLK, 1);
	self->t.busy = calloc(INT_NBLK, sizeof(int));
	ASSERT_NE(NULL, self->t.shadow);
	ASSERT_NE(NULL, self->t.busy);
	/* the shadow starts as what the back end holds */
	rfd = open(self->path, O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(INT_MIB << 20, pread(rfd, self->t.shadow, INT_MIB << 20, 0));
	/* drop what that cached: a block device's bios need an empty cache */
	ASSERT_EQ(0, posix_fadvise(rfd, 0, 0, POSIX_FADV_DONTNEED));
	close(rfd);
	self->t.rng = 0x9e3779b97f4a7c15ULL ^ variant->nq ^ ((uint64_t)variant->kind << 32);
	ASSERT_EQ(0, be_setup(&self->e, variant->nq, variant->depth, BE_FEATURES));
	ASSERT_EQ(0, be_config(&self->e, &c));
	if (variant->worker_per_queue)
		ASSERT_EQ(0, vdrv_worker_per_ring(&self->e.d, 1, variant->nq - 1));
	ASSERT_EQ(0, be_set_bio(!variant->kiocb));
	ASSERT_EQ(0, be_backend(&self->e, self->fd));
}

FIXTURE_TEARDOWN(integ)
{
	be_set_bio(true);
	be_teardown(&self->e);
	if (self->fd >= 0)
		close(self->fd);
	if (variant->kind == K_LOOP)
		EXPECT_EQ(0, be_loop_free(self->path));
	/* a file system left mounted would fail the next test's mkfs */
	if (variant->kind == K_EXT4 || variant->kind == K_LOOP)
		EXPECT_EQ(0, umount("/tmp/vmon-ext4"))
	TH_LOG("umount /tmp/vmon-ext4: %s", strerror(errno));
	if (variant->kind == K_FILE)
		unlink(self->path);
	free(self->t.shadow);
	free(self->t.maybe_zero);
	free(self->t.busy);
}

/* Start one random request on queue @q if a free range is found. */
static int integ_start(struct blk_env *e, struct integ *t, unsigned int q)
{
	struct be_req *r = be_get(e, q);
	unsigned int n, i, kind, type, flags = 0;
	uint64_t b;
	bool write;

	if (!r)
		return 0;
	kind = rnd(t) % 100;
	type = kind < 40   ? VIRTIO_BLK_T_OUT
	       : kind < 80 ? VIRTIO_BLK_T_IN
	       : kind < 86 ? VIRTIO_BLK_T_FLUSH
	       : kind < 93 ? VIRTIO_BLK_T_DISCARD
			   : VIRTIO_BLK_T_WRITE_ZEROES;
	n = 1 + rnd(t) % (BE_MAX_IO / INT_BLK);
	b = rnd(t) % (INT_NBLK - n + 1);
	write = type != VIRTIO_BLK_T_IN;
	if (type == VIRTIO_BLK_T_FLUSH) {
		n = 0;
		b = 0;
	}
	for (i = 0; i < n; i++)
		if (write ? t->busy[b + i] : t->busy[b + i] < 0)
			return 0;
	for (i = 0; i < n; i++)
		t->busy[b + i] = write ? -1 : t->busy[b + i] + 1;
	if (type == VIRTIO_BLK_T_OUT) {
		uint64_t *p = (uint64_t *)r->data;

		t->seq++;
		for (i = 0; i < n * INT_BLK / 8; i++)
			p[i] = (t->seq << 32) ^ (b * INT_BLK / 8 + i) ^ rnd(t);
	}
	if (type == VIRTIO_BLK_T_WRITE_ZEROES && (rnd(t) & 1))
		flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	return be_post(e, r, type, b * (INT_BLK / 512), n * INT_BLK, flags) ? -1 : 1;
}

/* Apply a finished request to the shadow; -1 when it went wrong. */
static int integ_finish(struct integ *t, struct be_req *r)
{
	uint64_t b = r->sector / (INT_BLK / 512);
	unsigned int n = r->len / INT_BLK, i;
	int ret = 0;

	if (r->type == VIRTIO_BLK_T_FLUSH)
		n = 0;
	if (r->status != S_OK) {
		fprintf(stderr, "# request type %u sector %llu: status %u\n", r->type,
			(unsigned long long)r->sector, r->status);
		ret = -1;
	}
	t->done[r->type & 15]++;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		if (!ret)
			ret = integ_check(t, b, n, r->data);
		break;
	case VIRTIO_BLK_T_OUT:
		memcpy(t->shadow + b * INT_BLK, r->data, (size_t)n * INT_BLK);
		memset(t->maybe_zero + b, 0, n);
		break;
	case VIRTIO_BLK_T_DISCARD:
		memset(t->maybe_zero + b, 1, n);
		break;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		memset(t->shadow + b * INT_BLK, 0, (size_t)n * INT_BLK);
		memset(t->maybe_zero + b, 0, n);
		break;
	}
	for (i = 0; i < n; i++)
		t->busy[b + i] = t->busy[b + i] < 0 ? 0 : t->busy[b + i] - 1;
	return ret;
}

/* Queues that must send bios: block devices opened O_DIRECT, blk_bio=Y. */
static uint32_t integ_bio_queues(const FIXTURE_VARIANT(integ) * variant)
{
	bool bdev = variant->kind == K_LOOP || variant->kind == K_BRD;

	return bdev && variant->direct && !variant->kiocb ? (1U << variant->nq) - 1 : 0;
}

/*
 * 3000 requests take a few seconds on a production kernel; on the sanitizer
 * kernel (KASAN, lockdep) under TCG the loop variant took over the harness's
 * default 30 s. A hang still fails in 10 s (be_wait below).
 */
TEST_F_TIMEOUT(integ, random_against_shadow, 180)
{
	unsigned int q, inflight = 0, posted = 0, total = 3000;
	struct vmon_blk_stats st;
	struct be_req *r;
	uint8_t *check;
	uint64_t b;
	int ret, rfd;

	ASSERT_EQ(0, be_stats(&self->e, &st));
	ASSERT_EQ(integ_bio_queues(variant), st.bio_queues);

	while (posted < total || inflight) {
		for (q = 0; q < variant->nq && posted < total; q++) {
			while (posted < total) {
				ret = integ_start(&self->e, &self->t, q);
				ASSERT_LE(0, ret);
				if (!ret)
					break;
				posted++;
				inflight++;
			}
			be_kick(&self->e, q);
		}
		ret = 0;
		for (q = 0; q < variant->nq; q++) {
			while ((r = be_reap(&self->e, q))) {
				ASSERT_EQ(0, integ_finish(&self->t, r));
				inflight--;
				ret++;
			}
		}
		if (!ret && inflight) {
			/* a hang: no completion in 10 s */
			ASSERT_EQ(1, be_wait(&self->e, 10000));
		}
	}
	TH_LOG("%lu reads, %lu writes, %lu flushes, %lu discards, %lu write-zeroes",
	       self->t.done[VIRTIO_BLK_T_IN], self->t.done[VIRTIO_BLK_T_OUT],
	       self->t.done[VIRTIO_BLK_T_FLUSH], self->t.done[VIRTIO_BLK_T_DISCARD],
	       self->t.done[VIRTIO_BLK_T_WRITE_ZEROES]);
	/* read everything back through the device */
	for (b = 0; b < INT_NBLK; b += BE_MAX_IO / INT_BLK) {
		r = be_get(&self->e, 0);
		ASSERT_NE(NULL, r);
		ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, b * (INT_BLK / 512), NULL,
					BE_MAX_IO, 0));
		ASSERT_EQ(0, integ_check(&self->t, b, BE_MAX_IO / INT_BLK, r->data));
	}
	/* and straight from the back end */
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0));
	check = malloc(INT_MIB << 20);
	ASSERT_NE(NULL, check);
	rfd = open(self->path, O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(INT_MIB << 20, pread(rfd, check, INT_MIB << 20, 0));
	close(rfd);
	ASSERT_EQ(0, integ_check(&self->t, 0, INT_NBLK, check));
	free(check);
}

/*
 * A reader through the page cache sees what the guest wrote, including
 * while the device has that range cached: bios bypass the cache, so a
 * block device with cached pages takes the file's O_DIRECT path.
 */
TEST_F(integ, buffered_reader_sees_writes)
{
	const unsigned int n = 16;
	uint8_t *before = malloc(n * INT_BLK), *after = malloc(n * INT_BLK);
	struct be_req *r = be_get(&self->e, 0);
	unsigned int i, round;
	int rfd;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	ASSERT_NE(NULL, r);
	rfd = open(self->path, O_RDONLY);
	ASSERT_LE(0, rfd);
	/* round 0 with nothing cached, round 1 with the range cached */
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(n * INT_BLK, pread(rfd, before, n * INT_BLK, 0));
		if (!round)
			ASSERT_EQ(0, posix_fadvise(rfd, 0, 0, POSIX_FADV_DONTNEED));
		for (i = 0; i < n * INT_BLK; i++)
			r->data[i] = before[i] ^ (0x5a + round) ^ (i >> 9);
		memcpy(after, r->data, n * INT_BLK);
		ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, 0, NULL, n * INT_BLK, 0));
		ASSERT_EQ(n * INT_BLK, pread(rfd, before, n * INT_BLK, 0));
		ASSERT_EQ(0, memcmp(before, after, n * INT_BLK))
		TH_LOG("round %u: a buffered read missed the guest's write", round);
	}
	close(rfd);
	free(before);
	free(after);
}

/* One read or write of @len bytes at @buf (guest memory) on queue 0; its status. */
static int big_io(struct blk_env *e, uint32_t type, uint64_t sector, uint8_t *buf, uint32_t len)
{
	struct be_req *r = be_get(e, 0), *got;
	struct iovec out[2] = { { &r->hdr, sizeof(r->hdr) } }, in[2];
	unsigned int nout = 1, nin = 0, i;

	r->hdr.type = type;
	r->hdr.ioprio = 0;
	r->hdr.sector = sector;
	r->status = 0xff;
	if (type == VIRTIO_BLK_T_OUT)
		out[nout++] = (struct iovec){ buf, len };
	else
		in[nin++] = (struct iovec){ buf, len };
	in[nin++] = (struct iovec){ &r->status, 1 };
	if (vdrv_add(&e->d.ring[0], out, nout, in, nin, false, r) < 0)
		return -1;
	r->busy = true;
	be_kick(e, 0);
	for (i = 0; i < 100; i++) {
		got = be_reap(e, 0);
		if (got == r)
			return r->status;
		if (!got)
			be_wait(e, 100);
	}
	return -1;
}

/*
 * Requests of several MiB: more than one bio each on the bio path (256
 * pages a bio). Then a read whose second MiB is read-only guest memory:
 * the first bio goes, the second cannot pin its pages; IOERR once the
 * first is done, and the ring goes on.
 */
TEST_F(integ, large_requests)
{
	const uint32_t len = 4 << 20, half = 1 << 20;
	uint8_t *buf = vdrv_alloc(&self->e.d, len, 4096);
	uint8_t *want = malloc(len);
	unsigned int i;
	int rfd;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	for (i = 0; i < len; i++)
		want[i] = (uint8_t)(i * 7 + (i >> 12));
	memcpy(buf, want, len);
	ASSERT_EQ(S_OK, big_io(&self->e, VIRTIO_BLK_T_OUT, 2048, buf, len));
	memset(buf, 0, len);
	ASSERT_EQ(S_OK, big_io(&self->e, VIRTIO_BLK_T_IN, 2048, buf, len));
	ASSERT_EQ(0, memcmp(buf, want, len));

	ASSERT_EQ(0, mprotect(buf + half, half, PROT_READ));
	EXPECT_EQ(S_IOERR, big_io(&self->e, VIRTIO_BLK_T_IN, 2048, buf, 2 * half));
	ASSERT_EQ(0, mprotect(buf + half, half, PROT_READ | PROT_WRITE));
	ASSERT_EQ(S_OK, big_io(&self->e, VIRTIO_BLK_T_IN, 2048, buf, len));
	ASSERT_EQ(0, memcmp(buf, want, len));

	/* and on the back end (this caches it, so it comes last) */
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0));
	rfd = open(self->path, O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(len, pread(rfd, want, len, 2048 * 512));
	close(rfd);
	ASSERT_EQ(0, memcmp(buf, want, len));
	free(want);
}

/*
 * Buffers at odd addresses: O_DIRECT back ends get them through bounce
 * pages, buffered ones as they are; the data lands and comes back alike.
 */
TEST_F(integ, unaligned_buffers)
{
	const uint32_t len = 64 << 10;
	uint8_t *mem = vdrv_alloc(&self->e.d, 2 * len + 8192, 4096);
	uint8_t *src = mem + 1, *dst = mem + len + 4096 + 7;
	uint8_t *check = malloc(len);
	unsigned int i;

	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, check);
	for (i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 31 + (i >> 9));
	ASSERT_EQ(S_OK, big_io(&self->e, VIRTIO_BLK_T_OUT, 4096, src, len));
	ASSERT_EQ(S_OK, big_io(&self->e, VIRTIO_BLK_T_IN, 4096, dst, len));
	ASSERT_EQ(0, memcmp(src, dst, len));
	/* and through an aligned buffer */
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 4096, check, len, 0));
	ASSERT_EQ(0, memcmp(src, check, len));
	free(check);
}

/*
 * A discard reaches the back end: a file's range becomes a hole, and so
 * does a loop device's, through the device's own fallocate (vfs_fallocate()
 * refuses the mode that makes a block device discard rather than zero).
 */
TEST_F(integ, discard_reaches_the_back_end)
{
	const uint32_t len = BE_MAX_IO;
	uint8_t buf[BE_MAX_IO];
	unsigned int i;

	if (variant->kind == K_BRD)
		SKIP(return, "brd cannot discard in Linux 6.1: the hint is dropped");
	memset(buf, 0x3c, len);
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, 8192, buf, len, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_DISCARD, 8192, NULL, len, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 8192, buf, len, 0));
	for (i = 0; i < len; i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %u of the discarded range", i);
}

/*
 * A block device made read-only after it was opened (BLKROSET) takes no
 * more writes or discards, on bios as through the file; reads go on.
 */
TEST_F(integ, device_made_read_only)
{
	uint8_t buf[4096];
	int ro = 1, out, discard, in;

	if (variant->kind != K_BRD && variant->kind != K_LOOP)
		SKIP(return, "the back end is a file");
	memset(buf, 0x4d, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, BLKROSET, &ro));
	out = be_sync(&self->e, VIRTIO_BLK_T_OUT, 128, buf, sizeof(buf), 0);
	discard = be_sync(&self->e, VIRTIO_BLK_T_DISCARD, 128, NULL, sizeof(buf), 0);
	in = be_sync(&self->e, VIRTIO_BLK_T_IN, 128, buf, sizeof(buf), 0);
	ro = 0;
	ASSERT_EQ(0, ioctl(self->fd, BLKROSET, &ro));
	EXPECT_EQ(S_IOERR, out);
	EXPECT_EQ(S_IOERR, discard);
	ASSERT_EQ(S_OK, in);
	ASSERT_EQ(0, memcmp(buf, self->t.shadow + 128 * 512, sizeof(buf)));
	/* and writable again */
	memset(buf, 0x4d, sizeof(buf));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, 128, buf, sizeof(buf), 0));
}

/*
 * A write to a file on a frozen file system waits for the thaw (as
 * fs/aio.c's does), then lands.
 */
TEST_F(integ, write_waits_for_a_frozen_file_system)
{
	struct be_req *r, *got = NULL;
	bool done_frozen;
	uint8_t buf[4096];
	int i, rfd;

	if (variant->kind != K_EXT4)
		SKIP(return, "the back end is not a file on ext4");
	r = be_get(&self->e, 0);
	ASSERT_NE(NULL, r);
	memset(r->data, 0x6b, 4096);
	ASSERT_EQ(0, system("fsfreeze -f /tmp/vmon-ext4"));
	ASSERT_EQ(0, be_post(&self->e, r, VIRTIO_BLK_T_OUT, 64, 4096, 0));
	be_kick(&self->e, 0);
	usleep(300000);
	done_frozen = be_reap(&self->e, 0) != NULL;
	ASSERT_EQ(0, system("fsfreeze -u /tmp/vmon-ext4"));
	EXPECT_FALSE(done_frozen);
	for (i = 0; i < 300 && !done_frozen && !(got = be_reap(&self->e, 0)); i++)
		be_wait(&self->e, 10);
	ASSERT_EQ(r, got);
	ASSERT_EQ(S_OK, r->status);
	rfd = open(self->path, O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(rfd, buf, sizeof(buf), 64 * 512));
	close(rfd);
	ASSERT_EQ(0x6b, buf[0]);
	ASSERT_EQ(0x6b, buf[4095]);
}

TEST_HARNESS_MAIN
