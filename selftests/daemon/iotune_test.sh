#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A domain's disk limits (libvirt's <iotune>, issue 17 item 3's
# blkdeviotune) on a real nested guest, in the test VM: the guest reads its
# raw disk with O_DIRECT in a loop and prints how many requests it has done;
# vmon-blk's throttle holds it under <total_iops_sec>, blkdeviotune --live
# changes the limit in the kernel (vmond takes the VMM's /dev/vmon-blk
# descriptor with pidfd_getfd) and reads back what the kernel has, lifting
# it lets the guest run faster, --config changes only the definition, and a
# managed save's restore puts the running limits back (the VMM's saved
# command line holds the start's); domstats counts the reads apart from the
# writes, a <read_iops_sec> holds the reader and a <write_iops_sec> does
# not, and a total beside a read limit is refused.
#
# The rate checks are upper bounds only (a loaded host makes the guest
# slower, never faster than its limit), with a second of console lag and a
# bucket's burst of slack; the check that lifting the limit takes effect
# waits up to 90 s for the guest to go past it. Prints TAP. Run as root
# from the top of the tree.
set -u
# installed as build/selftests/daemon/iotune_test
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
dom=io tag=iotune
. "$top/selftests/lib/guest_suite.sh"
DEF=$R/etc/vmon/domains/io.xml
delta=0

