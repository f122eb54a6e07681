// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM's sandbox on the host (hardening item 14): the very seccomp
 * filter of libvmm.a installed in a forked child, which then makes one call.
 * A forbidden call must end the child through the SIGSYS handler (exit 1, the
 * call named on stderr); the calls the VMM makes after start must still
 * work. And the restricted io_uring of the raw disk back end refuses an
 * OPENAT SQE that a plain ring accepts.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../supervisor/vmm/acpi.h"
#include "../../supervisor/vmm/blk.h"
#include "../../supervisor/vmm/boot.h"
#include "../../supervisor/vmm/config.h"
#include "../../supervisor/vmm/devices.h"
#include "../../supervisor/vmm/vmm.h"

/* What the child reached: 0 means the call under test returned. */
#define CHILD_RETURNED 0
#define CHILD_SETUP_FAILED 7

struct outcome {
	int status;    /* waitpid's */
	char err[512]; /* the child's stderr */
};

static char dir[64];

/* Fork; the child runs @setup (may be NULL), installs the filter, runs @call. */
static void run_sandboxed(void (*setup)(void), int (*call)(void), struct outcome *o)
{
	int pfd[2];
	ssize_t n, len = 0;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	if (pipe(pfd) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		seccomp_prepare();
		if (setup)
			setup();
		if (seccomp_install() < 0)
			_exit(CHILD_SETUP_FAILED);
		_exit(call() == 0 ? CHILD_RETURNED : 8);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], o->err + len, sizeof(o->err) - 1 - (size_t)len)) > 0)
		len += n;
	close(pfd[0]);
	waitpid(pid, &o->status, 0);
}

/* Killed by the filter: exit 1 and the handler's line naming @what. */
static int killed_for(const struct outcome *o, const char *what)
{
	char want[128];

	snprintf(want, sizeof(want), "seccomp: system call %s", what);
	return WIFEXITED(o->status) && WEXITSTATUS(o->status) == VM_EXIT_ERROR &&
	       strstr(o->err, want) != NULL;
}

static int call_open_existing(void)
{
	return open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0 ? 0 : -1;
}

static int call_tiocsti(void)
{
	char c = 'x';

	ioctl(STDIN_FILENO, TIOCSTI, &c);
	return 0;
}

static int call_kvm_create_vm(void)
{
	ioctl(-1, KVM_CREATE_VM, 0);
	return 0;
}

static int call_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : -1;
}

static int call_unlink(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/victim", dir);
	unlink(p);
	return 0;
}

static int call_mkdir_0755(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/open-dir", dir);
	mkdir(p, 0755);
	return 0;
}

static int call_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve(argv[0], argv, NULL);
	return 0;
}

static int call_uring_setup(void)
{
	struct io_uring ring;

	io_uring_queue_init(4, &ring, 0);
	return 0;
}

static int call_clone(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	return 0;
}

TEST(filter_ends_forbidden_calls)
{
	static const struct {
		const char *name, *syscall;
		int (*call)(void);
	} cases[] = {
		{ "open of an existing file", "openat of '/etc/passwd'", call_open_existing },
		{ "ioctl TIOCSTI", "ioctl request 0x5412", call_tiocsti },
		{ "ioctl KVM_CREATE_VM", "ioctl request 0xae01", call_kvm_create_vm },
		{ "socket", "socket", call_socket },
		{ "unlink by path", "unlink", call_unlink },
		{ "mkdir 0755", "mkdir", call_mkdir_0755 },
		{ "execve", "execve", call_execve },
		{ "io_uring_setup", "io_uring_setup", call_uring_setup },
		{ "fork", "clone", call_clone },
	};
	struct outcome o;

	snprintf(dir, sizeof(dir), "/tmp/vmon-sandbox.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_sandboxed(NULL, cases[i].call, &o);
		EXPECT_TRUE(killed_for(&o, cases[i].syscall))
		{
			TH_LOG("%s: status 0x%x, stderr: %s", cases[i].name, o.status, o.err);
		}
	}
	rmdir(dir);
}

/* ---- what the VMM does after start still works ---------------------------- */

static char sock_path[108], kernel_path[128];
static struct io_uring ring;
static int efd, data_fd;
static struct vm fake_vm; /* for the devices on I/O ports: no KVM behind it */
static pthread_t worker;
static int go[2];	/* the worker waits for a byte: started before the filter, runs under it */
static int api_pair[2]; /* a request and a directory fd, sent before the filter */

/*
 * A thread started before the filter, as vCPUs and the qcow2 worker are,
 * allocates and frees 1.5 MiB below the mmap threshold: with an arena of
 * its own, glibc would shrink that heap and open a /proc file doing so.
 */
static void *malloc_worker(void *arg)
{
	void *p[16];
	char c;

	(void)arg;
	if (read(go[0], &c, 1) != 1)
		return NULL;
	for (int i = 0; i < 16; i++) {
		p[i] = malloc(96 << 10);
		if (p[i])
			memset(p[i], i, 96 << 10);
	}
	for (int i = 15; i >= 0; i--)
		free(p[i]);
	return (void *)1;
}

static void vmm_setup(void)
{
	int lfd = unix_listen(sock_path, 1);

	fake_vm.vm_fd = -1;
	if (rtc_init(&fake_vm) < 0 || pm_init(&fake_vm) < 0 || pipe(go) < 0 ||
	    pthread_create(&worker, NULL, malloc_worker, NULL))
		_exit(CHILD_SETUP_FAILED);

	/* as vmond sends a save's directory to the API: open, with the request */
	{
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} cm = { 0 };
		struct iovec iov = { "{}\n", 3 };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof(cm) };
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &dfd, sizeof(int));
		if (dfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, api_pair) < 0 ||
		    sendmsg(api_pair[1], &m, 0) != 3)
			_exit(CHILD_SETUP_FAILED);
		close(dfd);
	}
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	data_fd = open(kernel_path, O_RDONLY | O_CLOEXEC);
	if (lfd < 0 || efd < 0 || data_fd < 0 || boot_keep(kernel_path) < 0 ||
	    blk_uring_init(&ring, 8, efd) < 0)
		_exit(CHILD_SETUP_FAILED);
}

