/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmon: virtualization host accounting and in-kernel virtio back ends.
 *
 * This is the one header shared by the vmon kernel module and its userspace
 * supervisor. Everything here is ABI: add, never change.
 */
#ifndef _UAPI_LINUX_VMON_H
#define _UAPI_LINUX_VMON_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Name of the control device, /dev/vmon. */
#define VMON_CTL_NAME		"vmon"

/*
 * Version of the vmon ABI. The major number changes only when an existing
 * ioctl or structure changes incompatibly; the minor number grows with every
 * addition.
 */
#define VMON_VERSION_MAJOR	0
#define VMON_VERSION_MINOR	1

/* ioctl magic of /dev/vmon and of the vmon-specific device ioctls. */
#define VMON_IOCTL_MAGIC	0xB9

/**
 * struct vmon_version - answer of %VMON_GET_VERSION
 * @major: ABI major version, %VMON_VERSION_MAJOR of the running module
 * @minor: ABI minor version, %VMON_VERSION_MINOR of the running module
 * @features: bit mask of optional capabilities (VMON_FEAT_*)
 * @release: NUL-terminated module release string, e.g. "0.1.0"
 */
struct vmon_version {
	__u32 major;
	__u32 minor;
	__u64 features;
	char release[32];
};

/* VMON_GET_VERSION: fill a struct vmon_version. */
#define VMON_GET_VERSION	_IOR(VMON_IOCTL_MAGIC, 0x00, struct vmon_version)

/* ---- /dev/vmon-blk ------------------------------------------------------ */

/* Name of the virtio-blk ring device, /dev/vmon-blk. */
#define VMON_BLK_NAME		"vmon-blk"

/* Most request queues (rings) a /dev/vmon-blk device serves. */
#define VMON_BLK_MAX_QUEUES	16

/* Length of the ID string answered to VIRTIO_BLK_T_GET_ID. */
#define VMON_BLK_ID_BYTES	20

/**
 * struct vmon_blk_backend - argument of %VMON_BLK_SET_BACKEND
 * @index: the ring (request queue) the back end serves
 * @fd: an open regular file or block device, or -1 to detach; the file's
 *	open mode decides direct (O_DIRECT) or buffered I/O, and a file not
 *	opened for writing makes the ring read-only
 */
struct vmon_blk_backend {
	__u32 index;
	__s32 fd;
};

/* @flags of struct vmon_blk_config */
#define VMON_BLK_CFG_RO		0x1U	/* refuse writes, discards */

/**
 * struct vmon_blk_config - argument of %VMON_BLK_SET_CONFIG and
 * %VMON_BLK_GET_CONFIG
 * @capacity: size in 512-byte sectors; 0 takes the size of the back end
 *	of each ring when it is set (GET_CONFIG answers ring 0's)
 * @flags: VMON_BLK_CFG_* flags
 * @blk_size: logical block size the VMM exposes (VIRTIO_BLK_F_BLK_SIZE),
 *	a power of two from 512 to 4096; 0 means 512
 * @seg_max: most data segments of one request (VIRTIO_BLK_F_SEG_MAX);
 *	0 means 126. Requests with more get VIRTIO_BLK_S_IOERR.
 * @num_queues: request queues the VMM exposes (VIRTIO_BLK_F_MQ), 1 to
 *	%VMON_BLK_MAX_QUEUES; 0 means 1
 * @max_discard_sectors: largest discard, in sectors; 0 means no limit
 * @max_discard_seg: most ranges in one discard; 0 means 1
 * @discard_sector_alignment: advertised discard granularity, in sectors
 * @max_write_zeroes_sectors: largest write-zeroes, in sectors; 0 means
 *	no limit
 * @max_write_zeroes_seg: most ranges in one write-zeroes; 0 means 1
 * @write_zeroes_may_unmap: 1 when write-zeroes may deallocate (its
 *	unmap flag is honoured), 0 when it is ignored
 * @reserved: must be zero
 * @id: the ID string of VIRTIO_BLK_T_GET_ID, NUL-padded, not necessarily
 *	NUL-terminated
 *
 * The device enforces @capacity, @flags, @seg_max and the discard and
 * write-zeroes limits on every request; the other fields are there so the
 * VMM has one place to read the virtio-blk configuration space from.
 */
