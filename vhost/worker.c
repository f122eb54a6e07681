// SPDX-License-Identifier: GPL-2.0
/*
 * vmon vring engine: worker threads and file pollers.
 *
 * Every ring is served by one worker thread, a kthread that runs in the
 * owner's mm and cgroups. VHOST_SET_OWNER creates the device's first worker
 * (id 0) and attaches every ring to it; VHOST_NEW_WORKER creates more and
 * VHOST_ATTACH_VRING_WORKER moves a ring onto one, so that rings can be
 * served in parallel (the vhost ABI of Linux 6.5). A ring's worker pointer
 * is read under RCU when work is queued, from any context; workers are
 * created, switched and freed under the device mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/kthread.h>
#include <linux/nospec.h>
#include <linux/refcount.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "trace.h"
#include "vring_int.h"

/* Most workers per device: one per ring is all that can be used. */
#define VMON_MAX_WORKERS	64

void vmon_work_init(struct vmon_work *work, vmon_work_fn fn)
{
	clear_bit(VMON_WORK_QUEUED, &work->flags);
	work->fn = fn;
}

static void vmon_worker_queue(struct vmon_worker *w, struct vmon_work *work)
{
	if (!test_and_set_bit(VMON_WORK_QUEUED, &work->flags)) {
		llist_add(&work->node, &w->work_list);
		wake_up_process(w->task);
	}
}

/**
 * vmon_vq_work_queue() - run @work on the worker serving @vq
 * @vq: the ring
 * @work: the work; queueing it again before it ran is a no-op
 *
 * Any context. Does nothing when the device has no owner.
 */
void vmon_vq_work_queue(struct vmon_vq *vq, struct vmon_work *work)
{
	struct vmon_worker *w;

	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	if (w)
		vmon_worker_queue(w, work);
	rcu_read_unlock();
}

/**
 * vmon_vq_busyloop_over() - must a handler busy-polling @vq stop now?
 * @vq: the ring, polled by a handler on its worker
 * @end: the local_clock() time at which the ring's busy-poll time is over
 *	 (at most VMON_BUSYLOOP_MAX_US after it began)
 *
 * A busy poll ends when its time is up, when the scheduler wants the CPU,
 * and as soon as the worker has other work queued: polling one ring must
 * not hold up the other rings on its worker.
 *
 * Return: true when the handler must stop polling.
 */
bool vmon_vq_busyloop_over(struct vmon_vq *vq, u64 end)
{
	struct vmon_worker *w;
	bool queued;

	if (need_resched() || local_clock() >= end)
		return true;
	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	queued = w && !llist_empty(&w->work_list);
	rcu_read_unlock();
	return queued;
}

struct vmon_flush {
	struct vmon_work work;
	struct completion done;
	refcount_t ref;		/* on the heap: the waiter's and the work's */
};

static void vmon_flush_fn(struct vmon_work *work)
{
	struct vmon_flush *f = container_of(work, struct vmon_flush, work);

	complete(&f->done);
}

/* A flush on the heap, which its waiter may have left: the last one frees. */
static void vmon_flush_put_fn(struct vmon_work *work)
{
	struct vmon_flush *f = container_of(work, struct vmon_flush, work);

	complete(&f->done);
	if (refcount_dec_and_test(&f->ref))
		kfree(f);
}

/* Wait, whatever happens, until the works queued on @w so far have run. */
static void vmon_worker_flush(struct vmon_worker *w)
{
	struct vmon_flush f;

	init_completion(&f.done);
	vmon_work_init(&f.work, vmon_flush_fn);
	vmon_worker_queue(w, &f.work);
	wait_for_completion(&f.done);
}

/*
 * The same, but a fatal signal ends the wait: the flush work, on the heap,
 * then frees itself when the worker gets to it.
 */
static int vmon_worker_flush_killable(struct vmon_worker *w)
{
	struct vmon_flush *f = kmalloc(sizeof(*f), GFP_KERNEL);
	int ret;

	if (!f)
		return -ENOMEM;
	init_completion(&f->done);
	refcount_set(&f->ref, 2);
	vmon_work_init(&f->work, vmon_flush_put_fn);
	vmon_worker_queue(w, &f->work);
	ret = wait_for_completion_killable(&f->done);
	if (refcount_dec_and_test(&f->ref))
		kfree(f);
	return ret;
}

/**
 * vmon_vdev_flush() - wait until the works queued so far have run
 * @dev: the device; its mutex held, or no ioctl possible (release)
 *
 * Uninterruptible: for release and teardown, which must not go on while a
 * worker may still use what they free.
 */
void vmon_vdev_flush(struct vmon_vdev *dev)
{
	struct vmon_worker *w;
	unsigned long id;

	xa_for_each(&dev->workers, id, w)
		vmon_worker_flush(w);
}

/**
 * vmon_vdev_flush_killable() - vmon_vdev_flush() that a fatal signal ends
 * @dev: the device, with its mutex held
 *
 * For ioctls: a worker stuck in a handler (a guest page that does not come
 * in, a back end that does not answer) must not leave the caller in D state
 * for ever. The caller must not free anything a worker may still use when
 * this fails.
 *
 * Return: 0, -ERESTARTSYS when the caller was killed meanwhile, -ENOMEM.
 */
