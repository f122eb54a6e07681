#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Storage pools and volumes through vmond --foreground in a temporary root,
# on the host, driven by the vmon CLI: the pool "default" of the first start,
# dir pools defined, built, started, refreshed, destroyed, deleted and
# undefined; raw and qcow2 volumes (qemu-img info and check are the oracle),
# backing volumes, lookup by name, path and key, resize, clone, wipe,
# upload/download, refusals, races of one name, a pool whose directory is
# gone, and what a restart keeps. libvirt's schemas check the XML.
set -u
B=${VMON_BUILD:-build}
V=$B/vmon
T=$(mktemp -d /tmp/pool_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
IMG=$R/var/lib/vmon/images
n=0 fails=0 vmond_pid=

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
	"$B"/vmond --foreground --root "$R" --vmm /nonexistent/vmon-vmm 2>>"$T/vmond.log" &
	vmond_pid=$!
	for _ in $(seq 100); do
		$V pool-list -c "$S" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# vmond did not come up:"; sed 's/^/# /' "$T/vmond.log"
	return 1
}

stop_vmond() {
	kill -"${1:-TERM}" "$vmond_pid"
	wait "$vmond_pid" 2>/dev/null
	vmond_pid=
}

cleanup() {
	[ -n "$vmond_pid" ] && stop_vmond KILL
	rm -rf "$T"
}
trap cleanup EXIT

contains() { # contains FILE REGEX
	grep -Eq -- "$2" "$1" || { echo "no match for /$2/ in:"; cat "$1"; return 1; }
}

vm() { $V "$1" -c "$S" "${@:2}"; }

qinfo() { # qinfo FILE KEY: a member of qemu-img info --output=json
	qemu-img info -U --output=json "$1" | python3 -c \
		"import json,sys; print(json.load(sys.stdin).get('$2'))"
}

t_default_pool() {
	vm pool-list >"$T/o" || return 1
	sed -n 1p "$T/o" | grep -Eq '^ Name +State +Autostart$' || { cat "$T/o"; return 1; }
	# virsh's rule: the dashes span every column plus three per column
	[ "$(sed -n 2p "$T/o")" = "$(printf -- '-%.0s' $(seq 31))" ] || { cat "$T/o"; return 1; }
	contains "$T/o" '^ default   active   yes$' || return 1
	[ -d "$IMG" ] && [ "$(stat -c %a "$IMG")" = 711 ] || return 1
	[ -L "$R/etc/vmon/storage/autostart/default" ] || return 1
	virt-xml-validate "$R/etc/vmon/storage/default.xml" storagepool || return 1
	vm pool-dumpxml default >"$T/p.xml" && virt-xml-validate "$T/p.xml" storagepool || return 1
	contains "$T/p.xml" "<path>$IMG</path>"
}

t_define_build_start() {
	cat >"$T/p1.xml" <<X
<pool type='dir'>
  <name>p1</name>
  <target>
    <path>$T/p1dir</path>
    <permissions><mode>0750</mode></permissions>
  </target>
</pool>
X
	vm pool-define "$T/p1.xml" >"$T/o" && contains "$T/o" "^Pool p1 defined from $T/p1.xml$" ||
		return 1
	vm pool-list >"$T/o" && ! grep -q p1 "$T/o" || return 1
	vm pool-list --all >"$T/o" && contains "$T/o" '^ p1 +inactive +no$' || return 1
	! vm pool-start p1 2>"$T/e" && contains "$T/e" "cannot open directory '$T/p1dir'" || return 1
	vm pool-build p1 >"$T/o" && contains "$T/o" '^Pool p1 built$' || return 1
	[ "$(stat -c %a "$T/p1dir")" = 750 ] || return 1
	vm pool-start p1 >"$T/o" && contains "$T/o" '^Pool p1 started$' || return 1
	vm pool-info p1 >"$T/o" || return 1
	contains "$T/o" '^State: +running$' && contains "$T/o" '^Capacity: +[0-9.]+ [KMGTP]?i?B$' ||
		return 1
	vm pool-list --all --details >"$T/o" || return 1
	contains "$T/o" '^ Name +State +Autostart +Persistent +Capacity +Allocation +Available$' &&
		contains "$T/o" '^ p1 +running +no +yes +[0-9.]+ [KMGT]iB'
}

