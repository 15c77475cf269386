/*
 * test_cache: the config snapshot (cache.c) and the key index
 * (keyindex.c, used by keys.c). The fast paths must give the same answers
 * as a full parse and a full directory scan, and an edit made after a
 * snapshot or index was written must count at once: a disabled or removed
 * tenant and a removed key are never granted. Snapshot and index are
 * written only for files at least two seconds old, so each fixture waits
 * that long once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
/* this file defines read() (below): no fortified inline one in the way */
#undef _FORTIFY_SOURCE
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include "vmgate/admin.h"
#include "vmgate/cache.h"
#include "vmgate/config.h"
#include "vmgate/keyindex.h"
#include "vmgate/keys.h"
#include "vmgate/mapfile.h"
#include "vmgate/policy.h"
#include "vmgate/spice.h"
#include "vmgate/verb.h"

#define NKEYS		6	/* tests/unit/data/keys/k0..k5.pub */
#define SETTLE		(CACHE_SETTLE_SEC + 1)
#define OTHER_UID	65534	/* nobody: not root, not us */
#define OTHER_UID	65534

/* same size as CONFIG_ALICE_OFF: an in-place edit keeps st_size */
#define ALICE_ON	"disabled = no "
#define ALICE_OFF	"disabled = yes"

static const char config_fmt[] =
    "; test config\n"
    "[vmgate]\n"
    "uri = test:///default\n"
    "keys = %s/keys\n"
    "service_user = svc\n"
    "tenant_group = gate-tenants\n"
    "spice_ttl = 30\n"
    "libvirt_timeout = 40\n"
    "max_sessions = 5\n"
    "\n"
    "[tenant alice]\n"
    "domains = web1, db1\n"
    "%s\n"
    "\n"
    "[group ops]\n"
    "members = alice bob\n"
    "domains = build1\n"
    "allow = status console\n"
    "media = rescue\n"
    "\n"
    "[media debian-12]\n"
    "path = /var/lib/vmgate/media/debian-12.iso\n"
    "description = Debian 12 netinst\n"
    "\n"
    "[media rescue]\n"
    "path = /var/lib/vmgate/media/rescue.iso\n"
    "\n"
    "[domain web1]\n"
    "spice = 127.0.0.1:5901\n"
    "ipv4 = 198.51.100.10\n"
    "ipv6 = 2001:db8::10\n"
    "\n"
    "[tenant carol]\n"
    "domains = web1\n"
    "disabled = yes\n"
    "\n"
    "[domain db1]\n"
    "uri = qemu+tls://node2/system\n"
    "\n"
    "[tenant dave]\n"
    "max_sessions = 2\n"
    "domains = web2\n"
    "allow = status reset\n"
    "media = *\n"
    "\n"
    "[media alpine]\n"
    "path = /var/lib/vmgate/media/alpine.iso\n"
    "\n"
    "[tenant frank]\n"
    "domains = web2\n"
    "media = debian-12\n";

static const char *const names[] = {
	"alice", "bob", "carol", "dave", "frank", "svc", "mallory", NULL
};
static const char *const media_names[] = {
	"alpine", "debian-12", "rescue", "none", NULL
};
static const char *const machines[] = {
	"web1", "db1", "build1", "web2", "none", NULL
};

struct key {
	char type[64];
	char base64[1024];
};

struct fixture {
	char dir[64];
	char *ini;
	char *snap;
	char *keys;
	char *index;
	struct key k[NKEYS];
};

static void
read_key(int i, struct key *k)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/keys/k%d.pub", TEST_DATA, i) > 0);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fscanf(f, "%63s %1023s", k->type, k->base64), 2);
	fclose(f);
	free(path);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

