// SPDX-License-Identifier: GPL-2.0
/*
 * Direct boot of a bzImage through its 32-bit entry point: the protected
 * mode kernel at 1 MiB, the zero page with the setup header, the e820 map,
 * the command line and the initrd, flat segments and %esi at the zero page
 * (Documentation/arch/x86/boot.rst, "32-bit boot protocol").
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"
#include "acpi.h"
#include "boot.h"

int boot_e820(struct e820_entry *tab, int max, uint64_t ram, uint64_t low)
{
	int n = 0;

	if (max < 4 || low < BOOT_KERNEL * 2)
		return -1;
	tab[n++] = (struct e820_entry){ 0, BOOT_EBDA, E820_RAM };
	tab[n++] = (struct e820_entry){ BOOT_EBDA, 0xa0000 - BOOT_EBDA, E820_RESERVED };
	/* The BIOS area: ACPI tables, then the MP table. */
	tab[n++] = (struct e820_entry){ BOOT_ACPI, 0x100000 - BOOT_ACPI, E820_RESERVED };
	tab[n++] = (struct e820_entry){ BOOT_KERNEL, low - BOOT_KERNEL, E820_RAM };
	if (ram > low)
		tab[n++] = (struct e820_entry){ GPA_HIGH, ram - low, E820_RAM };
	return n;
}

static void *read_file(const char *what, const char *path, size_t *len)
{
	struct stat st;
	void *buf = NULL;
	int fd = boot_open(path);

	if (fd < 0) {
		vmm_log("%s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		vmm_log("%s '%s': not a regular file", what, path);
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		goto out;
	*len = (size_t)st.st_size;
	for (size_t off = 0; off < *len;) {
		ssize_t n = read(fd, (char *)buf + off, *len - off);
		if (n <= 0) {
			vmm_log("%s '%s': short read", what, path);
			free(buf);
			buf = NULL;
			goto out;
		}
		off += (size_t)n;
	}
out:
	close(fd);
	return buf;
}

static int setup_regs(struct vm *vm, uint32_t entry)
{
	struct vcpu *v = &vm->vcpus[0];
	uint64_t *gdt = gpa_to_hva(vm, BOOT_GDT, 4 * 8);
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };
	struct kvm_fpu fpu = { 0 };
	struct kvm_segment code = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = 0x10,
		.type = 0xb,
		.present = 1,
		.dpl = 0,
		.db = 1,
		.s = 1,
		.l = 0,
		.g = 1,
	};
	struct kvm_segment data = code;

	data.selector = 0x18;
	data.type = 0x3;
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00cf9b000000ffffULL; /* __BOOT_CS */
	gdt[3] = 0x00cf93000000ffffULL; /* __BOOT_DS */

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	s.gdt.base = BOOT_GDT;
	s.gdt.limit = 4 * 8 - 1;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.cr0 |= 1; /* protected mode, no paging */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return -1;
	r.rip = entry;
	r.rsi = BOOT_PARAMS;
	r.rflags = 2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -1;
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -1;
	return 0;
}

