// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz: random sequences of operations on the module's userspace
 * surface (hardening item 21), run inside the test VM:
 *
 *   - ioctls on /dev/vmon, /dev/vmon-net and /dev/vmon-blk, valid and
 *     invalid, in any order: owner, features, memory tables, ring sizes,
 *     addresses and bases, eventfds, back ends (a tap, a file, wrong fds),
 *     block config, throttling, stats, workers, VM attach, registration;
 *     bad pointers (NULL, unmapped, kernel addresses) and unknown numbers;
 *   - a hostile driver: the rings live in an arena that is also the memory
 *     table, and random bytes are written over it while the rings run and
 *     are kicked, so the devices read random descriptors with requests in
 *     flight; frames are written into the tap for the RX path;
 *   - fds closed mid-I/O, fds duplicated, children that inherit every fd
 *     and exit in the middle, and module unload attempts.
 *
 * A fixed seed gives a short reproducible run for make check; --seconds
 * and --seed make a long run. The process itself checks only that the
 * module still answers at the end; what it is for is the kernel log check
 * that follows every VM run (KASAN, lockdep, WARN, BUG, leaks).
 *
 * usage: ioctl_fuzz [--seed N] [--ops N] [--seconds S]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vhost.h>
#include <linux/vmon.h>

#define SLOTS 8
#define EVFDS 6
#define ARENA (1u << 20)
#define NOPS 16

enum kind { K_CTL, K_NET, K_BLK };
static const char *const paths[] = { "/dev/vmon", "/dev/vmon-net", "/dev/vmon-blk" };

static struct {
	int fd[SLOTS];
	enum kind kind[SLOTS];
	int ev[EVFDS];
	int tap, file, kvm, vm;
	uint8_t *arena;
	uint32_t vm_ids[4];
	uint64_t seed;
	unsigned long ioctls, ok, lost_writes;
} f;

