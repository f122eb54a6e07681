// SPDX-License-Identifier: GPL-2.0
/*
 * vmon event: wait for events and print each one with a timestamp, like
 * "virsh event --all --timestamp": one event and exit, or --loop until a
 * timeout or an interrupt. Two sources, merged: vmond's lifecycle events
 * (libvirt's event and detail names) and the module's (the generic netlink
 * "events" multicast group). Either may be absent (vmond not running, module
 * not loaded) as long as one is there.
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

#include <poll.h>
#include <unistd.h>

#include <json-c/json.h>

#include <vmon/cli.h>
#include <vmon/daemon.h>
#include <vmon/nl.h>

#include "vmond_client.h"

/* --timeout's upper bound: what poll()'s int milliseconds can hold. */
#define EVENT_TIMEOUT_MAX 2000000.0

static volatile sig_atomic_t interrupted;

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon event [--loop] [--timeout SECONDS] [--event NAME]\n"
		   "                  [--domain NAME | --vm VM] [-c URI] [--output=human|json]\n"
		   "\n"
		   "Wait for events and print each with a timestamp. Without --loop, exit\n"
		   "after the first event, as virsh event. Events:\n"
		   "  lifecycle            vmond's: Defined, Undefined, Started, Suspended,\n"
		   "                       Resumed, Stopped, Shutdown, PMSuspended, Crashed,\n"
		   "                       each with libvirt's detail (Booted, Destroyed...)\n"
		   "  vm-registered, vm-unregistered (with its reason), dev-attached,\n"
		   "  dev-detached, steal-over-threshold (set with vmon steal-threshold),\n"
		   "  throttle             the module's\n"
		   "\n"
		   "  --loop             keep printing events until the timeout or an\n"
		   "                     interrupt (SIGINT, SIGTERM)\n"
		   "  --timeout SECONDS  stop after SECONDS (a positive number; decimals\n"
		   "                     allowed) and print \"event loop timed out\"\n"
		   "  --event NAME       only this event (default: all of both sources)\n"
		   "  --domain NAME, --vm VM\n"
		   "                     only events of the domain with this name (or the\n"
		   "                     module's VM id); it need not exist yet\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system,\n"
		   "                     the read-only one for users outside group vmon)\n"
		   "  --output=FMT       human (default) or json: one JSON object per line;\n"
		   "                     the closing summary then goes to standard error\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "Every user may listen; no privilege is needed.\n"
		   "\n"
		   "Exit status: 0 when at least one event was printed, 1 when none was\n"
		   "(timeout or interrupt first, as virsh event) or on failure (neither vmond\n"
		   "nor the module there), 2 bad command line.\n");
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

/* The module's event names, and vmond's "lifecycle". */
static bool valid_event(const char *name)
{
	if (!strcmp(name, "lifecycle"))
		return true;
	for (uint32_t e = 1; e < 64; e++)
		if (!strcmp(vmon_nl_event_name(e), name))
			return true;
	return false;
}

struct ev_opts {
	bool loop;
	double timeout;
	const char *event; /* NULL: all */
	const char *name;  /* --domain/--vm by name */
	uint32_t id;	   /* --vm by id (module events only) */
	const char *sock;
	enum vmon_output out;
};

