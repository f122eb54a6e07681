// SPDX-License-Identifier: GPL-2.0
/*
 * After start the VMM needs few system calls: KVM ioctls, I/O on fds it
 * already has, memory management, threads, and files for snapshots. It sets
 * no_new_privs and installs an allow-list filter; anything else raises
 * SIGSYS, which logs the call and ends the VMM (as Firecracker does).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"
#include "config.h"

static const int allowed[] = {
	SYS_read,
	SYS_write,
	SYS_readv,
	SYS_writev,
	SYS_pread64,
	SYS_pwrite64,
	SYS_ioctl,
	SYS_close,
	SYS_epoll_wait,
	SYS_epoll_pwait,
	SYS_epoll_ctl,
	SYS_accept4,
	SYS_futex,
	SYS_mmap,
	SYS_munmap,
	SYS_mremap,
	SYS_mprotect,
	SYS_brk,
	SYS_madvise,
	SYS_rt_sigreturn,
	SYS_rt_sigprocmask,
	SYS_exit,
	SYS_exit_group,
	SYS_openat,
	SYS_mkdir,
	SYS_mkdirat,
	SYS_rename,
	SYS_renameat,
	SYS_renameat2,
	SYS_unlink,
	SYS_unlinkat,
	SYS_fsync,
	SYS_fdatasync,
	SYS_ftruncate,
	SYS_fallocate, /* libqcow2: zero clusters, preallocation */
	SYS_fstat,
	SYS_newfstatat,
	SYS_statx,
	SYS_lseek,
	SYS_io_uring_enter,
	SYS_getrandom,
	SYS_clock_gettime,
	SYS_gettid,
	SYS_getpid,
	SYS_tgkill,
	SYS_sched_yield,
	SYS_nanosleep,
	SYS_clock_nanosleep,
	SYS_fcntl,
	SYS_restart_syscall,
	SYS_rseq,
	SYS_set_robust_list,
	SYS_geteuid, /* snapshot: the directory must be ours */
};

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[96];
	int n;

	(void)sig;
	(void)uc;
	n = snprintf(msg, sizeof(msg), "vmon-vmm: seccomp: system call %d is not allowed\n",
		     si->si_syscall);
	if (write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(1);
	_exit(1);
}

int seccomp_install(void)
{
	enum { N = sizeof(allowed) / sizeof(allowed[0]) };
	struct sock_filter f[4 + 2 * N + 6];
	struct sock_fprog prog = { .filter = f };
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	/* prctl only to name a thread ("vcpu N"). */
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[0]));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_NAME, 0, 1);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (int i = 0; i < N; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (uint32_t)allowed[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	prog.len = (unsigned short)k;

	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		vmm_log("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	/* TSYNC: every thread, including liburing's and the vCPUs to come. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) < 0) {
		vmm_log("cannot install the seccomp filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}
