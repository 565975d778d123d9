/* The output layer: messages, JSON and plan rendering, stdout error checking. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fstab.h"
#include "gate.h"
#include "macro.h"
#include "parse.h"

/* Whether a JSON object went to stdout, and the last error, for sc_json_fallback(). */
static bool json_emitted;
static char last_error[1024];

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	if (!prefix)
		vsnprintf(last_error, sizeof(last_error), fmt, copy);
	va_end(copy);
	fputs("swapctl: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sc_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

void sc_warn(const struct sc_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void sc_info(const struct sc_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet)
		return;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

void sc_debug(const struct sc_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (!cli->verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

int sc_report(const struct sc_cli *cli, const struct sc_err *err)
{
	sc_error("%s", err->msg[0] ? err->msg : "operation failed");
	if (err->hint[0])
		fprintf(stderr, "swapctl: hint: %s\n", err->hint);
	return err->kind == SC_EXIT_OK ? SC_EXIT_FAILURE : (int)err->kind;
}

int sc_report_errno(const struct sc_cli *cli, int r, const char *object, const char *what)
{
	sc_error("%s: %s: %s", object, what, strerror(r < 0 ? -r : r));
	return SC_EXIT_FAILURE;
}

int sc_usage_error(const struct sc_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'swapctl %s%s--help' for more information.\n",
		cli->command ? cli->command : "", cli->command ? " " : "");
	return SC_EXIT_USAGE;
}

int sc_cli_getopt(struct sc_cli *cli, int argc, char **argv, const char *shortopts,
	const struct option *longopts, int *exit_code)
{
	int c;

	*exit_code = -1;
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == 'h') {
		fputs(cli->usage, stdout);
		*exit_code = SC_EXIT_OK;
		return -1;
	}
	if (c == '?' || c == ':') {
		bool needs_value = c == ':' || (optopt && strchr(shortopts, optopt));

		/* A long option without its argument: getopt sets optopt to its val. */
		for (const struct option *o = longopts;
			optopt && o && o->name && strncmp(argv[optind - 1], "--", 2) == 0; o++)
			if (o->val == optopt && o->has_arg == required_argument)
				needs_value = true;
		if (needs_value)
			*exit_code = sc_usage_error(cli, "%s: option '%s' needs a value",
				cli->command, argv[optind - 1]);
		else
			*exit_code = sc_usage_error(
				cli, "%s: unknown option '%s'", cli->command, argv[optind - 1]);
		return -1;
	}
	return c;
}

/* An action's named fields; out of memory here, there is nothing left to report with. */
static void fields_of(const struct sc_action *a, struct sc_field **ret, size_t *ret_n)
{
	if (sc_action_fields(a, ret, ret_n) < 0) {
		fputs("swapctl: out of memory\n", stderr);
		exit(SC_EXIT_FAILURE);
	}
}

struct json_object *sc_json_action(const struct sc_action *a)
{
	struct json_object *o = json_object_new_object();
	struct sc_field *fields = NULL;
	size_t n = 0;

	json_object_object_add(o, "action", json_object_new_string(a->action));
	json_object_object_add(o, "target", json_object_new_string(a->target));
	fields_of(a, &fields, &n);
	for (size_t i = 0; i < n; i++) {
		const struct sc_field *f = &fields[i];
		struct json_object *v;

		switch (f->type) {
		case SC_FIELD_STR:
			v = json_object_new_string(f->str);
			break;
		case SC_FIELD_INT:
			v = json_object_new_int64(f->num);
			break;
		default:
			v = json_object_new_boolean(f->num != 0);
		}
		json_object_object_add(o, f->key, v);
	}
	sc_fields_free(fields, n);
	json_object_object_add(o, "done", json_object_new_boolean(a->done));
	return o;
}

struct json_object *sc_json_result(const struct sc_plan *plan, bool changed)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	for (size_t i = 0; plan && i < plan->n; i++)
		json_object_array_add(arr, sc_json_action(&plan->actions[i]));
	json_object_object_add(o, "changed", json_object_new_boolean(changed));
	json_object_object_add(o, "actions", arr);
	return o;
}

static struct json_object *json_bytes(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

struct json_object *sc_json_gate(const struct sc_gate_report *r)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "allowed", json_object_new_boolean(r->allowed));
	json_object_object_add(o, "victim_used_bytes", json_bytes(r->victim_used));
	json_object_object_add(o, "victim_size_bytes", json_bytes(r->victim_size));
	json_object_object_add(o, "mem_available_bytes", json_bytes(r->mem_available));
	json_object_object_add(o, "mem_total_bytes", json_bytes(r->mem_total));
	json_object_object_add(o, "other_free_bytes", json_bytes(r->other_free));
	json_object_object_add(o, "margin_bytes", json_bytes(r->margin));
	json_object_object_add(o, "memory_ok", json_object_new_boolean(r->memory_ok));
	json_object_object_add(
		o, "overcommit_strict", json_object_new_boolean(r->overcommit_strict));
	json_object_object_add(o, "committed_as_bytes", json_bytes(r->committed_as));
	json_object_object_add(o, "commit_limit_after_bytes", json_bytes(r->commit_limit_after));
	json_object_object_add(o, "commit_ok", json_object_new_boolean(r->commit_ok));
	json_object_object_add(o, "cgroup_hierarchy",
		json_object_new_string(sc_cgroup_version_name(r->cgroup_version)));
	json_object_object_add(
		o, "cgroups_checked", json_object_new_int64((int64_t)r->n_cgroups_checked));
	json_object_object_add(o, "cgroups_skipped", json_object_new_boolean(r->cgroups_skipped));
	json_object_object_add(o, "cgroups_ok", json_object_new_boolean(r->cgroups_ok));
	for (size_t i = 0; i < r->n_blocking; i++) {
		const struct sc_gate_cgroup *g = &r->blocking[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "path", json_object_new_string(g->path));
		json_object_object_add(e, "limit_bytes", json_bytes(g->limit));
		json_object_object_add(e, "usage_bytes", json_bytes(g->usage));
		json_object_object_add(e, "swap_bytes", g->swap_known ? json_bytes(g->swap) : NULL);
		json_object_object_add(e, "need_bytes", json_bytes(g->need));
		json_object_object_add(e, "reclaim_room_bytes", json_bytes(g->reclaim_room));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "blocking_cgroups", a);
	return o;
}

