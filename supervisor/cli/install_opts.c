// SPDX-License-Identifier: GPL-2.0
/*
 * vmon install's command line: virt-install's option names and their
 * "key=value,key=value" sub-options, for what vmon-vmm can run. What
 * virt-install has and we do not is refused by name, with what to use
 * instead; nothing is silently ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>
#include <vmon/storage.h>

#include "install.h"

#define MAX_KV 16

struct kv {
	char *key, *val; /* val NULL for a bare word */
};

/*
 * Split @arg at the commas outside quotes into @kv (pointers into @buf, a
 * copy of @arg that the caller frees); quotes around a value are dropped,
 * so kernel_args="console=ttyS0,115200 quiet" keeps its comma. The count,
 * or -1 after naming the option.
 */
static int split(const char *opt, const char *arg, char **buf, struct kv *kv)
{
	char *s = strdup(arg), *w, *r;
	int n = 0;

	*buf = s;
	if (!s)
		return -1;
	for (r = w = s;; r++) {
		if (*r == '"' || *r == '\'') {
			char q = *r, *end = strchr(r + 1, q);

			if (!end) {
				vmon_err("install: --%s: unbalanced %c in '%s'", opt, q, arg);
				return -1;
			}
			memmove(w, r + 1, (size_t)(end - r - 1));
			w += end - r - 1;
			r = end;
			continue;
		}
		if (*r && *r != ',') {
			*w++ = *r;
			continue;
		}
		if (n == MAX_KV) {
			vmon_err("install: --%s: more than %d sub-options in '%s'", opt, MAX_KV,
				 arg);
			return -1;
		}
		kv[n].key = NULL;
		n++;
		if (!*r)
			break;
		*w++ = 0;
	}
	*w = 0;
	/* second pass: the words are NUL-separated in s */
	w = s;
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w, '=');

		kv[i].key = w;
		kv[i].val = NULL;
		if (eq) {
			*eq = 0;
			kv[i].val = eq + 1;
		}
		w += strlen(w) + (eq ? strlen(eq + 1) + 1 : 0) + 1;
		if (!*kv[i].key) {
			vmon_err("install: --%s: empty sub-option in '%s'", opt, arg);
			return -1;
		}
	}
	return n;
}

static int bad_sub(const char *opt, const struct kv *k, const char *known)
{
	vmon_err("install: --%s: unknown sub-option '%s' (known: %s)", opt, k->key, known);
	return -1;
}

static int need_val(const char *opt, const struct kv *k)
{
	if (k->val && *k->val)
		return 0;
	vmon_err("install: --%s: '%s' wants a value (%s=...)", opt, k->key, k->key);
	return -1;
}

static int set_str(char **dst, const char *opt, const struct kv *k)
{
	if (need_val(opt, k))
		return -1;
	free(*dst);
	*dst = strdup(k->val);
	return *dst ? 0 : -1;
}

static int parse_uint(const char *opt, const char *what, const char *s, unsigned long long max,
		      unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s || *end || *out == 0 || *out > max || *s == '-') {
		vmon_err("install: --%s: %s '%s' is not a whole number from 1 to %llu", opt, what,
			 s, max);
		return -1;
	}
	return 0;
}

/* size= of --disk: GiB as virt-install, fractions allowed ("0.5"). */
static int parse_gib(const char *s, uint64_t *bytes)
{
	char *end;
	double g;

	errno = 0;
	g = strtod(s, &end);
	if (errno || end == s || *end || !(g > 0) || g > 1024.0 * 1024) {
		vmon_err("install: --disk: size '%s' is not a size in GiB (e.g. size=8 or "
			 "size=0.5)",
			 s);
		return -1;
	}
	*bytes = ((uint64_t)(g * 1024 * 1024 * 1024) + 511) & ~511ull;
	return 0;
}

