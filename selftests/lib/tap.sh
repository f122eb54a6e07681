# SPDX-License-Identifier: GPL-2.0
#
# TAP for the shell suites: source it, print the plan, call ok for each
# test, and end with tap_status.
n=0
failed=0

# ok STATUS NAME [DIAG]: test NAME passed when STATUS is 0; DIAG says what
# was seen when it did not.
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+ # $3}"
		failed=$((failed + 1))
	fi
}

# tap_status: the suite's exit status (0 when no test failed)
tap_status() {
	[ "$failed" = 0 ]
}
