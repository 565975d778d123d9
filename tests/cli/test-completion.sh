#!/usr/bin/env bash
# completions/swapctl.bash: _swapctl driven through COMP_WORDS/COMP_CWORD as bash does on TAB.
# Commands, subcommands and options come from the binary's --help, so the lists below are what
# the help of this version offers: a command or option added to swapctl belongs here too.
# Swapfiles come from the fstab's x-swapctl entries (--fstab, --root), zram devices from a
# fixture sysroot (SWAPCTL_SYSROOT) with /run/swapctl/zram-ids, /sys/block and /proc/swaps.
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "SKIP: bash-completion is not installed ($bc)"; exit 77; }
set +u
# shellcheck source=/dev/null
source "$bc"
source "$SC_SOURCE_DIR/completions/swapctl.bash"
set -u
declare -F _swapctl >/dev/null || { fail "completions/swapctl.bash defines no _swapctl"; exit 1; }

# comp WORD...: complete the last WORD (the words as bash splits them: "--opt" "=" "value")
comp() {
	local i
	COMP_WORDS=("$SWAPCTL" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=${COMP_WORDS[0]}
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		if [[ ${COMP_WORDS[i]} == = || ${COMP_WORDS[i - 1]} == = ]]; then
			COMP_LINE+=${COMP_WORDS[i]}
		else
			COMP_LINE+=" ${COMP_WORDS[i]}"
		fi
	done
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	set +u
	_swapctl "$SWAPCTL" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$tmp/comp.err"
	set -u
	[ -s "$tmp/comp.err" ] && fail "swapctl $*: stderr: $(cat "$tmp/comp.err")"
	if ((${#COMPREPLY[@]})); then
		printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
	fi
}

# expect "WORD..." CANDIDATE...: the candidates for the line, in any order
expect() {
	local line=$1 got want
	shift
	read -ra words <<<"$line"
	[[ -z $line || $line == *" " ]] && words+=("")
	got=$(comp "${words[@]}")
	want=$(if (($#)); then printf '%s\n' "$@" | LC_ALL=C sort; fi)
	if [ "$got" = "$want" ]; then
		echo "ok: swapctl $line"
	else
		fail "swapctl $line: got [$(echo $got)], want [$(echo $want)]"
	fi
}

echo "# commands, subcommands, options"
expect "" status add remove resize rotate priority zram zswap sysctl doctor boot apply export \
	autoscale hibernate
expect "ro" rotate
expect "-" --dry-run --fstab --help --json --quiet --root --sysctl-dir --verbose --version \
	-V -h -n -q -v
expect "--json zr" zram
expect "-n --root /mnt z" zram zswap
expect "zram " add remove estimate writeback recompress
expect "zswap " enable disable
expect "sysctl " show apply
expect "status -" --json --help
expect "doctor -" --json --help
expect "add -" --discard --discard= --force --help --hibernate --label --no-enable --no-persist \
	--path --priority --reserve
expect "add --priority 5 --no" --no-enable --no-persist
expect "remove -" --all --force --help --keep-file
expect "resize -" --force --help -f -h
expect "rotate -" --force --help --size -f -h -s
expect "priority -" --force --help --rotate -f -h -r
expect "zram add -" --algorithm --algorithm-params --help --max-ram --mem-limit --min-ram --no-persist \
	--priority --recompress-algorithm --writeback-device --writeback-limit -h
expect "zram writeback -" --help --huge --idle -h
expect "zram recompress -" --algorithm --help --huge --idle -h
expect "zram remove -" --all --force --help -h
expect "zram estimate -" --budget --help --level --pid --sample -h
expect "zswap enable -" --compressor --help --max-pool-percent --no-persist -h
expect "sysctl apply -" --force --help --no-persist --profile --set -h
expect "sysctl show -" --json --help
expect "apply -" --check --help --prune -h
expect "export -" --help
expect "autoscale -" --dir --help --max --once --step -h
expect "hibernate -" --help --no-bootloader --off --regenerate -h

echo "# option values"
expect "sysctl apply --profile " default zram server database desktop
expect "sysctl apply --profile = d" default database desktop
expect "sysctl apply --profile zram --force --profile s" server
expect "add 2G --discard = " once pages
expect "add auto --discard = p" pages
expect "add " auto
expect "add 2G " # a size was given: nothing more to offer but options
expect "add --priority " # N: no candidates
expect "rotate --size " # SIZE: no candidates
got=$(comp sysctl apply --set "")
grep -qx 'vm.swappiness=' <<<"$got" ||
	fail "sysctl apply --set: no vm.swappiness= in [$(echo $got)]"

echo "# managed swapfiles"
mkdir -p "$tmp/img/etc"
cat >"$tmp/fstab" <<'EOF'
# /swap/old none swap defaults,x-swapctl 0 0
UUID=5a2f0d8e-3c1b-4c8e-9d6f-0e1a2b3c4d5e none swap defaults,x-swapctl 0 0
/swap/swapfile none swap defaults,pri=10,x-swapctl 0 0
/swap/with\040space none swap pri=5,x-swapctl,nofail 0 0
/swap/other none swap defaults 0 0
/swap/lookalike none swap defaults,x-swapctl-not 0 0
/dev/sda2 / ext4 errors=remount-ro,x-swapctl 0 1
EOF
printf '/img/swapfile none swap defaults,x-swapctl 0 0\n' >"$tmp/img/etc/fstab"
f=$tmp/fstab
expect "--fstab $f remove " /swap/swapfile "/swap/with space"
expect "remove --fstab $f " /swap/swapfile "/swap/with space"
expect "--fstab $f remove /swap/w" "/swap/with space"
expect "--fstab $f remove /swap/swapfile " "/swap/with space"
expect "--fstab $f remove --keep-file /swap/swapfile " "/swap/with space"
expect "--fstab $f rotate --size 4G " /swap/swapfile "/swap/with space"
expect "--fstab $f resize " /swap/swapfile "/swap/with space"
expect "--fstab $f resize /swap/swapfile " # SIZE
expect "--fstab $f priority " /swap/swapfile "/swap/with space"
expect "--fstab $f priority /swap/swapfile " # N
expect "--fstab=$f remove " /swap/swapfile "/swap/with space"
expect "--root $tmp/img remove " /img/swapfile
expect "--root=$tmp/img rotate " /img/swapfile

echo "# zram devices"
sr=$tmp/sysroot
for n in 1 2 3 4; do
	mkdir -p "$sr/sys/block/zram$n"
	echo "$((n + 6))" >"$sr/sys/block/zram$n/diskseq"
done
echo "lzo lzo-rle [lz4] zstd" >"$sr/sys/block/zram1/comp_algorithm"
mkdir -p "$sr/run/swapctl" "$sr/proc"
cat >"$sr/run/swapctl/zram-ids" <<'EOF'
# zram devices swapctl created since boot: zramN diskseq=S <request>
zram1 diskseq=7 size=auto algorithm=auto priority=100 mem_limit=0
zram2 diskseq=99 size=auto algorithm=auto priority=100 mem_limit=0
zram5 diskseq=11 size=auto algorithm=auto priority=100 mem_limit=0
EOF
cat >"$sr/proc/swaps" <<'EOF'
Filename				Type		Size		Used		Priority
/dev/zram3                              partition	1048572		0		5
/swap/swapfile                          file		1048572		0		10
EOF
cat >"$sr/proc/crypto" <<'EOF'
name         : zstd
driver       : zstd-scomp
type         : scomp

name         : sha256
driver       : sha256-generic
type         : shash

name         : lz4
driver       : lz4-generic
type         : compression
EOF
export SWAPCTL_SYSROOT=$sr
# zram1: created by swapctl; zram2: the number reused by another device (diskseq);
# zram3: active swap; zram4: neither; zram5: gone
expect "zram remove " /dev/zram1 /dev/zram3
expect "zram remove z" zram1 zram3
expect "zram remove /dev/zram1 " /dev/zram3
expect "zram add --algorithm " lz4 lzo lzo-rle zstd
expect "zswap enable --compressor " lz4 zstd
expect "zswap disable --compressor z" zstd
unset SWAPCTL_SYSROOT

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
