// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon-net: a virtio-net back end on the vmon vring engine, speaking
 * the vhost-net ioctl ABI, with a tap (tun or macvtap) file as back end.
 *
 * Ring 0 receives (tap to guest), ring 1 transmits (guest to tap).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/etherdevice.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/nospec.h>
#include <linux/ptr_ring.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/vhost.h>
#include <linux/virtio_net.h>
#include <net/sock.h>
#include <net/xdp.h>

#include <linux/vmon.h>

#include "vmon_core.h"
#include "trace.h"
#include "vring.h"

enum {
	VMON_NET_RX = 0,
	VMON_NET_TX = 1,
	VMON_NET_NVQS,
};

/* Per run of a handler: at most this many packets or bytes. */
#define VMON_NET_PKT_WEIGHT	256
#define VMON_NET_BYTE_WEIGHT	0x80000
/* Used entries written and tap packets taken at a time. */
#define VMON_NET_BATCH		64

#define VMON_NET_FEATURES \
	(VMON_VRING_FEATURES | \
	 (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) | \
	 (1ULL << VIRTIO_NET_F_MRG_RXBUF))

struct vmon_net_vq {
	struct vmon_vq vq;
	struct vmon_poll sock_poll;
	size_t vhost_hlen;	/* header we add or strip */
	size_t sock_hlen;	/* header the tap adds or takes */
	/* TX: frames copied out of the guest, handed to the tap in one go */
	struct xdp_buff *xdp;
	unsigned int batched;
	struct page_frag_cache frag;
	/* RX: packets taken from the tap's ring in one batch */
	struct ptr_ring *rx_ring;
	void *rxq[VMON_NET_BATCH];
	unsigned int rxq_head;
	unsigned int rxq_tail;
};

struct vmon_net {
	struct vmon_vdev dev;
	struct vmon_dev __rcu *acct;	/* VMON_DEV_SET_VM */
	struct vmon_net_vq vqs[VMON_NET_NVQS];
	struct vmon_vq *vqp[VMON_NET_NVQS];
};

/*
 * Count one handler run's packets into the VM the device is attached to:
 * Ethernet frames and their bytes, without virtio-net headers, as a NIC
 * counts them; runts and frames the tap refused or had no room for are drops.
 */
static void vmon_net_count(struct vmon_net_vq *nvq, bool rx, int pkts,
			   u64 bytes, int drops)
{
	struct vmon_dev *acct;

	if (!pkts && !drops)
		return;
	if (rx)
		trace_net_rx(nvq->vq.acct, nvq->vq.index, pkts, bytes, drops);
	else
		trace_net_tx(nvq->vq.acct, nvq->vq.index, pkts, bytes, drops);
	rcu_read_lock();
	acct = rcu_dereference(*nvq->vq.acct);
	if (rx)
		vmon_stats_net_rx(acct, pkts, bytes);
	else
		vmon_stats_net_tx(acct, pkts, bytes);
	if (drops)
		vmon_stats_net_drop(acct, rx, drops);
	rcu_read_unlock();
}

/* ---- TX -------------------------------------------------------------- */

/* Room around a batched frame: XDP headroom in front, skb_shared_info after. */
#define VMON_NET_XDP_HEADROOM	(XDP_PACKET_HEADROOM + NET_IP_ALIGN)

static bool vmon_net_can_batch(struct vmon_net_vq *nvq, struct socket *sock,
			       size_t len)
{
	/* the tap's own send-buffer accounting is off (the default) */
	if (!nvq->xdp || sock->sk->sk_sndbuf != INT_MAX)
		return false;
	return SKB_DATA_ALIGN(VMON_NET_XDP_HEADROOM + len) +
	       SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) <= PAGE_SIZE;
}

/*
 * Hand the frames batched so far to the tap in one sendmsg. When it fails
 * the tap took none of them (tun fails with EBADFD on a detached queue or a
 * deleted device before it looks at the batch): free their fragments here
 * and return how many frames and bytes were dropped that way.
 */
static unsigned int vmon_net_tx_flush(struct vmon_net_vq *nvq,
				      struct socket *sock, u64 *dropped_bytes)
{
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = nvq->batched,
		.ptr = nvq->xdp,
	};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
		.msg_flags = MSG_DONTWAIT,
	};
	unsigned int i, n = nvq->batched;

	if (!n)
		return 0;
	nvq->batched = 0;
	/* on success the tap owns the buffers, whatever it makes of them */
	if (likely(sock->ops->sendmsg(sock, &msg, 0) >= 0))
		return 0;
	for (i = 0; i < n; i++) {
		struct xdp_buff *xdp = &nvq->xdp[i];

		*dropped_bytes += xdp->data_end - xdp->data;
		page_frag_free(xdp->data_hard_start);
	}
	return n;
}

