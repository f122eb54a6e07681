// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading vmon.ko many times leaks nothing: the control
 * device comes and goes with the module, and the kernel's unreclaimable
 * slab and free memory are where they were.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../lib/meminfo.h"

#define CYCLES 100

static void write_one(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		perror(path);
	close(fd);
}

/*
 * Shrink every slab cache: it gives back empty slabs, and on a KASAN kernel
 * it also frees what KASAN's quarantine holds of that cache (kmem_cache_shrink
 * calls kasan_cache_shrink), which otherwise shows as hundreds of KiB of
 * SUnreclaim that nothing leaked (measured: +380 KiB after 100 cycles on the
 * sanitizer kernel without this).
 */
static void shrink_slabs(void)
{
	char path[300];
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/slab");

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", d->d_name);
		write_one(path, "1");
	}
	closedir(dir);
}

static void settle(void)
{
	sync();
	write_one("/proc/sys/vm/drop_caches", "3");
	usleep(200 * 1000);
	shrink_slabs();
}

static int load(int modfd)
{
	return syscall(SYS_finit_module, modfd, "", 0) ? -errno : 0;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "vmon", O_NONBLOCK) ? -errno : 0;
}

static bool node_exists(void)
{
	struct stat st;

	return stat("/dev/vmon", &st) == 0 && S_ISCHR(st.st_mode);
}

TEST(load_unload_cycles_leak_nothing)
{
	long slab0, free0, vm0, slab1, free1, vm1;
	struct utsname u;
	char path[512];
	int modfd, i;

	/* modprobe once to bring in dependencies, then cycle vmon alone. */
	ASSERT_EQ(0, system("modprobe vmon"));
	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, uname(&u));
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/vmon.ko", u.release);
	modfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, modfd) TH_LOG("%s: %s", path, strerror(errno));

	/*
	 * Warm-up cycles so that first-use allocations do not count. One is
	 * not enough: measured with the accounting parts in, MemAvailable
	 * fell 4.6 MiB over the first 10 cycles and 1.0 MiB over the next 100
	 * (slab flat). Likely cause, not proven: each load takes a fresh range
	 * of the module area until lazy vmap purging recycles ranges, and the
	 * kernel page tables for those ranges are never freed.
	 */
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, load(modfd));
		ASSERT_EQ(0, unload());
	}
	settle();
	slab0 = meminfo_kib("SUnreclaim");
	free0 = meminfo_kib("MemAvailable");
	vm0 = meminfo_kib("VmallocUsed");
	ASSERT_LT(0, slab0);
	ASSERT_LT(0, vm0);

	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, load(modfd)) TH_LOG("load %d", i);
		ASSERT_TRUE(node_exists()) TH_LOG("no /dev/vmon after load %d", i);
		ASSERT_EQ(0, unload()) TH_LOG("unload %d", i);
		ASSERT_FALSE(node_exists()) TH_LOG("/dev/vmon left after unload %d", i);
	}
	settle();
	slab1 = meminfo_kib("SUnreclaim");
	free1 = meminfo_kib("MemAvailable");
	vm1 = meminfo_kib("VmallocUsed");
	close(modfd);
	TH_LOG("after %d cycles: SUnreclaim %+ld KiB, VmallocUsed %+ld KiB, MemAvailable %+ld KiB",
	       CYCLES, slab1 - slab0, vm1 - vm0, free1 - free0);
	/*
	 * Slab: one leaked kmalloc of a page per cycle is +400 KiB and fails;
	 * background noise is a few KiB. Vmalloc: pages of the module image
	 * and of every vmalloc/kvmalloc, counted exactly (freed at vfree even
	 * though the address range is purged lazily), so a page per cycle
	 * fails here too. MemAvailable is the coarse backstop for anything
	 * else, of 160 KiB or more per cycle: it also moves with the kernel
	 * page tables of fresh module-area ranges and the pages the per-CPU
	 * free lists hold, which no drop_caches empties: with nothing
	 * leaked, measured -5.8 MiB after 100 cycles and +16.4 MiB after 200
	 * (the module has a bio set since blk/bio.c), and -17.1 MiB after 100
	 * in a clean-clone make check of 2026-12-04 with slab -40 KiB and
	 * vmalloc +0 KiB, where 16 MiB failed: the backstop sits at twice the
	 * noise, 320 KiB or more per cycle. Replacing it with page counts that
	 * page cache and per-CPU lists do not move is an open item.
	 */
	EXPECT_LT(slab1 - slab0, 256);
	EXPECT_LT(vm1 - vm0, 128);
	EXPECT_LT(free0 - free1, 32768);
}

TEST(unload_while_open_is_refused)
{
	int fd;

	ASSERT_EQ(0, system("modprobe vmon"));
	fd = open("/dev/vmon", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, unload());
	close(fd);
	EXPECT_EQ(0, unload());
	EXPECT_FALSE(node_exists());
}

TEST_HARNESS_MAIN
