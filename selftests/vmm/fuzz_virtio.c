// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: vmon-vmm's virtio device model driven by a hostile
 * driver. The first input byte picks the device (virtio-blk on io_uring
 * over a memfd, virtio-net on a datagram socket pair, virtio-balloon,
 * virtio-rng, virtio-console's agent port on a stream socket pair); the rest is a program of guest
 * actions: writes to guest RAM, descriptors (direct or indirect tables anywhere), avail ring
 * entries and runaway avail indexes, MMIO to BAR 0 (common and device configuration, notify, ISR,
 * MSI-X table and PBA) through the PCI hole's dispatch, PCI configuration space through ports
 * 0xcf8/0xcfc (the pci_cfg window, MSI-X control, BAR moves), kicks by MMIO and by ioeventfd, main
 * loop rounds, packets from the tap, balloon status requests, bytes from the console's host side,
 * quiesce and resume.
 *
 * Guest RAM is 64 KiB below 4 GiB and 64 KiB from 4 GiB up, one heap
 * allocation, so ASan sees any access outside it. virtq_pop, virtq_unpop
 * and virtq_push are wrapped at link time (-Wl,--wrap) to check that the
 * device returns only chains it took and still holds (the used index never
 * runs ahead of what was made available) and never claims to have written
 * more than the chain's writable bytes.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined (selftests/vmm/fuzz.sh).
 */
#include <linux/virtio_pci.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../supervisor/vmm/agent.h"
#include "../../supervisor/vmm/snapshot.h"
#include "../../supervisor/vmm/vdev.h"
#include "../../supervisor/vmm/virtio_pci.h"

/* The PCI side of a device (the transport these tests drive). */
#define VP(d) virtio_pci_of(d)

#define RAM_SIZE (128u << 10)
#define LOW_SIZE (RAM_SIZE / 2)
#define HIGH_SIZE (RAM_SIZE - LOW_SIZE)
#define BLK_SIZE (64u << 10)

enum { DEV_BLK, DEV_NET, DEV_BALLOON, DEV_RNG, DEV_CONSOLE, NDEV };

static struct vm *vm;
static struct virtio_dev *devs[NDEV];
static uint8_t saved[NDEV][2048];
static size_t saved_len[NDEV];
static int blk_fd, net_sv[2], con_sv[2], hvc_sv[2];
static struct disk_config disk;

/* What the device took and has not given back yet, per queue. */
struct track {
	uint16_t out[VIRTQ_MAX_SIZE];
	uint64_t in_len[VIRTQ_MAX_SIZE];
	uint16_t last;
};
static struct track track[NDEV][VIRTIO_MAX_QUEUES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __real_virtq_pop(struct vm *vm, struct virtq *q, struct vchain *c);
void __real_virtq_unpop(struct virtq *q);
void __real_virtq_push(struct virtq *q, uint16_t head, uint32_t len);
int __wrap_virtq_pop(struct vm *vm, struct virtq *q, struct vchain *c);
void __wrap_virtq_unpop(struct virtq *q);
void __wrap_virtq_push(struct virtq *q, uint16_t head, uint32_t len);

static struct track *track_of(struct virtq *q)
{
	for (int i = 0; i < NDEV; i++)
		if (devs[i] && q->dev == devs[i] && q->index >= 0 && q->index < VIRTIO_MAX_QUEUES)
			return &track[i][q->index];
	fprintf(stderr, "fuzz_virtio: a queue of no known device\n");
	abort();
}

int __wrap_virtq_pop(struct vm *m, struct virtq *q, struct vchain *c)
{
	int r = __real_virtq_pop(m, q, c);
	struct track *t = track_of(q);

	if (r > 0) {
		if (c->head >= q->num || c->head >= VIRTQ_MAX_SIZE) {
			fprintf(stderr, "fuzz_virtio: popped head %u of a ring of %u\n", c->head,
				q->num);
			abort();
		}
		t->out[c->head]++;
		if (c->in_len > t->in_len[c->head])
			t->in_len[c->head] = c->in_len;
		t->last = c->head;
	}
	return r;
}

void __wrap_virtq_unpop(struct virtq *q)
{
	struct track *t = track_of(q);

	if (!t->out[t->last]) {
		fprintf(stderr, "fuzz_virtio: unpop without a pop\n");
		abort();
	}
	t->out[t->last]--;
	__real_virtq_unpop(q);
}

void __wrap_virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct track *t = track_of(q);

	if (q->used) {
		if (head >= VIRTQ_MAX_SIZE || !t->out[head]) {
			fprintf(stderr,
				"fuzz_virtio: %s queue %d: used entry for head %u, "
				"which the device does not hold\n",
				q->dev->name, q->index, head);
			abort();
		}
		if (len > t->in_len[head]) {
			fprintf(stderr,
				"fuzz_virtio: %s queue %d: used length %u > %llu writable\n",
				q->dev->name, q->index, len, (unsigned long long)t->in_len[head]);
			abort();
		}
		t->out[head]--;
	}
	__real_virtq_push(q, head, len);
}

/* The input, read front to back; zeros once it runs out. */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t get(struct in *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* A guest physical address: low RAM, high RAM, raw, or near an edge. */
static uint64_t get_gpa(struct in *in)
{
	uint8_t m = (uint8_t)get(in, 1);
	uint64_t v;

	switch (m & 3) {
	case 0:
		return get(in, 2) % LOW_SIZE;
	case 1:
		return GPA_HIGH + get(in, 2) % HIGH_SIZE;
	case 2:
		return get(in, 8);
	default:
		v = get(in, 1);
		return ((m & 4) ? GPA_HIGH + HIGH_SIZE : LOW_SIZE) - v;
	}
}

static uint32_t get_len(struct in *in)
{
	static const uint32_t common[] = { 0,	1,	  12,		16,
					   512, 4096,	  0x7fffffff,	0x80000000,
					   ~0u, LOW_SIZE, LOW_SIZE + 1, 17 };
	uint8_t m = (uint8_t)get(in, 1);

	switch (m & 3) {
	case 0:
		return (uint32_t)get(in, 1);
	case 1:
		return (uint32_t)get(in, 2);
	case 2:
		return (uint32_t)get(in, 4);
	default:
		return common[(m >> 2) % (sizeof(common) / sizeof(common[0]))];
	}
}

static int get_size(struct in *in)
{
	return 1 << (get(in, 1) & 3);
}

/* An offset in BAR 0, mostly inside one of its regions. */
static uint32_t get_bar_off(struct in *in, struct virtio_dev *d)
{
	uint8_t r = (uint8_t)get(in, 1), o = (uint8_t)get(in, 1);

	switch (r & 7) {
	case 0:
		return VPCI_COMMON + o % 0x40;
	case 1:
		return VPCI_ISR + o % 4;
	case 2:
		return VPCI_DEVICE + o % 0x40;
	case 3:
		return VPCI_NOTIFY + o % (VPCI_NOTIFY_MULT * (d->nq + 1));
	case 4:
		return VPCI_MSIX_TABLE + o % (16 * (VP(d)->nvec + 1));
	case 5:
		return VPCI_MSIX_PBA + o % 16;
	case 6:
		return (uint32_t)(o | get(in, 1) << 8) % VPCI_BAR_SIZE;
	default:
		return VPCI_COMMON + (o % 0x38 & ~7u);
	}
}

static void mmio(struct virtio_dev *d, uint32_t off, int size, uint64_t *v, bool write)
{
	uint8_t b[8] = { 0 };

	if (write)
		st_le(b, size, *v);
	io_dispatch_mmio(vm, VP(d)->pci.bar[0].addr + off, b, size, write);
	if (!write)
		*v = ld_le(b, size);
}

static void common_wr(struct virtio_dev *d, uint32_t off, int size, uint64_t v)
{
	mmio(d, VPCI_COMMON + off, size, &v, true);
}

/* Configuration space through the ports a guest uses. */
static void cfg_access(struct virtio_dev *d, uint8_t off, int size, uint32_t *v, bool write)
{
	uint8_t a[4], b[4] = { 0 };

	if (size > 4)
		size = 4;
	st_le(a, 4, 0x80000000u | (uint32_t)VP(d)->pci.slot << 11 | (off & 0xfcu));
	io_dispatch_pio(vm, 0xcf8, a, 4, true);
	if (write)
		st_le(b, size, *v);
	io_dispatch_pio(vm, (uint16_t)(0xcfc + (off & 3)), b, size, write);
	if (!write)
		*v = (uint32_t)ld_le(b, size);
}

static void drain(int fd)
{
	static uint8_t sink[1 << 16];

	if (fd >= 0)
		while (read(fd, sink, sizeof(sink)) > 0)
			;
}

static void create(void)
{
	static const struct net_config ncfg = { .backend = NET_USER,
						.mac = { 0x52, 0x54, 0, 1, 2, 3 } };
	uint32_t mem = PCI_CMD_MEM;

	vm = calloc(1, sizeof(*vm));
	vm->ram = aligned_alloc(4096, RAM_SIZE);
	vm->ram_size = RAM_SIZE;
	vm->low_size = LOW_SIZE;
	vm->vm_fd = -1;
	vm->epfd = epoll_create1(0);
	pthread_mutex_init(&vm->lock, NULL);
	if (!vm->ram || vm->epfd < 0 || pci_init(vm) < 0)
		abort();

	blk_fd = memfd_create("fuzz-virtio-blk", 0);
	if (blk_fd < 0 || ftruncate(blk_fd, BLK_SIZE) < 0)
		abort();
	snprintf(disk.path, sizeof(disk.path), "/proc/self/fd/%d", blk_fd);
	disk.format = DISK_PROBE; /* probed raw: the sector 0 check is on */
	disk.backend = BLK_URING;
	devs[DEV_BLK] = virtio_blk_create(vm, &disk);

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, net_sv) < 0)
		abort();
	devs[DEV_NET] = virtio_net_create_on(vm, &ncfg, net_sv[0]);
	devs[DEV_BALLOON] = virtio_balloon_create(vm);
	devs[DEV_RNG] = virtio_rng_create(vm);
	/* virtio-console's console and agent ports, their host sides stream socket pairs */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, con_sv) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, hvc_sv) < 0)
		abort();
	devs[DEV_CONSOLE] = virtio_console_create(vm, true, true);
	console_port_attach(con_sv[0], NULL, NULL);
	console_hvc_attach(hvc_sv[0], hvc_sv[0], false);
	for (int i = 0; i < NDEV; i++) {
		if (!devs[i])
			abort();
		/* memory decoding on, as firmware leaves it: the state each input starts from */
		cfg_access(devs[i], PCI_COMMAND, 2, &mem, true);
		saved_len[i] = virtio_save(devs[i], saved[i], sizeof(saved[i]));
		if (!saved_len[i])
			abort();
	}
}

