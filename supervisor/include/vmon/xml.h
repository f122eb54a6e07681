/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmonxml: what the XML libraries (domain, network, storage) share on top
 * of libxml2: where a node or attribute is in the source text (libxml2 gives
 * a node's line only), libxml2's own parse error with its position, and
 * attribute and text values as strings of our own allocation.
 */
#ifndef VMON_XML_H
#define VMON_XML_H

#include <stddef.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/*
 * The line of @node in @src, and the 1-based column of its "<name" there,
 * or of its @attr's "attr=" from that column on when @attr is given and
 * found; 0 for what is not known.
 */
void vmon_xml_locate(const char *src, size_t len, xmlNodePtr node, const char *attr, int *line,
		     int *column);

/*
 * libxml2's last error in @ctxt as "PREFIXmessage" (no trailing newline),
 * with its line and column. Returns -1, for "return vmon_xml_parse_error()".
 */
int vmon_xml_parse_error(xmlParserCtxtPtr ctxt, const char *prefix, char *msg, size_t msglen,
			 int *line, int *column);

/* An attribute's value, or a node's text, in malloc'd memory; NULL if none. */
char *vmon_xml_prop(xmlNodePtr n, const char *name);
char *vmon_xml_text(xmlNodePtr n);

#endif
