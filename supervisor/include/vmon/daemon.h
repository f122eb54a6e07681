/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmond's library: atomic file writes, paths under a root prefix, VMM status
 * files, and the wire format shared with the vmon CLI.
 *
 * Wire format (both sockets): each message is one JSON object on one line,
 * ended by '\n' (json-c escapes newlines inside strings, so a line is never
 * split). A request is {"cmd": NAME, ...}; the answer is {"ok": true, ...}
 * or {"ok": false, "error": MESSAGE}. A connection carries any number of
 * requests, answered in order. Lines longer than VMOND_MSG_MAX are refused.
 */
#ifndef VMON_DAEMON_H
#define VMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VMOND_MSG_MAX (1 << 20)
#define VMOND_SOCK "/run/vmon/vmond.sock"
#define VMOND_SOCK_RO "/run/vmon/vmond-ro.sock"

/*
 * Write len bytes of data to path atomically: a temporary file in the same
 * directory, fsync, rename over path, fsync of the directory. A reader sees
 * the old file or the new one, never a mix. 0 or -errno (path untouched).
 */
int vmon_atomic_write(const char *path, const void *data, size_t len, mode_t mode);

/* Where vmond keeps its files; every path is under root ("" for /). */
struct vmond_paths {
	char root[512];
	char domains[640];   /* ROOT/etc/vmon/domains: NAME.xml */
	char autostart[640]; /* ROOT/etc/vmon/autostart: NAME -> ../domains/NAME.xml */
	char run[640];	     /* ROOT/run/vmon: the sockets */
	char status[640];    /* ROOT/run/vmon/domains: NAME.status */
	char lib[640];	     /* ROOT/var/lib/vmon: images, save, snapshot */
	char sock[700];
	char sock_ro[700];
};

/* Fill p for root (NULL or "" for /) and create the directories. 0/-errno. */
int vmond_paths_init(struct vmond_paths *p, const char *root, bool create);

/* What /run/vmon/domains/NAME.status says about a running domain. */
struct vmond_status {
	pid_t pid;	    /* the VMM */
	uint64_t starttime; /* field 22 of /proc/PID/stat when it started */
	char api[256];	    /* the VMM's JSON API socket */
	int state;	    /* enum vmon_dstate_state (vmon/dstate.h), DYING too */
	int reason;	    /* the reason in that state, libvirt's number */
	uint32_t id;	    /* the domain id vmon list shows */
};

/* The status as one JSON text (malloc'd), and back. */
char *vmond_status_format(const struct vmond_status *st);
/* 0, or -1 with a message naming the bad or missing member in err. */
int vmond_status_parse(const char *text, struct vmond_status *st, char *err, size_t errlen);

/*
 * Field 22 (starttime, clock ticks after boot) of /proc/PID/stat, read with
 * the command name skipped by its last ')'. 0 or -errno (-ESRCH: no process,
 * or a zombie).
 */
int vmon_proc_starttime(pid_t pid, uint64_t *starttime);
/*
 * True when st->pid is alive and is the same process that started: its
 * starttime matches (a reused pid has another).
 */
bool vmond_status_alive(const struct vmond_status *st);

/*
 * Check a domain name: 1 to 64 characters of [A-Za-z0-9._+-], not starting
 * with '.', so that it is safe as a file name. 0, or -1 with why in err.
 */
int vmond_name_check(const char *name, char *err, size_t errlen);

#endif /* VMON_DAEMON_H */
