#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A disk's error policy (libvirt's <driver error_policy=...>) on a real
# nested guest, in the test VM: its first disk, error_policy='enospace' (a
# full disk stops the guest, QEMU's own default), is a sparse image on a
# tmpfs of 16 MiB that the guest fills with 32 MiB of writes; its second,
# with no policy (report), on another full tmpfs. The first disk's failed
# write pauses the guest, "paused (I/O error)" as virsh shows it, with the
# request held; a managed save is refused meanwhile and changes nothing;
# once the tmpfs is made larger, resume retries the held request and the
# guest's dd ends well. On the second disk the guest sees the error itself
# (dd fails) and keeps running. Prints TAP. Run as root from the top of the
# tree.
set -u
# installed as build/selftests/daemon/ioerror_test
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
dom=ie tag=ioerror
. "$top/selftests/lib/guest_suite.sh"
suite_cleanup() { umount "$work/stop" "$work/report" 2>/dev/null; }
start_vmond() { vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log"; }
reason() { $V domstate -c "$S" ie --reason | head -1; }
is_reason() { [ "$(reason)" = "$1" ]; }

echo "1..6"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmond and $kernel"
	exit 1
fi
cat >"$work/writer.sh" <<'GUEST'
#!/bin/sh
# 32 MiB onto each disk, whose host file has room for 16
dd if=/dev/zero of=/dev/vda bs=1M count=32 oflag=direct 2>/dev/null && echo "STOP-DISK ok" ||
	echo "STOP-DISK failed"
dd if=/dev/zero of=/dev/vdb bs=1M count=32 oflag=direct 2>/dev/null && echo "REPORT-DISK ok" ||
	echo "REPORT-DISK failed"
while :; do sleep 5; done
GUEST
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/writer.sh"
for d in stop report; do
	mkdir -p "$work/$d" && mount -t tmpfs -o size=16m tmpfs "$work/$d" &&
		truncate -s 64M "$work/$d/disk.raw" || exit 1
done
guest_xml ie 256 "
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' error_policy='enospace'/>
      <source file='$work/stop/disk.raw'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$work/report/disk.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>" >"$work/ie.xml"

start_vmond && $V define -c "$S" "$work/ie.xml" >/dev/null && vmond_log_mark "$D/ie.log" &&
	$V start -c "$S" ie >/dev/null && attach_console && booted
ok $? ioerror.starts "$(tail -n 3 "$D/ie.log" 2>/dev/null | tr '\n' ' ')"

until_ok 120 is_reason "paused (I/O error)" &&
	"$B/vmon-vmm" --call "$D/ie.sock" '{"cmd":"status"}' | grep -q '"io_error":true' &&
	! on_console "STOP-DISK"
ok $? ioerror.full_disk_pauses_the_guest "$(reason); $(tail -n 2 "$D/ie.log" | tr '\n' ' ')"

# held requests are in no saved state: refused, and nothing changes
! $V managedsave -c "$S" ie >"$work/save.log" 2>&1 &&
	grep -q 'paused on an I/O error' "$work/save.log" && is_reason "paused (I/O error)" &&
	[ ! -e "$R/var/lib/vmon/save/ie" ]
ok $? ioerror.managedsave_refused_while_held "$(tr '\n' ' ' <"$work/save.log"); $(reason)"

# room made: the held write goes again, and the guest's dd ends well
mount -o remount,size=128m "$work/stop" && $V resume -c "$S" ie >/dev/null &&
	until_ok 120 on_console "STOP-DISK ok"
ok $? ioerror.resume_retries_the_request "$(reason); $(grep -a DISK "$work/console" | tr -d '\r' | tr '\n' ' ')"

# no policy: the guest sees the error, and runs on
until_ok 120 on_console "REPORT-DISK" && on_console "REPORT-DISK failed" &&
	is_reason "running (unpaused)"
ok $? ioerror.report_policy_tells_the_guest "$(reason); $(grep -a DISK "$work/console" | tr -d '\r' | tr '\n' ' ')"

$V destroy -c "$S" ie >/dev/null && $V undefine -c "$S" ie >/dev/null
ok $? ioerror.destroy_and_undefine
tap_status || {
	tail -n 10 "$work/console" 2>/dev/null | tr -d '\r' | sed 's/^/# ie console: /'
	tail -n 15 "$D/ie.log" 2>/dev/null | sed 's/^/# ie vmm: /'
	tail -n 10 "$work/vmond.log" 2>/dev/null | sed 's/^/# vmond: /'
	false
}
