// SPDX-License-Identifier: GPL-2.0
/*
 * vmon trace net: vmon-net's packets, bytes and drops by VM and direction,
 * as totals and rates over the interval, with the histogram of batch sizes
 * (packets a handler run moved: how well the worker amortises its wake-ups).
 * Program: bpf/net.bpf.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <linux/types.h>

#include <bpf/libbpf.h>

#include <vmon/trace.h>

#include "vmon_trace.h"
#include "view.h"
#include "net.skel.h"

enum { NET_PACKETS, NET_BYTES, NET_DROPS, NET_BATCHES };

VMON_TRACE_SKELETON(net, vmon_net, (void)s)

static void net_collect_totals(const void *key, const void *val, void *arg)
{
	const struct vmon_net_key *k = key;
	const struct vmon_net_val *v = val;
	uint32_t gk[4] = { k->vm, k->rx, 0, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (!g)
		return;
	g->v[NET_PACKETS] += v->packets;
	g->v[NET_BYTES] += v->bytes;
	g->v[NET_DROPS] += v->drops;
	g->v[NET_BATCHES] += v->batches;
}

static void net_collect_batch(const void *key, const void *val, void *arg)
{
	const struct vmon_net_batch_key *k = key;
	uint32_t gk[4] = { k->vm, k->rx, 0, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (g && k->slot < VMON_HIST_SLOTS)
		g->slots[k->slot] += *(const __u64 *)val;
}

static json_object *net_json(const struct vmon_tgroup *g, const char *name, double secs)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "vm", json_object_new_int64(g->k[0]));
	if (name)
		json_object_object_add(r, "name", json_object_new_string(name));
	json_object_object_add(r, "dir", json_object_new_string(g->k[1] ? "rx" : "tx"));
	json_object_object_add(r, "packets", json_object_new_uint64(g->v[NET_PACKETS]));
	json_object_object_add(r, "bytes", json_object_new_uint64(g->v[NET_BYTES]));
	json_object_object_add(r, "drops", json_object_new_uint64(g->v[NET_DROPS]));
	json_object_object_add(r, "batches", json_object_new_uint64(g->v[NET_BATCHES]));
	json_object_object_add(r, "packets-per-s",
			       json_object_new_double(g->v[NET_PACKETS] / secs));
	json_object_object_add(r, "bytes-per-s", json_object_new_double(g->v[NET_BYTES] / secs));
	json_object_object_add(r, "batch-histogram",
			       vmon_hist_json("packets", g->slots, VMON_HIST_SLOTS));
	return r;
}

static int net_report(void *state, const struct vmon_trace_opts *o,
		      const struct vmon_trace_vms *vms, double secs, FILE *out, json_object *j)
{
	struct vmon_net *s = state;
	struct vmon_tgroups t = { 0 };
	json_object *arr = j ? json_object_new_array() : NULL;
	int ret;
	size_t i;

	(void)o;
	if (secs <= 0)
		secs = 1e-9;
	ret = vmon_trace_drain(bpf_map__fd(s->maps.net_totals), sizeof(struct vmon_net_key),
			       sizeof(struct vmon_net_val), net_collect_totals, &t);
	if (ret >= 0)
		ret = vmon_trace_drain(bpf_map__fd(s->maps.net_batch),
				       sizeof(struct vmon_net_batch_key), sizeof(__u64),
				       net_collect_batch, &t);
	vmon_tgroups_sort(&t);
	if (!arr && t.n)
		fprintf(out, "%-6s %-16s %-3s %12s %14s %8s %10s %10s %12s\n", "VM", "NAME", "DIR",
			"PACKETS", "BYTES", "DROPS", "BATCHES", "PKT/BATCH", "PKT/S");
	for (i = 0; i < t.n; i++) {
		const struct vmon_tgroup *g = &t.g[i];
		const char *name = vmon_trace_vm_name(vms, g->k[0]);

		if (arr) {
			json_object_array_add(arr, net_json(g, name, secs));
			continue;
		}
		fprintf(out,
			"%-6u %-16s %-3s %12" PRIu64 " %14" PRIu64 " %8" PRIu64 " %10" PRIu64
			" %10.1f %12.0f\n",
			g->k[0], name ? name : "-", g->k[1] ? "rx" : "tx", g->v[NET_PACKETS],
			g->v[NET_BYTES], g->v[NET_DROPS], g->v[NET_BATCHES],
			g->v[NET_BATCHES] ? (double)g->v[NET_PACKETS] / g->v[NET_BATCHES] : 0.0,
			g->v[NET_PACKETS] / secs);
	}
	for (i = 0; !arr && i < t.n; i++) {
		fprintf(out, "VM %u %s batch sizes:\n", t.g[i].k[0], t.g[i].k[1] ? "rx" : "tx");
		vmon_hist_print(out, "packets", t.g[i].slots, VMON_HIST_SLOTS);
	}
	return vmon_tgroups_finish(&t, ret, j, "traffic", arr, out, "(no vmon-net traffic)");
}

const struct vmon_trace_view vmon_trace_net = {
	.name = "net",
	.summary = "vmon-net packets, bytes, drops and batches",
	.open = net_open,
	.report = net_report,
	.close = net_close,
};
