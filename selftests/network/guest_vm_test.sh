#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real nested guests on a NAT network named default, as libvirt's, inside the
# test VM with nested KVM: vmond puts each domain's <interface type='network'>
# on the network's bridge as a tap of its own; the guest gets a DHCP lease
# (listed by net-dhcp-leases with its hostname, and by domifaddr --source
# lease under its tap), pings the host over the bridge (after which
# domifaddr --source arp finds it in the host's ARP table), an "outside"
# namespace through NAT (whose firewall counts the pings as coming from the host's
# address, never the guest's) and a second guest, "peer", at the address its
# <host> entry gives it, and by its name through the network's dnsmasq (which
# the host asks for the first guest's name too); the taps are the VMM user's;
# a download from the outside through NAT goes on while vmond is killed with
# SIGKILL and started again, and completes intact, counted by domifstat (the
# tap's counters, swapped); net-destroy is refused
# while the guest runs; domiflist names the tap; destroying the domain deletes
# its tap; then net-destroy succeeds.
#
# Usage: tools/vmtest -- build/selftests/network/guest_vm_test (TAP; root).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
kernel=$B/vmm-guest/vmlinuz
work=$(mktemp -d /tmp/netguest-test.XXXXXX)
chmod 0755 "$work" # dnsmasq reads its hosts file as user dnsmasq
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
n=0 failed=0 vmond_pid= con_pid= peer_con= srv=

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n network.$2"
	else
		echo "not ok $n network.$2${3:+ # $3}"
		failed=1
	fi
}
cleanup() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	[ -n "$peer_con" ] && kill "$peer_con" 2>/dev/null
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	$V destroy -c "$S" web >/dev/null 2>&1
	$V destroy -c "$S" peer >/dev/null 2>&1
	$V net-destroy -c "$S" --force default >/dev/null 2>&1
	[ -n "$vmond_pid" ] && { kill "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	ip netns del out 2>/dev/null
	[ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/network" &&
		cp "$work"/*.log "$work"/console "$D"/*.log "$VMTEST_OUT/network/" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# until SECONDS CMD...: wait for CMD to succeed (the assertion follows).
until_ok() {
	local i t=$1
	shift
	for ((i = 0; i < t * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
attach_console() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	"$top/selftests/lib/console-copy" "$D/web.console" "$work/console" &
	con_pid=$!
}

. "$top/selftests/lib/nested.sh"
echo "1..19"
modprobe kvm-amd 2>/dev/null || modprobe kvm-intel 2>/dev/null
for m in bridge veth tun nf_tables nft_chain_nat nft_masq nft_ct nft_reject_ipv4 \
	nft_reject_inet; do
	modprobe "$m" || { echo "Bail out! modprobe $m"; exit 1; }
done
if [ ! -c /dev/kvm ] || [ ! -x "$B/vmon-vmm" ] || [ ! -f "$kernel" ]; then
	echo "Bail out! need /dev/kvm, vmon-vmm and $kernel"
	exit 1
fi

# the outside: 10.200.0.2 in "out", no route back to the guests
ip netns add out
ip link add out-h type veth peer name eth0 netns out
ip addr add 10.200.0.1/24 dev out-h
ip link set out-h up
ip -n out addr add 10.200.0.2/24 dev eth0
ip -n out link set eth0 up
# its firewall counts echo requests by source: NATed ones come from the host
ip netns exec out nft -f - <<'X' || { echo "Bail out! nft in the outside namespace"; exit 1; }
table inet count {
	chain input {
		type filter hook input priority 0;
		ip saddr 10.200.0.1 icmp type echo-request counter
		ip saddr 192.168.160.0/24 icmp type echo-request counter
	}
}
X

cat >"$work/test.sh" <<'X'
#!/bin/sh
ip link set eth0 up
udhcpc -i eth0 -f -q -n -t 20 -T 2 -x hostname:webguest -s /bin/dhcp-hook >/dev/null 2>&1
echo "CHECK lease $(ip -4 addr show dev eth0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p')"
ping -c 2 -W 5 192.168.160.1 >/dev/null && echo "CHECK ping ok" || echo "CHECK ping fail"
ping -c 2 -W 5 10.200.0.2 >/dev/null && echo "CHECK nat ok" || echo "CHECK nat fail"
# the other guest, at its <host> address, once it is up
i=0
until ping -c 1 -W 2 192.168.160.20 >/dev/null; do
	i=$((i + 1))
	[ $i -ge 60 ] && break
done
[ $i -lt 60 ] && echo "CHECK peer ok" || echo "CHECK peer fail"
nslookup peer 192.168.160.1 2>&1 | grep -q "192.168.160.20" && echo "CHECK dns ok" ||
	echo "CHECK dns fail $(nslookup peer 192.168.160.1 2>&1 | tr '\n' ' ')"
echo "CHECK done"
# a download from the outside, once its server is there (the test starts
# it, then restarts vmond while the bytes come)
i=0
until wget -q -O /tmp/xfer http://10.200.0.2:8080/blob 2>/dev/null; do
	i=$((i + 1))
	[ $i -ge 300 ] && break
	sleep 1
done
echo "CHECK transfer $(wc -c </tmp/xfer) $(md5sum </tmp/xfer | cut -c1-32)"
while :; do sleep 10; done
X
selftests/vmm/mkinitrd "$work/guest.cpio.gz" "$work/test.sh" selftests/lib/dhcp-hook
cat >"$work/peer.sh" <<'X'
#!/bin/sh
ip link set eth0 up
udhcpc -i eth0 -f -q -n -t 20 -T 2 -x hostname:peer -s /bin/dhcp-hook >/dev/null 2>&1
echo "CHECK lease $(ip -4 addr show dev eth0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p')"
while :; do sleep 10; done
X
selftests/vmm/mkinitrd "$work/peer.cpio.gz" "$work/peer.sh" selftests/lib/dhcp-hook

cat >"$work/net.xml" <<'X'
<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='vmgbr0' stp='off'/>
  <ip address='192.168.160.1' prefix='24'>
    <dhcp><range start='192.168.160.50' end='192.168.160.99'/>
      <host mac='52:54:00:c0:ff:02' name='peer' ip='192.168.160.20'/></dhcp>
  </ip>
</network>
X
cat >"$work/web.xml" <<XML
<domain type='kvm'>
  <name>web</name>
  <uuid>c0ffee00-1234-4abc-8def-001122334455</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel>
    <initrd>$work/guest.cpio.gz</initrd><cmdline>quiet</cmdline></os>
  <devices>
    <interface type='network'><mac address='52:54:00:c0:ff:01'/>
      <source network='default'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>
XML

sed -e 's/<name>web</<name>peer</' -e 's/c0ffee00-1234/c0ffee02-1234/' \
	-e 's/c0:ff:01/c0:ff:02/' -e 's/guest.cpio.gz/peer.cpio.gz/' "$work/web.xml" >"$work/peer.xml"

$B/vmond --foreground --root "$R" --vmm "$B/vmon-vmm" 2>>"$work/vmond.log" &
vmond_pid=$!
until_ok 10 $V net-list -c "$S" || { echo "Bail out! vmond did not come up"; exit 1; }
$V net-define -c "$S" "$work/net.xml" >/dev/null && $V define -c "$S" "$work/web.xml" >/dev/null &&
	$V define -c "$S" "$work/peer.xml" >/dev/null
$V start -c "$S" web >"$work/out.log" 2>&1
[ $? = 1 ]
ok $? start_fails_network_inactive "$(tr '\n' ' ' <"$work/out.log")"
grep -q "network 'default' is not active" "$work/out.log" && ! ls /sys/class/net | grep -q '^vt'
ok $? start_names_inactive_network_no_tap_left "$(tr '\n' ' ' <"$work/out.log")"
$V net-start -c "$S" default >/dev/null
# the peer first, up to its init (one retry: selftests/lib/nested.sh); web
# pings it once both are up
peer_console() {
	[ -n "$peer_con" ] && kill "$peer_con" 2>/dev/null
	"$top/selftests/lib/console-copy" "$D/peer.console" "$work/peer.console" &
	peer_con=$!
}
vmond_log_mark "$D/peer.log"
$V start -c "$S" peer >"$work/peer-start.log" 2>&1 && peer_console &&
	vmond_boot_or_retry "$V" "$S" peer "$work/peer.console" "$D/peer.log" peer_console
vmond_log_mark "$D/web.log"
$V start -c "$S" web >"$work/out.log" 2>&1
ok $? start_on_network "$(tr '\n' ' ' <"$work/out.log")"
attach_console
tap=vtc0ffee00.0
[ "$(basename "$(readlink /sys/class/net/$tap/master)")" = vmgbr0 ]
ok $? tap_on_bridge "$(ls /sys/class/net | tr '\n' ' ')"
[ "$(cat /sys/class/net/$tap/owner)" = "$(id -u vmon-vmm)" ]
ok $? tap_owned_by_the_vmm_user "owner $(cat /sys/class/net/$tap/owner), vmon-vmm $(id -u vmon-vmm)"
# domiflist of the running domain names its tap; of the definition, "-"
$V domiflist -c "$S" web | grep -Eq "^ $tap +network +default +virtio +52:54:00:c0:ff:01$" &&
	$V domiflist -c "$S" web --inactive | grep -Eq "^ - +network +default +virtio +52:54:00:c0:ff:01$"
ok $? domiflist_names_the_tap "$($V domiflist -c "$S" web 2>&1 | tr '\n' '|')"
# (a guest whose kernel dies before its init ran is started once more:
# selftests/lib/nested.sh)
vmond_boot_or_retry "$V" "$S" web "$work/console" "$D/web.log" attach_console &&
	until_ok 120 grep -q "CHECK done" "$work/console"
ip=$(sed -n 's/.*CHECK lease \([0-9.]*\).*/\1/p' "$work/console" | head -1)
case "$ip" in 192.168.160.[5-9][0-9]) true ;; *) false ;; esac
ok $? guest_dhcp_lease "$(grep CHECK "$work/console" | tr -d '\r' | tr '\n' ' ')"
$V net-dhcp-leases -c "$S" default | grep -q "52:54:00:c0:ff:01 *ipv4 *$ip/24 *webguest "
ok $? net_dhcp_leases_lists_guest "$($V net-dhcp-leases -c "$S" default 2>&1 | tr '\n' ' ')"
# domifaddr --source lease: the tap, its MAC and the lease's address
$V domifaddr -c "$S" web --source lease >"$work/ifaddr.out" 2>&1 &&
	grep -Eq "^ $tap +52:54:00:c0:ff:01 +ipv4 +$ip/24$" "$work/ifaddr.out"
