// SPDX-License-Identifier: GPL-2.0
/*
 * libstorage's XML on the host: pool and volume golden files (parse,
 * format, compare, round trip, libvirt's RNG schemas through
 * virt-xml-validate), libvirt's units, refusals with their line:column,
 * a generated pool uuid, find-storage-pool-sources' XML.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../lib/golden.h"
#include <vmon/storage.h>

#define GOLDEN "selftests/storage/golden"

/* Parse in, format: the text (malloc'd) or NULL with err. */
static char *reformat(const char *xml, bool pool, struct vmon_xml_error *err)
{
	struct vmon_pool_def *p;
	struct vmon_vol_def *v;
	char *out;

	if (pool) {
		if (vmon_pool_parse(xml, strlen(xml), &p, err))
			return NULL;
		out = vmon_pool_format(p);
		vmon_pool_def_free(p);
	} else {
		if (vmon_vol_parse(xml, strlen(xml), &v, err))
			return NULL;
		out = vmon_vol_format(v);
		vmon_vol_def_free(v);
	}
	return out;
}

static int golden_one(struct __test_metadata *_metadata, const char *name)
{
	bool pool = !strncmp(name, "pool-", 5);
	char in[512], out[512], *src, *want, *got, *again;
	struct vmon_xml_error err;

	snprintf(in, sizeof(in), GOLDEN "/%s.xml", name);
	snprintf(out, sizeof(out), GOLDEN "/%s.out", name);
	src = golden_slurp(in);
	want = golden_slurp(out);
	EXPECT_NE(NULL, want) TH_LOG("%s missing", out);
	if (!src || !want)
		return -1;
	got = reformat(src, pool, &err);
	EXPECT_NE(NULL, got) TH_LOG("%s: %d:%d: %s", in, err.line, err.column, err.msg);
	if (!got)
		return -1;
	EXPECT_STREQ(want, got) TH_LOG("%s", in);
	EXPECT_EQ(0, golden_schema_valid(got, pool ? "storagepool" : "storagevol"))
	TH_LOG("%s: not valid", out);
	again = reformat(got, pool, &err);
	EXPECT_STREQ(got, again) TH_LOG("%s: not a fixed point", in);
	free(src);
	free(want);
	free(got);
	free(again);
	return 0;
}

static int golden_cb(void *m, const char *name)
{
	return golden_one(m, name);
}

TEST(golden_files)
{
	int failed, n = golden_for_each(GOLDEN, golden_cb, _metadata, &failed);

	EXPECT_EQ(0, failed);
	EXPECT_LE(6, n);
}

TEST(units)
{
	static const struct {
		const char *value, *unit;
		uint64_t bytes;
	} ok[] = {
		{ "7", NULL, 7 },
		{ "7", "b", 7 },
		{ "7", "bytes", 7 },
		{ "2", "KB", 2000 },
		{ "2", "k", 2048 },
		{ "2", "K", 2048 },
		{ "2", "KiB", 2048 },
		{ "3", "MB", 3000000 },
		{ "3", "M", 3 << 20 },
		{ "3", "MiB", 3 << 20 },
		{ "1", "GB", 1000000000 },
		{ "1", "G", 1 << 30 },
		{ "1", "TiB", 1ULL << 40 },
		{ "1", "PB", 1000000000000000ULL },
		{ "15", "EiB", 15ULL << 60 },
	};
	static const struct {
		const char *value, *unit, *why;
	} bad[] = {
		{ "1", "furlong", "unknown unit 'furlong'" },
		{ "1", "KX", "unknown unit 'KX'" },
		{ "1", "iB", "unknown unit 'iB'" },
		{ "1", "Kibi", "unknown unit 'Kibi'" },
		{ "-1", NULL, "not a whole number" },
		{ "1.5", "G", "not a whole number" },
		{ "", "G", "not a whole number" },
		{ "16", "EiB", "too large" },
	};
	char err[200];
	uint64_t b;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		b = 0;
		EXPECT_EQ(0, vmon_size_scale(ok[i].value, ok[i].unit, &b, err, sizeof(err)))
		TH_LOG("%s %s: %s", ok[i].value, ok[i].unit, err);
		EXPECT_EQ(ok[i].bytes, b) TH_LOG("%s %s", ok[i].value, ok[i].unit);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		EXPECT_EQ(-1, vmon_size_scale(bad[i].value, bad[i].unit, &b, err, sizeof(err)));
		EXPECT_NE(NULL, strstr(err, bad[i].why)) TH_LOG("%s: %s", bad[i].value, err);
	}
	/* virsh's sizes on the command line */
	EXPECT_EQ(0, vmon_size_parse("20G", NULL, &b, err, sizeof(err)));
	EXPECT_EQ(20ULL << 30, b);
	EXPECT_EQ(0, vmon_size_parse("512", NULL, &b, err, sizeof(err)));
	EXPECT_EQ(512, b);
	/* either case, as libvirt's virScaleInteger; a bare number in the given unit */
	EXPECT_EQ(0, vmon_size_parse("3kib", NULL, &b, err, sizeof(err)));
	EXPECT_EQ(3072, b);
	EXPECT_EQ(0, vmon_size_parse("3kb", NULL, &b, err, sizeof(err)));
	EXPECT_EQ(3000, b);
	EXPECT_EQ(0, vmon_size_parse("512", "KiB", &b, err, sizeof(err)));
	EXPECT_EQ(512 << 10, b);
	EXPECT_EQ(-1, vmon_size_parse("G", NULL, &b, err, sizeof(err)));
	EXPECT_EQ(-1, vmon_size_parse("2Q", NULL, &b, err, sizeof(err)));
}

