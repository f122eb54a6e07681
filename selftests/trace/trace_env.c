// SPDX-License-Identifier: GPL-2.0
/*
 * Trace instances for the tracepoint tests, on libtracefs and
 * libtraceevent (see trace_env.h).
 */
#include <stdio.h>
#include <string.h>

#include <event-parse.h>
#include <tracefs.h>

#include "trace_env.h"

int te_open(struct trace_env *t, const char *name)
{
	const char *const systems[] = { "vmon", NULL };
	struct tracefs_instance *old;

	memset(t, 0, sizeof(*t));
	old = tracefs_instance_alloc(NULL, name);
	if (old) {
		if (tracefs_instance_exists(name))
			tracefs_instance_destroy(old);
		tracefs_instance_free(old);
	}
	t->inst = tracefs_instance_create(name);
	if (!t->inst) {
		perror("tracefs_instance_create");
		return -1;
	}
	/* room for every event of a test: 1 MiB a CPU */
	if (tracefs_instance_set_buffer_size(t->inst, 1024, -1) < 0)
		fprintf(stderr, "trace_env: cannot size the buffer\n");
	t->tep = tracefs_local_events_system(NULL, systems);
	if (!t->tep) {
		fprintf(stderr, "trace_env: no vmon events (is vmon loaded?)\n");
		te_close(t);
		return -1;
	}
	return 0;
}

int te_enable(struct trace_env *t, const char *event, const char *filter)
{
	if (filter && tracefs_event_file_write(t->inst, "vmon", event, "filter", filter) < 0) {
		fprintf(stderr, "trace_env: filter '%s' of %s refused\n", filter, event);
		return -1;
	}
	if (tracefs_event_enable(t->inst, "vmon", event) < 0) {
		fprintf(stderr, "trace_env: cannot enable vmon:%s\n", event);
		return -1;
	}
	return 0;
}

void te_stop(struct trace_env *t)
{
	tracefs_trace_off(t->inst);
}

struct tally_ctx {
	struct tally *tallies;
	unsigned int n;
	int err;
};

static int tally_one(struct tep_event *ev, struct tep_record *rec, int cpu, void *data)
{
	struct tally_ctx *c = data;
	unsigned long long v;
	unsigned int i;

	(void)cpu;
	for (i = 0; i < c->n; i++) {
		struct tally *t = &c->tallies[i];

		if (strcmp(ev->system, "vmon") || strcmp(ev->name, t->event))
			continue;
		if (t->field) {
			if (tep_get_field_val(NULL, ev, t->field, rec, &v, 0)) {
				fprintf(stderr, "trace_env: %s has no field %s\n", t->event,
					t->field);
				c->err = -1;
				return -1;
			}
			t->sum += v;
			if (!t->n || v < t->min)
				t->min = v;
			if (v > t->max)
				t->max = v;
		}
		t->n++;
	}
	return 0;
}

int te_tally(struct trace_env *t, struct tally *tallies, unsigned int n)
{
	struct tally_ctx c = { tallies, n, 0 };
	unsigned int i;

	for (i = 0; i < n; i++)
		tallies[i].n = tallies[i].sum = tallies[i].min = tallies[i].max = 0;
	if (tracefs_iterate_raw_events(t->tep, t->inst, NULL, 0, tally_one, &c) < 0) {
		fprintf(stderr, "trace_env: cannot read the instance's buffers\n");
		return -1;
	}
	return c.err;
}

bool te_has_field(struct trace_env *t, const char *event, const char *field)
{
	struct tep_event *ev = tep_find_event_by_name(t->tep, "vmon", event);

	return ev && tep_find_field(ev, field);
}

void te_close(struct trace_env *t)
{
	if (t->inst) {
		tracefs_instance_destroy(t->inst);
		tracefs_instance_free(t->inst);
	}
	if (t->tep)
		tep_free(t->tep);
	memset(t, 0, sizeof(*t));
}
