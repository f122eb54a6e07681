// SPDX-License-Identifier: GPL-2.0
/*
 * vmon trace blk-lat: the latency of vmon-blk requests as log2 histograms
 * in microseconds, by VM and op (and queue with --queue), like biolatency.
 * Program: bpf/blk_lat.bpf.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include <linux/types.h>

#include <bpf/libbpf.h>

#include <vmon/trace.h>

#include "vmon_trace.h"
#include "view.h"
#include "blk_lat.skel.h"

/*
 * VMON_TRACE_BLK_CELLS=N (1, 2, 4 ... 64): the program uses only N of its
 * per-CPU cells, so that more keys take the hash map; for the tests.
 */
static __u32 cells_mask(void)
{
	const char *e = getenv("VMON_TRACE_BLK_CELLS");
	unsigned long n = e ? strtoul(e, NULL, 10) : VMON_BLK_CELLS;

	return n && n <= VMON_BLK_CELLS && !(n & (n - 1)) ? (__u32)n - 1 : VMON_BLK_CELLS - 1;
}

VMON_TRACE_SKELETON(blk, vmon_blk_lat, {
	s->rodata->per_queue = o->per_queue;
	s->rodata->cells_mask = cells_mask();
})

static void blk_collect(const void *key, const void *val, void *arg)
{
	const struct vmon_blk_key *k = key;
	uint32_t gk[4] = { k->vm, k->op, k->queue, 0 };
	struct vmon_tgroup *g = vmon_tgroup_get(arg, gk);

	if (g && k->slot <= VMON_HIST_SLOTS)
		g->slots[k->slot] += *(const __u64 *)val;
}

/*
 * The per-CPU cells (bpf/blk_lat.bpf.c): what they counted since the last
 * read, into @t. Their counts only grow; the last read of each is kept
 * here (one blk-lat view per process).
 */
static struct vmon_blk_cell *cells_seen;

static int blk_collect_cells(int fd, struct vmon_tgroups *t)
{
	int ncpu = libbpf_num_possible_cpus();
	struct vmon_blk_cell *now;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	if (!cells_seen &&
	    !(cells_seen = calloc((size_t)ncpu * VMON_BLK_CELLS, sizeof(*cells_seen))))
		return -ENOMEM;
	now = calloc((size_t)ncpu, sizeof(*now));
	if (!now)
		return -ENOMEM;
	for (__u32 i = 0; i < VMON_BLK_CELLS; i++) {
		if (bpf_map_lookup_elem(fd, &i, now)) {
			free(now);
			return -errno;
		}
		for (int c = 0; c < ncpu; c++) {
			struct vmon_blk_cell *seen = &cells_seen[(size_t)c * VMON_BLK_CELLS + i];
			uint32_t gk[4] = { now[c].vm, now[c].op, now[c].queue, 0 };
			struct vmon_tgroup *g;
			bool any = false;

			if (!now[c].used)
				continue;
			for (int k = 0; k <= VMON_HIST_SLOTS; k++)
				any |= now[c].slots[k] != seen->slots[k];
			g = any ? vmon_tgroup_get(t, gk) : NULL;
			for (int k = 0; g && k <= VMON_HIST_SLOTS; k++)
				g->slots[k] += now[c].slots[k] - seen->slots[k];
			if (g || !any)
				*seen = now[c];
		}
	}
	free(now);
	return 0;
}

static void op_name(char *buf, size_t len, uint32_t op)
{
	const char *n = vmon_trace_blk_op(op);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "op-%u", op);
}

static int blk_report(void *state, const struct vmon_trace_opts *o,
		      const struct vmon_trace_vms *vms, double secs, FILE *out, json_object *j)
{
	struct vmon_blk_lat *s = state;
	struct vmon_tgroups t = { 0 };
	json_object *arr = j ? json_object_new_array() : NULL;
	int ret, cret;
	size_t i;

	(void)secs;
	ret = vmon_trace_drain(bpf_map__fd(s->maps.blk_hist), sizeof(struct vmon_blk_key),
			       sizeof(__u64), blk_collect, &t);
	if (ret >= 0 && (cret = blk_collect_cells(bpf_map__fd(s->maps.blk_cells), &t)) < 0)
		ret = cret;
	vmon_tgroups_sort(&t);
	for (i = 0; i < t.n; i++) {
		const struct vmon_tgroup *g = &t.g[i];
		const char *name = vmon_trace_vm_name(vms, g->k[0]);
		uint64_t n = vmon_hist_total(g->slots, VMON_HIST_SLOTS);
		uint64_t failed = g->slots[VMON_HIST_SLOTS];
		char op[24];

		op_name(op, sizeof(op), g->k[1]);
		if (!arr) {
			fprintf(out, "VM %u%s%s, %s", g->k[0], name ? " " : "", name ? name : "",
				op);
			if (o->per_queue)
				fprintf(out, ", queue %u", g->k[2]);
			fprintf(out, ": %" PRIu64 " requests, %" PRIu64 " failed\n", n, failed);
			vmon_hist_print(out, "usecs", g->slots, VMON_HIST_SLOTS);
			continue;
		}
		json_object *r = json_object_new_object();

		json_object_object_add(r, "vm", json_object_new_int64(g->k[0]));
		if (name)
			json_object_object_add(r, "name", json_object_new_string(name));
		json_object_object_add(r, "op", json_object_new_string(op));
		if (o->per_queue)
			json_object_object_add(r, "queue", json_object_new_int64(g->k[2]));
		json_object_object_add(r, "count", json_object_new_uint64(n));
		json_object_object_add(r, "failed", json_object_new_uint64(failed));
		json_object_object_add(r, "histogram",
				       vmon_hist_json("us", g->slots, VMON_HIST_SLOTS));
		json_object_array_add(arr, r);
	}
	return vmon_tgroups_finish(&t, ret, j, "requests", arr, out,
				   "(no vmon-blk request completed)");
}

const struct vmon_trace_view vmon_trace_blk_lat = {
	.name = "blk-lat",
	.summary = "vmon-blk request latency",
	.open = blk_open,
	.report = blk_report,
	.close = blk_close,
};
