// SPDX-License-Identifier: GPL-2.0
/* vmon img convert, compare, commit and rebase: data copied between images. */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "img.h"

#define CHUNK (2u << 20)

static const struct option opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static bool is_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

static void progress(bool on, uint64_t done, uint64_t total)
{
	if (on)
		printf("    (%.2f/100%%)\r", total ? done * 100.0 / total : 100.0);
	if (on)
		fflush(stdout);
}

/*
 * convert is a two-stage pipeline: this thread reads the source (block
 * status, then data) into a ring of buffers while a writer thread writes the
 * destination, so reading and writing overlap. Each image is used by one
 * thread only.
 */
#define RING 4

struct job {
	uint64_t off, n;
	bool zero; /* skip: reads as zeroes */
	uint8_t *buf;	     /* owned: the data when read with pread */
	const uint8_t *data; /* buf, or the mapped source */
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job ring[RING];
	int head, tail, count;
	bool done;
	int err; /* writer failure */
	struct vimg *dst;
	struct vimg *bk; /* -B: the new image's backing file, or NULL */
	uint8_t *bkbuf;
	uint64_t g, sparse, size;
	bool compress, prog;
};

/* -B: write only the grains that differ from the backing file. */
static int write_job_over_backing(struct pipe *p, struct job *j)
{
	uint64_t i, len, bs = vimg_size(p->bk), n;
	int ret;

	memset(p->bkbuf, 0, j->n);
	n = j->off >= bs ? 0 : (bs - j->off < j->n ? bs - j->off : j->n);
	if (n) {
		ret = vimg_pread(p->bk, p->bkbuf, n, j->off);
		if (ret)
			return ret;
	}
	for (i = 0, ret = 0; i < j->n && !ret; i += p->g) {
		len = j->n - i < p->g ? j->n - i : p->g;
		if (!memcmp(j->data + i, p->bkbuf + i, len))
			continue;
		if (p->compress && len == p->g)
			ret = vimg_pwrite_compressed(p->dst, j->data + i, len, j->off + i);
		else
			ret = vimg_pwrite(p->dst, j->data + i, len, j->off + i);
	}
	return ret;
}

static int write_job(struct pipe *p, struct job *j)
{
	uint64_t i, k, len;
	int ret = 0;

	if (j->zero)
		return 0;
	if (p->bk)
		return write_job_over_backing(p, j);
	for (i = 0; i < j->n && !ret; i += p->g) {
		len = j->n - i < p->g ? j->n - i : p->g;
		if (p->compress) {
			if (!is_zero(j->data + i, len))
				ret = vimg_pwrite_compressed(p->dst, j->data + i, len, j->off + i);
			continue;
		}
		if (p->sparse && is_zero(j->data + i, len))
			continue;
		/* merge following non-zero grains into one write */
		for (k = i; k + p->g < j->n; k += p->g) {
			uint64_t l2 = j->n - k - p->g < p->g ? j->n - k - p->g : p->g;

			if (p->sparse && is_zero(j->data + k + p->g, l2))
				break;
		}
		len = (k + p->g > j->n ? j->n : k + p->g) - i;
		ret = vimg_pwrite(p->dst, j->data + i, len, j->off + i);
		i = k;
	}
	return ret;
}

static void *writer(void *arg)
{
	struct pipe *p = arg;
	struct job *j;
	int ret;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->count && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->count) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = &p->ring[p->tail];
		pthread_mutex_unlock(&p->mu);
		ret = p->err ? 0 : write_job(p, j);
		if (p->prog)
			progress(true, j->off + j->n, p->size);
		pthread_mutex_lock(&p->mu);
		if (ret && !p->err)
			p->err = ret;
		p->tail = (p->tail + 1) % RING;
		p->count--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/*
 * The source's own file is mapped: for data stored plainly in it (all of a
 * raw file, runs of uncompressed clusters of a qcow2 file) the writer copies
 * straight from the source's page cache into the destination, one copy
 * instead of two (pread into a buffer, pwrite out of it). The reader thread
 * populates each chunk's page tables ahead of the writer, so the writer takes
 * no page faults; data past the end of the file fails to populate and is
 * read with pread, which reports the error.
 */