int vmon_vdev_flush_killable(struct vmon_vdev *dev)
{
	struct vmon_worker *w;
	unsigned long id;
	int ret;

	xa_for_each(&dev->workers, id, w) {
		ret = vmon_worker_flush_killable(w);
		if (ret)
			return ret;
	}
	return 0;
}

static int vmon_worker_fn(void *data)
{
	struct vmon_worker *w = data;
	struct vmon_work *work, *next;
	struct llist_node *node;

	kthread_use_mm(w->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		node = llist_del_all(&w->work_list);
		if (!node) {
			trace_worker_sleep(w->id);
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		node = llist_reverse_order(node);
		if (trace_worker_wake_enabled()) {
			struct llist_node *p;
			unsigned int works = 0;

			for (p = node; p; p = p->next)
				works++;
			trace_worker_wake(w->id, works);
		}
		llist_for_each_entry_safe(work, next, node, node) {
			clear_bit(VMON_WORK_QUEUED, &work->flags);
			/* the flag is clear before the work reads its state */
			smp_mb__after_atomic();
			work->fn(work);
			cond_resched();
		}
	}
	kthread_unuse_mm(w->mm);
	return 0;
}

/*
 * A new worker in the owner's mm, moved into the caller's cgroups so that
 * the work done for the guest is charged to the VM's process.
 */
static struct vmon_worker *vmon_worker_create(struct vmon_vdev *dev)
{
	struct vmon_worker *w;
	u32 id;
	int ret;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);
	init_llist_head(&w->work_list);
	w->mm = dev->mm;
	w->task = kthread_create(vmon_worker_fn, w, "vmon-%d", current->pid);
	if (IS_ERR(w->task)) {
		ret = PTR_ERR(w->task);
		goto err_free;
	}
	ret = cgroup_attach_task_all(current, w->task);
	if (ret)
		goto err_stop;
	ret = xa_alloc(&dev->workers, &id, w,
		       XA_LIMIT(0, VMON_MAX_WORKERS - 1), GFP_KERNEL);
	if (ret == -EBUSY)
		ret = -ENOSPC;	/* no free id: the device has its maximum */
	if (ret)
		goto err_stop;
	w->id = id;
	wake_up_process(w->task);
	return w;

err_stop:
	kthread_stop(w->task);
err_free:
	kfree(w);
	return ERR_PTR(ret);
}

/*
 * Stop and free @w, which no ring uses any more. Unless @synced, wait until
 * nobody still queues work through a ring pointer read before the switch.
 */
static void vmon_worker_destroy(struct vmon_vdev *dev, struct vmon_worker *w,
				bool synced)
{
	struct vmon_work *work, *next;
	struct llist_node *node;

	xa_erase(&dev->workers, w->id);
	if (!synced)
		synchronize_rcu();
	vmon_worker_flush(w);
	kthread_stop(w->task);
	node = llist_del_all(&w->work_list);
	llist_for_each_entry_safe(work, next, node, node)
		clear_bit(VMON_WORK_QUEUED, &work->flags);
	kfree(w);
}

static void vmon_vq_set_worker(struct vmon_vq *vq, struct vmon_worker *w)
{
	struct vmon_worker *old = rcu_dereference_protected(vq->worker,
					lockdep_is_held(&vq->dev->mutex));

	if (old)
		old->attached--;
	if (w)
		w->attached++;
	rcu_assign_pointer(vq->worker, w);
}

/**
 * vmon_vdev_start_workers() - the first worker, serving every ring
 * @dev: the device, with its mutex held and its owner's mm set
 *
 * Return: 0 or a negative error.
 */
int vmon_vdev_start_workers(struct vmon_vdev *dev)
{
	struct vmon_worker *w = vmon_worker_create(dev);
	unsigned int i;

	if (IS_ERR(w))
		return PTR_ERR(w);
	for (i = 0; i < dev->nvqs; i++)
		vmon_vq_set_worker(dev->vqs[i], w);
	return 0;
}

/**
 * vmon_vdev_stop_workers() - detach every ring and stop every worker
 * @dev: the device, with its mutex held; its pollers are stopped
 */
void vmon_vdev_stop_workers(struct vmon_vdev *dev)
{
	struct vmon_worker *w;
	unsigned long id;
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		vmon_vq_set_worker(dev->vqs[i], NULL);
	synchronize_rcu();
	xa_for_each(&dev->workers, id, w)
		vmon_worker_destroy(dev, w, true);
}

static struct vmon_worker *vmon_worker_find(struct vmon_vdev *dev, u32 id)
{
	return xa_load(&dev->workers, id);
}

static long vmon_attach_vring_worker(struct vmon_vdev *dev,
				     struct vhost_vring_worker *vw)
{
	struct vmon_worker *w, *old;
	struct vmon_vq *vq;

