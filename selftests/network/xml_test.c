// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork's XML on the host: golden files (parse, format, compare, round
 * trip, libvirt's network schema through virt-xml-validate), generated uuid
 * and bridge MAC, and each refusal with its line:column.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../lib/golden.h"
#include <vmon/network.h>

#define GOLDEN "selftests/network/golden"

static int golden_one(struct __test_metadata *_metadata, const char *name)
{
	char in[512], out[512];
	struct vmon_network *n = NULL, *n2 = NULL;
	struct vmon_net_error err;
	char *src, *want, *got, *again;

	snprintf(in, sizeof(in), GOLDEN "/%s.xml", name);
	snprintf(out, sizeof(out), GOLDEN "/%s.out", name);
	src = golden_slurp(in);
	want = golden_slurp(out);
	EXPECT_NE(NULL, want) TH_LOG("%s missing", out);
	if (!src || !want)
		return -1;
	EXPECT_EQ(0, vmon_network_parse(src, strlen(src), &n, &err))
	TH_LOG("%s: %d:%d: %s", in, err.line, err.column, err.msg);
	if (!n)
		return -1;
	got = vmon_network_format(n);
	EXPECT_STREQ(want, got) TH_LOG("%s", in);
	EXPECT_EQ(0, golden_schema_valid(got, "network")) TH_LOG("%s: not valid", out);
	EXPECT_EQ(0, vmon_network_parse(got, strlen(got), &n2, &err))
	TH_LOG("%s again: %d:%d: %s", out, err.line, err.column, err.msg);
	again = n2 ? vmon_network_format(n2) : NULL;
	EXPECT_STREQ(got, again) TH_LOG("%s: not idempotent", in);
	free(src);
	free(want);
	free(got);
	free(again);
	vmon_network_free(n);
	vmon_network_free(n2);
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
	EXPECT_LE(4, n);
}

TEST(parsed_values)
{
	char *src = golden_slurp(GOLDEN "/nat.xml"), sub[32], ip[INET_ADDRSTRLEN];
	struct vmon_network *n = NULL;
	struct vmon_net_error err;

	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, vmon_network_parse(src, strlen(src), &n, &err));
	EXPECT_EQ(VMON_NET_NAT, n->forward);
	EXPECT_STREQ("vmbr0", n->bridge);
	EXPECT_EQ(24, n->prefix);
	vmon_network_subnet(n, sub, sizeof(sub));
	EXPECT_STREQ("192.168.130.0/24", sub);
	ASSERT_EQ(2, n->n_hosts);
	EXPECT_EQ(1, n->hosts[0].has_mac);
	EXPECT_EQ(0, n->hosts[1].has_mac);
	EXPECT_STREQ("db", n->hosts[1].name);
	inet_ntop(AF_INET, &n->hosts[1].ip, ip, sizeof(ip));
	EXPECT_STREQ("192.168.130.11", ip);
	ASSERT_EQ(1, n->n_dns_hosts);
	EXPECT_EQ(2, n->dns_hosts[0].n_names);
	vmon_network_free(n);
	free(src);
}

/* No uuid, no mac, no bridge: a v4 uuid, a 52:54:00 MAC, no bridge yet. */
TEST(generated)
{
	static const char xml[] = "<network><name>g</name></network>";
	struct vmon_network *a = NULL, *b = NULL;
	struct vmon_net_error err;
	char *out;

	ASSERT_EQ(0, vmon_network_parse(xml, strlen(xml), &a, &err));
	ASSERT_EQ(0, vmon_network_parse(xml, strlen(xml), &b, &err));
	EXPECT_EQ(VMON_NET_ISOLATED, a->forward);
	EXPECT_EQ(NULL, a->bridge);
	EXPECT_EQ(1, a->stp); /* libvirt's default without <bridge> */
	EXPECT_EQ('4', a->uuid_str[14]);
	EXPECT_NE(0, strcmp(a->uuid_str, b->uuid_str));
	EXPECT_EQ(0x52, a->mac[0]);
	EXPECT_EQ(0x54, a->mac[1]);
	EXPECT_EQ(0x00, a->mac[2]);
	out = vmon_network_format(a);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, a->uuid_str));
	EXPECT_NE(NULL, strstr(out, "<mac address='52:54:00:"));
	EXPECT_EQ(0, golden_schema_valid(out, "network"));
	free(out);
	vmon_network_free(a);
	vmon_network_free(b);
}

