// SPDX-License-Identifier: GPL-2.0
/*
 * The virsh-named pool-* and vol-* commands: one table of what each takes
 * (its arguments in order, its options) and prints. Arguments may also be
 * given by name (--pool default), as virsh allows. vmond does the work.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>

#include "storage.h"
#include "vmond_client.h"

struct pcmd {
	const char *name, *req;
	const char *args;  /* comma list of JSON keys; "xml" is read from a FILE */
	const char *opts;  /* comma list; "x=" takes a value */
	bool readonly;	   /* served on the read-only socket */
	const char *done;  /* message: %s the name, then the value of "extra" */
	const char *extra; /* the JSON key printed second, or NULL */
	sprint print;
	const char *help;
};

static const struct pcmd pcmds[] = {
	{ "pool-list", "pool-list", "", "all,details", true, NULL, NULL, vmon_print_pool_list,
	  "list pools (--all: inactive ones too)" },
	{ "pool-info", "pool-info", "pool", "", true, NULL, NULL, vmon_print_pool_info,
	  "a pool's state and sizes" },
	{ "pool-dumpxml", "pool-dumpxml", "pool", "inactive", true, NULL, NULL, vmon_print_xml,
	  "a pool's XML" },
	{ "pool-define", "pool-define", "xml", "", false, "Pool %s defined from %s\n\n", "file",
	  NULL, "define a pool from an XML file" },
	{ "pool-define-as", "pool-define", "name,type",
	  "source-host=,source-path=,source-dev=,source-name=,source-format=,target=", false,
	  "Pool %s defined\n\n", NULL, NULL, "define a pool from its parts" },
	{ "pool-create", "pool-create", "xml", "", false, "Pool %s created from %s\n\n", "file",
	  NULL, "create and start a transient pool from an XML file" },
	{ "pool-create-as", "pool-create", "name,type",
	  "source-host=,source-path=,source-dev=,source-name=,source-format=,target=", false,
	  "Pool %s created\n\n", NULL, NULL, "create and start a transient pool from its parts" },
	{ "pool-build", "pool-build", "pool", "overwrite,no-overwrite", false, "Pool %s built\n\n",
	  NULL, NULL, "build a pool's storage (dir: make the directory)" },
	{ "pool-start", "pool-start", "pool", "build", false, "Pool %s started\n\n", NULL, NULL,
	  "start an inactive pool" },
	{ "pool-destroy", "pool-destroy", "pool", "", false, "Pool %s destroyed\n\n", NULL, NULL,
	  "stop a pool (its volumes stay)" },
	{ "pool-delete", "pool-delete", "pool", "", false, "Pool %s deleted\n\n", NULL, NULL,
	  "delete an inactive pool's storage (dir: the empty directory)" },
	{ "pool-undefine", "pool-undefine", "pool", "", false, "Pool %s has been undefined\n\n",
	  NULL, NULL, "remove a pool's definition" },
	{ "pool-autostart", "pool-autostart", "pool", "disable", false, NULL, NULL, NULL,
	  "start a pool with vmond (--disable: do not)" },
	{ "pool-refresh", "pool-refresh", "pool", "", false, "Pool %s refreshed\n\n", NULL, NULL,
	  "rescan a pool's volumes and sizes" },
	{ "find-storage-pool-sources", "pool-find-sources", "type", "srcSpec=", false, NULL, NULL,
	  vmon_print_xml,
	  "the pools of a type this host could define (logical: its volume groups)" },
	{ "find-storage-pool-sources-as", "pool-find-sources", "type",
	  "host=,port=,initiator=", false, NULL, NULL, vmon_print_xml,
	  "find-storage-pool-sources with the search given by its parts" },
	{ "vol-list", "vol-list", "pool", "details", true, NULL, NULL, vmon_print_vol_list,
	  "list a pool's volumes" },
	{ "vol-info", "vol-lookup", "vol", "pool=", true, NULL, NULL, vmon_print_vol_info,
	  "a volume's type and sizes" },
	{ "vol-dumpxml", "vol-lookup", "vol", "pool=", true, NULL, NULL, vmon_print_xml,
	  "a volume's XML" },
	{ "vol-path", "vol-lookup", "vol", "pool=", true, NULL, NULL, vmon_print_vol_field,
	  "a volume's path" },
	{ "vol-key", "vol-lookup", "vol", "pool=", true, NULL, NULL, vmon_print_vol_field,
	  "a volume's key" },
	{ "vol-name", "vol-lookup", "vol", "", true, NULL, NULL, vmon_print_vol_field,
	  "the name of a volume given by key or path" },
	{ "vol-pool", "vol-lookup", "vol", "", true, NULL, NULL, vmon_print_vol_field,
	  "the pool of a volume given by key or path" },
	{ "vol-create", "vol-create", "pool,xml", "prealloc-metadata", false,
	  "Vol %s created from %s\n\n", "file", NULL, "create a volume from an XML file" },
	{ "vol-create-as", "vol-create-as", "pool,name,capacity",
	  "allocation=,format=,backing-vol=,backing-vol-format=,prealloc-metadata", false,
	  "Vol %s created\n\n", NULL, NULL, "create a volume from its parts" },
	{ "vol-create-from", "vol-create-from", "pool,xml,input", "inputpool=,prealloc-metadata",
	  false, "Vol %s created from input vol %s\n\n", "input", NULL,
	  "create a volume from XML with the data of another" },
	{ "vol-clone", "vol-clone", "vol,newname", "pool=,prealloc-metadata", false,
	  "Vol %s cloned from %s\n\n", "vol", NULL, "copy a volume in its pool" },
	{ "vol-delete", "vol-delete", "vol", "pool=", false, "Vol %s deleted\n\n", NULL, NULL,
	  "delete a volume" },
	{ "vol-wipe", "vol-wipe", "vol", "pool=,algorithm=", false, "Vol %s wiped\n\n", NULL, NULL,
	  "overwrite a volume's data (zero, random, nnsa, dod)" },
	{ "vol-resize", "vol-resize", "vol,capacity", "pool=,delta,shrink", false,
	  "Size of volume '%s' successfully changed to %s\n\n", "capacity", NULL,
	  "change a volume's capacity" },
	{ "vol-upload", "vol-lookup", "vol,file", "pool=", false, NULL, NULL, vmon_vol_transfer,
	  "write a file's bytes into a volume" },
	{ "vol-download", "vol-lookup", "vol,file", "pool=", true, NULL, NULL, vmon_vol_transfer,
	  "copy a volume's bytes into a file" },
};

