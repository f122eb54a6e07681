#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon -c vmon+ssh:// against a real sshd (issue 18 item 4), in the test VM:
# sshd (Debian's openssh-server, never started on the host) listens in a
# second network namespace with a key made for the test; the CLI in the
# first reaches vmond through it (ssh runs vmond --stdio-proxy there),
# lists, defines and starts a real nested guest, reads its state, attaches
# to its console (the console socket relayed by a second ssh running
# vmond --stdio-proxy --socket; with that socket gone, vmon console fails
# and says why) and destroys it. Prints TAP. Run as root from the top of the tree.
set -u
# installed as build/selftests/daemon/remote_vm_test
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
kernel=$B/vmm-guest/vmlinuz
work=$(mktemp -d /tmp/remote-vm-test.XXXXXX)
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
vmond_pid= sshd_pid=
FAR=10.201.0.2

cleanup() {
	$V destroy -c "$S" far >/dev/null 2>&1
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	[ -n "$vmond_pid" ] && { kill "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	ip netns del srv 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/selftests/lib/nested.sh"
. "$top/selftests/lib/vmond.sh"
. "$top/selftests/lib/tap.sh"

echo "1..6"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
modprobe veth 2>/dev/null
if [ ! -x /usr/sbin/sshd ] || [ ! -c /dev/kvm ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /usr/sbin/sshd (openssh-server), /dev/kvm and $kernel"
	exit 1
fi

# the far side: a namespace with sshd on $FAR, a key for root made here
ip netns add srv
ip link add rt-near type veth peer name eth0 netns srv
ip addr add 10.201.0.1/24 dev rt-near
ip link set rt-near up
ip -n srv addr add $FAR/24 dev eth0
ip -n srv link set eth0 up
ip -n srv link set lo up
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$work/id" ||
	{ echo "Bail out! ssh-keygen"; exit 1; }
cp "$work/id.pub" "$work/authorized_keys"
cat >"$work/sshd_config" <<EOF
ListenAddress $FAR
HostKey $work/hostkey
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
mkdir -p /run/sshd /root/.ssh
# the client's side: this key, no host key prompt (the test VM's /root is its own)
cat >/root/.ssh/config <<EOF
Host $FAR
	IdentityFile $work/id
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
EOF
ip netns exec srv /usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
cat >"$work/tick.sh" <<'GUEST'
#!/bin/sh
i=0
while :; do echo "tick $i"; i=$((i + 1)); sleep 1; done
GUEST
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/tick.sh"
cat >"$work/far.xml" <<XML
<domain type='kvm'><name>far</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel>
    <initrd>$work/guest.cpio.gz</initrd><cmdline>quiet</cmdline></os>
  <devices><serial type='pty'/></devices></domain>
XML
URI="vmon+ssh://root@$FAR/system?socket=$S&proxy=$B/vmond"

vmond_up "$B/vmond" "$R" "$B/vmon-vmm" "$work/vmond.log" &&
	until_ok 20 ssh "$FAR" true && $V list --all -c "$URI" >"$work/list.out"
ok $? remote.list_through_sshd "$(head -c 300 "$work/list.out" 2>/dev/null)"

$V define -c "$URI" "$work/far.xml" >/dev/null && [ -f "$R/etc/vmon/domains/far.xml" ] &&
	vmond_log_mark "$D/far.log" && $V start -c "$URI" far >"$work/start.out" 2>&1 &&
	grep -q "Domain 'far' started" "$work/start.out"
ok $? remote.define_and_start_through_sshd "$(cat "$work/start.out")"

"$top/selftests/lib/console-copy" "$D/far.console" "$work/console" &
con=$!
vmond_boot_or_retry "$V" "$S" far "$work/console" "$D/far.log" &&
	until_ok 120 grep -q 'tick 2' "$work/console" &&
	[ "$($V domstate -c "$URI" far --reason | head -1)" = "running (booted)" ]
ok $? remote.guest_runs_state_read_through_sshd "$($V domstate -c "$URI" far --reason 2>&1 | head -1)"
kill "$con" 2>/dev/null
# vmon console through ssh: the guest's ticks, ctrl-] to leave
{
	for _ in $(seq 120); do
		grep -q 'tick [0-9]' "$work/rcon" 2>/dev/null && break
		sleep 0.5
	done
	printf '\035'
} | timeout 90 $V console -c "$URI" far >"$work/rcon" 2>&1
r=$?
[ $r = 0 ] && grep -q "Connected to domain 'far'" "$work/rcon" && grep -q 'tick [0-9]' "$work/rcon"
ok $? remote.console_through_sshd "exit $r: $(head -c 300 "$work/rcon" | tr '\n' ' ')"
# the far console socket gone: the proxy says why, and vmon console fails
mv "$D/far.console" "$D/far.console.away"
timeout 60 $V console -c "$URI" far </dev/null >"$work/rcon2" 2>&1
r=$?
mv "$D/far.console.away" "$D/far.console"
[ $r = 1 ] && grep -q "cannot connect to '$D/far.console'" "$work/rcon2" &&
	grep -q "was not reached through ssh" "$work/rcon2"
ok $? remote.console_unreachable_fails "exit $r: $(tr '\n' ' ' <"$work/rcon2")"

$V destroy -c "$URI" far >/dev/null && [ "$($V domstate -c "$S" far | head -1)" = "shut off" ] &&
	$V undefine -c "$URI" far >/dev/null && [ ! -e "$R/etc/vmon/domains/far.xml" ]
ok $? remote.destroy_and_undefine_through_sshd
tap_status || { sed 's/^/# sshd: /' "$work/sshd.log" 2>/dev/null | tail -n 10; false; }
