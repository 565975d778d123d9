/*
 * zram add / remove / boot against a fake zram: a state machine behind write_attr and
 * read_attr that behaves like zram_drv.c (docs/kernel-notes.md: zram): hot_add hands out the lowest
 * free id, comp_algorithm and disksize answer EBUSY once the device is initialised, unknown
 * algorithms EINVAL, reset restores the default algorithm and mem_limit 0 and refuses while
 * the device is swapped on, hot_remove answers ENODEV for unknown ids, mem_limit is
 * write-only (the fixture has no readable file for it). The fake keeps the sysfs files of
 * the fixture tree in step so that swapctl's readers see what a real kernel would show.
 * Every call is logged, so tests assert the exact order of writes and the rollback.
 */
#include "fixture.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "header.h"
#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram.h"

#define MAXDEV 8
#define MiB    (UINT64_C(1) << 20)
#define GiB    (UINT64_C(1) << 30)

struct fdev {
	bool exists, init, swapped, foreign;
	bool held; /* somebody holds the node open: reset and hot_remove answer EBUSY */
	char alg[32];
	char params[64];
	uint64_t disksize, mem_limit, diskseq;
	int prio;
	uint64_t used_kb;
};

static struct {
	char *root;
	struct fdev dev[MAXDEV];
	uint64_t seq;
	char log[128][160];
	size_t n_log;
	/* failure injection: the first call whose log line starts with fail_prefix fails */
	const char *fail_prefix;
	int fail_errno;
	int busy_left; /* reset/hot_remove answer EBUSY this many more times */
	bool hot_add_initialised; /* hot_add hands out a device someone already set up */
	bool no_params_file; /* a kernel before 6.12: no algorithm_params attribute */
	unsigned sleeps;
	struct sc_sys sys;
	struct sc_ctx ctx;
} F;

static const char *const offered[] = {"lzo-rle", "lzo", "lz4"};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	assert_true(F.n_log < ELEMENTSOF(F.log));
	va_start(ap, fmt);
	vsnprintf(F.log[F.n_log++], sizeof(F.log[0]), fmt, ap);
	va_end(ap);
}

static bool should_fail(void)
{
	if (F.fail_prefix && sc_startswith(F.log[F.n_log - 1], F.fail_prefix)) {
		F.fail_prefix = NULL;
		return true;
	}
	return false;
}

static void put(const char *rel, const char *content)
{
	sc_test_write(F.root, rel, content);
}

static void render(int id)
{
	struct fdev *d = &F.dev[id];
	char rel[128], buf[256];

	snprintf(rel, sizeof(rel), "sys/block/zram%d", id);
	if (!d->exists) {
		char *p;
		assert_true(asprintf(&p, "%s/%s", F.root, rel) > 0);
		sc_test_rmtree(p);
		free(p);
		snprintf(rel, sizeof(rel), "%s/dev/zram%d", F.root, id);
		unlink(rel);
		return;
	}
	snprintf(rel, sizeof(rel), "sys/block/zram%d/disksize", id);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", d->disksize);
	put(rel, buf);
	snprintf(rel, sizeof(rel), "sys/block/zram%d/initstate", id);
	put(rel, d->init ? "1\n" : "0\n");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/diskseq", id);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", d->diskseq);
	put(rel, buf);
	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(offered); i++) {
		bool cur = strcmp(offered[i], d->alg) == 0;
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s%s ", cur ? "[" : "",
			offered[i], cur ? "]" : "");
	}
	strcat(buf, "\n");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/comp_algorithm", id);
	put(rel, buf);
	snprintf(rel, sizeof(rel), "sys/block/zram%d/mm_stat", id);
	put(rel, "0 0 0 0 0 0 0 0 0\n");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/algorithm_params", id);
	if (!F.no_params_file)
		put(rel, "");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/reset", id);
	put(rel, "");
	snprintf(rel, sizeof(rel), "dev/zram%d", id);
	{
		char *p;
		struct stat st;
		assert_true(asprintf(&p, "%s/%s", F.root, rel) > 0);
		if (stat(p, &st) < 0)
			put(rel, "");
		free(p);
	}
}

static void reset_defaults(struct fdev *d)
{
	d->init = false;
	d->disksize = 0;
	d->mem_limit = 0;
	d->params[0] = '\0';
	snprintf(d->alg, sizeof(d->alg), "lzo-rle");
}

static int add_dev(bool foreign)
{
	int id = 0;

	while (id < MAXDEV && F.dev[id].exists)
		id++;
	assert_true(id < MAXDEV);
	memset(&F.dev[id], 0, sizeof(F.dev[id]));
	F.dev[id].exists = true;
	F.dev[id].foreign = foreign;
	F.dev[id].diskseq = ++F.seq;
	reset_defaults(&F.dev[id]);
	render(id);
	return id;
}

static const char *rel_of(const char *path)
{
	size_t n = strlen(F.root);

	assert_true(strncmp(path, F.root, n) == 0);
	return path + n;
}

