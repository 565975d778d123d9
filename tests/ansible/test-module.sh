#!/usr/bin/env bash
# The Ansible module contrib/ansible/plugins/modules/swapctl.py on its own, unprivileged: it
# compiles and stays short; ansible-doc parses its documentation, whose options match the
# argument spec; run directly (as Ansible runs it, with an arguments file) against a fake
# swapctl it builds the command line, passes the layout on stdin (also an empty one), sets
# SWAPCTL_CONFIG_DIR, reports changed (in check mode: the plan has actions), renders the diff,
# turns swapctl's warnings into Ansible warnings and its error object into a failure; against
# the built swapctl a malformed layout fails with swapctl's FILE:LINE:COLUMN message.
set -u
: "${SWAPCTL:?}" "${SC_SOURCE_DIR:?}"
source "$SC_SOURCE_DIR/tests/ansible/lib.sh"
py=$(at_python)
command -v "$py" >/dev/null || { echo "SKIP: no python3"; exit 77; }
exec "$py" - "$SC_SOURCE_DIR/contrib/ansible" "$SWAPCTL" <<'PY'
import atexit, json, os, py_compile, shutil, subprocess, sys, tempfile

coll, real_swapctl = sys.argv[1], sys.argv[2]
module = os.path.join(coll, "plugins", "modules", "swapctl.py")
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)
fails = 0


def check(ok, what, detail=""):
    global fails
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        fails += 1
        if detail:
            print("  " + str(detail).replace("\n", "\n  "))


try:
    py_compile.compile(module, cfile=os.path.join(tmp, "swapctl.pyc"), doraise=True)
    check(True, "the module compiles")
except py_compile.PyCompileError as e:
    check(False, "the module compiles", e)
lines = open(module).read().count("\n")
check(lines < 400, "the module has fewer than 400 lines", lines)

try:
    import ansible.module_utils.basic  # noqa: F401
except ImportError:
    print("SKIP: the rest needs ansible-core (Debian: apt install ansible-core)")
    sys.exit(1 if fails else 77)

# The argument spec, as the module hands it to AnsibleModule.
import importlib.util
spec_mod = importlib.util.spec_from_file_location("swapctl_module", module)
mod = importlib.util.module_from_spec(spec_mod)
spec_mod.loader.exec_module(mod)
captured = {}


class Captured(Exception):
    pass


def fake_module(**kwargs):
    captured.update(kwargs)
    raise Captured()


mod.AnsibleModule = fake_module
try:
    mod.main()
except Captured:
    pass
argspec = captured["argument_spec"]
check(captured.get("supports_check_mode") is True, "supports check mode")

if shutil.which("ansible-doc"):
    colls = os.path.join(tmp, "collections", "ansible_collections", "swapctl")
    os.makedirs(colls)
    os.symlink(coll, os.path.join(colls, "swapctl"))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(tmp, "collections"),
               ANSIBLE_HOME=os.path.join(tmp, "home"), ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "t"))
    p = subprocess.run(["ansible-doc", "--json", "-t", "module", "swapctl.swapctl.swapctl"],
                       env=env, capture_output=True, text=True)
    check(p.returncode == 0, "ansible-doc reads swapctl.swapctl.swapctl", p.stderr)
    if p.returncode == 0:
        doc = json.loads(p.stdout)["swapctl.swapctl.swapctl"]
        opts = doc["doc"]["options"]
        check(sorted(opts) == sorted(argspec), "documented options are the argument spec",
              (sorted(opts), sorted(argspec)))
        for name, o in opts.items():
            a = argspec.get(name, {})
            check((o.get("type"), o.get("default")) == (a.get("type"), a.get("default")),
                  "option %s: type and default as documented" % name, (o, a))
        check(bool(doc.get("examples")) and bool(doc.get("return")),
              "EXAMPLES and RETURN parse", doc.keys())
        check(sorted(doc["return"]) == ["actions", "changed", "cmd", "error", "rc", "stderr",
                                        "swapctl_diff"], "documented return values",
              sorted(doc["return"]))
else:
    print("# ansible-doc missing: documentation not checked")

