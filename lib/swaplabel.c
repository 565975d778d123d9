/* Reading a swap area's label back. See swaplabel.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "macro.h"
#include "swaplabel.h"

int sc_swaplabel_read(const struct sc_ctx *c, const char *full, uint64_t file_size, char **ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *page = NULL;
	struct sc_header_info hdr;
	int n;

	*ret = NULL;
	fd = sc_ctx_open(c, full, O_RDONLY | O_NOFOLLOW | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	page = calloc(1, c->page_size);
	if (!page)
		return -ENOMEM;
	n = c->sys->pread(fd, page, c->page_size, 0);
	if (n < 0)
		return n;
	if ((size_t)n != c->page_size ||
		sc_header_validate(page, c->page_size, c->page_size, file_size, &hdr) < 0 ||
		!hdr.label[0])
		return 0;
	*ret = strdup(hdr.label);
	return *ret ? 0 : -ENOMEM;
}