static void rewrite_swaps(void)
{
	char buf[2048] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

	for (int i = 0; i < MAXDEV; i++)
		if (F.dev[i].exists && F.dev[i].swapped)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				"/dev/zram%d                              partition\t%" PRIu64
				"\t\t%" PRIu64 "\t\t%d\n",
				i, F.dev[i].disksize / 1024 - 4, F.dev[i].used_kb, F.dev[i].prio);
	put("proc/swaps", buf);
}

static int fake_write_attr(const char *path, const char *value)
{
	const char *rel = rel_of(path);
	int id, n = 0;
	char attr[64];
	struct fdev *d;

	logf_("write %s %s", rel, value);
	if (should_fail())
		return -F.fail_errno;
	if (strcmp(rel, "/sys/class/zram-control/hot_remove") == 0) {
		int64_t v;
		if (sc_parse_int(value, 0, MAXDEV - 1, &v) < 0)
			return v < 0 ? -EINVAL : -ENODEV;
		d = &F.dev[v];
		if (!d->exists)
			return -ENODEV;
		if (d->swapped || d->held)
			return -EBUSY;
		if (F.busy_left > 0) {
			F.busy_left--;
			return -EBUSY;
		}
		d->exists = false;
		render((int)v);
		return 0;
	}
	assert_int_equal(sscanf(rel, "/sys/block/zram%d/%63s%n", &id, attr, &n), 2);
	assert_true(id >= 0 && id < MAXDEV);
	d = &F.dev[id];
	if (!d->exists)
		return -ENOENT;
	if (strcmp(attr, "comp_algorithm") == 0) {
		bool known = false;
		for (size_t i = 0; i < ELEMENTSOF(offered); i++)
			known |= strcmp(offered[i], value) == 0;
		if (!known)
			return -EINVAL;
		if (d->init)
			return -EBUSY;
		snprintf(d->alg, sizeof(d->alg), "%s", value);
	} else if (strcmp(attr, "algorithm_params") == 0) {
		snprintf(d->params, sizeof(d->params), "%s", value);
	} else if (strcmp(attr, "mem_limit") == 0) {
		assert_int_equal(sc_parse_size(value, &d->mem_limit), 0);
	} else if (strcmp(attr, "disksize") == 0) {
		int64_t v;
		if (d->init)
			return -EBUSY;
		/* swapctl must write canonical decimal: anything else fails the test */
		assert_int_equal(sc_parse_int(value, 1, INT64_MAX, &v), 0);
		d->disksize = (uint64_t)v;
		d->init = true;
	} else if (strcmp(attr, "reset") == 0) {
		if (strcmp(value, "1") != 0)
			return -EINVAL;
		if (d->swapped || d->held)
			return -EBUSY;
		if (F.busy_left > 0) {
			F.busy_left--;
			return -EBUSY;
		}
		reset_defaults(d);
	} else
		fail_msg("unexpected attribute %s", attr);
	render(id);
	return 0;
}

static int fake_read_attr(const char *path, char *buf, size_t len)
{
	int id;

	logf_("read %s", rel_of(path));
	if (should_fail())
		return -F.fail_errno;
	assert_string_equal(rel_of(path), "/sys/class/zram-control/hot_add");
	id = add_dev(false);
	if (F.hot_add_initialised) {
		F.dev[id].init = true;
		F.dev[id].disksize = 4096 * 100;
		F.dev[id].foreign = true;
		render(id);
	}
	return snprintf(buf, len, "%d\n", id);
}

static int fake_swapon(const char *path, int flags)
{
	const char *rel = rel_of(path);
	char page[4096];
	int id, fd;

	logf_("swapon %s %d", rel, flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK : -1);
	if (should_fail())
		return -F.fail_errno;
	assert_int_equal(sscanf(rel, "/dev/zram%d", &id), 1);
	if (!F.dev[id].init)
		return -EINVAL;
	/* the kernel reads the header it is given: no magic, no swap */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (pread(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) ||
		memcmp(page + sizeof(page) - 10, "SWAPSPACE2", 10) != 0) {
		close(fd);
		return -EINVAL;
	}
	close(fd);
	F.dev[id].swapped = true;
	F.dev[id].prio = flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK : -2;
	rewrite_swaps();
	return 0;
}

static int fake_swapoff(const char *path, struct sc_swapoff_result *res)
{
	/*
	 * swapoff goes through a descriptor of the device node (gate.h): the magic link must
	 * name the fixture's node of the device /proc/swaps lists.
	 */
	char node[PATH_MAX];
	const char *rel;
	ssize_t n;
	int id;

	assert_true(sc_startswith(path, "/proc/self/fd/"));
	n = readlink(path, node, sizeof(node) - 1);
	assert_true(n > 0);
	node[n] = '\0';
	rel = rel_of(node);

	logf_("swapoff %s", rel);
	res->error = 0;
	res->signal = 0;
	if (should_fail()) {
		res->error = -F.fail_errno;
		return 0;
	}
	assert_int_equal(sscanf(rel, "/dev/zram%d", &id), 1);
	if (!F.dev[id].swapped) {
		res->error = -EINVAL;
		return 0;
	}
	F.dev[id].swapped = false;
	rewrite_swaps();
	return 0;
}

