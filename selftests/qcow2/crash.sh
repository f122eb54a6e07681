#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash consistency: a writer doing allocating writes, snapshot creation and
# resizes (each write flushed, then logged as acknowledged) is killed with
# SIGKILL at a random moment, 100 times. After each kill 'qemu-img check'
# finds no corruption (leaks allowed) and every acknowledged write reads back.
# Every fourth run uses lazy refcounts: there the dirty image is first
# repaired with 'vmon img check -r all'. TAP, one line per run.
set -u
top=$(pwd)
V=$top/build/vmon
IO=$top/build/selftests/qcow2/qcow2-io
T=$(mktemp -d /tmp/vmon-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
runs=${CRASH_RUNS:-100}
fails=0

one() { # one I: returns 0 when the image survived
	local i=$1 opts=cluster_size=65536 pid rc
	[ $((i % 4)) -eq 3 ] && opts=lazy_refcounts=on
	[ $((i % 4)) -eq 1 ] && opts=cluster_size=4096,refcount_bits=8
	[ $((i % 4)) -eq 2 ] && opts=extended_l2=on,cluster_size=32k
	rm -f c.qcow2 ack.log
	$V img create -q -f qcow2 -o "$opts" c.qcow2 32M >/dev/null || return 1
	: >ack.log
	"$IO" crash c.qcow2 ack.log $((i * 7919 + 1)) 2>err.log &
	pid=$!
	sleep "0.$(printf '%02d' $((RANDOM % 40 + 5)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if grep -q . err.log; then
		cat err.log
		return 1
	fi
	echo "opts $opts, $(wc -l <ack.log) acked writes"
	if [ $((i % 4)) -eq 3 ]; then
		$V img check -r all c.qcow2 >/dev/null 2>&1
	fi
	qemu-img check c.qcow2
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
		echo "qemu-img check exited $rc"
		return 1
	fi
	"$IO" verify c.qcow2 ack.log
}

for i in $(seq 1 "$runs"); do
	if one "$i" >out 2>&1; then
		echo "ok $i - SIGKILLed writer run $i: no corruption, acked data reads back"
	else
		echo "not ok $i - SIGKILLed writer run $i"
		sed 's/^/# /' out | tail -15
		fails=$((fails + 1))
	fi
done
echo "1..$runs"
[ $fails -eq 0 ]
