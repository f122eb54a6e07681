// SPDX-License-Identifier: GPL-2.0
/*
 * blkdeviotune: a disk's I/O limits, libvirt's <iotune>, read or changed.
 *
 * The limits are vmon-blk's token buckets (Documentation/blk.rst). The VMM
 * sets them from its --disk line while still root, which locks them against
 * the unprivileged VMM it becomes; so vmond, not the VMM, changes them live:
 * it takes the VMM's /dev/vmon-blk descriptor with pidfd_getfd() (the disk's
 * "kernel_fd" in the VMM's status) and sets and reads the buckets there with
 * CAP_SYS_ADMIN. A live query reads what the kernel has in effect.
 */
#include <errno.h>
#include <linux/vmon.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vmon/domain.h>

#include "vmond.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/*
 * Disk @key (its target or source path) of definition @def of @v: its
 * index, or -1 and @err. The running and the persistent definition of a
 * domain may list different disks (attach-disk --config), so each is
 * searched for itself.
 */
static int find_disk(const struct vdom *v, const struct vmon_domain *def, const char *key,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vmon_disk *k = &def->disks[i];

		if (!strcmp(k->target, key) || (k->source && !strcmp(k->source, key)))
			return (int)i;
	}
	snprintf(err, errlen, "invalid argument: disk '%s' not found in %s of domain '%s'", key,
		 def == v->def && vdom_active(v) ? "the running definition" : "the definition",
		 v->name);
	return -1;
}

/*
 * The VMM's /dev/vmon-blk descriptor of disk @i, taken into vmond: the
 * i-th virtio-blk device of the VMM's status @st. NOT_VMON_BLK when that
 * disk is not on vmon-blk, -1 on other errors, both with @err.
 */
#define NOT_VMON_BLK (-2)
static int kernel_fd(struct vdom *v, struct json_object *st, size_t i, char *err, size_t errlen)
{
	struct json_object *devs, *dev, *o;
	size_t n = 0;
	int fd = -1, theirs = -1;

	if (!json_object_object_get_ex(st, "devices", &devs) ||
	    !json_object_is_type(devs, json_type_array)) {
		snprintf(err, errlen, "internal error: the VMM's status has no devices");
		return -1;
	}
	for (size_t k = 0; k < json_object_array_length(devs); k++) {
		dev = json_object_array_get_idx(devs, k);
		if (!json_object_object_get_ex(dev, "type", &o) ||
		    strcmp(json_object_get_string(o), "virtio-blk") || n++ != i)
			continue;
		if (json_object_object_get_ex(dev, "kernel_fd", &o))
			theirs = json_object_get_int(o);
		break;
	}
	if (theirs <= 0) {
		fd = NOT_VMON_BLK;
		snprintf(err, errlen,
			 "Operation not supported: disk '%s' is not served by vmon-blk, whose "
			 "throttle the limits are (a raw image; start the domain with <iotune> or "
			 "with /dev/vmon-blk there)",
			 v->def->disks[i].target);
		return fd;
	}
	fd = (int)syscall(SYS_pidfd_getfd, v->pidfd, theirs, 0);
	if (fd < 0)
		snprintf(err, errlen, "internal error: disk '%s': pidfd_getfd: %s",
			 v->def->disks[i].target, strerror(errno));
	return fd;
}

/*
 * libvirt's limits to the kernel's buckets and back: a rate and its _max
 * make one bucket, struct vmon_iotune's fields are (total, read, write) of
 * bytes, of iops, of bytes_max, of iops_max.
 */
static struct vmon_blk_bucket *bucket(struct vmon_blk_limits *k, size_t f)
{
	struct vmon_blk_throttle *t[] = { &k->total, &k->read, &k->write };
	size_t kind = f / 3 % 2; /* 0 bytes, 1 iops */

	return kind ? &t[f % 3]->ops : &t[f % 3]->bytes;
}

static void to_kernel(const struct vmon_iotune *t, struct vmon_blk_limits *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++) {
		if (f < VMON_IOTUNE_FIELDS / 2)
			bucket(k, f)->rate = vmon_iotune_get(t, f);
		else
			bucket(k, f)->burst = vmon_iotune_get(t, f);
	}
}

static void from_kernel(struct vmon_blk_limits *k, struct vmon_iotune *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++) {
		const struct vmon_blk_bucket *b = bucket(k, f);

		/* a bucket the size of one second's worth is the default: no _max */
		if (f < VMON_IOTUNE_FIELDS / 2)
			*vmon_iotune_at(t, f) = b->rate;
		else if (b->burst != b->rate)
			*vmon_iotune_at(t, f) = b->burst;
	}
}

/* Set or read disk @i's buckets in the kernel (@st: the VMM's status). */
static int live(struct vdom *v, struct json_object *st, size_t i, struct vmon_iotune *t, bool set,
		char *err, size_t errlen)
{
	struct vmon_blk_limits k;
	int fd = kernel_fd(v, st, i, err, errlen), rc;

	if (fd < 0)
		return fd;
	if (set)
		to_kernel(t, &k);
	rc = ioctl(fd, set ? VMON_BLK_SET_LIMITS : VMON_BLK_GET_LIMITS, &k);
	if (rc < 0)
		snprintf(err, errlen, "internal error: disk '%s': %s: %s", v->def->disks[i].target,
			 set ? "VMON_BLK_SET_LIMITS" : "VMON_BLK_GET_LIMITS",
			 errno == ENOTTY ? "the loaded vmon module is older than ABI 0.4"
					 : strerror(errno));
	else if (!set)
		from_kernel(&k, t);
	close(fd);
	return rc < 0 ? -1 : 0;
}

