/*
 * test_keys: the key directory rules (vmgate.ini(5)) as an admin meets them:
 * which keys are offered, under which tenant, with the fingerprint
 * ssh-keygen -l shows, and which "PATH:LINE: message" each mistake gets.
 * The expected fingerprints come from ssh-keygen -lf.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include "unit.h"

#include <stdbool.h>

#include <sodium.h>

#include "vmgate/keys.h"

#define NPOOL 4
#define B64_ALPHABET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* TEST_DATA/keys/kN.pub: "TYPE BASE64 comment" as ssh-keygen wrote it */
struct pool_key {
	char line[4096];
	char type[64];
	char base64[4000];
	char fp[KEYS_FP_LEN];	/* from ssh-keygen -lf, when the tests start */
};

static struct pool_key pool[NPOOL];

static int
read_pool(void **state)
{
	char path[512], cmd[600], buf[256];
	FILE *f;
	int i;

	(void)state;
	for (i = 0; i < NPOOL; i++) {
		snprintf(path, sizeof(path), "%s/keys/k%d.pub", TEST_DATA, i);
		if ((f = fopen(path, "r")) == NULL ||
		    fgets(pool[i].line, sizeof(pool[i].line), f) == NULL)
			return -1;
		fclose(f);
		pool[i].line[strcspn(pool[i].line, "\n")] = '\0';
		if (sscanf(pool[i].line, "%63s %3999s", pool[i].type,
		    pool[i].base64) != 2)
			return -1;
		snprintf(cmd, sizeof(cmd), "ssh-keygen -lf %s", path);
		if ((f = popen(cmd, "r")) == NULL ||
		    fgets(buf, sizeof(buf), f) == NULL)
			return -1;
		if (pclose(f) != 0 || sscanf(buf, "%*d %63s", pool[i].fp) != 1)
			return -1;
	}
	return 0;
}

/* A fresh key directory (mode 0755) with the given files. */
struct file_spec {
	const char *name;
	const char *text;	/* NULL: leave out */
	mode_t mode;
};

static char *
make_dir(const struct file_spec *files)
{
	char tmpl[] = "/tmp/vmgate-keys-XXXXXX", *dir, path[512];
	FILE *f;

	unit_mkdtemp(tmpl);
	assert_int_equal(chmod(tmpl, 0755), 0);
	dir = strdup(tmpl);
	for (; files != NULL && files->name != NULL; files++) {
		if (files->text == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files->name);
		assert_non_null(f = fopen(path, "w"));
		fputs(files->text, f);
		fclose(f);
		assert_int_equal(chmod(path, files->mode ? files->mode : 0644),
		    0);
	}
	return dir;
}

static char *
key_text(int i, const char *before, const char *after)
{
	char *s;

	if (asprintf(&s, "%s%s%s", before, pool[i].line, after) < 0)
		abort();
	return s;
}

static bool
known_ab(const char *tenant, void *arg)
{
	(void)arg;
	return strcmp(tenant, "alice") == 0 || strcmp(tenant, "bob") == 0;
}

static const struct key_entry *
find_key(const struct keyring *ring, int pool_index)
{
	size_t i;

	for (i = 0; i < ring->nkeys; i++) {
		if (strcmp(ring->keys[i].base64, pool[pool_index].base64) == 0)
			return &ring->keys[i];
	}
	return NULL;
}

static size_t
usable_count(const struct keyring *ring)
{
	size_t i, n = 0;

	for (i = 0; i < ring->nkeys; i++)
		n += ring->keys[i].usable;
	return n;
}

static bool
diag_has(const struct diag *d, const char *text)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		if (strcmp(d->msgs[i], text) == 0)
			return true;
	}
	return false;
}

static void
dump_diag(const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		fprintf(stderr, "  diag: %s\n", d->msgs[i]);
}

