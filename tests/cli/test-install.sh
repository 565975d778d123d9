#!/usr/bin/env bash
# `cmake --install` of the build tree into a DESTDIR: swapctl.service lands in
# <prefix>/lib/systemd/system (or SYSTEMD_SYSTEM_UNIT_DIR) and its ExecStart= names the binary
# the same install put in place -- for the configured prefix and for one given with --prefix,
# which replaces the configured prefix only at install time. systemd-analyze verifies the
# installed unit inside that tree (--root), where ExecStart= must be an executable.
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"
CMAKE=${CMAKE:-cmake}
build=${SC_BUILD_DIR:-$(dirname "$SWAPCTL")}
cache=$build/CMakeCache.txt
command -v "$CMAKE" >/dev/null || { echo "SKIP: cmake missing"; exit 77; }
[ -f "$cache" ] || { echo "SKIP: $build has no CMakeCache.txt"; exit 77; }
cachevar() { sed -n "s/^$1:[A-Z]*=//p" "$cache"; }
have_analyze=false
command -v systemd-analyze >/dev/null && have_analyze=true
$have_analyze || echo "# systemd-analyze missing: the verify steps are skipped"
unit_paths=$($have_analyze && systemd-analyze --system unit-paths 2>/dev/null)

# verify ROOT UNIT: the unit as systemd loads it from ROOT. With --root, systemd-analyze finds
# units only in its search path: one installed elsewhere (/opt/x) is put into /etc/systemd/system
# of ROOT first, as `systemctl link` would.
verify() {
	local root=$1 unit=$2 rel=${2#"$1"} rc=0
	$have_analyze || return 0
	if ! grep -qxF "$(dirname "$rel")" <<<"$unit_paths"; then
		mkdir -p "$root/etc/systemd/system"
		cp "$unit" "$root/etc/systemd/system/"
	fi
	# --man=no: man(1) does not look for the page inside --root
	systemd-analyze verify --man=no --root="$root" swapctl.service >"$tmp/verify" 2>&1 || rc=$?
	if [ "$rc" != 0 ] && grep -q 'Failed to \(initialize\|connect\|create bus\)\|Operation not permitted' "$tmp/verify"; then
		echo "# systemd-analyze cannot run here, verify of $rel skipped: $(head -1 "$tmp/verify")"
		return 0
	fi
	# warnings (unknown keys, bad values) do not change the exit status: any output fails
	if [ "$rc" != 0 ] || [ -s "$tmp/verify" ]; then
		fail "systemd-analyze verify --root of $rel exited $rc:"
		sed 's/^/  /' "$tmp/verify"
	else
		echo "ok: systemd-analyze verify --root of $rel"
	fi
}

# expect DESTDIR PREFIX UNIT_DIR: what `cmake --install` just put into DESTDIR for PREFIX
expect() {
	local dest=$1 prefix=${2%/} unit_dir=$3 f0=$fails sbindir bin unit exec
	sbindir=$(cachevar CMAKE_INSTALL_SBINDIR)
	case $sbindir in /*) bin=$sbindir/swapctl ;; *) bin=$prefix/$sbindir/swapctl ;; esac
	case $unit_dir in /*) unit=$unit_dir/swapctl.service ;; *) unit=$prefix/$unit_dir/swapctl.service ;; esac
	[ -x "$dest$bin" ] || fail "prefix $prefix: no executable $bin"
	if [ ! -f "$dest$unit" ]; then
		fail "prefix $prefix: no $unit; installed: $(cd "$dest" && find . -name swapctl.service)"
		return
	fi
	exec=$(sed -n 's/^ExecStart=//p' "$dest$unit")
	[ "$exec" = "$bin boot" ] || fail "prefix $prefix: $unit has ExecStart=$exec, want $bin boot"
	grep -qx "RequiresMountsFor=/etc/swapctl $(dirname "$bin")" "$dest$unit" ||
		fail "prefix $prefix: $(grep '^RequiresMountsFor=' "$dest$unit"), want the binary's directory"
	[ "$(find "$dest" -name swapctl.service | wc -l)" = 1 ] || fail "prefix $prefix: more than one unit"
	[ "$fails" = "$f0" ] && echo "ok: prefix $prefix: $unit runs $bin"
	verify "$dest" "$dest$unit"
}

# install_to [PREFIX]: into a fresh DESTDIR, $dest
install_to() {
	local rc=0
	dest=$(mktemp -d "$tmp/dest.XXXXXX")
	DESTDIR=$dest "$CMAKE" --install "$build" ${1:+--prefix "$1"} >"$tmp/inst" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		fail "cmake --install ${1:+--prefix $1} exited $rc"
		sed 's/^/  /' "$tmp/inst"
	fi
}

unit_dir=$(cachevar SYSTEMD_SYSTEM_UNIT_DIR)
unit_dir=${unit_dir:-lib/systemd/system}
for prefix in /usr /opt/x; do
	install_to "$prefix"
	expect "$dest" "$prefix" "$unit_dir"
done
install_to ""
expect "$dest" "$(cachevar CMAKE_INSTALL_PREFIX)" "$unit_dir"

# SYSTEMD_SYSTEM_UNIT_DIR, absolute and relative, in a tree configured for it alone (the unit
# is its own install component, so nothing has to be built there)
for dir in /etc/systemd/system share/units; do
	other=$(mktemp -d "$tmp/build.XXXXXX")
	if ! "$CMAKE" -S "$SC_SOURCE_DIR" -B "$other" -DBUILD_TESTING=OFF -DSWAPCTL_BENCH=OFF \
		-DSYSTEMD_SYSTEM_UNIT_DIR="$dir" >"$tmp/conf" 2>&1; then
		fail "configure with SYSTEMD_SYSTEM_UNIT_DIR=$dir"
		sed 's/^/  /' "$tmp/conf"
		continue
	fi
	dest=$(mktemp -d "$tmp/dest.XXXXXX")
	DESTDIR=$dest "$CMAKE" --install "$other" --component systemd --prefix /usr >"$tmp/inst" 2>&1 ||
		fail "cmake --install --component systemd: $(cat "$tmp/inst")"
	case $dir in /*) want=$dir ;; *) want=/usr/$dir ;; esac
	if [ -f "$dest$want/swapctl.service" ]; then
		grep -qx 'ExecStart=/usr/sbin/swapctl boot' "$dest$want/swapctl.service" ||
			fail "SYSTEMD_SYSTEM_UNIT_DIR=$dir: $(grep '^ExecStart' "$dest$want/swapctl.service")"
		echo "ok: SYSTEMD_SYSTEM_UNIT_DIR=$dir: $want/swapctl.service"
	else
		fail "SYSTEMD_SYSTEM_UNIT_DIR=$dir: no $want/swapctl.service: $(cd "$dest" && find . -type f)"
	fi
done

[ "$fails" = 0 ] || exit 1
