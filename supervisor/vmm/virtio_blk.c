// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (virtio 1.x, 5.2) with its userspace back end: requests become
 * readv/writev/fsync on io_uring against a raw file or block device, run
 * asynchronously; completions come back through an eventfd in the main loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <linux/virtio_blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"
#include "vdev.h"

#define BLK_QSIZE 256
#define SECTOR 512

struct blk_req {
	struct virtq *q;
	uint16_t head;
	uint8_t *status;
	uint32_t in_len; /* bytes the device writes: data read + status */
	uint32_t expect; /* bytes the I/O must move */
	int niov;
	struct iovec iov[VCHAIN_MAX];
	struct blk_req *next_free;
};

struct blk {
	struct virtio_dev dev;
	struct virtio_blk_config cfg;
	int fd;
	bool readonly;
	uint64_t size;
	struct io_uring ring;
	int efd;
	struct blk_req reqs[BLK_QSIZE];
	struct blk_req *free;
	int inflight;
	bool completed; /* a request completed without I/O: interrupt */
	struct vchain chain;
	char serial[VIRTIO_BLK_ID_BYTES];
};

static void req_free(struct blk *b, struct blk_req *r)
{
	r->next_free = b->free;
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

/* Turn one chain into an SQE, or complete it at once. */
static void handle(struct blk *b, struct virtq *q, struct vchain *c)
{
	struct virtio_blk_outhdr hdr;
	struct blk_req *r = b->free;
	struct io_uring_sqe *sqe;
	size_t data_len;
	int n;

	b->free = r->next_free;
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

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool out = hdr.type == VIRTIO_BLK_T_OUT;

		if (out) {
			data_len = 0;
			for (int i = 0; i < c->nout; i++)
				data_len += c->iov[i].iov_len;
			data_len -= sizeof(hdr);
			n = iov_slice(c->iov, c->nout, sizeof(hdr), data_len, r->iov, VCHAIN_MAX);
		} else {
			data_len = c->in_len - 1;
			n = iov_slice(c->iov + c->nout, c->nin, 0, data_len, r->iov, VCHAIN_MAX);
			r->in_len += (uint32_t)data_len;
		}
		if (n < 0 || data_len % SECTOR || hdr.sector > b->size / SECTOR ||
		    data_len > b->size - hdr.sector * SECTOR) {
			r->in_len = 1;
			complete(b, r, VIRTIO_BLK_S_IOERR);
			return;
		}
		if (out && b->readonly) {
			complete(b, r, VIRTIO_BLK_S_IOERR);
			return;
		}
		r->niov = n;
		r->expect = (uint32_t)data_len;
		sqe = io_uring_get_sqe(&b->ring);
		if (out) {
			io_uring_prep_writev(sqe, b->fd, r->iov, (unsigned)n, hdr.sector * SECTOR);
			b->dev.stats.bytes_out += data_len;
		} else {
			io_uring_prep_readv(sqe, b->fd, r->iov, (unsigned)n, hdr.sector * SECTOR);
			b->dev.stats.bytes_in += data_len;
		}
		io_uring_sqe_set_data(sqe, r);
		return;
	}
	case VIRTIO_BLK_T_FLUSH:
		r->expect = 0;
		sqe = io_uring_get_sqe(&b->ring);
		io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_data(sqe, r);
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
	struct io_uring_cqe *cqe;
	struct virtq *q = NULL;
	uint64_t n;

	(void)events;
	if (read(b->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	while (io_uring_peek_cqe(&b->ring, &cqe) == 0) {
		struct blk_req *r = io_uring_cqe_get_data(cqe);
		bool ok = cqe->res >= 0 && (uint32_t)cqe->res == r->expect;

		if (!ok && cqe->res < 0)
			vmm_warn("%s: I/O error: %s", b->dev.name, strerror(-cqe->res));
		q = r->q;
		io_uring_cqe_seen(&b->ring, cqe);
		if (b->dev.status == 0) { /* reset meanwhile: drop it */
			req_free(b, r);
			continue;
		}
		complete(b, r, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
	}
	if (q) {
		b->completed = false;
		virtq_notify(q);
	}
	/* A full request pool stopped popping: pick up what waits. */
	if (q && b->dev.status & VIRTIO_CONFIG_S_DRIVER_OK)
		blk_kick(&b->dev, q);
}

/* Complete everything in flight (snapshot). */
static void blk_quiesce(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;
	struct io_uring_cqe *cqe;
	struct virtq *q = NULL;

	while (b->inflight > 0 && io_uring_wait_cqe(&b->ring, &cqe) == 0) {
		struct blk_req *r = io_uring_cqe_get_data(cqe);
		bool ok = cqe->res >= 0 && (uint32_t)cqe->res == r->expect;

		q = r->q;
		io_uring_cqe_seen(&b->ring, cqe);
		complete(b, r, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
	}
	if (q)
		virtq_notify(q);
}

static void blk_reset(struct virtio_dev *d)
{
	struct blk *b = (struct blk *)d;
	struct io_uring_cqe *cqe;

	/* The rings go away: wait for what is in flight. */
	while (b->inflight > 0 && io_uring_wait_cqe(&b->ring, &cqe) == 0) {
		req_free(b, io_uring_cqe_get_data(cqe));
		io_uring_cqe_seen(&b->ring, cqe);
	}
}

static const struct virtio_dev_ops blk_ops = {
	.kick = blk_kick,
	.reset = blk_reset,
	.quiesce = blk_quiesce,
};

struct virtio_dev *virtio_blk_create(struct vm *vm, const struct disk_config *cfg)
{
	struct blk *b = calloc(1, sizeof(*b));
	struct stat st;

	if (!b)
		return NULL;
	if (cfg->backend == BLK_VMON) {
		vmm_log("--disk '%s': backend=vmon-blk is not supported by this vmon-vmm yet "
			"(use backend=uring)",
			cfg->path);
		return NULL;
	}
	b->readonly = cfg->readonly;
	b->fd = open(cfg->path, (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st) < 0) {
		vmm_log("--disk '%s': %s", cfg->path, strerror(errno));
		return NULL;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &b->size) < 0) {
			vmm_log("--disk '%s': BLKGETSIZE64: %s", cfg->path, strerror(errno));
			return NULL;
		}
	} else if (S_ISREG(st.st_mode)) {
		b->size = (uint64_t)st.st_size;
	} else {
		vmm_log("--disk '%s': not a regular file or block device", cfg->path);
		return NULL;
	}
	b->size &= ~(uint64_t)(SECTOR - 1);
	if (io_uring_queue_init(BLK_QSIZE, &b->ring, 0) < 0) {
		vmm_log("--disk '%s': cannot set up io_uring", cfg->path);
		return NULL;
	}
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0 || io_uring_register_eventfd(&b->ring, b->efd) < 0 ||
	    ev_add(vm, b->efd, EPOLLIN, blk_complete_event, b) < 0)
		return NULL;
	for (int i = BLK_QSIZE - 1; i >= 0; i--) {
		b->reqs[i].next_free = b->free;
		b->free = &b->reqs[i];
	}
	b->inflight = 0;
	snprintf(b->serial, sizeof(b->serial), "vmon%llx", (unsigned long long)st.st_ino);

	b->cfg.capacity = b->size / SECTOR;
	b->cfg.seg_max = VCHAIN_MAX - 4;
	b->dev.name = "virtio-blk";
	b->dev.backend = "uring";
	b->dev.device_id = 2;
	b->dev.ops = &blk_ops;
	b->dev.nq = 1;
	b->dev.q[0].max = BLK_QSIZE;
	b->dev.config = (uint8_t *)&b->cfg;
	b->dev.config_len = sizeof(b->cfg);
	b->dev.host_features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_FLUSH |
			       1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (cfg->readonly)
		b->dev.host_features |= 1ULL << VIRTIO_BLK_F_RO;
	if (virtio_pci_create(vm, &b->dev, 0x018000) < 0)
		return NULL;
	return &b->dev;
}