static const struct {
	const char *what, *xml;
	int line, column;
	const char *msg;
} bad[] = {
	{ "malformed", "<network>\n  <name>x</nam>\n</network>\n", 2, 16,
	  "malformed XML: Opening and ending tag mismatch: name line 2 and nam" },
	{ "root", "<domain/>", 1, 1, "the root element is <domain>, not <network>" },
	{ "no name", "<network>\n  <bridge name='b'/>\n</network>", 1, 1,
	  "<network> has no <name>" },
	{ "bad name", "<network><name>a/b</name></network>", 1, 10,
	  "<name> 'a/b': empty, longer than 64 or contains '/'" },
	{ "unknown element", "<network><name>a</name>\n <portgroup name='p'/></network>", 2, 2,
	  "<network><portgroup> is not supported" },
	{ "unknown attribute", "<network><name>a</name>\n<bridge name='b' zone='z'/></network>", 2,
	  18, "<bridge>: attribute 'zone' is not supported" },
	{ "mode", "<network><name>a</name>\n  <forward mode='bridge'/></network>", 2, 12,
	  "<forward> mode='bridge' is not supported (nat, route, open; no <forward> for an "
	  "isolated network)" },
	{ "nat without ip", "<network><name>a</name><forward/></network>", 1, 1,
	  "<forward mode='nat'> needs an <ip> address" },
	{ "stp", "<network><name>a</name><bridge name='b' stp='yes'/></network>", 1, 41,
	  "<bridge> stp='yes': neither 'on' nor 'off'" },
	{ "bridge name", "<network><name>a</name><bridge name='a-very-long-bridge'/></network>", 1,
	  32,
	  "<bridge> name='a-very-long-bridge': not an interface name (1-15 of A-Z a-z 0-9 _ . -)" },
	{ "bridge quote", "<network><name>a</name><bridge name='b\"x'/></network>", 1, 32,
	  "<bridge> name='b\"x': not an interface name (1-15 of A-Z a-z 0-9 _ . -)" },
	{ "mac", "<network><name>a</name><mac address='53:54:00:00:00:01'/></network>", 1, 29,
	  "<mac> address='53:54:00:00:00:01': not a unicast MAC address" },
	{ "uuid", "<network><name>a</name><uuid>123</uuid></network>", 1, 24,
	  "<uuid>: malformed uuid '123'" },
	{ "ipv6",
	  "<network><name>a</name><ip family='ipv6' address='fd00::1' prefix='64'/></network>", 1,
	  28, "<ip>: only family='ipv4' is supported" },
	{ "netmask",
	  "<network><name>a</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>", 1, 47,
	  "<ip> netmask='255.0.255.0': not a netmask" },
	{ "prefix", "<network><name>a</name><ip address='10.0.0.1' prefix='33'/></network>", 1, 47,
	  "<ip> prefix='33': not a prefix length 1-32" },
	{ "address", "<network><name>a</name><ip address='10.0.0.0' prefix='24'/></network>", 1, 28,
	  "<ip> address= is the subnet's network or broadcast address" },
	{ "two ips",
	  "<network><name>a</name><ip address='10.0.0.1' prefix='24'/>\n"
	  "<ip address='10.1.0.1' prefix='24'/></network>",
	  2, 1,
	  "<ip> given twice (vmon takes one; a second <ip> would be IPv6 or a second subnet, not "
	  "supported)" },
	{ "range outside",
	  "<network><name>a</name><ip address='10.0.0.1' prefix='24'><dhcp>\n"
	  "<range start='10.0.1.2' end='10.0.0.9'/></dhcp></ip></network>",
	  2, 8, "<range> start is not a host address of the <ip> subnet" },
	{ "range backwards",
	  "<network><name>a</name><ip address='10.0.0.1' prefix='24'><dhcp>\n"
	  "<range start='10.0.0.9' end='10.0.0.2'/></dhcp></ip></network>",
	  2, 25, "<range>: end is before start" },
	{ "host without key",
	  "<network><name>a</name><ip address='10.0.0.1' prefix='24'><dhcp>\n"
	  "  <host ip='10.0.0.5'/></dhcp></ip></network>",
	  2, 3, "<host>: neither mac= nor name= given" },
	{ "host mac",
	  "<network><name>a</name><ip address='10.0.0.1' prefix='24'><dhcp>\n"
	  "<host mac='xx' ip='10.0.0.5'/></dhcp></ip></network>",
	  2, 7, "<host> mac='xx': not a MAC address" },
	{ "dns txt", "<network><name>a</name><dns>\n<txt name='t' value='v'/></dns></network>", 2,
	  1, "<dns><txt> is not supported" },
};

TEST(refusals)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmon_network *n = (void *)1;
		struct vmon_net_error err;

		EXPECT_EQ(-1, vmon_network_parse(bad[i].xml, strlen(bad[i].xml), &n, &err))
		TH_LOG("%s: accepted", bad[i].what);
		EXPECT_EQ(NULL, n);
		EXPECT_STREQ(bad[i].msg, err.msg) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(bad[i].line, err.line) TH_LOG("%s: line", bad[i].what);
		EXPECT_EQ(bad[i].column, err.column) TH_LOG("%s: column", bad[i].what);
	}
}

TEST_HARNESS_MAIN
