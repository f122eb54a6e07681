// SPDX-License-Identifier: GPL-2.0
/*
 * vmon trace VIEW: the views of libvmontrace (supervisor/trace) on the
 * command line: options, the VM they are narrowed to, and the run.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>
#include <vmon/nl.h>
#include <vmon/trace.h>

/* What poll()'s timeouts and a report's arithmetic handle with ease. */
#define TRACE_SECONDS_MAX 1e6

static void usage(FILE *f)
{
	const struct vmon_trace_view *const *v;

	fprintf(f, "usage: vmon trace VIEW [--vm VM] [-i SECONDS] [-d SECONDS] [--queue]\n"
		   "                  [--output=human|json] [--verbose]\n"
		   "\n"
		   "Trace with eBPF programs (bpf/, loaded through libbpf) and print what\n"
		   "they counted at the end, or at every interval. Views:\n");
	for (v = vmon_trace_views; *v; v++)
		fprintf(f, "  %-10s %s\n", (*v)->name, (*v)->summary);
	fprintf(f, "\n"
		   "  --vm VM            only this registered VM (a name or an id, as vmon\n"
		   "                     stats shows them); tracing ends, with status 0 and\n"
		   "                     a message, when the VM is unregistered\n"
		   "  -i, --interval SECONDS\n"
		   "                     a report every SECONDS (decimals allowed), each of\n"
		   "                     what happened since the one before\n"
		   "  -d, --duration SECONDS\n"
		   "                     stop after SECONDS (default: at SIGINT or SIGTERM)\n"
		   "  --queue            blk-lat: one histogram per queue\n"
		   "  --output=FMT       human (default) or json: one JSON object per report\n"
		   "  -v, --verbose      show libbpf's messages\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "Needs CAP_BPF and CAP_PERFMON (or root). blk-lat and net need vmon.ko;\n"
		   "exits, steal and halt need kvm and see every KVM VMM, named when it\n"
		   "registered its VM with vmon; --vm needs vmon.ko. Documentation/tracing.rst\n"
		   "tells how to read each view.\n"
		   "\n"
		   "Exit status: 0 success (the traced VM going away included), 1 failure,\n"
		   "2 bad command line.\n");
}

static int parse_seconds(const char *opt, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v <= 0 || v > TRACE_SECONDS_MAX) {
		vmon_err("trace: %s wants a number of seconds above 0 and up to %.0f, not '%s'",
			 opt, TRACE_SECONDS_MAX, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* --vm: the VM's id and its VMM's pid, from the registry. */
static int resolve_vm(const char *arg, struct vmon_trace_opts *o)
{
	struct vmon_nl_vm vm;
	struct vmon_nl *nl;
	const char *name;
	uint32_t id;
	int ret;

	vmon_parse_vm(arg, &id, &name);
	if (vmon_cli_nl_open("trace", &nl))
		return -1;
	ret = vmon_nl_vm_get(nl, id, name, false, &vm);
	if (ret) {
		if (ret == -ENOENT)
			vmon_err("trace: no registered VM '%s' (vmon stats lists them)", arg);
		else
			vmon_err("trace: cannot look up VM '%s': %s", arg, strerror(-ret));
		vmon_nl_close(nl);
		return -1;
	}
	o->vm = vm.id;
	o->tgid = vm.owner_pid;
	vmon_nl_vm_free(&vm);
	vmon_nl_close(nl);
	return 0;
}

int vmon_cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'm' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "queue", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmon_trace_opts o = { .output = VMON_OUTPUT_HUMAN };
	const struct vmon_trace_view *view;
	const char *vm = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "i:d:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			vm = optarg;
			break;
		case 'i':
			if (parse_seconds("--interval", optarg, &o.interval))
				return VMON_EXIT_USAGE;
			break;
		case 'd':
			if (parse_seconds("--duration", optarg, &o.duration))
				return VMON_EXIT_USAGE;
			break;
		case 'q':
			o.per_queue = true;
			break;
		case 'o':
			if (vmon_parse_output(optarg, &o.output))
				return VMON_EXIT_USAGE;
			break;
		case 'v':
			o.verbose = true;
			break;
		default:
			return vmon_usage_exit(opt, usage);
		}
	}
	if (optind >= argc) {
		vmon_err("trace: which view? (see: vmon trace --help)");
		return VMON_EXIT_USAGE;
	}
	view = vmon_trace_view_find(argv[optind]);
	if (!view) {
		vmon_err("trace: unknown view '%s' (see: vmon trace --help)", argv[optind]);
		return VMON_EXIT_USAGE;
	}
	optind++;
	if (vmon_no_more_args("trace", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	if (o.per_queue && view != &vmon_trace_blk_lat) {
		vmon_err("trace: --queue is for blk-lat only");
		return VMON_EXIT_USAGE;
	}
	if (vm && resolve_vm(vm, &o))
		return VMON_EXIT_FAIL;
	return vmon_trace_run(view, &o);
}
