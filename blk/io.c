// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk requests: parse a chain, check it, throttle it, submit it
 * as asynchronous I/O and post its completion. See blk.h for the flow.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/virtio_blk.h>

#include "blk.h"
#include "trace.h"

/* Largest read or write of one request. */
#define VMON_BLK_MAX_IO		(32U << 20)
/* Requests served between two postings of the finished ones. */
#define VMON_BLK_BATCH		16
/* Used entries written at a time. */
#define VMON_BLK_POST_BATCH	64

/*
 * Flush, discard and write-zeroes run on the device's own workqueue, at most
 * this many at a time; longer ranges in pieces of VMON_BLK_SLOW_CHUNK.
 */
#define VMON_BLK_SLOW_ACTIVE	4
#define VMON_BLK_SLOW_CHUNK	(64ULL << 20)

int vmon_blk_io_init(void)
{
	return vmon_blk_bio_init();
}

void vmon_blk_io_exit(void)
{
	vmon_blk_bio_exit();
}

/**
 * vmon_blk_slow_wq_alloc() - the workqueue of one device's slow requests
 *
 * Unbound, its workers shared with every other unbound workqueue, but at
 * most VMON_BLK_SLOW_ACTIVE of its works run at once and the others wait
 * in its own queue: a device flooding discards holds up only itself. No
 * rescuer: guest disk I/O is not in the host's reclaim path.
 *
 * Return: the workqueue, or NULL.
 */
struct workqueue_struct *vmon_blk_slow_wq_alloc(void)
{
	return alloc_workqueue("vmon-blk-slow", WQ_UNBOUND,
			       VMON_BLK_SLOW_ACTIVE);
}

static u64 vmon_blk_capacity(struct vmon_blk_vq *bvq)
{
	return bvq->cfg.capacity ? bvq->cfg.capacity : bvq->capacity;
}

static bool vmon_blk_read_only(struct vmon_blk_vq *bvq)
{
	return (bvq->cfg.flags & VMON_BLK_CFG_RO) || !bvq->writable;
}

/*
 * Nanoseconds from @start to @now, both by local_clock(), which may step
 * back a little across CPUs.
 */
static u64 vmon_blk_since(u64 start, u64 now)
{
	return now > start ? now - start : 0;
}

/* Is [sector, sector + nsect) inside the disk? Never overflows. */
static bool vmon_blk_in_range(struct vmon_blk_vq *bvq, u64 sector, u64 nsect)
{
	u64 cap = vmon_blk_capacity(bvq);

	return sector <= cap && nsect <= cap - sector;
}

/*
 * Mark in the dirty log what a request wrote into guest memory: the first
 * @written bytes of its writable ranges @log (its data), and its status
 * byte, the last byte of the last range. Nothing else: a failed read
 * wrote no data the guest will use.
 */
static void vmon_blk_log(struct vmon_vq *vq, struct vmon_log *log,
			 unsigned int nlog, u64 written)
{
	struct vmon_log status = {
		.gpa = log[nlog - 1].gpa + log[nlog - 1].len - 1,
		.len = 1,
	};

	if (written)
		vmon_vq_log_write(vq, log, nlog, written);
	if (!vq->failed)
		vmon_vq_log_write(vq, &status, 1, 1);
}

/*
 * Write the status byte and queue the used entry of a finished request;
 * count it. The one place a request ends, whatever became of it. When the
 * VMM logs dirty pages (VHOST_F_LOG_ALL), what the request wrote of its
 * writable buffers @log (see vmon_blk_log()) is marked, only now that the
 * data and the status are in place.
 */
static void vmon_blk_post(struct vmon_blk_vq *bvq, u16 head,
			  u8 __user *status_p, u8 status, u32 type, u64 sector,
			  u64 bytes, u64 lat_ns, struct vmon_log *log,
			  unsigned int nlog)
{
	struct vmon_vq *vq = &bvq->vq;
	u32 written = 0;

	/* the used length, 1 + written, cannot wrap */
	BUILD_BUG_ON(VMON_BLK_MAX_IO >= U32_MAX);
	vmon_blk_account(bvq, type, status, bytes, lat_ns);
	if (trace_blk_complete_enabled()) {
		u32 vm, dev;

		vmon_dev_ids(vq->acct, &vm, &dev);
		trace_blk_complete(vm, dev, vq->index, type, sector, bytes,
				   lat_ns, status);
	}
	if (vq->failed || !vq->used)
		return;
	if (put_user(status, status_p)) {
		vmon_vq_fail(vq, "cannot write the status of request %u",
			     head);
		return;
	}
	/* a read's data or GET_ID's string, at most VMON_BLK_MAX_IO bytes */
	if (status == VIRTIO_BLK_S_OK &&
	    (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID))
		written = min_t(u64, bytes, VMON_BLK_MAX_IO);
	if (nlog)
		vmon_blk_log(vq, log, nlog, written);
	vmon_vq_push_head(vq, head, written + 1);
	if (vq->nheads >= VMON_BLK_POST_BATCH)
		vmon_vq_flush_signal(vq);
}

