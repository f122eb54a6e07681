// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM accounting: the VM registry, steal time against a CPU hog, device
 * counters and the netlink family's policy and permissions (KSM hints and
 * the dedup estimator are in ksm_test.c). Needs root, /dev/kvm (nested under the test VM) and
 * vmon.ko with test_hooks=1 (the fixture reloads it so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmon.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <vmon/nl.h>

#include "kselftest_harness.h"
#include "../lib/run.h"
#include "acct_util.h"
#include "guest.h"

#define PAGE 4096

#include "acct_fixture.h"

TEST_F(acct, register_refuses_non_kvm_fds)
{
	int null = open("/dev/null", O_RDWR), kvm = open("/dev/kvm", O_RDWR);
	struct vmon_vm_register r;
	uint32_t id;

	ASSERT_LE(0, null);
	ASSERT_LE(0, kvm);
	EXPECT_EQ(-EINVAL, vm_register(self->ctl, null, "null", &id));
	/* /dev/kvm itself is not a VM. */
	EXPECT_EQ(-EINVAL, vm_register(self->ctl, kvm, "kvm", &id));
	EXPECT_EQ(-EBADF, vm_register(self->ctl, -1, "bad", &id));
	EXPECT_EQ(-EINVAL, vm_register(self->ctl, self->ctl, "vmon", &id));
	close(null);
	close(kvm);

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	EXPECT_EQ(-EINVAL, vm_register(self->ctl, self->g.vm_fd, "", &id));
	EXPECT_EQ(-EINVAL, vm_register(self->ctl, self->g.vm_fd, "has space", &id));
	memset(&r, 0, sizeof(r));
	r.vm_fd = self->g.vm_fd;
	memset(r.name, 'a', sizeof(r.name)); /* no NUL */
	EXPECT_EQ(-1, ioctl(self->ctl, VMON_VM_REGISTER, &r));
	EXPECT_EQ(EINVAL, errno);
	memset(&r, 0, sizeof(r));
	r.vm_fd = self->g.vm_fd;
	strcpy(r.name, "flags");
	r.flags = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, VMON_VM_REGISTER, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, VMON_VM_REGISTER, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(acct, register_unregister)
{
	struct vmon_nl_event ev;
	struct vmon_nl_vm vm;
	struct guest other;
	uint32_t id, id2;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-reg", &id));
	EXPECT_NE(0u, id);
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_VM_REGISTERED, id, 5, &ev));
	EXPECT_STREQ("acct-reg", ev.vm_name);

	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, id, NULL, false, &vm));
	EXPECT_STREQ("acct-reg", vm.name);
	EXPECT_EQ((uint32_t)getpid(), vm.owner_pid);
	vmon_nl_vm_free(&vm);
	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, 0, "acct-reg", true, &vm));
	EXPECT_EQ(id, vm.id);
	EXPECT_EQ(16u, vm.guest_pages);
	EXPECT_EQ(0u, vm.nr_vcpus);
	vmon_nl_vm_free(&vm);

	/* The same VM twice, or the same name twice: no. */
	EXPECT_EQ(-EEXIST, vm_register(self->ctl, self->g.vm_fd, "acct-reg2", &id2));
	ASSERT_EQ(0, guest_create(&other, 64 * 1024));
	EXPECT_EQ(-EEXIST, vm_register(self->ctl, other.vm_fd, "acct-reg", &id2));
	ASSERT_EQ(0, vm_register(self->ctl, other.vm_fd, "acct-reg2", &id2));
	EXPECT_NE(id, id2);

	EXPECT_EQ(0, vm_unregister(self->ctl, id));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_VM_UNREGISTERED, id, 5, &ev));
	EXPECT_EQ((uint32_t)VMON_REASON_REQUEST, ev.reason);
	EXPECT_EQ(-ENOENT, vm_unregister(self->ctl, id));
	EXPECT_EQ(-ENOENT, vmon_nl_vm_get(self->nl, id, NULL, false, &vm));
	EXPECT_EQ(-ENOENT, vm_unregister(self->ctl, 0));

	/* Closing the VM's fds releases it (the VMM is "gone"). */
	guest_destroy(&other);
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_VM_UNREGISTERED, id2, 5, &ev));
	EXPECT_EQ((uint32_t)VMON_REASON_VM_GONE, ev.reason);

	/* Ids are not reused. */
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-reg", &id2));
	EXPECT_LT(id, id2);
	EXPECT_EQ(0, vm_unregister(self->ctl, id2));
}

