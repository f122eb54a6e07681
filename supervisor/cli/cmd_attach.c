// SPDX-License-Identifier: GPL-2.0
/*
 * vmon attach-device, detach-device, attach-interface, detach-interface,
 * attach-disk, detach-disk: as virsh's. The *-interface and *-disk verbs
 * build the device's XML (libxml2) from their options and send it as
 * attach-device and detach-device do; the detach verbs first find the
 * device in the domain's definition (by type and MAC, by target or source),
 * as virsh does, so an ambiguous one is named before anything changes.
 * vmond changes the persistent definition (a running domain's is for its
 * next start); vmon-vmm has no device hotplug, so live changes are refused.
 */
#include <getopt.h>
#include <libxml/tree.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <vmon/cli.h>
#include <vmon/domain.h>

#include "vmond_client.h"

#define X(s) ((const xmlChar *)(s))

enum verb { ATTACH_DEVICE, DETACH_DEVICE, ATTACH_IF, DETACH_IF, ATTACH_DISK, DETACH_DISK };
#define V(v) (1u << (v))

static const struct verb_info {
	const char *name, *operands, *help, *done;
	int nops; /* how many operands */
} verbs[] = {
	[ATTACH_DEVICE] = { "attach-device", "DOMAIN FILE",
			    "Add the device that FILE describes (libvirt's <disk> or <interface>\n"
			    "element) to a domain.",
			    "Device attached successfully", 2 },
	[DETACH_DEVICE] = { "detach-device", "DOMAIN FILE",
			    "Remove the device that FILE describes from a domain: the interface\n"
			    "with its <mac address=>, the disk with its <target dev=>.",
			    "Device detached successfully", 2 },
	[ATTACH_IF] = { "attach-interface", "DOMAIN TYPE SOURCE",
			"Add a virtio network interface to a domain. TYPE is network (SOURCE a\n"
			"virtual network), bridge (SOURCE a host bridge) or ethernet (SOURCE the\n"
			"host's tap device, its <target dev=>).",
			"Interface attached successfully", 3 },
	[DETACH_IF] = { "detach-interface", "DOMAIN TYPE",
			"Remove a network interface of TYPE (network, bridge, ethernet) from a\n"
			"domain; --mac names which when it has more than one.",
			"Interface detached successfully", 2 },
	[ATTACH_DISK] = { "attach-disk", "DOMAIN SOURCE TARGET",
			  "Add a virtio disk to a domain: SOURCE is the image file or block\n"
			  "device, TARGET the guest's name for it (vdb, vdc, ...).",
			  "Disk attached successfully", 3 },
	[DETACH_DISK] = { "detach-disk", "DOMAIN TARGET",
			  "Remove a disk from a domain; TARGET is its guest name (vdb) or the\n"
			  "path of its image or device.",
			  "Disk detached successfully", 2 },
};

struct args {
	const char *sock, *ops[3];
	/* the options' values (NULL if not given), in the order of opts[] */
	const char *target, *mac, *model, *driver, *subdriver, *cache, *mode, *sourcetype;
	const char *serial, *bus;
	bool print_xml, config, live, current, persistent;
};

