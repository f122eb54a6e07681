// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm without KVM: control API request parsing, the --disk and --net
 * option parsers, and the command line's usage errors.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../lib/run.h"
#include "../../supervisor/vmm/api.h"
#include "../../supervisor/vmm/config.h"

TEST(api_parses_every_command)
{
	static const char *const cmds[] = {
		"status", "pause", "resume", "shutdown", "reset", "quit"
	};
	struct api_req r;
	char err[128], line[64];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\": \"%s\"}", cmds[i]);
		ASSERT_EQ(0, api_parse(line, &r, err, sizeof(err)));
		EXPECT_STREQ(cmds[i], api_cmd_name(r.cmd));
	}
	ASSERT_EQ(0, api_parse("{\"cmd\":\"balloon\",\"target_mib\":128}", &r, err, sizeof(err)));
	EXPECT_EQ(API_BALLOON, r.cmd);
	EXPECT_EQ(128, r.balloon_mib);
	ASSERT_EQ(0, api_parse("{\"cmd\":\"snapshot\",\"path\":\"/tmp/s\"}", &r, err, sizeof(err)));
	EXPECT_STREQ("/tmp/s", r.path);
}

TEST(api_rejects_bad_requests_with_a_reason)
{
	struct api_req r;
	char err[128];

	EXPECT_EQ(-1, api_parse("not json", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a JSON object"));
	EXPECT_EQ(-1, api_parse("[1,2]", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"command\":\"status\"}", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"cmd\""));
	EXPECT_EQ(-1, api_parse("{\"cmd\":7}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"explode\"}", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "explode"));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"balloon\"}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"balloon\",\"target_mib\":-1}", &r, err, sizeof(err)));
	EXPECT_EQ(-1,
		  api_parse("{\"cmd\":\"balloon\",\"target_mib\":\"x\"}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"snapshot\"}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"snapshot\",\"path\":\"\"}", &r, err, sizeof(err)));
}

TEST(disk_option)
{
	struct disk_config d;

	ASSERT_EQ(0, config_parse_disk("/var/x.img", &d));
	EXPECT_STREQ("/var/x.img", d.path);
	EXPECT_FALSE(d.readonly);
	EXPECT_EQ(BLK_AUTO, d.backend);
	ASSERT_EQ(0, config_parse_disk("a.raw,ro,backend=uring", &d));
	EXPECT_TRUE(d.readonly);
	EXPECT_EQ(BLK_URING, d.backend);
	ASSERT_EQ(0, config_parse_disk("a.raw,backend=vmon-blk", &d));
	EXPECT_EQ(BLK_VMON, d.backend);
	EXPECT_EQ(DISK_PROBE, d.format);
	ASSERT_EQ(0, config_parse_disk("ov.qcow2,format=qcow2,backend=uring", &d));
	EXPECT_EQ(DISK_QCOW2, d.format);
	EXPECT_EQ(BLK_URING, d.backend);
	ASSERT_EQ(0, config_parse_disk("a.img,format=raw", &d));
	EXPECT_EQ(DISK_RAW, d.format);
	EXPECT_FALSE(d.direct);
	ASSERT_EQ(0, config_parse_disk("/dev/vg/vm,cache=none,backend=vmon-blk", &d));
	EXPECT_TRUE(d.direct);
	ASSERT_EQ(0, config_parse_disk("a.img,cache=none,cache=writeback", &d));
	EXPECT_FALSE(d.direct);
	EXPECT_EQ(-1, config_parse_disk("a.img,cache=unsafe", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,format=vmdk", &d));
	EXPECT_EQ(-1, config_parse_disk("a.raw,backend=floppy", &d));
	EXPECT_EQ(-1, config_parse_disk("a.raw,rw", &d));
	EXPECT_EQ(-1, config_parse_disk("", &d));
}

TEST(net_option)
{
	struct net_config n;

	ASSERT_EQ(0, config_parse_net("tap=tap0", &n));
	EXPECT_STREQ("tap0", n.tap);
	EXPECT_EQ(0x52, n.mac[0]);
	EXPECT_EQ(NET_AUTO, n.backend);
	ASSERT_EQ(0, config_parse_net("tap=t1,mac=02:00:00:00:00:09,backend=vhost", &n));
	EXPECT_EQ(9, n.mac[5]);
	EXPECT_EQ(NET_VHOST, n.backend);
	EXPECT_EQ(-1, config_parse_net("mac=02:00:00:00:00:09", &n));
	EXPECT_EQ(-1, config_parse_net("tap=t1,mac=01:00:00:00:00:09", &n));
	EXPECT_EQ(-1, config_parse_net("tap=t1,mac=zz", &n));
	EXPECT_EQ(-1, config_parse_net("tap=t1,backend=slirp", &n));
	EXPECT_EQ(-1, config_parse_net("tap=averyveryverylongname", &n));
}

static void vmm(struct __test_metadata *_metadata, struct run_result *r, const char *a1,
		const char *a2, const char *a3)
{
	char *argv[] = { (char *)build_path("vmon-vmm"), (char *)a1, (char *)a2, (char *)a3, NULL };

	ASSERT_EQ(0, run_capture(argv, NULL, r));
}

TEST(command_line_errors_name_the_option)
{
	struct run_result r;

	vmm(_metadata, &r, "--help", NULL, NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "usage: vmon-vmm"));
	vmm(_metadata, &r, NULL, NULL, NULL);
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--kernel is required"));
	vmm(_metadata, &r, "-k", "x", "--cpus=0");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--cpus: '0'"));
	vmm(_metadata, &r, "-k", "x", "--disk=a,backend=floppy");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "floppy"));
	vmm(_metadata, &r, "-k", "x", "--console=tty9");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--console: 'tty9'"));
	vmm(_metadata, &r, "--restore", "/nonexistent", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not a snapshot"));
	vmm(_metadata, &r, "--call", "/nonexistent.sock", "{\"cmd\":\"status\"}");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/nonexistent.sock"));
}

TEST_HARNESS_MAIN
