// SPDX-License-Identifier: GPL-2.0
/*
 * vmon install: virt-install's one command that makes a guest's disks,
 * writes its domain XML, defines it with vmond and starts it. A failure at
 * any step removes what the command created and names the step.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmon/cli.h>
#include <vmon/qcow2.h>

#include "install.h"
#include "vmond_client.h"

int vmon_console_attach(const char *name, const char *sock);

void install_usage(FILE *f)
{
	fprintf(f,
		"usage: vmon install --name NAME --memory MiB --boot kernel=PATH[,...] "
		"[OPTION...]\n"
		"\n"
		"Create a guest in one command, as virt-install does: make its disks, write its\n"
		"domain XML, define it with vmond and start it.\n"
		"\n"
		"  -n, --name NAME         the domain's name (required)\n"
		"  -m, --memory MiB        memory in MiB (required); "
		"memory=MAX,currentMemory=CUR,\n"
		"                          or N,maxmemory=MAX: the balloon's range\n"
		"      --vcpus N[,maxvcpus=M]  vCPUs (default 1)\n"
		"      --boot kernel=PATH[,initrd=PATH][,kernel_args=\"...\"]  direct kernel boot\n"
		"      --disk OPTS         path=FILE[,size=GiB][,format=qcow2|raw][,cache=MODE]\n"
		"                          [,backing_store=PATH][,bus=virtio][,readonly];\n"
		"                          pool=NAME,size=GiB (a new volume); vol=POOL/NAME;\n"
		"                          a bare PATH; none. Repeat for more disks\n"
		"      --import            use the disks as they are (create none)\n"
		"  -w, --network OPTS      network=NAME | bridge=BR | none, "
		"[,mac=][,model=virtio]\n"
		"                          (default: network=default). Repeat for more NICs\n"
		"      --rng DEV           /dev/urandom, /dev/random or none (default none)\n"
		"      --memballoon MODEL  virtio (default) or none\n"
		"      --channel unix,target.type=virtio,name=org.qemu.guest_agent.0\n"
		"      --osinfo ID         the guest OS (--os-variant); recorded in the metadata\n"
		"      --autostart         start the domain with vmond\n"
		"      --transient         a transient domain: no definition is kept\n"
		"      --noautoconsole     do not attach to the console (without a terminal: "
		"never)\n"
		"      --wait MINUTES      wait for the guest to shut off (-1: without limit)\n"
		"      --print-xml         print the domain XML; create and define nothing\n"
		"      --dry-run           check everything, say what would be done, do nothing\n"
		"  -c, --connect URI       vmond: a socket or URI (default vmon:///system)\n"
		"  -h, --help              this text\n"
		"\n"
		"virt-install's --cdrom, --location, --pxe, --graphics, --cpu and the other "
		"options\n"
		"vmon-vmm has no use for are refused by name, with what to use instead.\n");
}

/* What this run created, undone in reverse on a failure. */
struct undo {
	const char *files[INST_MAX_DISKS];
	unsigned int n_files;
	const char *vols[INST_MAX_DISKS][2]; /* pool, name */
	unsigned int n_vols;
	bool defined;
};

static int request(const char *step, const struct inst *in, const char *cmd,
		   struct json_object *req, struct json_object **answer)
{
	struct json_object *a = NULL;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (vmond_request("install", in->sock, false, req, &a)) {
		vmon_err("install: the step that failed: %s", step);
		return -1;
	}
	if (answer)
		*answer = a;
	else
		json_object_put(a);
	return 0;
}

static struct json_object *dom_req(const char *name)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "domain", json_object_new_string(name));
	return r;
}

static void undo(const struct inst *in, struct undo *u)
{
	if (u->defined)
		request("undefining the domain again", in, "undefine", dom_req(in->name), NULL);
	while (u->n_vols--) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "pool", json_object_new_string(u->vols[u->n_vols][0]));
		json_object_object_add(r, "vol", json_object_new_string(u->vols[u->n_vols][1]));
		request("deleting the new volume again", in, "vol-delete", r, NULL);
		fprintf(stderr, "vmon: install: removed volume %s/%s\n", u->vols[u->n_vols][0],
			u->vols[u->n_vols][1]);
	}
	while (u->n_files--) {
		if (unlink(u->files[u->n_files]))
			vmon_err("install: cannot remove '%s': %s", u->files[u->n_files],
				 strerror(errno));
		else
			fprintf(stderr, "vmon: install: removed %s\n", u->files[u->n_files]);
	}
}

/*
 * vol=POOL/NAME: vmond resolves the path at start; the format the domain
 * must say is the volume's own, asked of vmond unless format= gave it.
 */
