// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's server loop: two listening unix sockets (read-write, 0660 group
 * vmon; read-only, 0666), one epoll set for clients and VMM pidfds.
 * Messages are JSON lines (see vmon/daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "vmond.h"

#define MAX_GROUPS 256
#define VMOND_TICK_S 1

/* epoll tags: listening sockets, the signalfd and the timer. */
static int tag_rw, tag_ro, tag_sig, tag_tick;
static int tick_fd = -1;

struct client {
	int fd;
	bool ro;
	size_t len;
	char *buf;
};

void vmond_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmond: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int listen_on(const char *path, mode_t mode, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chown(path, 0, gid) < 0 ||
	    chmod(path, mode) < 0 || listen(fd, 64) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Root, and members of the vmon group (primary or supplementary), manage. */
static bool may_manage(struct vmond *d, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[MAX_GROUPS];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	if (cr.uid == 0 || cr.uid == getuid())
		return true;
	if (!d->have_gid)
		return false;
	if (cr.gid == d->gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == d->gid)
			return true;
	return false;
}

static void send_line(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;
	/* Clients are blocking here: the answer goes out whole. */
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	send(fd, "\n", 1, MSG_NOSIGNAL);
	fcntl(fd, F_SETFL, fl);
}

static void unsubscribe(struct vmond *d, int fd)
{
	for (size_t i = 0; i < d->nsubs; i++)
		if (d->subs[i] == fd)
			d->subs[i--] = d->subs[--d->nsubs];
}

/*
 * Events go out without blocking vmond: a client that does not read them
 * loses its connection (it sees the end of the stream).
 */
void vmond_broadcast(struct vmond *d, const char *line)
{
	size_t len = strlen(line);

	for (size_t i = 0; i < d->nsubs; i++) {
		int fd = d->subs[i];

		if (send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len ||
		    send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
			shutdown(fd, SHUT_RDWR);
			unsubscribe(d, fd);
			i--;
		}
	}
}

static void drop(struct vmond *d, struct client *c)
{
	unsubscribe(d, c->fd);
	epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c);
}

static void accept_one(struct vmond *d, int lfd, bool ro)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c;

	if (fd < 0)
		return;
	if (!ro && !may_manage(d, fd)) {
		send_line(fd, "{\"ok\":false,\"error\":\"permission denied: manage access "
			      "needs root or the vmon group (use the read-only socket)\"}");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->buf = malloc(VMOND_MSG_MAX + 1))) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->ro = ro;
	ev.data.ptr = c;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		drop(d, c);
}

/* Answer every whole line read; false when the client is gone. */
static bool client_read(struct vmond *d, struct client *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, VMOND_MSG_MAX - c->len);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	c->len += (size_t)n;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		char *out;

		*nl = 0;
		d->subscribe = false;
		out = vmond_dispatch(d, c->buf, c->ro);
		if (out)
			send_line(c->fd, out);
		free(out);
		if (d->subscribe) /* "events" answered: the stream follows */
			d->subs[d->nsubs++] = c->fd;
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len);
	}
	if (c->len == VMOND_MSG_MAX) {
		send_line(c->fd, "{\"ok\":false,\"error\":\"request line too long\"}");
		return false;
	}
	return true;
}

static struct vdom *vm_of(struct vmond *d, void *ptr)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->doms[i] == ptr)
			return d->doms[i];
	return NULL;
}

static int setup(struct vmond *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct group *g = getgrnam("vmon");
	sigset_t set;
	int sfd;

	d->have_gid = g != NULL;
	d->gid = g ? g->gr_gid : 0;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	d->lfd = listen_on(d->p.sock, 0660, d->gid);
	d->lfd_ro = listen_on(d->p.sock_ro, 0666, 0);
	if (d->ep < 0 || d->lfd < 0 || d->lfd_ro < 0) {
		vmond_log("cannot listen on %s: %s", d->p.sock,
			  strerror(-(d->lfd < 0 ? d->lfd : d->lfd_ro)));
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	ev.data.ptr = &tag_rw;
	epoll_ctl(d->ep, EPOLL_CTL_ADD, d->lfd, &ev);
	ev.data.ptr = &tag_ro;
	epoll_ctl(d->ep, EPOLL_CTL_ADD, d->lfd_ro, &ev);
	ev.data.ptr = &tag_sig;
	if (sfd < 0 || epoll_ctl(d->ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
		return -1;
	/* Every second: what the VMMs' status says (watch.c). */
	tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ev.data.ptr = &tag_tick;
	if (tick_fd < 0 || epoll_ctl(d->ep, EPOLL_CTL_ADD, tick_fd, &ev) < 0 ||
	    timerfd_settime(tick_fd, 0,
			    &(struct itimerspec){ { VMOND_TICK_S, 0 }, { VMOND_TICK_S, 0 } },
			    NULL) < 0)
		return -1;
	return 0;
}

static void tick(struct vmond *d)
{
	uint64_t n;

	if (read(tick_fd, &n, sizeof(n)) == sizeof(n))
		vmond_refresh_all(d);
}

int vmond_serve(struct vmond *d, bool notify)
{
	struct epoll_event evs[32];

	if (setup(d))
		return -1;
	vmond_reconnect(d);
	vmond_autostart(d);
	vmond_log("listening on %s and %s", d->p.sock, d->p.sock_ro);
	if (notify)
		sd_notify(0, "READY=1");
	while (!d->quit) {
		int n = epoll_wait(d->ep, evs, 32, -1);

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			struct vdom *v;

			if (p == &tag_rw || p == &tag_ro)
				accept_one(d, p == &tag_rw ? d->lfd : d->lfd_ro, p == &tag_ro);
			else if (p == &tag_sig)
				d->quit = true;
			else if (p == &tag_tick)
				tick(d);
			else if ((v = vm_of(d, p)))
				vmond_vm_ended(d, v);
			else if (!client_read(d, p))
				drop(d, p);
		}
	}
	if (notify)
		sd_notify(0, "STOPPING=1");
	unlink(d->p.sock);
	unlink(d->p.sock_ro);
	vmond_log("stopped; running domains keep running");
	return 0;
}