static u8 vmon_blk_req_status(struct vmon_blk_req *req)
{
	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return req->ret == (long)req->len ? VIRTIO_BLK_S_OK :
						     VIRTIO_BLK_S_IOERR;
	default:
		return req->ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	}
}

/* Free or recycle @req; the ring's mutex is held. */
static void vmon_blk_req_free(struct vmon_blk_vq *bvq,
			      struct vmon_blk_req *req)
{
	kfree(req->ranges);
	kfree(req->log);
	if (req->cap == VMON_BLK_CACHED_IOV && bvq->ncache < bvq->vq.num) {
		req->next_free = bvq->cache;
		bvq->cache = req;
		bvq->ncache++;
	} else {
		kfree(req);
	}
	if (!atomic_dec_and_test(&bvq->inflight))
		return;
	/* dec_and_test is fully ordered: it sees a waiter added before */
	if (waitqueue_active(&bvq->blk->idle))
		wake_up(&bvq->blk->idle);
}

/**
 * vmon_blk_free_cache() - free the recycled requests of a stopped queue
 * @bvq: the queue, no longer used
 */
void vmon_blk_free_cache(struct vmon_blk_vq *bvq)
{
	struct vmon_blk_req *req;

	while ((req = bvq->cache)) {
		bvq->cache = req->next_free;
		kfree(req);
	}
	bvq->ncache = 0;
}

/* Post the requests whose I/O finished. */
static void vmon_blk_reap(struct vmon_blk_vq *bvq)
{
	struct vmon_blk_req *req, *next;
	struct llist_node *node;
	u64 now;

	node = llist_del_all(&bvq->done);
	if (!node)
		return;
	node = llist_reverse_order(node);
	/* one clock read for the lot */
	now = local_clock();
	llist_for_each_entry_safe(req, next, node, node) {
		vmon_blk_bio_release(req);
		vmon_blk_bounce_end(req);
		vmon_blk_post(bvq, req->head, req->status,
			      vmon_blk_req_status(req), req->type,
			      req->sector, req->len,
			      vmon_blk_since(req->start_ns, now), req->log,
			      req->nlog);
		__clear_bit(req->head, bvq->busy);
		vmon_blk_req_free(bvq, req);
	}
}

/* The I/O of @req finished, in any context: hand it to the worker. */
void vmon_blk_req_done(struct vmon_blk_req *req, long ret)
{
	struct vmon_blk_vq *bvq = req->bvq;

	req->ret = ret;
	/*
	 * Once on the list, @req may be posted and freed and the device
	 * released at any time, even before the work is queued when this
	 * runs in process context (a flush, a file system's completion
	 * work); the RCU read side keeps @bvq until then, as releasing waits
	 * for it (vmon_vdev_stop_workers()).
	 */
	rcu_read_lock();
	if (llist_add(&req->node, &bvq->done))
		vmon_vq_work_queue(&bvq->vq, &bvq->done_work);
	rcu_read_unlock();
}

static void vmon_blk_rw_complete(struct kiocb *iocb, long ret)
{
	struct vmon_blk_req *req = container_of(iocb, struct vmon_blk_req,
						iocb);

	/* the freeze protection vmon_blk_submit() took for the write */
	if (req->type == VIRTIO_BLK_T_OUT &&
	    S_ISREG(file_inode(iocb->ki_filp)->i_mode))
		kiocb_end_write(iocb);
	vmon_blk_req_done(req, ret);
}

/* ---- flush, discard, write-zeroes: on the device's workqueue ---------- */

