/*
 * test_main: what main decides before any verb runs, seen from outside by
 * running build/vmgate: who the tenant is (--tenant is honoured only for
 * root and the service_user; anyone else is the login name of the real
 * uid) and that no environment variable but the four allowed ones reaches
 * vmgate or libvirt. Against libvirt's test driver, no daemon.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>

#define VMGATE		BUILD_DIR "/vmgate"
#define SERVICE_USER	"daemon"	/* an account every Debian has */
#define STRANGER_UID	65534		/* nobody */
#define STRANGER_GID	65534
#define OUT_MAX		65536

static char dir[] = "/tmp/vmgate-main-XXXXXX";
static char *cfg;

struct run {
	int status;		/* exit code, or -1 */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static void
read_back(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
}

/*
 * vmgate ARGS with exactly the environment env, as uid (and gid) when
 * uid is not -1; stdout and stderr kept in r.
 */
static void
run_vmgate(const char *const argv[], const char *const env[], uid_t uid,
    gid_t gid, struct run *r)
{
	char out[128], err[128];
	int st, fo, fe;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(126);
		if (uid != (uid_t)-1 && (setgroups(0, NULL) != 0 ||
		    setgid(gid) != 0 || setuid(uid) != 0))
			_exit(126);
		execve(argv[0], (char *const *)argv, (char *const *)env);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	read_back(out, r->out, sizeof(r->out));
	read_back(err, r->err, sizeof(r->err));
}

static char *
write_in(const char *in, const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", in, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
	return path;
}

static int
setup(void **state)
{
	struct passwd *pw = getpwuid(getuid());
	char *text = NULL;

	(void)state;
	if (pw == NULL)
		return -1;
	unit_mkdtemp(dir);
	/* other uids run vmgate on this config: readable, root's or ours */
	if (chmod(dir, 0755) != 0)
		return -1;
	if (asprintf(&text,
	    "[vmgate]\n"
	    "uri = test:///default\n"
	    "keys = %s/keys\n"
	    "service_user = " SERVICE_USER "\n"
	    "\n"
	    "[tenant alice]\n"
	    "domains = test\n"
	    "\n"
	    "[tenant %s]\n"
	    "domains = test\n", dir, pw->pw_name) < 0)
		return -1;
	cfg = write_in(dir, "vmgate.ini", text);
	free(text);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(cfg);
	return 0;
}

/* --tenant alice, asked by uid: the request whoami */
static void
whoami_as(uid_t uid, gid_t gid, struct run *r)
{
	static const char *const env[] = {
		"SSH_ORIGINAL_COMMAND=whoami", NULL
	};
	const char *const argv[] = {
		VMGATE, "-f", cfg, "--tenant", "alice", NULL
	};

	run_vmgate(argv, env, uid, gid, r);
}

/*
 * --tenant is the word of a trusted caller (root, the service_user, as
 * sshd's command= runs it); from anyone else it is refused, 77, and the
 * tenant is never the one asked for.
 */
static void
test_tenant_option_needs_trust(void **state)
{
	struct run *r = calloc(1, sizeof(*r));
	struct passwd *svc = getpwnam(SERVICE_USER);

	(void)state;
	assert_non_null(r);
	skip_unless_root("--tenant from other uids (setuid)");
	assert_non_null(svc);

	whoami_as((uid_t)-1, (gid_t)-1, r);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "tenant: alice\n");

	whoami_as(svc->pw_uid, svc->pw_gid, r);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "tenant: alice\n");

	whoami_as(STRANGER_UID, STRANGER_GID, r);
	assert_int_equal(r->status, 77);
	assert_string_equal(r->out, "");
	assert_string_equal(r->err, "vmgate: access denied\n");
	free(r);
}

