// SPDX-License-Identifier: GPL-2.0
/*
 * vmon trace halt: how the halts of each vCPU ended, caught while KVM
 * polled (the vCPU never slept) or after its thread slept, each with a
 * log2 histogram of the halt's length in microseconds; the wake-ups KVM
 * did not find valid; and the changes of the vCPU's halt_poll_ns. The
 * numbers people tune halt_poll_ns with. Program: bpf/halt.bpf.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <linux/types.h>

#include <bpf/libbpf.h>

#include <vmon/trace.h>

#include "vmon_trace.h"
#include "view.h"
#include "halt.skel.h"

enum { POLL_GROW, POLL_SHRINK, POLL_LAST };

VMON_TRACE_SKELETON(halt, vmon_halt, s->rodata->target_tgid = o->tgid)

/* Groups (tgid, vcpu, waited); slot VMON_HIST_SLOTS: the invalid wake-ups. */
static void halt_collect(const void *key, const void *val, void *arg)
{
	const struct vmon_halt_key *k = key;
	uint32_t gk[4] = { k->tgid, k->vcpu, k->waited, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (g && k->slot <= VMON_HIST_SLOTS)
		g->slots[k->slot] += *(const __u64 *)val;
}

static void poll_collect(const void *key, const void *val, void *arg)
{
	const struct vmon_vcpu_id *k = key;
	const struct vmon_poll_val *v = val;
	uint32_t gk[4] = { k->tgid, k->vcpu, 0, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (!g)
		return;
	g->v[POLL_GROW] += v->grow;
	g->v[POLL_SHRINK] += v->shrink;
	g->v[POLL_LAST] = v->last_ns;
}

static const char *ended(uint32_t waited)
{
	return waited ? "slept" : "polled";
}

static void halt_print(FILE *out, const struct vmon_tgroups *h, const struct vmon_tgroups *p,
		       const struct vmon_trace_opts *o, const struct vmon_trace_vms *vms)
{
	struct vmon_trace_owner w;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct vmon_tgroup *g = &h->g[i];

		vmon_trace_owner(o, vms, g->k[0], &w);
		fprintf(out,
			"PID %u VM %s%s%s vCPU %u, %s: %" PRIu64 " halts, %" PRIu64 " not valid\n",
			w.pid, w.vm_col, w.name ? " " : "", w.name ? w.name : "", g->k[1],
			ended(g->k[2]), vmon_hist_total(g->slots, VMON_HIST_SLOTS),
			g->slots[VMON_HIST_SLOTS]);
		vmon_hist_print(out, "usecs", g->slots, VMON_HIST_SLOTS);
	}
	for (i = 0; i < p->n; i++) {
		const struct vmon_tgroup *g = &p->g[i];

		vmon_trace_owner(o, vms, g->k[0], &w);
		fprintf(out,
			"PID %u VM %s vCPU %u: halt_poll_ns grew %" PRIu64 ", shrank %" PRIu64
			" times, now %" PRIu64 " ns\n",
			w.pid, w.vm_col, g->k[1], g->v[POLL_GROW], g->v[POLL_SHRINK],
			g->v[POLL_LAST]);
	}
	if (!h->n && !p->n)
		fprintf(out, "(no vCPU halted)\n");
}

static void halt_json(json_object *j, const struct vmon_tgroups *h, const struct vmon_tgroups *p,
		      const struct vmon_trace_opts *o, const struct vmon_trace_vms *vms)
{
	json_object *halts = json_object_new_array(), *polls = json_object_new_array();
	struct vmon_trace_owner w;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct vmon_tgroup *g = &h->g[i];
		json_object *r;

		vmon_trace_owner(o, vms, g->k[0], &w);
		r = vmon_trace_owner_json(&w);
		json_object_object_add(r, "vcpu", json_object_new_int64(g->k[1]));
		json_object_object_add(r, "ended", json_object_new_string(ended(g->k[2])));
		json_object_object_add(
			r, "count",
			json_object_new_uint64(vmon_hist_total(g->slots, VMON_HIST_SLOTS)));
		json_object_object_add(r, "not-valid",
				       json_object_new_uint64(g->slots[VMON_HIST_SLOTS]));
		json_object_object_add(r, "histogram",
				       vmon_hist_json("us", g->slots, VMON_HIST_SLOTS));
		json_object_array_add(halts, r);
	}
	for (i = 0; i < p->n; i++) {
		const struct vmon_tgroup *g = &p->g[i];
		json_object *r;

		vmon_trace_owner(o, vms, g->k[0], &w);
		r = vmon_trace_owner_json(&w);
		json_object_object_add(r, "vcpu", json_object_new_int64(g->k[1]));
		json_object_object_add(r, "grew", json_object_new_uint64(g->v[POLL_GROW]));
		json_object_object_add(r, "shrank", json_object_new_uint64(g->v[POLL_SHRINK]));
		json_object_object_add(r, "halt-poll-ns", json_object_new_uint64(g->v[POLL_LAST]));
		json_object_array_add(polls, r);
	}
	json_object_object_add(j, "halts", halts);
	json_object_object_add(j, "halt-poll-ns", polls);
}

static int halt_report(void *state, const struct vmon_trace_opts *o,
		       const struct vmon_trace_vms *vms, double secs, FILE *out, json_object *j)
{
	struct vmon_halt *s = state;
	struct vmon_tgroups h = { 0 }, p = { 0 };
	int ret;

	(void)secs;
	ret = vmon_trace_drain(bpf_map__fd(s->maps.halt_hist), sizeof(struct vmon_halt_key),
			       sizeof(__u64), halt_collect, &h);
	if (ret >= 0)
		ret = vmon_trace_drain(bpf_map__fd(s->maps.poll_ns), sizeof(struct vmon_vcpu_id),
				       sizeof(struct vmon_poll_val), poll_collect, &p);
	vmon_tgroups_sort(&h);
	vmon_tgroups_sort(&p);
	if (j)
		halt_json(j, &h, &p, o, vms);
	else
		halt_print(out, &h, &p, o, vms);
	if (h.enomem || p.enomem)
		ret = -ENOMEM;
	vmon_tgroups_free(&h);
	vmon_tgroups_free(&p);
	return ret < 0 ? ret : 0;
}

const struct vmon_trace_view vmon_trace_halt = {
	.name = "halt",
	.summary = "vCPU halts: polled or slept, and halt_poll_ns",
	.open = halt_open,
	.report = halt_report,
	.close = halt_close,
};
