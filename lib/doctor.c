/*
 * doctor: the checks, pure functions of the gathered state. See doctor.h. They cover memory
 * and reclaim, dangerous but accepted vm.* values, swapfile permissions, persistence that is
 * overridden at boot, other swap managers and fstab lines its readers disagree on. Every id
 * is documented in swapctl(8).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"
#include "macro.h"
#include "parse.h"
#include "util.h"

const char *sc_severity_name(enum sc_severity s)
{
	switch (s) {
	case SC_SEV_INFO:
		return "info";
	case SC_SEV_WARNING:
		return "warning";
	case SC_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

void sc_findings_free(struct sc_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].message);
		free(f->items[i].fix);
	}
	free(f->items);
	f->items = NULL;
	f->n = 0;
}

bool sc_findings_problems(const struct sc_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].severity >= SC_SEV_WARNING)
			return true;
	return false;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Takes ownership of msg and fix (either NULL means out of memory). */
static int add(struct sc_findings *f, const char *id, enum sc_severity sev, char *msg, char *fix)
{
	struct sc_finding *n;

	if (!msg || !fix) {
		free(msg);
		free(fix);
		return -ENOMEM;
	}
	n = realloc(f->items, (f->n + 1) * sizeof(*n));
	if (!n) {
		free(msg);
		free(fix);
		return -ENOMEM;
	}
	f->items = n;
	f->items[f->n++] = (struct sc_finding){id, sev, msg, fix};
	return 0;
}

#define ADD(id, sev, msg, fix)                                                                     \
	do {                                                                                       \
		int _r = add(ret, id, sev, msg, fix);                                              \
		if (_r < 0)                                                                        \
			return _r;                                                                 \
	} while (0)

static const char *bytes(uint64_t b, char buf[static 32])
{
	return sc_format_bytes(b, buf);
}

static bool live(const struct sc_doctor_observed *s, size_t k, int64_t *ret)
{
	if (!s->sysctl_ok || !s->obs.sysctl_present[k])
		return false;
	*ret = s->obs.sysctl[k];
	return true;
}

/* " (set by FILE line N)" when a sysctl file sets the key at boot, else "". */
static char *set_by(const struct sc_doctor_observed *s, size_t k)
{
	const struct sc_sysctl_setting *w = s->boot_ok ? &s->boot.systemd[k] : NULL;

	if (!w || !w->file)
		return strdup("");
	return fmt(" (set at boot by %s%s%s line %u)", w->file, w->via ? " -> " : "",
		w->via ? w->via : "", w->line);
}

static bool has_swap(const struct sc_doctor_observed *s)
{
	return s->obs.swaps.n > 0;
}

/* ---- memory and reclaim ---- */

