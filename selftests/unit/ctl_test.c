// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon's control-device helpers, on the host: path selection and the
 * errors it turns into sentences.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include <vmon/ctl.h>

TEST(default_path)
{
	unsetenv("VMON_CTL_PATH");
	EXPECT_STREQ("/dev/vmon", vmon_ctl_path());
	setenv("VMON_CTL_PATH", "", 1);
	EXPECT_STREQ("/dev/vmon", vmon_ctl_path());
}

TEST(path_from_environment)
{
	setenv("VMON_CTL_PATH", "/tmp/elsewhere", 1);
	EXPECT_STREQ("/tmp/elsewhere", vmon_ctl_path());
}

TEST(open_missing_device)
{
	setenv("VMON_CTL_PATH", "/nonexistent/vmon", 1);
	EXPECT_EQ(-ENOENT, vmon_ctl_open());
}

TEST(version_on_other_device)
{
	struct vmon_version v;
	int fd;

	setenv("VMON_CTL_PATH", "/dev/null", 1);
	fd = vmon_ctl_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, vmon_ctl_version(fd, &v));
	close(fd);
}

TEST(error_sentences)
{
	EXPECT_NE(NULL, strstr(vmon_ctl_strerror(-ENOENT), "modprobe vmon"));
	EXPECT_NE(NULL, strstr(vmon_ctl_strerror(-EACCES), "root"));
	EXPECT_NE(NULL, strstr(vmon_ctl_strerror(-ENOTTY), "not a vmon"));
	EXPECT_STREQ(strerror(EIO), vmon_ctl_strerror(-EIO));
}

TEST_HARNESS_MAIN