ok $? domifaddr_source_lease "$(tr '\n' '|' <"$work/ifaddr.out")"
grep -q "CHECK ping ok" "$work/console" && grep -q "CHECK nat ok" "$work/console"
ok $? guest_reaches_host_and_outside "$(grep CHECK "$work/console" | tr -d '\r' | tr '\n' ' ')"
# domifaddr --source arp: the guest pinged the host over the bridge, so the
# host's ARP table has its address under its MAC; domifstat knows its tap
# by name (before any vmond restart too) and counts the pings sent
$V domifaddr -c "$S" web --source arp >"$work/arp.out" 2>&1 &&
	grep -Eq "^ $tap +52:54:00:c0:ff:01 +ipv4 +$ip/0$" "$work/arp.out" &&
	$V domifstat -c "$S" web "$tap" | awk '$2 == "tx_packets" && $3 > 0 { f = 1 } END { exit !f }'
ok $? domifaddr_source_arp "$(tr '\n' '|' <"$work/arp.out"); $(ip neigh show dev vmgbr0 | tr '\n' '|'); $($V domifstat -c "$S" web "$tap" 2>&1 | tr '\n' ' ')"
# the outside saw the host's address (masquerade), never the guest's
nated=$(ip netns exec out nft list chain inet count input | grep -o '10.200.0.1 .*packets [0-9]*' | grep -o '[0-9]*$')
leaked=$(ip netns exec out nft list chain inet count input | grep -o '192.168.160.0/24 .*packets [0-9]*' | grep -o '[0-9]*$')
[ "${nated:-0}" -ge 2 ] && [ "${leaked:-1}" = 0 ]
ok $? nat_seen_from_outside "from the host $nated, from the guests ${leaked:-?}"
grep -q "CHECK peer ok" "$work/console" && grep -q "CHECK lease 192.168.160.20" "$work/peer.console"
ok $? guests_reach_each_other "$(grep CHECK "$work/console" "$work/peer.console" | tr -d '\r' | tr '\n' ' ') $(tr '\n' ' ' <"$work/peer-start.log")"
grep -q "CHECK dns ok" "$work/console" &&
	busybox nslookup webguest 192.168.160.1 2>&1 | grep -q "$ip"
