#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmond --foreground in a temporary root, on the host, driven by the vmon CLI:
# the socket protocol, the read-only socket, a uid outside vmon refused,
# define/undefine by 20 clients at once, bad XML refused with the stored
# definition kept, and what a restart reads back from disk (definitions,
# autostart links, status files of VMMs that are gone or whose pid was
# reused). No guest is started here (tests of guests run in the test VM).
set -u
B=${VMON_BUILD:-build}
V=$B/vmon
T=$(mktemp -d /tmp/vmond_test.XXXXXX)
chmod 0755 "$T" # other uids reach the sockets (the permission test)
R=$T/root
S=$R/run/vmon/vmond.sock
RO=$R/run/vmon/vmond-ro.sock
n=0 fails=0 vmond_pid=
NOBODY=65534

ok() { # ok NAME CMD...: one TAP line for the command's success
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$T/out" | head -30
		fails=$((fails + 1))
	fi
}

start_vmond() {
	rm -f "$S"
	$B/vmond --foreground --root "$R" --vmm /nonexistent/vmon-vmm 2>>"$T/vmond.log" &
	vmond_pid=$!
	# Ready when the socket answers (vmond listens before it serves).
	for _ in $(seq 100); do
		$V list -c "$S" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# vmond did not come up:"; sed 's/^/# /' "$T/vmond.log"
	return 1
}

stop_vmond() { # stop_vmond [SIGNAL]
	kill -"${1:-TERM}" "$vmond_pid"
	wait "$vmond_pid" 2>/dev/null
	vmond_pid=
}

