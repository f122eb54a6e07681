#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon trace (bpf/ through libbpf skeletons) counts a workload of known size
# exactly: trace_load's 4 KiB writes through /dev/vmon-blk, its frames
# through /dev/vmon-net, the port writes of its KVM guest. Also: --output=json
# parses, interval reports add up to the whole, a traced VM that goes away
# ends the view with status 0 and a message, and a user without CAP_BPF and
# CAP_PERFMON gets a clear permission error. Prints TAP; in the test VM.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
load=$top/build/selftests/trace/trace_load
vmon=$top/build/vmon
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT
. "$top/selftests/lib/tap.sh"

echo "1..18"
if [ -z "${VMTEST:-}" ]; then
	echo "Bail out! needs the test VM (tools/vmtest)"
	exit 1
fi
modprobe vmon && modprobe tun || { echo "Bail out! cannot load vmon"; exit 1; }
sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1

# start_trace NAME ARGS...: 'vmon trace ARGS' in the background, its output
# in $out/NAME.out and .err; returns once it is attached ("Tracing ...").
start_trace() {
	local name=$1 i
	shift
	"$vmon" trace "$@" >"$out/$name.out" 2>"$out/$name.err" &
	tpid=$!
	for i in $(seq 300); do
		grep -q '^Tracing' "$out/$name.err" && return 0
		kill -0 $tpid 2>/dev/null || break
		sleep 0.1
	done
	echo "# vmon trace $* did not attach: $(tr '\n' ' ' <"$out/$name.err")"
	return 1
}

# stop_trace: SIGINT, then its exit status in $st
stop_trace() {
	kill -INT $tpid
	wait $tpid
	st=$?
}

# jsum FILE EXPR: python3 adds EXPR(report) over every JSON report of FILE
jsum() {
	python3 - "$@" <<'PY'
import json, sys

path, expr = sys.argv[1], sys.argv[2]
total = 0
for line in open(path):
    rep = json.loads(line)  # every line must parse
    total += eval(expr, {"r": rep})
print(total)
PY
}

# The layout of the module's records as bpf/vmon_tp.h gives it to the
# programs (read back from their BTF) is the one tracefs describes: every
# field at the offset the format file gives.
layout=$(python3 - "$top/build/bpf" <<'PY'
import re, subprocess, sys

objs = {"vmon_tp_net_batch": ("net", "net_tx"),
        "vmon_tp_vm_unregister": ("blk_lat", "vm_unregister")}
bad = []
for st, (obj, event) in objs.items():
    raw = subprocess.run(["bpftool", "btf", "dump", "file", f"{sys.argv[1]}/{obj}.bpf.o",
                          "format", "raw"], capture_output=True, text=True, check=True).stdout
    body = raw.split(f"STRUCT '{st}'")[1].split("\n[")[0]
    bpf = {m[0]: int(m[1]) // 8 for m in re.findall(r"'(\w+)' type_id=\d+ bits_offset=(\d+)", body)}
    fmt = open(f"/sys/kernel/tracing/events/vmon/{event}/format").read()
    tp = {m[0]: int(m[1]) for m in re.findall(r"field:[^;]*?(\w+)(?:\[\d+\])?;\s*offset:(\d+);", fmt)}
    for name, off in bpf.items():
        if name != "head" and tp.get(name) != off:
            bad.append(f"{st}.{name} at {off}, tracefs {tp.get(name)}")
    if len(bpf) < 4:
        bad.append(f"{st}: only {len(bpf)} members read")
print("; ".join(bad) or "same")
PY
)
ok "$([ "$layout" = same ]; echo $?)" trace.record_layout_matches_tracefs "$layout"

# Module BTF (Kbuild's on 6.12, tools/module-btf's on 6.1): the kernel
# took it, and it holds vmon's own types
btf=$(bpftool btf dump file /sys/kernel/btf/vmon format raw 2>&1 | grep -c "STRUCT 'vmon_")
ok "$([ "$btf" -ge 10 ] && bpftool btf dump file /sys/kernel/btf/vmon format raw |
	grep -q "STRUCT 'vmon_vq' size="; echo $?)" trace.module_btf_has_vmon_types \
	"$btf vmon structures in /sys/kernel/btf/vmon"

# blk-lat: 40 writes, all in the write histogram, none failed, no read
start_trace blk --output=json blk-lat
"$load" --blk 40 | sed 's/^/# load: /'
stop_trace
writes=$(jsum "$out/blk.out" 'sum(q["count"] for q in r["requests"] if q["op"] == "write")')
buckets=$(jsum "$out/blk.out" 'sum(b["count"] for q in r["requests"] for b in q["histogram"])')
others=$(jsum "$out/blk.out" 'sum(q["count"] + q["failed"] for q in r["requests"] if q["op"] != "write")')
ok "$([ "$st" = 0 ] && [ "$writes" = 40 ] && [ "$buckets" = 40 ] && [ "$others" = 0 ]; echo $?)" \
	trace.blk_lat_counts_every_write \
	"status $st, writes $writes, histogram total $buckets (want 40, 40), other ops $others"

