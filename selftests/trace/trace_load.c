// SPDX-License-Identifier: GPL-2.0
/*
 * trace_load [--blk N] [--net N] [--pio N [--register NAME [--wait]]]: a
 * workload of known size for the tracing tests (bpftrace_test.sh,
 * vmon_trace_test.sh, perf stat): N 4 KiB writes through /dev/vmon-blk, N
 * 1000-byte frames sent through /dev/vmon-net, and a KVM guest that writes
 * port 0x80 N times, each a KVM exit (an I/O intercept), then halts. With
 * --register, the guest's VM is registered with vmon under NAME first
 * (and goes away with the guest at the end); with --wait, the guest runs
 * only once SIGUSR1 came. Prints what it did, one "name=value" a line;
 * exit 0 when every part did exactly that much.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

static int blk_load(unsigned long n)
{
	static uint8_t buf[4096];
	struct blk_env e;
	unsigned long i;
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
	be_teardown(&e);
	close(fd);
	unlink(DISK);
	printf("blk_writes=%lu\n", i);
	return i == n ? 0 : -1;
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

/* SIGUSR1, blocked since main() so that none is lost before we wait. */
static void wait_go(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigwait(&set, &sig);
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

	if (!n || n > 0xffff || !guest_kvm_available() || guest_create(&g, 1 << 20) ||
	    guest_add_vcpu(&g, -1)) {
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
	if (size <= 0 || run == MAP_FAILED)
		return -1;
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
		{ "net", required_argument, NULL, 'n' },
		{ "pio", required_argument, NULL, 'p' },
		{ "register", required_argument, NULL, 'r' },
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long blk = 0, net = 0, pio = 0;
	const char *name = NULL;
	bool wait = false;
	sigset_t usr1;
	int c, ret = 0;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			blk = count_arg("blk", optarg);
			break;
		case 'n':
			net = count_arg("net", optarg);
			break;
		case 'p':
			pio = count_arg("pio", optarg);
			break;
		case 'r':
			name = optarg;
			break;
		case 'w':
			wait = true;
			break;
		case 'h':
			printf("usage: trace_load [--blk N] [--net N] [--pio N [--register NAME "
			       "[--wait]]]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "trace_load: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if ((name || wait) && !pio) {
		fprintf(stderr, "trace_load: --register and --wait go with --pio\n");
		return 2;
	}
	if ((blk || net || name) && system("modprobe vmon"))
		return 1;
	if (blk && blk_load(blk))
		ret = 1;
	if (net && net_load(net))
		ret = 1;
	if (pio && pio_load(pio, name, wait))
		ret = 1;
	return ret;
}
