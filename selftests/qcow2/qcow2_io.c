// SPDX-License-Identifier: GPL-2.0
/*
 * qcow2-io: a test driver for libqcow2 writes (qemu-img has no write
 * command; this plays qemu-io's part for our library).
 *
 *   qcow2-io random IMG REF SEED N   N random writes, zero writes and (qcow2)
 *                                    compressed writes to IMG, mirrored into
 *                                    the raw file REF
 *   qcow2-io crash IMG LOG SEED      allocating writes forever, each flushed,
 *                                    then "ack OFF LEN SEED" appended to LOG
 *                                    (fsync'ed); snapshots and resizes mixed in
 *   qcow2-io verify IMG LOG          every acked write reads back (last wins)
 *   qcow2-io bench IMG COUNT BS STEP [shuffle]
 *                                    COUNT writes of BS bytes, STEP apart (as
 *                                    qemu-img bench -w), in shuffled order when
 *                                    asked; flushed once at the end
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmon/qcow2.h>

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(uint8_t *b, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		b[i] = s;
	}
}

static int die(const char *what)
{
	fprintf(stderr, "qcow2-io: %s: %s\n", what, vimg_strerror());
	return 1;
}

static int cmd_random(char **argv)
{
	struct vimg *img;
	int ref, i, n = atoi(argv[4]);
	uint64_t size, off, len, cs;
	uint8_t *buf;

	rng = strtoull(argv[3], NULL, 0) | 1;
	if (vimg_open(argv[1], NULL, VIMG_RDWR, &img))
		return die(argv[1]);
	ref = open(argv[2], O_RDWR);
	if (ref < 0) {
		perror(argv[2]);
		return 1;
	}
	size = vimg_size(img);
	cs = vimg_cluster_size(img);
	buf = malloc(4 << 20);
	for (i = 0; i < n; i++) {
		int op = rnd() % 10;

		if (op < 2 && cs && cs <= (4u << 20)) { /* compressed cluster */
			off = (rnd() % (size / cs)) * cs;
			len = cs;
			if (off + len > size)
				continue;
			fill(buf, len / 2, rnd());
			memset(buf + len / 2, 0x5a, len - len / 2);
			if (vimg_pwrite_compressed(img, buf, len, off))
				return die("compressed write");
		} else if (op < 3) { /* zeroes */
			off = rnd() % size;
			len = 1 + rnd() % (size - off < (2u << 20) ? size - off : (2u << 20));
			memset(buf, 0, len);
			if (vimg_pwrite_zeroes(img, off, len))
				return die("zero write");
		} else {
			off = rnd() % size;
			len = 1 + rnd() % (size - off < 300000 ? size - off : 300000);
			fill(buf, len, rnd());
			if (vimg_pwrite(img, buf, len, off))
				return die("write");
		}
		if (pwrite(ref, buf, len, off) != (ssize_t)len) {
			perror("reference write");
			return 1;
		}
	}
	free(buf);
	close(ref);
	if (vimg_close(img))
		return die("close");
	return 0;
}

static int cmd_crash(char **argv)
{
	struct vimg *img;
	FILE *log = fopen(argv[2], "a");
	uint64_t size, off, len, seed, cs;
	uint8_t *buf = malloc(1 << 20);
	char name[32];
	int i;

	rng = strtoull(argv[3], NULL, 0) | 1;
	if (!log || vimg_open(argv[1], NULL, VIMG_RDWR, &img))
		return die(argv[1]);
	cs = vimg_cluster_size(img);
	for (i = 0;; i++) {
		size = vimg_size(img);
		if (rnd() % 40 == 0) {
			snprintf(name, sizeof(name), "s%d", i);
			if (qcow2_snapshot_create(img, name))
				return die("snapshot");
			continue;
		}
		if (rnd() % 40 == 0) {
			if (vimg_resize(img, size + 16 * cs, false))
				return die("resize");
			continue;
		}
		off = rnd() % size;
		len = 1 + rnd() % (size - off < (1u << 20) ? size - off : (1u << 20));
		seed = rnd();
		fill(buf, len, seed);
		/* the write in flight when killed may be partly visible */
		fprintf(log, "try %llu %llu %llu\n", (unsigned long long)off,
			(unsigned long long)len, (unsigned long long)seed);
		fflush(log);
		fsync(fileno(log));
		if (vimg_pwrite(img, buf, len, off) || vimg_flush(img))
			return die("write");
		fprintf(log, "ack %llu %llu %llu\n", (unsigned long long)off,
			(unsigned long long)len, (unsigned long long)seed);
		fflush(log);
		fsync(fileno(log));
	}
}