static void
test_fingerprint_matches_ssh_keygen(void **state)
{
	char fp[KEYS_FP_LEN];
	int i;

	(void)state;
	for (i = 0; i < NPOOL; i++) {
		assert_int_equal(keys_fingerprint(pool[i].type, pool[i].base64,
		    fp, sizeof(fp)), 0);
		assert_string_equal(fp, pool[i].fp);
	}
	/* the declared type must be the key's */
	assert_int_equal(keys_fingerprint("ssh-rsa", pool[0].base64, fp,
	    sizeof(fp)), -1);
	assert_int_equal(keys_fingerprint(pool[2].type, pool[0].base64, fp,
	    sizeof(fp)), -1);
	assert_int_equal(keys_fingerprint("ssh-ed25519", "AAAA", fp,
	    sizeof(fp)), -1);
	/* too small a buffer is an error, not a cut fingerprint */
	assert_int_equal(keys_fingerprint(pool[0].type, pool[0].base64, fp,
	    20), -1);
}

static void
test_load_good_directory(void **state)
{
	char *a = key_text(0, "# alice's desktop\n\n   \n", "\r\n");
	char *l = key_text(1, "", "\n# old key below was removed\n");
	char *b = key_text(2, "\t", "");
	const struct file_spec files[] = {
		{ "alice.pub", a, 0644 }, { "alice@laptop.pub", l, 0600 },
		{ "bob.pub", b, 0644 }, { "README", "not keys\n", 0644 },
		{ "alice.pub.disabled", "garbage\n", 0644 }, { NULL, NULL, 0 }
	};
	char *dir = make_dir(files), path[512];
	struct keyring ring;
	struct diag d;
	const struct key_entry *k;

	(void)state;
	diag_init(&d);
	assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), 0);
	dump_diag(&d);
	assert_int_equal(d.count, 0);
	assert_int_equal(ring.nkeys, 3);
	assert_int_equal(usable_count(&ring), 3);

	assert_non_null(k = find_key(&ring, 0));
	assert_string_equal(k->tenant, "alice");
	assert_string_equal(k->type, pool[0].type);
	assert_string_equal(k->fingerprint, pool[0].fp);
	snprintf(path, sizeof(path), "%s/alice.pub", dir);
	assert_string_equal(k->file, path);
	assert_int_equal(k->line, 4);
	assert_non_null(k = find_key(&ring, 1));
	assert_string_equal(k->tenant, "alice");
	assert_string_equal(k->fingerprint, pool[1].fp);
	assert_int_equal(k->line, 1);
	assert_non_null(k = find_key(&ring, 2));
	assert_string_equal(k->tenant, "bob");
	assert_string_equal(k->fingerprint, pool[2].fp);
	keys_free(&ring);

	/* the per-user path: only alice's files */
	assert_int_equal(keys_load_tenant(dir, "alice", &ring, &d), 0);
	assert_int_equal(ring.nkeys, 2);
	assert_null(find_key(&ring, 2));
	keys_free(&ring);
	assert_int_equal(keys_load_tenant(dir, "nobody", &ring, &d), 0);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	assert_int_equal(keys_load_tenant(dir, "../x", &ring, &d), 0);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	diag_clear(&d);
	free(a);
	free(l);
	free(b);
	free(dir);
}

/*
 * One broken thing per row: the message it gets (exact, after "DIR/") and
 * how many keys stay usable.
 */
struct bad_case {
	const char *what;
	const char *name;	/* file to write */
	const char *before;	/* text around pool key 0 */
	const char *after;
	mode_t mode;
	const char *msg;	/* after "DIR/" */
	size_t usable;		/* alice@ok.pub (pool key 3) is always there */
};

