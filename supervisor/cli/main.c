// SPDX-License-Identifier: GPL-2.0
/*
 * vmon: the command line, a virsh-like front end. Each command lives in its
 * own cmd_*.c and is dispatched from the table below.
 */
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>

int vmon_cmd_version(int argc, char **argv);
int vmon_cmd_img(int argc, char **argv);
int vmon_cmd_top(int argc, char **argv);
int vmon_cmd_stats(int argc, char **argv);
int vmon_cmd_event(int argc, char **argv);
int vmon_cmd_steal_threshold(int argc, char **argv);

const struct vmon_cmd vmon_cmds[] = {
	{ "img", "qcow2 and raw disk images, qemu-img compatible", vmon_cmd_img },
	{ "version", "show the vmon release and the module's ABI version", vmon_cmd_version },
	{ "top", "live per-VM table: steal, CPU, IOPS, MB/s, pps, KSM, dedup", vmon_cmd_top },
	{ "stats", "accounting figures of VMs (human, json, prometheus)", vmon_cmd_stats },
	{ "steal-threshold", "show or set a VM's steal threshold and the sampling interval",
	  vmon_cmd_steal_threshold },
	{ "event", "print the module's events as they come (like virsh event)", vmon_cmd_event },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct vmon_cmd *c;

	fprintf(f, "usage: vmon COMMAND [ARGS...]\n"
		   "       vmon COMMAND --help\n"
		   "\n"
		   "Commands:\n");
	for (c = vmon_cmds; c->name; c++)
		fprintf(f, "  %-20s %s\n", c->name, c->summary);
	fprintf(f, "\n"
		   "Exit status: 0 success, 1 failure, 2 bad command line.\n");
}

int main(int argc, char **argv)
{
	const struct vmon_cmd *c;

	if (argc < 2) {
		usage(stderr);
		return VMON_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VMON_EXIT_OK;
	}
	for (c = vmon_cmds; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	vmon_err("unknown command '%s' (see: vmon --help)", argv[1]);
	return VMON_EXIT_USAGE;
}
