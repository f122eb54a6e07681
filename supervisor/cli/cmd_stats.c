// SPDX-License-Identifier: GPL-2.0
/*
 * vmon stats: the accounting figures of one or all registered VMs, for
 * people (human), scripts (json) and Prometheus (text format, for
 * node-exporter's textfile collector).
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

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon stats [VM] [--output=human|json]\n"
		   "       vmon stats [VM] --prometheus\n"
		   "       vmon stats VM --estimate[=PAGES] [--output=human|json]\n"
		   "\n"
		   "Show the accounting figures of the registered VM VM (a name or an\n"
		   "id), or of every registered VM: steal and CPU time per VM and per\n"
		   "vCPU, device counters and latency histograms, KSM figures and the\n"
		   "last dedup estimate. Read from the vmon netlink family.\n"
		   "\n"
		   "  --output=FMT       human (default) or json\n"
		   "  --prometheus       Prometheus text exposition format\n"
		   "  --estimate[=PAGES] run the dedup estimator on VM first, sampling\n"
		   "                     PAGES pages (default 4096; needs CAP_NET_ADMIN)\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "Exit status: 0 success, 1 failure (module not loaded, no such VM),\n"
		   "2 bad command line.\n");
}

static double pct(uint32_t hundredths)
{
	return hundredths / 100.0;
}

/* A percentage for JSON, written with its two decimals and no more. */
static json_object *jpct(uint32_t hundredths)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u.%02u", hundredths / 100, hundredths % 100);
	return json_object_new_double_s(pct(hundredths), buf);
}

static json_object *dev_json(const struct vmon_nl_dev *d)
{
	json_object *o = json_object_new_object();
	json_object *c = json_object_new_object();
	json_object *h = json_object_new_array();
	unsigned int i;

	json_object_object_add(o, "id", json_object_new_int64(d->id));
	json_object_object_add(o, "type", json_object_new_string(vmon_nl_dev_type_name(d->type)));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	for (i = 0; i <= VMON_DEV_A_MAX; i++)
		if (vmon_nl_ctr_name(i))
			json_object_object_add(c, vmon_nl_ctr_name(i),
					       json_object_new_uint64(d->ctr[i]));
	json_object_object_add(o, "counters", c);
	for (i = 0; i < VMON_LAT_BUCKETS; i++) {
		json_object *b;

		if (!d->lat[i])
			continue;
		b = json_object_new_object();
		json_object_object_add(b, "ge-ns", json_object_new_uint64(i ? 1ULL << i : 0));
		json_object_object_add(b, "lt-ns", json_object_new_uint64(1ULL << (i + 1)));
		json_object_object_add(b, "count", json_object_new_uint64(d->lat[i]));
		json_object_array_add(h, b);
	}
	json_object_object_add(o, "latency-histogram", h);
	return o;
}

static json_object *vm_json(const struct vmon_nl_vm *vm)
{
	json_object *o = json_object_new_object();
	json_object *k = json_object_new_object();
	json_object *vc = json_object_new_array();
	json_object *dv = json_object_new_array();
	json_object *e;
	size_t i;

	json_object_object_add(o, "id", json_object_new_int64(vm->id));
	json_object_object_add(o, "name", json_object_new_string(vm->name));
	json_object_object_add(o, "owner-pid", json_object_new_int64(vm->owner_pid));
	json_object_object_add(o, "vcpus", json_object_new_int64(vm->nr_vcpus));
	json_object_object_add(o, "steal-ns", json_object_new_uint64(vm->steal_ns));
	json_object_object_add(o, "cpu-ns", json_object_new_uint64(vm->cpu_ns));
	json_object_object_add(o, "steal-percent", jpct(vm->steal_pct));
	json_object_object_add(o, "cpu-percent", jpct(vm->cpu_pct));
	json_object_object_add(o, "steal-threshold-percent", jpct(vm->threshold));
	json_object_object_add(o, "interval-ms", json_object_new_int64(vm->interval_ms));
	json_object_object_add(o, "guest-pages", json_object_new_uint64(vm->guest_pages));
	json_object_object_add(k, "merging-pages", json_object_new_uint64(vm->ksm_merging_pages));
	json_object_object_add(k, "rmap-items", json_object_new_uint64(vm->ksm_rmap_items));
	json_object_object_add(o, "ksm", k);
	if (vm->has_est) {
		e = json_object_new_object();
		json_object_object_add(e, "sampled-pages", json_object_new_int64(vm->est_pages));
		json_object_object_add(e, "zero-pages", json_object_new_int64(vm->est_zero));
		json_object_object_add(e, "duplicate-pages", json_object_new_int64(vm->est_dup));
		json_object_object_add(e, "mergeable-percent", jpct(vm->est_pct));
		json_object_object_add(e, "cost-ns", json_object_new_uint64(vm->est_cost_ns));
		json_object_object_add(e, "age-ms", json_object_new_uint64(vm->est_age_ms));
		json_object_object_add(o, "dedup-estimate", e);
	} else {
		json_object_object_add(o, "dedup-estimate", NULL);
	}
	for (i = 0; i < vm->n_vcpus; i++) {
		const struct vmon_nl_vcpu *v = &vm->vcpus[i];

		e = json_object_new_object();
		json_object_object_add(e, "index", json_object_new_int64(v->index));
		json_object_object_add(e, "tid", json_object_new_int64(v->tid));
		json_object_object_add(e, "steal-ns", json_object_new_uint64(v->steal_ns));
		json_object_object_add(e, "cpu-ns", json_object_new_uint64(v->cpu_ns));
		json_object_object_add(e, "steal-percent", jpct(v->steal_pct));
		json_object_array_add(vc, e);
	}
	json_object_object_add(o, "vcpu-list", vc);
	for (i = 0; i < vm->n_devs; i++)
		json_object_array_add(dv, dev_json(&vm->devs[i]));
	json_object_object_add(o, "devices", dv);
	return o;
}

