#!/usr/bin/env bash
# Global options, dispatch and exit codes of the command line, on a fixture tree.
set -u
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
FIX=${SC_FIXTURE_DIR:?}/sysroot-basic
export SWAPCTL_SYSROOT=$FIX


check 0 "--help" "$SWAPCTL" --help
grep -q '^Usage: swapctl' "$tmp/out" || { echo "FAIL: --help text"; fails=$((fails + 1)); }
check 0 "-h" "$SWAPCTL" -h
check 0 "--version" "$SWAPCTL" --version
grep -q '^swapctl [0-9]' "$tmp/out" || { echo "FAIL: version text"; fails=$((fails + 1)); }
check 0 "-V" "$SWAPCTL" -V
check 2 "no command" "$SWAPCTL"
check 2 "unknown command" "$SWAPCTL" frobnicate
grep -q "unknown command 'frobnicate'" "$tmp/err" || { echo "FAIL: unknown command message"; fails=$((fails + 1)); }
check 2 "unknown global option" "$SWAPCTL" --bogus status
check 2 "unknown command option" "$SWAPCTL" status --bogus
check 2 "missing option value" "$SWAPCTL" status --root
check 2 "extra operand" "$SWAPCTL" status extra
check 0 "status --help" "$SWAPCTL" status --help
grep -q '^Usage: swapctl status' "$tmp/out" || { echo "FAIL: status --help text"; fails=$((fails + 1)); }
check 0 "status" "$SWAPCTL" status
check 0 "global option after command" "$SWAPCTL" status --json
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" ||
	{ echo "FAIL: status --json is not JSON"; fails=$((fails + 1)); }
check 0 "global option before command" "$SWAPCTL" --json -q status
check 0 "--root=DIR form" "$SWAPCTL" --root="$tmp" status --json
[ -s "$tmp/err" ] && { echo "FAIL: --json wrote to stderr:"; cat "$tmp/err"; fails=$((fails + 1)); }

# Under --json even a refused or malformed request prints exactly one JSON object.
check 2 "--json usage error" "$SWAPCTL" --json add 010G
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"]["exit_code"] == 2 and d["changed"] is False and d["actions"] == []' "$tmp/out" ||
	{ echo "FAIL: --json usage error is not one JSON object with the error"; fails=$((fails + 1)); }

# Every write to stdout is checked, including at exit.
if [ -e /dev/full ]; then
	rc=0
	"$SWAPCTL" status >/dev/full 2>"$tmp/err" || rc=$?
	if [ "$rc" != 1 ]; then
		echo "FAIL: status > /dev/full: exit $rc, want 1"
		fails=$((fails + 1))
	else
		echo "ok: status > /dev/full fails"
	fi
	rc=0
	"$SWAPCTL" --help >/dev/full 2>/dev/null || rc=$?
	[ "$rc" = 1 ] && echo "ok: --help > /dev/full fails" ||
		{ echo "FAIL: --help > /dev/full: exit $rc"; fails=$((fails + 1)); }
fi

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
