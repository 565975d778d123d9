#!/usr/bin/env bash
# swapctl status against util-linux swapon --show, side by side: median wall time (hyperfine,
# no shell in between) and peak resident memory (/usr/bin/time -v), human and --json output.
# Claims: median under 5 ms, peak RSS under 4 MiB.
#
#   bench/status.sh [--swapctl PATH] [--runs N]
#
# Read-only: runs against the live system (its /proc/swaps, /etc/fstab, zram, zswap, vm.*).
set -euo pipefail

SWAPCTL=${SWAPCTL:-$(dirname "$0")/../build/swapctl}
RUNS=200
while [ $# -gt 0 ]; do
	case $1 in
	--swapctl) SWAPCTL=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	*) echo "usage: $0 [--swapctl PATH] [--runs N]" >&2; exit 2 ;;
	esac
	shift
done
SWAPCTL=$(readlink -f "$SWAPCTL")
for t in hyperfine python3 swapon /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench/status.sh: $t missing" >&2; exit 1; }
done
[ -x "$SWAPCTL" ] || { echo "bench/status.sh: $SWAPCTL is not built" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hyperfine -N --style basic --warmup 20 --runs "$RUNS" --export-json "$work/t.json" \
	-n "swapctl status" "$SWAPCTL status" \
	-n "swapctl status --json" "$SWAPCTL status --json" \
	-n "swapon --show" "swapon --show"

rss() { # rss CMD... -> peak RSS in KiB (the largest of 5 runs)
	local max=0 v
	for _ in 1 2 3 4 5; do
		v=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }')
		[ "$v" -gt "$max" ] && max=$v
	done
	echo "$max"
}
r_status=$(rss "$SWAPCTL" status)
r_json=$(rss "$SWAPCTL" status --json)
r_swapon=$(rss swapon --show)

echo
echo "== summary"
python3 - "$work/t.json" "$r_status" "$r_json" "$r_swapon" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
rss = [int(x) for x in sys.argv[2:5]]
base = res[2]["median"]
for r, k in zip(res, rss):
    print(f"{r['command']:22} median {r['median']*1000:6.2f} ms  ({r['median']/base:4.2f}x swapon --show)"
          f"   peak RSS {k/1024:5.2f} MiB")
ok_t = all(r["median"] < 0.005 for r in res[:2])
ok_m = all(k < 4096 for k in rss[:2])
print(f"claims: median < 5 ms: {'yes' if ok_t else 'NO'}; peak RSS < 4 MiB: {'yes' if ok_m else 'NO'}")
PY
