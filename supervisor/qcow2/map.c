// SPDX-License-Identifier: GPL-2.0
/*
 * Block status (what qemu-img map shows: data, zero, unallocated, host
 * offsets, merged over like neighbours) and preallocation.
 */
#include <fcntl.h>
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
		*k = K_ZERO;
		*host = 0;
	} else {
		*k = K_UNALLOC; /* keeps the host offset: qemu-img map shows it */
	}
	return 0;
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
	hoff = host ? host + ((off - (off & ~(sc_size(q) - 1))) & (sc_size(q) - 1)) : 0;
	if (k == K_DATA && !q->ext_l2)
		hoff = host + (off & (q->cs - 1));
	cur = end;
	while (cur < off + len && cur < q->size) {
		ret = classify(q, cur, &k2, &h2, &e2);
		if (ret)
			return ret;
		if (k2 != k || k == K_COMP)
			break;
		if ((k == K_DATA || k == K_UNALLOC) && (h2 != 0) != (host != 0))
			break;
		if ((k == K_DATA || (k == K_UNALLOC && host)) && h2 != hoff + (cur - off))
			break;
		if (k == K_ZERO && (h2 != 0) != (host != 0))
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
	if (k == K_DATA || (k == K_UNALLOC && host)) {
		x->has_offset = true;
		x->offset = hoff;
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
			ret = pwrite_full(q->fd, q->zbuf, q->cs, noff);
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