/* The i-th item of a comma list into buf ("" past the end); whether it takes a value. */
static bool item(const char *list, int i, char *buf, size_t len)
{
	const char *p = list;
	size_t n;

	for (; i > 0 && p; i--)
		p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
	n = p ? strcspn(p, ",") : 0;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p ? p : "", n);
	buf[n] = 0;
	if (n && buf[n - 1] == '=') {
		buf[n - 1] = 0;
		return true;
	}
	return false;
}

/* JSON keys have '_' where options have '-'; "xml" is given as a file. */
static void keyof(const char *name, char *key, size_t len)
{
	const char *k = !strcmp(name, "xml") ? "file" : name;
	size_t n = strlen(k) < len ? strlen(k) : len - 1;

	memcpy(key, k, n);
	key[n] = 0;
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
}

static const struct pcmd *cur;

static void usage(FILE *f)
{
	char b[64];

	fprintf(f, "usage: vmon %s [-c URI]", cur->name);
	for (int i = 0; item(cur->args, i, b, sizeof(b)) || *b; i++)
		fprintf(f, " %s", !strcmp(b, "xml") ? "FILE" : b);
	for (int i = 0; item(cur->opts, i, b, sizeof(b)) || *b; i++)
		fprintf(f, item(cur->opts, i, b, sizeof(b)) ? " [--%s VALUE]" : " [--%s]", b);
	fprintf(f, "\n\n%c%s.\n\n", cur->help[0] - 32 * (cur->help[0] >= 'a'), cur->help + 1);
	fprintf(f,
		"  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		"  -h, --help            this text\n"
		"Arguments may be given by name too (--%s VALUE).\n",
		item(cur->args, 0, b, sizeof(b)) || *b ? b : "pool");
}

