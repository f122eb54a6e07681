// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk: a virtio-blk back end on the vmon vring engine, serving
 * requests with asynchronous I/O on a raw file or a block device.
 *
 * The vhost ioctls (owner, features, memory table, rings) go to the engine;
 * the back end, the configuration and the throttle have their own ioctls in
 * uapi/linux/vmon.h. Every ring is a request queue, up to
 * VMON_BLK_MAX_QUEUES, served by one worker unless the VMM gives
 * rings their own (VHOST_NEW_WORKER, VHOST_ATTACH_VRING_WORKER).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>

#include "vmon_core.h"
#include "blk.h"

/* Requests a queue takes in one run before letting the others go. */
#define VMON_BLK_WEIGHT		256

#define VMON_BLK_FEATURES \
	(VMON_VRING_FEATURES | \
	 (1ULL << VIRTIO_BLK_F_SEG_MAX) | \
	 (1ULL << VIRTIO_BLK_F_BLK_SIZE) | \
	 (1ULL << VIRTIO_BLK_F_FLUSH) | \
	 (1ULL << VIRTIO_BLK_F_MQ) | \
	 (1ULL << VIRTIO_BLK_F_DISCARD) | \
	 (1ULL << VIRTIO_BLK_F_WRITE_ZEROES) | \
	 (1ULL << VIRTIO_BLK_F_RO))

/* ---- accounting: the one call site per event ------------------------- */

/* The VMON_BLK_OP_* of struct vmon_blk_op_stats for a VIRTIO_BLK_T_* type. */
static enum vmon_blk_op vmon_blk_op_of(u32 type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN:
		return VMON_BLK_READ;
	case VIRTIO_BLK_T_OUT:
		return VMON_BLK_WRITE;
	case VIRTIO_BLK_T_FLUSH:
		return VMON_BLK_FLUSH;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return VMON_BLK_DISCARD;
	}
	return VMON_BLK_OTHER;
}

/**
 * vmon_blk_account() - count one finished request
 * @bvq: its queue, on the queue's worker with the ring mutex held
 * @type: its VIRTIO_BLK_T_* type
 * @status: the VIRTIO_BLK_S_* status it got
 * @bytes: its data bytes
 * @lat_ns: how long it took from being taken off the ring
 *
 * The device's request count and summed latency are those of each type
 * added up when they are read (vmon_blk_sum_queue()).
 */
void vmon_blk_account(struct vmon_blk_vq *bvq, u32 type, u8 status,
		      u64 bytes, u64 lat_ns)
{
	struct vmon_blk_counters *c = &bvq->cnt;
	enum vmon_blk_op op = vmon_blk_op_of(type);
	struct vmon_dev *acct;

	/* one writer per queue: no atomics, and no tearing on 32-bit */
	u64_stats_update_begin(&c->sync);
	u64_stats_inc(&c->op_reqs[op]);
	u64_stats_add(&c->op_ns[op], lat_ns);
	if (status != VIRTIO_BLK_S_OK)
		u64_stats_inc(&c->errors);
	else if (op == VMON_BLK_READ)
		u64_stats_add(&c->read_bytes, bytes);
	else if (op == VMON_BLK_WRITE)
		u64_stats_add(&c->write_bytes, bytes);
	u64_stats_update_end(&c->sync);
	if (status != VIRTIO_BLK_S_OK || op == VMON_BLK_OTHER)
		return;
	rcu_read_lock();
	acct = rcu_dereference(bvq->blk->acct);
	if (acct)
		vmon_stats_blk_io(acct, op, bytes, lat_ns);
	rcu_read_unlock();
}

/**
 * vmon_blk_account_throttled() - count the wait of one throttled request
 * @blk: the device
 * @ns: how long it waited for tokens
 */
void vmon_blk_account_throttled(struct vmon_blk *blk, u64 ns)
{
	struct vmon_dev *acct;

	atomic64_add(ns, &blk->throttled_ns);
	rcu_read_lock();
	acct = rcu_dereference(blk->acct);
	if (acct)
		vmon_stats_throttled(acct, ns);
	rcu_read_unlock();
}

/**
 * vmon_blk_account_throttle_start() - a queue starts holding requests back
 * @blk: the device
 */
void vmon_blk_account_throttle_start(struct vmon_blk *blk)
{
	struct vmon_dev *acct;

	rcu_read_lock();
	acct = rcu_dereference(blk->acct);
	if (acct)
		vmon_stats_throttle_start(acct);
	rcu_read_unlock();
}

/* ---- back end -------------------------------------------------------- */

