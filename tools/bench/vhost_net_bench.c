// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net-bench: packets per second through a vhost-ABI net device,
 * /dev/vmon-net against /dev/vhost-net, driven by the same userspace guest
 * driver (selftests/lib/vring_drv). Run inside the test VM as root; see
 * tools/bench/vhost-net for the wrapper that boots it.
 *
 * TX: the driver keeps the TX ring full of prebuilt frames; the tap hands
 *     them to the stack, which drops them (unknown ethertype). Rate = frames
 *     completed per second.
 * RX: frames are queued in the tap while the guest has no RX buffers, then
 *     buffers are posted and the time to drain the queue is measured, so
 *     the injector's speed does not enter the figure.
 * Rounds alternate between the two devices; the median of each is shown.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "../../selftests/vhost/net_env.h"

#define FEATURES                                                                                   \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |                        \
	 (1ULL << VIRTIO_NET_F_MRG_RXBUF))
#define RX_QUEUE 4000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup(struct net_env *e, const char *dev)
{
	char cmd[128];

	setenv("VMON_NET_DEV", dev, 1);
	if (ne_setup(e, FEATURES, false))
		return -1;
	snprintf(cmd, sizeof(cmd), "ip link set %s txqueuelen %d", e->ifname, RX_QUEUE + 100);
	if (system(cmd))
		return -1;
	return 0;
}

/* Post a prebuilt frame from slot @i; no frame building in the loop. */
static int post_tx(struct net_env *e, unsigned int i, size_t len)
{
	uint8_t *slot = e->tx_slots + (size_t)(i % NE_RING) * NE_SLOT;
	struct iovec v = { slot, e->hdr_len + len };

	return vdrv_add(&e->d.ring[NE_TX], &v, 1, NULL, 0, false, slot);
}

static double bench_tx(const char *dev, size_t len, double secs)
{
	struct net_env e;
	struct vdrv_ring *r;
	unsigned long done = 0, i;
	double t0, t;

	if (setup(&e, dev))
		return -1;
	close(e.pkt);
	e.pkt = -1;
	r = &e.d.ring[NE_TX];
	for (i = 0; i < NE_RING; i++) {
		uint8_t *slot = e.tx_slots + i * NE_SLOT;

		memset(slot, 0, e.hdr_len);
		nf_build(slot + e.hdr_len, len, i, false, nf_guest_mac, nf_host_mac);
	}
	i = 0;
	t0 = now();
	do {
		while (post_tx(&e, i, len) >= 0)
			i++;
		vdrv_kick(r, false);
		if (!vdrv_pending_used(r))
			vdrv_wait_call(r, 5);
		while (vdrv_get_used(r, NULL))
			done++;
		t = now();
	} while (t - t0 < secs);
	ne_teardown(&e);
	return done / (t - t0);
}

static double bench_rx(const char *dev, size_t len, int batches)
{
	struct net_env e;
	struct vdrv_ring *r;
	size_t off;
	uint8_t *frame;
	double busy = 0;
	unsigned long total = 0;
	int b, k;

	if (setup(&e, dev))
		return -1;
	r = &e.d.ring[NE_RX];
	off = sizeof(struct virtio_net_hdr);
	frame = calloc(1, len + off);
	nf_build(frame + off, len, 0, false, nf_host_mac, nf_guest_mac);
	for (b = 0; b < batches; b++) {
		unsigned long got = 0;
		double t0, t1;
		uint32_t l;

		/* no buffers: the frames wait in the tap */
		for (k = 0; k < RX_QUEUE; k++)
			if (send(e.pkt, frame, len + off, 0) < 0)
				break;
		usleep(20000);
		t0 = now();
		ne_rx_fill(&e);
		t1 = t0;
		for (;;) {
			unsigned int n = 0;

			while (vdrv_get_used(r, &l)) {
				got++;
				n++;
			}
			if (n) {
				t1 = now();
				ne_rx_fill(&e);
				continue;
			}
			if (vdrv_wait_call(r, 50) == 0)
				break; /* drained: nothing for 50 ms */
		}
		busy += t1 - t0;
		total += got;
		/* leave the ring without buffers for the next batch */
		while (r->num_free < r->num) {
			unsigned int posted = r->num - r->num_free;

			for (k = 0; k < (int)posted; k++)
				ne_inject(&e, 64, 0);
			usleep(20000);
			while (vdrv_get_used(r, NULL))
				;
		}
	}
	free(frame);
	ne_teardown(&e);
	return busy > 0 ? total / busy : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *dev[2] = { "/dev/vmon-net", "/dev/vhost-net" };
	static const size_t sizes[] = { 64, 1500 };
	double secs = 2, res[2][16];
	int rounds = 3, c, s, d, i;

	while ((c = getopt(argc, argv, "t:r:a:b:h")) != -1) {
		switch (c) {
		case 't':
			secs = atof(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'a':
			dev[0] = optarg;
			break;
		case 'b':
			dev[1] = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SEC] [-r ROUNDS] [-a DEV] [-b DEV]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > 16)
		rounds = 3;
	if (system("modprobe tun; modprobe vmon; modprobe vhost_net"))
		fprintf(stderr, "modprobe failed\n");

	printf("%-10s %14s %14s %7s\n", "test", dev[0] + 5, dev[1] + 5, "ratio");
	for (int dir = 0; dir < 2; dir++) {
		for (s = 0; s < 2; s++) {
			double m[2];

			for (i = 0; i < rounds; i++)
				for (d = 0; d < 2; d++) {
					/* alternate which one goes first */
					int k = (i % 2) ? 1 - d : d;

					res[k][i] = dir ? bench_rx(dev[k], sizes[s], 8)
							: bench_tx(dev[k], sizes[s], secs);
					if (res[k][i] < 0) {
						fprintf(stderr, "%s failed\n", dev[k]);
						return 1;
					}
				}
			for (d = 0; d < 2; d++)
				m[d] = median(res[d], rounds);
			printf("%-3s %4zu B %14.0f %14.0f %6.2fx\n", dir ? "RX" : "TX", sizes[s],
			       m[0], m[1], m[0] / m[1]);
			fflush(stdout);
		}
	}
	return 0;
}
