#!/usr/bin/env bash
# swapctl add and remove on the real kernel, on loop-mounted ext4, xfs and btrfs: the file is
# active with the asked priority, 0600 root, NOCOW on btrfs, its header reads back through
# libblkid with the UUID swapctl reported, fstab carries a managed entry; a re-run changes
# nothing; another size is refused; remove undoes all of it. Then --keep-file, --all (only
# managed entries) and --root (an image tree: btrfs subvolume, image fstab, no swapon).
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root
command -v blkid >/dev/null || kt_skip "blkid missing"

fstab=$KT_TMP/fstab
# A foreign line that must survive every edit byte for byte.
printf '# swapctl kernel test\nLABEL=nosuchlabel  /srv  ext4  defaults,nofail  0 2\n' >"$fstab"

jq_py() { # jq_py FILE EXPR -> prints the Python expression over the JSON in FILE as d
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
entry_opts() { # entry_opts PATH -> the options field of PATH's fstab line, or nothing
	awk -v p="$1" '$1 == p && $3 == "swap" { print $4 }' "$fstab"
}
prio_of() { awk -v p="$1" 'NR > 1 && $1 == p { print $5 }' /proc/swaps; }

check_fs() {
	local fs=$1 mnt f out=$KT_TMP/out uuid
	mnt=$(kt_mkfs "$fs" 256)
	f=$mnt/swapfile
	kt_track_swap "$f"
	kt_log "$fs: add"
	"$SWAPCTL" --fstab "$fstab" --json add 64M --path "$f" --priority 7 >"$out" ||
		kt_fail "$fs: add exit $?"
	[ "$(jq_py "$out" 'd["changed"]')" = True ] || kt_fail "$fs: add did not report a change"
	[ "$(jq_py "$out" '[a["size_bytes"] for a in d["actions"] if a["action"] == "create"][0]')" = 67108864 ] ||
		kt_fail "$fs: create action lacks size_bytes 67108864"
	uuid=$(jq_py "$out" '[a["uuid"] for a in d["actions"] if a["action"] == "create"][0]')
	kt_is_active "$f" || kt_fail "$fs: not in /proc/swaps"
	[ "$(prio_of "$f")" = 7 ] || kt_fail "$fs: priority $(prio_of "$f"), want 7"
	[ "$(stat -c '%a %u %g %h' "$f")" = "600 0 0 1" ] || kt_fail "$fs: mode/owner $(stat -c '%a %u %g %h' "$f")"
	[ "$(stat -c %s "$f")" = 67108864 ] || kt_fail "$fs: size $(stat -c %s "$f")"
	[ "$(blkid -p -o value -s TYPE "$f")" = swap ] || kt_fail "$fs: libblkid does not see a swap area"
	[ "$(blkid -p -o value -s UUID "$f")" = "$uuid" ] || kt_fail "$fs: UUID differs from the reported $uuid"
	if [ "$fs" = btrfs ]; then
		lsattr "$f" | awk '{ exit !($1 ~ /C/) }' || kt_fail "btrfs: file is not NOCOW: $(lsattr "$f")"
	fi
	case ",$(entry_opts "$f")," in
	*,x-swapctl,*) ;;
	*) kt_fail "$fs: no managed fstab entry: $(cat "$fstab")" ;;
	esac
	case ",$(entry_opts "$f")," in *,pri=7,*) ;; *) kt_fail "$fs: fstab lacks pri=7" ;; esac
	grep -qxF 'LABEL=nosuchlabel  /srv  ext4  defaults,nofail  0 2' "$fstab" || kt_fail "foreign line changed"

	kt_log "$fs: the same add again changes nothing"
	"$SWAPCTL" --fstab "$fstab" --json add 64M --path "$f" --priority 7 >"$out" ||
		kt_fail "$fs: re-run exit $?"
	[ "$(jq_py "$out" 'd["changed"]')" = False ] || kt_fail "$fs: re-run reported a change"
	[ "$(jq_py "$out" 'len(d["actions"])')" = 0 ] || kt_fail "$fs: re-run planned actions"

	kt_log "$fs: another size is refused"
	kt_expect_rc 3 "$SWAPCTL" --fstab "$fstab" add 128M --path "$f"
	[ "$(blkid -p -o value -s UUID "$f")" = "$uuid" ] || kt_fail "$fs: the refused add touched the file"

	kt_log "$fs: remove"
	"$SWAPCTL" --fstab "$fstab" --json remove "$f" >"$out" || kt_fail "$fs: remove exit $?"
	[ "$(jq_py "$out" 'd["changed"]')" = True ] || kt_fail "$fs: remove reported no change"
	! kt_is_active "$f" || kt_fail "$fs: still active after remove"
	[ ! -e "$f" ] || kt_fail "$fs: file still there after remove"
	[ -z "$(entry_opts "$f")" ] || kt_fail "$fs: fstab entry still there"
	grep -qxF 'LABEL=nosuchlabel  /srv  ext4  defaults,nofail  0 2' "$fstab" || kt_fail "foreign line changed"
	"$SWAPCTL" --fstab "$fstab" --json remove "$f" >"$out" || kt_fail "$fs: second remove exit $?"
	[ "$(jq_py "$out" 'd["changed"]')" = False ] || kt_fail "$fs: second remove reported a change"
	echo "ok: $fs add, verify, idempotent, refuse resize, remove"
}

