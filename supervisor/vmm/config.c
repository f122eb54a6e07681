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
static const char *const err_names[] = { "report", "stop", "enospc" };

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
 * A throttle setting, QEMU's -drive names: iops or bps, then _rd or _wr for
 * a read or write bucket, then _max for its burst, then =N. 1 when @tok is
 * one (its value stored), -1 when its value is not a whole number, 0 when
 * @tok is something else.
 */
static int limit(const char *tok, struct vmon_blk_limits *l)
{
	struct vmon_blk_throttle *t = &l->total;
	struct vmon_blk_bucket *b;
	unsigned long long v;
	bool max = false;
	char *end;

	if (!strncmp(tok, "iops", 4)) {
		b = &t->ops;
		tok += 4;
	} else if (!strncmp(tok, "bps", 3)) {
		b = &t->bytes;
		tok += 3;
	} else {
		return 0;
	}
	if (!strncmp(tok, "_rd", 3) || !strncmp(tok, "_wr", 3)) {
		/* the same bucket of the read or write limits */
		t = tok[1] == 'r' ? &l->read : &l->write;
		b = b == &l->total.ops ? &t->ops : &t->bytes;
		tok += 3;
	}
	if (!strncmp(tok, "_max=", 5)) {
		max = true;
		tok += 4;
	} else if (*tok != '=') {
		return 0;
	}
	tok++;
	errno = 0;
	v = strtoull(tok, &end, 10);
	if (!isdigit((unsigned char)*tok) || *end || errno)
		return -1;
	*(max ? &b->burst : &b->rate) = v;
	return 1;
}

/*
 * What QEMU refuses of a disk's limits: a burst without its rate, and a
 * total limit beside a read or write one of the same kind. NULL if none.
 */
static const char *limits_conflict(const struct vmon_blk_limits *l)
{
	static const char *const what[] = {
		"iops_max= without iops=",	 "bps_max= without bps=",
		"iops_rd_max= without iops_rd=", "bps_rd_max= without bps_rd=",
		"iops_wr_max= without iops_wr=", "bps_wr_max= without bps_wr=",
	};
	const struct vmon_blk_bucket *b[] = {
		&l->total.ops,	&l->total.bytes, &l->read.ops,
		&l->read.bytes, &l->write.ops,	 &l->write.bytes,
	};

	for (size_t i = 0; i < NAMES(b); i++)
		if (b[i]->burst && !b[i]->rate)
			return what[i];
	if (l->total.ops.rate && (l->read.ops.rate || l->write.ops.rate))
		return "iops= with iops_rd= or iops_wr=";
	if (l->total.bytes.rate && (l->read.bytes.rate || l->write.bytes.rate))
		return "bps= with bps_rd= or bps_wr=";
	return NULL;
}

int config_parse_disk(const char *arg, struct disk_config *d)
{
	char buf[4200], *save = NULL, *tok;
	const char *conflict;
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
		} else if (!strncmp(tok, "werror=", 7) || !strncmp(tok, "rerror=", 7)) {
			/* QEMU's: enospc is for writes only */
			bool w = tok[0] == 'w';
			int i = pick(tok + 7, err_names, NAMES(err_names) - !w);

			if (i < 0)
				return bad("--disk", arg,
					   w ? "unknown werror= (report, stop, enospc):"
					     : "unknown rerror= (report, stop):",
					   tok + 7);
			*(w ? &d->werror : &d->rerror) = (enum blk_err_policy)i;
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
		} else if ((lim = limit(tok, &d->limits))) {
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
	conflict = limits_conflict(&d->limits);
	if (conflict)
		return bad("--disk", arg, "limits that do not go together:", conflict);
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
