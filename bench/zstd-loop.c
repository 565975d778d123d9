/*
 * The reference for bench/estimate.sh: compress pages held in this process's own memory,
 * one page at a time, in one loop with one reused ZSTD context at the given level -- the
 * fastest way to do the work `swapctl zram estimate` does, with none of its reading. Prints
 * the throughput, then (with --hold) keeps the very same pages resident and waits, so the
 * script can point `swapctl zram estimate --pid` at them.
 *
 *   bench-zstd-loop [--level N] [--mib N] [--rounds N] [--hold] FILE...
 *
 * The pages are the FILEs' contents, concatenated and repeated up to --mib MiB, with
 * same-filled pages (all words equal) left out: zram stores those without compressing,
 * and the estimator skips them, so they would only flatter it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#define PS 4096

static bool same_filled(const unsigned char *p)
{
	const unsigned long *w = (const unsigned long *)p;

	for (size_t i = 1; i < PS / sizeof(*w); i++)
		if (w[i] != w[0])
			return false;
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int level = 3, rounds = 3, first_file = 0;
	size_t mib = 256, npages, filled = 0;
	bool hold = false;
	unsigned char *buf, page[PS];
	size_t dst_cap = ZSTD_compressBound(PS);
	void *dst = malloc(dst_cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	double best = 0;
	uint64_t compressed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--level") == 0 && i + 1 < argc)
			level = atoi(argv[++i]);
		else if (strcmp(argv[i], "--mib") == 0 && i + 1 < argc)
			mib = (size_t)atol(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--hold") == 0)
			hold = true;
		else {
			first_file = i;
			break;
		}
	}
	if (!first_file || !dst || !cctx || mib == 0) {
		fprintf(stderr, "usage: %s [--level N] [--mib N] [--rounds N] [--hold] FILE...\n",
			argv[0]);
		return 2;
	}
	npages = mib * 256;
	buf = mmap(NULL, npages * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* MADV_NOHUGEPAGE: base pages, as zram sees them and as the estimator reads them */
	madvise(buf, npages * PS, MADV_NOHUGEPAGE);
	while (filled < npages) {
		size_t before = filled;

		for (int f = first_file; f < argc && filled < npages; f++) {
			int fd = open(argv[f], O_RDONLY | O_CLOEXEC);
			ssize_t n;

			if (fd < 0)
				continue;
			while (filled < npages && (n = read(fd, page, PS)) == PS)
				if (!same_filled(page))
					memcpy(buf + PS * filled++, page, PS);
			close(fd);
		}
		if (filled == before) {
			fprintf(stderr, "no usable pages in the given files\n");
			return 1;
		}
	}

	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;

		compressed = 0;
		for (size_t i = 0; i < npages; i++) {
			size_t n = ZSTD_compressCCtx(cctx, dst, dst_cap, buf + i * PS, PS, level);
			compressed += ZSTD_isError(n) || n >= PS ? PS : n;
		}
		t = now() - t0;
		if (best == 0 || t < best)
			best = t;
	}
	printf("reference: %zu MiB, zstd level %d, ratio %.3f, %.3f s, %.0f MB/s\n", mib, level,
		(double)npages * PS / (double)compressed, best, (double)npages * PS / best / 1e6);
	fflush(stdout);
	if (hold) {
		char c;

		printf("holding pid %d\n", (int)getpid());
		fflush(stdout);
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
	}
	ZSTD_freeCCtx(cctx);
	free(dst);
	return 0;
}
