// SPDX-License-Identifier: GPL-2.0
/*
 * Port and MMIO dispatch: fixed ranges registered by the devices. An access
 * nobody claims reads as all ones, is counted and, the first few times,
 * logged; it never stops the VM.
 */
#include <inttypes.h>
#include <string.h>

#include "vmm.h"

#define MAX_REGIONS 64

struct region {
	uint64_t base;
	uint64_t len;
	io_fn fn;
	void *opaque;
};

static struct region pio[MAX_REGIONS], mmio[MAX_REGIONS];
static int npio, nmmio;
uint64_t io_bad_accesses;

static int add(struct region *tab, int *n, uint64_t base, uint64_t len, io_fn fn, void *opaque)
{
	if (*n >= MAX_REGIONS)
		return -1;
	tab[(*n)++] = (struct region){ base, len, fn, opaque };
	return 0;
}

int io_register_pio(uint16_t base, uint16_t len, io_fn fn, void *opaque)
{
	return add(pio, &npio, base, len, fn, opaque);
}

int io_register_mmio(uint64_t base, uint64_t len, io_fn fn, void *opaque)
{
	return add(mmio, &nmmio, base, len, fn, opaque);
}

static void dispatch(struct region *tab, int n, const char *kind, uint64_t addr, uint8_t *data,
		     int size, bool write)
{
	if (size < 1 || size > 8) {
		io_bad_accesses++;
		return;
	}
	for (int i = 0; i < n; i++) {
		if (addr >= tab[i].base && addr - tab[i].base < tab[i].len) {
			tab[i].fn(tab[i].opaque, addr - tab[i].base, data, size, write);
			return;
		}
	}
	if (!write)
		memset(data, 0xff, (size_t)size);
	if (io_bad_accesses++ < 8)
		vmm_log("unclaimed %s %s at 0x%" PRIx64 " size %d", kind, write ? "write" : "read",
			addr, size);
}

void io_dispatch_pio(struct vm *vm, uint16_t port, uint8_t *data, int size, bool write)
{
	(void)vm;
	/*
	 * Ports every kernel pokes at boot on any PC: the delay port, DMA
	 * page registers, Super I/O probes, absent serial and parallel ports.
	 * Absent here too, but not worth a log line.
	 */
	if ((port >= 0x80 && port <= 0x8f) || port == 0xed || port == 0x2e || port == 0x2f ||
	    port == 0x4e || port == 0x4f || (port >= 0x2f8 && port <= 0x2ff) ||
	    (port >= 0x3e8 && port <= 0x3ef) || (port >= 0x2e8 && port <= 0x2ef) ||
	    (port >= 0x378 && port <= 0x37a)) {
		if (!write)
			memset(data, 0xff, (size_t)size);
		return;
	}
	dispatch(pio, npio, "port", port, data, size, write);
}

void io_dispatch_mmio(struct vm *vm, uint64_t addr, uint8_t *data, int size, bool write)
{
	(void)vm;
	dispatch(mmio, nmmio, "MMIO", addr, data, size, write);
}
