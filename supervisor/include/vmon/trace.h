/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmontrace: the views of 'vmon trace', each a CO-RE program of bpf/
 * loaded through its libbpf skeleton, read and printed at every interval.
 */
#ifndef VMON_TRACE_H
#define VMON_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include <vmon/cli.h>

struct vmon_nl_vm;

struct vmon_trace_opts {
	uint32_t vm;	 /* 0: every VM; else the registered VM's id */
	uint32_t tgid;	 /* the VM's owner (its VMM), 0 with no --vm */
	bool per_queue;	 /* blk-lat --queue */
	double interval; /* seconds between reports; 0: one at the end */
	double duration; /* seconds to run; 0: until interrupted */
	enum vmon_output output;
	bool verbose; /* libbpf's messages on stderr */
};

/* What a report knows of the registered VMs (names, owners); may be empty. */
struct vmon_trace_vms {
	struct vmon_nl_vm *vms;
	size_t n;
};

const char *vmon_trace_vm_name(const struct vmon_trace_vms *r, uint32_t vm);
/* The id of the registered VM whose VMM is tgid, 0 when none is. */
uint32_t vmon_trace_vm_of(const struct vmon_trace_vms *r, uint32_t tgid);

/*
 * A VMM process as the views show it: its registered VM (--vm's when the
 * process is the one traced) and that VM's name (NULL when unknown).
 */
struct vmon_trace_owner {
	uint32_t pid;
	uint32_t vm;
	const char *name;
	char vm_col[12]; /* the VM id, or "-" */
};

void vmon_trace_owner(const struct vmon_trace_opts *o, const struct vmon_trace_vms *vms,
		      uint32_t tgid, struct vmon_trace_owner *w);
/* A JSON object with "pid", and "vm" and "name" where known. */
json_object *vmon_trace_owner_json(const struct vmon_trace_owner *w);

struct vmon_trace_view {
	const char *name;
	const char *summary;
	/* Open, load and attach; returns the ring buffer's map fd or -errno. */
	int (*open)(void **state, const struct vmon_trace_opts *o);
	/*
	 * Drain the maps and print what they held over the last secs seconds:
	 * on out (human) or into the JSON object of the report (json).
	 * Returns 0 or -errno.
	 */
	int (*report)(void *state, const struct vmon_trace_opts *o,
		      const struct vmon_trace_vms *vms, double secs, FILE *out, json_object *j);
	void (*close)(void *state);
};

extern const struct vmon_trace_view vmon_trace_blk_lat;
extern const struct vmon_trace_view vmon_trace_net;
extern const struct vmon_trace_view vmon_trace_exits;
extern const struct vmon_trace_view vmon_trace_steal;
extern const struct vmon_trace_view vmon_trace_halt;

/* The views, NULL-terminated, and one by name. */
extern const struct vmon_trace_view *const vmon_trace_views[];
const struct vmon_trace_view *vmon_trace_view_find(const char *name);

/*
 * Run a view until the duration ends, SIGINT/SIGTERM, or the traced VM is
 * unregistered (a message on stderr; still success). Returns a vmon exit
 * status; errors are printed.
 */
int vmon_trace_run(const struct vmon_trace_view *v, const struct vmon_trace_opts *o);

/*
 * Remove every entry of the hash map fd, handing each key and value to fn:
 * what a view does at each report. Returns the entries seen or -errno.
 */
int vmon_trace_drain(int fd, size_t key_size, size_t val_size,
		     void (*fn)(const void *key, const void *val, void *arg), void *arg);

/*
 * What a report collects from the maps: one group per key of up to four
 * numbers, with a histogram (slots) and up to four sums (v), sorted by key.
 */
#define VMON_TGROUP_SLOTS 65 /* VMON_HIST_SLOTS and one for a view's own use */
struct vmon_tgroup {
	uint32_t k[4];
	uint64_t slots[VMON_TGROUP_SLOTS];
	uint64_t v[4];
};

struct vmon_tgroups {
	struct vmon_tgroup *g;
	size_t n, cap;
	bool enomem; /* a group could not be added: the report says so */
};

/* The group of key k, added zeroed if new; NULL (and enomem) without memory. */
struct vmon_tgroup *vmon_tgroup_get(struct vmon_tgroups *t, const uint32_t k[4]);
void vmon_tgroups_sort(struct vmon_tgroups *t);
void vmon_tgroups_free(struct vmon_tgroups *t);
/*
 * The end of a view's report: arr added to the JSON report j under key
 * (json), or none printed on out when there was no group (human); t freed.
 * Returns ret (the drain's) if it is an error, -ENOMEM if a group was lost,
 * else 0.
 */
int vmon_tgroups_finish(struct vmon_tgroups *t, int ret, json_object *j, const char *key,
			json_object *arr, FILE *out, const char *none);

/* Log2 histograms (bpf/vmon_trace.h's slots), printed like biolatency. */
void vmon_hist_print(FILE *out, const char *unit, const uint64_t *slots, unsigned int n);
json_object *vmon_hist_json(const char *unit, const uint64_t *slots, unsigned int n);
uint64_t vmon_hist_total(const uint64_t *slots, unsigned int n);

/* libbpf's open/load errors as a sentence for people ("-EPERM": privilege). */
void vmon_trace_load_error(const char *view, int err);

/* Names: VIRTIO_BLK_T_* ops, KVM exit reasons of VMX (isa 1) and SVM (isa 2). */
const char *vmon_trace_blk_op(uint32_t op);
const char *vmon_trace_exit_reason(uint32_t isa, uint32_t reason);

#endif /* VMON_TRACE_H */
