// SPDX-License-Identifier: GPL-2.0
/*
 * Where the vmon CLI finds vmond (-c, --connect, or $VMON_DEFAULT_URI as
 * $LIBVIRT_DEFAULT_URI is for virsh):
 *   a path                      a vmond socket on this host
 *   vmon:///system              this host's vmond (the default);
 *                               ?socket=PATH names another socket
 *   vmon+unix:///system         the same
 *   vmon+ssh://[USER@]HOST[:PORT]/system[?socket=PATH][&proxy=PATH]
 *                               the vmond of HOST, through ssh, which runs
 *                               "vmond --stdio-proxy" there (as qemu+ssh://
 *                               runs virt-ssh-helper): our end of a socket
 *                               pair is ssh's stdin and stdout
 * A connection through ssh is a child process; vmond_disconnect() reaps it.
 * vmond_connect_stream() reaches another socket of that host the same way
 * (a domain's console: the proxy relays any unix socket).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmon/cli.h>
#include <vmon/unix.h>

#include "vmond_client.h"

#define MAX_SSH 4
static struct {
	int fd;
	pid_t pid;
} ssh_children[MAX_SSH];

struct uri {
	bool ssh;
	char user[65], host[256], port[8];
	char socket[256], proxy[256];
};

/* What ssh hands to the remote shell must need no quoting. */
static bool shell_safe(const char *s)
{
	return s[0] != '-' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789/._-+") == strlen(s);
}

static int copy(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return 0;
}

/* Parse @s: 0, or -1 after naming what is wrong. */
static int parse_uri(const char *cmd, const char *s, struct uri *u)
{
	const char *rest, *slash, *at, *colon, *q;

	memset(u, 0, sizeof(*u));
	if (!strncmp(s, "vmon:///", 8) || !strncmp(s, "vmon+unix:///", 13)) {
		rest = strchr(s, ':') + 3;
	} else if (!strncmp(s, "vmon+ssh://", 11)) {
		u->ssh = true;
		rest = s + 11;
		slash = strchr(rest, '/');
		if (!slash)
			slash = rest + strlen(rest);
		at = memchr(rest, '@', (size_t)(slash - rest));
		if (at && copy(u->user, sizeof(u->user), rest, (size_t)(at - rest)))
			goto bad;
		if (at)
			rest = at + 1;
		colon = memchr(rest, ':', (size_t)(slash - rest));
		if (copy(u->host, sizeof(u->host), rest,
			 (size_t)((colon ? colon : slash) - rest)) ||
		    (colon &&
		     copy(u->port, sizeof(u->port), colon + 1, (size_t)(slash - colon - 1))))
			goto bad;
		if (!u->host[0] || !shell_safe(u->host) || (u->user[0] && !shell_safe(u->user)) ||
		    (colon && (!u->port[0] || strspn(u->port, "0123456789") != strlen(u->port))))
			goto bad;
		rest = slash;
	} else {
		goto bad;
	}
	/* the path: /system (vmond is the system's), then ?key=value&... */
	q = strchr(rest, '?');
	if (strncmp(rest, "/system", 7) || (rest[7] && rest[7] != '?')) {
		vmon_err("%s: '%s': vmond serves /system only", cmd, s);
		return -1;
	}
	for (q = q ? q + 1 : NULL; q && *q;) {
		const char *end = strchr(q, '&'), *eq = strchr(q, '=');
		size_t n = end ? (size_t)(end - q) : strlen(q);

		if (!eq || eq > q + n)
			goto bad;
		if (!strncmp(q, "socket=", 7)) {
			if (copy(u->socket, sizeof(u->socket), q + 7, n - 7) || !u->socket[0])
				goto bad;
		} else if (!strncmp(q, "proxy=", 6) && u->ssh) {
			if (copy(u->proxy, sizeof(u->proxy), q + 6, n - 6) || !u->proxy[0])
				goto bad;
		} else {
			vmon_err("%s: '%s': unknown parameter '%.*s' (socket=, and proxy= with "
				 "vmon+ssh)",
				 cmd, s, (int)(eq - q), q);
			return -1;
		}
		q = end ? end + 1 : NULL;
	}
	if (u->ssh &&
	    ((u->socket[0] && !shell_safe(u->socket)) || (u->proxy[0] && !shell_safe(u->proxy))))
		goto bad;
	return 0;
bad:
	vmon_err("%s: '%s' is not a vmond URI (vmon:///system, "
		 "vmon+ssh://[USER@]HOST[:PORT]/system[?socket=PATH])",
		 cmd, s);
	return -1;
}

