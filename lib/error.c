/* The error record. See error.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int sc_err_set(struct sc_err *err, enum sc_exit kind, int errnum, const char *fmt, ...)
{
	int ret = errnum > 0		  ? -errnum
		: kind == SC_EXIT_REFUSED ? -EPERM
		: kind == SC_EXIT_USAGE	  ? -EINVAL
		: kind == SC_EXIT_LOCKED  ? -EAGAIN
					  : -EIO;
	va_list ap;

	if (!err || err->msg[0])
		return ret;
	err->kind = kind;
	err->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

void sc_err_hint(struct sc_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void sc_err_clear(struct sc_err *err)
{
	memset(err, 0, sizeof(*err));
}
