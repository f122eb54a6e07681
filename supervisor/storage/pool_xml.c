// SPDX-License-Identifier: GPL-2.0
/* libvirt's storage pool XML: parse and format (libxml2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "priv.h"

static const char *const type_names[] = {
	[VMON_POOL_DIR] = "dir",	 [VMON_POOL_FS] = "fs",	    [VMON_POOL_NETFS] = "netfs",
	[VMON_POOL_LOGICAL] = "logical", [VMON_POOL_DISK] = "disk", [VMON_POOL_ISCSI] = "iscsi",
};

const char *vmon_pool_type_name(enum vmon_pool_type t)
{
	return (unsigned int)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

void vmon_pool_def_free(struct vmon_pool_def *p)
{
	if (!p)
		return;
	free(p->src_device);
	free(p->src_dir);
	free(p->src_host);
	free(p->src_name);
	free(p->src_format);
	free(p->target);
	sperms_free(&p->perms);
	free(p);
}

int vmon_pool_type_parse(const char *s, enum vmon_pool_type *t)
{
	for (size_t i = 0; s && i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!strcmp(s, type_names[i])) {
			*t = (enum vmon_pool_type)i;
			return 0;
		}
	}
	return -1;
}

static int parse_head(struct sctx *c, xmlNodePtr root, struct vmon_pool_def *p)
{
	char *type = sprop(root, "type"), *name, *uuid;
	xmlNodePtr n;
	uuid_t u;
	int ret = 0;

	if (vmon_pool_type_parse(type, &p->type)) {
		ret = serr(c, root, type ? "type" : NULL,
			   type ? "unknown pool type '%s' (known: dir, fs, netfs, logical, disk, "
				  "iscsi)"
				: "<pool> has no type attribute%s",
			   type ? type : "");
		free(type);
		return ret;
	}
	free(type);
	n = schild(root, "name");
	name = n ? stext(n) : NULL;
	if (!name || !*name || strlen(name) >= sizeof(p->name) || strchr(name, '/'))
		ret = serr(c, n ? n : root, NULL,
			   n ? "pool name '%s' is empty, longer than 64 or has a '/'"
			     : "<pool> has no <name>%s",
			   n && name ? name : "");
	else
		strcpy(p->name, name);
	free(name);
	if (ret || sonce(c, root, "name") || sonce(c, root, "uuid"))
		return -1;
	n = schild(root, "uuid");
	if (!n) {
		uuid_generate(u);
		uuid_unparse_lower(u, p->uuid);
		return 0;
	}
	uuid = stext(n);
	if (!uuid || uuid_parse(uuid, u))
		ret = serr(c, n, NULL, "<uuid> '%s' is not a UUID", uuid ? uuid : "");
	else
		uuid_unparse_lower(u, p->uuid);
	free(uuid);
	return ret;
}

static int parse_source(struct sctx *c, xmlNodePtr root, struct vmon_pool_def *p)
{
	xmlNodePtr s = schild(root, "source"), n;

	if (!s)
		return 0;
	if (sonce(c, root, "source") || sonce(c, s, "device") || sonce(c, s, "dir") ||
	    sonce(c, s, "host") || sonce(c, s, "format"))
		return -1;
	if ((n = schild(s, "device")) && !(p->src_device = sprop(n, "path")))
		return serr(c, n, NULL, "<device> has no path attribute");
	if ((n = schild(s, "dir")) && !(p->src_dir = sprop(n, "path")))
		return serr(c, n, NULL, "<dir> has no path attribute");
	if ((n = schild(s, "host")) && !(p->src_host = sprop(n, "name")))
		return serr(c, n, NULL, "<host> has no name attribute");
	if ((n = schild(s, "format")) && !(p->src_format = sprop(n, "type")))
		return serr(c, n, NULL, "<format> has no type attribute");
	if ((n = schild(s, "name")))
		p->src_name = stext(n);
	return 0;
}

static int parse_target(struct sctx *c, xmlNodePtr root, struct vmon_pool_def *p)
{
	xmlNodePtr t = schild(root, "target"), n;

	if (!t) {
		if (p->type == VMON_POOL_DIR || p->type == VMON_POOL_FS ||
		    p->type == VMON_POOL_NETFS)
			return serr(c, root, NULL, "a %s pool needs <target><path>",
				    vmon_pool_type_name(p->type));
		/* logical and disk pools have a natural target: /dev/VG, /dev */
		if (p->type == VMON_POOL_LOGICAL &&
		    asprintf(&p->target, "/dev/%s", p->src_name ? p->src_name : p->name) < 0)
			p->target = NULL;
		else if (p->type != VMON_POOL_LOGICAL)
			p->target = strdup("/dev");
		p->perms.mode = p->perms.owner = p->perms.group = -1;
		return p->target ? 0 : serr(c, root, NULL, "out of memory");
	}
	if (sonce(c, root, "target") || sonce(c, t, "path"))
		return -1;
	n = schild(t, "path");
	if (n) {
		p->target = stext(n);
		if (!p->target || p->target[0] != '/')
			return serr(c, n, NULL, "target path '%s' is not absolute",
				    p->target ? p->target : "");
		for (size_t l = strlen(p->target); l > 1 && p->target[l - 1] == '/'; l--)
			p->target[l - 1] = 0;
	} else if (p->type == VMON_POOL_DIR || p->type == VMON_POOL_FS ||
		   p->type == VMON_POOL_NETFS) {
		return serr(c, t, NULL, "a %s pool needs <target><path>",
			    vmon_pool_type_name(p->type));
	}
	return sperms(c, t, &p->perms);
}

