// SPDX-License-Identifier: GPL-2.0
/*
 * setmem: a domain's current memory. Live, through the VMM's balloon
 * ({"cmd":"balloon","target_mib":N}); in the definition, saved when the
 * domain is persistent. As virsh: --current is live for a running domain
 * and the definition for a shut-off one.
 */
#include <stdio.h>
#include <string.h>

#include <vmon/domain.h>

#include "vmond.h"

static int live(struct vdom *v, uint64_t kib, char *err, size_t errlen)
{
	char cmd[96];

	if (!v->def->balloon) {
		snprintf(err, errlen,
			 "Requested operation is not valid: domain '%s' has no balloon "
			 "(<memballoon model='virtio'>)",
			 v->name);
		return -1;
	}
	if (kib < 1024) {
		snprintf(err, errlen, "invalid argument: %llu KiB: the balloon works in MiB",
			 (unsigned long long)kib);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "{\"cmd\":\"balloon\",\"target_mib\":%llu}",
		 (unsigned long long)(kib / 1024));
	return vmond_vm_call(v, cmd, NULL, err, errlen);
}

int vmond_req_setmem(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		     size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	struct vmon_xml_error xe = { 0 };
	bool want_live, want_config;
	struct json_object *k;
	uint64_t kib, old, live_old;
	struct vmon_domain *cfg;

	if (!v)
		return -1;
	if (!json_object_object_get_ex(req, "kib", &k) || !json_object_is_type(k, json_type_int) ||
	    json_object_get_int64(k) <= 0) {
		snprintf(err, errlen, "request has no number member \"kib\" above 0");
		return -1;
	}
	kib = (uint64_t)json_object_get_int64(k);
	if (vmond_req_where(v, req, &want_live, &want_config, err, errlen))
		return -1;
	/* the persistent definition first (checked there), then the guest */
	cfg = vdom_config_def(v);
	old = cfg->current_memory_kib;
	live_old = v->def->current_memory_kib;
	if (want_config && vmon_domain_set_memory(cfg, kib, &xe)) {
		snprintf(err, errlen, "%s", xe.msg);
		return -1;
	}
	if (want_live && (vmon_domain_set_memory(v->def, kib, &xe) || live(v, kib, err, errlen))) {
		if (xe.msg[0])
			snprintf(err, errlen, "%s", xe.msg);
		v->def->current_memory_kib = live_old;
		goto undo_config;
	}
	if (want_live)
		vmond_save_status(d, v);
	/* a definition not saved: what runs keeps the new size, if it has it */
	if (want_config && vmond_save_def(d, v, err, errlen))
		goto undo_config;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	return 0;
undo_config:
	if (want_config)
		cfg->current_memory_kib = old;
	return -1;
}