/* Write zeroes the slow way, when the file cannot allocate them. */
static int vmon_blk_zero_out(struct file *file, loff_t pos, u64 len)
{
	struct bio_vec bv[16];
	struct iov_iter it;
	unsigned int i, n;
	ssize_t ret;

	for (i = 0; i < ARRAY_SIZE(bv); i++) {
		bv[i].bv_page = ZERO_PAGE(0);
		bv[i].bv_offset = 0;
		bv[i].bv_len = PAGE_SIZE;
	}
	/* vfs_iter_write() leaves the freeze protection to its caller */
	file_start_write(file);
	while (len) {
		u64 chunk = min_t(u64, len, ARRAY_SIZE(bv) * PAGE_SIZE);

		n = DIV_ROUND_UP(chunk, PAGE_SIZE);
		iov_iter_bvec(&it, ITER_SOURCE, bv, n, chunk);
		ret = vfs_iter_write(file, &it, &pos, 0);
		if (ret <= 0)
			break;
		len -= ret;
	}
	file_end_write(file);
	if (len)
		return ret < 0 ? ret : -EIO;
	return 0;
}

static int vmon_blk_zero_range(struct file *file, loff_t pos, u64 len,
			       bool unmap)
{
	int ret = -EOPNOTSUPP;

	/* a punched hole reads as zeroes, on files and block devices */
	if (unmap)
		ret = vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE |
				    FALLOC_FL_KEEP_SIZE, pos, len);
	if (ret == -EOPNOTSUPP)
		ret = vfs_fallocate(file, FALLOC_FL_ZERO_RANGE, pos, len);
	if (ret == -EOPNOTSUPP)
		ret = vmon_blk_zero_out(file, pos, len);
	return ret;
}

static int vmon_blk_discard(struct vmon_blk_req *req, loff_t pos, u64 len)
{
	int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	struct file *file = req->file;
	int ret;

	if (req->bvq->is_bdev) {
		/*
		 * A block device discards, rather than zeroes, when asked
		 * with NO_HIDE_STALE, which vfs_fallocate() refuses: ask the
		 * device's own fallocate, as the loop driver does, after the
		 * checks blkdev_write_iter() makes.
		 */
		struct block_device *bdev = I_BDEV(file->f_mapping->host);

		ret = vmon_blk_bdev_may_write(bdev);
		/*
		 * Not on a device that cannot discard: its fallocate drops
		 * the range's cached pages, dirty ones too, before it finds
		 * out, and older data would come back.
		 */
		if (!ret && !bdev_max_discard_sectors(bdev))
			return 0;
		if (!ret)
			ret = file->f_op->fallocate(file, mode |
						    FALLOC_FL_NO_HIDE_STALE,
						    pos, len);
		/*
		 * Newer kernels (6.12 among them) dropped NO_HIDE_STALE
		 * from the block device's fallocate. A hole punched there
		 * is a write-zeroes that may unmap and never falls back to
		 * writing zeroes, so it costs no more than the discard; but
		 * only on a device that takes write-zeroes, for the same
		 * reason as above (a device without them, brd, would lose
		 * the range's dirty pages and fail).
		 */
		if (ret == -EOPNOTSUPP && bdev_write_zeroes_sectors(bdev))
			ret = file->f_op->fallocate(file, mode, pos, len);
	} else {
		ret = vfs_fallocate(file, mode, pos, len);
	}
	/* discard is a hint: a back end without it ignores it */
	return ret == -EOPNOTSUPP ? 0 : ret;
}

/*
 * Discard or zero [@pos, @pos + @len) of @req's back end, in pieces of
 * VMON_BLK_SLOW_CHUNK: between two, give up when the queue's back end is
 * being detached (or the device closed), and let others run.
 */
static int vmon_blk_slow_range(struct vmon_blk_req *req, loff_t pos,
			       u64 len, bool unmap)
{
	int ret = 0;

	while (len && !ret) {
		u64 n = min_t(u64, len, VMON_BLK_SLOW_CHUNK);

		if (READ_ONCE(req->bvq->abort))
			return -EINTR;
		if (req->type == VIRTIO_BLK_T_DISCARD)
			ret = vmon_blk_discard(req, pos, n);
		else
			ret = vmon_blk_zero_range(req->file, pos, n, unmap);
		pos += n;
		len -= n;
		cond_resched();
	}
	return ret;
}

