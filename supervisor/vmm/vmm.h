/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon-vmm: the shared model of one virtual machine.
 *
 * One process per VM. vCPU threads run KVM_RUN and dispatch port and MMIO
 * exits to the device model under the big device lock; the main thread runs
 * an epoll loop for everything asynchronous (ioeventfds, io_uring
 * completions, tap, console input, the control socket) under the same lock.
 */
#ifndef VMON_VMM_H
#define VMON_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VMM_MAX_CPUS 64
#define VMM_MAX_DEVS 16

/* Guest physical layout. */
#define GPA_LOW_LIMIT 0xc0000000ULL /* RAM below 4 GiB ends here at most */
#define GPA_PCI_MMIO 0xc0000000ULL  /* BARs are placed from here up */
#define GPA_PCI_MMIO_END 0xfec00000ULL
#define GPA_HIGH 0x100000000ULL /* RAM above GPA_LOW_LIMIT continues here */

enum vm_state {
	VM_RUNNING,
	VM_PAUSED,
	VM_STOPPING,
};

/*
 * Why the VMM ends; vm_exit_status() maps it to the process's exit status
 * (documented in --help and vmon-vmm(1)).
 */
enum vm_exit {
	VM_EXIT_NONE = -1,
	VM_EXIT_POWEROFF = 0, /* the guest powered off (ACPI S5): status 0 */
	VM_EXIT_ERROR = 1,    /* internal or KVM error: status 1 */
	VM_EXIT_CRASH = 3,    /* the guest kernel panicked: status 3 */
	VM_EXIT_REBOOT = 4,   /* the guest reset, --on-reboot destroy: status 4 */
	VM_EXIT_STOP = 16,    /* told to stop (quit, a signal): status 0 */
};
/* Older name of the reboot end. */
#define VM_EXIT_RESET VM_EXIT_REBOOT

static inline int vm_exit_status(int reason)
{
	return reason == VM_EXIT_STOP ? 0 : reason;
}

/* How each end is named in logs and the API. */
static inline const char *vm_exit_name(int reason)
{
	switch (reason) {
	case VM_EXIT_POWEROFF:
		return "powered off";
	case VM_EXIT_REBOOT:
		return "reboot";
	case VM_EXIT_CRASH:
		return "crashed";
	case VM_EXIT_STOP:
		return "stopped";
	case VM_EXIT_ERROR:
		return "error";
	default:
		return "running";
	}
}

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	pid_t tid;
	bool paused; /* parked in the pause wait */
	/* KVM's binary statistics (vcpu_stats.c); stats_fd -1 without them */
	int stats_fd;
	off_t at_blocking, at_halt_wait;
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int run_size;
	/* Guest RAM: one host mapping; [0, low) at GPA 0, the rest at 4 GiB. */
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t low_size;
	bool merge; /* MADV_MERGEABLE */
	bool hugepages;

	int ncpus;     /* created: --max-cpus (or --cpus) */
	int boot_cpus; /* present at boot: --cpus; cpu_hotplug.c has the rest */
	struct vcpu vcpus[VMM_MAX_CPUS];

	/* The big device lock, and the run state it protects. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum vm_state state;
	int exit_reason; /* enum vm_exit */
	int nparked;
	/* ACPI S3: parked until a wakeup (pm.c); the API calls it pmsuspended. */
	bool pmsuspended;
	/*
	 * A disk's werror=/rerror= stop paused the VM and holds the failed
	 * requests, to submit them again on resume (QEMU's io-error status).
	 */
	bool io_error;
	/* A guest reset: restart in place (--on-reboot restart) or end. */
	bool on_reboot_restart;
	bool reboot_pending; /* the main loop restarts the VM */
	unsigned int reboots;

	int epfd;
	int stop_fd; /* eventfd: wakes the main loop to end */

	/* Next free GSI for MSI routes; the routing table is in kvm.c. */
	uint32_t next_gsi;
};

/* vcpu_stats.c: KVM's "blocking" and "halt_wait_ns" of a vCPU */
void vcpu_stats_open(struct vcpu *v);
int vcpu_stats_read(const struct vcpu *v, bool *halted, uint64_t *halt_wait_ns);

