// SPDX-License-Identifier: GPL-2.0
/*
 * Requests that change a domain's life (start, create, shutdown, reboot,
 * destroy, suspend, resume) and domstats, mapped onto the VMM's JSON API:
 * pause, resume, shutdown (the ACPI power button), wakeup, reset, quit,
 * status.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vmon/domain.h>
#include <vmon/network.h>

#include "vmond.h"

struct vmon_domain *vmond_req_xml(struct json_object *req, struct json_object *r, char *err,
				  size_t errlen);

struct vdom *vmond_run_def(struct vmond *d, struct vmon_domain *def, char *err, size_t errlen)
{
	struct vdom *v;

	if (vmond_check_clash(d, def, &v, err, errlen) || (v && vdom_active(v))) {
		if (v)
			snprintf(err, errlen, "domain '%s' is already active", v->name);
		vmon_domain_free(def);
		return NULL;
	}
	if (v) /* an inactive persistent domain runs with this definition */
		vmond_def_run(v, def);
	else if (!(v = vmond_add(d, def, false))) {
		vmon_domain_free(def);
		snprintf(err, errlen, "out of memory");
	}
	return v;
}

static int create(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		  size_t errlen)
{
	struct vmon_domain *def = vmond_req_xml(req, r, err, errlen);
	struct vdom *v;

	if (!def || !(v = vmond_run_def(d, def, err, errlen)))
		return -1;
	if (vmond_vm_start(d, v, vmond_req_flag(req, "paused"), err, errlen)) {
		if (!v->persistent)
			vmond_drop(d, v);
		return -1;
	}
	json_object_object_add(r, "name", json_object_new_string(v->name));
	return 0;
}

static const struct {
	const char *cmd;
	enum vmon_dstate_input in;
} inputs[] = {
	{ "shutdown", VMON_IN_SHUTDOWN },    { "reboot", VMON_IN_REBOOT },
	{ "destroy", VMON_IN_DESTROY },	     { "suspend", VMON_IN_SUSPEND },
	{ "resume", VMON_IN_RESUME },	     { "dompmsuspend", VMON_IN_PMSUSPEND },
	{ "dompmwakeup", VMON_IN_PMWAKEUP },
};

/* What the state machine asks, through the VMM's API. */
static const char *api_of(enum vmon_dstate_todo todo)
{
	switch (todo) {
	case VMON_TODO_PAUSE:
		return "pause";
	case VMON_TODO_RESUME:
		return "resume";
	case VMON_TODO_POWER_BUTTON: /* the ACPI power button */
		return "shutdown";
	case VMON_TODO_REBOOT:
	case VMON_TODO_RESET:
		return "reset";
	case VMON_TODO_PMWAKEUP:
		return "wakeup";
	default:
		return NULL;
	}
}

/* dompmsuspend's target: virsh's words. */
static int pm_target(struct json_object *req, char *err, size_t errlen)
{
	struct json_object *t;
	const char *s;

	if (!json_object_object_get_ex(req, "target", &t) ||
	    !json_object_is_type(t, json_type_string)) {
		snprintf(err, errlen, "request has no string member \"target\"");
		return -1;
	}
	s = json_object_get_string(t);
	if (strcmp(s, "mem") && strcmp(s, "disk") && strcmp(s, "hybrid")) {
		snprintf(err, errlen,
			 "invalid argument: unknown target '%.32s' (mem, disk, hybrid)", s);
		return -1;
	}
	return 0;
}

/*
 * dompmsuspend, as libvirt does it: the guest agent's guest-suspend-ram
 * (-disk, -hybrid), which answers nothing once it goes; the domain is
 * pmsuspended when the VMM sees the guest enter S3, as for a guest that
 * suspends itself (watch.c).
 */
