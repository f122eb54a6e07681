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
#include <linux/vhost.h>

/* Name of the control device, /dev/vmon. */
#define VMON_CTL_NAME		"vmon"

/*
 * Version of the vmon ABI. The major number changes only when an existing
 * ioctl or structure changes incompatibly; the minor number grows with every
 * addition.
 */
#define VMON_VERSION_MAJOR	0
#define VMON_VERSION_MINOR	4

/*
 * Ring workers: /dev/vmon-net and /dev/vmon-blk answer the worker ioctls of
 * the vhost ABI (Linux 6.5), with its numbers and structures. They are
 * defined here for older <linux/vhost.h>. Since ABI 0.2.
 */
#ifndef VHOST_NEW_WORKER
struct vhost_worker_state {
	/* out of NEW_WORKER, in to FREE_WORKER */
	unsigned int worker_id;
};

struct vhost_vring_worker {
	/* the ring */
	unsigned int index;
	/* in to ATTACH_VRING_WORKER, out of GET_VRING_WORKER */
	unsigned int worker_id;
};

/* Create a worker thread; returns its id. */
#define VHOST_NEW_WORKER	_IOR(VHOST_VIRTIO, 0x8, struct vhost_worker_state)
/* Free a worker no ring uses (-EBUSY otherwise). */
#define VHOST_FREE_WORKER	_IOW(VHOST_VIRTIO, 0x9, struct vhost_worker_state)
/* Serve a ring on a worker; before the ring's back end is set. */
#define VHOST_ATTACH_VRING_WORKER \
	_IOW(VHOST_VIRTIO, 0x15, struct vhost_vring_worker)
/* The id of the worker serving a ring. */
#define VHOST_GET_VRING_WORKER \
	_IOWR(VHOST_VIRTIO, 0x16, struct vhost_vring_worker)
#endif

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

/* Longest VM name, including the terminating NUL. */
#define VMON_VM_NAME_MAX	64

/**
 * struct vmon_vm_register - argument of %VMON_VM_REGISTER
 * @vm_fd: an fd of a KVM virtual machine (from %KVM_CREATE_VM, or taken from
 *	another VMM with pidfd_getfd()); anything else is refused with %EBADF
 *	(not an fd) or %EINVAL (not a KVM VM fd)
 * @flags: must be 0
 * @name: NUL-terminated VM name, 1 to %VMON_VM_NAME_MAX - 1 printable bytes,
 *	unique among registered VMs (%EEXIST otherwise)
 * @id: out: the VM id, never 0, never reused while the module is loaded
 * @pad: must be 0
 *
 * The module holds a reference on the VM until %VMON_VM_UNREGISTER, until
 * the VM's last other user (the VMM's fds) is gone, or until unload.
 */
struct vmon_vm_register {
	__s32 vm_fd;
	__u32 flags;
	char name[VMON_VM_NAME_MAX];
	__u32 id;
	__u32 pad;
};

/**
 * struct vmon_ksm_advise - argument of %VMON_VM_KSM_ADVISE
 * @id: id of a registered VM
 * @advice: %VMON_KSM_MERGEABLE or %VMON_KSM_UNMERGEABLE
 * @start: first byte of the range, an address in the VM owner's address
 *	space, page aligned; 0 with @len 0 means all guest memory slots
 * @len: length of the range in bytes, page aligned
 * @vmas: out: number of mappings whose advice was changed
 * @pad: must be 0
 *
 * The range must lie inside one guest memory slot (with @start and @len 0:
 * the slots, where slots that touch count as one range) and every mapping
 * it touches must lie completely inside it: the module does not split
 * mappings, and refuses such a range with %EINVAL before changing anything.
 * An error while advising (%ENOMEM, %EINTR for a fatal signal while
 * unmerging) puts back the advice of the mappings already changed; pages
 * already unmerged stay unmerged, with the same content.
 */
struct vmon_ksm_advise {
	__u32 id;
	__u32 advice;
	__u64 start;
	__u64 len;
	__u32 vmas;
	__u32 pad;
};

/* Values of &vmon_ksm_advise.advice. */
#define VMON_KSM_MERGEABLE	1
#define VMON_KSM_UNMERGEABLE	2

/*
 * VMON_VM_REGISTER: register a KVM VM by its fd under a name; fills in the
 * id. VMON_VM_UNREGISTER: release the VM with the id given by value.
 * VMON_VM_KSM_ADVISE: mark guest memory mergeable or not for KSM.
 */
