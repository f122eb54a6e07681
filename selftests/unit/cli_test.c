// SPDX-License-Identifier: GPL-2.0
/*
 * The vmon command line, without a module: help, usage errors, exit codes and
 * the messages a user sees when the control device is missing or wrong.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../lib/run.h"

static void vmon(struct __test_metadata *_metadata, struct run_result *r, char *const env[],
		 const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)build_path("vmon"), (char *)a1, (char *)a2, (char *)a3, NULL };

	ASSERT_EQ(0, run_capture(argv, env, r));
}

TEST(help_lists_commands)
{
	struct run_result r;

	vmon(_metadata, &r, NULL, "--help", NULL, NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: vmon COMMAND"));
	EXPECT_NE(NULL, strstr(r.out, "version"));
	EXPECT_STREQ("", r.err);
}

TEST(no_command_is_a_usage_error)
{
	struct run_result r;

	vmon(_metadata, &r, NULL, NULL, NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "usage:"));
}

TEST(unknown_command_is_named)
{
	struct run_result r;

	vmon(_metadata, &r, NULL, "frobnicate", NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "unknown command 'frobnicate'"));
}

TEST(version_help)
{
	struct run_result r;

	vmon(_metadata, &r, NULL, "version", "--help", NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: vmon version"));
}

TEST(version_without_module)
{
	char *env[] = { "VMON_CTL_PATH=/nonexistent/vmon", NULL };
	struct run_result r;

	vmon(_metadata, &r, env, "version", NULL, NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/nonexistent/vmon"));
	EXPECT_NE(NULL, strstr(r.err, "modprobe vmon"));
	EXPECT_STREQ("", r.out);
}

TEST(version_on_wrong_device)
{
	char *env[] = { "VMON_CTL_PATH=/dev/null", NULL };
	struct run_result r;

	vmon(_metadata, &r, env, "version", NULL, NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not a vmon control device"));
}

TEST(bad_output_format_is_named)
{
	struct run_result r;

	vmon(_metadata, &r, NULL, "version", "--output=xml", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'xml'"));
}

TEST(extra_argument_is_named)
{
	struct run_result r;

	vmon(_metadata, &r, NULL, "version", "surplus", NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "'surplus'"));
}

TEST_HARNESS_MAIN
