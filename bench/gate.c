/*
 * The swapoff safety gate's cost: sc_gate_check() with N memory cgroups (cgroup v1 layout,
 * nested two deep like systemd slices: slice<i>/svc<j>), run many times; prints the median
 * and the 99th percentile against the 2 ms budget of issue 9.
 *
 *	bench-gate [options]
 *	  --cgroups N      cgroups (default 200)
 *	  --limited N      how many of them have a memory limit (default: all)
 *	  --tight          limited cgroups are near their limit with swap out (usage + swap
 *	                   above the limit): every file is read and the gate refuses
 *	  --rotate         a second, empty area is active (the make-before-break case)
 *	  --live           real cgroups under /sys/fs/cgroup/memory/swapctl-bench-PID (root,
 *	                   cgroup v1; removed at exit), read through cgroupfs; /proc figures
 *	                   still come from the fixture. Without it the cgroups are a fixture
 *	                   tree under $TMPDIR.
 *	  --iterations N   (default 500)
 *
 * It also times the floor of any per-cgroup check: one open/read/close of
 * memory.limit_in_bytes in every cgroup (paths precomputed, no walk, no other file), and
 * prints the gate's ratio to it. On this VM a kernfs open+read+close costs about 10 us, so
 * 200 cgroups cost about 2 ms before any decision is made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"
#include "macro.h"

#define UNLIMITED 9223372036854771712ULL

static char live_base[256];
static int live_n;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void put(const char *dir, const char *rel, const char *content)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *s = path + strlen(dir) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				die(path);
			*s = '/';
		}
	f = fopen(path, "we");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0)
		die(path);
}

static void put_cg(const char *dir, const char *cg, unsigned long long limit,
	unsigned long long usage, unsigned long long swap)
{
	char rel[512], val[64];

	snprintf(rel, sizeof(rel), "sys/fs/cgroup/memory/%s/memory.limit_in_bytes", cg);
	snprintf(val, sizeof(val), "%llu\n", limit);
	put(dir, rel, val);
	snprintf(rel, sizeof(rel), "sys/fs/cgroup/memory/%s/memory.usage_in_bytes", cg);
	snprintf(val, sizeof(val), "%llu\n", usage);
	put(dir, rel, val);
	snprintf(rel, sizeof(rel), "sys/fs/cgroup/memory/%s/memory.memsw.usage_in_bytes", cg);
	snprintf(val, sizeof(val), "%llu\n", usage + swap);
	put(dir, rel, val);
}

static void live_cleanup(void)
{
	char p[512];

	if (!live_base[0])
		return;
	for (int i = 0; i < live_n; i++) {
		snprintf(p, sizeof(p), "%s/slice%d/svc%d", live_base, i / 20, i);
		rmdir(p);
	}
	for (int i = 0; i < (live_n + 19) / 20; i++) {
		snprintf(p, sizeof(p), "%s/slice%d", live_base, i);
		rmdir(p);
	}
	rmdir(live_base);
}

static void live_mkcg(const char *rel, const char *limit)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", live_base, rel);
	if (mkdir(p, 0755) < 0)
		die(p);
	if (!limit)
		return;
	strncat(p, "/memory.limit_in_bytes", sizeof(p) - strlen(p) - 1);
	f = fopen(p, "we");
	if (!f || fputs(limit, f) < 0 || fclose(f) != 0)
		die(p);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median time to read memory.limit_in_bytes once in each cgroup of the tree. */
static uint64_t measure_floor(const char *live, const char *dir, int n, int iters)
{
	int nslices = (n + 19) / 20, total = 1 + nslices + n;
	char **paths = calloc((size_t)total, sizeof(char *));
	uint64_t *t = calloc((size_t)iters, sizeof(uint64_t)), med;
	char base[4200], buf[64];

	if (!paths || !t)
		die("calloc");
	if (live)
		snprintf(base, sizeof(base), "%s", live);
	else
		snprintf(base, sizeof(base), "%s/sys/fs/cgroup/memory", dir);
	for (int i = 0, k = 0; i < total; i++, k++) {
		int r = i == 0 ? asprintf(&paths[i], "%s/memory.limit_in_bytes", base)
			: i <= nslices
			? asprintf(&paths[i], "%s/slice%d/memory.limit_in_bytes", base, i - 1)
			: asprintf(&paths[i], "%s/slice%d/svc%d/memory.limit_in_bytes", base,
				  (i - 1 - nslices) / 20, i - 1 - nslices);
		if (r < 0)
			die("asprintf");
	}
	for (int it = 0; it < iters; it++) {
		uint64_t start = now_ns();
		for (int i = 0; i < total; i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
				die(paths[i]);
			close(fd);
		}
		t[it] = now_ns() - start;
	}
	qsort(t, (size_t)iters, sizeof(*t), cmp_u64);
	med = t[iters / 2];
	for (int i = 0; i < total; i++)
		free(paths[i]);
	free(paths);
	free(t);
	return med;
}

