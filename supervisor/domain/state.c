// SPDX-License-Identifier: GPL-2.0
/*
 * The domain state machine. Numbers are libvirt's (virDomainState and its
 * reason enums), words are virsh's. A BLOCKED (idle) state keeps in .reason
 * the running reason it returns to when a vCPU runs again; it is shown as
 * "idle (unknown)" as libvirt has no reason for it.
 */
#include <stdio.h>
#include <vmon/dstate.h>

#define INVALID "Requested operation is not valid: "

static const char *const state_names[] = {
	"no state", "running", "idle",	      "paused",	     "in shutdown",
	"shut off", "crashed", "pmsuspended", "in shutdown",
};

static const char *const running_reasons[] = {
	"unknown",	 "booted",   "migrated",	   "restored",
	"from snapshot", "unpaused", "migration canceled", "save canceled",
	"event wakeup",	 "crashed",  "post-copy",	   "post-copy failed",
};

static const char *const paused_reasons[] = {
	"unknown",   "user",	    "migrating",     "saving",		 "dumping",
	"I/O error", "watchdog",    "from snapshot", "shutting down",	 "creating snapshot",
	"crashed",   "starting up", "post-copy",     "post-copy failed", "api error",
};

static const char *const shutdown_reasons[] = { "unknown", "user" };

static const char *const shutoff_reasons[] = {
	"unknown", "shutdown", "destroyed",	"crashed", "migrated",
	"saved",   "failed",   "from snapshot", "daemon",
};

static const char *const crashed_reasons[] = { "unknown", "panicked" };

static const char *const event_names[] = {
	"Defined", "Undefined", "Started",     "Suspended", "Resumed",
	"Stopped", "Shutdown",	"PMSuspended", "Crashed",
};

static const char *const started_details[] = {
	"Booted", "Migrated", "Restored", "Snapshot", "Event wakeup",
};
static const char *const suspended_details[] = {
	"Paused",   "Migrated",	 "I/O Error", "Watchdog",	 "Restored",
	"Snapshot", "API error", "Post-copy", "Post-copy Error",
};
static const char *const resumed_details[] = {
	"Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error",
};
static const char *const stopped_details[] = {
	"Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot",
};
static const char *const shutdown_details[] = {
	"Finished",
	"Finished after guest request",
	"Finished after host request",
};
static const char *const defined_details[] = { "Added", "Updated", "Renamed", "Snapshot" };
static const char *const undefined_details[] = { "Removed", "Renamed" };
static const char *const pmsuspended_details[] = { "Memory", "Disk" };
static const char *const crashed_details[] = { "Panicked", "Crashloaded" };

static const char *const input_names[VMON_IN_COUNT] = {
	"start",
	"start --paused",
	"suspend",
	"resume",
	"shutdown",
	"reboot",
	"destroy",
	"dompmsuspend",
	"dompmwakeup",
	"save",
	"restore",
	"restore --paused",
	"snapshot-revert --running",
	"snapshot-revert --paused",
	"snapshot-revert (shut off)",
	"booted",
	"restored",
	"restored paused",
	"start failed",
	"vmm paused",
	"vmm resumed",
	"I/O error",
	"powered off",
	"rebooted",
	"panicked",
	"guest pmsuspended",
	"woke",
	"idle",
	"busy",
	"saved",
	"save failed",
	"vmm exited",
};

#define PICK(tbl, i) ((i) >= 0 && (size_t)(i) < sizeof(tbl) / sizeof(tbl[0]) ? tbl[i] : NULL)

const char *vmon_dstate_name(enum vmon_dstate_state s)
{
	const char *n = PICK(state_names, (int)s);

	return n ? n : "unknown";
}

struct vmon_dstate vmon_dstate_public(struct vmon_dstate s)
{
	if (s.state == VMON_DS_DYING)
		return (struct vmon_dstate){ VMON_DS_SHUTDOWN, 0 };
	if (s.state == VMON_DS_BLOCKED)
		return (struct vmon_dstate){ VMON_DS_BLOCKED, 0 };
	return s;
}

