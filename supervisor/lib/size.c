// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon: sizes in libvirt's units (vmon/size.h), one table for the
 * storage XML, vmond's volume requests and the CLI's sizes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vmon/size.h>

/*
 * The bytes in one @unit, or 0 if it is none: b and bytes; a prefix of
 * "kmgtpe" alone or with "iB" is a power of 1024, with "B" a power of 1000
 * (either case, as libvirt's virScaleInteger).
 */
static uint64_t unit_bytes(const char *unit)
{
	static const char prefixes[] = "kmgtpe";
	const char *p = unit[0] ? strchr(prefixes, tolower((unsigned char)unit[0])) : NULL;
	uint64_t base, mult = 1;

	if (!strcasecmp(unit, "b") || !strcasecmp(unit, "bytes"))
		return 1;
	if (!p)
		return 0;
	if (!unit[1] || !strcasecmp(unit + 1, "ib"))
		base = 1024;
	else if (!strcasecmp(unit + 1, "b"))
		base = 1000;
	else
		return 0;
	for (const char *q = prefixes; q <= p; q++)
		mult *= base;
	return mult;
}

int vmon_size_scale(const char *value, const char *unit, uint64_t *bytes, char *err, size_t errlen)
{
	uint64_t mult = unit && *unit ? unit_bytes(unit) : 1, v;
	char *end;

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
