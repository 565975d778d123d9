/*
 * zram estimate (the only user of <zstd.h>): see estimate.h for what is sampled and how each
 * page is costed.
 *
 * Two passes. The survey reads every process's smaps for the resident anonymous pages of its
 * private writable mappings (cheap: the kernel only walks populated page tables), which
 * gives the total and so the sampling stride. The scan then walks pagemap over those
 * mappings, picks the clusters the stride selects, and reads them from /proc/PID/mem in
 * runs of consecutive pages (one pread per run, not per page), so the cost per sampled page
 * is dominated by the compression, as it should be.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zstd.h>

#include "estimate.h"
#include "macro.h"
#include "parse.h"
#include "util.h"

/* /proc/PID/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)
#define PM_FILE	    (UINT64_C(1) << 61) /* file page or shared anon: not what zram would get */
#define PM_PRESENT  (UINT64_C(1) << 63)

#define PAGEMAP_CHUNK 512 /* entries per read: one page-table page */
#define RUN_MAX	      64 /* pages per pread of /proc/PID/mem */

struct vma {
	int pid;
	uint64_t start, end;
	uint64_t anon_pages;
};

struct survey {
	struct vma *v;
	size_t n;
	uint64_t anon_pages;
};

int sc_estimate_level_min(void)
{
	return ZSTD_minCLevel();
}

int sc_estimate_level_max(void)
{
	return ZSTD_maxCLevel();
}

bool sc_page_same_filled(const void *page, size_t page_size)
{
	const unsigned long *w = page;
	size_t n = page_size / sizeof(*w);

	for (size_t i = 1; i < n; i++)
		if (w[i] != w[0])
			return false;
	return true;
}

static bool special_mapping(const char *path)
{
	static const char *const names[] = {
		"[vvar]", "[vvar_vclock]", "[vdso]", "[vsyscall]", "[uprobes]"};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(path, names[i]) == 0)
			return true;
	return false;
}

static int survey_add(struct survey *s, const struct vma *v)
{
	struct vma *n = realloc(s->v, (s->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	s->v = n;
	s->v[s->n++] = *v;
	s->anon_pages += v->anon_pages;
	return 0;
}

/*
 * smaps: a header line per mapping ("start-end perms offset dev inode [path]") followed by
 * "Key: value kB" lines; keys start with a capital letter, headers with a hex digit.
 */
static int survey_process(const struct sc_ctx *c, int pid, struct survey *s)
{
	_cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
	struct vma cur = {0};
	bool want = false;
	char *save = NULL;
	int r;

	if (asprintf(&rel, "/proc/%d/smaps", pid) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	r = sc_read_file(path, SIZE_MAX / 4, &text, NULL);
	if (r < 0)
		return r;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, b, kb;
		char perms[8];
		int off = 0;

		if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')) {
			const char *p;

			want = false;
			if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &a, &b, perms, &off) < 3 ||
				off == 0)
				continue;
			p = line + off;
			p += strspn(p, " ");
			want = strlen(perms) == 4 && perms[1] == 'w' && perms[3] == 'p' &&
				!special_mapping(p) && b > a;
			cur = (struct vma){.pid = pid, .start = a, .end = b};
		} else if (want && sscanf(line, "Anonymous: %llu kB", &kb) == 1) {
			want = false;
			cur.anon_pages = kb * 1024 / c->page_size;
			if (cur.anon_pages > 0) {
				r = survey_add(s, &cur);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int list_pids(const struct sc_ctx *c, int **ret, size_t *ret_n)
{
	_cleanup_free_ char *proc = sc_ctx_sys_path(c, "/proc");
	int *pids = NULL, self = getpid();
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!proc)
		return -ENOMEM;
	d = opendir(proc);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int64_t pid;
		int *np;

		if (sc_parse_int(de->d_name, 1, INT32_MAX, &pid) < 0 || pid == self)
			continue;
		np = realloc(pids, (n + 1) * sizeof(int));
		if (!np) {
			free(pids);
			closedir(d);
			return -ENOMEM;
		}
		pids = np;
		pids[n++] = (int)pid;
	}
	closedir(d);
	qsort(pids, n, sizeof(int), cmp_int);
	*ret = pids;
	*ret_n = n;
	return 0;
}

/*
 * The shared zero page: an anonymous page that was only ever read maps it, pagemap shows it
 * present, yet it is not memory the process owns and reclaim never swaps it. Learn its pfn
 * from a page of our own (pfns are visible to root only; 0 = unknown).
 */
static uint64_t zero_pfn(const struct sc_ctx *c)
{
	volatile const char *p;
	uint64_t e = 0;
	void *m;
	int fd;

	if (c->sysroot[0])
		return 0; /* fixture tree: its pfns have nothing to do with ours */
	m = mmap(NULL, c->page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	p = m;
	(void)p[0];
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)m / c->page_size * sizeof(e))) !=
			(ssize_t)sizeof(e))
			e = 0;
		close(fd);
	}
	munmap(m, c->page_size);
	return (e & PM_PRESENT) ? (e & PM_PFN_MASK) : 0;
}

