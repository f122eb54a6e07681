// SPDX-License-Identifier: GPL-2.0
/* libdomain: parse the domain XML's top-level elements. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <vmon/xml.h>
#include "priv.h"

static const char *const actions[] = {
	"destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart",
};

static int parse_uuid(struct pctx *c, xmlNodePtr n)
{
	char *t = text(n), hex[33];
	size_t k = 0;
	int rc = -1;

	if (t) { /* libvirt takes 32 hex digits with dashes anywhere */
		for (char *s = t; *s && k < 33; s++)
			if (*s != '-' && *s != ' ' && *s != '\n')
				hex[k++] = *s;
	}
	if (t && k == 32) {
		rc = 0;
		for (int i = 0; i < 32 && !rc; i++)
			rc = isxdigit((unsigned char)hex[i]) ? 0 : -1;
		for (int i = 0; i < 16 && !rc; i++)
			sscanf(hex + 2 * i, "%2hhx", &c->d->uuid[i]);
	}
	if (rc)
		perr(c, n, NULL, "malformed uuid element: '%s'", t ? t : "");
	free(t);
	return rc;
}

static int parse_vcpu(struct pctx *c, xmlNodePtr n)
{
	char *t = text(n), *cur = prop(n, "current");
	uint64_t max = 0, now = 0;
	int rc = -1;

	if (!t || parse_uint(t, &max) || max == 0 || max > 255)
		perr(c, n, NULL, "<vcpu>: invalid number of vCPUs '%s' (1-255)", t ? t : "");
	else if (cur && (parse_uint(cur, &now) || now == 0))
		perr(c, n, "current", "<vcpu> current='%s': not a count", cur);
	else if (cur && now > max)
		perr(c, n, "current", "<vcpu> current='%s' is more than the maximum %s", cur, t);
	else
		rc = 0;
	c->d->vcpus_max = (unsigned int)max;
	c->d->vcpus_current = cur ? (unsigned int)now : (unsigned int)max;
	free(t);
	free(cur);
	return rc;
}

static int parse_os(struct pctx *c, xmlNodePtr os)
{
	xmlNodePtr type = child(os, "type"), k;
	char *t = type ? text(type) : NULL;
	int rc = 0;

	if (!type || !t || strcmp(t, "hvm"))
		rc = perr(c, type ? type : os, NULL, "<os><type> '%s' is not supported (hvm)",
			  t ? t : "");
	free(t);
	if (rc)
		return rc;
	c->d->os_arch = prop(type, "arch");
	c->d->os_machine = prop(type, "machine");
	if (c->d->os_arch && strcmp(c->d->os_arch, "x86_64"))
		return perr(c, type, "arch", "<type> arch='%s' is not supported (x86_64)",
			    c->d->os_arch);
	if (c->d->os_machine && strcmp(c->d->os_machine, "pc") &&
	    pwarn(c, "os/type@machine",
		  "<os><type machine='%s'>: not honoured (vmon-vmm has one machine), kept",
		  c->d->os_machine))
		return -1;
	if ((k = child(os, "kernel")))
		c->d->kernel = text(k);
	if ((k = child(os, "initrd")))
		c->d->initrd = text(k);
	if ((k = child(os, "cmdline")))
		c->d->cmdline = text(k);
	return 0;
}

static int parse_action(struct pctx *c, xmlNodePtr n, enum vmon_lifecycle_action *a)
{
	char *t = text(n);
	size_t i, count = sizeof(actions) / sizeof(actions[0]);
	bool crash = !strcmp((const char *)n->name, "on_crash");

	for (i = 0; t && i < count; i++)
		if (!strcmp(t, actions[i]))
			break;
	if (!t || i == count) {
		perr(c, n, NULL, "<%s>: unknown lifecycle action '%s'", n->name, t ? t : "");
		free(t);
		return -1;
	}
	free(t);
	if (!crash && i >= VMON_ACTION_COREDUMP_DESTROY)
		return perr(c, n, NULL, "<%s>: lifecycle event '%s' does not support '%s'", n->name,
			    (const char *)n->name + 3, actions[i]);
	*a = (enum vmon_lifecycle_action)i;
	if (i == VMON_ACTION_RENAME_RESTART)
		return pwarn(c, (const char *)n->name, "<%s>rename-restart: run as restart, kept",
			     n->name);
	if (i >= VMON_ACTION_COREDUMP_DESTROY)
		return pwarn(c, "on_crash", "<on_crash>%s: no core dump is written, kept",
			     actions[i]);
	return 0;
}