/* The header must cover the checksum field, as the tap's own path makes it. */
static void vmon_net_fix_hdr_len(struct vmon_vq *vq, struct virtio_net_hdr *h)
{
	bool le = vmon_vq_le(vq);
	u32 need;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return;
	need = __virtio16_to_cpu(le, h->csum_start) +
	       __virtio16_to_cpu(le, h->csum_offset) + 2;
	if (need > __virtio16_to_cpu(le, h->hdr_len))
		h->hdr_len = __cpu_to_virtio16(le, need);
}

/*
 * Copy @len bytes of the guest's frame into the page fragment at @dst.
 * Through the page, as vhost-net does: copy_from_iter() would run the
 * hardened-usercopy object check on every call, a lookup that a page
 * fragment does not need: 1.2% of all CPU in a profile of 64-byte TX
 * (Documentation/performance.rst).
 */
static bool vmon_net_copy_in(void *dst, size_t len, struct iov_iter *from)
{
	return copy_page_from_iter(virt_to_page(dst), offset_in_page(dst), len,
				   from) == len;
}

/*
 * Copy one frame (with the tap's header when it takes one) into a page
 * fragment laid out as the tap's XDP path expects. Return 0, -ENOMEM, or
 * -EFAULT when the guest buffer could not be read.
 */