struct scan {
	const struct sc_ctx *c;
	struct sc_estimate *est;
	ZSTD_CCtx *cctx;
	void *dst;
	size_t dst_cap;
	unsigned char *buf; /* RUN_MAX pages */
	int level;
	uint64_t zpfn;
	/* sampling */
	uint64_t seen; /* qualifying pages met so far, all processes */
	uint64_t clusters, clusters_wanted;
	uint64_t budget_pages;
	/* the run being collected */
	int memfd;
	uint64_t run_start;
	size_t run_len;
	/* of the current process */
	bool any_taken, any_read;
};

static void measure(struct scan *s, const unsigned char *page)
{
	size_t ps = s->c->page_size, n;

	s->est->sampled_bytes += ps;
	if (sc_page_same_filled(page, ps)) {
		s->est->zero_pages++;
		return;
	}
	n = ZSTD_compressCCtx(s->cctx, s->dst, s->dst_cap, page, ps, s->level);
	if (ZSTD_isError(n) || n >= ps) {
		n = ps;
		s->est->incompressible_pages++;
	}
	s->est->compressed_bytes += n;
}

static void flush_run(struct scan *s)
{
	size_t ps = s->c->page_size;
	ssize_t got;

	if (s->run_len == 0)
		return;
	got = pread(s->memfd, s->buf, s->run_len * ps, (off_t)s->run_start);
	if (got == (ssize_t)(s->run_len * ps)) {
		for (size_t i = 0; i < s->run_len; i++)
			measure(s, s->buf + i * ps);
		s->any_read = true;
	} else {
		/* part of the run went away (munmap, exit): take what can still be read */
		for (size_t i = 0; i < s->run_len; i++)
			if (pread(s->memfd, s->buf, ps, (off_t)(s->run_start + i * ps)) ==
				(ssize_t)ps) {
				measure(s, s->buf);
				s->any_read = true;
			}
	}
	s->run_len = 0;
}

/* Systematic sampling of clusters: cluster k is taken when floor(k * wanted / total) steps. */
static bool cluster_selected(const struct scan *s, uint64_t k)
{
	if (s->clusters_wanted >= s->clusters)
		return true;
	return (unsigned __int128)(k + 1) * s->clusters_wanted / s->clusters >
		(unsigned __int128)k * s->clusters_wanted / s->clusters;
}

static void take_page(struct scan *s, uint64_t addr)
{
	size_t ps = s->c->page_size;

	if (s->run_len > 0 && (s->run_len == RUN_MAX || s->run_start + s->run_len * ps != addr))
		flush_run(s);
	if (s->run_len == 0)
		s->run_start = addr;
	s->run_len++;
	s->any_taken = true;
}

static bool budget_spent(const struct scan *s)
{
	return s->est->sampled_bytes / s->c->page_size + s->run_len >= s->budget_pages;
}

static int scan_vma(struct scan *s, int pagemap_fd, const struct vma *v)
{
	size_t ps = s->c->page_size;
	uint64_t entries[PAGEMAP_CHUNK], found = 0;
	uint64_t first = v->start / ps, last = v->end / ps;

	for (uint64_t idx = first; idx < last && found < v->anon_pages; idx += PAGEMAP_CHUNK) {
		size_t want = (size_t)SC_MIN((uint64_t)PAGEMAP_CHUNK, last - idx);
		ssize_t got = pread(pagemap_fd, entries, want * sizeof(uint64_t),
			(off_t)(idx * sizeof(uint64_t)));

		if (got <= 0)
			return got < 0 ? -errno : 0;
		want = (size_t)got / sizeof(uint64_t);
		for (size_t i = 0; i < want && found < v->anon_pages; i++) {
			uint64_t e = entries[i];

			if (!(e & PM_PRESENT) || (e & PM_FILE) ||
				(s->zpfn && (e & PM_PFN_MASK) == s->zpfn))
				continue;
			found++;
			if (budget_spent(s))
				return 0;
			if (cluster_selected(s, s->seen++ / SC_ESTIMATE_CLUSTER_PAGES))
				take_page(s, (idx + i) * ps);
		}
	}
	return 0;
}

