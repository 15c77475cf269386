/*
 * test_admin: the admin commands as an admin and sshd see them: the output
 * of check, check --tenant, authorized-keys (exact lines, both account
 * models) and audit (exact findings), and the result each one returns.
 * Machines come from libvirt's test driver (TEST_DATA/keys/node.xml); audit
 * runs the real /usr/sbin/sshd -T on a config of its own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf, open_memstream */
#endif
#include "unit.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vmgate/admin.h"
#include "vmgate/config.h"

#define NPOOL 6
#define SELF "/usr/local/bin/vmgate"
#define CFG "/etc/vmgate/vmgate.ini"

struct pool_key {
	char type[64];
	char base64[4000];
};

static struct pool_key pool[NPOOL];
static char work[] = "/tmp/vmgate-admin-XXXXXX";
static char *cfg_path;

/* the config: alice has spice everywhere, bob through group ops only,
 * carol is disabled, dave's machines have no usable endpoint, erin may not
 * use spice at all */
static const char config_fmt[] =
    "[vmgate]\n"
    "uri = test://%s/keys/node.xml\n"
    "keys = %s/%s\n"
    "service_user = gatesvc\n"
    "[tenant alice]\n"
    "domains = web1, db1, gate-ok\n"
    "[tenant bob]\n"
    "domains = web2\n"
    "allow = status console\n"
    "[tenant carol]\n"
    "domains = web1\n"
    "disabled = yes\n"
    "[tenant dave]\n"
    "domains = gate-open gate-auto gate-nospice gate-gone\n"
    "[tenant erin]\n"
    "domains = web1\n"
    "allow = status\n"
    "[group ops]\n"
    "members = alice bob\n"
    "domains = web2\n"
    "allow = status spice\n"
    "[domain web1]\n"
    "spice = 127.0.0.1:5931\n"
    "[domain db1]\n"
    "spice = [::1]:5932\n"
    "[domain web2]\n"
    "spice = 127.0.0.1:5933\n";

/* key file -> pool key */
static const struct {
	const char *file;
	int key;
} key_files[] = {
	{ "alice.pub", 0 }, { "alice@laptop.pub", 1 }, { "bob.pub", 2 },
	{ "carol.pub", 3 }, { "dave.pub", 4 }, { "erin@x.pub", 5 },
};

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static char *
pool_line(int i)
{
	char *s;

	if (asprintf(&s, "%s %s pool key %d\n", pool[i].type, pool[i].base64,
	    i) < 0)
		abort();
	return s;
}

/* a key directory dir (mode 0755) with key_files in it */
static void
make_keys(const char *dir)
{
	char path[512], *text;
	size_t i;

	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	for (i = 0; i < sizeof(key_files) / sizeof(key_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, key_files[i].file);
		text = pool_line(key_files[i].key);
		write_text(path, text, 0644);
		free(text);
	}
}

/* WORK/NAME.ini naming key directory WORK/KEYS; returns its path */
static char *
write_config(const char *name, const char *keys)
{
	char *text, *path;

	/* the test driver wants an absolute path after test:// */
	if (asprintf(&text, config_fmt, TEST_DATA, work, keys) < 0 ||
	    asprintf(&path, "%s/%s.ini", work, name) < 0)
		abort();
	write_text(path, text, 0644);
	free(text);
	return path;
}