const char *vmon_dstate_reason_name(struct vmon_dstate s)
{
	const char *n = NULL;

	s = vmon_dstate_public(s);
	switch (s.state) {
	case VMON_DS_RUNNING:
		n = PICK(running_reasons, s.reason);
		break;
	case VMON_DS_PAUSED:
		n = PICK(paused_reasons, s.reason);
		break;
	case VMON_DS_SHUTDOWN:
		n = PICK(shutdown_reasons, s.reason);
		break;
	case VMON_DS_SHUTOFF:
		n = PICK(shutoff_reasons, s.reason);
		break;
	case VMON_DS_CRASHED:
		n = PICK(crashed_reasons, s.reason);
		break;
	default:
		break;
	}
	return n ? n : "unknown";
}

const char *vmon_ds_event_name(int type)
{
	const char *n = PICK(event_names, type);

	return n ? n : "unknown";
}

const char *vmon_ds_event_detail_name(int type, int detail)
{
	const char *n = NULL;

	switch (type) {
	case VMON_EV_DEFINED:
		n = PICK(defined_details, detail);
		break;
	case VMON_EV_UNDEFINED:
		n = PICK(undefined_details, detail);
		break;
	case VMON_EV_STARTED:
		n = PICK(started_details, detail);
		break;
	case VMON_EV_SUSPENDED:
		n = PICK(suspended_details, detail);
		break;
	case VMON_EV_RESUMED:
		n = PICK(resumed_details, detail);
		break;
	case VMON_EV_STOPPED:
		n = PICK(stopped_details, detail);
		break;
	case VMON_EV_SHUTDOWN:
		n = PICK(shutdown_details, detail);
		break;
	case VMON_EV_PMSUSPENDED:
		n = PICK(pmsuspended_details, detail);
		break;
	case VMON_EV_CRASHED:
		n = PICK(crashed_details, detail);
		break;
	}
	return n ? n : "unknown";
}

const char *vmon_dstate_input_name(enum vmon_dstate_input in)
{
	const char *n = PICK(input_names, (int)in);

	return n ? n : "unknown";
}

int vmon_dstate_active(struct vmon_dstate s)
{
	return s.state != VMON_DS_SHUTOFF && s.state != VMON_DS_NOSTATE;
}

/* Detail of STOPPED for each shut-off reason (libvirt pairs them). */
static int stopped_detail(int shutoff_reason)
{
	switch (shutoff_reason) {
	case VMON_SHUTOFF_DESTROYED:
		return 1;
	case VMON_SHUTOFF_CRASHED:
		return 2;
	case VMON_SHUTOFF_SAVED:
		return 4;
	case VMON_SHUTOFF_FAILED:
		return 5;
	case VMON_SHUTOFF_FROM_SNAPSHOT:
		return 6;
	default:
		return 0;
	}
}

static void go(struct vmon_dstate_result *r, enum vmon_dstate_state s, int reason,
	       enum vmon_dstate_todo todo)
{
	r->next.state = s;
	r->next.reason = reason;
	r->todo = todo;
}

static void emit(struct vmon_dstate_result *r, int type, int detail)
{
	int i = r->ev[0].type < 0 ? 0 : 1;

	r->ev[i].type = type;
	r->ev[i].detail = detail;
}

static int fail(char *err, size_t len, const char *why)
{
	snprintf(err, len, INVALID "%s", why);
	return -1;
}

static int unexpected(char *err, size_t len, struct vmon_dstate cur, enum vmon_dstate_input in)
{
	snprintf(err, len, "internal error: '%s' in state '%s'", vmon_dstate_input_name(in),
		 vmon_dstate_name(cur.state));
	return -1;
}

