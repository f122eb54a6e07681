// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain's state machine on its own: each transition (the next state and
 * reason, what vmond must do, the lifecycle events), each forbidden one with
 * virsh's message, the on_* actions, the public view of dying and idle, and
 * the words virsh prints.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include <vmon/dstate.h>

#define S(st, r) ((struct vmon_dstate){ VMON_DS_##st, (r) })
#define NOEV                                                                                       \
	{                                                                                          \
		-1, 0                                                                              \
	}
#define EV(t, d)                                                                                   \
	{                                                                                          \
		VMON_EV_##t, (d)                                                                   \
	}

static const struct vmon_dstate_actions destroy_all = { VMON_ACTION_DESTROY, VMON_ACTION_DESTROY,
							VMON_ACTION_DESTROY };
static const struct vmon_dstate_actions preserve_crash = { VMON_ACTION_DESTROY, VMON_ACTION_RESTART,
							   VMON_ACTION_PRESERVE };
static const struct vmon_dstate_actions restart_all = { VMON_ACTION_RESTART, VMON_ACTION_RESTART,
							VMON_ACTION_RESTART };

static const struct step {
	const char *what;
	struct vmon_dstate from;
	enum vmon_dstate_input in;
	const struct vmon_dstate_actions *a;
	struct vmon_dstate to;
	enum vmon_dstate_todo todo;
	struct vmon_ds_event ev[2];
} steps[] = {
	{ "start",
	  S(SHUTOFF, 0),
	  VMON_IN_START,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_TODO_START_VMM,
	  { NOEV, NOEV } },
	{ "booted",
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_IN_BOOTED,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_TODO_NONE,
	  { EV(STARTED, 0), NOEV } },
	{ "start --paused held",
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_IN_VMM_PAUSED,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_TODO_NONE,
	  { EV(STARTED, 0), EV(SUSPENDED, 0) } },
	{ "save (managedsave)",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_SAVE,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_SAVE),
	  VMON_TODO_SAVE,
	  { NOEV, NOEV } },
	{ "save image written: the VMM goes",
	  S(PAUSED, VMON_PAUSED_SAVE),
	  VMON_IN_SAVED,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_SAVED),
	  VMON_TODO_STOP_VMM,
	  { NOEV, NOEV } },
	{ "saved VMM gone",
	  S(DYING, VMON_SHUTOFF_SAVED),
	  VMON_IN_VMM_EXITED,
	  &destroy_all,
	  S(SHUTOFF, VMON_SHUTOFF_SAVED),
	  VMON_TODO_NONE,
	  { EV(STOPPED, 4), NOEV } },
	{ "save failed: running again",
	  S(PAUSED, VMON_PAUSED_SAVE),
	  VMON_IN_SAVE_FAILED,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_SAVE_CANCELED),
	  VMON_TODO_RESUME,
	  { EV(RESUMED, 0), NOEV } },
	{ "restore (start of a managed save)",
	  S(SHUTOFF, VMON_SHUTOFF_SAVED),
	  VMON_IN_RESTORE,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_TODO_RESTORE_VMM,
	  { NOEV, NOEV } },
	{ "restored",
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_IN_RESTORED,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_RESTORED),
	  VMON_TODO_NONE,
	  { EV(STARTED, 2), NOEV } },
	{ "restored, held paused",
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_IN_RESTORED_PAUSED,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_TODO_NONE,
	  { EV(STARTED, 2), EV(SUSPENDED, 4) } },
	{ "start failed",
	  S(PAUSED, VMON_PAUSED_STARTING_UP),
	  VMON_IN_START_FAILED,
	  &destroy_all,
	  S(SHUTOFF, VMON_SHUTOFF_FAILED),
	  VMON_TODO_NONE,
	  { EV(STOPPED, 5), NOEV } },
	{ "suspend",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_SUSPEND,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_TODO_PAUSE,
	  { EV(SUSPENDED, 0), NOEV } },
	{ "suspend of paused: success, no change",
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_IN_SUSPEND,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_TODO_NONE,
	  { NOEV, NOEV } },
	{ "resume",
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_IN_RESUME,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_UNPAUSED),
	  VMON_TODO_RESUME,
	  { EV(RESUMED, 0), NOEV } },
	{ "resume of running: success, no change",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_RESUME,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_TODO_NONE,
	  { NOEV, NOEV } },
	{ "shutdown presses the button",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_SHUTDOWN,
	  &destroy_all,
	  S(SHUTDOWN, VMON_SHUTDOWN_USER),
	  VMON_TODO_POWER_BUTTON,
	  { NOEV, NOEV } },
	{ "power-off after shutdown",
	  S(SHUTDOWN, VMON_SHUTDOWN_USER),
	  VMON_IN_POWERED_OFF,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_SHUTDOWN),
	  VMON_TODO_STOP_VMM,
	  { EV(SHUTDOWN, 2), NOEV } },
	{ "guest's own power-off",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_POWERED_OFF,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_SHUTDOWN),
	  VMON_TODO_STOP_VMM,
	  { EV(SHUTDOWN, 1), NOEV } },
	{ "power-off, on_poweroff restart",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_POWERED_OFF,
	  &restart_all,
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_TODO_RESET,
	  { EV(SHUTDOWN, 1), NOEV } },
	{ "VMM gone after power-off",
	  S(DYING, VMON_SHUTOFF_SHUTDOWN),
	  VMON_IN_VMM_EXITED,
	  &destroy_all,
	  S(SHUTOFF, VMON_SHUTOFF_SHUTDOWN),
	  VMON_TODO_NONE,
	  { EV(STOPPED, 0), NOEV } },
	{ "destroy",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_DESTROY,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_DESTROYED),
	  VMON_TODO_KILL_VMM,
	  { NOEV, NOEV } },
	{ "VMM gone after destroy",
	  S(DYING, VMON_SHUTOFF_DESTROYED),
	  VMON_IN_VMM_EXITED,
	  &destroy_all,
	  S(SHUTOFF, VMON_SHUTOFF_DESTROYED),
	  VMON_TODO_NONE,
	  { EV(STOPPED, 1), NOEV } },
	{ "destroy while dying: kill harder",
	  S(DYING, VMON_SHUTOFF_SHUTDOWN),
	  VMON_IN_DESTROY,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_SHUTDOWN),
	  VMON_TODO_KILL_VMM,
	  { NOEV, NOEV } },
	{ "late fact of a dying guest ignored",
	  S(DYING, VMON_SHUTOFF_DESTROYED),
	  VMON_IN_POWERED_OFF,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_DESTROYED),
	  VMON_TODO_NONE,
	  { NOEV, NOEV } },
	{ "VMM killed under us",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_VMM_EXITED,
	  &destroy_all,
	  S(SHUTOFF, VMON_SHUTOFF_CRASHED),
	  VMON_TODO_NONE,
	  { EV(STOPPED, 5), NOEV } },
	{ "panic, on_crash destroy",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_PANICKED,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_CRASHED),
	  VMON_TODO_STOP_VMM,
	  { EV(CRASHED, 0), NOEV } },
	{ "VMM gone after the panic",
	  S(DYING, VMON_SHUTOFF_CRASHED),
	  VMON_IN_VMM_EXITED,
	  &destroy_all,
	  S(SHUTOFF, VMON_SHUTOFF_CRASHED),
	  VMON_TODO_NONE,
	  { EV(STOPPED, 2), NOEV } },
	{ "panic, on_crash preserve",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_PANICKED,
	  &preserve_crash,
	  S(CRASHED, VMON_CRASHED_PANICKED),
	  VMON_TODO_PAUSE,
	  { EV(CRASHED, 0), NOEV } },
	{ "panic, on_crash restart",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_PANICKED,
	  &restart_all,
	  S(RUNNING, VMON_RUNNING_CRASHED),
	  VMON_TODO_RESET,
	  { EV(CRASHED, 0), NOEV } },
	{ "destroy of crashed",
	  S(CRASHED, VMON_CRASHED_PANICKED),
	  VMON_IN_DESTROY,
	  &preserve_crash,
	  S(DYING, VMON_SHUTOFF_DESTROYED),
	  VMON_TODO_KILL_VMM,
	  { NOEV, NOEV } },
	{ "reboot, on_reboot destroy",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_REBOOTED,
	  &destroy_all,
	  S(DYING, VMON_SHUTOFF_SHUTDOWN),
	  VMON_TODO_STOP_VMM,
	  { EV(SHUTDOWN, 1), NOEV } },
	{ "reboot, on_reboot restart",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_REBOOTED,
	  &preserve_crash,
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_TODO_RESET,
	  { NOEV, NOEV } },
	{ "guest enters S3",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_GUEST_PMSUSPENDED,
	  &destroy_all,
	  S(PMSUSPENDED, 0),
	  VMON_TODO_NONE,
	  { EV(PMSUSPENDED, 0), NOEV } },
	{ "dompmwakeup",
	  S(PMSUSPENDED, 0),
	  VMON_IN_PMWAKEUP,
	  &destroy_all,
	  S(PMSUSPENDED, 0),
	  VMON_TODO_PMWAKEUP,
	  { NOEV, NOEV } },
	{ "woke",
	  S(PMSUSPENDED, 0),
	  VMON_IN_WOKE,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_WAKEUP),
	  VMON_TODO_NONE,
	  { EV(STARTED, 4), NOEV } },
	{ "dompmsuspend asks the guest",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_PMSUSPEND,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_TODO_PMSUSPEND,
	  { NOEV, NOEV } },
	{ "paused elsewhere",
	  S(RUNNING, VMON_RUNNING_UNPAUSED),
	  VMON_IN_VMM_PAUSED,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_UNKNOWN),
	  VMON_TODO_NONE,
	  { EV(SUSPENDED, 0), NOEV } },
	{ "resumed elsewhere",
	  S(PAUSED, VMON_PAUSED_USER),
	  VMON_IN_VMM_RESUMED,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_UNPAUSED),
	  VMON_TODO_NONE,
	  { EV(RESUMED, 0), NOEV } },
	{ "I/O error pause",
	  S(RUNNING, VMON_RUNNING_BOOTED),
	  VMON_IN_IOERROR,
	  &destroy_all,
	  S(PAUSED, VMON_PAUSED_IOERROR),
	  VMON_TODO_NONE,
	  { EV(SUSPENDED, 2), NOEV } },
	{ "idle keeps the running reason",
	  S(RUNNING, VMON_RUNNING_UNPAUSED),
	  VMON_IN_IDLE,
	  &destroy_all,
	  S(BLOCKED, VMON_RUNNING_UNPAUSED),
	  VMON_TODO_NONE,
	  { NOEV, NOEV } },
	{ "busy again",
	  S(BLOCKED, VMON_RUNNING_UNPAUSED),
	  VMON_IN_BUSY,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_UNPAUSED),
	  VMON_TODO_NONE,
	  { NOEV, NOEV } },
	{ "revert to a running snapshot",
	  S(SHUTOFF, VMON_SHUTOFF_DESTROYED),
	  VMON_IN_REVERT_RUNNING,
	  &destroy_all,
	  S(RUNNING, VMON_RUNNING_FROM_SNAPSHOT),
	  VMON_TODO_RESTORE_VMM,
	  { EV(STARTED, 3), NOEV } },
};

