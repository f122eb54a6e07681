// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork's switch pieces that need no kernel: the nft scripts of each
 * forward mode (golden files), the removal script naming exactly the
 * chains added, dnsmasq's configuration, the lease file reader and the
 * ip_forward writer (on a plain file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../lib/golden.h"
#include <vmon/network.h>

#define GOLDEN "selftests/network/golden"

static struct vmon_network *load(struct __test_metadata *_metadata, const char *name)
{
	char path[256], *src;
	struct vmon_network *n = NULL;
	struct vmon_net_error err;

	snprintf(path, sizeof(path), GOLDEN "/%s.xml", name);
	src = golden_slurp(path);
	EXPECT_NE(NULL, src);
	if (!src)
		return NULL;
	EXPECT_EQ(0, vmon_network_parse(src, strlen(src), &n, &err)) TH_LOG("%s", err.msg);
	free(src);
	return n;
}

TEST(nft_scripts)
{
	static const char *const names[] = { "nat", "route", "isolated" };

	for (size_t i = 0; i < 3; i++) {
		struct vmon_network *n = load(_metadata, names[i]);
		char path[256], *want, *got;

		ASSERT_NE(NULL, n);
		snprintf(path, sizeof(path), GOLDEN "/%s.nft", names[i]);
		want = golden_slurp(path);
		got = vmon_net_nft_script(n);
		ASSERT_NE(NULL, want);
		EXPECT_STREQ(want, got) TH_LOG("%s", names[i]);
		free(want);
		free(got);
		vmon_network_free(n);
	}
}

/* open: no rules at all; the host's firewall decides. */
TEST(nft_open_has_none)
{
	struct vmon_network *n = load(_metadata, "open");

	ASSERT_NE(NULL, n);
	EXPECT_EQ(NULL, vmon_net_nft_script(n));
	vmon_network_free(n);
}

/* Every chain the add script creates is deleted by the remove script. */
TEST(nft_remove_matches_add)
{
	static const char *const names[] = { "nat", "route", "isolated" };

	for (size_t i = 0; i < 3; i++) {
		struct vmon_network *n = load(_metadata, names[i]);
		char *add = vmon_net_nft_script(n), *rm = vmon_net_nft_remove_script(n), *p = add;
		int chains = 0;

		ASSERT_NE(NULL, add);
		ASSERT_NE(NULL, rm);
		while ((p = strstr(p, "add chain ip vmon "))) {
			char name[64], del[100];

			sscanf(p + strlen("add chain ip vmon "), "%63s", name);
			snprintf(del, sizeof(del), "delete chain ip vmon %s\n", name);
			EXPECT_NE(NULL, strstr(rm, del)) TH_LOG("%s: %s", names[i], del);
			chains++;
			p++;
		}
		EXPECT_EQ(names[i][0] == 'n' ? 2 : 1, chains);
		free(add);
		free(rm);
		vmon_network_free(n);
	}
}

TEST(dnsmasq_conf)
{
	struct vmon_network *n = load(_metadata, "nat");
	struct vmon_net_paths p;
	char *want = golden_slurp(GOLDEN "/nat.dnsmasq"), *got;

	ASSERT_NE(NULL, n);
	ASSERT_NE(NULL, want);
	vmon_net_paths("/R", "default", &p);
	EXPECT_STREQ("/R/default.leases", p.leases);
	got = vmon_net_dnsmasq_conf(n, &p);
	EXPECT_STREQ(want, got);
	EXPECT_EQ(1, vmon_net_needs_dnsmasq(n));
	free(want);
	free(got);
	vmon_network_free(n);
	n = load(_metadata, "open");
	EXPECT_EQ(0, vmon_net_needs_dnsmasq(n)); /* no address, no dnsmasq */
	vmon_network_free(n);
}

TEST(dnsmasq_hosts)
{
	struct vmon_network *n = load(_metadata, "nat");
	char *want = golden_slurp(GOLDEN "/nat.hosts"), *got;

	ASSERT_NE(NULL, n);
	ASSERT_NE(NULL, want);
	got = vmon_net_dnsmasq_hosts(n);
	EXPECT_STREQ(want, got);
	free(want);
	free(got);
	vmon_network_free(n);
}

/* net-update's ip-dhcp-host: add, clashes refused, delete, no match refused. */
TEST(dhcp_host_update)
{
	struct vmon_network *n = load(_metadata, "nat");
	struct vmon_net_error e;
	char *hosts;

	ASSERT_NE(NULL, n);
	EXPECT_EQ(0,
		  vmon_network_host_add(
			  n, "<host mac='52:54:00:00:00:aa' name='new' ip='192.168.130.30'/>", &e))
	TH_LOG("%s", e.msg);
	ASSERT_EQ(3, n->n_hosts);
	hosts = vmon_net_dnsmasq_hosts(n);
	EXPECT_NE(NULL, strstr(hosts, "52:54:00:00:00:aa,192.168.130.30,new\n"));
	free(hosts);
	/* the same MAC, name or IP as a host there: refused, nothing added */
	EXPECT_EQ(-1, vmon_network_host_add(
			      n, "<host mac='52:54:00:00:00:aa' ip='192.168.130.31'/>", &e));
	EXPECT_NE(NULL, strstr(e.msg, "there is an existing dhcp host entry")) TH_LOG("%s", e.msg);
	EXPECT_EQ(-1, vmon_network_host_add(n, "<host name='db' ip='192.168.130.32'/>", &e));
	EXPECT_EQ(-1, vmon_network_host_add(n, "<host name='x' ip='192.168.130.10'/>", &e));
	/* outside the subnet: the parser's refusal, with its column */
	EXPECT_EQ(-1, vmon_network_host_add(n, "<host name='y' ip='10.0.0.5'/>", &e));
	EXPECT_STREQ("<host> ip= is not a host address of the <ip> subnet", e.msg);
	EXPECT_EQ(1, e.line);
	EXPECT_EQ(16, e.column);
	EXPECT_EQ(-1, vmon_network_host_add(n, "<range start='1' end='2'/>", &e));
	EXPECT_STREQ("<range>: the ip-dhcp-host section takes a <host>", e.msg);
	EXPECT_EQ(3, n->n_hosts);
	/* delete: every attribute must match */
	EXPECT_EQ(-1, vmon_network_host_delete(n, "<host name='new' ip='192.168.130.30'/>", &e));
	EXPECT_NE(NULL, strstr(e.msg, "couldn't locate a matching dhcp host entry"));
	EXPECT_EQ(0,
		  vmon_network_host_delete(
			  n, "<host mac='52:54:00:00:00:aa' name='new' ip='192.168.130.30'/>", &e))
	TH_LOG("%s", e.msg);
	EXPECT_EQ(2, n->n_hosts);
	EXPECT_EQ(0, vmon_network_host_delete(n, "<host name='db' ip='192.168.130.11'/>", &e));
	ASSERT_EQ(1, n->n_hosts);
	EXPECT_STREQ("web", n->hosts[0].name);
	vmon_network_free(n);
}

static char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/net_switch_test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	return path;
}

