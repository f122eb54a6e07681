/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Accounting internals shared by registry.c, dev.c, ksm.c and genl.c.
 */
#ifndef _VMON_ACCT_H
#define _VMON_ACCT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/uidgid.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>

struct sk_buff;
#include <linux/vmon.h>

struct kvm;
struct pid;
struct sk_buff;

/* One vCPU as the sampler last saw it. */
struct vmon_vcpu_acct {
	struct pid *pid;	/* reference held; NULL before the first run */
	u64 last_delay;		/* sched_info.run_delay at the last sample */
	u64 last_run;		/* se.sum_exec_runtime at the last sample */
	u64 steal_ns;		/* accumulated since registration */
	u64 cpu_ns;
	u64 int_steal;		/* steal_ns when the interval began */
	u32 steal_pct;		/* last interval, hundredths of a percent */
};

/* Result of the dedup estimator. */
struct vmon_estimate {
	u32 pages;
	u32 zero;
	u32 dup;
	u32 pct;
	u64 cost_ns;
	u64 guest_pages;
	u64 when;		/* ktime_get_ns() at the end, 0 = never */
};

/*
 * A registered VM. The registry holds one reference while it is registered,
 * every attached device one more. @lock protects everything below it; the
 * registry mutex nests outside it.
 */
struct vmon_vm {
	u32 id;
	char name[VMON_VM_NAME_MAX];
	pid_t owner_tgid;		/* the process that owns the KVM VM */
	kuid_t owner_uid;		/* its effective uid at registration */
	struct kref ref;
	struct list_head devs;		/* under vmon_dev_mutex */
	unsigned int nr_devs;		/* under vmon_dev_mutex */

	struct mutex lock;		/* protects the fields below */
	struct kvm *kvm;		/* NULL once released */
	struct vmon_vcpu_acct *vcpus;
	unsigned int nr_vcpus;
	u64 steal_ns;			/* totals over all vCPUs */
	u64 cpu_ns;
	u64 int_start;			/* ktime of the interval's start */
	u64 int_steal;
	u64 int_cpu;
	u32 steal_pct;
	u32 cpu_pct;
	u32 threshold;			/* hundredths of a percent, 0 = off */
	bool over;			/* above threshold, event sent */
	struct vmon_estimate est;
};

/* Per-cpu counters of a device, indexed by enum vmon_dev_attr - 5. */
#define VMON_DEV_CTR_FIRST	VMON_DEV_A_RX_PACKETS
#define VMON_DEV_NR_CTRS	(VMON_DEV_A_THROTTLED_NS - VMON_DEV_CTR_FIRST + 1)

struct vmon_dev_pcpu {
	u64_stats_t ctr[VMON_DEV_NR_CTRS];
	u64_stats_t lat[VMON_LAT_BUCKETS];
	struct u64_stats_sync syncp;
};

struct vmon_dev {
	u32 id;
	unsigned int type;
	char name[32];
	struct vmon_vm *vm;		/* reference held */
	struct list_head node;		/* in vm->devs */
	struct vmon_dev_pcpu __percpu *pcpu;
	unsigned long throttling;	/* bit 0: episode announced */
	bool locked;			/* attached by an admin: only an admin
					 * may change it (under the ring's mutex)
					 */
};

extern struct mutex vmon_registry_mutex;
extern struct mutex vmon_dev_mutex;
extern unsigned int vmon_interval_ms;

struct vmon_vm *vmon_vm_get_by_id(u32 id);
struct vmon_vm *vmon_vm_get_by_name(const char *name);
/* The first registered VM with an id >= *id, referenced; *id is set to it. */
struct vmon_vm *vmon_vm_get_next(u32 *id);
void vmon_vm_put(struct vmon_vm *vm);
/* Is the calling process the one that owns @vm? */
bool vmon_vm_owned_by_current(const struct vmon_vm *vm);
/* May the sender of @skb read @vm over netlink? (same uid, or admin) */
bool vmon_vm_visible(const struct sk_buff *skb, const struct vmon_vm *vm);
/* Bring the VM's steal and CPU figures up to date. Under vm->lock. */
void vmon_vm_sample(struct vmon_vm *vm);
void vmon_set_interval(unsigned int ms);

/* Sum of a device's counters. */
struct vmon_dev_totals {
	u64 ctr[VMON_DEV_NR_CTRS];
	u64 lat[VMON_LAT_BUCKETS];
};

void vmon_dev_read(struct vmon_dev *dev, struct vmon_dev_totals *t);

/*
 * The VM and device ids of a device's accounting slot, 0 and 0 when it is
 * attached to no VM (or @slot is NULL): the "vm" and "dev" fields of the
 * tracepoints (trace.h). Any context.
 */
static inline void vmon_dev_ids(struct vmon_dev __rcu **slot, u32 *vm,
				u32 *dev)
{
	struct vmon_dev *d;

	*vm = 0;
	*dev = 0;
	if (!slot)
		return;
	rcu_read_lock();
	d = rcu_dereference(*slot);
	if (d) {
		*vm = d->vm->id;
		*dev = d->id;
	}
	rcu_read_unlock();
}

/* All attached devices by id, under vmon_dev_mutex. */
extern struct xarray vmon_devs;

/* KSM (ksm.c). */
long vmon_ksm_advise(struct vmon_ksm_advise *arg);
int vmon_ksm_estimate(struct vmon_vm *vm, u32 pages);
void vmon_ksm_figures(struct vmon_vm *vm, u64 *merging, u64 *rmap_items);
u64 vmon_vm_guest_pages(struct vmon_vm *vm);

/* Events (genl.c); safe in any context. */
void vmon_genl_event_vm(struct vmon_vm *vm, u32 event, u32 reason);
void vmon_genl_event_dev(struct vmon_dev *dev, u32 event);
void vmon_genl_event_steal(struct vmon_vm *vm, u32 pct);

#endif /* _VMON_ACCT_H */
