// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon (virtio 1.x, 5.5): inflate and deflate queues, memory
 * statistics and free page reporting. Pages the guest gives back (inflated
 * or reported free) are dropped from the host with MADV_DONTNEED; they
 * read as zero when the guest touches them again.
 */
#include <linux/virtio_balloon.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/virtio_ids.h>

#include "vmm.h"
#include "snapshot.h"
#include "vdev.h"

#define PAGE 4096
#define Q_INFLATE 0
#define Q_DEFLATE 1
#define Q_STATS 2
#define Q_REPORT 3
#define NSTATS 16

struct balloon {
	struct virtio_dev dev;
	struct virtio_balloon_config cfg;
	struct vchain chain;
	bool stats_held;
	uint16_t stats_head;
	uint64_t stats[NSTATS];
	uint64_t reported_bytes;
};

static struct balloon *the_balloon;

static void drop(struct vm *vm, void *hva, uint64_t len)
{
	uintptr_t start = ((uintptr_t)hva + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = ((uintptr_t)hva + len) & ~(uintptr_t)(PAGE - 1);

	(void)vm;
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

static void balloon_kick(struct virtio_dev *d, struct virtq *q)
{
	struct balloon *b = (struct balloon *)d;
	struct vchain *c = &b->chain;
	bool any = false;
	int r;

	while ((r = virtq_pop(d->vm, q, c)) > 0) {
		d->stats.requests++;
		if (q->index == Q_INFLATE) {
			for (int i = 0; i < c->nout; i++) {
				const uint8_t *pfns = c->iov[i].iov_base;

				for (size_t k = 0; k < c->iov[i].iov_len / 4; k++) {
					uint32_t pfn; /* the guest's buffer need not be aligned */
					void *hva;

					memcpy(&pfn, pfns + 4 * k, sizeof(pfn));
					hva = gpa_to_hva(d->vm, (uint64_t)pfn * PAGE, PAGE);
					if (hva)
						drop(d->vm, hva, PAGE);
				}
			}
		} else if (q->index == Q_REPORT) {
			for (int i = c->nout; i < c->nout + c->nin; i++) {
				drop(d->vm, c->iov[i].iov_base, c->iov[i].iov_len);
				b->reported_bytes += c->iov[i].iov_len;
			}
		} else if (q->index == Q_STATS) {
			struct virtio_balloon_stat s;

			for (size_t off = 0;
			     iov_to_buf(c->iov, c->nout, off, &s, sizeof(s)) == sizeof(s);
			     off += sizeof(s))
				if (s.tag < NSTATS)
					b->stats[s.tag] = s.val;
			/*
			 * Held until the next status request asks for fresh
			 * figures; one held before goes back first (5.5.6.3: a
			 * driver only re-adds it once used, but a guest may not).
			 */
			if (b->stats_held) {
				virtq_push(q, b->stats_head, 0);
				any = true;
			}
			b->stats_head = c->head;
			b->stats_held = true;
			continue;
		}
		virtq_push(q, c->head, 0);
		any = true;
	}
	if (r < 0)
		virtio_set_broken(d, "bad descriptor chain");
	if (any)
		virtq_notify(q);
}

static void balloon_reset(struct virtio_dev *d)
{
	((struct balloon *)d)->stats_held = false;
}

static const struct virtio_dev_ops balloon_ops = {
	.kick = balloon_kick,
	.reset = balloon_reset,
};

int balloon_set_target(uint64_t mib)
{
	struct balloon *b = the_balloon;

	if (!b || mib > b->dev.vm->ram_size >> 20)
		return -1;
	b->cfg.num_pages = (uint32_t)(((b->dev.vm->ram_size >> 20) - mib) * (1024 * 1024 / PAGE));
	virtio_config_changed(&b->dev);
	return 0;
}

/* Figures for the status: actual balloon size, guest statistics. */
void balloon_status(uint64_t *target_pages, uint64_t *actual_pages, uint64_t *free_mem,
		    uint64_t *reported)
{
	struct balloon *b = the_balloon;

	if (!b)
		return;
	*target_pages = b->cfg.num_pages;
	*actual_pages = b->cfg.actual;
	*free_mem = b->stats[VIRTIO_BALLOON_S_MEMFREE];
	*reported = b->reported_bytes;
	/* Hand the stats buffer back: the driver refills it (not to a broken device). */
	if (b->stats_held && !b->dev.broken) {
		b->stats_held = false;
		virtq_push(&b->dev.q[Q_STATS], b->stats_head, 0);
		virtq_notify(&b->dev.q[Q_STATS]);
	}
}

struct virtio_dev *virtio_balloon_create(struct vm *vm)
{
	struct balloon *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->dev.name = "virtio-balloon";
	b->dev.backend = "madvise";
	b->dev.device_id = VIRTIO_ID_BALLOON;
	b->dev.ops = &balloon_ops;
	b->dev.nq = 4;
	b->dev.config = (uint8_t *)&b->cfg;
	b->dev.config_len = sizeof(b->cfg);
	b->dev.config_wr_start = offsetof(struct virtio_balloon_config, actual);
	b->dev.config_wr_end = b->dev.config_wr_start + sizeof(b->cfg.actual);
	b->dev.host_features =
		1ULL << VIRTIO_BALLOON_F_STATS_VQ | 1ULL << VIRTIO_BALLOON_F_REPORTING;
	if (virtio_dev_add(vm, &b->dev) < 0)
		return NULL;
	the_balloon = b;
	return &b->dev;
}