#define VMON_VM_REGISTER	_IOWR(VMON_IOCTL_MAGIC, 0x10, struct vmon_vm_register)
#define VMON_VM_UNREGISTER	_IO(VMON_IOCTL_MAGIC, 0x11)
#define VMON_VM_KSM_ADVISE	_IOWR(VMON_IOCTL_MAGIC, 0x12, struct vmon_ksm_advise)

/*
 * VMON_DEV_SET_VM: on a vmon device (/dev/vmon-net, /dev/vmon-blk), attach
 * the device's counters to the registered VM whose id the __u32 argument
 * holds, or detach them with 0. -ENOENT when no VM has that id.
 */
#define VMON_DEV_SET_VM		_IOW(VMON_IOCTL_MAGIC, 0x20, __u32)

/* Generic netlink family of vmon: name, version and multicast group. */
#define VMON_GENL_NAME		"vmon"
#define VMON_GENL_VERSION	1
#define VMON_GENL_MCGRP_EVENTS	"events"

/**
 * enum vmon_genl_cmd - commands of the generic netlink family "vmon"
 * @VMON_CMD_UNSPEC: unused
 * @VMON_CMD_VM_GET: do: one VM by %VMON_A_VM_ID or %VMON_A_VM_NAME; dump:
 *	every registered VM. Replies carry the VM attributes.
 * @VMON_CMD_DEV_GET: do: one device by %VMON_A_DEV (nest with
 *	%VMON_DEV_A_ID); dump: every attached device, or only those of
 *	%VMON_A_VM_ID. Replies carry one %VMON_A_DEV nest.
 * @VMON_CMD_STATS_GET: do: the figures of one VM (%VMON_A_VM_ID); dump:
 *	of every VM. Replies carry the VM attributes, steal and CPU time, one
 *	%VMON_A_VCPU nest per vCPU, one %VMON_A_DEV nest per device, KSM
 *	figures and the last dedup estimate.
 * @VMON_CMD_KSM_ESTIMATE: run the dedup estimator on %VMON_A_VM_ID,
 *	sampling %VMON_A_EST_PAGES pages (default 4096); the reply carries the
 *	%VMON_A_EST_* attributes. Rate-limited: %EBUSY within one second of the
 *	previous estimate of the same VM. Needs CAP_NET_ADMIN.
 * @VMON_CMD_SET_THRESHOLD: set the steal threshold of %VMON_A_VM_ID to
 *	%VMON_A_STEAL_THRESHOLD (hundredths of a percent of the VM's vCPU time;
 *	0 disables it) and optionally the sampling interval of all VMs to
 *	%VMON_A_INTERVAL_MS. Needs CAP_NET_ADMIN.
 * @VMON_CMD_EVENT: a notification on the %VMON_GENL_MCGRP_EVENTS group:
 *	%VMON_A_EVENT names what happened, with %VMON_A_VM_ID, %VMON_A_VM_NAME
 *	and, depending on the event, %VMON_A_DEV or %VMON_A_STEAL_PCT.
 * @__VMON_CMD_MAX: number of commands
 * @VMON_CMD_MAX: highest command
 */
enum vmon_genl_cmd {
	VMON_CMD_UNSPEC,
	VMON_CMD_VM_GET,
	VMON_CMD_DEV_GET,
	VMON_CMD_STATS_GET,
	VMON_CMD_KSM_ESTIMATE,
	VMON_CMD_SET_THRESHOLD,
	VMON_CMD_EVENT,
	__VMON_CMD_MAX,
	VMON_CMD_MAX = __VMON_CMD_MAX - 1
};

/**
 * enum vmon_event - values of %VMON_A_EVENT
 * @VMON_EVENT_UNSPEC: unused
 * @VMON_EVENT_VM_REGISTERED: a VM was registered
 * @VMON_EVENT_VM_UNREGISTERED: a VM was released (%VMON_A_REASON says why)
 * @VMON_EVENT_DEV_ATTACHED: a device (%VMON_A_DEV) was attached to a VM
 * @VMON_EVENT_DEV_DETACHED: a device was detached from its VM
 * @VMON_EVENT_STEAL_OVER: the VM's steal share over the last interval
 *	(%VMON_A_STEAL_PCT) reached its threshold (%VMON_A_STEAL_THRESHOLD);
 *	sent once per crossing, re-armed when the share falls below it
 * @VMON_EVENT_THROTTLE: a device of the VM started to be throttled
 */
enum vmon_event {
	VMON_EVENT_UNSPEC,
	VMON_EVENT_VM_REGISTERED,
	VMON_EVENT_VM_UNREGISTERED,
	VMON_EVENT_DEV_ATTACHED,
	VMON_EVENT_DEV_DETACHED,
	VMON_EVENT_STEAL_OVER,
	VMON_EVENT_THROTTLE,
};

