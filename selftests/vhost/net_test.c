// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-net functional tests: this process is the guest driver, a tap
 * the back end, an AF_PACKET socket on the tap the other end of the wire.
 *
 * VMON_NET_DEV=/dev/vhost-net runs the same tests against the kernel's
 * vhost-net, to check that the tests assert the vhost ABI, not our quirks.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/userfaultfd.h>
#include <linux/vhost.h>
#include <linux/vmon.h>

#include "kselftest_harness.h"
#include "../lib/meminfo.h"
#include "net_env.h"

static const size_t sizes[] = { 64, 128, 1514, 4096, 16384, 32768, 65535 };

#define V1 (1ULL << VIRTIO_F_VERSION_1)
#define EVIDX (1ULL << VIRTIO_RING_F_EVENT_IDX)
#define INDIR (1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define MRG (1ULL << VIRTIO_NET_F_MRG_RXBUF)
#define VHDR (1ULL << VHOST_NET_F_VIRTIO_NET_HDR)
#define ANYL (1ULL << VIRTIO_F_ANY_LAYOUT)

static void load_modules(void)
{
	if (system("modprobe tun; modprobe vmon"))
		fprintf(stderr, "# modprobe failed\n");
	if (!strcmp(ne_dev_path(), "/dev/vhost-net") && system("modprobe vhost_net"))
		fprintf(stderr, "# modprobe vhost_net failed\n");
}

FIXTURE(net)
{
	struct net_env e;
};

FIXTURE_VARIANT(net)
{
	uint64_t features;
	bool indirect;
};

/* legacy: 10-byte header from the tap, no event idx */
FIXTURE_VARIANT_ADD(net, legacy){
	.features = ANYL,
};

/* virtio 1.0, event idx, mergeable RX buffers */
FIXTURE_VARIANT_ADD(net, v1_evidx_mrg){
	.features = V1 | EVIDX | MRG,
};

/* indirect descriptors, no event idx */
FIXTURE_VARIANT_ADD(net, v1_indirect){
	.features = V1 | INDIR,
	.indirect = true,
};

/* the device adds and strips the header (tap without IFF_VNET_HDR) */
FIXTURE_VARIANT_ADD(net, vhost_hdr_mrg){
	.features = V1 | EVIDX | MRG | VHDR,
};

FIXTURE_SETUP(net)
{
	load_modules();
	ASSERT_EQ(0, ne_setup(&self->e, variant->features, variant->indirect));
}

FIXTURE_TEARDOWN(net)
{
	ne_teardown(&self->e);
}

TEST_F(net, tx_sizes)
{
	unsigned int i;
	uint8_t *frame;
	long n;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];

		ASSERT_EQ(0, ne_tx(&self->e, len, i, true));
		n = ne_capture(&self->e, 3000, &frame);
		ASSERT_EQ((long)len, n) TH_LOG("TX of %zu bytes", len);
		ASSERT_TRUE(
			nf_check(frame, n, i, ne_is_tcp(len, &self->e), nf_guest_mac, nf_host_mac))
		TH_LOG("TX of %zu bytes: contents differ", len);
		ASSERT_EQ(0, ne_tx_reap(&self->e, 2000));
	}
}

TEST_F(net, rx_sizes)
{
	unsigned int i, nb;
	uint8_t *frame;
	long n;

	ne_rx_fill(&self->e);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];

		ASSERT_EQ(0, ne_inject(&self->e, len, 100 + i));
		n = ne_rx(&self->e, 3000, &frame, &nb);
		ASSERT_EQ((long)len, n) TH_LOG("RX of %zu bytes", len);
		ASSERT_TRUE(nf_check(frame, n, 100 + i, ne_is_tcp(len, &self->e), nf_host_mac,
				     nf_guest_mac))
		TH_LOG("RX of %zu bytes: contents differ", len);
		if (self->e.mrg && len + self->e.hdr_len > NE_MRG_BUF)
			ASSERT_LT(1U, nb) TH_LOG("%zu bytes in one buffer", len);
	}
}

