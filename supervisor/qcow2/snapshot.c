// SPDX-License-Identifier: GPL-2.0
/*
 * Internal snapshots. A snapshot is a copy of the L1 table; creating one
 * raises the refcount of every L2 table and data cluster it reaches.
 *
 * Order: refcounts raised (and synced) first, then the snapshot L1 copy and
 * the new snapshot table are written, then the header is switched to the new
 * table in one write, then the old table is freed. Deleting writes the new
 * table first and lowers refcounts after. A crash leaves at most leaks.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "qcow2_int.h"

void snap_free(struct vimg *q)
{
	uint32_t i;

	for (i = 0; q->snaps && i < q->nb_snapshots; i++) {
		free(q->snaps[i].extra);
		free(q->snaps[i].id);
		free(q->snaps[i].name);
	}
	free(q->snaps);
	free(q->snap_info);
	q->snaps = NULL;
	q->snap_info = NULL;
}

uint64_t snap_table_size(const struct vimg *q)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < q->nb_snapshots; i++)
		n += align_up(40 + q->snaps[i].extra_size + strlen(q->snaps[i].id) +
				      strlen(q->snaps[i].name),
			      8);
	return n;
}

int snap_load(struct vimg *q)
{
	uint64_t off = q->snapshots_offset;
	uint8_t h[40];
	uint32_t i;
	int ret;

	if (!q->nb_snapshots)
		return 0;
	q->snaps = calloc(q->nb_snapshots, sizeof(*q->snaps));
	if (!q->snaps)
		return qerr(ENOMEM, "out of memory");
	for (i = 0; i < q->nb_snapshots; i++) {
		struct snap *s = &q->snaps[i];
		uint16_t idl, nl;

		if (off + 40 > q->file_end || off - q->snapshots_offset > (64u << 20))
			return qerr(EINVAL,
				    "snapshot table entry %u at offset 0x%llx: beyond the end of "
				    "the file",
				    i, (unsigned long long)off);
		ret = pread_full(q->fd, h, 40, off);
		if (ret)
			return ret;
		s->l1_offset = be64(h);
		s->l1_size = be32(h + 8);
		idl = be16(h + 12);
		nl = be16(h + 14);
		s->date_sec = be32(h + 16);
		s->date_nsec = be32(h + 20);
		s->vm_clock_nsec = be64(h + 24);
		s->vm_state_size32 = be32(h + 32);
		s->extra_size = be32(h + 36);
		if (s->extra_size > 1024)
			return qerr(EINVAL, "snapshot %u: extra_data_size %u is too large", i,
				    s->extra_size);
		if (q->version >= 3 && s->extra_size < 16)
			return qerr(EINVAL,
				    "snapshot %u: extra_data_size %u is below 16 (needed in v3)", i,
				    s->extra_size);
		if ((uint64_t)s->l1_size * 8 > MAX_L1_BYTES)
			return qerr(EINVAL, "snapshot %u: l1_size %u is too large", i, s->l1_size);
		if (s->l1_size && (s->l1_offset & (q->cs - 1) || s->l1_offset >> 56))
			return qerr(EINVAL,
				    "snapshot %u: l1_table_offset 0x%llx is not cluster aligned", i,
				    (unsigned long long)s->l1_offset);
		s->extra = malloc(s->extra_size + 1);
		s->id = calloc(1, idl + 1);
		s->name = calloc(1, nl + 1);
		if (!s->extra || !s->id || !s->name)
			return qerr(ENOMEM, "out of memory");
		off += 40;
		ret = pread_full(q->fd, s->extra, s->extra_size, off);
		off += s->extra_size;
		if (!ret)
			ret = pread_full(q->fd, s->id, idl, off);
		off += idl;
		if (!ret)
			ret = pread_full(q->fd, s->name, nl, off);
		off += nl;
		if (ret)
			return ret;
		off = align_up(off, 8);
	}
	return 0;
}

int qcow2_snapshot_list(struct vimg *q, const struct qcow2_snapshot_info **list)
{
	uint32_t i;

	*list = NULL;
	if (q->fmt != VIMG_QCOW2)
		return 0;
	free(q->snap_info);
	q->snap_info = calloc(q->nb_snapshots + 1, sizeof(*q->snap_info));
	if (!q->snap_info)
		return qerr(ENOMEM, "out of memory");
	for (i = 0; i < q->nb_snapshots; i++) {
		struct snap *s = &q->snaps[i];
		struct qcow2_snapshot_info *o = &q->snap_info[i];

		o->id = s->id;
		o->name = s->name;
		o->date_sec = s->date_sec;
		o->date_nsec = s->date_nsec;
		o->vm_clock_nsec = s->vm_clock_nsec;
		o->vm_state_size = s->extra_size >= 8 ? be64(s->extra) : s->vm_state_size32;
		o->disk_size = s->extra_size >= 16 ? be64(s->extra + 8) : q->size;
		o->icount = s->extra_size >= 24 ? be64(s->extra + 16) : (uint64_t)-1;
	}
	*list = q->snap_info;
	return q->nb_snapshots;
}

static int find_snap(struct vimg *q, const char *key)
{
	uint32_t i;

	for (i = 0; i < q->nb_snapshots; i++)
		if (!strcmp(q->snaps[i].id, key))
			return i;
	for (i = 0; i < q->nb_snapshots; i++)
		if (!strcmp(q->snaps[i].name, key))
			return i;
	return -1;
}

/* The index of the snapshot with that id (first) or name, or -errno with a message. */
static int snap_lookup(struct vimg *q, const char *key)
{
	int idx;

	if (q->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: snapshots need a qcow2 image", q->path);
	idx = find_snap(q, key);
	if (idx < 0)
		return qerr(ENOENT, "no snapshot with id or name '%s'", key);
	return idx;
}

/*
 * Add delta to the refcount of everything an L1 table reaches. Works in the
 * caches only: nothing reaches the disk here, so that the refcounts and the
 * COPIED flags that follow from them are written together (fix_copied).
 */
static int tree_refcounts(struct vimg *q, const uint64_t *l1, uint32_t l1_size, int delta)
{
	uint64_t i, j, off, e, h, cl, x = 62 - (q->cluster_bits - 8), nsec, rc;
	void *l2;
	int ret = 0;

	for (i = 0; i < l1_size && !ret; i++) {
		ret = l1_entry_l2(q, l1[i], i, &off);
		if (ret)
			break;
		if (!off)
			continue;
		ret = tcache_get(&q->l2c, off, true, &l2);
		for (j = 0; j < l2_entries(q) && !ret; j++) {
			e = l2_get(q, l2, j, NULL);
			ret = l2_entry_host(q, e, ((i << q->l2_bits) + j) << q->cluster_bits, &h);
			if (ret)
				break;
			if (e & QCOW_COMPRESSED) {
				h = e & ((1ull << x) - 1);
				nsec = (e >> x) & ((1ull << (q->cluster_bits - 8)) - 1);
				cl = (h | 511) + nsec * 512 + 1;
				ret = rc_update(q, h & ~(q->cs - 1),
						align_up(cl, q->cs) - (h & ~(q->cs - 1)), delta);
			} else if (h) {
				ret = rc_update(q, h, q->cs, delta);
			}
		}
		if (!ret)
			ret = rc_update(q, off, q->cs, delta);
		if (!ret && delta < 0) {
			ret = rc_get(q, off >> q->cluster_bits, &rc);
			if (!ret && !rc) /* the table itself was freed */
				tcache_drop(&q->l2c, off);
		}
	}
	return ret;
}

/*
 * Set or clear COPIED on the active tables to match refcount == 1, then
 * write refcount blocks, L2 tables and the L1 table back to back and sync
 * once: a process killed in between cannot leave a refcount on disk that
 * disagrees with its COPIED flag for longer than a few write calls.
 */
int qcow2_fix_copied(struct vimg *q);
int qcow2_fix_copied(struct vimg *q)
{
	uint64_t i, j, off, e, bm, rc, h, *be = NULL;
	bool l1_changed = false, saved = q->nosync;
	void *l2;
	int ret;

	for (i = 0; i < q->l1_size; i++) {
		ret = l1_entry_l2(q, q->l1[i], i, &off);
		if (ret)
			return ret;
		if (!off)
			continue;
		ret = rc_get(q, off >> q->cluster_bits, &rc);
		if (ret)
			return ret;
		if ((rc == 1) != !!(q->l1[i] & QCOW_COPIED)) {
			q->l1[i] = rc == 1 ? q->l1[i] | QCOW_COPIED : q->l1[i] & ~QCOW_COPIED;
			l1_changed = true;
		}
		for (j = 0; j < l2_entries(q); j++) {
			ret = tcache_get(&q->l2c, off, true, &l2);
			if (ret)
				return ret;
			e = l2_get(q, l2, j, &bm);
			ret = l2_entry_host(q, e, ((i << q->l2_bits) + j) << q->cluster_bits, &h);
			if (ret)
				return ret;
			if ((e & QCOW_COMPRESSED) || !h)
				continue;
			ret = rc_get(q, h >> q->cluster_bits, &rc);
			if (ret)
				return ret;
			if ((rc == 1) != !!(e & QCOW_COPIED)) {
				ret = tcache_get(&q->l2c, off, true, &l2);
				if (ret)
					return ret;
				l2_set(q, l2, j, rc == 1 ? e | QCOW_COPIED : e & ~QCOW_COPIED, bm);
				tcache_dirty(&q->l2c, off);
			}
		}
	}
	if (l1_changed) {
		be = malloc((uint64_t)q->l1_size * 8);
		if (!be)
			return qerr(ENOMEM, "out of memory");
		for (i = 0; i < q->l1_size; i++)
			be[i] = htobe64(q->l1[i]);
	}
	q->nosync = true; /* refcounts, then L2 tables, then L1: no pause between */
	ret = qcow2_flush_meta(q);
	if (!ret && be)
		ret = pwrite_full(q->fd, be, (uint64_t)q->l1_size * 8, q->l1_offset);
	q->nosync = saved;
	free(be);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	return ret;
}

/* Write the snapshot table and switch the header to it. */
static int write_snap_table(struct vimg *q, struct snap *s, uint32_t n)
{
	uint64_t size = 0, old_off = q->snapshots_offset, old_size = snap_table_size(q), p;
	uint8_t *buf, hb[12];
	int64_t off = 0;
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++)
		size += align_up(40 + s[i].extra_size + strlen(s[i].id) + strlen(s[i].name), 8);
	buf = calloc(1, size ? size : 1);
	if (!buf)
		return qerr(ENOMEM, "out of memory");
	for (p = 0, i = 0; i < n; i++) {
		put64(buf + p, s[i].l1_offset);
		put32(buf + p + 8, s[i].l1_size);
		put16(buf + p + 12, strlen(s[i].id));
		put16(buf + p + 14, strlen(s[i].name));
		put32(buf + p + 16, s[i].date_sec);
		put32(buf + p + 20, s[i].date_nsec);
		put64(buf + p + 24, s[i].vm_clock_nsec);
		put32(buf + p + 32, s[i].vm_state_size32);
		put32(buf + p + 36, s[i].extra_size);
		memcpy(buf + p + 40, s[i].extra, s[i].extra_size);
		memcpy(buf + p + 40 + s[i].extra_size, s[i].id, strlen(s[i].id));
		memcpy(buf + p + 40 + s[i].extra_size + strlen(s[i].id), s[i].name,
		       strlen(s[i].name));
		p += align_up(40 + s[i].extra_size + strlen(s[i].id) + strlen(s[i].name), 8);
	}
	if (size) {
		off = alloc_clusters(q, align_up(size, q->cs) >> q->cluster_bits);
		if (off < 0) {
			free(buf);
			return off;
		}
		ret = tcache_flush(&q->rbc);
		if (!ret)
			ret = pwrite_full(q->fd, buf, size, off);
		if (ret) {
			free(buf);
			return ret;
		}
	}
	free(buf);
	if (qsync(q))
		return qerr(errno, "fdatasync: %s", strerror(errno));
	put32(hb, n);
	put64(hb + 4, off);
	ret = pwrite_full(q->fd, hb, 12, 60);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	if (ret)
		return ret;
	q->snapshots_offset = off;
	if (old_size && old_off)
		ret = rc_update(q, old_off, align_up(old_size, q->cs), -1);
	return ret;
}

