// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-blk throttling: two token buckets per device, one counting
 * requests and one counting data bytes, refilled continuously from the
 * device's monotonic clock.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>

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
 * vmon_blk_throttle_set() - set both buckets, full
 * @tb: the device's throttle
 * @t: the rates and bursts; zero rates turn a bucket off
 */
void vmon_blk_throttle_set(struct vmon_blk_throttle_state *tb,
			   const struct vmon_blk_throttle *t)
{
	spin_lock_bh(&tb->lock);
	vmon_blk_tb_set(&tb->ops, &t->ops);
	vmon_blk_tb_set(&tb->bytes, &t->bytes);
	tb->on = t->ops.rate || t->bytes.rate;
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
 * @t: filled with each bucket's rate and size (all zero when off)
 */
void vmon_blk_throttle_get(struct vmon_blk_throttle_state *tb,
			   struct vmon_blk_throttle *t)
{
	spin_lock_bh(&tb->lock);
	vmon_blk_tb_get(&tb->ops, &t->ops);
	vmon_blk_tb_get(&tb->bytes, &t->bytes);
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

/**
 * vmon_blk_throttle_take() - take the tokens of one request
 * @tb: the device's throttle
 * @bytes: the request's data bytes
 * @empty: set to the buckets that are short (%VMON_BLK_TB_OPS,
 *	%VMON_BLK_TB_BYTES), 0 when the tokens were taken
 *
 * A request larger than a bucket goes once the bucket is full and leaves
 * it in debt, so the rate over time holds whatever the request sizes.
 *
 * Return: 0 when the tokens were taken, otherwise the nanoseconds to wait
 * before trying again (nothing taken).
 */
u64 vmon_blk_throttle_take(struct vmon_blk_throttle_state *tb, u64 bytes,
			   u32 *empty)
{
	u64 now, wait, wait_ops, wait_bytes;

	*empty = 0;
	if (!READ_ONCE(tb->on))
		return 0;
	spin_lock_bh(&tb->lock);
	now = ktime_get_ns();
	vmon_blk_tb_refill(&tb->ops, now);
	vmon_blk_tb_refill(&tb->bytes, now);
	wait_ops = vmon_blk_tb_wait(&tb->ops, 1);
	wait_bytes = vmon_blk_tb_wait(&tb->bytes, bytes);
	wait = max(wait_ops, wait_bytes);
	if (wait_ops)
		*empty |= VMON_BLK_TB_OPS;
	if (wait_bytes)
		*empty |= VMON_BLK_TB_BYTES;
	if (!wait) {
		if (tb->ops.rate)
			tb->ops.tokens -= 1;
		if (tb->bytes.rate)
			tb->bytes.tokens -= min_t(u64, bytes, VMON_BLK_TB_MAX);
	}
	spin_unlock_bh(&tb->lock);
	return wait;
}