/* the names in path, sorted, one per line: what a run may have created */
static char *
listing(const char *path)
{
	struct dirent **names = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int n, i;

	assert_non_null(m);
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		/* the config's snapshot may appear once the file settles */
		if (strncmp(names[i]->d_name, "vmgate.ini", 10) != 0)
			fprintf(m, "%s\n", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	fclose(m);
	return text;
}

/*
 * Variables a tenant might smuggle in (a host with PermitUserEnvironment
 * or AcceptEnv set too widely) change nothing: the URI stays the
 * config's, libvirt writes no debug log, reads no client config of HOME
 * or XDG_CONFIG_HOME, and the answer is the one of a clean environment.
 */
static void
test_environment_ignored(void **state)
{
	static const char *const clean[] = {
		"SSH_ORIGINAL_COMMAND=list", NULL
	};
	char *hostile[16], *before = NULL, *after = NULL, *conf = NULL;
	const char *const argv[] = { VMGATE, "-f", cfg, NULL };
	struct run *want = calloc(1, sizeof(*want));
	struct run *got = calloc(1, sizeof(*got));
	char *xdg = NULL, *logfile = NULL;
	size_t i, n = 0;

	(void)state;
	assert_non_null(want);
	assert_non_null(got);
	/* libvirt's client config there would alias the config's URI */
	assert_true(asprintf(&xdg, "%s/xdg", dir) > 0);
	assert_true(asprintf(&conf, "%s/libvirt", xdg) > 0);
	assert_int_equal(mkdir(xdg, 0755), 0);
	assert_int_equal(mkdir(conf, 0755), 0);
	free(conf);
	assert_true(asprintf(&conf, "%s/libvirt", xdg) > 0);
	free(write_in(conf, "libvirt.conf",
	    "uri_aliases = [ \"default=test:///nonexistent\" ]\n"
	    "uri_default = \"test:///nonexistent\"\n"));
	assert_true(asprintf(&logfile, "%s/libvirt.log", dir) > 0);

	hostile[n++] = "SSH_ORIGINAL_COMMAND=list";
	hostile[n++] = "LIBVIRT_DEFAULT_URI=test:///nonexistent";
	hostile[n++] = "LIBVIRT_DEBUG=1";
	assert_true(asprintf(&hostile[n++], "LIBVIRT_LOG_OUTPUTS=1:file:%s",
	    logfile) > 0);
	hostile[n++] = "LIBVIRT_LOG_FILTERS=1:*";
	assert_true(asprintf(&hostile[n++], "HOME=%s", dir) > 0);
	assert_true(asprintf(&hostile[n++], "XDG_CONFIG_HOME=%s", xdg) > 0);
	assert_true(asprintf(&hostile[n++], "XDG_CACHE_HOME=%s/cache",
	    dir) > 0);
	assert_true(asprintf(&hostile[n++], "XDG_RUNTIME_DIR=%s/run",
	    dir) > 0);
	assert_true(asprintf(&hostile[n++], "LD_LIBRARY_PATH=%s/lib",
	    dir) > 0);
	hostile[n++] = "LD_BIND_NOT=1";
	hostile[n] = NULL;
	assert_true(n < sizeof(hostile) / sizeof(hostile[0]));

	run_vmgate(argv, clean, (uid_t)-1, (gid_t)-1, want);
	assert_int_equal(want->status, 0);
	assert_string_equal(want->out, "test running\n");

	before = listing(dir);
	run_vmgate(argv, (const char *const *)hostile, (uid_t)-1, (gid_t)-1,
	    got);
	after = listing(dir);
	assert_int_equal(got->status, want->status);
	assert_string_equal(got->out, want->out);
	assert_string_equal(got->err, want->err);
	if (access(logfile, F_OK) == 0)
		fail_msg("libvirt wrote %s: LIBVIRT_LOG_OUTPUTS reached it",
		    logfile);
	assert_string_equal(after, before);

	free(hostile[3]);
	for (i = 5; i < n - 1; i++)
		free(hostile[i]);
	free(before);
	free(after);
	free(xdg);
	free(logfile);
	free(conf);
	free(want);
	free(got);
}

/*
 * An admin command given wrongly says what is wrong on its first line,
 * then the usage, exit 64, and does nothing: a bare usage left the admin
 * to guess which word it did not take.
 */
static void
test_admin_usage_says_why(void **state)
{
	static const char *const env[] = { NULL };
	struct run *r = calloc(1, sizeof(*r));
	static const struct {
		const char *args[5];
		const char *first;	/* stderr's first line */
	} cases[] = {
		{ { "chek" }, "vmgate: unknown command 'chek'" },
		{ { "check", "extra" }, "vmgate: check takes no arguments, or "
		  "--tenant NAME -- VERB [VM]" },
		{ { "check", "--tenant", "alice", "status", "test" },
		  "vmgate: check takes no arguments, or --tenant NAME -- VERB "
		  "[VM]" },
		{ { "audit", "--sshd-config" }, "vmgate: audit takes no "
		  "arguments, or --sshd-config PATH" },
		{ { "sshd-config", "--both" }, "vmgate: sshd-config takes no "
		  "arguments, --shared or --per-user" },
		{ { "authorized-keys" }, "vmgate: authorized-keys takes USER, "
		  "or USER KEYTYPE KEY" },
		{ { "--version", "x" }, "vmgate: --version takes no arguments" },
		{ { "--tenant", "alice", "check" }, "vmgate: --tenant before a "
		  "command: only check takes it, after the command (check "
		  "--tenant NAME -- VERB [VM])" },
		{ { "--tenant" }, "vmgate: --tenant needs a NAME" },
		{ { "b\033ad" }, "vmgate: unknown command 'b\\x1bad'" },
	};
	/* VMGATE -f cfg, up to five words, the terminating NULL */
	const char *argv[3 + 5 + 1];
	size_t i, j;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[0] = VMGATE;
		argv[1] = "-f";
		argv[2] = cfg;
		for (j = 0; j < 5 && cases[i].args[j] != NULL; j++)
			argv[3 + j] = cases[i].args[j];
		argv[3 + j] = NULL;
		run_vmgate(argv, env, (uid_t)-1, (gid_t)-1, r);
		if (r->status != 64 || strncmp(r->err, cases[i].first,
		    strlen(cases[i].first)) != 0 ||
		    strncmp(r->err + strlen(cases[i].first),
		    "\nusage: vmgate ", 15) != 0 || r->out[0] != '\0')
			fail_msg("%s: exit %d, stdout '%s', stderr '%s'",
			    cases[i].args[0], r->status, r->out, r->err);
	}
	/* -f without its FILE */
	argv[0] = VMGATE;
	argv[1] = "-f";
	argv[2] = NULL;
	run_vmgate(argv, env, (uid_t)-1, (gid_t)-1, r);
	assert_int_equal(r->status, 64);
	assert_int_equal(strncmp(r->err, "vmgate: -f needs a FILE\n"
	    "usage: vmgate ", 37), 0);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_option_needs_trust),
		cmocka_unit_test(test_environment_ignored),
		cmocka_unit_test(test_admin_usage_says_why),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
