// SPDX-License-Identifier: GPL-2.0
/*
 * Status files: format/parse round trip, errors that name the bad member,
 * the start time of a process read past a name holding ") ", and the pid +
 * start time check that tells a live VMM from a reused pid.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmon/daemon.h>

#include "kselftest_harness.h"

static const struct vmond_status sample = {
	.pid = 4242,
	.starttime = 123456789,
	.api = "/run/vmon/domains/web.sock",
	.state = 3,  /* paused */
	.reason = 1, /* user */
	.id = 7,
};

TEST(round_trip)
{
	struct vmond_status st;
	char err[256];
	char *text = vmond_status_format(&sample);

	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, vmond_status_parse(text, &st, err, sizeof(err)));
	EXPECT_EQ(4242, st.pid);
	EXPECT_EQ(123456789, st.starttime);
	EXPECT_EQ(7, st.id);
	EXPECT_STREQ("/run/vmon/domains/web.sock", st.api);
	EXPECT_EQ(3, st.state);
	EXPECT_EQ(1, st.reason);
	free(text);
}

TEST(errors_name_the_member)
{
	struct vmond_status st;
	char err[256];

	EXPECT_EQ(-1, vmond_status_parse("not json", &st, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a JSON object"));
	EXPECT_EQ(-1, vmond_status_parse("{\"pid\": 0, \"starttime\": 5}", &st, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"pid\""));
	EXPECT_EQ(-1, vmond_status_parse("{\"pid\": 3, \"starttime\": 5, \"id\": 1, \"api\": 5}",
					 &st, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"api\""));
	EXPECT_EQ(-1, vmond_status_parse("{\"pid\": 3, \"starttime\": 5, \"id\": 1, \"api\": "
					 "\"a\", \"state\": 1}",
					 &st, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"reason\""));
	EXPECT_EQ(-1, vmond_status_parse("{\"pid\": 3, \"starttime\": 5, \"id\": 1, \"api\": "
					 "\"a\", \"state\": 9, \"reason\": 0}",
					 &st, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"state\" missing or not a number from 0 to 8"));
}

/* A child that sleeps until killed; its name set to name. */
static pid_t sleeper(const char *name)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

TEST(starttime_and_pid_reuse)
{
	pid_t a = sleeper("plain"), b = sleeper("a) b ) c");
	struct vmond_status st = sample;
	uint64_t ta, tb, self;

	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	ASSERT_EQ(0, vmon_proc_starttime(a, &ta));
	ASSERT_EQ(0, vmon_proc_starttime(b, &tb));
	ASSERT_EQ(0, vmon_proc_starttime(getpid(), &self));
	/* Children start after us: their start times are not before ours. */
	EXPECT_LE(self, ta);
	EXPECT_LE(ta, tb);
	/* Same process: alive. */
	st.pid = b;
	st.starttime = tb;
	EXPECT_TRUE(vmond_status_alive(&st));
	/* Same pid, another start time: a reused pid, not our VMM. */
	st.starttime = tb + 1;
	EXPECT_FALSE(vmond_status_alive(&st));
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	/* Gone: not alive, and the error says so. */
	st.starttime = tb;
	EXPECT_FALSE(vmond_status_alive(&st));
	EXPECT_EQ(-ESRCH, vmon_proc_starttime(b, &tb));
}

TEST(domain_names)
{
	char err[256];

	EXPECT_EQ(0, vmond_name_check("web-1.example_a+b", err, sizeof(err)));
	EXPECT_EQ(-1, vmond_name_check("", err, sizeof(err)));
	EXPECT_EQ(-1, vmond_name_check(".hidden", err, sizeof(err)));
	EXPECT_EQ(-1, vmond_name_check("../etc", err, sizeof(err)));
	EXPECT_EQ(-1, vmond_name_check("a/b", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "'/'"));
}

TEST_HARNESS_MAIN
