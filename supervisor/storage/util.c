// SPDX-License-Identifier: GPL-2.0
/* libstorage helpers: errors with line:column, units, sizes, permissions. */
#include <errno.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vmon/xml.h>
#include "priv.h"

int serr(struct sctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	vmon_xml_locate(c->src, c->len, node, attr, &c->err->line, &c->err->column);
	return -1;
}

xmlDocPtr sdoc(struct sctx *c, const char *root)
{
	xmlParserCtxtPtr p = xmlNewParserCtxt();
	xmlDocPtr doc;
	xmlNodePtr r;

	if (!p) {
		snprintf(c->err->msg, sizeof(c->err->msg), "out of memory");
		return NULL;
	}
	doc = xmlCtxtReadMemory(p, c->src, (int)c->len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		vmon_xml_parse_error(p, "", c->err->msg, sizeof(c->err->msg), &c->err->line,
				     &c->err->column);
		xmlFreeParserCtxt(p);
		return NULL;
	}
	xmlFreeParserCtxt(p);
	r = xmlDocGetRootElement(doc);
	if (!r || strcmp((const char *)r->name, root)) {
		serr(c, r, NULL, "the root element is <%s>, expected <%s>",
		     r ? (const char *)r->name : "", root);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

char *sprop(xmlNodePtr n, const char *name)
{
	return vmon_xml_prop(n, name);
}

char *stext(xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s, *b, *e;

	if (!v)
		return NULL;
	/* surrounding white space is layout, not value */
	for (b = (char *)v; *b == ' ' || *b == '\n' || *b == '\t' || *b == '\r'; b++)
		;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	s = strndup(b, (size_t)(e - b));
	xmlFree(v);
	return s;
}

xmlNodePtr schild(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, name))
			return k;
	return NULL;
}

int sonce(struct sctx *c, xmlNodePtr n, const char *name)
{
	int seen = 0;

	for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, name) && seen++)
			return serr(c, k, NULL, "<%s> given twice", name);
	return 0;
}

int ssize(struct sctx *c, xmlNodePtr parent, const char *name, uint64_t *bytes, bool *found)
{
	xmlNodePtr n = schild(parent, name);
	char *v, *u, msg[200];
	int ret;

	*found = n != NULL;
	if (!n)
		return 0;
	if (sonce(c, parent, name))
		return -1;
	v = stext(n);
	u = sprop(n, "unit");
	ret = vmon_size_scale(v ? v : "", u, bytes, msg, sizeof(msg));
	if (ret)
		serr(c, n, u && !strncmp(msg, "unknown unit", 12) ? "unit" : NULL, "<%s>: %s", name,
		     msg);
	free(v);
	free(u);
	return ret;
}

/* A number in base 0 (0755 is octal) or -1 when absent. */
static int snum(struct sctx *c, xmlNodePtr parent, const char *name, int base, long *out)
{
	xmlNodePtr n = schild(parent, name);
	char *v, *end;
	int ret = 0;

	*out = -1;
	if (!n)
		return 0;
	v = stext(n);
	errno = 0;
	*out = strtol(v ? v : "", &end, base);
	if (!v || !*v || *end || errno || *out < -1 || (base == 8 && *out > 07777) ||
	    *out > INT32_MAX)
		ret = serr(c, n, NULL, "<%s> '%s' is not a valid %s", name, v ? v : "",
			   base == 8 ? "octal mode (0 to 07777)" : "id");
	free(v);
	return ret;
}

int sperms(struct sctx *c, xmlNodePtr parent, struct vmon_perms *p)
{
	xmlNodePtr n = schild(parent, "permissions");

	p->mode = p->owner = p->group = -1;
	p->label = NULL;
	if (!n)
		return 0;
	if (snum(c, n, "mode", 8, &p->mode) || snum(c, n, "owner", 10, &p->owner) ||
	    snum(c, n, "group", 10, &p->group))
		return -1;
	if (schild(n, "label"))
		p->label = stext(schild(n, "label"));
	return 0;
}

void sperms_free(struct vmon_perms *p)
{
	free(p->label);
	p->label = NULL;
}

void fattr(xmlNodePtr parent, const char *el, const char *attr, const char *val)
{
	if (val)
		xmlNewProp(xmlNewChild(parent, NULL, (const xmlChar *)el, NULL),
			   (const xmlChar *)attr, (const xmlChar *)val);
}

void fsize(xmlNodePtr parent, const char *name, uint64_t bytes)
{
	char num[32];
	xmlNodePtr n;

	snprintf(num, sizeof(num), "%" PRIu64, bytes);
	n = xmlNewChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)num);
	xmlNewProp(n, (const xmlChar *)"unit", (const xmlChar *)"bytes");
}

void fperms(xmlNodePtr parent, const struct vmon_perms *p)
{
	xmlNodePtr n;
	char num[32];

	if (p->mode < 0 && p->owner < 0 && p->group < 0 && !p->label)
		return;
	n = xmlNewChild(parent, NULL, (const xmlChar *)"permissions", NULL);
	if (p->mode >= 0) {
		snprintf(num, sizeof(num), "%04lo", (unsigned long)p->mode);
		xmlNewChild(n, NULL, (const xmlChar *)"mode", (const xmlChar *)num);
	}
	if (p->owner >= 0) {
		snprintf(num, sizeof(num), "%ld", p->owner);
		xmlNewChild(n, NULL, (const xmlChar *)"owner", (const xmlChar *)num);
	}
	if (p->group >= 0) {
		snprintf(num, sizeof(num), "%ld", p->group);
		xmlNewChild(n, NULL, (const xmlChar *)"group", (const xmlChar *)num);
	}
	if (p->label)
		xmlNewTextChild(n, NULL, (const xmlChar *)"label", (const xmlChar *)p->label);
}

char *fdump(xmlDocPtr doc)
{
	xmlBufferPtr b = xmlBufferCreate();
	char *s = NULL;

	if (b && xmlNodeDump(b, doc, xmlDocGetRootElement(doc), 0, 1) >= 0 &&
	    asprintf(&s, "%s\n", (const char *)xmlBufferContent(b)) < 0)
		s = NULL;
	if (b)
		xmlBufferFree(b);
	xmlFreeDoc(doc);
	return s;
}
