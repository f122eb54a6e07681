// SPDX-License-Identifier: GPL-2.0
/*
 * The logical pool: an LVM volume group, its volumes logical volumes. lvm2
 * has no stable C library, so its tools are run and read through
 * --reportformat json (json-c); a volume's key is its LV UUID, its path
 * /dev/VG/LV. Volumes are raw (as in libvirt).
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/qcow2.h>

#include "backend.h"

static const char *vg(const struct vmon_pool_def *def)
{
	return def->src_name ? def->src_name : def->name;
}

static int lv_check(const struct vmon_pool_def *def, char *err, size_t errlen)
{
	if (strchr(vg(def), '/') || vg(def)[0] == '-') {
		snprintf(err, errlen, "pool '%s': '%s' is not a volume group name", def->name,
			 vg(def));
		return -1;
	}
	return 0;
}

/* Rows of an LVM JSON report: report[0][what]. */
static struct json_object *rows(const char *text, const char *what, struct json_object **root)
{
	struct json_object *r, *a;

	*root = json_tokener_parse(text ? text : "");
	if (!*root || !json_object_object_get_ex(*root, "report", &r) ||
	    !(r = json_object_array_get_idx(r, 0)) || !json_object_object_get_ex(r, what, &a))
		return NULL;
	return a;
}

static const char *col(struct json_object *row, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(row, k, &v) ? json_object_get_string(v) : "";
}

static int lv_build(struct vmon_pool *p, unsigned int flags, char *err, size_t errlen)
{
	char *pv[] = { "pvcreate", "-y", "-ff", p->def->src_device, NULL };
	/* without --overwrite pvcreate asks before wiping a signature: no one answers */
	char *pv_keep[] = { "pvcreate", p->def->src_device, NULL };
	char *vgc[] = { "vgcreate", (char *)vg(p->def), p->def->src_device, NULL };

	if (!p->def->src_device) {
		snprintf(err, errlen, "pool '%s': building needs <source><device path=...>",
			 p->def->name);
		return -1;
	}
	return vmon_storage_run(flags & VMON_BUILD_OVERWRITE ? pv : pv_keep, NULL, err, errlen) ||
	       vmon_storage_run(vgc, NULL, err, errlen);
}

static struct vmon_vol_def *lv_vol(const struct vmon_pool_def *def, struct json_object *row)
{
	struct vmon_vol_def *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	snprintf(v->name, sizeof(v->name), "%s", col(row, "lv_name"));
	v->key = strdup(col(row, "lv_uuid"));
	if (asprintf(&v->path, "/dev/%s/%s", vg(def), v->name) < 0)
		v->path = NULL;
	v->block = true;
	v->capacity = v->allocation = strtoull(col(row, "lv_size"), NULL, 10);
	v->perms = (struct vmon_perms){ -1, -1, -1, NULL };
	if (!v->key || !v->path) {
		vmon_vol_def_free(v);
		return NULL;
	}
	return v;
}

static int lv_refresh(struct vmon_pool *p, char *err, size_t errlen)
{
	char *lvs[] = { "lvs",
			"--reportformat",
			"json",
			"--units",
			"b",
			"--nosuffix",
			"-o",
			"lv_name,lv_uuid,lv_size",
			(char *)vg(p->def),
			NULL };
	char *vgs[] = { "vgs",
			"--reportformat",
			"json",
			"--units",
			"b",
			"--nosuffix",
			"-o",
			"vg_size,vg_free",
			(char *)vg(p->def),
			NULL };
	struct json_object *root = NULL, *a;
	struct vmon_pool scan = { 0 };
	char *out = NULL;
	int ret = -1;

	if (vmon_storage_run(vgs, &out, err, errlen))
		return -1;
	a = rows(out, "vg", &root);
	if (a && json_object_array_length(a) == 1) {
		p->def->capacity =
			strtoull(col(json_object_array_get_idx(a, 0), "vg_size"), NULL, 10);
		p->def->available =
			strtoull(col(json_object_array_get_idx(a, 0), "vg_free"), NULL, 10);
		p->def->allocation = p->def->capacity - p->def->available;
		ret = 0;
	}
	json_object_put(root);
	free(out);
	out = NULL;
	if (ret || vmon_storage_run(lvs, &out, err, errlen)) {
		if (!ret)
			return -1;
		snprintf(err, errlen, "vgs: no report for volume group '%s'", vg(p->def));
		return -1;
	}
	a = rows(out, "lv", &root);
	for (size_t i = 0; a && !ret && i < json_object_array_length(a); i++) {
		struct vmon_vol_def *v = lv_vol(p->def, json_object_array_get_idx(a, i));

		ret = !v || vmon_pool_vols_add(&scan, v) ? -1 : 0;
	}
	json_object_put(root);
	free(out);
	if (!a || ret) {
		snprintf(err, errlen, "lvs: no report for volume group '%s'", vg(p->def));
		vmon_pool_vols_clear(&scan);
		return -1;
	}
	vmon_pool_vols_clear(p);
	p->vols = scan.vols;
	p->n_vols = scan.n_vols;
	return 0;
}

static int lv_start(struct vmon_pool *p, char *err, size_t errlen)
{
	char *ch[] = { "vgchange", "-ay", (char *)vg(p->def), NULL };

	return vmon_storage_run(ch, NULL, err, errlen) || lv_refresh(p, err, errlen);
}

static int lv_stop(struct vmon_pool *p, char *err, size_t errlen)
{
	char *ch[] = { "vgchange", "-an", (char *)vg(p->def), NULL };

	if (vmon_storage_run(ch, NULL, err, errlen))
		return -1;
	vmon_pool_vols_clear(p);
	p->def->capacity = p->def->allocation = p->def->available = 0;
	return 0;
}