TEST_F(net, tx_burst)
{
	unsigned int sent = 0, got = 0, i, total = 2000;
	uint8_t *frame;
	long n;

	while (sent < total) {
		for (i = 0; i < 64 && sent < total; i++)
			if (!ne_tx(&self->e, 64, sent, false))
				sent++;
		vdrv_kick(&self->e.d.ring[NE_TX], false);
		while (vdrv_get_used(&self->e.d.ring[NE_TX], NULL))
			;
		while ((n = ne_capture(&self->e, 0, &frame)) > 0) {
			ASSERT_EQ(got, nf_seq(frame, n, nf_guest_mac))
			TH_LOG("frame of %ld bytes, sent %u", n, sent);
			got++;
		}
	}
	ASSERT_EQ(0, ne_tx_reap(&self->e, 3000));
	while (got < total && (n = ne_capture(&self->e, 1000, &frame)) > 0) {
		ASSERT_EQ(got, nf_seq(frame, n, nf_guest_mac));
		got++;
	}
	ASSERT_EQ(total, got);
	TH_LOG("%u frames, %lu kicks", total, self->e.d.ring[NE_TX].kicks);
}

TEST_F(net, rx_burst)
{
	unsigned int i, total = 1000, got = 0;
	uint8_t *frame;
	long n;

	ne_rx_fill(&self->e);
	for (i = 0; i < total; i++) {
		ASSERT_EQ(0, ne_inject(&self->e, 256, i));
		/* drain as we go so that the tap's queue never overflows */
		if (i % 64 == 63)
			while (got <= i) {
				n = ne_rx(&self->e, 3000, &frame, NULL);
				ASSERT_EQ(256, n);
				ASSERT_EQ(got, nf_seq(frame, n, nf_host_mac));
				got++;
			}
	}
	while (got < total) {
		n = ne_rx(&self->e, 3000, &frame, NULL);
		ASSERT_EQ(256, n);
		ASSERT_EQ(got, nf_seq(frame, n, nf_host_mac));
		got++;
	}
}

/* GET_VRING_BASE stops the ring; SET_VRING_BASE restarts it where it was. */
TEST_F(net, stop_restart)
{
	struct vhost_vring_state s = { .index = NE_TX };
	struct vdrv_ring *r = &self->e.d.ring[NE_TX];
	unsigned int i;
	uint8_t *frame;

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, ne_tx(&self->e, 100, i, true));
	ASSERT_EQ(0, ne_tx_reap(&self->e, 3000));
	ASSERT_EQ(0, ioctl(self->e.d.fd, VHOST_GET_VRING_BASE, &s));
	ASSERT_EQ(10U, s.num);
	while (ne_capture(&self->e, 200, &frame) > 0)
		;

	/* stopped: new requests stay where they are */
	for (i = 10; i < 15; i++)
		ASSERT_EQ(0, ne_tx(&self->e, 100, i, true));
	vdrv_kick(r, true);
	usleep(300000);
	ASSERT_EQ(0U, vdrv_pending_used(r));
	ASSERT_EQ(-ETIMEDOUT, ne_capture(&self->e, 100, &frame));

	/* a running ring's base cannot be set */
	s.num = 10;
	ASSERT_NE(0, ioctl(self->e.d.fd, VHOST_SET_VRING_BASE, &s));
	ASSERT_EQ(EBUSY, errno);

	ASSERT_EQ(0, vdrv_set_backend(&self->e.d, NE_TX, -1));
	ASSERT_EQ(0, ioctl(self->e.d.fd, VHOST_SET_VRING_BASE, &s));
	ASSERT_EQ(0, vdrv_set_backend(&self->e.d, NE_TX, self->e.tap));
	vdrv_kick(r, true);
	ASSERT_EQ(0, ne_tx_reap(&self->e, 3000));
	for (i = 10; i < 15; i++) {
		long n = ne_capture(&self->e, 2000, &frame);

		ASSERT_EQ(100, n);
		ASSERT_EQ(i, nf_seq(frame, n, nf_guest_mac));
	}
}

