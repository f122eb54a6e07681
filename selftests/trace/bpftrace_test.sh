#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bpftrace scripts of tools/bpftrace and 'perf stat' on the module's
# tracepoints count a workload of known size exactly (trace_load: 4 KiB
# writes through /dev/vmon-blk, frames through /dev/vmon-net, port writes
# of a KVM guest). bpftrace prints its maps as JSON (-f json) when it is
# interrupted; python3 adds up what they hold. Prints TAP; in the test VM.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
load=$top/build/selftests/trace/trace_load
bt=$top/tools/bpftrace
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT
. "$top/selftests/lib/tap.sh"

echo "1..9"
if [ -z "${VMTEST:-}" ] || ! command -v bpftrace >/dev/null || ! command -v perf >/dev/null; then
	echo "Bail out! needs the test VM (tools/vmtest), bpftrace and perf"
	exit 1
fi
modprobe vmon && modprobe tun || { echo "Bail out! cannot load vmon"; exit 1; }
sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1

# run_bt SCRIPT LOAD_ARGS...: the script attached while trace_load runs;
# its JSON output in $out/SCRIPT.json
run_bt() {
	local script=$1 json=$out/$1.json pid i
	shift
	bpftrace -f json "$bt/$script" >"$json" 2>"$out/$script.err" &
	pid=$!
	# LLVM compiles the script first: slow under TCG. Wait for the
	# printf of the script's BEGIN probe, which bpftrace fires once every
	# probe is attached; its "attached_probes" record comes before the
	# attaching, and a load started on it lost its first events (one run
	# in three of halt.bt on 6.12, whose vCPU enters its guest only once)
	for i in $(seq 240); do
		grep -q '"type": "printf"' "$json" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.5
	done
	if ! grep -q '"type": "printf"' "$json"; then
		echo "# $script did not attach: $(tr '\n' ' ' <"$out/$script.err")"
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
		return 1
	fi
	"$load" "$@" | sed 's/^/# load: /'
	stop_bt $pid "$script"
}

# stop_bt PID SCRIPT: Ctrl-C for bpftrace. bpftrace 0.17 (bookworm's) sees
# its SIGINT flag only when the signal breaks its epoll_wait() or when a
# perf event of the script comes after it (poll_perf_events() and
# perf_event_printer() in its src/bpftrace.cpp): a SIGINT that lands
# between two waits is lost when the script prints nothing more, and
# bpftrace waits on for ever (steal.bt hung so in a clean-clone make check
# on 2026-12-07). So every 5 s that it has not ended and sits in
# epoll_wait (syscall 232, or epoll_pwait 281: that loop, where its SIGINT
# handler is still in place; never while it prints its maps, when a second
# SIGINT would kill it) it gets the signal again, each time said here;
# after 120 s it is killed.
stop_bt() {
	local pid=$1 i nr
	kill -INT "$pid"
	for i in $(seq 240); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
		[ $((i % 10)) = 0 ] && read -r nr _ <"/proc/$pid/syscall" 2>/dev/null &&
			{ [ "$nr" = 232 ] || [ "$nr" = 281 ]; } || continue
		echo "# $2: SIGINT lost (bpftrace 0.17, between two waits), sent again"
		kill -INT "$pid"
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# $2: still running 120 s after SIGINT, killed"
		kill -9 "$pid"
	fi
	wait "$pid"
}

# total JSON MAP [KEY]: the sum of the values of map @MAP in bpftrace's
# JSON output (a count, a sum, or every bucket of a histogram); with KEY,
# only that key's entry (for keys of two parts, "A,B").
total() {
	python3 - "$@" <<'PY'
import json, sys

def add(v):
    if isinstance(v, list):  # a histogram's buckets
        return sum(b["count"] for b in v)
    if isinstance(v, dict):
        return sum(add(x) for x in v.values())
    return v

path, name = sys.argv[1], "@" + sys.argv[2]
key = sys.argv[3] if len(sys.argv) > 3 else None
found = None
for line in open(path):
    try:
        rec = json.loads(line)
    except ValueError:
        continue
    data = rec.get("data")
    if isinstance(data, dict) and name in data:
        v = data[name]
        if key is not None:
            v = v.get(key, 0) if isinstance(v, dict) else 0
        found = (found or 0) + add(v)
print(found if found is not None else "none")
PY
}

