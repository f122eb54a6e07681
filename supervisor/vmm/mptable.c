// SPDX-License-Identifier: GPL-2.0
/*
 * The MP table (Intel MultiProcessor Specification 1.4): how a guest
 * without ACPI finds its CPUs, its I/O APIC and the routing of the ISA
 * interrupts. PCI devices use MSI-X only, so no PCI interrupt entries.
 */
#include <cpuid.h>
#include <string.h>

#include "boot.h"

#define MP_APIC_VERSION 0x14
#define MP_IOAPIC_VERSION 0x11
#define MP_LAPIC_ADDR 0xfee00000u
#define MP_IOAPIC_ADDR 0xfec00000u
#define MP_BUS_ISA 0
#define MP_BUS_PCI 1

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

int mptable_build(uint8_t *buf, size_t len, uint32_t gpa, int ncpus)
{
	const int nirq = 16;
	size_t cfg_len = 44 + 20 * (size_t)ncpus + 8 * 2 + 8 + 8 * (size_t)nirq + 8 * 2;
	uint8_t *fp = buf, *cfg = buf + 16, *e;
	unsigned int eax = 0, ebx, ecx, edx = 0;
	uint16_t count = 0;
	uint8_t ioapic_id = (uint8_t)ncpus;

	if (ncpus < 1 || ncpus > 254 || len < 16 + cfg_len)
		return -1;
	memset(buf, 0, 16 + cfg_len);
	__get_cpuid(1, &eax, &ebx, &ecx, &edx);

	/* Floating pointer: points at the configuration table after it. */
	memcpy(fp, "_MP_", 4);
	put32(fp + 4, gpa + 16);
	fp[8] = 1; /* length in 16-byte units */
	fp[9] = 4; /* spec revision 1.4 */
	fp[10] = checksum(fp, 16);

	/* Configuration table header. */
	memcpy(cfg, "PCMP", 4);
	put16(cfg + 4, (uint16_t)cfg_len);
	cfg[6] = 4;
	memcpy(cfg + 8, "VMON    ", 8);
	memcpy(cfg + 16, "VMON-VMM    ", 12);
	put32(cfg + 36, MP_LAPIC_ADDR);
	e = cfg + 44;

	for (int i = 0; i < ncpus; i++, count++, e += 20) {
		e[0] = 0; /* processor */
		e[1] = (uint8_t)i;
		e[2] = MP_APIC_VERSION;
		e[3] = 1 | (i == 0 ? 2 : 0); /* enabled, bootstrap */
		put32(e + 4, eax);
		put32(e + 8, edx);
	}
	e[0] = 1; /* bus */
	e[1] = MP_BUS_PCI;
	memcpy(e + 2, "PCI   ", 6);
	e += 8, count++;
	e[0] = 1;
	e[1] = MP_BUS_ISA;
	memcpy(e + 2, "ISA   ", 6);
	e += 8, count++;
	e[0] = 2; /* I/O APIC */
	e[1] = ioapic_id;
	e[2] = MP_IOAPIC_VERSION;
	e[3] = 1;
	put32(e + 4, MP_IOAPIC_ADDR);
	e += 8, count++;
	/* ISA IRQ n is I/O APIC pin n, as KVM's in-kernel irqchip wires it. */
	for (int irq = 0; irq < nirq; irq++, e += 8, count++) {
		e[0] = 3; /* I/O interrupt */
		e[1] = 0; /* INT */
		e[4] = MP_BUS_ISA;
		e[5] = (uint8_t)irq;
		e[6] = ioapic_id;
		e[7] = (uint8_t)irq;
	}
	e[0] = 4; /* local interrupt: ExtINT on LINT0 */
	e[1] = 3;
	e[4] = MP_BUS_ISA;
	e[6] = 0xff;
	e[7] = 0;
	e += 8, count++;
	e[0] = 4; /* NMI on LINT1 */
	e[1] = 1;
	e[4] = MP_BUS_ISA;
	e[6] = 0xff;
	e[7] = 1;
	e += 8, count++;

	put16(cfg + 34, count);
	cfg[7] = checksum(cfg, cfg_len);
	return (int)(16 + cfg_len);
}
