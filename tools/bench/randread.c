// SPDX-License-Identifier: GPL-2.0
/*
 * randread DEVICE SECONDS THREADS: 4 KiB random reads with O_DIRECT from a
 * block device, one synchronous pread at a time per thread (so THREADS is
 * the queue depth), for SECONDS; prints "randread iops N ops N threads N".
 * Built static to run inside the busybox test guests (tools/bench/vmm-blk),
 * where there is no fio.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BS 4096
#define MAX_THREADS 64

static int fd;
static uint64_t blocks;
static atomic_bool stop;
static atomic_uint_fast64_t ops;
static atomic_int failed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1, n = 0;
	void *buf;

	if (posix_memalign(&buf, BS, BS))
		return NULL;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, BS, (off_t)((x % blocks) * BS)) != BS) {
			atomic_store(&failed, errno ? errno : EIO);
			break;
		}
		n++;
	}
	atomic_fetch_add(&ops, n);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX_THREADS];
	double secs, t0, t1;
	off_t size;
	int nt;

	if (argc != 4) {
		fprintf(stderr, "usage: randread DEVICE SECONDS THREADS\n");
		return 2;
	}
	secs = atof(argv[2]);
	nt = atoi(argv[3]);
	if (secs <= 0 || nt < 1 || nt > MAX_THREADS) {
		fprintf(stderr, "randread: bad SECONDS '%s' or THREADS '%s' (1-%d)\n", argv[2],
			argv[3], MAX_THREADS);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
	if (size < BS) {
		fprintf(stderr, "randread: %s: %s\n", argv[1],
			size < 0 ? strerror(errno) : "smaller than 4 KiB");
		return 1;
	}
	blocks = (uint64_t)size / BS;
	t0 = now();
	for (int i = 0; i < nt; i++)
		if (pthread_create(&t[i], NULL, reader, (void *)(uintptr_t)(i + 1))) {
			fprintf(stderr, "randread: cannot start thread %d\n", i);
			return 1;
		}
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop, true);
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	t1 = now();
	if (failed) {
		fprintf(stderr, "randread: %s: read failed: %s\n", argv[1], strerror(failed));
		return 1;
	}
	printf("randread iops %.0f ops %llu threads %d\n", (double)ops / (t1 - t0),
	       (unsigned long long)ops, nt);
	return 0;
}
