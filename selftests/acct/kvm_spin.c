// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_spin NAME VCPUS SECONDS [CPU]: a minimal KVM guest whose vCPUs loop,
 * registered with vmon under NAME, for SECONDS; vCPU threads pinned to CPU
 * when given. For trying 'vmon top' and 'vmon stats' in the test VM. NAME
 * "-" runs the guest without vmon (no registration, /dev/vmon not needed).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vmon.h>

#include "guest.h"

int main(int argc, char **argv)
{
	struct vmon_vm_register r;
	int ctl, i, n, secs, cpu;
	struct guest g;

	if (argc < 4) {
		fprintf(stderr, "usage: kvm_spin NAME VCPUS SECONDS [CPU]\n");
		return 2;
	}
	n = atoi(argv[2]);
	secs = atoi(argv[3]);
	cpu = argc > 4 ? atoi(argv[4]) : -1;
	if (!guest_kvm_available() || guest_create(&g, 1 << 20))
		return 1;
	for (i = 0; i < n; i++)
		if (guest_add_vcpu(&g, cpu))
			return 1;
	if (!strcmp(argv[1], "-")) {
		if (guest_start(&g))
			return 1;
		sleep(secs);
		guest_destroy(&g);
		return 0;
	}
	ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	memset(&r, 0, sizeof(r));
	r.vm_fd = g.vm_fd;
	snprintf(r.name, sizeof(r.name), "%s", argv[1]);
	if (ctl < 0 || ioctl(ctl, VMON_VM_REGISTER, &r)) {
		perror("VMON_VM_REGISTER");
		return 1;
	}
	if (guest_start(&g))
		return 1;
	printf("%s: vmon id %u, %d vCPUs\n", argv[1], r.id, n);
	fflush(stdout);
	sleep(secs);
	guest_destroy(&g);
	return 0;
}
