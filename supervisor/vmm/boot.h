/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct boot of a bzImage: the Linux x86 boot protocol, the e820 map and
 * the MP table. The layout builders work on plain buffers so that the unit
 * tests can check them without KVM.
 */
#ifndef VMON_VMM_BOOT_H
#define VMON_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Guest physical addresses used by the boot. */
#define BOOT_GDT 0x500
#define BOOT_PARAMS 0x7000
#define BOOT_CMDLINE 0x20000
#define BOOT_CMDLINE_MAX 0x10000
#define BOOT_EBDA 0x9fc00
#define BOOT_ACPI 0xe0000 /* ACPI tables (acpi.h), RSDP first */
#define BOOT_MPTABLE 0xf0000
#define BOOT_KERNEL 0x100000

/* struct boot_params offsets (Documentation/arch/x86/zero-page.rst). */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_SETUP_HDR 0x1f1
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define BP_SIZE 0x1000

/* Setup header fields, as offsets in the boot_params page. */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260

#define E820_RAM 1
#define E820_RESERVED 2

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/*
 * Fill @tab with the guest's memory map for @ram bytes of RAM of which
 * @low lie below the PCI hole. Returns the number of entries.
 */
int boot_e820(struct e820_entry *tab, int max, uint64_t ram, uint64_t low);

/*
 * Write an MP floating pointer and configuration table for @ncpus CPUs
 * into @buf, which the guest sees at @gpa. Returns the bytes used, or -1
 * when @len is too small.
 */
int mptable_build(uint8_t *buf, size_t len, uint32_t gpa, int ncpus);

/* Load @kernel, @initrd (may be NULL) and @cmdline, and set up vCPU 0. */
int boot_linux(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline);

/*
 * keep.c: keep @path open for later boots (a reset under the sandbox); open
 * a file to boot from, the kept fd (rewound) when there is one.
 */
int boot_keep(const char *path);
int boot_open(const char *path);

#endif /* VMON_VMM_BOOT_H */
