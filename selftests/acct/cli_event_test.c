// SPDX-License-Identifier: GPL-2.0
/*
 * vmon event and vmon steal-threshold against the module, in the test VM
 * (nested KVM, minimal spinning guests): threshold show/set round trip and
 * refusal for an unprivileged caller; events printed by a running
 * "vmon event" (register, unregister, devices, steal over the threshold
 * with a pinned CPU hog), its JSON read back with json-c, the --vm filter,
 * one-shot mode and --timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "../lib/run.h"
#include "acct_util.h"
#include "guest.h"

/* argv of build/vmon: argv[0], @first (or nothing), then ap up to NULL. */
static void vmon_argv(char *argv[16], const char *first, va_list ap)
{
	int n = 0;

	argv[n++] = (char *)build_path("vmon");
	if (first)
		argv[n++] = (char *)first;
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	argv[n] = NULL;
}

/* Run build/vmon with the arguments up to NULL. */
static int vmon(struct run_result *r, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, r);
	vmon_argv(argv, NULL, ap);
	va_end(ap);
	return run_capture(argv, NULL, r);
}

/* Start build/vmon event with the arguments up to NULL, in the background. */
static int vmon_event_bg(struct run_bg *bg, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, bg);
	vmon_argv(argv, "event", ap);
	va_end(ap);
	return run_bg_start(argv, bg);
}

/*
 * Make sure the listener has joined the events group: register (and, unless
 * keep, unregister) the VM under name until the listener prints name.
 * Returns the VM's id (registered when keep), 0 on failure.
 */
static uint32_t sync_listener(int ctl, int vm_fd, struct run_bg *bg, const char *name, bool keep)
{
	uint32_t id;
	int i;

	for (i = 0; i < 60; i++) {
		if (vm_register(ctl, vm_fd, name, &id))
			return 0;
		if (run_bg_wait_for(bg, name, 500)) {
			if (!keep)
				vm_unregister(ctl, id);
			return id;
		}
		vm_unregister(ctl, id);
	}
	return 0;
}

/* Parse every line of out as JSON into objs (at most max); the count, -1 if one is not. */
static int parse_lines(const char *out, json_object **objs, int max)
{
	char *copy = strdup(out), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);

		if (!o || !json_object_is_type(o, json_type_object) || n == max) {
			json_object_put(o);
			n = -1;
			break;
		}
		objs[n++] = o;
	}
	free(copy);
	return n;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static double jdouble(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : -1;
}

/* The first object with this event name and VM name, or NULL. */
static json_object *find(json_object **objs, int n, const char *event, const char *vm)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(jstr(objs[i], "event"), event) && !strcmp(jstr(objs[i], "vm-name"), vm))
			return objs[i];
	return NULL;
}

FIXTURE(evt)
{
	int ctl;
	struct guest g;
	struct run_bg bg;
};

FIXTURE_SETUP(evt)
{
	memset(&self->bg, 0, sizeof(self->bg));
	self->g.vm_fd = self->g.kvm_fd = -1;
	self->ctl = -1;
	ASSERT_EQ(0, load_vmon()) TH_LOG("cannot load vmon with test_hooks=1");
	if (!guest_kvm_available())
		SKIP(return, "no usable /dev/kvm");
	self->ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
}

FIXTURE_TEARDOWN(evt)
{
	struct run_result r;

	run_bg_finish(&self->bg, SIGKILL, 2000);
	vmon(&r, "steal-threshold", "--interval", "1000", NULL);
	if (self->g.vm_fd >= 0)
		guest_destroy(&self->g);
	if (self->ctl >= 0)
		close(self->ctl);
}

TEST_F(evt, threshold_round_trip)
{
	json_object *o, *v;
	struct run_result r;
	char idbuf[16];
	uint32_t id;

	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "evt-thr", &id));
	snprintf(idbuf, sizeof(idbuf), "%u", id);

	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "steal threshold: off")) TH_LOG("%s", r.out);

	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", "12.5", "--interval", "250", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ("", r.out);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", idbuf, NULL));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "steal threshold: 12.50%")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "interval: 250 ms")) TH_LOG("%s", r.out);

	/* JSON, read back; and stats agrees. */
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", "--output=json", NULL));
	EXPECT_EQ(0, r.status);
	o = json_tokener_parse(r.out);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", r.out);
	EXPECT_EQ(id, jint(o, "id"));
	EXPECT_STREQ("evt-thr", jstr(o, "name"));
	EXPECT_EQ(1250, (int)(jdouble(o, "steal-threshold-percent") * 100 + 0.5));
	EXPECT_EQ(250, jint(o, "interval-ms"));
	EXPECT_TRUE(json_object_object_get_ex(o, "steal-percent", &v));
	json_object_put(o);
	ASSERT_EQ(0, vmon(&r, "stats", "evt-thr", "--output=json", NULL));
	EXPECT_NE(NULL, strstr(r.out, "\"steal-threshold-percent\":12.50")) TH_LOG("%s", r.out);

	/* By id, "off", 100; the interval alone, with no VM. */
	ASSERT_EQ(0, vmon(&r, "steal-threshold", idbuf, "100", NULL));
	EXPECT_EQ(0, r.status);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", NULL));
	EXPECT_NE(NULL, strstr(r.out, "steal threshold: 100.00%")) TH_LOG("%s", r.out);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", "off", NULL));
	EXPECT_EQ(0, r.status);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "--interval", "60000", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", NULL));
	EXPECT_NE(NULL, strstr(r.out, "steal threshold: off")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "interval: 60000 ms")) TH_LOG("%s", r.out);

	/* Unknown VMs, bad values: named in the message. */
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-nope", NULL));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "no registered VM 'evt-nope'")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "4000000", "10", NULL));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'4000000'")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-thr", "100.01", NULL));
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'100.01'"));
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

