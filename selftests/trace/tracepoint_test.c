// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints (kmod/trace.h, Documentation/tracing.rst): every
 * event has its documented fields, and for a workload of known size the
 * events count it exactly. Known blk requests through /dev/vmon-blk and
 * known frames through /dev/vmon-net, both attached to a registered KVM VM
 * whose id filters the events; a vCPU that runs gives accounting samples.
 * Events are read through a trace instance of the test's own (trace_env).
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
#include "../acct/guest.h"
#include "../blk/blk_env.h"
#include "../vhost/net_env.h"
#include "trace_env.h"

#define DISK "/tmp/vmon-trace.img"
/* A tally of vmon:@ev, summing @f (NULL: counting only). */
#define T(ev, f)                                                                                   \
	{                                                                                          \
		.event = (ev), .field = (f)                                                        \
	}
#define TALLIES(t) (sizeof(t) / sizeof((t)[0]))

/* The events and fields Documentation/tracing.rst promises. */
static const struct {
	const char *event;
	const char *fields[9];
} documented[] = {
	{ "vm_register", { "vm", "owner", "name" } },
	{ "vm_unregister", { "vm", "reason", "name" } },
	{ "acct_sample", { "vm", "vcpu", "steal_ns", "run_ns" } },
	{ "vq_kick", { "vm", "dev", "ring" } },
	{ "vq_signal", { "vm", "dev", "ring", "batch" } },
	{ "worker_wake", { "worker", "works" } },
	{ "worker_sleep", { "worker" } },
	{ "blk_submit", { "vm", "dev", "queue", "op", "sector", "len" } },
	{ "blk_complete", { "vm", "dev", "queue", "op", "sector", "len", "latency_ns", "status" } },
	{ "blk_throttle_start", { "vm", "dev", "queue", "bucket", "wait_ns" } },
	{ "blk_throttle_end", { "vm", "dev", "queue", "held_ns" } },
	{ "net_tx", { "vm", "dev", "queue", "packets", "bytes", "drops" } },
	{ "net_rx", { "vm", "dev", "queue", "packets", "bytes", "drops" } },
};

/* A registered KVM VM (no vCPU) for the devices to be attached to. */
struct reg_vm {
	int kvm;
	int vm;
	int ctl;
	uint32_t id;
};

static int reg_vm(struct reg_vm *r, const char *name)
{
	struct vmon_vm_register reg;

	memset(r, 0, sizeof(*r));
	(void)!system("modprobe kvm-amd 2>/dev/null; modprobe kvm-intel 2>/dev/null");
	r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (r->kvm < 0)
		return -1;
	r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
	r->ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	if (r->vm < 0 || r->ctl < 0)
		return -1;
	memset(&reg, 0, sizeof(reg));
	reg.vm_fd = r->vm;
	snprintf(reg.name, sizeof(reg.name), "%s", name);
	if (ioctl(r->ctl, VMON_VM_REGISTER, &reg))
		return -1;
	r->id = reg.id;
	return 0;
}

static void reg_vm_free(struct reg_vm *r)
{
	if (r->id)
		ioctl(r->ctl, VMON_VM_UNREGISTER, (unsigned long)r->id);
	if (r->ctl > 0)
		close(r->ctl);
	if (r->vm > 0)
		close(r->vm);
	if (r->kvm > 0)
		close(r->kvm);
}

static struct tally *find(struct tally *t, unsigned int n, const char *event, const char *field)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].event, event) &&
		    (field ? t[i].field && !strcmp(t[i].field, field) : !t[i].field))
			return &t[i];
	return NULL;
}