static const struct {
	struct vmon_dstate from;
	enum vmon_dstate_input in;
	const char *msg;
} forbidden[] = {
	{ S(SHUTOFF, 0), VMON_IN_SUSPEND,
	  "Requested operation is not valid: domain is not running" },
	{ S(SHUTOFF, VMON_SHUTOFF_SHUTDOWN), VMON_IN_SHUTDOWN,
	  "Requested operation is not valid: domain is not running" },
	{ S(SHUTOFF, 0), VMON_IN_DESTROY,
	  "Requested operation is not valid: domain is not running" },
	{ S(SHUTOFF, 0), VMON_IN_PMWAKEUP,
	  "Requested operation is not valid: domain is not running" },
	{ S(SHUTOFF, VMON_SHUTOFF_SAVED), VMON_IN_SAVE,
	  "Requested operation is not valid: domain is not running" },
	{ S(RUNNING, VMON_RUNNING_RESTORED), VMON_IN_RESTORE,
	  "Requested operation is not valid: domain is already running" },
	{ S(RUNNING, VMON_RUNNING_BOOTED), VMON_IN_START,
	  "Requested operation is not valid: domain is already running" },
	{ S(PAUSED, VMON_PAUSED_USER), VMON_IN_START_PAUSED,
	  "Requested operation is not valid: domain is already running" },
	{ S(DYING, VMON_SHUTOFF_DESTROYED), VMON_IN_START,
	  "Requested operation is not valid: domain is already running" },
	{ S(DYING, VMON_SHUTOFF_DESTROYED), VMON_IN_SUSPEND,
	  "Requested operation is not valid: domain is not running" },
	{ S(PAUSED, VMON_PAUSED_STARTING_UP), VMON_IN_SUSPEND,
	  "Requested operation is not valid: domain is starting up" },
	{ S(CRASHED, VMON_CRASHED_PANICKED), VMON_IN_SUSPEND,
	  "Requested operation is not valid: domain has crashed" },
	{ S(CRASHED, VMON_CRASHED_PANICKED), VMON_IN_SHUTDOWN,
	  "Requested operation is not valid: domain has crashed" },
	{ S(PMSUSPENDED, 0), VMON_IN_SUSPEND,
	  "Requested operation is not valid: domain is pmsuspended" },
	{ S(PMSUSPENDED, 0), VMON_IN_PMSUSPEND,
	  "Requested operation is not valid: domain is pmsuspended" },
	{ S(RUNNING, VMON_RUNNING_BOOTED), VMON_IN_PMWAKEUP,
	  "Requested operation is not valid: domain is not pmsuspended" },
	{ S(PAUSED, VMON_PAUSED_USER), VMON_IN_REBOOT,
	  "Requested operation is not valid: domain is not running" },
	{ S(PAUSED, VMON_PAUSED_USER), VMON_IN_PMSUSPEND,
	  "Requested operation is not valid: domain is not running" },
};