/* The options, the verbs that take each, and where its value goes. */
#define STR(f) offsetof(struct args, f), false
#define FLAG(f) offsetof(struct args, f), true
static const struct {
	const char *name, *help;
	unsigned int verbs;
	size_t off;
	bool flag; /* no argument: a bool set */
} opts[] = {
	{ "target", "the host's tap name", V(ATTACH_IF), STR(target) },
	{ "mac", "the MAC address", V(ATTACH_IF) | V(DETACH_IF), STR(mac) },
	{ "model", "the NIC model (virtio)", V(ATTACH_IF), STR(model) },
	{ "driver", "qemu (the only one)", V(ATTACH_DISK), STR(driver) },
	{ "subdriver", "the image format: raw (default) or qcow2", V(ATTACH_DISK), STR(subdriver) },
	{ "cache", "none, writeback, writethrough, directsync, unsafe", V(ATTACH_DISK),
	  STR(cache) },
	{ "mode", "readonly", V(ATTACH_DISK), STR(mode) },
	{ "sourcetype", "file or block (default: what SOURCE is)", V(ATTACH_DISK),
	  STR(sourcetype) },
	{ "serial", "the disk's serial", V(ATTACH_DISK), STR(serial) },
	{ "targetbus", "virtio (the only one)", V(ATTACH_DISK), STR(bus) },
	{ "print-xml", "print the device's XML, change nothing",
	  ~(V(ATTACH_DEVICE) | V(DETACH_DEVICE)), FLAG(print_xml) },
	{ "config", "the persistent definition", ~0u, FLAG(config) },
	{ "live", "the running guest (not supported: no hotplug)", ~0u, FLAG(live) },
	{ "current", "live if running, else the definition", ~0u, FLAG(current) },
	{ "persistent", "the definition, and the guest if it runs", ~0u, FLAG(persistent) },
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static enum verb cur;

static void usage(FILE *f)
{
	const struct verb_info *v = &verbs[cur];

	fprintf(f, "usage: vmon %s [-c URI] %s [OPTIONS]\n\n%s\n\n", v->name, v->operands, v->help);
	fprintf(f, "  -c, --connect URI       vmond: a socket or URI (default vmon:///system)\n");
	for (size_t i = 0; i < N_OPTS; i++) {
		char left[32];

		if (!(opts[i].verbs & V(cur)))
			continue;
		snprintf(left, sizeof(left), "--%s%s", opts[i].name, opts[i].flag ? "" : " ARG");
		fprintf(f, "      %-19s %s\n", left, opts[i].help);
	}
	fprintf(f, "  -h, --help              this text\n"
		   "\n"
		   "The persistent definition changes (a running domain's takes effect at its\n"
		   "next start); vmon-vmm has no device hotplug, so --live is refused.\n");
}

static int parse_args(int argc, char **argv, struct args *a)
{
	struct option lo[N_OPTS + 3];
	size_t n = 0;
	int opt;

	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].verbs & V(cur))
			lo[n++] = (struct option){ opts[i].name,
						   opts[i].flag ? no_argument : required_argument,
						   NULL, 0x100 + (int)i };
	lo[n++] = (struct option){ "connect", required_argument, NULL, 'c' };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	memset(a, 0, sizeof(*a));
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt >= 0x100 && opt < 0x100 + (int)N_OPTS) {
			char *field = (char *)a + opts[opt - 0x100].off;

			if (opts[opt - 0x100].flag)
				*(bool *)field = true;
			else
				*(const char **)field = optarg;
		} else if (opt == 'c') {
			a->sock = optarg;
		} else {
			return vmon_usage_exit(opt, usage);
		}
	}
	if (argc - optind < verbs[cur].nops) {
		vmon_err("%s: missing operand: %s (see: vmon %s --help)", verbs[cur].name,
			 verbs[cur].operands, verbs[cur].name);
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args(verbs[cur].name, argc, argv, optind + verbs[cur].nops, NULL))
		return VMON_EXIT_USAGE;
	for (int i = 0; i < verbs[cur].nops; i++)
		a->ops[i] = argv[optind + i];
	return -1;
}

static xmlNodePtr add_el(xmlNodePtr parent, const char *name, const char *attr, const char *val)
{
	xmlNodePtr n = xmlNewChild(parent, NULL, X(name), NULL);

	if (attr && val)
		xmlNewProp(n, X(attr), X(val));
	return n;
}

static const char *const if_types[] = { "ethernet", "bridge", "network" };

static int iface_type(const char *type)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(type, if_types[i]))
			return i;
	vmon_err("%s: interface type '%s' is not supported (network, bridge, ethernet)",
		 verbs[cur].name, type);
	return -1;
}