# The same with one per-CPU cell (VMON_TRACE_BLK_CELLS=1): the op that
# comes first takes it, the other goes to the hash map; both add up.
VMON_TRACE_BLK_CELLS=1 start_trace blk1 --output=json blk-lat
"$load" --blk 40 --blk-reads 30 | sed 's/^/# load: /'
stop_trace
writes=$(jsum "$out/blk1.out" 'sum(q["count"] for q in r["requests"] if q["op"] == "write")')
reads=$(jsum "$out/blk1.out" 'sum(q["count"] for q in r["requests"] if q["op"] == "read")')
buckets=$(jsum "$out/blk1.out" 'sum(b["count"] for q in r["requests"] for b in q["histogram"])')
ok "$([ "$st" = 0 ] && [ "$writes" = 40 ] && [ "$reads" = 30 ] && [ "$buckets" = 70 ]; echo $?)" \
	trace.blk_lat_cell_and_hash_add_up \
	"status $st, writes $writes, reads $reads, histogram total $buckets (want 40, 30, 70)"

# the same in the human layout
start_trace blkh blk-lat
"$load" --blk 25 >/dev/null
stop_trace
ok "$(grep -q 'write: 25 requests, 0 failed' "$out/blkh.out"; echo $?)" \
	trace.blk_lat_human_layout "$(head -3 "$out/blkh.out" | tr '\n' ' ')"

# --interval: the reports of every half second add up to the whole
start_trace blki --output=json -i 0.5 blk-lat --queue
"$load" --blk 60 >/dev/null
sleep 1
stop_trace
reports=$(wc -l <"$out/blki.out")
writes=$(jsum "$out/blki.out" 'sum(q["count"] for q in r["requests"] if q["queue"] == 0)')
ok "$([ "$writes" = 60 ] && [ "$reports" -ge 3 ]; echo $?)" trace.interval_reports_add_up \
	"$reports reports, writes $writes (want 60)"

# net: 20 frames of 1000 bytes sent by the guest
start_trace net --output=json net
"$load" --net 20 | sed 's/^/# load: /'
stop_trace
pk=$(jsum "$out/net.out" 'sum(q["packets"] for q in r["traffic"] if q["dir"] == "tx")')
by=$(jsum "$out/net.out" 'sum(q["bytes"] for q in r["traffic"] if q["dir"] == "tx")')
ba=$(jsum "$out/net.out" 'sum(q["batches"] for q in r["traffic"] if q["dir"] == "tx")')
hb=$(jsum "$out/net.out" 'sum(b["count"] for q in r["traffic"] if q["dir"] == "tx" for b in q["batch-histogram"])')
ok "$([ "$pk" = 20 ] && [ "$by" = 20000 ]; echo $?)" trace.net_counts_packets_and_bytes \
	"tx packets $pk (want 20), bytes $by (want 20000)"
ok "$([ "$ba" -ge 1 ] && [ "$ba" -le 20 ] && [ "$hb" = "$ba" ]; echo $?)" \
	trace.net_batches_in_histogram "batches $ba, histogram total $hb"

# run_vm_view NAME VIEW LOAD_ARGS...: trace_load's guest registered as
# trace-NAME, 'vmon trace VIEW --vm trace-NAME' attached before the guest's
# work starts (SIGUSR2); the view ends by itself when the VM goes away.
# trace_load's output in $out/NAME.load, its status in $lst, the view's in $st.
run_vm_view() {
	local name=$1 view=$2 i
	shift 2
	"$load" "$@" --register "trace-$name" --wait >"$out/$name.load" &
	lpid=$!
	for i in $(seq 100); do
		grep -q '^vm_id=' "$out/$name.load" && break
		sleep 0.1
	done
	vm=$(sed -n 's/^vm_id=//p' "$out/$name.load")
	st=none
	start_trace "$name" --output=json --vm "trace-$name" "$view" || { kill $lpid; wait $lpid; lst=$?; return; }
	kill -USR2 $lpid
	wait $lpid
	lst=$?
	for i in $(seq 300); do
		kill -0 $tpid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $tpid 2>/dev/null; then
		stop_trace
		st="still running"
	else
		wait $tpid
		st=$?
	fi
}

# exits of one registered VM: 100 port writes, each an I/O intercept (SVM
# exit code 0x7b, VMX basic exit reason 30); the VM then goes away and the
# view ends by itself
run_vm_view pio exits --pio 100
io=$(jsum "$out/pio.out" "sum(e['count'] for e in r['exits'] if e['reason-name'] == 'io' and e.get('vm') == ${vm:-0})")
ok "$([ "$lst" = 0 ] && [ "$io" = 100 ]; echo $?)" trace.exits_counts_io_exits_of_the_vm \
	"trace_load $lst, I/O exits of VM ${vm:-?}: $io, want 100"
