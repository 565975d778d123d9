#!/usr/bin/env bash
# The Ansible module swapctl.swapctl.swapctl against this machine (localhost, local
# connection), with a test fstab, sysctl directory and config directory: check mode plans a
# swapfile on a loop-mounted ext4 and creates nothing; the run creates, enables and persists
# it and --diff shows it; a second run changes nothing; a layout swapctl refuses fails the
# task with swapctl's FILE:LINE:COLUMN message; an empty layout with prune removes it.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
source "$SC_SOURCE_DIR/tests/ansible/lib.sh"
kt_require_root
at_setup "$KT_TMP/ansible"
cd "$KT_TMP" || kt_fail "cannot cd to $KT_TMP"

fstab=$KT_TMP/fstab
mkdir -p "$KT_TMP/sysctl.d" "$KT_TMP/etc"
: >"$fstab"
AT_BASE=("binary=$SWAPCTL" "fstab=$fstab" "sysctl_dir=$KT_TMP/sysctl.d" "config_dir=$KT_TMP/etc/swapctl")
mnt=$(kt_mkfs ext4 256)
swap=$mnt/swap
kt_track_swap "$swap"
printf '[swapfile]\npath = %s\nsize = 16M\npriority = 5\n' "$swap" >"$KT_TMP/layout.conf"
at_play "$KT_TMP/apply.yml" layout=@"$KT_TMP/layout.conf"
res=$KT_TMP/result.json
r() { at_result "$res" "$1"; }
recap() { grep -q "localhost *: ok=2 *changed=$1 .*failed=0 .*ignored=$2" "$res.out" || kt_fail "recap: $(cat "$res.out")"; }

kt_log "check mode: changed, the plan, nothing created"
at_run "$KT_TMP/apply.yml" "$res" --check --diff || kt_fail "check mode exit $?: $(cat "$res.out")"
recap 1 0
[ "$(r 'r["changed"]')" = True ] || kt_fail "check mode: $(cat "$res")"
[ "$(r '[a["action"] for a in r["actions"]]')" = "['create', 'swapon', 'fstab-add']" ] ||
	kt_fail "check mode plan: $(r 'r["actions"]')"
[ "$(r 'r["diff"]["before"] + "|" + r["diff"]["after"]')" = "|[swapfile $swap]
size_bytes = 16777216" ] || kt_fail "check mode diff: $(r 'r["diff"]')"
[ ! -e "$swap" ] || kt_fail "check mode created $swap"
[ ! -s "$fstab" ] || kt_fail "check mode wrote the fstab: $(cat "$fstab")"

kt_log "run with --diff: created, active, persisted; the diff shows the swapfile"
at_run "$KT_TMP/apply.yml" "$res" --diff || kt_fail "run exit $?: $(cat "$res.out")"
recap 1 0
[ "$(r '(r["changed"], r["rc"])')" = "(True, 0)" ] || kt_fail "run: $(cat "$res")"
grep -qx "+\[swapfile $swap\]" "$res.out" && grep -qx '+size_bytes = 16777216' "$res.out" ||
	kt_fail "--diff output: $(cat "$res.out")"
kt_is_active "$swap" || kt_fail "$swap not active: $(cat /proc/swaps)"
[ "$(awk -v p="$swap" 'NR > 1 && $1 == p { print $5 }' /proc/swaps)" = 5 ] || kt_fail "priority: $(cat /proc/swaps)"
[ "$(stat -c %s "$swap")" = $((16 << 20)) ] || kt_fail "size $(stat -c %s "$swap")"
grep -q "^$swap none swap .*x-swapctl" "$fstab" || kt_fail "fstab: $(cat "$fstab")"

kt_log "a second run: unchanged, no actions, an empty diff"
at_run "$KT_TMP/apply.yml" "$res" --diff || kt_fail "second run exit $?"
recap 0 0
[ "$(r '(r["changed"], r["actions"], r["diff"]["before"], r["diff"]["after"])')" = "(False, [], '', '')" ] ||
	kt_fail "second run: $(cat "$res")"

kt_log "a layout swapctl refuses: the task fails with swapctl's message, nothing touched"
cp "$fstab" "$KT_TMP/fstab.before"
printf '[swapfile]\npath = %s/other\nsize = 16M\nsizes = 1\n' "$mnt" >"$KT_TMP/bad.conf"
at_play "$KT_TMP/bad.yml" layout=@"$KT_TMP/bad.conf"
at_run "$KT_TMP/bad.yml" "$res" || kt_fail "bad layout: playbook exit $?"
recap 0 1
[ "$(r '(r["failed"], r["rc"], r["msg"])')" = "(True, 2, \"(standard input):4:1: unknown key 'sizes' in [swapfile]\")" ] ||
	kt_fail "bad layout: $(cat "$res")"
at_play "$KT_TMP/bad-src.yml" src="$KT_TMP/bad.conf"
at_run "$KT_TMP/bad-src.yml" "$res" || kt_fail "bad layout file: playbook exit $?"
[ "$(r '(r["failed"], r["msg"])')" = "(True, \"$KT_TMP/bad.conf:4:1: unknown key 'sizes' in [swapfile]\")" ] ||
	kt_fail "bad layout file: $(cat "$res")"
cmp -s "$fstab" "$KT_TMP/fstab.before" || kt_fail "the bad layout changed the fstab"
[ ! -e "$mnt/other" ] || kt_fail "the bad layout created a file"
kt_is_active "$swap" || kt_fail "the bad layout touched $swap"

kt_log "an empty layout with prune: the swapfile is removed"
at_play "$KT_TMP/prune.yml" layout= prune=true
at_run "$KT_TMP/prune.yml" "$res" --diff || kt_fail "prune exit $?: $(cat "$res.out")"
recap 1 0
[ "$(r '(r["changed"], r["diff"]["before"], r["diff"]["after"])')" = "(True, '[swapfile $swap]\n', '')" ] ||
	kt_fail "prune: $(cat "$res")"
! kt_is_active "$swap" && [ ! -e "$swap" ] || kt_fail "prune left $swap"
! grep -q x-swapctl "$fstab" || kt_fail "fstab after prune: $(cat "$fstab")"
at_run "$KT_TMP/prune.yml" "$res" || kt_fail "second prune exit $?"
[ "$(r 'r["changed"]')" = False ] || kt_fail "second prune: $(cat "$res")"
echo "ok: the Ansible module"
