// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon: connect to a unix stream socket, and to vmond's.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <vmon/daemon.h>
#include <vmon/unix.h>

int vmon_unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int vmon_vmond_connect(const char *sock, bool readonly, const char **path)
{
	int fd;

	*path = sock ? sock : VMOND_SOCK;
	fd = vmon_unix_connect(*path);
	if (fd == -EACCES && !sock && readonly) {
		*path = VMOND_SOCK_RO;
		fd = vmon_unix_connect(*path);
	}
	return fd;
}
