// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: net.ipv4.ip_forward, turned on when a NAT or routed network
 * starts, as libvirt does (and, as libvirt, left on: other users of the host
 * may rely on it by then).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

int vmon_net_ip_forward_enable(const char *procfile, char *err, size_t errlen)
{
	const char *path = procfile ? procfile : "/proc/sys/net/ipv4/ip_forward";
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		snprintf(err, errlen, "cannot enable IP forwarding (%s): %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
