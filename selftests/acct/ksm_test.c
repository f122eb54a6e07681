// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM KSM: the dedup estimator (random memory, one repeated page, its
 * cost against a read pass) and KSM advice and figures. Needs root, /dev/kvm (nested under the test
 * VM) and vmon.ko with test_hooks=1 (the fixture reloads it so).
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

static void fill_random(void *p, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = getrandom((char *)p + off, len - off > 65536 ? 65536 : len - off, 0);
		if (n <= 0)
			abort();
		off += n;
	}
}

TEST_F_TIMEOUT(acct, dedup_estimator, 300)
{
	size_t size = 64 << 20, i;
	struct vmon_nl_vm est, vm;
	uint64_t sum = 0;
	double t0, ref;
	uint32_t id;

	ASSERT_EQ(0, guest_create(&self->g, size));
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-est", &id));

	/* Never touched: all zero, nothing faulted in by the estimator. */
	ASSERT_EQ(0, vmon_nl_ksm_estimate(self->nl, id, 2048, &est));
	EXPECT_EQ(2048u, est.est_pages);
	EXPECT_LE(2048u - 2, est.est_zero); /* the code page is not zero */
	EXPECT_LE(9900u, est.est_pct);
	vmon_nl_vm_free(&est);
	/* Rate limit. */
	EXPECT_EQ(-EBUSY, vmon_nl_ksm_estimate(self->nl, id, 16, &est));

	fill_random(self->g.mem, size);
	usleep(1100 * 1000);
	ASSERT_EQ(0, vmon_nl_ksm_estimate(self->nl, id, 4096, &est));
	TH_LOG("random: %u of %u pages mergeable (%u zero), %.1f ms, %.0f ms per GiB sampled",
	       est.est_zero + est.est_dup, est.est_pages, est.est_zero, est.est_cost_ns / 1e6,
	       est.est_cost_ns / 1e6 * (262144.0 / est.est_pages));
	/* Reference in the same run: one userspace read pass over as many pages. */
	t0 = now_s();
	for (i = 0; i < est.est_pages; i++) {
		const volatile uint64_t *p =
			(const uint64_t *)((char *)self->g.mem +
					   (i * (size / PAGE) / est.est_pages) * PAGE);
		size_t w;

		for (w = 0; w < PAGE / 8; w++)
			sum ^= p[w];
	}
	ref = now_s() - t0;
	(void)sum;
	printf("# estimator cost: %.0f ms per GiB sampled (4096 pages of random data); "
	       "%.1fx a userspace read of the same pages (%.1f ms)\n",
	       est.est_cost_ns / 1e6 * (262144.0 / est.est_pages), est.est_cost_ns / 1e9 / ref,
	       ref * 1e3);
	fflush(stdout);
	EXPECT_EQ(4096u, est.est_pages);
	EXPECT_GE(1000u, est.est_pct);
	EXPECT_EQ((uint64_t)(size / PAGE), est.guest_pages);
	vmon_nl_vm_free(&est);

	/* Every page the same non-zero pattern. */
	for (i = 0; i < size; i += PAGE)
		memset((char *)self->g.mem + i, 0x5a, PAGE);
	usleep(1100 * 1000);
	ASSERT_EQ(0, vmon_nl_ksm_estimate(self->nl, id, 4096, &est));
	TH_LOG("one pattern: %u zero, %u duplicate of %u", est.est_zero, est.est_dup,
	       est.est_pages);
	EXPECT_LE(9000u, est.est_pct);
	EXPECT_EQ(0u, est.est_zero);
	vmon_nl_vm_free(&est);

	/* The last estimate shows in STATS_GET. */
	ASSERT_EQ(0, vmon_nl_vm_get(self->nl, id, NULL, true, &vm));
	EXPECT_TRUE(vm.has_est);
	EXPECT_LE(9000u, vm.est_pct);
	vmon_nl_vm_free(&vm);
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

/* Does the mapping that holds addr carry VmFlags "mg" in smaps? */
static int smaps_mergeable(void *addr)
{
	unsigned long a = (unsigned long)addr, lo, hi;
	char line[512];
	bool in = false;
	int ret = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = a >= lo && a < hi;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			ret = strstr(line, " mg") != NULL;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int ksm_advise(int ctl, uint32_t id, uint32_t advice, uint64_t start, uint64_t len,
		      uint32_t *vmas)
{
	struct vmon_ksm_advise a;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.advice = advice;
	a.start = start;
	a.len = len;
	if (ioctl(ctl, VMON_VM_KSM_ADVISE, &a))
		return -errno;
	if (vmas)
		*vmas = a.vmas;
	return 0;
}

static void write_sys(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

TEST_F_TIMEOUT(acct, ksm_advise_and_figures, 180)
{
	size_t size = 8 << 20, i;
	unsigned long base;
	struct vmon_nl_vm vm;
	uint32_t id, vmas = 0;
	double end;

	ASSERT_EQ(0, guest_create(&self->g, size));
	base = (unsigned long)self->g.mem;
	ASSERT_EQ(0, vm_register(self->ctl, self->g.vm_fd, "acct-ksm", &id));
	EXPECT_EQ(0, smaps_mergeable(self->g.mem));

	EXPECT_EQ(-EINVAL, ksm_advise(self->ctl, id, 3, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, base + 1, PAGE, NULL));
	EXPECT_EQ(-EINVAL, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, base, size + PAGE, NULL));
	EXPECT_EQ(-EINVAL, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, PAGE, PAGE, NULL));
	EXPECT_EQ(-ENOENT, ksm_advise(self->ctl, id + 1000, VMON_KSM_MERGEABLE, 0, 0, NULL));
	/*
	 * Hardening item 8: half of the guest RAM mapping is inside the slot
	 * but the mapping is not; the module cannot split it, so it refuses
	 * and leaves the whole mapping as it was (it used to advise it all).
	 */
	EXPECT_EQ(-EINVAL, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, base, size / 2, NULL));
	EXPECT_EQ(-EINVAL, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, base + PAGE, PAGE, NULL));
	EXPECT_EQ(0, smaps_mergeable(self->g.mem));

	ASSERT_EQ(0, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, 0, 0, &vmas));
	EXPECT_EQ(1u, vmas);
	EXPECT_EQ(1, smaps_mergeable(self->g.mem));
	ASSERT_EQ(0, ksm_advise(self->ctl, id, VMON_KSM_UNMERGEABLE, base, size, &vmas));
	EXPECT_EQ(1u, vmas);
	EXPECT_EQ(0, smaps_mergeable(self->g.mem));

	/* ksmd merges the identical pages; the VM's figures show it. */
	for (i = 0; i < size; i += PAGE)
		memset((char *)self->g.mem + i, 0xa5, PAGE);
	ASSERT_EQ(0, ksm_advise(self->ctl, id, VMON_KSM_MERGEABLE, 0, 0, &vmas));
	write_sys("/sys/kernel/mm/ksm/pages_to_scan", "4096");
	write_sys("/sys/kernel/mm/ksm/sleep_millisecs", "10");
	write_sys("/sys/kernel/mm/ksm/run", "1");
	memset(&vm, 0, sizeof(vm));
	for (end = now_s() + 60; now_s() < end; usleep(500 * 1000)) {
		ASSERT_EQ(0, vmon_nl_vm_get(self->nl, id, NULL, true, &vm));
		if (vm.ksm_merging_pages >= size / PAGE / 2)
			break;
		vmon_nl_vm_free(&vm);
	}
	TH_LOG("ksm: %" PRIu64 " merging pages, %" PRIu64 " rmap items", vm.ksm_merging_pages,
	       vm.ksm_rmap_items);
	EXPECT_LE(size / PAGE / 2, vm.ksm_merging_pages);
	EXPECT_LE(vm.ksm_merging_pages, vm.ksm_rmap_items);
	vmon_nl_vm_free(&vm);
	write_sys("/sys/kernel/mm/ksm/run", "2");
	EXPECT_EQ(0, vm_unregister(self->ctl, id));
}

TEST_HARNESS_MAIN