start_vmond() { vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log"; }
# the guest's request count so far, from its console
ios() { grep -o 'io [0-9]*' "$work/console" | tail -1 | cut -d' ' -f2; }
doing_io() { [ "$(ios)" -gt 0 ] 2>/dev/null; }
# rate_at_most LIMIT BURST SECONDS: the guest's requests over SECONDS stay
# within LIMIT per second, with a second of console lag, the bucket's BURST
# and one dd's 16 requests of slack; the count in $delta.
rate_at_most() {
	local a b
	a=$(ios)
	sleep "$3"
	b=$(ios)
	delta=$((b - a))
	[ "$delta" -gt 0 ] && [ "$delta" -le $(($1 * ($3 + 1) + $2 + 16)) ]
}
# faster_than LIMIT: over 2 s the guest did more than twice LIMIT per second
faster_than() {
	local a b
	a=$(ios)
	sleep 2
	b=$(ios)
	[ $((b - a)) -gt $((4 * $1)) ]
}
live_value() { # live_value FIELD: what the kernel has in effect
	$V blkdeviotune -c "$S" io vda --live |
		awk -F: -v f="$1" '{ gsub(/ /, "") } $1 == f { print $2 }'
}

echo "1..11"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
modprobe vmon 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -c /dev/vmon-blk ] || [ ! -x "$B/vmond" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, /dev/vmon-blk (the module), vmond and $kernel"
	exit 1
fi
cat >"$work/reader.sh" <<'GUEST'
#!/bin/sh
# 16 O_DIRECT reads of 4 KiB per dd, each one request; the running count
n=0
while :; do
	dd if=/dev/vda of=/dev/null bs=4096 count=16 skip=$((n % 8192)) iflag=direct 2>/dev/null
	n=$((n + 16))
	echo "io $n"
done
GUEST
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/reader.sh"
truncate -s 64M "$work/disk.raw"
guest_xml io 256 "
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$work/disk.raw'/>
      <target dev='vda' bus='virtio'/>
      <iotune><total_iops_sec>20</total_iops_sec></iotune>
    </disk>" >"$work/io.xml"

start_vmond && $V define -c "$S" "$work/io.xml" >/dev/null && vmond_log_mark "$D/io.log" &&
	$V start -c "$S" io >/dev/null && attach_console && booted && until_ok 120 doing_io &&
	"$B/vmon-vmm" --call "$D/io.sock" '{"cmd":"status"}' >"$work/st.json" &&
	grep -q '"backend":"vmon-blk","driver_ok":true,"broken":false,"kernel_fd":[0-9]' "$work/st.json"
ok $? iotune.starts_on_vmon_blk "$(head -c 300 "$work/st.json" 2>/dev/null)"

[ "$(live_value total_iops_sec)" = 20 ] && [ "$(live_value total_iops_sec_max)" = 0 ]
ok $? iotune.live_query_reads_the_kernel "$($V blkdeviotune -c "$S" io vda --live 2>&1 | tr '\n' ' ')"

rate_at_most 20 20 8
ok $? iotune.held_under_the_start_limit "delta $delta over 8 s"

$V blkdeviotune -c "$S" io vda --live --total-iops-sec 10 --total-iops-sec-max 30 >/dev/null &&
	[ "$(live_value total_iops_sec)" = 10 ] && [ "$(live_value total_iops_sec_max)" = 30 ] &&
	grep -q '<total_iops_sec>20</total_iops_sec>' "$DEF" &&
	$V dumpxml -c "$S" io | grep -q '<total_iops_sec>10</total_iops_sec>' &&
	sleep 2 && rate_at_most 10 30 8
ok $? iotune.live_change_in_the_kernel_only "delta $delta over 8 s; $(live_value total_iops_sec)"

$V blkdeviotune -c "$S" io vda --live --total-iops-sec 0 --total-iops-sec-max 0 >/dev/null &&
	[ "$(live_value total_iops_sec)" = 0 ] && until_ok 90 faster_than 10
ok $? iotune.lifted_runs_faster "$(live_value total_iops_sec)"

$V blkdeviotune -c "$S" io vda --config --total-iops-sec 50 >/dev/null &&
	grep -q '<total_iops_sec>50</total_iops_sec>' "$DEF" && [ "$(live_value total_iops_sec)" = 0 ]
ok $? iotune.config_changes_the_definition_only "$(live_value total_iops_sec)"

# the running limits (set live) survive a managed save and restore
$V blkdeviotune -c "$S" io vda --live --total-iops-sec 15 >/dev/null &&
	$V managedsave -c "$S" io >/dev/null && vmond_log_mark "$D/io.log" &&
	$V start -c "$S" io >/dev/null && attach_console &&
	[ "$($V domstate -c "$S" io --reason | head -1)" = "running (restored)" ] &&
	[ "$(live_value total_iops_sec)" = 15 ] && sleep 2 && rate_at_most 15 15 8
ok $? iotune.restore_keeps_the_running_limit "delta $delta; $(live_value total_iops_sec); $(tail -n 3 "$work/vmond.log" | tr '\n' ' ')"

# domstats by direction: the guest only reads, so its reads are counted
# and its writes stay 0; domblkstat prints them in virsh's names
stat() { $V domstats -c "$S" io | sed -n "s/^  block\.0\.$1=//p"; }
r0=$(stat rd.reqs) && sleep 2 && r1=$(stat rd.reqs) && [ "$r1" -gt "$r0" ] &&
	[ "$(stat wr.reqs)" = 0 ] && [ "$(stat rd.times)" -gt 0 ] &&
	$V domblkstat -c "$S" io vda >"$work/blkstat" &&
	awk '$2 == "rd_req" && $3 > 0 { r = 1 } $2 == "wr_req" && $3 == 0 { w = 1 } END { exit !(r && w) }' "$work/blkstat"
ok $? iotune.domstats_counts_reads_and_writes "rd.reqs $r0 -> ${r1:-}; $(tr '\n' ' ' <"$work/blkstat" 2>/dev/null)"

# a read limit holds the reader, replacing the total one (virsh's groups)
$V blkdeviotune -c "$S" io vda --live --read-iops-sec 5 >/dev/null &&
	[ "$(live_value read_iops_sec)" = 5 ] && [ "$(live_value total_iops_sec)" = 0 ] &&
	sleep 2 && rate_at_most 5 5 8
ok $? iotune.read_limit_holds_reads "delta $delta over 8 s; $($V blkdeviotune -c "$S" io vda --live 2>&1 | grep -v ': 0' | tr '\n' ' ')"

# a write limit does not: the reads run free again
$V blkdeviotune -c "$S" io vda --live --write-iops-sec 5 >/dev/null &&
	[ "$(live_value write_iops_sec)" = 5 ] && [ "$(live_value read_iops_sec)" = 0 ] &&
	until_ok 90 faster_than 10
ok $? iotune.write_limit_lets_reads_by "$(live_value write_iops_sec)"

! $V blkdeviotune -c "$S" io vda --live --total-iops-sec 5 --read-iops-sec 5 2>"$work/e" &&
	grep -q 'total and read/write of iops_sec cannot be set at the same time' "$work/e" &&
	[ "$(live_value write_iops_sec)" = 5 ] && [ "$(live_value total_iops_sec)" = 0 ] &&
	$V destroy -c "$S" io >/dev/null && $V undefine -c "$S" io >/dev/null
ok $? iotune.refusal_changes_nothing "$(cat "$work/e")"
# what the guest, its VMM and vmond said, when something failed
tap_status || {
	tail -n 10 "$work/console" 2>/dev/null | tr -d '\r' | sed 's/^/# io console: /'
	tail -n 15 "$D/io.log" 2>/dev/null | sed 's/^/# io vmm: /'
	tail -n 10 "$work/vmond.log" 2>/dev/null | sed 's/^/# vmond: /'
	false
}
