/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmon-nl: client of the generic netlink family "vmon" (libnl-genl-3).
 *
 * Every function returns 0 or a negative errno; after a failure the kernel's
 * extended-ack message, if it sent one, is in vmon_nl_errmsg().
 */
#ifndef VMON_NL_H
#define VMON_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vmon.h>

struct vmon_nl;

struct vmon_nl_vcpu {
	uint32_t index;
	uint32_t tid;
	uint64_t steal_ns;
	uint64_t cpu_ns;
	uint32_t steal_pct; /* hundredths of a percent, last interval */
};

struct vmon_nl_dev {
	uint32_t id;
	uint32_t type; /* enum vmon_dev_type */
	uint32_t vm_id;
	char name[32];
	/* Indexed by enum vmon_dev_attr; only the counter attributes are set. */
	uint64_t ctr[VMON_DEV_A_MAX + 1];
	uint64_t lat[VMON_LAT_BUCKETS]; /* bucket i: [2^i, 2^(i+1)) ns */
};

struct vmon_nl_vm {
	uint32_t id;
	char name[VMON_VM_NAME_MAX];
	uint32_t owner_pid;
	/* The rest is filled by STATS_GET only. */
	uint32_t nr_vcpus;
	uint64_t steal_ns;
	uint64_t cpu_ns;
	uint32_t steal_pct;
	uint32_t cpu_pct;
	uint32_t threshold;
	uint32_t interval_ms;
	uint64_t guest_pages;
	uint64_t ksm_merging_pages;
	uint64_t ksm_rmap_items;
	bool has_est;
	uint32_t est_pages;
	uint32_t est_zero;
	uint32_t est_dup;
	uint32_t est_pct;
	uint64_t est_cost_ns;
	uint64_t est_age_ms;
	size_t n_vcpus;
	struct vmon_nl_vcpu *vcpus;
	size_t n_devs;
	struct vmon_nl_dev *devs;
};

struct vmon_nl_event {
	uint32_t event; /* enum vmon_event */
	uint32_t vm_id;
	char vm_name[VMON_VM_NAME_MAX];
	uint32_t reason;    /* enum vmon_reason, VM_UNREGISTERED */
	uint32_t steal_pct; /* STEAL_OVER */
	uint32_t threshold; /* STEAL_OVER */
	bool has_dev;
	struct vmon_nl_dev dev; /* DEV_*, THROTTLE: id, type, name */
};

/* Connect and resolve the family; -ENOENT when vmon.ko is not loaded. */
int vmon_nl_open(struct vmon_nl **nlp);
void vmon_nl_close(struct vmon_nl *nl);
/* The kernel's message about the last failure, or "". */
const char *vmon_nl_errmsg(const struct vmon_nl *nl);

/*
 * One VM by id (name NULL) or by name (id 0). With stats, STATS_GET (all
 * figures), else VM_GET. Free with vmon_nl_vm_free().
 */
int vmon_nl_vm_get(struct vmon_nl *nl, uint32_t id, const char *name, bool stats,
		   struct vmon_nl_vm *vm);
/* All registered VMs (a dump), sorted by id. Free with vmon_nl_vms_free(). */
int vmon_nl_vm_list(struct vmon_nl *nl, bool stats, struct vmon_nl_vm **vms, size_t *n);
void vmon_nl_vm_free(struct vmon_nl_vm *vm);
void vmon_nl_vms_free(struct vmon_nl_vm *vms, size_t n);

/* One device, or all devices (of VM vm_id, 0 = every VM). free() the list. */
int vmon_nl_dev_get(struct vmon_nl *nl, uint32_t dev_id, struct vmon_nl_dev *dev);
int vmon_nl_dev_list(struct vmon_nl *nl, uint32_t vm_id, struct vmon_nl_dev **devs, size_t *n);

/* Run the dedup estimator (needs CAP_NET_ADMIN); fills vm's est_* fields. */
int vmon_nl_ksm_estimate(struct vmon_nl *nl, uint32_t vm_id, uint32_t pages, struct vmon_nl_vm *vm);
/*
 * Set the steal threshold of vm_id (hundredths of a percent, 0 = off) when
 * vm_id is not 0, and the sampling interval when interval_ms is not 0.
 */
int vmon_nl_set_threshold(struct vmon_nl *nl, uint32_t vm_id, uint32_t threshold,
			  uint32_t interval_ms);

/* Join the "events" group on a second socket of nl. */
int vmon_nl_events_join(struct vmon_nl *nl);
/*
 * Wait up to timeout_ms (-1: forever) for one event. Returns 0 with *ev
 * filled, -ETIMEDOUT, or another -errno.
 */
int vmon_nl_event_wait(struct vmon_nl *nl, int timeout_ms, struct vmon_nl_event *ev);

/* The events socket's descriptor, to poll with others; -1 before the join. */
int vmon_nl_event_fd(struct vmon_nl *nl);

/* Names of enum vmon_event, enum vmon_reason and enum vmon_dev_type values. */
const char *vmon_nl_event_name(uint32_t event);
const char *vmon_nl_reason_name(uint32_t reason);
const char *vmon_nl_dev_type_name(uint32_t type);
/* The name of a device counter attribute, e.g. "rx_packets", or NULL. */
const char *vmon_nl_ctr_name(unsigned int attr);

#endif /* VMON_NL_H */
