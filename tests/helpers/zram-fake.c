/* The fake zram of zram-fake.h. */
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
#include "zram-fake.h"

struct zram_fake zf;

static const char *const offered[] = {"lzo-rle", "lzo", "lz4"};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	assert_true(zf.n_log < ELEMENTSOF(zf.log));
	va_start(ap, fmt);
	vsnprintf(zf.log[zf.n_log++], sizeof(zf.log[0]), fmt, ap);
	va_end(ap);
}

static bool should_fail(void)
{
	if (zf.fail_prefix && sc_startswith(zf.log[zf.n_log - 1], zf.fail_prefix)) {
		zf.fail_prefix = NULL;
		return true;
	}
	return false;
}

void zf_put(const char *rel, const char *content)
{
	sc_test_write(zf.root, rel, content);
}

void zf_render(int id)
{
	struct fdev *d = &zf.dev[id];
	char rel[128], buf[256];

	snprintf(rel, sizeof(rel), "sys/block/zram%d", id);
	if (!d->exists) {
		char *p;
		assert_true(asprintf(&p, "%s/%s", zf.root, rel) > 0);
		sc_test_rmtree(p);
		free(p);
		snprintf(rel, sizeof(rel), "%s/dev/zram%d", zf.root, id);
		unlink(rel);
		return;
	}
	snprintf(rel, sizeof(rel), "sys/block/zram%d/disksize", id);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", d->disksize);
	zf_put(rel, buf);
	snprintf(rel, sizeof(rel), "sys/block/zram%d/initstate", id);
	zf_put(rel, d->init ? "1\n" : "0\n");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/diskseq", id);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", d->diskseq);
	zf_put(rel, buf);
	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(offered); i++) {
		bool cur = strcmp(offered[i], d->alg) == 0;
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s%s ", cur ? "[" : "",
			offered[i], cur ? "]" : "");
	}
	strcat(buf, "\n");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/comp_algorithm", id);
	zf_put(rel, buf);
	snprintf(rel, sizeof(rel), "sys/block/zram%d/mm_stat", id);
	snprintf(buf, sizeof(buf), "0 %" PRIu64 " 0 0 0 0 0 0 0\n", d->compr);
	zf_put(rel, buf);
	snprintf(rel, sizeof(rel), "sys/block/zram%d/algorithm_params", id);
	if (!zf.no_params_file)
		zf_put(rel, "");
	snprintf(rel, sizeof(rel), "sys/block/zram%d/reset", id);
	zf_put(rel, "");
	if (zf.recompress) {
		buf[0] = '\0';
		for (size_t i = 0; i < ELEMENTSOF(offered); i++) {
			bool cur = strcmp(offered[i], d->recomp) == 0;
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s%s%s",
				i ? " " : "#1: ", cur ? "[" : "", offered[i], cur ? "]" : "");
		}
		strcat(buf, "\n");
		snprintf(rel, sizeof(rel), "sys/block/zram%d/recomp_algorithm", id);
		zf_put(rel, buf);
		snprintf(rel, sizeof(rel), "sys/block/zram%d/recompress", id);
		zf_put(rel, "");
	}
	if (zf.writeback) {
		static const char *const wo[] = {
			"idle", "writeback", "writeback_limit", "writeback_limit_enable"};

		snprintf(rel, sizeof(rel), "sys/block/zram%d/backing_dev", id);
		snprintf(buf, sizeof(buf), "%s\n", d->backing[0] ? d->backing : "none");
		zf_put(rel, buf);
		snprintf(rel, sizeof(rel), "sys/block/zram%d/bd_stat", id);
		snprintf(buf, sizeof(buf), "%8" PRIu64 " %8u %8" PRIu64 "\n", d->bd_count, 0,
			d->bd_writes);
		zf_put(rel, buf);
		for (size_t i = 0; i < ELEMENTSOF(wo); i++) {
			snprintf(rel, sizeof(rel), "sys/block/zram%d/%s", id, wo[i]);
			if (i == 3)
				zf_put(rel, d->wb_limit_enable ? "1\n" : "0\n");
			else
				zf_put(rel, "");
		}
	}
	snprintf(rel, sizeof(rel), "dev/zram%d", id);
	{
		char *p;
		struct stat st;
		assert_true(asprintf(&p, "%s/%s", zf.root, rel) > 0);
		if (stat(p, &st) < 0)
			zf_put(rel, "");
		free(p);
	}
}

