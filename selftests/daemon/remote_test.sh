#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon -c URI (issue 18 item 4, on the host): vmon:///system and
# $VMON_DEFAULT_URI; vmon+ssh://USER@HOST:PORT/system through an "ssh" that
# runs the remote command here (a stand-in first in PATH, which records its
# arguments), so that the CLI's ssh command line, vmond --stdio-proxy and
# the relay are what is tested: requests, a change that lands in vmond,
# the event stream, the read-only fallback flag; bad URIs, a proxy that
# cannot reach vmond and an ssh that fails are named. remote_vm_test does
# the same through a real sshd in the test VM.
set -u
B=$(cd "${VMON_BUILD:-build}" && pwd)
V=$B/vmon
T=$(mktemp -d /tmp/remote_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
vmond_pid= ev_pid=

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vmond.sh"
cleanup() {
	[ -n "$ev_pid" ] && kill "$ev_pid" 2>/dev/null
	[ -n "$vmond_pid" ] && vmond_down
	rm -rf "$T"
}
trap cleanup EXIT

# the stand-in ssh: its arguments to ssh.args, then the remote command here
mkdir "$T/bin"
cat >"$T/bin/ssh" <<EOF
#!/bin/bash
echo "\$*" >>"$T/ssh.args"
[ -e "$T/ssh.fail" ] && { echo "ssh: connect to host \$2: Connection refused" >&2; exit 255; }
while [ \$# -gt 0 ]; do
	case \$1 in -T) shift ;; -e | -p | -l) shift 2 ;; --) shift; break ;; *) break ;; esac
done
shift
exec "\$@"
EOF
chmod +x "$T/bin/ssh"
ln -s "$B/vmond" "$T/bin/vmond"
export PATH="$T/bin:$PATH"
URI="vmon+ssh://alice@example:2222/system?socket=$S"
domxml() {
	echo "<domain type='kvm'><name>$1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
	echo "<os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os></domain>"
}

t_local_uri() {
	domxml one >"$T/one.xml"
	$V define -c "vmon:///system?socket=$S" "$T/one.xml" >/dev/null &&
		$V list --all --name -c "vmon+unix:///system?socket=$S" | grep -qx one &&
		VMON_DEFAULT_URI="vmon:///system?socket=$S" $V domstate one | grep -qx 'shut off'
}

t_ssh_command_line() {
	: >"$T/ssh.args"
	$V list --all --name -c "$URI" >"$T/l" && grep -qx one "$T/l" || return 1
	domxml two >"$T/two.xml"
	$V define -c "$URI" "$T/two.xml" >/dev/null || return 1
	# a read-only command may fall back to the read-only socket, a change not
	contains "$T/ssh.args" "^-T -e none -p 2222 -l alice -- example vmond --stdio-proxy --readonly --socket $S\$" &&
		contains "$T/ssh.args" "^-T -e none -p 2222 -l alice -- example vmond --stdio-proxy --socket $S\$" &&
		[ -f "$R/etc/vmon/domains/two.xml" ]
}

t_default_uri_ssh() {
	: >"$T/ssh.args"
	VMON_DEFAULT_URI="vmon+ssh://example/system?socket=$S" $V dominfo two >"$T/o" &&
		contains "$T/o" '^Name: +two$' && contains "$T/ssh.args" "^-T -e none -- example vmond "
}

t_events_through_ssh() {
	$V event --loop --event lifecycle --timeout 20 -c "$URI" >"$T/ev" 2>&1 &
	ev_pid=$!
	sleep 1
	domxml three >"$T/three.xml"
	$V define -c "$S" "$T/three.xml" >/dev/null || return 1
	until_ok 10 grep -q "three" "$T/ev"
	kill "$ev_pid" 2>/dev/null
	wait "$ev_pid" 2>/dev/null
	ev_pid=
	contains "$T/ev" "domain 'three'.*[Dd]efined"
}

t_refusals() {
	! $V list -c "qemu:///system" 2>"$T/e" && contains "$T/e" "'qemu:///system' is not a vmond URI" &&
		! $V list -c "vmon:///session" 2>"$T/e" && contains "$T/e" "serves /system only" &&
		! $V list -c "vmon:///system?bogus=1" 2>"$T/e" && contains "$T/e" "unknown parameter 'bogus'" &&
		! $V list -c 'vmon+ssh://a;b/system' 2>"$T/e" && contains "$T/e" 'is not a vmond URI' &&
		! $V list -c 'vmon+ssh://host:22x/system' 2>"$T/e" && contains "$T/e" 'is not a vmond URI' &&
		! $V list -c "vmon+ssh://host/system?socket=/a%20b" 2>"$T/e" && contains "$T/e" 'is not a vmond URI'
}

t_far_end_fails() {
	! $V list -c "vmon+ssh://example/system?socket=$T/none.sock" 2>"$T/e" &&
		contains "$T/e" "stdio-proxy: cannot connect to '$T/none.sock'" || return 1
	touch "$T/ssh.fail"
	! $V list -c "$URI" 2>"$T/e" && contains "$T/e" 'Connection refused' &&
		contains "$T/e" 'ssh could not reach it'
	rm -f "$T/ssh.fail"
}

t_proxy_options() {
	! "$B/vmond" --socket "$S" 2>"$T/e" && contains "$T/e" 'go with --stdio-proxy' &&
		echo '{"cmd":"list"}' | "$B/vmond" --stdio-proxy --socket "$S" >"$T/o" &&
		contains "$T/o" '"ok": *true'
}

echo "TAP version 13"
echo "1..7"
vmond_up "$B/vmond" "$R" /nonexistent/vmon-vmm "$T/vmond.log" || exit 1
ok_run "vmon:///system?socket=, vmon+unix://, VMON_DEFAULT_URI" t_local_uri
ok_run "vmon+ssh://alice@example:2222: ssh's command line, a request and a change" t_ssh_command_line
ok_run "VMON_DEFAULT_URI with vmon+ssh://" t_default_uri_ssh
ok_run "the event stream through ssh" t_events_through_ssh
ok_run "bad URIs named" t_refusals
ok_run "a far end that cannot reach vmond, an ssh that fails: named" t_far_end_fails
ok_run "vmond --stdio-proxy alone, --socket without it refused" t_proxy_options
tap_status
