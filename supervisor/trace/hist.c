// SPDX-License-Identifier: GPL-2.0
/*
 * The numbers of a report: groups collected from the maps, and log2
 * histograms printed the way biolatency and bpftrace print them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include <vmon/trace.h>

#include "vmon_trace.h"

_Static_assert(VMON_TGROUP_SLOTS == VMON_HIST_SLOTS + 1, "a slot past the histogram");

struct vmon_tgroup *vmon_tgroup_get(struct vmon_tgroups *t, const uint32_t k[4])
{
	struct vmon_tgroup *g;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!memcmp(t->g[i].k, k, sizeof(t->g[i].k)))
			return &t->g[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		g = realloc(t->g, cap * sizeof(*g));
		if (!g) {
			t->enomem = true;
			return NULL;
		}
		t->g = g;
		t->cap = cap;
	}
	g = &t->g[t->n++];
	memset(g, 0, sizeof(*g));
	memcpy(g->k, k, sizeof(g->k));
	return g;
}

static int group_cmp(const void *a, const void *b)
{
	const struct vmon_tgroup *x = a, *y = b;
	int i;

	for (i = 0; i < 4; i++)
		if (x->k[i] != y->k[i])
			return x->k[i] < y->k[i] ? -1 : 1;
	return 0;
}

void vmon_tgroups_sort(struct vmon_tgroups *t)
{
	if (t->n)
		qsort(t->g, t->n, sizeof(*t->g), group_cmp);
}

void vmon_tgroups_free(struct vmon_tgroups *t)
{
	free(t->g);
	memset(t, 0, sizeof(*t));
}

int vmon_tgroups_finish(struct vmon_tgroups *t, int ret, json_object *j, const char *key,
			json_object *arr, FILE *out, const char *none)
{
	if (arr)
		json_object_object_add(j, key, arr);
	else if (!t->n)
		fprintf(out, "%s\n", none);
	if (ret >= 0 && t->enomem)
		ret = -ENOMEM;
	vmon_tgroups_free(t);
	return ret < 0 ? ret : 0;
}

/* Slot s holds [lo, hi): 0 holds [0, 1), s > 0 holds [2^(s-1), 2^s). */
static uint64_t slot_lo(unsigned int s)
{
	return s ? 1ULL << (s - 1) : 0;
}

static uint64_t slot_hi(unsigned int s)
{
	return s >= 64 ? UINT64_MAX : 1ULL << s;
}

uint64_t vmon_hist_total(const uint64_t *slots, unsigned int n)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		t += slots[i];
	return t;
}

/* The first and one past the last slot that hold anything; first == last when none. */
static void hist_span(const uint64_t *slots, unsigned int n, unsigned int *first,
		      unsigned int *last)
{
	*first = 0;
	*last = 0;
	while (*first < n && !slots[*first])
		(*first)++;
	if (*first == n) {
		*first = 0;
		return;
	}
	*last = n;
	while (!slots[*last - 1])
		(*last)--;
}

void vmon_hist_print(FILE *out, const char *unit, const uint64_t *slots, unsigned int n)
{
	unsigned int first, last, i, w, stars;
	uint64_t max = 0;

	hist_span(slots, n, &first, &last);
	if (first == last) {
		fprintf(out, "    (none)\n");
		return;
	}
	for (i = first; i < last; i++)
		if (slots[i] > max)
			max = slots[i];
	fprintf(out, "%20s : %-10s distribution\n", unit, "count");
	for (i = first; i < last; i++) {
		char range[48];

		snprintf(range, sizeof(range), "%" PRIu64 " -> %" PRIu64, slot_lo(i),
			 slot_hi(i) - 1);
		stars = (unsigned int)(slots[i] * 40 / max);
		fprintf(out, "%20s : %-10" PRIu64 " |", range, slots[i]);
		for (w = 0; w < 40; w++)
			fputc(w < stars ? '*' : ' ', out);
		fprintf(out, "|\n");
	}
}

json_object *vmon_hist_json(const char *unit, const uint64_t *slots, unsigned int n)
{
	json_object *a = json_object_new_array();
	unsigned int first, last, i;
	char ge[16], lt[16];

	snprintf(ge, sizeof(ge), "ge-%s", unit);
	snprintf(lt, sizeof(lt), "lt-%s", unit);
	hist_span(slots, n, &first, &last);
	for (i = first; i < last; i++) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, ge, json_object_new_uint64(slot_lo(i)));
		json_object_object_add(b, lt, json_object_new_uint64(slot_hi(i)));
		json_object_object_add(b, "count", json_object_new_uint64(slots[i]));
		json_object_array_add(a, b);
	}
	return a;
}
