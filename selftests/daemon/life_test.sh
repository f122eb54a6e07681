#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real nested guest's life through vmond and the vmon CLI, inside the test
# VM with nested KVM: define (libvirt XML with parts we cannot honour, kept
# with a warning) -> start -> running (the guest's own ticks on its console)
# -> vmon console, and vmon console --devname console1 (its <console> with
# a virtio target, the guest's hvc0, where it ticks too) -> suspend/resume (the VMM reports paused, then ticks again) -> kill -9 of
# vmond, restart: still running, same VMM pid, ticks going on -> destroy ->
# shut off (destroyed) -> start, kill -9 of the VMM -> shut off (crashed) ->
# start, managedsave -> shut off (saved), listed "saved" -> start restores it:
# running (restored), the ticks go on from where they were -> save to a file,
# restore --paused from it -> paused, resume, the ticks go on -> managedsave,
# managedsave-remove -> start boots afresh -> shutdown -> in shutdown, the
# ACPI power button reaches the guest's acpid, which powers off -> shut off
# (shutdown).
#
# Usage: tools/vmtest -- build/selftests/daemon/life_test (prints TAP; root).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
kernel=$B/vmm-guest/vmlinuz
work=$(mktemp -d /tmp/life-test.XXXXXX)
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
n=0 failed=0 vmond_pid= con_pid=

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n daemon.$2"
	else
		echo "not ok $n daemon.$2${3:+ # $3}"
		# at the first failure: what the guest and its VMM said
		[ $failed = 0 ] && {
			tail -n 20 "$work/console" 2>/dev/null | tr -d '\r' | sed 's/^/# web console: /'
			tail -n 15 "$D/web.log" 2>/dev/null | sed 's/^/# web vmm: /'
		}
		failed=1
	fi
}
vmm_pid() { sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$D/web.status" 2>/dev/null; }
cleanup() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	p=$(vmm_pid)
	[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	[ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/daemon" &&
		cp "$work"/*.log "$work"/console "$D"/*.log "$VMTEST_OUT/daemon/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
start_vmond() {
	$B/vmond --foreground --root "$R" --vmm "$B/vmon-vmm" 2>>"$work/vmond.log" &
	vmond_pid=$!
	for _ in $(seq 100); do
		$V list -c "$S" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
# until SECONDS CMD...: wait for CMD to succeed (the assertion follows).
until_ok() {
	local i t=$1
	shift
	for ((i = 0; i < t * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
power_button_enabled() {
	"$B/vmon-vmm" --call "$D/web.sock" '{"cmd":"status"}' | grep -q '"power_button_enabled":true'
}
state() { $V domstate -c "$S" --reason web | head -1; }
is_state() { [ "$(state)" = "$1" ]; }
ticks() { grep -o 'tick [0-9]*' "$work/console" | tail -1 | cut -d' ' -f2; }
tick_past() { [ "$(ticks)" -gt "$1" ] 2>/dev/null; }
# The console: vmond starts the VMM with --console unix:...; read it to a file.
attach_console() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	"$top/selftests/lib/console-copy" "$D/web.console" "$work/console" &
	con_pid=$!
}
# booted: the start just made reached the guest's init; a guest whose kernel
# died before its init ran is started once more, printed as a nested-retry
# (selftests/lib/nested.sh). Before each start the console is emptied and
# vmond's VMM log marked, so that only this boot's lines count.
booted() { vmond_boot_or_retry "$V" "$S" web "$work/console" "$D/web.log" attach_console; }
fresh_boot() { : >"$work/console" && vmond_log_mark "$D/web.log"; }

. "$top/selftests/lib/nested.sh"
echo "1..28"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
modprobe vmon 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmon-vmm" ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmon-vmm, vmond and $kernel"
	exit 1
fi
cat >"$work/tick.sh" <<'GUEST'
#!/bin/sh
i=0
while :; do
	echo "tick $i"
	[ -c /dev/hvc0 ] && echo "hvc tick $i" >/dev/hvc0
	i=$((i + 1))
	sleep 0.5
done
GUEST
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/tick.sh"
# As virt-install --boot kernel=... writes it, with parts vmon-vmm ignores.
cat >"$work/web.xml" <<XML
<domain type='kvm'>
  <name>web</name>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$work/guest.cpio.gz</initrd>
    <cmdline>quiet</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <console type='pty'><target type='virtio' port='0'/></console>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>
XML

start_vmond
ok $? vmond_starts
$V define -c "$S" "$work/web.xml" >"$work/out.log" 2>&1 &&
	grep -q "Domain 'web' defined" "$work/out.log" && grep -q "emulator" "$work/out.log"
ok $? define_warns_and_keeps "$(tr '\n' ' ' <"$work/out.log")"

fresh_boot
$V start -c "$S" web >"$work/out.log" 2>&1
r=$?
attach_console
[ $r = 0 ] && booted && is_state "running (booted)" &&
	$V list -c "$S" | grep -Eq '^ [0-9]+ +web +running$'
ok $? start_running "$(tr '\n' ' ' <"$work/out.log") $(state)"
until_ok 120 tick_past 2
ok $? guest_runs "$(tail -c 300 "$work/console" | tr '\n' ' ')"
# vmon console: the guest's ticks through it, ctrl-] to leave (then the
# reader above takes the console back).
{
	for _ in $(seq 240); do
		grep -q 'tick [0-9]' "$work/vcon" 2>/dev/null && break
		sleep 0.5
	done
	printf '\035'
} | timeout 120 $V console -c "$S" web >"$work/vcon"
r=$?
[ $r = 0 ] && grep -q "Connected to domain 'web'" "$work/vcon" && grep -q 'tick [0-9]' "$work/vcon"
ok $? console_shows_guest "exit $r: $(head -c 300 "$work/vcon" | tr '\n' ' ')"
attach_console
# --devname console1: hvc0, whose ticks the guest writes there alone
{
	for _ in $(seq 240); do
		grep -q 'hvc tick [0-9]' "$work/hcon" 2>/dev/null && break
		sleep 0.5
	done
	printf '\035'
} | timeout 120 $V console -c "$S" web --devname console1 >"$work/hcon"
r=$?
[ $r = 0 ] && grep -q 'hvc tick [0-9]' "$work/hcon" && ! grep -v 'hvc tick' "$work/hcon" | grep -q 'tick [0-9]'
ok $? console_devname_console1_is_hvc0 "exit $r: $(head -c 300 "$work/hcon" | tr '\n' ' ')"
$V console -c "$S" web --devname parallel0 </dev/null >"$work/out.log" 2>&1
r=$?
[ $r = 2 ] && grep -q "devname 'parallel0': not serial0, console0 or console1" "$work/out.log"
ok $? console_devname_unknown_refused "exit $r: $(cat "$work/out.log")"

$V suspend -c "$S" web >/dev/null && is_state "paused (user)" &&
	"$B/vmon-vmm" --call "$D/web.sock" '{"cmd":"status"}' | grep -q '"state":"paused"'
ok $? suspend_pauses_the_vmm "$(state)"
t=$(ticks)
$V resume -c "$S" web >/dev/null && is_state "running (unpaused)" && until_ok 60 tick_past "$t"
ok $? resume_runs_again "$(state) ticks $t -> $(ticks)"

# a running domain: no device hotplug (refused, nothing changed); --config
# changes only the persistent definition, for the next start (libvirt's
# newDef), shown by dumpxml --inactive and kept over vmond's restart below
cp "$R/etc/vmon/domains/web.xml" "$work/def.before"
truncate -s 1M "$work/extra.raw"
! $V attach-interface -c "$S" web bridge br0 --live 2>"$work/out.log" &&
	grep -q 'vmon-vmm has no PCI hotplug' "$work/out.log" &&
	cmp -s "$R/etc/vmon/domains/web.xml" "$work/def.before" &&
	$V attach-disk -c "$S" web "$work/extra.raw" vdz --config >/dev/null 2>"$work/out2.log" &&
	$V setmem -c "$S" web 200M --config >/dev/null 2>>"$work/out2.log" &&
	$V dumpxml -c "$S" web --inactive >"$work/inactive.xml" &&
	grep -q "<target dev=\"vdz\"" "$work/inactive.xml" &&
	grep -q '<currentMemory unit="KiB">204800<' "$work/inactive.xml" &&
	grep -q "vdz" "$R/etc/vmon/domains/web.xml" &&
	! $V dumpxml -c "$S" web | grep -q vdz &&
	$V dumpxml -c "$S" web | grep -q '<currentMemory unit="KiB">262144<' &&
	is_state "running (unpaused)"
ok $? config_change_of_running_is_for_next_start "$(cat "$work/out.log" "$work/out2.log" | tr '\n' ' ') $(state)"
pid=$(vmm_pid)
kill -9 "$vmond_pid"
wait "$vmond_pid" 2>/dev/null
vmond_pid=
kill -0 "$pid"
ok $? vmm_outlives_vmond
start_vmond && is_state "running (unpaused)" && [ "$(vmm_pid)" = "$pid" ] &&
	$V dominfo -c "$S" web | grep -Eq '^State: +running$'
ok $? restart_reconnects_same_vmm "$(state) pid $pid -> $(vmm_pid)"
t=$(ticks)
until_ok 60 tick_past "$t"
ok $? guest_uninterrupted "ticks $t -> $(ticks)"

$V dumpxml -c "$S" web --inactive | grep -q vdz && ! $V dumpxml -c "$S" web | grep -q vdz &&
	$V detach-disk -c "$S" web vdz --config >/dev/null && $V setmem -c "$S" web 256M --config >/dev/null &&
	! $V dumpxml -c "$S" web --inactive | grep -q vdz && ! grep -q vdz "$R/etc/vmon/domains/web.xml"
ok $? pending_definition_kept_over_vmond_restart

$V destroy -c "$S" web >/dev/null && is_state "shut off (destroyed)" && ! kill -0 "$pid" 2>/dev/null &&
	[ "$($V domid -c "$S" web | head -1)" = - ]
ok $? destroy_shuts_off "$(state)"

fresh_boot
$V start -c "$S" web >/dev/null && attach_console && booted && until_ok 120 tick_past 2
pid=$(vmm_pid)
[ -n "$pid" ] && kill -9 "$pid" && until_ok 30 is_state "shut off (crashed)"
ok $? vmm_killed_is_crashed "$(state)"
[ ! -e "$D/web.status" ]
ok $? status_file_removed

# managedsave: shut off (saved); start restores the guest where it was.
# (The console file is emptied first: ticks of the guests before would
# pass for this one's.)
fresh_boot
$V start -c "$S" web >/dev/null && attach_console && booted && until_ok 120 tick_past 4
pid=$(vmm_pid)
$V managedsave -c "$S" web >"$work/out.log" 2>&1 && grep -q "Domain 'web' state saved" "$work/out.log" &&
	is_state "shut off (saved)" && ! kill -0 "$pid" 2>/dev/null &&
	[ -f "$R/var/lib/vmon/save/web/memory" ] && [ -f "$R/var/lib/vmon/save/web/domain.xml" ] &&
	$V list -c "$S" --all --managed-save | grep -Eq '^ - +web +saved$' &&
	$V list -c "$S" --all | grep -Eq '^ - +web +shut off$' &&
	$V dominfo -c "$S" web | grep -Eq '^Managed save: +yes$'
ok $? managedsave_saves_and_stops "$(tr '\n' ' ' <"$work/out.log") $(state)"
t=$(ticks)
$V undefine -c "$S" web >"$work/out.log" 2>&1
[ $? != 0 ] && grep -q "managed save image exists" "$work/out.log" && [ -f "$R/etc/vmon/domains/web.xml" ]
ok $? undefine_refused_with_managed_save "$(tr '\n' ' ' <"$work/out.log")"
: >"$work/console"
$V start -c "$S" web >"$work/out.log" 2>&1 && attach_console && is_state "running (restored)" &&
	until_ok 60 tick_past "$t" && [ ! -e "$R/var/lib/vmon/save/web" ] &&
	$V dominfo -c "$S" web | grep -Eq '^Managed save: +no$'
ok $? start_restores_managed_save "$(tr '\n' ' ' <"$work/out.log") $(state) ticks $t -> $(ticks)"
# the guest went on from its saved moment: no tick 0 (a boot) on the console
! grep -Eq 'tick 0([^0-9]|$)' "$work/console"
ok $? restored_guest_did_not_boot "$(head -c 200 "$work/console" | tr '\n' ' ')"

# save to a file (a directory), restore --paused from it
$V save -c "$S" web "$work/web.save" >"$work/out.log" 2>&1 &&
	grep -q "Domain 'web' saved to $work/web.save" "$work/out.log" && is_state "shut off (saved)" &&
	[ -f "$work/web.save/args" ] && [ "$(stat -c %a "$work/web.save")" = 700 ]
ok $? save_to_file "$(tr '\n' ' ' <"$work/out.log") $(state)"
t=$(ticks)
$V save -c "$S" web "$work/web.save" >"$work/out2.log" 2>&1
[ $? != 0 ] && grep -q "not running" "$work/out2.log"
ok $? save_of_shut_off_refused "$(tr '\n' ' ' <"$work/out2.log")"
(cd "$work" && $V restore -c "$S" --paused web.save) >"$work/out.log" 2>&1 && attach_console &&
	grep -q "Domain restored from $work/web.save" "$work/out.log" && is_state "paused (user)" &&
	$V resume -c "$S" web >/dev/null && until_ok 60 tick_past "$t" && [ -d "$work/web.save" ]
ok $? restore_from_file_paused "$(tr '\n' ' ' <"$work/out.log") $(state) ticks $t -> $(ticks)"

# a save never writes over what is there: refused, nothing touched, still running
mkdir "$work/taken" && echo keep >"$work/taken/data"
$V save -c "$S" web "$work/taken" >"$work/out2.log" 2>&1
[ $? != 0 ] && grep -q "already exists" "$work/out2.log" && [ "$(cat "$work/taken/data")" = keep ] &&
	[ "$(ls "$work/taken")" = data ] && is_state "running (unpaused)"
ok $? save_over_existing_refused "$(tr '\n' ' ' <"$work/out2.log") $(state)"

# managedsave-remove: the next start boots afresh
$V managedsave -c "$S" web >/dev/null 2>&1 &&
	$V managedsave-remove -c "$S" web | grep -q "Removed managedsave image for domain 'web'" &&
	[ ! -e "$R/var/lib/vmon/save/web" ] &&
	$V managedsave-remove -c "$S" web | grep -q "has no manage save image"
ok $? managedsave_remove "$(state)"

fresh_boot
$V start -c "$S" web >/dev/null && attach_console && booted && is_state "running (booted)" &&
	until_ok 120 tick_past 2 &&
	until_ok 60 power_button_enabled && $V shutdown -c "$S" web | grep -q "is being shutdown" &&
	until_ok 60 is_state "shut off (shutdown)" && grep -q "guest-power: power button" "$work/console"
ok $? shutdown_is_the_power_button "$(state)"
$V undefine -c "$S" web >/dev/null && ! $V domstate -c "$S" web 2>/dev/null &&
	[ ! -e "$R/etc/vmon/domains/web.xml" ]
ok $? undefine_removes
[ $failed = 0 ]
