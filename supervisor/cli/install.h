/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon install: virt-install's options (install_opts.c), the domain XML
 * they make (install_xml.c), and the steps that create the disks, define
 * and start the domain (cmd_install.c).
 */
#ifndef VMON_CLI_INSTALL_H
#define VMON_CLI_INSTALL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define INST_MAX_DISKS 16
#define INST_MAX_NETS 8

struct inst_disk {
	char *path;	      /* path=: a file or block device */
	char *pool, *vol;     /* pool=NAME (a new volume) or vol=POOL/NAME */
	char *backing;	      /* backing_store= */
	char *backing_format; /* backing_format= */
	char *format;	      /* format=: raw or qcow2; NULL: probed or qcow2 */
	char *cache;	      /* cache= */
	char *serial;	      /* serial=: the ID the guest reads */
	uint64_t size;	      /* size= in bytes; 0: none given */
	bool readonly;
	/* decided by install_plan() */
	bool create;	/* path=: a new image made with libqcow2 */
	char *vol_name; /* pool=: the new volume's name */
	char target[8]; /* vda, vdb, ... */
};

enum inst_net_type { INST_NET_NETWORK, INST_NET_BRIDGE };

struct inst_net {
	enum inst_net_type type;
	char *source;
	char *mac; /* NULL: vmond's libdomain makes one */
};

struct inst {
	char *name;
	uint64_t memory_mib, current_mib; /* <memory>, <currentMemory> */
	unsigned int vcpus, maxvcpus;
	char *kernel, *initrd, *kernel_args;
	struct inst_disk disks[INST_MAX_DISKS];
	unsigned int n_disks;
	struct inst_net nets[INST_MAX_NETS];
	unsigned int n_nets;
	bool net_none, net_given;
	char *rng;    /* backend device, NULL: none */
	bool balloon; /* --memballoon virtio (the default) */
	bool agent;   /* --channel ...org.qemu.guest_agent.0 */
	char *osinfo; /* --osinfo/--os-variant, metadata only */
	bool import, autostart, noautoconsole, transient, print_xml, dry_run;
	bool wait_given;
	int wait_minutes; /* --wait: <0 forever */
	const char *sock;
};

/*
 * Parse argv into *in: 0; an exit status after printing why; or, after
 * --help, INSTALL_STOP plus the status to exit with.
 */
#define INSTALL_STOP 0x100
int install_parse(int argc, char **argv, struct inst *in);
void install_free(struct inst *in);
void install_usage(FILE *f);

/*
 * The domain XML for @in, as vmon define accepts it and dumpxml prints it
 * (built with libxml2, then parsed and formatted by libdomain): malloc'd,
 * or NULL after printing why.
 */
char *install_xml(const struct inst *in);

#endif