TEST_F(evt, unprivileged_refused)
{
	struct run_result r;
	char *set[] = { "setpriv",
			"--reuid=65534",
			"--regid=65534",
			"--clear-groups",
			(char *)build_path("vmon"),
			"steal-threshold",
			"evt-perm",
			"30",
			NULL };
	char *show[] = { "setpriv",
			 "--reuid=65534",
			 "--regid=65534",
			 "--clear-groups",
			 (char *)build_path("vmon"),
			 "steal-threshold",
			 "evt-perm",
			 NULL };
	char *interval[] = { "setpriv",
			     "--reuid=65534",
			     "--regid=65534",
			     "--clear-groups",
			     (char *)build_path("vmon"),
			     "steal-threshold",
			     "--interval",
			     "500",
			     NULL };
	uint32_t id;

	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "evt-perm", &id));
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-perm", "20", NULL));
	ASSERT_EQ(0, r.status);

	/* root's VM is not among nobody's: it is not found, so not changed */
	ASSERT_EQ(0, run_capture(set, NULL, &r));
	EXPECT_EQ(1, r.status) TH_LOG("out: %s err: %s", r.out, r.err);
	EXPECT_NE(NULL, strstr(r.err, "no registered VM 'evt-perm'")) TH_LOG("%s", r.err);
	ASSERT_EQ(0, run_capture(interval, NULL, &r));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "needs CAP_NET_ADMIN")) TH_LOG("%s", r.err);
	/* Reading is the owner's (root here): nobody is told there is no such VM. */
	ASSERT_EQ(0, run_capture(show, NULL, &r));
	EXPECT_EQ(1, r.status) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.err, "no registered VM 'evt-perm'")) TH_LOG("%s", r.err);
	/* And nothing changed. */
	ASSERT_EQ(0, vmon(&r, "steal-threshold", "evt-perm", NULL));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "steal threshold: 20.00%")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "interval: 1000 ms")) TH_LOG("%s", r.out);
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Register, devices, unregister: the JSON lines of a --loop listener. */
TEST_F_TIMEOUT(evt, json_register_device_unregister, 120)
{
	json_object *objs[256], *o, *d;
	struct run_result *r = &self->bg.res;
	char needle[80];
	uint32_t id;
	int n, i;

	ASSERT_EQ(0, vmon_event_bg(&self->bg, "--loop", "--output=json", NULL));
	ASSERT_NE(0u, sync_listener(self->ctl, self->g.vm_fd, &self->bg, "evt-sync", false))
	TH_LOG("the listener printed nothing: %s", r->err);

	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "evt-json", &id));
	ASSERT_EQ(0, testdev("attach %u evt-dev0", id));
	ASSERT_EQ(0, testdev("throttle evt-dev0 1000"));
	ASSERT_EQ(0, testdev("detach evt-dev0"));
	ASSERT_EQ(0, vm_unregister(self->ctl, id));
	snprintf(needle, sizeof(needle), "\"event\":\"vm-unregistered\",\"vm-id\":%u,", id);
	ASSERT_TRUE(run_bg_wait_for(&self->bg, needle, 10000)) TH_LOG("%s", r->out);
	EXPECT_EQ(0, run_bg_finish(&self->bg, SIGINT, 5000));
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->err, "event loop interrupted")) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->err, "events received: ")) TH_LOG("%s", r->err);

	n = parse_lines(r->out, objs, 256);
	ASSERT_LT(0, n) TH_LOG("a line is not a JSON object: %s", r->out);
	o = find(objs, n, "vm-registered", "evt-json");
	ASSERT_NE(NULL, o) TH_LOG("%s", r->out);
	EXPECT_EQ(id, jint(o, "vm-id"));
	/* "2026-11-26T16:13:48.123+00:00" */
	EXPECT_EQ(29u, strlen(jstr(o, "timestamp"))) TH_LOG("%s", jstr(o, "timestamp"));
	EXPECT_EQ('T', jstr(o, "timestamp")[10]);
	for (i = 0; i < 3; i++) {
		static const char *const ev[] = { "dev-attached", "throttle", "dev-detached" };

		o = find(objs, n, ev[i], "evt-json");
		ASSERT_NE(NULL, o) TH_LOG("no %s: %s", ev[i], r->out);
		ASSERT_TRUE(json_object_object_get_ex(o, "device", &d));
		EXPECT_STREQ("evt-dev0", jstr(d, "name"));
		EXPECT_STREQ("test", jstr(d, "type"));
		EXPECT_LT(0, jint(d, "id"));
	}
	o = find(objs, n, "vm-unregistered", "evt-json");
	ASSERT_NE(NULL, o) TH_LOG("%s", r->out);
	EXPECT_EQ(id, jint(o, "vm-id"));
	EXPECT_STREQ("request", jstr(o, "reason"));
	/* In order. */
	EXPECT_LT(find(objs, n, "vm-registered", "evt-json"), o);
	for (i = 0; i < n; i++)
		json_object_put(objs[i]);
}