int qcow2_snapshot_create(struct vimg *q, const char *name)
{
	struct snap *ns, *s;
	uint64_t *l1c = NULL, maxid = 0, i;
	struct timespec ts;
	int64_t l1off = 0;
	char idbuf[24];
	int ret;

	if (q->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: snapshots need a qcow2 image", q->path);
	if (!q->rw)
		return qerr(EROFS, "%s: opened read-only", q->path);
	if (find_snap(q, name) >= 0 && !strcmp(q->snaps[find_snap(q, name)].name, name))
		return qerr(EEXIST, "a snapshot named '%s' already exists", name);
	if (q->refcount_order == 0)
		return qerr(ENOTSUP, "refcount_bits=1 cannot share clusters with a snapshot");
	if (q->nb_snapshots >= MAX_SNAPSHOTS)
		return qerr(ENOSPC, "too many snapshots");
	ret = mark_dirty(q);
	if (!ret)
		ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	ret = tree_refcounts(q, q->l1, q->l1_size, 1);
	if (ret)
		return ret;
	ret = qcow2_fix_copied(q); /* flushes the refcounts first */
	if (ret)
		return ret;
	l1c = calloc(q->l1_size ? q->l1_size : 1, 8);
	if (!l1c)
		return qerr(ENOMEM, "out of memory");
	for (i = 0; i < q->l1_size; i++)
		l1c[i] = htobe64(q->l1[i]);
	if (q->l1_size) {
		l1off = alloc_clusters(q, align_up((uint64_t)q->l1_size * 8, q->cs) >>
						  q->cluster_bits);
		if (l1off < 0) {
			free(l1c);
			return l1off;
		}
		ret = tcache_flush(&q->rbc);
		if (!ret)
			ret = pwrite_full(q->fd, l1c, (uint64_t)q->l1_size * 8, l1off);
		if (ret) {
			free(l1c);
			return ret;
		}
	}
	free(l1c);
	for (i = 0; i < q->nb_snapshots; i++)
		if (strtoull(q->snaps[i].id, NULL, 10) > maxid)
			maxid = strtoull(q->snaps[i].id, NULL, 10);
	snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)maxid + 1);
	ns = calloc(q->nb_snapshots + 1, sizeof(*ns));
	if (!ns)
		return qerr(ENOMEM, "out of memory");
	if (q->nb_snapshots)
		memcpy(ns, q->snaps, q->nb_snapshots * sizeof(*ns));
	s = &ns[q->nb_snapshots];
	clock_gettime(CLOCK_REALTIME, &ts);
	s->l1_offset = l1off;
	s->l1_size = q->l1_size;
	s->date_sec = ts.tv_sec;
	s->date_nsec = ts.tv_nsec;
	s->extra_size = 24;
	s->extra = calloc(1, 24);
	s->id = strdup(idbuf);
	s->name = strdup(name);
	if (!s->extra || !s->id || !s->name) {
		free(s->extra);
		free(s->id);
		free(s->name);
		free(ns);
		return qerr(ENOMEM, "out of memory");
	}
	put64(s->extra + 8, q->size);
	ret = write_snap_table(q, ns, q->nb_snapshots + 1);
	if (ret) {
		free(s->extra);
		free(s->id);
		free(s->name);
		free(ns);
		return ret;
	}
	free(q->snaps);
	q->snaps = ns;
	q->nb_snapshots++;
	return qcow2_flush_meta(q);
}

