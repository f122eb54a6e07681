// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (virtio 1.x, 5.2): the device model and its userspace back end.
 * Requests become readv/writev/fsync on io_uring against a raw file or
 * block device, or go through libqcow2 on a worker thread (blk_qcow2.c) for
 * qcow2 images; either way they run asynchronously and their completions
 * come back through an eventfd in the main loop. Raw images can instead be
 * served by the kernel (/dev/vmon-blk, blk_vmon.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "vmm.h"
#include "blk.h"
#include "vdev.h"

static void req_free(struct blk *b, struct blk_req *r)
{
	r->next = b->free;
	b->free = r;
	b->inflight--;
}

static void complete(struct blk *b, struct blk_req *r, uint8_t status)
{
	*r->status = status;
	virtq_push(r->q, r->head, r->in_len);
	b->completed = true;
	if (status != VIRTIO_BLK_S_OK)
		b->dev.stats.errors++;
	req_free(b, r);
}

/* Start a checked read, write or flush on the userspace back end. */
static void submit(struct blk *b, struct blk_req *r)
{
	struct io_uring_sqe *sqe;

	if (b->qcow2) {
		blk_qcow2_submit(b->qcow2, r);
		return;
	}
	sqe = io_uring_get_sqe(&b->ring);
	if (r->type == VIRTIO_BLK_T_OUT)
		io_uring_prep_writev(sqe, b->fd, r->iov, (unsigned)r->niov, r->off);
	else if (r->type == VIRTIO_BLK_T_IN)
		io_uring_prep_readv(sqe, b->fd, r->iov, (unsigned)r->niov, r->off);
	else
		io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, r);
}

/* One finished request with its result in r->res, or NULL; @wait blocks for one. */
static struct blk_req *next_done(struct blk *b, bool wait)
{
	struct io_uring_cqe *cqe;
	struct blk_req *r;

	if (b->qcow2)
		return blk_qcow2_done(b->qcow2, wait && b->inflight > 0);
	if (wait ? b->inflight <= 0 || io_uring_wait_cqe(&b->ring, &cqe) < 0
		 : io_uring_peek_cqe(&b->ring, &cqe) < 0)
		return NULL;
	r = io_uring_cqe_get_data(cqe);
	r->res = cqe->res;
	io_uring_cqe_seen(&b->ring, cqe);
	return r;
}

static uint8_t result(struct blk *b, struct blk_req *r)
{
	/* all of it, or an error: a short read or write is never OK */
	if (r->res >= 0 && (uint64_t)r->res == r->expect)
		return VIRTIO_BLK_S_OK;
	if (r->res < 0 && !b->qcow2) /* libqcow2's messages are logged by its worker */
		vmm_warn("%s: I/O error: %s", b->dev.name, strerror((int)-r->res));
	else if (r->res >= 0)
		vmm_warn("%s: short I/O: %lld of %llu bytes", b->dev.name, (long long)r->res,
			 (unsigned long long)r->expect);
	return VIRTIO_BLK_S_IOERR;
}

/*
 * Does the error policy hold failed request @r (QEMU's werror=/rerror=
 * stop and enospc) instead of reporting it to the guest? A short write is
 * how a file system that fills up in the middle of one says ENOSPC.
 */
static bool policy_holds(const struct blk *b, const struct blk_req *r)
{
	enum blk_err_policy p = r->type == VIRTIO_BLK_T_IN ? b->rerror : b->werror;

	return p == BLK_ERR_STOP ||
	       (p == BLK_ERR_ENOSPC &&
		(r->res == -ENOSPC || (r->type == VIRTIO_BLK_T_OUT && r->res >= 0)));
}

/*
 * Keep failed request @r for a retry and pause the VM, as QEMU stops on an
 * I/O error: vmond reads "io_error" in the status (paused, I/O error). It
 * leaves the in-flight count: it waits for nothing but the resume.
 */