/* --memory N | memory=N[,currentMemory=N][,maxmemory=N], MiB. */
static int opt_memory(const char *arg, struct inst *in)
{
	unsigned long long v, mem = 0, cur = 0, max = 0;
	struct kv kv[MAX_KV];
	char *buf;
	int n = split("memory", arg, &buf, kv), rc = n < 0 ? -1 : 0;

	for (int i = 0; i < n && !rc; i++) {
		const char *val = kv[i].val;

		if (!val && i == 0)
			val = kv[i].key; /* the plain number */
		else if (need_val("memory", &kv[i])) {
			rc = -1;
			break;
		}
		rc = parse_uint("memory", kv[i].val ? kv[i].key : "memory (MiB)", val, 1ull << 24,
				&v);
		if (rc)
			break;
		if (!kv[i].val || !strcmp(kv[i].key, "memory"))
			mem = v;
		else if (!strcmp(kv[i].key, "currentMemory"))
			cur = v;
		else if (!strcmp(kv[i].key, "maxmemory"))
			max = v;
		else
			rc = bad_sub("memory", &kv[i], "memory, currentMemory, maxmemory");
	}
	free(buf);
	if (rc)
		return -1;
	/*
	 * vmon-vmm has no memory hotplug (libvirt's <maxMemory>): maxmemory=
	 * is the balloon's ceiling, <memory>, with the plain value current.
	 */
	if (max) {
		if (cur) {
			vmon_err("install: --memory: give maxmemory= or currentMemory=, not both");
			return -1;
		}
		cur = mem ? mem : max;
		mem = max;
	}
	if (!mem)
		mem = cur;
	if (!cur)
		cur = mem;
	if (cur > mem) {
		vmon_err("install: --memory: the current memory (%llu MiB) is above the maximum "
			 "(%llu MiB)",
			 cur, mem);
		return -1;
	}
	in->memory_mib = mem;
	in->current_mib = cur;
	return 0;
}

/* --vcpus N[,maxvcpus=M] | vcpus=N[,maxvcpus=M]. */
static int opt_vcpus(const char *arg, struct inst *in)
{
	unsigned long long v;
	struct kv kv[MAX_KV];
	char *buf;
	int n = split("vcpus", arg, &buf, kv), rc = n < 0 ? -1 : 0;

	for (int i = 0; i < n && !rc; i++) {
		bool plain = !kv[i].val && i == 0;

		if (!plain && need_val("vcpus", &kv[i])) {
			rc = -1;
			break;
		}
		rc = parse_uint("vcpus", plain ? "vcpus" : kv[i].key, plain ? kv[i].key : kv[i].val,
				255, &v);
		if (rc)
			break;
		if (plain || !strcmp(kv[i].key, "vcpus"))
			in->vcpus = (unsigned int)v;
		else if (!strcmp(kv[i].key, "maxvcpus"))
			in->maxvcpus = (unsigned int)v;
		else if (!strcmp(kv[i].key, "sockets") || !strcmp(kv[i].key, "cores") ||
			 !strcmp(kv[i].key, "threads"))
			rc = (vmon_err("install: --vcpus: %s= is not supported: vmon-vmm's vCPUs "
				       "are one socket of single-threaded cores; give the count",
				       kv[i].key),
			      -1);
		else
			rc = bad_sub("vcpus", &kv[i], "vcpus, maxvcpus");
	}
	free(buf);
	if (rc)
		return -1;
	if (!in->vcpus)
		in->vcpus = in->maxvcpus ? in->maxvcpus : 1;
	if (!in->maxvcpus)
		in->maxvcpus = in->vcpus;
	if (in->vcpus > in->maxvcpus) {
		vmon_err("install: --vcpus: %u vCPUs is more than maxvcpus=%u", in->vcpus,
			 in->maxvcpus);
		return -1;
	}
	return 0;
}

/* @p made absolute in place (vmond resolves nothing against our cwd). */
static int abs_path(char **p)
{
	char *a;

	if (!*p || **p == '/')
		return 0;
	a = vmon_abs_path(*p);
	if (!a) {
		vmon_err("install: '%s': %s", *p, strerror(errno));
		return -1;
	}
	free(*p);
	*p = a;
	return 0;
}

/* The kernel, initrd and disk paths, as the domain XML must have them. */
static int abs_paths(struct inst *in)
{
	if (abs_path(&in->kernel) || abs_path(&in->initrd))
		return -1;
	for (unsigned int i = 0; i < in->n_disks; i++)
		if (abs_path(&in->disks[i].path) || abs_path(&in->disks[i].backing))
			return -1;
	return 0;
}

