// SPDX-License-Identifier: GPL-2.0
/*
 * blk_bench: 4 KiB random reads and writes on a block device, through
 * /dev/vmon-blk driven by the userspace guest driver, and through io_uring
 * from userspace on the same device, side by side. One thread per queue
 * (per io_uring instance), each keeping QD requests in flight.
 *
 * usage: blk_bench [-t SECONDS] [-r REPS] [-p BUSYPOLL_US] [-q QD] [-v] [-V] [-n] [-s|-W|-B]
 *                  [-1 CELL [-U]] DEVICE
 * The device is written in full first, so that reads read data (see fill()).
 *   -n       do not write the device first: it holds data already
 *   -r REPS  pairs of runs per cell (1 to 41, default 3); from 6 pairs on,
 *            the table gives the ratio's 95% confidence interval
 *   -q QD    only the cells of queue depth QD, 1 or 32
 *   -v       print every pair of runs as well
 *   -V       attach every vmon-blk device to a registered KVM VM, so that
 *            the per-VM accounting counts its I/O
 *   -s       serve every vmon-blk queue on the device's one worker thread;
 *            by default each queue has its own (VHOST_NEW_WORKER), which
 *            -W measured faster
 *   -W       instead of the table against io_uring: 4 queues, one shared
 *            worker against one worker per queue, side by side
 *   -B       instead of the table against io_uring: vmon-blk submitting
 *            kiocbs against bios (the module's blk_bio parameter), side
 *            by side
 *   -1 CELL  only vmon-blk on one cell, "read|write:QUEUES:QD"; the last
 *            number printed is its IOPS (for tools/bench/acct-ab)
 *   -U       with -1: that cell on io_uring instead (for perf)
 * Run inside the test VM by tools/bench/vmon-blk.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/vmon.h>

#include "../../selftests/blk/blk_env.h"
#include "bench_vm.h"
#include "stats.h"

#define BS 4096

/* Busy-poll time of the device's rings, microseconds (-p). */
static unsigned int busyloop_us;
/* The registered VM the devices attach to (-V), 0 for none. */
static __u32 vm_id;
/* One worker thread per queue, unless -s: one for the device. */
static bool worker_per_queue = true;

struct job {
	bool write;
	unsigned int qd;
	unsigned int q;
	uint64_t blocks;
	uint64_t deadline;
	uint64_t ops;
	struct blk_env *e;
	const char *dev;
	int err;
	uint64_t rng;
};

static uint64_t next_block(struct job *j)
{
	j->rng ^= j->rng << 13;
	j->rng ^= j->rng >> 7;
	j->rng ^= j->rng << 17;
	return j->rng % j->blocks;
}

static void *vmon_job(void *arg)
{
	struct job *j = arg;
	struct vdrv_ring *r = &j->e->d.ring[j->q];
	uint32_t type = j->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	struct pollfd p = { .fd = r->call_fd, .events = POLLIN };
	struct be_req *req;
	uint64_t v;
	unsigned int i, got;

	/* the harness made the call eventfd non-blocking; sleep in read() */
	if (fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) & ~O_NONBLOCK)) {
		j->err = -errno;
		return NULL;
	}
	for (i = 0; i < j->qd; i++) {
		req = be_get(j->e, j->q);
		if (!req || be_post(j->e, req, type, next_block(j) * 8, BS, 0)) {
			j->err = -ENOSPC;
			return NULL;
		}
	}
	vdrv_kick(r, true);
	/* as Linux's virtio-blk: no interrupts while reaping, on before sleeping */
	vdrv_disable_cb(r);
	while (be_now_ns() < j->deadline) {
		got = 0;
		while ((req = be_reap(j->e, j->q))) {
			if (req->status != VIRTIO_BLK_S_OK) {
				j->err = -EIO;
				return NULL;
			}
			got++;
			be_post(j->e, req, type, next_block(j) * 8, BS, 0);
		}
		if (got) {
			j->ops += got;
			vdrv_kick(r, false);
			continue;
		}
		/* with -p, the guest polls too, as a polling guest driver */
		for (i = 0; busyloop_us && i < busyloop_us * 100; i++)
			if (vdrv_pending_used(r))
				break;
		if (vdrv_pending_used(r))
			continue;
		/*
		 * Sleep in read(), one system call where poll() and read()
		 * were two: the guest's interrupt is not the device's cost.
		 * run() signals every ring at the deadline, so this returns.
		 */
		vdrv_enable_cb(r);
		if (!vdrv_pending_used(r))
			(void)!read(p.fd, &v, sizeof(v));
		vdrv_disable_cb(r);
	}
	/* let the device finish before the caller tears it down */
	while (r->num_free < r->num) {
		if (!be_reap(j->e, j->q)) {
			vdrv_enable_cb(r);
			if (!vdrv_pending_used(r) && poll(&p, 1, 1000) <= 0)
				break;
			if (p.revents)
				(void)!read(p.fd, &v, sizeof(v));
		}
	}
	return NULL;
}

