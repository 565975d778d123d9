/*
 * swapctl priority FILE|DEVICE N [--force]
 *
 * The kernel cannot change an active area's priority in place (swapon(2) takes it once), so a
 * change is: the gate, swapoff (in a child), swapon with N and the same discard policy, and
 * the fstab entry's pri= (lib/rotate.h, sc_priority_plan). An fstab-only change (the area is
 * not active, or already runs with N) touches nothing in the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "fsinfo.h"
#include "fstab.h"
#include "gate.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "rotate.h"
#include "signals.h"
#include "swapdev.h"
#include "swapfile.h"
#include "util.h"
#include "zram.h"

struct prio {
	struct sc_cli *cli;
	struct sc_ctx *c;
	char *path; /* full path of the area (file under the root, or canonical device) */
	bool device;
	bool managed_file; /* a regular file with a managed fstab entry */
	bool zram;
	int zram_id; /* a device swapctl created, or -1 */
	struct sc_fstab *fstab;
	struct sc_fstab_entry entry;
	bool has_entry;
	struct sc_priority_target t;
	struct sc_plan plan;
	struct json_object *gates;
	struct json_object *recovery;
};

static void prio_done(struct prio *p)
{
	free(p->path);
	if (p->has_entry)
		sc_fstab_entry_done(&p->entry);
	sc_fstab_free(p->fstab);
	sc_plan_free(&p->plan);
	if (p->gates)
		json_object_put(p->gates);
	if (p->recovery)
		json_object_put(p->recovery);
}

static int output(struct prio *p, int code, const struct sc_err *err)
{
	if (p->cli->json) {
		struct json_object *o = sc_json_result(&p->plan, sc_plan_changed(&p->plan));

		if (code != SC_EXIT_OK)
			sc_json_add_error(o, err, code);
		json_object_object_add(
			o, "gates", p->gates ? json_object_get(p->gates) : json_object_new_array());
		json_object_object_add(o, "recovery_actions",
			p->recovery ? json_object_get(p->recovery) : json_object_new_array());
		sc_json_print(o);
	} else if (p->cli->dry_run)
		sc_print_plan(p->cli, &p->plan);
	return code;
}

static int resolve(struct prio *p, const char *arg)
{
	_cleanup_free_ char *norm = NULL;
	int r;

	if (sc_startswith(arg, "/dev/")) {
		/*
		 * /dev/disk/by-uuid/... and other links name the node /proc/swaps shows. An
		 * image's devices are the booted machine's: named as given, not resolved here.
		 */
		p->device = true;
		r = p->c->offline ? 0 : sc_fsinfo_canonical(p->c, arg, &p->path);
		if (r == 0)
			p->path = strdup(arg);
		if (r < 0 || !p->path)
			return sc_report_errno(p->cli, -ENOMEM, arg, "cannot resolve");
		p->zram = sc_startswith(p->path, "/dev/zram");
		return 0;
	}
	r = sc_swapfile_normalize(arg, &norm);
	if (r == -EINVAL)
		return sc_usage_error(p->cli, "%s: not a file or device path", arg);
	if (r < 0)
		return sc_report_errno(p->cli, r, arg, "cannot resolve");
	p->path = sc_ctx_root_path(p->c, norm);
	if (!p->path)
		return sc_report_errno(p->cli, -ENOMEM, arg, "cannot resolve");
	return 0;
}

static int gather(struct prio *p)
{
	struct sc_swaps sw = {0};
	const struct sc_swap *s;
	struct sc_err err = {0};
	int r;

	r = sc_fstab_load(p->c, p->c->fstab, &p->fstab, &err);
	if (r < 0)
		return sc_report(p->cli, &err);
	r = sc_fstab_find_swap(
		p->fstab, p->device ? p->path : sc_ctx_boot_path(p->c, p->path), &p->entry);
	if (r < 0)
		return sc_report_errno(p->cli, r, p->c->fstab, "cannot search");
	p->has_entry = r > 0;
	if (!p->c->offline) {
		r = sc_swaps_read(p->c, &sw);
		if (r < 0)
			return sc_report_errno(p->cli, r, "/proc/swaps", "cannot read");
	}
	s = sc_swaps_find(&sw, p->path);
	p->t.path = p->path;
	if (s) {
		p->t.active = true;
		p->t.active_priority = s->priority;
		p->t.active_used = s->used_bytes;
		p->zram |= s->type == SC_SWAP_ZRAM;
	}
	sc_swaps_free(&sw);
	if (p->has_entry) {
		p->t.in_fstab = true;
		p->t.has_priority = p->entry.has_priority;
		p->t.fstab_priority = p->entry.priority;
		p->t.discard = p->entry.discard;
	}
	p->managed_file = !p->device && p->has_entry && p->entry.managed &&
		sc_fsinfo_is_regular(p->c, p->path);
	return 0;
}

