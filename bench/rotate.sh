#!/usr/bin/env bash
# rotate's cost against what it replaces (issue 9). Needs root and the cgroup v1 memory
# controller; makes only its own loop-mounted filesystem, swap areas and memory cgroup, and
# removes them at exit.
#
#   bench/rotate.sh [BUILD_DIR]
#
# 1. Idle: rotate of an idle IDLE_SIZE swapfile (default 16G) against creating one (swapctl
#    add, or fallocate+mkswap+swapon where this build has no add) plus the kernel's swapoff
#    of the idle area. Claim: ratio <= 1.5.
# 2. Loaded: rotate of an area with LOAD_MIB (default 1536) swapped out against a plain
#    swapoff(8) of the same amount, side by side, the same way: a process in a memory cgroup
#    pushes its pages out, then the cgroup's limit is lifted so both swapoffs only have to
#    read the pages back. Claim: ratio <= 1.2.
# The filesystem is a sparse image in $BENCH_DIR (default /var/tmp): fallocate'd swapfiles
# cost it no data blocks, so a 16 GiB rotation needs about 40 GiB of sparse space but only
# metadata on disk. Each figure is the median of RUNS (default 3) runs.
set -euo pipefail
build=$(cd "${1:-$(dirname "$0")/../build}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
swapctl=$build/swapctl
IDLE_SIZE=${IDLE_SIZE:-16G}
LOAD_MIB=${LOAD_MIB:-1536}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-/var/tmp}

[ "$(id -u)" = 0 ] || { echo "bench/rotate.sh: needs root" >&2; exit 1; }
[ -x "$swapctl" ] || { echo "build first: $swapctl missing" >&2; exit 1; }
[ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] ||
	{ echo "bench/rotate.sh: needs the cgroup v1 memory controller" >&2; exit 1; }

