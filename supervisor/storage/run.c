// SPDX-License-Identifier: GPL-2.0
/*
 * Run a tool (LVM's, mkfs): its standard output, or its error in err; one
 * that runs past the timeout is killed with what it started, so that a
 * stuck device cannot hold vmond for ever.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"

extern char **environ;

/* How long a tool may run (vmon_storage_set_timeout), in seconds. */
static unsigned int timeout_s = 120;

void vmon_storage_set_timeout(unsigned int seconds)
{
	timeout_s = seconds ? seconds : 1;
}

struct sink {
	int fd;
	char *b;
	size_t len, cap;
};

/* Read what fd has into s; false at its end (or when out of memory). */
static bool sink_read(struct sink *s)
{
	ssize_t n;

	if (s->len + 1 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *nb = realloc(s->b, cap);

		if (!nb)
			return false;
		s->b = nb;
		s->cap = cap;
	}
	n = read(s->fd, s->b + s->len, s->cap - s->len - 1);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	s->len += (size_t)n;
	s->b[s->len] = 0;
	return n > 0;
}

/* Milliseconds left until end (0 when past it). */
static long left_ms(const struct timespec *end)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/*
 * Both pipes until they end, then the tool's exit, or the deadline passes
 * (poll: a tool that fills one pipe while we wait on the other cannot
 * stall). True if in time, with the status in *st.
 */
static bool drain(pid_t pid, struct sink *o, struct sink *e, int *st)
{
	struct timespec end;
	struct pollfd p[2];
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	while (o->fd >= 0 || e->fd >= 0) {
		ms = left_ms(&end);
		if (!ms)
			return false;
		p[0] = (struct pollfd){ .fd = o->fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = e->fd, .events = POLLIN };
		if (poll(p, 2, (int)ms) < 0 && errno != EINTR)
			return false;
		for (int i = 0; i < 2; i++) {
			struct sink *s = i ? e : o;

			if (s->fd >= 0 && p[i].revents && !sink_read(s)) {
				close(s->fd);
				s->fd = -1;
			}
		}
	}
	/* its pipes closed, it may still not have ended */
	for (;;) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		if (!left_ms(&end))
			return false;
		usleep(10000);
	}
}

int vmon_storage_run(char *const argv[], char **out, char *err, size_t errlen)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, st, rc;
	struct sink o = { 0 }, e = { 0 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	bool in_time;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* a group of its own: a timeout kills what it started too */
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(rc));
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	o.fd = po[0];
	e.fd = pe[0];
	in_time = drain(pid, &o, &e, &st);
	if (!in_time) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (o.fd >= 0)
		close(o.fd);
	if (e.fd >= 0)
		close(e.fd);
	rc = !in_time || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
	if (!in_time) {
		snprintf(err, errlen, "%s did not finish in %u s: killed", argv[0], timeout_s);
	} else if (rc) {
		size_t n = e.len;

		while (n && (e.b[n - 1] == '\n' || e.b[n - 1] == ' '))
			e.b[--n] = 0;
		snprintf(err, errlen, "%s failed: %s", argv[0], n ? e.b : "no message");
	}
	free(e.b);
	if (out && !rc)
		*out = o.b ? o.b : strdup("");
	else
		free(o.b);
	return rc;
}
