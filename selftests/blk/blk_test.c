// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk: the request semantics on a small file, and the owner
 * exiting with I/O in flight. Runs as root inside the test VM; integrity
 * and throttling are in integ_test.c and throttle_test.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "blk_env.h"

#define SMALL_FILE "/tmp/vmon-blk-small.img"
#define SMALL_MIB 1

/* ---- request semantics on a small buffered file ----------------------- */

FIXTURE(req)
{
	struct blk_env e;
	int fd;
	uint8_t buf[BE_MAX_IO];
};

FIXTURE_SETUP(req)
{
	be_load_module();
	self->fd = be_make_file(SMALL_FILE, SMALL_MIB, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, be_setup(&self->e, 1, 8, BE_FEATURES));
	ASSERT_EQ(0, be_backend(&self->e, self->fd));
}

FIXTURE_TEARDOWN(req)
{
	be_teardown(&self->e);
	close(self->fd);
	unlink(SMALL_FILE);
}

TEST_F(req, features_offered)
{
	uint64_t f;

	ASSERT_EQ(0, ioctl(self->e.d.fd, VHOST_GET_FEATURES, &f));
	EXPECT_EQ(BE_FEATURES | (1ULL << VIRTIO_BLK_F_RO),
		  f & (BE_FEATURES | (1ULL << VIRTIO_BLK_F_RO)));
	/* dirty logging for live migration, as vhost devices offer */
	EXPECT_NE(0ULL, f & (1ULL << VHOST_F_LOG_ALL));
	f = 1ULL << 40;
	EXPECT_EQ(-1, ioctl(self->e.d.fd, VHOST_SET_FEATURES, &f));
}

TEST_F(req, config)
{
	struct vmon_blk_config c = {};

	ASSERT_EQ(0, ioctl(self->e.d.fd, VMON_BLK_GET_CONFIG, &c));
	EXPECT_EQ((uint64_t)SMALL_MIB << 11, c.capacity);
	EXPECT_EQ(512U, c.blk_size);
	EXPECT_EQ(126U, c.seg_max);
	EXPECT_EQ(1U, c.num_queues);
	c.blk_size = 1000;
	EXPECT_EQ(-1, ioctl(self->e.d.fd, VMON_BLK_SET_CONFIG, &c));
	EXPECT_EQ(EINVAL, errno);
	c.blk_size = 4096;
	c.num_queues = VMON_BLK_MAX_QUEUES + 1;
	EXPECT_EQ(-1, ioctl(self->e.d.fd, VMON_BLK_SET_CONFIG, &c));
	c.num_queues = 4;
	c.flags = 0x80;
	EXPECT_EQ(-1, ioctl(self->e.d.fd, VMON_BLK_SET_CONFIG, &c));
	c.flags = 0;
	c.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->e.d.fd, VMON_BLK_SET_CONFIG, &c));
	c.reserved[1] = 0;
	EXPECT_EQ(0, ioctl(self->e.d.fd, VMON_BLK_SET_CONFIG, &c));
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(0, ioctl(self->e.d.fd, VMON_BLK_GET_CONFIG, &c));
	EXPECT_EQ(4096U, c.blk_size);
	EXPECT_EQ(4U, c.num_queues);
}

TEST_F(req, write_read_flush)
{
	uint8_t in[8192];
	unsigned int i;

	for (i = 0; i < 8192; i++)
		self->buf[i] = i * 7 + 3;
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, 10, self->buf, 8192, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 10, in, 8192, 0));
	ASSERT_EQ(0, memcmp(in, self->buf, 8192));
	/* and it is in the file */
	ASSERT_EQ(8192, pread(self->fd, in, 8192, 10 * 512));
	ASSERT_EQ(0, memcmp(in, self->buf, 8192));
}

TEST_F(req, get_id)
{
	struct vmon_blk_config c = {};
	char id[VMON_BLK_ID_BYTES];

	ASSERT_EQ(0, ioctl(self->e.d.fd, VMON_BLK_GET_CONFIG, &c));
	memcpy(c.id, "vmon-serial-0123456789", VMON_BLK_ID_BYTES);
	ASSERT_EQ(0, be_config(&self->e, &c));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_GET_ID, 0, id, VMON_BLK_ID_BYTES, 0));
	ASSERT_EQ(0, memcmp(id, "vmon-serial-01234567", VMON_BLK_ID_BYTES));
}

