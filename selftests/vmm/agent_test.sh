#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest agent channel (issue 16 items 4 and 6), with a nested guest in
# the test VM running Debian's own qemu-guest-agent (7.2, its binary and
# libraries put into the guest's initramfs, unchanged) on vmon-vmm's
# virtio-console port org.qemu.guest_agent.0:
#   1 the API's agent request answers guest-ping
#   2 guest-info names the agent's version and its commands
#   3 guest-get-osinfo: the guest's kernel release
#   4 guest-network-get-interfaces lists lo
#   5 guest-fsfreeze-freeze of the guest's ext4 disk (1 file system),
#     -status "frozen", -thaw (1), -status "thawed"
#   6 an unknown command is the agent's own error
#   7 a client of the --agent socket speaks to the agent itself
#     (guest-sync-delimited, guest-ping), and while it holds the channel
#     the API's request is refused as busy
#   8 a snapshot, the VMM killed, --restore: the agent answers again
#   9 guest-shutdown: the guest powers off, the VMM ends with status 0
#  10 a guest with the port but no agent: the request is refused at once
#     ("not connected"), not left to time out
#  11 the same device's console port (--hvc unix:PATH): a shell the guest
#     runs on hvc0 answers a command sent to the socket
#  12 after the snapshot and restore of 8, that console answers again
# Usage: tools/vmtest -- build/selftests/vmm/agent_test (TAP; root).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
vmm=$top/build/vmon-vmm
kernel=$top/build/vmm-guest/vmlinuz
qga=$top/build/vmm-guest/qga
work=$(mktemp -d /tmp/vmm-agent.XXXXXX)
n=0 failed=0 vmm_pid=
echo "1..12"

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n agent.$2"
	else
		echo "not ok $n agent.$2${3:+ # $3}"
		[ $failed = 0 ] && for f in "$work"/*.console "$work"/*.err; do
			[ -f "$f" ] && tr -d '\r' <"$f" | tail -n 12 | sed "s|^|# $(basename "$f"): |"
		done
		failed=1
	fi
}
cleanup() {
	[ -n "$vmm_pid" ] && kill -9 "$vmm_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
con=$work/g.console
. "$top/selftests/lib/nested.sh"
wait_for() { vmm_wait_console "$con" "$@"; } # wait_for PATTERN SECONDS
call() { "$vmm" --call "$work/api.sock" "$1"; }
# agent JSON [TIMEOUT]: the API's agent request with that guest agent command.
agent() { call "{\"cmd\":\"agent\",\"timeout\":${2:-30},\"request\":$1}"; }
# jq-less field check: py EXPR on the answer in $ans (json as a).
py() { python3 -c "import json,sys; a=json.loads(sys.argv[1]); sys.exit(0 if ($1) else 1)" "$ans"; }
# hvc_answers: a client of the --hvc socket types a command (again every 5 s
# until the guest's shell is there) until its answer, HVC-42, comes back
# (the typed line itself, echoed by the tty, does not hold it); prints
# what it read.
hvc_answers() {
	python3 - "$work/hvc.sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(0.5)
buf, end, again = b'', time.time() + 90, 0
while b'HVC-42' not in buf and time.time() < end:
    if time.time() >= again:
        s.sendall(b'echo HVC-$((6*7))\n')
        again = time.time() + 5
    try:
        buf += s.recv(4096)
    except socket.timeout:
        pass
print(buf.decode(errors='replace').replace('\r', '').replace('\n', '|')[-300:])
sys.exit(0 if b'HVC-42' in buf else 1)
PY
}

modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
if [ ! -c /dev/kvm ] || [ ! -x "$vmm" ] || [ ! -f "$kernel" ] || [ ! -x "$qga/usr/sbin/qemu-ga" ]; then
	echo "Bail out! need /dev/kvm, $vmm, $kernel and $qga/usr/sbin/qemu-ga"
	exit 1
fi

# Started as root, the VMM becomes vmon-vmm: it reaches the snapshot dir
# through $work.
chmod 0711 "$work"
kver=$(readlink -f "$kernel")
kver=${kver##*/vmlinuz-}
truncate -s 32M "$work/fs.img"
mkfs.ext4 -q -F "$work/fs.img"
# the agent in the guest: selftests/vmm/qga-initrd
cat >"$work/g.sh" <<'GUEST'
start-qga
mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo "FS-MOUNTED"
# a shell on the second console, hvc0 (virtio-console port 0), again
# whenever it ends
(while :; do setsid sh -c 'exec sh -i </dev/hvc0 >/dev/hvc0 2>&1'; sleep 1; done) &
echo "HVC $(ls /dev/hvc0 2>&1)"
while :; do sleep 1; done
GUEST
selftests/vmm/mkinitrd "$work/g.cpio.gz" "$work/g.sh"
if ! selftests/vmm/qga-initrd "$work/g.cpio.gz"; then
	echo "Bail out! selftests/vmm/qga-initrd failed"
	exit 1
