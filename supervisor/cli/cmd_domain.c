// SPDX-License-Identifier: GPL-2.0
/*
 * The virsh-named domain commands that vmond answers: one table of what each
 * takes (a domain or an XML file, which options) and what it prints, in
 * virsh's words. vmon list is in cmd_list.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

enum {
	O_PAUSED = 1 << 0,
	O_GRACEFUL = 1 << 1,
	O_INACTIVE = 1 << 2,
	O_DISABLE = 1 << 3,
	O_REASON = 1 << 4,
	O_CONSOLE = 1 << 5,
	O_STORAGE = 1 << 6,
	O_SNAPMETA = 1 << 7,
	O_MANAGED = 1 << 8,
	O_MODE = 1 << 9, /* --mode MODE: checked here, acpi only */
	O_RUNNING = 1 << 10,
	O_FORCEBOOT = 1 << 11,
};

int vmon_console_attach(const char *name, const char *sock);

struct dcmd;
typedef void (*dprint)(const struct dcmd *c, struct json_object *a, const char *arg,
		       unsigned int opts);

struct dcmd {
	const char *name;
	const char *req;   /* vmond's request */
	const char *arg;   /* "DOMAIN" or "FILE" */
	const char *arg2;  /* a second operand, sent as "target", or NULL */
	bool path;	   /* the FILE operand is a save image's path, sent as "path" */
	unsigned int opts; /* the O_* it accepts */
	bool readonly;	   /* served on the read-only socket */
	const char *done;  /* printf format of the message, %s the name (and file) */
	dprint print;	   /* or a printer of the answer */
	const char *help;
};

static const char *str(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) ? json_object_get_string(v) : "";
}

static int64_t num(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) ? json_object_get_int64(v) : 0;
}

static void print_xml(const struct dcmd *c, struct json_object *a, const char *arg,
		      unsigned int opts)
{
	(void)c, (void)arg, (void)opts;
	fputs(str(a, "xml"), stdout);
}

static void print_state(const struct dcmd *c, struct json_object *a, const char *arg,
			unsigned int opts)
{
	(void)c, (void)arg;
	if (opts & O_REASON)
		printf("%s (%s)\n\n", str(a, "state"), str(a, "reason"));
	else
		printf("%s\n\n", str(a, "state"));
}

static void print_id(const struct dcmd *c, struct json_object *a, const char *arg,
		     unsigned int opts)
{
	(void)arg, (void)opts;
	if (!strcmp(c->name, "domname"))
		printf("%s\n\n", str(a, "name"));
	else if (!strcmp(c->name, "domuuid"))
		printf("%s\n\n", str(a, "uuid"));
	else if (num(a, "id") < 0)
		printf("-\n\n");
	else
		printf("%lld\n\n", (long long)num(a, "id"));
}

static void print_info(const struct dcmd *c, struct json_object *a, const char *arg,
		       unsigned int opts)
{
	struct json_object *v;

	(void)c, (void)arg, (void)opts;
	if (num(a, "id") < 0)
		printf("%-15s %s\n", "Id:", "-");
	else
		printf("%-15s %lld\n", "Id:", (long long)num(a, "id"));
	printf("%-15s %s\n", "Name:", str(a, "name"));
	printf("%-15s %s\n", "UUID:", str(a, "uuid"));
	printf("%-15s %s\n", "OS Type:", "hvm");
	printf("%-15s %s\n", "State:", str(a, "state"));
	printf("%-15s %lld\n", "CPU(s):", (long long)num(a, "vcpus"));
	printf("%-15s %lld KiB\n", "Max memory:", (long long)num(a, "memory_kib"));
	printf("%-15s %lld KiB\n", "Used memory:", (long long)num(a, "current_memory_kib"));
	json_object_object_get_ex(a, "persistent", &v);
	printf("%-15s %s\n", "Persistent:", json_object_get_boolean(v) ? "yes" : "no");
	json_object_object_get_ex(a, "autostart", &v);
	printf("%-15s %s\n", "Autostart:", json_object_get_boolean(v) ? "enable" : "disable");
	json_object_object_get_ex(a, "managed_save", &v);
	printf("%-15s %s\n", "Managed save:", json_object_get_boolean(v) ? "yes" : "no");
	printf("%-15s %s\n", "Security model:", "none");
	printf("%-15s %s\n\n", "Security DOI:", "0");
}

