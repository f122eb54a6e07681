// SPDX-License-Identifier: GPL-2.0
/* Golden-file tests of the XML libraries (golden.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "golden.h"

char *golden_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = 2 * cap + 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = 0;
	return buf;
}

int golden_schema_valid(const char *xml, const char *schema)
{
	char path[] = "/tmp/golden.XXXXXX", cmd[256];
	int fd = mkstemp(path), st;
	size_t len = strlen(xml);

	if (fd < 0)
		return -1;
	if (write(fd, xml, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "virt-xml-validate %s %s >&2", path, schema);
	st = system(cmd);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int golden_for_each(const char *dir, int (*one)(void *ctx, const char *name), void *ctx,
		    int *failed)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	*failed = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char name[256];

		if (l < 5 || l > 250 || strcmp(e->d_name + l - 4, ".xml"))
			continue;
		memcpy(name, e->d_name, l - 4);
		name[l - 4] = 0;
		if (one(ctx, name))
			(*failed)++;
		n++;
	}
	closedir(d);
	return n;
}
