// SPDX-License-Identifier: GPL-2.0
/*
 * save, restore, managedsave, managedsave-remove, and start of a domain
 * with a managed save, as virsh has them. A save image is a directory: the
 * VMM's snapshot of the guest (vmon-vmm's snapshot request: DIR/state,
 * DIR/memory, DIR/args, its command line) with, beside it, the domain's
 * XML (DIR/domain.xml) and whether the guest runs or stays paused once
 * restored (DIR/vmond.json). The managed save of domain NAME is
 * /var/lib/vmon/save/NAME; the next start restores it and removes it.
 *
 * Order: the image is complete (the VMM writes each file to a temporary
 * name, syncs and renames it) before the VMM is stopped; a failed save
 * removes what it wrote and the guest runs on. A restore that fails keeps
 * the image.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmon/domain.h>

#include "vmond.h"

#define SAVE_WAIT_MS (10 * 60 * 1000) /* the VMM writes all of guest RAM */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

int vmond_rm_tree(const char *path, char *err, size_t errlen)
{
	if (access(path, F_OK))
		return 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS)) {
		snprintf(err, errlen, "cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int vmond_managed_save_path(struct vmond *d, const struct vdom *v, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/save/%s", d->p.lib, v->name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool vmond_has_managed_save(struct vmond *d, const struct vdom *v)
{
	char path[900], args[1000];

	if (vmond_managed_save_path(d, v, path, sizeof(path)))
		return false;
	snprintf(args, sizeof(args), "%s/args", path);
	return access(args, F_OK) == 0;
}

/* The uid and gid the VMM process runs as (it drops root once built). */
static int vmm_ids(pid_t pid, uid_t *uid, gid_t *gid)
{
	char path[64], line[256];
	unsigned int u = 0, g = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "Uid:\treal\teffective\tsaved\tfs": the effective one */
		if (sscanf(line, "Uid: %*u %u", &u) == 1)
			found |= 1;
		else if (sscanf(line, "Gid: %*u %u", &g) == 1)
			found |= 2;
	}
	fclose(f);
	*uid = u;
	*gid = g;
	if (found != 3) {
		errno = ESRCH; /* gone, or no credentials read */
		return -1;
	}
	return 0;
}

static int fill(struct vdom *v, const char *dir, bool paused, char *err, size_t errlen);

static int write_json(const char *path, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);

	return vmon_atomic_write(path, s, strlen(s), 0600);
}

/*
 * The directory the VMM snapshots into: made here, empty, 0700, owned by
 * the VMM's user; with the domain's XML and the restore's state beside.
 * On failure, what it made is removed, and nothing that was there before
 * is touched.
 */
static int prepare(struct vdom *v, const char *dir, bool paused, char *err, size_t errlen)
{
	char e2[256];

	if (mkdir(dir, 0700) < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", dir,
			 errno == EEXIST ? "it already exists" : strerror(errno));
		return -1;
	}
	if (fill(v, dir, paused, err, errlen)) {
		vmond_rm_tree(dir, e2, sizeof(e2));
		return -1;
	}
	return 0;
}

static int fill(struct vdom *v, const char *dir, bool paused, char *err, size_t errlen)
{
	char path[1100], *xml;
	struct json_object *o;
	uid_t uid;
	gid_t gid;
	int ret;

	if (vmm_ids(v->st.pid, &uid, &gid) || chown(dir, uid, gid) < 0) {
		snprintf(err, errlen, "cannot give '%s' to the VMM's user: %s", dir,
			 strerror(errno));
		return -1;
	}
	xml = vmon_domain_format(v->def, VMON_DOMAIN_XML_INACTIVE);
	if (!xml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/domain.xml", dir);
	ret = vmon_atomic_write(path, xml, strlen(xml), 0600);
	free(xml);
	if (!ret) {
		o = json_object_new_object();
		json_object_object_add(o, "paused", json_object_new_boolean(paused));
		snprintf(path, sizeof(path), "%s/vmond.json", dir);
		ret = write_json(path, o);
		json_object_put(o);
	}
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
		return -1;
	}
	return 0;
}

/*
 * Save running (or paused) domain @v into @dir, then stop its VMM: shut
 * off (saved). The guest stays paused after the restore if @paused_after
 * is 1, runs if 0, keeps its state of now if -1.
 */
