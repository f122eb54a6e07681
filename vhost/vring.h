/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon vring engine: the part every ring device (net, blk) stands on.
 *
 * A device embeds a struct vmon_vdev and an array of struct vmon_vq, calls
 * vmon_vdev_init() on open and vmon_vdev_cleanup() on release, and routes
 * the generic vhost ioctls to vmon_vdev_ioctl() and vmon_vq_ioctl(). Its
 * ring handlers run on the ring's worker thread, in the owner's mm, with
 * the ring's mutex held, and use vmon_vq_get_desc(), vmon_vq_add_used*()
 * and vmon_vq_signal() to consume and complete guest buffers.
 *
 * Any guest-controlled value that does not make sense (an address outside
 * the memory table, a loop, a bad length, a runaway avail index, a ring the
 * engine cannot write) stops the ring (vmon_vq_fail()) and signals its error
 * eventfd. A stopped ring does nothing until the VMM restarts it with
 * VHOST_SET_VRING_BASE or VHOST_SET_VRING_ADDR.
 */
#ifndef _VMON_VRING_H
#define _VMON_VRING_H

#include <linux/eventfd.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/uio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vhost_types.h>
#include <linux/xarray.h>

struct vmon_dev;
struct vmon_vdev;
struct vmon_vq;
struct vmon_work;
struct vmon_worker;

typedef void (*vmon_work_fn)(struct vmon_work *work);

/**
 * struct vmon_work - a unit of work run on a device's worker thread
 * @node: link in the worker's list
 * @flags: VMON_WORK_QUEUED while on the list
 * @fn: the function run
 */
struct vmon_work {
	struct llist_node node;
	unsigned long flags;
	vmon_work_fn fn;
};

#define VMON_WORK_QUEUED	0

/**
 * struct vmon_poll - queues a work when a file becomes ready
 * @table: poll table used to register on the file's wait queue
 * @wqh: the wait queue we are on, NULL when not polling
 * @wait: our wait queue entry
 * @work: the work queued on readiness
 * @mask: events that queue the work
 * @vq: the ring whose worker runs the work
 */
struct vmon_poll {
	poll_table table;
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	struct vmon_work work;
	__poll_t mask;
	struct vmon_vq *vq;
};

/* A guest-physical to host-virtual region of the memory table. */
struct vmon_mem_region {
	u64 gpa;
	u64 size;
	u64 uaddr;
};

struct vmon_memtable {
	u32 nr;
	struct vmon_mem_region region[];
};

/* A writable guest range to mark in the dirty log once written. */
struct vmon_log {
	u64 gpa;
	u64 len;
};

/**
 * struct vmon_vq - one split virtqueue
 *
 * All fields are protected by @mutex. The handler runs with it held.
 */
struct vmon_vq {
	struct vmon_vdev *dev;
	struct mutex mutex;	/* the ring's state; held by its handler */
	unsigned int index;

	unsigned int num;
	struct vring_desc __user *desc;
	struct vring_avail __user *avail;
	struct vring_used __user *used;
	const struct vmon_memtable *mem;

	struct file *kick;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *err_ctx;
	struct vmon_poll poll;
	vmon_work_fn handle_kick;
	struct vmon_worker __rcu *worker;	/* written under dev->mutex */

	u16 last_avail_idx;	/* next avail entry we will read */
	u16 avail_idx;		/* cached avail->idx */
	u16 last_used_idx;	/* next used entry we will write */
	u16 signalled_used;	/* used idx at the last interrupt */
	u16 traced_used;	/* used idx at the last vq_signal event */
	bool signalled_used_valid;
	u16 used_flags;
	bool stopped;		/* GET_VRING_BASE or a guest error */
	bool failed;		/* stopped because of a guest error */

	u64 log_addr;
	bool log_used;
	u32 busyloop_timeout;
	u64 acked_features;

	void *private_data;	/* the device's back end, NULL if none */
	struct vmon_dev __rcu **acct;	/* the device's VM accounting slot */

	struct iovec *iov;
	struct vmon_log *log;
	struct vring_used_elem *heads;
	unsigned int nheads;	/* used entries pending in @heads */
};

/**
 * struct vmon_vdev - a ring device: owner, memory, workers, rings
 *
 * @mutex protects everything but the rings' own state.
 */
struct vmon_vdev {
	struct mutex mutex;	/* owner, memory table, log, features */
	struct mm_struct *mm;
	struct xarray workers;	/* id -> struct vmon_worker */
	struct vmon_memtable *mem;
	struct vmon_vq **vqs;
	unsigned int nvqs;
	void __user *log_base;
	struct eventfd_ctx *log_ctx;
	u64 acked_features;
	int byte_weight;
	int pkt_weight;
};

