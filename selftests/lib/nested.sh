# SPDX-License-Identifier: GPL-2.0
#
# nested.sh: boot a nested guest under vmon-vmm, and boot it once more if
# its kernel died before its init ran. Sourced by the VMM suites, which set
# $vmm and $vmm_pid.
#
# Why (Documentation/testing.rst, "Crashes of nested guests"): under the
# test VM's TCG, nested SVM now and then kills a nested guest's kernel
# (triple faults, double faults) with no vmon code in it, most often in its
# boot. The causes found so far are worked around in the test VM
# (tools/vmtest.d/stage2); the rest are not found. Issue 15 allows one
# retry, as the last resort, only for a guest that dies before its init
# prints, with every retry printed in the summary: this is that retry. A
# guest whose init printed its first line ("guest-init: start") is never
# booted again, whatever happens to it, nor is one that died twice. Each
# retry is a TAP comment "# nested-retry: ...", which tools/check lists
# above the final summary line; the dead boot's console and VMM log are
# kept as FILE.died.

nested_marker="guest-init: start"
nested_args=()
nested_err=
nested_con=
nested_retried=

# vmm_boot ERRFILE VMM-ARGS...: start "$vmm" VMM-ARGS in the background,
# its stderr in ERRFILE, its console the file of "--console file:PATH";
# sets vmm_pid. Only for boots of a kernel: a --restore is started as
# before (vmm_nested_forget), its guest's init having run long ago.
vmm_boot() {
	local a
	nested_err=$1
	shift
	nested_args=("$@")
	nested_con=
	nested_retried=
	for a in "$@"; do
		case $a in file:*) nested_con=${a#file:} ;; esac
	done
	"$vmm" "$@" 2>"$nested_err" &
	vmm_pid=$!
}

# vmm_nested_forget: the VMM started next is no boot vmm_retry_early may
# repeat.
vmm_nested_forget() {
	nested_args=()
}

# nested_died_early: the VMM of the last vmm_boot, which has ended, ended on
# its guest kernel's death (exit 3, crashed, or exit 4, reset: a triple
# fault, or panic=1 rebooting) before the console showed the init's first
# line, and that boot was not repeated already.
nested_died_early() {
	[ ${#nested_args[@]} -gt 0 ] && [ -z "$nested_retried" ] && [ -n "$nested_con" ] &&
		! grep -q -- "$nested_marker" "$nested_con" 2>/dev/null &&
		grep -q -E '^vmon-vmm: exit [34]: ' "$nested_err"
}

# nested_again: say so, keep the dead boot's console and log, and start the
# same command again.
nested_again() {
	local why
	nested_retried=1
	cp "$nested_con" "$nested_con.died"
	cp "$nested_err" "$nested_err.died"
	why="$(grep -m1 -o 'vcpu [0-9]*: shutdown[^;]*' "$nested_err")"
	why="${why:+$why, }$(grep -m1 -o -E 'exit [34]: .*' "$nested_err")"
	echo "# nested-retry: $(basename "$0") $(basename "$nested_con"): the guest's kernel" \
		"died before its init ran ($why); booting it once more. Its console's tail:"
	tr -d '\r' <"$nested_con" | grep -v '^$' | tail -n 6 | sed 's/^/#   /'
	"$vmm" "${nested_args[@]}" 2>"$nested_err" &
	vmm_pid=$!
}

# vmm_retry_early: for the suites' wait loops: when the VMM of the last
# vmm_boot has ended as nested_died_early says, reap it and boot again.
# True if it did.
vmm_retry_early() {
	kill -0 "$vmm_pid" 2>/dev/null && return 1
	nested_died_early || return 1
	wait "$vmm_pid"
	nested_again
}

# vmm_run ERRFILE VMM-ARGS...: vmm_boot, and wait for the VMM to end, with
# the one retry; returns its exit status.
vmm_run() {
	local rc
	vmm_boot "$@"
	while :; do
		wait "$vmm_pid"
		rc=$?
		nested_died_early || break
		nested_again
	done
	vmm_pid=
	return $rc
}

# vmm_wait_console FILE PATTERN SECONDS: until the console FILE of the last
# vmm_boot shows PATTERN (grep's basic regular expression), with the one
# retry; false when the VMM ended or the time ran out.
vmm_wait_console() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		if ! kill -0 "$vmm_pid" 2>/dev/null; then
			vmm_retry_early || return 1
			i=0
		fi
		sleep 0.5
	done
	return 1
}

# vmond_log_mark VMMLOG: note how long vmond's log of a domain's VMMs is
# before the domain is started, so that vmond_boot_or_retry reads only the
# lines of that start's VMM (vmond appends the log of every VMM of the
# domain to one file). Without a mark it reads the whole log.
vmond_log_mark() {
	vmond_log_from=$(wc -l 2>/dev/null <"$1" || echo 0)
}

# vmond_boot_or_retry VMON SOCKET NAME CONSOLE VMMLOG [ATTACH...]: the same
# one retry for the vmond suites, whose guests vmond starts: wait (up to
# 240 s) until the domain's CONSOLE shows the init's first line. When its
# VMM ended before that on its kernel's death (VMMLOG, vmond's log of the
# domain's VMMs, has "exit 3:" or "exit 4:" after the mark of
# vmond_log_mark), print a "# nested-retry:" comment, keep the console as
# CONSOLE.died, start the domain once more and run ATTACH (the suite's
# console reader) again. False when the guest's init did not start. The
# CONSOLE must not hold an earlier boot's lines.
vmond_boot_or_retry() {
	local V=$1 S=$2 name=$3 con=$4 log=$5 i from=${vmond_log_from:-0} why retried=
	shift 5
	vmond_log_from=
	while :; do
		for ((i = 0; i < 480; i++)); do
			grep -q -- "$nested_marker" "$con" 2>/dev/null && return 0
			tail -n +$((from + 1)) "$log" 2>/dev/null | grep -q -E '^vmon-vmm: exit [0-9]+: ' &&
				break
			sleep 0.5
		done
		why=$(tail -n +$((from + 1)) "$log" 2>/dev/null | grep -m1 -o -E 'exit [34]: .*')
		[ -z "$retried" ] && [ -n "$why" ] || return 1
		retried=1
		echo "# nested-retry: $(basename "$0") $name: the guest's kernel died before its" \
			"init ran ($why); starting the domain once more. Its console's tail:"
		tr -d '\r' <"$con" | grep -v '^$' | tail -n 6 | sed 's/^/#   /'
		mv "$con" "$con.died"
		from=$(wc -l 2>/dev/null <"$log" || echo 0)
		"$V" start -c "$S" "$name" >/dev/null 2>&1 || return 1
		[ $# -gt 0 ] && "$@"
	done
}
