// SPDX-License-Identifier: GPL-2.0
/*
 * blk-lat: the latency of vmon-blk requests, from the taking of a request
 * off its ring to its used entry, as log2 histograms in microseconds by
 * VM, op and (per_queue) queue; failed requests counted apart. From the
 * module's tracepoint vmon:blk_complete, attached as a raw tracepoint: the
 * program reads the event's arguments, and the kernel builds no record
 * for it. It runs once per request, so its own work is kept small
 * (tools/bench/trace-cost measures it): a key finds its per-CPU cell
 * (vmon_trace.h) by a few arithmetic instructions and an array index, and
 * only keys whose cell another key holds pay for the hash map.
 */
#include "common.bpf.h"
#include <bpf/bpf_tracing.h>

const volatile bool per_queue;
/* fewer cells (VMON_TRACE_BLK_CELLS, for the tests of the fallback) */
const volatile __u32 cells_mask = VMON_BLK_CELLS - 1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_blk_key);
	__type(value, __u64);
} blk_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VMON_BLK_CELLS);
	__type(key, __u32);
	__type(value, struct vmon_blk_cell);
} blk_cells SEC(".maps");

/*
 * Count in this CPU's cell of the key: true, or false when the cell is
 * another key's. No atomics: the cell is this CPU's, and the program does
 * not nest on one CPU (a raw tracepoint's run is skipped while the same
 * program runs there).
 */
static __always_inline bool count_cell(__u32 vm, __u32 op, __u32 queue, __u32 slot, bool failed)
{
	__u32 i = vmon_blk_cell_index(vm, op, queue) & cells_mask;
	struct vmon_blk_cell *c = bpf_map_lookup_elem(&blk_cells, &i);

	if (!c)
		return false;
	if (!c->used) {
		c->vm = vm;
		c->op = op;
		c->queue = queue;
		c->used = 1;
	} else if (c->vm != vm || c->op != op || c->queue != queue) {
		return false;
	}
	if (slot < VMON_HIST_SLOTS)
		c->slots[slot]++;
	if (failed)
		c->slots[VMON_HIST_SLOTS]++;
	return true;
}

/* The arguments of TP_PROTO(blk_complete) in kmod/trace.h, in order. */
SEC("raw_tp/blk_complete")
int BPF_PROG(vmon_blk_complete, __u32 vm, __u32 dev, __u32 queue, __u32 op, __u64 sector, __u64 len,
	     __u64 latency_ns, __u8 status)
{
	struct vmon_blk_key key = {
		.vm = vm,
		.op = op,
		.queue = per_queue ? queue : 0,
	};

	if (!vmon_vm_wanted(vm))
		return 0;
	key.slot = vmon_log2_slot(latency_ns / 1000);
	if (count_cell(key.vm, key.op, key.queue, key.slot, status))
		return 0;
	vmon_count(&blk_hist, &key, 1);
	if (status) {
		key.slot = VMON_HIST_SLOTS;
		vmon_count(&blk_hist, &key, 1);
	}
	return 0;
}
