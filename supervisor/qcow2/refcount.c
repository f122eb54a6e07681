// SPDX-License-Identifier: GPL-2.0
/*
 * Refcounts and cluster allocation.
 *
 * Refcount entries are 2^refcount_order bits wide. Entries narrower than a
 * byte are packed from the least significant bit; wider ones are big-endian.
 * A missing refcount block covers clusters of refcount 0. A new block is put
 * in the first free cluster of the range it covers (so it describes itself),
 * and a grown refcount table goes to a fresh region past everything the old
 * table covers, with its own blocks in front of it, before the header is
 * pointed at it. Every step leaves the on-disk state valid or merely leaking.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "qcow2_int.h"

uint64_t rc_max(const struct vimg *q)
{
	return q->refcount_order == 6 ? UINT64_MAX : (1ull << (1u << q->refcount_order)) - 1;
}

uint64_t rb_get(const struct vimg *q, const void *blk, uint64_t i)
{
	const uint8_t *b = blk;
	unsigned o = q->refcount_order, w = 1u << o;

	switch (o) {
	case 0:
	case 1:
	case 2:
		return (b[i >> (3 - o)] >> ((i & ((8u >> o) - 1)) * w)) & ((1u << w) - 1);
	case 3:
		return b[i];
	case 4:
		return be16(b + 2 * i);
	case 5:
		return be32(b + 4 * i);
	default:
		return be64(b + 8 * i);
	}
}

void rb_set(const struct vimg *q, void *blk, uint64_t i, uint64_t v)
{
	uint8_t *b = blk;
	unsigned o = q->refcount_order, w = 1u << o, sh;

	switch (o) {
	case 0:
	case 1:
	case 2:
		sh = (i & ((8u >> o) - 1)) * w;
		b[i >> (3 - o)] = (b[i >> (3 - o)] & ~(((1u << w) - 1) << sh)) | (v << sh);
		break;
	case 3:
		b[i] = v;
		break;
	case 4:
		put16(b + 2 * i, v);
		break;
	case 5:
		put32(b + 4 * i, v);
		break;
	default:
		put64(b + 8 * i, v);
	}
}

int rc_get(struct vimg *q, uint64_t cluster, uint64_t *rc)
{
	uint64_t bi = cluster >> q->rb_bits, off;
	void *blk;
	int ret;

	*rc = 0;
	ret = rt_entry_block(q, bi, &off);
	if (ret || !off)
		return ret;
	ret = tcache_get(&q->rbc, off, true, &blk);
	if (ret)
		return ret;
	*rc = rb_get(q, blk, cluster & ((1ull << q->rb_bits) - 1));
	return 0;
}

int write_header_field(struct vimg *q, uint64_t off, const void *v, size_t len)
{
	return pwrite_full(q->fd, v, len, off);
}

int mark_dirty(struct vimg *q)
{
	uint8_t b[8];
	int ret;

	if (q->writes_started)
		return 0;
	q->writes_started = true;
	if (q->version < 3)
		return 0;
	if (q->autoclear) {
		/* We know no autoclear feature: say so to the next reader. */
		q->autoclear = 0;
		put64(b, 0);
		ret = write_header_field(q, 88, b, 8);
		if (ret)
			return ret;
	}
	if ((q->compat & COMPAT_LAZY) && !(q->incompat & INCOMPAT_DIRTY)) {
		q->incompat |= INCOMPAT_DIRTY;
		put64(b, q->incompat);
		ret = write_header_field(q, 72, b, 8);
		if (ret)
			return ret;
		if (qsync(q))
			return qerr(errno, "fdatasync: %s", strerror(errno));
		q->dirty_set = true;
	}
	return 0;
}

static bool used_by_check(const struct vimg *q, uint64_t c)
{
	return q->check_used && c < q->check_used_n && q->check_used[c];
}

