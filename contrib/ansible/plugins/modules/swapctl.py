#!/usr/bin/python3
# Ansible module: converge a host's swap to a swapctl layout with `swapctl apply --json`.

DOCUMENTATION = r"""
---
module: swapctl
short_description: Converge swapfiles, zram, zswap and vm.* sysctls to a swapctl layout
description:
  - Runs C(swapctl --json apply) on the target with a layout, the INI file described in
    swapctl(8), section LAYOUT FILE, and reports what it did.
  - Each difference between the layout and what swapctl manages is carried out by the swapctl
    command that owns it, with that command's safety checks and rollback. Swap that swapctl
    does not manage is never touched.
  - The layout text given in I(layout) is passed on standard input (C(swapctl apply -)); no
    file is written on the target.
  - In check mode the module runs C(swapctl apply --check), swapctl's dry run, and reports
    C(changed) when that plan has actions.
  - In diff mode the per-object differences swapctl plans are rendered as before and after
    text, one C([object]) block per object that changes, one C(field = value) line per
    changed field (sizes in bytes); objects kept because the layout leaves them out appear
    unchanged on both sides with a comment.
version_added: "0.1.0"
author:
  - The swapctl authors
requirements:
  - swapctl on the target (the version that has C(swapctl apply))
options:
  layout:
    description:
      - The layout text. An empty string is an empty layout (with C(prune=true), swapctl
        removes every swapfile and zram device it manages).
      - Mutually exclusive with I(src); one of the two is required.
    type: str
  src:
    description:
      - Absolute path of a layout file on the target. swapctl's messages name this file.
      - Read as given, also with I(root) (not below it).
      - Mutually exclusive with I(layout).
    type: path
  prune:
    description:
      - Remove the swapfiles and zram devices swapctl manages that the layout does not
        list (C(swapctl apply --prune)). Without it they are kept and reported as C(kept).
    type: bool
    default: false
  binary:
    description:
      - Path of the swapctl executable. By default it is looked up in C(PATH), C(/usr/sbin)
        and C(/usr/local/sbin).
    type: path
  fstab:
    description:
      - The fstab swapctl reads and edits (C(--fstab)) instead of C(/etc/fstab).
    type: path
  sysctl_dir:
    description:
      - The sysctl drop-in directory (C(--sysctl-dir)) instead of C(/etc/sysctl.d).
    type: path
  root:
    description:
      - Prepare the offline tree at this path (C(--root)), for example an image being
        built; the running kernel is not touched.
    type: path
  config_dir:
    description:
      - swapctl's configuration directory (zram.conf, zswap.conf) instead of
        C(/etc/swapctl), passed as the environment variable C(SWAPCTL_CONFIG_DIR). For
        tests that act on the running kernel without touching C(/etc).
    type: path
attributes:
  check_mode:
    support: full
    description: Runs C(swapctl apply --check), which plans without changing anything.
  diff_mode:
    support: full
    description: Returns the planned per-object differences as before and after text.
notes:
  - Exit status and messages are swapctl's. On failure C(msg) is the message of swapctl's
    JSON C(error) object, followed by its hint when it has one; a malformed layout is
    named C(FILE:LINE:COLUMN) (C((standard input)) for I(layout)).
  - Steps done before a failing step stay done and C(changed) says so; running the task
    again finishes the rest.
"""

EXAMPLES = r"""
- name: A 4 GiB swapfile and zram with the zram sysctl profile
  swapctl.swapctl.swapctl:
    layout: |
      [swapfile]
      path = /swap/swapfile
      size = 4G
      priority = 10

      [zram]
      size = 50%
      algorithm = zstd

      [sysctl]
      profile = zram

- name: Converge to a layout file shipped to the host, removing what it no longer lists
  swapctl.swapctl.swapctl:
    src: /etc/swapctl/layout.conf
    prune: true

- name: Prepare an image offline (files, fstab and zram.conf below /mnt/image)
  swapctl.swapctl.swapctl:
    root: /mnt/image
    layout: |
      [swapfile]
      path = /swap/swapfile
      size = 1G
"""

