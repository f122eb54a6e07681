// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's storage pools in memory and on disk. Every definition write is
 * atomic (vmon_atomic_write); the autostart link points at the definition.
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"
#include "vmond.h"

struct vpool *vmond_pool_find(struct vmond *d, const char *key)
{
	for (size_t i = 0; i < d->pools.n; i++)
		if (!strcmp(d->pools.v[i]->p.def->name, key))
			return d->pools.v[i];
	for (size_t i = 0; i < d->pools.n; i++)
		if (!strcasecmp(d->pools.v[i]->p.def->uuid, key))
			return d->pools.v[i];
	return NULL;
}

struct vpool *vmond_pool_add(struct vmond *d, struct vmon_pool_def *def, bool persistent)
{
	struct vpool *vp = calloc(1, sizeof(*vp)), **n;

	n = realloc(d->pools.v, (d->pools.n + 1) * sizeof(*n));
	if (!vp || !n) {
		free(vp);
		vmon_pool_def_free(def);
		return NULL;
	}
	d->pools.v = n;
	vp->p.def = def;
	vp->p.be = vmon_pool_backend(def->type);
	vp->persistent = persistent;
	d->pools.v[d->pools.n++] = vp;
	return vp;
}

void vmond_pool_drop(struct vmond *d, struct vpool *vp)
{
	for (size_t i = 0; i < d->pools.n; i++)
		if (d->pools.v[i] == vp) {
			memmove(&d->pools.v[i], &d->pools.v[i + 1],
				(d->pools.n - i - 1) * sizeof(vp));
			d->pools.n--;
			break;
		}
	vmon_pool_vols_clear(&vp->p);
	vmon_pool_def_free(vp->p.def);
	free(vp);
}

