#!/usr/bin/env bash
# doctor on the running kernel, with areas this test makes: an active swapfile with mode
# 0644 and no fstab line, a btrfs copy-on-write file named in a private fstab (the kernel
# refuses to activate it), khugepaged's min_free_kbytes against a private drop-in, and the
# symptom doctor exists for: a process OOM-killed by its memory cgroup while swap is free.
# doctor only reads; findings about the machine's own state are ignored, only those naming
# this test's files and cgroup are asserted.
source "$SC_SOURCE_DIR/tests/kernel/lib.sh"
kt_require_root
command -v mkswap >/dev/null || kt_skip "mkswap missing"

FSTAB=$KT_TMP/fstab
SYSCTLD=$KT_TMP/sysctl.d
mkdir -p "$SYSCTLD"
: >"$FSTAB"
doctor_json() {
	local rc=0
	"$SWAPCTL" --fstab "$FSTAB" --sysctl-dir "$SYSCTLD" --json doctor >"$KT_TMP/doctor.json" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 4 ] || kt_fail "doctor exit $rc"
}
# has ID SUBSTRING -> a finding with this id whose message contains SUBSTRING
has() {
	python3 - "$KT_TMP/doctor.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(f["id"] == sys.argv[2] and sys.argv[3] in f["message"] for f in d["findings"]) else 1)
PY
}

kt_log "insecure, unpersisted swapfile"
mnt=$(kt_mkfs ext4 96)
f=$mnt/insecure.swap
dd if=/dev/zero of="$f" bs=1M count=16 status=none
chmod 0644 "$f"
mkswap -q "$f" 2>/dev/null || kt_fail "mkswap failed"
kt_track_swap "$f"
swapon "$f" || kt_fail "swapon failed"
doctor_json
has swapfile-insecure "$f has mode 0644" || kt_fail "insecure mode not found"
has swap-not-persistent "$f is active" || kt_fail "unpersisted swap not found"
chmod 0600 "$f"
printf '%s none swap defaults 0 0\n' "$f" >"$FSTAB"
doctor_json
has swapfile-insecure "$f" && kt_fail "0600 root file still flagged"
has swap-not-persistent "$f" && kt_fail "persisted file still flagged"

kt_log "missing and duplicate fstab lines"
printf '%s none swap defaults 0 0\n%s//gone.swap none swap defaults 0 0\n%s none swap sw 0 0\n' \
	"$f" "$mnt" "$f" >"$FSTAB"
doctor_json
has fstab-swap-missing "$mnt/gone.swap" || kt_fail "missing file not found"
has fstab-swap-duplicate "$f" || kt_fail "duplicate not found"

if grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null; then
	kt_log "btrfs copy-on-write swapfile"
	bmnt=$(kt_mkfs btrfs 160)
	cow=$bmnt/cow.swap
	fallocate -l 16M "$cow"
	chmod 0600 "$cow"
	mkswap -q "$cow" 2>/dev/null || kt_fail "mkswap on btrfs failed"
	if swapon "$cow" 2>/dev/null; then
		swapoff "$cow"
		kt_fail "the kernel activated a copy-on-write swapfile on btrfs"
	fi
	printf '%s none swap defaults 0 0\n' "$cow" >"$FSTAB"
	doctor_json
	has swapfile-btrfs-cow "$cow is on btrfs without NOCOW" || kt_fail "btrfs CoW not found"
	has fstab-swap-inactive "$cow" || kt_fail "inactive fstab line not found"
else
	kt_log "no btrfs: skipping the copy-on-write case"
fi

if grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
	kt_log "THP off: skipping khugepaged drift"
else
	kt_log "min_free_kbytes raised by khugepaged"
	live=$(cat /proc/sys/vm/min_free_kbytes)
	printf 'vm.min_free_kbytes = %s\n' $((live - 1)) >"$SYSCTLD/90-swapctl.conf"
	doctor_json
	python3 - "$KT_TMP/doctor.json" <<'PY' || kt_fail "khugepaged drift not reported as info"
import json, sys
d = json.load(open(sys.argv[1]))
f = [f for f in d["findings"] if f["id"] == "sysctl-drift" and "khugepaged" in f["message"]]
sys.exit(0 if f and f[0]["severity"] == "info" else 1)
PY
	rm -f "$SYSCTLD/90-swapctl.conf"
fi

# The symptom: OOM-killed with free swap. A v1 memory cgroup with swappiness 0 never swaps
# on its own limit (mm/vmscan.c get_scan_count), so its hog dies while our swap is free.
CG=/sys/fs/cgroup/memory
if [ -w "$CG/cgroup.procs" ] && [ -e "$CG/memory.swappiness" ] && command -v python3 >/dev/null; then
	kt_log "memory cgroup OOM kill with swap free"
	grp=$CG/swapctl-doctor-$$
	mkdir "$grp" || kt_fail "cannot create $grp"
	kt_on_exit "rmdir '$grp' 2>/dev/null"
	echo 32M >"$grp/memory.limit_in_bytes"
	echo 0 >"$grp/memory.swappiness"
	before=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)
	rc=0
	{ (echo "$BASHPID" >"$grp/cgroup.procs" &&
		exec python3 -c 'import os; b = [bytearray(os.urandom(1 << 20)) for _ in range(96)]'); } \
		2>/dev/null || rc=$?
	[ "$rc" = 137 ] || kt_fail "the hog was not OOM-killed (exit $rc)"
	after=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)
	[ "$after" -gt "$before" ] || kt_fail "oom_kill did not move ($before -> $after)"
	doctor_json
	has oom-kills "OOM-killed" || kt_fail "no oom-kills finding"
	if has oom-kills "memory cgroup /swapctl-doctor-$$"; then
		kt_log "the kernel log names the cgroup"
		has oom-kills "its memory.swappiness is 0" || kt_fail "the cgroup's swappiness is not named"
	elif [ -r /dev/kmsg ]; then
		kt_fail "kernel log readable but the cgroup kill is not named"
	fi
else
	kt_log "no writable cgroup v1 memory controller: skipping the OOM case"
fi
echo PASS
