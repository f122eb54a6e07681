// SPDX-License-Identifier: GPL-2.0
/*
 * Talk to vmond: connect (connect.c: its unix socket, or ssh to another
 * host's), write one JSON line, read one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vmon/cli.h>
#include <vmon/daemon.h>
#include <vmon/domain.h>
#include <vmon/unix.h>

#include "vmond_client.h"

static char *read_line(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb = cap < VMOND_MSG_MAX * 2 ? realloc(buf, cap * 2) : NULL;

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (buf[len - 1] == '\n') {
			buf[len] = 0;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

int vmond_request(const char *cmd, const char *sock, bool readonly, struct json_object *req,
		  struct json_object **answer)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	struct json_object *a = NULL, *ok, *e;
	int fd = vmond_connect(cmd, sock, readonly);
	char *line = NULL;
	bool ssh_failed;
	int werr = 0;

	/* vmond may refuse before reading (permission): its answer says why. */
	if (fd >= 0 &&
	    (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0))
		werr = errno;
	json_object_put(req);
	if (fd < 0)
		return -1;
	line = read_line(fd);
	ssh_failed = vmond_disconnect(fd) < 0;
	if (!line && werr) {
		vmon_err("%s: write to vmond: %s", cmd, strerror(werr));
		return -1;
	}
	a = line ? json_tokener_parse(line) : NULL;
	free(line);
	if (!a || !json_object_object_get_ex(a, "ok", &ok)) {
		vmon_err("%s: no answer from vmond%s", cmd,
			 ssh_failed ? " (ssh could not reach it: see above)" : "");
		json_object_put(a);
		return -1;
	}
	if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(a, "error", &e);
		vmon_err("%s: %s", cmd, e ? json_object_get_string(e) : "failed");
		json_object_put(a);
		return -1;
	}
	*answer = a;
	return 0;
}

int vmond_subscribe(const char *cmd, const char *sock)
{
	static const char req[] = "{\"cmd\":\"events\"}\n";
	struct json_object *a, *ok, *e;
	int fd = vmond_connect(cmd, sock, true);
	char line[4096];
	size_t len = 0;

	if (fd < 0)
		return -1;
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
		goto fail;
	/* byte by byte: the events that follow the answer stay in the socket */
	while (len < sizeof(line) - 1 && read(fd, line + len, 1) == 1 && line[len] != '\n')
		len++;
	line[len] = 0;
	a = json_tokener_parse(line);
	if (a && json_object_object_get_ex(a, "ok", &ok) && json_object_get_boolean(ok)) {
		json_object_put(a);
		return fd;
	}
	if (a && json_object_object_get_ex(a, "error", &e))
		vmon_err("%s: %s", cmd, json_object_get_string(e));
	json_object_put(a);
fail:
	if (!len)
		vmon_err("%s: no answer from vmond", cmd);
	vmond_disconnect(fd);
	return -1;
}

int vmond_req_add_file(struct json_object *req, const char *key, const char *verb, const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0;

	if (!f || getdelim(&text, &cap, 0, f) < 0) {
		vmon_err("%s: cannot read '%s': %s", verb, path,
			 f ? "empty file" : strerror(errno));
		if (f)
			fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	json_object_object_add(req, key, json_object_new_string(text));
	free(text);
	return 0;
}

const char *vmon_jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

unsigned long long vmon_jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (unsigned long long)json_object_get_uint64(v)
						     : 0;
}

bool vmon_jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int vmon_change_args(const char *cmd, const char *value_name, bool with_maximum, int argc,
		     char **argv, void (*usage)(FILE *f), struct vmon_change *c)
{
	struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "live", no_argument, NULL, 'l' },
		{ "config", no_argument, NULL, 'C' },
		{ "current", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "maximum", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	if (!with_maximum) /* getopt then names it as an unknown option */
		lo[5] = (struct option){ NULL, 0, NULL, 0 };
	memset(c, 0, sizeof(*c));
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			c->sock = optarg;
		else if (opt == 'l')
			c->live = true;
		else if (opt == 'C')
			c->config = true;
		else if (opt == 'M')
			c->maximum = true;
		else if (opt != 'u')
			return vmon_usage_exit(opt, usage);
	}
	if (optind + 1 >= argc) {
		vmon_err("%s: missing %s (see: vmon %s --help)", cmd,
			 optind >= argc ? "DOMAIN" : value_name, cmd);
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args(cmd, argc, argv, optind + 2, NULL))
		return VMON_EXIT_USAGE;
	c->domain = argv[optind];
	c->value = argv[optind + 1];
	return -1;
}

int vmond_change(const char *cmd, const struct vmon_change *c, struct json_object *add)
{
	struct json_object *req = add ? add : json_object_new_object(), *a;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "domain", json_object_new_string(c->domain));
	json_object_object_add(req, "live", json_object_new_boolean(c->live));
	json_object_object_add(req, "config", json_object_new_boolean(c->config));
	if (c->maximum)
		json_object_object_add(req, "maximum", json_object_new_boolean(1));
	if (vmond_request(cmd, c->sock, false, req, &a))
		return -1;
	json_object_put(a);
	return 0;
}

struct vmon_domain *vmond_fetch_domain(const char *cmd, const char *sock, const char *dom,
				       bool inactive)
{
	struct json_object *req = json_object_new_object(), *a;
	struct vmon_domain *d = NULL;
	struct vmon_xml_error err;
	const char *xml;

	json_object_object_add(req, "cmd", json_object_new_string("dumpxml"));
	json_object_object_add(req, "domain", json_object_new_string(dom));
	json_object_object_add(req, "inactive", json_object_new_boolean(inactive));
	if (vmond_request(cmd, sock, true, req, &a))
		return NULL;
	xml = vmon_jstr(a, "xml");
	if (vmon_domain_parse(xml, strlen(xml), &d, &err)) {
		vmon_err("%s: vmond's XML of '%s' does not parse: %s", cmd, dom, err.msg);
		d = NULL;
	}
	json_object_put(a);
	return d;
}
