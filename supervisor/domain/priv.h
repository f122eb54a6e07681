/* SPDX-License-Identifier: GPL-2.0 */
/* libdomain internals: the parse context and helpers shared by its files. */
#ifndef VMON_DOMAIN_PRIV_H
#define VMON_DOMAIN_PRIV_H

#include <libxml/tree.h>
#include <vmon/domain.h>

/* A C string as libxml2's xmlChar. */
#define X(s) ((const xmlChar *)(s))

struct domain_priv {
	xmlDocPtr doc;
	char **warnings; /* NULL-terminated */
	size_t n_warnings;
	char **warn_keys; /* what each warning is about, for "once" */
	char **live_taps; /* n_ifaces runtime tap names, or NULL */
	bool mac_generated[64];
};

/* One parse: the source (for columns) and where errors go. */
struct pctx {
	const char *src;
	size_t len;
	struct vmon_domain *d;
	struct domain_priv *p;
	struct vmon_xml_error *err;
};

/* Fill ctx->err for @node (line, and the column of <name on that line). */
int perr(struct pctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Add a warning once per @key. 0, or -1 on out of memory. */
int pwarn(struct pctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An attribute or element text, malloc'd (NULL if absent). */
char *prop(xmlNodePtr n, const char *name);
char *text(xmlNodePtr n);
/* The first child element called @name, or NULL. */
xmlNodePtr child(xmlNodePtr n, const char *name);
/* The @i-th (from 0) child element called @name, or NULL. */
xmlNodePtr nth_child(xmlNodePtr n, const char *name, size_t i);
/* format.c: the @i-th <disk> of the definition's kept document, or NULL. */
xmlNodePtr disk_node(const struct vmon_domain *d, size_t i);
bool is_elem(xmlNodePtr n, const char *name);

/* Memory: "<value>" in @unit (NULL: KiB) to KiB, rounding up as libvirt. */
int parse_memory(struct pctx *c, xmlNodePtr n, uint64_t *kib);
int parse_uint(const char *s, uint64_t *v);
int parse_mac(const char *s, uint8_t mac[6]);
void random_bytes(uint8_t *buf, size_t n);

int parse_devices(struct pctx *c, xmlNodePtr devices);
/* iotune.c: a disk's <iotune>; its vmon-vmm --disk settings ("" if none),
 * or -1 and @err naming what vmon-blk's throttle cannot do. */
int parse_iotune(struct pctx *c, xmlNodePtr io, struct vmon_iotune *t);
int iotune_disk_opts(const struct vmon_disk *k, char *buf, size_t len, char *err, size_t errlen);
/* Warn about every element and attribute outside the subset. */
int warn_unknown(struct pctx *c, xmlNodePtr root);

#endif