static void hold(struct blk *b, struct blk_req *r)
{
	struct vm *vm = b->dev.vm;

	r->next = b->held;
	b->held = r;
	b->inflight--;
	if (!vm->io_error)
		vmm_warn("%s: %s: I/O error (%s) under a stop policy: the VM pauses until it "
			 "is resumed, which retries the request",
			 b->dev.name, b->path, r->res < 0 ? strerror((int)-r->res) : "short I/O");
	vm->io_error = true;
	vm_pause(vm);
}

/* The VM resumes: submit the held requests again (they may fail again). */
static void blk_retry(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;
	struct blk_req *r;

	if (!b->held)
		return;
	while ((r = b->held)) {
		b->held = r->next;
		b->inflight++;
		submit(b, r);
	}
	if (!b->qcow2)
		io_uring_submit(&b->ring);
}

/* Device reset: the held requests' ring is gone; free them. */
static void drop_held(struct blk *b)
{
	struct blk_req *r;

	while ((r = b->held)) {
		b->held = r->next;
		r->next = b->free;
		b->free = r;
	}
}

/* Post @r's result, or hold it under a stop policy. */
static void finish(struct blk *b, struct blk_req *r)
{
	uint8_t st = result(b, r);

	if (st != VIRTIO_BLK_S_OK && policy_holds(b, r))
		hold(b, r);
	else
		complete(b, r, st);
}

static const uint8_t qcow2_magic[4] = { 'Q', 'F', 'I', 0xfb };

/*
 * A write to sector 0 of an image probed as raw that would make it probe as
 * another format (qcow2) next time, as QEMU's raw driver refuses: that header
 * could name any host file as its backing file.
 */
static bool turns_into_image(const struct blk *b, const struct blk_req *r)
{
	uint8_t m[sizeof(qcow2_magic)];

	return b->probed_raw && r->type == VIRTIO_BLK_T_OUT && r->off == 0 &&
	       iov_to_buf(r->iov, r->niov, 0, m, sizeof(m)) == sizeof(m) &&
	       !memcmp(m, qcow2_magic, sizeof(m));
}

/* A read or write: checked (bounds, size, sector 0 of a probed raw image), then submitted. */
static void handle_rw(struct blk *b, struct blk_req *r, const struct vchain *c,
		      const struct virtio_blk_outhdr *hdr)
{
	bool out = hdr->type == VIRTIO_BLK_T_OUT;
	uint64_t data_len = 0;
	int n;

	if (out) {
		for (int i = 0; i < c->nout; i++)
			data_len += c->iov[i].iov_len;
		data_len -= sizeof(*hdr);
		n = iov_slice(c->iov, c->nout, sizeof(*hdr), data_len, r->iov, VCHAIN_MAX);
	} else {
		data_len = c->in_len - 1;
		n = iov_slice(c->iov + c->nout, c->nin, 0, data_len, r->iov, VCHAIN_MAX);
	}
	if (data_len > BLK_MAX_DATA)
		vmm_warn("%s: refused a request of %llu bytes (at most %llu)", b->dev.name,
			 (unsigned long long)data_len, BLK_MAX_DATA);
	if (n < 0 || data_len % SECTOR || data_len > BLK_MAX_DATA ||
	    hdr->sector > b->size / SECTOR || data_len > b->size - hdr->sector * SECTOR ||
	    (out && b->readonly)) {
		complete(b, r, VIRTIO_BLK_S_IOERR);
		return;
	}
	if (!out)
		r->in_len += (uint32_t)data_len;
	r->niov = n;
	r->expect = data_len;
	r->type = hdr->type;
	r->off = hdr->sector * SECTOR;
	if (turns_into_image(b, r)) {
		vmm_warn("%s: %s: refused a guest write of a qcow2 header to sector 0 of an "
			 "image probed as raw (give format=raw to allow it)",
			 b->dev.name, b->path);
		complete(b, r, VIRTIO_BLK_S_IOERR);
		return;
	}
	if (out)
		b->dev.stats.bytes_out += data_len;
	else
		b->dev.stats.bytes_in += data_len;
	submit(b, r);
}

