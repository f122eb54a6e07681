// SPDX-License-Identifier: GPL-2.0
/*
 * Trust nothing a table entry says: every L1, L2 and refcount table entry is
 * validated where it is used (reserved bits, cluster alignment, a bound), and
 * every write into the file is checked against the metadata it must not
 * overwrite (QEMU's overlap-check: header, active and snapshot L1 tables,
 * active L2 tables, refcount table and blocks, snapshot table).
 *
 * A violation is a corruption: the write is refused with EIO, the image gets
 * the corrupt bit in its incompatible features (v3; v2 has no such field),
 * and every further read or write of this handle fails, as QEMU does.
 */
#include <stdarg.h>
#include <stdio.h>

#include "qcow2_int.h"

int qcow2_corrupt(struct vimg *q, const char *fmt, ...)
{
	char msg[400];
	uint8_t b[8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (q->checking) /* check reports and repairs: it does not mark */
		return qerr(EIO, "%s", msg);
	q->broken = true;
	if (q->rw && q->version >= 3 && !(q->incompat & INCOMPAT_CORRUPT)) {
		q->incompat |= INCOMPAT_CORRUPT;
		put64(b, q->incompat);
		/* best effort: the error below is what the caller must see */
		if (!pwrite_full(q->fd, b, 8, 72))
			(void)qsync(q);
	}
	return qerr(EIO, "%s: %s; the image is marked corrupt (check it with 'vmon img check')",
		    q->path ? q->path : "qcow2", msg);
}

/*
 * What is wrong with a host cluster offset a table entry gives, or NULL: it
 * must be cluster aligned and a cluster the refcount table can describe.
 */
static const char *bad_cluster(const struct vimg *q, uint64_t off)
{
	if (off & (q->cs - 1))
		return "is not cluster aligned";
	if ((off >> q->cluster_bits) >= q->rt_entries << q->rb_bits)
		return "is beyond what the refcount table covers";
	return NULL;
}

static bool ovl(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return blen && a < b + blen && b < a + alen;
}

/* The fixed-size metadata (no per-entry loop): header, L1, refcount table. */
static const char *fixed_overlap(const struct vimg *q, uint64_t off, uint64_t len)
{
	if (ovl(off, len, 0, q->cs))
		return "header";
	if (ovl(off, len, q->l1_offset, (uint64_t)q->l1_size * 8))
		return "active L1 table";
	if (ovl(off, len, q->rt_offset, (uint64_t)q->rt_clusters << q->cluster_bits))
		return "refcount table";
	return NULL;
}

const char *qcow2_meta_overlap(struct vimg *q, unsigned int ign, uint64_t off, uint64_t len)
{
	const char *what = fixed_overlap(q, off, len);
	uint64_t i, t;

	if (what)
		return what;
	if (!(ign & OL_REFCOUNT_BLOCK))
		for (i = 0; i < q->rt_entries; i++)
			if ((t = q->rt[i] & RT_OFFSET_MASK) && ovl(off, len, t, q->cs))
				return "a refcount block";
	if (!(ign & OL_ACTIVE_L2))
		for (i = 0; i < q->l1_size; i++)
			if ((t = q->l1[i] & L1E_OFFSET_MASK) && ovl(off, len, t, q->cs))
				return "an active L2 table";
	if (q->nb_snapshots && ovl(off, len, q->snapshots_offset, snap_table_size(q)))
		return "snapshot table";
	for (i = 0; i < q->nb_snapshots; i++)
		if (ovl(off, len, q->snaps[i].l1_offset, (uint64_t)q->snaps[i].l1_size * 8))
			return "a snapshot's L1 table";
	return NULL;
}

int qcow2_refuse_if_broken(struct vimg *q)
{
	if (!q->broken)
		return 0;
	return qerr(EIO, "%s: the image is marked corrupt: no further I/O",
		    q->path ? q->path : "qcow2");
}

int qcow2_check_write(struct vimg *q, unsigned int ign, uint64_t off, uint64_t len)
{
	const char *what;
	int ret = qcow2_refuse_if_broken(q);

	if (ret)
		return ret;
	what = qcow2_meta_overlap(q, ign, off, len);
	if (what)
		return qcow2_corrupt(q,
				     "refused a write of %llu bytes at host offset 0x%llx: it "
				     "would overwrite the %s",
				     (unsigned long long)len, (unsigned long long)off, what);
	return 0;
}

int checked_write(struct vimg *q, const void *buf, uint64_t len, uint64_t off)
{
	int ret = qcow2_check_write(q, 0, off, len);

	return ret ? ret : pwrite_full(q->fd, buf, len, off);
}

int l1_entry_l2(struct vimg *q, uint64_t e, uint64_t idx, uint64_t *off)
{
	const char *what;

	*off = e & L1E_OFFSET_MASK;
	if (!*off && !(e & L1E_RESERVED_MASK))
		return 0;
	if (e & L1E_RESERVED_MASK)
		return qcow2_corrupt(q, "L1 entry %llu (0x%llx): reserved bits are set",
				     (unsigned long long)idx, (unsigned long long)e);
	what = bad_cluster(q, *off);
	if (what)
		return qcow2_corrupt(q, "L1 entry %llu: L2 table offset 0x%llx %s",
				     (unsigned long long)idx, (unsigned long long)*off, what);
	what = fixed_overlap(q, *off, q->cs);
	if (what)
		return qcow2_corrupt(q, "L1 entry %llu: L2 table offset 0x%llx is in the %s",
				     (unsigned long long)idx, (unsigned long long)*off, what);
	return 0;
}

int l2_entry_host(struct vimg *q, uint64_t e, uint64_t vaddr, uint64_t *host)
{
	const char *what;

	*host = 0;
	if (e & QCOW_COMPRESSED)
		return 0;
	*host = e & L2E_OFFSET_MASK;
	if (e & L2E_STD_RESERVED_MASK)
		return qcow2_corrupt(q,
				     "L2 entry for guest offset 0x%llx (0x%llx): reserved bits "
				     "are set",
				     (unsigned long long)vaddr, (unsigned long long)e);
	if (!*host)
		return 0;
	what = bad_cluster(q, *host);
	if (what)
		return qcow2_corrupt(q, "L2 entry for guest offset 0x%llx: host offset 0x%llx %s",
				     (unsigned long long)vaddr, (unsigned long long)*host, what);
	return 0;
}

int rt_entry_block(struct vimg *q, uint64_t bi, uint64_t *off)
{
	const char *what;
	uint64_t e;

	*off = 0;
	if (bi >= q->rt_entries)
		return 0;
	e = q->rt[bi];
	*off = e & RT_OFFSET_MASK;
	if (e & ~RT_OFFSET_MASK)
		return qcow2_corrupt(q, "refcount table entry %llu (0x%llx): reserved bits are set",
				     (unsigned long long)bi, (unsigned long long)e);
	if (!*off)
		return 0;
	if (*off & (q->cs - 1) || *off >> 56)
		return qcow2_corrupt(q,
				     "refcount table entry %llu: block offset 0x%llx is not a "
				     "valid cluster offset",
				     (unsigned long long)bi, (unsigned long long)*off);
	what = fixed_overlap(q, *off, q->cs);
	if (what)
		return qcow2_corrupt(q,
				     "refcount table entry %llu: block offset 0x%llx is in the %s",
				     (unsigned long long)bi, (unsigned long long)*off, what);
	return 0;
}
