#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The idle state (virsh's "idle", libvirt's BLOCKED) under vmond
# --report-idle, on a real nested guest in the test VM: while the guest's
# init sleeps, its vCPU sits halted (KVM's "blocking" statistic, which the
# VMM reads) and the domain is idle, domstats saying vcpu.0.halted=yes;
# once it spins, the domain is running again and vcpu.0.halted=no; without
# --report-idle (the default, as libvirt's QEMU driver) a sleeping guest
# stays running. Prints TAP. Run as root from the top of the tree.
set -u
# installed as build/selftests/daemon/idle_test
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
dom=id tag=idle
. "$top/selftests/lib/guest_suite.sh"
state_is() { [ "$($V domstate -c "$S" id)" = "$1" ]; }
halted_is() { $V domstats -c "$S" id | grep -q "^  vcpu.0.halted=$1\$"; }
# halt_share: the share of 2 s the vCPU waited halted (a diagnostic)
halt_share() {
	local a b
	a=$("$B/vmon-vmm" --call "$D/id.sock" '{"cmd":"status"}' | grep -o '"halt_wait_ns":[0-9]*' | cut -d: -f2)
	sleep 2
	b=$("$B/vmon-vmm" --call "$D/id.sock" '{"cmd":"status"}' | grep -o '"halt_wait_ns":[0-9]*' | cut -d: -f2)
	echo "halted $(((${b:-0} - ${a:-0}) / 20000000))% of 2 s"
}
# start_phase [ARG...]: a vmond with the ARGs, the guest booted under it
start_phase() {
	rm -f "$work/console"
	vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log" "$@" &&
		vmond_log_mark "$D/id.log" && $V start -c "$S" id >/dev/null && attach_console && booted
}
stop_phase() {
	$V destroy -c "$S" id >/dev/null
	kill "$con_pid" 2>/dev/null
	con_pid=
	vmond_down
}

echo "1..4"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmond and $kernel"
	exit 1
fi
cat >"$work/phases.sh" <<'GUEST'
#!/bin/sh
# sleep 40 s (the vCPU halts), then spin
echo "IDLE-PHASE"
sleep 40
echo "BUSY-PHASE"
while :; do :; done
GUEST
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/phases.sh"
guest_xml id 256 >"$work/id.xml"
vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log" && $V define -c "$S" "$work/id.xml" >/dev/null &&
	vmond_down

# the default: a sleeping guest is running, as libvirt's QEMU driver says
start_phase && until_ok 60 on_console IDLE-PHASE && until_ok 10 halted_is yes && sleep 3 &&
	state_is running
ok $? idle.not_reported_by_default "$($V domstate -c "$S" id --reason); $($V domstats -c "$S" id | grep halted)"
stop_phase

start_phase --report-idle && until_ok 60 on_console IDLE-PHASE && until_ok 25 state_is idle &&
	halted_is yes && [ "$($V domstate -c "$S" id --reason)" = "idle (unknown)" ] &&
	$V list -c "$S" | awk '$2 == "id" && $3 == "idle" { f = 1 } END { exit !f }'
rc=$?
echo "# sleeping: $(halt_share)"
ok $rc idle.sleeping_guest_is_idle "$($V domstate -c "$S" id --reason); $($V domstats -c "$S" id | grep halted)"

until_ok 60 on_console BUSY-PHASE && until_ok 20 state_is running && halted_is no
ok $? idle.spinning_guest_runs "$($V domstate -c "$S" id --reason); $($V domstats -c "$S" id | grep halted)"

stop_phase
vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log" && $V undefine -c "$S" id >/dev/null
ok $? idle.undefine
tap_status || {
	tail -n 10 "$work/console" 2>/dev/null | tr -d '\r' | sed 's/^/# id console: /'
	tail -n 15 "$D/id.log" 2>/dev/null | sed 's/^/# id vmm: /'
	tail -n 10 "$work/vmond.log" 2>/dev/null | sed 's/^/# vmond: /'
	false
}
