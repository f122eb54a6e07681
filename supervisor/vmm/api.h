/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control API: JSON requests, one object per line, on a unix socket
 * (Documentation/vmm.rst). Parsing is separate from acting, for the tests.
 */
#ifndef VMON_VMM_API_H
#define VMON_VMM_API_H

#include <stdbool.h>
#include <stdint.h>

enum api_cmd {
	API_STATUS,
	API_PAUSE,
	API_RESUME,
	API_SHUTDOWN,
	API_RESET,
	API_QUIT,
	API_BALLOON,
	API_SNAPSHOT,
	API_CTRL_ALT_DEL,
	API_WAKEUP,
	API_AGENT,
	API_SET_VCPUS,
	API_NCMDS,
};

struct api_req {
	enum api_cmd cmd;
	uint64_t balloon_mib;
	char path[4096];
	/* snapshot: the directory came as a descriptor with the request */
	bool path_fd;
	/* agent: the guest agent command (one JSON object) and its timeout */
	char agent[4096];
	int timeout_s;
	/* set-vcpus: how many vCPUs the guest should have */
	int vcpus;
};

#define API_AGENT_TIMEOUT 5 /* seconds, when the request names none */

/*
 * Parse one request line. Returns 0, or -1 with a message naming what was
 * wrong in @err.
 */
int api_parse(const char *line, struct api_req *req, char *err, size_t errlen);

const char *api_cmd_name(enum api_cmd cmd);

#endif /* VMON_VMM_API_H */
