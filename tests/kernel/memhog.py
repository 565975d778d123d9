#!/usr/bin/env python3
"""A process whose memory must survive swap operations byte for byte (kernel tests).

memhog.py SIZE_MIB READY_FILE [MIB_PER_SECOND]

Fills SIZE_MIB of anonymous memory with a known pattern (every 4 KiB page carries its own
index and a per-run seed, so a page swapped back in at the wrong place or zeroed is caught),
writes READY_FILE, then waits. On SIGUSR1 it reads every byte back and exits 0 when all of
them are intact, 1 (with the first bad page) otherwise. Run it inside a memory cgroup whose
limit is below SIZE_MIB so most pages live in swap. With MIB_PER_SECOND it fills at about
that rate, as a workload that grows does, instead of all at once.
"""
import os
import signal
import struct
import sys
import time

PAGE = 4096


def page_bytes(seed, i):
    return struct.pack("<QQ", seed, i) * (PAGE // 16)


def main():
    size_mib, ready = int(sys.argv[1]), sys.argv[2]
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    npages = size_mib * 256
    seed = int.from_bytes(os.urandom(8), "little")
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
    if rate:
        # Paced: one MiB at a time, each allocated only when it is filled.
        chunks = []
        for m in range(size_mib):
            chunk = bytearray(256 * PAGE)
            for j in range(256):
                chunk[j * PAGE:(j + 1) * PAGE] = page_bytes(seed, m * 256 + j)
            chunks.append(chunk)
            time.sleep(1 / rate)
    else:
        buf = bytearray(npages * PAGE)
        for i in range(npages):
            buf[i * PAGE:(i + 1) * PAGE] = page_bytes(seed, i)
        chunks = [buf]
    tmp = ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, ready)
    sig = signal.sigwait({signal.SIGUSR1, signal.SIGTERM})
    if sig == signal.SIGTERM:
        return 2
    i = 0
    for chunk in chunks:
        view = memoryview(chunk)
        for j in range(len(chunk) // PAGE):
            if view[j * PAGE:(j + 1) * PAGE] != page_bytes(seed, i):
                print("memhog: page %d of %d differs" % (i, npages), file=sys.stderr)
                return 1
            i += 1
    if i != npages:
        print("memhog: %d of %d pages" % (i, npages), file=sys.stderr)
        return 1
    print("memhog: all %d pages intact" % npages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
