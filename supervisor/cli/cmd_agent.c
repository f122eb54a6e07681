// SPDX-License-Identifier: GPL-2.0
/*
 * vmon qemu-agent-command DOMAIN COMMAND: one guest agent command, as virsh
 * qemu-agent-command: COMMAND is the agent's JSON ({"execute":...}), the
 * answer printed as the agent gave it ({"return":...}), its error as
 * libvirt words it. domfsfreeze and domfsthaw: the agent's
 * guest-fsfreeze-freeze(-list) and -thaw, as virsh prints them; domifaddr
 * --source agent: guest-network-get-interfaces in virsh's layout.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/cli.h>

#include "vmond_client.h"

#define VMON_AGENT_TIMEOUT 5 /* s, virsh's default */

/*
 * Guest agent command @cmd (taken) for @domain, through vmond, within
 * @timeout s: 0 and the agent's "return" in *ret (NULL if none; put it), or
 * -1 (vmond's refusal printed).
 */
static int agent_return(const char *sock, const char *domain, struct json_object *cmd, long timeout,
			struct json_object **ret)
{
	struct json_object *req = json_object_new_object(), *a, *r;

	json_object_object_add(req, "cmd", json_object_new_string("qemu-agent-command"));
	json_object_object_add(req, "domain", json_object_new_string(domain));
	json_object_object_add(req, "command", cmd);
	json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	if (vmond_request("qemu-agent-command", sock, false, req, &a))
		return -1;
	*ret = json_object_object_get_ex(a, "return", &r) ? json_object_get(r) : NULL;
	json_object_put(a);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vmon qemu-agent-command [-c URI] DOMAIN COMMAND [--timeout SECONDS]\n"
		   "                                [--pretty]\n"
		   "\n"
		   "Send COMMAND, a JSON object of the QEMU guest agent's protocol such as\n"
		   "'{\"execute\":\"guest-info\"}', to the agent in a running domain (its\n"
		   "<channel type='unix'> with <target type='virtio'\n"
		   "name='org.qemu.guest_agent.0'/>), and print the agent's answer.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --timeout SECONDS how long to wait for the agent, 1 to 300 (default 5)\n"
		   "      --pretty          indent the answer\n"
		   "  -h, --help            this text\n"
		   "\n"
		   "Commands that answer nothing on success (guest-shutdown,\n"
		   "guest-suspend-*) return once the agent has them. Without a running\n"
		   "agent in the guest the command fails at once; an agent that does not\n"
		   "answer fails after the timeout.\n");
}