TEST(every_transition)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];
		struct vmon_dstate_result r;
		char err[256] = "";

		ASSERT_EQ(0, vmon_dstate_next(s->from, s->in, s->a, &r, err, sizeof(err)))
		TH_LOG("%s: %s", s->what, err);
		EXPECT_EQ(s->to.state, r.next.state) TH_LOG("%s", s->what);
		EXPECT_EQ(s->to.reason, r.next.reason) TH_LOG("%s", s->what);
		EXPECT_EQ(s->todo, r.todo) TH_LOG("%s", s->what);
		for (int k = 0; k < 2; k++) {
			EXPECT_EQ(s->ev[k].type, r.ev[k].type) TH_LOG("%s: event %d", s->what, k);
			if (s->ev[k].type >= 0)
				EXPECT_EQ(s->ev[k].detail, r.ev[k].detail)
			TH_LOG("%s: detail %d", s->what, k);
		}
	}
}

TEST(forbidden_ones_say_why_as_virsh)
{
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		struct vmon_dstate_result r;
		char err[256] = "";

		EXPECT_EQ(-1, vmon_dstate_next(forbidden[i].from, forbidden[i].in, &destroy_all, &r,
					       err, sizeof(err)))
		TH_LOG("%s from %s: allowed", vmon_dstate_input_name(forbidden[i].in),
		       vmon_dstate_name(forbidden[i].from.state));
		EXPECT_STREQ(forbidden[i].msg, err);
	}
}

