/* SPDX-License-Identifier: GPL-2.0 */
/* libqcow2 internals: on-disk layout constants and the image structures. */
#ifndef VMON_QCOW2_INT_H
#define VMON_QCOW2_INT_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <vmon/qcow2.h>

#define QCOW2_MAGIC 0x514649fbu
#define QCOW2_V2_HDR_LEN 72
#define QCOW2_V3_HDR_LEN 104
#define QCOW2_HDR_LEN_COMP 112

#define INCOMPAT_DIRTY (1ull << 0)
#define INCOMPAT_CORRUPT (1ull << 1)
#define INCOMPAT_DATA_FILE (1ull << 2)
#define INCOMPAT_COMPRESSION (1ull << 3)
#define INCOMPAT_EXTL2 (1ull << 4)
#define INCOMPAT_KNOWN (INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2)
#define COMPAT_LAZY (1ull << 0)

#define EXT_END 0
#define EXT_BACKING_FMT 0xe2792acau
#define EXT_FEATURES 0x6803f857u

#define L1E_OFFSET_MASK 0x00fffffffffffe00ull
#define L2E_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW_COPIED (1ull << 63)
#define QCOW_COMPRESSED (1ull << 62)
#define QCOW_ZERO 1ull
#define RT_OFFSET_MASK 0xfffffffffffffe00ull
#define L1E_RESERVED_MASK 0x7f000000000001ffull	    /* bits 0-8 and 56-62 */
#define L2E_STD_RESERVED_MASK 0x3f000000000001feull /* bits 1-8 and 56-61 */

/* what qcow2_meta_overlap() may ignore: the kind of table being written */
#define OL_ACTIVE_L2 (1u << 0)
#define OL_REFCOUNT_BLOCK (1u << 1)

#define MAX_L1_BYTES (32ull << 20)
#define MAX_RT_BYTES (8ull << 20)
#define MAX_SNAPSHOTS 65536

/* A write-back cache of cluster-sized tables (L2 tables, refcount blocks). */
struct tcache_ent {
	uint64_t off; /* 0: free slot */
	void *buf;
	int next; /* hash chain */
	bool dirty, ref;
};
struct tcache {
	struct vimg *img;
	struct tcache *depends; /* flushed (and synced) before our dirty tables */
	int n, hand, nhash;
	int *hash;
	struct tcache_ent *e;
	size_t tsize;
};

struct hdr_ext {
	uint32_t type, len;
	void *data;
};

struct snap {
	uint64_t l1_offset;
	uint32_t l1_size;
	uint32_t date_sec, date_nsec;
	uint64_t vm_clock_nsec;
	uint32_t vm_state_size32;
	uint32_t extra_size;
	uint8_t *extra; /* raw extra data, preserved */
	char *id, *name;
};

struct vimg {
	enum vimg_fmt fmt;
	int fd;
	bool rw;
	bool nosync; /* VIMG_UNSAFE: never wait for the disk */
	char *path;
	uint64_t size;
	struct vimg *backing;

	/* qcow2 only */
	uint32_t version;
	uint32_t cluster_bits;
	uint64_t cs;
	uint64_t l1_offset;
	uint32_t l1_size;
	uint64_t *l1;
	uint64_t rt_offset;
	uint32_t rt_clusters;
	uint64_t rt_entries;
	uint64_t *rt;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	struct snap *snaps;
	struct qcow2_snapshot_info *snap_info;
	uint64_t incompat, compat, autoclear;
	uint32_t refcount_order;
	uint32_t header_length;
	uint8_t compression_type;
	bool ext_l2;
	uint32_t l2_bits; /* log2 entries per L2 table */
	uint32_t rb_bits; /* log2 entries per refcount block */
	uint64_t backing_offset;
	uint32_t backing_len;
	char *backing_file, *backing_fmt;
	bool backing_probed;  /* opened without a recorded backing format */
	struct hdr_ext *exts; /* unknown extensions, preserved */
	int n_exts;
	uint8_t *features; /* raw feature name table */
	uint32_t features_len;

	struct tcache l2c, rbc;
	uint64_t free_hint; /* cluster index below which nothing is free */
	uint64_t fresh_off; /* clusters allocated at or above this read as zero */
	uint64_t file_end;
	bool dirty_set; /* header dirty bit written this session */
	bool writes_started;
	bool punch_freed;    /* clusters whose refcount drops to 0 are punched out */
	uint8_t *check_used; /* during repair: clusters the allocator must skip */
	uint64_t check_used_n;