# A fake swapctl: records its argv, SWAPCTL_CONFIG_DIR and stdin, prints a reply.
fake = os.path.join(tmp, "swapctl")
rec = os.path.join(tmp, "rec")
os.makedirs(rec)
with open(fake, "w") as f:
    f.write("""#!/bin/sh
printf '%s\\n' "$@" >"$FAKE/argv"
printf '%s' "${SWAPCTL_CONFIG_DIR-(unset)}" >"$FAKE/env"
for a; do last=$a; done
if [ "$last" = - ]; then cat >"$FAKE/stdin"; else rm -f "$FAKE/stdin"; fi
cat "$FAKE/stdout"
cat "$FAKE/stderr" >&2
exit $(cat "$FAKE/rc")
""")
os.chmod(fake, 0o755)


def run(args, reply=None, rc=0, stderr="", check_mode=False, diff=False, stdin=b"[bogus]\n"):
    """Runs the module as Ansible does; returns (exit status, result, fake's argv)."""
    with open(os.path.join(rec, "stdout"), "w") as f:
        f.write(reply if isinstance(reply, str) else json.dumps(reply or {}))
    with open(os.path.join(rec, "stderr"), "w") as f:
        f.write(stderr)
    with open(os.path.join(rec, "rc"), "w") as f:
        f.write(str(rc))
    if os.path.exists(os.path.join(rec, "argv")):
        os.unlink(os.path.join(rec, "argv"))
    a = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff,
             _ansible_tmpdir=tmp, _ansible_remote_tmp=tmp, _ansible_keep_remote_files=False)
    with open(os.path.join(tmp, "args.json"), "w") as f:
        json.dump({"ANSIBLE_MODULE_ARGS": a}, f)
    p = subprocess.run([sys.executable, module, os.path.join(tmp, "args.json")], input=stdin,
                       capture_output=True, env=dict(os.environ, FAKE=rec), timeout=60)
    try:
        res = json.loads(p.stdout)
    except ValueError:
        res = {"unparsable": p.stdout.decode(), "stderr": p.stderr.decode()}
    argv = None
    if os.path.exists(os.path.join(rec, "argv")):
        argv = open(os.path.join(rec, "argv")).read().splitlines()
    return p.returncode, res, argv


def recorded(name):
    path = os.path.join(rec, name)
    return open(path).read() if os.path.exists(path) else None


plan = [{"action": "create", "target": "/swap/b", "object": "swapfile /swap/b"}]
diff = [
    {"object": "swapfile /swap/a", "change": "update",
     "fields": {"size_bytes": {"from": 1048576, "to": 2097152},
                "priority": {"from": None, "to": 7}}},
    {"object": "swapfile /swap/b", "change": "create",
     "fields": {"size_bytes": {"from": None, "to": 4194304}}},
    {"object": "swapfile /swap/old", "change": "remove", "fields": {}},
    {"object": "zram 1", "change": "none", "fields": {}},
    {"object": "swapfile /swap/c", "change": "kept", "fields": {}},
    {"object": "sysctl", "change": "update",
     "fields": {"profile": {"from": "default", "to": "zram"},
                "swappiness": {"from": 30, "to": None}}},
]
kept = "# kept: not in the layout (prune: true removes it)\n[swapfile /swap/c]\n"
layout = "[swapfile]\npath = /swap/b\nsize = 4M\n"

rc, res, argv = run(dict(layout=layout, prune=True, binary=fake, fstab="/t/fstab",
                         sysctl_dir="/t/sysctl.d", root="/t/img", config_dir="/t/etc"),
                    reply={"changed": False, "actions": plan, "diff": diff},
                    check_mode=True, diff=True)
check(rc == 0 and res.get("changed") is True, "check mode: changed when the plan has actions",
      res)
check(argv == ["--json", "--fstab", "/t/fstab", "--sysctl-dir", "/t/sysctl.d", "--root",
               "/t/img", "apply", "--check", "--prune", "--", "-"], "the command line", argv)
check(recorded("stdin") == layout, "the layout on stdin, as given", recorded("stdin"))
check(recorded("env") == "/t/etc", "config_dir is SWAPCTL_CONFIG_DIR", recorded("env"))
check(res.get("actions") == plan and res.get("swapctl_diff") == diff,
      "actions and swapctl_diff are swapctl's", res)
want_before = ("[swapfile /swap/a]\nsize_bytes = 1048576\n\n[swapfile /swap/old]\n\n" + kept +
               "\n[sysctl]\nprofile = default\nvm.swappiness = 30\n")
want_after = ("[swapfile /swap/a]\nsize_bytes = 2097152\npriority = 7\n\n"
              "[swapfile /swap/b]\nsize_bytes = 4194304\n\n" + kept +
              "\n[sysctl]\nprofile = zram\nvm.swappiness = (profile)\n")