/*
 * Take no new request on @bvq and wait until the ones taken are posted: a
 * request held by the throttle goes back to the avail ring, the others
 * finish. With @detach the back end goes, and the slow work of the queue
 * (flush, discard, write-zeroes) gives up at its next piece with an error;
 * without, the ring is stopped as VHOST_GET_VRING_BASE leaves it and its
 * requests all run to their end, so that the base it returns covers only
 * requests whose used entries are in guest memory (a VMM that saves the
 * rings then, for a snapshot or a migration, loses none).
 *
 * With @killable a fatal signal ends the wait with -EINTR: the ring stays
 * stopped or detached, and a detached file stays in bvq->gone until a
 * later call finds the queue idle. Otherwise (release) the wait is
 * uninterruptible, as closing a file with AIO in flight is. On success
 * *@filep is the detached file, if any, for the caller to put.
 */
static int vmon_blk_quiesce_vq(struct vmon_blk *blk, struct vmon_blk_vq *bvq,
			       bool detach, bool killable, struct file **filep)
{
	struct vmon_vq *vq = &bvq->vq;

	*filep = NULL;
	mutex_lock(&vq->mutex);
	if (detach) {
		/* only a detached queue can have a file in @gone */
		if (vq->private_data)
			bvq->gone = vq->private_data;
		vq->private_data = NULL;
		WRITE_ONCE(bvq->bdev, NULL);
		WRITE_ONCE(bvq->abort, true);
	} else {
		vq->stopped = true;
	}
	hrtimer_cancel(&bvq->timer);
	vmon_blk_drop_held(bvq);
	mutex_unlock(&vq->mutex);
	/* the worker posts them and drops the count */
	if (!killable)
		wait_event(blk->idle, !atomic_read(&bvq->inflight));
	else if (wait_event_killable(blk->idle, !atomic_read(&bvq->inflight)))
		return -EINTR;
	/* and its last pass has written the used entries */
	vmon_vdev_flush(&blk->dev);
	mutex_lock(&vq->mutex);
	*filep = bvq->gone;
	bvq->gone = NULL;
	WRITE_ONCE(bvq->abort, false);
	mutex_unlock(&vq->mutex);
	return 0;
}

/* VHOST_GET_VRING_BASE: first the requests in flight are posted. */
static long vmon_blk_drain_vq(struct vmon_blk *blk, void __user *argp)
{
	struct file *file;
	u32 idx;
	int ret;

	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= VMON_BLK_MAX_QUEUES)
		return -ENOBUFS;
	idx = array_index_nospec(idx, VMON_BLK_MAX_QUEUES);
	ret = vmon_blk_quiesce_vq(blk, &blk->vqs[idx], false, true, &file);
	if (file)
		fput(file);
	return ret;
}

/* Detach every queue; -EINTR from a @killable wait cut short. */
static int vmon_blk_stop(struct vmon_blk *blk, bool killable)
{
	struct file *file;
	unsigned int i;
	int ret;

	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++) {
		ret = vmon_blk_quiesce_vq(blk, &blk->vqs[i], true, killable,
					  &file);
		if (file)
			fput(file);
		if (ret)
			return ret;
	}
	return 0;
}

static struct file *vmon_blk_get_file(int fd)
{
	struct file *file = fget(fd);
	umode_t mode;

	if (!file)
		return ERR_PTR(-EBADF);
	mode = file_inode(file)->i_mode;
	if (!S_ISREG(mode) && !S_ISBLK(mode)) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	if (!(file->f_mode & FMODE_READ) || !file->f_op->read_iter) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	return file;
}

/*
 * Room for a bit per head of the ring, which cannot change while a back
 * end is set; the queue is idle, so every bit is clear.
 */
static int vmon_blk_busy_alloc(struct vmon_blk_vq *bvq)
{
	unsigned long *busy;

	if (bvq->nbusy >= bvq->vq.num)
		return 0;
	busy = bitmap_zalloc(bvq->vq.num, GFP_KERNEL_ACCOUNT);
	if (!busy)
		return -ENOMEM;
	bitmap_free(bvq->busy);
	bvq->busy = busy;
	bvq->nbusy = bvq->vq.num;
	return 0;
}