static void vmon_blk_sync_work(struct work_struct *work)
{
	struct vmon_blk_req *req = container_of(work, struct vmon_blk_req,
						work);
	struct virtio_blk_discard_write_zeroes *r = req->ranges;
	long ret = 0;
	u32 i;

	/* queued before a detach: the back end is going, do nothing */
	if (READ_ONCE(req->bvq->abort)) {
		vmon_blk_req_done(req, -EINTR);
		return;
	}
	switch (req->type) {
	case VIRTIO_BLK_T_FLUSH:
		ret = vfs_fsync(req->file, 0);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		for (i = 0; i < req->nseg && !ret; i++) {
			loff_t pos = (loff_t)le64_to_cpu(r[i].sector) << 9;
			u64 len = (u64)le32_to_cpu(r[i].num_sectors) << 9;
			u32 flags = le32_to_cpu(r[i].flags);

			ret = vmon_blk_slow_range(req, pos, len, flags &
					VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
		}
		break;
	}
	vmon_blk_req_done(req, ret);
}

/* ---- submission ------------------------------------------------------ */

static void vmon_blk_submit(struct vmon_blk_req *req)
{
	ssize_t ret;

	trace_blk_submit(req->bvq->vq.acct, req->bvq->vq.index, req->type,
			 req->sector, req->len);
	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (!req->len) {
			vmon_blk_req_done(req, 0);
			return;
		}
		if (vmon_blk_needs_bounce(req)) {
			ret = vmon_blk_bounce(req);
			if (ret) {
				vmon_blk_req_done(req, ret);
				return;
			}
		} else if (req->bvq->bdev && req->bvq->dio_bounce &&
			   !READ_ONCE(req->file->f_mapping->nrpages)) {
			/*
			 * Aligned buffers (the device bounces the others), so
			 * bios. They bypass the page cache: while the device
			 * has pages cached (someone read it buffered), the
			 * file layer's O_DIRECT keeps them coherent (writes
			 * back, invalidates).
			 */
			vmon_blk_submit_bio(req, req->bvq->bdev);
			return;
		}
		init_sync_kiocb(&req->iocb, req->file);
		req->iocb.ki_pos = (loff_t)req->sector << 9;
		req->iocb.ki_complete = vmon_blk_rw_complete;
		if (req->type == VIRTIO_BLK_T_IN) {
			ret = vfs_iocb_iter_read(req->file, &req->iocb,
						 &req->iter);
		} else {
			/*
			 * vfs_iocb_iter_write() leaves the file system's
			 * freeze protection to its caller: a write to a frozen
			 * file system waits here for the thaw, as fs/aio.c's.
			 */
			if (S_ISREG(file_inode(req->file)->i_mode))
				kiocb_start_write(&req->iocb);
			ret = vfs_iocb_iter_write(req->file, &req->iocb,
						  &req->iter);
		}
		/* anything but queued is done, ki_complete will not run */
		if (ret != -EIOCBQUEUED)
			vmon_blk_rw_complete(&req->iocb, ret);
		break;
	default:
		INIT_WORK(&req->work, vmon_blk_sync_work);
		queue_work(req->bvq->blk->slow_wq, &req->work);
		break;
	}
}

/* Ask the buckets for @req; hold it and arm the timer if they say wait. */
static bool vmon_blk_throttle(struct vmon_blk_vq *bvq,
			      struct vmon_blk_req *req)
{
	u64 bytes = 0, wait;
	u32 bucket;

	if (req->type == VIRTIO_BLK_T_IN || req->type == VIRTIO_BLK_T_OUT)
		bytes = req->len;
	wait = vmon_blk_throttle_take(&bvq->blk->tb, req->type, bytes, &bucket);
	if (!wait)
		return false;
	if (!bvq->held) {
		bvq->held = req;
		bvq->held_since = ktime_get_ns();
		vmon_blk_account_throttle_start(bvq->blk);
		trace_blk_throttle_start(bvq->vq.acct, bvq->vq.index, bucket,
					 wait);
	}
	hrtimer_start(&bvq->timer, ns_to_ktime(wait), HRTIMER_MODE_REL);
	return true;
}

enum hrtimer_restart vmon_blk_timer_fn(struct hrtimer *timer)
{
	struct vmon_blk_vq *bvq = container_of(timer, struct vmon_blk_vq,
					       timer);

	vmon_vq_work_queue(&bvq->vq, &bvq->vq.poll.work);
	return HRTIMER_NORESTART;
}

