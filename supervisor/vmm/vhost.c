// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel back ends through the vhost ioctl ABI (linux/vhost.h). The same
 * code drives /dev/vhost-net, /dev/vmon-net and /dev/vmon-blk: only the path
 * and the ioctl that gives a ring its back end differ (VHOST_NET_SET_BACKEND
 * with a tap, VMON_BLK_SET_BACKEND with an image; both take an index and an
 * fd laid out as struct vhost_vring_file). The VMM keeps the transport; the
 * kernel gets the memory table, the rings, the queue's ioeventfd as kick and
 * its MSI-X irqfd as call.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"
#include "vdev.h"

int vhost_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, VHOST_SET_OWNER, NULL) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static int set_mem_table(struct vm *vm, int fd)
{
	struct vhost_memory *m = calloc(1, sizeof(*m) + 2 * sizeof(m->regions[0]));
	int ret;

	if (!m)
		return -ENOMEM;
	m->regions[0] = (struct vhost_memory_region){
		.guest_phys_addr = 0,
		.memory_size = vm->low_size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->ram,
	};
	m->nregions = 1;
	if (vm->ram_size > vm->low_size) {
		m->regions[1] = (struct vhost_memory_region){
			.guest_phys_addr = GPA_HIGH,
			.memory_size = vm->ram_size - vm->low_size,
			.userspace_addr = (uint64_t)(uintptr_t)(vm->ram + vm->low_size),
		};
		m->nregions = 2;
	}
	ret = ioctl(fd, VHOST_SET_MEM_TABLE, m) < 0 ? -errno : 0;
	free(m);
	return ret;
}

int vhost_start(struct virtio_dev *d, int fd, unsigned long set_backend, int backend_fd)
{
	uint64_t features;
	const char *step;

	step = "VHOST_GET_FEATURES";
	if (ioctl(fd, VHOST_GET_FEATURES, &features) < 0)
		goto fail;
	features &= d->guest_features;
	step = "VHOST_SET_FEATURES";
	if (ioctl(fd, VHOST_SET_FEATURES, &features) < 0)
		goto fail;
	step = "VHOST_SET_MEM_TABLE";
	errno = -set_mem_table(d->vm, fd);
	if (errno)
		goto fail;
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];
		struct vhost_vring_state num = { .index = (unsigned)i, .num = q->num };
		struct vhost_vring_state base = { .index = (unsigned)i, .num = q->last_avail };
		struct vhost_vring_addr addr = {
			.index = (unsigned)i,
			.desc_user_addr = (uint64_t)(uintptr_t)q->desc,
			.avail_user_addr = (uint64_t)(uintptr_t)q->avail,
			.used_user_addr = (uint64_t)(uintptr_t)q->used,
		};
		struct vhost_vring_file kick = { .index = (unsigned)i, .fd = q->kick_fd };
		struct vhost_vring_file call = { .index = (unsigned)i, .fd = virtq_call_fd(q) };
		struct vhost_vring_file be = { .index = (unsigned)i, .fd = backend_fd };

		if (!q->enabled)
			continue;
		step = "VHOST_SET_VRING_NUM";
		if (ioctl(fd, VHOST_SET_VRING_NUM, &num) < 0)
			goto fail;
		step = "VHOST_SET_VRING_BASE";
		if (ioctl(fd, VHOST_SET_VRING_BASE, &base) < 0)
			goto fail;
		step = "VHOST_SET_VRING_ADDR";
		if (ioctl(fd, VHOST_SET_VRING_ADDR, &addr) < 0)
			goto fail;
		step = "VHOST_SET_VRING_KICK";
		if (ioctl(fd, VHOST_SET_VRING_KICK, &kick) < 0)
			goto fail;
		step = "VHOST_SET_VRING_CALL";
		if (ioctl(fd, VHOST_SET_VRING_CALL, &call) < 0)
			goto fail;
		step = "set back end";
		if (ioctl(fd, set_backend, &be) < 0)
			goto fail;
	}
	return 0;
fail:
	vmm_log("%s: %s: %s", d->name, step, strerror(errno));
	return -1;
}

void vhost_stop(struct virtio_dev *d, int fd, unsigned long set_backend)
{
	for (int i = 0; i < d->nq; i++) {
		struct vhost_vring_file be = { .index = (unsigned)i, .fd = -1 };
		struct vhost_vring_state base = { .index = (unsigned)i };

		if (!d->q[i].enabled)
			continue;
		/* Detaching waits for the requests in flight (vmon-blk). */
		ioctl(fd, set_backend, &be);
		if (ioctl(fd, VHOST_GET_VRING_BASE, &base) == 0)
			d->q[i].last_avail = (uint16_t)base.num;
	}
}
