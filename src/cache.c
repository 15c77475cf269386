/*
 * cache: the config snapshot file (see cache.h). Layout, all integers in
 * host order (the file never leaves the machine that wrote it):
 *
 *     header     struct snap_header
 *     entries    struct snap_entry[nentries], sorted by name
 *     ranges     struct cache_range[nranges]
 *     pool       the names, each NUL-terminated
 *
 * Everything read from the file is bounds-checked before use: a corrupt
 * snapshot is refused (the caller then parses the whole config), it never
 * points outside itself.
 */
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmgate/cache.h"
#include "vmgate/mapfile.h"
#include "vmgate/util.h"

#define SNAP_MAGIC	"VMGSNAP3"

struct snap_header {
	struct mapfile_head head;	/* of the config file */
	uint32_t vmgate_off, vmgate_len;
	uint32_t nentries, nranges, pool_len, total_len;
};

struct snap_entry {
	uint32_t name_off;
	uint32_t name_len;
	uint32_t range_first;
	uint32_t nranges;
};

struct cache {
	const unsigned char *map;
	size_t len;
	const struct snap_header *h;
	const struct snap_entry *entries;
	const struct cache_range *ranges;
	const char *pool;
};

int
cache_write(const char *path, const struct stat *st,
    struct cache_range vmgate, const struct cache_entry *entries,
    size_t nentries)
{
	struct snap_header h;
	struct snap_entry *ev = NULL;
	struct cache_range *rv = NULL;
	char *pool = NULL;
	size_t i, j, nranges = 0, pool_len = 0, k = 0, p = 0, total;
	int r;

	memset(&h, 0, sizeof(h));
	if (mapfile_head_init(&h.head, SNAP_MAGIC, st) != 0)
		return -1;
	for (i = 0; i < nentries; i++) {
		nranges += entries[i].nranges;
		pool_len += strlen(entries[i].name) + 1;
	}
	total = sizeof(h) + nentries * sizeof(*ev) + nranges * sizeof(*rv) +
	    pool_len;
	if (total > CACHE_MAX_BYTES)
		return -1;
	h.vmgate_off = vmgate.off;
	h.vmgate_len = vmgate.len;
	h.nentries = (uint32_t)nentries;
	h.nranges = (uint32_t)nranges;
	h.pool_len = (uint32_t)pool_len;
	h.total_len = (uint32_t)total;
	ev = xcalloc(nentries + 1, sizeof(*ev));
	rv = xcalloc(nranges + 1, sizeof(*rv));
	pool = xmalloc(pool_len + 1);
	for (i = 0; i < nentries; i++) {
		size_t n = strlen(entries[i].name);

		ev[i].name_off = (uint32_t)p;
		ev[i].name_len = (uint32_t)n;
		ev[i].range_first = (uint32_t)k;
		ev[i].nranges = (uint32_t)entries[i].nranges;
		memcpy(pool + p, entries[i].name, n + 1);
		p += n + 1;
		for (j = 0; j < entries[i].nranges; j++)
			rv[k++] = entries[i].ranges[j];
	}
	{
		const struct mapfile_part parts[] = {
			{ &h, sizeof(h) },
			{ ev, nentries * sizeof(*ev) },
			{ rv, nranges * sizeof(*rv) },
			{ pool, pool_len },
		};

		r = mapfile_write(path, parts, sizeof(parts) /
		    sizeof(parts[0]));
	}
	free(pool);
	free(rv);
	free(ev);
	return r;
}

/* the header agrees with the file it describes and with itself */
static int
check_header(const struct snap_header *h, size_t len, const struct stat *st)
{
	uint64_t need;

	if (!mapfile_head_ok(&h->head, SNAP_MAGIC, st))
		return -1;
	need = (uint64_t)sizeof(*h) +
	    (uint64_t)h->nentries * sizeof(struct snap_entry) +
	    (uint64_t)h->nranges * sizeof(struct cache_range) + h->pool_len;
	if (need != len || h->total_len != len)
		return -1;
	if ((uint64_t)h->vmgate_off + h->vmgate_len > h->head.ident.size)
		return -1;
	return 0;
}

