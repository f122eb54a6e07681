#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon-vmm end to end, inside the test VM with nested KVM: two nested guests
# run the Debian test kernel with a busybox initramfs.
#
#   guest A (userspace back ends, 2 vCPUs): virtio-blk write/read/checksum,
#     virtio-net ping and an HTTP transfer over a tap, virtio-rng, hostile
#     MMIO/PIO/virtio-config writes that must leave the VMM alive, pause and
#     resume, balloon, a snapshot mid-workload, SIGKILL, restore, the
#     workload finishing with the right checksum on disk, and a graceful
#     shutdown (ctrl-alt-del) ending the VMM with status 0. Started by root,
#     the VMM runs as the vmon-vmm user with no supplementary group (the
#     sandbox, hardening item 14), as every VMM here does.
#   guest B (vhost-net back end): ping and transfer, an in-place reset that
#     boots the guest a second time, then a kernel panic reported as a
#     crash (exit 3) with the console tail.
#   guest C (the default back end, vmon-net when /dev/vmon-net exists):
#     ping and transfer, the status naming vmon-net.
#   guest D (virtio-blk on /dev/vmon-blk, the default for format=raw images
#     when it exists): write, read back and checksum; the status naming vmon-blk
#     with the kernel's request counts; a second vmon-blk disk driven by hand
#     with a 4-byte request header breaks alone; a snapshot mid-workload, SIGKILL,
#     restore and the workload finishing; on the host, the image compared
#     with the expected content by qemu-img; vmon-blk refusing a qcow2 image;
#     cache=none on a loop device (bios), written, read back and compared.
#   guest E (a qcow2 overlay over a raw base, userspace back end through
#     libqcow2): reads through to the base, partial-cluster writes read
#     back; SIGKILL right after the guest's sync, then qemu-img check and
#     compare (the flush made it durable); a second boot reading it back and
#     writing more, ending cleanly; the base untouched; a corrupt overlay
#     refused with a message naming the field.
#
# Usage: boot_test [GUEST...] runs those guests (a b c d e; default a b c),
#   e.g. tools/vmtest -m 2048 -t 900 -- build/selftests/vmm/boot_test d e.
#   make check runs a b c as boot_test and d e as disk_test (disk_test.sh),
#   so that each stays within the per-test timeout (VM_TEST_TIMEOUT, 600 s).
# Prints TAP. Run as root from the top of the tree (make check does).
set -u
declare -A plan=([a]=16 [b]=6 [c]=1 [d]=10 [e]=8)
guests=${*:-a b c}
total=0
for g in $guests; do
	[ -n "${plan[$g]:-}" ] || { echo "Bail out! unknown guest '$g' (a b c d e)"; exit 1; }
	total=$((total + plan[$g]))
