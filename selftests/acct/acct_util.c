// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the accounting tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmon.h>

#include "acct_util.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int load_vmon(void)
{
	if (!access(TEST_DEV, W_OK))
		return 0;
	if (system("modprobe -r vmon 2>/dev/null; modprobe vmon test_hooks=1"))
		return -1;
	return access(TEST_DEV, W_OK);
}

int testdev(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(TEST_DEV, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

int vm_register(int ctl, int vm_fd, const char *name, uint32_t *id)
{
	struct vmon_vm_register r;

	memset(&r, 0, sizeof(r));
	r.vm_fd = vm_fd;
	snprintf(r.name, sizeof(r.name), "%s", name);
	if (ioctl(ctl, VMON_VM_REGISTER, &r))
		return -errno;
	*id = r.id;
	return 0;
}

int vm_unregister(int ctl, uint32_t id)
{
	return ioctl(ctl, VMON_VM_UNREGISTER, (unsigned long)id) ? -errno : 0;
}
