// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain: a definition with one device added or removed, as virsh's
 * attach-device and detach-device with --config change it. The device is
 * libvirt's <disk> or <interface> element; the result is the definition's
 * own XML with that element put in (after the last of its kind) or taken
 * out, parsed again, so a device is checked exactly as a definition is.
 *
 * A detached <interface> is the one with the MAC address the element gives;
 * a detached <disk> the one with its <target dev=>.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vmon/xml.h>

#include "priv.h"

static int fail(struct vmon_xml_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct vmon_xml_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* The device element, parsed, in *doc: 0, or -1 and @err. */
static int read_device(const char *xml, size_t len, xmlDocPtr *doc, struct vmon_xml_error *err)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlNodePtr root;

	*doc = NULL;
	if (!ctxt)
		return fail(err, "out of memory");
	*doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "device.xml", NULL, opts);
	if (!*doc || !ctxt->wellFormed) {
		vmon_xml_parse_error(ctxt, "the device's XML is malformed: ", err->msg,
				     sizeof(err->msg), &err->line, &err->column);
		xmlFreeParserCtxt(ctxt);
		xmlFreeDoc(*doc);
		*doc = NULL;
		return -1;
	}
	xmlFreeParserCtxt(ctxt);
	root = xmlDocGetRootElement(*doc);
	if (root && (is_elem(root, "disk") || is_elem(root, "interface")))
		return 0;
	fail(err,
	     "unsupported configuration: device type '%s': vmon attaches and detaches <disk> "
	     "and <interface>",
	     root ? (const char *)root->name : "");
	xmlFreeDoc(*doc);
	*doc = NULL;
	return -1;
}

/* The definition's own XML as a document, and its <devices> (made if none). */
static xmlDocPtr read_domain(const struct vmon_domain *d, xmlNodePtr *devices,
			     struct vmon_xml_error *err)
{
	char *text = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
	xmlNodePtr root;
	xmlDocPtr doc;

	if (!text) {
		fail(err, "out of memory");
		return NULL;
	}
	doc = xmlReadMemory(text, (int)strlen(text), "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	free(text);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	*devices = root ? child(root, "devices") : NULL;
	if (root && !*devices)
		*devices = xmlNewChild(root, NULL, X("devices"), NULL);
	if (!*devices) {
		xmlFreeDoc(doc);
		fail(err, "out of memory");
		return NULL;
	}
	return doc;
}

/* The device's key: an interface's MAC (NULL if none given), a disk's target. */
static char *device_key(xmlNodePtr dev)
{
	xmlNodePtr n = child(dev, is_elem(dev, "disk") ? "target" : "mac");

	if (!n)
		return NULL;
	return prop(n, is_elem(dev, "disk") ? "dev" : "address");
}

/* The element of @devices of @dev's kind whose key is @key, or NULL. */
static xmlNodePtr find_device(xmlNodePtr devices, xmlNodePtr dev, const char *key)
{
	for (xmlNodePtr n = devices->children; n; n = n->next) {
		char *k;
		bool same;

		if (!is_elem(n, (const char *)dev->name))
			continue;
		k = device_key(n);
		/* MACs in either case (52:54:00:AB:... is the same address) */
		same = k && !strcasecmp(k, key);
		free(k);
		if (same)
			return n;
	}
	return NULL;
}

/* Parse the edited document into *out; -1 and @err (the parser's words). */
static int reparse(xmlDocPtr doc, struct vmon_domain **out, struct vmon_xml_error *err)
{
	xmlChar *text = NULL;
	int len = 0, rc;

	xmlDocDumpMemory(doc, &text, &len);
	if (!text)
		return fail(err, "out of memory");
	rc = vmon_domain_parse((const char *)text, (size_t)len, out, err);
	xmlFree(text);
	if (rc) {
		char msg[sizeof(err->msg)];

		/* a line of the rebuilt text would point at nothing the user wrote */
		err->line = err->column = 0;
		snprintf(msg, sizeof(msg), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "XML error: %.490s", msg);
	}
	return rc;
}

static int change(const struct vmon_domain *d, const char *xml, size_t len, bool attach,
		  struct vmon_domain **out, struct vmon_xml_error *err)
{
	xmlNodePtr devices, dev, at, copy;
	xmlDocPtr ddoc, doc = NULL;
	char *key = NULL;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (read_device(xml, len, &ddoc, err))
		return -1;
	dev = xmlDocGetRootElement(ddoc);
	key = device_key(dev);
	if (!key && (!attach || is_elem(dev, "disk"))) {
		fail(err, "XML error: the <%s> names no %s", dev->name,
		     is_elem(dev, "disk") ? "<target dev=...>" : "<mac address=...> to match");
		goto out;
	}
	if (!(doc = read_domain(d, &devices, err)))
		goto out;
	at = key ? find_device(devices, dev, key) : NULL;
	if (attach && at) {
		fail(err,
		     is_elem(dev, "disk")
			     ? "Requested operation is not valid: target %s already exists"
			     : "Requested operation is not valid: an interface with MAC address %s "
			       "already exists",
		     key);
		goto out;
	}
	if (!attach && !at) {
		fail(err,
		     is_elem(dev, "disk")
			     ? "device not found: no target device %s"
			     : "device not found: no device matching MAC address %s found",
		     key);
		goto out;
	}
	if (attach) {
		/* after the last of its kind, as libvirt lists devices */
		for (xmlNodePtr n = devices->children; n; n = n->next)
			if (is_elem(n, (const char *)dev->name))
				at = n;
		copy = xmlDocCopyNode(dev, doc, 1);
		if (!copy || !(at ? xmlAddNextSibling(at, copy) : xmlAddChild(devices, copy))) {
			xmlFreeNode(copy);
			fail(err, "out of memory");
			goto out;
		}
	} else {
		xmlUnlinkNode(at);
		xmlFreeNode(at);
	}
	rc = reparse(doc, out, err);
out:
	free(key);
	xmlFreeDoc(doc);
	xmlFreeDoc(ddoc);
	return rc;
}

int vmon_domain_attach(const struct vmon_domain *d, const char *xml, size_t len,
		       struct vmon_domain **out, struct vmon_xml_error *err)
{
	return change(d, xml, len, true, out, err);
}

int vmon_domain_detach(const struct vmon_domain *d, const char *xml, size_t len,
		       struct vmon_domain **out, struct vmon_xml_error *err)
{
	return change(d, xml, len, false, out, err);
}
