// SPDX-License-Identifier: GPL-2.0
/* /proc/meminfo for the leak checks of the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "meminfo.h"

long meminfo_kib(const char *key)
{
	size_t n = strlen(key);
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}
