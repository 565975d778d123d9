#!/usr/bin/env python3
"""A process whose memory must survive swap operations byte for byte (kernel tests).

memhog.py SIZE_MIB READY_FILE

Fills SIZE_MIB of anonymous memory with a known pattern (every 4 KiB page carries its own
index and a per-run seed, so a page swapped back in at the wrong place or zeroed is caught),
writes READY_FILE, then waits. On SIGUSR1 it reads every byte back and exits 0 when all of
them are intact, 1 (with the first bad page) otherwise. Run it inside a memory cgroup whose
limit is below SIZE_MIB so most pages live in swap.
"""
import os
import signal
import struct
import sys

PAGE = 4096


def page_bytes(seed, i):
    return struct.pack("<QQ", seed, i) * (PAGE // 16)


def main():
    size_mib, ready = int(sys.argv[1]), sys.argv[2]
    npages = size_mib * 256
    seed = int.from_bytes(os.urandom(8), "little")
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
    buf = bytearray(npages * PAGE)
    for i in range(npages):
        buf[i * PAGE:(i + 1) * PAGE] = page_bytes(seed, i)
    tmp = ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, ready)
    sig = signal.sigwait({signal.SIGUSR1, signal.SIGTERM})
    if sig == signal.SIGTERM:
        return 2
    view = memoryview(buf)
    for i in range(npages):
        if view[i * PAGE:(i + 1) * PAGE] != page_bytes(seed, i):
            print("memhog: page %d of %d differs" % (i, npages), file=sys.stderr)
            return 1
    print("memhog: all %d pages intact" % npages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