static int fake_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	char link[64], target[512];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	if (strstr(target, "/dev/zram")) {
		logf_("pwrite %s %zu@%jd", strstr(target, "/dev/zram"), len, (intmax_t)off);
		if (should_fail())
			return -F.fail_errno;
	}
	return sc_sys_real.pwrite_all(fd, buf, len, off);
}

static int fake_renameat(int od, const char *op, int nd, const char *np)
{
	logf_("rename %s", np);
	if (should_fail())
		return -F.fail_errno;
	return sc_sys_real.renameat(od, op, nd, np);
}

static int fake_run(char *const argv[])
{
	logf_("run %s %s", argv[0], argv[1]);
	if (should_fail())
		return 1;
	put("sys/class/zram-control/hot_add", "");
	put("sys/class/zram-control/hot_remove", "");
	add_dev(true);
	return 0;
}

static int fake_getrandom(void *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return 0;
}

static void fake_sleep(uint64_t ns)
{
	F.sleeps++;
}

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.root = sc_test_mkdtemp();
	put("proc/meminfo", "MemTotal:        4194304 kB\nMemAvailable:    4000000 kB\n");
	put("sys/class/zram-control/hot_add", "");
	put("sys/class/zram-control/hot_remove", "");
	put("run/.keep", "");
	rewrite_swaps();
	add_dev(true); /* zram0: somebody else's, never touched */
	F.sys = sc_sys_real;
	F.sys.write_attr = fake_write_attr;
	F.sys.read_attr = fake_read_attr;
	F.sys.swapon = fake_swapon;
	F.sys.swapoff = fake_swapoff;
	F.sys.pwrite_all = fake_pwrite_all;
	F.sys.renameat = fake_renameat;
	F.sys.run = fake_run;
	F.sys.getrandom = fake_getrandom;
	F.sys.sleep_ns = fake_sleep;
	assert_int_equal(sc_ctx_init(&F.ctx, &F.sys, NULL, F.root, NULL, NULL), 0);
	free(F.ctx.config_dir);
	assert_true(asprintf(&F.ctx.config_dir, "%s/etc/swapctl", F.root) > 0);
	put("etc/.keep", "");
	return 0;
}

static int teardown(void **state)
{
	sc_ctx_done(&F.ctx);
	sc_test_rmtree(F.root);
	free(F.root);
	return 0;
}

static char *read_rel(const char *rel)
{
	char *p, *s = NULL;

	assert_true(asprintf(&p, "%s/%s", F.root, rel) > 0);
	if (sc_read_file(p, 1 << 20, &s, NULL) < 0)
		s = NULL;
	free(p);
	return s;
}

/*
 * What the kernel saw from log index from on (sysfs, device and swap calls; the renames of
 * swapctl's own files left out), matched line by line as prefixes.
 */
static void assert_kernel_log(size_t from, const char *const *want, size_t n)
{
	size_t k = 0;

	for (size_t i = from; i < F.n_log; i++) {
		if (sc_startswith(F.log[i], "rename "))
			continue;
		if (k >= n || !sc_startswith(F.log[i], want[k])) {
			for (size_t j = from; j < F.n_log; j++)
				print_message("log[%zu] %s\n", j, F.log[j]);
			fail_msg("log[%zu] = '%s', want '%s'", i, F.log[i],
				k < n ? want[k] : "(end)");
		}
		k++;
	}
	if (k != n)
		fail_msg("%zu kernel calls, want %zu", k, n);
}

static const char *last_kernel_call(void)
{
	for (size_t i = F.n_log; i-- > 0;)
		if (!sc_startswith(F.log[i], "rename "))
			return F.log[i];
	return "";
}

static int run_add(const char *size, const char *alg, int prio, uint64_t mem_limit,
	const char *params, bool persist, struct sc_plan *plan, int *ret_dev, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_add_req req = {.persist = persist};
	int r;

	sc_zram_spec_init(&req.spec);
	if (size)
		assert_int_equal(sc_zram_parse_size_spec(size, &req.spec), 0);
	if (alg)
		snprintf(req.spec.algorithm, sizeof(req.spec.algorithm), "%s", alg);
	if (params)
		assert_int_equal(sc_zram_parse_params(params, req.spec.params), 0);
	req.spec.priority = prio;
	req.spec.mem_limit = mem_limit;
	r = sc_zram_observed_read(&F.ctx, &w, err);
	assert_int_equal(r, 0);
	r = sc_zram_plan_add(&F.ctx, &w, &req, plan, ret_dev, err);
	if (r == 0)
		r = sc_zram_apply(&F.ctx, &w, plan, false, err);
	sc_zram_observed_done(&w);
	return r;
}

static int run_remove(const int *ids, size_t n, bool all, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	int r;

	assert_int_equal(sc_zram_observed_read(&F.ctx, &w, err), 0);
	r = sc_zram_plan_remove(&F.ctx, &w, ids, n, all, plan, err);
	if (r == 0)
		r = sc_zram_apply(&F.ctx, &w, plan, false, err);
	sc_zram_observed_done(&w);
	return r;
}

