// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng (virtio 1.x, 5.4): one queue, filled from getrandom().
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include <linux/virtio_ids.h>

#include "vmm.h"
#include "virtio.h"
#include "vdev.h"

static void rng_kick(struct virtio_dev *d, struct virtq *q)
{
	struct vchain *c = d->priv;
	bool any = false;
	int r;

	while ((r = virtq_pop(d->vm, q, c)) > 0) {
		uint32_t done = 0;

		for (int i = c->nout; i < c->nout + c->nin; i++) {
			ssize_t n = getrandom(c->iov[i].iov_base, c->iov[i].iov_len, GRND_NONBLOCK);
			if (n < 0)
				break;
			done += (uint32_t)n;
		}
		virtq_push(q, c->head, done);
		d->stats.requests++;
		d->stats.bytes_in += done;
		any = true;
	}
	if (r < 0)
		virtio_set_broken(d, "bad descriptor chain on the request queue");
	if (any)
		virtq_notify(q);
}

static const struct virtio_dev_ops rng_ops = {
	.kick = rng_kick,
};

struct virtio_dev *virtio_rng_create(struct vm *vm)
{
	struct virtio_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->priv = calloc(1, sizeof(struct vchain));
	d->name = "virtio-rng";
	d->backend = "getrandom";
	d->device_id = VIRTIO_ID_RNG;
	d->ops = &rng_ops;
	d->nq = 1;
	if (!d->priv || virtio_dev_add(vm, d) < 0)
		return NULL;
	return d;
}
