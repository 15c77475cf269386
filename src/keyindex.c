/*
 * keyindex: the key directory index file (see keyindex.h). Layout, host
 * byte order (the file never leaves the machine that wrote it):
 *
 *     header     struct ix_header
 *     blobs      struct ix_blob[nblobs], sorted by base64
 *     links      uint32_t[nlinks], tenant numbers of each blob
 *     tenants    struct ix_tenant[ntenants], sorted by name
 *     files      uint32_t[nfiles], pool offsets of each tenant's file names
 *     pool       NUL-terminated strings
 *
 * Every offset read from the file is checked before use; a damaged index
 * is refused, and the caller reads the whole directory as without one.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmgate/keyindex.h"
#include "vmgate/mapfile.h"
#include "vmgate/util.h"

#define IX_MAGIC	"VMGKIDX3"

struct ix_header {
	struct mapfile_head head;	/* of the key directory */
	uint32_t nblobs, nlinks, ntenants, nfiles, pool_len, total_len;
};

struct ix_blob {
	uint32_t str;
	uint32_t link_first;
	uint32_t nlinks;
	uint32_t type;		/* pool offsets: the key's type, fingerprint */
	uint32_t fingerprint;
};

struct ix_tenant {
	uint32_t str;
	uint32_t file_first;
	uint32_t nfiles;
};

struct keyindex {
	const unsigned char *map;
	size_t len;
	const struct ix_header *h;
	const struct ix_blob *blobs;
	const uint32_t *links;
	const struct ix_tenant *tenants;
	const uint32_t *files;
	const char *pool;
};

char *
keyindex_path(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (n == 0)
		return NULL;
	return xasprintf("%.*s%s", (int)n, dir, KEYINDEX_SUFFIX);
}

/* ---- writing ---- */

struct pool {
	char *buf;
	size_t len, cap;
};

