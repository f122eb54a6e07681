// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the guest agent port (agent.h).
 *
 * The port is always held open on the host, so that qemu-guest-agent in
 * the guest never sees its channel closed: by the client of the --agent
 * socket while one is connected (one at a time; a second is refused, as a
 * QEMU chardev server would), else by the VMM's own client, one end of a
 * socketpair made at start. That client serves the API's "agent" request
 * with qemu-guest-agent's own handshake (qga/qapi-schema.json):
 *   0xff {"execute":"guest-sync-delimited","arguments":{"id":N}}
 * flushes the agent's parser; the answer is 0xff then {"return":N}; the
 * request follows, and its answer is the next JSON line. Commands that do
 * not answer on success (guest-shutdown, guest-suspend-*) are done once
 * sent. A timerfd bounds the whole exchange; bytes of the guest that come
 * with no request in flight are dropped.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vmm.h"
#include "agent.h"
#include "config.h"

#define REPLY_MAX 65536

enum phase { IDLE, SYNC, REPLY };

static struct {
	struct vm *vm;
	int listen_fd, client_fd, pair[2], timer_fd;
	char path[108];
	/* the call in flight */
	enum phase phase;
	bool seen_ff;
	uint32_t sync_id;
	char request[4200];
	bool want_reply;
	int timeout_s;
	agent_done_fn done;
	void *ctx;
	size_t len;
	char line[REPLY_MAX];
} ag = { .listen_fd = -1, .client_fd = -1, .pair = { -1, -1 }, .timer_fd = -1 };

static void on_guest_data(void *opaque, const void *data, size_t len);

int agent_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* EAGAIN: a client that does not read loses the rest */
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void arm(int seconds)
{
	struct itimerspec t = { .it_value = { .tv_sec = seconds } };

	timerfd_settime(ag.timer_fd, 0, &t, NULL);
}

/*
 * The call's end: the agent's "return" (@error NULL), or @error; @from_agent
 * when the agent itself answered with that error (vmond words the two cases
 * as libvirt does: the agent's error, or an agent that is not responding).
 */
static void finish(struct json_object *ret, const char *error, bool from_agent)
{
	struct json_object *r = json_object_new_object();
	agent_done_fn done = ag.done;
	char *out;

	arm(0);
	ag.phase = IDLE;
	ag.done = NULL;
	json_object_object_add(r, "ok", json_object_new_boolean(!error));
	if (error) {
		json_object_object_add(r, "error", json_object_new_string(error));
		if (from_agent)
			json_object_object_add(r, "agent_error", json_object_new_boolean(1));
	} else
		json_object_object_add(r, "return", ret ? json_object_get(ret) : NULL);
	out = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(r);
	if (done && out)
		done(ag.ctx, out);
	else
		free(out);
}

static void send_request(void)
{
	if (agent_write_all(ag.pair[1], ag.request, strlen(ag.request)) < 0) {
		finish(NULL, "agent: cannot pass the request to the port", false);
		return;
	}
	ag.phase = REPLY;
	ag.len = 0;
	if (!ag.want_reply)
		finish(NULL, NULL, false);
}

/* One complete line of the guest, in the phase we are in. */
static void got_line(void)
{
	struct json_object *o, *v, *d;
	char msg[512];

	ag.line[ag.len] = 0;
	o = json_tokener_parse(ag.line);
	ag.len = 0;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return; /* noise before the sync answer, or a partial line */
	}
	if (ag.phase == SYNC) {
		if (json_object_object_get_ex(o, "return", &v) &&
		    json_object_get_int64(v) == (int64_t)ag.sync_id)
			send_request();
	} else if (json_object_object_get_ex(o, "return", &v)) {
		finish(v, NULL, false);
	} else if (json_object_object_get_ex(o, "error", &v)) {
		snprintf(msg, sizeof(msg), "agent: %s",
			 json_object_object_get_ex(v, "desc", &d) ? json_object_get_string(d)
								  : json_object_get_string(v));
		finish(NULL, msg, true);
	}
	json_object_put(o);
}

static void on_guest_data(void *opaque, const void *data, size_t len)
{
	const unsigned char *p = data;

	(void)opaque;
	for (size_t i = 0; i < len && ag.phase != IDLE; i++) {
		if (p[i] == 0xff) { /* the delimiter of the sync answer */
			ag.seen_ff = true;
			ag.len = 0;
			continue;
		}
		if (ag.phase == SYNC && !ag.seen_ff)
			continue;
		if (p[i] == '\n') {
			got_line();
			continue;
		}
		if (ag.len == sizeof(ag.line) - 1) {
			finish(NULL, "agent: answer longer than 64 KiB", false);
			return;
		}
		ag.line[ag.len++] = (char)p[i];
	}
}

