// SPDX-License-Identifier: GPL-2.0
/*
 * vmon setvcpus DOMAIN COUNT: a domain's vCPU count, as virsh setvcpus:
 * live through the VMM's ACPI CPU hot add (and the guest's agreement to
 * give vCPUs back), and/or in the definition; --maximum sets the <vcpu>
 * maximum of the definition.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include <vmon/cli.h>

#include "vmond_client.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon setvcpus [-c SOCKET] DOMAIN COUNT [--maximum] [--live] [--config]\n"
		   "                      [--current]\n"
		   "\n"
		   "Set a domain's number of vCPUs. Live, the VMM adds vCPUs by ACPI hot add\n"
		   "(the guest onlines them, as it onlines any CPU: a udev rule or\n"
		   "/sys/devices/system/cpu/cpuN/online), or asks the guest to give vCPUs back,\n"
		   "which it does when it can offline them. A domain can grow live when it was\n"
		   "started with <vcpu current='N'> below its maximum, up to that maximum.\n"
		   "\n"
		   "  -c, --connect SOCKET  vmond's socket (default /run/vmon/vmond.sock)\n"
		   "      --maximum         set the <vcpu> maximum (of the definition: --config)\n"
		   "      --live            the running domain\n"
		   "      --config          the persistent definition\n"
		   "      --current         live if running, else the definition (default)\n"
		   "  -h, --help            this text\n");
}

int vmon_cmd_setvcpus(int argc, char **argv);
int vmon_cmd_setvcpus(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "live", no_argument, NULL, 'l' },
		{ "config", no_argument, NULL, 'C' },
		{ "current", no_argument, NULL, 'u' },
		{ "maximum", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool live = false, config = false, maximum = false;
	struct json_object *req;
	const char *sock = NULL;
	unsigned long count;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt == 'l')
			live = true;
		else if (opt == 'C')
			config = true;
		else if (opt == 'M')
			maximum = true;
		else if (opt != 'u')
			return vmon_usage_exit(opt, usage);
	}
	if (optind + 1 >= argc) {
		vmon_err("setvcpus: missing %s (see: vmon setvcpus --help)",
			 optind >= argc ? "DOMAIN" : "COUNT");
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args("setvcpus", argc, argv, optind + 2, NULL))
		return VMON_EXIT_USAGE;
	errno = 0;
	count = strtoul(argv[optind + 1], &end, 10);
	if (errno || end == argv[optind + 1] || *end || count < 1 || count > 255) {
		vmon_err("setvcpus: invalid vCPU count '%s' (a number from 1 to 255)",
			 argv[optind + 1]);
		return VMON_EXIT_USAGE;
	}
	req = json_object_new_object();
	json_object_object_add(req, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(req, "maximum", json_object_new_boolean(maximum));
	if (vmond_change("setvcpus", sock, argv[optind], live, config, req))
		return VMON_EXIT_FAIL;
	putchar('\n');
	return VMON_EXIT_OK;
}
