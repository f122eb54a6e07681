/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmon: virtualization host accounting and in-kernel virtio back ends.
 *
 * This is the one header shared by the vmon kernel module and its userspace
 * supervisor. Everything here is ABI: add, never change.
 */
#ifndef _UAPI_LINUX_VMON_H
#define _UAPI_LINUX_VMON_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Name of the control device, /dev/vmon. */
#define VMON_CTL_NAME		"vmon"

/*
 * Version of the vmon ABI. The major number changes only when an existing
 * ioctl or structure changes incompatibly; the minor number grows with every
 * addition.
 */
#define VMON_VERSION_MAJOR	0
#define VMON_VERSION_MINOR	1

/* ioctl magic of /dev/vmon and of the vmon-specific device ioctls. */
#define VMON_IOCTL_MAGIC	0xB9

/**
 * struct vmon_version - answer of %VMON_GET_VERSION
 * @major: ABI major version, %VMON_VERSION_MAJOR of the running module
 * @minor: ABI minor version, %VMON_VERSION_MINOR of the running module
 * @features: bit mask of optional capabilities (VMON_FEAT_*)
 * @release: NUL-terminated module release string, e.g. "0.1.0"
 */
struct vmon_version {
	__u32 major;
	__u32 minor;
	__u64 features;
	char release[32];
};

/* VMON_GET_VERSION: fill a struct vmon_version. */
#define VMON_GET_VERSION	_IOR(VMON_IOCTL_MAGIC, 0x00, struct vmon_version)

#endif /* _UAPI_LINUX_VMON_H */
