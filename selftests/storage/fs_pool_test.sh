#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An fs pool on a loop device, inside the test VM (mounts need a kernel of
# our own): pool-build refuses a device with a file system unless
# --overwrite, then makes ext4 (blkid is the oracle); pool-start mounts it
# (findmnt), volumes are made on it (qemu-img check, a qcow2 volume with a
# backing volume); pool-destroy unmounts and the volumes come back at the
# next start; a vmond restart finds the mount in place; a detached device
# leaves the pool inactive with the reason, its definition kept.
#
# Usage: tools/vmtest -- env VMON_CACHE=... build/selftests/storage/fs_pool_test
# The t_* functions run through ok(), which shellcheck cannot follow.
# shellcheck disable=SC2317
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
T=$(mktemp -d /tmp/fs-pool-test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
M=$T/mnt
n=0 failed=0 vmond_pid='' loop=''

ok() { # ok NAME CMD...
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n storage.fs.$name"
	else
		echo "not ok $n storage.fs.$name"
		sed 's/^/# /' "$T/out" | head -20
		failed=1
	fi
}
vm() { "$V" "$1" -c "$S" "${@:2}"; }
contains() { grep -Eq -- "$2" "$1" || { echo "no /$2/ in:"; cat "$1"; return 1; }; }

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
stop_vmond() { kill "$vmond_pid"; wait "$vmond_pid" 2>/dev/null; vmond_pid=; }
cleanup() {
	[ -n "$vmond_pid" ] && stop_vmond
	umount "$M" 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

t_build() {
	modprobe loop 2>/dev/null
	truncate -s 64M "$T/disk.img"
	loop=$(losetup -f --show "$T/disk.img") || return 1
	mkfs.ext2 -q "$loop" || return 1
	vm pool-define-as fsp fs --source-dev "$loop" --source-format ext4 --target "$M" ||
		return 1
	virt-xml-validate "$R/etc/vmon/storage/fsp.xml" storagepool || return 1
	! vm pool-build fsp 2>"$T/e" && contains "$T/e" "already holds a ext2 file system" ||
		return 1
	[ "$(blkid -o value -s TYPE "$loop")" = ext2 ] || return 1
	vm pool-build fsp --overwrite >/dev/null || return 1
	[ "$(blkid -o value -s TYPE "$loop")" = ext4 ] && [ -d "$M" ]
}

t_start_mounts() {
	vm pool-start fsp >/dev/null || return 1
	[ "$(findmnt -n -o SOURCE "$M")" = "$loop" ] || return 1
	[ "$(findmnt -n -o FSTYPE "$M")" = ext4 ] || return 1
	vm pool-info fsp >"$T/o" && contains "$T/o" '^Capacity: +[0-9.]+ MiB$'
}

t_volumes() {
	vm vol-create-as fsp base.raw 8M >/dev/null || return 1
	vm vol-create-as fsp top.qcow2 16M --format qcow2 --backing-vol base.raw >/dev/null ||
		return 1
	qemu-img check "$M/top.qcow2" || return 1
	qemu-img info --backing-chain "$M/top.qcow2" | grep -q "^backing file: $M/base.raw$" ||
		return 1
	[ "$(vm vol-key --pool fsp top.qcow2)" = "$M/top.qcow2" ]
}

t_destroy_start() {
	vm pool-destroy fsp >/dev/null || return 1
	! findmnt "$M" >/dev/null || return 1
	[ ! -e "$M/top.qcow2" ] || return 1
	vm pool-start fsp >/dev/null && vm vol-list fsp >"$T/o" || return 1
	contains "$T/o" "^ top.qcow2 +$M/top.qcow2$" && qemu-img check "$M/top.qcow2"
}

t_restart() {
	stop_vmond && start_vmond || return 1
	vm pool-list >"$T/o" && contains "$T/o" '^ fsp +active' || return 1
	# mounted once only
	[ "$(findmnt -n -o SOURCE "$M" | wc -l)" = 1 ]
}

t_device_gone() {
	vm pool-destroy fsp >/dev/null && losetup -d "$loop" || return 1
	! vm pool-start fsp 2>"$T/e" || return 1
	contains "$T/e" "device '$loop'" || return 1
	vm pool-info fsp >"$T/o" && contains "$T/o" "^State: +inactive$" &&
		contains "$T/o" "^Reason: +.*device '$loop'" || return 1
	[ -e "$R/etc/vmon/storage/fsp.xml" ] && [ -e "$T/disk.img" ]
}

echo "TAP version 13"
echo "1..6"
start_vmond || exit 1
ok build_refuses_then_overwrites t_build
ok start_mounts t_start_mounts
ok volumes_qcow2_backing t_volumes
ok destroy_unmounts_start_finds_volumes t_destroy_start
ok vmond_restart_keeps_the_mount t_restart
ok device_gone_pool_inactive_with_reason t_device_gone
exit $failed
