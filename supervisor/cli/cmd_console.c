// SPDX-License-Identifier: GPL-2.0
/*
 * vmon console DOMAIN [--devname NAME]: the guest's serial console, or its
 * virtio console (hvc0, libvirt's alias console1), as virsh console: vmond
 * names the VMM's console socket, we relay it to the terminal (raw mode)
 * until ctrl-] or the guest's end; with vmon+ssh:// the socket is reached
 * through ssh and vmond --stdio-proxy on vmond's host.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <vmon/cli.h>
#include <vmon/unix.h>

#include "vmond_client.h"

#define ESCAPE 0x1d /* ctrl-] */

int vmon_console_attach(const char *name, const char *sock);

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon console [-c URI] DOMAIN [--devname NAME]\n"
		   "\n"
		   "Attach to a running domain's serial console; ctrl-] leaves.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --devname NAME    the console by its alias: serial0 or console0 (the\n"
		   "                        serial console, the default) or console1 (the\n"
		   "                        <console><target type='virtio'>, the guest's hvc0)\n"
		   "  -h, --help            this text\n");
}

/* Copy both ways until ctrl-] on the terminal or the end of the console. */
static void relay(int con)
{
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = con, .events = POLLIN } };
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (p[1].revents) {
			n = read(con, buf, sizeof(buf));
			if (n <= 0 || write(1, buf, (size_t)n) != n)
				return;
		}
		if (p[0].revents) {
			char *esc;

			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				return;
			esc = memchr(buf, ESCAPE, (size_t)n);
			if (esc)
				n = esc - buf;
			if (n > 0 && write(con, buf, (size_t)n) != n)
				return;
			if (esc)
				return;
		}
	}
}

/*
 * We are done writing: the far end (the VMM, or ssh and the proxy) closes
 * its side once it has seen that; what it still sends is dropped, so that
 * an ssh in the middle ends cleanly instead of on a write to a closed
 * socket. At most 5 s.
 */
static void drain(int con)
{
	struct pollfd p = { .fd = con, .events = POLLIN };
	char buf[4096];

	shutdown(con, SHUT_WR);
	while (poll(&p, 1, 5000) > 0 && read(con, buf, sizeof(buf)) > 0)
		;
}

/* The field of vmond's dominfo that names @devname's socket, or NULL. */
static const char *devname_field(const char *devname)
{
	if (!devname || !strcmp(devname, "serial0") || !strcmp(devname, "console0"))
		return "console";
	return strcmp(devname, "console1") ? NULL : "hvc";
}

static int console_attach(const char *name, const char *sock, const char *devname)
{
	struct json_object *req = json_object_new_object(), *a, *c;
	const char *field = devname_field(devname);
	struct termios old, raw;
	bool tty = isatty(0);
	int fd, st;

	json_object_object_add(req, "cmd", json_object_new_string("dominfo"));
	json_object_object_add(req, "domain", json_object_new_string(name));
	if (vmond_request("console", sock, false, req, &a))
		return VMON_EXIT_FAIL;
	if (!json_object_object_get_ex(a, "console", &c)) {
		vmon_err("console: domain '%s' is not running", name);
		json_object_put(a);
		return VMON_EXIT_FAIL;
	}
	if (!json_object_object_get_ex(a, field, &c)) {
		vmon_err("console: domain '%s': cannot find character device '%s' (no "
			 "<console><target type='virtio'/></console>)",
			 name, devname);
		json_object_put(a);
		return VMON_EXIT_FAIL;
	}
	/* the VMM's socket, here or through ssh on vmond's host */
	fd = vmond_connect_stream("console", sock, json_object_get_string(c));
	if (fd < 0) {
		json_object_put(a);
		return VMON_EXIT_FAIL;
	}
	printf("Connected to domain '%s'\nEscape character is ^] (Ctrl + ])\n", name);
	fflush(stdout);
	json_object_put(a);
	if (tty && tcgetattr(0, &old) == 0) {
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	relay(fd);
	if (tty)
		tcsetattr(0, TCSANOW, &old);
	drain(fd);
	/* through ssh: the proxy that could not reach the console said why */
	st = vmond_disconnect_status(fd);
	printf("\n");
	if (st) {
		vmon_err("console: the console of domain '%s' was not reached through ssh (exit "
			 "status %d)",
			 name, st);
		return VMON_EXIT_FAIL;
	}
	return VMON_EXIT_OK;
}

int vmon_console_attach(const char *name, const char *sock)
{
	return console_attach(name, sock, NULL);
}

int vmon_cmd_console(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "devname", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *devname = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else if (opt == 'd')
			devname = optarg;
		else
			return vmon_usage_exit(opt, usage);
	}
	if (!devname_field(devname)) {
		vmon_err("console: --devname '%s': not serial0, console0 or console1 (see: vmon "
			 "console --help)",
			 devname);
		return VMON_EXIT_USAGE;
	}
	if (optind >= argc) {
		vmon_err("console: missing DOMAIN (see: vmon console --help)");
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args("console", argc, argv, optind + 1, NULL))
		return VMON_EXIT_USAGE;
	return console_attach(argv[optind], sock, devname);
}