static const struct bad_case bad_cases[] = {
	{ "option before the key", "alice.pub", "restrict ", "", 0644,
	  "alice.pub:1: key options are not allowed (vmgate writes them)",
	  1 },
	{ "quoted option with blanks", "alice.pub",
	  "\n command=\"echo hi there\",no-pty ", "", 0644,
	  "alice.pub:2: key options are not allowed (vmgate writes them)",
	  1 },
	{ "unknown tenant", "carol.pub", "", "\n", 0644,
	  "carol.pub:0: no tenant carol in the config", 1 },
	{ "space in name", "ali ce.pub", "", "\n", 0644,
	  "ali ce.pub:0: bad key file name (want TENANT.pub or "
	  "TENANT@NAME.pub)", 1 },
	{ "empty suffix name", "alice@.pub", "", "\n", 0644,
	  "alice@.pub:0: bad key file name (want TENANT.pub or "
	  "TENANT@NAME.pub)", 1 },
	{ "leading dot", ".alice.pub", "", "\n", 0644,
	  ".alice.pub:0: bad key file name (want TENANT.pub or "
	  "TENANT@NAME.pub)", 1 },
	{ "two at signs", "alice@a@b.pub", "", "\n", 0644,
	  "alice@a@b.pub:0: bad key file name (want TENANT.pub or "
	  "TENANT@NAME.pub)", 1 },
	{ "group-writable file", "alice.pub", "", "\n", 0664,
	  "alice.pub:0: writable by group or others", 1 },
	{ "world-writable file", "alice.pub", "", "\n", 0646,
	  "alice.pub:0: writable by group or others", 1 },
};

static void
test_bad_files(void **state)
{
	size_t i;
	char *text, *ok, *dir, msg[1024];
	struct keyring ring;
	struct diag d;

	(void)state;
	ok = key_text(3, "", "\n");
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct file_spec files[3] = {
			{ "alice@ok.pub", ok, 0644 },
			{ c->name, NULL, c->mode }, { NULL, NULL, 0 }
		};

		text = key_text(0, c->before, c->after);
		files[1].text = text;
		dir = make_dir(files);
		diag_init(&d);
		fprintf(stderr, "case: %s\n", c->what);
		assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
		snprintf(msg, sizeof(msg), "%s/%s", dir, c->msg);
		dump_diag(&d);
		assert_int_equal(d.count, 1);
		assert_string_equal(d.msgs[0], msg);
		assert_int_equal(usable_count(&ring), c->usable);
		/* the good key is still there, and nothing of key 0 is usable */
		assert_non_null(find_key(&ring, 3));
		if (find_key(&ring, 0) != NULL)
			assert_false(find_key(&ring, 0)->usable);
		keys_free(&ring);
		diag_clear(&d);
		free(text);
		free(dir);
	}
	free(ok);
}

/* Lines that are not keys. */
static void
test_bad_lines(void **state)
{
	char *text, *dir, msg[1024], *longline;
	struct keyring ring;
	struct diag d;
	size_t i;
	const struct {
		const char *line;
		const char *msg;
	} rows[] = {
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBroken", "unparsable key" },
		{ "ssh-ed25519", "key missing after the type" },
		{ "ssh-foo AAAA", "unknown key type \"ssh-foo\"" },
		{ "ssh-ed25519-cert-v01@openssh.com AAAA",
		  "certificates are not supported" },
		{ "ssh-ed25519 %s", NULL },	/* filled below: right key */
	};

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]) - 1; i++) {
		struct file_spec files[] = {
			{ "bob.pub", NULL, 0644 }, { NULL, NULL, 0 }
		};

		if (asprintf(&text, "# first\n%s\n", rows[i].line) < 0)
			abort();
		files[0].text = text;
		dir = make_dir(files);
		diag_init(&d);
		assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
		snprintf(msg, sizeof(msg), "%s/bob.pub:2: %s", dir,
		    rows[i].msg);
		dump_diag(&d);
		assert_int_equal(d.count, 1);
		assert_string_equal(d.msgs[0], msg);
		assert_int_equal(ring.nkeys, 0);
		keys_free(&ring);
		diag_clear(&d);
		free(text);
		free(dir);
	}

	/* a wrong declared type, a trailing extra blob byte */
	{
		char *wrong_type, *padded;
		struct file_spec files[] = {
			{ "bob.pub", NULL, 0644 }, { NULL, NULL, 0 }
		};

		if (asprintf(&wrong_type, "%s %s\n", pool[2].type,
		    pool[0].base64) < 0 || asprintf(&padded,
		    "%s %sAAAA\n", pool[1].type, pool[1].base64) < 0)
			abort();
		if (asprintf(&text, "%s%s", wrong_type, padded) < 0)
			abort();
		files[0].text = text;
		dir = make_dir(files);
		diag_init(&d);
		assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
		dump_diag(&d);
		assert_int_equal(d.count, 2);
		snprintf(msg, sizeof(msg), "%s/bob.pub:1:", dir);
		assert_memory_equal(d.msgs[0], msg, strlen(msg));
		snprintf(msg, sizeof(msg), "%s/bob.pub:2: key is not in "
		    "canonical form", dir);
		assert_string_equal(d.msgs[1], msg);
		assert_int_equal(ring.nkeys, 0);
		keys_free(&ring);
		diag_clear(&d);
		free(wrong_type);
		free(padded);
		free(text);
		free(dir);
	}

	/* a line of KEYS_MAX_LINE bytes */
	{
		struct file_spec files[] = {
			{ "bob.pub", NULL, 0644 }, { NULL, NULL, 0 }
		};

		longline = malloc(KEYS_MAX_LINE + 2);
		memset(longline, 'A', KEYS_MAX_LINE);
		memcpy(longline, "ssh-rsa ", 8);
		strcpy(longline + KEYS_MAX_LINE, "\n");
		text = key_text(2, longline, "\n");
		files[0].text = text;
		dir = make_dir(files);
		diag_init(&d);
		assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
		snprintf(msg, sizeof(msg), "%s/bob.pub:1: line longer than "
		    "%d bytes", dir, KEYS_MAX_LINE - 1);
		dump_diag(&d);
		assert_int_equal(d.count, 1);
		assert_string_equal(d.msgs[0], msg);
		/* the next line is still read */
		assert_int_equal(ring.nkeys, 1);
		assert_string_equal(ring.keys[0].fingerprint, pool[2].fp);
		keys_free(&ring);
		diag_clear(&d);
		free(text);
		free(longline);
		free(dir);
	}
}