ok $? guests_resolve_by_name "$(grep "CHECK dns" "$work/console" | tr -d '\r'); host: $(busybox nslookup webguest 192.168.160.1 2>&1 | tr '\n' ' ')"

# The download: 1 MiB from a server outside that sends it slowly (16 KiB
# each 0.2 s); vmond is killed and started again while it runs.
ip netns exec out python3 - "$work/srv.log" <<'PY' &
import socket, sys, time
log = open(sys.argv[1], "w", buffering=1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.200.0.2", 8080))
s.listen(1)
c, _ = s.accept()
c.recv(4096)
log.write("started %.3f\n" % time.time())
blob = bytes(range(256)) * 4096
c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(blob))
for k in range(0, len(blob), 16384):
    c.sendall(blob[k:k + 16384])
    time.sleep(0.2)
c.close()
log.write("done %.3f\n" % time.time())
PY
srv=$!
until_ok 300 grep -q started "$work/srv.log"
t_kill=$(date +%s.%N)
kill -9 "$vmond_pid"
wait "$vmond_pid" 2>/dev/null
$B/vmond --foreground --root "$R" --vmm "$B/vmon-vmm" 2>>"$work/vmond.log" &
vmond_pid=$!
until_ok 10 $V list -c "$S"
until_ok 120 grep -q "CHECK transfer" "$work/console"
want=$(python3 -c 'import hashlib; print(hashlib.md5(bytes(range(256)) * 4096).hexdigest())')
kill "$srv" 2>/dev/null # done by now, unless the guest never came
wait "$srv" 2>/dev/null
srv=
done_at=$(sed -n 's/^done //p' "$work/srv.log")
grep -q "CHECK transfer 1048576 $want" "$work/console" &&
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)' "${done_at:-0}" "$t_kill" &&
	$V domstate -c "$S" web | grep -q '^running' && $V net-list -c "$S" | grep -Eq '^ default +active '
