// SPDX-License-Identifier: GPL-2.0
/*
 * Ring workers of the vring engine (VHOST_NEW_WORKER, VHOST_FREE_WORKER,
 * VHOST_ATTACH_VRING_WORKER, VHOST_GET_VRING_WORKER), on both devices that
 * stand on it: ids, errors, the threads themselves, and the rule that a
 * ring changes worker only before its back end is set.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/vmon.h>

#include "kselftest_harness.h"
#include "../lib/vring_drv.h"

/*
 * Is task @pid on its way out (PF_EXITING in /proc/PID/stat's flags)? A
 * worker that kthread_stop() ended has it set before kthread_stop()
 * returns, but stays in /proc until it is reaped, a moment later.
 */
static bool exiting(const char *pid)
{
	char path[300], buf[1024], *p;
	unsigned long flags;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true; /* gone already */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* after the comm: state ppid pgrp session tty_nr tpgid flags */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return flags & 0x4; /* PF_EXITING */
}

/* The kthreads named vmon-<our pid> that live: the workers of our devices. */
static int count_workers(void)
{
	char want[32], path[300], comm[64];
	struct dirent *de;
	int n = 0;
	DIR *d;
	FILE *f;

	snprintf(want, sizeof(want), "vmon-%d\n", getpid());
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want) && !exiting(de->d_name))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static int new_worker(int fd)
{
	struct vhost_worker_state ws = { .worker_id = ~0U };

	return ioctl(fd, VHOST_NEW_WORKER, &ws) ? -errno : (int)ws.worker_id;
}

static int free_worker(int fd, unsigned int id)
{
	struct vhost_worker_state ws = { .worker_id = id };

	return ioctl(fd, VHOST_FREE_WORKER, &ws) ? -errno : 0;
}

static int attach(int fd, unsigned int ring, unsigned int id)
{
	struct vhost_vring_worker vw = { .index = ring, .worker_id = id };

	return ioctl(fd, VHOST_ATTACH_VRING_WORKER, &vw) ? -errno : 0;
}

static int get_worker(int fd, unsigned int ring)
{
	struct vhost_vring_worker vw = { .index = ring, .worker_id = ~0U };

	return ioctl(fd, VHOST_GET_VRING_WORKER, &vw) ? -errno : (int)vw.worker_id;
}

FIXTURE(worker)
{
	struct vdrv d;
};

FIXTURE_VARIANT(worker)
{
	const char *dev;
	unsigned int nrings;
};

FIXTURE_VARIANT_ADD(worker, net){
	.dev = "/dev/vmon-net",
	.nrings = 2,
};

FIXTURE_VARIANT_ADD(worker, blk){
	.dev = "/dev/vmon-blk",
	.nrings = VMON_BLK_MAX_QUEUES,
};

FIXTURE_SETUP(worker)
{
	ASSERT_EQ(0, system("modprobe vmon"));
	ASSERT_EQ(0, vdrv_open(&self->d, variant->dev, 1 << 20));
}

FIXTURE_TEARDOWN(worker)
{
	vdrv_close(&self->d);
}

TEST_F(worker, owner_only)
{
	int fd = open(variant->dev, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, new_worker(fd));
	EXPECT_EQ(-EPERM, get_worker(fd, 0));
	close(fd);
}

TEST_F(worker, every_ring_starts_on_worker_0)
{
	unsigned int i;

	for (i = 0; i < variant->nrings; i++)
		EXPECT_EQ(0, get_worker(self->d.fd, i));
	EXPECT_EQ(1, count_workers());
}

TEST_F(worker, new_attach_free)
{
	int id = new_worker(self->d.fd);

	ASSERT_LT(0, id);
	EXPECT_EQ(2, count_workers());
	ASSERT_EQ(0, attach(self->d.fd, 1, id));
	EXPECT_EQ(id, get_worker(self->d.fd, 1));
	EXPECT_EQ(0, get_worker(self->d.fd, 0));
	/* in use: stays */
	EXPECT_EQ(-EBUSY, free_worker(self->d.fd, id));
	/* worker 0 now serves only ring 0, and cannot go either */
	EXPECT_EQ(-EBUSY, free_worker(self->d.fd, 0));
	ASSERT_EQ(0, attach(self->d.fd, 1, 0));
	EXPECT_EQ(0, free_worker(self->d.fd, id));
	EXPECT_EQ(1, count_workers());
	EXPECT_EQ(-ENODEV, free_worker(self->d.fd, id));
	EXPECT_EQ(-ENODEV, attach(self->d.fd, 1, id));
}

