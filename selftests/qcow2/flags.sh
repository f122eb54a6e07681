#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmon img flags beyond the basics, each against qemu-img as the oracle (TAP):
# convert from a mapped raw file (zero detection, odd sizes, data past the
# end of a qcow2 file), convert -n and -l, commit -b and -d, resize --shrink
# with internal snapshots, amend -o size and refcount_bits, and the refusals
# (exit code and a message naming what was wrong, the images unchanged).
set -u
top=$(pwd)
V=$top/build/vmon
IO=$top/build/selftests/qcow2/qcow2-io
T=$(mktemp -d /tmp/vmon-flags.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
n=0 fails=0
# shellcheck source=selftests/qcow2/lib.sh
. "$top/selftests/qcow2/lib.sh"

fails_with() { # fails_with CODE REGEX CMD...: exit CODE and stderr matching REGEX
	local want=$1 re=$2 rc
	shift 2
	"$@" >/dev/null 2>err
	rc=$?
	cat err
	[ $rc -eq "$want" ] || { echo "exit $rc, expected $want"; return 1; }
	grep -qE -- "$re" err || { echo "message does not match '$re'"; return 1; }
}

unchanged() { # unchanged FILE CMD...: CMD leaves FILE byte for byte as it was
	local f=$1 before
	shift
	before=$(md5sum <"$f")
	"$@" || return 1
	[ "$(md5sum <"$f")" = "$before" ] || { echo "$f was changed"; return 1; }
}

# ---- convert from a raw file: data, written zeroes, holes, a short tail
raw_src() {
	rm -f src.raw
	truncate -s $((10 * 1048576 + 512)) src.raw
	head -c 3M /dev/urandom | dd of=src.raw bs=1M seek=1 conv=notrunc status=none
	dd if=/dev/zero of=src.raw bs=1M seek=4 count=2 conv=notrunc status=none
	head -c 70000 /dev/urandom | dd of=src.raw bs=1 seek=$((7 * 1048576 + 123)) \
		conv=notrunc status=none
	printf 'tail' | dd of=src.raw bs=1 seek=$((10 * 1048576 + 100)) conv=notrunc status=none
}
raw_to_qcow2() {
	raw_src && rm -f o.qcow2 q.qcow2 &&
		$V img convert -f raw -O qcow2 src.raw o.qcow2 &&
		qemu-img convert -f raw -O qcow2 src.raw q.qcow2 &&
		qemu-img check o.qcow2 && qemu-img compare -F raw o.qcow2 src.raw &&
		qemu-img map --output=json o.qcow2 | sed 's/"offset": [0-9]*//' >o.map &&
		qemu-img map --output=json q.qcow2 | sed 's/"offset": [0-9]*//' >q.map &&
		diff o.map q.map
}
ok "convert raw->qcow2: content and allocation (zeroes left out) as qemu-img's" raw_to_qcow2
ok "convert raw->qcow2 -S 0: written zeroes are allocated, content equal" \
	bash -c "rm -f s0.qcow2; $V img convert -S 0 -O qcow2 src.raw s0.qcow2 && qemu-img check s0.qcow2 && qemu-img compare -F raw s0.qcow2 src.raw && [ \$(qemu-img map --output=json s0.qcow2 | grep -c '\"data\": true') -ge 1 ]"
past_eof() { # an L2 entry of a qemu-made image points past the end of the file
	rm -f pe.qcow2 pe.raw
	qemu-img create -q -f qcow2 pe.qcow2 4M && qemu-io -c "write -P 1 0 1M" pe.qcow2 >/dev/null &&
		python3 - pe.qcow2 <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
f.seek(40); l1 = struct.unpack('>Q', f.read(8))[0]
f.seek(l1); l2 = struct.unpack('>Q', f.read(8))[0] & 0x00fffffffffffe00
f.seek(l2 + 8 * 3); f.write(struct.pack('>Q', (1 << 63) | (1 << 40)))
PY
	rm -f pq.raw
	$V img convert -O raw pe.qcow2 pe.raw && qemu-img convert -O raw pe.qcow2 pq.raw &&
		cmp pe.raw pq.raw
}
ok "convert: data past the end of the source file reads as zeroes, as qemu-img (no SIGBUS)" past_eof

bad_comp() { # a compressed cluster whose payload does not inflate: the convert fails
	rm -f bc.qcow2 bc.raw bq.raw
	qemu-img create -q -f qcow2 bc.qcow2 4M &&
		qemu-io -c "write -P 1 0 1M" -c "write -c -P 2 2M 64k" bc.qcow2 >/dev/null &&
		python3 - bc.qcow2 <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
f.seek(20); cb = struct.unpack('>I', f.read(4))[0]
f.seek(40); l1 = struct.unpack('>Q', f.read(8))[0]
f.seek(l1); l2 = struct.unpack('>Q', f.read(8))[0] & 0x00fffffffffffe00
f.seek(l2 + 8 * (2 * 1048576 >> cb)); e = struct.unpack('>Q', f.read(8))[0]
assert e & (1 << 62)
f.seek(e & ((1 << (62 - (cb - 8))) - 1)); f.write(b'\xff' * 64)
PY
	! qemu-img convert -q -O raw bc.qcow2 bq.raw 2>/dev/null &&
		fails_with 1 "compressed cluster at host offset 0x[0-9a-f]+: deflate: corrupt data" $V img convert -O raw bc.qcow2 bc.raw &&
		[ ! -e bc.raw ]
}
ok "convert that fails (bad compressed cluster, as qemu-img): exit 1, no target left" bad_comp

# ---- convert -n: into an existing image
n_target() { # n_target FILE FMT: 32M image with data everywhere
	rm -f "$1"
	qemu-img create -q -f "$2" "$1" 32M && qemu-io -f "$2" -c "write -P 5 0 32M" "$1" >/dev/null
}
n_src() {
	rm -f s.qcow2
	qemu-img create -q -f qcow2 s.qcow2 16M &&
		qemu-io -c "write -P 7 0 1M" -c "write -z 2M 1M" -c "write -c -P 8 4M 64k" \
			-c "write -P 9 5M 4k" s.qcow2 >/dev/null
}
convert_n() { # FMT [-c]: ours and qemu-img's convert -n give the same image
	local fmt=$1
	shift
	# qemu-img 7.2 cannot write compressed clusters over allocated ones: its
	# result without -c is the reference there
	n_src && n_target o.img "$fmt" && n_target q.img "$fmt" &&
		$V img convert -n -O "$fmt" "$@" s.qcow2 o.img &&
		qemu-img convert -n -O "$fmt" s.qcow2 q.img &&
		qemu-img compare -f "$fmt" -F "$fmt" o.img q.img &&
		{ [ "$fmt" = raw ] || qemu-img check o.img; } &&
		qemu-io -f "$fmt" -c "read -P 5 16M 16M" o.img | grep -q '^read'
}
ok "convert -n into a qcow2 image equals qemu-img's; the rest of the target kept" convert_n qcow2
ok "convert -n into a raw image equals qemu-img's" convert_n raw
ok "convert -n -c into a qcow2 image: checked, same content as qemu-img's -n" convert_n qcow2 -c
ok "convert -n without -O probes the qcow2 target" \
	bash -c "n_target() { :; }; rm -f p.qcow2; qemu-img create -q -f qcow2 p.qcow2 16M && $V img convert -n s.qcow2 p.qcow2 && qemu-img check p.qcow2 && qemu-img compare s.qcow2 p.qcow2"
small_n() {
	rm -f small.qcow2
	qemu-img create -q -f qcow2 small.qcow2 8M &&
		unchanged small.qcow2 fails_with 1 "smaller than the source" \
			$V img convert -n -O qcow2 s.qcow2 small.qcow2
}
ok "convert -n into a smaller image: refused (exit 1 as qemu-img), target unchanged" small_n
ok "convert -n into a missing file: exit 1, no file created" \
	bash -c "$V img convert -n -O qcow2 s.qcow2 none.qcow2 2>err; [ \$? -eq 1 ] && grep -q none.qcow2 err && [ ! -e none.qcow2 ]"
ok "convert -n -o: refused naming -o, target unchanged" \
	unchanged o.img fails_with 2 "-o has no effect with -n" \
	$V img convert -n -O qcow2 -o cluster_size=4k s.qcow2 o.img

# ---- convert -l: from an internal snapshot
l_src() {
	rm -f ls.qcow2
	qemu-img create -q -f qcow2 ls.qcow2 16M && qemu-io -c "write -P 1 0 2M" ls.qcow2 >/dev/null &&
		qemu-img snapshot -c first ls.qcow2 && qemu-io -c "write -P 2 1M 2M" ls.qcow2 >/dev/null &&
		qemu-img resize -q ls.qcow2 24M && qemu-img snapshot -c second ls.qcow2 &&
		qemu-io -c "write -P 3 0 4M" ls.qcow2 >/dev/null
}
l_same() { # ARG: ours and qemu-img's convert -l ARG to raw are identical
	rm -f lo.raw lq.raw
	$V img convert -l "$1" -O raw ls.qcow2 lo.raw && qemu-img convert -l "$1" -O raw ls.qcow2 lq.raw &&
		cmp lo.raw lq.raw
}
l_src
for a in snapshot.name=first first snapshot.id=1 1 snapshot.id=2,snapshot.name=second second; do
	ok "convert -l $a: same bytes and size as qemu-img's" l_same "$a"
done
ok "convert -l of an unknown snapshot: exit 1 as qemu-img, message names it, no target" \
	bash -c "$V img convert -l snapshot.name=nope -O raw ls.qcow2 x.raw 2>err; [ \$? -eq 1 ] && grep -q nope err && [ ! -e x.raw ] && ! qemu-img convert -q -l snapshot.name=nope -O raw ls.qcow2 y.raw 2>/dev/null"
ok "convert -l with id and name that do not match one snapshot: refused" \
	fails_with 1 "id '1' and name 'second'" $V img convert -l snapshot.id=1,snapshot.name=second -O raw ls.qcow2 x.raw
ok "convert -l with an unknown key: refused naming it" \
	fails_with 1 "unknown option 'bogus=1'" $V img convert -l bogus=1 -O raw ls.qcow2 x.raw
ok "convert -l on a raw source: refused" \
	fails_with 1 "snapshots need a qcow2 image" $V img convert -l first -f raw src.raw x.raw

# ---- commit -b and -d
chain3() {
	rm -f base.qcow2 mid.qcow2 top.qcow2
	qemu-img create -q -f qcow2 base.qcow2 16M && qemu-io -c "write -P 1 0 4M" base.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2 &&
		qemu-io -c "write -P 2 1M 1M" -c "write -P 6 8M 64k" mid.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2 24M &&
		qemu-io -c "write -P 3 2M 1M" -c "write -z 3M 64k" -c "write -P 4 20M 64k" \
			top.qcow2 >/dev/null
}
cmap() { # the allocation map without host offsets (qemu's commit job orders its writes its own way)
	qemu-img map --output=json "$1" | sed 's/, "offset": [0-9]*//'
}
commit_same() { # ARGS...: ours and qemu-img's commit leave the same three images
	local f
	chain3 && qemu-img commit -q "$@" top.qcow2 || return 1
	for f in base mid top; do
		cmap $f.qcow2 >q_$f.map && info_json $f.qcow2 >q_$f.info || return 1
	done
	chain3 && $V img commit "$@" top.qcow2 | grep -q 'Image committed.' || return 1
	for f in base mid top; do
		qemu-img check -q $f.qcow2 && cmap $f.qcow2 | diff - q_$f.map &&
			info_json $f.qcow2 | diff - q_$f.info || return 1
	done
}
ok "commit: the three images as qemu-img leaves them" commit_same
ok "commit -d: the three images as qemu-img leaves them" commit_same -d
ok "commit -b base (two levels down, implies -d): as qemu-img" commit_same -b base.qcow2
ok "commit -b mid: as qemu-img" commit_same -b mid.qcow2
ok "commit -b with an absolute path: as qemu-img" bash -c "$(declare -f chain3 cmap commit_same info_json); V=$V; commit_same -b $T/base.qcow2"
commit_bad() {
	chain3 && unchanged base.qcow2 unchanged top.qcow2 fails_with 1 \
		"did not find 'nope.qcow2' in the backing chain of 'top.qcow2'" \
		$V img commit -b nope.qcow2 top.qcow2 &&
		! qemu-img commit -q -b nope.qcow2 top.qcow2 2>/dev/null
}
ok "commit -b of an image not in the chain: exit 1 as qemu-img, nothing written" commit_bad

# ---- resize --shrink with internal snapshots (qemu-img 7.2 allows it)
shrink_snap() {
	local t
	for t in o q; do
		rm -f $t.qcow2
		qemu-img create -q -f qcow2 $t.qcow2 64M &&
			qemu-io -c "write -P 1 0 1M" -c "write -P 2 40M 2M" $t.qcow2 >/dev/null &&
			qemu-img snapshot -c s1 $t.qcow2 &&
			qemu-io -c "write -P 3 41M 2M" -c "write -P 4 50M 64k" $t.qcow2 >/dev/null || return 1
	done
	$V img resize --shrink o.qcow2 32M && qemu-img resize -q --shrink q.qcow2 32M &&
		qemu-img check o.qcow2 && diff <(info_json o.qcow2) <(info_json q.qcow2) &&
		qemu-img compare o.qcow2 q.qcow2 &&
		$V img snapshot -a s1 o.qcow2 && qemu-img snapshot -a s1 q.qcow2 &&
		qemu-img check o.qcow2 && diff <(info_json o.qcow2) <(info_json q.qcow2) &&
		qemu-img compare o.qcow2 q.qcow2
}
ok "resize --shrink with an internal snapshot: as qemu-img, and the snapshot applies" shrink_snap

# ---- amend
amend_same() { # OPTS: ours and qemu-img's amend -o OPTS agree (exit, info, content)
	local t rv rq
	for t in o q; do
		rm -f $t.qcow2
		qemu-img create -q -f qcow2 $t.qcow2 64M &&
			qemu-io -c "write -P 1 0 1M" -c "write -c -P 5 10M 64k" -c "write -P 2 40M 2M" \
				$t.qcow2 >/dev/null && qemu-img snapshot -c s1 $t.qcow2 &&
			qemu-io -c "write -P 3 41M 2M" $t.qcow2 >/dev/null || return 1
	done
	$V img amend -o "$1" o.qcow2
	rv=$?
	qemu-img amend -o "$1" q.qcow2
	rq=$?
	[ $rv -eq $rq ] || { echo "exit: ours $rv, qemu-img $rq"; return 1; }
	qemu-img check o.qcow2 && diff <(info_json o.qcow2) <(info_json q.qcow2) &&
		qemu-img compare o.qcow2 q.qcow2
}
for o in size=128M size=32M size=40000k refcount_bits=1 refcount_bits=2 refcount_bits=8 \
	refcount_bits=64 refcount_bits=32,lazy_refcounts=on; do
	ok "amend -o $o: as qemu-img (exit, info, content)" amend_same "$o"
done
amend_then_write() { # after a width change, allocating writes still keep the image sound
	rm -f w.qcow2 w.raw
	$V img create -f qcow2 w.qcow2 24M >/dev/null && truncate -s 24M w.raw &&
		"$IO" random w.qcow2 w.raw 5 40 && $V img amend -o refcount_bits=4 w.qcow2 &&
		"$IO" random w.qcow2 w.raw 6 40 && qemu-img check w.qcow2 &&
		qemu-img compare -F raw w.qcow2 w.raw &&
		qemu-img info w.qcow2 | grep -q 'refcount bits: 4'
}
ok "amend -o refcount_bits=4, then random writes: checked and equal to the raw mirror" amend_then_write
ok "amend -o refcount_bits=1 with a shared cluster: refused naming the cluster" \
	fails_with 1 "refcount 2, more than refcount_bits=1" $V img amend -o refcount_bits=1 q.qcow2
ok "amend -o backing_file: refused pointing to rebase (exit 1 as qemu-img)" \
	unchanged o.qcow2 fails_with 1 "cannot amend the backing file.*rebase" \
	$V img amend -o backing_file=x.qcow2 o.qcow2
ok "amend -o cluster_size: refused as creation-only" \
	unchanged o.qcow2 fails_with 1 "cluster_size: can only be set when the image is created" \
	$V img amend -o cluster_size=4k o.qcow2
ok "amend -o of an unknown key: refused naming it" \
	unchanged o.qcow2 fails_with 1 "unknown option 'bogus'" $V img amend -o bogus=1 o.qcow2

# ---- a source that shrinks while it is converted (it is mapped)
shrinking_source() { # never a crash: exit 0, or 1 with the message; no output left on 1
	local d rc
	dd if=/dev/urandom of=big.raw bs=1M count=256 status=none || return 1
	for d in 0.01 0.03 0.06 0.1 0.2; do
		cp big.raw shrink.raw && rm -f shrink.qcow2
		(sleep $d; truncate -s 1M shrink.raw) &
		$V img convert -O qcow2 shrink.raw shrink.qcow2 2>err
		rc=$?
		wait
		echo "after $d s: exit $rc: $(cat err)"
		case $rc in
		0) ;;
		1) grep -q 'source file shrank while being converted' err || return 1
		   [ ! -e shrink.qcow2 ] || { echo "output left behind"; return 1; } ;;
		*) return 1 ;;
		esac
	done
	rm -f big.raw shrink.raw shrink.qcow2
}
ok "convert: a source truncated meanwhile ends in an error or a full copy, never a crash" \
	shrinking_source

# ---- documented
ok "help and man page: convert -n -l, commit -b, amend size and refcount_bits" \
	bash -c "$V img convert --help | grep -q -- '-n' && $V img convert --help | grep -q -- '-l SNAPSHOT' && $V img commit --help | grep -q -- '-b BASE' && $V img amend --help | grep -q refcount_bits && for w in 'convert.*-n' 'snapshot.name' 'commit.*-b' 'refcount_bits'; do grep -q \"\$w\" $top/Documentation/man/vmon-img.1 || { echo \"man: no \$w\"; exit 1; }; done"

tap_end
