#!/usr/bin/env bash
# swapctl add / remove on the command line: malformed sizes, priorities and options are exit 2
# and change nothing; --dry-run --json prints the plan (a create action with the final,
# page-rounded size_bytes) without side effects; --root prepares an image tree (file, image
# fstab with the boot path) and never activates anything.
set -u
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
cleanup() {
	# anything a failing check activated under the temp dir goes first
	awk -v t="$tmp/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps |
		while IFS= read -r p; do swapoff "$(printf '%b' "${p//\\/\\0}")" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
pagesize=$(getconf PAGESIZE)


mkdir -m 0700 "$tmp/d"
printf '# cli test\n' >"$tmp/fstab"
A=("$SWAPCTL" --fstab "$tmp/fstab")

# Malformed or out-of-range sizes.
for s in 010G 0x10G 1.5 1e3 +1G " 1G" 1G. 16Q "" 0 $((9 * pagesize)) 17T; do
	check 2 "size '$s'" "${A[@]}" add -- "$s" --path "$tmp/d/swapfile"
done
check 2 "size -1G (an option to getopt)" "${A[@]}" add -1G --path "$tmp/d/swapfile"
check 2 "size -1G after --" "${A[@]}" add --path "$tmp/d/swapfile" -- -1G
check 2 "no size" "${A[@]}" add --path "$tmp/d/swapfile"
check 2 "two sizes" "${A[@]}" add 1G 2G --path "$tmp/d/swapfile"
for p in 40000 32768 -2 -1.5 010 0x10 " 5" abc; do
	check 2 "priority '$p'" "${A[@]}" add 1M --priority "$p" --path "$tmp/d/swapfile"
done
check 2 "--discard=bogus" "${A[@]}" add 1M --discard=bogus --path "$tmp/d/swapfile"
check 2 "label of 17 bytes" "${A[@]}" add 1M --label 0123456789abcdefg --path "$tmp/d/swapfile"
# mkswap keeps 15 label bytes, cutting the rest even inside a UTF-8 character: refused instead.
check 2 "label of 16 bytes" "${A[@]}" add 1M --label 0123456789abcdef --path "$tmp/d/swapfile"
grep -qF "label '0123456789abcdef' is 16 bytes; a swap label holds at most 15" "$tmp/err" ||
	fail "16-byte label: message $(cat "$tmp/err")"
check 2 "UTF-8 label of 16 bytes" "${A[@]}" add 1M --label "éééééééé" --path "$tmp/d/swapfile"
grep -qF "is 16 bytes; a swap label holds at most 15" "$tmp/err" ||
	fail "16-byte UTF-8 label: message $(cat "$tmp/err")"
check 2 "empty label" "${A[@]}" add 1M --label "" --path "$tmp/d/swapfile"
check 2 "--reserve junk" "${A[@]}" add 1M --reserve 5X --path "$tmp/d/swapfile"
check 2 "--path to a directory" "${A[@]}" add 1M --path "$tmp/d/"
check 2 "--path .." "${A[@]}" add 1M --path "$tmp/d/.."
check 2 "--path with a control character" "${A[@]}" add 1M --path "$tmp/d/a$(printf '\001')b"
check 2 "relative --path with --root" "${A[@]}" --root "$tmp" add 1M --path swapfile
check 2 "unknown option" "${A[@]}" add 1M --bogus
check 0 "add --help" "$SWAPCTL" add --help
grep -q '^Usage: swapctl add SIZE|auto' "$tmp/out" || fail "add --help text"
check 2 "remove without operands" "${A[@]}" remove
check 2 "remove --all with operands" "${A[@]}" remove --all "$tmp/d/swapfile"
check 2 "remove unknown option" "${A[@]}" remove --bogus x
check 0 "remove --help" "$SWAPCTL" remove --help
grep -q '^Usage: swapctl remove' "$tmp/out" || fail "remove --help text"
[ -z "$(ls -A "$tmp/d")" ] || fail "usage errors left files: $(ls -A "$tmp/d")"
[ "$(cat "$tmp/fstab")" = "# cli test" ] || fail "usage errors touched fstab"

# The rest creates files: it needs root (swapfiles are root's) and a filesystem that can hold
# swapfiles under the temp dir.
fstype=$(stat -f -c %T "$tmp")
if [ "$(id -u)" != 0 ] || ! case $fstype in ext2/ext3 | xfs | btrfs) true ;; *) false ;; esac then
	echo "skipping the dry-run and --root parts (uid $(id -u), $fstype)"
	[ "$fails" = 0 ] || exit 1
	exit 0
fi

# --dry-run --json: the plan, nothing done. 1.7M is rounded down to whole pages.
check 0 "dry-run json" "${A[@]}" --dry-run --json add 1.7M --path "$tmp/d/swapfile" --label tst
want=$(((1782579 / pagesize) * pagesize))
[ "$(json "$tmp/out" '[a["size_bytes"] for a in d["actions"] if a["action"] == "create"]')" = "[$want]" ] ||
	fail "dry-run: create size_bytes, want $want: $(cat "$tmp/out")"
