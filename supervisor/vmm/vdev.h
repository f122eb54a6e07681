/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio devices and their back ends.
 */
#ifndef VMON_VMM_VDEV_H
#define VMON_VMM_VDEV_H

#include "config.h"
#include "virtio.h"

struct virtio_dev *virtio_rng_create(struct vm *vm);
struct virtio_dev *virtio_blk_create(struct vm *vm, const struct disk_config *cfg);
struct virtio_dev *virtio_net_create(struct vm *vm, const struct net_config *cfg);
/* The same on a tap (or, for tests, any packet fd) already open: non-blocking. */
struct virtio_dev *virtio_net_create_on(struct vm *vm, const struct net_config *cfg, int tap);
struct virtio_dev *virtio_balloon_create(struct vm *vm);

/*
 * vhost.c: hand the queues of @d to a vhost-ABI device (vhost-net, vmon-net,
 * vmon-blk). @set_backend is the device's ioctl that gives ring i the fd
 * @backend_fd (VHOST_NET_SET_BACKEND, VMON_BLK_SET_BACKEND); stop detaches
 * the rings and keeps their positions for the next start.
 */
int vhost_open(const char *path);
int vhost_start(struct virtio_dev *d, int vhost_fd, unsigned long set_backend, int backend_fd);
void vhost_stop(struct virtio_dev *d, int vhost_fd, unsigned long set_backend);

#endif /* VMON_VMM_VDEV_H */
