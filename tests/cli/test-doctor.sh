#!/usr/bin/env bash
# swapctl doctor on the fixture trees of tests/fixtures/doctor (base + one overlay per case):
# the ids each case expects, exit status 4 exactly when a warning or error is found, the JSON
# shape swapctl(8) documents, and the human rendering. Cases whose file attributes need the fake
# system layer (an "attrs" file) are covered by tests/component/test-doctor.c.
set -u
SWAPCTL=${SWAPCTL:?}
FIX=${SC_FIXTURE_DIR:?}/doctor
# The fixture swapfile must be root's, as on a real system, or every case finds it insecure.
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to own the fixture swapfile"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

tree() { # tree CASE -> prints the root of a fresh copy of base + CASE
	local t=$tmp/$1
	rm -rf "$t"
	cp -a "$FIX/base" "$t"
	cp -a "$FIX/$1/." "$t/"
	rm -f "$t/expect" "$t/attrs"
	chown -R 0:0 "$t"
	find "$t/swap" "$t/var" -type f -exec chmod 0600 {} + 2>/dev/null
	echo "$t"
}
doctor() { # doctor ROOT ARGS...: the fixture as a running machine (SWAPCTL_ROOT, not --root)
	local t=$1
	shift
	SWAPCTL_SYSROOT=$t SWAPCTL_ROOT=$t "$SWAPCTL" --fstab "$t/etc/fstab" --sysctl-dir "$t/etc/sysctl.d" doctor "$@"
}

