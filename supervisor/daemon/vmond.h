/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmond's internals: the domains it knows, its sockets, its request table.
 */
#ifndef VMOND_INT_H
#define VMOND_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include <vmon/daemon.h>
#include <vmon/dstate.h>

#define VMOND_MAX_SUBS 64

#include "pool.h"

/* watch.c's last look at a VMM's halts, for the idle state */
#define VHALT_CPUS 64
struct vhalt {
	int pid;		 /* of which VMM */
	uint64_t at;		 /* when (CLOCK_MONOTONIC ns) */
	uint64_t ns[VHALT_CPUS]; /* each vCPU's halt_wait_ns */
	bool halted[VHALT_CPUS]; /* and "halted" */
};

struct vdom {
	/*
	 * The definition: while the domain runs, the one it runs with (the
	 * live XML, live changes); else the persistent one.
	 */
	struct vmon_domain *def;
	/*
	 * A running persistent domain's persistent definition, which --config
	 * changes and define replace and which becomes def when it stops (as
	 * libvirt's newDef); NULL while shut off or transient.
	 */
	struct vmon_domain *next;
	char name[65];
	char uuid[37];
	bool persistent, autostart;
	struct vmon_dstate ds;	/* the state machine's state (vmon/dstate.h) */
	struct vmond_status st; /* when active; st.state/reason mirror ds */
	int pidfd;		/* when active, else -1 */
	bool child;		/* the VMM is our child: its exit status is ours */
	struct vhalt *halt;	/* watch.c: the last look at the vCPUs' halts */
};

static inline bool vdom_active(const struct vdom *v)
{
	return vmon_dstate_active(v->ds);
}

/* The persistent definition: what --config changes and dumpxml --inactive shows. */
static inline struct vmon_domain *vdom_config_def(const struct vdom *v)
{
	return v->next ? v->next : v->def;
}

/* Where a new persistent definition goes: v->next while the domain runs. */
static inline struct vmon_domain **vdom_config_slot(struct vdom *v)
{
	return vdom_active(v) ? &v->next : &v->def;
}

struct vmond {
	struct vmond_paths p;
	struct vdom **doms;
	size_t n;
	uint32_t next_id;
	const char *vmm_path;
	bool no_seccomp;
	bool report_idle; /* --report-idle: running guests that idle are "idle" */
	int ep, lfd, lfd_ro;
	bool have_gid; /* a "vmon" group exists: its members manage */
	gid_t gid;
	bool quit;
	int subs[VMOND_MAX_SUBS]; /* clients of "events": lifecycle events */
	size_t nsubs;
	bool subscribe;		  /* set by the "events" request for the server loop */
	struct vmond_pools pools; /* pool.c */
};

/* A request handler: fill @r (the answer) or return -1 with @err. */
typedef int (*vmond_handler)(struct vmond *d, struct json_object *req, struct json_object *r,
			     char *err, size_t errlen);

/* dispatch.c: run one request line; the answer, malloc'd. */
char *vmond_dispatch(struct vmond *d, const char *line, bool readonly);

/* store.c: definitions and status files on disk. */
int vmond_load(struct vmond *d);
int vmond_save_def(struct vmond *d, struct vdom *v, char *err, size_t errlen);
int vmond_remove_def(struct vmond *d, struct vdom *v, char *err, size_t errlen);
int vmond_set_autostart(struct vmond *d, struct vdom *v, bool on, char *err, size_t errlen);
int vmond_save_status(struct vmond *d, struct vdom *v);
void vmond_remove_status(struct vmond *d, struct vdom *v);
struct vdom *vmond_find(struct vmond *d, const char *key);
struct vdom *vmond_add(struct vmond *d, struct vmon_domain *def, bool persistent);
void vmond_drop(struct vmond *d, struct vdom *v);
/*
 * A persistent domain starts: its persistent definition is kept aside in
 * v->next (a copy, unless one is there), so that what runs can change on
 * its own. It stops: v->next becomes v->def again. -1 and @err: no memory.
 */