static void print_human(const struct vmon_nl_vm *vm)
{
	size_t i;
	unsigned int c;

	printf("VM %" PRIu32 " %s (owner pid %" PRIu32 ")\n", vm->id, vm->name, vm->owner_pid);
	printf("  vcpus: %" PRIu32 "  steal: %.3f s (%.2f%% last %" PRIu32
	       " ms)  cpu: %.3f s (%.2f%%)\n",
	       vm->nr_vcpus, vm->steal_ns / 1e9, pct(vm->steal_pct), vm->interval_ms,
	       vm->cpu_ns / 1e9, pct(vm->cpu_pct));
	if (vm->threshold)
		printf("  steal threshold: %.2f%%\n", pct(vm->threshold));
	printf("  guest memory: %" PRIu64 " MiB  ksm: %" PRIu64 " merging pages, %" PRIu64
	       " rmap items\n",
	       vm->guest_pages * 4096 >> 20, vm->ksm_merging_pages, vm->ksm_rmap_items);
	if (vm->has_est)
		printf("  dedup estimate: %.2f%% mergeable (%" PRIu32 " pages sampled, %" PRIu32
		       " zero, %" PRIu32 " duplicate; %.1f ms, %" PRIu64 " ms ago)\n",
		       pct(vm->est_pct), vm->est_pages, vm->est_zero, vm->est_dup,
		       vm->est_cost_ns / 1e6, vm->est_age_ms);
	for (i = 0; i < vm->n_vcpus; i++)
		printf("  vcpu %" PRIu32 ": tid %" PRIu32 "  steal %.3f s (%.2f%%)  cpu %.3f s\n",
		       vm->vcpus[i].index, vm->vcpus[i].tid, vm->vcpus[i].steal_ns / 1e9,
		       pct(vm->vcpus[i].steal_pct), vm->vcpus[i].cpu_ns / 1e9);
	for (i = 0; i < vm->n_devs; i++) {
		const struct vmon_nl_dev *d = &vm->devs[i];

		printf("  dev %" PRIu32 " %s %s:", d->id, vmon_nl_dev_type_name(d->type), d->name);
		for (c = 0; c <= VMON_DEV_A_MAX; c++)
			if (vmon_nl_ctr_name(c) && d->ctr[c])
				printf(" %s=%" PRIu64, vmon_nl_ctr_name(c), d->ctr[c]);
		printf("\n");
	}
}

/* A Prometheus label value, escaped. */
static void prom_str(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			putchar('\\');
		if (*s == '\n') {
			fputs("\\n", stdout);
			continue;
		}
		putchar(*s);
	}
}

static void prom_vm_labels(const struct vmon_nl_vm *vm)
{
	fputs("vm=\"", stdout);
	prom_str(vm->name);
	printf("\",id=\"%" PRIu32 "\"", vm->id);
}

