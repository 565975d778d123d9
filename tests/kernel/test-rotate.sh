#!/usr/bin/env bash
# rotate on the real kernel: make-before-break, crash windows, equal priorities.
#
# 1. Under load: a process limited to 24 MiB by a memory cgroup holds 64 MiB of known data,
#    most of it in the managed swapfile (the only swap area). rotate replaces the file while
#    /proc/swaps is sampled continuously: the total of the test's areas never drops below the
#    total before, fstab names the replacement with the same priority, the old file is gone,
#    and the process reads every byte back intact.
# 2. Crashes: for every step, swapctl-crash (SWAPCTL_TEST_CRASH_AFTER=<step>) kills rotate right after it (exit
#    99); the state left behind keeps the invariants (fstab names an existing swap area; at
#    most two of the test's areas active; no active area unlinked), and the next rotate
#    completes or rolls it back: one file, active, in fstab, no journal.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
source "$SC_SOURCE_DIR/tests/kernel/memcg.sh"
kt_require_root
kt_memcg_require
command -v mkswap >/dev/null || kt_skip "mkswap missing"

# 4 KiB blocks: on 1 KiB-block ext4 (mkfs's default for small images) extents need not be
# page-aligned and the kernel's usable size of two equally large files can differ by a page.
mnt=$(kt_mkfs ext4 256 -b 4096 -m 0)
kt_no_foreign_swap "$mnt"
dir="$mnt/swap"
mkdir -m 0700 "$dir"
f="$dir/swapfile"
fallocate -l 100M "$f" && chmod 600 "$f" && mkswap -q "$f" >/dev/null || kt_fail "mkswap"
swapon -p 10 "$f" || kt_skip "swapon on a loop-mounted ext4 file failed"
kt_track_swap "$f"
fstab="$KT_TMP/fstab"
printf '# test fstab\n%s none swap defaults,pri=10,x-swapctl 0 0\n' "$f" >"$fstab"

# The replacement (100 MiB) must have room for the used pages and the cgroup's memory, or
# the gate refuses the rotation: 24 + at most ~64 MiB.
cg=$(kt_memcg_create 24)
kt_hog_start "$cg" 64
used=$(kt_swap_field "$f" used)
kt_log "hog in $cg: $used KiB on $f"
[ "${used:-0}" -ge $((32 * 1024)) ] || kt_fail "only ${used:-0} KiB of the hog reached $f"
kt_no_foreign_swap "$mnt"

# The sampler reads /proc/swaps in a loop for as long as rotate runs.
python3 "$SC_SOURCE_DIR/tests/kernel/swapsample.py" "$mnt/" "$KT_TMP/samples" &
sampler=$!
kt_on_exit "kill $sampler 2>/dev/null"
for ((i = 0; i < 200; i++)); do [ -e "$KT_TMP/samples.ready" ] && break; sleep 0.05; done
start=$(cat "$KT_TMP/samples.ready")

rc=0
"$SWAPCTL" --fstab "$fstab" --json rotate >"$KT_TMP/out" || rc=$?
kill -TERM "$sampler"
wait "$sampler"
[ "$rc" = 0 ] || kt_fail "rotate under load: exit $rc"
read -r lo hi n first <"$KT_TMP/samples"
kt_log "samples: $n, total before $start KiB, min $lo, max $hi"
[ "$n" -gt 10 ] || kt_fail "too few samples ($n) to say anything"
[ "$lo" -ge "$start" ] || kt_fail "the active swap total dropped to $lo KiB (before: $start)"
[ "$hi" -gt "$start" ] || kt_fail "the replacement was never active next to the old area"