static int run_boot(struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_boot_env env;
	struct sc_zram_skips skips = {0};
	int r, r2;

	assert_int_equal(sc_zram_observed_read(&F.ctx, &w, err), 0);
	assert_int_equal(sc_zram_boot_env_read(&F.ctx, &env), 0);
	r = sc_zram_plan_boot(&F.ctx, &w, &env, false, plan, &skips, err);
	r2 = sc_zram_apply(&F.ctx, &w, plan, true, err);
	assert_int_equal(skips.n, 0);
	sc_zram_skips_free(&skips);
	sc_zram_observed_done(&w);
	return r < 0 ? r : r2;
}

static void assert_zram0_untouched(void)
{
	assert_true(F.dev[0].exists);
	assert_false(F.dev[0].init);
	assert_string_equal(F.dev[0].alg, "lzo-rle");
	for (size_t i = 0; i < F.n_log; i++)
		if (strstr(F.log[i], "zram0"))
			fail_msg("zram0 touched: %s", F.log[i]);
}

static void test_add_order_and_result(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *swaps = NULL, *conf = NULL, *ids = NULL, *devfile = NULL;
	int dev = -2;
	static const char *const want[] = {
		"read /sys/class/zram-control/hot_add",
		"write /sys/block/zram1/comp_algorithm lz4",
		"write /sys/block/zram1/disksize 2147483648",
		"pwrite /dev/zram1 4096@0",
		"swapon /dev/zram1 100",
	};

	assert_int_equal(run_add(NULL, NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_kernel_log(0, want, ELEMENTSOF(want));
	assert_int_equal(dev, -1);
	assert_true(sc_plan_changed(&plan));
	for (size_t i = 0; i < plan.n; i++) {
		assert_true(plan.actions[i].done);
		if (plan.actions[i].kind != SC_ZRAM_CONFIG_ADD)
			assert_string_equal(plan.actions[i].target, "/dev/zram1");
	}
	assert_string_equal(sc_action_get(&plan.actions[1], "algorithm")->str, "lz4");

	/* auto on 4 GiB = 2 GiB, lz4 is the best this kernel offers, priority 100 */
	assert_true(F.dev[1].init && F.dev[1].swapped);
	assert_int_equal(F.dev[1].disksize, 2 * GiB);
	assert_string_equal(F.dev[1].alg, "lz4");
	swaps = read_rel("proc/swaps");
	assert_non_null(strstr(swaps, "/dev/zram1 "));
	conf = read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "\nsize=auto algorithm=auto priority=100 mem_limit=0\n"));
	ids = read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "\nzram1 diskseq=2 size=auto "));
	devfile = read_rel("dev/zram1");
	{
		struct sc_header_info info;
		assert_int_equal(sc_header_validate(devfile, 4096, 4096, 2 * GiB, &info), 0);
		assert_int_equal(info.npages, 2 * GiB / 4096);
	}
	assert_zram0_untouched();
	sc_plan_free(&plan);
}

static void test_add_twice_is_unchanged(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	size_t before;
	int dev = -2;

	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	before = F.n_log;
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_false(sc_plan_changed(&plan));
	assert_int_equal(dev, 1);
	assert_int_equal(F.n_log, before);
	sc_plan_free(&plan);

	/* a different request is another device */
	assert_int_equal(run_add("512M", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	assert_true(F.dev[2].swapped);
	assert_int_equal(F.dev[2].disksize, 512 * MiB);
	sc_plan_free(&plan);
	assert_zram0_untouched();
}

static void test_add_no_persist_then_persist(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	int dev;

	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_null(conf);
	sc_plan_free(&plan);
	/* the same request with persistence only adds the entry */
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.actions[0].kind, SC_ZRAM_CONFIG_ADD);
	assert_true(plan.actions[0].done);
	assert_int_equal(dev, 1);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "size=1073741824 "));
	sc_plan_free(&plan);
}

static void test_add_full_order(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;
	static const char *const want[] = {
		"read /sys/class/zram-control/hot_add",
		"write /sys/block/zram1/comp_algorithm lzo",
		"write /sys/block/zram1/algorithm_params level=2",
		"write /sys/block/zram1/mem_limit 268435456",
		"write /sys/block/zram1/disksize 1073741824",
		"pwrite /dev/zram1 4096@0",
		"swapon /dev/zram1 7",
	};

	assert_int_equal(
		run_add("25%", "lzo", 7, 256 * MiB, "level=2", true, &plan, &dev, &err), 0);
	assert_kernel_log(0, want, ELEMENTSOF(want));
	assert_int_equal(F.dev[1].mem_limit, 256 * MiB);
	assert_string_equal(F.dev[1].params, "level=2");
	sc_plan_free(&plan);
}

static void test_add_unsupported_algorithm(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	/* zram0 exists, so the offered list is known before creating anything */
	assert_int_equal(run_add(NULL, "zstd", 100, 0, NULL, true, &plan, &dev, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "lzo-rle, lzo, lz4"));
	assert_int_equal(F.n_log, 0);
	assert_int_equal(plan.n, 0);
	sc_plan_free(&plan);
}