/* A shut-off (or never started) domain. */
static int from_inactive(struct vmon_dstate cur, enum vmon_dstate_input in,
			 struct vmon_dstate_result *r, char *err, size_t len)
{
	switch (in) {
	case VMON_IN_START:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_STARTING_UP, VMON_TODO_START_VMM);
		return 0;
	case VMON_IN_START_PAUSED:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_STARTING_UP, VMON_TODO_START_VMM_PAUSED);
		return 0;
	case VMON_IN_RESTORE:
	case VMON_IN_RESTORE_PAUSED:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_STARTING_UP, VMON_TODO_RESTORE_VMM);
		return 0;
	case VMON_IN_REVERT_RUNNING:
		go(r, VMON_DS_RUNNING, VMON_RUNNING_FROM_SNAPSHOT, VMON_TODO_RESTORE_VMM);
		emit(r, VMON_EV_STARTED, 3);
		return 0;
	case VMON_IN_REVERT_PAUSED:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_FROM_SNAPSHOT, VMON_TODO_RESTORE_VMM);
		emit(r, VMON_EV_STARTED, 3);
		emit(r, VMON_EV_SUSPENDED, 5);
		return 0;
	case VMON_IN_REVERT_SHUTOFF:
		go(r, VMON_DS_SHUTOFF, VMON_SHUTOFF_FROM_SNAPSHOT, VMON_TODO_NONE);
		emit(r, VMON_EV_STOPPED, 6);
		return 0;
	case VMON_IN_VMM_EXITED:
		return 0; /* already gone: nothing changes */
	default:
		if (in < VMON_IN_BOOTED)
			return fail(err, len, "domain is not running");
		return unexpected(err, len, cur, in);
	}
}

/* The end of a start or restore: the VMM is up. */
static int starting(struct vmon_dstate cur, enum vmon_dstate_input in, struct vmon_dstate_result *r,
		    char *err, size_t len)
{
	switch (in) {
	case VMON_IN_BOOTED:
		go(r, VMON_DS_RUNNING, VMON_RUNNING_BOOTED, VMON_TODO_NONE);
		emit(r, VMON_EV_STARTED, 0);
		return 0;
	case VMON_IN_VMM_PAUSED: /* booted, held paused (start --paused) */
		go(r, VMON_DS_PAUSED, VMON_PAUSED_USER, VMON_TODO_NONE);
		emit(r, VMON_EV_STARTED, 0);
		emit(r, VMON_EV_SUSPENDED, 0);
		return 0;
	case VMON_IN_RESTORED: /* from a save image: libvirt's "running (restored)" */
		go(r, VMON_DS_RUNNING, VMON_RUNNING_RESTORED, VMON_TODO_NONE);
		emit(r, VMON_EV_STARTED, 2);
		return 0;
	case VMON_IN_RESTORED_PAUSED:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_USER, VMON_TODO_NONE);
		emit(r, VMON_EV_STARTED, 2);
		emit(r, VMON_EV_SUSPENDED, 4);
		return 0;
	case VMON_IN_START_FAILED:
	case VMON_IN_VMM_EXITED:
		go(r, VMON_DS_SHUTOFF, VMON_SHUTOFF_FAILED, VMON_TODO_NONE);
		emit(r, VMON_EV_STOPPED, 5);
		return 0;
	case VMON_IN_DESTROY:
		go(r, VMON_DS_DYING, VMON_SHUTOFF_DESTROYED, VMON_TODO_KILL_VMM);
		return 0;
	case VMON_IN_START:
	case VMON_IN_START_PAUSED:
	case VMON_IN_RESTORE:
	case VMON_IN_RESTORE_PAUSED:
		return fail(err, len, "domain is already running");
	default:
		if (in < VMON_IN_BOOTED)
			return fail(err, len, "domain is starting up");
		return unexpected(err, len, cur, in);
	}
}

