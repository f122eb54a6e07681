// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot-* commands, with virsh's names, options and output: create
 * (from XML or -as), list (--parent, --tree, --name), info, dumpxml,
 * current, parent, revert, delete. vmond does the work (snapshot.c there);
 * info, current --name, parent and the tree are read from snapshot-list.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmon/cli.h>
#include <vmon/snapshot.h>

#include "vmond_client.h"

enum { O_CONNECT = 'c', O_HELP = 'h', O_FLAG = 0x100 };

struct scmd {
	const char *verb, *req;
	const char *args;  /* positional, in order: DOMAIN first */
	const char *flags; /* comma list of --flags */
	bool readonly;
	const char *help;
};

static const struct scmd cmds[] = {
	{ "snapshot-create-as", "snapshot-create", "DOMAIN [NAME] [DESCRIPTION]",
	  "disk-only,atomic,no-metadata,print-xml", false,
	  "Snapshot a shut-off domain: every writable qcow2 disk gets an internal\n"
	  "snapshot and vmond keeps the definition with it; with --disk-only every\n"
	  "writable disk gets a new qcow2 overlay (DISK.NAME) the domain runs on from\n"
	  "now. --atomic is always so: every disk or none. --print-xml prints the\n"
	  "snapshot XML, making nothing." },
	{ "snapshot-create", "snapshot-create", "DOMAIN [FILE]", "disk-only,atomic,no-metadata",
	  false, "Snapshot a shut-off domain from <domainsnapshot> XML (name, description)." },
	{ "snapshot-list", "snapshot-list", "DOMAIN", "parent,tree,name", true,
	  "List a domain's snapshots, oldest first." },
	{ "snapshot-info", "snapshot-list", "DOMAIN [SNAPSHOT]", "current", true,
	  "A snapshot's name, state, parent, children and whether it is current." },
	{ "snapshot-dumpxml", "snapshot-dumpxml", "DOMAIN SNAPSHOT", "", true,
	  "A snapshot's XML, the domain's definition of its moment inside." },
	{ "snapshot-current", "snapshot-dumpxml", "DOMAIN", "name", true,
	  "The current snapshot's XML (--name: its name)." },
	{ "snapshot-parent", "snapshot-list", "DOMAIN [SNAPSHOT]", "current", true,
	  "The name of a snapshot's parent." },
	{ "snapshot-revert", "snapshot-revert", "DOMAIN [SNAPSHOT]", "current,running,paused",
	  false,
	  "Put a shut-off domain back to a snapshot: its disks and its definition;\n"
	  "--running or --paused start it after." },
	{ "snapshot-delete", "snapshot-delete", "DOMAIN [SNAPSHOT]",
	  "current,children,children-only,metadata", false,
	  "Delete a snapshot (from the disks too, unless --metadata); its children\n"
	  "move up to its parent, or go with it (--children)." },
};

static const struct scmd *cur;

static void usage(FILE *f)
{
	char fl[128], *p;

	fprintf(f, "usage: vmon %s [-c URI] %s", cur->verb, cur->args);
	snprintf(fl, sizeof(fl), "%s", cur->flags);
	for (p = strtok(fl, ","); p; p = strtok(NULL, ","))
		fprintf(f, " [--%s]", p);
	fprintf(f,
		"\n\n%s\n\n"
		"  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		"  -h, --help            this text\n",
		cur->help);
}

static bool flag(struct json_object *f, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(f, name, &v) && json_object_get_boolean(v);
}

/* The snapshots of snapshot-list's answer. */
static struct json_object *list_of(struct json_object *a)
{
	struct json_object *l;

	return json_object_object_get_ex(a, "snapshots", &l) ? l : NULL;
}

static struct json_object *snap_named(struct json_object *l, const char *name, bool cur_one)
{
	for (size_t i = 0; l && i < json_object_array_length(l); i++) {
		struct json_object *s = json_object_array_get_idx(l, i);

		if (cur_one ? vmon_jbool(s, "current") : !strcmp(vmon_jstr(s, "name"), name))
			return s;
	}
	return NULL;
}

static size_t count_children(struct json_object *l, const char *name, bool all)
{
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(l); i++) {
		struct json_object *s = json_object_array_get_idx(l, i);

		if (strcmp(vmon_jstr(s, "parent"), name))
			continue;
		n += 1 + (all ? count_children(l, vmon_jstr(s, "name"), true) : 0);
	}
	return n;
}

