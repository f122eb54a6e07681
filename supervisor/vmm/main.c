// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm: one KVM virtual machine per process. Parses the command line,
 * builds the machine, boots the kernel and runs until the guest resets or
 * powers off, a control client stops it, or something fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vmon.h>

#include "vmm.h"
#include "acpi.h"
#include "agent.h"
#include "boot.h"
#include "chardev.h"
#include "config.h"
#include "devices.h"
#include "pci.h"
#include "snapshot.h"

/* Appended before the user's command line: what this machine needs. */
#define BASE_CMDLINE "console=ttyS0 reboot=k panic=1 i8042.nopnp i8042.noaux i8042.dumbkbd"

static struct vm the_vm;

static void hvc_client(int fd)
{
	console_hvc_attach(fd, fd, true);
}

/* --console (the serial port, ttyS0) and --hvc (virtio console port 0, hvc0) */
#define CHARDEV(o, fn)                                                                             \
	{                                                                                          \
		.opt = o, .attach = fn, .in_fd = -1, .out_fd = -1, .listen_fd = -1                 \
	}
static struct chardev serial_con = CHARDEV("--console", serial_attach);
static struct chardev hvc_con = CHARDEV("--hvc", hvc_client);

static void usage(FILE *f)
{
	fputs("usage: vmon-vmm --kernel BZIMAGE [OPTION]...\n"
	      "Run one KVM virtual machine that boots a Linux bzImage directly.\n"
	      "\n"
	      "  -k, --kernel FILE      the bzImage to boot (required)\n"
	      "  -i, --initrd FILE      the initial ramdisk\n"
	      "  -a, --append ARGS      more kernel command line (after: " BASE_CMDLINE ")\n"
	      "  -c, --cpus N           vCPUs, 1-64 (default 1)\n"
	      "      --max-cpus M       up to M vCPUs (N-64) by ACPI CPU hot add: the API's\n"
	      "                         set-vcpus adds them, or asks the guest to give\n"
	      "                         them back (default N: no hotplug)\n"
	      "  -m, --memory MIB       guest RAM in MiB (default 256)\n"
	      "      --console WHERE    the serial console (ttyS0): stdio (default),\n"
	      "                         file:PATH, pty, unix:PATH (a socket whose latest\n"
	      "                         client is the console), none\n"
	      "      --hvc WHERE        a second console, hvc0 on a virtio-console port\n"
	      "                         (the guest's console=hvc0 or a getty on it);\n"
	      "                         WHERE as for --console, stdio only when the\n"
	      "                         serial console is not there\n"
	      "      --disk PATH[,ro][,format=raw|qcow2][,backend=auto|uring|vmon-blk]\n"
	      "                 [,cache=writeback|none][,serial=ID][,iops=N][,bps=N]\n"
	      "                 [,iops_max=N][,bps_max=N][,iops_rd=N][,bps_wr=N]...\n"
	      "                 [,werror=report|stop|enospc][,rerror=report|stop]\n"
	      "                         a virtio-blk disk on an image or block device;\n"
	      "                         the format is probed unless given (qcow2 with\n"
	      "                         backing chains through libqcow2); a probed raw\n"
	      "                         image refuses guest writes of a qcow2 header to\n"
	      "                         sector 0; auto: vmon-blk for raw images when\n"
	      "                         /dev/vmon-blk exists and format=raw is given,\n"
	      "                         else uring (userspace); cache=none opens a raw image\n"
	      "                         O_DIRECT (vmon-blk then sends bios to a block\n"
	      "                         device); serial= the ID the guest reads; iops=,\n"
	      "                         bps= vmon-blk's limits (requests and bytes per\n"
	      "                         second, reads and writes together; iops_rd=,\n"
	      "                         bps_rd=, iops_wr=, bps_wr= for reads or writes\n"
	      "                         alone), *_max= what may pass at once; werror=,\n"
	      "                         rerror= what a failed write or read does: report\n"
	      "                         it to the guest, or stop the VM until resume\n"
	      "                         retries it (enospc: on a full disk only); repeatable\n"
	      "      --net tap=IF[,mac=MAC][,backend=user|vhost|vmon-net]\n"
	      "                         a virtio-net NIC on an existing tap interface\n"
	      "      --rng              a virtio-rng device fed from /dev/urandom\n"
	      "      --balloon          a virtio-balloon device\n"
	      "      --api PATH         serve the JSON control API on this unix socket\n"
	      "      --agent PATH       a virtio-console with the guest agent's port\n"
	      "                         (org.qemu.guest_agent.0), its host side on this\n"
	      "                         unix socket (one client at a time) and behind the\n"
	      "                         API's agent request\n"
	      "      --name NAME        the VM's name for vmon accounting (default vmm-PID)\n"
	      "      --restore DIR      resume the VM saved in DIR by the snapshot command;\n"
	      "                         its saved options apply, later ones add to them\n"
	      "      --no-merge         do not mark guest RAM MADV_MERGEABLE (KSM)\n"
	      "      --hugepages        back guest RAM with 2 MiB hugepages\n"
	      "      --no-seccomp       do not install the seccomp filter\n"
	      "      --user USER        run as USER (a name or UID:GID) once the VM is built;\n"
	      "                         started as root the default is " VMM_DEFAULT_USER ",\n"
	      "                         --user root stays root\n"
	      "      --on-reboot WHAT   when the guest resets: destroy (default: end with\n"
	      "                         status 4) or restart (boot again in place)\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "       vmon-vmm --call SOCKET REQUEST\n"
	      "Send one JSON request to a running VMM, print the answer (see vmon-vmm(1)).\n"
	      "\n"
	      "Exit status: 0 when the guest powered off (ACPI S5) or the VMM was told\n"
	      "to stop (quit, SIGINT/SIGTERM/SIGHUP), 1 on an error, 2 on a usage error,\n"
	      "3 when the guest kernel panicked, 4 when the guest rebooted (reset) and\n"
	      "--on-reboot is destroy.\n",
	      f);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmon-vmm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see --help)\n");
	return 2;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static void on_signal(void *opaque, uint32_t events)
{
	struct signalfd_siginfo si;
	int fd = (int)(intptr_t)opaque;

	(void)events;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		vmm_log("signal %u: stopping the VM", si.ssi_signo);
		vm_request_exit(&the_vm, VM_EXIT_STOP);
	}
}

