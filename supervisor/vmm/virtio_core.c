// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio device core, whatever the transport: device status and
 * feature negotiation (virtio 1.x, 2.1-2.2), queue enabling, reset, kicks
 * from the queues' ioeventfds, interrupts through the transport, the
 * broken state, and the device's part of a snapshot. The transport
 * (virtio_pci.c) maps its registers onto these calls.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm.h"
#include "virtio.h"
#include "snapshot.h"

void virtq_notify(struct virtq *q)
{
	if (virtq_irq_wanted(q)) {
		q->dev->isr |= 1;
		q->dev->tr->signal(q->dev, q);
	}
}

void virtio_config_changed(struct virtio_dev *d)
{
	d->config_gen++;
	d->isr |= 2;
	d->tr->signal(d, NULL);
}

int virtq_call_fd(struct virtq *q)
{
	return q->dev->tr->call_fd(q->dev, q);
}

void virtio_set_broken(struct virtio_dev *d, const char *why)
{
	if (d->broken) /* said once, signalled once */
		return;
	vmm_log("%s: %s; device stopped until the driver resets it", d->name, why);
	d->broken = true;
	d->stats.errors++;
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	virtio_config_changed(d);
}

static bool live(struct virtio_dev *d, struct virtq *q)
{
	return q->enabled && !d->broken && (d->status & VIRTIO_CONFIG_S_DRIVER_OK);
}

static void kick_event(void *opaque, uint32_t events)
{
	struct virtq *q = opaque;
	struct virtio_dev *d = q->dev;
	uint64_t n;

	(void)events;
	if (read(q->kick_fd, &n, sizeof(n)) < 0)
		return;
	d->stats.kicks++;
	if (live(d, q))
		d->ops->kick(d, q);
}

void virtio_dev_kick(struct virtio_dev *d, struct virtq *q)
{
	uint64_t one = 1;

	if (!live(d, q))
		return;
	d->stats.kicks++;
	if (!d->kernel_kicks)
		d->ops->kick(d, q);
	else if (write(q->kick_fd, &one, sizeof(one)) < 0)
		d->stats.errors++;
}

void virtio_dev_reset(struct virtio_dev *d)
{
	if (d->ops->reset)
		d->ops->reset(d);
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		q->enabled = false;
		q->num = q->max;
		q->vector = VIRTIO_NO_VECTOR;
		q->desc_gpa = q->avail_gpa = q->used_gpa = 0;
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		q->last_avail = q->used_idx = 0;
	}
	d->tr->queues_changed(d);
	d->status = 0;
	d->guest_features = 0;
	d->dfselect = d->gfselect = 0;
	d->queue_sel = 0;
	d->isr = 0;
	d->broken = false;
	d->tr->reset(d);
}

void virtio_dev_set_status(struct virtio_dev *d, uint8_t v)
{
	uint8_t old = d->status;

	if (!v) {
		virtio_dev_reset(d);
		return;
	}
	d->status = v;
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
		if ((d->guest_features & ~d->host_features) ||
		    !(d->guest_features & (1ULL << VIRTIO_F_VERSION_1)))
			d->status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK)) {
		if (!(d->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			virtio_set_broken(d, "DRIVER_OK without FEATURES_OK");
			return;
		}
		if (d->ops->start)
			d->ops->start(d);
		/* Buffers made available before DRIVER_OK. */
		for (int i = 0; i < d->nq; i++)
			if (d->q[i].enabled && !d->kernel_kicks && !d->broken)
				d->ops->kick(d, &d->q[i]);
	}
}

void virtio_dev_queue_enable(struct virtio_dev *d, struct virtq *q)
{
	if (q->enabled)
		return;
	if (!virtq_map(d->vm, q)) {
		virtio_set_broken(d, "queue rings outside guest RAM or badly sized");
		return;
	}
	q->last_avail = q->used_idx = q->used->idx;
	q->enabled = true;
	d->tr->queues_changed(d);
}

void virtio_dev_config_read(struct virtio_dev *d, uint32_t off, uint8_t *data, int size)
{
	if (off + (uint32_t)size <= d->config_len)
		memcpy(data, d->config + off, (size_t)size);
}

void virtio_dev_config_write(struct virtio_dev *d, uint32_t off, const uint8_t *data, int size)
{
	if (off + (uint32_t)size > d->config_len)
		return;
	if (off < d->config_wr_start || off + (uint32_t)size > d->config_wr_end) {
		d->stats.errors++;
		return;
	}
	memcpy(d->config + off, data, (size_t)size);
	if (d->ops->config_written)
		d->ops->config_written(d, off, size);
}

