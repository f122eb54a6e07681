// SPDX-License-Identifier: GPL-2.0
/*
 * KSM hints and the dedup estimator.
 *
 * Guest RAM is what the VM's memory slots map: ranges of the VMM's address
 * space (kvm->mm). VMON_VM_KSM_ADVISE marks the mappings that back them as
 * mergeable or not with ksm_madvise() under the owner's mmap lock, as
 * madvise() would, except that the module cannot split a mapping (split_vma
 * is not exported): a range that a mapping straddles is refused before
 * anything changes, and a failure half-way (a fatal signal or no memory
 * while unmerging) puts back the advice of the mappings already changed.
 *
 * The estimator samples guest pages evenly (one random page in each of N
 * equal strides), never faults anything in (FOLL_NOFAULT: a page that is
 * not resident, never touched or swapped out, counts as zero, which is what
 * a never touched page is to the guest), hashes the non-zero ones
 * with xxh64 and counts repeated hashes. It runs one at a time, at most once
 * a second per VM, and drops the mmap lock every few pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/kvm_host.h>
#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xxhash.h>

#include "acct.h"
#include "vmon_core.h"

static DEFINE_MUTEX(vmon_est_mutex);

struct vmon_range {
	unsigned long hva;
	unsigned long npages;
};

/*
 * The user memory slots of address space 0. Returns the number of ranges
 * in *out (kvfree it), or -errno.
 */
static int vmon_guest_ranges(struct kvm *kvm, struct vmon_range **out)
{
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	struct vmon_range *r;
	int idx, bkt, n = 0, i = 0;

	idx = srcu_read_lock(&kvm->srcu);
	slots = kvm_memslots(kvm);
	kvm_for_each_memslot(slot, bkt, slots)
		if (slot->id < KVM_USER_MEM_SLOTS)
			n++;
	r = kvmalloc_array(max(n, 1), sizeof(*r), GFP_KERNEL);
	if (!r) {
		srcu_read_unlock(&kvm->srcu, idx);
		return -ENOMEM;
	}
	kvm_for_each_memslot(slot, bkt, slots) {
		if (slot->id >= KVM_USER_MEM_SLOTS || i >= n)
			continue;
		r[i].hva = slot->userspace_addr;
		r[i].npages = slot->npages;
		i++;
	}
	srcu_read_unlock(&kvm->srcu, idx);
	*out = r;
	return i;
}

u64 vmon_vm_guest_pages(struct vmon_vm *vm)
{
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	int idx, bkt;
	u64 pages = 0;

	lockdep_assert_held(&vm->lock);
	idx = srcu_read_lock(&vm->kvm->srcu);
	slots = kvm_memslots(vm->kvm);
	kvm_for_each_memslot(slot, bkt, slots)
		if (slot->id < KVM_USER_MEM_SLOTS)
			pages += slot->npages;
	srcu_read_unlock(&vm->kvm->srcu, idx);
	return pages;
}

void vmon_ksm_figures(struct vmon_vm *vm, u64 *merging, u64 *rmap_items)
{
	struct mm_struct *mm;

	lockdep_assert_held(&vm->lock);
	/* kvm holds mmgrab() on its mm: the struct outlives the VMM. */
	mm = vm->kvm->mm;
	*merging = READ_ONCE(mm->ksm_merging_pages);
	*rmap_items = READ_ONCE(mm->ksm_rmap_items);
}

/* The VM's kvm, referenced, or NULL once it is released. */
static struct kvm *vmon_vm_kvm(struct vmon_vm *vm)
{
	struct kvm *kvm;

	mutex_lock(&vm->lock);
	kvm = vm->kvm;
	if (kvm)
		kvm_get_kvm(kvm);
	mutex_unlock(&vm->lock);
	return kvm;
}

static int vmon_cmp_range(const void *a, const void *b)
{
	unsigned long x = ((const struct vmon_range *)a)->hva;
	unsigned long y = ((const struct vmon_range *)b)->hva;

	return x < y ? -1 : x > y;
}

/*
 * Sort r[0..n) and merge ranges that touch or overlap (two memory slots
 * cut from one mapping, or aliases), so that a mapping which backs several
 * slots lies inside one range. Return the new count.
 */