int vmond_def_started(struct vdom *v, char *err, size_t errlen);
void vmond_def_stopped(struct vdom *v);
/* @v is to run @def (a save's, create's): its own definition kept as v->next. */
void vmond_def_run(struct vdom *v, struct vmon_domain *def);

/* vm.c: the life of a running domain. */
int vmond_vm_start(struct vmond *d, struct vdom *v, bool paused, char *err, size_t errlen);
/* The same resuming the guest saved in directory @restore (NULL: boot). */
int vmond_vm_restore(struct vmond *d, struct vdom *v, const char *restore, bool paused, char *err,
		     size_t errlen);
/* dispatch.c: a request's boolean member (absent: false); its domain, by
 * "domain" (name, UUID or id), or NULL and @err. */
bool vmond_req_flag(struct json_object *req, const char *key);
struct vdom *vmond_req_domain(struct vmond *d, struct json_object *req, char *err, size_t errlen);
/* dispatch.c: --live/--config/--current of a request that changes a domain. */
int vmond_req_where(struct vdom *v, struct json_object *req, bool *live, bool *config, char *err,
		    size_t errlen);
int vmond_vm_call(struct vdom *v, const char *cmd, struct json_object **answer, char *err,
		  size_t errlen);
/* The same with an answer awaited at most @ms (the status watch's). */
int vmond_vm_call_ms(struct vdom *v, const char *cmd, struct json_object **answer, int ms,
		     char *err, size_t errlen);
/* The same with descriptor @fd sent along (SCM_RIGHTS; -1: none). */
int vmond_vm_call_fd(struct vdom *v, const char *cmd, int fd, struct json_object **answer, int ms,
		     char *err, size_t errlen);
/*
 * The VMM's answer, {"ok": false, ...} included, in *answer (0); -1 and @err
 * only when there is none (no socket, no answer within @ms, not JSON).
 */
int vmond_vm_request(struct vdom *v, const char *cmd, struct json_object **answer, int ms,
		     char *err, size_t errlen);

/*
 * agent.c: guest agent command @cmd ({"execute": ...}) to running domain
 * @v through its VMM, within @timeout s; its "return" in *ret (NULL: not
 * wanted). -1 with libvirt's words in @err: not configured (no channel),
 * "Guest agent is not responding" (no agent, busy, no answer), or the
 * agent's own error.
 */
#define VMOND_AGENT_TIMEOUT 5 /* s, virsh's default */
int vmond_agent_call(struct vdom *v, struct json_object *cmd, int64_t timeout,
		     struct json_object **ret, char *err, size_t errlen);
/* The same for a command with no arguments, e.g. "guest-shutdown". */
int vmond_agent_exec(struct vdom *v, const char *execute, char *err, size_t errlen);
int vmond_vm_kill(struct vmond *d, struct vdom *v, bool graceful,
		  const struct vmon_dstate_result *r, char *err, size_t errlen);
/* The VMM's pidfd is readable: it ended. May free a transient v. */
void vmond_vm_ended(struct vmond *d, struct vdom *v);

/*
 * save.c: save images (directories) and managed saves. vmond_rm_tree()
 * removes a tree (nothing there: 0). The managed save's directory of @v,
 * -1 if too long; whether it holds an image. vmond_start_managed(): start
 * of @v from its managed save (--running/--paused of @req), removed once
 * the VMM runs.
 */
int vmond_rm_tree(const char *path, char *err, size_t errlen);
int vmond_managed_save_path(struct vmond *d, const struct vdom *v, char *buf, size_t len);
bool vmond_has_managed_save(struct vmond *d, const struct vdom *v);
int vmond_start_managed(struct vmond *d, struct vdom *v, struct json_object *req, char *err,
			size_t errlen);
