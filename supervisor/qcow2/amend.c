// SPDX-License-Identifier: GPL-2.0
/*
 * amend: compat and lazy_refcounts in the header, and a new refcount width,
 * for which the refcount table and blocks are rebuilt at the end of the
 * file and the header switched to them in one write (a crash before it
 * leaves the old structures in use, the new ones as unreferenced space). The
 * new structures start past the last cluster the old ones count.
 */
#include <stdlib.h>

#include "qcow2_int.h"

/* 2^26 clusters (4 TiB of 64 KiB clusters): 512 MiB of refcounts in memory */
#define MAX_AMEND_CLUSTERS (1ull << 26)

/* 1 when an active L2 entry is a v3 zero cluster, 0 if none, or -errno. */
static int has_zero_clusters(struct vimg *q)
{
	uint64_t i, j, e, off;
	void *l2;
	int ret;

	for (i = 0; i < q->l1_size; i++) {
		ret = l1_entry_l2(q, q->l1[i], i, &off);
		if (ret)
			return ret;
		if (!off)
			continue;
		ret = tcache_get(&q->l2c, off, true, &l2);
		if (ret)
			return ret;
		for (j = 0; j < l2_entries(q); j++) {
			e = l2_get(q, l2, j, NULL);
			if (!(e & QCOW_COMPRESSED) && (e & QCOW_ZERO))
				return 1;
		}
	}
	return 0;
}

