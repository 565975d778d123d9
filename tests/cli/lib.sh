# Shared helpers for the CLI tests (sourced, not run).
#   check WANT_RC DESCRIPTION CMD...   run CMD (stdout in $tmp/out, stderr in $tmp/err) and
#                                      count a failure unless it exits WANT_RC
#   fail MESSAGE                       count a failure
#   json FILE EXPR                     print a Python expression over the JSON in FILE (as d)
# $tmp is a private temp dir (mode 0755) removed at exit; tests may replace the EXIT trap.
set -u
SWAPCTL=${SWAPCTL:?SWAPCTL must point at the built binary}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"

check() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $what: exit $rc, want $want"
		sed 's/^/  stderr: /' "$tmp/err"
		fails=$((fails + 1))
	else
		echo "ok: $what"
	fi
}

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