/* A document whose root is @root_name: a whole <pool>, or a search's <source>. */
static int parse_doc(const char *xml, size_t len, const char *root_name, struct vmon_pool_def **out,
		     struct vmon_xml_error *err)
{
	struct sctx c = { xml, len, err };
	struct vmon_pool_def *p;
	xmlDocPtr doc;
	xmlNodePtr root;
	bool found;
	int ret;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	doc = sdoc(&c, root_name);
	if (!doc)
		return -1;
	p = calloc(1, sizeof(*p));
	if (!p) {
		xmlFreeDoc(doc);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	p->perms.mode = p->perms.owner = p->perms.group = -1;
	root = xmlDocGetRootElement(doc);
	if (strcmp(root_name, "pool"))
		/* the document node is the <source>'s parent, as <pool> is in a pool */
		ret = parse_source(&c, (xmlNodePtr)doc, p);
	else
		ret = parse_head(&c, root, p) || parse_source(&c, root, p) ||
		      parse_target(&c, root, p) ||
		      ssize(&c, root, "capacity", &p->capacity, &found) ||
		      ssize(&c, root, "allocation", &p->allocation, &found) ||
		      ssize(&c, root, "available", &p->available, &found);
	xmlFreeDoc(doc);
	if (ret) {
		vmon_pool_def_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int vmon_pool_parse(const char *xml, size_t len, struct vmon_pool_def **out,
		    struct vmon_xml_error *err)
{
	return parse_doc(xml, len, "pool", out, err);
}

int vmon_pool_spec_parse(const char *xml, size_t len, struct vmon_pool_def **out,
			 struct vmon_xml_error *err)
{
	return parse_doc(xml, len, "source", out, err);
}

char *vmon_pool_format(const struct vmon_pool_def *p)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root, s, t;

	if (!doc)
		return NULL;
	root = xmlNewNode(NULL, (const xmlChar *)"pool");
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, (const xmlChar *)"type", (const xmlChar *)vmon_pool_type_name(p->type));
	xmlNewTextChild(root, NULL, (const xmlChar *)"name", (const xmlChar *)p->name);
	xmlNewChild(root, NULL, (const xmlChar *)"uuid", (const xmlChar *)p->uuid);
	fsize(root, "capacity", p->capacity);
	fsize(root, "allocation", p->allocation);
	fsize(root, "available", p->available);
	s = xmlNewChild(root, NULL, (const xmlChar *)"source", NULL);
	fattr(s, "host", "name", p->src_host);
	fattr(s, "device", "path", p->src_device);
	fattr(s, "dir", "path", p->src_dir);
	if (p->src_name)
		xmlNewTextChild(s, NULL, (const xmlChar *)"name", (const xmlChar *)p->src_name);
	fattr(s, "format", "type", p->src_format);
	if (p->target) {
		t = xmlNewChild(root, NULL, (const xmlChar *)"target", NULL);
		xmlNewTextChild(t, NULL, (const xmlChar *)"path", (const xmlChar *)p->target);
		fperms(t, &p->perms);
	}
	return fdump(doc);
}
