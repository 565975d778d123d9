#!/usr/bin/env bash
# The command layer (swapctl/*.c) prints and decides; it never talks to the kernel itself.
# Every read of a file or a kernel interface and every side effect goes through lib/ (which
# resolves paths inside --root and uses the system layer, struct sc_sys): this fails when a
# command file calls a raw system call or libc file function, reaches into the system layer
# (ctx.sys->..., sc_sys_real), reads a file by path (sc_read_*), or sets signal dispositions
# (lib/signals.h owns them). Comments and string literals are not code and are skipped.
# Only main.c (which hands sc_sys_real to the dispatcher) and dispatch.c (which wraps it for
# -v) may name the system layer.
set -u
SRC=${SC_SOURCE_DIR:?}
python3 - "$SRC/swapctl" <<'PY'
import os, re, sys

d = sys.argv[1]
calls = """open openat openat2 creat fopen fdopen freopen close read pread write pwrite
stat lstat fstat fstatat statx statfs fstatfs statvfs fstatvfs access faccessat
realpath readlink readlinkat opendir fdopendir readdir scandir closedir
unlink unlinkat rename renameat mkdir mkdirat rmdir chmod fchmod chown fchown truncate
ftruncate fallocate fsync syncfs ioctl flock mmap swapon swapoff mount umount
fork vfork execv execvp execve system popen kill raise signal sigaction sigprocmask
pthread_sigmask sigsuspend sc_read_file sc_read_fd sc_read_line sc_read_u64""".split()
call_re = re.compile(r"(?<![\w.>])(" + "|".join(calls) + r")\s*\(")
sys_re = re.compile(r"(->|\.)\s*sys\s*->|\bsc_sys_real\b|\bsc_sys_trace\b")

def code_only(text):
    # Blank out comments, string and character literals, keeping line numbers.
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)

bad = 0
files = sorted(f for f in os.listdir(d) if f.endswith(".c"))
if not files:
    print("FAIL: no command files in " + d)
    sys.exit(1)
for f in files:
    code = code_only(open(os.path.join(d, f)).read())
    for no, line in enumerate(code.splitlines(), 1):
        for m in call_re.finditer(line):
            print("FAIL: %s:%d calls %s() itself; do it in lib/ through the context" % (f, no, m.group(1)))
            bad += 1
        if f not in ("main.c", "dispatch.c") and sys_re.search(line):
            print("FAIL: %s:%d reaches into the system layer; call a lib/ function" % (f, no))
            bad += 1
print("ok: %d command files checked" % len(files) if not bad else "%d violations" % bad)
sys.exit(1 if bad else 0)
PY