static int build_iface(const struct args *a, xmlNodePtr dev)
{
	int t = iface_type(a->ops[1]);
	const char *tap = a->target;

	if (t < 0)
		return -1;
	xmlNewProp(dev, X("type"), X(if_types[t]));
	if (a->mac)
		add_el(dev, "mac", "address", a->mac);
	if (t == VMON_IF_ETHERNET) {
		if (a->target && strcmp(a->target, a->ops[2])) {
			vmon_err("attach-interface: an ethernet interface's SOURCE is its tap; "
				 "--target '%s' names another",
				 a->target);
			return -1;
		}
		tap = a->ops[2];
	} else {
		add_el(dev, "source", if_types[t], a->ops[2]);
	}
	if (tap)
		add_el(dev, "target", "dev", tap);
	add_el(dev, "model", "type", a->model ? a->model : "virtio");
	return 0;
}

/* detach-interface: the interface of that type (and MAC), if just one. */
static int find_iface(const struct args *a, xmlNodePtr dev)
{
	struct vmon_domain *d;
	int t = iface_type(a->ops[1]), found = 0, which = -1;

	if (t < 0 || !(d = vmond_fetch_domain(verbs[cur].name, a->sock, a->ops[0], true)))
		return -1;
	for (size_t i = 0; i < d->n_ifaces; i++)
		if ((int)d->ifaces[i].type == t &&
		    (!a->mac || !strcasecmp(a->mac, d->ifaces[i].mac_str)))
			found++, which = (int)i;
	if (found == 1) {
		xmlNewProp(dev, X("type"), X(if_types[t]));
		add_el(dev, "mac", "address", d->ifaces[which].mac_str);
	} else if (!found && a->mac) {
		vmon_err("%s: No interface found whose type is %s and MAC address is %s",
			 verbs[cur].name, a->ops[1], a->mac);
	} else if (!found) {
		vmon_err("%s: No interface found whose type is %s", verbs[cur].name, a->ops[1]);
	} else {
		vmon_err("%s: Domain has %d interfaces. Please specify which one to detach using "
			 "--mac",
			 verbs[cur].name, found);
	}
	vmon_domain_free(d);
	return found == 1 ? 0 : -1;
}

static int build_disk(const struct args *a, xmlNodePtr dev)
{
	const char *type = a->sourcetype;
	xmlNodePtr drv;
	struct stat st;
	char *path;

	if (a->driver && strcmp(a->driver, "qemu")) {
		vmon_err("attach-disk: --driver '%s' is not supported (qemu)", a->driver);
		return -1;
	}
	if (a->bus && strcmp(a->bus, "virtio")) {
		vmon_err("attach-disk: --targetbus '%s' is not supported (virtio)", a->bus);
		return -1;
	}
	if (a->mode && strcmp(a->mode, "readonly")) {
		vmon_err("attach-disk: --mode '%s' is not supported (readonly)", a->mode);
		return -1;
	}
	if (!type)
		type = !stat(a->ops[1], &st) && S_ISBLK(st.st_mode) ? "block" : "file";
	if (strcmp(type, "file") && strcmp(type, "block")) {
		vmon_err("attach-disk: --sourcetype '%s' is not supported (file, block)", type);
		return -1;
	}
	/* vmond opens it, from its own working directory */
	if (!(path = vmon_abs_path(a->ops[1]))) {
		vmon_err("attach-disk: '%s': %m", a->ops[1]);
		return -1;
	}
	xmlNewProp(dev, X("type"), X(type));
	xmlNewProp(dev, X("device"), X("disk"));
	drv = add_el(dev, "driver", "name", "qemu");
	if (a->subdriver)
		xmlNewProp(drv, X("type"), X(a->subdriver));
	if (a->cache)
		xmlNewProp(drv, X("cache"), X(a->cache));
	add_el(dev, "source", strcmp(type, "block") ? "file" : "dev", path);
	free(path);
	xmlNewProp(add_el(dev, "target", "dev", a->ops[2]), X("bus"), X("virtio"));
	if (a->mode)
		add_el(dev, "readonly", NULL, NULL);
	if (a->serial)
		xmlNewTextChild(dev, NULL, X("serial"), X(a->serial));
	return 0;
}