/* A guest reads the RTC's seconds and the ACPI PM timer, as Linux does at boot. */
static int guest_clock_reads(void)
{
	uint8_t idx = 0, sec = 0xff, tmr[4];

	io_dispatch_pio(&fake_vm, 0x70, &idx, 1, true);
	io_dispatch_pio(&fake_vm, 0x71, &sec, 1, false);
	io_dispatch_pio(&fake_vm, PM_TMR, tmr, 4, false);
	/* BCD seconds, 00 to 59 */
	return (sec >> 4) < 6 && (sec & 15) < 10 ? 0 : -1;
}

/* As snapshot.c writes a file: new, relative to a checked directory. */
static int snapshot_like(void)
{
	char sdir[128];
	int dfd, fd;

	snprintf(sdir, sizeof(sdir), "%s/snap", dir);
	if (mkdir(sdir, 0700) < 0)
		return -1;
	dfd = open(sdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, ".state.tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "state", 5) != 5 || fsync(fd) < 0 || close(fd) < 0)
		return -1;
	if (renameat(dfd, ".state.tmp", dfd, "state") < 0 || fsync(dfd) < 0)
		return -1;
	if (unlinkat(dfd, ".gone", 0) == 0 || errno != ENOENT)
		return -1;
	return close(dfd);
}

/* The API's recvmsg of a request with a directory fd (api.c), then fstat. */
static int recv_dir_fd(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	char line[8];
	struct iovec iov = { line, sizeof(line) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof(cm)
	};
	struct cmsghdr *h;
	struct stat st;
	int fd;

	if (recvmsg(api_pair[0], &m, MSG_CMSG_CLOEXEC) != 3)
		return -1;
	h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? close(fd) : -1;
}

static int vmm_calls(void)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct termios t;
	char buf[16], buf2[16];
	struct iovec iov = { buf, sizeof(buf) };
	void *p;
	int fd;

	/* memory, randomness, a terminal ioctl (ENOTTY on a pipe is an answer) */
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise(p, 1 << 20, MADV_DONTNEED) < 0 || munmap(p, 1 << 20) < 0)
		return -1;
	if (getrandom(buf, sizeof(buf), GRND_NONBLOCK) != sizeof(buf))
		return -1;
	tcgetattr(STDERR_FILENO, &t);
	/* the kernel of a reset, through the fd kept before the filter */
	fd = boot_open(kernel_path);
	if (fd < 0 || read(fd, buf2, sizeof(buf2)) != sizeof(buf2) || close(fd) < 0)
		return -1;
	/* a raw disk read through the restricted ring */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_readv(sqe, data_fd, &iov, 1, 0);
	if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe) < 0 ||
	    cqe->res != sizeof(buf) || memcmp(buf, buf2, sizeof(buf)))
		return -1;
	io_uring_cqe_seen(&ring, cqe);
	if (snapshot_like() < 0 || guest_clock_reads() < 0 || recv_dir_fd() < 0)
		return -1;
	/* a thread's allocations */
	if (write(go[1], "", 1) != 1 || pthread_join(worker, &p) || p != (void *)1)
		return -1;
	/* the API socket removed at exit */
	unix_unlink(sock_path);
	return 0;
}

TEST(filter_allows_what_the_vmm_does)
{
	struct outcome o;
	struct stat st;
	char p[160];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/vmon-sandbox.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", dir);
	snprintf(kernel_path, sizeof(kernel_path), "%s/bzImage", dir);
	fd = open(kernel_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(32, write(fd, "0123456789abcdefghijklmnopqrstuv", 32));
	close(fd);

	run_sandboxed(vmm_setup, vmm_calls, &o);
	EXPECT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == CHILD_RETURNED)
	{
		TH_LOG("status 0x%x, stderr: %s", o.status, o.err);
	}
	snprintf(p, sizeof(p), "%s/snap/state", dir);
	EXPECT_EQ(0, stat(p, &st));
	EXPECT_NE(0, lstat(sock_path, &st)); /* unlinked by the child */
	unlink(p);
	snprintf(p, sizeof(p), "%s/snap", dir);
	rmdir(p);
	unlink(kernel_path);
	unlink(sock_path);
	rmdir(dir);
}

/* ---- the restricted ring -------------------------------------------------- */

/* Submit an OPENAT of /dev/null on @r; its completion's result. */
static int uring_openat(struct io_uring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct io_uring_cqe *cqe;
	int res;

	io_uring_prep_openat(sqe, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	if (io_uring_submit(r) != 1 || io_uring_wait_cqe(r, &cqe) < 0)
		return -EIO;
	res = cqe->res;
	io_uring_cqe_seen(r, cqe);
	if (res >= 0)
		close(res);
	return res;
}

TEST(restricted_ring_refuses_openat)
{
	struct io_uring plain, restricted;
	int e = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, e);
	/* the SQE is good: a plain ring opens the file */
	ASSERT_EQ(0, io_uring_queue_init(4, &plain, 0));
	EXPECT_LE(0, uring_openat(&plain));
	io_uring_queue_exit(&plain);

	ASSERT_EQ(0, blk_uring_init(&restricted, 4, e));
	EXPECT_EQ(-EACCES, uring_openat(&restricted));
	io_uring_queue_exit(&restricted);
	close(e);
}

TEST_HARNESS_MAIN
