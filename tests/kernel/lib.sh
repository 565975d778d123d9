# Shared helpers for the real-kernel tests (sourced, not run).
#
# Every resource a test makes is registered here and released by the EXIT trap, in reverse
# order: swap areas it activated, zram devices it hot-added, mounts, loop devices, temp dirs.
# Tests never touch anything they did not make (zram0, the machine's fstab and sysctl files,
# foreign swap areas and loop devices are off limits).
#
#   source "$SC_SOURCE_DIR/tests/kernel/lib.sh"
#   kt_require_root                     # skip (77) unless root with loop devices
#   mnt=$(kt_mkfs ext4 256)             # loop-mounted fresh fs of 256 MiB; prints mount point
#   kt_track_swap /path                 # swapoff it at exit if still active
#   kt_track_zram 3                     # reset + hot_remove zram3 at exit
#   kt_skip "reason"                    # print the reason, exit 77
#   kt_fail "message"                   # print, exit 1

set -u
SWAPCTL=${SWAPCTL:?SWAPCTL must point at the built binary}
KT_TMP=$(mktemp -d /tmp/swapctl-kt.XXXXXX)
KT_SWAPS=()
KT_ZRAMS=()
KT_MOUNTS=()
KT_LOOPS=()
KT_CLEANUPS=()

kt_cleanup() {
	local rc=$? i
	for ((i = ${#KT_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${KT_CLEANUPS[i]}" || true; done
	for ((i = ${#KT_SWAPS[@]} - 1; i >= 0; i--)); do
		if awk 'NR > 1 { print $1 }' /proc/swaps | grep -qxF -- "${KT_SWAPS[i]}"; then
			swapoff -- "${KT_SWAPS[i]}" 2>/dev/null || true
		fi
	done
	for ((i = ${#KT_ZRAMS[@]} - 1; i >= 0; i--)); do
		local z=${KT_ZRAMS[i]}
		[ -e "/sys/block/zram$z" ] || continue
		swapoff "/dev/zram$z" 2>/dev/null || true
		echo 1 >"/sys/block/zram$z/reset" 2>/dev/null || true
		echo "$z" >/sys/class/zram-control/hot_remove 2>/dev/null || true
	done
	for ((i = ${#KT_MOUNTS[@]} - 1; i >= 0; i--)); do umount -l -- "${KT_MOUNTS[i]}" 2>/dev/null || true; done
	for ((i = ${#KT_LOOPS[@]} - 1; i >= 0; i--)); do losetup -d "${KT_LOOPS[i]}" 2>/dev/null || true; done
	rm -rf -- "$KT_TMP"
	exit "$rc"
}
trap kt_cleanup EXIT
trap 'exit 130' INT TERM HUP

kt_skip() { echo "SKIP: $*"; exit 77; }
kt_fail() { echo "FAIL: $*" >&2; exit 1; }
kt_log() { echo "# $*"; }

kt_require_root() {
	[ "$(id -u)" = 0 ] || kt_skip "needs root"
	command -v losetup >/dev/null || kt_skip "losetup missing"
	[ -e /dev/loop-control ] || kt_skip "no loop device support"
	[ -r /proc/swaps ] || kt_skip "no /proc/swaps"
}

kt_track_swap() { KT_SWAPS+=("$1"); }
kt_track_zram() { KT_ZRAMS+=("$1"); }
kt_on_exit() { KT_CLEANUPS+=("$1"); }

# kt_loop SIZE_MIB -> attaches a fresh sparse image, prints the loop device
kt_loop() {
	local img dev
	img=$(mktemp "$KT_TMP/img.XXXXXX")
	truncate -s "${1}M" "$img"
	dev=$(losetup -f --show "$img") || kt_skip "cannot attach a loop device"
	KT_LOOPS+=("$dev")
	echo "$dev"
}

# kt_mkfs TYPE SIZE_MIB [mkfs options...] -> prints the mount point of a fresh filesystem
kt_mkfs() {
	local type=$1 size=$2 dev mnt
	shift 2
	command -v "mkfs.$type" >/dev/null || kt_skip "mkfs.$type not installed"
	grep -qw "$type" /proc/filesystems || modprobe "$type" 2>/dev/null ||
		grep -qw "$type" /proc/filesystems || kt_skip "kernel has no $type"
	dev=$(kt_loop "$size")
	case $type in
	xfs) TEST_DIR=/tmp TEST_DEV=x QA_CHECK_FS=1 mkfs.xfs -q -f "$@" "$dev" >/dev/null 2>&1 ||
		kt_skip "mkfs.xfs failed" ;;
	btrfs) mkfs.btrfs -q -f "$@" "$dev" >/dev/null 2>&1 || kt_skip "mkfs.btrfs failed" ;;
	*) "mkfs.$type" -q -F "$@" "$dev" >/dev/null 2>&1 || kt_skip "mkfs.$type failed" ;;
	esac
	mnt=$(mktemp -d "$KT_TMP/mnt.XXXXXX")
	mount "$dev" "$mnt" || kt_skip "cannot mount $type"
	KT_MOUNTS+=("$mnt")
	chmod 0755 "$mnt"
	echo "$mnt"
}

# kt_is_active PATH -> 0 when /proc/swaps lists PATH
kt_is_active() { awk 'NR > 1 { print $1 }' /proc/swaps | grep -qxF -- "$1"; }

# kt_expect_rc WANT CMD... -> runs CMD, fails the test unless it exits WANT
kt_expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] || kt_fail "exit $rc, want $want: $*"
}
