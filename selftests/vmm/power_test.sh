#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon-vmm's ACPI machine and power model, with nested guests in the test VM:
#   p  the test kernel with -c 2: 2 CPUs, ACPI tables found, no ACPI errors
#      or firmware-bug lines in dmesg; the power button ({"cmd":"shutdown"})
#      reaches busybox acpid, the guest powers off (S5), the VMM says
#      "powered off" and exits 0.
#   r  the guest's reboot -f: exit 4, "reboot"; with --on-reboot restart the
#      guest boots again in place, "reboots":1 in the status.
#   s  S3: echo mem >/sys/power/state parks the vCPUs, the status says
#      pmsuspended; a snapshot taken then, SIGKILL, restore: pmsuspended
#      again; wakeup: the guest's workload continues to its end, both CPUs
#      online, its virtio disk and rng working.
#   k  Debian's cloud kernel (no CONFIG_X86_MPPARSE) with -c 2: 2 CPUs;
#      with --max-cpus 3, set-vcpus 3 hot-adds a third, which it onlines.
#   m  the test kernel with acpi=off and -c 2: 2 CPUs from the MP table.
#   h  CPU hot add and remove: -c 1 --max-cpus 3 boots 1 CPU of 3
#      possible; set-vcpus 3 adds two, which the guest onlines; set-vcpus 2
#      asks for one back, which the guest offlines and ejects; vmon stats
#      follows the hot-added vCPUs' threads (their CPU and steal time); a
#      snapshot of
#      the guest with its hot-added CPU restores with it, and the CPU ejected
#      before comes back with set-vcpus 3; no ACPI error in dmesg.
#   n  the test harness's one retry of a nested guest that dies before its
#      init runs (selftests/lib/nested.sh): a kernel that cannot start its
#      init (rdinit= a missing file: a panic) is booted exactly once
#      more, the dead boot's console kept; a guest that panics after its
#      init printed is not booted again.
# Usage: power_test [GROUP...] (default: p r s k m h n). Prints TAP; run as
# root from the top of the tree, in tools/vmtest.
set -u
declare -A plan=([p]=5 [r]=3 [s]=5 [k]=3 [m]=1 [h]=7 [n]=2)
groups=${*:-p r s k m h n}
total=0
for g in $groups; do
	[ -n "${plan[$g]:-}" ] || { echo "Bail out! unknown group '$g' (p r s k m h n)"; exit 1; }
	total=$((total + plan[$g]))
