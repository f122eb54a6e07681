// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-net counts its traffic into the per-VM accounting: attach the
 * device to a registered KVM VM with VMON_DEV_SET_VM, send and receive known
 * frames through the userspace guest driver, and read the counters back over
 * generic netlink. Packets and bytes must be exactly what was sent: Ethernet
 * frames without virtio-net headers, as a NIC counts them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vmon.h>

#include "kselftest_harness.h"
#include "net_env.h"
#include "vmon/nl.h"

static const size_t tx_len[] = { 60, 64, 128, 1000, 1514, 9000 };
static const size_t rx_len[] = { 60, 200, 1514 };

TEST(net_traffic_counted_per_vm)
{
	struct vmon_vm_register reg;
	uint64_t tx_bytes = 0, rx_bytes = 0;
	struct vmon_nl_dev *devs;
	struct vmon_nl *nl;
	struct net_env e;
	int kvm, vm, ctl;
	uint8_t *frame;
	unsigned int i;
	size_t n;

	/* Only our frames on the tap: no IPv6 autoconfiguration chatter. */
	ASSERT_EQ(0, system("sysctl -qw net.ipv6.conf.default.disable_ipv6=1 "
			    "net.ipv6.conf.all.disable_ipv6=1"));
	ASSERT_EQ(0, system("modprobe tun && modprobe vmon"));
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
	strcpy(reg.name, "net-acct");
	ASSERT_EQ(0, ioctl(ctl, VMON_VM_REGISTER, &reg));

	ASSERT_EQ(0, ne_setup(&e, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX),
			      false));
	ASSERT_EQ(0, ioctl(e.d.fd, VMON_DEV_SET_VM, &reg.id));

	for (i = 0; i < sizeof(tx_len) / sizeof(tx_len[0]); i++) {
		ASSERT_EQ(0, ne_tx(&e, tx_len[i], i, true));
		tx_bytes += tx_len[i];
	}
	ASSERT_EQ(0, ne_tx_reap(&e, 3000));
	for (i = 0; i < sizeof(tx_len) / sizeof(tx_len[0]); i++)
		ASSERT_LT(0, ne_capture(&e, 3000, &frame));

	ne_rx_fill(&e);
	for (i = 0; i < sizeof(rx_len) / sizeof(rx_len[0]); i++) {
		ASSERT_EQ(0, ne_inject(&e, rx_len[i], 100 + i));
		ASSERT_EQ((long)rx_len[i], ne_rx(&e, 3000, &frame, NULL));
		rx_bytes += rx_len[i];
	}

	ASSERT_EQ(0, vmon_nl_open(&nl));
	ASSERT_EQ(0, vmon_nl_dev_list(nl, reg.id, &devs, &n));
	ASSERT_EQ(1U, n);
	EXPECT_EQ((uint32_t)VMON_DEV_NET, devs[0].type);
	EXPECT_EQ((uint64_t)(sizeof(tx_len) / sizeof(tx_len[0])),
		  devs[0].ctr[VMON_DEV_A_TX_PACKETS]);
	EXPECT_EQ(tx_bytes, devs[0].ctr[VMON_DEV_A_TX_BYTES]);
	EXPECT_EQ((uint64_t)(sizeof(rx_len) / sizeof(rx_len[0])),
		  devs[0].ctr[VMON_DEV_A_RX_PACKETS]);
	EXPECT_EQ(rx_bytes, devs[0].ctr[VMON_DEV_A_RX_BYTES]);
	EXPECT_EQ(0ULL, devs[0].ctr[VMON_DEV_A_TX_DROPS]);
	EXPECT_EQ(0ULL, devs[0].ctr[VMON_DEV_A_RX_DROPS]);
	free(devs);
	vmon_nl_close(nl);

	ne_teardown(&e);
	ioctl(ctl, VMON_VM_UNREGISTER, (unsigned long)reg.id);
	close(ctl);
	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