static int check_oom(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	char *msg = NULL, *tmp;
	int64_t swappiness;
	char b1[32];
	size_t memcg = 0;

	if (!s->oom_counter_ok || s->oom_kills == 0)
		return 0;
	msg = fmt("the kernel OOM-killed %" PRIu64 " process%s since boot", s->oom_kills,
		s->oom_kills == 1 ? "" : "es");
	for (size_t i = 0; msg && i < s->n_ooms; i++) {
		const struct sc_doctor_oom *o = &s->ooms[i];
		tmp = fmt("%s%s %s (pid %ld)%s%s", msg, i == 0 ? "; last in the kernel log:" : ",",
			o->task ? o->task : "?", o->pid,
			o->memcg ? " by the limit of memory cgroup " : "",
			o->memcg ? (o->memcg_path ? o->memcg_path : "?") : "");
		free(msg);
		msg = tmp;
		memcg += o->memcg;
	}
	/* Explain the symptom with what else is wrong ("plenty of virtual memory"). */
	if (msg && !has_swap(s)) {
		tmp = fmt("%s. No swap is active, so anonymous memory could not be reclaimed (see "
			  "no-swap)",
			msg);
		free(msg);
		msg = tmp;
	}
	if (msg && has_swap(s) && live(s, SC_VM_SWAPPINESS, &swappiness) && swappiness == 0) {
		tmp = fmt("%s. vm.swappiness=0 keeps reclaim from swapping, so processes die while "
			  "%s of swap is free (see swappiness-zero)",
			msg, bytes(s->obs.mem.swap_free, b1));
		free(msg);
		msg = tmp;
	}
	for (size_t i = s->n_ooms; msg && i-- > 0;) {
		const struct sc_doctor_oom *o = &s->ooms[i];

		if (!o->memcg || !o->memcg_path || (o->cg_swappiness != 0 && !o->cg_no_swap))
			continue;
		tmp = fmt("%s. Memory cgroup %s may not swap (%s), so its processes are killed "
			  "at its limit however much swap is free",
			msg, o->memcg_path,
			o->cg_swappiness == 0 ? "its memory.swappiness is 0"
					      : "its swap limit leaves no room for swap");
		free(msg);
		msg = tmp;
		break;
	}
	if (msg && memcg > 0) {
		tmp = fmt(
			"%s. A kill by a memory cgroup's limit happens whatever the machine has "
			"free: the cgroup reached its own memory.max (v2) or memory.limit_in_bytes "
			"(v1)%s",
			msg,
			has_swap(s) ? ", and its pages only go to swap if the cgroup may swap "
				      "(memory.swap.max, memory.memsw.limit_in_bytes)"
				    : "");
		free(msg);
		msg = tmp;
	}
	if (msg && !s->kmsg_ok) {
		tmp = fmt("%s (the kernel log was not readable for details)", msg);
		free(msg);
		msg = tmp;
	}
	ADD("oom-kills", SC_SEV_WARNING, msg,
		strdup("read the kills with `journalctl -k -g 'Killed process'`; fix the causes "
		       "the other findings name, raise the limit of the cgroup named, or add "
		       "swap"));
	return 0;
}

static int check_swap(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	char b1[32], b2[32];

	/* An offline image has no active swap: what it will activate is checked in fstab. */
	if (s->offline)
		return 0;
	if (!has_swap(s)) {
		ADD("no-swap", SC_SEV_WARNING,
			strdup("no swap is active: anonymous memory cannot be reclaimed, so when "
			       "RAM fills the OOM killer is the only way out, with pages that were "
			       "never touched again still held in RAM"),
			strdup("add swap: `swapctl add auto` (a swapfile) or `swapctl zram add` "
			       "(compressed RAM)"));
		return 0;
	}
	if (s->mem_ok && s->obs.mem.swap_total > 0 &&
		s->obs.mem.swap_free < s->obs.mem.swap_total / 10)
		ADD("swap-nearly-full", SC_SEV_WARNING,
			fmt("swap is %s of %s used: the next burst of anonymous memory goes to the "
			    "OOM killer",
				bytes(s->obs.mem.swap_total - s->obs.mem.swap_free, b1),
				bytes(s->obs.mem.swap_total, b2)),
			strdup("add swap (`swapctl add`, `swapctl zram add`) or find what grew "
			       "(`smem`, memory.swap.current of each cgroup)"));
	return 0;
}