/* rewrite an existing file in place: same inode, the directory unchanged */
static void
rewrite_in_place(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void
write_config(struct fixture *fx, const char *alice_line)
{
	char *text = NULL;

	assert_true(asprintf(&text, config_fmt, fx->dir, alice_line) > 0);
	rewrite_in_place(fx->ini, text);
	free(text);
}

static void
write_key(struct fixture *fx, const char *file, int a, int b)
{
	char *path = NULL, *text = NULL;

	assert_true(asprintf(&path, "%s/%s", fx->keys, file) > 0);
	if (b < 0)
		assert_true(asprintf(&text, "%s %s %s\n", fx->k[a].type,
		    fx->k[a].base64, file) > 0);
	else
		assert_true(asprintf(&text, "%s %s one\n%s %s two\n",
		    fx->k[a].type, fx->k[a].base64, fx->k[b].type,
		    fx->k[b].base64) > 0);
	write_text(path, text);
	free(text);
	free(path);
}

/*
 * A change that lands between config_open's fstat and the read: when
 * armed, the first read() of the file at change_path first rewrites it in
 * place with change_text (same size). Every other read is the system's.
 */
static const char *change_path;
static const char *change_text;

ssize_t
read(int fd, void *buf, size_t n)
{
	struct stat a, b;
	const char *path = change_path;

	if (path != NULL && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		change_path = NULL;
		rewrite_in_place(path, change_text);
	}
	return syscall(SYS_read, fd, buf, n);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char *text = NULL;
	int i;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/vmgate-cache-XXXXXX");
	unit_mkdtemp(fx->dir);
	assert_int_equal(chmod(fx->dir, 0755), 0);
	assert_true(asprintf(&fx->ini, "%s/vmgate.ini", fx->dir) > 0);
	assert_true(asprintf(&fx->snap, "%s%s", fx->ini, CACHE_SUFFIX) > 0);
	assert_true(asprintf(&fx->keys, "%s/keys", fx->dir) > 0);
	fx->index = keyindex_path(fx->keys);
	assert_int_equal(mkdir(fx->keys, 0755), 0);
	for (i = 0; i < NKEYS; i++)
		read_key(i, &fx->k[i]);
	assert_true(asprintf(&text, config_fmt, fx->dir, ALICE_ON) > 0);
	write_text(fx->ini, text);
	free(text);
	write_key(fx, "alice.pub", 0, 3);	/* two keys */
	write_key(fx, "bob@laptop.pub", 1, -1);
	write_key(fx, "carol.pub", 2, -1);	/* disabled tenant */
	write_key(fx, "dave.pub", 4, -1);
	write_key(fx, "erin.pub", 5, -1);	/* no such tenant */
	/* snapshots and indexes are only made of files that have settled */
	sleep(SETTLE);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf '%s'", fx->dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	free(cmd);
	free(fx->ini);
	free(fx->snap);
	free(fx->keys);
	free(fx->index);
	free(fx);
	return 0;
}

static struct config *
full_config(const struct fixture *fx)
{
	struct config *cfg = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_load(fx->ini, geteuid(), &cfg, &d), 0);
	diag_clear(&d);
	return cfg;
}

static struct config *
scoped_config(const struct fixture *fx, const char *tenant)
{
	struct config *cfg = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(cache_load_config(fx->ini, geteuid(), tenant, &cfg,
	    &d), 0);
	diag_clear(&d);
	return cfg;
}

/* Every question a request can ask about tenant: same answer in both. */
/* the install media a tenant may use: same entries, paths, descriptions */
static void
assert_same_media(const struct config *full, const struct config *part,
    const char *tenant)
{
	const struct media_conf *mf, *mp, **a, **b;
	size_t na, nb, i;

	for (i = 0; media_names[i] != NULL; i++) {
		mf = policy_media(full, tenant, media_names[i]);
		mp = policy_media(part, tenant, media_names[i]);
		if ((mf == NULL) != (mp == NULL))
			fail_msg("%s media %s differs", tenant, media_names[i]);
		if (mf == NULL)
			continue;
		assert_string_equal(mf->path, mp->path);
		assert_true((mf->description == NULL) ==
		    (mp->description == NULL));
		if (mf->description != NULL)
			assert_string_equal(mf->description, mp->description);
	}
	a = policy_media_list(full, tenant, &na);
	b = policy_media_list(part, tenant, &nb);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_string_equal(a[i]->name, b[i]->name);
	free(a);
	free(b);
}

static void
assert_same_answers(const struct config *full, const struct config *part,
    const char *tenant)
{
	const struct domain_conf *df, *dp;
	const char **a, **b;
	struct spice_endpoint ea, eb;
	size_t na, nb, i, m;
	int v;

	assert_string_equal(full->uri, part->uri);
	assert_string_equal(full->keys_dir, part->keys_dir);
	assert_string_equal(full->service_user, part->service_user);
	assert_string_equal(full->tenant_group, part->tenant_group);
	assert_int_equal(full->spice_ttl, part->spice_ttl);
	assert_int_equal(full->libvirt_timeout, part->libvirt_timeout);
	assert_int_equal(part->libvirt_timeout, 40);
	assert_int_equal(config_max_sessions(full, tenant),
	    config_max_sessions(part, tenant));
	assert_int_equal(policy_tenant_enabled(full, tenant),
	    policy_tenant_enabled(part, tenant));
	for (m = 0; machines[m] != NULL; m++) {
		for (v = 0; v < VERB_COUNT; v++) {
			if (policy_may(full, tenant, v, machines[m]) !=
			    policy_may(part, tenant, v, machines[m]))
				fail_msg("%s %s %s differs", tenant,
				    verb_name(v), machines[m]);
		}
		if (!policy_may(full, tenant, VERB_STATUS, machines[m]))
			continue;
		assert_string_equal(config_domain_uri(full, machines[m]),
		    config_domain_uri(part, machines[m]));
		df = config_domain(full, machines[m]);
		dp = config_domain(part, machines[m]);
		assert_int_equal(spice_endpoint(df, NULL, &ea),
		    spice_endpoint(dp, NULL, &eb));
		if (spice_endpoint(df, NULL, &ea) == 0) {
			assert_string_equal(ea.host, eb.host);
			assert_int_equal(ea.port, eb.port);
		}
		assert_int_equal(df == NULL, dp == NULL);
		if (df != NULL) {
			assert_string_equal(df->ipv4 ? df->ipv4 : "-",
			    dp->ipv4 ? dp->ipv4 : "-");
			assert_string_equal(df->ipv6 ? df->ipv6 : "-",
			    dp->ipv6 ? dp->ipv6 : "-");
		}
	}
	a = policy_domains(full, tenant, &na);
	b = policy_domains(part, tenant, &nb);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
	free(a);
	free(b);
	assert_same_media(full, part, tenant);
}

