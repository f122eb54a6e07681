/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's configuration, from the command line, and the parsers of the
 * device options (unit tested on the host).
 */
#ifndef VMON_VMM_CONFIG_H
#define VMON_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vmon.h>
#include <vmon/domain.h>

#define VMM_MAX_DISKS 4
#define VMM_MAX_NETS 4

enum blk_backend {
	BLK_AUTO, /* vmon-blk when /dev/vmon-blk exists and the image is raw */
	BLK_URING,
	BLK_VMON,
};

enum net_backend {
	NET_AUTO, /* vmon-net, else vhost-net, else userspace */
	NET_USER,
	NET_VHOST,
	NET_VMON,
};

/* What a failed request does, QEMU's werror= and rerror= */
enum blk_err_policy {
	BLK_ERR_REPORT, /* the guest gets IOERR (the default) */
	BLK_ERR_STOP,	/* the VM pauses (I/O error), the request is retried on resume */
	BLK_ERR_ENOSPC, /* stop on ENOSPC, report other errors */
};

enum disk_format {
	DISK_PROBE, /* qcow2 when the file starts with the qcow2 magic, else raw */
	DISK_RAW,
	DISK_QCOW2,
};

struct disk_config {
	char path[4096];
	bool readonly;
	enum blk_backend backend;
	enum disk_format format;
	bool direct;	 /* cache=none: the image opened O_DIRECT, as QEMU does */
	char serial[21]; /* serial=: the ID the guest reads (GET_ID); "" for ours */
	/*
	 * iops[_rd|_wr][_max]=, bps[_rd|_wr][_max]= (QEMU's -drive names):
	 * vmon-blk's token buckets, total, read and write; 0 = none
	 */
	struct vmon_blk_limits limits;
	enum blk_err_policy werror, rerror; /* werror=, rerror= */
};

/* Any bucket of @l on. */
static inline bool blk_limits_on(const struct vmon_blk_limits *l)
{
	return l->total.ops.rate || l->total.bytes.rate || l->read.ops.rate || l->read.bytes.rate ||
	       l->write.ops.rate || l->write.bytes.rate;
}

struct net_config {
	char tap[16];
	uint8_t mac[6];
	enum net_backend backend;
};

struct vmm_config {
	const char *kernel, *initrd, *append, *console, *api, *name, *agent, *hvc;
	int cpus, max_cpus; /* max_cpus 0: cpus, no hotplug */
	unsigned long memory_mib;
	bool merge, hugepages, seccomp, rng, balloon;
	int ndisks, nnets;
	struct disk_config disks[VMM_MAX_DISKS];
	struct net_config nets[VMM_MAX_NETS];
};

/*
 * Parse "PATH[,ro][,format=...][,backend=...][,cache=...][,serial=ID]
 * [,iops=N][,bps=N][,iops_max=N][,bps_max=N], the same with _rd and _wr
 * after iops and bps][,werror=report|stop|enospc][,rerror=report|stop]";
 * errors are printed, naming the option.
 */
int config_parse_disk(const char *arg, struct disk_config *d);
/* Parse "tap=IF[,mac=MAC][,backend=...]". */
int config_parse_net(const char *arg, struct net_config *n);

const char *blk_backend_name(enum blk_backend b);
const char *net_backend_name(enum net_backend b);
const char *disk_format_name(enum disk_format f);

struct vm;
/* Create the PCI devices the configuration asks for. */
int devices_create(struct vm *vm, const struct vmm_config *cfg);
void devices_stop(struct vm *vm);

/* api.c */
int api_init(struct vm *vm, const char *path);
void api_exit(void);
int api_call(const char *path, const char *request);

/* accounting.c: /dev/vmon registration, when the module is there. */
int accounting_register(struct vm *vm, const char *name);
int accounting_attach(int dev_fd, const char *what);
void accounting_unregister(void);
uint32_t accounting_id(void);

/* seccomp.c: the allow-list filter, for every thread; violations end the VMM. */
int seccomp_install(void);
/* Before any thread starts: what glibc would otherwise do lazily under the filter. */
void seccomp_prepare(void);

/* user.c: the user the VMM becomes once the VM is built. */
#define VMM_DEFAULT_USER VMON_VMM_USER
struct vmm_user {
	uid_t uid;
	gid_t gid;
	bool keep; /* stay who we are: not root, or --user root */
};
/* --user ARG: root, a user name or UID:GID; -1 with a message on stderr. */
int vmm_user_parse(const char *arg, struct vmm_user *u);
/* ARG, or without one: VMM_DEFAULT_USER when root (which must exist). */
int vmm_user_default(const char *arg, struct vmm_user *u);
/* Become that user, supplementary groups cleared; 0 or -1 (logged). */
int vmm_user_drop(const struct vmm_user *u);

#endif /* VMON_VMM_CONFIG_H */
