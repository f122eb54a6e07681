/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace virtio "guest driver" for testing vhost-ABI ring devices
 * (/dev/vmon-net, /dev/vmon-blk, and /dev/vhost-net for comparison).
 *
 * The process is the guest: it lays out split rings in an arena of its own
 * memory, registers that arena as the memory table with guest-physical ==
 * host-virtual (so a descriptor address is a plain pointer), kicks through
 * the kick eventfd and waits on the call eventfd.
 */
#ifndef VMON_TEST_VRING_DRV_H
#define VMON_TEST_VRING_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#define VDRV_MAX_RINGS 4
#define VDRV_MAX_INDIRECT 64

struct vdrv_ring {
	unsigned int index;
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_desc *indirect; /* num tables of VDRV_MAX_INDIRECT */
	void **token;		     /* per head */
	uint16_t *chain_len;	     /* descriptors held per head */
	uint16_t avail_idx;	     /* next avail entry we publish */
	uint16_t last_used;	     /* next used entry we consume */
	uint16_t kicked_idx;	     /* avail_idx at the last kick */
	uint16_t free_head;
	unsigned int num_free;
	int kick_fd, call_fd, err_fd;
	bool event_idx;
	bool cb_off;	     /* vdrv_disable_cb() and no enable since */
	unsigned long kicks; /* kicks actually sent */
	struct vdrv *drv;
};

struct vdrv {
	int fd;
	void *mem;
	size_t mem_size;
	size_t brk;
	uint64_t features;
	struct vdrv_ring ring[VDRV_MAX_RINGS];
};

/* Open @path, become its owner, map an arena of @mem_size and register it. */
int vdrv_open(struct vdrv *d, const char *path, size_t mem_size);
void vdrv_close(struct vdrv *d);
/* Arena memory, zeroed, aligned to @align (a power of two). */
void *vdrv_alloc(struct vdrv *d, size_t size, size_t align);
int vdrv_get_features(struct vdrv *d, uint64_t *features);
int vdrv_set_features(struct vdrv *d, uint64_t features);
/* Lay out ring @index of @num entries and hand it to the device. */
int vdrv_ring_setup(struct vdrv *d, unsigned int index, unsigned int num);
/* Set the back end (VHOST_NET_SET_BACKEND) of ring @index; -1 detaches. */
int vdrv_set_backend(struct vdrv *d, unsigned int index, int fd);
/*
 * Give rings @first to @last their own worker thread each
 * (VHOST_NEW_WORKER, VHOST_ATTACH_VRING_WORKER); before the back ends.
 */
int vdrv_worker_per_ring(struct vdrv *d, unsigned int first, unsigned int last);

/*
 * Post a request: @nout readable then @nin writable buffers, through an
 * indirect table when @indirect. Returns the head, or -ENOSPC when the ring
 * is full. The device sees it after vdrv_kick().
 */
int vdrv_add(struct vdrv_ring *r, const struct iovec *out, unsigned int nout,
	     const struct iovec *in, unsigned int nin, bool indirect, void *token);
/* Kick if the device asked for it (or always, with @force). */
void vdrv_kick(struct vdrv_ring *r, bool force);
/* The next completed request's token and written length, or NULL. */
void *vdrv_get_used(struct vdrv_ring *r, uint32_t *len);
/*
 * Ask for (or not) an interrupt on the next completion; see EVENT_IDX.
 * While callbacks are off, vdrv_get_used() leaves the used event alone, as
 * Linux's virtio_ring does, so that the device stops signalling.
 */
void vdrv_enable_cb(struct vdrv_ring *r);
void vdrv_disable_cb(struct vdrv_ring *r);
/* Wait up to @ms for the call (or err) eventfd; 1 signalled, 0 timeout. */
int vdrv_wait_call(struct vdrv_ring *r, int ms);
int vdrv_wait_err(struct vdrv_ring *r, int ms);
/* Completions the device published that we have not consumed. */
unsigned int vdrv_pending_used(struct vdrv_ring *r);

/*
 * A tap device: returns its fd, fills @ifname. @vnet_hdr_sz 0 means no
 * IFF_VNET_HDR; @offload are TUN_F_* flags. The link is brought up.
 */
int vdrv_tap_open(char *ifname, int vnet_hdr_sz, unsigned int offload);
/* An AF_PACKET socket on @ifname, with PACKET_VNET_HDR when @vnet_hdr. */
int vdrv_packet_open(const char *ifname, bool vnet_hdr);
int vdrv_link_set(const char *ifname, bool up, int mtu);

#endif /* VMON_TEST_VRING_DRV_H */