static void reset_defaults(struct fdev *d)
{
	d->init = false;
	d->disksize = 0;
	d->mem_limit = 0;
	d->params[0] = '\0';
	d->backing[0] = '\0';
	d->recomp[0] = '\0';
	d->compr = 0;
	d->wb_limit_enable = false;
	d->wb_limit = d->pages = d->idle = d->huge = d->bd_count = d->bd_writes = 0;
	snprintf(d->alg, sizeof(d->alg), "lzo-rle");
}

int zf_add_dev(bool foreign)
{
	int id = 0;

	while (id < MAXDEV && zf.dev[id].exists)
		id++;
	assert_true(id < MAXDEV);
	memset(&zf.dev[id], 0, sizeof(zf.dev[id]));
	zf.dev[id].exists = true;
	zf.dev[id].foreign = foreign;
	zf.dev[id].diskseq = ++zf.seq;
	reset_defaults(&zf.dev[id]);
	zf_render(id);
	return id;
}

static const char *rel_of(const char *path)
{
	size_t n = strlen(zf.root);

	assert_true(strncmp(path, zf.root, n) == 0);
	return path + n;
}

void zf_rewrite_swaps(void)
{
	char buf[2048] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

	for (int i = 0; i < MAXDEV; i++)
		if (zf.dev[i].exists && zf.dev[i].swapped)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				"/dev/zram%d                              partition\t%" PRIu64
				"\t\t%" PRIu64 "\t\t%d\n",
				i, zf.dev[i].disksize / 1024 - 4, zf.dev[i].used_kb,
				zf.dev[i].prio);
	zf_put("proc/swaps", buf);
}

static int fake_write_attr(const char *path, const char *value)
{
	const char *rel = rel_of(path);
	int id, n = 0;
	char attr[64];
	struct fdev *d;

	logf_("write %s %s", rel, value);
	if (should_fail())
		return -zf.fail_errno;
	if (strcmp(rel, "/sys/class/zram-control/hot_remove") == 0) {
		int64_t v;
		if (sc_parse_int(value, 0, MAXDEV - 1, &v) < 0)
			return v < 0 ? -EINVAL : -ENODEV;
		d = &zf.dev[v];
		if (!d->exists)
			return -ENODEV;
		if (d->swapped || d->held)
			return -EBUSY;
		if (zf.busy_left > 0) {
			zf.busy_left--;
			return -EBUSY;
		}
		d->exists = false;
		zf_render((int)v);
		return 0;
	}
	assert_int_equal(sscanf(rel, "/sys/block/zram%d/%63s%n", &id, attr, &n), 2);
	assert_true(id >= 0 && id < MAXDEV);
	d = &zf.dev[id];
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
		if (!zf.alg_write_ignored)
			snprintf(d->alg, sizeof(d->alg), "%s", value);
	} else if (strcmp(attr, "algorithm_params") == 0) {
		/* algo= must name the configured algorithm (6.12: no match is EINVAL) */
		if (sc_startswith(value, "algo=")) {
			size_t len = strcspn(value + 5, " ");

			if (strlen(d->alg) != len || strncmp(value + 5, d->alg, len) != 0)
				return -EINVAL;
			value += 5 + len + strspn(value + 5 + len, " ");
		}
		snprintf(d->params, sizeof(d->params), "%s", value);
	} else if (zf.recompress && strcmp(attr, "recomp_algorithm") == 0) {
		char alg[32];
		bool known = false;
		if (d->init)
			return -EBUSY;
		if (sscanf(value, "algo=%31s priority=1", alg) != 1)
			return -EINVAL;
		for (size_t i = 0; i < ELEMENTSOF(offered); i++)
			known |= strcmp(offered[i], alg) == 0;
		if (!known)
			return -EINVAL;
		snprintf(d->recomp, sizeof(d->recomp), "%s", alg);
	} else if (zf.recompress && strcmp(attr, "recompress") == 0) {
		char type[32], alg[32] = "";
		if (!d->init)
			return -EINVAL;
		/* any other type would recompress every slot: the test fails on it */
		if (sscanf(value, "type=%31s algo=%31s", type, alg) < 1 ||
			(strcmp(type, "idle") != 0 && strcmp(type, "huge") != 0 &&
				strcmp(type, "huge_idle") != 0))
			fail_msg("recompress '%s'", value);
		if (!d->recomp[0] || (alg[0] && strcmp(alg, d->recomp) != 0))
			return -EINVAL;
		d->compr /= 2;
	} else if (zf.writeback && strcmp(attr, "backing_dev") == 0) {
		if (d->init)
			return -EBUSY;
		snprintf(d->backing, sizeof(d->backing), "%s", value);
	} else if (zf.writeback && strcmp(attr, "writeback_limit_enable") == 0) {
		d->wb_limit_enable = strcmp(value, "1") == 0;
	} else if (zf.writeback && strcmp(attr, "writeback_limit") == 0) {
		int64_t v;
		if (sc_parse_int(value, 0, INT64_MAX, &v) < 0)
			return -EINVAL;
		d->wb_limit = (uint64_t)v;
	} else if (zf.writeback && strcmp(attr, "idle") == 0) {
		int64_t v;
		if (!d->init)
			return -EINVAL;
		if (strcmp(value, "all") == 0)
			d->idle = d->pages;
		else if (zf.no_idle_age || sc_parse_int(value, 1, INT64_MAX, &v) < 0)
			return -EINVAL;
		else
			d->idle = d->pages / 2; /* half of them untouched for that long */
	} else if (zf.writeback && strcmp(attr, "writeback") == 0) {
		uint64_t pages = 0;
		if (!d->init)
			return -EINVAL;
		if (!d->backing[0])
			return -ENODEV;
		if (strcmp(value, "idle") == 0)
			pages = d->idle;
		else if (strcmp(value, "huge") == 0)
			pages = d->huge;
		else if (strcmp(value, "huge_idle") == 0)
			pages = SC_MIN(d->huge, d->idle);
		else
			fail_msg("writeback mode '%s': the kernel would write back everything",
				value);
		if (d->wb_limit_enable) {
			if (d->wb_limit == 0 && pages > 0)
				return -EIO;
			pages = SC_MIN(pages, d->wb_limit);
			d->wb_limit -= pages;
		}
		d->pages -= pages;
		d->idle -= SC_MIN(d->idle, pages);
		d->bd_count += pages;
		d->bd_writes += pages;
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
		if (zf.busy_left > 0) {
			zf.busy_left--;
			return -EBUSY;
		}
		reset_defaults(d);
	} else
		fail_msg("unexpected attribute %s", attr);
	zf_render(id);
	return 0;
}

