#!/usr/bin/env bash
# --dry-run takes the real run's path up to the first effect: the same exit code and the same
# actions, refusals included (an fstab edit that would be refused is refused in the plan).
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (swapfile directories must be root-owned)"; exit 77; }

# The actions as (action, target) pairs, for comparing a plan with what was done.
pairs() { json "$1" '[(a["action"], a["target"]) for a in d["actions"]]'; }

# Run "$@" under --dry-run and for real; the exit codes and action lists must agree.
same() {
	local what=$1 rc1=0 rc2=0
	shift
	"$SWAPCTL" --json --dry-run "$@" >"$tmp/dry.json" 2>"$tmp/dry.err" || rc1=$?
	"$SWAPCTL" --json "$@" >"$tmp/real.json" 2>"$tmp/real.err" || rc2=$?
	if [ "$rc1" != "$rc2" ]; then
		fail "$what: --dry-run exits $rc1, the real run $rc2"
		sed 's/^/  dry-run: /' "$tmp/dry.err"
		sed 's/^/  real: /' "$tmp/real.err"
		return
	fi
	if [ "$(pairs "$tmp/dry.json")" != "$(pairs "$tmp/real.json")" ]; then
		fail "$what: the plan differs from what the run did"
		echo "  dry-run: $(pairs "$tmp/dry.json")"
		echo "  real:    $(pairs "$tmp/real.json")"
		return
	fi
	echo "ok: $what (exit $rc1 both)"
	last_rc=$rc1
}

# 1. An entry with an inline comment cannot be updated: refused in both modes, nothing made.
d="$tmp/d1"
mkdir -m 0700 "$d"
printf '%s none swap defaults,pri=5 0 0 # my note\n' "$d/swapfile" >"$d/fstab"
cp "$d/fstab" "$d/fstab.orig"
same "update of an entry with an inline comment" --fstab "$d/fstab" add 1M --no-enable \
	--path "$d/swapfile" --priority 7
[ "$last_rc" = 2 ] || fail "inline comment: exit $last_rc, want 2"
[ ! -e "$d/swapfile" ] || fail "inline comment: the swapfile was created"
cmp -s "$d/fstab" "$d/fstab.orig" || fail "inline comment: fstab changed"
json "$tmp/dry.json" 'd["error"]["message"]' | grep -q "text after its fields" ||
	fail "inline comment: the dry run's error does not say why"

# 2. A plain add: the plan is what the run does.
d="$tmp/d2"
mkdir -m 0700 "$d"
: >"$d/fstab"
same "add on an empty fstab" --fstab "$d/fstab" add 1M --no-enable --path "$d/swapfile"
[ "$last_rc" = 0 ] || fail "plain add: exit $last_rc"
[ -f "$d/swapfile" ] || fail "plain add: no swapfile"
# Again: nothing to do in both modes.
same "add again (nothing to do)" --fstab "$d/fstab" add 1M --no-enable --path "$d/swapfile"
[ "$(json "$tmp/dry.json" 'len(d["actions"])')" = 0 ] || fail "second add plans actions"

# 3. remove, then remove again.
same "remove" --fstab "$d/fstab" remove "$d/swapfile"
[ ! -e "$d/swapfile" ] || fail "remove: the file is still there"
same "remove again (nothing to do)" --fstab "$d/fstab" remove "$d/swapfile"

# 4. A path that needs an escape no fstab reader shares: usage error in both modes.
d="$tmp/d4"
mkdir -m 0700 "$d"
: >"$d/fstab"
same "a path fstab cannot express" --fstab "$d/fstab" add 1M --no-enable \
	--path "$d/a$(printf '\001')b"
[ "$last_rc" = 2 ] || fail "control character: exit $last_rc, want 2"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all dry-run parity checks passed"
