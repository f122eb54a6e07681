// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain: the subset we honour, as element paths and their attributes.
 * Everything else is kept in the document and warned about once ("*":
 * an element kept whole with nothing to honour or warn about).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "priv.h"

static const struct {
	const char *path;
	const char *attrs; /* space separated */
} known[] = {
	{ "domain", "type id" },
	{ "domain/name", "" },
	{ "domain/metadata", "*" }, /* the applications': kept as is */
	{ "domain/uuid", "" },
	{ "domain/title", "" },
	{ "domain/description", "" },
	{ "domain/memory", "unit" },
	{ "domain/currentMemory", "unit" },
	{ "domain/vcpu", "placement current" },
	{ "domain/os", "" },
	{ "domain/os/type", "arch machine" },
	{ "domain/os/kernel", "" },
	{ "domain/os/initrd", "" },
	{ "domain/os/cmdline", "" },
	{ "domain/features", "" },
	{ "domain/features/acpi", "" },
	{ "domain/clock", "offset" },
	{ "domain/on_poweroff", "" },
	{ "domain/on_reboot", "" },
	{ "domain/on_crash", "" },
	{ "domain/memoryBacking", "" },
	{ "domain/memoryBacking/hugepages", "" },
	{ "domain/memoryBacking/nosharepages", "" },
	{ "domain/devices", "" },
	{ "domain/devices/disk", "type device" },
	{ "domain/devices/disk/driver", "name type cache error_policy rerror_policy" },
	{ "domain/devices/disk/source", "file dev pool volume" },
	{ "domain/devices/disk/target", "dev bus" },
	{ "domain/devices/disk/readonly", "" },
	{ "domain/devices/disk/serial", "" },
	{ "domain/devices/disk/iotune", "" },
	{ "domain/devices/disk/iotune/total_bytes_sec", "" },
	{ "domain/devices/disk/iotune/read_bytes_sec", "" },
	{ "domain/devices/disk/iotune/write_bytes_sec", "" },
	{ "domain/devices/disk/iotune/total_iops_sec", "" },
	{ "domain/devices/disk/iotune/read_iops_sec", "" },
	{ "domain/devices/disk/iotune/write_iops_sec", "" },
	{ "domain/devices/disk/iotune/total_bytes_sec_max", "" },
	{ "domain/devices/disk/iotune/read_bytes_sec_max", "" },
	{ "domain/devices/disk/iotune/write_bytes_sec_max", "" },
	{ "domain/devices/disk/iotune/total_iops_sec_max", "" },
	{ "domain/devices/disk/iotune/read_iops_sec_max", "" },
	{ "domain/devices/disk/iotune/write_iops_sec_max", "" },
	{ "domain/devices/interface", "type" },
	{ "domain/devices/interface/mac", "address" },
	{ "domain/devices/interface/source", "bridge network" },
	{ "domain/devices/interface/target", "dev" },
	{ "domain/devices/interface/model", "type" },
	{ "domain/devices/interface/driver", "name" },
	{ "domain/devices/serial", "type" },
	{ "domain/devices/serial/source", "path" },
	{ "domain/devices/serial/target", "type port" },
	{ "domain/devices/serial/target/model", "name" },
	{ "domain/devices/console", "type tty" },
	{ "domain/devices/console/source", "path" },
	{ "domain/devices/console/target", "type port" },
	{ "domain/devices/channel", "type" },
	{ "domain/devices/channel/source", "mode path" },
	{ "domain/devices/channel/target", "type name state" },
	{ "domain/devices/rng", "model" },
	{ "domain/devices/rng/backend", "model" },
	{ "domain/devices/memballoon", "model" },
};

static int find(const char *path)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i].path, path))
			return (int)i;
	return -1;
}

static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static int walk(struct pctx *c, xmlNodePtr n, const char *parent)
{
	char path[512], key[600];
	int k;

	snprintf(path, sizeof(path), "%s%s%s", parent, *parent ? "/" : "", n->name);
	k = find(path);
	if (k < 0)
		return pwarn(c, path, "<%s> (line %ld): not honoured, kept",
			     path + strlen("domain/"), xmlGetLineNo(n));
	if (!strcmp(known[k].attrs, "*"))
		return 0;
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		char *v;
		int rc;

		if (in_list(known[k].attrs, (const char *)a->name))
			continue;
		snprintf(key, sizeof(key), "%s@%s", path, a->name);
		v = prop(n, (const char *)a->name);
		rc = pwarn(c, key, "<%s %s='%s'> (line %ld): not honoured, kept",
			   k ? path + strlen("domain/") : path, a->name, v ? v : "",
			   xmlGetLineNo(n));
		free(v);
		if (rc)
			return -1;
	}
	for (xmlNodePtr ch = n->children; ch; ch = ch->next)
		if (ch->type == XML_ELEMENT_NODE && walk(c, ch, path))
			return -1;
	return 0;
}

int warn_unknown(struct pctx *c, xmlNodePtr root)
{
	return walk(c, root, "");
}
