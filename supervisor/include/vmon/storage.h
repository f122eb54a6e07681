/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libstorage: storage pools and volumes in libvirt's pool and volume XML,
 * and the back ends that carry them out (one file per pool type behind
 * struct vmon_pool_backend). Keeping definitions on disk and the set of
 * pools is vmond's business (supervisor/daemon/pool*.c); this library works
 * on one pool at a time.
 */
#ifndef VMON_STORAGE_H
#define VMON_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmon/domain.h> /* struct vmon_xml_error */
#include <vmon/size.h>	 /* libvirt's units: vmon_size_scale(), vmon_size_parse() */

enum vmon_pool_type {
	VMON_POOL_DIR,
	VMON_POOL_FS,
	VMON_POOL_NETFS,
	VMON_POOL_LOGICAL,
	VMON_POOL_DISK,
	VMON_POOL_ISCSI,
};

/* <permissions>: -1 where not given. */
struct vmon_perms {
	long mode, owner, group;
	char *label;
};

struct vmon_pool_def {
	enum vmon_pool_type type;
	char name[65];
	char uuid[37];
	/* What refresh found (0 while inactive), as df would say. */
	uint64_t capacity, allocation, available;
	/* <source>: which members a type needs is the back end's to check. */
	char *src_device; /* <device path=> */
	char *src_dir;	  /* <dir path=> */
	char *src_host;	  /* <host name=> */
	char *src_name;	  /* <name> (logical: the volume group) */
	char *src_format; /* <format type=> */
	/* <target> */
	char *target; /* <path> */
	struct vmon_perms perms;
};

enum vmon_vol_format { VMON_VOL_RAW, VMON_VOL_QCOW2 };

struct vmon_vol_def {
	char name[256];
	char *key;  /* where refresh put it; ignored on create */
	char *path; /* <target><path>, likewise */
	bool block; /* type='block' (else 'file') */
	uint64_t capacity, allocation, physical;
	bool has_allocation; /* <allocation> given on create */
	enum vmon_vol_format format;
	struct vmon_perms perms;
	char *backing;			     /* <backingStore><path>, or NULL */
	enum vmon_vol_format backing_format; /* its <format type=> */
	bool has_backing_format;
};

const char *vmon_pool_type_name(enum vmon_pool_type t);
const char *vmon_vol_format_name(enum vmon_vol_format f);
/* "raw" / "qcow2" to the enum: 0, or -1. */
int vmon_vol_format_parse(const char *s, enum vmon_vol_format *f);

/* Pool XML. Parse: 0, or -1 with the message and its line:column in err. */
int vmon_pool_parse(const char *xml, size_t len, struct vmon_pool_def **out,
		    struct vmon_xml_error *err);
/* malloc'd XML (validates against libvirt's storagepool.rng). */
char *vmon_pool_format(const struct vmon_pool_def *p);
void vmon_pool_def_free(struct vmon_pool_def *p);

/* Volume XML, likewise (storagevol.rng). */
int vmon_vol_parse(const char *xml, size_t len, struct vmon_vol_def **out,
		   struct vmon_xml_error *err);
char *vmon_vol_format(const struct vmon_vol_def *v);
void vmon_vol_def_free(struct vmon_vol_def *v);
struct vmon_vol_def *vmon_vol_def_dup(const struct vmon_vol_def *v);

/*
 * What find-storage-pool-sources reports: one <source> of <sources> each
 * (a volume group and its physical volumes, an export of a host...).
 */
struct vmon_pool_source {
	char *name;	/* <name> (the volume group), or NULL */
	char **devices; /* <device path=> each */
	size_t n_devices;
	char *host;   /* <host name=>, or NULL */
	char *dir;    /* <dir path=>, or NULL */
	char *format; /* <format type=>, or NULL */
};
/* Add a copy of the strings as one more source: 0, or -1 (out of memory). */
int vmon_pool_sources_add(struct vmon_pool_source **s, size_t *n, const char *name,
			  const char *host, const char *dir, const char *format);
/* Add device to the source (*s)[i]: 0, or -1. */
int vmon_pool_source_add_device(struct vmon_pool_source *s, const char *device);
void vmon_pool_sources_free(struct vmon_pool_source *s, size_t n);
/* <sources>...</sources> as libvirt prints it, malloc'd (NULL: no memory). */
char *vmon_pool_sources_format(const struct vmon_pool_source *s, size_t n);
/*
 * A search's <source> element (virsh's --srcSpec file: <source><host
 * name=.../></source>) into a definition's src_* fields.
 */
