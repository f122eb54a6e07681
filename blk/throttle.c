// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk throttling: token buckets per device, one counting requests
 * and one counting data bytes for all requests, and two more each for reads
 * and for writes; refilled continuously from the device's monotonic clock.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/virtio_blk.h>

#include "blk.h"

#define VMON_BLK_TB_MAX		BIT_ULL(50)

void vmon_blk_throttle_init(struct vmon_blk_throttle_state *tb)
{
	spin_lock_init(&tb->lock);
	tb->on = false;
}

static void vmon_blk_tb_set(struct vmon_blk_tb *b,
			    const struct vmon_blk_bucket *u)
{
	/* limits far above any device keep the arithmetic in 64 bits */
	b->rate = min_t(u64, u->rate, VMON_BLK_TB_MAX);
	b->size = min_t(u64, u->burst ? u->burst : u->rate, VMON_BLK_TB_MAX);
	b->tokens = b->size;
	b->last_ns = ktime_get_ns();
}

/**
 * vmon_blk_throttle_set() - set every bucket, full
 * @tb: the device's throttle
 * @l: the rates and bursts; zero rates turn a bucket off
 */
void vmon_blk_throttle_set(struct vmon_blk_throttle_state *tb,
			   const struct vmon_blk_limits *l)
{
	/* in enum vmon_blk_tb_index order */
	const struct vmon_blk_bucket u[VMON_BLK_TB_COUNT] = {
		l->total.ops, l->total.bytes, l->read.ops,
		l->read.bytes, l->write.ops, l->write.bytes,
	};
	unsigned int i;
	bool on = false;

	spin_lock_bh(&tb->lock);
	for (i = 0; i < VMON_BLK_TB_COUNT; i++) {
		vmon_blk_tb_set(&tb->b[i], &u[i]);
		on |= tb->b[i].rate != 0;
	}
	tb->on = on;
	spin_unlock_bh(&tb->lock);
}

static void vmon_blk_tb_get(const struct vmon_blk_tb *b,
			    struct vmon_blk_bucket *u)
{
	u->rate = b->rate;
	u->burst = b->rate ? b->size : 0;
}

/**
 * vmon_blk_throttle_get() - the buckets in effect
 * @tb: the device's throttle
 * @l: filled with each bucket's rate and size (all zero when off)
 */
void vmon_blk_throttle_get(struct vmon_blk_throttle_state *tb,
			   struct vmon_blk_limits *l)
{
	struct vmon_blk_bucket *u[VMON_BLK_TB_COUNT] = {
		&l->total.ops, &l->total.bytes, &l->read.ops,
		&l->read.bytes, &l->write.ops, &l->write.bytes,
	};
	unsigned int i;

	spin_lock_bh(&tb->lock);
	for (i = 0; i < VMON_BLK_TB_COUNT; i++)
		vmon_blk_tb_get(&tb->b[i], u[i]);
	spin_unlock_bh(&tb->lock);
}

/*
 * Add the tokens earned since b->last_ns. The clock moves on only by the
 * time the whole tokens added were worth, so frequent refills of a slow
 * bucket lose nothing to rounding.
 */
static void vmon_blk_tb_refill(struct vmon_blk_tb *b, u64 now)
{
	u64 ns, add;

	if (!b->rate || now <= b->last_ns)
		return;
	ns = now - b->last_ns;
	/* 10 s fills any bucket and keeps the product below small */
	if (ns >= 10 * NSEC_PER_SEC) {
		b->tokens = b->size;
		b->last_ns = now;
		return;
	}
	add = mul_u64_u64_div_u64(ns, b->rate, NSEC_PER_SEC);
	if (!add)
		return;
	if (add >= b->size || b->tokens + (s64)add >= (s64)b->size) {
		b->tokens = b->size;
		b->last_ns = now;
		return;
	}
	b->tokens += add;
	b->last_ns += mul_u64_u64_div_u64(add, NSEC_PER_SEC, b->rate);
}

/* Nanoseconds until @b holds @cost tokens (capped at its size). */
static u64 vmon_blk_tb_wait(struct vmon_blk_tb *b, u64 cost)
{
	s64 want = min(cost, b->size);
	u64 need;

	if (!b->rate || b->tokens >= want)
		return 0;
	need = want - b->tokens;
	/* try again in 10 s at most, then it is full anyway */
	if (need >= b->rate * 10)
		return 10 * NSEC_PER_SEC;
	return mul_u64_u64_div_u64(need, NSEC_PER_SEC, b->rate) + 1;
}

/* The buckets a request of @type draws on, a mask of enum vmon_blk_tb_index. */
static u32 vmon_blk_tb_mask(u32 type)
{
	u32 m = BIT(VMON_BLK_TB_TOTAL_OPS) | BIT(VMON_BLK_TB_TOTAL_BYTES);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		return m | BIT(VMON_BLK_TB_READ_OPS) | BIT(VMON_BLK_TB_READ_BYTES);
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return m | BIT(VMON_BLK_TB_WRITE_OPS) | BIT(VMON_BLK_TB_WRITE_BYTES);
	}
	return m;
}

/**
 * vmon_blk_throttle_take() - take the tokens of one request
 * @tb: the device's throttle
 * @type: its VIRTIO_BLK_T_* type: reads draw on the read buckets too;
 *	writes, discards and write-zeroes on the write ones
 * @bytes: its data bytes (0 for all but reads and writes)
 * @empty: set to the buckets that are short (bit N for bucket N of enum
 *	vmon_blk_tb_index), 0 when the tokens were taken
 *
 * A request larger than a bucket goes once the bucket is full and leaves
 * it in debt, so the rate over time holds whatever the request sizes. The
 * tokens are taken from all the request's buckets or from none.
 *
 * Return: 0 when the tokens were taken, otherwise the nanoseconds to wait
 * before trying again (nothing taken).
 */
u64 vmon_blk_throttle_take(struct vmon_blk_throttle_state *tb, u32 type,
			   u64 bytes, u32 *empty)
{
	u32 mask = vmon_blk_tb_mask(type);
	u64 now, w, wait = 0;
	unsigned int i;

	*empty = 0;
	if (!READ_ONCE(tb->on))
		return 0;
	spin_lock_bh(&tb->lock);
	now = ktime_get_ns();
	for (i = 0; i < VMON_BLK_TB_COUNT; i++) {
		if (!(mask & BIT(i)))
			continue;
		vmon_blk_tb_refill(&tb->b[i], now);
		w = vmon_blk_tb_wait(&tb->b[i], i & 1 ? bytes : 1);
		if (w)
			*empty |= BIT(i);
		wait = max(wait, w);
	}
	for (i = 0; !wait && i < VMON_BLK_TB_COUNT; i++)
		if ((mask & BIT(i)) && tb->b[i].rate)
			tb->b[i].tokens -= i & 1 ? min_t(u64, bytes, VMON_BLK_TB_MAX) : 1;
	spin_unlock_bh(&tb->lock);
	return wait;
}
