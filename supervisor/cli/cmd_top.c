// SPDX-License-Identifier: GPL-2.0
/*
 * vmon top: a live per-VM table, like top(1): steal %, CPU %, IOPS, MB/s,
 * packets/s, KSM savings and the dedup estimate. Rates are computed from
 * two samples DELAY seconds apart.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <vmon/cli.h>
#include <vmon/nl.h>

enum top_key { K_STEAL, K_CPU, K_IOPS, K_MBPS, K_PPS, K_KSM, K_DEDUP, K_NAME, K_ID, K_NR };

static const char *const top_keys[K_NR] = {
	[K_STEAL] = "steal", [K_CPU] = "cpu",	[K_IOPS] = "iops",
	[K_MBPS] = "mbps",   [K_PPS] = "pps",	[K_KSM] = "ksm",
	[K_DEDUP] = "dedup", [K_NAME] = "name", [K_ID] = "id",
};

struct top_row {
	uint32_t id;
	char name[VMON_VM_NAME_MAX];
	uint32_t vcpus;
	double v[K_NAME]; /* the numeric columns, by enum top_key */
	bool has_dedup;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon top [-b] [-n ITERATIONS] [-d SECONDS] [-s KEY]\n"
		   "\n"
		   "Show registered VMs, refreshed every SECONDS, busiest first:\n"
		   "  STEAL%%  share of the running vCPUs' time spent waiting for a CPU\n"
		   "  CPU%%    CPU used by the vCPU threads (100%% = one CPU)\n"
		   "  IOPS    block requests per second, MB/s block bytes per second\n"
		   "  PPS     packets per second, both directions\n"
		   "  KSM     memory KSM has merged for the VM's VMM, MiB\n"
		   "  DEDUP%%  last dedup estimate ('vmon stats VM --estimate'), or -\n"
		   "\n"
		   "  -b, --batch          print frames one after another, no screen control\n"
		   "  -n, --iterations=N   stop after N frames (default: forever)\n"
		   "  -d, --delay=SECONDS  time between frames (default 2, min 0.1)\n"
		   "  -s, --sort=KEY       steal (default), cpu, iops, mbps, pps, ksm,\n"
		   "                       dedup, name or id\n"
		   "  -h, --help           this text\n"
		   "\n"
		   "Interactive keys: q quits, s/c/i/m/p/k/d/n sort by a column.\n"
		   "Exit status: 0 success, 1 failure, 2 bad command line.\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct vmon_nl_vm *find_vm(const struct vmon_nl_vm *vms, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vms[i].id == id)
			return &vms[i];
	return NULL;
}

static void dev_sums(const struct vmon_nl_vm *vm, uint64_t *ops, uint64_t *bytes, uint64_t *pkts)
{
	size_t i;

	*ops = *bytes = *pkts = 0;
	for (i = 0; i < vm->n_devs; i++) {
		const uint64_t *c = vm->devs[i].ctr;

		*ops += c[VMON_DEV_A_RD_OPS] + c[VMON_DEV_A_WR_OPS] + c[VMON_DEV_A_FLUSH_OPS] +
			c[VMON_DEV_A_DISCARD_OPS];
		*bytes += c[VMON_DEV_A_RD_BYTES] + c[VMON_DEV_A_WR_BYTES];
		*pkts += c[VMON_DEV_A_RX_PACKETS] + c[VMON_DEV_A_TX_PACKETS];
	}
}

static double delta(uint64_t now, uint64_t before)
{
	return now >= before ? (double)(now - before) : 0;
}

/* One row per VM of cur; rates against prev over dt seconds. */
static void make_row(const struct vmon_nl_vm *cur, const struct vmon_nl_vm *prev, double dt,
		     struct top_row *r)
{
	uint64_t ops, bytes, pkts, pops = 0, pbytes = 0, ppkts = 0;
	size_t i, running = 0;

	memset(r, 0, sizeof(*r));
	r->id = cur->id;
	snprintf(r->name, sizeof(r->name), "%s", cur->name);
	r->vcpus = cur->nr_vcpus;
	for (i = 0; i < cur->n_vcpus; i++)
		running += cur->vcpus[i].tid != 0;
	dev_sums(cur, &ops, &bytes, &pkts);
	if (prev && dt > 0) {
		dev_sums(prev, &pops, &pbytes, &ppkts);
		r->v[K_STEAL] =
			running ? 100 * delta(cur->steal_ns, prev->steal_ns) / (dt * 1e9 * running)
				: 0;
		r->v[K_CPU] = 100 * delta(cur->cpu_ns, prev->cpu_ns) / (dt * 1e9);
		r->v[K_IOPS] = delta(ops, pops) / dt;
		r->v[K_MBPS] = delta(bytes, pbytes) / dt / 1e6;
		r->v[K_PPS] = delta(pkts, ppkts) / dt;
	} else {
		/* No earlier sample of this VM: the module's last interval. */
		r->v[K_STEAL] = cur->steal_pct / 100.0;
		r->v[K_CPU] = cur->cpu_pct / 100.0;
	}
	r->v[K_KSM] = cur->ksm_merging_pages * 4096.0 / (1 << 20);
	r->has_dedup = cur->has_est;
	r->v[K_DEDUP] = cur->has_est ? cur->est_pct / 100.0 : -1;
}

static enum top_key sort_key;