int vmon_pool_spec_parse(const char *xml, size_t len, struct vmon_pool_def **out,
			 struct vmon_xml_error *err);
/* "dir", "logical"... to the enum: 0, or -1. */
int vmon_pool_type_parse(const char *s, enum vmon_pool_type *t);

/* A pool at run time: its definition, state and the volumes refresh found. */
struct vmon_pool {
	struct vmon_pool_def *def;
	bool active;
	struct vmon_vol_def **vols;
	size_t n_vols;
	const struct vmon_pool_backend *be;
};

/* Flags of the calls below. */
#define VMON_BUILD_OVERWRITE 0x1    /* pool-build --overwrite */
#define VMON_BUILD_NO_OVERWRITE 0x2 /* pool-build --no-overwrite */
#define VMON_VOL_PREALLOC_METADATA 0x1
#define VMON_RESIZE_SHRINK 0x1

enum vmon_wipe_alg { VMON_WIPE_ZERO, VMON_WIPE_RANDOM, VMON_WIPE_NNSA, VMON_WIPE_DOD };
/* "zero", "random", "nnsa", "dod": 0, or -1. */
int vmon_wipe_alg_parse(const char *s, enum vmon_wipe_alg *a);

/*
 * One pool type. Each call returns 0, or -1 with a message in err. refresh
 * replaces p->vols and the pool's capacity figures.
 */
struct vmon_pool_backend {
	enum vmon_pool_type type;
	/* Check a definition's source and target for this type. */
	int (*check)(const struct vmon_pool_def *def, char *err, size_t errlen);
	int (*build)(struct vmon_pool *p, unsigned int flags, char *err, size_t errlen);
	int (*start)(struct vmon_pool *p, char *err, size_t errlen);
	int (*stop)(struct vmon_pool *p, char *err, size_t errlen);
	int (*refresh)(struct vmon_pool *p, char *err, size_t errlen);
	int (*remove)(struct vmon_pool *p, char *err, size_t errlen); /* pool-delete */
	/* Create v (name, capacity, format, backing) in p; from: copy its data. */
	int (*vol_create)(struct vmon_pool *p, struct vmon_vol_def *v,
			  const struct vmon_vol_def *from, unsigned int flags, char *err,
			  size_t errlen);
	int (*vol_delete)(struct vmon_pool *p, const struct vmon_vol_def *v, char *err,
			  size_t errlen);
	int (*vol_resize)(struct vmon_pool *p, const struct vmon_vol_def *v, uint64_t capacity,
			  unsigned int flags, char *err, size_t errlen);
	int (*vol_wipe)(struct vmon_pool *p, const struct vmon_vol_def *v, enum vmon_wipe_alg alg,
			char *err, size_t errlen);
	/*
	 * find-storage-pool-sources: the pools of this type the host could
	 * define (spec narrows the search; may be NULL). NULL where the type
	 * has nothing to discover (dir, fs), as in libvirt.
	 */
	int (*find_sources)(const struct vmon_pool_def *spec, struct vmon_pool_source **out,
			    size_t *n, char *err, size_t errlen);
};

/*
 * The longest a back end's tool (lvm's, mkfs) may run before it is killed
 * and its call fails with "did not finish in N s" (default 120 s; 0 is 1).
 */
void vmon_storage_set_timeout(unsigned int seconds);

/* The back end of a type, or NULL (a type not built yet). */
const struct vmon_pool_backend *vmon_pool_backend(enum vmon_pool_type t);
/* Tests may replace a type's back end (a fake). */
void vmon_pool_backend_set(enum vmon_pool_type t, const struct vmon_pool_backend *be);

/* The volumes of a pool: by name, and across pools by path or key. */
struct vmon_vol_def *vmon_pool_vol(const struct vmon_pool *p, const char *name);
struct vmon_vol_def *vmon_pool_vol_by_path_or_key(const struct vmon_pool *p, const char *s);
void vmon_pool_vols_clear(struct vmon_pool *p);
/* Add v (owned by the pool from now on). 0, or -1 (out of memory; v freed). */
int vmon_pool_vols_add(struct vmon_pool *p, struct vmon_vol_def *v);

/*
 * A volume name is safe as a file name: 1 to 255 bytes, no '/', not "." or
 * "..", no control characters. 0, or -1 with why in err.
 */
int vmon_vol_name_check(const char *name, char *err, size_t errlen);

#endif /* VMON_STORAGE_H */