/* Each refusal: its message and where (line, column) it points. */
static const struct {
	bool pool;
	const char *xml, *msg;
	int line, column;
} refusals[] = {
	{ true, "<pool type='dir'>\n  <name>a</name>\n  <target><path>/x</path></target>\n<pool>",
	  "", 4, 0 },
	{ true, "<volume/>", "root element is <volume>, expected <pool>", 1, 1 },
	{ true, "<pool type='lvm'>\n  <name>a</name>\n</pool>", "unknown pool type 'lvm'", 1, 7 },
	{ true, "<pool>\n  <name>a</name>\n</pool>", "has no type attribute", 1, 1 },
	{ true, "<pool type='dir'>\n  <target><path>/x</path></target>\n</pool>",
	  "<pool> has no <name>", 1, 1 },
	{ true, "<pool type='dir'>\n  <name>a/b</name>\n</pool>", "has a '/'", 2, 3 },
	{ true, "<pool type='dir'>\n  <name>a</name>\n  <uuid>nope</uuid>\n</pool>",
	  "<uuid> 'nope' is not a UUID", 3, 3 },
	{ true, "<pool type='dir'>\n  <name>a</name>\n</pool>", "a dir pool needs <target><path>",
	  1, 1 },
	{ true,
	  "<pool type='dir'>\n  <name>a</name>\n  <target>\n    <path>rel</path>\n  "
	  "</target>\n</pool>",
	  "target path 'rel' is not absolute", 4, 5 },
	{ true,
	  "<pool type='dir'>\n  <name>a</name>\n  <capacity unit='parsec'>1</capacity>\n"
	  "  <target><path>/x</path></target>\n</pool>",
	  "<capacity>: unknown unit 'parsec'", 3, 13 },
	{ true,
	  "<pool type='dir'>\n  <name>a</name>\n  <target><path>/x</path>\n"
	  "    <permissions><mode>0999</mode></permissions></target>\n</pool>",
	  "<mode> '0999' is not a valid octal mode", 4, 18 },
	{ true,
	  "<pool type='fs'>\n  <name>a</name>\n  <source>\n    <device/>\n  </source>\n"
	  "  <target><path>/x</path></target>\n</pool>",
	  "<device> has no path attribute", 4, 5 },
	{ true, "<pool type='dir'>\n  <name>a</name>\n  <name>b</name>\n</pool>",
	  "<name> given twice", 3, 3 },
	{ false, "<volume>\n  <capacity>1</capacity>\n</volume>", "<volume> has no <name>", 1, 1 },
	{ false, "<volume>\n  <name>../x</name>\n  <capacity>1</capacity>\n</volume>", "has a '/'",
	  2, 3 },
	{ false, "<volume>\n  <name>x</name>\n</volume>", "has no <capacity>", 1, 1 },
	{ false, "<volume type='dir'>\n  <name>x</name>\n  <capacity>1</capacity>\n</volume>",
	  "volume type 'dir' is not supported", 1, 9 },
	{ false,
	  "<volume>\n  <name>x</name>\n  <capacity>1</capacity>\n  <target>\n"
	  "    <format type='vmdk'/>\n  </target>\n</volume>",
	  "volume format 'vmdk' is not supported", 5, 13 },
	{ false, "<volume>\n  <name>x</name>\n  <capacity>1x</capacity>\n</volume>",
	  "<capacity>: '1x' is not a whole number", 3, 3 },
	{ false,
	  "<volume>\n  <name>x</name>\n  <capacity>1</capacity>\n  <backingStore>\n"
	  "    <format type='raw'/>\n  </backingStore>\n</volume>",
	  "<backingStore> has no <path>", 4, 3 },
};

TEST(refusals_name_line_and_column)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct vmon_xml_error err;
		char *out = reformat(refusals[i].xml, refusals[i].pool, &err);

		EXPECT_EQ(NULL, out) TH_LOG("case %zu accepted", i);
		free(out);
		EXPECT_NE(NULL, strstr(err.msg, refusals[i].msg))
		TH_LOG("case %zu: '%s' has no '%s'", i, err.msg, refusals[i].msg);
		EXPECT_EQ(refusals[i].line, err.line) TH_LOG("case %zu: %s", i, err.msg);
		if (refusals[i].column) {
			EXPECT_EQ(refusals[i].column, err.column)
			TH_LOG("case %zu: %s", i, err.msg);
		} else {
			EXPECT_LT(0, err.column) TH_LOG("case %zu: %s", i, err.msg);
		}
	}
}

