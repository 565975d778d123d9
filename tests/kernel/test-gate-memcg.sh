#!/usr/bin/env bash
# The swapoff safety gate on the real kernel (docs/kernel-notes.md: swapoff).
#
# A process limited to 24 MiB by a memory cgroup holds 64 MiB of known data, most of it in
# a swapfile that is the only swap area. swapoff of that file would charge the pages back to
# the cgroup and OOM-kill the process (then fail with ENOMEM), although the machine has GiB
# free. So:
#  1. priority FILE N (and remove FILE, where that command exists) are refused with exit 3,
#     naming the cgroup; the process is alive, the area, file and fstab line are unchanged;
#  2. priority --rotate FILE N (make-before-break) is allowed on the same only area: the
#     replacement is room for the pages and for the cgroup's memory; the process is alive;
#  3. a second area that can hold the area's used pages but not those and the cgroup's
#     memory as well: the in-place change is refused, naming the cgroup (during a swapoff the
#     kernel counts free(other areas) - used(area) as its free swap, and cgroup reclaim that
#     writes the cgroup's pages there while they are still in memory drives it to zero, then
#     reclaims nothing and OOM-kills: measured with this shape); nothing is changed;
#  4. with a second area that has room for both, the in-place change is allowed and the
#     process keeps every byte (cgroup reclaim pushes its pages to the second area);
#  5. --force on the only area: the swapoff child fails or is killed, swapctl survives and
#     reports it with exit 1, and the area stays active with fstab unchanged.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
source "$SC_SOURCE_DIR/tests/kernel/memcg.sh"
kt_require_root
kt_memcg_require
command -v mkswap >/dev/null || kt_skip "mkswap missing"

mnt=$(kt_mkfs ext4 256 -b 4096 -m 0)
kt_no_foreign_swap "$mnt"
mkdir -m 0700 "$mnt/swap"
f="$mnt/swap/swapfile"
fallocate -l 100M "$f" && chmod 600 "$f" && mkswap -q "$f" >/dev/null || kt_fail "mkswap"
swapon -p 10 "$f" || kt_skip "swapon on a loop-mounted ext4 file failed"
kt_track_swap "$f"
fstab="$KT_TMP/fstab"
printf '# test fstab\n%s none swap defaults,pri=10,x-swapctl 0 0\n' "$f" >"$fstab"
cp "$fstab" "$KT_TMP/fstab.before"

cg=$(kt_memcg_create 24)
kt_hog_start "$cg" 64
used=$(kt_swap_field "$f" used)
kt_log "hog in $cg: $used KiB on $f"
[ "${used:-0}" -ge $((32 * 1024)) ] || kt_fail "only ${used:-0} KiB of the hog reached $f"
kt_no_foreign_swap "$mnt"

unchanged() {
	kill -0 "$HOG_PID" 2>/dev/null || kt_fail "$1: the process was killed"
	kt_is_active "$f" || kt_fail "$1: $f is no longer active"
	[ "$(kt_swap_field "$f" prio)" = 10 ] || kt_fail "$1: priority changed"
	[ -f "$f" ] || kt_fail "$1: $f is gone"
	cmp -s "$fstab" "$KT_TMP/fstab.before" || kt_fail "$1: fstab changed"
	[ ! -e "$fstab.swapctl-rotation" ] || kt_fail "$1: a rotation journal was left"
}

# 1. Refused, with the cgroup named, and nothing touched.
rc=0
"$SWAPCTL" --fstab "$fstab" priority "$f" 20 2>"$KT_TMP/err" || rc=$?
cat "$KT_TMP/err"
[ "$rc" = 3 ] || kt_fail "priority on the only area: exit $rc, want 3"
grep -qF "memory cgroup $cg " "$KT_TMP/err" || kt_fail "the refusal does not name $cg"
grep -qF -- "--force overrides" "$KT_TMP/err" || kt_fail "the refusal does not say --force"
unchanged "priority refused"

rc=0
"$SWAPCTL" --fstab "$fstab" --json priority "$f" 20 >"$KT_TMP/out" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || kt_fail "priority --json: exit $rc, want 3"
python3 - "$KT_TMP/out" "$cg" <<'PY' || kt_fail "the JSON gate figures are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
g = d["gates"][0]
assert g["allowed"] is False and g["cgroups_ok"] is False, g
assert d["changed"] is False, d
b = [x for x in g["blocking_cgroups"] if x["path"] == sys.argv[2]]
assert b, g["blocking_cgroups"]
assert b[0]["limit_bytes"] == 24 << 20, b
assert b[0]["need_bytes"] > b[0]["limit_bytes"] - b[0]["usage_bytes"], b
assert b[0]["reclaim_room_bytes"] == g["victim_used_bytes"] + b[0]["usage_bytes"], b
PY
unchanged "priority --json refused"

if "$SWAPCTL" remove --help >/dev/null 2>&1; then
	rc=0
	"$SWAPCTL" --fstab "$fstab" remove "$f" 2>"$KT_TMP/err" || rc=$?
	cat "$KT_TMP/err"
	[ "$rc" = 3 ] || kt_fail "remove of the only area: exit $rc, want 3"
	grep -qF "memory cgroup $cg " "$KT_TMP/err" || kt_fail "remove's refusal does not name $cg"
	[ "$(grep -o -- "--force" "$KT_TMP/err" | wc -l)" = 1 ] ||
		kt_fail "remove's refusal should mention --force once"
	unchanged "remove refused"