/*
 * Every device back to its state after create() (an input may have moved a
 * BAR onto another device's): reset straight through BAR 0's handler (the
 * guest may have turned decoding off), drained; RAM and disk zeroed.
 */
static void restart(void)
{
	for (int k = 0; k < NDEV; k++) {
		struct virtio_dev *d = devs[k];
		uint8_t zero = 0;

		VP(d)->pci.bar[0].fn(VP(d), VPCI_COMMON + 0x14, &zero, 1, true);
		if (virtio_load(d, saved[k], saved_len[k]) < 0)
			abort();
		for (int v = 0; v < VP(d)->nvec; v++)
			drain(VP(d)->vec_fd[v]);
		for (int i = 0; i < d->nq; i++)
			drain(d->q[i].kick_fd);
	}
	drain(net_sv[0]);
	drain(net_sv[1]);
	drain(con_sv[0]);
	drain(con_sv[1]);
	drain(hvc_sv[0]);
	drain(hvc_sv[1]);
	memset(vm->ram, 0, RAM_SIZE);
	if (ftruncate(blk_fd, 0) < 0 || ftruncate(blk_fd, BLK_SIZE) < 0)
		abort();
	memset(track, 0, sizeof(track));
}

/* The usual driver start: features (what the input says, or all offered), status. */
static void driver_init(struct in *in, struct virtio_dev *d)
{
	uint8_t how = (uint8_t)get(in, 1);
	uint64_t f = (how & 1) ? get(in, 8) : d->host_features;

	if (how & 2)
		f &= d->host_features;
	common_wr(d, 0x14, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	common_wr(d, 0x08, 4, 0);
	common_wr(d, 0x0c, 4, (uint32_t)f);
	common_wr(d, 0x08, 4, 1);
	common_wr(d, 0x0c, 4, f >> 32);
	common_wr(d, 0x14, 1, 0x0b);
	if (!(how & 4))
		common_wr(d, 0x14, 1, 0x0f);
}

/* Select a queue and set it up: size, rings, vector, enable. */
static void queue_setup(struct in *in, struct virtio_dev *d)
{
	uint8_t sel = (uint8_t)get(in, 1), sz = (uint8_t)get(in, 1);

	common_wr(d, 0x16, 2, (sel & 0x80) ? sel : sel % d->nq);
	common_wr(d, 0x18, 2, (sz & 0x80) ? get(in, 2) : 1u << (sz % 10));
	common_wr(d, 0x20, 8, get_gpa(in));
	common_wr(d, 0x28, 8, get_gpa(in));
	common_wr(d, 0x30, 8, get_gpa(in));
	common_wr(d, 0x1a, 2, get(in, 1) % (VP(d)->nvec + 1));
	common_wr(d, 0x1c, 2, 1);
}

/* A queue by an input byte (a bad one now and then). */
static struct virtq *get_q(struct in *in, struct virtio_dev *d)
{
	return &d->q[get(in, 1) % d->nq];
}

/* One descriptor, in a queue's table or anywhere (an indirect table). */
static void put_desc(struct in *in, struct virtio_dev *d)
{
	uint8_t where = (uint8_t)get(in, 1);
	struct virtq *q = &d->q[where % d->nq];
	uint64_t at =
		(where & 0x80) ? get_gpa(in) : q->desc_gpa + 16 * (get(in, 1) % (q->num ?: 1));
	struct vring_desc e;
	void *p;

	e.addr = get_gpa(in);
	e.len = get_len(in);
	e.flags = (uint16_t)get(in, 1);
	e.next = (uint16_t)get(in, 1);
	if (e.flags & 0x80) /* a next beyond 255 */
		e.next = (uint16_t)(e.next << 8);
	e.flags &= VRING_DESC_F_NEXT | VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT;
	p = gpa_to_hva(vm, at, sizeof(e));
	if (p)
		memcpy(p, &e, sizeof(e));
}

static void avail_add(struct in *in, struct virtio_dev *d)
{
	struct virtq *q = get_q(in, d);
	uint16_t head = (uint16_t)get(in, 1), n = q->num ? q->num : 1, idx;
	uint8_t *a = gpa_to_hva(vm, q->avail_gpa, 4 + 2ull * n);

	if (!a)
		return;
	if (head & 0x80)
		head = (uint16_t)(head << 1);
	memcpy(&idx, a + 2, 2);
	memcpy(a + 4 + 2 * (idx % n), &head, 2);
	idx++;
	memcpy(a + 2, &idx, 2);
}

static void avail_bump(struct in *in, struct virtio_dev *d)
{
	struct virtq *q = get_q(in, d);
	uint8_t *a = gpa_to_hva(vm, q->avail_gpa, 4);
	uint16_t idx, by = (uint16_t)get(in, 2);

	if (!a)
		return;
	memcpy(&idx, a + 2, 2);
	idx = (uint16_t)(idx + by);
	memcpy(a + 2, &idx, 2);
	a[0] = (uint8_t)(by >> 15); /* NO_INTERRUPT now and then */
}

static void kick(struct in *in, struct virtio_dev *d)
{
	uint8_t how = (uint8_t)get(in, 1);
	int i = how % d->nq;
	uint64_t v = (uint64_t)i;

	if (how & 0x80) { /* the ioeventfd, then the main loop */
		uint64_t one = 1;

		if (write(d->q[i].kick_fd, &one, sizeof(one)) < 0)
			abort();
		ev_run_once(vm, 0);
	} else {
		mmio(d, VPCI_NOTIFY + (uint32_t)VPCI_NOTIFY_MULT * (uint32_t)i,
		     (how & 0x40) ? 4 : 2, &v, true);
	}
}

static void net_packet(struct in *in)
{
	static uint8_t pkt[1 << 16];
	size_t len = (size_t)get(in, 2) % sizeof(pkt);

	if (len <= in->n) {
		memcpy(pkt, in->p, len);
		in->p += len;
		in->n -= len;
	}
	if (write(net_sv[1], pkt, len) < 0) {
		/* the "tap" is full: so be it */
	}
}

static void run(struct in *in, struct virtio_dev *d, int which)
{
	while (in->n) {
		uint8_t op = (uint8_t)get(in, 1);
		uint64_t v;
		uint32_t c, off;
		int size;

		switch (op % 16) {
		case 0: { /* bytes into guest RAM */
			uint32_t at = (uint32_t)get(in, 3) % RAM_SIZE;
			size_t len = (size_t)get(in, 1);

			if (len > in->n)
				len = in->n;
			if (len > RAM_SIZE - at)
				len = RAM_SIZE - at;
			memcpy(vm->ram + at, in->p, len);
			in->p += len;
			in->n -= len;
			break;
		}
		case 1:
			off = get_bar_off(in, d);
			size = get_size(in);
			v = get(in, size);
			mmio(d, off, size, &v, true);
			break;
		case 2:
			off = get_bar_off(in, d);
			mmio(d, off, get_size(in), &v, false);
			break;
		case 3:
			off = (uint32_t)get(in, 1);
			size = get_size(in);
			c = (uint32_t)get(in, 4);
			cfg_access(d, (uint8_t)off, size, &c, true);
			break;
		case 4:
			off = (uint32_t)get(in, 1);
			cfg_access(d, (uint8_t)off, get_size(in), &c, false);
			break;
		case 5:
			queue_setup(in, d);
			break;
		case 6:
			driver_init(in, d);
			break;
		case 7:
		case 8:
			put_desc(in, d);
			break;
		case 9:
		case 10:
			avail_add(in, d);
			break;
		case 11:
			avail_bump(in, d);
			break;
		case 12:
			kick(in, d);
			break;
		case 13:
			ev_run_once(vm, 0);
			break;
		case 14:
			if (which == DEV_NET) {
				net_packet(in);
			} else if (which == DEV_BALLOON) {
				uint64_t t, a, f, r;

				balloon_status(&t, &a, &f, &r);
			} else if (which == DEV_CONSOLE) {
				/* a host side sends: the guest's port has data */
				uint8_t b[64], at = get(in, 1);
				size_t n = at % sizeof(b);
				int fd = at & 0x80 ? hvc_sv[1] : con_sv[1];

				memset(b, 0xa5, n);
				if (write(fd, b, n) < 0)
					drain(fd);
			}
			break;
		default:
			virtio_quiesce(d);
			virtio_unquiesce(d);
			break;
		}
		for (int k = 0; k < NDEV; k++)
			if (!devs[k]->status) /* reset: the device holds nothing */
				memset(track[k], 0, sizeof(track[k]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct virtio_dev *d;
	int which;

	if (!vm)
		create();
	if (!size)
		return 0;
	which = (int)(get(&in, 1) % NDEV);
	d = devs[which];
	restart();
	run(&in, d, which);
	/* what is in flight completes; then the loop delivers what is left */
	for (int k = 0; k < NDEV; k++)
		virtio_quiesce(devs[k]);
	ev_run_once(vm, 0);
	return 0;
}
