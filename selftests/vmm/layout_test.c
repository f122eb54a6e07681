// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm boot layout and PCI, without KVM: the e820 map, the MP table and
 * its checksums, configuration mechanism #1 and BAR sizing.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../../supervisor/vmm/boot.h"
#include "../../supervisor/vmm/pci.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

TEST(e820_small_guest)
{
	struct e820_entry t[8];
	int n = boot_e820(t, 8, 256 << 20, 256 << 20);

	ASSERT_EQ(4, n);
	EXPECT_EQ(0, t[0].addr);
	EXPECT_EQ(E820_RAM, t[0].type);
	EXPECT_EQ(BOOT_EBDA, t[0].addr + t[0].size);
	/* The MP table lives in a reserved range. */
	EXPECT_EQ(E820_RESERVED, t[2].type);
	EXPECT_LE(t[2].addr, BOOT_MPTABLE);
	EXPECT_GE(t[2].addr + t[2].size, BOOT_MPTABLE + 0x1000);
	EXPECT_EQ(BOOT_KERNEL, t[3].addr);
	EXPECT_EQ(256 << 20, t[3].addr + t[3].size);
	for (int i = 1; i < n; i++)
		EXPECT_LE(t[i - 1].addr + t[i - 1].size, t[i].addr);
}

TEST(e820_large_guest_splits_at_the_pci_hole)
{
	struct e820_entry t[8];
	uint64_t ram = 6ULL << 30;
	int n = boot_e820(t, 8, ram, GPA_LOW_LIMIT);

	ASSERT_EQ(5, n);
	EXPECT_EQ(GPA_LOW_LIMIT, t[3].addr + t[3].size);
	EXPECT_EQ(GPA_HIGH, t[4].addr);
	EXPECT_EQ(ram - GPA_LOW_LIMIT, t[4].size);
	EXPECT_EQ(-1, boot_e820(t, 3, ram, GPA_LOW_LIMIT));
}

TEST(mptable_checksums_and_entries)
{
	uint8_t buf[4096];
	int len = mptable_build(buf, sizeof(buf), BOOT_MPTABLE, 4);
	uint8_t *cfg = buf + 16;
	uint16_t cfg_len;

	ASSERT_GT(len, 16);
	EXPECT_EQ(0, memcmp(buf, "_MP_", 4));
	EXPECT_EQ(0, sum(buf, 16));
	EXPECT_EQ(BOOT_MPTABLE + 16, ld_le(buf + 4, 4));
	EXPECT_EQ(0, memcmp(cfg, "PCMP", 4));
	cfg_len = (uint16_t)ld_le(cfg + 4, 2);
	EXPECT_EQ(len - 16, cfg_len);
	EXPECT_EQ(0, sum(cfg, cfg_len));
	/* 4 CPUs, 2 buses, 1 I/O APIC, 16 ISA IRQs, 2 local interrupts. */
	EXPECT_EQ(4 + 2 + 1 + 16 + 2, ld_le(cfg + 34, 2));
	EXPECT_EQ(0xfee00000, ld_le(cfg + 36, 4));
	/* Processor 0 is the enabled bootstrap processor, 3 is not. */
	EXPECT_EQ(3, cfg[44 + 3]);
	EXPECT_EQ(3, cfg[44 + 20 * 3 + 1]);
	EXPECT_EQ(1, cfg[44 + 20 * 3 + 3]);
}

TEST(mptable_rejects_what_does_not_fit)
{
	uint8_t buf[4096];

	EXPECT_EQ(-1, mptable_build(buf, 64, BOOT_MPTABLE, 4));
	EXPECT_EQ(-1, mptable_build(buf, sizeof(buf), BOOT_MPTABLE, 0));
	EXPECT_EQ(-1, mptable_build(buf, sizeof(buf), BOOT_MPTABLE, 255));
}

static uint32_t conf1_read(struct vm *vm, uint32_t addr, int size)
{
	uint8_t d[4];

	st_le(d, 4, addr);
	io_dispatch_pio(vm, 0xcf8, d, 4, true);
	io_dispatch_pio(vm, (uint16_t)(0xcfc + (addr & 3)), d, size, false);
	return (uint32_t)ld_le(d, size);
}

