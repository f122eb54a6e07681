// SPDX-License-Identifier: GPL-2.0
/*
 * vmon install's domain XML: built as a libxml2 tree from the options, then
 * parsed and formatted by libdomain, so that what install defines is what
 * vmon define accepts and vmon dumpxml prints (one formatter).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include <vmon/cli.h>
#include <vmon/domain.h>

#include "install.h"

#define X(s) ((const xmlChar *)(s))
#define OSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

static xmlNodePtr add(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, X(name), text ? X(text) : NULL);
}

static xmlNodePtr add_prop(xmlNodePtr n, const char *name, const char *value)
{
	if (n)
		xmlNewProp(n, X(name), X(value));
	return n;
}

static void add_kib(xmlNodePtr root, const char *name, uint64_t mib)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, mib * 1024);
	add_prop(add(root, name, v), "unit", "KiB");
}

static void add_os(xmlNodePtr root, const struct inst *in)
{
	xmlNodePtr os = add(root, "os", NULL);

	add_prop(add_prop(add(os, "type", "hvm"), "arch", "x86_64"), "machine", "pc");
	add(os, "kernel", in->kernel);
	if (in->initrd)
		add(os, "initrd", in->initrd);
	if (in->kernel_args)
		add(os, "cmdline", in->kernel_args);
}

static void add_disk(xmlNodePtr devs, const struct inst_disk *d)
{
	xmlNodePtr disk = add(devs, "disk", NULL), drv, src;
	const char *fmt = d->format ? d->format : "raw";

	add_prop(disk, "device", "disk");
	drv = add_prop(add(disk, "driver", NULL), "name", "qemu");
	if (d->pool || d->vol) {
		char pool[256];
		const char *vol = d->vol_name;

		add_prop(disk, "type", "volume");
		snprintf(pool, sizeof(pool), "%s", d->pool ? d->pool : d->vol);
		if (d->vol) {
			*strchr(pool, '/') = 0;
			vol = strchr(d->vol, '/') + 1;
		}
		add_prop(drv, "type", d->format ? d->format : "qcow2");
		src = add(disk, "source", NULL);
		add_prop(add_prop(src, "pool", pool), "volume", vol);
	} else {
		bool block = !strncmp(d->path, "/dev/", 5);

		add_prop(disk, "type", block ? "block" : "file");
		add_prop(drv, "type", fmt);
		add_prop(add(disk, "source", NULL), block ? "dev" : "file", d->path);
	}
	if (d->cache)
		add_prop(drv, "cache", d->cache);
	add_prop(add_prop(add(disk, "target", NULL), "dev", d->target), "bus", "virtio");
	if (d->readonly)
		add(disk, "readonly", NULL);
	if (d->serial)
		add(disk, "serial", d->serial);
}

static void add_devices(xmlNodePtr root, const struct inst *in)
{
	xmlNodePtr devs = add(root, "devices", NULL), n;

	for (unsigned int i = 0; i < in->n_disks; i++)
		add_disk(devs, &in->disks[i]);
	for (unsigned int i = 0; i < in->n_nets; i++) {
		const struct inst_net *nt = &in->nets[i];
		bool net = nt->type == INST_NET_NETWORK;

		n = add_prop(add(devs, "interface", NULL), "type", net ? "network" : "bridge");
		if (nt->mac)
			add_prop(add(n, "mac", NULL), "address", nt->mac);
		add_prop(add(n, "source", NULL), net ? "network" : "bridge", nt->source);
		add_prop(add(n, "model", NULL), "type", "virtio");
	}
	add_prop(add_prop(add(add_prop(add(devs, "serial", NULL), "type", "pty"), "target", NULL),
			  "type", "isa-serial"),
		 "port", "0");
	add_prop(add_prop(add(add_prop(add(devs, "console", NULL), "type", "pty"), "target", NULL),
			  "type", "serial"),
		 "port", "0");
	if (in->agent) {
		n = add_prop(add(devs, "channel", NULL), "type", "unix");
		add_prop(add(n, "source", NULL), "mode", "bind");
		add_prop(add_prop(add(n, "target", NULL), "type", "virtio"), "name",
			 "org.qemu.guest_agent.0");
	}
	n = add_prop(add(devs, "memballoon", NULL), "model", in->balloon ? "virtio" : "none");
	if (in->rng) {
		n = add_prop(add(devs, "rng", NULL), "model", "virtio");
		add_prop(add(n, "backend", in->rng), "model", "random");
	}
}

static xmlDocPtr build(const struct inst *in)
{
	xmlDocPtr doc = xmlNewDoc(X("1.0"));
	xmlNodePtr root = xmlNewNode(NULL, X("domain")), n;
	char v[16];

	if (!doc || !root) {
		xmlFreeNode(root);
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, root);
	add_prop(root, "type", "kvm");
	add(root, "name", in->name);
	if (in->osinfo) {
		xmlNsPtr ns;

		n = add(add(root, "metadata", NULL), "libosinfo", NULL);
		ns = xmlNewNs(n, X(OSINFO_NS), X("libosinfo"));
		xmlSetNs(n, ns);
		xmlSetNs(add_prop(add(n, "os", NULL), "id", in->osinfo), ns);
	}
	add_kib(root, "memory", in->memory_mib);
	add_kib(root, "currentMemory", in->current_mib);
	snprintf(v, sizeof(v), "%u", in->maxvcpus);
	n = add_prop(add(root, "vcpu", v), "placement", "static");
	if (in->vcpus != in->maxvcpus) {
		snprintf(v, sizeof(v), "%u", in->vcpus);
		add_prop(n, "current", v);
	}
	add_os(root, in);
	add(add(root, "features", NULL), "acpi", NULL);
	add_prop(add(root, "clock", NULL), "offset", "utc");
	add(root, "on_poweroff", "destroy");
	add(root, "on_reboot", "restart");
	add(root, "on_crash", "destroy");
	add_devices(root, in);
	return doc;
}

char *install_xml(const struct inst *in)
{
	xmlDocPtr doc = build(in);
	struct vmon_domain *d = NULL;
	struct vmon_xml_error err;
	xmlChar *raw = NULL;
	char *out = NULL;
	int len = 0;

	if (doc)
		xmlDocDumpMemory(doc, &raw, &len);
	xmlFreeDoc(doc);
	if (!raw) {
		vmon_err("install: out of memory");
		return NULL;
	}
	if (vmon_domain_parse((const char *)raw, (size_t)len, &d, &err)) {
		/* an option's value the schema refuses: say which */
		vmon_err("install: the domain would be refused: %s", err.msg);
	} else {
		const char *const *w = vmon_domain_warnings(d);

		for (; w && *w; w++)
			fprintf(stderr, "vmon: install: warning: %s\n", *w);
		out = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
		if (!out)
			vmon_err("install: out of memory");
		vmon_domain_free(d);
	}
	xmlFree(raw);
	return out;
}
