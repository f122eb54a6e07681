// SPDX-License-Identifier: GPL-2.0
/*
 * vmond: the vmon daemon. Owns domain definitions and the lives of their
 * VMMs; serves the vmon CLI on /run/vmon/vmond.sock and vmond-ro.sock.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/storage.h>

#include "vmond.h"
#include "vnet.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmond [OPTIONS]\n"
		"\n"
		"The vmon daemon: keeps domain definitions under /etc/vmon, starts each\n"
		"domain's vmon-vmm (which outlives vmond), and serves the vmon command line.\n"
		"\n"
		"  -f, --foreground    stay in the foreground, log to stderr (also what\n"
		"                      systemd runs; READY=1 is sent when $NOTIFY_SOCKET is set)\n"
		"  -r, --root DIR      keep every file under DIR (etc/vmon, run/vmon, "
		"var/lib/vmon)\n"
		"      --vmm PATH      the VMM binary (default: vmon-vmm in PATH)\n"
		"      --no-seccomp    start VMMs without their seccomp filter\n"
		"      --report-idle   show a running guest whose vCPUs all sit halted as\n"
		"                      idle (virsh's name), not running; off by default,\n"
		"                      as libvirt's QEMU driver never reports it\n"
		"      --default-network  define the 'default' network on the first start\n"
		"                      even under --root (without --root it always is)\n"
		"      --storage-timeout SECONDS  the longest a storage tool (lvm's, mkfs)\n"
		"                      may run before it is killed and its request fails\n"
		"                      (default 120)\n"
		"      --stdio-proxy   relay stdin and stdout to a running vmond's socket\n"
		"                      and exit (what vmon -c vmon+ssh://HOST runs on HOST)\n"
		"      --socket PATH   with --stdio-proxy: that socket (default\n"
		"                      /run/vmon/vmond.sock)\n"
		"      --readonly      with --stdio-proxy: the read-only socket when the\n"
		"                      read-write one is denied\n"
		"  -h, --help          this text\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },
		{ "vmm", required_argument, NULL, 'V' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "report-idle", no_argument, NULL, 'I' },
		{ "default-network", no_argument, NULL, 'N' },
		{ "storage-timeout", required_argument, NULL, 'T' },
		{ "stdio-proxy", no_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 's' },
		{ "readonly", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool proxy = false, proxy_ro = false;
	const char *proxy_sock = NULL;
	struct vmond d = { .next_id = 1, .vmm_path = "vmon-vmm", .ep = -1 };
	const char *root = NULL;
	bool fg = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "fr:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			fg = true;
			break;
		case 'r':
			root = optarg;
			break;
		case 'V':
			d.vmm_path = optarg;
			break;
		case 'S':
			d.no_seccomp = true;
			break;
		case 'I':
			d.report_idle = true;
			break;
		case 'N':
			vmond_net_want_default(true);
			break;
		case 'T': {
			char *end;
			unsigned long t = strtoul(optarg, &end, 10);

			if (*end || !*optarg || t == 0 || t > 86400) {
				fprintf(stderr,
					"vmond: --storage-timeout '%s' is not a number of seconds "
					"in 1..86400\n",
					optarg);
				return 2;
			}
			vmon_storage_set_timeout((unsigned int)t);
			break;
		}
		case 'P':
			proxy = true;
			break;
		case 's':
			proxy_sock = optarg;
			break;
		case 'R':
			proxy_ro = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmond: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (proxy)
		return vmond_stdio_proxy(proxy_sock, proxy_ro);
	if (proxy_sock || proxy_ro) {
		fprintf(stderr, "vmond: --socket and --readonly go with --stdio-proxy\n");
		return 2;
	}
	if (!fg) {
		fprintf(stderr, "vmond: only --foreground is supported (systemd runs it so)\n");
		return 2;
	}
	ret = vmond_paths_init(&d.p, root, true);
	if (ret) {
		fprintf(stderr, "vmond: cannot create directories under '%s': %s\n",
			root ? root : "/", strerror(-ret));
		return 1;
	}
	vmond_load(&d);
	vmond_pools_init(&d);
	vmond_net_init(&d); /* networks before the domains that use them */
	return vmond_serve(&d, getenv("NOTIFY_SOCKET") != NULL) ? 1 : 0;
}