TEST_F(req, unknown_type_unsupported)
{
	ASSERT_EQ(S_UNSUPP, be_sync(&self->e, 0x77, 0, NULL, 0, 0));
	ASSERT_EQ(S_UNSUPP, be_sync(&self->e, VIRTIO_BLK_T_DISCARD, 0, NULL, 4096,
				    VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP));
	/* the queue goes on */
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 0, self->buf, 512, 0));
}

TEST_F(req, past_end_and_overflow)
{
	uint64_t cap = SMALL_MIB << 11;
	struct stat st;

	memset(self->buf, 0xa5, sizeof(self->buf));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_OUT, cap - 1, self->buf, 1024, 0));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_IN, cap, self->buf, 512, 0));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_OUT, ~0ULL - 3, self->buf, 4096, 0));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_OUT, 1ULL << 55, self->buf, 4096, 0));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_WRITE_ZEROES, ~0ULL - 1, NULL, 4096, 0));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_DISCARD, cap - 4, NULL, 4096, 0));
	/* a length not in sectors */
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_OUT, 0, self->buf, 100, 0));
	/* the last sector is fine */
	EXPECT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, cap - 1, self->buf, 512, 0));
	/* nothing was written beyond it */
	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_EQ(SMALL_MIB << 20, st.st_size);
}

TEST_F(req, read_only)
{
	struct vmon_blk_config c = { .flags = VMON_BLK_CFG_RO };
	int ro;

	memset(self->buf, 0x5a, 4096);
	ASSERT_EQ(0, be_config(&self->e, &c));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_OUT, 0, self->buf, 4096, 0));
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 4096, 0));
	EXPECT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 0, self->buf, 4096, 0));
	EXPECT_EQ(0, self->buf[0]);

	/* a back end opened read-only makes a read-only disk */
	c.flags = 0;
	ASSERT_EQ(0, be_config(&self->e, &c));
	ro = open(SMALL_FILE, O_RDONLY);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, be_backend(&self->e, ro));
	memset(self->buf, 0x5a, 4096);
	EXPECT_EQ(S_IOERR, be_sync(&self->e, VIRTIO_BLK_T_OUT, 0, self->buf, 4096, 0));
	EXPECT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 0, self->buf, 4096, 0));
	EXPECT_EQ(0, self->buf[0]);
	close(ro);
}

TEST_F(req, write_zeroes_and_discard)
{
	uint8_t in[8192];

	memset(self->buf, 0x77, 8192);
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, 0, self->buf, 8192, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 4096, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_WRITE_ZEROES, 8, NULL, 2048,
				VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 0, in, 8192, 0));
	ASSERT_EQ(0, memcmp(in, (uint8_t[8192]){ 0 }, 6144));
	ASSERT_EQ(0x77, in[6144]);
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_DISCARD, 12, NULL, 2048, 0));
	/* discard with the unmap flag is not a thing */
	ASSERT_EQ(S_UNSUPP, be_sync(&self->e, VIRTIO_BLK_T_DISCARD, 12, NULL, 2048,
				    VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP));
	ASSERT_EQ(S_UNSUPP, be_sync(&self->e, VIRTIO_BLK_T_WRITE_ZEROES, 12, NULL, 2048, 0x10));
}

TEST_F(req, not_negotiated)
{
	struct blk_env e2;

	ASSERT_EQ(0, be_setup(&e2, 1, 4,
			      BE_FEATURES & ~((1ULL << VIRTIO_BLK_F_DISCARD) |
					      (1ULL << VIRTIO_BLK_F_WRITE_ZEROES))));
	ASSERT_EQ(0, be_backend(&e2, self->fd));
	EXPECT_EQ(S_UNSUPP, be_sync(&e2, VIRTIO_BLK_T_DISCARD, 0, NULL, 4096, 0));
	EXPECT_EQ(S_UNSUPP, be_sync(&e2, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 4096, 0));
	be_teardown(&e2);
}

TEST_F(req, detach_and_reattach)
{
	struct be_req *r;

	ASSERT_EQ(0, be_backend(&self->e, -1));
	r = be_get(&self->e, 0);
	ASSERT_EQ(0, be_post(&self->e, r, VIRTIO_BLK_T_IN, 0, 512, 0));
	vdrv_kick(&self->e.d.ring[0], true);
	usleep(100000);
	ASSERT_EQ(NULL, be_reap(&self->e, 0));
	/* a non-file back end is refused */
	EXPECT_EQ(-EINVAL, be_backend(&self->e, self->e.d.ring[0].kick_fd));
	ASSERT_EQ(0, be_backend(&self->e, self->fd));
	ASSERT_EQ(1, be_wait(&self->e, 3000));
	ASSERT_EQ(r, be_reap(&self->e, 0));
	ASSERT_EQ(S_OK, r->status);
}