/* Take the tap away and give it back while both directions carry traffic. */
TEST_F(net, backend_swap_under_traffic)
{
	unsigned int round, i, seq = 0, rx = 0;
	uint8_t *frame;
	long n;

	ne_rx_fill(&self->e);
	for (round = 0; round < 30; round++) {
		for (i = 0; i < 16; i++) {
			ne_tx(&self->e, 200, seq++, false);
			ne_inject(&self->e, 300, round * 16 + i);
		}
		vdrv_kick(&self->e.d.ring[NE_TX], true);
		ASSERT_EQ(0, vdrv_set_backend(&self->e.d, NE_TX, -1));
		ASSERT_EQ(0, vdrv_set_backend(&self->e.d, NE_RX, -1));
		ASSERT_EQ(0, vdrv_set_backend(&self->e.d, NE_RX, self->e.tap));
		ASSERT_EQ(0, vdrv_set_backend(&self->e.d, NE_TX, self->e.tap));
		while (vdrv_get_used(&self->e.d.ring[NE_TX], NULL))
			;
		while (ne_rx(&self->e, 0, &frame, NULL) > 0)
			rx++;
	}
	/* everything posted completes once the back end is there */
	ASSERT_EQ(0, ne_tx_reap(&self->e, 5000));
	while ((n = ne_rx(&self->e, 500, &frame, NULL)) > 0)
		rx++;
	TH_LOG("%u TX, %u RX frames across 30 swaps", seq, rx);
	ASSERT_LT(0U, rx);
	/* and the data path still works afterwards */
	while (ne_capture(&self->e, 100, &frame) > 0)
		;
	ASSERT_EQ(0, ne_tx(&self->e, 1000, 777777, true));
	n = ne_capture(&self->e, 2000, &frame);
	ASSERT_EQ(1000, n);
	ASSERT_EQ(777777, nf_seq(frame, n, nf_guest_mac));
}

/* The guest can choose not to hear of completions (notify suppression). */
TEST_F(net, interrupt_suppression)
{
	struct vdrv_ring *r = &self->e.d.ring[NE_TX];
	uint64_t v;
	unsigned int i;

	vdrv_disable_cb(r);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, ne_tx(&self->e, 64, i, true));
	for (i = 0; i < 100 && vdrv_pending_used(r) < 8; i++)
		usleep(10000);
	ASSERT_EQ(8U, vdrv_pending_used(r));
	if (!r->event_idx) {
		/* flag mode: no interrupt at all */
		ASSERT_EQ(-1, read(r->call_fd, &v, sizeof(v)));
	}
	while (vdrv_get_used(r, NULL))
		;
	vdrv_enable_cb(r);
	ASSERT_EQ(0, ne_tx(&self->e, 64, 9, true));
	ASSERT_EQ(1, vdrv_wait_call(r, 2000));
}

FIXTURE(dev)
{
	int fd;
};

FIXTURE_SETUP(dev)
{
	load_modules();
	self->fd = open(ne_dev_path(), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, owner_rules)
{
	uint64_t f;
	pid_t pid;
	int st;

	/* nothing but GET_FEATURES before an owner */
	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_FEATURES, &f));
	ASSERT_TRUE(!!(f & MRG));
	ASSERT_TRUE(!!(f & VHDR));
	ASSERT_TRUE(!!(f & (1ULL << VHOST_F_LOG_ALL)));
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_FEATURES, &f));
	ASSERT_EQ(EPERM, errno);

	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_OWNER));
	ASSERT_EQ(EBUSY, errno);

	/* another process (another mm) may not drive it */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t g = 0;

		_exit(ioctl(self->fd, VHOST_SET_FEATURES, &g) == -1 && errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));

	ASSERT_EQ(0, ioctl(self->fd, VHOST_RESET_OWNER));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
}

TEST_F(dev, bad_arguments)
{
	struct vhost_vring_state s = { .index = 0, .num = 100 };
	struct vhost_vring_file fl = { .index = 0, .fd = self->fd };
	uint64_t f = 1ULL << 63;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_FEATURES, &f));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_VRING_NUM, &s));
	ASSERT_EQ(EINVAL, errno);
	s.index = 7;
	s.num = 256;
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_VRING_NUM, &s));
	ASSERT_EQ(ENOBUFS, errno);
	/* an unknown ioctl of the vhost family: ENOTTY, so QEMU falls back */
	ASSERT_NE(0, ioctl(self->fd, _IO(VHOST_VIRTIO, 0x7f)));
	ASSERT_EQ(ENOTTY, errno);
	/* the back end must be a tap */
	ASSERT_NE(0, ioctl(self->fd, VHOST_NET_SET_BACKEND, &fl));
	ASSERT_EQ(ENOTSOCK, errno);
}

