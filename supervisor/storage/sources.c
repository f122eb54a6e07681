// SPDX-License-Identifier: GPL-2.0
/*
 * find-storage-pool-sources: the list of discovered sources and its XML,
 * libvirt's <sources><source>...</source></sources> (libxml2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

int vmon_pool_sources_add(struct vmon_pool_source **s, size_t *n, const char *name,
			  const char *host, const char *dir, const char *format)
{
	struct vmon_pool_source *ns = realloc(*s, (*n + 1) * sizeof(**s)), *e;
	bool oom = false;

	if (!ns)
		return -1;
	*s = ns;
	e = &ns[*n];
	*e = (struct vmon_pool_source){
		.name = dup_or_null(name, &oom),
		.host = dup_or_null(host, &oom),
		.dir = dup_or_null(dir, &oom),
		.format = dup_or_null(format, &oom),
	};
	(*n)++;
	return oom ? -1 : 0;
}

int vmon_pool_source_add_device(struct vmon_pool_source *s, const char *device)
{
	char **nd = realloc(s->devices, (s->n_devices + 1) * sizeof(*nd));

	if (!nd)
		return -1;
	s->devices = nd;
	nd[s->n_devices] = strdup(device);
	if (!nd[s->n_devices])
		return -1;
	s->n_devices++;
	return 0;
}

void vmon_pool_sources_free(struct vmon_pool_source *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		for (size_t k = 0; k < s[i].n_devices; k++)
			free(s[i].devices[k]);
		free(s[i].devices);
		free(s[i].name);
		free(s[i].host);
		free(s[i].dir);
		free(s[i].format);
	}
	free(s);
}

/* libvirt's order in a <source>: host, device, dir, name, format. */
char *vmon_pool_sources_format(const struct vmon_pool_source *s, size_t n)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root, e;

	if (!doc)
		return NULL;
	root = xmlNewNode(NULL, (const xmlChar *)"sources");
	xmlDocSetRootElement(doc, root);
	for (size_t i = 0; i < n; i++) {
		e = xmlNewChild(root, NULL, (const xmlChar *)"source", NULL);
		fattr(e, "host", "name", s[i].host);
		for (size_t k = 0; k < s[i].n_devices; k++)
			fattr(e, "device", "path", s[i].devices[k]);
		fattr(e, "dir", "path", s[i].dir);
		if (s[i].name)
			xmlNewTextChild(e, NULL, (const xmlChar *)"name",
					(const xmlChar *)s[i].name);
		fattr(e, "format", "type", s[i].format);
	}
	return fdump(doc);
}
