#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20 vmon clients at once against one vmond --foreground in a temporary
# root, on the host (issue 17's "no lost update and no corrupted file"):
# each defines a domain of its own, adds an interface of its own to one
# shared domain's definition and sets its autostart, all at the same time;
# then every domain is there, the shared one has all 20 interfaces, every
# file on disk is libvirt-valid XML (virt-xml-validate) and no temporary
# file is left; then 20 undefine at once leave only the shared one. Starting
# and destroying 20 real guests at once is parallel_vm_test's.
set -u
B=${VMON_BUILD:-build}
V=$B/vmon
T=$(mktemp -d /tmp/parallel_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
DOMS=$R/etc/vmon/domains
N=20
vmond_pid=

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vmond.sh"
cleanup() {
	[ -n "$vmond_pid" ] && vmond_down
	rm -rf "$T"
}
trap cleanup EXIT
domxml() { # domxml NAME
	cat <<-EOF
		<domain type='kvm'><name>$1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
		<os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os>
		<devices/></domain>
	EOF
}
# client I: its own domain, an interface on the shared one, its autostart
client() {
	local i=$1 mac
	mac=$(printf '52:54:00:00:01:%02x' "$i")
	domxml "d$i" >"$T/d$i.xml"
	$V define -c "$S" "$T/d$i.xml" >/dev/null &&
		$V attach-interface -c "$S" shared bridge br0 --mac "$mac" --config >/dev/null &&
		$V autostart -c "$S" "d$i" >/dev/null
}

t_parallel_define_attach() {
	local pids=() i rc=0
	domxml shared >"$T/shared.xml"
	$V define -c "$S" "$T/shared.xml" >/dev/null || return 1
	for ((i = 1; i <= N; i++)); do
		client "$i" 2>"$T/client$i.err" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { echo "client $((i + 1)) failed:"; cat "$T/client$((i + 1)).err"; rc=1; }
	done
	return $rc
}

t_nothing_lost() {
	local i
	[ "$($V list -c "$S" --all --name | grep -c '^d[0-9]*$')" = "$N" ] || return 1
	[ "$($V list -c "$S" --all --autostart --name | grep -c '^d[0-9]*$')" = "$N" ] || return 1
	# in vmond and on disk: every MAC once
	$V domiflist -c "$S" shared >"$T/l" || return 1
	for ((i = 1; i <= N; i++)); do
		grep -q "$(printf '52:54:00:00:01:%02x' "$i")" "$T/l" &&
			grep -q "$(printf '52:54:00:00:01:%02x' "$i")" "$DOMS/shared.xml" ||
			{ echo "interface $i lost"; cat "$T/l"; return 1; }
	done
	[ "$(grep -c '<interface' "$DOMS/shared.xml")" = "$N" ]
}

t_files_whole() {
	local f
	for f in "$DOMS"/*.xml; do
		virt-xml-validate "$f" domain >/dev/null || { echo "$f:"; cat "$f"; return 1; }
	done
	# no temporary file of an atomic write left behind
	! ls -A "$DOMS" "$R/etc/vmon/autostart" | grep -v -E '^(d[0-9]+|shared)(\.xml)?$|^$|:$'
}

t_restart() {
	vmond_down
	vmond_up "$B/vmond" "$R" /nonexistent/vmon-vmm "$T/vmond.log" && t_nothing_lost
}

t_parallel_undefine() {
	local pids=() i
	for ((i = 1; i <= N; i++)); do
		$V undefine -c "$S" "d$i" >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || return 1; done
	[ "$($V list -c "$S" --all --name | grep -c .)" = 1 ] &&
		[ "$(ls "$DOMS")" = shared.xml ] && [ -z "$(ls -A "$R/etc/vmon/autostart")" ]
}

echo "TAP version 13"
echo "1..5"
vmond_up "$B/vmond" "$R" /nonexistent/vmon-vmm "$T/vmond.log" || exit 1
ok_run "$N clients at once: define, attach-interface --config to one domain, autostart" \
	t_parallel_define_attach
ok_run "nothing lost: $N domains, $N autostart links, $N interfaces in vmond and on disk" \
	t_nothing_lost
ok_run "every definition on disk whole (virt-xml-validate), no temporary file left" t_files_whole
ok_run "a vmond restart reads all of them back" t_restart
ok_run "$N undefine at once leave only the shared domain" t_parallel_undefine
tap_status
