// SPDX-License-Identifier: GPL-2.0
/*
 * Guest reads and writes: L1/L2 lookup, cluster allocation, copy-on-write,
 * zero and compressed clusters, extended L2 entries (32 subclusters).
 *
 * Ordering of a write that allocates: the refcount of the new cluster is
 * raised (refcount cache), the data goes to the new cluster, then the L2
 * entry is changed in the L2 cache, which writes the refcount cache out and
 * syncs before any of its own tables reach the disk. A newly allocated L2
 * table is written (zeroed or copied) before the L1 entry points to it. The
 * old cluster of a copy-on-write is released only once the L2 table that no
 * longer names it is on disk. A crash therefore leaves at most leaks.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "qcow2_int.h"

int qcow2_decompress(struct vimg *q, const uint8_t *in, size_t inlen, uint8_t *out);
int qcow2_compress(struct vimg *q, const uint8_t *in, uint8_t *out, size_t *outlen);

uint64_t l2_get(const struct vimg *q, const void *l2, uint64_t i, uint64_t *bitmap)
{
	const uint8_t *p = l2;

	if (q->ext_l2) {
		if (bitmap)
			*bitmap = be64(p + 16 * i + 8);
		return be64(p + 16 * i);
	}
	if (bitmap)
		*bitmap = 0;
	return be64(p + 8 * i);
}

void l2_set(const struct vimg *q, void *l2, uint64_t i, uint64_t e, uint64_t bitmap)
{
	uint8_t *p = l2;

	if (q->ext_l2) {
		put64(p + 16 * i, e);
		put64(p + 16 * i + 8, bitmap);
	} else {
		put64(p + 8 * i, e);
	}
}

int write_l1_entry(struct vimg *q, uint64_t idx)
{
	uint8_t b[8];
	int ret;

	if (!(q->compat & COMPAT_LAZY)) {
		ret = tcache_flush(&q->rbc);
		if (ret)
			return ret;
	}
	put64(b, q->l1[idx]);
	return pwrite_full(q->fd, b, 8, q->l1_offset + idx * 8);
}

static void comp_geometry(const struct vimg *q, uint64_t e, uint64_t *off, uint64_t *len)
{
	unsigned x = 62 - (q->cluster_bits - 8);
	uint64_t nsec = (e >> x) & ((1ull << (q->cluster_bits - 8)) - 1);

	*off = e & ((1ull << x) - 1);
	*len = (nsec + 1) * 512 - (*off & 511);
}

int read_compressed(struct vimg *q, uint64_t e, uint8_t *out)
{
	uint64_t off, len;
	uint8_t *in;
	int ret;

	comp_geometry(q, e, &off, &len);
	if (q->comp_valid && q->comp_off == e) {
		if (out != q->comp_buf)
			memcpy(out, q->comp_buf, q->cs);
		return 0;
	}
	in = malloc(len);
	if (!in)
		return qerr(ENOMEM, "out of memory");
	ret = pread_full(q->fd, in, len, off);
	if (!ret)
		ret = qcow2_decompress(q, in, len, q->comp_buf);
	free(in);
	if (ret) {
		q->comp_valid = false;
		return qerr(ret, "compressed cluster at host offset 0x%llx: %s",
			    (unsigned long long)off, vimg_strerror());
	}
	q->comp_off = e;
	q->comp_valid = true;
	if (out != q->comp_buf)
		memcpy(out, q->comp_buf, q->cs);
	return 0;
}

static int read_backing(struct vimg *q, void *buf, uint64_t len, uint64_t off)
{
	uint64_t bs, n;

	if (!q->backing) {
		memset(buf, 0, len);
		return 0;
	}
	bs = vimg_size(q->backing);
	n = off >= bs ? 0 : (bs - off < len ? bs - off : len);
	if (n) {
		int ret = vimg_pread(q->backing, buf, n, off);

		if (ret)
			return ret;
	}
	memset((uint8_t *)buf + n, 0, len - n);
	return 0;
}

/* The L2 table for guest offset vaddr, or NULL (unallocated). */
int find_l2(struct vimg *q, uint64_t vaddr, void **l2)
{
	uint64_t l1i = vaddr >> (q->cluster_bits + q->l2_bits), off;
	int ret;

	*l2 = NULL;
	if (l1i >= q->l1_size)
		return 0;
	ret = l1_entry_l2(q, q->l1[l1i], l1i, &off);
	if (ret || !off)
		return ret;
	return tcache_get(&q->l2c, off, true, l2);
}

