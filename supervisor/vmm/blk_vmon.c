// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk on the kernel back end, /dev/vmon-blk (Documentation/blk.rst):
 * the VMM keeps the PCI transport and feature negotiation; the device gets
 * the memory table and the request queue through the vhost ioctls
 * (vhost.c, shared with vmon-net and vhost-net), the queue's ioeventfd as
 * kick and its MSI-X irqfd as call, the raw image with VMON_BLK_SET_BACKEND
 * and the disk's geometry with VMON_BLK_SET_CONFIG. Requests never reach
 * userspace. A chain the kernel cannot answer stops its ring and signals
 * the ring's error eventfd: the device is then broken until reset.
 */
#include <errno.h>
#include <linux/vhost.h>
#include <linux/vmon.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"
#include "blk.h"
#include "vdev.h"

#define VMON_BLK_PATH "/dev/" VMON_BLK_NAME

/* vhost.c passes the ring's back end as a struct vhost_vring_file. */
_Static_assert(sizeof(struct vmon_blk_backend) == sizeof(struct vhost_vring_file),
	       "vmon_blk_backend and vhost_vring_file differ");

bool blk_vmon_available(void)
{
	return access(VMON_BLK_PATH, F_OK) == 0;
}

static void ring_error(void *opaque, uint32_t events)
{
	struct blk *b = opaque;
	uint64_t n;

	(void)events;
	if (read(b->err_fd, &n, sizeof(n)) < 0)
		return;
	if (b->vhost_running)
		virtio_set_broken(&b->dev, "vmon-blk stopped the request queue: a request "
					   "chain it cannot answer");
}

int blk_vmon_setup(struct blk *b)
{
	struct vmon_blk_config c = { 0 };

	b->vhost = vhost_open(VMON_BLK_PATH);
	if (b->vhost < 0) {
		vmm_log("--disk '%s': %s: %s", b->path, VMON_BLK_PATH, strerror(-b->vhost));
		return -1;
	}
	c.capacity = b->size / SECTOR;
	c.flags = b->readonly ? VMON_BLK_CFG_RO : 0;
	c.seg_max = b->cfg.seg_max;
	c.num_queues = 1;
	memcpy(c.id, b->serial, sizeof(c.id));
	if (ioctl(b->vhost, VMON_BLK_SET_CONFIG, &c) < 0) {
		vmm_log("--disk '%s': VMON_BLK_SET_CONFIG: %s", b->path, strerror(errno));
		return -1;
	}
	/*
	 * Set while the VMM is still root: the limits are then locked, and the
	 * unprivileged VMM cannot lift them; vmond changes them (blkdeviotune).
	 */
	if (blk_limits_on(&b->limits) && ioctl(b->vhost, VMON_BLK_SET_LIMITS, &b->limits) < 0) {
		vmm_log("--disk '%s': VMON_BLK_SET_LIMITS: %s", b->path, strerror(errno));
		return -1;
	}
	b->dev.kernel_fd = b->vhost;
	b->err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->err_fd < 0 || ev_add(b->dev.vm, b->err_fd, EPOLLIN, ring_error, b) < 0) {
		vmm_log("--disk '%s': error eventfd: %s", b->path, strerror(errno));
		return -1;
	}
	b->dev.kernel_kicks = true;
	accounting_attach(b->vhost, VMON_BLK_NAME);
	return 0;
}

void blk_vmon_start(struct blk *b)
{
	struct vhost_vring_file err = { .index = 0, .fd = b->err_fd };

	if (b->vhost_running)
		return;
	if (vhost_start(&b->dev, b->vhost, VMON_BLK_SET_BACKEND, b->fd) < 0 ||
	    ioctl(b->vhost, VHOST_SET_VRING_ERR, &err) < 0) {
		vhost_stop(&b->dev, b->vhost, VMON_BLK_SET_BACKEND);
		virtio_set_broken(&b->dev, "vmon-blk refused the request queue");
		return;
	}
	b->vhost_running = true;
}

/* Detach the image (waits for the requests in flight) and keep the ring position. */
void blk_vmon_stop(struct blk *b)
{
	if (!b->vhost_running)
		return;
	b->vhost_running = false;
	vhost_stop(&b->dev, b->vhost, VMON_BLK_SET_BACKEND);
}

void blk_vmon_stats(struct blk *b)
{
	struct vmon_blk_op_stats o;
	struct vmon_blk_stats s;

	if (ioctl(b->vhost, VMON_BLK_GET_STATS, &s) < 0)
		return;
	b->dev.stats.requests = s.ops;
	b->dev.stats.bytes_in = s.read_bytes;
	b->dev.stats.bytes_out = s.write_bytes;
	b->dev.stats.errors = s.errors;
	/* by type since ABI 0.4; an older module leaves them out */
	if (ioctl(b->vhost, VMON_BLK_GET_OP_STATS, &o) < 0)
		return;
	b->dev.stats.requests_in = o.reqs[VMON_BLK_OP_READ];
	b->dev.stats.requests_out = o.reqs[VMON_BLK_OP_WRITE];
	b->dev.stats.flushes = o.reqs[VMON_BLK_OP_FLUSH];
	b->dev.stats.ns_in = o.ns[VMON_BLK_OP_READ];
	b->dev.stats.ns_out = o.ns[VMON_BLK_OP_WRITE];
	b->dev.stats.ns_flush = o.ns[VMON_BLK_OP_FLUSH];
	b->dev.stats.timed = true;
}