/* Try the held request again; true when it went. */
static bool vmon_blk_release_held(struct vmon_blk_vq *bvq)
{
	struct vmon_blk_req *req = bvq->held;
	u64 held_ns;

	if (vmon_blk_throttle(bvq, req))
		return false;
	bvq->held = NULL;
	held_ns = ktime_get_ns() - bvq->held_since;
	vmon_blk_account_throttled(bvq->blk, held_ns);
	trace_blk_throttle_end(bvq->vq.acct, bvq->vq.index, held_ns);
	vmon_blk_submit(req);
	return true;
}

/**
 * vmon_blk_drop_held() - give the request waiting for tokens back to the
 * ring, on back-end detach
 * @bvq: the queue, with its ring mutex held, its timer cancelled
 *
 * The held request is always the last one taken, so it goes back to the
 * avail ring and is served again when a back end is attached.
 */
void vmon_blk_drop_held(struct vmon_blk_vq *bvq)
{
	struct vmon_blk_req *req = bvq->held;

	if (!req)
		return;
	bvq->held = NULL;
	vmon_vq_discard(&bvq->vq, 1);
	__clear_bit(req->head, bvq->busy);
	vmon_blk_req_free(bvq, req);
}

/* ---- parsing --------------------------------------------------------- */

static struct vmon_blk_req *vmon_blk_req_alloc(struct vmon_blk_vq *bvq,
					       const struct iovec *iov,
					       unsigned int niov)
{
	struct vmon_blk_req *req;

	if (niov <= VMON_BLK_CACHED_IOV && bvq->cache) {
		req = bvq->cache;
		bvq->cache = req->next_free;
		bvq->ncache--;
	} else {
		unsigned int cap = max(niov, VMON_BLK_CACHED_IOV);

		req = kmalloc(struct_size(req, iov, cap), GFP_KERNEL_ACCOUNT);
		if (!req)
			return NULL;
		req->cap = cap;
	}
	req->bvq = bvq;
	req->file = bvq->vq.private_data;
	req->ranges = NULL;
	req->nseg = 0;
	req->log = NULL;
	req->nlog = 0;
	init_llist_head(&req->bios);
	req->bounce = NULL;
	req->nbounce = 0;
	req->niov = niov;
	if (niov)
		memcpy(req->iov, iov, niov * sizeof(*iov));
	atomic_inc(&bvq->inflight);
	return req;
}

/*
 * Copy and check the ranges of a discard or write-zeroes request. Return a
 * VIRTIO_BLK_S_* status.
 */
