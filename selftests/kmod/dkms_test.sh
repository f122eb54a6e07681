#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS, as a distribution user meets it, inside the test VM (its root is a
# throwaway overlay, so nothing of this reaches the host). The build itself
# ran on the host before (tools/dkms-prebuild, which tools/check runs for
# every kernel it boots): dkms add and build of the sources as 'make
# dkms-src' lays them out, against this kernel's headers, in build/dkms.
# Here: that build succeeded; dkms installs it for the running kernel; the
# module is installed and indexed and loads; /dev/vmon answers with the same
# release; 'dkms remove' takes it away again. Prints TAP. Run as root from
# the top of the tree, in tools/vmtest.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
kver=$(uname -r)
ksrc=${DKMS_KSRC:-/usr/src/linux-headers-$kver}
ver=$(sed -n 's/^#define VMON_RELEASE[[:space:]]*"\(.*\)"/\1/p' kmod/vmon_core.h)
n=0
failed=0
echo "1..7"
ok() { # ok COND NAME [DIAG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n dkms.$2"
	else
		echo "not ok $n dkms.$2${3:+ # $3}"
		failed=$((failed + 1))
	fi
}
if [ -z "${VMTEST:-}" ] || ! command -v dkms >/dev/null || [ ! -d "$ksrc" ]; then
	echo "Bail out! needs the test VM (tools/vmtest), dkms and the headers in $ksrc"
	exit 1
fi
tree=$top/build/dkms
trees=(--sourcetree "$tree/usr/src" --dkmstree "$tree/tree")
log=$(mktemp)
cleanup() {
	modprobe -r vmon 2>/dev/null
	dkms remove -m vmon -v "$ver" --all "${trees[@]}" >/dev/null 2>&1
	rm -f "$log"
}
trap cleanup EXIT
modprobe -r vmon 2>/dev/null

grep -q "^PACKAGE_VERSION=\"$ver\"$" dkms.conf
ok $? conf_version_is_the_module_release "dkms.conf: $(grep PACKAGE_VERSION dkms.conf), kmod/vmon_core.h: $ver"

# The host's build for this kernel, and dkms install of it here (dkms
# installs what it finds built instead of building again).
if [ ! -f "$tree/build-$kver.rc" ]; then
	ok 1 built_on_the_host_for_$kver "no build-$kver.rc in $tree: run tools/dkms-prebuild $kver=$ksrc first"
else
	ok "$(cat "$tree/build-$kver.rc")" built_on_the_host_for_$kver \
		"$(tail -n 5 "$tree/build-$kver.log" | tr '\n' ' ')"
	echo "# dkms: the host's build took $(cat "$tree/build-$kver.time") s"
fi
dkms install --force -m vmon -v "$ver" -k "$kver" "${trees[@]}" >"$log" 2>&1
ok $? install_for_$kver "$(tail -n 5 "$log" | tr '\n' ' ')"
dkms status -m vmon -v "$ver" -k "$kver" "${trees[@]}" 2>/dev/null | grep -q ': installed'
ok $? status_installed "$(dkms status -m vmon "${trees[@]}" 2>&1 | tr '\n' ' ')"

# The test VM's module tree also holds the tree's own build under extra/
# (a distribution has only the DKMS one): check the DKMS one is installed
# and indexed, and load that file itself. DKMS compresses it the way the
# kernel's own modules are (6.12's Debian kernels: vmon.ko.xz).
path=
for f in /lib/modules/"$kver"/updates/dkms/vmon.ko{,.xz,.zst,.gz}; do
	[ -f "$f" ] && path=$f && break
done
[ -n "$path" ] &&
	grep -q "^${path#/lib/modules/$kver/}:" "/lib/modules/$kver/modules.dep"
ok $? installed_and_indexed_under_updates_dkms "$(ls /lib/modules/$kver/updates/dkms 2>&1 | tr '\n' ' ')"

modprobe -r vmon 2>/dev/null
# insmod loads no dependency (tun, tap, kvm): those first, as modprobe would
for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
	modprobe "$dep"
done
insmod "$path" && [ -c /dev/vmon ] &&
	[ "$(cat /sys/module/vmon/srcversion)" = "$(modinfo -F srcversion "$path")" ] &&
	[ "$(cat /sys/module/vmon/version)" = "$ver" ]
ok $? loads_in_the_running_kernel

modprobe -r vmon && dkms remove -m vmon -v "$ver" --all "${trees[@]}" >"$log" 2>&1 &&
	[ -n "$path" ] && [ ! -e "$path" ]
ok $? remove_restores_the_tree_module "$(tail -n 3 "$log" | tr '\n' ' ')"
[ "$failed" = 0 ]
