#!/usr/bin/env bash
# The unit and component tiers pass unprivileged: run as root, this runs every one of their
# executables again as uid 65534 (nobody), from a directory of its own, so a test that only
# passes as root (a real chown, a lock directory owned by root) fails here.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: run as a user already; this test is for root"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is missing"; exit 77; }
build=${SC_BUILD_DIR:?}
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" "$@"; }
mkdir -p "$tmp/home" && chown 65534:65534 "$tmp/home"
for p in "$build/tests" "${SC_SOURCE_DIR:?}/tests/fixtures"; do
	as_nobody test -r "$p" -a -x "$p" ||
		{ echo "SKIP: uid 65534 cannot reach $p (a parent directory is private)"; exit 77; }
done
n=0
for t in "$build"/tests/unit-test-* "$build"/tests/component-test-*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	rc=0
	(cd "$tmp/home" && as_nobody "$t") >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		fail "$(basename "$t") as uid 65534: exit $rc"
		grep -E 'FAILED|ERROR|LINE' "$tmp/out" | head -n 8 | sed 's/^/  /'
	fi
done
[ "$n" -gt 20 ] || fail "found only $n test executables in $build/tests"
echo "ran $n unit and component executables as uid 65534"
[ "$fails" = 0 ] || exit 1
