// SPDX-License-Identifier: GPL-2.0
/*
 * vmon: the command line, a virsh-like front end. Each command lives in its
 * own cmd_*.c and is dispatched from the table below.
 */
#include <stdio.h>
#include <string.h>

#include <vmon/cli.h>

int vmon_cmd_version(int argc, char **argv);
int vmon_cmd_img(int argc, char **argv);
int vmon_cmd_top(int argc, char **argv);
int vmon_cmd_stats(int argc, char **argv);
int vmon_cmd_event(int argc, char **argv);
int vmon_cmd_steal_threshold(int argc, char **argv);
int vmon_cmd_trace(int argc, char **argv);
/* Domains, through vmond (cmd_domain.c, cmd_list.c). */
int vmon_cmd_list(int argc, char **argv);
int vmon_cmd_define(int argc, char **argv);
int vmon_cmd_undefine(int argc, char **argv);
int vmon_cmd_create(int argc, char **argv);
int vmon_cmd_start(int argc, char **argv);
int vmon_cmd_shutdown(int argc, char **argv);
int vmon_cmd_reboot(int argc, char **argv);
int vmon_cmd_destroy(int argc, char **argv);
int vmon_cmd_suspend(int argc, char **argv);
int vmon_cmd_resume(int argc, char **argv);
int vmon_cmd_autostart(int argc, char **argv);
int vmon_cmd_dompmsuspend(int argc, char **argv);
int vmon_cmd_dompmwakeup(int argc, char **argv);
int vmon_cmd_save(int argc, char **argv);
int vmon_cmd_restore(int argc, char **argv);
int vmon_cmd_managedsave(int argc, char **argv);
int vmon_cmd_managedsave_remove(int argc, char **argv);
int vmon_cmd_domstate(int argc, char **argv);
int vmon_cmd_dominfo(int argc, char **argv);
int vmon_cmd_domid(int argc, char **argv);
int vmon_cmd_domname(int argc, char **argv);
int vmon_cmd_domuuid(int argc, char **argv);
int vmon_cmd_dumpxml(int argc, char **argv);
int vmon_cmd_domstats(int argc, char **argv);
int vmon_cmd_console(int argc, char **argv);
int vmon_cmd_domblkstat(int argc, char **argv);
int vmon_cmd_domifstat(int argc, char **argv);
int vmon_cmd_edit(int argc, char **argv);
int vmon_cmd_devlist(int argc, char **argv);
int vmon_cmd_setmem(int argc, char **argv);
int vmon_cmd_setvcpus(int argc, char **argv);
int vmon_cmd_blkdeviotune(int argc, char **argv);
int vmon_cmd_qemu_agent_command(int argc, char **argv);
int vmon_cmd_domfsfreeze(int argc, char **argv);
int vmon_cmd_domfsthaw(int argc, char **argv);
int vmon_cmd_domifaddr(int argc, char **argv);
/* The host, through vmond (cmd_host.c). */
int vmon_cmd_nodeinfo(int argc, char **argv);
int vmon_cmd_capabilities(int argc, char **argv);
/* Storage pools and volumes, through vmond (cmd_pool.c): argv[0] is the verb. */
int vmon_cmd_storage(int argc, char **argv);
/* Domain snapshots, through vmond (cmd_snapshot.c): argv[0] is the verb. */
int vmon_cmd_snapshot(int argc, char **argv);
/* Virtual networks, through vmond (cmd_net.c, cmd_net_list.c). */
int vmon_cmd_net_list(int argc, char **argv);
int vmon_cmd_net_define(int argc, char **argv);
int vmon_cmd_net_create(int argc, char **argv);
int vmon_cmd_net_undefine(int argc, char **argv);
int vmon_cmd_net_start(int argc, char **argv);
int vmon_cmd_net_destroy(int argc, char **argv);
int vmon_cmd_net_autostart(int argc, char **argv);
int vmon_cmd_net_info(int argc, char **argv);
int vmon_cmd_net_dumpxml(int argc, char **argv);
int vmon_cmd_net_dhcp_leases(int argc, char **argv);
int vmon_cmd_net_update(int argc, char **argv);
int vmon_cmd_install(int argc, char **argv);
/* Devices of a domain's definition, through vmond (cmd_attach.c): argv[0] is the verb. */
int vmon_cmd_attach(int argc, char **argv);

