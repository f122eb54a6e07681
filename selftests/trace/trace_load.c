// SPDX-License-Identifier: GPL-2.0
/*
 * trace_load [--blk N [--blk-reads M]] [--net N] [--pio N | --spin SECONDS |
 *            --halt N] [--register NAME] [--wait]: a workload of known size
 * for the tracing tests (bpftrace_test.sh, vmon_trace_test.sh, perf stat):
 * N 4 KiB writes (then M reads) through /dev/vmon-blk, N 1000-byte frames
 * sent through
 * /dev/vmon-net, and a KVM guest that writes port 0x80 N times, each a KVM
 * exit (an I/O intercept), then halts. --spin: a guest whose one vCPU
 * spins on CPU 0 while a hog shares that CPU for SECONDS; it prints the
 * run-queue wait of the vCPU thread over those seconds as the kernel's
 * schedstat counts it (run_delay). --halt: a guest with KVM's in-kernel
 * irqchip that halts with interrupts off, its thread woken by N signals;
 * it prints the halts KVM counted in its own statistics (the vCPU's
 * binary stats: halts that slept, halt polls that succeeded). With
 * --register, the guest's VM is
 * registered with vmon under NAME first (and goes away with the guest at
 * the end); with --wait, the guest's work starts only once SIGUSR2 came.
 * Prints what it did, one "name=value" a line; exit 0 when every part did
 * exactly that much.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vmon.h>

#include "../acct/guest.h"
#include "../blk/blk_env.h"
#include "../vhost/net_env.h"

#define DISK "/tmp/vmon-trace-load.img"

/* @n 4 KiB writes, then @reads reads of what they wrote. */
static int blk_load(unsigned long n, unsigned long reads)
{
	static uint8_t buf[4096];
	struct blk_env e;
	unsigned long i, r = 0;
	int fd;

	fd = open(DISK, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 64 << 20) || be_setup(&e, 1, 4, BE_FEATURES) ||
	    be_backend(&e, fd)) {
		fprintf(stderr, "trace_load: cannot set up /dev/vmon-blk: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (be_sync(&e, VIRTIO_BLK_T_OUT, (i * 8) % (64 << 11), buf, sizeof(buf), 0) !=
		    S_OK) {
			fprintf(stderr, "trace_load: write %lu failed\n", i);
			break;
		}
	}
	for (r = 0; i == n && r < reads; r++) {
		if (be_sync(&e, VIRTIO_BLK_T_IN, (r * 8) % (64 << 11), buf, sizeof(buf), 0) !=
		    S_OK) {
			fprintf(stderr, "trace_load: read %lu failed\n", r);
			break;
		}
	}
	be_teardown(&e);
	close(fd);
	unlink(DISK);
	printf("blk_writes=%lu blk_reads=%lu\n", i, r);
	return i == n && r == reads ? 0 : -1;
}

static int net_load(unsigned long n)
{
	struct net_env e;
	unsigned long i, sent = 0;
	uint8_t *frame;

	if (system("modprobe tun"))
		return -1;
	if (ne_setup(&e, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX), false))
		return -1;
	for (i = 0; i < n; i++) {
		if (ne_tx(&e, 1000, (uint32_t)i, true) || ne_tx_reap(&e, 3000) ||
		    ne_capture(&e, 3000, &frame) <= 0) {
			fprintf(stderr, "trace_load: frame %lu not sent\n", i);
			break;
		}
		sent++;
	}
	ne_teardown(&e);
	printf("net_frames=%lu\n", sent);
	return sent == n ? 0 : -1;
}

/* The guest's VM registered with vmon under name; its id printed. */
static int vm_register(int vm_fd, const char *name)
{
	struct vmon_vm_register r = { .vm_fd = vm_fd };
	int ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);

	if (strlen(name) >= sizeof(r.name))
		return -1;
	strcpy(r.name, name);
	if (ctl < 0 || ioctl(ctl, VMON_VM_REGISTER, &r)) {
		fprintf(stderr, "trace_load: cannot register VM '%s': %s\n", name, strerror(errno));
		if (ctl >= 0)
			close(ctl);
		return -1;
	}
	close(ctl);
	printf("vm_id=%u\n", r.id);
	fflush(stdout);
	return 0;
}

/*
 * SIGUSR2, blocked since main() so that none is lost before we wait; then
 * unblocked, for halt_load's wake-ups. (SIGUSR1 is guest.c's, which ends
 * its vCPU threads' KVM_RUN with it.)
 */