int vmon_cmd_qemu_agent_command(int argc, char **argv);
int vmon_cmd_qemu_agent_command(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *cmd, *ret, *out;
	const char *sock = NULL;
	bool pretty = false;
	long timeout = VMON_AGENT_TIMEOUT;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c') {
			sock = optarg;
		} else if (opt == 't') {
			timeout = strtol(optarg, &end, 10);
			if (*end || end == optarg || timeout < 1 || timeout > 300) {
				vmon_err("qemu-agent-command: --timeout '%s': not 1 to 300 seconds",
					 optarg);
				return VMON_EXIT_USAGE;
			}
		} else if (opt == 'p') {
			pretty = true;
		} else {
			return vmon_usage_exit(opt, usage);
		}
	}
	if (optind + 1 >= argc) {
		vmon_err("qemu-agent-command: missing %s (see: vmon qemu-agent-command --help)",
			 optind >= argc ? "DOMAIN" : "COMMAND");
		return VMON_EXIT_USAGE;
	}
	if (vmon_no_more_args("qemu-agent-command", argc, argv, optind + 2, NULL))
		return VMON_EXIT_USAGE;
	cmd = json_tokener_parse(argv[optind + 1]);
	if (!cmd || !json_object_is_type(cmd, json_type_object)) {
		json_object_put(cmd);
		vmon_err("qemu-agent-command: COMMAND '%s' is not a JSON object", argv[optind + 1]);
		return VMON_EXIT_USAGE;
	}
	if (agent_return(sock, argv[optind], cmd, timeout, &ret))
		return VMON_EXIT_FAIL;
	out = json_object_new_object();
	json_object_object_add(out, "return", ret);
	puts(json_object_to_json_string_ext(
		out, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
			     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	return VMON_EXIT_OK;
}

static const char *fs_cmd;

static void fs_usage(FILE *f)
{
	bool freeze = !strcmp(fs_cmd, "domfsfreeze");

	fprintf(f,
		"usage: vmon %s [-c URI] DOMAIN%s\n"
		"\n"
		"%s the guest's file systems through its QEMU guest\n"
		"agent (guest-fsfreeze-%s), and print how many.\n"
		"\n"
		"  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		"%s"
		"  -h, --help            this text\n",
		fs_cmd, freeze ? " [--mountpoint PATH]..." : "",
		freeze ? "Freeze (all, or those mounted at the --mountpoint paths)" : "Thaw",
		freeze ? "freeze, or -freeze-list" : "thaw",
		freeze ? "  -m, --mountpoint PATH a file system to freeze (repeatable)\n" : "");
}

static int fs_run(const char *name, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool freeze = !strcmp(name, "domfsfreeze");
	struct json_object *cmd, *args = NULL, *ret;
	const char *sock = NULL;
	int opt;

	fs_cmd = name;
	while ((opt = getopt_long(argc, argv, freeze ? "c:m:h" : "c:h", lo, NULL)) != -1) {
		if (opt == 'c') {
			sock = optarg;
		} else if (opt == 'm' && freeze) {
			if (!args)
				args = json_object_new_array();
			json_object_array_add(args, json_object_new_string(optarg));
		} else {
			json_object_put(args);
			return vmon_usage_exit(opt, fs_usage);
		}
	}
	if (optind >= argc || vmon_no_more_args(name, argc, argv, optind + 1, NULL)) {
		if (optind >= argc)
			vmon_err("%s: missing DOMAIN (see: vmon %s --help)", name, name);
		json_object_put(args);
		return VMON_EXIT_USAGE;
	}
	cmd = json_object_new_object();
	json_object_object_add(cmd, "execute",
			       json_object_new_string(!freeze ? "guest-fsfreeze-thaw"
						      : args  ? "guest-fsfreeze-freeze-list"
							      : "guest-fsfreeze-freeze"));
	if (args) {
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "mountpoints", args);
		json_object_object_add(cmd, "arguments", a);
	}
	if (agent_return(sock, argv[optind], cmd, VMON_AGENT_TIMEOUT, &ret))
		return VMON_EXIT_FAIL;
	printf("%s %d filesystem(s)\n\n", freeze ? "Froze" : "Thawed", json_object_get_int(ret));
	json_object_put(ret);
	return VMON_EXIT_OK;
}

int vmon_cmd_domfsfreeze(int argc, char **argv);
int vmon_cmd_domfsfreeze(int argc, char **argv)
{
	return fs_run("domfsfreeze", argc, argv);
}

int vmon_cmd_domfsthaw(int argc, char **argv);
int vmon_cmd_domfsthaw(int argc, char **argv)
{
	return fs_run("domfsthaw", argc, argv);
}

static void ifaddr_usage(FILE *f)
{
	fprintf(f, "usage: vmon domifaddr [-c URI] DOMAIN [INTERFACE] [--full]\n"
		   "                       [--source agent|lease|arp]\n"
		   "\n"
		   "A running domain's network interfaces and their addresses, in virsh\n"
		   "domifaddr's layout. agent (the default): as the guest sees them, from\n"
		   "its QEMU guest agent (guest-network-get-interfaces), INTERFACE a name in\n"
		   "the guest; lease: the DHCP leases of the networks its <interface\n"
		   "type='network'>s are on (vmon net-dhcp-leases), by tap, INTERFACE a\n"
		   "tap's name; arp: the host's ARP table for each interface's MAC (IPv4,\n"
		   "no prefix: /0), by tap.\n"
		   "\n"
		   "  -c, --connect URI     vmond: a socket or URI (default vmon:///system)\n"
		   "      --full            name and MAC on every line, not only the first\n"
		   "      --source SOURCE   agent, lease or arp\n"
		   "  -h, --help            this text\n");
}

