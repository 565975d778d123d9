#!/usr/bin/env bash
# The man page's SYNOPSIS and `swapctl --help` list the same command lines, and every
# command in them answers `swapctl COMMAND --help` with exit 0.
set -u
SWAPCTL=${SWAPCTL:?}
MAN=${SC_SOURCE_DIR:?}/man/swapctl.8
help=$("$SWAPCTL" --help) || { echo "FAIL: --help"; exit 1; }
python3 - "$MAN" "$help" <<'PY' || exit 1
import re, sys
man, help_text = open(sys.argv[1]).read(), sys.argv[2]
syn = man.split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0]
syn = syn.split(".nf", 1)[1].split(".fi", 1)[0]
syn = re.sub(r"\\f[BIRP]", "", syn).replace("\\-", "-")
entries = []
for line in syn.splitlines():
    if line.startswith("swapctl "):
        entries.append(line[len("swapctl "):])
    elif line.startswith(" ") and entries:
        entries[-1] += " " + line.strip()
norm = lambda s: " ".join(s.split())
flat = norm(help_text)
missing = [e for e in entries[1:] if norm(e) not in flat]
if missing:
    print("FAIL: in the man SYNOPSIS but not in --help:", *missing, sep="\n  ")
    sys.exit(1)
print("ok: %d synopsis lines match --help" % (len(entries) - 1))
PY
fails=0
for cmd in status add remove resize rotate priority "zram add" "zram remove" "zram estimate" \
	"zswap enable" "sysctl show" "sysctl apply" doctor boot; do
	# shellcheck disable=SC2086
	if ! "$SWAPCTL" $cmd --help >/dev/null; then
		echo "FAIL: swapctl $cmd --help"
		fails=$((fails + 1))
	fi
done
[ "$fails" = 0 ] && echo "ok: every command has --help" || exit 1