static void test_add_unsupported_algorithm_late(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *ids = NULL;
	int dev;

	/* no device to ask beforehand: the new one is asked, then rolled back */
	F.dev[0].exists = false;
	render(0);
	assert_int_equal(run_add(NULL, "zstd", 100, 0, NULL, true, &plan, &dev, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "offers: lzo-rle, lzo, lz4"));
	assert_false(F.dev[0].exists);
	assert_string_equal(last_kernel_call(), "write /sys/class/zram-control/hot_remove 0");
	ids = read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "zram0 "));
	assert_false(sc_plan_changed(&plan));
	sc_plan_free(&plan);
}

/* Inject a failure at each step: everything is rolled back, the config untouched. */
static void test_add_rollback_each_step(void **state)
{
	static const struct {
		const char *step;
		int err;
	} t[] = {
		{"write /sys/block/zram1/comp_algorithm", EINVAL},
		{"write /sys/block/zram1/algorithm_params", EINVAL},
		{"write /sys/block/zram1/mem_limit", EINVAL},
		{"write /sys/block/zram1/disksize", ENOMEM}, {"pwrite /dev/zram1", EIO},
		{"swapon /dev/zram1", EINVAL},
		{"rename zram-ids", ENOSPC}, /* ownership cannot be recorded */
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_plan plan = {0};
		struct sc_err err = {0};
		_cleanup_free_ char *conf = NULL, *ids = NULL, *swaps = NULL;
		int dev, r;

		teardown(state);
		setup(state);
		put("etc/swapctl/zram.conf", "# mine\nsize=3G\n");
		F.fail_prefix = t[i].step;
		F.fail_errno = t[i].err;
		r = run_add(NULL, NULL, 100, 64 * MiB, "level=1", true, &plan, &dev, &err);
		if (r == 0)
			fail_msg("step %s: no failure", t[i].step);
		assert_null(F.fail_prefix);
		assert_false(F.dev[1].exists);
		assert_false(sc_plan_changed(&plan));
		conf = read_rel("etc/swapctl/zram.conf");
		assert_string_equal(conf, "# mine\nsize=3G\n");
		ids = read_rel("run/swapctl/zram-ids");
		assert_true(!ids || !strstr(ids, "zram1 "));
		swaps = read_rel("proc/swaps");
		assert_null(strstr(swaps, "zram1"));
		assert_string_equal(
			last_kernel_call(), "write /sys/class/zram-control/hot_remove 1");
		assert_zram0_untouched();
		sc_plan_free(&plan);
	}
}

/* The configuration is written last; if that fails the new device goes again. */
static void test_add_rollback_when_config_fails(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *ids = NULL;
	int dev;
	size_t n;

	put("etc/swapctl/zram.conf", "# mine\n");
	F.fail_prefix = "rename zram.conf";
	F.fail_errno = EIO;
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), -EIO);
	assert_non_null(strstr(err.msg, "zram.conf"));
	assert_false(F.dev[1].exists);
	assert_false(sc_plan_changed(&plan));
	assert_string_equal(F.log[F.n_log - 1], "rename zram-ids");
	assert_true(
		sc_startswith(F.log[F.n_log - 2], "write /sys/class/zram-control/hot_remove 1"));
	assert_true(sc_startswith(F.log[F.n_log - 3], "write /sys/block/zram1/reset 1"));
	assert_true(sc_startswith(F.log[F.n_log - 4], "swapoff /dev/zram1"));
	conf = read_rel("etc/swapctl/zram.conf");
	assert_string_equal(conf, "# mine\n");
	ids = read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "zram1 "));
	sc_plan_free(&plan);

	/* persisting a device that was already there: only the config fails, the device stays */
	memset(&err, 0, sizeof(err));
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	n = F.n_log;
	F.fail_prefix = "rename zram.conf";
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), -EIO);
	assert_int_equal(F.n_log, n + 1);
	assert_true(F.dev[1].swapped);
	sc_plan_free(&plan);
}

/*
 * priority /dev/zramN on a device swapctl created: its zram.conf entry and state entry take
 * the new priority, so boot finds the device for the entry and adds nothing; other
 * entries, foreign devices and a failed zram.conf write leave everything as it was.
 */
static void test_priority_updates_config(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	struct sc_zram_spec spec;
	char *conf, *ids;
	bool in_config;
	int dev = 1, unused;

	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &unused, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(run_add("2G", NULL, 100, 0, NULL, true, &plan, &unused, &err), 0);
	sc_plan_free(&plan);
	assert_true(F.dev[dev].swapped && F.dev[dev].disksize == 1 << 30);
	assert_int_equal(sc_zram_owned_spec(&F.ctx, dev, &spec, &in_config, &err), 1);
	assert_true(in_config);
	assert_int_equal(spec.priority, 100);

	assert_int_equal(sc_zram_set_priority(&F.ctx, dev, 7, &err), 1);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "\nsize=1073741824 algorithm=auto priority=7 mem_limit=0\n"));
	assert_non_null(
		strstr(conf, "\nsize=2147483648 algorithm=auto priority=100 mem_limit=0\n"));
	free(conf);
	ids = read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "size=1073741824 algorithm=auto priority=7 "));
	free(ids);
	assert_int_equal(run_boot(&plan, &err), 0);
	assert_int_equal(plan.n, 0);
	sc_plan_free(&plan);
	assert_int_equal(sc_zram_set_priority(&F.ctx, dev, 7, &err), 0);

	/* not swapctl's: nothing to record */
	assert_int_equal(sc_zram_owned_spec(&F.ctx, 9, &spec, &in_config, &err), 0);
	assert_int_equal(sc_zram_set_priority(&F.ctx, 9, 8, &err), 0);

	/* zram.conf cannot be replaced: the state entry goes back to 7 */
	conf = read_rel("etc/swapctl/zram.conf");
	F.fail_prefix = "rename zram.conf";
	F.fail_errno = EIO;
	assert_int_equal(sc_zram_set_priority(&F.ctx, dev, 8, &err), -EIO);
	assert_non_null(strstr(err.msg, "zram.conf"));
	ids = read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "size=1073741824 algorithm=auto priority=7 "));
	free(ids);
	ids = read_rel("etc/swapctl/zram.conf");
	assert_string_equal(ids, conf);
	free(ids);
	free(conf);
}

