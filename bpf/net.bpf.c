// SPDX-License-Identifier: GPL-2.0
/*
 * net: vmon-net's packets, bytes and drops by VM and direction, and the
 * batch sizes (packets a handler run moved). From the module's tracepoints
 * vmon:net_tx and vmon:net_rx.
 */
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vmon_net_key);
	__type(value, struct vmon_net_val);
} net_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vmon_net_batch_key);
	__type(value, __u64);
} net_batch SEC(".maps");

static __always_inline void vmon_net(struct vmon_tp_net_batch *tp, __u32 rx)
{
	struct vmon_net_key key = { .vm = tp->vm, .rx = rx };
	struct vmon_net_batch_key bkey = { .vm = tp->vm, .rx = rx };
	static const struct vmon_net_val zero;
	struct vmon_net_val *v;

	if (!vmon_vm_wanted(tp->vm))
		return;
	v = bpf_map_lookup_elem(&net_totals, &key);
	if (!v) {
		bpf_map_update_elem(&net_totals, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&net_totals, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->packets, tp->packets);
	__sync_fetch_and_add(&v->bytes, tp->bytes);
	__sync_fetch_and_add(&v->drops, tp->drops);
	__sync_fetch_and_add(&v->batches, 1);
	bkey.slot = vmon_log2_slot(tp->packets);
	vmon_count(&net_batch, &bkey, 1);
}

SEC("tracepoint/vmon/net_tx")
int vmon_net_tx(struct vmon_tp_net_batch *tp)
{
	vmon_net(tp, 0);
	return 0;
}

SEC("tracepoint/vmon/net_rx")
int vmon_net_rx(struct vmon_tp_net_batch *tp)
{
	vmon_net(tp, 1);
	return 0;
}