t_define_as() {
	vm pool-define-as p2 dir --target "$T/p2dir" >"$T/o" &&
		contains "$T/o" '^Pool p2 defined$' || return 1
	vm pool-start --build p2 >/dev/null && [ -d "$T/p2dir" ] || return 1
	virt-xml-validate "$R/etc/vmon/storage/p2.xml" storagepool
}

t_raw_volume() {
	vm vol-create-as p1 base.raw 16M >"$T/o" && contains "$T/o" '^Vol base.raw created$' ||
		return 1
	[ "$(stat -c %s "$T/p1dir/base.raw")" = 16777216 ] || return 1
	# sparse: almost nothing allocated
	[ "$(stat -c %b "$T/p1dir/base.raw")" -lt 64 ] || return 1
	[ "$(qinfo "$T/p1dir/base.raw" format)" = raw ] || return 1
	vm vol-info --pool p1 base.raw >"$T/o" || return 1
	contains "$T/o" '^Name: +base.raw$' && contains "$T/o" '^Type: +file$' &&
		contains "$T/o" '^Capacity: +16.00 MiB$'
}

t_qcow2_backing() {
	vm vol-create-as p1 web.qcow2 32M --format qcow2 --backing-vol base.raw >/dev/null || return 1
	qemu-img check "$T/p1dir/web.qcow2" || return 1
	qemu-img info --backing-chain "$T/p1dir/web.qcow2" >"$T/o" || return 1
	contains "$T/o" "^backing file: $T/p1dir/base.raw$" &&
		contains "$T/o" '^backing file format: raw$' || return 1
	[ "$(qinfo "$T/p1dir/web.qcow2" virtual-size)" = 33554432 ] || return 1
	vm vol-dumpxml --pool p1 web.qcow2 >"$T/v.xml" || return 1
	virt-xml-validate "$T/v.xml" storagevol || return 1
	contains "$T/v.xml" '<format type="qcow2"/>' &&
		contains "$T/v.xml" "<path>$T/p1dir/base.raw</path>" || return 1
	# no capacity: the backing volume's, by its path this time
	vm vol-create-as p1 thin.qcow2 0 --format qcow2 --backing-vol "$T/p1dir/base.raw" \
		--prealloc-metadata >/dev/null || return 1
	qemu-img check "$T/p1dir/thin.qcow2" &&
		[ "$(qinfo "$T/p1dir/thin.qcow2" virtual-size)" = 16777216 ]
}

t_lookup() {
	local p=$T/p1dir/web.qcow2
	[ "$(vm vol-path --pool p1 web.qcow2)" = "$p" ] || return 1
	[ "$(vm vol-key --pool p1 web.qcow2)" = "$p" ] || return 1
	[ "$(vm vol-name "$p")" = web.qcow2 ] || return 1
	[ "$(vm vol-pool "$p")" = p1 ] || return 1
	[ "$(vm vol-path --vol "$p")" = "$p" ] || return 1
	vm vol-list p1 >"$T/o" || return 1
	sed -n 1p "$T/o" | grep -Eq '^ Name +Path$' &&
		contains "$T/o" "^ base.raw +$T/p1dir/base.raw$" || return 1
	vm vol-list --details p1 >"$T/o" &&
		contains "$T/o" "^ web.qcow2 +$p +file +32.00 MiB +[0-9.]+ KiB$" || return 1
	! vm vol-info web.qcow2 2>"$T/e" && contains "$T/e" "failed to get vol 'web.qcow2'"
}

