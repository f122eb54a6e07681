/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libdomain: the libvirt domain XML subset vmond runs (parse, format,
 * the vmon-vmm command line). See vmond(8) and vmon(1).
 */
#ifndef VMON_DOMAIN_H
#define VMON_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where and why a definition was refused. line/column are 0 if unknown. */
struct vmon_xml_error {
	int line, column;
	char msg[512];
};

/* on_poweroff / on_reboot / on_crash values. */
enum vmon_lifecycle_action {
	VMON_ACTION_DESTROY,
	VMON_ACTION_RESTART,
	VMON_ACTION_PRESERVE,
	VMON_ACTION_RENAME_RESTART,   /* run as restart (warned at parse) */
	VMON_ACTION_COREDUMP_DESTROY, /* on_crash only; no dump yet */
	VMON_ACTION_COREDUMP_RESTART, /* on_crash only; no dump yet */
};

/* VOLUME: <source pool= volume=>, resolved into source by vmond at start. */
enum vmon_disk_type { VMON_DISK_FILE, VMON_DISK_BLOCK, VMON_DISK_VOLUME };
enum vmon_disk_format { VMON_DISK_RAW, VMON_DISK_QCOW2 };
/* cache= of <driver>; DEFAULT if absent. */
/* <driver error_policy= rerror_policy=>: what a failed request does */
enum vmon_disk_error {
	VMON_ERR_DEFAULT, /* absent: report (QEMU's own default is enospace) */
	VMON_ERR_STOP,
	VMON_ERR_REPORT,
	VMON_ERR_IGNORE,
	VMON_ERR_ENOSPACE,
};

enum vmon_disk_cache {
	VMON_CACHE_DEFAULT,
	VMON_CACHE_NONE,
	VMON_CACHE_WRITEBACK,
	VMON_CACHE_WRITETHROUGH,
	VMON_CACHE_DIRECTSYNC,
	VMON_CACHE_UNSAFE,
};

/* <iotune>; 0 = no limit. */
struct vmon_iotune {
	uint64_t total_bytes_sec, read_bytes_sec, write_bytes_sec;
	uint64_t total_iops_sec, read_iops_sec, write_iops_sec;
	uint64_t total_bytes_sec_max, read_bytes_sec_max, write_bytes_sec_max;
	uint64_t total_iops_sec_max, read_iops_sec_max, write_iops_sec_max;
};

/* Its elements, in libvirt's order: name and offset in struct vmon_iotune. */
#define VMON_IOTUNE_FIELDS 12
extern const struct vmon_iotune_field {
	const char *name;
	size_t offset;
} vmon_iotune_fields[VMON_IOTUNE_FIELDS];

static inline uint64_t *vmon_iotune_at(struct vmon_iotune *t, size_t i)
{
	return (uint64_t *)((char *)t + vmon_iotune_fields[i].offset);
}

static inline uint64_t vmon_iotune_get(const struct vmon_iotune *t, size_t i)
{
	return *(const uint64_t *)((const char *)t + vmon_iotune_fields[i].offset);
}

/* Any limit set in @t. */
static inline bool vmon_iotune_any(const struct vmon_iotune *t)
{
	for (size_t f = 0; f < VMON_IOTUNE_FIELDS; f++)
		if (vmon_iotune_get(t, f))
			return true;
	return false;
}

struct vmon_disk {
	enum vmon_disk_type type;
	enum vmon_disk_format format;
	enum vmon_disk_cache cache;
	enum vmon_disk_error error_policy, rerror_policy;
	char *source;	     /* source file= or dev= */
	char *pool, *volume; /* type='volume': <source pool= volume=> */
	char *target;	     /* target dev=, e.g. "vda" */
	bool readonly;
	char *serial; /* NULL if absent */
	struct vmon_iotune iotune;
};

enum vmon_if_type { VMON_IF_ETHERNET, VMON_IF_BRIDGE, VMON_IF_NETWORK };

struct vmon_interface {
	enum vmon_if_type type;
	uint8_t mac[6];
	char mac_str[18]; /* generated (52:54:00:...) if absent */
	char *source;	  /* bridge= or network=; NULL for ethernet */
	char *target;	  /* target dev=; NULL: vmond picks one at start */
	bool vhost;	  /* <driver name='vhost'/> */
};

struct vmon_domain {
	int id; /* -1 when not running (live XML has id=) */
	char *name;
	uint8_t uuid[16];
	char uuid_str[37];
	char *title, *description; /* NULL if absent */
	uint64_t memory_kib, current_memory_kib;
	unsigned int vcpus_max, vcpus_current;
	char *os_arch, *os_machine;	 /* NULL if absent */
	char *kernel, *initrd, *cmdline; /* NULL if absent */
	bool acpi;
	char *clock_offset; /* "utc" unless given */
	enum vmon_lifecycle_action on_poweroff, on_reboot, on_crash;
	bool hugepages, nosharepages;
	struct vmon_disk *disks;
	size_t n_disks;
	struct vmon_interface *ifaces;
	size_t n_ifaces;
	bool serial_pty, console_pty;
	/* <console type='pty'><target type='virtio'/>: vmon-vmm's --hvc (hvc0) */
	bool virtio_console;
	char *serial_pty_path; /* live: the pty the VMM opened, else NULL */
	char *agent_path;      /* <channel type='unix'> for org.qemu.guest_agent.0 */
	bool rng;
	char *rng_backend; /* e.g. "/dev/urandom" */
	bool balloon;	   /* <memballoon model='virtio'> (not 'none') */
	void *priv;	   /* the xmlDoc and warnings: do not touch */
};