static int check_vm(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	const struct sc_sysctl_env *e = &s->sysctl.env;
	int64_t v, mode;
	char b1[32], b2[32], b3[32], b4[32];

	if (live(s, SC_VM_SWAPPINESS, &v) && v == 0) {
		_cleanup_free_ char *by = set_by(s, SC_VM_SWAPPINESS);
		ADD("swappiness-zero", has_swap(s) ? SC_SEV_WARNING : SC_SEV_INFO,
			fmt("vm.swappiness is 0%s: since Linux 3.5 reclaim does not swap until "
			    "free and file pages are nearly gone, and reclaim under a cgroup "
			    "memory limit never swaps, so processes are OOM-killed while swap is "
			    "still free",
				by ? by : ""),
			strdup("use 1 for the least swapping that still swaps: `swapctl sysctl "
			       "apply --set vm.swappiness=1` (or a profile), and remove the 0 from "
			       "the file named"));
	}

	if (live(s, SC_VM_MIN_FREE_KBYTES, &v) && s->mem_ok) {
		int64_t formula = sc_sysctl_min_free_formula(e), max = sc_sysctl_min_free_max(e);
		_cleanup_free_ char *by = set_by(s, SC_VM_MIN_FREE_KBYTES);

		if (v < formula)
			ADD("min-free-kbytes-low", v < 1024 ? SC_SEV_ERROR : SC_SEV_WARNING,
				fmt("vm.min_free_kbytes is %" PRId64
				    "%s, below the kernel's own value %" PRId64
				    " (4 x sqrt of %" PRIu64 " kB lowmem)%s",
					v, by ? by : "", formula, e->lowmem_kb,
					v < 1024 ? ": below 1024 the reserve for atomic "
						   "allocations is \"subtly broken, prone to "
						   "deadlock\" (vm.rst)"
						 : ": atomic allocations and reclaim lose their "
						   "reserve"),
				fmt("`swapctl sysctl apply --set vm.min_free_kbytes=%" PRId64
				    "` (the kernel's own value here)",
					sc_sysctl_min_free_own(e)));
		else if (v > max)
			ADD("min-free-kbytes-high", SC_SEV_ERROR,
				fmt("vm.min_free_kbytes is %" PRId64 "%s, above 5%% of the %" PRIu64
				    " kB lowmem: it is a reserve, not an allocation limit, and the "
				    "watermarks derived from it keep %s idle, so the OOM killer "
				    "runs while memory looks free (\"too high will OOM your "
				    "machine instantly\", vm.rst)",
					v, by ? by : "", e->lowmem_kb,
					bytes((uint64_t)v * 1024, b1)),
				fmt("`swapctl sysctl apply --set vm.min_free_kbytes=%" PRId64
				    "` (the kernel's own value) and remove the large value from "
				    "the file named",
					sc_sysctl_min_free_own(e)));
	}

	if (live(s, SC_VM_OVERCOMMIT_MEMORY, &mode) && mode == 2 && s->mem_ok &&
		s->obs.mem.commit_limit > 0) {
		uint64_t limit = s->obs.mem.commit_limit, used = s->obs.mem.committed_as;
		int64_t ratio = 50;

		live(s, SC_VM_OVERCOMMIT_RATIO, &ratio);
		/* "close": less than a tenth of the limit left (or over it). */
		if (used >= limit - limit / 10)
			ADD("overcommit-starved", SC_SEV_ERROR,
				fmt("vm.overcommit_memory is 2 (strict) and Committed_AS is %s of "
				    "the CommitLimit %s: allocations and forks fail with ENOMEM "
				    "although %s of RAM is available and %s of swap free",
					bytes(used, b1), bytes(limit, b2),
					bytes(s->obs.mem.available, b3),
					bytes(s->obs.mem.swap_free, b4)),
				strdup("return to the default heuristic overcommit (`swapctl "
				       "sysctl apply --set vm.overcommit_memory=0`), or raise "
				       "vm.overcommit_ratio, or add swap (CommitLimit = swap + RAM "
				       "x ratio / 100)"));
		if (ratio < 0 || limit < s->obs.mem.total)
			ADD("overcommit-ratio-low", SC_SEV_WARNING,
				fmt("vm.overcommit_memory is 2 with vm.overcommit_ratio %" PRId64
				    ": CommitLimit (swap %s + RAM x %" PRId64
				    "%%) is %s, less than the %s of RAM, so part of the memory can "
				    "never be allocated",
					ratio, bytes(s->obs.mem.swap_total, b1), ratio,
					bytes(limit, b2), bytes(s->obs.mem.total, b3)),
				strdup("raise vm.overcommit_ratio (100 commits all RAM) or add "
				       "swap; the kernel's default overcommit_memory is 0, not 2"));
	}

	if (live(s, SC_VM_VFS_CACHE_PRESSURE, &v) && v == 0)
		ADD("vfs-cache-pressure-zero", SC_SEV_WARNING,
			strdup("vm.vfs_cache_pressure is 0: dentries and inodes are never "
			       "reclaimed, which \"can easily lead to out-of-memory conditions\" "
			       "(vm.rst)"),
			strdup("`swapctl sysctl apply --set vm.vfs_cache_pressure=100` (the "
			       "default)"));
	if (live(s, SC_VM_DIRTYTIME_EXPIRE_SECONDS, &v) && v == 0)
		ADD("dirtytime-expire-zero", SC_SEV_WARNING,
			strdup("vm.dirtytime_expire_seconds is 0: on kernels without commit "
			       "543467d6fe97 the lazytime writeback work re-queues itself without "
			       "delay and keeps a kworker at 100% CPU"),
			strdup("`swapctl sysctl apply --set vm.dirtytime_expire_seconds=43200` "
			       "(the default)"));
	return 0;
}

