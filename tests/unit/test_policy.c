/*
 * test_policy: who may do what on which machine, over configs parsed from
 * text: own grants, group grants, allow lists, disabled and unknown tenants.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf in unit.h */
#endif
#include "unit.h"

#include "vmgate/config.h"
#include "vmgate/policy.h"

static const char hand_ini[] =
    "[tenant alice]\n"
    "domains = web1, db1\n"
    "[tenant bob]\n"
    "domains = web2\n"
    "allow = status console\n"
    "[tenant carol]\n"
    "domains = web3\n"
    "disabled = yes\n"
    "[tenant dave]\n"
    "[tenant erin]\n"
    "domains = web1\n"
    "allow = list help\n"
    "[group ops]\n"
    "members = bob carol dave\n"
    "domains = build1 web2\n"
    "allow = status start\n"
    "[group dev]\n"
    "members = dave\n"
    "domains = dev1, build1\n"
    "[group lab]\n"
    "members = erin\n"
    "domains = lab1\n"
    "allow = status\n"
    "[group nobody]\n"
    "domains = secret1\n";

static const char media_ini[] =
    "[media debian-12]\n"
    "path = /srv/media/debian-12.iso\n"
    "[media alpine]\n"
    "path = /srv/media/alpine.iso\n"
    "[media rescue]\n"
    "path = /srv/media/rescue.iso\n"
    "[tenant alice]\n"
    "domains = web1\n"
    "media = debian-12\n"
    "[tenant bob]\n"
    "media = *\n"
    "[tenant carol]\n"
    "media = *\n"
    "disabled = yes\n"
    "[tenant dave]\n"
    "domains = web2\n"
    "[group ops]\n"
    "members = alice erin\n"
    "media = rescue\n";

static struct config *
parse(const char *text)
{
	struct config *cfg = NULL;
	struct diag d;
	size_t i;

	diag_init(&d);
	if (config_parse("test.ini", text, strlen(text), &cfg, &d) != 0) {
		for (i = 0; i < d.count; i++)
			print_error("%s\n", d.msgs[i]);
		fail_msg("config refused");
	}
	diag_clear(&d);
	return cfg;
}

struct may_case {
	const char *tenant;
	enum verb verb;
	const char *domain;
	bool want;
};

static const struct may_case may_cases[] = {
	/* general verbs: any enabled tenant, machine ignored */
	{ "alice", VERB_HELP, NULL, true },
	{ "alice", VERB_LIST, NULL, true },
	{ "alice", VERB_WHOAMI, "nosuch", true },
	{ "alice", VERB_VERSION, NULL, true },
	{ "dave", VERB_LIST, NULL, true },
	{ "carol", VERB_HELP, NULL, false },
	{ "carol", VERB_LIST, NULL, false },
	{ "mallory", VERB_HELP, NULL, false },
	{ "", VERB_HELP, NULL, false },
	{ NULL, VERB_HELP, NULL, false },
	/* own grant, every verb by default */
	{ "alice", VERB_STATUS, "web1", true },
	{ "alice", VERB_START, "web1", true },
	{ "alice", VERB_STOP, "db1", true },
	{ "alice", VERB_POWEROFF, "db1", true },
	{ "alice", VERB_RESET, "web1", true },
	{ "alice", VERB_REBOOT, "web1", true },
	{ "alice", VERB_CONSOLE, "web1", true },
	{ "alice", VERB_SPICE, "db1", true },
	/* nothing beyond it: other machines, near names, no machine */
	{ "alice", VERB_RESET, "web2", false },
	{ "alice", VERB_RESET, "WEB1", false },
	{ "alice", VERB_RESET, "web", false },
	{ "alice", VERB_RESET, "web1 ", false },
	{ "alice", VERB_RESET, "", false },
	{ "alice", VERB_RESET, NULL, false },
	{ "alice", VERB_STATUS, "build1", false },
	{ "alice", VERB_NONE, "web1", false },
	{ "alice", VERB_COUNT, "web1", false },
	{ "alice", (enum verb)31, "web1", false },
	/* own allow narrows the own grant only; the group adds its own verbs */
	{ "bob", VERB_CONSOLE, "web2", true },
	{ "bob", VERB_STATUS, "web2", true },
	{ "bob", VERB_START, "web2", true },
	{ "bob", VERB_RESET, "web2", false },
	{ "bob", VERB_SPICE, "web2", false },
	{ "bob", VERB_STATUS, "build1", true },
	{ "bob", VERB_START, "build1", true },
	{ "bob", VERB_CONSOLE, "build1", false },
	{ "bob", VERB_STATUS, "dev1", false },
	/* disabled: nothing, not even through a group */
	{ "carol", VERB_STATUS, "web3", false },
	{ "carol", VERB_STATUS, "build1", false },
	{ "carol", VERB_START, "web2", false },
	/* only groups: union of both */
	{ "dave", VERB_RESET, "dev1", true },
	{ "dave", VERB_RESET, "build1", true },
	{ "dave", VERB_SPICE, "build1", true },
	{ "dave", VERB_START, "web2", true },
	{ "dave", VERB_RESET, "web2", false },
	{ "dave", VERB_STATUS, "lab1", false },
	/* an allow list of general verbs gives no machine */
	{ "erin", VERB_STATUS, "web1", false },
	{ "erin", VERB_LIST, "web1", true },
	{ "erin", VERB_STATUS, "lab1", true },
	{ "erin", VERB_RESET, "lab1", false },
	/* a group without members grants nobody */
	{ "alice", VERB_STATUS, "secret1", false },
	{ "dave", VERB_STATUS, "secret1", false },
};