static int swapon_with(struct prio *p, int priority, struct sc_err *err)
{
	enum sc_discard d = sc_rotate_discard_parse(p->has_entry ? p->entry.discard : NULL);

	if (p->managed_file)
		return sc_swapfile_enable(p->c, p->path, priority, d, err);
	/* A device, or a file swapctl does not manage: as the user had it, by name. */
	return sc_swapdev_enable(p->c, p->path, priority, d, err);
}

static int check_priority(struct prio *p, int priority, struct sc_err *err)
{
	struct sc_swaps sw = {0};
	const struct sc_swap *s;
	int r;

	r = sc_swaps_read(p->c, &sw);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	s = sc_swaps_find(&sw, p->path);
	if (!s)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO, "%s: not active after swapon", p->path);
	else if (s->priority != priority)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO, "%s: active with priority %d, not %d",
			p->path, s->priority, priority);
	sc_swaps_free(&sw);
	return r;
}

static int apply(struct prio *p, int priority, struct sc_err *err)
{
	int r;

	for (size_t i = 0; i < p->plan.n; i++) {
		struct sc_action *a = &p->plan.actions[i];

		switch (a->kind) {
		case SC_ROT_ACT_SWAPOFF:
			r = sc_gate_swapoff(p->c, p->path, NULL, err);
			if (r < 0)
				return r;
			break;
		case SC_ROT_ACT_SWAPON:
			r = swapon_with(p, priority, err);
			if (r == 0)
				r = check_priority(p, priority, err);
			if (r < 0) {
				/* The area is off: put it back as it was, loudly if that fails. */
				struct sc_err e2 = {0};
				int back = swapon_with(p,
					p->t.active_priority >= 0 ? p->t.active_priority : -1, &e2);
				if (back < 0)
					sc_error("%s: could not re-enable it either: %s; "
						 "the area is now inactive",
						p->path, e2.msg);
				else
					sc_warn(p->cli, "%s: re-enabled with its old priority %d",
						p->path, p->t.active_priority);
				return r;
			}
			break;
		case SC_ROT_ACT_FSTAB_UPDATE: {
			struct sc_swap_spec spec = {
				.path = p->entry.source,
				.priority = priority,
				.discard = p->entry.discard,
				.managed = p->entry.managed,
				.nofail = p->entry.nofail,
			};
			r = sc_fstab_set_swap(p->fstab, &spec, err);
			if (r >= 0)
				r = sc_fstab_commit(p->c, p->fstab, err);
			if (r < 0)
				return r;
			sc_cli_daemon_reload(p->cli);
			break;
		}
		case SC_ROT_ACT_ZRAM_CONFIG:
			r = sc_zram_set_priority(p->c, p->zram_id, priority, err);
			if (r < 0)
				return r;
			break;
		default:
			return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "%s: unknown step %s",
				a->target, a->action);
		}
		a->done = true;
	}
	return 0;
}

/*
 * A zram device swapctl created keeps its request (with the priority) in zram.conf, which
 * `swapctl boot` re-creates it from: the new priority goes there too (zram.h).
 */
static int plan_zram_config(struct prio *p, int priority, struct sc_err *err)
{
	_cleanup_free_ char *conf = NULL;
	struct sc_zram_spec spec;
	struct sc_action *a;
	bool in_config;
	int64_t id;
	int r;

	p->zram_id = -1;
	if (!p->zram || p->c->offline ||
		sc_parse_int(p->path + strlen("/dev/zram"), 0, INT32_MAX, &id) < 0)
		return 0;
	r = sc_zram_owned_spec(p->c, (int)id, &spec, &in_config, err);
	if (r <= 0)
		return r;
	p->zram_id = (int)id;
	if (!in_config || spec.priority == priority)
		return 0;
	conf = sc_config_path(p->c, SC_ZRAM_CONFIG_NAME);
	if (!conf)
		return -ENOMEM;
	a = sc_plan_add(
		&p->plan, SC_ROT_ACT_ZRAM_CONFIG, "zram-config", sc_ctx_boot_path(p->c, conf));
	if (!a || sc_action_set_str(a, "device", p->path) < 0 ||
		sc_action_set_int(a, "priority", priority) < 0)
		return -ENOMEM;
	return 0;
}

