// SPDX-License-Identifier: GPL-2.0
/* libdomain: parse <devices>: disks, interfaces, serial, channel, rng... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "priv.h"

#define MAX_IFACES 64

static const char *const caches[] = {
	"default", "none", "writeback", "writethrough", "directsync", "unsafe",
};

/* libvirt's names, the enum's order; rerror_policy has no enospace */
static const char *const errors[] = {
	"default", "stop", "report", "ignore", "enospace",
};

/*
 * <driver> attribute @attr of @dn, one of the @n @names (the first, the
 * default, not given): its index in @out (0 when absent), or -1 and @c's
 * error naming @what.
 */
static int driver_enum(struct pctx *c, xmlNodePtr dn, const char *attr, const char *const *names,
		       size_t n, const char *what, int *out)
{
	char *v = prop(dn, attr);
	size_t i;
	int rc = 0;

	*out = 0;
	if (!v)
		return 0;
	for (i = 1; i < n && strcmp(v, names[i]); i++)
		;
	if (i == n)
		rc = perr(c, dn, attr, "<disk><driver> %s='%s': unknown %s", attr, v, what);
	else
		*out = (int)i;
	free(v);
	return rc;
}

static int disk_driver(struct pctx *c, xmlNodePtr dn, struct vmon_disk *k)
{
	char *type = prop(dn, "type");
	int rc = 0, cache, err, rerr;

	if (type && !strcmp(type, "qcow2"))
		k->format = VMON_DISK_QCOW2;
	else if (type && strcmp(type, "raw"))
		rc = perr(c, dn, "type", "<disk><driver> type='%s' is not supported (raw, qcow2)",
			  type);
	free(type);
	if (rc ||
	    driver_enum(c, dn, "cache", caches, sizeof(caches) / sizeof(caches[0]),
			"disk cache mode", &cache) ||
	    driver_enum(c, dn, "error_policy", errors, sizeof(errors) / sizeof(errors[0]),
			"error policy", &err) ||
	    driver_enum(c, dn, "rerror_policy", errors, sizeof(errors) / sizeof(errors[0]) - 1,
			"read error policy", &rerr))
		return -1;
	k->cache = (enum vmon_disk_cache)cache;
	k->error_policy = (enum vmon_disk_error)err;
	k->rerror_policy = (enum vmon_disk_error)rerr;
	return 0;
}

static int disk_target(struct pctx *c, xmlNodePtr dn, struct vmon_disk *k)
{
	xmlNodePtr t = child(dn, "target");
	char *bus = t ? prop(t, "bus") : NULL;
	int rc = 0;

	k->target = t ? prop(t, "dev") : NULL;
	if (!k->target)
		rc = perr(c, t ? t : dn, NULL,
			  "<disk> has no <target dev=...>: missing target information");
	else if (bus ? strcmp(bus, "virtio") : strncmp(k->target, "vd", 2))
		rc = perr(c, t, bus ? "bus" : "dev",
			  "<disk><target> dev='%s' bus='%s': only virtio disks are supported",
			  k->target, bus ? bus : "(from the name)");
	free(bus);
	return rc;
}

static int parse_disk(struct pctx *c, xmlNodePtr dn, struct vmon_disk *k)
{
	char *type = prop(dn, "type"), *dev = prop(dn, "device");
	xmlNodePtr n;
	int rc = -1;

	if (!type || (strcmp(type, "file") && strcmp(type, "block") && strcmp(type, "volume")))
		perr(c, dn, "type", "<disk> type='%s' is not supported (file, block, volume)",
		     type ? type : "");
	else if (dev && strcmp(dev, "disk"))
		perr(c, dn, "device", "<disk> device='%s' is not supported (disk)", dev);
	else
		rc = 0;
	k->type = type && !strcmp(type, "block")    ? VMON_DISK_BLOCK
		  : type && !strcmp(type, "volume") ? VMON_DISK_VOLUME
						    : VMON_DISK_FILE;
	free(type);
	free(dev);
	if (rc || disk_target(c, dn, k))
		return -1;
	if ((n = child(dn, "driver")) && disk_driver(c, n, k))
		return -1;
	n = child(dn, "source");
	if (k->type == VMON_DISK_VOLUME) {
		/* a pool's volume: vmond finds its path at start */
		k->pool = n ? prop(n, "pool") : NULL;
		k->volume = n ? prop(n, "volume") : NULL;
		if (!k->pool || !k->volume)
			return perr(c, n ? n : dn, NULL,
				    "<disk> target '%s' has no <source pool=... volume=...>",
				    k->target);
	} else {
		k->source = n ? prop(n, k->type == VMON_DISK_BLOCK ? "dev" : "file") : NULL;
	}
	if (!k->source && k->type != VMON_DISK_VOLUME)
		return perr(c, n ? n : dn, NULL, "<disk> target '%s' has no <source %s=...>",
			    k->target, k->type == VMON_DISK_BLOCK ? "dev" : "file");
	k->readonly = child(dn, "readonly") != NULL;
	if ((n = child(dn, "serial")))
		k->serial = text(n);
	if ((n = child(dn, "iotune")) && parse_iotune(c, n, &k->iotune))
		return -1;
	return 0;
}

