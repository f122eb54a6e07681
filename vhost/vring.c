// SPDX-License-Identifier: GPL-2.0
/*
 * vmon vring engine: owner and mm binding, memory table, split virtqueues,
 * eventfds, the per-device worker thread and dirty-page logging.
 *
 * See vring.h for the model and Documentation/vhost.rst for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "vring.h"

static unsigned int max_mem_regions = 509;
module_param(max_mem_regions, uint, 0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Most regions in a ring device's memory table (default 509)");

#define VMON_MAX_RING	32768

/* ---- worker ---------------------------------------------------------- */

void vmon_work_init(struct vmon_work *work, vmon_work_fn fn)
{
	clear_bit(VMON_WORK_QUEUED, &work->flags);
	work->fn = fn;
}

/**
 * vmon_work_queue() - run @work on @dev's worker thread
 * @dev: the device
 * @work: the work; queueing it again before it ran is a no-op
 */
void vmon_work_queue(struct vmon_vdev *dev, struct vmon_work *work)
{
	struct task_struct *worker = READ_ONCE(dev->worker);

	if (!worker)
		return;
	if (!test_and_set_bit(VMON_WORK_QUEUED, &work->flags)) {
		llist_add(&work->node, &dev->work_list);
		wake_up_process(worker);
	}
}

struct vmon_flush {
	struct vmon_work work;
	struct completion done;
};

static void vmon_flush_fn(struct vmon_work *work)
{
	struct vmon_flush *f = container_of(work, struct vmon_flush, work);

	complete(&f->done);
}

/**
 * vmon_vdev_flush() - wait until the works queued so far have run
 * @dev: the device
 */
void vmon_vdev_flush(struct vmon_vdev *dev)
{
	struct vmon_flush f;

	if (!dev->worker)
		return;
	init_completion(&f.done);
	vmon_work_init(&f.work, vmon_flush_fn);
	vmon_work_queue(dev, &f.work);
	wait_for_completion(&f.done);
}

static int vmon_worker(void *data)
{
	struct vmon_vdev *dev = data;
	struct vmon_work *work, *next;
	struct llist_node *node;

	kthread_use_mm(dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		node = llist_del_all(&dev->work_list);
		if (!node) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		node = llist_reverse_order(node);
		llist_for_each_entry_safe(work, next, node, node) {
			clear_bit(VMON_WORK_QUEUED, &work->flags);
			/* the flag is clear before the work reads its state */
			smp_mb__after_atomic();
			work->fn(work);
			cond_resched();
		}
	}
	kthread_unuse_mm(dev->mm);
	return 0;
}

/* ---- polling files (kick eventfds, back-end sockets) ----------------- */

static int vmon_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct vmon_poll *poll = container_of(wait, struct vmon_poll, wait);

	if (!(key_to_poll(key) & poll->mask))
		return 0;
	vmon_work_queue(poll->dev, &poll->work);
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
 * @dev: the device whose worker runs it
 */
