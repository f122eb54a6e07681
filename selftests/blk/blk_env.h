/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-blk test environment: /dev/vmon-blk driven by the userspace
 * guest driver (selftests/lib/vring_drv), with helpers to post requests,
 * reap them and make back ends (files, brd, loop). Shared by the blk
 * selftests and tools/bench/vmon-blk.
 */
#ifndef VMON_SELFTEST_BLK_ENV_H
#define VMON_SELFTEST_BLK_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>
#include <linux/vmon.h>

#include "../lib/vring_drv.h"

#define BE_RING 256
#define BE_ARENA (64 << 20)
#define BE_MAX_IO (64 << 10)

/* One request's guest memory: header, data, status. */
struct be_req {
	struct virtio_blk_outhdr hdr;
	uint8_t status;
	uint8_t pad[15];
	uint8_t *data; /* BE_MAX_IO bytes, page aligned */
	struct virtio_blk_discard_write_zeroes range;
	uint32_t type;
	uint64_t sector;
	uint32_t len;
	unsigned int q;
	bool busy;
	void *priv;
};

struct blk_env {
	struct vdrv d;
	unsigned int nq;
	unsigned int depth;  /* requests per queue */
	struct be_req *reqs; /* nq * depth, in the arena */
	uint64_t features;
};

/* The features every test negotiates. */
#define BE_FEATURES                                                                                \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |                        \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_BLK_F_FLUSH) |                    \
	 (1ULL << VIRTIO_BLK_F_MQ) | (1ULL << VIRTIO_BLK_F_DISCARD) |                              \
	 (1ULL << VIRTIO_BLK_F_WRITE_ZEROES) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |                    \
	 (1ULL << VIRTIO_BLK_F_BLK_SIZE))

/* Request status bytes, short. */
#define S_OK VIRTIO_BLK_S_OK
#define S_IOERR VIRTIO_BLK_S_IOERR
#define S_UNSUPP VIRTIO_BLK_S_UNSUPP

uint64_t be_now_ns(void);
/* modprobe vmon (a failure shows in the tests that follow). */
void be_load_module(void);
/* A new zero-filled file of @mib MiB at @path, reopened with @flags. */
int be_make_file(const char *path, unsigned int mib, int flags);
/* Open the device, negotiate @features, lay out @nq rings, @depth slots. */
int be_setup(struct blk_env *e, unsigned int nq, unsigned int depth, uint64_t features);
void be_teardown(struct blk_env *e);
/* VMON_BLK_SET_BACKEND of every ring (or of ring @q with be_backend_q). */
int be_backend(struct blk_env *e, int fd);
int be_backend_q(struct blk_env *e, unsigned int q, int fd);
int be_config(struct blk_env *e, const struct vmon_blk_config *c);

/* A free slot of queue @q, or NULL. */
struct be_req *be_get(struct blk_env *e, unsigned int q);
/*
 * Post @r: @type at @sector over @len bytes of r->data (for discard and
 * write-zeroes a single range of @len bytes, @flags in it). No kick.
 */
int be_post(struct blk_env *e, struct be_req *r, uint32_t type, uint64_t sector, uint32_t len,
	    uint32_t flags);
/*
 * Post a discard or write-zeroes of one range of @nsect sectors, which
 * may be more than a uint32_t of bytes. The range must be whole before it
 * is posted: the device may read it at once, before any kick (a worker
 * already polling the ring), and a range changed after would race with it.
 */
int be_post_range(struct blk_env *e, struct be_req *r, uint32_t type, uint64_t sector,
		  uint32_t nsect, uint32_t flags);
void be_kick(struct blk_env *e, unsigned int q);
/* Take one finished request of queue @q, or NULL. */
struct be_req *be_reap(struct blk_env *e, unsigned int q);
/* Wait up to @ms for a completion interrupt on any queue; 0 on timeout. */
int be_wait(struct blk_env *e, int ms);
/* Post one request on queue 0, wait for it; its status, -1 on timeout. */
int be_sync(struct blk_env *e, uint32_t type, uint64_t sector, void *buf, uint32_t len,
	    uint32_t flags);

/* Back ends made inside the test VM. */
/* Load brd with two ramdisks of @mib MiB; return the first or NULL. */
const char *be_brd(unsigned int mib);
/* A loop device over a new file @path of @mib MiB; path in @dev. */
int be_loop(const char *file, unsigned int mib, char *dev, size_t devlen);
int be_loop_free(const char *dev);
/*
 * A slow, large disk: /dev/mapper/vmon-slow, 4 TiB that read as zeroes and
 * drop writes (dm-zero), every bio held @delay_ms first (dm-delay). No
 * partition scan, so it is made at once whatever the delay. 0 or -1.
 */
#define BE_SLOW_DISK "/dev/mapper/vmon-slow"
#define BE_SLOW_SECTORS (8ULL << 30)
int be_slow_disk(unsigned int delay_ms);
void be_slow_disk_free(void);
/* Set vmon's blk_bio parameter: bios (true) or kiocbs on block devices. */
int be_set_bio(bool on);
/* VMON_BLK_GET_STATS; 0 or -1. */
int be_stats(struct blk_env *e, struct vmon_blk_stats *s);

#endif /* VMON_SELFTEST_BLK_ENV_H */
