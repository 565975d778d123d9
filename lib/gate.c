/*
 * The swapoff safety gate. See gate.h for the contract; the reasons for each check (every
 * page is charged back to its memory cgroup, the swapoff task is the OOM killer's preferred
 * victim, strict overcommit accounting) are in docs/kernel-notes.md, "swapoff".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "util.h"

void sc_gate_report_free(struct sc_gate_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_blocking; i++)
		free(r->blocking[i].path);
	free(r->blocking);
	r->blocking = NULL;
	r->n_blocking = 0;
}

static bool is_victim(const char *path, const char *const *victims, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sc_streq(path, victims[i]))
			return true;
	return false;
}

/* "/a, /b" for the message's object. */
static void victims_label(const char *const *victims, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < size; i++) {
		int k = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", victims[i]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static int read_overcommit_mode(const struct sc_ctx *c, int64_t *ret)
{
	_cleanup_free_ char *p = sc_ctx_sys_path(c, "/proc/sys/vm/overcommit_memory");
	int r;

	if (!p)
		return -ENOMEM;
	r = sc_read_i64(p, ret);
	if (r == -ENOENT) {
		*ret = 0; /* no procfs sysctl: the kernel default, heuristic overcommit */
		return 0;
	}
	return r;
}

static int add_blocking(struct sc_gate_report *rep, const struct sc_gate_cgroup *g)
{
	struct sc_gate_cgroup *b;

	b = realloc(rep->blocking, (rep->n_blocking + 1) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	rep->blocking = b;
	b[rep->n_blocking] = *g;
	b[rep->n_blocking].path = strdup(g->path);
	if (!b[rep->n_blocking].path)
		return -ENOMEM;
	rep->n_blocking++;
	return 0;
}

/*
 * Per memory cgroup with a limit: swapoff charges each page it reads back to the cgroup that
 * owned it (mem_cgroup_swapin_charge_folio uses the swap entry's recorded memcg, not the
 * caller's), so a page that does not fit under that cgroup's limit triggers the cgroup's
 * reclaim and then its OOM killer. Reclaim can only make room by swapping other pages of the
 * cgroup out to an area that is not being retired, hence the "other areas have room" escape.
 *
 * How much room that takes is not the cgroup's swap but more. swapoff takes the whole size of
 * the area out of the kernel's free-swap count when it starts (nr_swap_pages -= the area's
 * pages; every slot it frees gives one back), so during the swapoff reclaim sees
 * free(other areas) - used(victims), and while that is not positive it does not scan
 * anonymous memory at all (vmscan get_scan_count: no swap space, file pages only), not even
 * the clean swap-cache pages it could simply drop: the charge fails and the cgroup's OOM
 * killer runs. Each page the cgroup's reclaim writes to the other areas while it is still in
 * memory (writeback in flight, swap cache) lowers that figure by one, and with a slow swap
 * device all of the cgroup's memory can be in that state at once. Measured on 6.18, cgroup v1,
 * 40 MiB limit, 100 MiB process: with free(others) - used(victim) at 2, 10 and 20 MiB the
 * swapoff OOM-killed it in 13 of 13, 11 of 16 and 2 of 28 runs; at 30 and 42 MiB (CPUs kept
 * busy) in none of 10 and 25. The worst case is bounded by what the cgroup holds in memory, so
 * a cgroup counts on the other areas only when
 * free(others) >= used(victims) + its usage + the usage of the cgroups promised before it.
 */
static bool reclaim_fits(
	const struct sc_gate_report *rep, uint64_t usage, uint64_t promised, uint64_t *ret_room)
{
	*ret_room = sc_add_sat(sc_add_sat(rep->victim_used, promised), usage);
	return *ret_room <= rep->other_free;
}

/*
 * A cgroup below one that was promised room on the other areas is covered by that promise:
 * hierarchical accounting already counted its pages in the ancestor's usage and swap.
 */
static bool within_promised(const struct sc_memcgs *cg, const bool *promised, size_t i)
{
	const char *path = cg->items[i].path;

	for (size_t k = 0; k < cg->n; k++) {
		const char *a = cg->items[k].path;
		size_t n = strlen(a);

		if (!promised[k] || k == i)
			continue;
		if (strncmp(path, a, n) == 0 && (path[n] == '/' || (n == 1 && a[0] == '/')))
			return true;
	}
	return false;
}

static int cmp_memcg_path(const void *a, const void *b)
{
	return strcmp(((const struct sc_memcg *)a)->path, ((const struct sc_memcg *)b)->path);
}

static int check_cgroups(const struct sc_ctx *c, struct sc_gate_report *rep)
{
	_cleanup_free_ char *mount = NULL;
	uint64_t promised_usage = 0;
	struct sc_memcgs cg;
	bool *promised;
	int r;

	rep->cgroups_ok = true;
	/*
	 * Nothing swapped out: no cgroup can be short. Nor can one when the other areas could
	 * take used(victims) plus all of memory (the cgroups that reclaim hold at most MemTotal
	 * together), so the walk (a few kernfs opens per cgroup) is skipped.
	 */
	if (rep->victim_used == 0 ||
		sc_add_sat(rep->victim_used, rep->mem_total) <= rep->other_free) {
		rep->cgroups_skipped = true;
		return sc_memcg_detect(c, &rep->cgroup_version, &mount);
	}
	r = sc_memcg_list_at_risk(c, &cg);
	if (r < 0)
		return r;
	rep->cgroup_version = cg.version;
	rep->n_cgroups_checked = cg.n_limited;
	/* Path order puts every cgroup after its ancestors, and the verdict is reproducible. */
	if (cg.n > 1)
		qsort(cg.items, cg.n, sizeof(*cg.items), cmp_memcg_path);
	promised = calloc(cg.n + 1, sizeof(*promised));
	if (!promised) {
		sc_memcgs_free(&cg);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cg.n; i++) {
		const struct sc_memcg *m = &cg.items[i];
		struct sc_gate_cgroup g = {
			.path = m->path,
			.limit = m->limit,
			.usage = m->usage,
			.swap = m->swap,
			.swap_known = m->swap_known,
		};

		/* The victims hold at most their own used pages of this cgroup's swap. */
		g.need = m->swap_known ? SC_MIN(m->swap, rep->victim_used) : rep->victim_used;
		g.fits = g.need == 0 || g.need <= sub0(m->limit, m->usage) ||
			within_promised(&cg, promised, i);
		if (!g.fits && reclaim_fits(rep, m->usage, promised_usage, &g.reclaim_room)) {
			/*
			 * Reclaim can push this cgroup's pages to the other areas, but cgroups
			 * that count on that share the same free space: promise it once.
			 */
			promised[i] = true;
			promised_usage = sc_add_sat(promised_usage, m->usage);
			g.fits = true;
		}
		if (g.fits)
			continue;
		rep->cgroups_ok = false;
		r = add_blocking(rep, &g);
		if (r < 0)
			break;
	}
	free(promised);
	sc_memcgs_free(&cg);
	return r < 0 ? r : 0;
}

static int refuse(const struct sc_gate_report *rep, const char *label, struct sc_err *err)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32];

	if (!rep->memory_ok) {
		sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: swapoff would need %s back in memory, but only %s can take it "
			"(MemAvailable %s + %s free on other swap areas - margin %s)",
			label, sc_format_bytes(rep->victim_used, b1),
			sc_format_bytes(
				sub0(sc_add_sat(rep->mem_available, rep->other_free), rep->margin),
				b2),
			sc_format_bytes(rep->mem_available, b3),
			sc_format_bytes(rep->other_free, b4), sc_format_bytes(rep->margin, b5));
		sc_err_hint(err,
			"free memory or add swap elsewhere first (swapctl add), or use swapctl "
			"rotate, which keeps room for the pages; --force overrides");
	} else if (!rep->commit_ok) {
		sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: swapoff would leave Committed_AS %s above CommitLimit %s "
			"(vm.overcommit_memory=2; the kernel would refuse with ENOMEM)",
			label, sc_format_bytes(rep->committed_as, b1),
			sc_format_bytes(rep->commit_limit_after, b2));
		sc_err_hint(err,
			"add swap elsewhere first (swapctl add) or use swapctl rotate, which "
			"keeps the commit limit; --force overrides");
	} else {
		const struct sc_gate_cgroup *g = &rep->blocking[0];
		char more[64] = "", room[192] = "";

		if (rep->n_blocking > 1)
			snprintf(more, sizeof(more), " and %zu more cgroup%s", rep->n_blocking - 1,
				rep->n_blocking > 2 ? "s" : "");
		/* With other areas present, say why their free space is not enough. */
		if (rep->other_free > 0)
			snprintf(room, sizeof(room),
				"; its reclaim needs %s free on the other swap areas during the "
				"swapoff (used on the retired areas + its memory), they have %s",
				sc_format_bytes(g->reclaim_room, b4),
				sc_format_bytes(rep->other_free, b5));
		sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: swapoff would need %s%s back in memory cgroup %s "
			"(limit %s, %s in use%s)%s%s",
			label, g->swap_known ? "" : "up to ", sc_format_bytes(g->need, b1), g->path,
			sc_format_bytes(g->limit, b2), sc_format_bytes(g->usage, b3),
			g->swap_known ? "" : ", its swap is not accounted", room, more);
		sc_err_hint(err,
			"add swap elsewhere first (swapctl add) or use swapctl rotate, which "
			"keeps room for the pages; --force overrides");
	}
	return -EPERM;
}

