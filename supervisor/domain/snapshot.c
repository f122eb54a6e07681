// SPDX-License-Identifier: GPL-2.0
/* libdomain: libvirt's <domainsnapshot> XML (libxml2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/snapshot.h>
#include <vmon/xml.h>

#include "priv.h"

static const char *const disk_modes[] = { "no", "internal", "external" };

struct sp {
	const char *src;
	size_t len;
	struct vmon_xml_error *err;
};

static int fail(struct sp *c, xmlNodePtr n, const char *attr, const char *msg, const char *what)
{
	snprintf(c->err->msg, sizeof(c->err->msg), msg, what ? what : "");
	vmon_xml_locate(c->src, c->len, n, attr, &c->err->line, &c->err->column);
	return -1;
}

void vmon_snapshot_free(struct vmon_snapshot *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->description);
	free(s->parent);
	free(s->state);
	for (size_t i = 0; i < s->n_disks; i++) {
		free(s->disks[i].name);
		free(s->disks[i].file);
	}
	free(s->disks);
	free(s->domain);
	free(s);
}

int vmon_snapshot_name_check(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (!n || n > 255 || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(err, errlen,
			 "invalid snapshot name '%.80s': 1 to 255 bytes, no '/', not '.' or '..'",
			 name);
		return -1;
	}
	for (const char *p = name; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen,
				 "invalid snapshot name: it holds a control character");
			return -1;
		}
	}
	return 0;
}

/* The element @n as text (its own document's encoding: UTF-8). */
static char *node_text(xmlNodePtr n)
{
	xmlBufferPtr b = xmlBufferCreate();
	char *s = NULL;

	if (b && xmlNodeDump(b, n->doc, n, 0, 0) >= 0)
		s = strdup((const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	return s;
}

static int parse_disks(struct sp *c, xmlNodePtr disks, struct vmon_snapshot *s)
{
	size_t n = 0;

	for (xmlNodePtr k = disks->children; k; k = k->next)
		n += k->type == XML_ELEMENT_NODE;
	s->disks = calloc(n ? n : 1, sizeof(*s->disks));
	if (!s->disks)
		return fail(c, disks, NULL, "out of memory%s", NULL);
	for (xmlNodePtr k = disks->children; k; k = k->next) {
		xmlNodePtr src;
		char *mode;
		int m;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)k->name, "disk"))
			return fail(c, k, NULL, "<disks> holds <%s>, not <disk>",
				    (const char *)k->name);
		s->disks[s->n_disks].name = vmon_xml_prop(k, "name");
		if (!s->disks[s->n_disks].name)
			return fail(c, k, NULL, "<disk> has no name attribute%s", NULL);
		mode = vmon_xml_prop(k, "snapshot");
		for (m = 0; mode && m < 3 && strcmp(mode, disk_modes[m]); m++)
			;
		s->disks[s->n_disks].snapshot =
			mode ? (enum vmon_snap_disk)m : VMON_SNAP_DISK_INTERNAL;
		if ((src = child(k, "source")))
			s->disks[s->n_disks].file = vmon_xml_prop(src, "file");
		s->n_disks++;
		if (mode && m == 3) {
			fail(c, k, "snapshot", "unknown disk snapshot mode '%s'", mode);
			free(mode);
			return -1;
		}
		free(mode);
	}
	return 0;
}

/* One child element of the root. */
static int parse_child(struct sp *c, xmlNodePtr k, struct vmon_snapshot *s)
{
	const char *n = (const char *)k->name;
	char *t = NULL;
	int ret = 0;

	if (!strcmp(n, "name")) {
		s->name = vmon_xml_text(k);
		if (!s->name)
			s->name = strdup("");
	} else if (!strcmp(n, "description")) {
		s->description = vmon_xml_text(k);
	} else if (!strcmp(n, "state")) {
		s->state = vmon_xml_text(k);
	} else if (!strcmp(n, "parent")) {
		xmlNodePtr pn = k->children;

		while (pn &&
		       (pn->type != XML_ELEMENT_NODE || strcmp((const char *)pn->name, "name")))
			pn = pn->next;
		s->parent = pn ? vmon_xml_text(pn) : NULL;
	} else if (!strcmp(n, "creationTime")) {
		char *end;

		t = vmon_xml_text(k);
		errno = 0;
		s->creation_time = t ? strtoll(t, &end, 10) : 0;
		if (!t || *end || errno || s->creation_time < 0)
			ret = fail(c, k, NULL, "<creationTime> '%s' is not a number of seconds", t);
	} else if (!strcmp(n, "active")) {
		t = vmon_xml_text(k);
		s->current = t && !strcmp(t, "1");
	} else if (!strcmp(n, "memory")) {
		t = vmon_xml_prop(k, "snapshot");
		s->memory = t && !strcmp(t, "internal");
		if (t && strcmp(t, "no") && strcmp(t, "internal"))
			ret = fail(c, k, "snapshot", "<memory snapshot='%s'>: only no and internal",
				   t);
	} else if (!strcmp(n, "disks")) {
		ret = parse_disks(c, k, s);
	} else if (!strcmp(n, "domain")) {
		s->domain = node_text(k);
		if (!s->domain)
			ret = fail(c, k, NULL, "out of memory%s", NULL);
	} /* <cookie> and what libvirt adds later: kept out, as unknown */
	free(t);
	return ret;
}

