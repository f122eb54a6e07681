// SPDX-License-Identifier: GPL-2.0
/*
 * vmon setvcpus DOMAIN COUNT: a domain's vCPU count, as virsh setvcpus:
 * live through the VMM's ACPI CPU hot add (and the guest's agreement to
 * give vCPUs back), and/or in the definition; --maximum sets the <vcpu>
 * maximum of the definition.
 */
#include <errno.h>
#include <stdlib.h>

#include <vmon/cli.h>

#include "vmond_client.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon setvcpus [-c URI] DOMAIN COUNT [--maximum] [--live] [--config]\n"
		   "                      [--current]\n"
		   "\n"
		   "Set a domain's number of vCPUs. Live, the VMM adds vCPUs by ACPI hot add\n"
		   "(the guest onlines them, as it onlines any CPU: a udev rule or\n"
		   "/sys/devices/system/cpu/cpuN/online), or asks the guest to give vCPUs back,\n"
		   "which it does when it can offline them. A domain can grow live when it was\n"
		   "started with <vcpu current='N'> below its maximum, up to that maximum.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --maximum         set the <vcpu> maximum (of the definition: --config)\n"
		   "      --live            the running domain\n"
		   "      --config          the persistent definition\n"
		   "      --current         live if running, else the definition (default)\n"
		   "  -h, --help            this text\n");
}

int vmon_cmd_setvcpus(int argc, char **argv);
int vmon_cmd_setvcpus(int argc, char **argv)
{
	struct json_object *req;
	struct vmon_change c;
	unsigned long count;
	char *end;
	int ret = vmon_change_args("setvcpus", "COUNT", true, argc, argv, usage, &c);

	if (ret >= 0)
		return ret;
	errno = 0;
	count = strtoul(c.value, &end, 10);
	if (errno || end == c.value || *end || count < 1 || count > 255) {
		vmon_err("setvcpus: invalid vCPU count '%s' (a number from 1 to 255)", c.value);
		return VMON_EXIT_USAGE;
	}
	req = json_object_new_object();
	json_object_object_add(req, "count", json_object_new_int64((int64_t)count));
	if (vmond_change("setvcpus", &c, req))
		return VMON_EXIT_FAIL;
	putchar('\n');
	return VMON_EXIT_OK;
}