TEST(uuid_generated_and_kept)
{
	const char *xml = "<pool type='dir'><name>a</name><target><path>/x</path></target></pool>";
	struct vmon_pool_def *a, *b, *c;
	struct vmon_xml_error err;
	char *out;

	ASSERT_EQ(0, vmon_pool_parse(xml, strlen(xml), &a, &err));
	ASSERT_EQ(0, vmon_pool_parse(xml, strlen(xml), &b, &err));
	EXPECT_EQ(36, strlen(a->uuid));
	EXPECT_STRNE(a->uuid, b->uuid);
	out = vmon_pool_format(a);
	ASSERT_EQ(0, vmon_pool_parse(out, strlen(out), &c, &err));
	EXPECT_STREQ(a->uuid, c->uuid);
	free(out);
	vmon_pool_def_free(a);
	vmon_pool_def_free(b);
	vmon_pool_def_free(c);
}

TEST(parsed_fields)
{
	char *xml = golden_slurp(GOLDEN "/vol-qcow2.xml");
	struct vmon_xml_error err;
	struct vmon_vol_def *v;

	ASSERT_NE(NULL, xml);
	ASSERT_EQ(0, vmon_vol_parse(xml, strlen(xml), &v, &err));
	EXPECT_STREQ("web.qcow2", v->name);
	EXPECT_EQ(20ULL << 30, v->capacity);
	EXPECT_TRUE(v->has_allocation);
	EXPECT_EQ(VMON_VOL_QCOW2, v->format);
	EXPECT_EQ(0640, v->perms.mode);
	EXPECT_EQ(107, v->perms.group);
	EXPECT_STREQ("/var/lib/vmon/images/base.raw", v->backing);
	EXPECT_TRUE(v->has_backing_format);
	EXPECT_EQ(VMON_VOL_RAW, v->backing_format);
	vmon_vol_def_free(v);
	free(xml);
}

/* find-storage-pool-sources: libvirt's <sources>, a PV list per VG; the spec */
TEST(pool_sources)
{
	static const char want[] = "<sources>\n"
				   "  <source>\n"
				   "    <device path=\"/dev/sdb1\"/>\n"
				   "    <device path=\"/dev/sdc1\"/>\n"
				   "    <name>vg0</name>\n"
				   "    <format type=\"lvm2\"/>\n"
				   "  </source>\n"
				   "  <source>\n"
				   "    <host name=\"nfs.example\"/>\n"
				   "    <dir path=\"/exports/a&amp;b\"/>\n"
				   "  </source>\n"
				   "</sources>\n";
	static const char spec[] = "<source><host name='nfs.example'/><dir path='/x'/></source>";
	struct vmon_pool_source *s = NULL;
	struct vmon_xml_error err;
	struct vmon_pool_def *d;
	enum vmon_pool_type t;
	size_t n = 0;
	char *xml;

	ASSERT_EQ(0, vmon_pool_sources_add(&s, &n, "vg0", NULL, NULL, "lvm2"));
	ASSERT_EQ(0, vmon_pool_source_add_device(&s[0], "/dev/sdb1"));
	ASSERT_EQ(0, vmon_pool_source_add_device(&s[0], "/dev/sdc1"));
	ASSERT_EQ(0, vmon_pool_sources_add(&s, &n, NULL, "nfs.example", "/exports/a&b", NULL));
	ASSERT_EQ(2, n);
	xml = vmon_pool_sources_format(s, n);
	ASSERT_NE(NULL, xml);
	EXPECT_STREQ(want, xml);
	free(xml);
	vmon_pool_sources_free(s, n);
	xml = vmon_pool_sources_format(NULL, 0);
	EXPECT_STREQ("<sources/>\n", xml);
	free(xml);

	ASSERT_EQ(0, vmon_pool_spec_parse(spec, strlen(spec), &d, &err)) TH_LOG("%s", err.msg);
	EXPECT_STREQ("nfs.example", d->src_host);
	EXPECT_STREQ("/x", d->src_dir);
	EXPECT_EQ(NULL, d->src_device);
	vmon_pool_def_free(d);
	EXPECT_EQ(-1, vmon_pool_spec_parse("<pool/>", 7, &d, &err));
	EXPECT_NE(NULL, strstr(err.msg, "expected <source>")) TH_LOG("%s", err.msg);
	EXPECT_EQ(-1, vmon_pool_spec_parse("<source><host/></source>", 24, &d, &err));
	EXPECT_NE(NULL, strstr(err.msg, "<host> has no name attribute")) TH_LOG("%s", err.msg);

	ASSERT_EQ(0, vmon_pool_type_parse("logical", &t));
	EXPECT_EQ(VMON_POOL_LOGICAL, t);
	EXPECT_EQ(-1, vmon_pool_type_parse("zfs", &t));
	EXPECT_EQ(-1, vmon_pool_type_parse(NULL, &t));
}

TEST_HARNESS_MAIN