int main(int argc, char **argv)
{
	int n = 200, limited = -1, iters = 500;
	bool live = false, tight = false, rotate = false;
	const char *victims[] = {"/swap/swapfile"};
	char dir[4096], cmd[4200];
	struct sc_ctx c;
	uint64_t *t, floor_ns;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--live"))
			live = true;
		else if (!strcmp(argv[i], "--tight"))
			tight = true;
		else if (!strcmp(argv[i], "--rotate"))
			rotate = true;
		else if (!strcmp(argv[i], "--cgroups") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--limited") && i + 1 < argc)
			limited = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else {
			fprintf(stderr, "bench-gate: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (limited < 0 || limited > n)
		limited = n;
	if (n < 1 || iters < 1 || (live && tight)) {
		fprintf(stderr, "bench-gate: bad options (--tight needs the fixture tree)\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/swapctl-bench-gate.XXXXXX",
		getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		die(dir);
	/* 16 GiB areas; 4 GiB swapped out on the victim, so the cgroup walk is needed. */
	put(dir, "proc/swaps",
		rotate ? "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			 "/swap/swapfile                          file\t\t16777212\t4194304\t\t10\n"
			 "/swap/swapfile.1                        file\t\t16777212\t0\t\t10\n"
		       : "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			 "/swap/swapfile                          "
			 "file\t\t16777212\t4194304\t\t10\n");
	put(dir, "proc/meminfo",
		"MemTotal:       24683520 kB\nMemFree:        24000000 kB\n"
		"MemAvailable:   23000000 kB\nCommitLimit:    29118972 kB\n"
		"Committed_AS:   1000000 kB\n");
	put(dir, "proc/sys/vm/overcommit_memory", "0\n");
	put(dir, "sys/fs/cgroup/unified/cgroup.controllers", "\n");
	if (live) {
		char link[4200];

		snprintf(live_base, sizeof(live_base), "/sys/fs/cgroup/memory/swapctl-bench-%d",
			(int)getpid());
		if (mkdir(live_base, 0755) < 0)
			die(live_base);
		atexit(live_cleanup);
		live_n = n;
		for (int i = 0; i < (n + 19) / 20; i++) {
			char cg[64];
			snprintf(cg, sizeof(cg), "slice%d", i);
			live_mkcg(cg, NULL);
		}
		for (int i = 0; i < n; i++) {
			char cg[64];
			snprintf(cg, sizeof(cg), "slice%d/svc%d", i / 20, i);
			live_mkcg(cg, i < limited ? "536870912" : NULL);
		}
		snprintf(link, sizeof(link), "%s/sys/fs/cgroup/memory", dir);
		if (symlink("/sys/fs/cgroup/memory", link) < 0)
			die(link);
	} else {
		put_cg(dir, ".", UNLIMITED, 2ULL << 30, 1ULL << 30);
		for (int i = 0; i < (n + 19) / 20; i++) {
			char cg[64];
			snprintf(cg, sizeof(cg), "slice%d", i);
			put_cg(dir, cg, UNLIMITED, 1ULL << 30, 100ULL << 20);
		}
		for (int i = 0; i < n; i++) {
			char cg[64];
			snprintf(cg, sizeof(cg), "slice%d/svc%d", i / 20, i);
			put_cg(dir, cg,
				i >= limited	? UNLIMITED
					: tight ? 105ULL << 20
						: 512ULL << 20,
				100ULL << 20, 10ULL << 20);
		}
	}
	if (sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL) < 0)
		die("sc_ctx_init");
	t = calloc((size_t)iters, sizeof(*t));
	if (!t)
		die("calloc");
	for (int i = 0; i < iters; i++) {
		struct sc_gate_report rep;
		struct sc_err err = {0};
		uint64_t start = now_ns();
		int r = sc_gate_check(&c, victims, 1, &rep, &err);
		/*
		 * A replacement does not skip the walk: it would have to hold the victim's
		 * pages and all of RAM (24 GiB here).
		 */
		bool ok = tight ? r == -EPERM && rep.n_blocking == (size_t)limited
				: r == 0 && !rep.cgroups_skipped &&
				rep.n_cgroups_checked >= (size_t)limited;

		t[i] = now_ns() - start;
		if (!ok) {
			fprintf(stderr, "bench-gate: unexpected verdict r=%d checked=%zu: %s\n", r,
				rep.n_cgroups_checked, err.msg);
			return 1;
		}
		sc_gate_report_free(&rep);
	}
	qsort(t, (size_t)iters, sizeof(*t), cmp_u64);
	floor_ns = measure_floor(live ? live_base : NULL, dir, n, iters);
	printf("gate, %d cgroups (%d limited%s), %s%s: median %.3f ms, p99 %.3f ms; "
	       "budget 2 ms, ratio %.2f\n",
		n, limited, tight ? ", all near their limit" : "",
		live ? "live cgroupfs" : "fixture tree",
		rotate ? ", replacement active" : ", single area", (double)t[iters / 2] / 1e6,
		(double)t[iters * 99 / 100] / 1e6, (double)t[iters / 2] / 2e6);
	printf("  floor (read memory.limit_in_bytes of every cgroup, nothing else): median "
	       "%.3f ms; gate/floor %.2f\n",
		(double)floor_ns / 1e6, (double)t[iters / 2] / (double)floor_ns);
	sc_ctx_done(&c);
	free(t);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
