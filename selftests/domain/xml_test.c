// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain's XML on the host: golden files (parse, format, compare, round
 * trip, libvirt's RNG schema through virt-xml-validate), every memory unit,
 * each refusal with its line:column, generated uuid and MAC, warnings once.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../lib/golden.h"
#include <vmon/domain.h>

#define GOLDEN "selftests/domain/golden"

/* The warnings one a line, as the .warn files hold them. */
static char *joined_warnings(const struct vmon_domain *d)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	for (const char *const *w = vmon_domain_warnings(d); *w; w++)
		fprintf(f, "%s\n", *w);
	fclose(f);
	return s;
}

static int golden_one(struct __test_metadata *_metadata, const char *name)
{
	char in[512], out[512], warn[512];
	struct vmon_domain *d = NULL, *d2 = NULL;
	struct vmon_xml_error err;
	char *want, *want_warn, *got, *got_warn, *again;

	snprintf(in, sizeof(in), GOLDEN "/%s.xml", name);
	snprintf(out, sizeof(out), GOLDEN "/%s.out", name);
	snprintf(warn, sizeof(warn), GOLDEN "/%s.warn", name);
	want = golden_slurp(out);
	want_warn = golden_slurp(warn);
	EXPECT_NE(NULL, want) TH_LOG("%s missing", out);
	EXPECT_NE(NULL, want_warn) TH_LOG("%s missing", warn);
	EXPECT_EQ(0, vmon_domain_parse_file(in, &d, &err))
	TH_LOG("%s: %d:%d: %s", in, err.line, err.column, err.msg);
	if (!want || !want_warn || !d)
		return -1;
	got = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
	got_warn = joined_warnings(d);
	EXPECT_STREQ(want, got) TH_LOG("%s", in);
	EXPECT_STREQ(want_warn, got_warn) TH_LOG("%s", in);
	EXPECT_EQ(0, golden_schema_valid(got, "domain")) TH_LOG("%s: not valid", out);
	/* round trip: the output parses and formats to itself */
	EXPECT_EQ(0, vmon_domain_parse(got, strlen(got), &d2, &err))
	TH_LOG("%s again: %d:%d: %s", out, err.line, err.column, err.msg);
	again = d2 ? vmon_domain_format(d2, VMON_DOMAIN_XML_INACTIVE) : NULL;
	EXPECT_STREQ(got, again) TH_LOG("%s: not idempotent", in);
	free(want);
	free(want_warn);
	free(got);
	free(got_warn);
	free(again);
	vmon_domain_free(d);
	vmon_domain_free(d2);
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
	EXPECT_LE(3, n);
}

#define HEAD                                                                                       \
	"<domain type='kvm'>\n"                                                                    \
	"  <name>t</name>\n"                                                                       \
	"  <memory unit='MiB'>256</memory>\n"                                                      \
	"  <os><type>hvm</type><kernel>/k</kernel></os>\n"
#define TAIL "</domain>\n"

static struct vmon_domain *parse_ok(struct __test_metadata *_metadata, const char *xml)
{
	struct vmon_domain *d = NULL;
	struct vmon_xml_error err;

	EXPECT_EQ(0, vmon_domain_parse(xml, strlen(xml), &d, &err))
	TH_LOG("%d:%d: %s", err.line, err.column, err.msg);
	return d;
}

TEST(memory_units)
{
	static const struct {
		const char *unit;
		const char *value;
		uint64_t kib;
	} t[] = {
		{ NULL, "2048", 2048 },	  { "b", "1024", 1 },
		{ "bytes", "1025", 2 }, /* rounded up to a whole KiB */
		{ "KB", "1024", 1000 },	  { "k", "3", 3 },
		{ "K", "3", 3 },	  { "KiB", "3", 3 },
		{ "MB", "1", 977 },	  { "M", "2", 2048 },
		{ "m", "2", 2048 },	  { "MiB", "2", 2048 },
		{ "GB", "1", 976563 },	  { "G", "1", 1048576 },
		{ "GiB", "2", 2097152 },  { "TB", "1", 976562500 },
		{ "T", "1", 1073741824 }, { "TiB", "1", 1073741824 },
	};
	char xml[512], unit[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vmon_domain *d;

		snprintf(unit, sizeof(unit), " unit='%s'", t[i].unit);
		snprintf(xml, sizeof(xml),
			 "<domain type='kvm'><name>u</name><memory%s>%s</memory>"
			 "<currentMemory%s>%s</currentMemory>"
			 "<os><type>hvm</type></os></domain>",
			 t[i].unit ? unit : "", t[i].value, t[i].unit ? unit : "", t[i].value);
		d = parse_ok(_metadata, xml);
		ASSERT_NE(NULL, d);
		EXPECT_EQ(t[i].kib, d->memory_kib) TH_LOG("unit %s", t[i].unit);
		EXPECT_EQ(t[i].kib, d->current_memory_kib);
		vmon_domain_free(d);
	}
}

