// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: a unix stream socket; each line a client sends is one
 * JSON request, each answer one JSON line: {"ok": true, ...} or
 * {"ok": false, "error": "..."}. Requests run in the main loop under the
 * device lock, so they see the machine between two exits.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "vmm.h"
#include "acpi.h"
#include "agent.h"
#include "api.h"
#include "config.h"
#include "devices.h"
#include "vdev.h"
#include "snapshot.h"

#define MAX_CLIENTS 8
#define LINE_MAX_LEN 8192

struct client {
	int fd;
	int passed_fd; /* the last descriptor the client sent (SCM_RIGHTS), or -1 */
	bool waiting;  /* for the guest agent's answer: lines after it wait too */
	size_t len;
	char buf[LINE_MAX_LEN];
};

static struct vm *api_vm;
static int listen_fd = -1;
static char sock_path[108];
static struct client clients[MAX_CLIENTS];

extern struct virtio_dev *vmm_devs[];
extern int vmm_ndevs;

static const char *state_name(struct vm *vm)
{
	if (vm->pmsuspended)
		return "pmsuspended";
	switch (vm->state) {
	case VM_RUNNING:
		return "running";
	case VM_PAUSED:
		return "paused";
	default:
		return "stopping";
	}
}

static struct json_object *u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static void add_status(struct vm *vm, struct json_object *r)
{
	struct json_object *cpus = json_object_new_array(), *devs = json_object_new_array();

	json_object_object_add(r, "state", json_object_new_string(state_name(vm)));
	json_object_object_add(r, "pid", json_object_new_int(getpid()));
	json_object_object_add(r, "memory_mib", u64(vm->ram_size >> 20));
	json_object_object_add(r, "vmon_id", u64(accounting_id()));
	for (int i = 0; i < vm->ncpus; i++) {
		struct json_object *c = json_object_new_object();
		uint64_t halt_ns;
		bool halted;

		json_object_object_add(c, "id", json_object_new_int(i));
		json_object_object_add(c, "tid", json_object_new_int(vm->vcpus[i].tid));
		json_object_object_add(c, "present", json_object_new_boolean(cpuhp_present(i)));
		if (!vcpu_stats_read(&vm->vcpus[i], &halted, &halt_ns)) {
			json_object_object_add(c, "halted", json_object_new_boolean(halted));
			json_object_object_add(c, "halt_wait_ns", u64(halt_ns));
		}
		json_object_array_add(cpus, c);
	}
	json_object_object_add(r, "vcpus", cpus);
	json_object_object_add(r, "vcpus_present", json_object_new_int(cpuhp_count()));
	json_object_object_add(r, "vcpus_max", json_object_new_int(vm->ncpus));
	for (int i = 0; i < vmm_ndevs; i++) {
		struct virtio_dev *d = vmm_devs[i];
		struct json_object *o = json_object_new_object(), *s = json_object_new_object();
		char where[32];

		if (d->ops->update_stats)
			d->ops->update_stats(d);
		d->tr->location(d, where, sizeof(where));
		json_object_object_add(o, "type", json_object_new_string(d->name));
		json_object_object_add(o, d->tr->name, json_object_new_string(where));
		json_object_object_add(o, "backend", json_object_new_string(d->backend));
		json_object_object_add(
			o, "driver_ok",
			json_object_new_boolean(d->status & VIRTIO_CONFIG_S_DRIVER_OK));
		json_object_object_add(o, "broken", json_object_new_boolean(d->broken));
		if (d->kernel_fd > 0)
			json_object_object_add(o, "kernel_fd", json_object_new_int(d->kernel_fd));
		json_object_object_add(s, "kicks", u64(d->stats.kicks));
		json_object_object_add(s, "interrupts", u64(d->stats.irqs));
		json_object_object_add(s, "requests", u64(d->stats.requests));
		json_object_object_add(s, "bytes_out", u64(d->stats.bytes_out));
		json_object_object_add(s, "bytes_in", u64(d->stats.bytes_in));
		json_object_object_add(s, "errors", u64(d->stats.errors));
		if (d->device_id == VIRTIO_ID_BLOCK || d->device_id == VIRTIO_ID_NET) {
			json_object_object_add(s, "requests_in", u64(d->stats.requests_in));
			json_object_object_add(s, "requests_out", u64(d->stats.requests_out));
		}
		if (d->device_id == VIRTIO_ID_BLOCK)
			json_object_object_add(s, "flushes", u64(d->stats.flushes));
		if (d->stats.timed) {
			json_object_object_add(s, "ns_in", u64(d->stats.ns_in));
			json_object_object_add(s, "ns_out", u64(d->stats.ns_out));
			json_object_object_add(s, "ns_flush", u64(d->stats.ns_flush));
		}
		json_object_object_add(o, "stats", s);
		json_object_array_add(devs, o);
	}
	json_object_object_add(r, "devices", devs);
	for (int i = 0; i < vmm_ndevs; i++) {
		uint64_t target = 0, actual = 0, free_mem = 0, reported = 0;
		struct json_object *bl;

		if (vmm_devs[i]->device_id != VIRTIO_ID_BALLOON)
			continue;
		balloon_status(&target, &actual, &free_mem, &reported);
		bl = json_object_new_object();
		json_object_object_add(bl, "target_mib", u64((vm->ram_size >> 20) - target / 256));
		json_object_object_add(bl, "actual_mib", u64((vm->ram_size >> 20) - actual / 256));
		json_object_object_add(bl, "guest_free_bytes", u64(free_mem));
		json_object_object_add(bl, "reported_free_bytes", u64(reported));
		json_object_object_add(r, "balloon", bl);
	}
	json_object_object_add(r, "reboots", u64(vm->reboots));
	json_object_object_add(r, "power_button_enabled",
			       json_object_new_boolean(pm_button_enabled()));
	json_object_object_add(r, "panicked", json_object_new_boolean(serial_saw_panic()));
	json_object_object_add(r, "io_error", json_object_new_boolean(vm->io_error));
	json_object_object_add(r, "bad_io_accesses", u64(io_bad_accesses));
	json_object_object_add(r, "console_bytes", u64(serial_tx_bytes()));
}