static void
test_may_table(void **state)
{
	struct config *cfg = parse(hand_ini);
	const struct may_case *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(may_cases) / sizeof(may_cases[0]); i++) {
		c = &may_cases[i];
		if (policy_may(cfg, c->tenant, c->verb, c->domain) != c->want)
			fail_msg("%s %s %s: want %s", c->tenant ? c->tenant :
			    "(null)", verb_name(c->verb), c->domain ?
			    c->domain : "(null)", c->want ? "permit" : "deny");
	}
	config_free(cfg);
}

/*
 * Opt-in verbs: absent without an allow list, present where one names
 * them (the tenant's own or a group's, for that grant's machines only).
 */
static const char opt_in_ini[] =
    "[tenant alice]\n"
    "domains = web1\n"
    "[tenant mia]\n"
    "domains = web1\n"
    "allow = start status insert eject media\n"
    "[tenant gus]\n"
    "domains = web1\n"
    "[group installers]\n"
    "members = gus\n"
    "domains = lab1\n"
    "allow = start insert\n";

struct may_all_case {
	const char *tenant;
	unsigned verbs;
	const char *domain;
	bool want;
};

static void
test_opt_in(void **state)
{
	static const struct may_all_case cases[] = {
		{ "alice", VERB_BIT(VERB_START), "web1", true },
		{ "alice", VERB_BIT(VERB_MEDIA), NULL, false },
		{ "alice", VERB_BIT(VERB_INSERT), "web1", false },
		{ "alice", VERB_BIT(VERB_EJECT), "web1", false },
		{ "alice", VERB_BIT(VERB_SCREENSHOT), "web1", false },
		{ "alice", VERB_BIT(VERB_SENDKEY), "web1", false },
		{ "alice", VERB_BIT(VERB_LIST) | VERB_BIT(VERB_HELP), NULL,
		  true },
		/* start --cdrom needs both verbs on the machine */
		{ "alice", VERB_BIT(VERB_START) | VERB_BIT(VERB_INSERT),
		  "web1", false },
		{ "mia", VERB_BIT(VERB_MEDIA), NULL, true },
		{ "mia", VERB_BIT(VERB_INSERT), "web1", true },
		{ "mia", VERB_BIT(VERB_EJECT), "web1", true },
		{ "mia", VERB_BIT(VERB_SCREENSHOT), "web1", false },
		{ "mia", VERB_BIT(VERB_RESET), "web1", false },
		{ "mia", VERB_BIT(VERB_START) | VERB_BIT(VERB_INSERT),
		  "web1", true },
		{ "mia", VERB_BIT(VERB_START) | VERB_BIT(VERB_SENDKEY),
		  "web1", false },
		{ "mia", VERB_BIT(VERB_INSERT), "lab1", false },
		/* a group's allow gives its own machines only */
		{ "gus", VERB_BIT(VERB_INSERT), "lab1", true },
		{ "gus", VERB_BIT(VERB_START) | VERB_BIT(VERB_INSERT),
		  "lab1", true },
		{ "gus", VERB_BIT(VERB_INSERT), "web1", false },
		{ "gus", VERB_BIT(VERB_START) | VERB_BIT(VERB_INSERT),
		  "web1", false },
		{ "gus", VERB_BIT(VERB_RESET), "web1", true },
		{ "gus", VERB_BIT(VERB_MEDIA), NULL, false },
		/* nothing asked, or a bit beyond the verbs: never a permit */
		{ "mia", 0, "web1", false },
		{ "mia", VERB_BIT(VERB_COUNT), "web1", false },
		{ "mallory", VERB_BIT(VERB_HELP), NULL, false },
	};
	struct config *cfg = parse(opt_in_ini);
	const struct may_all_case *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		if (policy_may_all(cfg, c->tenant, c->verbs, c->domain) !=
		    c->want)
			fail_msg("case %zu: %s 0x%x %s: want %s", i, c->tenant,
			    c->verbs, c->domain ? c->domain : "(null)",
			    c->want ? "permit" : "deny");
	}
	config_free(cfg);
}