done
want() { [[ " $guests " == *" $1 "* ]]; }
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
vmm=$top/build/vmon-vmm
guest=$top/build/vmm-guest
kernel=$guest/vmlinuz
work=$(mktemp -d /tmp/vmm-test.XXXXXX)
n=0 failed=0 vmm_pid=
echo "1..$total"

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n vmm.$2"
	else
		echo "not ok $n vmm.$2${3:+ # $3}"
		failed=1
	fi
}
skip() {
	n=$((n + 1))
	echo "ok $n vmm.$1 # SKIP $2"
}
cleanup() {
	[ -n "$vmm_pid" ] && kill -9 "$vmm_pid" 2>/dev/null
	[ -n "${httpd_pid:-}" ] && kill "$httpd_pid" 2>/dev/null
	ip link del vmmtap0 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# wait_for FILE PATTERN SECONDS: until the console shows PATTERN.
wait_for() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		if [ -n "$vmm_pid" ] && ! kill -0 "$vmm_pid" 2>/dev/null; then
			vmm_retry_early || break
			i=0
		fi
		sleep 0.5
	done
	grep -q -- "$2" "$1" 2>/dev/null
}
call() { "$vmm" --call "$work/api.sock" "$1"; }
json() { # json FIELD-EXTRACTING-SED < answer
	sed -n "$1"
}
diag() { sed 's/^/# /' "$@" | tail -n 40; }
# reap SECONDS: wait for the VMM to end by itself, else kill it; sets rc.
reap() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		if ! kill -0 "$vmm_pid" 2>/dev/null; then
			vmm_retry_early || break
			i=0
		fi
		sleep 0.5
	done
	kill -0 "$vmm_pid" 2>/dev/null && { kill -9 "$vmm_pid"; echo "# VMM did not end; killed"; }
	wait "$vmm_pid"
	rc=$?
	vmm_pid=
}
# vmmdir DIR: a directory the VMM (the vmon-vmm user) can save a snapshot in.
vmmdir() { install -d -m 0700 -o vmon-vmm -g vmon-vmm "$1"; }
# keep: copy the run's files out for a post-mortem (make check keeps them).
keep() { [ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/vmm" && cp "$work"/*.err "$work"/*.console "$work"/*.died "$VMTEST_OUT/vmm/" 2>/dev/null; }
. "$top/selftests/lib/nested.sh"

modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
modprobe tun
modprobe vhost_net 2>/dev/null
modprobe vmon 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$vmm" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, $vmm and $kernel"
	exit 1
fi
qimg=$(command -v qemu-img)
# Started as root, the VMM becomes vmon-vmm (make install creates the user,
# and tools/vmtest in its guest). It reaches snapshot dirs through $work.
if ! getent passwd vmon-vmm >/dev/null; then
	echo "Bail out! no vmon-vmm user for the VMM to run as (make install creates it)"
	exit 1
fi
chmod 0711 "$work"
ip tuntap add vmmtap0 mode tap && ip addr add 10.0.2.1/24 dev vmmtap0 && ip link set vmmtap0 up
mkdir -p "$work/www"
head -c 1048576 /dev/urandom >"$work/www/blob"
blob_md5=$(md5sum <"$work/www/blob" | cut -d' ' -f1)
busybox httpd -f -p 10.0.2.1:8080 -h "$work/www" &
httpd_pid=$!

# ---- guest A ---------------------------------------------------------------
if want a; then
cat >"$work/a.sh" <<GUEST
#!/bin/sh
bar() { cut -d' ' -f1 /sys/bus/pci/devices/\$1/resource | head -1; }
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
dd if=/tmp/pat of=/dev/vda bs=1M count=4 2>/dev/null && sync
echo 3 >/proc/sys/vm/drop_caches
a=\$(md5sum </tmp/pat | cut -d' ' -f1)
b=\$(dd if=/dev/vda bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "\$a" = "\$b" ] && echo "CHECK disk_readback ok" || echo "CHECK disk_readback fail \$a \$b"
dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c | grep -q 64 && echo "CHECK rng ok" || echo "CHECK rng fail"
ip link set eth0 up && ip addr add 10.0.2.2/24 dev eth0
ping -c 2 -W 5 10.0.2.1 >/dev/null && echo "CHECK ping ok" || echo "CHECK ping fail"
m=\$(wget -q -O - http://10.0.2.1:8080/blob | md5sum | cut -d' ' -f1)
[ "\$m" = "$blob_md5" ] && echo "CHECK transfer ok" || echo "CHECK transfer fail \$m"
# Hostile: unclaimed ports and MMIO, then garbage into the rng's transport.
for p in 1296 1297 1298 1792 2560; do
	dd if=/dev/urandom of=/dev/port bs=1 count=1 seek=\$p 2>/dev/null
	dd if=/dev/port bs=1 count=1 skip=\$p 2>/dev/null >/dev/null
done
devmem 0xd0000000 32 0xdeadbeef 2>/dev/null; devmem 0xd0000000 32 >/dev/null 2>&1
rng=\$(grep -l 0x1044 /sys/bus/pci/devices/*/device | head -1 | xargs dirname | xargs basename)
echo \$rng >/sys/bus/pci/drivers/virtio-pci/unbind
B=\$(bar \$rng)
w() { devmem \$((B + \$1)) \$2 \$3 2>/dev/null; }
w 0x14 8 0; w 0x16 16 0; w 0x18 16 3; w 0x20 32 0xfffff000; w 0x24 32 0xff; w 0x1c 16 1
w 0x14 8 0; w 0x16 16 77; w 0x18 16 64; w 0x1c 16 1; w 0x14 8 4; w 0x3010 16 1; w 0x3ffc 32 9
w 0x4000 32 0x1234; w 0x400c 32 0; w 0x7ff8 32 1; w 0x2000 32 5; w 0x0001 8 1; w 0x10 16 900
echo "CHECK hostile_done ok"
echo HOSTILE-DONE
# The workload the host snapshots, kills and restores.
i=0
while [ \$i -lt 40 ]; do
	yes "block \$i" | head -c 65536 | dd of=/dev/vda bs=65536 seek=\$((64 + i)) conv=notrunc 2>/dev/null
	echo "step \$i"
	i=\$((i + 1))
	sleep 0.5
done
sync
echo 3 >/proc/sys/vm/drop_caches
echo "WORKLOAD-DONE \$(dd if=/dev/vda bs=65536 skip=64 count=40 2>/dev/null | md5sum | cut -d' ' -f1)"
while :; do sleep 1; done
GUEST
selftests/vmm/mkinitrd "$work/a.cpio.gz" "$work/a.sh"
truncate -s 64M "$work/disk.raw"
con=$work/a.console
vmm_boot "$work/a.err" -k "$kernel" -i "$work/a.cpio.gz" -c 2 -m 256 --console "file:$con" \
	--disk "$work/disk.raw,backend=uring" --net tap=vmmtap0,backend=user --rng --balloon \
	--api "$work/api.sock"
wait_for "$con" HOSTILE-DONE 180
for c in disk_readback rng ping transfer hostile_done; do
	grep -q "CHECK $c ok" "$con"
	ok $? "a.$c" "$(grep "CHECK $c" "$con" | head -1)"
done
kill -0 "$vmm_pid" 2>/dev/null
ok $? a.alive_after_hostile_guest
st=$(call '{"cmd":"status"}')
echo "$st" | grep -q '"state":"running"' && echo "$st" | grep -q '"tid":[1-9]' &&
	echo "$st" | grep -q '"backend":"uring"' && echo "$st" | grep -q '"backend":"user"'
ok $? a.status_reports_vcpus_and_backends "$st"
echo "$st" | grep -q '"bad_io_accesses":[1-9]' && echo "$st" | grep -q '"broken":true'
ok $? a.hostile_accesses_counted
# The sandbox: root started it, the VMM runs as vmon-vmm, no supplementary group.
ids=$(awk '/^Uid:|^Gid:/ { print $2, $3, $4, $5 } /^Groups:/ { print "groups", $2 }' \
	"/proc/$vmm_pid/status" | tr '\n' ' ')
u=$(id -u vmon-vmm) g=$(id -g vmon-vmm)
[ "$ids" = "$u $u $u $u $g $g $g $g groups  " ]
ok $? a.runs_as_vmon_vmm_user "status: $ids; vmon-vmm is $u:$g"

wait_for "$con" "step 2" 60
call '{"cmd":"pause"}' | grep -q '"state":"paused"'
p=$?
s1=$(stat -c %s "$con")
sleep 3
s2=$(stat -c %s "$con")
call '{"cmd":"resume"}' | grep -q '"state":"running"'
r=$?
sleep 2
s3=$(stat -c %s "$con")
[ $p = 0 ] && [ $r = 0 ] && [ "$s1" = "$s2" ] && [ "$s3" -gt "$s2" ]
ok $? a.pause_stops_and_resume_restarts "sizes $s1 $s2 $s3"

wait_for "$con" "step 14" 60
snap=$work/snap
vmmdir "$snap"
call "{\"cmd\":\"snapshot\",\"path\":\"$snap\"}" >"$work/snap.out"
ok $? a.snapshot_saved "$(cat "$work/snap.out")"
kill -9 "$vmm_pid"
reap 10
steps_before=$(grep -c '^step' "$con")
con2=$work/a2.console
vmm_nested_forget
"$vmm" --restore "$snap" --console "file:$con2" 2>"$work/a2.err" &
vmm_pid=$!
wait_for "$con2" WORKLOAD-DONE 120
done_line=$(grep WORKLOAD-DONE "$con2" | tr -d '\r')
expect=$(for i in $(seq 0 39); do yes "block $i" | head -c 65536; done | md5sum | cut -d' ' -f1)
[ "$done_line" = "WORKLOAD-DONE $expect" ]
ok $? a.restored_workload_finishes_correctly "got '$done_line' want $expect; steps before kill $steps_before"
first=$(grep '^step' "$con2" | head -1)
[ -n "$first" ] && [ "$first" != "step 0" ]
ok $? a.restore_resumes_mid_workload "first step after restore: '$first'"

call '{"cmd":"balloon","target_mib":192}' >/dev/null
for _ in $(seq 40); do
	call '{"cmd":"status"}' | grep -q '"actual_mib":192' && break
	sleep 0.5
done
call '{"cmd":"status"}' | grep -q '"actual_mib":192'
ok $? a.balloon_inflates_to_target
call '{"cmd":"balloon","target_mib":256}' >/dev/null

call '{"cmd":"ctrl-alt-del"}' >/dev/null
reap 60
[ $rc = 0 ] && grep -q "ctrl-alt-del" "$con2"
ok $? a.graceful_shutdown_exits_0 "exit $rc"
disk=$(dd if="$work/disk.raw" bs=65536 skip=64 count=40 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$disk" = "$expect" ]
ok $? a.disk_intact_on_host
[ $failed = 0 ] || { diag "$work/a.err"; diag "$work/a2.err"; diag "$con2"; keep; }
fi
# ---- guest B ---------------------------------------------------------------
if want b; then
cat >"$work/b.sh" <<GUEST
#!/bin/sh
if [ "\$(dd if=/dev/vda bs=8 count=1 2>/dev/null)" = "BOOTED-1" ]; then
	echo "SECOND-BOOT"
	echo c >/proc/sysrq-trigger
fi
printf BOOTED-1 | dd of=/dev/vda conv=notrunc 2>/dev/null; sync
ip link set eth0 up && ip addr add 10.0.2.2/24 dev eth0
ping -c 2 -W 5 10.0.2.1 >/dev/null && echo "CHECK ping ok" || echo "CHECK ping fail"
m=\$(wget -q -O - http://10.0.2.1:8080/blob | md5sum | cut -d' ' -f1)
[ "\$m" = "$blob_md5" ] && echo "CHECK transfer ok" || echo "CHECK transfer fail \$m"
echo READY-FOR-RESET
while :; do sleep 1; done
GUEST
selftests/vmm/mkinitrd "$work/b.cpio.gz" "$work/b.sh"
truncate -s 16M "$work/disk2.raw"
con=$work/b.console
if [ -c /dev/vhost-net ]; then
	vmm_boot "$work/b.err" -k "$kernel" -i "$work/b.cpio.gz" -m 256 --console "file:$con" \
		--disk "$work/disk2.raw,format=raw" --net tap=vmmtap0,backend=vhost \
		--api "$work/api.sock"
	wait_for "$con" READY-FOR-RESET 180
	for c in ping transfer; do
		grep -q "CHECK $c ok" "$con"
		ok $? "b.vhost_net_$c" "$(grep "CHECK $c" "$con" | head -1)"
	done
	st=$(call '{"cmd":"status"}')
	echo "$st" | grep -q '"backend":"vhost"'
	ok $? b.status_shows_vhost
	if [ -c /dev/vmon ]; then
		echo "$st" | grep -q '"vmon_id":[1-9]' && grep -q "accounting: registered" "$work/b.err"
		ok $? b.registered_with_vmon "$(grep accounting "$work/b.err")"
	else
		skip b.registered_with_vmon "no /dev/vmon"
	fi
	call '{"cmd":"reset"}' >/dev/null
	wait_for "$con" SECOND-BOOT 180
	ok $? b.reset_reboots_in_place
	reap 60
	# the console tail starts at the panic message, however long the stack
	[ $rc = 3 ] && grep -q "guest crashed: kernel panic" "$work/b.err" &&
		grep -q "Kernel panic - not syncing: sysrq" "$work/b.err"
	ok $? b.panic_reported_as_crash "exit $rc"
	[ $failed = 0 ] || { diag "$work/b.err"; diag "$con"; keep; }
else
	for t in vhost_net_ping vhost_net_transfer status_shows_vhost registered_with_vmon \
		reset_reboots_in_place \
		panic_reported_as_crash; do
		skip "b.$t" "no /dev/vhost-net"
	done
fi
fi
# ---- guest C: vmon-net, the vhost-ABI kernel back end of this project ------
if want c; then
if [ -c /dev/vmon-net ]; then
	cat >"$work/c.sh" <<GUEST
#!/bin/sh
ip link set eth0 up && ip addr add 10.0.2.2/24 dev eth0
ping -c 2 -W 5 10.0.2.1 >/dev/null && echo "CHECK ping ok" || echo "CHECK ping fail"
m=\$(wget -q -O - http://10.0.2.1:8080/blob | md5sum | cut -d' ' -f1)
[ "\$m" = "$blob_md5" ] && echo "CHECK transfer ok" || echo "CHECK transfer fail \$m"
sleep 5
GUEST
	selftests/vmm/mkinitrd "$work/c.cpio.gz" "$work/c.sh"
	con=$work/c.console
	vmm_boot "$work/c.err" -k "$kernel" -i "$work/c.cpio.gz" -m 256 --console "file:$con" \
		--net tap=vmmtap0 --api "$work/api.sock"
	wait_for "$con" "CHECK transfer" 180
	st=$(call '{"cmd":"status"}')
	reap 60
	grep -q "CHECK ping ok" "$con" && grep -q "CHECK transfer ok" "$con" &&
		echo "$st" | grep -q '"backend":"vmon-net"' && [ $rc = 0 ]
	ok $? c.vmon_net_is_default_and_carries_traffic "exit $rc; $(grep CHECK "$con" | tr -d '\r' | tr '\n' ' ')"
	[ $failed = 0 ] || { diag "$work/c.err"; keep; }
else
	skip c.vmon_net_is_default_and_carries_traffic "no /dev/vmon-net"
fi
fi
# ---- guest D: virtio-blk on /dev/vmon-blk ------------------------------------
# pattern N PREFIX: N 64 KiB blocks of "PREFIX i" lines, the same in guest and host.
pattern() {
	local i
	for ((i = 0; i < $1; i++)); do yes "$2 $i" | head -c 65536; done
}
if want d && [ -c /dev/vmon-blk ]; then
cat >"$work/d.sh" <<'GUEST'
#!/bin/sh
pat() { i=0; while [ $i -lt $1 ]; do yes "$2 $i" | head -c 65536; i=$((i + 1)); done; }
if [ "$(dd if=/dev/vda bs=8 count=1 2>/dev/null)" != "vmon-blk" ]; then
	pat 128 vmon-blk >/tmp/pat
	dd if=/tmp/pat of=/dev/vda bs=1M 2>/dev/null && sync
	echo 3 >/proc/sys/vm/drop_caches
	a=$(md5sum </tmp/pat | cut -d' ' -f1)
	b=$(dd if=/dev/vda bs=1M count=8 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$a" = "$b" ] && echo "CHECK disk_readback ok" || echo "CHECK disk_readback fail $a $b"
	rm /tmp/pat
	# Hostile, on the second disk (vdb, also vmon-blk): take it from the
	# driver and drive it by hand with a request whose header is 4 bytes,
	# rings at 512 KiB (in the first MiB, which Linux keeps to itself).
	pci=$(basename "$(dirname "$(readlink -f /sys/block/vdb/device)")")
	B=$(cut -d' ' -f1 "/sys/bus/pci/devices/$pci/resource" | head -1)
	echo "$pci" >/sys/bus/pci/drivers/virtio-pci/unbind
	m() { devmem $(($1)) 32 $(($2)); }
	m 0x80000 0x80100; m 0x80004 0; m 0x80008 4; m 0x8000c 0 # desc 0: 4 bytes, readable
	m 0x81000 0x10000; m 0x81004 0                           # avail: idx 1, ring[0] 0
	m 0x82000 0; m 0x82004 0                                 # used
	w() { devmem $((B + $1)) $2 $(($3)); }
	w 0x14 8 0; w 0x14 8 1; w 0x14 8 3; w 0x08 32 1; w 0x0c 32 1; w 0x14 8 11
	w 0x16 16 0; w 0x18 16 16; w 0x20 32 0x80000; w 0x24 32 0
	w 0x28 32 0x81000; w 0x2c 32 0; w 0x30 32 0x82000; w 0x34 32 0; w 0x1c 16 1
	w 0x14 8 15; w 0x3000 16 0
	sleep 1
	echo "HOSTILE-DONE status $(devmem $((B + 0x14)) 8)"
fi
i=0
while [ $i -lt 30 ]; do
	yes "workload $i" | head -c 65536 | dd of=/dev/vda bs=65536 seek=$((256 + i)) conv=notrunc 2>/dev/null
	echo "step $i"
	i=$((i + 1))
	sleep 0.3
done
sync
echo 3 >/proc/sys/vm/drop_caches
echo "WORKLOAD-DONE $(dd if=/dev/vda bs=65536 skip=256 count=30 2>/dev/null | md5sum | cut -d' ' -f1)"
GUEST
selftests/vmm/mkinitrd "$work/d.cpio.gz" "$work/d.sh"
truncate -s 64M "$work/d.raw"
truncate -s 1M "$work/d-hostile.raw"
con=$work/d.console
vmm_boot "$work/d.err" -k "$kernel" -i "$work/d.cpio.gz" -c 2 -m 256 --console "file:$con" \
	--disk "$work/d.raw,format=raw" --disk "$work/d-hostile.raw,format=raw" --api "$work/api.sock" --name vmm-test-d
wait_for "$con" "step 3" 180
grep -q "CHECK disk_readback ok" "$con"
ok $? d.vmon_blk_write_readback_checksum "$(grep "CHECK disk_readback" "$con" | head -1)"
st=$(call '{"cmd":"status"}')
echo "$st" | grep -q '"type":"virtio-blk","pci":"[0-9a-f:.]*","backend":"vmon-blk","driver_ok":true,"broken":false' &&
	echo "$st" | grep -q '"requests":[1-9]'
ok $? d.status_shows_vmon_blk_and_kernel_counts "$st"
if [ -c /dev/vmon ]; then
	build/vmon stats vmm-test-d --output=json >"$work/d.stats" 2>&1
	[ "$(grep -cE '"type": ?"blk"' "$work/d.stats")" = 2 ] && ! grep -q "cannot attach" "$work/d.err"
	ok $? d.disks_attached_to_registered_vm "$(head -c 600 "$work/d.stats")"
else
	skip d.disks_attached_to_registered_vm "no /dev/vmon"
fi
# The hostile disk is broken (NEEDS_RESET, 0x40, seen by the guest too), the VMM alive.
echo "$st" | grep -q '"backend":"vmon-blk","driver_ok":true,"broken":true' &&
	grep -q "vmon-blk stopped the request queue" "$work/d.err" &&
	grep -q "HOSTILE-DONE status 0x0*4F" "$con" && kill -0 "$vmm_pid"
ok $? d.hostile_request_breaks_only_its_disk "$(grep HOSTILE-DONE "$con"); $(grep -i stopped "$work/d.err")"
vmmdir "$work/dsnap"
call "{\"cmd\":\"snapshot\",\"path\":\"$work/dsnap\"}" >"$work/dsnap.out"
ok $? d.snapshot_saved "$(cat "$work/dsnap.out")"
kill -9 "$vmm_pid"
reap 10
con2=$work/d2.console
vmm_nested_forget
"$vmm" --restore "$work/dsnap" --console "file:$con2" 2>"$work/d2.err" &
vmm_pid=$!
wait_for "$con2" WORKLOAD-DONE 120
for ((i = 0; i < 30; i++)); do yes "workload $i" | head -c 65536; done >"$work/d.work"
expect=$(md5sum <"$work/d.work" | cut -d' ' -f1)
done_line=$(grep WORKLOAD-DONE "$con2" | tr -d '\r')
first=$(grep '^step' "$con2" | head -1)
[ "$done_line" = "WORKLOAD-DONE $expect" ] && [ -n "$first" ] && [ "$first" != "step 0" ]
ok $? d.restored_ring_state_workload_finishes "got '$done_line' want $expect; first step after restore '$first'"
reap 60
[ $rc = 0 ]
ok $? d.guest_exit_ends_vmm_0 "exit $rc"
# The image as the guest must have left it, byte for byte.
truncate -s 64M "$work/d.expect"
pattern 128 vmon-blk | dd of="$work/d.expect" conv=notrunc 2>/dev/null
dd if="$work/d.work" of="$work/d.expect" bs=65536 seek=256 conv=notrunc 2>/dev/null
"$qimg" compare -f raw -F raw "$work/d.raw" "$work/d.expect" >"$work/d.cmp" 2>&1
ok $? d.data_landed_on_host_image "$(cat "$work/d.cmp")"
build/vmon img create -f qcow2 "$work/d.qcow2" 16M >/dev/null
"$vmm" -k "$kernel" --disk "$work/d.qcow2,backend=vmon-blk" 2>"$work/d3.err" </dev/null
r=$?
[ $r = 1 ] && grep -q "raw images only" "$work/d3.err"
ok $? d.vmon_blk_refuses_qcow2 "exit $r: $(cat "$work/d3.err")"
# cache=none on a block device (a loop device over an image): opened
# O_DIRECT, so vmon-blk sends bios; written, read back, compared on the host.
cat >"$work/df.sh" <<'GUEST'
#!/bin/sh
pat() { i=0; while [ $i -lt $1 ]; do yes "$2 $i" | head -c 65536; i=$((i + 1)); done; }
pat 64 direct >/tmp/pat
dd if=/tmp/pat of=/dev/vda bs=1M 2>/dev/null && sync
echo 3 >/proc/sys/vm/drop_caches
a=$(md5sum </tmp/pat | cut -d' ' -f1)
b=$(dd if=/dev/vda bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$a" = "$b" ] && echo "CHECK direct_readback ok" || echo "CHECK direct_readback fail $a $b"
GUEST
selftests/vmm/mkinitrd "$work/df.cpio.gz" "$work/df.sh"
truncate -s 16M "$work/df.raw"
modprobe loop
if loopdev=$(losetup -f --show "$work/df.raw"); then
	vmm_run "$work/df.err" -k "$kernel" -i "$work/df.cpio.gz" --console "file:$work/df.console" \
		--disk "$loopdev,format=raw,cache=none"
	r=$?
	losetup -d "$loopdev"
else
	r=losetup
fi
pattern 64 direct >"$work/df.expect"
truncate -s 16M "$work/df.expect"
[ $r = 0 ] && grep -q "CHECK direct_readback ok" "$work/df.console" &&
	grep -q "backend vmon-blk, cache=none" "$work/df.err" &&
	"$qimg" compare -f raw -F raw "$work/df.raw" "$work/df.expect" >"$work/df.cmp" 2>&1
ok $? d.cache_none_block_device "exit $r: $(grep -h "CHECK\|cache=" "$work/df.console" "$work/df.err"; cat "$work/df.cmp")"
[ $failed = 0 ] || { diag "$work/d.err"; diag "$work/d2.err"; diag "$con"; diag "$con2"; keep; }
elif want d; then
	for t in vmon_blk_write_readback_checksum status_shows_vmon_blk_and_kernel_counts \
		disks_attached_to_registered_vm hostile_request_breaks_only_its_disk snapshot_saved restored_ring_state_workload_finishes guest_exit_ends_vmm_0 \
		data_landed_on_host_image vmon_blk_refuses_qcow2 cache_none_block_device; do
		skip "d.$t" "no /dev/vmon-blk"
	done
fi

# ---- guest E: a qcow2 overlay over a raw base, through libqcow2 --------------
if want e; then
cat >"$work/e.sh" <<'GUEST'
#!/bin/sh
pat() { i=0; while [ $i -lt $1 ]; do yes "$2 $i" | head -c 65536; i=$((i + 1)); done; }
md5() { md5sum | cut -d' ' -f1; }
# 4 MiB expected: the base, with 300 KiB of "overlay" at byte 1228800 (not
# cluster aligned: copy-on-write of partial 64 KiB clusters from the base).
pat 64 base >/tmp/exp
pat 5 overlay | head -c 307200 >/tmp/ov
dd if=/tmp/ov of=/tmp/exp bs=4096 seek=300 conv=notrunc 2>/dev/null
if [ "$(dd if=/dev/vda bs=4096 skip=300 count=1 2>/dev/null | head -c 9)" != "overlay 0" ]; then
	b=$(dd if=/dev/vda bs=1M count=4 2>/dev/null | md5)
	[ "$b" = "$(pat 64 base | md5)" ] && echo "CHECK backing_read ok" || echo "CHECK backing_read fail $b"
	# fsync: a flush request (a bare sync does not flush a raw block device)
	dd if=/tmp/ov of=/dev/vda bs=4096 seek=300 conv=notrunc,fsync 2>/dev/null
	echo 3 >/proc/sys/vm/drop_caches
	b=$(dd if=/dev/vda bs=1M count=4 2>/dev/null | md5)
	[ "$b" = "$(md5 </tmp/exp)" ] && echo "CHECK overlay_readback ok" || echo "CHECK overlay_readback fail $b"
	echo SYNCED
	while :; do sleep 1; done
fi
# Second boot: what the first wrote is there; add 1 MiB at 16 MiB, end cleanly.
b=$(dd if=/dev/vda bs=1M count=4 2>/dev/null | md5)
[ "$b" = "$(md5 </tmp/exp)" ] && echo "CHECK second_boot_reads ok" || echo "CHECK second_boot_reads fail $b"
pat 16 second | dd of=/dev/vda bs=1M seek=16 conv=notrunc 2>/dev/null
GUEST
selftests/vmm/mkinitrd "$work/e.cpio.gz" "$work/e.sh"
pattern 64 base >"$work/e-base.raw"
truncate -s 32M "$work/e-base.raw"
base_md5=$(md5sum <"$work/e-base.raw" | cut -d' ' -f1)
build/vmon img create -f qcow2 -b e-base.raw -F raw "$work/e-ov.qcow2" >/dev/null
con=$work/e.console
vmm_boot "$work/e.err" -k "$kernel" -i "$work/e.cpio.gz" -m 256 --console "file:$con" \
	--disk "$work/e-ov.qcow2" --api "$work/api.sock"
wait_for "$con" SYNCED 180
st=$(call '{"cmd":"status"}')
kill -9 "$vmm_pid"
reap 10
for c in backing_read overlay_readback; do
	grep -q "CHECK $c ok" "$con"
	ok $? "e.qcow2_$c" "$(grep "CHECK $c" "$con" | head -1)"
done
echo "$st" | grep -q '"backend":"uring"' && grep -q "qcow2 image.*backend uring" "$work/e.err"
ok $? e.status_shows_uring_for_qcow2 "$st"
cp "$work/e-base.raw" "$work/e.expect"
pattern 5 overlay | head -c 307200 | dd of="$work/e.expect" bs=4096 seek=300 conv=notrunc 2>/dev/null
"$qimg" check "$work/e-ov.qcow2" >"$work/e.chk" 2>&1 &&
	"$qimg" compare "$work/e-ov.qcow2" "$work/e.expect" >>"$work/e.chk" 2>&1
ok $? e.synced_writes_survive_sigkill "$(cat "$work/e.chk")"
con=$work/e2.console
vmm_boot "$work/e2.err" -k "$kernel" -i "$work/e.cpio.gz" -m 256 --console "file:$con" \
	--disk "$work/e-ov.qcow2,format=qcow2,backend=uring"
reap 180
grep -q "CHECK second_boot_reads ok" "$con" && [ $rc = 0 ]
ok $? e.second_boot_reads_and_exits_0 "exit $rc; $(grep "CHECK second" "$con" | head -1)"
pattern 16 second | dd of="$work/e.expect" bs=1M seek=16 conv=notrunc 2>/dev/null
"$qimg" check "$work/e-ov.qcow2" >"$work/e.chk" 2>&1 &&
	"$qimg" compare "$work/e-ov.qcow2" "$work/e.expect" >>"$work/e.chk" 2>&1
ok $? e.qemu_img_check_and_compare_after_clean_exit "$(cat "$work/e.chk")"
[ "$(md5sum <"$work/e-base.raw" | cut -d' ' -f1)" = "$base_md5" ]
ok $? e.base_untouched
# A hostile image: the L1 table offset not cluster aligned.
cp "$work/e-ov.qcow2" "$work/e-bad.qcow2"
printf '\x00\x00\x00\x00\x00\x03\x02\x01' | dd of="$work/e-bad.qcow2" bs=1 seek=40 conv=notrunc 2>/dev/null
"$vmm" -k "$kernel" --disk "$work/e-bad.qcow2" 2>"$work/e3.err" </dev/null
r=$?
[ $r = 1 ] && grep -q "l1_table_offset" "$work/e3.err"
ok $? e.corrupt_qcow2_refused_naming_field "exit $r: $(cat "$work/e3.err")"
[ $failed = 0 ] || { diag "$work/e.err"; diag "$work/e2.err"; diag "$con"; keep; }
fi
exit $failed
