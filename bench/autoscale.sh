#!/usr/bin/env bash
# swapctl autoscale against swapspace (Debian's dynamic swap daemon), side by side:
#  1. idle CPU: both daemons run for --seconds on an idle machine; CPU time (the scheduler's
#     nanoseconds on a CPU, /proc/PID/schedstat) per minute each, and the ratio. Claim: about zero for swapctl
#     (it sleeps in poll(2) on a PSI trigger and looks at swap every 5 s).
#  2. reaction time: a workload in a 64 MiB memory cgroup fills a 32 MiB swapfile at 8 MiB/s;
#     the time from the moment less than 25% of swap is free (sampled every 10 ms) to the
#     moment swapctl's first dynamic swapfile is active. swapspace is not timed here: it
#     watches the whole machine's free memory, which a cgroup's limit does not lower.
#
#   bench/autoscale.sh [--swapctl PATH] [--seconds N]
#
# Root, cgroup v1 memory controller. Everything lives in a private directory and a loop
# image; both daemons, the cgroup, the swap areas and the image are removed at exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SWAPCTL=${SWAPCTL:-$here/../build/swapctl}
SECONDS_IDLE=60
while [ $# -gt 0 ]; do
	case $1 in
	--swapctl) SWAPCTL=$2; shift ;;
	--seconds) SECONDS_IDLE=$2; shift ;;
	*) echo "usage: $0 [--swapctl PATH] [--seconds N]" >&2; exit 2 ;;
	esac
	shift
done
SWAPCTL=$(readlink -f "$SWAPCTL")
[ "$(id -u)" = 0 ] || { echo "bench/autoscale.sh: needs root" >&2; exit 1; }
[ -x "$SWAPCTL" ] || { echo "bench/autoscale.sh: $SWAPCTL is not built" >&2; exit 1; }
command -v swapspace >/dev/null || { echo "bench/autoscale.sh: swapspace missing (apt-get install swapspace)" >&2; exit 1; }
memcg=/sys/fs/cgroup/memory
[ -f $memcg/memory.limit_in_bytes ] || { echo "bench/autoscale.sh: no cgroup v1 memory controller" >&2; exit 1; }

work=$(mktemp -d /var/tmp/swapctl-bench.XXXXXX)
chmod 0700 "$work"
img=$work/img
truncate -s 16G "$img" # swapspace refuses a small filesystem
mkfs.ext4 -q "$img"
mkdir "$work/mnt"
mount -o loop "$img" "$work/mnt"
mkdir -m 0700 "$work/mnt/dyn" "$work/mnt/swapspace"
: >"$work/fstab"
export SWAPCTL_CONFIG_DIR=$work/etc
mkdir -p "$SWAPCTL_CONFIG_DIR"
cg=$memcg/swapctl-bench-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -d "$cg" ]; then
		while read -r p; do kill -KILL "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
		sleep 0.2
		rmdir "$cg" 2>/dev/null || true
	fi
	awk 'NR > 1 { print $1 }' /proc/swaps | grep "^$work/" | while read -r f; do swapoff "$f" || true; done
	umount "$work/mnt" 2>/dev/null || umount -l "$work/mnt" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }

echo "== idle CPU over ${SECONDS_IDLE} s"
"$SWAPCTL" -q --fstab "$work/fstab" autoscale --dir "$work/mnt/dyn" --max 256M --step 64M &
as=$!
pids+=("$as")
swapspace -q -s "$work/mnt/swapspace" -M 67108864 -m 67108864 &
ss=$!
pids+=("$ss")
sleep 3 # past start-up
a0=$(cpu_ns "$as") s0=$(cpu_ns "$ss")
sleep "$SECONDS_IDLE"
a1=$(cpu_ns "$as") s1=$(cpu_ns "$ss")
python3 - "$((a1 - a0))" "$((s1 - s0))" "$SECONDS_IDLE" <<'PY'
import sys
a, s, secs = (int(x) for x in sys.argv[1:])
per_min = lambda ns: ns / 1e6 * 60 / secs
print("swapctl autoscale: %.3f ms CPU per minute" % per_min(a))
print("swapspace:         %.3f ms CPU per minute" % per_min(s))
print("ratio swapctl/swapspace: %s" % ("%.2f" % (a / s) if s else "n/a"))
PY
kill -TERM "$ss"
wait "$ss" 2>/dev/null || true

echo "== reaction: swap under 25% free -> a dynamic swapfile active"
"$SWAPCTL" -q --fstab "$work/fstab" add 32M --path "$work/mnt/static" --no-persist --priority 10
mkdir "$cg"
echo $((64 * 1024 * 1024)) >"$cg/memory.limit_in_bytes"
sh -c 'echo $$ >"$1/cgroup.procs" && exec python3 "$2" 160 "$3" 8' sh "$cg" \
	"$here/../tests/kernel/memhog.py" "$work/hog.ready" &
pids+=("$!")
python3 - "$work/mnt/static" "$work/mnt/dyn/dynamic." <<'PY'
import sys, time
static, dyn = sys.argv[1], sys.argv[2]
low = None
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    rows = [l.split() for l in open("/proc/swaps").read().splitlines()[1:]]
    total = sum(int(r[2]) for r in rows)
    used = sum(int(r[3]) for r in rows)
    if low is None and total and (total - used) * 100 < 25 * total:
        low = time.monotonic()
    if any(r[0].startswith(dyn) for r in rows):
        t = time.monotonic()
        print("reaction: %.0f ms from swap under 25%% free to %s1 active"
              % ((t - low) * 1000 if low else 0, dyn) + ("" if low else " (before the sampler saw it low)"))
        sys.exit(0)
    time.sleep(0.01)
print("reaction: no dynamic swapfile within 60 s")
sys.exit(1)
PY