TEST_F(req, stats)
{
	struct vmon_blk_stats s0, s1;

	ASSERT_EQ(0, ioctl(self->e.d.fd, VMON_BLK_GET_STATS, &s0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_OUT, 0, self->buf, 4096, 0));
	ASSERT_EQ(S_OK, be_sync(&self->e, VIRTIO_BLK_T_IN, 0, self->buf, 1024, 0));
	ASSERT_EQ(S_UNSUPP, be_sync(&self->e, 99, 0, NULL, 0, 0));
	ASSERT_EQ(0, ioctl(self->e.d.fd, VMON_BLK_GET_STATS, &s1));
	EXPECT_EQ(3ULL, s1.ops - s0.ops);
	EXPECT_EQ(4096ULL, s1.write_bytes - s0.write_bytes);
	EXPECT_EQ(1024ULL, s1.read_bytes - s0.read_bytes);
	EXPECT_EQ(1ULL, s1.errors - s0.errors);
	EXPECT_EQ(0U, s1.inflight);
}

/* ---- GET_VRING_BASE with requests in flight ------------------------------ */

/*
 * A VMM that stops a ring to save it (VHOST_GET_VRING_BASE) with the back
 * end still attached must find every request below the base it gets
 * posted in the used ring, or the guest waits for them forever after a
 * restore. A slow back end, null_blk completing after 300 ms, has them all
 * in flight at that moment. The ring restarted at that base serves what
 * the guest posted meanwhile.
 */
TEST(get_vring_base_posts_requests_in_flight)
{
	struct vhost_vring_state base = { .index = 0 };
	struct vmon_blk_stats st = { 0 }, st0;
	struct be_req *r[8], *late;
	struct vdrv_ring *ring;
	struct blk_env e;
	unsigned int i;
	uint64_t t0;
	int fd;

	be_load_module();
	ASSERT_EQ(0, system("modprobe -r null_blk 2>/dev/null; modprobe null_blk nr_devices=1 "
			    "irqmode=2 completion_nsec=300000000"));
	fd = open("/dev/nullb0", O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, be_setup(&e, 1, 16, BE_FEATURES));
	ASSERT_EQ(0, be_backend(&e, fd));
	ring = &e.d.ring[0];
	ASSERT_EQ(0, be_stats(&e, &st0));
	for (i = 0; i < 8; i++) {
		r[i] = be_get(&e, 0);
		ASSERT_NE(NULL, r[i]);
		ASSERT_EQ(0, be_post(&e, r[i], i % 2 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, i * 8,
				     4096, 0));
		r[i]->status = 0xff;
	}
	be_kick(&e, 0);
	t0 = be_now_ns();
	while (!be_stats(&e, &st) && st.inflight < 8 && be_now_ns() < t0 + 2000000000ULL)
		usleep(1000);
	ASSERT_EQ(8U, st.inflight) TH_LOG("the device did not take the requests");

	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_GET_VRING_BASE, &base));
	EXPECT_EQ(8U, base.num);
	EXPECT_EQ(8, __atomic_load_n(&ring->used->idx, __ATOMIC_ACQUIRE))
	TH_LOG("GET_VRING_BASE returned with requests not posted");
	for (i = 0; i < 8; i++)
		EXPECT_EQ(S_OK, r[i]->status) TH_LOG("request %u", i);
	ASSERT_EQ(0, be_stats(&e, &st));
	EXPECT_EQ(0U, st.inflight);
	/* each took the back end's 300 ms, counted from before its submission */
	EXPECT_EQ(8ULL, st.ops - st0.ops);
	EXPECT_LE(8 * 300000000ULL, st.latency_ns - st0.latency_ns);
	EXPECT_GT(8 * 2000000000ULL, st.latency_ns - st0.latency_ns);

	/* stopped: a request posted now waits for the restart */
	late = be_get(&e, 0);
	ASSERT_NE(NULL, late);
	ASSERT_EQ(0, be_post(&e, late, VIRTIO_BLK_T_IN, 0, 4096, 0));
	vdrv_kick(ring, true);
	usleep(100000);
	EXPECT_EQ(8, __atomic_load_n(&ring->used->idx, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, be_backend(&e, -1));
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_VRING_BASE, &base));
	ASSERT_EQ(0, be_backend(&e, fd));
	for (i = 0; i < 9; i++) {
		struct be_req *done = NULL;

		t0 = be_now_ns();
		while (!(done = be_reap(&e, 0)) && be_now_ns() < t0 + 3000000000ULL)
			be_wait(&e, 100);
		ASSERT_NE(NULL, done) TH_LOG("completion %u of 9 missing", i + 1);
		EXPECT_EQ(S_OK, done->status);
	}
	be_teardown(&e);
	close(fd);
	EXPECT_EQ(0, system("modprobe -r null_blk"));
}

