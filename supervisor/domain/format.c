// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain: format the domain XML from the kept document, rewriting only
 * what we own (uuid, memory, vcpu, lifecycle actions, generated MACs, the
 * default memballoon, and the live parts: id, tap names, the pty).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "priv.h"

static const char *const action_names[] = {
	"destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart",
};

/* The child @name of @parent, created after @after (or last) if absent. */
static xmlNodePtr ensure(xmlNodePtr parent, const char *name, xmlNodePtr after)
{
	xmlNodePtr n = child(parent, name);

	if (n)
		return n;
	n = xmlNewNode(NULL, X(name));
	if (!n)
		return NULL;
	if (after)
		return xmlAddNextSibling(after, n);
	return xmlAddChild(parent, n);
}

static int set_text(xmlNodePtr n, const char *fmt, unsigned long long v)
{
	char buf[32];

	if (!n)
		return -1;
	snprintf(buf, sizeof(buf), fmt, v);
	xmlNodeSetContent(n, X(buf));
	return 0;
}

/*
 * A missing <on_*> next to the others, in their order (the schema wants
 * them together), else before <devices>, else last.
 */
static xmlNodePtr new_action(xmlNodePtr root, const char *const on[3], int i)
{
	xmlNodePtr n = xmlNewNode(NULL, X(on[i])), at;

	if (!n)
		return NULL;
	for (int j = i + 1; j < 3; j++)
		if ((at = child(root, on[j])))
			return xmlAddPrevSibling(at, n);
	for (int j = i - 1; j >= 0; j--)
		if ((at = child(root, on[j])))
			return xmlAddNextSibling(at, n);
	if ((at = child(root, "devices")))
		return xmlAddPrevSibling(at, n);
	return xmlAddChild(root, n);
}

static int own_top(const struct vmon_domain *d, xmlNodePtr root, bool live)
{
	static const char *const on[] = { "on_poweroff", "on_reboot", "on_crash" };
	const enum vmon_lifecycle_action act[] = { d->on_poweroff, d->on_reboot, d->on_crash };
	xmlNodePtr name = child(root, "name"), n, mem;
	char id[16];

	if (live && d->id >= 0) {
		snprintf(id, sizeof(id), "%d", d->id);
		xmlSetProp(root, X("id"), X(id));
	} else {
		xmlUnsetProp(root, X("id"));
	}
	n = ensure(root, "uuid", name);
	if (!n)
		return -1;
	xmlNodeSetContent(n, X(d->uuid_str));
	mem = child(root, "memory");
	xmlSetProp(mem, X("unit"), X("KiB"));
	set_text(mem, "%llu", (unsigned long long)d->memory_kib);
	n = ensure(root, "currentMemory", mem);
	if (!n || !xmlSetProp(n, X("unit"), X("KiB")))
		return -1;
	set_text(n, "%llu", (unsigned long long)d->current_memory_kib);
	n = ensure(root, "vcpu", n);
	if (!n || set_text(n, "%llu", d->vcpus_max))
		return -1;
	if (!xmlHasProp(n, X("placement")))
		xmlSetProp(n, X("placement"), X("static"));
	if (d->vcpus_current < d->vcpus_max) {
		snprintf(id, sizeof(id), "%u", d->vcpus_current);
		xmlSetProp(n, X("current"), X(id));
	} else {
		xmlUnsetProp(n, X("current"));
	}
	for (int i = 0; i < 3; i++) {
		n = child(root, on[i]);
		if (!n && !(n = new_action(root, on, i)))
			return -1;
		xmlNodeSetContent(n, X(action_names[act[i]]));
	}
	return 0;
}