static void tree(struct json_object *l, const char *parent, const char *indent)
{
	size_t n = json_object_array_length(l), left = count_children(l, parent, false);
	char sub[512];

	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(l, i);
		const char *name = vmon_jstr(s, "name");

		if (strcmp(vmon_jstr(s, "parent"), parent))
			continue;
		left--;
		if (!*parent) {
			printf("%s\n", name);
			snprintf(sub, sizeof(sub), "%s", "");
		} else {
			printf("%s  |\n%s  +- %s\n", indent, indent, name);
			snprintf(sub, sizeof(sub), "%s%s", indent, left ? "  | " : "    ");
		}
		tree(l, name, sub);
		if (!*parent && left)
			printf("\n");
	}
}

static int print_list(struct json_object *a, struct json_object *f)
{
	struct json_object *l = list_of(a);
	size_t n = l ? json_object_array_length(l) : 0, nc = flag(f, "parent") ? 4 : 3;
	const char **cells = calloc((n + 1) * 4, sizeof(*cells));
	char(*when)[40] = calloc(n ? n : 1, sizeof(*when));

	if (!cells || !when) {
		free(cells);
		free(when);
		return -1;
	}
	if (flag(f, "tree")) {
		tree(l, "", "");
	} else if (flag(f, "name")) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", vmon_jstr(json_object_array_get_idx(l, i), "name"));
	} else {
		cells[0] = "Name", cells[1] = "Creation Time", cells[2] = "State",
		cells[3] = "Parent";
		for (size_t i = 0; i < n; i++) {
			struct json_object *s = json_object_array_get_idx(l, i);
			time_t t = (time_t)json_object_get_int64(
				json_object_object_get(s, "creation_time"));
			struct tm tm;

			strftime(when[i], sizeof(when[i]), "%Y-%m-%d %H:%M:%S %z",
				 localtime_r(&t, &tm));
			cells[(i + 1) * 4] = vmon_jstr(s, "name");
			cells[(i + 1) * 4 + 1] = when[i];
			cells[(i + 1) * 4 + 2] = vmon_jstr(s, "state");
			cells[(i + 1) * 4 + 3] =
				*vmon_jstr(s, "parent") ? vmon_jstr(s, "parent") : "-";
		}
		vmon_print_table(cells, n + 1, nc, 4);
	}
	free(cells);
	free(when);
	return 0;
}

/* snapshot-info and snapshot-parent, from the list. */
static int print_info(struct json_object *a, struct json_object *f, const char *snap,
		      bool parent_only)
{
	struct json_object *l = list_of(a), *s = snap_named(l, snap, flag(f, "current"));
	const char *name, *parent;

	if (!s) {
		vmon_err("%s: %s", cur->verb,
			 snap ? "Domain snapshot not found: no domain snapshot with matching name"
			      : "Domain snapshot not found: the domain does not have a current "
				"snapshot");
		return -1;
	}
	name = vmon_jstr(s, "name");
	parent = vmon_jstr(s, "parent");
	if (parent_only) {
		if (!*parent) {
			vmon_err("%s: snapshot '%s' has no parent", cur->verb, name);
			return -1;
		}
		printf("%s\n", parent);
		return 0;
	}
	printf("%-15s %s\n%-15s %s\n%-15s %s\n%-15s %s\n%-15s %s\n%-15s %s\n", "Name:", name,
	       "Domain:", vmon_jstr(a, "name"), "Current:", vmon_jbool(s, "current") ? "yes" : "no",
	       "State:", vmon_jstr(s, "state"), "Location:", "internal",
	       "Parent:", *parent ? parent : "-");
	printf("%-15s %zu\n%-15s %zu\n%-15s %s\n", "Children:", count_children(l, name, false),
	       "Descendants:", count_children(l, name, true), "Metadata:", "yes");
	return 0;
}

/* What snapshot-create-as --print-xml shows: the XML it would send. */
static int print_xml_as(char *name, char *desc)
{
	struct vmon_snapshot s = { .name = name, .description = desc };
	char *xml = vmon_snapshot_format(&s, false);

	if (!xml)
		return -1;
	fputs(xml, stdout);
	free(xml);
	return 0;
}

static int answer(struct json_object *a, struct json_object *f, char **pos, int npos)
{
	const char *snap = vmon_jstr(a, "snapshot");

	if (!strcmp(cur->verb, "snapshot-create-as"))
		printf("Domain snapshot %s created\n", snap);
	else if (!strcmp(cur->verb, "snapshot-create"))
		printf(npos > 1 ? "Domain snapshot %s created from '%s'\n"
				: "Domain snapshot %s created\n",
		       snap, npos > 1 ? pos[1] : "");
	else if (!strcmp(cur->verb, "snapshot-list"))
		return print_list(a, f);
	else if (!strcmp(cur->verb, "snapshot-info") || !strcmp(cur->verb, "snapshot-parent"))
		return print_info(a, f, npos > 1 ? pos[1] : NULL,
				  !strcmp(cur->verb, "snapshot-parent"));
	else if (!strcmp(cur->verb, "snapshot-current") && flag(f, "name"))
		printf("%s\n", snap);
	else if (!strcmp(cur->verb, "snapshot-dumpxml") || !strcmp(cur->verb, "snapshot-current"))
		fputs(vmon_jstr(a, "xml"), stdout);
	else if (!strcmp(cur->verb, "snapshot-delete"))
		printf(flag(f, "children-only") ? "Domain snapshot %s children deleted\n"
						: "Domain snapshot %s deleted\n",
		       snap);
	return 0;
}

