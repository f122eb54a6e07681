// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hot add and remove (--max-cpus): which vCPUs are present, the
 * registers the DSDT's AML reads (acpi_cpus.c) and the set-vcpus request.
 *
 * Every possible vCPU is created at start, its KVM vCPU and its thread: a
 * vCPU that is not present parks in vcpu_gate() (kvm.c) and never enters
 * KVM_RUN, so the sandbox needs no clone or KVM_CREATE_VCPU later, and a
 * hostile guest cannot make the VMM create anything. Hot add marks vCPUs
 * present, lets their threads run (in KVM's wait-for-SIPI state, until the
 * guest starts them) and raises GPE 2: the guest's scan sees them and adds
 * them, and it onlines them as it onlines any CPU. Remove asks (RMRx): the
 * guest offlines the vCPU and runs its _EJ0, whose write of EJCT takes it
 * away here; a guest that refuses keeps it. vCPU 0 never goes.
 *
 * All under the device lock; vCPU n is bit n.
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "vmm.h"

static struct vm *hp_vm;
static struct cpuhp_state {
	uint64_t present, remove;
} st;

bool cpuhp_present(int id)
{
	return st.present >> id & 1;
}

int cpuhp_count(void)
{
	return __builtin_popcountll(st.present);
}

/* The guest's access to the registers; also the unit tests' way in. */
void cpuhp_io(uint64_t off, uint8_t *data, int size, bool write)
{
	uint8_t regs[CPUHP_IO_LEN] = { 0 };

	if (write) {
		/* EJCT: the guest's _EJ0 ran for the vCPU written */
		if (off == 0x10 && size >= 1)
			cpuhp_eject(data[0]);
		return;
	}
	st_le(regs + 0x0, 4, (uint32_t)st.present);
	st_le(regs + 0x4, 4, (uint32_t)(st.present >> 32));
	st_le(regs + 0x8, 4, (uint32_t)st.remove);
	st_le(regs + 0xc, 4, (uint32_t)(st.remove >> 32));
	for (int i = 0; i < size; i++)
		data[i] = off + (uint64_t)i < CPUHP_IO_LEN ? regs[off + (uint64_t)i] : 0xff;
}

static void hp_access(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	(void)opaque;
	cpuhp_io(off, data, size, write);
}

void cpuhp_eject(unsigned int id)
{
	struct vm *vm = hp_vm;

	if (!vm || !id || id >= (unsigned int)vm->ncpus || !cpuhp_present((int)id))
		return;
	st.present &= ~(1ULL << id);
	st.remove &= ~(1ULL << id);
	vmm_log("vcpu %u: removed (the guest ejected it)", id);
	/* out of KVM_RUN, to park in vcpu_gate() */
	vcpu_kick(&vm->vcpus[id]);
}

int cpuhp_init(struct vm *vm)
{
	hp_vm = vm;
	st.present = cpu_mask_first(vm->boot_cpus);
	st.remove = 0;
	if (vm->ncpus == vm->boot_cpus)
		return 0;
	return io_register_pio(CPUHP_IO, CPUHP_IO_LEN, hp_access, vm);
}

int cpuhp_set_vcpus(struct vm *vm, int count, char *err, size_t errlen)
{
	uint64_t want_present = 0, ask_remove = 0;
	int n = cpuhp_count();

	if (vm->ncpus == vm->boot_cpus) {
		snprintf(err, errlen,
			 "set-vcpus: the VM was started without --max-cpus above --cpus (%d): "
			 "no CPU hotplug",
			 vm->boot_cpus);
		return -1;
	}
	if (count < 1 || count > vm->ncpus) {
		snprintf(err, errlen,
			 "set-vcpus: \"count\" %d is not between 1 and --max-cpus (%d)", count,
			 vm->ncpus);
		return -1;
	}
	/* add the lowest absent ids; ask the guest for the highest present ones */
	for (int i = 0; i < vm->ncpus && n < count; i++) {
		if (!cpuhp_present(i)) {
			want_present |= 1ULL << i;
			n++;
		}
	}
	for (int i = vm->ncpus - 1; i > 0 && n > count; i--) {
		if (cpuhp_present(i)) {
			ask_remove |= 1ULL << i;
			n--;
		}
	}
	/* nothing added, the same removals asked: nothing for the guest */
	if (!want_present && ask_remove == st.remove)
		return 0;
	st.present |= want_present;
	/* a new count replaces the removals asked before */
	st.remove = ask_remove;
	if (want_present) {
		vmm_log("hot add: %d vCPUs present (mask %#llx)", cpuhp_count(),
			(unsigned long long)st.present);
		/* their threads leave vcpu_gate() */
		pthread_cond_broadcast(&vm->cond);
	}
	if (ask_remove)
		vmm_log("hot remove asked of the guest: mask %#llx",
			(unsigned long long)ask_remove);
	pm_gpe_raise(CPUHP_GPE);
	return 0;
}

size_t cpuhp_save(void *buf, size_t len)
{
	if (len < sizeof(st))
		return 0;
	memcpy(buf, &st, sizeof(st));
	return sizeof(st);
}

int cpuhp_load(struct vm *vm, const void *buf, size_t len)
{
	struct cpuhp_state s;

	if (len != sizeof(s))
		return -1;
	memcpy(&s, buf, sizeof(s));
	/* vCPU 0 is always there, and none beyond --max-cpus */
	if (!(s.present & 1) || (s.present & ~cpu_mask_first(vm->ncpus)) ||
	    (s.remove & ~cpu_mask_first(vm->ncpus)))
		return -1;
	st = s;
	pthread_cond_broadcast(&vm->cond);
	return 0;
}