/**
 * enum vmon_reason - values of %VMON_A_REASON in %VMON_EVENT_VM_UNREGISTERED
 * @VMON_REASON_UNSPEC: unused
 * @VMON_REASON_REQUEST: %VMON_VM_UNREGISTER
 * @VMON_REASON_VM_GONE: every other user of the KVM VM closed it (the VMM
 *	exited or closed its fds)
 * @VMON_REASON_UNLOAD: the module is being unloaded
 */
enum vmon_reason {
	VMON_REASON_UNSPEC,
	VMON_REASON_REQUEST,
	VMON_REASON_VM_GONE,
	VMON_REASON_UNLOAD,
};

/**
 * enum vmon_attr - top-level attributes of the "vmon" family
 * @VMON_A_UNSPEC: unused
 * @VMON_A_VM_ID: u32, VM id (request and reply)
 * @VMON_A_VM_NAME: string, VM name (request and reply)
 * @VMON_A_OWNER_PID: u32, id of the thread that created the VM (KVM's
 *	userspace_pid), in the initial pid namespace
 * @VMON_A_NR_VCPUS: u32, number of vCPUs created
 * @VMON_A_STEAL_NS: u64, steal time of all vCPUs since registration: time
 *	their threads were runnable but waiting for a CPU
 * @VMON_A_CPU_NS: u64, CPU time of all vCPU threads since registration
 * @VMON_A_STEAL_PCT: u32, steal share over the last sampling interval, in
 *	hundredths of a percent of the time of all vCPUs (10000 = 100%)
 * @VMON_A_CPU_PCT: u32, CPU use over the last interval, hundredths of a
 *	percent of one CPU (may exceed 10000 with several vCPUs)
 * @VMON_A_STEAL_THRESHOLD: u32, steal threshold, hundredths of a percent,
 *	0 = off (request of %VMON_CMD_SET_THRESHOLD and reply)
 * @VMON_A_INTERVAL_MS: u32, sampling interval in ms, 100 to 60000
 * @VMON_A_VCPU: nest of &enum vmon_vcpu_attr, one per vCPU (reply)
 * @VMON_A_DEV: nest of &enum vmon_dev_attr (reply; request of DEV_GET)
 * @VMON_A_KSM_MERGING_PAGES: u64, pages of the VM owner's memory merged by
 *	KSM (mm->ksm_merging_pages)
 * @VMON_A_KSM_RMAP_ITEMS: u64, KSM reverse-map items of the owner, its
 *	bookkeeping cost (mm->ksm_rmap_items)
 * @VMON_A_EST_PAGES: u32, pages to sample (request of KSM_ESTIMATE, 1 to
 *	262144) or pages sampled (reply)
 * @VMON_A_EST_ZERO: u32, sampled pages that were zero or never touched
 * @VMON_A_EST_DUP: u32, sampled non-zero pages whose content another
 *	sampled page also has, less one per distinct content
 * @VMON_A_EST_PCT: u32, estimated mergeable share of guest RAM, hundredths
 *	of a percent: (zero + dup) / sampled
 * @VMON_A_EST_COST_NS: u64, time the estimate took
 * @VMON_A_EST_AGE_MS: u64, age of the last estimate (STATS_GET)
 * @VMON_A_EVENT: u32, &enum vmon_event of a notification
 * @VMON_A_REASON: u32, &enum vmon_reason of %VMON_EVENT_VM_UNREGISTERED
 * @VMON_A_GUEST_PAGES: u64, pages in the VM's guest memory slots
 * @VMON_A_PAD: padding for 64-bit attributes
 * @__VMON_A_MAX: number of attributes
 * @VMON_A_MAX: highest attribute
 */
enum vmon_attr {
	VMON_A_UNSPEC,
	VMON_A_VM_ID,
	VMON_A_VM_NAME,
	VMON_A_OWNER_PID,
	VMON_A_NR_VCPUS,
	VMON_A_STEAL_NS,
	VMON_A_CPU_NS,
	VMON_A_STEAL_PCT,
	VMON_A_CPU_PCT,
	VMON_A_STEAL_THRESHOLD,
	VMON_A_INTERVAL_MS,
	VMON_A_VCPU,
	VMON_A_DEV,
	VMON_A_KSM_MERGING_PAGES,
	VMON_A_KSM_RMAP_ITEMS,
	VMON_A_EST_PAGES,
	VMON_A_EST_ZERO,
	VMON_A_EST_DUP,
	VMON_A_EST_PCT,
	VMON_A_EST_COST_NS,
	VMON_A_EST_AGE_MS,
	VMON_A_EVENT,
	VMON_A_REASON,
	VMON_A_GUEST_PAGES,
	VMON_A_PAD,
	__VMON_A_MAX,
	VMON_A_MAX = __VMON_A_MAX - 1
};

