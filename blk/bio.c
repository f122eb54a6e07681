// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk reads and writes as bios, straight to a block-device back
 * end opened O_DIRECT: no kiocb and no file layer in between, and bios from
 * a per-CPU cache. Each bio pins the guest pages it covers; they are put
 * (and, for a read, marked dirty) back on the worker, in process context,
 * just before the request is posted, so bios are only ever freed there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/task_io_accounting_ops.h>
#include <linux/virtio_blk.h>

#include "blk.h"

static bool blk_bio = true;
module_param(blk_bio, bool, 0644);
MODULE_PARM_DESC(blk_bio,
		 "Serve reads and writes on O_DIRECT block-device back ends as bios rather than kiocbs; read when a back end is attached (default: Y)");

struct vmon_blk_bio {
	struct llist_node node;		/* on the request's list, once done */
	struct vmon_blk_req *req;
	bool cached;			/* goes back to the per-CPU cache */
	struct bio bio;			/* last: ends in its inline vecs */
};

static struct bio_set vmon_blk_bio_set;

int vmon_blk_bio_init(void)
{
	return bioset_init(&vmon_blk_bio_set, BIO_POOL_SIZE,
			   offsetof(struct vmon_blk_bio, bio),
			   BIOSET_NEED_BVECS | BIOSET_PERCPU_CACHE);
}

void vmon_blk_bio_exit(void)
{
	bioset_exit(&vmon_blk_bio_set);
}

/**
 * vmon_blk_bio_bdev() - the block device to send bios to, if any
 * @file: a back end being attached
 *
 * Return: the block device of @file when it is one, opened O_DIRECT (so
 * that bypassing the page cache changes nothing for its other users), and
 * the blk_bio parameter is on; otherwise NULL, for kiocbs.
 */
struct block_device *vmon_blk_bio_bdev(struct file *file)
{
	if (!READ_ONCE(blk_bio) || !S_ISBLK(file_inode(file)->i_mode) ||
	    !(file->f_flags & O_DIRECT))
		return NULL;
	return I_BDEV(file->f_mapping->host);
}

static void vmon_blk_bio_end_io(struct bio *bio)
{
	struct vmon_blk_bio *vb = container_of(bio, struct vmon_blk_bio, bio);
	struct vmon_blk_req *req = vb->req;

	if (bio->bi_status)
		WRITE_ONCE(req->bio_err, blk_status_to_errno(bio->bi_status));
	llist_add(&vb->node, &req->bios);
	/* fully ordered: the last one sees every error */
	if (atomic_dec_and_test(&req->bios_left))
		vmon_blk_req_done(req, req->bio_err ? req->bio_err : req->len);
}

/**
 * vmon_blk_bdev_may_write() - may a write go to @bdev now?
 * @bdev: a block-device back end, opened for writing
 *
 * The checks blkdev_write_iter() makes on every write, for the paths that
 * go around it: the device may have been made read-only (BLKROSET) or
 * taken for swap since it was opened.
 *
 * Return: 0, -EPERM or -ETXTBSY.
 */
int vmon_blk_bdev_may_write(struct block_device *bdev)
{
	if (bdev_read_only(bdev))
		return -EPERM;
	if (IS_SWAPFILE(vmon_bdev_inode(bdev)))
		return -ETXTBSY;
	return 0;
}

/**
 * vmon_blk_submit_bio() - submit a read or write as bios
 * @req: the request, with req->iter over the guest's buffers
 * @bdev: the back end, from vmon_blk_bio_bdev()
 *
 * Ends, now or later, in vmon_blk_req_done() with the byte count or an
 * error: -EINVAL when the position is not aligned as the device wants, as
 * O_DIRECT would say. The buffers are (vmon_blk_needs_bounce() said so).
 */
void vmon_blk_submit_bio(struct vmon_blk_req *req, struct block_device *bdev)
{
	bool read = req->type == VIRTIO_BLK_T_IN;
	blk_opf_t opf = read ? REQ_OP_READ : REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
	sector_t sector = req->sector;
	struct vmon_blk_bio *vb;
	struct bio *bio;
	int nr, ret;

	if (!read && (iocb_flags(req->file) & IOCB_DSYNC))
		opf |= REQ_FUA;
	req->bio_err = 0;
	/* the submitter's own count, so that no early end finishes it */
	atomic_set(&req->bios_left, 1);
	if ((req->sector << SECTOR_SHIFT) & (bdev_logical_block_size(bdev) - 1)) {
		req->bio_err = -EINVAL;
		goto out;
	}
	if (!read) {
		req->bio_err = vmon_blk_bdev_may_write(bdev);
		if (req->bio_err)
			goto out;
	}
	while ((nr = bio_iov_vecs_to_alloc(&req->iter, BIO_MAX_VECS))) {
		/* the per-CPU cache keeps small ones (and says so in bi_opf) */
		bio = bio_alloc_bioset(bdev, nr, opf | REQ_ALLOC_CACHE,
				       GFP_KERNEL, &vmon_blk_bio_set);
		if (!bio) {
			req->bio_err = -ENOMEM;
			break;
		}
		vb = container_of(bio, struct vmon_blk_bio, bio);
		vb->req = req;
		vb->cached = bio->bi_opf & REQ_ALLOC_CACHE;
		bio->bi_iter.bi_sector = sector;
		bio->bi_end_io = vmon_blk_bio_end_io;
		/* pins the pages: fails on memory the guest cannot write */
		ret = bio_iov_iter_get_pages(bio, &req->iter);
		if (ret) {
			bio_put(bio);
			req->bio_err = ret;
			break;
		}
		if (!read)
			task_io_account_write(bio->bi_iter.bi_size);
		sector += bio_sectors(bio);
		atomic_inc(&req->bios_left);
		submit_bio(bio);
	}
out:
	if (atomic_dec_and_test(&req->bios_left))
		vmon_blk_req_done(req, req->bio_err ? req->bio_err : req->len);
}

/**
 * __vmon_blk_bio_release() - put the pages and bios of a finished request
 * @req: the request, done, with bios (see vmon_blk_bio_release())
 *
 * On the worker, in process context: a page a read wrote is marked dirty
 * (taking its lock) before it is released (put on 6.1, unpinned since 6.5:
 * bio_release_pages() knows which), so that nothing the device wrote is
 * lost if the page was cleaned meanwhile; the bios go back to the cache.
 */
void __vmon_blk_bio_release(struct vmon_blk_req *req)
{
	bool dirty = req->type == VIRTIO_BLK_T_IN;
	struct vmon_blk_bio *vb, *next;
	struct llist_node *node;

	node = llist_del_all(&req->bios);
	llist_for_each_entry_safe(vb, next, node, node) {
		/* 6.1: the pages hold references; since 6.5 they are pinned */
		bio_release_pages(&vb->bio, dirty);
		/*
		 * Linux 6.1's submit_bio() drops REQ_ALLOC_CACHE for queues
		 * that do not poll, as their owners may put them in interrupt
		 * context; ours are put here, in process context.
		 */
		if (vb->cached)
			vb->bio.bi_opf |= REQ_ALLOC_CACHE;
		bio_put(&vb->bio);
	}
}