int virtio_dev_add(struct vm *vm, struct virtio_dev *d)
{
	d->vm = vm;
	d->tr = &virtio_pci_transport; /* the one transport so far */
	d->host_features |= 1ULL << VIRTIO_F_VERSION_1;
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		q->dev = d;
		q->index = i;
		if (!q->max)
			q->max = VIRTQ_MAX_SIZE;
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick_fd < 0)
			return -1;
		if (!d->kernel_kicks && ev_add(vm, q->kick_fd, EPOLLIN, kick_event, q) < 0)
			return -1;
	}
	return d->tr->attach(vm, d);
}

/* The core's state in a snapshot; the transport's follows it. */
struct vstate {
	uint16_t device_id, nq;
	uint64_t guest_features;
	uint32_t dfselect, gfselect;
	uint8_t status, config_gen, isr, broken;
	uint16_t queue_sel;
	struct {
		uint64_t desc, avail, used;
		uint16_t num, vector, last_avail, used_idx;
		uint8_t enabled;
	} q[VIRTIO_MAX_QUEUES];
	uint32_t config_len;
	uint8_t config[256];
	uint32_t dev_len; /* the device's own part (ops->save) */
	uint8_t dev[128];
};

size_t virtio_save(struct virtio_dev *d, void *buf, size_t len)
{
	struct vstate *s = buf;
	size_t t;

	if (len < sizeof(*s) || d->config_len > sizeof(s->config))
		return 0;
	memset(s, 0, sizeof(*s));
	s->device_id = d->device_id;
	s->nq = (uint16_t)d->nq;
	s->guest_features = d->guest_features;
	s->dfselect = d->dfselect;
	s->gfselect = d->gfselect;
	s->status = d->status;
	s->config_gen = d->config_gen;
	s->isr = d->isr;
	s->broken = d->broken;
	s->queue_sel = d->queue_sel;
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		s->q[i].desc = q->desc_gpa;
		s->q[i].avail = q->avail_gpa;
		s->q[i].used = q->used_gpa;
		s->q[i].num = q->num;
		s->q[i].vector = q->vector;
		s->q[i].last_avail = q->last_avail;
		/* A kernel back end advanced the used ring behind our back. */
		s->q[i].used_idx = q->enabled && q->used ? q->used->idx : q->used_idx;
		s->q[i].enabled = q->enabled;
	}
	s->config_len = d->config_len;
	if (d->config_len) /* virtio-rng has none: config is NULL */
		memcpy(s->config, d->config, d->config_len);
	/* a device whose state does not fit fails the save, not the load */
	if (d->ops->save && !(s->dev_len = (uint32_t)d->ops->save(d, s->dev, sizeof(s->dev))))
		return 0;
	t = d->tr->save(d, (uint8_t *)buf + sizeof(*s), len - sizeof(*s));
	return t ? sizeof(*s) + t : 0;
}

int virtio_load(struct virtio_dev *d, const void *buf, size_t len)
{
	const struct vstate *s = buf;

	/* Another device, or features this back end does not offer (another back end). */
	if (len < sizeof(*s) || s->device_id != d->device_id || s->nq != d->nq ||
	    s->config_len != d->config_len || s->guest_features & ~d->host_features)
		return -1;
	d->guest_features = s->guest_features;
	d->dfselect = s->dfselect;
	d->gfselect = s->gfselect;
	d->status = s->status;
	d->config_gen = s->config_gen;
	d->isr = s->isr;
	d->broken = s->broken;
	d->queue_sel = s->queue_sel;
	if (d->config_len)
		memcpy(d->config, s->config, d->config_len);
	if (s->dev_len > sizeof(s->dev) ||
	    (d->ops->load && d->ops->load(d, s->dev, s->dev_len) < 0))
		return -1;
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		q->desc_gpa = s->q[i].desc;
		q->avail_gpa = s->q[i].avail;
		q->used_gpa = s->q[i].used;
		q->num = s->q[i].num;
		q->vector = s->q[i].vector;
		q->last_avail = s->q[i].last_avail;
		q->used_idx = s->q[i].used_idx;
		q->enabled = s->q[i].enabled;
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		if (q->enabled && !virtq_map(d->vm, q)) {
			q->enabled = false;
			d->broken = true;
		}
	}
	return d->tr->load(d, (const uint8_t *)buf + sizeof(*s), len - sizeof(*s));
}

void virtio_quiesce(struct virtio_dev *d)
{
	if (d->ops->quiesce)
		d->ops->quiesce(d);
}

void virtio_unquiesce(struct virtio_dev *d)
{
	if (!(d->status & VIRTIO_CONFIG_S_DRIVER_OK) || d->broken)
		return;
	if (d->ops->start)
		d->ops->start(d);
	for (int i = 0; i < d->nq; i++)
		if (d->q[i].enabled && !d->kernel_kicks)
			d->ops->kick(d, &d->q[i]);
}
