#!/usr/bin/env bash
# The resume offset swapctl computes for a swapfile (lib/resume-offset.c, run through
# tests/helpers/resume-offset-probe.c) against the tools that compute it independently:
#  - ext4 and xfs: filefrag -v, the physical start of extent 0 in filesystem blocks, times the
#    block size, divided by the page size;
#  - btrfs: btrfs inspect-internal map-swapfile -r (btrfs-progs 6.1+), which maps the logical
#    address through the chunk tree itself.
# Each on a fresh loop-mounted filesystem and again after its free space was cut into 1 MiB
# holes, so the file is fragmented and does not start where an empty filesystem puts it; on
# btrfs once more after a balance has moved the data to other chunks. ext4
# and xfs with 1 KiB blocks can put a file's first block off a page boundary (ext4's block
# groups start at block 1): such a file is refused (exit 3). Unprivileged, the btrfs chunk tree
# cannot be read: exit 1 with a message saying it needs root; ext4 needs no privilege.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root

probe=$(dirname "$SWAPCTL")/tests/resume-offset-probe
[ -x "$probe" ] || kt_fail "$probe not built"
command -v filefrag >/dev/null || kt_skip "filefrag (e2fsprogs) is missing"
ps=$(getconf PAGESIZE)
fstab=$KT_TMP/fstab
: >"$fstab"
checked=0 refused=0 skipped=""

mkswapfile() { # mkswapfile PATH SIZE
	"$SWAPCTL" --fstab "$fstab" add "$2" --path "$1" --no-enable --no-persist \
		>"$KT_TMP/out" 2>&1 || kt_fail "swapctl add $2 --path $1: $(cat "$KT_TMP/out")"
}

# filefrag_first FILE -> "BLOCKSIZE LOGICAL PHYSICAL N extents": extent 0, in filefrag's blocks
filefrag_first() {
	filefrag -v -s "$1" | awk '
		/^File size of .* blocks of [0-9]+ bytes\)$/ { bs = $(NF - 1) }
		$1 == "0:" && !first {
			split($0, f, ":")
			l = f[2]; sub(/\.\..*/, "", l); gsub(/ /, "", l)
			p = f[3]; sub(/\.\..*/, "", p); gsub(/ /, "", p)
			first = bs " " l " " p
		}
		/ extents? found$/ { n = $(NF - 2) " extent" ($(NF - 2) == 1 ? "" : "s") }
		END { if (first == "" || bs == "" || n == "") exit 1; print first, n }'
}

# fragment MNT WHAT: fill the free space with 1 MiB files, then delete every other one
fragment() {
	local d=$1/frag i=0 j
	mkdir "$d"
	while fallocate -l 1M "$d/$i" 2>/dev/null; do i=$((i + 1)); done
	rm -f -- "$d/$i"
	for ((j = 0; j < i; j += 2)); do rm -f -- "$d/$j"; done
	sync -f "$1"
	# XFS frees a deleted file's blocks in the background, after sync even: wait until the
	# free space stops growing (five looks alike, 0.1 s apart), at most 10 s.
	python3 -c 'import os, sys, time
last, same = -1, 0
for _ in range(100):
    now = os.statvfs(sys.argv[1]).f_bavail
    same = same + 1 if now == last else 0
    if same == 4:
        break
    last = now
    time.sleep(0.1)' "$1"
	kt_log "$2: filled the free space with $i files of 1 MiB, deleted every other one"
}

# run_probe FILE -> sets $got and $rc, the probe's stderr in $KT_TMP/err
run_probe() {
	rc=0
	got=$("$probe" "$1" 2>"$KT_TMP/err") || rc=$?
}

# check_fiemap FILE WHAT: ext4/xfs, against filefrag
check_fiemap() {
	local f=$1 what=$2 bs lo phys n sbs want
	read -r bs lo phys n < <(filefrag_first "$f") || kt_fail "$what: cannot parse filefrag -v"
	[ "$lo" = 0 ] || kt_fail "$what: filefrag's extent 0 starts at file block $lo"
	sbs=$(stat -f -c %S "$f")
	[ "$bs" = "$sbs" ] || kt_fail "$what: filefrag counts blocks of $bs bytes, statfs says $sbs"
	run_probe "$f"
	if (((phys * bs) % ps != 0)); then
		[ "$rc" = 3 ] || kt_fail "$what: extent 0 at byte $((phys * bs)) is off a page boundary," \
			"probe exit $rc (want 3): $got $(cat "$KT_TMP/err")"
		grep -q 'not on a page boundary' "$KT_TMP/err" ||
			kt_fail "$what: refusal lacks the reason: $(cat "$KT_TMP/err")"
		echo "ok: $what: refused (exit 3): extent 0 at block $phys of $bs bytes = byte" \
			"$((phys * bs)), $(((phys * bs) % ps)) bytes past a page boundary ($n)"
		refused=$((refused + 1))
		return
	fi
	want=$((phys * bs / ps))
	[ "$rc" = 0 ] || kt_fail "$what: probe exit $rc: $(cat "$KT_TMP/err")"
	[ "$got" = "$want" ] ||
		kt_fail "$what: probe says $got pages; filefrag: block $phys of $bs bytes = $want pages"
	echo "ok: $what: resume offset $got pages = filefrag's extent 0 at block $phys of $bs" \
		"bytes ($n)"
	checked=$((checked + 1))
}

