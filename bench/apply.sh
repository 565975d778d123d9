#!/usr/bin/env bash
# swapctl apply of an unchanged layout against the commands a provisioning script would run
# for the same layout (swapctl add, zram add, sysctl apply, each a no-op here), side by side:
# median wall time (hyperfine, no shell in between) and the ratio.
# Claim: apply of an unchanged layout under 10 ms.
#
#   bench/apply.sh [--swapctl PATH] [--runs N]
#
# Root. Makes a 64 MiB swapfile in a private directory, one 32 MiB zram device, a test fstab,
# sysctl directory and configuration directory; removes all of them at exit. The live vm.*
# values are not changed (the layout sets vm.swappiness to its current value).
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
for t in hyperfine python3; do
	command -v "$t" >/dev/null || { echo "bench/apply.sh: $t missing" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench/apply.sh: needs root (swapon, zram)" >&2; exit 1; }
[ -x "$SWAPCTL" ] || { echo "bench/apply.sh: $SWAPCTL is not built" >&2; exit 1; }

work=$(mktemp -d /var/tmp/swapctl-bench.XXXXXX)
chmod 0700 "$work"
mkdir -p "$work/etc" "$work/sysctl.d"
: >"$work/fstab"
export SWAPCTL_CONFIG_DIR=$work/etc/swapctl
S=("$SWAPCTL" -q --fstab "$work/fstab" --sysctl-dir "$work/sysctl.d")
cleanup() {
	: >"$work/empty.conf"
	"${S[@]}" apply --prune "$work/empty.conf" >/dev/null 2>&1 || true
	swapoff "$work/swap" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/layout.conf" <<CONF
[swapfile]
path = $work/swap
size = 64M
priority = 7

[zram]
size = 32M
priority = 100

[sysctl]
vm.swappiness = $(cat /proc/sys/vm/swappiness)
CONF
"${S[@]}" apply "$work/layout.conf" 2>/dev/null

hyperfine -N --style basic --warmup 20 --runs "$RUNS" --export-json "$work/t.json" \
	-n "swapctl apply (unchanged)" "${S[*]} apply $work/layout.conf" \
	-n "add" "${S[*]} add 64M --path $work/swap --priority 7" \
	-n "zram add" "${S[*]} zram add 32M --priority 100" \
	-n "sysctl apply" "${S[*]} sysctl apply --set vm.swappiness=$(cat /proc/sys/vm/swappiness)"

echo
echo "== summary"
python3 - "$work/t.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
apply_t = res[0]["median"]
parts = sum(r["median"] for r in res[1:])
print(f"swapctl apply (unchanged)         median {apply_t*1000:6.2f} ms")
print(f"add + zram add + sysctl apply     median {parts*1000:6.2f} ms (three runs together)")
print(f"ratio apply / separate commands   {apply_t/parts:4.2f}x")
print(f"claim: apply of an unchanged layout < 10 ms: {'yes' if apply_t < 0.010 else 'NO'}")
PY