int vmon_snapshot_parse(const char *xml, size_t len, struct vmon_snapshot **out,
			struct vmon_xml_error *err)
{
	struct sp c = { xml, len, err };
	xmlParserCtxtPtr p = xmlNewParserCtxt();
	struct vmon_snapshot *s;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	int ret = 0;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (p)
		doc = xmlCtxtReadMemory(p, xml, (int)len, NULL, NULL,
					XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		if (p)
			vmon_xml_parse_error(p, "", err->msg, sizeof(err->msg), &err->line,
					     &err->column);
		else
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		xmlFreeParserCtxt(p);
		return -1;
	}
	xmlFreeParserCtxt(p);
	root = xmlDocGetRootElement(doc);
	s = calloc(1, sizeof(*s));
	if (!root || strcmp((const char *)root->name, "domainsnapshot"))
		ret = fail(&c, root, NULL, "the root element is <%s>, expected <domainsnapshot>",
			   root ? (const char *)root->name : "");
	else if (!s)
		ret = fail(&c, root, NULL, "out of memory%s", NULL);
	for (xmlNodePtr k = root && !ret ? root->children : NULL; k && !ret; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			ret = parse_child(&c, k, s);
	if (!ret && s->name && vmon_snapshot_name_check(s->name, err->msg, sizeof(err->msg)))
		ret = -1;
	xmlFreeDoc(doc);
	if (ret) {
		vmon_snapshot_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int vmon_snapshot_parse_file(const char *path, struct vmon_snapshot **out,
			     struct vmon_xml_error *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	n = f ? getdelim(&buf, &cap, 0, f) : -1;
	if (n < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 f ? "empty or unreadable" : strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	ret = vmon_snapshot_parse(buf, (size_t)n, out, err);
	free(buf);
	return ret;
}

/* The <domain> text as a node of @doc, or NULL. */
static xmlNodePtr domain_node(xmlDocPtr doc, const char *text)
{
	xmlDocPtr d = xmlReadMemory(text, (int)strlen(text), NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					    XML_PARSE_NOBLANKS);
	xmlNodePtr n = NULL;

	if (d && xmlDocGetRootElement(d))
		n = xmlDocCopyNode(xmlDocGetRootElement(d), doc, 1);
	xmlFreeDoc(d);
	return n;
}

char *vmon_snapshot_format(const struct vmon_snapshot *s, bool internal)
{
	xmlDocPtr doc = xmlNewDoc(X("1.0"));
	xmlNodePtr root, n;
	xmlBufferPtr b = NULL;
	char num[32], *out = NULL;
	bool ok = true;

	if (!doc)
		return NULL;
	root = xmlNewNode(NULL, X("domainsnapshot"));
	xmlDocSetRootElement(doc, root);
	if (s->name)
		xmlNewTextChild(root, NULL, X("name"), X(s->name));
	if (s->description)
		xmlNewTextChild(root, NULL, X("description"), X(s->description));
	if (s->state)
		xmlNewTextChild(root, NULL, X("state"), X(s->state));
	if (s->parent) {
		n = xmlNewChild(root, NULL, X("parent"), NULL);
		xmlNewTextChild(n, NULL, X("name"), X(s->parent));
	}
	if (s->creation_time) {
		snprintf(num, sizeof(num), "%lld", s->creation_time);
		xmlNewTextChild(root, NULL, X("creationTime"), X(num));
	}
	n = xmlNewChild(root, NULL, X("memory"), NULL);
	xmlNewProp(n, X("snapshot"), X(s->memory ? "internal" : "no"));
	if (s->n_disks) {
		xmlNodePtr ds = xmlNewChild(root, NULL, X("disks"), NULL);

		for (size_t i = 0; i < s->n_disks; i++) {
			n = xmlNewChild(ds, NULL, X("disk"), NULL);
			xmlNewProp(n, X("name"), X(s->disks[i].name));
			xmlNewProp(n, X("snapshot"), X(disk_modes[s->disks[i].snapshot]));
			if (s->disks[i].file) {
				xmlNewProp(n, X("type"), X("file"));
				xmlNewProp(xmlNewChild(n, NULL, X("source"), NULL), X("file"),
					   X(s->disks[i].file));
			}
		}
	}
	if (s->domain) {
		n = domain_node(doc, s->domain);
		ok = n && xmlAddChild(root, n);
	}
	if (internal)
		xmlNewTextChild(root, NULL, X("active"), X(s->current ? "1" : "0"));
	b = xmlBufferCreate();
	if (ok && b && xmlNodeDump(b, doc, root, 0, 1) >= 0 &&
	    asprintf(&out, "%s\n", (const char *)xmlBufferContent(b)) < 0)
		out = NULL;
	xmlBufferFree(b);
	xmlFreeDoc(doc);
	return out;
}