t_refusals() {
	local sum
	sum=$(md5sum <"$T/p1dir/web.qcow2")
	! vm vol-create-as p1 web.qcow2 1M 2>"$T/e" &&
		contains "$T/e" "storage volume 'web.qcow2' already exists" || return 1
	[ "$(md5sum <"$T/p1dir/web.qcow2")" = "$sum" ] || return 1
	! vm vol-create-as p1 x.raw 1M --backing-vol base.raw 2>"$T/e" &&
		contains "$T/e" 'a raw volume cannot have a backing store' || return 1
	! vm vol-create-as p1 y.qcow2 1M --format qcow2 --backing-vol nosuch 2>"$T/e" &&
		contains "$T/e" "failed to get vol 'nosuch'" || return 1
	! vm vol-create-as p1 z.raw 1Q 2>"$T/e" && contains "$T/e" "unknown unit 'Q'" || return 1
	! vm vol-create-as p1 ../evil 1M 2>"$T/e" && contains "$T/e" "has a '/'" || return 1
	! vm vol-create-as p1 full.raw 1E --allocation 1E 2>"$T/e" &&
		contains "$T/e" "not enough space for volume 'full.raw'" || return 1
	# nothing half-made is left behind, listed or not
	local f
	for f in "$T"/p1dir/* "$T"/p1dir/.[!.]*; do
		case ${f##*/} in
		base.raw | web.qcow2 | thin.qcow2 | '.[!.]*') ;;
		*) echo "left behind: $f"; return 1 ;;
		esac
	done
	printf '<volume>\n  <name>v</name>\n  <capacity unit="furlong">1</capacity>\n</volume>\n' \
		>"$T/bad.xml"
	! vm vol-create p1 "$T/bad.xml" 2>"$T/e" &&
		contains "$T/e" 'line 3, column 13: <capacity>: unknown unit' || return 1
	printf '<pool type="dir">\n  <name>q</name>\n</pool>\n' >"$T/badp.xml"
	! vm pool-define "$T/badp.xml" 2>"$T/e" &&
		contains "$T/e" 'line 1, column 1: a dir pool needs <target><path>'
}

t_race_one_name() { # ten clients create one name at once: one wins, the rest fail cleanly
	local i wins=0 pids=()
	for i in $(seq 10); do
		vm vol-create-as p1 race.qcow2 8M --format qcow2 >"$T/race.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 10); do
		grep -q '^Vol race.qcow2 created$' "$T/race.$i" && wins=$((wins + 1))
	done
	[ $wins = 1 ] || { cat "$T"/race.*; return 1; }
	[ "$(vm vol-list p1 | grep -c ' race.qcow2 ')" = 1 ] && qemu-img check "$T/p1dir/race.qcow2"
}

t_resize() {
	vm vol-resize --pool p1 web.qcow2 64M >"$T/o" &&
		contains "$T/o" "^Size of volume 'web.qcow2' successfully changed to 64M$" || return 1
	[ "$(qinfo "$T/p1dir/web.qcow2" virtual-size)" = 67108864 ] || return 1
	qemu-img check "$T/p1dir/web.qcow2" || return 1
	! vm vol-resize --pool p1 base.raw 8M 2>"$T/e" && contains "$T/e" 'without --shrink' ||
		return 1
	vm vol-resize --pool p1 base.raw --delta 4M >/dev/null &&
		[ "$(stat -c %s "$T/p1dir/base.raw")" = 20971520 ] || return 1
	vm vol-resize --pool p1 base.raw 16M --shrink >/dev/null &&
		[ "$(stat -c %s "$T/p1dir/base.raw")" = 16777216 ] &&
		vm vol-info --pool p1 base.raw | grep -Eq '^Capacity: +16.00 MiB$'
}

