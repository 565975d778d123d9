#!/usr/bin/env bash
# --dry-run shows the fstab change as a unified diff (human) and changes nothing.
set -u
SWAPCTL=${SWAPCTL:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (swapfile directories must be root-owned)"; exit 77; }
printf '# keep me\nUUID=abc / ext4 defaults 0 1\n' >"$tmp/fstab"
cp "$tmp/fstab" "$tmp/fstab.orig"

"$SWAPCTL" --fstab "$tmp/fstab" --dry-run add 64M --path "$tmp/swap file" >"$tmp/out" || {
	echo "FAIL: dry-run add exit $?"
	exit 1
}
grep -qx '+++ b'"$tmp/fstab" "$tmp/out" || { echo "FAIL: no diff header"; cat "$tmp/out"; exit 1; }
grep -qx "+$tmp/swap\\\\040file none swap defaults,pri=10,x-swapctl,nofail 0 0" "$tmp/out" ||
	{ echo "FAIL: diff lacks the new line"; cat "$tmp/out"; exit 1; }
cmp -s "$tmp/fstab" "$tmp/fstab.orig" || { echo "FAIL: dry-run changed fstab"; exit 1; }
[ ! -e "$tmp/swap file" ] || { echo "FAIL: dry-run created the file"; exit 1; }
ls -A "$tmp" | grep -q swapctl && { echo "FAIL: dry-run left a temp file"; exit 1; }

printf '/srv/x.swap none swap defaults,pri=10,x-swapctl,nofail 0 0\n' >>"$tmp/fstab"
"$SWAPCTL" --fstab "$tmp/fstab" --dry-run remove /srv/x.swap >"$tmp/out" || {
	echo "FAIL: dry-run remove exit $?"
	exit 1
}
grep -qx -- '-/srv/x.swap none swap defaults,pri=10,x-swapctl,nofail 0 0' "$tmp/out" ||
	{ echo "FAIL: remove diff lacks the removed line"; cat "$tmp/out"; exit 1; }
grep -q '^/srv/x.swap' "$tmp/fstab" || { echo "FAIL: dry-run remove changed fstab"; exit 1; }
echo "ok: dry-run diffs"
