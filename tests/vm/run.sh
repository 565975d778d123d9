#!/usr/bin/env bash
# The VM lane: boots the Debian 12 guest of tests/vm/build-image.sh under qemu, once per
# packaged kernel, installs swapctl into it with the project's install rule and runs the
# reboot scenarios of tests/vm/driver.sh (each checked after a real reboot of the guest), then
# the kernel-tier scripts inside that kernel. Prints the boot time of every boot, the time of
# each kernel-tier script and of the whole tier per kernel.
#
# The hibernation scenario runs in a guest of its own (boot_hibernate below), in two qemu
# processes on one qcow2 overlay of the image: the first configures resume from a swapfile,
# starts a process holding a known pattern and hibernates, which powers the guest off; the
# second boots the same kernel with the resume= and resume_offset= the first reported, and
# the guest must carry on where it stopped: same boot, tmpfs intact, the pattern intact byte
# for byte (driver.sh and hold-pattern.py say how). It prints the time of each phase: boot,
# setup, hibernate (from the write to /sys/power/state to qemu's exit), resume (from the
# second qemu's start to the script running again) and the checks after it.
#
#   bash tests/vm/run.sh                 # after building into ./build (or SC_BUILD_DIR)
#
# Environment: SC_BUILD_DIR (default <source>/build), SCVM_KERNELS (extended regex on the
# kernel release, default all), SCVM_KERNEL_TIER (0: no kernel tier; default 1),
# SCVM_TIER_KERNELS (extended regex on the kernel release: the kernels that run the tier;
# default all under KVM, Debian's generic 6.1 only under TCG), SCVM_HIBERNATE (0: no
# hibernation scenario; only: nothing else; default 1), SCVM_HIBERNATE_KERNELS (extended
# regex: the kernels that run it, default the tier's), KT_FILTER (extended regex on
# kernel/test-NAME), SCVM_ACCEL (kvm or tcg; default kvm when /dev/kvm is usable), SCVM_JOBS
# (guests at a time, default 2), SCVM_KEEP (keep the logs directory), and build-image.sh's.
# Exit 0 pass, 1 fail, 77 skip (with the reason) where qemu cannot run or the image cannot
# be built. The hibernation scenario needs qemu-img (qemu-utils) and is skipped without it.
#
# Time under TCG, 2 host cores shared with other work, 2 guests at a time: a boot (with the
# shutdown before it) takes 60-150 s with the 6.1 kernels and 30-70 s with 6.12, so the four
# boots of the scenarios take 8-9 min per 6.1 kernel and 4-5 min with 6.12. The kernel tier
# takes 7-8 min in a 6.1 guest (test-add-remove 3.5-4.5 min of it) and 4.5 min in the 6.12
# one. Run in all three kernels it brought the lane from about 19 to 26 min; so under TCG it
# runs in the generic 6.1 kernel only: the one of the two 6.1 builds with zswap (test-zswap
# runs there, not in the cloud kernels). It starts first, so its tier runs while the other two
# guests run one after the other: with a second lane sharing the cores, the generic guest
# took 19 min with its tier, the cloud one 11 min, and the 6.12 guest after it takes 5-9 min,
# so the lane ends at about 20-22 min. Under KVM every kernel runs it.
#
# The hibernation guest starts second, beside the tier's, and the other guests follow it in
# its slot (a job takes whichever slot frees first). Under TCG it takes 2-2.5 min alone on the
# host (boot 21-37 s, setup 20-30 s, hibernation 11-18 s, resume 22-38 s, the checks after it
# 21-27 s) and 3.5-4.5 min beside another guest; in a lane of 20.5 min (1230 s, all of it the
# generic guest's, whose tier took 728 s) the hibernation, cloud and 6.12 guests took
# 270 + 397 + 395 s in the other slot, so it did not lengthen the lane. Under TCG it runs
# where the tier does (the generic 6.1); the 6.1 cloud and 6.12 kernels hibernate and resume
# too (3 min each, run by hand with SCVM_HIBERNATE_KERNELS=cloud). Under KVM it runs in every
# kernel: two short boots.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$here/../.." && pwd)
BUILD=$(cd "${SC_BUILD_DIR:-$SRC/build}" 2>/dev/null && pwd) || BUILD=${SC_BUILD_DIR:-$SRC/build}
QEMU=${SCVM_QEMU:-qemu-system-x86_64}

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }

lane_start=$SECONDS
[ "$(id -u)" = 0 ] || skip "the VM lane needs root (it builds the guest image with mmdebstrap)"
command -v "$QEMU" >/dev/null || skip "$QEMU is not installed (apt-get install qemu-system-x86)"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed"
[ -x "$BUILD/swapctl" ] || die "$BUILD/swapctl is not built; build first or set SC_BUILD_DIR"
crash=$(find "$BUILD" -maxdepth 2 -type f -name swapctl-crash -perm -u+x | head -n 1)
# The kernel tier's helper programs (swapctl-crash, estimate-oracle, resume-offset-probe...):
# every executable beside the unit and component tests in the build's tests directory.
helpers=$(find "$BUILD/tests" -maxdepth 1 -type f -perm -u+x ! -name 'unit-test-*' \
	! -name 'component-test-*' 2>/dev/null || true)

# KVM when the device opens, a hardware backend (kvm_intel, kvm_amd) drives it and qemu can
# use it; else TCG (slower: the kernel tier in one kernel by default). A software backend
# such as kvm_pvm runs only kernels built as its guests, not Debian's.
accel=${SCVM_ACCEL:-}
accel_why=
if [ -z "$accel" ]; then
	accel=tcg
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		accel_why="no usable /dev/kvm"
	elif ! [ -d /sys/module/kvm_intel ] && ! [ -d /sys/module/kvm_amd ]; then
		backends=$(cd /sys/module && echo kvm_*)
		accel_why="/dev/kvm is not backed by kvm_intel or kvm_amd (modules: $backends)"
		accel_why+=", so it cannot run a stock kernel"
	elif ! echo quit | timeout 20 "$QEMU" -machine none -accel kvm -nodefaults -no-user-config \
		-display none -monitor stdio >/dev/null 2>&1; then
		accel_why="qemu cannot open KVM"
	else
		accel=kvm
	fi
fi
if [ "$accel" = kvm ]; then
	accel_opts=(-accel kvm -cpu host -smp 2)
	boot_timeout=${SCVM_BOOT_TIMEOUT:-180}
	tier_kernels=${SCVM_TIER_KERNELS:-.}
else
	accel_opts=(-accel tcg -smp 2)
	boot_timeout=${SCVM_BOOT_TIMEOUT:-300}
	# One kernel only (the timing is in the header): Debian's generic 6.1.
	tier_kernels=${SCVM_TIER_KERNELS:-'^6\.1\.[0-9]+-[0-9]+-amd64$'}
fi
kernel_tier=${SCVM_KERNEL_TIER:-1}
# The hibernation guest: 1 GiB of RAM (960 MiB usable), a pattern of 384 MiB, 96 MiB of it
# locked: with the system it is more than image_size (2/5 of RAM, 369 MiB), so the unlocked
# part goes to swap before the image is made and the locked part goes into the image; and a
# swapfile of 1 GiB (add --hibernate wants at least the RAM), room for both. It runs where
# the tier does unless SCVM_HIBERNATE_KERNELS says otherwise.
hibernate=${SCVM_HIBERNATE:-1}
case $hibernate in
0 | 1 | only) ;;
*) die "SCVM_HIBERNATE is 0, 1 or only, not '$hibernate'" ;;
esac
hib_kernels=${SCVM_HIBERNATE_KERNELS:-$tier_kernels}
hib_mem=1024
step_timeout=660 # a kernel-tier script may take 600 s (its ctest TIMEOUT)