static int vmon_net_tx_build(struct vmon_net_vq *nvq, struct iov_iter *from,
			     size_t len)
{
	size_t datalen = len - nvq->sock_hlen;
	unsigned int buflen = SKB_DATA_ALIGN(VMON_NET_XDP_HEADROOM + datalen) +
			      SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	struct xdp_buff *xdp = &nvq->xdp[nvq->batched];
	struct tun_xdp_hdr *hdr;
	void *buf;

	/* charged to the owner's memory cgroup, which the worker is in */
	buf = page_frag_alloc(&nvq->frag, buflen, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	hdr = buf;
	hdr->buflen = buflen;
	memset(&hdr->gso, 0, sizeof(hdr->gso));
	if (nvq->sock_hlen) {
		if (!vmon_net_copy_in(&hdr->gso, sizeof(hdr->gso), from))
			goto fault;
		iov_iter_advance(from, nvq->sock_hlen - sizeof(hdr->gso));
		vmon_net_fix_hdr_len(&nvq->vq, &hdr->gso);
	}
	if (!vmon_net_copy_in(buf + VMON_NET_XDP_HEADROOM, datalen, from))
		goto fault;
	memset(xdp, 0, sizeof(*xdp));
	xdp->data_hard_start = buf;
	xdp->data = buf + VMON_NET_XDP_HEADROOM;
	xdp->data_end = xdp->data + datalen;
	xdp->data_meta = xdp->data;
	xdp->frame_sz = buflen;
	nvq->batched++;
	return 0;
fault:
	page_frag_free(buf);
	return -EFAULT;
}

/* What a TX pass sent and dropped, for the VM's counters. */
struct vmon_net_tally {
	int frames, drops;
	u64 bytes;
};

/* Frames of a batch the tap refused were counted as sent: make them drops. */
static void vmon_net_tx_flush_count(struct vmon_net_vq *nvq,
				    struct socket *sock,
				    struct vmon_net_tally *t)
{
	u64 lost = 0;
	unsigned int n = vmon_net_tx_flush(nvq, sock, &lost);

	t->frames -= n;
	t->drops += n;
	t->bytes -= lost;
}

/*
 * Send TX chain @head, its payload the @len bytes of @msg's iterator after
 * the vhost header, batched when it can be. Return false when the pass
 * must stop: a guest error stopped the ring, or the tap is full (the chain
 * given back, the tap watched for room).
 */
static bool vmon_net_tx_one(struct vmon_net_vq *nvq, struct socket *sock,
			    int head, struct msghdr *msg, size_t len,
			    struct vmon_net_tally *t)
{
	struct vmon_vq *vq = &nvq->vq;
	int err;

	if (vmon_net_can_batch(nvq, sock, len)) {
		err = vmon_net_tx_build(nvq, &msg->msg_iter, len);
		if (err == -EFAULT) {
			vmon_vq_fail(vq, "cannot read TX request %d", head);
			return false;
		}
		if (!err) {
			vmon_vq_push_head(vq, head, 0);
			t->frames++;
			t->bytes += len - nvq->sock_hlen;
			if (nvq->batched == VMON_NET_BATCH)
				vmon_net_tx_flush_count(nvq, sock, t);
			return true;
		}
		/* no memory for the copy: send it the slow way */
	}

	/* keep the order: what was batched goes first */
	vmon_net_tx_flush_count(nvq, sock, t);
	msg->msg_control = NULL;
	msg->msg_controllen = 0;
	err = sock->ops->sendmsg(sock, msg, len);
	if (err == -EAGAIN || err == -ENOMEM || err == -ENOBUFS) {
		/* the tap is full: retry when it drains */
		vmon_vq_discard(vq, 1);
		vmon_poll_start(&nvq->sock_poll, sock->file);
		return false;
	}
	/* other errors drop the packet, as a NIC would */
	vmon_vq_push_head(vq, head, 0);
	if (err < 0) {
		t->drops++;
	} else {
		t->frames++;
		t->bytes += len - nvq->sock_hlen;
	}
	return true;
}

static void vmon_net_tx(struct vmon_net_vq *nvq)
{
	struct vmon_vq *vq = &nvq->vq;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct vmon_net_tally t = { 0 };
	unsigned int out, in, nlog;
	struct socket *sock;
	int head, pkts = 0;
	size_t len, total = 0;

	mutex_lock(&vq->mutex);
	if (!vmon_vq_ready(vq))
		goto out;
	sock = vq->private_data;
	vmon_poll_stop(&nvq->sock_poll);
	vmon_vq_disable_notify(vq);

	for (;;) {
		head = vmon_vq_get_desc(vq, vq->iov, UIO_MAXIOV, &out, &in,
					NULL, &nlog);
		if (head < 0)
			break;
		if (head == vq->num) {
			vmon_net_tx_flush_count(nvq, sock, &t);
			if (vmon_vq_enable_notify(vq)) {
				vmon_vq_disable_notify(vq);
				continue;
			}
			break;
		}
		if (in) {
			vmon_vq_fail(vq, "TX request %d has writable buffers",
				     head);
			break;
		}
		len = iov_length(vq->iov, out);
		if (len < nvq->vhost_hlen + nvq->sock_hlen + ETH_HLEN) {
			/* a runt: drop it as a NIC would */
			vmon_vq_push_head(vq, head, 0);
			t.drops++;
		} else {
			iov_iter_init(&msg.msg_iter, ITER_SOURCE, vq->iov, out,
				      len);
			iov_iter_advance(&msg.msg_iter, nvq->vhost_hlen);
			len -= nvq->vhost_hlen;
			if (!vmon_net_tx_one(nvq, sock, head, &msg, len, &t))
				break;
		}
		if (vq->nheads >= VMON_NET_BATCH) {
			vmon_net_tx_flush_count(nvq, sock, &t);
			if (vmon_vq_flush_signal(vq))
				break;
		}
		total += len;
		if (vmon_vdev_weight_exceeded(vq, ++pkts, total))
			break;
	}
	vmon_net_tx_flush_count(nvq, sock, &t);
	vmon_vq_flush_signal(vq);
	vmon_net_count(nvq, false, t.frames, t.bytes, t.drops);
out:
	mutex_unlock(&vq->mutex);
}

/* ---- RX -------------------------------------------------------------- */

static int vmon_net_rx_peek(struct vmon_net_vq *nvq, struct socket *sock)
{
	void *ptr;

	if (!nvq->rx_ring)
		return sock->ops->peek_len ? sock->ops->peek_len(sock) : 0;
	if (nvq->rxq_head == nvq->rxq_tail) {
		nvq->rxq_head = 0;
		nvq->rxq_tail = ptr_ring_consume_batched(nvq->rx_ring,
							 nvq->rxq,
							 VMON_NET_BATCH);
		if (!nvq->rxq_tail)
			return 0;
	}
	ptr = nvq->rxq[nvq->rxq_head];
	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	return ((struct sk_buff *)ptr)->len +
	       (skb_vlan_tag_present((struct sk_buff *)ptr) ? VLAN_HLEN : 0);
}

/* Give packets taken from the tap but not delivered back to it. */
static void vmon_net_rx_unconsume(struct vmon_net_vq *nvq)
{
	if (nvq->rx_ring && nvq->rxq_head != nvq->rxq_tail)
		ptr_ring_unconsume(nvq->rx_ring, nvq->rxq + nvq->rxq_head,
				   nvq->rxq_tail - nvq->rxq_head,
				   tun_ptr_free);
	nvq->rxq_head = 0;
	nvq->rxq_tail = 0;
}

/*
 * Take buffers until they hold @need bytes, at most @quota of them, into
 * vq->heads after the pending ones. Return how many, 0 when the ring ran
 * out, -ENOSPC when @quota or the segments ran out first (all given back),
 * another negative error after a guest error stopped the ring.
 */
static int vmon_net_get_rx_bufs(struct vmon_vq *vq, size_t need,
				unsigned int quota, unsigned int *segs,
				unsigned int *nlog, size_t *got)
{
	struct vring_used_elem *heads = vq->heads + vq->nheads;
	struct vmon_log *log = vmon_vq_logging(vq) ? vq->log : NULL;
	unsigned int seg = 0, count = 0, out, in, lognum;
	size_t len;
	int head;

	*got = 0;
	*nlog = 0;
	while (*got < need) {
		if (count >= quota || seg >= UIO_MAXIOV) {
			vmon_vq_discard(vq, count);
			return -ENOSPC;
		}
		head = vmon_vq_get_desc(vq, vq->iov + seg, UIO_MAXIOV - seg,
					&out, &in, log ? log + *nlog : NULL,
					&lognum);
		if (head < 0)
			return head;
		if (head == vq->num) {
			vmon_vq_discard(vq, count);
			return 0;
		}
		if (out) {
			vmon_vq_fail(vq, "RX buffer %d is readable", head);
			return -EINVAL;
		}
		/*
		 * A buffer is used up to the rest of the packet: the last
		 * one holds only that, and a length of 4 GiB or more (a chain
		 * can hold that much) is neither truncated nor kept.
		 */
		len = min(iov_length(vq->iov + seg, in), need - *got);
		heads[count].id = (__force __virtio32)head;
		heads[count].len = (__force __virtio32)(u32)len;
		*got += len;
		*nlog += lognum;
		seg += in;
		count++;
	}
	*segs = seg;
	return count;
}

/* Drop the packet at the head of the tap. */
static void vmon_net_rx_drop(struct vmon_net_vq *nvq, struct socket *sock)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

	iov_iter_kvec(&msg.msg_iter, ITER_DEST, NULL, 0, 0);
	if (nvq->rx_ring)
		msg.msg_control = nvq->rxq[nvq->rxq_head++];
	sock->ops->recvmsg(sock, &msg, 1, MSG_DONTWAIT | MSG_TRUNC);
}