struct enabled_case {
	const char *tenant;
	bool want;
};

struct media_case {
	const char *tenant;
	const char *media;
	bool may;
};

static const struct media_case media_cases[] = {
	{ "alice", "debian-12", true },		/* her own list */
	{ "alice", "rescue", true },		/* her group's */
	{ "alice", "alpine", false },		/* someone else's */
	{ "alice", "nonexistent", false },	/* the same answer */
	{ "bob", "debian-12", true },		/* "*" */
	{ "bob", "alpine", true },
	{ "bob", "rescue", true },
	{ "bob", "nonexistent", false },	/* "*" is not any name */
	{ "carol", "alpine", false },		/* disabled */
	{ "dave", "rescue", false },		/* no media list at all */
	{ "erin", "rescue", true },		/* group member only */
	{ "erin", "debian-12", false },
	{ "mallory", "alpine", false },		/* unknown tenant */
	{ NULL, "alpine", false },
	{ "alice", NULL, false },
};

static void
test_media(void **state)
{
	struct config *cfg = parse(media_ini);
	const struct media_conf *m, **list;
	const char *want_bob[] = { "alpine", "debian-12", "rescue" };
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(media_cases) / sizeof(media_cases[0]); i++) {
		m = policy_media(cfg, media_cases[i].tenant,
		    media_cases[i].media);
		if ((m != NULL) != media_cases[i].may)
			fail_msg("%s %s: %d", media_cases[i].tenant,
			    media_cases[i].media, m != NULL);
		if (m != NULL)
			assert_string_equal(m->name, media_cases[i].media);
	}
	list = policy_media_list(cfg, "bob", &n);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_string_equal(list[i]->name, want_bob[i]);
	free(list);
	list = policy_media_list(cfg, "alice", &n);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "debian-12");
	assert_string_equal(list[1]->name, "rescue");
	free(list);
	list = policy_media_list(cfg, "carol", &n);
	assert_int_equal(n, 0);
	free(list);
	list = policy_media_list(cfg, "mallory", &n);
	assert_int_equal(n, 0);
	free(list);
	config_free(cfg);
}

static void
test_enabled(void **state)
{
	static const struct enabled_case cases[] = {
		{ "alice", true }, { "bob", true }, { "dave", true },
		{ "erin", true }, { "carol", false }, { "mallory", false },
		{ "ops", false }, { "web1", false }, { "", false },
		{ NULL, false }, { "Alice", false },
	};
	struct config *cfg = parse(hand_ini);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (policy_tenant_enabled(cfg, cases[i].tenant) !=
		    cases[i].want)
			fail_msg("%s: want %d", cases[i].tenant ?
			    cases[i].tenant : "(null)", cases[i].want);
	}
	config_free(cfg);
}

