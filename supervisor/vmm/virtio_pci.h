/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modern virtio-pci transport's own state (virtio_pci.c): the PCI
 * function, its BAR 0 layout and MSI-X. Only the transport and its tests
 * look in here; devices know struct virtio_dev alone.
 */
#ifndef VMON_VMM_VIRTIO_PCI_H
#define VMON_VMM_VIRTIO_PCI_H

#include "pci.h"
#include "virtio.h"

/* BAR 0 layout of every virtio-pci device. */
#define VPCI_COMMON 0x0000
#define VPCI_ISR 0x1000
#define VPCI_DEVICE 0x2000
#define VPCI_NOTIFY 0x3000
#define VPCI_NOTIFY_MULT 4
#define VPCI_MSIX_TABLE 0x4000
#define VPCI_MSIX_PBA 0x5000
#define VPCI_BAR_SIZE 0x8000
#define VPCI_MAX_VECTORS (VIRTIO_MAX_QUEUES + 1)

/* Where the capabilities sit in configuration space. */
#define VPCI_CAP_MSIX 0x40
#define VPCI_CAP_COMMON 0x50
#define VPCI_CAP_NOTIFY 0x60
#define VPCI_CAP_ISR 0x74
#define VPCI_CAP_DEVICE 0x84
#define VPCI_CAP_PCICFG 0x94

struct virtio_pci {
	struct pci_dev pci; /* first: the PCI callbacks get &pci */
	struct virtio_dev *dev;
	uint16_t config_msix;
	/* MSI-X: per-vector table entry, eventfd (an irqfd) and GSI. */
	int nvec;
	uint32_t msix_tab[VPCI_MAX_VECTORS][4];
	uint64_t msix_pba;
	int vec_fd[VPCI_MAX_VECTORS];
	uint32_t vec_gsi[VPCI_MAX_VECTORS];
};

/* The PCI side of a device on this transport. */
static inline struct virtio_pci *virtio_pci_of(struct virtio_dev *d)
{
	return d->tr_data;
}

#endif /* VMON_VMM_VIRTIO_PCI_H */
