// SPDX-License-Identifier: GPL-2.0
/*
 * Device counters: the API vmon-net, vmon-blk and the test hook call.
 *
 * Each attached device has per-cpu counters updated without locks; readers
 * sum them under the u64_stats sequence. A device holds a reference on its
 * VM, so a VM that is unregistered, or whose VMM dies, while devices are
 * attached stays in memory (out of the registry) until the last detaches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "acct.h"
#include "vmon_core.h"

static bool vmon_accounting = true;
module_param_named(accounting, vmon_accounting, bool, 0644);
MODULE_PARM_DESC(accounting,
		 "count device operations (1, default) or not (0, for A/B runs)");

/* Protects vmon_devs and every vm->devs list. */
DEFINE_MUTEX(vmon_dev_mutex);
DEFINE_XARRAY_ALLOC1(vmon_devs);
static u32 vmon_dev_next_id;

/**
 * vmon_dev_attach() - attach a device to a registered VM
 * @vm_id: id of the VM (from VMON_VM_REGISTER)
 * @type: enum vmon_dev_type of the device
 * @name: a name for the device, e.g. its tap or backing file; truncated
 *	to 31 bytes
 *
 * Context: process context, may sleep.
 * Return: the device handle, ERR_PTR(-ENOENT) when no VM has @vm_id,
 * ERR_PTR(-EINVAL) on a bad @type, ERR_PTR(-ENOMEM).
 */
struct vmon_dev *vmon_dev_attach(u32 vm_id, unsigned int type,
				 const char *name)
{
	struct vmon_dev *dev;
	struct vmon_vm *vm;
	int ret;

	if (type != VMON_DEV_NET && type != VMON_DEV_BLK &&
	    type != VMON_DEV_TEST)
		return ERR_PTR(-EINVAL);
	vm = vmon_vm_get_by_id(vm_id);
	if (!vm)
		return ERR_PTR(-ENOENT);

	ret = -ENOMEM;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		goto err_put_vm;
	dev->pcpu = alloc_percpu_gfp(struct vmon_dev_pcpu, GFP_KERNEL_ACCOUNT);
	if (!dev->pcpu)
		goto err_free;
	dev->type = type;
	strscpy(dev->name, name ? name : "", sizeof(dev->name));
	dev->vm = vm;

	mutex_lock(&vmon_dev_mutex);
	ret = xa_alloc_cyclic(&vmon_devs, &dev->id, dev, xa_limit_31b,
			      &vmon_dev_next_id, GFP_KERNEL);
	if (ret < 0) {
		mutex_unlock(&vmon_dev_mutex);
		goto err_free_pcpu;
	}
	list_add_tail(&dev->node, &vm->devs);
	vm->nr_devs++;
	vmon_genl_event_dev(dev, VMON_EVENT_DEV_ATTACHED);
	mutex_unlock(&vmon_dev_mutex);
	return dev;

err_free_pcpu:
	free_percpu(dev->pcpu);
err_free:
	kfree(dev);
err_put_vm:
	vmon_vm_put(vm);
	return ERR_PTR(ret);
}

/**
 * vmon_dev_detach() - detach a device from its VM and free the handle
 * @dev: the handle from vmon_dev_attach(), or NULL (nothing is done)
 *
 * The caller must make sure no counting call on @dev runs any more.
 * Context: process context, may sleep.
 */
void vmon_dev_detach(struct vmon_dev *dev)
{
	struct vmon_vm *vm;

	if (!dev)
		return;
	vm = dev->vm;
	mutex_lock(&vmon_dev_mutex);
	vmon_genl_event_dev(dev, VMON_EVENT_DEV_DETACHED);
	xa_erase(&vmon_devs, dev->id);
	list_del(&dev->node);
	vm->nr_devs--;
	mutex_unlock(&vmon_dev_mutex);
	free_percpu(dev->pcpu);
	kfree(dev);
	vmon_vm_put(vm);
}

/**
 * vmon_dev_id() - the id of a device, as netlink reports it
 * @dev: an attached device
 *
 * Return: the id, never 0.
 */
u32 vmon_dev_id(const struct vmon_dev *dev)
{
	return dev->id;
}

