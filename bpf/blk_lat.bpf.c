// SPDX-License-Identifier: GPL-2.0
/*
 * blk-lat: the latency of vmon-blk requests, from the taking of a request
 * off its ring to its used entry, as log2 histograms in microseconds by
 * VM, op and (per_queue) queue; failed requests counted apart. From the
 * module's tracepoint vmon:blk_complete, attached as a raw tracepoint: the
 * program reads the event's arguments, and the kernel builds no record
 * for it (this runs once per request; tools/bench/trace-cost measures it).
 */
#include "common.bpf.h"
#include <bpf/bpf_tracing.h>

const volatile bool per_queue;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_blk_key);
	__type(value, __u64);
} blk_hist SEC(".maps");

/* The arguments of TP_PROTO(blk_complete) in kmod/trace.h, in order. */
SEC("raw_tp/blk_complete")
int BPF_PROG(vmon_blk_complete, __u32 vm, __u32 dev, __u32 queue, __u32 op,
	     __u64 sector, __u64 len, __u64 latency_ns, __u8 status)
{
	struct vmon_blk_key key = {
		.vm = vm,
		.op = op,
		.queue = per_queue ? queue : 0,
	};

	if (!vmon_vm_wanted(vm))
		return 0;
	key.slot = vmon_log2_slot(latency_ns / 1000);
	vmon_count(&blk_hist, &key, 1);
	if (status) {
		key.slot = VMON_HIST_SLOTS;
		vmon_count(&blk_hist, &key, 1);
	}
	return 0;
}