static void
test_symlink_dir_and_huge_file(void **state)
{
	char *ok = key_text(0, "", "\n"), *dir, path[512], target[512];
	char msg[1024];
	const struct file_spec files[] = {
		{ "target", ok, 0644 }, { NULL, NULL, 0 }
	};
	struct keyring ring;
	struct diag d;
	FILE *f;

	(void)state;
	dir = make_dir(files);
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/alice.pub", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/bob.pub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	/* a huge file: a valid key then padding past the cap */
	snprintf(path, sizeof(path), "%s/alice@big.pub", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", pool[1].line);
	while (ftell(f) <= (long)KEYS_MAX_FILE)
		fputs("# padding\n", f);
	fclose(f);

	diag_init(&d);
	assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
	dump_diag(&d);
	assert_int_equal(d.count, 3);
	snprintf(msg, sizeof(msg), "%s/alice.pub:0: is a symbolic link "
	    "(refused)", dir);
	assert_true(diag_has(&d, msg));
	snprintf(msg, sizeof(msg), "%s/alice@big.pub:0: larger than %u "
	    "bytes", dir, KEYS_MAX_FILE);
	assert_true(diag_has(&d, msg));
	snprintf(msg, sizeof(msg), "%s/bob.pub:0: not a regular file", dir);
	assert_true(diag_has(&d, msg));
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	diag_clear(&d);

	/* a key directory others may write is not trusted at all */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
	snprintf(msg, sizeof(msg), "%s:0: key directory must be owned by root "
	    "and not writable by group or others", dir);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.msgs[0], msg);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	diag_clear(&d);

	/* a missing directory */
	assert_int_equal(keys_load("/nonexistent/keys", known_ab, NULL, &ring,
	    &d), -1);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.msgs[0], "/nonexistent/keys:0: cannot open key "
	    "directory: No such file or directory");
	keys_free(&ring);
	diag_clear(&d);
	free(ok);
	free(dir);
}