TEST(out_of_range_input_refused)
{
	struct vmon_dstate_result r;
	char err[256], want[64];

	EXPECT_EQ(-1, vmon_dstate_next(S(RUNNING, 1), VMON_IN_COUNT, &destroy_all, &r, err,
				       sizeof(err)));
	snprintf(want, sizeof(want), "internal error: no input %d", (int)VMON_IN_COUNT);
	EXPECT_STREQ(want, err);
}

/* What clients see: dying as "in shutdown (unknown)", idle with no reason. */
TEST(public_view_and_words)
{
	struct vmon_dstate p = vmon_dstate_public(S(DYING, VMON_SHUTOFF_DESTROYED));

	EXPECT_EQ(VMON_DS_SHUTDOWN, p.state);
	EXPECT_EQ(0, p.reason);
	EXPECT_STREQ("in shutdown", vmon_dstate_name(VMON_DS_DYING));
	EXPECT_STREQ("unknown", vmon_dstate_reason_name(S(DYING, VMON_SHUTOFF_DESTROYED)));
	p = vmon_dstate_public(S(BLOCKED, VMON_RUNNING_UNPAUSED));
	EXPECT_EQ(VMON_DS_BLOCKED, p.state);
	EXPECT_EQ(0, p.reason);
	EXPECT_STREQ("idle", vmon_dstate_name(VMON_DS_BLOCKED));
	EXPECT_STREQ("shut off", vmon_dstate_name(VMON_DS_SHUTOFF));
	EXPECT_STREQ("crashed", vmon_dstate_reason_name(S(SHUTOFF, VMON_SHUTOFF_CRASHED)));
	EXPECT_STREQ("panicked", vmon_dstate_reason_name(S(CRASHED, VMON_CRASHED_PANICKED)));
	EXPECT_STREQ("event wakeup", vmon_dstate_reason_name(S(RUNNING, VMON_RUNNING_WAKEUP)));
	EXPECT_STREQ("pmsuspended", vmon_dstate_name(VMON_DS_PMSUSPENDED));
	EXPECT_STREQ("Crashed", vmon_ds_event_name(VMON_EV_CRASHED));
	EXPECT_STREQ("Panicked", vmon_ds_event_detail_name(VMON_EV_CRASHED, 0));
	EXPECT_STREQ("Finished after host request", vmon_ds_event_detail_name(VMON_EV_SHUTDOWN, 2));
	EXPECT_STREQ("Memory", vmon_ds_event_detail_name(VMON_EV_PMSUSPENDED, 0));
	EXPECT_STREQ("unknown", vmon_ds_event_detail_name(VMON_EV_STOPPED, 99));
	EXPECT_TRUE(vmon_dstate_active(S(DYING, 0)));
	EXPECT_FALSE(vmon_dstate_active(S(SHUTOFF, 0)));
}

TEST_HARNESS_MAIN
