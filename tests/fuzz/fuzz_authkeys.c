/*
 * fuzz_authkeys: the authorized-keys renderer (vmgate(8))
 * (admin_authorized_keys), with a fixed valid config whose machines all
 * have a SPICE endpoint in the config, so libvirt is never asked, and a
 * fuzzed key directory, USER and KEYTYPE/KEY pair.
 *
 * Input: byte 0 picks USER, byte 1 holds flags (bit 0: pass KEYTYPE KEY,
 * bit 1: use a fuzzed program path), the rest are fields separated by NUL:
 *   KEYTYPE, KEY, alice.pub, bob.pub, carol.pub, dave.pub, erin.pub, SELF
 * (a missing field: no file / empty string).
 *
 * Beyond memory errors it checks, abort()ing when a promise is broken:
 * - every output line starts with "restrict," and ends in "\n", holds no
 *   NUL, CR or other control byte, and its only '"' are the renderer's
 *   own (two per permitopen, two around command=);
 * - what goes to stderr (sshd's log) is lines of printable ASCII;
 * - the output is exactly what vmgate(8) says for that USER: the lines of
 *   the keys vmgate check (keys_load over the whole directory) finds
 *   usable, for that tenant (or every enabled tenant for the
 *   service_user), narrowed to KEYTYPE KEY when given, with the tenant's
 *   SPICE endpoints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmgate/admin.h"
#include "vmgate/config.h"
#include "vmgate/keys.h"
#include "vmgate/policy.h"
#include "vmgate/util.h"

#include "fuzz.h"

#define TMP_DEFAULT	"/dev/shm"
#define TMP_ENV		"VMGATE_FUZZ_TMP"
#define SELF		"/usr/local/bin/vmgate"
#define CFG_PATH	"/etc/vmgate/vmgate.ini"
#define SERVICE_USER	"vmgate"
#define FLAG_KEY	0x01u
#define FLAG_SELF	0x02u
#define NFIELDS		8
#define FIELD_TYPE	0
#define FIELD_KEY	1
#define FIELD_FILES	2	/* one per entry of tenants[] */
#define FIELD_SELF	7

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* key files: dave is no tenant, carol is disabled */
static const char *const tenants[] = { "alice", "bob", "carol", "dave",
    "erin" };
#define NTENANTS (sizeof(tenants) / sizeof(tenants[0]))

/* byte 0 of the input picks one */
static const char *const users[] = { "alice", "bob", "carol", "dave", "erin",
    SERVICE_USER, "", "al ice", "../alice", "ALICE" };
#define NUSERS (sizeof(users) / sizeof(users[0]))

/*
 * Rights give the permitopen lists below (sorted as strings):
 * alice: web1, db1 and, through ops, build1; bob: no spice on web2, build1
 * through ops; erin: no spice at all.
 */
static const char config_fmt[] =
    "[vmgate]\n"
    "uri = test:///default\n"
    "keys = %s\n"
    "service_user = " SERVICE_USER "\n"
    "[tenant alice]\n"
    "domains = web1, db1\n"
    "[tenant bob]\n"
    "domains = web2\n"
    "allow = status console\n"
    "[tenant carol]\n"
    "domains = web1\n"
    "disabled = yes\n"
    "[tenant erin]\n"
    "domains = web2\n"
    "allow = status start\n"
    "[group ops]\n"
    "members = alice bob\n"
    "domains = build1\n"
    "allow = status console spice\n"
    "[domain web1]\n"
    "spice = 127.0.0.1:5901\n"
    "[domain db1]\n"
    "spice = [::1]:5902\n"
    "[domain web2]\n"
    "spice = 127.0.0.1:5903\n"
    "[domain build1]\n"
    "spice = 127.0.0.1:5904\n";