/* The human form, --vm by name and by id; the VMM going away. */
TEST_F_TIMEOUT(evt, human_and_vm_filter, 120)
{
	struct run_result *r = &self->bg.res;
	struct run_bg by_id;
	struct guest other;
	char idbuf[16], line[160];
	uint32_t id, oid;
	int i;

	ASSERT_EQ(0, vmon_event_bg(&self->bg, "--loop", "--vm", "evt-filt", NULL));
	ASSERT_EQ(0, guest_create(&other, 64 * 1024));
	/* Registered before the listener may have joined: only its unregistration counts. */
	ASSERT_EQ(0, vm_register(self->ctl, other.vm_fd, "evt-other", &oid));
	id = sync_listener(self->ctl, self->g.vm_fd, &self->bg, "evt-filt", true);
	ASSERT_NE(0u, id) TH_LOG("the listener printed nothing: %s", r->err);
	snprintf(idbuf, sizeof(idbuf), "%u", id);
	ASSERT_EQ(0, vmon_event_bg(&by_id, "--loop", "--vm", idbuf, NULL));
	/* Sync the second listener with a device of evt-filt coming and going. */
	for (i = 0; i < 60 && !run_bg_wait_for(&by_id, "evt-syncdev", 500); i++) {
		ASSERT_EQ(0, testdev("attach %u evt-syncdev", id));
		ASSERT_EQ(0, testdev("detach evt-syncdev"));
	}
	ASSERT_TRUE(run_bg_wait_for(&by_id, "evt-syncdev", 0)) TH_LOG("%s", by_id.res.err);
	ASSERT_EQ(0, vm_unregister(self->ctl, oid));

	/* The VMM closes its VM: the module notices (vm-gone). */
	guest_destroy(&self->g);
	snprintf(line, sizeof(line), "event 'vm-unregistered' for VM 'evt-filt' (id %u): vm-gone",
		 id);
	EXPECT_TRUE(run_bg_wait_for(&self->bg, line, 10000)) TH_LOG("%s", r->out);
	EXPECT_TRUE(run_bg_wait_for(&by_id, line, 10000)) TH_LOG("%s", by_id.res.out);
	EXPECT_EQ(0, run_bg_finish(&self->bg, SIGTERM, 5000));
	EXPECT_EQ(0, run_bg_finish(&by_id, SIGTERM, 5000));
	EXPECT_EQ(0, r->status);
	EXPECT_EQ(NULL, strstr(r->out, "evt-other")) TH_LOG("%s", r->out);
	EXPECT_EQ(NULL, strstr(by_id.res.out, "evt-other")) TH_LOG("%s", by_id.res.out);
	EXPECT_NE(NULL, strstr(r->out, "event loop interrupted"));
	/* "2026-11-26 16:13:48.123+0000: event 'vm-registered' for VM 'evt-filt'" */
	snprintf(line, sizeof(line), ": event 'vm-registered' for VM 'evt-filt' (id %u)\n", id);
	EXPECT_NE(NULL, strstr(r->out, line)) TH_LOG("%s", r->out);
	EXPECT_TRUE(strlen(r->out) > 28 && r->out[4] == '-' && r->out[10] == ' ' &&
		    r->out[19] == '.' && r->out[23] == '+' && r->out[28] == ':')
	TH_LOG("%s", r->out);
	guest_destroy(&other);
}

