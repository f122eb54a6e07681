// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI power-management registers of the PM1-based machine (acpi.c):
 * PM1a event (status, enable) and control, the PM timer, GPE0 and the reset
 * register, and the SCI they raise on ISA IRQ 9 (level, active high).
 *
 *   the power button   PWRBTN_STS; the guest's button driver enables it
 *   S5                 SLP_TYP 5 + SLP_EN: the VM powers off
 *   S3                 SLP_TYP 3 + SLP_EN: the vCPUs park, "pmsuspended";
 *                      a wakeup (or the power button) sets WAK_STS and lets
 *                      them run on. The CPU context is kept, so the guest
 *                      returns from its sleep call: Linux's S3 entry code
 *                      then restores its saved processor state and resumes
 *                      its devices as after a firmware wake.
 *   reset              RESET_VALUE to the reset register: a reboot
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acpi.h"
#include "vmm.h"

#define PM_TIMER_HZ 3579545ULL
/*
 * The PM1_EN bits that hold what the guest writes (ACPICA reads an enable
 * back to check it): TMR, GBL, PWRBTN, SLPBTN, RTC and PCIEXP_WAKE_DIS. Only
 * the timer and the power button ever raise their status here.
 */
#define PM1_EN_BITS 0x4721

static struct pm_regs regs;
static struct vm *pm_vm;

bool pm_sci_level(const struct pm_regs *r)
{
	return (r->sts & r->en & (PM1_TMR_STS | PM1_PWRBTN_STS)) || (r->gpe_sts & r->gpe_en);
}

static uint8_t read_byte(const struct pm_regs *r, unsigned int off, uint32_t tmr)
{
	uint16_t cnt = r->cnt | PM1_SCI_EN;

	switch (off) {
	case 0x0 ... 0x1:
		return (uint8_t)(r->sts >> (8 * (off & 1)));
	case 0x2 ... 0x3:
		return (uint8_t)(r->en >> (8 * (off & 1)));
	case 0x4 ... 0x5:
		return (uint8_t)(cnt >> (8 * (off & 1)));
	case 0x8 ... 0xb:
		return (uint8_t)(tmr >> (8 * (off - 8)));
	case 0x10 ... 0x11:
		return (uint8_t)(r->gpe_sts >> (8 * (off & 1)));
	case 0x12 ... 0x13:
		return (uint8_t)(r->gpe_en >> (8 * (off & 1)));
	default:
		return 0;
	}
}

static uint16_t set_byte(uint16_t v, unsigned int hi, uint8_t b)
{
	return hi ? (uint16_t)((v & 0x00ff) | b << 8) : (uint16_t)((v & 0xff00) | b);
}

/* One byte written; returns the event a write of SLP_EN or the reset causes. */
static enum pm_event write_byte(struct pm_regs *r, unsigned int off, uint8_t b)
{
	unsigned int hi = off & 1;

	switch (off) {
	case 0x0 ... 0x1: /* write 1 to clear */
		r->sts &= (uint16_t) ~((unsigned int)b << (8 * hi));
		break;
	case 0x2 ... 0x3:
		r->en = set_byte(r->en, hi, b) & PM1_EN_BITS;
		break;
	case 0x4 ... 0x5:
		r->cnt = set_byte(r->cnt, hi, b) & (uint16_t)~PM1_SLP_EN;
		if (hi && (b << 8 & PM1_SLP_EN)) {
			unsigned int typ = (r->cnt >> PM1_SLP_TYP_SHIFT) & 7;

			if (typ == SLP_TYP_S5)
				return PM_EV_POWEROFF;
			if (typ == SLP_TYP_S3)
				return PM_EV_SUSPEND;
		}
		break;
	case 0xc:
		if (b == PM_RESET_VALUE)
			return PM_EV_RESET;
		break;
	case 0x10 ... 0x11:
		r->gpe_sts &= (uint16_t) ~((unsigned int)b << (8 * hi));
		break;
	case 0x12 ... 0x13:
		r->gpe_en = set_byte(r->gpe_en, hi, b);
		break;
	}
	return PM_EV_NONE;
}