/* A knob the kernel lacks (algorithm_params before 6.12) is detected, not guessed. */
static void test_missing_algorithm_params(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	F.no_params_file = true;
	assert_int_equal(run_add("1G", NULL, 100, 0, "level=1", true, &plan, &dev, &err), -ENOENT);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "algorithm_params"));
	assert_false(F.dev[1].exists);
	for (size_t i = 0; i < F.n_log; i++)
		assert_null(strstr(F.log[i], "algorithm_params"));
	sc_plan_free(&plan);
	/* without params the same kernel is fine */
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_true(F.dev[1].swapped);
	sc_plan_free(&plan);
}

static void test_hot_add_lowest_free_id(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	/* zram0 and zram2 exist (foreign): the kernel hands out 1, and the plan says so */
	add_dev(true);
	add_dev(true);
	F.dev[1].exists = false;
	render(1);
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	assert_string_equal(plan.actions[0].target, "/dev/zram1");
	assert_true(F.dev[1].swapped);
	assert_false(F.dev[2].init);
	sc_plan_free(&plan);
}

static void test_hot_add_initialised_is_left_alone(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	F.hot_add_initialised = true;
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "already initialised"));
	/* not ours: neither configured nor reset nor removed */
	assert_true(F.dev[1].exists && F.dev[1].init);
	assert_int_equal(F.n_log, 1);
	sc_plan_free(&plan);
}

static void test_remove(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *ids = NULL;
	int dev, id = 1;
	size_t from;
	static const char *const want[] = {
		"swapoff /dev/zram1",
		"write /sys/block/zram1/reset 1",
		"write /sys/block/zram1/reset 1",
		"write /sys/block/zram1/reset 1",
		"write /sys/class/zram-control/hot_remove 1",
	};

	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	from = F.n_log;
	F.busy_left = 2; /* udev's probe holds it for a moment */
	assert_int_equal(run_remove(&id, 1, false, &plan, &err), 0);
	assert_kernel_log(from, want, ELEMENTSOF(want));
	assert_int_equal(F.sleeps, 2);
	assert_false(F.dev[1].exists);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "size=1073741824"));
	ids = read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "zram1 "));
	assert_true(sc_plan_changed(&plan));
	assert_zram0_untouched();
	sc_plan_free(&plan);
}

/* zram remove asks the swapoff safety gate (SPEC 7) about everything it swaps off. */
static void test_remove_gate(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0}, gerr = {0};
	struct sc_zram_observed w;
	bool overridden = true;
	int dev, id = 1;

	assert_int_equal(run_add("8G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	/* 5 GiB swapped out, 3.8 GiB available: swapoff would OOM */
	F.dev[1].used_kb = 5 * 1024 * 1024;
	rewrite_swaps();
	assert_int_equal(sc_zram_observed_read(&F.ctx, &w, &err), 0);
	assert_int_equal(sc_zram_plan_remove(&F.ctx, &w, &id, 1, false, &plan, &err), 0);
	assert_int_equal(sc_zram_gate(&F.ctx, &plan, false, &overridden, NULL, &gerr), -EPERM);
	assert_int_equal(gerr.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(gerr.msg, "/dev/zram1"));
	assert_false(overridden);
	memset(&gerr, 0, sizeof(gerr));
	assert_int_equal(sc_zram_gate(&F.ctx, &plan, true, &overridden, NULL, &gerr), 0);
	assert_true(overridden);
	assert_int_equal(gerr.kind, SC_EXIT_REFUSED);
	sc_plan_free(&plan);

	/* within what fits, the gate allows it */
	F.dev[1].used_kb = 1024;
	rewrite_swaps();
	sc_zram_observed_done(&w);
	assert_int_equal(sc_zram_observed_read(&F.ctx, &w, &err), 0);
	assert_int_equal(sc_zram_plan_remove(&F.ctx, &w, &id, 1, false, &plan, &err), 0);
	memset(&gerr, 0, sizeof(gerr));
	assert_int_equal(sc_zram_gate(&F.ctx, &plan, false, &overridden, NULL, &gerr), 0);
	assert_false(overridden);
	sc_zram_observed_done(&w);
	sc_plan_free(&plan);
}

static void test_remove_busy_gives_up(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	int dev, id = 1;

	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	F.busy_left = 1000; /* held open for good: a real user */
	assert_int_equal(run_remove(&id, 1, false, &plan, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "reset"));
	assert_int_equal(F.sleeps, 9);
	/* the entry stays in zram.conf and zram-ids: a re-run finishes the job */
	conf = read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "size=1073741824"));
	sc_plan_free(&plan);
	F.busy_left = 0;
	assert_int_equal(run_remove(&id, 1, false, &plan, &err), 0);
	assert_false(F.dev[1].exists);
	free(conf);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "size=1073741824"));
	sc_plan_free(&plan);
}

