#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/vmtest itself: the command's exit status comes back, a failing
# command fails the run, the timeout works, the freshly built module and the
# kernel's KVM load the way a user loads them, and results come back through
# $VMTEST_OUT. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
vmtest=$top/tools/vmtest
n=0 failed=0
echo "1..5"
check() { # check NAME EXPECTED_STATUS ACTUAL_STATUS
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n vmtest.$1"
	else
		echo "not ok $n vmtest.$1 # expected exit $2, got $3"
		failed=1
	fi
}

"$vmtest" -m 1024 -- sh -c 'modprobe vmon && test -c /dev/vmon && modprobe kvm-amd && test -c /dev/kvm'
check modprobe_vmon_and_kvm 0 $?

"$vmtest" -m 512 -- false >/dev/null 2>&1
check failing_command_fails 1 $?

"$vmtest" -m 512 -- sh -c 'exit 7' >/dev/null 2>&1
check exit_status_propagates 7 $?

"$vmtest" -m 512 -t 15 -- sleep 600 >/dev/null 2>&1
check timeout_kills_guest 124 $?

out=$(mktemp -d)
"$vmtest" -m 512 -o "$out" -- sh -c 'echo from-guest >"$VMTEST_OUT/artifact"' >/dev/null 2>&1
rc=$?
[ "$(cat "$out/artifact" 2>/dev/null)" = from-guest ] || rc="no artifact"
rm -rf "$out"
check artifacts_come_back 0 "$rc"
exit $failed
