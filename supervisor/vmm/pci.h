/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI: one bus behind a host bridge reached through configuration
 * mechanism #1 (ports 0xcf8/0xcfc), memory BARs placed by the VMM in the
 * hole below 4 GiB and movable by the guest.
 */
#ifndef VMON_VMM_PCI_H
#define VMON_VMM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm.h"

#define PCI_MAX_DEVS 32
#define PCI_CFG_SIZE 256

/* Standard configuration space offsets. */
#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3c
#define PCI_INT_PIN 0x3d
#define PCI_CMD_MEM 0x02
#define PCI_STATUS_CAP_LIST 0x10

struct pci_dev;

struct pci_bar {
	uint32_t size; /* 0: unused; a power of two otherwise */
	uint64_t addr; /* current guest address */
	io_fn fn;
	void *opaque;
};

struct pci_dev {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	struct pci_bar bar[6];
	int slot;
	/* Called after a config write to [off, off + size), under the lock. */
	void (*cfg_written)(struct pci_dev *d, int off, int size);
	/* Called before a config read of [off, off + size), under the lock. */
	void (*cfg_read)(struct pci_dev *d, int off, int size);
	/* Called when a BAR moved or memory decoding was switched. */
	void (*bars_changed)(struct pci_dev *d);
};

int pci_init(struct vm *vm);

/*
 * Set up @d's header for @vendor:@device of class @class (24 bits) with
 * nothing writable but the command register and the interrupt line.
 */
void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code);

/* A 32-bit memory BAR of @size bytes (a power of two, >= 4 KiB). */
void pci_set_bar(struct pci_dev *d, int bar, uint32_t size, io_fn fn, void *opaque);

/* Put @d in a free slot and give its BARs addresses. */
int pci_register(struct pci_dev *d);

/* True when the guest enabled memory decoding for @d. */
bool pci_mem_enabled(const struct pci_dev *d);

/* Configuration space access as the guest makes it (unit tested). */
void pci_cfg_access(struct pci_dev *d, int off, uint8_t *data, int size, bool write);

/* Configuration space was replaced (restore): take the BARs from it. */
void pci_bars_reload(struct pci_dev *d);

/* For the tests: the device in @slot, or NULL. */
struct pci_dev *pci_slot(int slot);

/*
 * The I/O APIC input of slot @slot's INTx pin @pin (0: INTA .. 3: INTD), as
 * the DSDT's _PRT announces it: GSIs 16-19, rotated by the slot. Today's
 * devices use MSI-X only (interrupt pin 0), so no entry is in use yet.
 */
static inline uint32_t pci_intx_gsi(int slot, int pin)
{
	return 16 + (uint32_t)((slot + pin) & 3);
}

static inline void pci_set16(struct pci_dev *d, int off, uint16_t v)
{
	st_le(d->cfg + off, 2, v);
}

static inline void pci_set32(struct pci_dev *d, int off, uint32_t v)
{
	st_le(d->cfg + off, 4, v);
}

#endif /* VMON_VMM_PCI_H */