	if (vw->index >= dev->nvqs)
		return -ENOBUFS;
	vq = dev->vqs[array_index_nospec(vw->index, dev->nvqs)];
	w = vmon_worker_find(dev, vw->worker_id);
	if (!w)
		return -ENODEV;
	mutex_lock(&vq->mutex);
	/* as in vhost: only before the ring is started with a back end */
	if (vq->private_data) {
		mutex_unlock(&vq->mutex);
		return -EBUSY;
	}
	old = rcu_dereference_protected(vq->worker,
					lockdep_is_held(&dev->mutex));
	vmon_vq_set_worker(vq, w);
	mutex_unlock(&vq->mutex);
	/* a kick already queued on the old worker has run before we return */
	if (old && old != w)
		vmon_worker_flush(old);
	return 0;
}

/**
 * vmon_worker_ioctl() - VHOST_NEW_WORKER, VHOST_FREE_WORKER,
 *	VHOST_ATTACH_VRING_WORKER and VHOST_GET_VRING_WORKER
 * @dev: the device, with its mutex held, the caller its owner
 * @ioctl: the command
 * @argp: its argument
 *
 * Return: 0 or a negative error; -ENOIOCTLCMD for other commands.
 */
long vmon_worker_ioctl(struct vmon_vdev *dev, unsigned int ioctl,
		       void __user *argp)
{
	struct vhost_worker_state ws;
	struct vhost_vring_worker vw;
	struct vmon_worker *w;
	struct vmon_vq *vq;

	switch (ioctl) {
	case VHOST_NEW_WORKER:
		w = vmon_worker_create(dev);
		if (IS_ERR(w))
			return PTR_ERR(w);
		ws.worker_id = w->id;
		if (copy_to_user(argp, &ws, sizeof(ws))) {
			vmon_worker_destroy(dev, w, true);
			return -EFAULT;
		}
		return 0;
	case VHOST_FREE_WORKER:
		if (copy_from_user(&ws, argp, sizeof(ws)))
			return -EFAULT;
		w = vmon_worker_find(dev, ws.worker_id);
		if (!w)
			return -ENODEV;
		if (w->attached)
			return -EBUSY;
		vmon_worker_destroy(dev, w, false);
		return 0;
	case VHOST_ATTACH_VRING_WORKER:
		if (copy_from_user(&vw, argp, sizeof(vw)))
			return -EFAULT;
		return vmon_attach_vring_worker(dev, &vw);
	case VHOST_GET_VRING_WORKER:
		if (copy_from_user(&vw, argp, sizeof(vw)))
			return -EFAULT;
		if (vw.index >= dev->nvqs)
			return -ENOBUFS;
		vq = dev->vqs[array_index_nospec(vw.index, dev->nvqs)];
		w = rcu_dereference_protected(vq->worker,
					      lockdep_is_held(&dev->mutex));
		if (!w)
			return -ENODEV;
		vw.worker_id = w->id;
		return copy_to_user(argp, &vw, sizeof(vw)) ? -EFAULT : 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/* ---- polling files (kick eventfds, back-end sockets) ----------------- */

static int vmon_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct vmon_poll *poll = container_of(wait, struct vmon_poll, wait);

	if (!(key_to_poll(key) & poll->mask))
		return 0;
	/* the ring's own poll is its kick's; the others watch back ends */
	if (poll == &poll->vq->poll)
		trace_vq_kick(poll->vq->acct, poll->vq->index);
	vmon_vq_work_queue(poll->vq, &poll->work);
	return 0;
}

static void vmon_poll_queue_proc(struct file *file, wait_queue_head_t *wqh,
				 poll_table *table)
{
	struct vmon_poll *poll = container_of(table, struct vmon_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

/**
 * vmon_poll_init() - prepare a poller that queues a work on readiness
 * @poll: the poller
 * @fn: the work function
 * @mask: the events that queue it
 * @vq: the ring whose worker runs it
 */
void vmon_poll_init(struct vmon_poll *poll, vmon_work_fn fn, __poll_t mask,
		    struct vmon_vq *vq)
{
	init_waitqueue_func_entry(&poll->wait, vmon_poll_wakeup);
	init_poll_funcptr(&poll->table, vmon_poll_queue_proc);
	poll->mask = mask;
	poll->vq = vq;
	poll->wqh = NULL;
	vmon_work_init(&poll->work, fn);
}

/**
 * vmon_poll_start() - start polling @file
 * @poll: the poller
 * @file: the file
 *
 * Return: 0, or -EINVAL when the file reports an error.
 */
int vmon_poll_start(struct vmon_poll *poll, struct file *file)
{
	__poll_t mask;

	if (poll->wqh)
		return 0;
	mask = vfs_poll(file, &poll->table);
	if (mask)
		vmon_poll_wakeup(&poll->wait, 0, 0, poll_to_key(mask));
	if (mask & EPOLLERR) {
		vmon_poll_stop(poll);
		return -EINVAL;
	}
	return 0;
}

void vmon_poll_stop(struct vmon_poll *poll)
{
	if (poll->wqh) {
		remove_wait_queue(poll->wqh, &poll->wait);
		poll->wqh = NULL;
	}
}
