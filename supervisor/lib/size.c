// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon: sizes in libvirt's units (vmon/size.h), one table for the
 * storage XML, vmond's volume requests and the CLI's sizes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vmon/size.h>

static const struct {
	const char *name;
	uint64_t mult;
} units[] = {
	{ "b", 1 },
	{ "bytes", 1 },
	{ "KB", 1000ULL },
	{ "MB", 1000ULL * 1000 },
	{ "GB", 1000ULL * 1000 * 1000 },
	{ "TB", 1000ULL * 1000 * 1000 * 1000 },
	{ "PB", 1000ULL * 1000 * 1000 * 1000 * 1000 },
	{ "EB", 1000ULL * 1000 * 1000 * 1000 * 1000 * 1000 },
	{ "k", 1ULL << 10 },
	{ "KiB", 1ULL << 10 },
	{ "M", 1ULL << 20 },
	{ "MiB", 1ULL << 20 },
	{ "G", 1ULL << 30 },
	{ "GiB", 1ULL << 30 },
	{ "T", 1ULL << 40 },
	{ "TiB", 1ULL << 40 },
	{ "P", 1ULL << 50 },
	{ "PiB", 1ULL << 50 },
	{ "E", 1ULL << 60 },
	{ "EiB", 1ULL << 60 },
};

int vmon_size_scale(const char *value, const char *unit, uint64_t *bytes, char *err, size_t errlen)
{
	uint64_t mult = 0, v;
	char *end;

	if (!unit || !*unit)
		mult = 1;
	for (size_t i = 0; !mult && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(units[i].name, unit))
			mult = units[i].mult;
	if (!mult) {
		snprintf(err, errlen, "unknown unit '%s'", unit);
		return -1;
	}
	errno = 0;
	v = strtoull(value, &end, 10);
	if (!*value || *value == '-' || *end || errno) {
		snprintf(err, errlen, "'%s' is not a whole number of %s", value,
			 unit && *unit ? unit : "bytes");
		return -1;
	}
	if (v > UINT64_MAX / mult) {
		snprintf(err, errlen, "'%s %s' is too large", value, unit ? unit : "bytes");
		return -1;
	}
	*bytes = v * mult;
	return 0;
}

int vmon_size_parse(const char *s, const char *unit, uint64_t *bytes, char *err, size_t errlen)
{
	size_t n = strspn(s, "0123456789");
	char num[32];

	if (!n || n >= sizeof(num)) {
		snprintf(err, errlen, "'%s' is not a size (a number with an optional unit)", s);
		return -1;
	}
	memcpy(num, s, n);
	num[n] = 0;
	return vmon_size_scale(num, s[n] ? s + n : unit, bytes, err, errlen);
}