/**
 * enum vmon_vcpu_attr - attributes inside %VMON_A_VCPU
 * @VMON_VCPU_A_UNSPEC: unused
 * @VMON_VCPU_A_INDEX: u32, vCPU index in the VM
 * @VMON_VCPU_A_TID: u32, thread id (in the initial pid namespace) of the
 *	thread running the vCPU, 0 before its first KVM_RUN
 * @VMON_VCPU_A_STEAL_NS: u64, steal time since registration
 * @VMON_VCPU_A_CPU_NS: u64, CPU time since registration
 * @VMON_VCPU_A_STEAL_PCT: u32, steal over the last interval, hundredths of %
 * @VMON_VCPU_A_PAD: padding
 * @__VMON_VCPU_A_MAX: number of attributes
 * @VMON_VCPU_A_MAX: highest attribute
 */
enum vmon_vcpu_attr {
	VMON_VCPU_A_UNSPEC,
	VMON_VCPU_A_INDEX,
	VMON_VCPU_A_TID,
	VMON_VCPU_A_STEAL_NS,
	VMON_VCPU_A_CPU_NS,
	VMON_VCPU_A_STEAL_PCT,
	VMON_VCPU_A_PAD,
	__VMON_VCPU_A_MAX,
	VMON_VCPU_A_MAX = __VMON_VCPU_A_MAX - 1
};

/**
 * enum vmon_dev_type - values of %VMON_DEV_A_TYPE
 * @VMON_DEV_UNSPEC: unused
 * @VMON_DEV_NET: a vmon-net device
 * @VMON_DEV_BLK: a vmon-blk device
 * @VMON_DEV_TEST: a device of the test hook (debugfs vmon/test_dev)
 */
enum vmon_dev_type {
	VMON_DEV_UNSPEC,
	VMON_DEV_NET,
	VMON_DEV_BLK,
	VMON_DEV_TEST,
};

/**
 * enum vmon_dev_attr - attributes inside %VMON_A_DEV
 * @VMON_DEV_A_UNSPEC: unused
 * @VMON_DEV_A_ID: u32, device id (request of DEV_GET and reply)
 * @VMON_DEV_A_TYPE: u32, &enum vmon_dev_type
 * @VMON_DEV_A_NAME: string, name the device gave itself (e.g. the tap)
 * @VMON_DEV_A_VM_ID: u32, the VM it is attached to
 * @VMON_DEV_A_RX_PACKETS: u64, packets received (host to guest)
 * @VMON_DEV_A_RX_BYTES: u64, bytes received
 * @VMON_DEV_A_RX_DROPS: u64, packets dropped on receive
 * @VMON_DEV_A_TX_PACKETS: u64, packets sent (guest to host)
 * @VMON_DEV_A_TX_BYTES: u64, bytes sent
 * @VMON_DEV_A_TX_DROPS: u64, packets dropped on send
 * @VMON_DEV_A_RD_OPS: u64, read requests completed
 * @VMON_DEV_A_RD_BYTES: u64, bytes read
 * @VMON_DEV_A_WR_OPS: u64, write requests completed
 * @VMON_DEV_A_WR_BYTES: u64, bytes written
 * @VMON_DEV_A_FLUSH_OPS: u64, flush requests completed
 * @VMON_DEV_A_DISCARD_OPS: u64, discard and write-zeroes requests
 * @VMON_DEV_A_DISCARD_BYTES: u64, bytes discarded
 * @VMON_DEV_A_THROTTLED_NS: u64, time requests spent held by throttling
 * @VMON_DEV_A_LAT_HIST: nest of u64: attribute type i + 1 counts requests
 *	whose latency in ns was in [2^i, 2^(i+1)) (type 1 also counts 0 ns);
 *	empty buckets are left out
 * @VMON_DEV_A_PAD: padding
 * @__VMON_DEV_A_MAX: number of attributes
 * @VMON_DEV_A_MAX: highest attribute
 */
