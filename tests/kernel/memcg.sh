# Memory-cgroup helpers for the kernel tests of the swapoff gate and rotation (sourced after
# lib.sh). A test makes its own cgroup v1 memory cgroup, runs memhog.py inside it, and
# removes both at exit. Nothing here touches cgroups or swap areas the test did not make.
#
#   kt_memcg_require                  # skip (77) without the v1 memory controller + swap accounting
#   kt_no_foreign_swap PREFIX         # wait (bounded) until every active area is under PREFIX,
#                                     # skip otherwise: other areas change the outcome
#   kt_foreign_watch PREFIX CMD...    # run CMD (its exit status is returned) while sampling
#                                     # /proc/swaps; skip if an area not under PREFIX showed up
#   cg=$(kt_memcg_create 40)          # /sys/fs/cgroup/memory/<unique> with a 40 MiB limit;
#                                     # prints the cgroup's path below the hierarchy ("/name")
#   kt_hog_start "$cg" 100            # memhog.py with 100 MiB in it; sets HOG_PID
#   kt_hog_verify                     # SIGUSR1, wait: 0 when every byte is intact

KT_MEMCG_ROOT=/sys/fs/cgroup/memory
HOG_PID=

kt_memcg_require() {
	[ -f "$KT_MEMCG_ROOT/memory.limit_in_bytes" ] ||
		kt_skip "no cgroup v1 memory controller at $KT_MEMCG_ROOT"
	[ -f "$KT_MEMCG_ROOT/memory.memsw.usage_in_bytes" ] ||
		kt_skip "no swap accounting (memory.memsw.*: boot with swapaccount=1)"
	command -v python3 >/dev/null || kt_skip "python3 missing"
}

kt_foreign_swaps() {
	kt_active_paths | while IFS= read -r p; do
		case $p in "$1"/*) ;; *) printf '%s\n' "$p" ;; esac
	done
}

kt_no_foreign_swap() {
	local i foreign
	for ((i = 0; i < 60; i++)); do
		foreign=$(kt_foreign_swaps "$1")
		[ -z "$foreign" ] && return 0
		sleep 0.5
	done
	kt_skip "other swap areas are active ($(echo $foreign)); their free space would decide the outcome"
}

kt_foreign_watch() {
	local prefix=$1 watcher rc=0
	shift
	kt_no_foreign_swap "$prefix"
	# A separate process, not a background subshell: killing a subshell of the test has
	# been seen to take the test's state (KT_TMP, its swap areas and mounts) with it.
	python3 -c 'import re, sys, time
pre = sys.argv[1] + "/"
while True:
    for l in open("/proc/swaps").read().splitlines()[1:]:
        p = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), l.split()[0])
        if not p.startswith(pre):
            print(p, flush=True)
    time.sleep(0.02)' "$prefix" >"$KT_TMP/foreign" &
	watcher=$!
	"$@" || rc=$?
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	kt_foreign_swaps "$prefix" >>"$KT_TMP/foreign"
	[ -s "$KT_TMP/foreign" ] &&
		kt_skip "another swap area ($(sort -u "$KT_TMP/foreign" | tr '\n' ' ')) was active during the check; its free space decides the outcome"
	return "$rc"
}

kt_memcg_create() {
	local name="swapctl-kt-$$-$RANDOM" dir
	dir="$KT_MEMCG_ROOT/$name"
	mkdir "$dir" || kt_fail "cannot create memory cgroup $dir"
	kt_on_exit "kt_memcg_remove '$dir'"
	echo "$(($1 * 1024 * 1024))" >"$dir/memory.limit_in_bytes" || kt_fail "cannot set $dir limit"
	echo "/$name"
}

kt_memcg_remove() {
	local dir=$1 i pid
	[ -d "$dir" ] || return 0
	for ((i = 0; i < 50; i++)); do
		while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$dir/cgroup.procs"
		rmdir "$dir" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "warning: could not remove $dir" >&2
}

kt_hog_start() {
	local cg=$1 mib=$2 ready="$KT_TMP/hog.$RANDOM.ready" i
	sh -c 'echo $$ >"$1/cgroup.procs" && exec python3 "$2" "$3" "$4"' sh \
		"$KT_MEMCG_ROOT$cg" "$SC_SOURCE_DIR/tests/kernel/memhog.py" "$mib" "$ready" &
	HOG_PID=$!
	kt_on_exit "kill -KILL $HOG_PID 2>/dev/null"
	for ((i = 0; i < 1200; i++)); do
		[ -e "$ready" ] && return 0
		kill -0 "$HOG_PID" 2>/dev/null || kt_fail "memhog died while filling its memory"
		sleep 0.05
	done
	kt_fail "memhog did not get ready in 60 s"
}

kt_hog_verify() {
	local rc=0
	kill -USR1 "$HOG_PID" 2>/dev/null || return 1
	wait "$HOG_PID" || rc=$?
	HOG_PID=
	return "$rc"
}

# kt_swap_field PATH FIELD -> size|used|prio of an active area, in KiB (empty if not active)
kt_swap_field() {
	awk -v p="$1" -v f="$2" 'NR > 1 && $1 == p {
		if (f == "size") print $3; else if (f == "used") print $4; else print $5 }' /proc/swaps
}
