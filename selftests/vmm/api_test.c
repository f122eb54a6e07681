// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm without KVM: control API request parsing, the --disk and --net
 * option parsers, and the command line's usage errors; the modes of the
 * files the VMM makes (sockets, snapshots).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../lib/run.h"
#include "../../supervisor/vmm/api.h"
#include "../../supervisor/vmm/config.h"
#include "../../supervisor/vmm/snapshot.h"
#include "../../supervisor/vmm/vmm.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

TEST(api_parses_every_command)
{
	static const char *const cmds[] = { "status", "pause", "resume",       "shutdown",
					    "reset",  "quit",  "ctrl-alt-del", "wakeup" };
	struct api_req r;
	char err[128], line[64];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\": \"%s\"}", cmds[i]);
		ASSERT_EQ(0, api_parse(line, &r, err, sizeof(err)));
		EXPECT_STREQ(cmds[i], api_cmd_name(r.cmd));
	}
	ASSERT_EQ(0, api_parse("{\"cmd\":\"shutdown\"}", &r, err, sizeof(err)));
	EXPECT_EQ(API_SHUTDOWN, r.cmd);
	ASSERT_EQ(0, api_parse("{\"cmd\":\"ctrl-alt-del\"}", &r, err, sizeof(err)));
	EXPECT_EQ(API_CTRL_ALT_DEL, r.cmd);
	ASSERT_EQ(0, api_parse("{\"cmd\":\"wakeup\"}", &r, err, sizeof(err)));
	EXPECT_EQ(API_WAKEUP, r.cmd);
	ASSERT_EQ(0, api_parse("{\"cmd\":\"balloon\",\"target_mib\":128}", &r, err, sizeof(err)));
	EXPECT_EQ(API_BALLOON, r.cmd);
	EXPECT_EQ(128, r.balloon_mib);
	ASSERT_EQ(0, api_parse("{\"cmd\":\"snapshot\",\"path\":\"/tmp/s\"}", &r, err, sizeof(err)));
	EXPECT_STREQ("/tmp/s", r.path);
	/* the guest agent (issue 16 item 4): the request kept as plain JSON */
	ASSERT_EQ(0, api_parse("{\"cmd\":\"agent\",\"request\":{\"execute\": \"guest-ping\"}}", &r,
			       err, sizeof(err)));
	EXPECT_EQ(API_AGENT, r.cmd);
	EXPECT_STREQ("{\"execute\":\"guest-ping\"}", r.agent);
	EXPECT_EQ(API_AGENT_TIMEOUT, r.timeout_s);
	ASSERT_EQ(0,
		  api_parse("{\"cmd\":\"agent\",\"timeout\":30,\"request\":"
			    "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/true\"}}}",
			    &r, err, sizeof(err)));
	EXPECT_EQ(30, r.timeout_s);
	EXPECT_NE(NULL, strstr(r.agent, "\"arguments\":{\"path\":\"/bin/true\"}"));
	/* CPU hot add (issue 16 item 3) */
	ASSERT_EQ(0, api_parse("{\"cmd\":\"set-vcpus\",\"count\":3}", &r, err, sizeof(err)));
	EXPECT_EQ(API_SET_VCPUS, r.cmd);
	EXPECT_EQ(3, r.vcpus);
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
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"agent\"}", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"request\""));
	EXPECT_EQ(-1,
		  api_parse("{\"cmd\":\"agent\",\"request\":{\"exec\":1}}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"agent\",\"request\":\"guest-ping\"}", &r, err,
				sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"agent\",\"request\":{\"execute\":\"guest-ping\"},"
				"\"timeout\":0}",
				&r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"timeout\""));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"set-vcpus\"}", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"count\""));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"set-vcpus\",\"count\":0}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"set-vcpus\",\"count\":65}", &r, err, sizeof(err)));
	EXPECT_EQ(-1, api_parse("{\"cmd\":\"set-vcpus\",\"count\":\"2\"}", &r, err, sizeof(err)));
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
	/* serial=: virtio's ID, 1 to 20 printable characters */
	ASSERT_EQ(0, config_parse_disk("a.img", &d));
	EXPECT_STREQ("", d.serial);
	ASSERT_EQ(0, config_parse_disk("a.img,serial=12345678901234567890", &d));
	EXPECT_STREQ("12345678901234567890", d.serial);
	EXPECT_EQ(-1, config_parse_disk("a.img,serial=123456789012345678901", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,serial=", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,serial=a b", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,serial=\x01", &d));
	/* iops=, bps=, *_max=: vmon-blk's token buckets (virtio_blk.c wants vmon-blk) */
	ASSERT_EQ(0, config_parse_disk("a.img,iops=200,bps=1048576,iops_max=400", &d));
	EXPECT_EQ(200, d.limits.total.ops.rate);
	EXPECT_EQ(1048576, d.limits.total.bytes.rate);
	EXPECT_EQ(400, d.limits.total.ops.burst);
	EXPECT_EQ(0, d.limits.total.bytes.burst);
	EXPECT_EQ(0, d.limits.read.ops.rate + d.limits.write.bytes.rate);
	ASSERT_EQ(0, config_parse_disk("a.img,iops=0", &d));
	EXPECT_EQ(0, d.limits.total.ops.rate);
	/* _rd and _wr: the read and write buckets */
	ASSERT_EQ(0, config_parse_disk("a.img,iops_rd=10,iops_rd_max=20,bps_wr=4096,"
				       "bps_wr_max=8192,iops_wr=3,bps_rd=7",
				       &d));
	EXPECT_EQ(10, d.limits.read.ops.rate);
	EXPECT_EQ(20, d.limits.read.ops.burst);
	EXPECT_EQ(7, d.limits.read.bytes.rate);
	EXPECT_EQ(3, d.limits.write.ops.rate);
	EXPECT_EQ(4096, d.limits.write.bytes.rate);
	EXPECT_EQ(8192, d.limits.write.bytes.burst);
	EXPECT_EQ(0, d.limits.total.ops.rate + d.limits.total.bytes.rate);
	/* a total and a read or write limit of the same kind: QEMU refuses it */
	EXPECT_EQ(-1, config_parse_disk("a.img,iops=1,iops_wr=2", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,bps=1,bps_rd=2", &d));
	ASSERT_EQ(0, config_parse_disk("a.img,iops=1,bps_rd=2", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iops_wr_max=5", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iops_rx=5", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,bps_rd_maxi=5", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iopsx=5", &d));
	/* werror=, rerror=: QEMU's error policies, enospc for writes only */
	ASSERT_EQ(0, config_parse_disk("a.img", &d));
	EXPECT_EQ(BLK_ERR_REPORT, d.werror);
	EXPECT_EQ(BLK_ERR_REPORT, d.rerror);
	ASSERT_EQ(0, config_parse_disk("a.img,werror=enospc,rerror=stop", &d));
	EXPECT_EQ(BLK_ERR_ENOSPC, d.werror);
	EXPECT_EQ(BLK_ERR_STOP, d.rerror);
	ASSERT_EQ(0, config_parse_disk("a.img,werror=stop", &d));
	EXPECT_EQ(BLK_ERR_STOP, d.werror);
	EXPECT_EQ(-1, config_parse_disk("a.img,rerror=enospc", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,werror=ignore", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,werror=", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iops=-1", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iops=1k", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,bps=", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iops=99999999999999999999", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,iops_max=5", &d));
	EXPECT_EQ(-1, config_parse_disk("a.img,bps_max=5,iops=1", &d));
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
	vmm(_metadata, &r, "-k", "x", "--max-cpus=65");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--max-cpus: '65'"));
	vmm(_metadata, &r, "-kx", "--cpus=2", "--max-cpus=1");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--max-cpus 1 is below --cpus 2"));
	vmm(_metadata, &r, "-k", "x", "--disk=a,backend=floppy");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "floppy"));
	vmm(_metadata, &r, "-k", "x", "--console=tty9");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--console: 'tty9'"));
	vmm(_metadata, &r, "-k", "x", "--hvc=tty9");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--hvc: 'tty9'"));
	vmm(_metadata, &r, "-k", "x", "--hvc=file:");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--hvc: 'file:'"));
	vmm(_metadata, &r, "-k", "x", "--hvc=stdio");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "stdio is the serial console's"));
	vmm(_metadata, &r, "-k", "x", "--on-reboot=reset");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--on-reboot: 'reset' is not restart or destroy"));
	vmm(_metadata, &r, "-k", "x", "--user=no-such-vmon-user");
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--user 'no-such-vmon-user': no such user"));
	vmm(_metadata, &r, "--help", NULL, NULL);
	EXPECT_NE(NULL, strstr(r.out, "4 when the guest rebooted"));
	vmm(_metadata, &r, "--restore", "/nonexistent", NULL);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not a snapshot"));
	vmm(_metadata, &r, "--call", "/nonexistent.sock", "{\"cmd\":\"status\"}");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/nonexistent.sock"));
}

static struct vm *fake_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->vm_fd = -1;
	vm->epfd = epoll_create1(0);
	return vm;
}

