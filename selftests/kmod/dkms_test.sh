#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS, as a distribution user meets it, inside the test VM (its root is a
# throwaway overlay, so nothing of this reaches the host): 'make dkms-install'
# puts the sources under /usr/src/vmon-VERSION and has dkms add, build and
# install the module for the running kernel against that kernel's headers;
# the module DKMS built is installed and indexed and loads; /dev/vmon
# answers with the same release, and 'dkms remove' takes it away again.
# Prints TAP. Run as root from the top of the tree, in tools/vmtest.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
kver=$(uname -r)
ksrc=${DKMS_KSRC:-/usr/src/linux-headers-$kver}
ver=$(sed -n 's/^#define VMON_RELEASE[[:space:]]*"\(.*\)"/\1/p' kmod/vmon_core.h)
n=0
failed=0
echo "1..6"
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
log=$(mktemp)
cleanup() {
	modprobe -r vmon 2>/dev/null
	dkms remove -m vmon -v "$ver" --all >/dev/null 2>&1
	rm -f "$log"
}
trap cleanup EXIT
modprobe -r vmon 2>/dev/null

grep -q "^PACKAGE_VERSION=\"$ver\"$" dkms.conf
ok $? conf_version_is_the_module_release "dkms.conf: $(grep PACKAGE_VERSION dkms.conf), kmod/vmon_core.h: $ver"

# The build takes minutes under TCG and dkms prints nothing meanwhile: say
# how long it has run, so that tools/check's watchdog (no output for 7 min
# is a frozen guest) sees a live one.
make -s dkms-install DKMS_KVER="$kver" KSRC="$ksrc" >"$log" 2>&1 &
build=$!
t0=$SECONDS
next=30
while kill -0 $build 2>/dev/null; do
	sleep 1
	if [ $((SECONDS - t0)) -ge $next ]; then
		echo "# dkms: building for $kver, $((SECONDS - t0)) s"
		next=$((next + 30))
	fi
done
wait $build
rc=$?
echo "# dkms: make dkms-install took $((SECONDS - t0)) s"
ok $rc build_and_install_for_$kver "$(tail -n 5 "$log" | tr '\n' ' ')"

dkms status -m vmon -v "$ver" -k "$kver" 2>/dev/null | grep -q ': installed'
ok $? status_installed "$(dkms status -m vmon 2>&1 | tr '\n' ' ')"

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

modprobe -r vmon && dkms remove -m vmon -v "$ver" --all >"$log" 2>&1 &&
	[ -n "$path" ] && [ ! -e "$path" ]
ok $? remove_restores_the_tree_module "$(tail -n 3 "$log" | tr '\n' ' ')"
[ "$failed" = 0 ]
