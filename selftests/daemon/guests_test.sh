#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon-guests with real nested guests, inside the test VM (issue 18, item 2):
# two persistent guests counting on their consoles (a marked autostart) and a
# transient one run under vmond.
#   stop (ON_SHUTDOWN=suspend, PARALLEL_SHUTDOWN=2): a and b saved, the
#     transient t shut down through its power button; the state file lists
#     a and b;
#   vmond restarted (the host's boot): it autostarts a from its managed
#     save (restored, not booted), b keeps its managed save;
#   start: a "already active", b resumed; both run on from their saved
#     moment (the first tick seen is past the last one before the save, no
#     init started again); the state file gone;
#   shutdown (SHUTDOWN_TIMEOUT=120): both shut off (shutdown) by their
#     power buttons;
#   ON_BOOT=ignore: start leaves them shut off and drops the list.
#
# Usage: tools/vmtest -- build/selftests/daemon/guests_test (TAP; root).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
G=$top/supervisor/guests/vmon-guests
kernel=$B/vmm-guest/vmlinuz
work=$(mktemp -d /tmp/guests-test.XXXXXX)
chmod 0711 "$work"
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
C=$work/vmon-guests.conf
n=0 failed=0 vmond_pid=
declare -A con_pid

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n guests.$2"
	else
		echo "not ok $n guests.$2${3:+ # $3}"
		[ $failed = 0 ] && for g in a b t; do
			tail -n 8 "$work/$g.console" 2>/dev/null | tr -d '\r' | sed "s/^/# $g console: /"
			tail -n 5 "$D/$g.log" 2>/dev/null | sed "s/^/# $g vmm: /"
		done
		failed=1
	fi
}
cleanup() {
	local g
	for g in "${!con_pid[@]}"; do kill "${con_pid[$g]}" 2>/dev/null; done
	for g in a b t; do $V destroy -c "$S" "$g" >/dev/null 2>&1; done
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	[ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/guests" &&
		cp "$work"/*.log "$work"/*.console "$D"/*.log "$VMTEST_OUT/guests/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
start_vmond() {
	"$B/vmond" --foreground --root "$R" --vmm "$B/vmon-vmm" 2>>"$work/vmond.log" &
	vmond_pid=$!
	for _ in $(seq 100); do
		$V list -c "$S" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
until_ok() { # until_ok SECONDS CMD...
	local i t=$1
	shift
	for ((i = 0; i < t * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
attach() { # attach NAME: its console appended to $work/NAME.console
	[ -n "${con_pid[$1]:-}" ] && kill "${con_pid[$1]}" 2>/dev/null
	"$top/selftests/lib/console-copy" "$D/$1.console" "$work/$1.console" &
	con_pid[$1]=$!
}
state() { $V domstate -c "$S" --reason "$1" 2>/dev/null | head -1; }
is_state() { [ "$(state "$1")" = "$2" ]; }
ticks() { grep -o 'tick [0-9]*' "$work/$1.console" 2>/dev/null | tail -1 | cut -d' ' -f2; }
first_tick() { grep -o 'tick [0-9]*' "$work/$1.console" 2>/dev/null | head -1 | cut -d' ' -f2; }
# the list of vmon-guests' state file, sorted, on one line
listed() { sort "$work/state/vmon-guests" 2>/dev/null | tr '\n' ' '; }
tick_past() { [ "$(ticks "$1")" -gt "$2" ] 2>/dev/null; }
guests() { VMON=$V "$G" --config "$C" "$@"; }

. "$top/selftests/lib/nested.sh"
echo "1..11"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmon-vmm" ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmon-vmm, vmond and $kernel"
	exit 1
fi
cat >"$work/tick.sh" <<'GUEST'
#!/bin/sh
i=0
while :; do echo "tick $i"; i=$((i + 1)); sleep 0.5; done
GUEST
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/tick.sh"
for g in a b t; do
	cat >"$work/$g.xml" <<XML
<domain type='kvm'>
  <name>$g</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel>
    <initrd>$work/guest.cpio.gz</initrd><cmdline>quiet</cmdline></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <devices><serial type='pty'><target port='0'/></serial></devices>
</domain>
XML
done
cat >"$C" <<CONF
ON_SHUTDOWN=suspend
PARALLEL_SHUTDOWN=2
SHUTDOWN_TIMEOUT=120
SOCKET=$S
STATE_FILE=$work/state/vmon-guests
CONF
chmod 0644 "$C" # root's, not writable by others: vmon-guests reads it

start_vmond || { echo "Bail out! vmond did not come up"; exit 1; }
# boot NAME: the domain started (a, b) or created (t) and past its init,
# with the one retry of a kernel that died before it (nested.sh)
boot() {
	vmond_log_mark "$D/$1.log"
	if [ "$1" = t ]; then
		$V create -c "$S" "$work/t.xml" >/dev/null || return 1
	else
		$V define -c "$S" "$work/$1.xml" >/dev/null && $V start -c "$S" "$1" >/dev/null ||
			return 1
	fi
	attach "$1"
	# a transient domain is gone once dead: no retry for it
	if [ "$1" = t ]; then
		until_ok 240 grep -q "$nested_marker" "$work/t.console"
	else
		vmond_boot_or_retry "$V" "$S" "$1" "$work/$1.console" "$D/$1.log" attach "$1"
	fi
}
boot a && boot b && boot t && $V autostart -c "$S" a >/dev/null &&
	until_ok 120 tick_past a 2 && until_ok 120 tick_past b 2 && until_ok 120 tick_past t 2
ok $? three_guests_run "$(state a), $(state b), $(state t)"

# the ACPI power button reaches a guest once its acpid runs
power_button() { "$B/vmon-vmm" --call "$D/$1.sock" '{"cmd":"status"}' | grep -q '"power_button_enabled":true'; }
until_ok 120 power_button t
ta=$(ticks a) tb=$(ticks b)
guests stop >"$work/stop.log" 2>&1
st=$?
[ $st = 0 ] && grep -Eq "^Running guests on $S: (a b|b a) t$" "$work/stop.log" &&
	grep -q "^Suspending a: done$" "$work/stop.log" && grep -q "^Suspending b: done$" "$work/stop.log" &&
	grep -q "^Shutdown of guest t complete.$" "$work/stop.log"
ok $? stop_saves_persistent_shuts_down_transient "exit $st: $(tr '\n' '|' <"$work/stop.log")"
is_state a "shut off (saved)" && is_state b "shut off (saved)" && ! $V domstate -c "$S" t 2>/dev/null &&
	[ "$(listed)" = "a b " ]
ok $? saved_and_listed "$(state a), $(state b); list: $(listed)"

# the host's reboot: vmond starts again and autostarts a from its managed save
kill -9 "$vmond_pid"
wait "$vmond_pid" 2>/dev/null
for g in a b; do : >"$work/$g.console"; done
# (a new vmond knows no reason for b's shut off, as libvirtd after a restart;
# its managed save is kept for the next start)
has_save() { $V dominfo -c "$S" "$1" | grep -q '^Managed save: *yes$'; }
start_vmond && until_ok 60 is_state a "running (restored)" && is_state b "shut off (unknown)" &&
	has_save b && ! has_save a
ok $? vmond_restores_autostart_guest "$(state a), $(state b)"
attach a
guests start >"$work/start.log" 2>&1
st=$?
attach b
[ $st = 0 ] && grep -q "^Guest a is already active$" "$work/start.log" &&
	grep -q "^Resuming guest b: done$" "$work/start.log" && is_state b "running (restored)" &&
	[ ! -e "$work/state/vmon-guests" ]
ok $? start_resumes_the_rest "exit $st: $(tr '\n' '|' <"$work/start.log") $(state b)"
# both run on from where they were: the first tick seen after the restore
# is at least the last one seen before the save, and no init started again
until_ok 60 tick_past a "$ta" && until_ok 60 tick_past b "$tb" &&
	[ "$(first_tick a)" -ge "$ta" ] && [ "$(first_tick b)" -ge "$tb" ] &&
	! grep -q "$nested_marker" "$work/a.console" "$work/b.console"
ok $? workloads_continue "a $ta -> $(first_tick a)..$(ticks a), b $tb -> $(first_tick b)..$(ticks b)"

guests status >"$work/status.log" 2>&1 && grep -q "^No guests saved or shut down by vmon-guests.$" \
	"$work/status.log" && grep -Eq "^Running guests on $S: (a b|b a)$" "$work/status.log"
ok $? status "$(tr '\n' '|' <"$work/status.log")"

until_ok 120 power_button a && until_ok 120 power_button b
guests shutdown >"$work/down.log" 2>&1
st=$?
[ $st = 0 ] && grep -q "^Shutdown of guest a complete.$" "$work/down.log" &&
	grep -q "^Shutdown of guest b complete.$" "$work/down.log" &&
	is_state a "shut off (shutdown)" && is_state b "shut off (shutdown)"
ok $? shutdown_powers_off "exit $st: $(tr '\n' '|' <"$work/down.log") $(state a), $(state b)"
[ "$(listed)" = "a b " ]
ok $? shutdown_lists_them "$(listed)"

echo ON_BOOT=ignore >>"$C"
guests start >"$work/ign.log" 2>&1 && grep -q "configured not to start any guests" "$work/ign.log" &&
	is_state a "shut off (shutdown)" && is_state b "shut off (shutdown)" &&
	[ ! -e "$work/state/vmon-guests" ]
ok $? on_boot_ignore "$(tr '\n' '|' <"$work/ign.log") $(state a)"

echo ON_SHUTDOWN=hibernate >>"$C"
guests stop >"$work/bad.log" 2>&1
[ $? = 2 ] && grep -q "ON_SHUTDOWN='hibernate' is not suspend or shutdown" "$work/bad.log"
ok $? bad_setting_named "$(cat "$work/bad.log")"
exit $failed
