#!/usr/bin/env bash
# The VM lane: boots the Debian 12 guest of tests/vm/build-image.sh under qemu, once per
# packaged kernel, installs swapctl into it with the project's install rule and runs the
# reboot scenarios of tests/vm/driver.sh (each checked after a real reboot of the guest), then
# the kernel-tier scripts inside that kernel. Prints the boot time of every boot, the time of
# each kernel-tier script and of the whole tier per kernel.
#
#   bash tests/vm/run.sh                 # after building into ./build (or SC_BUILD_DIR)
#
# Environment: SC_BUILD_DIR (default <source>/build), SCVM_KERNELS (extended regex on the
# kernel release, default all), SCVM_KERNEL_TIER (0: no kernel tier; default 1),
# SCVM_TIER_KERNELS (extended regex on the kernel release: the kernels that run the tier;
# default all under KVM, Debian's generic 6.1 only under TCG), KT_FILTER (extended regex on
# kernel/test-NAME), SCVM_ACCEL (kvm or tcg; default kvm when /dev/kvm is usable), SCVM_JOBS
# (guests at a time, default 2), SCVM_KEEP (keep the logs directory), and build-image.sh's.
# Exit 0 pass, 1 fail, 77 skip (with the reason) where qemu cannot run or the image cannot
# be built.
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
oracle=$(find "$BUILD" -maxdepth 2 -type f -name estimate-oracle -perm -u+x | head -n 1)

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
		rm -f -- "$work/payload.img"
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
for f in $crash $oracle; do
	mkdir -p "$pl/tree$(dirname "$f")"
	cp -a "$f" "$pl/tree$f"
done
cp "$here/driver.sh" "$pl/driver.sh"
{
	printf 'SRC=%q\nBUILD=%q\n' "$SRC" "$BUILD"
	printf 'SWAPCTL=%q\nSWAPCTL_CRASH=%q\n' "$BUILD/swapctl" "${crash:-$BUILD/tests/swapctl-crash}"
	printf 'KERNEL_TIER=%q\nKT_KERNELS=%q\nKT_FILTER=%q\n' "$kernel_tier" "$tier_kernels" \
		"${KT_FILTER:-}"
	[ "$kernel_tier" = 1 ] || printf 'KERNEL_TIER_REASON=%q\n' \
		"not requested (SCVM_KERNEL_TIER=0)"
	printf 'KT_KERNELS_REASON=%q\n' \
		"not in this kernel under $accel (SCVM_TIER_KERNELS, now '$tier_kernels', selects)"
} >"$pl/config"
mkfs.ext4 -q -L scvmpayload -d "$pl" "$work/payload.img" \
	"$(($(du -sm "$pl" | cut -f1) + 64))M" >/dev/null || die "mkfs.ext4 of the payload disk failed"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# boot_kernel VER: one qemu run of the guest with VER, through every phase. The root disk is