static void conf1_write(struct vm *vm, uint32_t addr, uint32_t v, int size)
{
	uint8_t d[4];

	st_le(d, 4, addr & ~3u);
	io_dispatch_pio(vm, 0xcf8, d, 4, true);
	st_le(d, size, v);
	io_dispatch_pio(vm, (uint16_t)(0xcfc + (addr & 3)), d, size, true);
}

static void nop_bar(void *o, uint64_t off, uint8_t *data, int size, bool write)
{
	(void)o;
	(void)off;
	(void)write;
	memset(data, 0x5a, (size_t)size);
}

TEST(pci_conf1_and_bars)
{
	static struct vm vm;
	static struct pci_dev dev;
	uint32_t slot_addr;

	ASSERT_EQ(0, pci_init(&vm));
	/* Slot 0 is the host bridge, found the way Linux probes. */
	EXPECT_EQ(0x00081b36, conf1_read(&vm, 0x80000000, 4));
	EXPECT_EQ(0x06, conf1_read(&vm, 0x8000000b, 1));
	/* The address latch reads back. */
	uint8_t d[4];
	st_le(d, 4, 0x80000000);
	io_dispatch_pio(&vm, 0xcf8, d, 4, true);
	memset(d, 0, 4);
	io_dispatch_pio(&vm, 0xcf8, d, 4, false);
	EXPECT_EQ(0x80000000, ld_le(d, 4));

	pci_dev_init(&dev, 0x1af4, 0x1044, 0x00ff00);
	pci_set_bar(&dev, 0, 0x8000, nop_bar, NULL);
	ASSERT_EQ(0, pci_register(&dev));
	EXPECT_EQ(1, dev.slot);
	slot_addr = 0x80000000u | (uint32_t)dev.slot << 11;
	EXPECT_EQ(0x10441af4, conf1_read(&vm, slot_addr, 4));
	/* Empty slots, other buses and a clear enable bit read all ones. */
	EXPECT_EQ(0xffffffff, conf1_read(&vm, 0x80000000u | 9 << 11, 4));
	EXPECT_EQ(0xffffffff, conf1_read(&vm, 0x80010000u, 4));
	EXPECT_EQ(0xffffffff, conf1_read(&vm, 0x00000000u, 4));

	/* The vendor is read-only; the command register has 3 writable bits. */
	conf1_write(&vm, slot_addr, 0xffffffff, 2);
	EXPECT_EQ(0x1af4, conf1_read(&vm, slot_addr, 2));
	conf1_write(&vm, slot_addr + 4, 0xffff, 2);
	EXPECT_EQ(0x0407, conf1_read(&vm, slot_addr + 4, 2));

	/* BAR sizing: all ones back as the size mask, then a new address. */
	uint32_t bar0 = conf1_read(&vm, slot_addr + 0x10, 4);
	EXPECT_GE(bar0, GPA_PCI_MMIO);
	EXPECT_EQ(0, bar0 & 0x7fff);
	conf1_write(&vm, slot_addr + 0x10, 0xffffffff, 4);
	EXPECT_EQ(0xffff8000, conf1_read(&vm, slot_addr + 0x10, 4));
	conf1_write(&vm, slot_addr + 0x10, 0xd0001234, 4);
	EXPECT_EQ(0xd0000000, conf1_read(&vm, slot_addr + 0x10, 4));
	EXPECT_EQ(0xd0000000, dev.bar[0].addr);
	/* An unused BAR stays zero. */
	conf1_write(&vm, slot_addr + 0x14, 0xffffffff, 4);
	EXPECT_EQ(0, conf1_read(&vm, slot_addr + 0x14, 4));

	/* MMIO reaches the BAR only while memory decoding is on. */
	uint8_t m[4] = { 0 };
	io_dispatch_mmio(&vm, 0xd0000010, m, 4, false);
	EXPECT_EQ(0x5a5a5a5a, ld_le(m, 4));
	conf1_write(&vm, slot_addr + 4, 0, 2);
	io_dispatch_mmio(&vm, 0xd0000010, m, 4, false);
	EXPECT_EQ(0xffffffff, ld_le(m, 4));
}

TEST_HARNESS_MAIN