else
	kt_log "no remove command in this build: checked through priority only"
fi

# 2. The same change make-before-break: the replacement is room for the pages and the
#    cgroup's memory.
"$SWAPCTL" --fstab "$fstab" priority --rotate "$f" 20 || kt_fail "priority --rotate: exit $?"
kill -0 "$HOG_PID" 2>/dev/null || kt_fail "priority --rotate: the process was killed"
kt_is_active "$f" && kt_fail "priority --rotate: the old area is still active"
f="$mnt/swap/swapfile.1"
[ "$(kt_swap_field "$f" prio)" = 20 ] || kt_fail "priority --rotate: replacement not at 20"
grep -q "^$f none swap defaults,pri=20,x-swapctl 0 0\$" "$fstab" || kt_fail "priority --rotate: fstab"

rotated_unchanged() {
	kill -0 "$HOG_PID" 2>/dev/null || kt_fail "$1: the process was killed"
	kt_is_active "$f" || kt_fail "$1: $f is no longer active"
	[ "$(kt_swap_field "$f" prio)" = 20 ] || kt_fail "$1: priority changed"
	grep -q "^$f none swap defaults,pri=20,x-swapctl 0 0\$" "$fstab" || kt_fail "$1: fstab changed"
}

# 3. A second area with room for the used pages (+ half the cgroup's memory), not for both.
used=$(kt_swap_field "$f" used)
usage=$(($(cat "$KT_MEMCG_ROOT$cg/memory.usage_in_bytes") / 1024))
small="$mnt/small"
fallocate -l $(((used + usage / 2) / 1024 + 1))M "$small" && chmod 600 "$small" &&
	mkswap -q "$small" >/dev/null || kt_fail "mkswap of the small area"
swapon -p 5 "$small" || kt_fail "swapon of the small area"
kt_track_swap "$small"
kt_log "$used KiB used on $f, $usage KiB in $cg, $(kt_swap_field "$small" size) KiB on $small"
rc=0
kt_foreign_watch "$mnt" "$SWAPCTL" --fstab "$fstab" priority "$f" 25 2>"$KT_TMP/err" || rc=$?
cat "$KT_TMP/err"
[ "$rc" = 3 ] || kt_fail "priority with room for the pages only: exit $rc, want 3"
grep -qF "memory cgroup $cg " "$KT_TMP/err" || kt_fail "the refusal does not name $cg"
grep -qF "its reclaim needs" "$KT_TMP/err" || kt_fail "the refusal does not say why"
rotated_unchanged "priority with room for the pages only"
swapoff "$small" || kt_fail "swapoff of the small area"
rm -f "$small"

# 4. A second area with room for both: the cgroup's pages can go there, allowed in place.
g="$mnt/second"
fallocate -l 112M "$g" && chmod 600 "$g" && mkswap -q "$g" >/dev/null || kt_fail "mkswap 2"
swapon -p 5 "$g" || kt_fail "swapon of the second area"
kt_track_swap "$g"
"$SWAPCTL" --fstab "$fstab" priority "$f" 25 || kt_fail "priority with room elsewhere: exit $?"
[ "$(kt_swap_field "$f" prio)" = 25 ] || kt_fail "priority not applied"
grep -q "^$f none swap defaults,pri=25,x-swapctl 0 0\$" "$fstab" || kt_fail "fstab not updated"
kill -0 "$HOG_PID" 2>/dev/null || kt_fail "the process died when its pages moved"
kt_log "after the change: $(kt_swap_field "$f" used) KiB on $f, $(kt_swap_field "$g" used) KiB on $g"
kt_hog_verify || kt_fail "the process lost data"

# 5. --force with the only area: swapctl must survive the swapoff's failure and say so.
swapoff "$g" || kt_fail "swapoff of the (empty) second area"
cg2=$(kt_memcg_create 40)
kt_hog_start "$cg2" 100
used=$(kt_swap_field "$f" used)
[ "${used:-0}" -ge $((50 * 1024)) ] || kt_fail "only ${used:-0} KiB of the second hog reached $f"
kt_no_foreign_swap "$mnt"
cp "$fstab" "$KT_TMP/fstab.before"
rc=0
"$SWAPCTL" --fstab "$fstab" priority --force "$f" 30 2>"$KT_TMP/err" || rc=$?
cat "$KT_TMP/err"
if [ "$rc" = 0 ]; then
	# The kernel managed after all (the hog's cgroup reclaimed enough): nothing to assert
	# about the failure path, but the change must be complete.
	[ "$(kt_swap_field "$f" prio)" = 30 ] || kt_fail "--force exit 0 but priority not 30"
	kt_log "the forced swapoff succeeded on this kernel; failure path not exercised"
else
	[ "$rc" = 1 ] || kt_fail "--force on the only area: exit $rc, want 1"
	grep -Eq "out of memory bringing pages back|killed by signal|interrupted" "$KT_TMP/err" ||
		kt_fail "the failure is not explained"
	kt_is_active "$f" || kt_fail "the area is gone after a failed swapoff"
	[ "$(kt_swap_field "$f" prio)" = 25 ] || kt_fail "explicit priority lost after a failed swapoff"
	cmp -s "$fstab" "$KT_TMP/fstab.before" || kt_fail "fstab changed by a failed swapoff"
fi
exit 0