work=$(mktemp -d /tmp/swapctl-vm.XXXXXX)
jobs_pids=()
cleanup() {
	local rc=$? f p
	trap - EXIT
	set +e # a monitor that has already ended must not stop the rest (set -e would, at its kill)
	# the guests' monitors first (they would notice qemu gone), then each qemu by its pid
	for p in "${jobs_pids[@]}"; do kill "$p" 2>/dev/null; done
	for f in "$work"/*/qemu.pid; do
		[ -s "$f" ] || continue
		p=$(cat "$f")
		kill "$p" 2>/dev/null && while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
	done
	if [ -n "${SCVM_KEEP:-}" ] || { [ "$rc" != 0 ] && [ "$rc" != 77 ]; }; then
		rm -f -- "$work/payload.img" "$work"/*/root.qcow2
		rm -rf -- "$work/payload"
		echo "logs kept in $work"
	else
		rm -rf -- "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The image (cached), then the payload disk: the driver, the install rule's output, and the
# source and build trees at their paths for the kernel tier.
t0=$SECONDS
rc=0
img=$(bash "$here/build-image.sh") || rc=$?
[ "$rc" = 77 ] && skip "the guest image cannot be built here (see above)"
[ "$rc" = 0 ] || die "building the guest image failed"
image_seconds=$((SECONDS - t0))

pl=$work/payload
mkdir -p "$pl/inst" "$pl/tree$SRC/tests" "$pl/tree$BUILD/tests"
DESTDIR=$pl/inst cmake --install "$BUILD" --prefix /usr >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; die "cmake --install into the guest tree failed"; }
[ -f "$pl/inst/usr/lib/systemd/system/swapctl.service" ] ||
	die "the install rule wrote no /usr/lib/systemd/system/swapctl.service"
cp -a "$SRC/tests/kernel" "$SRC/tests/fixtures" "$pl/tree$SRC/tests/"
cp -a "$BUILD/swapctl" "$pl/tree$BUILD/"
for f in $crash $helpers; do
	mkdir -p "$pl/tree$(dirname "$f")"
	cp -a "$f" "$pl/tree$f"
done
cp "$here/driver.sh" "$here/hold-pattern.py" "$pl/"
{
	printf 'SRC=%q\nBUILD=%q\n' "$SRC" "$BUILD"
	printf 'SWAPCTL=%q\nSWAPCTL_CRASH=%q\n' "$BUILD/swapctl" "${crash:-$BUILD/tests/swapctl-crash}"
	printf 'KERNEL_TIER=%q\nKT_KERNELS=%q\nKT_FILTER=%q\n' "$kernel_tier" "$tier_kernels" \
		"${KT_FILTER:-}"
	printf 'HIBERNATE_SWAP=1G\nHIBERNATE_MIB=384\nHIBERNATE_LOCK_MIB=96\n'
	[ "$kernel_tier" = 1 ] || printf 'KERNEL_TIER_REASON=%q\n' \
		"not requested (SCVM_KERNEL_TIER=0)"
	printf 'KT_KERNELS_REASON=%q\n' \
		"not in this kernel under $accel (SCVM_TIER_KERNELS, now '$tier_kernels', selects)"
} >"$pl/config"
mkfs.ext4 -q -L scvmpayload -d "$pl" "$work/payload.img" \
	"$(($(du -sm "$pl" | cut -f1) + 64))M" >/dev/null || die "mkfs.ext4 of the payload disk failed"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

base_append="root=/dev/vda rw console=ttyS0 panic=-1 quiet loglevel=4 systemd.show_status=0"

# start_qemu DIR RUN VER MEM DISK [APPEND]: one qemu process of the guest with kernel VER,
# MEM MiB and the root disk DISK (a -drive value), in the background: its console in
# DIR/consoleRUN, its results port in DIR/resultsRUN, its pid in qpid and DIR/qemu.pid (for
# cleanup()).
start_qemu() {
	local dir=$1 run=$2 ver=$3 mem=$4 disk=$5 append=${6:-}
	: >"$dir/results$run"
	console=$dir/console$run
	"$QEMU" "${accel_opts[@]}" -m "$mem" -nodefaults -no-user-config -display none \
		-machine pc -device virtio-rng-pci \
		-kernel "$img/vmlinuz-$ver" -initrd "$img/initrd.img-$ver" \
		-append "$base_append${append:+ $append}" \
		-drive "$disk" \
		-drive "file=$work/payload.img,format=raw,if=virtio,readonly=on" \
		-serial "file:$console" -serial "file:$dir/results$run" \
		>"$dir/qemu$run.out" 2>&1 &
	qpid=$!
	echo "$qpid" >"$dir/qemu.pid"
}

