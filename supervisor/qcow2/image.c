// SPDX-License-Identifier: GPL-2.0
/* The format-independent image: raw or qcow2, opening, probing, I/O. */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcow2_int.h"

static __thread int open_depth;

int vimg_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double d;
	uint64_t mult = 1;

	if (!s || !*s)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || d < 0)
		return -1;
	if (*end) {
		/* b, k, m, g, t, p, e: powers of 1024, either case */
		static const char units[] = "bkmgtpe";
		const char *u = strchr(units, tolower((unsigned char)*end));

		if (!u)
			return -1;
		mult = 1ull << (10 * (u - units));
		end++;
	}
	if (*end && strcmp(end, "iB") && strcmp(end, "B"))
		return -1;
	if (d * mult >= 18446744073709551615.0)
		return -1;
	*out = (uint64_t)(d * mult);
	if ((double)*out != d * mult)
		return -1;
	return 0;
}

int vimg_create(const char *path, const struct vimg_create_opts *o)
{
	struct vimg *img;
	int fd, ret;

	if (o->fmt == VIMG_RAW) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return qerr(errno, "%s: %s", path, strerror(errno));
		ret = 0;
		if (ftruncate(fd, o->size))
			ret = qerr(errno, "%s: truncate: %s", path, strerror(errno));
		if (!ret &&
		    (o->prealloc == QCOW2_PREALLOC_FALLOC || o->prealloc == QCOW2_PREALLOC_FULL) &&
		    o->size && fallocate(fd, 0, 0, o->size))
			ret = qerr(errno, "%s: fallocate: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	ret = qcow2_create_file(path, o);
	if (ret || o->prealloc == QCOW2_PREALLOC_OFF)
		return ret;
	ret = vimg_open(path, "qcow2", VIMG_RDWR | VIMG_NO_BACKING, &img);
	if (ret)
		return ret;
	ret = qcow2_preallocate(img, o->prealloc);
	if (ret) {
		vimg_close(img);
		return ret;
	}
	return vimg_close(img);
}

/* Everything an image holds, its backing chain included. */
static void img_free(struct vimg *img)
{
	if (img->fmt == VIMG_QCOW2)
		qcow2_free(img);
	if (img->backing)
		vimg_close(img->backing);
	close(img->fd);
	free(img->path);
	free(img);
}

int vimg_open(const char *path, const char *fmt, int flags, struct vimg **out)
{
	struct vimg *img;
	uint8_t magic[4] = { 0 };
	struct stat st;
	int ret;

	*out = NULL;
	if (open_depth > 32)
		return qerr(ELOOP, "%s: backing chain deeper than 32 (a loop?)", path);
	img = calloc(1, sizeof(*img));
	if (!img)
		return qerr(ENOMEM, "out of memory");
	img->fd = open(path, ((flags & VIMG_RDWR) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (img->fd < 0) {
		ret = qerr(errno, "%s: %s", path, strerror(errno));
		free(img);
		return ret;
	}
	img->rw = flags & VIMG_RDWR;
	img->nosync = flags & VIMG_UNSAFE;
	img->path = strdup(path);
	if (fmt && !strcmp(fmt, "raw")) {
		img->fmt = VIMG_RAW;
	} else if (fmt && strcmp(fmt, "qcow2")) {
		ret = qerr(ENOTSUP, "unknown image format '%s' (known: qcow2, raw)", fmt);
		goto fail;
	} else {
		ret = pread_full(img->fd, magic, 4, 0);
		if (ret)
			goto fail;
		img->fmt = be32(magic) == QCOW2_MAGIC ? VIMG_QCOW2 : VIMG_RAW;
		if (fmt && img->fmt != VIMG_QCOW2) {
			ret = qerr(EINVAL, "%s: not a qcow2 image (bad magic)", path);
			goto fail;
		}
	}
	if (img->fmt == VIMG_RAW) {
		if (fstat(img->fd, &st)) {
			ret = qerr(errno, "%s: %s", path, strerror(errno));
			goto fail;
		}
		img->size = st.st_size;
		if (S_ISBLK(st.st_mode)) {
			off_t e = lseek(img->fd, 0, SEEK_END);

			img->size = e < 0 ? 0 : e;
		}
		*out = img;
		return 0;
	}
	open_depth++;
	ret = qcow2_open(img, flags);
	open_depth--;
	if (ret) {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s", vimg_strerror());
		if (strncmp(msg, path, strlen(path)))
			ret = qerr(ret, "%s: %s", path, msg);
		goto fail;
	}
	*out = img;
	return 0;
fail:
	img_free(img);
	return ret;
}

int vimg_flush(struct vimg *img)
{
	int ret;

	if (!img->rw)
		return 0;
	if (img->fmt == VIMG_QCOW2) {
		ret = qcow2_refuse_if_broken(img); /* nothing more reaches it */
		if (ret)
			return ret;
		ret = qcow2_flush_meta(img);
		if (ret)
			return ret;
	}
	if (qsync(img))
		return qerr(errno, "%s: fdatasync: %s", img->path, strerror(errno));
	return 0;
}

int vimg_close(struct vimg *img)
{
	int ret = 0;
	uint8_t b[8];

	if (!img)
		return 0;
	if (img->rw) {
		ret = vimg_flush(img);
		if (!ret && img->fmt == VIMG_QCOW2 && img->dirty_set) {
			img->incompat &= ~INCOMPAT_DIRTY;
			put64(b, img->incompat);
			ret = pwrite_full(img->fd, b, 8, 72);
			if (!ret && qsync(img))
				ret = qerr(errno, "fdatasync: %s", strerror(errno));
		}
	}
	img_free(img);
	return ret;
}

const char *vimg_backing_probed(const struct vimg *img)
{
	for (; img && img->backing; img = img->backing)
		if (img->backing_probed)
			return img->backing->path;
	return NULL;
}

char *vimg_backing_path(const char *image, const char *backing)
{
	const char *slash = strrchr(image, '/');
	char *p;

	if (backing[0] == '/' || !slash)
		return strdup(backing);
	if (asprintf(&p, "%.*s%s", (int)(slash - image + 1), image, backing) < 0)
		return NULL;
	return p;
}

enum vimg_fmt vimg_format(const struct vimg *img)
{
	return img->fmt;
}

const char *vimg_filename(const struct vimg *img)
{
	return img->path;
}

uint64_t vimg_size(const struct vimg *img)
{
	return img->size;
}

struct vimg *vimg_backing(const struct vimg *img)
{
	return img->backing;
}

int vimg_fd(const struct vimg *img)
{
	return img->fd;
}

int vimg_pread(struct vimg *img, void *buf, size_t len, uint64_t off)
{
	if (img->fmt == VIMG_QCOW2)
		return qcow2_read(img, buf, len, off);
	if (off > img->size || len > img->size - off)
		return qerr(EINVAL, "%s: read past the end of the image", img->path);
	return pread_full(img->fd, buf, len, off);
}

uint64_t vimg_host_run(struct vimg *img, uint64_t off, uint64_t len, uint64_t *host)
{
	if (off >= img->size)
		return 0;
	if (len > img->size - off)
		len = img->size - off;
	if (img->fmt == VIMG_QCOW2)
		return qcow2_data_run(img, off, len, host);
	*host = off;
	return len;
}

int vimg_pwrite(struct vimg *img, const void *buf, size_t len, uint64_t off)
{
	if (!img->rw)
		return qerr(EROFS, "%s: opened read-only", img->path);
	if (img->fmt == VIMG_QCOW2)
		return qcow2_write(img, buf, len, off);
	if (off > img->size || len > img->size - off)
		return qerr(EINVAL, "%s: write past the end of the image", img->path);
	return pwrite_full(img->fd, buf, len, off);
}

int vimg_pwrite_zeroes(struct vimg *img, uint64_t off, uint64_t len)
{
	if (!img->rw)
		return qerr(EROFS, "%s: opened read-only", img->path);
	if (img->fmt == VIMG_QCOW2)
		return qcow2_write_zeroes(img, off, len);
	if (fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) == 0)
		return 0;
	{
		uint8_t *z = calloc(1, 1 << 20);
		int ret = 0;

		if (!z)
			return qerr(ENOMEM, "out of memory");
		while (len && !ret) {
			uint64_t n = len < (1u << 20) ? len : (1u << 20);

			ret = pwrite_full(img->fd, z, n, off);
			off += n;
			len -= n;
		}
		free(z);
		return ret;
	}
}

int vimg_pwrite_compressed(struct vimg *img, const void *buf, size_t len, uint64_t off)
{
	if (img->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: compression needs a qcow2 image", img->path);
	if (!img->rw)
		return qerr(EROFS, "%s: opened read-only", img->path);
	if (len != img->cs) {
		/* a short last cluster: pad with zeroes */
		uint8_t *b = calloc(1, img->cs);
		int ret;

		if (!b)
			return qerr(ENOMEM, "out of memory");
		memcpy(b, buf, len);
		ret = qcow2_write_compressed(img, b, off);
		free(b);
		return ret;
	}
	return qcow2_write_compressed(img, buf, off);
}

static int raw_block_status(struct vimg *img, uint64_t off, uint64_t len, struct vimg_extent *e)
{
	off_t d, h;

	memset(e, 0, sizeof(*e));
	e->start = off;
	e->present = true;
	e->has_offset = true;
	e->offset = off;
	d = lseek(img->fd, off, SEEK_DATA);
	if (d < 0 || (uint64_t)d > off) {
		/* a hole up to d */
		uint64_t end = d < 0 ? img->size : (uint64_t)d;

		e->zero = true;
		e->length = (end > off + len ? off + len : end) - off;
		return 0;
	}
	h = lseek(img->fd, off, SEEK_HOLE);
	if (h < 0)
		h = img->size;
	e->data = true;
	e->length = ((uint64_t)h > off + len ? off + len : (uint64_t)h) - off;
	if (!e->length)
		e->length = len;
	return 0;
}

int vimg_block_status(struct vimg *img, uint64_t off, uint64_t len, bool whole_chain,
		      struct vimg_extent *e)
{
	struct vimg *cur = img;
	int depth = 0, ret;

	if (off + len > img->size)
		len = img->size - off;
	for (;;) {
		if (off >= cur->size) {
			memset(e, 0, sizeof(*e));
			e->start = off;
			e->length = len;
			e->zero = true;
			e->depth = depth;
			return 0;
		}
		if (cur->fmt == VIMG_RAW)
			ret = raw_block_status(cur, off,
					       len < cur->size - off ? len : cur->size - off, e);
		else
			ret = qcow2_block_status(cur, off, len, e);
		if (ret)
			return ret;
		e->depth = depth;
		/* past the end of a shorter backing file: zero, answered here (as qemu) */
		if (e->present || !whole_chain || !cur->backing || off >= cur->backing->size) {
			if (!e->present)
				e->zero = true;
			return 0;
		}
		len = e->length;
		cur = cur->backing;
		depth++;
	}
}

int qcow2_get_info(struct vimg *q, struct qcow2_info *i)
{
	memset(i, 0, sizeof(*i));
	if (q->fmt != VIMG_QCOW2)
		return qerr(EINVAL, "%s: not a qcow2 image", q->path);
	i->version = q->version;
	i->cluster_size = q->cs;
	i->refcount_bits = 1 << q->refcount_order;
	i->lazy_refcounts = q->compat & COMPAT_LAZY;
	i->corrupt = q->incompat & INCOMPAT_CORRUPT;
	i->dirty = q->incompat & INCOMPAT_DIRTY;
	i->extended_l2 = q->ext_l2;
	i->compression_type = q->compression_type;
	i->backing_file = q->backing_file;
	i->backing_fmt = q->backing_fmt;
	i->incompatible = q->incompat;
	i->compatible = q->compat;
	i->autoclear = q->autoclear;
	i->nb_snapshots = q->nb_snapshots;
	return 0;
}

int vimg_set_backing(struct vimg *q, const char *file, const char *fmt)
{
	char *nf = NULL, *nfmt = NULL;
	int ret;

	if (q->fmt != VIMG_QCOW2)
		return qerr(ENOTSUP, "%s: a raw image has no backing file", q->path);
	if ((file && !(nf = strdup(file))) || (fmt && !(nfmt = strdup(fmt)))) {
		free(nf);
		return qerr(ENOMEM, "out of memory");
	}
	free(q->backing_file);
	free(q->backing_fmt);
	q->backing_file = nf;
	q->backing_fmt = nfmt;
	ret = qcow2_write_header(q);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	return ret;
}

/* L1 table of new_l1 entries at a new place; header updated in one write. */
static int grow_l1(struct vimg *q, uint64_t new_l1)
{
	uint64_t *nl1, i, old_off = q->l1_offset, old_len = (uint64_t)q->l1_size * 8;
	uint8_t hb[12];
	int64_t off;
	int ret;

	if (new_l1 * 8 > MAX_L1_BYTES)
		return qerr(EFBIG, "the L1 table would exceed %llu bytes",
			    (unsigned long long)MAX_L1_BYTES);
	nl1 = calloc(new_l1, 8);
	if (!nl1)
		return qerr(ENOMEM, "out of memory");
	off = alloc_clusters(q, align_up(new_l1 * 8, q->cs) >> q->cluster_bits);
	if (off < 0) {
		free(nl1);
		return off;
	}
	for (i = 0; i < q->l1_size; i++)
		nl1[i] = htobe64(q->l1[i]);
	ret = tcache_flush(&q->rbc);
	if (!ret)
		ret = pwrite_full(q->fd, nl1,
				  align_up(new_l1 * 8, 512) > new_l1 * 8 ? new_l1 * 8 : new_l1 * 8,
				  off);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	if (ret) {
		free(nl1);
		return ret;
	}
	put32(hb, new_l1);
	put64(hb + 4, off);
	ret = pwrite_full(q->fd, hb, 12, 36);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	for (i = 0; i < new_l1; i++)
		nl1[i] = be64toh(nl1[i]);
	if (ret) {
		free(nl1);
		return ret;
	}
	free(q->l1);
	q->l1 = nl1;
	q->l1_size = new_l1;
	q->l1_offset = off;
	if (old_len)
		ret = rc_update(q, old_off, align_up(old_len, q->cs), -1);
	return ret;
}

int vimg_resize(struct vimg *q, uint64_t new_size, bool shrink)
{
	uint64_t need, per_l2, v;
	uint8_t b[8];
	int ret;

	if (!q->rw)
		return qerr(EROFS, "%s: opened read-only", q->path);
	if (new_size < q->size && !shrink)
		return qerr(EINVAL,
			    "use --shrink to shrink an image (data past the new end is lost)");
	if (q->fmt == VIMG_RAW) {
		if (ftruncate(q->fd, new_size))
			return qerr(errno, "%s: truncate: %s", q->path, strerror(errno));
		q->size = new_size;
		return 0;
	}
	if (new_size % 512)
		return qerr(EINVAL, "qcow2 image size must be a multiple of 512");
	/*
	 * With internal snapshots too, as qemu-img 7.2: the clusters past the
	 * new end leave the active tables only (a snapshot keeps its own
	 * references and its own size, which applying it restores).
	 */
	ret = mark_dirty(q);
	if (ret)
		return ret;
	per_l2 = 1ull << (q->cluster_bits + q->l2_bits);
	need = (new_size + per_l2 - 1) / per_l2;
	if (need > q->l1_size) {
		ret = grow_l1(q, need);
		if (ret)
			return ret;
	}
	if (new_size < q->size) {
		/* discard every whole cluster past the new end (and punch it out) */
		q->punch_freed = true;
		for (v = align_up(new_size, q->cs); v < q->size; v += q->cs) {
			uint64_t l1i = v >> (q->cluster_bits + q->l2_bits);

			if (l1i >= q->l1_size || !(q->l1[l1i] & L1E_OFFSET_MASK)) {
				v = (l1i + 1) * per_l2 - q->cs;
				continue;
			}
			ret = qcow2_discard_cluster(q, v);
			if (ret)
				break;
		}
		q->punch_freed = false;
		ret = ret ? ret : qcow2_flush_meta(q);
		if (ret)
			return ret;
	}
	put64(b, new_size);
	ret = pwrite_full(q->fd, b, 8, 24);
	if (!ret && qsync(q))
		ret = qerr(errno, "fdatasync: %s", strerror(errno));
	if (!ret)
		q->size = new_size;
	return ret;
}

/* Refcount table and blocks needed to describe 'clusters' clusters plus themselves. */
static uint64_t refcount_meta(uint64_t clusters, uint64_t cs, int refcount_bits)
{
	uint64_t per_block = cs * 8 / refcount_bits, per_table = cs / 8;
	uint64_t blocks = 0, table = 0, n = 0, prev;

	do {
		prev = n;
		blocks = (clusters + table + blocks + per_block - 1) / per_block;
		table = (blocks + per_table - 1) / per_table;
		n = clusters + blocks + table;
	} while (n != prev);
	return (blocks + table) * cs;
}

void qcow2_measure(uint64_t size, uint32_t cs, int refcount_bits, bool extended_l2,
		   uint64_t allocated, uint64_t *required, uint64_t *fully_allocated)
{
	uint64_t esz = extended_l2 ? 16 : 8, total = align_up(size, cs), meta = cs, nl2e, nl1e;

	nl2e = align_up(total / cs, cs / esz);
	meta += nl2e * esz;
	nl1e = align_up(nl2e * esz / cs, cs / 8);
	meta += nl1e * 8;
	meta += refcount_meta((meta + total) / cs, cs, refcount_bits);
	*fully_allocated = meta + total;
	*required = meta + allocated;
}

uint32_t vimg_cluster_size(const struct vimg *img)
{
	return img->fmt == VIMG_QCOW2 ? img->cs : 0;
}

int vimg_discard(struct vimg *img, uint64_t off, uint64_t len)
{
	uint64_t v, end = off + len;
	int ret;

	if (!img->rw)
		return qerr(EROFS, "%s: opened read-only", img->path);
	if (img->fmt == VIMG_RAW)
		return vimg_pwrite_zeroes(img, off, len);
	ret = mark_dirty(img);
	if (ret)
		return ret;
	for (v = align_up(off, img->cs); v + img->cs <= end || (v < end && end == img->size);
	     v += img->cs) {
		ret = qcow2_discard_cluster(img, v);
		if (ret)
			return ret;
	}
	return qcow2_flush_meta(img);
}
