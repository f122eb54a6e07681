#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Snapshots of a shut-off domain through vmond --foreground in a temporary
# root, on the host (issue 18 item 1, first part): internal qcow2 snapshots
# on every writable disk (qemu-img snapshot -l and qemu-io's pattern reads
# are the oracle), the metadata with the definition inside (libvirt's
# domainsnapshot schema), the current one and parents, revert of disks and
# definition, delete (children moved up, --children, --metadata), kept over a
# vmond restart; --disk-only's external overlays (qemu-img check and info);
# refusals named (a raw disk, no writable disk, an existing name or overlay,
# reverting to or deleting an external one, undefine with snapshots) with
# nothing half-made.
set -u
B=${VMON_BUILD:-build}
V=$B/vmon
T=$(mktemp -d /tmp/snapshot_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
META=$R/var/lib/vmon/snapshot/web
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
# tags IMAGE: its qcow2 snapshot names, on one line, as qemu-img lists them
tags() { qemu-img snapshot -l "$1" | awk 'NR > 2 { printf "%s ", $2 }'; }
pattern() { qemu-io -f qcow2 -c "read -P $2 0 64k" "$1" | grep -q '^read 65536/65536'; }
write() { qemu-io -f qcow2 -c "write -P $2 0 64k" "$1" >/dev/null; }
domxml() { # domxml NAME DISKS...: a domain with file disks ("ro:" read-only)
	local name=$1 d ro t=a
	shift
	echo "<domain type='kvm'><name>$name</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
	echo "<os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os><devices>"
	for d in "$@"; do
		ro=
		[ "${d#ro:}" != "$d" ] && ro="<readonly/>" && d=${d#ro:}
		echo "<disk type='file' device='disk'><driver name='qemu' type='${d##*.}'/>"
		echo "<source file='$d'/><target dev='vd$t' bus='virtio'/>$ro</disk>"
		t=$(echo "$t" | tr a-y b-z)
	done
	echo "</devices></domain>"
}

t_create() {
	qemu-img create -q -f qcow2 "$T/a.qcow2" 16M && qemu-img create -q -f qcow2 "$T/b.qcow2" 16M &&
		qemu-img create -q -f qcow2 "$T/ro.qcow2" 16M || return 1
	domxml web "$T/a.qcow2" "$T/b.qcow2" "ro:$T/ro.qcow2" >"$T/web.xml"
	vm define "$T/web.xml" >/dev/null && write "$T/a.qcow2" 0xaa && write "$T/b.qcow2" 0xaa ||
		return 1
	vm snapshot-create-as web s1 "before the upgrade" >"$T/o" &&
		contains "$T/o" '^Domain snapshot s1 created$' || return 1
	# both writable disks hold it, the read-only one does not
	[ "$(tags "$T/a.qcow2")" = "s1 " ] && [ "$(tags "$T/b.qcow2")" = "s1 " ] &&
		[ "$(tags "$T/ro.qcow2")" = "" ] && qemu-img check -q "$T/a.qcow2"
}

t_metadata() {
	vm snapshot-dumpxml web s1 >"$T/s1.xml" && virt-xml-validate "$T/s1.xml" domainsnapshot ||
		return 1
	contains "$T/s1.xml" '<description>before the upgrade</description>' &&
		contains "$T/s1.xml" '<state>shutoff</state>' &&
		contains "$T/s1.xml" '<disk name="vda" snapshot="internal"/>' &&
		contains "$T/s1.xml" '<disk name="vdc" snapshot="no"/>' &&
		contains "$T/s1.xml" '<domain type="kvm">' || return 1
	# the stored copy marks the current one; what dumpxml shows does not
	contains "$META/s1.xml" '<active>1</active>' && ! grep -q '<active>' "$T/s1.xml"
}

t_chain() {
	write "$T/a.qcow2" 0xbb && vm snapshot-create-as web s2 >/dev/null &&
		write "$T/a.qcow2" 0xcc && vm snapshot-create-as web s3 >/dev/null || return 1
	vm snapshot-list web --parent >"$T/o" && contains "$T/o" '^ Name +Creation Time +State +Parent$' &&
		contains "$T/o" '^ s1 +[0-9-]+ [0-9:]+ [+-][0-9]{4} +shutoff +-$' &&
		contains "$T/o" '^ s3 +.* shutoff +s2$' || return 1
	[ "$(vm snapshot-current web --name)" = s3 ] && [ "$(vm snapshot-parent web s3)" = s2 ] &&
		[ "$(vm snapshot-list web --name | tr '\n' ' ')" = "s1 s2 s3 " ] || return 1
	# bash completion offers the domain's snapshots after the domain
	# shellcheck disable=SC1091
	[ "$(PATH=$(dirname "$V"):$PATH
		. supervisor/cli/vmon.bash-completion
		COMP_WORDS=(vmon snapshot-revert -c "$S" web s)
		COMP_CWORD=5
		_vmon
		printf '%s ' "${COMPREPLY[@]}")" = "s1 s2 s3 " ]
}

t_revert() {
	write "$T/b.qcow2" 0xdd || return 1
	# the definition comes back too: change it after s1, revert to s1
	vm dumpxml web --inactive | sed 's|<memory unit=.KiB.>131072</memory>|<memory unit="KiB">262144</memory>|' >"$T/web2.xml"
	vm define "$T/web2.xml" >/dev/null && vm dominfo web | grep -q '^Max memory: *262144 KiB' ||
		return 1
	vm snapshot-revert web s1 || return 1
	pattern "$T/a.qcow2" 0xaa && pattern "$T/b.qcow2" 0xaa || return 1
	vm dominfo web | grep -q '^Max memory: *131072 KiB' || { vm dominfo web; return 1; }
	[ "$(vm snapshot-current web --name)" = s1 ] && [ "$(tags "$T/a.qcow2")" = "s1 s2 s3 " ] &&
		qemu-img check -q "$T/a.qcow2" && qemu-img check -q "$T/b.qcow2"
}

t_info_tree() {
	vm snapshot-create-as web s4 >/dev/null || return 1 # a second child of s1
	vm snapshot-info web s1 >"$T/o" && contains "$T/o" '^Current: +no$' &&
		contains "$T/o" '^Children: +2$' && contains "$T/o" '^Descendants: +3$' &&
		contains "$T/o" '^Parent: +-$' || return 1
	vm snapshot-list web --tree >"$T/o" || return 1
	printf 's1\n  |\n  +- s2\n  |   |\n  |   +- s3\n  |\n  +- s4\n' | diff - "$T/o"
}

t_restart() {
	stop_vmond && start_vmond || return 1
	[ "$(vm snapshot-current web --name)" = s4 ] &&
		[ "$(vm snapshot-list web --name | tr '\n' ' ')" = "s1 s2 s3 s4 " ]
}

t_refusals() {
	! vm snapshot-create-as web s2 2>"$T/e" && contains "$T/e" "snapshot 's2' already exists" ||
		return 1
	! vm snapshot-revert web 2>"$T/e" && contains "$T/e" 'a SNAPSHOT or --current' || return 1
	! vm snapshot-revert web s9 2>"$T/e" &&
		contains "$T/e" "no domain snapshot with matching name 's9'" || return 1
	! vm snapshot-create-as web 'a/b' 2>"$T/e" && contains "$T/e" "invalid snapshot name" ||
		return 1
	echo '<domainsnapshot><name>x</name><memory snapshot="internal"/></domainsnapshot>' >"$T/m.xml"
	! vm snapshot-create web "$T/m.xml" 2>"$T/e" && contains "$T/e" 'no memory to snapshot' ||
		return 1
	# a raw writable disk: refused, and the qcow2 disk beside it untouched
	qemu-img create -q -f qcow2 "$T/c.qcow2" 16M && qemu-img create -q -f raw "$T/d.raw" 16M
	domxml mixed "$T/c.qcow2" "$T/d.raw" >"$T/mixed.xml" && vm define "$T/mixed.xml" >/dev/null &&
		! vm snapshot-create-as mixed m1 2>"$T/e" &&
		contains "$T/e" "disk 'vdb' of domain 'mixed' is raw" &&
		[ "$(tags "$T/c.qcow2")" = "" ] && [ ! -e "$R/var/lib/vmon/snapshot/mixed/m1.xml" ] ||
		return 1
	domxml bare >"$T/bare.xml" && vm define "$T/bare.xml" >/dev/null &&
		! vm snapshot-create-as bare 2>"$T/e" &&
		contains "$T/e" 'needs at least one writable qcow2 disk' || return 1
	# a disk that already holds the name (made by qemu-img): none made, none left
	qemu-img snapshot -c clash "$T/b.qcow2" && ! vm snapshot-create-as web clash 2>"$T/e" &&
		contains "$T/e" "already has a snapshot of that name" &&
		[ "$(tags "$T/a.qcow2")" = "s1 s2 s3 s4 " ] || return 1
	! vm undefine web 2>"$T/e" && contains "$T/e" 'with 4 snapshots'
}

t_delete() {
	vm snapshot-delete web s2 >"$T/o" && contains "$T/o" '^Domain snapshot s2 deleted$' &&
		[ "$(vm snapshot-parent web s3)" = s1 ] && [ "$(tags "$T/a.qcow2")" = "s1 s3 s4 " ] ||
		return 1
	# --metadata: vmond forgets it, the disks keep it
	vm snapshot-delete web s4 --metadata >/dev/null && [ "$(tags "$T/a.qcow2")" = "s1 s3 s4 " ] &&
		[ "$(vm snapshot-current web --name)" = s1 ] || return 1
	vm snapshot-delete web s1 --children >/dev/null &&
		[ -z "$(vm snapshot-list web --name | tr -d '\n')" ] &&
		[ "$(tags "$T/a.qcow2")" = "s4 " ] && [ "$(tags "$T/b.qcow2")" = "s4 clash " ] ||
		return 1
	qemu-img check -q "$T/a.qcow2" && qemu-img check -q "$T/b.qcow2" &&
		! vm snapshot-current web 2>"$T/e" && contains "$T/e" 'does not have a current snapshot'
}

# --disk-only: a qcow2 overlay over each writable disk (raw too), named as
# libvirt names them, the definition moved onto them
t_external() {
	local q
	qemu-img create -q -f qcow2 "$T/e1.qcow2" 16M && qemu-img create -q -f raw "$T/e2.raw" 16M &&
		write "$T/e1.qcow2" 0xaa && chmod 0600 "$T/e1.qcow2" && chown 65534:65534 "$T/e2.raw" ||
		return 1
	domxml ext "$T/e1.qcow2" "$T/e2.raw" >"$T/ext.xml" && vm define "$T/ext.xml" >/dev/null ||
		return 1
	vm snapshot-create-as ext over --disk-only >"$T/o" &&
		contains "$T/o" '^Domain snapshot over created$' || return 1
	for q in e1 e2; do
		qemu-img check -q "$T/$q.over" || return 1
	done
	# each overlay has its image's owner and mode (the guest's data stays as private)
	[ "$(stat -c '%u:%g %a' "$T/e1.over")" = "$(stat -c '%u:%g %a' "$T/e1.qcow2")" ] &&
		[ "$(stat -c '%u:%g %a' "$T/e2.over")" = "$(stat -c '%u:%g %a' "$T/e2.raw")" ] || return 1
	qemu-img info --output=json "$T/e1.over" >"$T/i" &&
		contains "$T/i" "\"backing-filename\": \"$T/e1.qcow2\"" &&
		contains "$T/i" '"backing-filename-format": "qcow2"' || return 1
	qemu-img info --output=json "$T/e2.over" >"$T/i" &&
		contains "$T/i" '"backing-filename-format": "raw"' &&
		contains "$T/i" '"virtual-size": 16777216' || return 1
	vm domblklist ext >"$T/o" && contains "$T/o" "^ vda +$T/e1.over$" &&
		contains "$T/o" "^ vdb +$T/e2.over$" || return 1
	[ "$(vm dumpxml ext --inactive | grep -c "type=.qcow2.")" = 2 ] || return 1
	vm snapshot-dumpxml ext over >"$T/x.xml" && virt-xml-validate "$T/x.xml" domainsnapshot &&
		contains "$T/x.xml" '<disk name="vda" snapshot="external" type="file">' &&
		contains "$T/x.xml" "<source file=\"$T/e2.over\"/>" || return 1
	# the guest's writes go to the overlay; the image under it keeps its data
	write "$T/e1.over" 0xbb && pattern "$T/e1.over" 0xbb && pattern "$T/e1.qcow2" 0xaa || return 1
	# an overlay that is there already: refused, nothing made, the definition kept
	touch "$T/e1.again"
	! vm snapshot-create-as ext again --disk-only 2>"$T/e" &&
		contains "$T/e" "the overlay '$T/e1.again' exists already" && [ ! -e "$T/e2.again" ] &&
		[ ! -s "$T/e1.again" ] && vm domblklist ext | grep -q "e1.over$" || return 1
	! vm snapshot-revert ext over 2>"$T/e" &&
		contains "$T/e" 'reverting to an external snapshot is planned' || return 1
	! vm snapshot-delete ext over 2>"$T/e" && contains "$T/e" 'overlays away is planned' ||
		return 1
	vm snapshot-delete ext over --metadata >/dev/null && [ -e "$T/e1.over" ] &&
		vm undefine ext >/dev/null
}

t_undefine() {
	vm snapshot-create-as web last >/dev/null &&
		vm undefine web --snapshots-metadata >/dev/null && [ ! -e "$META" ]
}

echo "TAP version 13"
echo "1..10"
start_vmond || exit 1
ok_run "snapshot-create-as: every writable qcow2 disk, not the read-only one" t_create
ok_run "snapshot-dumpxml: libvirt's schema, disks, the definition; current marked" t_metadata
ok_run "snapshot-list --parent, --name; snapshot-current, snapshot-parent" t_chain
ok_run "snapshot-revert: disks and definition back, current moved" t_revert
ok_run "snapshot-info, snapshot-list --tree" t_info_tree
ok_run "a vmond restart keeps snapshots and the current one" t_restart
ok_run "refusals named, nothing half-made" t_refusals
ok_run "snapshot-delete: children move up, --metadata, --children" t_delete
ok_run "--disk-only: qcow2 overlays (qemu-img check), the definition moved onto them" t_external
ok_run "undefine --snapshots-metadata" t_undefine
tap_status