fi

vmm_boot "$work/g.err" -k "$kernel" -i "$work/g.cpio.gz" -c 1 -m 256 --console "file:$con" \
	--api "$work/api.sock" --agent "$work/agent.sock" --disk "$work/fs.img,format=raw" \
	--hvc "unix:$work/hvc.sock"
wait_for "AGENT-STARTED\|NO-AGENT" 240
# The agent opens its port a moment after it starts: until then the
# request is refused at once ("not connected"), so wait for it to answer.
for _ in $(seq 60); do
	ans=$(agent '{"execute":"guest-ping"}' 10 2>&1)
	echo "$ans" | grep -q '"ok":true' && break
	sleep 1
done
echo "$ans" | grep -q '"ok":true,"return":{}'
ok $? guest_ping "$ans; console: $(grep -a 'AGENT\|NO-AGENT' "$con" | tr -d '\r')"

ans=$(agent '{"execute":"guest-info"}')
py 'a["ok"] and a["return"]["version"].startswith("7.") and any(c["name"] == "guest-ping" and c["enabled"] for c in a["return"]["supported_commands"])'
ok $? guest_info_names_version_and_commands "${ans:0:300}"

ans=$(agent '{"execute":"guest-get-osinfo"}')
KVER=$kver py 'a["ok"] and a["return"]["kernel-release"] == __import__("os").environ["KVER"] and a["return"]["machine"] == "x86_64"'
ok $? guest_get_osinfo_kernel_release "$ans; want $kver"

ans=$(agent '{"execute":"guest-network-get-interfaces"}')
py 'a["ok"] and "lo" in [i["name"] for i in a["return"]]'
ok $? guest_network_interfaces_list_lo "${ans:0:300}"

f1=$(agent '{"execute":"guest-fsfreeze-freeze"}')
s1=$(agent '{"execute":"guest-fsfreeze-status"}')
f2=$(agent '{"execute":"guest-fsfreeze-thaw"}')
s2=$(agent '{"execute":"guest-fsfreeze-status"}')
echo "$f1" | grep -q '"ok":true,"return":1}' && echo "$s1" | grep -q '"return":"frozen"' &&
	echo "$f2" | grep -q '"ok":true,"return":1}' && echo "$s2" | grep -q '"return":"thawed"'
ok $? fsfreeze_freeze_status_thaw "$f1 $s1 $f2 $s2; $(grep -a FS-MOUNTED "$con" | tr -d '\r')"

ans=$(agent '{"execute":"guest-no-such-command"}')
echo "$ans" | grep -q '"ok":false' && echo "$ans" | grep -q 'agent: .*guest-no-such-command'
ok $? unknown_command_is_the_agents_error "$ans"