static int vmon_coalesce(struct vmon_range *r, int n)
{
	unsigned long end, e;
	int i, out = 0;

	if (n <= 1)
		return n;
	sort(r, n, sizeof(*r), vmon_cmp_range, NULL);
	for (i = 1; i < n; i++) {
		end = r[out].hva + (r[out].npages << PAGE_SHIFT);
		if (r[i].hva <= end) {
			e = r[i].hva + (r[i].npages << PAGE_SHIFT);
			if (e > end)
				r[out].npages = (e - r[out].hva) >> PAGE_SHIFT;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

/* A mapping whose advice changed, and its flags before. */
struct vmon_advised {
	struct vm_area_struct *vma;
	unsigned long old_flags;
};

/*
 * Count the mappings that [start, end) touches into *nr; -EINVAL when one
 * of them reaches outside the range (it would have to be split).
 */
static int vmon_advise_check(struct mm_struct *mm, unsigned long start,
			     unsigned long end, unsigned int *nr)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		if (vma->vm_start < start || vma->vm_end > end)
			return -EINVAL;
		(*nr)++;
	}
	return 0;
}

/* Advise every mapping of [start, end), noting each change in done[]. */
static int vmon_advise_range(struct mm_struct *mm, unsigned long start,
			     unsigned long end, int advice,
			     struct vmon_advised *done, unsigned int *nr_done)
{
	struct vm_area_struct *vma;
	unsigned long addr, flags;
	int ret;

	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		flags = vma->vm_flags;
		ret = ksm_madvise(vma, vma->vm_start, vma->vm_end, advice,
				  &flags);
		if (ret)
			return ret;
		if (flags != vma->vm_flags) {
			done[*nr_done].vma = vma;
			done[*nr_done].old_flags = vma->vm_flags;
			(*nr_done)++;
			vmon_vm_flags_reset(vma, flags);
		}
	}
	return 0;
}

/*
 * Advise the ranges r[0..n) of mm, all or nothing: first check that no
 * mapping straddles a range, then advise, and on a failure put the flags
 * of the mappings already changed back. (Pages that unmerging already
 * copied stay copied; their content is the same, and ksmd may merge them
 * again.) Under the mmap write lock ksmd cannot merge meanwhile.
 */
static int vmon_advise_ranges(struct mm_struct *mm, struct vmon_range *r,
			      int n, int advice, u32 *count)
{
	struct vmon_advised *done;
	unsigned int nr = 0, nr_done = 0;
	int i, ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = vmon_advise_check(mm, r[i].hva,
					r[i].hva + (r[i].npages << PAGE_SHIFT),
					&nr);
	if (ret || !nr)
		return ret;
	done = kvmalloc_array(nr, sizeof(*done), GFP_KERNEL_ACCOUNT);
	if (!done)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = vmon_advise_range(mm, r[i].hva,
					r[i].hva + (r[i].npages << PAGE_SHIFT),
					advice, done, &nr_done);
	if (ret) {
		while (nr_done--)
			vmon_vm_flags_reset(done[nr_done].vma,
					    done[nr_done].old_flags);
	} else {
		*count = nr_done;
	}
	kvfree(done);
	return ret;
}

long vmon_ksm_advise(struct vmon_ksm_advise *arg)
{
	struct vmon_range *r = NULL;
	struct mm_struct *mm;
	struct vmon_vm *vm;
	struct kvm *kvm;
	u64 end = arg->start + arg->len;
	int advice, n, i;
	long ret;

	if (arg->pad || arg->vmas)
		return -EINVAL;
	if (arg->advice == VMON_KSM_MERGEABLE)
		advice = MADV_MERGEABLE;
	else if (arg->advice == VMON_KSM_UNMERGEABLE)
		advice = MADV_UNMERGEABLE;
	else
		return -EINVAL;
	if (!PAGE_ALIGNED(arg->start) || !PAGE_ALIGNED(arg->len) ||
	    end < arg->start || (arg->start && !arg->len))
		return -EINVAL;

	vm = vmon_vm_get_by_id(arg->id);
	if (!vm)
		return -ENOENT;
	ret = -ENOENT;
	kvm = vmon_vm_kvm(vm);
	if (!kvm)
		goto out_vm;
	n = vmon_guest_ranges(kvm, &r);
	ret = n;
	if (n < 0)
		goto out_kvm;

	/* An explicit range must lie inside one memory slot. */
	if (arg->len) {
		ret = -EINVAL;
		for (i = 0; i < n; i++) {
			u64 s = r[i].hva, e = s + ((u64)r[i].npages << PAGE_SHIFT);

			if (arg->start >= s && end <= e) {
				r[0].hva = arg->start;
				r[0].npages = arg->len >> PAGE_SHIFT;
				n = 1;
				ret = 0;
				break;
			}
		}
		if (ret)
			goto out_ranges;
	}

	ret = -ESRCH;
	mm = kvm->mm;
	if (!mmget_not_zero(mm))
		goto out_ranges;
	ret = mmap_write_lock_killable(mm);
	if (ret)
		goto out_mm;
	ret = vmon_advise_ranges(mm, r, vmon_coalesce(r, n), advice,
				 &arg->vmas);
	mmap_write_unlock(mm);
out_mm:
	mmput(mm);
out_ranges:
	kvfree(r);
out_kvm:
	kvm_put_kvm(kvm);
out_vm:
	vmon_vm_put(vm);
	return ret;
}