work=$(mktemp -d "$BENCH_DIR/swapctl-bench.XXXXXX")
loop= mnt= cg=
cleanup() {
	set +e
	[ -n "${hog:-}" ] && kill -KILL "$hog" 2>/dev/null && wait "$hog" 2>/dev/null
	if [ -n "$mnt" ]; then
		awk -v m="$mnt/" 'NR > 1 && index($1, m) == 1 { print $1 }' /proc/swaps |
			while read -r p; do swapoff "$p"; done
		umount "$mnt"
	fi
	[ -n "$loop" ] && losetup -d "$loop"
	[ -n "$cg" ] && rmdir "/sys/fs/cgroup/memory/$cg" 2>/dev/null
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_kib=$(df -Pk "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
[ "$free_kib" -ge $((4 * 1024 * 1024)) ] ||
	{ echo "bench/rotate.sh: less than 4 GiB free in $BENCH_DIR for the image's metadata" >&2; exit 1; }
truncate -s 48G "$work/img"
loop=$(losetup -f --show "$work/img")
mkfs.ext4 -q -F -b 4096 -m 0 "$loop"
mnt=$work/mnt
mkdir "$mnt"
mount "$loop" "$mnt"
chmod 0755 "$mnt"
mkdir -m 0700 "$mnt/swap"
fstab=$work/fstab

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
has_add=false
"$swapctl" add --help >/dev/null 2>&1 && has_add=true

# make_area PATH SIZE: an active managed swapfile with priority 10 and its fstab line
make_area() {
	if $has_add; then
		"$swapctl" -q --fstab "$fstab" add "$2" --path "$1" --priority 10 >/dev/null
	else
		fallocate -l "$2" "$1" && chmod 600 "$1" && mkswap -q "$1" >/dev/null
		swapon -p 10 "$1"
		printf '%s none swap defaults,pri=10,x-swapctl 0 0\n' "$1" >"$fstab"
	fi
}

our_areas() { awk -v m="$mnt/" 'NR > 1 && index($1, m) == 1 { print $1 }' /proc/swaps; }

drop_areas() {
	our_areas | while read -r p; do swapoff "$p"; done
	rm -f "$mnt"/swap/* "$fstab" "$fstab.swapctl~"
}

echo "== idle: rotate of an idle $IDLE_SIZE swapfile vs add + swapoff ($RUNS runs)"
: >"$work/t.add" >"$work/t.off" >"$work/t.rot"
for ((i = 0; i < RUNS; i++)); do
	drop_areas
	t0=$(now); make_area "$mnt/swap/swapfile" "$IDLE_SIZE"; t1=$(now)
	swapoff "$mnt/swap/swapfile"; t2=$(now)
	echo $((t1 - t0)) >>"$work/t.add"
	echo $((t2 - t1)) >>"$work/t.off"
	drop_areas
	make_area "$mnt/swap/swapfile" "$IDLE_SIZE"
	t0=$(now); "$swapctl" -q --fstab "$fstab" rotate; t1=$(now)
	echo $((t1 - t0)) >>"$work/t.rot"
done
add=$(median <"$work/t.add") off=$(median <"$work/t.off") rot=$(median <"$work/t.rot")
echo "create ($($has_add && echo "swapctl add" || echo "fallocate+mkswap+swapon")): $(ms "$add") ms;" \
	"swapoff: $(ms "$off") ms; rotate: $(ms "$rot") ms"
awk -v r="$rot" -v b=$((add + off)) 'BEGIN { printf "ratio rotate / (create + swapoff) = %.2f (claim <= 1.5)\n", r / b }'
drop_areas

echo "== loaded: rotate vs swapoff(8) of $LOAD_MIB MiB swapped out ($RUNS runs each, side by side)"
cg=swapctl-bench-$$
mkdir "/sys/fs/cgroup/memory/$cg"
area_mib=$((LOAD_MIB + 512))
: >"$work/t.loff" >"$work/t.lrot" >"$work/u.off" >"$work/u.rot"
load() { # fills the area, lifts the limit; sets hog and used (KiB swapped out)
	echo $((256 * 1024 * 1024)) >"/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes"
	rm -f "$work/ready"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec python3 "$2" "$3" "$4"' sh \
		"/sys/fs/cgroup/memory/$cg" "$src/tests/kernel/memhog.py" $((LOAD_MIB + 256)) \
		"$work/ready" >/dev/null &
	hog=$!
	while [ ! -e "$work/ready" ]; do sleep 0.1; done
	echo -1 >"/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes"
	used=$(awk -v p="$mnt/swap/swapfile" 'NR > 1 && $1 == p { print $4 }' /proc/swaps)
}
unload() {
	kill -USR1 "$hog"
	wait "$hog" >/dev/null || { echo "bench: the process lost data" >&2; exit 1; }
	hog=
}
for ((i = 0; i < RUNS; i++)); do
	for mode in swapoff rotate; do
		drop_areas
		make_area "$mnt/swap/swapfile" "${area_mib}M"
		load
		t0=$(now)
		if [ $mode = swapoff ]; then
			swapoff "$mnt/swap/swapfile"
		else
			"$swapctl" -q --fstab "$fstab" rotate
		fi
		t1=$(now)
		unload
		if [ $mode = swapoff ]; then
			echo $((t1 - t0)) >>"$work/t.loff"; echo "$used" >>"$work/u.off"
		else
			echo $((t1 - t0)) >>"$work/t.lrot"; echo "$used" >>"$work/u.rot"
		fi
	done
done
off=$(median <"$work/t.loff") rot=$(median <"$work/t.lrot")
echo "swapoff(8) of $(median <"$work/u.off") KiB: $(ms "$off") ms;" \
	"rotate with $(median <"$work/u.rot") KiB: $(ms "$rot") ms"
awk -v r="$rot" -v b="$off" 'BEGIN { printf "ratio rotate / swapoff = %.2f (claim <= 1.2)\n", r / b }'
drop_areas