struct vmon_blk_config {
	__u64 capacity;
	__u32 flags;
	__u32 blk_size;
	__u32 seg_max;
	__u32 num_queues;
	__u32 max_discard_sectors;
	__u32 max_discard_seg;
	__u32 discard_sector_alignment;
	__u32 max_write_zeroes_sectors;
	__u32 max_write_zeroes_seg;
	__u8 write_zeroes_may_unmap;
	__u8 reserved[3];
	char id[VMON_BLK_ID_BYTES];
	__u32 reserved2;
};

/**
 * struct vmon_blk_bucket - one token bucket of %VMON_BLK_SET_THROTTLE
 * @rate: tokens added per second; 0 means unlimited
 * @burst: bucket size, the most tokens saved up; 0 means @rate (one
 *	second's worth). The bucket starts full.
 */
struct vmon_blk_bucket {
	__u64 rate;
	__u64 burst;
};

/**
 * struct vmon_blk_throttle - argument of %VMON_BLK_SET_THROTTLE
 * @ops: bucket of requests: every request costs one token
 * @bytes: bucket of data bytes: a read or write costs its length, other
 *	requests cost nothing
 *
 * Both buckets are shared by all the queues of the device. A request that
 * finds too few tokens waits, without holding up other queues or devices,
 * until the buckets hold enough; one larger than a bucket goes when the
 * bucket is full and leaves it in debt, so the long-run rate holds.
 */
struct vmon_blk_throttle {
	struct vmon_blk_bucket ops;
	struct vmon_blk_bucket bytes;
};

/**
 * struct vmon_blk_stats - answer of %VMON_BLK_GET_STATS, since open
 * @ops: requests completed
 * @read_bytes: bytes read for the guest
 * @write_bytes: bytes written for the guest
 * @errors: requests completed with a status other than VIRTIO_BLK_S_OK
 * @throttled_ns: total time requests waited for the token buckets
 * @latency_ns: sum over completed requests of the time from taking them
 *	off the ring to completing them
 * @inflight: requests submitted and not yet completed, now
 * @reserved: zero
 */
struct vmon_blk_stats {
	__u64 ops;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 errors;
	__u64 throttled_ns;
	__u64 latency_ns;
	__u32 inflight;
	__u32 reserved;
};

/* VMON_BLK_SET_BACKEND: attach or detach a ring's back end. */
#define VMON_BLK_SET_BACKEND	_IOW(VMON_IOCTL_MAGIC, 0x40, \
				     struct vmon_blk_backend)
/* VMON_BLK_SET_CONFIG: set the device configuration (before or after). */
#define VMON_BLK_SET_CONFIG	_IOW(VMON_IOCTL_MAGIC, 0x41, \
				     struct vmon_blk_config)
/* VMON_BLK_GET_CONFIG: read the configuration in effect. */
#define VMON_BLK_GET_CONFIG	_IOR(VMON_IOCTL_MAGIC, 0x42, \
				     struct vmon_blk_config)
/* VMON_BLK_SET_THROTTLE: set the token buckets; all zero turns them off. */
#define VMON_BLK_SET_THROTTLE	_IOW(VMON_IOCTL_MAGIC, 0x43, \
				     struct vmon_blk_throttle)
/* VMON_BLK_GET_STATS: read the device's counters. */
#define VMON_BLK_GET_STATS	_IOR(VMON_IOCTL_MAGIC, 0x44, \
				     struct vmon_blk_stats)

#endif /* _UAPI_LINUX_VMON_H */