static void print_stats(const struct dcmd *c, struct json_object *a, const char *arg,
			unsigned int opts)
{
	struct json_object *s;

	(void)c, (void)arg, (void)opts;
	printf("Domain: '%s'\n", str(a, "name"));
	if (json_object_object_get_ex(a, "stats", &s)) {
		json_object_object_foreach (s, k, v)
			printf("  %s=%s\n", k, json_object_get_string(v));
	}
	printf("\n");
}

/* save, restore: virsh's words, with the image's path vmond used. */
static void print_saved(const struct dcmd *c, struct json_object *a, const char *arg,
			unsigned int opts)
{
	(void)arg, (void)opts;
	if (!strcmp(c->name, "save"))
		printf("\nDomain '%s' saved to %s\n\n", str(a, "name"), str(a, "path"));
	else
		printf("Domain restored from %s\n\n", str(a, "path"));
}

static void print_msremove(const struct dcmd *c, struct json_object *a, const char *arg,
			   unsigned int opts)
{
	struct json_object *v;

	(void)c, (void)arg, (void)opts;
	if (json_object_object_get_ex(a, "had_image", &v) && json_object_get_boolean(v))
		printf("Removed managedsave image for domain '%s'\n\n", str(a, "name"));
	else
		printf("Domain '%s' has no manage save image; removal skipped\n\n", str(a, "name"));
}