/* xorshift64*: the whole run follows from the seed. */
static uint64_t rnd(void)
{
	f.seed ^= f.seed >> 12;
	f.seed ^= f.seed << 25;
	f.seed ^= f.seed >> 27;
	return f.seed * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A u64 that is often sensible and sometimes anything. */
static uint64_t val(uint64_t sensible_max)
{
	switch (below(8)) {
	case 0:
		return rnd();
	case 1:
		return 0;
	case 2:
		return ~0ULL;
	default:
		return below(sensible_max + 1);
	}
}

/* An address inside the arena, page aligned or not, or a bad one. */
static uint64_t addr(void)
{
	static const uint64_t bad[] = { 0, 1, 0xffff888000000000ULL, 0x7ffffffff000ULL, ~0ULL };

	if (below(6) == 0)
		return bad[below(sizeof(bad) / sizeof(bad[0]))];
	return (uint64_t)(uintptr_t)f.arena + (below(ARENA) & ~(below(2) ? 0xfffULL : 0xfULL));
}

/* An fd for an fd argument: an eventfd, the tap, the file, -1 or junk. */
static int some_fd(void)
{
	switch (below(8)) {
	case 0:
		return -1;
	case 1:
		return f.tap;
	case 2:
		return f.file;
	case 3:
		return (int)below(64);
	case 4:
		return f.fd[below(SLOTS)];
	default:
		return f.ev[below(EVFDS)];
	}
}

/* The argument pointer: usually the buffer, sometimes a bad one. */
static void *argp(void *buf)
{
	switch (below(16)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000ULL;
	case 2:
		return (void *)8;
	default:
		return buf;
	}
}

static void do_ioctl(int fd, unsigned long cmd, void *arg)
{
	f.ioctls++;
	if (!ioctl(fd, cmd, argp(arg)))
		f.ok++;
}

static void fill_memtable(struct vhost_memory *m)
{
	unsigned int i, n = below(4);

	m->nregions = below(8) ? n : (uint32_t)rnd();
	m->padding = below(8) ? 0 : (uint32_t)rnd();
	for (i = 0; i < n; i++) {
		uint64_t off = below(ARENA / 2) & ~0xfffULL;

		m->regions[i].userspace_addr = below(4) ? (uintptr_t)f.arena + off : addr();
		m->regions[i].guest_phys_addr =
			below(4) ? m->regions[i].userspace_addr : val(ARENA);
		m->regions[i].memory_size = below(4) ? ARENA - off : val(ARENA);
		m->regions[i].flags_padding = 0;
	}
}

static void ring_ioctl(int fd, enum kind k)
{
	union {
		uint64_t u64;
		uint32_t u32;
		struct vhost_vring_state st;
		struct vhost_vring_addr a;
		struct vhost_vring_file vf;
		struct vmon_blk_backend bb;
		struct vmon_blk_config cfg;
		struct vmon_blk_throttle t;
		struct vmon_blk_stats s;
		struct vmon_blk_op_stats os;
		struct vmon_blk_limits l;
		struct vhost_worker_state ws;
		struct vhost_vring_worker vw;
		struct {
			struct vhost_memory m;
			struct vhost_memory_region r[4];
		} mem;
		uint8_t raw[256];
	} u;
	unsigned int idx = below(6) ? below(2) : (unsigned int)rnd();

	memset(&u, 0, sizeof(u));
	switch (below(22)) {
	case 0:
		do_ioctl(fd, VHOST_SET_OWNER, NULL);
		break;
	case 1:
		do_ioctl(fd, VHOST_RESET_OWNER, NULL);
		break;
	case 2:
		do_ioctl(fd, VHOST_GET_FEATURES, &u.u64);
		break;
	case 3:
		u.u64 = below(2) ? (1ULL << 32 | 1ULL << 29 | 1ULL << 28) & rnd() : rnd();
		do_ioctl(fd, VHOST_SET_FEATURES, &u.u64);
		break;
	case 4:
		fill_memtable(&u.mem.m);
		do_ioctl(fd, VHOST_SET_MEM_TABLE, &u.mem);
		break;
	case 5:
		u.st.index = idx;
		u.st.num = below(4) ? 1u << below(11) : (uint32_t)rnd();
		do_ioctl(fd, VHOST_SET_VRING_NUM, &u.st);
		break;
	case 6:
		u.a.index = idx;
		u.a.flags = below(4) ? 0 : (uint32_t)rnd();
		u.a.desc_user_addr = addr();
		u.a.avail_user_addr = addr();
		u.a.used_user_addr = addr();
		u.a.log_guest_addr = val(ARENA);
		do_ioctl(fd, VHOST_SET_VRING_ADDR, &u.a);
		break;
	case 7:
		u.st.index = idx;
		u.st.num = (uint32_t)val(0xffff);
		do_ioctl(fd, VHOST_SET_VRING_BASE, &u.st);
		break;
	case 8:
		u.st.index = idx;
		do_ioctl(fd, VHOST_GET_VRING_BASE, &u.st);
		break;
	case 9:
	case 10:
	case 11: {
		static const unsigned long c[] = { VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL,
						   VHOST_SET_VRING_ERR };

		u.vf.index = idx;
		u.vf.fd = some_fd();
		do_ioctl(fd, c[below(3)], &u.vf);
		break;
	}
	case 12:
		u.vf.index = idx;
		u.vf.fd = some_fd();
		do_ioctl(fd, k == K_NET ? VHOST_NET_SET_BACKEND : VMON_BLK_SET_BACKEND, &u.vf);
		break;
	case 13:
		u.cfg.capacity = val(2048);
		u.cfg.flags = (uint32_t)val(1);
		u.cfg.blk_size = below(2) ? 512u << below(4) : (uint32_t)rnd();
		u.cfg.seg_max = (uint32_t)val(256);
		u.cfg.num_queues = (uint32_t)val(4);
		u.cfg.max_discard_sectors = (uint32_t)val(1u << 22);
		u.cfg.max_discard_seg = (uint32_t)val(1024);
		u.cfg.max_write_zeroes_sectors = (uint32_t)val(1u << 22);
		u.cfg.max_write_zeroes_seg = (uint32_t)val(1024);
		do_ioctl(fd, below(2) ? VMON_BLK_SET_CONFIG : VMON_BLK_GET_CONFIG, &u.cfg);
		break;
	case 14:
		u.t.ops.rate = val(100000);
		u.t.ops.burst = val(100000);
		u.t.bytes.rate = val(1u << 30);
		u.t.bytes.burst = val(1u << 30);
		do_ioctl(fd, below(4) ? VMON_BLK_SET_THROTTLE : VMON_BLK_GET_THROTTLE, &u.t);
		break;
	case 15:
		if (below(2)) {
			do_ioctl(fd, VMON_BLK_GET_STATS, &u.s);
			break;
		}
		if (below(2)) {
			do_ioctl(fd, VMON_BLK_GET_OP_STATS, &u.os);
			break;
		}
		u.l.read.ops.rate = val(100000);
		u.l.read.bytes.burst = val(1u << 30);
		u.l.write.ops.rate = val(100000);
		u.l.write.bytes.rate = val(1u << 30);
		do_ioctl(fd, below(4) ? VMON_BLK_SET_LIMITS : VMON_BLK_GET_LIMITS, &u.l);
		break;
	case 16:
		u.u32 = below(3) ? f.vm_ids[below(4)] : (uint32_t)val(8);
		do_ioctl(fd, VMON_DEV_SET_VM, &u.u32);
		break;
	case 17:
		do_ioctl(fd, VHOST_NEW_WORKER, &u.ws);
		break;
	case 18:
		u.ws.worker_id = (uint32_t)val(4);
		do_ioctl(fd, VHOST_FREE_WORKER, &u.ws);
		break;
	case 19:
		u.vw.index = idx;
		u.vw.worker_id = (uint32_t)val(4);
		do_ioctl(fd, below(2) ? VHOST_ATTACH_VRING_WORKER : VHOST_GET_VRING_WORKER, &u.vw);
		break;
	case 20:
		u.st.index = idx;
		u.st.num = (uint32_t)val(1000);
		do_ioctl(fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &u.st);
		break;
	default:
		/* unknown numbers of both magics, and random bytes as argument */
		for (size_t i = 0; i < sizeof(u.raw); i++)
			u.raw[i] = (uint8_t)rnd();
		do_ioctl(fd,
			 _IOC(below(4), below(2) ? VHOST_VIRTIO : VMON_IOCTL_MAGIC, below(256),
			      below(256)),
			 &u);
	}
}

static void ctl_ioctl(int fd)
{
	struct vmon_vm_register reg;
	struct vmon_ksm_advise ka;
	struct vmon_version v;

	switch (below(5)) {
	case 0:
		do_ioctl(fd, VMON_GET_VERSION, &v);
		break;
	case 1:
		memset(&reg, 0, sizeof(reg));
		reg.vm_fd = below(4) ? f.vm : some_fd();
		snprintf(reg.name, sizeof(reg.name), "fz%u", (unsigned int)below(6));
		reg.flags = below(8) ? 0 : (uint32_t)rnd();
		f.ioctls++;
		if (!ioctl(fd, VMON_VM_REGISTER, argp(&reg))) {
			f.ok++;
			f.vm_ids[below(4)] = reg.id;
		}
		break;
	case 2:
		f.ioctls++;
		f.ok += !ioctl(fd, VMON_VM_UNREGISTER,
			       (unsigned long)(below(2) ? f.vm_ids[below(4)] : val(8)));
		break;
	case 3:
		memset(&ka, 0, sizeof(ka));
		ka.id = f.vm_ids[below(4)];
		ka.advice = (uint32_t)val(3);
		ka.start = below(2) ? 0 : addr();
		ka.len = below(2) ? 0 : val(ARENA);
		do_ioctl(fd, VMON_VM_KSM_ADVISE, &ka);
		break;
	default:
		do_ioctl(fd, _IOC(below(4), VMON_IOCTL_MAGIC, below(256), below(256)), &ka);
	}
}

/* The hostile driver: random bytes over the arena, then kicks. */
static void scribble(void)
{
	size_t off = below(ARENA), n = 1 + below(4096);
	unsigned int i;

	if (off + n > ARENA)
		n = ARENA - off;
	for (i = 0; i < n; i++)
		f.arena[off + i] = below(4) ? (uint8_t)rnd() : 0;
}

static void kick(void)
{
	uint64_t one = 1;
	char frame[128];

	if (write(f.ev[below(2) ? 2 * below(2) : below(EVFDS)], &one, sizeof(one)) < 0)
		f.lost_writes++;
	if (f.tap >= 0 && below(2)) {
		memset(frame, 0, sizeof(frame));
		memset(frame + 10, 0xff, 6); /* after the vnet header: broadcast */
		if (write(f.tap, frame, 10 + 64) < 0)
			f.lost_writes++;
	}
}

/*
 * A ring set up the way a VMM does it, over the arena (guest-physical ==
 * host-virtual), so that the scribbles and kicks that follow reach real
 * descriptor processing with requests in flight.
 */
static void ring_setup(int fd, enum kind k)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r;
	} mem = { .m = { .nregions = 1 } };
	struct vmon_blk_config cfg = {
		.capacity = 8192, .blk_size = 512, .seg_max = 64, .num_queues = 2
	};
	struct vhost_vring_state st;
	struct vhost_vring_addr a;
	struct vhost_vring_file vf;
	uint64_t feat;
	unsigned int q;

	ioctl(fd, VHOST_SET_OWNER);
	if (!ioctl(fd, VHOST_GET_FEATURES, &feat))
		ioctl(fd, VHOST_SET_FEATURES, &feat);
	mem.r.guest_phys_addr = mem.r.userspace_addr = (uintptr_t)f.arena;
	mem.r.memory_size = ARENA;
	ioctl(fd, VHOST_SET_MEM_TABLE, &mem);
	if (k == K_BLK)
		ioctl(fd, VMON_BLK_SET_CONFIG, &cfg);
	for (q = 0; q < 2; q++) {
		uint64_t base = (uintptr_t)f.arena + q * 0x10000;

		st = (struct vhost_vring_state){ .index = q, .num = 256 };
		ioctl(fd, VHOST_SET_VRING_NUM, &st);
		st.num = 0;
		ioctl(fd, VHOST_SET_VRING_BASE, &st);
		a = (struct vhost_vring_addr){ .index = q,
					       .desc_user_addr = base,
					       .avail_user_addr = base + 0x1000,
					       .used_user_addr = base + 0x2000 };
		ioctl(fd, VHOST_SET_VRING_ADDR, &a);
		vf = (struct vhost_vring_file){ .index = q, .fd = f.ev[q * 2] };
		ioctl(fd, VHOST_SET_VRING_KICK, &vf);
		vf.fd = f.ev[q * 2 + 1];
		ioctl(fd, VHOST_SET_VRING_CALL, &vf);
		vf.fd = k == K_NET ? f.tap : f.file;
		ioctl(fd, k == K_NET ? VHOST_NET_SET_BACKEND : VMON_BLK_SET_BACKEND, &vf);
	}
}