static int lv_remove(struct vmon_pool *p, char *err, size_t errlen)
{
	char *rm[] = { "vgremove", "-f", (char *)vg(p->def), NULL };
	char *pv[] = { "pvremove", "-y", p->def->src_device, NULL };

	return vmon_storage_run(rm, NULL, err, errlen) ||
	       (p->def->src_device && vmon_storage_run(pv, NULL, err, errlen));
}

static int lv_vol_create(struct vmon_pool *p, struct vmon_vol_def *v,
			 const struct vmon_vol_def *from, unsigned int flags, char *err,
			 size_t errlen)
{
	char size[32], *lc[] = { "lvcreate",	     "-y", "-W", "y", "-n", v->name, "-L", size,
				 (char *)vg(p->def), NULL };
	struct vimg *img;
	int ret;

	(void)flags;
	if (v->format != VMON_VOL_RAW || v->backing) {
		snprintf(err, errlen, "volume '%s': a logical pool holds raw volumes only",
			 v->name);
		return -1;
	}
	if (vmon_vol_name_check(v->name, err, errlen))
		return -1;
	if (vmon_pool_vol(p, v->name)) {
		snprintf(err, errlen, "storage volume '%s' already exists in pool '%s'", v->name,
			 p->def->name);
		return -1;
	}
	if (!v->capacity && from)
		v->capacity = from->capacity;
	snprintf(size, sizeof(size), "%" PRIu64 "b", v->capacity);
	if (vmon_storage_run(lc, NULL, err, errlen) || lv_refresh(p, err, errlen))
		return -1;
	free(v->path);
	v->path = NULL;
	if (asprintf(&v->path, "/dev/%s/%s", vg(p->def), v->name) < 0 || !from)
		return v->path ? 0 : -1;
	if (vimg_open(v->path, "raw", VIMG_RDWR, &img)) {
		snprintf(err, errlen, "cannot open '%s': %s", v->path, vimg_strerror());
		ret = -1;
	} else {
		ret = vmon_file_vol_copy(from, img, err, errlen);
		vimg_close(img);
	}
	if (ret) { /* half-made: removed, never listed */
		char e2[256], *rm[] = { "lvremove", "-f", v->path, NULL };

		vmon_storage_run(rm, NULL, e2, sizeof(e2));
	}
	return ret;
}

static int lv_vol_delete(struct vmon_pool *p, const struct vmon_vol_def *v, char *err,
			 size_t errlen)
{
	char *rm[] = { "lvremove", "-f", v->path, NULL };

	(void)p;
	return vmon_storage_run(rm, NULL, err, errlen);
}

static int lv_vol_resize(struct vmon_pool *p, const struct vmon_vol_def *v, uint64_t capacity,
			 unsigned int flags, char *err, size_t errlen)
{
	char size[32], *rs[] = { "lvresize", "-f", "-L", size, v->path, NULL };

	(void)p;
	if (capacity < v->capacity && !(flags & VMON_RESIZE_SHRINK)) {
		snprintf(err, errlen, "cannot shrink volume '%s' without --shrink", v->name);
		return -1;
	}
	snprintf(size, sizeof(size), "%" PRIu64 "b", capacity);
	return vmon_storage_run(rs, NULL, err, errlen);
}

/*
 * The volume groups on the host, each with its physical volumes, as
 * libvirt's find-storage-pool-sources logical: PVs in no VG are left out;
 * the spec narrows nothing (libvirt's does not either).
 */
static int lv_find_sources(const struct vmon_pool_def *spec, struct vmon_pool_source **out,
			   size_t *n, char *err, size_t errlen)
{
	char *pvs[] = { "pvs", "--reportformat", "json", "-o", "pv_name,vg_name", NULL };
	struct json_object *root = NULL, *a;
	struct vmon_pool_source *s = NULL;
	size_t ns = 0, i, k;
	char *out_text = NULL;
	int ret = 0;

	(void)spec;
	if (vmon_storage_run(pvs, &out_text, err, errlen))
		return -1;
	a = rows(out_text, "pv", &root);
	for (i = 0; a && !ret && i < json_object_array_length(a); i++) {
		struct json_object *row = json_object_array_get_idx(a, i);
		const char *vgn = col(row, "vg_name");

		if (!*vgn)
			continue;
		for (k = 0; k < ns && strcmp(s[k].name, vgn); k++)
			;
		if (k == ns)
			ret = vmon_pool_sources_add(&s, &ns, vgn, NULL, NULL, "lvm2");
		if (!ret)
			ret = vmon_pool_source_add_device(&s[k], col(row, "pv_name"));
	}
	json_object_put(root);
	free(out_text);
	if (!a || ret) {
		snprintf(err, errlen, a ? "out of memory" : "pvs: no report of physical volumes");
		vmon_pool_sources_free(s, ns);
		return -1;
	}
	*out = s;
	*n = ns;
	return 0;
}

const struct vmon_pool_backend vmon_backend_logical = {
	.type = VMON_POOL_LOGICAL,
	.check = lv_check,
	.build = lv_build,
	.start = lv_start,
	.stop = lv_stop,
	.refresh = lv_refresh,
	.remove = lv_remove,
	.vol_create = lv_vol_create,
	.vol_delete = lv_vol_delete,
	.vol_resize = lv_vol_resize,
	.vol_wipe = vmon_file_vol_wipe,
	.find_sources = lv_find_sources,
};
