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

# ok_run NAME CMD...: test NAME passes when CMD (a command or a function of
# the suite) does; what it printed is shown as TAP comments when it does
# not. $T is the suite's scratch directory.
ok_run() {
	local name=$1 st
	shift
	"$@" >"$T/ok_run.out" 2>&1
	st=$?
	ok "$st" "$name"
	[ "$st" = 0 ] || sed 's/^/# /' "$T/ok_run.out" | head -30
}

# contains FILE REGEX: FILE has a line matching REGEX (extended); else it is
# printed, for ok_run to show.
contains() {
	grep -Eq -- "$2" "$1" || { echo "no match for /$2/ in:"; cat "$1"; return 1; }
}