/* chmod() and fchmodat() fail from now on in this (forked) test: only a mode set at creation
 * counts. */
static int no_chmod_after_the_fact(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_chmod, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchmodat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchmodat2, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * hardening item 15: the API socket is owner-only from its creation, not
 * chmod()ed after bind() (a window with the umask's mode). With chmod made
 * to fail and umask 0, only a mode set before bind() gives 0600.
 */
TEST(api_socket_is_owner_only_from_creation)
{
	char dir[] = "/tmp/api_test.XXXXXX", path[64];
	struct stat st;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	ASSERT_EQ(0, no_chmod_after_the_fact());
	umask(0);
	ASSERT_EQ(0, api_init(fake_vm(), path));
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	api_exit();
	rmdir(dir);
}

/* The same for the helper the console socket (--console unix:PATH) is made with. */
TEST(unix_listen_is_owner_only_from_creation)
{
	char dir[] = "/tmp/api_test.XXXXXX", path[64];
	struct stat st;
	int fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/console.sock", dir);
	ASSERT_EQ(0, no_chmod_after_the_fact());
	umask(0);
	fd = unix_listen(path, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lstat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	close(fd);
	unlink(path);
	rmdir(dir);
}

/*
 * hardening item 15: a snapshot goes only into a directory that is ours: a
 * symlink in its place, or a directory others can write, is refused before
 * anything is written, with a message naming why; a file planted in it
 * (a symlink at a temporary name) is never followed.
 */
TEST(snapshot_dir_must_be_ours)
{
	char base[] = "/tmp/api_test.XXXXXX", p[128], q[128], err[512];
	struct vm *vm = fake_vm();
	char buf[8] = { 0 };
	int fd;

	ASSERT_NE(NULL, mkdtemp(base));
	snprintf(p, sizeof(p), "%s/real", base);
	ASSERT_EQ(0, mkdir(p, 0700));
	snprintf(q, sizeof(q), "%s/link", base);
	ASSERT_EQ(0, symlink(p, q));
	err[0] = 0;
	EXPECT_EQ(-1, snapshot_save(vm, q, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "symbolic link")) TH_LOG("error: %s", err);

	snprintf(p, sizeof(p), "%s/shared", base);
	ASSERT_EQ(0, mkdir(p, 0700));
	ASSERT_EQ(0, chmod(p, 0777));
	err[0] = 0;
	EXPECT_EQ(-1, snapshot_save(vm, p, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not writable by group or others")) TH_LOG("error: %s", err);

	/* a planted symlink at the temporary name is not followed */
	snprintf(p, sizeof(p), "%s/victim", base);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ASSERT_EQ(6, write(fd, "victim", 6));
	close(fd);
	snprintf(q, sizeof(q), "%s/ours", base);
	ASSERT_EQ(0, mkdir(q, 0700));
	snprintf(q, sizeof(q), "%s/ours/.memory.tmp", base);
	ASSERT_EQ(0, symlink(p, q));
	snprintf(q, sizeof(q), "%s/ours", base);
	EXPECT_EQ(-1, snapshot_save(vm, q, err, sizeof(err))); /* no KVM here */
	fd = open(p, O_RDONLY);
	EXPECT_EQ(6, read(fd, buf, sizeof(buf)));
	EXPECT_STREQ("victim", buf);
	close(fd);
	snprintf(q, sizeof(q), "rm -rf '%s'", base);
	EXPECT_EQ(0, system(q));
}

TEST_HARNESS_MAIN