static void refusal_hint(const struct prio *p, struct sc_err *err, const char *arg, int prio)
{
	if (p->managed_file)
		sc_err_hint(err,
			"the kernel cannot change a priority in place; change it make-before-break "
			"instead (swapctl priority --rotate %s %d), or add swap elsewhere first; "
			"--force overrides",
			arg, prio);
	else
		sc_err_hint(err,
			"the kernel cannot change a priority in place, so the area must be swapped "
			"off and on again; free memory or add swap elsewhere first (swapctl add); "
			"--force overrides");
}

int sc_cmd_priority(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"rotate", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct prio p = {.cli = cli, .c = &cli->ctx, .zram_id = -1};
	struct sc_swaps before = {0};
	struct sc_err err = {0};
	bool force = false, rotate = false;
	int64_t prio;
	int c, ret, lock_fd = -1, r;

	while ((c = sc_cli_getopt(cli, argc, argv, "frh", opts, &ret)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'r')
			rotate = true;
	}
	if (ret >= 0)
		return ret;
	if (argc - optind != 2)
		return sc_usage_error(cli, "priority: expected FILE|DEVICE N");
	/*
	 * Only explicit priorities: -1 (automatic) would be renumbered by the kernel at every
	 * swapoff (KERNEL-FACTS §1.4), and above 32767 the kernel masks or misreads the value.
	 */
	if (sc_parse_int(argv[optind + 1], 0, 32767, &prio) < 0)
		return sc_usage_error(cli,
			"%s: not a priority (0..32767; swapctl gives every area an explicit one)",
			argv[optind + 1]);
	if (rotate)
		return sc_priority_by_rotation(cli, argv[optind], (int)prio, force);

	if (!cli->dry_run) {
		r = sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lock_fd, &err);
		if (r < 0)
			return sc_report(cli, &err);
	}
	ret = sc_rotate_recover_pending(cli, &p.recovery);
	if (ret)
		goto out;
	ret = resolve(&p, argv[optind]);
	if (ret)
		goto out;
	ret = gather(&p);
	if (ret)
		goto out;
	r = sc_priority_plan(&p.t, (int)prio, cli->ctx.fstab, cli->ctx.offline, &p.plan, &err);
	if (r >= 0)
		r = plan_zram_config(&p, (int)prio, &err);
	if (r < 0) {
		ret = sc_report(cli, &err);
		goto out;
	}
	if (p.plan.n == 0) {
		sc_info(cli, "%s: priority already %d: unchanged", p.path, (int)prio);
		ret = output(&p, SC_EXIT_OK, NULL);
		goto out;
	}
	if (p.plan.actions[0].kind == SC_ROT_ACT_SWAPOFF) {
		const char *victims[] = {p.path};
		struct sc_gate_report rep;

		r = sc_gate_check(&cli->ctx, victims, 1, &rep, &err);
		p.gates = json_object_new_array();
		json_object_array_add(p.gates, sc_json_gate(&rep));
		sc_gate_report_free(&rep);
		if (r == -EPERM && force) {
			sc_warn(cli, "%s (--force: going ahead)", err.msg);
			sc_err_clear(&err);
		} else if (r < 0) {
			if (r == -EPERM)
				refusal_hint(&p, &err, argv[optind], (int)prio);
			ret = sc_report(cli, &err);
			if (cli->json)
				output(&p, ret, &err);
			goto out;
		}
	}
	if (cli->dry_run) {
		ret = output(&p, SC_EXIT_OK, NULL);
		goto out;
	}
	if (sc_swaps_read(&cli->ctx, &before) < 0)
		before.n = 0;
	/* swapoff, swapon and pri= are one change: never stopped half-way (lib/signals.h). */
	sc_signals_hold();
	r = apply(&p, (int)prio, &err);
	sc_report_auto_priorities(cli, &before);
	sc_swaps_free(&before);
	if (r < 0) {
		ret = sc_report(cli, &err);
		if (cli->json)
			output(&p, ret, &err);
		goto out;
	}
	sc_info(cli, "%s: priority %d", p.path, (int)prio);
	if (p.zram && !p.has_entry && p.zram_id < 0)
		sc_info(cli,
			"%s: not a device swapctl created: whatever creates it at boot sets its "
			"priority there",
			p.path);
	ret = output(&p, SC_EXIT_OK, NULL);
out:
	prio_done(&p);
	if (lock_fd >= 0)
		sc_lock_release(&cli->ctx, lock_fd);
	return ret;
}