static int local(const char *cmd, const char *sock, bool readonly)
{
	const char *path;
	int fd = vmon_vmond_connect(sock, readonly, &path);

	if (fd < 0) {
		if (fd == -ENOENT || fd == -ECONNREFUSED)
			vmon_err("%s: cannot connect to vmond at '%s': %s (is vmond running?)", cmd,
				 path, strerror(-fd));
		else
			vmon_err("%s: cannot connect to vmond at '%s': %s", cmd, path,
				 strerror(-fd));
	}
	return fd;
}

static int remote(const char *cmd, const struct uri *u, bool readonly)
{
	char *argv[16];
	int sv[2], n = 0, slot;
	pid_t pid;

	for (slot = 0; slot < MAX_SSH && ssh_children[slot].pid; slot++)
		;
	if (slot == MAX_SSH || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		vmon_err("%s: cannot connect to %s: %s", cmd, u->host,
			 slot == MAX_SSH ? "too many connections" : strerror(errno));
		return -1;
	}
	argv[n++] = "ssh";
	argv[n++] = "-T";
	argv[n++] = "-e";
	argv[n++] = "none";
	if (u->port[0]) {
		argv[n++] = "-p";
		argv[n++] = (char *)u->port;
	}
	if (u->user[0]) {
		argv[n++] = "-l";
		argv[n++] = (char *)u->user;
	}
	argv[n++] = "--";
	argv[n++] = (char *)u->host;
	argv[n++] = u->proxy[0] ? (char *)u->proxy : "vmond";
	argv[n++] = "--stdio-proxy";
	if (readonly)
		argv[n++] = "--readonly";
	if (u->socket[0]) {
		argv[n++] = "--socket";
		argv[n++] = (char *)u->socket;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		/* ssh's stdin and stdout are our socket; its stderr (prompts, errors) ours */
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		execvp("ssh", argv);
		fprintf(stderr, "vmon: %s: cannot run ssh: %s\n", cmd, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	if (pid < 0) {
		vmon_err("%s: cannot run ssh: %s", cmd, strerror(errno));
		close(sv[0]);
		return -1;
	}
	ssh_children[slot].fd = sv[0];
	ssh_children[slot].pid = pid;
	return sv[0];
}

int vmond_connect(const char *cmd, const char *where, bool readonly)
{
	struct uri u;

	if (!where)
		where = getenv("VMON_DEFAULT_URI");
	if (!where || !*where)
		return local(cmd, NULL, readonly);
	if (!strstr(where, "://"))
		return local(cmd, where, readonly);
	if (parse_uri(cmd, where, &u))
		return -1;
	if (u.ssh)
		return remote(cmd, &u, readonly);
	return local(cmd, u.socket[0] ? u.socket : NULL, readonly);
}

int vmond_disconnect_status(int fd)
{
	int status = 0;

	close(fd);
	for (int i = 0; i < MAX_SSH; i++) {
		if (ssh_children[i].fd != fd || !ssh_children[i].pid)
			continue;
		while (waitpid(ssh_children[i].pid, &status, 0) < 0 && errno == EINTR)
			;
		ssh_children[i].pid = 0;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	}
	return 0;
}

int vmond_disconnect(int fd)
{
	/* ssh's own failure (255): it said why on stderr */
	return vmond_disconnect_status(fd) == 255 ? -1 : 0;
}

int vmond_connect_stream(const char *cmd, const char *where, const char *path)
{
	struct uri u;
	int fd;

	if (!vmond_is_remote(where)) {
		fd = vmon_unix_connect(path);
		if (fd < 0)
			vmon_err("%s: '%s': %s", cmd, path, strerror(-fd));
		return fd < 0 ? -1 : fd;
	}
	if (parse_uri(cmd, where ? where : getenv("VMON_DEFAULT_URI"), &u))
		return -1;
	if (!shell_safe(path) || copy(u.socket, sizeof(u.socket), path, strlen(path))) {
		vmon_err("%s: '%s': not a path that can be passed to the remote shell as it is",
			 cmd, path);
		return -1;
	}
	return remote(cmd, &u, false);
}

bool vmond_is_remote(const char *where)
{
	if (!where)
		where = getenv("VMON_DEFAULT_URI");
	return where && !strncmp(where, "vmon+ssh://", 11);
}
