// SPDX-License-Identifier: GPL-2.0
/*
 * Error messages, full-length I/O and the metadata table cache.
 *
 * The cache holds cluster-sized tables (L2 tables or refcount blocks) in
 * memory and writes dirty ones back on eviction or flush. A cache may depend
 * on another: before any of its dirty tables is written, the other cache is
 * written and synced. The L2 cache depends on the refcount cache, so an L2
 * entry never reaches the disk before the refcount of the cluster it names.
 * Replacement is CLOCK (second chance).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "qcow2_int.h"

static __thread char errbuf[512];

const char *vimg_strerror(void)
{
	return errbuf;
}

int qerr(int err, const char *fmt, ...)
{
	char msg[sizeof(errbuf)];
	va_list ap;

	/* through a copy: the arguments may include the previous message */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(errbuf, msg, sizeof(errbuf));
	return err > 0 ? -err : err;
}

int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qerr(errno, "read of %zu bytes at offset %llu: %s", len,
				    (unsigned long long)off, strerror(errno));
		}
		if (n == 0) { /* past the end of file: zeroes */
			memset(p, 0, len);
			return 0;
		}
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qerr(errno, "write of %zu bytes at offset %llu: %s", len,
				    (unsigned long long)off, strerror(errno));
		}
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

int tcache_init(struct tcache *c, struct vimg *img, int n, size_t tsize)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->img = img;
	c->n = n;
	c->tsize = tsize;
	c->nhash = 2 * n + 1;
	c->e = calloc(n, sizeof(*c->e));
	c->hash = malloc(sizeof(int) * c->nhash);
	if (!c->e || !c->hash)
		return qerr(ENOMEM, "out of memory for a table cache of %d entries", n);
	for (i = 0; i < c->nhash; i++)
		c->hash[i] = -1;
	for (i = 0; i < n; i++)
		c->e[i].next = -1;
	return 0;
}

void tcache_free(struct tcache *c)
{
	int i;

	if (!c->e)
		return;
	for (i = 0; i < c->n; i++)
		free(c->e[i].buf);
	free(c->e);
	free(c->hash);
	c->e = NULL;
	c->hash = NULL;
}

static int hslot(const struct tcache *c, uint64_t off)
{
	return (int)((off >> 9) * 0x9e3779b97f4a7c15ull % (uint64_t)c->nhash);
}

static int find(const struct tcache *c, uint64_t off)
{
	int i;

	for (i = c->hash[hslot(c, off)]; i >= 0; i = c->e[i].next)
		if (c->e[i].off == off)
			return i;
	return -1;
}

static void unhash(struct tcache *c, int idx)
{
	int *pp = &c->hash[hslot(c, c->e[idx].off)];

	while (*pp >= 0) {
		if (*pp == idx) {
			*pp = c->e[idx].next;
			break;
		}
		pp = &c->e[*pp].next;
	}
	c->e[idx].next = -1;
	c->e[idx].off = 0;
}

/* A table goes back to the file only where no other metadata lives. */
static int table_write(struct tcache *c, int i)
{
	unsigned int ign = c == &c->img->l2c ? OL_ACTIVE_L2 : OL_REFCOUNT_BLOCK;
	int ret = qcow2_check_write(c->img, ign, c->e[i].off, c->tsize);

	return ret ? ret : pwrite_full(c->img->fd, c->e[i].buf, c->tsize, c->e[i].off);
}

static int write_one(struct tcache *c, int i)
{
	int ret;

	if (c->depends) {
		ret = tcache_flush(c->depends);
		if (ret)
			return ret;
	}
	ret = table_write(c, i);
	if (ret)
		return ret;
	c->e[i].dirty = false;
	return 0;
}

int tcache_flush(struct tcache *c)
{
	bool any = false;
	int i, ret;

	for (i = 0; i < c->n; i++)
		if (c->e[i].off && c->e[i].dirty)
			any = true;
	if (!any)
		return 0;
	if (c->depends) {
		ret = tcache_flush(c->depends);
		if (ret)
			return ret;
	}
	for (i = 0; i < c->n; i++) {
		if (c->e[i].off && c->e[i].dirty) {
			ret = table_write(c, i);
			if (ret)
				return ret;
			c->e[i].dirty = false;
		}
	}
	if (qsync(c->img))
		return qerr(errno, "fdatasync: %s", strerror(errno));
	return 0;
}

/* Get the table at off; read from disk when read, else zero-filled. */
int tcache_get(struct tcache *c, uint64_t off, bool read, void **buf)
{
	int i, ret, tries;

	if (!off || off & (c->tsize - 1))
		return qerr(EIO, "metadata table offset 0x%llx is not a valid cluster offset",
			    (unsigned long long)off);
	i = find(c, off);
	if (i >= 0) {
		c->e[i].ref = true;
		*buf = c->e[i].buf;
		return 0;
	}
	for (tries = 0;; tries++) {
		i = c->hand;
		c->hand = (c->hand + 1) % c->n;
		if (!c->e[i].off)
			break;
		if (c->e[i].ref && tries < 2 * c->n) {
			c->e[i].ref = false;
			continue;
		}
		if (c->e[i].dirty) {
			ret = write_one(c, i);
			if (ret)
				return ret;
		}
		unhash(c, i);
		break;
	}
	if (!c->e[i].buf) {
		c->e[i].buf = malloc(c->tsize);
		if (!c->e[i].buf)
			return qerr(ENOMEM, "out of memory for a metadata table");
	}
	if (read) {
		ret = pread_full(c->img->fd, c->e[i].buf, c->tsize, off);
		if (ret)
			return ret;
	} else {
		memset(c->e[i].buf, 0, c->tsize);
	}
	c->e[i].off = off;
	c->e[i].ref = true;
	c->e[i].dirty = false;
	c->e[i].next = c->hash[hslot(c, off)];
	c->hash[hslot(c, off)] = i;
	*buf = c->e[i].buf;
	return 0;
}

void tcache_dirty(struct tcache *c, uint64_t off)
{
	int i = find(c, off);

	if (i >= 0)
		c->e[i].dirty = true;
}

/* Forget a table without writing it (its cluster is being freed). */
void tcache_drop(struct tcache *c, uint64_t off)
{
	int i = find(c, off);

	if (i >= 0) {
		c->e[i].dirty = false;
		unhash(c, i);
	}
}

void tcache_clear(struct tcache *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].off)
			unhash(c, i);
}