static const struct dcmd dcmds[] = {
	{ "define", "define", "FILE", NULL, false, 0, false, "Domain '%s' defined from %s\n\n",
	  NULL, "define (but do not start) a domain from an XML file" },
	{ "undefine", "undefine", "DOMAIN", NULL, false, O_STORAGE | O_SNAPMETA | O_MANAGED, false,
	  "Domain '%s' has been undefined\n\n", NULL,
	  "undefine a domain (a running one becomes transient)" },
	{ "create", "create", "FILE", NULL, false, O_PAUSED | O_CONSOLE, false,
	  "Domain '%s' created from %s\n\n", NULL,
	  "create and start a transient domain from an XML file" },
	{ "start", "start", "DOMAIN", NULL, false, O_PAUSED | O_CONSOLE | O_FORCEBOOT, false,
	  "Domain '%s' started\n\n", NULL,
	  "start a defined, inactive domain (from its managed save, if it has one)" },
	{ "shutdown", "shutdown", "DOMAIN", NULL, false, O_MODE, false,
	  "Domain '%s' is being shutdown\n\n", NULL,
	  "press the guest's ACPI power button, or ask its agent (--mode agent)" },
	{ "reboot", "reboot", "DOMAIN", NULL, false, O_MODE, false,
	  "Domain '%s' is being rebooted\n\n", NULL, "reset the machine (the VMM's reset)" },
	{ "destroy", "destroy", "DOMAIN", NULL, false, O_GRACEFUL, false,
	  "Domain '%s' destroyed\n\n", NULL, "stop a domain at once (its VMM ends)" },
	{ "suspend", "suspend", "DOMAIN", NULL, false, 0, false, "Domain '%s' suspended\n\n", NULL,
	  "pause a running domain" },
	{ "resume", "resume", "DOMAIN", NULL, false, 0, false, "Domain '%s' resumed\n\n", NULL,
	  "resume a paused domain" },
	{ "autostart", "autostart", "DOMAIN", NULL, false, O_DISABLE, false, NULL, NULL,
	  "start a domain when vmond starts (--disable: do not)" },
	{ "dompmsuspend", "dompmsuspend", "DOMAIN", "TARGET", false, 0, false,
	  "Domain '%s' successfully suspended\n\n", NULL,
	  "suspend a guest to TARGET (mem, disk, hybrid) through its agent" },
	{ "dompmwakeup", "dompmwakeup", "DOMAIN", NULL, false, 0, false,
	  "Domain '%s' successfully woken up\n\n", NULL, "wake a pmsuspended (S3) guest up" },
	{ "save", "save", "DOMAIN", "FILE", true, O_PAUSED | O_RUNNING, false, NULL, print_saved,
	  "save a domain's state to FILE (a new directory) and stop it" },
	{ "restore", "restore", "FILE", NULL, true, O_PAUSED | O_RUNNING, false, NULL, print_saved,
	  "start a domain from the state 'vmon save' wrote to FILE" },
	{ "managedsave", "managedsave", "DOMAIN", NULL, false, O_PAUSED | O_RUNNING, false,
	  "\nDomain '%s' state saved by vmond\n\n", NULL,
	  "save a domain's state and stop it; its next start restores it" },
	{ "managedsave-remove", "managedsave-remove", "DOMAIN", NULL, false, 0, false, NULL,
	  print_msremove, "remove a domain's managed save: its next start boots" },
	{ "domstate", "dominfo", "DOMAIN", NULL, false, O_REASON, true, NULL, print_state,
	  "the state of a domain" },
	{ "dominfo", "dominfo", "DOMAIN", NULL, false, 0, true, NULL, print_info,
	  "basic facts of a domain" },
	{ "domid", "dominfo", "DOMAIN", NULL, false, 0, true, NULL, print_id,
	  "the id of a domain ('-' if "
	  "inactive)" },
	{ "domname", "dominfo", "DOMAIN", NULL, false, 0, true, NULL, print_id,
	  "the name of a domain" },
	{ "domuuid", "dominfo", "DOMAIN", NULL, false, 0, true, NULL, print_id,
	  "the UUID of a domain" },
	{ "dumpxml", "dumpxml", "DOMAIN", NULL, false, O_INACTIVE, true, NULL, print_xml,
	  "the XML of a domain (--inactive: its definition)" },
	{ "domstats", "domstats", "DOMAIN", NULL, false, 0, true, NULL, print_stats,
	  "statistics of a domain, with libvirt's field names" },
};

static const struct {
	unsigned int bit;
	const char *name, *help;
} optnames[] = {
	{ O_PAUSED, "paused", "leave the guest paused after start or restore" },
	{ O_RUNNING, "running", "run the guest once restored (default: as it was saved)" },
	{ O_FORCEBOOT, "force-boot", "boot afresh, removing a managed save" },
	{ O_GRACEFUL, "graceful", "do not kill the VMM if it does not end on its own" },
	{ O_INACTIVE, "inactive", "the persistent definition, not the running one" },
	{ O_DISABLE, "disable", "turn autostart off" },
	{ O_REASON, "reason", "also print why the domain is in its state" },
	{ O_CONSOLE, "console", "attach to the console once started" },
	{ O_STORAGE, "remove-all-storage", "also delete its disk image files" },
	{ O_SNAPMETA, "snapshots-metadata", "also drop its snapshots' metadata" },
	{ O_MANAGED, "managed-save", "also drop its managed save image" },
	{ O_MODE, "mode", "acpi (the power button), or agent for shutdown (the guest agent)" },
};
#define N_OPTNAMES (sizeof(optnames) / sizeof(optnames[0]))