TEST_F(acct, device_counters)
{
	struct vmon_nl_event ev;
	struct vmon_nl_dev dev, d2;
	struct vmon_nl_vm vm;
	uint32_t id;
	int i;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-dev", &id));
	EXPECT_EQ(-ENOENT, testdev("attach %u nodev", id + 1000));
	ASSERT_EQ(0, testdev("attach %u tdev0", id));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_DEV_ATTACHED, id, 5, &ev));
	ASSERT_TRUE(ev.has_dev);
	EXPECT_STREQ("tdev0", ev.dev.name);
	EXPECT_EQ((uint32_t)VMON_DEV_TEST, ev.dev.type);

	ASSERT_EQ(0, testdev("net tdev0 10 1500 20 3000"));
	ASSERT_EQ(0, testdev("drop tdev0 rx 3"));
	ASSERT_EQ(0, testdev("drop tdev0 tx 4"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, testdev("blk tdev0 r 4096 1500"));
	ASSERT_EQ(0, testdev("blk tdev0 w 8192 100000"));
	ASSERT_EQ(0, testdev("blk tdev0 f 0 0"));
	ASSERT_EQ(0, testdev("blk tdev0 d 1048576 5000"));
	ASSERT_EQ(0, testdev("throttle tdev0 1234567"));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_THROTTLE, id, 5, &ev));

	/* Accounting off: nothing counts. */
	ASSERT_EQ(0, system("echo 0 > /sys/module/vmon/parameters/accounting"));
	ASSERT_EQ(0, testdev("net tdev0 1000 1000 1000 1000"));
	ASSERT_EQ(0, testdev("blk tdev0 r 4096 1500"));
	ASSERT_EQ(0, system("echo 1 > /sys/module/vmon/parameters/accounting"));

	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, id, NULL, true, &vm));
	ASSERT_EQ(1u, vm.n_devs);
	dev = vm.devs[0];
	vmon_nl_vm_free(&vm);
	EXPECT_EQ(id, dev.vm_id);
	EXPECT_EQ(10u, dev.ctr[VMON_DEV_A_RX_PACKETS]);
	EXPECT_EQ(1500u, dev.ctr[VMON_DEV_A_RX_BYTES]);
	EXPECT_EQ(20u, dev.ctr[VMON_DEV_A_TX_PACKETS]);
	EXPECT_EQ(3000u, dev.ctr[VMON_DEV_A_TX_BYTES]);
	EXPECT_EQ(3u, dev.ctr[VMON_DEV_A_RX_DROPS]);
	EXPECT_EQ(4u, dev.ctr[VMON_DEV_A_TX_DROPS]);
	EXPECT_EQ(3u, dev.ctr[VMON_DEV_A_RD_OPS]);
	EXPECT_EQ(3u * 4096, dev.ctr[VMON_DEV_A_RD_BYTES]);
	EXPECT_EQ(1u, dev.ctr[VMON_DEV_A_WR_OPS]);
	EXPECT_EQ(8192u, dev.ctr[VMON_DEV_A_WR_BYTES]);
	EXPECT_EQ(1u, dev.ctr[VMON_DEV_A_FLUSH_OPS]);
	EXPECT_EQ(1u, dev.ctr[VMON_DEV_A_DISCARD_OPS]);
	EXPECT_EQ(1048576u, dev.ctr[VMON_DEV_A_DISCARD_BYTES]);
	EXPECT_EQ(1234567u, dev.ctr[VMON_DEV_A_THROTTLED_NS]);
	/* log2 buckets: 1500 ns -> 10, 100 us -> 16, 0 -> 0, 5000 ns -> 12 */
	EXPECT_EQ(3u, dev.lat[10]);
	EXPECT_EQ(1u, dev.lat[16]);
	EXPECT_EQ(1u, dev.lat[0]);
	EXPECT_EQ(1u, dev.lat[12]);
	EXPECT_EQ(0u, dev.lat[11]);

	ASSERT_EQ(0, vmon_nl_dev_get(self->nl, dev.id, &d2));
	EXPECT_EQ(0, memcmp(&dev, &d2, sizeof(dev)));
	EXPECT_EQ(-ENOENT, vmon_nl_dev_get(self->nl, dev.id + 1000, &d2));

	ASSERT_EQ(0, testdev("detach tdev0"));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_DEV_DETACHED, id, 5, &ev));
	EXPECT_EQ(-ENOENT, first_dev(self->nl, id, &d2));
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* The cost of a counting call, against a call with no device attached. */
TEST_F_TIMEOUT(acct, counter_call_cost, 120)
{
	unsigned long calls = 0, on = 0, none = 0;
	struct vmon_nl_dev dev = { 0 };
	char buf[160] = "";
	uint32_t id;
	int fd;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-bench", &id));
	ASSERT_EQ(0, testdev("attach %u bench0", id));
	ASSERT_EQ(0, testdev("bench bench0 1000000"));
	fd = open(TEST_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	ASSERT_EQ(3, sscanf(buf, "calls %lu counting_ps_per_call %lu detached_ps_per_call %lu",
			    &calls, &on, &none));
	printf("# counting call: %.1f ns, detached call: %.1f ns (TCG, 1e6 calls each of "
	       "net_tx and blk_io)\n",
	       on / 1000.0, none / 1000.0);
	fflush(stdout); /* the harness ends a test with _exit() */
	/* Every call counted. */
	ASSERT_EQ(0, first_dev(self->nl, id, &dev));
	EXPECT_EQ(1000000u, dev.ctr[VMON_DEV_A_TX_PACKETS]);
	EXPECT_EQ(1500000000u, dev.ctr[VMON_DEV_A_TX_BYTES]);
	EXPECT_EQ(1000000u, dev.ctr[VMON_DEV_A_RD_OPS]);
	EXPECT_LE(on, 20u * 1000 * 1000) TH_LOG("a counting call took %lu ps", on);
	ASSERT_EQ(0, testdev("detach bench0"));
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

TEST_F(acct, cli_stats_and_top)
{
	char idbuf[16], path[64];
	char *stats_json[] = { (char *)build_path("vmon"), "stats", idbuf, "--output=json", NULL };
	char *stats_name[] = { (char *)build_path("vmon"), "stats", "acct-cli", NULL };
	char *prom[] = { (char *)build_path("vmon"), "stats", "--prometheus", NULL };
	char *top[] = {
		(char *)build_path("vmon"), "top", "-b", "-n", "2", "-d", "0.3", "-s", "pps", NULL
	};
	char *missing[] = { (char *)build_path("vmon"), "stats", "no-such-vm", NULL };
	struct run_result r;
	uint32_t id;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, guest_add_vcpu(&self->g, -1));
	ASSERT_EQ(0, guest_start(&self->g));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-cli", &id));
	ASSERT_EQ(0, testdev("attach %u tap-cli", id));
	ASSERT_EQ(0, testdev("net tap-cli 7 700 9 900"));
	snprintf(idbuf, sizeof(idbuf), "%u", id);

	ASSERT_EQ(0, run_capture(stats_json, NULL, &r));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "\"name\":\"acct-cli\""));
	EXPECT_NE(NULL, strstr(r.out, "\"rx_packets\":7"));
	EXPECT_NE(NULL, strstr(r.out, "\"tx_bytes\":900"));
	snprintf(path, sizeof(path), "\"tid\":%d", self->g.tid[0]);
	EXPECT_NE(NULL, strstr(r.out, path)) TH_LOG("%s", r.out);

	ASSERT_EQ(0, run_capture(stats_name, NULL, &r));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "acct-cli"));

	ASSERT_EQ(0, run_capture(prom, NULL, &r));
	EXPECT_EQ(0, r.status);
	snprintf(path, sizeof(path), "vm=\"acct-cli\",id=\"%u\"", id);
	EXPECT_NE(NULL, strstr(r.out, path));
	EXPECT_NE(NULL, strstr(r.out, "# TYPE vmon_vm_steal_seconds_total counter"));
	EXPECT_NE(NULL, strstr(r.out, "dev=\"tap-cli\"")) TH_LOG("%s", r.out);

	ASSERT_EQ(0, run_capture(top, NULL, &r));
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "acct-cli"));
	/* Two frames. */
	EXPECT_NE(NULL, strstr(strstr(r.out, "vmon top") + 1, "vmon top"));

	ASSERT_EQ(0, run_capture(missing, NULL, &r));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "no-such-vm"));

	ASSERT_EQ(0, testdev("detach tap-cli"));
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Unregistering, and the VMM dying, while a device is attached. */
TEST_F(acct, unregister_with_device_attached)
{
	struct vmon_nl_event ev;
	struct vmon_nl_dev dev = { 0 };
	struct vmon_nl_vm *vms;
	size_t n, i;
	uint32_t id;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-unreg", &id));
	ASSERT_EQ(0, testdev("attach %u tdev1", id));
	ASSERT_EQ(0, vm_unregister(self->ctl, id));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_VM_UNREGISTERED, id, 5, &ev));

	/* The device lives on and still counts. */
	ASSERT_EQ(0, testdev("net tdev1 1 100 2 200"));
	ASSERT_EQ(0, first_dev(self->nl, id, &dev));
	EXPECT_EQ(1u, dev.ctr[VMON_DEV_A_RX_PACKETS]);
	EXPECT_EQ(200u, dev.ctr[VMON_DEV_A_TX_BYTES]);
	ASSERT_EQ(0, vmon_nl_vm_list(self->nl, true, &vms, &n));
	for (i = 0; i < n; i++)
		EXPECT_NE(id, vms[i].id);
	vmon_nl_vms_free(vms, n);
	/* A new device cannot attach to it any more. */
	EXPECT_EQ(-ENOENT, testdev("attach %u tdev2", id));
	ASSERT_EQ(0, testdev("detach tdev1"));
}