/* ---- a stuck back end (hardening item 9) --------------------------------- */

static int detach_fn(void *arg)
{
	struct vmon_blk_backend b = { .index = 0, .fd = -1 };

	_exit(ioctl(*(int *)arg, VMON_BLK_SET_BACKEND, &b) ? 1 : 0);
}

static int get_config_fn(void *arg)
{
	struct vmon_blk_config c;

	_exit(ioctl(*(int *)arg, VMON_BLK_GET_CONFIG, &c) ? 1 : 0);
}

/* The state letter of process @pid, from /proc/PID/stat; 0 when gone. */
static char proc_state(pid_t pid)
{
	char path[64], comm[64], st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%*d (%63[^)]) %c", comm, &st) != 2)
		st = 0;
	fclose(f);
	return st;
}

static int wait_child(pid_t pid, int secs);

/*
 * Start @fn(&fd) in a child that shares our mm, and wait up to 3 s for it to
 * sleep in the kernel ('D'). Return its pid, or -1 if it did not.
 */
static pid_t clone_until_asleep(int (*fn)(void *), char *stack, size_t size, int *fd)
{
	uint64_t t0 = be_now_ns();
	pid_t pid = clone(fn, stack + size, CLONE_VM | SIGCHLD, fd);

	if (pid < 0)
		return -1;
	while (proc_state(pid) != 'D' && be_now_ns() < t0 + 3000000000ULL)
		usleep(10000);
	if (proc_state(pid) == 'D')
		return pid;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/*
 * Hardening item 9: a process detaching a back end waits for the request in
 * flight, 10 s on this dm-delay disk; SIGKILL ends that wait at once instead of
 * leaving it in D state until the request ends. The detacher shares the
 * owner's mm (it must, to drive the device) but not its fd, so the device
 * lives on: the request still completes and is posted, and the next
 * SET_BACKEND finds the queue idle.
 */
TEST(detach_waiting_for_a_stuck_request_is_killable)
{
	const size_t stack_size = 1 << 16;
	struct be_req *r, *done = NULL;
	struct vmon_blk_stats st = { 0 };
	struct blk_env e;
	char *stack, *stack2;
	uint64_t t0;
	pid_t pid, pid2;
	int fd;

	be_load_module();
	ASSERT_EQ(0, be_slow_disk(10000));
	fd = open(BE_SLOW_DISK, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, be_setup(&e, 1, 4, BE_FEATURES));
	ASSERT_EQ(0, be_backend(&e, fd));
	r = be_get(&e, 0);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, be_post(&e, r, VIRTIO_BLK_T_IN, 0, 4096, 0));
	be_kick(&e, 0);
	t0 = be_now_ns();
	while ((be_stats(&e, &st) || !st.inflight) && be_now_ns() < t0 + 2000000000ULL)
		usleep(10000);
	ASSERT_EQ(1U, st.inflight);
	stack = malloc(stack_size);
	ASSERT_NE(NULL, stack);
	pid = clone_until_asleep(detach_fn, stack, stack_size, &e.d.fd);
	ASSERT_LE(0, pid) TH_LOG("the detacher is not waiting");
	/*
	 * A second caller waits for the device mutex the detacher holds: that
	 * wait ends on SIGKILL too (it was mutex_lock(), which held the caller
	 * until the request ended).
	 */
	stack2 = malloc(stack_size);
	ASSERT_NE(NULL, stack2);
	pid2 = clone_until_asleep(get_config_fn, stack2, stack_size, &e.d.fd);
	ASSERT_LE(0, pid2) TH_LOG("the second caller is not waiting");
	ASSERT_EQ(0, kill(pid2, SIGKILL));
	EXPECT_NE(-2, wait_child(pid2, 3))
	TH_LOG("a caller waiting for the mutex did not die on SIGKILL");
	free(stack2);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_NE(-2, wait_child(pid, 3)) TH_LOG("the detacher did not die on SIGKILL");
	/* the request ends in its time and is posted all the same */
	t0 = be_now_ns();
	while (!(done = be_reap(&e, 0)) && be_now_ns() < t0 + 15000000000ULL)
		be_wait(&e, 100);
	ASSERT_EQ(r, done);
	EXPECT_EQ(S_OK, r->status);
	t0 = be_now_ns();
	ASSERT_EQ(0, be_backend(&e, fd));
	EXPECT_GT(t0 + 2000000000ULL, be_now_ns());
	be_teardown(&e);
	close(fd);
	free(stack);
	be_slow_disk_free();
}