static void test_remove_all_only_ours(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	int dev, foreign;

	/* a foreign, active zram swap and a config entry without a device */
	foreign = add_dev(true);
	F.dev[foreign].init = true;
	F.dev[foreign].disksize = 64 * MiB;
	F.dev[foreign].swapped = true;
	render(foreign);
	rewrite_swaps();
	put("etc/swapctl/zram.conf", "size=5G\n");
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(run_remove(NULL, 0, true, &plan, &err), 0);
	assert_false(F.dev[2].exists);
	assert_true(F.dev[foreign].swapped && F.dev[foreign].exists);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "\nsize="));
	for (size_t i = 0; i < F.n_log; i++)
		if (strstr(F.log[i], "zram1") && !strstr(F.log[i], "rename"))
			fail_msg("foreign zram1 touched: %s", F.log[i]);
	assert_zram0_untouched();
	sc_plan_free(&plan);
}

/*
 * zram remove --all over three devices of swapctl's (two in zram.conf, one --no-persist) and
 * an entry no device stands for, when the first device cannot go: the others and the entry
 * still do, the first keeps its zram-ids and zram.conf entries, and a re-run finishes.
 */
static void remove_all_past_failure(bool swapoff_fails)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *ids = NULL;
	int dev;

	put("etc/swapctl/zram.conf", "size=5G\n");
	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(run_add("2G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(run_add("512M", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_true(F.dev[1].swapped && F.dev[2].swapped && F.dev[3].swapped);

	if (swapoff_fails) {
		/* the swapoff child runs out of memory bringing the pages back */
		F.fail_prefix = "swapoff /dev/zram1";
		F.fail_errno = ENOMEM;
	} else {
		F.dev[1].held = true; /* a program has the node open: reset answers EBUSY */
	}
	assert_int_equal(run_remove(NULL, 0, true, &plan, &err), swapoff_fails ? -ENOMEM : -EBUSY);
	assert_non_null(strstr(err.msg, "/dev/zram1"));
	assert_true(sc_plan_changed(&plan));
	assert_true(F.dev[1].exists);
	assert_int_equal(F.dev[1].swapped, swapoff_fails);
	assert_false(F.dev[2].exists || F.dev[3].exists);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "\nsize=1073741824 "));
	assert_null(strstr(conf, "size=536870912"));
	assert_null(strstr(conf, "size=5368709120"));
	ids = read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "\nzram1 "));
	assert_null(strstr(ids, "zram2 "));
	assert_null(strstr(ids, "zram3 "));
	sc_plan_free(&plan);

	/* once the device can go, the same command finishes the job */
	F.dev[1].held = false;
	memset(&err, 0, sizeof(err));
	assert_int_equal(run_remove(NULL, 0, true, &plan, &err), 0);
	assert_false(F.dev[1].exists);
	free(conf);
	free(ids);
	conf = read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "\nsize="));
	ids = read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "\nzram"));
	assert_zram0_untouched();
	sc_plan_free(&plan);
}

static void test_remove_all_past_busy_device(void **state)
{
	remove_all_past_failure(false);
}

static void test_remove_all_past_failed_swapoff(void **state)
{
	remove_all_past_failure(true);
}

