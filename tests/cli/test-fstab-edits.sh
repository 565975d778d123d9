#!/usr/bin/env bash
# fstab edits through the command line, on image trees (--root: files and fstab only, nothing
# activated): a line getmntent would read cut short is refused, with --dry-run too.
set -u
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"

fstype=$(stat -f -c %T "$tmp")
if [ "$(id -u)" != 0 ] || ! case $fstype in ext2/ext3 | xfs | btrfs) true ;; *) false ;; esac then
	echo "skipping the --root parts (uid $(id -u), $fstype)"
	[ "$fails" = 0 ] || exit 1
	exit 0
fi

image() { # image NAME: a fresh image tree with /etc and a root-owned /swap
	rm -rf "${tmp:?}/$1"
	mkdir -m 0755 "$tmp/$1" "$tmp/$1/etc"
	mkdir -m 0700 "$tmp/$1/swap"
	echo "$tmp/$1"
}

# A line getmntent would read cut short: exit 2, nothing created or written, dry run or not.
r=$(image long)
comp=$(printf 'x %.0s' $(seq 125))
d=/swap
for _ in 1 2 3 4 5 6; do d="$d/$comp"; done
mkdir -p "$r$d"
chmod -R 0700 "$r/swap"
printf '# image\n' >"$r/etc/fstab"
for dry in "" --dry-run; do
	check 2 "a path whose line is over 4095 bytes ${dry:-(real)}" \
		"$SWAPCTL" --root "$r" $dry add 1M --path "$d/$comp"
	grep -q '4095 bytes' "$tmp/err" && grep -qF "/swap/x x x" "$tmp/err" ||
		fail "the refusal names neither the limit nor the path: $(cut -c1-200 "$tmp/err")"
done
[ "$(cat "$r/etc/fstab")" = "# image" ] || fail "the refused add wrote fstab"
[ -z "$(ls -A "$r$d")" ] || fail "the refused add created a file"

[ "$fails" = 0 ] || exit 1
echo "all fstab edit checks passed"
