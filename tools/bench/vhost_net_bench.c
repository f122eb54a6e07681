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
 * Each round runs the two devices back to back, which one first
 * alternating; the table shows each device's median, the median of the
 * rounds' own ratios and, from 6 rounds on, its 95% confidence interval
 * (tools/bench/stats.c; the range of the rounds below 6).
 *
 * usage: vhost-net-bench [-t SEC] [-r ROUNDS] [-B RX_BATCHES] [-n] [-p] [-V]
 *                        [-1 CELL [-C|-A SLICE]] [-a DEV] [-b DEV]
 *   -V       attach the -a device (vmon-net) to a registered KVM VM, so that
 *            the per-VM accounting counts its packets
 *   -1 CELL  only the -a device on one cell, "tx|rx:BYTES"; the last number
 *            printed is its packets per second (for tools/bench/acct-ab)
 *   -C       with -1: the last number is packets per second of the device's
 *            worker CPU time instead (the device's cost, less sensitive to
 *            other load on the machine than the rate)
 *   -A SLICE with -1: an accounting A/B inside each run, on one device: the
 *            module parameter "accounting" flips every SLICE seconds (TX)
 *            or every batch (RX), in the order on, off, off, on, on, ..., and
 *            the packets and time of each side are added up; the last number
 *            printed is the on/off ratio. Flipping often puts the machine's
 *            slower drifts on both sides alike.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "../../selftests/vhost/net_env.h"
#include "bench_vm.h"
#include "stats.h"

#define FEATURES                                                                                   \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |                        \
	 (1ULL << VIRTIO_NET_F_MRG_RXBUF))
#define RX_QUEUE 4000

static bool pin = true;
static bool sequential = true;
/* -V: the registered VM the -a device attaches to, and that device. */
static __u32 vm_id;
static const char *attach_dev;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -A: flip accounting every ab_slice s; packets and seconds per side, [1] = on. */
#define ACCT_PARAM "/sys/module/vmon/parameters/accounting"
static double ab_slice;
static int ab_fd = -1;
static double ab_n[2], ab_t[2];

/*
 * The side of slice or batch k: on, off, off, on, on, off, ... (ABBA), so
 * that what a slice leaves to the next (a full tap queue, warm caches) falls
 * on both sides alike.
 */
static int ab_side(unsigned long k)
{
	return !((k + 1) / 2 % 2);
}

static void ab_set(int on)
{
	if (pwrite(ab_fd, on ? "Y" : "N", 1, 0) != 1) {
		perror("vhost-net-bench: -A: " ACCT_PARAM);
		exit(1);
	}
}

static int worker_tid;
static double cpu_pps; /* the last run's packets per worker CPU-second */

/* Time the worker thread spent on a CPU so far, in seconds. */
static double worker_cpu(void)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", worker_tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns / 1e9;
}

/* Find the device's worker thread (vmon-PID or vhost-PID); pin it to CPU 1. */
static void find_worker(void)
{
	char want[2][32], comm[64], path[300];
	struct dirent *de;
	cpu_set_t set;
	DIR *d;

	snprintf(want[0], sizeof(want[0]), "vmon-%d\n", getpid());
	snprintf(want[1], sizeof(want[1]), "vhost-%d\n", getpid());
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    (!strcmp(comm, want[0]) || !strcmp(comm, want[1]))) {
			worker_tid = atoi(de->d_name);
			if (pin)
				sched_setaffinity(worker_tid, sizeof(set), &set);
		}
		fclose(f);
	}
	closedir(d);
}

static int setup(struct net_env *e, const char *dev)
{
	char cmd[128];

	setenv("VMON_NET_DEV", dev, 1);
	if (ne_setup(e, FEATURES, false))
		return -1;
	if (vm_id && !strcmp(dev, attach_dev))
		bench_attach(e->d.fd, vm_id, "vhost-net-bench");
	snprintf(cmd, sizeof(cmd), "ip link set %s txqueuelen %d", e->ifname, 12100);
	if (system(cmd))
		return -1;
	find_worker();
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
	unsigned long done = 0, ds = 0, slice = 0, i;
	double t0, t, ts, c0, c1;
	int side = ab_side(0);

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
	if (ab_slice)
		ab_set(side);
	c0 = worker_cpu();
	t0 = now();
	ts = t0;
	do {
		while (post_tx(&e, i, len) >= 0)
			i++;
		vdrv_kick(r, false);
		if (!vdrv_pending_used(r))
			vdrv_wait_call(r, 5);
		while (vdrv_get_used(r, NULL))
			done++;
		t = now();
		if (ab_slice && t - ts >= ab_slice) {
			/* a slice ends: count it to its side, flip (a partial last one is dropped)
			 */
			ab_n[side] += done - ds;
			ab_t[side] += t - ts;
			side = ab_side(++slice);
			ab_set(side);
			ts = t;
			ds = done;
		}
	} while (t - t0 < secs);
	c1 = worker_cpu();
	cpu_pps = c1 > c0 ? done / (c1 - c0) : 0;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "tx worker %d cpu %.6f wall %.6f\n", worker_tid, c1 - c0, t - t0);
	ne_teardown(&e);
	return done / (t - t0);
}

