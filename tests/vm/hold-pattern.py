#!/usr/bin/env python3
# The VM lane's pattern holder for the hibernation scenario (tests/vm/driver.sh): holds MIB
# MiB of a known pattern in anonymous memory across a hibernation and checks it byte for byte
# afterwards.
#
#   hold-pattern.py MIB LOCK-MIB READY-FILE
#
# Fills the memory, locks its first LOCK-MIB MiB (mlock), writes one line to READY-FILE
# (through a rename, so it appears whole) and waits for a signal: SIGUSR1 checks and prints
# one line (exit 0 when every byte matched, 1 when not), SIGTERM ends it (exit 2).
#
# The expectation is computed afresh at the check, from the offset alone: MiB k is SHAKE-256
# of "swapctl vm lane <k>", so a page restored to the wrong place fails as surely as a changed
# byte, and nothing kept in memory across the hibernation is trusted. The data does not
# compress, so the hibernation image (compressed by default) is as large as the memory it
# saves. Before the image is made the kernel reclaims memory down to /sys/power/image_size
# (2/5 of RAM by default), and pages written once and never touched again are the first to
# go: without the lock the whole pattern goes to swap and none of it through the image. The
# locked part cannot be swapped out, so it comes back in the image; the rest comes back from
# swap. The line printed says how much was where.
import ctypes
import hashlib
import mmap
import os
import signal
import sys
import time

CHUNK = 1 << 20


def expected(k):
    return hashlib.shake_256(b"swapctl vm lane %d" % k).digest(CHUNK)


def where(lo, hi):
    """Where the pattern is, from the mappings inside [lo, hi) in /proc/self/smaps: mlock()
    splits the one mapping in two."""
    inside, got = False, {"Rss": 0, "Locked": 0, "Swap": 0}
    with open("/proc/self/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                inside = lo <= start and end <= hi
            elif inside and fields[0][:-1] in got:
                got[fields[0][:-1]] += int(fields[1])
    return "%d MiB of it was resident (%d MiB locked), %d MiB in swap" % (
        got["Rss"] // 1024, got["Locked"] // 1024, got["Swap"] // 1024)


def main():
    mib, lock, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    page = mmap.PAGESIZE
    # Blocked before the fill, so a signal sent early waits for sigwait() instead of killing.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
    mem = mmap.mmap(-1, mib * CHUNK, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    t0 = time.monotonic()
    for k in range(mib):
        mem[k * CHUNK:(k + 1) * CHUNK] = expected(k)
    fill = time.monotonic() - t0
    addr = ctypes.addressof(ctypes.c_char.from_buffer(mem))
    if lock:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mlock(ctypes.c_void_p(addr), ctypes.c_size_t(lock * CHUNK)):
            print("mlock of %d MiB: %s" % (lock, os.strerror(ctypes.get_errno())))
            return 1
    with open(ready + ".tmp", "w") as f:
        f.write("%d MiB filled in %.1f s, %d MiB of it locked\n" % (mib, fill, lock))
    os.rename(ready + ".tmp", ready)

    if signal.sigwait({signal.SIGUSR1, signal.SIGTERM}) != signal.SIGUSR1:
        return 2
    # Before the check touches it: what is resident now came back in the hibernation image,
    # what is in swap was swapped out before the image was made.
    place = where(addr, addr + mib * CHUNK)
    t0 = time.monotonic()
    bad, first = 0, None
    for k in range(mib):
        got, want = mem[k * CHUNK:(k + 1) * CHUNK], expected(k)
        if got == want:
            continue
        for p in range(0, CHUNK, page):
            if got[p:p + page] != want[p:p + page]:
                bad += 1
                if first is None:
                    first = k * CHUNK + p
    took = time.monotonic() - t0
    if bad:
        print("%d of %d pages differ, the first at byte offset %d (checked in %.1f s; %s)"
              % (bad, mib * CHUNK // page, first, took, place))
        return 1
    print("all %d MiB identical (checked in %.1f s; %s)" % (mib, took, place))
    return 0


if __name__ == "__main__":
    sys.exit(main())
