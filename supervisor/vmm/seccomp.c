// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox's system call filter (libseccomp). After start the VMM needs
 * few system calls: ioctls of KVM, vhost/vmon, tap and the terminal on fds it
 * already has, I/O on those fds, memory management, futexes, and the calls
 * that write a snapshot into a directory. It sets no_new_privs and installs
 * an allow-list for every thread (TSYNC); anything else raises SIGSYS, whose
 * handler logs the call by name and ends the VMM.
 *
 *   - ioctl: only the request numbers below; anything else (TIOCSTI,
 *     KVM_CREATE_VM, a new tap, ...) is a violation.
 *   - No path-based call but what a snapshot needs: openat only to create a
 *     new file without following a symlink (O_CREAT|O_EXCL|O_NOFOLLOW) or
 *     to open a directory read-only without following one; mkdir only with
 *     mode 0700; unlinkat and renameat only relative to a directory fd. No
 *     open of an existing file, no exec, no socket, no connect.
 *   - io_uring_enter is allowed, io_uring_setup and _register are not: the
 *     rings were created before, restricted to their opcodes (virtio_blk.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <linux/kvm.h>
#include <linux/vhost.h>
#include <linux/vmon.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include "vmm.h"
#include "config.h"

/* clang-format off */
static const int allowed[] = {
	SCMP_SYS(read),		SCMP_SYS(write),
	SCMP_SYS(readv),	SCMP_SYS(writev),
	SCMP_SYS(pread64),	SCMP_SYS(pwrite64),
	SCMP_SYS(close),	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),	SCMP_SYS(epoll_ctl),
	SCMP_SYS(accept4),	SCMP_SYS(futex),
	SCMP_SYS(mmap),		SCMP_SYS(munmap),
	SCMP_SYS(mremap),	SCMP_SYS(mprotect),
	SCMP_SYS(brk),		SCMP_SYS(madvise),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(exit),		SCMP_SYS(exit_group),
	SCMP_SYS(fsync),	SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate),	SCMP_SYS(fallocate), /* libqcow2, the balloon */
	SCMP_SYS(fstat),	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),	SCMP_SYS(io_uring_enter),
	SCMP_SYS(getrandom),	SCMP_SYS(clock_gettime),
	SCMP_SYS(time),		SCMP_SYS(gettimeofday), /* the vDSO's fallbacks */
	SCMP_SYS(gettid),	SCMP_SYS(getpid),
	SCMP_SYS(tgkill),	SCMP_SYS(sched_yield),
	SCMP_SYS(nanosleep),	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(fcntl),	SCMP_SYS(restart_syscall),
	SCMP_SYS(rseq),		SCMP_SYS(set_robust_list),
	SCMP_SYS(geteuid), /* snapshot: the directory must be ours */
	SCMP_SYS(recvmsg), /* api.c: a snapshot directory sent open */
	SCMP_SYS(timerfd_settime), /* agent.c: a request's timeout */
};
/* clang-format on */

/* Every ioctl the VMM issues once the VM runs: by request number. */
static const unsigned long ioctls[] = {
	/* vCPUs, interrupts, ioeventfds */
	KVM_RUN,
	KVM_IRQ_LINE,
	KVM_SET_GSI_ROUTING,
	KVM_IRQFD,
	KVM_IOEVENTFD,
	/* machine state: snapshot, reset */
	KVM_GET_REGS,
	KVM_SET_REGS,
	KVM_GET_SREGS,
	KVM_SET_SREGS,
	KVM_SET_FPU,
	KVM_GET_XSAVE,
	KVM_SET_XSAVE,
	KVM_GET_XCRS,
	KVM_SET_XCRS,
	KVM_GET_MP_STATE,
	KVM_SET_MP_STATE,
	KVM_GET_LAPIC,
	KVM_SET_LAPIC,
	KVM_GET_VCPU_EVENTS,
	KVM_SET_VCPU_EVENTS,
	KVM_GET_MSRS,
	KVM_SET_MSRS,
	KVM_GET_MSR_INDEX_LIST,
	KVM_GET_IRQCHIP,
	KVM_SET_IRQCHIP,
	KVM_GET_PIT2,
	KVM_SET_PIT2,
	KVM_GET_CLOCK,
	KVM_SET_CLOCK,
	/* kernel back ends, started and stopped by the guest's driver */
	VHOST_GET_FEATURES,
	VHOST_SET_FEATURES,
	VHOST_SET_MEM_TABLE,
	VHOST_SET_VRING_NUM,
	VHOST_SET_VRING_BASE,
	VHOST_GET_VRING_BASE,
	VHOST_SET_VRING_ADDR,
	VHOST_SET_VRING_KICK,
	VHOST_SET_VRING_CALL,
	VHOST_SET_VRING_ERR,
	VHOST_NET_SET_BACKEND,
	VMON_BLK_SET_BACKEND,
	VMON_BLK_GET_STATS,
	VMON_BLK_GET_OP_STATS,
	/* vmon accounting: a device attached on start, the VM unregistered at exit */
	VMON_DEV_SET_VM,
	VMON_VM_UNREGISTER,
	/* the stdio console's terminal mode, restored at exit */
	TCGETS,
	TCSETS,
	TCSETSW,
	TCSETSF,
};

