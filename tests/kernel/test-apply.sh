#!/usr/bin/env bash
# swapctl apply and export on the real kernel: a layout of swapfiles on loop-mounted ext4 and
# xfs, a zram device and a vm.* value. --check changes nothing and plans what the run does;
# the run creates, enables and persists all of it; a second run and `export | apply -` change
# nothing; a new size and priority resize make-before-break and re-prioritise; a swapfile
# the layout drops is kept, and removed with --prune; a bad layout is refused with
# file:line:column before anything is touched.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root
[ -d /sys/class/zram-control ] || modprobe zram 2>/dev/null
[ -d /sys/class/zram-control ] || kt_skip "no zram in this kernel"

export SWAPCTL_CONFIG_DIR=$KT_TMP/etc/swapctl
mkdir -p "$KT_TMP/etc"
fstab=$KT_TMP/fstab
sysd=$KT_TMP/sysctl.d
mkdir -p "$sysd"
: >"$fstab"
S=("$SWAPCTL" --fstab "$fstab" --sysctl-dir "$sysd")
# The layout's vm.swappiness is the live one, so the section changes nothing live. A live
# value above 100 (a zram profile left applied after its zram went) needs compressed swap;
# the layout's own [zram] provides it, in --check as in the run.
swappiness=$(cat /proc/sys/vm/swappiness)