static bool
snapshot_exists(const struct fixture *fx)
{
	struct stat st;

	return stat(fx->snap, &st) == 0;
}

/* The snapshot: written by the first load, then used; same answers. */
static void
test_snapshot_same_answers(void **state)
{
	struct fixture *fx = *state;
	struct config *full = full_config(fx), *part;
	size_t i;

	(void)unlink(fx->snap);
	/* no snapshot yet: the whole file, and the snapshot is written */
	part = scoped_config(fx, "alice");
	assert_int_equal(part->ntenants, full->ntenants);
	config_free(part);
	assert_true(snapshot_exists(fx));
	/* as vmgate check does it: the whole config, snapshot written */
	assert_int_equal(unlink(fx->snap), 0);
	{
		struct diag d;

		diag_init(&d);
		assert_int_equal(cache_load_full(fx->ini, geteuid(), &part,
		    &d), 0);
		diag_clear(&d);
	}
	assert_int_equal(part->ntenants, full->ntenants);
	config_free(part);
	assert_true(snapshot_exists(fx));
	for (i = 0; names[i] != NULL; i++) {
		part = scoped_config(fx, names[i]);
		/* from the snapshot: it knows the one tenant at most */
		assert_true(part->ntenants <= 1);
		assert_same_answers(full, part, names[i]);
		config_free(part);
	}
	/* no tenant at all: only the settings */
	part = scoped_config(fx, NULL);
	assert_int_equal(part->ntenants, 0);
	assert_string_equal(part->service_user, full->service_user);
	assert_string_equal(part->tenant_group, "gate-tenants");
	assert_string_equal(part->keys_dir, full->keys_dir);
	for (i = 0; names[i] != NULL; i++)
		assert_false(policy_tenant_enabled(part, names[i]));
	config_free(part);
	config_free(full);
}

/* Other tenants are unknown to a scoped config: denied, never granted. */
static void
test_snapshot_knows_one_tenant(void **state)
{
	struct fixture *fx = *state;
	struct config *part = scoped_config(fx, "alice");
	size_t i;

	assert_true(policy_tenant_enabled(part, "alice"));
	for (i = 1; names[i] != NULL; i++)
		assert_false(policy_may(part, names[i], VERB_STATUS, "web1"));
	/* bob is only a group member: his own scope finds him */
	config_free(part);
	part = scoped_config(fx, "bob");
	assert_true(policy_may(part, "bob", VERB_CONSOLE, "build1"));
	assert_false(policy_may(part, "bob", VERB_RESET, "build1"));
	config_free(part);
}

/* An edit after the snapshot counts at once; nothing half-applied. */
static void
test_snapshot_edit_counts_at_once(void **state)
{
	struct fixture *fx = *state;
	struct config *part;

	part = scoped_config(fx, "alice");
	assert_true(part->ntenants == 1 && snapshot_exists(fx));
	assert_true(policy_may(part, "alice", VERB_RESET, "web1"));
	config_free(part);

	/* same size, same inode: only the times tell */
	write_config(fx, ALICE_OFF);
	part = scoped_config(fx, "alice");
	assert_false(policy_tenant_enabled(part, "alice"));
	assert_false(policy_may(part, "alice", VERB_RESET, "web1"));
	config_free(part);
	/* a login for alice: still nothing */
	{
		struct config *cfg = NULL;
		struct diag d;

		diag_init(&d);
		assert_int_equal(admin_login_config(fx->ini, geteuid(), "alice",
		    fx->k[0].base64, &cfg, &d), 0);
		assert_false(policy_tenant_enabled(cfg, "alice"));
		config_free(cfg);
		diag_clear(&d);
	}
	write_config(fx, ALICE_ON);
	part = scoped_config(fx, "alice");
	assert_true(policy_tenant_enabled(part, "alice"));
	config_free(part);
}

