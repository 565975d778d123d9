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
#   kt_on_exit 'shell command'          # run at exit (before swaps, mounts and loops go)
#   kt_skip "reason"                    # print the reason, exit 77
#   kt_fail "message"                   # print, exit 1

set -u
SWAPCTL=${SWAPCTL:?SWAPCTL must point at the built binary}
KT_TMP=$(mktemp -d /tmp/swapctl-kt.XXXXXX)
# Resources are recorded in files, not shell arrays, because helpers such as kt_mkfs run in
# command substitutions (subshells) whose variables would be lost.
: >"$KT_TMP/.swaps" >"$KT_TMP/.zrams" >"$KT_TMP/.mounts" >"$KT_TMP/.loops" >"$KT_TMP/.cleanups"

kt_cleanup() {
	local rc=$? line z
	trap - EXIT
	set +e
	tac "$KT_TMP/.cleanups" | while IFS= read -r line; do eval "$line"; done
	# not active (EINVAL) or already gone (ENOENT) are both fine here
	tac "$KT_TMP/.swaps" | while IFS= read -r line; do swapoff -- "$line" 2>/dev/null; done
	tac "$KT_TMP/.zrams" | while IFS= read -r z; do
		[ -e "/sys/block/zram$z" ] || continue
		swapoff "/dev/zram$z" 2>/dev/null
		echo 1 >"/sys/block/zram$z/reset" 2>/dev/null
		echo "$z" >/sys/class/zram-control/hot_remove 2>/dev/null
	done
	tac "$KT_TMP/.mounts" | while IFS= read -r line; do
		# a swapfile left active by a failed step must not pin the mount
		kt_active_paths | while IFS= read -r p; do
			case $p in "$line"/*) swapoff -- "$p" 2>/dev/null ;; esac
		done
		umount -- "$line" 2>/dev/null || umount -l -- "$line" 2>/dev/null
	done
	tac "$KT_TMP/.loops" | while IFS= read -r line; do losetup -d "$line" 2>/dev/null; done
	# never recurse into a mount that could not be removed
	if ! grep -qF " $KT_TMP/" /proc/mounts; then
		rm -rf -- "$KT_TMP"
	fi
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

kt_track_swap() { printf '%s\n' "$1" >>"$KT_TMP/.swaps"; }
kt_track_zram() { printf '%s\n' "$1" >>"$KT_TMP/.zrams"; }
kt_on_exit() { printf '%s\n' "$1" >>"$KT_TMP/.cleanups"; }

# kt_loop SIZE_MIB -> attaches a fresh sparse image, prints the loop device
kt_loop() {
	local img dev
	img=$(mktemp "$KT_TMP/img.XXXXXX")
	truncate -s "${1}M" "$img"
	dev=$(losetup -f --show "$img") || kt_skip "cannot attach a loop device"
	printf '%s\n' "$dev" >>"$KT_TMP/.loops"
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
	printf '%s\n' "$mnt" >>"$KT_TMP/.mounts"
	chmod 0755 "$mnt"
	echo "$mnt"
}

# kt_active_paths -> the active swap areas' paths, unescaped (\040 etc.), one per line
kt_active_paths() {
	python3 -c 'import re
for l in open("/proc/swaps").read().splitlines()[1:]:
    print(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), l.split()[0]))'
}

# kt_is_active PATH -> 0 when /proc/swaps lists PATH
kt_is_active() { kt_active_paths | grep -qxF -- "$1"; }

# kt_expect_rc WANT CMD... -> runs CMD, fails the test unless it exits WANT
kt_expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] || kt_fail "exit $rc, want $want: $*"
}
