// SPDX-License-Identifier: GPL-2.0
/*
 * vmond --stdio-proxy: the far end of vmon+ssh:// (as libvirt's
 * virt-ssh-helper is of qemu+ssh://). ssh runs it on the host; it connects
 * to the local vmond socket and relays its stdin to the socket and the
 * socket to its stdout, until vmond closes the connection. It is the user's
 * own process: the socket's permissions decide as for a local vmon, and
 * with --readonly a user outside the vmon group falls back to the
 * read-only socket, as the local CLI does for read-only commands. With
 * --socket it relays whatever unix socket it names: the CLI's remote
 * console is a domain's console socket relayed so.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vmon/unix.h>

#include "vmond.h"

/* Write all of @len bytes of @buf to @fd: 0, or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int vmond_stdio_proxy(const char *sock, bool readonly)
{
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .events = POLLIN } };
	char buf[65536];
	const char *path;
	int fd = vmon_vmond_connect(sock, readonly, &path);

	if (fd < 0) {
		fprintf(stderr, "vmond: --stdio-proxy: cannot connect to '%s': %s\n", path,
			strerror(-fd));
		return 1;
	}
	p[1].fd = fd;
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) { /* the client's requests */
			ssize_t n = read(0, buf, sizeof(buf));

			if (n <= 0) { /* it has said all: vmond may still answer */
				shutdown(fd, SHUT_WR);
				p[0].fd = -1;
			} else if (write_all(fd, buf, (size_t)n)) {
				break;
			}
		}
		if (p[1].revents) { /* vmond's answers and events */
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n <= 0 || write_all(1, buf, (size_t)n))
				break;
		}
	}
	close(fd);
	return 0;
}
