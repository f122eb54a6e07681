/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmon: the control device /dev/vmon.
 */
#ifndef VMON_CTL_H
#define VMON_CTL_H

#include <linux/vmon.h>

/* Where the control device is: $VMON_CTL_PATH, else /dev/vmon. */
const char *vmon_ctl_path(void);

/* Open the control device. Returns an fd, or -errno. */
int vmon_ctl_open(void);

/* Ask the module for its ABI version. Returns 0 or -errno. */
int vmon_ctl_version(int fd, struct vmon_version *ver);

/*
 * A sentence that explains why the control device could not be used, for an
 * error -err of vmon_ctl_open() or vmon_ctl_version().
 */
const char *vmon_ctl_strerror(int err);

#endif /* VMON_CTL_H */