int qcow2_snapshot_delete(struct vimg *q, const char *key)
{
	struct snap victim, *ns;
	uint64_t *l1 = NULL, i;
	int idx, ret;

	idx = snap_lookup(q, key);
	if (idx < 0)
		return idx;
	ret = mark_dirty(q);
	if (!ret)
		ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	victim = q->snaps[idx];
	ns = calloc(q->nb_snapshots, sizeof(*ns));
	if (!ns)
		return qerr(ENOMEM, "out of memory");
	memcpy(ns, q->snaps, idx * sizeof(*ns));
	memcpy(ns + idx, q->snaps + idx + 1, (q->nb_snapshots - idx - 1) * sizeof(*ns));
	ret = write_snap_table(q, ns, q->nb_snapshots - 1);
	if (ret) {
		free(ns);
		return ret;
	}
	free(q->snaps);
	q->snaps = ns;
	q->nb_snapshots--;
	l1 = calloc(victim.l1_size ? victim.l1_size : 1, 8);
	if (!l1)
		ret = qerr(ENOMEM, "out of memory");
	if (!ret)
		ret = pread_full(q->fd, l1, (uint64_t)victim.l1_size * 8, victim.l1_offset);
	for (i = 0; !ret && i < victim.l1_size; i++)
		l1[i] = be64toh(l1[i]);
	if (!ret)
		ret = tree_refcounts(q, l1, victim.l1_size, -1);
	if (!ret && victim.l1_size)
		ret = rc_update(q, victim.l1_offset, align_up((uint64_t)victim.l1_size * 8, q->cs),
				-1);
	if (!ret)
		ret = qcow2_fix_copied(q);
	free(l1);
	free(victim.extra);
	free(victim.id);
	free(victim.name);
	return ret;
}

