// SPDX-License-Identifier: GPL-2.0
/*
 * vmon edit DOMAIN, net-edit NETWORK, pool-edit POOL: as virsh's, the
 * persistent definition in a temporary file, $VISUAL (else $EDITOR, else
 * vi) on it, then a define of the result. vmond checks it before it saves
 * anything; on an error the user may edit again, start over from the
 * original, or give up (the stored definition stays as it was).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmon/cli.h>

#include "vmond_client.h"

/* What each verb edits: vmond's requests, their key, virsh's words. */
static const struct ekind {
	const char *verb, *arg, *what, *key, *dump, *define;
	const char *edited, *same; /* printf formats: %s the name */
	const char *live;	   /* what happens to a running one */
} kinds[] = {
	{ "edit", "DOMAIN", "a domain", "domain", "dumpxml", "define",
	  "Domain '%s' XML configuration edited.\n\n",
	  "Domain '%s' XML configuration not changed.\n\n",
	  "A running domain keeps its running configuration until it is next started." },
	{ "net-edit", "NETWORK", "a network", "network", "net-dumpxml", "net-define",
	  "Network %s XML configuration edited.\n\n",
	  "Network %s XML configuration not changed.\n\n",
	  "An active network keeps its running configuration until it is next started." },
	{ "pool-edit", "POOL", "a storage pool", "pool", "pool-dumpxml", "pool-define",
	  "Pool %s XML configuration edited.\n\n", "Pool %s XML configuration not changed.\n\n",
	  "An active pool is refused: pool-destroy it first." },
};

static const struct ekind *cur;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmon %s [-c URI] %s\n"
		"\n"
		"Edit %s's persistent XML in $VISUAL, else $EDITOR, else vi. The\n"
		"result is checked by vmond before it is saved; when it is refused, the\n"
		"error is shown and you choose: y edit again, n give up, f start over from\n"
		"the original. An unchanged file changes nothing.\n%s\n"
		"\n"
		"  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		"  -h, --help            this text\n",
		cur->verb, cur->arg, cur->what, cur->live);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &cap, 0, f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static int spill(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/* $VISUAL, $EDITOR or vi on path, through the shell as virsh does. */
static int run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	char *cmd;
	int st;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	if (asprintf(&cmd, "%s '%s'", ed, path) < 0)
		return -1;
	st = system(cmd);
	free(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		vmon_err("%s: the editor '%s' failed", cur->verb, ed);
		return -1;
	}
	return 0;
}

static int fetch(const char *sock, const char *dom, char **xml)
{
	struct json_object *req = json_object_new_object(), *a, *x;

	json_object_object_add(req, "cmd", json_object_new_string(cur->dump));
	json_object_object_add(req, cur->key, json_object_new_string(dom));
	json_object_object_add(req, "inactive", json_object_new_boolean(1));
	if (vmond_request(cur->verb, sock, false, req, &a))
		return -1;
	*xml = json_object_object_get_ex(a, "xml", &x) ? strdup(json_object_get_string(x)) : NULL;
	json_object_put(a);
	return *xml ? 0 : -1;
}

static int define(const char *sock, const char *xml, char *name, size_t len)
{
	struct json_object *req = json_object_new_object(), *a, *x;

	json_object_object_add(req, "cmd", json_object_new_string(cur->define));
	json_object_object_add(req, "xml", json_object_new_string(xml));
	if (vmond_request(cur->verb, sock, false, req, &a))
		return -1;
	if (json_object_object_get_ex(a, "name", &x))
		snprintf(name, len, "%s", json_object_get_string(x));
	json_object_put(a);
	return 0;
}

/* After a refusal: 'y' again, 'n' give up, 'f' from the original. */
static int ask(void)
{
	char line[64];

	for (;;) {
		printf("Failed. Try again? [y,n,f,?]: ");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 'n';
		if (strchr("ynf", line[0]) && line[1] == '\n')
			return line[0];
		printf("y - yes, start editor again\n"
		       "n - no, throw away my changes\n"
		       "f - start over from the original XML\n"
		       "? - print this help\n");
	}
}

static int edit_loop(const char *sock, const char *dom, const char *path, const char *orig)
{
	char name[128];

	for (;;) {
		char *now;

		if (run_editor(path) || !(now = slurp(path)))
			return VMON_EXIT_FAIL;
		if (!strcmp(now, orig)) {
			printf(cur->same, dom);
			free(now);
			return VMON_EXIT_OK;
		}
		if (!define(sock, now, name, sizeof(name))) {
			printf(cur->edited, name);
			free(now);
			return VMON_EXIT_OK;
		}
		free(now);
		switch (ask()) {
		case 'n':
			return VMON_EXIT_FAIL;
		case 'f':
			if (spill(path, orig))
				return VMON_EXIT_FAIL;
			break;
		}
	}
}

static int run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[] = "/tmp/vmon-edit-XXXXXX.xml", *orig;
	const char *sock = NULL;
	int opt, fd, ret;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else
			return vmon_usage_exit(opt, usage);
	}
	if (optind >= argc) {
		vmon_err("%s: missing %s (see: vmon %s --help)", cur->verb, cur->arg, cur->verb);
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args(cur->verb, argc, argv, optind + 1, NULL))
		return VMON_EXIT_USAGE;
	if (fetch(sock, argv[optind], &orig))
		return VMON_EXIT_FAIL;
	fd = mkstemps(path, 4);
	if (fd < 0 || close(fd) || spill(path, orig)) {
		vmon_err("%s: cannot write a temporary file: %s", cur->verb, strerror(errno));
		free(orig);
		return VMON_EXIT_FAIL;
	}
	ret = edit_loop(sock, argv[optind], path, orig);
	unlink(path);
	free(orig);
	return ret;
}

int vmon_cmd_edit(int argc, char **argv);
int vmon_cmd_edit(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(argv[0], kinds[i].verb))
			cur = &kinds[i];
	if (!cur) {
		vmon_err("%s: not an edit command", argv[0]);
		return VMON_EXIT_USAGE;
	}
	return run(argc, argv);
}