static long vmon_blk_set_backend(struct vmon_blk *blk, void __user *argp)
{
	struct vmon_blk_backend b;
	struct vmon_blk_vq *bvq;
	struct file *file = NULL, *old;
	long ret;

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	if (b.index >= VMON_BLK_MAX_QUEUES)
		return -ENOBUFS;
	bvq = &blk->vqs[array_index_nospec(b.index, VMON_BLK_MAX_QUEUES)];
	if (b.fd != VHOST_FILE_UNBIND) {
		file = vmon_blk_get_file(b.fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}

	ret = vmon_blk_quiesce_vq(blk, bvq, true, true, &old);
	if (old)
		fput(old);
	if (ret || !file)
		goto out;

	mutex_lock(&bvq->vq.mutex);
	ret = vmon_vq_start(&bvq->vq);
	if (!ret)
		ret = vmon_blk_busy_alloc(bvq);
	if (ret) {
		mutex_unlock(&bvq->vq.mutex);
		goto out;
	}
	bvq->capacity = i_size_read(file->f_mapping->host) >> SECTOR_SHIFT;
	bvq->writable = (file->f_mode & FMODE_WRITE) && file->f_op->write_iter;
	bvq->is_bdev = S_ISBLK(file_inode(file)->i_mode);
	WRITE_ONCE(bvq->bdev, vmon_blk_bio_bdev(file));
	vmon_blk_bounce_setup(bvq, file);
	bvq->vq.private_data = file;
	vmon_vq_work_queue(&bvq->vq, &bvq->vq.poll.work);
	mutex_unlock(&bvq->vq.mutex);
	return 0;
out:
	if (file)
		fput(file);
	return ret;
}

/* ---- configuration --------------------------------------------------- */

static int vmon_blk_check_config(struct vmon_blk_config *c)
{
	if (c->flags & ~VMON_BLK_CFG_RO || c->write_zeroes_may_unmap > 1 ||
	    memchr_inv(c->reserved, 0, sizeof(c->reserved)) || c->reserved2)
		return -EINVAL;
	if (!c->blk_size)
		c->blk_size = SECTOR_SIZE;
	if (!is_power_of_2(c->blk_size) || c->blk_size < SECTOR_SIZE ||
	    c->blk_size > PAGE_SIZE)
		return -EINVAL;
	if (!c->seg_max)
		c->seg_max = 126;
	if (c->seg_max > UIO_MAXIOV - 2)
		return -EINVAL;
	if (!c->num_queues)
		c->num_queues = 1;
	if (c->num_queues > VMON_BLK_MAX_QUEUES)
		return -EINVAL;
	if (!c->max_discard_seg)
		c->max_discard_seg = 1;
	if (!c->max_write_zeroes_seg)
		c->max_write_zeroes_seg = 1;
	if (c->max_discard_seg > UIO_MAXIOV ||
	    c->max_write_zeroes_seg > UIO_MAXIOV)
		return -EINVAL;
	return 0;
}

/* Set the configuration; @blk's device mutex is held. */
static void vmon_blk_apply_config(struct vmon_blk *blk,
				  const struct vmon_blk_config *c)
{
	unsigned int i;

	blk->cfg = *c;
	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++) {
		mutex_lock(&blk->vqs[i].vq.mutex);
		blk->vqs[i].cfg = *c;
		mutex_unlock(&blk->vqs[i].vq.mutex);
	}
}

static long vmon_blk_set_config(struct vmon_blk *blk, void __user *argp)
{
	struct vmon_blk_config c;
	int ret;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	ret = vmon_blk_check_config(&c);
	if (ret)
		return ret;
	vmon_blk_apply_config(blk, &c);
	return 0;
}

static long vmon_blk_get_config(struct vmon_blk *blk, void __user *argp)
{
	struct vmon_blk_config c = blk->cfg;

	if (!c.capacity) {
		mutex_lock(&blk->vqs[0].vq.mutex);
		c.capacity = blk->vqs[0].capacity;
		mutex_unlock(&blk->vqs[0].vq.mutex);
	}
	return copy_to_user(argp, &c, sizeof(c)) ? -EFAULT : 0;
}

/*
 * Limits set with CAP_SYS_ADMIN (the supervisor's) are locked: the VMM that
 * holds the ring cannot lift them (Documentation/security.rst).
 * VMON_BLK_SET_THROTTLE (@limits false) sets the total buckets and turns
 * the read and write ones off; VMON_BLK_SET_LIMITS sets them all.
 */
static long vmon_blk_set_throttle(struct vmon_blk *blk, void __user *argp,
				  bool limits)
{
	bool admin = capable(CAP_SYS_ADMIN);
	struct vmon_blk_limits l = {};
	unsigned int i;

	if (blk->tb_locked && !admin)
		return -EPERM;
	if (copy_from_user(&l, argp, limits ? sizeof(l) : sizeof(l.total)))
		return -EFAULT;
	vmon_blk_throttle_set(&blk->tb, &l);
	blk->tb_locked = admin;
	/* a held request tries the new buckets now, not at its old timer */
	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++)
		vmon_vq_work_queue(&blk->vqs[i].vq, &blk->vqs[i].vq.poll.work);
	return 0;
}