int boot_linux(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline)
{
	size_t klen = 0, ilen = 0, clen = strlen(cmdline) + 1;
	uint8_t *k = NULL, *bp, *dst;
	void *rd = NULL;
	int ret = -1, n;

	k = read_file("kernel", kernel, &klen);
	if (!k)
		return -1;
	if (klen < 0x1000 || ld_le(k + HDR_BOOT_FLAG, 2) != 0xaa55 ||
	    memcmp(k + HDR_HEADER, "HdrS", 4) != 0) {
		vmm_log("kernel '%s': not a bzImage (no boot protocol header)", kernel);
		goto out;
	}
	uint16_t version = (uint16_t)ld_le(k + HDR_VERSION, 2);
	if (version < 0x020a || !(k[HDR_LOADFLAGS] & 1)) {
		vmm_log("kernel '%s': boot protocol %u.%02u too old or not a bzImage (need 2.10+)",
			kernel, version >> 8, version & 0xff);
		goto out;
	}
	unsigned int setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
	size_t pm_off = (setup_sects + 1) * 512;
	uint64_t init_size = ld_le(k + HDR_INIT_SIZE, 4);
	uint32_t cmdline_max = (uint32_t)ld_le(k + HDR_CMDLINE_SIZE, 4);

	if (pm_off >= klen) {
		vmm_log("kernel '%s': truncated", kernel);
		goto out;
	}
	if (clen > cmdline_max + 1 || clen > BOOT_CMDLINE_MAX) {
		vmm_log("command line is %zu bytes; the kernel takes at most %u", clen - 1,
			cmdline_max);
		goto out;
	}
	if (BOOT_KERNEL + (init_size > klen ? init_size : klen) > vm->low_size) {
		vmm_log("kernel '%s' needs %llu MiB of RAM to decompress; give the VM more memory",
			kernel, (unsigned long long)((BOOT_KERNEL + init_size) >> 20) + 1);
		goto out;
	}

	/* The zero page: cleared, then the setup header copied in. */
	bp = gpa_to_hva(vm, BOOT_PARAMS, BP_SIZE);
	memset(bp, 0, BP_SIZE);
	size_t hdr_end = 0x202 + k[0x201];
	memcpy(bp + BP_SETUP_HDR, k + BP_SETUP_HDR, hdr_end - BP_SETUP_HDR);
	bp[HDR_TYPE_OF_LOADER] = 0xff;
	bp[HDR_LOADFLAGS] |= 0x80; /* CAN_USE_HEAP */
	st_le(bp + HDR_HEAP_END_PTR, 2, 0xfe00);
	st_le(bp + HDR_CMD_LINE_PTR, 4, BOOT_CMDLINE);

	dst = gpa_to_hva(vm, BOOT_CMDLINE, BOOT_CMDLINE_MAX);
	memset(dst, 0, BOOT_CMDLINE_MAX);
	memcpy(dst, cmdline, clen);

	dst = gpa_to_hva(vm, BOOT_KERNEL, klen - pm_off);
	memcpy(dst, k + pm_off, klen - pm_off);

	if (initrd) {
		rd = read_file("initrd", initrd, &ilen);
		if (!rd)
			goto out;
		uint64_t max = ld_le(k + HDR_INITRD_ADDR_MAX, 4);
		uint64_t top = max + 1 < vm->low_size ? max + 1 : vm->low_size;
		uint64_t addr = (top - ilen) & ~0xfffULL;

		if (ilen > top || addr < BOOT_KERNEL + init_size) {
			vmm_log("initrd '%s' (%zu bytes) does not fit below %llu MiB", initrd, ilen,
				(unsigned long long)(top >> 20));
			goto out;
		}
		memcpy(gpa_to_hva(vm, addr, ilen), rd, ilen);
		st_le(bp + HDR_RAMDISK_IMAGE, 4, addr);
		st_le(bp + HDR_RAMDISK_SIZE, 4, ilen);
	}

	n = boot_e820((struct e820_entry *)(bp + BP_E820_TABLE), BP_E820_MAX, vm->ram_size,
		      vm->low_size);
	bp[BP_E820_ENTRIES] = (uint8_t)n;

	/* The MP table knows no hotplug: the vCPUs present at boot. */
	if (mptable_build(gpa_to_hva(vm, BOOT_MPTABLE, 0x10000), 0x10000, BOOT_MPTABLE,
			  vm->boot_cpus) < 0) {
		vmm_log("cannot build the MP table for %d vCPUs", vm->boot_cpus);
		goto out;
	}
	struct acpi_config acfg = {
		.ncpus = vm->boot_cpus,
		.pci_mmio_base = (uint32_t)GPA_PCI_MMIO,
		.pci_mmio_end = (uint32_t)GPA_PCI_MMIO_END,
		.max_cpus = vm->ncpus,
	};
	if (acpi_build(gpa_to_hva(vm, BOOT_ACPI, ACPI_SIZE), ACPI_SIZE, BOOT_ACPI, &acfg, NULL) <
	    0) {
		vmm_log("cannot build the ACPI tables for %d vCPUs", vm->ncpus);
		goto out;
	}
	/* Boot protocol 2.14 reads this; older kernels find RSDP by its scan. */
	st_le(bp + BP_ACPI_RSDP_ADDR, 8, BOOT_ACPI);
	if (setup_regs(vm, (uint32_t)ld_le(k + HDR_CODE32_START, 4)) < 0) {
		vmm_log("cannot set up the boot vCPU: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(k);
	free(rd);
	return ret;
}
