// SPDX-License-Identifier: GPL-2.0
/*
 * The listening unix sockets of the VMM (the API, the console): owner-only
 * from the instant they exist. The mode is set on the socket before bind(),
 * which creates the file with it (less the umask), so there is no window in
 * which another user can connect, as there was with a chmod() after bind().
 * The directory of each socket is kept open: the sandbox removes no file by
 * path, so unix_unlink() removes the socket relative to it at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm.h"

#define MAX_SOCKS 4

static struct {
	char path[108], name[108];
	int dfd;
} socks[MAX_SOCKS];
static int nsocks;

/* Remember the directory of the socket at @path (best effort). */
static void keep_dir(const char *path)
{
	char dir[108];
	int dfd;

	if (nsocks >= MAX_SOCKS)
		return;
	strcpy(dir, path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	strcpy(socks[nsocks].path, path);
	strcpy(dir, path);
	strcpy(socks[nsocks].name, basename(dir));
	socks[nsocks++].dfd = dfd;
}

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
	keep_dir(path);
	return fd;
}

void unix_unlink(const char *path)
{
	for (int i = 0; i < nsocks; i++) {
		if (strcmp(socks[i].path, path))
			continue;
		unlinkat(socks[i].dfd, socks[i].name, 0);
		return;
	}
}
