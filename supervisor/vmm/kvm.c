// SPDX-License-Identifier: GPL-2.0
/*
 * KVM: the VM, its in-kernel irqchip and PIT, the vCPU threads and their
 * run loop, MSI routes, irqfds and ioeventfds.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"
#include "acpi.h"
#include "boot.h"

#define KICK_SIGNAL SIGUSR1
#define MAX_ROUTES 1024

static struct kvm_irq_routing *routing;

/* The default routes KVM starts with, which KVM_SET_GSI_ROUTING replaces. */
static void routes_init(void)
{
	struct kvm_irq_routing_entry *e;

	routing = calloc(1, sizeof(*routing) + MAX_ROUTES * sizeof(*e));
	if (!routing)
		abort();
	for (uint32_t gsi = 0; gsi < 24; gsi++) {
		if (gsi < 16) {
			e = &routing->entries[routing->nr++];
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip =
				gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi % 8;
		}
		e = &routing->entries[routing->nr++];
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi;
	}
}

int kvm_alloc_gsi(struct vm *vm)
{
	return vm->next_gsi++;
}

int kvm_set_msi_route(struct vm *vm, uint32_t gsi, uint64_t addr, uint32_t data, bool valid)
{
	struct kvm_irq_routing_entry *e = NULL;
	uint32_t i;

	if (!routing) /* no KVM (unit tests) */
		return 0;
	for (i = 0; i < routing->nr; i++) {
		if (routing->entries[i].gsi == gsi) {
			e = &routing->entries[i];
			break;
		}
	}
	if (!valid) {
		if (!e)
			return 0;
		routing->entries[i] = routing->entries[--routing->nr];
	} else {
		if (!e) {
			if (routing->nr >= MAX_ROUTES)
				return -ENOSPC;
			e = &routing->entries[routing->nr++];
		}
		memset(e, 0, sizeof(*e));
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (uint32_t)addr;
		e->u.msi.address_hi = (uint32_t)(addr >> 32);
		e->u.msi.data = data;
	}
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, routing) < 0) {
		vmm_warn("KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int kvm_irqfd(struct vm *vm, int fd, uint32_t gsi)
{
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = gsi };

	return ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

int kvm_ioeventfd(struct vm *vm, int fd, uint64_t addr, int len, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = (uint32_t)len,
		.fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

int kvm_irq_line(struct vm *vm, int irq, int level)
{
	struct kvm_irq_level l = { .irq = (uint32_t)irq, .level = (uint32_t)level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int kvm_create(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	int ver;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		vmm_log("cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	ver = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		vmm_log("/dev/kvm: API version %d, want %d", ver, KVM_API_VERSION);
		return -1;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		vmm_log("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		vmm_log("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0) {
		vmm_log("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -1;
	}
	uint64_t idmap = 0xfffbc000ULL;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
		vmm_log("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		vmm_log("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		vmm_log("KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}
	routes_init();
	vm->next_gsi = 24;
	return 0;
}

/*
 * CPUID: what KVM supports, with the topology made consistent with our
 * vCPU count and the hypervisor bit set; leaves that describe host-only
 * facilities (PMU) are filtered out.
 */
static int setup_cpuid(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int n = 128;
	struct kvm_cpuid2 *c;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -1;
		c->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		free(c);
		if (errno != E2BIG) {
			vmm_log("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return -1;
		}
		n *= 2;
	}
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx &= 0x0000ffff;
			e->ebx |= (uint32_t)vcpu->id << 24;
			e->ebx |= (uint32_t)(vm->ncpus > 255 ? 255 : vm->ncpus) << 16;
			e->ecx |= 1u << 31; /* hypervisor */
			if (vm->ncpus > 1)
				e->edx |= 1u << 28; /* HTT: the count in ebx is valid */
			break;
		case 0xa: /* architectural PMU: not offered */
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		case 0xb:
		case 0x1f:
			e->edx = (uint32_t)vcpu->id;
			break;
		}
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0) {
		vmm_log("KVM_SET_CPUID2: %s", strerror(errno));
		free(c);
		return -1;
	}
	free(c);
	return 0;
}

int kvm_create_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0) {
			vmm_log("KVM_CREATE_VCPU %d: %s", i, strerror(errno));
			return -1;
		}
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			vmm_log("mmap of vcpu %d: %s", i, strerror(errno));
			return -1;
		}
		if (setup_cpuid(v) < 0)
			return -1;
		vcpu_stats_open(v);
	}
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	v->run->immediate_exit = 1;
	if (v->thread)
		pthread_kill(v->thread, KICK_SIGNAL);
}

static void kick_all(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

void vm_request_exit(struct vm *vm, int reason)
{
	uint64_t one = 1;

	if (vm->exit_reason == VM_EXIT_NONE)
		vm->exit_reason = reason;
	vm->state = VM_STOPPING;
	pthread_cond_broadcast(&vm->cond);
	kick_all(vm);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		vmm_warn("stop eventfd: %s", strerror(errno));
}

void vm_park(struct vm *vm, bool pmsuspend)
{
	uint64_t one = 1;

	if (vm->state != VM_RUNNING)
		return;
	vm->state = VM_PAUSED;
	if (pmsuspend)
		vm->pmsuspended = true;
	kick_all(vm);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		vmm_warn("stop eventfd: %s", strerror(errno));
}

void vm_wait_parked(struct vm *vm)
{
	while (vm->nparked < vm->ncpus && vm->state == VM_PAUSED)
		pthread_cond_wait(&vm->cond, &vm->lock);
}

void vm_request_reboot(struct vm *vm)
{
	if (!vm->on_reboot_restart || vm->state == VM_STOPPING) {
		vm_request_exit(vm, VM_EXIT_REBOOT);
		return;
	}
	vm->reboot_pending = true;
	vm_park(vm, false);
}

/* Called with vm->lock held: returns once every vCPU is parked. */
void vm_pause(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return;
	vm->state = VM_PAUSED;
	kick_all(vm);
	while (vm->nparked < vm->ncpus && vm->state == VM_PAUSED)
		pthread_cond_wait(&vm->cond, &vm->lock);
}

void vm_resume(struct vm *vm)
{
	if (vm->state != VM_PAUSED)
		return;
	vm->state = VM_RUNNING;
	pthread_cond_broadcast(&vm->cond);
}

/* Must @v stay out of KVM_RUN? Paused, or not present (hot add). */
static bool vcpu_held(struct vcpu *v)
{
	struct vm *vm = v->vm;

	return vm->state == VM_PAUSED || (vm->state == VM_RUNNING && !cpuhp_present(v->id));
}

/*
 * Park while paused or absent; false when the VM is ending. Called with the
 * lock. A parked vCPU counts in nparked, so an absent one is always parked
 * for vm_pause().
 */
static bool vcpu_gate(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (vcpu_held(v)) {
		/*
		 * An exit to userspace leaves its instruction half done (RIP
		 * still at an OUT, say) until the next KVM_RUN: complete it
		 * now, so that a snapshot taken while parked is consistent.
		 * (A vCPU that never ran returns at once.)
		 */
		v->run->immediate_exit = 1;
		ioctl(v->fd, KVM_RUN, 0);
		vm->nparked++;
		pthread_cond_broadcast(&vm->cond);
		while (vcpu_held(v))
			pthread_cond_wait(&vm->cond, &vm->lock);
		vm->nparked--;
	}
	v->run->immediate_exit = 0;
	return vm->state == VM_RUNNING;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	uint8_t *data = (uint8_t *)r + r->io.data_offset;
	bool write = r->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < r->io.count; i++) {
		io_dispatch_pio(v->vm, r->io.port, data, r->io.size, write);
		data += r->io.size;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu %d", v->id);
	pthread_setname_np(pthread_self(), name);
	v->tid = (pid_t)syscall(SYS_gettid);
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	pthread_mutex_lock(&vm->lock);
	while (vcpu_gate(v)) {
		pthread_mutex_unlock(&vm->lock);
		int ret = ioctl(v->fd, KVM_RUN, 0);
		int err = errno;
		pthread_mutex_lock(&vm->lock);
		if (ret < 0) {
			if (err == EINTR || err == EAGAIN)
				continue;
			vmm_log("vcpu %d: KVM_RUN: %s", v->id, strerror(err));
			vm_request_exit(vm, VM_EXIT_ERROR);
			break;
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(v);
			break;
		case KVM_EXIT_MMIO:
			io_dispatch_mmio(vm, v->run->mmio.phys_addr, v->run->mmio.data,
					 (int)v->run->mmio.len, v->run->mmio.is_write);
			break;
		case KVM_EXIT_SHUTDOWN:
			vmm_log("vcpu %d: shutdown (triple fault or reset)", v->id);
			vm_request_reboot(vm);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			if (v->run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
				vm_request_exit(vm, VM_EXIT_POWEROFF);
			else
				vm_request_reboot(vm);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_log("vcpu %d: entry failed, reason 0x%llx", v->id,
				(unsigned long long)
					v->run->fail_entry.hardware_entry_failure_reason);
			vm_request_exit(vm, VM_EXIT_ERROR);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vmm_log("vcpu %d: KVM internal error, suberror %u", v->id,
				v->run->internal.suberror);
			vm_request_exit(vm, VM_EXIT_ERROR);
			break;
		default:
			vmm_log("vcpu %d: unhandled exit %u", v->id, v->run->exit_reason);
			vm_request_exit(vm, VM_EXIT_ERROR);
			break;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

int kvm_start_vcpus(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t set, old;

	sigaction(KICK_SIGNAL, &sa, NULL);
	/* Only vCPU threads take the kick signal. */
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < vm->ncpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (err) {
			vmm_log("cannot start vcpu %d: %s", i, strerror(err));
			return -1;
		}
	}
	return 0;
}

void kvm_join_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		if (vm->vcpus[i].thread)
			pthread_join(vm->vcpus[i].thread, NULL);
}
