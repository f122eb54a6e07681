// SPDX-License-Identifier: GPL-2.0
/*
 * Block status (what qemu-img map shows: data, zero, unallocated, host
 * offsets, merged over like neighbours) and preallocation.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "qcow2_int.h"

enum kind { K_UNALLOC, K_ZERO, K_DATA, K_COMP };

/* Kind of the (sub)cluster at vaddr, its host offset and where the unit ends. */
static int classify(struct vimg *q, uint64_t vaddr, enum kind *k, uint64_t *host, uint64_t *end)
{
	uint64_t l2i = (vaddr >> q->cluster_bits) & (l2_entries(q) - 1), e, bm, s, scs;
	uint64_t vc = vaddr & ~(q->cs - 1);
	void *l2;
	int ret;

	*host = 0;
	ret = find_l2(q, vaddr, &l2);
	if (ret)
		return ret;
	if (!l2) {
		*k = K_UNALLOC;
		*end = (vaddr | ((1ull << (q->cluster_bits + q->l2_bits)) - 1)) + 1;
		return 0;
	}
	e = l2_get(q, l2, l2i, &bm);
	*end = vc + q->cs;
	if (e & QCOW_COMPRESSED) {
		*k = K_COMP;
		return 0;
	}
	*host = e & L2E_OFFSET_MASK;
	if (!q->ext_l2) {
		if ((e & QCOW_ZERO) && q->version >= 3)
			*k = K_ZERO;
		else
			*k = *host ? K_DATA : K_UNALLOC;
		if (*k == K_UNALLOC)
			*host = 0;
		return 0;
	}
	scs = sc_size(q);
	s = (vaddr - vc) / scs;
	*end = vc + (s + 1) * scs;
	if (*host)
		*host += s * scs;
	if ((bm >> s) & 1) {
		*k = K_DATA;
	} else if ((bm >> (32 + s)) & 1) {
		*k = K_ZERO; /* keeps the host offset, as qemu-img map shows */
	} else {
		*k = K_UNALLOC; /* keeps the host offset: qemu-img map shows it */
	}
	return 0;
}

/*
 * Does the image look metadata-preallocated (far more clusters in use than
 * the file really has blocks for)? Only then, like qemu-img, does block
 * status ask the file system about holes under data clusters.
 */
static int meta_prealloc(struct vimg *q)
{
	uint64_t real, thr, c, n = 0, rc;
	struct stat st;

	if (q->meta_prealloc >= 0)
		return q->meta_prealloc;
	q->meta_prealloc = 0;
	if (fstat(q->fd, &st))
		return 0;
	real = ((uint64_t)st.st_blocks * 512) >> q->cluster_bits;
	thr = real * 10 / 9 > real + 2 ? real * 10 / 9 : real + 2;
	for (c = 0; c < align_up(st.st_size, q->cs) >> q->cluster_bits && n <= thr; c++) {
		if (rc_get(q, c, &rc))
			return 0;
		if (rc)
			n++;
	}
	q->meta_prealloc = n > thr;
	return q->meta_prealloc;
}

int qcow2_block_status(struct vimg *q, uint64_t off, uint64_t len, struct vimg_extent *x)
{
	uint64_t host, end, h2, e2, cur, hoff;
	enum kind k, k2;
	int ret;

	memset(x, 0, sizeof(*x));
	ret = classify(q, off, &k, &host, &end);
	if (ret)
		return ret;
	hoff = 0;
	if (host)
		hoff = q->ext_l2 ? host + (off & (sc_size(q) - 1)) : host + (off & (q->cs - 1));
	cur = end;
	while (cur < off + len && cur < q->size) {
		ret = classify(q, cur, &k2, &h2, &e2);
		if (ret)
			return ret;
		if (k2 != k || k == K_COMP)
			break;
		/* with host offsets, only contiguous ones merge */
		if (host ? h2 != hoff + (cur - off) : h2 != 0)
			break;
		cur = e2;
	}
	if (cur > off + len)
		cur = off + len;
	if (cur > q->size)
		cur = q->size;
	x->start = off;
	x->length = cur - off;
	x->present = k != K_UNALLOC;
	x->zero = k == K_ZERO;
	x->data = k == K_DATA || k == K_COMP;
	x->compressed = k == K_COMP;
	if (host && k != K_COMP) {
		x->has_offset = true;
		x->offset = hoff;
	}
	if (k == K_DATA && meta_prealloc(q) == 1) {
		/* a hole in the file reads as zeroes: say so, as qemu-img does */
		off_t d = lseek(q->fd, hoff, SEEK_DATA), h;

		if (d < 0 || (uint64_t)d > hoff) {
			x->zero = true;
			if (d >= 0 && (uint64_t)d - hoff < x->length)
				x->length = d - hoff;
		} else {
			h = lseek(q->fd, hoff, SEEK_HOLE);
			if (h > 0 && (uint64_t)h - hoff < x->length)
				x->length = h - hoff;
		}
	}
	return 0;
}

/* preallocation=metadata|falloc|full: every cluster gets a host cluster. */
int qcow2_preallocate(struct vimg *q, enum qcow2_prealloc mode)
{
	uint64_t v, l2i, end = 0;
	int64_t noff;
	void *l2;
	int ret;

	for (v = 0; v < q->size; v += q->cs) {
		ret = get_l2_rw(q, v, &l2);
		if (ret)
			return ret;
		noff = alloc_clusters(q, 1);
		if (noff < 0)
			return noff;
		if (mode == QCOW2_PREALLOC_FULL) {
			memset(q->zbuf, 0, q->cs);
			ret = checked_write(q, q->zbuf, q->cs, noff);
			if (ret)
				return ret;
		}
		l2i = (v >> q->cluster_bits) & (l2_entries(q) - 1);
		l2_set(q, l2, l2i, noff | QCOW_COPIED, q->ext_l2 ? 0xffffffffull : 0);
		tcache_dirty(&q->l2c, q->l1[v >> (q->cluster_bits + q->l2_bits)] & L1E_OFFSET_MASK);
		if ((uint64_t)noff + q->cs > end)
			end = noff + q->cs;
	}
	ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	if (mode == QCOW2_PREALLOC_FALLOC || mode == QCOW2_PREALLOC_FULL) {
		if (fallocate(q->fd, 0, 0, end))
			return qerr(errno, "fallocate: %s", strerror(errno));
	}
	/* full: the data clusters were written with zeroes in the loop */
	if ((uint64_t)lseek(q->fd, 0, SEEK_END) < end && ftruncate(q->fd, end))
		return qerr(errno, "truncate: %s", strerror(errno));
	return 0;
}
