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
 *   bench NAME N                         time N counting calls of each kind;
 *                                        read the file for the result
 *
 * Not an ABI; absent unless asked for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
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
	struct vmon_dev __rcu *dev;	/* as a device's data path reads it */
} vmon_test_devs[VMON_TEST_DEVS];

static struct vmon_test_dev *vmon_test_find(const char *name)
{
	int i;

	for (i = 0; i < VMON_TEST_DEVS; i++)
		if (rcu_access_pointer(vmon_test_devs[i].dev) &&
		    !strcmp(vmon_test_devs[i].name, name))
			return &vmon_test_devs[i];
	return NULL;
}

static int vmon_test_attach(u32 vm_id, const char *name)
{
	struct vmon_test_dev *t = NULL;
	int i;

	if (vmon_test_find(name))
		return -EEXIST;
	for (i = 0; i < VMON_TEST_DEVS && !t; i++)
		if (!rcu_access_pointer(vmon_test_devs[i].dev))
			t = &vmon_test_devs[i];
	if (!t)
		return -ENOSPC;
	strscpy(t->name, name, sizeof(t->name));
	return vmon_dev_set_vm(&t->dev, VMON_DEV_TEST, name, vm_id);
}

/* Drive the counters of @dev the way a device's data path does. */
static int vmon_test_count(struct vmon_dev *dev, const char *line)
{
	unsigned long long a, b, c, d;
	char op[16];

	if (sscanf(line, "net %*s %llu %llu %llu %llu", &a, &b, &c, &d) == 4) {
		vmon_stats_net_rx(dev, a, b);
		vmon_stats_net_tx(dev, c, d);
		return 0;
	}
	if (sscanf(line, "drop %*s %15s %llu", op, &a) == 2) {
		vmon_stats_net_drop(dev, !strcmp(op, "rx"), a);
		return 0;
	}
	if (sscanf(line, "blk %*s %1s %llu %llu", op, &a, &b) == 3) {
		const char *ops = "rwfd", *p = strchr(ops, op[0]);

		if (!p)
			return -EINVAL;
		vmon_stats_blk_io(dev, p - ops, a, b);
		return 0;
	}
	if (sscanf(line, "throttle %*s %llu", &a) == 1) {
		vmon_stats_throttle_start(dev);
		vmon_stats_throttled(dev, a);
		return 0;
	}
	return -EINVAL;
}

static char vmon_test_result[128];

/* ns per call of net_tx + blk_io, N times each, on one CPU. */
static u64 vmon_test_bench_once(struct vmon_dev *dev, unsigned long n)
{
	unsigned long i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		vmon_stats_net_tx(dev, 1, 1500);
		vmon_stats_blk_io(dev, VMON_BLK_READ, 4096, i);
	}
	return div_u64((ktime_get_ns() - t0) * 1000, 2 * n);
}

static int vmon_test_bench(struct vmon_dev *dev, unsigned long n)
{
	u64 on, none;

	if (!n || n > 10000000)
		return -EINVAL;
	/* Counting into a device, against calls with no device attached. */
	on = vmon_test_bench_once(dev, n);
	none = vmon_test_bench_once(NULL, n);
	snprintf(vmon_test_result, sizeof(vmon_test_result),
		 "calls %lu counting_ps_per_call %llu detached_ps_per_call %llu\n",
		 n, on, none);
	return 0;
}

static int vmon_test_cmd(char *line)
{
	struct vmon_test_dev *t;
	char name[32], op[16];
	unsigned long n;
	unsigned int id;
	int ret;

	if (sscanf(line, "attach %u %31s", &id, name) == 2)
		return vmon_test_attach(id, name);
	if (sscanf(line, "%15s %31s", op, name) != 2)
		return -EINVAL;
	t = vmon_test_find(name);
	if (!t)
		return -ENOENT;
	if (!strcmp(op, "detach"))
		return vmon_dev_set_vm(&t->dev, VMON_DEV_TEST, name, 0);
	rcu_read_lock();
	if (sscanf(line, "bench %*s %lu", &n) == 1)
		ret = vmon_test_bench(rcu_dereference(t->dev), n);
	else
		ret = vmon_test_count(rcu_dereference(t->dev), line);
	rcu_read_unlock();
	return ret;
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

static ssize_t vmon_test_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[sizeof(vmon_test_result)];

	mutex_lock(&vmon_test_mutex);
	memcpy(buf, vmon_test_result, sizeof(buf));
	mutex_unlock(&vmon_test_mutex);
	return simple_read_from_buffer(ubuf, len, ppos, buf, strlen(buf));
}

static const struct file_operations vmon_test_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vmon_test_read,
	.write = vmon_test_write,
	.llseek = noop_llseek,
};

int vmon_testdev_init(void)
{
	if (!vmon_test_hooks)
		return 0;
	vmon_test_dir = debugfs_create_dir("vmon", NULL);
	debugfs_create_file("test_dev", 0600, vmon_test_dir, NULL,
			    &vmon_test_fops);
	return 0;
}

void vmon_testdev_exit(void)
{
	int i;

	debugfs_remove_recursive(vmon_test_dir);
	for (i = 0; i < VMON_TEST_DEVS; i++)
		vmon_dev_set_vm(&vmon_test_devs[i].dev, VMON_DEV_TEST, "", 0);
}