TEST(every_event_has_its_documented_fields)
{
	unsigned int i, j, missing = 0;
	struct trace_env t;
	const char *f;

	ASSERT_EQ(0, system("modprobe vmon"));
	ASSERT_EQ(0, te_open(&t, "vmon-selftest-fields"));
	for (i = 0; i < TALLIES(documented); i++) {
		for (j = 0; (f = documented[i].fields[j]); j++) {
			if (te_has_field(&t, documented[i].event, f))
				continue;
			TH_LOG("vmon:%s has no field %s", documented[i].event, f);
			missing++;
		}
	}
	EXPECT_EQ(0U, missing);
	te_close(&t);
}

/*
 * 20 writes of 4 KiB and 10 reads of 1 KiB, a flush and a write-zeroes;
 * a write past the end and a GET_ID that end without a submit; two reads
 * at 2/s with a burst of 1, so that one waits for the throttle.
 */
TEST(blk_requests_are_counted_exactly)
{
	struct vmon_blk_throttle thr = { .ops = { .rate = 2, .burst = 1 } };
	struct tally tl[] = {
		T("blk_submit", NULL),
		T("blk_complete", NULL),
		T("blk_complete", "status"),
		T("blk_complete", "latency_ns"),
		T("blk_complete", "dev"),
		T("blk_throttle_start", "bucket"),
		T("blk_throttle_end", "held_ns"),
		T("vq_kick", NULL),
		T("vq_signal", "batch"),
		T("worker_wake", "works"),
		T("worker_sleep", NULL),
	};
	struct tally wr = T("blk_complete", "len");
	const char *events[] = { "blk_submit",	     "blk_complete", "blk_throttle_start",
				 "blk_throttle_end", "vq_kick",	     "vq_signal" };
	uint8_t buf[4096] = { 7 };
	struct trace_env t;
	struct blk_env e;
	struct reg_vm r;
	char filter[64];
	unsigned int i;
	int fd;

	ASSERT_EQ(0, system("modprobe vmon"));
	if (reg_vm(&r, "trace-blk"))
		SKIP(return, "no KVM VM to register: %s", strerror(errno));
	fd = open(DISK, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	ASSERT_EQ(0, be_setup(&e, 1, 4, BE_FEATURES));
	ASSERT_EQ(0, be_backend(&e, fd));
	ASSERT_EQ(0, ioctl(e.d.fd, VMON_DEV_SET_VM, &r.id));

	ASSERT_EQ(0, te_open(&t, "vmon-selftest-blk"));
	snprintf(filter, sizeof(filter), "vm == %u", r.id);
	for (i = 0; i < TALLIES(events); i++)
		ASSERT_EQ(0, te_enable(&t, events[i], filter));
	ASSERT_EQ(0, te_enable(&t, "worker_wake", NULL));
	ASSERT_EQ(0, te_enable(&t, "worker_sleep", NULL));

	for (i = 0; i < 20; i++)
		ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_OUT, i * 8, buf, 4096, 0));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_IN, i * 2, buf, 1024, 0));
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0));
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 4096, 0));
	ASSERT_EQ(S_IOERR, be_sync(&e, VIRTIO_BLK_T_OUT, 1 << 20, buf, 4096, 0));
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_GET_ID, 0, buf, VIRTIO_BLK_ID_BYTES, 0));
	ASSERT_EQ(0, ioctl(e.d.fd, VMON_BLK_SET_THROTTLE, &thr));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_IN, 0, buf, 512, 0));
	te_stop(&t);

	ASSERT_EQ(0, te_tally(&t, tl, TALLIES(tl)));
	/* 20 + 10 + flush + zeroes + 2 throttled reads went to the back end */
	EXPECT_EQ(34U, find(tl, TALLIES(tl), "blk_submit", NULL)->n);
	/* and the two that did not end too */
	EXPECT_EQ(36U, find(tl, TALLIES(tl), "blk_complete", NULL)->n);
	/* one I/O error (status 1), the rest OK (0) */
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "blk_complete", "status")->sum);
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "blk_complete", "status")->max);
	EXPECT_LT(0U, find(tl, TALLIES(tl), "blk_complete", "latency_ns")->min);
	/* the device's accounting id, the same in every event */
	EXPECT_LT(0U, find(tl, TALLIES(tl), "blk_complete", "dev")->min);
	EXPECT_EQ(find(tl, TALLIES(tl), "blk_complete", "dev")->min,
		  find(tl, TALLIES(tl), "blk_complete", "dev")->max);
	/* one hold, on the operations bucket, of about half a second */
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "blk_throttle_start", "bucket")->n);
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "blk_throttle_start", "bucket")->sum);
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "blk_throttle_end", "held_ns")->n);
	EXPECT_LT(100000000U, find(tl, TALLIES(tl), "blk_throttle_end", "held_ns")->sum);
	/* every kick the driver made, and interrupts for at most every entry */
	EXPECT_EQ(e.d.ring[0].kicks, find(tl, TALLIES(tl), "vq_kick", NULL)->n);
	EXPECT_LE(1U, find(tl, TALLIES(tl), "vq_signal", "batch")->sum);
	EXPECT_GE(36U, find(tl, TALLIES(tl), "vq_signal", "batch")->sum);
	/* the worker woke with work each time, and slept between */
	EXPECT_LE(1U, find(tl, TALLIES(tl), "worker_wake", "works")->min);
	EXPECT_LE(1U, find(tl, TALLIES(tl), "worker_sleep", NULL)->n);

	/* bytes by op: writes (op 1) and reads (op 0) that succeeded */
	ASSERT_EQ(0, te_open(&t, "vmon-selftest-blk-bytes"));
	snprintf(filter, sizeof(filter), "vm == %u && op == 1 && status == 0", r.id);
	ASSERT_EQ(0, te_enable(&t, "blk_complete", filter));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_OUT, i * 8, buf, 4096, 0));
	ASSERT_EQ(S_OK, be_sync(&e, VIRTIO_BLK_T_IN, 0, buf, 512, 0));
	te_stop(&t);
	ASSERT_EQ(0, te_tally(&t, &wr, 1));
	EXPECT_EQ(5U, wr.n);
	EXPECT_EQ(5U * 4096, wr.sum);
	te_close(&t);

	be_teardown(&e);
	close(fd);
	unlink(DISK);
	reg_vm_free(&r);
}