static int parse_memory_elems(struct pctx *c, xmlNodePtr root)
{
	xmlNodePtr m = child(root, "memory"), cm = child(root, "currentMemory");
	struct vmon_domain *d = c->d;

	if (!m)
		return perr(c, root, NULL,
			    "<domain> has no <memory>: the memory size must be given");
	if (parse_memory(c, m, &d->memory_kib))
		return -1;
	if (cm && parse_memory(c, cm, &d->current_memory_kib))
		return -1;
	/* libvirt lowers currentMemory above memory to memory */
	if (!cm || d->current_memory_kib > d->memory_kib)
		d->current_memory_kib = d->memory_kib;
	if ((m = child(root, "memoryBacking"))) {
		d->hugepages = child(m, "hugepages") != NULL;
		d->nosharepages = child(m, "nosharepages") != NULL;
	}
	return 0;
}

static int parse_name(struct pctx *c, xmlNodePtr root)
{
	xmlNodePtr n = child(root, "name");
	char *t = n ? text(n) : NULL;

	c->d->name = t;
	if (!t || !*t)
		return perr(c, n ? n : root, NULL,
			    "missing name information: <domain> has no <name>");
	if (strchr(t, '/') || strchr(t, '\n'))
		return perr(c, n, NULL, "<name> '%s' cannot contain '/' or a newline", t);
	if ((n = child(root, "uuid"))) {
		if (parse_uuid(c, n))
			return -1;
	} else {
		uuid_generate_random(c->d->uuid);
	}
	uuid_unparse_lower(c->d->uuid, c->d->uuid_str);
	if ((n = child(root, "title")))
		c->d->title = text(n);
	if (c->d->title && strchr(c->d->title, '\n'))
		return perr(c, n, NULL, "<title> must not contain a newline");
	if ((n = child(root, "description")))
		c->d->description = text(n);
	return 0;
}

static int parse_root_type(struct pctx *c, xmlNodePtr root)
{
	char *t = prop(root, "type");
	int rc = 0;

	if (!t)
		rc = perr(c, root, NULL, "<domain>: missing domain type attribute");
	else if (!strcmp(t, "qemu"))
		rc = pwarn(c, "domain@type", "<domain type='qemu'>: run with KVM, kept");
	else if (strcmp(t, "kvm"))
		rc = perr(c, root, "type", "<domain> type='%s' is not supported (kvm)", t);
	free(t);
	return rc;
}

static int parse_root(struct pctx *c, xmlNodePtr root)
{
	static const char *const on[] = { "on_poweroff", "on_reboot", "on_crash" };
	enum vmon_lifecycle_action *act[] = { &c->d->on_poweroff, &c->d->on_reboot,
					      &c->d->on_crash };
	xmlNodePtr n;

	if (!is_elem(root, "domain"))
		return perr(c, root, NULL, "unexpected root element <%s>, expecting <domain>",
			    root->name);
	if (parse_root_type(c, root) || parse_name(c, root) || parse_memory_elems(c, root))
		return -1;
	if (!(n = child(root, "vcpu")))
		c->d->vcpus_max = c->d->vcpus_current = 1;
	else if (parse_vcpu(c, n))
		return -1;
	if (!(n = child(root, "os")))
		return perr(c, root, NULL, "<domain> has no <os>");
	if (parse_os(c, n))
		return -1;
	c->d->acpi = (n = child(root, "features")) && child(n, "acpi");
	n = child(root, "clock");
	c->d->clock_offset = n ? prop(n, "offset") : NULL;
	if (!c->d->clock_offset)
		c->d->clock_offset = strdup("utc");
	c->d->on_poweroff = VMON_ACTION_DESTROY;
	c->d->on_reboot = VMON_ACTION_RESTART;
	c->d->on_crash = VMON_ACTION_DESTROY;
	for (int i = 0; i < 3; i++)
		if ((n = child(root, on[i])) && parse_action(c, n, act[i]))
			return -1;
	c->d->balloon = true; /* libvirt adds a virtio memballoon */
	if ((n = child(root, "devices")) && parse_devices(c, n))
		return -1;
	return warn_unknown(c, root);
}