static int run(int argc, char **argv)
{
	struct option lo[12] = { { "connect", required_argument, NULL, O_CONNECT },
				 { "help", no_argument, NULL, O_HELP } };
	char names[8][24], fl[128], *p, *pos[3] = { NULL };
	struct json_object *f = json_object_new_object(), *req, *a;
	int nf = 0, npos, opt, maxpos = 1, ret;
	const char *sock = NULL;

	snprintf(fl, sizeof(fl), "%s", cur->flags);
	for (p = strtok(fl, ","); p && nf < 8; p = strtok(NULL, ","), nf++) {
		snprintf(names[nf], sizeof(names[nf]), "%s", p);
		lo[nf + 2] = (struct option){ names[nf], no_argument, NULL, O_FLAG + nf };
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == O_CONNECT)
			sock = optarg;
		else if (opt >= O_FLAG)
			json_object_object_add(f, names[opt - O_FLAG], json_object_new_boolean(1));
		else
			return json_object_put(f), vmon_usage_exit(opt, usage);
	}
	for (const char *s = cur->args; (s = strchr(s, ' ')); s++)
		maxpos++;
	for (npos = 0; optind < argc && npos < maxpos; npos++)
		pos[npos] = argv[optind++];
	if (!npos || vmon_no_more_args(cur->verb, argc, argv, optind, NULL) ||
	    (strstr(cur->args, " SNAPSHOT") && !strstr(cur->args, "[SNAPSHOT]") && npos < 2) ||
	    (flag(f, "running") && flag(f, "paused"))) {
		if (!npos || (strstr(cur->args, " SNAPSHOT") && npos < 2))
			vmon_err("%s: missing %s (see: vmon %s --help)", cur->verb,
				 npos ? "SNAPSHOT" : "DOMAIN", cur->verb);
		else if (flag(f, "running"))
			vmon_err("%s: --running and --paused are mutually exclusive", cur->verb);
		json_object_put(f);
		return VMON_EXIT_USAGE;
	}
	if (npos < 2 && strstr(cur->flags, "current") && !flag(f, "current")) {
		vmon_err("%s: a SNAPSHOT or --current is required", cur->verb);
		json_object_put(f);
		return VMON_EXIT_USAGE;
	}
	if (!strcmp(cur->verb, "snapshot-create-as") && flag(f, "print-xml")) {
		ret = print_xml_as(pos[1], pos[2]);
		json_object_put(f);
		return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cur->req));
	json_object_object_add(req, "domain", json_object_new_string(pos[0]));
	json_object_object_foreach (f, k, v)
		json_object_object_add(req, k, json_object_get(v));
	if (!strcmp(cur->verb, "snapshot-create-as")) {
		if (pos[1])
			json_object_object_add(req, "snapshot", json_object_new_string(pos[1]));
		if (pos[2])
			json_object_object_add(req, "description", json_object_new_string(pos[2]));
	} else if (!strcmp(cur->verb, "snapshot-create")) {
		if (pos[1] && vmond_req_add_file(req, "xml", cur->verb, pos[1])) {
			json_object_put(req);
			json_object_put(f);
			return VMON_EXIT_FAIL;
		}
	} else if (pos[1] && strcmp(cur->req, "snapshot-list")) {
		json_object_object_add(req, "snapshot", json_object_new_string(pos[1]));
	}
	if (vmond_request(cur->verb, sock, cur->readonly, req, &a)) {
		json_object_put(f);
		return VMON_EXIT_FAIL;
	}
	ret = answer(a, f, pos, npos);
	json_object_put(a);
	json_object_put(f);
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}

int vmon_cmd_snapshot(int argc, char **argv);
int vmon_cmd_snapshot(int argc, char **argv)
{
	cur = NULL;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].verb))
			cur = &cmds[i];
	if (!cur) {
		vmon_err("%s: not a snapshot command", argv[0]);
		return VMON_EXIT_USAGE;
	}
	return run(argc, argv);
}
