/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records of vmon.ko's own tracepoints (kmod/trace.h), as the programs
 * of bpf/ read them. They are plain structures, not CO-RE ones: their
 * layout is an interface of the module (fields are only ever added at the
 * end, Documentation/tracing.rst), and the 6.1 kernel has no BTF of
 * vmon.ko to relocate against. selftests/trace checks the offsets against
 * the format files of tracefs.
 */
#ifndef VMON_BPF_TP_H
#define VMON_BPF_TP_H

/* What every trace record starts with (struct trace_entry). */
struct vmon_tp_head {
	__u16 type;
	__u8 flags;
	__u8 preempt_count;
	__s32 pid;
};

struct vmon_tp_vm_unregister {
	struct vmon_tp_head head;
	__u32 vm;
	__u32 reason;
	char name[64]; /* VMON_VM_NAME_MAX */
};

/* net_tx and net_rx (event class net_batch) */
struct vmon_tp_net_batch {
	struct vmon_tp_head head;
	__u32 vm;
	__u32 dev;
	__u32 queue;
	__u32 packets;
	__u64 bytes;
	__u32 drops;
};

#endif /* VMON_BPF_TP_H */