static const struct {
	const char *what, *xml;
	int line, column;
	const char *msg;
} bad[] = {
	{ "malformed", "<domain type='kvm'>\n  <name>x</nam>\n</domain>\n", 2, 16,
	  "malformed XML: Opening and ending tag mismatch: name line 2 and nam" },
	{ "root", "<vm>\n</vm>\n", 1, 1, "unexpected root element <vm>, expecting <domain>" },
	{ "no type", "<domain>\n  <name>x</name>\n</domain>\n", 1, 1,
	  "<domain>: missing domain type attribute" },
	{ "xen", "<domain type='xen'>\n</domain>\n", 1, 9,
	  "<domain> type='xen' is not supported (kvm)" },
	{ "no name", "<domain type='kvm'>\n  <memory>1024</memory>\n</domain>\n", 1, 1,
	  "missing name information: <domain> has no <name>" },
	{ "slash", "<domain type='kvm'>\n  <name>a/b</name>\n</domain>\n", 2, 3,
	  "<name> 'a/b' cannot contain '/' or a newline" },
	{ "uuid", "<domain type='kvm'>\n  <name>x</name>\n  <uuid>1234-xyz</uuid>\n</domain>\n", 3,
	  3, "malformed uuid element: '1234-xyz'" },
	{ "no memory", "<domain type='kvm'>\n  <name>x</name>\n</domain>\n", 1, 1,
	  "<domain> has no <memory>: the memory size must be given" },
	{ "unit",
	  "<domain type='kvm'>\n  <name>x</name>\n  <memory unit='XB'>1</memory>\n</domain>\n", 3,
	  11,
	  "<memory> unit='XB': unknown suffix (b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, "
	  "T, TiB)" },
	{ "memory value",
	  "<domain type='kvm'>\n  <name>x</name>\n  <memory>12abc</memory>\n</domain>\n", 3, 3,
	  "<memory>: malformed value '12abc'" },
	{ "vcpu current", HEAD "  <vcpu current='8'>4</vcpu>\n" TAIL, 5, 9,
	  "<vcpu> current='8' is more than the maximum 4" },
	{ "vcpu zero", HEAD "  <vcpu>0</vcpu>\n" TAIL, 5, 3,
	  "<vcpu>: invalid number of vCPUs '0' (1-255)" },
	{ "os type",
	  "<domain type='kvm'>\n  <name>x</name>\n  <memory>1024</memory>\n  <os>\n    "
	  "<type>xen</type>\n  </os>\n</domain>\n",
	  5, 5, "<os><type> 'xen' is not supported (hvm)" },
	{ "arch",
	  "<domain type='kvm'>\n  <name>x</name>\n  <memory>1024</memory>\n  <os>\n    <type "
	  "arch='aarch64'>hvm</type>\n  </os>\n</domain>\n",
	  5, 11, "<type> arch='aarch64' is not supported (x86_64)" },
	{ "action", HEAD "  <on_poweroff>explode</on_poweroff>\n" TAIL, 5, 3,
	  "<on_poweroff>: unknown lifecycle action 'explode'" },
	{ "coredump", HEAD "  <on_reboot>coredump-destroy</on_reboot>\n" TAIL, 5, 3,
	  "<on_reboot>: lifecycle event 'reboot' does not support 'coredump-destroy'" },
	{ "two targets",
	  HEAD "  <devices>\n"
	       "    <disk type='file'><source file='/a'/><target dev='vda'/></disk>\n"
	       "    <disk type='file'><source file='/b'/><target dev='vda'/></disk>\n"
	       "  </devices>\n" TAIL,
	  7, 50, "<disk> target dev='vda' is used twice (sources '/a' and '/b')" },
	{ "no target",
	  HEAD "  <devices>\n    <disk type='file'><source file='/a'/></disk>\n  </devices>\n" TAIL,
	  6, 5, "<disk> has no <target dev=...>: missing target information" },
	{ "no source",
	  HEAD "  <devices>\n    <disk type='file'><target dev='vda'/></disk>\n  </devices>\n" TAIL,
	  6, 5, "<disk> target 'vda' has no <source file=...>" },
	{ "disk bus",
	  HEAD "  <devices>\n    <disk type='file'><source file='/a'/>\n      <target dev='sda' "
	       "bus='sata'/></disk>\n  </devices>\n" TAIL,
	  7, 25, "<disk><target> dev='sda' bus='sata': only virtio disks are supported" },
	{ "disk format",
	  HEAD "  <devices>\n    <disk type='file'>\n      <driver name='qemu' type='vmdk'/>\n"
	       "      <source file='/a'/><target dev='vda'/></disk>\n  </devices>\n" TAIL,
	  7, 27, "<disk><driver> type='vmdk' is not supported (raw, qcow2)" },
	{ "cache",
	  HEAD "  <devices>\n    <disk type='file'>\n      <driver type='raw' cache='fast'/>\n"
	       "      <source file='/a'/><target dev='vda'/></disk>\n  </devices>\n" TAIL,
	  7, 26, "<disk><driver> cache='fast': unknown disk cache mode" },
	{ "error policy",
	  HEAD
	  "  <devices>\n    <disk type='file'>\n      <driver type='raw' error_policy='halt'/>\n"
	  "      <source file='/a'/><target dev='vda'/></disk>\n  </devices>\n" TAIL,
	  7, 26, "<disk><driver> error_policy='halt': unknown error policy" },
	{ "read error policy enospace",
	  HEAD "  <devices>\n    <disk type='file'>\n      <driver rerror_policy='enospace'/>\n"
	       "      <source file='/a'/><target dev='vda'/></disk>\n  </devices>\n" TAIL,
	  7, 15, "<disk><driver> rerror_policy='enospace': unknown read error policy" },
	{ "multicast",
	  HEAD
	  "  <devices>\n    <interface type='ethernet'>\n      <mac address='01:00:5e:00:00:01'/>\n"
	  "    </interface>\n  </devices>\n" TAIL,
	  7, 12, "expected unicast mac address, found multicast '01:00:5e:00:00:01'" },
	{ "mac",
	  HEAD
	  "  <devices>\n    <interface type='ethernet'>\n      <mac address='52:54:00:zz:00:01'/>\n"
	  "    </interface>\n  </devices>\n" TAIL,
	  7, 12, "unable to parse mac address '52:54:00:zz:00:01'" },
	{ "if type", HEAD "  <devices>\n    <interface type='user'/>\n  </devices>\n" TAIL, 6, 16,
	  "<interface> type='user' is not supported (ethernet, bridge, network)" },
	{ "bridge", HEAD "  <devices>\n    <interface type='bridge'/>\n  </devices>\n" TAIL, 6, 5,
	  "<interface type='bridge'> has no <source bridge=...>" },
	{ "model",
	  HEAD "  <devices>\n    <interface type='ethernet'>\n      <model type='e1000'/>\n"
	       "    </interface>\n  </devices>\n" TAIL,
	  7, 14, "<interface><model> type='e1000' is not supported (virtio)" },
	{ "iotune",
	  HEAD
	  "  <devices>\n    <disk type='file'><source file='/a'/><target dev='vda'/>\n"
	  "      <iotune><total_iops_sec>-5</total_iops_sec></iotune></disk>\n  </devices>\n" TAIL,
	  7, 15, "<iotune><total_iops_sec>: malformed value '-5'" },
};

