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
struct virtio_dev *virtio_balloon_create(struct vm *vm);

/* vhost.c: hand the queues of @d to a vhost-ABI device (vhost-net, vmon-net). */
int vhost_open(const char *path);
int vhost_start(struct virtio_dev *d, int vhost_fd, int backend_fd);
void vhost_stop(struct virtio_dev *d, int vhost_fd);

#endif /* VMON_VMM_VDEV_H */