static void timer_event(void *opaque, uint32_t events)
{
	uint64_t n;
	char msg[128];

	(void)opaque;
	(void)events;
	if (read(ag.timer_fd, &n, sizeof(n)) != sizeof(n) || ag.phase == IDLE)
		return;
	snprintf(msg, sizeof(msg), "agent: the guest agent is not responding (no answer in %d s%s)",
		 ag.timeout_s, ag.phase == SYNC ? ", not even to guest-sync-delimited" : "");
	finish(NULL, msg, false);
}

static bool no_reply(const char *request)
{
	static const char *const names[] = { "guest-shutdown", "guest-suspend-ram",
					     "guest-suspend-disk", "guest-suspend-hybrid" };
	struct json_object *o = json_tokener_parse(request), *v;
	bool none = false;

	if (o && json_object_object_get_ex(o, "execute", &v))
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			none |= !strcmp(json_object_get_string(v), names[i]);
	json_object_put(o);
	return none;
}

int agent_call(const char *request, int timeout_s, agent_done_fn done, void *ctx, char *err,
	       size_t errlen)
{
	char sync[128], junk[4096];
	int n;

	if (ag.pair[0] < 0) {
		snprintf(err, errlen, "agent: no guest agent channel (start the VMM with --agent)");
		return -1;
	}
	if (ag.client_fd >= 0 || ag.phase != IDLE) {
		snprintf(err, errlen, "agent: the channel is busy (%s)",
			 ag.phase != IDLE ? "another request is in flight"
					  : "a client of the --agent socket holds it");
		return -1;
	}
	if (!console_port_guest_open()) {
		snprintf(err, errlen,
			 "agent: the guest agent is not connected "
			 "(no process in the guest has its port open)");
		return -1;
	}
	/* the request as the agent reads it: one line */
	if (snprintf(ag.request, sizeof(ag.request), "%s\n", request) >= (int)sizeof(ag.request)) {
		snprintf(err, errlen, "agent: request too long");
		return -1;
	}
	/* what an earlier call that timed out left for the guest */
	while (read(ag.pair[0], junk, sizeof(junk)) > 0)
		;
	ag.want_reply = !no_reply(request);
	ag.timeout_s = timeout_s;
	ag.done = done;
	ag.ctx = ctx;
	ag.sync_id = (ag.sync_id + 1) & 0x7fffffff;
	ag.seen_ff = false;
	ag.len = 0;
	ag.phase = SYNC;
	n = snprintf(sync, sizeof(sync),
		     "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%u}}\n",
		     ag.sync_id);
	arm(timeout_s);
	if (agent_write_all(ag.pair[1], sync, (size_t)n) < 0) {
		arm(0);
		ag.phase = IDLE;
		snprintf(err, errlen, "agent: cannot pass the request to the port");
		return -1;
	}
	return 0;
}

void agent_host_closed(void)
{
	int fd = ag.client_fd;

	if (fd < 0)
		return; /* the socketpair never ends */
	ag.client_fd = -1;
	/* the port stops polling the client's fd before it is closed */
	console_port_attach(ag.pair[0], on_guest_data, NULL);
	close(fd);
}

static void accept_event(void *opaque, uint32_t events)
{
	int fd = accept4(ag.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)opaque;
	(void)events;
	if (fd < 0)
		return;
	if (ag.client_fd >= 0 || ag.phase != IDLE) {
		close(fd); /* one client at a time, none during an API request */
		return;
	}
	ag.client_fd = fd;
	console_port_attach(fd, NULL, NULL);
}

int agent_init(struct vm *vm, const char *path)
{
	ag.vm = vm;
	if (snprintf(ag.path, sizeof(ag.path), "%s", path) >= (int)sizeof(ag.path)) {
		vmm_log("--agent '%s': path too long for a unix socket", path);
		return -1;
	}
	ag.listen_fd = unix_listen(path, 1);
	if (ag.listen_fd < 0) {
		vmm_log("--agent '%s': %s", path, strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ag.pair) < 0 ||
	    (ag.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		vmm_log("--agent: %s", strerror(errno));
		return -1;
	}
	console_port_attach(ag.pair[0], on_guest_data, NULL);
	if (ev_add(vm, ag.listen_fd, EPOLLIN, accept_event, NULL) < 0 ||
	    ev_add(vm, ag.timer_fd, EPOLLIN, timer_event, NULL) < 0)
		return -1;
	return 0;
}

void agent_exit(void)
{
	if (ag.listen_fd >= 0) {
		close(ag.listen_fd);
		unix_unlink(ag.path);
	}
}