jq_py() { # jq_py FILE EXPR -> the Python expression over the JSON in FILE as d
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
prio_of() { awk -v p="$1" 'NR > 1 && $1 == p { print $5 }' /proc/swaps; }
# Every zram device apply made is released at exit, whatever happens.
track_zram() {
	local z
	for z in $(jq_py "$1" '" ".join(a["target"][len("/dev/zram"):] for a in d["actions"] if a["action"] == "hot-add")'); do
		kt_track_zram "$z"
	done
}

ext=$(kt_mkfs ext4 256)
xfs=$(kt_mkfs xfs 512)
kt_track_swap "$ext/swap"
kt_track_swap "$ext/swap.1"
kt_track_swap "$xfs/swap"
layout=$KT_TMP/layout.conf
write_layout() { # write_layout EXT_SIZE EXT_PRIO [with-ext]
	{
		if [ "${3-yes}" = yes ]; then
			printf '[swapfile]\npath = %s/swap\nsize = %s\npriority = %s\n\n' "$ext" "$1" "$2"
		fi
		printf '[swapfile]\npath = %s/swap\nsize = 32M\n\n' "$xfs"
		printf '[zram]\nsize = 32M\npriority = 100\n\n'
		printf '[sysctl]\nvm.swappiness = %s\n' "$swappiness"
	} >"$layout"
}
write_layout 32M 7

kt_log "apply --check: the plan, nothing changed"
"${S[@]}" --json apply --check "$layout" >"$KT_TMP/check.json" || kt_fail "apply --check exit $?"
[ "$(jq_py "$KT_TMP/check.json" 'd["changed"]')" = False ] || kt_fail "--check reported a change"
[ "$(jq_py "$KT_TMP/check.json" 'sorted(a["action"] for a in d["actions"] if a["action"] in ("create", "hot-add"))')" = "['create', 'create', 'hot-add']" ] ||
	kt_fail "--check plan: $(cat "$KT_TMP/check.json")"
[ ! -e "$ext/swap" ] && [ ! -e "$xfs/swap" ] || kt_fail "--check created a file"
[ ! -s "$fstab" ] || kt_fail "--check wrote fstab"
[ ! -e "$SWAPCTL_CONFIG_DIR/zram.conf" ] || kt_fail "--check wrote zram.conf"

kt_log "apply: create, enable, persist"
"${S[@]}" --json apply "$layout" >"$KT_TMP/apply.json" || kt_fail "apply exit $?: $(cat "$KT_TMP/apply.json")"
track_zram "$KT_TMP/apply.json"
[ "$(jq_py "$KT_TMP/apply.json" 'd["changed"]')" = True ] || kt_fail "apply reported no change"
[ "$(jq_py "$KT_TMP/apply.json" 'sorted(set(x["change"] for x in d["diff"]))')" = "['create']" ] ||
	kt_fail "diff: $(jq_py "$KT_TMP/apply.json" 'd["diff"]')"
kt_is_active "$ext/swap" || kt_fail "ext4 swapfile not active"
kt_is_active "$xfs/swap" || kt_fail "xfs swapfile not active"
[ "$(prio_of "$ext/swap")" = 7 ] || kt_fail "ext4 swapfile priority $(prio_of "$ext/swap")"
[ "$(grep -c x-swapctl "$fstab")" = 2 ] || kt_fail "fstab: $(cat "$fstab")"
zdev=$(jq_py "$KT_TMP/apply.json" '[a["target"] for a in d["actions"] if a["action"] == "hot-add"][0]')
kt_is_active "$zdev" || kt_fail "$zdev not active"
[ "$(prio_of "$zdev")" = 100 ] || kt_fail "$zdev priority $(prio_of "$zdev")"
grep -qx "vm.swappiness = $swappiness" "$sysd/90-swapctl.conf" || kt_fail "drop-in: $(cat "$sysd/90-swapctl.conf")"

kt_log "apply again, and export | apply -: nothing to do"
"${S[@]}" --json apply "$layout" >"$KT_TMP/again.json" || kt_fail "second apply exit $?"
[ "$(jq_py "$KT_TMP/again.json" '(d["changed"], len(d["actions"]))')" = "(False, 0)" ] ||
	kt_fail "second apply: $(cat "$KT_TMP/again.json")"
"${S[@]}" export >"$KT_TMP/export.conf" || kt_fail "export exit $?"
grep -qx "path = $ext/swap" "$KT_TMP/export.conf" || kt_fail "export: $(cat "$KT_TMP/export.conf")"
"${S[@]}" --json apply - <"$KT_TMP/export.conf" >"$KT_TMP/rt.json" || kt_fail "export | apply - exit $?"
[ "$(jq_py "$KT_TMP/rt.json" '(d["changed"], len(d["actions"]))')" = "(False, 0)" ] ||
	kt_fail "export | apply -: $(cat "$KT_TMP/rt.json")"

kt_log "a new size and priority: make-before-break resize, then the priority"
write_layout 48M 9
"${S[@]}" --json apply "$layout" >"$KT_TMP/resize.json" || kt_fail "resize apply exit $?: $(cat "$KT_TMP/resize.json")"
kt_is_active "$ext/swap.1" || kt_fail "replacement not active: $(cat /proc/swaps)"
! kt_is_active "$ext/swap" && [ ! -e "$ext/swap" ] || kt_fail "old file still there"
[ "$(stat -c %s "$ext/swap.1")" = $((48 << 20)) ] || kt_fail "replacement size $(stat -c %s "$ext/swap.1")"
[ "$(prio_of "$ext/swap.1")" = 9 ] || kt_fail "replacement priority $(prio_of "$ext/swap.1")"
"${S[@]}" --json apply "$layout" >"$KT_TMP/again2.json" || kt_fail "apply after resize exit $?"
[ "$(jq_py "$KT_TMP/again2.json" '(d["changed"], len(d["actions"]))')" = "(False, 0)" ] ||
	kt_fail "apply after resize: $(cat "$KT_TMP/again2.json")"

kt_log "a swapfile the layout drops: kept, then removed with --prune"
write_layout 48M 9 no
"${S[@]}" --json apply "$layout" >"$KT_TMP/kept.json" || kt_fail "apply without it exit $?"
kt_is_active "$ext/swap.1" || kt_fail "dropped swapfile removed without --prune"
[ "$(jq_py "$KT_TMP/kept.json" '[x["change"] for x in d["diff"] if x["object"].startswith("swapfile '"$ext"'")]')" = "['kept']" ] ||
	kt_fail "diff without --prune: $(jq_py "$KT_TMP/kept.json" 'd["diff"]')"
"${S[@]}" --json apply --prune "$layout" >"$KT_TMP/prune.json" || kt_fail "apply --prune exit $?"
! kt_is_active "$ext/swap.1" && [ ! -e "$ext/swap.1" ] || kt_fail "--prune left the swapfile"
[ "$(grep -c x-swapctl "$fstab")" = 1 ] || kt_fail "fstab after prune: $(cat "$fstab")"
kt_is_active "$xfs/swap" || kt_fail "--prune removed a listed swapfile"
kt_is_active "$zdev" || kt_fail "--prune removed the listed zram device"

kt_log "a bad layout: exit 2 with file:line:column, nothing touched"
cp "$fstab" "$KT_TMP/fstab.before"
printf '[swapfile]\npath = %s/other\nsize = 1.5Q\n' "$ext" >"$KT_TMP/bad.conf"
"${S[@]}" apply "$KT_TMP/bad.conf" 2>"$KT_TMP/bad.err" && kt_fail "bad layout accepted"
rc=$?
[ "$rc" = 2 ] || kt_fail "bad layout exit $rc"
grep -qF "$KT_TMP/bad.conf:3:8: size '1.5Q'" "$KT_TMP/bad.err" || kt_fail "message: $(cat "$KT_TMP/bad.err")"
cmp -s "$fstab" "$KT_TMP/fstab.before" || kt_fail "bad layout changed fstab"

kt_log "an empty layout with --prune removes what swapctl manages"
: >"$KT_TMP/empty.conf"
"${S[@]}" -q apply --prune "$KT_TMP/empty.conf" || kt_fail "empty --prune exit $?"
! kt_is_active "$xfs/swap" && ! kt_is_active "$zdev" || kt_fail "left active: $(cat /proc/swaps)"
[ "$(grep -c x-swapctl "$fstab")" = 0 ] || kt_fail "fstab after empty prune: $(cat "$fstab")"
kt_log "--root: an image gets the swapfile (in a new /swap), fstab, zram.conf; a re-run and a round trip change nothing"
img=$KT_TMP/img
mkdir -p "$img/etc"
: >"$img/etc/fstab"
printf '[swapfile]\npath = /swap/swapfile\nsize = 16M\n[zram]\nsize = 50%%\n' >"$KT_TMP/img.conf"
R=("$SWAPCTL" --root "$img")
SWAPCTL_CONFIG_DIR= "${R[@]}" -q apply "$KT_TMP/img.conf" 2>"$KT_TMP/img.err" || kt_fail "--root apply: $(cat "$KT_TMP/img.err")"
[ "$(stat -c '%a %s' "$img/swap" "$img/swap/swapfile")" = "700 4096
600 16777216" ] || kt_fail "--root files: $(ls -la "$img/swap")"
grep -q '^/swap/swapfile none swap .*x-swapctl' "$img/etc/fstab" || kt_fail "--root fstab: $(cat "$img/etc/fstab")"
grep -qx 'size=50% algorithm=auto priority=100 mem_limit=0' "$img/etc/swapctl/zram.conf" || kt_fail "--root zram.conf"
SWAPCTL_CONFIG_DIR= "${R[@]}" --json apply "$KT_TMP/img.conf" >"$KT_TMP/img2.json" 2>/dev/null || kt_fail "--root re-run"
[ "$(jq_py "$KT_TMP/img2.json" '(d["changed"], len(d["actions"]))')" = "(False, 0)" ] || kt_fail "--root re-run: $(cat "$KT_TMP/img2.json")"
SWAPCTL_CONFIG_DIR= "${R[@]}" export 2>/dev/null | SWAPCTL_CONFIG_DIR= "${R[@]}" --json apply - >"$KT_TMP/img3.json" 2>/dev/null ||
	kt_fail "--root export | apply -"
[ "$(jq_py "$KT_TMP/img3.json" '(d["changed"], len(d["actions"]))')" = "(False, 0)" ] || kt_fail "--root round trip: $(cat "$KT_TMP/img3.json")"
! kt_is_active "$img/swap/swapfile" || kt_fail "--root enabled the swapfile"
kt_log "--check agrees with the run where a later step needs an earlier one: vm.swappiness 150 needs the layout's own zram"
kt_on_exit "echo $swappiness >/proc/sys/vm/swappiness"
printf '[zram]\nsize = 32M\n\n[sysctl]\nvm.swappiness = 150\n' >"$KT_TMP/fast.conf"
rc=0
"${S[@]}" --json apply --check "$KT_TMP/fast.conf" >"$KT_TMP/fast-check.json" 2>/dev/null || rc=$?
"${S[@]}" --json apply "$KT_TMP/fast.conf" >"$KT_TMP/fast.json" 2>/dev/null || { rc2=$?; track_zram "$KT_TMP/fast.json"; kt_fail "apply exit $rc2: $(cat "$KT_TMP/fast.json")"; }
track_zram "$KT_TMP/fast.json"
[ "$rc" = 0 ] || kt_fail "--check exit $rc where the run succeeds: $(cat "$KT_TMP/fast-check.json")"
[ "$(jq_py "$KT_TMP/fast-check.json" '[a["action"] for a in d["actions"]]')" = "$(jq_py "$KT_TMP/fast.json" '[a["action"] for a in d["actions"]]')" ] ||
	kt_fail "--check actions differ from the run's: $(cat "$KT_TMP/fast-check.json") vs $(cat "$KT_TMP/fast.json")"
[ "$(cat /proc/sys/vm/swappiness)" = 150 ] || kt_fail "swappiness $(cat /proc/sys/vm/swappiness), want 150"
printf '[sysctl]\nvm.swappiness = 150\n' >"$KT_TMP/slow.conf"
rc=0
"${S[@]}" apply --check --prune "$KT_TMP/slow.conf" >/dev/null 2>&1 || rc=$?
rc2=0
"${S[@]}" apply --prune "$KT_TMP/slow.conf" >/dev/null 2>"$KT_TMP/slow.err" || rc2=$?
[ "$rc" = "$rc2" ] || kt_fail "--prune of the zram the value needs: --check exit $rc, the run $rc2 ($(cat "$KT_TMP/slow.err"))"
"${S[@]}" -q apply --prune "$KT_TMP/empty.conf" || kt_fail "empty --prune exit $?"
echo "$swappiness" >/proc/sys/vm/swappiness

echo "ok: apply and export"
