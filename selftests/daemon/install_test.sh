#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon install on the host (no guest; issue 24): --print-xml for a dozen
# option combinations against golden files (selftests/daemon/golden/
# install-*.xml) and libvirt's domain schema; every refusal's message and
# exit status; --dry-run creating nothing; and, against vmond --foreground
# in a temporary root whose VMM cannot start, a failure half-way (the
# start) leaving nothing behind: no disk file, no volume, no definition.
# VMON_REGEN=1 rewrites the golden files. Prints TAP.
set -u
B=${VMON_BUILD:-build}
V=$(realpath "$B/vmon")
T=$(mktemp -d /tmp/install_test.XXXXXX)
R=$T/root
S=$R/run/vmon/vmond.sock
G=selftests/daemon/golden
n=0 fails=0 vmond_pid=

cleanup() {
	[ -n "$vmond_pid" ] && { kill -9 "$vmond_pid"; wait "$vmond_pid"; } 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
tap() { # tap STATUS NAME [DIAG FILE]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -30
		fails=$((fails + 1))
	fi
}
contains() { grep -Eq -- "$2" "$1" || { echo "no match for /$2/ in:"; cat "$1"; return 1; }; }
# the XML with what changes from run to run made fixed: the UUID, generated
# MACs (the given ones start 02:), the temporary directory
normal() { sed -e 's|<uuid>[0-9a-f-]*</uuid>|<uuid>UUID</uuid>|' \
	-e 's|"52:54:00:[0-9a-f:]*"|"GENERATED-MAC"|' -e "s|$T|T|g"; }

cd "$(dirname "$0")/../.." 2>/dev/null || true
[ -f supervisor/cli/vmon.bash-completion ] || cd "$(git rev-parse --show-toplevel)" || exit 1
echo "TAP version 13"
echo "1..8"

mkdir -p "$T/boot"
echo kernel >"$T/boot/vmlinuz"
echo initrd >"$T/boot/initrd.img"
head -c 1048576 /dev/zero >"$T/raw.img"
qemu-img create -q -f qcow2 "$T/base.qcow2" 64M
qemu-img create -q -f qcow2 "$T/old.qcow2" 32M
K="kernel=$T/boot/vmlinuz"

# ---- 1: --print-xml against golden files and the schema --------------------
cases=(
	"minimal|--name a --memory 256 --boot $K --disk none --network none"
	"vcpus|--name b --memory 1024,maxmemory=2048 --vcpus 2,maxvcpus=4 --boot $K --network none"
	"current-memory|--name c --memory memory=512,currentMemory=256 --vcpus vcpus=3 --boot $K --network none"
	"kernel-args|--name d --memory 256 --boot '$K,initrd=$T/boot/initrd.img,kernel_args=\"console=ttyS0,115200 root=/dev/vda quiet\"' --network none"
	"new-qcow2|--name e --memory 256 --boot $K --disk path=$T/e.qcow2,size=2,cache=none --network none"
	"existing-raw|--name f --memory 256 --boot $K --disk $T/raw.img --disk path=$T/base.qcow2,readonly --network none"
	"overlay|--name g --memory 256 --boot $K --disk path=$T/g.qcow2,backing_store=$T/base.qcow2 --network none"
	"volumes|--name h --memory 256 --boot $K --disk pool=default,size=8 --disk vol=data/h-data.qcow2,format=qcow2 --disk pool=fast,size=0.5 --network none"
	"networks|--name i --memory 256 --boot $K --network bridge=br0,mac=02:00:00:00:00:01,model=virtio --network network=lan"
	"default-network|--name j --memory 256 --boot $K"
	"devices|--name k --memory 256 --boot $K --network none --rng /dev/urandom --memballoon none --channel unix,target.type=virtio,name=org.qemu.guest_agent.0"
	"osinfo-import|--name l --memory 256 --boot $K --network none --import --disk $T/old.qcow2 --osinfo debian12 --os-variant debian12 --autostart"
)
bad=0
: >"$T/print.log"
for c in "${cases[@]}"; do
	name=${c%%|*}
	eval "set -- ${c#*|}"
	if ! "$V" install "$@" --print-xml >"$T/$name.xml" 2>"$T/$name.err"; then
		echo "$name: exit $?: $(cat "$T/$name.err")" >>"$T/print.log"
		bad=1
		continue
	fi
	virt-xml-validate "$T/$name.xml" domain >>"$T/print.log" 2>&1 || bad=1
	normal <"$T/$name.xml" >"$T/$name.norm"
	if [ -n "${VMON_REGEN:-}" ]; then
		cp "$T/$name.norm" "$G/install-$name.xml"
	elif ! diff -u "$G/install-$name.xml" "$T/$name.norm" >>"$T/print.log"; then
		bad=1
	fi
done
# --print-xml creates no disk
[ ! -e "$T/e.qcow2" ] && [ ! -e "$T/g.qcow2" ] || { echo "--print-xml created a disk" >>"$T/print.log"; bad=1; }
tap $bad "--print-xml: ${#cases[@]} option sets as their golden XML, valid against domain.rng, no disk created" "$T/print.log"

# relative paths are made absolute (vmond resolves nothing against the
# caller's directory); a disk's serial= is its <serial>
(cd "$T" && "$V" install --name rel --memory 256 --boot kernel=boot/vmlinuz,initrd=./boot/initrd.img \
	--disk raw.img,serial=disk-1 --network none --print-xml) >"$T/rel.xml" 2>"$T/rel.log"
r=$?
{ [ $r = 0 ] && contains "$T/rel.xml" "<kernel>$T/boot/vmlinuz</kernel>" &&
	contains "$T/rel.xml" "<initrd>$T/./boot/initrd.img</initrd>" &&
	contains "$T/rel.xml" "<source file=\"$T/raw.img\"/>" &&
	contains "$T/rel.xml" "<serial>disk-1</serial>" &&
	virt-xml-validate "$T/rel.xml" domain; } >>"$T/rel.log" 2>&1
tap $? "relative kernel, initrd and disk paths made absolute; serial= as <serial>" "$T/rel.log"

# ---- 2: refusals -------------------------------------------------------------
# status|message (extended regex)|arguments (after --name r --memory 256)
refusals=(
	"2|--cdrom is not supported: vmon-vmm boots a kernel directly|--boot $K --cdrom /x.iso"
	"2|--location is not supported: vmon-vmm boots a kernel directly|--boot $K --location http://x/"
	"2|--graphics is not supported: vmon guests have a serial console only|--boot $K --graphics vnc"
	"2|--cpu is not supported: vmon-vmm gives the guest the host's CPU model|--boot $K --cpu host"
	"2|unrecognized option '--frobnicate'|--boot $K --frobnicate"
	"2|bus=sata is not supported: vmon-vmm's disks are virtio-blk|--boot $K --disk path=$T/raw.img,bus=sata"
	"2|device=cdrom is not supported|--boot $K --disk path=$T/raw.img,device=cdrom"
	"2|unknown sub-option 'foo' \\(known: path, size|--boot $K --disk path=$T/raw.img,foo=1"
	"2|give one of path=, pool= or vol=|--boot $K --disk size=2"
	"2|vol=data: give the volume as POOL/NAME|--boot $K --disk vol=data"
	"2|a new volume needs size= \\(GiB\\)|--boot $K --disk pool=default"
	"2|size '-1' is not a size in GiB|--boot $K --disk path=$T/x.qcow2,size=-1"
	"2|format=vmdk is not supported \\(raw or qcow2\\)|--boot $K --disk path=$T/x.vmdk,size=1,format=vmdk"
	"2|model=e1000 is not supported: vmon-vmm's NICs are virtio-net|--boot $K --network network=default,model=e1000"
	"2|--network 'mac=02:00:00:00:00:02': give network=NAME or bridge=BR|--boot $K --network mac=02:00:00:00:00:02"
	"2|--vcpus: vcpus '0' is not a whole number from 1 to 255|--boot $K --vcpus 0"
	"2|--memory: memory \\(MiB\\) 'lots' is not a whole number|--boot $K --memory lots"
	"2|--vcpus: 4 vCPUs is more than maxvcpus=2|--boot $K --vcpus 4,maxvcpus=2"
	"2|sockets= is not supported|--boot $K --vcpus 2,sockets=2"
	"2|--boot: 'cdrom' is not supported: vmon-vmm has no firmware|--boot cdrom"
	"2|give --boot kernel=PATH|--disk none"
	"2|--autostart needs a persistent domain|--boot $K --transient --autostart"
	"2|--rng /dev/hwrng is not supported|--boot $K --rng /dev/hwrng"
	"2|--channel 'pty,target.type=virtio,name=x' is not supported|--boot $K --channel pty,target.type=virtio,name=x"
	"2|--import needs a --disk|--boot $K --import"
	"2|--network none with another --network|--boot $K --network none --network bridge=br0"
	"1|--boot kernel=/nonexistent/vmlinuz: No such file or directory|--boot kernel=/nonexistent/vmlinuz"
	"1|path=$T/missing.qcow2: no such file; give size= \\(GiB\\) to create it|--boot $K --disk path=$T/missing.qcow2"
	"1|path=$T/missing.qcow2: no such file to import|--boot $K --import --disk path=$T/missing.qcow2"
	"1|path=$T/raw.img exists: drop size=/backing_store= to use it|--boot $K --disk path=$T/raw.img,size=1"
	"1|backing_store= needs format=qcow2|--boot $K --disk path=$T/o.raw,backing_store=$T/base.qcow2,format=raw"
)
bad=0
: >"$T/refuse.log"
for r in "${refusals[@]}"; do
	want=${r%%|*}
	rest=${r#*|}
	msg=${rest%%|*}
	eval "set -- ${rest#*|}"
	"$V" install --name r --memory 256 "$@" >"$T/r.out" 2>"$T/r.err"
	got=$?
	# (getopt's own message for an unknown option says "install: ...")
	if [ $got != "$want" ] || ! grep -Eq -- "^(vmon: )?install: .*$msg" "$T/r.err"; then
		echo "args: ${rest#*|}: exit $got (want $want): $(cat "$T/r.err")" >>"$T/refuse.log"
		bad=1
	fi
done
"$V" install --memory 256 --boot "$K" 2>"$T/r.err"
[ $? = 2 ] && grep -q -- "--name is required" "$T/r.err" || { cat "$T/r.err" >>"$T/refuse.log"; bad=1; }
"$V" install --name r --memory 256 --boot "$K,kernel_args=\"x" 2>"$T/r.err"
[ $? = 2 ] && grep -q -- "unbalanced \" in" "$T/r.err" || { cat "$T/r.err" >>"$T/refuse.log"; bad=1; }
tap $bad "$((${#refusals[@]} + 2)) refusals, each naming the option and what to use instead, with its exit status" "$T/refuse.log"

# ---- 3: --help ---------------------------------------------------------------
bad=0
"$V" install --help >"$T/help" || bad=1
for o in name memory vcpus boot disk import network rng memballoon channel osinfo autostart \
	transient noautoconsole wait print-xml dry-run connect help; do
	grep -q -- "--$o" "$T/help" || { echo "--help lacks --$o" >>"$T/help"; bad=1; }
done
tap $bad "--help lists every option" "$T/help"

# ---- 4: --dry-run ------------------------------------------------------------
"$V" install --name dry --memory 256 --boot "$K" --disk path="$T/dry.qcow2",size=1 \
	--disk pool=default,size=2 --autostart --dry-run >"$T/dry" 2>&1
st=$?
{ [ $st = 0 ] && contains "$T/dry" "^would create $T/dry.qcow2, qcow2$" &&
	contains "$T/dry" "^would create volume default/dry-1.qcow2, 2147483648 bytes" &&
	contains "$T/dry" "^would define and start domain 'dry', autostarted$" &&
	[ ! -e "$T/dry.qcow2" ]; } >>"$T/dry" 2>&1
tap $? "--dry-run says what it would create and define, and creates nothing" "$T/dry"

# ---- 5, 6: a failure half-way leaves nothing behind --------------------------
"$B/vmond" --foreground --root "$R" --vmm /nonexistent/vmon-vmm 2>>"$T/vmond.log" &
vmond_pid=$!
for _ in $(seq 100); do "$V" list -c "$S" >/dev/null 2>&1 && break; sleep 0.1; done
"$V" install -c "$S" --name half --memory 256 --boot "$K" --network none \
	--disk path="$T/half.qcow2",size=1 >"$T/half" 2>&1
st=$?
"$V" list -c "$S" --all --name >"$T/list" 2>&1
{ [ $st = 1 ] && contains "$T/half" "^Created $T/half.qcow2 \(qcow2, 1073741824 bytes\)$" &&
	contains "$T/half" "the step that failed: starting the domain" &&
	contains "$T/half" "removed $T/half.qcow2" && [ ! -e "$T/half.qcow2" ] &&
	! grep -qx half "$T/list" && [ ! -e "$R/etc/vmon/domains/half.xml" ]; } >>"$T/half" 2>&1
tap $? "a start that fails: the new disk file removed, the definition undefined" "$T/half"

mkdir -p "$T/pool"
"$V" pool-define-as -c "$S" p dir --target "$T/pool" >"$T/pool.log" 2>&1 &&
	"$V" pool-start -c "$S" p >>"$T/pool.log" 2>&1
"$V" install -c "$S" --name halfvol --memory 256 --boot "$K" --network none \
	--disk pool=p,size=1 >"$T/halfvol" 2>&1
st=$?
"$V" vol-list -c "$S" p >"$T/vols" 2>&1
{ cat "$T/pool.log"; [ $st = 1 ] && contains "$T/halfvol" "^Created volume p/halfvol.qcow2" &&
	contains "$T/halfvol" "removed volume p/halfvol.qcow2" && ! grep -q halfvol "$T/vols" &&
	[ ! -e "$T/pool/halfvol.qcow2" ] && ! "$V" dominfo -c "$S" halfvol >/dev/null 2>&1; } \
	>>"$T/halfvol" 2>&1
tap $? "a start that fails: the new pool volume deleted, the definition undefined" "$T/halfvol"

# vol=POOL/NAME takes the volume's own format from vmond; an unknown one fails
"$V" vol-create-as -c "$S" p data.img 1M --format raw >"$T/vol" 2>&1
"$V" install -c "$S" --name v --memory 256 --boot "$K" --network none \
	--disk vol=p/data.img --print-xml >"$T/vol.xml" 2>>"$T/vol"
st=$?
"$V" install -c "$S" --name v --memory 256 --boot "$K" --network none \
	--disk vol=p/nosuch.img --print-xml >>"$T/vol" 2>&1
st2=$?
{ cat "$T/vol.xml"; [ $st = 0 ] && contains "$T/vol.xml" '<driver name="qemu" type="raw"/>' &&
	contains "$T/vol.xml" '<source pool="p" volume="data.img"/>' && [ $st2 = 1 ] &&
	contains "$T/vol" "vol=p/nosuch.img: its format is not known"; } >>"$T/vol" 2>&1
tap $? "vol=POOL/NAME: the volume's format asked of vmond; an unknown volume refused" "$T/vol"
[ $fails -eq 0 ]
