// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm's virtio without KVM: the capability layout a driver walks, the
 * common configuration (feature negotiation, queue setup, reset), and the
 * split virtqueue against well-formed and hostile descriptor chains.
 */
#include <fcntl.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vmon/qcow2.h>

#include "kselftest_harness.h"
#include "../../supervisor/vmm/vdev.h"
#include "../../supervisor/vmm/virtio_pci.h"

/* The PCI side of a device (the transport these tests drive). */
#define VP(d) virtio_pci_of(d)
#include "../../supervisor/vmm/snapshot.h"

#define RAM (1 << 20)

static struct vm *fake_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->ram = calloc(1, RAM);
	vm->ram_size = vm->low_size = RAM;
	vm->vm_fd = -1;
	vm->epfd = epoll_create1(0);
	pthread_mutex_init(&vm->lock, NULL);
	return vm;
}

static void kick_nop(struct virtio_dev *d, struct virtq *q)
{
	(void)d;
	(void)q;
}

static const struct virtio_dev_ops nop_ops = { .kick = kick_nop };

static void bus_init(struct vm *vm)
{
	static bool bus;

	if (!bus) {
		pci_init(vm);
		bus = true;
	}
}

static struct virtio_dev *make_dev(struct vm *vm)
{
	struct virtio_dev *d = calloc(1, sizeof(*d));

	bus_init(vm);
	d->name = "test";
	d->backend = "none";
	d->device_id = 4;
	d->ops = &nop_ops;
	d->nq = 2;
	if (virtio_dev_add(vm, d) < 0)
		return NULL;
	return d;
}

static uint64_t rd(struct virtio_dev *d, uint32_t off, int size)
{
	uint8_t b[8] = { 0 };

	VP(d)->pci.bar[0].fn(VP(d), off, b, size, false);
	return ld_le(b, size);
}

static void wr(struct virtio_dev *d, uint32_t off, int size, uint64_t v)
{
	uint8_t b[8];

	st_le(b, size, v);
	VP(d)->pci.bar[0].fn(VP(d), off, b, size, true);
}

/* Through the common config, as a driver does: the selected queue gets @size
 * entries at desc 0x1000, avail 0x2000, used 0x3000, then queue_enable. */
static void queue_setup(struct virtio_dev *d, int size)
{
	wr(d, 0x18, 2, (uint64_t)size);
	wr(d, 0x20, 8, 0x1000);
	wr(d, 0x28, 8, 0x2000);
	wr(d, 0x30, 8, 0x3000);
	wr(d, 0x1c, 2, 1);
}