TEST_F_TIMEOUT(acct, vmm_dies_first, 120)
{
	struct vmon_nl_event ev;
	struct vmon_nl_dev dev = { 0 };
	struct vmon_nl_vm vm;
	int up[2], go[2], status;
	uint32_t id = 0;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct guest g;

		if (guest_create(&g, 64 * 1024) || guest_add_vcpu(&g, -1) || guest_start(&g) ||
		    vm_register(self->ctl, g.vm_fd, "acct-vmm", &id))
			_exit(1);
		if (write(up[1], &id, sizeof(id)) != sizeof(id) || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0); /* no cleanup: the kernel closes everything */
	}
	ASSERT_EQ((ssize_t)sizeof(id), read(up[0], &id, sizeof(id)));
	ASSERT_EQ(0, testdev("attach %u tdev3", id));
	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, id, NULL, true, &vm));
	EXPECT_EQ(1u, vm.nr_vcpus);
	vmon_nl_vm_free(&vm);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_VM_UNREGISTERED, id, 10, &ev));
	EXPECT_EQ((uint32_t)VMON_REASON_VM_GONE, ev.reason);
	EXPECT_EQ(-ENOENT, vmon_nl_vm_get(self->nl, id, NULL, false, &vm));
	ASSERT_EQ(0, testdev("blk tdev3 w 512 1000"));
	ASSERT_EQ(0, first_dev(self->nl, id, &dev));
	EXPECT_EQ(1u, dev.ctr[VMON_DEV_A_WR_OPS]);
	ASSERT_EQ(0, testdev("detach tdev3"));
	close(up[0]);
	close(up[1]);
	close(go[0]);
	close(go[1]);
}