# watch_qemu LABEL DIR RUN: follows the qemu process qpid until it exits, printing its results
# (DIR/resultsRUN) as they come and killing it when it makes no progress. It keeps its
# counts in the caller's locals (bash scopes dynamically): passes, skips, fails, done, killed,
# n, boots, last (the time of the last line), tier_t0, tier_s, and for the hibernation
# scenario cmdline and the times boot_t, hib_t, resumed_t.
watch_qemu() {
	local label=$1 results=$2/results$3 seen=0 line cur new limit=$boot_timeout last_s=$SECONDS
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 0.5
		# complete lines only: the serial port writes a line in pieces
		mapfile -t -s "$seen" new <"$results"
		if [ "${#new[@]}" -gt 0 ] && [ -n "$(tail -c 1 "$results")" ]; then
			unset 'new[-1]'
		fi
		seen=$((seen + ${#new[@]}))
		for line in "${new[@]}"; do
			line=${line%$'\r'}
			case $line in "SCVM "*) ;; *) continue ;; esac
			cur=$(now)
			last_s=$SECONDS
			case $line in
			"SCVM BOOT "*)
				n=$((n + 1))
				boots+=("$(elapsed "$last" "$cur")")
				boot_t=$cur
				echo "  [$label] boot $n (${line#SCVM BOOT }): $(elapsed "$last" "$cur") s"
				limit=$step_timeout
				;;
			"SCVM TIME "*) echo "  [$label]   guest: ${line#SCVM TIME }" ;;
			"SCVM REBOOT"*) limit=$boot_timeout ;;
			"SCVM PASS kernel/"* | "SCVM SKIP kernel/"* | "SCVM FAIL kernel/"*)
				# a kernel-tier script: its time since its RUN line
				case $line in "SCVM PASS "*) passes=$((passes + 1)) ;;
				"SCVM SKIP "*) skips=$((skips + 1)) ;; *) fails=$((fails + 1)) ;; esac
				echo "  [$label] ${line#SCVM } ($(elapsed "$last" "$cur") s)"
				;;
			"SCVM PASS "*) passes=$((passes + 1)); echo "  [$label] ${line#SCVM }" ;;
			"SCVM SKIP "*) skips=$((skips + 1)); echo "  [$label] ${line#SCVM }" ;;
			"SCVM FAIL "* | "SCVM FATAL"*) fails=$((fails + 1)); echo "  [$label] ${line#SCVM }" ;;
			"SCVM RUN "*)
				limit=$step_timeout
				[ -n "$tier_t0" ] || tier_t0=$cur
				;;
			"SCVM CMDLINE "*)
				cmdline=${line#SCVM CMDLINE }
				echo "  [$label] resume command line: $cmdline"
				;;
			"SCVM HIBERNATE"*)
				hib_t=$cur
				echo "  [$label] set up in $(elapsed "$boot_t" "$cur") s; hibernating"
				limit=$boot_timeout # the image is written and the guest powers off
				;;
			"SCVM RESUMED"*)
				resumed_t=$cur
				echo "  [$label] resumed: $(elapsed "$last" "$cur") s from qemu's start"
				limit=$step_timeout
				;;
			"SCVM DONE"*)
				done=1
				[ -z "$tier_t0" ] || tier_s=$(elapsed "$tier_t0" "$cur")
				;;
			esac
			last=$cur
		done
		if grep -q 'KVM internal error' "$2/qemu$3.out"; then
			echo "  [$label] FAIL: KVM internal error (qemu: $2/qemu$3.out); SCVM_ACCEL=tcg avoids KVM"
			fails=$((fails + 1))
			killed=1
			kill "$qpid" 2>/dev/null
			break
		fi
		if [ $((SECONDS - last_s)) -ge "$limit" ]; then
			echo "  [$label] FAIL: no progress for $limit s; killing qemu (console: $console)"
			fails=$((fails + 1))
			killed=1
			kill "$qpid" 2>/dev/null
			break
		fi
	done
	wait "$qpid" 2>/dev/null || true
	rm -f "$2/qemu.pid"
}

# report LABEL DIR: after the last qemu process of a guest, what went wrong, if anything
report() {
	if [ "$done" != 1 ]; then
		echo "  [$1] FAIL: the guest stopped before the last phase; last console lines:"
		tail -n 30 "$console" | sed "s/^/  [$1]   /"
		cat "$2"/results* | sed -n '/^SCVM FAIL\|^# /p' | tail -n 40 | sed "s/^/  [$1]   /"
		fails=$((fails + 1))
	elif [ "$fails" != 0 ]; then
		cat "$2"/results* | grep -a '^# ' | tail -n 60 | sed "s/^/  [$1]   /"
	fi
}

