// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's start: every status file names a VMM that was running when the
 * previous vmond left. A VMM that is still the same process (pid and start
 * time match) is taken back, never restarted; one that is gone leaves its
 * domain shut off (crashed). Then autostart domains that are not running
 * start, from their managed save if they have one.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vmon/domain.h>

#include "vmond.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, 0, f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The domain of a status file, with the definition it runs with (the XML
 * beside the status): a persistent one keeps its own as v->next; a
 * transient one is made from it.
 */
static struct vdom *domain_of(struct vmond *d, const char *name)
{
	struct vmon_xml_error xe = { 0 };
	struct vmon_domain *def;
	struct vdom *v = vmond_find(d, name);
	char path[800], err[256];

	snprintf(path, sizeof(path), "%s/%s.xml", d->p.status, name);
	if (vmon_domain_parse_file(path, &def, &xe)) {
		vmond_log("%s: %s (%s)", path, xe.msg,
			  v ? "its persistent definition taken as the running one"
			    : "status ignored");
		if (v && vmond_def_started(v, err, sizeof(err)))
			vmond_log("%s", err);
		return v;
	}
	if (v) {
		vmond_def_run(v, def);
		return v;
	}
	v = vmond_add(d, def, false);
	if (!v)
		vmon_domain_free(def);
	return v;
}

/* Take back a VMM that is still the one in the status file. */
static void adopt(struct vmond *d, struct vdom *v)
{
	struct json_object *a = NULL, *s;
	char err[512];

	v->pidfd = (int)syscall(SYS_pidfd_open, v->st.pid, 0);
	if (v->pidfd < 0 || !vmond_status_alive(&v->st)) {
		vmond_vm_ended(d, v);
		return;
	}
	if (v->st.id >= d->next_id)
		d->next_id = v->st.id + 1;
	vmon_domain_set_id(v->def, (int)v->st.id);
	/* <disk type='volume'>: the paths, for stats and vol-delete's check */
	if (vmond_resolve_volumes(d, v, err, sizeof(err)))
		vmond_log("%s: %s", v->name, err);
	if (vmond_vm_watch(d, v))
		return;
	if (v->ds.state == VMON_DS_DYING) {
		/* vmond died in a destroy: finish it, with the reason it had. */
		syscall(SYS_pidfd_send_signal, v->pidfd, SIGKILL, NULL, 0);
		vmond_log("%s: was being destroyed: VMM %d killed", v->name, (int)v->st.pid);
		return;
	}
	/* What the VMM says now: paused or running. */
	if (vmond_vm_call(v, "status", &a, err, sizeof(err)) == 0 &&
	    json_object_object_get_ex(a, "state", &s)) {
		const char *vs = json_object_get_string(s);

		if (!strcmp(vs, "paused"))
			vmond_fact(d, v, VMON_IN_VMM_PAUSED);
		else if (!strcmp(vs, "running"))
			vmond_fact(d, v, VMON_IN_VMM_RESUMED);
	} else {
		vmond_log("%s: %s (state kept)", v->name, err);
	}
	json_object_put(a);
	vmond_log("%s: VMM %d still running, reconnected: %s (%s)", v->name, (int)v->st.pid,
		  vmon_dstate_name(v->ds.state), vmon_dstate_reason_name(v->ds));
}

static void reconnect_one(struct vmond *d, const char *file)
{
	char path[800], name[65], err[256];
	struct vmond_status st;
	struct vdom *v;
	size_t len = strlen(file) - strlen(".status");
	char *text;

	if (len >= sizeof(name))
		return;
	memcpy(name, file, len);
	name[len] = 0;
	snprintf(path, sizeof(path), "%s/%s", d->p.status, file);
	text = slurp(path);
	if (!text || vmond_status_parse(text, &st, err, sizeof(err))) {
		vmond_log("%s: %s (ignored)", path, text ? err : strerror(errno));
		free(text);
		return;
	}
	free(text);
	v = domain_of(d, name);
	if (!v)
		return;
	v->st = st;
	v->ds = (struct vmon_dstate){ (enum vmon_dstate_state)st.state, st.reason };
	v->pidfd = -1;
	v->child = false;
	if (!vdom_active(v)) {
		vmond_log("%s: status names an inactive state (ignored)", path);
		vmond_remove_status(d, v);
		vmond_def_stopped(v);
		if (!v->persistent)
			vmond_drop(d, v);
		return;
	}
	if (!vmond_status_alive(&st)) {
		vmond_log("%s: VMM %d is gone (or its pid was reused)", name, (int)st.pid);
		vmond_vm_ended(d, v);
		return;
	}
	adopt(d, v);
}

void vmond_reconnect(struct vmond *d)
{
	DIR *dir = opendir(d->p.status);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] != '.' && len > 7 && !strcmp(e->d_name + len - 7, ".status"))
			reconnect_one(d, e->d_name);
	}
	closedir(dir);
}

void vmond_autostart(struct vmond *d)
{
	char err[512];

	for (size_t i = 0; i < d->n; i++) {
		struct vdom *v = d->doms[i];

		bool saved;

		if (!v->autostart || vdom_active(v))
			continue;
		/* as libvirt's: a managed save is restored, never booted past */
		saved = vmond_has_managed_save(d, v);
		if (saved ? vmond_start_managed(d, v, NULL, err, sizeof(err))
			  : vmond_vm_start(d, v, false, err, sizeof(err)))
			vmond_log("autostart: %s", err);
		else
			vmond_log("%s: autostarted%s", v->name,
				  saved ? " from its managed save" : "");
	}
}
