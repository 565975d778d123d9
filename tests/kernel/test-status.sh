#!/usr/bin/env bash
# status --json on the real kernel: a swapfile made and activated with util-linux in a
# loop-mounted ext4 image is reported exactly as /proc/swaps shows it.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root
command -v mkswap >/dev/null || kt_skip "mkswap missing"

mnt=$(kt_mkfs ext4 96)
f="$mnt/status test.swap" # a space: /proc/swaps escapes it as \040
fallocate -l 16M "$f" && chmod 600 "$f" && mkswap -q "$f" >/dev/null || kt_fail "mkswap"
swapon -p 7 "$f" || kt_skip "swapon on a loop-mounted ext4 file failed"
kt_track_swap "$f"
# The fstab names the file with another spelling (//): entries are matched by identity.
esc=${f// /\\040}
printf '# test fstab\n%s none swap defaults,pri=7 0 0\n' "/${esc}" >"$KT_TMP/fstab"

"$SWAPCTL" --fstab "$KT_TMP/fstab" status --json >"$KT_TMP/out" || kt_fail "status exit $?"
python3 - "$KT_TMP/out" "$f" <<'PY' || kt_fail "status --json disagrees with /proc/swaps"
import json, sys
d = json.load(open(sys.argv[1]))
path = sys.argv[2]
def unescape(s):
    import re
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), s)
rows = {}
for line in open("/proc/swaps").read().splitlines()[1:]:
    f = line.split()
    rows[unescape(f[0])] = (f[1], int(f[2]) * 1024, int(f[3]) * 1024, int(f[4]))
mine = [e for e in d["swaps"] if e["path"] == path]
assert len(mine) == 1, d["swaps"]
e = mine[0]
t, size, used, prio = rows[path]
assert e["type"] == t, (e, t)
assert e["size_bytes"] == size and e["used_bytes"] == used and e["priority"] == prio == 7, e
assert e["persistent"] is True and e["managed"] is False, e
fst = [x for x in d["fstab"] if x["active"]]
assert len(fst) == 1 and fst[0]["source"] == "/" + path, d["fstab"]
assert not [x for x in d["drift"] if x["target"] in (path, "/" + path)], d["drift"]
# every area reported was active (other programs may add or remove areas meanwhile)
assert len(d["swaps"]) >= 1
print("ok: status matches /proc/swaps for", path)
PY
