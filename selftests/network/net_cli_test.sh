#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The net-* commands against vmond --foreground in a temporary root, on the
# host: definitions only (nothing here starts a network, which would make a
# bridge on the host; that is switch_vm_test's, in the test VM). Checks the
# messages and table layouts, the files under etc/vmon/networks, the bridge
# name vmond picks, refusals (bad XML with line:column, a clash of names or
# bridges, commands on inactive networks), and what a restart reads back.
set -u
B=${VMON_BUILD:-build}
V=$B/vmon
T=$(mktemp -d /tmp/net_cli_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
N=$R/etc/vmon/networks
n=0 fails=0 vmond_pid=

ok() { # ok NAME CMD...: one TAP line for the command's success
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$T/out" | head -20
		fails=$((fails + 1))
	fi
}

start_vmond() {
	$B/vmond --foreground --root "$R" --vmm /nonexistent 2>>"$T/vmond.log" &
	vmond_pid=$!
	for _ in $(seq 100); do # ready when the socket answers
		$V net-list -c "$S" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "Bail out! vmond did not come up"
	sed 's/^/# /' "$T/vmond.log"
	exit 1
}

stop_vmond() {
	kill "$vmond_pid"
	wait "$vmond_pid" 2>/dev/null
	vmond_pid=
}

cleanup() {
	[ -n "$vmond_pid" ] && kill "$vmond_pid" && wait "$vmond_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/a.xml" <<'X'
<network>
  <name>alpha</name>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <forward mode='nat'/>
  <ip address='10.50.0.1' prefix='24'/>
</network>
X
cat >"$T/b.xml" <<'X'
<network>
  <name>beta</name>
  <bridge name='vmbr0'/>
</network>
X
cat >"$T/bad.xml" <<'X'
<network>
  <name>bad</name>
  <forward mode='nat' nat='yes'/>
</network>
X

start_vmond
ok define_prints_virsh_message sh -c "$V net-define -c $S $T/a.xml | grep -qx 'Network alpha defined from $T/a.xml'"
ok definition_file sh -c "grep -q '<name>alpha</name>' $N/alpha.xml"
ok picked_bridge_vmbr0 sh -c "grep -q \"<bridge name='vmbr0' stp='on' delay='0'/>\" $N/alpha.xml"
ok stored_definition_valid virt-xml-validate "$N/alpha.xml" network
ok bridge_clash_refused sh -c "! $V net-define -c $S $T/b.xml 2>$T/err && grep -q \"bridge name 'vmbr0' already in use by network 'alpha'\" $T/err"
sed -i 's/vmbr0/vmbr5/' "$T/b.xml"
ok define_second "$V" net-define -c "$S" "$T/b.xml"
ok name_clash_refused sh -c "sed 's/1111/9999/' $T/a.xml >$T/a2.xml; ! $V net-define -c $S $T/a2.xml 2>$T/err && grep -q \"network 'alpha' already exists with uuid 11111111-2222-4333-8444-555555555555\" $T/err"
ok bad_xml_line_column sh -c "! $V net-define -c $S $T/bad.xml 2>$T/err && grep -q \"XML error at line 3, column 23: <forward>: attribute 'nat' is not supported\" $T/err"
ok bad_xml_nothing_written test ! -e "$N/bad.xml"
ok list_empty_when_none_active sh -c "$V net-list -c $S | sed -n 3p | grep -qx ''"
cat >"$T/list.want" <<'X'
 Name    State      Autostart   Persistent
--------------------------------------------
 alpha   inactive   no          yes
 beta    inactive   no          yes

X
ok list_all_layout sh -c "$V net-list -c $S --all | diff - $T/list.want"
ok autostart_message sh -c "$V net-autostart -c $S alpha | grep -qx 'Network alpha marked as autostarted'"
ok autostart_link sh -c "test \"\$(readlink $N/autostart/alpha)\" = ../alpha.xml"
ok list_autostart_filter sh -c "$V net-list -c $S --all --autostart --name | grep -v '^\$' | tr '\n' ' ' | grep -qx 'alpha '"
cat >"$T/info.want" <<'X'
Name:           alpha
UUID:           11111111-2222-4333-8444-555555555555
Active:         no
Persistent:     yes
Autostart:      yes
Bridge:         vmbr0

X
ok info_layout sh -c "$V net-info -c $S alpha | diff - $T/info.want"
ok info_by_uuid sh -c "$V net-info -c $S 11111111-2222-4333-8444-555555555555 | grep -q 'Name: *alpha'"
ok dumpxml_is_the_definition sh -c "$V net-dumpxml -c $S alpha | diff - $N/alpha.xml"
ok destroy_inactive_refused sh -c "! $V net-destroy -c $S alpha 2>$T/err && grep -q \"network 'alpha' is not active\" $T/err"
ok leases_inactive_refused sh -c "! $V net-dhcp-leases -c $S alpha 2>$T/err && grep -q \"network 'alpha' is not active\" $T/err"
ok unknown_network sh -c "! $V net-info -c $S nosuch 2>$T/err && grep -q \"failed to get network 'nosuch'\" $T/err"
ok missing_argument sh -c "$V net-start -c $S 2>$T/err; test \$? = 2 && grep -q 'missing NETWORK' $T/err"

# net-update on an inactive network: --current is the definition
H="<host mac='52:54:00:00:00:07' name='seven' ip='10.50.0.7'/>"
ok update_config_message sh -c "$V net-update -c $S alpha add ip-dhcp-host \"$H\" | grep -qx 'Updated network alpha persistent config'"
ok update_config_written sh -c "grep -q \"<host mac='52:54:00:00:00:07' name='seven' ip='10.50.0.7'/>\" $N/alpha.xml"
ok update_duplicate_refused sh -c "! $V net-update -c $S alpha add ip-dhcp-host \"$H\" 2>$T/err && grep -q 'there is an existing dhcp host entry' $T/err"
ok update_live_inactive_refused sh -c "! $V net-update -c $S alpha delete ip-dhcp-host \"$H\" --live 2>$T/err && grep -q \"network 'alpha' is not active\" $T/err"
ok update_bad_section sh -c "! $V net-update -c $S alpha add dns-host \"$H\" 2>$T/err && grep -q \"section 'dns-host' is not supported\" $T/err"
echo "$H" >"$T/host.xml"
ok update_delete_from_file sh -c "$V net-update -c $S alpha delete ip-dhcp-host $T/host.xml >/dev/null && ! grep -q seven $N/alpha.xml"

# net-edit with a scripted $EDITOR: saved (the bridge kept), unchanged, bad
# XML refused with line:column and given up with the definition kept
printf '#!/bin/sh\nsed -i "s/10.50.0.1/10.51.0.1/" "$1"\n' >"$T/ed1"
printf '#!/bin/sh\nsed -i "s/<forward mode=.nat./<forward mode=\\"nat\\" nat=\\"yes\\"/" "$1"\n' >"$T/ed2"
chmod +x "$T/ed1" "$T/ed2"
ok edit_saved sh -c "EDITOR=$T/ed1 VISUAL= $V net-edit -c $S alpha | grep -qx 'Network alpha XML configuration edited.' && grep -q \"address='10.51.0.1'\" $N/alpha.xml && $V net-info -c $S alpha | grep -q 'Bridge: *vmbr0'"
ok edit_unchanged sh -c "VISUAL=true $V net-edit -c $S alpha | grep -qx 'Network alpha XML configuration not changed.'"
cp "$N/alpha.xml" "$T/alpha.before"
ok edit_refused_given_up sh -c "echo n | EDITOR=$T/ed2 VISUAL= $V net-edit -c $S alpha >$T/o 2>&1; test \$? = 1 && grep -q \"line 4, column [0-9]*: <forward>: attribute 'nat'\" $T/o && grep -q 'Try again?' $T/o && cmp $T/alpha.before $N/alpha.xml"
ok edit_unknown_network sh -c "! VISUAL=true $V net-edit -c $S nosuch 2>$T/err && grep -q \"failed to get network 'nosuch'\" $T/err"

# a restart reads definitions and autostart links back (alpha's autostart
# would start it: drop the link first, nothing may start on the host)
ok autostart_disable sh -c "$V net-autostart -c $S --disable alpha | grep -qx 'Network alpha unmarked as autostarted' && test ! -e $N/autostart/alpha"
stop_vmond
start_vmond
ok restart_keeps_definitions sh -c "$V net-list -c $S --all --name | grep -v '^\$' | sort | tr '\n' ' ' | grep -qx 'alpha beta '"
ok restart_keeps_bridge sh -c "$V net-info -c $S alpha | grep -q 'Bridge: *vmbr0'"
ok undefine_message sh -c "$V net-undefine -c $S beta | grep -qx 'Network beta has been undefined'"
ok undefine_removes_file test ! -e "$N/beta.xml"
ok readonly_socket_lists sh -c "$V net-list -c $R/run/vmon/vmond-ro.sock --all --name | grep -qx alpha"
ok readonly_socket_refuses_define sh -c "! $V net-define -c $R/run/vmon/vmond-ro.sock $T/b.xml 2>$T/err && grep -q 'read only access prevents net-define' $T/err"

echo "1..$n"
[ $fails -eq 0 ]
