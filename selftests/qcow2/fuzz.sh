#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bounded libFuzzer run (ASan + UBSan) of open + read + map + check + write, seeded
# with qemu-img-made images of many option sets. FUZZ_SECONDS (default 60).
# TAP: one test, ok when the fuzzer found nothing.
set -u
top=$(pwd)
F=$top/build/fuzz/fuzz_qcow2
secs=${FUZZ_SECONDS:-60}
T=$(mktemp -d /tmp/vmon-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/corpus"
i=0
for o in cluster_size=512 cluster_size=512,refcount_bits=1 cluster_size=512,refcount_bits=64 \
	cluster_size=1024,compat=0.10 cluster_size=16k,extended_l2=on \
	cluster_size=4k,compression_type=zstd cluster_size=2k,lazy_refcounts=on; do
	i=$((i + 1))
	qemu-img create -q -f qcow2 -o "$o" "$T/s$i.qcow2" 1M
	qemu-io -c "write -P 0x11 0 3k" -c "write -z 8k 4k" -c "write -P 0x22 600k 1k" \
		"$T/s$i.qcow2" >/dev/null
	case $o in *16k* | *4k*) qemu-io -c "write -c -P 0x33 64k 16k" "$T/s$i.qcow2" >/dev/null ;; esac
	case $o in *refcount_bits=1*) ;; *) qemu-img snapshot -c s "$T/s$i.qcow2" ;; esac
	cp "$T/s$i.qcow2" "$T/corpus/"
done
echo "# fuzzing for $secs s from $(ls "$T/corpus" | wc -l) seeds"
if (cd "$T" && "$F" -max_total_time="$secs" -max_len=200000 -rss_limit_mb=2048 \
	-print_final_stats=1 corpus) >"$T/log" 2>&1; then
	grep -E 'stat::number_of_executed_units|cov:' "$T/log" | tail -2 | sed 's/^/# /'
	echo "ok 1 - libFuzzer open+read+map+check+write: no finding in $secs s"
else
	grep -vE '^#[0-9]' "$T/log" | tail -40 | sed 's/^/# /'
	mkdir -p "$top/build/fuzz/crashes"
	cp "$T"/crash-* "$T"/leak-* "$T"/timeout-* "$top/build/fuzz/crashes/" 2>/dev/null
	echo "not ok 1 - libFuzzer open+read+map+check+write found a problem (see build/fuzz/crashes)"
fi
echo "1..1"