struct srcmap {
	const uint8_t *base; /* NULL: not mapped, pread everything */
	uint64_t len;
};

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static void map_source(struct vimg *src, struct srcmap *m)
{
	off_t end = lseek(vimg_fd(src), 0, SEEK_END);
	void *b;

	m->base = NULL;
	if (end <= 0 || (uint64_t)end > SIZE_MAX)
		return;
	b = mmap(NULL, end, PROT_READ, MAP_SHARED, vimg_fd(src), 0);
	if (b == MAP_FAILED)
		return;
	madvise(b, end, MADV_SEQUENTIAL);
	m->base = b;
	m->len = end;
}

static void unmap_source(struct srcmap *m)
{
	if (m->base)
		munmap((void *)m->base, m->len);
}

/*
 * Make j->data the guest bytes [off, off + *n) of src, mapped or read into
 * j->buf. A mapped run shorter than *n shortens *n (to whole grains g) unless
 * whole clusters are needed (compress).
 */
static int read_chunk(struct vimg *src, const struct srcmap *m, struct job *j, uint64_t off,
		      uint64_t *n, uint64_t g, bool compress)
{
	uint64_t host = 0, run = m->base ? vimg_host_run(src, off, *n, &host) : 0, a;
	int ret;

	if (run && run < *n && !compress)
		*n = run > g && run % g ? run - run % g : run;
	a = host & ~4095ull;
	if (run >= *n && host + *n <= m->len &&
	    !madvise((void *)(m->base + a), host + *n - a, MADV_POPULATE_READ)) {
		j->data = m->base + host;
		return 0;
	}
	ret = vimg_pread(src, j->buf, *n, off);
	j->data = j->buf;
	return ret;
}

