// SPDX-License-Identifier: GPL-2.0
/*
 * A registered KVM VM for the benchmarks' -V (blk_bench, vhost-net-bench).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/vmon.h>

#include "bench_vm.h"

__u32 bench_register_vm(const char *prefix)
{
	struct vmon_vm_register reg = { 0 };
	int kvm, ctl;

	if (access("/dev/kvm", R_OK | W_OK) &&
	    system("modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null"))
		fprintf(stderr, "%s: no KVM module loaded\n", prefix);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "%s: -V: /dev/kvm: %s\n", prefix, strerror(errno));
		exit(1);
	}
	reg.vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (reg.vm_fd < 0) {
		fprintf(stderr, "%s: -V: KVM_CREATE_VM: %s\n", prefix, strerror(errno));
		exit(1);
	}
	ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	snprintf(reg.name, sizeof(reg.name), "%s-%d", prefix, (int)getpid());
	if (ctl < 0 || ioctl(ctl, VMON_VM_REGISTER, &reg)) {
		fprintf(stderr, "%s: -V: cannot register a KVM VM with /dev/vmon: %s\n", prefix,
			strerror(errno));
		exit(1);
	}
	return reg.id;
}

void bench_attach(int dev_fd, __u32 vm_id, const char *what)
{
	if (ioctl(dev_fd, VMON_DEV_SET_VM, &vm_id)) {
		fprintf(stderr, "%s: VMON_DEV_SET_VM %u: %s\n", what, vm_id, strerror(errno));
		exit(1);
	}
}