static int open_proc(const struct sc_ctx *c, int pid, const char *what)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	int fd;

	if (asprintf(&rel, "/proc/%d/%s", pid, what) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* 1: pages of it were measured; 0: the sampling stride selected none; -errno: unreadable. */
static int scan_process(struct scan *s, const struct survey *sv, size_t i0, size_t i1)
{
	_cleanup_close_ int pm = -1, mem = -1;
	int pid = sv->v[i0].pid, r = 0;

	pm = open_proc(s->c, pid, "pagemap");
	mem = pm < 0 ? -1 : open_proc(s->c, pid, "mem");
	if (pm < 0 || mem < 0)
		return pm < 0 ? pm : mem;
	s->memfd = mem;
	s->any_taken = s->any_read = false;
	for (size_t i = i0; i < i1 && r == 0 && !budget_spent(s); i++)
		r = scan_vma(s, pm, &sv->v[i]);
	flush_run(s);
	s->memfd = -1;
	if (r < 0)
		return r;
	if (s->any_taken && !s->any_read)
		return -EIO;
	return s->any_read;
}

int sc_estimate_run(const struct sc_ctx *c, const struct sc_estimate_opts *o,
	struct sc_estimate *ret, struct sc_err *err)
{
	_cleanup_free_ int *all = NULL;
	_cleanup_free_ void *dst = NULL, *buf = NULL;
	const int *pids = o->pids;
	size_t n_pids = o->n_pids;
	struct survey sv = {0};
	struct scan s = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->page_size = c->page_size;
	ret->level = o->level;
	if (!pids) {
		r = list_pids(c, &all, &n_pids);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"/proc: cannot list processes: %s", strerror(-r));
		pids = all;
	}
	for (size_t i = 0; i < n_pids; i++) {
		r = survey_process(c, pids[i], &sv);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			ret->processes_skipped++; /* gone, or not ours to read */
	}
	ret->anon_bytes = sv.anon_pages * c->page_size;

	s.c = c;
	s.est = ret;
	s.level = o->level;
	s.memfd = -1;
	s.budget_pages = o->sample_bytes / c->page_size;
	s.clusters = (sv.anon_pages + SC_ESTIMATE_CLUSTER_PAGES - 1) / SC_ESTIMATE_CLUSTER_PAGES;
	s.clusters_wanted = SC_MAX(s.budget_pages / SC_ESTIMATE_CLUSTER_PAGES, UINT64_C(1));
	s.zpfn = zero_pfn(c);
	s.dst_cap = ZSTD_compressBound(c->page_size);
	dst = malloc(s.dst_cap);
	buf = malloc(RUN_MAX * c->page_size);
	s.cctx = ZSTD_createCCtx();
	if (!dst || !buf || !s.cctx) {
		r = -ENOMEM;
		goto out;
	}
	s.dst = dst;
	s.buf = buf;

	for (size_t i = 0; i < sv.n;) {
		size_t j = i;

		while (j < sv.n && sv.v[j].pid == sv.v[i].pid)
			j++;
		r = scan_process(&s, &sv, i, j);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			ret->processes_skipped++; /* exited, or its memory is not ours to read */
		else if (r > 0)
			ret->processes_sampled++;
		i = j;
	}
	r = 0;
	if (ret->sampled_bytes == 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, ENODATA,
			"zram estimate: no anonymous memory could be read (%zu processes skipped)",
			ret->processes_skipped);
		sc_err_hint(err, "run it as root, and name processes that are running");
	}
out:
	ZSTD_freeCCtx(s.cctx);
	free(sv.v);
	if (r == -ENOMEM)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "zram estimate: out of memory");
	return r;
}

uint64_t sc_estimate_disksize(const struct sc_estimate *e, uint64_t budget, uint64_t mem_total)
{
	unsigned __int128 cost, size;
	uint64_t cap = mem_total * 2;

	if (e->sampled_bytes == 0 || e->page_size == 0)
		return 0;
	/*
	 * Memory per byte of disksize = compressed/sampled + entry/page; keep it exact in
	 * integers: disksize = budget * sampled * page / (compressed * page + entry * sampled).
	 */
	cost = (unsigned __int128)e->compressed_bytes * e->page_size +
		(unsigned __int128)SC_ZRAM_TABLE_ENTRY_BYTES * e->sampled_bytes;
	size = (unsigned __int128)budget * e->sampled_bytes * e->page_size / cost;
	if (mem_total > 0 && size > cap)
		size = cap;
	return (uint64_t)size / e->page_size * e->page_size;
}
