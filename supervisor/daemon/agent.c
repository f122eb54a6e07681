// SPDX-License-Identifier: GPL-2.0
/*
 * qemu-agent-command: a guest agent command passed to a running domain's
 * VMM ({"cmd":"agent",...}, which speaks to qemu-guest-agent on the
 * virtio-console port of the domain's <channel> for org.qemu.guest_agent.0)
 * and its answer returned as the agent gave it. The call is bounded by the
 * request's timeout (VMOND_AGENT_TIMEOUT by default, as virsh's; at most 300 s), during
 * which vmond serves no other client: a long agent command holds the
 * daemon, which is why the timeout has a ceiling.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include <vmon/domain.h>

#include "vmond.h"

#define AGENT_TIMEOUT_MAX 300

int vmond_agent_call(struct vdom *v, struct json_object *cmd, int64_t timeout,
		     struct json_object **ret, char *err, size_t errlen)
{
	struct json_object *call, *ans, *ex, *ok, *e, *rv;
	const char *why;
	bool from_agent;
	int rc;

	if (!v->def->agent_path) {
		snprintf(err, errlen,
			 "argument unsupported: QEMU guest agent is not configured (no <channel> "
			 "for org.qemu.guest_agent.0 in domain '%s')",
			 v->name);
		return -1;
	}
	call = json_object_new_object();
	json_object_object_add(call, "cmd", json_object_new_string("agent"));
	json_object_object_add(call, "timeout", json_object_new_int64(timeout));
	json_object_object_add(call, "request", json_object_get(cmd));
	rc = vmond_vm_request(
		v,
		json_object_to_json_string_ext(call, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE),
		&ans, (int)(timeout + 5) * 1000, err, errlen);
	json_object_put(call);
	if (rc)
		return -1;
	if (json_object_object_get_ex(ans, "ok", &ok) && json_object_get_boolean(ok)) {
		if (ret)
			*ret = json_object_object_get_ex(ans, "return", &rv) ? json_object_get(rv)
									     : NULL;
		json_object_put(ans);
		return 0;
	}
	/* the VMM says whether the agent answered with an error or never came */
	from_agent =
		json_object_object_get_ex(ans, "agent_error", &e) && json_object_get_boolean(e);
	why = json_object_object_get_ex(ans, "error", &e) ? json_object_get_string(e)
							  : "bad answer";
	if (!strncmp(why, "agent: ", 7)) /* the VMM's prefix: libvirt's words say it */
		why += 7;
	json_object_object_get_ex(cmd, "execute", &ex);
	if (from_agent)
		snprintf(err, errlen,
			 "internal error: unable to execute QEMU agent command '%s': %s",
			 json_object_get_string(ex), why);
	else
		snprintf(err, errlen, "Guest agent is not responding: domain '%s': %s", v->name,
			 why);
	json_object_put(ans);
	return -1;
}

int vmond_agent_exec(struct vdom *v, const char *execute, char *err, size_t errlen)
{
	struct json_object *cmd = json_object_new_object();
	int rc;

	json_object_object_add(cmd, "execute", json_object_new_string(execute));
	rc = vmond_agent_call(v, cmd, VMOND_AGENT_TIMEOUT, NULL, err, errlen);
	json_object_put(cmd);
	return rc;
}

int vmond_req_agent(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		    size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	struct json_object *cmd, *ex, *t, *ret = NULL;
	int64_t timeout = VMOND_AGENT_TIMEOUT;

	if (!v)
		return -1;
	if (!json_object_object_get_ex(req, "command", &cmd) ||
	    !json_object_is_type(cmd, json_type_object) ||
	    !json_object_object_get_ex(cmd, "execute", &ex) ||
	    !json_object_is_type(ex, json_type_string)) {
		snprintf(err, errlen,
			 "invalid argument: the command must be a JSON object with a string "
			 "\"execute\", as {\"execute\":\"guest-ping\"}");
		return -1;
	}
	if (json_object_object_get_ex(req, "timeout", &t)) {
		timeout = json_object_get_int64(t);
		if (!json_object_is_type(t, json_type_int) || timeout < 1 ||
		    timeout > AGENT_TIMEOUT_MAX) {
			snprintf(err, errlen, "invalid argument: timeout must be 1 to %d seconds",
				 AGENT_TIMEOUT_MAX);
			return -1;
		}
	}
	if (!vdom_active(v)) {
		snprintf(err, errlen, "Requested operation is not valid: domain is not running");
		return -1;
	}
	if (vmond_agent_call(v, cmd, timeout, &ret, err, errlen))
		return -1;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	json_object_object_add(r, "return", ret);
	return 0;
}