int img_convert(int argc, char **argv)
{
	struct vimg_create_opts o = { .fmt = VIMG_RAW };
	const char *sfmt = NULL;
	bool compress = false, prog = false, safe = false, started = false;
	uint64_t sparse = 4096, size, off, n, g;
	struct pipe p = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct vimg *src, *dst;
	struct vimg_extent e;
	struct srcmap sm = { 0 };
	pthread_t wt;
	int c, ret = 0, i;

	while ((c = getopt_long(argc, argv, "f:O:o:cpS:B:F:qWm:nt:T:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			safe = strcmp(optarg, "unsafe") != 0;
			break;
		case 'T':
			break;
		case 'f':
			sfmt = optarg;
			break;
		case 'O':
			if (img_parse_fmt(optarg, &o.fmt))
				return VMON_EXIT_USAGE;
			break;
		case 'o':
			if (img_parse_create_opts(optarg, &o))
				return VMON_EXIT_USAGE;
			break;
		case 'c':
			compress = true;
			break;
		case 'p':
			prog = true;
			break;
		case 'S':
			if (vimg_parse_size(optarg, &sparse)) {
				vmon_err("img convert: -S: '%s' is not a size", optarg);
				return VMON_EXIT_USAGE;
			}
			break;
		case 'B':
			o.backing_file = optarg;
			break;
		case 'F':
			o.backing_fmt = optarg;
			break;
		case 'q':
		case 'W':
		case 'm':
			break;
		default:
			img_usage(stderr, "convert");
			return VMON_EXIT_USAGE;
		}
	}
	if (optind != argc - 2) {
		vmon_err("img convert: expecting a source and a destination file name");
		return VMON_EXIT_USAGE;
	}
	if (compress && o.fmt != VIMG_QCOW2) {
		vmon_err("img convert: -c needs -O qcow2");
		return VMON_EXIT_USAGE;
	}
	src = img_open(argv[optind], sfmt, 0);
	if (!src)
		return VMON_EXIT_FAIL;
	size = vimg_size(src);
	o.size = size;
	if (vimg_create(argv[optind + 1], &o)) {
		vmon_err("img convert: %s: %s", argv[optind + 1], vimg_strerror());
		vimg_close(src);
		return VMON_EXIT_FAIL;
	}
	/* like qemu-img convert's default cache=unsafe; -t writeback|none syncs */
	dst = img_open(argv[optind + 1], o.fmt == VIMG_QCOW2 ? "qcow2" : "raw",
		       VIMG_RDWR | (safe ? 0 : VIMG_UNSAFE));
	if (!dst) {
		vimg_close(src);
		return VMON_EXIT_FAIL;
	}
	for (i = 0; i < RING; i++) {
		p.ring[i].buf = aligned_alloc(4096, CHUNK);
		if (!p.ring[i].buf) {
			vmon_err("img convert: out of memory");
			ret = -1;
		}
	}
	if (o.backing_file) {
		p.bk = vimg_backing(dst);
		p.bkbuf = malloc(CHUNK);
		if (!p.bkbuf)
			ret = -1;
	}
	g = compress || p.bk ? vimg_cluster_size(dst) : (sparse ? sparse : CHUNK);
	if (g > CHUNK)
		g = CHUNK;
	p.dst = dst;
	p.g = g;
	p.sparse = sparse;
	p.size = size;
	p.compress = compress;
	p.prog = prog;
	progress(prog, 0, size);
	map_source(src, &sm);
	if (!ret) {
		started = !pthread_create(&wt, NULL, writer, &p);
		if (!started) {
			vmon_err("img convert: cannot start the writer thread");
			ret = -1;
		}
	}
	for (off = 0; off < size && !ret; off += n) {
		struct job *j;

		pthread_mutex_lock(&p.mu);
		while (p.count == RING)
			pthread_cond_wait(&p.cv, &p.mu);
		ret = p.err;
		j = &p.ring[p.head];
		pthread_mutex_unlock(&p.mu);
		if (ret)
			break;
		n = size - off < CHUNK ? size - off : CHUNK;
		ret = vimg_block_status(src, off, n, true, &e);
		if (ret)
			break;
		j->zero = e.zero && sparse && !p.bk;
		if (compress && j->zero && e.length < g) {
			j->zero = false; /* compression works on whole clusters */
			e.length = g;
		}
		if (j->zero) {
			n = compress ? e.length / g * g : e.length;
		} else {
			n = e.length < n ? e.length : n;
			if (compress) /* whole clusters: off stays aligned */
				n = (n + g - 1) / g * g;
			else if (n > g && n % g && off + n < size)
				n -= n % g; /* keep chunks aligned to the grain */
			if (n > size - off)
				n = size - off;
			ret = read_chunk(src, &sm, j, off, &n, g, compress);
			if (ret)
				break;
		}
		j->off = off;
		j->n = n;
		pthread_mutex_lock(&p.mu);
		p.head = (p.head + 1) % RING;
		p.count++;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
	}
	if (started) {
		pthread_mutex_lock(&p.mu);
		p.done = true;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(wt, NULL);
	}
	if (!ret)
		ret = p.err;
	if (prog)
		printf("    (100.00/100%%)\n");
	if (ret && ret != -1)
		vmon_err("img convert: %s", vimg_strerror());
	for (i = 0; i < RING; i++)
		free(p.ring[i].buf);
	free(p.bkbuf);
	unmap_source(&sm);
	vimg_close(src);
	if (vimg_close(dst) && !ret) {
		vmon_err("img convert: %s", vimg_strerror());
		ret = -1;
	}
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}

/* Compare [off, off+n) of two images; returns 1 and the offset on a mismatch. */
static int cmp_range(struct vimg *a, struct vimg *b, uint64_t off, uint64_t n, uint8_t *ba,
		     uint8_t *bb, uint64_t *where)
{
	uint64_t i, k;

	if (vimg_pread(a, ba, n, off) || vimg_pread(b, bb, n, off))
		return -1;
	if (!memcmp(ba, bb, n))
		return 0;
	for (i = 0; i < n; i += 512) {
		k = n - i < 512 ? n - i : 512;
		if (memcmp(ba + i, bb + i, k)) {
			*where = off + i;
			return 1;
		}
	}
	return 0;
}

int img_compare(int argc, char **argv)
{
	const char *fa = NULL, *fb = NULL;
	bool strict = false;
	struct vimg *a, *b, *big;
	struct vimg_extent ea, eb;
	uint64_t off, n, common, where = 0;
	uint8_t *ba, *bb;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "f:F:spqU", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fa = optarg;
			break;
		case 'F':
			fb = optarg;
			break;
		case 's':
			strict = true;
			break;
		case 'p':
		case 'q':
		case 'U':
			break;
		default:
			img_usage(stderr, "compare");
			return 2;
		}
	}
	if (optind != argc - 2) {
		vmon_err("img compare: expecting two file names");
		return 2;
	}
	if (!fb)
		fb = fa;
	a = img_open(argv[optind], fa, 0);
	b = a ? img_open(argv[optind + 1], fb, 0) : NULL;
	ba = malloc(CHUNK);
	bb = malloc(CHUNK);
	if (!a || !b || !ba || !bb) {
		vimg_close(a);
		vimg_close(b);
		free(ba);
		free(bb);
		return 2;
	}
	if (strict && vimg_size(a) != vimg_size(b)) {
		printf("Strict mode: Image size mismatch!\n");
		r = 1;
		goto out;
	}
	common = vimg_size(a) < vimg_size(b) ? vimg_size(a) : vimg_size(b);
	for (off = 0; off < common; off += n) {
		n = common - off < CHUNK ? common - off : CHUNK;
		if (vimg_block_status(a, off, n, true, &ea) ||
		    vimg_block_status(b, off, n, true, &eb))
			goto err;
		n = ea.length < eb.length ? ea.length : eb.length;
		if (ea.zero && eb.zero)
			continue;
		if (strict && ea.present != eb.present) {
			printf("Strict mode: Offset %llu block status mismatch!\n",
			       (unsigned long long)off);
			r = 1;
			goto out;
		}
		r = cmp_range(a, b, off, n, ba, bb, &where);
		if (r < 0)
			goto err;
		if (r) {
			printf("Content mismatch at offset %llu!\n", (unsigned long long)where);
			goto out;
		}
	}
	if (vimg_size(a) != vimg_size(b)) {
		big = vimg_size(a) > vimg_size(b) ? a : b;
		for (off = common; off < vimg_size(big); off += n) {
			n = vimg_size(big) - off < CHUNK ? vimg_size(big) - off : CHUNK;
			if (vimg_block_status(big, off, n, true, &ea))
				goto err;
			n = ea.length;
			if (ea.zero)
				continue;
			if (vimg_pread(big, ba, n, off))
				goto err;
			if (!is_zero(ba, n)) {
				uint64_t i;

				for (i = 0; i < n && is_zero(ba + i, 512 < n - i ? 512 : n - i);
				     i += 512)
					;
				printf("Content mismatch at offset %llu!\n",
				       (unsigned long long)(off + i));
				r = 1;
				goto out;
			}
		}
	}
	printf("Images are identical.\n");
	r = 0;
	goto out;