static int fake_read_attr(const char *path, char *buf, size_t len)
{
	int id;

	logf_("read %s", rel_of(path));
	if (should_fail())
		return -zf.fail_errno;
	assert_string_equal(rel_of(path), "/sys/class/zram-control/hot_add");
	id = zf_add_dev(false);
	if (zf.hot_add_initialised) {
		zf.dev[id].init = true;
		zf.dev[id].disksize = 4096 * 100;
		zf.dev[id].foreign = true;
		zf_render(id);
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
		return -zf.fail_errno;
	assert_int_equal(sscanf(rel, "/dev/zram%d", &id), 1);
	if (!zf.dev[id].init)
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
	zf.dev[id].swapped = true;
	zf.dev[id].prio = flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK : -2;
	zf_rewrite_swaps();
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
		res->error = -zf.fail_errno;
		return 0;
	}
	assert_int_equal(sscanf(rel, "/dev/zram%d", &id), 1);
	if (!zf.dev[id].swapped) {
		res->error = -EINVAL;
		return 0;
	}
	zf.dev[id].swapped = false;
	zf_rewrite_swaps();
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
			return -zf.fail_errno;
	}
	return sc_sys_real.pwrite_all(fd, buf, len, off);
}

static int fake_renameat(int od, const char *op, int nd, const char *np)
{
	logf_("rename %s", np);
	if (should_fail())
		return -zf.fail_errno;
	return sc_sys_real.renameat(od, op, nd, np);
}

static int fake_run(char *const argv[])
{
	logf_("run %s %s", argv[0], argv[1]);
	if (should_fail())
		return 1;
	zf_put("sys/class/zram-control/hot_add", "");
	zf_put("sys/class/zram-control/hot_remove", "");
	zf_add_dev(true);
	return 0;
}

static int fake_getrandom(void *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return 0;
}

static int fake_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r = sc_sys_real.fstatat(dirfd, path, st, flags);

	if (r == 0 && zf.blockdev && strcmp(path, zf.blockdev) == 0) {
		st->st_mode = S_IFBLK | 0660;
		st->st_rdev = zf.blockdev_rdev;
	}
	return r;
}

static void fake_sleep(uint64_t ns)
{
	zf.sleeps++;
}

