#!/usr/bin/env bash
# rotate, resize and priority on the command line: malformed arguments are exit 2 and change
# nothing; with nothing managed, rotate is a no-op; under --root (an image tree: no kernel)
# rotate, resize and priority --rotate replace the file and rewrite the image's fstab with
# boot paths, priority edits only fstab, and --dry-run --json prints the plan and changes
# nothing.
set -u
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"


printf '# cli test\n' >"$tmp/fstab"
cp "$tmp/fstab" "$tmp/fstab.orig"
A=("$SWAPCTL" --fstab "$tmp/fstab")

for s in 010G 0x10G 1e3 +1G 16Q 0 17T; do
	check 2 "rotate --size '$s'" "${A[@]}" rotate --size "$s"
	check 2 "resize to '$s'" "${A[@]}" resize "$tmp/swapfile" "$s"
done
check 2 "resize without a size" "${A[@]}" resize "$tmp/swapfile"
check 2 "resize of two files" "${A[@]}" resize "$tmp/a" "$tmp/b" 1G
check 2 "rotate --bogus" "${A[@]}" rotate --bogus
for p in -1 40000 32768 abc 010 " 5" ""; do
	check 2 "priority '$p'" "${A[@]}" priority "$tmp/swapfile" -- "$p"
done
check 2 "priority without N" "${A[@]}" priority "$tmp/swapfile"
check 2 "priority of a path ending in /" "${A[@]}" priority "$tmp/" 5
check 2 "priority of something that is not swap" "${A[@]}" --dry-run priority "$tmp/nothing" 5
check 2 "rotate of something that is not swap" "${A[@]}" --dry-run rotate "$tmp/nothing"
check 2 "--json resize of something that is not swap" "${A[@]}" --json resize "$tmp/nothing" 1G
[ "$(json "$tmp/out" 'd["error"]["exit_code"], d["changed"]')" = "(2, False)" ] ||
	fail "JSON of a refused resize: $(cat "$tmp/out")"
check 2 "--json priority -1" "${A[@]}" --json priority "$tmp/swapfile" -- -1
[ "$(json "$tmp/out" 'd["error"]["exit_code"]')" = 2 ] || fail "JSON of priority -1: $(cat "$tmp/out")"
for c in rotate resize priority; do
	check 0 "$c --help" "$SWAPCTL" "$c" --help
	grep -q "^Usage: swapctl $c" "$tmp/out" || fail "$c --help prints no usage"
done
cmp -s "$tmp/fstab" "$tmp/fstab.orig" || fail "usage errors changed fstab"

# Nothing managed: nothing to do, and the JSON says so.
check 0 "rotate with nothing managed" "${A[@]}" --json --dry-run rotate
[ "$(json "$tmp/out" 'd["changed"], len(d["actions"])')" = "(False, 0)" ] ||
	fail "empty rotate JSON: $(cat "$tmp/out")"

# An image tree: no kernel involved.
root=$tmp/root
mkdir -p "$root/etc" "$root/swap"
chmod 0755 "$root" "$root/etc"
chmod 0700 "$root/swap"
if ! "$SWAPCTL" -q --root "$root" add 1M --path /swap/swapfile >/dev/null 2>&1; then
	echo "SKIP: add cannot prepare an image tree here"
	[ "$fails" = 0 ] || exit 1
	exit 77
fi
grep -q '^/swap/swapfile none swap .*pri=10.*x-swapctl' "$root/etc/fstab" || fail "add: $(cat "$root/etc/fstab")"
cp "$root/etc/fstab" "$tmp/img.before"
check 0 "--root rotate --dry-run --json" "$SWAPCTL" --root "$root" --json --dry-run rotate
[ "$(json "$tmp/out" '" ".join(a["action"] for a in d["actions"])')" = "create fstab-replace unlink" ] ||
	fail "offline plan: $(cat "$tmp/out")"