[ "$(json "$tmp/out" 'd["changed"]')" = False ] || fail "dry-run: changed is not false"
[ "$(json "$tmp/out" '[a["action"] for a in d["actions"]]')" = "['create', 'swapon', 'fstab-add']" ] ||
	fail "dry-run: actions $(json "$tmp/out" '[a["action"] for a in d["actions"]]')"
[ "$(json "$tmp/out" 'all(a["done"] is False for a in d["actions"])')" = True ] || fail "dry-run: done actions"
[ -z "$(ls -A "$tmp/d")" ] || fail "dry-run created files"
[ "$(cat "$tmp/fstab")" = "# cli test" ] || fail "dry-run wrote fstab"
# (other swap areas may come and go meanwhile: only ours must not exist)
! grep -qF "$tmp/" /proc/swaps || fail "dry-run activated swap"
check 0 "dry-run human" "${A[@]}" -n add 1M --path "$tmp/d/swapfile"
grep -q '^would create ' "$tmp/out" || fail "dry-run human output: $(cat "$tmp/out")"

# auto: Red Hat's table on this machine's RAM, capped by the free space after the reserve.
check 0 "dry-run auto" "${A[@]}" --dry-run --json add auto --path "$tmp/d/swapfile"
python3 - "$tmp/out" "$tmp/d" "$pagesize" <<'PY' || fail "auto size"
import json, os, sys
d = json.load(open(sys.argv[1]))
ps = int(sys.argv[3])
mem = [int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal:")][0]
G, M = 1 << 30, 1 << 20
want = 2 * mem if mem <= 2 * G else mem if mem <= 8 * G else 4 * G
want = want // M * M
st = os.statvfs(sys.argv[2])
reserve = min(st.f_blocks * st.f_bsize // 20, G)
cap = max(st.f_bavail * st.f_bsize - reserve, 0) // ps * ps
want = min(want, cap) // ps * ps
got = [a["size_bytes"] for a in d["actions"] if a["action"] == "create"][0]
# free space moves a little between the two readings; the policy must still be visible
assert abs(got - want) <= 64 * M, (got, want)
PY

# --root: the file in the image, the image's fstab with the boot path, no swapon.
mkdir -m 0755 "$tmp/root" "$tmp/root/etc"
check 0 "--root add" "$SWAPCTL" --root "$tmp/root" --json add 1M
[ -f "$tmp/root/swap/swapfile" ] || fail "--root: no swapfile in the image"
[ "$(stat -c '%a' "$tmp/root/swap")" = 700 ] || fail "--root: /swap mode"
[ "$(stat -c '%a %u' "$tmp/root/swap/swapfile")" = "600 0" ] || fail "--root: swapfile mode"
grep -qE '^/swap/swapfile[[:space:]]+none[[:space:]]+swap[[:space:]]+[^[:space:]]*x-swapctl' "$tmp/root/etc/fstab" ||
	fail "--root: image fstab: $(cat "$tmp/root/etc/fstab" 2>&1)"
! grep -q "$tmp" "$tmp/root/etc/fstab" || fail "--root: fstab has the build path"
[ "$(json "$tmp/out" '[a["action"] for a in d["actions"]]')" = "['mkdir', 'create', 'fstab-add']" ] ||
	fail "--root: actions $(json "$tmp/out" '[a["action"] for a in d["actions"]]')"
! grep -qF "$tmp/root" /proc/swaps || fail "--root: activated swap"
check 0 "--root add again" "$SWAPCTL" --root "$tmp/root" --json add 1M
[ "$(json "$tmp/out" 'd["changed"]')" = False ] || fail "--root: re-run changed"
check 3 "--root other size" "$SWAPCTL" --root "$tmp/root" add 2M
grep -q "swapctl resize" "$tmp/err" || fail "--root: no resize hint"
check 0 "--root remove" "$SWAPCTL" --root "$tmp/root" remove /swap/swapfile
[ ! -e "$tmp/root/swap/swapfile" ] || fail "--root remove left the file"
! grep -q swapfile "$tmp/root/etc/fstab" || fail "--root remove left the entry"

# A 15-byte UTF-8 label: the header is the one mkswap writes for the same UUID and label.
label="swpé日本💾"
mkdir -m 0755 "$tmp/root2" "$tmp/root2/etc"
check 0 "--root add with a 15-byte label" "$SWAPCTL" --root "$tmp/root2" add 1M --label "$label"
if command -v mkswap >/dev/null; then
	f=$tmp/root2/swap/swapfile
	uuid=$(od -A n -t x1 -j 1036 -N 16 "$f" | tr -d ' \n' |
		sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/')
	truncate -s "$(stat -c %s "$f")" "$tmp/mk" && chmod 0600 "$tmp/mk"
	mkswap -q -U "$uuid" -L "$label" -p "$pagesize" "$tmp/mk" >/dev/null 2>&1 ||
		fail "mkswap on $tmp/mk"
	cmp -n "$pagesize" "$f" "$tmp/mk" || fail "15-byte label: header differs from mkswap's"
fi

[ "$fails" = 0 ] || exit 1
echo "all add/remove usage checks passed"
