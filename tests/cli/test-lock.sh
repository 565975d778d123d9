#!/usr/bin/env bash
# The lock: a mutating command waits a bounded time for another swapctl, then exits 5 with a
# message (and, under --json, one object whose error says so); once the lock is free it runs.
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
command -v flock >/dev/null || { echo "SKIP: flock(1) missing"; exit 77; }

# A private sysroot: the lock lives in <sysroot>/run/swapctl/.
sys="$tmp/sys"
mkdir -p "$sys/proc" "$sys/run"
cp "$SC_FIXTURE_DIR/sysroot-basic/proc/swaps" "$SC_FIXTURE_DIR/sysroot-basic/proc/meminfo" "$sys/proc/"
export SWAPCTL_SYSROOT=$sys
mkdir -m 0700 "$sys/run/swapctl"
: >"$sys/run/swapctl/lock"
chmod 0600 "$sys/run/swapctl/lock"
printf '/srv/x.swap none swap defaults,pri=10,x-swapctl,nofail 0 0\n' >"$tmp/fstab"
cp "$tmp/fstab" "$tmp/fstab.orig"

# Hold the lock from another process until told to stop.
mkfifo "$tmp/go"
flock "$sys/run/swapctl/lock" sh -c 'echo held; read x <"$1"' sh "$tmp/go" >"$tmp/holder" &
holder=$!
trap 'kill "$holder" 2>/dev/null; pkill -P "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/holder" ] && break; sleep 0.05; done
[ -s "$tmp/holder" ] || { echo "FAIL: the holder never took the lock"; exit 1; }

export SWAPCTL_LOCK_TIMEOUT_MS=300
check 5 "remove while another swapctl holds the lock" \
	"$SWAPCTL" --fstab "$tmp/fstab" remove --all --keep-file
grep -q "another swapctl is running (lock held for more than 300 ms)" "$tmp/err" ||
	fail "the lock message does not say what is going on: $(cat "$tmp/err")"
cmp -s "$tmp/fstab" "$tmp/fstab.orig" || fail "fstab changed while the lock was held"

check 5 "--json while another swapctl holds the lock" \
	"$SWAPCTL" --json --fstab "$tmp/fstab" remove --all --keep-file
[ "$(json "$tmp/out" 'd["error"]["exit_code"]')" = 5 ] || fail "--json: no error with exit_code 5"
[ "$(json "$tmp/out" 'd["changed"]')" = False ] || fail "--json: changed is not false"

# --dry-run takes no lock: it changes nothing.
check 0 "--dry-run does not wait for the lock" \
	"$SWAPCTL" --dry-run --fstab "$tmp/fstab" remove --all --keep-file

# Released: the same command runs.
echo >"$tmp/go"
wait "$holder"
check 0 "remove once the lock is free" "$SWAPCTL" --fstab "$tmp/fstab" remove --all --keep-file
grep -q '^/srv/x.swap' "$tmp/fstab" && fail "the entry was not removed once the lock was free"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "lock checks passed"