int vmond_pool_save(struct vmond *d, struct vpool *vp, char *err, size_t errlen)
{
	struct vmon_pool_def def = *vp->p.def;
	char path[800], *xml;
	int ret;

	/* the definition on disk carries no sizes: they are refresh's */
	def.capacity = def.allocation = def.available = 0;
	xml = vmon_pool_format(&def);
	if (!xml) {
		snprintf(err, errlen, "out of memory formatting pool '%s'", def.name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.xml", d->pools.dir, def.name);
	ret = vmon_atomic_write(path, xml, strlen(xml), 0600);
	free(xml);
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
		return -1;
	}
	return 0;
}

int vmond_pool_set_autostart(struct vmond *d, struct vpool *vp, bool on, char *err, size_t errlen)
{
	char link[800], target[800];

	snprintf(link, sizeof(link), "%s/%s", d->pools.autostart, vp->p.def->name);
	snprintf(target, sizeof(target), "../%s.xml", vp->p.def->name);
	if (on && symlink(target, link) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", link, strerror(errno));
		return -1;
	}
	if (!on && unlink(link) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", link, strerror(errno));
		return -1;
	}
	vp->autostart = on;
	return 0;
}

int vmond_pool_unsave(struct vmond *d, struct vpool *vp, char *err, size_t errlen)
{
	char path[800];

	if (vmond_pool_set_autostart(d, vp, false, err, errlen))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.xml", d->pools.dir, vp->p.def->name);
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ROOT/run/vmon/storage/NAME: the pool was active (started again after a restart). */
static void mark(struct vmond *d, struct vpool *vp, bool active)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/%s", d->pools.run, vp->p.def->name);
	if (active)
		vmon_atomic_write(path, "", 0, 0600);
	else
		unlink(path);
}

int vmond_pool_start(struct vmond *d, struct vpool *vp, char *err, size_t errlen)
{
	if (!vp->p.be) {
		snprintf(err, errlen, "pool '%s': %s pools are not supported yet (planned)",
			 vp->p.def->name, vmon_pool_type_name(vp->p.def->type));
		return -1;
	}
	if (vp->p.be->start(&vp->p, err, errlen)) {
		snprintf(vp->reason, sizeof(vp->reason), "%s", err);
		return -1;
	}
	vp->reason[0] = 0;
	vp->p.active = true;
	mark(d, vp, true);
	return 0;
}

int vmond_pool_stop(struct vmond *d, struct vpool *vp, char *err, size_t errlen)
{
	if (vp->p.be->stop(&vp->p, err, errlen))
		return -1;
	vp->p.active = false;
	mark(d, vp, false);
	return 0;
}

static void load_one(struct vmond *d, const char *file)
{
	struct vmon_xml_error xe;
	struct vmon_pool_def *def;
	char path[800], *xml = NULL, link[800];
	size_t cap = 0, len = strlen(file) - 4;
	FILE *f;
	int bad;

	snprintf(path, sizeof(path), "%s/%s", d->pools.dir, file);
	f = fopen(path, "re");
	bad = !f || getdelim(&xml, &cap, 0, f) < 0;
	if (f)
		fclose(f);
	if (bad || vmon_pool_parse(xml, strlen(xml), &def, &xe)) {
		vmond_log("%s:%d:%d: %s (pool skipped)", path, bad ? 0 : xe.line,
			  bad ? 0 : xe.column, bad ? strerror(errno) : xe.msg);
		free(xml);
		return;
	}
	free(xml);
	if (strlen(def->name) != len || strncmp(def->name, file, len) ||
	    vmond_pool_find(d, def->name)) {
		vmond_log("%s: holds pool '%s' (skipped)", path, def->name);
		vmon_pool_def_free(def);
		return;
	}
	struct vpool *vp = vmond_pool_add(d, def, true);

	snprintf(link, sizeof(link), "%s/%s", d->pools.autostart, file);
	link[strlen(link) - 4] = 0;
	if (vp)
		vp->autostart = access(link, F_OK) == 0;
}

/* The pool "default": a dir pool at ROOT/var/lib/vmon/images, autostarted. */
static void define_default(struct vmond *d)
{
	struct vmon_pool_def *def = calloc(1, sizeof(*def));
	char err[512], uuid[] = "/proc/sys/kernel/random/uuid";
	struct vpool *vp;
	FILE *f = fopen(uuid, "re");

	if (!def || !f || !fgets(def->uuid, sizeof(def->uuid), f) ||
	    asprintf(&def->target, "%s/images", d->p.lib) < 0) {
		if (f)
			fclose(f);
		free(def);
		vmond_log("cannot define the pool 'default'");
		return;
	}
	fclose(f);
	strcpy(def->name, "default");
	def->type = VMON_POOL_DIR;
	def->perms = (struct vmon_perms){ 0711, -1, -1, NULL };
	vp = vmond_pool_add(d, def, true);
	if (!vp || vmond_pool_save(d, vp, err, sizeof(err)) ||
	    vmond_pool_set_autostart(d, vp, true, err, sizeof(err)))
		vmond_log("pool 'default': %s", vp ? err : "out of memory");
}

int vmond_pools_init(struct vmond *d)
{
	struct vmond_pools *ps = &d->pools;
	bool first;
	struct dirent *e;
	DIR *dir;

	snprintf(ps->dir, sizeof(ps->dir), "%s/etc/vmon/storage", d->p.root);
	snprintf(ps->autostart, sizeof(ps->autostart), "%s/autostart", ps->dir);
	snprintf(ps->run, sizeof(ps->run), "%s/storage", d->p.run);
	first = access(ps->dir, F_OK) < 0;
	if ((mkdir(ps->dir, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(ps->autostart, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(ps->run, 0755) < 0 && errno != EEXIST)) {
		vmond_log("cannot create '%s': %s", ps->dir, strerror(errno));
		return -1;
	}
	dir = opendir(ps->dir);
	while (dir && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] != '.' && len > 4 && !strcmp(e->d_name + len - 4, ".xml"))
			load_one(d, e->d_name);
	}
	if (dir)
		closedir(dir);
	if (first)
		define_default(d);
	for (size_t i = 0; i < ps->n; i++) {
		struct vpool *vp = ps->v[i];
		char path[800], err[512];

		snprintf(path, sizeof(path), "%s/%s", ps->run, vp->p.def->name);
		if (!vp->autostart && access(path, F_OK) < 0)
			continue;
		/* the default pool's directory is ours to make */
		if (first && !strcmp(vp->p.def->name, "default") &&
		    vp->p.be->build(&vp->p, 0, err, sizeof(err)))
			vmond_log("pool 'default': %s", err);
		if (vmond_pool_start(d, vp, err, sizeof(err)))
			vmond_log("pool '%s' stays inactive: %s", vp->p.def->name, err);
	}
	return 0;
}
