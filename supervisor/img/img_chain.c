// SPDX-License-Identifier: GPL-2.0
/* vmon img compare, commit and rebase: data between the images of a chain. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

#define CHUNK IMG_CHUNK

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

	while ((c = getopt_long(argc, argv, "f:F:spqU", img_help_opt, NULL)) != -1) {
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
			if (!img_is_zero(ba, n)) {
				uint64_t i;

				for (i = 0; i < n && img_is_zero(ba + i, 512 < n - i ? 512 : n - i);
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

/*
 * The image of top's backing chain that name (-b) designates, and its depth
 * (1: top's backing file). name is matched by the real path of each image,
 * taken relative to the current directory or to top's directory.
 */
static struct vimg *find_in_chain(struct vimg *top, const char *name, int *depth)
{
	char *want = realpath(name, NULL), *rel = vimg_backing_path(vimg_filename(top), name);
	char *rel_real = rel ? realpath(rel, NULL) : NULL, *have;
	struct vimg *cur;
	bool hit;

	for (cur = vimg_backing(top), *depth = 1; cur; cur = vimg_backing(cur), ++*depth) {
		have = realpath(vimg_filename(cur), NULL);
		hit = have &&
		      ((want && !strcmp(want, have)) || (rel_real && !strcmp(rel_real, have)));
		free(have);
		if (hit)
			break;
	}
	free(want);
	free(rel);
	free(rel_real);
	return cur;
}

struct span {
	uint64_t off, len;
	bool zero;
};

/*
 * What commit copies: the extents of top that images above depth answer.
 * Collected before anything is written, so that no answer comes from a
 * table of the base that the copy is changing.
 */
static int commit_spans(struct vimg *top, int depth, struct span **out, size_t *nout)
{
	uint64_t off, size = vimg_size(top);
	struct span *v = NULL, *t;
	struct vimg_extent e;
	size_t n = 0, cap = 0;
	int ret = 0;

	for (off = 0; off < size && !ret; off += e.length) {
		ret = vimg_block_status(top, off, size - off < CHUNK ? size - off : CHUNK, true,
					&e);
		/*
		 * Copied: what an image above the base holds, and (as qemu-img)
		 * zeroes where an intermediate image is shorter than the one
		 * above it. Past the end of the base itself nothing is copied:
		 * the base grows to the top's size first.
		 */
		if (ret || e.depth >= depth || (!e.present && e.depth + 1 >= depth))
			continue;
		if (n && v[n - 1].off + v[n - 1].len == off && v[n - 1].zero == e.zero &&
		    v[n - 1].len < CHUNK) {
			v[n - 1].len += e.length;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			t = realloc(v, cap * sizeof(*v));
			if (!t) {
				free(v);
				return -ENOMEM;
			}
			v = t;
		}
		v[n++] = (struct span){ off, e.length, e.zero };
	}
	*out = v;
	*nout = n;
	return ret;
}

static int commit_copy(struct vimg *top, struct vimg *base, const struct span *v, size_t n)
{
	uint8_t *buf = malloc(CHUNK);
	uint64_t off, len;
	size_t i;
	int ret = buf ? 0 : -ENOMEM;

	if (!ret && vimg_size(base) < vimg_size(top))
		ret = vimg_resize(base, vimg_size(top), false);
	for (i = 0; i < n && !ret; i++) {
		if (v[i].zero) {
			ret = vimg_pwrite_zeroes(base, v[i].off, v[i].len);
			continue;
		}
		for (off = v[i].off; off < v[i].off + v[i].len && !ret; off += len) {
			len = v[i].off + v[i].len - off < CHUNK ? v[i].off + v[i].len - off : CHUNK;
			ret = vimg_pread(top, buf, len, off);
			if (!ret)
				ret = vimg_pwrite(base, buf, len, off);
		}
	}
	if (!ret)
		ret = vimg_flush(base);
	free(buf);
	return ret;
}

int img_commit(int argc, char **argv)
{
	const char *fmt = NULL, *bname = NULL;
	bool keep = false;
	struct vimg *top, *bk, *base = NULL;
	struct span *spans = NULL;
	size_t nspans = 0;
	const char *file;
	int c, k, depth = 1, ret;

	while ((c = getopt_long(argc, argv, "f:dqpt:b:r:", img_help_opt, NULL)) != -1) {
		k = img_common_opt(c, optarg, &fmt, NULL);
		if (k < 0)
			return VMON_EXIT_USAGE;
		if (k)
			continue;
		switch (c) {
		case 'd':
			keep = true;
			break;
		case 'b': /* as qemu-img: a base given implies -d */
			bname = optarg;
			keep = true;
			break;
		case 'p':
		case 't':
		case 'r':
			break;
		default:
			img_usage(stderr, "commit");
			return VMON_EXIT_USAGE;
		}
	}
	file = img_one_file(argc, argv, "commit");
	if (!file)
		return VMON_EXIT_USAGE;
	top = img_open(file, fmt, keep ? 0 : VIMG_RDWR);
	if (!top)
		return VMON_EXIT_FAIL;
	bk = vimg_backing(top);
	if (!bk) {
		vmon_err("img commit: '%s' has no backing file", file);
		vimg_close(top);
		return VMON_EXIT_FAIL;
	}
	if (bname) {
		bk = find_in_chain(top, bname, &depth);
		if (!bk) {
			vmon_err("img commit: did not find '%s' in the backing chain of '%s'",
				 bname, file);
			vimg_close(top);
			return VMON_EXIT_FAIL;
		}
	}
	ret = commit_spans(top, depth, &spans, &nspans);
	if (!ret) {
		base = img_open(vimg_filename(bk), vimg_format(bk) == VIMG_QCOW2 ? "qcow2" : "raw",
				VIMG_RDWR);
		ret = base ? commit_copy(top, base, spans, nspans) : -1;
	}
	if (!ret && !keep)
		ret = vimg_discard(top, 0, vimg_size(top));
	if (ret == -ENOMEM)
		vmon_err("img commit: out of memory");
	else if (ret && ret != -1)
		vmon_err("img commit: %s", vimg_strerror());
	free(spans);
	if (vimg_close(base) && !ret)
		ret = -1;
	if (vimg_close(top) && !ret)
		ret = -1;
	if (!ret)
		printf("Image committed.\n");
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

	while ((c = getopt_long(argc, argv, "f:b:F:uqpt:T:", img_help_opt, NULL)) != -1) {
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
		path = vimg_backing_path(argv[optind], nb);
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
			path = vimg_backing_path(argv[optind], qi.backing_file);
			oldb = path ? img_open(path, qi.backing_fmt, 0) : NULL;
			free(path);
			if (!oldb) {
				ret = -1;
				goto out;
			}
		}
		if (*nb && !newb) {
			path = vimg_backing_path(argv[optind], nb);
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
