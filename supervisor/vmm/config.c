// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers of the --disk and --net options.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *const blk_names[] = { "auto", "uring", "vmon-blk" };
static const char *const net_names[] = { "auto", "user", "vhost", "vmon-net" };
static const char *const format_names[] = { "probe", "raw", "qcow2" };
/* cache=, by the value of disk_config.direct */
static const char *const cache_names[] = { "writeback", "none" };

#define NAMES(a) (sizeof(a) / sizeof((a)[0]))

const char *blk_backend_name(enum blk_backend b)
{
	return blk_names[b];
}

const char *net_backend_name(enum net_backend b)
{
	return net_names[b];
}

const char *disk_format_name(enum disk_format f)
{
	return format_names[f];
}

static int bad(const char *opt, const char *arg, const char *what, const char *item)
{
	fprintf(stderr, "vmon-vmm: %s '%s': %s '%s'\n", opt, arg, what, item);
	return -1;
}

/* The index of @val among the @n @names, or -1. */
static int pick(const char *val, const char *const *names, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(val, names[i]))
			return (int)i;
	return -1;
}

/*
 * A throttle setting: 1 when @tok is one (its value stored), -1 when its
 * value is not a whole number, 0 when @tok is something else.
 */
static int limit(const char *tok, struct disk_config *d)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "iops=", offsetof(struct disk_config, iops) },
		{ "bps=", offsetof(struct disk_config, bps) },
		{ "iops_max=", offsetof(struct disk_config, iops_max) },
		{ "bps_max=", offsetof(struct disk_config, bps_max) },
	};

	for (size_t i = 0; i < NAMES(keys); i++) {
		size_t n = strlen(keys[i].key);
		unsigned long long v;
		char *end;

		if (strncmp(tok, keys[i].key, n))
			continue;
		errno = 0;
		v = strtoull(tok + n, &end, 10);
		if (!isdigit((unsigned char)tok[n]) || *end || errno)
			return -1;
		*(uint64_t *)((char *)d + keys[i].off) = v;
		return 1;
	}
	return 0;
}

int config_parse_disk(const char *arg, struct disk_config *d)
{
	char buf[4200], *save = NULL, *tok;
	bool first = true;
	int lim;

	memset(d, 0, sizeof(*d));
	if (strlen(arg) >= sizeof(buf))
		return bad("--disk", "...", "option too long:", "");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), first = false) {
		if (first) {
			if (strlen(tok) >= sizeof(d->path))
				return bad("--disk", arg, "path too long:", tok);
			strcpy(d->path, tok);
		} else if (!strcmp(tok, "ro")) {
			d->readonly = true;
		} else if (!strncmp(tok, "backend=", 8)) {
			int i = pick(tok + 8, blk_names, NAMES(blk_names));

			if (i < 0)
				return bad("--disk", arg,
					   "unknown backend (auto, uring, vmon-blk):", tok + 8);
			d->backend = (enum blk_backend)i;
		} else if (!strncmp(tok, "cache=", 6)) {
			int i = pick(tok + 6, cache_names, NAMES(cache_names));

			if (i < 0)
				return bad("--disk", arg,
					   "unknown cache mode (none, writeback):", tok + 6);
			d->direct = i;
		} else if (!strncmp(tok, "serial=", 7)) {
			/* virtio's ID: 20 bytes at most, printable ASCII, no space */
			size_t n = strlen(tok + 7);

			if (!n || n >= sizeof(d->serial))
				return bad("--disk", arg,
					   "serial= takes 1 to 20 characters:", tok + 7);
			for (size_t i = 0; i < n; i++)
				if (tok[7 + i] <= ' ' || tok[7 + i] > '~')
					return bad("--disk", arg,
						   "serial= takes printable ASCII, no space:",
						   tok + 7);
			strcpy(d->serial, tok + 7);
		} else if ((lim = limit(tok, d))) {
			if (lim < 0)
				return bad("--disk", arg, "limits take a whole number:", tok);
		} else if (!strncmp(tok, "format=", 7)) {
			/* "probe" is the default, not a value to give */
			int i = pick(tok + 7, format_names + 1, NAMES(format_names) - 1);

			if (i < 0)
				return bad("--disk", arg, "unknown format (raw, qcow2):", tok + 7);
			d->format = (enum disk_format)(i + 1);
		} else {
			return bad("--disk", arg, "unknown setting", tok);
		}
	}
	if (!d->path[0])
		return bad("--disk", arg, "no path in", arg);
	if ((d->iops_max && !d->iops) || (d->bps_max && !d->bps))
		return bad("--disk", arg, "a burst needs its rate:",
			   d->iops_max && !d->iops ? "iops_max= without iops="
						   : "bps_max= without bps=");
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)
		return -1; /* multicast */
	return 0;
}

int config_parse_net(const char *arg, struct net_config *n)
{
	static const uint8_t default_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	char buf[256], *save = NULL, *tok;

	memset(n, 0, sizeof(*n));
	memcpy(n->mac, default_mac, 6);
	if (strlen(arg) >= sizeof(buf))
		return bad("--net", "...", "option too long:", "");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4)) {
			if (!tok[4] || strlen(tok + 4) >= sizeof(n->tap))
				return bad("--net", arg, "bad interface name", tok + 4);
			strcpy(n->tap, tok + 4);
		} else if (!strncmp(tok, "mac=", 4)) {
			if (parse_mac(tok + 4, n->mac) < 0)
				return bad("--net", arg, "not a unicast MAC address:", tok + 4);
		} else if (!strncmp(tok, "backend=", 8)) {
			int i = pick(tok + 8, net_names, NAMES(net_names));

			if (i < 0)
				return bad(
					"--net", arg,
					"unknown backend (auto, user, vhost, vmon-net):", tok + 8);
			n->backend = (enum net_backend)i;
		} else {
			return bad("--net", arg, "unknown setting", tok);
		}
	}
	if (!n->tap[0])
		return bad("--net", arg, "missing", "tap=IF");
	return 0;
}
