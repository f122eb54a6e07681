// SPDX-License-Identifier: GPL-2.0
/*
 * exits: KVM exits by VMM process, vCPU and exit reason, with the time
 * from each exit to the vCPU's next entry into the guest (what 'perf kvm
 * stat' calls the handling time). From kvm:kvm_exit and kvm:kvm_entry,
 * read through CO-RE against the BTF of kvm.ko.
 */
#include "common.bpf.h"
#include <bpf/bpf_core_read.h>

/* 0: every process; else only this VMM (the owner of target_vm). */
const volatile __u32 target_tgid;

/* The fields read of kvm_exit's record; CO-RE finds them in kvm.ko's BTF. */
struct trace_event_raw_kvm_exit {
	unsigned int exit_reason;
	__u32 isa;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

struct vmon_exit_start {
	__u64 ts;
	struct vmon_exit_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_exit_key);
	__type(value, struct vmon_exit_val);
} exits SEC(".maps");

/* The exit each vCPU thread is in, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vmon_exit_start);
} inflight SEC(".maps");

SEC("tracepoint/kvm/kvm_exit")
int vmon_kvm_exit(struct trace_event_raw_kvm_exit *tp)
{
	static const struct vmon_exit_val zero;
	__u64 id = bpf_get_current_pid_tgid();
	struct vmon_exit_start s = { .ts = bpf_ktime_get_ns() };
	struct vmon_exit_val *v;
	__u32 tid = (__u32)id;

	s.key.tgid = id >> 32;
	if (target_tgid && s.key.tgid != target_tgid)
		return 0;
	s.key.vcpu = BPF_CORE_READ(tp, vcpu_id);
	s.key.reason = BPF_CORE_READ(tp, exit_reason);
	s.key.isa = BPF_CORE_READ(tp, isa);
	v = bpf_map_lookup_elem(&exits, &s.key);
	if (!v) {
		bpf_map_update_elem(&exits, &s.key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&exits, &s.key);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	bpf_map_update_elem(&inflight, &tid, &s, BPF_ANY);
	return 0;
}

SEC("tracepoint/kvm/kvm_entry")
int vmon_kvm_entry(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vmon_exit_start *s;
	struct vmon_exit_val *v;

	(void)ctx;
	s = bpf_map_lookup_elem(&inflight, &tid);
	if (!s)
		return 0;
	v = bpf_map_lookup_elem(&exits, &s->key);
	if (v)
		__sync_fetch_and_add(&v->ns, bpf_ktime_get_ns() - s->ts);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}
