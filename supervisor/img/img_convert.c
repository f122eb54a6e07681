// SPDX-License-Identifier: GPL-2.0
/* vmon img convert: an image (its whole backing chain) copied into another. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img.h"

#define CHUNK IMG_CHUNK

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
	bool zero;	     /* skip: reads as zeroes */
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
	bool zero_init; /* the target reads as zeroes where not written (not -n) */
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

/* Grain i of job j is zero (and the target may be left sparse there). */
static bool zero_grain(const struct pipe *p, const struct job *j, uint64_t i)
{
	return p->sparse && img_is_zero(j->data + i, j->n - i < p->g ? j->n - i : p->g);
}

/* Guest range [off, off+n) reads as zeroes in the source. */
static int write_zeroes(struct pipe *p, uint64_t off, uint64_t n)
{
	return p->zero_init ? 0 : vimg_pwrite_zeroes(p->dst, off, n);
}

static int write_job(struct pipe *p, struct job *j)
{
	uint64_t i, k, len;
	bool z;
	int ret = 0;

	if (j->zero)
		return write_zeroes(p, j->off, j->n);
	if (p->bk)
		return write_job_over_backing(p, j);
	for (i = 0; i < j->n && !ret; i = k) {
		if (p->compress) {
			k = j->n - i < p->g ? j->n : i + p->g;
			if (img_is_zero(j->data + i, k - i))
				ret = write_zeroes(p, j->off + i, k - i);
			else
				ret = vimg_pwrite_compressed(p->dst, j->data + i, k - i,
							     j->off + i);
			continue;
		}
		/* one call for each run of zero or of data grains */
		z = zero_grain(p, j, i);
		for (k = i + p->g; k < j->n && zero_grain(p, j, k) == z; k += p->g)
			;
		len = (k > j->n ? j->n : k) - i;
		if (z)
			ret = write_zeroes(p, j->off + i, len);
		else
			ret = vimg_pwrite(p->dst, j->data + i, len, j->off + i);
	}
	return ret;
}

/*
 * A mapped source that shrinks under us (someone truncates it while we
 * convert) turns the writer's next touch of the lost pages into SIGBUS.
 * The writer catches it and fails the conversion with an error instead of
 * dying; qemu-img would read zeroes there, we refuse to guess.
 */
static __thread sigjmp_buf *bus_jmp;