/* A pinned hog on the vCPU's CPU makes steal exceed the threshold. */
TEST_F_TIMEOUT(evt, steal_over_threshold, 180)
{
	json_object *objs[64], *o;
	struct run_result *r = &self->bg.res, s;
	struct hog hog;
	uint32_t id;
	int n, i;

	ASSERT_EQ(0, guest_add_vcpu(&self->g, 0));
	ASSERT_EQ(0,
		  vmon_event_bg(&self->bg, "--loop", "--vm", "evt-steal", "--output=json", NULL));
	id = sync_listener(self->ctl, self->g.vm_fd, &self->bg, "evt-steal", true);
	ASSERT_NE(0u, id) TH_LOG("the listener printed nothing: %s", r->err);
	ASSERT_EQ(0, vmon(&s, "steal-threshold", "evt-steal", "25", "--interval", "250", NULL));
	ASSERT_EQ(0, s.status) TH_LOG("%s", s.err);
	ASSERT_EQ(0, guest_start(&self->g));
	/* Alone on its CPU first: no event (steal is under 10% then, see acct_test). */
	usleep(1500 * 1000);
	EXPECT_EQ(NULL, strstr(r->out, "steal-over-threshold")) TH_LOG("%s", r->out);

	ASSERT_EQ(0, hog_start(&hog, 0));
	EXPECT_TRUE(run_bg_wait_for(&self->bg, "steal-over-threshold", 20000)) TH_LOG("%s", r->out);
	hog_stop(&hog);
	EXPECT_EQ(0, run_bg_finish(&self->bg, SIGINT, 5000));
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	n = parse_lines(r->out, objs, 64);
	ASSERT_LT(0, n) TH_LOG("a line is not a JSON object: %s", r->out);
	o = find(objs, n, "steal-over-threshold", "evt-steal");
	ASSERT_NE(NULL, o) TH_LOG("%s", r->out);
	EXPECT_EQ(id, jint(o, "vm-id"));
	EXPECT_EQ(2500, (int)(jdouble(o, "steal-threshold-percent") * 100 + 0.5));
	EXPECT_LE(25.0, jdouble(o, "steal-percent")) TH_LOG("%s", r->out);
	EXPECT_GE(100.0, jdouble(o, "steal-percent"));
	TH_LOG("steal-over-threshold at %.2f%%", jdouble(o, "steal-percent"));
	for (i = 0; i < n; i++)
		json_object_put(objs[i]);
	guest_stop(&self->g);
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Without --loop: the first event, then exit 0 (virsh's one-shot mode). */
TEST_F_TIMEOUT(evt, one_shot, 120)
{
	struct run_result *r = &self->bg.res;
	uint32_t id;
	int i, lines = 0;
	char *p;

	ASSERT_EQ(0, vmon_event_bg(&self->bg, NULL));
	for (i = 0; i < 60 && !run_bg_wait_for(&self->bg, "events received", 500); i++) {
		ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "evt-once", &id));
		ASSERT_EQ(0, vm_unregister(self->ctl, id));
	}
	EXPECT_EQ(0, run_bg_finish(&self->bg, 0, 5000));
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	for (p = r->out; (p = strstr(p, ": event '")); p++)
		lines++;
	EXPECT_EQ(1, lines) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "for VM 'evt-once'"));
	EXPECT_NE(NULL, strstr(r->out, "\nevents received: 1\n")) TH_LOG("%s", r->out);
}

/*
 * --timeout as virsh: "event loop timed out", the count, exit 0 when events
 * came and 1 when none did.
 */
TEST_F_TIMEOUT(evt, timeout, 120)
{
	struct run_result *r = &self->bg.res, q;
	double t0, dt;

	t0 = now_s();
	ASSERT_EQ(0, vmon(&q, "event", "--timeout", "1.5", "--vm", "evt-none", NULL));
	dt = now_s() - t0;
	EXPECT_EQ(1, q.status) TH_LOG("%s", q.err);
	EXPECT_STREQ("event loop timed out\nevents received: 0\n", q.out);
	EXPECT_LE(1.5, dt);
	EXPECT_GT(10, dt);

	t0 = now_s();
	ASSERT_EQ(0, vmon_event_bg(&self->bg, "--loop", "--timeout", "8", "--output=json", NULL));
	ASSERT_NE(0u, sync_listener(self->ctl, self->g.vm_fd, &self->bg, "evt-tmo", false))
	TH_LOG("the listener printed nothing: %s", r->err);
	EXPECT_EQ(0, run_bg_finish(&self->bg, 0, 30000));
	dt = now_s() - t0;
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->err, "event loop timed out\nevents received: "))
	TH_LOG("%s", r->err);
	EXPECT_EQ(NULL, strstr(r->out, "events received")) TH_LOG("%s", r->out);
	EXPECT_LE(8, dt);
}

TEST_HARNESS_MAIN
