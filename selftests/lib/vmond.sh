# SPDX-License-Identifier: GPL-2.0
#
# vmond.sh: what the suites that drive vmond --foreground share. Sourced;
# the suite sets $V (the vmon CLI) and $S (vmond's socket).

# until_ok SECONDS CMD...: wait for CMD to succeed (the assertion follows).
until_ok() {
	local i t=$1
	shift
	for ((i = 0; i < t * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# vmond_up VMOND ROOT VMM LOG [ARG...]: vmond --foreground in temporary
# root ROOT with VMM as vmon-vmm and the ARGs, its stderr appended to LOG;
# sets vmond_pid. False (LOG printed as TAP comments) when its socket did
# not answer in 10 s.
vmond_up() {
	rm -f "$S"
	"$1" --foreground --root "$2" --vmm "$3" "${@:5}" 2>>"$4" &
	vmond_pid=$!
	until_ok 10 "$V" list -c "$S" && return 0
	echo "# vmond did not come up:"
	sed 's/^/# /' "$4"
	return 1
}

# vmond_down: stop the vmond of vmond_up and wait for it.
vmond_down() {
	kill "$vmond_pid"
	wait "$vmond_pid" 2>/dev/null
	vmond_pid=
}
