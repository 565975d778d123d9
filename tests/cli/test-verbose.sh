#!/usr/bin/env bash
# -v names every change as it is made, in order; under --dry-run no change is named (a dry
# run makes none).
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (swapfile directories must be root-owned)"; exit 77; }

d="$tmp/d"
mkdir -m 0700 "$d"
: >"$d/fstab"

check 0 "-v --dry-run add" "$SWAPCTL" -v --dry-run --fstab "$d/fstab" add 1M --no-enable --path "$d/sf"
grep -q '^swapctl: ' "$tmp/err" && fail "--dry-run -v named changes: $(cat "$tmp/err")"

check 0 "-v add" "$SWAPCTL" -v --fstab "$d/fstab" add 1M --no-enable --path "$d/sf"
for want in "swapctl: lock " "create an unnamed file in $d" "allocate 1048576 bytes at 0 in" \
	"write 4096 bytes at 0 to" "link /proc/self/fd/" "as $d/sf" \
	"rename $d/.fstab.swapctl-" "to $d/fstab" "swapctl: unlock "; do
	grep -qF -- "$want" "$tmp/err" || fail "-v add does not say '$want'"
done
# In order: the file exists before fstab names it.
a=$(grep -n "as $d/sf" "$tmp/err" | head -1 | cut -d: -f1)
b=$(grep -n "to $d/fstab" "$tmp/err" | head -1 | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "-v add: the file is not linked before fstab is renamed"

check 0 "-v remove" "$SWAPCTL" -v --fstab "$d/fstab" remove "$d/sf"
grep -qF "remove $d/sf" "$tmp/err" || fail "-v remove does not name the unlink"

# --no-persist: fstab is not touched, and -v shows it.
check 0 "-v add --no-persist" "$SWAPCTL" -v --fstab "$d/fstab" add 1M --no-enable --no-persist --path "$d/sf2"
grep -q "rename .*fstab" "$tmp/err" && fail "--no-persist renamed fstab"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "verbose checks passed"