static int iface_type(struct pctx *c, xmlNodePtr in, struct vmon_interface *f)
{
	static const char *const types[] = { "ethernet", "bridge", "network" };
	static const char *const srcs[] = { NULL, "bridge", "network" };
	char *type = prop(in, "type");
	xmlNodePtr s = child(in, "source");
	int i;

	for (i = 0; type && i < 3; i++)
		if (!strcmp(type, types[i]))
			break;
	if (!type || i == 3) {
		perr(c, in, "type",
		     "<interface> type='%s' is not supported (ethernet, bridge, network)",
		     type ? type : "");
		free(type);
		return -1;
	}
	free(type);
	f->type = (enum vmon_if_type)i;
	if (srcs[i] && !(f->source = s ? prop(s, srcs[i]) : NULL))
		return perr(c, s ? s : in, NULL, "<interface type='%s'> has no <source %s=...>",
			    types[i], srcs[i]);
	return 0;
}

static int iface_mac(struct pctx *c, xmlNodePtr in, struct vmon_interface *f, size_t idx)
{
	xmlNodePtr m = child(in, "mac");
	char *a = m ? prop(m, "address") : NULL;
	int rc = 0;

	if (!m) {
		random_bytes(f->mac + 3, 3);
		f->mac[0] = 0x52, f->mac[1] = 0x54, f->mac[2] = 0x00;
		c->p->mac_generated[idx] = true;
	} else if (!a || parse_mac(a, f->mac)) {
		rc = perr(c, m, "address", "unable to parse mac address '%s'", a ? a : "");
	} else if (f->mac[0] & 1) {
		rc = perr(c, m, "address", "expected unicast mac address, found multicast '%s'", a);
	}
	free(a);
	snprintf(f->mac_str, sizeof(f->mac_str), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0],
		 f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
	return rc;
}

static int parse_iface(struct pctx *c, xmlNodePtr in, struct vmon_interface *f, size_t idx)
{
	xmlNodePtr n;
	char *s;
	int rc = 0;

	if (iface_type(c, in, f) || iface_mac(c, in, f, idx))
		return -1;
	if ((n = child(in, "target")))
		f->target = prop(n, "dev");
	n = child(in, "model");
	s = n ? prop(n, "type") : NULL;
	if (!n)
		rc = pwarn(c, "interface/model", "<interface> without <model>: virtio is used");
	else if (!s || strcmp(s, "virtio"))
		rc = perr(c, n, "type", "<interface><model> type='%s' is not supported (virtio)",
			  s ? s : "");
	free(s);
	n = child(in, "driver");
	s = n ? prop(n, "name") : NULL;
	f->vhost = s && !strcmp(s, "vhost");
	free(s);
	return rc;
}

static int parse_chardev(struct pctx *c, xmlNodePtr n)
{
	xmlNodePtr t = child(n, "target");
	char *type = prop(n, "type"), *ttype = t ? prop(t, "type") : NULL;
	bool pty = type && !strcmp(type, "pty");
	bool virtio = is_elem(n, "console") && ttype && !strcmp(ttype, "virtio");
	int rc = 0;

	if (!pty)
		rc = pwarn(c, (const char *)n->name, "<%s type='%s'>: only pty is honoured, kept",
			   n->name, type ? type : "");
	else if (virtio && c->d->virtio_console)
		rc = pwarn(c, "console-virtio",
			   "<console><target type='virtio'>: only the first is honoured (hvc0), "
			   "kept");
	else if (virtio)
		c->d->virtio_console = true;
	else if (is_elem(n, "serial"))
		c->d->serial_pty = true;
	else
		c->d->console_pty = true;
	free(type);
	free(ttype);
	return rc;
}

