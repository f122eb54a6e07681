// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon: the control device /dev/vmon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vmon/ctl.h>

const char *vmon_ctl_path(void)
{
	const char *p = getenv("VMON_CTL_PATH");

	return p && *p ? p : "/dev/" VMON_CTL_NAME;
}

int vmon_ctl_open(void)
{
	int fd = open(vmon_ctl_path(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int vmon_ctl_version(int fd, struct vmon_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	if (ioctl(fd, VMON_GET_VERSION, ver) < 0)
		return -errno;
	ver->release[sizeof(ver->release) - 1] = '\0';
	return 0;
}

const char *vmon_ctl_strerror(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return "the vmon module is not loaded (run: modprobe vmon)";
	case -EACCES:
	case -EPERM:
		return "permission denied: /dev/vmon is for root only";
	case -ENOTTY:
	case -EINVAL:
		return "this is not a vmon control device";
	default:
		return strerror(-err);
	}
}