static const struct {
	const char *tenant;
	const char *options;	/* between "restrict,pty" and ",command=" */
	int quotes;		/* '"' in options */
} expect_opts[] = {
	{ "alice", ",port-forwarding,permitopen=\"127.0.0.1:5901\","
	    "permitopen=\"127.0.0.1:5904\",permitopen=\"[::1]:5902\"", 6 },
	{ "bob", ",port-forwarding,permitopen=\"127.0.0.1:5904\"", 2 },
	{ "erin", "", 0 },
};

static char *dir;
static char *paths[NTENANTS];
static struct config *cfg;

static void
cleanup(void)
{
	size_t i;

	if (dir == NULL)
		return;
	for (i = 0; i < NTENANTS; i++)
		(void)unlink(paths[i]);
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv(TMP_ENV);
	struct diag d;
	char *text;
	size_t i;

	(void)argc;
	(void)argv;
	dir = xasprintf("%s/fuzz-authkeys.XXXXXX",
	    tmp != NULL ? tmp : TMP_DEFAULT);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(1);
	}
	for (i = 0; i < NTENANTS; i++)
		paths[i] = xasprintf("%s/%s.pub", dir, tenants[i]);
	atexit(cleanup);

	text = xasprintf(config_fmt, dir);
	diag_init(&d);
	if (config_parse("fuzz.ini", text, strlen(text), &cfg, &d) != 0) {
		for (i = 0; i < d.count; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		exit(1);
	}
	diag_clear(&d);
	free(text);
	return 0;
}

static void
put_file(const char *path, const char *p, size_t n, bool present)
{
	ssize_t w;
	int fd;

	(void)unlink(path);
	if (!present)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		perror(path);
		abort();
	}
	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

static bool
tenant_known(const char *tenant, void *arg)
{
	return config_tenant(arg, tenant) != NULL;
}

/* sshd hands command= to the login shell: only bytes inert to sh */
static bool
path_ok(const char *p)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789/._+@=:,-";

	if (p[0] != '/')
		return false;
	return p[strspn(p, safe)] == '\0';
}

static const char *
options_of(const char *tenant, int *quotes)
{
	size_t i;

	for (i = 0; i < sizeof(expect_opts) / sizeof(expect_opts[0]); i++) {
		if (strcmp(expect_opts[i].tenant, tenant) == 0) {
			*quotes = expect_opts[i].quotes;
			return expect_opts[i].options;
		}
	}
	abort();
}

/* The lines vmgate(8) asks for, from the keys vmgate check would accept. */
static char *
expected(const char *user, const char *self, const char *type,
    const char *key)
{
	struct keyring ring;
	struct diag d;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	bool shared = strcmp(user, SERVICE_USER) == 0;
	int quotes;

	f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	diag_init(&d);
	(void)keys_load(dir, tenant_known, cfg, &ring, &d);
	for (i = 0; i < ring.nkeys; i++) {
		const struct key_entry *k = &ring.keys[i];

		if (!k->usable || !policy_tenant_enabled(cfg, k->tenant))
			continue;
		if (!shared && strcmp(k->tenant, user) != 0)
			continue;
		if (type != NULL && (strcmp(type, k->type) != 0 ||
		    strcmp(key, k->base64) != 0))
			continue;
		fprintf(f, "restrict,pty%s,command=\"exec %s -f %s%s%s\" %s %s\n",
		    options_of(k->tenant, &quotes), self, CFG_PATH,
		    shared ? " --tenant " : "", shared ? k->tenant : "",
		    k->type, k->base64);
	}
	keys_free(&ring);
	diag_clear(&d);
	CHECK(fclose(f) == 0);
	return buf;
}

