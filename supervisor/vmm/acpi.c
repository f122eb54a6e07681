// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables of the machine, written at start into the BIOS area:
 *
 *   RSDP -> XSDT -> FADT -> FACS, DSDT
 *                -> MADT
 *
 * The FADT describes a PM1-based machine (not hardware-reduced): PM1a
 * event and control blocks, a PM timer and GPE0 on I/O ports, an SCI on
 * ISA IRQ 9, the fixed-feature power button and a reset register. Every
 * ACPI-enabled Linux handles that model with drivers that are built in
 * (S5, S3, the SCI) or a module every distribution ships (button), whereas
 * hardware-reduced ACPI needs a GED device and a power button driver of its
 * own. The MADT lists every vCPU's local APIC, the I/O APIC with ISA IRQ n
 * on pin n (as KVM's default routing wires them), the SCI's override (level,
 * active high) and the local APIC NMI on LINT1; with --max-cpus, the vCPUs
 * not present at boot are listed disabled. The DSDT holds the PCI host
 * bridge, the processor objects and CPU hotplug (acpi_cpus.c) and the \_S3
 * and \_S5 sleep packages.
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "pci.h"
#include "vmm.h"

#define OEM_ID "VMON  "
#define OEM_TABLE "VMONVMM "
#define CREATOR "VMON"

#define HDR_LEN 36
#define FADT_LEN 276
#define FACS_LEN 64
#define MADT_LAPIC_ADDR 0xfee00000u
#define MADT_IOAPIC_ADDR 0xfec00000u

/* FADT flags (5.2.9, table 5.10) */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_SLP_BUTTON (1u << 5) /* set: no fixed-feature sleep button */
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)
/* IA-PC boot architecture flags */
#define BOOT_LEGACY_DEVICES (1u << 0)
#define BOOT_8042 (1u << 1)
#define BOOT_NO_VGA (1u << 2)

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	st_le(t + 4, 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE, 8);
	st_le(t + 24, 4, 1);
	memcpy(t + 28, CREATOR, 4);
	st_le(t + 32, 4, 1);
}

static void finish(uint8_t *t)
{
	t[9] = 0;
	t[9] = acpi_checksum(t, (size_t)ld_le(t + 4, 4));
}

/* A Generic Address Structure for an I/O port block. */
static void gas_io(uint8_t *g, uint16_t port, uint8_t bits, uint8_t access)
{
	g[0] = 1; /* system I/O */
	g[1] = bits;
	g[2] = 0;
	g[3] = access; /* 1 byte, 2 word, 3 dword */
	st_le(g + 4, 8, port);
}

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	memset(t, 0, FADT_LEN);
	header(t, "FACP", FADT_LEN, 6);
	/* FIRMWARE_CTRL and DSDT stay 0: the X_ fields below say it (5.2.9) */
	st_le(t + 46, 2, PM_SCI_IRQ);
	/* SMI_CMD 0: always in ACPI mode, SCI_EN reads as set. */
	st_le(t + 56, 4, PM1A_EVT);
	st_le(t + 64, 4, PM1A_CNT);
	st_le(t + 76, 4, PM_TMR);
	st_le(t + 80, 4, GPE0_BLK);
	t[88] = 4;		  /* PM1_EVT_LEN */
	t[89] = 2;		  /* PM1_CNT_LEN */
	t[91] = 4;		  /* PM_TMR_LEN */
	t[92] = 4;		  /* GPE0_BLK_LEN */
	st_le(t + 96, 2, 0x0fff); /* P_LVL2_LAT: no C2 */
	st_le(t + 98, 2, 0x0fff); /* P_LVL3_LAT: no C3 */
	st_le(t + 109, 2, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_NO_VGA);
	st_le(t + 112, 4,
	      FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP);
	gas_io(t + 116, PM_RESET, 8, 1);
	t[128] = PM_RESET_VALUE;
	t[131] = 0; /* minor version */
	st_le(t + 132, 8, facs);
	st_le(t + 140, 8, dsdt);
	gas_io(t + 148, PM1A_EVT, 32, 2);
	gas_io(t + 172, PM1A_CNT, 16, 2);
	gas_io(t + 208, PM_TMR, 32, 3);
	gas_io(t + 220, GPE0_BLK, 32, 1);
	memcpy(t + 268, "VMONVMM ", 8); /* hypervisor vendor identity */
	finish(t);
}

