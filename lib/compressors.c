/* See compressors.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "compressors.h"
#include "macro.h"
#include "util.h"
#include "zram.h"

int sc_compressors_zram(const struct sc_ctx *c, char ***ret)
{
	struct sc_zram_dev *devs = NULL;
	size_t n = 0;
	int r = 0;

	*ret = NULL;
	if (sc_zram_list(c, &devs, &n) < 0)
		return 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;

		if (asprintf(&rel, "/sys/block/%s/comp_algorithm", devs[i].name) < 0 ||
			!(path = sc_ctx_sys_path(c, rel)))
			r = -ENOMEM;
		else if (sc_read_line(path, &text) == 0 &&
			sc_zram_parse_algorithms(text, ret, NULL) == 0)
			r = *ret ? 1 : 0;
	}
	sc_zram_list_free(devs, n);
	return r;
}
