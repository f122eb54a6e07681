// SPDX-License-Identifier: GPL-2.0
/*
 * vmon event: wait for the module's events (the generic netlink "events"
 * multicast group) and print each one with a timestamp, like
 * "virsh event --all --timestamp": one event and exit, or --loop until a
 * timeout or an interrupt.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include <vmon/cli.h>
#include <vmon/nl.h>

/* --timeout's upper bound: what poll()'s int milliseconds can hold. */
#define EVENT_TIMEOUT_MAX 2000000.0

static volatile sig_atomic_t interrupted;

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon event [--loop] [--timeout SECONDS] [--vm VM]\n"
		   "                  [--output=human|json]\n"
		   "\n"
		   "Wait for events of the vmon module and print each with a timestamp:\n"
		   "vm-registered, vm-unregistered (with its reason), dev-attached,\n"
		   "dev-detached, steal-over-threshold (set with vmon steal-threshold) and\n"
		   "throttle. Without --loop, exit after the first event, as virsh event.\n"
		   "\n"
		   "  --loop             keep printing events until the timeout or an\n"
		   "                     interrupt (SIGINT, SIGTERM)\n"
		   "  --timeout SECONDS  stop after SECONDS (a positive number; decimals\n"
		   "                     allowed) and print \"event loop timed out\"\n"
		   "  --vm VM            only events of the VM with this name or id; the VM\n"
		   "                     need not be registered yet\n"
		   "  --output=FMT       human (default) or json: one JSON object per line;\n"
		   "                     the closing summary then goes to standard error\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "Every user may listen; no privilege is needed.\n"
		   "\n"
		   "Exit status: 0 when at least one event was printed, 1 when none was\n"
		   "(timeout or interrupt first, as virsh event) or on failure (module not\n"
		   "loaded), 2 bad command line.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The wall-clock time of now, in local time: virsh's form for humans
 * ("2026-11-26 16:13:48.123+0000"), RFC 3339 for JSON.
 */
#define TS_LEN 80

static void timestamp(bool rfc3339, char buf[TS_LEN])
{
	char date[32], zone[8];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), rfc3339 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	if (rfc3339 && strlen(zone) == 5) /* +0000 -> +00:00 */
		snprintf(buf, TS_LEN, "%s.%03ld%.3s:%s", date, ts.tv_nsec / 1000000, zone,
			 zone + 3);
	else
		snprintf(buf, TS_LEN, "%s.%03ld%s", date, ts.tv_nsec / 1000000, zone);
}

static json_object *jpct(uint32_t hundredths)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u.%02u", hundredths / 100, hundredths % 100);
	return json_object_new_double_s(hundredths / 100.0, buf);
}

static void print_json(const struct vmon_nl_event *ev)
{
	json_object *o = json_object_new_object(), *d;
	char ts[TS_LEN];

	timestamp(true, ts);
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "event", json_object_new_string(vmon_nl_event_name(ev->event)));
	json_object_object_add(o, "vm-id", json_object_new_int64(ev->vm_id));
	json_object_object_add(o, "vm-name", json_object_new_string(ev->vm_name));
	switch (ev->event) {
	case VMON_EVENT_VM_UNREGISTERED:
		json_object_object_add(o, "reason",
				       json_object_new_string(vmon_nl_reason_name(ev->reason)));
		break;
	case VMON_EVENT_STEAL_OVER:
		json_object_object_add(o, "steal-percent", jpct(ev->steal_pct));
		json_object_object_add(o, "steal-threshold-percent", jpct(ev->threshold));
		break;
	default:
		break;
	}
	if (ev->has_dev) {
		d = json_object_new_object();
		json_object_object_add(d, "id", json_object_new_int64(ev->dev.id));
		json_object_object_add(d, "type",
				       json_object_new_string(vmon_nl_dev_type_name(ev->dev.type)));
		json_object_object_add(d, "name", json_object_new_string(ev->dev.name));
		json_object_object_add(o, "device", d);
	}
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void print_human(const struct vmon_nl_event *ev)
{
	char ts[TS_LEN];

	timestamp(false, ts);
	printf("%s: event '%s' for VM '%s' (id %" PRIu32 ")", ts, vmon_nl_event_name(ev->event),
	       ev->vm_name, ev->vm_id);
	switch (ev->event) {
	case VMON_EVENT_VM_UNREGISTERED:
		printf(": %s", vmon_nl_reason_name(ev->reason));
		break;
	case VMON_EVENT_STEAL_OVER:
		printf(": steal %u.%02u%% >= threshold %u.%02u%%", ev->steal_pct / 100,
		       ev->steal_pct % 100, ev->threshold / 100, ev->threshold % 100);
		break;
	default:
		break;
	}
	if (ev->has_dev)
		printf(": device %" PRIu32 " %s '%s'", ev->dev.id,
		       vmon_nl_dev_type_name(ev->dev.type), ev->dev.name);
	putchar('\n');
}