/* VM accounting: attach to an unknown VM fails, detaching always works. */
TEST_F(dev, set_vm)
{
	uint32_t vm = 0x7fffffff;

	ASSERT_NE(0, ioctl(self->fd, VMON_DEV_SET_VM, &vm));
	ASSERT_EQ(ENOENT, errno);
	vm = 0;
	ASSERT_EQ(0, ioctl(self->fd, VMON_DEV_SET_VM, &vm));
}

TEST_F(dev, backend_features)
{
	uint64_t f = ~0ULL;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_BACKEND_FEATURES, &f));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_BACKEND_FEATURES, &f));
	f = 1ULL << 40;
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_BACKEND_FEATURES, &f));
}

TEST_F(dev, mem_table)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[600];
	} *t = calloc(1, sizeof(*t));
	char *mem;
	unsigned int i;

	ASSERT_NE(NULL, t);
	mem = mmap(NULL, 600 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER));
	for (i = 0; i < 600; i++) {
		/* listed backwards: the device sorts them */
		t->r[i].guest_phys_addr = (uint64_t)(599 - i) << 20;
		t->r[i].memory_size = 4096;
		t->r[i].userspace_addr = (uintptr_t)mem + ((599 - i) << 12);
	}
	t->hdr.nregions = 64;
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_MEM_TABLE, t));
	t->hdr.nregions = 509;
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_MEM_TABLE, t));
	t->hdr.nregions = 600;
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_MEM_TABLE, t));
	ASSERT_EQ(E2BIG, errno);
	/* overlapping guest ranges */
	t->hdr.nregions = 2;
	t->r[1].guest_phys_addr = t->r[0].guest_phys_addr + 2048;
	ASSERT_NE(0, ioctl(self->fd, VHOST_SET_MEM_TABLE, t));
	ASSERT_EQ(EINVAL, errno);
	munmap(mem, 600 << 12);
	free(t);
}

/* Many regions: a ring whose buffers are spread over 64 of them works. */
TEST(mem_many_regions)
{
	struct net_env e;
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[65];
	} t;
	uint8_t *frame;
	unsigned int i;
	long n;

	load_modules();
	ASSERT_EQ(0, ne_setup(&e, V1 | MRG, false));
	/* split the arena into 64 regions at scattered guest addresses */
	memset(&t, 0, sizeof(t));
	t.hdr.nregions = 64;
	for (i = 0; i < 64; i++) {
		t.r[i].memory_size = NE_ARENA / 64;
		t.r[i].userspace_addr = (uintptr_t)e.d.mem + (uint64_t)i * (NE_ARENA / 64);
		t.r[i].guest_phys_addr = t.r[i].userspace_addr;
	}
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_MEM_TABLE, &t));
	ne_rx_fill(&e);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, ne_tx(&e, 9000 + i, i, true));
		n = ne_capture(&e, 2000, &frame);
		ASSERT_EQ(9000 + i, n);
		ASSERT_EQ(0, ne_inject(&e, 1514, i));
		n = ne_rx(&e, 2000, &frame, NULL);
		ASSERT_EQ(1514, n);
		ASSERT_TRUE(nf_check(frame, n, i, false, nf_host_mac, nf_guest_mac));
	}
	ne_teardown(&e);
}

