/* The fstab test corpus. See fstab-corpus.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "fstab-corpus.h"
#include "util.h"

char *sc_test_read_len(const char *path, size_t *ret_len)
{
	char *s = NULL;

	assert_int_equal(sc_read_file(path, 64 << 20, &s, ret_len), 0);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t add_dir(const char *dir, bool peer, struct sc_corpus_file **c, size_t n)
{
	char **names = NULL;
	size_t k = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return n;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 7 || strcmp(de->d_name + l - 6, ".fstab") != 0)
			continue;
		names = realloc(names, (k + 1) * sizeof(*names));
		assert_non_null(names);
		names[k++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, k, sizeof(*names), cmp_str);
	*c = realloc(*c, (n + k) * sizeof(**c));
	assert_true(*c || n + k == 0);
	for (size_t i = 0; i < k; i++) {
		struct sc_corpus_file *f = &(*c)[n++];

		assert_true(asprintf(&f->path, "%s/%s", dir, names[i]) > 0);
		f->data = sc_test_read_len(f->path, &f->len);
		f->peer = peer;
		free(names[i]);
	}
	free(names);
	return n;
}

size_t sc_test_fstab_corpus(struct sc_corpus_file **ret, bool *ret_peers)
{
	struct sc_corpus_file *c = NULL;
	size_t n, own;
	DIR *d;

	n = own = add_dir(SC_FIXTURE_DIR "/fstab", false, &c, 0);
	assert_true(own >= 10);
	d = opendir(SC_PEER_DIR);
	*ret_peers = d != NULL;
	if (d) {
		closedir(d);
		n = add_dir(SC_PEER_DIR, true, &c, n);
	} else
		print_message(
			"peer corpus %s absent: running on swapctl's fixtures only\n", SC_PEER_DIR);
	*ret = c;
	return n;
}

void sc_test_fstab_corpus_free(struct sc_corpus_file *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].path);
		free(c[i].data);
	}
	free(c);
}

char *sc_test_big_fstab(size_t n, size_t *ret_len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	fputs("# generated: many entries\n", f);
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 0)
			fprintf(f, "# block %zu\n", i / 10);
		switch (i % 4) {
		case 0:
			fprintf(f, "/srv/swap/file%05zu none swap defaults,pri=%zu 0 0\n", i,
				i % 100);
			break;
		case 1:
			fprintf(f,
				"UUID=%08zx-0000-4000-8000-%012zx /mnt/d%05zu ext4 defaults 0 2\n",
				i, i, i);
			break;
		case 2:
			fprintf(f, "server%zu:/export/%zu\t/net/%zu\tnfs\tdefaults,_netdev\t0\t0\n",
				i, i, i);
			break;
		default:
			fprintf(f,
				"/dev/disk/by-id/disk-%05zu   /data/%05zu   xfs   defaults   0 0\n",
				i, i);
		}
	}
	assert_int_equal(fclose(f), 0);
	*ret_len = size;
	return buf;
}