/*
 * A same-size edit in place that moves a section boundary: "[tenant zed]"
 * becomes "; tenant zed", so zed's allow line now narrows alice. Device,
 * inode and size are unchanged, and alice's own lines read the same: only
 * the file's times tell the snapshot is stale. Its ranges would still
 * give alice every verb; the answers must be the full parse's.
 */
static const char boundary_fmt[] =
    "[vmgate]\n"
    "uri = test:///default\n"
    "keys = %s/keys\n"
    "\n"
    "[tenant alice]\n"
    "domains = web1\n"
    "%s\n"
    "allow = status start\n";

static void
test_snapshot_boundary_edit(void **state)
{
	struct fixture *fx = *state;
	struct config *full = NULL, *part = NULL;
	char *ini = NULL, *text = NULL;
	struct diag d;
	int v;

	assert_true(asprintf(&ini, "%s/boundary.ini", fx->dir) > 0);
	assert_true(asprintf(&text, boundary_fmt, fx->dir, "[tenant zed]") > 0);
	write_text(ini, text);
	free(text);
	sleep(SETTLE);
	diag_init(&d);
	/* the first load writes the snapshot, the second one uses it */
	assert_int_equal(cache_load_config(ini, geteuid(), "alice", &part, &d),
	    0);
	config_free(part);
	assert_int_equal(cache_load_config(ini, geteuid(), "alice", &part, &d),
	    0);
	assert_int_equal(part->ntenants, 1);
	assert_true(policy_may(part, "alice", VERB_RESET, "web1"));
	config_free(part);

	assert_true(asprintf(&text, boundary_fmt, fx->dir, "; tenant zed") > 0);
	rewrite_in_place(ini, text);
	free(text);
	assert_int_equal(config_load(ini, geteuid(), &full, &d), 0);
	assert_false(policy_may(full, "alice", VERB_RESET, "web1"));
	assert_true(policy_may(full, "alice", VERB_START, "web1"));
	assert_false(policy_tenant_enabled(full, "zed"));
	assert_int_equal(cache_load_config(ini, geteuid(), "alice", &part, &d),
	    0);
	for (v = 0; v < VERB_COUNT; v++) {
		if (policy_may(full, "alice", v, "web1") !=
		    policy_may(part, "alice", v, "web1"))
			fail_msg("alice %s web1: the snapshot says %d, the "
			    "file %d", verb_name(v),
			    policy_may(part, "alice", v, "web1"),
			    policy_may(full, "alice", v, "web1"));
	}
	config_free(part);
	assert_int_equal(cache_load_config(ini, geteuid(), "zed", &part, &d),
	    0);
	assert_false(policy_tenant_enabled(part, "zed"));
	config_free(part);
	config_free(full);
	diag_clear(&d);
	free(ini);
}

/* A snapshot nobody may trust is not used: the whole file is read. */
static void
test_snapshot_untrusted(void **state)
{
	struct fixture *fx = *state;
	struct config *full = full_config(fx), *part;
	char *copy = NULL, *copy_snap = NULL, *text = NULL;

	/* settle the edits of the previous test, then make a snapshot */
	sleep(SETTLE);
	config_free(scoped_config(fx, "alice"));
	part = scoped_config(fx, "alice");
	assert_int_equal(part->ntenants, 1);
	config_free(part);

	assert_int_equal(chmod(fx->snap, 0666), 0);
	part = scoped_config(fx, "alice");
	assert_int_equal(part->ntenants, full->ntenants);
	config_free(part);
	assert_int_equal(chmod(fx->snap, 0644), 0);

	/* another owner's snapshot needs root to arrange (else a skip) */
	if (geteuid() == 0) {
		assert_int_equal(chown(fx->snap, OTHER_UID, OTHER_UID), 0);
		part = scoped_config(fx, "alice");
		assert_int_equal(part->ntenants, full->ntenants);
		config_free(part);
		assert_int_equal(chown(fx->snap, 0, 0), 0);
	}

	/* another file's snapshot: its (dev, ino, ...) are not ours */
	assert_true(asprintf(&copy, "%s/other.ini", fx->dir) > 0);
	assert_true(asprintf(&copy_snap, "%s%s", copy, CACHE_SUFFIX) > 0);
	assert_true(asprintf(&text, "cp -p '%s' '%s' && cp -p '%s' '%s'",
	    fx->ini, copy, fx->snap, copy_snap) > 0);
	assert_int_equal(system(text), 0);
	part = scoped_config(fx, "alice");
	assert_int_equal(part->ntenants, 1);
	config_free(part);
	{
		struct config *c2 = NULL;
		struct diag d;

		diag_init(&d);
		assert_int_equal(cache_load_config(copy, geteuid(), "alice",
		    &c2, &d), 0);
		assert_int_equal(c2->ntenants, full->ntenants);
		config_free(c2);
		diag_clear(&d);
	}

	/* a damaged snapshot: cut short */
	assert_int_equal(truncate(fx->snap, 100), 0);
	part = scoped_config(fx, "alice");
	assert_int_equal(part->ntenants, full->ntenants);
	assert_same_answers(full, part, "alice");
	config_free(part);
	free(text);
	free(copy);
	free(copy_snap);
	config_free(full);
	skip_unless_root("another owner's snapshot");
}

