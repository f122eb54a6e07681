// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's domains in memory and on disk: ROOT/etc/vmon/domains/NAME.xml,
 * ROOT/etc/vmon/autostart/NAME (a symlink to the definition) and
 * ROOT/run/vmon/domains/NAME.status (+ NAME.xml of the running definition).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmon/domain.h>

#include "vmond.h"

struct vdom *vmond_find(struct vmond *d, const char *key)
{
	char *end;
	unsigned long id = strtoul(key, &end, 10);

	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->doms[i]->name, key))
			return d->doms[i];
	for (size_t i = 0; i < d->n; i++)
		if (!strcasecmp(d->doms[i]->uuid, key))
			return d->doms[i];
	if (*key && !*end)
		for (size_t i = 0; i < d->n; i++)
			if (vdom_active(d->doms[i]) && d->doms[i]->st.id == id)
				return d->doms[i];
	return NULL;
}

struct vdom *vmond_add(struct vmond *d, struct vmon_domain *def, bool persistent)
{
	struct vdom *v = calloc(1, sizeof(*v)), **n;

	n = realloc(d->doms, (d->n + 1) * sizeof(*n));
	if (!v || !n) {
		free(v);
		return NULL;
	}
	d->doms = n;
	v->def = def;
	snprintf(v->name, sizeof(v->name), "%s", def->name);
	snprintf(v->uuid, sizeof(v->uuid), "%s", def->uuid_str);
	v->persistent = persistent;
	v->pidfd = -1;
	v->ds = (struct vmon_dstate){ VMON_DS_SHUTOFF, VMON_SHUTOFF_UNKNOWN };
	d->doms[d->n++] = v;
	return v;
}

void vmond_drop(struct vmond *d, struct vdom *v)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->doms[i] == v) {
			memmove(&d->doms[i], &d->doms[i + 1], (d->n - i - 1) * sizeof(v));
			d->n--;
			break;
		}
	vmon_domain_free(v->def);
	vmon_domain_free(v->next);
	free(v->halt);
	free(v);
}

int vmond_def_started(struct vdom *v, char *err, size_t errlen)
{
	struct vmon_xml_error xe = { 0 };

	if (!v->persistent || v->next)
		return 0;
	if (vmon_domain_copy(v->def, &v->next, &xe)) {
		snprintf(err, errlen, "domain '%s': cannot copy its definition: %s", v->name,
			 xe.msg);
		return -1;
	}
	return 0;
}

void vmond_def_run(struct vdom *v, struct vmon_domain *def)
{
	vmon_domain_free(v->next);
	v->next = v->def;
	v->def = def;
}

void vmond_def_stopped(struct vdom *v)
{
	if (!v->next)
		return;
	vmon_domain_free(v->def);
	v->def = v->next;
	v->next = NULL;
}

static void path_of(char *buf, size_t len, const char *dir, const char *name, const char *ext)
{
	snprintf(buf, len, "%s/%s%s", dir, name, ext);
}

int vmond_save_def(struct vmond *d, struct vdom *v, char *err, size_t errlen)
{
	char path[800], *xml = vmon_domain_format(vdom_config_def(v), VMON_DOMAIN_XML_INACTIVE);
	int ret;

	if (!xml) {
		snprintf(err, errlen, "out of memory formatting domain '%s'", v->name);
		return -1;
	}
	path_of(path, sizeof(path), d->p.domains, v->name, ".xml");
	ret = vmon_atomic_write(path, xml, strlen(xml), 0600);
	free(xml);
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
		return -1;
	}
	return 0;
}

int vmond_remove_def(struct vmond *d, struct vdom *v, char *err, size_t errlen)
{
	char path[800];

	if (vmond_set_autostart(d, v, false, err, errlen))
		return -1;
	path_of(path, sizeof(path), d->p.domains, v->name, ".xml");
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int vmond_set_autostart(struct vmond *d, struct vdom *v, bool on, char *err, size_t errlen)
{
	char link[800], target[800];

	path_of(link, sizeof(link), d->p.autostart, v->name, "");
	path_of(target, sizeof(target), "../domains", v->name, ".xml");
	if (on && symlink(target, link) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", link, strerror(errno));
		return -1;
	}
	if (!on && unlink(link) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove '%s': %s", link, strerror(errno));
		return -1;
	}
	v->autostart = on;
	return 0;
}

int vmond_save_status(struct vmond *d, struct vdom *v)
{
	char path[800], *text = vmond_status_format(&v->st), *xml;
	int ret;

	if (!text)
		return -ENOMEM;
	path_of(path, sizeof(path), d->p.status, v->name, ".status");
	ret = vmon_atomic_write(path, text, strlen(text), 0600);
	free(text);
	if (ret)
		vmond_log("%s: cannot write '%s': %s", v->name, path, strerror(-ret));
	/* The running definition, read back after a restart (reconnect.c). */
	xml = vmon_domain_format(v->def, 0);
	if (!xml)
		return ret ? ret : -ENOMEM;
	path_of(path, sizeof(path), d->p.status, v->name, ".xml");
	if (!ret)
		ret = vmon_atomic_write(path, xml, strlen(xml), 0600);
	free(xml);
	return ret;
}

void vmond_remove_status(struct vmond *d, struct vdom *v)
{
	char path[800];

	path_of(path, sizeof(path), d->p.status, v->name, ".status");
	unlink(path);
	path_of(path, sizeof(path), d->p.status, v->name, ".xml");
	unlink(path);
}

static void load_one(struct vmond *d, const char *file)
{
	char path[800], link[800];
	struct vmon_xml_error xe = { 0 };
	struct vmon_domain *def;
	size_t len = strlen(file);
	struct vdom *v;

	snprintf(path, sizeof(path), "%s/%s", d->p.domains, file);
	if (vmon_domain_parse_file(path, &def, &xe)) {
		vmond_log("%s:%d:%d: %s (definition skipped)", path, xe.line, xe.column, xe.msg);
		return;
	}
	if (strlen(def->name) != len - 4 || strncmp(def->name, file, len - 4) ||
	    vmond_find(d, def->name)) {
		vmond_log("%s: holds domain '%s', not '%.*s' (skipped)", path, def->name,
			  (int)(len - 4), file);
		vmon_domain_free(def);
		return;
	}
	v = vmond_add(d, def, true);
	if (!v) {
		vmon_domain_free(def);
		return;
	}
	path_of(link, sizeof(link), d->p.autostart, v->name, "");
	v->autostart = access(link, F_OK) == 0;
}

int vmond_load(struct vmond *d)
{
	struct dirent *e;
	DIR *dir = opendir(d->p.domains);

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] != '.' && len > 4 && !strcmp(e->d_name + len - 4, ".xml"))
			load_one(d, e->d_name);
	}
	closedir(dir);
	return 0;
}