/* With VHOST_F_LOG_ALL, received data and used-ring writes are logged. */
TEST(dirty_log)
{
	struct vhost_vring_addr a;
	struct net_env e;
	struct vdrv_ring *r;
	uint8_t *bitmap, *frame;
	uint64_t base, pfn, f;
	int logfd;
	long n;

	load_modules();
	ASSERT_EQ(0, ne_setup(&e, V1 | MRG, false));
	r = &e.d.ring[NE_RX];
	/* the arena is identity-mapped: the log covers its guest range */
	bitmap = calloc(1, (((uintptr_t)e.d.mem + NE_ARENA) >> 12) / 8 + 8 -
				   ((uintptr_t)e.d.mem >> 12) / 8);
	ASSERT_NE(NULL, bitmap);
	base = (uintptr_t)bitmap - ((uintptr_t)e.d.mem >> 12) / 8;
	logfd = eventfd(0, EFD_NONBLOCK);
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_LOG_BASE, &base));
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_LOG_FD, &logfd));
	a.index = NE_RX;
	a.flags = 1 << VHOST_VRING_F_LOG;
	a.desc_user_addr = (uintptr_t)r->desc;
	a.avail_user_addr = (uintptr_t)r->avail;
	a.used_user_addr = (uintptr_t)r->used;
	a.log_guest_addr = (uintptr_t)r->used;
	ASSERT_EQ(0, vdrv_set_backend(&e.d, NE_RX, -1));
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_VRING_ADDR, &a));
	ASSERT_EQ(0, vdrv_set_backend(&e.d, NE_RX, e.tap));
	f = e.features | (1ULL << VHOST_F_LOG_ALL);
	ASSERT_EQ(0, ioctl(e.d.fd, VHOST_SET_FEATURES, &f));
	ne_rx_fill(&e);
	ASSERT_EQ(0, ne_inject(&e, 1000, 5));
	n = ne_rx(&e, 2000, &frame, NULL);
	ASSERT_EQ(1000, n);
	/* the first RX buffer's page and the used ring's page are dirty */
	pfn = (uintptr_t)e.rx_bufs >> 12;
	ASSERT_TRUE(((uint8_t *)(uintptr_t)base)[pfn / 8] & (1 << (pfn % 8)));
	pfn = (uintptr_t)r->used >> 12;
	ASSERT_TRUE(((uint8_t *)(uintptr_t)base)[pfn / 8] & (1 << (pfn % 8)));
	/* a page nobody wrote is clean */
	pfn = ((uintptr_t)e.d.mem + NE_ARENA - 4096) >> 12;
	ASSERT_FALSE(((uint8_t *)(uintptr_t)base)[pfn / 8] & (1 << (pfn % 8)));
	ASSERT_LT(0, read(logfd, &f, sizeof(f)));
	close(logfd);
	ne_teardown(&e);
	free(bitmap);
}

static bool worker_alive(pid_t owner)
{
	char want[32], comm[64], path[300];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(want, sizeof(want), "vmon-%d\n", owner);
	d = opendir("/proc");
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			found = true;
		fclose(f);
	}
	closedir(d);
	return found;
}

/* The owner dies with traffic in flight: no hang, no leftover worker. */
TEST(owner_exit_mid_traffic)
{
	int ready[2], st, i;
	pid_t pid;
	char c;

	load_modules();
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct net_env e;
		uint32_t seq = 0;

		if (ne_setup(&e, V1 | EVIDX | MRG, false))
			_exit(2);
		ne_rx_fill(&e);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		for (;;) {
			ne_tx(&e, 1514, seq, true);
			ne_inject(&e, 1514, seq++);
			while (vdrv_get_used(&e.d.ring[NE_TX], NULL))
				;
		}
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	usleep(300000);
	if (!strcmp(ne_dev_path(), "/dev/vmon-net"))
		ASSERT_TRUE(worker_alive(pid));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFSIGNALED(st));
	for (i = 0; i < 100 && worker_alive(pid); i++)
		usleep(20000);
	ASSERT_FALSE(worker_alive(pid));
	close(ready[0]);
}

#define GONE_ROUNDS 400
#define GONE_LEAK_MAX_KIB (24 << 10)

/*
 * Hardening item 2: frames batched for a tap that refuses the batch are
 * freed, and their requests still complete. A deleted tap does: tun's
 * sendmsg fails with EBADFD before it takes anything. 400 rounds of 128
 * frames of 1514 bytes went through page fragments of about 2 KiB each;
 * before, every one leaked (some 100 MiB of MemFree); now MemFree may move
 * by GONE_LEAK_MAX_KIB at most, for the noise of the rest of the system.
 */
