// SPDX-License-Identifier: GPL-2.0
/*
 * qcow2 images on the userspace virtio-blk back end. Every guest read,
 * write and flush goes through libqcow2 (cluster allocation, copy-on-write
 * from the backing chain, metadata caches and their ordering), which is
 * synchronous and not thread-safe per image: so one worker thread per disk
 * owns the image and runs requests in order, straight between the image and
 * guest memory (no bounce buffer). The main loop queues requests and reaps
 * them when the worker signals the disk's completion eventfd.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmon/qcow2.h>

#include "vmm.h"
#include "blk.h"

/* I/O errors logged per disk before going quiet (a guest can cause many). */
#define QCOW2_MAX_LOGGED 10

struct blk_qcow2 {
	struct vimg *img;
	const char *path;
	int efd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work; /* todo not empty, or stop */
	pthread_cond_t idle; /* a request finished */
	struct blk_req *todo, **todo_tail;
	struct blk_req *done, **done_tail;
	int pending; /* submitted and not yet taken by blk_qcow2_done() */
	int logged;
	bool stop;
};

static int64_t run(struct blk_qcow2 *w, struct blk_req *r)
{
	uint64_t off = r->off;
	size_t moved = 0;
	int ret = 0;

	if (r->type == VIRTIO_BLK_T_FLUSH) {
		ret = vimg_flush(w->img);
	} else {
		for (int i = 0; i < r->niov && !ret; i++) {
			void *buf = r->iov[i].iov_base;
			size_t len = r->iov[i].iov_len;

			if (r->type == VIRTIO_BLK_T_OUT)
				ret = vimg_pwrite(w->img, buf, len, off);
			else
				ret = vimg_pread(w->img, buf, len, off);
			off += len;
			moved += len;
		}
	}
	if (ret < 0) {
		if (w->logged++ < QCOW2_MAX_LOGGED)
			vmm_warn("virtio-blk: %s: %s", w->path, vimg_strerror());
		return ret;
	}
	return (int64_t)moved;
}

static void *worker(void *arg)
{
	struct blk_qcow2 *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct blk_req *r;

		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->todo)
			break;
		r = w->todo;
		w->todo = r->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		pthread_mutex_unlock(&w->lock);

		r->res = run(w, r);

		pthread_mutex_lock(&w->lock);
		r->next = NULL;
		*w->done_tail = r;
		w->done_tail = &r->next;
		pthread_cond_broadcast(&w->idle);
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			vmm_warn("virtio-blk: %s: completion eventfd: %s", w->path,
				 strerror(errno));
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct blk_qcow2 *blk_qcow2_open(const char *path, bool readonly, int efd, uint64_t *size)
{
	struct blk_qcow2 *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return NULL;
	ret = vimg_open(path, "qcow2", readonly ? 0 : VIMG_RDWR, &w->img);
	if (ret < 0) {
		vmm_log("--disk '%s': %s", path, vimg_strerror());
		free(w);
		return NULL;
	}
	if (vimg_backing_probed(w->img))
		vmm_warn("--disk '%s': the format of backing file '%s' is not recorded: it was "
			 "probed (record it: vmon img rebase -u -b FILE -F FMT)",
			 path, vimg_backing_probed(w->img));
	w->path = path;
	w->efd = efd;
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	ret = pthread_create(&w->thread, NULL, worker, w);
	if (ret) {
		vmm_log("--disk '%s': cannot start its I/O thread: %s", path, strerror(ret));
		vimg_close(w->img);
		free(w);
		return NULL;
	}
	pthread_setname_np(w->thread, "qcow2 io");
	*size = vimg_size(w->img);
	return w;
}

void blk_qcow2_submit(struct blk_qcow2 *w, struct blk_req *r)
{
	pthread_mutex_lock(&w->lock);
	r->next = NULL;
	*w->todo_tail = r;
	w->todo_tail = &r->next;
	w->pending++;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

struct blk_req *blk_qcow2_done(struct blk_qcow2 *w, bool wait)
{
	struct blk_req *r;

	pthread_mutex_lock(&w->lock);
	while (wait && !w->done && w->pending)
		pthread_cond_wait(&w->idle, &w->lock);
	r = w->done;
	if (r) {
		w->done = r->next;
		if (!w->done)
			w->done_tail = &w->done;
		w->pending--;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

int blk_qcow2_flush(struct blk_qcow2 *w)
{
	int ret;

	/* The worker is idle: the caller reaped every request. */
	pthread_mutex_lock(&w->lock);
	ret = vimg_flush(w->img);
	pthread_mutex_unlock(&w->lock);
	if (ret < 0)
		vmm_warn("virtio-blk: %s: flush: %s", w->path, vimg_strerror());
	return ret;
}

void blk_qcow2_close(struct blk_qcow2 *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (vimg_close(w->img) < 0)
		vmm_log("virtio-blk: %s: closing: %s", w->path, vimg_strerror());
	free(w);
}
