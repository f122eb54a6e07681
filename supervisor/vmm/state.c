// SPDX-License-Identifier: GPL-2.0
/*
 * Capture and apply of the machine state as tagged records: per vCPU the
 * registers, XSAVE (FPU/SSE/AVX), XCRs, special registers, MSRs, MP state,
 * LAPIC and pending events; the PIC, I/O APIC and PIT; kvmclock; the UART,
 * the i8042, the ACPI PM registers and every virtio device's transport state.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"
#include "acpi.h"
#include "snapshot.h"
#include "vdev.h"

/*
 * The state file's format. Records hold raw copies of KVM's and our own
 * structs, so any change to one of them (a field, a record's meaning)
 * needs a new version: a state of another version is refused, never read
 * into structs it was not written from.
 */
#define STATE_MAGIC "vmon-vmm-state"
#define STATE_VERSION 3 /* 2: the ACPI PM registers (T_PM); 3: virtio core and transport apart */

struct format {
	char magic[16];
	uint32_t version;
	uint32_t pad;
};

enum tag {
	T_FORMAT = 0x464d5456, /* its own value: found in any state */
	T_META = 1,
	T_REGS,
	T_XSAVE,
	T_XCRS,
	T_SREGS,
	T_MSRS,
	T_MPSTATE,
	T_LAPIC,
	T_EVENTS,
	T_IRQCHIP,
	T_PIT,
	T_CLOCK,
	T_SERIAL,
	T_I8042,
	T_VIRTIO,
	T_PM,
	T_CPUHP,
};

struct meta {
	uint64_t ram_size;
	uint32_t ncpus, ndevs;
};

extern struct virtio_dev *vmm_devs[];
extern int vmm_ndevs;

int blob_put(struct blob *b, uint32_t tag, uint32_t index, const void *data, uint32_t len)
{
	size_t need = b->len + 12 + len;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < need)
			cap *= 2;
		uint8_t *p = realloc(b->buf, cap);
		if (!p)
			return -1;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, &tag, 4);
	memcpy(b->buf + b->len + 4, &index, 4);
	memcpy(b->buf + b->len + 8, &len, 4);
	memcpy(b->buf + b->len + 12, data, len);
	b->len = need;
	return 0;
}

const void *blob_get(const struct blob *b, uint32_t tag, uint32_t index, uint32_t *len)
{
	size_t off = 0;

	while (off + 12 <= b->len) {
		uint32_t t, i, l;

		memcpy(&t, b->buf + off, 4);
		memcpy(&i, b->buf + off + 4, 4);
		memcpy(&l, b->buf + off + 8, 4);
		if (l > b->len - off - 12)
			return NULL;
		if (t == tag && i == index) {
			*len = l;
			return b->buf + off + 12;
		}
		off += 12 + l;
	}
	return NULL;
}

void blob_free(struct blob *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* The MSRs KVM can save and that this vCPU can actually read. */
static struct kvm_msrs *msr_list(struct vm *vm, int vcpu_fd)
{
	static struct kvm_msrs *good;
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;

	if (good)
		return good;
	ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	good = calloc(1, sizeof(*good) + probe.nmsrs * sizeof(struct kvm_msr_entry));
	if (!list || !good)
		abort();
	list->nmsrs = probe.nmsrs;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0)
		list->nmsrs = 0;
	for (uint32_t i = 0; i < list->nmsrs; i++) {
		struct {
			struct kvm_msrs h;
			struct kvm_msr_entry e;
		} one = { .h.nmsrs = 1, .e.index = list->indices[i] };

		if (ioctl(vcpu_fd, KVM_GET_MSRS, &one) == 1)
			good->entries[good->nmsrs++].index = list->indices[i];
	}
	free(list);
	return good;
}

#define GET(fd, req, tag, idx, obj)                                                                \
	do {                                                                                       \
		if (ioctl(fd, req, &(obj)) < 0)                                                    \
			return -1;                                                                 \
		if (blob_put(b, tag, idx, &(obj), sizeof(obj)) < 0)                                \
			return -1;                                                                 \
	} while (0)

static int capture_vcpu(struct vm *vm, struct vcpu *v, struct blob *b)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_mp_state mp;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events ev;
	struct kvm_msrs *tmpl = msr_list(vm, v->fd), *msrs;
	size_t msz = sizeof(*msrs) + tmpl->nmsrs * sizeof(struct kvm_msr_entry);
	uint32_t i = (uint32_t)v->id;

	GET(v->fd, KVM_GET_REGS, T_REGS, i, regs);
	GET(v->fd, KVM_GET_XSAVE, T_XSAVE, i, xsave);
	GET(v->fd, KVM_GET_XCRS, T_XCRS, i, xcrs);
	GET(v->fd, KVM_GET_SREGS, T_SREGS, i, sregs);
	GET(v->fd, KVM_GET_MP_STATE, T_MPSTATE, i, mp);
	GET(v->fd, KVM_GET_LAPIC, T_LAPIC, i, lapic);
	GET(v->fd, KVM_GET_VCPU_EVENTS, T_EVENTS, i, ev);
	msrs = malloc(msz);
	if (!msrs)
		return -1;
	memcpy(msrs, tmpl, msz);
	int n = ioctl(v->fd, KVM_GET_MSRS, msrs);
	if (n >= 0)
		msrs->nmsrs = (uint32_t)n;
	int ret = n < 0 ? -1 : blob_put(b, T_MSRS, i, msrs, (uint32_t)msz);
	free(msrs);
	return ret;
}

