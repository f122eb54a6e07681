/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console (virtio_console.c): port 0 the console hvc0 (--hvc), its
 * host side a console of chardev.c; port 1 the guest agent's channel
 * (--agent), its host side agent.c's.
 */
#ifndef VMON_VMM_VIRTIO_CONSOLE_H
#define VMON_VMM_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct vm;
struct virtio_dev;

/* Bytes the guest wrote to the agent port, for the VMM's own agent client. */
typedef void (*agent_data_fn)(void *opaque, const void *data, size_t len);

/* The device, with the console port (@hvc), the agent's port (@agent) or both. */
struct virtio_dev *virtio_console_create(struct vm *vm, bool hvc, bool agent);
/*
 * The host side of the agent port: @fd (-1: nobody) is read for the guest
 * and, without @on_data, written with what the guest sends; the guest hears
 * PORT_OPEN 1 or 0.
 */
void console_port_attach(int fd, agent_data_fn on_data, void *opaque);
/* Whether a process in the guest has the agent port open (the agent runs). */
bool console_port_guest_open(void);
/*
 * The host side of the console port: read @in_fd, write @out_fd (either
 * -1: none). @sock: one accepted socket client (in = out), closed when it
 * ends or the next one is attached.
 */
void console_hvc_attach(int in_fd, int out_fd, bool sock);

#endif /* VMON_VMM_VIRTIO_CONSOLE_H */
