/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-net test environment: a ring device driven by the userspace
 * guest driver, a tap as its back end and an AF_PACKET socket on the tap.
 * Shared by the net and hostile-guest selftests.
 */
#ifndef VMON_SELFTEST_NET_ENV_H
#define VMON_SELFTEST_NET_ENV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "../lib/net_frames.h"
#include "../lib/vring_drv.h"

#define NE_RX 0
#define NE_TX 1
#define NE_RING 256
#define NE_ARENA (64 << 20)
#define NE_FRAME_MAX 65535
#define NE_SLOT (NE_FRAME_MAX + 64)
#define NE_MRG_BUF 4096

struct net_env {
	struct vdrv d;
	int tap;
	int pkt;
	char ifname[IFNAMSIZ];
	uint64_t features;
	size_t hdr_len; /* the guest's virtio-net header */
	bool vhost_hdr; /* the device adds/strips the header */
	bool mrg;
	bool indirect;
	uint8_t *tx_slots; /* NE_RING slots of NE_SLOT bytes */
	uint8_t *rx_bufs;  /* NE_RING buffers */
	size_t rx_buf_size;
	uint8_t *scratch;     /* reassembly and capture, NE_SLOT bytes */
	unsigned int rx_next; /* next RX buffer of the pool to post */
};

/* The device under test: $VMON_NET_DEV, default /dev/vmon-net. */
const char *ne_dev_path(void);
/* Set up device, tap and socket; 0 or -errno (with a message on stderr). */
int ne_setup(struct net_env *e, uint64_t features, bool indirect);
void ne_teardown(struct net_env *e);
/* Post @len-byte frame @seq on the TX ring and kick; 0 or -ENOSPC. */
int ne_tx(struct net_env *e, size_t len, uint32_t seq, bool kick);
/* Reap TX completions; wait up to @ms for the ring to hold none. */
int ne_tx_reap(struct net_env *e, int ms);
/* Receive on the AF_PACKET socket the frame from the guest; its length. */
long ne_capture(struct net_env *e, int ms, uint8_t **frame);
/* Post RX buffers until the ring is full, kick. */
void ne_rx_fill(struct net_env *e);
/* Inject frame @seq of @len bytes into the tap, toward the guest. */
int ne_inject(struct net_env *e, size_t len, uint32_t seq);
/* Take one received frame from the RX ring within @ms; its length. */
long ne_rx(struct net_env *e, int ms, uint8_t **frame, unsigned int *nbufs);
bool ne_is_tcp(size_t len, struct net_env *e);

#endif /* VMON_SELFTEST_NET_ENV_H */