done
want() { [[ " $groups " == *" $1 "* ]]; }
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
vmm=$top/build/vmon-vmm
guest=$top/build/vmm-guest
kernel=$guest/vmlinuz
work=$(mktemp -d /tmp/vmm-power.XXXXXX)
n=0 failed=0 vmm_pid=
echo "1..$total"

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n power.$2"
	else
		echo "not ok $n power.$2${3:+ # $3}"
		failed=1
	fi
}
cleanup() {
	[ -n "$vmm_pid" ] && kill -9 "$vmm_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
wait_for() { # wait_for FILE PATTERN SECONDS
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
# until_status PATTERN SECONDS: until the status answer matches.
until_status() {
	local i
	for ((i = 0; i < $2 * 2; i++)); do
		call '{"cmd":"status"}' 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.5
	done
	return 1
}
reap() { # reap SECONDS: wait for the VMM to end, else kill it; sets rc
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
diag() { tr -d '\r' <"$1" | grep -v '^step' | tail -n 15 | tr '\n' '|'; }
keep() { [ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/power" && cp "$work"/*.err "$work"/*.console "$work"/*.died "$VMTEST_OUT/power/" 2>/dev/null; }
. "$top/selftests/lib/nested.sh"

modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$vmm" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, $vmm and $kernel"
	exit 1
fi
# Started as root, each VMM runs as vmon-vmm (make install creates the user,
# and tools/vmtest in its guest): it reaches its snapshot dir through $work.
if ! getent passwd vmon-vmm >/dev/null; then
	echo "Bail out! no vmon-vmm user for the VMM to run as (make install creates it)"
	exit 1
fi
chmod 0711 "$work"

# The guest's own report: CPUs, ACPI tables, lines of dmesg that complain.
cat >"$work/report.sh" <<'GUEST'
echo "CHECK cpus $(nproc)"
[ -e /sys/firmware/acpi/tables/DSDT ] && [ -e /sys/firmware/acpi/tables/FACP ] &&
	echo "CHECK acpi_tables ok"
bad=$(dmesg | grep -iE 'ACPI (BIOS )?(Error|Warning)|\[Firmware Bug\]|ACPI.*(failed|error)' |
	head -5 | tr '\n' '|')
[ -z "$bad" ] && echo "CHECK acpi_dmesg_clean ok" || echo "CHECK acpi_dmesg_clean fail $bad"
GUEST
# The guest onlines every CPU that comes, as a udev rule would, and says
# which are online whenever that changes, with its count of ACPI complaints.
cat >"$work/online.sh" <<'GUEST'
echo "CHECK cpus $(nproc) possible $(cat /sys/devices/system/cpu/possible)"
echo READY
last=
while :; do
	for f in /sys/devices/system/cpu/cpu*/online; do
		[ "$(cat "$f" 2>/dev/null)" = 0 ] && echo 1 >"$f" 2>/dev/null
	done
	now="$(cat /sys/devices/system/cpu/online) acpierr $(dmesg |
		grep -ciE 'ACPI (BIOS )?(Error|Warning)|\[Firmware Bug\]|ACPI.*(failed|error)')"
	[ "$now" != "$last" ] && echo "ONLINE $now" && last=$now
	sleep 0.5
done
GUEST

# ---- p: power button -------------------------------------------------------
if want p; then
{ cat "$work/report.sh"; echo 'echo READY; while :; do sleep 1; done'; } >"$work/p.sh"
selftests/vmm/mkinitrd "$work/p.cpio.gz" "$work/p.sh"
con=$work/p.console
vmm_boot "$work/p.err" -k "$kernel" -i "$work/p.cpio.gz" -c 2 -m 256 --console "file:$con" \
	--api "$work/api.sock"
wait_for "$con" READY 180
grep -q "CHECK cpus 2" "$con"
ok $? p.two_cpus "$(grep "CHECK cpus" "$con" | tr -d '\r')"
grep -q "CHECK acpi_tables ok" "$con"
ok $? p.acpi_tables_found
grep -q "CHECK acpi_dmesg_clean ok" "$con"
ok $? p.no_acpi_errors_in_dmesg "$(grep "CHECK acpi_dmesg" "$con" | tr -d '\r')"
# the guest's button driver enables the power button; then press it
until_status '"power_button_enabled":true' 60
e=$?
call '{"cmd":"shutdown"}' >"$work/p.ans"
reap 90
[ $e = 0 ] && [ $rc = 0 ] && grep -q "guest-power: power button" "$con" &&
	grep -q "guest powered off (ACPI S5)" "$work/p.err" && grep -q "exit 0: powered off" "$work/p.err"
ok $? p.power_button_powers_off "exit $rc; enabled $e; $(cat "$work/p.ans"); $(tail -3 "$work/p.err" | tr '\n' '|')"
grep -q '"ok":true' "$work/p.ans"
ok $? p.shutdown_answered "$(cat "$work/p.ans")"
keep
fi

# ---- r: reboot -------------------------------------------------------------
if want r; then
printf 'echo BOOTED\nsleep 1\nreboot -f\n' >"$work/r.sh"
selftests/vmm/mkinitrd "$work/r.cpio.gz" "$work/r.sh"
con=$work/r.console
vmm_boot "$work/r.err" -k "$kernel" -i "$work/r.cpio.gz" -c 1 -m 256 --console "file:$con"
reap 180
[ $rc = 4 ] && grep -q BOOTED "$con" && grep -q "exit 4: reboot" "$work/r.err"
ok $? r.reboot_exits_4 "exit $rc; $(tail -3 "$work/r.err" | tr '\n' '|')"

con=$work/r2.console
# (not vmm_boot: the guest reboots on purpose, in place; a death in boot
# would be one more reboot)
vmm_nested_forget
"$vmm" -k "$kernel" -i "$work/r.cpio.gz" -c 1 -m 256 --console "file:$con" --on-reboot restart \
	--api "$work/api.sock" 2>"$work/r2.err" &
vmm_pid=$!
for _ in $(seq 360); do
	[ "$(grep -c BOOTED "$con" 2>/dev/null)" -ge 2 ] && break
	kill -0 "$vmm_pid" 2>/dev/null || break
	sleep 0.5
done
st=$(call '{"cmd":"status"}')
[ "$(grep -c BOOTED "$con")" -ge 2 ] && echo "$st" | grep -q '"reboots":[1-9]'
ok $? r.on_reboot_restart_boots_again "boots $(grep -c BOOTED "$con"); $st"
call '{"cmd":"quit"}' >/dev/null
reap 30
[ $rc = 0 ] && grep -q "exit 0: stopped" "$work/r2.err"
ok $? r.quit_exits_0_stopped "exit $rc; $(tail -2 "$work/r2.err" | tr '\n' '|')"
keep
fi

# ---- s: S3 -----------------------------------------------------------------
if want s; then
cat >"$work/s.sh" <<'GUEST'
grep -q mem /sys/power/state && echo "CHECK s3_offered ok"
yes s3-before | head -c 1048576 >/tmp/a
dd if=/tmp/a of=/dev/vda bs=1M conv=fsync 2>/dev/null
echo SUSPENDING
echo mem >/sys/power/state
echo "RESUMED rc=$?"
i=0
while [ $i -lt 5 ]; do echo "tick $i"; i=$((i + 1)); sleep 1; done
# the devices work after the resume: the disk reads back, the rng gives bytes
echo 3 >/proc/sys/vm/drop_caches
[ "$(dd if=/dev/vda bs=1M count=1 2>/dev/null | md5sum)" = "$(md5sum </tmp/a)" ] &&
	[ "$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)" = 64 ] && echo "CHECK devices_after_resume ok"
echo "WORKLOAD-DONE cpus $(grep -c ^processor /proc/cpuinfo) online $(cat /sys/devices/system/cpu/online)"
GUEST
selftests/vmm/mkinitrd "$work/s.cpio.gz" "$work/s.sh"
con=$work/s.console
truncate -s 16M "$work/s.raw"
vmm_boot "$work/s.err" -k "$kernel" -i "$work/s.cpio.gz" -c 2 -m 256 --console "file:$con" \
	--disk "$work/s.raw,format=raw,backend=uring" --rng \
	-a no_console_suspend --api "$work/api.sock"
wait_for "$con" SUSPENDING 180
until_status '"state":"pmsuspended"' 60
p=$?
grep -q "CHECK s3_offered ok" "$con" && [ $p = 0 ]
ok $? s.suspend_is_pmsuspended "$(call '{"cmd":"status"}' | cut -c1-120); $(diag "$con")"
call '{"cmd":"resume"}' | grep -q '"ok":false'
ok $? s.resume_refused_while_pmsuspended
snap=$work/snap
install -d -m 0700 -o vmon-vmm -g vmon-vmm "$snap"
call "{\"cmd\":\"snapshot\",\"path\":\"$snap\"}" >"$work/snap.out"
kill -9 "$vmm_pid"
reap 10
con=$work/s2.console
vmm_nested_forget
"$vmm" --restore "$snap" --console "file:$con" 2>"$work/s2.err" &
vmm_pid=$!
until_status '"state":"pmsuspended"' 30
ok $? s.restored_snapshot_is_pmsuspended "$(cat "$work/snap.out" | cut -c1-200); $(tail -3 "$work/s2.err" | tr '\n' '|')"
call '{"cmd":"wakeup"}' >"$work/w.ans"
wait_for "$con" WORKLOAD-DONE 120
grep -q '"ok":true' "$work/w.ans" && grep -q "RESUMED rc=0" "$con" && grep -q "tick 4" "$con"
ok $? s.wakeup_resumes_the_workload "$(cat "$work/w.ans" | cut -c1-120); $(diag "$con")"
grep -q "WORKLOAD-DONE cpus 2 online 0-1" "$con" && grep -q "CHECK devices_after_resume ok" "$con"
ok $? s.cpus_and_devices_work_after_resume "$(grep -E "WORKLOAD-DONE|CHECK dev" "$con" | tr -d '\r')"
reap 60
keep
fi

# ---- k: Debian's cloud kernel ----------------------------------------------
if want k; then
ck=$guest/vmlinuz-cloud
if [ ! -f "$ck" ]; then
	echo "not ok $((n + 1)) power.k.cloud_kernel_present # missing $ck (make; tools/kcache image cloud)"
	n=$((n + 1)); failed=1
else
	ok 0 k.cloud_kernel_present
fi
cp "$work/online.sh" "$work/k.sh"
selftests/vmm/mkinitrd "$work/k.cpio.gz" "$work/k.sh"
con=$work/k.console
vmm_boot "$work/k.err" -k "$ck" -i "$work/k.cpio.gz" -c 2 --max-cpus 3 -m 256 \
	--console "file:$con" --api "$work/api.sock"
wait_for "$con" "ONLINE 0-1 acpierr 0" 240
grep -q "CHECK cpus 2 possible 0-2" "$con"
ok $? k.cloud_kernel_sees_two_cpus "$(grep -E "CHECK cpus|ONLINE" "$con" | tr -d '\r' | tr '\n' '|')"
call '{"cmd":"set-vcpus","count":3}' >"$work/k.ans"
wait_for "$con" "ONLINE 0-2 acpierr 0" 90
ok $? k.cloud_kernel_onlines_a_hot_added_cpu "$(cut -c1-100 "$work/k.ans"); $(diag "$con")"
call '{"cmd":"quit"}' >/dev/null
reap 30
keep
fi

# ---- m: no ACPI, the MP table ----------------------------------------------
if want m; then
# without ACPI there is no poweroff: the guest ends with a reset (status 4)
printf 'echo "CHECK cpus $(nproc) acpi $(ls /sys/firmware/acpi 2>/dev/null | wc -l)"\nreboot -f\n' >"$work/m.sh"
selftests/vmm/mkinitrd "$work/m.cpio.gz" "$work/m.sh"
con=$work/m.console
vmm_boot "$work/m.err" -k "$kernel" -i "$work/m.cpio.gz" -c 2 -m 256 -a acpi=off --console "file:$con"
reap 180
grep -q "CHECK cpus 2 acpi 0" "$con" && [ $rc = 4 ]
ok $? m.mptable_gives_two_cpus_without_acpi "exit $rc; $(grep "CHECK cpus" "$con" | tr -d '\r')"
keep
fi
# ---- h: CPU hot add and remove ---------------------------------------------
if want h; then
# vmon.ko for the accounting check (the VMM registers with it when loaded)
modprobe vmon 2>/dev/null
cp "$work/online.sh" "$work/h.sh"
selftests/vmm/mkinitrd "$work/h.cpio.gz" "$work/h.sh"
con=$work/h.console
vmm_boot "$work/h.err" -k "$kernel" -i "$work/h.cpio.gz" -c 1 --max-cpus 3 -m 256 \
	--console "file:$con" --api "$work/api.sock" --name vmm-hotplug
wait_for "$con" "ONLINE 0 acpierr 0" 180
grep -q "CHECK cpus 1 possible 0-2" "$con" && call '{"cmd":"status"}' | grep -q '"vcpus_present":1,"vcpus_max":3'
ok $? h.boots_one_of_three_possible "$(grep -E "CHECK cpus|ONLINE" "$con" | tr -d '\r' | tr '\n' '|')"
call '{"cmd":"set-vcpus","count":3}' >"$work/h.ans"
wait_for "$con" "ONLINE 0-2 acpierr 0" 90
ok $? h.hot_add_two_online_in_the_guest "$(cut -c1-100 "$work/h.ans"); $(diag "$con")"
# the module follows the hot-added vCPUs: their threads, as the VMM names
# them, with CPU time counted (steal is counted from the same thread)
if [ -e /dev/vmon ]; then
	sleep 2
	"$top/build/vmon" stats vmm-hotplug --output=json >"$work/h.stats" 2>&1
	call '{"cmd":"status"}' >"$work/h.st"
	python3 - "$work/h.stats" "$work/h.st" <<'PY'
import json, sys
def find(o):
    if isinstance(o, dict):
        if o.get("name") == "vmm-hotplug" and "vcpu-list" in o:
            return o
        o = list(o.values())
    if isinstance(o, list):
        for x in o:
            r = find(x)
            if r:
                return r
vm = find(json.load(open(sys.argv[1])))
tids = {c["id"]: c["tid"] for c in json.load(open(sys.argv[2]))["vcpus"]}
seen = {e["index"]: e for e in (vm or {}).get("vcpu-list", [])}
sys.exit(0 if all(i in seen and seen[i]["tid"] == tids[i] and seen[i]["cpu-ns"] > 1000000
                  for i in (1, 2)) else 1)
PY
	ok $? h.vmon_stats_follows_hot_added_vcpus "$(head -c 600 "$work/h.stats" | tr '\n' ' ')"
else
	n=$((n + 1))
	echo "ok $n power.h.vmon_stats_follows_hot_added_vcpus # SKIP no /dev/vmon (vmon.ko not loaded)"
fi
call '{"cmd":"set-vcpus","count":2}' >"$work/h.ans"
until_status '"vcpus_present":2,' 90 && wait_for "$con" "ONLINE 0-1 acpierr 0" 30
ok $? h.hot_remove_ejects_one "$(cut -c1-100 "$work/h.ans"); $(grep "hot\|remove" "$work/h.err" | tr '\n' '|'); $(diag "$con")"
snap=$work/hsnap
install -d -m 0700 -o vmon-vmm -g vmon-vmm "$snap"
call "{\"cmd\":\"snapshot\",\"path\":\"$snap\"}" >"$work/hsnap.out"
kill -9 "$vmm_pid"
reap 10
con=$work/h2.console
vmm_nested_forget
"$vmm" --restore "$snap" --console "file:$con" 2>"$work/h2.err" &
vmm_pid=$!
until_status '"vcpus_present":2,' 30
ok $? h.restore_keeps_the_present_cpus "$(cut -c1-200 "$work/hsnap.out"); $(tail -3 "$work/h2.err" | tr '\n' '|')"
# the vCPU ejected before comes back, in the restored VM
call '{"cmd":"set-vcpus","count":3}' >"$work/h.ans"
wait_for "$con" "ONLINE 0-2 acpierr 0" 90
ok $? h.ejected_cpu_added_again_after_restore "$(cut -c1-100 "$work/h.ans"); $(diag "$con")"
call '{"cmd":"set-vcpus","count":4}' | grep -q '"ok":false.*--max-cpus (3)'
ok $? h.beyond_max_cpus_refused
call '{"cmd":"quit"}' >/dev/null
reap 30
keep
fi

# ---- n: the retry of a nested guest that dies before its init ----------------
if want n; then
printf 'echo BOOTED\n' >"$work/n.sh"
selftests/vmm/mkinitrd "$work/n.cpio.gz" "$work/n.sh"
# Its "# nested-retry" lines go to a file, not to this TAP stream: they are
# the subject here, not retries of this run that tools/check should list.
con=$work/n.console
vmm_run "$work/n.err" -k "$kernel" -i "$work/n.cpio.gz" -m 256 -a rdinit=/no-such-init \
	--console "file:$con" >"$work/n.retries"
rc=$?
[ "$(grep -c '^# nested-retry: .*n.console: .*died before its init ran' "$work/n.retries")" = 1 ] &&
	{ [ $rc = 3 ] || [ $rc = 4 ]; } && grep -q "no-such-init" "$con" &&
	grep -q "no-such-init" "$con.died" && grep -q -E "exit [34]: " "$work/n.err.died"
ok $? n.early_death_booted_exactly_once_more "exit $rc; $(head -c 300 "$work/n.retries" | tr '\n' '|')"
printf 'echo BOOTED\necho c >/proc/sysrq-trigger\n' >"$work/n2.sh"
selftests/vmm/mkinitrd "$work/n2.cpio.gz" "$work/n2.sh"
con=$work/n2.console
vmm_run "$work/n2.err" -k "$kernel" -i "$work/n2.cpio.gz" -m 256 --console "file:$con" \
	>"$work/n2.retries"
rc=$?
[ ! -s "$work/n2.retries" ] && [ ! -e "$con.died" ] && grep -q BOOTED "$con" &&
	grep -q -E "exit [34]: " "$work/n2.err"
ok $? n.death_after_init_not_retried "exit $rc; $(head -c 300 "$work/n2.retries" | tr '\n' '|')"
keep
fi
exit $failed