static int own_iface(const struct vmon_domain *d, xmlNodePtr in, size_t i, bool live)
{
	struct domain_priv *p = d->priv;
	xmlNodePtr m, t;

	if (p->mac_generated[i] && !child(in, "mac")) {
		m = xmlNewNode(NULL, X("mac"));
		if (!m || !xmlSetProp(m, X("address"), X(d->ifaces[i].mac_str)))
			return -1;
		if (in->children)
			xmlAddPrevSibling(in->children, m);
		else
			xmlAddChild(in, m);
	}
	if (live && p->live_taps && p->live_taps[i]) {
		t = ensure(in, "target", NULL);
		if (!t || !xmlSetProp(t, X("dev"), X(p->live_taps[i])))
			return -1;
	}
	return 0;
}

static int own_pty(const struct vmon_domain *d, xmlNodePtr n)
{
	xmlNodePtr s = child(n, "source");

	if (!s) {
		s = xmlNewNode(NULL, X("source"));
		if (!s)
			return -1;
		if (n->children)
			xmlAddPrevSibling(n->children, s);
		else
			xmlAddChild(n, s);
	}
	xmlSetProp(s, X("path"), X(d->serial_pty_path));
	if (is_elem(n, "console"))
		xmlSetProp(n, X("tty"), X(d->serial_pty_path));
	return 0;
}

/* <console><target type='virtio'>: hvc0, not the serial port's pty */
static bool is_virtio_console(xmlNodePtr n)
{
	xmlNodePtr t = is_elem(n, "console") ? child(n, "target") : NULL;
	xmlChar *type = t ? xmlGetProp(t, X("type")) : NULL;
	bool virtio = type && !xmlStrcmp(type, X("virtio"));

	xmlFree(type);
	return virtio;
}

static int own_devices(const struct vmon_domain *d, xmlNodePtr root, bool live)
{
	xmlNodePtr dev = child(root, "devices"), n;
	size_t i = 0;

	if (!dev && d->balloon && !(dev = xmlNewChild(root, NULL, X("devices"), NULL)))
		return -1;
	if (!dev)
		return 0;
	for (n = dev->children; n; n = n->next) {
		if (is_elem(n, "interface") && own_iface(d, n, i++, live))
			return -1;
		if (live && d->serial_pty_path && (is_elem(n, "serial") || is_elem(n, "console")) &&
		    !is_virtio_console(n) && own_pty(d, n))
			return -1;
	}
	if (d->balloon && !child(dev, "memballoon")) {
		n = xmlNewChild(dev, NULL, X("memballoon"), NULL);
		if (!n || !xmlSetProp(n, X("model"), X("virtio")))
			return -1;
	}
	return 0;
}

char *vmon_domain_format(const struct vmon_domain *d, unsigned int flags)
{
	struct domain_priv *p = d->priv;
	bool live = !(flags & VMON_DOMAIN_XML_INACTIVE) && d->id >= 0;
	xmlDocPtr doc = xmlCopyDoc(p->doc, 1);
	xmlBufferPtr buf = NULL;
	xmlNodePtr root;
	char *out = NULL;

	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	buf = xmlBufferCreate();
	if (buf && !own_top(d, root, live) && !own_devices(d, root, live) &&
	    xmlNodeDump(buf, doc, root, 0, 1) >= 0) {
		size_t n = (size_t)xmlBufferLength(buf);

		out = malloc(n + 2);
		if (out) {
			memcpy(out, xmlBufferContent(buf), n);
			out[n] = '\n';
			out[n + 1] = 0;
		}
	}
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return out;
}

void vmon_domain_set_id(struct vmon_domain *d, int id)
{
	d->id = id;
}

int vmon_domain_set_vcpus(struct vmon_domain *d, unsigned int current, struct vmon_xml_error *err)
{
	if (current == 0 || current > d->vcpus_max) {
		snprintf(err->msg, sizeof(err->msg),
			 "invalid argument: vCPU count %u is not within 1..%u (the <vcpu> maximum)",
			 current, d->vcpus_max);
		err->line = err->column = 0;
		return -1;
	}
	d->vcpus_current = current;
	return 0;
}

