/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the accounting kselftests (acct_test.c, ksm_test.c): vmon
 * loaded with test_hooks=1, /dev/vmon, a netlink client joined to the
 * events group, and a minimal KVM guest. Include after kselftest_harness.h.
 */
#ifndef VMON_SELFTEST_ACCT_FIXTURE_H
#define VMON_SELFTEST_ACCT_FIXTURE_H

/* Wait for an event of type want about vm_id; -ETIMEDOUT after secs. */
static inline int wait_event(struct vmon_nl *nl, uint32_t want, uint32_t vm_id, double secs,
			     struct vmon_nl_event *ev)
{
	double end = now_s() + secs;
	int ret;

	while (now_s() < end) {
		ret = vmon_nl_event_wait(nl, (int)((end - now_s()) * 1000) + 1, ev);
		if (ret == -ETIMEDOUT)
			break;
		if (ret)
			return ret;
		if (ev->event == want && ev->vm_id == vm_id)
			return 0;
	}
	return -ETIMEDOUT;
}

/* The first device of VM vm_id, from a DEV_GET dump. */
static inline int first_dev(struct vmon_nl *nl, uint32_t vm_id, struct vmon_nl_dev *dev)
{
	struct vmon_nl_dev *devs;
	size_t n;
	int ret;

	ret = vmon_nl_dev_list(nl, vm_id, &devs, &n);
	if (ret)
		return ret;
	if (n)
		*dev = devs[0];
	free(devs);
	return n ? 0 : -ENOENT;
}

FIXTURE(acct)
{
	int ctl;
	struct vmon_nl *nl;
	struct guest g;
};

FIXTURE_SETUP(acct)
{
	self->g.vm_fd = self->g.kvm_fd = -1;
	ASSERT_EQ(0, load_vmon()) TH_LOG("cannot load vmon with test_hooks=1");
	if (!guest_kvm_available())
		SKIP(return, "no usable /dev/kvm");
	self->ctl = open("/dev/vmon", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, vmon_nl_open(&self->nl));
	ASSERT_EQ(0, vmon_nl_events_join(self->nl));
	ASSERT_EQ(0, vmon_nl_set_threshold(self->nl, 0, 0, 100));
}

FIXTURE_TEARDOWN(acct)
{
	if (self->nl) {
		vmon_nl_set_threshold(self->nl, 0, 0, 1000);
		vmon_nl_close(self->nl);
	}
	if (self->g.vm_fd >= 0)
		guest_destroy(&self->g);
	if (self->ctl > 0)
		close(self->ctl);
}

#endif /* VMON_SELFTEST_ACCT_FIXTURE_H */
