// SPDX-License-Identifier: GPL-2.0
/*
 * steal: how long vCPU threads wait on a run queue, runnable but not
 * running, as log2 histograms in microseconds by VMM and vCPU (what
 * runqlat measures for every thread, and what the steal percentage of
 * vmon top adds up): from the wake-up or preemption that queues the thread
 * to the switch that runs it. BTF-enabled scheduler tracepoints, CO-RE.
 */
#include "common.bpf.h"
#include <bpf/bpf_tracing.h>

#include "vcpu.bpf.h"

#define VMON_TASK_RUNNING 0

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);   /* thread id */
	__type(value, __u64); /* queued at, ns */
} queued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_steal_key);
	__type(value, __u64);
} steal_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vmon_vcpu_id);
	__type(value, struct vmon_steal_val);
} steal_sum SEC(".maps");

static __always_inline void vmon_enqueue(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u64 ts;

	if (!vmon_vcpu_of(tid))
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&queued, &tid, &ts, BPF_ANY);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(vmon_steal_wakeup, struct task_struct *p)
{
	vmon_enqueue(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(vmon_steal_wakeup_new, struct task_struct *p)
{
	vmon_enqueue(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(vmon_steal_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	static const struct vmon_steal_val zero;
	struct vmon_steal_key key;
	struct vmon_steal_val *sum;
	struct vmon_vcpu_id *v;
	__u64 *ts, delta;
	__u32 tid;

	(void)preempt;
	/* Switched out while runnable: preempted, back on the queue. */
	if (BPF_CORE_READ(prev, __state) == VMON_TASK_RUNNING)
		vmon_enqueue(prev);
	tid = BPF_CORE_READ(next, pid);
	v = vmon_vcpu_of(tid);
	if (!v)
		return 0;
	ts = bpf_map_lookup_elem(&queued, &tid);
	if (!ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&queued, &tid);
	key.tgid = v->tgid;
	key.vcpu = v->vcpu;
	key.slot = vmon_log2_slot(delta / 1000);
	vmon_count(&steal_hist, &key, 1);
	sum = bpf_map_lookup_elem(&steal_sum, v);
	if (!sum) {
		bpf_map_update_elem(&steal_sum, v, &zero, BPF_NOEXIST);
		sum = bpf_map_lookup_elem(&steal_sum, v);
		if (!sum)
			return 0;
	}
	__sync_fetch_and_add(&sum->count, 1);
	__sync_fetch_and_add(&sum->ns, delta);
	return 0;
}
