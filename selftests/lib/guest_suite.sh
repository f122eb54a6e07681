# SPDX-License-Identifier: GPL-2.0
#
# guest_suite.sh: the skeleton of the vmond suites that drive nested guests
# (iotune_test, ioerror_test, idle_test, parallel_vm_test). Sourced after
# the suite set top (the tree), dom (its domain's name) and tag (its
# temporary folder's and $VMTEST_OUT's name); sets B, V, kernel, work, R, S
# and D, and gives
#   vmm_pid [NAME]  the VMM pid of domain NAME (default $dom), from its status
#   guest_xml NAME MIB [DEVICES]  a domain of MIB MiB, one vCPU, booting the
#                   test guest kernel with $work/guest.cpio.gz, a serial pty
#                   and the DEVICES' XML
#   attach_console  copy the domain's console to $work/console (again)
#   booted          wait for the guest's init, with the one nested retry
#   on_console RE   the console shows RE
# and at exit kills the VMM, vmond and the console copy, runs the suite's
# suite_cleanup if it has one, keeps the logs in $VMTEST_OUT/$tag and
# removes $work. Also sources vmond.sh, nested.sh and tap.sh.
B=$top/build
V=$B/vmon
kernel=$B/vmm-guest/vmlinuz
work=$(mktemp -d "/tmp/$tag-test.XXXXXX")
R=$work/root
S=$R/run/vmon/vmond.sock
D=$R/run/vmon/domains
vmond_pid= con_pid=

vmm_pid() { sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$D/${1:-$dom}.status" 2>/dev/null; }
guest_xml() {
	cat <<-XML
		<domain type='kvm'>
		  <name>$1</name>
		  <memory unit='MiB'>$2</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel>
		    <initrd>$work/guest.cpio.gz</initrd><cmdline>quiet</cmdline></os>
		  <features><acpi/></features>
		  <devices>${3:-}<serial type='pty'/></devices>
		</domain>
	XML
}
guest_suite_cleanup() {
	local p
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	p=$(vmm_pid)
	[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	declare -F suite_cleanup >/dev/null && suite_cleanup
	[ -n "${VMTEST_OUT:-}" ] && mkdir -p "$VMTEST_OUT/$tag" &&
		cp "$work"/*.log "$work"/*.err "$work"/console "$D"/*.log "$VMTEST_OUT/$tag/" 2>/dev/null
	rm -rf "$work"
}
trap guest_suite_cleanup EXIT
attach_console() {
	[ -n "$con_pid" ] && kill "$con_pid" 2>/dev/null
	"$top/selftests/lib/console-copy" "$D/$dom.console" "$work/console" &
	con_pid=$!
}
booted() { vmond_boot_or_retry "$V" "$S" "$dom" "$work/console" "$D/$dom.log" attach_console; }
on_console() { grep -q "$1" "$work/console"; }

. "$top/selftests/lib/nested.sh"
. "$top/selftests/lib/vmond.sh"
. "$top/selftests/lib/tap.sh"
