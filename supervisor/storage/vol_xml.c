// SPDX-License-Identifier: GPL-2.0
/* libvirt's storage volume XML: parse and format (libxml2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

const char *vmon_vol_format_name(enum vmon_vol_format f)
{
	return f == VMON_VOL_QCOW2 ? "qcow2" : "raw";
}

int vmon_vol_format_parse(const char *s, enum vmon_vol_format *f)
{
	if (!strcmp(s, "raw"))
		*f = VMON_VOL_RAW;
	else if (!strcmp(s, "qcow2"))
		*f = VMON_VOL_QCOW2;
	else
		return -1;
	return 0;
}

int vmon_vol_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (!len || len > 255 || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    name[0] == '.') {
		snprintf(err, errlen,
			 "volume name '%.255s' is empty, longer than 255 bytes, starts with '.' or "
			 "has a '/'",
			 name);
		return -1;
	}
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "volume name has a control character");
			return -1;
		}
	return 0;
}

void vmon_vol_def_free(struct vmon_vol_def *v)
{
	if (!v)
		return;
	free(v->key);
	free(v->path);
	free(v->backing);
	sperms_free(&v->perms);
	free(v);
}

struct vmon_vol_def *vmon_vol_def_dup(const struct vmon_vol_def *v)
{
	struct vmon_vol_def *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	*n = *v;
	n->key = v->key ? strdup(v->key) : NULL;
	n->path = v->path ? strdup(v->path) : NULL;
	n->backing = v->backing ? strdup(v->backing) : NULL;
	n->perms.label = v->perms.label ? strdup(v->perms.label) : NULL;
	if ((v->key && !n->key) || (v->path && !n->path) || (v->backing && !n->backing) ||
	    (v->perms.label && !n->perms.label)) {
		vmon_vol_def_free(n);
		return NULL;
	}
	return n;
}

/* <format type='raw|qcow2'/> under parent. */
static int parse_fmt(struct sctx *c, xmlNodePtr parent, enum vmon_vol_format *f, bool *found)
{
	xmlNodePtr n = schild(parent, "format");
	char *t;
	int ret = 0;

	*found = n != NULL;
	if (!n)
		return 0;
	t = sprop(n, "type");
	if (!t || vmon_vol_format_parse(t, f))
		ret = serr(c, n, t ? "type" : NULL,
			   "volume format '%s' is not supported (raw or qcow2)", t ? t : "");
	free(t);
	return ret;
}

static int parse_head(struct sctx *c, xmlNodePtr root, struct vmon_vol_def *v)
{
	xmlNodePtr n = schild(root, "name");
	char *name = n ? stext(n) : NULL, *type = sprop(root, "type"), msg[400];
	int ret = 0;

	if (!n)
		ret = serr(c, root, NULL, "<volume> has no <name>");
	else if (vmon_vol_name_check(name ? name : "", msg, sizeof(msg)))
		ret = serr(c, n, NULL, "%s", msg);
	else
		strcpy(v->name, name);
	if (!ret && type && strcmp(type, "file") && strcmp(type, "block"))
		ret = serr(c, root, "type", "volume type '%s' is not supported (file or block)",
			   type);
	v->block = type && !strcmp(type, "block");
	free(name);
	free(type);
	if (ret || sonce(c, root, "name") || sonce(c, root, "key"))
		return -1;
	if ((n = schild(root, "key")))
		v->key = stext(n);
	return 0;
}

static int parse_target(struct sctx *c, xmlNodePtr root, struct vmon_vol_def *v)
{
	xmlNodePtr t = schild(root, "target"), b = schild(root, "backingStore"), n;
	bool found;

	if (sonce(c, root, "target") || sonce(c, root, "backingStore"))
		return -1;
	if (t) {
		if ((n = schild(t, "path")))
			v->path = stext(n);
		if (parse_fmt(c, t, &v->format, &found) || sperms(c, t, &v->perms))
			return -1;
	} else {
		v->perms.mode = v->perms.owner = v->perms.group = -1;
	}
	if (!b)
		return 0;
	n = schild(b, "path");
	v->backing = n ? stext(n) : NULL;
	if (!v->backing || !*v->backing)
		return serr(c, n ? n : b, NULL, "<backingStore> has no <path>");
	return parse_fmt(c, b, &v->backing_format, &v->has_backing_format);
}

int vmon_vol_parse(const char *xml, size_t len, struct vmon_vol_def **out,
		   struct vmon_xml_error *err)
{
	struct sctx c = { xml, len, err };
	struct vmon_vol_def *v;
	xmlDocPtr doc;
	xmlNodePtr root;
	bool cap, phys;
	int ret;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	doc = sdoc(&c, "volume");
	if (!doc)
		return -1;
	v = calloc(1, sizeof(*v));
	if (!v) {
		xmlFreeDoc(doc);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	ret = parse_head(&c, root, v) || ssize(&c, root, "capacity", &v->capacity, &cap) ||
	      ssize(&c, root, "allocation", &v->allocation, &v->has_allocation) ||
	      ssize(&c, root, "physical", &v->physical, &phys) || parse_target(&c, root, v);
	if (!ret && !cap && !v->backing)
		ret = serr(&c, root, NULL, "<volume> has no <capacity> (nor a <backingStore>)");
	xmlFreeDoc(doc);
	if (ret) {
		vmon_vol_def_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

char *vmon_vol_format(const struct vmon_vol_def *v)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root, t, b;

	if (!doc)
		return NULL;
	root = xmlNewNode(NULL, (const xmlChar *)"volume");
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, (const xmlChar *)"type", (const xmlChar *)(v->block ? "block" : "file"));
	xmlNewTextChild(root, NULL, (const xmlChar *)"name", (const xmlChar *)v->name);
	if (v->key)
		xmlNewTextChild(root, NULL, (const xmlChar *)"key", (const xmlChar *)v->key);
	fsize(root, "capacity", v->capacity);
	fsize(root, "allocation", v->allocation);
	if (v->physical)
		fsize(root, "physical", v->physical);
	t = xmlNewChild(root, NULL, (const xmlChar *)"target", NULL);
	if (v->path)
		xmlNewTextChild(t, NULL, (const xmlChar *)"path", (const xmlChar *)v->path);
	xmlNewProp(xmlNewChild(t, NULL, (const xmlChar *)"format", NULL), (const xmlChar *)"type",
		   (const xmlChar *)vmon_vol_format_name(v->format));
	fperms(t, &v->perms);
	if (v->backing) {
		b = xmlNewChild(root, NULL, (const xmlChar *)"backingStore", NULL);
		xmlNewTextChild(b, NULL, (const xmlChar *)"path", (const xmlChar *)v->backing);
		if (v->has_backing_format)
			xmlNewProp(xmlNewChild(b, NULL, (const xmlChar *)"format", NULL),
				   (const xmlChar *)"type",
				   (const xmlChar *)vmon_vol_format_name(v->backing_format));
	}
	return fdump(doc);
}
