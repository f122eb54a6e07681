// SPDX-License-Identifier: GPL-2.0
/*
 * Bounce buffers for direct I/O. A guest buffer that an O_DIRECT back end
 * cannot take (not aligned to the device's DMA alignment, or segments that
 * are not whole logical blocks) goes through pages of our own, as QEMU
 * does for cache=none: a write is copied in before it is submitted, a read
 * copied out on the worker, in the owner's mm, before it is posted.
 * Bounced requests take the file's O_DIRECT path, never bios.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/blkdev.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/virtio_blk.h>

#include "blk.h"

/* Largest request bounced: a guest cannot make us hold more per request. */
#define VMON_BLK_BOUNCE_MAX	SZ_1M

/**
 * vmon_blk_bounce_setup() - learn what direct I/O on a back end wants
 * @bvq: the queue, with its ring mutex held
 * @file: its new back end
 *
 * Only for files opened O_DIRECT on a block device or on a file system
 * that has one; anything else is never bounced.
 */
void vmon_blk_bounce_setup(struct vmon_blk_vq *bvq, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct block_device *bdev;

	bvq->dio_bounce = false;
	if (!(file->f_flags & O_DIRECT))
		return;
	if (S_ISBLK(inode->i_mode))
		bdev = I_BDEV(file->f_mapping->host);
	else
		bdev = inode->i_sb->s_bdev;
	if (!bdev)
		return;
	bvq->dio_dma_mask = bdev_dma_alignment(bdev);
	bvq->dio_len_mask = bdev_logical_block_size(bdev) - 1;
	bvq->dio_bounce = true;
}

/**
 * vmon_blk_bounce() - move a request onto pages of our own
 * @req: a read or write that vmon_blk_needs_bounce() (blk.h)
 *
 * On success req->iter covers the pages, with a write's data copied in.
 * Whatever happens, vmon_blk_bounce_end() frees them.
 *
 * Return: 0, -EINVAL for a request larger than VMON_BLK_BOUNCE_MAX,
 * -ENOMEM, or -EFAULT when the guest's data cannot be read.
 */
int vmon_blk_bounce(struct vmon_blk_req *req)
{
	bool write = req->type == VIRTIO_BLK_T_OUT;
	unsigned int n = DIV_ROUND_UP(req->len, PAGE_SIZE), i;
	u64 left = req->len;
	struct bio_vec *bv;

	if (req->len > VMON_BLK_BOUNCE_MAX)
		return -EINVAL;
	bv = kcalloc(n, sizeof(*bv), GFP_KERNEL_ACCOUNT);
	if (!bv)
		return -ENOMEM;
	req->bounce = bv;
	for (i = 0; i < n; i++) {
		size_t chunk = min_t(u64, left, PAGE_SIZE);

		bv[i].bv_page = alloc_page(GFP_KERNEL_ACCOUNT);
		if (!bv[i].bv_page)
			return -ENOMEM;
		bv[i].bv_offset = 0;
		bv[i].bv_len = chunk;
		req->nbounce++;
		if (write &&
		    copy_page_from_iter(bv[i].bv_page, 0, chunk,
					&req->iter) != chunk)
			return -EFAULT;
		left -= chunk;
	}
	iov_iter_bvec(&req->iter, write ? ITER_SOURCE : ITER_DEST, bv, n,
		      req->len);
	return 0;
}

/**
 * __vmon_blk_bounce_end() - finish a bounced request
 * @req: the request, done, on the worker in the owner's mm
 *
 * A read that succeeded is copied out to the guest's buffers (-EFAULT in
 * req->ret if they cannot be written); the pages are freed.
 */
void __vmon_blk_bounce_end(struct vmon_blk_req *req)
{
	struct bio_vec *bv = req->bounce;
	struct iov_iter it;
	unsigned int i;

	if (req->type == VIRTIO_BLK_T_IN && req->ret == (long)req->len) {
		iov_iter_init(&it, ITER_DEST, req->iov, req->niov, req->len);
		for (i = 0; i < req->nbounce; i++) {
			if (copy_page_to_iter(bv[i].bv_page, 0, bv[i].bv_len,
					      &it) != bv[i].bv_len) {
				req->ret = -EFAULT;
				break;
			}
		}
	}
	for (i = 0; i < req->nbounce; i++)
		__free_page(bv[i].bv_page);
	kfree(bv);
	req->bounce = NULL;
	req->nbounce = 0;
}