static int check_zones(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	if (!s->zones_ok)
		return 0;
	for (size_t i = 0; i < s->zones.n; i++) {
		const struct sc_zone *z = &s->zones.zones[i];

		if (z->managed == 0 || z->free >= z->low)
			continue;
		ADD("zone-below-low-watermark", SC_SEV_WARNING,
			fmt("node %d zone %s has %" PRIu64
			    " free pages, below its low watermark %" PRIu64 " (min %" PRIu64
			    "): kswapd is reclaiming now and allocations %s",
				z->node, z->name, z->free, z->low, z->min,
				z->free < z->min ? "below the min watermark stall in direct reclaim"
						 : "may soon stall in direct reclaim"),
			strdup("find what fills memory (`swapctl status`, `smem`); add swap so "
			       "anonymous pages can be reclaimed; raising "
			       "vm.watermark_scale_factor wakes kswapd earlier"));
	}
	return 0;
}

/* ---- fstab and areas ---- */

static const char *area_name(const struct sc_doctor_area *a)
{
	return a->path;
}

static int check_fstab(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	const char *fstab = s->fstab_path ? s->fstab_path : "/etc/fstab";

	for (size_t i = 0; i < s->obs.n_entries; i++) {
		const struct sc_obs_entry *l = &s->obs.entries[i];
		char why[512] = "";

		if (l->crlf)
			strcat(why, "; it ends in CR LF (glibc keeps the CR in the last field)");
		if (l->odd_escape)
			strcat(why,
				"; it uses a \\ooo escape other than \\040 \\011 \\012 \\134 "
				"(glibc getmntent does not decode it)");
		if (l->inline_comment)
			strcat(why, "; it has text after the sixth field (libmount drops it)");
		if (l->short_fields)
			strcat(why, "; it has fewer than six fields");
		if (l->unparsable)
			strcat(why,
				"; libmount cannot parse it (swapon -a skips it; systemd v252 may "
				"still make a unit of it)");
		if (why[0])
			ADD("fstab-ambiguous-line", SC_SEV_WARNING,
				fmt("%s line %zu (%s) is read differently by swapon -a (libmount) "
				    "and systemd-fstab-generator (glibc getmntent up to v252), "
				    "which can activate different files or none: %s",
					fstab, l->line, l->source, why + 2),
				fmt("rewrite line %zu with all six fields, LF line ends, no "
				    "trailing comment and only the \\040 \\011 \\012 \\134 escapes",
					l->line));
	}

	/* glibc getmntent reads a line with fgets() into 4096 bytes and drops the rest. */
	for (size_t i = 0; i < s->obs.n_entries; i++) {
		const struct sc_obs_entry *l = &s->obs.entries[i];

		if (l->too_long)
			ADD("fstab-line-too-long", SC_SEV_WARNING,
				fmt("%s line %zu (%s) is %zu bytes long, over the 4095 bytes of a "
				    "line that glibc getmntent reads: systemd-fstab-generator (up "
				    "to "
				    "v252) reads it cut short, with other options or none, while "
				    "swapon -a (libmount) reads it whole",
					fstab, l->line, l->source, l->read_len),
				fmt("shorten line %zu to at most 4095 bytes (fewer options, or a "
				    "shorter path or UUID= source)",
					l->line));
	}

	/* Which lines are missing, inactive or duplicated is drift (drift.h); the words are doctor's. */
	for (size_t i = 0; i < s->drift.n; i++) {
		const struct sc_drift_record *d = &s->drift.items[i];
		const struct sc_obs_entry *l, *first;
		const struct sc_doctor_area *a;
		const char *name;

		if (d->entry < 0)
			continue;
		l = &s->obs.entries[d->entry];
		a = s->line_area[d->entry] >= 0 ? &s->areas[s->line_area[d->entry]] : NULL;
		name = a ? area_name(a) : l->source;
		if (d->kind == SC_DRIFT_DUPLICATE) {
			first = &s->obs.entries[d->first];
			ADD("fstab-swap-duplicate", first->noauto ? SC_SEV_ERROR : SC_SEV_WARNING,
				fmt("%s lines %zu and %zu both name %s: systemd-fstab-generator "
				    "uses the first and rejects the second (\"Duplicate entry\")%s",
					fstab, first->line, l->line, name,
					first->noauto
						? ", and the first says noauto, so this swap is "
						  "not activated at boot"
						: ""),
				fmt("remove line %zu (or merge its options into line %zu)", l->line,
					first->line));
			continue;
		}
		/* A duplicated line is reported as such only. */
		if (sc_drift_find(&s->drift, SC_DRIFT_DUPLICATE, d->entry))
			continue;
		if (d->kind == SC_DRIFT_MISSING)
			ADD("fstab-swap-missing", l->noauto ? SC_SEV_WARNING : SC_SEV_ERROR,
				fmt("%s line %zu names %s, which does not exist: at boot the swap "
				    "unit fails%s",
					fstab, l->line, name,
					a && a->type == SC_SWAP_FILE
						? ""
						: " after waiting for the device "
						  "(90 s by default)"),
				name[0] == '/'
					? fmt("recreate it (`swapctl add --path %s SIZE`) or "
					      "remove line %zu",
						  name, l->line)
					: fmt("attach the device %s names, correct the source "
					      "of line %zu, or remove the line",
						  name, l->line));
		else if (d->kind == SC_DRIFT_INACTIVE)
			ADD("fstab-swap-inactive", SC_SEV_WARNING,
				fmt("%s line %zu names %s, which exists but is not active: swap "
				    "that boot would enable is missing now",
					fstab, l->line, name),
				fmt("`swapon %s` and find out why it was off (`journalctl -b -u "
				    "'*.swap'`), or mark the line noauto",
					name));
	}
	return 0;
}

