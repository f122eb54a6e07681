// SPDX-License-Identifier: GPL-2.0
/*
 * vmon net-update NETWORK COMMAND SECTION XML [--live] [--config]
 * [--current]: virsh's, for the section vmond supports (ip-dhcp-host). XML
 * is the element itself or a file holding it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon net-update [-c URI] NETWORK COMMAND SECTION XML [--live] "
		   "[--config] [--current]\n"
		   "\n"
		   "Change part of a network: COMMAND add, add-first, add-last or delete;\n"
		   "SECTION ip-dhcp-host; XML a <host mac= name= ip=/> or a file holding it.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --live            the running network (dnsmasq re-reads its hosts)\n"
		   "      --config          the persistent definition\n"
		   "      --current         the running network if active, else the definition\n"
		   "                        (the default)\n"
		   "  -h, --help            this text\n");
}

/* The element itself, or the contents of the file it names (malloc'd). */
static char *xml_arg(const char *arg)
{
	char *xml = NULL;
	size_t cap = 0;
	FILE *f;

	if (arg[strspn(arg, " \t\n")] == '<')
		return strdup(arg);
	f = fopen(arg, "re");
	if (!f || getdelim(&xml, &cap, 0, f) < 0) {
		vmon_err("net-update: cannot read '%s': %s", arg,
			 f ? "empty file" : strerror(errno));
		free(xml);
		xml = NULL;
	}
	if (f)
		fclose(f);
	return xml;
}

static struct json_object *request(char **a, bool live, bool config)
{
	struct json_object *req;
	char *xml = xml_arg(a[3]);

	if (!xml)
		return NULL;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("net-update"));
	json_object_object_add(req, "network", json_object_new_string(a[0]));
	json_object_object_add(req, "command", json_object_new_string(a[1]));
	json_object_object_add(req, "section", json_object_new_string(a[2]));
	json_object_object_add(req, "xml", json_object_new_string(xml));
	json_object_object_add(req, "live", json_object_new_boolean(live));
	json_object_object_add(req, "config", json_object_new_boolean(config));
	free(xml);
	return req;
}

int vmon_cmd_net_update(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' }, { "live", no_argument, NULL, 'l' },
		{ "config", no_argument, NULL, 'C' },	     { "current", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	struct json_object *req, *a, *v;
	bool live = false, config = false, current = false, l, c;
	const char *sock = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt == 'l' || opt == 'C' || opt == 'u')
			*(opt == 'l' ? &live : opt == 'C' ? &config : &current) = true;
		else
			return vmon_usage_exit(opt, usage);
	}
	if (current && (live || config)) {
		vmon_err("net-update: --current cannot go with --live or --config");
		return VMON_EXIT_USAGE;
	}
	if (argc - optind < 4) {
		vmon_err("net-update: needs NETWORK COMMAND SECTION XML (see: vmon net-update "
			 "--help)");
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args("net-update", argc, argv, optind + 4, NULL))
		return VMON_EXIT_USAGE;
	req = request(argv + optind, live, config);
	if (!req || vmond_request("net-update", sock, false, req, &a))
		return VMON_EXIT_FAIL;
	l = json_object_object_get_ex(a, "live", &v) && json_object_get_boolean(v);
	c = json_object_object_get_ex(a, "config", &v) && json_object_get_boolean(v);
	printf("Updated network %s %s%s%s\n\n", argv[optind], c ? "persistent config" : "",
	       c && l ? " and " : "", l ? "live state" : "");
	json_object_put(a);
	return VMON_EXIT_OK;
}