/**
 * vmon_dev_set_vm() - attach a device's accounting slot to a VM, or detach
 * @slot: the device's handle, read by its data path under RCU
 * @type: enum vmon_dev_type of the device
 * @name: a name for the device
 * @vm_id: the VM, or 0 to detach
 *
 * Context: process context, may sleep (waits for an RCU grace period when
 * a handle is replaced).
 * Return: 0, or -ENOENT when no VM has @vm_id, -EINVAL, -ENOMEM.
 */
long vmon_dev_set_vm(struct vmon_dev __rcu **slot, unsigned int type,
		     const char *name, u32 vm_id)
{
	struct vmon_dev *new = NULL, *old;

	if (vm_id) {
		new = vmon_dev_attach(vm_id, type, name);
		if (IS_ERR(new))
			return PTR_ERR(new);
	}
	old = unrcu_pointer(xchg(slot, RCU_INITIALIZER(new)));
	if (old) {
		synchronize_rcu();
		vmon_dev_detach(old);
	}
	return 0;
}

/**
 * vmon_dev_set_vm_ioctl() - serve VMON_DEV_SET_VM
 * @slot: as for vmon_dev_set_vm()
 * @type: as for vmon_dev_set_vm()
 * @name: as for vmon_dev_set_vm()
 * @argp: the ioctl argument, a pointer to the __u32 VM id
 *
 * Who may do it: %CAP_SYS_ADMIN always; any other holder of the ring only
 * towards a VM that its own process owns (vmon_vm_owned_by_current()), and
 * only while the ring is not attached by an admin: an attachment made with
 * %CAP_SYS_ADMIN (the supervisor's) is locked against everybody else, so a
 * VMM can neither move its counters to another VM nor detach to escape
 * accounting. The caller holds the ring's mutex, which orders changes of
 * @slot.
 *
 * Return: as vmon_dev_set_vm(), -EFAULT, or -EPERM for a caller who may
 * not (nothing changed then).
 */
long vmon_dev_set_vm_ioctl(struct vmon_dev __rcu **slot, unsigned int type,
			   const char *name, u32 __user *argp)
{
	bool admin = capable(CAP_SYS_ADMIN);
	struct vmon_dev *cur;
	struct vmon_vm *vm;
	bool owner;
	long ret;
	u32 vm_id;

	if (get_user(vm_id, argp))
		return -EFAULT;
	cur = rcu_dereference_protected(*slot, true);
	if (cur && cur->locked && !admin)
		return -EPERM;
	if (vm_id && !admin) {
		vm = vmon_vm_get_by_id(vm_id);
		if (!vm)
			return -ENOENT;
		owner = vmon_vm_owned_by_current(vm);
		vmon_vm_put(vm);
		if (!owner)
			return -EPERM;
	}
	ret = vmon_dev_set_vm(slot, type, name, vm_id);
	cur = rcu_dereference_protected(*slot, true);
	if (!ret && cur)
		cur->locked = admin;
	return ret;
}

static __always_inline void vmon_ctr_add2(struct vmon_dev *dev,
					  unsigned int a, u64 va,
					  unsigned int b, u64 vb)
{
	struct vmon_dev_pcpu *p;
	unsigned long flags;

	if (!dev || !READ_ONCE(vmon_accounting))
		return;
	p = get_cpu_ptr(dev->pcpu);
	flags = u64_stats_update_begin_irqsave(&p->syncp);
	u64_stats_add(&p->ctr[a - VMON_DEV_CTR_FIRST], va);
	if (b)
		u64_stats_add(&p->ctr[b - VMON_DEV_CTR_FIRST], vb);
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(dev->pcpu);
}

/**
 * vmon_stats_net_rx() - count packets delivered to the guest
 * @dev: the device, or NULL
 * @packets: number of packets
 * @bytes: their total length
 */
void vmon_stats_net_rx(struct vmon_dev *dev, u64 packets, u64 bytes)
{
	vmon_ctr_add2(dev, VMON_DEV_A_RX_PACKETS, packets,
		      VMON_DEV_A_RX_BYTES, bytes);
}

/**
 * vmon_stats_net_tx() - count packets sent by the guest
 * @dev: the device, or NULL
 * @packets: number of packets
 * @bytes: their total length
 */
void vmon_stats_net_tx(struct vmon_dev *dev, u64 packets, u64 bytes)
{
	vmon_ctr_add2(dev, VMON_DEV_A_TX_PACKETS, packets,
		      VMON_DEV_A_TX_BYTES, bytes);
}