t_upload_clone_download() {
	head -c 3M /dev/urandom >"$T/data"
	truncate -s 16M "$T/data"
	vm vol-upload --pool p1 base.raw "$T/data" || return 1
	cmp "$T/data" "$T/p1dir/base.raw" || return 1
	# the upload refreshed the pool: 3 MiB are allocated now
	vm vol-info --pool p1 base.raw | grep -Eq '^Allocation: +3.[0-9]+ MiB$' || return 1
	vm vol-clone --pool p1 base.raw copy.qcow2 >"$T/o" &&
		contains "$T/o" '^Vol copy.qcow2 cloned from base.raw$' || return 1
	# a clone is a full copy of the data (the format of its source, raw here)
	vm vol-download --pool p1 copy.qcow2 "$T/down" && cmp "$T/data" "$T/down" || return 1
	# holes where the data is zero
	[ "$(stat -c %b "$T/down")" -lt $((5 * 2048)) ] || return 1
	cat >"$T/from.xml" <<X
<volume><name>fromq.qcow2</name><capacity unit='M'>16</capacity>
<target><format type='qcow2'/></target></volume>
X
	vm vol-create-from p1 "$T/from.xml" base.raw >"$T/o" &&
		contains "$T/o" '^Vol fromq.qcow2 created from input vol base.raw$' || return 1
	qemu-img check "$T/p1dir/fromq.qcow2" && qemu-img compare "$T/data" "$T/p1dir/fromq.qcow2"
}

t_wipe() {
	vm vol-wipe --pool p1 copy.qcow2 >"$T/o" && contains "$T/o" '^Vol copy.qcow2 wiped$' ||
		return 1
	cmp "$T/p1dir/copy.qcow2" <(head -c 16M /dev/zero) || return 1
	vm vol-wipe --pool p1 fromq.qcow2 --algorithm random >/dev/null || return 1
	qemu-img check "$T/p1dir/fromq.qcow2" || return 1
	! qemu-img compare -q "$T/data" "$T/p1dir/fromq.qcow2" || return 1
	! vm vol-wipe --pool p1 fromq.qcow2 --algorithm gutmannish 2>"$T/e" &&
		contains "$T/e" "wipe algorithm 'gutmannish' is not supported"
}

t_delete() {
	vm vol-delete --pool p1 copy.qcow2 >"$T/o" && contains "$T/o" '^Vol copy.qcow2 deleted$' ||
		return 1
	[ ! -e "$T/p1dir/copy.qcow2" ] && ! vm vol-list p1 | grep -q copy.qcow2 || return 1
	vm vol-delete "$T/p1dir/fromq.qcow2" >/dev/null && [ ! -e "$T/p1dir/fromq.qcow2" ]
}

t_stale_temporary() { # a creation cut short by a crash: swept at start, never listed
	: >"$T/p1dir/.half.qcow2.vmon-AbC123"
	vm pool-destroy p1 >"$T/o" && contains "$T/o" '^Pool p1 destroyed$' || return 1
	! vm vol-list p1 2>"$T/e" && contains "$T/e" "storage pool 'p1' is not active" || return 1
	vm pool-start p1 >/dev/null && [ ! -e "$T/p1dir/.half.qcow2.vmon-AbC123" ]
}

t_missing_directory() {
	vm pool-define-as gone dir --target "$T/gonedir" >/dev/null || return 1
	vm pool-autostart gone >"$T/o" && contains "$T/o" '^Pool gone marked as autostarted$'
}

t_restart() {
	local key
	key=$(vm vol-key --pool p1 web.qcow2)
	stop_vmond && start_vmond || return 1
	vm pool-list --all >"$T/o" || return 1
	# p1 and p2 were active: active again; gone's directory is missing: inactive, kept
	contains "$T/o" '^ p1 +active +no$' && contains "$T/o" '^ p2 +active +no$' &&
		contains "$T/o" '^ gone +inactive +yes$' || return 1
	vm pool-info gone >"$T/o" && contains "$T/o" "^Reason: +cannot open directory '$T/gonedir'" ||
		return 1
	[ -e "$R/etc/vmon/storage/gone.xml" ] || return 1
	[ "$(vm vol-key --pool p1 web.qcow2)" = "$key" ] && [ "$(vm vol-name "$key")" = web.qcow2 ]
}

