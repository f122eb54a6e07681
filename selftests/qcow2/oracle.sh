#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu-img as the oracle for libqcow2 and vmon img (TAP).
#  1. images we write (every create option) pass 'qemu-img check' and equal a
#     raw mirror of the same writes under 'qemu-img compare';
#  2. images qemu-img/qemu-io write (compression, snapshots, backing chains,
#     extended L2, every refcount width, cluster sizes) read identically, and
#     our info/map/check JSON equals qemu-img's;
#  3. our snapshot/resize/commit/rebase/convert/amend/measure results agree
#     with qemu-img.
# Runs from the top of the tree with build/vmon built.
set -u
top=$(pwd)
V=$top/build/vmon
IO=$top/build/selftests/qcow2/qcow2-io
T=$(mktemp -d /tmp/vmon-oracle.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
n=0 fails=0

# shellcheck source=selftests/qcow2/lib.sh
. "$top/selftests/qcow2/lib.sh"

same_text() { # same_text SUBCMD ARGS...: identical human output and exit code
	local rv rq
	$V img "$@" >ours.txt 2>/dev/null
	rv=$?
	qemu-img "$@" >qemu.txt 2>/dev/null
	rq=$?
	echo "exit: ours $rv, qemu-img $rq"
	diff ours.txt qemu.txt && [ $rv -eq $rq ]
}

our_write_check() { # OPTS: create with vmon, random writes, qemu-img check + compare
	rm -f a.qcow2 a.raw
	$V img create -f qcow2 -o "$1" a.qcow2 24M >/dev/null || return 1
	truncate -s 24M a.raw
	"$IO" random a.qcow2 a.raw 11 120 || return 1
	qemu-img check a.qcow2 || return 1
	qemu-img compare -f qcow2 -F raw a.qcow2 a.raw
}

for o in cluster_size=64k cluster_size=512 cluster_size=2M refcount_bits=1 refcount_bits=2 \
	refcount_bits=4 refcount_bits=8 refcount_bits=32 refcount_bits=64 extended_l2=on \
	extended_l2=on,cluster_size=16k compression_type=zstd compat=0.10 lazy_refcounts=on \
	preallocation=metadata preallocation=falloc cluster_size=512,refcount_bits=64; do
	ok "our writes with $o pass qemu-img check and compare" our_write_check "$o"
done

qemu_image() { # NAME OPTS SIZE: a qemu-made image with data, zeroes, compressed clusters
	local f=$1 o=$2 cs
	qemu-img create -q -f qcow2 -o "$o" "$f" "$3" || return 1
	cs=$(qemu-img info --output=json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster-size"])')
	local comp=(-c "write -c -P 0x33 $((4 * cs)) $cs" -c "write -c -P 0x44 $((6 * cs)) $cs")
	[ "$cs" -le 512 ] && comp=()	# qemu cannot compress 512 B clusters
	qemu-io -f qcow2 -c "write -P 0x11 0 100k" -c "write -P 0x22 1M 64k" \
		-c "write -z 300k 200k" "${comp[@]}" -c "write -P 0x55 3000k 7k" \
		-c "discard 1M 32k" "$f" >/dev/null
}

reads_same() { # IMG: our raw conversion equals qemu-img's, byte for byte
	rm -f ours.raw qemu.raw
	$V img convert -O raw "$1" ours.raw >/dev/null || return 1
	qemu-img convert -O raw "$1" qemu.raw || return 1
	cmp ours.raw qemu.raw
}

for o in cluster_size=65536 cluster_size=512 cluster_size=2M refcount_bits=1 refcount_bits=2 \
	refcount_bits=4 refcount_bits=8 refcount_bits=32 refcount_bits=64 extended_l2=on \
	extended_l2=on,cluster_size=32k compression_type=zstd compat=0.10 lazy_refcounts=on; do
	rm -f q.qcow2
	if ! qemu_image q.qcow2 "$o" 16M; then
		ok "qemu-img image with $o" false
		continue
	fi
	ok "qemu image ($o) reads identically" reads_same q.qcow2
	ok "qemu image ($o): info JSON equals qemu-img's" same_json info q.qcow2
	ok "qemu image ($o): map JSON equals qemu-img's" same_json map q.qcow2
	ok "qemu image ($o): check JSON equals qemu-img's" same_json check q.qcow2
done

# preallocation: map JSON (holes under data clusters, zero clusters with offsets)
for o in preallocation=metadata preallocation=metadata,extended_l2=on \
	preallocation=falloc,compat=0.10 preallocation=full,cluster_size=4k; do
	rm -f pm.qcow2 pv.qcow2
	qemu-img create -q -f qcow2 -o "$o" pm.qcow2 4M &&
		qemu-io -c "write -P 3 0 4k" -c "write -z 1M 128k" pm.qcow2 >/dev/null
	ok "qemu image ($o): map JSON equals qemu-img's" same_json map pm.qcow2
	$V img create -f qcow2 -o "$o" pv.qcow2 4M >/dev/null
	ok "our image ($o): map and check JSON equal qemu-img's" \
		bash -c "$(declare -f same_json jeq); V=$V T=$T; same_json map pv.qcow2 && same_json check pv.qcow2"
done

# raw images
rm -f r.raw
qemu-img create -q -f raw r.raw 3M && qemu-io -f raw -c "write -P 1 1M 64k" r.raw >/dev/null
ok "raw image: info JSON equals qemu-img's" same_json info r.raw
ok "raw image: map JSON equals qemu-img's" same_json map r.raw
ok "amend refuses compat=0.10 when zero clusters exist (no silent data change)" \
	bash -c "qemu-img create -q -f qcow2 z.qcow2 1M && qemu-io -c 'write -z 0 64k' z.qcow2 >/dev/null && ! $V img amend -o compat=0.10 z.qcow2 2>/dev/null && qemu-img info z.qcow2 | grep -q 'compat: 1.1'"

# internal snapshots made by qemu-img
rm -f s.qcow2
qemu_image s.qcow2 cluster_size=65536 8M
qemu-img snapshot -c one s.qcow2
qemu-io -c "write -P 0x66 0 200k" s.qcow2 >/dev/null
qemu-img snapshot -c two s.qcow2
ok "qemu snapshots: info JSON equals qemu-img's" same_json info s.qcow2
ok "qemu snapshots: check JSON equals qemu-img's" same_json check s.qcow2
ok "qemu snapshots: reads identically" reads_same s.qcow2
ok "qemu snapshots: human info text equals qemu-img's" same_text info s.qcow2
ok "qemu snapshots: snapshot -l text equals qemu-img's" same_text snapshot -l s.qcow2
ok "qemu snapshots: human check text equals qemu-img's" same_text check s.qcow2
ok "qemu snapshots: human map text equals qemu-img's" same_text map s.qcow2
ok "qemu snapshots: human measure text equals qemu-img's" same_text measure -O qcow2 s.qcow2
cp s.qcow2 s2.qcow2
apply_same() {
	$V img snapshot -a one s.qcow2 && qemu-img snapshot -a one s2.qcow2 &&
		qemu-img check s.qcow2 && qemu-img compare s.qcow2 s2.qcow2
}
ok "snapshot -a one: same content as qemu-img's apply, image clean" apply_same
ok "snapshot -d two: image clean afterwards" \
	bash -c "$V img snapshot -d two s.qcow2 && qemu-img check s.qcow2 && qemu-img snapshot -l s.qcow2 | grep -q one && ! qemu-img snapshot -l s.qcow2 | grep -q two"

our_snapshots() {
	rm -f o.qcow2 o.raw
	$V img create -f qcow2 o.qcow2 8M >/dev/null && truncate -s 8M o.raw &&
		"$IO" random o.qcow2 o.raw 3 40 && cp o.raw o1.raw &&
		$V img snapshot -c first o.qcow2 && "$IO" random o.qcow2 o.raw 4 40 &&
		qemu-img check o.qcow2 && qemu-img compare o.qcow2 o.raw &&
		qemu-img snapshot -l o.qcow2 | grep -q first &&
		qemu-img convert -l first -O raw o.qcow2 snap.raw && cmp snap.raw o1.raw &&
		$V img snapshot -a first o.qcow2 && qemu-img compare o.qcow2 o1.raw &&
		$V img snapshot -d first o.qcow2 && qemu-img check o.qcow2 &&
		[ "$(qemu-img snapshot -l o.qcow2)" = "" ]
}
ok "our snapshots: create/apply/delete, qemu-img reads the snapshot and checks clean" our_snapshots

# backing chains: raw <- qcow2 <- qcow2
chain() {
	rm -f base.raw mid.qcow2 top.qcow2
	qemu-img create -q -f raw base.raw 8M && qemu-io -f raw -c "write -P 0x77 0 4M" base.raw >/dev/null &&
		qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2 &&
		qemu-io -c "write -P 0x88 1M 1M" mid.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -o extended_l2=on -b mid.qcow2 -F qcow2 top.qcow2 &&
		qemu-io -c "write -P 0x99 1500k 3k" -c "write -z 3M 64k" top.qcow2 >/dev/null
}
chain
ok "backing chain raw<-qcow2<-qcow2(extended L2) reads identically" reads_same top.qcow2
ok "backing chain: info --backing-chain JSON equals qemu-img's" same_json info --backing-chain top.qcow2
ok "backing chain: map JSON equals qemu-img's" same_json map top.qcow2
ok "backing chain: info JSON text is byte-identical to qemu-img's" \
	same_text info --backing-chain --output=json top.qcow2
ok "backing chain: map JSON text is byte-identical to qemu-img's" same_text map --output=json top.qcow2
write_over_backing() {
	cp top.qcow2 top2.qcow2 && qemu-img convert -O raw top.qcow2 ref.raw &&
		"$IO" random top2.qcow2 ref.raw 5 60 && qemu-img check top2.qcow2 &&
		qemu-img compare top2.qcow2 ref.raw
}
ok "our writes over a backing chain (COW of partial subclusters) are right" write_over_backing
ok "create -b -F takes the size from the backing file" \
	bash -c "$V img create -f qcow2 -b top.qcow2 -F qcow2 new.qcow2 >/dev/null && qemu-img info --output=json new.qcow2 | grep -q '\"virtual-size\": 8388608' && qemu-img info new.qcow2 | grep -q 'backing file format: qcow2'"
# hardening item 16: a backing file without its format fails, as qemu-img >= 6.1 does
ok "create -b without -F fails with exit 1 and qemu-img's message, creating nothing" \
	bash -c "rm -f nofmt.qcow2; $V img create -f qcow2 -b top.qcow2 nofmt.qcow2 2>err; rc=\$?; qemu-img create -q -f qcow2 -b top.qcow2 nofmt-q.qcow2 2>/dev/null; qrc=\$?; cat err; [ \$rc = 1 ] && [ \$qrc = 1 ] && grep -q 'Backing file specified without backing format' err && [ ! -e nofmt.qcow2 ] && [ ! -e nofmt-q.qcow2 ]"
commit_ok() {
	chain && qemu-img convert -O raw top.qcow2 want.raw &&
		$V img commit top.qcow2 >/dev/null && qemu-img check mid.qcow2 &&
		qemu-img compare top.qcow2 want.raw && qemu-img compare mid.qcow2 want.raw
}
ok "commit writes the overlay into its backing file" commit_ok
rebase_ok() {
	chain && qemu-img convert -O raw top.qcow2 want.raw &&
		$V img rebase -b base.raw -F raw top.qcow2 && qemu-img check top.qcow2 &&
		qemu-img compare top.qcow2 want.raw &&
		qemu-img info top.qcow2 | grep -q 'backing file: base.raw'
}
ok "safe rebase onto the raw base keeps the content" rebase_ok
ok "unsafe rebase (-u) only rewrites the header" \
	bash -c "chain() { :; }; $V img rebase -u -b mid.qcow2 -F qcow2 top.qcow2 && qemu-img info top.qcow2 | grep -q 'backing file: mid.qcow2' && qemu-img check top.qcow2"

# convert
conv() { # OPTS...: vmon img convert SRC → qcow2, checked and compared by qemu-img
	rm -f c.qcow2
	$V img convert "$@" q.qcow2 c.qcow2 >/dev/null && qemu-img check c.qcow2 &&
		qemu-img compare q.qcow2 c.qcow2
}
rm -f q.qcow2
qemu_image q.qcow2 cluster_size=65536 8M
ok "convert -O qcow2" conv -O qcow2
ok "convert -c -O qcow2 (zlib)" conv -c -O qcow2
ok "convert -c -O qcow2 -o compression_type=zstd" conv -c -O qcow2 -o compression_type=zstd
ok "convert -O qcow2 -o cluster_size=4k,refcount_bits=2,extended_l2=off -S 0" \
	conv -O qcow2 -o cluster_size=4k,refcount_bits=2 -S 0
convert_B() {
	chain && $V img convert -O qcow2 -B mid.qcow2 -F qcow2 top.qcow2 flat.qcow2 >/dev/null &&
		qemu-img check flat.qcow2 && qemu-img compare top.qcow2 flat.qcow2 &&
		qemu-img info flat.qcow2 | grep -q 'backing file: mid.qcow2' &&
		[ "$(qemu-img check --output=json flat.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["allocated-clusters"])')" -le 2 ]
}
ok "convert -B writes only what differs from the new backing file" convert_B
ok "convert -p prints a progress bar" bash -c "$V img convert -p -O raw q.qcow2 p.raw | grep -q '100.00/100%'"
ok "compare: identical images exit 0" $V img compare q.qcow2 c.qcow2
ok "compare: a changed byte exits 1 with its offset" \
	bash -c "qemu-io -c 'write -P 1 5000 1' c.qcow2 >/dev/null; $V img compare q.qcow2 c.qcow2 | grep -q 'offset 4608'; [ \${PIPESTATUS[0]} -eq 1 ]"

# resize, amend, measure
resize_ok() {
	$V img create -q -f qcow2 -o cluster_size=512 r.qcow2 1M >/dev/null &&
		$V img resize r.qcow2 3G >/dev/null && qemu-img check r.qcow2 &&
		qemu-img info --output=json r.qcow2 | grep -q '"virtual-size": 3221225472' &&
		qemu-io -c "write -P 3 2G 4k" r.qcow2 >/dev/null &&
		! $V img resize r.qcow2 1M 2>/dev/null &&
		$V img resize --shrink r.qcow2 1M >/dev/null && qemu-img check r.qcow2 &&
		qemu-img info --output=json r.qcow2 | grep -q '"virtual-size": 1048576'
}
ok "resize grows the L1 table (512 B clusters) and --shrink frees clusters" resize_ok
amend_ok() {
	$V img create -f qcow2 m.qcow2 1M >/dev/null &&
		$V img amend -o lazy_refcounts=on m.qcow2 && qemu-img info m.qcow2 | grep -q 'lazy refcounts: true' &&
		$V img amend -o lazy_refcounts=off,compat=0.10 m.qcow2 && qemu-img info m.qcow2 | grep -q 'compat: 0.10' &&
		qemu-img check m.qcow2
}
ok "amend lazy_refcounts and compat" amend_ok
for o in "" "-o cluster_size=4k" "-o extended_l2=on" "-o refcount_bits=1"; do
	# shellcheck disable=SC2086
	ok "measure --size 5G -O qcow2 $o: JSON equals qemu-img's" same_json measure --size 5G -O qcow2 $o
done
ok "measure -O qcow2 FILE: JSON equals qemu-img's" same_json measure -O qcow2 q.qcow2
ok "measure -O raw FILE: JSON equals qemu-img's" same_json measure -O raw q.qcow2

# lazy refcounts: a dirty image is repaired on open
lazy_ok() {
	$V img create -f qcow2 -o lazy_refcounts=on l.qcow2 8M >/dev/null && truncate -s 8M l.raw &&
		"$IO" random l.qcow2 l.raw 9 30 && qemu-img check l.qcow2 && qemu-img compare l.qcow2 l.raw
}
ok "lazy refcounts: image is clean after close" lazy_ok
ok "help: vmon img --help and every SUB --help" \
	bash -c "$V img --help >/dev/null && for s in amend check commit compare convert create info map measure rebase resize snapshot; do $V img \$s --help | grep -q \"usage: vmon img \$s\" || exit 1; done"
ok "create refuses an unknown -o option, naming it" \
	bash -c "! $V img create -f qcow2 -o bogus=1 x.qcow2 1M 2>err && grep -q bogus err"

tap_end
