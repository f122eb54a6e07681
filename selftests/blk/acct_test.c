// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk counts its I/O into the per-VM accounting: attach a disk to
 * a registered KVM VM with VMON_DEV_SET_VM, do known I/O, read the device's
 * counters back over generic netlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/vmon.h>

#include "kselftest_harness.h"
#include "blk_env.h"
#include "vmon/nl.h"

#define DISK "/tmp/vmon-blk-acct.img"

TEST(blk_io_counted_per_vm)
{
	struct vmon_blk_throttle t = { .ops = { .rate = 2, .burst = 1 } };
	struct vmon_vm_register reg;
	struct vmon_nl_dev *devs;
	struct vmon_nl *nl;
	struct blk_env e;
	uint8_t buf[4096] = { 1 };
	int kvm, vm, ctl, fd, i;
	size_t n;

	if (system("modprobe vmon"))
		TH_LOG("modprobe vmon failed");
	(void)!system("modprobe kvm-amd 2>/dev/null; modprobe kvm-intel 2>/dev/null");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		SKIP(return, "no /dev/kvm: %s", strerror(errno));
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	memset(&reg, 0, sizeof(reg));
	reg.vm_fd = vm;
	strcpy(reg.name, "blk-acct");
	ASSERT_EQ(0, ioctl(ctl, VMON_VM_REGISTER, &reg));

	fd = open(DISK, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	ASSERT_EQ(0, be_setup(&e, 1, 4, BE_FEATURES));
	ASSERT_EQ(0, be_backend(&e, fd));
	ASSERT_EQ(0, ioctl(e.d.fd, VMON_DEV_SET_VM, &reg.id));

	for (i = 0; i < 3; i++)
		ASSERT_EQ(VIRTIO_BLK_S_OK, be_sync(&e, VIRTIO_BLK_T_OUT, i * 8, buf, 4096, 0));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(VIRTIO_BLK_S_OK, be_sync(&e, VIRTIO_BLK_T_IN, i, buf, 1024, 0));
	ASSERT_EQ(VIRTIO_BLK_S_OK, be_sync(&e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0));
	ASSERT_EQ(VIRTIO_BLK_S_OK, be_sync(&e, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 4096, 0));
	/* a failed request is not I/O done */
	ASSERT_EQ(VIRTIO_BLK_S_IOERR, be_sync(&e, VIRTIO_BLK_T_OUT, 1 << 20, buf, 4096, 0));
	/* two reads at 2/s with a burst of 1: the second waits */
	ASSERT_EQ(0, ioctl(e.d.fd, VMON_BLK_SET_THROTTLE, &t));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(VIRTIO_BLK_S_OK, be_sync(&e, VIRTIO_BLK_T_IN, 0, buf, 512, 0));

	ASSERT_EQ(0, vmon_nl_open(&nl));
	ASSERT_EQ(0, vmon_nl_dev_list(nl, reg.id, &devs, &n));
	ASSERT_EQ(1U, n);
	EXPECT_EQ((uint32_t)VMON_DEV_BLK, devs[0].type);
	EXPECT_EQ(3ULL, devs[0].ctr[VMON_DEV_A_WR_OPS]);
	EXPECT_EQ(3ULL * 4096, devs[0].ctr[VMON_DEV_A_WR_BYTES]);
	EXPECT_EQ(4ULL, devs[0].ctr[VMON_DEV_A_RD_OPS]);
	EXPECT_EQ(2ULL * 1024 + 2 * 512, devs[0].ctr[VMON_DEV_A_RD_BYTES]);
	EXPECT_EQ(1ULL, devs[0].ctr[VMON_DEV_A_FLUSH_OPS]);
	EXPECT_EQ(1ULL, devs[0].ctr[VMON_DEV_A_DISCARD_OPS]);
	EXPECT_LT(100000000ULL, devs[0].ctr[VMON_DEV_A_THROTTLED_NS]);
	free(devs);
	vmon_nl_close(nl);

	be_teardown(&e);
	close(fd);
	unlink(DISK);
	ioctl(ctl, VMON_VM_UNREGISTER, (unsigned long)reg.id);
	close(ctl);
	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