enum vmon_dev_attr {
	VMON_DEV_A_UNSPEC,
	VMON_DEV_A_ID,
	VMON_DEV_A_TYPE,
	VMON_DEV_A_NAME,
	VMON_DEV_A_VM_ID,
	VMON_DEV_A_RX_PACKETS,
	VMON_DEV_A_RX_BYTES,
	VMON_DEV_A_RX_DROPS,
	VMON_DEV_A_TX_PACKETS,
	VMON_DEV_A_TX_BYTES,
	VMON_DEV_A_TX_DROPS,
	VMON_DEV_A_RD_OPS,
	VMON_DEV_A_RD_BYTES,
	VMON_DEV_A_WR_OPS,
	VMON_DEV_A_WR_BYTES,
	VMON_DEV_A_FLUSH_OPS,
	VMON_DEV_A_DISCARD_OPS,
	VMON_DEV_A_DISCARD_BYTES,
	VMON_DEV_A_THROTTLED_NS,
	VMON_DEV_A_LAT_HIST,
	VMON_DEV_A_PAD,
	__VMON_DEV_A_MAX,
	VMON_DEV_A_MAX = __VMON_DEV_A_MAX - 1
};

/* Buckets of %VMON_DEV_A_LAT_HIST: 2^0 ns to 2^39 ns (~9 min) and above. */
#define VMON_LAT_BUCKETS	40

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
 * @bio_queues: bit N set when queue N sends its reads and writes straight
 *	to its block device as bios (a block device opened %O_DIRECT, the
 *	module's blk_bio parameter on when it was attached); they take the
 *	file's %O_DIRECT path instead while that device has pages cached
 */
struct vmon_blk_stats {
	__u64 ops;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 errors;
	__u64 throttled_ns;
	__u64 latency_ns;
	__u32 inflight;
	__u32 bio_queues;
};

/**
 * struct vmon_blk_limits - argument of %VMON_BLK_SET_LIMITS, since ABI 0.4
 * @total: the buckets every request draws on, those of
 *	%VMON_BLK_SET_THROTTLE
 * @read: buckets that reads draw on as well
 * @write: buckets that writes, discards and write-zeroes draw on as well;
 *	the last two cost one operation and no bytes
 *
 * A request goes when every bucket it draws on holds enough tokens, and
 * then takes them from all of those buckets; zero rates turn a bucket off.
 * %VMON_BLK_SET_THROTTLE sets @total and turns @read and @write off.
 */
struct vmon_blk_limits {
	struct vmon_blk_throttle total;
	struct vmon_blk_throttle read;
	struct vmon_blk_throttle write;
};

/* Request types of struct vmon_blk_op_stats. */
#define VMON_BLK_OP_READ	0	/* VIRTIO_BLK_T_IN */
#define VMON_BLK_OP_WRITE	1	/* VIRTIO_BLK_T_OUT */
#define VMON_BLK_OP_FLUSH	2	/* VIRTIO_BLK_T_FLUSH */
#define VMON_BLK_OP_DISCARD	3	/* VIRTIO_BLK_T_DISCARD, _WRITE_ZEROES */
#define VMON_BLK_OP_OTHER	4	/* VIRTIO_BLK_T_GET_ID and the rest */
#define VMON_BLK_OP_COUNT	5

/**
 * struct vmon_blk_op_stats - answer of %VMON_BLK_GET_OP_STATS, since ABI
 *	0.4: the requests completed since open, by type (VMON_BLK_OP_*),
 *	failed ones included; they add up to struct vmon_blk_stats' @ops
 * @reqs: requests completed
 * @ns: the sum of their times from being taken off the ring to completion
 */
struct vmon_blk_op_stats {
	__u64 reqs[VMON_BLK_OP_COUNT];
	__u64 ns[VMON_BLK_OP_COUNT];
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
/*
 * VMON_BLK_GET_THROTTLE: the token buckets in effect: each bucket's rate
 * and its size (a burst of 0 was set as the rate); all zero when off.
 * Since ABI 0.3.
 */
#define VMON_BLK_GET_THROTTLE	_IOR(VMON_IOCTL_MAGIC, 0x45, \
				     struct vmon_blk_throttle)
/* VMON_BLK_SET_LIMITS: every bucket, read and write ones too. ABI 0.4. */
#define VMON_BLK_SET_LIMITS	_IOW(VMON_IOCTL_MAGIC, 0x46, \
				     struct vmon_blk_limits)
/*
 * VMON_BLK_GET_LIMITS: the buckets in effect, as %VMON_BLK_GET_THROTTLE
 * reads them. ABI 0.4.
 */
#define VMON_BLK_GET_LIMITS	_IOR(VMON_IOCTL_MAGIC, 0x47, \
				     struct vmon_blk_limits)
/* VMON_BLK_GET_OP_STATS: the counters by request type. ABI 0.4. */
#define VMON_BLK_GET_OP_STATS	_IOR(VMON_IOCTL_MAGIC, 0x48, \
				     struct vmon_blk_op_stats)

#endif /* _UAPI_LINUX_VMON_H */
