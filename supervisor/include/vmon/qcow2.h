/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libqcow2: qcow2 (v2 and v3) and raw disk images, written for vmon.
 *
 * A struct vimg is an opened image of either format. Reads follow the backing
 * chain; writes allocate clusters with metadata updated in crash-safe order
 * (refcounts before the L2 entry that references a cluster, L2 tables before
 * the L1 entry, frees after the last reference is gone from disk).
 *
 * Errors: functions return 0 or a negative errno; a message naming the field
 * or the offset at fault is kept in vimg_strerror().
 */
#ifndef VMON_QCOW2_H
#define VMON_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum vimg_fmt { VIMG_RAW, VIMG_QCOW2 };

enum qcow2_prealloc {
	QCOW2_PREALLOC_OFF,
	QCOW2_PREALLOC_METADATA,
	QCOW2_PREALLOC_FALLOC,
	QCOW2_PREALLOC_FULL
};

enum qcow2_compression { QCOW2_COMP_ZLIB = 0, QCOW2_COMP_ZSTD = 1 };

/* Options of vimg_create(); zero-initialise then set what is needed. */
struct vimg_create_opts {
	enum vimg_fmt fmt;
	uint64_t size;
	uint32_t cluster_size; /* 0: 64 KiB */
	int compat;	       /* 2 (0.10) or 3 (1.1); 0: 3 */
	bool lazy_refcounts;
	int refcount_bits; /* 0: 16 */
	bool extended_l2;
	enum qcow2_compression compression_type;
	enum qcow2_prealloc prealloc;
	const char *backing_file;
	const char *backing_fmt; /* "qcow2", "raw" or NULL */
};

/* Open flags. */
#define VIMG_RDWR 0x1	    /* open for writing */
#define VIMG_NO_BACKING 0x2 /* do not open the backing file */
#define VIMG_NO_REPAIR 0x4  /* do not repair a dirty lazy-refcount image */
#define VIMG_UNSAFE 0x8	    /* never sync (qemu-img's cache=unsafe): for scratch output */

struct vimg;

/* The last error message of this thread. */
const char *vimg_strerror(void);

int vimg_create(const char *path, const struct vimg_create_opts *o);
/* fmt: "qcow2", "raw" or NULL to probe. */
int vimg_open(const char *path, const char *fmt, int flags, struct vimg **out);
int vimg_close(struct vimg *img);
int vimg_flush(struct vimg *img);

/*
 * The path of a backing file as the image names it: relative names are
 * relative to the image's directory. NULL when out of memory; free() it.
 */
char *vimg_backing_path(const char *image, const char *backing);
enum vimg_fmt vimg_format(const struct vimg *img);
const char *vimg_filename(const struct vimg *img);
uint64_t vimg_size(const struct vimg *img);
struct vimg *vimg_backing(const struct vimg *img);
/*
 * The first backing file in img's chain whose format was probed (its
 * overlay records no backing format), or NULL. A probed backing file could
 * have been turned into a qcow2 image that names another file: callers say so.
 */
const char *vimg_backing_probed(const struct vimg *img);
int vimg_fd(const struct vimg *img);

int vimg_pread(struct vimg *img, void *buf, size_t len, uint64_t off);
/*
 * Length of the run from guest offset off (at most len) whose data is stored
 * plainly and contiguously in this image's own file (vimg_fd) from *host on:
 * all of it for raw, a run of uncompressed data clusters for qcow2. 0 when
 * off's data is elsewhere (zero, compressed, unallocated, backing file).
 */
uint64_t vimg_host_run(struct vimg *img, uint64_t off, uint64_t len, uint64_t *host);
int vimg_pwrite(struct vimg *img, const void *buf, size_t len, uint64_t off);
/* Make [off, off+len) read as zeroes (zero clusters where possible). */
int vimg_pwrite_zeroes(struct vimg *img, uint64_t off, uint64_t len);
/* Drop whole clusters in [off, off+len): they read from the backing file again. */
int vimg_discard(struct vimg *img, uint64_t off, uint64_t len);
/* Cluster size (qcow2) or 0 (raw). */
uint32_t vimg_cluster_size(const struct vimg *img);
/* Write one whole cluster compressed (qcow2 only; off cluster-aligned). */
int vimg_pwrite_compressed(struct vimg *img, const void *buf, size_t len, uint64_t off);

/* Block status of one extent as qemu-img map reports it. */
struct vimg_extent {
	uint64_t start, length;
	int depth; /* backing-chain level that answered */
	bool present, zero, data, compressed;
	bool has_offset;
	uint64_t offset; /* host offset in the file at 'depth' */
};
/*
 * Status of the extent starting at off (at most len bytes). With
 * whole_chain, unallocated parts are resolved through the backing chain.
 */
int vimg_block_status(struct vimg *img, uint64_t off, uint64_t len, bool whole_chain,
		      struct vimg_extent *e);

/* ---- qcow2-specific ---- */

struct qcow2_info {
	int version;
	uint32_t cluster_size;
	int refcount_bits;
	bool lazy_refcounts, corrupt, dirty, extended_l2;
	enum qcow2_compression compression_type;
	const char *backing_file, *backing_fmt;
	uint64_t incompatible, compatible, autoclear;
	int nb_snapshots;
};
int qcow2_get_info(struct vimg *img, struct qcow2_info *info);

struct qcow2_snapshot_info {
	char *id, *name;
	uint32_t date_sec, date_nsec;
	uint64_t vm_clock_nsec, vm_state_size, disk_size, icount;
};
/* Array owned by the image, valid until the next snapshot operation. */
int qcow2_snapshot_list(struct vimg *img, const struct qcow2_snapshot_info **list);
int qcow2_snapshot_create(struct vimg *img, const char *name);
int qcow2_snapshot_apply(struct vimg *img, const char *name_or_id);
int qcow2_snapshot_delete(struct vimg *img, const char *name_or_id);
/*
 * Make an image opened read-only show a snapshot's content instead of its
 * active state, like qemu-img convert -l (the virtual size stays the image's). id and/or name must
 * match (NULL: any). The tables of the image file are not changed.
 */
int qcow2_snapshot_load_tmp(struct vimg *img, const char *id, const char *name);

struct qcow2_check_result {
	uint64_t corruptions, leaks, check_errors;
	uint64_t corruptions_fixed, leaks_fixed;
	uint64_t image_end_offset;
	uint64_t total_clusters, allocated_clusters, fragmented_clusters, compressed_clusters;
};
#define QCOW2_REPAIR_LEAKS 0x1
#define QCOW2_REPAIR_ERRORS 0x2
/* Messages about each problem go to log (may be NULL). */
int qcow2_check(struct vimg *img, int repair, struct qcow2_check_result *res, FILE *log);

int vimg_resize(struct vimg *img, uint64_t new_size, bool shrink);
/* Rewrite the backing file name (and format) in the header only. */
int vimg_set_backing(struct vimg *img, const char *file, const char *fmt);
/* amend: change compat / lazy_refcounts / refcount_bits(same only). */
int qcow2_amend(struct vimg *img, int compat, int lazy_refcounts);
/* amend -o refcount_bits: rebuild the refcount structures with a new width. */
int qcow2_set_refcount_bits(struct vimg *img, int bits);

/* Metadata size estimate of qemu-img measure. */
void qcow2_measure(uint64_t size, uint32_t cluster_size, int refcount_bits, bool extended_l2,
		   uint64_t allocated, uint64_t *required, uint64_t *fully_allocated);

/* Parse "64k", "1G", "512" into bytes; -1 on error. */
int vimg_parse_size(const char *s, uint64_t *out);

#endif /* VMON_QCOW2_H */