err:
	vmon_err("img compare: %s", vimg_strerror());
	r = 2;
out:
	free(ba);
	free(bb);
	vimg_close(a);
	vimg_close(b);
	return r;
}

int img_commit(int argc, char **argv)
{
	const char *fmt = NULL;
	bool keep = false;
	struct vimg *top, *base;
	struct qcow2_info qi;
	struct vimg_extent e;
	uint64_t off, n, size;
	char *bpath;
	uint8_t *buf;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "f:dqpt:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'd':
			keep = true;
			break;
		case 'b':
			vmon_err("img commit: -b (committing into a deeper base) is not supported");
			return VMON_EXIT_USAGE;
		case 'q':
		case 'p':
		case 't':
			break;
		default:
			img_usage(stderr, "commit");
			return VMON_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		vmon_err("img commit: expecting one file name");
		return VMON_EXIT_USAGE;
	}
	top = img_open(argv[optind], fmt, VIMG_RDWR | VIMG_NO_BACKING);
	if (!top)
		return VMON_EXIT_FAIL;
	if (vimg_format(top) != VIMG_QCOW2 || qcow2_get_info(top, &qi) || !qi.backing_file) {
		vmon_err("img commit: '%s' has no backing file", argv[optind]);
		vimg_close(top);
		return VMON_EXIT_FAIL;
	}
	bpath = img_backing_path(argv[optind], qi.backing_file);
	base = bpath ? img_open(bpath, qi.backing_fmt, VIMG_RDWR) : NULL;
	free(bpath);
	buf = malloc(CHUNK);
	if (!base || !buf) {
		vimg_close(top);
		vimg_close(base);
		free(buf);
		return VMON_EXIT_FAIL;
	}
	size = vimg_size(top);
	if (vimg_size(base) < size && (ret = vimg_resize(base, size, false)))
		goto out;
	for (off = 0; off < size && !ret; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		ret = vimg_block_status(top, off, n, false, &e);
		if (ret)
			break;
		n = e.length;
		if (!e.present)
			continue;
		if (e.zero) {
			ret = vimg_pwrite_zeroes(base, off, n);
			continue;
		}
		ret = vimg_pread(top, buf, n, off);
		if (!ret)
			ret = vimg_pwrite(base, buf, n, off);
	}
	if (!ret)
		ret = vimg_flush(base);
	if (!ret && !keep)
		ret = vimg_discard(top, 0, size);
