/*
 * Small helpers used everywhere: scope-bound cleanup (systemd style), ownership transfer and
 * array sizes. Nothing here has side effects beyond freeing and closing.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void sc_freep(void *p)
{
	free(*(void **)p);
}

static inline void sc_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void sc_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f)	 __attribute__((cleanup(f)))
#define _cleanup_free_	 _cleanup_(sc_freep)
#define _cleanup_close_	 _cleanup_(sc_closep)
#define _cleanup_fclose_ _cleanup_(sc_fclosep)

/* Hand a cleanup-managed value to someone else: the local variable is disarmed. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

#define SC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SC_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * a + b, or UINT64_MAX when the sum does not fit: byte counts read from the kernel are u64
 * ("max" and the v1 "no limit" value sit near the top), so their sums must not wrap.
 */
static inline uint64_t sc_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

#define SC_KIB (UINT64_C(1) << 10)
#define SC_MIB (UINT64_C(1) << 20)
#define SC_GIB (UINT64_C(1) << 30)
