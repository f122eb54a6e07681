/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk and its three data paths: io_uring on a raw file or block
 * device (virtio_blk.c), libqcow2 on a worker thread for qcow2 images
 * (blk_qcow2.c), and the kernel's /dev/vmon-blk for raw images
 * (blk_vmon.c). Private to those files.
 */
#ifndef VMON_VMM_BLK_H
#define VMON_VMM_BLK_H

#include <linux/virtio_blk.h>
#include <linux/vmon.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "virtio.h"

#define BLK_QSIZE 256
#define SECTOR 512
/*
 * The most one request may move: what one readv/writev moves on Linux
 * (MAX_RW_COUNT), far above what a driver sends. Bigger requests (which
 * overlapping descriptors can build) are refused with IOERR.
 */
#define BLK_MAX_DATA 0x7ffff000ULL

struct blk_req {
	struct virtq *q;
	uint16_t head;
	uint8_t *status;
	uint32_t in_len; /* bytes the device writes: data read + status */
	uint64_t expect; /* bytes the I/O must move */
	uint32_t type;	 /* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
	uint64_t off;	 /* byte offset in the disk */
	int64_t res;	 /* bytes moved or -errno, once done */
	int niov;
	struct iovec iov[VCHAIN_MAX];
	struct blk_req *next; /* free list; the qcow2 worker's queues */
};

struct blk_qcow2;

struct blk {
	struct virtio_dev dev;
	struct virtio_blk_config cfg;
	const char *path;
	bool readonly;
	bool direct;	 /* cache=none */
	bool probed_raw; /* raw by probing: sector 0 must not become a qcow2 header */
	uint64_t size;
	/* Userspace back end: io_uring on fd (raw), or qcow2 through libqcow2. */
	int fd;
	struct io_uring ring;
	struct blk_qcow2 *qcow2;
	int efd; /* completions (io_uring and the qcow2 worker) */
	struct blk_req reqs[BLK_QSIZE];
	struct blk_req *free;
	int inflight;
	/* werror=, rerror=: requests held after an error, retried on resume */
	enum blk_err_policy werror, rerror;
	struct blk_req *held;
	bool completed; /* a request completed without I/O: interrupt */
	struct vchain chain;
	char serial[VIRTIO_BLK_ID_BYTES];
	/* Kernel back end: /dev/vmon-blk, -1 when not used. */
	int vhost;
	struct vmon_blk_limits limits; /* --disk iops=, bps=, ...: set at setup */
	int err_fd;		       /* the kernel stopped a ring: a chain it could not answer */
	bool vhost_running;
};

/*
 * uring.c: @ring set up for @entries with completions signalled on @efd,
 * restricted to READV, WRITEV and FSYNC without SQE flags; 0 or -errno.
 */
int blk_uring_init(struct io_uring *ring, unsigned int entries, int efd);

/* blk_vmon.c: hand the disk to /dev/vmon-blk (b->fd is the raw image). */
bool blk_vmon_available(void);
int blk_vmon_setup(struct blk *b);
void blk_vmon_start(struct blk *b);
void blk_vmon_stop(struct blk *b);
void blk_vmon_stats(struct blk *b);

/*
 * blk_qcow2.c: a qcow2 image (and its backing chain) served through
 * libqcow2 on a worker thread; every finished request is signalled on efd.
 */
struct blk_qcow2 *blk_qcow2_open(const char *path, bool readonly, int efd, uint64_t *size);
/* Queue a read, write or flush (r->type, r->off, r->iov, r->niov). */
void blk_qcow2_submit(struct blk_qcow2 *w, struct blk_req *r);
/* One finished request, r->res set; NULL if none (and !wait). */
struct blk_req *blk_qcow2_done(struct blk_qcow2 *w, bool wait);
/* Write the image's metadata caches back and sync (no request in flight). */
int blk_qcow2_flush(struct blk_qcow2 *w);
void blk_qcow2_close(struct blk_qcow2 *w);

#endif /* VMON_VMM_BLK_H */
