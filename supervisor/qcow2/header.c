// SPDX-License-Identifier: GPL-2.0
/*
 * The qcow2 header: parsing with strict validation, header extensions,
 * writing, and creating a new image.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcow2_int.h"

static const char *const feature_names[3][64] = {
	[0] = { [0] = "dirty bit",
		[1] = "corrupt bit",
		[2] = "external data file",
		[3] = "compression type",
		[4] = "extended L2 entries" },
	[1] = { [0] = "lazy refcounts" },
	[2] = { [0] = "bitmaps", [1] = "raw external data" },
};

/* Name of an unknown incompatible feature bit, from the image's table. */
static const char *feature_name(const struct vimg *q, int type, int bit)
{
	static __thread char name[47];
	uint32_t i;

	for (i = 0; i + 48 <= q->features_len; i += 48) {
		if (q->features[i] == type && q->features[i + 1] == bit) {
			memcpy(name, q->features + i + 2, 46);
			name[46] = 0;
			return name;
		}
	}
	return "unknown";
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int parse_exts(struct vimg *q, const uint8_t *h, uint32_t start)
{
	uint32_t off = start, type, len;

	while (off + 8 <= q->cs) {
		type = be32(h + off);
		len = be32(h + off + 4);
		if (type == EXT_END)
			return 0;
		if (len > q->cs - off - 8)
			return qerr(EINVAL,
				    "header extension 0x%08x at offset %u: length %u exceeds the "
				    "first cluster",
				    type, off, len);
		if (q->backing_offset && overlaps(off, 8 + len, q->backing_offset, q->backing_len))
			return qerr(
				EINVAL,
				"header extension 0x%08x at offset %u overlaps backing_file_offset",
				type, off);
		switch (type) {
		case EXT_BACKING_FMT:
			if (len > 1023)
				return qerr(EINVAL, "backing format extension: length %u too long",
					    len);
			free(q->backing_fmt);
			q->backing_fmt = strndup((const char *)h + off + 8, len);
			break;
		case EXT_FEATURES:
			free(q->features);
			q->features = malloc(len ? len : 1);
			if (!q->features)
				return qerr(ENOMEM, "out of memory");
			memcpy(q->features, h + off + 8, len);
			q->features_len = len;
			break;
		default: {
			struct hdr_ext *e = realloc(q->exts, (q->n_exts + 1) * sizeof(*e));

			if (!e)
				return qerr(ENOMEM, "out of memory");
			q->exts = e;
			e = &q->exts[q->n_exts++];
			e->type = type;
			e->len = len;
			e->data = malloc(len ? len : 1);
			if (!e->data)
				return qerr(ENOMEM, "out of memory");
			memcpy(e->data, h + off + 8, len);
		}
		}
		off += 8 + align_up(len, 8);
	}
	return 0;
}

static uint64_t l1_entries_for(uint64_t size, uint32_t cluster_bits, bool ext_l2)
{
	uint32_t l2_bits = cluster_bits - (ext_l2 ? 4 : 3);
	uint64_t per_l2 = 1ull << (cluster_bits + l2_bits);

	return (size + per_l2 - 1) / per_l2;
}

static int open_backing(struct vimg *q, int flags)
{
	char *path = vimg_backing_path(q->path, q->backing_file);
	int ret;

	if (!path)
		return qerr(ENOMEM, "out of memory");
	ret = vimg_open(path, q->backing_fmt, flags & ~VIMG_RDWR, &q->backing);
	q->backing_probed = !q->backing_fmt;
	free(path);
	if (ret)
		return qerr(ret, "backing file '%s': %s", q->backing_file, vimg_strerror());
	return 0;
}

/* The fixed fields of the header in @hb (its first 112 bytes), checked. */
static int parse_fixed(struct vimg *q, const uint8_t *hb)
{
	if (be32(hb) != QCOW2_MAGIC)
		return qerr(EINVAL, "not a qcow2 image (bad magic)");
	q->version = be32(hb + 4);
	if (q->version != 2 && q->version != 3)
		return qerr(ENOTSUP, "qcow2 header field version: unsupported value %u",
			    q->version);
	q->cluster_bits = be32(hb + 20);
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		return qerr(EINVAL, "qcow2 header field cluster_bits: %u is not in 9..21",
			    q->cluster_bits);
	q->cs = 1ull << q->cluster_bits;
	q->backing_offset = be64(hb + 8);
	q->backing_len = be32(hb + 16);
	q->size = be64(hb + 24);
	if (be32(hb + 32))
		return qerr(ENOTSUP,
			    "qcow2 header field crypt_method: encryption (%u) is not supported",
			    be32(hb + 32));
	q->l1_size = be32(hb + 36);
	q->l1_offset = be64(hb + 40);
	q->rt_offset = be64(hb + 48);
	q->rt_clusters = be32(hb + 56);
	q->nb_snapshots = be32(hb + 60);
	q->snapshots_offset = be64(hb + 64);
	if (q->version == 3) {
		q->incompat = be64(hb + 72);
		q->compat = be64(hb + 80);
		q->autoclear = be64(hb + 88);
		q->refcount_order = be32(hb + 96);
		q->header_length = be32(hb + 100);
		if (q->header_length < QCOW2_V3_HDR_LEN)
			return qerr(EINVAL, "qcow2 header field header_length: %u is less than 104",
				    q->header_length);
		if (q->header_length > q->cs)
			return qerr(EINVAL,
				    "qcow2 header field header_length: %u exceeds the cluster size",
				    q->header_length);
		if (q->header_length % 8)
			return qerr(EINVAL,
				    "qcow2 header field header_length: %u is not a multiple of 8",
				    q->header_length);
		if (q->refcount_order > 6)
			return qerr(EINVAL, "qcow2 header field refcount_order: %u is not in 0..6",
				    q->refcount_order);
	} else {
		q->refcount_order = 4;
		q->header_length = QCOW2_V2_HDR_LEN;
	}
	return 0;
}

/* The feature bits and what they need of the header cluster @h. */
static int check_features(struct vimg *q, const uint8_t *h, int flags)
{
	uint64_t i;

	if (q->header_length > QCOW2_V3_HDR_LEN)
		q->compression_type = h[104];
	if (q->incompat & ~(INCOMPAT_KNOWN | INCOMPAT_DATA_FILE)) {
		parse_exts(q, h, q->header_length); /* for the feature's name */
		for (i = 0; i < 64; i++)
			if ((q->incompat & ~(INCOMPAT_KNOWN | INCOMPAT_DATA_FILE)) & (1ull << i))
				break;
		return qerr(ENOTSUP,
			    "qcow2 header field incompatible_features: unsupported bit %llu (%s)",
			    (unsigned long long)i, feature_name(q, 0, i));
	}
	if (q->incompat & INCOMPAT_DATA_FILE)
		return qerr(ENOTSUP, "qcow2 header field incompatible_features: external data "
				     "files are not supported");
	if (q->incompat & INCOMPAT_COMPRESSION) {
		if (q->header_length <= QCOW2_V3_HDR_LEN)
			return qerr(EINVAL, "qcow2 header field header_length: too short for "
					    "compression_type");
		if (q->compression_type > QCOW2_COMP_ZSTD)
			return qerr(ENOTSUP, "qcow2 header field compression_type: unknown type %u",
				    q->compression_type);
	} else if (q->compression_type) {
		return qerr(EINVAL,
			    "qcow2 header field compression_type: %u set without the compression "
			    "type feature bit",
			    q->compression_type);
	}
	q->ext_l2 = q->incompat & INCOMPAT_EXTL2;
	if (q->ext_l2 && q->cluster_bits < 14)
		return qerr(EINVAL, "qcow2 header field cluster_bits: extended L2 entries need "
				    "clusters of at least 16 KiB");
	if ((q->incompat & INCOMPAT_CORRUPT) && (flags & VIMG_RDWR) && !(flags & VIMG_NO_REPAIR))
		return qerr(EROFS, "image is marked corrupt: it can only be opened read-only (or "
				   "repaired with check -r all)");
	q->l2_bits = q->cluster_bits - (q->ext_l2 ? 4 : 3);
	q->rb_bits = q->cluster_bits + 3 - q->refcount_order;
	if (q->size > (1ull << 62))
		return qerr(EFBIG, "qcow2 header field size: %llu is too large",
			    (unsigned long long)q->size);
	return 0;
}

/* The backing file name in the header cluster @h, and the extensions. */
static int parse_backing(struct vimg *q, const uint8_t *h)
{
	if (q->backing_offset) {
		if (q->backing_len > 1023 || q->backing_offset >= q->cs ||
		    q->backing_len > q->cs - q->backing_offset)
			return qerr(EINVAL,
				    "qcow2 header field backing_file_offset/backing_file_size: "
				    "%llu+%u is outside the first cluster or longer than 1023",
				    (unsigned long long)q->backing_offset, q->backing_len);
		if (q->backing_offset < q->header_length)
			return qerr(
				EINVAL,
				"qcow2 header field backing_file_offset: %llu overlaps the header",
				(unsigned long long)q->backing_offset);
		q->backing_file = strndup((const char *)h + q->backing_offset, q->backing_len);
	}
	return parse_exts(q, h, q->header_length);
}

/* Where the L1 and refcount tables and the snapshot table are: checked. */
static int check_tables(struct vimg *q)
{
	uint64_t l1_needed = l1_entries_for(q->size, q->cluster_bits, q->ext_l2);
	uint64_t hdr_end = q->cs;

	if ((uint64_t)q->l1_size * 8 > MAX_L1_BYTES)
		return qerr(EFBIG,
			    "qcow2 header field l1_size: %u entries exceed the %llu byte limit",
			    q->l1_size, (unsigned long long)MAX_L1_BYTES);
	if (q->l1_size < l1_needed)
		return qerr(
			EINVAL,
			"qcow2 header field l1_size: %u is too small for size %llu (needs %llu)",
			q->l1_size, (unsigned long long)q->size, (unsigned long long)l1_needed);
	if (q->l1_size && (q->l1_offset & (q->cs - 1) || !q->l1_offset))
		return qerr(EINVAL,
			    "qcow2 header field l1_table_offset: 0x%llx is not cluster aligned",
			    (unsigned long long)q->l1_offset);
	if (q->l1_offset > (1ull << 56))
		return qerr(EINVAL, "qcow2 header field l1_table_offset: 0x%llx is too large",
			    (unsigned long long)q->l1_offset);
	if (!q->rt_clusters || (uint64_t)q->rt_clusters << q->cluster_bits > MAX_RT_BYTES)
		return qerr(
			EINVAL,
			"qcow2 header field refcount_table_clusters: %u is 0 or exceeds %llu bytes",
			q->rt_clusters, (unsigned long long)MAX_RT_BYTES);
	if (!q->rt_offset || q->rt_offset & (q->cs - 1) || q->rt_offset > (1ull << 56))
		return qerr(EINVAL,
			    "qcow2 header field refcount_table_offset: 0x%llx is not a valid "
			    "cluster offset",
			    (unsigned long long)q->rt_offset);
	if (q->nb_snapshots > MAX_SNAPSHOTS)
		return qerr(EINVAL, "qcow2 header field nb_snapshots: %u exceeds %u",
			    q->nb_snapshots, MAX_SNAPSHOTS);
	if (q->nb_snapshots && (q->snapshots_offset & (q->cs - 1) || !q->snapshots_offset ||
				q->snapshots_offset > (1ull << 56)))
		return qerr(
			EINVAL,
			"qcow2 header field snapshots_offset: 0x%llx is not a valid cluster offset",
			(unsigned long long)q->snapshots_offset);
	if (overlaps(q->rt_offset, (uint64_t)q->rt_clusters << q->cluster_bits, 0, hdr_end))
		return qerr(EINVAL,
			    "qcow2 header field refcount_table_offset: overlaps the header");
	if (q->l1_size && overlaps(q->l1_offset, (uint64_t)q->l1_size * 8, 0, hdr_end))
		return qerr(EINVAL, "qcow2 header field l1_table_offset: overlaps the header");
	if (q->l1_size && overlaps(q->l1_offset, (uint64_t)q->l1_size * 8, q->rt_offset,
				   (uint64_t)q->rt_clusters << q->cluster_bits))
		return qerr(EINVAL,
			    "qcow2 header field l1_table_offset: overlaps the refcount table");
	return 0;
}

/* Read the refcount and L1 tables and the snapshot table. */
static int load_tables(struct vimg *q, int flags)
{
	uint64_t i;
	int ret;

	q->rt_entries = ((uint64_t)q->rt_clusters << q->cluster_bits) / 8;
	q->rt = malloc(q->rt_entries * 8);
	q->l1 = calloc(q->l1_size ? q->l1_size : 1, 8);
	if (!q->rt || !q->l1)
		return qerr(ENOMEM, "out of memory");
	ret = pread_full(q->fd, q->rt, q->rt_entries * 8, q->rt_offset);
	if (ret)
		return ret;
	for (i = 0; i < q->rt_entries; i++) {
		q->rt[i] = be64toh(q->rt[i]);
		if (q->rt[i] & (q->cs - 1) || (q->rt[i] && q->rt[i] >> 56)) {
			/* tolerated here, reported by check; never used */
			if (flags & VIMG_NO_REPAIR)
				continue;
			return qerr(
				EINVAL,
				"refcount table entry %llu: 0x%llx is not a valid cluster offset",
				(unsigned long long)i, (unsigned long long)q->rt[i]);
		}
	}
	ret = pread_full(q->fd, q->l1, (uint64_t)q->l1_size * 8, q->l1_offset);
	if (ret)
		return ret;
	for (i = 0; i < q->l1_size; i++)
		q->l1[i] = be64toh(q->l1[i]);
	return snap_load(q);
}

/* The metadata caches, sized as QEMU does by default: cover the disk, at most 32 MiB. */
static int init_caches(struct vimg *q)
{
	uint64_t l2cache = (q->size >> q->cluster_bits) * (q->ext_l2 ? 16 : 8), rbcache;
	int ret;

	if (l2cache > (32u << 20))
		l2cache = 32u << 20;
	if (l2cache < 2 * q->cs)
		l2cache = 2 * q->cs;
	rbcache = l2cache / 4;
	if (rbcache < 4 * q->cs)
		rbcache = 4 * q->cs;
	ret = tcache_init(&q->l2c, q, l2cache / q->cs, q->cs);
	if (!ret)
		ret = tcache_init(&q->rbc, q, rbcache / q->cs, q->cs);
	if (ret)
		return ret;
	if (!(q->compat & COMPAT_LAZY))
		q->l2c.depends = &q->rbc;
	q->fresh_off = align_up(q->file_end, q->cs);
	q->meta_prealloc = -1;
	q->comp_buf = malloc(q->cs);
	q->zbuf = malloc(q->cs);
	if (!q->comp_buf || !q->zbuf)
		return qerr(ENOMEM, "out of memory");
	return 0;
}

/* An image left dirty (lazy refcounts) opened to write: repair it first. */
static int repair_dirty(struct vimg *q)
{
	struct qcow2_check_result r;
	uint8_t b[8];
	int ret;

	ret = qcow2_check(q, QCOW2_REPAIR_LEAKS | QCOW2_REPAIR_ERRORS, &r, NULL);
	if (!ret)
		ret = qcow2_flush_meta(q);
	if (ret)
		return ret;
	q->incompat &= ~INCOMPAT_DIRTY;
	put64(b, q->incompat);
	ret = pwrite_full(q->fd, b, 8, 72);
	if (ret)
		return ret;
	if (qsync(q))
		return qerr(errno, "fdatasync: %s", strerror(errno));
	q->writes_started = false;
	return 0;
}

int qcow2_open(struct vimg *q, int flags)
{
	uint8_t hb[QCOW2_V3_HDR_LEN + 8], *h;
	struct stat st;
	int ret;

	q->checking = flags & VIMG_NO_REPAIR;
	if (fstat(q->fd, &st))
		return qerr(errno, "stat: %s", strerror(errno));
	q->file_end = st.st_size;
	ret = pread_full(q->fd, hb, sizeof(hb), 0);
	if (!ret)
		ret = parse_fixed(q, hb);
	if (ret)
		return ret;
	h = malloc(q->cs);
	if (!h)
		return qerr(ENOMEM, "out of memory");
	ret = pread_full(q->fd, h, q->cs, 0);
	if (!ret)
		ret = check_features(q, h, flags);
	if (!ret)
		ret = parse_backing(q, h);
	free(h);
	if (!ret)
		ret = check_tables(q);
	if (!ret)
		ret = load_tables(q, flags);
	if (!ret)
		ret = init_caches(q);
	if (!ret && q->backing_file && !(flags & VIMG_NO_BACKING))
		ret = open_backing(q, flags);
	if (!ret && (q->incompat & INCOMPAT_DIRTY) && (flags & VIMG_RDWR) &&
	    !(flags & VIMG_NO_REPAIR))
		ret = repair_dirty(q);
	return ret;
}

/* Build the header cluster: fields, extensions and the backing file name. */
int qcow2_write_header(struct vimg *q)
{
	uint8_t *h = calloc(1, q->cs);
	uint32_t off, blen = 0, i, hl;
	int ret;

	if (!h)
		return qerr(ENOMEM, "out of memory");
	if (q->version == 3) {
		hl = q->header_length < QCOW2_HDR_LEN_COMP ? QCOW2_HDR_LEN_COMP : q->header_length;
		q->header_length = hl;
	} else {
		hl = QCOW2_V2_HDR_LEN;
	}
	put32(h, QCOW2_MAGIC);
	put32(h + 4, q->version);
	put32(h + 20, q->cluster_bits);
	put64(h + 24, q->size);
	put32(h + 36, q->l1_size);
	put64(h + 40, q->l1_offset);
	put64(h + 48, q->rt_offset);
	put32(h + 56, q->rt_clusters);
	put32(h + 60, q->nb_snapshots);
	put64(h + 64, q->snapshots_offset);
	if (q->version == 3) {
		put64(h + 72, q->incompat);
		put64(h + 80, q->compat);
		put64(h + 88, q->autoclear);
		put32(h + 96, q->refcount_order);
		put32(h + 100, hl);
		h[104] = q->compression_type;
	}
	off = hl;
#define ADD_EXT(t, p, l)                                                                           \
	do {                                                                                       \
		if (off + 8 + align_up((l), 8) + 8 > q->cs)                                        \
			goto toobig;                                                               \
		put32(h + off, (t));                                                               \
		put32(h + off + 4, (l));                                                           \
		memcpy(h + off + 8, (p), (l));                                                     \
		off += 8 + align_up((l), 8);                                                       \
	} while (0)
	if (q->backing_fmt && q->backing_file)
		ADD_EXT(EXT_BACKING_FMT, q->backing_fmt, strlen(q->backing_fmt));
	if (q->version == 3) {
		uint8_t ft[48 * 8];
		int n = 0, t, b;

		memset(ft, 0, sizeof(ft));
		for (t = 0; t < 3; t++)
			for (b = 0; b < 64; b++)
				if (feature_names[t][b]) {
					ft[n * 48] = t;
					ft[n * 48 + 1] = b;
					strncpy((char *)ft + n * 48 + 2, feature_names[t][b], 46);
					n++;
				}
		ADD_EXT(EXT_FEATURES, ft, (uint32_t)n * 48);
	}
	for (i = 0; i < (uint32_t)q->n_exts; i++)
		ADD_EXT(q->exts[i].type, q->exts[i].data, q->exts[i].len);
#undef ADD_EXT
	off += 8; /* end marker */
	if (q->backing_file) {
		blen = strlen(q->backing_file);
		if (blen > 1023 || off + blen > q->cs)
			goto toobig;
		memcpy(h + off, q->backing_file, blen);
		put64(h + 8, off);
		put32(h + 16, blen);
		q->backing_offset = off;
		q->backing_len = blen;
		off += blen;
	} else {
		q->backing_offset = 0;
		q->backing_len = 0;
	}
	ret = pwrite_full(q->fd, h, off, 0);
	free(h);
	return ret;
toobig:
	free(h);
	return qerr(ENOSPC, "header, extensions and backing file name do not fit in one cluster");
}

void qcow2_free(struct vimg *q)
{
	int i;

	tcache_free(&q->l2c);
	tcache_free(&q->rbc);
	free(q->l1);
	free(q->rt);
	snap_free(q);
	free(q->backing_file);
	free(q->backing_fmt);
	for (i = 0; i < q->n_exts; i++)
		free(q->exts[i].data);
	free(q->exts);
	free(q->features);
	free(q->comp_buf);
	free(q->zbuf);
}

/*
 * Create: header, refcount table, refcount blocks and L1 table laid out in
 * that order from cluster 0, sized to describe themselves.
 */
int qcow2_create_file(const char *path, const struct vimg_create_opts *o)
{
	struct vimg q;
	uint32_t cs = o->cluster_size ? o->cluster_size : 65536;
	int rbits = o->refcount_bits ? o->refcount_bits : 16;
	uint64_t l1n, l1c, rtc = 1, nb = 1, total, E, i, c;
	uint8_t *buf = NULL;
	int fd, ret, order;

	memset(&q, 0, sizeof(q));
	if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1)))
		return qerr(EINVAL, "cluster_size: %u is not a power of two between 512 and 2M",
			    cs);
	for (order = 0; order <= 6 && (1 << order) != rbits; order++)
		;
	if (order > 6)
		return qerr(EINVAL, "refcount_bits: %d is not a power of two up to 64", rbits);
	q.version = o->compat == 2 ? 2 : 3;
	if (q.version == 2 && (order != 4 || o->lazy_refcounts || o->extended_l2 ||
			       o->compression_type != QCOW2_COMP_ZLIB))
		return qerr(EINVAL, "compat=0.10 supports neither refcount_bits other than 16, "
				    "lazy_refcounts, extended_l2 nor compression_type");
	q.cluster_bits = __builtin_ctz(cs);
	q.cs = cs;
	if (o->extended_l2 && cs < 16384)
		return qerr(EINVAL, "extended_l2: needs a cluster_size of at least 16k");
	q.ext_l2 = o->extended_l2;
	q.refcount_order = order;
	q.rb_bits = q.cluster_bits + 3 - order;
	q.size = align_up(o->size, 512);
	if (q.size > (1ull << 62))
		return qerr(EFBIG, "size: too large");
	l1n = l1_entries_for(q.size, q.cluster_bits, q.ext_l2);
	if (l1n * 8 > MAX_L1_BYTES)
		return qerr(EFBIG, "size: the L1 table would exceed %llu bytes",
			    (unsigned long long)MAX_L1_BYTES);
	l1c = (l1n * 8 + cs - 1) / cs;
	E = 1ull << q.rb_bits;
	for (;;) {
		total = 1 + rtc + nb + l1c;
		if (nb * E >= total && rtc * cs / 8 >= nb)
			break;
		nb = (total + E - 1) / E;
		rtc = (nb * 8 + cs - 1) / cs;
	}
	q.l1_size = l1n;
	q.rt_clusters = rtc;
	q.rt_offset = cs;
	q.l1_offset = (1 + rtc + nb) * (uint64_t)cs;
	if (q.version == 3) {
		q.header_length = QCOW2_HDR_LEN_COMP;
		if (o->lazy_refcounts)
			q.compat |= COMPAT_LAZY;
		if (q.ext_l2)
			q.incompat |= INCOMPAT_EXTL2;
		if (o->compression_type == QCOW2_COMP_ZSTD) {
			q.incompat |= INCOMPAT_COMPRESSION;
			q.compression_type = 1;
		}
	}
	q.backing_file = (char *)o->backing_file;
	q.backing_fmt = (char *)o->backing_fmt;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return qerr(errno, "%s: %s", path, strerror(errno));
	q.fd = fd;
	ret = qcow2_write_header(&q);
	if (ret)
		goto out;
	buf = calloc(1, cs);
	if (!buf) {
		ret = qerr(ENOMEM, "out of memory");
		goto out;
	}
	/* refcount table */
	for (i = 0; i < rtc; i++) {
		memset(buf, 0, cs);
		for (c = 0; c < cs / 8 && i * (cs / 8) + c < nb; c++)
			put64(buf + c * 8, (1 + rtc + i * (cs / 8) + c) * (uint64_t)cs);
		ret = pwrite_full(fd, buf, cs, (1 + i) * (uint64_t)cs);
		if (ret)
			goto out;
	}
	/* refcount blocks: clusters 0..total-1 in use */
	for (i = 0; i < nb; i++) {
		memset(buf, 0, cs);
		for (c = 0; c < E && i * E + c < total; c++)
			rb_set(&q, buf, c, 1);
		ret = pwrite_full(fd, buf, cs, (1 + rtc + i) * (uint64_t)cs);
		if (ret)
			goto out;
	}
	/* L1 table: zero, as the file's end */
	if (ftruncate(fd, (off_t)total * cs)) {
		ret = qerr(errno, "%s: truncate: %s", path, strerror(errno));
		goto out;
	}
	if (fsync(fd))
		ret = qerr(errno, "%s: fsync: %s", path, strerror(errno));
out:
	free(buf);
	close(fd);
	if (ret)
		unlink(path);
	return ret;
}
