// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libqcow2: header validation names the bad field, feature
 * bits are honoured, extensions are preserved, refcount widths round-trip,
 * data survives reopen, lazy refcounts are repaired on open.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmon/qcow2.h>

#include "kselftest_harness.h"

FIXTURE(img)
{
	char path[64];
};

FIXTURE_SETUP(img)
{
	struct vimg_create_opts o = { .fmt = VIMG_QCOW2, .size = 8 << 20 };

	strcpy(self->path, "/tmp/qcow2_test.XXXXXX");
	ASSERT_LE(0, close(mkstemp(self->path)));
	ASSERT_EQ(0, vimg_create(self->path, &o));
}

FIXTURE_TEARDOWN(img)
{
	unlink(self->path);
}

static void poke(const char *path, off_t off, const void *v, size_t n)
{
	int fd = open(path, O_RDWR);

	if (fd < 0 || pwrite(fd, v, n, off) != (ssize_t)n)
		abort();
	close(fd);
}

static uint64_t peek64(const char *path, off_t off)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || pread(fd, &v, 8, off) != 8)
		abort();
	close(fd);
	return be64toh(v);
}

static void poke32(const char *path, off_t off, uint32_t v)
{
	v = htobe32(v);
	poke(path, off, &v, 4);
}

static void poke64(const char *path, off_t off, uint64_t v)
{
	v = htobe64(v);
	poke(path, off, &v, 8);
}

/* Opening for writing fails and the message contains want. */
static int open_fails_with_rw(const char *path, const char *want)
{
	struct vimg *img;

	if (!vimg_open(path, NULL, VIMG_RDWR, &img)) {
		vimg_close(img);
		return 0;
	}
	return strstr(vimg_strerror(), want) != NULL;
}

/* Opening fails and the message contains want. */
static int open_fails_with(const char *path, const char *want)
{
	struct vimg *img;

	if (!vimg_open(path, NULL, 0, &img)) {
		vimg_close(img);
		return 0;
	}
	return strstr(vimg_strerror(), want) != NULL;
}

TEST_F(img, bad_cluster_bits_named)
{
	poke32(self->path, 20, 30);
	EXPECT_TRUE(open_fails_with(self->path, "cluster_bits"));
}

TEST_F(img, short_header_length_named)
{
	poke32(self->path, 100, 96);
	EXPECT_TRUE(open_fails_with(self->path, "header_length"));
}

TEST_F(img, huge_l1_named)
{
	poke32(self->path, 36, 0x10000000);
	EXPECT_TRUE(open_fails_with(self->path, "l1_size"));
}

TEST_F(img, l1_smaller_than_disk_named)
{
	poke64(self->path, 24, 1ull << 40);
	EXPECT_TRUE(open_fails_with(self->path, "l1_size"));
}

TEST_F(img, huge_refcount_table_named)
{
	poke32(self->path, 56, 0x1000000);
	EXPECT_TRUE(open_fails_with(self->path, "refcount_table_clusters"));
}

TEST_F(img, misaligned_l1_named)
{
	poke64(self->path, 40, 0x30001);
	EXPECT_TRUE(open_fails_with(self->path, "l1_table_offset"));
}

TEST_F(img, l1_overlapping_header_named)
{
	poke64(self->path, 40, 0);
	EXPECT_TRUE(open_fails_with(self->path, "l1_table_offset"));
}

TEST_F(img, refcount_order_named)
{
	poke32(self->path, 96, 7);
	EXPECT_TRUE(open_fails_with(self->path, "refcount_order"));
}

TEST_F(img, unknown_incompatible_bit_refused)
{
	poke64(self->path, 72, 1ull << 40);
	EXPECT_TRUE(open_fails_with(self->path, "incompatible_features"));
}

TEST_F(img, encryption_refused)
{
	poke32(self->path, 32, 1);
	EXPECT_TRUE(open_fails_with(self->path, "crypt_method"));
}