static const size_t tx_len[] = { 60, 64, 128, 1000, 1514, 9000 };
static const size_t rx_len[] = { 60, 200, 1514 };

TEST(net_frames_are_counted_exactly)
{
	struct tally tl[] = {
		T("net_tx", "packets"), T("net_tx", "bytes"), T("net_tx", "drops"),
		T("net_rx", "packets"), T("net_rx", "bytes"), T("net_rx", "drops"),
		T("net_tx", "queue"),	T("net_rx", "queue"),
	};
	uint64_t tx_bytes = 0, rx_bytes = 0;
	struct trace_env t;
	struct net_env e;
	struct reg_vm r;
	char filter[64];
	uint8_t *frame;
	unsigned int i;

	/* only our frames on the tap: no IPv6 autoconfiguration chatter */
	ASSERT_EQ(0, system("sysctl -qw net.ipv6.conf.default.disable_ipv6=1 "
			    "net.ipv6.conf.all.disable_ipv6=1"));
	ASSERT_EQ(0, system("modprobe tun && modprobe vmon"));
	if (reg_vm(&r, "trace-net"))
		SKIP(return, "no KVM VM to register: %s", strerror(errno));
	ASSERT_EQ(0, ne_setup(&e, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX),
			      false));
	ASSERT_EQ(0, ioctl(e.d.fd, VMON_DEV_SET_VM, &r.id));
	ASSERT_EQ(0, te_open(&t, "vmon-selftest-net"));
	snprintf(filter, sizeof(filter), "vm == %u", r.id);
	ASSERT_EQ(0, te_enable(&t, "net_tx", filter));
	ASSERT_EQ(0, te_enable(&t, "net_rx", filter));

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
	te_stop(&t);

	ASSERT_EQ(0, te_tally(&t, tl, TALLIES(tl)));
	EXPECT_EQ(6U, find(tl, TALLIES(tl), "net_tx", "packets")->sum);
	EXPECT_EQ(tx_bytes, find(tl, TALLIES(tl), "net_tx", "bytes")->sum);
	EXPECT_EQ(0U, find(tl, TALLIES(tl), "net_tx", "drops")->sum);
	EXPECT_EQ(3U, find(tl, TALLIES(tl), "net_rx", "packets")->sum);
	EXPECT_EQ(rx_bytes, find(tl, TALLIES(tl), "net_rx", "bytes")->sum);
	EXPECT_EQ(0U, find(tl, TALLIES(tl), "net_rx", "drops")->sum);
	/* the rings: RX is 0, TX is 1 */
	EXPECT_EQ((uint64_t)NE_TX, find(tl, TALLIES(tl), "net_tx", "queue")->max);
	EXPECT_EQ((uint64_t)NE_RX, find(tl, TALLIES(tl), "net_rx", "queue")->max);
	te_close(&t);
	ne_teardown(&e);
	reg_vm_free(&r);
}

