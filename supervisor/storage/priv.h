/* SPDX-License-Identifier: GPL-2.0 */
/* libstorage internals: XML helpers shared by the pool and volume parsers. */
#ifndef VMON_STORAGE_PRIV_H
#define VMON_STORAGE_PRIV_H

#include <libxml/tree.h>
#include <vmon/storage.h>

/* One parse: the source text (for columns) and where the error goes. */
struct sctx {
	const char *src;
	size_t len;
	struct vmon_xml_error *err;
};

/* Fill c->err for node (its line, the column of <name or of attr=). -1. */
int serr(struct sctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Parse xml into a document whose root must be <root>: the doc or NULL. */
xmlDocPtr sdoc(struct sctx *c, const char *root);

/* An attribute or the element's text, malloc'd (NULL if absent). */
char *sprop(xmlNodePtr n, const char *name);
char *stext(xmlNodePtr n);
/* The first child element called name, or NULL. */
xmlNodePtr schild(xmlNodePtr n, const char *name);
/* Refuse a second <name> under n (libvirt keeps one). */
int sonce(struct sctx *c, xmlNodePtr n, const char *name);

/* <name unit='...'>N</name> in bytes; *found says whether it was there. */
int ssize(struct sctx *c, xmlNodePtr parent, const char *name, uint64_t *bytes, bool *found);
/* <permissions> under parent (absent: all -1). */
int sperms(struct sctx *c, xmlNodePtr parent, struct vmon_perms *p);
void sperms_free(struct vmon_perms *p);

/* Formatting: <el attr='val'/> (nothing when val is NULL), <name
 * unit='bytes'>N</name>, <permissions>. */
void fattr(xmlNodePtr parent, const char *el, const char *attr, const char *val);
void fsize(xmlNodePtr parent, const char *name, uint64_t bytes);
void fperms(xmlNodePtr parent, const struct vmon_perms *p);
/* The document as a malloc'd string with the XML declaration left out. */
char *fdump(xmlDocPtr doc);

#endif
