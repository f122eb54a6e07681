#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hand-made corrupt images: 'vmon img check' classifies them as 'qemu-img
# check' does (exit code, leak and corruption counts), and '-r all' repairs
# at least what qemu-img repairs (afterwards qemu-img check of our repair
# exits as of qemu-img's own repair, or 0; data equal when both are clean). TAP.
set -u
top=$(pwd)
V=$top/build/vmon
T=$(mktemp -d /tmp/vmon-corrupt.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
n=0 fails=0

# shellcheck source=selftests/qcow2/lib.sh
. "$top/selftests/qcow2/lib.sh"

# corrupt IMG KIND: edit the image in place (16-bit refcounts, 64 KiB clusters)
corrupt() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b'); kind = sys.argv[2]
def rd(off, n): f.seek(off); return f.read(n)
def wr(off, b): f.seek(off); f.write(b)
def u64(off): return struct.unpack('>Q', rd(off, 8))[0]
cs = 1 << struct.unpack('>I', rd(20, 4))[0]
l1 = u64(40); rt = u64(48)
l2 = u64(l1) & 0x00fffffffffffe00
d0 = u64(l2) & 0x00fffffffffffe00
rb = u64(rt)
def setrc(cluster, v): wr(rb + 2 * cluster, struct.pack('>H', v))
if kind == 'leak':          # two clusters at the end of the file counted as used
    f.seek(0, 2); end = (f.tell() + cs - 1) // cs
    f.truncate((end + 2) * cs); setrc(end, 1); setrc(end + 1, 1)
elif kind == 'rc-low':      # a data cluster with refcount 0
    setrc(d0 // cs, 0)
elif kind == 'rc-high':     # a data cluster with refcount 2 (COPIED set)
    setrc(d0 // cs, 2)
elif kind == 'l2-past-eof': # an L2 entry pointing past the end of the file
    wr(l2 + 8, struct.pack('>Q', (1 << 63) | (cs * 1000)))
elif kind == 'overlap':     # a data cluster that is also the L1 table
    wr(l2 + 16, struct.pack('>Q', (1 << 63) | l1))
elif kind == 'l2-unaligned':
    wr(l2 + 24, struct.pack('>Q', (1 << 63) | (d0 + 512)))
elif kind == 'header-length':
    wr(100, struct.pack('>I', 50))
elif kind == 'huge-l1':
    wr(36, struct.pack('>I', 0x8000000))
elif kind == 'huge-rt':
    wr(56, struct.pack('>I', 0x800000))
elif kind == 'copied-missing': # refcount 1 but COPIED clear
    wr(l2, struct.pack('>Q', d0))
elif kind == 'rt-past-eof': # the refcount table far past the end (found by the fuzzer)
    wr(48, struct.pack('>Q', 1 << 48))
PY
}

base() {
	rm -f base.qcow2
	qemu-img create -q -f qcow2 base.qcow2 16M &&
		qemu-io -c "write -P 0x5a 0 256k" -c "write -P 0x6b 4M 64k" base.qcow2 >/dev/null
}

same_class() { # IMG: same exit code and leak/corruption counts as qemu-img check
	local rv rq
	$V img check --output=json "$1" >ours.json 2>/dev/null
	rv=$?
	qemu-img check --output=json "$1" >qemu.json 2>/dev/null
	rq=$?
	echo "exit: ours $rv, qemu-img $rq"
	[ $rv -eq $rq ] || return 1
	[ $rq -eq 1 ] && return 0	# could not open: no JSON to compare
	python3 - <<'PY'
import json, sys
a = json.load(open('ours.json')); b = json.load(open('qemu.json'))
for k in ('leaks', 'corruptions', 'check-errors'):
    if a.get(k, 0) != b.get(k, 0):
        print(k, 'ours', a.get(k, 0), 'qemu-img', b.get(k, 0)); sys.exit(1)
PY
}

repairs_like_qemu() { # IMG: -r all leaves what qemu-img's -r all leaves
	local rv rq
	cp "$1" r-ours.qcow2 && cp "$1" r-qemu.qcow2 || return 1
	$V img check -r all r-ours.qcow2
	qemu-img check -r all r-qemu.qcow2
	qemu-img check r-ours.qcow2
	rv=$?
	qemu-img check r-qemu.qcow2
	rq=$?
	echo "after repair: qemu-img check of ours $rv, of qemu-img's $rq"
	# ours may repair more (an unaligned L2 entry becomes a zero cluster)
	[ $rv -eq $rq ] || [ $rv -eq 0 ] || return 1
	[ $rq -ne 0 ] || qemu-img compare r-ours.qcow2 r-qemu.qcow2
}

for k in leak rc-low rc-high l2-past-eof overlap l2-unaligned copied-missing header-length huge-l1 huge-rt; do
	base
	corrupt base.qcow2 "$k"
	cp base.qcow2 "$k.qcow2"
	ok "$k: same classification and exit code as qemu-img check" same_class "$k.qcow2"
	case $k in
	header-length | huge-l1 | huge-rt) ;;
	*) ok "$k: -r all repairs what qemu-img repairs (or more)" repairs_like_qemu "$k.qcow2" ;;
	esac
done

base
corrupt base.qcow2 leak
ok "leak: -r leaks fixes leaks, exit 0 after" \
	bash -c "$V img check -r leaks base.qcow2 | grep -q '2 leaked clusters' && qemu-img check base.qcow2"
ok "leaks alone: exit code 3 and the text qemu-img prints" \
	bash -c "corrupt() { :; }; cp leak.qcow2 l2.qcow2; $V img check l2.qcow2 | grep -q 'leaked clusters were found'; [ \${PIPESTATUS[0]} -eq 3 ]"
# A repair writes refcounts through the refcount table: never to where a
# broken header puts it. qemu-img rebuilds the refcount structure; we refuse,
# say why and leave the file as it was.
base
corrupt base.qcow2 rt-past-eof
cp base.qcow2 rt-past-eof.qcow2
ok "rt-past-eof: same classification and exit code as qemu-img check" same_class rt-past-eof.qcow2
ok "rt-past-eof: -r all refuses, names the refcount table, writes nothing" \
	bash -c "$V img check -r all base.qcow2 2>&1 | grep -q 'refcount table.*outside the image'; [ \${PIPESTATUS[0]} -ne 0 ] && cmp base.qcow2 rt-past-eof.qcow2"
ok "a raw image: check says the format cannot be checked (exit 1)" \
	bash -c "truncate -s 1M x.raw; $V img check -f raw x.raw; [ \$? -eq 1 ]"

tap_end
