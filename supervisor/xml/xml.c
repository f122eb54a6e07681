// SPDX-License-Identifier: GPL-2.0
/* libvmonxml: positions, parse errors and values on top of libxml2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/xml.h>

/* The 1-based column of @needle on line @line of @src from @from, or 0. */
static int column_of(const char *src, size_t len, int line, int from, const char *needle)
{
	const char *p = src, *end = src + len, *eol, *hit;
	size_t nl = strlen(needle);

	for (int l = 1; l < line && p < end; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return 0;
		p++;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	for (hit = p + (from > 1 ? from - 1 : 0); hit + nl <= eol; hit++)
		if (!memcmp(hit, needle, nl))
			return (int)(hit - p) + 1;
	return 0;
}

void vmon_xml_locate(const char *src, size_t len, xmlNodePtr node, const char *attr, int *line,
		     int *column)
{
	char needle[160];
	int at;

	*line = node ? (int)xmlGetLineNo(node) : 0;
	*column = 0;
	if (!node || *line <= 0)
		return;
	snprintf(needle, sizeof(needle), "<%s", (const char *)node->name);
	*column = column_of(src, len, *line, 0, needle);
	if (!attr)
		return;
	snprintf(needle, sizeof(needle), "%s=", attr);
	at = column_of(src, len, *line, *column, needle);
	if (at)
		*column = at;
}

int vmon_xml_parse_error(xmlParserCtxtPtr ctxt, const char *prefix, char *msg, size_t msglen,
			 int *line, int *column)
{
	const xmlError *e = ctxt ? xmlCtxtGetLastError(ctxt) : NULL;
	size_t l;

	*line = e ? e->line : 0;
	*column = e ? e->int2 : 0;
	snprintf(msg, msglen, "%s%s", prefix,
		 !ctxt		   ? "out of memory"
		 : e && e->message ? e->message
				   : "not a document");
	l = strlen(msg);
	while (l && msg[l - 1] == '\n')
		msg[--l] = 0;
	return -1;
}

static char *dup_free(xmlChar *v)
{
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

char *vmon_xml_prop(xmlNodePtr n, const char *name)
{
	return dup_free(xmlGetProp(n, (const xmlChar *)name));
}

char *vmon_xml_text(xmlNodePtr n)
{
	return dup_free(xmlNodeGetContent(n));
}
