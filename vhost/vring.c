// SPDX-License-Identifier: GPL-2.0
/*
 * vmon vring engine: split virtqueues (descriptor chains, avail and used
 * rings, notifications) and the per-ring vhost ioctls.
 *
 * See vring.h for the model and Documentation/vhost.rst for the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "trace.h"
#include "vring_int.h"

#define VMON_MAX_RING	32768

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
		vmon_eventfd_signal(vq->err_ctx);
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

/* Can rings of @num entries at these addresses be read and written? */
static bool vmon_vq_addrs_ok(unsigned int num, struct vring_desc __user *desc,
			     struct vring_avail __user *avail,
			     struct vring_used __user *used)
{
	size_t n = num;

	return desc && avail && used &&
	       access_ok(desc, n * sizeof(struct vring_desc)) &&
	       access_ok(avail, sizeof(struct vring_avail) +
			 (n + 1) * sizeof(__virtio16)) &&
	       access_ok(used, sizeof(struct vring_used) +
			 n * sizeof(struct vring_used_elem) +
			 sizeof(__virtio16));
}

static bool vmon_vq_access_ok(struct vmon_vq *vq)
{
	return vmon_vq_addrs_ok(vq->num, vq->desc, vq->avail, vq->used);
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
	vq->traced_used = vq->last_used_idx;
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

/*
 * Read one descriptor of the ring's own table: four loads in one user
 * access window, cheaper than a 16-byte copy_from_user() per descriptor.
 */
static int vmon_vq_read_desc(struct vring_desc *d,
			     const struct vring_desc __user *p)
{
	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(d->addr, &p->addr, efault);
	unsafe_get_user(d->len, &p->len, efault);
	unsafe_get_user(d->flags, &p->flags, efault);
	unsafe_get_user(d->next, &p->next, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
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

/*
 * The head of the next available chain: its index, vq->num when the ring
 * is empty, or a negative error after the ring was stopped.
 */
static int vmon_vq_next_head(struct vmon_vq *vq)
{
	__virtio16 ring_head;
	unsigned int head;

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
	return head;
}

/*
 * Descriptor @i points to an indirect table at @addr of @len bytes: 0 when
 * it may be followed, else a negative error after the ring was stopped.
 */
static int vmon_vq_check_indirect(struct vmon_vq *vq, unsigned int i,
				  u16 flags, u64 addr, u32 len, bool nested)
{
	if (nested) {
		vmon_vq_fail(vq, "indirect table inside an indirect table");
		return -EINVAL;
	}
	if (!vmon_vq_has_feature(vq, VIRTIO_RING_F_INDIRECT_DESC) ||
	    (flags & VRING_DESC_F_NEXT)) {
		vmon_vq_fail(vq, "bad indirect descriptor %u", i);
		return -EINVAL;
	}
	if (!len || len % sizeof(struct vring_desc) ||
	    len / sizeof(struct vring_desc) > UIO_MAXIOV || addr + len < addr) {
		vmon_vq_fail(vq, "bad indirect table length %u", len);
		return -EINVAL;
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
	unsigned int i, count = 0, max = vq->num;
	bool indirect = false;
	u64 table = 0;
	int head, ret;

	head = vmon_vq_next_head(vq);
	if (head < 0 || head == vq->num)
		return head;

	*out_num = 0;
	*in_num = 0;
	*log_num = 0;
	i = head;
	for (;;) {
		u16 flags;
		u32 len;
		u64 addr;

		if (++count > max) {
			vmon_vq_fail(vq, "descriptor chain from %d loops", head);
			return -ELOOP;
		}
		if (indirect)
			ret = vmon_copy_from_guest(vq, &desc,
						   table + i * sizeof(desc),
						   sizeof(desc));
		else
			ret = vmon_vq_read_desc(&desc, vq->desc + i);
		if (ret) {
			vmon_vq_fail(vq, "cannot read descriptor %u", i);
			return ret;
		}
		flags = vq16(vq, desc.flags);
		addr = __virtio64_to_cpu(vmon_vq_le(vq), desc.addr);
		len = __virtio32_to_cpu(vmon_vq_le(vq), desc.len);

		if (flags & VRING_DESC_F_INDIRECT) {
			ret = vmon_vq_check_indirect(vq, i, flags, addr, len,
						     indirect);
			if (ret)
				return ret;
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
 * Return: 0, -EIO when a guest error stopped the ring, or -EFAULT after it
 * was stopped because the used ring cannot be written.
 */
int vmon_vq_add_used_n(struct vmon_vq *vq, struct vring_used_elem *heads,
		       unsigned int count)
{
	u16 old = vq->last_used_idx, new;
	unsigned int done, n;
	int ret = 0;

	if (!count)
		return 0;
	/*
	 * A ring stopped by a guest error is not written any more; one
	 * stopped by GET_VRING_BASE still gets the requests it had taken.
	 */
	if (vq->failed)
		return -EIO;
	/*
	 * Up to the end of the ring, then from its start, as often as it
	 * takes: a guest that posts a head again before its used entry is
	 * written gets more completions in one batch than the ring has
	 * entries, and none may land past the ring.
	 */
	for (done = 0; done < count && !ret; done += n) {
		u16 start = (old + done) & (vq->num - 1);

		n = min(count - done, vq->num - start);
		vq->last_used_idx = old + done;
		ret = vmon_vq_write_used(vq, heads + done, n);
	}
	vq->last_used_idx = old;
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
	if (!vq->call_ctx || vq->failed || !vmon_vq_need_signal(vq))
		return;
	vmon_eventfd_signal(vq->call_ctx);
	if (trace_vq_signal_enabled())
		trace_vq_signal(vq->acct, vq->index,
				vq->last_used_idx - vq->traced_used);
	vq->traced_used = vq->last_used_idx;
}

/**
 * vmon_vq_flush_signal() - complete the collected requests and interrupt the
 * guest if it wants to hear of them
 * @vq: the ring, with its mutex held
 *
 * Return: 0 (also when nothing was collected), or -EFAULT after the ring was
 * stopped.
 */
int vmon_vq_flush_signal(struct vmon_vq *vq)
{
	int ret;

	if (!vq->nheads)
		return 0;
	ret = vmon_vq_flush_heads(vq);
	if (!ret)
		vmon_vq_signal(vq);
	return ret;
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

/*
 * VHOST_SET_VRING_ADDR. Everything is checked before anything changes: a
 * refused call leaves the ring as it was, running at its old addresses.
 */
static long vmon_vq_set_addr(struct vmon_vq *vq, void __user *argp)
{
	struct vring_avail __user *avail;
	struct vring_used __user *used;
	struct vring_desc __user *desc;
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
	desc = u64_to_user_ptr(a.desc_user_addr);
	avail = u64_to_user_ptr(a.avail_user_addr);
	used = u64_to_user_ptr(a.used_user_addr);
	/* a ring without a back end is checked when one is set */
	if (vq->private_data && !vmon_vq_addrs_ok(vq->num, desc, avail, used))
		return -EINVAL;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->log_used = a.flags & (1U << VHOST_VRING_F_LOG);
	vq->log_addr = a.log_guest_addr;
	vq->stopped = false;
	vq->failed = false;
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

/* VHOST_SET_VRING_NUM and VHOST_SET_VRING_BASE: not while a back end runs. */
static long vmon_vq_set_state(struct vmon_vq *vq, unsigned int ioctl,
			      void __user *argp)
{
	struct vhost_vring_state s;

	if (vq->private_data)
		return -EBUSY;
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (ioctl == VHOST_SET_VRING_NUM) {
		if (!s.num || s.num > VMON_MAX_RING || (s.num & (s.num - 1)))
			return -EINVAL;
		vq->num = s.num;
		return 0;
	}
	if (s.num > 0xffff)
		return -EINVAL;
	vq->last_avail_idx = s.num;
	vq->avail_idx = s.num;
	vq->stopped = false;
	vq->failed = false;
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
	case VHOST_SET_VRING_BASE:
		ret = vmon_vq_set_state(vq, ioctl, argp);
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
		else	/* clamped: GET reports what is in force */
			vq->busyloop_timeout = min_t(u32, s.num,
						     VMON_BUSYLOOP_MAX_US);
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