/*
 * Parse @len bytes of domain XML. 0 and *out on success; -1 and @err
 * (line:column and a message naming the element/attribute and value).
 */
int vmon_domain_parse(const char *xml, size_t len, struct vmon_domain **out,
		      struct vmon_xml_error *err);
int vmon_domain_parse_file(const char *path, struct vmon_domain **out, struct vmon_xml_error *err);
void vmon_domain_free(struct vmon_domain *d);

/*
 * A copy of @d's definition (what vmon_domain_format() with INACTIVE
 * writes, parsed again): 0 and *out, or -1 and @err.
 */
int vmon_domain_copy(const struct vmon_domain *d, struct vmon_domain **out,
		     struct vmon_xml_error *err);

/* What we keep but cannot honour, one line each; NULL-terminated. */
const char *const *vmon_domain_warnings(const struct vmon_domain *d);

/* Flags of vmon_domain_format(), as virsh dumpxml's. */
#define VMON_DOMAIN_XML_INACTIVE (1u << 0) /* no id=, no runtime parts */
#define VMON_DOMAIN_XML_SECURE (1u << 1)   /* accepted; nothing secret yet */

/* The XML (malloc'd, caller frees), or NULL on out of memory. */
char *vmon_domain_format(const struct vmon_domain *d, unsigned int flags);

/* Live changes; the next format shows them. 0 or -1 with @err. */
void vmon_domain_set_id(struct vmon_domain *d, int id);
int vmon_domain_set_vcpus(struct vmon_domain *d, unsigned int current, struct vmon_xml_error *err);
/* The <vcpu> maximum; the current count comes down to it if above. */
int vmon_domain_set_vcpus_max(struct vmon_domain *d, unsigned int max, struct vmon_xml_error *err);
int vmon_domain_set_memory(struct vmon_domain *d, uint64_t current_kib, struct vmon_xml_error *err);
/* Runtime: the tap name vmond chose for interface @i (live XML). */
int vmon_domain_set_if_target(struct vmon_domain *d, size_t i, const char *tap);
/* Interface @i's tap: the one set above, else its <target dev=>; or NULL. */
const char *vmon_domain_if_tap(const struct vmon_domain *d, size_t i);
int vmon_domain_set_serial_path(struct vmon_domain *d, const char *pty);
/* Disk @i's <iotune> (all zero: none); 0, or -1 on out of memory. */
int vmon_domain_set_iotune(struct vmon_domain *d, size_t i, const struct vmon_iotune *t);
/* Whether disk @i of @d could run with limits @t: 0, or -1 and @err. */
int vmon_domain_iotune_check(const struct vmon_domain *d, size_t i, const struct vmon_iotune *t,
			     struct vmon_xml_error *err);
/* Point file disk @i at @path of format @fmt (its <source file=> and
 * <driver type=>): 0, or -1 (not a file disk, out of memory). */
int vmon_domain_set_disk_file(struct vmon_domain *d, size_t i, const char *path,
			      enum vmon_disk_format fmt);

/*
 * A new definition (*out) of @d with device @xml (libvirt's <disk> or
 * <interface> element, @len bytes) added, or removed: the interface with
 * its MAC address, the disk with its <target dev=>. @d is not changed.
 * 0, or -1 and @err: malformed or unsupported device, a target or MAC
 * already there, no such device, or what the parser says of the result.
 */
int vmon_domain_attach(const struct vmon_domain *d, const char *xml, size_t len,
		       struct vmon_domain **out, struct vmon_xml_error *err);
int vmon_domain_detach(const struct vmon_domain *d, const char *xml, size_t len,
		       struct vmon_domain **out, struct vmon_xml_error *err);

/* What vmond supplies to build the vmon-vmm command line. */
/*
 * The unprivileged user vmon-vmm becomes when root starts it without
 * --user (make install creates it); vmond makes a domain's taps its.
 */
#define VMON_VMM_USER "vmon-vmm"

struct vmon_vmm_opts {
	const char *vmm_path;	  /* argv[0]; "vmon-vmm" if NULL */
	const char *api_socket;	  /* --api; required */
	const char *console;	  /* --console; "pty" if NULL */
	const char *const *taps;  /* n_ifaces tap names; NULL: target dev= */
	const char *restore_dir;  /* --restore DIR or NULL */
	const char *agent_socket; /* --agent, for a guest agent channel; or NULL */
	const char *hvc;	  /* --hvc, for a virtio <console>; "pty" if NULL */
	bool no_seccomp;
};

/*
 * The vmon-vmm argv (NULL-terminated, free with vmon_domain_argv_free).
 * -1 and @err naming what the definition asks that vmon-vmm cannot do.
 */
int vmon_domain_vmm_argv(const struct vmon_domain *d, const struct vmon_vmm_opts *o, char ***argv,
			 struct vmon_xml_error *err);
void vmon_domain_argv_free(char **argv);

#endif
