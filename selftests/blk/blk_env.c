// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-blk test environment; see blk_env.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "blk_env.h"

uint64_t be_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int be_setup(struct blk_env *e, unsigned int nq, unsigned int depth, uint64_t features)
{
	unsigned int q, i;
	int ret;

	memset(e, 0, sizeof(*e));
	if (nq > VDRV_MAX_RINGS || depth > BE_RING)
		return -EINVAL;
	ret = vdrv_open(&e->d, "/dev/" VMON_BLK_NAME, BE_ARENA);
	if (ret) {
		fprintf(stderr, "blk_env: open /dev/%s: %s\n", VMON_BLK_NAME, strerror(-ret));
		return ret;
	}
	e->nq = nq;
	e->depth = depth;
	e->features = features;
	ret = vdrv_set_features(&e->d, features);
	if (ret)
		goto fail;
	for (q = 0; q < nq; q++) {
		ret = vdrv_ring_setup(&e->d, q, BE_RING);
		if (ret)
			goto fail;
	}
	e->reqs = vdrv_alloc(&e->d, sizeof(*e->reqs) * nq * depth, 64);
	if (!e->reqs) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < nq * depth; i++) {
		e->reqs[i].q = i / depth;
		e->reqs[i].data = vdrv_alloc(&e->d, BE_MAX_IO, 4096);
		if (!e->reqs[i].data) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	return 0;
fail:
	fprintf(stderr, "blk_env: setup: %s\n", strerror(-ret));
	vdrv_close(&e->d);
	return ret;
}

void be_teardown(struct blk_env *e)
{
	vdrv_close(&e->d);
}

int be_backend_q(struct blk_env *e, unsigned int q, int fd)
{
	struct vmon_blk_backend b = { .index = q, .fd = fd };

	return ioctl(e->d.fd, VMON_BLK_SET_BACKEND, &b) ? -errno : 0;
}

int be_backend(struct blk_env *e, int fd)
{
	unsigned int q;
	int ret;

	for (q = 0; q < e->nq; q++) {
		ret = be_backend_q(e, q, fd);
		if (ret)
			return ret;
	}
	return 0;
}

int be_config(struct blk_env *e, const struct vmon_blk_config *c)
{
	return ioctl(e->d.fd, VMON_BLK_SET_CONFIG, c) ? -errno : 0;
}

struct be_req *be_get(struct blk_env *e, unsigned int q)
{
	unsigned int i;

	for (i = 0; i < e->depth; i++) {
		struct be_req *r = &e->reqs[q * e->depth + i];

		if (!r->busy)
			return r;
	}
	return NULL;
}

/* be_post(); a discard or write-zeroes range is @nsect sectors long. */
static int be_add(struct blk_env *e, struct be_req *r, uint32_t type, uint64_t sector, uint32_t len,
		  uint32_t nsect, uint32_t flags)
{
	struct iovec out[2], in[2];
	unsigned int nout = 1, nin = 0;
	int head;

	r->hdr.type = type;
	r->hdr.ioprio = 0;
	r->hdr.sector = sector;
	r->status = 0xff;
	r->type = type;
	r->sector = sector;
	r->len = len;
	out[0].iov_base = &r->hdr;
	out[0].iov_len = sizeof(r->hdr);
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		in[nin].iov_base = r->data;
		in[nin++].iov_len = len;
		break;
	case VIRTIO_BLK_T_OUT:
		out[nout].iov_base = r->data;
		out[nout++].iov_len = len;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		r->range.sector = sector;
		r->range.num_sectors = nsect;
		r->range.flags = flags;
		out[nout].iov_base = &r->range;
		out[nout++].iov_len = sizeof(r->range);
		break;
	default:
		break;
	}
	in[nin].iov_base = &r->status;
	in[nin++].iov_len = 1;
	head = vdrv_add(&e->d.ring[r->q], out, nout, in, nin,
			e->features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC), r);
	if (head < 0)
		return head;
	r->busy = true;
	return 0;
}

int be_post(struct blk_env *e, struct be_req *r, uint32_t type, uint64_t sector, uint32_t len,
	    uint32_t flags)
{
	return be_add(e, r, type, sector, len, len >> 9, flags);
}

int be_post_range(struct blk_env *e, struct be_req *r, uint32_t type, uint64_t sector,
		  uint32_t nsect, uint32_t flags)
{
	return be_add(e, r, type, sector, 0, nsect, flags);
}

void be_kick(struct blk_env *e, unsigned int q)
{
	vdrv_kick(&e->d.ring[q], false);
}

struct be_req *be_reap(struct blk_env *e, unsigned int q)
{
	struct be_req *r = vdrv_get_used(&e->d.ring[q], NULL);

	if (r)
		r->busy = false;
	return r;
}