static int cmp_rows(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	int c;

	if (sort_key == K_NAME)
		c = strcmp(x->name, y->name);
	else if (sort_key == K_ID)
		c = 0;
	else
		c = (x->v[sort_key] < y->v[sort_key]) - (x->v[sort_key] > y->v[sort_key]);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static void print_frame(const struct vmon_nl_vm *cur, size_t n, const struct vmon_nl_vm *prev,
			size_t pn, double dt, bool batch)
{
	struct top_row *rows = calloc(n ? n : 1, sizeof(*rows));
	time_t t = time(NULL);
	char when[32];
	size_t i;

	if (!rows)
		return;
	for (i = 0; i < n; i++) {
		make_row(&cur[i], find_vm(prev, pn, cur[i].id), dt, &rows[i]);
	}
	qsort(rows, n, sizeof(*rows), cmp_rows);
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	if (!batch)
		fputs("\033[H\033[2J", stdout);
	printf("vmon top - %s, %zu VMs, sorted by %s, interval %.1f s\n", when, n,
	       top_keys[sort_key], dt);
	printf("%6s %-16s %5s %7s %7s %8s %8s %9s %8s %7s\n", "ID", "NAME", "VCPUS", "STEAL%",
	       "CPU%", "IOPS", "MB/s", "PPS", "KSM-MiB", "DEDUP%");
	for (i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];
		char dedup[16];

		if (r->has_dedup)
			snprintf(dedup, sizeof(dedup), "%.1f", r->v[K_DEDUP]);
		else
			snprintf(dedup, sizeof(dedup), "-");
		printf("%6" PRIu32 " %-16.16s %5" PRIu32
		       " %7.1f %7.1f %8.0f %8.2f %9.0f %8.1f %7s\n",
		       r->id, r->name, r->vcpus, r->v[K_STEAL], r->v[K_CPU], r->v[K_IOPS],
		       r->v[K_MBPS], r->v[K_PPS], r->v[K_KSM], dedup);
	}
	if (batch)
		printf("\n");
	fflush(stdout);
	free(rows);
}

static int parse_key(const char *s, enum top_key *k)
{
	int i;

	for (i = 0; i < K_NR; i++)
		if (!strcmp(s, top_keys[i])) {
			*k = i;
			return 0;
		}
	vmon_err("top: --sort: '%s' is not one of: steal, cpu, iops, mbps, pps, ksm, dedup, "
		 "name, id",
		 s);
	return -1;
}

/* Wait delay seconds; in interactive mode read keys. Returns 1 to quit. */
static int wait_keys(double delay, bool batch)
{
	double end = now_s() + delay;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char ch;

	while (now_s() < end) {
		int ms = (int)((end - now_s()) * 1000) + 1;

		if (batch) {
			poll(NULL, 0, ms);
			continue;
		}
		if (poll(&p, 1, ms) <= 0)
			continue;
		if (read(STDIN_FILENO, &ch, 1) != 1)
			return 1;
		switch (ch) {
		case 'q':
			return 1;
		case 's':
			sort_key = K_STEAL;
			return 0;
		case 'c':
			sort_key = K_CPU;
			return 0;
		case 'i':
			sort_key = K_IOPS;
			return 0;
		case 'm':
			sort_key = K_MBPS;
			return 0;
		case 'p':
			sort_key = K_PPS;
			return 0;
		case 'k':
			sort_key = K_KSM;
			return 0;
		case 'd':
			sort_key = K_DEDUP;
			return 0;
		case 'n':
			sort_key = K_NAME;
			return 0;
		}
	}
	return 0;
}

int vmon_cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vmon_nl_vm *prev = NULL, *cur = NULL;
	size_t pn = 0, cn = 0;
	bool batch = false, tty_raw = false;
	struct termios saved, raw;
	long iterations = -1, done = 0;
	double delay = 2, t_prev, t_cur;
	struct vmon_nl *nl;
	int c, ret, rc = VMON_EXIT_OK;
	char *end;

	sort_key = K_STEAL;
	while ((c = getopt_long(argc, argv, "bn:d:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			batch = true;
			break;
		case 'n':
			errno = 0;
			iterations = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || iterations < 1) {
				vmon_err("top: -n: '%s' is not a positive number", optarg);
				return VMON_EXIT_USAGE;
			}
			break;
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (!*optarg || *end || errno || !isfinite(delay) || delay < 0.1 ||
			    delay > 86400) {
				vmon_err("top: -d: '%s' is not a delay from 0.1 to 86400 seconds",
					 optarg);
				return VMON_EXIT_USAGE;
			}
			break;
		case 's':
			if (parse_key(optarg, &sort_key))
				return VMON_EXIT_USAGE;
			break;
		default:
			return vmon_usage_exit(c, usage);
		}
	}
	if (vmon_no_more_args("top", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;
	if (!batch && !isatty(STDOUT_FILENO))
		batch = true;

	ret = vmon_nl_open(&nl);
	if (ret) {
		vmon_err("top: cannot reach the vmon netlink family: %s",
			 ret == -ENOENT ? "the vmon module is not loaded (run: modprobe vmon)"
					: strerror(-ret));
		return VMON_EXIT_FAIL;
	}
	if (!batch && isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved)) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tty_raw = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}

	ret = vmon_nl_vm_list(nl, true, &prev, &pn);
	t_prev = now_s();
	while (!ret) {
		if (wait_keys(delay, batch))
			break;
		ret = vmon_nl_vm_list(nl, true, &cur, &cn);
		if (ret)
			break;
		t_cur = now_s();
		print_frame(cur, cn, prev, pn, t_cur - t_prev, batch);
		vmon_nl_vms_free(prev, pn);
		prev = cur;
		pn = cn;
		cur = NULL;
		t_prev = t_cur;
		if (iterations > 0 && ++done >= iterations)
			break;
	}
	if (ret) {
		vmon_err("top: cannot read the VM figures: %s", strerror(-ret));
		rc = VMON_EXIT_FAIL;
	}
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	vmon_nl_vms_free(prev, pn);
	vmon_nl_close(nl);
	return rc;
}