static int grow_rt(struct vimg *q, uint64_t need_bi)
{
	uint64_t E = 1ull << q->rb_bits, B = q->rt_entries, k = 1, nt, ne, S, j, c;
	uint64_t old_off = q->rt_offset, old_clusters = q->rt_clusters, *nrt;
	uint8_t *buf, hb[12];
	int ret;

	if (q->check_used && q->check_used_n / E + 1 > B)
		B = q->check_used_n / E + 1;
	for (;;) {
		ne = need_bi + 1;
		if (ne < B + k)
			ne = B + k;
		if (ne < q->rt_entries + q->rt_entries / 2)
			ne = q->rt_entries + q->rt_entries / 2;
		nt = (ne * 8 + q->cs - 1) >> q->cluster_bits;
		if (k * E >= k + nt)
			break;
		k++;
	}
	ne = nt * q->cs / 8;
	if (nt * q->cs > MAX_RT_BYTES)
		return qerr(EFBIG, "refcount table would exceed %llu bytes",
			    (unsigned long long)MAX_RT_BYTES);
	S = B * E;
	buf = calloc(1, q->cs);
	nrt = calloc(ne, 8);
	if (!buf || !nrt) {
		free(buf);
		free(nrt);
		return qerr(ENOMEM, "out of memory growing the refcount table");
	}
	for (j = 0; j < k; j++) {
		memset(buf, 0, q->cs);
		for (c = S; c < S + k + nt; c++)
			if (c >> q->rb_bits == B + j)
				rb_set(q, buf, c & (E - 1), 1);
		ret = pwrite_full(q->fd, buf, q->cs, (S + j) << q->cluster_bits);
		if (ret)
			goto out;
	}
	memcpy(nrt, q->rt, q->rt_entries * 8);
	for (j = 0; j < k; j++)
		nrt[B + j] = (S + j) << q->cluster_bits;
	for (j = 0; j < ne; j++)
		nrt[j] = htobe64(nrt[j]);
	ret = pwrite_full(q->fd, nrt, ne * 8, (S + k) << q->cluster_bits);
	for (j = 0; j < ne; j++)
		nrt[j] = be64toh(nrt[j]);
	if (ret)
		goto out;
	if (qsync(q)) {
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
		goto out;
	}
	put64(hb, (S + k) << q->cluster_bits);
	put32(hb + 8, nt);
	ret = write_header_field(q, 48, hb, 12);
	if (ret)
		goto out;
	if (qsync(q)) {
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
		goto out;
	}
	free(q->rt);
	q->rt = nrt;
	nrt = NULL;
	q->rt_entries = ne;
	q->rt_offset = (S + k) << q->cluster_bits;
	q->rt_clusters = nt;
	if (q->fresh_off < (S + k + nt) << q->cluster_bits)
		q->fresh_off = (S + k + nt) << q->cluster_bits;
	ret = rc_update(q, old_off, old_clusters << q->cluster_bits, -1);
out:
	free(buf);
	free(nrt);
	return ret;
}

/* Make sure the refcount block of block index bi exists. */
static int ensure_block(struct vimg *q, uint64_t bi)
{
	uint64_t E = 1ull << q->rb_bits, c, off;
	uint8_t b[8];
	void *blk;
	int ret;

	if (bi >= q->rt_entries) {
		ret = grow_rt(q, bi);
		if (ret)
			return ret;
	}
	if (q->rt[bi] & RT_OFFSET_MASK)
		return 0;
	for (c = bi * E; c < (bi + 1) * E && used_by_check(q, c); c++)
		;
	if (c == (bi + 1) * E)
		return qerr(ENOSPC, "no free cluster for refcount block %llu",
			    (unsigned long long)bi);
	if (q->check_used && c < q->check_used_n)
		q->check_used[c] = 2;
	off = c << q->cluster_bits;
	ret = tcache_get(&q->rbc, off, false, &blk);
	if (ret)
		return ret;
	rb_set(q, blk, c & (E - 1), 1);
	/* The block reaches the disk before the table entry naming it. */
	ret = checked_write(q, blk, q->cs, off);
	if (ret)
		return ret;
	if (!(q->compat & COMPAT_LAZY) && qsync(q))
		return qerr(errno, "fdatasync: %s", strerror(errno));
	put64(b, off);
	ret = pwrite_full(q->fd, b, 8, q->rt_offset + bi * 8);
	if (ret)
		return ret;
	q->rt[bi] = off;
	if (off >= q->fresh_off)
		q->fresh_off = off + q->cs;
	return 0;
}

int rc_update(struct vimg *q, uint64_t off, uint64_t len, int64_t delta)
{
	uint64_t c, end, bi, v, boff;
	void *blk;
	int ret;

	if (!len)
		return 0;
	end = (off + len - 1) >> q->cluster_bits;
	for (c = off >> q->cluster_bits; c <= end; c++) {
		bi = c >> q->rb_bits;
		if (delta > 0) {
			ret = ensure_block(q, bi);
			if (ret)
				return ret;
		} else if (bi >= q->rt_entries || !(q->rt[bi] & RT_OFFSET_MASK)) {
			return qerr(EIO, "refcount of cluster %llu would drop below 0",
				    (unsigned long long)c);
		}
		ret = rt_entry_block(q, bi, &boff);
		if (!ret)
			ret = tcache_get(&q->rbc, boff, true, &blk);
		if (ret)
			return ret;
		v = rb_get(q, blk, c & ((1ull << q->rb_bits) - 1));
		if ((delta < 0 && v < (uint64_t)-delta) ||
		    (delta > 0 && rc_max(q) - v < (uint64_t)delta))
			return qerr(ERANGE, "refcount of cluster %llu (%llu) %s",
				    (unsigned long long)c, (unsigned long long)v,
				    delta < 0 ? "would drop below 0"
					      : "would overflow refcount_bits");
		v += delta;
		rb_set(q, blk, c & ((1ull << q->rb_bits) - 1), v);
		tcache_dirty(&q->rbc, boff);
		if (v == 0 && c < q->free_hint)
			q->free_hint = c;
		/* best effort: the space goes back to the file system */
		if (v == 0 && q->punch_freed)
			fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  c << q->cluster_bits, q->cs);
	}
	return 0;
}

