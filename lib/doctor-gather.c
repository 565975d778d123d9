/*
 * doctor: gathering the state (read-only). See doctor.h. The checks themselves are pure and
 * live in doctor.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "doctor.h"
#include "macro.h"
#include "util.h"

/* ---- small helpers ---- */

static bool root_exists(const struct sc_ctx *c, const char *abs)
{
	_cleanup_free_ char *p = sc_ctx_root_path(c, abs);
	struct stat st;

	return p && sc_ctx_stat(c, p, false, &st) == 0;
}

/* Is a unit enabled: <root>/etc/systemd/system/<any>.wants/<unit> exists. */
static bool unit_enabled(const struct sc_ctx *c, const char *unit)
{
	_cleanup_free_ char *dir = sc_ctx_root_path(c, "/etc/systemd/system");
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (!dir || sc_ctx_opendir(c, dir, &d) < 0)
		return false;
	while (!found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *p;
		struct stat st;

		if (n < 7 || strcmp(de->d_name + n - 6, ".wants") != 0)
			continue;
		if (asprintf(&p, "%s/%s/%s", dir, de->d_name, unit) < 0)
			break;
		found = sc_ctx_stat(c, p, false, &st) == 0;
		free(p);
	}
	closedir(d);
	return found;
}

/* ---- other swap managers: systemd, zram-generator or cloud-init may manage swap too ---- */