TEST(capabilities_point_into_bar0)
{
	struct virtio_dev *d = make_dev(fake_vm());
	bool seen[6] = { false };
	int at, guard = 0;

	ASSERT_NE(NULL, d);
	EXPECT_EQ(0x1af4, ld_le(VP(d)->pci.cfg, 2));
	EXPECT_EQ(0x1044, ld_le(VP(d)->pci.cfg + 2, 2));
	EXPECT_EQ(1, VP(d)->pci.cfg[PCI_REVISION]);
	EXPECT_TRUE(VP(d)->pci.cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	for (at = VP(d)->pci.cfg[PCI_CAP_PTR]; at && guard < 16;
	     at = VP(d)->pci.cfg[at + 1], guard++) {
		uint8_t *c = VP(d)->pci.cfg + at;

		ASSERT_LT(at, 256 - 16);
		if (c[0] == 0x11) { /* MSI-X: one vector per queue plus config */
			EXPECT_EQ(2, ld_le(c + 2, 2) & 0x7ff);
			EXPECT_EQ(VPCI_MSIX_TABLE, ld_le(c + 4, 4));
			continue;
		}
		ASSERT_EQ(0x09, c[0]);
		ASSERT_GE(c[3], 1);
		ASSERT_LE(c[3], 5);
		seen[c[3]] = true;
		EXPECT_EQ(0, c[4]); /* BAR 0 */
		uint32_t off = (uint32_t)ld_le(c + 8, 4), len = (uint32_t)ld_le(c + 12, 4);
		if (c[3] != VIRTIO_PCI_CAP_PCI_CFG)
			EXPECT_LE(off + len, VPCI_BAR_SIZE);
		if (c[3] == VIRTIO_PCI_CAP_COMMON_CFG)
			EXPECT_GE(len, 0x38);
		if (c[3] == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			EXPECT_EQ(20, c[2]);
			EXPECT_EQ(VPCI_NOTIFY_MULT, ld_le(c + 16, 4));
		}
	}
	EXPECT_LT(guard, 16);
	for (int t = 1; t <= 5; t++)
		EXPECT_TRUE(seen[t]);
}

TEST(feature_negotiation)
{
	struct virtio_dev *d = make_dev(fake_vm());

	ASSERT_NE(NULL, d);
	wr(d, 0x00, 4, 1);
	EXPECT_EQ(1, rd(d, 0x04, 4)); /* VERSION_1 is bit 32 */
	EXPECT_EQ(2, rd(d, 0x12, 2)); /* num_queues */
	/* A driver that asks for a feature not offered fails FEATURES_OK. */
	wr(d, 0x14, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(d, 0x08, 4, 0);
	wr(d, 0x0c, 4, 1u << 3);
	wr(d, 0x08, 4, 1);
	wr(d, 0x0c, 4, 1);
	wr(d, 0x14, 1, 0x0b);
	EXPECT_EQ(0, rd(d, 0x14, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* After a reset, the same without the extra bit succeeds. */
	wr(d, 0x14, 1, 0);
	EXPECT_EQ(0, rd(d, 0x14, 1));
	wr(d, 0x08, 4, 1);
	wr(d, 0x0c, 4, 1);
	wr(d, 0x14, 1, 0x0b);
	EXPECT_EQ(0x0b, rd(d, 0x14, 1));
	/* A legacy driver (no VERSION_1) is refused. */
	wr(d, 0x14, 1, 0);
	wr(d, 0x14, 1, 0x0b);
	EXPECT_EQ(0, rd(d, 0x14, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
}

TEST(queue_outside_ram_breaks_the_device_not_the_vmm)
{
	struct virtio_dev *d = make_dev(fake_vm());

	ASSERT_NE(NULL, d);
	wr(d, 0x16, 2, 0);
	EXPECT_EQ(VIRTQ_MAX_SIZE, rd(d, 0x18, 2));
	wr(d, 0x20, 8, 0xfffff000000ULL);
	wr(d, 0x28, 8, 0x2000);
	wr(d, 0x30, 8, 0x3000);
	wr(d, 0x1c, 2, 1);
	EXPECT_EQ(0, rd(d, 0x1c, 2));
	EXPECT_TRUE(rd(d, 0x14, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_EQ(1, d->stats.errors);
	/* Not a power of two: refused too. */
	wr(d, 0x14, 1, 0);
	EXPECT_FALSE(d->broken);
	wr(d, 0x18, 2, 3);
	wr(d, 0x20, 8, 0x1000);
	wr(d, 0x1c, 2, 1);
	EXPECT_EQ(0, rd(d, 0x1c, 2));
	/* In RAM and well sized: enabled; its setup is then read-only. */
	wr(d, 0x14, 1, 0);
	queue_setup(d, 16);
	EXPECT_EQ(1, rd(d, 0x1c, 2));
	wr(d, 0x20, 8, 0x5000);
	EXPECT_EQ(0x1000, rd(d, 0x20, 8));
	/* Device configuration is read-only unless the device says otherwise. */
	static uint8_t cfgspace[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	d->config = cfgspace;
	d->config_len = 8;
	wr(d, VPCI_DEVICE, 4, 0xffffffff);
	EXPECT_EQ(0x04030201, rd(d, VPCI_DEVICE, 4));
	d->config_wr_start = 4;
	d->config_wr_end = 8;
	wr(d, VPCI_DEVICE + 4, 4, 0xaabbccdd);
	EXPECT_EQ(0xaabbccdd, rd(d, VPCI_DEVICE + 4, 4));
	wr(d, VPCI_DEVICE + 2, 4, 0);
	EXPECT_EQ(0x04030201, rd(d, VPCI_DEVICE, 4));
	EXPECT_EQ(0, rd(d, VPCI_DEVICE + 6, 4)); /* straddles the end */
	/* Out-of-range selectors and offsets read as zero, never crash. */
	wr(d, 0x16, 2, 999);
	EXPECT_EQ(0, rd(d, 0x18, 2));
	wr(d, 0x1c, 2, 1);
	EXPECT_EQ(0, rd(d, 0x39, 1));
	EXPECT_EQ(0, rd(d, VPCI_MSIX_PBA + 0x100, 4));
}

/* A queue of 8 entries in the fake RAM: desc 0x1000, avail 0x2000, used 0x3000. */
static struct virtq *ring(struct vm *vm, struct virtio_dev *d)
{
	struct virtq *q = &d->q[0];

	memset(vm->ram, 0, RAM);
	q->num = 8;
	q->desc_gpa = 0x1000;
	q->avail_gpa = 0x2000;
	q->used_gpa = 0x3000;
	q->last_avail = q->used_idx = 0;
	q->enabled = virtq_map(vm, q);
	return q;
}

static void desc(struct virtq *q, int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	q->desc[i] = (struct vring_desc){ addr, len, flags, next };
}

static void avail(struct virtq *q, uint16_t head)
{
	q->avail->ring[q->avail->idx % q->num] = head;
	q->avail->idx++;
}

TEST(virtq_well_formed_chains)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = make_dev(vm);
	struct virtq *q = ring(vm, d);
	static struct vchain c;

	ASSERT_TRUE(q->enabled);
	EXPECT_EQ(0, virtq_pop(vm, q, &c));
	desc(q, 0, 0x8000, 16, VRING_DESC_F_NEXT, 1);
	desc(q, 1, 0x9000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	desc(q, 2, 0xa000, 1, VRING_DESC_F_WRITE, 0);
	avail(q, 0);
	ASSERT_EQ(1, virtq_pop(vm, q, &c));
	EXPECT_EQ(0, c.head);
	EXPECT_EQ(1, c.nout);
	EXPECT_EQ(2, c.nin);
	EXPECT_EQ(513, c.in_len);
	EXPECT_EQ(vm->ram + 0x9000, c.iov[1].iov_base);
	virtq_push(q, c.head, 513);
	EXPECT_EQ(1, q->used->idx);
	EXPECT_EQ(513, q->used->ring[0].len);
	EXPECT_EQ(0, virtq_pop(vm, q, &c));

	/* Indirect descriptors, once negotiated. */
	struct vring_desc *ind = (struct vring_desc *)(vm->ram + 0x4000);
	ind[0] = (struct vring_desc){ 0x8000, 16, VRING_DESC_F_NEXT, 1 };
	ind[1] = (struct vring_desc){ 0x9000, 8, VRING_DESC_F_WRITE, 0 };
	desc(q, 3, 0x4000, 32, VRING_DESC_F_INDIRECT, 0);
	avail(q, 3);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	d->guest_features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	virtq_unpop(q);
	ASSERT_EQ(1, virtq_pop(vm, q, &c));
	EXPECT_EQ(1, c.nout);
	EXPECT_EQ(1, c.nin);
}

TEST(virtq_hostile_chains_are_refused)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = make_dev(vm);
	static struct vchain c;
	struct virtq *q;

	/* A loop in the chain. */
	q = ring(vm, d);
	desc(q, 0, 0x8000, 16, VRING_DESC_F_NEXT, 1);
	desc(q, 1, 0x8000, 16, VRING_DESC_F_NEXT, 0);
	avail(q, 0);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	/* A buffer beyond guest RAM, and one that wraps around. */
	q = ring(vm, d);
	desc(q, 0, RAM - 8, 16, 0, 0);
	avail(q, 0);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	q = ring(vm, d);
	desc(q, 0, ~0ULL - 4, 16, 0, 0);
	avail(q, 0);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	/* A head or next index beyond the ring. */
	q = ring(vm, d);
	avail(q, 200);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	q = ring(vm, d);
	desc(q, 0, 0x8000, 16, VRING_DESC_F_NEXT, 9);
	avail(q, 0);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	/* Readable after writable. */
	q = ring(vm, d);
	desc(q, 0, 0x8000, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	desc(q, 1, 0x9000, 16, 0, 0);
	avail(q, 0);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	/* The avail index more than a ring ahead. */
	q = ring(vm, d);
	q->avail->idx = 100;
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	/* Nested indirect tables. */
	q = ring(vm, d);
	d->guest_features |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	struct vring_desc *ind = (struct vring_desc *)(vm->ram + 0x4000);
	ind[0] = (struct vring_desc){ 0x4000, 16, VRING_DESC_F_INDIRECT, 0 };
	desc(q, 0, 0x4000, 16, VRING_DESC_F_INDIRECT, 0);
	avail(q, 0);
	EXPECT_EQ(-1, virtq_pop(vm, q, &c));
	/* Rings outside RAM cannot be mapped at all. */
	q = &d->q[1];
	q->num = 8;
	q->desc_gpa = RAM - 64;
	q->avail_gpa = 0x2000;
	q->used_gpa = 0x3000;
	EXPECT_FALSE(virtq_map(vm, q));
}

/* A virtio-blk device over a fresh file of zeroes (cfg lives on: the device keeps its path). */
static struct virtio_dev *blk_dev_sized(struct vm *vm, struct disk_config *cfg,
					enum disk_format fmt, off_t size)
{
	int fd;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->path, "/tmp/virtio_test.XXXXXX");
	fd = mkstemp(cfg->path);
	if (fd < 0 || ftruncate(fd, size) < 0)
		return NULL;
	close(fd);
	cfg->format = fmt;
	cfg->backend = BLK_AUTO;
	bus_init(vm);
	return virtio_blk_create(vm, cfg);
}

static struct virtio_dev *blk_dev(struct vm *vm, struct disk_config *cfg, enum disk_format fmt)
{
	return blk_dev_sized(vm, cfg, fmt, 1 << 20);
}

/* One request of 512 bytes at sector 0 through the device; its status byte. */
static int blk_rw0(struct vm *vm, struct virtio_dev *d, uint32_t type, const void *data)
{
	struct virtio_blk_outhdr hdr = { .type = type, .sector = 0 };
	struct virtq *q = ring(vm, d);

	memcpy(vm->ram + 0x8000, &hdr, sizeof(hdr));
	if (data)
		memcpy(vm->ram + 0x9000, data, 512);
	vm->ram[0xa000] = 0xee;
	desc(q, 0, 0x8000, sizeof(hdr), VRING_DESC_F_NEXT, 1);
	desc(q, 1, 0x9000, 512, VRING_DESC_F_NEXT | (data ? 0 : VRING_DESC_F_WRITE), 2);
	desc(q, 2, 0xa000, 1, VRING_DESC_F_WRITE, 0);
	avail(q, 0);
	d->ops->kick(d, q);
	d->ops->quiesce(d); /* waits for the I/O */
	return vm->ram[0xa000];
}

static int file_starts_with(const char *path, const void *want, size_t n)
{
	char buf[16];
	int fd = open(path, O_RDONLY), ok;

	ok = fd >= 0 && pread(fd, buf, n, 0) == (ssize_t)n && !memcmp(buf, want, n);
	close(fd);
	return ok;
}

/*
 * hardening item 16: a raw image whose format was probed must not become a
 * qcow2 image by a guest write to sector 0 (its header could name any host
 * file as backing file on the next start): the write fails with IOERR, as
 * QEMU's raw driver does. Other writes to sector 0 go through, and so does
 * the qcow2 magic once format=raw is given.
 */
TEST(probed_raw_refuses_a_qcow2_header_in_sector_0)
{
	static const uint8_t zero[4], other[4] = { 0xeb, 0x63, 0x90, 0x10 };
	static uint8_t qhdr[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 }, mbr[512];
	static struct disk_config cfg, cfg2;
	struct vm *vm = fake_vm();
	struct virtio_dev *d = blk_dev(vm, &cfg, DISK_PROBE);

	ASSERT_NE(NULL, d);
	EXPECT_STREQ("uring", d->backend); /* never vmon-blk: it writes without us */
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, blk_rw0(vm, d, VIRTIO_BLK_T_OUT, qhdr));
	EXPECT_TRUE(file_starts_with(cfg.path, zero, 4));
	memcpy(mbr, other, sizeof(other));
	EXPECT_EQ(VIRTIO_BLK_S_OK, blk_rw0(vm, d, VIRTIO_BLK_T_OUT, mbr));
	EXPECT_TRUE(file_starts_with(cfg.path, other, 4));
	unlink(cfg.path);

	d = blk_dev(vm, &cfg2, DISK_RAW);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(VIRTIO_BLK_S_OK, blk_rw0(vm, d, VIRTIO_BLK_T_OUT, qhdr));
	EXPECT_TRUE(file_starts_with(cfg2.path, qhdr, 4));
	unlink(cfg2.path);
}

/* What vmm_log() says while fn(arg) runs. */
static void capture_log(char *out, size_t len, struct virtio_dev *(*fn)(struct vm *, void *),
			struct vm *vm, void *arg, struct virtio_dev **d)
{
	char path[] = "/tmp/virtio_test.log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	dup2(fd, STDERR_FILENO);
	*d = fn(vm, arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

static struct virtio_dev *blk_create_cfg(struct vm *vm, void *cfg)
{
	return virtio_blk_create(vm, cfg);
}

/* 50 guest writes of a qcow2 header to sector 0 of the probed raw disk arg. */
static struct virtio_dev *refused_writes(struct vm *vm, void *arg)
{
	static uint8_t qhdr[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };

	for (int i = 0; i < 50; i++)
		blk_rw0(vm, arg, VIRTIO_BLK_T_OUT, qhdr);
	return arg;
}

/*
 * What a guest can make the VMM log is rate-limited: 50 refused requests
 * give at most VMM_WARN_BURST lines, not 50 (a guest must not fill the
 * host's disk through the VMM's stderr).
 */
TEST(guest_caused_warnings_are_rate_limited)
{
	static struct disk_config cfg;
	struct vm *vm = fake_vm();
	struct virtio_dev *d = blk_dev(vm, &cfg, DISK_PROBE), *same;
	char log[16384];
	int lines = 0;

	ASSERT_NE(NULL, d);
	capture_log(log, sizeof(log), refused_writes, vm, d, &same);
	for (char *p = log; (p = strstr(p, "refused a guest write")); p++)
		lines++;
	EXPECT_LE(1, lines) TH_LOG("%s", log);
	EXPECT_GE(VMM_WARN_BURST, lines) TH_LOG("%d lines", lines);
	unlink(cfg.path);
}

/*
 * hardening item 16: a qcow2 disk whose backing file's format is not
 * recorded (so it is probed) opens with a warning naming the backing file;
 * with the format recorded, no warning.
 */
TEST(probed_backing_file_is_named)
{
	static struct disk_config cfg;
	struct vimg_create_opts o = { .fmt = VIMG_QCOW2, .size = 1 << 20 };
	char base[] = "/tmp/virtio_test.base.XXXXXX", log[2048];
	struct vm *vm = fake_vm();
	struct virtio_dev *d;
	int fd = mkstemp(base);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	close(fd);
	strcpy(cfg.path, "/tmp/virtio_test.XXXXXX");
	close(mkstemp(cfg.path));
	o.backing_file = base;
	ASSERT_EQ(0, vimg_create(cfg.path, &o));
	bus_init(vm);
	capture_log(log, sizeof(log), blk_create_cfg, vm, &cfg, &d);
	ASSERT_NE(NULL, d);
	EXPECT_NE(NULL, strstr(log, base)) TH_LOG("log: %s", log);
	EXPECT_NE(NULL, strstr(log, "probed")) TH_LOG("log: %s", log);

	o.backing_fmt = "raw";
	ASSERT_EQ(0, vimg_create(cfg.path, &o));
	capture_log(log, sizeof(log), blk_create_cfg, vm, &cfg, &d);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(NULL, strstr(log, "probed")) TH_LOG("log: %s", log);
	unlink(cfg.path);
	unlink(base);
}

/* Config space access through the bus's path (what the guest's cf8/cfc reach). */
static uint64_t cfg_rd(struct virtio_dev *d, int off, int size)
{
	uint8_t b[4] = { 0 };

	pci_cfg_access(&VP(d)->pci, off, b, size, false);
	return ld_le(b, size);
}

static void cfg_wr(struct virtio_dev *d, int off, int size, uint64_t v)
{
	uint8_t b[4];

	st_le(b, size, v);
	pci_cfg_access(&VP(d)->pci, off, b, size, true);
}

/*
 * hardening item 13: the VIRTIO_PCI_CAP_PCI_CFG window reaches BAR 0: set
 * bar, offset and length in the capability, then pci_cfg_data reads and
 * writes the BAR there (virtio 1.x 4.1.4.9). Bad windows move nothing.
 */
TEST(pci_cfg_window_reaches_bar0)
{
	struct virtio_dev *d = make_dev(fake_vm());
	int cap = VPCI_CAP_PCICFG;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(VIRTIO_PCI_CAP_PCI_CFG, cfg_rd(d, cap + 3, 1));
	cfg_wr(d, cap + 4, 1, 0);		   /* BAR 0 */
	cfg_wr(d, cap + 8, 4, VPCI_COMMON + 0x12); /* num_queues */
	cfg_wr(d, cap + 12, 4, 2);
	EXPECT_EQ(2, cfg_rd(d, cap + 16, 4) & 0xffff);
	/* a write through it: queue_select */
	cfg_wr(d, cap + 8, 4, VPCI_COMMON + 0x16);
	cfg_wr(d, cap + 16, 4, 1);
	EXPECT_EQ(1, rd(d, 0x16, 2));
	/* a length of 3 or a window past the BAR moves nothing */
	cfg_wr(d, cap + 12, 4, 3);
	cfg_wr(d, cap + 16, 4, 0);
	EXPECT_EQ(1, rd(d, 0x16, 2));
	EXPECT_EQ(0, cfg_rd(d, cap + 16, 4));
	cfg_wr(d, cap + 8, 4, VPCI_BAR_SIZE);
	cfg_wr(d, cap + 12, 4, 4);
	EXPECT_EQ(0, cfg_rd(d, cap + 16, 4));
}

/* hardening item 13: queue_msix_vector of an enabled queue does not change (virtio 1.x 4.1.4.3). */
TEST(msix_vector_of_a_live_queue_is_fixed)
{
	struct virtio_dev *d = make_dev(fake_vm());

	ASSERT_NE(NULL, d);
	wr(d, 0x16, 2, 0);
	wr(d, 0x1a, 2, 1);
	EXPECT_EQ(1, rd(d, 0x1a, 2));
	queue_setup(d, 16);
	ASSERT_EQ(1, rd(d, 0x1c, 2));
	wr(d, 0x1a, 2, 0);
	EXPECT_EQ(1, rd(d, 0x1a, 2));
	EXPECT_EQ(1, d->q[0].vector);
}

/* Queue @idx of @d: 8 entries at desc 0x1000, avail 0x2000, used 0x3000 (RAM cleared). */
static struct virtq *ring_n(struct vm *vm, struct virtio_dev *d, int idx)
{
	struct virtq *q = &d->q[idx];

	memset(vm->ram, 0, RAM);
	q->num = 8;
	q->desc_gpa = 0x1000;
	q->avail_gpa = 0x2000;
	q->used_gpa = 0x3000;
	q->last_avail = q->used_idx = 0;
	q->enabled = virtq_map(vm, q);
	return q;
}

/*
 * hardening item 13: a second statistics buffer while one is held returns
 * the held one to the used ring instead of leaking it.
 */
TEST(balloon_stats_chain_is_not_leaked)
{
	struct virtio_balloon_stat st = { VIRTIO_BALLOON_S_MEMFREE, 12345 };
	struct vm *vm = fake_vm();
	struct virtio_dev *d;
	struct virtq *q;

	bus_init(vm);
	d = virtio_balloon_create(vm);
	ASSERT_NE(NULL, d);
	d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	q = ring_n(vm, d, 2);
	ASSERT_TRUE(q->enabled);
	memcpy(vm->ram + 0x8000, &st, sizeof(st));
	desc(q, 0, 0x8000, sizeof(st), 0, 0);
	desc(q, 1, 0x8000, sizeof(st), 0, 0);
	avail(q, 0);
	d->ops->kick(d, q);
	EXPECT_EQ(0, q->used->idx); /* held for the next status request */
	avail(q, 1);
	d->ops->kick(d, q);
	ASSERT_EQ(1, q->used->idx);
	EXPECT_EQ(0, q->used->ring[0].id);
}

/* A guest RAM of @size bytes that costs nothing until touched. */
static struct vm *big_vm(uint64_t size)
{
	struct vm *vm = fake_vm();

	vm->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	vm->ram_size = vm->low_size = size;
	return vm;
}

/*
 * hardening item 13: overlapping descriptors can build a request over
 * 4 GiB; its length must not be cut to 32 bits (4.5 GiB taken for 512 MiB,
 * a 2 GiB short write reported OK). It is refused with IOERR before any
 * I/O. (RLIMIT_FSIZE keeps what a wrongly started write puts on disk to
 * 4 KiB, which the test then sees.)
 */
TEST(blk_request_over_4g_is_refused)
{
	struct virtio_blk_outhdr hdr = { .type = VIRTIO_BLK_T_OUT };
	struct rlimit fs = { 4096, 4096 };
	struct vm *vm = big_vm(2ULL << 30);
	static struct disk_config cfg;
	char first[4] = { 0 };
	struct virtio_dev *d;
	struct virtq *q;
	int fd;

	ASSERT_NE(MAP_FAILED, vm->ram);
	d = blk_dev_sized(vm, &cfg, DISK_RAW, 8LL << 30);
	ASSERT_NE(NULL, d);
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &fs));
	q = ring(vm, d);
	memcpy(vm->ram + 0x8000, &hdr, sizeof(hdr));
	memset(vm->ram + 0x100000, 0xab, 4096);
	vm->ram[0xa000] = 0xee;
	desc(q, 0, 0x8000, sizeof(hdr), VRING_DESC_F_NEXT, 1);
	desc(q, 1, 0x100000, 0x60000000, VRING_DESC_F_NEXT, 2); /* 3 x 1.5 GiB, overlapping */
	desc(q, 2, 0x100000, 0x60000000, VRING_DESC_F_NEXT, 3);
	desc(q, 3, 0x100000, 0x60000000, VRING_DESC_F_NEXT, 4);
	desc(q, 4, 0xa000, 1, VRING_DESC_F_WRITE, 0);
	avail(q, 0);
	d->ops->kick(d, q);
	d->ops->quiesce(d);
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, vm->ram[0xa000]);
	fd = open(cfg.path, O_RDONLY);
	EXPECT_EQ(4, pread(fd, first, 4, 0));
	EXPECT_EQ(0, first[0]); /* nothing was written */
	close(fd);
	unlink(cfg.path);
}

/* A virtio-net device whose "tap" is one end of a datagram socket pair, queue 0 mapped. */
static struct virtio_dev *net_dev(struct vm *vm, int sv[2])
{
	static const struct net_config cfg = { .backend = NET_USER };
	struct virtio_dev *d;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	bus_init(vm);
	d = virtio_net_create_on(vm, &cfg, sv[0]);
	if (d)
		d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	return d;
}

/*
 * A packet waits on the tap, the driver kicks the receive queue, and the
 * main loop runs a few rounds: the device must end broken, with one config
 * interrupt, and nothing left ready in the loop (the tap no longer polled).
 */
static void rx_breaks_once(struct __test_metadata *_metadata, struct vm *vm, struct virtio_dev *d,
			   int peer)
{
	uint8_t gen = d->config_gen;

	ASSERT_EQ(6, write(peer, "packet", 6));
	d->ops->kick(d, &d->q[0]);
	for (int i = 0; i < 5; i++)
		ev_run_once(vm, 0);
	EXPECT_TRUE(d->broken);
	EXPECT_EQ((uint8_t)(gen + 1), d->config_gen);
	EXPECT_EQ(0, ev_run_once(vm, 0));
}

/*
 * hardening item 12: a receive chain with no writable buffer breaks the
 * device once; the tap leaves the main loop instead of spinning it with a
 * config interrupt per pass.
 */
TEST(rx_chain_without_writable_buffer_stops_the_tap)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d;
	struct virtq *q;
	int sv[2];

	d = net_dev(vm, sv);
	ASSERT_NE(NULL, d);
	q = ring_n(vm, d, 0);
	desc(q, 0, 0x8000, 64, 0, 0); /* readable only */
	avail(q, 0);
	rx_breaks_once(_metadata, vm, d, sv[1]);
}

/* hardening item 12: the same for an avail index run more than a ring ahead. */
TEST(rx_runaway_avail_index_stops_the_tap)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d;
	struct virtq *q;
	int sv[2];

	d = net_dev(vm, sv);
	ASSERT_NE(NULL, d);
	q = ring_n(vm, d, 0);
	q->avail->idx = 100;
	rx_breaks_once(_metadata, vm, d, sv[1]);
}

/* One 512-byte read of sector 0 at descriptors head..head+2 (buffers at @at). */
static void blk_read_chain(struct virtq *q, struct vm *vm, int head, uint64_t at)
{
	struct virtio_blk_outhdr hdr = { .type = VIRTIO_BLK_T_IN };

	memcpy(vm->ram + at, &hdr, sizeof(hdr));
	desc(q, head, at, sizeof(hdr), VRING_DESC_F_NEXT, head + 1);
	desc(q, head + 1, at + 0x1000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, head + 2);
	desc(q, head + 2, at + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	avail(q, head);
}

/*
 * hardening item 12: the completion path of virtio-blk takes no new request
 * from a device that broke meanwhile (it used to pop the next chain after
 * each completion).
 */
TEST(blk_completion_takes_nothing_from_a_broken_device)
{
	static struct disk_config cfg;
	struct vm *vm = fake_vm();
	struct virtio_dev *d = blk_dev(vm, &cfg, DISK_RAW);
	struct virtq *q;

	ASSERT_NE(NULL, d);
	d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	q = ring(vm, d);
	blk_read_chain(q, vm, 0, 0x8000);
	d->ops->kick(d, q);
	virtio_set_broken(d, "test");
	blk_read_chain(q, vm, 3, 0x10000);
	for (int i = 0; i < 100 && q->used->idx < 1; i++)
		ev_run_once(vm, 100); /* the completion of the first */
	d->ops->quiesce(d);
	EXPECT_EQ(1, q->used->idx);
	unlink(cfg.path);
}

/* hardening item 12: a status request hands no stats buffer back to a broken balloon. */
TEST(balloon_stats_not_pushed_to_a_broken_device)
{
	struct virtio_balloon_stat st = { VIRTIO_BALLOON_S_MEMFREE, 1 };
	uint64_t t, a, f, r;
	struct vm *vm = fake_vm();
	struct virtio_dev *d;
	struct virtq *q;

	bus_init(vm);
	d = virtio_balloon_create(vm);
	ASSERT_NE(NULL, d);
	d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	q = ring_n(vm, d, 2);
	memcpy(vm->ram + 0x8000, &st, sizeof(st));
	desc(q, 0, 0x8000, sizeof(st), 0, 0);
	avail(q, 0);
	d->ops->kick(d, q);
	virtio_set_broken(d, "test");
	balloon_status(&t, &a, &f, &r);
	EXPECT_EQ(0, q->used->idx);
}

TEST(iov_helpers)
{
	char a[8] = "abcdefg", b[8] = "hijklmn", out[16] = { 0 };
	struct iovec v[2] = { { a, 7 }, { b, 7 } }, s[4];

	EXPECT_EQ(6, iov_to_buf(v, 2, 4, out, 6));
	EXPECT_STREQ("efghij", out);
	EXPECT_EQ(2, iov_slice(v, 2, 5, 4, s, 4));
	EXPECT_EQ(a + 5, s[0].iov_base);
	EXPECT_EQ(2, s[0].iov_len);
	EXPECT_EQ(2, s[1].iov_len);
	EXPECT_EQ(-1, iov_slice(v, 2, 5, 40, s, 4));
	EXPECT_EQ(-1, iov_slice(v, 2, 0, 14, s, 1));
}

TEST_HARNESS_MAIN
