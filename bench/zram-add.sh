#!/usr/bin/env bash
# zram add end to end (process start to exit: hot_add, configure, header, swapon, zram.conf
# written and fsynced); claim (issue 6): under 50 ms. Runs 20 add/remove rounds of a 256 MiB
# device and prints the median and the worst add, and the ratio of the median to 50 ms. The
# configuration goes to a temporary directory; each device is removed before the next.
# Usage: bench/zram-add.sh [BUILD_DIR]
set -euo pipefail
build=${1:-$(dirname "$0")/../build}
swapctl=$build/swapctl
[ -x "$swapctl" ] || { echo "build first: $swapctl missing" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -d /sys/class/zram-control ] || { echo "no zram-control: load the zram module" >&2; exit 1; }
export SWAPCTL_CONFIG_DIR
SWAPCTL_CONFIG_DIR=$(mktemp -d)
dev=
cleanup() {
	[ -n "$dev" ] && "$swapctl" -q zram remove "$dev" >/dev/null 2>&1 || true
	rm -rf "$SWAPCTL_CONFIG_DIR"
}
trap cleanup EXIT
times=()
for i in $(seq 20); do
	t0=$(date +%s%N)
	out=$("$swapctl" -q --json zram add 256M 2>/dev/null)
	t1=$(date +%s%N)
	dev=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["device"])' "$out")
	times+=($(((t1 - t0) / 1000)))
	"$swapctl" -q zram remove "$dev" >/dev/null
	dev=
done
printf '%s\n' "${times[@]}" | sort -n | awk '
	{ t[NR] = $1 }
	END {
		med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "zram add 256M end to end: median %.1f ms, worst %.1f ms over %d runs\n", med / 1000, t[NR] / 1000, NR
		printf "median / 50 ms budget = %.2f (claim: < 1)\n", med / 50000
	}'