struct cache *
cache_open(const char *path, const struct stat *st)
{
	struct cache *c = NULL;
	size_t len;
	void *map;

	/* whoever could write the config may write its snapshot, nobody else */
	map = mapfile_open(path, st->st_uid, sizeof(struct snap_header),
	    CACHE_MAX_BYTES, &len);
	if (map == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->map = map;
	c->len = len;
	c->h = map;
	if (check_header(c->h, c->len, st) != 0) {
		cache_close(c);
		return NULL;
	}
	c->entries = (const struct snap_entry *)(c->map + sizeof(*c->h));
	c->ranges = (const struct cache_range *)(c->entries +
	    c->h->nentries);
	c->pool = (const char *)(c->ranges + c->h->nranges);
	return c;
}

void
cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	mapfile_close(c->map, c->len);
	free(c);
}

struct cache_range
cache_vmgate(const struct cache *c)
{
	struct cache_range r = { c->h->vmgate_off, c->h->vmgate_len };

	return r;
}

/* entry i's name, or NULL when it points outside the pool */
static const char *
entry_name(const struct cache *c, size_t i)
{
	const struct snap_entry *e = &c->entries[i];

	if ((uint64_t)e->name_off + e->name_len >= c->h->pool_len ||
	    c->pool[e->name_off + e->name_len] != '\0')
		return NULL;
	return c->pool + e->name_off;
}

