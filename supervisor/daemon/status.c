// SPDX-License-Identifier: GPL-2.0
/*
 * Status files of running domains (JSON, one per domain) and the pid +
 * start time check that tells a live VMM from a reused pid.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmon/daemon.h>

char *vmond_status_format(const struct vmond_status *st)
{
	struct json_object *o = json_object_new_object();
	char *text;

	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "starttime", json_object_new_uint64(st->starttime));
	json_object_object_add(o, "api", json_object_new_string(st->api));
	json_object_object_add(o, "state", json_object_new_int(st->state));
	json_object_object_add(o, "reason", json_object_new_int(st->reason));
	json_object_object_add(o, "id", json_object_new_int64(st->id));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	return text;
}

static int get_str(struct json_object *o, const char *key, char *dst, size_t len, char *err,
		   size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= len) {
		snprintf(err, errlen, "status: \"%s\" missing, not a string or too long", key);
		return -1;
	}
	strcpy(dst, json_object_get_string(v));
	return 0;
}

static int get_num(struct json_object *o, const char *key, uint64_t min, uint64_t max,
		   uint64_t *dst, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < (int64_t)min || json_object_get_uint64(v) > max) {
		snprintf(err, errlen, "status: \"%s\" missing or not a number from %llu to %llu",
			 key, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*dst = json_object_get_uint64(v);
	return 0;
}

int vmond_status_parse(const char *text, struct vmond_status *st, char *err, size_t errlen)
{
	struct json_object *o = json_tokener_parse(text);
	uint64_t pid = 0, id = 0, state = 0, reason = 0;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "status: not a JSON object");
		goto out;
	}
	if (get_num(o, "pid", 1, 0x7fffffff, &pid, err, errlen) ||
	    get_num(o, "starttime", 1, UINT64_MAX, &st->starttime, err, errlen) ||
	    get_num(o, "id", 1, UINT32_MAX, &id, err, errlen) ||
	    get_str(o, "api", st->api, sizeof(st->api), err, errlen) ||
	    get_num(o, "state", 0, 8, &state, err, errlen) ||
	    get_num(o, "reason", 0, 64, &reason, err, errlen))
		goto out;
	st->pid = (pid_t)pid;
	st->id = (uint32_t)id;
	st->state = (int)state;
	st->reason = (int)reason;
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

int vmon_proc_starttime(pid_t pid, uint64_t *starttime)
{
	char path[64], buf[4096], *p;
	unsigned long long v;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* The name (field 2) may hold spaces and ')': skip to its last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	/* A zombie has exited: not the live process the status names. */
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return -ESRCH;
	/* p is before field 3; field 22 is 19 fields further. */
	for (i = 3; i < 22; i++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	if (sscanf(p, " %llu", &v) != 1)
		return -EIO;
	*starttime = v;
	return 0;
}

bool vmond_status_alive(const struct vmond_status *st)
{
	uint64_t t;

	if (st->pid <= 0 || vmon_proc_starttime(st->pid, &t))
		return false;
	return t == st->starttime;
}

int vmond_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (!len || len > 64 || name[0] == '.') {
		snprintf(err, errlen,
			 "invalid domain name '%.80s': 1 to 64 characters, not "
			 "starting with '.'",
			 name);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._+-", name[i])) {
			snprintf(err, errlen,
				 "invalid domain name '%.80s': character '%c' "
				 "(allowed: letters, digits, . _ + -)",
				 name, name[i]);
			return -1;
		}
	return 0;
}