int state_put_format(struct blob *b)
{
	struct format f = { .version = STATE_VERSION };

	memcpy(f.magic, STATE_MAGIC, sizeof(STATE_MAGIC));
	return blob_put(b, T_FORMAT, 0, &f, sizeof(f));
}

int state_check_format(const struct blob *b, char *err, size_t errlen)
{
	const struct format *f;
	uint32_t len = 0;

	f = blob_get(b, T_FORMAT, 0, &len);
	if (!f || len < sizeof(*f) || memcmp(f->magic, STATE_MAGIC, sizeof(STATE_MAGIC))) {
		snprintf(err, errlen,
			 "not a vmon-vmm state of a known format (no format record: made by a "
			 "vmon-vmm older than format %d?); this vmon-vmm reads format %d",
			 STATE_VERSION, STATE_VERSION);
		return -1;
	}
	if (f->version != STATE_VERSION) {
		snprintf(err, errlen, "state format %u; this vmon-vmm reads format %d only",
			 f->version, STATE_VERSION);
		return -1;
	}
	return 0;
}

int state_capture(struct vm *vm, struct blob *b, int clock)
{
	struct meta m = { vm->ram_size, (uint32_t)vm->ncpus, (uint32_t)vmm_ndevs };
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clk = { 0 };
	uint8_t buf[4096];
	size_t n;

	if (state_put_format(b) < 0 || blob_put(b, T_META, 0, &m, sizeof(m)) < 0)
		return -1;
	for (uint32_t chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };

		GET(vm->vm_fd, KVM_GET_IRQCHIP, T_IRQCHIP, chip, c);
	}
	GET(vm->vm_fd, KVM_GET_PIT2, T_PIT, 0, pit);
	if (clock)
		GET(vm->vm_fd, KVM_GET_CLOCK, T_CLOCK, 0, clk);
	for (int i = 0; i < vm->ncpus; i++)
		if (capture_vcpu(vm, &vm->vcpus[i], b) < 0)
			return -1;
	n = serial_save(buf, sizeof(buf));
	if (blob_put(b, T_SERIAL, 0, buf, (uint32_t)n) < 0)
		return -1;
	n = i8042_save(buf, sizeof(buf));
	if (blob_put(b, T_I8042, 0, buf, (uint32_t)n) < 0)
		return -1;
	n = pm_save(buf, sizeof(buf));
	if (!n || blob_put(b, T_PM, 0, buf, (uint32_t)n) < 0)
		return -1;
	n = cpuhp_save(buf, sizeof(buf));
	if (!n || blob_put(b, T_CPUHP, 0, buf, (uint32_t)n) < 0)
		return -1;
	for (int i = 0; i < vmm_ndevs; i++) {
		n = virtio_save(vmm_devs[i], buf, sizeof(buf));
		if (!n || blob_put(b, T_VIRTIO, (uint32_t)i, buf, (uint32_t)n) < 0)
			return -1;
	}
	return 0;
}

/* Look up a record of exactly @size bytes, or fail naming it. */
#define NEED(tag, idx, size, what)                                                                 \
	({                                                                                         \
		uint32_t l_ = 0;                                                                   \
		const void *p_ = blob_get(b, tag, idx, &l_);                                       \
		if (!p_ || (size && l_ != (uint32_t)(size))) {                                     \
			snprintf(err, errlen, "state has no valid %s record", what);               \
			return -1;                                                                 \
		}                                                                                  \
		p_;                                                                                \
	})