/*
 * The virtio-net header of a packet received into @count buffers: all of
 * it when we add it, else the tap's with its num_buffers filled in, at
 * @fixup. Return false after a guest error stopped the ring.
 */
static bool vmon_net_rx_hdr(struct vmon_net_vq *nvq, struct iov_iter *fixup,
			    int count, bool mergeable)
{
	struct vmon_vq *vq = &nvq->vq;
	struct virtio_net_hdr_mrg_rxbuf hdr = {
		.hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE,
	};
	__virtio16 nbuf;

	if (nvq->vhost_hlen) {
		hdr.num_buffers = cpu_to_virtio16_vq(vq, count);
		if (copy_to_iter(&hdr, nvq->vhost_hlen, fixup) !=
		    nvq->vhost_hlen)
			goto fail;
	} else if (mergeable ||
		   nvq->sock_hlen == sizeof(struct virtio_net_hdr_mrg_rxbuf)) {
		nbuf = cpu_to_virtio16_vq(vq, count);
		iov_iter_advance(fixup, offsetof(typeof(hdr), num_buffers));
		if (copy_to_iter(&nbuf, sizeof(nbuf), fixup) != sizeof(nbuf))
			goto fail;
	}
	return true;
fail:
	vmon_vq_fail(vq, "cannot write the RX header");
	return false;
}