TEST(leases)
{
	char *path = tmpfile_with(
		"1764921600 52:54:00:6c:3c:01 192.168.130.10 web 01:52:54:00:6c:3c:01\n"
		"0 52:54:00:00:00:02 192.168.130.77 * *\n"
		"duid 00:01:00:01:2c:aa:bb:cc\n");
	struct vmon_net_lease *l = NULL;
	size_t n = 0;
	char err[256];

	ASSERT_NE(NULL, path);
	ASSERT_EQ(0, vmon_net_leases_read(path, &l, &n, err, sizeof(err))) TH_LOG("%s", err);
	unlink(path);
	ASSERT_EQ(2, n);
	EXPECT_EQ(1764921600LL, l[0].expiry);
	EXPECT_STREQ("52:54:00:6c:3c:01", l[0].mac);
	EXPECT_STREQ("192.168.130.10", l[0].ip);
	EXPECT_STREQ("web", l[0].hostname);
	EXPECT_STREQ("01:52:54:00:6c:3c:01", l[0].clientid);
	EXPECT_STREQ("", l[1].hostname);
	EXPECT_STREQ("", l[1].clientid);
	EXPECT_EQ(0, l[1].expiry);
	free(l);
	/* no file yet: no leases, no error */
	EXPECT_EQ(0, vmon_net_leases_read("/nonexistent/x.leases", &l, &n, err, sizeof(err)));
	EXPECT_EQ(0, n);
	/* a broken line is an error naming the file and line */
	path = tmpfile_with("1 52:54:00:00:00:02 192.168.130.77 a *\n5 zz 1.2.3.4 b *\n");
	EXPECT_EQ(-1, vmon_net_leases_read(path, &l, &n, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, ":2: not a dnsmasq lease line")) TH_LOG("%s", err);
	unlink(path);
}

/* ip_forward on, its earlier value kept once, given back once (plain files). */
TEST(ip_forward_on_and_back)
{
	char *path = tmpfile_with("0\n"), save[300], err[256], *got;

	ASSERT_NE(NULL, path);
	snprintf(save, sizeof(save), "%s.before", path);
	EXPECT_EQ(0, vmon_net_ip_forward_enable(path, save, err, sizeof(err))) TH_LOG("%s", err);
	got = golden_slurp(path);
	EXPECT_STREQ("1\n", got);
	free(got);
	got = golden_slurp(save);
	EXPECT_STREQ("0\n", got);
	free(got);
	/* a second network: the value kept is still the one from before the first */
	EXPECT_EQ(0, vmon_net_ip_forward_enable(path, save, err, sizeof(err)));
	got = golden_slurp(save);
	EXPECT_STREQ("0\n", got);
	free(got);
	EXPECT_EQ(0, vmon_net_ip_forward_restore(path, save, err, sizeof(err))) TH_LOG("%s", err);
	got = golden_slurp(path);
	EXPECT_STREQ("0\n", got);
	free(got);
	EXPECT_NE(0, access(save, F_OK));
	/* nothing kept: nothing to restore, the value left alone */
	EXPECT_EQ(0, vmon_net_ip_forward_enable(path, save, err, sizeof(err)));
	unlink(save);
	EXPECT_EQ(0, vmon_net_ip_forward_restore(path, save, err, sizeof(err)));
	got = golden_slurp(path);
	EXPECT_STREQ("1\n", got);
	free(got);
	/* errors name the file */
	EXPECT_EQ(-1,
		  vmon_net_ip_forward_enable("/nonexistent/ip_forward", save, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent/ip_forward")) TH_LOG("%s", err);
	unlink(path);
}

TEST_HARNESS_MAIN
