#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS, as a distribution user meets it, inside the test VM (its root is a
# throwaway overlay, so nothing of this reaches the host): 'make dkms-install'
# puts the sources under /usr/src/vmon-VERSION and has dkms add, build and
# install the module for the running kernel against that kernel's headers;
# modprobe then loads the DKMS build (not the tree's vmon.ko), /dev/vmon
# answers with the same release, and 'dkms remove' takes it away again.
# Prints TAP. Run as root from the top of the tree, in tools/vmtest.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
kver=$(uname -r)
ksrc=${DKMS_KSRC:-/usr/src/linux-headers-$kver}
ver=$(sed -n 's/^#define VMON_RELEASE[[:space:]]*"\(.*\)"/\1/p' kmod/vmon_core.h)
n=0
echo "1..6"
ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n dkms.$2"; else echo "not ok $n dkms.$2${3:+ # $3}"; fi
}
if [ -z "${VMTEST:-}" ] || ! command -v dkms >/dev/null || [ ! -d "$ksrc" ]; then
	echo "Bail out! needs the test VM (tools/vmtest), dkms and the headers in $ksrc"
	exit 1
fi
log=$(mktemp)
cleanup() {
	modprobe -r vmon 2>/dev/null
	dkms remove -m vmon -v "$ver" --all >/dev/null 2>&1
	rm -f /etc/depmod.d/zz-vmon-dkms-test.conf
	depmod "$kver" 2>/dev/null
	rm -f "$log"
}
trap cleanup EXIT
modprobe -r vmon 2>/dev/null

grep -q "^PACKAGE_VERSION=\"$ver\"$" dkms.conf
ok $? conf_version_is_the_module_release "dkms.conf: $(grep PACKAGE_VERSION dkms.conf), kmod/vmon_core.h: $ver"

# The test VM's module tree also holds the tree's build under extra/, which
# depmod ranks above updates/ here; a distribution has only the DKMS one.
# Make depmod prefer DKMS's, as it would a lone module (overlay root: the
# file goes with the VM).
mkdir -p /etc/depmod.d
echo "override vmon $kver updates/dkms" >/etc/depmod.d/zz-vmon-dkms-test.conf
make -s dkms-install DKMS_KVER="$kver" KSRC="$ksrc" >"$log" 2>&1
rc=$?
ok $rc build_and_install_for_$kver "$(tail -n 5 "$log" | tr '\n' ' ')"

dkms status -m vmon -v "$ver" -k "$kver" 2>/dev/null | grep -q ': installed'
ok $? status_installed "$(dkms status -m vmon 2>&1 | tr '\n' ' ')"

path=$(modinfo -n vmon 2>/dev/null)
[[ "$path" == */updates/dkms/vmon.ko* ]]
ok $? modprobe_finds_the_dkms_build "modinfo -n vmon: $path"

modprobe vmon && [ -c /dev/vmon ] &&
	[ "$(cat /sys/module/vmon/srcversion)" = "$(modinfo -F srcversion "$path")" ] &&
	[ "$(cat /sys/module/vmon/version)" = "$ver" ]
ok $? loads_in_the_running_kernel

modprobe -r vmon && dkms remove -m vmon -v "$ver" --all >"$log" 2>&1 &&
	rm -f /etc/depmod.d/zz-vmon-dkms-test.conf && depmod "$kver" &&
	[[ "$(modinfo -n vmon 2>/dev/null)" != */updates/dkms/* ]]
ok $? remove_restores_the_tree_module "$(tail -n 3 "$log" | tr '\n' ' ')"
