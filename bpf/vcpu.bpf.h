/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which threads are vCPUs: learned from kvm:kvm_entry, which every vCPU
 * thread passes through each time it enters its guest (the VMM process and
 * the vCPU's id, read through CO-RE against kvm.ko's BTF). Any KVM VMM is
 * seen this way, QEMU's too; 'vmon trace' names the registered ones.
 */
#ifndef VMON_BPF_VCPU_H
#define VMON_BPF_VCPU_H

#include <bpf/bpf_core_read.h>

/* 0: every process; else only this VMM (the owner of target_vm). */
const volatile __u32 target_tgid;

struct trace_event_raw_kvm_entry {
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32); /* thread id */
	__type(value, struct vmon_vcpu_id);
} vcpu_threads SEC(".maps");

SEC("tracepoint/kvm/kvm_entry")
int vmon_vcpu_learn(struct trace_event_raw_kvm_entry *tp)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vmon_vcpu_id v = { .tgid = id >> 32 };
	__u32 tid = (__u32)id;

	if (target_tgid && v.tgid != target_tgid)
		return 0;
	if (bpf_map_lookup_elem(&vcpu_threads, &tid))
		return 0;
	v.vcpu = BPF_CORE_READ(tp, vcpu_id);
	bpf_map_update_elem(&vcpu_threads, &tid, &v, BPF_ANY);
	return 0;
}

static __always_inline struct vmon_vcpu_id *vmon_vcpu_of(__u32 tid)
{
	return bpf_map_lookup_elem(&vcpu_threads, &tid);
}

#endif /* VMON_BPF_VCPU_H */