RETURN = r"""
changed:
  description:
    - Whether swapctl changed something. In check mode, whether the plan has actions.
  returned: always
  type: bool
actions:
  description:
    - swapctl's actions, each with C(action), C(target), C(object) (what it changes) and
      details such as C(size_bytes) or C(priority); in check mode the plan.
  returned: always
  type: list
  elements: dict
  sample:
    - action: create
      target: /swap/swapfile
      object: swapfile /swap/swapfile
      size_bytes: 4294967296
swapctl_diff:
  description:
    - swapctl's per-object diff as it prints it, each entry with C(object), C(change)
      (create, update, remove, kept or none) and C(fields), each field a C(from)/C(to) pair
      (null when absent; sizes in bytes).
  returned: when swapctl got as far as planning
  type: list
  elements: dict
  sample:
    - object: swapfile /swap/swapfile
      change: update
      fields:
        size_bytes:
          from: 2147483648
          to: 4294967296
rc:
  description: swapctl's exit status (0 success, 1 failure, 2 bad input, 3 refused by a
    safety check, 5 another swapctl holds the lock).
  returned: always
  type: int
error:
  description: swapctl's JSON error object (C(message), C(exit_code), sometimes C(hint)).
  returned: failure
  type: dict
stderr:
  description: What swapctl printed on standard error.
  returned: failure
  type: str
cmd:
  description: The swapctl command line that was run.
  returned: failure
  type: list
  elements: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

KEPT_NOTE = "# kept: not in the layout (prune: true removes it)"


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_diff(entries):
    """swapctl's per-object diff as (before, after) text, one [object] block per object."""
    before, after = [], []

    def block(side, lines):
        if side:
            side.append("")
        side.extend(lines)

    for entry in entries or []:
        obj = entry.get("object", "?")
        change = entry.get("change", "")
        fields = entry.get("fields") or {}
        if change == "none":
            continue
        if change == "kept":
            block(before, [KEPT_NOTE, "[%s]" % obj])
            block(after, [KEPT_NOTE, "[%s]" % obj])
            continue
        # Spelled as in the layout: vm.swappiness, not swappiness.
        keys = {k: "vm." + k if obj == "sysctl" and k != "profile" else k for k in fields}
        old = ["%s = %s" % (keys[k], _text(v.get("from"))) for k, v in fields.items()
               if v.get("from") is not None]
        # A field without "to" goes back to its sysctl profile's value.
        new = ["%s = %s" % (keys[k], _text(v["to"]) if v.get("to") is not None else "(profile)")
               for k, v in fields.items() if change != "remove"]
        if change != "create":
            block(before, ["[%s]" % obj] + old)
        if change != "remove":
            block(after, ["[%s]" % obj] + new)
    return "\n".join(before) + ("\n" if before else ""), "\n".join(after) + ("\n" if after else "")


def build_command(binary, params, check_mode):
    cmd = [binary, "--json"]
    for option, flag in (("fstab", "--fstab"), ("sysctl_dir", "--sysctl-dir"),
                         ("root", "--root")):
        if params.get(option):
            cmd += [flag, params[option]]
    cmd.append("apply")
    if check_mode:
        cmd.append("--check")
    if params.get("prune"):
        cmd.append("--prune")
    cmd += ["--", params["src"] if params.get("src") else "-"]
    return cmd


def find_binary(module):
    binary = module.params["binary"]
    if binary:
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            module.fail_json(msg="%s: not an executable file; set binary to swapctl's path"
                             % binary)
        return binary
    return module.get_bin_path("swapctl", required=True,
                               opt_dirs=["/usr/sbin", "/usr/local/sbin"])


def parse_output(stdout):
    """The one JSON object swapctl prints, or None when it printed none."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            layout=dict(type="str"),
            src=dict(type="path"),
            prune=dict(type="bool", default=False),
            binary=dict(type="path"),
            fstab=dict(type="path"),
            sysctl_dir=dict(type="path"),
            root=dict(type="path"),
            config_dir=dict(type="path"),
        ),
        mutually_exclusive=[("layout", "src")],
        required_one_of=[("layout", "src")],
        supports_check_mode=True,
    )
    params = module.params
    if params["src"] is not None and not os.path.isabs(params["src"]):
        module.fail_json(msg="src: '%s' is not an absolute path; name the layout file on the "
                         "target by its absolute path" % params["src"])

    binary = find_binary(module)
    cmd = build_command(binary, params, module.check_mode)
    env = {}
    if params["config_dir"]:
        env["SWAPCTL_CONFIG_DIR"] = params["config_dir"]
    data = None
    if params["src"] is None:
        # Never empty: run_command gives the command no stdin pipe for empty data.
        data = params["layout"] if params["layout"] else "\n"
    rc, stdout, stderr = module.run_command(cmd, data=data, binary_data=True,
                                            environ_update=env, expand_user_and_vars=False)

    for line in stderr.splitlines():
        if line.startswith("swapctl: warning: "):
            module.warn(line[len("swapctl: warning: "):])

    result = parse_output(stdout)
    if result is None:
        module.fail_json(msg=stderr.strip() or "swapctl printed no JSON object (exit %d)" % rc,
                         rc=rc, cmd=cmd, stdout=stdout, stderr=stderr, changed=False)

    actions = result.get("actions") or []
    swapctl_diff = result.get("diff") or []
    changed = bool(actions) if module.check_mode else bool(result.get("changed"))
    out = dict(changed=changed, actions=actions, swapctl_diff=swapctl_diff, rc=rc)

    if rc != 0:
        error = result.get("error") or {}
        msg = error.get("message") or stderr.strip() or "swapctl apply failed (exit %d)" % rc
        if error.get("hint"):
            msg = "%s; %s" % (msg, error["hint"])
        module.fail_json(msg=msg, error=error, stderr=stderr, cmd=cmd, **out)

    if module._diff:
        before, after = render_diff(swapctl_diff)
        out["diff"] = dict(before=before, after=after,
                           before_header="swapctl: managed now",
                           after_header="swapctl: %s" % (params["src"] or "layout"))
    module.exit_json(**out)


if __name__ == "__main__":
    main()
