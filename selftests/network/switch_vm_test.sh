#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The virtual switch for real, inside the test VM (root; never on the host):
# vmond in a temporary root, driven by the vmon CLI. Network namespaces
# play the guest ("c", a veth on the bridge) and the outside ("out", a veth
# to the host on 10.200.0.0/24 with no route back to the guests).
#
#  - net-start of a NAT network: the bridge with its MAC and address, up,
#    STP as asked; the nft chains in table "ip vmon"; ip_forward on; dnsmasq
#    running with its pid file.
#  - the guest gets a DHCP lease in the range, listed by net-dhcp-leases; a
#    static <host> gets its fixed address; <dns><host> resolves through
#    dnsmasq; net-update --live adds a static host that the next DHCP
#    request gets; the guest reaches the host, and the outside through NAT (the
#    outside sees the host's address, not the guest's).
#  - an isolated network's guest reaches its bridge but not the outside.
#  - a bridge name taken by another interface: net-start fails saying so,
#    and leaves nothing behind.
#  - a killed dnsmasq is started again (and logged) by vmond's watch.
#  - kill -9 of vmond and a restart: the network is taken back (same bridge
#    ifindex, same dnsmasq pid), not rebuilt.
#  - net-destroy: bridge, chains, table and dnsmasq gone, ip_forward back to
#    what it was before (0); a user's own nft table untouched throughout.
#  - the 'default' network of a first start takes the first 192.168.N.0/24
#    that no host address overlaps.
#
# Usage: tools/vmtest -- build/selftests/network/switch_vm_test (TAP).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
B=$top/build
V=$B/vmon
work=$(mktemp -d /tmp/switch-test.XXXXXX)
chmod 0755 "$work" # dnsmasq reads its hosts file as user dnsmasq
R=$work/root
S=$R/run/vmon/vmond.sock
DM=$R/var/lib/vmon/dnsmasq
n=0 failed=0 vmond_pid=

ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n network.$2"
	else
		echo "not ok $n network.$2${3:+ # $3}"
		failed=1
	fi
}
check() { # check NAME CMD...: ok if CMD succeeds, its output as diagnosis
	local name=$1 out
	shift
	out=$("$@" 2>&1)
	ok $? "$name" "$(echo "$out" | tr '\n' ' ' | cut -c1-300)"
}
cleanup() {
	[ -n "$vmond_pid" ] && kill -9 "$vmond_pid" 2>/dev/null
	for f in "$DM"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	ip netns del c 2>/dev/null
	ip netns del c2 2>/dev/null
	ip netns del out 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

start_vmond() {
	$B/vmond --foreground --root "$R" --vmm /nonexistent 2>>"$work/vmond.log" &
	vmond_pid=$!
	for _ in $(seq 100); do # ready when the socket answers
		$V net-list -c "$S" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# vmond did not come up"; sed 's/^/# /' "$work/vmond.log"
	exit 1
}

for m in bridge veth tun nf_tables nft_chain_nat nft_masq nft_ct nft_reject_ipv4 \
	nft_reject_inet; do
	modprobe "$m" || { echo "Bail out! modprobe $m"; exit 1; }
done
echo 0 >/proc/sys/net/ipv4/ip_forward
# the user's own table, which vmon must never touch
nft add table inet usertab
nft add chain inet usertab keep '{ type filter hook forward priority 10; policy accept; }'
nft list table inet usertab >"$work/usertab.before"

cat >"$work/nat.xml" <<'X'
<network>
  <name>natnet</name>
  <forward mode='nat'/>
  <bridge name='vmtbr0' stp='off' delay='0'/>
  <mac address='52:54:00:7e:00:01'/>
  <domain name='vmtest.lan'/>
  <dns><host ip='192.168.150.250'><hostname>printer</hostname></host></dns>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.100' end='192.168.150.199'/>
      <host mac='52:54:00:7e:00:22' name='fixed' ip='192.168.150.22'/>
    </dhcp>
  </ip>
</network>
X
cat >"$work/iso.xml" <<'X'
<network>
  <name>isonet</name>
  <bridge name='vmtbr1' stp='on' delay='0'/>
  <ip address='10.151.0.1' prefix='24'>
    <dhcp><range start='10.151.0.10' end='10.151.0.20'/></dhcp>
  </ip>
</network>
X
cat >"$work/udhcpc.sh" <<'X'
#!/bin/sh
# udhcpc's hook: configure the lease (busybox passes ip, mask as a prefix, router)
case "$1" in
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	[ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
	echo "$ip" >"$LEASE_OUT"
	;;
esac
exit 0
X
chmod +x "$work/udhcpc.sh"

# guest NS (its veth end MAC) on BRIDGE; the lease's address in $work/NS.ip
guest() { # guest NS MAC BRIDGE
	ip netns add "$1"
	ip link add "$1-br" type veth peer name eth0 netns "$1"
	ip -n "$1" link set eth0 address "$2"
	ip -n "$1" link set lo up
	ip -n "$1" link set eth0 up
	ip link set "$1-br" master "$3" up
	LEASE_OUT=$work/$1.ip ip netns exec "$1" busybox udhcpc -i eth0 -f -q -n -t 10 -T 2 \
		-x hostname:"$1" -s "$work/udhcpc.sh" >"$work/$1.udhcpc" 2>&1
}

start_vmond
"$V" net-define -c "$S" "$work/nat.xml" >/dev/null
check define_nat "$V" net-info -c "$S" natnet
check start_nat "$V" net-start -c "$S" natnet
check bridge_address sh -c "ip -4 -o addr show dev vmtbr0 | grep -q 'inet 192.168.150.1/24 brd 192.168.150.255'"
check bridge_mac sh -c "ip -o link show vmtbr0 | grep -q 'link/ether 52:54:00:7e:00:01'"
check bridge_up sh -c "ip -o link show vmtbr0 | grep -q '[<,]UP[,>]'"
check bridge_stp_off sh -c "test \$(cat /sys/class/net/vmtbr0/bridge/stp_state) = 0"
check nft_masquerade sh -c "nft list chain ip vmon post-vmtbr0 | grep -q 'ip saddr 192.168.150.0/24 ip daddr != 192.168.150.0/24 masquerade'"
check nft_forward sh -c "nft list chain ip vmon fwd-vmtbr0 | grep -q 'iifname \"vmtbr0\" ip saddr 192.168.150.0/24 accept'"
check ip_forward_on sh -c "test \$(cat /proc/sys/net/ipv4/ip_forward) = 1"
dpid=$(cat "$DM/natnet.pid" 2>/dev/null)
check dnsmasq_running sh -c "test -n '$dpid' && grep -q 'conf-file=$DM/natnet.conf' /proc/$dpid/cmdline"
check net_list_active sh -c "'$V' net-list -c '$S' | grep -q '^ natnet  *active  *no  *yes'"

# the outside: 10.200.0.1 on the host, 10.200.0.2 in "out", no route to guests
ip netns add out
ip link add out-h type veth peer name eth0 netns out
ip addr add 10.200.0.1/24 dev out-h
ip link set out-h up
ip -n out addr add 10.200.0.2/24 dev eth0
ip -n out link set eth0 up
ip -n out link set lo up

guest c 52:54:00:7e:00:33 vmtbr0
cip=$(cat "$work/c.ip" 2>/dev/null)
check dhcp_lease_in_range sh -c "case '$cip' in 192.168.150.1[0-9][0-9]) true;; *) false;; esac"
check net_dhcp_leases sh -c "'$V' net-dhcp-leases -c '$S' natnet | grep -q '52:54:00:7e:00:33  *ipv4  *$cip/24  *c '"
check net_dhcp_leases_mac sh -c "'$V' net-dhcp-leases -c '$S' natnet --mac 52:54:00:00:00:99 | grep -c 52:54 | grep -qx 0"
check guest_reaches_host ip netns exec c busybox ping -c 1 -W 5 192.168.150.1
check dns_host_record sh -c "ip netns exec c busybox nslookup printer.vmtest.lan 192.168.150.1 | grep -q 192.168.150.250"
# NAT: "out" has no route to 192.168.150.0/24, so only a rewritten source answers
check nat_to_outside ip netns exec c busybox ping -c 1 -W 5 10.200.0.2
timeout 20 ip netns exec out busybox nc -l -p 7777 >"$work/nc.out" 2>&1 &
ncpid=$!
for _ in $(seq 100); do # nc listening: readiness, not an assertion
	ip netns exec out ss -ltn | grep -q ':7777 ' && break
	sleep 0.1
done
echo hello | ip netns exec c busybox nc -w 3 10.200.0.2 7777 >/dev/null 2>&1
wait $ncpid
check nat_payload sh -c "grep -qx hello '$work/nc.out'"
check nat_conntrack_source sh -c "grep -q 'src=$cip dst=10.200.0.2.*dport=7777.*src=10.200.0.2 dst=10.200.0.1 ' /proc/net/nf_conntrack"

guest c2 52:54:00:7e:00:22 vmtbr0
check static_host_lease sh -c "test \"\$(cat '$work/c2.ip')\" = 192.168.150.22"
ip netns del c2

# net-update --live: a static host added to the running network is what the
# next DHCP request of that MAC gets; the definition is left as it was
check net_update_live "$V" net-update -c "$S" natnet add ip-dhcp-host \
	"<host mac='52:54:00:7e:00:55' ip='192.168.150.55'/>" --live
guest c3 52:54:00:7e:00:55 vmtbr0
check net_update_lease_taken sh -c "test \"\$(cat '$work/c3.ip')\" = 192.168.150.55"
check net_update_live_only sh -c "! grep -q 192.168.150.55 '$R/etc/vmon/networks/natnet.xml' && '$V' net-dumpxml -c '$S' natnet | grep -q \"<host mac='52:54:00:7e:00:55' ip='192.168.150.55'/>\""
ip netns del c3

# isolated: its guest gets a lease, reaches the bridge, not the outside
"$V" net-define -c "$S" "$work/iso.xml" >/dev/null
check start_isolated "$V" net-start -c "$S" isonet
check bridge_stp_on sh -c "test \$(cat /sys/class/net/vmtbr1/bridge/stp_state) = 1"
check isolated_no_nat_chain sh -c "! nft list chain ip vmon post-vmtbr1 2>/dev/null"
# STP on: the port forwards after the kernel's minimum delay; udhcpc retries
guest c2 52:54:00:7e:00:44 vmtbr1
check isolated_lease sh -c "grep -q '^10.151.0.' '$work/c2.ip'"
check isolated_reaches_bridge ip netns exec c2 busybox ping -c 1 -W 5 10.151.0.1
ip netns exec c2 ip route replace default via 10.151.0.1
check isolated_no_outside sh -c "! ip netns exec c2 busybox ping -c 1 -W 3 10.200.0.2"
ip netns del c2

# a bridge name taken by someone else
ip link add vmtbr2 type dummy
sed -e 's/natnet/clash/' -e 's/vmtbr0/vmtbr2/' -e 's/192.168.150/192.168.152/g' \
	-e '/<mac /d' -e '/<dns>/d' "$work/nat.xml" >"$work/clash.xml"
"$V" net-define -c "$S" "$work/clash.xml" >/dev/null
"$V" net-start -c "$S" clash >"$work/clash.out" 2>&1
rc=$?
check bridge_taken_refused sh -c "test $rc = 1 && grep -q \"bridge name 'vmtbr2' is already in use by another interface\" '$work/clash.out'"
check bridge_taken_left_alone sh -c "ip -d -o link show vmtbr2 | grep -q dummy && ! test -e '$DM/clash.pid' && ! nft list chain ip vmon fwd-vmtbr2 2>/dev/null"
ip link del vmtbr2

# a dnsmasq that dies is started again by vmond (its once-a-second watch)
kill -9 "$dpid"
for _ in $(seq 100); do # wait for the new one; the assertions follow
	p=$(cat "$DM/natnet.pid" 2>/dev/null)
	[ -n "$p" ] && [ "$p" != "$dpid" ] && [ -d "/proc/$p" ] && break
	sleep 0.1
done
dpid=$(cat "$DM/natnet.pid" 2>/dev/null)
check dnsmasq_restarted sh -c "grep -q 'conf-file=$DM/natnet.conf' /proc/$dpid/cmdline && grep -q \"network 'natnet': dnsmasq is not running; starting it again\" '$work/vmond.log'"
check dnsmasq_restarted_serves ip netns exec c busybox nslookup printer.vmtest.lan 192.168.150.1

# vmond killed and restarted: the network is taken back, not rebuilt
idx=$(cat /sys/class/net/vmtbr0/ifindex)
kill -9 "$vmond_pid"
wait "$vmond_pid" 2>/dev/null
vmond_pid=
start_vmond
check restart_active sh -c "'$V' net-list -c '$S' | grep -q '^ natnet  *active'"
check restart_same_bridge sh -c "test \$(cat /sys/class/net/vmtbr0/ifindex) = $idx"
check restart_same_dnsmasq sh -c "test \"\$(cat '$DM/natnet.pid')\" = '$dpid' && test -d /proc/$dpid"
check restart_guest_still_reaches ip netns exec c busybox ping -c 1 -W 5 10.200.0.2

# net-destroy removes everything it made
check destroy_nat "$V" net-destroy -c "$S" natnet
check destroy_isolated "$V" net-destroy -c "$S" isonet
check bridge_gone sh -c "! ip link show vmtbr0 2>/dev/null && ! ip link show vmtbr1 2>/dev/null"
check dnsmasq_gone sh -c "! test -d /proc/$dpid && ! test -e '$DM/natnet.pid'"
check nft_table_gone sh -c "! nft list table ip vmon 2>/dev/null"
# the last NAT network gone: ip_forward as it was before the first (0)
check ip_forward_restored sh -c "test \$(cat /proc/sys/net/ipv4/ip_forward) = 0 && ! test -e '$R/run/vmon/network/ip_forward.before'"
nft list table inet usertab >"$work/usertab.after"
check user_table_untouched cmp "$work/usertab.before" "$work/usertab.after"
check net_list_inactive sh -c "'$V' net-list -c '$S' --inactive | grep -q '^ natnet  *inactive'"
check undefine "$V" net-undefine -c "$S" natnet
check undefined_gone sh -c "! test -e '$R/etc/vmon/networks/natnet.xml'"

# the "default" network on a first start (asked for: this is a --root),
# with 192.168.122.0/24 already on a host interface: it takes the next /24
kill "$vmond_pid"
wait "$vmond_pid" 2>/dev/null
vmond_pid=
ip link add vmtdum0 type dummy
ip addr add 192.168.122.7/24 dev vmtdum0
R=$work/root2 S=$work/root2/run/vmon/vmond.sock
$B/vmond --foreground --root "$R" --vmm /nonexistent --default-network 2>>"$work/vmond.log" &
vmond_pid=$!
for _ in $(seq 100); do # ready when the socket answers
	$V net-list -c "$S" >/dev/null 2>&1 && break
	sleep 0.1
done
check default_active_autostart sh -c "'$V' net-list -c '$S' | grep -q '^ default  *active  *yes  *yes'"
br=$("$V" net-info -c "$S" default | sed -n 's/^Bridge: *//p')
check default_avoids_host_subnet sh -c "ip -4 -o addr show dev '$br' | grep -q 'inet 192.168.123.1/24'"
check default_dumpxml_valid sh -c "'$V' net-dumpxml -c '$S' default >'$work/default.xml' && virt-xml-validate '$work/default.xml' network"
check default_destroy "$V" net-destroy -c "$S" default
check default_destroy_restores_ip_forward sh -c "test \$(cat /proc/sys/net/ipv4/ip_forward) = 0"
ip link del vmtdum0

if [ $failed -ne 0 ]; then
	echo "# vmond's log:"
	sed 's/^/# /' "$work/vmond.log" | tail -40
fi
echo "1..$n"
exit $failed
