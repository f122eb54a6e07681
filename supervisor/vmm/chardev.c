// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of a console (chardev.h), for --console (the serial port)
 * and --hvc (the virtio console port). A terminal on stdio is put in raw
 * mode, ctrl-c still ending the VMM, and given back at exit; one console
 * at a time may have stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "vmm.h"
#include "chardev.h"

static struct termios saved_tio;
static bool tio_saved;

bool chardev_spec_ok(const char *spec)
{
	if (!strcmp(spec, "stdio") || !strcmp(spec, "pty") || !strcmp(spec, "none"))
		return true;
	if (!strncmp(spec, "file:", 5))
		return spec[5];
	return !strncmp(spec, "unix:", 5) && spec[5] &&
	       strlen(spec + 5) < sizeof(((struct chardev *)0)->path);
}

static int open_stdio(struct chardev *c)
{
	c->in_fd = STDIN_FILENO;
	c->out_fd = STDOUT_FILENO;
	if (isatty(STDIN_FILENO) && !tio_saved && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios raw = saved_tio;

		cfmakeraw(&raw);
		raw.c_oflag |= OPOST;
		raw.c_lflag |= ISIG; /* ctrl-c still ends the VMM */
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		tio_saved = true;
	}
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	return 0;
}

static int open_pty(struct chardev *c)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios raw;

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0) {
		vmm_log("%s pty: cannot allocate a pty: %s", c->opt, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (tcgetattr(fd, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(fd, TCSANOW, &raw);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	vmm_log("%s on %s", c->opt, ptsname(fd));
	c->in_fd = c->out_fd = fd;
	return 0;
}

int chardev_open(struct chardev *c, const char *spec)
{
	c->in_fd = c->out_fd = c->listen_fd = -1;
	c->path[0] = 0;
	if (!strcmp(spec, "stdio"))
		return open_stdio(c);
	if (!strcmp(spec, "pty"))
		return open_pty(c);
	if (!strncmp(spec, "file:", 5)) {
		c->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			vmm_log("%s file '%s': %s", c->opt, spec + 5, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!strncmp(spec, "unix:", 5)) {
		snprintf(c->path, sizeof(c->path), "%s", spec + 5);
		c->listen_fd = unix_listen(c->path, 1);
		if (c->listen_fd < 0) {
			vmm_log("%s socket '%s': %s", c->opt, c->path, strerror(errno));
			c->path[0] = 0;
			return -1;
		}
	}
	return 0; /* unix (no client yet) or none */
}

static void on_client(void *opaque, uint32_t events)
{
	struct chardev *c = opaque;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)events;
	if (fd >= 0)
		c->attach(fd);
}

int chardev_listen(struct vm *vm, struct chardev *c)
{
	return c->listen_fd < 0 ? 0 : ev_add(vm, c->listen_fd, EPOLLIN, on_client, c);
}

void chardev_close(struct chardev *c)
{
	if (c->path[0])
		unix_unlink(c->path);
	if (c->in_fd == STDIN_FILENO && tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = false;
	}
}
