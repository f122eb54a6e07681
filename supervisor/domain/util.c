// SPDX-License-Identifier: GPL-2.0
/* libdomain helpers: errors with line:column, warnings, values. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <vmon/xml.h>
#include "priv.h"

int perr(struct pctx *c, xmlNodePtr node, const char *attr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	vmon_xml_locate(c->src, c->len, node, attr, &c->err->line, &c->err->column);
	return -1;
}

static int push(char ***v, size_t n, char *s)
{
	char **nv = realloc(*v, (n + 2) * sizeof(*nv));

	if (!nv) {
		free(s);
		return -1;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int pwarn(struct pctx *c, const char *key, const char *fmt, ...)
{
	struct domain_priv *p = c->p;
	char *msg, *k;
	va_list ap;
	int rc;

	for (size_t i = 0; i < p->n_warnings; i++)
		if (!strcmp(p->warn_keys[i], key))
			return 0;
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	k = strdup(key);
	if (rc < 0 || !k) {
		free(k);
		return -1;
	}
	if (push(&p->warn_keys, p->n_warnings, k) || push(&p->warnings, p->n_warnings, msg))
		return -1;
	p->n_warnings++;
	return 0;
}

char *prop(xmlNodePtr n, const char *name)
{
	return vmon_xml_prop(n, name);
}

char *text(xmlNodePtr n)
{
	return vmon_xml_text(n);
}

bool is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr k = n->children; k; k = k->next)
		if (is_elem(k, name))
			return k;
	return NULL;
}

xmlNodePtr nth_child(xmlNodePtr n, const char *name, size_t i)
{
	for (xmlNodePtr k = n->children; k; k = k->next)
		if (is_elem(k, name) && !i--)
			return k;
	return NULL;
}

int parse_uint(const char *s, uint64_t *v)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return errno || *end ? -1 : 0;
}

static const struct {
	const char *name;
	uint64_t bytes;
} units[] = {
	{ "b", 1ull },	     { "bytes", 1ull },	    { "KB", 1000ull },
	{ "k", 1024ull },    { "KiB", 1024ull },    { "MB", 1000000ull },
	{ "M", 1ull << 20 }, { "MiB", 1ull << 20 }, { "GB", 1000000000ull },
	{ "G", 1ull << 30 }, { "GiB", 1ull << 30 }, { "TB", 1000000000000ull },
	{ "T", 1ull << 40 }, { "TiB", 1ull << 40 },
};

/* libvirt takes the unit's first letter case-insensitively for k/m/g/t. */
static uint64_t unit_bytes(const char *u)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(u, units[i].name))
			return units[i].bytes;
	if (strlen(u) == 1)
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == 1 && !strcasecmp(u, units[i].name))
				return units[i].bytes;
	return 0;
}

int parse_memory(struct pctx *c, xmlNodePtr n, uint64_t *kib)
{
	char *u = prop(n, "unit"), *t = text(n);
	uint64_t v, scale = u ? unit_bytes(u) : 1024;
	int rc = -1;

	if (!scale)
		perr(c, n, "unit",
		     "<%s> unit='%s': unknown suffix (b, bytes, KB, k, KiB, MB, M, MiB, GB, G, "
		     "GiB, TB, T, TiB)",
		     n->name, u);
	else if (!t || parse_uint(t, &v))
		perr(c, n, NULL, "<%s>: malformed value '%s'", n->name, t ? t : "");
	else if (v > UINT64_MAX / scale)
		perr(c, n, NULL, "<%s>: value %s %s is too large", n->name, t, u ? u : "KiB");
	else if ((*kib = (v * scale + 1023) / 1024) == 0)
		perr(c, n, NULL, "<%s>: value must be more than 0", n->name);
	else
		rc = 0;
	free(u);
	free(t);
	return rc;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

void random_bytes(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r > 0)
			got += (size_t)r;
		else if (errno != EINTR)
			abort(); /* getrandom cannot fail on Linux >= 3.17 */
	}
}