static int check_areas(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	for (size_t i = 0; i < s->n_areas; i++) {
		const struct sc_doctor_area *a = &s->areas[i];

		/* The areas start with the active ones, in /proc/swaps order (drift's swap). */
		if (i < s->obs.swaps.n &&
			sc_drift_find(&s->drift, SC_DRIFT_NOT_PERSISTED, (ssize_t)i)) {
			if (a->owner)
				ADD("swap-not-persistent", SC_SEV_INFO,
					fmt("%s is active and in no fstab line; %s manages it",
						a->path, a->owner),
					fmt("nothing to do while %s manages it; see "
					    "other-swap-manager",
						a->owner));
			else
				ADD("swap-not-persistent",
					a->type == SC_SWAP_FILE ? SC_SEV_WARNING : SC_SEV_INFO,
					fmt("%s is active but no fstab line names it: it will be "
					    "gone after a reboot%s",
						a->path,
						a->type == SC_SWAP_PARTITION
							? " (unless systemd-gpt-auto-generator "
							  "activates it as a GPT swap partition)"
							: ""),
					a->type == SC_SWAP_FILE
						? fmt("persist it: `swapctl add --path %s SIZE` "
						      "adopts it with the same size, or add the "
						      "line \"%s none swap defaults 0 0\" to fstab",
							  a->path, a->path)
						: fmt("add \"%s none swap defaults 0 0\" (or its "
						      "UUID=) to fstab",
							  a->path));
		}
		if (!a->exists || !a->is_file)
			continue;
		/* util-linux swapon warns for files with mode & 07077 or a non-root owner. */
		if ((a->mode & 07077) || a->uid != 0 || a->has_acl)
			ADD("swapfile-insecure", SC_SEV_ERROR,
				fmt("%s has mode %04o, owner uid %u%s: whoever can read it reads "
				    "the swapped-out memory of every process (passwords, keys)",
					a->path, (unsigned)(a->mode & 07777), (unsigned)a->uid,
					a->has_acl ? " and an access ACL" : ""),
				a->has_acl ? fmt("chown root:root %s && chmod 0600 %s && setfacl "
						 "-b %s",
						     a->path, a->path, a->path)
					   : fmt("chown root:root %s && chmod 0600 %s", a->path,
						     a->path));
		if (a->btrfs && a->flags_known && (!a->nocow || a->compressed))
			ADD("swapfile-btrfs-cow", SC_SEV_ERROR,
				fmt("%s is on btrfs %s: the kernel refuses to swap on it "
				    "(\"swapfile must not be copy-on-write\"), so activating it "
				    "fails, at boot too",
					a->path,
					a->compressed ? "and compressed" : "without NOCOW"),
				fmt("recreate it: `swapctl add --path %s SIZE` (or `btrfs "
				    "filesystem mkswapfile`); chattr +C only works on an empty "
				    "file",
					a->path));
		if (a->encrypted)
			ADD("swapfile-encrypted", SC_SEV_ERROR,
				fmt("%s is in an fscrypt-encrypted directory: kernels up to 6.18 "
				    "accept it and write swapped-out pages to disk unencrypted",
					a->path),
				strdup("put swap outside the encrypted directory on an encrypted "
				       "block device (dm-crypt), or use zram"));
	}
	return 0;
}