/* Read part of one cluster: [vaddr, vaddr+len) with len <= cluster end. */
static int read_in_cluster(struct vimg *q, uint8_t *buf, uint64_t len, uint64_t vaddr)
{
	uint64_t l2i = (vaddr >> q->cluster_bits) & (l2_entries(q) - 1), e, bm, host;
	uint64_t co = vaddr & (q->cs - 1), scs, s, n;
	void *l2;
	int ret;

	ret = find_l2(q, vaddr, &l2);
	if (ret)
		return ret;
	if (!l2)
		return read_backing(q, buf, len, vaddr);
	e = l2_get(q, l2, l2i, &bm);
	if (e & QCOW_COMPRESSED) {
		ret = read_compressed(q, e, q->comp_buf);
		if (!ret)
			memcpy(buf, q->comp_buf + co, len);
		return ret;
	}
	ret = l2_entry_host(q, e, vaddr, &host);
	if (ret)
		return ret;
	if (!q->ext_l2) {
		if ((e & QCOW_ZERO) && q->version >= 3) {
			memset(buf, 0, len);
			return 0;
		}
		if (host)
			return pread_full(q->fd, buf, len, host + co);
		return read_backing(q, buf, len, vaddr);
	}
	scs = sc_size(q);
	while (len) {
		s = co / scs;
		n = (s + 1) * scs - co;
		if (n > len)
			n = len;
		/* merge following subclusters of the same kind */
		while (n < len) {
			uint64_t t = s + (co + n - s * scs) / scs;
			bool same = ((bm >> t) & 1) == ((bm >> s) & 1) &&
				    ((bm >> (32 + t)) & 1) == ((bm >> (32 + s)) & 1);

			if (!same)
				break;
			n = len < n + scs ? len : n + scs;
		}
		if (bm & (1ull << s)) {
			if (!host)
				return qerr(EIO,
					    "L2 entry for guest offset 0x%llx: subcluster "
					    "allocated without a host cluster",
					    (unsigned long long)vaddr);
			ret = pread_full(q->fd, buf, n, host + co);
		} else if (bm & (1ull << (32 + s))) {
			memset(buf, 0, n);
			ret = 0;
		} else {
			ret = read_backing(q, buf, n, (vaddr & ~(q->cs - 1)) + co);
		}
		if (ret)
			return ret;
		buf += n;
		co += n;
		len -= n;
	}
	return 0;
}

/*
 * Length of the run of plain data clusters from off whose host clusters
 * follow each other (within one L2 table), or 0; *host gets off's host offset.
 */
uint64_t qcow2_data_run(struct vimg *q, uint64_t off, uint64_t len, uint64_t *host)
{
	uint64_t l2i = (off >> q->cluster_bits) & (l2_entries(q) - 1), e, h, n, i;
	void *l2;

	if (q->ext_l2 || find_l2(q, off, &l2) || !l2)
		return 0;
	e = l2_get(q, l2, l2i, NULL);
	h = e & L2E_OFFSET_MASK;
	if ((e & (QCOW_COMPRESSED | L2E_STD_RESERVED_MASK)) || !h || (h & (q->cs - 1)) ||
	    ((e & QCOW_ZERO) && q->version >= 3))
		return 0;
	*host = h + (off & (q->cs - 1));
	n = q->cs - (off & (q->cs - 1));
	for (i = l2i + 1; n < len && i < l2_entries(q); i++) {
		e = l2_get(q, l2, i, NULL);
		if ((e & (QCOW_COMPRESSED | L2E_STD_RESERVED_MASK)) ||
		    ((e & QCOW_ZERO) && q->version >= 3) ||
		    (e & L2E_OFFSET_MASK) != h + (i - l2i) * q->cs)
			break;
		n += q->cs;
	}
	return n < len ? n : len;
}

/*
 * Walk [off, off+len) of buf: run() handles a stretch of several clusters at
 * once and returns its length (0: not applicable here, or -errno); one()
 * handles what remains of the current cluster. Shared by reads and writes.
 */
typedef int64_t (*run_fn)(struct vimg *q, uint8_t *buf, uint64_t len, uint64_t off);
typedef int (*one_fn)(struct vimg *q, uint8_t *buf, uint64_t len, uint64_t off);

