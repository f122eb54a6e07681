// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon, the control device: loaded the way a user loads it (modprobe),
 * its version, its answer to unknown ioctls and its permissions.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/vmon.h>

#include "kselftest_harness.h"
#include "../lib/run.h"

FIXTURE(ctl)
{
	int fd;
};

FIXTURE_SETUP(ctl)
{
	ASSERT_EQ(0, system("modprobe vmon"));
	self->fd = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/vmon: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ctl)
{
	close(self->fd);
}

TEST_F(ctl, device_node)
{
	unsigned int maj, min;
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	EXPECT_EQ(0u, st.st_uid);
	/* A misc device: the node's numbers are the ones sysfs announces. */
	f = fopen("/sys/class/misc/vmon/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%u:%u", &maj, &min));
	fclose(f);
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(min, minor(st.st_rdev));
}

TEST_F(ctl, version)
{
	struct vmon_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, VMON_GET_VERSION, &v));
	EXPECT_EQ((__u32)VMON_VERSION_MAJOR, v.major);
	EXPECT_EQ((__u32)VMON_VERSION_MINOR, v.minor);
	EXPECT_EQ(0ull, v.features);
	EXPECT_NE(0, v.release[0]);
	EXPECT_NE(NULL, memchr(v.release, '\0', sizeof(v.release)));
}

TEST_F(ctl, version_matches_modinfo)
{
	struct vmon_version v;
	char buf[64] = "";
	FILE *f;

	ASSERT_EQ(0, ioctl(self->fd, VMON_GET_VERSION, &v));
	f = fopen("/sys/module/vmon/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	EXPECT_STREQ(buf, v.release);
}

TEST_F(ctl, version_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, VMON_GET_VERSION, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(ctl, unknown_ioctls)
{
	char buf[256] = { 0 };

	/* Unused numbers of our own magic, of vhost's, and of nobody's. */
	EXPECT_EQ(-1, ioctl(self->fd, _IO(VMON_IOCTL_MAGIC, 0xff)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(VMON_IOCTL_MAGIC, 0x00, int), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_OWNER));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(ctl, unprivileged_cannot_open)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (open("/dev/vmon", O_RDWR) >= 0)
			_exit(11);
		if (errno != EACCES)
			_exit(12);
		if (open("/dev/vmon", O_RDONLY) >= 0)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(ctl, cli_reports_module_version)
{
	char *argv[] = { (char *)build_path("vmon"), "version", "--output=json", NULL };
	struct run_result r;

	ASSERT_EQ(0, run_capture(argv, NULL, &r));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "\"abi-major\":0"));
	EXPECT_NE(NULL, strstr(r.out, "\"release\":\"0.1.0\""));
}

TEST_HARNESS_MAIN