void sc_json_add_error(struct json_object *o, const struct sc_err *err, int exit_code)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "message",
		json_object_new_string(err && err->msg[0] ? err->msg : "operation failed"));
	if (err && err->hint[0])
		json_object_object_add(e, "hint", json_object_new_string(err->hint));
	json_object_object_add(e, "exit_code", json_object_new_int(exit_code));
	json_object_object_add(o, "error", e);
}

/* While a command runs inside `apply`: where its JSON object goes instead of stdout. */
static struct json_object **json_capture;

void sc_json_capture(struct json_object **slot)
{
	json_capture = slot;
	json_emitted = false;
	last_error[0] = '\0';
}

int sc_json_print(struct json_object *o)
{
	if (json_capture) {
		if (*json_capture)
			json_object_put(*json_capture);
		*json_capture = o;
		json_emitted = true;
		return 0;
	}

	const char *s = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);

	fputs(s, stdout);
	fputc('\n', stdout);
	json_object_put(o);
	json_emitted = true;
	return 0;
}

void sc_json_fallback(const struct sc_cli *cli, int exit_code)
{
	struct json_object *o, *e;

	if (!cli->json || json_emitted || exit_code == SC_EXIT_OK)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "changed", json_object_new_boolean(false));
	json_object_object_add(o, "actions", json_object_new_array());
	e = json_object_new_object();
	json_object_object_add(e, "message",
		json_object_new_string(last_error[0] ? last_error : "operation failed"));
	json_object_object_add(e, "exit_code", json_object_new_int(exit_code));
	json_object_object_add(o, "error", e);
	sc_json_print(o);
}

void sc_print_plan(const struct sc_cli *cli, const struct sc_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i];
		struct sc_field *fields = NULL;
		size_t n = 0;
		char buf[32];

		fields_of(a, &fields, &n);
		printf("%s%s %s", cli->dry_run ? "would " : "", a->action, a->target);
		for (size_t j = 0; j < n; j++) {
			const struct sc_field *f = &fields[j];
			size_t kl = strlen(f->key);

			if (f->type == SC_FIELD_STR)
				printf(" %s=%s", f->key, f->str);
			else if (f->type == SC_FIELD_BOOL)
				printf(" %s=%s", f->key, f->num ? "yes" : "no");
			else if (kl > 6 && strcmp(f->key + kl - 6, "_bytes") == 0 && f->num >= 0)
				printf(" %.*s=%s", (int)(kl - 6), f->key,
					sc_format_bytes((uint64_t)f->num, buf));
			else
				printf(" %s=%" PRId64, f->key, f->num);
		}
		sc_fields_free(fields, n);
		putchar('\n');
	}
}

int sc_close_stdout(void)
{
	int r = 0;

	if (fflush(stdout) != 0 || ferror(stdout))
		r = errno ? errno : EIO;
	if (fclose(stdout) != 0 && r == 0 && errno != EBADF)
		r = errno;
	if (r) {
		fprintf(stderr, "swapctl: standard output: write error: %s\n", strerror(r));
		return SC_EXIT_FAILURE;
	}
	return SC_EXIT_OK;
}

void sc_print_fstab_diff(const struct sc_cli *cli, const char *diff)
{
	if (cli->dry_run && !cli->json && !cli->quiet && diff && diff[0])
		fputs(diff, stdout);
}

int sc_cli_swap_size(const struct sc_cli *cli, const char *s, uint64_t *ret)
{
	int r = sc_parse_swap_size(s, cli->ctx.page_size, ret);

	if (r == -ERANGE)
		return sc_usage_error(cli,
			"%s: size '%s' is outside what a swap area can be (%u pages of %zu bytes "
			"to 2^32 pages)",
			cli->command, s, SC_SWAP_MIN_PAGES, cli->ctx.page_size);
	if (r < 0)
		return sc_usage_error(cli,
			"%s: '%s' is not a size: write digits, an optional decimal fraction and a "
			"unit (K, M, G, T, P, E or KiB... for powers of 1024, KB, MB... for powers "
			"of 1000), without leading zeros, signs or hex",
			cli->command, s);
	return 0;
}