TEST_F(img, autoclear_cleared_on_first_write)
{
	struct vimg *img;
	char buf[512] = "x";

	poke64(self->path, 88, 1ull << 5);
	ASSERT_EQ(0, vimg_open(self->path, NULL, VIMG_RDWR, &img));
	EXPECT_EQ(1ull << 5, peek64(self->path, 88)); /* not before a write */
	ASSERT_EQ(0, vimg_pwrite(img, buf, sizeof(buf), 0));
	EXPECT_EQ(0, vimg_close(img));
	EXPECT_EQ(0ull, peek64(self->path, 88));
}

TEST_F(img, unknown_extension_preserved)
{
	static const uint8_t ext[] = { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 4, 'a', 'b', 'c', 'd',
				       0,    0,	   0,	 0,    0, 0, 0, 0, 0,	0,   0,	  0 };
	struct vimg *img;
	int fd;
	uint8_t h[4096];
	size_t i;
	int found = 0;

	/* replace the extensions with ours, then let a header rewrite happen */
	poke(self->path, 112, ext, sizeof(ext));
	ASSERT_EQ(0, vimg_open(self->path, NULL, VIMG_RDWR, &img));
	ASSERT_EQ(0, vimg_set_backing(img, "base.raw", "raw"));
	ASSERT_EQ(0, vimg_close(img));
	fd = open(self->path, O_RDONLY);
	ASSERT_EQ((ssize_t)sizeof(h), pread(fd, h, sizeof(h), 0));
	close(fd);
	for (i = 112; i + 12 < sizeof(h); i++)
		if (!memcmp(h + i, ext, 12))
			found = 1;
	EXPECT_TRUE(found);
}

TEST_F(img, backing_format_extension_read_back)
{
	struct vimg *img;
	struct qcow2_info qi;
	int fd = open("/tmp/qcow2_test.base", O_CREAT | O_RDWR | O_TRUNC, 0644);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8 << 20));
	close(fd);
	ASSERT_EQ(0, vimg_open(self->path, NULL, VIMG_RDWR, &img));
	ASSERT_EQ(0, vimg_set_backing(img, "/tmp/qcow2_test.base", "raw"));
	ASSERT_EQ(0, vimg_close(img));
	ASSERT_EQ(0, vimg_open(self->path, NULL, 0, &img));
	ASSERT_EQ(0, qcow2_get_info(img, &qi));
	EXPECT_STREQ("raw", qi.backing_fmt);
	EXPECT_STREQ("/tmp/qcow2_test.base", qi.backing_file);
	EXPECT_NE(NULL, vimg_backing(img));
	vimg_close(img);
	unlink("/tmp/qcow2_test.base");
}

TEST(refcount_widths_round_trip)
{
	int bits;

	for (bits = 1; bits <= 64; bits *= 2) {
		struct vimg_create_opts o = { .fmt = VIMG_QCOW2,
					      .size = 4 << 20,
					      .refcount_bits = bits,
					      .cluster_size = 4096 };
		struct qcow2_check_result r;
		struct vimg *img;
		char buf[4096];
		int i;

		ASSERT_EQ(0, vimg_create("/tmp/qcow2_test.rc", &o));
		ASSERT_EQ(0, vimg_open("/tmp/qcow2_test.rc", NULL, VIMG_RDWR, &img));
		for (i = 0; i < 100; i++) {
			memset(buf, i + 1, sizeof(buf));
			ASSERT_EQ(0, vimg_pwrite(img, buf, sizeof(buf),
						 (uint64_t)i * 4096 * 7 % (4 << 20)));
		}
		ASSERT_EQ(0, qcow2_check(img, 0, &r, NULL));
		EXPECT_EQ(0ull, r.corruptions);
		EXPECT_EQ(0ull, r.leaks);
		ASSERT_EQ(0, vimg_close(img));
		ASSERT_EQ(0, vimg_open("/tmp/qcow2_test.rc", NULL, 0, &img));
		ASSERT_EQ(0, vimg_pread(img, buf, sizeof(buf), 99ull * 4096 * 7 % (4 << 20)));
		EXPECT_EQ(100, buf[100]);
		vimg_close(img);
	}
	unlink("/tmp/qcow2_test.rc");
}

