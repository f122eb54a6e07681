// SPDX-License-Identifier: GPL-2.0
/*
 * The processor objects of the DSDT and, when the VM can have more vCPUs
 * than it boots with (--max-cpus), CPU hot add and remove:
 *
 *   \_SB.Cnnn    one ACPI0007 device per possible vCPU, _UID n, APIC ID n.
 *                With hotplug: _STA says present from the VMM's PRSx bit,
 *                _MAT gives the enabled local APIC entry (the MADT lists the
 *                absent vCPUs disabled, and Linux maps a hot-added CPU's
 *                APIC ID from _MAT), _EJ0 (not on vCPU 0) tells the VMM
 *                that the guest let the vCPU go.
 *   \_SB.CSCN    the scan: Notify(Cnnn, 1) ("device check": the guest adds
 *                it) for every vCPU present now that was not at the last
 *                scan (CPS0/CPS1 remember), Notify(Cnnn, 3) ("eject
 *                request": the guest offlines it, then calls _EJ0) for every
 *                vCPU the VMM asks to remove (RMRx).
 *   \_GPE._E02   GPE0 bit 2 (CPUHP_GPE), which the VMM raises after a change:
 *                the scan.
 *
 * The registers (cpu_hotplug.c), dwords on I/O ports from CPUHP_IO: PRS0/PRS1
 * (present, vCPUs 0-31 and 32-63), RMR0/RMR1 (removal asked), EJCT (write:
 * the vCPU whose _EJ0 ran).
 */
#include <stdio.h>

#include "acpi.h"

static void cpu_name(char name[5], int i)
{
	snprintf(name, 5, "C%03X", (unsigned int)i & 0xfff);
}

/* And (REG, bit, Zero): REG is PRS0/PRS1 or a local holding one. */
static void test_bit(struct aml *a, const char *reg, int local, int i)
{
	aml_and(a);
	if (reg)
		aml_name(a, reg);
	else
		aml_local(a, (unsigned int)local + (i >= 32));
	aml_int(a, 1ULL << (i % 32));
	aml_null_target(a);
}

static const char *half(const char *pair[2], int i)
{
	return pair[i >= 32];
}

static void cpu_device(struct aml *a, int i, bool hotplug)
{
	static const char *prs[2] = { "PRS0", "PRS1" }, *cps[2] = { "CPS0", "CPS1" };
	uint8_t mat[8] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 };
	size_t dev, m, f;
	char name[5];

	cpu_name(name, i);
	dev = aml_device(a, name);
	aml_name_decl(a, "_HID");
	aml_string(a, "ACPI0007");
	aml_name_decl(a, "_UID");
	aml_int(a, (uint64_t)i);
	if (!hotplug) {
		aml_close(a, dev);
		return;
	}
	/* Method (_STA) { If (And (PRSx, bit)) { Return (0x0F) } Return (Zero) } */
	m = aml_method(a, "_STA", 0, false);
	f = aml_if(a);
	test_bit(a, half(prs, i), 0, i);
	aml_return(a);
	aml_int(a, 0x0f);
	aml_close(a, f);
	aml_return(a);
	aml_int(a, 0);
	aml_close(a, m);
	aml_name_buffer(a, "_MAT", mat, sizeof(mat));
	if (i) {
		/* Method (_EJ0, 1) { Store (i, EJCT) And (CPSx, ~bit, CPSx) } */
		m = aml_method(a, "_EJ0", 1, false);
		aml_store(a);
		aml_int(a, (uint64_t)i);
		aml_name(a, "EJCT");
		aml_and(a);
		aml_name(a, half(cps, i));
		aml_int(a, ~(1ULL << (i % 32)) & 0xffffffffULL);
		aml_name(a, half(cps, i));
		aml_close(a, m);
	}
	aml_close(a, dev);
}

/* Store (SRC, Local@dst), SRC a name. */
static void store_name(struct aml *a, const char *src, unsigned int dst)
{
	aml_store(a);
	aml_name(a, src);
	aml_local(a, dst);
}

static void scan_method(struct aml *a, int max_cpus)
{
	size_t m = aml_method(a, "CSCN", 0, true), f;
	char name[5];

	/* Local0/1: present now; Local2/3: present now, not at the last scan */
	store_name(a, "PRS0", 0);
	store_name(a, "PRS1", 1);
	for (unsigned int h = 0; h < 2; h++) {
		aml_store(a);
		aml_and(a);
		aml_xor(a);
		aml_local(a, h);
		aml_name(a, h ? "CPS1" : "CPS0");
		aml_null_target(a);
		aml_local(a, h);
		aml_null_target(a);
		aml_local(a, 2 + h);
	}
	for (unsigned int h = 0; h < 2; h++) {
		aml_store(a);
		aml_local(a, h);
		aml_name(a, h ? "CPS1" : "CPS0");
	}
	/* Local4/5: removal asked */
	store_name(a, "RMR0", 4);
	store_name(a, "RMR1", 5);
	for (int i = 0; i < max_cpus; i++) {
		cpu_name(name, i);
		f = aml_if(a);
		test_bit(a, NULL, 2, i);
		aml_notify(a, name, 1);
		aml_close(a, f);
		if (!i)
			continue;
		f = aml_if(a);
		test_bit(a, NULL, 4, i);
		aml_notify(a, name, 3);
		aml_close(a, f);
	}
	aml_close(a, m);
}

void acpi_cpus_aml(struct aml *a, int ncpus, int max_cpus)
{
	static const char *const regs[] = { "PRS0", "PRS1", "RMR0", "RMR1", "EJCT" };
	bool hotplug = max_cpus > ncpus;
	uint64_t boot = cpu_mask_first(ncpus);
	char gpe[5];
	size_t sc, m;

	sc = aml_scope(a, "\\_SB");
	if (hotplug) {
		aml_opregion_io(a, "CPHP", CPUHP_IO, CPUHP_IO_LEN);
		aml_field_dwords(a, "CPHP", regs, sizeof(regs) / sizeof(regs[0]));
		aml_name_decl(a, "CPS0");
		aml_int(a, boot & 0xffffffffULL);
		aml_name_decl(a, "CPS1");
		aml_int(a, boot >> 32);
		scan_method(a, max_cpus);
	}
	for (int i = 0; i < max_cpus; i++)
		cpu_device(a, i, hotplug);
	aml_close(a, sc);
	if (!hotplug)
		return;
	sc = aml_scope(a, "\\_GPE");
	snprintf(gpe, sizeof(gpe), "_E%02X", CPUHP_GPE); /* edge-triggered */
	m = aml_method(a, gpe, 0, false);
	aml_name(a, "\\_SB.CSCN");
	aml_close(a, m);
	aml_close(a, sc);
}