/* VMON_BLK_GET_THROTTLE (@limits false: the totals) or _GET_LIMITS. */
static long vmon_blk_get_throttle(struct vmon_blk *blk, void __user *argp,
				  bool limits)
{
	struct vmon_blk_limits l;

	vmon_blk_throttle_get(&blk->tb, &l);
	return copy_to_user(argp, &l, limits ? sizeof(l) : sizeof(l.total)) ?
	       -EFAULT : 0;
}

/* A consistent copy of queue @bvq's counters (its worker writes them). */
static void vmon_blk_read_queue(struct vmon_blk_vq *bvq,
				struct vmon_blk_counters_copy *q)
{
	struct vmon_blk_counters *c = &bvq->cnt;
	unsigned int start, op;

	do {
		start = u64_stats_fetch_begin(&c->sync);
		q->read_bytes = u64_stats_read(&c->read_bytes);
		q->write_bytes = u64_stats_read(&c->write_bytes);
		q->errors = u64_stats_read(&c->errors);
		for (op = 0; op < VMON_BLK_OP_COUNT; op++) {
			q->reqs[op] = u64_stats_read(&c->op_reqs[op]);
			q->ns[op] = u64_stats_read(&c->op_ns[op]);
		}
	} while (u64_stats_fetch_retry(&c->sync, start));
}

/* Add the counters of queue @bvq to @s: requests and latency of all types. */
static void vmon_blk_sum_queue(struct vmon_blk_vq *bvq,
			       struct vmon_blk_stats *s)
{
	struct vmon_blk_counters_copy q;
	unsigned int op;

	vmon_blk_read_queue(bvq, &q);
	for (op = 0; op < VMON_BLK_OP_COUNT; op++) {
		s->ops += q.reqs[op];
		s->latency_ns += q.ns[op];
	}
	s->read_bytes += q.read_bytes;
	s->write_bytes += q.write_bytes;
	s->errors += q.errors;
	s->inflight += atomic_read(&bvq->inflight);
}

static long vmon_blk_get_op_stats(struct vmon_blk *blk, void __user *argp)
{
	struct vmon_blk_op_stats s = {};
	struct vmon_blk_counters_copy q;
	unsigned int i, op;

	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++) {
		vmon_blk_read_queue(&blk->vqs[i], &q);
		for (op = 0; op < VMON_BLK_OP_COUNT; op++) {
			s.reqs[op] += q.reqs[op];
			s.ns[op] += q.ns[op];
		}
	}
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static long vmon_blk_get_stats(struct vmon_blk *blk, void __user *argp)
{
	struct vmon_blk_stats s = {
		.throttled_ns = atomic64_read(&blk->throttled_ns),
	};
	unsigned int i;

	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++) {
		vmon_blk_sum_queue(&blk->vqs[i], &s);
		if (READ_ONCE(blk->vqs[i].bdev))
			s.bio_queues |= BIT(i);
	}
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

/* ---- file operations ------------------------------------------------- */

static int vmon_blk_open(struct inode *inode, struct file *file)
{
	struct vmon_blk_config c = {};
	struct vmon_blk *blk;
	unsigned int i;

	blk = kvzalloc(sizeof(*blk), GFP_KERNEL_ACCOUNT);
	if (!blk)
		return -ENOMEM;
	blk->slow_wq = vmon_blk_slow_wq_alloc();
	if (!blk->slow_wq) {
		kvfree(blk);
		return -ENOMEM;
	}
	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++) {
		struct vmon_blk_vq *bvq = &blk->vqs[i];

		bvq->vq.handle_kick = vmon_blk_kick;
		bvq->blk = blk;
		bvq->vq.acct = &blk->acct;
		vmon_work_init(&bvq->done_work, vmon_blk_done_work);
		init_llist_head(&bvq->done);
		atomic_set(&bvq->inflight, 0);
		u64_stats_init(&bvq->cnt.sync);
		hrtimer_init(&bvq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		bvq->timer.function = vmon_blk_timer_fn;
		blk->vqp[i] = &bvq->vq;
	}
	vmon_vdev_init(&blk->dev, blk->vqp, VMON_BLK_MAX_QUEUES,
		       VMON_BLK_WEIGHT, INT_MAX);
	init_waitqueue_head(&blk->idle);
	vmon_blk_throttle_init(&blk->tb);
	vmon_blk_check_config(&c);
	vmon_blk_apply_config(blk, &c);
	file->private_data = blk;
	return 0;
}