int vmon_domifaddr_lease(const char *sock, const char *dom, const char *only, bool full);
int vmon_domifaddr_arp(const char *sock, const char *dom, const char *only, bool full);
int vmon_cmd_domifaddr(int argc, char **argv);
int vmon_cmd_domifaddr(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 's' },
		{ "full", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *cmd, *ret;
	const char *sock = NULL, *only = NULL;
	bool full = false, lease = false, arp = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c') {
			sock = optarg;
		} else if (opt == 'f') {
			full = true;
		} else if (opt == 's') {
			lease = !strcmp(optarg, "lease");
			arp = !strcmp(optarg, "arp");
			if (strcmp(optarg, "agent") && !lease && !arp) {
				vmon_err("domifaddr: unknown source '%s' (lease, agent, arp)",
					 optarg);
				return VMON_EXIT_USAGE;
			}
		} else {
			return vmon_usage_exit(opt, ifaddr_usage);
		}
	}
	if (optind >= argc) {
		vmon_err("domifaddr: missing DOMAIN (see: vmon domifaddr --help)");
		return VMON_EXIT_USAGE;
	}
	if (optind + 1 < argc)
		only = argv[optind + 1];
	if (vmon_no_more_args("domifaddr", argc, argv, optind + 1 + (only != NULL), NULL))
		return VMON_EXIT_USAGE;
	if (lease)
		return vmon_domifaddr_lease(sock, argv[optind], only, full);
	if (arp)
		return vmon_domifaddr_arp(sock, argv[optind], only, full);
	cmd = json_object_new_object();
	json_object_object_add(cmd, "execute",
			       json_object_new_string("guest-network-get-interfaces"));
	if (agent_return(sock, argv[optind], cmd, VMON_AGENT_TIMEOUT, &ret))
		return VMON_EXIT_FAIL;
	printf(" %-10s %-20s %-12s %s\n", "Name", "MAC address", "Protocol", "Address");
	printf("-------------------------------------------------------------------------------\n");
	for (size_t i = 0;
	     json_object_is_type(ret, json_type_array) && i < json_object_array_length(ret); i++) {
		struct json_object *ifc = json_object_array_get_idx(ret, i), *addrs;
		const char *name = vmon_jstr(ifc, "name"),
			   *mac = vmon_jstr(ifc, "hardware-address");
		bool first = true;

		if (!*name || (only && strcmp(only, name)))
			continue;
		/* an interface with no address: a line of its own, as virsh's */
		if (!json_object_object_get_ex(ifc, "ip-addresses", &addrs) ||
		    !json_object_array_length(addrs)) {
			printf(" %-10s %-20s %-12s %s\n", name, *mac ? mac : "N/A", "N/A", "N/A");
			continue;
		}
		for (size_t k = 0; k < json_object_array_length(addrs); k++) {
			struct json_object *a = json_object_array_get_idx(addrs, k), *p;
			const char *type = vmon_jstr(a, "ip-address-type"),
				   *ip = vmon_jstr(a, "ip-address");

			if (!*type || !*ip || !json_object_object_get_ex(a, "prefix", &p))
				continue;
			printf(" %-10s %-20s %-12s %s/%d\n", first || full ? name : "-",
			       first || full ? (*mac ? mac : "-") : "-", type, ip,
			       json_object_get_int(p));
			first = false;
		}
	}
	putchar('\n');
	json_object_put(ret);
	return VMON_EXIT_OK;
}
