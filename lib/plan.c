/* Typed action lists: the table of action names and the rendering of payloads. See plan.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static const char *const names[SC_ACT_MAX] = {
	[SC_SWAPFILE_ACT_MKDIR] = "mkdir",
	[SC_SWAPFILE_ACT_CREATE] = "create",
	[SC_SWAPFILE_ACT_SWAPON] = "swapon",
	[SC_SWAPFILE_ACT_FSTAB_ADD] = "fstab-add",
	[SC_SWAPFILE_ACT_FSTAB_UPDATE] = "fstab-update",
	[SC_SWAPFILE_ACT_SWAPOFF] = "swapoff",
	[SC_SWAPFILE_ACT_FSTAB_REMOVE] = "fstab-remove",
	[SC_SWAPFILE_ACT_UNLINK] = "unlink",
	[SC_ROT_ACT_CREATE] = "create",
	[SC_ROT_ACT_SWAPON] = "swapon",
	[SC_ROT_ACT_FSTAB_REPLACE] = "fstab-replace",
	[SC_ROT_ACT_FSTAB_UPDATE] = "fstab-update",
	[SC_ROT_ACT_SWAPOFF] = "swapoff",
	[SC_ROT_ACT_UNLINK] = "unlink",
	[SC_ROT_ACT_ZRAM_CONFIG] = "zram-config",
	[SC_ZRAM_LOAD_MODULE] = "load-module",
	[SC_ZRAM_HOT_ADD] = "hot-add",
	[SC_ZRAM_SET_ALGORITHM] = "set-algorithm",
	[SC_ZRAM_SET_PARAMS] = "set-algorithm-params",
	[SC_ZRAM_SET_RECOMP_ALGORITHM] = "set-recomp-algorithm",
	[SC_ZRAM_SET_BACKING_DEV] = "set-backing-dev",
	[SC_ZRAM_SET_WRITEBACK_LIMIT] = "set-writeback-limit",
	[SC_ZRAM_SET_MEM_LIMIT] = "set-mem-limit",
	[SC_ZRAM_SET_DISKSIZE] = "set-disksize",
	[SC_ZRAM_MKSWAP] = "mkswap",
	[SC_ZRAM_SWAPON] = "swapon",
	[SC_ZRAM_SWAPOFF] = "swapoff",
	[SC_ZRAM_RESET] = "reset",
	[SC_ZRAM_HOT_REMOVE] = "hot-remove",
	[SC_ZRAM_CONFIG_ADD] = "config-add",
	[SC_ZRAM_CONFIG_REMOVE] = "config-remove",
	[SC_ZRAM_MARK_IDLE] = "mark-idle",
	[SC_ZRAM_WRITEBACK] = "writeback",
	[SC_ZRAM_RECOMPRESS] = "recompress",
	[SC_ZSWAP_SET_PARAM] = "set-param",
	[SC_ZSWAP_CONFIG] = "config-write",
	[SC_SYSCTL_SET_LIVE] = "set-live",
	[SC_SYSCTL_WRITE_DROPIN] = "write-dropin",
	[SC_HIB_WRITE_CONF] = "write-config",
	[SC_HIB_REMOVE_CONF] = "remove-config",
	[SC_HIB_SET_LIVE] = "set-live",
	[SC_HIB_REGENERATE] = "run",
};

const char *sc_act_name(enum sc_act kind)
{
	return kind > 0 && kind < SC_ACT_MAX && names[kind] ? names[kind] : "unknown";
}

struct sc_action *sc_plan_add(struct sc_plan *p, enum sc_act kind, const char *target)
{
	struct sc_action *a, *n = realloc(p->actions, (p->n + 1) * sizeof(*n));

	if (!n)
		return NULL;
	p->actions = n;
	a = &p->actions[p->n];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->action = sc_act_name(kind);
	a->target = strdup(target ? target : "");
	if (!a->target)
		return NULL;
	p->n++;
	return a;
}

int sc_action_strdup(struct sc_action *a, const char *s, const char **ret)
{
	size_t i;

	if (!s) {
		*ret = NULL;
		return 0;
	}
	for (i = 0; i < SC_ACTION_MAX_STRINGS && a->strings[i]; i++)
		;
	if (i == SC_ACTION_MAX_STRINGS)
		return -ENOMEM; /* a payload with more strings than the slots: a programming error */
	a->strings[i] = strdup(s);
	if (!a->strings[i])
		return -ENOMEM;
	*ret = a->strings[i];
	return 0;
}

