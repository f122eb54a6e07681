// SPDX-License-Identifier: GPL-2.0
/*
 * Files the VMM reads again once the sandbox is up, kept open from the
 * start: the kernel and initrd that an in-place reset reloads. The seccomp
 * filter refuses to open an existing file by path, so boot_open() hands out
 * a duplicate of the kept fd, rewound, and opens by path only what was not
 * kept (before the filter: the first boot).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"
#include "boot.h"

#define MAX_KEPT 4

static struct {
	char *path;
	int fd;
} kept[MAX_KEPT];
static int nkept;

int boot_keep(const char *path)
{
	int fd;

	if (nkept >= MAX_KEPT) {
		errno = ENOSPC;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	kept[nkept].path = strdup(path);
	if (!kept[nkept].path) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	kept[nkept++].fd = fd;
	return 0;
}

int boot_open(const char *path)
{
	for (int i = nkept - 1; i >= 0; i--) {
		int fd;

		if (strcmp(kept[i].path, path))
			continue;
		fd = fcntl(kept[i].fd, F_DUPFD_CLOEXEC, 0);
		if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	return open(path, O_RDONLY | O_CLOEXEC);
}