/* who may log in at all: the one answer PAM and authorized-keys share */
static void
test_login(void **state)
{
	static const struct {
		const char *user;
		enum policy_login want;
	} cases[] = {
		{ "alice", POLICY_LOGIN_TENANT },
		{ "dave", POLICY_LOGIN_TENANT },	/* groups only */
		{ "carol", POLICY_LOGIN_DISABLED },
		{ "gatesvc", POLICY_LOGIN_SERVICE },
		{ "mallory", POLICY_LOGIN_NONE },
		{ "ops", POLICY_LOGIN_NONE },		/* a group */
		{ "web1", POLICY_LOGIN_NONE },		/* a machine */
		{ "Alice", POLICY_LOGIN_NONE },
		{ "../alice", POLICY_LOGIN_NONE },
		{ "", POLICY_LOGIN_NONE },
		{ NULL, POLICY_LOGIN_NONE },
	};
	struct config *cfg;
	char *text = NULL;
	size_t i;

	(void)state;
	assert_true(asprintf(&text, "[vmgate]\nservice_user = gatesvc\n%s",
	    hand_ini) > 0);
	cfg = parse(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (policy_login(cfg, cases[i].user) != cases[i].want)
			fail_msg("%s: want %d, got %d", cases[i].user ?
			    cases[i].user : "(null)", cases[i].want,
			    policy_login(cfg, cases[i].user));
	}
	config_free(cfg);
	/* without a service_user, its name is nobody's */
	cfg = parse(hand_ini);
	assert_int_equal(policy_login(cfg, "gatesvc"), POLICY_LOGIN_NONE);
	assert_int_equal(policy_login(cfg, "alice"), POLICY_LOGIN_TENANT);
	config_free(cfg);
	free(text);
}

struct domains_case {
	const char *tenant;
	const char *want;	/* space-separated, sorted */
};

static void
test_domains(void **state)
{
	static const struct domains_case cases[] = {
		{ "alice", "db1 web1" },
		{ "bob", "build1 web2" },
		{ "carol", "" },
		{ "dave", "build1 dev1 web2" },
		{ "erin", "lab1" },
		{ "mallory", "" },
		{ NULL, "" },
	};
	struct config *cfg = parse(hand_ini);
	const char **names;
	char got[256];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 999;
		names = policy_domains(cfg, cases[i].tenant, &n);
		assert_non_null(names);
		got[0] = '\0';
		for (j = 0; j < n; j++) {
			if (j > 0)
				strcat(got, " ");
			strcat(got, names[j]);
		}
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].tenant ?
			    cases[i].tenant : "(null)", got, cases[i].want);
		free(names);
	}
	config_free(cfg);
}

/*
 * The full matrix: disabled x own allow x group membership, checked for
 * every verb on every machine against a model written out here.
 */
#define NALLOW 4
#define NGROUPS 4
/* the verbs a grant without an allow list lacks */
#define OPT_IN	(VERB_BIT(VERB_MEDIA) | VERB_BIT(VERB_INSERT) | \
		 VERB_BIT(VERB_EJECT) | VERB_BIT(VERB_SCREENSHOT) | \
		 VERB_BIT(VERB_SENDKEY))
#define GENERAL	(VERB_BIT(VERB_HELP) | VERB_BIT(VERB_LIST) | \
		 VERB_BIT(VERB_MEDIA) | VERB_BIT(VERB_WHOAMI) | \
		 VERB_BIT(VERB_VERSION))
static const char *const own_allow[NALLOW] = { NULL, "status",
    "reset console", "status insert media" };
static const unsigned own_bits[NALLOW] = {
	VERB_ALL & ~OPT_IN, VERB_BIT(VERB_STATUS),
	VERB_BIT(VERB_RESET) | VERB_BIT(VERB_CONSOLE),
	VERB_BIT(VERB_STATUS) | VERB_BIT(VERB_INSERT) | VERB_BIT(VERB_MEDIA),
};
/* group g1: every default verb; g2: start, sendkey and media only;
 * membership index: 0 none, 1 g1, 2 g2, 3 both */
#define G2_BITS	(VERB_BIT(VERB_START) | VERB_BIT(VERB_SENDKEY) | \
		 VERB_BIT(VERB_MEDIA))
static const char *const machines[] = { "own1", "shared", "g1dom", "g2dom",
    "other" };

static bool
model(bool disabled, int a, int m, enum verb v, const char *d)
{
	bool own = strcmp(d, "own1") == 0 || strcmp(d, "shared") == 0;
	bool in1 = (m & 1) && (strcmp(d, "g1dom") == 0 ||
	    strcmp(d, "shared") == 0);
	bool in2 = (m & 2) && (strcmp(d, "g2dom") == 0 ||
	    strcmp(d, "shared") == 0);

	if (disabled)
		return false;
	/* on no machine: there unless opt-in, then named by some allow */
	if (VERB_BIT(v) & GENERAL)
		return (VERB_BIT(v) & OPT_IN) == 0 ||
		    (own_bits[a] & VERB_BIT(v)) || ((m & 2) &&
		    (G2_BITS & VERB_BIT(v)));
	return (own && (own_bits[a] & VERB_BIT(v))) ||
	    (in1 && (VERB_BIT(v) & OPT_IN) == 0) ||
	    (in2 && (G2_BITS & VERB_BIT(v)));
}