static void *uring_job(void *arg)
{
	struct job *j = arg;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	unsigned int i, head, got, inflight = 0;
	uint8_t *bufs;
	int fd, ret;

	fd = open(j->dev, O_RDWR | O_DIRECT);
	if (fd < 0 || posix_memalign((void **)&bufs, 4096, (size_t)j->qd * BS) ||
	    io_uring_queue_init(j->qd, &ring, 0)) {
		j->err = -errno;
		return NULL;
	}
	memset(bufs, 0x5a, (size_t)j->qd * BS);
	for (i = 0; i < j->qd; i++) {
		sqe = io_uring_get_sqe(&ring);
		if (j->write)
			io_uring_prep_write(sqe, fd, bufs + i * BS, BS, next_block(j) * BS);
		else
			io_uring_prep_read(sqe, fd, bufs + i * BS, BS, next_block(j) * BS);
		io_uring_sqe_set_data64(sqe, i);
	}
	io_uring_submit(&ring);
	inflight = j->qd;
	while (be_now_ns() < j->deadline) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret) {
			j->err = ret;
			break;
		}
		got = 0;
		io_uring_for_each_cqe(&ring, head, cqe)
		{
			uint64_t k = io_uring_cqe_get_data64(cqe);

			if (cqe->res != BS) {
				j->err = -EIO;
				break;
			}
			got++;
			sqe = io_uring_get_sqe(&ring);
			if (j->write)
				io_uring_prep_write(sqe, fd, bufs + k * BS, BS, next_block(j) * BS);
			else
				io_uring_prep_read(sqe, fd, bufs + k * BS, BS, next_block(j) * BS);
			io_uring_sqe_set_data64(sqe, k);
		}
		io_uring_cq_advance(&ring, got);
		j->ops += got;
		if (j->err)
			break;
		io_uring_submit(&ring);
	}
	while (inflight && !io_uring_wait_cqe(&ring, &cqe)) {
		io_uring_cqe_seen(&ring, cqe);
		inflight--;
	}
	io_uring_queue_exit(&ring);
	free(bufs);
	close(fd);
	return NULL;
}

/* At @deadline, signal every ring, to wake the guest drivers sleeping in read(). */
static void wake_at(struct blk_env *e, unsigned int nq, uint64_t deadline)
{
	struct timespec dl = { .tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000 };
	uint64_t one = 1;
	unsigned int q;

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL) == EINTR)
		;
	for (q = 0; q < nq; q++)
		if (write(e->d.ring[q].call_fd, &one, sizeof(one)) != sizeof(one))
			perror("blk_bench: waking a guest driver");
}