static int add_manager(
	struct sc_doctor_observed *s, const char *name, const char *evidence, bool active)
{
	struct sc_doctor_manager *m = realloc(s->managers, (s->n_managers + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	s->managers = m;
	m = &s->managers[s->n_managers];
	m->name = name;
	m->active = active;
	m->evidence = strdup(evidence);
	if (!m->evidence)
		return -ENOMEM;
	s->n_managers++;
	return 0;
}

static const char *first_existing(const struct sc_ctx *c, const char *const *paths)
{
	for (; *paths; paths++)
		if (root_exists(c, *paths))
			return *paths;
	return NULL;
}

/* The first "*.conf" in a directory under the root (malloc'd boot path) or NULL. */
static char *first_conf_in(const struct sc_ctx *c, const char *abs, const char *suffix)
{
	_cleanup_free_ char *dir = sc_ctx_root_path(c, abs);
	struct dirent *de;
	char *found = NULL;
	DIR *d;

	if (!dir || sc_ctx_opendir(c, dir, &d) < 0)
		return NULL;
	while (!found && (de = readdir(d))) {
		size_t n = strlen(de->d_name), sl = strlen(suffix);
		if (de->d_name[0] == '.' || n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
			continue;
		if (asprintf(&found, "%s/%s", abs, de->d_name) < 0)
			found = NULL;
	}
	closedir(d);
	return found;
}

static bool file_contains(const struct sc_ctx *c, const char *abs, const char *needle)
{
	_cleanup_free_ char *p = sc_ctx_root_path(c, abs), *text = NULL;

	return p && sc_ctx_read(c, p, 1 << 20, &text, NULL) == 0 && strstr(text, needle);
}

static int find_zram_generator(const struct sc_ctx *c, struct sc_doctor_observed *s)
{
	static const char *const configs[] = {"/etc/systemd/zram-generator.conf",
		"/usr/local/lib/systemd/zram-generator.conf",
		"/usr/lib/systemd/zram-generator.conf", NULL};
	static const char *const generators[] = {
		"/usr/lib/systemd/system-generators/zram-generator",
		"/lib/systemd/system-generators/zram-generator", NULL};
	_cleanup_free_ char *dropin = NULL, *units = NULL, *unit = NULL;
	const char *main = first_existing(c, configs);
	bool installed = first_existing(c, generators) != NULL, configured;

	/*
	 * Units it generated at the last boot or daemon-reload prove it is at work (on the
	 * running system: an offline image's /run is not this machine's).
	 */
	units = sc_ctx_sys_path(c, "/run/systemd/generator");
	if (!units)
		return -ENOMEM;
	if (!c->offline) {
		DIR *d = opendir(units);
		struct dirent *de;
		while (d && !unit && (de = readdir(d)))
			if (sc_startswith(de->d_name, "systemd-zram-setup@"))
				unit = strdup(de->d_name);
		if (d)
			closedir(d);
	}
	if (unit) {
		char *ev;
		int r;
		if (asprintf(&ev, "/run/systemd/generator/%s", unit) < 0)
			return -ENOMEM;
		r = add_manager(s, "zram-generator", ev, true);
		free(ev);
		return r;
	}
	dropin = first_conf_in(c, "/etc/systemd/zram-generator.conf.d", ".conf");
	if (!dropin)
		dropin = first_conf_in(c, "/usr/lib/systemd/zram-generator.conf.d", ".conf");
	if (!main && !dropin)
		return 0;
	/* An empty main file (Fedora's way to switch it off) configures no device. */
	configured = (main && file_contains(c, main, "[zram")) ||
		(dropin && file_contains(c, dropin, "[zram"));
	return add_manager(s, "zram-generator", main ? main : dropin, installed && configured);
}

static int find_managers(const struct sc_ctx *c, struct sc_doctor_observed *s)
{
	static const char *const zramswap_units[] = {"/usr/lib/systemd/system/zramswap.service",
		"/lib/systemd/system/zramswap.service", NULL};
	static const char *const dphys[] = {
		"/etc/dphys-swapfile", "/usr/sbin/dphys-swapfile", "/sbin/dphys-swapfile", NULL};
	static const char *const swapspace[] = {
		"/etc/swapspace.conf", "/usr/sbin/swapspace", "/usr/bin/swapspace", NULL};
	static const char *const systemd_swap[] = {"/etc/systemd/swap.conf",
		"/usr/lib/systemd/system/systemd-swap.service", "/usr/bin/systemd-swap",
		"/usr/share/systemd-swap/swap-default.conf", NULL};
	const char *p;
	int r;

	r = find_zram_generator(c, s);
	if (r < 0)
		return r;
	if (root_exists(c, "/etc/default/zramswap") || first_existing(c, zramswap_units)) {
		r = add_manager(s, "zram-tools",
			root_exists(c, "/etc/default/zramswap") ? "/etc/default/zramswap"
								: first_existing(c, zramswap_units),
			first_existing(c, zramswap_units) && unit_enabled(c, "zramswap.service"));
		if (r < 0)
			return r;
	}
	if ((p = first_existing(c, dphys))) {
		r = add_manager(s, "dphys-swapfile", p,
			unit_enabled(c, "dphys-swapfile.service") ||
				root_exists(c, "/etc/init.d/dphys-swapfile"));
		if (r < 0)
			return r;
	}
	if ((p = first_existing(c, swapspace))) {
		r = add_manager(s, "swapspace", p,
			unit_enabled(c, "swapspace.service") ||
				root_exists(c, "/etc/init.d/swapspace"));
		if (r < 0)
			return r;
	}
	if ((p = first_existing(c, systemd_swap))) {
		r = add_manager(s, "systemd-swap", p, unit_enabled(c, "systemd-swap.service"));
		if (r < 0)
			return r;
	}
	return 0;
}

/* cloud-init's mounts module creates swap from a top-level "swap:" key. */
static int find_cloud_init_file(
	const struct sc_ctx *c, struct sc_doctor_observed *s, const char *abs)
{
	_cleanup_free_ char *p = sc_ctx_root_path(c, abs), *text = NULL;
	unsigned line = 0;

	if (!p || sc_ctx_read(c, p, 4 << 20, &text, NULL) < 0)
		return 0;
	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n');
		line++;
		if (strncmp(l, "swap:", 5) == 0) {
			char *ev;
			int r;
			/* "swap:" followed by nothing but a comment or null is switched off. */
			const char *v = l + 5;
			while (*v == ' ' || *v == '\t')
				v++;
			if (sc_startswith(v, "null") || sc_startswith(v, "~"))
				return 0;
			if (asprintf(&ev, "%s line %u", abs, line) < 0)
				return -ENOMEM;
			r = add_manager(s, "cloud-init", ev, true);
			free(ev);
			return r;
		}
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

static int find_cloud_init(const struct sc_ctx *c, struct sc_doctor_observed *s)
{
	_cleanup_free_ char *dir = sc_ctx_root_path(c, "/etc/cloud/cloud.cfg.d");
	_cleanup_close_ int dirfd = -1;
	size_t before = s->n_managers;
	struct dirent **names = NULL;
	int n = 0, r;

	r = find_cloud_init_file(c, s, "/etc/cloud/cloud.cfg");
	if (r < 0 || !dir)
		return r < 0 ? r : -ENOMEM;
	dirfd = sc_ctx_open(c, dir, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd >= 0)
		n = scandirat(dirfd, ".", &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (r >= 0 && s->n_managers == before && len > 4 &&
			strcmp(names[i]->d_name + len - 4, ".cfg") == 0) {
			char *abs;
			if (asprintf(&abs, "/etc/cloud/cloud.cfg.d/%s", names[i]->d_name) < 0)
				r = -ENOMEM;
			else {
				r = find_cloud_init_file(c, s, abs);
				free(abs);
			}
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* ---- the kernel log ---- */

static void oom_free(struct sc_doctor_oom *o)
{
	free(o->task);
	free(o->memcg_path);
}

/* "key=value" out of a comma-separated "oom-kill:" line. */
static char *field_value(const char *line, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = line; (p = strstr(p, key)); p++) {
		if (p != line && p[-1] != ',' && p[-1] != ':')
			continue;
		if (p[n] != '=')
			continue;
		p += n + 1;
		return strndup(p, strcspn(p, ",\n"));
	}
	return NULL;
}

static struct sc_doctor_oom *oom_for(struct sc_doctor_observed *s, long pid)
{
	struct sc_doctor_oom *o;

	if (s->n_ooms > 0 && s->ooms[s->n_ooms - 1].pid == pid)
		return &s->ooms[s->n_ooms - 1];
	if (s->n_ooms == 5) { /* keep the last five */
		oom_free(&s->ooms[0]);
		memmove(s->ooms, s->ooms + 1, 4 * sizeof(*s->ooms));
		s->n_ooms--;
	}
	o = realloc(s->ooms, (s->n_ooms + 1) * sizeof(*o));
	if (!o)
		return NULL;
	s->ooms = o;
	o = &s->ooms[s->n_ooms++];
	memset(o, 0, sizeof(*o));
	o->pid = pid;
	o->cg_swappiness = -1;
	return o;
}

/*
 * The kernel reports a kill as "oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/x,
 * task_memcg=/x,task=NAME,pid=N,uid=U" (dump_oom_summary) followed by "Out of memory: Killed
 * process N (NAME) ..." or "Memory cgroup out of memory: Killed process N (NAME) ..."
 * (mm/oom_kill.c). /dev/kmsg prefixes each record with "prio,seq,usec,flags;".
 */
int sc_doctor_parse_kmsg(const char *text, struct sc_doctor_observed *s)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n'), *semi, *k;
		_cleanup_free_ char *l = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
		struct sc_doctor_oom *o;

		line = nl ? nl + 1 : NULL;
		if (!l)
			return -ENOMEM;
		if (l[0] == ' ') /* a record's "KEY=value" continuation */
			continue;
		semi = strchr(l, ';');
		k = semi && l[0] >= '0' && l[0] <= '9' ? semi + 1 : l;
		if (strstr(k, "oom-kill:")) {
			_cleanup_free_ char *pid = field_value(k, "pid"),
					    *task = field_value(k, "task");
			_cleanup_free_ char *cons = field_value(k, "constraint");
			char *end;
			long p;

			if (!pid)
				continue;
			p = strtol(pid, &end, 10);
			o = oom_for(s, p);
			if (!o)
				return -ENOMEM;
			if (task && !o->task)
				o->task = TAKE_PTR(task);
			if (cons && strcmp(cons, "CONSTRAINT_MEMCG") == 0) {
				o->memcg = true;
				free(o->memcg_path);
				o->memcg_path = field_value(k, "oom_memcg");
			}
		} else if ((k = strstr(l, "Killed process "))) {
			char *end, *open, *close;
			long p = strtol(k + 15, &end, 10);

			if (end == k + 15)
				continue;
			o = oom_for(s, p);
			if (!o)
				return -ENOMEM;
			if (strstr(l, "Memory cgroup out of memory"))
				o->memcg = true;
			open = strchr(end, '(');
			close = open ? strchr(open, ')') : NULL;
			if (open && close && !o->task)
				o->task = strndup(open + 1, (size_t)(close - open - 1));
		}
	}
	return 0;
}

static int read_cg(
	const struct sc_ctx *c, const char *hier, const char *cg, const char *file, char **ret)
{
	_cleanup_free_ char *rel = NULL, *p = NULL;

	if (asprintf(&rel, "/sys/fs/cgroup%s%s/%s", hier, strcmp(cg, "/") ? cg : "", file) < 0)
		return -ENOMEM;
	p = sc_ctx_sys_path(c, rel);
	if (!p)
		return -ENOMEM;
	return sc_read_line(p, ret);
}

/*
 * Why a cgroup was killed with swap free: its own settings forbid swapping. v1 keeps a
 * per-cgroup memory.swappiness (0: its reclaim never swaps, mm/vmscan.c get_scan_count) and
 * memory.memsw.limit_in_bytes (equal to the memory limit: no room for swap); v2 has
 * memory.swap.max. Read only while the cgroup still exists.
 */
static void read_oom_cgroups(const struct sc_ctx *c, struct sc_doctor_observed *s)
{
	for (size_t i = 0; i < s->n_ooms; i++) {
		struct sc_doctor_oom *o = &s->ooms[i];
		_cleanup_free_ char *v = NULL, *lim = NULL, *memsw = NULL;

		if (!o->memcg_path || o->memcg_path[0] != '/' || strstr(o->memcg_path, ".."))
			continue;
		if (read_cg(c, "/memory", o->memcg_path, "memory.swappiness", &v) == 0) {
			char *end;
			long n = strtol(v, &end, 10);
			if (end != v && n >= 0 && n <= 200)
				o->cg_swappiness = (int)n;
			if (read_cg(c, "/memory", o->memcg_path, "memory.limit_in_bytes", &lim) ==
					0 &&
				read_cg(c, "/memory", o->memcg_path, "memory.memsw.limit_in_bytes",
					&memsw) == 0)
				o->cg_no_swap = strcmp(lim, memsw) == 0 &&
					strcmp(lim, "9223372036854771712") != 0;
			continue;
		}
		if (read_cg(c, "", o->memcg_path, "memory.swap.max", &v) == 0 ||
			read_cg(c, "/unified", o->memcg_path, "memory.swap.max", &v) == 0)
			o->cg_no_swap = strcmp(v, "0") == 0;
	}
}

static int read_kmsg(const struct sc_ctx *c, struct sc_doctor_observed *s)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/dev/kmsg"), *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0, cap = 0;
	char buf[8192];

	if (!path)
		return -ENOMEM;
	/* Non-blocking: /dev/kmsg returns one record per read() and EAGAIN at the end. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: the record was overwritten while we read */
		if (n <= 0)
			break;
		if (len + (size_t)n + 2 > cap) {
			char *t;
			if (cap >= (8u << 20))
				break;
			cap = (len + (size_t)n + 2) * 2;
			t = realloc(text, cap);
			if (!t)
				return -ENOMEM;
			text = t;
		}
		memcpy(text + len, buf, (size_t)n);
		len += (size_t)n;
		if (text[len - 1] != '\n')
			text[len++] = '\n';
		text[len] = '\0';
	}
	s->kmsg_ok = true;
	if (text) {
		int r = sc_doctor_parse_kmsg(text, s);
		if (r < 0)
			return r;
	}
	read_oom_cgroups(c, s);
	return 0;
}

/* ---- swap areas ---- */

static int add_area(struct sc_doctor_observed *s, const char *path, struct sc_doctor_area **ret)
{
	struct sc_doctor_area *a = realloc(s->areas, (s->n_areas + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	s->areas = a;
	a = &s->areas[s->n_areas];
	memset(a, 0, sizeof(*a));
	a->fstab = -1;
	a->path = strdup(path);
	if (!a->path)
		return -ENOMEM;
	s->n_areas++;
	*ret = a;
	return 0;
}

/* stat, statfs, inode flags, ACL and encryption of one area, all read-only. */
static void inspect(const struct sc_ctx *c, struct sc_doctor_area *a)
{
	_cleanup_free_ char *full = NULL;
	_cleanup_close_ int pfd = -1, fd = -1;
	struct statx stx;
	struct statfs sfs;
	int flags = 0;

	if (a->path[0] != '/' || !(full = sc_ctx_root_path(c, a->path)))
		return;
	/* O_PATH: a look at the inode, never a read (a FIFO or device would block or act). */
	pfd = sc_ctx_open(c, full, O_PATH, 0);
	if (pfd < 0 ||
		c->sys->statx(pfd, "", AT_EMPTY_PATH,
			STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO, &stx) < 0)
		return;
	a->exists = true;
	a->mode = stx.stx_mode;
	a->uid = stx.stx_uid;
	a->ino = stx.stx_ino;
	a->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	a->rdev = makedev(stx.stx_rdev_major, stx.stx_rdev_minor);
	a->is_file = S_ISREG(stx.stx_mode);
	a->encrypted = (stx.stx_attributes_mask & STATX_ATTR_ENCRYPTED) &&
		(stx.stx_attributes & STATX_ATTR_ENCRYPTED);
	if (!a->is_file)
		return;
	fd = sc_ctx_open(c, full, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (c->sys->fstatfs(fd, &sfs) == 0)
		a->btrfs = (unsigned long)sfs.f_type == (unsigned long)BTRFS_SUPER_MAGIC;
	if (c->sys->ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		a->flags_known = true;
		a->nocow = flags & FS_NOCOW_FL;
		a->compressed = flags & FS_COMPR_FL;
	}
	/* Group bits in the mode may only be the ACL mask: an extended ACL is a grant too. */
	a->has_acl = fgetxattr(fd, "system.posix_acl_access", NULL, 0) > 0;
}

/*
 * An fstab source as a path: a path as is, UUID=/LABEL=/... through the udev links in
 * /dev/disk/by-* under the root (the CLI resolves tags with libblkid first where it can).
 */
static char *resolve_source(const struct sc_ctx *c, const char *src)
{
	_cleanup_free_ char *abs = NULL, *link = NULL, *next = NULL, *target = NULL;
	char *p;

	if (src[0] == '/') {
		p = strdup(src);
		if (p)
			sc_path_normalize(p);
		return p;
	}
	if (sc_fstab_tag_link(src, &abs) <= 0)
		return NULL;
	link = sc_ctx_root_path(c, abs);
	if (!link)
		return NULL;
	/* The link of the tree doctor looks at: an image's, inside the root. */
	if (sc_ctx_follow(c, link, &next, &target) <= 0)
		return NULL;
	if (target[0] == '/')
		p = strdup(target);
	else if (asprintf(&p, "%.*s%s", (int)(strrchr(abs, '/') - abs + 1), abs, target) < 0)
		p = NULL; /* "../../sda2", relative to the link's directory */
	if (p)
		sc_path_normalize(p);
	return p;
}

static bool same_area(const struct sc_doctor_area *a, const struct sc_doctor_area *b)
{
	if (strcmp(a->path, b->path) == 0)
		return true;
	if (!a->exists || !b->exists)
		return false;
	if (S_ISBLK(a->mode) && S_ISBLK(b->mode))
		return a->rdev == b->rdev;
	return a->is_file && b->is_file && a->dev == b->dev && a->ino == b->ino;
}

/* Paths the other managers create swap at (their defaults). */
static const char *owner_of(
	const struct sc_ctx *c, const struct sc_doctor_observed *s, const char *path)
{
	for (size_t i = 0; i < s->n_managers; i++) {
		const char *n = s->managers[i].name;

		if (strcmp(n, "dphys-swapfile") == 0) {
			_cleanup_free_ char *conf = sc_ctx_root_path(c, "/etc/dphys-swapfile");
			_cleanup_free_ char *text = NULL;
			const char *file = "/var/swap", *v;
			char own[PATH_MAX];

			if (conf && sc_ctx_read(c, conf, 1 << 20, &text, NULL) == 0 &&
				(v = strstr(text, "\nCONF_SWAPFILE=")) != NULL) {
				v += strlen("\nCONF_SWAPFILE=");
				snprintf(own, sizeof(own), "%.*s", (int)strcspn(v, " \t\n#"), v);
				file = own;
			}
			if (strcmp(path, file) == 0)
				return n;
		} else if (strcmp(n, "swapspace") == 0 &&
			sc_startswith(path, "/var/lib/swapspace/"))
			return n;
		else if (strcmp(n, "systemd-swap") == 0 &&
			sc_startswith(path, "/var/lib/systemd-swap/"))
			return n;
	}
	return NULL;
}

static int gather_areas(const struct sc_ctx *c, struct sc_doctor_observed *s)
{
	struct sc_doctor_area *a;
	int r;

	s->line_area = calloc(s->obs.n_entries + 1, sizeof(*s->line_area));
	if (!s->line_area)
		return -ENOMEM;
	for (size_t i = 0; i < s->obs.swaps.n; i++) {
		const struct sc_swap *w = &s->obs.swaps.items[i];

		r = add_area(s, w->path, &a);
		if (r < 0)
			return r;
		a->active = true;
		a->type = w->type;
		a->priority = w->priority;
		a->resolved = true;
		inspect(c, a);
		a->owner = owner_of(c, s, a->path);
	}
	for (size_t i = 0; i < s->obs.n_entries; i++) {
		const struct sc_obs_entry *l = &s->obs.entries[i];
		_cleanup_free_ char *path =
			l->device ? strdup(l->device) : resolve_source(c, l->source);
		struct sc_doctor_area probe = {0};
		ssize_t match = -1;

		s->line_area[i] = -1;
		if (!path)
			continue;
		probe.path = path;
		inspect(c, &probe);
		for (size_t j = 0; j < s->n_areas && match < 0; j++)
			if (same_area(&s->areas[j], &probe))
				match = (ssize_t)j;
		if (match < 0) {
			char *own;

			r = add_area(s, path, &a);
			if (r < 0)
				return r;
			own = a->path;
			*a = probe; /* what inspect() found, with the area's own copy of the path */
			a->path = own;
			a->fstab = -1;
			a->resolved = true;
			a->type = S_ISBLK(a->mode)
				? (sc_startswith(a->path, "/dev/zram") ? SC_SWAP_ZRAM
								       : SC_SWAP_PARTITION)
				: SC_SWAP_FILE;
			a->owner = owner_of(c, s, a->path);
			match = (ssize_t)(s->n_areas - 1);
		}
		s->line_area[i] = match;
		if (s->areas[match].fstab < 0)
			s->areas[match].fstab = (ssize_t)i;
	}
	return 0;
}

/* ---- entry points ---- */

static int read_sysctl(const struct sc_ctx *c, struct sc_doctor_observed *s, struct sc_err *err)
{
	struct sc_sysctl_observed *st = &s->sysctl;
	int r;

	/* The kernel's environment is the running one's: an offline image has only its drop-in. */
	if (!c->offline) {
		r = sc_sysctl_env_read(c, &st->env);
		if (r < 0)
			return r;
	}
	return sc_sysctl_dropin_load(c, &st->dropin, err);
}

int sc_doctor_gather(const struct sc_ctx *c, struct sc_doctor_observed *s, struct sc_err *err)
{
	struct sc_err ignored = {0};
	int r;

	s->offline = c->offline;
	if (s->obs.swaps_err < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -s->obs.swaps_err,
			"/proc/swaps: cannot read: %s", strerror(-s->obs.swaps_err));
	/*
	 * An offline root is an image: the running kernel's swap areas, memory, zones, OOM
	 * kills and zswap are this machine's, not the image's, and are not looked at.
	 */
	if (!c->offline) {
		s->mem_ok = s->obs.mem_err == 0;
		s->zones_ok = sc_zoneinfo_read(c, &s->zones) == 0;
		s->oom_counter_ok = sc_vmstat_read(c, "oom_kill", &s->oom_kills) == 0;
		r = read_kmsg(c, s);
		if (r < 0)
			return r;
	}
	r = read_sysctl(c, s, &ignored);
	if (r == -ENOMEM)
		return r;
	s->sysctl_ok = r == 0;
	s->boot_ok = sc_sysctl_boot_resolve(c, &s->boot) == 0;
	r = find_managers(c, s);
	if (r < 0)
		return r;
	r = find_cloud_init(c, s);
	if (r < 0)
		return r;
	r = gather_areas(c, s);
	if (r < 0)
		return r;
	return sc_drift_compute(&s->obs, &s->drift);
}

void sc_doctor_observed_done(struct sc_doctor_observed *s)
{
	sc_observation_done(&s->obs);
	sc_hibernate_observed_done(&s->hib);
	sc_drift_done(&s->drift);
	sc_sysctl_observed_done(&s->sysctl);
	sc_sysctl_boot_done(&s->boot);
	sc_zoneinfo_free(&s->zones);
	for (size_t i = 0; i < s->n_ooms; i++)
		oom_free(&s->ooms[i]);
	free(s->ooms);
	free(s->fstab_path);
	for (size_t i = 0; i < s->n_areas; i++)
		free(s->areas[i].path);
	free(s->areas);
	free(s->line_area);
	for (size_t i = 0; i < s->n_managers; i++)
		free(s->managers[i].evidence);
	free(s->managers);
	memset(s, 0, sizeof(*s));
}