TEST_F(worker, bad_arguments)
{
	EXPECT_EQ(-ENOBUFS, attach(self->d.fd, variant->nrings, 0));
	EXPECT_EQ(-ENOBUFS, attach(self->d.fd, ~0U, 0));
	EXPECT_EQ(-ENOBUFS, get_worker(self->d.fd, variant->nrings));
	EXPECT_EQ(-ENODEV, attach(self->d.fd, 0, 77));
	EXPECT_EQ(-ENODEV, free_worker(self->d.fd, ~0U));
	EXPECT_EQ(-EFAULT, ioctl(self->d.fd, VHOST_NEW_WORKER, NULL) ? -errno : 0);
	/* a failed NEW_WORKER leaves no thread behind */
	EXPECT_EQ(1, count_workers());
}

TEST_F(worker, limit)
{
	int i, id, made = 0;

	for (i = 0; i < 100; i++) {
		id = new_worker(self->d.fd);
		if (id < 0) {
			EXPECT_EQ(-ENOSPC, id);
			break;
		}
		made++;
	}
	/* 64 in all, worker 0 included */
	EXPECT_EQ(63, made);
	EXPECT_EQ(64, count_workers());
}

/* Closing the device stops every worker, attached or not. */
TEST_F(worker, release_stops_all)
{
	int i, id;

	ASSERT_LT(0, new_worker(self->d.fd));
	id = new_worker(self->d.fd);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, attach(self->d.fd, 1, id));
	EXPECT_EQ(3, count_workers());
	vdrv_close(&self->d);
	for (i = 0; i < 50 && count_workers(); i++)
		usleep(20000);
	EXPECT_EQ(0, count_workers());
	/* the teardown closes again: give it a device to close */
	ASSERT_EQ(0, vdrv_open(&self->d, variant->dev, 1 << 20));
}

/* A blk ring with a back end is active: its worker cannot change. */
TEST(blk_ring_not_while_active)
{
	struct vdrv d;
	char path[] = "/tmp/vmon-worker-XXXXXX";
	struct vmon_blk_backend b = { .index = 0 };
	int id, fd;

	ASSERT_EQ(0, system("modprobe vmon"));
	ASSERT_EQ(0, vdrv_open(&d, "/dev/vmon-blk", 1 << 20));
	id = new_worker(d.fd);
	ASSERT_LT(0, id);
	ASSERT_EQ(0, vdrv_set_features(&d, 1ULL << VIRTIO_F_VERSION_1));
	ASSERT_EQ(0, vdrv_ring_setup(&d, 0, 64));
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	b.fd = fd;
	ASSERT_EQ(0, ioctl(d.fd, VMON_BLK_SET_BACKEND, &b));
	EXPECT_EQ(-EBUSY, attach(d.fd, 0, id));
	EXPECT_EQ(0, get_worker(d.fd, 0));
	/* detached, it may move */
	b.fd = -1;
	ASSERT_EQ(0, ioctl(d.fd, VMON_BLK_SET_BACKEND, &b));
	EXPECT_EQ(0, attach(d.fd, 0, id));
	EXPECT_EQ(id, get_worker(d.fd, 0));
	close(fd);
	vdrv_close(&d);
}

/*
 * Hardening item 6: the busy-poll time of a ring is bounded. An absurd
 * VHOST_SET_VRING_BUSYLOOP_TIMEOUT is clamped to VMON_BUSYLOOP_MAX_US and
 * VHOST_GET_VRING_BUSYLOOP_TIMEOUT reports what is in force; sane values
 * are kept as given. Before, any u32 of microseconds (71 minutes) was kept.
 */
#define VMON_BUSYLOOP_MAX_US 10000

TEST_F(worker, busyloop_timeout_bounded)
{
	struct vhost_vring_state s = { .index = 0, .num = 50 };

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	s.num = ~0U;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s));
	EXPECT_EQ(50U, s.num);
	s.num = ~0U;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	s.num = 0;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s));
	EXPECT_EQ(VMON_BUSYLOOP_MAX_US, (int)s.num);
	s.num = VMON_BUSYLOOP_MAX_US + 1;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s));
	EXPECT_EQ(VMON_BUSYLOOP_MAX_US, (int)s.num);
}

TEST_HARNESS_MAIN