const struct vmon_cmd vmon_cmds[] = {
	{ "img", "qcow2 and raw disk images, qemu-img compatible", vmon_cmd_img },
	{ "version", "show the vmon release and the module's ABI version", vmon_cmd_version },
	{ "top", "live per-VM table: steal, CPU, IOPS, MB/s, pps, KSM, dedup", vmon_cmd_top },
	{ "stats", "accounting figures of VMs (human, json, prometheus)", vmon_cmd_stats },
	{ "steal-threshold", "show or set a VM's steal threshold and the sampling interval",
	  vmon_cmd_steal_threshold },
	{ "event", "print the module's events as they come (like virsh event)", vmon_cmd_event },
	{ "trace", "eBPF views: blk-lat, net, exits, steal, halt (per VM)", vmon_cmd_trace },
	{ "list", "list domains (virsh list's layout)", vmon_cmd_list },
	{ "install", "create a guest in one command (virt-install's options)", vmon_cmd_install },
	{ "define", "define a domain from libvirt XML", vmon_cmd_define },
	{ "undefine", "undefine a domain", vmon_cmd_undefine },
	{ "create", "create and start a transient domain from XML", vmon_cmd_create },
	{ "start", "start a defined domain", vmon_cmd_start },
	{ "shutdown", "ask a domain's guest to shut down", vmon_cmd_shutdown },
	{ "reboot", "reboot a domain", vmon_cmd_reboot },
	{ "destroy", "stop a domain at once", vmon_cmd_destroy },
	{ "suspend", "pause a domain", vmon_cmd_suspend },
	{ "resume", "resume a paused domain", vmon_cmd_resume },
	{ "autostart", "start a domain with vmond (--disable: not)", vmon_cmd_autostart },
	{ "dompmsuspend", "suspend a guest to memory (through its agent)", vmon_cmd_dompmsuspend },
	{ "dompmwakeup", "wake a pmsuspended guest", vmon_cmd_dompmwakeup },
	{ "save", "save a domain's state to a file and stop it", vmon_cmd_save },
	{ "restore", "start a domain from a saved state", vmon_cmd_restore },
	{ "managedsave", "save a domain's state; its next start restores it",
	  vmon_cmd_managedsave },
	{ "managedsave-remove", "remove a domain's managed save", vmon_cmd_managedsave_remove },
	{ "domstate", "a domain's state [--reason]", vmon_cmd_domstate },
	{ "dominfo", "basic facts of a domain", vmon_cmd_dominfo },
	{ "domid", "a domain's id", vmon_cmd_domid },
	{ "domname", "a domain's name", vmon_cmd_domname },
	{ "domuuid", "a domain's UUID", vmon_cmd_domuuid },
	{ "dumpxml", "a domain's XML [--inactive]", vmon_cmd_dumpxml },
	{ "domiflist", "a domain's network interfaces (tap, type, source, MAC)", vmon_cmd_devlist },
	{ "domblklist", "a domain's disks (target and source) [--details]", vmon_cmd_devlist },
	{ "domstats", "a domain's statistics (libvirt's field names)", vmon_cmd_domstats },
	{ "console", "attach to a domain's serial console (ctrl-] leaves)", vmon_cmd_console },
	{ "domblkstat", "a domain's disk counters (virsh's layout)", vmon_cmd_domblkstat },
	{ "domifstat", "a domain's interface counters (virsh's layout)", vmon_cmd_domifstat },
	{ "edit", "edit a domain's XML in $VISUAL/$EDITOR, checked before saved", vmon_cmd_edit },
	{ "setmem", "a domain's current memory (live: its balloon)", vmon_cmd_setmem },
	{ "setvcpus", "a domain's vCPU count (live: ACPI CPU hot add)", vmon_cmd_setvcpus },
	{ "blkdeviotune", "a disk's I/O limits (live: vmon-blk's throttle)",
	  vmon_cmd_blkdeviotune },
	{ "attach-device", "add a device (XML file) to a domain's definition", vmon_cmd_attach },
	{ "detach-device", "remove a device (XML file) from a domain's definition",
	  vmon_cmd_attach },
	{ "attach-interface", "add a network interface to a domain's definition", vmon_cmd_attach },
	{ "detach-interface", "remove a network interface (by type, --mac)", vmon_cmd_attach },
	{ "attach-disk", "add a disk to a domain's definition", vmon_cmd_attach },
	{ "detach-disk", "remove a disk (by target or source)", vmon_cmd_attach },
	{ "qemu-agent-command", "a guest agent command (JSON) to a running domain",
	  vmon_cmd_qemu_agent_command },
	{ "domfsfreeze", "freeze a guest's file systems (its agent)", vmon_cmd_domfsfreeze },
	{ "domfsthaw", "thaw a guest's file systems (its agent)", vmon_cmd_domfsthaw },
	{ "domifaddr", "a guest's interface addresses (its agent)", vmon_cmd_domifaddr },
	{ "nodeinfo", "the host's CPUs, memory, NUMA cells, KVM and module", vmon_cmd_nodeinfo },
	{ "capabilities", "the host's capabilities as libvirt's XML", vmon_cmd_capabilities },
	{ "pool-list", "list storage pools [--all] [--details]", vmon_cmd_storage },
	{ "pool-info", "a pool's state and sizes", vmon_cmd_storage },
	{ "pool-dumpxml", "a pool's XML", vmon_cmd_storage },
	{ "pool-define", "define a pool from an XML file", vmon_cmd_storage },
	{ "pool-edit", "edit a pool's XML in $VISUAL/$EDITOR, checked before saved",
	  vmon_cmd_edit },
	{ "pool-define-as", "define a pool from its parts", vmon_cmd_storage },
	{ "pool-create", "create and start a transient pool from XML", vmon_cmd_storage },
	{ "pool-create-as", "create and start a transient pool from its parts", vmon_cmd_storage },
	{ "pool-build", "build a pool's storage", vmon_cmd_storage },
	{ "pool-start", "start a pool", vmon_cmd_storage },
	{ "pool-destroy", "stop a pool", vmon_cmd_storage },
	{ "pool-delete", "delete an inactive pool's storage", vmon_cmd_storage },
	{ "pool-undefine", "remove a pool's definition", vmon_cmd_storage },
	{ "pool-autostart", "start a pool with vmond (--disable: not)", vmon_cmd_storage },
	{ "pool-refresh", "rescan a pool's volumes", vmon_cmd_storage },
	{ "snapshot-create-as", "snapshot a shut-off domain (internal qcow2 snapshots)",
	  vmon_cmd_snapshot },
	{ "snapshot-create", "snapshot a shut-off domain from snapshot XML", vmon_cmd_snapshot },
	{ "snapshot-list", "a domain's snapshots [--parent] [--tree] [--name]", vmon_cmd_snapshot },
	{ "snapshot-info", "a snapshot's state, parent and children", vmon_cmd_snapshot },
	{ "snapshot-dumpxml", "a snapshot's XML", vmon_cmd_snapshot },
	{ "snapshot-current", "the current snapshot [--name]", vmon_cmd_snapshot },
	{ "snapshot-parent", "a snapshot's parent", vmon_cmd_snapshot },
	{ "snapshot-revert", "put a shut-off domain back to a snapshot", vmon_cmd_snapshot },
	{ "snapshot-delete", "delete a snapshot [--children] [--metadata]", vmon_cmd_snapshot },
	{ "find-storage-pool-sources", "discover pool sources (logical: volume groups)",
	  vmon_cmd_storage },
	{ "find-storage-pool-sources-as", "discover pool sources, search given by its parts",
	  vmon_cmd_storage },
	{ "vol-list", "list a pool's volumes [--details]", vmon_cmd_storage },
	{ "vol-info", "a volume's type and sizes", vmon_cmd_storage },
	{ "vol-dumpxml", "a volume's XML", vmon_cmd_storage },
	{ "vol-path", "a volume's path", vmon_cmd_storage },
	{ "vol-key", "a volume's key", vmon_cmd_storage },
	{ "vol-name", "a volume's name (from key or path)", vmon_cmd_storage },
	{ "vol-pool", "a volume's pool (from key or path)", vmon_cmd_storage },
	{ "vol-create", "create a volume from XML", vmon_cmd_storage },
	{ "vol-create-as", "create a volume (raw, qcow2, --backing-vol)", vmon_cmd_storage },
	{ "vol-create-from", "create a volume from XML with another's data", vmon_cmd_storage },
	{ "vol-clone", "copy a volume", vmon_cmd_storage },
	{ "vol-delete", "delete a volume", vmon_cmd_storage },
	{ "vol-wipe", "overwrite a volume's data", vmon_cmd_storage },
	{ "vol-resize", "change a volume's capacity", vmon_cmd_storage },
	{ "vol-upload", "write a file into a volume", vmon_cmd_storage },
	{ "vol-download", "copy a volume into a file", vmon_cmd_storage },
	{ "net-list", "list virtual networks (virsh net-list's layout)", vmon_cmd_net_list },
	{ "net-define", "define a virtual network from libvirt XML", vmon_cmd_net_define },
	{ "net-create", "create and start a transient network from XML", vmon_cmd_net_create },
	{ "net-undefine", "undefine a network", vmon_cmd_net_undefine },
	{ "net-start", "start a network (bridge, NAT, DHCP)", vmon_cmd_net_start },
	{ "net-destroy", "stop a network and remove what it made", vmon_cmd_net_destroy },
	{ "net-autostart", "start a network with vmond (--disable: not)", vmon_cmd_net_autostart },
	{ "net-info", "basic facts of a network", vmon_cmd_net_info },
	{ "net-dumpxml", "a network's XML [--inactive]", vmon_cmd_net_dumpxml },
	{ "net-edit", "edit a network's XML in $VISUAL/$EDITOR, checked before saved",
	  vmon_cmd_edit },
	{ "net-dhcp-leases", "the DHCP leases of a network", vmon_cmd_net_dhcp_leases },
	{ "net-update", "add or delete a network's DHCP host (live and/or config)",
	  vmon_cmd_net_update },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct vmon_cmd *c;

	fprintf(f, "usage: vmon COMMAND [ARGS...]\n"
		   "       vmon COMMAND --help\n"
		   "\n"
		   "Commands:\n");
	for (c = vmon_cmds; c->name; c++)
		fprintf(f, "  %-20s %s\n", c->name, c->summary);
	fprintf(f, "\n"
		   "The commands that talk to vmond take -c URI: a socket path, vmon:///system\n"
		   "(the default, or $VMON_DEFAULT_URI) or vmon+ssh://[USER@]HOST[:PORT]/system\n"
		   "(vmond on HOST, through ssh).\n"
		   "\n"
		   "Exit status: 0 success, 1 failure, 2 bad command line.\n");
}

int main(int argc, char **argv)
{
	const struct vmon_cmd *c;

	if (argc < 2) {
		usage(stderr);
		return VMON_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VMON_EXIT_OK;
	}
	for (c = vmon_cmds; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	vmon_err("unknown command '%s' (see: vmon --help)", argv[1]);
	return VMON_EXIT_USAGE;
}