ok $? transfer_through_vmond_restart "$(grep "CHECK transfer" "$work/console" | tr -d '\r'); want 1048576 $want; vmond killed at $t_kill, the server done at ${done_at:-?}; $($V net-list -c "$S" 2>&1 | tr '\n' '|')"

# domifstat: the tap's counters seen from the guest (swapped), whatever back
# end carried the packets: the 1 MiB came in, the requests went out
$V domifstat -c "$S" web "$tap" >"$work/ifstat.out" 2>&1
ifs() { awk -v k="$1" '$2 == k { print $3 }' "$work/ifstat.out"; }
host_tx=$(cat /sys/class/net/$tap/statistics/tx_bytes)
[ "$(ifs rx_bytes)" -ge 1048576 ] && [ "$(ifs rx_bytes)" -le "$host_tx" ] &&
	[ "$(ifs rx_packets)" -gt 100 ] && [ "$(ifs tx_packets)" -gt 0 ] &&
	[ "$(ifs tx_bytes)" -gt 0 ] && [ "$(ifs rx_drop)" = 0 ]
ok $? domifstat_counts_the_download "$(tr '\n' ' ' <"$work/ifstat.out"); tap tx_bytes $host_tx"

kill "$peer_con" 2>/dev/null
peer_con=
$V destroy -c "$S" peer >/dev/null 2>&1
$V net-destroy -c "$S" default >"$work/out.log" 2>&1
[ $? = 1 ] && grep -q "in use by 1 running domain ('web' first)" "$work/out.log"
ok $? net_destroy_refused_while_used "$(tr '\n' ' ' <"$work/out.log")"
$V destroy -c "$S" web >/dev/null 2>&1
[ ! -e /sys/class/net/$tap ]
ok $? tap_deleted_with_domain
$V net-destroy -c "$S" default >/dev/null 2>&1 && [ ! -e /sys/class/net/vmgbr0 ]
ok $? net_destroy_after_domain
[ $failed = 0 ] || { echo "# vmond's log:"; sed 's/^/# /' "$work/vmond.log" | tail -30; }
exit $failed