TEST_F(img, data_survives_reopen_and_zeroes_read_zero)
{
	struct vimg *img;
	char w[10000], r[10000];

	memset(w, 0xab, sizeof(w));
	ASSERT_EQ(0, vimg_open(self->path, NULL, VIMG_RDWR, &img));
	ASSERT_EQ(0, vimg_pwrite(img, w, sizeof(w), 65000));
	ASSERT_EQ(0, vimg_pwrite_zeroes(img, 65536, 65536));
	ASSERT_EQ(0, vimg_close(img));
	ASSERT_EQ(0, vimg_open(self->path, NULL, 0, &img));
	ASSERT_EQ(0, vimg_pread(img, r, sizeof(r), 65000));
	EXPECT_EQ(0, memcmp(r, w, 536));
	EXPECT_EQ(0, r[536]);
	EXPECT_EQ(0, r[sizeof(r) - 1]);
	vimg_close(img);
}

TEST_F(img, read_past_end_refused)
{
	struct vimg *img;
	char b[16];

	ASSERT_EQ(0, vimg_open(self->path, NULL, 0, &img));
	EXPECT_NE(0, vimg_pread(img, b, sizeof(b), (8 << 20) - 8));
	vimg_close(img);
}

/* The first cluster (header) of the image, for comparison after a refused write. */
static void read_header(const char *path, uint8_t *h)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0 || pread(fd, h, 65536, 0) != 65536)
		abort();
	close(fd);
}

/* qemu-img, the oracle, reports the image as corrupt. */
static int qemu_img_says_corrupt(const char *path)
{
	char cmd[200], line[256];
	int found = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "qemu-img info --output=json '%s' 2>&1", path);
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\"corrupt\": true"))
			found = 1;
	pclose(f);
	return found;
}

/* A refused write: EIO, the message names want, the header is untouched but the corrupt bit. */
static void expect_refused_and_corrupt(struct __test_metadata *_metadata, const char *path,
				       uint64_t l1e, const char *want)
{
	static uint8_t before[65536], after[65536];
	struct vimg *img;
	char w[4096];

	poke64(path, 0x30000, l1e);
	read_header(path, before);
	memset(w, 0x5a, sizeof(w));
	ASSERT_EQ(0, vimg_open(path, NULL, VIMG_RDWR, &img));
	EXPECT_EQ(-EIO, vimg_pwrite(img, w, sizeof(w), 0));
	EXPECT_NE(NULL, strstr(vimg_strerror(), want)) TH_LOG("error: %s", vimg_strerror());
	EXPECT_EQ(-EIO, vimg_pread(img, w, sizeof(w), 0)); /* no further I/O */
	vimg_close(img);
	read_header(path, after);
	EXPECT_EQ(0, memcmp(before, after, 72));
	EXPECT_EQ(be64toh(*(uint64_t *)(before + 72)) | 2, be64toh(*(uint64_t *)(after + 72)));
	EXPECT_EQ(0, memcmp(before + 80, after + 80, sizeof(before) - 80));
	EXPECT_TRUE(open_fails_with_rw(path, "marked corrupt"));
	EXPECT_TRUE(qemu_img_says_corrupt(path));
}

/*
 * hardening item 17: an L1 entry naming an L2 table inside the header
 * cluster (offset 512, COPIED) must not let a guest write land on the
 * header: the write is refused and the image marked corrupt.
 */
TEST_F(img, l1_entry_into_header_refused_and_marked_corrupt)
{
	expect_refused_and_corrupt(_metadata, self->path, (1ull << 63) | 0x200, "L1 entry 0");
}

