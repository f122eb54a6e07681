#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20 vmon clients at once against one vmond, with real nested guests, in the
# test VM (issue 17's "20 CLI clients in parallel defining, starting and
# destroying with no lost update and no corrupted file"; parallel_test does
# the definitions alone on the host): each client defines a domain of its
# own and starts it, all at the same time; then all 20 are up, each on a VMM
# of its own (20 different live pids, each the one its status file names),
# every status file whole JSON; then 20 destroy at once: all shut off
# (destroyed), no VMM left, no status file left, every definition still
# libvirt-valid XML, no temporary file anywhere.
#
# The guests start with --paused: every VMM is made whole (KVM VM, memory,
# kernel loaded, devices, API socket) but no vCPU runs, because 20 booting
# kernels would need 20 x 65 MiB to decompress and minutes of CPU in the
# test VM's 2 GiB and 2 CPUs. What is under test is vmond and its files;
# guests that boot at once are crash_test's and guests_test's. Prints TAP.
# Run as root from the top of the tree.
set -u
# installed as build/selftests/daemon/parallel_vm_test
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
dom=p1 tag=parallel
. "$top/selftests/lib/guest_suite.sh"
DOMS=$R/etc/vmon/domains
N=20
suite_cleanup() {
	local i p
	for ((i = 2; i <= N; i++)); do
		p=$(vmm_pid "p$i")
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	done
}

echo "1..5"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmond and $kernel"
	exit 1
fi
printf '#!/bin/sh\nwhile :; do sleep 5; done\n' >"$work/idle.sh"
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/idle.sh"
# at_once CMD: CMD I for I in 1..N at the same time; false if any failed,
# naming it
at_once() {
	local pids=() i rc=0
	for ((i = 1; i <= N; i++)); do
		"$@" "$i" >"$work/c$i.out" 2>"$work/c$i.err" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" ||
			{ echo "# client $((i + 1)): $(tr '\n' ' ' <"$work/c$((i + 1)).err")"; rc=1; }
	done
	return $rc
}
define_start() {
	guest_xml "p$1" 128 >"$work/p$1.xml" && $V define -c "$S" "$work/p$1.xml" &&
		$V start -c "$S" --paused "p$1"
}
destroy() { $V destroy -c "$S" "p$1"; }

# every p1..pN in state $1 (reason $2)
all_in() {
	[ "$($V list -c "$S" --all | awk -v s="$1" '$2 ~ /^p[0-9]+$/ && $3 " " $4 ~ "^" s { n++ } END { print n + 0 }')" = "$N" ] &&
		for ((i = 1; i <= N; i++)); do
			[ "$($V domstate -c "$S" "p$i" --reason)" = "$1 ($2)" ] || return 1
		done
}
vmm_pids_distinct_and_alive() {
	local i p pids=()
	for ((i = 1; i <= N; i++)); do
		p=$(vmm_pid "p$i")
		[ -n "$p" ] && kill -0 "$p" && python3 -m json.tool "$D/p$i.status" >/dev/null ||
			{ echo "# p$i: pid '${p:-}', status $(head -c 200 "$D/p$i.status" 2>&1)"; return 1; }
		pids+=("$p")
	done
	[ "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" = "$N" ]
}
files_whole() {
	local f
	for f in "$DOMS"/*.xml; do
		virt-xml-validate "$f" domain >/dev/null || { echo "# $f is not valid"; return 1; }
	done
	[ "$(ls "$DOMS" | grep -c '^p[0-9]*\.xml$')" = "$N" ] &&
		! ls -A "$DOMS" "$D" | grep -E '\.tmp|~$|^\.'
}

vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log" || exit 1
at_once define_start
ok $? parallel.define_and_start_20_at_once
until_ok 60 all_in paused user
ok $? parallel.all_20_up "$($V list -c "$S" --all | tr -s ' ' | tr '\n' '|')"
vmm_pids_distinct_and_alive
ok $? parallel.each_on_its_own_vmm
at_once destroy && until_ok 30 all_in "shut off" destroyed
ok $? parallel.destroy_20_at_once "$($V list -c "$S" --all | tr -s ' ' | tr '\n' '|')"
left=$(pgrep -f "vmon-vmm.*$work" | tr '\n' ' ')
[ -z "$left" ] && [ -z "$(ls "$D" | grep '\.status$')" ] && files_whole
ok $? parallel.nothing_left_nothing_corrupted "VMMs left: ${left:-none}; $(ls "$D" | tr '\n' ' ')"
tap_status || {
	tail -n 20 "$work/vmond.log" 2>/dev/null | sed 's/^/# vmond: /'
	false
}