static int check_zram(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	int disk_max = INT32_MIN;
	bool zram = false, disk = false;

	for (size_t i = 0; i < s->obs.swaps.n; i++) {
		const struct sc_swap *w = &s->obs.swaps.items[i];
		if (w->type == SC_SWAP_ZRAM)
			zram = true;
		else {
			disk = true;
			disk_max = SC_MAX(disk_max, w->priority);
		}
	}
	if (zram && s->obs.zswap.present && s->obs.zswap.enabled)
		ADD("zswap-before-zram", SC_SEV_WARNING,
			strdup("zswap is enabled while zram is swap: zswap compresses pages on "
			       "their way to zram, which compresses them again, spending CPU and "
			       "memory twice"),
			strdup("`swapctl zswap disable` (zswap belongs in front of disk swap)"));
	if (!zram || !disk)
		return 0;
	for (size_t i = 0; i < s->obs.swaps.n; i++) {
		const struct sc_swap *w = &s->obs.swaps.items[i];
		if (w->type != SC_SWAP_ZRAM || w->priority > disk_max)
			continue;
		ADD("zram-priority-low", SC_SEV_WARNING,
			fmt("%s has priority %d, not above disk swap (%d): pages go to disk while "
			    "compressed RAM is available%s",
				w->path, w->priority, disk_max,
				w->priority == disk_max ? " (equal priorities are used round-robin)"
							: ""),
			fmt("`swapctl priority %s 100` (or any value above %d)", w->path,
				disk_max));
	}
	return 0;
}

/* ---- persistence ---- */

static int check_sysctl(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	const struct sc_sysctl_dropin *d = &s->sysctl.dropin;

	if (!s->sysctl_ok || !d->exists)
		return 0;
	for (size_t k = 0; k < SC_VM_N; k++) {
		const char *name = sc_sysctl_keys[k].name;
		const struct sc_sysctl_setting *o;
		int64_t ours, v, now;
		bool over = false;

		if (!d->values.set[k])
			continue;
		ours = d->values.v[k];
		o = s->boot_ok ? sc_sysctl_boot_override(&s->boot, k) : NULL;
		if (o && !(sc_sysctl_parse_value(k, o->value, &v, NULL) == 0 && v == ours)) {
			over = true;
			ADD("sysctl-overridden", SC_SEV_WARNING,
				fmt("vm.%s = %" PRId64
				    " in %s is overridden at boot by %s%s%s line %u (vm.%s = %s)%s",
					name, ours, d->path, o->file, o->via ? " -> " : "",
					o->via ? o->via : "", o->line, name, o->value,
					o == &s->boot.procps[k] && o != &s->boot.systemd[k]
						? " when procps sysctl --system runs"
						: ""),
				fmt("delete vm.%s from %s line %u, or make it say %" PRId64, name,
					o->via ? o->via : o->file, o->line, ours));
		}
		if (!live(s, k, &now) || now == ours)
			continue;
		if (over && o && sc_sysctl_parse_value(k, o->value, &v, NULL) == 0 && v == now)
			continue; /* the override explains it */
		if (k == SC_VM_MIN_FREE_KBYTES && now > ours && s->sysctl.env.thp_enabled)
			ADD("sysctl-drift", SC_SEV_INFO,
				fmt("vm.min_free_kbytes is %" PRId64 ", not the %" PRId64
				    " swapctl persisted: khugepaged raises it while transparent "
				    "hugepages are on (and memory hotplug recomputes it)",
					now, ours),
				fmt("persist the kernel's value: `swapctl sysctl apply --set "
				    "vm.min_free_kbytes=%" PRId64 "`",
					now));
		else
			ADD("sysctl-drift", SC_SEV_WARNING,
				fmt("vm.%s is %" PRId64 " live but %s says %" PRId64
				    ": something changed it after boot",
					name, now, d->path, ours),
				strdup("`swapctl sysctl apply` applies the persisted values "
				       "again"));
	}
	return 0;
}

