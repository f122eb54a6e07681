/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's tracepoints, trace system "vmon": for perf, ftrace, bpftrace
 * and 'vmon trace'. Their names and fields are an interface, described in
 * Documentation/tracing.rst: add fields at the end, never rename one.
 *
 * "vm" is the id of the registered VM a device is attached to
 * (VMON_DEV_SET_VM) and "dev" the device's accounting id in it, both 0 for
 * a device attached to no VM. Disabled, each costs a static branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmon

#if !defined(_VMON_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMON_TRACE_H

#include <linux/tracepoint.h>
#include "acct.h"

/* ---- VMs and accounting -------------------------------------------- */

TRACE_EVENT(vm_register,
	    TP_PROTO(const struct vmon_vm *vm),
	    TP_ARGS(vm),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(pid_t, owner)
			     __array(char, name, VMON_VM_NAME_MAX)),
	    TP_fast_assign(__entry->vm = vm->id;
			   __entry->owner = vm->owner_tgid;
			   memcpy(__entry->name, vm->name, VMON_VM_NAME_MAX);),
	    TP_printk("vm=%u owner=%d name=%s", __entry->vm, __entry->owner,
		      __entry->name)
);

TRACE_EVENT(vm_unregister,
	    TP_PROTO(const struct vmon_vm *vm, u32 reason),
	    TP_ARGS(vm, reason),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, reason)
			     __array(char, name, VMON_VM_NAME_MAX)),
	    TP_fast_assign(__entry->vm = vm->id;
			   __entry->reason = reason;
			   memcpy(__entry->name, vm->name, VMON_VM_NAME_MAX);),
	    TP_printk("vm=%u reason=%u name=%s", __entry->vm, __entry->reason,
		      __entry->name)
);

/* One vCPU's sample: run-queue wait (steal) and run time since the last. */
TRACE_EVENT(acct_sample,
	    TP_PROTO(u32 vm, unsigned int vcpu, u64 steal_ns, u64 run_ns),
	    TP_ARGS(vm, vcpu, steal_ns, run_ns),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, vcpu)
			     __field(u64, steal_ns)
			     __field(u64, run_ns)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->vcpu = vcpu;
			   __entry->steal_ns = steal_ns;
			   __entry->run_ns = run_ns;),
	    TP_printk("vm=%u vcpu=%u steal_ns=%llu run_ns=%llu", __entry->vm,
		      __entry->vcpu, __entry->steal_ns, __entry->run_ns)
);

/* ---- the ring engine ------------------------------------------------- */

/* The guest kicked ring @ring (its kick eventfd fired). */
TRACE_EVENT(vq_kick,
	    TP_PROTO(struct vmon_dev __rcu **acct, unsigned int ring),
	    TP_ARGS(acct, ring),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, dev)
			     __field(u32, ring)),
	    TP_fast_assign(vmon_dev_ids(acct, &__entry->vm, &__entry->dev);
			   __entry->ring = ring;),
	    TP_printk("vm=%u dev=%u ring=%u", __entry->vm, __entry->dev,
		      __entry->ring)
);

/* The guest was interrupted for @batch used entries written since the last. */
TRACE_EVENT(vq_signal,
	    TP_PROTO(struct vmon_dev __rcu **acct, unsigned int ring, u16 batch),
	    TP_ARGS(acct, ring, batch),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, dev)
			     __field(u32, ring)
			     __field(u32, batch)),
	    TP_fast_assign(vmon_dev_ids(acct, &__entry->vm, &__entry->dev);
			   __entry->ring = ring;
			   __entry->batch = batch;),
	    TP_printk("vm=%u dev=%u ring=%u batch=%u", __entry->vm, __entry->dev,
		      __entry->ring, __entry->batch)
);

/* A worker thread (its pid is the event's) woke with @works to run. */
TRACE_EVENT(worker_wake,
	    TP_PROTO(u32 worker, unsigned int works),
	    TP_ARGS(worker, works),
	    TP_STRUCT__entry(__field(u32, worker)
			     __field(u32, works)),
	    TP_fast_assign(__entry->worker = worker;
			   __entry->works = works;),
	    TP_printk("worker=%u works=%u", __entry->worker, __entry->works)
);

TRACE_EVENT(worker_sleep,
	    TP_PROTO(u32 worker),
	    TP_ARGS(worker),
	    TP_STRUCT__entry(__field(u32, worker)),
	    TP_fast_assign(__entry->worker = worker;),
	    TP_printk("worker=%u", __entry->worker)
);

/* ---- vmon-blk ---------------------------------------------------------- */

/*
 * A request taken off ring @queue and handed to the back end; "op" is the
 * VIRTIO_BLK_T_* type (0 read, 1 write, 4 flush, 8 get id, 11 discard,
 * 13 write zeroes), "len" its data bytes.
 */
TRACE_EVENT(blk_submit,
	    TP_PROTO(struct vmon_dev __rcu **acct, unsigned int queue, u32 op,
		     u64 sector, u64 len),
	    TP_ARGS(acct, queue, op, sector, len),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, dev)
			     __field(u32, queue)
			     __field(u32, op)
			     __field(u64, sector)
			     __field(u64, len)),
	    TP_fast_assign(vmon_dev_ids(acct, &__entry->vm, &__entry->dev);
			   __entry->queue = queue;
			   __entry->op = op;
			   __entry->sector = sector;
			   __entry->len = len;),
	    TP_printk("vm=%u dev=%u queue=%u op=%u sector=%llu len=%llu",
		      __entry->vm, __entry->dev, __entry->queue, __entry->op,
		      __entry->sector, __entry->len)
);

