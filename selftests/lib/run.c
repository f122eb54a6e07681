// SPDX-License-Identifier: GPL-2.0
/*
 * Test helpers: run a program and capture what it printed and how it ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

/* Read what fd has into buf; returns 0 at end of file. */
static ssize_t drain(int fd, char *buf, size_t cap, size_t *len)
{
	char sink[4096];
	ssize_t n;

	if (*len + 1 < cap)
		n = read(fd, buf + *len, cap - 1 - *len);
	else
		n = read(fd, sink, sizeof(sink));
	if (n > 0 && *len + 1 < cap)
		*len += n;
	buf[*len] = '\0';
	return n < 0 && errno == EINTR ? 1 : n;
}

/* A pipe for a child's stdout and one for its stderr; -1 with errno. */
static int two_pipes(int po[2], int pe[2])
{
	int err;

	if (pipe2(po, O_CLOEXEC))
		return -1;
	if (pipe2(pe, O_CLOEXEC)) {
		err = errno;
		close(po[0]);
		close(po[1]);
		errno = err;
		return -1;
	}
	return 0;
}

int run_capture(char *const argv[], char *const env[], struct run_result *res)
{
	char *bufs[2] = { res->out, res->err };
	size_t lens[2] = { 0, 0 };
	struct pollfd p[2];
	int po[2], pe[2], status, open_fds = 2, i;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (two_pipes(po, pe))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		for (; env && *env; env++)
			putenv(*env);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	p[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (open_fds) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (drain(p[i].fd, bufs[i], sizeof(res->out), &lens[i]) <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

int run_bg_start(char *const argv[], struct run_bg *bg)
{
	int po[2], pe[2];

	memset(bg, 0, sizeof(*bg));
	bg->fd[0] = bg->fd[1] = -1;
	if (two_pipes(po, pe))
		return -errno;
	bg->pid = fork();
	if (bg->pid < 0)
		return -errno;
	if (bg->pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	bg->fd[0] = po[0];
	bg->fd[1] = pe[0];
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Collect output for up to ms (-1: until both pipes end). */
static void bg_collect(struct run_bg *bg, const char *needle, int ms)
{
	char *bufs[2] = { bg->res.out, bg->res.err };
	long long end = now_ms() + ms;
	struct pollfd p[2];
	int i, left;

	for (;;) {
		if (needle && strstr(bg->res.out, needle))
			return;
		if (bg->fd[0] < 0 && bg->fd[1] < 0)
			return;
		left = ms < 0 ? -1 : (int)(end - now_ms());
		if (ms >= 0 && left <= 0)
			return;
		for (i = 0; i < 2; i++)
			p[i] = (struct pollfd){ .fd = bg->fd[i], .events = POLLIN };
		if (poll(p, 2, left) < 0 && errno != EINTR)
			return;
		for (i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (drain(p[i].fd, bufs[i], sizeof(bg->res.out), &bg->len[i]) <= 0) {
				close(bg->fd[i]);
				bg->fd[i] = -1;
			}
		}
	}
}

bool run_bg_wait_for(struct run_bg *bg, const char *needle, int ms)
{
	bg_collect(bg, needle, ms);
	return strstr(bg->res.out, needle) != NULL;
}

int run_bg_finish(struct run_bg *bg, int sig, int ms)
{
	int status, ret = 0, i;

	if (!bg->pid)
		return 0;
	if (sig)
		kill(bg->pid, sig);
	bg_collect(bg, NULL, ms);
	if (bg->fd[0] >= 0 || bg->fd[1] >= 0) {
		kill(bg->pid, SIGKILL);
		ret = -ETIMEDOUT;
	}
	for (i = 0; i < 2; i++)
		if (bg->fd[i] >= 0) {
			close(bg->fd[i]);
			bg->fd[i] = -1;
		}
	if (waitpid(bg->pid, &status, 0) < 0)
		return -errno;
	bg->pid = 0;
	bg->res.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return ret;
}

const char *build_path(const char *name)
{
	static char path[4096];
	const char *b = getenv("VMON_BUILD");

	snprintf(path, sizeof(path), "%s/%s", b && *b ? b : "build", name);
	return path;
}
