#!/usr/bin/env bash
# Checking an offline image needs nothing private of the running machine: `apply --check
# --root` as an unprivileged user, with the live machine's zram record (/run/swapctl/zram-ids,
# root's, mode 0600) unreadable, plans the image's layout and exits 0. The image's zram devices
# are created at its boot; which live devices swapctl made says nothing about them.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to make a file the test user cannot read"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is missing"; exit 77; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

img=$tmp/img sys=$tmp/sys
mkdir -p "$img/etc" "$sys/proc" "$sys/run/swapctl"
: >"$img/etc/fstab"
cat /proc/meminfo >"$sys/proc/meminfo"
printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$sys/proc/swaps"
echo '1 2 size=1073741824 algorithm=auto priority=100 mem_limit=0' >"$sys/run/swapctl/zram-ids"
chmod 0700 "$sys/run/swapctl"
chmod 0600 "$sys/run/swapctl/zram-ids"
chmod -R a+rX "$img" "$sys/proc"
printf '[zram]\nsize = 1G\n[sysctl]\nvm.swappiness = 20\n' >"$tmp/layout.conf"
chmod 0644 "$tmp/layout.conf"
as_nobody true 2>/dev/null || { echo "SKIP: cannot run as uid 65534 here"; exit 77; }

check 0 "apply --check --root, unprivileged" env SWAPCTL_SYSROOT="$sys" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SWAPCTL" --json --root "$img" apply --check "$tmp/layout.conf"
[ "$(json "$tmp/out" 'len(d["actions"])')" = 2 ] ||
	fail "want the zram.conf entry and the drop-in key planned: $(cat "$tmp/out")"
[ -e "$img/etc/swapctl/zram.conf" ] && fail "--check wrote zram.conf"

[ "$fails" = 0 ] || exit 1
