/*
 * test_pam: the PAM module (pam_vmgate(8)) run through a real PAM stack.
 * libpam_wrapper lets libpam read service files from a temp dir; the
 * program re-executes itself with it preloaded, because the wrapper copies
 * the service dir once, when it is loaded: every service file is therefore
 * written before that, one per table row. Each row then writes its own
 * config, runs one PAM operation through libpamtest and checks the result
 * and the one syslog line the module leaves (pam_wrapper shows the module's
 * pam_syslog calls on stderr as "SYSLOG(PRIORITY): TEXT" at trace level).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <libpamtest.h>

#include "unit.h"

#define MODULE		BUILD_DIR "/pam_vmgate.so"
#define WRAPPER_LIB	"libpam_wrapper.so"
#define ENV_DIR		"VMGATE_TEST_PAM_DIR"	/* set for the second run */
#define WRAPPER_TRACE	"3"	/* pam_wrapper log level that shows syslog */
#define NOBODY_UID	65534
#define LOG_MAX		65536	/* bytes of captured stderr per operation */
#define PATH_BUF	4096
#define NFTW_FDS	16

static const char config_ok[] =
    "[vmgate]\n"
    "service_user = vgt-pam-svc\n"
    "\n"
    "[tenant alice]\n"
    "domains = web1\n"
    "\n"
    "[tenant bob]\n"
    "domains = web1\n"
    "disabled = yes\n";

static const char config_unknown_key[] =
    "[vmgate]\n"
    "service_user = vgt-pam-svc\n"
    "colour = blue\n"
    "\n"
    "[tenant alice]\n"
    "domains = web1\n";

enum layout {
	PLAIN,		/* a regular file owned by root */
	SYMLINK,	/* the path is a symlink to such a file */
	OTHER_OWNER,	/* a regular file owned by nobody */
};

#define PERMIT	(LOG_AUTHPRIV | LOG_INFO)
#define REFUSE	(LOG_AUTHPRIV | LOG_NOTICE)
#define BROKEN	(LOG_AUTHPRIV | LOG_ERR)
#define NO_LINE	0

struct pam_case {
	const char *name;	/* test and service name */
	const char *user;
	const char *config;	/* file text; NULL: no file at all */
	mode_t mode;
	enum layout layout;
	const char *stack;	/* "TYPE CONTROL": the line naming the module */
	const char *args;	/* module options; '@' is the config path */
	const char *next;	/* the stack's next line, or NULL */
	enum pamtest_ops op;
	int expected;
	int priority;		/* of the decision line; NO_LINE: none */
	const char *log;	/* text of the decision line */
};

