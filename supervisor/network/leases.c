// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: dnsmasq's lease file, one lease a line:
 * "EXPIRY MAC IP HOSTNAME CLIENT-ID" ('*' for an unknown hostname or id).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

static int parse_line(const char *line, struct vmon_net_lease *l)
{
	struct in_addr a;
	uint8_t m[6];
	int k;

	memset(l, 0, sizeof(*l));
	k = sscanf(line, "%lld %17s %15s %63s %127s", &l->expiry, l->mac, l->ip, l->hostname,
		   l->clientid);
	if (k < 4 || net_parse_mac(l->mac, m) || inet_pton(AF_INET, l->ip, &a) != 1)
		return -1;
	if (!strcmp(l->hostname, "*"))
		l->hostname[0] = 0;
	if (!strcmp(l->clientid, "*"))
		l->clientid[0] = 0;
	return 0;
}

int vmon_net_leases_read(const char *path, struct vmon_net_lease **out, size_t *n, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct vmon_net_lease *v = NULL, *nv;
	char line[1024];
	int lineno = 0;

	*out = NULL;
	*n = 0;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '\n' || !strncmp(line, "duid ", 5)) /* IPv6 server id */
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv)
			goto fail_mem;
		v = nv;
		if (parse_line(line, &v[*n])) {
			snprintf(err, errlen, "%s:%d: not a dnsmasq lease line", path, lineno);
			goto fail;
		}
		(*n)++;
	}
	fclose(f);
	*out = v;
	return 0;
fail_mem:
	snprintf(err, errlen, "out of memory");
fail:
	fclose(f);
	free(v);
	*n = 0;
	return -1;
}
