// SPDX-License-Identifier: GPL-2.0
/*
 * A userspace virtio guest driver for vhost-ABI ring devices; see
 * vring_drv.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/vmon.h>

#include "vring_drv.h"

#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define READ16(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WRITE16(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

int vdrv_open(struct vdrv *d, const char *path, size_t mem_size)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r;
	} table;
	int saved;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	d->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (d->mem == MAP_FAILED) {
		saved = -errno;
		close(d->fd);
		return saved;
	}
	d->mem_size = mem_size;
	if (ioctl(d->fd, VHOST_SET_OWNER))
		goto fail;
	memset(&table, 0, sizeof(table));
	table.hdr.nregions = 1;
	table.r.guest_phys_addr = (uintptr_t)d->mem;
	table.r.userspace_addr = (uintptr_t)d->mem;
	table.r.memory_size = mem_size;
	if (ioctl(d->fd, VHOST_SET_MEM_TABLE, &table))
		goto fail;
	return 0;
fail:
	saved = -errno;
	vdrv_close(d);
	return saved;
}

void vdrv_close(struct vdrv *d)
{
	unsigned int i;

	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	for (i = 0; i < VDRV_MAX_RINGS; i++) {
		struct vdrv_ring *r = &d->ring[i];

		if (!r->num)
			continue;
		close(r->kick_fd);
		close(r->call_fd);
		close(r->err_fd);
		free(r->token);
		free(r->chain_len);
		r->num = 0;
	}
	if (d->mem && d->mem != MAP_FAILED)
		munmap(d->mem, d->mem_size);
	d->mem = NULL;
}

void *vdrv_alloc(struct vdrv *d, size_t size, size_t align)
{
	size_t at = (d->brk + align - 1) & ~(align - 1);

	if (at + size > d->mem_size)
		return NULL;
	d->brk = at + size;
	memset((char *)d->mem + at, 0, size);
	return (char *)d->mem + at;
}

int vdrv_get_features(struct vdrv *d, uint64_t *features)
{
	return ioctl(d->fd, VHOST_GET_FEATURES, features) ? -errno : 0;
}

int vdrv_set_features(struct vdrv *d, uint64_t features)
{
	unsigned int i;

	if (ioctl(d->fd, VHOST_SET_FEATURES, &features))
		return -errno;
	d->features = features;
	for (i = 0; i < VDRV_MAX_RINGS; i++)
		d->ring[i].event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	return 0;
}

int vdrv_ring_setup(struct vdrv *d, unsigned int index, unsigned int num)
{
	struct vdrv_ring *r = &d->ring[index];
	struct vhost_vring_state s = { .index = index };
	struct vhost_vring_addr a = { .index = index };
	struct vhost_vring_file f = { .index = index };
	size_t used_size;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->drv = d;
	r->index = index;
	r->num = num;
	r->event_idx = d->features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	r->desc = vdrv_alloc(d, num * sizeof(*r->desc), 4096);
	r->avail = vdrv_alloc(d, sizeof(*r->avail) + (num + 1) * 2, 4096);
	/* the used ring on pages of its own, for mprotect() tests */
	used_size = sizeof(*r->used) + num * sizeof(r->used->ring[0]) + 2;
	used_size = (used_size + 4095) & ~(size_t)4095;
	r->used = vdrv_alloc(d, used_size, 4096);
	r->indirect =
		vdrv_alloc(d, (size_t)num * VDRV_MAX_INDIRECT * sizeof(struct vring_desc), 4096);
	r->token = calloc(num, sizeof(*r->token));
	r->chain_len = calloc(num, sizeof(*r->chain_len));
	if (!r->desc || !r->avail || !r->used || !r->indirect || !r->token || !r->chain_len)
		return -ENOMEM;
	for (i = 0; i < num; i++)
		r->desc[i].next = i + 1;
	r->num_free = num;
	r->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->kick_fd < 0 || r->call_fd < 0 || r->err_fd < 0)
		return -errno;

	s.num = num;
	if (ioctl(d->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	s.num = 0;
	if (ioctl(d->fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	a.desc_user_addr = (uintptr_t)r->desc;
	a.avail_user_addr = (uintptr_t)r->avail;
	a.used_user_addr = (uintptr_t)r->used;
	a.log_guest_addr = (uintptr_t)r->used;
	if (ioctl(d->fd, VHOST_SET_VRING_ADDR, &a))
		return -errno;
	f.fd = r->kick_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_KICK, &f))
		return -errno;
	f.fd = r->call_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_CALL, &f))
		return -errno;
	f.fd = r->err_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_ERR, &f))
		return -errno;
	return 0;
}