/* ---- Rendering ---- */

struct fields {
	struct sc_field *f;
	size_t n;
	int r;
};

static struct sc_field *push(struct fields *o, const char *key, enum sc_field_type type)
{
	struct sc_field *n;

	if (o->r < 0)
		return NULL;
	n = realloc(o->f, (o->n + 1) * sizeof(*n));
	if (!n) {
		o->r = -ENOMEM;
		return NULL;
	}
	o->f = n;
	n = &o->f[o->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->key = strdup(key);
	if (!n->key) {
		o->r = -ENOMEM;
		return NULL;
	}
	o->n++;
	return n;
}

static void put_str(struct fields *o, const char *key, const char *value)
{
	struct sc_field *f;

	if (!value)
		return;
	f = push(o, key, SC_FIELD_STR);
	if (f && !(f->str = strdup(value)))
		o->r = -ENOMEM;
}

static void put_int(struct fields *o, const char *key, int64_t value)
{
	struct sc_field *f = push(o, key, SC_FIELD_INT);

	if (f)
		f->num = value;
}

static void put_u64(struct fields *o, const char *key, uint64_t value)
{
	put_int(o, key, value > INT64_MAX ? INT64_MAX : (int64_t)value);
}

static void put_bool(struct fields *o, const char *key, bool value)
{
	struct sc_field *f = push(o, key, SC_FIELD_BOOL);

	if (f)
		f->num = value;
}

/* A field present only when true. */
static void put_flag(struct fields *o, const char *key, bool value)
{
	if (value)
		put_bool(o, key, true);
}

static void render(const struct sc_action *a, struct fields *o)
{
	const typeof(a->u) *u = &a->u;

	put_flag(o, "recovery", a->recovery);
	switch (a->kind) {
	case SC_SWAPFILE_ACT_MKDIR:
		put_str(o, "mode", "0700");
		put_bool(o, "subvolume", u->mkdir.subvolume);
		break;
	case SC_SWAPFILE_ACT_CREATE:
		put_u64(o, "size_bytes", u->create.size);
		put_u64(o, "page_size", u->create.page_size);
		put_u64(o, "reserve_bytes", u->create.reserve);
		put_str(o, "filesystem", u->create.filesystem);
		put_str(o, "mode", "0600");
		put_flag(o, "nocow", u->create.nocow);
		put_str(o, "label", u->create.label);
		if (u->create.uuid[0])
			put_str(o, "uuid", u->create.uuid);
		put_flag(o, "zero_filled", u->create.zero_filled);
		break;
	case SC_SWAPFILE_ACT_SWAPON:
		put_int(o, "priority", u->swapon.priority);
		if (u->swapon.discard != SC_DISCARD_NONE)
			put_str(o, "discard", sc_discard_name(u->swapon.discard));
		put_u64(o, "size_bytes", u->swapon.size);
		put_flag(o, "zero_filled", u->swapon.zero_filled);
		break;
	case SC_SWAPFILE_ACT_FSTAB_ADD:
	case SC_SWAPFILE_ACT_FSTAB_UPDATE:
		put_str(o, "path", u->fstab_set.path);
		put_int(o, "priority", u->fstab_set.priority);
		if (u->fstab_set.discard != SC_DISCARD_NONE)
			put_str(o, "discard", sc_discard_name(u->fstab_set.discard));
		break;
	case SC_SWAPFILE_ACT_SWAPOFF:
		put_u64(o, "size_bytes", u->swapoff.size);
		put_u64(o, "used_bytes", u->swapoff.used);
		put_int(o, "priority", u->swapoff.priority);
		break;
	case SC_SWAPFILE_ACT_FSTAB_REMOVE:
		put_str(o, "path", u->fstab_remove.path);
		put_bool(o, "managed", u->fstab_remove.managed);
		break;
	case SC_SWAPFILE_ACT_UNLINK:
		put_u64(o, "size_bytes", u->unlink.size);
		break;
	case SC_ROT_ACT_CREATE:
		put_u64(o, "size_bytes", u->rot_create.size);
		put_str(o, "replaces", u->rot_create.replaces);
		break;
	case SC_ROT_ACT_SWAPON:
		put_int(o, "priority", u->rot_swapon.priority);
		if (u->rot_swapon.has_old_priority)
			put_int(o, "old_priority", u->rot_swapon.old_priority);
		put_str(o, "discard", sc_discard_name(u->rot_swapon.discard));
		break;
	case SC_ROT_ACT_FSTAB_REPLACE:
		put_str(o, "old_source", u->fstab_replace.old_source);
		put_str(o, "new_source", u->fstab_replace.new_source);
		put_int(o, "priority", u->fstab_replace.priority);
		break;
	case SC_ROT_ACT_FSTAB_UPDATE:
		put_str(o, "source", u->fstab_update.source);
		put_int(o, "priority", u->fstab_update.priority);
		break;
	case SC_ROT_ACT_SWAPOFF:
		put_u64(o, "used_bytes", u->rot_swapoff.used);
		break;
	case SC_ROT_ACT_ZRAM_CONFIG:
		put_str(o, "device", u->zram_config.device);
		put_int(o, "priority", u->zram_config.priority);
		break;
	case SC_ZSWAP_SET_PARAM:
		put_str(o, "value", u->zswap_param.value);
		put_str(o, "previous", u->zswap_param.previous);
		break;
	case SC_ZSWAP_CONFIG:
		if (u->zswap_config.enabled >= 0)
			put_bool(o, "enabled", u->zswap_config.enabled);
		put_str(o, "compressor", u->zswap_config.compressor);
		if (u->zswap_config.max_pool_percent >= 0)
			put_int(o, "max_pool_percent", u->zswap_config.max_pool_percent);
		break;
	case SC_SYSCTL_SET_LIVE:
		put_str(o, "key", u->sysctl_live.key);
		put_int(o, "old", u->sysctl_live.old);
		put_int(o, "new", u->sysctl_live.new);
		break;
	case SC_SYSCTL_WRITE_DROPIN:
		put_str(o, "key", u->sysctl_dropin.key);
		if (u->sysctl_dropin.has_old)
			put_int(o, "old", u->sysctl_dropin.old);
		if (u->sysctl_dropin.has_new)
			put_int(o, "new", u->sysctl_dropin.new);
		put_str(o, "profile", u->sysctl_dropin.profile);
		break;
	case SC_HIB_WRITE_CONF:
	case SC_HIB_REMOVE_CONF:
		put_str(o, "purpose", u->hib_conf.purpose);
		put_str(o, "setting", u->hib_conf.setting);
		break;
	case SC_HIB_SET_LIVE:
		put_str(o, "old", u->hib_live.old);
		put_str(o, "new", u->hib_live.new);
		break;
	case SC_ZRAM_HOT_ADD:
	case SC_ZRAM_CONFIG_ADD:
		put_str(o, "entry", u->zram.entry);
		break;
	case SC_ZRAM_CONFIG_REMOVE:
		put_str(o, "entry", u->zram.entry);
		put_str(o, "device", u->zram.device ? u->zram.device : "");
		break;
	case SC_ZRAM_SET_ALGORITHM:
		put_str(o, "algorithm", u->zram.algorithm);
		break;
	case SC_ZRAM_SET_PARAMS:
		put_str(o, "params", u->zram.params);
		break;
	case SC_ZRAM_SET_RECOMP_ALGORITHM:
		put_str(o, "algorithm", u->zram.algorithm);
		break;
	case SC_ZRAM_SET_BACKING_DEV:
		put_str(o, "backing_dev", u->zram.backing_dev);
		break;
	case SC_ZRAM_SET_WRITEBACK_LIMIT:
		put_u64(o, "writeback_limit_bytes", u->zram.writeback_limit);
		break;
	case SC_ZRAM_MARK_IDLE:
		if (u->zram.idle_seconds > 0)
			put_int(o, "idle_seconds", u->zram.idle_seconds);
		else
			put_str(o, "idle", "all");
		break;
	case SC_ZRAM_WRITEBACK:
		put_str(o, "mode", u->zram.mode);
		if (u->zram.has_written)
			put_u64(o, "written_bytes", u->zram.written);
		put_flag(o, "limit_reached", u->zram.limit_reached);
		break;
	case SC_ZRAM_RECOMPRESS:
		put_str(o, "mode", u->zram.mode);
		put_str(o, "algorithm", u->zram.algorithm);
		if (u->zram.has_saved)
			put_u64(o, "saved_bytes", u->zram.saved);
		break;
	case SC_ZRAM_SET_MEM_LIMIT:
		put_u64(o, "mem_limit_bytes", u->zram.mem_limit);
		break;
	case SC_ZRAM_SET_DISKSIZE:
	case SC_ZRAM_MKSWAP:
		put_u64(o, "size_bytes", u->zram.size);
		break;
	case SC_ZRAM_SWAPON:
		put_int(o, "priority", u->zram.priority);
		break;
	case SC_ZRAM_SWAPOFF:
		put_u64(o, "used_bytes", u->zram.used);
		break;
	default: /* no payload */
		break;
	}
}

int sc_action_fields(const struct sc_action *a, struct sc_field **ret, size_t *ret_n)
{
	struct fields o = {0};

	render(a, &o);
	if (o.r < 0) {
		sc_fields_free(o.f, o.n);
		return o.r;
	}
	*ret = o.f;
	*ret_n = o.n;
	return 0;
}

void sc_fields_free(struct sc_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].key);
		free(f[i].str);
	}
	free(f);
}

