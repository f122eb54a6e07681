// SPDX-License-Identifier: GPL-2.0
/*
 * attach-device and detach-device: a <disk> or <interface> added to or
 * removed from a domain's definition (libdomain's vmon_domain_attach and
 * vmon_domain_detach), which is saved at once as a define saves it.
 *
 * Only the persistent definition changes: a running domain's takes effect
 * at its next start (dumpxml --inactive shows it). vmon-vmm has no PCI
 * hotplug, so a live change is refused.
 */
#include <stdio.h>
#include <string.h>

#include <vmon/domain.h>

#include "vmond.h"

int vmond_req_attach(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		     size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	bool detach = !strcmp(json_object_get_string(json_object_object_get(req, "cmd")),
			      "detach-device");
	struct vmon_domain *def, *old, **slot;
	struct vmon_xml_error xe = { 0 };
	bool want_live, want_config;
	struct json_object *x;
	const char *xml;

	if (!v)
		return -1;
	if (!json_object_object_get_ex(req, "xml", &x) ||
	    !json_object_is_type(x, json_type_string)) {
		snprintf(err, errlen, "request has no string member \"xml\"");
		return -1;
	}
	xml = json_object_get_string(x);
	/* virsh's --persistent: the definition, and the guest if it runs */
	if (vmond_req_flag(req, "persistent")) {
		want_live = vdom_active(v);
		want_config = true;
		if (!v->persistent) {
			snprintf(err, errlen,
				 "Requested operation is not valid: cannot change persistent "
				 "config of a transient domain");
			return -1;
		}
	} else if (vmond_req_where(v, req, &want_live, &want_config, err, errlen)) {
		return -1;
	}
	if (want_live) {
		snprintf(err, errlen,
			 "Operation not supported: live %s of a device: vmon-vmm has no PCI "
			 "hotplug (--config changes the definition of '%s' for its next start)",
			 detach ? "detach" : "attach", v->name);
		return -1;
	}
	slot = vdom_config_slot(v);
	old = *slot;
	if ((detach ? vmon_domain_detach : vmon_domain_attach)(old, xml, strlen(xml), &def, &xe)) {
		/* libdomain's words, "XML error: ..." for what the parser refused */
		if (xe.line)
			snprintf(err, errlen, "XML error at line %d, column %d: %s", xe.line,
				 xe.column, xe.msg);
		else
			snprintf(err, errlen, "%s", xe.msg);
		return -1;
	}
	/* in place of the persistent definition; the old one back if not saved */
	*slot = def;
	if (vmond_save_def(d, v, err, errlen)) {
		*slot = old;
		vmon_domain_free(def);
		return -1;
	}
	vmon_domain_free(old);
	vmond_event(d, v, VMON_EV_DEFINED, 1); /* Updated */
	json_object_object_add(r, "name", json_object_new_string(v->name));
	return 0;
}