static u8 vmon_blk_get_ranges(struct vmon_blk_vq *bvq,
			      struct vmon_blk_req *req, struct iov_iter *it,
			      u64 bytes)
{
	const struct vmon_blk_config *cfg = &bvq->cfg;
	bool discard = req->type == VIRTIO_BLK_T_DISCARD;
	u32 max_seg = discard ? cfg->max_discard_seg :
				cfg->max_write_zeroes_seg;
	u32 max_sect = discard ? cfg->max_discard_sectors :
				 cfg->max_write_zeroes_sectors;
	struct virtio_blk_discard_write_zeroes *r;
	u32 i, n;

	if (!bytes || bytes % sizeof(*r))
		return VIRTIO_BLK_S_IOERR;
	n = bytes / sizeof(*r);
	if (n > max(max_seg, 1U))
		return VIRTIO_BLK_S_IOERR;
	r = kmalloc_array(n, sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return VIRTIO_BLK_S_IOERR;
	req->ranges = r;
	req->nseg = n;
	if (copy_from_iter(r, n * sizeof(*r), it) != n * sizeof(*r))
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; i < n; i++) {
		u64 sector = le64_to_cpu(r[i].sector);
		u32 nsect = le32_to_cpu(r[i].num_sectors);
		u32 flags = le32_to_cpu(r[i].flags);

		if (discard ? flags :
		    flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			return VIRTIO_BLK_S_UNSUPP;
		if (!cfg->write_zeroes_may_unmap)
			r[i].flags = 0;
		if (max_sect && nsect > max_sect)
			return VIRTIO_BLK_S_IOERR;
		if (!vmon_blk_in_range(bvq, sector, nsect))
			return VIRTIO_BLK_S_IOERR;
	}
	req->len = 0;
	return VIRTIO_BLK_S_OK;
}

/* Answer GET_ID from the configuration; return the status. */
static u8 vmon_blk_get_id(struct vmon_blk_vq *bvq, struct iovec *iov,
			  unsigned int in, u64 room, u64 *written)
{
	size_t n = min_t(u64, room, VMON_BLK_ID_BYTES);
	struct iov_iter it;

	iov_iter_init(&it, ITER_DEST, iov, in, room);
	if (copy_to_iter(bvq->cfg.id, n, &it) != n)
		return VIRTIO_BLK_S_IOERR;
	*written = n;
	return VIRTIO_BLK_S_OK;
}

/*
 * Read the request header at the start of the @out readable iovecs (at
 * least its size in all): in one user access window when the first holds
 * it, as it does for every usual driver.
 */
static int vmon_blk_get_hdr(const struct iovec *iov, unsigned int out,
			    u64 out_len, struct virtio_blk_outhdr *hdr)
{
	const struct virtio_blk_outhdr __user *p = iov[0].iov_base;
	struct iov_iter it;

	if (iov[0].iov_len < sizeof(*hdr)) {
		iov_iter_init(&it, ITER_SOURCE, iov, out, out_len);
		if (copy_from_iter(hdr, sizeof(*hdr), &it) != sizeof(*hdr))
			return -EFAULT;
		return 0;
	}
	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(hdr->type, &p->type, efault);
	unsafe_get_user(hdr->ioprio, &p->ioprio, efault);
	unsafe_get_user(hdr->sector, &p->sector, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/* What a request's chain says, once its header and status byte are found. */
struct vmon_blk_parsed {
	u32 type;
	u64 sector;
	u64 out_len, in_len;	/* of the data: without header and status */
	u8 __user *status_p;
};

/*
 * Find the header and the status byte of chain @head (@out readable
 * iovecs, then @in writable ones). Return false after a guest error
 * stopped the ring.
 */
static bool vmon_blk_parse(struct vmon_blk_vq *bvq, u16 head,
			   unsigned int out, unsigned int in,
			   struct vmon_blk_parsed *p)
{
	struct vmon_vq *vq = &bvq->vq;
	struct iovec *iov = vq->iov;
	struct virtio_blk_outhdr hdr;
	unsigned int last;

	/* its buffers are the device's until the used entry says otherwise */
	if (test_bit(head, bvq->busy)) {
		vmon_vq_fail(vq, "request %u posted again while in flight",
			     head);
		return false;
	}
	/* 64-bit sums of at most UIO_MAXIOV u32 lengths: no wrap */
	p->out_len = iov_length(iov, out);
	p->in_len = iov_length(iov + out, in);
	if (p->out_len < sizeof(hdr)) {
		vmon_vq_fail(vq, "request %u: header shorter than %zu bytes",
			     head, sizeof(hdr));
		return false;
	}
	p->status_p = NULL;
	for (last = out + in; last > out; last--) {
		if (iov[last - 1].iov_len) {
			p->status_p = (u8 __user *)iov[last - 1].iov_base +
				      iov[last - 1].iov_len - 1;
			break;
		}
	}
	if (!p->status_p) {
		vmon_vq_fail(vq, "request %u has no status byte", head);
		return false;
	}
	if (vmon_blk_get_hdr(iov, out, p->out_len, &hdr)) {
		vmon_vq_fail(vq, "request %u: cannot read the header", head);
		return false;
	}
	p->type = __virtio32_to_cpu(vmon_vq_le(vq), hdr.type);
	p->sector = __virtio64_to_cpu(vmon_vq_le(vq), hdr.sector);
	p->out_len -= sizeof(hdr);
	p->in_len -= 1;
	return true;
}

/* A read or a write: its request in *@req, *@bytes its length; the status. */
static u8 vmon_blk_rw(struct vmon_blk_vq *bvq, const struct vmon_blk_parsed *p,
		      unsigned int out, unsigned int in,
		      struct vmon_blk_req **req, u64 *bytes)
{
	struct iovec *iov = bvq->vq.iov;
	bool rd = p->type == VIRTIO_BLK_T_IN;

	*bytes = rd ? p->in_len : p->out_len;
	/* data in the wrong direction, or of a bad size */
	if ((rd ? p->out_len : p->in_len) || *bytes % SECTOR_SIZE ||
	    *bytes > VMON_BLK_MAX_IO || (rd ? in : out) > bvq->cfg.seg_max + 1 ||
	    !vmon_blk_in_range(bvq, p->sector, *bytes >> SECTOR_SHIFT) ||
	    (!rd && vmon_blk_read_only(bvq)))
		return VIRTIO_BLK_S_IOERR;
	if (rd) {
		*req = vmon_blk_req_alloc(bvq, iov + out, in);
		if (*req)
			iov_iter_init(&(*req)->iter, ITER_DEST, (*req)->iov, in,
				      *bytes);
	} else {
		*req = vmon_blk_req_alloc(bvq, iov, out);
		if (*req) {
			iov_iter_init(&(*req)->iter, ITER_SOURCE, (*req)->iov,
				      out, p->out_len +
				      sizeof(struct virtio_blk_outhdr));
			iov_iter_advance(&(*req)->iter,
					 sizeof(struct virtio_blk_outhdr));
		}
	}
	return *req ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

/* A discard or a write-zeroes: its request in *@req; the status. */
static u8 vmon_blk_ranges(struct vmon_blk_vq *bvq,
			  const struct vmon_blk_parsed *p, unsigned int out,
			  struct vmon_blk_req **req)
{
	struct vmon_vq *vq = &bvq->vq;
	struct iov_iter it;

	if (!vmon_vq_has_feature(vq, p->type == VIRTIO_BLK_T_DISCARD ?
				 VIRTIO_BLK_F_DISCARD :
				 VIRTIO_BLK_F_WRITE_ZEROES))
		return VIRTIO_BLK_S_UNSUPP;
	if (p->in_len || vmon_blk_read_only(bvq))
		return VIRTIO_BLK_S_IOERR;
	*req = vmon_blk_req_alloc(bvq, NULL, 0);
	if (!*req)
		return VIRTIO_BLK_S_IOERR;
	(*req)->type = p->type;
	/* the ranges follow the header */
	iov_iter_init(&it, ITER_SOURCE, vq->iov, out,
		      p->out_len + sizeof(struct virtio_blk_outhdr));
	iov_iter_advance(&it, sizeof(struct virtio_blk_outhdr));
	return vmon_blk_get_ranges(bvq, *req, &it, p->out_len);
}

/*
 * Serve the chain @head, mapped in vq->iov: @out readable iovecs, then @in
 * writable ones, whose guest ranges are in vq->log[0..@nlog) when logging;
 * its latency counts from @start. Return false after a guest error stopped
 * the ring.
 */
static bool vmon_blk_request(struct vmon_blk_vq *bvq, u16 head,
			     unsigned int out, unsigned int in,
			     unsigned int nlog, u64 start)
{
	struct vmon_vq *vq = &bvq->vq;
	struct vmon_blk_req *req = NULL;
	struct vmon_blk_parsed p;
	u64 bytes = 0;
	u8 status;

	if (!vmon_blk_parse(bvq, head, out, in, &p))
		return false;
	switch (p.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = vmon_blk_rw(bvq, &p, out, in, &req, &bytes);
		break;
	case VIRTIO_BLK_T_FLUSH:
		req = vmon_blk_req_alloc(bvq, NULL, 0);
		status = req ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		status = vmon_blk_get_id(bvq, vq->iov + out, in, p.in_len,
					 &bytes);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = vmon_blk_ranges(bvq, &p, out, &req);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}

	/* the pages to mark dirty once the I/O has written them */
	if (req && nlog) {
		req->log = kmemdup(vq->log, nlog * sizeof(*vq->log),
				   GFP_KERNEL_ACCOUNT);
		if (req->log)
			req->nlog = nlog;
		else
			status = VIRTIO_BLK_S_IOERR;
	}
	if (status != VIRTIO_BLK_S_OK || !req) {
		if (req)
			vmon_blk_req_free(bvq, req);
		vmon_blk_post(bvq, head, p.status_p, status, p.type, p.sector,
			      bytes, vmon_blk_since(start, local_clock()),
			      vq->log, nlog);
		return !vq->failed;
	}
	req->head = head;
	req->type = p.type;
	req->sector = p.sector;
	req->len = bytes;
	req->status = p.status_p;
	req->start_ns = start;
	__set_bit(head, bvq->busy);
	if (!vmon_blk_throttle(bvq, req))
		vmon_blk_submit(req);
	return true;
}

/*
 * The ring is empty: post what finished, then, when the VMM set a busy-poll
 * time on the ring, watch the avail ring and the done list that long, or
 * until the worker has other work or the scheduler wants the CPU
 * (vmon_vq_busyloop_over()), before going back to sleep. True when there
 * is something to do again.
 */
static bool vmon_blk_busy_poll(struct vmon_blk_vq *bvq)
{
	struct vmon_vq *vq = &bvq->vq;
	u64 end;

	if (!vq->busyloop_timeout)
		return false;
	vmon_blk_reap(bvq);
	vmon_vq_flush_signal(vq);
	end = local_clock() + (u64)vq->busyloop_timeout * NSEC_PER_USEC;
	/*
	 * A completion is posted here, before the check that ends the poll
	 * because the worker has work queued (its own done work among it):
	 * the guest gets it without a trip through the worker.
	 */
	do {
		if (!llist_empty(&bvq->done)) {
			vmon_blk_reap(bvq);
			vmon_vq_flush_signal(vq);
		}
		if (!vmon_vq_avail_empty(vq))
			return true;
		cpu_relax();
	} while (!vmon_vq_busyloop_over(vq, end));
	return false;
}

/* Context switches of the worker so far: a stamp taken before is stale. */
static unsigned long vmon_blk_switches(void)
{
	return current->nvcsw + current->nivcsw;
}

/* The time now, and the worker's switch count with it. */
static u64 vmon_blk_stamp(unsigned long *switches)
{
	*switches = vmon_blk_switches();
	return local_clock();
}

/**
 * vmon_blk_handle() - post finished requests and take new ones
 * @bvq: the queue
 *
 * Runs on the device's worker, for kicks, I/O completions and the end of a
 * throttling wait.
 */
void vmon_blk_handle(struct vmon_blk_vq *bvq)
{
	struct vmon_vq *vq = &bvq->vq;
	unsigned int out, in, nlog;
	unsigned long switches;
	int head, n = 0;
	u64 stamp;

	mutex_lock(&vq->mutex);
	vmon_blk_reap(bvq);
	if (!vmon_vq_ready(vq))
		goto flush;
	if (bvq->held && !vmon_blk_release_held(bvq))
		goto flush;
	vmon_vq_disable_notify(vq);
	/*
	 * A request's latency counts from the start of the pass, or of the
	 * batch of VMON_BLK_BATCH, that took it off the ring, and again from
	 * the moment the worker runs after it was switched out: one clock
	 * read per batch instead of one per request, the requests taken
	 * while the worker ran without a break sharing it, as the block
	 * layer's plug shares its cached time. local_clock(), not
	 * ktime_get(): a TSC read, where the clocksource may be an emulated
	 * HPET costing microseconds per read.
	 */
	stamp = vmon_blk_stamp(&switches);
	for (;;) {
		/*
		 * Every head in flight: a completion runs this again. (The
		 * guest has no other head to post; see vmon_blk_request().)
		 */
		if (atomic_read(&bvq->inflight) >= vq->num)
			break;
		head = vmon_vq_get_desc(vq, vq->iov, UIO_MAXIOV, &out, &in,
					vmon_vq_logging(vq) ? vq->log : NULL,
					&nlog);
		if (head < 0)
			break;
		if (head == vq->num) {
			if (vmon_blk_busy_poll(bvq)) {
				stamp = vmon_blk_stamp(&switches);
				continue;
			}
			if (vmon_vq_enable_notify(vq)) {
				vmon_vq_disable_notify(vq);
				stamp = vmon_blk_stamp(&switches);
				continue;
			}
			break;
		}
		if (unlikely(vmon_blk_switches() != switches))
			stamp = vmon_blk_stamp(&switches);
		if (!vmon_blk_request(bvq, head, out, in, nlog, stamp) ||
		    bvq->held)
			break;
		/* let the guest have completions while we go on */
		if (!(++n % VMON_BLK_BATCH)) {
			vmon_blk_reap(bvq);
			vmon_vq_flush_signal(vq);
			stamp = vmon_blk_stamp(&switches);
		}
		if (vmon_vdev_weight_exceeded(vq, n, 0))
			break;
	}
	/* synchronous completions are already on the list */
	vmon_blk_reap(bvq);
flush:
	vmon_vq_flush_signal(vq);
	mutex_unlock(&vq->mutex);
}

void vmon_blk_kick(struct vmon_work *work)
{
	vmon_blk_handle(container_of(work, struct vmon_blk_vq, vq.poll.work));
}

void vmon_blk_done_work(struct vmon_work *work)
{
	vmon_blk_handle(container_of(work, struct vmon_blk_vq, done_work));
}
