#!/usr/bin/env bash
# swapctl autoscale on the real kernel. A memory cgroup limited to 64 MiB runs a workload that
# writes a known pattern to 192 MiB (3x its limit) at 8 MiB/s, with one 32 MiB swapfile:
# without autoscale it is OOM-killed; under `swapctl autoscale --max 256M --step 64M` it
# completes with every byte intact (the 32 MiB file fills at 25% a second, so the daemon has
# to grow ahead of the fill rate, not wait for 25% free: it looks only once a second), the dynamic files never pass 256 MiB together, and once
# it has exited they are retired through the swapoff gate. Also: a dynamic file a crash left
# inactive is removed at start and a look-alike without the label is left alone; --once and
# --dry-run --once decide without waiting.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
source "$SC_SOURCE_DIR/tests/kernel/memcg.sh"
kt_require_root
kt_memcg_require
[ -r /proc/pressure/memory ] || kt_skip "no PSI in this kernel (/proc/pressure/memory)"

jq_py() { python3 -c 'import json,sys; d=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(eval(sys.argv[2]))' "$1" "$2"; }
ext=$(kt_mkfs ext4 768)
dyn=$ext/dyn
mkdir -m 0700 "$dyn"
fstab=$KT_TMP/fstab
: >"$fstab"
export SWAPCTL_CONFIG_DIR=$KT_TMP/etc/swapctl
mkdir -p "$SWAPCTL_CONFIG_DIR"
printf '[autoscale]\nquiet = 3\ninterval = 1\n' >"$SWAPCTL_CONFIG_DIR/layout.conf"
S=("$SWAPCTL" --fstab "$fstab")
A=(autoscale --dir "$dyn" --max 256M --step 64M)
for n in 1 2 3 4 5 6 7 8 9; do kt_track_swap "$dyn/dynamic.$n"; done
kt_track_swap "$ext/static"
kt_no_foreign_swap "$ext"

"${S[@]}" -q add 32M --path "$ext/static" --no-persist --priority 10 || kt_fail "static swapfile: exit $?"

# hog MIB: the workload in a fresh 64 MiB cgroup, paced; its PID in HOG_PID, ready file in $ready.
hog() {
	local cg
	cg=$(kt_memcg_create 64)
	ready=$KT_TMP/hog.$RANDOM.ready
	sh -c 'echo $$ >"$1/cgroup.procs" && exec python3 "$2" "$3" "$4" 8' sh \
		"$KT_MEMCG_ROOT$cg" "$SC_SOURCE_DIR/tests/kernel/memhog.py" "$1" "$ready" &
	HOG_PID=$!
	kt_on_exit "kill -KILL $HOG_PID 2>/dev/null"
}
# Wait for the hog to be ready (0) or gone (1), at most 120 s.
hog_wait() {
	local i
	for ((i = 0; i < 2400; i++)); do
		[ -e "$ready" ] && return 0
		kill -0 "$HOG_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	kt_fail "the workload neither finished nor died in 120 s"
}
dynamic_kib() { awk -v d="$dyn/dynamic." 'NR > 1 && index($1, d) == 1 { s += $3 } END { print s + 0 }' /proc/swaps; }

kt_log "without autoscale: 192 MiB in 64 MiB of memory and 32 MiB of swap is OOM-killed"
hog 192
if hog_wait; then
	kt_hog_verify
	kt_skip "the workload fit without autoscale (memory cgroup limits not enforced?)"
fi
wait "$HOG_PID" 2>/dev/null
kt_log "  killed, as expected"

kt_log "--dry-run --once: with swap almost full, one decision to grow, nothing done"
hog 82 # 64 MiB in memory with the interpreter, the rest on the 32 MiB swapfile
hog_wait || kt_fail "82 MiB did not fit in 64 MiB of memory and 32 MiB of swap"
"${S[@]}" --json --dry-run "${A[@]}" --once >"$KT_TMP/dry.json" || kt_fail "--dry-run --once: exit $?"
[ "$(jq_py "$KT_TMP/dry.json" '(d[0]["event"], d[0]["dry_run"])')" = "('grow', True)" ] ||
	kt_fail "--dry-run --once: $(cat "$KT_TMP/dry.json")"
[ ! -e "$dyn/dynamic.1" ] || kt_fail "--dry-run created $dyn/dynamic.1"
kill -KILL "$HOG_PID" 2>/dev/null
wait "$HOG_PID" 2>/dev/null

