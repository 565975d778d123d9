/*
 * Strict parsers for everything a user or a config file hands swapctl: sizes, integers with
 * ranges. They never accept what they cannot represent exactly: no leading whitespace, signs
 * (except where documented), leading zeros, hex or exponents. Return 0 or -EINVAL/-ERANGE.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Sizes as util-linux's `fallocate -l` spells them: a plain number is bytes; K, M, G, T, P, E
 * (either case, optionally followed by "iB") are powers of 1024; KB, MB, ... powers of 1000.
 * A decimal fraction ("1.5G"), of any number of digits, is computed exactly: floor(1.5 * 2^30);
 * it needs a unit. Zero is accepted here (callers decide); overflow is -ERANGE; anything
 * malformed -EINVAL.
 */
int sc_parse_size(const char *s, uint64_t *ret);

/* Decimal integer in [min, max]; an optional leading '-' only when min < 0. */
int sc_parse_int(const char *s, int64_t min, int64_t max, int64_t *ret);

/* The smallest and largest swap areas, in pages (mkswap's MIN_GOODPAGES; u32 last_page). */
#define SC_SWAP_MIN_PAGES 10u
#define SC_SWAP_MAX_PAGES (UINT64_C(1) << 32)

/*
 * Parse a swap area size and round it down to whole pages. -EINVAL for malformed input,
 * -ERANGE when zero, below SC_SWAP_MIN_PAGES or above SC_SWAP_MAX_PAGES pages.
 */
int sc_parse_swap_size(const char *s, size_t page_size, uint64_t *ret);

/* "16 GiB", "1.5 GiB", "512 KiB", "100 B". buf must hold 32 bytes. */
const char *sc_format_bytes(uint64_t bytes, char buf[static 32]);
