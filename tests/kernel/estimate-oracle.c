/*
 * The independent calculation tests/kernel/test-estimate.sh compares `zram estimate` with:
 * the pages of a file, each compressed on its own with libzstd at the given level, as the
 * kernel's zram zstd backend compresses a page (capped at a page: zram keeps incompressible
 * pages as they are), and the pages whose machine words are all equal counted apart (zram
 * stores those without compressing). Prints JSON.
 *
 *   estimate-oracle FILE LEVEL PAGE_SIZE
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

int main(int argc, char **argv)
{
	unsigned long long pages = 0, same = 0, compressed = 0;
	size_t ps, cap;
	unsigned char *page;
	void *dst;
	int level;
	FILE *f;

	if (argc != 4 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: estimate-oracle FILE LEVEL PAGE_SIZE\n");
		return 2;
	}
	level = atoi(argv[2]);
	ps = (size_t)atol(argv[3]);
	cap = ZSTD_compressBound(ps);
	page = malloc(ps);
	dst = malloc(cap);
	if (!page || !dst)
		return 1;
	while (fread(page, 1, ps, f) == ps) {
		unsigned long first;
		int all_same = 1;

		pages++;
		memcpy(&first, page, sizeof(first));
		for (size_t i = sizeof(first); i < ps; i += sizeof(first))
			if (memcmp(page + i, &first, sizeof(first)) != 0) {
				all_same = 0;
				break;
			}
		if (all_same) {
			same++;
			continue;
		}
		size_t n = ZSTD_compress(dst, cap, page, ps, level);
		if (ZSTD_isError(n)) {
			fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
			return 1;
		}
		compressed += n < ps ? n : ps;
	}
	fclose(f);
	free(page);
	free(dst);
	printf("{\"sampled_bytes\": %llu, \"zero_pages\": %llu, \"compressed_bytes\": %llu}\n",
		pages * ps, same, compressed);
	return 0;
}
