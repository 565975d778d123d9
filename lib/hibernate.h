/*
 * Hibernation to a swapfile: observe -> plan -> apply, like the other mutating commands.
 *
 * What resume needs (swapctl(8), HIBERNATION):
 *  - resume= names the block device of the swapfile's filesystem and resume_offset= the
 *    physical page of the file's first page on it (lib/resume-offset.h). The kernel writes the
 *    image only into an active swap area on that device whose first extent starts at that
 *    offset; at boot, the initramfs resolves resume=UUID= and hands both to the kernel.
 *  - The boot reads them from the kernel command line: a GRUB drop-in
 *    (/etc/default/grub.d/swapctl-resume.cfg, GRUB_CMDLINE_LINUX, so recovery entries get it
 *    too; update-grub), /etc/kernel/cmdline where it exists (kernel-install, UKIs), and
 *    initramfs-tools' RESUME= (/etc/initramfs-tools/conf.d/zz-swapctl-resume, sorted after
 *    the installer's conf.d/resume; update-initramfs -u). initramfs-tools reads
 *    resume_offset only from the command line.
 *  - The running kernel takes /sys/power/resume_offset, then /sys/power/resume (MAJ:MIN);
 *    writing resume makes the kernel look for an image at once, harmless on an active swap
 *    area, so it is set live only for an active file, offset first.
 *  - swapctl keeps what it configured in <config_dir>/hibernate.conf (file, device, offset):
 *    doctor compares it with the file's offset now, rotate and resize move it to the
 *    replacement, remove refuses to retire the file without --force.
 *
 * sc_hibernate_observe() gathers (read only), sc_hibernate_plan() is pure, and
 * sc_hibernate_apply() carries the plan out through c->sys with sc_plan_apply(), rolling the
 * files and live values back on failure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "atomic.h"
#include "ctx.h"
#include "error.h"
#include "plan.h"

#define SC_HIB_CONFIG	      "hibernate.conf"
#define SC_HIB_GRUB_DROPIN    "/etc/default/grub.d/swapctl-resume.cfg"
#define SC_HIB_GRUB_DEFAULT   "/etc/default/grub"
#define SC_HIB_INITRAMFS_DIR  "/etc/initramfs-tools"
#define SC_HIB_INITRAMFS_CONF "/etc/initramfs-tools/conf.d/zz-swapctl-resume"
#define SC_HIB_KERNEL_CMDLINE "/etc/kernel/cmdline"

/* The running kernel's hibernation interface (/sys/power, /proc/cmdline, lockdown). */
struct sc_hib_power {
	bool present; /* /sys/power/resume exists: the kernel can hibernate at all */
	bool disk; /* /sys/power/state offers "disk": hibernation is allowed now */
	bool has_image_size;
	uint64_t image_size; /* /sys/power/image_size, bytes */
	bool has_resume;
	unsigned resume_major, resume_minor; /* /sys/power/resume */
	bool has_resume_offset;
	uint64_t resume_offset; /* /sys/power/resume_offset, pages */
	char lockdown[24]; /* the selected mode of /sys/kernel/security/lockdown, or "" */
	int secure_boot; /* the SecureBoot EFI variable: 1, 0, or -1 unknown */
	/* /proc/cmdline */
	bool nohibernate; /* nohibernate or hibernate=no */
	char *cmdline_resume; /* resume=VALUE, or NULL */
	bool has_cmdline_offset;
	uint64_t cmdline_offset;
	/* the node cmdline_resume names (UUID= through /dev/disk/by-uuid): 1, 0, -1 unknown */
	int cmdline_resume_exists;
};

/* One swapfile that can be a resume target. */
struct sc_hib_file {
	char *path; /* as the booted system sees it */
	char *full; /* below the root */
	bool exists;
	bool active; /* in /proc/swaps (live) */
	bool in_fstab; /* an fstab swap entry names it */
	bool managed; /* that entry is swapctl's */
	uint64_t size; /* bytes: the active size, or the file's size */
	uint64_t used; /* bytes swapped out to it (active) */
	/* where it lives: the filesystem's block device */
	bool located;
	unsigned major, minor; /* the block device's number */
	char device[128]; /* its node, "/dev/vda1" */
	char uuid[64]; /* the filesystem's UUID, "" when it has none */
	/* resume offset in pages, or offset_err (-errno) with offset_msg */
	bool has_offset;
	uint64_t offset;
	int offset_err;
	struct sc_err offset_msg;
};

/* A configuration file of the boot (or swapctl's record), as it is now. */
struct sc_hib_conf {
	char *full; /* below the root */
	bool exists;
	char *text; /* NULL when missing */
	size_t len;
	struct sc_file_id id;
};

/* What swapctl recorded in hibernate.conf. */
struct sc_hib_record {
	bool present;
	char *file; /* path as the booted system sees it */
	char *resume; /* "UUID=..." */
	uint64_t offset;
};