/* A fact that ends the guest's run: the on_* action decides. */
static void apply_action(struct vmon_dstate_result *r, enum vmon_lifecycle_action a,
			 int shutoff_reason, int preserve_state, int preserve_reason)
{
	switch (a) {
	case VMON_ACTION_RESTART:
	case VMON_ACTION_RENAME_RESTART:
	case VMON_ACTION_COREDUMP_RESTART:
		go(r, VMON_DS_RUNNING,
		   shutoff_reason == VMON_SHUTOFF_CRASHED ? VMON_RUNNING_CRASHED
							  : VMON_RUNNING_BOOTED,
		   VMON_TODO_RESET);
		break;
	case VMON_ACTION_PRESERVE:
		go(r, preserve_state, preserve_reason, VMON_TODO_PAUSE);
		break;
	default:
		go(r, VMON_DS_DYING, shutoff_reason, VMON_TODO_STOP_VMM);
		break;
	}
}

static int guest_fact(struct vmon_dstate cur, enum vmon_dstate_input in,
		      const struct vmon_dstate_actions *a, struct vmon_dstate_result *r)
{
	switch (in) {
	case VMON_IN_POWERED_OFF:
		emit(r, VMON_EV_SHUTDOWN, cur.state == VMON_DS_SHUTDOWN ? 2 : 1);
		apply_action(r, a->on_poweroff, VMON_SHUTOFF_SHUTDOWN, VMON_DS_PAUSED,
			     VMON_PAUSED_SHUTTING_DOWN);
		return 0;
	case VMON_IN_REBOOTED:
		apply_action(r, a->on_reboot, VMON_SHUTOFF_SHUTDOWN, VMON_DS_PAUSED,
			     VMON_PAUSED_SHUTTING_DOWN);
		if (r->next.state == VMON_DS_DYING)
			emit(r, VMON_EV_SHUTDOWN, 1);
		return 0;
	case VMON_IN_PANICKED:
		emit(r, VMON_EV_CRASHED, 0);
		apply_action(r, a->on_crash, VMON_SHUTOFF_CRASHED, VMON_DS_CRASHED,
			     VMON_CRASHED_PANICKED);
		return 0;
	default:
		return -1;
	}
}

static int running_fact(struct vmon_dstate cur, enum vmon_dstate_input in,
			struct vmon_dstate_result *r)
{
	int run = cur.state == VMON_DS_RUNNING || cur.state == VMON_DS_BLOCKED;

	switch (in) {
	case VMON_IN_IDLE:
		if (cur.state == VMON_DS_RUNNING)
			go(r, VMON_DS_BLOCKED, cur.reason, VMON_TODO_NONE);
		return run ? 0 : -1;
	case VMON_IN_BUSY:
		if (cur.state == VMON_DS_BLOCKED)
			go(r, VMON_DS_RUNNING, cur.reason, VMON_TODO_NONE);
		return run ? 0 : -1;
	case VMON_IN_IOERROR:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_IOERROR, VMON_TODO_NONE);
		emit(r, VMON_EV_SUSPENDED, 2);
		return 0;
	case VMON_IN_VMM_PAUSED:
		if (cur.state == VMON_DS_PAUSED)
			return 0;
		go(r, VMON_DS_PAUSED, VMON_PAUSED_UNKNOWN, VMON_TODO_NONE);
		emit(r, VMON_EV_SUSPENDED, 0);
		return 0;
	case VMON_IN_VMM_RESUMED:
		if (cur.state != VMON_DS_PAUSED)
			return 0;
		go(r, VMON_DS_RUNNING, VMON_RUNNING_UNPAUSED, VMON_TODO_NONE);
		emit(r, VMON_EV_RESUMED, 0);
		return 0;
	case VMON_IN_GUEST_PMSUSPENDED:
		go(r, VMON_DS_PMSUSPENDED, 0, VMON_TODO_NONE);
		emit(r, VMON_EV_PMSUSPENDED, 0);
		return run ? 0 : -1;
	case VMON_IN_WOKE:
		if (cur.state != VMON_DS_PMSUSPENDED)
			return -1;
		go(r, VMON_DS_RUNNING, VMON_RUNNING_WAKEUP, VMON_TODO_NONE);
		emit(r, VMON_EV_STARTED, 4);
		return 0;
	case VMON_IN_SAVED:
		if (cur.state != VMON_DS_PAUSED || cur.reason != VMON_PAUSED_SAVE)
			return -1;
		go(r, VMON_DS_DYING, VMON_SHUTOFF_SAVED, VMON_TODO_STOP_VMM);
		return 0;
	case VMON_IN_SAVE_FAILED:
		if (cur.state != VMON_DS_PAUSED || cur.reason != VMON_PAUSED_SAVE)
			return -1;
		go(r, VMON_DS_RUNNING, VMON_RUNNING_SAVE_CANCELED, VMON_TODO_RESUME);
		emit(r, VMON_EV_RESUMED, 0);
		return 0;
	default:
		return -1;
	}
}

