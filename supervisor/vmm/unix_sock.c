// SPDX-License-Identifier: GPL-2.0
/*
 * The listening unix sockets of the VMM (the API, the console): owner-only
 * from the instant they exist. The mode is set on the socket before bind(),
 * which creates the file with it (less the umask), so there is no window in
 * which another user can connect, as there was with a chmod() after bind().
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm.h"

int unix_listen(const char *path, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A stale socket of an earlier run is replaced; anything else is not. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, backlog) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}
