// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: a network's NAT and forward rules through libnftables, in the
 * table "ip vmon" that only vmon writes. Each network owns two base chains
 * named after its bridge (post-BRIDGE for masquerade, fwd-BRIDGE for
 * forwarding; the prefix keeps a name that starts with a digit an nft
 * identifier); the script that installs them flushes them first, so that
 * applying twice (after a crash) leaves one copy, all in one transaction.
 */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

static void nat_rules(FILE *f, const struct vmon_network *n, const char *sub)
{
	const char *b = n->bridge;

	fprintf(f,
		"add chain ip vmon post-%s { type nat hook postrouting priority srcnat; "
		"policy accept; }\n",
		b);
	fprintf(f, "flush chain ip vmon post-%s\n", b);
	/* multicast and broadcast leave unchanged, as libvirt does */
	fprintf(f, "add rule ip vmon post-%s ip saddr %s ip daddr 224.0.0.0/24 return\n", b, sub);
	fprintf(f, "add rule ip vmon post-%s ip saddr %s ip daddr 255.255.255.255 return\n", b,
		sub);
	fprintf(f,
		"add rule ip vmon post-%s ip saddr %s ip daddr != %s meta l4proto { tcp, udp } "
		"masquerade to :1024-65535\n",
		b, sub, sub);
	fprintf(f, "add rule ip vmon post-%s ip saddr %s ip daddr != %s masquerade\n", b, sub, sub);
}

/* The outside interface, if <forward dev=> names one. */
static void out_if(FILE *f, const struct vmon_network *n, const char *dir)
{
	if (n->forward_dev)
		fprintf(f, " %s \"%s\"", dir, n->forward_dev);
}

static void fwd_rules(FILE *f, const struct vmon_network *n, const char *sub)
{
	const char *b = n->bridge;

	fprintf(f,
		"add chain ip vmon fwd-%s { type filter hook forward priority filter; "
		"policy accept; }\n",
		b);
	fprintf(f, "flush chain ip vmon fwd-%s\n", b);
	fprintf(f, "add rule ip vmon fwd-%s iifname \"%s\" oifname \"%s\" accept\n", b, b, b);
	if (n->forward == VMON_NET_NAT || n->forward == VMON_NET_ROUTE) {
		fprintf(f, "add rule ip vmon fwd-%s iifname \"%s\"", b, b);
		out_if(f, n, "oifname");
		fprintf(f, " ip saddr %s accept\n", sub);
		fprintf(f, "add rule ip vmon fwd-%s oifname \"%s\"", b, b);
		out_if(f, n, "iifname");
		fprintf(f, " ip daddr %s%s accept\n", sub,
			n->forward == VMON_NET_NAT ? " ct state related,established" : "");
	}
	/* everything else to or from the bridge is refused */
	fprintf(f, "add rule ip vmon fwd-%s iifname \"%s\" reject\n", b, b);
	fprintf(f, "add rule ip vmon fwd-%s oifname \"%s\" reject\n", b, b);
}

char *vmon_net_nft_script(const struct vmon_network *n)
{
	char sub[32], *s = NULL;
	size_t len = 0;
	FILE *f;

	if (n->forward == VMON_NET_OPEN || !n->bridge)
		return NULL; /* open: the host's own firewall decides */
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	vmon_network_subnet(n, sub, sizeof(sub));
	fprintf(f, "add table ip vmon\n");
	if (n->forward == VMON_NET_NAT)
		nat_rules(f, n, sub);
	fwd_rules(f, n, sub);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

char *vmon_net_nft_remove_script(const struct vmon_network *n)
{
	char *s = NULL;

	if (asprintf(&s,
		     "add table ip vmon\n"
		     "add chain ip vmon post-%s\n"
		     "add chain ip vmon fwd-%s\n"
		     "delete chain ip vmon post-%s\n"
		     "delete chain ip vmon fwd-%s\n",
		     n->bridge, n->bridge, n->bridge, n->bridge) < 0)
		return NULL;
	return s;
}

/* Run @script; nft's own error text into @err. */
static int run(const char *script, const char *what, char *err, size_t errlen)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *msg;
	int rc;

	if (!ctx) {
		snprintf(err, errlen, "libnftables: out of memory");
		return -1;
	}
	nft_ctx_buffer_error(ctx);
	nft_ctx_buffer_output(ctx);
	rc = nft_run_cmd_from_buffer(ctx, script);
	if (rc) {
		msg = nft_ctx_get_error_buffer(ctx);
		snprintf(err, errlen, "nftables: %s: %s", what, msg && *msg ? msg : "failed");
		for (size_t l = strlen(err); l && err[l - 1] == '\n'; l--)
			err[l - 1] = 0;
	}
	nft_ctx_free(ctx);
	return rc ? -1 : 0;
}

int vmon_net_nft_apply(const struct vmon_network *n, char *err, size_t errlen)
{
	char *s = vmon_net_nft_script(n);
	int rc;

	if (!s)
		return n->forward == VMON_NET_OPEN ? 0
						   : (snprintf(err, errlen, "out of memory"), -1);
	rc = run(s, "cannot add the rules", err, errlen);
	free(s);
	return rc;
}

/* Drop the table too once no network has a chain in it. */
static void drop_empty_table(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *out;

	if (!ctx)
		return;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (!nft_run_cmd_from_buffer(ctx, "list table ip vmon")) {
		out = nft_ctx_get_output_buffer(ctx);
		if (out && !strstr(out, "chain "))
			nft_run_cmd_from_buffer(ctx, "delete table ip vmon");
	}
	nft_ctx_free(ctx);
}

int vmon_net_nft_remove(const struct vmon_network *n, char *err, size_t errlen)
{
	char *s;
	int rc;

	if (n->forward == VMON_NET_OPEN || !n->bridge)
		return 0;
	s = vmon_net_nft_remove_script(n);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = run(s, "cannot remove the rules", err, errlen);
	free(s);
	if (!rc)
		drop_empty_table();
	return rc;
}
