/*
 * apply's steps as the commands that carry them out (lib/layout-plan.h): each step becomes
 * that command's request, spelled as its arguments, and runs through the command itself,
 * inside apply's lock, with its JSON object captured.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply-cli.h"
#include "macro.h"

struct args {
	char *v[64];
	int n;
	bool oom;
};

static void arg(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void arg(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (a->oom || a->n + 1 >= (int)ELEMENTSOF(a->v)) {
		a->oom = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		s = NULL;
		a->oom = true;
	}
	va_end(ap);
	if (s)
		a->v[a->n++] = s;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
}

static void size_arg(struct args *a, uint64_t size)
{
	if (size)
		arg(a, "%" PRIu64, size);
	else
		arg(a, "auto");
}

static void step_args(const struct sc_step *s, struct args *a)
{
	switch (s->kind) {
	case SC_STEP_SYSCTL:
		arg(a, "sysctl");
		arg(a, "apply");
		if (s->u.sysctl.profile)
			arg(a, "--profile=%s", s->u.sysctl.profile);
		for (size_t k = 0; k < SC_VM_N; k++)
			if (s->u.sysctl.values->set[k])
				arg(a, "--set=vm.%s=%" PRId64, sc_sysctl_keys[k].name,
					s->u.sysctl.values->v[k]);
		break;
	case SC_STEP_ZSWAP: {
		const struct sc_zswap_settings *z = s->u.zswap.want;

		arg(a, "zswap");
		arg(a, z->enabled ? "enable" : "disable");
		if (z->compressor[0])
			arg(a, "--compressor=%s", z->compressor);
		if (z->max_pool_percent >= 0)
			arg(a, "--max-pool-percent=%d", z->max_pool_percent);
		break;
	}
	case SC_STEP_ZRAM_ADD: {
		const struct sc_zram_spec *z = s->u.zram_add.spec;

		arg(a, "zram");
		arg(a, "add");
		if (z->size_kind == SC_ZRAM_SIZE_BYTES)
			arg(a, "%" PRIu64, z->size);
		else if (z->size_kind == SC_ZRAM_SIZE_PERCENT)
			arg(a, "%" PRIu64 "%%", z->size);
		else
			arg(a, "auto");
		if (z->algorithm[0])
			arg(a, "--algorithm=%s", z->algorithm);
		if (z->params[0])
			arg(a, "--algorithm-params=%s", z->params);
		arg(a, "--priority=%d", z->priority);
		if (z->mem_limit)
			arg(a, "--mem-limit=%" PRIu64, z->mem_limit);
		break;
	}
	case SC_STEP_SWAPFILE_ADD: {
		const struct sc_layout_swapfile *w = s->u.add.want;

		arg(a, "add");
		size_arg(a, s->u.add.size);
		arg(a, "--path=%s", s->u.add.path);
		if (w->has_priority)
			arg(a, "--priority=%d", w->priority);
		if (w->has_discard && w->discard == SC_DISCARD_BOTH)
			arg(a, "--discard");
		else if (w->has_discard)
			arg(a, "--discard=%s", sc_discard_name(w->discard));
		if (w->label)
			arg(a, "--label=%s", w->label);
		if (s->u.add.hibernate)
			arg(a, "--hibernate");
		break;
	}
	case SC_STEP_HIBERNATE:
		arg(a, "hibernate");
		arg(a, "%s", s->u.hibernate.path);
		break;
	case SC_STEP_SWAPFILE_RESIZE:
		arg(a, "resize");
		arg(a, "%s", s->u.resize.path);
		arg(a, "%" PRIu64, s->u.resize.size);
		break;
	case SC_STEP_SWAPFILE_PRIORITY:
		arg(a, "priority");
		arg(a, "%s", s->u.priority.path);
		arg(a, "%d", s->u.priority.priority);
		break;
	case SC_STEP_ZRAM_REMOVE:
		arg(a, "zram");
		arg(a, "remove");
		arg(a, "/dev/zram%d", s->u.zram_remove.device);
		break;
	case SC_STEP_SWAPFILE_REMOVE:
		arg(a, "remove");
		arg(a, "%s", s->u.remove.path);
		break;
	}
}

char *sc_apply_step_command(const struct sc_step *s)
{
	struct args a = {0};
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	step_args(s, &a);
	f = a.oom ? NULL : open_memstream(&line, &len);
	for (int i = 0; f && i < a.n; i++)
		fprintf(f, "%s%s", i ? " " : "", a.v[i]);
	if (f && fclose(f) != 0)
		line = NULL;
	args_free(&a);
	return line;
}

int sc_apply_run_step(struct sc_cli *cli, const struct sc_step *s, struct json_object **ret)
{
	struct sc_cli sub = *cli;
	struct args a = {0};
	int r;

	*ret = NULL;
	step_args(s, &a);
	if (a.oom) {
		args_free(&a);
		return sc_report_errno(cli, -ENOMEM, "apply", "out of memory");
	}
	/* The command's own JSON object tells its actions and whether it changed anything. */
	sub.json = true;
	sub.ctx.lock_held = true;
	sc_json_capture(ret);
	r = sc_run_command(&sub, a.n, a.v);
	sc_json_fallback(&sub, r);
	sc_json_capture(NULL);
	args_free(&a);
	return r;
}

/*
 * What the steps before step i leave for the vm.* rules (ctx.h): compressed swap added, zram
 * devices removed. The same in --check, where those steps are only planned.
 */
void sc_apply_note_step(struct sc_cli *cli, const struct sc_step *s, int *leaving, size_t *n)
{
	if (s->kind == SC_STEP_ZRAM_ADD ||
		(s->kind == SC_STEP_ZSWAP && s->u.zswap.want->enabled == 1))
		cli->ctx.fast_swap_planned = true;
	if (s->kind == SC_STEP_ZRAM_REMOVE)
		leaving[(*n)++] = s->u.zram_remove.device;
	cli->ctx.zram_leaving = leaving;
	cli->ctx.n_zram_leaving = *n;
}
