// SPDX-License-Identifier: GPL-2.0
/* The back-end table and a pool's list of volumes. */
#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "backend.h"

static const struct vmon_pool_backend *backends[VMON_POOL_ISCSI + 1] = {
	[VMON_POOL_DIR] = &vmon_backend_dir,
	[VMON_POOL_FS] = &vmon_backend_fs,
	[VMON_POOL_LOGICAL] = &vmon_backend_logical,
};

const struct vmon_pool_backend *vmon_pool_backend(enum vmon_pool_type t)
{
	return (unsigned int)t <= VMON_POOL_ISCSI ? backends[t] : NULL;
}

void vmon_pool_backend_set(enum vmon_pool_type t, const struct vmon_pool_backend *be)
{
	if ((unsigned int)t <= VMON_POOL_ISCSI)
		backends[t] = be;
}

struct vmon_vol_def *vmon_pool_vol(const struct vmon_pool *p, const char *name)
{
	for (size_t i = 0; i < p->n_vols; i++)
		if (!strcmp(p->vols[i]->name, name))
			return p->vols[i];
	return NULL;
}

struct vmon_vol_def *vmon_pool_vol_by_path_or_key(const struct vmon_pool *p, const char *s)
{
	for (size_t i = 0; i < p->n_vols; i++)
		if ((p->vols[i]->path && !strcmp(p->vols[i]->path, s)) ||
		    (p->vols[i]->key && !strcmp(p->vols[i]->key, s)))
			return p->vols[i];
	return NULL;
}

void vmon_pool_vols_clear(struct vmon_pool *p)
{
	for (size_t i = 0; i < p->n_vols; i++)
		vmon_vol_def_free(p->vols[i]);
	free(p->vols);
	p->vols = NULL;
	p->n_vols = 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct vmon_vol_def *const *)a)->name,
		      (*(struct vmon_vol_def *const *)b)->name);
}

int vmon_pool_vols_add(struct vmon_pool *p, struct vmon_vol_def *v)
{
	struct vmon_vol_def **n = realloc(p->vols, (p->n_vols + 1) * sizeof(*n));

	if (!n) {
		vmon_vol_def_free(v);
		return -1;
	}
	p->vols = n;
	p->vols[p->n_vols++] = v;
	/* vol-list shows them sorted by name, as virsh does */
	qsort(p->vols, p->n_vols, sizeof(*n), by_name);
	return 0;
}

int vmon_wipe_alg_parse(const char *s, enum vmon_wipe_alg *a)
{
	static const char *const names[] = { "zero", "random", "nnsa", "dod" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*a = (enum vmon_wipe_alg)i;
			return 0;
		}
	return -1;
}