/* Turn one chain into an I/O request, or complete it at once. */
static void handle(struct blk *b, struct virtq *q, struct vchain *c)
{
	struct virtio_blk_outhdr hdr;
	struct blk_req *r = b->free;

	b->free = r->next;
	b->inflight++;
	r->q = q;
	r->head = c->head;
	r->in_len = 0;
	/* The last writable byte is the status. */
	if (iov_to_buf(c->iov, c->nout, 0, &hdr, sizeof(hdr)) != sizeof(hdr) || !c->nin ||
	    !c->iov[c->nout + c->nin - 1].iov_len) {
		vmm_warn("%s: malformed request", b->dev.name);
		b->dev.stats.errors++;
		virtq_push(q, c->head, 0);
		b->completed = true;
		req_free(b, r);
		return;
	}
	struct iovec *last = &c->iov[c->nout + c->nin - 1];
	r->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	r->in_len = 1;
	b->dev.stats.requests++;
	b->dev.stats.requests_in += hdr.type == VIRTIO_BLK_T_IN;
	b->dev.stats.requests_out += hdr.type == VIRTIO_BLK_T_OUT;
	b->dev.stats.flushes += hdr.type == VIRTIO_BLK_T_FLUSH;

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		handle_rw(b, r, c, &hdr);
		return;
	case VIRTIO_BLK_T_FLUSH:
		r->expect = 0;
		r->type = hdr.type;
		r->niov = 0;
		submit(b, r);
		return;
	case VIRTIO_BLK_T_GET_ID: {
		size_t k = iov_from_buf(c->iov + c->nout, c->nin, 0, b->serial,
					c->in_len - 1 < sizeof(b->serial) ? c->in_len - 1
									  : sizeof(b->serial));
		r->in_len += (uint32_t)k;
		complete(b, r, VIRTIO_BLK_S_OK);
		return;
	}
	default:
		complete(b, r, VIRTIO_BLK_S_UNSUPP);
		return;
	}
}

static void blk_kick(struct virtio_dev *d, struct virtq *q)
{
	struct blk *b = (struct blk *)d;
	int r = 0;

	while (b->free && (r = virtq_pop(d->vm, q, &b->chain)) > 0)
		handle(b, q, &b->chain);
	if (r < 0)
		virtio_set_broken(d, "bad descriptor chain on the request queue");
	if (!b->qcow2)
		io_uring_submit(&b->ring);
	/* Requests completed without I/O (errors, GET_ID) need an interrupt too. */
	if (b->completed) {
		b->completed = false;
		virtq_notify(q);
	}
}