/* hardening item 17: reserved bits of an L1 entry are refused on the write path. */
TEST_F(img, l1_entry_reserved_bits_refused)
{
	expect_refused_and_corrupt(_metadata, self->path, (1ull << 63) | 0x40000 | 0x4,
				   "reserved bits");
}

/*
 * hardening item 17: an L2 entry naming the L1 table's cluster as guest data
 * (COPIED: written in place) fails the metadata overlap check; the L1 table
 * is not overwritten.
 */
TEST_F(img, l2_entry_onto_l1_table_refused_by_overlap_check)
{
	struct vimg *img;
	uint64_t l2off, l1e;
	char w[4096];

	memset(w, 0x11, sizeof(w));
	ASSERT_EQ(0, vimg_open(self->path, NULL, VIMG_RDWR, &img));
	ASSERT_EQ(0, vimg_pwrite(img, w, sizeof(w), 0));
	ASSERT_EQ(0, vimg_close(img));
	l1e = peek64(self->path, 0x30000);
	l2off = l1e & 0x00fffffffffffe00ull;
	ASSERT_NE(0ull, l2off);
	poke64(self->path, l2off, (1ull << 63) | 0x30000);
	expect_refused_and_corrupt(_metadata, self->path, l1e, "would overwrite the active L1");
	EXPECT_EQ(l1e, peek64(self->path, 0x30000));
}

/* hardening item 17: the snapshot path validates L1 entries too. */
TEST_F(img, snapshot_with_bad_l1_entry_refused)
{
	struct vimg *img;

	poke64(self->path, 0x30000, (1ull << 63) | 0x200);
	ASSERT_EQ(0, vimg_open(self->path, NULL, VIMG_RDWR, &img));
	EXPECT_NE(0, qcow2_snapshot_create(img, "s1"));
	EXPECT_NE(NULL, strstr(vimg_strerror(), "L1 entry 0")) TH_LOG("error: %s", vimg_strerror());
	vimg_close(img);
	EXPECT_TRUE(qemu_img_says_corrupt(self->path));
}

TEST(lazy_refcounts_dirty_image_repaired_on_open)
{
	struct vimg_create_opts o = { .fmt = VIMG_QCOW2, .size = 8 << 20, .lazy_refcounts = true };
	struct qcow2_check_result r;
	struct vimg *img;
	char buf[4096] = { 1 };
	pid_t pid;
	int st;

	ASSERT_EQ(0, vimg_create("/tmp/qcow2_test.lazy", &o));
	pid = fork();
	if (pid == 0) {
		/* write, flush data but die without closing: dirty bit stays */
		if (vimg_open("/tmp/qcow2_test.lazy", NULL, VIMG_RDWR, &img))
			_exit(1);
		for (int i = 0; i < 50; i++)
			vimg_pwrite(img, buf, sizeof(buf), i * 131072ull);
		vimg_flush(img);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(1ull, peek64("/tmp/qcow2_test.lazy", 72) & 1); /* dirty */
	ASSERT_EQ(0, vimg_open("/tmp/qcow2_test.lazy", NULL, VIMG_RDWR, &img));
	EXPECT_EQ(0ull, peek64("/tmp/qcow2_test.lazy", 72) & 1); /* repaired, clean */
	ASSERT_EQ(0, qcow2_check(img, 0, &r, NULL));
	EXPECT_EQ(0ull, r.corruptions);
	EXPECT_EQ(0ull, r.leaks);
	vimg_close(img);
	unlink("/tmp/qcow2_test.lazy");
}

TEST(parse_size)
{
	uint64_t v;

	ASSERT_EQ(0, vimg_parse_size("64k", &v));
	EXPECT_EQ(65536ull, v);
	ASSERT_EQ(0, vimg_parse_size("1.5G", &v));
	EXPECT_EQ(3ull << 29, v);
	EXPECT_EQ(-1, vimg_parse_size("12q", &v));
	EXPECT_EQ(-1, vimg_parse_size("", &v));
}

TEST_HARNESS_MAIN