ok "$([ "$st" = 0 ] && grep -q "VM $vm went away" "$out/pio.err"; echo $?)" \
	trace.ends_when_the_vm_goes_away "status $st: $(tr '\n' ' ' <"$out/pio.err")"
others=$(jsum "$out/pio.out" "sum(e['count'] for e in r['exits'] if e.get('vm') != ${vm:-0})")
ok "$([ "$others" = 0 ]; echo $?)" trace.vm_filter_keeps_other_processes_out "$others exits of others"

# steal: a spinning vCPU that shares CPU 0 with a hog for 2 s waits about
# 1 s on the run queue; the view's sum is the kernel's own run_delay of
# that thread, to 10% and 50 ms (the waits outside trace_load's window,
# when the vCPU has the CPU to itself, are all the difference)
run_vm_view spin steal --spin 2
rd=$(sed -n 's/^run_delay_ns=//p' "$out/spin.load")
ws=$(jsum "$out/spin.out" "sum(c['wait-ns'] for c in r['vcpus'] if c.get('vm') == ${vm:-0})")
wn=$(jsum "$out/spin.out" "sum(c['waits'] for c in r['vcpus'] if c.get('vm') == ${vm:-0})")
hn=$(jsum "$out/spin.out" "sum(b['count'] for c in r['vcpus'] if c.get('vm') == ${vm:-0} for b in c['histogram'])")
echo "# steal: run_delay ${rd:-?} ns, the view's sum $ws ns in $wn waits"
ok "$(python3 -c "import sys; rd, ws = int(sys.argv[1]), int(sys.argv[2]); sys.exit(0 if rd > 3e8 and abs(ws - rd) <= rd / 10 + 5e7 else 1)" "${rd:-0}" "$ws"; echo $?)" \
	trace.steal_matches_schedstat "trace_load $lst, view $st: run_delay ${rd:-?} ns, the view's sum $ws ns"
ok "$([ "$st" = 0 ] && [ "$wn" -ge 1 ] && [ "$hn" = "$wn" ]; echo $?)" trace.steal_histogram_counts_every_wait \
	"status $st, $wn waits, histogram total $hn"

# halt: a vCPU halted with interrupts off, woken 20 times by signals; the
# halts the view saw end in sleep are those KVM's own statistics count
# (halt_wait_hist of the vCPU's binary stats), exactly
run_vm_view halt halt --halt 20
kslept=$(sed -n 's/^halts_slept=//p' "$out/halt.load")
slept=$(jsum "$out/halt.out" "sum(h['count'] for h in r['halts'] if h.get('vm') == ${vm:-0} and h['ended'] == 'slept')")
hist=$(jsum "$out/halt.out" "sum(b['count'] for h in r['halts'] if h.get('vm') == ${vm:-0} for b in h['histogram'])")
all=$(jsum "$out/halt.out" "sum(h['count'] for h in r['halts'] if h.get('vm') == ${vm:-0})")
echo "# halt: $(tr '\n' ' ' <"$out/halt.load"); the view: $slept slept of $all"
ok "$([ "$lst" = 0 ] && [ -n "$kslept" ] && [ "$kslept" -ge 10 ] && [ "$slept" = "$kslept" ]; echo $?)" \
	trace.halt_counts_match_kvm_stats "trace_load $lst: KVM counted ${kslept:-?} halts that slept, the view $slept"
ok "$([ "$st" = 0 ] && [ "$hist" = "$all" ]; echo $?)" trace.halt_histograms_hold_every_halt \
	"status $st, $all halts, histogram total $hist"

# --duration ends the run by itself
timeout 60 "$vmon" trace net -d 1 >"$out/dur.out" 2>&1
st=$?
ok "$([ "$st" = 0 ] && grep -q 'no vmon-net traffic' "$out/dur.out"; echo $?)" \
	trace.duration_ends_the_run "status $st: $(tr '\n' ' ' <"$out/dur.out")"

# a user without CAP_BPF/CAP_PERFMON: a clear error, no libbpf dump
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$vmon" trace blk-lat -d 1 >"$out/perm.out" 2>&1
st=$?
ok "$([ "$st" = 1 ] && grep -q 'permission denied.*CAP_BPF' "$out/perm.out" &&
	[ "$(wc -l <"$out/perm.out")" = 1 ]; echo $?)" trace.unprivileged_gets_a_clear_error \
	"status $st: $(tr '\n' ' ' <"$out/perm.out")"

# bad command lines name what is wrong
"$vmon" trace blk-lat --vm no-such-vm >"$out/bad.out" 2>&1
st1=$?
"$vmon" trace net --queue >>"$out/bad.out" 2>&1
st2=$?
ok "$([ "$st1" = 1 ] && [ "$st2" = 2 ] && grep -q "no registered VM 'no-such-vm'" "$out/bad.out" &&
	grep -q 'queue is for blk-lat' "$out/bad.out"; echo $?)" trace.bad_arguments_are_named \
	"status $st1 and $st2: $(tr '\n' ' ' <"$out/bad.out")"
tap_status