static void
test_matrix(void **state)
{
	char *text = NULL, *g1 = NULL, *g2 = NULL, *tmp, name[48];
	struct config *cfg;
	int dis, a, m, v;
	size_t k;

	(void)state;
	text = strdup("");
	g1 = strdup("");
	g2 = strdup("");
	for (dis = 0; dis < 2; dis++)
	for (a = 0; a < NALLOW; a++)
	for (m = 0; m < NGROUPS; m++) {
		snprintf(name, sizeof(name), "t%d%d%d", dis, a, m);
		assert_true(asprintf(&tmp, "%s[tenant %s]\n"
		    "domains = own1 shared\n%s%s%s%s", text, name,
		    own_allow[a] ? "allow = " : "", own_allow[a] ?
		    own_allow[a] : "", own_allow[a] ? "\n" : "",
		    dis ? "disabled = yes\n" : "") > 0);
		free(text);
		text = tmp;
		if (m & 1) {
			assert_true(asprintf(&tmp, "%s %s", g1, name) > 0);
			free(g1);
			g1 = tmp;
		}
		if (m & 2) {
			assert_true(asprintf(&tmp, "%s %s", g2, name) > 0);
			free(g2);
			g2 = tmp;
		}
	}
	assert_true(asprintf(&tmp, "%s[group g1]\nmembers =%s\n"
	    "domains = g1dom shared\n[group g2]\nmembers =%s\n"
	    "domains = g2dom shared\nallow = start sendkey media\n", text, g1,
	    g2) > 0);
	free(text);
	text = tmp;
	cfg = parse(text);

	for (dis = 0; dis < 2; dis++)
	for (a = 0; a < NALLOW; a++)
	for (m = 0; m < NGROUPS; m++) {
		snprintf(name, sizeof(name), "t%d%d%d", dis, a, m);
		for (v = 0; v < VERB_COUNT; v++) {
			for (k = 0; k < sizeof(machines) / sizeof(machines[0]);
			    k++) {
				if (policy_may(cfg, name, (enum verb)v,
				    machines[k]) != model(dis, a, m,
				    (enum verb)v, machines[k]))
					fail_msg("%s %s %s", name,
					    verb_name((enum verb)v),
					    machines[k]);
			}
		}
	}
	config_free(cfg);
	free(text);
	free(g1);
	free(g2);
}

/* A config with many tenants and groups still answers from its tables. */
static void
test_many(void **state)
{
	const size_t n = 20000;
	char *text = malloc(n * 64 + 64), *p, name[32];
	struct config *cfg;
	const char **names;
	size_t i, cnt;

	(void)state;
	p = text;
	for (i = 0; i < n; i++)
		p += sprintf(p, "[tenant u%zu]\ndomains = vm%zu\n", i, i);
	p += sprintf(p, "[group all]\nmembers = u7 u19999\ndomains = vmx\n");
	cfg = parse(text);
	for (i = 0; i + 1 < n; i += 997) {
		char vm[32], next[32];

		snprintf(name, sizeof(name), "u%zu", i);
		snprintf(vm, sizeof(vm), "vm%zu", i);
		snprintf(next, sizeof(next), "vm%zu", i + 1);
		assert_true(policy_may(cfg, name, VERB_RESET, vm));
		assert_false(policy_may(cfg, name, VERB_RESET, next));
	}
	assert_true(policy_may(cfg, "u12345", VERB_RESET, "vm12345"));
	assert_false(policy_may(cfg, "u12345", VERB_RESET, "vm12346"));
	assert_true(policy_may(cfg, "u19999", VERB_RESET, "vmx"));
	assert_false(policy_may(cfg, "u19998", VERB_RESET, "vmx"));
	names = policy_domains(cfg, "u7", &cnt);
	assert_int_equal(cnt, 2);
	assert_string_equal(names[0], "vm7");
	assert_string_equal(names[1], "vmx");
	free(names);
	config_free(cfg);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_may_table),
		cmocka_unit_test(test_media),
		cmocka_unit_test(test_opt_in),
		cmocka_unit_test(test_enabled),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
