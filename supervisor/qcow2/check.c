// SPDX-License-Identifier: GPL-2.0
/*
 * Consistency check and repair. References are counted by walking every
 * metadata structure (header, L1/L2 tables of the image and of each snapshot,
 * refcount table and blocks, snapshot table) and compared to the stored
 * refcounts: too high is a leak, too low is a corruption, as qemu-img counts
 * them. Repair sets stored refcounts to the counted ones (leaks with
 * QCOW2_REPAIR_LEAKS, the rest with QCOW2_REPAIR_ERRORS) and fixes COPIED.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "qcow2_int.h"

struct ck {
	struct vimg *q;
	struct qcow2_check_result *r;
	FILE *log;
	int repair;
	uint32_t *refs;
	uint64_t nb; /* clusters in the file */
	uint64_t next_contig;
	uint8_t *l2;
};

static void logf_(struct ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct ck *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
}

static void inc(struct ck *c, uint64_t off, uint64_t len)
{
	uint64_t i, first, last;

	if (!len)
		return;
	first = off >> c->q->cluster_bits;
	last = (off + len - 1) >> c->q->cluster_bits;
	for (i = first; i <= last; i++) {
		if (i >= c->nb) {
			logf_(c,
			      "ERROR: counting reference for region exceeding the end of the file "
			      "by one cluster or more: offset 0x%llx size 0x%llx\n",
			      (unsigned long long)off, (unsigned long long)len);
			c->r->corruptions++;
			return;
		}
		if (c->refs[i] != UINT32_MAX)
			c->refs[i]++;
	}
}

static int walk_l2(struct ck *c, uint64_t l2off, bool active)
{
	struct vimg *q = c->q;
	uint64_t j, e, bm, host, rc, x = 62 - (q->cluster_bits - 8), nsec, h;
	int ret;

	ret = pread_full(q->fd, c->l2, q->cs, l2off);
	if (ret)
		return ret;
	c->next_contig = 0; /* contiguity is counted within one L2 table */
	for (j = 0; j < l2_entries(q); j++) {
		e = l2_get(q, c->l2, j, &bm);
		if (e & QCOW_COMPRESSED) {
			if (active && (e & QCOW_COPIED)) {
				logf_(c,
				      "ERROR: coffset=0x%llx: copied flag must never be set for "
				      "compressed clusters\n",
				      (unsigned long long)(e & ((1ull << x) - 1)));
				c->r->corruptions++;
			}
			h = e & ((1ull << x) - 1);
			nsec = (e >> x) & ((1ull << (q->cluster_bits - 8)) - 1);
			inc(c, h & ~511ull, (nsec + 1) * 512);
			if (active) {
				c->r->allocated_clusters++;
				c->r->compressed_clusters++;
				c->r->fragmented_clusters++;
			}
			continue;
		}
		host = e & L2E_OFFSET_MASK;
		if (!host) {
			if (q->ext_l2 && (bm & 0xffffffffull)) {
				logf_(c,
				      "ERROR: invalid cluster entry: L2 entry 0x%llx bitmap "
				      "0x%llx\n",
				      (unsigned long long)e, (unsigned long long)bm);
				c->r->corruptions++;
			}
			continue;
		}
		if (q->ext_l2 && (bm & (bm >> 32) & 0xffffffffull)) {
			logf_(c, "ERROR: invalid subcluster bitmap 0x%llx\n",
			      (unsigned long long)bm);
			c->r->corruptions++;
		}
		if (active) {
			c->r->allocated_clusters++;
			if (c->next_contig && host != c->next_contig)
				c->r->fragmented_clusters++;
			c->next_contig = host + q->cs;
		}
		if (host & (q->cs - 1)) {
			logf_(c,
			      "ERROR offset=%llx: Data cluster is not properly aligned; L2 entry "
			      "corrupted.\n",
			      (unsigned long long)host);
			if (c->repair & QCOW2_REPAIR_ERRORS) {
				/* the data is unreachable: make it a zero cluster */
				l2_set(q, c->l2, j, q->version >= 3 && !q->ext_l2 ? QCOW_ZERO : 0,
				       q->ext_l2 ? 0xffffffff00000000ull : 0);
				ret = pwrite_full(q->fd, c->l2, q->cs, l2off);
				if (ret)
					return ret;
				tcache_drop(&q->l2c, l2off);
				c->r->corruptions_fixed++;
				continue;
			}
			c->r->corruptions++;
		}
		inc(c, host, q->cs);
		if (active) {
			ret = rc_get(q, host >> q->cluster_bits, &rc);
			if (ret)
				return ret;
			if ((rc == 1) != !!(e & QCOW_COPIED)) {
				logf_(c,
				      "%s OFLAG_COPIED data cluster: l2_entry=%llx refcount=%llu\n",
				      c->repair & QCOW2_REPAIR_ERRORS ? "Repairing" : "ERROR",
				      (unsigned long long)e, (unsigned long long)rc);
				c->r->corruptions++;
			}
		}
	}
	return 0;
}