static int
setup(void **state)
{
	char path[512];
	FILE *f;
	int i;

	(void)state;
	for (i = 0; i < NPOOL; i++) {
		snprintf(path, sizeof(path), "%s/keys/k%d.pub", TEST_DATA, i);
		if ((f = fopen(path, "r")) == NULL)
			return -1;
		if (fscanf(f, "%63s %3999s", pool[i].type,
		    pool[i].base64) != 2)
			return -1;
		fclose(f);
	}
	unit_mkdtemp(work);
	/* sshd's AuthorizedKeysCommandUser (nobody) reads what audit checks */
	if (chmod(work, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/keys", work);
	make_keys(path);
	cfg_path = write_config("vmgate", "keys");
	return 0;
}

/* Output of one admin call: streams in, text out. */
struct capture {
	FILE *out, *err;
	char *outbuf, *errbuf;
	size_t outlen, errlen;
};

static void
cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->out = open_memstream(&c->outbuf, &c->outlen);
	c->err = open_memstream(&c->errbuf, &c->errlen);
	assert_non_null(c->out);
	assert_non_null(c->err);
}

static void
cap_close(struct capture *c)
{
	fclose(c->out);
	fclose(c->err);
}

static void
cap_free(struct capture *c)
{
	free(c->outbuf);
	free(c->errbuf);
}

static struct config *
load(const char *path)
{
	struct config *cfg = NULL;
	struct diag d;
	size_t i;

	diag_init(&d);
	if (config_load(path, geteuid(), &cfg, &d) != 0) {
		for (i = 0; i < d.count; i++)
			fprintf(stderr, "config: %s\n", d.msgs[i]);
		fail_msg("config %s refused", path);
	}
	diag_clear(&d);
	return cfg;
}

/* text (freed) written to path and loaded into *cfg, which audit checks
 * against the sshd config sshd; its output in c, its result returned */
static enum result
audit_written(const char *path, char *text, const char *sshd,
    struct config **cfg, struct capture *c)
{
	enum result r;

	write_text(path, text, 0644);
	free(text);
	*cfg = load(path);
	cap_open(c);
	r = admin_audit(*cfg, sshd, NULL, c->out, c->err);
	cap_close(c);
	return r;
}

static void
test_check_ok(void **state)
{
	struct capture c;
	char *want;
	enum result r;

	(void)state;
	cap_open(&c);
	r = admin_check(cfg_path, geteuid(), c.out, c.err);
	cap_close(&c);
	fprintf(stderr, "%s", c.errbuf);
	assert_int_equal(r, RESULT_OK);
	/* machines: web1 db1 gate-ok web2 gate-open gate-auto gate-nospice
	 * gate-gone; every key is usable, but carol is disabled: her key
	 * cannot log in and is not counted */
	if (asprintf(&want, "%s: ok (5 tenants, 8 domains, 5 keys)\n",
	    cfg_path) < 0)
		abort();
	assert_string_equal(c.outbuf, want);
	assert_string_equal(c.errbuf, "");
	free(want);
	cap_free(&c);
}

/*
 * check is the admin saying the files are done: a config and key
 * directory written a moment ago still get their snapshot and index (the
 * settle time is waited out), and when one cannot be written, check says
 * so.
 */
static void
test_check_settles(void **state)
{
	char dir[512], path[600], keys[600], snap[700], index[700];
	struct capture c;
	struct stat st;
	char *text;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/fresh", work);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	make_keys(keys);
	snprintf(path, sizeof(path), "%s/vmgate.ini", dir);
	if (asprintf(&text, "[vmgate]\nkeys = %s\n[tenant alice]\n"
	    "domains = web1\n[tenant bob]\n[tenant carol]\n[tenant dave]\n"
	    "[tenant erin]\n", keys) < 0)
		abort();
	write_text(path, text, 0644);
	free(text);
	snprintf(snap, sizeof(snap), "%s.snap", path);
	snprintf(index, sizeof(index), "%s.index", keys);
	cap_open(&c);
	assert_int_equal(admin_check(path, geteuid(), c.out, c.err),
	    RESULT_OK);
	cap_close(&c);
	assert_string_equal(c.errbuf, "");
	assert_int_equal(stat(snap, &st), 0);
	assert_int_equal(stat(index, &st), 0);
	cap_free(&c);

	/* another owner's config: root checks it but may not vouch for it */
	skip_unless_root("another owner's config");
	assert_int_equal(unlink(snap), 0);
	assert_int_equal(chown(path, 1, 1), 0);
	cap_open(&c);
	assert_int_equal(admin_check(path, 1, c.out, c.err), RESULT_OK);
	cap_close(&c);
	if (asprintf(&text, "vmgate: check: %s not written: only the "
	    "config's owner writes it; requests read the whole config until "
	    "it is\n", snap) < 0)
		abort();
	assert_string_equal(c.errbuf, text);
	assert_int_not_equal(stat(snap, &st), 0);
	free(text);
	cap_free(&c);
}

static void
test_check_problems(void **state)
{
	char dir[256], path[512], *text, *ini;
	struct capture c;
	enum result r;

	(void)state;
	/* a second config whose key directory has two problems */
	snprintf(dir, sizeof(dir), "%s/keys2", work);
	make_keys(dir);
	snprintf(path, sizeof(path), "%s/zed.pub", dir);
	text = pool_line(0);
	write_text(path, text, 0644);
	free(text);
	snprintf(path, sizeof(path), "%s/bob@old.pub", dir);
	write_text(path, "no-pty ssh-ed25519 AAAA\n", 0644);
	ini = write_config("keys2", "keys2");

	cap_open(&c);
	r = admin_check(ini, geteuid(), c.out, c.err);
	cap_close(&c);
	assert_int_equal(r, RESULT_CONFIG);
	assert_string_equal(c.outbuf, "");
	/* zed's key is alice's too: refused for both, and zed is unknown */
	fprintf(stderr, "%s", c.errbuf);
	assert_non_null(strstr(c.errbuf, "bob@old.pub:1: key options are not "
	    "allowed (vmgate writes them)\n"));
	assert_non_null(strstr(c.errbuf, "/keys2/zed.pub:0: no tenant zed in "
	    "the config\n"));
	assert_non_null(strstr(c.errbuf, "/keys2/alice.pub:1: key SHA256:"));
	assert_non_null(strstr(c.errbuf, "is also under tenant zed ("));
	cap_free(&c);
	free(ini);

	/* a config that cannot be read: its message, nothing on stdout */
	cap_open(&c);
	r = admin_check("/nonexistent/vmgate.ini", geteuid(), c.out, c.err);
	cap_close(&c);
	assert_int_equal(r, RESULT_CONFIG);
	assert_string_equal(c.outbuf, "");
	assert_memory_equal(c.errbuf, "/nonexistent/vmgate.ini:0: ", 27);
	cap_free(&c);
}

/* check: every catalog file must be safe, each problem on its path line */
static void
test_check_media(void **state)
{
	char good[512], loose[512], link[512], ini[512], *base = NULL;
	char *text = NULL, *want = NULL;
	struct capture c;
	enum result r;
	FILE *f;
	long n;

	(void)state;
	/* a catalog file must be root's: only root can make a good one */
	skip_unless_root("the media catalog's root-owned files");
	snprintf(good, sizeof(good), "%s/good.iso", work);
	snprintf(loose, sizeof(loose), "%s/loose.iso", work);
	snprintf(link, sizeof(link), "%s/link.iso", work);
	write_text(good, "image\n", 0644);
	write_text(loose, "image\n", 0664);
	assert_int_equal(symlink(good, link), 0);
	assert_non_null(f = fopen(cfg_path, "r"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	base = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(base, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	/* the base config has 27 lines: [media good] is line 28 */
	if (asprintf(&text, "%s[media good]\npath = %s\n[media loose]\n"
	    "path = %s\n[media link]\npath = %s\n", base, good, loose,
	    link) < 0)
		abort();
	snprintf(ini, sizeof(ini), "%s/media.ini", work);
	write_text(ini, text, 0644);

	cap_open(&c);
	r = admin_check(ini, geteuid(), c.out, c.err);
	cap_close(&c);
	fprintf(stderr, "%s", c.errbuf);
	assert_int_equal(r, RESULT_CONFIG);
	assert_string_equal(c.outbuf, "");
	/* in name order, each at the line of its path */
	if (asprintf(&want, "%s:33: media link: %s: is a symbolic link\n"
	    "%s:31: media loose: %s: writable by group or others\n", ini, link,
	    ini, loose) < 0)
		abort();
	assert_string_equal(c.errbuf, want);
	cap_free(&c);

	/* made safe: the same config passes */
	assert_int_equal(chmod(loose, 0644), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(rename(good, link), 0);
	write_text(good, "image\n", 0644);
	cap_open(&c);
	r = admin_check(ini, geteuid(), c.out, c.err);
	cap_close(&c);
	assert_int_equal(r, RESULT_OK);
	assert_string_equal(c.errbuf, "");
	cap_free(&c);
	unlink(good);
	unlink(loose);
	unlink(link);
	unlink(ini);
	free(want);
	free(text);
	free(base);
}

static void
test_check_request(void **state)
{
	static const struct {
		const char *tenant, *verb, *domain;
		enum result r;
		const char *out;
	} rows[] = {
		{ "alice", "status", "web1", RESULT_OK, "permit\n" },
		{ "alice", "spice", "web2", RESULT_OK, "permit\n" },
		{ "alice", "reset", "web2", RESULT_DENIED, "deny\n" },
		{ "alice", "reset", "web9", RESULT_DENIED, "deny\n" },
		{ "alice", "list", NULL, RESULT_OK, "permit\n" },
		{ "bob", "spice", "web2", RESULT_OK, "permit\n" },
		{ "bob", "console", "web2", RESULT_OK, "permit\n" },
		{ "bob", "start", "web2", RESULT_DENIED, "deny\n" },
		{ "erin", "spice", "web1", RESULT_DENIED, "deny\n" },
		{ "carol", "status", "web1", RESULT_DENIED, "deny\n" },
		{ "carol", "list", NULL, RESULT_DENIED, "deny\n" },
		{ "mallory", "list", NULL, RESULT_DENIED, "deny\n" },
		{ "alice", "frobnicate", "web1", RESULT_USAGE, "" },
		{ "alice", "status", NULL, RESULT_USAGE, "" },
		{ "alice", "list", "web1", RESULT_USAGE, "" },
	};
	struct config *cfg = load(cfg_path);
	struct capture c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cap_open(&c);
		assert_int_equal(admin_check_request(cfg, rows[i].tenant,
		    rows[i].verb, rows[i].domain, c.out, c.err), rows[i].r);
		cap_close(&c);
		assert_string_equal(c.outbuf, rows[i].out);
		if (rows[i].r == RESULT_USAGE)
			assert_true(c.errlen > 0);
		cap_free(&c);
	}
	cap_open(&c);
	admin_check_request(cfg, "alice", "frob\x1b[2J", "web1", c.out, c.err);
	cap_close(&c);
	assert_string_equal(c.errbuf, "vmgate: unknown verb: frob\\x1b[2J\n");
	cap_free(&c);
	config_free(cfg);
}

/* the line authorized-keys must print for pool key k */
static char *
want_line(const char *opts, const char *tenant, int k)
{
	char *s;

	if (asprintf(&s, "restrict,pty%s,command=\"exec " SELF " -f " CFG "%s%s\" "
	    "%s %s\n", opts, tenant ? " --tenant " : "", tenant ? tenant : "",
	    pool[k].type, pool[k].base64) < 0)
		abort();
	return s;
}

static char *
join(char **lines, size_t n)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(lines[i]);
	s = calloc(1, len);
	for (i = 0; i < n; i++) {
		strcat(s, lines[i]);
		free(lines[i]);
	}
	return s;
}

#define ALICE_OPTS ",port-forwarding,permitopen=\"127.0.0.1:5931\"," \
	"permitopen=\"127.0.0.1:5933\",permitopen=\"127.0.0.1:5934\"," \
	"permitopen=\"[::1]:5932\""
#define BOB_OPTS ",port-forwarding,permitopen=\"127.0.0.1:5933\""

static void
run_keys(const struct config *cfg, const char *user, int key,
    const char *want, enum result want_r)
{
	struct capture c;
	enum result r;

	cap_open(&c);
	r = admin_authorized_keys(cfg, SELF, CFG, user,
	    key >= 0 ? pool[key].type : NULL,
	    key >= 0 ? pool[key].base64 : NULL, c.out, c.err);
	cap_close(&c);
	if (strcmp(c.outbuf, want) != 0)
		fprintf(stderr, "user %s key %d:\n got: %s want: %s err: %s\n",
		    user, key, c.outbuf, want, c.errbuf);
	assert_int_equal(r, want_r);
	assert_string_equal(c.outbuf, want);
	cap_free(&c);
}

static void
test_authorized_keys_per_user(void **state)
{
	struct config *cfg = load(cfg_path);
	char *lines[2], *want;

	(void)state;
	/* alice: both files, every endpoint once, sorted; gate-ok's from
	 * the domain XML */
	lines[0] = want_line(ALICE_OPTS, NULL, 0);
	lines[1] = want_line(ALICE_OPTS, NULL, 1);
	want = join(lines, 2);
	run_keys(cfg, "alice", -1, want, RESULT_OK);
	free(want);
	/* the key sshd asks about, and only it */
	want = want_line(ALICE_OPTS, NULL, 1);
	run_keys(cfg, "alice", 1, want, RESULT_OK);
	free(want);
	/* bob's key does not open alice's account */
	run_keys(cfg, "alice", 2, "", RESULT_OK);
	/* bob: spice through his group only */
	want = want_line(BOB_OPTS, NULL, 2);
	run_keys(cfg, "bob", 2, want, RESULT_OK);
	free(want);
	/* no endpoint: wildcard listen, autoport, no display, no machine */
	want = want_line("", NULL, 4);
	run_keys(cfg, "dave", -1, want, RESULT_OK);
	free(want);
	/* no spice right: no forwarding at all */
	want = want_line("", NULL, 5);
	run_keys(cfg, "erin", 5, want, RESULT_OK);
	free(want);
	/* disabled, unknown, not a name */
	run_keys(cfg, "carol", -1, "", RESULT_OK);
	run_keys(cfg, "carol", 3, "", RESULT_OK);
	run_keys(cfg, "mallory", -1, "", RESULT_OK);
	run_keys(cfg, "../alice", -1, "", RESULT_OK);
	run_keys(cfg, "", -1, "", RESULT_OK);
	config_free(cfg);
}

static void
test_authorized_keys_shared(void **state)
{
	struct config *cfg = load(cfg_path);
	char *lines[5], *want;

	(void)state;
	/* every enabled tenant's keys, the tenant in command= */
	lines[0] = want_line(ALICE_OPTS, "alice", 0);
	lines[1] = want_line(ALICE_OPTS, "alice", 1);
	lines[2] = want_line(BOB_OPTS, "bob", 2);
	lines[3] = want_line("", "dave", 4);
	lines[4] = want_line("", "erin", 5);
	want = join(lines, 5);
	run_keys(cfg, "gatesvc", -1, want, RESULT_OK);
	free(want);
	want = want_line(BOB_OPTS, "bob", 2);
	run_keys(cfg, "gatesvc", 2, want, RESULT_OK);
	free(want);
	/* carol is disabled: her key opens nothing */
	run_keys(cfg, "gatesvc", 3, "", RESULT_OK);
	config_free(cfg);
}

static void
test_authorized_keys_refusals(void **state)
{
	struct config *cfg = load(cfg_path);
	struct capture c;
	size_t i;
	static const char *const bad[][2] = {
		{ "/usr/local/bin/vm gate", CFG },
		{ SELF, "etc/vmgate.ini" },
		{ SELF, "/etc/vmgate\".ini" },
		{ "/usr/bin/vmgate\\", CFG },
		{ "/usr/bin/vm\tgate", CFG },
		/* sh would run these: command= goes through the login shell */
		{ SELF, "/tmp/a;id>x;#/vmgate.ini" },
		{ "/usr/bin/$(id)", CFG },
		{ "/usr/bin/`id`", CFG },
		{ SELF, "/etc/a|b.ini" },
		{ SELF, "/etc/a&b.ini" },
		{ SELF, "/etc/a'b.ini" },
		{ SELF, "/etc/a*.ini" },
	};

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_open(&c);
		assert_int_equal(admin_authorized_keys(cfg, bad[i][0],
		    bad[i][1], "alice", NULL, NULL, c.out, c.err),
		    RESULT_CONFIG);
		cap_close(&c);
		assert_string_equal(c.outbuf, "");
		assert_true(c.errlen > 0);
		cap_free(&c);
	}
	/* a type without a key */
	cap_open(&c);
	assert_int_equal(admin_authorized_keys(cfg, SELF, CFG, "alice",
	    pool[0].type, NULL, c.out, c.err), RESULT_USAGE);
	cap_close(&c);
	assert_string_equal(c.outbuf, "");
	cap_free(&c);
	config_free(cfg);
}

/* A key filed under two tenants is offered to neither, in either model. */
static void
test_authorized_keys_duplicate(void **state)
{
	char dir[256], path[512], *text, *ini;
	struct config *cfg;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/keys3", work);
	make_keys(dir);
	snprintf(path, sizeof(path), "%s/bob@copy.pub", dir);
	text = pool_line(0);
	write_text(path, text, 0644);
	free(text);
	ini = write_config("keys3", "keys3");
	cfg = load(ini);
	free(ini);
	run_keys(cfg, "alice", 0, "", RESULT_OK);
	run_keys(cfg, "bob", 0, "", RESULT_OK);
	run_keys(cfg, "gatesvc", 0, "", RESULT_OK);
	/* alice's other key still works */
	text = want_line(ALICE_OPTS, NULL, 1);
	run_keys(cfg, "alice", 1, text, RESULT_OK);
	free(text);
	config_free(cfg);
}

/*
 * What sshd logs for a key in two tenants' files, asked for one tenant's
 * account: why it is refused, and nothing untrue. The login path loads a
 * config scoped to that tenant (the snapshot), which knows no other
 * tenant; bob is still in the config.
 */
static void
test_authorized_keys_duplicate_message(void **state)
{
	char dir[256], path[512], *text, *ini;
	struct config *cfg;
	struct capture c;
	int scoped;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/keys4", work);
	make_keys(dir);
	snprintf(path, sizeof(path), "%s/bob@copy.pub", dir);
	text = pool_line(0);
	write_text(path, text, 0644);
	free(text);
	ini = write_config("keys4", "keys4");
	for (scoped = 0; scoped < 2; scoped++) {
		cfg = load(ini);
		if (scoped)
			config_keep_only(cfg, "alice");
		cap_open(&c);
		assert_int_equal(admin_authorized_keys(cfg, SELF, CFG, "alice",
		    pool[0].type, pool[0].base64, c.out, c.err), RESULT_OK);
		cap_close(&c);
		assert_string_equal(c.outbuf, "");
		if (strstr(c.errbuf, "is also under tenant bob") == NULL ||
		    strstr(c.errbuf, "no tenant") != NULL)
			fail_msg("%s config: sshd would log:\n%s",
			    scoped ? "scoped" : "full", c.errbuf);
		cap_free(&c);
		config_free(cfg);
	}
	free(ini);
}

/* ---- audit ---- */

static char *
audit_setup(const char *sshd_extra, char **sshd_path)
{
	char path[512], *text, *snippet = NULL, *p;
	size_t len = 0;
	FILE *f;

	/* sshd -T needs its privilege separation directory, which the
	 * running sshd's service makes on a real host */
	if (geteuid() == 0 && mkdir("/run/sshd", 0755) != 0)
		assert_int_equal(errno, EEXIST);
	snprintf(path, sizeof(path), "ssh-keygen -q -t ed25519 -N '' -f "
	    "%s/hostkey </dev/null >/dev/null 2>&1 || true", work);
	assert_int_equal(system(path), 0);
	if (strncmp(sshd_extra, "contrib", 7) == 0) {
		/* "contrib+TEXT": TEXT, then the snippet (sshd keeps the
		 * first value it meets, Match blocks included) */
		const char *more = sshd_extra[7] == '+' ? sshd_extra + 8 : "";

		/* the shipped snippet, its service account renamed daemon */
		snprintf(path, sizeof(path), "%s/../../../contrib/"
		    "sshd_config.vmgate", TEST_DATA);
		assert_non_null(f = fopen(path, "r"));
		assert_int_not_equal(getdelim(&snippet, &len, '\0', f), -1);
		fclose(f);
		assert_non_null(p = strstr(snippet, "Match User vmgate\n"));
		memcpy(p, "Match User daemon\n", 18);
		if (asprintf(&p, "%s%s", more, snippet) < 0)
			abort();
		free(snippet);
		snippet = p;
		sshd_extra = snippet;
	}
	if (asprintf(&text, "HostKey %s/hostkey\nPidFile none\n%s", work,
	    sshd_extra) < 0)
		abort();
	if (asprintf(sshd_path, "%s/sshd_config.%d", work, rand()) < 0)
		abort();
	write_text(*sshd_path, text, 0600);
	free(text);
	free(snippet);
	/* vmgate config: the node's machines, one missing, daemon as the
	 * shared account (it exists everywhere) */
	if (asprintf(&text,
	    "[vmgate]\n"
	    "uri = test://%s/keys/node.xml\n"
	    "keys = %s/keys\n"
	    "service_user = daemon\n"
	    "[tenant alice]\n"
	    "domains = gate-ok gate-open gate-auto gate-nospice gate-gone\n"
	    "[domain gate-ok]\n"
	    "spice = 127.0.0.1:5934\n"
	    "[domain gate-nospice]\n"
	    "spice = 127.0.0.1:5935\n", TEST_DATA, work) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/audit.ini", work);
	write_text(path, text, 0644);
	free(text);
	return strdup(path);
}

#define NO_ENDPOINT "tenants get no SPICE endpoint (status shows none, " \
	"spice refuses): give the display a fixed port and address, or set " \
	"spice = HOST:PORT\n"

static void
test_audit(void **state)
{
	char *ini, *sshd, *want;
	struct config *cfg;
	struct capture c;
	enum result r;
	const char *domain_findings =
	    "domain gate-auto: SPICE port is not fixed (autoport)\n"
	    "domain gate-auto: " NO_ENDPOINT
	    "domain gate-auto: SPICE password never expires (no "
	    "passwdValidTo)\n"
	    "domain gate-gone: no such domain on test://" TEST_DATA
	    "/keys/node.xml\n"
	    "domain gate-nospice: spice = 127.0.0.1:5935 in the config, but "
	    "the machine has no SPICE display\n"
	    "domain gate-nospice: no serial console for the console verb "
	    "(define <serial type='pty'> and <console type='pty'>, as "
	    "domain-example.xml does)\n"
	    "domain gate-open: SPICE listens on 0.0.0.0, every address of its "
	    "host (never 0.0.0.0 or ::)\n"
	    "domain gate-open: " NO_ENDPOINT
	    "domain gate-open: SPICE has no password: ticketing is off and "
	    "any local user can connect (define it locked: passwd with "
	    "passwdValidTo in the past)\n";

	(void)state;
	/* sshd's defaults: forwarding of every kind */
	ini = audit_setup("", &sshd);
	cfg = load(ini);
	cap_open(&c);
	r = admin_audit(cfg, sshd, NULL, c.out, c.err);
	cap_close(&c);
	if (asprintf(&want, "%s"
	    "sshd (user daemon): allowtcpforwarding yes (must be local or no)\n"
	    "sshd (user daemon): allowstreamlocalforwarding yes (must be no)\n"
	    "sshd (user daemon): allowagentforwarding yes (must be no)\n"
	    "sshd (user daemon): authorizedkeysfile .ssh/authorized_keys "
	    ".ssh/authorized_keys2 (must be none)\n",
	    domain_findings) < 0)
		abort();
	assert_string_equal(c.outbuf, want);
	assert_int_equal(r, RESULT_FAILED);
	free(want);
	cap_free(&c);
	config_free(cfg);
	free(sshd);
	free(ini);

	/* the shipped snippet satisfies the sshd part */
	ini = audit_setup("contrib", &sshd);
	cfg = load(ini);
	cap_open(&c);
	r = admin_audit(cfg, sshd, NULL, c.out, c.err);
	cap_close(&c);
	assert_string_equal(c.outbuf, domain_findings);
	assert_int_equal(r, RESULT_FAILED);
	cap_free(&c);
	free(sshd);

	/* DisableForwarding covers the forwarding settings, not the rest */
	free(audit_setup("DisableForwarding yes\nPermitTunnel yes\n", &sshd));
	cap_open(&c);
	r = admin_audit(cfg, sshd, NULL, c.out, c.err);
	cap_close(&c);
	if (asprintf(&want, "%ssshd (user daemon): permittunnel yes (must be "
	    "no)\nsshd (user daemon): authorizedkeysfile "
	    ".ssh/authorized_keys .ssh/authorized_keys2 (must be none)\n",
	    domain_findings) < 0)
		abort();
	assert_string_equal(c.outbuf, want);
	free(want);
	cap_free(&c);
	free(sshd);

	/* an sshd config that does not parse is a finding, not a pass */
	free(audit_setup("NoSuchOption yes\n", &sshd));
	cap_open(&c);
	r = admin_audit(cfg, sshd, NULL, c.out, c.err);
	cap_close(&c);
	assert_int_equal(r, RESULT_FAILED);
	assert_non_null(strstr(c.outbuf, "sshd (user daemon): /usr/sbin/sshd "
	    "-T -f "));
	/* sshd's own words, without the carriage return it ends them with */
	assert_non_null(strstr(c.outbuf, " line 3: Bad configuration option: "
	    "NoSuchOption)\n"));
	cap_free(&c);
	free(sshd);
	config_free(cfg);
	free(ini);
}

/*
 * sshd runs authorized-keys as its AuthorizedKeysCommandUser (nobody in
 * the shipped snippet): a config, key directory or key file that account
 * cannot read keeps tenants out while check, as root, says ok. audit
 * names each, and nothing once the modes are right again.
 */
static void
test_audit_key_reader(void **state)
{
	static const struct {
		const char *path;	/* under work */
		mode_t bad, good;
		const char *want;
	} cases[] = {
		{ "audit.ini", 0600, 0644, "audit.ini: no tenant can log in\n" },
		{ "keys", 0700, 0755, "keys: no key can log in\n" },
		{ "keys/bob.pub", 0640, 0644,
		  "keys/bob.pub: its keys cannot log in\n" },
	};
	char *ini, *sshd, path[512], want[768];
	struct config *cfg;
	struct capture c;
	size_t i;

	(void)state;
	if (geteuid() != 0)
		skip();		/* only root can take nobody's ids */
	ini = audit_setup("contrib", &sshd);
	cfg = load(ini);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", work, cases[i].path);
		snprintf(want, sizeof(want), "sshd's AuthorizedKeysCommandUser "
		    "nobody cannot read %s/%s", work, cases[i].want);
		assert_int_equal(chmod(path, cases[i].bad), 0);
		cap_open(&c);
		assert_int_equal(admin_audit(cfg, sshd, NULL, c.out, c.err),
		    RESULT_FAILED);
		cap_close(&c);
		if (strstr(c.outbuf, want) == NULL)
			fail_msg("%s mode %o: want %sgot:\n%s", cases[i].path,
			    (unsigned)cases[i].bad, want, c.outbuf);
		cap_free(&c);
		assert_int_equal(chmod(path, cases[i].good), 0);
		cap_open(&c);
		(void)admin_audit(cfg, sshd, NULL, c.out, c.err);
		cap_close(&c);
		assert_null(strstr(c.outbuf, "AuthorizedKeysCommandUser"));
		cap_free(&c);
	}
	config_free(cfg);
	free(sshd);
	free(ini);
}

/*
 * AcceptEnv hands the client's variables to the login shell and the
 * loader before vmgate runs: audit names every accepted name but the
 * locale's, and a Match block's own list, which replaces the global one,
 * clears it.
 */
static void
test_audit_acceptenv(void **state)
{
	char *ini, *sshd;
	struct config *cfg;
	struct capture c;
	enum result r;

	(void)state;
	ini = audit_setup("contrib+AcceptEnv LANG LC_* LD_PRELOAD\n", &sshd);
	cfg = load(ini);
	cap_open(&c);
	r = admin_audit(cfg, sshd, NULL, c.out, c.err);
	cap_close(&c);
	assert_int_equal(r, RESULT_FAILED);
	assert_non_null(strstr(c.outbuf, "sshd (user daemon): acceptenv "
	    "LD_PRELOAD: the client's variables of that name reach the login "
	    "shell and the loader before vmgate runs (accept only LANG and "
	    "LC_*)\n"));
	assert_null(strstr(c.outbuf, "acceptenv LANG"));
	assert_null(strstr(c.outbuf, "acceptenv LC_"));
	cap_free(&c);
	free(sshd);

	/* the README's remedy: the accounts' own list */
	free(audit_setup("contrib+AcceptEnv LANG LC_* LD_PRELOAD\n"
	    "Match User daemon\n\tAcceptEnv LANG LC_*\n", &sshd));
	cap_open(&c);
	(void)admin_audit(cfg, sshd, NULL, c.out, c.err);
	cap_close(&c);
	assert_null(strstr(c.outbuf, "acceptenv"));
	cap_free(&c);
	free(sshd);
	config_free(cfg);
	free(ini);
}

/*
 * sshd's settings depend on where a connection comes from: a Match
 * Address block ahead of vmgate's that turns forwarding back on for some
 * clients is found, and the finding names them.
 */
static void
test_audit_match_address(void **state)
{
	char *ini, *sshd, path[512], *text, *extra;
	struct config *cfg;
	struct capture c;
	size_t i;
	static const struct {
		const char *block;
		const char *want;
	} cases[] = {
		{ "Match Address 10.0.0.0/8\n\tAllowTcpForwarding yes\n",
		  "sshd (user daemon, from 10.1.2.3): allowtcpforwarding yes "
		  "(must be local or no)\n" },
		{ "Match Address 2001:db8::/32\n\tX11Forwarding yes\n",
		  "sshd (user daemon, from 2001:db8::7): x11forwarding yes "
		  "(must be no)\n" },
		{ "Match Address *,!127.0.0.1,!::1\n\tPermitTunnel yes\n",
		  "sshd (user daemon, from 10.1.2.3, 172.16.1.2, 192.168.1.2, "
		  "203.0.113.7, fd00::7, 2001:db8::7): permittunnel yes (must "
		  "be no)\n" },
		{ "Match Address 127.0.0.1\n\tAllowAgentForwarding yes\n",
		  "sshd (user daemon): allowagentforwarding yes (must be "
		  "no)\n" },
		{ "Match LocalPort 22\n\tAllowStreamLocalForwarding yes\n",
		  "sshd (user daemon): allowstreamlocalforwarding yes (must "
		  "be no)\n" },
	};

	(void)state;
	ini = audit_setup("contrib", &sshd);
	snprintf(path, sizeof(path), "%s/match.ini", work);
	if (asprintf(&text,
	    "[vmgate]\nuri = test://%s/keys/node.xml\n"
	    "keys = %s/keys\nservice_user = daemon\n"
	    "[tenant alice]\ndomains = gate-ok\n", TEST_DATA, work) < 0)
		abort();
	write_text(path, text, 0644);
	free(text);
	cfg = load(path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		free(sshd);
		free(ini);
		if (asprintf(&extra, "contrib+%s", cases[i].block) < 0)
			abort();
		ini = audit_setup(extra, &sshd);
		free(extra);
		cap_open(&c);
		assert_int_equal(admin_audit(cfg, sshd, NULL, c.out, c.err),
		    RESULT_FAILED);
		cap_close(&c);
		assert_string_equal(c.outbuf, cases[i].want);
		cap_free(&c);
	}
	config_free(cfg);
	free(sshd);
	free(ini);
}

/*
 * A per-user tenant account that sshd does not force into vmgate would get
 * a shell; an account whose login shell is bash runs the command through
 * bash. Both are findings ("bin" and "root" exist on every system).
 */
static void
test_audit_accounts(void **state)
{
	char *ini, *sshd, path[512], *text;
	struct config *cfg;
	struct capture c;

	(void)state;
	ini = audit_setup("contrib", &sshd);
	snprintf(path, sizeof(path), "%s/accounts.ini", work);
	if (asprintf(&text,
	    "[vmgate]\nuri = test://%s/keys/node.xml\n"
	    "keys = %s/keys\nservice_user = daemon\n"
	    "[tenant alice]\ndomains = gate-ok\n"
	    "[tenant bin]\ndomains = gate-ok\n", TEST_DATA, work) < 0)
		abort();
	assert_int_equal(audit_written(path, text, sshd, &cfg, &c),
	    RESULT_FAILED);
	/* bin is in no vmgate-tenants group: the snippet forces nothing
	 * (and limits no forwarding either) */
	assert_non_null(strstr(c.outbuf, "sshd (user bin): no ForceCommand: "
	    "this tenant account would get a shell\n"));
	assert_null(strstr(c.outbuf, "user daemon"));
	assert_null(strstr(c.outbuf, "user alice"));
	cap_free(&c);
	config_free(cfg);

	if (getpwnam("root") != NULL && getpwnam("root")->pw_shell != NULL &&
	    strstr(getpwnam("root")->pw_shell, "bash") != NULL) {
		if (asprintf(&text,
		    "[vmgate]\nuri = test://%s/keys/node.xml\n"
		    "keys = %s/keys\nservice_user = root\n"
		    "[tenant alice]\ndomains = gate-ok\n", TEST_DATA,
		    work) < 0)
			abort();
		(void)audit_written(path, text, sshd, &cfg, &c);
		assert_non_null(strstr(c.outbuf, "account root: login shell "));
		cap_free(&c);
		config_free(cfg);
	}
	/* root as the shared account: every tenant's request as root */
	if (asprintf(&text, "[vmgate]\nuri = test://%s/keys/node.xml\n"
	    "keys = %s/keys\nservice_user = root\n"
	    "[tenant alice]\ndomains = gate-ok\n", TEST_DATA, work) < 0)
		abort();
	assert_int_equal(audit_written(path, text, sshd, &cfg, &c),
	    RESULT_FAILED);
	assert_non_null(strstr(c.outbuf, "account root: uid 0: tenants' "
	    "requests would run as root (give vmgate an account of its "
	    "own)\n"));
	assert_null(strstr(c.outbuf, "account daemon: uid"));
	cap_free(&c);
	config_free(cfg);
	free(sshd);
	free(ini);
}

/* Only the clean machine and a clean sshd: exit 0, one summary line. */
static void
test_audit_clean(void **state)
{
	char *ini, *sshd, path[512];
	struct config *cfg;
	struct capture c;

	(void)state;
	ini = audit_setup("contrib", &sshd);
	snprintf(path, sizeof(path), "%s/clean.ini", work);
	{
		char *text;

		if (asprintf(&text,
		    "[vmgate]\nuri = test://%s/keys/node.xml\n"
		    "keys = %s/keys\nservice_user = daemon\n"
		    "[tenant alice]\ndomains = gate-ok\n", TEST_DATA,
		    work) < 0)
			abort();
		write_text(path, text, 0644);
		free(text);
	}
	cfg = load(path);
	cap_open(&c);
	assert_int_equal(admin_audit(cfg, sshd, NULL, c.out, c.err), RESULT_OK);
	cap_close(&c);
	/* one line says what was checked, so silence is never ambiguous */
	assert_string_equal(c.outbuf, "audit: ok (1 machine, sshd's settings "
	    "for 1 account from 8 client addresses): no findings\n");
	assert_string_equal(c.errbuf, "");
	cap_free(&c);
	config_free(cfg);
	free(sshd);
	free(ini);
}

/* ---- sshd-config ---- */

static char *
sshd_config_text(const char *ini_text, const char *self, const char *cfg,
    enum sshd_blocks blocks, enum result want)
{
	struct config *cfg_ = NULL;
	struct capture c;
	struct diag d;
	char *text;

	diag_init(&d);
	assert_int_equal(config_parse("t.ini", ini_text, strlen(ini_text),
	    &cfg_, &d), 0);
	diag_clear(&d);
	cap_open(&c);
	assert_int_equal(admin_sshd_config(cfg_, self, cfg, blocks, c.out,
	    c.err), want);
	cap_close(&c);
	config_free(cfg_);
	text = want == RESULT_OK ? strdup(c.outbuf) : strdup(c.errbuf);
	cap_free(&c);
	return text;
}

/* contrib/sshd_config.vmgate is what sshd-config prints for the defaults */
static void
test_sshd_config_contrib(void **state)
{
	char path[512], *shipped = NULL, *text;
	size_t len = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/../../../contrib/sshd_config.vmgate",
	    TEST_DATA);
	assert_non_null(f = fopen(path, "r"));
	assert_int_not_equal(getdelim(&shipped, &len, '\0', f), -1);
	fclose(f);
	text = sshd_config_text("[vmgate]\nservice_user = vmgate\n"
	    "tenant_group = vmgate-tenants\n", SELF, CFG, SSHD_BLOCKS_CONFIG,
	    RESULT_OK);
	assert_string_equal(text, shipped);
	free(text);
	free(shipped);
}

/* the blocks asked for, or those the config calls for; -f when needed */
static void
test_sshd_config_blocks(void **state)
{
	char *text;

	(void)state;
	/* a shared account only: no per-user block */
	text = sshd_config_text("[vmgate]\nservice_user = svc\n", SELF,
	    "/srv/gate/vmgate.ini", SSHD_BLOCKS_CONFIG, RESULT_OK);
	assert_non_null(strstr(text, "\nMatch User svc\n\tAuthorizedKeys"
	    "Command /usr/local/bin/vmgate -f /srv/gate/vmgate.ini "
	    "authorized-keys %u %t %k\n"));
	assert_null(strstr(text, "Match Group"));
	assert_null(strstr(text, "\tForceCommand"));
	free(text);
	/* no shared account: the per-user block, default group */
	text = sshd_config_text("[vmgate]\n", SELF, CFG, SSHD_BLOCKS_CONFIG,
	    RESULT_OK);
	assert_non_null(strstr(text, "\nMatch Group vmgate-tenants\n"
	    "\tForceCommand exec /usr/local/bin/vmgate\n"));
	assert_null(strstr(text, "Match User"));
	free(text);
	/* asked for one: only that one */
	text = sshd_config_text("[vmgate]\nservice_user = svc\n"
	    "tenant_group = tenants\n", SELF, CFG, SSHD_BLOCKS_PER_USER,
	    RESULT_OK);
	assert_non_null(strstr(text, "\nMatch Group tenants\n"));
	assert_null(strstr(text, "Match User"));
	free(text);
	text = sshd_config_text("[vmgate]\nservice_user = svc\n"
	    "tenant_group = tenants\n", SELF, CFG, SSHD_BLOCKS_SHARED,
	    RESULT_OK);
	assert_null(strstr(text, "Match Group"));
	assert_non_null(strstr(text, "\nMatch User svc\n"));
	free(text);
	/* refusals: --shared without a service_user, unsafe paths */
	text = sshd_config_text("[vmgate]\n", SELF, CFG, SSHD_BLOCKS_SHARED,
	    RESULT_CONFIG);
	assert_string_equal(text, "vmgate: sshd-config --shared: "
	    "/etc/vmgate/vmgate.ini sets no service_user\n");
	free(text);
	text = sshd_config_text("[vmgate]\n", "/opt/my gate/vmgate", CFG,
	    SSHD_BLOCKS_CONFIG, RESULT_CONFIG);
	assert_non_null(strstr(text, "must be absolute"));
	free(text);
}

/*
 * An sshd config as a host would have it: Debian's shipped sshd_config
 * (without its Include of the host's own drop-ins) and then what
 * sshd-config prints for ini_text. Writes the vmgate config to ini_path;
 * returns the sshd config's path.
 */
static char *
stock_sshd_with_snippet(const char *ini_text, const char *ini_path)
{
	char *snippet, *stock = NULL, *text, *sshd, *inc;
	size_t len = 0;
	FILE *f;

	snippet = sshd_config_text(ini_text, SELF, CFG, SSHD_BLOCKS_CONFIG,
	    RESULT_OK);
	write_text(ini_path, ini_text, 0644);
	assert_non_null(f = fopen("/usr/share/openssh/sshd_config", "r"));
	assert_int_not_equal(getdelim(&stock, &len, '\0', f), -1);
	fclose(f);
	if ((inc = strstr(stock, "\nInclude ")) != NULL)
		inc[1] = '#';
	free(audit_setup("", &sshd));
	if (asprintf(&text, "HostKey %s/hostkey\nPidFile none\n%s\n%s", work,
	    stock, snippet) < 0)
		abort();
	write_text(sshd, text, 0600);
	free(text);
	free(stock);
	free(snippet);
	return sshd;
}

/* the vmgate config of the account tests: daemon is the shared account,
 * bin a tenant with an account of its own in the group bin */
static char *
accounts_ini(const char *extra)
{
	char *text;

	if (asprintf(&text,
	    "[vmgate]\nuri = test://%s/keys/node.xml\n"
	    "keys = %s/keys\nservice_user = daemon\ntenant_group = bin\n%s"
	    "[tenant bin]\ndomains = gate-ok\n", TEST_DATA, work, extra) < 0)
		abort();
	return text;
}

/*
 * A host that appends the printed snippet to Debian's stock sshd_config
 * passes audit's sshd checks, for both account models (real sshd -T).
 */
static void
test_sshd_config_passes_audit(void **state)
{
	char path[512], *text, *sshd;
	struct config *cfg;
	struct capture c;

	(void)state;
	text = accounts_ini("");
	snprintf(path, sizeof(path), "%s/snippet.ini", work);
	sshd = stock_sshd_with_snippet(text, path);
	free(text);
	cfg = load(path);
	cap_open(&c);
	assert_int_equal(admin_audit(cfg, sshd, NULL, c.out, c.err),
	    RESULT_OK);
	cap_close(&c);
	assert_string_equal(c.outbuf, "audit: ok (1 machine, sshd's settings "
	    "for 2 accounts from 8 client addresses): no findings\n");
	cap_free(&c);
	config_free(cfg);
	free(sshd);
}

/* audit of one config (accounts_ini(extra)) with a clean sshd; output */
/* the session directory audit_trail_of hands audit; NULL: not checked */
static const char *trail_session_dir;
/* the libvirtd.conf audit_trail_of hands audit; NULL: not checked */
static const char *trail_libvirtd_conf;

static char *
audit_trail_of(const char *extra, const char *syslog_socket, enum result want)
{
	char path[512], *text, *sshd, *out;
	struct admin_host host;
	struct config *cfg;
	struct capture c;

	memset(&host, 0, sizeof(host));
	text = accounts_ini(extra);
	snprintf(path, sizeof(path), "%s/trail.ini", work);
	sshd = stock_sshd_with_snippet(text, path);
	free(text);
	cfg = load(path);
	cap_open(&c);
	host.syslog_socket = syslog_socket;
	host.session_dir = trail_session_dir;
	host.libvirtd_conf = trail_libvirtd_conf;
	assert_int_equal(admin_audit(cfg, sshd, &host, c.out, c.err), want);
	cap_close(&c);
	out = strdup(c.outbuf);
	cap_free(&c);
	config_free(cfg);
	free(sshd);
	return out;
}

/*
 * The audit trail: every account that runs vmgate (daemon, bin) must be
 * able to append to audit_log, as the kernel decides it for that account;
 * and something must listen on the syslog socket.
 */
static void
test_audit_trail(void **state)
{
	char dir[512], log[600], extra[700], sock[600], want[2048], *out;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();		/* the probe takes each account's identity */
	/* a directory every account may enter, owned by root */
	assert_int_equal(chmod(work, 0711), 0);
	snprintf(dir, sizeof(dir), "%s/log", work);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	snprintf(extra, sizeof(extra), "audit_log = %s\n", log);

	/* root's own 0600 file: neither account can append */
	write_text(log, "", 0600);
	out = audit_trail_of(extra, NULL, RESULT_FAILED);
	snprintf(want, sizeof(want),
	    "audit_log %s: account daemon cannot append to it: its requests "
	    "are not recorded there\n"
	    "audit_log %s: account bin cannot append to it: its requests are "
	    "not recorded there\n", log, log);
	assert_string_equal(out, want);
	free(out);

	/* a group that may append (daemon's): bin still cannot */
	assert_int_equal(chown(log, 0, 1), 0);
	assert_int_equal(chmod(log, 0620), 0);
	out = audit_trail_of(extra, NULL, RESULT_FAILED);
	snprintf(want, sizeof(want), "audit_log %s: account bin cannot "
	    "append to it: its requests are not recorded there\n", log);
	assert_string_equal(out, want);
	free(out);

	/* writable by both: clean */
	assert_int_equal(chmod(log, 0622), 0);
	out = audit_trail_of(extra, NULL, RESULT_OK);
	assert_non_null(strstr(out, "audit: ok ("));
	free(out);

	/* missing, in a directory only root may write */
	assert_int_equal(unlink(log), 0);
	out = audit_trail_of(extra, NULL, RESULT_FAILED);
	snprintf(want, sizeof(want),
	    "audit_log %s: does not exist, and account daemon cannot create "
	    "it\naudit_log %s: does not exist, and account bin cannot create "
	    "it\n", log, log);
	assert_string_equal(out, want);
	free(out);
	/* missing where anyone may create it: the first writer owns it */
	assert_int_equal(chmod(dir, 01777), 0);
	out = audit_trail_of(extra, NULL, RESULT_FAILED);
	snprintf(want, sizeof(want), "audit_log %s: does not exist: the "
	    "first account to write creates it mode 0600, and the others "
	    "cannot append\n", log);
	assert_string_equal(out, want);
	free(out);
	/* a symbolic link is never followed */
	assert_int_equal(symlink("/dev/null", log), 0);
	out = audit_trail_of(extra, NULL, RESULT_FAILED);
	snprintf(want, sizeof(want), "audit_log %s: a symbolic link (never "
	    "followed)\n", log);
	assert_string_equal(out, want);
	free(out);
	assert_int_equal(unlink(log), 0);

	/* no syslog socket: the syslog lines are lost */
	snprintf(sock, sizeof(sock), "%s/syslog.sock", dir);
	out = audit_trail_of("", sock, RESULT_FAILED);
	snprintf(want, sizeof(want), "syslog: nothing listens on %s (No such "
	    "file or directory): vmgate's syslog lines are lost; start a "
	    "syslog daemon\n", sock);
	assert_string_equal(out, want);
	free(out);
	/* a listener, as a syslog daemon holds it */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_true(strlen(sock) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	out = audit_trail_of("", sock, RESULT_OK);
	assert_non_null(strstr(out, "audit: ok ("));
	free(out);
	close(fd);
	assert_int_equal(chmod(work, 0755), 0);
}

/* dir/name, a directory of mode owned by owner */
static void
uid_dir(const char *dir, const char *name, mode_t mode, uid_t owner)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
	assert_int_equal(chown(path, owner, owner), 0);
}

/*
 * The session directory: missing, limits are not counted; not root's
 * 1733, limited requests are refused; an account's UID directory made
 * by another, that account is not counted. All are findings.
 */
static void
test_audit_session_dir(void **state)
{
	char dir[600], sub[2600], want[4096], *out;

	(void)state;
	if (geteuid() != 0)
		skip();		/* the directory must be root's */
	snprintf(dir, sizeof(dir), "%s/sessions", work);
	trail_session_dir = dir;
	out = audit_trail_of("", NULL, RESULT_FAILED);
	snprintf(want, sizeof(want), "sessions: %s: No such file or "
	    "directory: session limits are not counted (install -d -m 0755 "
	    "/run/vmgate && install -d -m 1733 %s)\n", dir, dir);
	assert_string_equal(out, want);
	free(out);

	assert_int_equal(mkdir(dir, 0755), 0);
	out = audit_trail_of("", NULL, RESULT_FAILED);
	snprintf(want, sizeof(want), "sessions: %s is not root's directory "
	    "of mode 1733: tenants with a limit are refused (exit 78)\n", dir);
	assert_string_equal(out, want);
	free(out);
	assert_int_equal(chmod(dir, 01733), 0);
	out = audit_trail_of("", NULL, RESULT_OK);
	assert_non_null(strstr(out, "audit: ok ("));
	free(out);

	/*
	 * The directory is writable by all: an account may make another's
	 * UID directory first, and that account's requests are then not
	 * counted. daemon's (uid 1) made by bin; bin's own open to others;
	 * a file where uid 4242's would be; sys's (3) as it should be.
	 */
	uid_dir(dir, "1", 0700, 2);
	uid_dir(dir, "2", 0755, 2);
	uid_dir(dir, "3", 0700, 3);
	snprintf(sub, sizeof(sub), "%s/4242", dir);
	write_text(sub, "", 0644);
	out = audit_trail_of("", NULL, RESULT_FAILED);
	snprintf(want, sizeof(want),
	    "sessions: %s/1 is not daemon's own directory (owner bin, mode "
	    "0700): its requests are not counted against max_sessions; as "
	    "root: rm -r %s/1\n"
	    "sessions: %s/2 is not bin's own directory (owner bin, mode "
	    "0755): its requests are not counted against max_sessions; as "
	    "root: rm -r %s/2\n"
	    "sessions: %s/4242 is not uid 4242's own directory (not a "
	    "directory, owner root, mode 0644): its requests are not counted "
	    "against max_sessions; as root: rm -r %s/4242\n",
	    dir, dir, dir, dir, dir, dir);
	assert_string_equal(out, want);
	free(out);
	snprintf(sub, sizeof(sub), "rm -r %s/1 %s/2 %s/3 %s/4242", dir, dir,
	    dir, dir);
	assert_int_equal(system(sub), 0);
	out = audit_trail_of("", NULL, RESULT_OK);
	assert_non_null(strstr(out, "audit: ok ("));
	free(out);
	assert_int_equal(rmdir(dir), 0);
	trail_session_dir = NULL;
}

/*
 * The tenants' limits against libvirtd's max_clients, read from the
 * libvirtd.conf audit is told of (the running daemon's -f argument when
 * its pid file names one): the host's own libvirtd never decides what
 * this test sees.
 */
static void
test_audit_libvirtd_max_clients(void **state)
{
	char conf[600], want[2048], *out;
	FILE *f;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/libvirtd.conf", work);
	assert_non_null(f = fopen(conf, "w"));
	fputs("#max_clients = 5000\nmax_clients = 10\n", f);
	fclose(f);
	trail_libvirtd_conf = conf;
	/* bin logs in both as itself and through the service_user, daemon,
	 * with slots of its own in each: 8 twice */
	out = audit_trail_of("", NULL, RESULT_FAILED);
	snprintf(want, sizeof(want), "sessions: the tenants' max_sessions add "
	    "up to 16, more than libvirtd's max_clients 10 (%s); a tenant "
	    "with an account of its own has its max_sessions there and "
	    "again through the service_user\n", conf);
	assert_string_equal(out, want);
	free(out);
	/* a tenant without an account of its own: once */
	out = audit_trail_of("[tenant zz9]\ndomains = gate-ok\n", NULL,
	    RESULT_FAILED);
	snprintf(want, sizeof(want), "sessions: the tenants' max_sessions add "
	    "up to 24, more than libvirtd's max_clients 10 (%s); a tenant "
	    "with an account of its own has its max_sessions there and "
	    "again through the service_user\n", conf);
	assert_string_equal(out, want);
	free(out);
	/* no file to read: nothing to compare with, no finding */
	assert_int_equal(unlink(conf), 0);
	out = audit_trail_of("", NULL, RESULT_OK);
	assert_non_null(strstr(out, "audit: ok ("));
	free(out);
	trail_libvirtd_conf = NULL;
}

/*
 * The network audit: every interface of a configured machine must carry a
 * filter that pins what the config assigns; no address twice.
 */
static void
test_audit_network(void **state)
{
	static const char expect[] =
	    "domain net-bare: interface 52:54:00:e2:f3:03 has no traffic "
	    "filter: its guest can claim any address (use "
	    "vmgate-clean-traffic)\n"
	    "domain net-learn: interface 52:54:00:e2:f3:07: the filter has no "
	    "IP parameter, so it does not pin ipv4 = 198.51.100.10\n"
	    "domain net-other: interface 52:54:00:e2:f3:06: filter allow-arp "
	    "is not one that pins its addresses (use vmgate-clean-traffic)\n"
	    "domain net-stock6: interface 52:54:00:e2:f3:04: clean-traffic "
	    "drops all IPv6, and ipv6 = 2001:db8:e2f3:e12d::40 is assigned "
	    "(use vmgate-clean-traffic)\n"
	    "domain net-wrong: interface 52:54:00:e2:f3:05: filter parameter "
	    "IP=198.51.100.51 differs from ipv4 = 198.51.100.50 in the config\n"
	    "domains net-learn and net-ok: both are assigned ipv4 = "
	    "198.51.100.10 (lines 19 and 8)\n";
	char *ini, *sshd, path[512], *text;
	struct config *cfg;
	struct capture c;

	(void)state;
	ini = audit_setup("contrib", &sshd);
	snprintf(path, sizeof(path), "%s/net.ini", work);
	if (asprintf(&text,
	    "[vmgate]\nuri = test://%s/net-node.xml\n"
	    "keys = %s/keys\nservice_user = daemon\n"
	    "[tenant alice]\ndomains = net-ok net-stock4 net-bare net-stock6 "
	    "net-wrong net-other net-learn\n"
	    "[domain net-ok]\nipv4 = 198.51.100.10\n"
	    "ipv6 = 2001:db8:e2f3:e12d::10\n"
	    "[domain net-stock4]\nipv4 = 198.51.100.20\n"
	    "[domain net-stock6]\nipv4 = 198.51.100.40\n"
	    "ipv6 = 2001:db8:e2f3:e12d::40\n"
	    "[domain net-wrong]\nipv4 = 198.51.100.50\n"
	    "ipv6 = 2001:db8:e2f3:e12d::50\n"
	    "[domain net-learn]\nipv4 = 198.51.100.10\n", TEST_DATA,
	    work) < 0)
		abort();
	assert_int_equal(audit_written(path, text, sshd, &cfg, &c),
	    RESULT_FAILED);
	assert_string_equal(c.outbuf, expect);
	cap_free(&c);
	config_free(cfg);
	free(sshd);
	free(ini);
}

/*
 * What a node's domain XML says is shown to the admin with every byte
 * outside printable ASCII escaped: a CD drive's file name may carry a C1
 * control (U+009B, a terminal's CSI), which XML allows.
 */
static void
test_audit_cdrom_path_escaped(void **state)
{
	char *ini, *sshd, path[512], node[512], *text;
	struct config *cfg;
	struct capture c;

	(void)state;
	ini = audit_setup("contrib", &sshd);
	snprintf(node, sizeof(node), "%s/cd-node.xml", work);
	write_text(node,
	    "<node><domain type='test'><name>cd-odd</name>"
	    "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
	    "<os><type>hvm</type></os><devices>"
	    "<serial type='pty'><target port='0'/></serial>"
	    "<console type='pty'><target type='serial' port='0'/></console>"
	    "<disk type='file' device='cdrom'>"
	    "<source file='/srv/a&#x9b;2Jb.iso'/>"
	    "<target dev='hdc' bus='ide'/><readonly/></disk>"
	    "</devices></domain></node>\n", 0600);
	snprintf(path, sizeof(path), "%s/cd.ini", work);
	if (asprintf(&text, "[vmgate]\nuri = test://%s\nkeys = %s/keys\n"
	    "service_user = daemon\n[tenant alice]\ndomains = cd-odd\n",
	    node, work) < 0)
		abort();
	assert_int_equal(audit_written(path, text, sshd, &cfg, &c),
	    RESULT_FAILED);
	assert_string_equal(c.outbuf, "domain cd-odd: the CD drive holds "
	    "/srv/a\\xc2\\x9b2Jb.iso, which is not in the media catalog\n");
	cap_free(&c);
	config_free(cfg);
	free(sshd);
	free(ini);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_settles),
		cmocka_unit_test(test_check_problems),
		cmocka_unit_test(test_check_media),
		cmocka_unit_test(test_check_request),
		cmocka_unit_test(test_authorized_keys_per_user),
		cmocka_unit_test(test_authorized_keys_shared),
		cmocka_unit_test(test_authorized_keys_refusals),
		cmocka_unit_test(test_authorized_keys_duplicate),
		cmocka_unit_test(test_authorized_keys_duplicate_message),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_audit_acceptenv),
		cmocka_unit_test(test_audit_key_reader),
		cmocka_unit_test(test_audit_clean),
		cmocka_unit_test(test_audit_network),
		cmocka_unit_test(test_audit_accounts),
		cmocka_unit_test(test_audit_match_address),
		cmocka_unit_test(test_sshd_config_contrib),
		cmocka_unit_test(test_sshd_config_blocks),
		cmocka_unit_test(test_sshd_config_passes_audit),
		cmocka_unit_test(test_audit_trail),
		cmocka_unit_test(test_audit_session_dir),
		cmocka_unit_test(test_audit_libvirtd_max_clients),
		cmocka_unit_test(test_audit_cdrom_path_escaped),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