int rc_set(struct vimg *q, uint64_t c, uint64_t v)
{
	uint64_t bi = c >> q->rb_bits, boff;
	void *blk;
	int ret;

	ret = ensure_block(q, bi);
	if (!ret)
		ret = rt_entry_block(q, bi, &boff);
	if (!ret)
		ret = tcache_get(&q->rbc, boff, true, &blk);
	if (ret)
		return ret;
	rb_set(q, blk, c & ((1ull << q->rb_bits) - 1), v);
	tcache_dirty(&q->rbc, boff);
	if (v == 0 && c < q->free_hint)
		q->free_hint = c;
	return 0;
}

static bool block_missing(const struct vimg *q, uint64_t c)
{
	uint64_t bi = c >> q->rb_bits;

	return bi >= q->rt_entries || !(q->rt[bi] & RT_OFFSET_MASK);
}

/*
 * The ranges from cluster c (which opens a range without a block) on are
 * free. Put the k blocks that describe [c, c + k + n) at c..c+k-1 so that
 * n clusters after them are contiguous. Returns k, 0 when the ranges are
 * not all blockless, or -errno.
 */
static int blocks_in_front(struct vimg *q, uint64_t c, uint64_t n)
{
	uint64_t E = 1ull << q->rb_bits, k = 1, bi = c >> q->rb_bits, j;
	uint8_t b[8];
	void *blk;
	int ret;

	while (k * E < k + n)
		k++;
	if (k >= E)
		return 0;
	if (bi + k - 1 >= q->rt_entries) {
		ret = grow_rt(q, bi + k - 1);
		if (ret)
			return ret;
	}
	for (j = 0; j < k; j++)
		if (!block_missing(q, (bi + j) << q->rb_bits))
			return 0;
	for (j = 0; j < k; j++) {
		uint64_t off = (c + j) << q->cluster_bits;

		ret = tcache_get(&q->rbc, off, false, &blk);
		if (ret)
			return ret;
		if (j == 0) {
			uint64_t i;

			for (i = 0; i < k; i++)
				rb_set(q, blk, i, 1);
		}
		ret = pwrite_full(q->fd, blk, q->cs, off);
		if (ret)
			return ret;
	}
	if (!(q->compat & COMPAT_LAZY) && qsync(q))
		return qerr(errno, "fdatasync: %s", strerror(errno));
	for (j = 0; j < k; j++) {
		q->rt[bi + j] = (c + j) << q->cluster_bits;
		put64(b, q->rt[bi + j]);
		ret = pwrite_full(q->fd, b, 8, q->rt_offset + (bi + j) * 8);
		if (ret)
			return ret;
	}
	if (q->fresh_off < (c + k) << q->cluster_bits)
		q->fresh_off = (c + k) << q->cluster_bits;
	return (int)k;
}

/* Allocate n contiguous clusters; returns the host offset or -errno. */
int64_t alloc_clusters(struct vimg *q, uint64_t n)
{
	uint64_t c = q->free_hint, run = 0, start = 0, rc, E = 1ull << q->rb_bits, i;
	bool hint_set = false, ok;
	int ret;

	ret = mark_dirty(q);
	if (ret)
		return ret;
again:
	for (;; c++) {
		ret = rc_get(q, c, &rc);
		if (ret)
			return ret;
		if (rc || used_by_check(q, c)) {
			run = 0;
			continue;
		}
		if (!hint_set) {
			q->free_hint = c;
			hint_set = true;
		}
		/*
		 * A cluster opening a range without a block is where that
		 * block will go: do not hand it out. A run longer than that
		 * gets the blocks of all its ranges packed in front of it.
		 */
		if ((c & (E - 1)) == 0 && block_missing(q, c)) {
			if (n > 1) {
				ret = blocks_in_front(q, c, n);
				if (ret < 0)
					return ret;
				if (ret > 0) {
					start = c + ret;
					q->free_hint = hint_set ? q->free_hint : start + n;
					goto have_run;
				}
			}
			run = 0;
			continue;
		}
		if (!run)
			start = c;
		if (++run == n)
			break;
	}
have_run:
	/* Create the blocks first: a grown table may land in our run. */
	for (i = start >> q->rb_bits; i <= (start + n - 1) >> q->rb_bits; i++) {
		ret = ensure_block(q, i);
		if (ret)
			return ret;
	}
	ok = true;
	for (i = start; i < start + n; i++) {
		ret = rc_get(q, i, &rc);
		if (ret)
			return ret;
		if (rc) {
			ok = false;
			break;
		}
	}
	if (!ok) {
		c = i + 1;
		run = 0;
		goto again;
	}
	ret = rc_update(q, start << q->cluster_bits, n << q->cluster_bits, 1);
	if (ret)
		return ret;
	if (q->free_hint == start)
		q->free_hint = start + n;
	return (int64_t)(start << q->cluster_bits);
}

int free_clusters(struct vimg *q, uint64_t off, uint64_t len)
{
	uint64_t c;

	for (c = off; c < off + len; c += q->cs)
		tcache_drop(&q->l2c, c);
	return rc_update(q, off, len, -1);
}

int qcow2_flush_meta(struct vimg *q)
{
	int ret = tcache_flush(&q->rbc);

	if (ret)
		return ret;
	return tcache_flush(&q->l2c);
}