static void
test_duplicates(void **state)
{
	char *k0 = key_text(0, "", "\n"), *k01, *k1 = key_text(1, "", "\n");
	char *dir, msg[1024];
	struct keyring ring;
	struct diag d;
	const struct key_entry *k;

	(void)state;
	if (asprintf(&k01, "%s\n%s\n", pool[1].line, pool[0].line) < 0)
		abort();
	{
		/* key 0 under alice and bob; key 1 twice under alice */
		const struct file_spec files[] = {
			{ "alice.pub", k0, 0644 }, { "bob.pub", k01, 0644 },
			{ "alice@2.pub", k1, 0644 }, { NULL, NULL, 0 }
		};

		dir = make_dir(files);
	}
	diag_init(&d);
	assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), -1);
	dump_diag(&d);
	assert_int_equal(d.count, 4);
	snprintf(msg, sizeof(msg), "%s/alice.pub:1: key %s is also under "
	    "tenant bob (%s/bob.pub:2); refused for both", dir, pool[0].fp,
	    dir);
	assert_true(diag_has(&d, msg));
	snprintf(msg, sizeof(msg), "%s/bob.pub:2: key %s is also under "
	    "tenant alice (%s/alice.pub:1); refused for both", dir, pool[0].fp,
	    dir);
	assert_true(diag_has(&d, msg));
	/* key 1 is shared too: alice@2.pub and bob.pub:1 */
	snprintf(msg, sizeof(msg), "%s/bob.pub:1: key %s is also under "
	    "tenant alice (%s/alice@2.pub:1); refused for both", dir,
	    pool[1].fp, dir);
	assert_true(diag_has(&d, msg));
	assert_int_equal(usable_count(&ring), 0);
	keys_free(&ring);
	diag_clear(&d);
	free(dir);

	/* one tenant filing a key twice is fine: offered once */
	{
		const struct file_spec files[] = {
			{ "alice.pub", k01, 0644 }, { "alice@2.pub", k1, 0644 },
			{ NULL, NULL, 0 }
		};

		dir = make_dir(files);
	}
	assert_int_equal(keys_load(dir, known_ab, NULL, &ring, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(ring.nkeys, 2);
	assert_int_equal(usable_count(&ring), 2);
	assert_non_null(k = find_key(&ring, 1));
	snprintf(msg, sizeof(msg), "%s/alice.pub", dir);
	assert_string_equal(k->file, msg);
	keys_free(&ring);
	free(dir);
	free(k0);
	free(k01);
	free(k1);
}

/* The login path: one key looked up; the duplicate still caught. */
static void
test_load_only(void **state)
{
	char *a = key_text(0, "", "\nssh-ed25519 AAAAbroken\n");
	char *b = key_text(1, "restrict ", "\n");
	char *c = key_text(2, "", "\n");
	char *dir;
	struct keyring ring;
	struct diag d;
	const struct file_spec files[] = {
		{ "alice.pub", a, 0644 }, { "bob.pub", b, 0644 },
		{ "carol.pub", c, 0644 }, { NULL, NULL, 0 }
	};

	(void)state;
	dir = make_dir(files);
	diag_init(&d);
	/* the broken lines are not the key asked for: not looked at */
	assert_int_equal(keys_load_only(dir, known_ab, NULL, NULL,
	    pool[0].type, pool[0].base64, &ring, &d), 0);
	assert_int_equal(ring.nkeys, 1);
	assert_true(ring.keys[0].usable);
	assert_string_equal(ring.keys[0].tenant, "alice");
	assert_string_equal(ring.keys[0].fingerprint, pool[0].fp);
	keys_free(&ring);
	/* the key of an unknown tenant is not usable */
	assert_int_equal(keys_load_only(dir, known_ab, NULL, NULL,
	    pool[2].type, pool[2].base64, &ring, &d), -1);
	assert_int_equal(usable_count(&ring), 0);
	keys_free(&ring);
	diag_clear(&d);
	/* a key nobody has */
	assert_int_equal(keys_load_only(dir, known_ab, NULL, NULL,
	    pool[3].type, pool[3].base64, &ring, &d), 0);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	/* narrowed to a tenant */
	assert_int_equal(keys_load_only(dir, NULL, NULL, "bob",
	    pool[0].type, pool[0].base64, &ring, &d), 0);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	free(dir);

	/* key 0 under alice and bob: refused even on the login path */
	{
		const struct file_spec dup[] = {
			{ "alice.pub", a, 0644 }, { "bob@x.pub", a, 0644 },
			{ NULL, NULL, 0 }
		};

		dir = make_dir(dup);
	}
	assert_int_equal(keys_load_only(dir, known_ab, NULL, NULL,
	    pool[0].type, pool[0].base64, &ring, &d), -1);
	assert_int_equal(ring.nkeys, 2);
	assert_int_equal(usable_count(&ring), 0);
	keys_free(&ring);
	diag_clear(&d);
	free(dir);
	free(a);
	free(b);
	free(c);
}

/* keys_from_auth_info on a file of one publickey line; rc as expected */
static void
auth_line(char *fp, size_t fplen, const char *type, const char *b64, int rc)
{
	char *text, *path;

	if (asprintf(&text, "publickey %s %s\n", type, b64) < 0)
		abort();
	path = unit_write_file("auth", text, 0600);
	if (keys_from_auth_info(path, NULL, fp, fplen) != rc)
		fail_msg("auth info '%s': not %d", text, rc);
	free(text);
	free(path);
}

/* the base64 of blob (len bytes), malloc'd */
static char *
b64_of(const unsigned char *blob, size_t len)
{
	size_t max = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(max);

	assert_non_null(b64);
	sodium_bin2base64(b64, max, blob, len, sodium_base64_VARIANT_ORIGINAL);
	return b64;
}

/* a key blob (RFC 4253 section 6.6): the type name as an SSH string, then
 * rest as is; its base64, malloc'd */
static char *
blob_b64(const char *type, const unsigned char *rest, size_t restlen)
{
	unsigned char blob[4096];
	size_t tlen = strlen(type);
	char *b64;

	assert_true(4 + tlen + restlen <= sizeof(blob));
	blob[0] = blob[1] = 0;
	blob[2] = (unsigned char)(tlen >> 8);
	blob[3] = (unsigned char)tlen;
	memcpy(blob + 4, type, tlen);
	memcpy(blob + 4 + tlen, rest, restlen);
	b64 = b64_of(blob, 4 + tlen + restlen);
	return b64;
}

/* pool[0]'s blob with bytes appended; its base64, malloc'd */
static char *
pool0_with_trailer(void)
{
	unsigned char blob[4096];
	size_t len = 0;

	assert_int_equal(sodium_base642bin(blob, sizeof(blob) - 3,
	    pool[0].base64, strlen(pool[0].base64), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	memcpy(blob + len, "\0\0\1", 3);
	return b64_of(blob, len + 3);
}

/* a certificate of pool[0]'s key, signed by a CA made for it, as sshd's
 * auth info would name it */
static void
cert_of_pool0(char *type, size_t typelen, char *b64, size_t b64len)
{
	char dir[] = "/tmp/vmgate-unit-XXXXXX", cmd[512], line[8192];
	char t[128], k[4096];
	FILE *f;

	unit_mkdtemp(dir);
	snprintf(cmd, sizeof(cmd), "%s/k.pub", dir);
	if ((f = fopen(cmd, "w")) == NULL)
		abort();
	fprintf(f, "%s\n", pool[0].line);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && "
	    "ssh-keygen -q -t ed25519 -N '' -f ca && "
	    "ssh-keygen -q -s ca -I test -n alice k.pub && cat k-cert.pub",
	    dir);
	if ((f = popen(cmd, "r")) == NULL || fgets(line, sizeof(line), f) ==
	    NULL || pclose(f) != 0 || sscanf(line, "%127s %4095s", t, k) != 2)
		fail_msg("no certificate from ssh-keygen");
	assert_non_null(strstr(t, "-cert-v01@openssh.com"));
	snprintf(type, typelen, "%s", t);
	snprintf(b64, b64len, "%s", k);
}

static void
test_auth_info(void **state)
{
	char fp[KEYS_FP_LEN], *text, *path, *b64;
	char cert_type[128], cert_b64[4096];
	size_t n;
	int i;

	(void)state;
	if (asprintf(&text, "publickey %s %s\n", pool[1].type,
	    pool[1].base64) < 0)
		abort();
	path = unit_write_file("auth", text, 0600);
	assert_int_equal(keys_from_auth_info(path, NULL, fp, sizeof(fp)), 0);
	assert_string_equal(fp, pool[1].fp);
	free(text);
	free(path);

	/* two methods: the public key is the first publickey line */
	if (asprintf(&text, "password\npublickey %s %s\npublickey %s %s\n",
	    pool[2].type, pool[2].base64, pool[0].type, pool[0].base64) < 0)
		abort();
	path = unit_write_file("auth", text, 0600);
	assert_int_equal(keys_from_auth_info(path, NULL, fp, sizeof(fp)), 0);
	assert_string_equal(fp, pool[2].fp);
	free(text);
	free(path);

	path = unit_write_file("auth", "password\nkeyboard-interactive\n",
	    0600);
	assert_int_equal(keys_from_auth_info(path, NULL, fp, sizeof(fp)), -1);
	assert_string_equal(fp, "");
	free(path);
	path = unit_write_file("auth", "publickey ssh-ed25519 AAAAbroken\n",
	    0600);
	assert_int_equal(keys_from_auth_info(path, NULL, fp, sizeof(fp)), -1);
	free(path);

	/* every key of the pool gets keys_fingerprint's answer */
	for (i = 0; i < NPOOL; i++) {
		auth_line(fp, sizeof(fp), pool[i].type, pool[i].base64, 0);
		assert_string_equal(fp, pool[i].fp);
	}
	/* a blob of another type than declared, a certificate, base64 that
	 * is not canonical (padding missing or trailing bits set), a buffer
	 * too small: no fingerprint */
	auth_line(fp, sizeof(fp), pool[2].type, pool[0].base64, -1);
	auth_line(fp, sizeof(fp), "ssh-ed25519-cert-v01@openssh.com",
	    pool[0].base64, -1);
	cert_of_pool0(cert_type, sizeof(cert_type), cert_b64,
	    sizeof(cert_b64));
	auth_line(fp, sizeof(fp), cert_type, cert_b64, -1);
	/* pool[1] (RSA) ends "X=": X carries 2 unused bits, 0 */
	b64 = strdup(pool[1].base64);
	assert_non_null(b64);
	n = strlen(b64);
	assert_true(n > 2 && b64[n - 1] == '=' && b64[n - 2] != '=');
	b64[n - 1] = '\0';	/* padding cut */
	auth_line(fp, sizeof(fp), pool[1].type, b64, -1);
	b64[n - 1] = '=';
	b64[n - 2] = B64_ALPHABET[(strchr(B64_ALPHABET, b64[n - 2]) -
	    B64_ALPHABET) | 1];	/* an unused bit set */
	auth_line(fp, sizeof(fp), pool[1].type, b64, -1);
	free(b64);
	/* a blob that is only the type name and garbage, a valid blob with
	 * bytes after it, a type no one knows: no fingerprint */
	b64 = blob_b64(pool[0].type, (const unsigned char *)"garbage!", 8);
	auth_line(fp, sizeof(fp), pool[0].type, b64, -1);
	free(b64);
	b64 = pool0_with_trailer();
	auth_line(fp, sizeof(fp), pool[0].type, b64, -1);
	free(b64);
	b64 = blob_b64("ssh-unknown", (const unsigned char *)
	    "0123456789abcdef0123456789abcdef", 32);
	auth_line(fp, sizeof(fp), "ssh-unknown", b64, -1);
	free(b64);
	auth_line(fp, 20, pool[0].type, pool[0].base64, -1);
	assert_int_equal(keys_from_auth_info("/nonexistent/auth", NULL,
	    fp, sizeof(fp)), -1);
	assert_int_equal(keys_from_auth_info(NULL, NULL, fp, sizeof(fp)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_matches_ssh_keygen),
		cmocka_unit_test(test_load_good_directory),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_symlink_dir_and_huge_file),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_load_only),
		cmocka_unit_test(test_auth_info),
	};

	return cmocka_run_group_tests(tests, read_pool, NULL);
}
