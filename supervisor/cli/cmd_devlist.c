// SPDX-License-Identifier: GPL-2.0
/*
 * vmon domiflist and domblklist: a domain's network interfaces and disks
 * as virsh lists them, read from its XML (the running one unless
 * --inactive; a shut-off domain has only its definition). The XML is
 * parsed by libdomain, as vmond parses it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>
#include <vmon/domain.h>

#include "vmond_client.h"

static const struct lkind {
	const char *verb, *help;
	bool details; /* takes --details */
} kinds[] = {
	{ "domiflist",
	  "List a domain's network interfaces: the host's side (a running domain's\n"
	  "tap, else -), the type, the network or bridge, the model and the MAC.",
	  false },
	{ "domblklist",
	  "List a domain's disks: the guest's device name and the image or device\n"
	  "behind it (with --details, also the source type and the device kind).",
	  true },
};

static const struct lkind *cur;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmon %s [-c URI] DOMAIN [--inactive]%s\n"
		"\n"
		"%s\n"
		"\n"
		"  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		"      --inactive        the persistent definition, not the running one\n"
		"%s"
		"  -h, --help            this text\n",
		cur->verb, cur->details ? " [--details]" : "", cur->help,
		cur->details ? "      --details         the source type and device kind too\n"
			     : "");
}

static const char *const if_types[] = {
	[VMON_IF_ETHERNET] = "ethernet",
	[VMON_IF_BRIDGE] = "bridge",
	[VMON_IF_NETWORK] = "network",
};
static const char *const disk_types[] = {
	[VMON_DISK_FILE] = "file",
	[VMON_DISK_BLOCK] = "block",
	[VMON_DISK_VOLUME] = "volume",
};

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_ifaces(const struct vmon_domain *d)
{
	enum { NCOL = 5 };
	const char *cells[(d->n_ifaces + 1) * NCOL];

	cells[0] = "Interface", cells[1] = "Type", cells[2] = "Source", cells[3] = "Model";
	cells[4] = "MAC";
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const struct vmon_interface *f = &d->ifaces[i];
		const char **row = &cells[(i + 1) * NCOL];

		/* as virsh: the XML's <target dev=>; vmond writes the tap of a
		 * running domain there, a definition has it only if it asks
		 */
		row[0] = or_dash(f->target);
		row[1] = if_types[f->type];
		row[2] = or_dash(f->source);
		row[3] = "virtio"; /* the only model vmon runs: libdomain refuses others */
		row[4] = f->mac_str;
	}
	vmon_print_table(cells, d->n_ifaces + 1, NCOL, NCOL);
}

static void print_disks(const struct vmon_domain *d, bool details)
{
	enum { NCOL = 4 };
	const char *cells[(d->n_disks + 1) * NCOL];
	int first = details ? 0 : 2;

	cells[0] = "Type", cells[1] = "Device", cells[2] = "Target", cells[3] = "Source";
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct vmon_disk *k = &d->disks[i];
		const char **row = &cells[(i + 1) * NCOL];

		row[0] = disk_types[k->type];
		row[1] = "disk"; /* libdomain refuses other devices */
		row[2] = k->target;
		/* virsh prints a volume disk's volume name */
		row[3] = or_dash(k->type == VMON_DISK_VOLUME ? k->volume : k->source);
	}
	vmon_print_table(cells + first, d->n_disks + 1, NCOL - first, NCOL);
}

static int run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "inactive", no_argument, NULL, 'i' },
		{ "details", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool inactive = false, details = false;
	const char *sock = NULL;
	struct vmon_domain *d;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt == 'i')
			inactive = true;
		else if (opt == 'd' && cur->details)
			details = true;
		else if (opt == 'd')
			return vmon_err("%s: unrecognized option '--details' (see: vmon %s --help)",
					cur->verb, cur->verb),
			       VMON_EXIT_USAGE;
		else
			return vmon_usage_exit(opt, usage);
	}
	if (optind >= argc) {
		vmon_err("%s: missing DOMAIN (see: vmon %s --help)", cur->verb, cur->verb);
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args(cur->verb, argc, argv, optind + 1, NULL))
		return VMON_EXIT_USAGE;
	d = vmond_fetch_domain(cur->verb, sock, argv[optind], inactive);
	if (!d)
		return VMON_EXIT_FAIL;
	if (cur->details)
		print_disks(d, details);
	else
		print_ifaces(d);
	vmon_domain_free(d);
	return VMON_EXIT_OK;
}

int vmon_cmd_devlist(int argc, char **argv);
int vmon_cmd_devlist(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(argv[0], kinds[i].verb))
			cur = &kinds[i];
	if (!cur) {
		vmon_err("%s: not a device list command", argv[0]);
		return VMON_EXIT_USAGE;
	}
	return run(argc, argv);
}