d = res.get("diff", {})
check(d.get("before") == want_before, "diff: before", d.get("before"))
check(d.get("after") == want_after, "diff: after", d.get("after"))

rc, res, argv = run(dict(layout=layout, binary=fake),
                    reply={"changed": False, "actions": [], "diff": []}, check_mode=True)
check(rc == 0 and res.get("changed") is False and "diff" not in res,
      "check mode: unchanged without actions; no diff unless asked", res)
check(argv == ["--json", "apply", "--check", "--", "-"] and recorded("env") == "(unset)",
      "no global options, no SWAPCTL_CONFIG_DIR unless given", (argv, recorded("env")))
rc, res, argv = run(dict(layout=layout, binary=fake),
                    reply={"changed": True, "actions": plan, "diff": diff})
check(rc == 0 and res.get("changed") is True and argv[-3:] == ["apply", "--", "-"],
      "a run: swapctl's changed, no --check", (res, argv))
rc, res, argv = run(dict(layout=layout, binary=fake),
                    reply={"changed": False, "actions": [], "diff": []})
check(rc == 0 and res.get("changed") is False, "a run: unchanged", res)

rc, res, argv = run(dict(src="/etc/swapctl/site.conf", binary=fake),
                    reply={"changed": False, "actions": [], "diff": []})
check(argv is not None and argv[-2:] == ["--", "/etc/swapctl/site.conf"] and
      recorded("stdin") is None, "src: the file named, nothing on stdin", argv)
rc, res, argv = run(dict(layout="", prune=True, binary=fake),
                    reply={"changed": True, "actions": plan, "diff": []})
check(rc == 0 and recorded("stdin") == "\n",
      "an empty layout: an empty line on stdin, not the module's own stdin", recorded("stdin"))

rc, res, argv = run(dict(layout=layout, binary=fake),
                    reply={"changed": False, "actions": [], "diff": []},
                    stderr="swapctl: warning: /swap/a: on a filesystem with holes\n")
check(res.get("warnings") == ["/swap/a: on a filesystem with holes"],
      "swapctl's warnings are Ansible warnings", res.get("warnings"))

err = {"message": "/swap/b: refused: too little disk", "hint": "free space or use --path",
       "exit_code": 3}
rc, res, argv = run(dict(layout=layout, binary=fake),
                    reply={"changed": True, "actions": plan, "diff": diff, "error": err}, rc=3,
                    stderr="swapctl: /swap/b: refused: too little disk\n")
check(rc == 1 and res.get("failed") is True, "swapctl's failure fails the task", res)
check(res.get("msg") == "/swap/b: refused: too little disk; free space or use --path",
      "msg: swapctl's message and hint", res.get("msg"))
check((res.get("rc"), res.get("error"), res.get("changed")) == (3, err, True),
      "rc, error and what was done before the failure", res)
check(res.get("cmd") == [fake, "--json", "apply", "--", "-"], "cmd: the command line", res)
rc, res, argv = run(dict(layout=layout, binary=fake), reply="", rc=2,
                    stderr="swapctl: option '--fstab' needs a value\n")
check(rc == 1 and res.get("msg") == "swapctl: option '--fstab' needs a value" and
      res.get("rc") == 2, "no JSON object: stderr is the message", res)

for args, want in (
        (dict(layout=layout, src="/x", binary=fake), "mutually exclusive"),
        (dict(binary=fake), "one of the following is required"),
        (dict(src="layout.conf", binary=fake), "src: 'layout.conf' is not an absolute path"),
        (dict(layout=layout, binary=os.path.join(tmp, "rec", "rc")), "not an executable file"),
        (dict(layout=layout, binary=os.path.join(tmp, "none")), "not an executable file")):
    rc, res, argv = run(args)
    check(rc == 1 and want in res.get("msg", "") and argv is None,
          "refused before running swapctl: %s" % want, res)

# The built swapctl: the layout is parsed before anything else, so unprivileged too.
rc, res, argv = run(dict(layout="[swapfile]\nsizes = 1\n", binary=real_swapctl,
                         fstab=os.path.join(tmp, "fstab"), config_dir=os.path.join(tmp, "etc")),
                    check_mode=True)
check(rc == 1 and res.get("rc") == 2 and
      res.get("msg") == "(standard input):2:1: unknown key 'sizes' in [swapfile]",
      "the built swapctl: a malformed layout fails with FILE:LINE:COLUMN", res)

sys.exit(1 if fails else 0)
PY