static int vmon_blk_release(struct inode *inode, struct file *file)
{
	struct vmon_blk *blk = file->private_data;
	unsigned int i;

	vmon_blk_stop(blk, false);
	mutex_lock(&blk->dev.mutex);
	vmon_vdev_cleanup(&blk->dev);
	mutex_unlock(&blk->dev.mutex);
	/* every slow work finished with its request */
	destroy_workqueue(blk->slow_wq);
	for (i = 0; i < VMON_BLK_MAX_QUEUES; i++) {
		vmon_blk_free_cache(&blk->vqs[i]);
		bitmap_free(blk->vqs[i].busy);
	}
	vmon_dev_set_vm(&blk->acct, VMON_DEV_BLK, VMON_BLK_NAME, 0);
	kvfree(blk);
	return 0;
}

static long vmon_blk_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	struct vmon_blk *blk = file->private_data;
	void __user *argp = (void __user *)arg;
	u64 __user *featurep = argp;
	u64 features;
	long ret;

	ret = vmon_vdev_features_ioctl(ioctl, featurep, VMON_BLK_FEATURES);
	if (ret != -ENOIOCTLCMD)
		return ret;
	switch (ioctl) {
	case VMON_BLK_GET_STATS:
		return vmon_blk_get_stats(blk, argp);
	case VMON_BLK_GET_OP_STATS:
		return vmon_blk_get_op_stats(blk, argp);
	case VMON_BLK_GET_THROTTLE:
	case VMON_BLK_GET_LIMITS:
		return vmon_blk_get_throttle(blk, argp,
					     ioctl == VMON_BLK_GET_LIMITS);
	}

	/* another ioctl stuck under it must not hold a dying caller */
	if (mutex_lock_killable(&blk->dev.mutex))
		return -EINTR;
	switch (ioctl) {
	case VMON_BLK_SET_CONFIG:
		ret = vmon_blk_set_config(blk, argp);
		goto out;
	case VMON_BLK_GET_CONFIG:
		ret = vmon_blk_get_config(blk, argp);
		goto out;
	case VMON_DEV_SET_VM:
		ret = vmon_dev_set_vm_ioctl(&blk->acct, VMON_DEV_BLK,
					    VMON_BLK_NAME, argp);
		goto out;
	case VMON_BLK_SET_THROTTLE:
	case VMON_BLK_SET_LIMITS:
		/* under the mutex: the worker cannot go away meanwhile */
		ret = vmon_blk_set_throttle(blk, argp,
					    ioctl == VMON_BLK_SET_LIMITS);
		goto out;
	case VHOST_SET_OWNER:
		break;
	default:
		ret = vmon_vdev_check_owner(&blk->dev);
		if (ret)
			goto out;
	}
	switch (ioctl) {
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			ret = -EFAULT;
		else if (features & ~VMON_BLK_FEATURES)
			ret = -EOPNOTSUPP;
		else
			ret = vmon_vdev_set_features(&blk->dev, features);
		break;
	case VMON_BLK_SET_BACKEND:
		ret = vmon_blk_set_backend(blk, argp);
		break;
	case VHOST_GET_VRING_BASE:
		ret = vmon_blk_drain_vq(blk, argp);
		if (!ret)
			ret = vmon_vdev_ioctl(&blk->dev, ioctl, argp);
		break;
	case VHOST_RESET_OWNER:
		ret = vmon_blk_stop(blk, true);
		if (!ret)
			vmon_vdev_reset_owner(&blk->dev);
		break;
	default:
		ret = vmon_vdev_ioctl(&blk->dev, ioctl, argp);
		if (ret == -ENOIOCTLCMD)
			ret = -ENOTTY;
		break;
	}
out:
	mutex_unlock(&blk->dev.mutex);
	return ret;
}

static const struct file_operations vmon_blk_fops = {
	.owner = THIS_MODULE,
	.open = vmon_blk_open,
	.release = vmon_blk_release,
	.unlocked_ioctl = vmon_blk_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vmon_blk_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VMON_BLK_NAME,
	.fops = &vmon_blk_fops,
	.mode = 0600,
};

int vmon_blk_init(void)
{
	int ret;

	ret = vmon_blk_io_init();
	if (ret)
		return ret;
	ret = misc_register(&vmon_blk_misc);
	if (ret)
		vmon_blk_io_exit();
	return ret;
}

void vmon_blk_exit(void)
{
	misc_deregister(&vmon_blk_misc);
	vmon_blk_io_exit();
}
