/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ACPI machine: tables generated at start (acpi.c), a small AML encoder
 * for the DSDT (acpi_aml.c) and the PM1-based power model's registers
 * (pm.c). Documentation/vmm.rst describes the machine.
 */
#ifndef VMON_VMM_ACPI_H
#define VMON_VMM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* Where the tables live: the BIOS area, where a guest also scans for RSDP. */
#define ACPI_BASE 0xe0000u
#define ACPI_SIZE 0x10000u

/* The PM1 register blocks and friends, on I/O ports. */
#define PM_IO_BASE 0x600
#define PM1A_EVT (PM_IO_BASE + 0x0)  /* PM1_STS (2) + PM1_EN (2) */
#define PM1A_CNT (PM_IO_BASE + 0x4)  /* 2 bytes */
#define PM_TMR (PM_IO_BASE + 0x8)    /* 4 bytes, 32-bit timer at 3.579545 MHz */
#define PM_RESET (PM_IO_BASE + 0xc)  /* 1 byte: the FADT reset register */
#define GPE0_BLK (PM_IO_BASE + 0x10) /* GPE0_STS (2) + GPE0_EN (2) */
#define PM_IO_LEN 0x14
/* CPU hotplug (acpi_cpus.c, cpu_hotplug.c): PRS0, PRS1, RMR0, RMR1, EJCT. */
#define CPUHP_IO (PM_IO_BASE + 0x20)
#define CPUHP_IO_LEN 0x14
#define CPUHP_GPE 2 /* GPE0 bit: \_GPE._E02 scans */
#define PM_RESET_VALUE 0x01
#define PM_SCI_IRQ 9

/* PM1 bits (ACPI 6.x, 4.8.3.1 and 4.8.3.2). */
#define PM1_TMR_STS (1u << 0)
#define PM1_PWRBTN_STS (1u << 8)
#define PM1_WAK_STS (1u << 15)
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)

/* The SLP_TYP values of our \_S3 and \_S5 packages. */
#define SLP_TYP_S3 3
#define SLP_TYP_S5 5

/* Growable AML byte buffer. */
struct aml {
	uint8_t *buf;
	size_t len, cap;
	bool oom;
};

void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);
/* A NameString: "\\_SB", "PCI0", "\\_SB.PCI0" (segments padded with '_'). */
void aml_name(struct aml *a, const char *path);
/* An integer as the shortest of Zero/One/Byte/Word/DWord/QWord. */
void aml_int(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* EisaId("PNP0A08") as its 32-bit integer. */
uint32_t aml_eisaid(const char *id);
/*
 * Opening and closing of a construct with a PkgLength: Scope, Device,
 * Package, Buffer. Open returns the mark that close needs.
 */
size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen);
void aml_close(struct aml *a, size_t mark);
size_t aml_scope(struct aml *a, const char *name);
size_t aml_device(struct aml *a, const char *name);
size_t aml_package(struct aml *a, uint8_t count);
/* Name(NAME, ...): the caller then emits the object. */
void aml_name_decl(struct aml *a, const char *name);
/* Name(NAME, Buffer () { bytes }) */
void aml_name_buffer(struct aml *a, const char *name, const uint8_t *p, size_t n);
/* Method(NAME, nargs, Serialized|NotSerialized) { ... }: close it. */
size_t aml_method(struct aml *a, const char *name, uint8_t nargs, bool serialized);
/* If (predicate) { ... }: the caller emits the predicate, the body, closes it. */
size_t aml_if(struct aml *a);
/* The opcodes of Return, Store, And and XOr: the caller emits the operands. */
void aml_return(struct aml *a);
void aml_store(struct aml *a);
void aml_and(struct aml *a);
void aml_xor(struct aml *a);
/* Notify (PATH, value) */
void aml_notify(struct aml *a, const char *path, uint8_t value);
/* No target (the result of And or XOr only used as an operand). */
void aml_null_target(struct aml *a);
/* Local0 .. Local7 */
void aml_local(struct aml *a, unsigned int n);
/* OperationRegion (NAME, SystemIO, port, len) */
void aml_opregion_io(struct aml *a, const char *name, uint16_t port, uint16_t len);
/* Field (REGION, DWordAcc, NoLock, WriteAsZeros) { NAME, 32, ... } */
void aml_field_dwords(struct aml *a, const char *region, const char *const *names, size_t n);
void aml_free(struct aml *a);

struct acpi_config {
	int ncpus;			      /* present at boot */
	uint32_t pci_mmio_base, pci_mmio_end; /* the host bridge's memory window */
	int max_cpus;			      /* what hot add can reach; 0: ncpus, no hotplug */
};

/* acpi_cpus.c: the processor objects and CPU hotplug, into the DSDT. */
void acpi_cpus_aml(struct aml *a, int ncpus, int max_cpus);

/* Offsets of the tables in the area acpi_build wrote (for the tests). */
struct acpi_layout {
	uint32_t rsdp, facs, xsdt, fadt, madt, dsdt;
	uint32_t size;
};

/*
 * Write RSDP, XSDT, FADT, FACS, MADT and DSDT for @cfg into @buf, which the
 * guest sees at @gpa. Returns the bytes used, or -1 (too small, bad config).
 */
int acpi_build(uint8_t *buf, size_t len, uint32_t gpa, const struct acpi_config *cfg,
	       struct acpi_layout *lay);
uint8_t acpi_checksum(const uint8_t *p, size_t len);

/* pm.c: the power-management device. */
enum pm_event {
	PM_EV_NONE,
	PM_EV_POWEROFF, /* the guest entered S5 */
	PM_EV_SUSPEND,	/* the guest entered S3 */
	PM_EV_RESET,	/* the guest wrote the reset register */
};

struct pm_regs {
	uint16_t sts, en, cnt, gpe_sts, gpe_en;
	uint8_t suspended;
	uint8_t pad;
};

int pm_init(struct vm *vm);
/* Register access as the guest makes it (unit tested without KVM). */
enum pm_event pm_io(struct pm_regs *r, uint16_t port, uint8_t *data, int size, bool write,
		    uint32_t tmr);
bool pm_sci_level(const struct pm_regs *r);
/* Press the power button; false when the guest has not enabled it. */
bool pm_power_button(void);
/* Wake a guest in S3: vCPU 0 at the FACS waking vector. -1 and @err if not. */
int pm_wakeup(struct vm *vm, char *err, size_t errlen);
bool pm_suspended(void);
bool pm_button_enabled(void);
/* Set GPE0 status bit @bit and raise the SCI if the guest enabled it. */
void pm_gpe_raise(unsigned int bit);
size_t pm_save(void *buf, size_t len);
int pm_load(const void *buf, size_t len);
void pm_reset(void);

/* The mask of vCPUs 0 to @n - 1 (the present ones at boot). */
static inline uint64_t cpu_mask_first(int n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/* cpu_hotplug.c: which vCPUs are present; the device lock held. */
int cpuhp_init(struct vm *vm);
bool cpuhp_present(int id);
int cpuhp_count(void);
/* set-vcpus: add or ask to remove vCPUs until @count; -1 and @err if not. */
int cpuhp_set_vcpus(struct vm *vm, int count, char *err, size_t errlen);
/* The guest's _EJ0 for vCPU @id ran: it is gone. */
void cpuhp_eject(unsigned int id);
/* Register access at CPUHP_IO + @off, as the guest makes it. */
void cpuhp_io(uint64_t off, uint8_t *data, int size, bool write);
size_t cpuhp_save(void *buf, size_t len);
int cpuhp_load(struct vm *vm, const void *buf, size_t len);

#endif /* VMON_VMM_ACPI_H */