static double run(const char *dev, bool uring, bool write, unsigned int nq, unsigned int qd,
		  double secs, uint64_t blocks)
{
	struct job jobs[VDRV_MAX_RINGS];
	pthread_t th[VDRV_MAX_RINGS];
	struct blk_env e;
	uint64_t t0, ops = 0;
	unsigned int q;
	int fd = -1;

	if (!uring) {
		fd = open(dev, O_RDWR | O_DIRECT);
		if (fd < 0 ||
		    be_setup(&e, nq, qd, BE_FEATURES & ~(1ULL << VIRTIO_RING_F_INDIRECT_DESC)) ||
		    (worker_per_queue && nq > 1 && vdrv_worker_per_ring(&e.d, 1, nq - 1)) ||
		    be_backend(&e, fd)) {
			fprintf(stderr, "blk_bench: vmon-blk setup failed\n");
			exit(1);
		}
		if (vm_id)
			bench_attach(e.d.fd, vm_id, "blk_bench");
		for (q = 0; q < nq; q++) {
			struct vhost_vring_state s = { .index = q, .num = busyloop_us };

			if (ioctl(e.d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s)) {
				perror("blk_bench: busyloop timeout");
				exit(1);
			}
		}
	}
	t0 = be_now_ns();
	for (q = 0; q < nq; q++) {
		jobs[q] = (struct job){
			.write = write,
			.qd = qd,
			.q = q,
			.blocks = blocks,
			.deadline = t0 + (uint64_t)(secs * 1e9),
			.e = &e,
			.dev = dev,
			.rng = 0x2545f4914f6cdd1dULL * (q + 1),
		};
		pthread_create(&th[q], NULL, uring ? uring_job : vmon_job, &jobs[q]);
	}
	if (!uring)
		wake_at(&e, nq, jobs[0].deadline);
	for (q = 0; q < nq; q++) {
		pthread_join(th[q], NULL);
		if (jobs[q].err) {
			fprintf(stderr, "blk_bench: %s job failed: %s\n",
				uring ? "io_uring" : "vmon-blk", strerror(-jobs[q].err));
			exit(1);
		}
		ops += jobs[q].ops;
	}
	t0 = be_now_ns() - t0;
	if (!uring) {
		be_teardown(&e);
		close(fd);
	}
	return ops / (t0 / 1e9);
}

/*
 * Write the whole device once, so that reads read data: a brd ramdisk
 * reads a block never written as zeroes, without a copy, which would make
 * the read cells measure less than a disk does.
 */
static void fill(const char *dev, uint64_t size)
{
	const size_t chunk = 1 << 20;
	uint64_t off;
	uint8_t *buf;
	int fd;

	fd = open(dev, O_WRONLY | O_DIRECT);
	if (fd < 0 || posix_memalign((void **)&buf, 4096, chunk)) {
		perror(dev);
		exit(1);
	}
	memset(buf, 0xa5, chunk);
	for (off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (pwrite(fd, buf, n, off) != (ssize_t)n) {
			fprintf(stderr, "blk_bench: filling %s at %llu: %s\n", dev,
				(unsigned long long)off, strerror(errno));
			exit(1);
		}
	}
	free(buf);
	close(fd);
}

#define MAX_REPS 41
#define USAGE                                                                                      \
	"usage: blk_bench [-t SECONDS] [-r REPS] [-p BUSYPOLL_US] [-q QD] [-v] [-V] [-n] "         \
	"[-s|-W|-B] "                                                                              \
	"[-1 CELL [-U]] DEV\n"

/* -v: print every pair of runs, not only the table. */
static bool verbose;
/* The queue depths of the tables (-q: one of them, the other 0). */
static unsigned int qds[2] = { 1, 32 };

/*
 * A table of two sides measured alternately: @side(0) and @side(1) set one
 * side up and say whether it is io_uring. The sides run back to back in
 * pairs, their order swapped every pair (ABBA), so that neither the drift
 * of the host nor being first favours one. The IOPS columns are each
 * side's median; the ratio is the median of the pairs' ratios, which
 * cancels what the host does over seconds, with its 95% confidence
 * interval (bench_median_ci95(); the range of the pairs below 6 pairs).
 */
