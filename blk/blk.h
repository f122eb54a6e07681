/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/vmon-blk internals: the device, its queues and requests.
 *
 * Life of a request: the ring's kick runs vmon_blk_handle() on the device's
 * worker (owner mm, ring mutex held). It takes the chain off the avail ring,
 * checks it, asks the token buckets, and submits it: reads and writes as
 * bios on an O_DIRECT block device (bio.c) or as kiocbs on the back-end
 * file (-EIOCBQUEUED or done at once); flush, discard and write-zeroes on
 * the device's own workqueue, in pieces. Whoever finishes the I/O calls
 * vmon_blk_req_done(), which puts the request on the queue's lock-free done
 * list and queues the queue's done work; that work, back on the worker,
 * writes the status byte and the used entry. So the rings are only ever
 * touched from the worker, in the owner's mm.
 */
#ifndef _VMON_BLK_H
#define _VMON_BLK_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/vmon.h>

#include "../vhost/vring.h"

struct vmon_blk;

/* One token bucket; see struct vmon_blk_bucket. */
struct vmon_blk_tb {
	u64 rate;		/* tokens per second, 0 = unlimited */
	u64 size;		/* most tokens held */
	s64 tokens;		/* may go negative: a debt */
	u64 last_ns;		/* refilled up to this time */
};

/* The buckets, in struct vmon_blk_limits' order: total, read, write. */
enum vmon_blk_tb_index {
	VMON_BLK_TB_TOTAL_OPS,
	VMON_BLK_TB_TOTAL_BYTES,
	VMON_BLK_TB_READ_OPS,
	VMON_BLK_TB_READ_BYTES,
	VMON_BLK_TB_WRITE_OPS,
	VMON_BLK_TB_WRITE_BYTES,
	VMON_BLK_TB_COUNT,
};

struct vmon_blk_throttle_state {
	spinlock_t lock;	/* the buckets */
	struct vmon_blk_tb b[VMON_BLK_TB_COUNT];
	bool on;
};

/* One request in flight. */
struct vmon_blk_req {
	struct llist_node node;		/* on the queue's done list */
	struct kiocb iocb;
	struct work_struct work;	/* flush, discard, write-zeroes */
	struct vmon_blk_vq *bvq;
	struct file *file;
	struct iov_iter iter;
	u8 __user *status;
	u64 start_ns;			/* its pass or batch began, see handle */
	u64 sector;
	u64 len;			/* data bytes */
	u32 type;
	u32 nseg;			/* discard / write-zeroes ranges */
	void *ranges;			/* copied discard / write-zeroes ranges */
	struct vmon_log *log;		/* writable ranges, when logging */
	unsigned int nlog;
	long ret;			/* result of the I/O */
	struct llist_head bios;		/* finished bios, see bio.c */
	atomic_t bios_left;		/* bios not finished, + 1 */
	int bio_err;			/* an error of one of them */
	struct bio_vec *bounce;		/* our pages, see bounce.c */
	unsigned int nbounce;
	u16 head;
	unsigned int niov;
	unsigned int cap;		/* room in @iov */
	struct vmon_blk_req *next_free;	/* in the queue's cache */
	struct iovec iov[];
};

/* Requests with at most this many iovecs are recycled, not freed. */
#define VMON_BLK_CACHED_IOV	4

/* Counters of one queue: its worker writes them, GET_STATS sums them. */
struct vmon_blk_counters {
	struct u64_stats_sync sync;
	u64_stats_t read_bytes, write_bytes, errors;
	/* by VMON_BLK_OP_*: the device's requests and latency are their sums */
	u64_stats_t op_reqs[VMON_BLK_OP_COUNT], op_ns[VMON_BLK_OP_COUNT];
};

/* What vmon_blk_read_queue() copies of them. */
struct vmon_blk_counters_copy {
	u64 read_bytes, write_bytes, errors;
	u64 reqs[VMON_BLK_OP_COUNT], ns[VMON_BLK_OP_COUNT];
};

struct vmon_blk_vq {
	struct vmon_vq vq;
	struct vmon_blk *blk;
	struct vmon_work done_work;	/* runs vmon_blk_handle() on completion */
	struct llist_head done;		/* finished requests to post */
	atomic_t inflight;		/* submitted, not yet posted */
	unsigned long *busy;		/* heads in flight, under the mutex */
	unsigned int nbusy;		/* bits in @busy */
	bool abort;			/* back end going: slow work gives up */
	struct file *gone;		/* detached, requests maybe in flight */
	u64 capacity;			/* sectors, of this ring's back end */
	bool writable;			/* back end opened for writing */
	bool is_bdev;
	struct block_device *bdev;	/* reads and writes as bios, or NULL */
	bool dio_bounce;		/* O_DIRECT: bounce what it cannot take */
	unsigned int dio_dma_mask;	/* buffer address alignment - 1 */
	unsigned int dio_len_mask;	/* logical block size - 1 */
	struct vmon_blk_config cfg;	/* the device's, copied under the mutex */
	struct vmon_blk_req *held;	/* waiting for tokens */
	struct vmon_blk_req *cache;	/* free requests, under the mutex */
	unsigned int ncache;
	u64 held_since;
	struct hrtimer timer;		/* wakes the held request */
	struct vmon_blk_counters cnt;	/* see vmon_blk_account() */
};