static int vmon_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Look at one page: 1 if zero or never touched, else 0 with its hash. */
static int vmon_sample_page(struct mm_struct *mm, unsigned long hva, u64 *hash)
{
	struct page *page;
	void *p;
	int zero;

	/* No fault: nothing is allocated, read from swap or page cache. */
	if (vmon_get_user_pages_remote(mm, hva, 1, FOLL_NOFAULT | FOLL_DUMP,
				       &page, NULL) != 1)
		return 1;
	p = kmap_local_page(page);
	zero = !memchr_inv(p, 0, PAGE_SIZE);
	if (!zero)
		*hash = xxh64(p, PAGE_SIZE, 0);
	kunmap_local(p);
	put_page(page);
	return zero;
}

/*
 * Sample est->pages pages spread over the @total pages of the ranges @r of
 * @mm: zero pages counted in est->zero, the others' hashes in @hashes
 * (*@nhash of them). The mmap lock is dropped every 64 pages.
 */
static int vmon_est_sample(struct mm_struct *mm, const struct vmon_range *r,
			   u64 total, struct vmon_estimate *est, u64 *hashes,
			   u32 *nhash)
{
	u64 stride = div_u64(total, est->pages), pg, base = 0;
	int ri = 0, ret;
	u32 i;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	for (i = 0; i < est->pages; i++) {
		pg = div_u64((u64)i * total, est->pages) +
		     get_random_u32_below(min_t(u64, stride, U32_MAX));
		while (pg >= base + r[ri].npages) {
			base += r[ri].npages;
			ri++;
		}
		if (vmon_sample_page(mm, r[ri].hva + ((pg - base) << PAGE_SHIFT),
				     &hashes[*nhash]))
			est->zero++;
		else
			(*nhash)++;
		if ((i & 63) == 63) {
			mmap_read_unlock(mm);
			cond_resched();
			if (fatal_signal_pending(current))
				return -EINTR;
			ret = mmap_read_lock_killable(mm);
			if (ret)
				return ret;
		}
	}
	mmap_read_unlock(mm);
	return 0;
}

/* The pages of @n hashes that repeat an earlier one (sorts @hashes). */
static u32 vmon_est_dups(u64 *hashes, u32 n)
{
	u32 i, run, dup = 0;

	sort(hashes, n, sizeof(*hashes), vmon_cmp_u64, NULL);
	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && hashes[i + run] == hashes[i];)
			run++;
		dup += run - 1;
	}
	return dup;
}

int vmon_ksm_estimate(struct vmon_vm *vm, u32 want)
{
	struct vmon_range *r = NULL;
	struct vmon_estimate est = { 0 };
	struct mm_struct *mm;
	struct kvm *kvm;
	u64 total = 0, start;
	u64 *hashes = NULL;
	u32 nhash = 0, i;
	int n, ret;

	kvm = vmon_vm_kvm(vm);
	if (!kvm)
		return -ENOENT;
	ret = -EINTR;
	if (mutex_lock_killable(&vmon_est_mutex))
		goto out_kvm;
	ret = -EBUSY;
	mutex_lock(&vm->lock);
	if (vm->est.when && ktime_get_ns() - vm->est.when < NSEC_PER_SEC) {
		mutex_unlock(&vm->lock);
		goto out_unlock;
	}
	mutex_unlock(&vm->lock);

	n = vmon_guest_ranges(kvm, &r);
	ret = n;
	if (n < 0)
		goto out_unlock;
	for (i = 0; i < n; i++)
		total += r[i].npages;
	ret = -ENODATA;
	if (!total)
		goto out_ranges;
	est.pages = min_t(u64, want, total);
	est.guest_pages = total;
	ret = -ENOMEM;
	hashes = kvmalloc_array(est.pages, sizeof(*hashes), GFP_KERNEL);
	if (!hashes)
		goto out_ranges;

	ret = -ESRCH;
	mm = kvm->mm;
	if (!mmget_not_zero(mm))
		goto out_ranges;
	start = ktime_get_ns();
	ret = vmon_est_sample(mm, r, total, &est, hashes, &nhash);
	if (ret)
		goto out_mm;
	est.dup = vmon_est_dups(hashes, nhash);
	est.pct = div_u64((u64)(est.zero + est.dup) * 10000, est.pages);
	est.when = ktime_get_ns();
	est.cost_ns = est.when - start;
	mutex_lock(&vm->lock);
	vm->est = est;
	mutex_unlock(&vm->lock);
	ret = 0;
out_mm:
	mmput(mm);
out_ranges:
	kvfree(hashes);
	kvfree(r);
out_unlock:
	mutex_unlock(&vmon_est_mutex);
out_kvm:
	kvm_put_kvm(kvm);
	return ret;
}
