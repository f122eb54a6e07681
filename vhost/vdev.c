// SPDX-License-Identifier: GPL-2.0
/*
 * vmon vring engine: a ring device's life (open, owner, features, release)
 * and the device-wide vhost ioctls.
 *
 * See vring.h for the model and Documentation/vhost.rst for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vring_int.h"

void vmon_vq_reset(struct vmon_vq *vq)
{
	vq->num = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail_idx = 0;
	vq->avail_idx = 0;
	vq->last_used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->traced_used = 0;
	vq->used_flags = 0;
	vq->stopped = false;
	vq->failed = false;
	vq->log_addr = 0;
	vq->log_used = false;
	vq->busyloop_timeout = 0;
	vq->acked_features = 0;
	vq->private_data = NULL;
	vq->kick = NULL;
	vq->call_ctx = NULL;
	vq->err_ctx = NULL;
	vq->nheads = 0;
	vq->mem = NULL;
}

/**
 * vmon_vdev_init() - initialise a device and its rings on open
 * @dev: the device
 * @vqs: its rings; each has handle_kick set (or NULL)
 * @nvqs: how many
 * @pkt_weight: most requests a handler serves in one run
 * @byte_weight: most bytes a handler moves in one run
 */
void vmon_vdev_init(struct vmon_vdev *dev, struct vmon_vq **vqs,
		    unsigned int nvqs, int pkt_weight, int byte_weight)
{
	unsigned int i;

	mutex_init(&dev->mutex);
	dev->mm = NULL;
	xa_init_flags(&dev->workers, XA_FLAGS_ALLOC);
	dev->mem = NULL;
	dev->vqs = vqs;
	dev->nvqs = nvqs;
	dev->log_base = NULL;
	dev->log_ctx = NULL;
	dev->acked_features = 0;
	dev->pkt_weight = pkt_weight;
	dev->byte_weight = byte_weight;
	for (i = 0; i < nvqs; i++) {
		struct vmon_vq *vq = vqs[i];

		vq->dev = dev;
		vq->index = i;
		mutex_init(&vq->mutex);
		vq->iov = NULL;
		vq->log = NULL;
		vq->heads = NULL;
		RCU_INIT_POINTER(vq->worker, NULL);
		vmon_vq_reset(vq);
		vmon_poll_init(&vq->poll, vq->handle_kick, EPOLLIN, vq);
	}
}

bool vmon_vdev_has_owner(struct vmon_vdev *dev)
{
	return dev->mm;
}

/**
 * vmon_vdev_check_owner() - may the calling process drive @dev?
 * @dev: the device
 *
 * Return: 0 when the caller shares the owner's mm, -EPERM otherwise.
 */
long vmon_vdev_check_owner(struct vmon_vdev *dev)
{
	return dev->mm == current->mm ? 0 : -EPERM;
}

static void vmon_vdev_free_arrays(struct vmon_vdev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		kfree(dev->vqs[i]->iov);
		kfree(dev->vqs[i]->log);
		kfree(dev->vqs[i]->heads);
		dev->vqs[i]->iov = NULL;
		dev->vqs[i]->log = NULL;
		dev->vqs[i]->heads = NULL;
	}
}

