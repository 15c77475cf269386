/*
 * cache: the on-disk snapshot of a validated config. It maps each name
 * (a tenant, or a group member) to the byte ranges of the config file that
 * hold everything about it: its [tenant] section, its groups' sections and
 * the [domain] sections of its machines, plus the range of [vmgate]. A
 * request then parses only those ranges of the file instead of all of it.
 *
 * A snapshot names the file it was made from by (st_dev, st_ino, st_size,
 * st_mtim, st_ctim) and is used only while the config's fstat still shows
 * exactly those, and only when it is a regular file owned by the config's
 * owner (root, or the effective user that owns the config), not writable
 * by group or others. Anything else, and the whole file is parsed, as
 * config_load does, and the snapshot is written anew when this process may
 * (it owns the config, i.e. root for /etc/vmgate/vmgate.ini).
 *
 * The ranges are parsed by config_parse, the same code as a full load, so a
 * scoped config gives the same answers for its tenant as the full one; it
 * knows no other tenant (config_keep_only), so it denies everyone else.
 */
#ifndef VMGATE_CACHE_H
#define VMGATE_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "vmgate/config.h"
#include "vmgate/mapfile.h"
#include "vmgate/util.h"

#define CACHE_SUFFIX	".snap"		/* snapshot of FILE: FILE.snap */
#define CACHE_SETTLE_SEC MAPFILE_SETTLE_SEC	/* see cache_write */
#define CACHE_MAX_BYTES	(256u << 20)

struct cache_range {
	uint32_t off;
	uint32_t len;
};

/* what one name needs, for cache_write */
struct cache_entry {
	const char *name;
	const struct cache_range *ranges;
	size_t nranges;
};

struct cache;

/*
 * Write the snapshot of the file described by st (whose [vmgate] range is
 * vmgate) to path, atomically (a temp file renamed over it). entries must
 * be sorted by name (strcmp) and unique. Refuses, returning -1, when the
 * file changed less than CACHE_SETTLE_SEC ago: a change in the same clock
 * tick would leave st_mtim and st_ctim as recorded.
 */
int cache_write(const char *path, const struct stat *st,
    struct cache_range vmgate, const struct cache_entry *entries,
    size_t nentries);

/* The snapshot at path if it may be trusted for the file st describes. */
struct cache *cache_open(const char *path, const struct stat *st);
void cache_close(struct cache *c);

struct cache_range cache_vmgate(const struct cache *c);
/* name's ranges (borrowed), or NULL with *n = 0 when the name is unknown */
const struct cache_range *cache_lookup(const struct cache *c,
    const char *name, size_t *n);

/*
 * config_load for one tenant: the [vmgate] settings and everything about
 * tenant (NULL: no tenant), from the snapshot's ranges when it is fresh,
 * else from the whole file (then *out is the full config). Same file checks,
 * messages and return values as config_load.
 */
int cache_load_config(const char *path, uid_t owner_ok, const char *tenant,
    struct config **out, struct diag *d);

/*
 * config_load, plus: writes the snapshot when this process owns the config
 * and there is no fresh one. For vmgate check, so that the admin's check
 * after an edit prepares the fast path for the next logins.
 */
int cache_load_full(const char *path, uid_t owner_ok, struct config **out,
    struct diag *d);

#endif