check_fs ext4
check_fs xfs
check_fs btrfs

# --keep-file, then the crash-recovery paths of both commands.
mnt=$(kt_mkfs ext4 256)
f=$mnt/keep.swap
kt_track_swap "$f"
"$SWAPCTL" -q --fstab "$fstab" add 16M --path "$f" || kt_fail "keep: add"
"$SWAPCTL" -q --fstab "$fstab" remove --keep-file "$f" || kt_fail "keep: remove --keep-file"
! kt_is_active "$f" && [ -f "$f" ] && [ -z "$(entry_opts "$f")" ] || kt_fail "keep: state after --keep-file"
# add completes what is missing on an existing (inactive, unpersisted) swapfile
"$SWAPCTL" --fstab "$fstab" --json add 16M --path "$f" >"$KT_TMP/out" || kt_fail "keep: re-add"
[ "$(jq_py "$KT_TMP/out" '[a["action"] for a in d["actions"]]')" = "['swapon', 'fstab-add']" ] ||
	kt_fail "keep: re-add planned $(jq_py "$KT_TMP/out" '[a["action"] for a in d["actions"]]')"
kt_is_active "$f" || kt_fail "keep: re-add did not activate"
"$SWAPCTL" -q --fstab "$fstab" remove --keep-file "$f" || kt_fail "keep: second remove --keep-file"
# a named leftover swapfile (inactive, no entry) is deleted
"$SWAPCTL" -q --fstab "$fstab" remove "$f" || kt_fail "keep: remove leftover"
[ ! -e "$f" ] || kt_fail "keep: leftover not deleted"
# a named file that is no swap area is never deleted
echo data >"$mnt/notswap"
kt_expect_rc 3 "$SWAPCTL" -q --fstab "$fstab" remove "$mnt/notswap"
[ "$(cat "$mnt/notswap")" = data ] || kt_fail "a non-swap file was touched"
echo "ok: --keep-file, completing an add, deleting only swap areas"

# --no-enable persists without activating; a later add activates and leaves fstab alone.
f=$mnt/later.swap
kt_track_swap "$f"
"$SWAPCTL" -q --fstab "$fstab" add 16M --no-enable --path "$f" || kt_fail "no-enable: add"
! kt_is_active "$f" && [ -n "$(entry_opts "$f")" ] || kt_fail "no-enable: state"
"$SWAPCTL" --fstab "$fstab" --json add 16M --path "$f" >"$KT_TMP/out" || kt_fail "no-enable: second add"
[ "$(jq_py "$KT_TMP/out" '[a["action"] for a in d["actions"]]')" = "['swapon']" ] ||
	kt_fail "no-enable: second add planned $(jq_py "$KT_TMP/out" '[a["action"] for a in d["actions"]]')"
kt_is_active "$f" || kt_fail "no-enable: not activated by the second add"
"$SWAPCTL" -q --fstab "$fstab" remove "$f" || kt_fail "no-enable: remove"
echo "ok: --no-enable, then enabling on a later add"

# A file holding something else is never overwritten; libblkid names it.
mkfs.ext4 -q -F "$mnt/image.ext4" 8M >/dev/null 2>&1 || kt_fail "mkfs.ext4 on a file"
chmod 600 "$mnt/image.ext4"
kt_expect_rc 3 "$SWAPCTL" -q --fstab "$fstab" add 8M --path "$mnt/image.ext4" 2>"$KT_TMP/err"
grep -q "ext4 signature" "$KT_TMP/err" || kt_fail "foreign file: message $(cat "$KT_TMP/err")"
[ "$(blkid -p -o value -s TYPE "$mnt/image.ext4")" = ext4 ] || kt_fail "foreign file was touched"
echo "ok: a file with an ext4 signature is refused and named"

# A named block device: swapoff and the entry go, the device stays.
lo=$(kt_loop 16)
mkswap -q "$lo" >/dev/null && swapon -p 2 "$lo" || kt_fail "loop device swap"
kt_track_swap "$lo"
printf '%s none swap sw 0 0\n' "$lo" >>"$fstab"
"$SWAPCTL" --fstab "$fstab" --json remove "$lo" >"$KT_TMP/out" || kt_fail "device: remove exit $?"
[ "$(jq_py "$KT_TMP/out" '[a["action"] for a in d["actions"]]')" = "['swapoff', 'fstab-remove']" ] ||
	kt_fail "device: actions $(jq_py "$KT_TMP/out" '[a["action"] for a in d["actions"]]')"
! kt_is_active "$lo" && [ -b "$lo" ] && ! grep -qF "$lo " "$fstab" || kt_fail "device: state after remove"
[ "$(blkid -p -o value -s TYPE "$lo")" = swap ] || kt_fail "device: signature touched"
echo "ok: a named swap device is swapped off and unpersisted, never deleted"

