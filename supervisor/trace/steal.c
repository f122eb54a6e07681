// SPDX-License-Identifier: GPL-2.0
/*
 * vmon trace steal: how long each vCPU thread waited on a run queue,
 * runnable but not running, as a log2 histogram in microseconds and a
 * sum: the distribution behind the steal percentage of vmon top (the sum
 * is what the kernel's schedstat run_delay counts). Program:
 * bpf/steal.bpf.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <linux/types.h>

#include <bpf/libbpf.h>

#include <vmon/trace.h>

#include "vmon_trace.h"
#include "view.h"
#include "steal.skel.h"

enum { STEAL_COUNT, STEAL_NS };

VMON_TRACE_SKELETON(steal, vmon_steal, s->rodata->target_tgid = o->tgid)

static void steal_collect_hist(const void *key, const void *val, void *arg)
{
	const struct vmon_steal_key *k = key;
	uint32_t gk[4] = { k->tgid, k->vcpu, 0, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (g && k->slot < VMON_HIST_SLOTS)
		g->slots[k->slot] += *(const __u64 *)val;
}

static void steal_collect_sum(const void *key, const void *val, void *arg)
{
	const struct vmon_vcpu_id *k = key;
	const struct vmon_steal_val *v = val;
	uint32_t gk[4] = { k->tgid, k->vcpu, 0, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (!g)
		return;
	g->v[STEAL_COUNT] += v->count;
	g->v[STEAL_NS] += v->ns;
}

static int steal_report(void *state, const struct vmon_trace_opts *o,
			const struct vmon_trace_vms *vms, double secs, FILE *out, json_object *j)
{
	struct vmon_steal *s = state;
	struct vmon_tgroups t = { 0 };
	json_object *arr = j ? json_object_new_array() : NULL;
	int ret;
	size_t i;

	ret = vmon_trace_drain(bpf_map__fd(s->maps.steal_sum), sizeof(struct vmon_vcpu_id),
			       sizeof(struct vmon_steal_val), steal_collect_sum, &t);
	if (ret >= 0)
		ret = vmon_trace_drain(bpf_map__fd(s->maps.steal_hist),
				       sizeof(struct vmon_steal_key), sizeof(__u64),
				       steal_collect_hist, &t);
	vmon_tgroups_sort(&t);
	for (i = 0; i < t.n; i++) {
		const struct vmon_tgroup *g = &t.g[i];
		struct vmon_trace_owner w;
		json_object *r;

		vmon_trace_owner(o, vms, g->k[0], &w);
		if (!arr) {
			fprintf(out,
				"PID %u VM %s%s%s vCPU %u: %" PRIu64
				" waits, %.1f ms waited (%.1f%% of %.1f s)\n",
				w.pid, w.vm_col, w.name ? " " : "", w.name ? w.name : "", g->k[1],
				g->v[STEAL_COUNT], g->v[STEAL_NS] / 1e6,
				secs > 0 ? g->v[STEAL_NS] / 1e7 / secs : 0.0, secs);
			vmon_hist_print(out, "usecs", g->slots, VMON_HIST_SLOTS);
			continue;
		}
		r = vmon_trace_owner_json(&w);
		json_object_object_add(r, "vcpu", json_object_new_int64(g->k[1]));
		json_object_object_add(r, "waits", json_object_new_uint64(g->v[STEAL_COUNT]));
		json_object_object_add(r, "wait-ns", json_object_new_uint64(g->v[STEAL_NS]));
		json_object_object_add(r, "histogram",
				       vmon_hist_json("us", g->slots, VMON_HIST_SLOTS));
		json_object_array_add(arr, r);
	}
	return vmon_tgroups_finish(&t, ret, j, "vcpus", arr, out, "(no vCPU thread waited)");
}

const struct vmon_trace_view vmon_trace_steal = {
	.name = "steal",
	.summary = "vCPU run-queue waits",
	.open = steal_open,
	.report = steal_report,
	.close = steal_close,
};