/* Does the event pass the --vm filter (id, or name, or none)? */
static bool wanted(const struct vmon_nl_event *ev, uint32_t id, const char *name)
{
	if (id)
		return ev->vm_id == id;
	if (name)
		return !strcmp(ev->vm_name, name);
	return true;
}

/* A VM name as the module accepts it: 1 to 63 bytes, no space, control or '/'. */
static bool valid_vm_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= VMON_VM_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '/')
			return false;
	return true;
}

static int parse_timeout(const char *arg, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(*secs) || *secs <= 0 || *secs > EVENT_TIMEOUT_MAX) {
		vmon_err("event: --timeout: '%s' is not a number of seconds above 0 and up to %.0f",
			 arg, EVENT_TIMEOUT_MAX);
		return -1;
	}
	return 0;
}

int vmon_cmd_event(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "loop", no_argument, NULL, 'l' },	{ "timeout", required_argument, NULL, 't' },
		{ "vm", required_argument, NULL, 'v' }, { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },	{ 0 },
	};
	enum vmon_output out = VMON_OUTPUT_HUMAN;
	double timeout = 0, end = 0, left;
	const char *name = NULL, *how;
	struct vmon_nl_event ev;
	struct sigaction sa;
	unsigned long count = 0;
	struct vmon_nl *nl;
	bool loop = false;
	uint32_t id = 0;
	FILE *summary;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			loop = true;
			break;
		case 't':
			if (parse_timeout(optarg, &timeout))
				return VMON_EXIT_USAGE;
			break;
		case 'v':
			vmon_parse_vm(optarg, &id, &name);
			if (name && !valid_vm_name(name)) {
				vmon_err("event: --vm: '%s' is neither a VM id nor a valid VM name "
					 "(1 to %d bytes, no space, control character or '/')",
					 optarg, VMON_VM_NAME_MAX - 1);
				return VMON_EXIT_USAGE;
			}
			break;
		case 'o':
			if (vmon_parse_output(optarg, &out))
				return VMON_EXIT_USAGE;
			break;
		default:
			return vmon_usage_exit(c, usage);
		}
	}
	if (vmon_no_more_args("event", argc, argv, optind, "(a VM goes in --vm)"))
		return VMON_EXIT_USAGE;

	if (vmon_cli_nl_open("event", &nl))
		return VMON_EXIT_FAIL;
	ret = vmon_nl_events_join(nl);
	if (ret) {
		vmon_err("event: cannot join the vmon events group: %s", strerror(-ret));
		vmon_nl_close(nl);
		return VMON_EXIT_FAIL;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Each event reaches a pipe as soon as it is printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (timeout)
		end = now_mono() + timeout;

	how = NULL;
	while (!interrupted) {
		int ms = -1;

		if (timeout) {
			left = end - now_mono();
			if (left <= 0) {
				how = "timed out";
				break;
			}
			ms = (int)(left * 1000) + 1;
		}
		ret = vmon_nl_event_wait(nl, ms, &ev);
		if (ret == -ETIMEDOUT || ret == -EINTR)
			continue; /* the loop's conditions decide */
		if (ret == -ENOMEM) {
			/* The socket's receive buffer overran: events were lost. */
			vmon_err("event: warning: events were lost (receive buffer overrun)");
			continue;
		}
		if (ret) {
			vmon_err("event: receiving events failed: %s", strerror(-ret));
			vmon_nl_close(nl);
			return VMON_EXIT_FAIL;
		}
		if (!wanted(&ev, id, name))
			continue;
		if (out == VMON_OUTPUT_JSON)
			print_json(&ev);
		else
			print_human(&ev);
		count++;
		if (!loop)
			break;
	}
	if (interrupted)
		how = "interrupted";
	vmon_nl_close(nl);

	/* As virsh: why the loop ended, then the count; JSON keeps stdout clean. */
	summary = out == VMON_OUTPUT_JSON ? stderr : stdout;
	if (how)
		fprintf(summary, "event loop %s\n", how);
	fprintf(summary, "events received: %lu\n", count);
	return count ? VMON_EXIT_OK : VMON_EXIT_FAIL;
}