static void agent_answered(void *ctx, char *answer);

static void close_passed(struct client *c)
{
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	c->passed_fd = -1;
}

/*
 * Act on one request line; returns the answer (to be freed), or NULL when
 * it comes later (the guest agent's, through agent_answered()).
 */
static char *handle(struct vm *vm, const char *line, struct client *c)
{
	struct json_object *r = json_object_new_object();
	struct api_req req;
	char err[256] = "";
	char *out;

	if (api_parse(line, &req, err, sizeof(err)) < 0)
		goto fail;
	switch (req.cmd) {
	case API_STATUS:
		break;
	case API_PAUSE:
		vm_pause(vm);
		break;
	case API_RESUME:
		if (vm->pmsuspended) {
			snprintf(err, sizeof(err),
				 "resume: the guest is suspended to RAM (pmsuspended): use wakeup");
			goto fail;
		}
		/* what an error policy held goes again; it may pause the VM again */
		vm->io_error = false;
		for (int i = 0; i < vmm_ndevs; i++)
			if (vmm_devs[i]->ops->retry)
				vmm_devs[i]->ops->retry(vmm_devs[i]);
		vm_resume(vm);
		break;
	case API_SHUTDOWN:
		/* The ACPI power button; the answer says whether the guest listens. */
		pm_power_button();
		break;
	case API_CTRL_ALT_DEL:
		i8042_ctrl_alt_del();
		break;
	case API_WAKEUP:
		if (pm_wakeup(vm, err, sizeof(err)) < 0)
			goto fail;
		break;
	case API_RESET:
		if (vm_reset(vm, err, sizeof(err)) < 0)
			goto fail;
		break;
	case API_QUIT:
		vm_request_exit(vm, VM_EXIT_STOP);
		break;
	case API_BALLOON:
		if (balloon_set_target(req.balloon_mib) < 0) {
			snprintf(err, sizeof(err),
				 "balloon: no balloon device or target above RAM");
			goto fail;
		}
		break;
	case API_SET_VCPUS:
		if (cpuhp_set_vcpus(vm, req.vcpus, err, sizeof(err)) < 0)
			goto fail;
		break;
	case API_AGENT:
		if (agent_call(req.agent, req.timeout_s, agent_answered, c, err, sizeof(err)) < 0)
			goto fail;
		json_object_put(r);
		return NULL;
	case API_SNAPSHOT: {
		bool was_running = vm->state == VM_RUNNING;

		vm_pause(vm);
		if (vm->pmsuspended)
			vm_wait_parked(vm);
		int ret;

		if (!req.path_fd) {
			ret = snapshot_save(vm, req.path, err, sizeof(err));
		} else if (c->passed_fd < 0) {
			snprintf(err, sizeof(err),
				 "snapshot: \"fd\" but no descriptor came with the request");
			ret = -1;
		} else { /* the directory's owner sent it open */
			ret = snapshot_save_at(vm, c->passed_fd, req.path, err, sizeof(err));
		}
		close_passed(c);
		if (was_running)
			vm_resume(vm);
		if (ret < 0)
			goto fail;
		json_object_object_add(r, "path", json_object_new_string(req.path));
		break;
	}
	default:
		break;
	}
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	add_status(vm, r);
	goto done;
fail:
	json_object_put(r);
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(err));
done:
	out = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	json_object_put(r);
	return out;
}

