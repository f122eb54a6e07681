// SPDX-License-Identifier: GPL-2.0
/*
 * What a running VMM reports that vmond did not cause: its status
 * ({"cmd":"status"}) read every second and before dominfo answers, turned
 * into facts of the state machine:
 *   "panicked": true     the guest panicked and, booted with panic=0 for
 *                        on_crash preserve, stays so: crashed (panicked)
 *   "state":"pmsuspended" the guest entered S3 by itself
 *   "state":"running"    after pmsuspended: it woke (the power button, or
 *                        dompmwakeup from another client)
 *   "io_error": true     a disk's error policy paused the guest: paused
 *                        (I/O error); resume retries the held requests
 *   "state":"paused"/"running" against ours: paused or resumed elsewhere
 *   "vcpus": [{"halted", "halt_wait_ns"}] with --report-idle: idle while
 *                        every present vCPU waits in a halt at two looks
 *                        a second or more apart and spent half the time
 *                        between in halts (KVM's binary statistics, read
 *                        by the VMM: two preads a vCPU); running again once
 *                        one does not
 * A guest that powers off, reboots or panics without on_crash preserve
 * ends its VMM: vm.c reads that from the exit status.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmon/domain.h>

#include "vmond.h"
#include "vnet.h"

#define WATCH_WAIT_MS 2000

/* The on_crash action of a held panic, through the VMM's API. */
static void panicked(struct vmond *d, struct vdom *v)
{
	struct vmon_dstate_result r;
	const char *api = NULL;
	char err[256];

	if (vmond_next(v, VMON_IN_PANICKED, &r, err, sizeof(err))) {
		vmond_log("%s: %s", v->name, err);
		return;
	}
	switch (r.todo) {
	case VMON_TODO_PAUSE: /* preserve: kept, paused, for a dump */
		api = "pause";
		break;
	case VMON_TODO_STOP_VMM: /* destroy: the pidfd then ends it */
		api = "quit";
		break;
	case VMON_TODO_RESET: /* restart in place */
		api = "reset";
		break;
	default:
		break;
	}
	if (api && vmond_vm_call(v, api, NULL, err, sizeof(err)))
		vmond_log("%s: on_crash: %s", v->name, err);
	vmond_commit(d, v, &r);
}

static bool watched(const struct vdom *v)
{
	switch (v->ds.state) {
	case VMON_DS_RUNNING:
	case VMON_DS_BLOCKED:
	case VMON_DS_SHUTDOWN:
	case VMON_DS_PMSUSPENDED:
		return true;
	case VMON_DS_PAUSED:
		return v->ds.reason != VMON_PAUSED_STARTING_UP && v->ds.reason != VMON_PAUSED_SAVE;
	default: /* shut off, crashed, dying */
		return false;
	}
}

/*
 * Is the guest of status @a idle? Each present vCPU halted at this look
 * and at the last one, a second or more before, and in halts for half the
 * time between. KVM adds a halt's wait to halt_wait_ns only when it ends,
 * so a wait that did not grow between two halted looks is one halt that
 * spans them (a tickless guest asleep): idle too. -1 when there is nothing
 * to decide: the VMM does not report halts (Linux before 5.14), the first
 * look at a VMM, or a look sooner than a second after the last (dominfo
 * asks between the ticks).
 */
static int idle(struct vdom *v, struct json_object *a)
{
	struct json_object *cpus, *c, *x;
	struct vhalt *h = v->halt, now = { 0 };
	int pid = json_object_object_get_ex(a, "pid", &x) ? json_object_get_int(x) : 0;
	bool fresh, all = true, any = false;
	struct timespec ts;

	if (!json_object_object_get_ex(a, "vcpus", &cpus) ||
	    !json_object_is_type(cpus, json_type_array))
		return -1;
	if (!h && !(h = v->halt = calloc(1, sizeof(*h))))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now.at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	now.pid = pid;
	fresh = h->pid != pid || !h->at;
	if (!fresh && now.at - h->at < 1000000000ull)
		return -1;
	for (size_t i = 0; i < json_object_array_length(cpus) && i < VHALT_CPUS; i++) {
		uint64_t d;

		c = json_object_array_get_idx(cpus, i);
		if (!json_object_object_get_ex(c, "present", &x) || !json_object_get_boolean(x))
			continue;
		if (!json_object_object_get_ex(c, "halted", &x))
			return -1;
		now.halted[i] = json_object_get_boolean(x);
		now.ns[i] = json_object_object_get_ex(c, "halt_wait_ns", &x)
				    ? json_object_get_uint64(x)
				    : 0;
		d = now.ns[i] - h->ns[i];
		any = true;
		all &= now.halted[i] && h->halted[i] && now.ns[i] >= h->ns[i] &&
		       (!d || d * 2 >= now.at - h->at);
	}
	*h = now;
	return fresh || !any ? -1 : all;
}

void vmond_refresh(struct vmond *d, struct vdom *v)
{
	struct json_object *a = NULL, *x;
	const char *state = "";
	bool panic = false, ioerr;
	enum vmon_dstate_state s = v->ds.state;
	char err[256];

	/* A VMM that does not answer soon is asked again at the next tick. */
	if (v->pidfd < 0 || !watched(v) ||
	    vmond_vm_call_ms(v, "status", &a, WATCH_WAIT_MS, err, sizeof(err)))
		return;
	if (json_object_object_get_ex(a, "state", &x))
		state = json_object_get_string(x);
	panic = json_object_object_get_ex(a, "panicked", &x) && json_object_get_boolean(x);
	ioerr = json_object_object_get_ex(a, "io_error", &x) && json_object_get_boolean(x);
	if (panic && s != VMON_DS_PMSUSPENDED)
		panicked(d, v);
	else if (ioerr && !(s == VMON_DS_PAUSED && v->ds.reason == VMON_PAUSED_IOERROR))
		vmond_fact(d, v, VMON_IN_IOERROR);
	else if (!strcmp(state, "pmsuspended") && s != VMON_DS_PMSUSPENDED)
		vmond_fact(d, v, VMON_IN_GUEST_PMSUSPENDED);
	else if (!strcmp(state, "running") && s == VMON_DS_PMSUSPENDED)
		vmond_fact(d, v, VMON_IN_WOKE);
	else if (!strcmp(state, "paused") && s != VMON_DS_PAUSED && s != VMON_DS_PMSUSPENDED)
		vmond_fact(d, v, VMON_IN_VMM_PAUSED);
	else if (!strcmp(state, "running") && s == VMON_DS_PAUSED)
		vmond_fact(d, v, VMON_IN_VMM_RESUMED);
	else if (d->report_idle && !strcmp(state, "running") &&
		 (s == VMON_DS_RUNNING || s == VMON_DS_BLOCKED)) {
		int i = idle(v, a);

		if (i == 1 && s == VMON_DS_RUNNING)
			vmond_fact(d, v, VMON_IN_IDLE);
		else if (i == 0 && s == VMON_DS_BLOCKED)
			vmond_fact(d, v, VMON_IN_BUSY);
	}
	json_object_put(a);
}

void vmond_refresh_all(struct vmond *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (vdom_active(d->doms[i]))
			vmond_refresh(d, d->doms[i]);
	vmond_net_watch(d); /* networks' dnsmasq (net_life.c) */
}