static const struct pam_case cases[] = {
	{ "enabled_tenant_permitted", "alice", config_ok, 0644, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT, PAM_SUCCESS,
	  PERMIT, "user=alice decision=permit reason=\"enabled tenant\"" },
	{ "service_user_permitted", "vgt-pam-svc", config_ok, 0644, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT, PAM_SUCCESS,
	  PERMIT, "user=vgt-pam-svc decision=permit reason=\"service user\"" },
	{ "outsider_denied", "mallory", config_ok, 0644, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  REFUSE, "user=mallory decision=deny reason=\"not a tenant\"" },
	{ "disabled_tenant_denied", "bob", config_ok, 0644, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  REFUSE, "user=bob decision=deny reason=\"tenant disabled\"" },
	{ "bad_user_name_denied", "alice/../x", config_ok, 0644, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED, REFUSE,
	  "user=alice/../x decision=deny reason=\"not a valid tenant name\"" },
	{ "missing_config_denied", "alice", NULL, 0, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config refused: " },
	{ "world_writable_config_denied", "alice", config_ok, 0666, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config refused: " },
	{ "group_writable_config_denied", "alice", config_ok, 0664, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config refused: " },
	{ "config_not_owned_by_root_denied", "alice", config_ok, 0644,
	  OTHER_OWNER, "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config refused: " },
	{ "symlinked_config_denied", "alice", config_ok, 0644, SYMLINK,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config refused: " },
	{ "invalid_config_denied", "alice", config_unknown_key, 0644, PLAIN,
	  "account required", "config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config refused: " },
	{ "unknown_option_denied", "alice", config_ok, 0644, PLAIN,
	  "account required", "config=@ debug", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED, BROKEN,
	  "user=alice decision=deny reason=\"unknown module option: debug\"" },
	{ "repeated_config_option_denied", "alice", config_ok, 0644, PLAIN,
	  "account required", "config=@ config=@", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED,
	  BROKEN, "user=alice decision=deny reason=\"config= given twice: " },
	/* run from the config's own directory, so the path would resolve */
	{ "relative_config_path_denied", "alice", config_ok, 0644, PLAIN,
	  "account required", "config=vmgate.ini", NULL, PAMTEST_ACCOUNT,
	  PAM_PERM_DENIED, BROKEN,
	  "user=alice decision=deny reason=\"config= needs an absolute path" },
	/* outside the account stack it neither grants nor refuses */
	{ "auth_grants_nothing", "alice", config_ok, 0644, PLAIN,
	  "auth sufficient", "config=@", "auth required pam_deny.so",
	  PAMTEST_AUTHENTICATE, PAM_AUTH_ERR, NO_LINE, NULL },
	{ "auth_refuses_nothing", "mallory", config_ok, 0644, PLAIN,
	  "auth required", "config=@", "auth required pam_permit.so",
	  PAMTEST_AUTHENTICATE, PAM_SUCCESS, NO_LINE, NULL },
	{ "setcred_grants_nothing", "alice", config_ok, 0644, PLAIN,
	  "auth sufficient", "config=@", "auth required pam_deny.so",
	  PAMTEST_SETCRED, PAM_CRED_ERR, NO_LINE, NULL },
	{ "session_grants_nothing", "alice", config_ok, 0644, PLAIN,
	  "session sufficient", "config=@", "session required pam_deny.so",
	  PAMTEST_OPEN_SESSION, PAM_SESSION_ERR, NO_LINE, NULL },
	{ "session_refuses_nothing", "mallory", config_ok, 0644, PLAIN,
	  "session required", "config=@", "session required pam_permit.so",
	  PAMTEST_OPEN_SESSION, PAM_SUCCESS, NO_LINE, NULL },
	{ "session_close_grants_nothing", "alice", config_ok, 0644, PLAIN,
	  "session sufficient", "config=@", "session required pam_deny.so",
	  PAMTEST_CLOSE_SESSION, PAM_SESSION_ERR, NO_LINE, NULL },
	{ "chauthtok_grants_nothing", "alice", config_ok, 0644, PLAIN,
	  "password sufficient", "config=@", "password required pam_deny.so",
	  PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR, NO_LINE, NULL },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

static char *
case_dir(const char *top, const struct pam_case *c)
{
	char *p;

	if (asprintf(&p, "%s/%s", top, c->name) < 0)
		abort();
	return p;
}

/* where the module is told the config lives */
static char *
case_config(const char *top, const struct pam_case *c)
{
	char *p;

	if (asprintf(&p, "%s/%s/vmgate.ini", top, c->name) < 0)
		abort();
	return p;
}

/* args with every '@' replaced by path */
static char *
expand_args(const char *args, const char *path)
{
	size_t n = strlen(args) + 1, i, o = 0;
	char *out;

	for (i = 0; args[i] != '\0'; i++)
		if (args[i] == '@')
			n += strlen(path);
	out = malloc(n);
	if (out == NULL)
		abort();
	for (i = 0; args[i] != '\0'; i++) {
		if (args[i] == '@') {
			memcpy(out + o, path, strlen(path));
			o += strlen(path);
		} else
			out[o++] = args[i];
	}
	out[o] = '\0';
	return out;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "test_pam: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/*
 * First run: one service file per row (and a denying "other", libpam's
 * fallback), then the same program again under pam_wrapper.
 */
static void
reexec_under_wrapper(char **argv)
{
	char top[] = "/tmp/vmgate-pam-XXXXXX";
	char *svc = NULL, *path = NULL, *dir = NULL, *cfg = NULL, *args = NULL;
	char *text = NULL, self[PATH_BUF];
	ssize_t n;
	size_t i;

	if (mkdtemp(top) == NULL)
		abort();
	if (asprintf(&svc, "%s/services", top) < 0 || mkdir(svc, 0755) != 0)
		abort();
	for (i = 0; i < NCASES; i++) {
		const struct pam_case *c = &cases[i];

		dir = case_dir(top, c);
		cfg = case_config(top, c);
		if (mkdir(dir, 0755) != 0)
			abort();
		args = expand_args(c->args, cfg);
		if (asprintf(&path, "%s/%s", svc, c->name) < 0 ||
		    asprintf(&text, "%s %s %s\n%s\n", c->stack, MODULE, args,
		    c->next != NULL ? c->next : "") < 0)
			abort();
		write_text(path, text);
		free(path);
		free(text);
		free(args);
		free(cfg);
		free(dir);
	}
	if (asprintf(&path, "%s/other", svc) < 0)
		abort();
	write_text(path, "auth required pam_deny.so\n"
	    "account required pam_deny.so\n"
	    "password required pam_deny.so\n"
	    "session required pam_deny.so\n");
	free(path);

	if (setenv("LD_PRELOAD", WRAPPER_LIB, 1) != 0 ||
	    setenv("PAM_WRAPPER", "1", 1) != 0 ||
	    setenv("PAM_WRAPPER_SERVICE_DIR", svc, 1) != 0 ||
	    /*
	     * no RTLD_DEEPBIND, which valgrind and the sanitizers cannot
	     * handle; pam_wrapper 1.1.4 reads the second name by mistake
	     */
	    setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1) != 0 ||
	    setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1) != 0 ||
	    /* a sanitizer build: the preloaded wrapper comes first */
	    setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0) != 0 ||
	    setenv(ENV_DIR, top, 1) != 0)
		abort();
	free(svc);
	/* the resolved name, not /proc/self/exe: valgrind follows only that */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || (size_t)n >= sizeof(self) - 1)
		abort();
	self[n] = '\0';
	execv(self, argv);
	fprintf(stderr, "test_pam: re-exec under pam_wrapper: %s\n",
	    strerror(errno));
	exit(1);
}

/* Run the row's PAM operation with stderr captured into buf. */
static enum pamtest_err
run_captured(const struct pam_case *c, int *op_rv, char *buf, size_t bufsize)
{
	struct pam_testcase tc[] = { pam_test(c->op, c->expected) };
	char tmpl[] = "/tmp/vmgate-pam-log-XXXXXX";
	enum pamtest_err e;
	int fd, saved;
	ssize_t n;

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	setenv("PAM_WRAPPER_DEBUGLEVEL", WRAPPER_TRACE, 1);
	e = run_pamtest(c->name, c->user, NULL, tc, NULL);
	unsetenv("PAM_WRAPPER_DEBUGLEVEL");
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = pread(fd, buf, bufsize - 1, 0);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	*op_rv = tc[0].op_rv;
	return e;
}

static size_t
count_lines(const char *log, const char *needle)
{
	size_t n = 0;

	for (; (log = strstr(log, needle)) != NULL; log++)
		n++;
	return n;
}

static void
install_config(const char *top, const struct pam_case *c, const char *path)
{
	char *real = NULL;

	if (c->config == NULL)
		return;
	if (c->layout == SYMLINK) {
		if (asprintf(&real, "%s/%s/real.ini", top, c->name) < 0)
			abort();
		write_text(real, c->config);
		assert_int_equal(chmod(real, c->mode), 0);
		assert_int_equal(symlink(real, path), 0);
		free(real);
		return;
	}
	write_text(path, c->config);
	assert_int_equal(chmod(path, c->mode), 0);
	if (c->layout == OTHER_OWNER)
		assert_int_equal(chown(path, NOBODY_UID, NOBODY_UID), 0);
}

static void
run_case(void **state)
{
	const struct pam_case *c = *state;
	const char *top = getenv(ENV_DIR);
	char *log = NULL, *dir = NULL, *path = NULL, *needle = NULL;
	enum pamtest_err e;
	int op_rv = -1;

	/* a file owned by root is the only config the module takes */
	if (geteuid() != 0)
		skip();
	assert_non_null(top);
	dir = case_dir(top, c);
	path = case_config(top, c);
	install_config(top, c, path);
	assert_int_equal(chdir(dir), 0);

	log = malloc(LOG_MAX);
	assert_non_null(log);
	e = run_captured(c, &op_rv, log, LOG_MAX);
	assert_int_equal(chdir("/"), 0);
	if (e != PAMTEST_ERR_OK || op_rv != c->expected)
		fprintf(stderr, "%s", log);
	/* compared first: the PAM result names what went wrong */
	assert_int_equal(op_rv, c->expected);
	assert_int_equal(e, PAMTEST_ERR_OK);

	/* exactly one decision line, at the right priority, saying why */
	if (c->priority == NO_LINE) {
		assert_int_equal(count_lines(log, "decision="), 0);
	} else {
		if (asprintf(&needle, "SYSLOG(%d): %s", c->priority,
		    c->log) < 0)
			abort();
		if (count_lines(log, "decision=") != 1 ||
		    strstr(log, needle) == NULL)
			fprintf(stderr, "want: %s\ngot:\n%s", needle, log);
		assert_int_equal(count_lines(log, "decision="), 1);
		assert_non_null(strstr(log, needle));
	}
	free(needle);
	free(log);
	free(path);
	free(dir);
}

/* sshd may load the module next to its own code: nothing else may leak */
static void
only_pam_entry_points_exported(void **state)
{
	static const char *const exported[] = {
		"pam_sm_acct_mgmt", "pam_sm_authenticate", "pam_sm_setcred",
		"pam_sm_open_session", "pam_sm_close_session",
		"pam_sm_chauthtok",
	};
	static const char *const hidden[] = {
		"config_load", "config_free", "config_parse", "config_tenant",
		"policy_tenant_enabled", "policy_may", "xmalloc", "xstrdup",
		"name_valid", "diag_add", "verb_from_name",
	};
	void *h;
	size_t i;

	(void)state;
	h = dlopen(MODULE, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		fail_msg("dlopen %s: %s", MODULE, dlerror());
	for (i = 0; i < sizeof(exported) / sizeof(exported[0]); i++) {
		if (dlsym(h, exported[i]) == NULL)
			fail_msg("%s is not exported", exported[i]);
	}
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		if (dlsym(h, hidden[i]) != NULL)
			fail_msg("%s is exported", hidden[i]);
	}
	dlclose(h);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(int argc, char **argv)
{
	struct CMUnitTest tests[NCASES + 1];
	const char *top = getenv(ENV_DIR);
	size_t i;
	int failed;

	(void)argc;
	if (top == NULL)
		reexec_under_wrapper(argv);
	if (geteuid() != 0)
		fprintf(stderr, "\n*** test_pam: NOT ROOT: every PAM stack case "
		    "is SKIPPED (the module only takes a root-owned config) "
		    "***\n\n");
	memset(tests, 0, sizeof(tests));
	for (i = 0; i < NCASES; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[NCASES].name = "only_pam_entry_points_exported";
	tests[NCASES].test_func = only_pam_entry_points_exported;
	failed = cmocka_run_group_tests_name("pam", tests, NULL, NULL);
	nftw(top, rm_entry, NFTW_FDS, FTW_DEPTH | FTW_PHYS);
	return failed;
}