struct table {
	const char *a, *b;	 /* the two columns */
	const unsigned int *nqs; /* queue counts, 0-terminated */
	bool (*side)(int s);
	bool b_over_a; /* the ratio b / a, else a / b */
};

/* One row of the table: @reps pairs of runs of one cell. */
static void pair_row(const struct table *t, const char *dev, bool write, unsigned int nq,
		     unsigned int qd, unsigned int reps, double secs, uint64_t blocks)
{
	double lo, hi, v[2][MAX_REPS], pr[MAX_REPS];
	unsigned int r, s, side;

	for (r = 0; r < reps; r++) {
		for (s = 0; s < 2; s++) {
			side = s ^ (r & 1);
			v[side][r] = run(dev, t->side(side), write, nq, qd, secs, blocks);
		}
		pr[r] = t->b_over_a ? v[1][r] / v[0][r] : v[0][r] / v[1][r];
		if (verbose)
			printf("#   %s %u queues QD %u pair %u (%s first): %.0f %.0f, ratio %.4f\n",
			       write ? "write" : "read", nq, qd, r + 1, r & 1 ? t->b : t->a,
			       v[0][r], v[1][r], pr[r]);
	}
	bench_median_ci95(pr, reps, &lo, &hi);
	printf("%-10s %6u %4u %14.0f %14.0f %7.2f   %4.2f-%4.2f\n",
	       write ? "randwrite" : "randread", nq, qd, bench_median(v[0], reps),
	       bench_median(v[1], reps), bench_median(pr, reps), lo, hi);
	fflush(stdout);
}

static void pair_table(const struct table *t, const char *dev, unsigned int reps, double secs,
		       uint64_t blocks)
{
	unsigned int w, k, i;

	printf("%-10s %6s %4s %14s %14s %7s %11s\n", "workload", "queues", "QD", t->a, t->b,
	       "ratio", reps < 6 ? "pairs" : "95% CI");
	for (w = 0; w < 2; w++)
		for (k = 0; t->nqs[k]; k++)
			for (i = 0; i < 2; i++)
				if (qds[i])
					pair_row(t, dev, w, t->nqs[k], qds[i], reps, secs, blocks);
}

/* The default table: vmon-blk against io_uring. */
static bool side_uring(int s)
{
	return s;
}

/* -W: 4 queues on one shared worker against one worker per queue. */
static bool side_workers(int s)
{
	worker_per_queue = s;
	return false;
}

/* -B: the same device through kiocbs and through bios. */
static bool side_bios(int s)
{
	/* read when a back end is attached: every run() sets up a device */
	if (be_set_bio(s)) {
		perror("blk_bench: the blk_bio parameter");
		exit(1);
	}
	return false;
}

