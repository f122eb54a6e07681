#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon-guests on the host, against a fake vmon CLI that logs what it is
# asked (guests_test runs it with real guests in the test VM): the order of
# a stop (the list written before any save), a second stop adding to the
# list, a failed save named with exit 1, start skipping a guest already
# running and one that is gone, ON_BOOT=ignore, PARALLEL_SHUTDOWN and the
# SHUTDOWN_TIMEOUT of a guest that never powers off, and the settings file's
# refusals (a bad value, a file others may write) with exit 2.
set -u
G=supervisor/guests/vmon-guests
T=$(mktemp -d /tmp/guests_cli_test.XXXXXX)
C=$T/conf
n=0 fails=0
trap 'rm -rf "$T"' EXIT

ok() { # ok NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$T/out" | head -30
		fails=$((fails + 1))
	fi
}
contains() { grep -Eq -- "$2" "$1" || { echo "no match for /$2/ in:"; cat "$1"; return 1; }; }

# The fake vmon: running guests in $T/running (persistent) and
# $T/transient, saved ones in $T/saved; every call logged in $T/calls.
cat >"$T/vmon" <<'FAKE'
#!/bin/bash
T=${FAKE_DIR:?}
echo "$*" >>"$T/calls"
cmd=$1
shift
[ "${1:-}" = -c ] && shift 2
case $cmd in
list)
	case "$*" in
	*--persistent*) cat "$T/running" ;;
	*--transient*) cat "$T/transient" ;;
	*) cat "$T/running" "$T/transient" ;;
	esac ;;
managedsave)
	# the list must be on disk before the first save
	[ -s "$T/state/list" ] || { echo "saved before the list was written" >&2; exit 1; }
	grep -qx "$1" "$T/fail" 2>/dev/null && { echo "error: the VMM did not answer" >&2; exit 1; }
	sed -i "/^$1\$/d" "$T/running"; echo "$1" >>"$T/saved" ;;
shutdown)
	grep -qx "$1" "$T/stuck" 2>/dev/null && exit 0
	sed -i "/^$1\$/d" "$T/running" "$T/transient" ;;
domstate)
	if grep -qx "$1" "$T/running" "$T/transient" 2>/dev/null; then echo running
	elif grep -qx "$1" "$T/gone" 2>/dev/null; then echo "error: failed to get domain '$1'" >&2; exit 1
	else echo "shut off"; fi ;;
start)
	echo "$1" >>"$T/running" ;;
esac
FAKE
chmod +x "$T/vmon"
export FAKE_DIR=$T VMON=$T/vmon
setup() { # setup PERSISTENT TRANSIENT [SETTINGS...]
	printf '%s\n' $1 >"$T/running"
	printf '%s\n' $2 >"$T/transient"
	sed -i '/^$/d' "$T/running" "$T/transient"
	: >"$T/calls"
	rm -f "$T/saved" "$T/fail" "$T/stuck" "$T/gone"
	shift 2
	printf '%s\n' "STATE_FILE=$T/state/list" "$@" >"$C"
	chmod 0644 "$C"
}
guests() { "$G" --config "$C" "$@"; }

t_stop_start() {
	setup "a b" "t" PARALLEL_SHUTDOWN=2
	guests stop >"$T/o" || { cat "$T/o"; return 1; }
	contains "$T/o" '^Suspending a: done$' && contains "$T/o" '^Suspending b: done$' &&
		contains "$T/o" '^Shutdown of guest t complete\.$' || return 1
	[ "$(sort "$T/state/list" | tr '\n' ' ')" = "a b " ] && ! grep -q '^managedsave t' "$T/calls" ||
		return 1
	# a is back already (vmond's autostart): only b is started
	echo a >"$T/running"
	guests start >"$T/o" && contains "$T/o" '^Guest a is already active$' &&
		contains "$T/o" '^Resuming guest b: done$' && [ ! -e "$T/state/list" ] &&
		[ "$(grep -c '^start' "$T/calls")" = 1 ]
}

t_second_stop_adds() {
	setup "a" ""
	guests stop >/dev/null && printf 'c\n' >"$T/running" && guests stop >/dev/null &&
		[ "$(tr '\n' ' ' <"$T/state/list")" = "a c " ]
}

t_failed_save() {
	setup "a b" ""
	echo b >"$T/fail"
	guests stop >"$T/o"
	[ $? = 1 ] && contains "$T/o" '^Suspending b: error: .*did not answer' &&
		contains "$T/o" '^Suspending a: done$'
}

t_gone_and_ignore() {
	setup "" "" && printf 'x\ny\n' >"$T/state/list" && echo x >"$T/gone"
	guests start >"$T/o"
	[ $? = 1 ] && contains "$T/o" "^Resuming guest x: error: no domain 'x' any more$" &&
		contains "$T/o" '^Resuming guest y: done$' || return 1
	setup "" "" ON_BOOT=ignore && printf 'x\n' >"$T/state/list"
	guests start >"$T/o" && contains "$T/o" 'configured not to start any guests' &&
		[ ! -e "$T/state/list" ] && ! grep -q '^start' "$T/calls"
}

t_timeout() {
	setup "s" "" ON_SHUTDOWN=shutdown SHUTDOWN_TIMEOUT=2
	echo s >"$T/stuck"
	SECONDS=0
	guests stop >"$T/o"
	[ $? = 1 ] && contains "$T/o" '^Timeout expired while shutting down guest s$' &&
		[ $SECONDS -lt 30 ]
}

t_settings() {
	setup "" "" ON_SHUTDOWN=hibernate
	guests stop 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "ON_SHUTDOWN='hibernate' is not suspend or shutdown" || return 1
	setup "" "" PARALLEL_SHUTDOWN=many
	guests stop 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "PARALLEL_SHUTDOWN='many' is not a number of guests" || return 1
	guests frobnicate 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "unknown command or option 'frobnicate'" || return 1
	guests --help | grep -q '^usage: vmon-guests' || return 1
	# run as shell by root: a file others may write is not read
	if [ "$(id -u)" = 0 ]; then
		setup "" "" && chmod 0666 "$C"
		guests status 2>"$T/e"
		[ $? = 2 ] && contains "$T/e" 'writable by others \(mode 666\): not read'
	fi
}

echo "TAP version 13"
echo "1..6"
ok "stop saves persistent guests (list first), shuts down transient ones; start skips the running" \
	t_stop_start
ok "a second stop adds to the list" t_second_stop_adds
ok "a failed save is named, the others saved, exit 1" t_failed_save
ok "start: a guest gone is named (exit 1); ON_BOOT=ignore drops the list" t_gone_and_ignore
ok "SHUTDOWN_TIMEOUT ends the wait for a guest that never powers off" t_timeout
ok "bad settings, commands and a file others may write: exit 2, named" t_settings
exit $((fails > 0))