static void blk_complete_event(void *opaque, uint32_t events)
{
	struct blk *b = opaque;
	struct virtq *q = NULL;
	struct blk_req *r;
	uint64_t n;

	(void)events;
	if (read(b->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	while ((r = next_done(b, false))) {
		q = r->q;
		if (b->dev.status == 0) { /* reset meanwhile: drop it */
			req_free(b, r);
			continue;
		}
		finish(b, r);
	}
	if (q) {
		b->completed = false;
		virtq_notify(q);
	}
	/* A full request pool stopped popping: pick up what waits. */
	if (q && b->dev.status & VIRTIO_CONFIG_S_DRIVER_OK)
		blk_kick(&b->dev, q);
}

/* Complete everything in flight (snapshot); a qcow2 image writes its metadata back. */
static void blk_quiesce(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;
	struct virtq *q = NULL;
	struct blk_req *r;

	if (b->vhost >= 0) {
		blk_vmon_stop(b);
		return;
	}
	while ((r = next_done(b, true))) {
		q = r->q;
		finish(b, r);
	}
	if (q)
		virtq_notify(q);
	if (b->qcow2)
		blk_qcow2_flush(b->qcow2);
}

static void blk_reset(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;
	struct blk_req *r;

	if (b->vhost >= 0) {
		blk_vmon_stop(b);
		return;
	}
	/* The rings go away: wait for what is in flight. */
	while ((r = next_done(b, true)))
		req_free(b, r);
	drop_held(b);
}

static void blk_start(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;

	if (b->vhost >= 0)
		blk_vmon_start(b);
}

static void blk_update_stats(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;

	if (b->vhost >= 0)
		blk_vmon_stats(b);
}

/* The VMM ends: nothing in flight any more (reset ran); write qcow2 metadata back. */
static void blk_release(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;

	blk_qcow2_close(b->qcow2);
	b->qcow2 = NULL;
}

static const struct virtio_dev_ops blk_ops = {
	.kick = blk_kick,
	.start = blk_start,
	.reset = blk_reset,
	.quiesce = blk_quiesce,
	.retry = blk_retry,
	.update_stats = blk_update_stats,
	.release = blk_release,
};

/* Open the image and find its size (raw: the file or device; qcow2: later). */
static int open_image(struct blk *b, struct stat *st)
{
	b->fd = open(b->path,
		     (b->readonly ? O_RDONLY : O_RDWR) | (b->direct ? O_DIRECT : 0) | O_CLOEXEC);
	if (b->fd < 0 && b->direct && errno == EINVAL) {
		vmm_log("--disk '%s': cache=none, but its file system cannot do direct I/O",
			b->path);
		return -1;
	}
	if (b->fd < 0 || fstat(b->fd, st) < 0) {
		vmm_log("--disk '%s': %s", b->path, strerror(errno));
		return -1;
	}
	if (S_ISBLK(st->st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &b->size) < 0) {
			vmm_log("--disk '%s': BLKGETSIZE64: %s", b->path, strerror(errno));
			return -1;
		}
	} else if (S_ISREG(st->st_mode)) {
		b->size = (uint64_t)st->st_size;
	} else {
		vmm_log("--disk '%s': not a regular file or block device", b->path);
		return -1;
	}
	return 0;
}

/* qcow2 when the image starts with the qcow2 magic, else raw. */
static enum disk_format probe(int fd)
{
	uint8_t m[sizeof(qcow2_magic)];

	if (pread(fd, m, sizeof(m), 0) == sizeof(m) && !memcmp(m, qcow2_magic, sizeof(m)))
		return DISK_QCOW2;
	return DISK_RAW;
}

/* The userspace back end: io_uring on the raw image, or libqcow2's worker. */
static int setup_user(struct blk *b, enum disk_format fmt)
{
	int ret;

	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0) {
		vmm_log("--disk '%s': eventfd: %s", b->path, strerror(errno));
		return -1;
	}
	if (fmt == DISK_QCOW2) {
		close(b->fd);
		b->fd = -1;
		b->qcow2 = blk_qcow2_open(b->path, b->readonly, b->efd, &b->size);
		if (!b->qcow2)
			return -1;
	} else if ((ret = blk_uring_init(&b->ring, BLK_QSIZE, b->efd)) < 0) {
		vmm_log("--disk '%s': cannot set up a restricted io_uring: %s", b->path,
			strerror(-ret));
		return -1;
	}
	if (ev_add(b->dev.vm, b->efd, EPOLLIN, blk_complete_event, b) < 0)
		return -1;
	for (int i = BLK_QSIZE - 1; i >= 0; i--) {
		b->reqs[i].next = b->free;
		b->free = &b->reqs[i];
	}
	b->inflight = 0;
	return 0;
}

struct virtio_dev *virtio_blk_create(struct vm *vm, const struct disk_config *cfg)
{
	struct blk *b = calloc(1, sizeof(*b));
	enum blk_backend be = cfg->backend;
	enum disk_format fmt = cfg->format;
	struct stat st;

