/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmon: the client end of a unix stream socket (vmond's, a VMM's API
 * and console sockets).
 */
#ifndef VMON_UNIX_H
#define VMON_UNIX_H

#include <stdbool.h>

/*
 * Connect to the unix stream socket at @path (close-on-exec).
 * Returns the fd, or -errno (-ENAMETOOLONG for a path sun_path cannot hold).
 */
int vmon_unix_connect(const char *path);

/*
 * Connect to vmond: socket @sock, or (NULL) its read-write socket, and for
 * a @readonly request its read-only one when the first refuses the caller
 * (EACCES), as for a user outside the vmon group. The fd or -errno; *@path
 * the socket tried last.
 */
int vmon_vmond_connect(const char *sock, bool readonly, const char **path);

#endif