new="$dir/swapfile.1"
python3 - "$KT_TMP/out" "$f" "$new" <<'PY' || kt_fail "rotate --json is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
old, new = sys.argv[2], sys.argv[3]
assert d["changed"] is True, d
acts = [(a["action"], a["target"]) for a in d["actions"]]
names = [a[0] for a in acts]
assert names == ["create", "swapon", "fstab-replace", "swapoff", "unlink"], acts
assert all(a["done"] for a in d["actions"]), d["actions"]
assert acts[0][1] == new and acts[3][1] == old, acts
assert d["gates"] and d["gates"][-1]["allowed"] is True, d["gates"]
PY
kt_is_active "$new" || kt_fail "$new is not active"
kt_is_active "$f" && kt_fail "$f is still active"
[ ! -e "$f" ] || kt_fail "$f still exists"
[ "$(kt_swap_field "$new" prio)" = 10 ] || kt_fail "the replacement lost priority 10"
grep -qx "$new none swap defaults,pri=10,x-swapctl 0 0" "$fstab" || kt_fail "fstab: $(cat "$fstab")"
[ ! -e "$fstab.swapctl-rotation" ] || kt_fail "the rotation journal was left behind"
kt_log "after rotate: $(kt_swap_field "$new" used) KiB on $new"
kt_hog_verify || kt_fail "the process lost data across the rotation"

# 2. A crash after every step, then the repair.
invariants() { # $1: when
	local cur active
	cur=$(awk '$3 == "swap" { print $1 }' "$fstab")
	[ "$(echo "$cur" | wc -l)" = 1 ] || kt_fail "$1: fstab has $(echo "$cur" | wc -l) swap lines"
	[ -f "$cur" ] || kt_fail "$1: fstab names $cur, which does not exist"
	[ "$(blkid -p -o value -s TYPE "$cur" 2>/dev/null)" = swap ] ||
		kt_fail "$1: fstab names $cur, which has no swap header"
	active=$(kt_active_paths | grep -c "^$dir/")
	[ "$active" -le 2 ] || kt_fail "$1: $active of the test's areas are active"
	[ "$active" -ge 1 ] || kt_fail "$1: none of the test's areas is active"
	grep -q "^$mnt/.*(deleted)" /proc/swaps && kt_fail "$1: an active area was unlinked"
	return 0
}

for step in journal create swapon fstab-replace swapoff unlink; do
	rc=0
	SWAPCTL_TEST_CRASH_AFTER=$step "${SWAPCTL_CRASH:?}" --fstab "$fstab" rotate 2>/dev/null || rc=$?
	[ "$rc" = 99 ] || kt_fail "fault after $step: exit $rc, want 99"
	invariants "killed after $step"
	case $step in
	journal | create | swapon | fstab-replace | swapoff | unlink)
		[ -e "$fstab.swapctl-rotation" ] || kt_fail "killed after $step: no journal" ;;
	esac
	rc=0
	"$SWAPCTL" --fstab "$fstab" rotate 2>"$KT_TMP/err" || rc=$?
	[ "$rc" = 0 ] || { cat "$KT_TMP/err"; kt_fail "rerun after $step: exit $rc"; }
	grep -Eq "(completed|rolled back) the rotation" "$KT_TMP/err" ||
		kt_fail "rerun after $step did not report the recovery"
	invariants "repaired after $step"
	files=$(find "$dir" -mindepth 1 | wc -l)
	[ "$files" = 1 ] || kt_fail "repaired after $step: $files files in $dir: $(ls "$dir")"
	cur=$(awk '$3 == "swap" { print $1 }' "$fstab")
	kt_is_active "$cur" || kt_fail "repaired after $step: $cur not active"
	[ "$(kt_active_paths | grep -c "^$dir/")" = 1 ] || kt_fail "repaired after $step: two areas"
	[ "$(kt_swap_field "$cur" prio)" = 10 ] || kt_fail "repaired after $step: priority"
	[ ! -e "$fstab.swapctl-rotation" ] || kt_fail "repaired after $step: journal left"
	kt_log "killed after $step: $(head -1 "$KT_TMP/err" | sed 's/^swapctl: //')"
done
exit 0