static void wait_go(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigwait(&set, &sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * A guest of mem bytes with one vCPU (pinned to cpu, -1: any), with KVM's
 * in-kernel irqchip if asked; nothing left behind when it cannot be made.
 */
static int make_guest(struct guest *g, size_t mem, bool irqchip, int cpu)
{
	if (!guest_kvm_available() || guest_create(g, mem))
		return -1;
	if ((irqchip && ioctl(g->vm_fd, KVM_CREATE_IRQCHIP, 0)) || guest_add_vcpu(g, cpu)) {
		guest_destroy(g);
		return -1;
	}
	return 0;
}

/* Real mode at 0x1000: mov cx, N; 1: out 0x80, al; dec cx; jnz 1b; hlt */
static int pio_load(unsigned long n, const char *name, bool wait)
{
	uint8_t code[] = { 0xb9, n & 0xff, (n >> 8) & 0xff, 0xe6, 0x80, 0x49, 0x75, 0xfb, 0xf4 };
	unsigned long exits = 0;
	struct kvm_run *run;
	uint32_t last;
	struct guest g;
	long size;

	if (!n || n > 0xffff || make_guest(&g, 1 << 20, false, -1)) {
		fprintf(stderr, "trace_load: no KVM guest for %lu port writes\n", n);
		return -1;
	}
	if (name && vm_register(g.vm_fd, name)) {
		guest_destroy(&g);
		return -1;
	}
	if (wait)
		wait_go();
	memcpy((char *)g.mem + 0x1000, code, sizeof(code));
	size = ioctl(g.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, g.vcpu_fd[0], 0);
	if (size <= 0 || run == MAP_FAILED) {
		guest_destroy(&g);
		return -1;
	}
	for (;;) {
		if (ioctl(g.vcpu_fd[0], KVM_RUN, 0) && errno != EINTR)
			break;
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x80)
			exits++;
		else if (run->exit_reason != KVM_EXIT_INTR)
			break;
	}
	last = run->exit_reason;
	printf("pio_exits=%lu\nlast_exit=%u\n", exits, last);
	munmap(run, size);
	guest_destroy(&g);
	return exits == n && last == KVM_EXIT_HLT ? 0 : -1;
}

/* The run-queue wait of thread tid so far, ns (schedstat's second field). */
static long long run_delay(pid_t tid)
{
	unsigned long long run, wait;
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? (long long)wait : -1;
}

/*
 * One vCPU spinning on CPU 0 ("jmp ."), a hog beside it for secs seconds:
 * the vCPU thread waits about half the time. Before and after, the vCPU
 * has CPU 0 to itself, so that what a tracer attached around it counts
 * outside the window is next to nothing.
 */
static int spin_load(unsigned long secs, const char *name, bool wait)
{
	long long d0, d1;
	struct guest g;
	struct hog h;

	if (make_guest(&g, 64 * 1024, false, 0)) {
		fprintf(stderr, "trace_load: no KVM guest to spin\n");
		return -1;
	}
	if ((name && vm_register(g.vm_fd, name)) || guest_start(&g)) {
		guest_destroy(&g);
		return -1;
	}
	printf("vcpu_tid=%d\n", (int)g.tid[0]);
	fflush(stdout);
	if (wait)
		wait_go();
	d0 = run_delay(g.tid[0]);
	if (hog_start(&h, 0)) {
		guest_stop(&g);
		guest_destroy(&g);
		return -1;
	}
	sleep(secs);
	hog_stop(&h);
	d1 = run_delay(g.tid[0]);
	guest_stop(&g);
	guest_destroy(&g);
	printf("run_delay_ns=%lld\n", d1 - d0);
	return d0 < 0 || d1 < 0 ? -1 : 0;
}

/* The sum of the u64s of the vCPU statistic name (KVM_GET_STATS_FD). */
static long long kvm_stat(int stats_fd, const char *name)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	long long sum = -1;
	uint64_t v[64];
	size_t dsz;
	uint32_t i, k;

	if (pread(stats_fd, &h, sizeof(h), 0) != sizeof(h))
		return -1;
	dsz = sizeof(*d) + h.name_size;
	d = malloc(dsz);
	for (i = 0; d && i < h.num_desc; i++) {
		if (pread(stats_fd, d, dsz, h.desc_offset + i * dsz) != (ssize_t)dsz)
			break;
		if (strncmp(d->name, name, h.name_size) || d->size > 64)
			continue;
		if (pread(stats_fd, v, d->size * 8, h.data_offset + d->offset) != d->size * 8)
			break;
		for (sum = 0, k = 0; k < d->size; k++)
			sum += v[k];
		break;
	}
	free(d);
	return sum;
}

static void on_usr2(int sig)
{
	(void)sig;
}

struct waker {
	pthread_t target;
	unsigned long n;
	volatile bool done;
};

