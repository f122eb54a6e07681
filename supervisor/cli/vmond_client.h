/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's side of vmond's socket: one JSON request, one JSON answer.
 */
#ifndef VMON_CLI_VMOND_CLIENT_H
#define VMON_CLI_VMOND_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * connect.c: a connection to vmond at @where: a socket path or a URI
 * (vmon:///system, vmon+ssh://[USER@]HOST[:PORT]/system[?socket=PATH]);
 * NULL: $VMON_DEFAULT_URI, else this host's vmond, whose read-only socket
 * serves @readonly requests of users outside the vmon group. The
 * descriptor, or -1 after printing why. vmond_disconnect() closes it and
 * reaps ssh: -1 when ssh itself failed (it printed why).
 */
int vmond_connect(const char *cmd, const char *where, bool readonly);
int vmond_disconnect(int fd);
/* The same, with ssh's exit status (the far command's, 255: ssh's own); 0 here. */
int vmond_disconnect_status(int fd);
/* Whether @where (NULL: $VMON_DEFAULT_URI) reaches vmond through ssh. */
bool vmond_is_remote(const char *where);
/*
 * A byte stream to another unix socket on vmond's host (a domain's
 * console, whose path vmond gave): for vmon+ssh://, ssh runs
 * "vmond --stdio-proxy --socket PATH" there; else PATH here. Closed with
 * vmond_disconnect(); -1 after printing why.
 */
int vmond_connect_stream(const char *cmd, const char *where, const char *path);

/*
 * Send req (consumed) to vmond at sock (NULL: the default socket; for a
 * read-only request a caller outside the vmon group falls back to the
 * read-only socket). On success the answer's members in *answer (caller puts
 * it) and 0; else the error printed ("vmon: CMD: ...") and -1.
 */
int vmond_request(const char *cmd, const char *sock, bool readonly, struct json_object *req,
		  struct json_object **answer);

/* A change to a domain as virsh's setmem and setvcpus take it. */
struct vmon_change {
	const char *sock, *domain, *value;
	bool live, config, maximum;
};

/*
 * Its command line: [-c SOCKET] DOMAIN VALUE [--live] [--config]
 * [--current], and --maximum when @with_maximum; @value_name names VALUE
 * in errors. -1 when *@c is filled, else the exit status (help printed or
 * the mistake named).
 */
int vmon_change_args(const char *cmd, const char *value_name, bool with_maximum, int argc,
		     char **argv, void (*usage)(FILE *f), struct vmon_change *c);

/*
 * Send it: @cmd on c->domain, "live", "config" and "maximum" as given
 * (neither of the first two: --current), the members @add put in first
 * (consumed). 0 when vmond did it, else -1 after printing why.
 */
int vmond_change(const char *cmd, const struct vmon_change *c, struct json_object *add);

/*
 * Ask vmond for its lifecycle events (the "events" request, served on both
 * sockets): the connected descriptor, whose lines are then one JSON event
 * each, or -1 after printing why.
 */
int vmond_subscribe(const char *cmd, const char *sock);

/*
 * The text of the file at @path as member @key of @req (an XML definition):
 * 0, or -1 after printing "VERB: cannot read 'PATH': why".
 */
int vmond_req_add_file(struct json_object *req, const char *key, const char *verb,
		       const char *path);

/*
 * Domain @dom's XML from vmond (the running one, or with @inactive the
 * persistent one), parsed by libdomain as vmond parses it; NULL after
 * printing why ("CMD: ...").
 */
struct vmon_domain;
struct vmon_domain *vmond_fetch_domain(const char *cmd, const char *sock, const char *dom,
				       bool inactive);

/* A member of an answer as a string ("" if absent) / number / boolean. */
const char *vmon_jstr(struct json_object *o, const char *key);
unsigned long long vmon_jnum(struct json_object *o, const char *key);
bool vmon_jbool(struct json_object *o, const char *key);

#endif