int vdrv_set_backend(struct vdrv *d, unsigned int index, int fd)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	return ioctl(d->fd, VHOST_NET_SET_BACKEND, &f) ? -errno : 0;
}

int vdrv_worker_per_ring(struct vdrv *d, unsigned int first, unsigned int last)
{
	struct vhost_worker_state ws;
	struct vhost_vring_worker vw;
	unsigned int i;

	for (i = first; i <= last; i++) {
		if (ioctl(d->fd, VHOST_NEW_WORKER, &ws))
			return -errno;
		vw.index = i;
		vw.worker_id = ws.worker_id;
		if (ioctl(d->fd, VHOST_ATTACH_VRING_WORKER, &vw))
			return -errno;
	}
	return 0;
}

int vdrv_add(struct vdrv_ring *r, const struct iovec *out, unsigned int nout,
	     const struct iovec *in, unsigned int nin, bool indirect, void *token)
{
	unsigned int n = nout + nin, k, i, head = r->free_head, prev = 0;

	if (!n || (indirect && n > VDRV_MAX_INDIRECT))
		return -EINVAL;
	if (r->num_free < (indirect ? 1 : n))
		return -ENOSPC;
	if (indirect) {
		struct vring_desc *t = r->indirect + head * VDRV_MAX_INDIRECT;

		for (k = 0; k < n; k++) {
			const struct iovec *v = k < nout ? &out[k] : &in[k - nout];

			t[k].addr = (uintptr_t)v->iov_base;
			t[k].len = v->iov_len;
			t[k].flags = (k < nout ? 0 : VRING_DESC_F_WRITE) |
				     (k + 1 < n ? VRING_DESC_F_NEXT : 0);
			t[k].next = k + 1;
		}
		r->desc[head].addr = (uintptr_t)t;
		r->desc[head].len = n * sizeof(*t);
		r->desc[head].flags = VRING_DESC_F_INDIRECT;
		r->free_head = r->desc[head].next;
		r->num_free--;
		r->chain_len[head] = 1;
	} else {
		i = head;
		for (k = 0; k < n; k++) {
			const struct iovec *v = k < nout ? &out[k] : &in[k - nout];

			r->desc[i].addr = (uintptr_t)v->iov_base;
			r->desc[i].len = v->iov_len;
			r->desc[i].flags = (k < nout ? 0 : VRING_DESC_F_WRITE) |
					   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
			prev = i;
			i = r->desc[i].next;
		}
		(void)prev;
		r->free_head = i;
		r->num_free -= n;
		r->chain_len[head] = n;
	}
	r->token[head] = token;
	r->avail->ring[r->avail_idx & (r->num - 1)] = head;
	r->avail_idx++;
	WRITE16(r->avail->idx, r->avail_idx);
	return head;
}

void vdrv_kick(struct vdrv_ring *r, bool force)
{
	uint64_t one = 1;
	bool need;

	mb();
	if (force) {
		need = true;
	} else if (r->event_idx) {
		uint16_t *ev =
			(uint16_t *)((char *)r->used->ring + r->num * sizeof(r->used->ring[0]));
		uint16_t event = READ16(*ev);

		need = vring_need_event(event, r->avail_idx, r->kicked_idx);
	} else {
		need = !(READ16(r->used->flags) & VRING_USED_F_NO_NOTIFY);
	}
	r->kicked_idx = r->avail_idx;
	if (need) {
		r->kicks++;
		if (write(r->kick_fd, &one, sizeof(one)) != sizeof(one))
			perror("vdrv: kick");
	}
}

