// SPDX-License-Identifier: GPL-2.0
/*
 * vmon net-list and net-dhcp-leases: vmond's answer as virsh's tables (a
 * leading space, columns padded and three spaces apart, a line of dashes
 * two longer than the header), so that scripts written for virsh read ours.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vmon/cli.h>

#include "vmond_client.h"

#define MAXCOL 6

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static bool is_on(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static void list_usage(FILE *f)
{
	fprintf(f, "usage: vmon net-list [-c URI] [--all] [--inactive] [--autostart]\n"
		   "                     [--no-autostart] [--persistent] [--transient] [--name] "
		   "[--uuid]\n"
		   "\n"
		   "List virtual networks; without options, the active ones.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --all             active and inactive networks\n"
		   "      --inactive        inactive networks only\n"
		   "      --autostart, --no-autostart, --persistent, --transient\n"
		   "                        only the networks that are so\n"
		   "      --name            only names, one a line\n"
		   "      --uuid            only UUIDs, one a line (with --name: UUID NAME)\n"
		   "  -h, --help            this text\n");
}

enum { F_ALL = 1, F_INACTIVE = 2, F_AUTO = 4, F_NOAUTO = 8, F_PERS = 16, F_TRANS = 32 };
enum { F_NAME = 64, F_UUID = 128 };

static bool wanted(struct json_object *o, unsigned int f)
{
	bool active = is_on(o, "active"), au = is_on(o, "autostart"), pe = is_on(o, "persistent");

	if (((f & F_INACTIVE) && active) || (!(f & (F_ALL | F_INACTIVE)) && !active))
		return false;
	if (((f & F_AUTO) && !au) || ((f & F_NOAUTO) && au))
		return false;
	return !((f & F_PERS) && !pe) && !((f & F_TRANS) && pe);
}

static void print_nets(struct json_object *nets, unsigned int f)
{
	size_t n = json_object_array_length(nets), k = 1;
	const char *rows[n + 1][MAXCOL];

	rows[0][0] = "Name", rows[0][1] = "State", rows[0][2] = "Autostart";
	rows[0][3] = "Persistent";
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(nets, i);

		if (!wanted(o, f))
			continue;
		if (f & (F_NAME | F_UUID)) {
			if ((f & F_NAME) && (f & F_UUID))
				printf("%s %s\n", str(o, "uuid"), str(o, "name"));
			else
				printf("%s\n", str(o, f & F_UUID ? "uuid" : "name"));
			continue;
		}
		rows[k][0] = str(o, "name");
		rows[k][1] = is_on(o, "active") ? "active" : "inactive";
		rows[k][2] = is_on(o, "autostart") ? "yes" : "no";
		rows[k++][3] = is_on(o, "persistent") ? "yes" : "no";
	}
	if (f & (F_NAME | F_UUID))
		putchar('\n');
	else
		vmon_print_table(&rows[0][0], k, 4, MAXCOL);
}

int vmon_cmd_net_list(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 0x100 | 0 },
		{ "inactive", no_argument, NULL, 0x100 | 1 },
		{ "autostart", no_argument, NULL, 0x100 | 2 },
		{ "no-autostart", no_argument, NULL, 0x100 | 3 },
		{ "persistent", no_argument, NULL, 0x100 | 4 },
		{ "transient", no_argument, NULL, 0x100 | 5 },
		{ "name", no_argument, NULL, 0x100 | 6 },
		{ "uuid", no_argument, NULL, 0x100 | 7 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *req, *a, *nets;
	const char *sock = NULL;
	unsigned int f = 0;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt >= 0x100)
			f |= 1u << (opt & 0xff);
		else
			return vmon_usage_exit(opt, list_usage);
	}
	if (vmon_no_more_args("net-list", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("net-list"));
	if (vmond_request("net-list", sock, true, req, &a))
		return VMON_EXIT_FAIL;
	if (json_object_object_get_ex(a, "networks", &nets))
		print_nets(nets, f);
	json_object_put(a);
	return VMON_EXIT_OK;
}

static void leases_usage(FILE *f)
{
	fprintf(f, "usage: vmon net-dhcp-leases [-c URI] NETWORK [--mac MAC]\n"
		   "\n"
		   "The DHCP leases the network's dnsmasq has handed out.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --mac MAC         only the lease of this MAC address\n"
		   "  -h, --help            this text\n");
}

static void print_leases(struct json_object *ls)
{
	size_t n = json_object_array_length(ls);
	const char *rows[n + 1][MAXCOL];
	char when[n + 1][32], addr[n + 1][40];

	rows[0][0] = "Expiry Time", rows[0][1] = "MAC address", rows[0][2] = "Protocol";
	rows[0][3] = "IP address", rows[0][4] = "Hostname", rows[0][5] = "Client ID or DUID";
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(ls, i), *v;
		time_t t = 0;
		struct tm tm;

		if (json_object_object_get_ex(o, "expiry", &v))
			t = (time_t)json_object_get_int64(v);
		if (t)
			strftime(when[i], sizeof(when[i]), "%Y-%m-%d %H:%M:%S",
				 localtime_r(&t, &tm));
		else
			strcpy(when[i], "never");
		json_object_object_get_ex(o, "prefix", &v);
		snprintf(addr[i], sizeof(addr[i]), "%s/%d", str(o, "ip"), json_object_get_int(v));
		rows[i + 1][0] = when[i];
		rows[i + 1][1] = str(o, "mac");
		rows[i + 1][2] = "ipv4";
		rows[i + 1][3] = addr[i];
		rows[i + 1][4] = *str(o, "hostname") ? str(o, "hostname") : "-";
		rows[i + 1][5] = *str(o, "clientid") ? str(o, "clientid") : "-";
	}
	vmon_print_table(&rows[0][0], n + 1, 6, MAXCOL);
}

int vmon_cmd_net_dhcp_leases(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "mac", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *req, *a, *ls;
	const char *sock = NULL, *mac = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt == 'm')
			mac = optarg;
		else
			return vmon_usage_exit(opt, leases_usage);
	}
	if (optind >= argc) {
		vmon_err("net-dhcp-leases: missing NETWORK (see: vmon net-dhcp-leases --help)");
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args("net-dhcp-leases", argc, argv, optind + 1, NULL))
		return VMON_EXIT_USAGE;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("net-dhcp-leases"));
	json_object_object_add(req, "network", json_object_new_string(argv[optind]));
	if (mac)
		json_object_object_add(req, "mac", json_object_new_string(mac));
	if (vmond_request("net-dhcp-leases", sock, true, req, &a))
		return VMON_EXIT_FAIL;
	if (json_object_object_get_ex(a, "leases", &ls))
		print_leases(ls);
	json_object_put(a);
	return VMON_EXIT_OK;
}
