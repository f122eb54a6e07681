// SPDX-License-Identifier: GPL-2.0
/*
 * The loop every view of 'vmon trace' runs in: load and attach, wait on
 * the ring buffer for the traced VM to go away, report at each interval
 * and once at the end.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vmon/nl.h>
#include <vmon/trace.h>

#include "vmon_trace.h"

const struct vmon_trace_view *const vmon_trace_views[] = {
	&vmon_trace_blk_lat, &vmon_trace_net,  &vmon_trace_exits,
	&vmon_trace_steal,   &vmon_trace_halt, NULL,
};

const struct vmon_trace_view *vmon_trace_view_find(const char *name)
{
	const struct vmon_trace_view *const *v;

	for (v = vmon_trace_views; *v; v++)
		if (!strcmp((*v)->name, name))
			return *v;
	return NULL;
}

static volatile sig_atomic_t stopped;

static void on_signal(int sig)
{
	(void)sig;
	stopped = 1;
}

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void vmon_trace_load_error(const char *view, int err)
{
	if (err == -EPERM || err == -EACCES)
		vmon_err("trace %s: permission denied: loading BPF programs and attaching them to "
			 "tracepoints needs CAP_BPF and CAP_PERFMON (or root)",
			 view);
	else if (err == -ENOENT)
		vmon_err("trace %s: a tracepoint the view needs is not there (vmon's: modprobe "
			 "vmon; kvm's: modprobe kvm)",
			 view);
	else
		vmon_err(
			"trace %s: cannot load the BPF programs: %s (--verbose shows libbpf's log)",
			view, strerror(-err));
}

const char *vmon_trace_vm_name(const struct vmon_trace_vms *r, uint32_t vm)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->vms[i].id == vm)
			return r->vms[i].name;
	return NULL;
}

uint32_t vmon_trace_vm_of(const struct vmon_trace_vms *r, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->vms[i].owner_pid == tgid)
			return r->vms[i].id;
	return 0;
}

void vmon_trace_owner(const struct vmon_trace_opts *o, const struct vmon_trace_vms *vms,
		      uint32_t tgid, struct vmon_trace_owner *w)
{
	w->pid = tgid;
	w->vm = o->vm && tgid == o->tgid ? o->vm : vmon_trace_vm_of(vms, tgid);
	w->name = w->vm ? vmon_trace_vm_name(vms, w->vm) : NULL;
	if (w->vm)
		snprintf(w->vm_col, sizeof(w->vm_col), "%u", w->vm);
	else
		snprintf(w->vm_col, sizeof(w->vm_col), "-");
}

json_object *vmon_trace_owner_json(const struct vmon_trace_owner *w)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "pid", json_object_new_int64(w->pid));
	if (w->vm)
		json_object_object_add(r, "vm", json_object_new_int64(w->vm));
	if (w->name)
		json_object_object_add(r, "name", json_object_new_string(w->name));
	return r;
}

int vmon_trace_drain(int fd, size_t key_size, size_t val_size,
		     void (*fn)(const void *key, const void *val, void *arg), void *arg)
{
	char key[64], val[64];
	int n = 0;

	if (key_size > sizeof(key) || val_size > sizeof(val))
		return -EINVAL;
	/* Always from the first key: each one found is deleted. */
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_lookup_and_delete_elem(fd, key, val)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		fn(key, val, arg);
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

struct run {
	const struct vmon_trace_view *view;
	const struct vmon_trace_opts *opts;
	void *state;
	struct vmon_nl *nl;
	struct vmon_trace_vms known;
	double last;
	bool gone;
	struct vmon_trace_gone rec;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;

	if (size >= sizeof(r->rec) &&
	    ((struct vmon_trace_gone *)data)->type == VMON_TRACE_VM_GONE) {
		memcpy(&r->rec, data, sizeof(r->rec));
		r->gone = true;
	}
	return 0;
}

/*
 * Add the VMs registered now to those known: a VM that went away before
 * the report still has its name, and its VMM's exits their VM.
 */
