// SPDX-License-Identifier: GPL-2.0
/*
 * vmon steal-threshold: show or set a VM's steal threshold (the share of
 * its vCPUs' time spent waiting for a CPU over one sampling interval at
 * which the module sends a steal-over-threshold event), and the module's
 * sampling interval. SET_THRESHOLD of the vmon netlink family.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <vmon/cli.h>
#include <vmon/nl.h>

/* The kernel's bounds (kmod/genl.c policy). */
#define INTERVAL_MIN 100
#define INTERVAL_MAX 60000

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon steal-threshold VM [--output=human|json]\n"
		   "       vmon steal-threshold VM PERCENT [--interval MS]\n"
		   "       vmon steal-threshold [VM] --interval MS\n"
		   "\n"
		   "Show or set the steal threshold of the registered VM VM (a name or an\n"
		   "id): when the VM's steal share over one sampling interval reaches\n"
		   "PERCENT, the module sends one steal-over-threshold event (see vmon\n"
		   "event), again only after the share fell below it. PERCENT is 0 to 100\n"
		   "with up to two decimals; 0 or \"off\" turns the event off.\n"
		   "Without PERCENT, show the threshold, the interval and the last share.\n"
		   "\n"
		   "  --interval MS      set the sampling interval, 100 to 60000 ms\n"
		   "                     (default 1000). It is the module's, for every VM.\n"
		   "  --output=FMT       human (default) or json, when showing\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "Setting needs CAP_NET_ADMIN; showing does not.\n"
		   "\n"
		   "Exit status: 0 success, 1 failure (module not loaded, no such VM, not\n"
		   "permitted), 2 bad command line.\n");
}

/* "off", or 0 to 100 with up to two decimals, to hundredths of a percent. */
static int parse_percent(const char *arg, uint32_t *hundredths)
{
	unsigned long whole = 0, frac = 0;
	const char *p = arg;
	int digits = 0, fdigits = 0;

	if (!strcmp(arg, "off")) {
		*hundredths = 0;
		return 0;
	}
	for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
		whole = whole * 10 + (*p - '0');
	if (digits && *p == '.') {
		for (p++; *p >= '0' && *p <= '9' && fdigits < 2; p++, fdigits++)
			frac = frac * 10 + (*p - '0');
		if (!fdigits)
			digits = 0;
		if (fdigits == 1)
			frac *= 10;
	}
	if (!digits || *p || whole * 100 + frac > 10000) {
		vmon_err("steal-threshold: '%s' is not a percentage from 0 to 100 with at most "
			 "two decimals (or \"off\")",
			 arg);
		return -1;
	}
	*hundredths = whole * 100 + frac;
	return 0;
}

static int parse_interval(const char *arg, uint32_t *ms)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || v < INTERVAL_MIN || v > INTERVAL_MAX) {
		vmon_err("steal-threshold: --interval: '%s' is not a number of milliseconds from "
			 "%d to %d",
			 arg, INTERVAL_MIN, INTERVAL_MAX);
		return -1;
	}
	*ms = v;
	return 0;
}

static void pct(char *buf, size_t len, uint32_t hundredths)
{
	snprintf(buf, len, "%u.%02u", hundredths / 100, hundredths % 100);
}

static void show(const struct vmon_nl_vm *vm, enum vmon_output out)
{
	char t[16], s[16];

	pct(t, sizeof(t), vm->threshold);
	pct(s, sizeof(s), vm->steal_pct);
	if (out == VMON_OUTPUT_JSON) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64(vm->id));
		json_object_object_add(o, "name", json_object_new_string(vm->name));
		json_object_object_add(o, "steal-threshold-percent",
				       json_object_new_double_s(vm->threshold / 100.0, t));
		json_object_object_add(o, "interval-ms", json_object_new_int64(vm->interval_ms));
		json_object_object_add(o, "steal-percent",
				       json_object_new_double_s(vm->steal_pct / 100.0, s));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
		return;
	}
	printf("VM %" PRIu32 " %s\n", vm->id, vm->name);
	if (vm->threshold)
		printf("  steal threshold: %s%%\n", t);
	else
		printf("  steal threshold: off\n");
	printf("  sampling interval: %" PRIu32 " ms (module-wide)\n", vm->interval_ms);
	printf("  steal over the last interval: %s%%\n", s);
}

/* The message for a failed netlink request: the kernel's words if any. */
static void nl_fail(struct vmon_nl *nl, const char *what, const char *vm_arg, int ret)
{
	if (ret == -EPERM)
		vmon_err("steal-threshold: %s needs CAP_NET_ADMIN (run as root)", what);
	else if (ret == -ENOENT && vm_arg)
		vmon_err("steal-threshold: no registered VM '%s'", vm_arg);
	else
		vmon_err("steal-threshold: %s failed: %s%s%s", what, strerror(-ret),
			 *vmon_nl_errmsg(nl) ? ": " : "", vmon_nl_errmsg(nl));
}

int vmon_cmd_steal_threshold(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum vmon_output out = VMON_OUTPUT_HUMAN;
	const char *vm_arg = NULL, *pct_arg = NULL, *name = NULL;
	uint32_t id = 0, threshold = 0, interval = 0;
	struct vmon_nl_vm vm;
	struct vmon_nl *nl;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_interval(optarg, &interval))
				return VMON_EXIT_USAGE;
			break;
		case 'o':
			if (vmon_parse_output(optarg, &out))
				return VMON_EXIT_USAGE;
			break;
		default:
			return vmon_usage_exit(c, usage);
		}
	}
	if (optind < argc)
		vm_arg = argv[optind++];
	if (optind < argc)
		pct_arg = argv[optind++];
	if (vmon_no_more_args("steal-threshold", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	if (!vm_arg && !interval) {
		vmon_err("steal-threshold: a VM is needed (or --interval MS alone)");
		usage(stderr);
		return VMON_EXIT_USAGE;
	}
	if (pct_arg && parse_percent(pct_arg, &threshold))
		return VMON_EXIT_USAGE;
	if (pct_arg && out == VMON_OUTPUT_JSON) {
		vmon_err("steal-threshold: --output is for showing; setting prints nothing");
		return VMON_EXIT_USAGE;
	}
	if (vm_arg)
		vmon_parse_vm(vm_arg, &id, &name);

	if (vmon_cli_nl_open("steal-threshold", &nl))
		return VMON_EXIT_FAIL;
	if (vm_arg) {
		/* Resolve the name, and tell an unknown VM from a refused change. */
		ret = vmon_nl_vm_get(nl, id, name, false, &vm);
		if (ret) {
			nl_fail(nl, "looking up the VM", vm_arg, ret);
			goto fail;
		}
		id = vm.id;
		vmon_nl_vm_free(&vm);
	}
	if (pct_arg || interval) {
		ret = vmon_nl_set_threshold(nl, pct_arg ? id : 0, threshold, interval);
		if (ret) {
			nl_fail(nl,
				pct_arg ? "setting the steal threshold"
					: "setting the sampling interval",
				vm_arg, ret);
			goto fail;
		}
	}
	if (vm_arg && !pct_arg) {
		ret = vmon_nl_vm_get(nl, id, NULL, true, &vm);
		if (ret) {
			nl_fail(nl, "reading the VM's figures", vm_arg, ret);
			goto fail;
		}
		show(&vm, out);
		vmon_nl_vm_free(&vm);
	}
	vmon_nl_close(nl);
	return VMON_EXIT_OK;
fail:
	vmon_nl_close(nl);
	return VMON_EXIT_FAIL;
}