static void vmon_net_rx(struct vmon_net_vq *nvq)
{
	struct vmon_vq *vq = &nvq->vq;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	unsigned int segs, nlog, quota;
	struct iov_iter fixup;
	struct socket *sock;
	int pkts = 0, drops = 0, retries = 0, count, len, err;
	u64 bytes = 0;
	bool mergeable;
	size_t datalen, need, got, total = 0;
	u16 seen;

	mutex_lock(&vq->mutex);
	if (!vmon_vq_ready(vq))
		goto out;
	sock = vq->private_data;
	mergeable = vmon_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF);
	vmon_vq_disable_notify(vq);

	while ((len = vmon_net_rx_peek(nvq, sock)) > 0) {
		datalen = len + nvq->sock_hlen;
		need = datalen + nvq->vhost_hlen;
		quota = mergeable ? UIO_MAXIOV - vq->nheads : 1;
		count = vmon_net_get_rx_bufs(vq, need, quota, &segs, &nlog,
					     &got);
		if (count == -ENOSPC) {
			/* no room for it in the guest's buffers */
			vmon_net_rx_drop(nvq, sock);
			drops++;
			goto next;
		}
		if (count < 0)
			break;
		if (!count) {
			/*
			 * Go on only when the guest added buffers since the
			 * ring ran out: the ones just given back do not hold
			 * the packet, and taking them again would spin for
			 * ever. enable_notify() is true for those too.
			 */
			seen = vq->avail_idx;
			if (vmon_vq_enable_notify(vq) && vq->avail_idx != seen) {
				vmon_vq_disable_notify(vq);
				if (vmon_vdev_weight_exceeded(vq, pkts + drops +
							      ++retries, total))
					break;
				continue;
			}
			break;
		}
		iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, segs, need);
		fixup = msg.msg_iter;
		iov_iter_advance(&msg.msg_iter, nvq->vhost_hlen);
		msg.msg_control = nvq->rx_ring ? nvq->rxq[nvq->rxq_head++] :
						 NULL;
		err = sock->ops->recvmsg(sock, &msg, datalen,
					 MSG_DONTWAIT | MSG_TRUNC);
		if (err != (int)datalen) {
			/* the tap dropped it (a buffer it could not write) */
			vmon_vq_discard(vq, count);
			drops++;
			goto next;
		}
		if (!vmon_net_rx_hdr(nvq, &fixup, count, mergeable))
			break;
		if (vmon_vq_logging(vq))
			vmon_vq_log_write(vq, vq->log, nlog, need);
		vq->nheads += count;
		if (vq->nheads >= VMON_NET_BATCH) {
			if (vmon_vq_flush_signal(vq))
				break;
		}
		total += need;
		bytes += len;
		pkts++;
next:
		/*
		 * Every packet counts, dropped or delivered, as in vhost-net:
		 * a guest whose buffers take no packet must not keep the
		 * worker from the other rings while the tap has traffic.
		 */
		if (vmon_vdev_weight_exceeded(vq, pkts + drops + retries,
					      total))
			break;
	}
	vmon_vq_flush_signal(vq);
	vmon_net_count(nvq, true, pkts, bytes, drops);
out:
	mutex_unlock(&vq->mutex);
}

/* ---- work entry points ----------------------------------------------- */

static void vmon_net_tx_kick(struct vmon_work *work)
{
	struct vmon_vq *vq = container_of(work, struct vmon_vq, poll.work);

	vmon_net_tx(container_of(vq, struct vmon_net_vq, vq));
}

static void vmon_net_rx_kick(struct vmon_work *work)
{
	struct vmon_vq *vq = container_of(work, struct vmon_vq, poll.work);

	vmon_net_rx(container_of(vq, struct vmon_net_vq, vq));
}

static void vmon_net_tx_sock(struct vmon_work *work)
{
	vmon_net_tx(container_of(work, struct vmon_net_vq, sock_poll.work));
}

static void vmon_net_rx_sock(struct vmon_work *work)
{
	vmon_net_rx(container_of(work, struct vmon_net_vq, sock_poll.work));
}

/* ---- back end ---------------------------------------------------------- */

static struct socket *vmon_net_get_socket(int fd, struct ptr_ring **ring)
{
	struct file *file = fget(fd);
	struct socket *sock;

	if (!file)
		return ERR_PTR(-EBADF);
	sock = tun_get_socket(file);
	if (!IS_ERR(sock)) {
		*ring = tun_get_tx_ring(file);
		return sock;
	}
	sock = tap_get_socket(file);
	if (!IS_ERR(sock)) {
		*ring = tap_get_ptr_ring(file);
		return sock;
	}
	fput(file);
	return ERR_PTR(-ENOTSOCK);
}

