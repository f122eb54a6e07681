// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.x, 5.1) on a tap interface: a receive and a transmit
 * queue, no offloads. The data path is either this process (readv/writev on
 * the tap) or a vhost-ABI kernel device (/dev/vmon-net, /dev/vhost-net)
 * that gets the tap fd and the rings; the transport is the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "vmm.h"
#include "vdev.h"

#define NET_QSIZE 256
#define VNET_HDR_LEN 12 /* struct virtio_net_hdr_v1 */

struct net {
	struct virtio_dev dev;
	struct virtio_net_config cfg;
	int tap;
	int vhost; /* -1: userspace data path */
	bool rx_polling;
	bool vhost_running;
	struct vchain chain;
};

static void stop_rx_polling(struct net *n)
{
	if (n->rx_polling) {
		ev_del(n->dev.vm, n->tap);
		n->rx_polling = false;
	}
}

static void net_rx(struct net *n)
{
	struct virtq *q = &n->dev.q[0];
	struct vchain *c = &n->chain;
	bool tap_failed = false;
	int got = 0, r;

	while ((r = virtq_pop(n->dev.vm, q, c)) > 0) {
		ssize_t len;

		if (!c->nin) {
			virtq_unpop(q);
			virtio_set_broken(&n->dev, "receive buffer with nothing writable");
			r = -1;
			break;
		}
		len = readv(n->tap, c->iov + c->nout, c->nin);
		if (len < 0) {
			virtq_unpop(q);
			if (errno != EAGAIN && errno != EINTR) {
				vmm_warn("%s: tap: %s; receive stopped until the next kick",
					 n->dev.name, strerror(errno));
				tap_failed = true;
			}
			break;
		}
		virtq_push(q, c->head, (uint32_t)len);
		n->dev.stats.bytes_in += (uint64_t)len;
		n->dev.stats.requests_in++;
		got++;
	}
	if (r < 0)
		virtio_set_broken(&n->dev, "bad descriptor chain on the receive queue");
	/*
	 * No buffers: stop listening to the tap until the driver adds some
	 * (a kick); broken or failing: stop, or the tap's readiness spins us.
	 */
	if (r <= 0 || tap_failed)
		stop_rx_polling(n);
	if (got)
		virtq_notify(q);
}

static void tap_event(void *opaque, uint32_t events)
{
	struct net *n = opaque;

	if (events & (EPOLLERR | EPOLLHUP)) {
		vmm_warn("%s: tap: error or hang-up; receive stopped until the next kick",
			 n->dev.name);
		stop_rx_polling(n);
		return;
	}
	net_rx(n);
}

static void net_tx(struct net *n, struct virtq *q)
{
	struct vchain *c = &n->chain;
	int sent = 0, r;

	while ((r = virtq_pop(n->dev.vm, q, c)) > 0) {
		ssize_t len = writev(n->tap, c->iov, c->nout);

		if (len < 0)
			n->dev.stats.errors++;
		else
			n->dev.stats.bytes_out += (uint64_t)len;
		n->dev.stats.requests++;
		n->dev.stats.requests_out++;
		virtq_push(q, c->head, 0);
		sent++;
	}
	if (r < 0)
		virtio_set_broken(&n->dev, "bad descriptor chain on the transmit queue");
	if (sent)
		virtq_notify(q);
}

static void net_kick(struct virtio_dev *d, struct virtq *q)
{
	struct net *n = (struct net *)d;

	if (n->vhost >= 0)
		return;
	if (q->index == 1) {
		net_tx(n, q);
	} else if (!n->rx_polling) {
		n->rx_polling = ev_add(d->vm, n->tap, EPOLLIN, tap_event, n) == 0;
		net_rx(n);
	}
}

static void net_start(struct virtio_dev *d)
{
	struct net *n = (struct net *)d;

	if (n->vhost < 0 || n->vhost_running)
		return;
	if (vhost_start(d, n->vhost, VHOST_NET_SET_BACKEND, n->tap) < 0)
		virtio_set_broken(d, "the kernel back end refused the queues");
	else
		n->vhost_running = true;
}

static void net_reset(struct virtio_dev *d)
{
	struct net *n = (struct net *)d;

	if (n->vhost_running) {
		vhost_stop(d, n->vhost, VHOST_NET_SET_BACKEND);
		n->vhost_running = false;
	}
	stop_rx_polling(n);
}

static void net_quiesce(struct virtio_dev *d)
{
	struct net *n = (struct net *)d;

	if (n->vhost_running) {
		vhost_stop(d, n->vhost, VHOST_NET_SET_BACKEND);
		n->vhost_running = false;
	}
}

static const struct virtio_dev_ops net_ops = {
	.kick = net_kick,
	.start = net_start,
	.reset = net_reset,
	.quiesce = net_quiesce,
};

static int open_tap(const char *name)
{
	struct ifreq ifr = { 0 };
	int hdr = VNET_HDR_LEN;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		vmm_log("--net tap=%s: /dev/net/tun: %s", name, strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		vmm_log("--net tap=%s: cannot attach: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct virtio_dev *virtio_net_create(struct vm *vm, const struct net_config *cfg)
{
	int tap = open_tap(cfg->tap);

	return tap < 0 ? NULL : virtio_net_create_on(vm, cfg, tap);
}

struct virtio_dev *virtio_net_create_on(struct vm *vm, const struct net_config *cfg, int tap)
{
	struct net *n = calloc(1, sizeof(*n));
	enum net_backend be = cfg->backend;

	if (!n)
		return NULL;
	n->tap = tap;
	n->vhost = -1;
	if (be == NET_AUTO)
		be = !access("/dev/vmon-net", F_OK)    ? NET_VMON
		     : !access("/dev/vhost-net", F_OK) ? NET_VHOST
						       : NET_USER;
	if (be == NET_VMON || be == NET_VHOST) {
		const char *path = be == NET_VMON ? "/dev/vmon-net" : "/dev/vhost-net";

		n->vhost = vhost_open(path);
		if (n->vhost < 0) {
			vmm_log("--net tap=%s: %s: %s", cfg->tap, path, strerror(-n->vhost));
			return NULL;
		}
		n->dev.kernel_kicks = true;
		if (be == NET_VMON)
			accounting_attach(n->vhost, "vmon-net");
	}
	n->dev.backend = net_backend_name(be);
	memcpy(n->cfg.mac, cfg->mac, 6);
	n->cfg.status = VIRTIO_NET_S_LINK_UP;
	n->dev.name = "virtio-net";
	n->dev.device_id = VIRTIO_ID_NET;
	n->dev.ops = &net_ops;
	n->dev.nq = 2;
	n->dev.q[0].max = NET_QSIZE;
	n->dev.q[1].max = NET_QSIZE;
	n->dev.config = (uint8_t *)&n->cfg;
	n->dev.config_len = 8; /* mac, status, max_virtqueue_pairs */
	n->dev.host_features = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS;
	if (n->vhost < 0)
		n->dev.host_features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (virtio_dev_add(vm, &n->dev) < 0)
		return NULL;
	return &n->dev;
}