static uint32_t
pool_add(struct pool *p, const char *s)
{
	size_t n = strlen(s) + 1, at = p->len;

	if (p->len + n > p->cap) {
		p->cap = (p->len + n) * 2;
		p->buf = xreallocarray(p->buf, p->cap, 1);
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	return (uint32_t)at;
}

static int
cmp_key(const void *a, const void *b)
{
	const struct keyindex_key *x = a, *y = b;
	int c = strcmp(x->base64, y->base64);

	return c != 0 ? c : strcmp(x->tenant, y->tenant);
}

static int
cmp_file(const void *a, const void *b)
{
	const struct keyindex_file *x = a, *y = b;
	int c = strcmp(x->tenant, y->tenant);

	return c != 0 ? c : strcmp(x->name, y->name);
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* index of tenant in the sorted, unique names, which must hold it */
static uint32_t
tenant_number(const char **names, size_t n, const char *tenant)
{
	const char **hit = bsearch(&tenant, names, n, sizeof(*names),
	    cmp_cstr);

	return (uint32_t)(hit - names);
}

int
keyindex_write(const char *path, const struct stat *dir_st,
    const struct keyindex_key *keys, size_t nkeys,
    const struct keyindex_file *files, size_t nfiles)
{
	struct keyindex_key *kv = NULL;
	struct keyindex_file *fv = NULL;
	struct ix_blob *bv = NULL;
	struct ix_tenant *tv = NULL;
	uint32_t *lv = NULL, *flv = NULL;
	const char **names = NULL;
	struct pool pool = { NULL, 0, 0 };
	struct ix_header h;
	size_t i, nb = 0, nl = 0, nt = 0, nn = 0, total;
	int r = -1;

	memset(&h, 0, sizeof(h));
	if (mapfile_head_init(&h.head, IX_MAGIC, dir_st) != 0)
		return -1;
	kv = xcalloc(nkeys + 1, sizeof(*kv));
	memcpy(kv, keys, nkeys * sizeof(*kv));
	fv = xcalloc(nfiles + 1, sizeof(*fv));
	memcpy(fv, files, nfiles * sizeof(*fv));
	if (nkeys > 1)
		qsort(kv, nkeys, sizeof(*kv), cmp_key);
	if (nfiles > 1)
		qsort(fv, nfiles, sizeof(*fv), cmp_file);
	/* every tenant named by a file or a key, sorted and unique */
	names = xcalloc(nkeys + nfiles + 1, sizeof(*names));
	for (i = 0; i < nfiles; i++)
		names[nn++] = fv[i].tenant;
	for (i = 0; i < nkeys; i++)
		names[nn++] = kv[i].tenant;
	if (nn > 1)
		qsort(names, nn, sizeof(*names), cmp_cstr);
	for (i = 0; i < nn; i++) {
		if (nt == 0 || strcmp(names[nt - 1], names[i]) != 0)
			names[nt++] = names[i];
	}
	tv = xcalloc(nt + 1, sizeof(*tv));
	flv = xcalloc(nfiles + 1, sizeof(*flv));
	for (i = 0; i < nt; i++)
		tv[i].str = pool_add(&pool, names[i]);
	for (i = 0; i < nfiles; i++) {
		uint32_t t = tenant_number(names, nt, fv[i].tenant);

		if (tv[t].nfiles == 0)
			tv[t].file_first = (uint32_t)i;
		tv[t].nfiles++;
		flv[i] = pool_add(&pool, fv[i].name);
	}
	bv = xcalloc(nkeys + 1, sizeof(*bv));
	lv = xcalloc(nkeys + 1, sizeof(*lv));
	for (i = 0; i < nkeys; i++) {
		uint32_t t = tenant_number(names, nt, kv[i].tenant);
		bool same_blob = nb > 0 && strcmp(kv[i - 1].base64,
		    kv[i].base64) == 0;

		if (!same_blob) {
			bv[nb].str = pool_add(&pool, kv[i].base64);
			bv[nb].type = pool_add(&pool, kv[i].type);
			bv[nb].fingerprint = pool_add(&pool,
			    kv[i].fingerprint);
			bv[nb].link_first = (uint32_t)nl;
			nb++;
		} else if (lv[nl - 1] == t)
			continue;	/* the same key twice in one tenant */
		lv[nl++] = t;
		bv[nb - 1].nlinks++;
	}
	total = sizeof(h) + nb * sizeof(*bv) + nl * sizeof(*lv) +
	    nt * sizeof(*tv) + nfiles * sizeof(*flv) + pool.len;
	if (total > KEYINDEX_MAX_BYTES)
		goto out;
	h.nblobs = (uint32_t)nb;
	h.nlinks = (uint32_t)nl;
	h.ntenants = (uint32_t)nt;
	h.nfiles = (uint32_t)nfiles;
	h.pool_len = (uint32_t)pool.len;
	h.total_len = (uint32_t)total;
	{
		const struct mapfile_part parts[] = {
			{ &h, sizeof(h) },
			{ bv, nb * sizeof(*bv) },
			{ lv, nl * sizeof(*lv) },
			{ tv, nt * sizeof(*tv) },
			{ flv, nfiles * sizeof(*flv) },
			{ pool.buf, pool.len },
		};

		r = mapfile_write(path, parts, sizeof(parts) /
		    sizeof(parts[0]));
	}
 out:
	free(pool.buf);
	free(lv);
	free(bv);
	free(flv);
	free(tv);
	free(names);
	free(fv);
	free(kv);
	return r;
}

/* ---- reading ---- */

static int
check_header(const struct ix_header *h, size_t len, const struct stat *st)
{
	uint64_t need;

	if (!mapfile_head_ok(&h->head, IX_MAGIC, st))
		return -1;
	need = (uint64_t)sizeof(*h) +
	    (uint64_t)h->nblobs * sizeof(struct ix_blob) +
	    (uint64_t)h->nlinks * sizeof(uint32_t) +
	    (uint64_t)h->ntenants * sizeof(struct ix_tenant) +
	    (uint64_t)h->nfiles * sizeof(uint32_t) + h->pool_len;
	if (need != len || h->total_len != len)
		return -1;
	/* the pool ends with a NUL, so every string in it is bounded */
	if (h->pool_len == 0 ? h->nblobs + h->ntenants + h->nfiles != 0 :
	    ((const char *)h)[len - 1] != '\0')
		return -1;
	return 0;
}

struct keyindex *
keyindex_open(const char *path, const struct stat *dir_st)
{
	struct keyindex *ix;
	size_t len;
	void *map;

	/* whoever may change the directory may index it, nobody else */
	map = mapfile_open(path, dir_st->st_uid, sizeof(struct ix_header),
	    KEYINDEX_MAX_BYTES, &len);
	if (map == NULL)
		return NULL;
	ix = xcalloc(1, sizeof(*ix));
	ix->map = map;
	ix->len = len;
	ix->h = map;
	if (check_header(ix->h, ix->len, dir_st) != 0) {
		keyindex_close(ix);
		return NULL;
	}
	ix->blobs = (const struct ix_blob *)(ix->map + sizeof(*ix->h));
	ix->links = (const uint32_t *)(ix->blobs + ix->h->nblobs);
	ix->tenants = (const struct ix_tenant *)(ix->links + ix->h->nlinks);
	ix->files = (const uint32_t *)(ix->tenants + ix->h->ntenants);
	ix->pool = (const char *)(ix->files + ix->h->nfiles);
	return ix;
}

void
keyindex_close(struct keyindex *ix)
{
	if (ix == NULL)
		return;
	mapfile_close(ix->map, ix->len);
	free(ix);
}

static const char *
pool_str(const struct keyindex *ix, uint32_t off)
{
	return off < ix->h->pool_len ? ix->pool + off : NULL;
}

/* Binary search over n records of size bytes whose first field is a pool
 * offset; the record's number, -1 when absent, -2 when damaged. */
static long
find(const struct keyindex *ix, const void *base, size_t n, size_t size,
    const char *key)
{
	size_t lo = 0, hi = n, mid;
	const char *s;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((s = pool_str(ix, *(const uint32_t *)(const void *)
		    ((const char *)base + mid * size))) == NULL)
			return -2;
		if ((c = strcmp(key, s)) == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* append tenant number t's file names */
static int
add_tenant_files(const struct keyindex *ix, uint32_t t, const char ***v,
    size_t *n)
{
	const struct ix_tenant *tn;
	const char *s;
	uint32_t i;

	if (t >= ix->h->ntenants)
		return -1;
	tn = &ix->tenants[t];
	if ((uint64_t)tn->file_first + tn->nfiles > ix->h->nfiles)
		return -1;
	for (i = 0; i < tn->nfiles; i++) {
		if ((s = pool_str(ix, ix->files[tn->file_first + i])) == NULL)
			return -1;
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = s;
	}
	return 0;
}

long
keyindex_files(const struct keyindex *ix, const char *tenant,
    const char *base64, const char ***names)
{
	const struct ix_blob *b;
	const char **v = NULL;
	size_t n = 0;
	long bi, ti = -1;
	uint32_t i;

	*names = NULL;
	if (tenant != NULL) {
		ti = find(ix, ix->tenants, ix->h->ntenants, sizeof(*ix->tenants),
		    tenant);
		if (ti == -2 || (ti >= 0 &&
		    add_tenant_files(ix, (uint32_t)ti, &v, &n) != 0))
			goto bad;
	}
	bi = find(ix, ix->blobs, ix->h->nblobs, sizeof(*ix->blobs), base64);
	if (bi == -2)
		goto bad;
	if (bi >= 0) {
		b = &ix->blobs[bi];
		if ((uint64_t)b->link_first + b->nlinks > ix->h->nlinks)
			goto bad;
		for (i = 0; i < b->nlinks; i++) {
			if ((long)ix->links[b->link_first + i] == ti)
				continue;
			if (add_tenant_files(ix, ix->links[b->link_first + i],
			    &v, &n) != 0)
				goto bad;
		}
	}
	*names = v;
	return (long)n;
 bad:
	free(v);
	return -1;
}

long
keyindex_owners(const struct keyindex *ix, const char *base64,
    const char ***names)
{
	const struct ix_blob *b;
	const char **v = NULL, *s;
	long bi;
	uint32_t i, t;

	*names = NULL;
	bi = find(ix, ix->blobs, ix->h->nblobs, sizeof(*ix->blobs), base64);
	if (bi == -2)
		return -1;
	if (bi == -1)
		return 0;
	b = &ix->blobs[bi];
	if ((uint64_t)b->link_first + b->nlinks > ix->h->nlinks)
		return -1;
	v = xcalloc((size_t)b->nlinks + 1, sizeof(*v));
	for (i = 0; i < b->nlinks; i++) {
		t = ix->links[b->link_first + i];
		if (t >= ix->h->ntenants ||
		    (s = pool_str(ix, ix->tenants[t].str)) == NULL) {
			free(v);
			return -1;
		}
		v[i] = s;
	}
	*names = v;
	return (long)b->nlinks;
}

int
keyindex_fingerprint(const struct keyindex *ix, const char *base64,
    const char **type, const char **fingerprint)
{
	long bi;

	bi = find(ix, ix->blobs, ix->h->nblobs, sizeof(*ix->blobs), base64);
	if (bi < 0 ||
	    (*type = pool_str(ix, ix->blobs[bi].type)) == NULL ||
	    (*fingerprint = pool_str(ix, ix->blobs[bi].fingerprint)) == NULL)
		return -1;
	return 0;
}
