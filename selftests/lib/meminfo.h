/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/meminfo for the leak checks of the tests. */
#ifndef VMON_TEST_MEMINFO_H
#define VMON_TEST_MEMINFO_H

/* The value of field @key ("MemFree", "SUnreclaim", ...) in KiB, or -1. */
long meminfo_kib(const char *key);

#endif /* VMON_TEST_MEMINFO_H */