/* detach-disk: the disk whose target or source is TARGET. */
static int find_disk(const struct args *a, xmlNodePtr dev)
{
	struct vmon_domain *d = vmond_fetch_domain(verbs[cur].name, a->sock, a->ops[0], true);
	int rc = -1;

	if (!d)
		return -1;
	for (size_t i = 0; i < d->n_disks && rc; i++) {
		const struct vmon_disk *k = &d->disks[i];

		if (strcmp(k->target, a->ops[1]) && (!k->source || strcmp(k->source, a->ops[1])))
			continue;
		add_el(dev, "target", "dev", k->target);
		rc = 0;
	}
	if (rc)
		vmon_err("detach-disk: No disk found whose source path or target is %s", a->ops[1]);
	vmon_domain_free(d);
	return rc;
}

/*
 * The XML of the device the *-interface and *-disk verbs name (malloc'd),
 * or NULL after saying why.
 */
static char *device_xml(const struct args *a)
{
	xmlDocPtr doc;
	xmlNodePtr dev;
	xmlChar *text = NULL;
	char *out = NULL;
	int len = 0, rc;

	doc = xmlNewDoc(X("1.0"));
	dev = xmlNewNode(NULL, X(cur == ATTACH_IF || cur == DETACH_IF ? "interface" : "disk"));
	xmlDocSetRootElement(doc, dev);
	rc = cur == ATTACH_IF	  ? build_iface(a, dev)
	     : cur == DETACH_IF	  ? find_iface(a, dev)
	     : cur == ATTACH_DISK ? build_disk(a, dev)
				  : find_disk(a, dev);
	if (!rc) {
		xmlDocDumpFormatMemory(doc, &text, &len, 1);
		/* without the <?xml?> line, as virsh --print-xml prints it */
		if (text) {
			const char *p = strstr((const char *)text, "?>\n");

			out = strdup(p ? p + 3 : (const char *)text);
		}
		xmlFree(text);
	}
	xmlFreeDoc(doc);
	return out;
}

static int run(int argc, char **argv)
{
	bool file = cur == ATTACH_DEVICE || cur == DETACH_DEVICE;
	struct json_object *req, *ans;
	char *xml = NULL;
	struct args a;
	int ret = parse_args(argc, argv, &a);

	if (ret >= 0)
		return ret;
	if (!file && !(xml = device_xml(&a)))
		return VMON_EXIT_FAIL;
	if (a.print_xml) {
		fputs(xml, stdout);
		free(xml);
		return VMON_EXIT_OK;
	}
	req = json_object_new_object();
	/* the *-device verbs send FILE as it is: vmond checks it */
	if (file ? vmond_req_add_file(req, "xml", verbs[cur].name, a.ops[1])
		 : json_object_object_add(req, "xml", json_object_new_string(xml))) {
		json_object_put(req);
		return VMON_EXIT_FAIL;
	}
	json_object_object_add(req, "cmd",
			       json_object_new_string(cur == ATTACH_DEVICE || cur == ATTACH_IF ||
								      cur == ATTACH_DISK
							      ? "attach-device"
							      : "detach-device"));
	json_object_object_add(req, "domain", json_object_new_string(a.ops[0]));
	json_object_object_add(req, "live", json_object_new_boolean(a.live));
	json_object_object_add(req, "config", json_object_new_boolean(a.config));
	json_object_object_add(req, "persistent", json_object_new_boolean(a.persistent));
	free(xml);
	if (vmond_request(verbs[cur].name, a.sock, false, req, &ans))
		return VMON_EXIT_FAIL;
	json_object_put(ans);
	printf("%s\n\n", verbs[cur].done);
	return VMON_EXIT_OK;
}

int vmon_cmd_attach(int argc, char **argv);
int vmon_cmd_attach(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[0], verbs[i].name)) {
			cur = (enum verb)i;
			return run(argc, argv);
		}
	return VMON_EXIT_USAGE;
}
