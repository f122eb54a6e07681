// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: net.ipv4.ip_forward, turned on when the first NAT or routed
 * network starts and given back its earlier value when the last one
 * stops. The earlier value is kept in a file (vmond's, under /run: it
 * outlives a restart of vmond and goes with the host's reboot, as the
 * sysctl itself does); only the first enable writes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

#define PROC_IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

/* "0\n" or "1\n" into @buf (3 bytes) from @path; 0, or -errno. */
static int read_flag(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, 2);
	if (n < 1 || (buf[0] != '0' && buf[0] != '1'))
		rc = n < 0 ? -errno : -EINVAL;
	close(fd);
	buf[1] = '\n';
	buf[2] = 0;
	return rc;
}

static int write_flag(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, 2) != 2)
		rc = -errno;
	close(fd);
	return rc;
}

/* @val into @path whole or not at all: a temporary file renamed over it. */
static int save_flag(const char *path, const char *val)
{
	char tmp[4096];
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, val, 2) != 2 || fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int vmon_net_ip_forward_enable(const char *procfile, const char *savefile, char *err, size_t errlen)
{
	const char *path = procfile ? procfile : PROC_IP_FORWARD;
	char was[3];
	int rc = read_flag(path, was);

	if (!rc && access(savefile, F_OK) < 0)
		rc = save_flag(savefile, was);
	if (!rc)
		rc = write_flag(path, "1\n");
	if (rc)
		snprintf(err, errlen, "cannot enable IP forwarding (%s): %s", path, strerror(-rc));
	return rc ? -1 : 0;
}

int vmon_net_ip_forward_restore(const char *procfile, const char *savefile, char *err,
				size_t errlen)
{
	const char *path = procfile ? procfile : PROC_IP_FORWARD;
	char was[3];
	int rc = read_flag(savefile, was);

	if (rc == -ENOENT)
		return 0; /* never enabled by us */
	if (!rc)
		rc = write_flag(path, was);
	if (rc) {
		snprintf(err, errlen, "cannot restore IP forwarding (%s from %s): %s", path,
			 savefile, strerror(-rc));
		return -1;
	}
	unlink(savefile);
	return 0;
}