TEST(refusals_name_line_and_column)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmon_domain *d = NULL;
		struct vmon_xml_error err;

		EXPECT_EQ(-1, vmon_domain_parse(bad[i].xml, strlen(bad[i].xml), &d, &err))
		TH_LOG("%s: accepted", bad[i].what);
		EXPECT_EQ(NULL, d);
		EXPECT_STREQ(bad[i].msg, err.msg) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(bad[i].line, err.line) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(bad[i].column, err.column) TH_LOG("%s", bad[i].what);
	}
}

TEST(missing_file_is_named)
{
	struct vmon_domain *d;
	struct vmon_xml_error err;

	EXPECT_EQ(-1, vmon_domain_parse_file("/nonexistent/x.xml", &d, &err));
	EXPECT_STREQ("/nonexistent/x.xml: No such file or directory", err.msg);
}

TEST(uuid_generated_and_kept)
{
	const char *xml = HEAD TAIL;
	struct vmon_domain *a = parse_ok(_metadata, xml);
	struct vmon_domain *b = parse_ok(_metadata, xml), *c;
	char *out, want[64];

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(36u, strlen(a->uuid_str));
	EXPECT_EQ('4', a->uuid_str[14]); /* random, version 4 */
	EXPECT_STRNE(a->uuid_str, b->uuid_str);
	out = vmon_domain_format(a, VMON_DOMAIN_XML_INACTIVE);
	snprintf(want, sizeof(want), "<uuid>%s</uuid>", a->uuid_str);
	EXPECT_NE(NULL, strstr(out, want));
	c = parse_ok(_metadata, out);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ(a->uuid_str, c->uuid_str);
	EXPECT_EQ(0, memcmp(a->uuid, c->uuid, 16));
	free(out);
	vmon_domain_free(a);
	vmon_domain_free(b);
	vmon_domain_free(c);
}

