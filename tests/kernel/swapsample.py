#!/usr/bin/env python3
"""Sample /proc/swaps continuously (kernel tests).

swapsample.py PREFIX OUT_FILE

Sums the sizes of the active areas whose path starts with PREFIX, as often as it can, until
SIGTERM; then writes "min max samples first" (KiB) to OUT_FILE. A test compares min with the
total before the operation to prove the total never dropped.
"""
import signal
import sys

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def total(prefix):
    t = 0
    with open("/proc/swaps") as f:
        next(f)
        for line in f:
            fields = line.split()
            path = fields[0].replace("\\040", " ").replace("\\011", "\t")
            path = path.replace("\\012", "\n").replace("\\134", "\\")
            if path.startswith(prefix):
                t += int(fields[2])
    return t


def main():
    prefix, out = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, on_term)
    first = total(prefix)
    lo = hi = first
    n = 1
    with open(out + ".ready", "w") as f:
        f.write("%d\n" % first)
    while not stop:
        t = total(prefix)
        lo, hi, n = min(lo, t), max(hi, t), n + 1
    with open(out, "w") as f:
        f.write("%d %d %d %d\n" % (lo, hi, n, first))


if __name__ == "__main__":
    main()
