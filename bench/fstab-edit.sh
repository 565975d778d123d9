#!/usr/bin/env bash
# One fstab edit on a 10,000-entry fstab; claim (issue 3): under 20 ms, memory linear in
# the size of the file.
# Usage: bench/fstab-edit.sh [BUILD_DIR]
#
# Two files of 10,000 entries: a worst case where every 4th line is a swap entry (2,500:
# validation re-reads every swap line with libmount) and a typical one with 10 swap entries.
# For each, on a file in $TMPDIR (default /var/tmp, a disk, so fsync costs what it costs):
#   the phases of swapctl's edit in one process (load, edit, validate, commit);
#   hyperfine, one process per edit: swapctl (load, edit, validate with libmount and
#   getmntent, atomic write with fsync of file and directory, backup) against `sed -i`
#   (temp file and rename, but no fsync, no validation, matching by regex) and against
#   `sed -i` followed by `sync` of the file and its directory; an append and an update of an
#   entry in the middle of the file; with the ratios.
# Then the peak RSS of one edit for 1,000, 10,000 and 100,000 entries.
set -euo pipefail
build=${1:-$(dirname "$0")/../build}
bench=$build/bench/bench-fstab-edit
[ -x "$bench" ] || { echo "build first: $bench missing" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/swapctl-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
f=$dir/fstab
echo "files in $dir ($(stat -f -c %T "$dir")); load average $(cut -d' ' -f1-3 /proc/loadavg)"

scenario() { # label swap_every update_target
	local label=$1 every=$2 target=$3
	local new="/swap/bench-add none swap defaults,pri=100,x-swapctl,nofail 0 0"
	local upd="$target none swap defaults,pri=100,x-swapctl,nofail 0 0"

	"$bench" --generate 10000 "$every" > "$dir/orig"
	echo
	echo "== $label: $(grep -c ' swap ' "$dir/orig") swap entries, $(wc -l < "$dir/orig") lines, $(wc -c < "$dir/orig") bytes"
	cp "$dir/orig" "$f"
	"$bench" --loops 100 "$f" /swap/bench-add
	"$bench" --loops 100 "$f" "$target"
	hyperfine -N --style basic --warmup 5 --runs 100 --export-json "$dir/add.json" \
		--prepare "cp $dir/orig $f" \
		-n "swapctl add" "$bench $f /swap/bench-add" \
		-n "sed -i add" "sed -i '\$a $new' $f" \
		-n "sed -i add + sync" "sh -c 'sed -i \"\\\$a $new\" $f && sync $f $dir'" >/dev/null
	hyperfine -N --style basic --warmup 5 --runs 100 --export-json "$dir/upd.json" \
		--prepare "cp $dir/orig $f" \
		-n "swapctl update" "$bench $f $target" \
		-n "sed -i update" "sed -i 's|^$target .*|$upd|' $f" \
		-n "sed -i update + sync" "sh -c 'sed -i \"s|^$target .*|$upd|\" $f && sync $f $dir'" >/dev/null
	python3 - "$dir/add.json" "$dir/upd.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    res = json.load(open(path))["results"]
    ours = res[0]
    print(f"{ours['command']}: median {ours['median'] * 1e3:.2f} ms, "
          f"user {ours['user'] * 1e3:.1f} ms, system {ours['system'] * 1e3:.1f} ms (budget 20 ms)")
    for other in res[1:]:
        print(f"  {other['command']}: median {other['median'] * 1e3:.2f} ms; "
              f"ratio swapctl / this = {ours['median'] / other['median']:.2f}")
PY
}

scenario "worst case" 4 /srv/swap/file005003
scenario "typical" 1000 /srv/swap/file004999

echo
echo "peak RSS of one swapctl edit (add), by file size:"
for n in 1000 10000 100000; do
	"$bench" --generate "$n" > "$f"
	kb=$(/usr/bin/time -f '%M' "$bench" "$f" /swap/bench-add 2>&1 >/dev/null | tail -1)
	printf '  %6d entries, %8d bytes: %6d KiB\n' "$n" "$(wc -c < "$f")" "$kb"
done