# blk-lat.bt: 40 writes, all in the write histogram, no error
run_bt blk-lat.bt --blk 40
got=$(total "$out/blk-lat.bt.json" write_usecs)
ok "$([ "$got" = 40 ]; echo $?)" bpftrace.blk_lat_counts_every_write "write histogram total $got, want 40"
got=$(total "$out/blk-lat.bt.json" read_usecs)
ok "$([ "$got" = none ] || [ "$got" = 0 ]; echo $?)" bpftrace.blk_lat_no_reads "read histogram total $got"

# net.bt: 20 frames of 1000 bytes sent by the guest
run_bt net.bt --net 20
pk=$(total "$out/net.bt.json" tx_packets)
by=$(total "$out/net.bt.json" tx_bytes)
ok "$([ "$pk" = 20 ] && [ "$by" = 20000 ]; echo $?)" bpftrace.net_counts_packets_and_bytes \
	"tx packets $pk (want 20), bytes $by (want 20000)"
ba=$(total "$out/net.bt.json" tx_batch)
ok "$([ "$ba" -ge 1 ] 2>/dev/null && [ "$ba" -le 20 ]; echo $?)" bpftrace.net_batches_between_1_and_20 \
	"batch histogram total $ba"

# exits.bt: 100 port writes, each an I/O intercept: SVM exit code 0x7b,
# VMX basic exit reason 30
if grep -q AuthenticAMD /proc/cpuinfo; then io=123; else io=30; fi
run_bt exits.bt --pio 100
pid=$(python3 - "$out/exits.bt.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        rec = json.loads(line)
    except ValueError:
        continue
    d = rec.get("data")
    if isinstance(d, dict) and "@exits" in d:
        for k in d["@exits"]:
            print(k.split(",")[0])
PY
)
best=0
for p in $pid; do
	c=$(total "$out/exits.bt.json" exits "$p,$io")
	[ "$c" != none ] && [ "$c" -gt "$best" ] && best=$c
done
ok "$([ "$best" = 100 ]; echo $?)" bpftrace.exits_counts_io_exits "I/O exits (reason $io) of the guest: $best, want 100"

# steal.bt: a spinning vCPU sharing CPU 0 with a hog for 2 s; the sum of
# its waits is the kernel's own run_delay of that thread, to 10% and 50 ms
# (trace_load --spin: the waits outside its window are all the difference)
run_bt steal.bt --spin 2 | tee "$out/spin.load"
rd=$(sed -n 's/^# load: run_delay_ns=//p' "$out/spin.load")
ws=$(total "$out/steal.bt.json" wait_ns)
echo "# steal.bt: run_delay ${rd:-?} ns, the script's sum $ws ns"
ok "$(python3 -c "import sys; rd, ws = int(sys.argv[1]), int(sys.argv[2]); sys.exit(0 if rd > 3e8 and abs(ws - rd) <= rd / 10 + 5e7 else 1)" "${rd:-0}" "${ws/none/0}"; echo $?)" \
	bpftrace.steal_matches_schedstat "run_delay ${rd:-?} ns, the script's sum $ws ns"

# halt.bt: a vCPU halted with interrupts off, woken 20 times by signals:
# the halts that slept are those KVM's own statistics count
run_bt halt.bt --halt 20 | tee "$out/halt.load"
kslept=$(sed -n 's/^# load: halts_slept=//p' "$out/halt.load")
slept=$(total "$out/halt.bt.json" slept_usecs)
echo "# halt.bt: KVM counted ${kslept:-?} halts that slept, the script $slept"
ok "$([ -n "$kslept" ] && [ "$kslept" -ge 10 ] && [ "$slept" = "$kslept" ]; echo $?)" \
	bpftrace.halt_counts_match_kvm_stats "KVM ${kslept:-?}, the script $slept"

# perf stat -e 'vmon:*', system wide (nothing else drives vmon in the test VM)
perf stat -a -x, -e 'vmon:*' -o "$out/perf-blk" -- "$load" --blk 30 >/dev/null
sub=$(awk -F, '$3 == "vmon:blk_submit" { print $1 }' "$out/perf-blk")
com=$(awk -F, '$3 == "vmon:blk_complete" { print $1 }' "$out/perf-blk")
ok "$([ "$sub" = 30 ] && [ "$com" = 30 ]; echo $?)" perf.stat_counts_blk_requests \
	"blk_submit $sub, blk_complete $com, want 30 and 30"
perf stat -a -x, -e 'vmon:*' -o "$out/perf-net" -- "$load" --net 15 >/dev/null
tx=$(awk -F, '$3 == "vmon:net_tx" { print $1 }' "$out/perf-net")
# one frame a kick, reaped before the next: one handler run, one batch each
ok "$([ "$tx" = 15 ]; echo $?)" perf.stat_counts_net_batches "net_tx $tx, want 15"
tap_status
