/*
 * keys: the key directory (vmgate.ini(5), keys). Owns the file-name rules
 * (TENANT.pub, TENANT@ANYTHING.pub), the safe opening of each file
 * (O_NOFOLLOW, regular, not group/other-writable, size cap), the line rules
 * (authorized_keys lines without options, canonical key blobs), fingerprints
 * as ssh-keygen -l prints them, and the detection of keys filed under two
 * tenants. Nothing here decides who a tenant is: the caller says which
 * tenants exist.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys_dl.h"	/* libssh, loaded on first use */

#include "vmgate/keyindex.h"
#include "vmgate/keys.h"

#define KEYS_SUFFIX	".pub"
#define KEYS_CERT_MARK	"-cert-v01@openssh.com"
#define KEYS_MAX_FILES	(1u << 22)	/* directory entries considered */
#define KEYS_AUTH_METHOD "publickey"
#define KEYS_MSG_WORD	64		/* untrusted words echoed in messages */

/* what one load is narrowed to */
struct load_scope {
	bool (*known)(const char *tenant, void *arg);
	void *arg;
	const char *tenant;	/* NULL: every tenant */
	bool cross_check;	/* tenant: look for its keys in other files */
	const char *type;	/* NULL: every key type */
	const char **want;	/* sorted key blobs (base64); NULL: every key */
	size_t nwant;
};

struct key_file {
	char *name;		/* entry in the directory */
	char *tenant;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Import type/base64 with libssh and fingerprint it. The key must be in the
 * canonical form libssh writes back and of the declared type, so that the
 * fingerprint names exactly the key sshd will compare. Returns NULL or why not.
 */
static const char *
parse_key(const char *type, const char *base64, char *fp, size_t fplen)
{
	const char *why = NULL;
	enum ssh_keytypes_e kt;
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hashlen = 0;
	char *b64 = NULL, *hex = NULL;

	if (keys_ssh_load() != 0)
		return "libssh could not be loaded";
	if (strstr(type, KEYS_CERT_MARK) != NULL) {
		why = "certificates are not supported";
		goto out;
	}
	kt = ssh_key_type_from_name(type);
	if (kt == SSH_KEYTYPE_UNKNOWN) {
		why = "unknown key type";
		goto out;
	}
	if (ssh_pki_import_pubkey_base64(base64, kt, &key) != SSH_OK) {
		why = "unparsable key";
		goto out;
	}
	if (strcmp(ssh_key_type_to_char(ssh_key_type(key)), type) != 0) {
		why = "key type does not match the key";
		goto out;
	}
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK ||
	    strcmp(b64, base64) != 0) {
		why = "key is not in canonical form";
		goto out;
	}
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hashlen) != 0 || (hex = ssh_get_fingerprint_hash(
	    SSH_PUBLICKEY_HASH_SHA256, hash, hashlen)) == NULL) {
		why = "cannot fingerprint key";
		goto out;
	}
	if (strlen(hex) >= fplen) {
		why = "fingerprint too long";
		goto out;
	}
	memcpy(fp, hex, strlen(hex) + 1);
 out:
	ssh_string_free_char(hex);
	ssh_clean_pubkey_hash(&hash);
	free(b64);
	ssh_key_free(key);
	return why;
}

int
keys_fingerprint(const char *type, const char *base64, char *out,
    size_t outlen)
{
	if (type == NULL || base64 == NULL)
		return -1;
	return parse_key(type, base64, out, outlen) == NULL ? 0 : -1;
}

/* "alice.pub" and "alice@laptop.pub" -> "alice"; NULL for anything else. */
static char *
file_tenant(const char *name)
{
	size_t len = strlen(name), slen = strlen(KEYS_SUFFIX);
	char *base = NULL, *at, *tenant = NULL;

	if (len <= slen || strcmp(name + len - slen, KEYS_SUFFIX) != 0)
		return NULL;
	base = xstrndup(name, len - slen);
	if ((at = strchr(base, '@')) != NULL) {
		*at = '\0';
		if (!name_valid(at + 1))
			goto out;
	}
	if (name_valid(base))
		tenant = xstrdup(base);
 out:
	free(base);
	return tenant;
}