/* n signals, 20 ms apart, each ending a halt of the target's vCPU. */
static void *waker_thread(void *arg)
{
	struct waker *w = arg;
	unsigned long i;

	for (i = 0; i < w->n; i++) {
		usleep(20 * 1000);
		if (i == w->n - 1)
			w->done = true;
		pthread_kill(w->target, SIGUSR2);
	}
	return NULL;
}

/* Real mode at 0x1000: 1: cli; hlt; jmp 1b */
static int halt_load(unsigned long n, const char *name, bool wait)
{
	static const uint8_t code[] = { 0xfa, 0xf4, 0xeb, 0xfc };
	struct sigaction sa = { .sa_handler = on_usr2 };
	struct waker w = { .target = pthread_self(), .n = n };
	long long slept0, slept1, polled0, polled1;
	unsigned long intr = 0;
	pthread_t t;
	struct guest g;
	int stats;

	if (!n || make_guest(&g, 64 * 1024, true, -1)) {
		fprintf(stderr, "trace_load: no KVM guest with an irqchip: %s\n", strerror(errno));
		return -1;
	}
	stats = ioctl(g.vcpu_fd[0], KVM_GET_STATS_FD, 0);
	if (stats < 0 || (name && vm_register(g.vm_fd, name))) {
		guest_destroy(&g);
		return -1;
	}
	memcpy((char *)g.mem + 0x1000, code, sizeof(code));
	sigaction(SIGUSR2, &sa, NULL);
	if (wait) {
		wait_go();
	} else {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	slept0 = kvm_stat(stats, "halt_wait_hist");
	polled0 = kvm_stat(stats, "halt_successful_poll");
	if (pthread_create(&t, NULL, waker_thread, &w)) {
		guest_destroy(&g);
		return -1;
	}
	while (!w.done) {
		if (!ioctl(g.vcpu_fd[0], KVM_RUN, 0) || errno != EINTR)
			break;
		intr++;
	}
	pthread_join(t, NULL);
	slept1 = kvm_stat(stats, "halt_wait_hist");
	polled1 = kvm_stat(stats, "halt_successful_poll");
	close(stats);
	guest_destroy(&g);
	printf("halt_interrupts=%lu\nhalts_slept=%lld\nhalts_polled=%lld\n", intr, slept1 - slept0,
	       polled1 - polled0);
	return slept0 < 0 || polled0 < 0 || !w.done ? -1 : 0;
}

static unsigned long count_arg(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s) {
		fprintf(stderr, "trace_load: --%s wants a number, not '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "blk", required_argument, NULL, 'b' },
		{ "blk-reads", required_argument, NULL, 'R' },
		{ "net", required_argument, NULL, 'n' },
		{ "pio", required_argument, NULL, 'p' },
		{ "spin", required_argument, NULL, 's' },
		{ "halt", required_argument, NULL, 'H' },
		{ "register", required_argument, NULL, 'r' },
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long blk = 0, blk_reads = 0, net = 0, pio = 0, spin = 0, halt = 0;
	const char *name = NULL;
	bool wait = false;
	sigset_t usr2;
	int c, ret = 0;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			blk = count_arg("blk", optarg);
			break;
		case 'R':
			blk_reads = count_arg("blk-reads", optarg);
			break;
		case 'n':
			net = count_arg("net", optarg);
			break;
		case 'p':
			pio = count_arg("pio", optarg);
			break;
		case 's':
			spin = count_arg("spin", optarg);
			break;
		case 'H':
			halt = count_arg("halt", optarg);
			break;
		case 'r':
			name = optarg;
			break;
		case 'w':
			wait = true;
			break;
		case 'h':
			printf("usage: trace_load [--blk N [--blk-reads M]] [--net N] [--pio N | "
			       "--spin SECONDS |\n"
			       "                  --halt N] [--register NAME] [--wait]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "trace_load: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (((name || wait) && !pio && !spin && !halt) || !!pio + !!spin + !!halt > 1) {
		fprintf(stderr,
			"trace_load: --register and --wait go with one of --pio, --spin, --halt\n");
		return 2;
	}
	if ((blk || net || name) && system("modprobe vmon"))
		return 1;
	if (blk_reads && !blk) {
		fprintf(stderr, "trace_load: --blk-reads goes with --blk\n");
		return 2;
	}
	if (blk && blk_load(blk, blk_reads))
		ret = 1;
	if (net && net_load(net))
		ret = 1;
	if (pio && pio_load(pio, name, wait))
		ret = 1;
	if (spin && spin_load(spin, name, wait))
		ret = 1;
	if (halt && halt_load(halt, name, wait))
		ret = 1;
	return ret;
}