/* --boot kernel=PATH[,initrd=PATH][,kernel_args="..."]. */
static int opt_boot(const char *arg, struct inst *in)
{
	struct kv kv[MAX_KV];
	char *buf;
	int n = split("boot", arg, &buf, kv), rc = n < 0 ? -1 : 0;

	for (int i = 0; i < n && !rc; i++) {
		const char *k = kv[i].key;

		if (!strcmp(k, "kernel"))
			rc = set_str(&in->kernel, "boot", &kv[i]);
		else if (!strcmp(k, "initrd"))
			rc = set_str(&in->initrd, "boot", &kv[i]);
		else if (!strcmp(k, "kernel_args") || !strcmp(k, "cmdline"))
			rc = set_str(&in->kernel_args, "boot", &kv[i]);
		else if (!strcmp(k, "hd") || !strcmp(k, "cdrom") || !strcmp(k, "network") ||
			 !strcmp(k, "uefi") || !strcmp(k, "loader") || !strcmp(k, "menu"))
			rc = (vmon_err("install: --boot: '%s' is not supported: vmon-vmm has no "
				       "firmware and boots a kernel directly (--boot "
				       "kernel=PATH,initrd=PATH,kernel_args=\"...\")",
				       k),
			      -1);
		else
			rc = bad_sub("boot", &kv[i], "kernel, initrd, kernel_args");
	}
	free(buf);
	return rc;
}

static int disk_sub(struct inst_disk *d, const struct kv *k)
{
	const char *key = k->key;

	if (!strcmp(key, "path"))
		return set_str(&d->path, "disk", k);
	if (!strcmp(key, "pool"))
		return set_str(&d->pool, "disk", k);
	if (!strcmp(key, "vol"))
		return set_str(&d->vol, "disk", k);
	if (!strcmp(key, "backing_store"))
		return set_str(&d->backing, "disk", k);
	if (!strcmp(key, "backing_format"))
		return set_str(&d->backing_format, "disk", k);
	if (!strcmp(key, "format") || !strcmp(key, "driver.type"))
		return set_str(&d->format, "disk", k);
	if (!strcmp(key, "cache") || !strcmp(key, "driver.cache"))
		return set_str(&d->cache, "disk", k);
	if (!strcmp(key, "serial"))
		return set_str(&d->serial, "disk", k);
	if (!strcmp(key, "size"))
		return need_val("disk", k) || parse_gib(k->val, &d->size) ? -1 : 0;
	if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
		d->readonly = !k->val || !strcmp(k->val, "on") || !strcmp(k->val, "yes");
		return 0;
	}
	if (!strcmp(key, "bus") || !strcmp(key, "target.bus")) {
		if (k->val && !strcmp(k->val, "virtio"))
			return 0;
		vmon_err("install: --disk: bus=%s is not supported: vmon-vmm's disks are "
			 "virtio-blk (bus=virtio)",
			 k->val ? k->val : "");
		return -1;
	}
	if (!strcmp(key, "device")) {
		if (k->val && !strcmp(k->val, "disk"))
			return 0;
		vmon_err("install: --disk: device=%s is not supported: vmon-vmm has disks "
			 "only, no cdrom or floppy (boot a kernel with --boot kernel=)",
			 k->val ? k->val : "");
		return -1;
	}
	if (!strcmp(key, "sparse")) /* our new images are always sparse */
		return 0;
	return bad_sub("disk", k,
		       "path, size, format, bus, cache, serial, pool, vol, backing_store, "
		       "backing_format, readonly, device, sparse");
}

/* --disk PATH | none | path=...,size=...,format=...,... */
static int opt_disk(const char *arg, struct inst *in)
{
	struct inst_disk *d;
	struct kv kv[MAX_KV];
	char *buf;
	int n, rc = 0;

	if (!strcmp(arg, "none"))
		return 0;
	if (in->n_disks == INST_MAX_DISKS) {
		vmon_err("install: more than %d --disk options", INST_MAX_DISKS);
		return -1;
	}
	d = &in->disks[in->n_disks++];
	n = split("disk", arg, &buf, kv);
	if (n < 0)
		rc = -1;
	for (int i = 0; i < n && !rc; i++) {
		if (i == 0 && !kv[i].val) /* a bare path */
			rc = !(d->path = strdup(kv[i].key));
		else
			rc = disk_sub(d, &kv[i]);
	}
	free(buf);
	if (rc)
		return -1;
	if (!!d->path + !!d->pool + !!d->vol != 1) {
		vmon_err("install: --disk '%s': give one of path=, pool= or vol=", arg);
		return -1;
	}
	if (d->vol && !strchr(d->vol, '/')) {
		vmon_err("install: --disk: vol=%s: give the volume as POOL/NAME", d->vol);
		return -1;
	}
	if (d->pool && !d->size) {
		vmon_err("install: --disk pool=%s: a new volume needs size= (GiB)", d->pool);
		return -1;
	}
	if (d->format && strcmp(d->format, "raw") && strcmp(d->format, "qcow2")) {
		vmon_err("install: --disk: format=%s is not supported (raw or qcow2)", d->format);
		return -1;
	}
	return 0;
}

