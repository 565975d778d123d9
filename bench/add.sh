#!/usr/bin/env bash
# swapctl add 16G, end to end (create, activate, fstab entry), against the recipes people use,
# side by side in one run on loop-mounted ext4, xfs and btrfs images:
#   classic  fallocate -l 16G F && chmod 600 F && mkswap F && swapon F     (ext4, xfs)
#   btrfs    btrfs filesystem mkswapfile --size 16G F && swapon F          (btrfs)
#   dd       dd if=/dev/zero of=F bs=1M count=16384 && chmod 600 F && mkswap F && swapon F
#            (ext4 only, one run: it writes 16 GiB)
# and the bytes each swapctl add writes to the device (the loop device's write sectors), right
# after the command and after a sync that flushes what the filesystem wrote back later.
#
#   bench/add.sh [--swapctl PATH] [--runs N] [--size SIZE] [--no-dd]
#
# Needs root, hyperfine, python3, loop devices and about 1 GiB of real space under $TMPDIR
# (the images are sparse; the dd run needs 16 GiB). Touches only what it creates.
set -euo pipefail

SWAPCTL=${SWAPCTL:-$(dirname "$0")/../build/swapctl}
RUNS=10
SIZE=16G
DD=1
while [ $# -gt 0 ]; do
	case $1 in
	--swapctl) SWAPCTL=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	--size) SIZE=$2; shift ;;
	--no-dd) DD=0 ;;
	*) echo "usage: $0 [--swapctl PATH] [--runs N] [--size SIZE] [--no-dd]" >&2; exit 2 ;;
	esac
	shift
done
SWAPCTL=$(readlink -f "$SWAPCTL")
[ "$(id -u)" = 0 ] || { echo "bench/add.sh: needs root" >&2; exit 1; }
for t in hyperfine python3 losetup mkfs.ext4 mkfs.xfs mkfs.btrfs mkswap; do
	command -v "$t" >/dev/null || { echo "bench/add.sh: $t missing" >&2; exit 1; }
done
[ -x "$SWAPCTL" ] || { echo "bench/add.sh: $SWAPCTL is not built" >&2; exit 1; }
size_bytes=$(python3 -c "import sys; u={'K':1<<10,'M':1<<20,'G':1<<30,'T':1<<40}; s=sys.argv[1]; print(int(s[:-1])*u[s[-1]] if s[-1] in u else int(s))" "$SIZE")
image_mib=$((size_bytes / 1048576 + 4096))

WORK=$(mktemp -d "${TMPDIR:-/tmp}/swapctl-bench.XXXXXX")
chmod 0700 "$WORK"
MOUNTS=()
LOOPS=()
cleanup() {
	set +e
	for m in "${MOUNTS[@]}"; do
		[ -n "$m" ] || continue
		awk 'NR > 1 { print $1 }' /proc/swaps | grep -F "$m/" | while read -r p; do swapoff "$p"; done
		umount "$m"
	done
	for l in "${LOOPS[@]}"; do losetup -d "$l"; done
	rm -rf "$WORK"
}
trap 'rc=$?; cleanup; exit $rc' EXIT

mkfs_mount() { # mkfs_mount FS -> sets MNT and DEV
	local fs=$1 img=$WORK/$1.img
	truncate -s "${image_mib}M" "$img"
	DEV=$(losetup -f --show "$img")
	LOOPS+=("$DEV")
	case $fs in
	ext4) mkfs.ext4 -q -F "$DEV" ;;
	xfs) mkfs.xfs -q -f "$DEV" ;;
	btrfs) mkfs.btrfs -q -f "$DEV" >/dev/null ;;
	esac
	MNT=$WORK/mnt-$fs
	mkdir -m 0755 "$MNT"
	mount "$DEV" "$MNT"
	MOUNTS+=("$MNT")
	chmod 0755 "$MNT"
	mkdir -m 0700 "$MNT/swap"
}

do_reset() { bash -c "$reset" >/dev/null 2>&1 || true; }

written() { # written DEV -> bytes written to the device so far
	echo $(($(awk '{ print $7 }' "/sys/block/$(basename "$1")/stat") * 512))
}

median() { # median JSON INDEX -> median seconds of that command
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$@"
}

report=$WORK/report
: >"$report"
fstab=$WORK/fstab
echo "# bench" >"$fstab"

for fs in ext4 xfs btrfs; do
	mkfs_mount "$fs"
	f=$MNT/swap/swapfile
	g=$MNT/swap/other
	# Not timed: the previous run's file goes, and sync makes XFS and btrfs really free it.
	reset="swapoff $f 2>/dev/null; swapoff $g 2>/dev/null; rm -f $f $g; echo '# bench' >$fstab; sync -f $MNT"
	if [ "$fs" = btrfs ]; then
		other_name="btrfs mkswapfile + swapon"
		other="btrfs filesystem mkswapfile --size $SIZE $g >/dev/null && swapon $g"
	else
		other_name="fallocate + chmod + mkswap + swapon"
		other="fallocate -l $SIZE $g && chmod 600 $g && mkswap -q $g >/dev/null && swapon $g"
	fi
	echo "== $fs: $SIZE, $RUNS runs each"
	hyperfine --style basic --runs "$RUNS" --export-json "$WORK/$fs.json" \
		--prepare "$reset" -n "swapctl add $SIZE" "$SWAPCTL -q --fstab $fstab add $SIZE --path $f" \
		--prepare "$reset" -n "$other_name" "$other"
	s=$(median "$WORK/$fs.json" 0)
	o=$(median "$WORK/$fs.json" 1)

	# Bytes written by one swapctl add: right after it, and once the filesystem's own
	# writeback is flushed too.
	do_reset
	sleep 1
	before=$(written "$DEV")
	"$SWAPCTL" -q --fstab "$fstab" add "$SIZE" --path "$f"
	during=$(($(written "$DEV") - before))
	sync -f "$MNT"
	after=$(($(written "$DEV") - before))
	do_reset
	python3 - "$fs" "$s" "$o" "$other_name" "$during" "$after" >>"$report" <<'PY'
import sys
fs, s, o, name, during, after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
print(f"{fs:6} swapctl add: {s*1000:8.2f} ms   {name}: {o*1000:8.2f} ms   ratio swapctl/other = {s/o:5.2f}")
print(f"{fs:6} bytes written by swapctl add: {during/1024:.0f} KiB during the command, {after/1024:.0f} KiB including writeback after sync")
PY
	if [ "$fs" = ext4 ] && [ "$DD" = 1 ]; then
		echo "== ext4: dd recipe, once (writes $SIZE)"
		do_reset
		count=$((size_bytes / 1048576))
		hyperfine --style basic --runs 1 --export-json "$WORK/dd.json" -n "dd + chmod + mkswap + swapon" \
			"dd if=/dev/zero of=$g bs=1M count=$count status=none && chmod 600 $g && mkswap -q $g >/dev/null && swapon $g"
		d=$(median "$WORK/dd.json" 0)
		do_reset
		python3 -c 'import sys; s,d=float(sys.argv[1]),float(sys.argv[2]); print(f"ext4   dd recipe: {d:8.2f} s   swapctl add is {d/s:.0f}x faster")' "$s" "$d" >>"$report"
	fi
	umount "$MNT"
	MOUNTS=("${MOUNTS[@]/$MNT/}")
done

echo
echo "== summary (medians)"
cat "$report"
