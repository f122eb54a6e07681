// SPDX-License-Identifier: GPL-2.0
/*
 * vmon vring engine: the memory table (guest-physical to owner-virtual
 * translation) and dirty-page logging for live migration.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "vring_int.h"

static unsigned int max_mem_regions = 509;
module_param(max_mem_regions, uint, 0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Most regions in a ring device's memory table (default 509)");

static int vmon_region_cmp(const void *a, const void *b)
{
	const struct vmon_mem_region *ra = a, *rb = b;

	if (ra->gpa < rb->gpa)
		return -1;
	return ra->gpa > rb->gpa;
}

long vmon_set_mem_table(struct vmon_vdev *dev,
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
int vmon_translate(struct vmon_vq *vq, u64 gpa, u32 len, struct iovec *iov,
		   unsigned int max)
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
int vmon_copy_from_guest(struct vmon_vq *vq, void *dst, u64 gpa,
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

/*
 * Set the log bits of at most @count pages from @pfn, as many as one page
 * of the bitmap holds: one page pinned for them all, one atomic OR per
 * word. *@done says how many.
 */
static int vmon_log_bits(void __user *log_base, u64 pfn, u64 count,
			 u64 *done)
{
	unsigned long addr = (unsigned long)log_base + pfn / 8;
	unsigned long page_addr = addr & PAGE_MASK;
	unsigned long bit = (addr - page_addr) * 8 + pfn % 8;
	unsigned long end, mask, *base;
	struct page *page;

	count = min_t(u64, count, PAGE_SIZE * BITS_PER_BYTE - bit);
	end = bit + count;
	if (get_user_pages_fast(page_addr, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;
	base = kmap_local_page(page);
	while (bit < end) {
		mask = BITMAP_FIRST_WORD_MASK(bit);
		if (BIT_WORD(bit) == BIT_WORD(end - 1))
			mask &= BITMAP_LAST_WORD_MASK(end);
		/* what set_bit() does, for a word of bits at once */
		atomic_long_or(mask, (atomic_long_t *)&base[BIT_WORD(bit)]);
		bit = (BIT_WORD(bit) + 1) * BITS_PER_LONG;
	}
	kunmap_local(base);
	set_page_dirty_lock(page);
	put_page(page);
	*done = count;
	return 0;
}

static int vmon_log_range(struct vmon_vq *vq, u64 gpa, u64 len)
{
	void __user *log_base = READ_ONCE(vq->dev->log_base);
	u64 pfn, last, done;
	int ret;

	if (!len || !log_base)
		return 0;
	last = (gpa + len - 1) / VHOST_PAGE_SIZE;
	for (pfn = gpa / VHOST_PAGE_SIZE; pfn <= last; pfn += done) {
		ret = vmon_log_bits(log_base, pfn, last - pfn + 1, &done);
		if (ret)
			return ret;
	}
	return 0;
}

void vmon_log_kick(struct vmon_vq *vq)
{
	struct eventfd_ctx *ctx = READ_ONCE(vq->dev->log_ctx);

	if (ctx)
		vmon_eventfd_signal(ctx);
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
int vmon_log_used(struct vmon_vq *vq, u64 off, u64 len)
{
	if (!vmon_vq_logging(vq) || !vq->log_used)
		return 0;
	return vmon_log_range(vq, vq->log_addr + off, len);
}
