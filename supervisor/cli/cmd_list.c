// SPDX-License-Identifier: GPL-2.0
/*
 * vmon list: the domains vmond knows, in virsh list's layout
 * (" Id   Name   State", a line of dashes, "-" as the id of inactive ones),
 * so that scripts written for virsh's output read ours.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

enum {
	L_ALL = 1 << 0,
	L_INACTIVE = 1 << 1,
	L_AUTOSTART = 1 << 2,
	L_NO_AUTOSTART = 1 << 3,
	L_PERSISTENT = 1 << 4,
	L_TRANSIENT = 1 << 5,
	L_NAME = 1 << 6,
	L_UUID = 1 << 7,
	L_RUNNING = 1 << 8,
	L_PAUSED = 1 << 9,
	L_SHUTOFF = 1 << 10,
	L_OTHER = 1 << 11,
	L_MANAGED = 1 << 12,	/* --managed-save: "saved" for those shut off with one */
	L_WITH_MS = 1 << 13,	/* --with-managed-save */
	L_WITHOUT_MS = 1 << 14, /* --without-managed-save */
};
#define L_STATES (L_RUNNING | L_PAUSED | L_SHUTOFF | L_OTHER)

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon list [-c URI] [--all] [--inactive] [--autostart] "
		   "[--no-autostart]\n"
		   "                 [--persistent] [--transient] [--state-running] "
		   "[--state-paused]\n"
		   "                 [--state-shutoff] [--state-other] [--managed-save]\n"
		   "                 [--with-managed-save] [--without-managed-save] [--name] "
		   "[--uuid]\n"
		   "\n"
		   "List domains; without options, the active ones.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --all             active and inactive domains\n"
		   "      --inactive        inactive domains only\n"
		   "      --autostart, --no-autostart, --persistent, --transient, --state-*\n"
		   "                        only the domains that are so\n"
		   "      --with-managed-save, --without-managed-save\n"
		   "                        only the domains with (without) a managed save\n"
		   "      --managed-save    \"saved\" as the state of those shut off with one\n"
		   "      --name            only names, one a line\n"
		   "      --uuid            only UUIDs, one a line (with --name: UUID NAME)\n"
		   "  -h, --help            this text\n");
}

static bool is_on(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static bool wanted(struct json_object *o, unsigned int f)
{
	const char *st = str(o, "state");
	bool active = strcmp(st, "shut off") != 0;

	if ((f & L_INACTIVE) && active)
		return false;
	if (!(f & (L_ALL | L_INACTIVE | L_STATES)) && !active)
		return false;
	if ((f & L_AUTOSTART) && !is_on(o, "autostart"))
		return false;
	if ((f & L_NO_AUTOSTART) && is_on(o, "autostart"))
		return false;
	if ((f & L_PERSISTENT) && !is_on(o, "persistent"))
		return false;
	if ((f & L_TRANSIENT) && is_on(o, "persistent"))
		return false;
	if ((f & L_WITH_MS) && !is_on(o, "managed_save"))
		return false;
	if ((f & L_WITHOUT_MS) && is_on(o, "managed_save"))
		return false;
	if (f & L_STATES) {
		bool run = !strcmp(st, "running"), pau = !strcmp(st, "paused");
		bool off = !active, other = !run && !pau && !off;

		return ((f & L_RUNNING) && run) || ((f & L_PAUSED) && pau) ||
		       ((f & L_SHUTOFF) && off) || ((f & L_OTHER) && other);
	}
	return true;
}

static const char *state_of(struct json_object *o, unsigned int f)
{
	if ((f & L_MANAGED) && is_on(o, "managed_save") && !strcmp(str(o, "state"), "shut off"))
		return "saved";
	return str(o, "state");
}

static void print_table(struct json_object **rows, size_t n, unsigned int f)
{
	int wid = 2, wname = 4, len;
	char id[16];

	for (size_t i = 0; i < n; i++) {
		len = snprintf(id, sizeof(id), "%d",
			       json_object_get_int(json_object_object_get(rows[i], "id")));
		wid = len > wid ? len : wid;
		len = (int)strlen(str(rows[i], "name"));
		wname = len > wname ? len : wname;
	}
	len = printf(" %-*s   %-*s   %s\n", wid, "Id", wname, "Name", "State");
	for (int i = 0; i < len + 2; i++)
		putchar('-');
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		int v = json_object_get_int(json_object_object_get(rows[i], "id"));

		if (v < 0)
			strcpy(id, "-");
		else
			snprintf(id, sizeof(id), "%d", v);
		printf(" %-*s   %-*s   %s\n", wid, id, wname, str(rows[i], "name"),
		       state_of(rows[i], f));
	}
	putchar('\n');
}

static void print(struct json_object *doms, unsigned int f)
{
	size_t n = json_object_array_length(doms), k = 0;
	struct json_object *rows[n ? n : 1];

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(doms, i);

		if (wanted(o, f))
			rows[k++] = o;
	}
	if (!(f & (L_NAME | L_UUID))) {
		print_table(rows, k, f);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		if ((f & L_UUID) && (f & L_NAME))
			printf("%s %s\n", str(rows[i], "uuid"), str(rows[i], "name"));
		else
			printf("%s\n", str(rows[i], (f & L_UUID) ? "uuid" : "name"));
	}
	putchar('\n');
}

int vmon_cmd_list(int argc, char **argv)
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
		{ "state-running", no_argument, NULL, 0x100 | 8 },
		{ "state-paused", no_argument, NULL, 0x100 | 9 },
		{ "state-shutoff", no_argument, NULL, 0x100 | 10 },
		{ "state-other", no_argument, NULL, 0x100 | 11 },
		{ "managed-save", no_argument, NULL, 0x100 | 12 },
		{ "with-managed-save", no_argument, NULL, 0x100 | 13 },
		{ "without-managed-save", no_argument, NULL, 0x100 | 14 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *req, *a, *doms;
	const char *sock = NULL;
	unsigned int f = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt >= 0x100)
			f |= 1u << (opt & 0xff);
		else
			return vmon_usage_exit(opt, usage);
	}
	if (vmon_no_more_args("list", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("list"));
	if (vmond_request("list", sock, true, req, &a))
		return VMON_EXIT_FAIL;
	if (json_object_object_get_ex(a, "domains", &doms))
		print(doms, f);
	json_object_put(a);
	return VMON_EXIT_OK;
}
