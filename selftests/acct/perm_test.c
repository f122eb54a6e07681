// SPDX-License-Identifier: GPL-2.0
/*
 * The privilege model of the VM registry, seen by a user who is not root
 * (hardening items 10 and 11; Documentation/security.rst):
 *
 * - netlink: a user reads the VMs whose owner has its uid and no others
 *   (another user's VM answers as absent and is left out of dumps); only
 *   CAP_SYS_ADMIN joins the events group;
 * - VMON_DEV_SET_VM on a ring: a non-admin holder attaches it only to a VM
 *   its own process owns, and cannot touch an attachment an admin made;
 * - VMON_BLK_SET_THROTTLE: a limit an admin set cannot be lifted by others.
 *
 * A child creates a KVM VM as root, hands its fd to the parent, drops to
 * uid/gid 65534 and keeps a /dev/vmon-net fd opened before; the parent
 * registers that VM (owned by the child, uid 65534) and one of its own
 * (owned by root). Each step is a byte over a socketpair.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vmon.h>
#include <vmon/nl.h>
#include "kselftest_harness.h"
#include "../lib/run.h"
#include "acct_util.h"
#include "guest.h"
#include "acct_fixture.h"

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "F", .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int set_vm(int ring, uint32_t id)
{
	return ioctl(ring, VMON_DEV_SET_VM, &id) ? -errno : 0;
}

/* No limit (0) or iops ops per second. */
static int throttle(int blk, uint64_t iops)
{
	struct vmon_blk_throttle t = { .ops = { .rate = iops, .burst = iops } };

	return ioctl(blk, VMON_BLK_SET_THROTTLE, &t) ? -errno : 0;
}

/* 1 when the dump lists id, 0 when not, -1 on error */
static int listed(struct vmon_nl *nl, uint32_t id)
{
	struct vmon_nl_vm *vms;
	size_t n, i;
	int found = 0;

	if (vmon_nl_vm_list(nl, true, &vms, &n))
		return -1;
	for (i = 0; i < n; i++)
		found |= vms[i].id == id;
	vmon_nl_vms_free(vms, n);
	return found;
}

/* The child's side; the exit status names the first check that failed. */
static int unprivileged(int sock, int ring, int blk, uint32_t root_id)
{
	struct vmon_nl_vm vm;
	struct vmon_nl *nl;
	struct guest g = { .vm_fd = -1, .kvm_fd = -1 };
	uint32_t own_id;
	char b = 'D';

	if (guest_create(&g, 64 * 1024) || send_fd(sock, g.vm_fd))
		return 10;
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 11;
	if (write(sock, &b, 1) != 1 || read(sock, &own_id, sizeof(own_id)) != sizeof(own_id))
		return 12;
	if (vmon_nl_open(&nl))
		return 13;
	/* its own VM: readable, listed */
	if (vmon_nl_vm_get(nl, own_id, NULL, true, &vm))
		return 14;
	vmon_nl_vm_free(&vm);
	if (listed(nl, own_id) != 1)
		return 15;
	/* root's VM: absent by id and by name, not listed */
	if (vmon_nl_vm_get(nl, root_id, NULL, true, &vm) != -ENOENT)
		return 16;
	/* in the same words as for an id nobody has: existence is not told */
	if (strcmp(vmon_nl_errmsg(nl), "no VM with this id"))
		return 26;
	if (vmon_nl_vm_get(nl, 0, "perm-root", false, &vm) != -ENOENT)
		return 17;
	if (listed(nl, root_id) != 0)
		return 18;
	/* the events name every VM: admin only */
	if (vmon_nl_events_join(nl) != -EPERM)
		return 19;
	vmon_nl_close(nl);
	/* rings: only towards its own VM */
	if (set_vm(ring, root_id) != -EPERM)
		return 20;
	if (set_vm(ring, own_id) || set_vm(ring, 0) || set_vm(ring, own_id))
		return 21;
	if (throttle(blk, 1000) || throttle(blk, 0))
		return 24;
	b = '1';
	if (write(sock, &b, 1) != 1 || read(sock, &b, 1) != 1)
		return 22;
	/* the parent (admin) has attached the ring: locked against us */
	if (set_vm(ring, 0) != -EPERM || set_vm(ring, own_id) != -EPERM)
		return 23;
	/* and has limited the disk: we cannot lift it */
	if (throttle(blk, 0) != -EPERM)
		return 25;
	return 0;
}

TEST_F(acct, unprivileged_sees_and_attaches_only_its_own_vms)
{
	uint32_t root_id, own_id;
	int sv[2], ring, blk, vm_fd, status;
	struct vmon_nl_vm vm;
	pid_t pid;
	char b;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "perm-root", &root_id));
	ring = open("/dev/vmon-net", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ring);
	blk = open("/dev/vmon-blk", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, blk);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		_exit(unprivileged(sv[1], ring, blk, root_id));
	}
	close(sv[1]);
	vm_fd = recv_fd(sv[0]);
	ASSERT_LE(0, vm_fd);
	ASSERT_EQ(1, read(sv[0], &b, 1));
	ASSERT_EQ(0, vm_register(self->ctl, vm_fd, "perm-user", &own_id));
	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, own_id, NULL, false, &vm));
	EXPECT_EQ((uint32_t)pid, vm.owner_pid);
	vmon_nl_vm_free(&vm);
	ASSERT_EQ((ssize_t)sizeof(own_id), write(sv[0], &own_id, sizeof(own_id)));
	if (read(sv[0], &b, 1) == 1) {
		/* root may attach anywhere, and that attachment is locked */
		EXPECT_EQ(0, set_vm(ring, root_id));
		EXPECT_EQ(0, throttle(blk, 500));
		EXPECT_EQ(1, write(sv[0], &b, 1));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
	TH_LOG("the unprivileged side failed check %d", WEXITSTATUS(status));
	/* root still sees both */
	EXPECT_EQ(0, vmon_nl_vm_get(self->nl, own_id, NULL, false, &vm));
	vmon_nl_vm_free(&vm);
	EXPECT_EQ(0, set_vm(ring, 0));
	EXPECT_EQ(0, throttle(blk, 0));
	close(blk);
	close(ring);
	close(vm_fd);
	close(sv[0]);
	EXPECT_EQ(0, vm_unregister(self->ctl, own_id));
	EXPECT_EQ(0, vm_unregister(self->ctl, root_id));
}

TEST_HARNESS_MAIN