/* Steal share of the VM between two samples, in percent. */
static double steal_share(struct vmon_nl *nl, uint32_t id, double secs, double *cpu)
{
	struct vmon_nl_vm a, b;
	double t0, t1, share;

	if (vmon_nl_vm_get(nl, id, NULL, true, &a))
		return -1;
	t0 = now_s();
	usleep(secs * 1e6);
	if (vmon_nl_vm_get(nl, id, NULL, true, &b)) {
		vmon_nl_vm_free(&a);
		return -1;
	}
	t1 = now_s();
	share = 100.0 * (b.steal_ns - a.steal_ns) / ((t1 - t0) * 1e9);
	if (cpu)
		*cpu = 100.0 * (b.cpu_ns - a.cpu_ns) / ((t1 - t0) * 1e9);
	vmon_nl_vm_free(&a);
	vmon_nl_vm_free(&b);
	return share;
}

TEST_F_TIMEOUT(acct, steal_follows_cpu_hog, 180)
{
	double idle, loaded, after, cpu;
	struct vmon_nl_event ev;
	struct vmon_nl_vm vm;
	struct hog hog;
	uint32_t id;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, guest_add_vcpu(&self->g, 0));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-steal", &id));
	ASSERT_EQ(0, guest_start(&self->g));
	ASSERT_EQ(0, vmon_nl_set_threshold(self->nl, id, 2500, 250));

	idle = steal_share(self->nl, id, 2, &cpu);
	TH_LOG("steal alone on CPU 0: %.1f%% (vCPU CPU use %.1f%%)", idle, cpu);
	EXPECT_LE(0, idle);
	EXPECT_GT(10, idle);
	EXPECT_LT(50, cpu);
	/* Always runnable: every nanosecond is either run or waited. */
	EXPECT_GT(6, fabs(idle + cpu - 100));

	/*
	 * A hog on the same CPU: CFS gives each half, so steal ~50%. Accepted:
	 * within 20 points of that (under TCG a vCPU in guest mode can overrun
	 * its slice: 39% was seen once, with the vCPU getting 58% of the CPU);
	 * exact: steal is what the vCPU did not run.
	 */
	ASSERT_EQ(0, hog_start(&hog, 0));
	usleep(500 * 1000);
	loaded = steal_share(self->nl, id, 3, &cpu);
	TH_LOG("steal with a hog on CPU 0: %.1f%% (vCPU CPU use %.1f%%)", loaded, cpu);
	EXPECT_LE(30, loaded);
	EXPECT_GE(70, loaded);
	EXPECT_GT(6, fabs(loaded + cpu - 100));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_STEAL_OVER, id, 3, &ev));
	EXPECT_LE(2500u, ev.steal_pct);
	EXPECT_EQ(2500u, ev.threshold);
	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, id, NULL, true, &vm));
	ASSERT_EQ(1u, vm.n_vcpus);
	EXPECT_EQ((uint32_t)self->g.tid[0], vm.vcpus[0].tid);
	EXPECT_EQ(vm.steal_ns, vm.vcpus[0].steal_ns);
	EXPECT_EQ(2500u, vm.threshold);
	vmon_nl_vm_free(&vm);
	hog_stop(&hog);

	usleep(500 * 1000);
	after = steal_share(self->nl, id, 2, NULL);
	TH_LOG("steal after the hog stopped: %.1f%%", after);
	EXPECT_LE(0, after);
	EXPECT_GT(10, after);
	EXPECT_EQ(0, self->g.run_err);
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Raw requests, built with libnl, to see what the policy refuses. */
struct raw {
	struct nl_sock *sk;
	int family;
};