static void drop(struct client *c)
{
	ev_del(api_vm, c->fd);
	close(c->fd);
	c->fd = -1;
	close_passed(c);
}

/*
 * The client's bytes, and a descriptor sent with them (one, kept until a
 * request uses it or another replaces it); any other control data is
 * refused by closing what came.
 */
static ssize_t client_read(struct client *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { c->buf + c->len, sizeof(c->buf) - 1 - c->len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof(cm)
	};
	struct cmsghdr *h;
	ssize_t n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);

	if (n < 0)
		return n;
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
		    h->cmsg_len == CMSG_LEN(sizeof(int))) {
			close_passed(c);
			memcpy(&c->passed_fd, CMSG_DATA(h), sizeof(int));
		}
	}
	if (m.msg_flags & MSG_CTRUNC)
		vmm_warn("api: a client sent more descriptors than one: dropped");
	return n;
}

/* Write one answer line; false when the client is gone (dropped). */
static bool answer(struct client *c, char *ans)
{
	size_t alen = strlen(ans);
	bool ok;

	ans[alen] = '\n';
	ok = write(c->fd, ans, alen + 1) == (ssize_t)(alen + 1);
	free(ans);
	if (!ok)
		drop(c);
	return ok;
}

/* Answer the complete lines in the buffer, until one must wait. */
static bool serve_lines(struct client *c)
{
	char *nl;

	while (!c->waiting && (nl = strchr(c->buf, '\n'))) {
		char *ans;

		*nl = 0;
		ans = handle(api_vm, c->buf, c);
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len + 1);
		if (!ans) { /* deferred: read nothing more until it is answered */
			c->waiting = true;
			ev_del(api_vm, c->fd);
		} else if (!answer(c, ans)) {
			return false;
		}
	}
	return true;
}

static void client_event(void *opaque, uint32_t events);

static void agent_answered(void *ctx, char *ans)
{
	struct client *c = ctx;

	c->waiting = false;
	if (!answer(c, ans) || !serve_lines(c))
		return;
	if (!c->waiting)
		ev_add(api_vm, c->fd, EPOLLIN, client_event, c);
}

static void client_event(void *opaque, uint32_t events)
{
	struct client *c = opaque;
	ssize_t n = client_read(c);

	(void)events;
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		drop(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = 0;
	if (!serve_lines(c))
		return;
	if (!c->waiting && c->len == sizeof(c->buf) - 1) {
		static const char msg[] = "{\"ok\":false,\"error\":\"request line too long\"}\n";
		if (write(c->fd, msg, sizeof(msg) - 1) < 0)
			vmm_warn("api: write: %s", strerror(errno));
		drop(c);
	}
}

static void accept_event(void *opaque, uint32_t events)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)opaque;
	(void)events;
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0) {
			clients[i].fd = fd;
			clients[i].passed_fd = -1;
			clients[i].len = 0;
			clients[i].waiting = false;
			ev_add(api_vm, fd, EPOLLIN, client_event, &clients[i]);
			return;
		}
	}
	close(fd); /* too many clients */
}

int api_init(struct vm *vm, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	api_vm = vm;
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vmm_log("--api '%s': path too long for a unix socket", path);
		return -1;
	}
	strcpy(sock_path, path);
	/* A stale socket of an earlier run is replaced; anything else is not. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		vmm_log("--api '%s': exists and is not a socket", path);
		return -1;
	}
	listen_fd = unix_listen(path, 4);
	if (listen_fd < 0) {
		vmm_log("--api '%s': %s", path, strerror(errno));
		return -1;
	}
	return ev_add(vm, listen_fd, EPOLLIN, accept_event, NULL);
}

void api_exit(void)
{
	if (listen_fd >= 0) {
		close(listen_fd);
		unix_unlink(sock_path);
	}
}
