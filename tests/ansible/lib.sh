# Helpers for the Ansible module tests (sourced; at_setup skips, exit 77, without Ansible).
#
#   at_python                       the Python Ansible runs on (the interpreter of ansible-doc,
#                                   else python3): a python3 earlier in PATH may lack ansible
#   at_setup DIR                    the collection installed below DIR/collections (a link to
#                                   contrib/ansible as ansible_collections/swapctl/swapctl),
#                                   Ansible's home, temp dirs and config confined to DIR
#   at_play OUT KEY=VALUE...        write the playbook OUT: one task running swapctl.swapctl.swapctl
#                                   with the options given (VALUE @FILE: the file's text;
#                                   true/false: booleans) plus those in the array AT_BASE,
#                                   failures ignored, then one writing its result as JSON
#   at_run PLAYBOOK RESULT ARGS...  ansible-playbook against localhost; the task's result goes
#                                   to RESULT, the output to RESULT.out
#   at_result RESULT EXPR           a Python expression over the task's result r in RESULT

at_python() {
	local tool line
	tool=$(command -v ansible-doc || command -v ansible-playbook) &&
		IFS= read -r line <"$tool" && line=${line#\#!} && line=${line# } && [ -x "${line%% *}" ] &&
		{ echo "${line%% *}"; return; }
	echo python3
}

at_setup() {
	local dir=$1 py
	if ! command -v ansible-playbook >/dev/null; then
		echo "SKIP: ansible-playbook missing (Debian: apt install ansible-core)"
		exit 77
	fi
	py=$(at_python)
	mkdir -p "$dir/collections/ansible_collections/swapctl" "$dir/home" "$dir/tmp"
	ln -sfn "$SC_SOURCE_DIR/contrib/ansible" "$dir/collections/ansible_collections/swapctl/swapctl"
	printf '[defaults]\n' >"$dir/ansible.cfg"
	export ANSIBLE_CONFIG=$dir/ansible.cfg ANSIBLE_HOME=$dir/home
	export ANSIBLE_COLLECTIONS_PATH=$dir/collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
	export ANSIBLE_LOCAL_TEMP=$dir/tmp ANSIBLE_REMOTE_TEMP=$dir/tmp ANSIBLE_NOCOLOR=1
	export ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_PYTHON_INTERPRETER=$py
	export ANSIBLE_DEPRECATION_WARNINGS=false ANSIBLE_LOCALHOST_WARNING=false
}

at_play() {
	python3 - "$@" ${AT_BASE[@]+"${AT_BASE[@]}"} <<'PY'
import json, sys
out, args = sys.argv[1], {}
for kv in sys.argv[2:]:
    key, value = kv.split("=", 1)
    if value.startswith("@"):
        value = open(value[1:]).read()
    elif value in ("true", "false"):
        value = value == "true"
    args.setdefault(key, value)
task = {"name": "swapctl", "swapctl.swapctl.swapctl": args, "register": "r",
        "ignore_errors": True}
# Written in check mode too; neither a change nor a diff of the play.
dump = {"name": "result", "ansible.builtin.copy": {"content": "{{ r | to_json }}",
        "dest": "{{ at_result }}"}, "check_mode": False, "diff": False, "changed_when": False}
json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task, dump]}], open(out, "w"))
PY
}

at_run() {
	local play=$1 result=$2
	shift 2
	rm -f "$result"
	ansible-playbook -i localhost, -c local -e at_result="$result" "$play" "$@" >"$result.out" 2>&1
}

at_result() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}
