/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libdomain: libvirt's domain snapshot XML (<domainsnapshot>), parsed and
 * written with libxml2. vmond keeps one such document per snapshot, the
 * domain's definition at that moment inside it, <active>1</active> marking
 * the current one, as libvirtd keeps its snapshot metadata.
 */
#ifndef VMON_SNAPSHOT_H
#define VMON_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include <vmon/domain.h> /* struct vmon_xml_error */

enum vmon_snap_disk { VMON_SNAP_DISK_NO, VMON_SNAP_DISK_INTERNAL, VMON_SNAP_DISK_EXTERNAL };

struct vmon_snapshot {
	char *name;		 /* NULL: none given (the creator names it) */
	char *description;	 /* or NULL */
	char *parent;		 /* <parent><name>, or NULL */
	char *state;		 /* "shutoff", "running"...; NULL if not given */
	long long creation_time; /* seconds since the epoch; 0: not given */
	bool current;		 /* <active>1</active> */
	bool memory;		 /* <memory snapshot='internal'/> */
	/* <disks><disk name= snapshot=>: what the XML asks for */
	struct {
		char *name;
		enum vmon_snap_disk snapshot;
		char *file; /* external: the overlay (<source file=>), or NULL */
	} * disks;
	size_t n_disks;
	char *domain; /* the <domain> element, as text, or NULL */
};

/* Parse: 0, or -1 with the message and its line:column. */
int vmon_snapshot_parse(const char *xml, size_t len, struct vmon_snapshot **out,
			struct vmon_xml_error *err);
int vmon_snapshot_parse_file(const char *path, struct vmon_snapshot **out,
			     struct vmon_xml_error *err);
/*
 * The XML, malloc'd (NULL: out of memory or a <domain> that does not parse).
 * With @internal the <active> element that marks the current one is written
 * (vmond's own copy); without, the XML is what snapshot-dumpxml shows.
 */
char *vmon_snapshot_format(const struct vmon_snapshot *s, bool internal);
void vmon_snapshot_free(struct vmon_snapshot *s);
/* A snapshot name: 1 to 255 bytes, no '/', not "." or "..", no control
 * characters (it names a file and a qcow2 snapshot). 0, or -1 with why. */
int vmon_snapshot_name_check(const char *name, char *err, size_t errlen);

#endif