unsigned int vdrv_pending_used(struct vdrv_ring *r)
{
	return (uint16_t)(READ16(r->used->idx) - r->last_used);
}

void *vdrv_get_used(struct vdrv_ring *r, uint32_t *len)
{
	unsigned int id, k, tail;
	void *token;

	if (READ16(r->used->idx) == r->last_used)
		return NULL;
	rmb();
	id = r->used->ring[r->last_used & (r->num - 1)].id;
	if (len)
		*len = r->used->ring[r->last_used & (r->num - 1)].len;
	if (id >= r->num || !r->chain_len[id]) {
		fprintf(stderr, "vdrv: device returned bad head %u\n", id);
		return NULL;
	}
	tail = id;
	for (k = 1; k < r->chain_len[id]; k++)
		tail = r->desc[tail].next;
	r->desc[tail].next = r->free_head;
	r->free_head = id;
	r->num_free += r->chain_len[id];
	r->chain_len[id] = 0;
	token = r->token[id];
	r->last_used++;
	if (r->event_idx && !r->cb_off)
		WRITE16(r->avail->ring[r->num], r->last_used);
	return token;
}

void vdrv_enable_cb(struct vdrv_ring *r)
{
	r->cb_off = false;
	if (r->event_idx)
		WRITE16(r->avail->ring[r->num], r->last_used);
	else
		WRITE16(r->avail->flags, 0);
	mb();
}

void vdrv_disable_cb(struct vdrv_ring *r)
{
	r->cb_off = true;
	if (r->event_idx)
		WRITE16(r->avail->ring[r->num], (uint16_t)(r->last_used - 1));
	else
		WRITE16(r->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
}

static int wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;
	int ret;

	ret = poll(&p, 1, ms);
	if (ret <= 0)
		return ret;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return 1;
}

int vdrv_wait_call(struct vdrv_ring *r, int ms)
{
	return wait_fd(r->call_fd, ms);
}

int vdrv_wait_err(struct vdrv_ring *r, int ms)
{
	return wait_fd(r->err_fd, ms);
}

int vdrv_link_set(const char *ifname, bool up, int mtu)
{
	struct ifreq ifr;
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (mtu > 0) {
		ifr.ifr_mtu = mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr))
			ret = -errno;
	}
	if (!ret && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	}
	close(s);
	return ret;
}

int vdrv_tap_open(char *ifname, int vnet_hdr_sz, unsigned int offload)
{
	struct ifreq ifr;
	char path[128];
	int fd, pfd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr_sz ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, &ifr))
		goto fail;
	if (vnet_hdr_sz) {
		if (ioctl(fd, TUNSETVNETHDRSZ, &vnet_hdr_sz))
			goto fail;
		if (ioctl(fd, TUNSETOFFLOAD, offload))
			goto fail;
	}
	strcpy(ifname, ifr.ifr_name);
	/* no IPv6 chatter (router solicitations) into the rings under test */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	pfd = open(path, O_WRONLY | O_CLOEXEC);
	if (pfd >= 0) {
		if (write(pfd, "1", 1) != 1)
			perror("vdrv: disable_ipv6");
		close(pfd);
	}
	if (vdrv_link_set(ifname, true, 0))
		goto fail;
	return fd;
fail:
	close(fd);
	return -errno;
}

int vdrv_packet_open(const char *ifname, bool vnet_hdr)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, buf = 16 << 20, s;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s < 0)
		return -errno;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	if ((vnet_hdr && setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) ||
	    setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) ||
	    setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		int saved = -errno;

		close(s);
		return saved;
	}
	return s;
}