static void build_facs(uint8_t *t)
{
	memset(t, 0, FACS_LEN);
	memcpy(t, "FACS", 4);
	st_le(t + 4, 4, FACS_LEN);
	t[32] = 2; /* version */
}

/* Every possible vCPU; those beyond @ncpus disabled, for hot add. */
static uint32_t build_madt(uint8_t *t, int ncpus, int max_cpus)
{
	uint8_t *e = t + 44;

	memset(t, 0, 44);
	st_le(t + 36, 4, MADT_LAPIC_ADDR);
	st_le(t + 40, 4, 1); /* PCAT_COMPAT: the 8259s are there too */
	for (int i = 0; i < max_cpus; i++, e += 8) {
		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i;	    /* processor UID, the _UID of \_SB.Cnnn */
		e[3] = (uint8_t)i;	    /* APIC ID */
		st_le(e + 4, 4, i < ncpus); /* enabled */
	}
	e[0] = 1; /* I/O APIC */
	e[1] = 12;
	e[2] = (uint8_t)max_cpus; /* its ID, after every CPU's */
	e[3] = 0;
	st_le(e + 4, 4, MADT_IOAPIC_ADDR);
	st_le(e + 8, 4, 0); /* GSI base */
	e += 12;
	/* ISA IRQ 0 is pin 0: KVM's PIT raises GSI 0, routed to pin 0. */
	e[0] = 2; /* interrupt source override */
	e[1] = 10;
	e[2] = 0; /* ISA */
	e[3] = 0;
	st_le(e + 4, 4, 0);
	st_le(e + 8, 2, 0); /* conforming */
	e += 10;
	e[0] = 2;
	e[1] = 10;
	e[2] = 0;
	e[3] = PM_SCI_IRQ;
	st_le(e + 4, 4, PM_SCI_IRQ);
	st_le(e + 8, 2, 0x1 | 0x3 << 2); /* active high, level */
	e += 10;
	e[0] = 4; /* local APIC NMI, every processor, LINT1 */
	e[1] = 6;
	e[2] = 0xff;
	st_le(e + 3, 2, 0);
	e[5] = 1;
	e += 6;
	header(t, "APIC", (uint32_t)(e - t), 3);
	finish(t);
	return (uint32_t)(e - t);
}

/* Word address space descriptor (6.4.3.5.3): bus numbers or an I/O window. */
static void res_word(struct aml *a, uint8_t type, uint16_t min, uint16_t max)
{
	uint8_t d[16] = { 0x88, 13, 0, type, 0x0c, type == 1 ? 0x03 : 0 };

	st_le(d + 8, 2, min);
	st_le(d + 10, 2, max);
	st_le(d + 14, 2, (uint16_t)(max - min + 1));
	aml_bytes(a, d, sizeof(d));
}

static void res_dword_mem(struct aml *a, uint32_t min, uint32_t max)
{
	uint8_t d[26] = { 0x87, 23, 0, 0, 0x0c, 0x01 }; /* memory, read-write */

	st_le(d + 10, 4, min);
	st_le(d + 14, 4, max);
	st_le(d + 22, 4, max - min + 1);
	aml_bytes(a, d, sizeof(d));
}