/* Two devices that cannot go: the error names the first, its hint the second. */
static void test_remove_all_reports_each_failure(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	assert_int_equal(run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(run_add("2G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	F.dev[1].held = F.dev[2].held = true;
	assert_int_equal(run_remove(NULL, 0, true, &plan, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "/dev/zram1: reset"));
	assert_non_null(strstr(err.hint, "something holds /dev/zram1 open"));
	assert_non_null(strstr(err.hint, "also /dev/zram2: reset"));
	assert_false(F.dev[1].swapped || F.dev[2].swapped);
	sc_plan_free(&plan);
}

static void test_remove_foreign_named(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int id = 0, foreign;

	/* an inactive foreign device is refused */
	assert_int_equal(run_remove(&id, 1, false, &plan, &err), -EPERM);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_int_equal(F.n_log, 0);
	sc_plan_free(&plan);

	/* a named, active foreign swap is swapped off and reset, never hot_removed */
	memset(&err, 0, sizeof(err));
	foreign = add_dev(true);
	F.dev[foreign].init = true;
	F.dev[foreign].disksize = 64 * MiB;
	F.dev[foreign].swapped = true;
	render(foreign);
	rewrite_swaps();
	assert_int_equal(run_remove(&foreign, 1, false, &plan, &err), 0);
	assert_true(F.dev[foreign].exists);
	assert_false(F.dev[foreign].init || F.dev[foreign].swapped);
	assert_int_equal(F.n_log, 2);
	sc_plan_free(&plan);

	/* no such device */
	id = 6;
	assert_int_equal(run_remove(&id, 1, false, &plan, &err), -ENODEV);
	sc_plan_free(&plan);
}

static void test_stale_state_is_not_trusted(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int foreign = add_dev(true);

	/* zram-ids claims zram1, but the device now there has another diskseq */
	put("run/swapctl/zram-ids", "zram1 diskseq=1234 size=auto\n");
	F.dev[foreign].init = true;
	F.dev[foreign].swapped = true;
	F.dev[foreign].disksize = 64 * MiB;
	render(foreign);
	rewrite_swaps();
	assert_int_equal(run_remove(NULL, 0, true, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_true(F.dev[foreign].swapped);
	sc_plan_free(&plan);
}

static void test_boot_idempotent(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	size_t before;

	put("etc/swapctl/zram.conf", "size=1G algorithm=lzo\nsize=25% priority=50\n");
	assert_int_equal(run_boot(&plan, &err), 0);
	assert_true(F.dev[1].swapped && F.dev[2].swapped);
	assert_string_equal(F.dev[1].alg, "lzo");
	assert_int_equal(F.dev[1].disksize, GiB);
	assert_string_equal(F.dev[2].alg, "lz4");
	assert_int_equal(F.dev[2].disksize, GiB);
	sc_plan_free(&plan);

	before = F.n_log;
	assert_int_equal(run_boot(&plan, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_int_equal(F.n_log, before);
	assert_false(F.dev[3].exists);
	sc_plan_free(&plan);

	/* a swapctl device that went inactive is replaced */
	F.dev[1].swapped = false;
	rewrite_swaps();
	assert_int_equal(run_boot(&plan, &err), 0);
	assert_true(F.dev[1].swapped && F.dev[2].swapped);
	assert_false(F.dev[3].exists);
	assert_string_equal(plan.actions[0].action, "reset");
	assert_string_equal(plan.actions[1].action, "hot-remove");
	assert_string_equal(plan.actions[2].action, "hot-add");
	sc_plan_free(&plan);
	assert_zram0_untouched();
}

static void test_boot_keeps_going(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	/* the first entry cannot be created (disksize ENOMEM); the second still comes up */
	put("etc/swapctl/zram.conf", "size=1G\nsize=2G\n");
	F.fail_prefix = "write /sys/block/zram1/disksize";
	F.fail_errno = ENOMEM;
	assert_int_equal(run_boot(&plan, &err), -ENOMEM);
	assert_non_null(strstr(err.msg, "disksize"));
	/* zram1 was rolled back, so the second device got id 1 */
	assert_true(F.dev[1].swapped);
	assert_int_equal(F.dev[1].disksize, 2 * GiB);
	assert_false(F.dev[2].exists);
	sc_plan_free(&plan);
}

static void test_boot_loads_module(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	char *p;

	F.dev[0].exists = false;
	render(0);
	assert_true(asprintf(&p, "%s/sys/class/zram-control", F.root) > 0);
	sc_test_rmtree(p);
	free(p);
	put("etc/swapctl/zram.conf", "size=1G\n");
	assert_int_equal(run_boot(&plan, &err), 0);
	assert_string_equal(F.log[0], "run modprobe zram");
	assert_string_equal(plan.actions[0].action, "load-module");
	/* the module's own zram0 is not ours: the new device is zram1 */
	assert_true(F.dev[1].swapped);
	assert_false(F.dev[0].init);
	sc_plan_free(&plan);
}

static void test_offline_root(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	struct sc_zram_observed w;
	struct sc_zram_add_req req = {.persist = true};
	_cleanup_free_ char *conf = NULL;
	int dev;

	F.ctx.offline = true;
	sc_zram_spec_init(&req.spec);
	assert_int_equal(sc_zram_parse_size_spec("50%", &req.spec), 0);
	assert_int_equal(sc_zram_observed_read(&F.ctx, &w, &err), 0);
	assert_int_equal(sc_zram_plan_add(&F.ctx, &w, &req, &plan, &dev, &err), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.actions[0].kind, SC_ZRAM_CONFIG_ADD);
	assert_int_equal(sc_zram_apply(&F.ctx, &w, &plan, false, &err), 0);
	assert_int_equal(F.n_log, 1); /* the config rename, nothing in sysfs */
	conf = read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "size=50% "));
	sc_zram_observed_done(&w);
	sc_plan_free(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_order_and_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_twice_is_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_no_persist_then_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_full_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_unsupported_algorithm, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_add_unsupported_algorithm_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_rollback_each_step, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_add_rollback_when_config_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_updates_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_algorithm_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_add_lowest_free_id, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hot_add_initialised_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_busy_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_all_only_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_all_past_busy_device, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_remove_all_past_failed_swapoff, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_remove_all_reports_each_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_foreign_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_state_is_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_keeps_going, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_loads_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_root, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
