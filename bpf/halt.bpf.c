// SPDX-License-Identifier: GPL-2.0
/*
 * halt: how vCPU halts end, by VMM and vCPU: caught by halt polling (the
 * vCPU never slept) or after the thread slept, each with a log2 histogram
 * of the halt's length in microseconds, and the wake-ups KVM found not
 * valid; the changes of each vCPU's halt_poll_ns. From kvm:kvm_vcpu_wakeup
 * and kvm:kvm_halt_poll_ns, read through CO-RE against kvm.ko's BTF.
 */
#include "common.bpf.h"

#include "vcpu.bpf.h"

struct trace_event_raw_kvm_vcpu_wakeup {
	__u64 ns;
	bool waited;
	bool valid;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_halt_poll_ns {
	bool grow;
	unsigned int vcpu_id;
	unsigned int new;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_halt_key);
	__type(value, __u64);
} halt_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vmon_vcpu_id);
	__type(value, struct vmon_poll_val);
} poll_ns SEC(".maps");

SEC("tracepoint/kvm/kvm_vcpu_wakeup")
int vmon_halt_wakeup(struct trace_event_raw_kvm_vcpu_wakeup *tp)
{
	struct vmon_vcpu_id *v = vmon_vcpu_of((__u32)bpf_get_current_pid_tgid());
	struct vmon_halt_key key;

	if (!v)
		return 0;
	key.tgid = v->tgid;
	key.vcpu = v->vcpu;
	key.waited = BPF_CORE_READ(tp, waited) ? 1 : 0;
	key.slot = vmon_log2_slot(BPF_CORE_READ(tp, ns) / 1000);
	vmon_count(&halt_hist, &key, 1);
	if (!BPF_CORE_READ(tp, valid)) {
		key.slot = VMON_HIST_SLOTS;
		vmon_count(&halt_hist, &key, 1);
	}
	return 0;
}

SEC("tracepoint/kvm/kvm_halt_poll_ns")
int vmon_halt_poll_ns(struct trace_event_raw_kvm_halt_poll_ns *tp)
{
	static const struct vmon_poll_val zero;
	struct vmon_vcpu_id v = { .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct vmon_poll_val *p;

	if (target_tgid && v.tgid != target_tgid)
		return 0;
	v.vcpu = BPF_CORE_READ(tp, vcpu_id);
	p = bpf_map_lookup_elem(&poll_ns, &v);
	if (!p) {
		bpf_map_update_elem(&poll_ns, &v, &zero, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&poll_ns, &v);
		if (!p)
			return 0;
	}
	if (BPF_CORE_READ(tp, grow))
		__sync_fetch_and_add(&p->grow, 1);
	else
		__sync_fetch_and_add(&p->shrink, 1);
	p->last_ns = BPF_CORE_READ(tp, new);
	return 0;
}