t_domain_volume() { # <disk type='volume'>: resolved at start, refused while its pool is down
	cat >"$T/dom.xml" <<'X'
<domain type='kvm'>
  <name>vdom</name>
  <uuid>5a1d0c3e-2b4f-4e6a-8c9d-0e1f2a3b4c5d</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz-test</kernel></os>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='p1' volume='web.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
X
	vm define "$T/dom.xml" >/dev/null || return 1
	vm dumpxml vdom | grep -q "<source pool=\"p1\" volume=\"web.qcow2\"/>" || return 1
	vm pool-destroy p1 >/dev/null || return 1
	! vm start vdom 2>"$T/e" &&
		contains "$T/e" "disk 'vda': storage pool 'p1' is not active" || return 1
	vm pool-start p1 >/dev/null || return 1
	# resolved: what fails now is only the VMM this host test has none of
	! vm start vdom 2>"$T/e" && contains "$T/e" "vmon-vmm exited at start" || return 1
	sed -i 's/web.qcow2/nosuch.qcow2/' "$T/dom.xml"
	vm define "$T/dom.xml" >/dev/null || return 1
	! vm start vdom 2>"$T/e" && contains "$T/e" "disk 'vda': failed to get vol 'nosuch.qcow2'" ||
		return 1
	vm undefine vdom >/dev/null
}

t_readonly() {
	local RO=$R/run/vmon/vmond-ro.sock
	$V pool-list -c "$RO" >/dev/null && $V vol-list -c "$RO" p1 >/dev/null || return 1
	! $V vol-create-as -c "$RO" p1 ro.raw 1M 2>"$T/e" &&
		contains "$T/e" 'read only access prevents vol-create-as' || return 1
	# source discovery runs the host's tools: not on the read-only socket
	! $V find-storage-pool-sources -c "$RO" logical 2>"$T/e" &&
		contains "$T/e" 'read only access prevents pool-find-sources'
}

# find-storage-pool-sources: types with nothing to discover refused by name
# (the logical search is in logical_pool_test, in the test VM)
t_find_sources_refusals() {
	$V find-storage-pool-sources --help | grep -q '^usage: vmon find-storage-pool-sources' ||
		return 1
	! $V find-storage-pool-sources -c "$S" dir 2>"$T/e" &&
		contains "$T/e" "pool type 'dir' does not support source discovery" || return 1
	! $V find-storage-pool-sources-as -c "$S" netfs --host nfs.example 2>"$T/e" &&
		contains "$T/e" "netfs pools are not supported yet \(planned\)" || return 1
	! $V find-storage-pool-sources -c "$S" logical --srcSpec "$T/missing.xml" 2>"$T/e" &&
		contains "$T/e" "cannot read '$T/missing.xml'" || return 1
	! $V find-storage-pool-sources -c "$S" 2>"$T/e" && contains "$T/e" 'missing type'
}

# pool-edit with a scripted $EDITOR: an inactive pool's definition saved
# (still valid XML), an unchanged one left, an active pool refused and the
# edit given up with its definition kept
t_pool_edit() {
	local E=$R/etc/vmon/storage
	vm pool-define-as pe dir --target "$T/pedir" >/dev/null || return 1
	printf '#!/bin/sh\nsed -i "s|%s|%s|" "$1"\n' "$T/pedir" "$T/pedir2" >"$T/ed1"
	chmod +x "$T/ed1"
	EDITOR=$T/ed1 VISUAL= vm pool-edit pe >"$T/o" &&
		contains "$T/o" '^Pool pe XML configuration edited\.$' || return 1
	contains "$E/pe.xml" "<path>$T/pedir2</path>" && virt-xml-validate "$E/pe.xml" storagepool ||
		return 1
	VISUAL=true vm pool-edit pe >"$T/o" &&
		contains "$T/o" '^Pool pe XML configuration not changed\.$' || return 1
	vm pool-undefine pe >/dev/null || return 1
	cp "$E/p2.xml" "$T/p2.before"
	printf '#!/bin/sh\nsed -i "s|p2dir|p2dir-new|" "$1"\n' >"$T/ed2"
	chmod +x "$T/ed2"
	echo n | EDITOR=$T/ed2 VISUAL= vm pool-edit p2 >"$T/o" 2>&1
	[ $? = 1 ] && contains "$T/o" "pool 'p2' is active: destroy it first" &&
		contains "$T/o" 'Try again\?' && cmp "$T/p2.before" "$E/p2.xml"
}