/* ---- the key index ---- */

static bool
known(const char *tenant, void *arg)
{
	return config_tenant(arg, tenant) != NULL;
}

static bool
index_exists(const struct fixture *fx)
{
	struct stat st;

	return stat(fx->index, &st) == 0;
}

/* the plain answer: the same directory copied fresh, so never indexed */
static char *
plain_copy(const struct fixture *fx)
{
	char *dir = NULL, *cmd = NULL;

	assert_true(asprintf(&dir, "%s/plain-XXXXXX", fx->dir) > 0);
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&cmd, "cp -p '%s'/*.pub '%s'/ && chmod 755 '%s'",
	    fx->keys, dir, dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return dir;
}

static void
assert_same_ring(const struct keyring *a, const struct keyring *b)
{
	size_t i;

	assert_int_equal(a->nkeys, b->nkeys);
	for (i = 0; i < a->nkeys; i++) {
		assert_string_equal(a->keys[i].tenant, b->keys[i].tenant);
		assert_string_equal(a->keys[i].base64, b->keys[i].base64);
		assert_string_equal(a->keys[i].fingerprint,
		    b->keys[i].fingerprint);
		assert_int_equal(a->keys[i].usable, b->keys[i].usable);
	}
}

static size_t
usable(const struct keyring *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nkeys; i++)
		n += r->keys[i].usable;
	return n;
}

static void
login(const char *dir, const struct config *cfg, const char *tenant,
    const struct key *k, struct keyring *ring)
{
	struct diag d;

	diag_init(&d);
	(void)keys_load_only(dir, known, (void *)cfg, tenant, k->type,
	    k->base64, ring, &d);
	diag_clear(&d);
}

/* Every login through the index equals the one over the whole directory. */
static void
test_index_same_answers(void **state)
{
	struct fixture *fx = *state;
	struct config *cfg = full_config(fx);
	struct keyring fast, plain, full;
	struct diag d;
	char *copy;
	size_t i;
	int k;

	(void)unlink(fx->index);
	diag_init(&d);
	/* a full scan (vmgate check) writes the index */
	(void)keys_load(fx->keys, known, cfg, &full, &d);
	keys_free(&full);
	diag_clear(&d);
	assert_true(index_exists(fx));
	copy = plain_copy(fx);
	for (k = 0; k < NKEYS; k++) {
		for (i = 0; names[i] != NULL; i++) {
			const char *t = strcmp(names[i], "svc") == 0 ? NULL :
			    names[i];

			login(fx->keys, cfg, t, &fx->k[k], &fast);
			login(copy, cfg, t, &fx->k[k], &plain);
			assert_same_ring(&fast, &plain);
			keys_free(&fast);
			keys_free(&plain);
		}
	}
	/* the copy was too fresh to be indexed: it was read whole */
	{
		char *ix = keyindex_path(copy);
		struct stat st;

		assert_int_equal(stat(ix, &st), -1);
		free(ix);
	}
	free(copy);
	config_free(cfg);
}

