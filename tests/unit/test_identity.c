/*
 * test_identity: who a request is for, from the caller's uid and its
 * accounts, --tenant and the config's service_user; what the audit line
 * names when the answer is "nobody".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf in unit.h */
#endif
#include "unit.h"

#include <pwd.h>

#include "vmgate/config.h"
#include "vmgate/identity.h"

static struct config *
parse(const char *text)
{
	struct config *cfg = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_parse("t.ini", text, strlen(text), &cfg, &d),
	    0);
	diag_clear(&d);
	return cfg;
}

/* an identity as identity_init would leave it for these facts */
static void
caller(struct identity *id, uid_t uid, const char *asked, const char *login,
    const char *sharer)
{
	memset(id, 0, sizeof(*id));
	id->uid = uid;
	id->asked = asked;
	id->looked_up = true;
	snprintf(id->login, sizeof(id->login), "%s", login);
	snprintf(id->sharer, sizeof(id->sharer), "%s", sharer);
}

struct check_case {
	uid_t uid;
	const char *asked, *login, *sharer;
	bool with_config;
	int rc;
	const char *tenant;	/* when rc is 0 */
	const char *audit;
	const char *why;	/* substring, when rc is -1 */
};

static void
test_check(void **state)
{
	/* the service user is whoever runs this test: its uid is ours */
	struct passwd *me = getpwuid(getuid());
	char *text = NULL;
	struct config *cfg;
	struct identity id;
	size_t i;
	const uid_t svc = getuid() == 0 ? 1 : getuid();
	const struct check_case cases[] = {
		/* the per-user model: the login is the tenant */
		{ 1001, NULL, "alice", "", true, 0, "alice", "alice", NULL },
		/* ... unless another account has its uid */
		{ 1001, NULL, "alice", "bob", true, -1, NULL, "uid=1001",
		  "uid 1001 is shared by accounts alice and bob" },
		{ 1001, NULL, "", "", true, -1, NULL, "uid=1001",
		  "unknown user" },
		/* --tenant: root and the service user only */
		{ 0, "alice", "root", "", true, 0, "alice", "alice", NULL },
		{ svc, "alice", "svc", "", true, 0, "alice", "alice", NULL },
		{ 1001, "bob", "alice", "", true, -1, NULL, "uid=1001",
		  "--tenant is honoured only for root and the service user" },
		/* no config: root's word is still recorded */
		{ 0, "alice", "root", "", false, -1, NULL, "alice",
		  "no configuration" },
		{ 1001, NULL, "alice", "", false, -1, NULL, "alice",
		  "no configuration" },
	};

	(void)state;
	assert_non_null(me);
	assert_true(asprintf(&text, "[vmgate]\nservice_user = %s\n"
	    "[tenant alice]\n", getuid() == 0 ? "daemon" : me->pw_name) > 0);
	cfg = parse(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct check_case *c = &cases[i];
		uid_t uid = c->uid;

		/* daemon's uid is the service user's when we are root */
		if (getuid() == 0 && uid == svc)
			uid = getpwnam("daemon")->pw_uid;
		print_message("case %zu\n", i);
		caller(&id, uid, c->asked, c->login, c->sharer);
		assert_int_equal(identity_check(&id, c->with_config ? cfg :
		    NULL), c->rc);
		if (c->rc == 0)
			assert_string_equal(id.tenant, c->tenant);
		else {
			assert_null(id.tenant);
			assert_non_null(strstr(id.why, c->why));
		}
		assert_string_equal(identity_audit_name(&id), c->audit);
	}
	config_free(cfg);
	free(text);
}

static void
test_scope(void **state)
{
	struct identity id;

	(void)state;
	caller(&id, 1001, NULL, "alice", "");
	assert_string_equal(identity_scope(&id), "alice");
	caller(&id, 0, "bob", "root", "");
	assert_string_equal(identity_scope(&id), "bob");
	caller(&id, 1001, NULL, "", "");
	assert_null(identity_scope(&id));
}

/* the caller's account name, with --tenant and without, from the real
 * database */
static void
test_login(void **state)
{
	struct passwd *me = getpwuid(getuid());
	char name[NAME_MAX_LEN + 1];
	struct identity id;

	(void)state;
	assert_non_null(me);
	snprintf(name, sizeof(name), "%s", me->pw_name);
	identity_init(&id, NULL);
	assert_string_equal(id.login, name);
	assert_string_equal(identity_scope(&id), name);
	/* --tenant: the name is asked for by what shows it, and the same */
	identity_init(&id, "alice");
	assert_string_equal(identity_scope(&id), "alice");
	assert_string_equal(identity_login(&id), name);
	assert_string_equal(identity_login(&id), name);
}

static void
test_accounts(void **state)
{
	struct account v[] = {
		{ "alice", 1001 }, { "bob", 1001 }, { "carol", 1003 },
		{ "root", 0 },
	};
	struct account *all;
	size_t n = sizeof(v) / sizeof(v[0]), i;

	(void)state;
	assert_string_equal(account_uid_sharer(v, n, "alice", 1001), "bob");
	assert_string_equal(account_uid_sharer(v, n, "bob", 1001), "alice");
	assert_null(account_uid_sharer(v, n, "carol", 1003));
	assert_null(account_uid_sharer(v, 0, "carol", 1003));
	assert_int_equal(account_find(v, n, "carol")->uid, 1003);
	assert_null(account_find(v, n, "dave"));
	assert_null(account_find(v, 0, "alice"));

	/* the real database: root is there, sorted by name */
	all = account_list(&n);
	assert_true(n > 0);
	assert_non_null(account_find(all, n, "root"));
	assert_int_equal(account_find(all, n, "root")->uid, 0);
	for (i = 1; i < n; i++)
		assert_true(strcmp(all[i - 1].name, all[i].name) < 0);
	account_list_free(all, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
