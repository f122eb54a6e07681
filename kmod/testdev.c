// SPDX-License-Identifier: GPL-2.0
/*
 * A test hook for the device accounting API: with the module parameter
 * test_hooks=1, root can write commands to debugfs vmon/test_dev to attach
 * pretend devices to VMs and drive their counters exactly as vmon-net and
 * vmon-blk do, so the selftests can check what netlink reports.
 *
 *   attach VM_ID NAME                    attach a VMON_DEV_TEST device
 *   detach NAME
 *   net NAME RX_PKTS RX_BYTES TX_PKTS TX_BYTES
 *   drop NAME rx|tx PKTS
 *   blk NAME r|w|f|d BYTES LATENCY_NS
 *   throttle NAME NS                     an episode held NS nanoseconds
 *
 * Not an ABI; absent unless asked for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "acct.h"
#include "vmon_core.h"

static bool vmon_test_hooks;
module_param_named(test_hooks, vmon_test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks, "create debugfs vmon/test_dev (selftests only)");

#define VMON_TEST_DEVS	8

static struct dentry *vmon_test_dir;
static DEFINE_MUTEX(vmon_test_mutex);
static struct vmon_test_dev {
	char name[32];
	struct vmon_dev *dev;
} vmon_test_devs[VMON_TEST_DEVS];

static struct vmon_test_dev *vmon_test_find(const char *name)
{
	int i;

	for (i = 0; i < VMON_TEST_DEVS; i++)
		if (vmon_test_devs[i].dev && !strcmp(vmon_test_devs[i].name, name))
			return &vmon_test_devs[i];
	return NULL;
}

static int vmon_test_attach(u32 vm_id, const char *name)
{
	struct vmon_test_dev *t = NULL;
	struct vmon_dev *dev;
	int i;

	if (vmon_test_find(name))
		return -EEXIST;
	for (i = 0; i < VMON_TEST_DEVS && !t; i++)
		if (!vmon_test_devs[i].dev)
			t = &vmon_test_devs[i];
	if (!t)
		return -ENOSPC;
	dev = vmon_dev_attach(vm_id, VMON_DEV_TEST, name);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	strscpy(t->name, name, sizeof(t->name));
	t->dev = dev;
	return 0;
}

static int vmon_test_cmd(char *line)
{
	unsigned long long a, b, c, d;
	struct vmon_test_dev *t;
	char name[32], op[16];
	unsigned int id;

	if (sscanf(line, "attach %u %31s", &id, name) == 2)
		return vmon_test_attach(id, name);
	if (sscanf(line, "%15s %31s", op, name) != 2)
		return -EINVAL;
	t = vmon_test_find(name);
	if (!t)
		return -ENOENT;
	if (!strcmp(op, "detach")) {
		vmon_dev_detach(t->dev);
		t->dev = NULL;
		return 0;
	}
	if (sscanf(line, "net %*s %llu %llu %llu %llu", &a, &b, &c, &d) == 4) {
		vmon_stats_net_rx(t->dev, a, b);
		vmon_stats_net_tx(t->dev, c, d);
		return 0;
	}
	if (sscanf(line, "drop %*s %15s %llu", op, &a) == 2) {
		vmon_stats_net_drop(t->dev, !strcmp(op, "rx"), a);
		return 0;
	}
	if (sscanf(line, "blk %*s %1s %llu %llu", op, &a, &b) == 3) {
		const char *ops = "rwfd", *p = strchr(ops, op[0]);

		if (!p)
			return -EINVAL;
		vmon_stats_blk_io(t->dev, p - ops, a, b);
		return 0;
	}
	if (sscanf(line, "throttle %*s %llu", &a) == 1) {
		vmon_stats_throttle_start(t->dev);
		vmon_stats_throttled(t->dev, a);
		return 0;
	}
	return -EINVAL;
}

static ssize_t vmon_test_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char *buf;
	int ret;

	if (len > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	mutex_lock(&vmon_test_mutex);
	ret = vmon_test_cmd(strim(buf));
	mutex_unlock(&vmon_test_mutex);
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations vmon_test_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vmon_test_write,
	.llseek = noop_llseek,
};

int vmon_testdev_init(void)
{
	if (!vmon_test_hooks)
		return 0;
	vmon_test_dir = debugfs_create_dir("vmon", NULL);
	debugfs_create_file("test_dev", 0200, vmon_test_dir, NULL,
			    &vmon_test_fops);
	return 0;
}

void vmon_testdev_exit(void)
{
	int i;

	debugfs_remove_recursive(vmon_test_dir);
	for (i = 0; i < VMON_TEST_DEVS; i++) {
		vmon_dev_detach(vmon_test_devs[i].dev);
		vmon_test_devs[i].dev = NULL;
	}
}