/* --network network=NAME|bridge=BR|none|default[,mac=][,model=virtio]. */
static int opt_network(const char *arg, struct inst *in)
{
	struct inst_net *nt;
	struct kv kv[MAX_KV];
	char *buf;
	int n, rc = 0;

	in->net_given = true;
	if (!strcmp(arg, "none")) {
		in->net_none = true;
		return 0;
	}
	if (in->n_nets == INST_MAX_NETS) {
		vmon_err("install: more than %d --network options", INST_MAX_NETS);
		return -1;
	}
	nt = &in->nets[in->n_nets++];
	nt->type = INST_NET_NETWORK;
	n = split("network", arg, &buf, kv);
	if (n < 0)
		rc = -1;
	for (int i = 0; i < n && !rc; i++) {
		const char *k = kv[i].key;

		if (!strcmp(k, "network") || !strcmp(k, "bridge")) {
			nt->type = strcmp(k, "network") ? INST_NET_BRIDGE : INST_NET_NETWORK;
			rc = set_str(&nt->source, "network", &kv[i]);
		} else if (!strcmp(k, "default") && !kv[i].val) {
			rc = !(nt->source = strdup("default"));
		} else if (!strcmp(k, "mac") || !strcmp(k, "mac.address")) {
			rc = set_str(&nt->mac, "network", &kv[i]);
		} else if (!strcmp(k, "model") || !strcmp(k, "model.type")) {
			if (!kv[i].val || strcmp(kv[i].val, "virtio"))
				rc = (vmon_err("install: --network: model=%s is not supported: "
					       "vmon-vmm's NICs are virtio-net (model=virtio)",
					       kv[i].val ? kv[i].val : ""),
				      -1);
		} else if (!strcmp(k, "type") || !strcmp(k, "user") || !strcmp(k, "direct") ||
			   !strcmp(k, "passt")) {
			rc = (vmon_err("install: --network: '%s' is not supported: give "
				       "network=NAME (a vmon net-define network) or bridge=BR",
				       k),
			      -1);
		} else {
			rc = bad_sub("network", &kv[i], "network, bridge, mac, model");
		}
	}
	free(buf);
	if (!rc && !nt->source) {
		vmon_err("install: --network '%s': give network=NAME or bridge=BR", arg);
		rc = -1;
	}
	return rc;
}

/* --channel unix,target.type=virtio,name=org.qemu.guest_agent.0 */
static int opt_channel(const char *arg, struct inst *in)
{
	struct kv kv[MAX_KV];
	bool unix_ = false, virtio = true, agent = false;
	char *buf;
	int n = split("channel", arg, &buf, kv), rc = n < 0 ? -1 : 0;

	for (int i = 0; i < n && !rc; i++) {
		const char *k = kv[i].key, *v = kv[i].val ? kv[i].val : "";

		if (i == 0 && !kv[i].val)
			unix_ = !strcmp(k, "unix");
		else if (!strcmp(k, "target.type") || !strcmp(k, "target_type"))
			virtio = !strcmp(v, "virtio");
		else if (!strcmp(k, "name") || !strcmp(k, "target.name"))
			agent = !strcmp(v, "org.qemu.guest_agent.0");
		else if (!strcmp(k, "mode") || !strcmp(k, "path") || !strcmp(k, "source.mode") ||
			 !strcmp(k, "source.path"))
			continue; /* vmond chooses the socket */
		else
			rc = bad_sub("channel", &kv[i], "unix, target.type, name");
	}
	free(buf);
	if (rc)
		return -1;
	if (!unix_ || !virtio || !agent) {
		vmon_err("install: --channel '%s' is not supported: vmon has the guest agent's "
			 "channel only (unix,target.type=virtio,name=org.qemu.guest_agent.0)",
			 arg);
		return -1;
	}
	in->agent = true;
	return 0;
}