/* What the index says is checked against the files: edits count at once. */
static void
test_index_removed_key_stops(void **state)
{
	struct fixture *fx = *state;
	struct config *cfg = full_config(fx);
	struct keyring ring;
	char *path = NULL, owner[NAME_MAX_LEN + 1];

	assert_true(index_exists(fx));
	assert_int_equal(keys_index_owner(fx->keys, fx->k[0].base64, owner,
	    sizeof(owner)), 1);
	assert_string_equal(owner, "alice");
	login(fx->keys, cfg, NULL, &fx->k[0], &ring);
	assert_int_equal(usable(&ring), 1);
	keys_free(&ring);

	/* key 0 taken out of alice.pub in place: the index still names it */
	assert_true(asprintf(&path, "%s/alice.pub", fx->keys) > 0);
	rewrite_in_place(path, "");
	free(path);
	path = NULL;
	assert_int_equal(keys_index_owner(fx->keys, fx->k[0].base64, owner,
	    sizeof(owner)), 1);
	login(fx->keys, cfg, NULL, &fx->k[0], &ring);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	login(fx->keys, cfg, "alice", &fx->k[0], &ring);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	login(fx->keys, cfg, "alice", &fx->k[3], &ring);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);

	/* bob's file removed: the directory changed, the index is stale */
	assert_true(asprintf(&path, "%s/bob@laptop.pub", fx->keys) > 0);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_int_equal(keys_index_owner(fx->keys, fx->k[1].base64, owner,
	    sizeof(owner)), -1);
	login(fx->keys, cfg, NULL, &fx->k[1], &ring);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);
	login(fx->keys, cfg, "bob", &fx->k[1], &ring);
	assert_int_equal(ring.nkeys, 0);
	keys_free(&ring);

	/* a tenant removed from the config: its key is never usable */
	login(fx->keys, cfg, NULL, &fx->k[5], &ring);
	assert_int_equal(ring.nkeys, 1);
	assert_int_equal(usable(&ring), 0);
	keys_free(&ring);
	config_free(cfg);
}

/* A shared key stays refused through the index; a bad index is not used. */
static void
test_index_shared_and_untrusted(void **state)
{
	struct fixture *fx = *state;
	struct config *cfg = full_config(fx);
	struct keyring ring, plain;
	struct diag d;
	char owner[NAME_MAX_LEN + 1], *copy;

	/* dave's key also under alice; let the directory settle, index it */
	write_key(fx, "alice@two.pub", 0, 4);
	write_key(fx, "bob@laptop.pub", 1, -1);
	sleep(SETTLE);
	diag_init(&d);
	(void)keys_load(fx->keys, known, cfg, &ring, &d);
	keys_free(&ring);
	diag_clear(&d);
	assert_int_equal(keys_index_owner(fx->keys, fx->k[4].base64, owner,
	    sizeof(owner)), -1);
	login(fx->keys, cfg, NULL, &fx->k[4], &ring);
	assert_int_equal(ring.nkeys, 2);
	assert_int_equal(usable(&ring), 0);
	keys_free(&ring);
	login(fx->keys, cfg, "dave", &fx->k[4], &ring);
	assert_int_equal(usable(&ring), 0);
	keys_free(&ring);

	/* group- or other-writable, or another owner's: ignored */
	assert_int_equal(chmod(fx->index, 0666), 0);
	assert_int_equal(keys_index_owner(fx->keys, fx->k[1].base64, owner,
	    sizeof(owner)), -1);
	assert_int_equal(chmod(fx->index, 0644), 0);
	assert_int_equal(keys_index_owner(fx->keys, fx->k[1].base64, owner,
	    sizeof(owner)), 1);
	/* another owner's index needs root to arrange (else a skip) */
	if (geteuid() == 0) {
		assert_int_equal(chown(fx->index, OTHER_UID, OTHER_UID), 0);
		assert_int_equal(keys_index_owner(fx->keys, fx->k[1].base64,
		    owner, sizeof(owner)), -1);
		assert_int_equal(chown(fx->index, 0, 0), 0);
	}
	/* damaged: cut short, then the answers are the plain ones */
	assert_int_equal(truncate(fx->index, 64), 0);
	assert_int_equal(keys_index_owner(fx->keys, fx->k[1].base64, owner,
	    sizeof(owner)), -1);
	copy = plain_copy(fx);
	login(fx->keys, cfg, "bob", &fx->k[1], &ring);
	login(copy, cfg, "bob", &fx->k[1], &plain);
	assert_same_ring(&ring, &plain);
	assert_int_equal(usable(&ring), 1);
	keys_free(&ring);
	keys_free(&plain);
	free(copy);
	config_free(cfg);
	skip_unless_root("another owner's index");
}

/* keys_from_auth_info for key k of the fixture, named by type, through
 * the index of dir (NULL: none); the fingerprint, "" when none */
static void
auth_fp(const struct fixture *fx, const char *dir, const char *type,
    const struct key *k, char *fp, size_t fplen)
{
	char *path = NULL, *text = NULL;

	assert_true(asprintf(&path, "%s/auth", fx->dir) > 0);
	assert_true(asprintf(&text, "publickey %s %s\n", type, k->base64) > 0);
	write_text(path, text);
	if (keys_from_auth_info(path, dir, fp, fplen) != 0)
		assert_string_equal(fp, "");
	free(text);
	free(path);
}

/* libssh's fingerprint of key k */
static void
libssh_fp(const struct key *k, char *fp, size_t fplen)
{
	assert_int_equal(keys_fingerprint(k->type, k->base64, fp, fplen), 0);
}