static bool
has_suffix(const char *name)
{
	size_t len = strlen(name), slen = strlen(KEYS_SUFFIX);

	return len >= slen && strcmp(name + len - slen, KEYS_SUFFIX) == 0;
}

/* a cheap test before the full name check: can name be tenant's file? */
static bool
maybe_tenants(const char *name, const char *tenant)
{
	size_t tlen = strlen(tenant);

	return strncmp(name, tenant, tlen) == 0 &&
	    (name[tlen] == '@' || strcmp(name + tlen, KEYS_SUFFIX) == 0);
}

static int
cmp_file(const void *a, const void *b)
{
	const struct key_file *fa = a, *fb = b;
	int c = strcmp(fa->tenant, fb->tenant);

	return c != 0 ? c : strcmp(fa->name, fb->name);
}

/* The .pub files of the directory, sorted by tenant then name. */
static int
list_dir(int dfd, const char *dir, const struct load_scope *scope,
    struct key_file **files, size_t *nfiles, struct diag *d)
{
	DIR *dp = NULL;
	struct dirent *de;
	struct key_file *list = NULL;
	size_t n = 0, cap = 0;
	int fd, r = -1;
	char *tenant;

	if ((fd = dup(dfd)) == -1 || (dp = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		diag_add(d, "%s:0: cannot read directory: %s", dir,
		    strerror(errno));
		goto out;
	}
	while ((errno = 0, de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || !has_suffix(de->d_name))
			continue;
		if (scope->tenant != NULL && !scope->cross_check &&
		    !maybe_tenants(de->d_name, scope->tenant))
			continue;
		if ((tenant = file_tenant(de->d_name)) == NULL) {
			diag_add(d, "%s/%s:0: bad key file name (want "
			    "TENANT.pub or TENANT@NAME.pub)", dir, de->d_name);
			continue;
		}
		if (n >= KEYS_MAX_FILES) {
			free(tenant);
			diag_add(d, "%s:0: more than %u key files", dir,
			    KEYS_MAX_FILES);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[n].name = xstrdup(de->d_name);
		list[n].tenant = tenant;
		n++;
	}
	if (errno != 0) {
		diag_add(d, "%s:0: cannot read directory: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (n > 0)
		qsort(list, n, sizeof(*list), cmp_file);
	r = 0;
 out:
	if (dp != NULL)
		closedir(dp);
	*files = list;
	*nfiles = n;
	return r;
}

/*
 * Open one key file the way sshd's StrictModes would trust it and read it
 * whole. Returns the NUL-terminated contents (length in *len) or NULL.
 */
static char *
read_key_file(int dfd, const char *path, const char *name, size_t max,
    size_t *len, struct diag *d)
{
	struct stat st;
	char *buf = NULL;
	size_t have = 0, cap;
	ssize_t got;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (errno == ELOOP)
			diag_add(d, "%s:0: is a symbolic link (refused)", path);
		else
			diag_add(d, "%s:0: cannot open: %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		diag_add(d, "%s:0: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(d, "%s:0: not a regular file", path);
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		diag_add(d, "%s:0: writable by group or others", path);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		diag_add(d, "%s:0: owned by uid %u, not root", path,
		    (unsigned)st.st_uid);
		goto fail;
	}
	if (st.st_size > (off_t)max) {
		diag_add(d, "%s:0: larger than %zu bytes", path, max);
		goto fail;
	}
	/* sized to the file (a login reads a few small files), plus a byte
	 * that shows a file that grew meanwhile; it may grow to the cap */
	cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap + 1);
	for (;;) {
		if (have == cap) {
			cap = cap > max / 2 ? max + 1 :
			    cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		got = read(fd, buf + have, cap - have);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			diag_add(d, "%s:0: cannot read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		if (have > max) {
			diag_add(d, "%s:0: larger than %zu bytes", path,
			    max);
			goto fail;
		}
	}
	close(fd);
	buf[have] = '\0';
	*len = have;
	return buf;
 fail:
	free(buf);
	close(fd);
	return NULL;
}

static void
ring_add(struct keyring *ring, size_t *cap, const char *tenant,
    const char *type, const char *base64, const char *fp, const char *path,
    int line, bool usable)
{
	struct key_entry *k;

	if (ring->nkeys == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		ring->keys = xreallocarray(ring->keys, *cap,
		    sizeof(*ring->keys));
	}
	k = &ring->keys[ring->nkeys++];
	memset(k, 0, sizeof(*k));
	k->tenant = xstrdup(tenant);
	k->type = xstrdup(type);
	k->base64 = xstrdup(base64);
	snprintf(k->fingerprint, sizeof(k->fingerprint), "%s", fp);
	k->file = xstrdup(path);
	k->line = line;
	k->usable = usable;
}

/* a key type libssh knows; none when libssh cannot be loaded */
static bool
known_type(const char *name)
{
	return keys_ssh_load() == 0 &&
	    ssh_key_type_from_name(name) != SSH_KEYTYPE_UNKNOWN;
}

/* Does any word after the first name a key type? Then the line has options. */
static bool
later_word_is_type(char *rest)
{
	char *w, *save = NULL;

	for (w = strtok_r(rest, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (known_type(w))
			return true;
	}
	return false;
}

/* One line (NUL-terminated, no newline) of path. */
static void
parse_line(char *line, const char *path, int lineno, const char *tenant,
    bool usable, const struct load_scope *scope, struct keyring *ring,
    size_t *cap, struct diag *d)
{
	char *type, *b64, *p = line;
	char shown[KEYS_MSG_WORD * 4 + 1], fp[KEYS_FP_LEN];
	const char *why;

	while (is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return;
	type = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (is_blank(*p))
		p++;
	b64 = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	/* the rest is the comment */

	if ((scope->type != NULL && strcmp(type, scope->type) != 0) ||
	    (scope->want != NULL && bsearch(&b64, scope->want, scope->nwant,
	    sizeof(*scope->want), str_ptr_cmp) == NULL))
		return;
	if (!known_type(type) && strstr(type, KEYS_CERT_MARK) == NULL) {
		if (*b64 != '\0' && (known_type(b64) ||
		    later_word_is_type(p))) {
			diag_add(d, "%s:%d: key options are not allowed "
			    "(vmgate writes them)", path, lineno);
			return;
		}
		str_sanitize(shown, sizeof(shown), type);
		if (strlen(type) > KEYS_MSG_WORD)
			strcpy(shown + KEYS_MSG_WORD, "...");
		diag_add(d, "%s:%d: unknown key type \"%s\"", path, lineno,
		    shown);
		return;
	}
	if (*b64 == '\0') {
		diag_add(d, "%s:%d: key missing after the type", path, lineno);
		return;
	}
	if ((why = parse_key(type, b64, fp, sizeof(fp))) != NULL) {
		diag_add(d, "%s:%d: %s", path, lineno, why);
		return;
	}
	ring_add(ring, cap, tenant, type, b64, fp, path, lineno, usable);
}

static void
parse_file(char *buf, size_t len, const char *path, const char *tenant,
    bool usable, const struct load_scope *scope, struct keyring *ring,
    size_t *cap, struct diag *d)
{
	char *line = buf, *nl, *end = buf + len;
	size_t llen;
	int lineno = 0;

	while (line < end) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		llen = (size_t)(nl - line);
		if (llen > 0 && line[llen - 1] == '\r')
			line[--llen] = '\0';
		if (llen >= KEYS_MAX_LINE)
			diag_add(d, "%s:%d: line longer than %d bytes", path,
			    lineno, KEYS_MAX_LINE - 1);
		else if (strlen(line) != llen)
			diag_add(d, "%s:%d: NUL byte in line", path, lineno);
		else
			parse_line(line, path, lineno, tenant, usable, scope,
			    ring, cap, d);
		line = nl + 1;
	}
}

struct fp_index {
	const char *fp;
	size_t i;
};

static int
cmp_fp_index(const void *a, const void *b)
{
	const struct fp_index *fa = a, *fb = b;
	int c = strcmp(fa->fp, fb->fp);

	if (c != 0)
		return c;
	/* within one key: file order, so the first copy is the one kept */
	return fa->i < fb->i ? -1 : fa->i > fb->i;
}

static void
key_entry_free(struct key_entry *k)
{
	free(k->tenant);
	free(k->type);
	free(k->base64);
	free(k->file);
}

/*
 * A key under two tenants would make the key, not the account, pick the
 * tenant: every copy becomes unusable. A key repeated under one tenant is
 * harmless: later copies are dropped so each key is offered once.
 */
static void
find_duplicates(struct keyring *ring, struct diag *d)
{
	struct fp_index *sorted = NULL;
	size_t *idx = NULL, i, j, k, o;
	bool *drop = NULL, shared;
	struct key_entry *keys = ring->keys;

	if (ring->nkeys < 2)
		return;
	sorted = xreallocarray(NULL, ring->nkeys, sizeof(*sorted));
	for (i = 0; i < ring->nkeys; i++) {
		sorted[i].fp = keys[i].fingerprint;
		sorted[i].i = i;
	}
	qsort(sorted, ring->nkeys, sizeof(*sorted), cmp_fp_index);
	idx = xreallocarray(NULL, ring->nkeys, sizeof(*idx));
	for (i = 0; i < ring->nkeys; i++)
		idx[i] = sorted[i].i;
	free(sorted);
	drop = xcalloc(ring->nkeys, sizeof(*drop));
	for (i = 0; i < ring->nkeys; i = j) {
		shared = false;
		for (j = i + 1; j < ring->nkeys && strcmp(
		    keys[idx[i]].fingerprint, keys[idx[j]].fingerprint) == 0;
		    j++) {
			if (strcmp(keys[idx[i]].tenant,
			    keys[idx[j]].tenant) != 0)
				shared = true;
		}
		for (k = i; k < j; k++) {
			if (!shared) {
				drop[idx[k]] = k > i;
				continue;
			}
			keys[idx[k]].usable = false;
			/* name the other place: the first copy, or the second */
			o = k == i ? idx[i + 1] : idx[i];
			diag_add(d, "%s:%d: key %s is also under tenant %s "
			    "(%s:%d); refused for both", keys[idx[k]].file,
			    keys[idx[k]].line, keys[idx[k]].fingerprint,
			    keys[o].tenant, keys[o].file, keys[o].line);
		}
	}
	for (i = o = 0; i < ring->nkeys; i++) {
		if (drop[i])
			key_entry_free(&keys[i]);
		else
			keys[o++] = keys[i];
	}
	ring->nkeys = o;
	free(drop);
	free(idx);
}

/*
 * Read files[] into ring: with a tenant in scope, only its files (own) or
 * only the other tenants' files (!own).
 */
static void
load_files(int dfd, const char *dir, const struct key_file *files,
    size_t nfiles, const struct load_scope *scope, bool own,
    struct keyring *ring, size_t *cap, struct diag *d)
{
	const char *last_unknown = NULL;
	char *path = NULL, *buf = NULL;
	size_t i, len, had;
	bool usable;

	for (i = 0; i < nfiles; i++) {
		if (scope->tenant != NULL &&
		    own != (strcmp(files[i].tenant, scope->tenant) == 0))
			continue;
		path = xasprintf("%s/%s", dir, files[i].name);
		usable = scope->known == NULL ||
		    scope->known(files[i].tenant, scope->arg);
		had = ring->nkeys;
		if ((buf = read_key_file(dfd, path, files[i].name,
		    KEYS_MAX_FILE, &len, d)) != NULL)
			parse_file(buf, len, path, files[i].tenant, usable,
			    scope, ring, cap, d);
		/*
		 * Once per tenant (files are sorted by tenant); on the login
		 * path only when the file holds a key asked for.
		 */
		if (!usable && (scope->want == NULL || ring->nkeys > had) &&
		    (last_unknown == NULL ||
		    strcmp(last_unknown, files[i].tenant) != 0)) {
			diag_add(d, "%s:0: no tenant %s in the config", path,
			    files[i].tenant);
			last_unknown = files[i].tenant;
		}
		xfree_ptr(&buf);
		xfree_ptr(&path);
	}
}

/*
 * The tenant's keys found, the other tenants' files are read for them
 * (string compares; only copies are parsed), so that find_duplicates sees
 * a key the tenant shares. Nothing found, nothing else is read.
 */
static void
cross_check(int dfd, const char *dir, const struct key_file *files,
    size_t nfiles, const struct load_scope *scope, struct keyring *ring,
    size_t *cap, struct diag *d)
{
	struct load_scope others = *scope;
	char **blobs;
	size_t i, n = ring->nkeys;

	if (n == 0)
		return;
	/* copies: ring->keys moves as it grows */
	blobs = xreallocarray(NULL, n, sizeof(*blobs));
	for (i = 0; i < n; i++)
		blobs[i] = xstrdup(ring->keys[i].base64);
	qsort(blobs, n, sizeof(*blobs), str_ptr_cmp);
	/*
	 * Whether the other tenants are in the config does not matter here,
	 * and a scoped config cannot tell: a copy is a copy. Reporting their
	 * files is check's job.
	 */
	others.known = NULL;
	others.type = NULL;
	others.want = (const char **)blobs;
	others.nwant = n;
	load_files(dfd, dir, files, nfiles, &others, false, ring, cap, d);
	for (i = 0; i < n; i++)
		free(blobs[i]);
	free(blobs);
}

/* After a full scan: index what was found, for the login path. */
static void
write_index(const char *dir, const struct stat *dir_st,
    const struct key_file *files, size_t nfiles,
    const struct keyring *ring)
{
	struct keyindex_key *kv;
	struct keyindex_file *fv;
	char *path;
	size_t i;

	if ((path = keyindex_path(dir)) == NULL)
		return;
	kv = xcalloc(ring->nkeys + 1, sizeof(*kv));
	fv = xcalloc(nfiles + 1, sizeof(*fv));
	for (i = 0; i < ring->nkeys; i++) {
		kv[i].base64 = ring->keys[i].base64;
		kv[i].tenant = ring->keys[i].tenant;
		kv[i].type = ring->keys[i].type;
		kv[i].fingerprint = ring->keys[i].fingerprint;
	}
	for (i = 0; i < nfiles; i++) {
		fv[i].tenant = files[i].tenant;
		fv[i].name = files[i].name;
	}
	(void)keyindex_write(path, dir_st, kv, ring->nkeys, fv, nfiles);
	free(fv);
	free(kv);
	free(path);
}

/*
 * The login path with a key: the files the index names for it (and the
 * tenant's own), when the index is fresh. A missing or stale index is
 * rebuilt first when this process owns the directory (a full scan, as
 * vmgate check makes). -1: no usable index, list the directory.
 */
static int
index_files(const char *dir, const struct stat *dir_st,
    const struct load_scope *scope, struct key_file **filesp,
    size_t *nfilesp)
{
	struct keyindex *ix = NULL;
	struct key_file *files = NULL;
	const char **names = NULL;
	char *path = NULL, *tenant;
	long n;
	size_t i, k = 0;
	int r = -1;

	if (scope->want == NULL || scope->nwant != 1 ||
	    (path = keyindex_path(dir)) == NULL)
		return -1;
	if ((ix = keyindex_open(path, dir_st)) == NULL &&
	    geteuid() == dir_st->st_uid) {
		struct keyring full;
		struct diag quiet;

		diag_init(&quiet);
		(void)keys_load(dir, NULL, NULL, &full, &quiet);
		keys_free(&full);
		diag_clear(&quiet);
		ix = keyindex_open(path, dir_st);
	}
	if (ix == NULL ||
	    (n = keyindex_files(ix, scope->tenant, scope->want[0], &names)) < 0)
		goto out;
	files = xcalloc((size_t)n + 1, sizeof(*files));
	for (i = 0; i < (size_t)n; i++) {
		if ((tenant = file_tenant(names[i])) == NULL)
			continue;
		files[k].name = xstrdup(names[i]);
		files[k].tenant = tenant;
		k++;
	}
	if (k > 1)
		qsort(files, k, sizeof(*files), cmp_file);
	*filesp = files;
	*nfilesp = k;
	r = 0;
 out:
	free(names);
	keyindex_close(ix);
	free(path);
	return r;
}

/*
 * Whoever may write the key directory may add keys, and write its index:
 * it must be root's (or the running account's), not writable by group or
 * others, under directories that are safe too. 0, or -1 with why.
 */
static int
key_dir_trusted(const char *dir, const struct stat *st, char *why,
    size_t whylen)
{
	char how[PATH_MAX];

	if ((st->st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st->st_uid != 0 && st->st_uid != geteuid())) {
		snprintf(why, whylen, "key directory must be owned by root "
		    "and not writable by group or others");
		return -1;
	}
	if (path_dirs_safe(dir, geteuid(), how, sizeof(how)) != 0) {
		snprintf(why, whylen, "refusing the key directory: %s", how);
		return -1;
	}
	return 0;
}

static int
load(const char *dir, const struct load_scope *scope, struct keyring *ring,
    struct diag *d)
{
	struct key_file *files = NULL;
	struct stat st;
	size_t nfiles = 0, i, cap = 0;
	size_t before = d->count + d->dropped;
	bool full = scope->tenant == NULL && scope->type == NULL &&
	    scope->want == NULL;
	char why[PATH_MAX + 64];
	int dfd = -1;

	memset(ring, 0, sizeof(*ring));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		diag_add(d, "%s:0: cannot open key directory: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (fstat(dfd, &st) == -1) {
		diag_add(d, "%s:0: cannot open key directory: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (key_dir_trusted(dir, &st, why, sizeof(why)) != 0) {
		diag_add(d, "%s:0: %s", dir, why);
		goto out;
	}
	if (index_files(dir, &st, scope, &files, &nfiles) != 0 &&
	    list_dir(dfd, dir, scope, &files, &nfiles, d) == -1)
		goto out;
	load_files(dfd, dir, files, nfiles, scope, true, ring, &cap, d);
	if (scope->tenant != NULL && scope->cross_check)
		cross_check(dfd, dir, files, nfiles, scope, ring, &cap, d);
	find_duplicates(ring, d);
	/* st was taken before the directory was read: a later change shows */
	if (full && geteuid() == st.st_uid)
		write_index(dir, &st, files, nfiles, ring);
 out:
	for (i = 0; i < nfiles; i++) {
		free(files[i].name);
		free(files[i].tenant);
	}
	free(files);
	if (dfd != -1)
		close(dfd);
	return d->count + d->dropped == before ? 0 : -1;
}

int
keys_parse(const char *buf, size_t len, const char *path,
    const char *tenant, struct keyring *ring, struct diag *d)
{
	struct load_scope scope;
	size_t before = d->count + d->dropped, cap = 0;
	char *copy;

	memset(ring, 0, sizeof(*ring));
	memset(&scope, 0, sizeof(scope));
	/* parse_file cuts lines in place */
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	parse_file(copy, len, path, tenant, true, &scope, ring, &cap, d);
	free(copy);
	find_duplicates(ring, d);
	return d->count + d->dropped == before ? 0 : -1;
}

int
keys_load(const char *dir, bool (*known)(const char *tenant, void *arg),
    void *arg, struct keyring *ring, struct diag *d)
{
	const struct load_scope scope = { .known = known, .arg = arg };

	return load(dir, &scope, ring, d);
}

int
keys_load_tenant(const char *dir, const char *tenant, struct keyring *ring,
    struct diag *d)
{
	const struct load_scope scope = { .tenant = tenant };

	if (!name_valid(tenant)) {
		memset(ring, 0, sizeof(*ring));
		return 0;
	}
	return load(dir, &scope, ring, d);
}

int
keys_load_only(const char *dir, bool (*known)(const char *tenant, void *arg),
    void *arg, const char *tenant, const char *type, const char *base64,
    struct keyring *ring, struct diag *d)
{
	const char *want[1] = { base64 };
	const struct load_scope scope = {
		.known = known, .arg = arg, .tenant = tenant,
		.cross_check = true, .type = type,
		.want = base64 != NULL ? want : NULL, .nwant = 1
	};

	memset(ring, 0, sizeof(*ring));
	if ((tenant != NULL && !name_valid(tenant)) ||
	    (type == NULL) != (base64 == NULL))
		return 0;
	return load(dir, &scope, ring, d);
}

/*
 * dir's index, read only, when the directory is one keys are read from
 * (key_dir_trusted) and keyindex_open trusts the index; else NULL
 */
static struct keyindex *
index_of(const char *dir)
{
	struct keyindex *ix = NULL;
	struct stat st;
	char *path, why[PATH_MAX + 64];
	int dfd;

	if ((path = keyindex_path(dir)) == NULL)
		return NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1 && fstat(dfd, &st) == 0 &&
	    key_dir_trusted(dir, &st, why, sizeof(why)) == 0)
		ix = keyindex_open(path, &st);
	if (dfd != -1)
		close(dfd);
	free(path);
	return ix;
}

int
keys_index_owner(const char *dir, const char *base64, char *out,
    size_t outlen)
{
	struct keyindex *ix;
	const char **names = NULL;
	long n = -1;

	if (base64 == NULL || (ix = index_of(dir)) == NULL)
		return -1;
	n = keyindex_owners(ix, base64, &names);
	if (n == 1 && (strlen(names[0]) >= outlen || !name_valid(names[0])))
		n = -1;
	if (n == 1)
		memcpy(out, names[0], strlen(names[0]) + 1);
	free(names);
	keyindex_close(ix);
	return n == 0 || n == 1 ? (int)n : -1;
}

void
keys_free(struct keyring *ring)
{
	size_t i;

	if (ring == NULL)
		return;
	for (i = 0; i < ring->nkeys; i++)
		key_entry_free(&ring->keys[i]);
	free(ring->keys);
	memset(ring, 0, sizeof(*ring));
}

/* what libssh writes for SHA-256: the prefix and base64, nothing else
 * (it is printed to the tenant and logged as it is) */
static bool
fingerprint_shaped(const char *fp)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(KEYS_FP_PREFIX);

	return strncmp(fp, KEYS_FP_PREFIX, n) == 0 && fp[n] != '\0' &&
	    strspn(fp + n, b64) == strlen(fp + n);
}

/*
 * The fingerprint dir's index holds for exactly this type and base64: the
 * one libssh made when the key was read from its file, so the same
 * keys_fingerprint gives, without loading libssh. -1 when dir is NULL,
 * has no trusted index, or the key is not in it.
 */
static int
indexed_fingerprint(const char *dir, const char *type, const char *base64,
    char *out, size_t outlen)
{
	struct keyindex *ix;
	const char *t, *fp;
	int r = -1;

	if (dir == NULL || (ix = index_of(dir)) == NULL)
		return -1;
	if (keyindex_fingerprint(ix, base64, &t, &fp) == 0 &&
	    strcmp(t, type) == 0 && fingerprint_shaped(fp) &&
	    strlen(fp) < outlen) {
		memcpy(out, fp, strlen(fp) + 1);
		r = 0;
	}
	keyindex_close(ix);
	return r;
}

int
keys_from_auth_info(const char *path, const char *keys_dir, char *out,
    size_t outlen)
{
	struct diag d;
	char *buf = NULL, *line, *save = NULL, *method, *type, *b64, *dir;
	char *slash;
	size_t len;
	int dfd = -1, r = -1;

	if (path == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	diag_init(&d);
	/* read_key_file opens relative to a directory fd */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		goto out;
	*slash = '\0';
	if ((dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		goto out;
	if ((buf = read_key_file(dfd, path, slash + 1, KEYS_MAX_AUTH_INFO,
	    &len, &d)) == NULL)
		goto out;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *wsave = NULL;

		method = strtok_r(line, " ", &wsave);
		type = strtok_r(NULL, " ", &wsave);
		b64 = strtok_r(NULL, " ", &wsave);
		if (method == NULL || strcmp(method, KEYS_AUTH_METHOD) != 0 ||
		    type == NULL || b64 == NULL)
			continue;
		if ((r = indexed_fingerprint(keys_dir, type, b64, out,
		    outlen)) != 0)
			r = keys_fingerprint(type, b64, out, outlen);
		break;
	}
 out:
	if (r != 0)
		out[0] = '\0';
	free(buf);
	free(dir);
	diag_clear(&d);
	if (dfd != -1)
		close(dfd);
	return r;
}