/* kvm.c */
int kvm_create(struct vm *vm);
int kvm_create_vcpus(struct vm *vm);
int kvm_start_vcpus(struct vm *vm);
void kvm_join_vcpus(struct vm *vm);
/* Out of KVM_RUN, now: the thread then looks at the VM's state. */
void vcpu_kick(struct vcpu *v);
void vm_request_exit(struct vm *vm, int reason);
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
/*
 * From a vCPU thread (lock held): stop every vCPU at its next exit without
 * waiting; @pmsuspend marks the VM suspended to RAM. Wakes the main loop.
 */
void vm_park(struct vm *vm, bool pmsuspend);
/* Lock held, not on a vCPU thread: wait until every vCPU is parked. */
void vm_wait_parked(struct vm *vm);
/* The guest reset: restart in place or end, as --on-reboot says. */
void vm_request_reboot(struct vm *vm);
int kvm_irq_line(struct vm *vm, int irq, int level);
int kvm_alloc_gsi(struct vm *vm);
int kvm_set_msi_route(struct vm *vm, uint32_t gsi, uint64_t addr, uint32_t data, bool valid);
int kvm_irqfd(struct vm *vm, int fd, uint32_t gsi);
int kvm_ioeventfd(struct vm *vm, int fd, uint64_t addr, int len, bool assign);

/* memory.c */
int mem_alloc(struct vm *vm, uint64_t size);
void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* io.c: port and MMIO dispatch. */
typedef void (*io_fn)(void *opaque, uint64_t off, uint8_t *data, int size, bool write);
int io_register_pio(uint16_t base, uint16_t len, io_fn fn, void *opaque);
int io_register_mmio(uint64_t base, uint64_t len, io_fn fn, void *opaque);
void io_dispatch_pio(struct vm *vm, uint16_t port, uint8_t *data, int size, bool write);
void io_dispatch_mmio(struct vm *vm, uint64_t addr, uint8_t *data, int size, bool write);
extern uint64_t io_bad_accesses;

/* loop.c: the main epoll loop. */
typedef void (*ev_fn)(void *opaque, uint32_t events);
int ev_add(struct vm *vm, int fd, uint32_t events, ev_fn fn, void *opaque);
int ev_mod(struct vm *vm, int fd, uint32_t events, ev_fn fn, void *opaque);
void ev_del(struct vm *vm, int fd);
int ev_run(struct vm *vm);
/* One epoll_wait (up to @timeout_ms) and its callbacks: events handled, or -1. */
int ev_run_once(struct vm *vm, int timeout_ms);

/*
 * unix_sock.c: a listening unix socket at @path, mode 0600 from its creation
 * (a stale socket there is replaced); the fd (non-blocking), or -1 and errno.
 */
int unix_listen(const char *path, int backlog);
/* Remove the socket unix_listen() made at @path, relative to its directory. */
void unix_unlink(const char *path);

/* Logging: to stderr, prefixed, never to the guest console. */
void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * vmm_warn(): what a guest can cause (a refused request, a failing back
 * end), so rate-limited per call site: at most VMM_WARN_BURST lines in
 * VMM_WARN_WINDOW_S seconds, then one line saying how many were left out.
 * A guest cannot fill the host's disk through our stderr.
 */
#define VMM_WARN_BURST 10
#define VMM_WARN_WINDOW_S 5
struct vmm_ratelimit {
	uint64_t start_ns;
	unsigned int printed, suppressed;
};
bool vmm_ratelimit(struct vmm_ratelimit *rl);
#define vmm_warn(...)                                                                              \
	do {                                                                                       \
		static struct vmm_ratelimit rl_;                                                   \
		if (vmm_ratelimit(&rl_))                                                           \
			vmm_log(__VA_ARGS__);                                                      \
	} while (0)

/* Little-endian access helpers into byte buffers. */
static inline uint64_t ld_le(const uint8_t *p, int size)
{
	uint64_t v = 0;

	for (int i = size - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void st_le(uint8_t *p, int size, uint64_t v)
{
	for (int i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

#endif /* VMON_VMM_H */
