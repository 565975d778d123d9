/* /proc/zoneinfo and /proc/vmstat. See procfs.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "procfs.h"
#include "util.h"

void sc_zoneinfo_free(struct sc_zoneinfo *z)
{
	free(z->zones);
	z->zones = NULL;
	z->n = 0;
}

bool sc_zone_is_lowmem(const struct sc_zone *z)
{
	/* gfp_zone(GFP_USER) is ZONE_NORMAL: HighMem, Movable and Device lie above it. */
	return sc_streq(z->name, "DMA") || sc_streq(z->name, "DMA32") ||
		sc_streq(z->name, "Normal");
}

/* "  <word> <number>" -> the number when the first word is name. */
static bool field(const char *line, const char *name, uint64_t *ret)
{
	size_t n = strlen(name);
	char *end;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, name, n) != 0 || (line[n] != ' ' && line[n] != '\t'))
		return false;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line < '0' || *line > '9')
		return false;
	errno = 0;
	*ret = strtoull(line, &end, 10);
	return errno == 0 && (*end == '\0' || *end == '\n' || *end == ' ');
}

/*
 * Format (mm/vmstat.c zoneinfo_show_print): "Node N, zone NAME", then for populated and empty
 * zones alike "  pages free N" followed by "min", "low", "high" (6.x adds "boost" and "promo"),
 * "spanned", "present", "managed". Per-node statistics and per-CPU pagesets are interleaved;
 * their names never collide with these (pagesets print "high:" with a colon).
 */
int sc_zoneinfo_parse(const char *text, struct sc_zoneinfo *ret)
{
	struct sc_zoneinfo z = {0};
	struct sc_zone *cur = NULL;
	const char *line = text;
	bool seen[6] = {false};

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[256];
		int node;
		char name[16];

		snprintf(buf, sizeof(buf), "%.*s", (int)SC_MIN(len, sizeof(buf) - 1), line);
		line = nl ? nl + 1 : NULL;
		if (sscanf(buf, "Node %d, zone %15s", &node, name) == 2) {
			struct sc_zone *zs = realloc(z.zones, (z.n + 1) * sizeof(*zs));
			if (!zs) {
				sc_zoneinfo_free(&z);
				return -ENOMEM;
			}
			z.zones = zs;
			cur = &z.zones[z.n++];
			memset(cur, 0, sizeof(*cur));
			cur->node = node;
			snprintf(cur->name, sizeof(cur->name), "%s", name);
			memset(seen, 0, sizeof(seen));
			continue;
		}
		if (!cur)
			continue;
		if (!seen[0] && field(buf, "pages free", &cur->free))
			seen[0] = true;
		else if (!seen[1] && field(buf, "min", &cur->min))
			seen[1] = true;
		else if (!seen[2] && field(buf, "low", &cur->low))
			seen[2] = true;
		else if (!seen[3] && field(buf, "high", &cur->high))
			seen[3] = true;
		else if (!seen[4] && field(buf, "present", &cur->present))
			seen[4] = true;
		else if (!seen[5] && field(buf, "managed", &cur->managed))
			seen[5] = true;
	}
	if (z.n == 0)
		return -EINVAL;
	*ret = z;
	return 0;
}

int sc_zoneinfo_read(const struct sc_ctx *c, struct sc_zoneinfo *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = sc_ctx_read_sys(c, "/proc/zoneinfo", 16 << 20, &text);
	if (r < 0)
		return r;
	return sc_zoneinfo_parse(text, ret);
}

int sc_vmstat_parse(const char *text, const char *name, uint64_t *ret)
{
	size_t n = strlen(name);

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, name, n) == 0 && line[n] == ' ') {
			char *end;
			errno = 0;
			*ret = strtoull(line + n + 1, &end, 10);
			if (errno || end == line + n + 1)
				return -EINVAL;
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int sc_vmstat_read(const struct sc_ctx *c, const char *name, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = sc_ctx_read_sys(c, "/proc/vmstat", 1 << 20, &text);
	if (r < 0)
		return r;
	return sc_vmstat_parse(text, name, ret);
}