static int raw_open(struct raw *r)
{
	r->sk = nl_socket_alloc();
	if (!r->sk || genl_connect(r->sk))
		return -1;
	r->family = genl_ctrl_resolve(r->sk, VMON_GENL_NAME);
	return r->family < 0 ? -1 : 0;
}

struct raw_state {
	bool done;
	int err;
};

static int raw_on_done(struct nl_msg *msg, void *arg)
{
	struct raw_state *st = arg;

	(void)msg;
	st->done = true;
	return NL_STOP;
}

static int raw_on_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct raw_state *st = arg;

	(void)who;
	st->err = e->error;
	st->done = true;
	return NL_STOP;
}

/* Send cmd with attributes from fill; 0 or the kernel's -errno. */
static int raw_req(struct raw *r, int cmd, int flags, void (*fill)(struct nl_msg *, void *),
		   void *arg)
{
	struct raw_state st = { 0 };
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb;
	int ret;

	if (!msg)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, r->family, 0, flags, cmd, VMON_GENL_VERSION);
	if (fill)
		fill(msg, arg);
	ret = nl_send_auto(r->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return -EIO;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, raw_on_done, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, raw_on_done, &st);
	nl_cb_err(cb, NL_CB_CUSTOM, raw_on_err, &st);
	while (!st.done)
		if (nl_recvmsgs(r->sk, cb) < 0 && !st.done) {
			st.err = -EIO;
			break;
		}
	nl_cb_put(cb);
	return st.err;
}