static int save_to(struct vmond *d, struct vdom *v, const char *dir, int paused_after, char *err,
		   size_t errlen)
{
	bool paused = paused_after < 0 ? v->ds.state == VMON_DS_PAUSED : paused_after;
	struct vmon_dstate was = v->ds;
	struct vmon_dstate_result r;
	struct json_object *req;
	char e2[512];
	int ret, dfd;

	if (vmond_next(v, VMON_IN_SAVE, &r, err, errlen))
		return -1;
	if (prepare(v, dir, paused, err, errlen))
		return -1;
	vmond_commit(d, v, &r); /* paused (saving) */
	/*
	 * Paused first and until the VMM is gone: a guest that ran on after
	 * its snapshot would write to its disks past the saved moment.
	 */
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("snapshot"));
	json_object_object_add(req, "path", json_object_new_string(dir));
	/*
	 * The directory goes to the VMM open: its user need not be able to
	 * reach it by its path (a save under /root).
	 */
	json_object_object_add(req, "fd", json_object_new_boolean(1));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		snprintf(err, errlen, "cannot open '%s': %s", dir, strerror(errno));
	ret = dfd < 0 || vmond_vm_call(v, "pause", NULL, err, errlen) ||
	      vmond_vm_call_fd(v, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), dfd,
			       NULL, SAVE_WAIT_MS, err, errlen);
	if (dfd >= 0)
		close(dfd);
	json_object_put(req);
	if (ret) {
		vmond_rm_tree(dir, e2, sizeof(e2));
		vmond_log("%s: save to %s failed: %s", v->name, dir, err);
		if (was.state != VMON_DS_PAUSED &&
		    vmond_next(v, VMON_IN_SAVE_FAILED, &r, e2, sizeof(e2)) == 0 &&
		    vmond_vm_call(v, "resume", NULL, e2, sizeof(e2)) == 0) {
			vmond_commit(d, v, &r); /* libvirt's "running (save canceled)" */
			return -1;
		}
		/*
		 * A paused guest stays as it was; one the VMM would not resume
		 * is paused (api error), never left "saving", which nothing
		 * watches.
		 */
		if (was.state != VMON_DS_PAUSED)
			was = (struct vmon_dstate){ VMON_DS_PAUSED, VMON_PAUSED_API_ERROR };
		r = (struct vmon_dstate_result){ .next = was, .ev = { { -1, 0 }, { -1, 0 } } };
		vmond_commit(d, v, &r);
		return -1;
	}
	vmond_log("%s: saved to %s", v->name, dir);
	if (vmond_next(v, VMON_IN_SAVED, &r, err, errlen))
		return -1;
	return vmond_vm_kill(d, v, false, &r, err, errlen);
}

/* --running / --paused of a request: 0, 1, or -1 for neither. */
static int paused_flag(struct json_object *req, char *err, size_t errlen)
{
	bool run = vmond_req_flag(req, "running"), pause = vmond_req_flag(req, "paused");

	if (run && pause) {
		snprintf(err, errlen, "Options --running and --paused are mutually exclusive");
		return -2;
	}
	return pause ? 1 : run ? 0 : -1;
}

/* The absolute path in member @key. */
static const char *req_path(struct json_object *req, const char *key, char *err, size_t errlen)
{
	struct json_object *p;
	const char *s;

	if (!json_object_object_get_ex(req, key, &p) || !json_object_is_type(p, json_type_string)) {
		snprintf(err, errlen, "request has no string member \"%s\"", key);
		return NULL;
	}
	s = json_object_get_string(p);
	if (s[0] != '/' || strlen(s) > 800) {
		snprintf(err, errlen, "invalid argument: '%.64s' is not an absolute path", s);
		return NULL;
	}
	return s;
}

int vmond_req_save(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		   size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	const char *dir = req_path(req, "path", err, errlen);
	int paused = paused_flag(req, err, errlen);

	if (!v || !dir || paused < -1)
		return -1;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	json_object_object_add(r, "path", json_object_new_string(dir));
	return save_to(d, v, dir, paused, err, errlen);
}