# A client of the socket: the agent's own protocol, and the API refused meanwhile.
ans=$(python3 - "$work/agent.sock" "$vmm" "$work/api.sock" <<'PY'
import json, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(30)
buf = b''
def line():  # the next JSON line of the agent, 0xff delimiters dropped
    global buf
    while b'\n' not in buf:
        buf += s.recv(4096).replace(b'\xff', b'')
    l, buf = buf.split(b'\n', 1)
    return json.loads(l)
# 0xff resets the agent's parser, which answers it with a parse error:
# lines up to the sync's answer are skipped, as the VMM's client does
s.sendall(b'\xff{"execute":"guest-sync-delimited","arguments":{"id":4242}}\n')
for _ in range(5):
    sync = line()
    if "return" in sync:
        break
busy = subprocess.run([sys.argv[2], "--call", sys.argv[3],
                       '{"cmd":"agent","request":{"execute":"guest-ping"}}'],
                      capture_output=True, text=True).stdout.strip()
s.sendall(b'{"execute":"guest-ping"}\n')
ping = line()
print(json.dumps({"sync": sync, "ping": ping, "busy": busy}))
PY
)
py 'a["sync"] == {"return": 4242} and a["ping"] == {"return": {}} and "busy" in a["busy"] and "--agent socket" in a["busy"]'
ok $? socket_client_speaks_to_the_agent_api_busy "$ans"

hvc=$(hvc_answers)
ok $? hvc_console_shell_answers "read: $hvc; console: $(grep -a '^HVC' "$con" | tr -d '\r')"

# Snapshot, kill, restore: the ports and the agent carry on.
snap=$work/snap
install -d -m 0700 -o vmon-vmm -g vmon-vmm "$snap"
ans=$(call "{\"cmd\":\"snapshot\",\"path\":\"$snap\"}")
kill -9 "$vmm_pid"
wait "$vmm_pid" 2>/dev/null
vmm_nested_forget
"$vmm" --restore "$snap" --console "file:$work/r.console" 2>"$work/r.err" &
vmm_pid=$!
for _ in $(seq 60); do
	[ -S "$work/api.sock" ] && r1=$(agent '{"execute":"guest-ping"}' 20 2>&1) &&
		echo "$r1" | grep -q '"ok":true' && break
	sleep 1
done
echo "$ans" | grep -q '"ok":true' && echo "$r1" | grep -q '"ok":true,"return":{}'
ok $? agent_answers_after_restore "snapshot: $ans; ping: ${r1:-none}"
hvc=$(hvc_answers)
ok $? hvc_console_answers_after_restore "read: $hvc"

ans=$(agent '{"execute":"guest-shutdown"}')
st=
for _ in $(seq 120); do
	kill -0 "$vmm_pid" 2>/dev/null || break
	sleep 0.5
done
if ! kill -0 "$vmm_pid" 2>/dev/null; then
	wait "$vmm_pid"
	st=$?
	vmm_pid=
fi
echo "$ans" | grep -q '"ok":true' && [ "$st" = 0 ] && grep -q "exit 0: " "$work/r.err"
ok $? guest_shutdown_powers_off "answer $ans; VMM status ${st:-running}; $(grep exit "$work/r.err")"

# The port without an agent behind it.
printf 'x' >"$work/noagent"
(cd "$work" && echo noagent | cpio -o -H newc --quiet | gzip -1) >>"$work/g.cpio.gz"
rm -f "$con" "$work/api.sock"
vmm_boot "$work/n.err" -k "$kernel" -i "$work/g.cpio.gz" -c 1 -m 256 --console "file:$con" \
	--api "$work/api.sock" --agent "$work/agent.sock"
wait_for "AGENT-STARTED\|NO-AGENT" 240
t0=$(date +%s)
ans=$(agent '{"execute":"guest-ping"}' 30)
t1=$(date +%s)
grep -q NO-AGENT "$con" && echo "$ans" | grep -q '"ok":false' &&
	echo "$ans" | grep -q "not connected" && [ $((t1 - t0)) -lt 10 ]
ok $? no_agent_refused_at_once "$ans in $((t1 - t0)) s"
exit $failed
