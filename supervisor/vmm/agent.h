/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest agent channel: the agent port of virtio-console
 * (virtio_console.h) and its host side (agent.c): the unix socket of
 * --agent, and the API's "agent" request, which the VMM answers itself by
 * speaking qemu-guest-agent's protocol on the port.
 */
#ifndef VMON_VMM_AGENT_H
#define VMON_VMM_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_console.h"

struct vm;

/* agent.c */
/* --agent PATH: the socket and the API's client (before the sandbox). */
int agent_init(struct vm *vm, const char *path);
void agent_exit(void);
/* The host side's fd ended (EOF, error): let the next client in. */
void agent_host_closed(void);
/* write() until done on a non-blocking stream, waiting at most ~1 s in all. */
int agent_write_all(int fd, const void *buf, size_t len);

/* The answer of an API agent request: a JSON object, to be freed by the caller. */
typedef void (*agent_done_fn)(void *ctx, char *answer);
/*
 * Send @request (one JSON object with "execute") to the guest agent after a
 * guest-sync-delimited handshake, and call @done with {"ok":true,
 * "return":...} or {"ok":false,"error":"..."} within @timeout_s seconds.
 * Returns 0 when under way, -1 with a reason in @err (no agent device, the
 * guest's agent not running, the channel busy).
 */
int agent_call(const char *request, int timeout_s, agent_done_fn done, void *ctx, char *err,
	       size_t errlen);

#endif /* VMON_VMM_AGENT_H */