	uint64_t comp_off; /* last decompressed cluster (host descriptor) */
	uint8_t *comp_buf;
	bool comp_valid;
	int meta_prealloc;	      /* -1 unknown, see map.c */
	uint64_t comp_next, comp_end; /* packing of compressed clusters */
	uint8_t *zbuf;		      /* scratch of one cluster */
	bool broken;		      /* a corruption was found: no further I/O (overlap.c) */
	bool checking;		      /* opened by check: corruptions are reported, not marked */
};

static inline int qsync(const struct vimg *q)
{
	return q->nosync ? 0 : fdatasync(q->fd);
}

/* error.c */
int qerr(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* io helpers */
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* cache.c */
int tcache_init(struct tcache *c, struct vimg *img, int n, size_t tsize);
void tcache_free(struct tcache *c);
int tcache_get(struct tcache *c, uint64_t off, bool read, void **buf);
void tcache_dirty(struct tcache *c, uint64_t off);
int tcache_flush(struct tcache *c);
void tcache_drop(struct tcache *c, uint64_t off);
void tcache_clear(struct tcache *c);

/* refcount.c */
uint64_t rc_max(const struct vimg *q);
uint64_t rb_get(const struct vimg *q, const void *blk, uint64_t i);
void rb_set(const struct vimg *q, void *blk, uint64_t i, uint64_t v);
int rc_get(struct vimg *q, uint64_t cluster, uint64_t *rc);
int rc_update(struct vimg *q, uint64_t off, uint64_t len, int64_t delta);
int rc_set(struct vimg *q, uint64_t cluster, uint64_t v);
int64_t alloc_clusters(struct vimg *q, uint64_t n);
int free_clusters(struct vimg *q, uint64_t off, uint64_t len);
int qcow2_flush_meta(struct vimg *q);
int write_header_field(struct vimg *q, uint64_t off, const void *v, size_t len);
int mark_dirty(struct vimg *q);

/* header.c */
int qcow2_open(struct vimg *q, int flags);
int qcow2_write_header(struct vimg *q);
int qcow2_create_file(const char *path, const struct vimg_create_opts *o);
void qcow2_free(struct vimg *q);

/* cluster.c */
uint64_t l2_get(const struct vimg *q, const void *l2, uint64_t i, uint64_t *bitmap);
void l2_set(const struct vimg *q, void *l2, uint64_t i, uint64_t e, uint64_t bitmap);
int qcow2_read(struct vimg *q, void *buf, size_t len, uint64_t off);
uint64_t qcow2_data_run(struct vimg *q, uint64_t off, uint64_t len, uint64_t *host);
int qcow2_write(struct vimg *q, const void *buf, size_t len, uint64_t off);
int qcow2_write_zeroes(struct vimg *q, uint64_t off, uint64_t len);
int qcow2_discard_cluster(struct vimg *q, uint64_t vaddr);
int qcow2_write_compressed(struct vimg *q, const void *buf, uint64_t off);
int qcow2_block_status(struct vimg *q, uint64_t off, uint64_t len, struct vimg_extent *e);
int read_compressed(struct vimg *q, uint64_t l2e, uint8_t *out);
int find_l2(struct vimg *q, uint64_t vaddr, void **l2);
int get_l2_rw(struct vimg *q, uint64_t vaddr, void **l2);
int write_l1_entry(struct vimg *q, uint64_t idx);
int qcow2_preallocate(struct vimg *q, enum qcow2_prealloc mode);

/* overlap.c */
int qcow2_corrupt(struct vimg *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *qcow2_meta_overlap(struct vimg *q, unsigned int ign, uint64_t off, uint64_t len);
int qcow2_check_write(struct vimg *q, unsigned int ign, uint64_t off, uint64_t len);
/* 0, or EIO (said once) when a corruption stopped the image's I/O. */
int qcow2_refuse_if_broken(struct vimg *q);
/* pwrite after qcow2_check_write() against all metadata. */
int checked_write(struct vimg *q, const void *buf, uint64_t len, uint64_t off);
int l1_entry_l2(struct vimg *q, uint64_t e, uint64_t idx, uint64_t *off);
int l2_entry_host(struct vimg *q, uint64_t e, uint64_t vaddr, uint64_t *host);
int rt_entry_block(struct vimg *q, uint64_t bi, uint64_t *off);

/* snapshot.c */
int snap_load(struct vimg *q);
uint64_t snap_table_size(const struct vimg *q);
void snap_free(struct vimg *q);

static inline uint64_t be64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}
static inline uint32_t be32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}
static inline uint16_t be16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return be16toh(v);
}
static inline void put64(void *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}
static inline void put32(void *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}
static inline void put16(void *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}
static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}
static inline uint64_t l2_entries(const struct vimg *q)
{
	return 1ull << q->l2_bits;
}
static inline uint32_t sc_size(const struct vimg *q)
{
	return q->ext_l2 ? q->cs / 32 : q->cs;
}

#endif