# boot_kernel VER: one qemu run of the guest with VER, through every phase. The root disk is
# a snapshot (snapshot=on): the guest's writes survive its reboots inside this qemu process
# and the cached image stays as built.
boot_kernel() {
	local ver=$1 dir=$work/$1 n=0 boots=() fails=0 passes=0 skips=0 done=0 start last
	local qpid console tier_t0='' tier_s='' cmdline='' boot_t='' hib_t='' resumed_t='' killed=0
	set +e # runs in the background: every failure is counted, none ends the monitor
	mkdir -p "$dir"
	start=$(now)
	last=$start
	start_qemu "$dir" "" "$ver" 2048 "file=$img/root.img,format=raw,if=virtio,snapshot=on"
	watch_qemu "$ver" "$dir" ""
	report "$ver" "$dir"
	tier_s=${tier_s:+$tier_s s}
	printf '%s: %s passed, %s skipped, %s failed; boot times (s): %s; kernel tier: %s; run %s s\n' \
		"$ver" "$passes" "$skips" "$fails" "${boots[*]:-none}" "${tier_s:-not run}" \
		"$(elapsed "$start" "$(now)")" >"$dir/summary"
	[ "$fails" = 0 ]
}

# boot_hibernate VER: the hibernation scenario of driver.sh in two qemu processes with VER.
# The root disk is a qcow2 overlay on the image, so what the first process wrote (the
# swapfile and the hibernation image in it) is there for the second; it is removed at the
# end. Both have the same memory size and machine: the resuming kernel refuses an image
# from a machine with another memory map. The first boots with the lane's command line
# (its resume settings are made live in /sys/power), the second with the guest's resume=
# and resume_offset= added: the initramfs resolves resume=UUID= and writes the device to
# /sys/power/resume; resume_offset only the kernel command line sets at boot.
boot_hibernate() {
	local ver=$1 dir=$work/$1-hibernate label="$1 hibernate" n=0 boots=() fails=0 passes=0
	local skips=0 done=0 start last qpid console tier_t0='' tier_s='' cmdline='' boot_t=''
	local hib_t='' resumed_t='' off_t='' disk times='' t killed=0
	set +e
	mkdir -p "$dir"
	start=$(now)
	last=$start
	disk="file=$dir/root.qcow2,format=qcow2,if=virtio"
	if ! command -v qemu-img >/dev/null; then
		echo "  [$label] SKIP hibernate: qemu-img is not installed (apt-get install qemu-utils)"
		printf '%s hibernate: skipped: no qemu-img\n' "$ver" >"$dir/summary"
		return 0
	fi
	if ! qemu-img create -q -f qcow2 -F raw -b "$img/root.img" "$dir/root.qcow2" \
		>"$dir/qemu-img.out" 2>&1; then
		echo "  [$label] FAIL: qemu-img create: $(cat "$dir/qemu-img.out")"
		printf '%s hibernate: 0 passed, 0 skipped, 1 failed; no overlay\n' "$ver" >"$dir/summary"
		return 1
	fi
	start_qemu "$dir" .1 "$ver" "$hib_mem" "$disk" "scvm.scenario=hibernate"
	watch_qemu "$label" "$dir" .1
	off_t=$(now)
	[ -z "$boot_t" ] || times="boot $(elapsed "$start" "$boot_t") s"
	if [ "$done" = 1 ] || [ "$killed" = 1 ]; then
		: # it ended in the first boot (skipped, or failed before hibernating), or was killed
	elif [ -z "$hib_t" ] || [ -z "$cmdline" ]; then
		: # it stopped before hibernating: report() says so
	elif ! [[ " $cmdline " =~ ^(\ resume(_offset)?=[[:alnum:]=:/._-]+)+\ $ ]] ||
		! [[ $cmdline =~ resume_offset= ]]; then
		echo "  [$label] FAIL: the guest's resume command line is not resume= and" \
			"resume_offset=: $cmdline"
		fails=$((fails + 1))
	else
		times+=", setup $(elapsed "$boot_t" "$hib_t") s, hibernate $(elapsed "$hib_t" "$off_t") s"
		echo "  [$label] hibernated: the image written and the guest off in" \
			"$(elapsed "$hib_t" "$off_t") s"
		last=$(now)
		t=$last
		start_qemu "$dir" .2 "$ver" "$hib_mem" "$disk" "scvm.scenario=hibernate $cmdline"
		watch_qemu "$label" "$dir" .2
		if [ -n "$resumed_t" ]; then
			times+=", resume $(elapsed "$t" "$resumed_t") s"
			[ "$done" != 1 ] || times+=", checks $(elapsed "$resumed_t" "$last") s"
		fi
	fi
	rm -f -- "$dir/root.qcow2"
	report "$label" "$dir"
	printf '%s hibernate: %s passed, %s skipped, %s failed; %s; run %s s\n' \
		"$ver" "$passes" "$skips" "$fails" "${times:-no times}" \
		"$(elapsed "$start" "$(now)")" >"$dir/summary"
	[ "$fails" = 0 ]
}

