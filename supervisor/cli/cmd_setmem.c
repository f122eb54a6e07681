// SPDX-License-Identifier: GPL-2.0
/*
 * vmon setmem DOMAIN SIZE: a domain's current memory, as virsh setmem: SIZE
 * in KiB unless it has a unit (b, k/KiB, M/MiB, G/GiB, T/TiB by 1024; KB,
 * MB, GB, TB by 1000); live through the balloon, and/or in the definition.
 */
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>
#include <vmon/size.h>

#include "vmond_client.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon setmem [-c URI] DOMAIN SIZE [--live] [--config] [--current]\n"
		   "\n"
		   "Set a domain's current memory: live through its virtio balloon\n"
		   "(<memballoon model='virtio'>), or in its definition. SIZE is in KiB\n"
		   "unless it has a unit: b, k or KiB, M or MiB, G or GiB, T or TiB (powers of\n"
		   "1024); KB, MB, GB, TB (powers of 1000). It may not exceed <memory>.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --live            the running domain (its balloon)\n"
		   "      --config          the persistent definition\n"
		   "      --current         live if running, else the definition (default)\n"
		   "  -h, --help            this text\n");
}

/* SIZE in KiB, or 0 after naming what is wrong. */
static uint64_t parse_size(const char *arg)
{
	uint64_t bytes;
	char why[128];

	if (vmon_size_parse(arg, "KiB", &bytes, why, sizeof(why)) || bytes < 1024) {
		vmon_err("setmem: invalid size '%s' (a number of KiB, or with a unit: 512M, 2G)",
			 arg);
		return 0;
	}
	return bytes / 1024;
}

int vmon_cmd_setmem(int argc, char **argv);
int vmon_cmd_setmem(int argc, char **argv)
{
	struct json_object *req;
	struct vmon_change c;
	uint64_t kib;
	int ret = vmon_change_args("setmem", "SIZE", false, argc, argv, usage, &c);

	if (ret >= 0)
		return ret;
	kib = parse_size(c.value);
	if (!kib)
		return VMON_EXIT_USAGE;
	req = json_object_new_object();
	json_object_object_add(req, "kib", json_object_new_int64((int64_t)kib));
	if (vmond_change("setmem", &c, req))
		return VMON_EXIT_FAIL;
	putchar('\n');
	return VMON_EXIT_OK;
}
