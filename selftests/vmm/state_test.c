// SPDX-License-Identifier: GPL-2.0
/*
 * The state file's format version (hardening item 19): a state that carries
 * no format record (made before versions) or another version is refused with
 * a message saying so, before any record is read into a struct.
 */
#include <string.h>
#include "kselftest_harness.h"
#include "../../supervisor/vmm/snapshot.h"

TEST(state_format_is_checked)
{
	struct blob b = { 0 };
	char err[256] = "";
	uint32_t meta[4] = { 0 };

	/* an old state: records, but no format record */
	ASSERT_EQ(0, blob_put(&b, 1, 0, meta, sizeof(meta)));
	EXPECT_EQ(-1, state_check_format(&b, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a vmon-vmm state of a known format")) TH_LOG("%s", err);
	blob_free(&b);

	/* the current format */
	ASSERT_EQ(0, state_put_format(&b));
	ASSERT_EQ(0, blob_put(&b, 1, 0, meta, sizeof(meta)));
	EXPECT_EQ(0, state_check_format(&b, err, sizeof(err))) TH_LOG("%s", err);

	/* a later format: the version is the 5th word of the record's data */
	((uint32_t *)(b.buf + 12))[4] += 1;
	EXPECT_EQ(-1, state_check_format(&b, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "state format 4; this vmon-vmm reads format 3 only"))
	TH_LOG("%s", err);
	/* format 1, from before the ACPI PM registers were saved: refused too */
	((uint32_t *)(b.buf + 12))[4] = 1;
	EXPECT_EQ(-1, state_check_format(&b, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "state format 1; this vmon-vmm reads format 3 only"))
	TH_LOG("%s", err);
	/* format 2, the virtio devices' records before the core and the PCI
	 * transport were apart: refused */
	((uint32_t *)(b.buf + 12))[4] = 2;
	EXPECT_EQ(-1, state_check_format(&b, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "state format 2; this vmon-vmm reads format 3 only"))
	TH_LOG("%s", err);

	/* a record too short to be the format */
	blob_free(&b);
	ASSERT_EQ(0, blob_put(&b, 0x464d5456, 0, "vmon", 4));
	EXPECT_EQ(-1, state_check_format(&b, err, sizeof(err)));
	blob_free(&b);
}

TEST_HARNESS_MAIN
