/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the programs of bpf/ and 'vmon trace' (supervisor/trace) share: the
 * keys and values of the maps the programs fill and the records of their
 * ring buffer. Included by BPF C (after vmlinux.h) and by userspace (after
 * linux/types.h).
 */
#ifndef VMON_BPF_TRACE_H
#define VMON_BPF_TRACE_H

/* Log2 histograms: slot 0 holds 0, slot s > 0 holds [2^(s-1), 2^s). */
#define VMON_HIST_SLOTS 64

/* blk-lat: requests completed, by VM, op, queue and latency slot (us). */
struct vmon_blk_key {
	__u32 vm;
	__u32 op;    /* VIRTIO_BLK_T_* */
	__u32 queue; /* 0 unless per_queue */
	__u32 slot;  /* VMON_HIST_SLOTS for the count of failed requests */
};

/*
 * blk-lat's fast path: per CPU, VMON_BLK_CELLS cells, each the histogram
 * of one (vm, op, queue), claimed by the first request that hashes to it
 * (vmon_blk_cell_index) and kept; the keys that find their cell taken go
 * to the hash map above. Counts only grow: 'vmon trace' reports the
 * difference since its last read.
 */
#define VMON_BLK_CELLS 64
struct vmon_blk_cell {
	__u32 vm;
	__u32 op;
	__u32 queue;
	__u32 used;			  /* 0: free */
	__u64 slots[VMON_HIST_SLOTS + 1]; /* the last: failed requests */
};

static inline __u32 vmon_blk_cell_index(__u32 vm, __u32 op, __u32 queue)
{
	return (vm * 31 + op * 7 + queue) & (VMON_BLK_CELLS - 1);
}

/* net: per VM and direction, the totals ... */
struct vmon_net_key {
	__u32 vm;
	__u32 rx; /* 0 TX, 1 RX */
};

struct vmon_net_val {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
	__u64 batches;
};

/* ... and the batch sizes (packets a handler run) by log2 slot. */
struct vmon_net_batch_key {
	__u32 vm;
	__u32 rx;
	__u32 slot;
};

/* exits: KVM exits by VMM process, vCPU and exit reason. */
struct vmon_exit_key {
	__u32 tgid;
	__u32 vcpu;
	__u32 reason;
	__u32 isa; /* 1 VMX, 2 SVM: how to read reason */
};

struct vmon_exit_val {
	__u64 count;
	__u64 ns; /* from the exit to the vCPU's next entry */
};

/* A vCPU thread: its VMM process and the vCPU's id in the VM. */
struct vmon_vcpu_id {
	__u32 tgid;
	__u32 vcpu;
};

/* steal: run-queue waits of vCPU threads by log2 slot (us) ... */
struct vmon_steal_key {
	__u32 tgid;
	__u32 vcpu;
	__u32 slot;
};

/* ... and their sum. */
struct vmon_steal_val {
	__u64 count;
	__u64 ns;
};

/* halt: halts of vCPUs, by how they ended and log2 slot of their time (us). */
struct vmon_halt_key {
	__u32 tgid;
	__u32 vcpu;
	__u32 waited; /* 0: polling saw the wake-up; 1: the thread slept */
	__u32 slot;   /* VMON_HIST_SLOTS: wake-ups that were not valid */
};

/* halt_poll_ns changes of a vCPU (kvm:kvm_halt_poll_ns). */
struct vmon_poll_val {
	__u64 grow;
	__u64 shrink;
	__u64 last_ns; /* the value after the last change */
};

/* The ring buffer's records. */
enum vmon_trace_rec {
	VMON_TRACE_VM_GONE = 1,
};

struct vmon_trace_gone {
	__u32 type; /* VMON_TRACE_VM_GONE */
	__u32 vm;
	__u32 reason; /* VMON_REASON_* */
};

#endif /* VMON_BPF_TRACE_H */
