/* SPDX-License-Identifier: GPL-2.0 */
/* The pool-* and vol-* commands (cmd_pool.c) and their printers (cmd_pool_print.c). */
#ifndef VMON_CLI_STORAGE_H
#define VMON_CLI_STORAGE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "vmond_client.h"

/* What a printer gets: the answer, the command line's values by JSON key. */
struct scall {
	const char *verb;
	struct json_object *answer;
	struct json_object *req; /* the request as sent (a copy) */
	const char *sock;
};

typedef int (*sprint)(const struct scall *c);

int vmon_print_pool_list(const struct scall *c);
int vmon_print_pool_info(const struct scall *c);
int vmon_print_xml(const struct scall *c);
int vmon_print_vol_list(const struct scall *c);
int vmon_print_vol_info(const struct scall *c);
int vmon_print_vol_field(const struct scall *c); /* vol-path, vol-key, vol-name, vol-pool */
int vmon_vol_transfer(const struct scall *c);	 /* vol-upload, vol-download */

#endif