/*
 * snapshot.c: snapshot-create, -list, -dumpxml, -revert, -delete (the
 * request's "cmd"); how many snapshots @v has (-1: unreadable metadata).
 */
int vmond_req_snapshot(struct vmond *d, const char *cmd, struct json_object *req,
		       struct json_object *r, char *err, size_t errlen);
int vmond_snapshot_count(struct vmond *d, const struct vdom *v);
int vmond_req_save(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		   size_t errlen);
int vmond_req_restore(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		      size_t errlen);
int vmond_req_managedsave(struct vmond *d, struct json_object *req, struct json_object *r,
			  char *err, size_t errlen);
int vmond_req_managedsave_remove(struct vmond *d, struct json_object *req, struct json_object *r,
				 char *err, size_t errlen);
/* attach.c: attach-device and detach-device (the request's "cmd"). */
int vmond_req_attach(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		     size_t errlen);
/*
 * iotune.c: blkdeviotune (read or set a disk's limits, live through the
 * VMM's vmon-blk descriptor); the definition's limits put back into the
 * kernel after a restore (the saved command line has the old ones).
 */
int vmond_req_blkdeviotune(struct vmond *d, struct json_object *req, struct json_object *r,
			   char *err, size_t errlen);
void vmond_iotune_apply(struct vdom *v);
/* dispatch.c: a definition may replace one of the same name and uuid only. */
int vmond_check_clash(struct vmond *d, struct vmon_domain *def, struct vdom **same, char *err,
		      size_t errlen);
/*
 * lifecycle.c: the domain that runs with @def (create, restore): the
 * inactive one of its name and uuid, which takes @def, or a new transient
 * one; NULL (and @def freed) when one is active or clashes.
 */
struct vdom *vmond_run_def(struct vmond *d, struct vmon_domain *def, char *err, size_t errlen);

/* state.c: the domain state machine applied to v. */
/*
 * The transition of input @in from v's state, not applied yet: 0 and @r,
 * or -1 and virsh's message in err.
 */
int vmond_next(struct vdom *v, enum vmon_dstate_input in, struct vmon_dstate_result *r, char *err,
	       size_t errlen);
/* Make r->next v's state; written to the status file while active. */
void vmond_commit(struct vmond *d, struct vdom *v, const struct vmon_dstate_result *r);
/* next + commit of a fact (no todo expected); logs a refused one. */
void vmond_fact(struct vmond *d, struct vdom *v, enum vmon_dstate_input in);
int vmond_vm_watch(struct vmond *d, struct vdom *v);

/* Log a lifecycle event and send it to every "events" client. */
void vmond_event(struct vmond *d, const struct vdom *v, int type, int detail);
/* server.c: one JSON line to every "events" client. */
void vmond_broadcast(struct vmond *d, const char *line);

/*
 * watch.c: what the VMM's status says that vmond did not do (a guest panic
 * held by on_crash preserve, S3 entered or left by the guest, a pause or
 * resume from elsewhere), fed to the state machine. Every second for every
 * active domain, and before dominfo answers.
 */
void vmond_refresh(struct vmond *d, struct vdom *v);
void vmond_refresh_all(struct vmond *d);

/* reconnect.c: rebuild the running domains from status files; autostart. */
void vmond_reconnect(struct vmond *d);
void vmond_autostart(struct vmond *d);

/*
 * proxy.c: vmond --stdio-proxy, the far end of vmon+ssh://: relay stdin
 * and stdout to the vmond socket @sock (NULL: the default; @readonly: the
 * read-only one when it is denied). The exit status.
 */
int vmond_stdio_proxy(const char *sock, bool readonly);

/* server.c */
int vmond_serve(struct vmond *d, bool notify);

void vmond_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vm.c: ROOT/run/vmon/domains/NAME.EXT (its sockets, log, status); -1 if it does not fit. */
int vmond_domain_path(const struct vmond *d, const struct vdom *v, char *buf, size_t len,
		      const char *ext);

#endif /* VMOND_INT_H */
