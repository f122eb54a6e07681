/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The domain state machine: libvirt's states and reasons (same numbers as
 * virDomainState and the virDomain*Reason enums), virsh's words for them,
 * the lifecycle events of each transition. Pure: no I/O; vmond does what
 * .todo says. See vmond(8) and vmon(1).
 */
#ifndef VMON_DSTATE_H
#define VMON_DSTATE_H

#include <stddef.h>
#include <vmon/domain.h>

enum vmon_dstate_state {
	VMON_DS_NOSTATE = 0,
	VMON_DS_RUNNING = 1,
	VMON_DS_BLOCKED = 2, /* virsh "idle" */
	VMON_DS_PAUSED = 3,
	VMON_DS_SHUTDOWN = 4, /* virsh "in shutdown" */
	VMON_DS_SHUTOFF = 5,
	VMON_DS_CRASHED = 6,
	VMON_DS_PMSUSPENDED = 7,
	/*
	 * Ours: destroy or power-off asked, the VMM not yet gone. .reason is
	 * the shut-off reason it ends with. Shown to clients as "in shutdown"
	 * (libvirt state 4, reason unknown); kept in the status file so a
	 * vmond restart ends it with that reason.
	 */
	VMON_DS_DYING = 8,
};

enum vmon_ds_running_reason {
	VMON_RUNNING_UNKNOWN,
	VMON_RUNNING_BOOTED,
	VMON_RUNNING_MIGRATED,
	VMON_RUNNING_RESTORED,
	VMON_RUNNING_FROM_SNAPSHOT,
	VMON_RUNNING_UNPAUSED,
	VMON_RUNNING_MIGRATION_CANCELED,
	VMON_RUNNING_SAVE_CANCELED,
	VMON_RUNNING_WAKEUP,
	VMON_RUNNING_CRASHED,
	VMON_RUNNING_POSTCOPY,
	VMON_RUNNING_POSTCOPY_FAILED,
};

enum vmon_ds_paused_reason {
	VMON_PAUSED_UNKNOWN,
	VMON_PAUSED_USER,
	VMON_PAUSED_MIGRATION,
	VMON_PAUSED_SAVE,
	VMON_PAUSED_DUMP,
	VMON_PAUSED_IOERROR,
	VMON_PAUSED_WATCHDOG,
	VMON_PAUSED_FROM_SNAPSHOT,
	VMON_PAUSED_SHUTTING_DOWN,
	VMON_PAUSED_SNAPSHOT,
	VMON_PAUSED_CRASHED,
	VMON_PAUSED_STARTING_UP,
	VMON_PAUSED_POSTCOPY,
	VMON_PAUSED_POSTCOPY_FAILED,
	VMON_PAUSED_API_ERROR,
};

enum vmon_ds_shutdown_reason { VMON_SHUTDOWN_UNKNOWN, VMON_SHUTDOWN_USER };

enum vmon_ds_shutoff_reason {
	VMON_SHUTOFF_UNKNOWN,
	VMON_SHUTOFF_SHUTDOWN,
	VMON_SHUTOFF_DESTROYED,
	VMON_SHUTOFF_CRASHED,
	VMON_SHUTOFF_MIGRATED,
	VMON_SHUTOFF_SAVED,
	VMON_SHUTOFF_FAILED,
	VMON_SHUTOFF_FROM_SNAPSHOT,
	VMON_SHUTOFF_DAEMON,
};

enum vmon_ds_crashed_reason { VMON_CRASHED_UNKNOWN, VMON_CRASHED_PANICKED };

/* virDomainEventType and the details we emit. */
enum vmon_ds_event_type {
	VMON_EV_DEFINED,
	VMON_EV_UNDEFINED,
	VMON_EV_STARTED,
	VMON_EV_SUSPENDED,
	VMON_EV_RESUMED,
	VMON_EV_STOPPED,
	VMON_EV_SHUTDOWN,
	VMON_EV_PMSUSPENDED,
	VMON_EV_CRASHED,
};

struct vmon_dstate {
	enum vmon_dstate_state state;
	int reason; /* of the state's reason enum; BLOCKED: see state.c */
};