/*
 * A request ended with VIRTIO_BLK_S_* @status (0 ok, 1 I/O error,
 * 2 unsupported): every request the guest posted, also one refused before
 * any submit; "latency_ns" counts from its taking off the ring.
 *
 * The one event per request, so its arguments are the record's own values
 * (the caller looks up @vm and @dev only when the event is enabled): a
 * raw tracepoint program (bpf/blk_lat.bpf.c) reads them as they are, with
 * no record built for it.
 */
TRACE_EVENT(blk_complete,
	    TP_PROTO(u32 vm, u32 dev, unsigned int queue, u32 op, u64 sector,
		     u64 len, u64 latency_ns, u8 status),
	    TP_ARGS(vm, dev, queue, op, sector, len, latency_ns, status),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, dev)
			     __field(u32, queue)
			     __field(u32, op)
			     __field(u64, sector)
			     __field(u64, len)
			     __field(u64, latency_ns)
			     __field(u8, status)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->dev = dev;
			   __entry->queue = queue;
			   __entry->op = op;
			   __entry->sector = sector;
			   __entry->len = len;
			   __entry->latency_ns = latency_ns;
			   __entry->status = status;),
	    TP_printk("vm=%u dev=%u queue=%u op=%u sector=%llu len=%llu latency_ns=%llu status=%u",
		      __entry->vm, __entry->dev, __entry->queue, __entry->op,
		      __entry->sector, __entry->len, __entry->latency_ns,
		      __entry->status)
);

/*
 * Throttling holds ring @queue back: "bucket" says which buckets are empty
 * (a mask: 1 operations, 2 bytes, 4 and 8 the reads', 16 and 32 the
 * writes'), "wait_ns" when it is tried again.
 */
TRACE_EVENT(blk_throttle_start,
	    TP_PROTO(struct vmon_dev __rcu **acct, unsigned int queue, u32 bucket,
		     u64 wait_ns),
	    TP_ARGS(acct, queue, bucket, wait_ns),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, dev)
			     __field(u32, queue)
			     __field(u32, bucket)
			     __field(u64, wait_ns)),
	    TP_fast_assign(vmon_dev_ids(acct, &__entry->vm, &__entry->dev);
			   __entry->queue = queue;
			   __entry->bucket = bucket;
			   __entry->wait_ns = wait_ns;),
	    TP_printk("vm=%u dev=%u queue=%u bucket=%u wait_ns=%llu", __entry->vm,
		      __entry->dev, __entry->queue, __entry->bucket,
		      __entry->wait_ns)
);

/* The held request went, after @held_ns. */
TRACE_EVENT(blk_throttle_end,
	    TP_PROTO(struct vmon_dev __rcu **acct, unsigned int queue, u64 held_ns),
	    TP_ARGS(acct, queue, held_ns),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, dev)
			     __field(u32, queue)
			     __field(u64, held_ns)),
	    TP_fast_assign(vmon_dev_ids(acct, &__entry->vm, &__entry->dev);
			   __entry->queue = queue;
			   __entry->held_ns = held_ns;),
	    TP_printk("vm=%u dev=%u queue=%u held_ns=%llu", __entry->vm,
		      __entry->dev, __entry->queue, __entry->held_ns)
);

/* ---- vmon-net ---------------------------------------------------------- */

/*
 * One handler run's batch on ring @queue: Ethernet frames and their bytes
 * (no virtio-net header), and the frames dropped.
 */
DECLARE_EVENT_CLASS(net_batch,
		    TP_PROTO(struct vmon_dev __rcu **acct, unsigned int queue, u32 packets,
			     u64 bytes, u32 drops),
		    TP_ARGS(acct, queue, packets, bytes, drops),
		    TP_STRUCT__entry(__field(u32, vm)
				     __field(u32, dev)
				     __field(u32, queue)
				     __field(u32, packets)
				     __field(u64, bytes)
				     __field(u32, drops)),
		    TP_fast_assign(vmon_dev_ids(acct, &__entry->vm, &__entry->dev);
				   __entry->queue = queue;
				   __entry->packets = packets;
				   __entry->bytes = bytes;
				   __entry->drops = drops;),
		    TP_printk("vm=%u dev=%u queue=%u packets=%u bytes=%llu drops=%u",
			      __entry->vm, __entry->dev, __entry->queue, __entry->packets,
			      __entry->bytes, __entry->drops)
);

DEFINE_EVENT(net_batch, net_tx,
	     TP_PROTO(struct vmon_dev __rcu **acct, unsigned int queue, u32 packets,
		      u64 bytes, u32 drops),
	     TP_ARGS(acct, queue, packets, bytes, drops)
);

DEFINE_EVENT(net_batch, net_rx,
	     TP_PROTO(struct vmon_dev __rcu **acct, unsigned int queue, u32 packets,
		      u64 bytes, u32 drops),
	     TP_ARGS(acct, queue, packets, bytes, drops)
);

#endif /* _VMON_TRACE_H */

/* This part must be outside the multi-read guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