static int pm_suspend(struct vdom *v, struct json_object *req, char *err, size_t errlen)
{
	struct json_object *t;
	char execute[32];

	/* pm_target() checked it: mem, disk or hybrid */
	json_object_object_get_ex(req, "target", &t);
	snprintf(execute, sizeof(execute), "guest-suspend-%s",
		 strcmp(json_object_get_string(t), "mem") ? json_object_get_string(t) : "ram");
	return vmond_agent_exec(v, execute, err, errlen);
}

/* shutdown --mode agent */
static bool mode_agent(struct json_object *req)
{
	struct json_object *m;

	return json_object_object_get_ex(req, "mode", &m) &&
	       !strcmp(json_object_get_string(m), "agent");
}

/* cmd on domain v; may free a transient v (destroy). */
static int act(struct vmond *d, struct vdom *v, const char *cmd, struct json_object *req, char *err,
	       size_t errlen)
{
	struct vmon_dstate_result r;
	enum vmon_dstate_input in = VMON_IN_COUNT;
	const char *api;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		if (!strcmp(inputs[i].cmd, cmd))
			in = inputs[i].in;
	if (in == VMON_IN_PMSUSPEND && pm_target(req, err, errlen))
		return -1;
	if (vmond_next(v, in, &r, err, errlen))
		return -1;
	if (r.todo == VMON_TODO_PMSUSPEND)
		return pm_suspend(v, req, err, errlen);
	if (r.todo == VMON_TODO_KILL_VMM)
		return vmond_vm_kill(d, v, vmond_req_flag(req, "graceful"), &r, err, errlen);
	api = api_of(r.todo);
	if (r.todo != VMON_TODO_NONE && !api) {
		snprintf(err, errlen, "internal error: %s: nothing to do %d", cmd, (int)r.todo);
		return -1;
	}
	/* shutdown --mode agent: the agent's guest-shutdown, not the power button */
	if (r.todo == VMON_TODO_POWER_BUTTON && mode_agent(req)) {
		if (vmond_agent_exec(v, "guest-shutdown", err, errlen))
			return -1;
		api = NULL;
	}
	if (api && vmond_vm_call(v, api, NULL, err, errlen))
		return -1;
	vmond_commit(d, v, &r);
	if (r.todo == VMON_TODO_PMWAKEUP) /* the VMM woke it: running (wakeup) */
		vmond_fact(d, v, VMON_IN_WOKE);
	return 0;
}

/*
 * start: a managed save is restored (save.c), unless --force-boot, which
 * discards it and boots, as virsh's.
 */
static int start(struct vmond *d, struct vdom *v, struct json_object *req, char *err, size_t errlen)
{
	char dir[900];

	if (!vdom_active(v) && vmond_has_managed_save(d, v)) {
		if (!vmond_req_flag(req, "force-boot"))
			return vmond_start_managed(d, v, req, err, errlen);
		if (vmond_managed_save_path(d, v, dir, sizeof(dir)) ||
		    vmond_rm_tree(dir, err, errlen))
			return -1;
		vmond_log("%s: start --force-boot: managed save removed", v->name);
	}
	return vmond_vm_start(d, v, vmond_req_flag(req, "paused"), err, errlen);
}

int vmond_req_lifecycle(struct vmond *d, const char *cmd, struct json_object *req,
			struct json_object *r, char *err, size_t errlen)
{
	struct vdom *v;

	if (!strcmp(cmd, "create"))
		return create(d, req, r, err, errlen);
	v = vmond_req_domain(d, req, err, errlen);
	if (!v)
		return -1;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	if (!strcmp(cmd, "start"))
		return start(d, v, req, err, errlen);
	return act(d, v, cmd, req, err, errlen);
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

/* cpu.user/system/time in ns from /proc/PID/stat fields 14 and 15. */
static void cpu_times(pid_t pid, struct json_object *s)
{
	unsigned long long ut, st;
	char path[64], buf[4096], *p;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2 ||
	    hz <= 0)
		return;
	add_u64(s, "cpu.time", (ut + st) * (1000000000ull / (unsigned long long)hz));
	add_u64(s, "cpu.user", ut * (1000000000ull / (unsigned long long)hz));
	add_u64(s, "cpu.system", st * (1000000000ull / (unsigned long long)hz));
}

