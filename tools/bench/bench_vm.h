/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A registered KVM VM for the benchmarks' -V: devices attached to it count
 * into the per-VM accounting, as they would under a real VMM.
 */
#ifndef VMON_BENCH_VM_H
#define VMON_BENCH_VM_H

#include <linux/types.h>

/*
 * Create an empty KVM VM (loading kvm-amd or kvm-intel if needed) and
 * register it with /dev/vmon as "PREFIX-PID"; its fds stay open until the
 * process exits. Returns the VM's id; prints why and exits 1 on failure.
 */
__u32 bench_register_vm(const char *prefix);
/* VMON_DEV_SET_VM on a vmon-net or vmon-blk fd; prints why and exits 1 on failure. */
void bench_attach(int dev_fd, __u32 vm_id, const char *what);

#endif /* VMON_BENCH_VM_H */