static int vol_format(const struct inst *in, struct inst_disk *d)
{
	struct json_object *r, *a, *f;
	char pool[256];

	if (d->format)
		return 0;
	snprintf(pool, sizeof(pool), "%.*s", (int)(strchr(d->vol, '/') - d->vol), d->vol);
	r = json_object_new_object();
	json_object_object_add(r, "cmd", json_object_new_string("vol-lookup"));
	json_object_object_add(r, "pool", json_object_new_string(pool));
	json_object_object_add(r, "vol", json_object_new_string(strchr(d->vol, '/') + 1));
	if (vmond_request("install", in->sock, true, r, &a)) {
		vmon_err("install: --disk vol=%s: its format is not known (give format=)", d->vol);
		return -1;
	}
	if (json_object_object_get_ex(a, "format", &f))
		d->format = strdup(json_object_get_string(f));
	json_object_put(a);
	return d->format ? 0 : -1;
}

/* Decide what each disk is: its target, whether it is made, its format. */
static int plan_disk(struct inst *in, unsigned int i)
{
	struct inst_disk *d = &in->disks[i];
	struct stat st;
	struct vimg *img;

	snprintf(d->target, sizeof(d->target), "vd%c", 'a' + i);
	if (d->pool) {
		char name[300];

		if (i)
			snprintf(name, sizeof(name), "%s-%u.qcow2", in->name, i);
		else
			snprintf(name, sizeof(name), "%s.qcow2", in->name);
		d->vol_name = strdup(name);
		return d->vol_name ? 0 : -1;
	}
	if (d->vol)
		return vol_format(in, d);
	if (stat(d->path, &st) == 0) {
		if (d->size || d->backing) {
			vmon_err("install: --disk path=%s exists: drop size=/backing_store= to use "
				 "it as it is",
				 d->path);
			return -1;
		}
		if (S_ISBLK(st.st_mode)) {
			if (!d->format && !(d->format = strdup("raw")))
				return -1;
			return 0;
		}
		if (vimg_open(d->path, d->format, 0, &img)) {
			vmon_err("install: --disk path=%s: %s", d->path, vimg_strerror());
			return -1;
		}
		if (!d->format)
			d->format = strdup(vimg_format(img) == VIMG_QCOW2 ? "qcow2" : "raw");
		vimg_close(img);
		return d->format ? 0 : -1;
	}
	if (errno != ENOENT || in->import || (!d->size && !d->backing)) {
		vmon_err("install: --disk path=%s: %s", d->path,
			 errno != ENOENT ? strerror(errno)
			 : in->import	 ? "no such file to import"
					 : "no such file; give size= (GiB) to create it");
		return -1;
	}
	if (!strncmp(d->path, "/dev/", 5)) {
		vmon_err("install: --disk path=%s: a block device is not created", d->path);
		return -1;
	}
	if (d->backing && d->format && strcmp(d->format, "qcow2")) {
		vmon_err("install: --disk path=%s: backing_store= needs format=qcow2", d->path);
		return -1;
	}
	d->create = true;
	if (!d->format && !(d->format = strdup("qcow2")))
		return -1;
	return 0;
}

static int create_disk(const struct inst *in, const struct inst_disk *d, struct undo *u)
{
	struct vimg_create_opts o = { 0 };

	if (d->pool) {
		struct json_object *r = json_object_new_object();
		char cap[32];

		snprintf(cap, sizeof(cap), "%" PRIu64, d->size);
		json_object_object_add(r, "pool", json_object_new_string(d->pool));
		json_object_object_add(r, "name", json_object_new_string(d->vol_name));
		json_object_object_add(r, "capacity", json_object_new_string(cap));
		json_object_object_add(r, "format",
				       json_object_new_string(d->format ? d->format : "qcow2"));
		if (request("creating the disk volume", in, "vol-create-as", r, NULL))
			return -1;
		u->vols[u->n_vols][0] = d->pool;
		u->vols[u->n_vols++][1] = d->vol_name;
		printf("Created volume %s/%s (%" PRIu64 " bytes)\n", d->pool, d->vol_name, d->size);
		return 0;
	}
	if (!d->create)
		return 0;
	o.fmt = strcmp(d->format, "qcow2") ? VIMG_RAW : VIMG_QCOW2;
	o.size = d->size;
	o.backing_file = d->backing;
	o.backing_fmt = d->backing_format;
	if (d->backing && !d->size) {
		struct vimg *b;

		if (vimg_open(d->backing, d->backing_format, 0, &b)) {
			vmon_err("install: --disk backing_store=%s: %s", d->backing,
				 vimg_strerror());
			vmon_err("install: the step that failed: creating the disk %s", d->path);
			return -1;
		}
		o.size = vimg_size(b);
		vimg_close(b);
	}
	if (vimg_create(d->path, &o)) {
		vmon_err("install: cannot create '%s': %s", d->path, vimg_strerror());
		vmon_err("install: the step that failed: creating the disk %s", d->path);
		return -1;
	}
	u->files[u->n_files++] = d->path;
	printf("Created %s (%s, %" PRIu64 " bytes%s%s)\n", d->path, d->format, o.size,
	       d->backing ? ", backing " : "", d->backing ? d->backing : "");
	return 0;
}

