#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vmon CLI's domain and host commands against vmond --foreground in a
# temporary root, on the host (no guest): --help on every command, every
# command in vmon.1 and completed by the bash completion; capabilities valid
# against libvirt's schema and nodeinfo's virsh layout; edit with a scripted
# $EDITOR (saved, unchanged, refused then given up with the definition kept);
# undefine's flags; lifecycle events of define/undefine; domblkstat and
# dompmwakeup refused on a shut-off domain, dompmsuspend's target checked;
# setvcpus of the definition; domiflist and domblklist.
set -u
B=${VMON_BUILD:-build}
V=$(realpath "$B/vmon")
T=$(mktemp -d /tmp/cli_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
n=0 fails=0 vmond_pid= ev_pid=

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
cleanup() {
	[ -n "$ev_pid" ] && kill "$ev_pid" 2>/dev/null
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
contains() { # contains FILE REGEX
	grep -Eq -- "$2" "$1" || { echo "no match for /$2/ in:"; cat "$1"; return 1; }
}
mkxml() { # mkxml NAME [DISK]
	cat <<X
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz-test</kernel></os>
  <devices>
X
	[ -n "${2:-}" ] && echo "    <disk type='file'><source file='$2'/><target dev='vda' bus='virtio'/></disk>"
	echo "  </devices>"
	echo "</domain>"
}
commands() { "$V" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'; }

t_help_everywhere() {
	local c bad=0
	for c in $(commands); do
		"$V" "$c" --help >"$T/h" 2>&1 || { echo "$c --help: exit $?"; bad=1; continue; }
		grep -q "^usage: vmon $c" "$T/h" || { echo "$c --help: no usage line"; bad=1; }
	done
	[ "$(commands | wc -l)" -ge 30 ] || { echo "only $(commands | wc -l) commands"; bad=1; }
	return $bad
}

t_man_lists_every_command() {
	local c bad=0
	for c in $(commands); do
		grep -Eq "^\.BR? (.*[\" ])?$(sed 's/-/\\\\-/g' <<<"$c")([\" ]|$)" \
			Documentation/man/vmon.1 || { echo "vmon.1 lacks $c"; bad=1; }
	done
	return $bad
}

complete_words() { # complete_words WORD...: what _vmon offers for the last
	# shellcheck disable=SC1091
	(PATH=$(dirname "$V"):$PATH
	. supervisor/cli/vmon.bash-completion
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_vmon
	printf '%s\n' "${COMPREPLY[@]}")
}

t_completion() {
	complete_words vmon domp >"$T/c"
	contains "$T/c" '^dompmsuspend$' && contains "$T/c" '^dompmwakeup$' || return 1
	complete_words vmon undefine --re >"$T/c"
	contains "$T/c" '^--remove-all-storage$' || return 1
	complete_words vmon start -c "$S" w >"$T/c"
	contains "$T/c" '^web$' || return 1
	complete_words vmon dompmsuspend -c "$S" web h >"$T/c"
	contains "$T/c" '^hybrid$' || return 1
	printf '<network><name>dnet</name><bridge name="vmbrd"/></network>\n' >"$T/dnet.xml"
	"$V" net-define -c "$S" "$T/dnet.xml" >/dev/null || return 1
	complete_words vmon net-edit -c "$S" d >"$T/c"
	contains "$T/c" '^dnet$' || return 1
	# vmond's first start defines the pool 'default'
	complete_words vmon pool-edit -c "$S" d >"$T/c"
	contains "$T/c" '^default$' || return 1
	complete_words vmon domiflist -c "$S" w >"$T/c"
	contains "$T/c" '^web$'
}

t_capabilities() {
	"$V" capabilities -c "$S" >"$T/caps.xml" || return 1
	virt-xml-validate "$T/caps.xml" capability || return 1
	contains "$T/caps.xml" "<arch>$(uname -m)</arch>" || return 1
	contains "$T/caps.xml" "<cells num=\"[1-9]"
}

t_nodeinfo() {
	"$V" nodeinfo -c "$S" >"$T/ni" || return 1
	contains "$T/ni" "^CPU\(s\): +$(nproc)$" || return 1
	contains "$T/ni" "^Memory size: +$(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB$" ||
		return 1
	contains "$T/ni" '^NUMA cell\(s\): +[1-9]' && contains "$T/ni" '^vmon module: ' &&
		contains "$T/ni" '^KVM: +(yes|no)'
}

t_edit() {
	# an editor that changes the memory: saved
	printf '#!/bin/sh\nsed -i "s/131072/262144/" "$1"\n' >"$T/ed1"
	chmod +x "$T/ed1"
	EDITOR=$T/ed1 VISUAL= "$V" edit -c "$S" web >"$T/o" || { cat "$T/o"; return 1; }
	contains "$T/o" "^Domain 'web' XML configuration edited.$" || return 1
	contains "$R/etc/vmon/domains/web.xml" '262144' || return 1
	# an editor that changes nothing
	VISUAL=true "$V" edit -c "$S" web >"$T/o" || return 1
	contains "$T/o" "^Domain 'web' XML configuration not changed.$" || return 1
	# bad XML: refused with line and column; 'n' gives up, nothing saved
	cp "$R/etc/vmon/domains/web.xml" "$T/before.xml"
	printf '#!/bin/sh\nsed -i "s/<memory/<memory unit=\\"parsecs\\"/" "$1"\n' >"$T/ed2"
	chmod +x "$T/ed2"
	echo n | EDITOR=$T/ed2 "$V" edit -c "$S" web >"$T/o" 2>&1
	[ $? = 1 ] || { cat "$T/o"; return 1; }
	contains "$T/o" 'line [0-9]+, column [0-9]+' && contains "$T/o" 'Try again\?' || return 1
	cmp "$T/before.xml" "$R/etc/vmon/domains/web.xml"
}

t_undefine_flags() {
	: >"$T/disk.img"
	mkxml db "$T/disk.img" >"$T/db.xml"
	"$V" define -c "$S" "$T/db.xml" >/dev/null || return 1
	mkdir -p "$R/var/lib/vmon/snapshot/db/s1"
	"$V" undefine -c "$S" db --remove-all-storage --snapshots-metadata >"$T/o" || return 1
	contains "$T/o" "^Volume 'vda'\($T/disk.img\) removed.$" || return 1
	[ ! -e "$T/disk.img" ] && [ ! -e "$R/var/lib/vmon/snapshot/db" ] &&
		[ ! -e "$R/etc/vmon/domains/db.xml" ]
}

t_events() {
	mkxml ev >"$T/ev.xml"
	"$V" event -c "$S" --loop --event lifecycle --domain ev >"$T/events" 2>&1 &
	ev_pid=$!
	# vmond logs each subscription: the events after it reach the client
	for _ in $(seq 100); do
		grep -q "event client subscribed" "$T/vmond.log" && break
		sleep 0.1
	done
	"$V" define -c "$S" "$T/ev.xml" >/dev/null && "$V" dumpxml -c "$S" ev >"$T/ev2.xml" &&
		"$V" define -c "$S" "$T/ev2.xml" >/dev/null && "$V" undefine -c "$S" ev >/dev/null ||
		return 1
	for _ in $(seq 50); do
		[ "$(grep -c "event 'lifecycle' for domain 'ev'" "$T/events")" -ge 3 ] && break
		sleep 0.1
	done
	kill "$ev_pid"
	wait "$ev_pid" 2>/dev/null
	ev_pid=
	contains "$T/events" "^[0-9-]+ [0-9:.]+[+-][0-9]+: event 'lifecycle' for domain 'ev': Defined Added$" &&
		contains "$T/events" ": event 'lifecycle' for domain 'ev': Defined Updated$" &&
		contains "$T/events" ": event 'lifecycle' for domain 'ev': Undefined Removed$"
}

t_inactive_refusals() {
	! "$V" domblkstat -c "$S" web 2>"$T/e" && contains "$T/e" 'domain is not running' || return 1
	! "$V" dompmwakeup -c "$S" web 2>"$T/e" && contains "$T/e" 'domain is not running' || return 1
	! "$V" dompmsuspend -c "$S" web sleepy 2>"$T/e" &&
		contains "$T/e" "unknown target 'sleepy' \(mem, disk, hybrid\)" || return 1
	"$V" event --event nosuch 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "unknown event 'nosuch'" || return 1
	"$V" reboot -c "$S" --mode agent web 2>"$T/e"
	[ $? = 1 ] && contains "$T/e" "Operation not supported: --mode agent" || return 1
	# shutdown --mode agent is accepted: the refusal is the state machine's
	! "$V" shutdown -c "$S" --mode agent web 2>"$T/e" && contains "$T/e" 'domain is not running$' ||
		return 1
	"$V" shutdown -c "$S" --mode reboot web 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "Unknown mode reboot value" || return 1
	# --mode acpi is accepted: the refusal is the state machine's
	! "$V" shutdown -c "$S" --mode acpi web 2>"$T/e" && contains "$T/e" 'domain is not running$'

}

# setvcpus of a shut-off domain: the definition's <vcpu current=...> and
# maximum, validated against libvirt's schema; live and --maximum --live refused
t_setvcpus_config() {
	"$V" setvcpus -c "$S" web 4 --maximum --config >/dev/null &&
		"$V" dumpxml -c "$S" web --inactive | contains /dev/stdin '<vcpu[^>]* current=.1.>4</vcpu>' ||
		return 1
	"$V" setvcpus -c "$S" web 2 >/dev/null &&
		"$V" dumpxml -c "$S" web --inactive >"$T/v.xml" &&
		contains "$T/v.xml" '<vcpu[^>]* current=.2.>4</vcpu>' || return 1
	virt-xml-validate "$T/v.xml" domain || return 1
	! "$V" setvcpus -c "$S" web 5 2>"$T/e" && contains "$T/e" 'not within 1\.\.4' || return 1
	! "$V" setvcpus -c "$S" web 2 --live 2>"$T/e" && contains "$T/e" 'domain is not running' ||
		return 1
	! "$V" setvcpus -c "$S" web 2 --maximum 2>"$T/e" && contains "$T/e" 'use --config' ||
		return 1
	"$V" setvcpus -c "$S" web x 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "invalid vCPU count 'x'" || return 1
	# the maximum brought down takes the current count with it
	"$V" setvcpus -c "$S" web 1 --maximum --config >/dev/null &&
		"$V" dumpxml -c "$S" web --inactive | contains /dev/stdin '<vcpu[^>]*>1</vcpu>' &&
		! "$V" dumpxml -c "$S" web --inactive | grep -q 'current='
}

# domiflist and domblklist of a shut-off domain: virsh's columns, the
# <target dev=> the XML gives (as virsh prints it), "-" where there is none
# and for a bridge-less source, the volume name of a volume disk; --details
# on domiflist refused; domifaddr --source lease of a shut-off domain
t_devlists() {
	cat >"$T/dl.xml" <<X
<domain type='kvm'>
  <name>dl</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz-test</kernel></os>
  <devices>
    <disk type='file'><source file='/var/lib/vmon/images/dl.qcow2'/>
      <driver name='qemu' type='qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='volume'><source pool='default' volume='data.raw'/>
      <target dev='vdb' bus='virtio'/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:01'/>
      <source network='default'/><model type='virtio'/></interface>
    <interface type='bridge'><mac address='52:54:00:aa:bb:02'/>
      <source bridge='br0'/><target dev='mytap0'/><model type='virtio'/></interface>
    <interface type='ethernet'><mac address='52:54:00:aa:bb:03'/>
      <model type='virtio'/></interface>
  </devices>
</domain>
X
	"$V" define -c "$S" "$T/dl.xml" >/dev/null || return 1
	cat >"$T/want" <<'X'
 Interface   Type       Source    Model    MAC
--------------------------------------------------------------
 -           network    default   virtio   52:54:00:aa:bb:01
 mytap0      bridge     br0       virtio   52:54:00:aa:bb:02
 -           ethernet   -         virtio   52:54:00:aa:bb:03

X
	"$V" domiflist -c "$S" dl | diff -u "$T/want" - || return 1
	"$V" domiflist -c "$S" dl --inactive | diff -u "$T/want" - || return 1
	cat >"$T/want" <<'X'
 Target   Source
-----------------------------------------
 vda      /var/lib/vmon/images/dl.qcow2
 vdb      data.raw

X
	"$V" domblklist -c "$S" dl | diff -u "$T/want" - || return 1
	cat >"$T/want" <<'X'
 Type     Device   Target   Source
-----------------------------------------------------------
 file     disk     vda      /var/lib/vmon/images/dl.qcow2
 volume   disk     vdb      data.raw

X
	"$V" domblklist -c "$S" dl --details | diff -u "$T/want" - || return 1
	"$V" domiflist -c "$S" dl --details 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "unrecognized option '--details'" || return 1
	! "$V" domblklist -c "$S" nosuch 2>"$T/e" && contains "$T/e" "nosuch" || return 1
	# domifaddr --source lease and arp need it running; a source of neither
	"$V" domifaddr -c "$S" dl --source lease 2>"$T/e"
	[ $? = 1 ] && contains "$T/e" "domain 'dl' is not running" || return 1
	"$V" domifaddr -c "$S" dl --source arp 2>"$T/e"
	[ $? = 1 ] && contains "$T/e" "domain is not running" || return 1
	"$V" domifaddr -c "$S" dl --source rarp 2>"$T/e"
	[ $? = 2 ] && contains "$T/e" "unknown source 'rarp' \\(lease, agent, arp\\)" || return 1
	"$V" undefine -c "$S" dl >/dev/null
}

cd "$(dirname "$0")/../.." 2>/dev/null || true
[ -f supervisor/cli/vmon.bash-completion ] || cd "$(git rev-parse --show-toplevel)" || exit 1
echo "TAP version 13"
echo "1..11"
"$B/vmond" --foreground --root "$R" --vmm /nonexistent/vmon-vmm 2>>"$T/vmond.log" &
vmond_pid=$!
for _ in $(seq 100); do "$V" list -c "$S" >/dev/null 2>&1 && break; sleep 0.1; done
mkxml web >"$T/web.xml"
"$V" define -c "$S" "$T/web.xml" >/dev/null || { echo "Bail out! vmond: no define"; exit 1; }
ok "--help on every command, with its usage line" t_help_everywhere
ok "vmon.1 lists every command" t_man_lists_every_command
ok "bash completion: commands, options, domain, network and pool names, dompmsuspend targets" t_completion
ok "capabilities validate against libvirt's capability.rng" t_capabilities
ok "nodeinfo in virsh's layout with the host's CPUs and memory" t_nodeinfo
ok "edit: saved, unchanged, refused with line:column and given up (definition kept)" t_edit
ok "undefine --remove-all-storage --snapshots-metadata" t_undefine_flags
ok "event --event lifecycle: Defined Added/Updated, Undefined Removed" t_events
ok "domblkstat/dompmwakeup/shutdown of a shut-off domain, bad pm target and mode, unknown event" \
	t_inactive_refusals
ok "setvcpus of a shut-off domain: --config, --maximum, refusals" t_setvcpus_config
ok "domiflist and domblklist [--details] in virsh's layout" t_devlists
[ $fails -eq 0 ]