static void put_u32(struct nl_msg *m, void *a)
{
	const uint32_t *v = a;

	nla_put_u32(m, v[0], v[1]);
}

static void put_u64(struct nl_msg *m, void *a)
{
	const uint32_t *v = a;

	nla_put_u64(m, v[0], v[1]);
}

static void put_str(struct nl_msg *m, void *a)
{
	nla_put_string(m, VMON_A_VM_NAME, a);
}

static void put_bad_nest(struct nl_msg *m, void *a)
{
	struct nlattr *n = nla_nest_start(m, VMON_A_DEV);

	(void)a;
	nla_put_u32(m, VMON_DEV_A_MAX + 1, 1);
	nla_nest_end(m, n);
}

static void put_trailing(struct nl_msg *m, void *a)
{
	/* An attribute header claiming 2 bytes: less than a header. */
	static const unsigned char junk[4] = { 2, 0, 1, 0 };

	(void)a;
	nlmsg_append(m, (void *)junk, sizeof(junk), 0);
}

TEST_F(acct, netlink_strict_policy)
{
	uint32_t id, a[2];
	char longname[200];
	struct raw r;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-nl", &id));
	ASSERT_EQ(0, raw_open(&r));
	nl_socket_disable_seq_check(r.sk);

	a[0] = VMON_A_VM_ID;
	a[1] = id;
	EXPECT_EQ(0, raw_req(&r, VMON_CMD_STATS_GET, 0, put_u32, a));
	/* Unknown attribute type. */
	a[0] = VMON_A_MAX + 1;
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_VM_GET, 0, put_u32, a));
	/* A reply-only attribute in a request. */
	a[0] = VMON_A_STEAL_NS;
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_VM_GET, 0, put_u64, a));
	/* Wrong size: a u64 where a u32 belongs. */
	a[0] = VMON_A_VM_ID;
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_VM_GET, 0, put_u64, a));
	/* Out of range. */
	a[1] = 0;
	EXPECT_EQ(-ERANGE, raw_req(&r, VMON_CMD_VM_GET, 0, put_u32, a));
	a[0] = VMON_A_INTERVAL_MS;
	a[1] = 99;
	EXPECT_EQ(-ERANGE, raw_req(&r, VMON_CMD_SET_THRESHOLD, 0, put_u32, a));
	a[0] = VMON_A_EST_PAGES;
	a[1] = 262145;
	EXPECT_EQ(-ERANGE, raw_req(&r, VMON_CMD_KSM_ESTIMATE, 0, put_u32, a));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_GT(0, raw_req(&r, VMON_CMD_VM_GET, 0, put_str, longname));
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_DEV_GET, 0, put_bad_nest, NULL));
	a[0] = VMON_A_VM_ID;
	a[1] = id;
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_VM_GET, 0, put_trailing, NULL));
	/* Also in dumps. */
	a[0] = VMON_A_MAX + 1;
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_DEV_GET, NLM_F_DUMP, put_u32, a));
	/* Missing what the command needs, unknown commands. */
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_STATS_GET, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, raw_req(&r, VMON_CMD_SET_THRESHOLD, 0, NULL, NULL));
	EXPECT_EQ(-EOPNOTSUPP, raw_req(&r, VMON_CMD_EVENT, 0, NULL, NULL));
	EXPECT_EQ(-EOPNOTSUPP, raw_req(&r, 200, 0, NULL, NULL));
	a[0] = VMON_A_VM_ID;
	a[1] = id + 1000;
	EXPECT_EQ(-ENOENT, raw_req(&r, VMON_CMD_VM_GET, 0, put_u32, a));
	nl_socket_free(r.sk);
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Reading another user's VM: perm_test.c. Changing anything: never. */
TEST_F(acct, unprivileged_cannot_change)
{
	struct vmon_nl_event ev;
	int status;
	uint32_t id;
	pid_t pid;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-perm", &id));
	ASSERT_EQ(0, wait_event(self->nl, VMON_EVENT_VM_REGISTERED, id, 5, &ev));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct vmon_nl_vm vm, *vms;
		struct vmon_nl *nl;
		size_t n;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (vmon_nl_open(&nl))
			_exit(11);
		if (vmon_nl_vm_get(nl, id, NULL, true, &vm) != -ENOENT)
			_exit(12);
		if (vmon_nl_vm_list(nl, true, &vms, &n))
			_exit(13);
		vmon_nl_vms_free(vms, n);
		if (vmon_nl_set_threshold(nl, id, 100, 0) != -EPERM)
			_exit(14);
		if (vmon_nl_set_threshold(nl, 0, 0, 500) != -EPERM)
			_exit(15);
		if (vmon_nl_ksm_estimate(nl, id, 16, &vm) != -EPERM)
			_exit(16);
		if (vmon_nl_events_join(nl) != -EPERM)
			_exit(17);
		vmon_nl_close(nl);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Unloading the module with a registered VM and an attached device. */
TEST_F(acct, unload_with_vm_registered)
{
	struct vmon_nl_vm *vms;
	size_t n;
	uint32_t id;

	ASSERT_EQ(0, guest_create(&self->g, 64 * 1024));
	ASSERT_EQ(0, guest_add_vcpu(&self->g, -1));
	ASSERT_EQ(0, guest_start(&self->g));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-unload", &id));
	ASSERT_EQ(0, testdev("attach %u tdev4", id));
	close(self->ctl);
	self->ctl = -1;
	vmon_nl_close(self->nl);
	self->nl = NULL;
	ASSERT_EQ(0, system("modprobe -r vmon"));
	/* The VM itself is fine, and a fresh module knows nothing of it. */
	EXPECT_EQ(0, self->g.run_err);
	ASSERT_EQ(0, load_vmon());
	ASSERT_EQ(0, vmon_nl_open(&self->nl));
	ASSERT_EQ(0, vmon_nl_vm_list(self->nl, false, &vms, &n));
	EXPECT_EQ(0u, n);
	vmon_nl_vms_free(vms, n);
	self->ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-unload", &id));
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

TEST_HARNESS_MAIN