# check_btrfs FILE WHAT: against btrfs-progs
check_btrfs() {
	local f=$1 what=$2 want bs lo lphys n
	want=$(btrfs inspect-internal map-swapfile -r "$f" 2>"$KT_TMP/err") ||
		kt_fail "$what: map-swapfile failed: $(cat "$KT_TMP/err")"
	read -r bs lo lphys n < <(filefrag_first "$f") || kt_fail "$what: cannot parse filefrag -v"
	run_probe "$f"
	[ "$rc" = 0 ] || kt_fail "$what: probe exit $rc: $(cat "$KT_TMP/err")"
	[ "$got" = "$want" ] || kt_fail "$what: probe says $got pages, map-swapfile -r $want"
	echo "ok: $what: resume offset $got pages = map-swapfile -r $want (FIEMAP's logical" \
		"address: $((lphys * bs / ps)) pages; $n)"
	checked=$((checked + 1))
}

for fs in ext4 xfs btrfs; do
	if ! command -v "mkfs.$fs" >/dev/null; then
		echo "# $fs: mkfs.$fs is not installed, skipping it"
		skipped="$skipped $fs"
		continue
	fi
	if [ "$fs" = btrfs ] && ! btrfs inspect-internal map-swapfile --help >/dev/null 2>&1; then
		echo "# btrfs: btrfs-progs has no inspect-internal map-swapfile (6.1+), skipping it"
		skipped="$skipped btrfs"
		continue
	fi
	# mke2fs.conf gives filesystems below 512 MiB 1 KiB blocks; the page-sized ones first
	opt=()
	[ "$fs" = ext4 ] && opt=(-b 4096)
	mnt=$(kt_mkfs "$fs" 320 "${opt[@]}") || {
		echo "# $fs: $mnt, skipping it"
		skipped="$skipped $fs"
		continue
	}
	check=check_fiemap
	[ "$fs" = btrfs ] && check=check_btrfs
	mkswapfile "$mnt/swapfile" 64M
	$check "$mnt/swapfile" "$fs, fresh"
	if [ "$fs" = btrfs ]; then
		# A balance moves the data to new chunks: new logical addresses, a new offset.
		before=$got
		btrfs balance start --full-balance "$mnt" >"$KT_TMP/out" 2>&1 ||
			kt_fail "btrfs balance: $(cat "$KT_TMP/out")"
		check_btrfs "$mnt/swapfile" "btrfs, after a balance (before it: $before pages)"
	fi
	fragment "$mnt" "$fs"
	mkswapfile "$mnt/swapfile2" 32M
	$check "$mnt/swapfile2" "$fs, fragmented free space"

	if [ "$fs" = btrfs ]; then
		# Unprivileged: the same file content, readable by everyone, passed by descriptor.
		dd if=/dev/urandom of="$mnt/plain" bs=64K count=16 conv=fsync status=none
		chmod 0644 "$mnt/plain"
		if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$probe" 2>/dev/null; then
			rc=0
			setpriv --reuid=65534 --regid=65534 --clear-groups "$probe" /proc/self/fd/3 \
				3<"$mnt/plain" >/dev/null 2>"$KT_TMP/err" || rc=$?
			[ "$rc" = 1 ] || kt_fail "btrfs as uid 65534: probe exit $rc, want 1: $(cat "$KT_TMP/err")"
			grep -q 'needs root' "$KT_TMP/err" ||
				kt_fail "btrfs as uid 65534: message lacks 'needs root': $(cat "$KT_TMP/err")"
			echo "ok: btrfs as uid 65534: exit 1: $(head -n1 "$KT_TMP/err")"
		else
			echo "# uid 65534 cannot run $probe (a private parent directory), skipping that case"
		fi
	fi
	if [ "$fs" = ext4 ] && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$probe" 2>/dev/null; then
		rc=0
		chmod 0644 "$mnt/swapfile"
		u=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$probe" /proc/self/fd/3 \
			3<"$mnt/swapfile" 2>"$KT_TMP/err") || rc=$?
		chmod 0600 "$mnt/swapfile"
		[ "$rc" = 0 ] || kt_fail "ext4 as uid 65534: probe exit $rc: $(cat "$KT_TMP/err")"
		r=$("$probe" "$mnt/swapfile")
		[ "$u" = "$r" ] || kt_fail "ext4 as uid 65534: $u pages, as root $r"
		echo "ok: ext4 as uid 65534: $u pages, the same as root"
	fi
done

# 1 KiB blocks: ext4's block groups start at block 1, so a file often starts 1 KiB past a page
# boundary; xfs's allocation groups are aligned. Either way the probe must agree with filefrag:
# the offset where the start is aligned, a refusal (exit 3) where it is not.
for fs in ext4 xfs; do
	command -v "mkfs.$fs" >/dev/null || continue
	opt=(-b 1024)
	[ "$fs" = xfs ] && opt=(-b size=1024)
	mnt=$(kt_mkfs "$fs" 320 "${opt[@]}") || {
		echo "# $fs with 1 KiB blocks: $mnt, skipping it"
		continue
	}
	mkswapfile "$mnt/swapfile" 64M
	check_fiemap "$mnt/swapfile" "$fs with 1 KiB blocks, fresh"
	fragment "$mnt" "$fs with 1 KiB blocks"
	mkswapfile "$mnt/swapfile2" 32M
	check_fiemap "$mnt/swapfile2" "$fs with 1 KiB blocks, fragmented free space"
done

[ $((checked + refused)) -gt 0 ] || kt_skip "no filesystem could be checked:$skipped"
echo "compared $checked offsets, $refused refusals off a page boundary${skipped:+; skipped:$skipped}"
