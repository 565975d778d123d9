/*
 * resume-offset-probe FILE: sc_resume_offset() on a real file, for the kernel tier
 * (tests/kernel/test-resume-offset.sh compares it with filefrag and btrfs-progs).
 *
 * Prints the offset in pages of this machine's page size and exits 0; or prints the error
 * (message, then the hint on a line of its own) to stderr and exits with its exit class
 * (1 failure, 3 refused), as swapctl would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "error.h"
#include "resume-offset.h"
#include "sys.h"

int main(int argc, char **argv)
{
	struct sc_ctx c;
	struct sc_err err = {0};
	uint64_t pages;
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: resume-offset-probe FILE\n");
		return SC_EXIT_USAGE;
	}
	r = sc_ctx_init(&c, &sc_sys_real, NULL, NULL, NULL, NULL);
	if (r < 0) {
		fprintf(stderr, "resume-offset-probe: %s\n", strerror(-r));
		return SC_EXIT_FAILURE;
	}
	fd = sc_sys_real.openat(AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "resume-offset-probe: %s: %s\n", argv[1], strerror(-fd));
		sc_ctx_done(&c);
		return SC_EXIT_FAILURE;
	}
	r = sc_resume_offset(&c, fd, argv[1], &pages, &err);
	close(fd);
	sc_ctx_done(&c);
	if (r < 0) {
		fprintf(stderr, "resume-offset-probe: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return err.kind;
	}
	printf("%llu\n", (unsigned long long)pages);
	return fflush(stdout) == 0 && !ferror(stdout) ? SC_EXIT_OK : SC_EXIT_FAILURE;
}
