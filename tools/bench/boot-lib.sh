# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Sourced by the boot benchmarks (tools/bench/vmm-boot, vmond-start): time
# a VMM from its start to the guest's init, and its memory beyond the guest's
# RAM. The caller sets $work (a scratch directory).

# boot_one CMD...: start CMD with its stdout as the console; sets $bt to the
# seconds until the console shows INIT-REACHED and leaves the VMM running as
# $pid (for rss_beyond_ram). False, with the tails printed, when the VMM
# ended first.
pid= bt=
boot_one() {
	local con=$work/console t0 t1 i
	: >"$con"
	t0=$EPOCHREALTIME
	"$@" >"$con" 2>"$work/err" </dev/null &
	pid=$!
	for ((i = 0; i < 6000; i++)); do
		grep -q INIT-REACHED "$con" && break
		kill -0 $pid 2>/dev/null || {
			wait $pid
			echo "boot: $1 ended (status $?) before init:" >&2
			tail -n 5 "$work/err" "$work/console" >&2
			return 1
		}
		sleep 0.02
	done
	t1=$EPOCHREALTIME
	bt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }')
}

# rss_beyond_ram PID: kB resident outside the guest RAM mapping (the one
# mapping of 256 to 258 MiB: QEMU pads its RAM blocks a little).
rss_beyond_ram() {
	local k v total=0 ram=0 big=0 size
	while read -r k v _; do
		if [[ $k =~ ^([0-9a-f]+)-([0-9a-f]+)$ ]]; then
			size=$((16#${BASH_REMATCH[2]} - 16#${BASH_REMATCH[1]}))
			big=$((size >= 268435456 && size <= 270532608))
		elif [ "$k" = Rss: ]; then
			total=$((total + v))
			[ $big = 1 ] && ram=$((ram + v))
		fi
	done <"/proc/$1/smaps"
	echo $((total - ram))
}

# stop: end the VMM of the last boot_one.
stop() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; pid=; }

# add_to NAME SECONDS KB: sum a boot into sum[NAME], rss[NAME], cnt[NAME]
# (associative arrays the caller declared).
add_to() {
	sum[$1]=$(awk -v a="${sum[$1]}" -v b="$2" 'BEGIN { print a + b }')
	rss[$1]=$(awk -v a="${rss[$1]}" -v b="$3" 'BEGIN { print a + b }')
	cnt[$1]=$((cnt[$1] + 1))
}

# report NAMES...: the table of averages; sets avg[NAME].
report() {
	local name c
	printf "%-14s %5s %12s %22s\n" VMM runs "boot s (avg)" "RSS beyond RAM (MiB)"
	for name in "$@"; do
		c=${cnt[$name]}
		[ "$c" -gt 0 ] || { printf "%-14s %5s %12s %22s\n" "$name" 0 - -; continue; }
		avg[$name]=$(awk -v s="${sum[$name]}" -v c="$c" 'BEGIN { print s / c }')
		awk -v n="$name" -v s="${sum[$name]}" -v k="${rss[$name]}" -v c="$c" \
			'BEGIN { printf "%-14s %5d %12.2f %22.1f\n", n, c, s / c, k / c / 1024 }'
	done
}