/*
 * Longest busy poll of a ring, in microseconds: a larger
 * VHOST_SET_VRING_BUSYLOOP_TIMEOUT is clamped to it.
 */
#define VMON_BUSYLOOP_MAX_US	10000

/* Features every device on the engine offers. */
#define VMON_VRING_FEATURES \
	((1ULL << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ULL << VIRTIO_RING_F_EVENT_IDX) | \
	 (1ULL << VIRTIO_F_NOTIFY_ON_EMPTY) | \
	 (1ULL << VIRTIO_F_ANY_LAYOUT) | \
	 (1ULL << VIRTIO_F_VERSION_1) | \
	 (1ULL << VHOST_F_LOG_ALL))

void vmon_work_init(struct vmon_work *work, vmon_work_fn fn);
void vmon_vq_work_queue(struct vmon_vq *vq, struct vmon_work *work);
void vmon_vdev_flush(struct vmon_vdev *dev);
int vmon_vdev_flush_killable(struct vmon_vdev *dev);
bool vmon_vq_busyloop_over(struct vmon_vq *vq, u64 end);

void vmon_poll_init(struct vmon_poll *poll, vmon_work_fn fn, __poll_t mask,
		    struct vmon_vq *vq);
int vmon_poll_start(struct vmon_poll *poll, struct file *file);
void vmon_poll_stop(struct vmon_poll *poll);

void vmon_vdev_init(struct vmon_vdev *dev, struct vmon_vq **vqs,
		    unsigned int nvqs, int pkt_weight, int byte_weight);
long vmon_vdev_check_owner(struct vmon_vdev *dev);
bool vmon_vdev_has_owner(struct vmon_vdev *dev);
long vmon_vdev_set_owner(struct vmon_vdev *dev);
void vmon_vdev_reset_owner(struct vmon_vdev *dev);
void vmon_vdev_cleanup(struct vmon_vdev *dev);
long vmon_vdev_features_ioctl(unsigned int ioctl, u64 __user *featurep,
			      u64 offered);
long vmon_vdev_ioctl(struct vmon_vdev *dev, unsigned int ioctl,
		     void __user *argp);
long vmon_vq_ioctl(struct vmon_vdev *dev, unsigned int ioctl,
		   void __user *argp);
int vmon_vdev_set_features(struct vmon_vdev *dev, u64 features);
bool vmon_vdev_weight_exceeded(struct vmon_vq *vq, int pkts,
			       size_t total_len);

bool vmon_vq_ready(struct vmon_vq *vq);
int vmon_vq_start(struct vmon_vq *vq);
int vmon_vq_get_desc(struct vmon_vq *vq, struct iovec *iov,
		     unsigned int iov_size, unsigned int *out_num,
		     unsigned int *in_num, struct vmon_log *log,
		     unsigned int *log_num);
void vmon_vq_discard(struct vmon_vq *vq, int n);
int vmon_vq_add_used(struct vmon_vq *vq, unsigned int head, u32 len);
int vmon_vq_add_used_n(struct vmon_vq *vq, struct vring_used_elem *heads,
		       unsigned int count);
int vmon_vq_flush_heads(struct vmon_vq *vq);
void vmon_vq_signal(struct vmon_vq *vq);
int vmon_vq_flush_signal(struct vmon_vq *vq);
bool vmon_vq_enable_notify(struct vmon_vq *vq);
void vmon_vq_disable_notify(struct vmon_vq *vq);
bool vmon_vq_avail_empty(struct vmon_vq *vq);
void vmon_vq_log_write(struct vmon_vq *vq, struct vmon_log *log,
		       unsigned int log_num, u64 len);
__printf(2, 3) void vmon_vq_fail(struct vmon_vq *vq, const char *fmt, ...);

static inline bool vmon_vq_has_feature(struct vmon_vq *vq, int bit)
{
	return vq->acked_features & (1ULL << bit);
}

/* Queue one completion in vq->heads, to be written by vmon_vq_flush_heads. */
static inline void vmon_vq_push_head(struct vmon_vq *vq, unsigned int head,
				     u32 len)
{
	vq->heads[vq->nheads].id = (__force __virtio32)head;
	vq->heads[vq->nheads].len = (__force __virtio32)len;
	vq->nheads++;
}

static inline bool vmon_vq_le(struct vmon_vq *vq)
{
	return vmon_vq_has_feature(vq, VIRTIO_F_VERSION_1) ||
	       virtio_legacy_is_little_endian();
}

static inline __virtio16 cpu_to_virtio16_vq(struct vmon_vq *vq, u16 v)
{
	return __cpu_to_virtio16(vmon_vq_le(vq), v);
}

static inline bool vmon_vq_logging(struct vmon_vq *vq)
{
	return vmon_vq_has_feature(vq, VHOST_F_LOG_ALL);
}

#endif /* _VMON_VRING_H */