static const struct dcmd *cur;
static const char *mode_arg; /* --mode, as given */

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon %s [-c URI] %s%s%s", cur->name, cur->arg, cur->arg2 ? " " : "",
		cur->arg2 ? cur->arg2 : "");
	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (cur->opts & optnames[i].bit)
			fprintf(f, " [--%s%s]", optnames[i].name,
				optnames[i].bit == O_MODE ? " MODE" : "");
	fprintf(f, "\n\n%c%s.\n\n", cur->help[0] - 32 * (cur->help[0] >= 'a'), cur->help + 1);
	fprintf(f, "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n");
	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (cur->opts & optnames[i].bit)
			fprintf(f, "      --%-16s%s%s\n",
				optnames[i].bit == O_MODE ? "mode MODE" : optnames[i].name,
				strlen(optnames[i].name) > 15 ? "\n                        " : "",
				optnames[i].help);
	fprintf(f, "  -h, --help            this text\n");
}

static struct json_object *request(const struct dcmd *c, char **args, unsigned int opts)
{
	const char *arg = args[0];
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "cmd", json_object_new_string(c->req));
	if (c->path) {
		/* vmond runs elsewhere in the file system: an absolute path */
		char *abs = vmon_abs_path(args[c->arg2 ? 1 : 0]);

		if (!abs) {
			vmon_err("%s: '%s': %s", c->name, args[c->arg2 ? 1 : 0], strerror(errno));
			json_object_put(req);
			return NULL;
		}
		json_object_object_add(req, "path", json_object_new_string(abs));
		free(abs);
		if (c->arg2)
			json_object_object_add(req, "domain", json_object_new_string(arg));
	} else if (!strcmp(c->arg, "FILE")) {
		if (vmond_req_add_file(req, "xml", c->name, arg)) {
			json_object_put(req);
			return NULL;
		}
	} else {
		json_object_object_add(req, "domain", json_object_new_string(arg));
	}
	if (c->arg2 && !c->path)
		json_object_object_add(req, "target", json_object_new_string(args[1]));
	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (opts & optnames[i].bit)
			json_object_object_add(req, optnames[i].name, json_object_new_boolean(1));
	if (mode_arg)
		json_object_object_add(req, "mode", json_object_new_string(mode_arg));
	return req;
}

static void report(const struct dcmd *c, struct json_object *a, const char *arg, unsigned int opts)
{
	struct json_object *w;

	if (json_object_object_get_ex(a, "warnings", &w))
		for (size_t i = 0; i < json_object_array_length(w); i++)
			fprintf(stderr, "vmon: %s: warning: %s\n", c->name,
				json_object_get_string(json_object_array_get_idx(w, i)));
	if (c->print)
		c->print(c, a, arg, opts);
	else if (!strcmp(c->name, "autostart"))
		printf(opts & O_DISABLE ? "Domain '%s' unmarked as autostarted\n\n"
					: "Domain '%s' marked as autostarted\n\n",
		       str(a, "name"));
	else
		printf(c->done, str(a, "name"), arg);
	if (json_object_object_get_ex(a, "removed", &w)) /* undefine --remove-all-storage */
		for (size_t i = 0; i < json_object_array_length(w); i++) {
			struct json_object *v = json_object_array_get_idx(w, i);

			printf("Volume '%s'(%s) removed.\n", str(v, "target"), str(v, "path"));
		}
}

/*
 * shutdown/reboot --mode: virsh's modes; vmon has acpi, and agent for
 * shutdown (the guest agent's guest-shutdown).
 */
static int check_mode(const char *cmd, const char *mode)
{
	static const char *const other[] = { "agent", "initctl", "signal", "paravirt" };

	mode_arg = mode;
	if (!strcmp(mode, "acpi") || (!strcmp(mode, "agent") && !strcmp(cmd, "shutdown")))
		return 0;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (!strcmp(mode, other[i])) {
			vmon_err("%s: Operation not supported: --mode %s (vmon has acpi%s)", cmd,
				 mode, strcmp(cmd, "shutdown") ? "" : " and agent");
			return VMON_EXIT_FAIL;
		}
	vmon_err("%s: Unknown mode %s value, expecting 'acpi', 'agent', 'initctl', 'signal' or "
		 "'paravirt'",
		 cmd, mode);
	return VMON_EXIT_USAGE;
}