/* Detach the back end of ring @index; return it for the caller to put. */
static struct socket *vmon_net_stop_vq(struct vmon_net *n, unsigned int index)
{
	struct vmon_net_vq *nvq = &n->vqs[index];
	struct socket *sock;

	mutex_lock(&nvq->vq.mutex);
	sock = nvq->vq.private_data;
	vmon_poll_stop(&nvq->sock_poll);
	vmon_net_rx_unconsume(nvq);
	nvq->rx_ring = NULL;
	nvq->vq.private_data = NULL;
	mutex_unlock(&nvq->vq.mutex);
	return sock;
}

static void vmon_net_stop(struct vmon_net *n)
{
	struct socket *sock[VMON_NET_NVQS];
	unsigned int i;

	for (i = 0; i < VMON_NET_NVQS; i++)
		sock[i] = vmon_net_stop_vq(n, i);
	vmon_vdev_flush(&n->dev);
	for (i = 0; i < VMON_NET_NVQS; i++)
		if (sock[i])
			fput(sock[i]->file);
}

static long vmon_net_set_backend(struct vmon_net *n, void __user *argp)
{
	struct vhost_vring_file f;
	struct vmon_net_vq *nvq;
	struct socket *sock = NULL, *old;
	struct ptr_ring *ring = NULL;
	long ret;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.index >= VMON_NET_NVQS)
		return -ENOBUFS;
	nvq = &n->vqs[array_index_nospec(f.index, VMON_NET_NVQS)];
	if (f.fd != VHOST_FILE_UNBIND) {
		sock = vmon_net_get_socket(f.fd, &ring);
		if (IS_ERR(sock))
			return PTR_ERR(sock);
	}

	/* a handler stuck on this ring must not hold a dying caller */
	if (mutex_lock_killable(&nvq->vq.mutex)) {
		if (sock)
			fput(sock->file);
		return -EINTR;
	}
	old = nvq->vq.private_data;
	if (sock == old) {
		mutex_unlock(&nvq->vq.mutex);
		if (sock)
			fput(sock->file);
		return 0;
	}
	if (sock) {
		ret = vmon_vq_start(&nvq->vq);
		if (ret) {
			mutex_unlock(&nvq->vq.mutex);
			fput(sock->file);
			return ret;
		}
	}
	vmon_poll_stop(&nvq->sock_poll);
	vmon_net_rx_unconsume(nvq);
	nvq->vq.private_data = sock;
	nvq->rx_ring = f.index == VMON_NET_RX && !IS_ERR(ring) ? ring : NULL;
	if (sock) {
		if (f.index == VMON_NET_RX)
			vmon_poll_start(&nvq->sock_poll, sock->file);
		vmon_vq_work_queue(&nvq->vq, &nvq->vq.poll.work);
	}
	mutex_unlock(&nvq->vq.mutex);

	if (old) {
		/*
		 * No handler reaches @old any more: handlers read the back
		 * end under the ring's mutex, and it changed under it. The
		 * flush lets the works queued before the change run out
		 * first; a caller killed meanwhile (a worker stuck on another
		 * ring) stops waiting, and @old can go all the same.
		 */
		vmon_vdev_flush_killable(&n->dev);
		fput(old->file);
	}
	return 0;
}

static long vmon_net_set_features(struct vmon_net *n, u64 features)
{
	size_t hlen, vhost_hlen, sock_hlen;
	unsigned int i;
	int ret;

	if (features & ~VMON_NET_FEATURES)
		return -EOPNOTSUPP;
	if (features & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			(1ULL << VIRTIO_F_VERSION_1)))
		hlen = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	else
		hlen = sizeof(struct virtio_net_hdr);
	if (features & (1ULL << VHOST_NET_F_VIRTIO_NET_HDR)) {
		vhost_hlen = hlen;
		sock_hlen = 0;
	} else {
		vhost_hlen = 0;
		sock_hlen = hlen;
	}
	ret = vmon_vdev_set_features(&n->dev, features);
	if (ret)
		return ret;
	for (i = 0; i < VMON_NET_NVQS; i++) {
		mutex_lock(&n->vqs[i].vq.mutex);
		n->vqs[i].vhost_hlen = vhost_hlen;
		n->vqs[i].sock_hlen = sock_hlen;
		mutex_unlock(&n->vqs[i].vq.mutex);
	}
	return 0;
}

/* ---- file operations ----------------------------------------------------- */