static int check_managers(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	for (size_t i = 0; i < s->n_managers; i++) {
		const struct sc_doctor_manager *m = &s->managers[i];

		ADD("other-swap-manager", m->active ? SC_SEV_WARNING : SC_SEV_INFO,
			fmt("%s %s (%s): %s", m->name,
				m->active ? "manages swap on this machine"
					  : "is installed but inactive",
				m->evidence,
				m->active ? "two managers of the same swap undo each other's work"
					  : "it does nothing until it is enabled or configured"),
			fmt("choose one: disable %s, or leave swap to it and use swapctl only to "
			    "inspect",
				m->name));
	}
	return 0;
}

/* A journal left by a rotate, resize or priority --rotate that stopped half-way (rotate.h). */
static int check_rotation(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	const struct sc_observation *o = &s->obs;

	if (!sc_drift_find(&s->drift, SC_DRIFT_ROTATION_PENDING, -1))
		return 0;
	if (o->rotation_old && o->rotation_new)
		ADD("rotation-pending", SC_SEV_WARNING,
			fmt("%s: the rotation of %s to %s was interrupted: both files may exist "
			    "and fstab may name either",
				o->rotation_journal, o->rotation_old, o->rotation_new),
			fmt("run swapctl rotate to complete or roll it back"));
	else
		ADD("rotation-pending", SC_SEV_WARNING,
			fmt("%s: a rotation was interrupted and its journal cannot be read",
				o->rotation_journal),
			fmt("run swapctl rotate to complete or roll it back"));
	return 0;
}

/* A swapfile swapctl made that nothing uses or names any more (drift.h orphaned). */
static int check_orphans(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	for (size_t i = 0; i < s->drift.n; i++) {
		const struct sc_drift_record *d = &s->drift.items[i];
		const char *path;

		if (d->kind != SC_DRIFT_ORPHANED)
			continue;
		path = s->obs.swapfiles[d->swapfile].path;
		ADD("orphaned-swapfile", SC_SEV_WARNING,
			fmt("%s: a swap area in swapctl's directory that is not active and that "
			    "no line of %s names: it only takes disk space",
				path, s->fstab_path ? s->fstab_path : "fstab"),
			fmt("remove it with swapctl remove %s (or rm %s)", path, path));
	}
	return 0;
}

/*
 * Hibernation: only where resume is configured (swapctl's record, resume= on the command
 * line, or the running kernel's /sys/power/resume): the resume file gone, moved or too small,
 * the device missing, the running kernel pointed elsewhere, or hibernation blocked.
 */