int qcow2_snapshot_apply(struct vimg *q, const char *key)
{
	uint64_t *sl1, *ol1 = q->l1, i, n, disk;
	uint32_t ol1_size = q->l1_size;
	struct snap *s;
	uint8_t hb[8];
	int idx, ret;

	idx = snap_lookup(q, key);
	if (idx < 0)
		return idx;
	s = &q->snaps[idx];
	if (s->l1_size > q->l1_size)
		return qerr(ENOTSUP, "snapshot '%s' has a larger L1 table than the image", key);
	ret = mark_dirty(q);
	if (!ret)
		ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	n = q->l1_size;
	sl1 = calloc(n ? n : 1, 8);
	if (!sl1)
		return qerr(ENOMEM, "out of memory");
	ret = pread_full(q->fd, sl1, (uint64_t)s->l1_size * 8, s->l1_offset);
	for (i = 0; i < n; i++)
		sl1[i] = i < s->l1_size ? be64toh(sl1[i]) : 0;
	if (!ret)
		ret = tree_refcounts(q, sl1, s->l1_size, 1);
	if (!ret)
		ret = tcache_flush(&q->rbc);
	if (ret) {
		free(sl1);
		return ret;
	}
	for (i = 0; i < n; i++)
		sl1[i] = htobe64(sl1[i] & ~QCOW_COPIED);
	ret = pwrite_full(q->fd, sl1, n * 8, q->l1_offset);
	for (i = 0; i < n; i++)
		sl1[i] = be64toh(sl1[i]);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	if (ret) {
		free(sl1);
		return ret;
	}
	tcache_flush(&q->l2c);
	tcache_clear(&q->l2c);
	q->comp_valid = false;
	q->l1 = sl1;
	ret = tree_refcounts(q, ol1, ol1_size, -1);
	free(ol1);
	disk = s->extra_size >= 16 ? be64(s->extra + 8) : q->size;
	if (!ret && disk != q->size) {
		put64(hb, disk);
		ret = pwrite_full(q->fd, hb, 8, 24);
		if (!ret)
			q->size = disk;
	}
	if (!ret)
		ret = qcow2_fix_copied(q);
	return ret;
}

