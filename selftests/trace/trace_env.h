/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's tracepoints read back through libtracefs: a trace instance
 * of its own (so that nothing else the test VM traces mixes in), events of
 * system "vmon" enabled with a filter, and the recorded events tallied per
 * name with libtraceevent's field access (no parsing of trace text).
 */
#ifndef VMON_SELFTEST_TRACE_ENV_H
#define VMON_SELFTEST_TRACE_ENV_H

#include <stdbool.h>
#include <stdint.h>

struct tracefs_instance;
struct tep_handle;
struct tep_event;
struct tep_record;

struct trace_env {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
};

/* The tally of one event: how many, and the sum, min and max of a field. */
struct tally {
	const char *event; /* in system vmon */
	const char *field; /* NULL: count only */
	uint64_t n;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
};

/* A fresh instance @name (one left over is removed first); 0 or -1. */
int te_open(struct trace_env *t, const char *name);
/* Enable vmon:@event in the instance, with @filter (ftrace syntax) or none. */
int te_enable(struct trace_env *t, const char *event, const char *filter);
/* Stop recording in the instance (the events stay enabled). */
void te_stop(struct trace_env *t);
/*
 * Count what the instance recorded into @tallies (@n of them, matched by
 * event name; a tally with a field also sums it); 0 or -1.
 */
int te_tally(struct trace_env *t, struct tally *tallies, unsigned int n);
/* Does vmon:@event have @field (libtraceevent's view of its format)? */
bool te_has_field(struct trace_env *t, const char *event, const char *field);
void te_close(struct trace_env *t);

#endif /* VMON_SELFTEST_TRACE_ENV_H */