static int check_hibernate(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	const struct sc_hib_observed *o = &s->hib;
	const struct sc_hib_power *pw = &o->power;
	const struct sc_hib_record *rec = &o->record;
	const struct sc_hib_file *f = rec->present ? sc_hib_find(o, rec->file) : NULL;
	bool live_set = pw->has_resume && (pw->resume_major || pw->resume_minor);
	char a[32], b[32], why[160];

	if (!s->hib_ok || !(rec->present || pw->cmdline_resume || live_set))
		return 0;
	if (!o->offline && !pw->present)
		ADD("hibernate-unsupported", SC_SEV_WARNING,
			fmt("resume from hibernation is configured, but this kernel cannot "
			    "hibernate "
			    "(no /sys/power/resume)"),
			fmt("boot a kernel built with CONFIG_HIBERNATION, or swapctl hibernate "
			    "--off"));
	else if (!o->offline && !pw->disk) {
		sc_hib_why_blocked(pw, why, sizeof(why));
		ADD("hibernate-blocked", SC_SEV_WARNING,
			fmt("resume from hibernation is configured, but /sys/power/state does not "
			    "offer disk: %s",
				why),
			fmt("hibernation needs a kernel without lockdown: turn Secure Boot off, or "
			    "swapctl hibernate --off"));
	}
	if (rec->present && (!f || !f->exists))
		ADD("hibernate-resume-missing", SC_SEV_ERROR,
			fmt("%s: the hibernation resume file (%s) does not exist", rec->file,
				SC_HIB_CONFIG),
			fmt("swapctl hibernate FILE for another swapfile, or swapctl hibernate "
			    "--off"));
	else if (f && f->has_offset && f->offset != rec->offset)
		ADD("hibernate-offset-stale", SC_SEV_ERROR,
			fmt("%s: starts at page %" PRIu64 " of its device now, but resume is "
			    "configured with resume_offset=%" PRIu64
			    ": the next resume would read the wrong blocks",
				f->path, f->offset, rec->offset),
			fmt("swapctl hibernate %s --regenerate", f->path));
	else if (f && !o->offline && !f->active)
		ADD("hibernate-resume-inactive", SC_SEV_WARNING,
			fmt("%s: the hibernation resume file is not an active swap area: a "
			    "hibernation now fails (the kernel writes only to an active one)",
				f->path),
			fmt("swapon %s", f->path));
	else if (f && !o->offline && pw->has_image_size && f->size - f->used < pw->image_size)
		ADD("hibernate-swap-small", SC_SEV_WARNING,
			fmt("%s: %s free for a hibernation image of up to %s "
			    "(/sys/power/image_size): hibernation may fail part way",
				f->path, sc_format_bytes(f->size - f->used, a),
				sc_format_bytes(pw->image_size, b)),
			fmt("grow it with swapctl resize %s %s", f->path,
				sc_format_bytes(pw->image_size + f->used, a)));
	if (pw->cmdline_resume && pw->cmdline_resume_exists == 0)
		ADD("hibernate-resume-device-missing", SC_SEV_ERROR,
			fmt("the kernel command line's resume=%s names no device of this system",
				pw->cmdline_resume),
			fmt("swapctl hibernate --regenerate, or remove resume= from the boot "
			    "loader's command line"));
	/* the running kernel writes the image where /sys/power/resume{,_offset} point */
	if (live_set && pw->has_resume_offset && pw->resume_offset) {
		bool match = false;

		for (size_t i = 0; i < o->n_files; i++) {
			const struct sc_hib_file *g = &o->files[i];

			match |= g->active && g->located && g->has_offset &&
				g->major == pw->resume_major && g->minor == pw->resume_minor &&
				g->offset == pw->resume_offset;
		}
		if (!match)
			ADD("hibernate-offset-stale", SC_SEV_ERROR,
				fmt("the running kernel would hibernate to %u:%u at "
				    "resume_offset=%" PRIu64
				    ", where no active swapfile starts: a hibernation now fails",
					pw->resume_major, pw->resume_minor, pw->resume_offset),
				fmt("swapctl hibernate%s%s", f ? " " : "", f ? f->path : ""));
	}
	return 0;
}

int sc_doctor_check(const struct sc_doctor_observed *s, struct sc_findings *ret)
{
	int (*const checks[])(const struct sc_doctor_observed *, struct sc_findings *) = {
		check_oom,
		check_swap,
		check_vm,
		check_zones,
		check_fstab,
		check_areas,
		check_zram,
		check_sysctl,
		check_managers,
		check_rotation,
		check_orphans,
		check_hibernate,
	};
	int r;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < ELEMENTSOF(checks); i++) {
		r = checks[i](s, ret);
		if (r < 0) {
			sc_findings_free(ret);
			return r;
		}
	}
	return 0;
}
