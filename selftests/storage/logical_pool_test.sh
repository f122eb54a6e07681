#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A logical (LVM) pool on a loop device, inside the test VM: pool-build makes
# the PV and the VG, pool-start activates it; volumes are LVs (lvs is the
# oracle): keys are LV UUIDs, stable across a vmond restart; qcow2 refused;
# upload/download, resize, delete; pool-destroy deactivates, pool-delete
# removes the VG; a missing VG leaves the pool inactive with the reason;
# find-storage-pool-sources lists the VG with its PVs (pvs is the oracle).
#
# Usage: tools/vmtest -- env VMON_CACHE=... build/selftests/storage/logical_pool_test
# The t_* functions run through ok(), which shellcheck cannot follow.
# shellcheck disable=SC2317
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
T=$(mktemp -d /tmp/lvm-pool-test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
VG=vmontestvg
n=0 failed=0 vmond_pid='' loop='' loop2=''
# no udev in the test VM: LVM makes its device nodes itself
export DM_DISABLE_UDEV=1

ok() { # ok NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n storage.logical.$name"
	else
		echo "not ok $n storage.logical.$name"
		sed 's/^/# /' "$T/out" | head -20
		failed=1
	fi
}
vm() { "$V" "$1" -c "$S" "${@:2}"; }
contains() { grep -Eq -- "$2" "$1" || { echo "no /$2/ in:"; cat "$1"; return 1; }; }
lvcol() { lvs --noheadings --units b --nosuffix -o "$2" "$VG/$1" | tr -d ' '; }

start_vmond() {
	rm -f "$S"
	"$B"/vmond --foreground --root "$R" --vmm /nonexistent 2>>"$T/vmond.log" &
	vmond_pid=$!
	for _ in $(seq 100); do
		vm pool-list >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$T/vmond.log"
	return 1
}
stop_vmond() { kill "$vmond_pid"; wait "$vmond_pid" 2>/dev/null; vmond_pid=''; }
cleanup() {
	[ -n "$vmond_pid" ] && stop_vmond
	vgremove -f "$VG" >/dev/null 2>&1
	[ -n "$loop2" ] && { pvremove -y "$loop2"; losetup -d "$loop2"; } >/dev/null 2>&1
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

t_build_start() {
	modprobe loop 2>/dev/null
	modprobe dm-mod 2>/dev/null
	mkdir -p /run/lvm
	truncate -s 128M "$T/disk.img"
	loop=$(losetup -f --show "$T/disk.img") || return 1
	vm pool-define-as lp logical --source-dev "$loop" --source-name "$VG" >/dev/null ||
		return 1
	virt-xml-validate "$R/etc/vmon/storage/lp.xml" storagepool || return 1
	vm pool-build lp >/dev/null && vgs "$VG" >/dev/null || return 1
	vm pool-start lp >/dev/null || return 1
	vm pool-info lp >"$T/o" && contains "$T/o" '^Capacity: +1[0-9.]+ MiB$'
}

# xpath FILE EXPR: the string value of EXPR in the XML of FILE
xpath() { xmllint --xpath "$2" "$1" 2>/dev/null; }
t_find_sources() {
	local src="/sources/source[name='$VG']"
	truncate -s 64M "$T/disk2.img"
	loop2=$(losetup -f --show "$T/disk2.img") && pvcreate -y "$loop2" >/dev/null || return 1
	vm find-storage-pool-sources logical >"$T/s1.xml" && cat "$T/s1.xml" || return 1
	# the VG with its one PV; the PV in no VG is no source
	[ "$(xpath "$T/s1.xml" "count($src/device)")" = 1 ] &&
		[ "$(xpath "$T/s1.xml" "string($src/device/@path)")" = "$loop" ] &&
		[ "$(xpath "$T/s1.xml" "string($src/format/@type)")" = lvm2 ] &&
		[ "$(xpath "$T/s1.xml" "count(//device[@path='$loop2'])")" = 0 ] || return 1
	# a second PV in the VG: one source, two devices
	vgextend "$VG" "$loop2" >/dev/null || return 1
	vm find-storage-pool-sources-as logical >"$T/s2.xml" && cat "$T/s2.xml" || return 1
	[ "$(xpath "$T/s2.xml" "count($src)")" = 1 ] &&
		[ "$(xpath "$T/s2.xml" "count($src/device)")" = 2 ] &&
		[ "$(xpath "$T/s2.xml" "count($src/device[@path='$loop2'])")" = 1 ] || return 1
	vgreduce "$VG" "$loop2" >/dev/null || return 1
	# a type with nothing to discover, an unknown type, a bad spec file
	! vm find-storage-pool-sources dir 2>"$T/e" &&
		contains "$T/e" "pool type 'dir' does not support source discovery" || return 1
	! vm find-storage-pool-sources zfs2 2>"$T/e" &&
		contains "$T/e" "unknown storage pool type 'zfs2'" || return 1
	echo '<pool/>' >"$T/spec.xml"
	! vm find-storage-pool-sources logical --srcSpec "$T/spec.xml" 2>"$T/e" &&
		contains "$T/e" "the root element is <pool>, expected <source>"
}

t_volumes() {
	vm vol-create-as lp lv1 8M >/dev/null || return 1
	[ "$(lvcol lv1 lv_size)" = 8388608 ] || return 1
	[ "$(vm vol-key --pool lp lv1)" = "$(lvcol lv1 lv_uuid)" ] || return 1
	[ "$(vm vol-path --pool lp lv1)" = "/dev/$VG/lv1" ] && [ -b "/dev/$VG/lv1" ] || return 1
	[ "$(vm vol-name "$(lvcol lv1 lv_uuid)")" = lv1 ] || return 1
	vm vol-info --pool lp lv1 >"$T/o" && contains "$T/o" '^Type: +block$' || return 1
	! vm vol-create-as lp q.qcow2 8M --format qcow2 2>"$T/e" &&
		contains "$T/e" 'a logical pool holds raw volumes only' || return 1
	vm vol-dumpxml --pool lp lv1 >"$T/v.xml" && virt-xml-validate "$T/v.xml" storagevol
}

t_data() {
	head -c 8M /dev/urandom >"$T/data"
	vm vol-upload --pool lp lv1 "$T/data" && cmp "$T/data" "/dev/$VG/lv1" || return 1
	vm vol-clone --pool lp lv1 lv2 >/dev/null && cmp "$T/data" "/dev/$VG/lv2" || return 1
	vm vol-resize --pool lp lv2 16M >/dev/null && [ "$(lvcol lv2 lv_size)" = 16777216 ] ||
		return 1
	vm vol-wipe --pool lp lv2 >/dev/null && cmp "/dev/$VG/lv2" <(head -c 16M /dev/zero) ||
		return 1
	vm vol-delete --pool lp lv2 >/dev/null && ! lvs "$VG/lv2" 2>/dev/null
}

t_restart_keys() {
	local key
	key=$(vm vol-key --pool lp lv1)
	[ -n "$key" ] || return 1
	stop_vmond && start_vmond || return 1
	[ "$(vm vol-key --pool lp lv1)" = "$key" ]
}

t_destroy_delete() {
	vm pool-destroy lp >/dev/null || return 1
	[ ! -e "/dev/$VG/lv1" ] || return 1
	vm pool-delete lp >/dev/null && ! vgs "$VG" 2>/dev/null || return 1
	! vm pool-start lp 2>"$T/e" && contains "$T/e" "vgchange failed" || return 1
	vm pool-info lp >"$T/o" && contains "$T/o" '^Reason: +vgchange failed'
}

echo "TAP version 13"
echo "1..6"
start_vmond || exit 1
ok build_start t_build_start
ok find_sources_lists_vg_and_pvs t_find_sources
ok volumes_are_lvs_keys_are_uuids t_volumes
ok upload_clone_resize_wipe_delete t_data
ok keys_stable_across_restart t_restart_keys
ok destroy_deactivates_delete_removes_vg t_destroy_delete
exit $failed