static double bench_rx(const char *dev, size_t len, int batches)
{
	struct net_env e;
	struct vdrv_ring *r;
	size_t off;
	uint8_t *frame;
	double busy = 0, cpu = 0;
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
		double t0, t1, c0;
		uint32_t l;

		/* no buffers: the frames wait in the tap */
		for (k = 0; k < RX_QUEUE; k++)
			if (send(e.pkt, frame, len + off, 0) < 0)
				break;
		usleep(20000);
		if (ab_slice)
			ab_set(ab_side(b));
		c0 = worker_cpu();
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
		cpu += worker_cpu() - c0;
		total += got;
		if (ab_slice) {
			ab_n[ab_side(b)] += got;
			ab_t[ab_side(b)] += t1 - t0;
		}
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
	cpu_pps = cpu > 0 ? total / cpu : 0;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "rx worker %d cpu %.6f busy %.6f\n", worker_tid, cpu, busy);
	return busy > 0 ? total / busy : -1;
}

/* ---- both devices at once: the same contention for both ---------------- */

struct pair_arg {
	struct net_env e;
	pthread_barrier_t *bar;
	size_t len;
	double secs;
	int batches;
	bool rx;
	double pps;
};

static void *pair_tx(struct pair_arg *a)
{
	struct vdrv_ring *r = &a->e.d.ring[NE_TX];
	unsigned long done = 0, i = 0;
	double t0, t;

	pthread_barrier_wait(a->bar);
	t0 = now();
	do {
		while (post_tx(&a->e, i, a->len) >= 0)
			i++;
		vdrv_kick(r, false);
		if (!vdrv_pending_used(r))
			vdrv_wait_call(r, 5);
		while (vdrv_get_used(r, NULL))
			done++;
		t = now();
	} while (t - t0 < a->secs);
	a->pps = done / (t - t0);
	return NULL;
}

/*
 * RX: both queue PAIR_QUEUE frames in their taps, then both drain for a
 * fixed window; the rate is what each received in that window.
 */
#define PAIR_QUEUE 12000
#define PAIR_WINDOW 0.15

static void *pair_rx(struct pair_arg *a)
{
	struct vdrv_ring *r = &a->e.d.ring[NE_RX];
	size_t off = sizeof(struct virtio_net_hdr);
	uint8_t *frame = calloc(1, a->len + off);
	unsigned long total = 0;
	double busy = 0;
	int b, k;

	nf_build(frame + off, a->len, 0, false, nf_host_mac, nf_guest_mac);
	for (b = 0; b < a->batches; b++) {
		unsigned long got = 0;
		double t0, t, last;

		for (k = 0; k < PAIR_QUEUE; k++)
			if (send(a->e.pkt, frame, a->len + off, 0) < 0)
				break;
		pthread_barrier_wait(a->bar);
		t0 = now();
		last = t0;
		ne_rx_fill(&a->e);
		for (;;) {
			unsigned int n = 0;

			while (vdrv_get_used(r, NULL))
				n++;
			t = now();
			if (t - t0 >= PAIR_WINDOW)
				break;
			if (n) {
				got += n;
				last = t;
				ne_rx_fill(&a->e);
				continue;
			}
			if (vdrv_wait_call(r, 20) == 0)
				break; /* drained before the window closed */
		}
		busy += got >= PAIR_QUEUE - 100 ? last - t0 : PAIR_WINDOW;
		total += got;
		/* drain the rest, then leave the ring without buffers */
		ne_rx_fill(&a->e);
		while (vdrv_wait_call(r, 50) > 0 || vdrv_pending_used(r)) {
			while (vdrv_get_used(r, NULL))
				;
			ne_rx_fill(&a->e);
		}
		while (r->num_free < r->num) {
			unsigned int posted = r->num - r->num_free;

			for (k = 0; k < (int)posted; k++)
				ne_inject(&a->e, 64, 0);
			usleep(20000);
			while (vdrv_get_used(r, NULL))
				;
		}
		pthread_barrier_wait(a->bar);
	}
	free(frame);
	a->pps = busy > 0 ? total / busy : -1;
	return NULL;
}

static void *pair_run(void *p)
{
	struct pair_arg *a = p;

	return a->rx ? pair_rx(a) : pair_tx(a);
}

