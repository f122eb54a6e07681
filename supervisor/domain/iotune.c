// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain: a disk's <iotune>, libvirt's I/O limits. Parsed and written
 * here, and turned into vmon-vmm's --disk iops=, bps=, iops_rd=, ...
 * (vmon-blk's token buckets, Documentation/blk.rst): total_* limits are
 * buckets that every request draws on, read_* and write_* ones that only
 * reads or writes do; a *_max is the bucket's size, what may pass at once
 * after an idle spell.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "priv.h"

#define F(name)                                                                                    \
	{                                                                                          \
#name, offsetof(struct vmon_iotune, name)                                          \
	}

const struct vmon_iotune_field vmon_iotune_fields[VMON_IOTUNE_FIELDS] = {
	F(total_bytes_sec),	F(read_bytes_sec),     F(write_bytes_sec),
	F(total_iops_sec),	F(read_iops_sec),      F(write_iops_sec),
	F(total_bytes_sec_max), F(read_bytes_sec_max), F(write_bytes_sec_max),
	F(total_iops_sec_max),	F(read_iops_sec_max),  F(write_iops_sec_max),
};

int parse_iotune(struct pctx *c, xmlNodePtr io, struct vmon_iotune *t)
{
	for (size_t i = 0; i < VMON_IOTUNE_FIELDS; i++) {
		const char *name = vmon_iotune_fields[i].name;
		xmlNodePtr n = child(io, name);
		char *s = n ? text(n) : NULL;
		int bad = s && parse_uint(s, vmon_iotune_at(t, i));

		if (bad)
			perr(c, n, NULL, "<iotune><%s>: malformed value '%s'", name, s);
		free(s);
		if (bad)
			return -1;
	}
	return 0;
}

int vmon_domain_set_iotune(struct vmon_domain *d, size_t i, const struct vmon_iotune *t)
{
	xmlNodePtr n = disk_node(d, i), io, at;
	struct vmon_iotune v = *t;

	if (!n)
		return -1;
	if ((io = child(n, "iotune"))) {
		xmlUnlinkNode(io);
		xmlFreeNode(io);
	}
	if (vmon_iotune_any(&v)) {
		/* where libvirt writes it: after <target>, before <readonly> and <serial> */
		io = xmlNewNode(NULL, X("iotune"));
		at = child(n, "target");
		if (!io || !(at ? xmlAddNextSibling(at, io) : xmlAddChild(n, io))) {
			xmlFreeNode(io);
			return -1;
		}
		for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++) {
			char buf[24];

			if (!vmon_iotune_get(&v, f))
				continue;
			snprintf(buf, sizeof(buf), "%llu",
				 (unsigned long long)vmon_iotune_get(&v, f));
			if (!xmlNewChild(io, NULL, X(vmon_iotune_fields[f].name), X(buf)))
				return -1;
		}
	}
	d->disks[i].iotune = v;
	return 0;
}

/*
 * vmon-vmm's --disk names of the limits, in vmon_iotune_fields' order (QEMU's
 * -drive names): three at a time, total, read and write of one kind.
 */
static const char *const vmm_opts[VMON_IOTUNE_FIELDS] = {
	"bps",	   "bps_rd",	 "bps_wr",     "iops",	   "iops_rd",	  "iops_wr",
	"bps_max", "bps_rd_max", "bps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max",
};
#define IOTUNE_RATES (VMON_IOTUNE_FIELDS / 2) /* the *_max follow the rates */

int iotune_disk_opts(const struct vmon_disk *k, char *buf, size_t len, char *err, size_t errlen)
{
	const struct vmon_iotune *t = &k->iotune;
	size_t used;
	int n;

	*buf = 0;
	/* libvirt's two refusals: a total beside a read or write, a burst alone */
	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f += 3) {
		if (vmon_iotune_get(t, f) &&
		    (vmon_iotune_get(t, f + 1) || vmon_iotune_get(t, f + 2))) {
			snprintf(err, errlen,
				 "disk '%s': <iotune>: total and read/write of %s cannot be set at "
				 "the same time",
				 k->target, vmon_iotune_fields[f].name + 6);
			return -1;
		}
	}
	for (size_t f = IOTUNE_RATES; f < VMON_IOTUNE_FIELDS; f++) {
		if (vmon_iotune_get(t, f) && !vmon_iotune_get(t, f - IOTUNE_RATES)) {
			snprintf(err, errlen,
				 "disk '%s': <iotune> a *_max limit needs its rate (%s)", k->target,
				 vmon_iotune_fields[f - IOTUNE_RATES].name);
			return -1;
		}
	}
	if (!vmon_iotune_any(t)) /* a _max has its rate by now */
		return 0;
	if (k->format != VMON_DISK_RAW) {
		snprintf(err, errlen,
			 "disk '%s': <iotune> limits are vmon-blk's (the kernel's throttle), which "
			 "serves raw images; this disk is qcow2",
			 k->target);
		return -1;
	}
	n = snprintf(buf, len, ",backend=vmon-blk");
	for (size_t f = 0; n >= 0 && (size_t)n < len && f < VMON_IOTUNE_FIELDS; f++) {
		if (!vmon_iotune_get(t, f))
			continue;
		used = (size_t)n;
		n = snprintf(buf + used, len - used, ",%s=%llu", vmm_opts[f],
			     (unsigned long long)vmon_iotune_get(t, f));
		n = n < 0 ? n : n + (int)used;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int vmon_domain_iotune_check(const struct vmon_domain *d, size_t i, const struct vmon_iotune *t,
			     struct vmon_xml_error *err)
{
	char buf[400], why[sizeof(err->msg)];
	struct vmon_disk k;

	memset(err, 0, sizeof(*err));
	if (i >= d->n_disks) {
		snprintf(err->msg, sizeof(err->msg), "no disk %zu", i);
		return -1;
	}
	k = d->disks[i];
	k.iotune = *t;
	if (!iotune_disk_opts(&k, buf, sizeof(buf), why, sizeof(why)))
		return 0;
	/* libvirt's class of error for a value the hypervisor cannot take */
	snprintf(err->msg, sizeof(err->msg), "unsupported configuration: %.480s", why);
	return -1;
}
