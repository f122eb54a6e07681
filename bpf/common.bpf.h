/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every view of bpf/ has: the VM filter (set by 'vmon trace' before
 * the load), the ring buffer that tells it the traced VM went away, and
 * the log2 slot of a value.
 */
#ifndef VMON_BPF_COMMON_H
#define VMON_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "vmon_trace.h"
#include "vmon_tp.h"

char LICENSE[] SEC("license") = "GPL";

/* 0: every VM; else only the registered VM with this id. */
const volatile __u32 target_vm;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("tracepoint/vmon/vm_unregister")
int vmon_vm_gone(struct vmon_tp_vm_unregister *tp)
{
	struct vmon_trace_gone *rec;

	if (!target_vm || tp->vm != target_vm)
		return 0;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec)
		return 0;
	rec->type = VMON_TRACE_VM_GONE;
	rec->vm = tp->vm;
	rec->reason = tp->reason;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

static __always_inline bool vmon_vm_wanted(__u32 vm)
{
	return !target_vm || vm == target_vm;
}

/*
 * Slot 0 for 0, s for [2^(s-1), 2^s): the bit length of v; the last slot
 * also holds what is past it.
 */
static __always_inline __u32 vmon_log2_slot(__u64 v)
{
	__u32 s = 0;

	if (v >= 1ULL << 32) {
		v >>= 32;
		s += 32;
	}
	if (v >= 1 << 16) {
		v >>= 16;
		s += 16;
	}
	if (v >= 1 << 8) {
		v >>= 8;
		s += 8;
	}
	if (v >= 1 << 4) {
		v >>= 4;
		s += 4;
	}
	if (v >= 1 << 2) {
		v >>= 2;
		s += 2;
	}
	if (v >= 1 << 1) {
		v >>= 1;
		s += 1;
	}
	s += v ? 1 : 0;
	return s < VMON_HIST_SLOTS ? s : VMON_HIST_SLOTS - 1;
}

/* *map[key] += by, the entry created at 0 when there is none. */
static __always_inline void vmon_count(void *map, const void *key, __u64 by)
{
	static const __u64 zero;
	__u64 *v;

	v = bpf_map_lookup_elem(map, key);
	if (!v) {
		bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(map, key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(v, by);
}

#endif /* VMON_BPF_COMMON_H */