# The guests run side by side (SCVM_JOBS, default 2): under TCG one guest keeps about one host
# core busy. Boot times are measured under that shared load. A job is "kernel VER" (every
# scenario but hibernation, then the kernel tier) or "hibernate VER".
mapfile -t kernels <"$img/kernels"
jobs=${SCVM_JOBS:-2}
echo "VM lane: accel=$accel${accel_why:+ ($accel_why)}"
echo "  image $img ($image_seconds s to build or check); kernels ${kernels[*]}, $jobs at a time"
if [ "$kernel_tier" = 1 ]; then echo "  kernel tier in the kernels matching '$tier_kernels'"; else
	echo "  no kernel tier (SCVM_KERNEL_TIER=0)"; fi
case $hibernate in
0) echo "  no hibernation scenario (SCVM_HIBERNATE=0)" ;;
only) echo "  the hibernation scenario only, in the kernels matching '$hib_kernels'" ;;
*) echo "  hibernation in the kernels matching '$hib_kernels'" ;;
esac
# The kernels that run the tier start first: they take longest; the hibernation guests next.
todo=()
for pass in tier hibernate rest; do
	for ver in "${kernels[@]}"; do
		if [ -n "${SCVM_KERNELS:-}" ] && ! [[ $ver =~ $SCVM_KERNELS ]]; then continue; fi
		if [ "$pass" = hibernate ]; then
			if [ "$hibernate" != 0 ] && [[ $ver =~ $hib_kernels ]]; then
				todo+=("hibernate $ver")
			fi
			continue
		fi
		[ "$hibernate" != only ] || continue
		if [ "$kernel_tier" = 1 ] && [[ $ver =~ $tier_kernels ]]; then
			[ "$pass" = tier ] || continue
		else
			[ "$pass" = rest ] || continue
		fi
		todo+=("kernel $ver")
	done
done
[ "${#todo[@]}" -gt 0 ] || skip "no guest kernel matches SCVM_KERNELS=${SCVM_KERNELS:-}"
failed=0
for job in "${todo[@]}"; do
	# a free slot: whichever guest ends first
	while [ "${#jobs_pids[@]}" -ge "$jobs" ]; do
		ended=
		wait -n -p ended "${jobs_pids[@]}" || failed=1
		left=()
		for p in "${jobs_pids[@]}"; do [ "$p" = "$ended" ] || left+=("$p"); done
		jobs_pids=("${left[@]}")
	done
	echo "== $job"
	"boot_${job% *}" "${job#* }" &
	jobs_pids+=("$!")
done
for p in "${jobs_pids[@]}"; do wait "$p" || failed=1; done
jobs_pids=()
echo "== VM lane summary (accel=$accel, image $image_seconds s, total $((SECONDS - lane_start)) s)"
for job in "${todo[@]}"; do
	d=$work/${job#* }
	[ "${job% *}" = kernel ] || d+=-hibernate
	if [ -s "$d/summary" ]; then echo "  $(cat "$d/summary")"; else
		echo "  $job: no result"; failed=1; fi
done
[ "$failed" = 0 ] || exit 1
echo "VM lane passed"
