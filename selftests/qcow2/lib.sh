# SPDX-License-Identifier: GPL-2.0
#
# Shared by the qcow2 test scripts (sourced, not run): TAP helpers and
# comparisons against qemu-img. The script sets V, T and n=0 fails=0 first
# and has its current directory in T.

ok() { # ok NAME CMD...: one TAP line for the command's success
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$T/out" | head -20
		fails=$((fails + 1))
	fi
}

jeq() { # jeq A B: the two JSON documents are equal
	python3 - "$1" "$2" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
if a != b:
    print("ours:  ", json.dumps(a, sort_keys=True)[:1500])
    print("qemu's:", json.dumps(b, sort_keys=True)[:1500])
    sys.exit(1)
PY
}

same_json() { # same_json SUBCMD ARGS...: vmon img and qemu-img give equal JSON and exit codes
	local rv rq
	$V img "$@" --output=json >"$T/ours.json" 2>"$T/ours.err"
	rv=$?
	qemu-img "$@" --output=json >"$T/qemu.json" 2>"$T/qemu.err"
	rq=$?
	if [ $rv -ne $rq ]; then
		echo "exit: ours $rv, qemu-img $rq"
		cat "$T/ours.err" "$T/qemu.err"
		return 1
	fi
	jeq "$T/ours.json" "$T/qemu.json"
}

info_json() { # info_json IMG: qemu-img's info JSON without the file name and dates
	qemu-img info --output=json "$1" |
		python3 -c 'import json,sys
d = json.load(sys.stdin)
for k in ("filename", "actual-size", "dirty-flag"): d.pop(k, None)
for s in d.get("snapshots", []):
    for k in ("date-sec", "date-nsec"): s.pop(k, None)
print(json.dumps(d, sort_keys=True))'
}

tap_end() { # the plan line; exit status 1 when a test failed
	echo "1..$n"
	[ "$fails" -eq 0 ]
}