struct sc_hib_observed {
	bool offline;
	struct sc_hib_power power;
	struct sc_hib_file *files; /* the candidates: active swapfiles, fstab swapfiles */
	size_t n_files;
	bool grub; /* /etc/default/grub exists: GRUB is the boot loader */
	bool initramfs_tools; /* /etc/initramfs-tools exists */
	struct sc_hib_conf grub_dropin, initramfs_conf, kernel_cmdline, record_conf;
	struct sc_hib_conf grub_default; /* /etc/default/grub: a resume= of its own? */
	struct sc_hib_record record;
};

/*
 * Observe: the power interface (live), the named file (when given: full, below the root) and
 * every other swapfile that is active or in fstab (fstab_files, n: boot paths of the fstab's
 * swap entries that are files; the CLI reads the fstab), the boot configuration files and
 * swapctl's record. Offsets are computed for every candidate that exists. 0, or -errno with err.
 */
int sc_hibernate_observe(const struct sc_ctx *c, const char *full, const char *const *fstab_files,
	const bool *fstab_managed, size_t n, struct sc_hib_observed *ret, struct sc_err *err);
void sc_hibernate_observed_done(struct sc_hib_observed *o);
/* Why /sys/power/state offers no "disk", as far as the kernel says (a sentence part). */
void sc_hib_why_blocked(const struct sc_hib_power *pw, char *buf, size_t len);
/* Read the running kernel's hibernation interface (what observe puts in o->power). */
void sc_hib_power_read(const struct sc_ctx *c, struct sc_hib_power *ret);
void sc_hib_power_done(struct sc_hib_power *p);
/*
 * Can the running kernel hibernate at all (pure)? 0, or -EOPNOTSUPP (no CONFIG_HIBERNATION)
 * or -EPERM (disk not offered: lockdown, Secure Boot, nohibernate) with err, SC_EXIT_REFUSED.
 * Offline (an image) always 0: its kernel is not this one.
 */
int sc_hib_power_check(const struct sc_hib_power *pw, bool offline, struct sc_err *err);
/* The candidate whose boot path is path, or NULL. */
const struct sc_hib_file *sc_hib_find(const struct sc_hib_observed *o, const char *path);

struct sc_hib_request {
	const char *file; /* boot path, or NULL: swapctl's record, else the best active one */
	bool no_bootloader; /* leave the GRUB drop-in and /etc/kernel/cmdline alone */
	bool regenerate; /* run update-initramfs -u / update-grub for what changed */
	bool off; /* remove swapctl's resume configuration */
};

/* The resume target a plan configures. */
struct sc_hib_target {
	const struct sc_hib_file *file;
	char resume[160]; /* "UUID=..." (or the device node when the filesystem has no UUID) */
	char devno[24]; /* "254:1" */
	uint64_t offset;
	char cmdline[224]; /* "resume=UUID=... resume_offset=N" */
};

struct sc_hib_plan {
	struct sc_plan plan;
	bool has_target; /* not for --off */
	struct sc_hib_target target;
	/* commands the boot needs run for the files changed ("update-grub") */
	const char *regenerate[3];
	size_t n_regenerate;
	char **notes; /* warnings to print */
	size_t n_notes;
};

/*
 * Plan req against o: pick or check the target (a swapfile, active on a live system or in
 * fstab for an image, of at least image_size, with a computable offset), the files to write
 * (only those whose content differs: a second run plans nothing), the live values, the
 * regeneration runs (req->regenerate) and notes. Refusals: SC_EXIT_REFUSED; bad FILE:
 * SC_EXIT_USAGE. 0, or -errno with err.
 */
int sc_hibernate_plan(const struct sc_hib_request *req, const struct sc_hib_observed *o,
	struct sc_hib_plan *ret, struct sc_err *err);
void sc_hibernate_plan_done(struct sc_hib_plan *p);

/* Apply p (all or nothing: on failure every done action is undone). 0, or -errno with err. */
int sc_hibernate_apply(const struct sc_ctx *c, const struct sc_hib_observed *o,
	struct sc_hib_plan *p, struct sc_err *err);

/* The text of each file a target needs (malloc'd; NULL when out of memory). */
char *sc_hib_grub_text(const struct sc_hib_target *t);
char *sc_hib_initramfs_text(const struct sc_hib_target *t);
char *sc_hib_record_text(const struct sc_hib_target *t);
/*
 * /etc/kernel/cmdline with every resume= and resume_offset= replaced by cmdline (NULL:
 * removed); the rest of the line kept as written.
 */
char *sc_hib_kernel_cmdline_text(const char *old, const char *cmdline);
/* Parse hibernate.conf's text: 0, or -EINVAL with err naming the line. */
int sc_hib_record_parse(const char *text, struct sc_hib_record *ret, struct sc_err *err);
void sc_hib_record_done(struct sc_hib_record *r);
/* Read <config_dir>/hibernate.conf (missing: ret->present false). 0, or -errno with err. */
int sc_hib_record_load(const struct sc_ctx *c, struct sc_hib_record *ret, struct sc_err *err);