#define NR_NAMES 512
/* Names resolved before the filter: the handler must not call malloc. */
static const char *names[NR_NAMES];

static void put(char **p, const char *end, const char *s)
{
	while (*s && *p < end)
		*(*p)++ = *s++;
}

static void put_hex(char **p, const char *end, unsigned long v)
{
	char d[19];
	int i = (int)sizeof(d);

	do
		d[--i] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && i > 2);
	d[--i] = 'x';
	d[--i] = '0';
	while (i < (int)sizeof(d) && *p < end)
		*(*p)++ = d[i++];
}

/* Async-signal-safe: no stdio, no malloc. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[256], *p = msg;
	const char *end = msg + sizeof(msg) - 1;
	const greg_t *gregs = ((ucontext_t *)uc)->uc_mcontext.gregs;
	int nr = si->si_syscall;

	(void)sig;
	put(&p, end, "vmon-vmm: seccomp: system call ");
	if (nr >= 0 && nr < NR_NAMES && names[nr])
		put(&p, end, names[nr]);
	else
		put_hex(&p, end, (unsigned long)nr);
	if (nr == SYS_ioctl) {
		put(&p, end, " request ");
		put_hex(&p, end, (unsigned long)gregs[REG_RSI]);
	}
	/* the path of a refused open: our own pointer, the call would have used it */
	if (nr == SYS_openat || nr == SYS_open) {
		const char *path = (const char *)gregs[nr == SYS_open ? REG_RDI : REG_RSI];

		put(&p, end, " of '");
		for (int i = 0; path && path[i] && i < 64 && p < end; i++)
			*p++ = path[i];
		put(&p, end, "'");
	}
	put(&p, end, " is not allowed: the VMM ends\n");
	if (write(STDERR_FILENO, msg, (size_t)(p - msg)) < 0)
		_exit(VM_EXIT_ERROR);
	_exit(VM_EXIT_ERROR);
}

/* An argument equal to @v in its low 32 bits (ints are sign-extended). */
#define A_EQ32(i, v) SCMP_CMP(i, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (scmp_datum_t)(uint32_t)(v))
/* A directory fd: not negative (AT_FDCWD is -100, sign-extended by libc). */
#define A_DIRFD(i) SCMP_CMP(i, SCMP_CMP_LT, 0x7fffffffULL)

/* A call allowed only with these arguments. */
struct cond_rule {
	int nr;
	unsigned int n;
	struct scmp_arg_cmp arg[2];
};

static int add_rules(scmp_filter_ctx ctx)
{
	const scmp_datum_t create = O_CREAT | O_EXCL | O_NOFOLLOW;
	const scmp_datum_t dir_mask = O_DIRECTORY | O_NOFOLLOW | O_ACCMODE | O_CREAT | O_TRUNC;
	const scmp_datum_t dir = O_DIRECTORY | O_NOFOLLOW | O_RDONLY;
	const struct cond_rule rules[] = {
		/* prctl only to name a thread ("vcpu N") */
		{ SCMP_SYS(prctl), 1, { SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME) } },
		/* a snapshot: new files, directories read-only, no symlink followed */
		{ SCMP_SYS(openat), 1, { SCMP_A2(SCMP_CMP_MASKED_EQ, create, create) } },
		{ SCMP_SYS(openat), 1, { SCMP_A2(SCMP_CMP_MASKED_EQ, dir_mask, dir) } },
		{ SCMP_SYS(mkdir), 1, { SCMP_A1(SCMP_CMP_EQ, 0700) } },
		{ SCMP_SYS(mkdirat), 1, { SCMP_A2(SCMP_CMP_EQ, 0700) } },
		/* relative to a directory fd only (the snapshot's, a socket's) */
		{ SCMP_SYS(unlinkat), 1, { A_DIRFD(0) } },
		{ SCMP_SYS(renameat), 2, { A_DIRFD(0), A_DIRFD(2) } },
		{ SCMP_SYS(renameat2), 2, { A_DIRFD(0), A_DIRFD(2) } },
	};
	int r = 0;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !r; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]) && !r; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, A_EQ32(1, ioctls[i]));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && !r; i++)
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, rules[i].nr, rules[i].n,
					   rules[i].arg);
	return r;
}

void seccomp_prepare(void)
{
	/*
	 * One malloc arena for every thread. A thread's own arena is an mmap'd
	 * heap, and the first time glibc shrinks one it opens
	 * /proc/sys/vm/overcommit_memory, which the filter refuses: with the
	 * main arena only, memory goes back through brk and munmap.
	 */
	mallopt(M_ARENA_MAX, 1);
}

int seccomp_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	int r;

	for (int nr = 0; nr < NR_NAMES; nr++)
		if (!names[nr])
			names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		vmm_log("seccomp_init failed");
		return -1;
	}
	/* TSYNC: every thread, the vCPUs and the qcow2 workers included. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	r = r ?: seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	r = r ?: add_rules(ctx);
	if (r) {
		vmm_log("cannot build the seccomp filter: %s", strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	sigaction(SIGSYS, &sa, NULL);
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r) {
		vmm_log("cannot install the seccomp filter: %s", strerror(-r));
		return -1;
	}
	return 0;
}
