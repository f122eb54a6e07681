/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the accounting tests: loading vmon with its test hook,
 * registering VMs, driving the pretend devices of kmod/testdev.c.
 */
#ifndef VMON_TEST_ACCT_UTIL_H
#define VMON_TEST_ACCT_UTIL_H

#include <stdint.h>

#define TEST_DEV "/sys/kernel/debug/vmon/test_dev"

/* Seconds on the monotonic clock. */
double now_s(void);
/* Load vmon with its test hook, reloading it if it is loaded without. */
int load_vmon(void);
/* Write one command to the test hook; 0 or -errno. */
int testdev(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* VMON_VM_REGISTER of vm_fd under name on /dev/vmon fd ctl; 0 or -errno. */
int vm_register(int ctl, int vm_fd, const char *name, uint32_t *id);
int vm_unregister(int ctl, uint32_t id);

#endif /* VMON_TEST_ACCT_UTIL_H */
