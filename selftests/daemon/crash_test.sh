#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest power events through vmond, in the test VM with nested KVM, two
# guests side by side:
#   pm  on_crash preserve: the guest suspends itself to RAM (S3) ->
#       pmsuspended; dompmwakeup -> running (wakeup), its ticks go on; it
#       then panics -> crashed (panicked), the VMM held paused; destroy ->
#       shut off (destroyed). dompmsuspend is refused (no agent channel in
#       its XML; while pmsuspended, as libvirt, because it is).
#   cr  setmem 128M: the balloon inflates (domstats balloon.current, the
#       guest's MemTotal), setmem 256M gives it back (the guest's MemTotal);
#       the guest then panics,
#       on_crash destroy -> shut off (crashed).
#   ag  the guest agent's channel, Debian's qemu-guest-agent in the guest
#       (selftests/vmm/qga-initrd): qemu-agent-command guest-ping answers;
#       domifaddr --source agent lists lo;
#       dompmsuspend mem goes through the agent (guest-suspend-ram) ->
#       pmsuspended; dompmwakeup -> running, its ticks go on; shutdown
#       --mode agent (guest-shutdown) -> shut off (shutdown). It has
#       <vcpu current='1'>2</vcpu>: setvcpus 2 hot-adds a vCPU, which the
#       guest onlines (dominfo then says 2); setvcpus 3 is refused.
# vmon event --loop --event lifecycle sees each step with libvirt's names.
#
# Usage: tools/vmtest -- build/selftests/daemon/crash_test (prints TAP; root).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=${VMON_BUILD:-$top/build}
V=$B/vmon
kernel=$top/build/vmm-guest/vmlinuz
work=$(mktemp -d /tmp/crash-test.XXXXXX)
# logs and consoles where the host can read them while the test runs
L=$work
[ -n "${VMTEST_OUT:-}" ] && L=$VMTEST_OUT/daemon-crash && mkdir -p "$L"
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
n=0 failed=0 vmond_pid= ev_pid= con_pids=

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n daemon.$2"
	else
		echo "not ok $n daemon.$2${3:+ # $3}"
		[ $failed = 0 ] && why "${2%%.*}"
		failed=1
	fi
}
why() { # why DOMAIN: at the first failure, what its guest and VMM said
	[ -f "$L/$1.console" ] || return 0
	tail -n 25 "$L/$1.console" | tr -d '\r' | sed "s/^/# $1 console: /"
	tail -n 15 "$D/$1.log" 2>/dev/null | sed "s/^/# $1 vmm: /"
}
cleanup() {
	for p in $con_pids $ev_pid; do kill "$p" 2>/dev/null; done
	for d in pm cr ag; do
		p=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$D/$d.status" 2>/dev/null)
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	done
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	[ "$L" != "$work" ] && cp "$D"/*.log "$L/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
until_ok() { # until_ok SECONDS CMD...: CMD succeeds within SECONDS (then asserted)
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	"$@" >/dev/null 2>&1
}
state() { $V domstate -c "$S" --reason "$1" | head -1; }
is_state() { [ "$(state "$1")" = "$2" ]; }
ticks() { grep -o 'tick [0-9]*' "$L/$1.console" | tail -1 | cut -d' ' -f2; }
tick_past() { [ "$(ticks "$1")" -gt "$2" ] 2>/dev/null; }
attach_console() { # attach_console DOMAIN: its console into DOMAIN.console
	"$top/selftests/lib/console-copy" "$D/$1.console" "$L/$1.console" &
	con_pids="$con_pids $!"
}
balloon_is() { $V domstats -c "$S" "$1" | grep -q "^  balloon.current=$2\$"; }
has_event() { grep -q "event 'lifecycle' for domain '$1': $2\$" "$L/events.log"; }

. "$top/selftests/lib/nested.sh"
echo "1..20"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmon-vmm" ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmon-vmm, vmond and $kernel"
	exit 1
fi
# pm: ticks; at 6 it suspends to RAM (held there until woken); at 16 it panics.
cat >"$work/pm.sh" <<'GUEST'
#!/bin/sh
i=0
while :; do
	echo "tick $i"
	[ $i = 6 ] && echo "going to S3" && echo mem >/sys/power/state && echo "back from S3"
	[ $i = 16 ] && echo c >/proc/sysrq-trigger
	i=$((i + 1))
	sleep 0.5
done
GUEST
# cr: waits for the host to shrink its balloon to 128 MiB (its MemTotal
# drops), then to give the memory back; then panics.
cat >"$work/cr.sh" <<'GUEST'
#!/bin/sh
mt() { awk '/MemTotal/ { print $2 }' /proc/meminfo; }
full=$(mt)
echo "memtotal $full kB"
i=0 phase=0
while :; do
	echo "tick $i"
	m=$(mt)
	[ $phase = 0 ] && [ "$m" -lt $((full - 65536)) ] && echo "ballooned to $m kB" && phase=1
	[ $phase = 1 ] && [ "$m" -gt $((full - 16384)) ] && echo "deflated to $m kB" &&
		echo c >/proc/sysrq-trigger
	i=$((i + 1))
	sleep 0.5
done
GUEST
# ag: the agent, and ticks.
cat >"$work/ag.sh" <<'GUEST'
#!/bin/sh
ip link set lo up
start-qga
i=0
while :; do
	# CPUs hot-added come offline: online them, as a udev rule would
	for f in /sys/devices/system/cpu/cpu*/online; do
		[ "$(cat "$f")" = 0 ] && echo 1 >"$f"
	done
	echo "tick $i online $(cat /sys/devices/system/cpu/online)"
	i=$((i + 1))
	sleep 0.5
done
GUEST
agent_channel="<channel type='unix'><source mode='bind'/>
<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
for d in pm cr ag; do
	selftests/vmm/mkinitrd "$work/$d.cpio.gz" "$work/$d.sh"
	if [ $d = ag ] && ! selftests/vmm/qga-initrd "$work/$d.cpio.gz"; then
		echo "Bail out! selftests/vmm/qga-initrd failed"
		exit 1
	fi
	action=preserve
	[ $d != pm ] && action=destroy
	cat >"$work/$d.xml" <<XML
<domain type='kvm'>
  <name>$d</name>
  <memory unit='MiB'>256</memory>
  <vcpu$([ $d = ag ] && echo " current='1'")>$([ $d = ag ] && echo 2 || echo 1)</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel><initrd>$work/$d.cpio.gz</initrd></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>$action</on_crash>
  <devices><serial type='pty'/>$([ $d = cr ] && echo "<memballoon model='virtio'/>")$(
	[ $d = ag ] && echo "$agent_channel")</devices>
</domain>
XML
done

$B/vmond --foreground --root "$R" --vmm "$B/vmon-vmm" 2>>"$L/vmond.log" &
vmond_pid=$!
until_ok 10 $V list -c "$S"
$V event -c "$S" --loop --event lifecycle >"$L/events.log" 2>&1 &
ev_pid=$!
until_ok 30 grep -q "event client subscribed" "$L/vmond.log"
r=0
for d in pm cr; do
	{ $V define -c "$S" "$work/$d.xml" && $V start -c "$S" "$d"; } >>"$L/out.log" 2>&1 || r=1
	attach_console $d
done
# each guest's init started (a kernel dead before it is started once more)
for d in pm cr; do
	vmond_boot_or_retry "$V" "$S" $d "$L/$d.console" "$D/$d.log" attach_console $d || r=1
done
ok $r both_start "$(tr '\n' ' ' <"$L/out.log")"
$V dompmsuspend -c "$S" pm mem 2>"$work/pms.err"
[ $? = 1 ] && grep -q "guest agent" "$work/pms.err"
ok $? pm.dompmsuspend_refused_without_agent "$(cat "$work/pms.err")"

$V setmem -c "$S" cr 128M >/dev/null && $V dumpxml -c "$S" cr | grep -q ">131072</currentMemory>" &&
	until_ok 240 balloon_is cr 131072 && until_ok 60 grep -q "ballooned to" "$L/cr.console"
ok $? cr.setmem_inflates_the_balloon "$($V domstats -c "$S" cr | grep balloon | tr '\n' ' ')"
# the guest panics once it has its memory back: its console says so
$V setmem -c "$S" cr 256M >/dev/null && $V dumpxml -c "$S" cr | grep -q ">262144</currentMemory>" &&
	until_ok 240 grep -q "deflated to" "$L/cr.console"
ok $? cr.setmem_gives_it_back "$(grep -a "memtotal\|ballooned\|deflated" "$L/cr.console" | tr '\r\n' '  ')"

until_ok 240 is_state pm "pmsuspended (unknown)"
ok $? pm.guest_s3_is_pmsuspended "$(state pm); $(tail -c 200 "$L/pm.console" | tr '\r\n' '  ')"
$V dompmsuspend -c "$S" pm mem 2>"$work/pms.err"
[ $? = 1 ] && grep -q "domain is pmsuspended" "$work/pms.err"
ok $? pm.dompmsuspend_of_pmsuspended_refused "$(cat "$work/pms.err")"
# ticks after 6 come after the guest's S3 returned (the console may lose the
# kernel's resume lines, so no message of the guest's is awaited)
$V dompmwakeup -c "$S" pm >/dev/null && is_state pm "running (event wakeup)" &&
	until_ok 60 tick_past pm 7
ok $? pm.dompmwakeup_runs_on "$(state pm); ticks $(ticks pm)"

until_ok 240 is_state cr "shut off (crashed)"
ok $? cr.panic_with_destroy_is_shut_off_crashed "$(state cr)"
[ ! -e "$D/cr.status" ]
ok $? cr.vmm_gone

until_ok 120 is_state pm "crashed (panicked)"
ok $? pm.panic_with_preserve_is_crashed "$(state pm)"
"$B/vmon-vmm" --call "$D/pm.sock" '{"cmd":"status"}' >"$work/pm.st" 2>&1
grep -q '"state":"paused"' "$work/pm.st" && grep -q '"panicked":true' "$work/pm.st"
ok $? pm.crashed_vmm_kept_paused "$(cat "$work/pm.st" | head -c 300)"
$V destroy -c "$S" pm >/dev/null && is_state pm "shut off (destroyed)"
ok $? pm.destroy_after_crash "$(state pm)"

# ag: started once pm and cr are done (three nested guests booting at once
# load the test VM's TCG more than the suites need); the agent opens its
# port a moment after the guest's init starts it
{ $V define -c "$S" "$work/ag.xml" && $V start -c "$S" ag; } >>"$L/out.log" 2>&1
attach_console ag
vmond_boot_or_retry "$V" "$S" ag "$L/ag.console" "$D/ag.log" attach_console ag
agent_ping() { $V qemu-agent-command -c "$S" ag '{"execute":"guest-ping"}' --timeout 20; }
until_ok 180 agent_ping
out=$(agent_ping 2>&1)
[ "$out" = '{"return":{}}' ]
ok $? ag.qemu_agent_command_guest_ping "$out; $(grep -a "AGENT" "$L/ag.console" | tr -d '\r')"
$V domifaddr -c "$S" ag --source agent >"$work/agi.out" 2>&1 &&
	grep -Eq '^ lo +00:00:00:00:00:00 +ipv4 +127\.0\.0\.1/8$' "$work/agi.out"
ok $? ag.domifaddr_source_agent "$(tr '\n' '|' <"$work/agi.out")"
# vCPU hot add through vmond (issue 16 item 3); domstats' vcpu.N.* follow:
# vCPU 1 offline (state 0) before, running (1) with its thread's time after
$V domstats -c "$S" ag >"$work/ags0.out" 2>&1
$V setvcpus -c "$S" ag 2 >"$work/agv.out" 2>&1 && until_ok 90 grep -q "online 0-1" "$L/ag.console" &&
	$V dominfo -c "$S" ag | grep -Eq '^CPU\(s\): +2$' &&
	grep -q '^  vcpu.1.state=0$' "$work/ags0.out" && grep -Eq '^  vcpu.0.time=[1-9]' "$work/ags0.out" &&
	$V domstats -c "$S" ag >"$work/ags1.out" && grep -q '^  vcpu.1.state=1$' "$work/ags1.out" &&
	grep -Eq '^  vcpu.1.time=[1-9]' "$work/ags1.out" && grep -Eq '^  vcpu.1.wait=[0-9]' "$work/ags1.out"
ok $? ag.setvcpus_hot_adds_a_cpu "$(cat "$work/agv.out"); $(grep vcpu "$work/ags0.out" "$work/ags1.out" | tr '\n' ' '); $(tail -n 2 "$L/ag.console" | tr -d '\r' | tr '\n' '|')"
$V setvcpus -c "$S" ag 3 >"$work/agv.out" 2>&1
[ $? = 1 ] && grep -q "not within 1..2" "$work/agv.out"
ok $? ag.setvcpus_beyond_the_maximum_refused "$(cat "$work/agv.out")"
$V dompmsuspend -c "$S" ag mem >"$work/ags.out" 2>&1 && until_ok 120 is_state ag "pmsuspended (unknown)"
ok $? ag.dompmsuspend_through_the_agent_is_pmsuspended "$(state ag); $(cat "$work/ags.out")"
t=$(ticks ag)
$V dompmwakeup -c "$S" ag >/dev/null && is_state ag "running (event wakeup)" &&
	until_ok 60 tick_past ag "$((t + 2))"
ok $? ag.dompmwakeup_runs_on "$(state ag); ticks $t then $(ticks ag)"
# the agent answers again some time after the guest's resume: once, with
# the hot-added vCPU brought back up in the resume too, it did not answer
# within the 5 s a shutdown waits right after dompmwakeup; a dead channel
# still fails here, after 60 s
until_ok 60 agent_ping
$V shutdown -c "$S" --mode agent ag >"$work/agd.out" 2>&1 && until_ok 120 is_state ag "shut off (shutdown)"
ok $? ag.shutdown_mode_agent_shuts_off "$(state ag); $(cat "$work/agd.out")"

until_ok 10 has_event cr "Stopped Crashed"
kill "$ev_pid" 2>/dev/null
ev_pid=
r=0
for e in "pm:Defined Added" "pm:Started Booted" "pm:PMSuspended Memory" \
	"pm:Started Event wakeup" "pm:Crashed Panicked" "pm:Stopped Destroyed" \
	"cr:Crashed Panicked" "cr:Stopped Crashed" "ag:PMSuspended Memory" \
	"ag:Stopped Shutdown"; do
	has_event "${e%%:*}" "${e#*:}" || { r=1; echo "# missing event: $e"; }
done
ok $r lifecycle_events_with_libvirt_names "$(tr '\n' '|' <"$L/events.log" | tail -c 600)"
[ $failed = 0 ]