/*
 * vcpu.N.state, .halted, .time and .wait (libvirt's) of each vCPU the VMM
 * lists: state 1 (running) for a present vCPU, 0 (offline) for one not
 * plugged; halted yes while it waits in a halt (KVM's "blocking");
 * time and wait (ns on a CPU, ns runnable but waiting for one: the host's
 * steal) from the vCPU thread's /proc/PID/task/TID/schedstat.
 */
static void vcpu_stats(pid_t pid, struct json_object *status, struct json_object *s)
{
	struct json_object *cpus, *c, *x;
	char k[64], path[96];

	if (!json_object_object_get_ex(status, "vcpus", &cpus) ||
	    !json_object_is_type(cpus, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(cpus); i++) {
		unsigned long long run, wait;
		bool present;
		FILE *f;
		int tid;

		c = json_object_array_get_idx(cpus, i);
		present = json_object_object_get_ex(c, "present", &x) && json_object_get_boolean(x);
		tid = json_object_object_get_ex(c, "tid", &x) ? json_object_get_int(x) : 0;
#define VK(f) (snprintf(k, sizeof(k), "vcpu.%zu." f, i), k)
		add_u64(s, VK("state"), present);
		if (present && json_object_object_get_ex(c, "halted", &x))
			json_object_object_add(
				s, VK("halted"),
				json_object_new_string(json_object_get_boolean(x) ? "yes" : "no"));
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, tid);
		if (!present || tid <= 0 || !(f = fopen(path, "re")))
			continue;
		if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
			add_u64(s, VK("time"), run);
			add_u64(s, VK("wait"), wait);
		}
		fclose(f);
	}
}

static uint64_t dev_stat(struct json_object *dev, const char *key)
{
	struct json_object *st, *x;

	if (!json_object_object_get_ex(dev, "stats", &st) ||
	    !json_object_object_get_ex(st, key, &x))
		return 0;
	return json_object_get_uint64(x);
}

static bool has_stat(struct json_object *dev, const char *key)
{
	struct json_object *st;

	return json_object_object_get_ex(dev, "stats", &st) &&
	       json_object_object_get_ex(st, key, NULL);
}

/*
 * net.N.* of interface @i: its tap's counters, as libvirt reads them, the
 * two directions swapped (what the tap sends, the guest receives); they
 * hold whatever back end carries the packets. Without the tap, the VMM's
 * own counts (its userspace back end's; kernel back ends show it none).
 */
static void net_stats(struct json_object *s, size_t i, const char *tap, struct json_object *dv)
{
	struct vmon_link_stats l;
	char k[64];

#define NK(f) (snprintf(k, sizeof(k), "net.%zu." f, i), k)
	if (!tap || vmon_net_link_stats(tap, &l)) {
		l = (struct vmon_link_stats){
			.tx_bytes = dev_stat(dv, "bytes_in"),
			.tx_packets = dev_stat(dv, "requests_in"),
			.rx_bytes = dev_stat(dv, "bytes_out"),
			.rx_packets = dev_stat(dv, "requests_out"),
			.rx_errors = dev_stat(dv, "errors"),
		};
	}
	add_u64(s, NK("rx.bytes"), l.tx_bytes);
	add_u64(s, NK("rx.pkts"), l.tx_packets);
	add_u64(s, NK("rx.errs"), l.tx_errors);
	add_u64(s, NK("rx.drop"), l.tx_dropped);
	add_u64(s, NK("tx.bytes"), l.rx_bytes);
	add_u64(s, NK("tx.pkts"), l.rx_packets);
	add_u64(s, NK("tx.errs"), l.rx_errors);
	add_u64(s, NK("tx.drop"), l.rx_dropped);
#undef NK
}