/* What happens: a user command or a fact the VMM (or vmond) reports. */
enum vmon_dstate_input {
	/* user commands */
	VMON_IN_START,
	VMON_IN_START_PAUSED,
	VMON_IN_SUSPEND,
	VMON_IN_RESUME,
	VMON_IN_SHUTDOWN,
	VMON_IN_REBOOT,
	VMON_IN_DESTROY,
	VMON_IN_PMSUSPEND,
	VMON_IN_PMWAKEUP,
	VMON_IN_SAVE,
	VMON_IN_RESTORE,
	VMON_IN_RESTORE_PAUSED,
	VMON_IN_REVERT_RUNNING,
	VMON_IN_REVERT_PAUSED,
	VMON_IN_REVERT_SHUTOFF,
	/* facts */
	VMON_IN_BOOTED,		   /* the VMM runs the guest (after START) */
	VMON_IN_RESTORED,	   /* the VMM runs the restored guest (after RESTORE) */
	VMON_IN_RESTORED_PAUSED,   /* the same, held paused (restore --paused) */
	VMON_IN_START_FAILED,	   /* the VMM did not come up */
	VMON_IN_VMM_PAUSED,	   /* paused other than by vmond */
	VMON_IN_VMM_RESUMED,	   /* resumed other than by vmond */
	VMON_IN_IOERROR,	   /* paused on a disk error */
	VMON_IN_POWERED_OFF,	   /* the guest powered off (ACPI S5) */
	VMON_IN_REBOOTED,	   /* the guest reset itself */
	VMON_IN_PANICKED,	   /* guest panic notifier */
	VMON_IN_GUEST_PMSUSPENDED, /* the guest entered S3 */
	VMON_IN_WOKE,		   /* the guest left S3 */
	VMON_IN_IDLE,		   /* all vCPUs halted */
	VMON_IN_BUSY,		   /* a vCPU runs again */
	VMON_IN_SAVED,		   /* the save image is complete */
	VMON_IN_SAVE_FAILED,
	VMON_IN_VMM_EXITED, /* the VMM process is gone (any cause) */
	VMON_IN_COUNT
};

/* What vmond must do to make the new state true. */
enum vmon_dstate_todo {
	VMON_TODO_NONE,
	VMON_TODO_START_VMM,
	VMON_TODO_START_VMM_PAUSED,
	VMON_TODO_RESTORE_VMM,
	VMON_TODO_PAUSE,
	VMON_TODO_RESUME,
	VMON_TODO_POWER_BUTTON,
	VMON_TODO_REBOOT,
	VMON_TODO_RESET,
	VMON_TODO_KILL_VMM,    /* destroy: SIGTERM, then SIGKILL */
	VMON_TODO_STOP_VMM,    /* the guest is done: let the VMM exit */
	VMON_TODO_RESTART_VMM, /* stop the VMM, start a new one */
	VMON_TODO_PMSUSPEND,
	VMON_TODO_PMWAKEUP,
	VMON_TODO_SAVE,
};

struct vmon_ds_event {
	int type; /* enum vmon_ds_event_type, -1 for none */
	int detail;
};

struct vmon_dstate_result {
	struct vmon_dstate next;
	enum vmon_dstate_todo todo;
	struct vmon_ds_event ev[2]; /* in order; unused ones have type -1 */
};

/* The <on_*> actions that facts apply. */
struct vmon_dstate_actions {
	enum vmon_lifecycle_action on_poweroff, on_reboot, on_crash;
};

/*
 * The transition @in from @cur. 0 and @r; or -1 and @err holding virsh's
 * message ("Requested operation is not valid: domain is not running").
 * A command that changes nothing (resume of a running domain, as libvirt
 * accepts) returns 0 with @r->next == @cur and no event.
 */
int vmon_dstate_next(struct vmon_dstate cur, enum vmon_dstate_input in,
		     const struct vmon_dstate_actions *a, struct vmon_dstate_result *r, char *err,
		     size_t errlen);

/* Active: a VMM process exists (everything but shut off and no state). */
int vmon_dstate_active(struct vmon_dstate s);
/* What clients see: DYING as libvirt's SHUTDOWN/unknown, BLOCKED/unknown. */
struct vmon_dstate vmon_dstate_public(struct vmon_dstate s);
/* virsh's words: "running", "idle", "in shutdown", "shut off"... */
const char *vmon_dstate_name(enum vmon_dstate_state s);
/* virsh domstate --reason's words for the public reason: "booted"... */
const char *vmon_dstate_reason_name(struct vmon_dstate s);
/* Event and detail names as virsh event prints them. */
const char *vmon_ds_event_name(int type);
const char *vmon_ds_event_detail_name(int type, int detail);
const char *vmon_dstate_input_name(enum vmon_dstate_input in);

#endif