TEST(mac_generated_and_kept)
{
	const char *xml = HEAD "  <devices><interface type='bridge'><source bridge='br0'/>"
			       "<model type='virtio'/></interface></devices>\n" TAIL;
	struct vmon_domain *a = parse_ok(_metadata, xml), *b;
	char *out, want[128];

	ASSERT_NE(NULL, a);
	ASSERT_EQ(1u, a->n_ifaces);
	EXPECT_EQ(0, strncmp(a->ifaces[0].mac_str, "52:54:00:", 9));
	EXPECT_EQ(0, a->ifaces[0].mac[0] & 1);
	EXPECT_STREQ("br0", a->ifaces[0].source);
	out = vmon_domain_format(a, VMON_DOMAIN_XML_INACTIVE);
	snprintf(want, sizeof(want), "<interface type=\"bridge\">\n      <mac address=\"%s\"/>",
		 a->ifaces[0].mac_str);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	b = parse_ok(_metadata, out);
	ASSERT_NE(NULL, b);
	EXPECT_STREQ(a->ifaces[0].mac_str, b->ifaces[0].mac_str);
	free(out);
	vmon_domain_free(a);
	vmon_domain_free(b);
}

TEST(warnings_once_each)
{
	const char *xml = HEAD "  <devices>\n    <graphics type='vnc'/>\n"
			       "    <graphics type='spice'/>\n"
			       "    <video><model type='vga'/></video>\n"
			       "  </devices>\n" TAIL;
	struct vmon_domain *d = parse_ok(_metadata, xml);
	char *w, *out;

	ASSERT_NE(NULL, d);
	w = joined_warnings(d);
	EXPECT_STREQ("<devices/graphics> (line 6): not honoured, kept\n"
		     "<devices/video> (line 8): not honoured, kept\n",
		     w);
	out = vmon_domain_format(d, 0);
	/* kept, never dropped */
	EXPECT_NE(NULL, strstr(out, "<graphics type=\"vnc\"/>"));
	EXPECT_NE(NULL, strstr(out, "<graphics type=\"spice\"/>"));
	EXPECT_NE(NULL, strstr(out, "<model type=\"vga\"/>"));
	free(w);
	free(out);
	vmon_domain_free(d);
}

TEST(parsed_fields)
{
	struct vmon_domain *d;
	struct vmon_xml_error err;

	ASSERT_EQ(0, vmon_domain_parse_file(GOLDEN "/dumpxml-live.xml", &d, &err));
	EXPECT_STREQ("web1", d->name);
	EXPECT_STREQ("Web server", d->title);
	EXPECT_EQ(-1, d->id); /* id= of the input is not a definition's */
	EXPECT_EQ(2097152u, d->memory_kib);
	EXPECT_EQ(1572864u, d->current_memory_kib);
	EXPECT_EQ(4u, d->vcpus_max);
	EXPECT_EQ(4u, d->vcpus_current);
	EXPECT_TRUE(d->acpi);
	EXPECT_EQ(VMON_ACTION_PRESERVE, (int)d->on_crash);
	ASSERT_EQ(2u, d->n_disks);
	EXPECT_EQ(VMON_DISK_RAW, (int)d->disks[0].format);
	EXPECT_EQ(VMON_CACHE_NONE, (int)d->disks[0].cache);
	EXPECT_EQ(VMON_DISK_QCOW2, (int)d->disks[1].format);
	EXPECT_TRUE(d->disks[1].readonly);
	EXPECT_STREQ("vdb", d->disks[1].target);
	ASSERT_EQ(1u, d->n_ifaces);
	EXPECT_EQ(VMON_IF_BRIDGE, (int)d->ifaces[0].type);
	EXPECT_TRUE(d->ifaces[0].vhost);
	EXPECT_STREQ("52:54:00:11:22:33", d->ifaces[0].mac_str);
	EXPECT_TRUE(d->serial_pty);
	EXPECT_TRUE(d->console_pty);
	EXPECT_TRUE(d->balloon);
	vmon_domain_free(d);
}