/* Run both devices at once; fill pps[0] and pps[1]. */
static int bench_pair(const char *dev[2], size_t len, bool rx, double secs, int batches,
		      double pps[2])
{
	struct pair_arg a[2];
	pthread_barrier_t bar;
	pthread_t th[2];
	int d, i;

	pthread_barrier_init(&bar, NULL, 2);
	for (d = 0; d < 2; d++) {
		memset(&a[d], 0, sizeof(a[d]));
		if (setup(&a[d].e, dev[d]))
			return -1;
		a[d].bar = &bar;
		a[d].len = len;
		a[d].secs = secs;
		a[d].batches = batches;
		a[d].rx = rx;
		for (i = 0; !rx && i < NE_RING; i++) {
			uint8_t *slot = a[d].e.tx_slots + (size_t)i * NE_SLOT;

			memset(slot, 0, a[d].e.hdr_len);
			nf_build(slot + a[d].e.hdr_len, len, i, false, nf_guest_mac, nf_host_mac);
		}
		if (!rx) {
			close(a[d].e.pkt);
			a[d].e.pkt = -1;
		}
	}
	for (d = 0; d < 2; d++)
		pthread_create(&th[d], NULL, pair_run, &a[d]);
	for (d = 0; d < 2; d++) {
		pthread_join(th[d], NULL);
		pps[d] = a[d].pps;
		ne_teardown(&a[d].e);
	}
	pthread_barrier_destroy(&bar);
	return pps[0] > 0 && pps[1] > 0 ? 0 : -1;
}

#define MAX_ROUNDS 41

/*
 * A row of the table: each device's median @m, the median of the rounds'
 * ratios @pr (sorted here) and its 95% confidence interval, or the range
 * of the rounds below 6 of them.
 */