static void pci_host_bridge(struct aml *a, const struct acpi_config *cfg)
{
	static const uint8_t cfg_ports[] = { 0x47, 1, 0xf8, 0x0c, 0xf8, 0x0c, 1, 8 };
	static const uint8_t end[] = { 0x79, 0 };
	struct aml crs = { 0 };
	size_t dev, prt;

	dev = aml_device(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_int(a, aml_eisaid("PNP0A08"));
	aml_name_decl(a, "_CID");
	aml_int(a, aml_eisaid("PNP0A03"));
	aml_name_decl(a, "_SEG");
	aml_int(a, 0);
	aml_name_decl(a, "_BBN");
	aml_int(a, 0);
	aml_name_decl(a, "_UID");
	aml_int(a, 0);

	res_word(&crs, 2, 0, 0); /* bus 0 only */
	aml_bytes(&crs, cfg_ports, sizeof(cfg_ports));
	res_word(&crs, 1, 0x0000, 0x0cf7);
	res_word(&crs, 1, 0x0d00, 0xffff);
	res_dword_mem(&crs, cfg->pci_mmio_base, cfg->pci_mmio_end - 1);
	aml_bytes(&crs, end, sizeof(end));
	if (crs.oom)
		a->oom = true;
	else
		aml_name_buffer(a, "_CRS", crs.buf, crs.len);
	aml_free(&crs);

	/* _PRT: slot s, pin p (INTA..INTD) -> GSI pci_intx_gsi(s, p). */
	aml_name_decl(a, "_PRT");
	prt = aml_package(a, (PCI_MAX_DEVS - 1) * 4);
	for (int s = 1; s < PCI_MAX_DEVS; s++) {
		for (int p = 0; p < 4; p++) {
			size_t e = aml_package(a, 4);

			aml_int(a, (uint32_t)s << 16 | 0xffff);
			aml_int(a, (uint64_t)p);
			aml_int(a, 0);
			aml_int(a, pci_intx_gsi(s, p));
			aml_close(a, e);
		}
	}
	aml_close(a, prt);
	aml_close(a, dev);
}

static void sleep_state(struct aml *a, const char *name, uint8_t typ)
{
	size_t pkg;

	aml_name_decl(a, name);
	pkg = aml_package(a, 4);
	aml_int(a, typ); /* PM1a_CNT.SLP_TYP */
	aml_int(a, typ); /* PM1b (none) */
	aml_int(a, 0);
	aml_int(a, 0);
	aml_close(a, pkg);
}

/* The DSDT's AML (without its header) into @a. */
static void build_dsdt_aml(struct aml *a, const struct acpi_config *cfg, int max_cpus)
{
	size_t sb = aml_scope(a, "\\_SB");

	pci_host_bridge(a, cfg);
	aml_close(a, sb);
	acpi_cpus_aml(a, cfg->ncpus, max_cpus);
	sleep_state(a, "\\_S3", SLP_TYP_S3);
	sleep_state(a, "\\_S5", SLP_TYP_S5);
}

static uint32_t align(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void build_rsdp(uint8_t *t, uint32_t xsdt)
{
	memset(t, 0, 36);
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, OEM_ID, 6);
	t[15] = 2; /* ACPI 2.0+: XSDT */
	st_le(t + 20, 4, 36);
	st_le(t + 24, 8, xsdt);
	t[8] = acpi_checksum(t, 20);
	t[32] = acpi_checksum(t, 36);
}

int acpi_build(uint8_t *buf, size_t len, uint32_t gpa, const struct acpi_config *cfg,
	       struct acpi_layout *lay)
{
	int max_cpus = cfg->max_cpus ? cfg->max_cpus : cfg->ncpus;
	struct aml dsdt = { 0 };
	struct acpi_layout l;
	uint32_t madt_len;

	/* the hotplug registers hold 64 vCPUs */
	if (cfg->ncpus < 1 || cfg->ncpus > 254 || max_cpus < cfg->ncpus ||
	    (max_cpus > cfg->ncpus && max_cpus > 64) || max_cpus > 254 ||
	    cfg->pci_mmio_end <= cfg->pci_mmio_base)
		return -1;
	build_dsdt_aml(&dsdt, cfg, max_cpus);
	l.rsdp = 0;
	l.facs = 64;
	l.xsdt = l.facs + FACS_LEN;
	l.fadt = align(l.xsdt + HDR_LEN + 16, 16);
	l.madt = align(l.fadt + FADT_LEN, 16);
	madt_len = 44 + 8 * (uint32_t)max_cpus + 12 + 10 * 2 + 6;
	l.dsdt = align(l.madt + madt_len, 16);
	l.size = l.dsdt + HDR_LEN + (uint32_t)dsdt.len;
	if (dsdt.oom || l.size > len) {
		aml_free(&dsdt);
		return -1;
	}
	memset(buf, 0, l.size);
	build_rsdp(buf + l.rsdp, gpa + l.xsdt);
	build_facs(buf + l.facs);
	header(buf + l.xsdt, "XSDT", HDR_LEN + 16, 1);
	st_le(buf + l.xsdt + HDR_LEN, 8, gpa + l.fadt);
	st_le(buf + l.xsdt + HDR_LEN + 8, 8, gpa + l.madt);
	finish(buf + l.xsdt);
	build_fadt(buf + l.fadt, gpa + l.facs, gpa + l.dsdt);
	build_madt(buf + l.madt, cfg->ncpus, max_cpus);
	header(buf + l.dsdt, "DSDT", HDR_LEN + (uint32_t)dsdt.len, 2);
	memcpy(buf + l.dsdt + HDR_LEN, dsdt.buf, dsdt.len);
	finish(buf + l.dsdt);
	aml_free(&dsdt);
	if (lay)
		*lay = l;
	return (int)l.size;
}