static int cmd_verify(char **argv)
{
	struct vimg *img;
	FILE *log = fopen(argv[2], "r");
	unsigned long long off, len, seed;
	uint8_t *want = malloc(1 << 20), *got = malloc(1 << 20), *done;
	uint64_t size;
	int bad = 0;
	long n = 0, i, k;
	struct {
		unsigned long long off, len, seed;
	} *w = NULL;

	if (!log || vimg_open(argv[1], NULL, 0, &img))
		return die(argv[1]);
	size = vimg_size(img);
	char kind[8];
	int inflight = 0;
	unsigned long long ioff = 0, ilen = 0;

	while (fscanf(log, "%7s %llu %llu %llu\n", kind, &off, &len, &seed) == 4) {
		if (!strcmp(kind, "try")) {
			inflight = 1;
			ioff = off;
			ilen = len;
			continue;
		}
		inflight = 0;
		w = realloc(w, (n + 1) * sizeof(*w));
		w[n].off = off;
		w[n].len = len;
		w[n].seed = seed;
		n++;
	}
	/* newest first: a byte is checked against the last write covering it */
	done = calloc(1, size);
	if (inflight) /* old or new data are both right there */
		memset(done + ioff, 1, ilen);
	for (i = n - 1; i >= 0 && !bad; i--) {
		fill(want, w[i].len, w[i].seed);
		if (vimg_pread(img, got, w[i].len, w[i].off))
			return die("read");
		for (k = 0; k < (long)w[i].len; k++) {
			if (done[w[i].off + k])
				continue;
			done[w[i].off + k] = 1;
			if (got[k] != want[k]) {
				fprintf(stderr,
					"qcow2-io: acked write %ld (off %llu) differs at byte "
					"%ld\n",
					i, w[i].off, k);
				bad = 1;
				break;
			}
		}
	}
	printf("%ld acked writes checked\n", n);
	vimg_close(img);
	return bad;
}

static int cmd_bench(int argc, char **argv)
{
	uint64_t count = strtoull(argv[2], NULL, 0), bs = strtoull(argv[3], NULL, 0);
	uint64_t step = strtoull(argv[4], NULL, 0), i, j, t, *ord;
	struct vimg *img;
	uint8_t *buf;

	if (vimg_open(argv[1], NULL, VIMG_RDWR, &img))
		return die(argv[1]);
	ord = malloc(count * sizeof(*ord));
	buf = malloc(bs);
	memset(buf, 0xa5, bs);
	for (i = 0; i < count; i++)
		ord[i] = i;
	rng = 12345;
	if (argc > 5)
		for (i = count - 1; i > 0; i--) {
			j = rnd() % (i + 1);
			t = ord[i];
			ord[i] = ord[j];
			ord[j] = t;
		}
	for (i = 0; i < count; i++)
		if (vimg_pwrite(img, buf, bs, ord[i] * step))
			return die("write");
	if (vimg_close(img))
		return die("close");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (argc == 6 && !strcmp(argv[1], "random"))
		return cmd_random(argv + 1);
	if (argc == 5 && !strcmp(argv[1], "crash"))
		return cmd_crash(argv + 1);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv + 1);
	fprintf(stderr,
		"usage: qcow2-io random IMG REF SEED N | crash IMG LOG SEED | verify IMG LOG\n");
	return 2;
}