static int xml_error(xmlParserCtxtPtr ctxt, struct vmon_xml_error *err)
{
	return vmon_xml_parse_error(ctxt, "malformed XML: ", err->msg, sizeof(err->msg), &err->line,
				    &err->column);
}

int vmon_domain_parse(const char *xml, size_t len, struct vmon_domain **out,
		      struct vmon_xml_error *err)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
		   XML_PARSE_NOWARNING;
	struct pctx c = { .src = xml, .len = len, .err = err };
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc = NULL;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (ctxt)
		doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, opts);
	if (!doc || !ctxt->wellFormed) {
		if (ctxt)
			xml_error(ctxt, err);
		else
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -1;
	}
	xmlFreeParserCtxt(ctxt);
	c.d = calloc(1, sizeof(*c.d));
	c.p = calloc(1, sizeof(*c.p));
	if (!c.d || !c.p) {
		free(c.d);
		free(c.p);
		xmlFreeDoc(doc);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	c.d->priv = c.p;
	c.d->id = -1;
	c.p->doc = doc;
	if (parse_root(&c, xmlDocGetRootElement(doc))) {
		vmon_domain_free(c.d);
		return -1;
	}
	*out = c.d;
	return 0;
}

int vmon_domain_parse_file(const char *path, struct vmon_domain **out, struct vmon_xml_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	struct stat st;
	char *buf;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (fd < 0 || fstat(fd, &st) || st.st_size > (64 << 20)) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 fd < 0 || st.st_size <= (64 << 20) ? strerror(errno)
							    : "larger than 64 MiB");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	rc = buf && read(fd, buf, st.st_size) == st.st_size ? 0 : -1;
	close(fd);
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "%s: cannot read", path);
		free(buf);
		return -1;
	}
	rc = vmon_domain_parse(buf, (size_t)st.st_size, out, err);
	free(buf);
	return rc;
}

void vmon_domain_free(struct vmon_domain *d)
{
	struct domain_priv *p;

	if (!d)
		return;
	p = d->priv;
	for (size_t i = 0; i < d->n_disks; i++) {
		free(d->disks[i].source);
		free(d->disks[i].pool);
		free(d->disks[i].volume);
		free(d->disks[i].target);
		free(d->disks[i].serial);
	}
	for (size_t i = 0; i < d->n_ifaces; i++) {
		free(d->ifaces[i].source);
		free(d->ifaces[i].target);
		if (p && p->live_taps)
			free(p->live_taps[i]);
	}
	free(d->disks);
	free(d->ifaces);
	free(d->name);
	free(d->title);
	free(d->description);
	free(d->os_arch);
	free(d->os_machine);
	free(d->kernel);
	free(d->initrd);
	free(d->cmdline);
	free(d->clock_offset);
	free(d->serial_pty_path);
	free(d->agent_path);
	free(d->rng_backend);
	if (p) {
		for (size_t i = 0; i < p->n_warnings; i++) {
			free(p->warnings[i]);
			free(p->warn_keys[i]);
		}
		free(p->warnings);
		free(p->warn_keys);
		free(p->live_taps);
		xmlFreeDoc(p->doc);
		free(p);
	}
	free(d);
}

const char *const *vmon_domain_warnings(const struct vmon_domain *d)
{
	static const char *const none[] = { NULL };
	struct domain_priv *p = d->priv;

	return p->warnings ? (const char *const *)p->warnings : none;
}