/* virt-install's options that vmon has no use for, and what to do instead. */
static const struct {
	const char *name, *hint;
} unsupported[] = {
	{ "cdrom", "vmon-vmm boots a kernel directly: --boot kernel=PATH,initrd=PATH" },
	{ "location", "vmon-vmm boots a kernel directly: --boot kernel=PATH,initrd=PATH" },
	{ "pxe", "vmon-vmm boots a kernel directly: --boot kernel=PATH,initrd=PATH" },
	{ "cloud-init", "give the guest its configuration in its initrd or disk" },
	{ "unattended", "give the guest its configuration in its initrd or disk" },
	{ "graphics", "vmon guests have a serial console only: vmon console NAME" },
	{ "video", "vmon guests have a serial console only: vmon console NAME" },
	{ "sound", "vmon-vmm has no sound device" },
	{ "hostdev", "vmon-vmm has no device assignment" },
	{ "filesystem", "vmon-vmm has no virtio-fs or 9p: use a --disk" },
	{ "cpu", "vmon-vmm gives the guest the host's CPU model (KVM's supported CPUID)" },
	{ "controller", "vmon-vmm's devices are virtio-pci on one PCI bus" },
	{ "tpm", "vmon-vmm has no TPM" },
	{ "watchdog", "vmon-vmm has no watchdog device" },
	{ "features", "vmon-vmm's machine has ACPI and no other feature switches" },
	{ "virt-type", "vmon runs KVM guests only" },
	{ "arch", "vmon runs x86_64 guests only" },
	{ "machine", "vmon-vmm has one machine type" },
	{ "container", "vmon runs KVM guests only" },
};

enum {
	O_IMPORT = 0x200,
	O_AUTOSTART,
	O_NOAUTOCONSOLE,
	O_TRANSIENT,
	O_PRINT_XML,
	O_DRY_RUN,
	O_WAIT,
	O_OSINFO,
	O_RNG,
	O_BALLOON,
	O_CHANNEL,
	O_UNSUPPORTED, /* + index into unsupported[] */
};

static const struct option base_opts[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "memory", required_argument, NULL, 'm' },
	{ "ram", required_argument, NULL, 'r' },
	{ "vcpus", required_argument, NULL, 'v' },
	{ "boot", required_argument, NULL, 'b' },
	{ "disk", required_argument, NULL, 'd' },
	{ "network", required_argument, NULL, 'w' },
	{ "connect", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "import", no_argument, NULL, O_IMPORT },
	{ "autostart", no_argument, NULL, O_AUTOSTART },
	{ "noautoconsole", no_argument, NULL, O_NOAUTOCONSOLE },
	{ "transient", no_argument, NULL, O_TRANSIENT },
	{ "print-xml", no_argument, NULL, O_PRINT_XML },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "wait", required_argument, NULL, O_WAIT },
	{ "osinfo", required_argument, NULL, O_OSINFO },
	{ "os-variant", required_argument, NULL, O_OSINFO },
	{ "rng", required_argument, NULL, O_RNG },
	{ "memballoon", required_argument, NULL, O_BALLOON },
	{ "channel", required_argument, NULL, O_CHANNEL },
};

#define N_BASE (sizeof(base_opts) / sizeof(base_opts[0]))
#define N_UNSUP (sizeof(unsupported) / sizeof(unsupported[0]))

static int opt_one(int opt, const char *arg, struct inst *in)
{
	unsigned long long v;

	switch (opt) {
	case 'n':
		free(in->name);
		in->name = strdup(arg);
		return in->name ? 0 : -1;
	case 'm':
	case 'r':
		return opt_memory(arg, in);
	case 'v':
		return opt_vcpus(arg, in);
	case 'b':
		return opt_boot(arg, in);
	case 'd':
		return opt_disk(arg, in);
	case 'w':
		return opt_network(arg, in);
	case 'c':
		in->sock = arg;
		return 0;
	case O_IMPORT:
		in->import = true;
		return 0;
	case O_AUTOSTART:
		in->autostart = true;
		return 0;
	case O_NOAUTOCONSOLE:
		in->noautoconsole = true;
		return 0;
	case O_TRANSIENT:
		in->transient = true;
		return 0;
	case O_PRINT_XML:
		in->print_xml = true;
		return 0;
	case O_DRY_RUN:
		in->dry_run = true;
		return 0;
	case O_WAIT:
		in->wait_given = true;
		if (!strcmp(arg, "-1")) {
			in->wait_minutes = -1;
			return 0;
		}
		if (!strcmp(arg, "0")) {
			in->wait_minutes = 0;
			return 0;
		}
		if (parse_uint("wait", "minutes", arg, 10080, &v))
			return -1;
		in->wait_minutes = (int)v;
		return 0;
	case O_OSINFO:
		free(in->osinfo);
		in->osinfo = strdup(arg);
		return in->osinfo ? 0 : -1;
	case O_RNG:
		free(in->rng);
		in->rng = NULL;
		if (!strcmp(arg, "none"))
			return 0;
		if (strcmp(arg, "/dev/urandom") && strcmp(arg, "/dev/random")) {
			vmon_err("install: --rng %s is not supported: give /dev/urandom, "
				 "/dev/random or none",
				 arg);
			return -1;
		}
		in->rng = strdup(arg);
		return in->rng ? 0 : -1;
	case O_BALLOON:
		if (strcmp(arg, "virtio") && strcmp(arg, "none")) {
			vmon_err("install: --memballoon %s is not supported: virtio or none", arg);
			return -1;
		}
		in->balloon = !strcmp(arg, "virtio");
		return 0;
	case O_CHANNEL:
		return opt_channel(arg, in);
	default:
		if (opt >= O_UNSUPPORTED && opt < O_UNSUPPORTED + (int)N_UNSUP) {
			vmon_err("install: --%s is not supported: %s",
				 unsupported[opt - O_UNSUPPORTED].name,
				 unsupported[opt - O_UNSUPPORTED].hint);
			return -1;
		}
		return -1;
	}
}

