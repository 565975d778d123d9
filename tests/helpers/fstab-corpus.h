/*
 * The fstab corpus the fstab/ tests run over: swapctl's own fixtures
 * (the .fstab files in tests/fixtures/fstab/) and, when the workspace has them, the peer projects' test
 * files (SC_PEER_DIR, never copied into the repository).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct sc_corpus_file {
	char *path;
	char *data; /* NUL-terminated copy; len excludes the NUL */
	size_t len;
	bool peer;
};

/* Loads every corpus file; *ret_peers says whether the peer directory was found. */
size_t sc_test_fstab_corpus(struct sc_corpus_file **ret, bool *ret_peers);
void sc_test_fstab_corpus_free(struct sc_corpus_file *c, size_t n);
/* A whole file with its length (binary-safe); test asserts on failure. */
char *sc_test_read_len(const char *path, size_t *ret_len);
/* A synthetic fstab of n entry lines (a quarter swap) and a comment every ten; malloc'd. */
char *sc_test_big_fstab(size_t n, size_t *ret_len);
