// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI bus: configuration mechanism #1, the host bridge in slot 0, BAR
 * sizing and moving, and the dispatch of MMIO in the PCI hole to the BAR
 * that decodes it.
 */
#include <string.h>

#include "pci.h"

static struct pci_dev *devs[PCI_MAX_DEVS];
static struct pci_dev host_bridge;
static uint32_t conf_addr;
static uint64_t next_mmio = GPA_PCI_MMIO;

struct pci_dev *pci_slot(int slot)
{
	return slot >= 0 && slot < PCI_MAX_DEVS ? devs[slot] : NULL;
}

bool pci_mem_enabled(const struct pci_dev *d)
{
	return d->cfg[PCI_COMMAND] & PCI_CMD_MEM;
}

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code)
{
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->wmask, 0, sizeof(d->wmask));
	pci_set16(d, PCI_VENDOR, vendor);
	pci_set16(d, PCI_DEVICE, device);
	d->cfg[PCI_CLASS_PROG] = (uint8_t)class_code;
	d->cfg[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
	d->cfg[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
	d->wmask[PCI_COMMAND] = 0x07;	  /* I/O, memory, bus master */
	d->wmask[PCI_COMMAND + 1] = 0x04; /* INTx disable */
	d->wmask[PCI_INT_LINE] = 0xff;
}

void pci_set_bar(struct pci_dev *d, int bar, uint32_t size, io_fn fn, void *opaque)
{
	d->bar[bar] = (struct pci_bar){ .size = size, .fn = fn, .opaque = opaque };
}

int pci_register(struct pci_dev *d)
{
	int slot;

	for (slot = 0; slot < PCI_MAX_DEVS && devs[slot]; slot++)
		;
	if (slot == PCI_MAX_DEVS) {
		vmm_log("no free PCI slot");
		return -1;
	}
	for (int i = 0; i < 6; i++) {
		struct pci_bar *b = &d->bar[i];

		if (!b->size)
			continue;
		next_mmio = (next_mmio + b->size - 1) & ~((uint64_t)b->size - 1);
		if (next_mmio + b->size > GPA_PCI_MMIO_END) {
			vmm_log("PCI hole full");
			return -1;
		}
		b->addr = next_mmio;
		next_mmio += b->size;
		pci_set32(d, PCI_BAR0 + 4 * i, (uint32_t)b->addr);
	}
	d->slot = slot;
	devs[slot] = d;
	return 0;
}

/* A BAR register holds the address bits the size allows; flags are 0. */
static void bar_written(struct pci_dev *d, int i)
{
	struct pci_bar *b = &d->bar[i];
	uint32_t v = (uint32_t)ld_le(d->cfg + PCI_BAR0 + 4 * i, 4);

	if (!b->size) {
		pci_set32(d, PCI_BAR0 + 4 * i, 0);
		return;
	}
	v &= ~(b->size - 1);
	pci_set32(d, PCI_BAR0 + 4 * i, v);
	b->addr = v;
}

void pci_bars_reload(struct pci_dev *d)
{
	for (int i = 0; i < 6; i++)
		bar_written(d, i);
	if (d->bars_changed)
		d->bars_changed(d);
}

void pci_cfg_access(struct pci_dev *d, int off, uint8_t *data, int size, bool write)
{
	if (off < 0 || size < 1 || off + size > PCI_CFG_SIZE) {
		if (!write)
			memset(data, 0xff, (size_t)size);
		return;
	}
	if (!write) {
		if (d->cfg_read)
			d->cfg_read(d, off, size);
		memcpy(data, d->cfg + off, (size_t)size);
		return;
	}
	bool bars = false;
	uint8_t old_cmd = d->cfg[PCI_COMMAND];

	for (int i = 0; i < size; i++) {
		int o = off + i;

		if (o >= PCI_BAR0 && o < PCI_BAR0 + 24) {
			d->cfg[o] = data[i];
			bars = true;
		} else {
			d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | (data[i] & d->wmask[o]));
		}
	}
	if (bars)
		for (int i = 0; i < 6; i++)
			bar_written(d, i);
	if ((bars || old_cmd != d->cfg[PCI_COMMAND]) && d->bars_changed)
		d->bars_changed(d);
	if (d->cfg_written)
		d->cfg_written(d, off, size);
}

static void conf1_io(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	(void)opaque;
	if (off < 4) {
		/* The address latch: dword access only; 0xcfb byte writes are ignored. */
		if (off == 0 && size == 4) {
			if (write)
				conf_addr = (uint32_t)ld_le(data, 4);
			else
				st_le(data, 4, conf_addr);
		} else if (!write) {
			memset(data, 0xff, (size_t)size);
		}
		return;
	}
	uint32_t bus = (conf_addr >> 16) & 0xff, slot = (conf_addr >> 11) & 0x1f;
	uint32_t fn = (conf_addr >> 8) & 7;
	int reg = (int)(conf_addr & 0xfc) + (int)(off - 4);
	struct pci_dev *d = devs[slot];

	if (!(conf_addr & 0x80000000u) || bus || fn || !d || reg + size > PCI_CFG_SIZE) {
		if (!write)
			memset(data, 0xff, (size_t)size);
		return;
	}
	pci_cfg_access(d, reg, data, size, write);
}

static void pci_mmio(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	uint64_t addr = GPA_PCI_MMIO + off;

	(void)opaque;
	for (int s = 0; s < PCI_MAX_DEVS; s++) {
		struct pci_dev *d = devs[s];

		if (!d || !pci_mem_enabled(d))
			continue;
		for (int i = 0; i < 6; i++) {
			struct pci_bar *b = &d->bar[i];

			if (b->size && addr >= b->addr && addr - b->addr < b->size) {
				if (addr - b->addr + (uint64_t)size > b->size)
					break;
				b->fn(b->opaque, addr - b->addr, data, size, write);
				return;
			}
		}
	}
	if (!write)
		memset(data, 0xff, (size_t)size);
	io_bad_accesses++;
}

int pci_init(struct vm *vm)
{
	(void)vm;
	pci_dev_init(&host_bridge, 0x1b36, 0x0008, 0x060000);
	if (pci_register(&host_bridge) < 0)
		return -1;
	if (io_register_pio(0xcf8, 8, conf1_io, NULL) < 0)
		return -1;
	return io_register_mmio(GPA_PCI_MMIO, GPA_PCI_MMIO_END - GPA_PCI_MMIO, pci_mmio, NULL);
}
