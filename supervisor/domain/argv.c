// SPDX-License-Identifier: GPL-2.0
/* libdomain: the vmon-vmm command line that runs a definition. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmon/domain.h>

#include "priv.h"

#define VMM_MAX_CPUS 64

struct argv_buf {
	char **v;
	size_t n, cap;
	bool oom;
};

static void add(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		a->oom = true;
	else
		a->v[a->n++] = s;
	va_end(ap);
	a->v[a->n] = NULL;
}

static int cannot(struct vmon_xml_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cannot(struct vmon_xml_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	err->line = err->column = 0;
	n = snprintf(err->msg, sizeof(err->msg), "unsupported configuration: ");
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_machine(const struct vmon_domain *d, struct vmon_xml_error *err)
{
	if (!d->kernel)
		return cannot(err, "<os> has no <kernel>: vmon-vmm boots a kernel directly (no "
				   "firmware, no boot from disk)");
	if (d->vcpus_max > VMM_MAX_CPUS)
		return cannot(err, "<vcpu> %u: vmon-vmm runs at most %d vCPUs", d->vcpus_max,
			      VMM_MAX_CPUS);
	if (d->memory_kib % 1024)
		return cannot(err,
			      "<memory> %llu KiB is not a whole number of MiB (vmon-vmm takes MiB)",
			      (unsigned long long)d->memory_kib);
	if (d->current_memory_kib < d->memory_kib && !d->balloon)
		return cannot(err,
			      "<currentMemory> below <memory> needs a <memballoon model='virtio'>");
	if (d->clock_offset && strcmp(d->clock_offset, "utc"))
		return cannot(err, "<clock offset='%s'>: the vmon-vmm RTC keeps UTC only",
			      d->clock_offset);
	return 0;
}

/* What vmon-vmm's serial= takes: 1 to 20 printable ASCII characters, no comma. */
static bool serial_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ',')
			return false;
	return n && n <= 20;
}

/*
 * <driver error_policy= rerror_policy=> as libvirt gives them to QEMU: the
 * first for writes, and for reads too unless the second is there (and it
 * is not enospace, which is for writes only). Into @buf, ",werror=...".
 */
static int error_opts(const struct vmon_disk *k, const char *limits, char *buf, size_t len,
		      struct vmon_xml_error *err)
{
	static const char *const vmm[] = { "", "stop", "report", "", "enospc" };
	enum vmon_disk_error w = k->error_policy, r = k->rerror_policy;

	*buf = 0;
	if (!r && w != VMON_ERR_ENOSPACE)
		r = w;
	if (w == VMON_ERR_IGNORE || r == VMON_ERR_IGNORE)
		return cannot(err,
			      "disk '%s': error policy 'ignore': vmon-vmm never tells the guest "
			      "that a failed request succeeded (stop, report, enospace)",
			      k->target);
	if ((w == VMON_ERR_STOP || w == VMON_ERR_ENOSPACE || r == VMON_ERR_STOP) && *limits)
		return cannot(err,
			      "disk '%s': an error policy that stops the guest and <iotune> limits "
			      "together: the limits are vmon-blk's, which reports failed requests "
			      "itself",
			      k->target);
	snprintf(buf, len, "%s%s%s%s", w ? ",werror=" : "", vmm[w], r ? ",rerror=" : "", vmm[r]);
	return 0;
}

static int add_disk(struct argv_buf *a, const struct vmon_disk *k, struct vmon_xml_error *err)
{
	const char *cache = "";
	char limits[400], why[300], errs[40];

	if (iotune_disk_opts(k, limits, sizeof(limits), why, sizeof(why)))
		return cannot(err, "%s", why);
	if (error_opts(k, limits, errs, sizeof(errs), err))
		return -1;
	if (k->serial && !serial_ok(k->serial))
		return cannot(err,
			      "disk '%s': <serial>%.32s</serial>: virtio gives a disk an ID of 1 "
			      "to 20 characters, with no space or comma",
			      k->target, k->serial);
	if (k->cache == VMON_CACHE_NONE)
		cache = ",cache=none";
	else if (k->cache == VMON_CACHE_WRITEBACK)
		cache = ",cache=writeback";
	else if (k->cache != VMON_CACHE_DEFAULT)
		return cannot(
			err,
			"disk '%s': this <driver cache=...> mode: vmon-vmm has none and writeback",
			k->target);
	if (!k->source)
		return cannot(err,
			      "disk '%s': volume '%s' of pool '%s' has no path yet (vmond finds it "
			      "at start)",
			      k->target, k->volume, k->pool);
	if (strchr(k->source, ','))
		return cannot(
			err,
			"disk '%s': source '%s' has a comma, which the --disk option cannot carry",
			k->target, k->source);
	add(a, "--disk");
	add(a, "%s%s,format=%s%s%s%s%s%s", k->source, k->readonly ? ",ro" : "",
	    k->format == VMON_DISK_QCOW2 ? "qcow2" : "raw", cache, k->serial ? ",serial=" : "",
	    k->serial ? k->serial : "", limits, errs);
	return 0;
}