static int parse_channel(struct pctx *c, xmlNodePtr n)
{
	char *type = prop(n, "type"), *name = NULL;
	xmlNodePtr t = child(n, "target"), s = child(n, "source");
	int rc = 0;

	if (t)
		name = prop(t, "name");
	if (type && !strcmp(type, "unix") && name && !strcmp(name, "org.qemu.guest_agent.0")) {
		free(c->d->agent_path);
		c->d->agent_path = s ? prop(s, "path") : NULL;
		if (!c->d->agent_path)
			c->d->agent_path = strdup("");
		/* vmon-vmm's --agent; the socket is vmond's, in the domain's run dir */
		if (c->d->agent_path && c->d->agent_path[0])
			rc = pwarn(
				c, "channel-agent",
				"<channel> org.qemu.guest_agent.0: <source path='%s'> not honoured "
				"(the agent's socket is vmond's), kept",
				c->d->agent_path);
	} else {
		rc = pwarn(c, "channel",
			   "<channel type='%s'> '%s': only the unix guest agent channel is "
			   "honoured, kept",
			   type ? type : "", name ? name : "");
	}
	free(type);
	free(name);
	return rc;
}

static int parse_small(struct pctx *c, xmlNodePtr n)
{
	char *model = prop(n, "model");
	xmlNodePtr b;
	int rc = 0;

	if (is_elem(n, "serial") || is_elem(n, "console")) {
		rc = parse_chardev(c, n);
	} else if (is_elem(n, "channel")) {
		rc = parse_channel(c, n);
	} else if (is_elem(n, "rng")) {
		c->d->rng = true;
		b = child(n, "backend");
		free(c->d->rng_backend);
		c->d->rng_backend = b ? text(b) : NULL;
		if (!c->d->rng_backend || !*c->d->rng_backend) {
			free(c->d->rng_backend);
			c->d->rng_backend = strdup("/dev/urandom");
		}
	} else if (is_elem(n, "memballoon")) {
		c->d->balloon = model && strcmp(model, "none");
		if (model && strcmp(model, "virtio") && strcmp(model, "none"))
			rc = perr(c, n, "model",
				  "<memballoon> model='%s' is not supported (virtio, none)", model);
	}
	free(model);
	return rc;
}

static int check_targets(struct pctx *c, xmlNodePtr devices)
{
	for (size_t i = 1; i < c->d->n_disks; i++)
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->d->disks[i].target, c->d->disks[j].target))
				continue;
			xmlNodePtr dup = nth_child(devices, "disk", i);

			return perr(c, dup ? child(dup, "target") : devices, "dev",
				    "<disk> target dev='%s' is used twice (sources '%s' and '%s')",
				    c->d->disks[i].target, c->d->disks[j].source,
				    c->d->disks[i].source);
		}
	return 0;
}

int parse_devices(struct pctx *c, xmlNodePtr devices)
{
	size_t nd = 0, ni = 0;

	for (xmlNodePtr n = devices->children; n; n = n->next) {
		nd += is_elem(n, "disk");
		ni += is_elem(n, "interface");
	}
	if (ni > MAX_IFACES)
		return perr(c, devices, NULL, "<devices>: %zu interfaces, at most %d", ni,
			    MAX_IFACES);
	c->d->disks = calloc(nd ? nd : 1, sizeof(*c->d->disks));
	c->d->ifaces = calloc(ni ? ni : 1, sizeof(*c->d->ifaces));
	if (!c->d->disks || !c->d->ifaces)
		return perr(c, NULL, NULL, "out of memory");
	for (xmlNodePtr n = devices->children; n; n = n->next) {
		if (is_elem(n, "disk")) {
			if (parse_disk(c, n, &c->d->disks[c->d->n_disks++]))
				return -1;
		} else if (is_elem(n, "interface")) {
			if (parse_iface(c, n, &c->d->ifaces[c->d->n_ifaces], c->d->n_ifaces))
				return -1;
			c->d->n_ifaces++;
		} else if (n->type == XML_ELEMENT_NODE && parse_small(c, n)) {
			return -1;
		}
	}
	return check_targets(c, devices);
}
