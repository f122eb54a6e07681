// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of control API requests with json-c:
 *   {"cmd": "status" | "pause" | "resume" | "shutdown" | "reset" | "quit" |
 *           "ctrl-alt-del" | "wakeup"}
 *   {"cmd": "balloon", "target_mib": N}
 *   {"cmd": "snapshot", "path": "DIR"[, "fd": true]}
 *   {"cmd": "agent", "request": {"execute": "guest-...", ...}, "timeout": S}
 *   {"cmd": "set-vcpus", "count": N}
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

static const char *const names[API_NCMDS] = {
	"status",  "pause",    "resume",       "shutdown", "reset", "quit",
	"balloon", "snapshot", "ctrl-alt-del", "wakeup",   "agent", "set-vcpus",
};

/* "request": an object with a string "execute"; "timeout": 1 to 3600 s. */
static int parse_agent(struct json_object *o, struct api_req *req, char *err, size_t errlen)
{
	struct json_object *a, *v;
	const char *s;

	if (!json_object_object_get_ex(o, "request", &a) ||
	    !json_object_is_type(a, json_type_object) ||
	    !json_object_object_get_ex(a, "execute", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen,
			 "agent: \"request\" must be an object with a string \"execute\"");
		return -1;
	}
	s = json_object_to_json_string_ext(a,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strlen(s) >= sizeof(req->agent)) {
		snprintf(err, errlen, "agent: \"request\" longer than %zu bytes",
			 sizeof(req->agent) - 1);
		return -1;
	}
	strcpy(req->agent, s);
	req->timeout_s = API_AGENT_TIMEOUT;
	if (json_object_object_get_ex(o, "timeout", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > 3600) {
			snprintf(err, errlen, "agent: \"timeout\" must be 1 to 3600 seconds");
			return -1;
		}
		req->timeout_s = (int)json_object_get_int64(v);
	}
	return 0;
}

const char *api_cmd_name(enum api_cmd cmd)
{
	return names[cmd];
}

int api_parse(const char *line, struct api_req *req, char *err, size_t errlen)
{
	struct json_object *o, *v;
	const char *cmd;
	int ret = -1, i;

	memset(req, 0, sizeof(*req));
	o = json_tokener_parse(line);
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "request is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(o, "cmd", &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "request has no string member \"cmd\"");
		goto out;
	}
	cmd = json_object_get_string(v);
	for (i = 0; i < API_NCMDS; i++)
		if (!strcmp(cmd, names[i]))
			break;
	if (i == API_NCMDS) {
		snprintf(err, errlen, "unknown cmd \"%.64s\"", cmd);
		goto out;
	}
	req->cmd = (enum api_cmd)i;
	if (req->cmd == API_BALLOON) {
		if (!json_object_object_get_ex(o, "target_mib", &v) ||
		    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
			snprintf(err, errlen, "balloon: \"target_mib\" must be a number >= 0");
			goto out;
		}
		req->balloon_mib = (uint64_t)json_object_get_int64(v);
	}
	if (req->cmd == API_SNAPSHOT) {
		if (!json_object_object_get_ex(o, "path", &v) ||
		    !json_object_is_type(v, json_type_string) || !json_object_get_string_len(v) ||
		    json_object_get_string_len(v) >= (int)sizeof(req->path)) {
			snprintf(err, errlen, "snapshot: \"path\" must be a directory name");
			goto out;
		}
		strcpy(req->path, json_object_get_string(v));
		/* "fd": true, the directory's descriptor sent with the request */
		req->path_fd = json_object_object_get_ex(o, "fd", &v) && json_object_get_boolean(v);
	}
	if (req->cmd == API_AGENT && parse_agent(o, req, err, errlen) < 0)
		goto out;
	if (req->cmd == API_SET_VCPUS) {
		if (!json_object_object_get_ex(o, "count", &v) ||
		    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > 64) {
			snprintf(err, errlen, "set-vcpus: \"count\" must be a number from 1 to 64");
			goto out;
		}
		req->vcpus = (int)json_object_get_int64(v);
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}