static int parse(const struct dcmd *c, int argc, char **argv, const char **sock, unsigned int *opts)
{
	struct option lo[N_OPTNAMES + 3] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
	};
	int n = 2, opt, ret = 0;

	for (size_t i = 0; i < N_OPTNAMES; i++)
		if (c->opts & optnames[i].bit)
			lo[n++] = (struct option){ optnames[i].name,
						   optnames[i].bit == O_MODE ? required_argument
									     : no_argument,
						   NULL, (int)(0x100 + i) };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			*sock = optarg;
		else if (opt >= 0x100 && optnames[opt - 0x100].bit == O_MODE)
			ret = check_mode(c->name, optarg);
		else if (opt >= 0x100)
			*opts |= optnames[opt - 0x100].bit;
		else
			return vmon_usage_exit(opt, usage) + 100;
	}
	if (ret)
		return ret + 100;
	if (optind + (c->arg2 ? 1 : 0) >= argc) {
		vmon_err("%s: missing %s (see: vmon %s --help)", c->name,
			 optind >= argc ? c->arg : c->arg2, c->name);
		return VMON_EXIT_USAGE + 100;
	}
	if (vmon_no_more_args(c->name, argc, argv, optind + 1 + (c->arg2 ? 1 : 0), NULL))
		return VMON_EXIT_USAGE + 100;
	return 0;
}

static int run(const char *name, int argc, char **argv)
{
	const char *sock = NULL;
	struct json_object *req, *a;
	unsigned int opts = 0;
	int ret;

	for (cur = dcmds; strcmp(cur->name, name); cur++)
		;
	ret = parse(cur, argc, argv, &sock, &opts);
	if (ret)
		return ret - 100;
	req = request(cur, argv + optind, opts);
	if (!req || vmond_request(cur->name, sock, cur->readonly, req, &a))
		return VMON_EXIT_FAIL;
	report(cur, a, argv[optind], opts);
	if (opts & O_CONSOLE) {
		char name[128];

		snprintf(name, sizeof(name), "%s", str(a, "name"));
		json_object_put(a);
		fflush(stdout);
		return vmon_console_attach(name, sock);
	}
	json_object_put(a);
	return VMON_EXIT_OK;
}

#define VERB(fn, name)                                                                             \
	int fn(int argc, char **argv);                                                             \
	int fn(int argc, char **argv)                                                              \
	{                                                                                          \
		return run(name, argc, argv);                                                      \
	}
VERB(vmon_cmd_define, "define")
VERB(vmon_cmd_undefine, "undefine")
VERB(vmon_cmd_create, "create")
VERB(vmon_cmd_start, "start")
VERB(vmon_cmd_shutdown, "shutdown")
VERB(vmon_cmd_reboot, "reboot")
VERB(vmon_cmd_destroy, "destroy")
VERB(vmon_cmd_suspend, "suspend")
VERB(vmon_cmd_resume, "resume")
VERB(vmon_cmd_autostart, "autostart")
VERB(vmon_cmd_dompmsuspend, "dompmsuspend")
VERB(vmon_cmd_dompmwakeup, "dompmwakeup")
VERB(vmon_cmd_save, "save")
VERB(vmon_cmd_restore, "restore")
VERB(vmon_cmd_managedsave, "managedsave")
VERB(vmon_cmd_managedsave_remove, "managedsave-remove")
VERB(vmon_cmd_domstate, "domstate")
VERB(vmon_cmd_dominfo, "dominfo")
VERB(vmon_cmd_domid, "domid")
VERB(vmon_cmd_domname, "domname")
VERB(vmon_cmd_domuuid, "domuuid")
VERB(vmon_cmd_dumpxml, "dumpxml")
VERB(vmon_cmd_domstats, "domstats")