static int gate(const struct sc_ctx *c, const char *const *victims, size_t n_victims,
	uint64_t extra_free, struct sc_gate_report *ret, struct sc_err *err)
{
	struct sc_swaps swaps = {0};
	struct sc_meminfo mem;
	char label[512];
	int64_t mode;
	int r;

	memset(ret, 0, sizeof(*ret));
	victims_label(victims, n_victims, label, sizeof(label));

	r = sc_swaps_read(c, &swaps);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	for (size_t i = 0; i < swaps.n; i++) {
		const struct sc_swap *s = &swaps.items[i];

		if (is_victim(s->path, victims, n_victims)) {
			ret->victim_used = sc_add_sat(ret->victim_used, s->used_bytes);
			ret->victim_size = sc_add_sat(ret->victim_size, s->size_bytes);
			ret->n_victims_found++;
		} else
			ret->other_free =
				sc_add_sat(ret->other_free, sub0(s->size_bytes, s->used_bytes));
	}
	sc_swaps_free(&swaps);
	ret->other_free = sc_add_sat(ret->other_free, extra_free);
	if (ret->n_victims_found == 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, ENOENT, "%s: not an active swap area", label);

	r = sc_meminfo_read(c, &mem);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/meminfo: cannot read: %s", strerror(-r));
	ret->mem_available = mem.available;
	ret->mem_total = mem.total;
	ret->margin = SC_MAX(mem.total / 100 * SC_GATE_MARGIN_PERCENT, SC_GATE_MARGIN_MIN);
	/*
	 * Check 1. Shmem pages count: they come back through shmem_unuse() like anon pages.
	 * used + margin <= available + free, without a sum that could wrap: the sums saturate
	 * (a saturated need never fits) and the margin is taken off the room instead.
	 */
	ret->memory_ok = ret->victim_used == 0 ||
		ret->victim_used <=
			sub0(sc_add_sat(ret->mem_available, ret->other_free), ret->margin);

	/*
	 * Check 2. swapoff runs security_vm_enough_memory_mm(p->pages) while the area still
	 * counts in the commit limit, so under strict overcommit it fails (ENOMEM, immediately)
	 * unless Committed_AS + size <= CommitLimit (mm/swapfile.c, mm/util.c
	 * __vm_enough_memory). The root-only admin reserve makes the kernel slightly laxer.
	 */
	r = read_overcommit_mode(c, &mode);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/proc/sys/vm/overcommit_memory: cannot read: %s", strerror(-r));
	ret->overcommit_strict = mode == 2;
	ret->committed_as = mem.committed_as;
	ret->commit_limit_after = sub0(mem.commit_limit, ret->victim_size);
	ret->commit_ok = !ret->overcommit_strict || ret->committed_as <= ret->commit_limit_after;

	r = check_cgroups(c, ret);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"memory cgroups: cannot read their limits and swap usage: %s",
			strerror(-r));

	ret->allowed = ret->memory_ok && ret->commit_ok && ret->cgroups_ok;
	if (!ret->allowed)
		return refuse(ret, label, err);
	return 0;
}