	if (!b)
		return NULL;
	b->dev.vm = vm;
	b->path = cfg->path;
	b->readonly = cfg->readonly;
	b->direct = cfg->direct;
	b->fd = b->vhost = b->err_fd = b->efd = -1;
	if (open_image(b, &st) < 0)
		return NULL;
	if (fmt == DISK_PROBE) {
		fmt = probe(b->fd);
		b->probed_raw = fmt == DISK_RAW && !b->readonly;
	}
	/* vmon-blk writes without us: it cannot apply the sector 0 check */
	/* and it reports failed requests itself: no stop policy */
	if (be == BLK_AUTO)
		be = fmt == DISK_RAW && !b->probed_raw && blk_vmon_available() && !cfg->werror &&
				     !cfg->rerror
			     ? BLK_VMON
			     : BLK_URING;
	if (blk_limits_on(&cfg->limits) && be != BLK_VMON) {
		vmm_log("--disk '%s': iops= and bps= are vmon-blk's limits (the kernel's "
			"throttle), which serves raw images given with format=raw when "
			"/dev/vmon-blk exists",
			cfg->path);
		return NULL;
	}
	b->limits = cfg->limits;
	if ((cfg->werror || cfg->rerror) && be == BLK_VMON) {
		vmm_log("--disk '%s': werror= and rerror= other than report need the userspace "
			"back end: vmon-blk reports failed requests to the guest itself",
			cfg->path);
		return NULL;
	}
	b->werror = cfg->werror;
	b->rerror = cfg->rerror;
	if (be == BLK_VMON && b->probed_raw) {
		vmm_log("--disk '%s': backend=vmon-blk needs format=raw (or ro): a probed raw "
			"image is served in userspace, which refuses guest writes that would "
			"make it probe as qcow2",
			cfg->path);
		return NULL;
	}
	if (b->direct && fmt != DISK_RAW) {
		vmm_log("--disk '%s': cache=none serves raw images only and this is a qcow2 image",
			cfg->path);
		return NULL;
	}
	if (be == BLK_VMON && fmt != DISK_RAW) {
		vmm_log("--disk '%s': backend=vmon-blk serves raw images only and this is a "
			"qcow2 image (use backend=uring)",
			cfg->path);
		return NULL;
	}
	/* the guest's /sys/block/vdX/serial: the given one (NUL-padded), or ours */
	if (cfg->serial[0]) /* config.c: at most VIRTIO_BLK_ID_BYTES */
		memcpy(b->serial, cfg->serial, strnlen(cfg->serial, sizeof(b->serial)));
	else
		snprintf(b->serial, sizeof(b->serial), "vmon%llx", (unsigned long long)st.st_ino);
	b->cfg.seg_max = VCHAIN_MAX - 4;
	b->dev.host_features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_FLUSH |
			       1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (be == BLK_VMON) {
		b->size &= ~(uint64_t)(SECTOR - 1);
		if (blk_vmon_setup(b) < 0)
			return NULL;
		/* The kernel's ring engine honours used/avail events. */
		b->dev.host_features |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	} else if (setup_user(b, fmt) < 0) {
		return NULL;
	}
	b->size &= ~(uint64_t)(SECTOR - 1);
	vmm_log("virtio-blk: %s: %s image, %llu MiB, backend %s, cache=%s", cfg->path,
		fmt == DISK_QCOW2 ? "qcow2" : "raw", (unsigned long long)(b->size >> 20),
		blk_backend_name(be), b->direct ? "none" : "writeback");

	b->cfg.capacity = b->size / SECTOR;
	b->dev.name = "virtio-blk";
	b->dev.backend = blk_backend_name(be);
	b->dev.device_id = VIRTIO_ID_BLOCK;
	b->dev.ops = &blk_ops;
	b->dev.nq = 1;
	b->dev.q[0].max = BLK_QSIZE;
	b->dev.config = (uint8_t *)&b->cfg;
	b->dev.config_len = sizeof(b->cfg);
	if (cfg->readonly)
		b->dev.host_features |= 1ULL << VIRTIO_BLK_F_RO;
	if (virtio_dev_add(vm, &b->dev) < 0)
		return NULL;
	return &b->dev;
}