int be_wait(struct blk_env *e, int ms)
{
	struct pollfd p[VDRV_MAX_RINGS];
	unsigned int q;
	uint64_t v;
	int ret;

	for (q = 0; q < e->nq; q++) {
		vdrv_enable_cb(&e->d.ring[q]);
		if (vdrv_pending_used(&e->d.ring[q]))
			return 1;
		p[q].fd = e->d.ring[q].call_fd;
		p[q].events = POLLIN;
	}
	ret = poll(p, e->nq, ms);
	if (ret <= 0)
		return ret;
	for (q = 0; q < e->nq; q++)
		if (p[q].revents & POLLIN)
			(void)!read(p[q].fd, &v, sizeof(v));
	return 1;
}

int be_sync(struct blk_env *e, uint32_t type, uint64_t sector, void *buf, uint32_t len,
	    uint32_t flags)
{
	struct be_req *r = be_get(e, 0), *got;
	int i;

	if (!r || len > BE_MAX_IO)
		return -1;
	if (type == VIRTIO_BLK_T_OUT && buf)
		memcpy(r->data, buf, len);
	if (be_post(e, r, type, sector, len, flags))
		return -1;
	vdrv_kick(&e->d.ring[0], true);
	for (i = 0; i < 100; i++) {
		got = be_reap(e, 0);
		if (got == r)
			break;
		if (got)
			continue;
		be_wait(e, 100);
	}
	if (i == 100)
		return -1;
	if ((type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID) && buf)
		memcpy(buf, r->data, len);
	return r->status;
}

const char *be_brd(unsigned int mib)
{
	char cmd[128];

	if (access("/dev/ram0", F_OK)) {
		snprintf(cmd, sizeof(cmd), "modprobe brd rd_nr=2 rd_size=%u", mib * 1024);
		if (system(cmd))
			return NULL;
	}
	return access("/dev/ram0", F_OK) ? NULL : "/dev/ram0";
}

int be_loop(const char *file, unsigned int mib, char *dev, size_t devlen)
{
	char cmd[512];
	FILE *p;
	int fd;

	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)mib << 20)) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	if (system("modprobe loop"))
		return -ENODEV;
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s", file);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	if (!fgets(dev, devlen, p)) {
		pclose(p);
		return -ENODEV;
	}
	pclose(p);
	dev[strcspn(dev, "\n")] = 0;
	return 0;
}

/*
 * Detach a loop device and wait until it has let go of its backing file:
 * a device still open (vmon-blk drops its file reference after the
 * ioctl that closed the back end returns) is only marked for auto-clear,
 * and the file system under the backing file stays busy until then.
 * Return 0 once released, -1 (after saying why) otherwise.
 */
int be_loop_free(const char *dev)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char cmd[128], sys[128];
	int i;

	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	if (system(cmd)) {
		fprintf(stderr, "blk_env: %s failed\n", cmd);
		return -1;
	}
	snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", name);
	for (i = 0; i < 100 && access(sys, F_OK) == 0; i++)
		usleep(50 * 1000);
	if (access(sys, F_OK) == 0) {
		fprintf(stderr, "blk_env: %s still holds its file after 5 s\n", dev);
		return -1;
	}
	return 0;
}

int be_slow_disk(unsigned int delay_ms)
{
	char cmd[512];

	be_slow_disk_free();
	snprintf(cmd, sizeof(cmd),
		 "modprobe dm-zero && modprobe dm-delay && export DM_DISABLE_UDEV=1 && "
		 "dmsetup create vmon-zero --table '0 %llu zero' && "
		 "dmsetup create vmon-slow --table '0 %llu delay /dev/mapper/vmon-zero 0 %u'",
		 BE_SLOW_SECTORS, BE_SLOW_SECTORS, delay_ms);
	return system(cmd) ? -1 : 0;
}

void be_slow_disk_free(void)
{
	if (system("export DM_DISABLE_UDEV=1; for d in vmon-slow vmon-zero; do "
		   "! [ -e /dev/mapper/$d ] || dmsetup remove $d; done"))
		fprintf(stderr, "blk_env: dmsetup remove failed\n");
}

void be_load_module(void)
{
	if (system("modprobe vmon"))
		fprintf(stderr, "# modprobe vmon failed\n");
}

int be_make_file(const char *path, unsigned int mib, int flags)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)mib << 20)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return open(path, flags);
}

int be_set_bio(bool on)
{
	FILE *f = fopen("/sys/module/vmon/parameters/blk_bio", "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(on ? "Y" : "N", f) == EOF;
	return fclose(f) || ret ? -1 : 0;
}

int be_stats(struct blk_env *e, struct vmon_blk_stats *s)
{
	return ioctl(e->d.fd, VMON_BLK_GET_STATS, s);
}