/*
 * The login key's fingerprint comes from the index when it holds that
 * key, equal to libssh's; with no trusted index, a stale one, or a key it
 * does not hold, libssh makes it.
 */
static void
test_index_fingerprint(void **state)
{
	struct fixture *fx = *state;
	struct keyring ring;
	struct keyindex *ix;
	struct diag d;
	struct stat st;
	const char *t, *f;
	char *dir = NULL, *file = NULL, *path, fp[KEYS_FP_LEN];
	char want[KEYS_FP_LEN];
	const int indexed[] = { 0, 1, 3 };
	struct keyindex_key fake;
	const struct keyindex_file fake_file = { "alice", "alice.pub" };
	size_t i;

	assert_true(asprintf(&dir, "%s/fpkeys", fx->dir) > 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_true(asprintf(&file, "%s %s a\n%s %s b\n", fx->k[0].type,
	    fx->k[0].base64, fx->k[3].type, fx->k[3].base64) > 0);
	assert_true(asprintf(&path, "%s/alice.pub", dir) > 0);
	write_text(path, file);
	free(path);
	free(file);
	assert_true(asprintf(&path, "%s/bob.pub", dir) > 0);
	assert_true(asprintf(&file, "%s %s\n", fx->k[1].type,
	    fx->k[1].base64) > 0);
	write_text(path, file);
	free(path);
	free(file);
	sleep(SETTLE);
	diag_init(&d);
	assert_int_equal(keys_load(dir, NULL, NULL, &ring, &d), 0);
	keys_free(&ring);
	diag_clear(&d);
	path = keyindex_path(dir);
	assert_int_equal(stat(dir, &st), 0);

	/* the index carries libssh's type and fingerprint of each key */
	assert_non_null(ix = keyindex_open(path, &st));
	for (i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++) {
		const struct key *k = &fx->k[indexed[i]];

		libssh_fp(k, want, sizeof(want));
		assert_int_equal(keyindex_fingerprint(ix, k->base64, &t, &f),
		    0);
		assert_string_equal(t, k->type);
		assert_string_equal(f, want);
		auth_fp(fx, dir, k->type, k, fp, sizeof(fp));
		assert_string_equal(fp, want);
	}
	assert_int_equal(keyindex_fingerprint(ix, fx->k[2].base64, &t, &f),
	    -1);
	keyindex_close(ix);

	/* an index whose fingerprint is not libssh's shows where the answer
	 * comes from: the index, for exactly its key and type */
	memset(&fake, 0, sizeof(fake));
	fake.base64 = fx->k[0].base64;
	fake.tenant = "alice";
	fake.type = fx->k[0].type;
	fake.fingerprint = "SHA256:fromTheIndex";
	assert_int_equal(keyindex_write(path, &st, &fake, 1, &fake_file, 1),
	    0);
	auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, "SHA256:fromTheIndex");
	/* an index fingerprint not shaped as libssh writes one: libssh's */
	fake.fingerprint = "SHA256:\x1b[2J";
	assert_int_equal(keyindex_write(path, &st, &fake, 1, &fake_file, 1),
	    0);
	libssh_fp(&fx->k[0], want, sizeof(want));
	auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, want);
	fake.fingerprint = "SHA256:fromTheIndex";
	assert_int_equal(keyindex_write(path, &st, &fake, 1, &fake_file, 1),
	    0);
	/* no index given, another type named, a key not indexed: libssh */
	libssh_fp(&fx->k[0], want, sizeof(want));
	auth_fp(fx, NULL, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, want);
	auth_fp(fx, dir, fx->k[1].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, "");
	libssh_fp(&fx->k[2], want, sizeof(want));
	auth_fp(fx, dir, fx->k[2].type, &fx->k[2], fp, sizeof(fp));
	assert_string_equal(fp, want);
	/* an index others may write: not trusted */
	libssh_fp(&fx->k[0], want, sizeof(want));
	assert_int_equal(chmod(path, 0666), 0);
	auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, want);
	assert_int_equal(chmod(path, 0644), 0);
	auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, "SHA256:fromTheIndex");
	/* stale: a file added to the directory */
	assert_true(asprintf(&file, "%s/carol.pub", dir) > 0);
	write_text(file, "");
	auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, want);
	/* missing */
	assert_int_equal(unlink(path), 0);
	auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
	assert_string_equal(fp, want);
	/* a directory another account owns: that account may write its
	 * index too, so no key is read from it, nor a fingerprint */
	if (geteuid() == 0) {
		assert_int_equal(chown(dir, OTHER_UID, (gid_t)-1), 0);
		sleep(SETTLE);
		assert_int_equal(stat(dir, &st), 0);
		assert_int_equal(keyindex_write(path, &st, &fake, 1,
		    &fake_file, 1), 0);
		assert_int_equal(chown(path, OTHER_UID, (gid_t)-1), 0);
		assert_non_null(ix = keyindex_open(path, &st));	/* as such */
		keyindex_close(ix);
		auth_fp(fx, dir, fx->k[0].type, &fx->k[0], fp, sizeof(fp));
		assert_string_equal(fp, want);
	}
	free(file);
	free(path);
	free(dir);
}

