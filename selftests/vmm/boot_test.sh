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
#     shutdown (ctrl-alt-del) ending the VMM with status 0.
#   guest B (vhost-net back end): ping and transfer, an in-place reset that
#     boots the guest a second time, then a kernel panic reported as a
#     crash (exit 3) with the console tail.
#   guest C (the default back end, vmon-net when /dev/vmon-net exists):
#     ping and transfer, the status naming vmon-net.
#
# Prints TAP. Run as root from the top of the tree (make check does).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
vmm=$top/build/vmon-vmm
guest=$top/build/vmm-guest
kernel=$guest/vmlinuz
work=$(mktemp -d /tmp/vmm-test.XXXXXX)
n=0 failed=0 vmm_pid=
echo "1..22"

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
		[ -n "$vmm_pid" ] && ! kill -0 "$vmm_pid" 2>/dev/null && break
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
		kill -0 "$vmm_pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -0 "$vmm_pid" 2>/dev/null && { kill -9 "$vmm_pid"; echo "# VMM did not end; killed"; }
	wait "$vmm_pid"
	rc=$?
	vmm_pid=
}
# keep: copy the run's files out for a post-mortem (make check keeps them).
keep() { [ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/vmm" && cp "$work"/*.err "$work"/*.console "$VMTEST_OUT/vmm/" 2>/dev/null; }

modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
modprobe tun
modprobe vhost_net 2>/dev/null
modprobe vmon 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$vmm" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, $vmm and $kernel"
	exit 1
fi
ip tuntap add vmmtap0 mode tap && ip addr add 10.0.2.1/24 dev vmmtap0 && ip link set vmmtap0 up
mkdir -p "$work/www"
head -c 1048576 /dev/urandom >"$work/www/blob"
blob_md5=$(md5sum <"$work/www/blob" | cut -d' ' -f1)
busybox httpd -f -p 10.0.2.1:8080 -h "$work/www" &
httpd_pid=$!

# ---- guest A ---------------------------------------------------------------
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
for p in 1296 1297 1298 1536 2560; do
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
"$vmm" -k "$kernel" -i "$work/a.cpio.gz" -c 2 -m 256 --console "file:$con" \
	--disk "$work/disk.raw,backend=uring" --net tap=vmmtap0,backend=user --rng --balloon \
	--api "$work/api.sock" 2>"$work/a.err" &
vmm_pid=$!
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
call "{\"cmd\":\"snapshot\",\"path\":\"$snap\"}" >"$work/snap.out"
ok $? a.snapshot_saved "$(cat "$work/snap.out")"
kill -9 "$vmm_pid"
reap 10
steps_before=$(grep -c '^step' "$con")
con2=$work/a2.console
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

call '{"cmd":"shutdown"}' >/dev/null
reap 60
[ $rc = 0 ] && grep -q "ctrl-alt-del" "$con2"
ok $? a.graceful_shutdown_exits_0 "exit $rc"
disk=$(dd if="$work/disk.raw" bs=65536 skip=64 count=40 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$disk" = "$expect" ]
ok $? a.disk_intact_on_host
[ $failed = 0 ] || { diag "$work/a.err"; diag "$work/a2.err"; diag "$con2"; keep; }

# ---- guest B ---------------------------------------------------------------
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
	"$vmm" -k "$kernel" -i "$work/b.cpio.gz" -m 256 --console "file:$con" \
		--disk "$work/disk2.raw" --net tap=vmmtap0,backend=vhost \
		--api "$work/api.sock" 2>"$work/b.err" &
	vmm_pid=$!
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
	[ $rc = 3 ] && grep -q "guest crashed: kernel panic" "$work/b.err" &&
		grep -q "sysrq" "$work/b.err"
	ok $? b.panic_reported_as_crash "exit $rc"
	[ $failed = 0 ] || { diag "$work/b.err"; diag "$con"; keep; }
else
	for t in vhost_net_ping vhost_net_transfer status_shows_vhost registered_with_vmon \
		reset_reboots_in_place \
		panic_reported_as_crash; do
		skip "b.$t" "no /dev/vhost-net"
	done
fi
# ---- guest C: vmon-net, the vhost-ABI kernel back end of this project ------
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
	"$vmm" -k "$kernel" -i "$work/c.cpio.gz" -m 256 --console "file:$con" \
		--net tap=vmmtap0 --api "$work/api.sock" 2>"$work/c.err" &
	vmm_pid=$!
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
exit $failed
