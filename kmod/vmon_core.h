/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of vmon.ko.
 */
#ifndef _VMON_CORE_H
#define _VMON_CORE_H

#include <linux/types.h>
#include <linux/vmon.h>

#define VMON_RELEASE	"0.1.0"

int vmon_ctl_init(void);
void vmon_ctl_exit(void);

/* Accounting: registry, sampler, devices (kmod/registry.c, kmod/dev.c). */
int vmon_acct_init(void);
void vmon_acct_exit(void);
/* Generic netlink family "vmon" (kmod/genl.c). */
int vmon_genl_init(void);
void vmon_genl_exit(void);
/* debugfs vmon/test_dev, only with test_hooks=1 (kmod/testdev.c). */
int vmon_testdev_init(void);
void vmon_testdev_exit(void);

/* ioctls of /dev/vmon served by the accounting (kmod/registry.c, ksm.c). */
long vmon_acct_ioctl(unsigned int cmd, void __user *argp);

/*
 * Device accounting API, for vmon-net, vmon-blk and any later device.
 *
 * A device attaches to a registered VM with vmon_dev_attach() (typically
 * from its own "attach to VM id" ioctl) and keeps the returned handle until
 * vmon_dev_detach() (ioctl or release of its fd). The handle stays valid
 * when the VM is unregistered or its VMM dies meanwhile: counting goes on
 * into the orphaned VM, which is freed with its last device.
 *
 * The counting calls are safe in any context (process, softirq, hardirq),
 * take no lock, touch only per-cpu data and do nothing when @dev is NULL
 * (not attached) or the module parameter "accounting" is 0. Attach and
 * detach may sleep.
 */
struct vmon_dev;

/* enum vmon_dev_type and the attributes are in uapi/linux/vmon.h. */
struct vmon_dev *vmon_dev_attach(u32 vm_id, unsigned int type,
				 const char *name);
void vmon_dev_detach(struct vmon_dev *dev);
u32 vmon_dev_id(const struct vmon_dev *dev);

/*
 * The VMON_DEV_SET_VM ioctl of a device, done: attach to VM @vm_id (0:
 * detach) and swap the handle in *@slot. The data path must read *@slot
 * with rcu_dereference() under rcu_read_lock() around its counting calls;
 * the old handle is detached after a grace period. Call vmon_dev_set_vm()
 * with 0 when the device is released. Context: process, may sleep.
 */
long vmon_dev_set_vm(struct vmon_dev __rcu **slot, unsigned int type,
		     const char *name, u32 vm_id);
long vmon_dev_set_vm_ioctl(struct vmon_dev __rcu **slot, unsigned int type,
			   const char *name, u32 __user *argp);

/* Network: host to guest (rx) and guest to host (tx). */
void vmon_stats_net_rx(struct vmon_dev *dev, u64 packets, u64 bytes);
void vmon_stats_net_tx(struct vmon_dev *dev, u64 packets, u64 bytes);
void vmon_stats_net_drop(struct vmon_dev *dev, bool rx, u64 packets);

/*
 * Block: one completed request of @bytes with its latency. The values are
 * the ABI's request types (struct vmon_blk_op_stats); OTHER is not counted
 * per VM.
 */
enum vmon_blk_op {
	VMON_BLK_READ = VMON_BLK_OP_READ,
	VMON_BLK_WRITE = VMON_BLK_OP_WRITE,
	VMON_BLK_FLUSH = VMON_BLK_OP_FLUSH,
	VMON_BLK_DISCARD = VMON_BLK_OP_DISCARD,
	VMON_BLK_OTHER = VMON_BLK_OP_OTHER,
};

void vmon_stats_blk_io(struct vmon_dev *dev, enum vmon_blk_op op,
		       u64 bytes, u64 latency_ns);
/*
 * Throttling: call vmon_stats_throttle_start() when the device starts
 * holding requests back (raises a "throttle" event once per episode) and
 * vmon_stats_throttled() with the time each held request waited.
 */
void vmon_stats_throttle_start(struct vmon_dev *dev);
void vmon_stats_throttled(struct vmon_dev *dev, u64 ns);

int vmon_net_init(void);
void vmon_net_exit(void);

int vmon_blk_init(void);
void vmon_blk_exit(void);

#endif /* _VMON_CORE_H */