kt_log "crash leftovers: an inactive dynamic file is removed at start, a look-alike kept"
"${S[@]}" -q add 16M --path "$dyn/dynamic.7" --no-enable --no-persist --label swapctl-dynamic ||
	kt_fail "leftover: exit $?"
"${S[@]}" -q add 16M --path "$dyn/dynamic.8" --no-enable --no-persist --label other ||
	kt_fail "look-alike: exit $?"

kt_log "under autoscale: the same workload completes, every byte intact"
"${S[@]}" --json "${A[@]}" >"$KT_TMP/events.json" 2>"$KT_TMP/daemon.err" &
daemon=$!
kt_on_exit "kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q '"start"' "$KT_TMP/events.json" && break; sleep 0.05; done
grep -q '"start"' "$KT_TMP/events.json" || kt_fail "the daemon did not start: $(cat "$KT_TMP/daemon.err")"
[ ! -e "$dyn/dynamic.7" ] || kt_fail "the inactive leftover was not removed: $(cat "$KT_TMP/events.json")"
[ -e "$dyn/dynamic.8" ] || kt_fail "the unlabelled look-alike was removed"
grep -q "dynamic.8: named like a dynamic swapfile but not labelled" "$KT_TMP/daemon.err" ||
	kt_fail "no warning about the look-alike: $(cat "$KT_TMP/daemon.err")"
rm -f "$dyn/dynamic.8"

python3 -c 'import sys, time
d, out, stop = sys.argv[1] + "/dynamic.", sys.argv[2], sys.argv[3]
peak = 0
while True:
    s = sum(int(l.split()[2]) for l in open("/proc/swaps").read().splitlines()[1:] if l.split()[0].startswith(d))
    peak = max(peak, s)
    open(out, "w").write("%d\n" % peak)
    try:
        open(stop).close()
        break
    except OSError:
        time.sleep(0.02)' "$dyn" "$KT_TMP/peak" "$KT_TMP/peak.stop" &
sampler=$!
kt_on_exit "touch $KT_TMP/peak.stop; wait $sampler 2>/dev/null"
hog 192
hog_wait || kt_fail "the workload was killed under autoscale: $(cat "$KT_TMP/events.json") $(cat "$KT_TMP/daemon.err")"
kt_hog_verify || kt_fail "the workload's memory is not intact"
grows=$(jq_py "$KT_TMP/events.json" 'sum(1 for e in d if e["event"] == "grow" and not e.get("exit_code"))')
[ "$grows" -ge 1 ] || kt_fail "no grow event: $(cat "$KT_TMP/events.json")"
kt_log "  intact; $grows dynamic file(s) added: $(jq_py "$KT_TMP/events.json" '", ".join("%s (%s)" % (e["path"], e["why"]) for e in d if e["event"] == "grow")')"
grep -q 'x-swapctl' "$fstab" && kt_fail "a dynamic file went into fstab: $(cat "$fstab")"
"${S[@]}" --json status >"$KT_TMP/status.json"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
bad = [x for x in d["drift"] if x["target"].startswith(sys.argv[2])]
sys.exit("status reports drift for dynamic files: %s" % bad if bad else 0)' "$KT_TMP/status.json" "$dyn/" ||
	kt_fail "status: $(cat "$KT_TMP/status.json")"

kt_log "after the workload: the dynamic files are retired"
for ((i = 0; i < 600; i++)); do [ "$(dynamic_kib)" = 0 ] && break; sleep 0.1; done
[ "$(dynamic_kib)" = 0 ] || kt_fail "dynamic files still active 60 s after the workload: $(cat /proc/swaps)"
ls "$dyn" | grep -q '^dynamic\.' && kt_fail "retired files left on disk: $(ls "$dyn")"
touch "$KT_TMP/peak.stop"
wait "$sampler"
peak=$(cat "$KT_TMP/peak")
kt_log "  peak dynamic swap: $((peak / 1024)) MiB (cap 256 MiB)"
[ "$peak" -le $((256 * 1024)) ] || kt_fail "dynamic swap reached $peak KiB, past --max 256M"
[ "$peak" -gt 0 ] || kt_fail "the sampler never saw a dynamic file"

kt_log "a termination signal stops it"
kill -TERM "$daemon"
wait "$daemon" 2>/dev/null
grep -q '"stop"' "$KT_TMP/events.json" || kt_fail "no stop event: $(tail -n 3 "$KT_TMP/events.json")"
echo "ok: autoscale"