# a snapshot (snapshot=on): the guest's writes survive its reboots inside this qemu process
# and the cached image stays as built.
boot_kernel() {
	local ver=$1 log=$work/$1 seen=0 start last line n=0 boots=() fails=0 passes=0 skips=0
	local done=0 cur qpid tier_t0='' tier_s=''
	set +e # runs in the background: every failure is counted, none ends the monitor
	mkdir -p "$log"
	: >"$log/results"
	start=$(now)
	last=$start
	"$QEMU" "${accel_opts[@]}" -m 2048 -nodefaults -no-user-config -display none \
		-machine pc -device virtio-rng-pci \
		-kernel "$img/vmlinuz-$ver" -initrd "$img/initrd.img-$ver" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet loglevel=4 systemd.show_status=0" \
		-drive "file=$img/root.img,format=raw,if=virtio,snapshot=on" \
		-drive "file=$work/payload.img,format=raw,if=virtio,readonly=on" \
		-serial "file:$log/console" -serial "file:$log/results" \
		>"$log/qemu.out" 2>&1 &
	qpid=$!
	echo "$qpid" >"$log/qemu.pid"
	local limit=$boot_timeout last_s=$SECONDS new
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 0.5
		# complete lines only: the serial port writes a line in pieces
		mapfile -t -s "$seen" new <"$log/results"
		if [ "${#new[@]}" -gt 0 ] && [ -n "$(tail -c 1 "$log/results")" ]; then
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
				echo "  [$ver] boot $n (${line#SCVM BOOT }): $(elapsed "$last" "$cur") s"
				limit=$step_timeout
				;;
			"SCVM TIME "*) echo "  [$ver]   guest: ${line#SCVM TIME }" ;;
			"SCVM REBOOT"*) limit=$boot_timeout ;;
			"SCVM PASS kernel/"* | "SCVM SKIP kernel/"* | "SCVM FAIL kernel/"*)
				# a kernel-tier script: its time since its RUN line
				case $line in "SCVM PASS "*) passes=$((passes + 1)) ;;
				"SCVM SKIP "*) skips=$((skips + 1)) ;; *) fails=$((fails + 1)) ;; esac
				echo "  [$ver] ${line#SCVM } ($(elapsed "$last" "$cur") s)"
				;;
			"SCVM PASS "*) passes=$((passes + 1)); echo "  [$ver] ${line#SCVM }" ;;
			"SCVM SKIP "*) skips=$((skips + 1)); echo "  [$ver] ${line#SCVM }" ;;
			"SCVM FAIL "* | "SCVM FATAL"*) fails=$((fails + 1)); echo "  [$ver] ${line#SCVM }" ;;
			"SCVM RUN "*)
				limit=$step_timeout
				[ -n "$tier_t0" ] || tier_t0=$cur
				;;
			"SCVM DONE"*)
				done=1
				[ -z "$tier_t0" ] || tier_s=$(elapsed "$tier_t0" "$cur")
				;;
			esac
			last=$cur
		done
		if grep -q 'KVM internal error' "$log/qemu.out"; then
			echo "  [$ver] FAIL: KVM internal error (qemu: $log/qemu.out); SCVM_ACCEL=tcg avoids KVM"
			fails=$((fails + 1))
			kill "$qpid" 2>/dev/null
			break
		fi
		if [ $((SECONDS - last_s)) -ge "$limit" ]; then
			echo "  [$ver] FAIL: no progress for $limit s; killing qemu (console: $log/console)"
			fails=$((fails + 1))
			kill "$qpid" 2>/dev/null
			break
		fi
	done
	wait "$qpid" 2>/dev/null || true
	rm -f "$log/qemu.pid"
	if [ "$done" != 1 ]; then
		echo "  [$ver] FAIL: the guest stopped before the last phase; last console lines:"
		tail -n 30 "$log/console" | sed "s/^/  [$ver]   /"
		sed -n '/^SCVM FAIL\|^# /p' "$log/results" | tail -n 40 | sed "s/^/  [$ver]   /"
		fails=$((fails + 1))
	elif [ "$fails" != 0 ]; then
		grep -a '^# ' "$log/results" | tail -n 60 | sed "s/^/  [$ver]   /"
	fi
	tier_s=${tier_s:+$tier_s s}
	printf '%s: %s passed, %s skipped, %s failed; boot times (s): %s; kernel tier: %s; run %s s\n' \
		"$ver" "$passes" "$skips" "$fails" "${boots[*]:-none}" "${tier_s:-not run}" \
		"$(elapsed "$start" "$(now)")" >"$log/summary"
	[ "$fails" = 0 ]
}

# The kernels run side by side (SCVM_JOBS, default 2): under TCG one guest keeps about one host
# core busy. Boot times are measured under that shared load.
mapfile -t kernels <"$img/kernels"
jobs=${SCVM_JOBS:-2}
echo "VM lane: accel=$accel${accel_why:+ ($accel_why)}"
echo "  image $img ($image_seconds s to build or check); kernels ${kernels[*]}, $jobs at a time"
if [ "$kernel_tier" = 1 ]; then echo "  kernel tier in the kernels matching '$tier_kernels'"; else
	echo "  no kernel tier (SCVM_KERNEL_TIER=0)"; fi
# The kernels that run the tier start first: they take longest.
ran=()
for pass in tier rest; do
	for ver in "${kernels[@]}"; do
		if [ -n "${SCVM_KERNELS:-}" ] && ! [[ $ver =~ $SCVM_KERNELS ]]; then continue; fi
		if [ "$kernel_tier" = 1 ] && [[ $ver =~ $tier_kernels ]]; then
			[ "$pass" = tier ] || continue
		else
			[ "$pass" = rest ] || continue
		fi
		ran+=("$ver")
	done
done
[ "${#ran[@]}" -gt 0 ] || skip "no guest kernel matches SCVM_KERNELS=${SCVM_KERNELS:-}"
failed=0
for ver in "${ran[@]}"; do
	while [ "${#jobs_pids[@]}" -ge "$jobs" ]; do
		wait "${jobs_pids[0]}" || failed=1
		jobs_pids=("${jobs_pids[@]:1}")
	done
	echo "== $ver"
	boot_kernel "$ver" &
	jobs_pids+=("$!")
done
for p in "${jobs_pids[@]}"; do wait "$p" || failed=1; done
jobs_pids=()
echo "== VM lane summary (accel=$accel, image $image_seconds s, total $((SECONDS - lane_start)) s)"
for ver in "${ran[@]}"; do
	if [ -s "$work/$ver/summary" ]; then echo "  $(cat "$work/$ver/summary")"; else
		echo "  $ver: no result"; failed=1; fi
done
[ "$failed" = 0 ] || exit 1
echo "VM lane passed"
