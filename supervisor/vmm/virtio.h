/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtio: the device core (virtio_core.c), the split virtqueue (virtq.c)
 * and the transports under them (today the modern virtio-pci one,
 * virtio_pci.c). Device back ends (blk, net, rng, balloon, console) see
 * only struct virtio_dev and struct virtq, add themselves with
 * virtio_dev_add() and do not know the transport; a transport sees the
 * core through struct virtio_transport and the virtio_dev_* calls below.
 */
#ifndef VMON_VMM_VIRTIO_H
#define VMON_VMM_VIRTIO_H

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vmm.h"

#define VIRTIO_MAX_QUEUES 8
#define VIRTQ_MAX_SIZE 256
#define VCHAIN_MAX 260
#define VIRTIO_NO_VECTOR 0xffff

struct virtio_dev;

struct virtq {
	struct virtio_dev *dev;
	int index;
	uint16_t num, max;
	bool enabled;
	uint16_t vector; /* the transport's interrupt vector, VIRTIO_NO_VECTOR */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail, used_idx;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kick_fd;	    /* the ioeventfd of the notify address */
	uint64_t kick_addr; /* where the transport registered it, 0: nowhere */
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
	/*
	 * Of the requests: those that carried data into the guest (a disk's
	 * reads, a NIC's packets received) and out of it (writes, packets
	 * sent), and a disk's flushes; with @timed (vmon-blk measures them),
	 * the sums of their service times in ns.
	 */
	uint64_t requests_in, requests_out, flushes;
	uint64_t ns_in, ns_out, ns_flush;
	bool timed;
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
	/* Submit again the requests an error policy held (the VM resumes). */
	void (*retry)(struct virtio_dev *d);
	/* Refresh stats from a kernel back end (before the status is reported). */
	void (*update_stats)(struct virtio_dev *d);
	/* The VMM ends, after reset(): close the back end (write caches back). */
	void (*release)(struct virtio_dev *d);
	/*
	 * The device's own state in a snapshot (at most @len bytes, 128): bytes
	 * written, 0 when it does not fit (the save fails); and back, -1 when
	 * it does not fit @d. Optional.
	 */
	size_t (*save)(struct virtio_dev *d, void *buf, size_t len);
	int (*load)(struct virtio_dev *d, const void *buf, size_t len);
};

/*
 * What a transport does for the core. Every hook is called under the VM
 * lock, from the main loop or a vCPU's access.
 */
struct virtio_transport {
	const char *name; /* "pci" */
	/* Put @d on the machine (its queues, config and features are set). */
	int (*attach)(struct vm *vm, struct virtio_dev *d);
	/* Raise @q's interrupt, or the config change's (@q NULL). */
	void (*signal)(struct virtio_dev *d, struct virtq *q);
	/* The eventfd that raises @q's interrupt (for kernel back ends), or -1. */
	int (*call_fd)(struct virtio_dev *d, struct virtq *q);
	/* A queue was enabled or the device reset: (re)place the kick ioeventfds. */
	void (*queues_changed)(struct virtio_dev *d);
	/* The device was reset: the transport's own part (vectors). */
	void (*reset)(struct virtio_dev *d);
	/* Where the device sits, for the status ("00:03.0" on PCI). */
	void (*location)(struct virtio_dev *d, char *buf, size_t len);
	/* The transport's state in a snapshot: bytes written (0: no room). */
	size_t (*save)(struct virtio_dev *d, void *buf, size_t len);
	/* ... and back, after the core's state; -1 when it does not fit @d. */
	int (*load)(struct virtio_dev *d, const void *buf, size_t len);
};

struct virtio_dev {
	struct vm *vm;
	const char *name;
	const char *backend; /* shown in status */
	uint16_t device_id;  /* VIRTIO_ID_* (virtio 1.x, 5) */
	const struct virtio_dev_ops *ops;
	void *priv;

	uint64_t host_features, guest_features;
	uint32_t dfselect, gfselect;
	uint8_t status, config_gen, isr;
	uint16_t queue_sel;
	int nq;
	struct virtq q[VIRTIO_MAX_QUEUES];
	uint8_t *config;
	uint32_t config_len;
	/* The bytes of config the driver may write (balloon: actual); others are read-only. */
	uint32_t config_wr_start, config_wr_end;
	bool broken;
	/* Kicks go straight to a kernel back end, not to the main loop. */
	bool kernel_kicks;
	/*
	 * The kernel back end's descriptor, shown in status ("kernel_fd") for
	 * vmond to take with pidfd_getfd() (vmon-blk's throttle); 0: none.
	 */
	int kernel_fd;

	const struct virtio_transport *tr;
	void *tr_data; /* the transport's own state */

	struct virtio_stats stats;
};

/*
 * Add @d (fields name, device_id, ops, nq, config and host_features set by
 * the caller) to @vm on the VM's transport.
 */
int virtio_dev_add(struct vm *vm, struct virtio_dev *d);

/* The core, for the transports: the driver's side of the device. */
void virtio_dev_reset(struct virtio_dev *d);
void virtio_dev_set_status(struct virtio_dev *d, uint8_t status);
/* The driver enabled @q: map its rings (or break the device). */
void virtio_dev_queue_enable(struct virtio_dev *d, struct virtq *q);
/* A kick the transport caught itself (not through the ioeventfd). */
void virtio_dev_kick(struct virtio_dev *d, struct virtq *q);
/* The driver wrote @size bytes at @off of the device config (from @data). */
void virtio_dev_config_write(struct virtio_dev *d, uint32_t off, const uint8_t *data, int size);
void virtio_dev_config_read(struct virtio_dev *d, uint32_t off, uint8_t *data, int size);

/* The virtio-pci transport (virtio_pci.c). */
extern const struct virtio_transport virtio_pci_transport;

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
/* The eventfd that raises @q's interrupt (for kernel back ends), or -1. */
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