static int vmm_main(int argc, char **argv, const char *restore);

/* The stop eventfd: the VM ends (ev_run sees it), or a guest reset restarts it. */
static void on_stop(void *opaque, uint32_t events)
{
	struct vm *vm = opaque;
	uint64_t n;
	char err[256];

	(void)events;
	if (vm->state == VM_STOPPING || read(vm->stop_fd, &n, sizeof(n)) < 0 || !vm->reboot_pending)
		return;
	vm->reboot_pending = false;
	vm_wait_parked(vm);
	if (vm_reset(vm, err, sizeof(err)) < 0) {
		vmm_log("guest reboot: %s", err);
		vm_request_exit(vm, VM_EXIT_REBOOT);
		return;
	}
	vm->reboots++;
	vmm_log("guest rebooted (--on-reboot restart), %u so far", vm->reboots);
}

int main(int argc, char **argv)
{
	const char *restore = NULL;
	char **merged = NULL;

	if (argc >= 2 && !strcmp(argv[1], "--call")) {
		if (argc != 4)
			return usage_error("%s", "--call takes SOCKET and REQUEST");
		return api_call(argv[2], argv[3]);
	}
	/* --restore DIR: the saved command line first, then ours. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--restore") || !strncmp(argv[i], "--restore=", 10)) {
			int sargc = 0, k = 0;
			char **sargv;

			restore = argv[i][9] ? argv[i] + 10 : argv[i + 1];
			if (!restore)
				return usage_error("%s", "--restore needs a directory");
			sargv = snapshot_args(restore, &sargc);
			if (!sargv) {
				fprintf(stderr, "vmon-vmm: --restore '%s': not a snapshot\n",
					restore);
				return 1;
			}
			merged = calloc((size_t)(sargc + argc + 1), sizeof(*merged));
			for (int j = 0; j < sargc; j++)
				merged[k++] = sargv[j];
			for (int j = 1; j < argc; j++) {
				if (j == i) {
					j += argv[i][9] ? 0 : 1;
					continue;
				}
				merged[k++] = argv[j];
			}
			argc = k;
			argv = merged;
			break;
		}
	}
	return vmm_main(argc, argv, restore);
}

enum {
	OPT_CONSOLE = 256,
	OPT_DISK,
	OPT_NET,
	OPT_RNG,
	OPT_BALLOON,
	OPT_API,
	OPT_AGENT,
	OPT_NO_MERGE,
	OPT_HUGE,
	OPT_NO_SECCOMP,
	OPT_USER,
	OPT_NAME,
	OPT_ON_REBOOT,
	OPT_MAX_CPUS,
	OPT_HVC,
};

/* One option of the command line into @cfg: -1 to go on, else the exit status. */
static int take_opt(int c, const char *arg, struct vmm_config *cfg, const char **user_arg)
{
	struct vm *vm = &the_vm;
	unsigned long n;

	switch (c) {
	case 'k':
		cfg->kernel = arg;
		return -1;
	case 'i':
		cfg->initrd = arg;
		return -1;
	case 'a':
		cfg->append = arg;
		return -1;
	case 'c':
		if (!parse_uint(arg, 1, VMM_MAX_CPUS, &n))
			return usage_error("--cpus: '%s' is not a number from 1 to 64", arg);
		cfg->cpus = (int)n;
		return -1;
	case OPT_MAX_CPUS:
		if (!parse_uint(arg, 1, VMM_MAX_CPUS, &n))
			return usage_error("--max-cpus: '%s' is not a number from 1 to 64", arg);
		cfg->max_cpus = (int)n;
		return -1;
	case 'm':
		if (!parse_uint(arg, 32, 1 << 20, &n))
			return usage_error("--memory: '%s' is not a size in MiB from 32 up", arg);
		cfg->memory_mib = n;
		return -1;
	case OPT_CONSOLE:
		cfg->console = arg;
		return -1;
	case OPT_DISK:
		if (cfg->ndisks >= VMM_MAX_DISKS)
			return usage_error("--disk '%s': too many disks", arg);
		if (config_parse_disk(arg, &cfg->disks[cfg->ndisks]) < 0)
			return 2;
		cfg->ndisks++;
		return -1;
	case OPT_NET:
		if (cfg->nnets >= VMM_MAX_NETS)
			return usage_error("--net '%s': too many NICs", arg);
		if (config_parse_net(arg, &cfg->nets[cfg->nnets]) < 0)
			return 2;
		cfg->nnets++;
		return -1;
	case OPT_RNG:
		cfg->rng = true;
		return -1;
	case OPT_BALLOON:
		cfg->balloon = true;
		return -1;
	case OPT_API:
		cfg->api = arg;
		return -1;
	case OPT_AGENT:
		cfg->agent = arg;
		return -1;
	case OPT_HVC:
		cfg->hvc = arg;
		return -1;
	case OPT_NAME:
		if (!*arg || strlen(arg) >= VMON_VM_NAME_MAX)
			return usage_error("--name: '%s' must be 1 to 63 bytes", arg);
		cfg->name = arg;
		return -1;
	case OPT_ON_REBOOT:
		if (strcmp(arg, "restart") && strcmp(arg, "destroy"))
			return usage_error("--on-reboot: '%s' is not restart or destroy", arg);
		vm->on_reboot_restart = !strcmp(arg, "restart");
		return -1;
	case OPT_NO_MERGE:
		cfg->merge = false;
		return -1;
	case OPT_HUGE:
		cfg->hugepages = true;
		return -1;
	case OPT_NO_SECCOMP:
		cfg->seccomp = false;
		return -1;
	case OPT_USER:
		*user_arg = arg;
		return -1;
	case 'h':
		usage(stdout);
		return 0;
	default:
		return usage_error("%s", "invalid option");
	}
}

/* The command line into @cfg: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct vmm_config *cfg, const char **user_arg)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "max-cpus", required_argument, NULL, OPT_MAX_CPUS },
		{ "memory", required_argument, NULL, 'm' },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "net", required_argument, NULL, OPT_NET },
		{ "rng", no_argument, NULL, OPT_RNG },
		{ "balloon", no_argument, NULL, OPT_BALLOON },
		{ "api", required_argument, NULL, OPT_API },
		{ "agent", required_argument, NULL, OPT_AGENT },
		{ "hvc", required_argument, NULL, OPT_HVC },
		{ "no-merge", no_argument, NULL, OPT_NO_MERGE },
		{ "hugepages", no_argument, NULL, OPT_HUGE },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "user", required_argument, NULL, OPT_USER },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "on-reboot", required_argument, NULL, OPT_ON_REBOOT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:i:a:c:m:h", opts, NULL)) != -1) {
		int ret = take_opt(c, optarg, cfg, user_arg);

		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg->kernel)
		return usage_error("%s", "--kernel is required");
	if (cfg->max_cpus && cfg->max_cpus < cfg->cpus) {
		fprintf(stderr, "vmon-vmm: --max-cpus %d is below --cpus %d (see --help)\n",
			cfg->max_cpus, cfg->cpus);
		return 2;
	}
	if (!chardev_spec_ok(cfg->console))
		return usage_error(
			"--console: '%s' is not stdio, file:PATH, pty, unix:PATH or none",
			cfg->console);
	if (cfg->hvc && !chardev_spec_ok(cfg->hvc))
		return usage_error("--hvc: '%s' is not stdio, file:PATH, pty, unix:PATH or none",
				   cfg->hvc);
	if (cfg->hvc && !strcmp(cfg->hvc, "stdio") && !strcmp(cfg->console, "stdio"))
		return usage_error("%s", "--hvc stdio: stdio is the serial console's (give "
					 "--console another WHERE)");
	return -1;
}

/* The VM's lock, main loop, stop eventfd and signals. */
static int setup_loop(struct vm *vm, const struct vmm_config *cfg)
{
	sigset_t sigs;
	int sfd;

	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->exit_reason = VM_EXIT_NONE;
	vm->boot_cpus = cfg->cpus;
	vm->ncpus = cfg->max_cpus > cfg->cpus ? cfg->max_cpus : cfg->cpus;
	vm->merge = cfg->merge;
	vm->hugepages = cfg->hugepages;
	vm->epfd = epoll_create1(EPOLL_CLOEXEC);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->epfd < 0 || vm->stop_fd < 0) {
		vmm_log("epoll/eventfd: %s", strerror(errno));
		return -1;
	}
	ev_add(vm, vm->stop_fd, EPOLLIN, on_stop, vm);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	ev_add(vm, sfd, EPOLLIN, on_signal, (void *)(intptr_t)sfd);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The machine: KVM, RAM, vCPUs, devices; then the restored or booted guest. */
static int build_machine(struct vm *vm, const struct vmm_config *cfg, const char *restore, int argc,
			 char **argv)
{
	char cmdline[BOOT_CMDLINE_MAX];

	snprintf(cmdline, sizeof(cmdline), "%s%s%s", BASE_CMDLINE, cfg->append ? " " : "",
		 cfg->append ? cfg->append : "");
	if (chardev_open(&serial_con, cfg->console) < 0 ||
	    (cfg->hvc && chardev_open(&hvc_con, cfg->hvc) < 0))
		return -1;
	if (kvm_create(vm) < 0 || mem_alloc(vm, (uint64_t)cfg->memory_mib << 20) < 0 ||
	    kvm_create_vcpus(vm) < 0)
		return -1;
	/* Optional: without /dev/vmon the VM just runs unaccounted. */
	accounting_register(vm, cfg->name);
	if (chardev_listen(vm, &serial_con) < 0 ||
	    serial_init(vm, serial_con.in_fd, serial_con.out_fd) < 0 || i8042_init(vm) < 0 ||
	    rtc_init(vm) < 0 || pm_init(vm) < 0 || cpuhp_init(vm) < 0 || pci_init(vm) < 0)
		return -1;
	if (devices_create(vm, cfg) < 0)
		return -1;
	if (cfg->hvc) {
		console_hvc_attach(hvc_con.in_fd, hvc_con.out_fd, false);
		if (chardev_listen(vm, &hvc_con) < 0)
			return -1;
	}
	snapshot_set_args(argc, argv);
	if (restore) {
		if (snapshot_restore(vm, restore) < 0)
			return -1;
		if (pm_suspended()) { /* saved in S3: stays there until a wakeup */
			vm->state = VM_PAUSED;
			vm->pmsuspended = true;
		}
		return 0;
	}
	if (vm_save_initial(vm, cfg, cmdline) < 0 ||
	    boot_linux(vm, cfg->kernel, cfg->initrd, cmdline) < 0)
		return -1;
	return 0;
}

/* After the main loop: stop everything, say why the VM ended; the status. */
static int finish(struct vm *vm, const struct vmm_config *cfg)
{
	int ret;

	pthread_mutex_lock(&vm->lock);
	if (vm->state != VM_STOPPING)
		vm_request_exit(vm, VM_EXIT_ERROR);
	pthread_mutex_unlock(&vm->lock);
	kvm_join_vcpus(vm);
	devices_stop(vm);
	accounting_unregister();
	chardev_close(&serial_con);
	if (cfg->hvc)
		chardev_close(&hvc_con);
	if (cfg->api)
		api_exit();
	if (cfg->agent)
		agent_exit();

	ret = vm->exit_reason;
	if (serial_saw_panic()) {
		char tail[8192];
		size_t len = serial_tail(tail, sizeof(tail) - 1);

		tail[len] = 0;
		vmm_log("guest crashed: kernel panic; console tail:\n%s", tail);
		ret = VM_EXIT_CRASH;
	}
	vmm_log("exit %d: %s", vm_exit_status(ret), vm_exit_name(ret));
	return vm_exit_status(ret);
}

static int vmm_main(int argc, char **argv, const char *restore)
{
	struct vmm_config cfg = {
		.cpus = 1, .memory_mib = 256, .console = "stdio", .merge = true, .seccomp = true
	};
	struct vm *vm = &the_vm;
	const char *user_arg = NULL;
	struct vmm_user user;
	int ret = parse_args(argc, argv, &cfg, &user_arg);

	if (ret >= 0)
		return ret;
	if (vmm_user_default(user_arg, &user) < 0)
		return 2;
	if (cfg.seccomp)
		seccomp_prepare();
	if (setup_loop(vm, &cfg) < 0 || build_machine(vm, &cfg, restore, argc, argv) < 0)
		return 1;
	if (cfg.api && api_init(vm, cfg.api) < 0)
		return 1;
	if (cfg.agent && agent_init(vm, cfg.agent) < 0)
		return 1;
	/* Everything privileged is open: become the unprivileged user. */
	if (vmm_user_drop(&user) < 0)
		return 1;
	if (kvm_start_vcpus(vm) < 0)
		return 1;
	if (cfg.seccomp && seccomp_install() < 0) {
		vm_request_exit(vm, VM_EXIT_ERROR);
		kvm_join_vcpus(vm);
		return 1;
	}
	ev_run(vm);
	return finish(vm, &cfg);
}