static int add_iface(struct argv_buf *a, const struct vmon_interface *f, const char *tap,
		     struct vmon_xml_error *err)
{
	if (f->type == VMON_IF_NETWORK && !tap)
		return cannot(
			err,
			"interface %s: type='network' (network '%s') needs vmond, which puts a "
			"tap on the network's bridge",
			f->mac_str, f->source);
	if (!tap)
		tap = f->target;
	if (!tap)
		return cannot(err, "interface %s: no tap device (vmond creates one for type='%s')",
			      f->mac_str, f->type == VMON_IF_BRIDGE ? "bridge" : "ethernet");
	add(a, "--net");
	add(a, "tap=%s,mac=%s%s", tap, f->mac_str, f->vhost ? ",backend=vhost" : "");
	return 0;
}

/*
 * The VMM's own endpoints, which a restore takes anew (the last given
 * wins): its API socket and console, then (@rest) the virtio console's
 * and the agent's sockets and the sandbox switch.
 */
static void add_endpoints(struct argv_buf *a, const struct vmon_domain *d,
			  const struct vmon_vmm_opts *o, bool rest)
{
	if (!rest) {
		add(a, "--api");
		add(a, "%s", o->api_socket);
		add(a, "--console");
		add(a, "%s",
		    o->console			      ? o->console
		    : d->serial_pty || d->console_pty ? "pty"
						      : "none");
		return;
	}
	if (d->virtio_console) {
		add(a, "--hvc");
		add(a, "%s", o->hvc ? o->hvc : "pty");
	}
	if (d->agent_path && o->agent_socket) {
		add(a, "--agent");
		add(a, "%s", o->agent_socket);
	}
	if (o->no_seccomp)
		add(a, "--no-seccomp");
}

static void add_machine(struct argv_buf *a, const struct vmon_domain *d)
{
	/*
	 * on_crash preserve: the guest stays in its panic (no reboot), for
	 * vmond to see "panicked" in the VMM's status.
	 */
	bool keep = d->on_crash == VMON_ACTION_PRESERVE;

	add(a, "--kernel");
	add(a, "%s", d->kernel);
	if (d->initrd) {
		add(a, "--initrd");
		add(a, "%s", d->initrd);
	}
	if (d->cmdline || keep) {
		add(a, "--append");
		add(a, "%s%s%s", d->cmdline ? d->cmdline : "", d->cmdline && keep ? " " : "",
		    keep ? "panic=0" : "");
	}
	/* <vcpu current='N'>M</vcpu>: N at boot, up to M by hot add (setvcpus) */
	add(a, "--cpus");
	add(a, "%u", d->vcpus_current);
	if (d->vcpus_current < d->vcpus_max) {
		add(a, "--max-cpus");
		add(a, "%u", d->vcpus_max);
	}
	add(a, "--memory");
	add(a, "%llu", (unsigned long long)(d->memory_kib / 1024));
}

int vmon_domain_vmm_argv(const struct vmon_domain *d, const struct vmon_vmm_opts *o, char ***argv,
			 struct vmon_xml_error *err)
{
	struct argv_buf a = { 0 };
	int rc = 0;

	*argv = NULL;
	if (!o->api_socket)
		return cannot(err, "no API socket given for the VMM");
	add(&a, "%s", o->vmm_path ? o->vmm_path : "vmon-vmm");
	add(&a, "--name");
	add(&a, "%s", d->name);
	if (o->restore_dir) {
		/*
		 * The saved command line is the machine (vmon-vmm --restore
		 * reads it first); repeating a --disk or --net would add a
		 * device. Only the endpoints are given again.
		 */
		add(&a, "--restore");
		add(&a, "%s", o->restore_dir);
		add_endpoints(&a, d, o, false);
		add_endpoints(&a, d, o, true);
		goto out;
	}
	if (check_machine(d, err))
		return -1;
	add_machine(&a, d);
	add_endpoints(&a, d, o, false);
	for (size_t i = 0; !rc && i < d->n_disks; i++)
		rc = add_disk(&a, &d->disks[i], err);
	for (size_t i = 0; !rc && i < d->n_ifaces; i++)
		rc = add_iface(&a, &d->ifaces[i], o->taps ? o->taps[i] : NULL, err);
	if (d->rng)
		add(&a, "--rng");
	if (d->balloon)
		add(&a, "--balloon");
	if (d->hugepages)
		add(&a, "--hugepages");
	if (d->nosharepages)
		add(&a, "--no-merge");
	add_endpoints(&a, d, o, true);
out:
	if (!rc && a.oom)
		rc = cannot(err, "out of memory");
	if (rc) {
		vmon_domain_argv_free(a.v);
		return -1;
	}
	*argv = a.v;
	return 0;
}

void vmon_domain_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}