int zf_setup(void **state)
{
	memset(&zf, 0, sizeof(zf));
	zf.root = sc_test_mkdtemp();
	zf_put("proc/meminfo", "MemTotal:        4194304 kB\nMemAvailable:    4000000 kB\n");
	zf_put("sys/class/zram-control/hot_add", "");
	zf_put("sys/class/zram-control/hot_remove", "");
	zf_put("run/.keep", "");
	zf_rewrite_swaps();
	zf_add_dev(true); /* zram0: somebody else's, never touched */
	zf.sys = sc_sys_real;
	zf.sys.write_attr = fake_write_attr;
	zf.sys.read_attr = fake_read_attr;
	zf.sys.swapon = fake_swapon;
	zf.sys.swapoff = fake_swapoff;
	zf.sys.pwrite_all = fake_pwrite_all;
	zf.sys.renameat = fake_renameat;
	zf.sys.run = fake_run;
	zf.sys.getrandom = fake_getrandom;
	zf.sys.sleep_ns = fake_sleep;
	zf.sys.fstatat = fake_fstatat;
	assert_int_equal(sc_ctx_init(&zf.ctx, &zf.sys, NULL, zf.root, NULL, NULL), 0);
	free(zf.ctx.config_dir);
	assert_true(asprintf(&zf.ctx.config_dir, "%s/etc/swapctl", zf.root) > 0);
	zf_put("etc/.keep", "");
	return 0;
}

int zf_teardown(void **state)
{
	sc_ctx_done(&zf.ctx);
	sc_test_rmtree(zf.root);
	free(zf.root);
	return 0;
}

char *zf_read_rel(const char *rel)
{
	char *p, *s = NULL;

	assert_true(asprintf(&p, "%s/%s", zf.root, rel) > 0);
	if (sc_read_file(p, 1 << 20, &s, NULL) < 0)
		s = NULL;
	free(p);
	return s;
}

/*
 * What the kernel saw from log index from on (sysfs, device and swap calls; the renames of
 * swapctl's own files left out), matched line by line as prefixes.
 */
void zf_assert_kernel_log(size_t from, const char *const *want, size_t n)
{
	size_t k = 0;

	for (size_t i = from; i < zf.n_log; i++) {
		if (sc_startswith(zf.log[i], "rename "))
			continue;
		if (k >= n || !sc_startswith(zf.log[i], want[k])) {
			for (size_t j = from; j < zf.n_log; j++)
				print_message("log[%zu] %s\n", j, zf.log[j]);
			fail_msg("log[%zu] = '%s', want '%s'", i, zf.log[i],
				k < n ? want[k] : "(end)");
		}
		k++;
	}
	if (k != n)
		fail_msg("%zu kernel calls, want %zu", k, n);
}

const char *zf_last_kernel_call(void)
{
	for (size_t i = zf.n_log; i-- > 0;)
		if (!sc_startswith(zf.log[i], "rename "))
			return zf.log[i];
	return "";
}

int zf_run_add(const char *size, const char *alg, int prio, uint64_t mem_limit, const char *params,
	bool persist, struct sc_plan *plan, int *ret_dev, struct sc_err *err)
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
	r = sc_zram_observed_read(&zf.ctx, &w, err);
	assert_int_equal(r, 0);
	r = sc_zram_plan_add(&zf.ctx, &w, &req, plan, ret_dev, err);
	if (r == 0)
		r = sc_zram_apply(&zf.ctx, &w, plan, false, err);
	sc_zram_observed_done(&w);
	return r;
}

int zf_run_remove(const int *ids, size_t n, bool all, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	int r;

	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, err), 0);
	r = sc_zram_plan_remove(&zf.ctx, &w, ids, n, all, plan, err);
	if (r == 0)
		r = sc_zram_apply(&zf.ctx, &w, plan, false, err);
	sc_zram_observed_done(&w);
	return r;
}

int zf_run_boot(struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_boot_env env;
	struct sc_zram_skips skips = {0};
	int r, r2;

	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, err), 0);
	assert_int_equal(sc_zram_boot_env_read(&zf.ctx, &env), 0);
	r = sc_zram_plan_boot(&zf.ctx, &w, &env, false, plan, &skips, err);
	r2 = sc_zram_apply(&zf.ctx, &w, plan, true, err);
	assert_int_equal(skips.n, 0);
	sc_zram_skips_free(&skips);
	sc_zram_observed_done(&w);
	return r < 0 ? r : r2;
}

void zf_assert_zram0_untouched(void)
{
	assert_true(zf.dev[0].exists);
	assert_false(zf.dev[0].init);
	assert_string_equal(zf.dev[0].alg, "lzo-rle");
	for (size_t i = 0; i < zf.n_log; i++)
		if (strstr(zf.log[i], "zram0"))
			fail_msg("zram0 touched: %s", zf.log[i]);
}