out:
	if (ret)
		vmon_err("img commit: %s", vimg_strerror());
	else
		printf("Image committed.\n");
	free(buf);
	if (vimg_close(base) && !ret)
		ret = -1;
	if (vimg_close(top) && !ret)
		ret = -1;
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}

int img_rebase(int argc, char **argv)
{
	const char *fmt = NULL, *nb = NULL, *nbfmt = NULL;
	bool unsafe = false;
	struct vimg *top, *oldb = NULL, *newb = NULL;
	struct qcow2_info qi;
	struct vimg_extent e;
	uint64_t off, n, size;
	uint8_t *b1 = NULL, *b2 = NULL;
	char *path;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "f:b:F:uqpt:T:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'b':
			nb = optarg;
			break;
		case 'F':
			nbfmt = optarg;
			break;
		case 'u':
			unsafe = true;
			break;
		case 'q':
		case 'p':
		case 't':
		case 'T':
			break;
		default:
			img_usage(stderr, "rebase");
			return VMON_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !nb) {
		vmon_err("img rebase: expecting -b BACKING and one file name");
		return VMON_EXIT_USAGE;
	}
	top = img_open(argv[optind], fmt, VIMG_RDWR | VIMG_NO_BACKING);
	if (!top)
		return VMON_EXIT_FAIL;
	if (qcow2_get_info(top, &qi)) {
		vmon_err("img rebase: %s", vimg_strerror());
		vimg_close(top);
		return VMON_EXIT_FAIL;
	}
	if (*nb && !nbfmt) {
		path = img_backing_path(argv[optind], nb);
		newb = path ? img_open(path, NULL, 0) : NULL;
		free(path);
		if (!newb) {
			vimg_close(top);
			return VMON_EXIT_FAIL;
		}
		nbfmt = vimg_format(newb) == VIMG_QCOW2 ? "qcow2" : "raw";
	}
	if (!unsafe) {
		if (qi.backing_file) {
			path = img_backing_path(argv[optind], qi.backing_file);
			oldb = path ? img_open(path, qi.backing_fmt, 0) : NULL;
			free(path);
			if (!oldb) {
				ret = -1;
				goto out;
			}
		}
		if (*nb && !newb) {
			path = img_backing_path(argv[optind], nb);
			newb = path ? img_open(path, nbfmt, 0) : NULL;
			free(path);
			if (!newb) {
				ret = -1;
				goto out;
			}
		}
		b1 = malloc(CHUNK);
		b2 = malloc(CHUNK);
		if (!b1 || !b2) {
			ret = -1;
			goto out;
		}
		size = vimg_size(top);
		for (off = 0; off < size && !ret; off += n) {
			n = size - off < CHUNK ? size - off : CHUNK;
			ret = vimg_block_status(top, off, n, false, &e);
			if (ret)
				break;
			n = e.length;
			if (e.present)
				continue;
			/* unallocated here: keep what the old backing file showed */
			memset(b1, 0, n);
			memset(b2, 0, n);
			if (oldb && off < vimg_size(oldb))
				ret = vimg_pread(
					oldb, b1,
					off + n > vimg_size(oldb) ? vimg_size(oldb) - off : n, off);
			if (!ret && newb && off < vimg_size(newb))
				ret = vimg_pread(
					newb, b2,
					off + n > vimg_size(newb) ? vimg_size(newb) - off : n, off);
			if (!ret && memcmp(b1, b2, n)) {
				uint64_t cs = vimg_cluster_size(top), i, k;

				for (i = 0; i < n && !ret; i += k) {
					k = n - i < cs ? n - i : cs;
					if (memcmp(b1 + i, b2 + i, k))
						ret = vimg_pwrite(top, b1 + i, k, off + i);
				}
			}
		}
		if (ret) {
			vmon_err("img rebase: %s", vimg_strerror());
			goto out;
		}
	}
	ret = vimg_set_backing(top, *nb ? nb : NULL, *nb ? nbfmt : NULL);
	if (ret)
		vmon_err("img rebase: %s", vimg_strerror());
out:
	free(b1);
	free(b2);
	vimg_close(oldb);
	vimg_close(newb);
	if (vimg_close(top) && !ret)
		ret = -1;
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}