/* ---- dirty logging (VHOST_F_LOG_ALL) -------------------------------------- */

static bool dirty(uint64_t base, const void *p)
{
	uint64_t pfn = (uintptr_t)p >> 12;

	return ((uint8_t *)(uintptr_t)base)[pfn / 8] & (1 << (pfn % 8));
}

TEST(dirty_log)
{
	uint64_t base, f, len, evs;
	struct blk_env e;
	uint8_t *bitmap;
	size_t size;
	int fd, logfd;

	be_load_module();
	fd = be_make_file(SMALL_FILE, SMALL_MIB, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, be_setup(&e, 1, 8, BE_FEATURES));
	/* logging without a log is refused */
	f = BE_FEATURES | (1ULL << VHOST_F_LOG_ALL);
	ASSERT_EQ(-1, ioctl(e.d.fd, VHOST_SET_FEATURES, &f));
	ASSERT_EQ(EFAULT, errno);
	/* the arena is identity-mapped: a bitmap covering its guest range */
	size = (((uintptr_t)e.d.mem + BE_ARENA) >> 12) / 8 + 8 - ((uintptr_t)e.d.mem >> 12) / 8;
	bitmap = calloc(1, size);
	ASSERT_NE(NULL, bitmap);
	base = (uintptr_t)bitmap - ((uintptr_t)e.d.mem >> 12) / 8;
	logfd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, logfd);
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_LOG_BASE, &base));
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_LOG_FD, &logfd));
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_GET_FEATURES, &f));
	ASSERT_NE(0ULL, f & (1ULL << VHOST_F_LOG_ALL));
	f = BE_FEATURES | (1ULL << VHOST_F_LOG_ALL);
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_FEATURES, &f));
	ASSERT_EQ(0, be_backend(&e, fd));

	/* a read writes its data and status: both pages dirty */
	len = 8192;
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_IN, 0, NULL, len, 0));
	EXPECT_TRUE(dirty(base, e.reqs[0].data));
	EXPECT_TRUE(dirty(base, e.reqs[0].data + len - 1));
	EXPECT_TRUE(dirty(base, &e.reqs[0].status));
	/* a page nobody wrote is clean */
	EXPECT_FALSE(dirty(base, (uint8_t *)e.d.mem + BE_ARENA - 4096));
	EXPECT_LT(0, read(logfd, &evs, sizeof(evs)));

	/* a write only reads its data: only the status page turns dirty */
	memset(bitmap, 0, size);
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_OUT, 0, NULL, len, 0));
	EXPECT_FALSE(dirty(base, e.reqs[0].data + 4096));
	EXPECT_TRUE(dirty(base, &e.reqs[0].status));

	/* a failed request still wrote its status */
	memset(bitmap, 0, size);
	ASSERT_EQ(S_IOERR, be_sync(&e, VIRTIO_BLK_T_IN, (SMALL_MIB << 11) + 8, NULL, 512, 0));
	EXPECT_TRUE(dirty(base, &e.reqs[0].status));

	/*
	 * Hardening item 5: only what the device wrote is marked. A read that
	 * failed wrote none of its 64 KiB of data, GET_ID only its first 20
	 * bytes; a read of 64 KiB all 16 of its pages, and not the pages
	 * around them.
	 */
	memset(bitmap, 0, size);
	ASSERT_EQ(S_IOERR, be_sync(&e, VIRTIO_BLK_T_IN, (SMALL_MIB << 11) + 8, NULL, BE_MAX_IO, 0));
	EXPECT_TRUE(dirty(base, &e.reqs[0].status));
	for (f = 0; f < BE_MAX_IO; f += 4096) {
		EXPECT_FALSE(dirty(base, e.reqs[0].data + f));
	}
	memset(bitmap, 0, size);
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_GET_ID, 0, NULL, 8192, 0));
	EXPECT_TRUE(dirty(base, e.reqs[0].data));
	EXPECT_FALSE(dirty(base, e.reqs[0].data + 4096));
	memset(bitmap, 0, size);
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_IN, 0, NULL, BE_MAX_IO, 0));
	for (f = 0; f < BE_MAX_IO; f += 4096) {
		EXPECT_TRUE(dirty(base, e.reqs[0].data + f));
	}
	/* the next request's data, that nobody wrote */
	EXPECT_FALSE(dirty(base, e.reqs[0].data + BE_MAX_IO));

	be_teardown(&e);
	close(logfd);
	close(fd);
	unlink(SMALL_FILE);
	free(bitmap);
}

