// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm --call SOCKET REQUEST: send one request to a running VMM's
 * control socket and print the answer; exit 0 when it says "ok": true.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vmon/unix.h>

#include "config.h"

int api_call(const char *path, const char *request)
{
	char buf[65536];
	size_t len = 0;
	int fd, ok = 0;

	fd = vmon_unix_connect(path);
	if (fd == -ENAMETOOLONG) {
		fprintf(stderr, "vmon-vmm: --call '%s': path too long\n", path);
		return 2;
	}
	if (fd < 0) {
		fprintf(stderr, "vmon-vmm: --call '%s': %s\n", path, strerror(-fd));
		return 1;
	}
	if (write(fd, request, strlen(request)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "vmon-vmm: --call '%s': %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	while (len < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 60000) <= 0) {
			fprintf(stderr, "vmon-vmm: --call '%s': no answer\n", path);
			close(fd);
			return 1;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	close(fd);
	buf[len] = 0;
	fputs(buf, stdout);
	struct json_object *o = json_tokener_parse(buf), *v;
	if (o && json_object_object_get_ex(o, "ok", &v))
		ok = json_object_get_boolean(v);
	json_object_put(o);
	return ok ? 0 : 1;
}