bool sc_plan_changed(const struct sc_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->actions[i].done)
			return true;
	return false;
}

void sc_plan_free(struct sc_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct sc_action *a = &p->actions[i];

		for (size_t j = 0; j < SC_ACTION_MAX_STRINGS; j++)
			free(a->strings[j]);
		free(a->target);
	}
	free(p->actions);
	p->actions = NULL;
	p->n = 0;
}

/* ---- The applier ---- */

int sc_plan_undo(struct sc_plan *p, const struct sc_applier *ops, struct sc_err *err)
{
	int ret = 0;

	for (size_t i = p->n; i-- > 0;) {
		struct sc_action *a = &p->actions[i];
		struct sc_err e = {0};
		int r;

		if (!a->done)
			continue;
		r = ops->undo ? ops->undo(ops->data, a, &e) : 0;
		if (r < 0) {
			if (!ret)
				sc_err_hint(err,
					"rolling back failed too (%s %s: %s); swapctl status shows "
					"what is left",
					a->action, a->target, e.msg[0] ? e.msg : strerror(-r));
			if (!ret)
				ret = r;
			continue;
		}
		a->done = false;
	}
	return ret;
}

int sc_plan_apply(struct sc_plan *p, const struct sc_applier *ops, struct sc_err *err)
{
	for (size_t i = 0; i < p->n; i++) {
		struct sc_action *a = &p->actions[i];
		int r = ops->run(ops->data, a, err);

		if (r < 0) {
			if (err && !err->msg[0])
				sc_err_set(err, SC_EXIT_FAILURE, -r, "%s %s: %s", a->action,
					a->target, strerror(-r));
			sc_plan_undo(p, ops, err);
			return r;
		}
		a->done = r == 0;
	}
	return 0;
}
