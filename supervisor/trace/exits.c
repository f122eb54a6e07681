// SPDX-License-Identifier: GPL-2.0
/*
 * vmon trace exits: KVM exits by VMM process (the registered VM it owns),
 * vCPU and exit reason, with their count and the time from exit to the
 * next entry, as 'perf kvm stat' reports them. Program: bpf/exits.bpf.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <linux/types.h>

#include <bpf/libbpf.h>

#include <vmon/trace.h>

#include "vmon_trace.h"
#include "view.h"
#include "exits.skel.h"

enum { EXIT_COUNT, EXIT_NS };

VMON_TRACE_SKELETON(exits, vmon_exits, s->rodata->target_tgid = o->tgid)

static void exits_collect(const void *key, const void *val, void *arg)
{
	const struct vmon_exit_key *k = key;
	const struct vmon_exit_val *v = val;
	uint32_t gk[4] = { k->tgid, k->vcpu, k->reason, k->isa };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (!g)
		return;
	g->v[EXIT_COUNT] += v->count;
	g->v[EXIT_NS] += v->ns;
}

static void reason_name(char *buf, size_t len, uint32_t isa, uint32_t reason)
{
	const char *n = vmon_trace_exit_reason(isa, reason);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "0x%x", reason);
}

static json_object *exit_json(const struct vmon_tgroup *g, const struct vmon_trace_owner *w,
			      const char *reason)
{
	json_object *r = vmon_trace_owner_json(w);

	json_object_object_add(r, "vcpu", json_object_new_int64(g->k[1]));
	json_object_object_add(r, "isa",
			       json_object_new_string(g->k[3] == 1   ? "vmx"
						      : g->k[3] == 2 ? "svm"
								     : "unknown"));
	json_object_object_add(r, "reason", json_object_new_int64(g->k[2]));
	json_object_object_add(r, "reason-name", json_object_new_string(reason));
	json_object_object_add(r, "count", json_object_new_uint64(g->v[EXIT_COUNT]));
	json_object_object_add(r, "time-ns", json_object_new_uint64(g->v[EXIT_NS]));
	return r;
}

static int exits_report(void *state, const struct vmon_trace_opts *o,
			const struct vmon_trace_vms *vms, double secs, FILE *out, json_object *j)
{
	struct vmon_exits *s = state;
	struct vmon_tgroups t = { 0 };
	json_object *arr = j ? json_object_new_array() : NULL;
	int ret;
	size_t i;

	(void)secs;
	ret = vmon_trace_drain(bpf_map__fd(s->maps.exits), sizeof(struct vmon_exit_key),
			       sizeof(struct vmon_exit_val), exits_collect, &t);
	vmon_tgroups_sort(&t);
	if (!arr && t.n)
		fprintf(out, "%-8s %-6s %-16s %-5s %-20s %10s %12s %10s\n", "PID", "VM", "NAME",
			"VCPU", "REASON", "COUNT", "TIME(us)", "AVG(us)");
	for (i = 0; i < t.n; i++) {
		const struct vmon_tgroup *g = &t.g[i];
		struct vmon_trace_owner w;
		char reason[24];

		vmon_trace_owner(o, vms, g->k[0], &w);
		reason_name(reason, sizeof(reason), g->k[3], g->k[2]);
		if (arr) {
			json_object_array_add(arr, exit_json(g, &w, reason));
			continue;
		}
		fprintf(out, "%-8u %-6s %-16s %-5u %-20s %10" PRIu64 " %12.1f %10.2f\n", w.pid,
			w.vm_col, w.name ? w.name : "-", g->k[1], reason, g->v[EXIT_COUNT],
			g->v[EXIT_NS] / 1e3,
			g->v[EXIT_COUNT] ? g->v[EXIT_NS] / 1e3 / g->v[EXIT_COUNT] : 0.0);
	}
	return vmon_tgroups_finish(&t, ret, j, "exits", arr, out, "(no KVM exit)");
}

const struct vmon_trace_view vmon_trace_exits = {
	.name = "exits",
	.summary = "KVM exits",
	.open = exits_open,
	.report = exits_report,
	.close = exits_close,
};
