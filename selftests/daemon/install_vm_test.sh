#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon install with real nested guests, inside the test VM (issue 24):
#   web  a direct-kernel-boot guest on a new 1 GiB qcow2 volume of the pool
#        'default' that vmond makes on its first start (ROOT/var/lib/vmon/
#        images), as virt-install users type it: vmon list shows it running,
#        the guest sees its 1 GiB vda, the volume is a clean qcow2
#        (qemu-img check);
#   imp  --import of an existing raw image: booted as it is, the guest reads
#        the marker the host wrote into it; with the guest agent's channel
#        (--channel) but no agent in the guest, qemu-agent-command fails at
#        once, "not connected", while web, without the channel, is "not
#        configured" (the agent itself: selftests/vmm/agent_test.sh);
#   half two disks, a new pool volume and a file in a directory that does
#        not exist: the install fails naming the disk, and leaves nothing
#        (no definition, no volume);
#   tmp  --transient --wait on an overlay (backing_store=) of that image: the
#        command returns once the guest powered off, and no definition is
#        left (vmon list --all, dominfo), the base image untouched.
# Usage: tools/vmtest -- build/selftests/daemon/install_vm_test (TAP; root).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
kernel=$B/vmm-guest/vmlinuz
work=$(mktemp -d /tmp/install-vm.XXXXXX)
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
n=0 failed=0 vmond_pid= con_pid=

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n install.$2"
	else
		echo "not ok $n install.$2${3:+ # $3}"
		[ $failed = 0 ] && for f in "$work"/*.console "$D"/*.log; do
			[ -f "$f" ] && tail -n 15 "$f" | tr -d '\r' | sed "s|^|# $(basename "$f"): |"
		done
		failed=1
	fi
}
cleanup() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	for d in web imp tmp; do $V destroy -c "$S" "$d" >/dev/null 2>&1; done
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	[ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/install" &&
		cp "$work"/*.log "$work"/*.console "$D"/*.log "$VMTEST_OUT/install/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
until_ok() { # until_ok SECONDS CMD...
	local i t=$1
	shift
	for ((i = 0; i < t * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
# console NAME: copy the domain's console socket (vmond's --console unix:)
# to $work/NAME.console in the background.
console() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	"$top/selftests/lib/console-copy" "$D/$1.console" "$work/$1.console" &
	con_pid=$!
}
on_console() { grep -q -- "$2" "$work/$1.console" 2>/dev/null; }
listed_running() { $V list -c "$S" | grep -Eq "^ *[0-9]+ +$1 +running"; }

. "$top/selftests/lib/nested.sh"
echo "1..11"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmon-vmm" ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmon-vmm, vmond and $kernel"
	exit 1
fi
cat >"$work/web.sh" <<'GUEST'
echo "DISK vda $(cat /sys/block/vda/size) serial $(cat /sys/block/vda/serial)"
while :; do sleep 1; done
GUEST
cat >"$work/imp.sh" <<'GUEST'
echo "MARK $(dd if=/dev/vda bs=16 count=1 2>/dev/null)"
while :; do sleep 1; done
GUEST
cat >"$work/tmp.sh" <<'GUEST'
echo "MARK $(dd if=/dev/vda bs=16 count=1 2>/dev/null)"
printf 'overlay-written!' | dd of=/dev/vda conv=fsync 2>/dev/null
echo TMP-DONE
GUEST
for g in web imp tmp; do selftests/vmm/mkinitrd "$work/$g.cpio.gz" "$work/$g.sh"; done
P=$R/var/lib/vmon/images
printf 'imported-image!!' >"$work/imp.img"
truncate -s 16M "$work/imp.img"
md5=$(md5sum <"$work/imp.img")

$B/vmond --foreground --root "$R" --vmm "$B/vmon-vmm" 2>>"$work/vmond.log" &
vmond_pid=$!
until_ok 10 $V list -c "$S"
# the pool 'default' is vmond's own, running from its first start
$V pool-info -c "$S" default >"$work/pool.log" 2>&1 &&
	grep -Eq "^State: +running" "$work/pool.log" && [ -d "$P" ]
ok $? vmond_and_default_pool_ready "$(tr '\n' ' ' <"$work/pool.log")"

# ---- web: a new qcow2 volume in the pool -------------------------------------
$V install -c "$S" --name web --memory 256 --network none --noautoconsole \
	--boot kernel="$kernel",initrd="$work/web.cpio.gz",kernel_args=quiet \
	--disk pool=default,size=1,serial=web-disk-1 >"$work/web.log" 2>&1
st=$?
console web
[ $st = 0 ] && grep -q "^Created volume default/web.qcow2" "$work/web.log" &&
	grep -q "^Domain 'web' started" "$work/web.log" && listed_running web
ok $? web_installed_and_running "exit $st; $(tr '\n' ' ' <"$work/web.log")"
# (a guest whose kernel dies before its init ran is started once more:
# selftests/lib/nested.sh; not the transient one below, which is gone then)
vmond_boot_or_retry "$V" "$S" web "$work/web.console" "$D/web.log" console web &&
	until_ok 180 on_console web "DISK vda"
on_console web "DISK vda 2097152 serial web-disk-1"
ok $? web_guest_sees_its_1GiB_volume_and_serial "$(grep DISK "$work/web.console" | tr -d '\r')"
out=$($V qemu-agent-command -c "$S" web '{"execute":"guest-ping"}' 2>&1)
st=$?
[ $st != 0 ] && echo "$out" | grep -q "QEMU guest agent is not configured"
ok $? agent_command_without_channel_not_configured "exit $st: $out"
$V destroy -c "$S" web >/dev/null 2>&1
qemu-img check -q "$P/web.qcow2" && $V dumpxml -c "$S" web |
	grep -q "<source pool=\"default\" volume=\"web.qcow2\"/>"
ok $? web_volume_is_clean_qcow2_in_the_definition

# ---- imp: --import of an existing image ----------------------------------------
$V install -c "$S" --name imp --memory 256 --network none --noautoconsole --import \
	--channel unix,target.type=virtio,name=org.qemu.guest_agent.0 \
	--boot kernel="$kernel",initrd="$work/imp.cpio.gz" --disk "$work/imp.img" \
	>"$work/imp.log" 2>&1
st=$?
console imp
vmond_boot_or_retry "$V" "$S" imp "$work/imp.console" "$D/imp.log" console imp &&
	until_ok 180 on_console imp "MARK"
[ $st = 0 ] && on_console imp "MARK imported-image!!" && listed_running imp &&
	! grep -q "^Created" "$work/imp.log"
ok $? import_boots_the_image_as_it_is "exit $st; $(grep MARK "$work/imp.console" | tr -d '\r')"
t0=$(date +%s)
out=$($V qemu-agent-command -c "$S" imp '{"execute":"guest-ping"}' --timeout 60 2>&1)
st=$? t1=$(date +%s)
[ $st != 0 ] && echo "$out" | grep -q "Guest agent is not responding: .*not connected" &&
	[ $((t1 - t0)) -lt 20 ]
ok $? agent_command_without_agent_fails_at_once "exit $st in $((t1 - t0)) s: $out"
$V destroy -c "$S" imp >/dev/null 2>&1

# ---- half: a failure half-way leaves nothing ------------------------------------
$V install -c "$S" --name half --memory 256 --network none --noautoconsole \
	--boot kernel="$kernel",initrd="$work/web.cpio.gz" --disk pool=default,size=1 \
	--disk path="$work/no/such/dir/half2.qcow2",size=1 >"$work/half.log" 2>&1
st=$?
[ $st != 0 ] && grep -q "no/such/dir/half2.qcow2" "$work/half.log" &&
	! $V dominfo -c "$S" half >/dev/null 2>&1 && ! ls "$P" | grep -q "^half" &&
	! $V vol-list -c "$S" default | grep -q half
ok $? failure_half_way_leaves_nothing "exit $st; $(tr '\n' ' ' <"$work/half.log"); pool: $(ls "$P" | tr '\n' ' ')"

# ---- tmp: --transient --wait on an overlay --------------------------------------
rm -f "$D/tmp.console"
(until_ok 60 test -S "$D/tmp.console" && console tmp && wait) &
timeout 300 $V install -c "$S" --name tmp --memory 256 --network none --noautoconsole \
	--transient --wait 4 --boot kernel="$kernel",initrd="$work/tmp.cpio.gz" \
	--disk path="$work/tmp.qcow2",backing_store="$work/imp.img",backing_format=raw \
	>"$work/tmp.log" 2>&1
st=$?
[ $st = 0 ] && grep -q "^Domain has shutdown. Continuing." "$work/tmp.log"
ok $? transient_wait_returns_at_poweroff "exit $st; $(tr '\n' ' ' <"$work/tmp.log")"
! $V list -c "$S" --all --name | grep -qx tmp && ! $V dominfo -c "$S" tmp >/dev/null 2>&1
ok $? transient_leaves_no_definition "$($V list -c "$S" --all --name | tr '\n' ' ')"
qemu-img convert -O raw "$work/tmp.qcow2" "$work/tmp.raw" 2>/dev/null
[ "$(md5sum <"$work/imp.img")" = "$md5" ] && qemu-img check -q "$work/tmp.qcow2" &&
	[ "$(head -c 16 "$work/tmp.raw")" = "overlay-written!" ] &&
	grep -q "MARK imported-image!!" "$work/tmp.console" 2>/dev/null
ok $? overlay_took_the_write_base_untouched
exit $failed
