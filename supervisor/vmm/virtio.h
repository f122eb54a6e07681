/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtio: the split virtqueue and the modern (1.0+) PCI transport. Device
 * back ends (blk, net, rng) see only struct virtio_dev and struct virtq and
 * do not know the transport.
 */
#ifndef VMON_VMM_VIRTIO_H
#define VMON_VMM_VIRTIO_H

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pci.h"

#define VIRTIO_MAX_QUEUES 8
#define VIRTQ_MAX_SIZE 256
#define VCHAIN_MAX 260
#define VIRTIO_NO_VECTOR 0xffff

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

struct virtio_dev;

struct virtq {
	struct virtio_dev *dev;
	int index;
	uint16_t num, max;
	bool enabled;
	uint16_t msix;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail, used_idx;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kick_fd;	    /* the ioeventfd of the notify address */
	uint64_t kick_addr; /* where it is registered, 0: nowhere */
};

/* One popped descriptor chain: readable buffers first, then writable. */
struct vchain {
	uint16_t head;
	int nout, nin;
	struct iovec iov[VCHAIN_MAX];
	uint64_t in_len;
	uint64_t dev_features;
};

struct virtio_stats {
	uint64_t kicks, irqs, requests, bytes_out, bytes_in, errors;
};

struct virtio_dev_ops {
	/* The driver notified queue @q; called from the main loop. */
	void (*kick)(struct virtio_dev *d, struct virtq *q);
	/* The driver set DRIVER_OK: queues are set up. */
	void (*start)(struct virtio_dev *d);
	/* Device reset: drop every in-flight buffer, stop the back end. */
	void (*reset)(struct virtio_dev *d);
	/* The driver wrote bytes [off, off + size) of the device config. */
	void (*config_written)(struct virtio_dev *d, uint32_t off, int size);
	/* Finish or stop in-flight work (snapshot, reset); start() resumes it. */
	void (*quiesce)(struct virtio_dev *d);
	/* Refresh stats from a kernel back end (before the status is reported). */
	void (*update_stats)(struct virtio_dev *d);
	/* The VMM ends, after reset(): close the back end (write caches back). */
	void (*release)(struct virtio_dev *d);
};

struct virtio_dev {
	struct pci_dev pci;
	struct vm *vm;
	const char *name;
	const char *backend; /* shown in status */
	uint16_t device_id;
	const struct virtio_dev_ops *ops;
	void *priv;

	uint64_t host_features, guest_features;
	uint32_t dfselect, gfselect;
	uint8_t status, config_gen, isr;
	uint16_t queue_sel, config_msix;
	int nq;
	struct virtq q[VIRTIO_MAX_QUEUES];
	uint8_t *config;
	uint32_t config_len;
	/* The bytes of config the driver may write (balloon: actual); others are read-only. */
	uint32_t config_wr_start, config_wr_end;
	bool broken;
	/* Kicks go straight to a kernel back end, not to the main loop. */
	bool kernel_kicks;

	/* MSI-X: per-vector table entry, eventfd (an irqfd) and GSI. */
	int nvec;
	uint32_t msix_tab[VPCI_MAX_VECTORS][4];
	uint64_t msix_pba;
	int vec_fd[VPCI_MAX_VECTORS];
	uint32_t vec_gsi[VPCI_MAX_VECTORS];

	struct virtio_stats stats;
};

/*
 * Set up the transport of @d (fields name, device_id, ops, nq, config and
 * host_features set by the caller) and put it on the PCI bus.
 */
int virtio_pci_create(struct vm *vm, struct virtio_dev *d, uint32_t class_code);

/*
 * The device failed in a way the driver must see: flag NEEDS_RESET and raise
 * one config interrupt (later calls do nothing until the reset). From then
 * on virtq_pop() takes nothing from any of its queues.
 */
void virtio_set_broken(struct virtio_dev *d, const char *why);
/* Interrupt the driver for queue @q (unless it asked not to be). */
void virtq_notify(struct virtq *q);
/* The config-change interrupt. */
void virtio_config_changed(struct virtio_dev *d);
/* The eventfd that raises @q's vector (for kernel back ends), or -1. */
int virtq_call_fd(struct virtq *q);

/* virtq.c */
/* Validate and map the rings of @q; false when they are out of RAM. */
bool virtq_map(struct vm *vm, struct virtq *q);
/*
 * Take the next chain: 1 when one was taken, 0 when empty, -1 when the chain
 * is bad or the device is broken (callers stop, and stop polling their back end).
 */
int virtq_pop(struct vm *vm, struct virtq *q, struct vchain *c);
/* Give back the last chain taken, unused. */
void virtq_unpop(struct virtq *q);
/* Return chain @head having written @len bytes into it. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Whether the driver suppressed interrupts for @q. */
bool virtq_irq_wanted(struct virtq *q);

/* Copy @len bytes from offset @off of an iovec array; returns bytes copied. */
size_t iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, int n, size_t off, const void *buf, size_t len);
/* The part [off, off + len) of @src as a new iovec array; returns its count. */
int iov_slice(const struct iovec *src, int n, size_t off, size_t len, struct iovec *dst, int max);

#endif /* VMON_VMM_VIRTIO_H */