static void dry_run(const struct inst *in)
{
	for (unsigned int i = 0; i < in->n_disks; i++) {
		const struct inst_disk *d = &in->disks[i];

		if (d->pool)
			printf("would create volume %s/%s, %" PRIu64 " bytes, qcow2\n", d->pool,
			       d->vol_name, d->size);
		else if (d->create)
			printf("would create %s, %s%s%s\n", d->path, d->format,
			       d->backing ? ", backing " : "", d->backing ? d->backing : "");
	}
	printf("would %s domain '%s'%s\n",
	       in->transient ? "create (transient) and start" : "define and start", in->name,
	       in->autostart ? ", autostarted" : "");
	printf("Dry run completed successfully\n");
}

/*
 * The domain's state from vmond's list, "" when it is not there (a
 * transient domain is gone once its guest powered off); NULL when vmond
 * does not answer.
 */
static const char *list_state(const struct inst *in, char *buf, size_t len)
{
	struct json_object *r = json_object_new_object(), *a, *doms, *v;

	json_object_object_add(r, "cmd", json_object_new_string("list"));
	if (vmond_request("install", in->sock, true, r, &a))
		return NULL;
	*buf = 0;
	if (json_object_object_get_ex(a, "domains", &doms))
		for (size_t i = 0; i < json_object_array_length(doms); i++) {
			struct json_object *o = json_object_array_get_idx(doms, i);

			if (json_object_object_get_ex(o, "name", &v) &&
			    !strcmp(json_object_get_string(v), in->name) &&
			    json_object_object_get_ex(o, "state", &v))
				snprintf(buf, len, "%s", json_object_get_string(v));
		}
	json_object_put(a);
	return buf;
}

/* --wait: until the domain is shut off (or gone), or the minutes pass. */
static int wait_off(const struct inst *in)
{
	long limit = in->wait_minutes < 0 ? -1 : in->wait_minutes * 60L;
	char state[64];

	if (limit < 0)
		printf("Waiting for the domain to shut off.\n");
	else
		printf("Waiting %d minutes for the domain to shut off.\n", in->wait_minutes);
	fflush(stdout);
	for (long t = 0; limit < 0 || t < limit; t++) {
		const char *s = list_state(in, state, sizeof(state));

		if (!s)
			return VMON_EXIT_FAIL;
		if (!*s || !strcmp(s, "shut off")) {
			printf("Domain has shutdown. Continuing.\n");
			return VMON_EXIT_OK;
		}
		sleep(1);
	}
	vmon_err("install: the domain did not shut off within %d minutes", in->wait_minutes);
	return VMON_EXIT_FAIL;
}

static int run(struct inst *in, const char *xml)
{
	struct undo u = { 0 };
	struct json_object *r;

	printf("Starting install...\n");
	for (unsigned int i = 0; i < in->n_disks; i++)
		if (create_disk(in, &in->disks[i], &u))
			goto fail;
	r = json_object_new_object();
	json_object_object_add(r, "xml", json_object_new_string(xml));
	if (in->transient) {
		if (request("creating the transient domain", in, "create", r, NULL))
			goto fail;
	} else {
		if (request("defining the domain", in, "define", r, NULL))
			goto fail;
		u.defined = true;
		if (in->autostart && request("marking the domain autostarted", in, "autostart",
					     dom_req(in->name), NULL))
			goto fail;
		if (request("starting the domain", in, "start", dom_req(in->name), NULL))
			goto fail;
	}
	printf("Creating domain...\nDomain '%s' started\n", in->name);
	fflush(stdout);
	if (!in->noautoconsole && isatty(0) && isatty(1))
		return vmon_console_attach(in->name, in->sock);
	if (in->wait_given && in->wait_minutes != 0)
		return wait_off(in);
	printf("Domain creation completed.\n");
	return VMON_EXIT_OK;
fail:
	undo(in, &u);
	return VMON_EXIT_FAIL;
}

/* The kernel and initrd must be there to be booted (as virt-install checks). */
static int check_boot(const struct inst *in)
{
	const char *f[] = { in->kernel, in->initrd };
	const char *what[] = { "kernel", "initrd" };

	for (int i = 0; i < 2; i++)
		if (f[i] && access(f[i], R_OK)) {
			vmon_err("install: --boot %s=%s: %s", what[i], f[i], strerror(errno));
			return -1;
		}
	return 0;
}

int vmon_cmd_install(int argc, char **argv);
int vmon_cmd_install(int argc, char **argv)
{
	struct inst in;
	char *xml = NULL;
	int ret = install_parse(argc, argv, &in);

	if (ret >= INSTALL_STOP) {
		install_free(&in);
		return ret - INSTALL_STOP;
	}
	if (!ret && check_boot(&in))
		ret = VMON_EXIT_FAIL;
	for (unsigned int i = 0; !ret && i < in.n_disks; i++)
		if (plan_disk(&in, i))
			ret = VMON_EXIT_FAIL;
	if (!ret && !(xml = install_xml(&in)))
		ret = VMON_EXIT_FAIL;
	if (!ret) {
		if (in.print_xml)
			fputs(xml, stdout);
		else if (in.dry_run)
			dry_run(&in);
		else
			ret = run(&in, xml);
	}
	free(xml);
	install_free(&in);
	return ret;
}