static int walk(struct vimg *q, uint8_t *p, uint64_t len, uint64_t off, run_fn run, one_fn one)
{
	int64_t n;
	int ret;

	while (len) {
		n = run(q, p, len, off);
		if (n < 0)
			return n;
		if (!n) {
			n = q->cs - (off & (q->cs - 1));
			if ((uint64_t)n > len)
				n = len;
			ret = one(q, p, n, off);
			if (ret)
				return ret;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* One read for contiguous data clusters. */
static int64_t read_run(struct vimg *q, uint8_t *buf, uint64_t len, uint64_t off)
{
	uint64_t host, n = qcow2_data_run(q, off, len, &host);
	int ret;

	if (n <= q->cs)
		return 0;
	ret = pread_full(q->fd, buf, n, host);
	return ret ? ret : (int64_t)n;
}

int qcow2_read(struct vimg *q, void *buf, size_t len, uint64_t off)
{
	int ret;

	ret = qcow2_refuse_if_broken(q);
	if (ret)
		return ret;
	if (off > q->size || len > q->size - off)
		return qerr(EINVAL, "read of %zu bytes at %llu is past the end of the image", len,
			    (unsigned long long)off);
	return walk(q, buf, len, off, read_run, read_in_cluster);
}

/* Get (allocating or un-sharing when needed) the L2 table for vaddr. */
int get_l2_rw(struct vimg *q, uint64_t vaddr, void **l2)
{
	uint64_t l1i = vaddr >> (q->cluster_bits + q->l2_bits), off, rc;
	int64_t noff;
	void *old;
	int ret;

	if (l1i >= q->l1_size)
		return qerr(EINVAL, "guest offset 0x%llx is beyond the L1 table",
			    (unsigned long long)vaddr);
	ret = l1_entry_l2(q, q->l1[l1i], l1i, &off);
	if (ret)
		return ret;
	/* the table is written in place: it must not be any other metadata */
	ret = off ? qcow2_check_write(q, OL_ACTIVE_L2, off, q->cs) : 0;
	if (ret)
		return ret;
	if (off && (q->l1[l1i] & QCOW_COPIED))
		return tcache_get(&q->l2c, off, true, l2);
	if (off) {
		ret = rc_get(q, off >> q->cluster_bits, &rc);
		if (ret)
			return ret;
		if (rc == 1) {
			q->l1[l1i] |= QCOW_COPIED;
			ret = write_l1_entry(q, l1i);
			if (ret)
				return ret;
			return tcache_get(&q->l2c, off, true, l2);
		}
	}
	noff = alloc_clusters(q, 1);
	if (noff < 0)
		return noff;
	if (off) {
		/* Copy a table shared with a snapshot. */
		ret = tcache_get(&q->l2c, off, true, &old);
		if (ret)
			return ret;
		memcpy(q->zbuf, old, q->cs);
	} else {
		memset(q->zbuf, 0, q->cs);
	}
	ret = checked_write(q, q->zbuf, q->cs, noff);
	if (ret)
		return ret;
	ret = tcache_get(&q->l2c, noff, false, l2);
	if (ret)
		return ret;
	memcpy(*l2, q->zbuf, q->cs);
	if (!(q->compat & COMPAT_LAZY) && qsync(q))
		return qerr(errno, "fdatasync: %s", strerror(errno));
	q->l1[l1i] = noff | QCOW_COPIED;
	ret = write_l1_entry(q, l1i);
	if (ret)
		return ret;
	if (off)
		ret = rc_update(q, off, q->cs, -1);
	return ret;
}

/* The header is marked dirty (lazy refcounts), then get_l2_rw(). */
static int l2_for_write(struct vimg *q, uint64_t vaddr, void **l2)
{
	int ret = mark_dirty(q);

	return ret ? ret : get_l2_rw(q, vaddr, l2);
}

/* The cached L2 table that holds vaddr's entry was changed. */
static void l2_dirty(struct vimg *q, uint64_t vaddr)
{
	tcache_dirty(&q->l2c, q->l1[vaddr >> (q->cluster_bits + q->l2_bits)] & L1E_OFFSET_MASK);
}

/* Release a host cluster no longer referenced by the active L2 entry e. */
static int release_entry(struct vimg *q, uint64_t e, uint64_t vaddr)
{
	uint64_t off, len, host;
	int ret;

	ret = l2_entry_host(q, e, vaddr, &host);
	if (ret)
		return ret;
	if (!(e & QCOW_COMPRESSED) && !host)
		return 0;
	ret = tcache_flush(&q->l2c); /* the entry naming it is gone from disk */
	if (ret)
		return ret;
	if (e & QCOW_COMPRESSED) {
		comp_geometry(q, e, &off, &len);
		return rc_update(q, off & ~(q->cs - 1),
				 align_up(off + len, q->cs) - (off & ~(q->cs - 1)), -1);
	}
	return rc_update(q, host, q->cs, -1);
}

static bool reads_zero_below(struct vimg *q, uint64_t vaddr)
{
	return !q->backing || vaddr >= vimg_size(q->backing);
}

/* Write [vaddr, vaddr+len) inside one cluster. */
static int write_in_cluster(struct vimg *q, const uint8_t *buf, uint64_t len, uint64_t vaddr)
{
	uint64_t vc = vaddr & ~(q->cs - 1), co = vaddr - vc, l2i, e, bm, host, rc, scs;
	uint64_t s0, s1, mask, nbm, ne, a, b;
	bool inplace = false, fresh;
	int64_t noff;
	void *l2;
	int ret;

	ret = l2_for_write(q, vaddr, &l2);
	if (ret)
		return ret;
	l2i = (vaddr >> q->cluster_bits) & (l2_entries(q) - 1);
	e = l2_get(q, l2, l2i, &bm);
	ret = l2_entry_host(q, e, vaddr, &host);
	if (ret)
		return ret;
	if (!(e & QCOW_COMPRESSED) && host) {
		if (e & QCOW_COPIED) {
			inplace = true;
		} else {
			ret = rc_get(q, host >> q->cluster_bits, &rc);
			if (ret)
				return ret;
			inplace = rc == 1;
			if (inplace) {
				e |= QCOW_COPIED;
				l2_set(q, l2, l2i, e, bm);
				l2_dirty(q, vaddr);
			}
		}
	}
	scs = sc_size(q);
	s0 = co / scs;
	s1 = (co + len - 1) / scs;
	a = s0 * scs;
	b = (s1 + 1) * scs;
	mask = (s1 - s0 == 31) ? 0xffffffffull : (((1ull << (s1 - s0 + 1)) - 1) << s0);

	if (inplace) {
		if (!q->ext_l2) {
			if (!((e & QCOW_ZERO) && q->version >= 3))
				return checked_write(q, buf, len, host + co);
			memset(q->zbuf, 0, q->cs);
			memcpy(q->zbuf + co, buf, len);
			ret = checked_write(q, q->zbuf, q->cs, host);
			if (ret)
				return ret;
			l2_set(q, l2, l2i, e & ~QCOW_ZERO, 0);
		} else {
			if ((bm & mask) == mask && !(bm & (mask << 32)))
				return checked_write(q, buf, len, host + co);
			/* edges of partly written, not yet allocated subclusters */
			if (co != a && !(bm & (1ull << s0))) {
				ret = read_in_cluster(q, q->zbuf + a, scs, vc + a);
				if (ret)
					return ret;
			}
			if (co + len != b && !(bm & (1ull << s1))) {
				ret = read_in_cluster(q, q->zbuf + b - scs, scs, vc + b - scs);
				if (ret)
					return ret;
			}
			if (co != a && (bm & (1ull << s0))) {
				ret = pread_full(q->fd, q->zbuf + a, scs, host + a);
				if (ret)
					return ret;
			}
			if (co + len != b && (bm & (1ull << s1))) {
				ret = pread_full(q->fd, q->zbuf + b - scs, scs, host + b - scs);
				if (ret)
					return ret;
			}
			memcpy(q->zbuf + co, buf, len);
			ret = checked_write(q, q->zbuf + a, b - a, host + a);
			if (ret)
				return ret;
			l2_set(q, l2, l2i, e, (bm | mask) & ~(mask << 32));
		}
		l2_dirty(q, vaddr);
		return 0;
	}

	/* Allocate a new cluster. */
	noff = alloc_clusters(q, 1);
	if (noff < 0)
		return noff;
	fresh = (uint64_t)noff >= q->fresh_off;
	if (fresh)
		q->fresh_off = noff + q->cs;
	if (q->ext_l2 && !host && !(e & QCOW_COMPRESSED)) {
		/* only the written subclusters; the others keep their state */
		if (co != a) {
			ret = read_in_cluster(q, q->zbuf + a, scs, vc + a);
			if (ret)
				return ret;
		}
		if (co + len != b) {
			ret = read_in_cluster(q, q->zbuf + b - scs, scs, vc + b - scs);
			if (ret)
				return ret;
		}
		memcpy(q->zbuf + co, buf, len);
		ret = checked_write(q, q->zbuf + a, b - a, noff + a);
		if (ret)
			return ret;
		nbm = ((bm & 0xffffffff00000000ull) & ~(mask << 32)) | mask;
		ne = noff | QCOW_COPIED;
	} else {
		bool zero_old = (!(e & QCOW_COMPRESSED) && !host &&
				 ((q->version >= 3 && !q->ext_l2 && (e & QCOW_ZERO)) ||
				  reads_zero_below(q, vc)));

		if (fresh && zero_old) {
			ret = checked_write(q, buf, len, noff + co);
		} else {
			ret = read_in_cluster(q, q->zbuf, q->cs, vc);
			if (ret)
				return ret;
			memcpy(q->zbuf + co, buf, len);
			ret = checked_write(q, q->zbuf, q->cs, noff);
		}
		if (ret)
			return ret;
		ne = noff | QCOW_COPIED;
		nbm = q->ext_l2 ? 0xffffffffull : 0;
	}
	l2_set(q, l2, l2i, ne, nbm);
	l2_dirty(q, vaddr);
	if (e & QCOW_COMPRESSED)
		q->comp_valid = false;
	return release_entry(q, e, vaddr);
}

/*
 * Whole unallocated clusters from off (no backing file): allocate them as one
 * contiguous run and write them with one call. Returns bytes written, 0 when
 * the fast path does not apply, or -errno.
 */
static int64_t write_run(struct vimg *q, const uint8_t *buf, uint64_t len, uint64_t off)
{
	uint64_t l2i = (off >> q->cluster_bits) & (l2_entries(q) - 1), k, i, e, bm;
	int64_t noff;
	void *l2;
	int ret;

	if (q->backing || (off & (q->cs - 1)) || len < 2 * q->cs)
		return 0;
	ret = l2_for_write(q, off, &l2);
	if (ret)
		return ret;
	for (k = 0; (k + 1) * q->cs <= len && l2i + k < l2_entries(q); k++) {
		e = l2_get(q, l2, l2i + k, &bm);
		if ((e & ~QCOW_ZERO) || (q->ext_l2 && (bm & 0xffffffffull)))
			break;
	}
	if (k < 2)
		return 0;
	noff = alloc_clusters(q, k);
	if (noff < 0)
		return noff;
	if ((uint64_t)noff >= q->fresh_off)
		q->fresh_off = noff + k * q->cs;
	ret = checked_write(q, buf, k * q->cs, noff);
	if (ret)
		return ret;
	/* the table may have left the cache while allocating */
	ret = get_l2_rw(q, off, &l2);
	if (ret)
		return ret;
	for (i = 0; i < k; i++)
		l2_set(q, l2, l2i + i, (noff + i * q->cs) | QCOW_COPIED,
		       q->ext_l2 ? 0xffffffffull : 0);
	l2_dirty(q, off);
	return k * q->cs;
}

/* walk() callbacks for writes: buf is only read. */
static int64_t write_run_cb(struct vimg *q, uint8_t *buf, uint64_t len, uint64_t off)
{
	return write_run(q, buf, len, off);
}

static int write_one_cb(struct vimg *q, uint8_t *buf, uint64_t len, uint64_t off)
{
	return write_in_cluster(q, buf, len, off);
}

int qcow2_write(struct vimg *q, const void *buf, size_t len, uint64_t off)
{
	int ret;

	if (!q->rw)
		return qerr(EROFS, "image opened read-only");
	ret = qcow2_refuse_if_broken(q);
	if (ret)
		return ret;
	if (off > q->size || len > q->size - off)
		return qerr(EINVAL, "write of %zu bytes at %llu is past the end of the image", len,
			    (unsigned long long)off);
	return walk(q, (uint8_t *)buf, len, off, write_run_cb, write_one_cb);
}

/* Turn one whole cluster into a zero cluster (v3). */
static int zero_cluster(struct vimg *q, uint64_t vaddr, bool discard)
{
	uint64_t l2i = (vaddr >> q->cluster_bits) & (l2_entries(q) - 1), e, bm;
	void *l2;
	int ret;

	ret = find_l2(q, vaddr, &l2);
	if (ret)
		return ret;
	if (!l2 && (discard || reads_zero_below(q, vaddr)))
		return 0;
	ret = l2_for_write(q, vaddr, &l2);
	if (ret)
		return ret;
	e = l2_get(q, l2, l2i, &bm);
	if (discard)
		l2_set(q, l2, l2i, 0, 0);
	else if (q->ext_l2)
		l2_set(q, l2, l2i, 0, 0xffffffff00000000ull);
	else
		l2_set(q, l2, l2i, QCOW_ZERO, 0);
	l2_dirty(q, vaddr);
	if (e & QCOW_COMPRESSED)
		q->comp_valid = false;
	return release_entry(q, e, vaddr);
}

int qcow2_write_zeroes(struct vimg *q, uint64_t off, uint64_t len)
{
	uint64_t n;
	int ret;

	if (!q->rw)
		return qerr(EROFS, "image opened read-only");
	ret = qcow2_refuse_if_broken(q);
	if (ret)
		return ret;
	if (off > q->size || len > q->size - off)
		return qerr(EINVAL, "zero write past the end of the image");
	memset(q->zbuf, 0, q->cs);
	while (len) {
		n = q->cs - (off & (q->cs - 1));
		if (n > len)
			n = len;
		if (n == q->cs && q->version >= 3) {
			ret = zero_cluster(q, off, false);
		} else {
			uint8_t *z = calloc(1, n);

			ret = z ? write_in_cluster(q, z, n, off) : qerr(ENOMEM, "out of memory");
			free(z);
		}
		if (ret)
			return ret;
		off += n;
		len -= n;
	}
	return 0;
}

int qcow2_discard_cluster(struct vimg *q, uint64_t vaddr)
{
	return zero_cluster(q, vaddr, true);
}

/* Compressed clusters are packed 512-byte aligned into host clusters. */

int qcow2_write_compressed(struct vimg *q, const void *buf, uint64_t off)
{
	uint64_t l2i, e, x, nsec, host, c, n;
	size_t clen;
	uint8_t *out;
	int64_t noff;
	void *l2;
	int ret;

	if (off & (q->cs - 1) || off + q->cs > align_up(q->size, q->cs))
		return qerr(EINVAL, "compressed write must cover one whole cluster");
	out = malloc(q->cs);
	if (!out)
		return qerr(ENOMEM, "out of memory");
	clen = q->cs - 1;
	ret = qcow2_compress(q, buf, out, &clen);
	if (ret == -ENOSPC) { /* does not shrink: store it plainly */
		free(out);
		return qcow2_write(q, buf, q->size - off < q->cs ? q->size - off : q->cs, off);
	}
	if (ret)
		goto out;
	ret = l2_for_write(q, off, &l2);
	if (ret)
		goto out;
	if (q->comp_next && q->comp_next + clen <= q->comp_end && rc_max(q) > 1) {
		host = q->comp_next;
		for (c = host & ~(q->cs - 1); c < host + clen; c += q->cs) {
			ret = rc_update(q, c, q->cs, 1);
			if (ret)
				goto out;
		}
	} else {
		n = (clen + q->cs - 1) >> q->cluster_bits;
		noff = alloc_clusters(q, n);
		if (noff < 0) {
			ret = noff;
			goto out;
		}
		host = noff;
		q->comp_end = noff + (n << q->cluster_bits);
	}
	/* the blob must stay inside the refcounted clusters it counts */
	q->comp_next = align_up(host + clen, 512);
	if (q->comp_next >= q->comp_end)
		q->comp_next = 0;
	ret = checked_write(q, out, clen, host);
	if (ret)
		goto out;
	if (host + clen > q->file_end)
		q->file_end = host + clen;
	x = 62 - (q->cluster_bits - 8);
	nsec = ((host + clen - 1) >> 9) - (host >> 9);
	l2i = (off >> q->cluster_bits) & (l2_entries(q) - 1);
	e = l2_get(q, l2, l2i, NULL);
	l2_set(q, l2, l2i, QCOW_COMPRESSED | (nsec << x) | host, 0);
	l2_dirty(q, off);
	q->comp_valid = false;
	ret = release_entry(q, e, off);
out:
	free(out);
	return ret;
}
