// SPDX-License-Identifier: GPL-2.0
/*
 * vmon nodeinfo and vmon capabilities: the host as vmond sees it, in
 * virsh's layout (nodeinfo) and libvirt's capabilities XML.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

static const char *what;

static void usage(FILE *f)
{
	if (!strcmp(what, "nodeinfo"))
		fprintf(f,
			"usage: vmon nodeinfo [-c URI]\n"
			"\n"
			"The host's CPUs, memory and NUMA cells in virsh nodeinfo's layout, then\n"
			"what vmon adds: KVM (and nested KVM), the vmon module, the VMM's "
			"limits.\n");
	else
		fprintf(f,
			"usage: vmon capabilities [-c URI]\n"
			"\n"
			"The host's capabilities as libvirt's capabilities XML (capability.rng):\n"
			"CPU, topology, NUMA cells, page sizes; a <guest> of type kvm when\n"
			"/dev/kvm exists.\n");
	fprintf(f, "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "  -h, --help            this text\n");
}

static int64_t num(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *str(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) ? json_object_get_string(v) : "";
}

static bool on(struct json_object *a, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(a, key, &v) && json_object_get_boolean(v);
}

static void print_nodeinfo(struct json_object *a)
{
	struct json_object *cells;

	json_object_object_get_ex(a, "cells", &cells);
	printf("%-20s %s\n", "CPU model:", str(a, "cpu_model"));
	printf("%-20s %lld\n", "CPU(s):", (long long)num(a, "cpus"));
	printf("%-20s %lld MHz\n", "CPU frequency:", (long long)num(a, "mhz"));
	printf("%-20s %lld\n", "CPU socket(s):", (long long)num(a, "sockets"));
	printf("%-20s %lld\n", "Core(s) per socket:", (long long)num(a, "cores"));
	printf("%-20s %lld\n", "Thread(s) per core:", (long long)num(a, "threads"));
	printf("%-20s %zu\n", "NUMA cell(s):", cells ? json_object_array_length(cells) : 0);
	printf("%-20s %lld KiB\n", "Memory size:", (long long)num(a, "memory_kib"));
	for (size_t i = 0; cells && i < json_object_array_length(cells); i++) {
		struct json_object *c = json_object_array_get_idx(cells, i);
		char label[32];

		snprintf(label, sizeof(label), "NUMA cell %lld:", (long long)num(c, "id"));
		printf("%-20s CPUs %s, %lld KiB\n", label, str(c, "cpus"),
		       (long long)num(c, "memory_kib"));
	}
	printf("%-20s %s (%s%s)\n", "KVM:", on(a, "kvm") ? "yes" : "no", str(a, "hw_virt"),
	       on(a, "kvm_nested") ? ", nested" : "");
	printf("%-20s %s\n", "vmon module:", on(a, "vmon_module") ? "loaded" : "not loaded");
	printf("%-20s %s, at most %lld vCPUs a guest\n\n", "VMM:", str(a, "vmm"),
	       (long long)num(a, "vmm_max_vcpus"));
}

static int run(const char *name, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *req, *a;
	const char *sock = NULL;
	int opt;

	what = name;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			sock = optarg;
		else
			return vmon_usage_exit(opt, usage);
	}
	if (vmon_no_more_args(name, argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(name));
	if (vmond_request(name, sock, true, req, &a))
		return VMON_EXIT_FAIL;
	if (!strcmp(name, "nodeinfo"))
		print_nodeinfo(a);
	else
		fputs(str(a, "xml"), stdout);
	json_object_put(a);
	return VMON_EXIT_OK;
}

int vmon_cmd_nodeinfo(int argc, char **argv);
int vmon_cmd_nodeinfo(int argc, char **argv)
{
	return run("nodeinfo", argc, argv);
}

int vmon_cmd_capabilities(int argc, char **argv);
int vmon_cmd_capabilities(int argc, char **argv)
{
	return run("capabilities", argc, argv);
}
