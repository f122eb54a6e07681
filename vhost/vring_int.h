/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon vring engine internals, shared by its files (worker.c, vdev.c,
 * mem.c, vring.c) and by nothing else: devices use vring.h.
 */
#ifndef _VMON_VRING_INT_H
#define _VMON_VRING_INT_H

#include <linux/vhost.h>
#include <linux/vmon.h>

#include "vring.h"

/**
 * struct vmon_worker - a thread serving one or more rings
 * @task: the kthread
 * @work_list: works queued to it
 * @mm: the owner's mm, which it runs in
 * @id: its id in the device's xarray, as the worker ioctls know it
 * @attached: rings it serves; under the device mutex
 */
struct vmon_worker {
	struct task_struct *task;
	struct llist_head work_list;
	struct mm_struct *mm;
	u32 id;
	unsigned int attached;
};

/* worker.c */
int vmon_vdev_start_workers(struct vmon_vdev *dev);
void vmon_vdev_stop_workers(struct vmon_vdev *dev);
long vmon_worker_ioctl(struct vmon_vdev *dev, unsigned int ioctl,
		       void __user *argp);

/* mem.c */
long vmon_set_mem_table(struct vmon_vdev *dev,
			struct vhost_memory __user *argp);
int vmon_translate(struct vmon_vq *vq, u64 gpa, u32 len, struct iovec *iov,
		   unsigned int max);
int vmon_copy_from_guest(struct vmon_vq *vq, void *dst, u64 gpa,
			 unsigned int len);
int vmon_log_used(struct vmon_vq *vq, u64 off, u64 len);
void vmon_log_kick(struct vmon_vq *vq);

/* vdev.c */
void vmon_vq_reset(struct vmon_vq *vq);

#endif /* _VMON_VRING_INT_H */