t_teardown() {
	vm pool-destroy p2 >/dev/null || return 1
	vm pool-delete p2 >"$T/o" && contains "$T/o" '^Pool p2 deleted$' && [ ! -e "$T/p2dir" ] ||
		return 1
	vm pool-undefine p2 >"$T/o" && contains "$T/o" '^Pool p2 has been undefined$' || return 1
	[ ! -e "$R/etc/vmon/storage/p2.xml" ] && ! vm pool-list --all | grep -q ' p2 ' || return 1
	vm pool-destroy p1 >/dev/null || return 1
	! vm pool-delete p1 2>"$T/e" && contains "$T/e" 'Directory not empty' || return 1
	vm pool-autostart --disable gone >/dev/null && [ ! -e "$R/etc/vmon/storage/autostart/gone" ]
}

t_transient() {
	vm pool-create-as tp dir --target "$T/p1dir" 2>"$T/e" &&
		{ echo "two pools on one directory accepted"; return 1; }
	contains "$T/e" "pool 'p1' already uses target path" || return 1
	mkdir "$T/tpdir"
	vm pool-create-as tp dir --target "$T/tpdir" >"$T/o" && contains "$T/o" '^Pool tp created$' ||
		return 1
	vm pool-list --all --details | grep -Eq '^ tp +running +no +no ' || return 1
	[ ! -e "$R/etc/vmon/storage/tp.xml" ] || return 1
	vm pool-destroy tp >/dev/null && ! vm pool-list --all | grep -q ' tp '
}

echo "TAP version 13"
echo "1..21"
start_vmond || exit 1
ok "first start: pool 'default' defined, built, started, autostarted; XML valid" t_default_pool
ok "pool-define, pool-list [--all] [--details], pool-build (mode), pool-start, pool-info" \
	t_define_build_start
ok "pool-define-as, pool-start --build" t_define_as
ok "vol-create-as raw: sparse, qemu-img says raw; vol-info" t_raw_volume
ok "vol-create-as qcow2 with a backing volume: qemu-img check and --backing-chain" \
	t_qcow2_backing
ok "a volume by pool and name, by path, by key; vol-list [--details]" t_lookup
ok "refusals named, nothing half-made left; bad XML with line and column" t_refusals
ok "ten vol-create-as of one name at once: one wins" t_race_one_name
ok "vol-resize (grow qcow2, --delta, --shrink; shrink refused without it)" t_resize
ok "vol-upload, vol-clone, vol-download (sparse), vol-create-from" t_upload_clone_download
ok "vol-wipe zero and random (qcow2 stays valid), unknown algorithm refused" t_wipe
ok "vol-delete by name and by path" t_delete
ok "pool-destroy; a stale temporary volume swept at start" t_stale_temporary
ok "a pool whose directory is missing, marked autostart" t_missing_directory
ok "restart: active pools active again, missing one inactive with its reason, keys stable" \
	t_restart
ok "domain <disk type='volume'>: path found at start, refused while the pool is inactive" \
	t_domain_volume
ok "read-only socket lists, refuses changes" t_readonly
ok "pool-edit: saved, unchanged, an active pool refused and given up" t_pool_edit
ok "find-storage-pool-sources: dir, netfs, a missing spec file, no type refused" \
	t_find_sources_refusals
ok "pool-destroy/delete/undefine; delete of a non-empty dir refused; autostart --disable" \
	t_teardown
ok "pool-create-as: transient, gone after destroy; one directory for two pools refused" \
	t_transient
[ $fails -eq 0 ]