int qcow2_amend(struct vimg *q, int compat, int lazy)
{
	int ret;

	if (q->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: amend needs a qcow2 image", q->path);
	ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	if (compat == 2 && q->version == 3) {
		if (q->refcount_order != 4 || q->ext_l2 || q->compression_type)
			return qerr(EINVAL, "compat=0.10 needs refcount_bits=16, no extended_l2 "
					    "and zlib compression");
		if (lazy == 1 || (lazy < 0 && (q->compat & COMPAT_LAZY)))
			return qerr(EINVAL, "lazy_refcounts need compat=1.1");
		/* zero clusters do not exist in v2; refuse rather than expand */
		ret = has_zero_clusters(q);
		if (ret < 0)
			return ret;
		if (ret)
			return qerr(ENOTSUP, "the image has zero clusters, which compat=0.10 "
					     "cannot express (not downgraded)");
		if (q->nb_snapshots)
			return qerr(
				ENOTSUP,
				"downgrading an image with internal snapshots is not supported");
		q->version = 2;
		q->compat = q->incompat = q->autoclear = 0;
		q->header_length = QCOW2_V2_HDR_LEN;
	} else if (compat == 3 && q->version == 2) {
		q->version = 3;
		q->header_length = QCOW2_HDR_LEN_COMP;
		q->refcount_order = 4;
	}
	if (lazy >= 0) {
		if (lazy && q->version < 3)
			return qerr(EINVAL, "lazy_refcounts need compat=1.1");
		if (lazy)
			q->compat |= COMPAT_LAZY;
		else
			q->compat &= ~COMPAT_LAZY;
		q->l2c.depends = lazy ? NULL : &q->rbc;
	}
	ret = qcow2_write_header(q);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	return ret;
}

/*
 * The refcounts of clusters [0, n) in a new array; the clusters of the
 * current refcount table and blocks count 0 (they are dropped).
 */
static int read_refcounts(struct vimg *q, uint64_t n, uint64_t **out)
{
	uint64_t *rc = calloc(n ? n : 1, 8), i, c;
	int ret = 0;

	if (!rc)
		return qerr(ENOMEM, "out of memory");
	for (c = 0; c < n && !ret; c++)
		ret = rc_get(q, c, &rc[c]);
	for (i = 0; i < q->rt_clusters && !ret; i++)
		if ((q->rt_offset >> q->cluster_bits) + i < n)
			rc[(q->rt_offset >> q->cluster_bits) + i] = 0;
	for (i = 0; i < q->rt_entries && !ret; i++)
		if ((q->rt[i] & RT_OFFSET_MASK) && (q->rt[i] >> q->cluster_bits) < n)
			rc[(q->rt[i] & RT_OFFSET_MASK) >> q->cluster_bits] = 0;
	if (ret)
		free(rc);
	else
		*out = rc;
	return ret;
}

int qcow2_set_refcount_bits(struct vimg *q, int bits)
{
	uint64_t n, start, nb = 1, nt = 1, per_blk, total, i, c, max, *rc = NULL, *rt = NULL;
	uint32_t order, old_order = q->refcount_order;
	uint8_t *blk = NULL;
	off_t end;
	int ret;

	for (order = 0; order <= 6 && (1 << order) != bits; order++)
		;
	if (order > 6)
		return qerr(EINVAL, "refcount_bits: %d is not a power of two up to 64", bits);
	if (order == q->refcount_order)
		return 0;
	if (q->version < 3)
		return qerr(EINVAL, "refcount_bits other than 16 need compat=1.1");
	ret = qcow2_flush_meta(q);
	end = lseek(q->fd, 0, SEEK_END);
	if (!ret && end < 0)
		ret = qerr(errno, "%s: %s", q->path, strerror(errno));
	if (ret)
		return ret;
	/*
	 * Carried over: the refcounts of clusters [0, n), up to the end of the
	 * file or of the last refcount block (past it everything is free). The
	 * new structures go at cluster start, past the file and the old
	 * structures, which stay intact until the header is switched.
	 */
	start = align_up((uint64_t)end > q->file_end ? (uint64_t)end : q->file_end, q->cs) >>
		q->cluster_bits;
	if (start < (q->rt_offset >> q->cluster_bits) + q->rt_clusters)
		start = (q->rt_offset >> q->cluster_bits) + q->rt_clusters;
	for (i = 0, n = 0; i < q->rt_entries; i++) {
		c = (q->rt[i] & RT_OFFSET_MASK) >> q->cluster_bits;
		if (!c)
			continue;
		n = (i + 1) << q->rb_bits;
		if (start <= c)
			start = c + 1;
	}
	if (n > start)
		n = start;
	if (start > MAX_AMEND_CLUSTERS)
		return qerr(EFBIG,
			    "the image spans %llu clusters, more than the %llu whose refcounts "
			    "amend rewrites (not changed)",
			    (unsigned long long)start, (unsigned long long)MAX_AMEND_CLUSTERS);
	ret = read_refcounts(q, n, &rc);
	if (ret)
		return ret;
	max = order == 6 ? UINT64_MAX : (1ull << (1u << order)) - 1;
	for (c = 0; c < n; c++)
		if (rc[c] > max) {
			ret = qerr(ERANGE,
				   "cluster %llu has refcount %llu, more than refcount_bits=%d "
				   "can hold (not changed)",
				   (unsigned long long)c, (unsigned long long)rc[c], bits);
			goto out;
		}
	/* new table at cluster start, its blocks after it, all covered by the blocks */
	per_blk = q->cs * 8 >> order;
	for (;;) {
		total = start + nt + nb;
		if (nb * per_blk >= total && nt * q->cs / 8 >= nb)
			break;
		nb = (total + per_blk - 1) / per_blk;
		nt = (nb * 8 + q->cs - 1) / q->cs;
	}
	blk = malloc(q->cs);
	rt = calloc(nt * q->cs / 8, 8);
	if (!blk || !rt) {
		ret = qerr(ENOMEM, "out of memory");
		goto out;
	}
	q->refcount_order = order; /* for rb_set on the new blocks */
	for (i = 0; i < nb && !ret; i++) {
		memset(blk, 0, q->cs);
		for (c = i * per_blk; c < (i + 1) * per_blk && c < total; c++)
			rb_set(q, blk, c - i * per_blk, c < n ? rc[c] : c >= start);
		rt[i] = htobe64((start + nt + i) << q->cluster_bits);
		ret = pwrite_full(q->fd, blk, q->cs, (start + nt + i) << q->cluster_bits);
	}
	q->refcount_order = old_order;
	if (!ret)
		ret = pwrite_full(q->fd, rt, nt * q->cs, start << q->cluster_bits);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	if (ret)
		goto out;
	/* the switch: order, table offset and size are in the header's first sector */
	tcache_flush(&q->rbc);
	tcache_clear(&q->rbc);
	for (i = 0; i < nt * q->cs / 8; i++)
		rt[i] = be64toh(rt[i]);
	free(q->rt);
	q->rt = rt;
	rt = NULL;
	q->rt_entries = nt * q->cs / 8;
	q->rt_offset = start << q->cluster_bits;
	q->rt_clusters = nt;
	q->refcount_order = order;
	q->rb_bits = q->cluster_bits + 3 - order;
	q->free_hint = 0;
	q->file_end = total << q->cluster_bits;
	if (q->fresh_off < q->file_end)
		q->fresh_off = q->file_end;
	ret = qcow2_write_header(q);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
out:
	free(rc);
	free(rt);
	free(blk);
	return ret;
}