struct vmon_blk {
	struct vmon_vdev dev;
	struct vmon_blk_vq vqs[VMON_BLK_MAX_QUEUES];
	struct vmon_vq *vqp[VMON_BLK_MAX_QUEUES];
	struct vmon_blk_config cfg;	/* under dev.mutex; copied per use */
	struct vmon_blk_throttle_state tb;
	bool tb_locked;			/* set by CAP_SYS_ADMIN: admin only */
	struct workqueue_struct *slow_wq; /* its flush, discard, zeroes */
	wait_queue_head_t idle;		/* a queue's inflight reached 0 */
	struct vmon_dev __rcu *acct;	/* per-VM accounting, VMON_DEV_SET_VM */
	atomic64_t throttled_ns;	/* the queues count the rest */
};

/* io.c */
int vmon_blk_io_init(void);
void vmon_blk_io_exit(void);
struct workqueue_struct *vmon_blk_slow_wq_alloc(void);
enum hrtimer_restart vmon_blk_timer_fn(struct hrtimer *timer);
void vmon_blk_handle(struct vmon_blk_vq *bvq);
void vmon_blk_kick(struct vmon_work *work);
void vmon_blk_done_work(struct vmon_work *work);
void vmon_blk_drop_held(struct vmon_blk_vq *bvq);
void vmon_blk_free_cache(struct vmon_blk_vq *bvq);
void vmon_blk_req_done(struct vmon_blk_req *req, long ret);

/* bio.c */
int vmon_blk_bio_init(void);
void vmon_blk_bio_exit(void);
struct block_device *vmon_blk_bio_bdev(struct file *file);
int vmon_blk_bdev_may_write(struct block_device *bdev);
void vmon_blk_submit_bio(struct vmon_blk_req *req, struct block_device *bdev);
void __vmon_blk_bio_release(struct vmon_blk_req *req);

/* Put the pages and bios of a finished request that went as bios. */
static inline void vmon_blk_bio_release(struct vmon_blk_req *req)
{
	/* a kiocb's request: no call, no atomic exchange */
	if (!llist_empty(&req->bios))
		__vmon_blk_bio_release(req);
}

/* bounce.c */
void vmon_blk_bounce_setup(struct vmon_blk_vq *bvq, struct file *file);
int vmon_blk_bounce(struct vmon_blk_req *req);
void __vmon_blk_bounce_end(struct vmon_blk_req *req);

/*
 * Can direct I/O not take the guest's buffers of @req (a read or write,
 * req->iter over them)? Then it must go through vmon_blk_bounce().
 */
static inline bool vmon_blk_needs_bounce(struct vmon_blk_req *req)
{
	struct vmon_blk_vq *bvq = req->bvq;

	return bvq->dio_bounce &&
	       !iov_iter_is_aligned(&req->iter, bvq->dio_dma_mask,
				    bvq->dio_len_mask);
}

/* Finish a bounced request, if @req was one; see bounce.c. */
static inline void vmon_blk_bounce_end(struct vmon_blk_req *req)
{
	if (unlikely(req->bounce))
		__vmon_blk_bounce_end(req);
}

/* throttle.c */
void vmon_blk_throttle_init(struct vmon_blk_throttle_state *tb);
void vmon_blk_throttle_set(struct vmon_blk_throttle_state *tb,
			   const struct vmon_blk_limits *l);
void vmon_blk_throttle_get(struct vmon_blk_throttle_state *tb,
			   struct vmon_blk_limits *l);
/*
 * The buckets vmon_blk_throttle_take() found short, the tracepoint's field:
 * bit N for bucket N of enum vmon_blk_tb_index (1 the total operations, 2
 * the total bytes, 4 and 8 the reads', 16 and 32 the writes').
 */
u64 vmon_blk_throttle_take(struct vmon_blk_throttle_state *tb, u32 type,
			   u64 bytes, u32 *empty);

/* blk.c: the one place where an I/O event is counted */
void vmon_blk_account(struct vmon_blk_vq *bvq, u32 type, u8 status,
		      u64 bytes, u64 lat_ns);
void vmon_blk_account_throttled(struct vmon_blk *blk, u64 ns);
void vmon_blk_account_throttle_start(struct vmon_blk *blk);

#endif /* _VMON_BLK_H */