/**
 * vmon_stats_net_drop() - count dropped packets
 * @dev: the device, or NULL
 * @rx: true for packets towards the guest, false for packets from it
 * @packets: number of packets
 */
void vmon_stats_net_drop(struct vmon_dev *dev, bool rx, u64 packets)
{
	vmon_ctr_add2(dev, rx ? VMON_DEV_A_RX_DROPS : VMON_DEV_A_TX_DROPS,
		      packets, 0, 0);
}

/**
 * vmon_stats_blk_io() - count one completed block request
 * @dev: the device, or NULL
 * @op: what the request did
 * @bytes: its length (0 for a flush)
 * @latency_ns: time from the guest's submission to its completion
 */
void vmon_stats_blk_io(struct vmon_dev *dev, enum vmon_blk_op op,
		       u64 bytes, u64 latency_ns)
{
	static const u8 ops[] = {
		[VMON_BLK_READ] = VMON_DEV_A_RD_OPS,
		[VMON_BLK_WRITE] = VMON_DEV_A_WR_OPS,
		[VMON_BLK_FLUSH] = VMON_DEV_A_FLUSH_OPS,
		[VMON_BLK_DISCARD] = VMON_DEV_A_DISCARD_OPS,
	};
	static const u8 byte_ctrs[] = {
		[VMON_BLK_READ] = VMON_DEV_A_RD_BYTES,
		[VMON_BLK_WRITE] = VMON_DEV_A_WR_BYTES,
		[VMON_BLK_FLUSH] = 0,
		[VMON_BLK_DISCARD] = VMON_DEV_A_DISCARD_BYTES,
	};
	struct vmon_dev_pcpu *p;
	unsigned long flags;
	unsigned int bucket;

	if (!dev || !READ_ONCE(vmon_accounting) || op >= ARRAY_SIZE(ops))
		return;
	bucket = latency_ns ? ilog2(latency_ns) : 0;
	bucket = min_t(unsigned int, bucket, VMON_LAT_BUCKETS - 1);
	p = get_cpu_ptr(dev->pcpu);
	flags = u64_stats_update_begin_irqsave(&p->syncp);
	u64_stats_inc(&p->ctr[ops[op] - VMON_DEV_CTR_FIRST]);
	if (byte_ctrs[op])
		u64_stats_add(&p->ctr[byte_ctrs[op] - VMON_DEV_CTR_FIRST],
			      bytes);
	u64_stats_inc(&p->lat[bucket]);
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(dev->pcpu);
}

/**
 * vmon_stats_throttle_start() - the device starts holding requests back
 * @dev: the device, or NULL
 *
 * Raises a "throttle" event the first time only, until
 * vmon_stats_throttled() reports the end of the episode.
 */
void vmon_stats_throttle_start(struct vmon_dev *dev)
{
	if (!dev || test_and_set_bit(0, &dev->throttling))
		return;
	vmon_genl_event_dev(dev, VMON_EVENT_THROTTLE);
}

/**
 * vmon_stats_throttled() - account time requests were held back
 * @dev: the device, or NULL
 * @ns: time in ns; the throttling episode is over
 */
void vmon_stats_throttled(struct vmon_dev *dev, u64 ns)
{
	if (!dev)
		return;
	clear_bit(0, &dev->throttling);
	vmon_ctr_add2(dev, VMON_DEV_A_THROTTLED_NS, ns, 0, 0);
}

void vmon_dev_read(struct vmon_dev *dev, struct vmon_dev_totals *t)
{
	unsigned int start, i;
	int cpu;

	memset(t, 0, sizeof(*t));
	for_each_possible_cpu(cpu) {
		struct vmon_dev_pcpu *p = per_cpu_ptr(dev->pcpu, cpu);
		struct vmon_dev_totals c;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			for (i = 0; i < VMON_DEV_NR_CTRS; i++)
				c.ctr[i] = u64_stats_read(&p->ctr[i]);
			for (i = 0; i < VMON_LAT_BUCKETS; i++)
				c.lat[i] = u64_stats_read(&p->lat[i]);
		} while (u64_stats_fetch_retry(&p->syncp, start));
		for (i = 0; i < VMON_DEV_NR_CTRS; i++)
			t->ctr[i] += c.ctr[i];
		for (i = 0; i < VMON_LAT_BUCKETS; i++)
			t->lat[i] += c.lat[i];
	}
}
