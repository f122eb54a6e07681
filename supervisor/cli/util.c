// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the vmon commands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmon/cli.h>
#include <vmon/nl.h>

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

int vmon_usage_exit(int opt, void (*usage)(FILE *f))
{
	usage(opt == 'h' ? stdout : stderr);
	return opt == 'h' ? VMON_EXIT_OK : VMON_EXIT_USAGE;
}

int vmon_no_more_args(const char *cmd, int argc, char **argv, int first, const char *hint)
{
	if (first >= argc)
		return 0;
	vmon_err("%s: unexpected argument '%s'%s%s", cmd, argv[first], hint ? " " : "",
		 hint ? hint : "");
	return -1;
}

void vmon_parse_vm(const char *arg, uint32_t *id, const char **name)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg >= '0' && *arg <= '9' && !*end && !errno && v && v <= UINT32_MAX) {
		*id = v;
		*name = NULL;
	} else {
		*id = 0;
		*name = arg;
	}
}

int vmon_cli_nl_open(const char *cmd, struct vmon_nl **nl)
{
	int ret = vmon_nl_open(nl);

	if (!ret)
		return 0;
	vmon_err("%s: cannot reach the vmon netlink family: %s", cmd,
		 ret == -ENOENT ? "the vmon module is not loaded (run: modprobe vmon)"
				: strerror(-ret));
	return -1;
}

char *vmon_abs_path(const char *path)
{
	char *cwd, *abs = NULL;

	if (!path[0]) {
		errno = ENOENT;
		return NULL;
	}
	if (path[0] == '/')
		return strdup(path);
	cwd = getcwd(NULL, 0);
	if (cwd && asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	free(cwd);
	return abs;
}

void vmon_print_table(const char *const *cells, size_t nrows, size_t ncols, size_t stride)
{
	size_t w[ncols ? ncols : 1], len = 0;

	memset(w, 0, sizeof(w));
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < ncols; c++)
			if (cells[r * stride + c] && strlen(cells[r * stride + c]) > w[c])
				w[c] = strlen(cells[r * stride + c]);
	for (size_t c = 0; c < ncols; c++)
		len += w[c] + 3;
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = cells[r * stride + c] ? cells[r * stride + c] : "";

			if (c == ncols - 1)
				printf(" %s", s);
			else
				printf(" %-*s  ", (int)w[c], s);
		}
		putchar('\n');
		for (size_t i = 0; !r && i <= len; i++)
			putchar(i == len ? '\n' : '-');
	}
	putchar('\n');
}