TEST(tx_to_deleted_tap)
{
	struct vdrv_ring *r;
	struct net_env e;
	long before = 0, after;
	char cmd[64];
	uint32_t seq = 0;
	int round;

	load_modules();
	ASSERT_EQ(0, ne_setup(&e, V1 | EVIDX | MRG, false));
	r = &e.d.ring[NE_TX];
	snprintf(cmd, sizeof(cmd), "ip link del dev %s", e.ifname);
	ASSERT_EQ(0, system(cmd));
	/* round 0 warms up: the fragment cache, the harness's own memory */
	for (round = 0; round <= GONE_ROUNDS; round++) {
		if (round == 1)
			before = meminfo_kib("MemFree");
		while (!ne_tx(&e, 1514, seq, false))
			seq++;
		vdrv_kick(r, true);
		ASSERT_EQ(0, ne_tx_reap(&e, 5000)) TH_LOG("round %d", round);
	}
	after = meminfo_kib("MemFree");
	ASSERT_LT(0, before);
	ASSERT_LT(0, after);
	TH_LOG("%u frames, MemFree %ld -> %ld KiB", seq, before, after);
	EXPECT_GT(GONE_LEAK_MAX_KIB, before - after);
	/* no back end any more, but the ring itself is fine */
	EXPECT_EQ(0, vdrv_wait_err(r, 0));
	ne_teardown(&e);
}

/* The state letter of process @pid (R, S, D, Z...), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * The owner of a device whose worker is stuck: a TX frame lies in a page
 * that userfaultfd keeps missing, so the worker waits in the copy with the
 * TX ring's mutex held. Then the owner detaches the RX back end, which
 * waits for the worker. Never returns.
 */
static void stuck_owner(int sync)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct vhost_vring_file f = { .index = NE_RX, .fd = -1 };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct pollfd p = { .events = POLLIN };
	struct iovec out;
	struct net_env e;
	uint8_t *page;

	if (ne_setup(&e, V1 | EVIDX | MRG, false))
		_exit(2);
	/*
	 * After the device: at exit the files are released last opened
	 * first, and releasing this one lets the worker go.
	 */
	p.fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (p.fd < 0 || ioctl(p.fd, UFFDIO_API, &api))
		_exit(3);
	page = vdrv_alloc(&e.d, 4096, 4096);
	if (!page || madvise(page, 4096, MADV_DONTNEED))
		_exit(4);
	reg.range.start = (uintptr_t)page;
	reg.range.len = 4096;
	if (ioctl(p.fd, UFFDIO_REGISTER, &reg))
		_exit(5);
	out.iov_base = page;
	out.iov_len = 100;
	if (vdrv_add(&e.d.ring[NE_TX], &out, 1, NULL, 0, false, page) < 0)
		_exit(6);
	vdrv_kick(&e.d.ring[NE_TX], true);
	/* the worker's fault is pending */
	if (poll(&p, 1, 5000) != 1)
		_exit(7);
	if (write(sync, "s", 1) != 1)
		_exit(8);
	ioctl(e.d.fd, VHOST_NET_SET_BACKEND, &f);
	_exit(9);
}

/*
 * Hardening item 9 (killable waits): detaching a back end waits for the
 * worker, and a worker can be stuck (here on a guest page userfaultfd
 * never fills). The wait must end on SIGKILL. Before, it was
 * uninterruptible: the killed owner stayed in D state for ever (and with
 * it the worker and the page fault).
 */
TEST(detach_killable_with_stuck_worker)
{
	int sync[2], st = 0, i;
	pid_t pid, r = 0;
	char c = 0;

	i = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (i < 0 && errno == ENOSYS)
		SKIP(return, "the kernel has no userfaultfd (CONFIG_USERFAULTFD)");
	if (i >= 0)
		close(i);
	load_modules();
	ASSERT_EQ(0, pipe(sync));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sync[0]);
		stuck_owner(sync[1]);
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1) {
		waitpid(pid, &st, 0);
		ASSERT_EQ('s', c) TH_LOG("owner set-up failed: exit %d", WEXITSTATUS(st));
	}
	close(sync[0]);
	/* asleep in the detach */
	for (i = 0; i < 500 && proc_state(pid) != 'D'; i++)
		usleep(10000);
	ASSERT_EQ('D', proc_state(pid));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	for (i = 0; i < 1000 && r != pid; i++) {
		r = waitpid(pid, &st, WNOHANG);
		if (r != pid)
			usleep(10000);
	}
	ASSERT_EQ(pid, r) TH_LOG("the killed owner is still in state %c", proc_state(pid));
	ASSERT_TRUE(WIFSIGNALED(st));
}

TEST_HARNESS_MAIN
