/* Strict parsers. See parse.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a run of decimal digits into *v; -ERANGE on overflow. Returns the count. */
static int read_digits(const char **p, uint64_t *v)
{
	int n = 0;

	*v = 0;
	while (is_digit(**p)) {
		unsigned d = (unsigned)(**p - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		*v = *v * 10 + d;
		(*p)++;
		n++;
	}
	return n;
}

/*
 * floor(0.DIGITS * mult) for the n fraction digits at frac, exactly, whatever n is: the
 * fraction times mult in long multiplication, from the last digit to the first; the carry out
 * of the first digit is the integer part. Every step stays below 10 * mult <= 10 * 2^60.
 */
static uint64_t frac_times(const char *frac, size_t n, uint64_t mult)
{
	uint64_t carry = 0;

	while (n--)
		carry = ((uint64_t)(frac[n] - '0') * mult + carry) / 10;
	return carry;
}

int sc_parse_size(const char *s, uint64_t *ret)
{
	static const char units[] = "KMGTPE";
	const char *p = s, *frac = NULL, *u;
	uint64_t ipart, mult = 1;
	unsigned __int128 total;
	size_t fdigits = 0;
	int n, power = 0;
	unsigned base = 1024;

	if (!s || !is_digit(*p))
		return -EINVAL;
	/* A leading zero is only allowed alone ("0", "0.5G"): util-linux reads "010" as octal. */
	if (p[0] == '0' && is_digit(p[1]))
		return -EINVAL;
	n = read_digits(&p, &ipart);
	if (n < 0)
		return n;
	if (*p == '.') {
		p++;
		frac = p;
		while (is_digit(*p))
			p++;
		fdigits = (size_t)(p - frac);
		if (fdigits == 0)
			return -EINVAL;
	}
	if (*p) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		u = strchr(units, c);
		if (!u || c == '\0')
			return -EINVAL;
		power = (int)(u - units) + 1;
		p++;
		if (p[0] == 'i' && (p[1] == 'B' || p[1] == 'b') && p[2] == '\0')
			base = 1024;
		else if ((p[0] == 'B' || p[0] == 'b') && p[1] == '\0')
			base = 1000;
		else if (p[0] != '\0')
			return -EINVAL;
	}
	/* A fraction of a byte has no exact meaning. */
	if (frac && power == 0)
		return -EINVAL;
	for (int i = 0; i < power; i++)
		mult *= base;
	total = (unsigned __int128)ipart * mult;
	if (frac)
		total += frac_times(frac, fdigits, mult);
	if (total > UINT64_MAX)
		return -ERANGE;
	*ret = (uint64_t)total;
	return 0;
}

int sc_parse_int(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	const char *p = s;
	bool neg = false;
	uint64_t v;
	int n;

	if (!s)
		return -EINVAL;
	if (*p == '-' && min < 0) {
		neg = true;
		p++;
	}
	if (!is_digit(*p) || (p[0] == '0' && p[1] != '\0'))
		return -EINVAL;
	n = read_digits(&p, &v);
	if (n < 0)
		return n;
	if (*p)
		return -EINVAL;
	if (neg) {
		if (v == 0)
			return -EINVAL; /* "-0" */
		if (v > (uint64_t)INT64_MAX + 1 || -(int64_t)(v - 1) - 1 < min)
			return -ERANGE;
		*ret = -(int64_t)(v - 1) - 1;
		return 0;
	}
	if (v > (uint64_t)INT64_MAX || (int64_t)v > max || (int64_t)v < min)
		return -ERANGE;
	*ret = (int64_t)v;
	return 0;
}

int sc_parse_swap_size(const char *s, size_t page_size, uint64_t *ret)
{
	uint64_t bytes, pages;
	int r;

	r = sc_parse_size(s, &bytes);
	if (r < 0)
		return r;
	pages = bytes / page_size;
	if (pages < SC_SWAP_MIN_PAGES || pages > SC_SWAP_MAX_PAGES)
		return -ERANGE;
	*ret = pages * page_size;
	return 0;
}

const char *sc_format_bytes(uint64_t bytes, char buf[static 32])
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned i = 0;
	uint64_t whole = bytes, rem = 0;

	while (whole >= 1024 && i < 6) {
		rem = whole % 1024;
		whole /= 1024;
		i++;
	}
	if (i == 0 || rem == 0)
		snprintf(buf, 32, "%" PRIu64 " %s", whole, units[i]);
	else {
		/* one decimal, truncated, so "1.9 GiB" never claims more than there is */
		unsigned tenth = (unsigned)(rem * 10 / 1024);
		if (tenth == 0)
			snprintf(buf, 32, "%" PRIu64 " %s", whole, units[i]);
		else
			snprintf(buf, 32, "%" PRIu64 ".%u %s", whole, tenth, units[i]);
	}
	return buf;
}
