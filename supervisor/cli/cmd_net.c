// SPDX-License-Identifier: GPL-2.0
/*
 * The virsh-named net-* commands that take one network or one XML file:
 * one table of what each sends to vmond and prints, in virsh's words.
 * net-list and net-dhcp-leases (tables) are in cmd_net_list.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

enum { N_INACTIVE = 1 << 0, N_DISABLE = 1 << 1, N_FORCE = 1 << 2 };

struct ncmd {
	const char *name;  /* the verb and vmond's request */
	const char *arg;   /* "NETWORK" or "FILE" */
	unsigned int opts; /* the N_* it accepts */
	bool readonly;
	const char *done; /* printf format: %s the name, then the file */
	const char *help;
};

static const struct ncmd ncmds[] = {
	{ "net-define", "FILE", 0, false, "Network %s defined from %s\n\n",
	  "define (but do not start) a virtual network from an XML file" },
	{ "net-create", "FILE", 0, false, "Network %s created from %s\n\n",
	  "create and start a transient network from an XML file" },
	{ "net-undefine", "NETWORK", 0, false, "Network %s has been undefined\n\n",
	  "undefine a network (an active one becomes transient)" },
	{ "net-start", "NETWORK", 0, false, "Network %s started\n\n",
	  "start an inactive network: its bridge, NAT rules and dnsmasq" },
	{ "net-destroy", "NETWORK", N_FORCE, false, "Network %s destroyed\n\n",
	  "stop a network; everything it made on the host is removed" },
	{ "net-autostart", "NETWORK", N_DISABLE, false, NULL,
	  "start a network when vmond starts (--disable: do not)" },
	{ "net-info", "NETWORK", 0, true, NULL, "basic facts of a network" },
	{ "net-dumpxml", "NETWORK", N_INACTIVE, true, NULL,
	  "the XML of a network (--inactive: its definition)" },
};

static const struct {
	unsigned int bit;
	const char *name, *help;
} optnames[] = {
	{ N_INACTIVE, "inactive", "the persistent definition, not the running one" },
	{ N_DISABLE, "disable", "turn autostart off" },
	{ N_FORCE, "force", "even if running domains use the network" },
};
#define N_OPTNAMES (sizeof(optnames) / sizeof(optnames[0]))

static const struct ncmd *cur;

static const char *str(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) ? json_object_get_string(v) : "";
}

static const char *yes(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) && json_object_get_boolean(v) ? "yes" : "no";
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon %s [-c URI] %s", cur->name, cur->arg);
	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (cur->opts & optnames[i].bit)
			fprintf(f, " [--%s]", optnames[i].name);
	fprintf(f, "\n\n%c%s.\n\n", cur->help[0] - 32 * (cur->help[0] >= 'a'), cur->help + 1);
	fprintf(f, "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n");
	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (cur->opts & optnames[i].bit)
			fprintf(f, "      --%-16s%s\n", optnames[i].name, optnames[i].help);
	fprintf(f, "  -h, --help            this text\n");
}

static struct json_object *request(const char *arg, unsigned int opts)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "cmd", json_object_new_string(cur->name));
	if (strcmp(cur->arg, "FILE")) {
		json_object_object_add(req, "network", json_object_new_string(arg));
	} else if (vmond_req_add_file(req, "xml", cur->name, arg)) {
		json_object_put(req);
		return NULL;
	}
	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (opts & optnames[i].bit)
			json_object_object_add(req, optnames[i].name, json_object_new_boolean(1));
	return req;
}

static void report(struct json_object *a, const char *arg, unsigned int opts)
{
	if (!strcmp(cur->name, "net-dumpxml")) {
		fputs(str(a, "xml"), stdout);
	} else if (!strcmp(cur->name, "net-info")) {
		printf("%-15s %s\n", "Name:", str(a, "name"));
		printf("%-15s %s\n", "UUID:", str(a, "uuid"));
		printf("%-15s %s\n", "Active:", yes(a, "active"));
		printf("%-15s %s\n", "Persistent:", yes(a, "persistent"));
		printf("%-15s %s\n", "Autostart:", yes(a, "autostart"));
		printf("%-15s %s\n\n", "Bridge:", str(a, "bridge"));
	} else if (!strcmp(cur->name, "net-autostart")) {
		printf(opts & N_DISABLE ? "Network %s unmarked as autostarted\n\n"
					: "Network %s marked as autostarted\n\n",
		       str(a, "name"));
	} else {
		printf(cur->done, str(a, "name"), arg);
	}
}

static int parse(int argc, char **argv, const char **sock, unsigned int *opts)
{
	struct option lo[N_OPTNAMES + 3] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
	};
	int n = 2, opt;

	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (cur->opts & optnames[i].bit)
			lo[n++] = (struct option){ optnames[i].name, no_argument, NULL,
						   (int)(0x100 + i) };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			*sock = optarg;
		else if (opt >= 0x100)
			*opts |= optnames[opt - 0x100].bit;
		else
			return vmon_usage_exit(opt, usage) + 100;
	}
	if (optind >= argc) {
		vmon_err("%s: missing %s (see: vmon %s --help)", cur->name, cur->arg, cur->name);
		return VMON_EXIT_USAGE + 100;
	}
	if (vmon_no_more_args(cur->name, argc, argv, optind + 1, NULL))
		return VMON_EXIT_USAGE + 100;
	return 0;
}

static int run(const char *name, int argc, char **argv)
{
	const char *sock = NULL;
	struct json_object *req, *a;
	unsigned int opts = 0;
	int ret;

	for (cur = ncmds; strcmp(cur->name, name); cur++)
		;
	ret = parse(argc, argv, &sock, &opts);
	if (ret)
		return ret - 100;
	req = request(argv[optind], opts);
	if (!req || vmond_request(cur->name, sock, cur->readonly, req, &a))
		return VMON_EXIT_FAIL;
	report(a, argv[optind], opts);
	json_object_put(a);
	return VMON_EXIT_OK;
}

#define VERB(fn, name)                                                                             \
	int fn(int argc, char **argv);                                                             \
	int fn(int argc, char **argv)                                                              \
	{                                                                                          \
		return run(name, argc, argv);                                                      \
	}
VERB(vmon_cmd_net_define, "net-define")
VERB(vmon_cmd_net_create, "net-create")
VERB(vmon_cmd_net_undefine, "net-undefine")
VERB(vmon_cmd_net_start, "net-start")
VERB(vmon_cmd_net_destroy, "net-destroy")
VERB(vmon_cmd_net_autostart, "net-autostart")
VERB(vmon_cmd_net_info, "net-info")
VERB(vmon_cmd_net_dumpxml, "net-dumpxml")