static int vmon_net_open(struct inode *inode, struct file *file)
{
	struct vmon_net *n;
	unsigned int i;

	n = kvzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	n->vqs[VMON_NET_TX].xdp = kmalloc_array(VMON_NET_BATCH,
						sizeof(struct xdp_buff),
						GFP_KERNEL_ACCOUNT);
	if (!n->vqs[VMON_NET_TX].xdp) {
		kvfree(n);
		return -ENOMEM;
	}
	n->vqs[VMON_NET_RX].vq.handle_kick = vmon_net_rx_kick;
	n->vqs[VMON_NET_TX].vq.handle_kick = vmon_net_tx_kick;
	for (i = 0; i < VMON_NET_NVQS; i++) {
		n->vqp[i] = &n->vqs[i].vq;
		n->vqs[i].vq.acct = &n->acct;
	}
	vmon_vdev_init(&n->dev, n->vqp, VMON_NET_NVQS, VMON_NET_PKT_WEIGHT,
		       VMON_NET_BYTE_WEIGHT);
	vmon_poll_init(&n->vqs[VMON_NET_RX].sock_poll, vmon_net_rx_sock,
		       EPOLLIN, &n->vqs[VMON_NET_RX].vq);
	vmon_poll_init(&n->vqs[VMON_NET_TX].sock_poll, vmon_net_tx_sock,
		       EPOLLOUT, &n->vqs[VMON_NET_TX].vq);
	file->private_data = n;
	return 0;
}

static int vmon_net_release(struct inode *inode, struct file *file)
{
	struct vmon_net *n = file->private_data;
	struct page_frag_cache *frag;

	vmon_net_stop(n);
	mutex_lock(&n->dev.mutex);
	vmon_vdev_cleanup(&n->dev);
	mutex_unlock(&n->dev.mutex);
	frag = &n->vqs[VMON_NET_TX].frag;
	if (frag->va)
		__page_frag_cache_drain(virt_to_head_page(frag->va),
					frag->pagecnt_bias);
	kfree(n->vqs[VMON_NET_TX].xdp);
	vmon_dev_set_vm(&n->acct, VMON_DEV_NET, "vmon-net", 0);
	kvfree(n);
	return 0;
}

static long vmon_net_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	struct vmon_net *n = file->private_data;
	void __user *argp = (void __user *)arg;
	u64 __user *featurep = argp;
	u64 features;
	long ret;

	ret = vmon_vdev_features_ioctl(ioctl, featurep, VMON_NET_FEATURES);
	if (ret != -ENOIOCTLCMD)
		return ret;
	switch (ioctl) {
	case VMON_DEV_SET_VM:
		/* the supervisor may do this from another process */
		if (mutex_lock_killable(&n->dev.mutex))
			return -EINTR;
		ret = vmon_dev_set_vm_ioctl(&n->acct, VMON_DEV_NET, "vmon-net",
					    argp);
		mutex_unlock(&n->dev.mutex);
		return ret;
	}

	/* another ioctl stuck under it must not hold a dying caller */
	if (mutex_lock_killable(&n->dev.mutex))
		return -EINTR;
	if (ioctl != VHOST_SET_OWNER) {
		ret = vmon_vdev_check_owner(&n->dev);
		if (ret)
			goto out;
	}
	switch (ioctl) {
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			ret = -EFAULT;
		else
			ret = vmon_net_set_features(n, features);
		break;
	case VHOST_NET_SET_BACKEND:
		ret = vmon_net_set_backend(n, argp);
		break;
	case VHOST_RESET_OWNER:
		vmon_net_stop(n);
		vmon_vdev_reset_owner(&n->dev);
		ret = 0;
		break;
	default:
		ret = vmon_vdev_ioctl(&n->dev, ioctl, argp);
		if (ret == -ENOIOCTLCMD)
			ret = -ENOTTY;
		break;
	}
out:
	mutex_unlock(&n->dev.mutex);
	return ret;
}

static const struct file_operations vmon_net_fops = {
	.owner = THIS_MODULE,
	.open = vmon_net_open,
	.release = vmon_net_release,
	.unlocked_ioctl = vmon_net_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vmon_net_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmon-net",
	.fops = &vmon_net_fops,
	.mode = 0600,
};

int vmon_net_init(void)
{
	return misc_register(&vmon_net_misc);
}

void vmon_net_exit(void)
{
	misc_deregister(&vmon_net_misc);
}
