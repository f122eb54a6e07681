// SPDX-License-Identifier: GPL-2.0
/*
 * vmon top, stats, event and steal-threshold without the module (host unit
 * test): help, usage errors naming the bad value, exit codes, and the
 * message when the netlink family is missing.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "../lib/run.h"

static void vmon(struct __test_metadata *_metadata, struct run_result *r, const char *a1,
		 const char *a2, const char *a3, const char *a4)
{
	char *argv[] = {
		(char *)build_path("vmon"), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL
	};

	ASSERT_EQ(0, run_capture(argv, NULL, r));
}

/* vmon A1..A4 must be refused as a usage error (exit 2) naming 'bad'. */
static void usage_error(struct __test_metadata *_metadata, const char *bad, const char *a1,
			const char *a2, const char *a3, const char *a4)
{
	struct run_result r;
	char want[48];

	vmon(_metadata, &r, a1, a2, a3, a4);
	EXPECT_EQ(2, r.status) TH_LOG("vmon %s %s %s: '%s'", a1, a2, a3 ? a3 : "", bad);
	snprintf(want, sizeof(want), "'%s'", bad);
	EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("%s", r.err);
}

TEST(help)
{
	struct run_result r;

	vmon(_metadata, &r, "top", "--help", NULL, NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: vmon top"));
	EXPECT_NE(NULL, strstr(r.out, "--sort=KEY"));
	vmon(_metadata, &r, "stats", "-h", NULL, NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "--prometheus"));
	vmon(_metadata, &r, "event", "--help", NULL, NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: vmon event"));
	EXPECT_NE(NULL, strstr(r.out, "--timeout SECONDS"));
	vmon(_metadata, &r, "steal-threshold", "-h", NULL, NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: vmon steal-threshold VM"));
	EXPECT_NE(NULL, strstr(r.out, "CAP_NET_ADMIN"));
	vmon(_metadata, &r, "--help", NULL, NULL, NULL);
	EXPECT_NE(NULL, strstr(r.out, "  top "));
	EXPECT_NE(NULL, strstr(r.out, "  stats "));
	EXPECT_NE(NULL, strstr(r.out, "  event "));
	EXPECT_NE(NULL, strstr(r.out, "  steal-threshold "));
}

TEST(event_usage_errors)
{
	static const char *const bad_timeouts[] = { "0", "-1", "abc", "1s", "nan", "1e9", "" };
	struct run_result r;
	unsigned int i;

	for (i = 0; i < sizeof(bad_timeouts) / sizeof(bad_timeouts[0]); i++)
		usage_error(_metadata, bad_timeouts[i], "event", "--timeout", bad_timeouts[i],
			    NULL);
	usage_error(_metadata, "a/b", "event", "--vm", "a/b", NULL);
	usage_error(_metadata, "yaml", "event", "--output=yaml", NULL, NULL);
	usage_error(_metadata, "web", "event", "web", NULL, NULL);
	vmon(_metadata, &r, "event", "--bogus", NULL, NULL);
	EXPECT_EQ(2, r.status);
}

TEST(steal_threshold_usage_errors)
{
	static const char *const bad_pcts[] = { "101", "100.01", "12.345", "5.",
						".5",  "abc",	 "1e1",	   "" };
	static const char *const bad_intervals[] = { "99", "60001", "0", "1x", "-100" };
	struct run_result r;
	unsigned int i;

	for (i = 0; i < sizeof(bad_pcts) / sizeof(bad_pcts[0]); i++)
		usage_error(_metadata, bad_pcts[i], "steal-threshold", "web", bad_pcts[i], NULL);
	for (i = 0; i < sizeof(bad_intervals) / sizeof(bad_intervals[0]); i++)
		usage_error(_metadata, bad_intervals[i], "steal-threshold", "--interval",
			    bad_intervals[i], NULL);
	/* getopt takes "-1" for an option: refused all the same. */
	vmon(_metadata, &r, "steal-threshold", "web", "-1", NULL);
	EXPECT_EQ(2, r.status);
	vmon(_metadata, &r, "steal-threshold", NULL, NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "a VM is needed"));
	usage_error(_metadata, "extra", "steal-threshold", "web", "10", "extra");
	vmon(_metadata, &r, "steal-threshold", "web", "10", "--output=json");
	EXPECT_EQ(2, r.status);
}

TEST(top_usage_errors)
{
	struct run_result r;

	usage_error(_metadata, "bogus", "top", "-s", "bogus", NULL);
	usage_error(_metadata, "0", "top", "-n", "0", NULL);
	usage_error(_metadata, "0.01", "top", "-d", "0.01", NULL);
	vmon(_metadata, &r, "top", "-d", "1x", NULL);
	EXPECT_EQ(2, r.status);
	usage_error(_metadata, "extra", "top", "extra", NULL, NULL);
}

TEST(stats_usage_errors)
{
	struct run_result r;

	usage_error(_metadata, "xml", "stats", "--output=xml", NULL, NULL);
	vmon(_metadata, &r, "stats", "--prometheus", "--output=json", NULL);
	EXPECT_EQ(2, r.status);
	vmon(_metadata, &r, "stats", "--estimate", NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "needs a VM"));
	usage_error(_metadata, "0", "stats", "web", "--estimate=0", NULL);
	usage_error(_metadata, "b", "stats", "a", "b", NULL);
}

/* On the host no vmon module is loaded: a clear message and exit 1. */
TEST(no_module)
{
	struct run_result r;

	if (!system("grep -q '^vmon ' /proc/modules 2>/dev/null"))
		SKIP(return, "vmon is loaded here");
	vmon(_metadata, &r, "stats", NULL, NULL, NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "modprobe vmon"));
	vmon(_metadata, &r, "top", "-b", "-n", "1");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not loaded"));
	vmon(_metadata, &r, "event", "--timeout", "1", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "modprobe vmon"));
	vmon(_metadata, &r, "steal-threshold", "web", "10", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "modprobe vmon"));
}

TEST_HARNESS_MAIN
