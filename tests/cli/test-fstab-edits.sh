#!/usr/bin/env bash
# fstab edits through the command line, on image trees (--root: files and fstab only, nothing
# activated): add then remove gives back the fstab byte for byte (also without a final newline,
# and an fstab add created is left empty); a line libmount and glibc getmntent read as
# different paths is the entry of either path for add, remove and status; a line getmntent
# would read cut short is refused, with --dry-run too.
set -u
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"

# status on a sysroot fixture needs nothing of this machine.
sys=$tmp/sys
cp -a "${SC_FIXTURE_DIR:?}/sysroot-basic" "$sys"
# The kernel escapes a backslash in /proc/swaps as \134: this area is "/srv/my swap\file".
{
	printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n'
	printf '/srv/my\\040swap\\134file\tfile\t\t40\t\t0\t\t-2\n'
} >"$sys/proc/swaps"
# glibc reads this source as /srv/my swap\file (libmount: /srv/my swap\\file).
printf '/srv/my\\040swap\\\\file none swap sw 0 0\n' >"$tmp/status.fstab"
check 0 "status with a source the readers disagree on" \
	env SWAPCTL_SYSROOT="$sys" "$SWAPCTL" --fstab "$tmp/status.fstab" status --json
python3 - "$tmp/out" <<'PY' || fail "status does not match the line glibc reads as the active area"
import json, sys
d = json.load(open(sys.argv[1]))
f = d["fstab"]
assert len(f) == 1 and f[0]["active"] is True and f[0]["exists"] is True, f
assert not [x for x in d["drift"] if x["target"].startswith("/srv/my")], d["drift"]
PY

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

# add then remove, in two runs, on an fstab without a final newline: the same bytes.
r=$(image nonl)
printf '# image\nUUID=0b7e0a52 / ext4 defaults 0 1' >"$r/etc/fstab"
cp "$r/etc/fstab" "$tmp/nonl.orig"
check 0 "add to an fstab without a final newline" "$SWAPCTL" --root "$r" add 1M
grep -q '^/swap/swapfile none swap ' "$r/etc/fstab" || fail "add: no line: $(cat "$r/etc/fstab")"
[ "$(tail -c 1 "$r/etc/fstab" | od -An -c | tr -d ' ')" != '\n' ] ||
	fail "add gave the file a final newline"
check 0 "remove it again" "$SWAPCTL" --root "$r" remove /swap/swapfile
cmp -s "$r/etc/fstab" "$tmp/nonl.orig" ||
	fail "add+remove changed the fstab: $(od -c "$r/etc/fstab" | tail -3)"
# ... and with a final newline.
printf '# image\nUUID=0b7e0a52 / ext4 defaults 0 1\n' >"$r/etc/fstab"
cp "$r/etc/fstab" "$tmp/nl.orig"
check 0 "add to an fstab with a final newline" "$SWAPCTL" --root "$r" add 1M
check 0 "remove it again (newline)" "$SWAPCTL" --root "$r" remove /swap/swapfile
cmp -s "$r/etc/fstab" "$tmp/nl.orig" || fail "add+remove changed the fstab with a final newline"

# An fstab that did not exist: add creates it without a backup, remove leaves it empty with
# the version it replaced as the backup; a second add writes what the first one did.
r=$(image new)
check 0 "add creates the fstab" "$SWAPCTL" --root "$r" add 1M
[ -f "$r/etc/fstab" ] || fail "add did not create the fstab"
[ "$(stat -c %a "$r/etc/fstab")" = 644 ] || fail "new fstab mode $(stat -c %a "$r/etc/fstab")"
[ ! -e "$r/etc/fstab.swapctl~" ] || fail "add of a new fstab left a backup"
cp "$r/etc/fstab" "$tmp/new.added"
check 0 "remove its only entry" "$SWAPCTL" --root "$r" remove /swap/swapfile
[ -f "$r/etc/fstab" ] && [ ! -s "$r/etc/fstab" ] || fail "remove did not leave an empty fstab"
cmp -s "$r/etc/fstab.swapctl~" "$tmp/new.added" || fail "the backup is not the version removed from"
check 0 "add again" "$SWAPCTL" --root "$r" add 1M
cmp -s "$r/etc/fstab" "$tmp/new.added" || fail "add on the emptied fstab wrote another line"

# A line glibc reads as the path asked for: add updates it (no second line), remove takes it.
r=$(image readers)
printf '/swap/my\\040swap\\\\file none swap sw 0 0\n' >"$r/etc/fstab"
check 0 "add a path glibc reads in an existing line" \
	"$SWAPCTL" --root "$r" add 1M --path '/swap/my swap\file'
[ "$(grep -c swap "$r/etc/fstab")" = 1 ] || fail "add made a second line: $(cat "$r/etc/fstab")"
grep -qF '/swap/my\040swap\134file none swap ' "$r/etc/fstab" ||
	fail "add did not write the path with the four escapes: $(cat "$r/etc/fstab")"
[ -f "$r/swap/my swap\\file" ] || fail "add did not create the file"
printf '/swap/my\\040swap\\\\file none swap sw 0 0\n' >>"$r/etc/fstab"
check 0 "remove with a second line glibc reads alike" \
	"$SWAPCTL" --root "$r" remove '/swap/my swap\file'
! grep -q swap "$r/etc/fstab" || fail "remove left a line: $(cat "$r/etc/fstab")"

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