# --all touches managed entries only; unmanaged swap goes only when named.
a=$mnt/a.swap b=$mnt/b.swap u=$mnt/unmanaged.swap
kt_track_swap "$a"
kt_track_swap "$b"
kt_track_swap "$u"
"$SWAPCTL" -q --fstab "$fstab" add 16M --path "$a" || kt_fail "all: add a"
"$SWAPCTL" -q --fstab "$fstab" add 16M --path "$b" --priority 3 || kt_fail "all: add b"
fallocate -l 16M "$u" && chmod 600 "$u" && mkswap -q "$u" >/dev/null && swapon -p 1 "$u" ||
	kt_fail "all: util-linux swapfile"
printf '%s none swap sw,pri=1 0 0\n' "$u" >>"$fstab"
"$SWAPCTL" --fstab "$fstab" --json remove --all >"$KT_TMP/out" || kt_fail "all: remove --all exit $?"
! kt_is_active "$a" && ! kt_is_active "$b" && [ ! -e "$a" ] && [ ! -e "$b" ] || kt_fail "all: managed areas left"
kt_is_active "$u" && [ -f "$u" ] || kt_fail "all: --all touched the unmanaged area"
grep -qxF "$u none swap sw,pri=1 0 0" "$fstab" || kt_fail "all: unmanaged fstab line changed"
"$SWAPCTL" -q --fstab "$fstab" remove "$u" || kt_fail "all: removing the named unmanaged area"
! kt_is_active "$u" && [ ! -e "$u" ] && ! grep -qF "$u" "$fstab" || kt_fail "all: named unmanaged not removed"
grep -qxF 'LABEL=nosuchlabel  /srv  ext4  defaults,nofail  0 2' "$fstab" || kt_fail "foreign line changed"
echo "ok: --all removes managed swapfiles only; unmanaged ones when named"

# --root: an image tree. The default location on btrfs is a subvolume; fstab gets the boot path.
for fs in btrfs ext4; do
	mnt=$(kt_mkfs "$fs" 256)
	mkdir -m 0755 "$mnt/etc"
	"$SWAPCTL" --root "$mnt" --json add 32M >"$KT_TMP/out" || kt_fail "root $fs: add exit $?"
	[ -f "$mnt/swap/swapfile" ] || kt_fail "root $fs: no /swap/swapfile in the image"
	[ "$(stat -c '%a %u' "$mnt/swap")" = "700 0" ] || kt_fail "root $fs: /swap mode $(stat -c %a "$mnt/swap")"
	! kt_is_active "$mnt/swap/swapfile" || kt_fail "root $fs: --root activated swap"
	grep -qE '^/swap/swapfile[[:space:]]+none[[:space:]]+swap[[:space:]].*x-swapctl' "$mnt/etc/fstab" ||
		kt_fail "root $fs: image fstab: $(cat "$mnt/etc/fstab")"
	if [ "$fs" = btrfs ]; then
		btrfs subvolume show "$mnt/swap" >/dev/null 2>&1 || kt_fail "root btrfs: /swap is not a subvolume"
		lsattr "$mnt/swap/swapfile" | awk '{ exit !($1 ~ /C/) }' || kt_fail "root btrfs: not NOCOW"
	fi
	"$SWAPCTL" --root "$mnt" --json add 32M >"$KT_TMP/out" || kt_fail "root $fs: re-run exit $?"
	[ "$(jq_py "$KT_TMP/out" 'd["changed"]')" = False ] || kt_fail "root $fs: re-run changed"
	"$SWAPCTL" -q --root "$mnt" remove /swap/swapfile || kt_fail "root $fs: remove"
	[ ! -e "$mnt/swap/swapfile" ] && ! grep -q swapfile "$mnt/etc/fstab" || kt_fail "root $fs: remove left things"
done
echo "ok: --root image trees (btrfs subvolume, image fstab, no swapon)"

# btrfs compression: the mount option and a directory property do not reach a NOCOW file.
mnt=$(kt_mkfs btrfs 256)
mount -o remount,compress-force=zstd "$mnt" || kt_skip "btrfs compress-force mount"
mkdir -m 0700 "$mnt/c"
btrfs property set "$mnt/c" compression zstd >/dev/null 2>&1 || kt_fail "btrfs property set"
f=$mnt/c/swapfile
kt_track_swap "$f"
"$SWAPCTL" -q --fstab "$fstab" add 32M --path "$f" || kt_fail "btrfs compression: add exit $?"
kt_is_active "$f" || kt_fail "btrfs compression: not active"
lsattr "$f" | awk '{ exit !($1 ~ /C/ && $1 !~ /c/) }' || kt_fail "btrfs compression: flags $(lsattr "$f")"
"$SWAPCTL" -q --fstab "$fstab" remove "$f" || kt_fail "btrfs compression: remove"
echo "ok: btrfs compress-force mount and compression property: NOCOW swapfile works"
