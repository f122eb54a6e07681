// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's halt state from KVM's binary statistics (KVM_GET_STATS_FD,
 * Documentation/virt/kvm/api.rst 4.133): "blocking" (1 while the vCPU
 * waits in a halt) and "halt_wait_ns" (the time it has waited so). Two
 * preads of 8 bytes per vCPU when the status is asked, no exit, no
 * signal: what vmond's idle state and libvirt's vcpu.N.halted come from.
 */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

/* The data offset of statistic @name in stats file @fd, or -1. */
static off_t find_stat(int fd, const struct kvm_stats_header *h, const char *name)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + h->name_size;
	struct kvm_stats_desc *d = malloc(dsz);
	off_t at = -1;

	for (uint32_t i = 0; d && i < h->num_desc; i++) {
		if (pread(fd, d, dsz, h->desc_offset + (off_t)i * dsz) != (ssize_t)dsz)
			break;
		d->name[h->name_size - 1] = 0;
		if (!strcmp(d->name, name) && d->size == 1) {
			at = h->data_offset + d->offset;
			break;
		}
	}
	free(d);
	return at;
}

void vcpu_stats_open(struct vcpu *v)
{
	struct kvm_stats_header h;

	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	v->at_blocking = v->at_halt_wait = -1;
	if (v->stats_fd < 0)
		return; /* before Linux 5.14: the status leaves them out */
	if (pread(v->stats_fd, &h, sizeof(h), 0) == sizeof(h) && h.name_size > 0 &&
	    h.name_size <= 4096) {
		v->at_blocking = find_stat(v->stats_fd, &h, "blocking");
		v->at_halt_wait = find_stat(v->stats_fd, &h, "halt_wait_ns");
	}
	if (v->at_blocking < 0 || v->at_halt_wait < 0) {
		close(v->stats_fd);
		v->stats_fd = -1;
	}
}

int vcpu_stats_read(const struct vcpu *v, bool *halted, uint64_t *halt_wait_ns)
{
	uint64_t b;

	if (v->stats_fd < 0 || pread(v->stats_fd, &b, sizeof(b), v->at_blocking) != sizeof(b) ||
	    pread(v->stats_fd, halt_wait_ns, sizeof(*halt_wait_ns), v->at_halt_wait) !=
		    sizeof(*halt_wait_ns))
		return -1;
	*halted = b != 0;
	return 0;
}
