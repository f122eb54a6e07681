// SPDX-License-Identifier: GPL-2.0
/*
 * vmon domblkstat and vmon domifstat: one disk's or one interface's
 * counters in virsh's layout ("vda rd_bytes 1234"), from vmond's domstats
 * (block.N.* and net.N.*, libvirt's names).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

static bool blk; /* domblkstat, else domifstat */

static void usage(FILE *f)
{
	if (blk)
		fprintf(f, "usage: vmon domblkstat [-c URI] DOMAIN [DEVICE]\n"
			   "\n"
			   "A running domain's disk counters in virsh's names: rd_req, rd_bytes,\n"
			   "wr_req, wr_bytes, flush_operations, the *_total_times (ns, disks on\n"
			   "vmon-blk), errs. DEVICE is the disk's target (vda) or source path;\n"
			   "without it, the sums of all disks.\n");
	else
		fprintf(f,
			"usage: vmon domifstat [-c URI] DOMAIN INTERFACE\n"
			"\n"
			"A running domain's interface counters as the guest sees them (its tap's,\n"
			"swapped): rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets,\n"
			"tx_errs, tx_drop. INTERFACE is the target device (the tap, e.g. "
			"vnet0).\n");
	fprintf(f, "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "  -h, --help            this text\n");
}

/* Counter @key of device @i, or -1 when vmond did not report it. */
static int64_t stat_of(struct json_object *s, const char *pfx, size_t i, const char *key)
{
	struct json_object *v;
	char k[64];

	snprintf(k, sizeof(k), "%s.%zu.%s", pfx, i, key);
	return json_object_object_get_ex(s, k, &v) ? json_object_get_int64(v) : -1;
}

static const char *name_of(struct json_object *s, const char *pfx, size_t i, const char *key)
{
	struct json_object *v;
	char k[64];

	snprintf(k, sizeof(k), "%s.%zu.%s", pfx, i, key);
	return json_object_object_get_ex(s, k, &v) ? json_object_get_string(v) : "";
}

/*
 * Sum the counters of the devices matching dev (NULL: all); -1 if none.
 * virsh's names and order; a counter no device has (the times of a disk
 * not on vmon-blk) is left out, as virsh leaves out what QEMU lacks.
 */
static int print_dev(struct json_object *s, const char *dev)
{
	static const char *const bkeys[][2] = {
		{ "rd.reqs", "rd_req" },
		{ "rd.bytes", "rd_bytes" },
		{ "wr.reqs", "wr_req" },
		{ "wr.bytes", "wr_bytes" },
		{ "fl.reqs", "flush_operations" },
		{ "rd.times", "rd_total_times" },
		{ "wr.times", "wr_total_times" },
		{ "fl.times", "flush_total_times" },
		{ "errors", "errs" },
	};
	static const char *const nkeys[][2] = {
		{ "rx.bytes", "rx_bytes" }, { "rx.pkts", "rx_packets" },
		{ "rx.errs", "rx_errs" },   { "rx.drop", "rx_drop" },
		{ "tx.bytes", "tx_bytes" }, { "tx.pkts", "tx_packets" },
		{ "tx.errs", "tx_errs" },   { "tx.drop", "tx_drop" },
	};
	_Static_assert(sizeof(nkeys) <= sizeof(bkeys), "sum[] and seen[] hold the longer list");
	const char *pfx = blk ? "block" : "net";
	const char *const(*keys)[2] = blk ? bkeys : nkeys;
	size_t nk = blk ? sizeof(bkeys) / sizeof(bkeys[0]) : sizeof(nkeys) / sizeof(nkeys[0]);
	size_t found = 0;
	uint64_t sum[sizeof(bkeys) / sizeof(bkeys[0])] = { 0 };
	bool seen[sizeof(bkeys) / sizeof(bkeys[0])] = { false };
	struct json_object *c;
	char ck[16];

	snprintf(ck, sizeof(ck), "%s.count", pfx);
	json_object_object_get_ex(s, ck, &c);
	for (size_t i = 0; c && i < (size_t)json_object_get_int64(c); i++) {
		if (dev && strcmp(name_of(s, pfx, i, "name"), dev) &&
		    (!blk || strcmp(name_of(s, pfx, i, "path"), dev)))
			continue;
		for (size_t k = 0; k < nk; k++) {
			int64_t v = stat_of(s, pfx, i, keys[k][0]);

			if (v >= 0) {
				sum[k] += (uint64_t)v;
				seen[k] = true;
			}
		}
		found++;
	}
	if (dev && !found)
		return -1;
	for (size_t k = 0; k < nk; k++)
		if (seen[k] || !found)
			printf("%s %s %" PRIu64 "\n", dev ? dev : "", keys[k][1], sum[k]);
	putchar('\n');
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = blk ? "domblkstat" : "domifstat", *sock = NULL, *dev;
	struct json_object *req, *a, *s, *st;
	int opt, ret = VMON_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else
			return vmon_usage_exit(opt, usage);
	}
	if (optind + (blk ? 0 : 1) >= argc) {
		vmon_err("%s: missing %s (see: vmon %s --help)", cmd,
			 optind >= argc ? "DOMAIN" : "INTERFACE", cmd);
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args(cmd, argc, argv, optind + 2, NULL))
		return VMON_EXIT_USAGE;
	dev = optind + 1 < argc ? argv[optind + 1] : NULL;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("domstats"));
	json_object_object_add(req, "domain", json_object_new_string(argv[optind]));
	if (vmond_request(cmd, sock, true, req, &a))
		return VMON_EXIT_FAIL;
	json_object_object_get_ex(a, "stats", &s);
	if (!s || !json_object_object_get_ex(s, "state.state", &st) ||
	    json_object_get_int(st) == 5 || json_object_get_int(st) == 0) { /* shut off */
		vmon_err("%s: Requested operation is not valid: domain is not running", cmd);
		ret = VMON_EXIT_FAIL;
	} else if (print_dev(s, dev)) {
		vmon_err(blk ? "%s: invalid argument: invalid path: %s"
			     : "%s: invalid argument: invalid path, '%s' is not a known interface",
			 cmd, dev);
		ret = VMON_EXIT_FAIL;
	}
	json_object_put(a);
	return ret;
}

int vmon_cmd_domblkstat(int argc, char **argv);
int vmon_cmd_domblkstat(int argc, char **argv)
{
	blk = true;
	return run(argc, argv);
}

int vmon_cmd_domifstat(int argc, char **argv);
int vmon_cmd_domifstat(int argc, char **argv)
{
	blk = false;
	return run(argc, argv);
}