/* The brief's rules for one line, whatever the oracle says. */
static void
check_line(const char *line, size_t n)
{
	const char *p, *end = line + n, *cmd, *tail;
	int quotes = 0, want;
	char tenant[NAME_MAX_LEN + 1];
	size_t i;

	CHECK(n > strlen("restrict,") &&
	    strncmp(line, "restrict,", strlen("restrict,")) == 0);
	for (p = line; p < end; p++) {
		CHECK((unsigned char)*p >= ' ' && (unsigned char)*p < 0x7f);
		quotes += *p == '"';
	}
	/* the key is "TYPE BASE64" after the closing quote of command= */
	cmd = memmem(line, n, ",command=\"", strlen(",command=\""));
	CHECK(cmd != NULL);
	tail = memchr(cmd + strlen(",command=\""), '"',
	    (size_t)(end - cmd - strlen(",command=\"")));
	CHECK(tail != NULL && tail[1] == ' ');
	CHECK(memchr(tail + 1, '"', (size_t)(end - tail - 1)) == NULL);
	/* options: the tenant's endpoints, each quoted once */
	p = memmem(line, n, "--tenant ", strlen("--tenant "));
	if (p != NULL && p < tail) {
		p += strlen("--tenant ");
		for (i = 0; p + i < tail && i < NAME_MAX_LEN; i++)
			tenant[i] = p[i];
		tenant[i] = '\0';
		(void)options_of(tenant, &want);
		CHECK(quotes == want + 2);
	} else
		CHECK(quotes % 2 == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *fields[NFIELDS] = { 0 }, *copy = NULL, *p, *out = NULL, *want;
	char *errs = NULL;
	const char *user, *self, *type = NULL, *key = NULL, *line, *nl;
	size_t outlen = 0, errlen = 0, nf = 0, i;
	unsigned flags;
	enum result r;
	FILE *f, *ferr;

	if (size < 2)
		return 0;
	user = users[data[0] % NUSERS];
	flags = data[1];
	copy = xmalloc(size - 2 + 1);
	memcpy(copy, data + 2, size - 2);
	copy[size - 2] = '\0';
	/* NUL-separated fields; the final one ends at the copy's end */
	for (p = copy; nf < NFIELDS && p <= copy + (size - 2); nf++) {
		fields[nf] = p;
		p += strlen(p) + 1;
	}
	for (i = 0; i < NTENANTS; i++)
		put_file(paths[i], fields[FIELD_FILES + i],
		    fields[FIELD_FILES + i] != NULL ?
		    strlen(fields[FIELD_FILES + i]) : 0,
		    fields[FIELD_FILES + i] != NULL);
	if (flags & FLAG_KEY) {
		type = fields[FIELD_TYPE] != NULL ? fields[FIELD_TYPE] : "";
		key = fields[FIELD_KEY] != NULL ? fields[FIELD_KEY] : "";
	}
	self = (flags & FLAG_SELF) && fields[FIELD_SELF] != NULL ?
	    fields[FIELD_SELF] : SELF;

	f = open_memstream(&out, &outlen);
	ferr = open_memstream(&errs, &errlen);
	CHECK(f != NULL && ferr != NULL);
	r = admin_authorized_keys(cfg, self, CFG_PATH, user, type, key, f,
	    ferr);
	CHECK(fclose(f) == 0 && fclose(ferr) == 0);

	CHECK(strlen(errs) == errlen);
	CHECK(errlen == 0 || errs[errlen - 1] == '\n');
	for (i = 0; i < errlen; i++)
		CHECK(errs[i] == '\n' ||
		    ((unsigned char)errs[i] >= ' ' &&
		    (unsigned char)errs[i] < 0x7f));
	free(errs);

	CHECK(strlen(out) == outlen);
	for (line = out; line < out + outlen; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(out + outlen - line));
		CHECK(nl != NULL);
		check_line(line, (size_t)(nl - line));
	}
	if (!path_ok(self)) {
		CHECK(r == RESULT_CONFIG);
		CHECK(outlen == 0);
	} else {
		CHECK(r == RESULT_OK);
		want = expected(user, self, type, key);
		if (strcmp(out, want) != 0) {
			fprintf(stderr, "user %s\n--- expected\n%s--- got\n%s",
			    user, want, out);
			abort();
		}
		free(want);
	}
	free(out);
	free(copy);
	return 0;
}