void vmon_poll_init(struct vmon_poll *poll, vmon_work_fn fn, __poll_t mask,
		    struct vmon_vdev *dev)
{
	init_waitqueue_func_entry(&poll->wait, vmon_poll_wakeup);
	init_poll_funcptr(&poll->table, vmon_poll_queue_proc);
	poll->mask = mask;
	poll->dev = dev;
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

/* ---- device and owner -------------------------------------------------- */

static void vmon_vq_reset(struct vmon_vq *vq)
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
	dev->worker = NULL;
	init_llist_head(&dev->work_list);
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
		vmon_vq_reset(vq);
		vmon_poll_init(&vq->poll, vq->handle_kick, EPOLLIN, dev);
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
 * Takes a reference on the caller's mm, starts the worker thread in it and
 * moves the worker into the caller's cgroups, so the work done for the
 * guest is charged to the VM's process.
 *
 * Return: 0, -EBUSY when @dev already has an owner, or another error.
 */
long vmon_vdev_set_owner(struct vmon_vdev *dev)
{
	struct task_struct *worker;
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
	worker = kthread_create(vmon_worker, dev, "vmon-%d", current->pid);
	if (IS_ERR(worker)) {
		ret = PTR_ERR(worker);
		goto err_arrays;
	}
	ret = cgroup_attach_task_all(current, worker);
	if (ret)
		goto err_worker;
	WRITE_ONCE(dev->worker, worker);
	wake_up_process(worker);
	return 0;

err_worker:
	kthread_stop(worker);
err_arrays:
	vmon_vdev_free_arrays(dev);
	dev->mm = NULL;
err_mm:
	mmput(mm);
	return ret;
}

/**
 * vmon_vdev_cleanup() - drop the owner, rings, memory table and worker
 * @dev: the device, with its mutex held; the back ends are already gone
 */
void vmon_vdev_cleanup(struct vmon_vdev *dev)
{
	struct llist_node *node;
	struct vmon_work *work, *next;
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		vmon_poll_stop(&dev->vqs[i]->poll);
	if (dev->worker) {
		vmon_vdev_flush(dev);
		kthread_stop(dev->worker);
		WRITE_ONCE(dev->worker, NULL);
		node = llist_del_all(&dev->work_list);
		llist_for_each_entry_safe(work, next, node, node)
			clear_bit(VMON_WORK_QUEUED, &work->flags);
	}
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
bool vmon_vdev_weight_exceeded(struct vmon_vq *vq, int pkts, int total_len)
{
	struct vmon_vdev *dev = vq->dev;

	if (pkts >= dev->pkt_weight || total_len >= dev->byte_weight) {
		vmon_work_queue(dev, &vq->poll.work);
		return true;
	}
	return false;
}

/* ---- memory table ------------------------------------------------------ */

static int vmon_region_cmp(const void *a, const void *b)
{
	const struct vmon_mem_region *ra = a, *rb = b;

	if (ra->gpa < rb->gpa)
		return -1;
	return ra->gpa > rb->gpa;
}

static long vmon_set_mem_table(struct vmon_vdev *dev,
			       struct vhost_memory __user *argp)
{
	struct vhost_memory_region __user *uregion = argp->regions;
	struct vhost_memory hdr;
	struct vmon_memtable *mem, *old;
	struct vhost_memory_region r;
	u32 i;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EOPNOTSUPP;
	if (hdr.nregions > max_mem_regions)
		return -E2BIG;
	mem = kvzalloc(struct_size(mem, region, hdr.nregions), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	mem->nr = hdr.nregions;
	for (i = 0; i < hdr.nregions; i++) {
		if (copy_from_user(&r, &uregion[i], sizeof(r)))
			goto err_fault;
		if (!r.memory_size ||
		    r.guest_phys_addr + r.memory_size - 1 < r.guest_phys_addr ||
		    r.userspace_addr + r.memory_size - 1 < r.userspace_addr ||
		    r.userspace_addr != (unsigned long)r.userspace_addr ||
		    r.memory_size != (unsigned long)r.memory_size ||
		    !access_ok(u64_to_user_ptr(r.userspace_addr),
			       r.memory_size))
			goto err_inval;
		mem->region[i].gpa = r.guest_phys_addr;
		mem->region[i].size = r.memory_size;
		mem->region[i].uaddr = r.userspace_addr;
	}
	sort(mem->region, mem->nr, sizeof(mem->region[0]), vmon_region_cmp,
	     NULL);
	for (i = 1; i < mem->nr; i++) {
		const struct vmon_mem_region *p = &mem->region[i - 1];

		if (p->gpa + p->size - 1 >= mem->region[i].gpa)
			goto err_inval;
	}

	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->mem = mem;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	old = dev->mem;
	dev->mem = mem;
	kvfree(old);
	return 0;

err_fault:
	kvfree(mem);
	return -EFAULT;
err_inval:
	kvfree(mem);
	return -EINVAL;
}

/* The region holding @gpa, by binary search, or NULL. */
static const struct vmon_mem_region *
vmon_mem_lookup(const struct vmon_memtable *mem, u64 gpa)
{
	u32 lo = 0, hi;

	if (!mem)
		return NULL;
	hi = mem->nr;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct vmon_mem_region *r = &mem->region[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/*
 * Map the guest range [gpa, gpa + len) to iovecs at @iov; return how many,
 * -EFAULT when part of it is outside the table, -ENOBUFS when it needs more
 * than @max iovecs.
 */
static int vmon_translate(struct vmon_vq *vq, u64 gpa, u32 len,
			  struct iovec *iov, unsigned int max)
{
	unsigned int n = 0;
	u64 left = len;

	while (left) {
		const struct vmon_mem_region *r = vmon_mem_lookup(vq->mem, gpa);
		u64 off, chunk;

		if (!r)
			return -EFAULT;
		if (n >= max)
			return -ENOBUFS;
		off = gpa - r->gpa;
		chunk = min(left, r->size - off);
		iov[n].iov_base = u64_to_user_ptr(r->uaddr + off);
		iov[n].iov_len = chunk;
		n++;
		gpa += chunk;
		left -= chunk;
	}
	return n;
}

/* Copy @len bytes of guest memory at @gpa; the range may span regions. */
static int vmon_copy_from_guest(struct vmon_vq *vq, void *dst, u64 gpa,
				unsigned int len)
{
	while (len) {
		const struct vmon_mem_region *r = vmon_mem_lookup(vq->mem, gpa);
		u64 off, chunk;

		if (!r)
			return -EFAULT;
		off = gpa - r->gpa;
		chunk = min_t(u64, len, r->size - off);
		if (copy_from_user(dst, u64_to_user_ptr(r->uaddr + off),
				   chunk))
			return -EFAULT;
		dst += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* ---- dirty log --------------------------------------------------------- */

static int vmon_log_page(void __user *log_base, u64 pfn)
{
	unsigned long addr = (unsigned long)log_base + pfn / 8;
	unsigned long page_addr = addr & PAGE_MASK;
	unsigned long bit = (addr - page_addr) * 8 + pfn % 8;
	struct page *page;
	void *base;

	if (get_user_pages_fast(page_addr, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;
	base = kmap_local_page(page);
	set_bit(bit, base);
	kunmap_local(base);
	set_page_dirty_lock(page);
	put_page(page);
	return 0;
}

static int vmon_log_range(struct vmon_vq *vq, u64 gpa, u64 len)
{
	void __user *log_base = READ_ONCE(vq->dev->log_base);
	u64 pfn, last;
	int ret;

	if (!len || !log_base)
		return 0;
	last = (gpa + len - 1) / VHOST_PAGE_SIZE;
	for (pfn = gpa / VHOST_PAGE_SIZE; pfn <= last; pfn++) {
		ret = vmon_log_page(log_base, pfn);
		if (ret)
			return ret;
	}
	return 0;
}

static void vmon_log_kick(struct vmon_vq *vq)
{
	struct eventfd_ctx *ctx = READ_ONCE(vq->dev->log_ctx);

	if (ctx)
		eventfd_signal(ctx, 1);
}

/**
 * vmon_vq_log_write() - mark guest pages written through a request dirty
 * @vq: the ring
 * @log: the writable ranges vmon_vq_get_desc() returned
 * @log_num: how many
 * @len: the bytes actually written, from the start of the first range
 */
void vmon_vq_log_write(struct vmon_vq *vq, struct vmon_log *log,
		       unsigned int log_num, u64 len)
{
	unsigned int i;

	if (!vmon_vq_logging(vq))
		return;
	for (i = 0; i < log_num && len; i++) {
		u64 l = min(log[i].len, len);

		if (vmon_log_range(vq, log[i].gpa, l)) {
			vmon_vq_fail(vq, "cannot write the dirty log");
			return;
		}
		len -= l;
	}
	vmon_log_kick(vq);
}

/* Log a write to the used ring at byte offset @off. */
static int vmon_log_used(struct vmon_vq *vq, u64 off, u64 len)
{
	if (!vmon_vq_logging(vq) || !vq->log_used)
		return 0;
	return vmon_log_range(vq, vq->log_addr + off, len);
}

/* ---- split rings --------------------------------------------------- */

static inline u16 vq16(struct vmon_vq *vq, __virtio16 v)
{
	return __virtio16_to_cpu(vmon_vq_le(vq), v);
}

static inline __virtio16 cpu16(struct vmon_vq *vq, u16 v)
{
	return __cpu_to_virtio16(vmon_vq_le(vq), v);
}

/**
 * vmon_vq_fail() - stop a ring because of a guest error
 * @vq: the ring
 * @fmt: what was wrong
 *
 * The ring stays stopped until the VMM sets its base or address again;
 * its error eventfd is signalled.
 */
void vmon_vq_fail(struct vmon_vq *vq, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_notice_ratelimited("ring %u stopped: %pV\n", vq->index, &vaf);
	va_end(args);
	vq->stopped = true;
	vq->failed = true;
	if (vq->err_ctx)
		eventfd_signal(vq->err_ctx, 1);
}

/**
 * vmon_vq_ready() - may the handler serve @vq now?
 * @vq: the ring, with its mutex held
 *
 * Return: true when it has a back end and is neither stopped nor unset.
 */
bool vmon_vq_ready(struct vmon_vq *vq)
{
	return vq->private_data && !vq->stopped && vq->num && vq->desc;
}

static bool vmon_vq_access_ok(struct vmon_vq *vq)
{
	size_t n = vq->num;

	return vq->desc && vq->avail && vq->used &&
	       access_ok(vq->desc, n * sizeof(struct vring_desc)) &&
	       access_ok(vq->avail, sizeof(struct vring_avail) +
			 (n + 1) * sizeof(__virtio16)) &&
	       access_ok(vq->used, sizeof(struct vring_used) +
			 n * sizeof(struct vring_used_elem) +
			 sizeof(__virtio16));
}

/**
 * vmon_vq_start() - check a ring and read its used index, on back-end set
 * @vq: the ring, with its mutex held
 *
 * Return: 0, -EINVAL when size or addresses are missing, -EFAULT when the
 * used ring cannot be read.
 */
int vmon_vq_start(struct vmon_vq *vq)
{
	__virtio16 idx;

	if (!vq->num || !vmon_vq_access_ok(vq))
		return -EINVAL;
	if (get_user(idx, &vq->used->idx))
		return -EFAULT;
	vq->last_used_idx = vq16(vq, idx);
	vq->signalled_used_valid = false;
	vq->used_flags = 0;
	vq->nheads = 0;
	return 0;
}

/* Re-read avail->idx; false when the guest moved it impossibly. */
static bool vmon_vq_fetch_avail(struct vmon_vq *vq)
{
	__virtio16 idx;
	u16 v;

	if (get_user(idx, &vq->avail->idx)) {
		vmon_vq_fail(vq, "cannot read the avail index");
		return false;
	}
	v = vq16(vq, idx);
	if ((u16)(v - vq->last_avail_idx) > vq->num) {
		vmon_vq_fail(vq, "avail index moved from %u to %u",
			     vq->last_avail_idx, v);
		return false;
	}
	vq->avail_idx = v;
	return true;
}

/**
 * vmon_vq_avail_empty() - is there nothing for the device to take?
 * @vq: the ring, with its mutex held
 *
 * Return: true when the avail ring holds no new entry (or the ring failed).
 */
bool vmon_vq_avail_empty(struct vmon_vq *vq)
{
	if (vq->avail_idx != vq->last_avail_idx)
		return false;
	if (!vmon_vq_fetch_avail(vq))
		return true;
	return vq->avail_idx == vq->last_avail_idx;
}

/* Append the buffer of one descriptor to the request's iovecs. */
static int vmon_vq_add_buf(struct vmon_vq *vq, u64 addr, u32 len, bool write,
			   struct iovec *iov, unsigned int iov_size,
			   unsigned int *out_num, unsigned int *in_num,
			   struct vmon_log *log, unsigned int *log_num)
{
	unsigned int used = *out_num + *in_num;
	int n;

	if (addr + len < addr) {
		vmon_vq_fail(vq, "descriptor %#llx+%u wraps", addr, len);
		return -EINVAL;
	}
	n = vmon_translate(vq, addr, len, iov + used, iov_size - used);
	if (n == -ENOBUFS) {
		vmon_vq_fail(vq, "request needs more than %u segments",
			     iov_size);
		return n;
	}
	if (n < 0) {
		vmon_vq_fail(vq, "descriptor %#llx+%u outside guest memory",
			     addr, len);
		return n;
	}
	if (write) {
		*in_num += n;
		if (log && len) {
			log[*log_num].gpa = addr;
			log[*log_num].len = len;
			(*log_num)++;
		}
	} else {
		if (*in_num) {
			vmon_vq_fail(vq, "readable descriptor after writable");
			return -EINVAL;
		}
		*out_num += n;
	}
	return 0;
}

/**
 * vmon_vq_get_desc() - take the next request from the avail ring
 * @vq: the ring, with its mutex held
 * @iov: where to map the request's buffers
 * @iov_size: room in @iov
 * @out_num: set to the number of readable iovecs (first in @iov)
 * @in_num: set to the number of writable iovecs (after them)
 * @log: when not NULL, where to record the writable guest ranges (as
 *	 much room as @iov)
 * @log_num: set to the number of ranges in @log
 *
 * Walks the descriptor chain, following one level of indirect table, and
 * maps every buffer through the memory table.
 *
 * Return: the head index, vq->num when the ring is empty, or a negative
 * error after the ring was stopped with vmon_vq_fail().
 */
int vmon_vq_get_desc(struct vmon_vq *vq, struct iovec *iov,
		     unsigned int iov_size, unsigned int *out_num,
		     unsigned int *in_num, struct vmon_log *log,
		     unsigned int *log_num)
{
	struct vring_desc desc;
	unsigned int i, head, count = 0, max = vq->num;
	bool indirect = false;
	u64 table = 0;
	__virtio16 ring_head;
	int ret;

	if (vq->stopped)
		return -EIO;
	if (vq->avail_idx == vq->last_avail_idx) {
		if (!vmon_vq_fetch_avail(vq))
			return -EFAULT;
		if (vq->avail_idx == vq->last_avail_idx)
			return vq->num;
		/* read the ring entries only after the index */
		smp_rmb();
	}
	if (get_user(ring_head,
		     &vq->avail->ring[vq->last_avail_idx & (vq->num - 1)])) {
		vmon_vq_fail(vq, "cannot read the avail ring");
		return -EFAULT;
	}
	head = vq16(vq, ring_head);
	if (head >= vq->num) {
		vmon_vq_fail(vq, "avail head %u beyond ring size %u",
			     head, vq->num);
		return -EINVAL;
	}

	*out_num = 0;
	*in_num = 0;
	*log_num = 0;
	i = head;
	for (;;) {
		u16 flags;
		u32 len;
		u64 addr;

		if (++count > max) {
			vmon_vq_fail(vq, "descriptor chain from %u loops", head);
			return -ELOOP;
		}
		if (indirect)
			ret = vmon_copy_from_guest(vq, &desc,
						   table + i * sizeof(desc),
						   sizeof(desc));
		else
			ret = copy_from_user(&desc, vq->desc + i,
					     sizeof(desc)) ? -EFAULT : 0;
		if (ret) {
			vmon_vq_fail(vq, "cannot read descriptor %u", i);
			return ret;
		}
		flags = vq16(vq, desc.flags);
		addr = __virtio64_to_cpu(vmon_vq_le(vq), desc.addr);
		len = __virtio32_to_cpu(vmon_vq_le(vq), desc.len);

		if (flags & VRING_DESC_F_INDIRECT) {
			if (indirect) {
				vmon_vq_fail(vq, "indirect table inside an indirect table");
				return -EINVAL;
			}
			if (!vmon_vq_has_feature(vq,
						 VIRTIO_RING_F_INDIRECT_DESC) ||
			    (flags & VRING_DESC_F_NEXT)) {
				vmon_vq_fail(vq, "bad indirect descriptor %u", i);
				return -EINVAL;
			}
			if (!len || len % sizeof(desc) ||
			    len / sizeof(desc) > UIO_MAXIOV ||
			    addr + len < addr) {
				vmon_vq_fail(vq, "bad indirect table length %u",
					     len);
				return -EINVAL;
			}
			indirect = true;
			table = addr;
			max = len / sizeof(desc);
			count = 0;
			i = 0;
			continue;
		}

		ret = vmon_vq_add_buf(vq, addr, len,
				      flags & VRING_DESC_F_WRITE, iov,
				      iov_size, out_num, in_num, log,
				      log_num);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = vq16(vq, desc.next);
		if (i >= max) {
			vmon_vq_fail(vq, "next descriptor %u beyond %u", i, max);
			return -EINVAL;
		}
	}
	vq->last_avail_idx++;
	return head;
}

/**
 * vmon_vq_discard() - give back the last @n requests taken
 * @vq: the ring, with its mutex held
 * @n: how many
 */
void vmon_vq_discard(struct vmon_vq *vq, int n)
{
	vq->last_avail_idx -= n;
}

static int vmon_vq_write_used(struct vmon_vq *vq, struct vring_used_elem *h,
			      unsigned int count)
{
	unsigned int start = vq->last_used_idx & (vq->num - 1);
	unsigned int i;

	for (i = 0; i < count; i++) {
		h[i].id = __cpu_to_virtio32(vmon_vq_le(vq),
					    (__force u32)h[i].id);
		h[i].len = __cpu_to_virtio32(vmon_vq_le(vq),
					     (__force u32)h[i].len);
	}
	if (copy_to_user(&vq->used->ring[start], h, count * sizeof(*h)))
		return -EFAULT;
	if (vmon_log_used(vq, offsetof(struct vring_used, ring[start]),
			  count * sizeof(*h)))
		return -EFAULT;
	return 0;
}

/**
 * vmon_vq_add_used_n() - complete @count requests
 * @vq: the ring, with its mutex held
 * @heads: their heads and written lengths, in CPU order (consumed)
 * @count: how many
 *
 * Return: 0, -EIO when the ring is stopped, or -EFAULT after it was stopped
 * because the used ring cannot be written.
 */
int vmon_vq_add_used_n(struct vmon_vq *vq, struct vring_used_elem *heads,
		       unsigned int count)
{
	unsigned int start = vq->last_used_idx & (vq->num - 1);
	unsigned int first = min(count, vq->num - start);
	u16 old = vq->last_used_idx, new;
	int ret;

	if (!count)
		return 0;
	/* a ring stopped by a guest error is not written any more */
	if (vq->stopped)
		return -EIO;
	ret = vmon_vq_write_used(vq, heads, first);
	if (!ret && count > first) {
		vq->last_used_idx += first;
		ret = vmon_vq_write_used(vq, heads + first, count - first);
		vq->last_used_idx = old;
	}
	if (ret) {
		vmon_vq_fail(vq, "cannot write the used ring");
		return ret;
	}
	new = old + count;
	/* the entries are visible before the index */
	smp_wmb();
	if (put_user(cpu16(vq, new), &vq->used->idx) ||
	    vmon_log_used(vq, offsetof(struct vring_used, idx),
			  sizeof(vq->used->idx))) {
		vmon_vq_fail(vq, "cannot write the used index");
		return -EFAULT;
	}
	vq->last_used_idx = new;
	/* a signal check between old and new will see the wrap */
	if (unlikely((u16)(new - vq->signalled_used) < (u16)(new - old)))
		vq->signalled_used_valid = false;
	if (vmon_vq_logging(vq) && vq->log_used)
		vmon_log_kick(vq);
	return 0;
}

/**
 * vmon_vq_add_used() - complete one request
 * @vq: the ring, with its mutex held
 * @head: its head
 * @len: bytes written to its writable buffers
 *
 * Return: 0, or -EFAULT after the ring was stopped.
 */
int vmon_vq_add_used(struct vmon_vq *vq, unsigned int head, u32 len)
{
	struct vring_used_elem e = {
		.id = (__force __virtio32)head,
		.len = (__force __virtio32)len,
	};

	return vmon_vq_add_used_n(vq, &e, 1);
}

/**
 * vmon_vq_flush_heads() - complete the requests collected in vq->heads
 * @vq: the ring, with its mutex held
 *
 * Return: 0, or -EFAULT after the ring was stopped.
 */
int vmon_vq_flush_heads(struct vmon_vq *vq)
{
	int ret = vmon_vq_add_used_n(vq, vq->heads, vq->nheads);

	vq->nheads = 0;
	return ret;
}

static bool vmon_vq_need_signal(struct vmon_vq *vq)
{
	__virtio16 v;
	u16 old, new;
	bool valid;

	/* the used index is visible before we read the guest's wishes */
	smp_mb();
	if (vmon_vq_has_feature(vq, VIRTIO_F_NOTIFY_ON_EMPTY) &&
	    vq->avail_idx == vq->last_avail_idx &&
	    !get_user(v, &vq->avail->idx) &&
	    vq16(vq, v) == vq->last_avail_idx)
		return true;
	if (!vmon_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX)) {
		if (get_user(v, &vq->avail->flags))
			return true;
		return !(vq16(vq, v) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new = vq->last_used_idx;
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	if (unlikely(!valid))
		return true;
	if (get_user(v, &vq->avail->ring[vq->num]))
		return true;
	return vring_need_event(vq16(vq, v), new, old);
}

/**
 * vmon_vq_signal() - interrupt the guest if it wants to hear of new used
 * entries
 * @vq: the ring, with its mutex held
 */
void vmon_vq_signal(struct vmon_vq *vq)
{
	if (vq->call_ctx && !vq->stopped && vmon_vq_need_signal(vq))
		eventfd_signal(vq->call_ctx, 1);
}

/**
 * vmon_vq_disable_notify() - ask the guest not to kick
 * @vq: the ring, with its mutex held
 */
void vmon_vq_disable_notify(struct vmon_vq *vq)
{
	if (vq->used_flags & VRING_USED_F_NO_NOTIFY)
		return;
	vq->used_flags |= VRING_USED_F_NO_NOTIFY;
	if (vmon_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX))
		return;
	if (put_user(cpu16(vq, vq->used_flags), &vq->used->flags) ||
	    vmon_log_used(vq, offsetof(struct vring_used, flags), 2))
		vmon_vq_fail(vq, "cannot write the used flags");
}

/**
 * vmon_vq_enable_notify() - ask the guest to kick again
 * @vq: the ring, with its mutex held
 *
 * Return: true when buffers arrived meanwhile: the caller must disable
 * notification and serve them rather than wait for a kick.
 */
bool vmon_vq_enable_notify(struct vmon_vq *vq)
{
	int ret;

	vq->used_flags &= ~VRING_USED_F_NO_NOTIFY;
	if (vmon_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX)) {
		__virtio16 __user *ev = (__virtio16 __user *)
			&vq->used->ring[vq->num];

		ret = put_user(cpu16(vq, vq->avail_idx), ev);
		if (!ret)
			ret = vmon_log_used(vq, offsetof(struct vring_used,
							 ring[vq->num]), 2);
	} else {
		ret = put_user(cpu16(vq, vq->used_flags), &vq->used->flags);
		if (!ret)
			ret = vmon_log_used(vq,
					    offsetof(struct vring_used, flags),
					    2);
	}
	if (ret) {
		vmon_vq_fail(vq, "cannot write the used ring");
		return false;
	}
	/* the flag is visible before we look at the avail index again */
	smp_mb();
	if (!vmon_vq_fetch_avail(vq))
		return false;
	return vq->avail_idx != vq->last_avail_idx;
}

/* ---- ioctls ------------------------------------------------------------ */

static long vmon_vq_set_addr(struct vmon_vq *vq, void __user *argp)
{
	struct vhost_vring_addr a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(1U << VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((u64)(unsigned long)a.desc_user_addr != a.desc_user_addr ||
	    (u64)(unsigned long)a.used_user_addr != a.used_user_addr ||
	    (u64)(unsigned long)a.avail_user_addr != a.avail_user_addr)
		return -EFAULT;
	if ((a.desc_user_addr & (16 - 1)) || (a.avail_user_addr & (2 - 1)) ||
	    (a.used_user_addr & (4 - 1)))
		return -EINVAL;
	if (vq->private_data) {
		if (!vq->num ||
		    !access_ok(u64_to_user_ptr(a.desc_user_addr),
			       vq->num * sizeof(struct vring_desc)))
			return -EINVAL;
	}
	vq->desc = u64_to_user_ptr(a.desc_user_addr);
	vq->avail = u64_to_user_ptr(a.avail_user_addr);
	vq->used = u64_to_user_ptr(a.used_user_addr);
	vq->log_used = a.flags & (1U << VHOST_VRING_F_LOG);
	vq->log_addr = a.log_guest_addr;
	vq->stopped = false;
	vq->failed = false;
	if (vq->private_data && !vmon_vq_access_ok(vq))
		return -EINVAL;
	return 0;
}

static long vmon_vq_set_fd(struct vmon_vq *vq, unsigned int ioctl,
			   void __user *argp)
{
	struct eventfd_ctx *ctx = NULL, **slot;
	struct vhost_vring_file f;
	struct file *file = NULL;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;

	if (ioctl == VHOST_SET_VRING_KICK) {
		if (f.fd != VHOST_FILE_UNBIND) {
			file = eventfd_fget(f.fd);
			if (IS_ERR(file))
				return PTR_ERR(file);
		}
		vmon_poll_stop(&vq->poll);
		if (vq->kick)
			fput(vq->kick);
		vq->kick = file;
		if (file && vq->handle_kick)
			return vmon_poll_start(&vq->poll, file);
		return 0;
	}

	if (f.fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(f.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	slot = ioctl == VHOST_SET_VRING_CALL ? &vq->call_ctx : &vq->err_ctx;
	swap(*slot, ctx);
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

/**
 * vmon_vq_ioctl() - the VHOST_*_VRING_* ioctls
 * @dev: the device, with its mutex held, the caller its owner
 * @ioctl: the command
 * @argp: its argument
 *
 * Return: 0 or a negative error; -ENOIOCTLCMD for other commands.
 */
long vmon_vq_ioctl(struct vmon_vdev *dev, unsigned int ioctl,
		   void __user *argp)
{
	struct vhost_vring_state s;
	struct vmon_vq *vq;
	u32 idx;
	long ret = 0;

	switch (ioctl) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= dev->nvqs)
		return -ENOBUFS;
	idx = array_index_nospec(idx, dev->nvqs);
	vq = dev->vqs[idx];

	mutex_lock(&vq->mutex);
	switch (ioctl) {
	case VHOST_SET_VRING_NUM:
		if (vq->private_data) {
			ret = -EBUSY;
			break;
		}
		if (copy_from_user(&s, argp, sizeof(s))) {
			ret = -EFAULT;
			break;
		}
		if (!s.num || s.num > VMON_MAX_RING || (s.num & (s.num - 1))) {
			ret = -EINVAL;
			break;
		}
		vq->num = s.num;
		break;
	case VHOST_SET_VRING_BASE:
		if (vq->private_data) {
			ret = -EBUSY;
			break;
		}
		if (copy_from_user(&s, argp, sizeof(s))) {
			ret = -EFAULT;
			break;
		}
		if (s.num > 0xffff) {
			ret = -EINVAL;
			break;
		}
		vq->last_avail_idx = s.num;
		vq->avail_idx = s.num;
		vq->stopped = false;
		vq->failed = false;
		break;
	case VHOST_GET_VRING_BASE:
		s.index = idx;
		s.num = vq->last_avail_idx;
		vq->stopped = true;
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		break;
	case VHOST_SET_VRING_ADDR:
		ret = vmon_vq_set_addr(vq, argp);
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		ret = vmon_vq_set_fd(vq, ioctl, argp);
		break;
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		if (copy_from_user(&s, argp, sizeof(s)))
			ret = -EFAULT;
		else
			vq->busyloop_timeout = s.num;
		break;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		s.index = idx;
		s.num = vq->busyloop_timeout;
		if (copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		break;
	}
	mutex_unlock(&vq->mutex);
	return ret;
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
		return vmon_vq_ioctl(dev, ioctl, argp);
	}
}