/*
 * A VM with a running vCPU: registered and unregistered once, and sampled
 * by the accounting with the vCPU's run time.
 */
TEST(vm_life_and_samples)
{
	struct tally tl[] = {
		T("vm_register", "owner"),
		T("vm_unregister", "reason"),
		T("acct_sample", "run_ns"),
		T("acct_sample", "vcpu"),
	};
	struct vmon_vm_register reg;
	struct trace_env t;
	struct guest g;
	char filter[64];
	int ctl;

	ASSERT_EQ(0, system("modprobe vmon"));
	if (!guest_kvm_available())
		SKIP(return, "no /dev/kvm");
	ASSERT_EQ(0, guest_create(&g, 1 << 20));
	ASSERT_EQ(0, guest_add_vcpu(&g, -1));
	ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, te_open(&t, "vmon-selftest-vm"));
	/* the VM's id is not known before it registers: the name filters */
	ASSERT_EQ(0, te_enable(&t, "vm_register", "name == \"trace-life\""));
	memset(&reg, 0, sizeof(reg));
	reg.vm_fd = g.vm_fd;
	strcpy(reg.name, "trace-life");
	ASSERT_EQ(0, ioctl(ctl, VMON_VM_REGISTER, &reg));
	snprintf(filter, sizeof(filter), "vm == %u", reg.id);
	ASSERT_EQ(0, te_enable(&t, "vm_unregister", filter));
	ASSERT_EQ(0, te_enable(&t, "acct_sample", filter));
	ASSERT_EQ(0, guest_start(&g));
	/* the sampler's interval is 1 s by default */
	sleep(3);
	guest_stop(&g);
	ASSERT_EQ(0, ioctl(ctl, VMON_VM_UNREGISTER, (unsigned long)reg.id));
	te_stop(&t);

	ASSERT_EQ(0, te_tally(&t, tl, TALLIES(tl)));
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "vm_register", "owner")->n);
	EXPECT_EQ((uint64_t)getpid(), find(tl, TALLIES(tl), "vm_register", "owner")->max);
	EXPECT_EQ(1U, find(tl, TALLIES(tl), "vm_unregister", "reason")->n);
	EXPECT_LE(2U, find(tl, TALLIES(tl), "acct_sample", "run_ns")->n);
	/* it ran: a spinning vCPU for about 3 s */
	EXPECT_LT(100000000U, find(tl, TALLIES(tl), "acct_sample", "run_ns")->sum);
	EXPECT_EQ(0U, find(tl, TALLIES(tl), "acct_sample", "vcpu")->max);
	te_close(&t);
	close(ctl);
	guest_destroy(&g);
}

TEST_HARNESS_MAIN
