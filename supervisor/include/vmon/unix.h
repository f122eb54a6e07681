/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmon: the client end of a unix stream socket (vmond's, a VMM's API
 * and console sockets).
 */
#ifndef VMON_UNIX_H
#define VMON_UNIX_H

/*
 * Connect to the unix stream socket at @path (close-on-exec).
 * Returns the fd, or -errno (-ENAMETOOLONG for a path sun_path cannot hold).
 */
int vmon_unix_connect(const char *path);

#endif