void vmond_iotune_apply(struct vdom *v)
{
	struct json_object *st = NULL;
	char err[512];

	if (vmond_vm_call(v, "status", &st, err, sizeof(err))) {
		vmond_log("%s: limits not restored: %s", v->name, err);
		return;
	}
	/*
	 * Every disk: the saved command line may hold limits lifted since;
	 * a disk without limits that is not on vmon-blk has nothing to set.
	 */
	for (size_t i = 0; i < v->def->n_disks; i++) {
		struct vmon_iotune t = v->def->disks[i].iotune;
		int rc = live(v, st, i, &t, true, err, sizeof(err));

		if (rc && (vmon_iotune_any(&v->def->disks[i].iotune) || rc != NOT_VMON_BLK))
			vmond_log("%s: disk '%s': limits not restored: %s", v->name,
				  v->def->disks[i].target, err);
	}
	json_object_put(st);
}

/* The index of limit @key in vmon_iotune_fields, or -1 and @err. */
static int field_of(const char *key, char *err, size_t errlen)
{
	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++)
		if (!strcmp(key, vmon_iotune_fields[f].name))
			return (int)f;
	snprintf(err, errlen, "invalid argument: unknown I/O limit '%.64s'", key);
	return -1;
}

/*
 * The request's "set" over @t: 0, or -1 and @err naming a bad member. As
 * libvirt's: setting one of a group (total, read and write of bytes_sec,
 * of iops_sec, of their _max) sets the whole group, the others to 0, so
 * that a read limit replaces a total one instead of clashing with it.
 */
static int merge(struct json_object *set, struct vmon_iotune *t, char *err, size_t errlen)
{
	bool group[VMON_IOTUNE_FIELDS / 3] = { false };
	struct vmon_iotune in = { 0 };
	int f;

	json_object_object_foreach (set, key, val) {
		if ((f = field_of(key, err, errlen)) < 0)
			return -1;
		if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0) {
			snprintf(err, errlen, "invalid argument: %s must be a number of 0 or more",
				 key);
			return -1;
		}
		*vmon_iotune_at(&in, (size_t)f) = (uint64_t)json_object_get_int64(val);
		group[f / 3] = true;
	}
	for (size_t k = 0; k < VMON_IOTUNE_FIELDS; k++)
		if (group[k / 3])
			*vmon_iotune_at(t, k) = vmon_iotune_get(&in, k);
	return 0;
}

int vmond_req_blkdeviotune(struct vmond *d, struct json_object *req, struct json_object *r,
			   char *err, size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	struct json_object *dev, *set = NULL, *out, *st = NULL;
	struct vmon_xml_error xe = { 0 };
	bool want_live, want_config;
	struct vmon_domain *cfg;
	struct vmon_iotune t, old;
	int il = -1, ic = -1;
	const char *key;

	if (!v)
		return -1;
	if (!json_object_object_get_ex(req, "device", &dev) ||
	    !json_object_is_type(dev, json_type_string)) {
		snprintf(err, errlen, "request has no string member \"device\"");
		return -1;
	}
	key = json_object_get_string(dev);
	json_object_object_get_ex(req, "set", &set);
	if (set && !json_object_is_type(set, json_type_object)) {
		snprintf(err, errlen, "request's \"set\" is not an object");
		return -1;
	}
	if (vmond_req_where(v, req, &want_live, &want_config, err, errlen))
		return -1;
	cfg = vdom_config_def(v);
	if ((want_live && (il = find_disk(v, v->def, key, err, errlen)) < 0) ||
	    (want_config && (ic = find_disk(v, cfg, key, err, errlen)) < 0))
		return -1;
	t = want_config ? cfg->disks[ic].iotune : v->def->disks[il].iotune;
	if (want_live && vmond_vm_call(v, "status", &st, err, errlen))
		return -1;
	if (set) {
		if (merge(set, &t, err, errlen) ||
		    (want_live && vmon_domain_iotune_check(v->def, (size_t)il, &t, &xe)) ||
		    (want_config && vmon_domain_iotune_check(cfg, (size_t)ic, &t, &xe))) {
			if (xe.msg[0])
				snprintf(err, errlen, "%s", xe.msg);
			return -1;
		}
		if (want_live && (live(v, st, (size_t)il, &t, true, err, errlen) ||
				  vmon_domain_set_iotune(v->def, (size_t)il, &t)))
			goto fail;
		if (want_live)
			vmond_save_status(d, v);
		if (want_config) {
			old = cfg->disks[ic].iotune;
			if (vmon_domain_set_iotune(cfg, (size_t)ic, &t) ||
			    vmond_save_def(d, v, err, errlen)) {
				vmon_domain_set_iotune(cfg, (size_t)ic, &old);
				goto fail;
			}
		}
	} else if (want_live && want_config) {
		snprintf(err, errlen, "invalid argument: --live and --config together only to set");
		goto fail;
	} else if (want_live && live(v, st, (size_t)il, &t, false, err, errlen)) {
		goto fail;
	}
	json_object_put(st);
	out = json_object_new_object();
	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++)
		json_object_object_add(out, vmon_iotune_fields[f].name,
				       json_object_new_int64((int64_t)vmon_iotune_get(&t, f)));
	json_object_object_add(r, "iotune", out);
	json_object_object_add(r, "device",
			       json_object_new_string(want_config ? cfg->disks[ic].target
								  : v->def->disks[il].target));
	return 0;
fail:
	json_object_put(st);
	return -1;
}