cleanup() {
	[ -n "$vmond_pid" ] && stop_vmond KILL
	[ -n "${sleeper:-}" ] && kill "$sleeper" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

mkxml() { # mkxml NAME [UUID] > file
	echo "<domain type='kvm'>"
	echo "  <name>$1</name>"
	[ -n "${2:-}" ] && echo "  <uuid>$2</uuid>"
	cat <<'X'
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>/boot/vmlinuz-test</kernel>
  </os>
  <devices>
    <console type='pty'/>
  </devices>
</domain>
X
}

contains() { # contains FILE REGEX: print FILE if it does not match
	grep -Eq -- "$2" "$1" || { echo "no match for /$2/ in:"; cat "$1"; return 1; }
}

# ---- protocol and virsh-like output
t_define_list() {
	mkxml web >"$T/web.xml"
	$V define -c "$S" "$T/web.xml" >"$T/o" || return 1
	contains "$T/o" "^Domain 'web' defined from $T/web.xml$" || return 1
	$V list -c "$S" --all >"$T/o" || return 1
	sed -n 1p "$T/o" | grep -Eq '^ Id +Name +State$' || { cat "$T/o"; return 1; }
	sed -n 2p "$T/o" | grep -Eq '^-{10,}$' || { cat "$T/o"; return 1; }
	contains "$T/o" '^ -    web +shut off$' || return 1
	# without --all only active domains: none
	[ "$($V list -c "$S" | wc -l)" -eq 3 ] || { $V list -c "$S"; return 1; }
	[ "$($V list -c "$S" --all --name)" = web ] || return 1
	[ "$($V domid -c "$S" web)" = - ] || return 1
	[ "$($V domstate -c "$S" --reason web)" = "shut off (unknown)" ] || return 1
	$V dumpxml -c "$S" web >"$T/dump.xml" || return 1
	grep -q '<name>web</name>' "$T/dump.xml" || return 1
	# libvirt's own schema is the oracle for the XML vmon writes
	virt-xml-validate "$T/dump.xml" domain || return 1
	virt-xml-validate "$R/etc/vmon/domains/web.xml" domain
}

t_uuid_lookup() {
	local u
	u=$($V domuuid -c "$S" web | head -1)
	[ ${#u} -eq 36 ] || return 1
	[ "$($V domname -c "$S" "$u" | head -1)" = web ]
}

t_unknown_domain() {
	! $V domstate -c "$S" nosuch 2>"$T/e" && contains "$T/e" "failed to get domain 'nosuch'"
}

t_raw_protocol() { # one JSON line per request; two requests on one connection
	python3 - "$S" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"cmd":"list"}\n{"cmd":"nosuch"}\nnot json\n')
f = s.makefile()
a, b, c = (json.loads(f.readline()) for _ in range(3))
assert a["ok"] and a["domains"][0]["name"] == "web", a
assert not b["ok"] and "unknown request" in b["error"], b
assert not c["ok"] and "not a JSON object" in c["error"], c
PY
}

t_not_running() { # the state machine's refusals, in virsh's words
	! $V suspend -c "$S" web 2>"$T/e" &&
		contains "$T/e" 'Requested operation is not valid: domain is not running'
}

t_start_failure() { # a VMM that cannot run: shut off (failed), no status left
	! $V start -c "$S" web 2>"$T/e" || return 1
	contains "$T/e" "domain 'web': vmon-vmm exited at start" || return 1
	[ "$($V domstate -c "$S" --reason web)" = "shut off (failed)" ] || return 1
	[ ! -e "$R/run/vmon/domains/web.status" ]
}

# ---- save images, with no guest: the refusals and a managed save kept
t_save_refusals() {
	! $V save -c "$S" web "$T/img" 2>"$T/e" &&
		contains "$T/e" 'Requested operation is not valid: domain is not running' || return 1
	[ ! -e "$T/img" ] || { echo "a refused save made $T/img"; return 1; }
	! $V managedsave -c "$S" web 2>"$T/e" && contains "$T/e" 'domain is not running' || return 1
	$V managedsave-remove -c "$S" web >"$T/o" &&
		contains "$T/o" "^Domain 'web' has no manage save image; removal skipped$" || return 1
	! $V restore -c "$S" "$T/nothere" 2>"$T/e" &&
		contains "$T/e" "'$T/nothere' is not a vmon save image" || return 1
	# relative paths are made absolute by the CLI; a broken XML is named
	mkdir "$T/bad" && : >"$T/bad/args" && echo '<domain' >"$T/bad/domain.xml" || return 1
	! (v=$(realpath "$V") && cd "$T" && "$v" restore -c "$S" bad) 2>"$T/e" &&
		contains "$T/e" "'$T/bad': the domain XML of the save image" || return 1
	! $V restore -c "$S" --paused --running "$T/bad" 2>"$T/e" &&
		contains "$T/e" 'mutually exclusive' || return 1
	! $V save -c "$RO" web "$T/img" 2>"$T/e" && contains "$T/e" 'read only access prevents save'
}

t_managed_save_kept() { # an image whose restore fails is kept; --force-boot drops it
	local ms=$R/var/lib/vmon/save/web
	mkdir -p "$ms" && : >"$ms/args" || return 1
	$V list -c "$S" --all --managed-save >"$T/o" && contains "$T/o" '^ -    web +saved$' || return 1
	[ "$($V list -c "$S" --all --without-managed-save --name)" = "" ] || return 1
	$V dominfo -c "$S" web >"$T/o" && contains "$T/o" '^Managed save: +yes$' || return 1
	! $V undefine -c "$S" web 2>"$T/e" && contains "$T/e" 'managed save image exists' || return 1
	! $V start -c "$S" web 2>"$T/e" && contains "$T/e" "start --force-boot" || return 1
	[ -e "$ms/args" ] || { echo "the managed save went with the failed restore"; return 1; }
	! $V start -c "$S" --force-boot web 2>"$T/e" && contains "$T/e" "exited at start" || return 1
	[ ! -e "$ms" ] && $V dominfo -c "$S" web >"$T/o" && contains "$T/o" '^Managed save: +no$'
}

# ---- permissions
t_ro_socket() {
	$V list -c "$RO" --all | grep -q ' web ' || return 1
	$V dumpxml -c "$RO" web | grep -q '<name>web</name>' || return 1
	! $V start -c "$RO" web 2>"$T/e" && contains "$T/e" 'read only access prevents start' ||
		return 1
	! $V define -c "$RO" "$T/web.xml" 2>"$T/e" && contains "$T/e" 'read only'
}

as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"
}

t_outsider_denied_rw() {
	# the socket's mode refuses the connection...
	! as_nobody $V list -c "$S" 2>"$T/e" && contains "$T/e" 'Permission denied' || return 1
	# ...and with the mode opened, vmond's SO_PEERCRED check still does
	chmod 0666 "$S"
	! as_nobody $V list -c "$S" 2>"$T/e" || return 1
	contains "$T/e" 'permission denied: manage access needs root or the vmon group' || return 1
	# the read-only socket serves them
	as_nobody $V list -c "$RO" --all | grep -q ' web ' || return 1
	# and root still manages
	$V list -c "$S" --all | grep -q ' web '
}

# ---- 20 clients at once
t_parallel_define() {
	local i pids=()
	for i in $(seq 0 19); do
		mkxml "d$i" >"$T/d$i.xml"
	done
	mkxml shared 6b1c7e8a-1111-4222-8333-944445555666 >"$T/shared.xml"
	for i in $(seq 0 19); do
		$V define -c "$S" "$T/d$i.xml" >/dev/null &
		pids+=($!)
		$V define -c "$S" "$T/shared.xml" >/dev/null &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || return 1; done
	$V list -c "$S" --all --name | sed '/^$/d' | sort >"$T/names"
	(for i in $(seq 0 19); do echo "d$i"; done; echo shared; echo web) | sort >"$T/want"
	diff "$T/want" "$T/names" || return 1
	for f in "$R"/etc/vmon/domains/*; do
		case $f in *.xml) xmllint --noout "$f" || return 1 ;; *) echo "stray $f"; return 1 ;; esac
	done
}

t_parallel_undefine() {
	local i pids=()
	for i in $(seq 0 19); do
		$V undefine -c "$S" "d$i" >/dev/null &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || return 1; done
	[ "$($V list -c "$S" --all --name | sed '/^$/d' | sort | tr '\n' ' ')" = "shared web " ] ||
		return 1
	[ "$(ls "$R/etc/vmon/domains" | tr '\n' ' ')" = "shared.xml web.xml " ]
}

# ---- bad XML
t_bad_xml_kept() {
	cp "$R/etc/vmon/domains/web.xml" "$T/before"
	printf "<domain type='kvm'>\n  <name>web</name>\n  <memory>1<memory>\n</domain>\n" \
		>"$T/bad.xml"
	! $V define -c "$S" "$T/bad.xml" 2>"$T/e" || return 1
	contains "$T/e" 'line [0-9]+, column [0-9]+' || return 1
	cmp "$T/before" "$R/etc/vmon/domains/web.xml"
}

t_name_clash() { # same name, another uuid: refused as libvirt does
	mkxml web 11111111-2222-4333-8444-555555555555 >"$T/web2.xml"
	! $V define -c "$S" "$T/web2.xml" 2>"$T/e" && contains "$T/e" "already exists with uuid"
}

# ---- restarts
t_restart_keeps_definitions() {
	$V autostart -c "$S" shared | grep -q "marked as autostarted" || return 1
	stop_vmond TERM
	start_vmond || return 1
	$V list -c "$S" --all --autostart --name | grep -qx shared || return 1
	$V dominfo -c "$S" shared | grep -Eq '^Autostart: +enable$' || return 1
	$V autostart -c "$S" --disable shared | grep -q unmarked || return 1
	[ ! -e "$R/etc/vmon/autostart/shared" ]
}

status() { # status PID STARTTIME > file
	printf '{"pid": %d, "starttime": %d, "api": "%s/x.sock", "state": 1,' \
		"$1" "$2" "$R"
	printf ' "reason": 1, "id": 5}\n'
}

t_dead_vmm_is_crashed() {
	local pid st
	# a process that existed and is gone
	sh -c 'exit 0' &
	pid=$!
	wait $pid
	status $pid 12345 >"$R/run/vmon/domains/web.status"
	stop_vmond KILL
	start_vmond || return 1
	[ "$($V domstate -c "$S" --reason web)" = "shut off (crashed)" ] || return 1
	[ ! -e "$R/run/vmon/domains/web.status" ]
}

t_reused_pid_not_taken() {
	local st
	sleep 1000 &
	sleeper=$!
	st=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$sleeper/stat)
	# the pid is alive but started at another time: not our VMM
	status "$sleeper" $((st + 1)) >"$R/run/vmon/domains/web.status"
	stop_vmond KILL
	start_vmond || return 1
	[ "$($V domstate -c "$S" --reason web)" = "shut off (crashed)" ] || return 1
	kill -0 "$sleeper" || { echo "vmond touched a process it does not own"; return 1; }
	grep -q "VMM $sleeper is gone (or its pid was reused)" "$T/vmond.log"
}

echo "TAP version 13"
echo "1..18"
start_vmond || { echo "Bail out! vmond did not start"; exit 1; }
ok "define, list --all in virsh's layout, domid, domstate --reason, dumpxml" t_define_list
ok "domuuid, domname by uuid" t_uuid_lookup
ok "unknown domain named in the error" t_unknown_domain
ok "JSON lines: two requests on a connection, bad ones answered" t_raw_protocol
ok "suspend of a shut off domain refused as virsh does" t_not_running
ok "a VMM that cannot start leaves the domain shut off (failed)" t_start_failure
ok "save, managedsave, restore: refusals named, nothing made" t_save_refusals
ok "a managed save whose restore fails is kept; start --force-boot removes it" \
	t_managed_save_kept
ok "read-only socket serves list/dumpxml, refuses start/define" t_ro_socket
ok "uid outside vmon denied on the rw socket (mode and SO_PEERCRED), served on ro" \
	t_outsider_denied_rw
ok "20 clients define at once (and 20 redefine one domain): none lost, files whole" \
	t_parallel_define
ok "20 clients undefine at once" t_parallel_undefine
ok "bad XML refused with line and column, stored definition unchanged" t_bad_xml_kept
ok "same name with another uuid refused" t_name_clash
ok "restart keeps definitions and autostart; autostart --disable" t_restart_keeps_definitions
ok "status of a VMM gone while vmond was down: shut off (crashed)" t_dead_vmm_is_crashed
ok "status whose pid was reused: not adopted, the process left alone" t_reused_pid_not_taken
ok "kill -9 of vmond, restart: definitions still there" \
	bash -c "$V list -c '$S' --all --name | grep -qx web"
[ $fails -eq 0 ]
