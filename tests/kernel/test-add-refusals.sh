#!/usr/bin/env bash
# What swapctl add refuses on the real kernel (exit 3, a message naming the reason) and that a
# refusal leaves nothing behind: tmpfs, overlay, btrfs raid1, a planted symlink (never
# followed, with fs.protected_symlinks off and on), a directory others can write, too little
# space, a read-only filesystem, a file already active under another name, a file backing a
# loop device, an immutable file, a filesystem with blocks larger than a page.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root

fstab=$KT_TMP/fstab
printf '# refusals\n' >"$fstab"
fstab_sum=$(md5sum <"$fstab")

refused() { # refused WHAT GREP_PATTERN swapctl-args... -> exit 3 with the pattern in stderr
	local what=$1 pat=$2 rc=0
	shift 2
	"$SWAPCTL" --fstab "$fstab" "$@" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	[ "$rc" = 3 ] || kt_fail "$what: exit $rc, want 3: $(cat "$KT_TMP/err")"
	grep -qi -- "$pat" "$KT_TMP/err" || kt_fail "$what: message lacks '$pat': $(cat "$KT_TMP/err")"
	[ "$(md5sum <"$fstab")" = "$fstab_sum" ] || kt_fail "$what: fstab was written"
	echo "ok: $what refused: $(head -n1 "$KT_TMP/err")"
}
empty_dir() { [ -z "$(ls -A "$1")" ] || kt_fail "$2: left behind in $1: $(ls -A "$1")"; }

# tmpfs and overlay (both answer swapon with a bare EINVAL)
t=$KT_TMP/tmpfs
mkdir -m 0755 "$t"
mount -t tmpfs -o size=64m,mode=0755 none "$t" || kt_skip "cannot mount tmpfs"
printf '%s\n' "$t" >>"$KT_TMP/.mounts"
refused tmpfs 'filesystem tmpfs' add 16M --path "$t/swapfile"
empty_dir "$t" tmpfs
mkdir -m 0755 "$t/lower" "$t/upper" "$t/work" "$KT_TMP/ovl"
if mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$KT_TMP/ovl"; then
	printf '%s\n' "$KT_TMP/ovl" >>"$KT_TMP/.mounts"
	chmod 0755 "$KT_TMP/ovl"
	refused overlay 'filesystem overlay' add 16M --path "$KT_TMP/ovl/swapfile"
	empty_dir "$t/upper" overlay
else
	echo "# overlay mount not available, skipping that case"
fi

# btrfs raid1 over two devices: "swapfile must have single data profile"
if command -v mkfs.btrfs >/dev/null; then
	d1=$(kt_loop 160)
	d2=$(kt_loop 160)
	mkfs.btrfs -q -f -d raid1 -m raid1 "$d1" "$d2" >/dev/null 2>&1 || kt_fail "mkfs.btrfs raid1"
	r1=$KT_TMP/raid1
	mkdir -m 0755 "$r1"
	mount "$d1" "$r1" || kt_fail "mount raid1"
	printf '%s\n' "$r1" >>"$KT_TMP/.mounts"
	refused "btrfs raid1" 'raid1' add 16M --path "$r1/swapfile"
	[ ! -e "$r1/swapfile" ] || kt_fail "raid1: file left behind"
fi

mnt=$(kt_mkfs ext4 64)

# A symlink planted at the target is never followed; the victim stays untouched.
victim=$KT_TMP/victim
echo precious >"$victim"
ln -s "$victim" "$mnt/swapfile"
saved=$(cat /proc/sys/fs/protected_symlinks)
kt_on_exit "echo $saved >/proc/sys/fs/protected_symlinks"
for ps in 0 1; do
	echo "$ps" >/proc/sys/fs/protected_symlinks
	refused "symlink at the target (protected_symlinks=$ps)" 'symbolic link' add 16M --path "$mnt/swapfile"
	[ "$(cat "$victim")" = precious ] && [ -L "$mnt/swapfile" ] || kt_fail "symlink: victim or link changed"