const struct cache_range *
cache_lookup(const struct cache *c, const char *name, size_t *n)
{
	const struct snap_entry *e;
	const char *s;
	size_t lo = 0, hi = c->h->nentries, mid;
	int cmp;

	*n = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((s = entry_name(c, mid)) == NULL)
			return NULL;
		cmp = strcmp(name, s);
		if (cmp == 0) {
			e = &c->entries[mid];
			if ((uint64_t)e->range_first + e->nranges >
			    c->h->nranges)
				return NULL;
			*n = e->nranges;
			return c->ranges + e->range_first;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- snapshots of a config ---- */

struct header_line {
	int line;
	size_t off;
};

/* a section's range as the snapshot stores it (the config is < 4 GiB) */
static struct cache_range
range_of(struct text_range r)
{
	struct cache_range c = { (uint32_t)r.off, (uint32_t)r.len };

	return c;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct cache_range *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

static void
add_range(struct cache_range **v, size_t *n, struct cache_range r)
{
	if (r.len == 0)
		return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = r;
}

static void
add_domains(const struct config *cfg, const struct grant *g,
    struct cache_range **v, size_t *n)
{
	const struct domain_conf *dc;
	size_t i;

	for (i = 0; i < g->ndomains; i++) {
		if ((dc = config_domain(cfg, g->domains[i])) != NULL)
			add_range(v, n, range_of(dc->range));
	}
}

/* the [media] sections a grant names: its list, or all of them for "*" */
static void
add_media(const struct config *cfg, const struct grant *g,
    struct cache_range **v, size_t *n)
{
	const struct media_conf *m;
	size_t i;

	for (i = 0; g->all_media && i < cfg->nmedia; i++)
		add_range(v, n, range_of(cfg->media[i].range));
	for (i = 0; i < g->nmedia; i++) {
		if ((m = config_media(cfg, g->media[i])) != NULL)
			add_range(v, n, range_of(m->range));
	}
}

/* Snapshot of cfg, just parsed whole from the file st describes. */
static void
snapshot_write(const char *snap, const struct stat *st,
    const struct config *cfg)
{
	struct cache_entry *entries = NULL;
	struct cache_range **ranges = NULL;
	const struct tenant *t;
	const struct grant *g;
	size_t i, j, o, *nranges = NULL;

	entries = xcalloc(cfg->ntenants + 1, sizeof(*entries));
	ranges = xcalloc(cfg->ntenants + 1, sizeof(*ranges));
	nranges = xcalloc(cfg->ntenants + 1, sizeof(*nranges));
	for (i = 0; i < cfg->ntenants; i++) {
		t = &cfg->tenants[i];
		/* an implicit tenant's range is empty: add_range skips it */
		add_range(&ranges[i], &nranges[i], range_of(t->range));
		add_domains(cfg, &t->grant, &ranges[i], &nranges[i]);
		add_media(cfg, &t->grant, &ranges[i], &nranges[i]);
		for (j = 0; j < t->ngroups; j++) {
			g = &cfg->groups[t->groups[j]].grant;
			add_range(&ranges[i], &nranges[i],
			    range_of(cfg->groups[t->groups[j]].range));
			add_domains(cfg, g, &ranges[i], &nranges[i]);
			add_media(cfg, g, &ranges[i], &nranges[i]);
		}
		/* file order, each section once */
		if (nranges[i] > 1)
			qsort(ranges[i], nranges[i], sizeof(**ranges),
			    cmp_range);
		for (j = o = 0; j < nranges[i]; j++) {
			if (o == 0 || ranges[i][o - 1].off != ranges[i][j].off)
				ranges[i][o++] = ranges[i][j];
		}
		nranges[i] = o;
		entries[i].name = t->name;
		entries[i].ranges = ranges[i];
		entries[i].nranges = nranges[i];
	}
	(void)cache_write(snap, st, range_of(cfg->vmgate_range), entries,
	    cfg->ntenants);
	for (i = 0; i < cfg->ntenants; i++)
		free(ranges[i]);
	free(ranges);
	free(nranges);
	free(entries);
}

/* append range r of fd to *buf, ending it with a newline */
static int
read_range(int fd, struct cache_range r, char **buf, size_t *len)
{
	*buf = xreallocarray(*buf, *len + r.len + 2, 1);
	if (mapfile_pread(fd, *buf + *len, r.len, (off_t)r.off) != 0)
		return -1;
	*len += r.len;
	if (*len > 0 && (*buf)[*len - 1] != '\n')
		(*buf)[(*len)++] = '\n';
	return 0;
}

/*
 * The scoped config from the snapshot's ranges. -1 when anything is not
 * as the snapshot promised: the caller then parses the whole file.
 */
static int
scoped_parse(int fd, const char *path, const struct stat *st,
    const struct cache *c, const char *tenant, struct config **out)
{
	const struct cache_range *rv = NULL;
	struct config *cfg = NULL;
	struct stat now;
	struct diag quiet;
	char *buf = NULL;
	size_t len = 0, n = 0, i;
	int r = -1;

	diag_init(&quiet);
	if (read_range(fd, cache_vmgate(c), &buf, &len) != 0)
		goto out;
	if (tenant != NULL && name_valid(tenant))
		rv = cache_lookup(c, tenant, &n);
	for (i = 0; i < n; i++) {
		if ((uint64_t)rv[i].off + rv[i].len > (uint64_t)st->st_size ||
		    read_range(fd, rv[i], &buf, &len) != 0)
			goto out;
	}
	/* the file must not have changed while the ranges were read */
	if (fstat(fd, &now) != 0 || !mapfile_ident_same(&c->h->head.ident, &now))
		goto out;
	if (config_parse(path, buf, len, &cfg, &quiet) != 0)
		goto out;
	config_keep_only(cfg, n > 0 ? tenant : NULL);
	*out = cfg;
	r = 0;
 out:
	diag_clear(&quiet);
	free(buf);
	return r;
}

/*
 * The file is still what st described: a change that landed between the
 * fstat and the end of the read would leave a snapshot of one text under
 * the identity of another.
 */
static bool
unchanged_since(int fd, const struct stat *st)
{
	struct mapfile_ident then;
	struct stat now;

	mapfile_ident_of(&then, st);
	return fstat(fd, &now) == 0 && mapfile_ident_same(&then, &now);
}

/* full: the whole config, even when the snapshot is fresh */
static int
load(const char *path, uid_t owner_ok, bool full, const char *tenant,
    struct config **out, struct diag *d)
{
	struct cache *c = NULL;
	struct stat st;
	char *snap = NULL, *buf = NULL;
	size_t len = 0;
	int fd, r = -1;

	*out = NULL;
	if ((fd = config_open(path, owner_ok, &st, d)) == -1)
		return -1;
	snap = xasprintf("%s%s", path, CACHE_SUFFIX);
	if (!full && (c = cache_open(snap, &st)) != NULL &&
	    scoped_parse(fd, path, &st, c, tenant, out) == 0) {
		r = 0;
		goto out;
	}
	if (config_read_fd(fd, path, &st, &buf, &len, d) != 0 ||
	    config_parse(path, buf, len, out, d) != 0)
		goto out;
	r = 0;
	/* only whoever owns the config may vouch for it, only for the text
	 * it read; a fresh one stays */
	if (geteuid() == st.st_uid && unchanged_since(fd, &st) &&
	    (c != NULL || (c = cache_open(snap, &st)) == NULL))
		snapshot_write(snap, &st, *out);
 out:
	cache_close(c);
	close(fd);
	free(buf);
	free(snap);
	return r;
}

int
cache_load_config(const char *path, uid_t owner_ok, const char *tenant,
    struct config **out, struct diag *d)
{
	return load(path, owner_ok, false, tenant, out, d);
}

int
cache_load_full(const char *path, uid_t owner_ok, struct config **out,
    struct diag *d)
{
	return load(path, owner_ok, true, NULL, out, d);
}