static int walk_l1(struct ck *c, const uint64_t *l1, uint32_t n, bool active)
{
	struct vimg *q = c->q;
	uint64_t i, off, rc;
	int ret;

	for (i = 0; i < n; i++) {
		off = l1[i] & L1E_OFFSET_MASK;
		if (!off)
			continue;
		if (off & (q->cs - 1)) {
			logf_(c,
			      "ERROR l2_offset=%llx: Table is not cluster aligned; L1 entry "
			      "corrupted\n",
			      (unsigned long long)off);
			c->r->corruptions++;
			continue;
		}
		if ((off >> q->cluster_bits) >= c->nb) {
			inc(c, off, q->cs);
			continue;
		}
		inc(c, off, q->cs);
		if (active) {
			ret = rc_get(q, off >> q->cluster_bits, &rc);
			if (ret)
				return ret;
			if ((rc == 1) != !!(l1[i] & QCOW_COPIED)) {
				logf_(c,
				      "%s OFLAG_COPIED L2 cluster: l1_index=%llu l1_entry=%llx "
				      "refcount=%llu\n",
				      c->repair & QCOW2_REPAIR_ERRORS ? "Repairing" : "ERROR",
				      (unsigned long long)i, (unsigned long long)l1[i],
				      (unsigned long long)rc);
				c->r->corruptions++;
			}
		}
		ret = walk_l2(c, off, active);
		if (ret)
			return ret;
	}
	return 0;
}

static int count_refs(struct ck *c)
{
	struct vimg *q = c->q;
	uint64_t i, *l1, tsize = 0;
	uint32_t s;
	int ret;

	inc(c, 0, q->cs);
	inc(c, q->l1_offset, (uint64_t)q->l1_size * 8);
	ret = walk_l1(c, q->l1, q->l1_size, true);
	if (ret)
		return ret;
	for (s = 0; s < q->nb_snapshots; s++) {
		struct snap *sn = &q->snaps[s];

		tsize += align_up(40 + sn->extra_size + strlen(sn->id) + strlen(sn->name), 8);
		if (!sn->l1_size)
			continue;
		if ((sn->l1_offset >> q->cluster_bits) >= c->nb) {
			inc(c, sn->l1_offset, (uint64_t)sn->l1_size * 8);
			continue;
		}
		inc(c, sn->l1_offset, (uint64_t)sn->l1_size * 8);
		l1 = malloc((uint64_t)sn->l1_size * 8);
		if (!l1)
			return qerr(ENOMEM, "out of memory");
		ret = pread_full(q->fd, l1, (uint64_t)sn->l1_size * 8, sn->l1_offset);
		for (i = 0; i < sn->l1_size; i++)
			l1[i] = be64toh(l1[i]);
		if (!ret)
			ret = walk_l1(c, l1, sn->l1_size, false);
		free(l1);
		if (ret)
			return ret;
	}
	if (q->nb_snapshots)
		inc(c, q->snapshots_offset, tsize);
	inc(c, q->rt_offset, (uint64_t)q->rt_clusters << q->cluster_bits);
	for (i = 0; i < q->rt_entries; i++) {
		uint64_t off = q->rt[i] & RT_OFFSET_MASK;

		if (!q->rt[i])
			continue;
		if (q->rt[i] & (q->cs - 1)) {
			logf_(c,
			      "ERROR refcount block %llu is not cluster aligned; refcount table "
			      "entry corrupted\n",
			      (unsigned long long)i);
			c->r->corruptions++;
			q->rt[i] = 0;
			continue;
		}
		if ((off >> q->cluster_bits) >= c->nb) {
			logf_(c, "ERROR refcount block %llu is outside image\n",
			      (unsigned long long)i);
			c->r->corruptions++;
			q->rt[i] = 0;
			continue;
		}
		inc(c, off, q->cs);
	}
	return 0;
}