/*
 * The file changes between the look at its identity and the read: the
 * text read is not the text that identity names, so no snapshot may be
 * written for it (a later load would trust it if the two ever matched).
 * The answers are the new text's.
 */
static void
test_snapshot_changed_while_read(void **state)
{
	struct fixture *fx = *state;
	struct config *cfg = NULL;
	struct diag d;
	char *text = NULL;

	/* settle the edits of the earlier tests, and start over */
	write_config(fx, ALICE_ON);
	sleep(SETTLE);
	(void)unlink(fx->snap);
	assert_true(asprintf(&text, config_fmt, fx->dir, ALICE_OFF) > 0);
	change_text = text;
	change_path = fx->ini;
	diag_init(&d);
	assert_int_equal(cache_load_full(fx->ini, geteuid(), &cfg, &d), 0);
	diag_clear(&d);
	assert_null(change_path);	/* the change did happen */
	assert_false(policy_tenant_enabled(cfg, "alice"));
	config_free(cfg);
	assert_false(snapshot_exists(fx));

	/* the next load, once the change has settled, writes it */
	sleep(SETTLE);
	cfg = scoped_config(fx, "alice");
	assert_false(policy_tenant_enabled(cfg, "alice"));
	config_free(cfg);
	assert_true(snapshot_exists(fx));
	cfg = scoped_config(fx, "alice");
	assert_int_equal(cfg->ntenants, 1);	/* from the snapshot */
	assert_false(policy_tenant_enabled(cfg, "alice"));
	config_free(cfg);
	free(text);
	write_config(fx, ALICE_ON);
}

/*
 * A derived file is read whole when small and mapped when large: the
 * same bytes either way, and the same refusals (another owner, a mode
 * others may write, a size out of bounds).
 */
static void
test_mapfile_sizes(void **state)
{
	const size_t sizes[] = { 64, MAPFILE_READ_MAX, MAPFILE_READ_MAX + 1,
	    4 * MAPFILE_READ_MAX + 17 };
	char dir[] = "/tmp/vmgate-unit-XXXXXX";
	unsigned char *want;
	const unsigned char *got;
	char *path = NULL;
	size_t i, j, len;
	int fd;

	(void)state;
	unit_mkdtemp(dir);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		want = malloc(sizes[i]);
		assert_non_null(want);
		for (j = 0; j < sizes[i]; j++)
			want[j] = (unsigned char)(j * 7 + i);
		free(path);
		assert_true(asprintf(&path, "%s/f%zu", dir, i) > 0);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, want, sizes[i]), (ssize_t)sizes[i]);
		close(fd);
		assert_int_equal(chmod(path, 0644), 0);

		len = 0;
		got = mapfile_open(path, geteuid(), 1, sizes[i], &len);
		assert_non_null(got);
		assert_int_equal(len, sizes[i]);
		assert_memory_equal(got, want, sizes[i]);
		mapfile_close(got, len);

		/* out of bounds, another owner, writable by group, by others */
		assert_null(mapfile_open(path, geteuid(), 1, sizes[i] - 1,
		    &len));
		assert_null(mapfile_open(path, geteuid(), sizes[i] + 1,
		    sizes[i] + 2, &len));
		assert_null(mapfile_open(path, geteuid() + 1, 1, sizes[i],
		    &len));
		assert_int_equal(chmod(path, 0664), 0);
		assert_null(mapfile_open(path, geteuid(), 1, sizes[i], &len));
		assert_int_equal(chmod(path, 0646), 0);
		assert_null(mapfile_open(path, geteuid(), 1, sizes[i], &len));
		free(want);
	}
	free(path);
	mapfile_close(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_same_answers),
		cmocka_unit_test(test_snapshot_knows_one_tenant),
		cmocka_unit_test(test_snapshot_edit_counts_at_once),
		cmocka_unit_test(test_snapshot_boundary_edit),
		cmocka_unit_test(test_snapshot_untrusted),
		cmocka_unit_test(test_index_same_answers),
		cmocka_unit_test(test_index_removed_key_stops),
		cmocka_unit_test(test_index_shared_and_untrusted),
		cmocka_unit_test(test_index_fingerprint),
		cmocka_unit_test(test_snapshot_changed_while_read),
		cmocka_unit_test(test_mapfile_sizes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
