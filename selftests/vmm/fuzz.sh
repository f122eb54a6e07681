#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bounded libFuzzer run (ASan + UBSan) of vmon-vmm's virtio device model:
# split rings and the virtio-blk, -net, -balloon and -rng handlers driven by
# a hostile driver (selftests/vmm/fuzz_virtio.c), seeded with a few
# well-formed programs made here. FUZZ_SECONDS (default 30).
# First the regression inputs of selftests/vmm/fuzz-corpus/ are replayed, each
# once: inputs that made the fuzzer fail before a fix, named after the fix:
#   balloon-unaligned-pfns-993f532  virtio-balloon inflate PFNs at an odd guest
#       address: a misaligned uint32_t load (UBSan) before 993f532
#   rng-save-no-config-351a55c      virtio_save/virtio_load of virtio-rng,
#       which has no config space: memcpy from NULL (UBSan) before 351a55c
#       (every input reaches it: the target saves each device when it starts)
# TAP: two tests, the replay and the fuzzing, ok when nothing was found.
set -u
top=$(pwd)
F=$top/build/fuzz/fuzz_virtio
secs=${FUZZ_SECONDS:-30}
T=$(mktemp -d /tmp/vmon-fuzz-virtio.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/corpus"

# seed NAME HEX...: one input, written from hex bytes (the format is in fuzz_virtio.c).
seed() {
	local name=$1
	shift
	printf "$(echo "$*" | sed 's/\([0-9a-f][0-9a-f]\) */\\x\1/g')" >"$T/corpus/$name"
}
# The driver's start: features offered, FEATURES_OK; then queues; then DRIVER_OK.
feat="06 04"
q0="05 00 03 00 00 10 00 00 20 00 00 30 01"
q1="05 01 03 00 00 40 00 00 50 00 00 60 02"
q2="05 02 03 00 00 40 00 00 50 00 00 60 03"
ok="01 00 14 00 0f"
hdr="00 00 80 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
# blk: a read of sector 0 (header, 512 bytes, status), kicked by MMIO.
seed blk-read 00 $feat $q0 $ok $hdr \
	07 00 00 00 00 80 0f 01 01 07 00 01 00 00 90 13 03 02 07 00 02 00 00 a0 07 02 00 \
	09 00 00 0c 00 0d
# blk: the same through an indirect table at 0x7000, kicked by the ioeventfd.
seed blk-indirect 00 $feat $q0 $ok $hdr \
	07 80 00 00 70 00 00 80 0f 01 01 07 80 00 10 70 00 00 90 13 03 02 \
	07 80 00 20 70 00 00 a0 07 02 00 07 00 00 00 00 70 00 30 04 00 \
	09 00 00 0c 80 0d
# blk: a write of sector 1 from high RAM, then GET_ID.
seed blk-write 00 $feat $q0 $ok 00 00 80 00 10 01 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 \
	07 00 00 00 00 80 0f 01 01 07 00 01 01 00 00 13 01 02 07 00 02 00 00 a0 07 02 00 \
	09 00 00 00 00 81 00 04 08 00 00 00 07 00 03 00 00 81 0f 01 04 07 00 04 00 00 a1 00 14 03 05 \
	07 00 05 00 00 a2 07 02 00 09 00 03 0c 00 0d
# net: a receive buffer, a packet from the tap, and one packet to send.
pkt=$(for i in $(seq 64); do printf '%02x ' $i; done)
seed net 01 $feat $q0 $q1 $ok 07 00 00 00 00 80 17 02 00 09 00 00 \
	07 01 00 00 00 90 13 00 00 09 01 00 0e 40 00 $pkt 0c 00 0c 01 0d 0d
# balloon: inflate two pages, a stats buffer, a status request.
seed balloon 02 $feat $q0 $q2 $ok 00 00 80 00 08 02 00 00 00 03 00 00 00 \
	07 00 00 00 00 80 00 08 00 00 09 00 00 0c 00 \
	00 00 90 00 0a 01 00 34 12 00 00 00 00 00 00 \
	07 02 00 00 00 90 00 0a 00 00 09 02 00 0c 02 0e 0d
# rng: one writable buffer.
seed rng 03 $feat $q0 $ok 07 00 00 00 00 80 13 02 00 09 00 00 0c 00 0d
# console: the control receive queue with a writable buffer, bytes from the host side.
seed console 04 $feat $q2 $ok 07 00 00 00 00 80 17 02 00 09 02 00 0c 02 0e 10 0d

# The regression inputs, replayed (libFuzzer runs files given by name once).
if (cd "$T" && "$F" -close_fd_mask=2 "$top"/selftests/vmm/fuzz-corpus/*) >"$T/replay" 2>&1; then
	echo "ok 1 - libFuzzer virtio: regression inputs of selftests/vmm/fuzz-corpus replay clean"
else
	grep -vE '^#[0-9]' "$T/replay" | tail -30 | sed 's/^/# /'
	echo "not ok 1 - libFuzzer virtio: a regression input of selftests/vmm/fuzz-corpus fails"
fi

echo "# fuzzing for $secs s from $(ls "$T/corpus" | wc -l) seeds"
# -close_fd_mask=2: the device model's log lines go nowhere, libFuzzer's and ASan's do not.
if (cd "$T" && "$F" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 -timeout=20 \
	-close_fd_mask=2 -print_final_stats=1 corpus) >"$T/log" 2>&1; then
	grep -E 'stat::number_of_executed_units|cov:' "$T/log" | tail -2 | sed 's/^/# /'
	echo "ok 2 - libFuzzer virtio split ring + blk/net/balloon/rng/console: no finding in $secs s"
else
	grep -vE '^#[0-9]' "$T/log" | tail -40 | sed 's/^/# /'
	mkdir -p "$top/build/fuzz/crashes"
	for f in "$T"/crash-* "$T"/leak-* "$T"/timeout-* "$T"/oom-*; do
		[ -e "$f" ] || continue
		cp "$f" "$top/build/fuzz/crashes/virtio-${f##*/}"
		echo "# reproducer: build/fuzz/crashes/virtio-${f##*/} (run: $F <file>)"
	done
	echo "not ok 2 - libFuzzer virtio split ring + blk/net/balloon/rng/console found a problem"
fi
echo "1..2"
