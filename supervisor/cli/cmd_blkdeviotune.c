// SPDX-License-Identifier: GPL-2.0
/*
 * vmon blkdeviotune DOMAIN DEVICE [limits] [--live|--config|--current]:
 * a disk's I/O limits as virsh's: without limits, print those in effect
 * ("name: value" lines, virsh's layout); with some, set them, the others
 * kept. vmond changes a running guest's limits in vmon-blk's throttle.
 */
#include <getopt.h>
#include <string.h>

#include <vmon/cli.h>
#include <vmon/domain.h>
#include <vmon/size.h>

#include "vmond_client.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon blkdeviotune [-c URI] DOMAIN DEVICE [LIMITS] [--live] [--config]\n"
		   "                         [--current]\n"
		   "\n"
		   "Show or set a disk's I/O limits (libvirt's <iotune>). DEVICE is the disk's\n"
		   "target (vda) or source path. Without LIMITS, print those in effect; with\n"
		   "some, set them and keep the others; 0 removes a limit. Setting one of\n"
		   "total, read and write of a kind sets the three (the others to 0), as virsh\n"
		   "does: a total beside a read or write limit is refused. The limits are\n"
		   "vmon-blk's throttle (raw images).\n"
		   "\n"
		   "  -c, --connect URI           vmond: a socket or URI (default vmon:///system)\n"
		   "      --total-bytes-sec N     bytes per second (a unit may follow: 10M)\n"
		   "      --total-iops-sec N      requests per second\n"
		   "      --total-bytes-sec-max N bytes that may pass at once after an idle spell\n"
		   "      --total-iops-sec-max N  requests that may pass at once\n"
		   "      --read-bytes-sec, --write-bytes-sec, --read-iops-sec, --write-iops-sec,\n"
		   "      and their -max          the same for reads or writes alone\n"
		   "      --live                  the running guest\n"
		   "      --config                the persistent definition\n"
		   "      --current               live if running, else the definition (default)\n"
		   "  -h, --help                  this text\n");
}

/* --total-bytes-sec-max for total_bytes_sec_max. */
static void opt_name(const char *field, char *buf, size_t len)
{
	size_t i;

	for (i = 0; field[i] && i + 1 < len; i++)
		buf[i] = field[i] == '_' ? '-' : field[i];
	buf[i] = 0;
}

int vmon_cmd_blkdeviotune(int argc, char **argv);
int vmon_cmd_blkdeviotune(int argc, char **argv)
{
	char names[VMON_IOTUNE_FIELDS][32];
	struct option lo[VMON_IOTUNE_FIELDS + 6];
	struct json_object *req, *set = NULL, *a, *io;
	const char *sock = NULL;
	bool live = false, config = false;
	size_t n = 0;
	int opt;

	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++) {
		opt_name(vmon_iotune_fields[f].name, names[f], sizeof(names[f]));
		lo[n++] = (struct option){ names[f], required_argument, NULL, 0x100 + (int)f };
	}
	lo[n++] = (struct option){ "connect", required_argument, NULL, 'c' };
	lo[n++] = (struct option){ "live", no_argument, NULL, 'l' };
	lo[n++] = (struct option){ "config", no_argument, NULL, 'C' };
	lo[n++] = (struct option){ "current", no_argument, NULL, 'u' };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt >= 0x100 && opt < 0x100 + VMON_IOTUNE_FIELDS) {
			const char *field = vmon_iotune_fields[opt - 0x100].name;
			char why[128];
			uint64_t v;

			/* bytes may have a unit, as virsh's scaled integers */
			if (vmon_size_parse(optarg, NULL, &v, why, sizeof(why)) ||
			    (!strstr(field, "bytes") &&
			     strspn(optarg, "0123456789") != strlen(optarg)) ||
			    v > INT64_MAX) {
				vmon_err("blkdeviotune: --%s: invalid value '%s'",
					 names[opt - 0x100], optarg);
				json_object_put(set);
				return VMON_EXIT_USAGE;
			}
			if (!set)
				set = json_object_new_object();
			json_object_object_add(set, field, json_object_new_int64((int64_t)v));
		} else if (opt == 'c') {
			sock = optarg;
		} else if (opt == 'l') {
			live = true;
		} else if (opt == 'C') {
			config = true;
		} else if (opt != 'u') {
			json_object_put(set);
			return vmon_usage_exit(opt, usage);
		}
	}
	if (optind + 2 > argc || vmon_no_more_args("blkdeviotune", argc, argv, optind + 2, NULL)) {
		if (optind + 2 > argc)
			vmon_err("blkdeviotune: missing %s (see: vmon blkdeviotune --help)",
				 optind >= argc ? "DOMAIN" : "DEVICE");
		json_object_put(set);
		return VMON_EXIT_USAGE;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("blkdeviotune"));
	json_object_object_add(req, "domain", json_object_new_string(argv[optind]));
	json_object_object_add(req, "device", json_object_new_string(argv[optind + 1]));
	json_object_object_add(req, "live", json_object_new_boolean(live));
	json_object_object_add(req, "config", json_object_new_boolean(config));
	if (set)
		json_object_object_add(req, "set", set);
	if (vmond_request("blkdeviotune", sock, false, req, &a))
		return VMON_EXIT_FAIL;
	if (!set && json_object_object_get_ex(a, "iotune", &io))
		for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++)
			printf("%-15s: %llu\n", vmon_iotune_fields[f].name,
			       vmon_jnum(io, vmon_iotune_fields[f].name));
	putchar('\n');
	json_object_put(a);
	return VMON_EXIT_OK;
}
