// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: one anonymous mapping, registered with KVM as up to two slots
 * (below the PCI hole, and from 4 GiB up), and the bounds-checked
 * translation every device uses to reach guest memory.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vmm.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

static int add_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		vmm_log("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int mem_alloc(struct vm *vm, uint64_t size)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

	/*
	 * Hugepages are reserved at mmap time (no MAP_NORESERVE), so that a
	 * shortage is an error now, not a SIGBUS when the guest touches RAM.
	 */
	if (vm->hugepages)
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB;
	vm->ram = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vmm_log("cannot map %llu MiB of guest RAM%s: %s", (unsigned long long)(size >> 20),
			vm->hugepages ? " in 2 MiB hugepages (see /proc/sys/vm/nr_hugepages)" : "",
			strerror(errno));
		return -1;
	}
	vm->ram_size = size;
	vm->low_size = size < GPA_LOW_LIMIT ? size : GPA_LOW_LIMIT;
	if (vm->merge && madvise(vm->ram, size, MADV_MERGEABLE) < 0)
		vmm_warn("MADV_MERGEABLE: %s (continuing without KSM)", strerror(errno));
	if (add_slot(vm, 0, 0, vm->low_size, vm->ram) < 0)
		return -1;
	if (size > vm->low_size &&
	    add_slot(vm, 1, GPA_HIGH, size - vm->low_size, vm->ram + vm->low_size) < 0)
		return -1;
	return 0;
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t high_size = vm->ram_size - vm->low_size;

	if (gpa < vm->low_size) {
		if (len > vm->low_size - gpa)
			return NULL;
		return vm->ram + gpa;
	}
	if (gpa >= GPA_HIGH && gpa - GPA_HIGH < high_size) {
		if (len > high_size - (gpa - GPA_HIGH))
			return NULL;
		return vm->ram + vm->low_size + (gpa - GPA_HIGH);
	}
	return NULL;
}
