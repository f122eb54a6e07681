/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of a console (chardev.c): what --console gives the serial
 * port and --hvc the virtio console port: stdio, file:PATH, pty,
 * unix:PATH (a socket whose latest client is the console) or none.
 */
#ifndef VMON_VMM_CHARDEV_H
#define VMON_VMM_CHARDEV_H

#include <stdbool.h>

struct vm;

struct chardev {
	const char *opt;	/* the option, for messages: "--console" */
	void (*attach)(int fd); /* a client of the unix socket: the console now */
	int in_fd, out_fd;	/* -1: none */
	int listen_fd;		/* unix: the socket; -1: none */
	char path[108];
};

/* Whether @spec is one of the forms above (checked before anything opens). */
bool chardev_spec_ok(const char *spec);
/* Open @spec into @c (opt and attach set); 0, or -1 logged with c->opt. */
int chardev_open(struct chardev *c, const char *spec);
/* Accept the unix socket's clients in @vm's main loop (nothing for other forms). */
int chardev_listen(struct vm *vm, struct chardev *c);
/* At exit: the socket removed, a terminal's mode given back. */
void chardev_close(struct chardev *c);

#endif /* VMON_VMM_CHARDEV_H */