static void prom_head(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum prom_vm_field {
	P_VCPUS,
	P_STEAL,
	P_CPU,
	P_STEAL_RATIO,
	P_MEM,
	P_KSM_MERGING,
	P_KSM_RMAP,
	P_DEDUP,
};

static const struct {
	const char *name, *type, *help;
} prom_vm_metrics[] = {
	[P_VCPUS] = { "vmon_vm_vcpus", "gauge", "vCPUs of the VM." },
	[P_STEAL] = { "vmon_vm_steal_seconds_total", "counter",
		      "Time the VM's vCPU threads were runnable but waited for a CPU." },
	[P_CPU] = { "vmon_vm_cpu_seconds_total", "counter", "CPU time of the VM's vCPU threads." },
	[P_STEAL_RATIO] = { "vmon_vm_steal_ratio", "gauge",
			    "Steal share of vCPU time over the module's last sampling interval." },
	[P_MEM] = { "vmon_vm_guest_memory_bytes", "gauge", "Guest RAM in memory slots." },
	[P_KSM_MERGING] = { "vmon_vm_ksm_merging_pages", "gauge",
			    "Pages of the VMM merged by KSM." },
	[P_KSM_RMAP] = { "vmon_vm_ksm_rmap_items", "gauge", "KSM reverse-map items of the VMM." },
	[P_DEDUP] = { "vmon_vm_dedup_estimate_ratio", "gauge",
		      "Estimated mergeable share of guest RAM (last estimate)." },
};

static void print_prometheus(const struct vmon_nl_vm *vms, size_t n)
{
	unsigned int m, c, b;
	size_t i, j;

	for (m = 0; m < sizeof(prom_vm_metrics) / sizeof(prom_vm_metrics[0]); m++) {
		prom_head(prom_vm_metrics[m].name, prom_vm_metrics[m].type,
			  prom_vm_metrics[m].help);
		for (i = 0; i < n; i++) {
			const struct vmon_nl_vm *vm = &vms[i];
			double v;

			switch (m) {
			case P_VCPUS:
				v = vm->nr_vcpus;
				break;
			case P_STEAL:
				v = vm->steal_ns / 1e9;
				break;
			case P_CPU:
				v = vm->cpu_ns / 1e9;
				break;
			case P_STEAL_RATIO:
				v = vm->steal_pct / 1e4;
				break;
			case P_MEM:
				v = vm->guest_pages * 4096.0;
				break;
			case P_KSM_MERGING:
				v = vm->ksm_merging_pages;
				break;
			case P_KSM_RMAP:
				v = vm->ksm_rmap_items;
				break;
			default:
				if (!vm->has_est)
					continue;
				v = vm->est_pct / 1e4;
			}
			printf("%s{", prom_vm_metrics[m].name);
			prom_vm_labels(vm);
			printf("} %.9g\n", v);
		}
	}

	prom_head("vmon_vcpu_steal_seconds_total", "counter",
		  "Time the vCPU thread was runnable but waited for a CPU.");
	for (i = 0; i < n; i++)
		for (j = 0; j < vms[i].n_vcpus; j++) {
			fputs("vmon_vcpu_steal_seconds_total{", stdout);
			prom_vm_labels(&vms[i]);
			printf(",vcpu=\"%" PRIu32 "\"} %.9g\n", vms[i].vcpus[j].index,
			       vms[i].vcpus[j].steal_ns / 1e9);
		}

	for (c = 0; c <= VMON_DEV_A_MAX; c++) {
		char name[64];

		if (!vmon_nl_ctr_name(c))
			continue;
		if (c == VMON_DEV_A_THROTTLED_NS)
			snprintf(name, sizeof(name), "vmon_dev_throttled_seconds_total");
		else
			snprintf(name, sizeof(name), "vmon_dev_%s_total", vmon_nl_ctr_name(c));
		prom_head(name, "counter", "Device counter, see Documentation/accounting.rst.");
		for (i = 0; i < n; i++)
			for (j = 0; j < vms[i].n_devs; j++) {
				const struct vmon_nl_dev *d = &vms[i].devs[j];

				printf("%s{", name);
				prom_vm_labels(&vms[i]);
				printf(",dev=\"");
				prom_str(d->name);
				printf("\",dev_id=\"%" PRIu32 "\",type=\"%s\"} ", d->id,
				       vmon_nl_dev_type_name(d->type));
				if (c == VMON_DEV_A_THROTTLED_NS)
					printf("%.9g\n", d->ctr[c] / 1e9);
				else
					printf("%" PRIu64 "\n", d->ctr[c]);
			}
	}

	prom_head("vmon_dev_request_latency_seconds", "histogram",
		  "Latency of completed block requests.");
	for (i = 0; i < n; i++)
		for (j = 0; j < vms[i].n_devs; j++) {
			const struct vmon_nl_dev *d = &vms[i].devs[j];
			uint64_t cum = 0;

			if (d->type == VMON_DEV_NET)
				continue;
			for (b = 0; b < VMON_LAT_BUCKETS; b++) {
				cum += d->lat[b];
				fputs("vmon_dev_request_latency_seconds_bucket{", stdout);
				prom_vm_labels(&vms[i]);
				printf(",dev_id=\"%" PRIu32 "\",le=\"", d->id);
				if (b == VMON_LAT_BUCKETS - 1)
					printf("+Inf");
				else
					printf("%.9g", (double)(1ULL << (b + 1)) / 1e9);
				printf("\"} %" PRIu64 "\n", cum);
			}
			fputs("vmon_dev_request_latency_seconds_count{", stdout);
			prom_vm_labels(&vms[i]);
			printf(",dev_id=\"%" PRIu32 "\"} %" PRIu64 "\n", d->id, cum);
		}
}

int vmon_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "estimate", optional_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum vmon_output out = VMON_OUTPUT_HUMAN;
	bool prom = false, estimate = false;
	struct vmon_nl_vm *vms = NULL, one, est;
	unsigned long pages = 0;
	const char *name = NULL;
	struct vmon_nl *nl;
	uint32_t id = 0;
	size_t n = 0, i;
	int c, ret;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (vmon_parse_output(optarg, &out))
				return VMON_EXIT_USAGE;
			break;
		case 'p':
			prom = true;
			break;
		case 'e':
			estimate = true;
			if (optarg) {
				errno = 0;
				pages = strtoul(optarg, &end, 10);
				if (!*optarg || *end || errno || !pages || pages > 262144) {
					vmon_err("stats: --estimate: '%s' is not a page count "
						 "from 1 to 262144",
						 optarg);
					return VMON_EXIT_USAGE;
				}
			}
			break;
		default:
			return vmon_usage_exit(c, usage);
		}
	}
	if (optind < argc)
		vmon_parse_vm(argv[optind++], &id, &name);
	if (vmon_no_more_args("stats", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	if (prom && out == VMON_OUTPUT_JSON) {
		vmon_err("stats: --prometheus and --output=json exclude each other");
		return VMON_EXIT_USAGE;
	}
	if (estimate && !id && !name) {
		vmon_err("stats: --estimate needs a VM");
		return VMON_EXIT_USAGE;
	}

	if (vmon_cli_nl_open("stats", &nl))
		return VMON_EXIT_FAIL;
	if (id || name) {
		ret = vmon_nl_vm_get(nl, id, name, !estimate, &one);
		if (!ret && estimate) {
			id = one.id;
			vmon_nl_vm_free(&one);
			ret = vmon_nl_ksm_estimate(nl, id, pages, &est);
			if (ret) {
				vmon_err("stats: dedup estimate of VM %" PRIu32 " failed: %s%s%s",
					 id, strerror(-ret), *vmon_nl_errmsg(nl) ? ": " : "",
					 vmon_nl_errmsg(nl));
				vmon_nl_close(nl);
				return VMON_EXIT_FAIL;
			}
			vmon_nl_vm_free(&est);
			ret = vmon_nl_vm_get(nl, id, NULL, true, &one);
		}
		if (ret) {
			if (ret == -ENOENT)
				vmon_err("stats: no registered VM '%s'", argv[optind - 1]);
			else
				vmon_err("stats: %s%s%s", strerror(-ret),
					 *vmon_nl_errmsg(nl) ? ": " : "", vmon_nl_errmsg(nl));
			vmon_nl_close(nl);
			return VMON_EXIT_FAIL;
		}
		vms = malloc(sizeof(*vms));
		if (!vms) {
			vmon_nl_vm_free(&one);
			vmon_nl_close(nl);
			return VMON_EXIT_FAIL;
		}
		vms[0] = one;
		n = 1;
	} else {
		ret = vmon_nl_vm_list(nl, true, &vms, &n);
		if (ret) {
			vmon_err("stats: cannot list VMs: %s", strerror(-ret));
			vmon_nl_close(nl);
			return VMON_EXIT_FAIL;
		}
	}
	vmon_nl_close(nl);

	if (prom) {
		print_prometheus(vms, n);
	} else if (out == VMON_OUTPUT_JSON) {
		json_object *o;

		if (id || name) {
			o = vm_json(&vms[0]);
		} else {
			o = json_object_new_array();
			for (i = 0; i < n; i++)
				json_object_array_add(o, vm_json(&vms[i]));
		}
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	} else {
		if (!n)
			printf("no registered VMs\n");
		for (i = 0; i < n; i++)
			print_human(&vms[i]);
	}
	vmon_nl_vms_free(vms, n);
	return VMON_EXIT_OK;
}