#define SET(fd, req, ptr, what)                                                                    \
	do {                                                                                       \
		if (ioctl(fd, req, ptr) < 0) {                                                     \
			snprintf(err, errlen, "%s: %s", what, strerror(errno));                    \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

static int apply_vcpu(struct vcpu *v, const struct blob *b, char *err, size_t errlen)
{
	uint32_t i = (uint32_t)v->id, mlen = 0;
	const struct kvm_msrs *msrs;
	const struct kvm_xcrs *xcrs;

	SET(v->fd, KVM_SET_REGS, NEED(T_REGS, i, sizeof(struct kvm_regs), "regs"), "KVM_SET_REGS");
	SET(v->fd, KVM_SET_XSAVE, NEED(T_XSAVE, i, sizeof(struct kvm_xsave), "xsave"),
	    "KVM_SET_XSAVE");
	xcrs = NEED(T_XCRS, i, sizeof(struct kvm_xcrs), "xcrs");
	/* a host without XSAVE reports no XCR, and refuses to set any */
	if (xcrs->nr_xcrs)
		SET(v->fd, KVM_SET_XCRS, xcrs, "KVM_SET_XCRS");
	SET(v->fd, KVM_SET_SREGS, NEED(T_SREGS, i, sizeof(struct kvm_sregs), "sregs"),
	    "KVM_SET_SREGS");
	msrs = blob_get(b, T_MSRS, i, &mlen);
	if (!msrs || mlen < sizeof(*msrs) ||
	    mlen < sizeof(*msrs) + msrs->nmsrs * sizeof(struct kvm_msr_entry)) {
		snprintf(err, errlen, "state has no valid msrs record");
		return -1;
	}
	if (ioctl(v->fd, KVM_SET_MSRS, msrs) != (int)msrs->nmsrs) {
		snprintf(err, errlen, "KVM_SET_MSRS: not every MSR was accepted");
		return -1;
	}
	SET(v->fd, KVM_SET_MP_STATE, NEED(T_MPSTATE, i, sizeof(struct kvm_mp_state), "mp_state"),
	    "KVM_SET_MP_STATE");
	SET(v->fd, KVM_SET_LAPIC, NEED(T_LAPIC, i, sizeof(struct kvm_lapic_state), "lapic"),
	    "KVM_SET_LAPIC");
	SET(v->fd, KVM_SET_VCPU_EVENTS, NEED(T_EVENTS, i, sizeof(struct kvm_vcpu_events), "events"),
	    "KVM_SET_VCPU_EVENTS");
	/* The TSC deadline only arms once the LAPIC is in deadline mode: again. */
	if (ioctl(v->fd, KVM_SET_MSRS, msrs) != (int)msrs->nmsrs) {
		snprintf(err, errlen, "KVM_SET_MSRS: not every MSR was accepted");
		return -1;
	}
	return 0;
}

int state_apply(struct vm *vm, const struct blob *b, char *err, size_t errlen)
{
	const struct meta *m;
	uint32_t len;
	const void *p;

	if (state_check_format(b, err, errlen) < 0)
		return -1;
	m = NEED(T_META, 0, sizeof(struct meta), "meta");

	if (m->ram_size != vm->ram_size || m->ncpus != (uint32_t)vm->ncpus ||
	    m->ndevs != (uint32_t)vmm_ndevs) {
		snprintf(err, errlen,
			 "state is for %u vCPUs, %llu MiB, %u devices; this VM differs", m->ncpus,
			 (unsigned long long)(m->ram_size >> 20), m->ndevs);
		return -1;
	}
	for (uint32_t chip = 0; chip < 3; chip++)
		SET(vm->vm_fd, KVM_SET_IRQCHIP,
		    NEED(T_IRQCHIP, chip, sizeof(struct kvm_irqchip), "irqchip"),
		    "KVM_SET_IRQCHIP");
	SET(vm->vm_fd, KVM_SET_PIT2, NEED(T_PIT, 0, sizeof(struct kvm_pit_state2), "pit"),
	    "KVM_SET_PIT2");
	p = blob_get(b, T_CLOCK, 0, &len);
	if (p && len == sizeof(struct kvm_clock_data)) {
		struct kvm_clock_data clk;

		memcpy(&clk, p, sizeof(clk));
		clk.flags = 0;
		SET(vm->vm_fd, KVM_SET_CLOCK, &clk, "KVM_SET_CLOCK");
	}
	for (int i = 0; i < vm->ncpus; i++)
		if (apply_vcpu(&vm->vcpus[i], b, err, errlen) < 0)
			return -1;
	p = blob_get(b, T_SERIAL, 0, &len);
	if (p)
		serial_load(p, len);
	p = blob_get(b, T_I8042, 0, &len);
	if (p)
		i8042_load(p, len);
	p = blob_get(b, T_PM, 0, &len);
	if (!p || pm_load(p, len) < 0) {
		snprintf(err, errlen, "state of the ACPI PM registers missing or does not fit");
		return -1;
	}
	/* which vCPUs are present (hot add): a state without it is the boot's */
	p = blob_get(b, T_CPUHP, 0, &len);
	if (p && cpuhp_load(vm, p, len) < 0) {
		snprintf(err, errlen, "state of the present vCPUs does not fit this VM");
		return -1;
	}
	for (int i = 0; i < vmm_ndevs; i++) {
		p = blob_get(b, T_VIRTIO, (uint32_t)i, &len);
		if (!p || virtio_load(vmm_devs[i], p, len) < 0) {
			snprintf(err, errlen, "state of device %d (%s) does not fit", i,
				 vmm_devs[i]->name);
			return -1;
		}
	}
	return 0;
}
