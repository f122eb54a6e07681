// SPDX-License-Identifier: GPL-2.0
/*
 * vmon top and vmon stats without the module (host unit test): help, usage
 * errors naming the bad value, exit codes, and the message when the netlink
 * family is missing.
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
	vmon(_metadata, &r, "--help", NULL, NULL, NULL);
	EXPECT_NE(NULL, strstr(r.out, "  top "));
	EXPECT_NE(NULL, strstr(r.out, "  stats "));
}

TEST(top_usage_errors)
{
	struct run_result r;

	vmon(_metadata, &r, "top", "-s", "bogus", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'bogus'"));
	vmon(_metadata, &r, "top", "-n", "0", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'0'"));
	vmon(_metadata, &r, "top", "-d", "0.01", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'0.01'"));
	vmon(_metadata, &r, "top", "-d", "1x", NULL);
	EXPECT_EQ(2, r.status);
	vmon(_metadata, &r, "top", "extra", NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'extra'"));
}

TEST(stats_usage_errors)
{
	struct run_result r;

	vmon(_metadata, &r, "stats", "--output=xml", NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'xml'"));
	vmon(_metadata, &r, "stats", "--prometheus", "--output=json", NULL);
	EXPECT_EQ(2, r.status);
	vmon(_metadata, &r, "stats", "--estimate", NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "needs a VM"));
	vmon(_metadata, &r, "stats", "web", "--estimate=0", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'0'"));
	vmon(_metadata, &r, "stats", "a", "b", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'b'"));
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
}

TEST_HARNESS_MAIN
