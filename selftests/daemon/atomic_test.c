// SPDX-License-Identifier: GPL-2.0
/*
 * vmon_atomic_write(): the new content whole, the mode asked, no temporary
 * file left behind, and on failure the old file untouched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmon/daemon.h>

#include "kselftest_harness.h"

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

FIXTURE(tmp)
{
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(tmp)
{
	strcpy(self->dir, "/tmp/atomic_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/f.xml", self->dir);
}

FIXTURE_TEARDOWN(tmp)
{
	unlink(self->path);
	rmdir(self->dir);
}

TEST_F(tmp, creates_with_content_and_mode)
{
	char buf[64];
	struct stat st;

	ASSERT_EQ(0, vmon_atomic_write(self->path, "hello\n", 6, 0600));
	ASSERT_EQ(6, read_file(self->path, buf, sizeof(buf)));
	EXPECT_STREQ("hello\n", buf);
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_EQ(1, count_entries(self->dir));
}

TEST_F(tmp, replaces_whole_file_leaving_no_temporary)
{
	char big[10000], buf[16384];

	memset(big, 'x', sizeof(big));
	ASSERT_EQ(0, vmon_atomic_write(self->path, big, sizeof(big), 0644));
	ASSERT_EQ(0, vmon_atomic_write(self->path, "short", 5, 0644));
	ASSERT_EQ(5, read_file(self->path, buf, sizeof(buf)));
	EXPECT_STREQ("short", buf);
	EXPECT_EQ(1, count_entries(self->dir));
}

TEST_F(tmp, failure_leaves_old_file)
{
	char bad[160], buf[64];

	ASSERT_EQ(0, vmon_atomic_write(self->path, "old", 3, 0600));
	/* A directory where the file should be: rename fails, old kept. */
	snprintf(bad, sizeof(bad), "%s/d", self->dir);
	ASSERT_EQ(0, mkdir(bad, 0700));
	EXPECT_EQ(-EISDIR, vmon_atomic_write(bad, "new", 3, 0600));
	EXPECT_EQ(2, count_entries(self->dir));
	rmdir(bad);
	snprintf(bad, sizeof(bad), "%s/missing/f", self->dir);
	EXPECT_EQ(-ENOENT, vmon_atomic_write(bad, "new", 3, 0600));
	ASSERT_EQ(3, read_file(self->path, buf, sizeof(buf)));
	EXPECT_STREQ("old", buf);
}

TEST_HARNESS_MAIN
