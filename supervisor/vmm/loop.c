// SPDX-License-Identifier: GPL-2.0
/*
 * The main loop: epoll over every asynchronous fd of the VMM. Callbacks run
 * under the big device lock, like vCPU exits do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

struct handler {
	int fd;
	ev_fn fn;
	void *opaque;
};

#define MAX_HANDLERS 256
static struct handler handlers[MAX_HANDLERS];

static struct handler *slot(int fd, bool alloc)
{
	for (int i = 0; i < MAX_HANDLERS; i++)
		if (handlers[i].fn && handlers[i].fd == fd)
			return &handlers[i];
	if (!alloc)
		return NULL;
	for (int i = 0; i < MAX_HANDLERS; i++)
		if (!handlers[i].fn)
			return &handlers[i];
	return NULL;
}

static int ctl(struct vm *vm, int op, int fd, uint32_t events, ev_fn fn, void *opaque)
{
	struct handler *h = slot(fd, true);
	struct epoll_event ev = { .events = events };

	if (!h)
		return -ENOSPC;
	*h = (struct handler){ fd, fn, opaque };
	ev.data.ptr = h;
	if (epoll_ctl(vm->epfd, op, fd, &ev) < 0) {
		int err = errno;
		h->fn = NULL;
		if (err != EPERM)
			vmm_warn("epoll_ctl fd %d: %s", fd, strerror(err));
		return -err;
	}
	return 0;
}

int ev_add(struct vm *vm, int fd, uint32_t events, ev_fn fn, void *opaque)
{
	return ctl(vm, EPOLL_CTL_ADD, fd, events, fn, opaque);
}

int ev_mod(struct vm *vm, int fd, uint32_t events, ev_fn fn, void *opaque)
{
	return ctl(vm, EPOLL_CTL_MOD, fd, events, fn, opaque);
}

void ev_del(struct vm *vm, int fd)
{
	struct handler *h = slot(fd, false);

	epoll_ctl(vm->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (h)
		h->fn = NULL;
}

int ev_run_once(struct vm *vm, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(vm->epfd, evs, 32, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	pthread_mutex_lock(&vm->lock);
	for (int i = 0; i < n; i++) {
		struct handler *h = evs[i].data.ptr;

		if (h->fn)
			h->fn(h->opaque, evs[i].events);
	}
	pthread_mutex_unlock(&vm->lock);
	return n;
}

int ev_run(struct vm *vm)
{
	for (;;) {
		if (ev_run_once(vm, -1) < 0) {
			vmm_log("epoll_wait: %s", strerror(errno));
			return -1;
		}
		pthread_mutex_lock(&vm->lock);
		bool stop = vm->state == VM_STOPPING;
		pthread_mutex_unlock(&vm->lock);
		if (stop)
			return 0;
	}
}

bool vmm_ratelimit(struct vmm_ratelimit *rl)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct timespec ts;
	unsigned int left_out = 0;
	uint64_t now;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	pthread_mutex_lock(&lock);
	if (!rl->start_ns || now - rl->start_ns >= VMM_WARN_WINDOW_S * 1000000000ULL) {
		left_out = rl->suppressed;
		rl->start_ns = now;
		rl->printed = rl->suppressed = 0;
	}
	ok = rl->printed < VMM_WARN_BURST;
	if (ok)
		rl->printed++;
	else
		rl->suppressed++;
	pthread_mutex_unlock(&lock);
	if (left_out)
		vmm_log("(%u more warnings like the next were left out in %d s)", left_out,
			VMM_WARN_WINDOW_S);
	return ok;
}

void vmm_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "vmon-vmm: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0)
		abort();
}