static void slot_open(unsigned int i)
{
	if (f.fd[i] >= 0)
		close(f.fd[i]);
	f.kind[i] = (enum kind)below(3);
	f.fd[i] = open(paths[f.kind[i]], O_RDWR | O_CLOEXEC);
}

/* A child inherits every fd, does a few things and dies mid-way. */
static void child(void)
{
	pid_t pid = fork();
	unsigned int i;

	if (pid == 0) {
		f.seed ^= (uint64_t)getpid() << 17;
		for (i = 0; i < 20; i++) {
			unsigned int s = below(SLOTS);

			if (f.fd[s] >= 0 && f.kind[s] != K_CTL)
				ring_ioctl(f.fd[s], f.kind[s]);
		}
		_exit(0);
	}
	if (pid > 0 && below(2))
		kill(pid, SIGKILL);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void step(void)
{
	unsigned int s = below(SLOTS), op = below(NOPS);
	int fd;

	switch (op) {
	case 0:
		slot_open(s);
		if (f.fd[s] >= 0 && f.kind[s] != K_CTL && below(2))
			ring_setup(f.fd[s], f.kind[s]);
		break;
	case 1:
		if (f.fd[s] >= 0)
			close(f.fd[s]);
		f.fd[s] = -1;
		break;
	case 2: {
		unsigned int d = below(SLOTS);

		if (f.fd[s] < 0 || d == s)
			break;
		fd = dup(f.fd[s]);
		if (fd < 0)
			break;
		if (f.fd[d] >= 0)
			close(f.fd[d]);
		f.fd[d] = fd;
		f.kind[d] = f.kind[s];
		break;
	}
	case 3:
		scribble();
		break;
	case 4:
		kick();
		break;
	case 5:
		if (below(8) == 0)
			child();
		break;
	case 6:
		/* unloading must wait for the open fds (EBUSY), never crash */
		if (below(16) == 0 && syscall(SYS_delete_module, "vmon", O_NONBLOCK) == 0)
			if (system("modprobe vmon"))
				fprintf(stderr, "# modprobe vmon after an unload failed\n");
		break;
	case 7:
		if (f.fd[s] >= 0 && f.kind[s] == K_CTL)
			ctl_ioctl(f.fd[s]);
		break;
	default:
		if (f.fd[s] >= 0 && f.kind[s] != K_CTL)
			ring_ioctl(f.fd[s], f.kind[s]);
		else if (f.fd[s] >= 0)
			ctl_ioctl(f.fd[s]);
	}
}

static int setup(void)
{
	struct ifreq ifr;
	unsigned int i;

	f.arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f.arena == MAP_FAILED)
		return -1;
	for (i = 0; i < SLOTS; i++)
		f.fd[i] = -1;
	for (i = 0; i < EVFDS; i++)
		f.ev[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f.tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (f.tap >= 0) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
		strcpy(ifr.ifr_name, "fuzz0");
		if (ioctl(f.tap, TUNSETIFF, &ifr) || system("ip link set fuzz0 up")) {
			close(f.tap);
			f.tap = -1;
		}
	}
	f.file = open("/tmp", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	if (f.file >= 0 && ftruncate(f.file, 4 << 20))
		return -1;
	f.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	f.vm = f.kvm >= 0 ? ioctl(f.kvm, KVM_CREATE_VM, 0) : -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = 20000, done = 0, seed = 1, seconds = 0;
	struct vmon_version v;
	time_t end;
	int i, ctl;

	for (i = 1; i < argc; i += 2) {
		unsigned long *to = !strcmp(argv[i], "--seed")	    ? &seed
				    : !strcmp(argv[i], "--ops")	    ? &n
				    : !strcmp(argv[i], "--seconds") ? &seconds
								    : NULL;
		char *endp;

		if (!to || i + 1 == argc) {
			fprintf(stderr, "usage: ioctl_fuzz [--seed N] [--ops N] [--seconds S]\n");
			return !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ? 0 : 2;
		}
		errno = 0;
		*to = strtoul(argv[i + 1], &endp, 0);
		if (errno || endp == argv[i + 1] || *endp || argv[i + 1][0] == '-') {
			fprintf(stderr, "ioctl_fuzz: %s: '%s' is not a number\n", argv[i],
				argv[i + 1]);
			return 2;
		}
	}
	printf("1..1\n");
	if (system("modprobe vmon") || setup()) {
		printf("not ok 1 fuzz.ioctl_sequences # setup failed (modprobe vmon, tap, "
		       "tmpfile)\n");
		return 1;
	}
	f.seed = seed ? seed : 1;
	signal(SIGPIPE, SIG_IGN);
	end = time(NULL) + (time_t)seconds;
	while (seconds ? time(NULL) < end : done < n) {
		step();
		done++;
	}
	for (i = 0; i < SLOTS; i++)
		if (f.fd[i] >= 0)
			close(f.fd[i]);
	/* the module still answers, and nothing holds it */
	ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	if (ctl < 0 || ioctl(ctl, VMON_GET_VERSION, &v)) {
		printf("not ok 1 fuzz.ioctl_sequences # /dev/vmon does not answer after the run\n");
		return 1;
	}
	for (i = 0; i < 4; i++)
		if (f.vm_ids[i])
			ioctl(ctl, VMON_VM_UNREGISTER, (unsigned long)f.vm_ids[i]);
	close(ctl);
	printf("# seed %lu: %lu operations, %lu ioctls (%lu succeeded), %lu kicks or frames "
	       "not written\n",
	       seed, done, f.ioctls, f.ok, f.lost_writes);
	printf("ok 1 fuzz.ioctl_sequences\n");
	return 0;
}
