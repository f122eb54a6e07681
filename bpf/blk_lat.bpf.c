// SPDX-License-Identifier: GPL-2.0
/*
 * blk-lat: the latency of vmon-blk requests, from the taking of a request
 * off its ring to its used entry, as log2 histograms in microseconds by
 * VM, op and (per_queue) queue; failed requests counted apart. From the
 * module's tracepoint vmon:blk_complete.
 */
#include "common.bpf.h"

const volatile bool per_queue;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_blk_key);
	__type(value, __u64);
} blk_hist SEC(".maps");

SEC("tracepoint/vmon/blk_complete")
int vmon_blk_complete(struct vmon_tp_blk_complete *tp)
{
	struct vmon_blk_key key = {
		.vm = tp->vm,
		.op = tp->op,
		.queue = per_queue ? tp->queue : 0,
	};

	if (!vmon_vm_wanted(tp->vm))
		return 0;
	key.slot = vmon_log2_slot(tp->latency_ns / 1000);
	vmon_count(&blk_hist, &key, 1);
	if (tp->status) {
		key.slot = VMON_HIST_SLOTS;
		vmon_count(&blk_hist, &key, 1);
	}
	return 0;
}