int qcow2_snapshot_load_tmp(struct vimg *q, const char *id, const char *name)
{
	uint64_t *sl1, i;
	struct snap *s = NULL;
	uint32_t k;
	int ret;

	if (q->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: snapshots need a qcow2 image", q->path);
	if (q->rw)
		return qerr(EINVAL, "%s: a snapshot is loaded only into an image opened read-only",
			    q->path);
	for (k = 0; k < q->nb_snapshots && !s; k++)
		if ((!id || !strcmp(q->snaps[k].id, id)) &&
		    (!name || !strcmp(q->snaps[k].name, name)))
			s = &q->snaps[k];
	if (!s && id && name)
		return qerr(ENOENT, "%s: no snapshot with id '%s' and name '%s'", q->path, id,
			    name);
	if (!s)
		return qerr(ENOENT, "%s: no snapshot with %s '%s'", q->path, id ? "id" : "name",
			    id ? id : name);
	sl1 = calloc(s->l1_size ? s->l1_size : 1, 8);
	if (!sl1)
		return qerr(ENOMEM, "out of memory");
	ret = pread_full(q->fd, sl1, (uint64_t)s->l1_size * 8, s->l1_offset);
	if (ret) {
		free(sl1);
		return ret;
	}
	for (i = 0; i < s->l1_size; i++)
		sl1[i] = be64toh(sl1[i]);
	tcache_clear(&q->l2c);
	q->comp_valid = false;
	free(q->l1);
	q->l1 = sl1;
	q->l1_size = s->l1_size; /* the virtual size stays the image's (as qemu-img) */
	return 0;
}