done
rm "$mnt/swapfile"
# ... nor a symlink on the way to it
mkdir -m 0700 "$mnt/real"
ln -s "$mnt/real" "$mnt/link"
refused "symlinked directory" 'symbolic link' add 16M --path "$mnt/link/swapfile"
empty_dir "$mnt/real" "symlinked directory"

# Directories others can write to or own.
mkdir -m 0777 "$mnt/open"
refused "world-writable directory" 'writable by everyone' add 16M --path "$mnt/open/swapfile"
chmod 1777 "$mnt/open"
refused "sticky world-writable directory" 'writable by everyone' add 16M --path "$mnt/open/swapfile"
mkdir -m 0700 "$mnt/nobody"
chown 65534 "$mnt/nobody"
refused "directory owned by nobody" 'owned by uid 65534' add 16M --path "$mnt/nobody/swapfile"
empty_dir "$mnt/open" "writable directory"
empty_dir "$mnt/nobody" "foreign directory"

# Too little space: nothing left, not even a hidden temp file.
mkdir -m 0700 "$mnt/full"
refused "too little space" 'too little free space' add 128M --path "$mnt/full/swapfile"
empty_dir "$mnt/full" "too little space"

# Already active under another name (a bind mount of the same directory).
f=$mnt/full/swapfile
kt_track_swap "$f"
"$SWAPCTL" -q --fstab "$fstab" add 8M --no-persist --path "$f" || kt_fail "add for the bind case"
mkdir -m 0755 "$KT_TMP/bind"
mount --bind "$mnt/full" "$KT_TMP/bind" || kt_fail "bind mount"
printf '%s\n' "$KT_TMP/bind" >>"$KT_TMP/.mounts"
refused "active under another name" 'already active as' add 8M --no-persist --path "$KT_TMP/bind/swapfile"
umount "$KT_TMP/bind"
swapoff "$f"

# A file backing a loop device: both would be accepted and corrupt each other.
lo=$(losetup -f --show "$f") || kt_fail "losetup on the swapfile"
printf '%s\n' "$lo" >>"$KT_TMP/.loops"
refused "loop-backing file" 'backs the loop device' add 8M --no-persist --path "$f"
losetup -d "$lo"
! kt_is_active "$f" || kt_fail "loop case activated the file"

# Immutable file: swapon would say EPERM, indistinguishable from missing privileges.
chattr +i "$f" || kt_fail "chattr +i"
kt_on_exit "chattr -i '$f' 2>/dev/null"
refused "immutable file" 'immutable' add 8M --no-persist --path "$f"
chattr -i "$f"

# Read-only filesystem.
mount -o remount,ro "$mnt" || kt_fail "remount ro"
refused "read-only filesystem" 'read-only' add 8M --no-persist --path "$mnt/full/other"
mount -o remount,rw "$mnt"

# Block size above the page size (XFS LBS): swapon gives a bare EINVAL.
if command -v mkfs.xfs >/dev/null; then
	lbs=$(kt_loop 300)
	if TEST_DIR=/tmp TEST_DEV=x QA_CHECK_FS=1 mkfs.xfs -q -f -b size=16384 "$lbs" >/dev/null 2>&1 &&
		mkdir -m 0755 "$KT_TMP/lbs" && mount "$lbs" "$KT_TMP/lbs" 2>/dev/null; then
		printf '%s\n' "$KT_TMP/lbs" >>"$KT_TMP/.mounts"
		chmod 0755 "$KT_TMP/lbs"
		refused "xfs with 16 KiB blocks" 'larger than the page size' add 16M --path "$KT_TMP/lbs/swapfile"
		empty_dir "$KT_TMP/lbs" "xfs lbs"
	else
		echo "# this kernel cannot mount xfs with 16 KiB blocks, skipping that case"
	fi
fi