static int vmon_vdev_alloc_arrays(struct vmon_vdev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		struct vmon_vq *vq = dev->vqs[i];

		vq->iov = kmalloc_array(UIO_MAXIOV, sizeof(*vq->iov),
					GFP_KERNEL);
		vq->log = kmalloc_array(UIO_MAXIOV, sizeof(*vq->log),
					GFP_KERNEL);
		vq->heads = kmalloc_array(UIO_MAXIOV, sizeof(*vq->heads),
					  GFP_KERNEL);
		if (!vq->iov || !vq->log || !vq->heads) {
			vmon_vdev_free_arrays(dev);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * vmon_vdev_set_owner() - bind @dev to the calling process
 * @dev: the device, with its mutex held
 *
 * Takes a reference on the caller's mm and starts the device's first
 * worker, which serves every ring (see worker.c).
 *
 * Return: 0, -EBUSY when @dev already has an owner, or another error.
 */
long vmon_vdev_set_owner(struct vmon_vdev *dev)
{
	struct mm_struct *mm;
	int ret;

	if (dev->mm)
		return -EBUSY;
	mm = get_task_mm(current);
	if (!mm)
		return -EINVAL;
	ret = vmon_vdev_alloc_arrays(dev);
	if (ret)
		goto err_mm;
	dev->mm = mm;
	ret = vmon_vdev_start_workers(dev);
	if (ret)
		goto err_arrays;
	return 0;

err_arrays:
	vmon_vdev_free_arrays(dev);
	dev->mm = NULL;
err_mm:
	mmput(mm);
	return ret;
}

/**
 * vmon_vdev_cleanup() - drop the owner, rings, memory table and workers
 * @dev: the device, with its mutex held; the back ends are already gone
 */
void vmon_vdev_cleanup(struct vmon_vdev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		vmon_poll_stop(&dev->vqs[i]->poll);
	vmon_vdev_stop_workers(dev);
	for (i = 0; i < dev->nvqs; i++) {
		struct vmon_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		if (vq->kick)
			fput(vq->kick);
		if (vq->call_ctx)
			eventfd_ctx_put(vq->call_ctx);
		if (vq->err_ctx)
			eventfd_ctx_put(vq->err_ctx);
		vmon_vq_reset(vq);
		mutex_unlock(&vq->mutex);
	}
	vmon_vdev_free_arrays(dev);
	kvfree(dev->mem);
	dev->mem = NULL;
	if (dev->log_ctx)
		eventfd_ctx_put(dev->log_ctx);
	dev->log_ctx = NULL;
	dev->log_base = NULL;
	dev->acked_features = 0;
	if (dev->mm)
		mmput(dev->mm);
	dev->mm = NULL;
}

/**
 * vmon_vdev_reset_owner() - VHOST_RESET_OWNER: back to a fresh device
 * @dev: the device, with its mutex held; the back ends are already gone
 */
void vmon_vdev_reset_owner(struct vmon_vdev *dev)
{
	vmon_vdev_cleanup(dev);
}

/**
 * vmon_vdev_set_features() - record the features the VMM acked
 * @dev: the device, with its mutex held
 * @features: the features, already checked against the device's offer
 *
 * Return: 0, or -EFAULT when dirty logging is asked without a log.
 */
int vmon_vdev_set_features(struct vmon_vdev *dev, u64 features)
{
	unsigned int i;

	if ((features & (1ULL << VHOST_F_LOG_ALL)) && !dev->log_base)
		return -EFAULT;
	dev->acked_features = features;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->acked_features = features;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	return 0;
}

/**
 * vmon_vdev_weight_exceeded() - has a handler run long enough?
 * @vq: the ring being served
 * @pkts: requests served in this run
 * @total_len: bytes moved in this run
 *
 * When it has, the ring's work is queued again behind the other rings'.
 *
 * Return: true when the handler must return now.
 */
bool vmon_vdev_weight_exceeded(struct vmon_vq *vq, int pkts,
			       size_t total_len)
{
	struct vmon_vdev *dev = vq->dev;

	if (pkts >= dev->pkt_weight ||
	    total_len >= (size_t)dev->byte_weight) {
		vmon_vq_work_queue(vq, &vq->poll.work);
		return true;
	}
	return false;
}

/**
 * vmon_vdev_features_ioctl() - the feature ioctls every device answers alike
 * @ioctl: the command
 * @featurep: its argument
 * @offered: the virtio and vhost features the device offers
 *
 * No device has backend features: only an empty set is taken.
 *
 * Return: 0 or a negative error; -ENOIOCTLCMD for other commands.
 */
long vmon_vdev_features_ioctl(unsigned int ioctl, u64 __user *featurep,
			      u64 offered)
{
	u64 features;

	switch (ioctl) {
	case VHOST_GET_FEATURES:
		return put_user(offered, featurep);
	case VHOST_GET_BACKEND_FEATURES:
		return put_user(0ULL, featurep);
	case VHOST_SET_BACKEND_FEATURES:
		if (get_user(features, featurep))
			return -EFAULT;
		return features ? -EOPNOTSUPP : 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/**
 * vmon_vdev_ioctl() - the owner, memory, log and ring ioctls of every device
 * @dev: the device, with its mutex held
 * @ioctl: the command
 * @argp: its argument
 *
 * Return: 0 or a negative error; -ENOIOCTLCMD for commands it does not know.
 */
long vmon_vdev_ioctl(struct vmon_vdev *dev, unsigned int ioctl,
		     void __user *argp)
{
	struct eventfd_ctx *ctx = NULL;
	long ret;
	u64 base;
	int fd;

	if (ioctl == VHOST_SET_OWNER)
		return vmon_vdev_set_owner(dev);
	ret = vmon_vdev_check_owner(dev);
	if (ret)
		return ret;

	switch (ioctl) {
	case VHOST_SET_MEM_TABLE:
		return vmon_set_mem_table(dev, argp);
	case VHOST_SET_LOG_BASE:
		if (copy_from_user(&base, argp, sizeof(base)))
			return -EFAULT;
		if ((u64)(unsigned long)base != base)
			return -EFAULT;
		WRITE_ONCE(dev->log_base, u64_to_user_ptr(base));
		return 0;
	case VHOST_SET_LOG_FD:
		if (get_user(fd, (int __user *)argp))
			return -EFAULT;
		if (fd != VHOST_FILE_UNBIND) {
			ctx = eventfd_ctx_fdget(fd);
			if (IS_ERR(ctx))
				return PTR_ERR(ctx);
		}
		ctx = xchg(&dev->log_ctx, ctx);
		/* no handler still uses the old one */
		vmon_vdev_flush(dev);
		if (ctx)
			eventfd_ctx_put(ctx);
		return 0;
	default:
		ret = vmon_worker_ioctl(dev, ioctl, argp);
		if (ret != -ENOIOCTLCMD)
			return ret;
		return vmon_vq_ioctl(dev, ioctl, argp);
	}
}