int sc_gate_check(const struct sc_ctx *c, const char *const *victims, size_t n_victims,
	struct sc_gate_report *ret, struct sc_err *err)
{
	return gate(c, victims, n_victims, 0, ret, err);
}

int sc_gate_check_planned(const struct sc_ctx *c, const char *const *victims, size_t n_victims,
	uint64_t extra_free, struct sc_gate_report *ret, struct sc_err *err)
{
	return gate(c, victims, n_victims, extra_free, ret, err);
}

static uint64_t still_used(const struct sc_ctx *c, const char *path, bool *ret_active)
{
	struct sc_swaps swaps = {0};
	const struct sc_swap *s;
	uint64_t used = 0;

	*ret_active = true; /* when /proc/swaps cannot be read, assume the worst */
	if (sc_swaps_read(c, &swaps) < 0)
		return 0;
	s = sc_swaps_find(&swaps, path);
	*ret_active = s != NULL;
	if (s)
		used = s->used_bytes;
	sc_swaps_free(&swaps);
	return used;
}

int sc_gate_swapoff(
	const struct sc_ctx *c, const char *path, uint64_t *ret_still_used, struct sc_err *err)
{
	_cleanup_free_ char *node = NULL;
	_cleanup_close_ int fd = -1;
	struct sc_swapoff_result res;
	char procpath[64], b[32];
	const char *target = path;
	uint64_t left;
	bool active;
	int r;

	if (ret_still_used)
		*ret_still_used = 0;
	if (c->offline)
		return sc_err_set(err, SC_EXIT_FAILURE, EROFS,
			"%s: cannot swapoff in an offline tree (--root)", path);
	/*
	 * Name the inode through a descriptor opened without following a symlink, as swapon
	 * does: swapoff(2) resolves its argument again, so a name swapped for a link
	 * between the gate's check and the swapoff would otherwise retire another area. The
	 * child inherits the descriptor. A deleted swapfile cannot be opened: then the
	 * kernel's own path is all there is.
	 */
	node = sc_startswith(path, "/dev/") ? sc_ctx_sys_path(c, path) : strdup(path);
	if (!node)
		return -ENOMEM;
	fd = c->sys->openat(AT_FDCWD, node, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0);
	if (fd >= 0) {
		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
		target = procpath;
	} else if (fd == -ELOOP) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ELOOP,
			"%s: is a symbolic link now, not the swap area the checks were made for",
			path);
		sc_err_hint(err, "find out who replaced it; name the area as /proc/swaps shows it");
		return r;
	} else if (fd != -ENOENT)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -fd, "%s: cannot open: %s", path, strerror(-fd));
	r = c->sys->swapoff(target, &res);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: swapoff: cannot start the swapoff process: %s", path, strerror(-r));
	if (res.error == 0 && res.signal == 0) {
		left = still_used(c, path, &active);
		if (!active)
			return 0;
		/* The child said success but the area is still listed: never trust that. */
		if (ret_still_used)
			*ret_still_used = left;
		return sc_err_set(err, SC_EXIT_FAILURE, EBUSY,
			"%s: swapoff reported success but the area is still active", path);
	}
	left = still_used(c, path, &active);
	if (ret_still_used)
		*ret_still_used = left;
	if (res.signal) {
		sc_err_set(err, SC_EXIT_FAILURE, ECANCELED,
			"%s: swapoff aborted: its process was killed by signal %d (%s)%s; %s is "
			"still swapped out there and the area stays active",
			path, res.signal, strsignal(res.signal),
			res.signal == SIGKILL ? ", probably by the OOM killer" : "",
			sc_format_bytes(left, b));
		sc_err_hint(err, "free memory or add swap elsewhere, then run the command again");
		return -ECANCELED;
	}
	switch (-res.error) {
	case EINVAL:
		/* swapoff(2) says EINVAL for a file that is not swap: already off */
		if (!active)
			return 0;
		break;
	case ENOMEM:
		sc_err_set(err, SC_EXIT_FAILURE, ENOMEM,
			"%s: swapoff failed: out of memory bringing pages back (a memory cgroup's "
			"limit or the commit limit); %s is still swapped out there and the area "
			"stays active; the kernel may have OOM-killed processes of that cgroup",
			path, sc_format_bytes(left, b));
		sc_err_hint(err,
			"check the kernel log for OOM kills; add swap elsewhere first "
			"(swapctl add) so the pages have somewhere to go, "
			"then run the command again");
		return -ENOMEM;
	case EINTR:
		sc_err_set(err, SC_EXIT_FAILURE, EINTR,
			"%s: swapoff interrupted by a signal; %s is still swapped out there "
			"and the area stays active",
			path, sc_format_bytes(left, b));
		sc_err_hint(err, "run the command again");
		return -EINTR;
	case EPERM:
		return sc_err_set(err, SC_EXIT_FAILURE, EPERM,
			"%s: swapoff failed: permission denied (it needs CAP_SYS_ADMIN)", path);
	default:
		break;
	}
	return sc_err_set(err, SC_EXIT_FAILURE, -res.error, "%s: swapoff failed: %s%s", path,
		strerror(-res.error), active ? "; the area stays active" : "");
}