/* attach/detach (attach.c): a new definition, the old one untouched. */
TEST(attach_detach_leave_the_original)
{
	const char *xml =
		HEAD "  <devices><interface type='bridge'><mac address='52:54:00:00:00:01'/>"
		     "<source bridge='br0'/><model type='virtio'/></interface>"
		     "<disk type='file'><source file='/a'/><target dev='vda'/></disk>"
		     "</devices>\n  <features><acpi/></features>\n" TAIL;
	const char *nic = "<interface type='network'><source network='default'/></interface>";
	const char *disk = "<disk type='file'><source file='/b'/><target dev='vdb'/></disk>";
	const char *bad = "<disk type='network'><target dev='vdc'/></disk>";
	const char *none = "<disk><target dev='vdz'/></disk>";
	struct vmon_domain *a = parse_ok(_metadata, xml), *b = NULL, *c = NULL, *e = NULL;
	struct vmon_xml_error err;
	char *out, gone[32], det[128];

	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, vmon_domain_attach(a, nic, strlen(nic), &b, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(1u, a->n_ifaces);
	ASSERT_EQ(2u, b->n_ifaces);
	EXPECT_EQ((int)VMON_IF_NETWORK, (int)b->ifaces[1].type);
	EXPECT_EQ(0, strncmp(b->ifaces[1].mac_str, "52:54:00:", 9));
	/* what libdomain does not know is kept */
	out = vmon_domain_format(b, VMON_DOMAIN_XML_INACTIVE);
	EXPECT_NE(NULL, strstr(out, "<acpi/>")) TH_LOG("%s", out);
	free(out);
	/* detach by MAC, in either case */
	snprintf(gone, sizeof(gone), "%s", b->ifaces[1].mac_str);
	for (char *p = gone; *p; p++) {
		*p = (char)toupper((unsigned char)*p);
	}
	snprintf(det, sizeof(det), "<interface type='network'><mac address='%s'/></interface>",
		 gone);
	ASSERT_EQ(0, vmon_domain_detach(b, det, strlen(det), &c, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(1u, c->n_ifaces);
	EXPECT_STREQ("52:54:00:00:00:01", c->ifaces[0].mac_str);
	EXPECT_EQ(2u, b->n_ifaces);
	vmon_domain_free(c);
	/* disks: after the last disk, a taken target refused */
	ASSERT_EQ(0, vmon_domain_attach(a, disk, strlen(disk), &c, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(2u, c->n_disks);
	EXPECT_STREQ("vdb", c->disks[1].target);
	EXPECT_EQ(-1, vmon_domain_attach(c, disk, strlen(disk), &e, &err));
	EXPECT_NE(NULL, strstr(err.msg, "target vdb already exists")) TH_LOG("%s", err.msg);
	EXPECT_EQ(NULL, e);
	/* what the parser refuses comes back in its words, without a line */
	EXPECT_EQ(-1, vmon_domain_attach(a, bad, strlen(bad), &e, &err));
	EXPECT_NE(NULL, strstr(err.msg, "XML error: <disk> type='network' is not supported"))
	TH_LOG("%s", err.msg);
	EXPECT_EQ(0, err.line);
	EXPECT_EQ(-1, vmon_domain_detach(a, none, strlen(none), &e, &err));
	EXPECT_NE(NULL, strstr(err.msg, "no target device vdz")) TH_LOG("%s", err.msg);
	vmon_domain_free(a);
	vmon_domain_free(b);
	vmon_domain_free(c);
}

TEST_HARNESS_MAIN
