// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the vmon commands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>

void vmon_err(const char *fmt, ...)
{
	va_list ap;

	fputs("vmon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vmon_parse_output(const char *arg, enum vmon_output *out)
{
	if (!strcmp(arg, "human")) {
		*out = VMON_OUTPUT_HUMAN;
		return 0;
	}
	if (!strcmp(arg, "json")) {
		*out = VMON_OUTPUT_JSON;
		return 0;
	}
	vmon_err("--output: '%s' is not one of: human, json", arg);
	return -1;
}