int main(int argc, char **argv)
{
	static const unsigned int nqs[] = { 1, 4, 0 };
	double secs = 3, va[MAX_REPS];
	unsigned int r, reps = 3;
	unsigned int one_q = 0, one_qd = 0;
	bool attach = false, workers = false, bios = false, one_uring = false, filled = false;
	const char *dev;
	char op[6] = "";
	uint64_t size;
	int opt, fd;

	while ((opt = getopt(argc, argv, "t:p:r:q:vVnsWB1:U")) != -1) {
		if (opt == 't') {
			secs = atof(optarg);
			if (!(secs > 0 && secs <= 3600)) {
				fprintf(stderr, "blk_bench: -t '%s': want 0 to 3600 seconds\n",
					optarg);
				return 2;
			}
		} else if (opt == 'r') {
			int n = atoi(optarg);

			if (n < 1 || n > MAX_REPS) {
				fprintf(stderr, "blk_bench: -r '%s': want 1 to %d pairs\n", optarg,
					MAX_REPS);
				return 2;
			}
			reps = n;
		} else if (opt == 'p') {
			busyloop_us = atoi(optarg);
		} else if (opt == 'q') {
			if (strcmp(optarg, "1") && strcmp(optarg, "32")) {
				fprintf(stderr, "blk_bench: -q '%s': want 1 or 32\n", optarg);
				return 2;
			}
			qds[0] = strcmp(optarg, "1") ? 0 : 1;
			qds[1] = strcmp(optarg, "32") ? 0 : 32;
		} else if (opt == 'v') {
			verbose = true;
		} else if (opt == 'V') {
			attach = true;
		} else if (opt == 'n') {
			filled = true;
		} else if (opt == 's') {
			worker_per_queue = false;
		} else if (opt == 'W') {
			workers = true;
		} else if (opt == 'B') {
			bios = true;
		} else if (opt == 'U') {
			one_uring = true;
		} else if (opt == '1') {
			if (sscanf(optarg, "%5[a-z]:%u:%u", op, &one_q, &one_qd) != 3 ||
			    (strcmp(op, "read") && strcmp(op, "write")) || !one_q ||
			    one_q > VDRV_MAX_RINGS || !one_qd || one_qd > 256) {
				fprintf(stderr, "blk_bench: -1 '%s': want read|write:QUEUES:QD\n",
					optarg);
				return 2;
			}
		} else {
			fprintf(stderr, USAGE);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, USAGE);
		return 2;
	}
	dev = argv[optind];
	fd = open(dev, O_RDONLY);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	if (system("modprobe vmon"))
		return 1;
	if (!filled)
		fill(dev, size);
	if (attach)
		vm_id = bench_register_vm("blk-bench");
	if (one_q) {
		for (r = 0; r < reps; r++)
			va[r] = run(dev, one_uring, !strcmp(op, "write"), one_q, one_qd, secs,
				    size / BS);
		if (one_uring)
			printf("io_uring %s, %u queues, QD %u: IOPS %.0f\n", op, one_q, one_qd,
			       bench_median(va, reps));
		else
			printf("vmon-blk %s, %u queues, QD %u, %s, %s: IOPS %.0f\n", op, one_q,
			       one_qd, vm_id ? "attached to a VM" : "not attached",
			       worker_per_queue ? "a worker per queue" : "one worker",
			       bench_median(va, reps));
		return 0;
	}
	if (workers) {
		static const unsigned int four[] = { 4, 0 };
		const struct table t = { "shared IOPS", "per-queue IOPS", four, side_workers,
					 true };

		printf("# vmon-blk, 4 KiB random I/O on %s, %u pairs of %.1f s runs, %ld "
		       "CPUs\n",
		       dev, reps, secs, sysconf(_SC_NPROCESSORS_ONLN));
		pair_table(&t, dev, reps, secs, size / BS);
	} else if (bios) {
		const struct table t = { "kiocb IOPS", "bio IOPS", nqs, side_bios, true };

		printf("# vmon-blk, 4 KiB random I/O on %s, O_DIRECT, %u pairs of %.1f s runs, "
		       "%ld CPUs, %s\n",
		       dev, reps, secs, sysconf(_SC_NPROCESSORS_ONLN),
		       worker_per_queue ? "a worker per queue" : "one worker per device");
		pair_table(&t, dev, reps, secs, size / BS);
	} else {
		const struct table t = { "vmon-blk IOPS", "io_uring IOPS", nqs, side_uring, false };

		printf("# 4 KiB random I/O on %s, O_DIRECT, %u pairs of %.1f s runs, "
		       "%ld CPUs, vmon-blk busy-poll %u us, %s\n",
		       dev, reps, secs, sysconf(_SC_NPROCESSORS_ONLN), busyloop_us,
		       worker_per_queue ? "a worker per queue" : "one worker per device");
		pair_table(&t, dev, reps, secs, size / BS);
	}
	return 0;
}