int install_parse(int argc, char **argv, struct inst *in)
{
	struct option lo[N_BASE + N_UNSUP + 1];
	int opt;

	memset(in, 0, sizeof(*in));
	in->balloon = true;
	memcpy(lo, base_opts, sizeof(base_opts));
	for (size_t i = 0; i < N_UNSUP; i++)
		lo[N_BASE + i] = (struct option){ unsupported[i].name, optional_argument, NULL,
						  (int)(O_UNSUPPORTED + i) };
	memset(&lo[N_BASE + N_UNSUP], 0, sizeof(lo[0]));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:m:r:v:b:d:w:c:h", lo, NULL)) != -1) {
		if (opt == 'h' || opt == '?')
			return INSTALL_STOP + vmon_usage_exit(opt, install_usage);
		if (opt_one(opt, optarg, in))
			return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args("install", argc, argv, optind,
			      "(every setting is an option: see vmon install --help)"))
		return VMON_EXIT_USAGE;
	if (!in->name || !in->memory_mib) {
		vmon_err("install: %s is required (see vmon install --help)",
			 !in->name ? "--name" : "--memory");
		return VMON_EXIT_USAGE;
	}
	if (!in->kernel && !in->import) {
		vmon_err("install: give --boot kernel=PATH (vmon-vmm boots a kernel directly), "
			 "or --import with a disk whose kernel --boot names");
		return VMON_EXIT_USAGE;
	}
	if (!in->kernel) {
		vmon_err("install: --import: vmon-vmm has no firmware to boot a disk; give the "
			 "kernel with --boot kernel=PATH");
		return VMON_EXIT_USAGE;
	}
	if (in->import && !in->n_disks) {
		vmon_err("install: --import needs a --disk to import");
		return VMON_EXIT_USAGE;
	}
	if (abs_paths(in))
		return VMON_EXIT_FAIL;
	if (!in->vcpus)
		in->vcpus = in->maxvcpus = 1;
	if (!in->net_given) { /* virt-install's default: the default network */
		in->n_nets = 1;
		in->nets[0].type = INST_NET_NETWORK;
		in->nets[0].source = strdup("default");
	}
	if (in->net_none && in->n_nets) {
		vmon_err("install: --network none with another --network");
		return VMON_EXIT_USAGE;
	}
	if (in->transient && in->autostart) {
		vmon_err("install: --autostart needs a persistent domain (not --transient)");
		return VMON_EXIT_USAGE;
	}
	return 0;
}

void install_free(struct inst *in)
{
	free(in->name);
	free(in->kernel);
	free(in->initrd);
	free(in->kernel_args);
	free(in->rng);
	free(in->osinfo);
	for (unsigned int i = 0; i < in->n_disks; i++) {
		struct inst_disk *d = &in->disks[i];

		free(d->path);
		free(d->pool);
		free(d->vol);
		free(d->backing);
		free(d->backing_format);
		free(d->format);
		free(d->cache);
		free(d->serial);
		free(d->vol_name);
	}
	for (unsigned int i = 0; i < in->n_nets; i++) {
		free(in->nets[i].source);
		free(in->nets[i].mac);
	}
}
