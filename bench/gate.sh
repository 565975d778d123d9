#!/usr/bin/env bash
# The swapoff safety gate's cost with 200 memory cgroups; claim (issue 9): under 2 ms.
# Usage: bench/gate.sh [BUILD_DIR]
#
# Scenarios, each printing its median, p99 and the ratio to the 2 ms budget:
#   fixture tree, 200 limited cgroups          (cgroup files on tmpfs)
#   fixture tree, 200 limited, all near limit  (worst case: every file read, gate refuses)
#   live cgroupfs, 200 cgroups, 20 limited     (a systemd host: limits on a few services)
#   live cgroupfs, 200 limited cgroups         (cgroup v1 here; needs root)
#   live cgroupfs, 200 limited, replacement active (rotate: still walked, the replacement
#                                              would have to hold the pages and all of RAM)
# The live scenarios create and remove their own cgroups under /sys/fs/cgroup/memory.
set -euo pipefail
build=${1:-$(dirname "$0")/../build}
bench=$build/bench/bench-gate
[ -x "$bench" ] || { echo "build first: $bench missing" >&2; exit 1; }
tmp=/dev/shm
[ -d "$tmp" ] && [ -w "$tmp" ] || tmp=${TMPDIR:-/tmp}
TMPDIR=$tmp "$bench" --cgroups 200
TMPDIR=$tmp "$bench" --cgroups 200 --tight
if [ "$(id -u)" = 0 ] && [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	TMPDIR=$tmp "$bench" --cgroups 200 --limited 20 --live
	TMPDIR=$tmp "$bench" --cgroups 200 --live
	TMPDIR=$tmp "$bench" --cgroups 200 --live --rotate
else
	echo "live scenarios skipped: need root and the cgroup v1 memory controller"
fi