[ "$(json "$tmp/out" 'd["changed"]')" = False ] || fail "dry-run says changed"
cmp -s "$root/etc/fstab" "$tmp/img.before" || fail "--dry-run changed the image's fstab"
[ "$(ls "$root/swap")" = swapfile ] || fail "--dry-run created files: $(ls "$root/swap")"

check 0 "--root rotate" "$SWAPCTL" --root "$root" rotate
[ "$(ls "$root/swap")" = swapfile.1 ] || fail "after rotate: $(ls "$root/swap")"
grep -q '^/swap/swapfile.1 none swap .*pri=10.*x-swapctl' "$root/etc/fstab" ||
	fail "rotate: fstab $(cat "$root/etc/fstab")"

check 0 "--root resize" "$SWAPCTL" --root "$root" resize /swap/swapfile.1 2M
[ "$(ls "$root/swap")" = swapfile.2 ] || fail "after resize: $(ls "$root/swap")"
[ "$(stat -c %s "$root/swap/swapfile.2")" = $((2 << 20)) ] || fail "resize: wrong size"
check 0 "--root resize to the same size" "$SWAPCTL" --root "$root" --json resize /swap/swapfile.2 2M
[ "$(json "$tmp/out" 'd["changed"]')" = False ] || fail "same-size resize changed something"

check 0 "--root priority (fstab only)" "$SWAPCTL" --root "$root" priority /swap/swapfile.2 5
grep -q '^/swap/swapfile.2 none swap .*pri=5' "$root/etc/fstab" || fail "priority: $(cat "$root/etc/fstab")"
[ "$(ls "$root/swap")" = swapfile.2 ] || fail "priority touched the file"

check 0 "--root priority --rotate" "$SWAPCTL" --root "$root" --json priority --rotate /swap/swapfile.2 6
[ "$(ls "$root/swap")" = swapfile.3 ] || fail "priority --rotate: $(ls "$root/swap")"
grep -q '^/swap/swapfile.3 none swap .*pri=6' "$root/etc/fstab" || fail "priority --rotate: fstab"
[ "$(json "$tmp/out" 'd["actions"][1]["priority"]')" = 6 ] || fail "priority --rotate JSON"

# Not enough room for both files: refused before anything is made.
check 3 "--root resize beyond the filesystem" "$SWAPCTL" --root "$root" resize /swap/swapfile.3 8T
grep -q 'no room for the replacement' "$tmp/err" || fail "no-room message: $(cat "$tmp/err")"
[ "$(ls "$root/swap")" = swapfile.3 ] || fail "refused resize left files"

# A header label that fills all 16 bytes (mkswap writes at most 15): the replacement could
# not keep it, so rotate refuses before it plans anything, --dry-run included.
printf 0123456789abcde | dd of="$root/swap/swapfile.3" bs=1 seek=1052 conv=notrunc status=none
check 0 "resize keeps a label of 15 bytes" "$SWAPCTL" --root "$root" resize /swap/swapfile.3 1M
[ "$(dd if="$root/swap/swapfile.4" bs=1 skip=1052 count=16 status=none | od -A n -c | tr -d ' ')" = \
	'0123456789abcde\0' ] || fail "resize lost the 15-byte label"
printf f | dd of="$root/swap/swapfile.4" bs=1 seek=1067 conv=notrunc status=none
cp "$root/etc/fstab" "$tmp/img.before"
for c in "--dry-run rotate" rotate "resize /swap/swapfile.4 2M"; do
	# shellcheck disable=SC2086
	check 2 "$c with a 16-byte label" "$SWAPCTL" --root "$root" $c
	grep -qF "swapfile.4: its label '0123456789abcdef' is 16 bytes and a swap label holds at most 15" \
		"$tmp/err" || fail "$c with a 16-byte label: $(cat "$tmp/err")"
done
[ "$(ls "$root/swap")" = swapfile.4 ] || fail "refused rotate left files: $(ls "$root/swap")"
cmp -s "$root/etc/fstab" "$tmp/img.before" || fail "refused rotate changed the image's fstab"

[ "$fails" = 0 ] || exit 1