static void on_sigbus(int sig)
{
	if (bus_jmp)
		siglongjmp(*bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int source_shrank(const struct job *j)
{
	vmon_err("img convert: the source file shrank while being converted (at guest offset "
		 "%llu); the output is incomplete",
		 (unsigned long long)j->off);
	return -1;
}

/*
 * write_job() on the writer thread. Its errors are reported here, where
 * vimg_strerror() (per thread) holds their message; -1 then tells the
 * reader thread that the message is out.
 */
static int write_job_guarded(struct pipe *p, struct job *j)
{
	sigjmp_buf jb;
	int ret;

	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		return source_shrank(j);
	}
	bus_jmp = &jb;
	ret = write_job(p, j);
	bus_jmp = NULL;
	/* the kernel, not us, touched the lost pages (pwrite from the map) */
	if (ret == -EFAULT && j->data != j->buf)
		return source_shrank(j);
	if (ret && ret != -1) {
		if (ret == -ENOMEM)
			vmon_err("img convert: out of memory");
		else
			vmon_err("img convert: %s", vimg_strerror());
		ret = -1;
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
		ret = p->err ? 0 : write_job_guarded(p, j);
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
	signal(SIGBUS, on_sigbus);
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

/* The chunk at off: its extent status, then its data (unless it reads as zeroes). */
static int read_job(struct vimg *src, const struct srcmap *sm, struct pipe *p, struct job *j,
		    uint64_t off, uint64_t *np)
{
	uint64_t n = p->size - off < CHUNK ? p->size - off : CHUNK, g = p->g;
	struct vimg_extent e;
	int ret;

	ret = vimg_block_status(src, off, n, true, &e);
	if (ret)
		return ret;
	j->zero = e.zero && p->sparse && !p->bk;
	if (p->compress && j->zero && e.length < g) {
		j->zero = false; /* compression works on whole clusters */
		e.length = g;
	}
	if (j->zero) {
		n = p->compress ? e.length / g * g : e.length;
	} else {
		n = e.length < n ? e.length : n;
		if (p->compress) /* whole clusters: off stays aligned */
			n = (n + g - 1) / g * g;
		else if (n > g && n % g && off + n < p->size)
			n -= n % g; /* keep chunks aligned to the grain */
		if (n > p->size - off)
			n = p->size - off;
		ret = read_chunk(src, sm, j, off, &n, g, p->compress);
		if (ret)
			return ret;
	}
	j->off = off;
	j->n = n;
	*np = n;
	return 0;
}

/* Copy src into p->dst: this thread reads, a writer thread writes. */
static int copy_image(struct vimg *src, struct pipe *p)
{
	struct srcmap sm = { 0 };
	uint64_t off, n = 0;
	bool started;
	pthread_t wt;
	int ret = 0, i;

	for (i = 0; i < RING; i++) {
		p->ring[i].buf = aligned_alloc(4096, CHUNK);
		if (!p->ring[i].buf)
			ret = -ENOMEM;
	}
	if (p->bk) {
		p->bkbuf = malloc(CHUNK);
		if (!p->bkbuf)
			ret = -ENOMEM;
	}
	progress(p->prog, 0, p->size);
	map_source(src, &sm);
	started = !ret && !pthread_create(&wt, NULL, writer, p);
	if (!ret && !started) {
		vmon_err("img convert: cannot start the writer thread");
		ret = -1;
	}
	for (off = 0; off < p->size && !ret; off += n) {
		struct job *j;

		pthread_mutex_lock(&p->mu);
		while (p->count == RING)
			pthread_cond_wait(&p->cv, &p->mu);
		ret = p->err;
		j = &p->ring[p->head];
		pthread_mutex_unlock(&p->mu);
		if (ret)
			break;
		ret = read_job(src, &sm, p, j, off, &n);
		if (ret)
			break;
		pthread_mutex_lock(&p->mu);
		p->head = (p->head + 1) % RING;
		p->count++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	if (started) {
		pthread_mutex_lock(&p->mu);
		p->done = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(wt, NULL);
	}
	if (!ret)
		ret = p->err;
	if (p->prog)
		printf("    (100.00/100%%)\n");
	if (ret == -ENOMEM)
		vmon_err("img convert: out of memory");
	else if (ret && ret != -1)
		vmon_err("img convert: %s", vimg_strerror());
	for (i = 0; i < RING; i++)
		free(p->ring[i].buf);
	free(p->bkbuf);
	unmap_source(&sm);
	return ret;
}

/*
 * -l: "snapshot.id=ID,snapshot.name=NAME" (either or both) or a bare ID or
 * NAME; the source shows that snapshot instead of its active state.
 */
static int load_snapshot(struct vimg *src, const char *arg)
{
	char *dup = strdup(arg), *tok, *save = NULL, *id = NULL, *name = NULL;
	int ret = 0;

	if (!dup)
		return -1;
	if (!strchr(arg, '=')) {
		ret = qcow2_snapshot_load_tmp(src, arg, NULL);
		if (ret == -ENOENT)
			ret = qcow2_snapshot_load_tmp(src, NULL, arg);
		goto out;
	}
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "snapshot.id=", 12)) {
			id = tok + 12;
		} else if (!strncmp(tok, "snapshot.name=", 14)) {
			name = tok + 14;
		} else {
			vmon_err("img convert: -l: unknown option '%s' (known: snapshot.id, "
				 "snapshot.name)",
				 tok);
			free(dup);
			return -1;
		}
	}
	ret = qcow2_snapshot_load_tmp(src, id, name);
out:
	if (ret)
		vmon_err("img convert: -l %s: %s", arg, vimg_strerror());
	free(dup);
	return ret ? -1 : 0;
}

struct conv_args {
	struct vimg_create_opts o;
	const char *sfmt, *snapshot, *src, *dst;
	bool fmt_given, opts_given, compress, prog, safe, no_create;
	uint64_t sparse;
};

static int parse_convert(int argc, char **argv, struct conv_args *a)
{
	int c;

	while ((c = getopt_long(argc, argv, "f:O:o:cpS:B:F:qWm:nt:T:l:", img_help_opt, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			a->safe = strcmp(optarg, "unsafe") != 0;
			break;
		case 'f':
			a->sfmt = optarg;
			break;
		case 'O':
			if (img_parse_fmt(optarg, &a->o.fmt))
				return -1;
			a->fmt_given = true;
			break;
		case 'o':
			if (img_parse_create_opts(optarg, &a->o))
				return -1;
			a->opts_given = true;
			break;
		case 'c':
			a->compress = true;
			break;
		case 'p':
			a->prog = true;
			break;
		case 'S':
			if (vimg_parse_size(optarg, &a->sparse)) {
				vmon_err("img convert: -S: '%s' is not a size", optarg);
				return -1;
			}
			break;
		case 'B':
			a->o.backing_file = optarg;
			break;
		case 'F':
			a->o.backing_fmt = optarg;
			break;
		case 'n':
			a->no_create = true;
			break;
		case 'l':
			a->snapshot = optarg;
			break;
		case 'T':
		case 'q':
		case 'W':
		case 'm':
			break;
		default:
			img_usage(stderr, "convert");
			return -1;
		}
	}
	if (optind != argc - 2) {
		vmon_err("img convert: expecting a source and a destination file name");
		return -1;
	}
	a->src = argv[optind];
	a->dst = argv[optind + 1];
	if (a->no_create && a->opts_given) {
		vmon_err("img convert: -o has no effect with -n (the target is not created)");
		return -1;
	}
	if (a->compress && !a->no_create && a->o.fmt != VIMG_QCOW2) {
		vmon_err("img convert: -c needs -O qcow2");
		return -1;
	}
	if (a->no_create) /* the existing target keeps its own backing file */
		a->o.backing_file = a->o.backing_fmt = NULL;
	return 0;
}

/* -n: the existing target, which must hold the whole source. */
static struct vimg *open_target(const struct conv_args *a, uint64_t size)
{
	const char *fmt = a->o.fmt == VIMG_QCOW2 ? "qcow2" : "raw";
	struct vimg *dst;

	/* like qemu-img convert's default cache=unsafe; -t writeback|none syncs */
	dst = img_open(a->dst, a->no_create && !a->fmt_given ? NULL : fmt,
		       VIMG_RDWR | (a->safe ? 0 : VIMG_UNSAFE));
	if (!dst || !a->no_create)
		return dst;
	if (vimg_size(dst) < size) {
		vmon_err("img convert: the target '%s' (%llu bytes) is smaller than the source "
			 "(%llu bytes)",
			 a->dst, (unsigned long long)vimg_size(dst), (unsigned long long)size);
	} else if (a->compress && vimg_format(dst) != VIMG_QCOW2) {
		vmon_err("img convert: -c needs a qcow2 target; '%s' is raw", a->dst);
	} else {
		return dst;
	}
	vimg_close(dst);
	return NULL;
}

/* A target this convert created and could not finish: a regular file only. */
static void remove_target(const char *path)
{
	struct stat st;

	if (!lstat(path, &st) && S_ISREG(st.st_mode))
		unlink(path);
}

int img_convert(int argc, char **argv)
{
	struct conv_args a = { .o = { .fmt = VIMG_RAW }, .sparse = 4096 };
	struct pipe p = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct vimg *src, *dst;
	uint64_t g;
	int ret;

	if (parse_convert(argc, argv, &a))
		return VMON_EXIT_USAGE;
	src = img_open(a.src, a.sfmt, 0);
	if (!src)
		return VMON_EXIT_FAIL;
	if (a.snapshot && load_snapshot(src, a.snapshot)) {
		vimg_close(src);
		return VMON_EXIT_FAIL;
	}
	a.o.size = vimg_size(src);
	if (!a.no_create && vimg_create(a.dst, &a.o)) {
		vmon_err("img convert: %s: %s", a.dst, vimg_strerror());
		vimg_close(src);
		return VMON_EXIT_FAIL;
	}
	dst = open_target(&a, a.o.size);
	if (!dst) {
		vimg_close(src);
		if (!a.no_create)
			remove_target(a.dst);
		return VMON_EXIT_FAIL;
	}
	p.bk = a.o.backing_file ? vimg_backing(dst) : NULL;
	g = a.compress || p.bk ? vimg_cluster_size(dst) : (a.sparse ? a.sparse : CHUNK);
	p.dst = dst;
	p.g = g > CHUNK ? CHUNK : g;
	p.sparse = a.sparse;
	p.size = a.o.size;
	p.compress = a.compress;
	p.prog = a.prog;
	p.zero_init = !a.no_create;
	ret = copy_image(src, &p);
	vimg_close(src);
	if (vimg_close(dst) && !ret) {
		vmon_err("img convert: %s", vimg_strerror());
		ret = -1;
	}
	if (ret && !a.no_create)
		remove_target(a.dst); /* nothing half-written is left behind */
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}
