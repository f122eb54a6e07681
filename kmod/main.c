// SPDX-License-Identifier: GPL-2.0
/*
 * vmon.ko: module init and exit.
 *
 * Each part of the module (control device, ring devices, accounting) has an
 * init and an exit function; they run in table order on load and in reverse
 * order on unload, and a failed init unwinds the parts already up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>

#include "vmon_core.h"

struct vmon_part {
	const char *name;
	int (*init)(void);
	void (*exit)(void);
};

static const struct vmon_part vmon_parts[] = {
	{ "netlink family", vmon_genl_init, vmon_genl_exit },
	{ "accounting", vmon_acct_init, vmon_acct_exit },
	{ "test hook", vmon_testdev_init, vmon_testdev_exit },
	{ "control device", vmon_ctl_init, vmon_ctl_exit },
	{ "net ring device", vmon_net_init, vmon_net_exit },
	{ "blk ring device", vmon_blk_init, vmon_blk_exit },
};

static void vmon_exit_parts(size_t count)
{
	while (count--)
		vmon_parts[count].exit();
}

static int __init vmon_init(void)
{
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vmon_parts); i++) {
		ret = vmon_parts[i].init();
		if (ret) {
			pr_err("%s failed to start: %d\n",
			       vmon_parts[i].name, ret);
			vmon_exit_parts(i);
			return ret;
		}
	}
	pr_info("loaded, release %s\n", VMON_RELEASE);
	return 0;
}

static void __exit vmon_exit(void)
{
	vmon_exit_parts(ARRAY_SIZE(vmon_parts));
	pr_info("unloaded\n");
}

module_init(vmon_init);
module_exit(vmon_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vmon authors");
MODULE_DESCRIPTION("vmon: in-kernel virtio back ends and per-VM accounting");
MODULE_VERSION(VMON_RELEASE);