static void learn_vms(struct run *r)
{
	struct vmon_nl_vm *vms, *grown;
	size_t n, i;

	if (!r->nl || vmon_nl_vm_list(r->nl, false, &vms, &n))
		return;
	for (i = 0; i < n; i++) {
		struct vmon_nl_vm *v;

		if (vmon_trace_vm_name(&r->known, vms[i].id))
			continue;
		grown = realloc(r->known.vms, (r->known.n + 1) * sizeof(*grown));
		if (!grown)
			break;
		r->known.vms = grown;
		v = &r->known.vms[r->known.n++];
		memset(v, 0, sizeof(*v));
		v->id = vms[i].id;
		v->owner_pid = vms[i].owner_pid;
		memcpy(v->name, vms[i].name, sizeof(v->name));
	}
	vmon_nl_vms_free(vms, n);
}

static int report(struct run *r)
{
	double now = now_mono();
	json_object *j = NULL;
	char stamp[16];
	time_t t = time(NULL);
	int ret;

	learn_vms(r);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
	if (r->opts->output == VMON_OUTPUT_JSON) {
		j = json_object_new_object();
		json_object_object_add(j, "view", json_object_new_string(r->view->name));
		json_object_object_add(j, "time", json_object_new_int64(t));
		json_object_object_add(j, "seconds", json_object_new_double(now - r->last));
	} else {
		printf("%s (%.1f s)\n", stamp, now - r->last);
	}
	ret = r->view->report(r->state, r->opts, &r->known, now - r->last, stdout, j);
	if (ret)
		vmon_err("trace %s: cannot read the maps: %s", r->view->name, strerror(-ret));
	if (j) {
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else {
		printf("\n");
	}
	fflush(stdout);
	r->last = now;
	return ret;
}

int vmon_trace_run(const struct vmon_trace_view *v, const struct vmon_trace_opts *o)
{
	struct run r = { .view = v, .opts = o };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ring_buffer *rb;
	double start, next, end;
	int fd, ret = VMON_EXIT_OK;

	verbose = o->verbose;
	libbpf_set_print(print_libbpf);
	fd = v->open(&r.state, o);
	if (fd < 0) {
		vmon_trace_load_error(v->name, fd);
		return VMON_EXIT_FAIL;
	}
	rb = ring_buffer__new(fd, on_record, &r, NULL);
	if (!rb) {
		vmon_err("trace %s: cannot open the ring buffer: %s", v->name, strerror(errno));
		v->close(r.state);
		return VMON_EXIT_FAIL;
	}
	/* Names of VMs are a nicety: without the module, there are none. */
	if (vmon_nl_open(&r.nl))
		r.nl = NULL;
	/* Gone between the CLI's look-up and the attach: the program missed it. */
	if (o->vm && r.nl) {
		struct vmon_nl_vm vm;

		if (vmon_nl_vm_get(r.nl, o->vm, NULL, false, &vm) == -ENOENT) {
			r.gone = true;
			r.rec.vm = o->vm;
			r.rec.reason = VMON_REASON_VM_GONE;
		} else {
			vmon_nl_vm_free(&vm);
		}
	}
	learn_vms(&r);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = now_mono();
	r.last = start;
	next = o->interval ? start + o->interval : INFINITY;
	end = o->duration ? start + o->duration : INFINITY;
	fprintf(stderr, "Tracing %s%s... Hit Ctrl-C to end.\n", v->summary,
		o->vm ? " of one VM" : "");
	while (!stopped && !r.gone) {
		double now = now_mono(), until = fmin(next, end);
		int ms = isinf(until) ? 1000 : (int)fmax(0, fmin(1000, (until - now) * 1000));
		int err = ring_buffer__poll(rb, ms);

		if (err < 0 && err != -EINTR) {
			vmon_err("trace %s: ring buffer: %s", v->name, strerror(-err));
			ret = VMON_EXIT_FAIL;
			break;
		}
		now = now_mono();
		if (now >= end || r.gone)
			break;
		if (now >= next) {
			if (report(&r))
				ret = VMON_EXIT_FAIL;
			next += o->interval;
		}
	}
	if (report(&r))
		ret = VMON_EXIT_FAIL;
	if (r.gone)
		fprintf(stderr, "vmon trace: VM %u went away (%s); tracing ended\n", r.rec.vm,
			vmon_nl_reason_name(r.rec.reason));
	ring_buffer__free(rb);
	v->close(r.state);
	if (r.nl)
		vmon_nl_close(r.nl);
	free(r.known.vms);
	return ret;
}