int vmon_domain_set_vcpus_max(struct vmon_domain *d, unsigned int max, struct vmon_xml_error *err)
{
	if (max == 0 || max > 255) {
		snprintf(err->msg, sizeof(err->msg),
			 "invalid argument: vCPU maximum %u is not within 1..255", max);
		err->line = err->column = 0;
		return -1;
	}
	d->vcpus_max = max;
	if (d->vcpus_current > max)
		d->vcpus_current = max;
	return 0;
}

int vmon_domain_set_memory(struct vmon_domain *d, uint64_t current_kib, struct vmon_xml_error *err)
{
	if (current_kib == 0 || current_kib > d->memory_kib) {
		snprintf(err->msg, sizeof(err->msg),
			 "invalid argument: memory %llu KiB is not within 1..%llu KiB (the "
			 "<memory> maximum)",
			 (unsigned long long)current_kib, (unsigned long long)d->memory_kib);
		err->line = err->column = 0;
		return -1;
	}
	d->current_memory_kib = current_kib;
	return 0;
}

int vmon_domain_copy(const struct vmon_domain *d, struct vmon_domain **out,
		     struct vmon_xml_error *err)
{
	char *xml = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
	int rc;

	*out = NULL;
	if (!xml) {
		memset(err, 0, sizeof(*err));
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	rc = vmon_domain_parse(xml, strlen(xml), out, err);
	free(xml);
	return rc;
}

/* The @i-th <disk> element of @d's document, or NULL. */
xmlNodePtr disk_node(const struct vmon_domain *d, size_t i)
{
	const struct domain_priv *p = d->priv;
	xmlNodePtr dev = child(xmlDocGetRootElement(p->doc), "devices");

	return i < d->n_disks && dev ? nth_child(dev, "disk", i) : NULL;
}

int vmon_domain_set_if_target(struct vmon_domain *d, size_t i, const char *tap)
{
	struct domain_priv *p = d->priv;
	char *s;

	if (i >= d->n_ifaces)
		return -1;
	if (!p->live_taps) {
		p->live_taps = calloc(d->n_ifaces, sizeof(char *));
		if (!p->live_taps)
			return -1;
	}
	s = tap ? strdup(tap) : NULL;
	if (tap && !s)
		return -1;
	free(p->live_taps[i]);
	p->live_taps[i] = s;
	return 0;
}

const char *vmon_domain_if_tap(const struct vmon_domain *d, size_t i)
{
	const struct domain_priv *p = d->priv;

	if (i >= d->n_ifaces)
		return NULL;
	if (p && p->live_taps && p->live_taps[i])
		return p->live_taps[i];
	return d->ifaces[i].target;
}

int vmon_domain_set_disk_file(struct vmon_domain *d, size_t i, const char *path,
			      enum vmon_disk_format fmt)
{
	xmlNodePtr n = disk_node(d, i), src, drv;
	char *copy;

	if (!n || d->disks[i].type != VMON_DISK_FILE)
		return -1;
	copy = strdup(path);
	if (!n || !copy) {
		free(copy);
		return -1;
	}
	src = child(n, "source");
	if (!src && !(src = xmlNewChild(n, NULL, X("source"), NULL)))
		goto fail;
	drv = child(n, "driver");
	if (!drv && (!(drv = xmlNewChild(n, NULL, X("driver"), NULL)) ||
		     !xmlSetProp(drv, X("name"), X("qemu"))))
		goto fail;
	if (!xmlSetProp(src, X("file"), X(path)) ||
	    !xmlSetProp(drv, X("type"), X(fmt == VMON_DISK_QCOW2 ? "qcow2" : "raw")))
		goto fail;
	free(d->disks[i].source);
	d->disks[i].source = copy;
	d->disks[i].format = fmt;
	return 0;
fail:
	free(copy);
	return -1;
}

int vmon_domain_set_serial_path(struct vmon_domain *d, const char *pty)
{
	char *s = pty ? strdup(pty) : NULL;

	if (pty && !s)
		return -1;
	free(d->serial_pty_path);
	d->serial_pty_path = s;
	return 0;
}