/* Command line to vals (JSON keys to strings, or true for flags). argc: -1 usage. */
static int parse(int argc, char **argv, struct json_object *vals, const char **sock)
{
	struct option lo[24] = { { "connect", required_argument, NULL, 'c' },
				 { "help", no_argument, NULL, 'h' } };
	char names[22][64], key[64];
	int n = 0, na, opt;

	for (int i = 0; n < 22 && (item(cur->args, i, names[n], 64) || *names[n]); i++, n++)
		lo[n + 2] = (struct option){ names[n], required_argument, NULL, 0x100 + n };
	na = n;
	for (int i = 0; n < 22 && (item(cur->opts, i, names[n], 64) || *names[n]); i++, n++)
		lo[n + 2] =
			(struct option){ names[n],
					 item(cur->opts, i, key, sizeof(key)) ? required_argument
									      : no_argument,
					 NULL, 0x100 + n };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c') {
			*sock = optarg;
			continue;
		}
		if (opt < 0x100)
			return vmon_usage_exit(opt, usage);
		keyof(names[opt - 0x100], key, sizeof(key));
		json_object_object_add(vals, key,
				       lo[opt - 0x100 + 2].has_arg ? json_object_new_string(optarg)
								   : json_object_new_boolean(1));
	}
	for (int i = 0; i < na; i++) {
		keyof(names[i], key, sizeof(key));
		if (json_object_object_get_ex(vals, key, NULL))
			continue;
		if (optind >= argc) {
			vmon_err("%s: missing %s (see: vmon %s --help)", cur->name,
				 !strcmp(names[i], "xml") ? "FILE" : names[i], cur->name);
			return VMON_EXIT_USAGE;
		}
		json_object_object_add(vals, key, json_object_new_string(argv[optind++]));
	}
	return vmon_no_more_args(cur->name, argc, argv, optind, NULL) ? VMON_EXIT_USAGE : -1;
}

/* The request: every value, the XML read from its file (--srcSpec's too). */
static struct json_object *request(struct json_object *vals)
{
	struct json_object *req = json_object_new_object();
	const char *spec = vmon_jstr(vals, "srcSpec");

	json_object_object_add(req, "cmd", json_object_new_string(cur->req));
	json_object_object_foreach (vals, k, v)
		json_object_object_add(req, k, json_object_get(v));
	if ((strstr(cur->args, "xml") &&
	     vmond_req_add_file(req, "xml", cur->name, vmon_jstr(vals, "file"))) ||
	    (*spec && vmond_req_add_file(req, "srcspec", cur->name, spec))) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* After vol-upload: the pool's sizes and formats are read again. */
static int refresh(const char *sock, const char *pool)
{
	struct json_object *req = json_object_new_object(), *a;

	json_object_object_add(req, "cmd", json_object_new_string("pool-refresh"));
	json_object_object_add(req, "pool", json_object_new_string(pool));
	if (vmond_request("vol-upload", sock, false, req, &a))
		return -1;
	json_object_put(a);
	return 0;
}

static int run(const char *name, int argc, char **argv)
{
	struct json_object *vals = json_object_new_object(), *req, *a;
	struct scall c = { .verb = name };
	int ret;

	for (cur = pcmds; strcmp(cur->name, name); cur++)
		;
	ret = parse(argc, argv, vals, &c.sock);
	if (ret >= 0 || !(req = request(vals))) {
		json_object_put(vals);
		return ret >= 0 ? ret : VMON_EXIT_FAIL;
	}
	if (vmond_request(cur->name, c.sock, cur->readonly, req, &a)) {
		json_object_put(vals);
		return VMON_EXIT_FAIL;
	}
	c.answer = a;
	c.req = vals;
	ret = 0;
	if (cur->print)
		ret = cur->print(&c);
	else if (!cur->done)
		printf(vmon_jbool(vals, "disable") ? "Pool %s unmarked as autostarted\n\n"
						   : "Pool %s marked as autostarted\n\n",
		       vmon_jstr(a, "name"));
	else
		printf(cur->done, vmon_jstr(a, "name"),
		       cur->extra ? vmon_jstr(vals, cur->extra) : "");
	if (!ret && !strcmp(name, "vol-upload"))
		ret = refresh(c.sock, vmon_jstr(a, "pool"));
	json_object_put(a);
	json_object_put(vals);
	return ret ? VMON_EXIT_FAIL : VMON_EXIT_OK;
}

/* One entry point for the whole family: main.c's table passes the verb in argv[0]. */
int vmon_cmd_storage(int argc, char **argv);
int vmon_cmd_storage(int argc, char **argv)
{
	return run(argv[0], argc, argv);
}
