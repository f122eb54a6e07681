// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon: the control device.
 *
 * A misc device, mode 0600, owned by root: every ioctl on it is privileged
 * by the file mode. Unknown ioctls get -ENOTTY so that callers can probe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/vmon.h>

#include "vmon_core.h"

static long vmon_ctl_get_version(void __user *argp)
{
	struct vmon_version ver;

	memset(&ver, 0, sizeof(ver));
	ver.major = VMON_VERSION_MAJOR;
	ver.minor = VMON_VERSION_MINOR;
	strscpy(ver.release, VMON_RELEASE, sizeof(ver.release));
	if (copy_to_user(argp, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long vmon_ctl_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VMON_GET_VERSION:
		return vmon_ctl_get_version(argp);
	default:
		return vmon_acct_ioctl(cmd, argp);
	}
}

static const struct file_operations vmon_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= vmon_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vmon_ctl_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= VMON_CTL_NAME,
	.fops	= &vmon_ctl_fops,
	.mode	= 0600,
};

int vmon_ctl_init(void)
{
	return misc_register(&vmon_ctl_dev);
}

void vmon_ctl_exit(void)
{
	misc_deregister(&vmon_ctl_dev);
}
