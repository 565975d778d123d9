/*
 * The cost of one fstab edit (issue 3: editing one entry of a 10,000-line fstab in under
 * 20 ms, memory linear in the file). bench/fstab-edit.sh runs it.
 *
 *	bench-fstab-edit --generate N [K]      a synthetic fstab of N entry lines on stdout, every
 *	                                       Kth a swap entry (default 4: a worst case, since
 *	                                       swap lines are the ones validation re-reads with
 *	                                       libmount; a real fstab has a handful)
 *	bench-fstab-edit FILE PATH             one edit as swapctl makes it: load, add or update
 *	                                       the swap entry for PATH, validate, commit (fsync
 *	                                       of file and directory, backup)
 *	bench-fstab-edit --loops N FILE PATH   the same N times in one process (each edit
 *	                                       undone by a second commit), printing the median
 *	                                       and maximum of every phase
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "fstab.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int generate(long n, long swap_every)
{
	printf("# /etc/fstab: generated for bench-fstab-edit\n"
	       "# <file system>                           <mount point>   <type>  <options>  "
	       "     <dump>  <pass>\n");
	for (long i = 0; i < n; i++) {
		if (i % 50 == 0)
			printf("# group %ld\n", i / 50);
		if (i % swap_every == swap_every - 1) {
			printf("/srv/swap/file%06ld                     none            swap    "
			       "defaults,pri=%ld 0       0\n",
				i, i % 1000);
			continue;
		}
		switch (i % 3) {
		case 0:
			printf("UUID=%08lx-1111-4222-8333-%012lx /srv/d%-9ld ext4    "
			       "defaults,noatime 0       2\n",
				i, i, i);
			break;
		case 1:
			printf("/dev/disk/by-id/wwn-0x5000c500%08lx   /data/%-8ld xfs     "
			       "defaults,nofail 0       0\n",
				i, i);
			break;
		case 2:
			printf("server%ld:/export/%ld\t/net/%ld\tnfs4\tdefaults,_netdev\t0\t0\n",
				i % 97, i, i);
			break;
		}
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

struct phases {
	uint64_t load, edit, validate, commit, total;
};

static int one_edit(
	const struct sc_ctx *c, const char *file, const char *path, bool add, struct phases *ph)
{
	struct sc_swap_spec spec = {.path = path, .priority = 100, .managed = true, .nofail = true};
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};
	uint64_t t0 = now_ns(), t1, t2, t3, t4;
	int r;

	r = sc_fstab_load(c, file, &f, &err);
	t1 = now_ns();
	if (r >= 0)
		r = add ? sc_fstab_set_swap(f, &spec, &err) : sc_fstab_remove_swap(f, path);
	t2 = now_ns();
	if (r >= 0 && ph)
		r = sc_fstab_validate(f, &err);
	t3 = now_ns();
	if (r >= 0)
		r = sc_fstab_commit(c, f, &err);
	t4 = now_ns();
	sc_fstab_free(f);
	if (r < 0) {
		fprintf(stderr, "bench-fstab-edit: %s: %s\n", file,
			err.msg[0] ? err.msg : strerror(-r));
		return r;
	}
	if (ph)
		*ph = (struct phases){t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0 - (t3 - t2)};
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("  %-9s median %8.3f ms   max %8.3f ms\n", name, v[n / 2] / 1e6, v[n - 1] / 1e6);
}

int main(int argc, char **argv)
{
	struct sc_ctx c;
	long loops = 0;
	int r;

	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--generate")) {
		long every = argc == 4 ? strtol(argv[3], NULL, 10) : 4;

		return generate(strtol(argv[2], NULL, 10), every > 0 ? every : 4);
	}
	if (argc == 5 && !strcmp(argv[1], "--loops")) {
		loops = strtol(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || loops < 0) {
		fprintf(stderr,
			"usage: bench-fstab-edit [--loops N] FILE PATH | --generate N [K]\n");
		return 2;
	}
	if (sc_ctx_init(&c, &sc_sys_real, NULL, NULL, argv[1], NULL) < 0)
		return 1;
	if (loops == 0) {
		r = one_edit(&c, argv[1], argv[2], true, NULL);
		sc_ctx_done(&c);
		return r < 0;
	}

	{
		uint64_t *v[5];
		struct phases ph;

		for (int k = 0; k < 5; k++)
			v[k] = calloc((size_t)loops, sizeof(uint64_t));
		for (long i = 0; i < loops; i++) {
			if (one_edit(&c, argv[1], argv[2], true, &ph) < 0)
				return 1;
			v[0][i] = ph.load;
			v[1][i] = ph.edit;
			v[2][i] = ph.validate;
			v[3][i] = ph.commit;
			v[4][i] = ph.total;
			if (one_edit(&c, argv[1], argv[2], false, NULL) < 0)
				return 1;
		}
		printf("%ld edits of %s (add %s; each undone by a second commit):\n", loops,
			argv[1], argv[2]);
		report("load", v[0], (size_t)loops);
		report("edit", v[1], (size_t)loops);
		report("validate", v[2], (size_t)loops);
		report("commit", v[3], (size_t)loops);
		report("total", v[4], (size_t)loops);
		printf("  (commit = validate again + write, fsync file and directory, rename; "
		       "total excludes the separate validate)\n");
		for (int k = 0; k < 5; k++)
			free(v[k]);
	}
	sc_ctx_done(&c);
	return 0;
}