/* suspend, resume, shutdown, reboot on a domain with a VMM. */
static int control_cmd(struct vmon_dstate cur, enum vmon_dstate_input in,
		       struct vmon_dstate_result *r, char *err, size_t len)
{
	int run = cur.state == VMON_DS_RUNNING || cur.state == VMON_DS_BLOCKED;

	if (cur.state == VMON_DS_PMSUSPENDED && in != VMON_IN_PMWAKEUP)
		return fail(err, len, "domain is pmsuspended");
	switch (in) {
	case VMON_IN_SUSPEND:
		if (cur.state == VMON_DS_PAUSED)
			return 0; /* libvirt: already paused is success */
		if (cur.state == VMON_DS_CRASHED)
			return fail(err, len, "domain has crashed");
		go(r, VMON_DS_PAUSED, VMON_PAUSED_USER, VMON_TODO_PAUSE);
		emit(r, VMON_EV_SUSPENDED, 0);
		return 0;
	case VMON_IN_RESUME:
		if (cur.state == VMON_DS_CRASHED) {
			go(r, VMON_DS_RUNNING, VMON_RUNNING_CRASHED, VMON_TODO_RESUME);
		} else if (cur.state == VMON_DS_PAUSED) {
			go(r, VMON_DS_RUNNING, VMON_RUNNING_UNPAUSED, VMON_TODO_RESUME);
		} else {
			return 0; /* libvirt: running already is success */
		}
		emit(r, VMON_EV_RESUMED, 0);
		return 0;
	case VMON_IN_SHUTDOWN:
		if (cur.state == VMON_DS_CRASHED)
			return fail(err, len, "domain has crashed");
		if (run)
			go(r, VMON_DS_SHUTDOWN, VMON_SHUTDOWN_USER, VMON_TODO_POWER_BUTTON);
		else
			r->todo = VMON_TODO_POWER_BUTTON;
		return 0;
	case VMON_IN_REBOOT:
	case VMON_IN_PMSUSPEND:
	case VMON_IN_SAVE:
		if (!run && !(in == VMON_IN_SAVE && cur.state == VMON_DS_PAUSED))
			return fail(err, len, "domain is not running");
		if (in == VMON_IN_SAVE)
			go(r, VMON_DS_PAUSED, VMON_PAUSED_SAVE, VMON_TODO_SAVE);
		else
			r->todo = in == VMON_IN_REBOOT ? VMON_TODO_REBOOT : VMON_TODO_PMSUSPEND;
		return 0;
	case VMON_IN_PMWAKEUP:
		if (cur.state != VMON_DS_PMSUSPENDED)
			return fail(err, len, "domain is not pmsuspended");
		r->todo = VMON_TODO_PMWAKEUP;
		return 0;
	default:
		return -1;
	}
}