n=0
: >"$tmp/cases"
for dir in "$FIX"/*/; do
	name=$(basename "$dir")
	[ "$name" = base ] && continue
	[ -e "$dir/attrs" ] && continue
	t=$(tree "$name")
	rc=0
	doctor "$t" --json >"$tmp/$name.json" 2>"$tmp/$name.err" || rc=$?
	printf '%s %s %s\n' "$name" "$rc" "$dir/expect" >>"$tmp/cases"
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n cases ran"
python3 - "$tmp" <<'PY' || fail "see above"
import json, sys
tmp = sys.argv[1]
bad = 0
for line in open(tmp + "/cases"):
    name, rc, expect = line.split()
    rc = int(rc)
    try:
        d = json.load(open(f"{tmp}/{name}.json"))
        assert set(d) >= {"findings"}, d
        for f in d["findings"]:
            assert set(f) >= {"id", "severity", "message", "fix"}, f
            assert all(isinstance(f[k], str) and f[k] for k in ("id", "severity", "message", "fix")), f
            assert f["severity"] in ("info", "warning", "error"), f
            assert f["id"] == f["id"].lower() and " " not in f["id"], f
        want = sorted(l for l in open(expect).read().split("\n") if l)
        got = sorted(f["id"] for f in d["findings"])
        assert got == want, (got, want)
        problems = any(f["severity"] != "info" for f in d["findings"])
        assert rc == (4 if problems else 0), (rc, problems)
        assert d.get("problems") == problems, d
    except Exception as e:
        bad += 1
        print(f"FAIL {name}: {e!r}\n{open(f'{tmp}/{name}.err').read()}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Human output: the healthy machine, and the symptom doctor exists for.
t=$(tree healthy)
out=$(doctor "$t") || fail "healthy: exit $?"
[ "$out" = "no problems found" ] || fail "healthy: $out"
t=$(tree oom-with-free-swap)
rc=0
out=$(doctor "$t") || rc=$?
[ "$rc" = 4 ] || fail "oom-with-free-swap: exit $rc"
grep -q '^warning: oom-kills$' <<<"$out" || fail "no oom-kills heading: $out"
grep -q 'see swappiness-zero' <<<"$out" || fail "the kill is not explained: $out"
grep -q '^  fix: ' <<<"$out" || fail "no fix line: $out"
grep -q '^0 errors, 2 warnings, 0 notes$' <<<"$out" || fail "no summary: $out"

# --root is an image: the host's OOM kills, live swap and vm.* values (here the fixture's
# sysroot, with kills in its kernel log and an active swapfile) are not findings about it,
# while doctor without --root reports them.
t=$(tree oom-with-free-swap)
rc=0
SWAPCTL_SYSROOT=$t "$SWAPCTL" --fstab "$t/etc/fstab" --sysctl-dir "$t/etc/sysctl.d" doctor --json \
	>"$tmp/live.json" || rc=$?
[ "$rc" = 4 ] || fail "doctor without --root: exit $rc"
python3 -c 'import json,sys; ids={f["id"] for f in json.load(open(sys.argv[1]))["findings"]}; assert "oom-kills" in ids, ids' \
	"$tmp/live.json" || fail "doctor without --root does not report the kills"
rc=0
SWAPCTL_SYSROOT=$t "$SWAPCTL" --root "$t" doctor --json >"$tmp/image.json" || rc=$?
[ "$rc" = 0 ] || fail "doctor --root: exit $rc: $(cat "$tmp/image.json")"
python3 -c 'import json,sys; ids={f["id"] for f in json.load(open(sys.argv[1]))["findings"]}; assert not ids & {"oom-kills","swappiness-zero","no-swap","swap-nearly-full","zone-below-low-watermark","fstab-swap-inactive","swap-not-persistent","sysctl-drift"}, ids' \
	"$tmp/image.json" || fail "doctor --root reports the host's live state"
out=$(SWAPCTL_SYSROOT=$t "$SWAPCTL" --root "$t" doctor) || fail "doctor --root (human): exit $?"
grep -qi 'oom\|killed' <<<"$out" && fail "doctor --root mentions OOM kills: $out"

# status and doctor read one observation: every drift record status shows is a doctor finding
# and back (a duplicated line is reported by doctor as the duplicate only), on each case as a
# running machine and as an image.
: >"$tmp/pairs"
for dir in "$FIX"/*/; do
	name=$(basename "$dir")
	[ "$name" = base ] && continue
	[ -e "$dir/attrs" ] && continue
	t=$(tree "$name")
	for mode in live image; do
		if [ $mode = live ]; then
			run() { SWAPCTL_SYSROOT=$t SWAPCTL_ROOT=$t "$SWAPCTL" --fstab "$t/etc/fstab" \
				--sysctl-dir "$t/etc/sysctl.d" "$@"; }
		else
			run() { SWAPCTL_SYSROOT=$t "$SWAPCTL" --root "$t" "$@"; }
		fi
		run --json status >"$tmp/$name.$mode.status" 2>/dev/null || fail "$name: status ($mode)"
		run --json doctor >"$tmp/$name.$mode.doctor" 2>/dev/null || [ $? = 4 ] ||
			fail "$name: doctor ($mode)"
		printf '%s %s\n' "$name" "$mode" >>"$tmp/pairs"
	done
done
python3 - "$tmp" <<'PY' || fail "status and doctor disagree"
import collections, json, sys
tmp = sys.argv[1]
ids = {"not-persisted": "swap-not-persistent", "missing": "fstab-swap-missing",
       "inactive": "fstab-swap-inactive", "duplicate": "fstab-swap-duplicate",
       "rotation-pending": "rotation-pending", "orphaned": "orphaned-swapfile"}
bad = 0
for line in open(tmp + "/pairs"):
    name, mode = line.split()
    drift = json.load(open(f"{tmp}/{name}.{mode}.status"))["drift"]
    found = json.load(open(f"{tmp}/{name}.{mode}.doctor"))["findings"]
    dup = {d["message"].split(" both name ")[0].split(" lines ")[1].split(" and ")[1]
           for d in drift if d["kind"] == "duplicate"}
    want = collections.Counter(
        ids[d["kind"]] for d in drift
        if not (d["kind"] in ("missing", "inactive") and
                d["message"].split(" line ")[1].split(" ")[0] in dup))
    got = collections.Counter(f["id"] for f in found if f["id"] in ids.values())
    if want != got:
        bad += 1
        print(f"FAIL {name} ({mode}): status {dict(want)}, doctor {dict(got)}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Bad usage.
rc=0
doctor "$t" --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "unknown option: exit $rc"
echo "ok: $n doctor cases"
