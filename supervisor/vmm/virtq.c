// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue (virtio 1.x, 2.7): popping descriptor chains, direct
 * and indirect, with every index and address checked against the ring size
 * and guest RAM, and returning them through the used ring.
 */
#include <string.h>

#include "vmm.h"
#include "virtio.h"

bool virtq_map(struct vm *vm, struct virtq *q)
{
	uint64_t n = q->num;

	if (!n || n > q->max || (n & (n - 1)))
		return false;
	q->desc = gpa_to_hva(vm, q->desc_gpa, 16 * n);
	q->avail = gpa_to_hva(vm, q->avail_gpa, 6 + 2 * n);
	q->used = gpa_to_hva(vm, q->used_gpa, 6 + 8 * n);
	if ((q->desc_gpa & 15) || (q->avail_gpa & 1) || (q->used_gpa & 3))
		return false;
	return q->desc && q->avail && q->used;
}

static int add_buf(struct vm *vm, struct vchain *c, const struct vring_desc *d)
{
	void *p;

	if (c->nout + c->nin >= VCHAIN_MAX)
		return -1;
	p = gpa_to_hva(vm, d->addr, d->len);
	if (!p && d->len)
		return -1;
	if (d->flags & VRING_DESC_F_WRITE) {
		c->iov[c->nout + c->nin++] = (struct iovec){ p, d->len };
		c->in_len += d->len;
	} else {
		if (c->nin)
			return -1; /* readable after writable */
		c->iov[c->nout++] = (struct iovec){ p, d->len };
	}
	return 0;
}

static int walk_indirect(struct vm *vm, struct vchain *c, const struct vring_desc *d)
{
	uint32_t n = d->len / 16, i = 0, seen = 0;
	struct vring_desc *tab;

	if (!(c->dev_features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC)) || !n || d->len % 16)
		return -1;
	tab = gpa_to_hva(vm, d->addr, d->len);
	if (!tab)
		return -1;
	for (;;) {
		struct vring_desc e = tab[i];

		if (e.flags & VRING_DESC_F_INDIRECT || ++seen > n || add_buf(vm, c, &e) < 0)
			return -1;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		i = e.next;
		if (i >= n)
			return -1;
	}
}

int virtq_pop(struct vm *vm, struct virtq *q, struct vchain *c)
{
	uint16_t avail_idx, i;
	uint32_t seen = 0;

	/* the one place "broken" is enforced: a broken device takes nothing */
	if (q->dev && q->dev->broken)
		return -1;
	if (!q->enabled || !q->avail)
		return 0;
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->num)
		return -1;
	i = q->avail->ring[q->last_avail % q->num];
	q->last_avail++;
	c->head = i;
	c->nout = c->nin = 0;
	c->in_len = 0;
	c->dev_features = q->dev->guest_features;
	for (;;) {
		struct vring_desc d;

		if (i >= q->num || ++seen > q->num)
			return -1;
		d = q->desc[i];
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (d.flags & VRING_DESC_F_NEXT || walk_indirect(vm, c, &d) < 0)
				return -1;
			return 1;
		}
		if (add_buf(vm, c, &d) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 1;
		i = d.next;
	}
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!q->used)
		return;
	e = &q->used->ring[q->used_idx % q->num];
	e->id = head;
	e->len = len;
	q->used_idx++;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

bool virtq_irq_wanted(struct virtq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(q->avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
}

size_t iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t k = iov[i].iov_len - off;
		if (k > len - done)
			k = len - done;
		memcpy((char *)buf + done, (char *)iov[i].iov_base + off, k);
		done += k;
		off = 0;
	}
	return done;
}

size_t iov_from_buf(const struct iovec *iov, int n, size_t off, const void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t k = iov[i].iov_len - off;
		if (k > len - done)
			k = len - done;
		memcpy((char *)iov[i].iov_base + off, (const char *)buf + done, k);
		done += k;
		off = 0;
	}
	return done;
}

int iov_slice(const struct iovec *src, int n, size_t off, size_t len, struct iovec *dst, int max)
{
	int k = 0;

	for (int i = 0; i < n && len; i++) {
		if (off >= src[i].iov_len) {
			off -= src[i].iov_len;
			continue;
		}
		size_t take = src[i].iov_len - off;
		if (take > len)
			take = len;
		if (k == max)
			return -1;
		dst[k++] = (struct iovec){ (char *)src[i].iov_base + off, take };
		len -= take;
		off = 0;
	}
	return len ? -1 : k;
}