static int parse_opts(int argc, char **argv, struct ev_opts *o)
{
	static const struct option opts[] = {
		{ "loop", no_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "vm", required_argument, NULL, 'v' },
		{ "domain", required_argument, NULL, 'd' },
		{ "event", required_argument, NULL, 'e' },
		{ "connect", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'l') {
			o->loop = true;
		} else if (c == 't') {
			if (parse_timeout(optarg, &o->timeout))
				return -1;
		} else if (c == 'v' || c == 'd') {
			vmon_parse_vm(optarg, &o->id, &o->name);
			if (c == 'd')
				o->name = optarg, o->id = 0;
			if (o->name && !valid_vm_name(o->name)) {
				vmon_err("event: --%s: '%s' is neither a VM id nor a valid VM name "
					 "(1 to %d bytes, no space, control character or '/')",
					 c == 'd' ? "domain" : "vm", optarg, VMON_VM_NAME_MAX - 1);
				return -1;
			}
		} else if (c == 'e') {
			if (!valid_event(optarg)) {
				vmon_err("event: --event: unknown event '%s' (see: vmon event "
					 "--help)",
					 optarg);
				return -1;
			}
			o->event = optarg;
		} else if (c == 'c') {
			o->sock = optarg;
		} else if (c == 'o') {
			if (vmon_parse_output(optarg, &o->out))
				return -1;
		} else if (c != 'a') {
			return vmon_usage_exit(c, usage) == VMON_EXIT_OK ? 1 : -1;
		}
	}
	return vmon_no_more_args("event", argc, argv, optind, "(a domain goes in --domain)");
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* One of vmond's event lines; true when printed. */
static bool print_life(const char *line, const struct ev_opts *o)
{
	struct json_object *e = json_tokener_parse(line);
	char ts[TS_LEN];
	bool shown = false;

	if (!e)
		return false;
	if (o->id || (o->name && strcmp(jstr(e, "domain"), o->name)))
		goto out;
	if (o->out == VMON_OUTPUT_JSON) {
		timestamp(true, ts);
		json_object_object_add(e, "timestamp", json_object_new_string(ts));
		json_object_object_del(e, "time_ms");
		puts(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	} else {
		timestamp(false, ts);
		printf("%s: event '%s' for domain '%s': %s %s\n", ts, jstr(e, "event"),
		       jstr(e, "domain"), jstr(e, "type"), jstr(e, "detail"));
	}
	shown = true;
out:
	json_object_put(e);
	return shown;
}

static bool print_module(const struct vmon_nl_event *ev, const struct ev_opts *o)
{
	if (!wanted(ev, o->id, o->name) ||
	    (o->event && strcmp(o->event, vmon_nl_event_name(ev->event))))
		return false;
	if (o->out == VMON_OUTPUT_JSON)
		print_json(ev);
	else
		print_human(ev);
	return true;
}

struct sources {
	struct vmon_nl *nl;
	int life; /* vmond's event stream, -1 if none */
	char buf[8192];
	size_t len;
};

/* Open what --event asks for; either source may fail if the other works. */
static int open_sources(const struct ev_opts *o, struct sources *s)
{
	bool want_nl = !o->event || strcmp(o->event, "lifecycle");
	bool want_life = !o->event || !strcmp(o->event, "lifecycle");

	s->nl = NULL;
	s->life = -1;
	s->len = 0;
	if (want_life && (o->sock || !want_nl || access(VMOND_SOCK, F_OK) == 0))
		s->life = vmond_subscribe("event", o->sock);
	if (want_nl && (!want_life || s->life < 0 || access("/dev/vmon", F_OK) == 0)) {
		int ret;

		if (vmon_cli_nl_open("event", &s->nl))
			s->nl = NULL;
		else if ((ret = vmon_nl_events_join(s->nl))) {
			vmon_err("event: cannot join the vmon events group: %s", strerror(-ret));
			vmon_nl_close(s->nl);
			s->nl = NULL;
		}
	}
	return s->nl || s->life >= 0 ? 0 : -1;
}

/* Wait up to ms for events; print them; the count printed or -1 (failure). */
static int wait_events(struct sources *s, const struct ev_opts *o, int ms)
{
	struct pollfd p[2] = { { .fd = s->life, .events = POLLIN },
			       { .fd = s->nl ? vmon_nl_event_fd(s->nl) : -1, .events = POLLIN } };
	struct vmon_nl_event ev;
	int shown = 0, ret;
	char *nl;

	if (s->nl && vmon_nl_event_wait(s->nl, 0, &ev) == 0) /* queued ones first */
		return print_module(&ev, o);
	if (poll(p, 2, ms) <= 0)
		return 0;
	if (p[1].revents && (ret = vmon_nl_event_wait(s->nl, 0, &ev)) != -ETIMEDOUT) {
		if (ret == -ENOMEM)
			vmon_err("event: warning: events were lost (receive buffer overrun)");
		else if (ret)
			return vmon_err("event: receiving events failed: %s", strerror(-ret)), -1;
		else
			shown += print_module(&ev, o);
	}
	if (!p[0].revents)
		return shown;
	ret = (int)read(s->life, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
	if (ret <= 0)
		return vmon_err("event: vmond closed the event stream"), -1;
	s->len += (size_t)ret;
	while ((nl = memchr(s->buf, '\n', s->len))) {
		*nl = 0;
		shown += print_life(s->buf, o);
		s->len -= (size_t)(nl + 1 - s->buf);
		memmove(s->buf, nl + 1, s->len);
		if (shown && !o->loop)
			break;
	}
	return shown;
}

int vmon_cmd_event(int argc, char **argv)
{
	struct ev_opts o = { .out = VMON_OUTPUT_HUMAN };
	const char *how = NULL;
	unsigned long count = 0;
	struct sigaction sa;
	struct sources s;
	double end = 0;
	FILE *summary;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? VMON_EXIT_OK : VMON_EXIT_USAGE;
	if (open_sources(&o, &s))
		return VMON_EXIT_FAIL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Each event reaches a pipe as soon as it is printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.timeout)
		end = now_mono() + o.timeout;
	while (!interrupted && (o.loop || !count)) {
		int ms = -1;

		if (o.timeout) {
			double left = end - now_mono();

			if (left <= 0) {
				how = "timed out";
				break;
			}
			ms = (int)(left * 1000) + 1;
		}
		ret = wait_events(&s, &o, ms);
		if (ret < 0)
			break;
		count += (unsigned long)ret;
	}
	if (interrupted)
		how = "interrupted";
	if (s.nl)
		vmon_nl_close(s.nl);
	if (s.life >= 0)
		close(s.life);
	if (ret < 0)
		return VMON_EXIT_FAIL;
	/* As virsh: why the loop ended, then the count; JSON keeps stdout clean. */
	summary = o.out == VMON_OUTPUT_JSON ? stderr : stdout;
	if (how)
		fprintf(summary, "event loop %s\n", how);
	fprintf(summary, "events received: %lu\n", count);
	return count ? VMON_EXIT_OK : VMON_EXIT_FAIL;
}