enum pm_event pm_io(struct pm_regs *r, uint16_t port, uint8_t *data, int size, bool write,
		    uint32_t tmr)
{
	enum pm_event ev = PM_EV_NONE;
	unsigned int off = (unsigned int)(port - PM_IO_BASE);

	for (int i = 0; i < size; i++) {
		if (off + (unsigned int)i >= PM_IO_LEN) {
			if (!write)
				data[i] = 0xff;
			continue;
		}
		if (!write) {
			data[i] = read_byte(r, off + (unsigned int)i, tmr);
			continue;
		}
		enum pm_event e = write_byte(r, off + (unsigned int)i, data[i]);
		if (e != PM_EV_NONE)
			ev = e;
	}
	return ev;
}

static uint32_t timer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(((uint64_t)ts.tv_sec * PM_TIMER_HZ) +
			  (uint64_t)ts.tv_nsec * PM_TIMER_HZ / 1000000000ULL);
}

static void update_sci(void)
{
	if (pm_vm && pm_vm->vm_fd >= 0)
		kvm_irq_line(pm_vm, PM_SCI_IRQ, pm_sci_level(&regs));
}

/* Called on a vCPU thread with the device lock held. */
static void pm_access(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	struct vm *vm = opaque;
	enum pm_event ev = pm_io(&regs, (uint16_t)(PM_IO_BASE + off), data, size, write,
				 write ? 0 : timer_now());

	if (!write)
		return;
	update_sci();
	switch (ev) {
	case PM_EV_POWEROFF:
		vmm_log("guest powered off (ACPI S5)");
		vm_request_exit(vm, VM_EXIT_POWEROFF);
		break;
	case PM_EV_SUSPEND:
		vmm_log("guest suspended to RAM (ACPI S3)");
		regs.suspended = 1;
		vm_park(vm, true);
		break;
	case PM_EV_RESET:
		vmm_log("guest reset through the ACPI reset register");
		vm_request_reboot(vm);
		break;
	case PM_EV_NONE:
		break;
	}
}

int pm_init(struct vm *vm)
{
	pm_vm = vm;
	memset(&regs, 0, sizeof(regs));
	return io_register_pio(PM_IO_BASE, PM_IO_LEN, pm_access, vm);
}

bool pm_button_enabled(void)
{
	return regs.en & PM1_PWRBTN_STS;
}

bool pm_suspended(void)
{
	return regs.suspended;
}

bool pm_power_button(void)
{
	regs.sts |= PM1_PWRBTN_STS;
	update_sci();
	if (regs.suspended) /* a press wakes a sleeping machine */
		pm_wakeup(pm_vm, NULL, 0);
	return pm_button_enabled();
}

/* Main thread, device lock held. */
int pm_wakeup(struct vm *vm, char *err, size_t errlen)
{
	if (!regs.suspended) {
		if (err)
			snprintf(err, errlen, "wakeup: the guest is not suspended (pmsuspended)");
		return -1;
	}
	vm_wait_parked(vm);
	regs.suspended = 0;
	regs.sts |= PM1_WAK_STS;
	vm->pmsuspended = false;
	vmm_log("guest woken from S3");
	vm_resume(vm);
	return 0;
}

void pm_gpe_raise(unsigned int bit)
{
	regs.gpe_sts |= (uint16_t)(1u << bit);
	update_sci();
}

size_t pm_save(void *buf, size_t len)
{
	if (len < sizeof(regs))
		return 0;
	memcpy(buf, &regs, sizeof(regs));
	return sizeof(regs);
}

int pm_load(const void *buf, size_t len)
{
	if (len != sizeof(regs))
		return -1;
	memcpy(&regs, buf, sizeof(regs));
	update_sci();
	return 0;
}

void pm_reset(void)
{
	memset(&regs, 0, sizeof(regs));
	update_sci();
}