/*
 * block.N.* and net.N.* in libvirt's names from the VMM's device list:
 * its virtio-blk devices are the <disk>s in order, its virtio-net ones the
 * <interface>s. A disk's bytes_in are what the guest read, bytes_out what
 * it wrote, requests_in and requests_out its reads and writes.
 */
static void dev_stats(struct vdom *v, struct json_object *status, struct json_object *s)
{
	struct json_object *devs;
	size_t nb = 0, nn = 0;
	char k[64];

	if (!json_object_object_get_ex(status, "devices", &devs))
		return;
	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		struct json_object *dv = json_object_array_get_idx(devs, i), *t;
		const char *type =
			json_object_object_get_ex(dv, "type", &t) ? json_object_get_string(t) : "";

		if (!strcmp(type, "virtio-blk") && nb < v->def->n_disks) {
			const struct vmon_disk *dk = &v->def->disks[nb];

#define BK(f) (snprintf(k, sizeof(k), "block.%zu." f, nb), k)
			json_object_object_add(s, BK("name"), json_object_new_string(dk->target));
			json_object_object_add(
				s, BK("path"),
				json_object_new_string(dk->source ? dk->source : ""));
			add_u64(s, BK("rd.reqs"), dev_stat(dv, "requests_in"));
			add_u64(s, BK("rd.bytes"), dev_stat(dv, "bytes_in"));
			add_u64(s, BK("wr.reqs"), dev_stat(dv, "requests_out"));
			add_u64(s, BK("wr.bytes"), dev_stat(dv, "bytes_out"));
			add_u64(s, BK("fl.reqs"), dev_stat(dv, "flushes"));
			if (has_stat(dv, "ns_in")) {
				add_u64(s, BK("rd.times"), dev_stat(dv, "ns_in"));
				add_u64(s, BK("wr.times"), dev_stat(dv, "ns_out"));
				add_u64(s, BK("fl.times"), dev_stat(dv, "ns_flush"));
			}
			add_u64(s, BK("errors"), dev_stat(dv, "errors"));
			nb++;
		} else if (!strcmp(type, "virtio-net") && nn < v->def->n_ifaces) {
			/* the tap vmond made (type network, bridge), else <target> */
			const char *tap = vmon_domain_if_tap(v->def, nn);

			snprintf(k, sizeof(k), "net.%zu.name", nn);
			json_object_object_add(s, k, json_object_new_string(tap ? tap : ""));
			net_stats(s, nn, tap, dv);
			nn++;
		}
	}
	add_u64(s, "block.count", nb);
	add_u64(s, "net.count", nn);
}

int vmond_req_domstats(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	struct json_object *s = json_object_new_object(), *a = NULL, *bl, *x;
	struct vmon_dstate pub;

	if (!v) {
		json_object_put(s);
		return -1;
	}
	pub = vmon_dstate_public(v->ds);
	json_object_object_add(s, "state.state", json_object_new_int(pub.state));
	json_object_object_add(s, "state.reason", json_object_new_int(pub.reason));
	add_u64(s, "vcpu.current", v->def->vcpus_current);
	add_u64(s, "vcpu.maximum", v->def->vcpus_max);
	add_u64(s, "balloon.maximum", v->def->memory_kib);
	if (vdom_active(v) && v->pidfd >= 0) {
		cpu_times(v->st.pid, s);
		if (!vmond_vm_call(v, "status", &a, err, errlen)) {
			if (json_object_object_get_ex(a, "balloon", &bl) &&
			    json_object_object_get_ex(bl, "actual_mib", &x))
				add_u64(s, "balloon.current", json_object_get_uint64(x) * 1024);
			dev_stats(v, a, s);
			vcpu_stats(v->st.pid, a, s);
		}
		json_object_put(a);
	}
	json_object_object_add(r, "name", json_object_new_string(v->name));
	json_object_object_add(r, "stats", s);
	return 0;
}