/* ---- the owner exits with I/O in flight ---------------------------------- */

static void exit_child(const char *path, bool direct, bool throttle)
{
	struct vmon_blk_throttle t = { .ops = { .rate = 5, .burst = 1 } };
	struct vmon_blk_stats st;
	struct blk_env e;
	struct be_req *r;
	unsigned int q, i = 0;
	int fd;

	fd = open(path, O_RDWR | (direct ? O_DIRECT : 0));
	if (fd < 0 || be_setup(&e, 2, 64, BE_FEATURES) || be_backend(&e, fd))
		_exit(2);
	/* a block device opened O_DIRECT: the requests go as bios */
	if (direct && (be_stats(&e, &st) || st.bio_queues != 3))
		_exit(4);
	if (throttle && ioctl(e.d.fd, VMON_BLK_SET_THROTTLE, &t))
		_exit(3);
	close(fd);
	for (q = 0; q < 2; q++) {
		while ((r = be_get(&e, q))) {
			uint32_t type = i % 3 ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;

			if (be_post(&e, r, type, (i * 8) % 2048, 4096, 0))
				break;
			i++;
		}
		be_kick(&e, q);
	}
	if (throttle)
		usleep(200000);
	_exit(0);
}

static long slab_kib(void)
{
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld", &val) == 1)
			break;
	if (f)
		fclose(f);
	return val;
}

static int wait_child(pid_t pid, int secs)
{
	int status, i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	return -2;
}

TEST(owner_exits_with_io_in_flight)
{
	long slab0 = 0, slab1;
	unsigned int refs;
	FILE *f;
	pid_t pid;
	int fd, i;

	be_load_module();
	ASSERT_NE(NULL, be_brd(64));
	ASSERT_EQ(0, system("mkdir -p /tmp/vmon-exit && mount -t tmpfs none /tmp/vmon-exit"));
	fd = be_make_file("/tmp/vmon-exit/disk.img", 4, O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);

	/* a file back end, requests held by the throttle */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		exit_child("/tmp/vmon-exit/disk.img", false, true);
	ASSERT_EQ(0, wait_child(pid, 20)) TH_LOG("the owner did not exit");
	/* the device closed the file: the file system can go */
	EXPECT_EQ(0, umount("/tmp/vmon-exit")) TH_LOG("umount: %s", strerror(errno));

	/*
	 * A ramdisk, bios in flight, 20 times: a device leaked per exit
	 * (its rings' arrays alone are 640 KiB) shows in the unreclaimable
	 * slab; one warm-up round first.
	 */
	fd = open("/dev/ram0", O_RDONLY);
	ASSERT_LE(0, fd);
	/* bios only while nothing of it is cached */
	ASSERT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	close(fd);
	for (i = 0; i < 21; i++) {
		if (i == 1)
			slab0 = slab_kib();
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			exit_child("/dev/ram0", true, false);
		ASSERT_EQ(0, wait_child(pid, 20)) TH_LOG("the owner did not exit");
	}
	usleep(200000);
	slab1 = slab_kib();
	TH_LOG("20 exits with I/O in flight: SUnreclaim %+ld KiB", slab1 - slab0);
	EXPECT_GT(2048, slab1 - slab0);

	/* nothing holds the module any more */
	f = fopen("/sys/module/vmon/refcnt", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%u", &refs));
	fclose(f);
	EXPECT_EQ(0U, refs);
}

TEST_HARNESS_MAIN