int vmond_req_managedsave(struct vmond *d, struct json_object *req, struct json_object *r,
			  char *err, size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	int paused = paused_flag(req, err, errlen);
	char dir[900], e2[512];

	if (!v || paused < -1)
		return -1;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	if (!v->persistent) {
		snprintf(err, errlen,
			 "Requested operation is not valid: cannot do managed save for transient "
			 "domain");
		return -1;
	}
	if (vmond_managed_save_path(d, v, dir, sizeof(dir))) {
		snprintf(err, errlen, "domain '%s': path of its managed save too long", v->name);
		return -1;
	}
	/* a left-over of a save that was cut short (no args: not an image) */
	if (vdom_active(v) && !vmond_has_managed_save(d, v) && vmond_rm_tree(dir, e2, sizeof(e2)))
		vmond_log("%s: %s", v->name, e2);
	return save_to(d, v, dir, paused, err, errlen);
}

int vmond_req_managedsave_remove(struct vmond *d, struct json_object *req, struct json_object *r,
				 char *err, size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	char dir[900];

	if (!v)
		return -1;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	json_object_object_add(r, "had_image",
			       json_object_new_boolean(vmond_has_managed_save(d, v)));
	if (vmond_managed_save_path(d, v, dir, sizeof(dir))) {
		snprintf(err, errlen, "domain '%s': path of its managed save too long", v->name);
		return -1;
	}
	return vmond_rm_tree(dir, err, errlen);
}

/* DIR/vmond.json's "paused"; false if it cannot be read. */
static bool saved_paused(const char *dir)
{
	char path[1000];
	struct json_object *o, *p;
	bool paused = false;

	snprintf(path, sizeof(path), "%s/vmond.json", dir);
	o = json_object_from_file(path);
	if (o && json_object_object_get_ex(o, "paused", &p))
		paused = json_object_get_boolean(p);
	json_object_put(o);
	return paused;
}

int vmond_start_managed(struct vmond *d, struct vdom *v, struct json_object *req, char *err,
			size_t errlen)
{
	int paused = paused_flag(req, err, errlen);
	char dir[900], e2[512], path[1000];
	struct vmon_xml_error xe = { 0 };
	struct vmon_domain *def;

	if (paused < -1 || vmond_managed_save_path(d, v, dir, sizeof(dir))) {
		if (paused >= -1)
			snprintf(err, errlen, "domain '%s': managed save path too long", v->name);
		return -1;
	}
	/* the guest runs with the definition it was saved with; its own is kept */
	snprintf(path, sizeof(path), "%s/domain.xml", dir);
	if (vmon_domain_parse_file(path, &def, &xe)) {
		vmond_log("%s: %s: %s (its definition taken instead)", v->name, path, xe.msg);
	} else {
		vmond_def_run(v, def);
	}
	if (vmond_vm_restore(d, v, dir, paused < 0 ? saved_paused(dir) : paused, err, errlen)) {
		vmond_log("%s: start from the managed save failed: %s", v->name, err);
		snprintf(err + strlen(err), errlen - strlen(err),
			 " (the managed save is kept: 'start --force-boot' boots afresh)");
		return -1;
	}
	/* the VMM has read its state and memory: the image is spent */
	if (vmond_rm_tree(dir, e2, sizeof(e2)))
		vmond_log("%s: %s", v->name, e2);
	return 0;
}

int vmond_req_restore(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen)
{
	const char *dir = req_path(req, "path", err, errlen);
	int paused = paused_flag(req, err, errlen);
	struct vmon_xml_error xe = { 0 };
	struct vmon_domain *def;
	struct vdom *v;
	char path[1000];

	if (!dir || paused < -1)
		return -1;
	snprintf(path, sizeof(path), "%s/args", dir);
	if (access(path, R_OK)) {
		snprintf(err, errlen, "'%s' is not a vmon save image: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/domain.xml", dir);
	if (vmon_domain_parse_file(path, &def, &xe)) {
		snprintf(err, errlen, "'%s': the domain XML of the save image: %s", dir, xe.msg);
		return -1;
	}
	v = vmond_run_def(d, def, err, errlen); /* a defined domain runs as it was saved */
	if (!v)
		return -1;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	json_object_object_add(r, "path", json_object_new_string(dir));
	if (vmond_vm_restore(d, v, dir, paused < 0 ? saved_paused(dir) : paused, err, errlen)) {
		if (!v->persistent)
			vmond_drop(d, v);
		return -1;
	}
	return 0;
}