/* Any state with a VMM, but starting and dying. */
static int from_active(struct vmon_dstate cur, enum vmon_dstate_input in,
		       const struct vmon_dstate_actions *a, struct vmon_dstate_result *r, char *err,
		       size_t len)
{
	switch (in) {
	case VMON_IN_START:
	case VMON_IN_START_PAUSED:
	case VMON_IN_RESTORE:
	case VMON_IN_RESTORE_PAUSED:
		return fail(err, len, "domain is already running");
	case VMON_IN_DESTROY:
		go(r, VMON_DS_DYING, VMON_SHUTOFF_DESTROYED, VMON_TODO_KILL_VMM);
		return 0;
	case VMON_IN_REVERT_RUNNING:
		go(r, VMON_DS_RUNNING, VMON_RUNNING_FROM_SNAPSHOT, VMON_TODO_RESTART_VMM);
		emit(r, VMON_EV_STARTED, 3);
		return 0;
	case VMON_IN_REVERT_PAUSED:
		go(r, VMON_DS_PAUSED, VMON_PAUSED_FROM_SNAPSHOT, VMON_TODO_RESTART_VMM);
		emit(r, VMON_EV_SUSPENDED, 5);
		return 0;
	case VMON_IN_REVERT_SHUTOFF:
		go(r, VMON_DS_DYING, VMON_SHUTOFF_FROM_SNAPSHOT, VMON_TODO_KILL_VMM);
		return 0;
	case VMON_IN_VMM_EXITED:
		/* Not asked for: libvirt's "shut off (crashed)", Failed. */
		go(r, VMON_DS_SHUTOFF, VMON_SHUTOFF_CRASHED, VMON_TODO_NONE);
		emit(r, VMON_EV_STOPPED, 5);
		return 0;
	default:
		break;
	}
	if (in < VMON_IN_BOOTED)
		return control_cmd(cur, in, r, err, len);
	if (cur.state != VMON_DS_CRASHED && cur.state != VMON_DS_PMSUSPENDED &&
	    guest_fact(cur, in, a, r) == 0)
		return 0;
	if (running_fact(cur, in, r) == 0)
		return 0;
	return unexpected(err, len, cur, in);
}

/* Between destroy/poweroff and the VMM's exit. */
static int from_dying(struct vmon_dstate cur, enum vmon_dstate_input in,
		      struct vmon_dstate_result *r, char *err, size_t len)
{
	switch (in) {
	case VMON_IN_VMM_EXITED:
		go(r, VMON_DS_SHUTOFF, cur.reason, VMON_TODO_NONE);
		emit(r, VMON_EV_STOPPED, stopped_detail(cur.reason));
		return 0;
	case VMON_IN_DESTROY: /* destroy again: kill harder */
		go(r, VMON_DS_DYING, cur.reason, VMON_TODO_KILL_VMM);
		return 0;
	case VMON_IN_START:
	case VMON_IN_START_PAUSED:
	case VMON_IN_RESTORE:
	case VMON_IN_RESTORE_PAUSED:
		return fail(err, len, "domain is already running");
	default:
		if (in < VMON_IN_BOOTED)
			return fail(err, len, "domain is not running");
		return 0; /* late facts of a dying guest change nothing */
	}
}

int vmon_dstate_next(struct vmon_dstate cur, enum vmon_dstate_input in,
		     const struct vmon_dstate_actions *a, struct vmon_dstate_result *r, char *err,
		     size_t errlen)
{
	r->next = cur;
	r->todo = VMON_TODO_NONE;
	r->ev[0].type = r->ev[1].type = -1;
	r->ev[0].detail = r->ev[1].detail = 0;
	if ((int)in < 0 || in >= VMON_IN_COUNT) {
		snprintf(err, errlen, "internal error: no input %d", (int)in);
		return -1;
	}
	if (!vmon_dstate_active(cur))
		return from_inactive(cur, in, r, err, errlen);
	if (cur.state == VMON_DS_DYING)
		return from_dying(cur, in, r, err, errlen);
	if (cur.state == VMON_DS_PAUSED && cur.reason == VMON_PAUSED_STARTING_UP)
		return starting(cur, in, r, err, errlen);
	return from_active(cur, in, a, r, err, errlen);
}