static int compare(struct ck *c, uint8_t *used)
{
	struct vimg *q = c->q;
	uint64_t i, rc, last = 0, n = c->nb;
	int ret;

	/* like qemu-img, refcounts past the end of the file are not looked at */
	for (i = 0; i < n; i++) {
		uint64_t ref = i < c->nb ? c->refs[i] : 0;

		ret = rc_get(q, i, &rc);
		if (ret)
			return ret;
		if (ref)
			last = i;
		if (rc == ref)
			continue;
		if (used && i < c->nb && used[i] == 2)
			continue; /* a block this repair created */
		if ((rc > ref && (c->repair & QCOW2_REPAIR_LEAKS)) ||
		    (rc < ref && (c->repair & QCOW2_REPAIR_ERRORS))) {
			logf_(c, "Repairing cluster %llu refcount=%llu reference=%llu\n",
			      (unsigned long long)i, (unsigned long long)rc,
			      (unsigned long long)ref);
			ret = rc_set(q, i, ref > rc_max(q) ? rc_max(q) : ref);
			if (ret)
				return ret;
			if (rc > ref)
				c->r->leaks_fixed++;
			else
				c->r->corruptions_fixed++;
			continue;
		}
		logf_(c, "%s cluster %llu refcount=%llu reference=%llu\n",
		      rc < ref ? "ERROR" : "Leaked", (unsigned long long)i, (unsigned long long)rc,
		      (unsigned long long)ref);
		if (rc < ref)
			c->r->corruptions++;
		else
			c->r->leaks++;
	}
	c->r->image_end_offset = (last + 1) << q->cluster_bits;
	return 0;
}

static int check_once(struct vimg *q, int repair, struct qcow2_check_result *r, FILE *log)
{
	struct ck c = { .q = q, .r = r, .log = log, .repair = repair };
	uint8_t *used = NULL;
	uint64_t i, saved_rt_n = q->rt_entries, *saved_rt = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	c.nb = align_up(lseek(q->fd, 0, SEEK_END), q->cs) >> q->cluster_bits;
	q->file_end = c.nb << q->cluster_bits;
	c.refs = calloc(c.nb ? c.nb : 1, sizeof(*c.refs));
	c.l2 = malloc(q->cs);
	saved_rt = malloc(q->rt_entries * 8);
	if (!c.refs || !c.l2 || !saved_rt) {
		ret = qerr(ENOMEM, "out of memory for checking %llu clusters",
			   (unsigned long long)c.nb);
		goto out;
	}
	memcpy(saved_rt, q->rt, q->rt_entries * 8);
	r->total_clusters = (q->size + q->cs - 1) >> q->cluster_bits;
	ret = count_refs(&c);
	if (ret)
		goto out;
	/*
	 * Repairs write refcounts through the refcount table: one outside the
	 * file would have them land wherever the header says (qemu-img
	 * rebuilds the whole refcount structure; we refuse and write nothing).
	 */
	if (repair && q->rt_offset + ((uint64_t)q->rt_clusters << q->cluster_bits) > q->file_end) {
		ret = qerr(EUCLEAN,
			   "%s: the refcount table (offset 0x%llx, %u clusters) lies outside the "
			   "image; not repaired, nothing written",
			   q->path, (unsigned long long)q->rt_offset, q->rt_clusters);
		goto out;
	}
	if (repair) {
		used = calloc(c.nb ? c.nb : 1, 1);
		if (!used) {
			ret = qerr(ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < c.nb; i++)
			used[i] = c.refs[i] != 0;
		q->check_used = used;
		q->check_used_n = c.nb;
		q->free_hint = 0;
	}
	ret = compare(&c, used);
	if (!ret && repair) {
		ret = qcow2_flush_meta(q);
		if (!ret && (repair & QCOW2_REPAIR_ERRORS)) {
			extern int qcow2_fix_copied(struct vimg * q);

			ret = qcow2_fix_copied(q);
		}
	}
out:
	if (!repair && saved_rt && saved_rt_n == q->rt_entries)
		memcpy(q->rt, saved_rt, q->rt_entries * 8);
	q->check_used = NULL;
	q->check_used_n = 0;
	free(saved_rt);
	free(used);
	free(c.refs);
	free(c.l2);
	return ret;
}

int qcow2_check(struct vimg *q, int repair, struct qcow2_check_result *res, FILE *log)
{
	struct qcow2_check_result first;
	uint64_t found_c, found_l;
	int ret;

	if (q->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: check needs a qcow2 image", q->path);
	if (repair && !q->rw)
		return qerr(EROFS, "%s: repair needs the image opened read-write", q->path);
	ret = check_once(q, repair, &first, log);
	if (ret || !repair) {
		*res = first;
		return ret;
	}
	found_c = first.corruptions + first.corruptions_fixed;
	found_l = first.leaks + first.leaks_fixed;
	ret = check_once(q, 0, res, NULL);
	res->leaks_fixed =
		(repair & QCOW2_REPAIR_LEAKS) && found_l > res->leaks ? found_l - res->leaks : 0;
	res->corruptions_fixed = (repair & QCOW2_REPAIR_ERRORS) && found_c > res->corruptions
					 ? found_c - res->corruptions
					 : 0;
	return ret;
}