static void print_row(int rx, size_t bytes, const double *m, double *pr, int rounds)
{
	double lo, hi;

	bench_median_ci95(pr, rounds, &lo, &hi);
	printf("%-3s %4zu B %14.0f %14.0f %6.2fx   %4.2f-%4.2f\n", rx ? "RX" : "TX", bytes, m[0],
	       m[1], bench_median(pr, rounds), lo, hi);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *dev[2] = { "/dev/vmon-net", "/dev/vhost-net" };
	static const size_t sizes[] = { 64, 1500 };
	double secs = 2, res[2][MAX_ROUNDS], cres[2][MAX_ROUNDS], cm[2][4][2];
	double pr[MAX_ROUNDS], cpr[4][MAX_ROUNDS];
	int rounds = 3, batches = 8, c, s, d, i;
	size_t one_len = 0;
	bool attach = false, per_cpu = false;
	char op[3] = "", junk;
	cpu_set_t set;

	while ((c = getopt(argc, argv, "t:r:a:b:B:nphV1:CA:")) != -1) {
		switch (c) {
		case 'n':
			pin = false;
			break;
		case 'p':
			sequential = false;
			break;
		case 'B':
			batches = atoi(optarg);
			break;
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
		case 'V':
			attach = true;
			break;
		case 'C':
			per_cpu = true;
			break;
		case 'A':
			ab_slice = atof(optarg);
			if (ab_slice < 0.01 || ab_slice > 10) {
				fprintf(stderr,
					"vhost-net-bench: -A '%s': want a slice of 0.01 to 10 s\n",
					optarg);
				return 2;
			}
			break;
		case '1':
			if (sscanf(optarg, "%2[a-z]:%zu%c", op, &one_len, &junk) != 2 ||
			    (strcmp(op, "tx") && strcmp(op, "rx")) || one_len < 60 ||
			    one_len > 1514) {
				fprintf(stderr,
					"vhost-net-bench: -1 '%s': want tx|rx:BYTES, 60 to 1514 "
					"bytes\n",
					optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr,
				"usage: %s [-t SEC] [-r ROUNDS] [-B RX_BATCHES] [-n] [-p] [-V] "
				"[-1 tx|rx:BYTES [-C|-A SLICE]] [-a DEV] [-b DEV]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "vhost-net-bench: -r %d: want 1 to %d rounds\n", rounds,
			MAX_ROUNDS);
		return 2;
	}
	if (!(secs > 0 && secs <= 3600) || batches < 1) {
		fprintf(stderr, "vhost-net-bench: want -t of 0 to 3600 s and -B of 1 or more\n");
		return 2;
	}
	if (!sequential)
		pin = false; /* both at once: let the scheduler share the CPUs */
	if (pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		/* the driver on CPU 0, the device's worker on CPU 1 */
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	} else {
		pin = false;
	}
	if (system("modprobe tun; modprobe vmon; modprobe vhost_net"))
		fprintf(stderr, "modprobe failed\n");
	if (attach) {
		vm_id = bench_register_vm("vhost-net-bench");
		attach_dev = dev[0];
	}
	if (ab_slice && (!one_len || !vm_id)) {
		fprintf(stderr, "vhost-net-bench: -A needs -1 and -V\n");
		return 2;
	}
	if (ab_slice) {
		ab_fd = open(ACCT_PARAM, O_WRONLY | O_CLOEXEC);
		if (ab_fd < 0) {
			perror("vhost-net-bench: -A: " ACCT_PARAM);
			return 1;
		}
	}
	if (one_len) {
		bool rx = !strcmp(op, "rx");
		double sum_n[2] = { 0, 0 }, sum_t[2] = { 0, 0 };

		for (i = 0; i < rounds; i++) {
			ab_n[0] = ab_n[1] = ab_t[0] = ab_t[1] = 0;
			res[0][i] = rx ? bench_rx(dev[0], one_len, batches)
				       : bench_tx(dev[0], one_len, secs);
			cres[0][i] = cpu_pps;
			if (res[0][i] < 0) {
				fprintf(stderr, "%s failed\n", dev[0]);
				return 1;
			}
			if (!ab_slice || !ab_t[0] || !ab_t[1])
				continue;
			printf("round %d: accounting on %.0f pps (%.1f s), off %.0f pps (%.1f s), "
			       "ratio %.3f\n",
			       i + 1, ab_n[1] / ab_t[1], ab_t[1], ab_n[0] / ab_t[0], ab_t[0],
			       (ab_n[1] / ab_t[1]) / (ab_n[0] / ab_t[0]));
			for (d = 0; d < 2; d++) {
				sum_n[d] += ab_n[d];
				sum_t[d] += ab_t[d];
			}
		}
		if (ab_slice) {
			ab_set(1);
			if (!sum_t[0] || !sum_t[1]) {
				fprintf(stderr,
					"vhost-net-bench: -A: no whole slice; raise -t or -B\n");
				return 1;
			}
			printf("%s %s %zu B, accounting on %.0f pps, off %.0f pps, on/off ratio "
			       "%.3f\n",
			       dev[0] + 5, rx ? "RX" : "TX", one_len, sum_n[1] / sum_t[1],
			       sum_n[0] / sum_t[0], (sum_n[1] / sum_t[1]) / (sum_n[0] / sum_t[0]));
			return 0;
		}
		printf("%s %s %zu B, %s, median of %d: pps %.0f\n", dev[0] + 5, rx ? "RX" : "TX",
		       one_len, vm_id ? "attached to a VM" : "not attached", rounds,
		       bench_median(res[0], rounds));
		if (per_cpu)
			printf("packets per worker CPU-second %.0f\n",
			       bench_median(cres[0], rounds));
		return 0;
	}

	printf("%-10s %14s %14s %7s %11s\n", "test", dev[0] + 5, dev[1] + 5, "ratio",
	       rounds < 6 ? "rounds" : "95% CI");
	for (int dir = 0; dir < 2; dir++) {
		for (s = 0; s < 2; s++) {
			double m[2];

			for (i = 0; i < rounds && !sequential; i++) {
				double p[2];

				if (bench_pair(dev, sizes[s], dir, secs, batches, p)) {
					fprintf(stderr, "run failed\n");
					return 1;
				}
				res[0][i] = p[0];
				res[1][i] = p[1];
			}
			for (i = 0; i < rounds && sequential; i++)
				for (d = 0; d < 2; d++) {
					/* alternate which one goes first */
					int k = (i % 2) ? 1 - d : d;

					res[k][i] = dir ? bench_rx(dev[k], sizes[s], batches)
							: bench_tx(dev[k], sizes[s], secs);
					cres[k][i] = cpu_pps;
					if (res[k][i] < 0) {
						fprintf(stderr, "%s failed\n", dev[k]);
						return 1;
					}
				}
			/* the ratio of each round, before the medians sort */
			for (i = 0; i < rounds; i++) {
				pr[i] = res[0][i] / res[1][i];
				cpr[dir * 2 + s][i] = sequential ? cres[0][i] / cres[1][i] : 0;
			}
			for (d = 0; d < 2; d++) {
				m[d] = bench_median(res[d], rounds);
				cm[d][dir * 2 + s][0] =
					sequential ? bench_median(cres[d], rounds) : 0;
			}
			print_row(dir, sizes[s], m, pr, rounds);
		}
	}
	if (!sequential)
		return 0;
	printf("\npackets per second of worker CPU time (device cost only)\n");
	printf("%-10s %14s %14s %7s %11s\n", "test", dev[0] + 5, dev[1] + 5, "ratio",
	       rounds < 6 ? "rounds" : "95% CI");
	for (i = 0; i < 4; i++) {
		double m[2] = { cm[0][i][0], cm[1][i][0] };

		print_row(i / 2, sizes[i % 2], m, cpr[i], rounds);
	}
	return 0;
}
