#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# attach-device, detach-device, attach-interface, detach-interface,
# attach-disk, detach-disk on a shut-off domain through vmond --foreground
# in a temporary root, on the host (issue 19 item 2): the definition changes
# as virsh changes it, the saved file and dumpxml validate against libvirt's
# schema (virt-xml-validate), a vmond restart keeps it; --print-xml changes
# nothing; refusals (a target or MAC already there, no such device, an
# ambiguous detach, --live on a shut-off domain, an unsupported device or
# value, malformed XML) are named and leave the definition byte for byte.
# The refusal for a running domain is life_test's.
set -u
B=${VMON_BUILD:-build}
V=$B/vmon
T=$(mktemp -d /tmp/attach_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
DEF=$R/etc/vmon/domains/web.xml
vmond_pid=

. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vmond.sh"
start_vmond() { vmond_up "$B/vmond" "$R" /nonexistent/vmon-vmm "$T/vmond.log"; }
stop_vmond() { vmond_down; }
cleanup() {
	[ -n "$vmond_pid" ] && stop_vmond
	rm -rf "$T"
}
trap cleanup EXIT
vm() { $V "$1" -c "$S" "${@:2}"; }
valid() { # the saved definition and dumpxml, by libvirt's schema
	vm dumpxml web >"$T/dump.xml" && virt-xml-validate "$T/dump.xml" domain >/dev/null &&
		virt-xml-validate "$DEF" domain >/dev/null
}
# refused VERB ARGS... -- REGEX: fails naming REGEX, the definition unchanged
refused() {
	local args=() re
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	re=$2
	cp "$DEF" "$T/before"
	if vm "${args[@]}" >"$T/o" 2>"$T/e"; then
		echo "'${args[*]}' succeeded:"; cat "$T/o"
		return 1
	fi
	contains "$T/e" "$re" && cmp "$DEF" "$T/before" || return 1
	! grep -q . "$T/o" || { echo "output on refusal:"; cat "$T/o"; return 1; }
}
# ifaces: the domain's interfaces as "type source mac" lines (domiflist)
ifaces() { vm domiflist web | awk 'NR > 2 && NF { print $2, $3, $5 }'; }
disks() { vm domblklist web | awk 'NR > 2 && NF { print $1, $2 }'; }

t_define() {
	truncate -s 16M "$T/a.img" "$T/b.img" && qemu-img create -q -f qcow2 "$T/c.qcow2" 16M ||
		return 1
	cat >"$T/web.xml" <<-EOF
		<domain type='kvm'><name>web</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
		<os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os><devices>
		<disk type='file' device='disk'><driver name='qemu' type='raw'/>
		<source file='$T/a.img'/><target dev='vda' bus='virtio'/></disk>
		<interface type='network'><mac address='52:54:00:00:00:01'/>
		<source network='default'/><model type='virtio'/></interface>
		</devices></domain>
	EOF
	vm define "$T/web.xml" >/dev/null && valid
}

t_attach_interface() {
	vm attach-interface web bridge br0 --mac 52:54:00:00:00:02 --config >"$T/o" &&
		contains "$T/o" '^Interface attached successfully$' || return 1
	# no MAC given: vmond picks one (52:54:00:...) and keeps it
	vm attach-interface web network default >/dev/null || return 1
	ifaces >"$T/l" && [ "$(wc -l <"$T/l")" = 3 ] &&
		contains "$T/l" '^network default 52:54:00:00:00:01$' &&
		contains "$T/l" '^bridge br0 52:54:00:00:00:02$' &&
		contains "$T/l" '^network default 52:54:00:[0-9a-f:]{8}$' || return 1
	# ethernet: SOURCE is the host's tap
	vm attach-interface web ethernet vmtap7 --mac 52:54:00:00:00:07 >/dev/null &&
		vm dumpxml web >"$T/d" && contains "$T/d" "<target dev=.vmtap7./>" && valid
}

t_print_xml() {
	cp "$DEF" "$T/before"
	vm attach-interface web bridge br9 --mac 52:54:00:00:00:09 --print-xml >"$T/o" &&
		contains "$T/o" '^<interface type="bridge">$' &&
		contains "$T/o" '<source bridge="br9"/>' &&
		contains "$T/o" '<mac address="52:54:00:00:00:09"/>' && cmp "$DEF" "$T/before" ||
		return 1
	vm attach-disk web "$T/b.img" vdb --print-xml >"$T/o" &&
		contains "$T/o" "<source file=\"$T/b.img\"/>" && cmp "$DEF" "$T/before"
}

t_detach_interface() {
	refused detach-interface web network -- 'Domain has 2 interfaces. Please specify which one to detach using --mac' ||
		return 1
	vm detach-interface web network --mac 52:54:00:00:00:01 >"$T/o" &&
		contains "$T/o" '^Interface detached successfully$' || return 1
	# one left of that type: no --mac needed
	vm detach-interface web network >/dev/null && vm detach-interface web ethernet >/dev/null &&
		ifaces >"$T/l" && [ "$(cat "$T/l")" = "bridge br0 52:54:00:00:00:02" ] && valid
}

t_disks() {
	# a relative path is made absolute: vmond opens it from elsewhere
	local vmon
	vmon=$(realpath "$V") || return 1
	(cd "$T" && "$vmon" attach-disk -c "$S" web b.img vdb --mode readonly --serial S1 \
		--cache none) >"$T/o" 2>&1 || { cat "$T/o"; return 1; }
	contains "$T/o" '^Disk attached successfully$' || return 1
	vm attach-disk web "$T/c.qcow2" vdc --subdriver qcow2 >/dev/null || return 1
	disks >"$T/l" && [ "$(tr '\n' ' ' <"$T/l")" = "vda $T/a.img vdb $T/b.img vdc $T/c.qcow2 " ] ||
		{ cat "$T/l"; return 1; }
	vm dumpxml web >"$T/d" && contains "$T/d" '<readonly/>' &&
		contains "$T/d" '<serial>S1</serial>' && contains "$T/d" 'type="qcow2"' &&
		contains "$T/d" 'cache="none"' && valid || return 1
	# by source path, and by target
	vm detach-disk web "$T/b.img" >"$T/o" && contains "$T/o" '^Disk detached successfully$' &&
		vm detach-disk web vdc >/dev/null && disks >"$T/l" &&
		[ "$(cat "$T/l")" = "vda $T/a.img" ]
}

t_device_files() {
	cat >"$T/nic.xml" <<-EOF
		<interface type='network'><mac address='52:54:00:00:00:0a'/>
		<source network='default'/><model type='virtio'/></interface>
	EOF
	vm attach-device web "$T/nic.xml" --config >"$T/o" &&
		contains "$T/o" '^Device attached successfully$' &&
		ifaces | grep -q '^network default 52:54:00:00:00:0a$' || return 1
	vm detach-device web "$T/nic.xml" >"$T/o" &&
		contains "$T/o" '^Device detached successfully$' &&
		! ifaces | grep -q '00:0a' && valid
}

t_restart() {
	vm attach-disk web "$T/b.img" vdb >/dev/null && cp "$DEF" "$T/kept" || return 1
	stop_vmond && start_vmond || return 1
	disks | grep -q "^vdb $T/b.img$" && cmp "$DEF" "$T/kept"
}

t_refusals() {
	echo '<memballoon model="virtio"/>' >"$T/m.xml"
	echo '<interface type="network"><mac address="zz"/><source network="x"/></interface>' \
		>"$T/badmac.xml"
	echo '<interface' >"$T/broken.xml"
	echo "<disk type='file'><source file='$T/a.img'/></disk>" >"$T/notarget.xml"
	refused attach-disk web "$T/a.img" vdb -- 'target vdb already exists' &&
		refused attach-interface web bridge br1 --mac 52:54:00:00:00:02 -- \
			'MAC address 52:54:00:00:00:02 already exists' &&
		refused attach-interface web bridge br1 --mac 52:54:00:00:00:02 --live -- \
			'domain is not running' &&
		refused detach-disk web vdz -- 'No disk found whose source path or target is vdz' &&
		refused detach-interface web network -- 'No interface found whose type is network$' &&
		refused detach-interface web bridge --mac 52:54:00:00:00:99 -- \
			'No interface found whose type is bridge and MAC address is 52:54:00:00:00:99' &&
		refused detach-device web "$T/nic.xml" -- 'no device matching MAC address 52:54:00:00:00:0a' &&
		refused attach-interface web wifi x -- "interface type 'wifi' is not supported" &&
		refused attach-interface web network default --model e1000 -- "type='e1000' is not supported" &&
		refused attach-disk web "$T/b.img" vdd --subdriver vmdk -- "type='vmdk' is not supported" &&
		refused attach-disk web "$T/b.img" vdd --mode shareable -- "--mode 'shareable' is not supported" &&
		refused attach-device web "$T/m.xml" -- "device type 'memballoon'" &&
		refused attach-device web "$T/badmac.xml" -- "unable to parse mac address 'zz'" &&
		refused attach-device web "$T/broken.xml" -- 'malformed' &&
		refused attach-device web "$T/notarget.xml" -- 'names no <target dev' &&
		refused attach-device web "$T/nothere.xml" -- "cannot read '$T/nothere.xml'" &&
		refused attach-disk nosuch "$T/b.img" vdd -- "failed to get domain 'nosuch'" &&
		refused attach-disk web "$T/b.img" -- 'missing operand'
}

echo "TAP version 13"
echo "1..8"
start_vmond || exit 1
ok_run "define: a domain with one disk and one interface" t_define
ok_run "attach-interface: network, bridge, ethernet; --mac or a generated one" t_attach_interface
ok_run "--print-xml prints the device and changes nothing" t_print_xml
ok_run "detach-interface: by type, --mac when ambiguous" t_detach_interface
ok_run "attach-disk (--mode readonly, --serial, --cache, --subdriver), detach-disk by target or path" t_disks
ok_run "attach-device, detach-device with a device file" t_device_files
ok_run "a vmond restart keeps what was attached" t_restart
ok_run "refusals named, the definition unchanged" t_refusals
tap_status
