/*
 * test_hardening: what a tenant could do to the gate from inside its own
 * session, end to end with the real build/vmgate:
 * - keys that send signals from the terminal (^C, ^\, ^Z) and SIGTERM
 *   while a request is under way must not keep it from its audit line;
 * - two accounts sharing a uid must not let one act as the other, and
 *   `audit` names them.
 * The signal tests need no daemon: a libvirt URI whose socket does not
 * exist keeps the request busy in libvirt's retries for seconds.
 * Accounts are hard-* (created and removed here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SLOW_URI	"qemu+unix:///system?socket=/nonexistent/hard-sock"
#define TENANT		"hard-alice"
#define SHARER		"hard-bob"	/* gets hard-alice's uid */
#define SETPRIV		"/usr/bin/setpriv"
#define USERADD		"/usr/sbin/useradd"
#define USERDEL		"/usr/sbin/userdel"

#define BUSY_MS		1000	/* by then the request is inside libvirt */
#define REQUEST_MS	20000	/* libvirt gives up within this */
#define LOCK_MS		600000

static char *tmp;
static char *cfg;
static char *audit_log;
static int lock_fd = -1;

static const char config_fmt[] =
	"[vmgate]\n"
	"uri = %s\n"
	"keys = %s/keys\n"
	"audit_log = %s\n"
	"\n"
	"[tenant hard-alice]\n"
	"domains = hard-sig1 hard-sig2 hard-sig3 hard-sig4 hard-sig5\n"
	"\n"
	"[tenant hard-bob]\n"
	"domains = hard-bob1\n";

static int
run_quiet(const char *const argv[])
{
	struct e2e_result r;
	int status;

	if (e2e_run(argv, NULL, NULL, E2E_TIMEOUT_MS, &r) != 0)
		return -1;
	status = r.status;
	e2e_result_free(&r);
	return status;
}

static void
remove_accounts(void)
{
	const char *const bob[] = { USERDEL, SHARER, NULL };
	const char *const alice[] = { USERDEL, TENANT, NULL };

	/* the sharer first: userdel refuses nothing, but keep the order */
	if (getpwnam(SHARER) != NULL)
		(void)run_quiet(bob);
	if (getpwnam(TENANT) != NULL)
		(void)run_quiet(alice);
}

static int
group_setup(void **state)
{
	char *text = NULL, *keys = NULL;

	(void)state;
	if (!e2e_need_root("test_hardening"))
		return 0;
	if ((lock_fd = e2e_lock("test_hardening", LOCK_MS)) < 0)
		return -1;
	tmp = e2e_tmpdir("hardening");
	/* readable by the test accounts: they run vmgate on it */
	if (tmp == NULL || chmod(tmp, 0755) != 0)
		return -1;
	if (asprintf(&keys, "%s/keys", tmp) < 0 || mkdir(keys, 0755) != 0)
		return -1;
	if (asprintf(&audit_log, "%s/audit.log", tmp) < 0)
		return -1;
	if (asprintf(&text, config_fmt, SLOW_URI, tmp, audit_log) < 0)
		return -1;
	cfg = e2e_write_file(tmp, "vmgate.ini", text, 0644);
	free(text);
	free(keys);
	return cfg != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (geteuid() == 0)
		remove_accounts();
	e2e_rmtree(tmp);
	free(tmp);
	free(cfg);
	free(audit_log);
	e2e_unlock(lock_fd);
	return 0;
}

#define skip_unless_root() do {						\
	if (geteuid() != 0)						\
		skip();							\
} while (0)

/*
 * A tenant with a terminal (ssh -t vmhost reset VM) presses a key that
 * sends a signal while libvirt is still working, or the host sends
 * SIGTERM. The request still leaves its audit line. ^C, ^\ and ^Z are the
 * tenant's keys and change nothing: the request ends as it would have
 * (69: libvirt unreachable). SIGTERM is not the tenant's: it still ends
 * the process, once the line is written.
 */
static const struct {
	const char *name;
	const char *machine;
	char key;		/* written to the terminal; 0: kill() */
	int sig;
	int status;
} interrupts[] = {
	{ "^C (SIGINT)", "hard-sig1", 0x03, SIGINT, 69 },
	{ "^\\ (SIGQUIT)", "hard-sig2", 0x1c, SIGQUIT, 69 },
	{ "^Z (SIGTSTP)", "hard-sig3", 0x1a, SIGTSTP, 69 },
	{ "SIGTERM", "hard-sig4", 0, SIGTERM, 128 + SIGTERM },
};
#define NINTERRUPTS (sizeof(interrupts) / sizeof(interrupts[0]))

static void
test_signals_keep_the_audit_line(void **state)
{
	struct e2e_pty p[NINTERRUPTS];
	char cmd[NINTERRUPTS][32], env[NINTERRUPTS][160], want[256];
	const char *argv[] = { E2E_VMGATE, "-f", cfg, "--tenant", TENANT,
	    NULL };
	const char *envp[NINTERRUPTS][3];
	char *log;
	size_t i;

	(void)state;
	skip_unless_root();
	(void)unlink(audit_log);
	/* all at once: each spends seconds in libvirt's retries */
	for (i = 0; i < NINTERRUPTS; i++) {
		snprintf(cmd[i], sizeof(cmd[i]), "reset %s",
		    interrupts[i].machine);
		snprintf(env[i], sizeof(env[i]), "SSH_ORIGINAL_COMMAND=%s",
		    cmd[i]);
		envp[i][0] = env[i];
		envp[i][1] = "TERM=xterm";
		envp[i][2] = NULL;
		assert_int_equal(e2e_pty_spawn(&p[i], argv, envp[i]), 0);
	}
	for (i = 0; i < NINTERRUPTS; i++)
		e2e_pty_drain(&p[i], i == 0 ? BUSY_MS : 0);
	for (i = 0; i < NINTERRUPTS; i++) {
		if (interrupts[i].key != 0)
			assert_int_equal(e2e_pty_write(&p[i],
			    &interrupts[i].key, 1), 0);
		else
			assert_int_equal(kill(p[i].pid, interrupts[i].sig), 0);
	}
	for (i = 0; i < NINTERRUPTS; i++) {
		if (e2e_pty_wait(&p[i], REQUEST_MS) != 0)
			fail_msg("%s: vmgate did not end (stopped?)",
			    interrupts[i].name);
	}
	assert_non_null(log = e2e_read_file(audit_log));
	for (i = 0; i < NINTERRUPTS; i++) {
		snprintf(want, sizeof(want), " tenant=" TENANT " key=- from=- "
		    "verb=reset domain=%s result=error request=\"%s\"",
		    interrupts[i].machine, cmd[i]);
		if (strstr(log, want) == NULL)
			fail_msg("%s: no audit line for the request; the log "
			    "holds:\n%s", interrupts[i].name, log);
		if (p[i].status != interrupts[i].status)
			fail_msg("%s: exit %d, want %d: %s", interrupts[i].name,
			    p[i].status, interrupts[i].status, p[i].buf);
	}
	free(log);
	for (i = 0; i < NINTERRUPTS; i++)
		e2e_pty_free(&p[i]);
}

/*
 * A request that does not parse is refused (64) before anything is
 * looked up, once, and its audit line still names the verb and machine
 * the words gave.
 */
static void
test_malformed_request_audited(void **state)
{
	static const struct {
		const char *request;
		const char *fields;
	} cases[] = {
		{ "status hard-sig1 --force",
		  "verb=status domain=hard-sig1 result=usage" },
		{ "sendkey hard-sig1 alt-sysrq-x",
		  "verb=sendkey domain=hard-sig1 result=usage" },
		{ "status", "verb=status domain=- result=usage" },
		{ "frobnicate hard-sig1", "verb=- domain=- result=usage" },
		{ "list; id", "verb=- domain=- result=usage" },
	};
	const char *argv[] = { E2E_VMGATE, "-f", cfg, "--tenant", TENANT,
	    NULL };
	char env[128], want[256];
	const char *envp[] = { env, NULL };
	struct e2e_result r;
	char *log;
	size_t i;

	(void)state;
	skip_unless_root();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)unlink(audit_log);
		snprintf(env, sizeof(env), "SSH_ORIGINAL_COMMAND=%s",
		    cases[i].request);
		assert_int_equal(e2e_run(argv, envp, NULL, E2E_TIMEOUT_MS,
		    &r), 0);
		if (r.status != 64 || strncmp(r.err, "vmgate: ", 8) != 0 ||
		    strchr(r.err, '\n') != r.err + r.err_len - 1)
			fail_msg("%s: exit %d, err: %s", cases[i].request,
			    r.status, r.err);
		e2e_result_free(&r);
		assert_non_null(log = e2e_read_file(audit_log));
		snprintf(want, sizeof(want), " tenant=" TENANT " key=- from=- "
		    "%s request=\"%s\"", cases[i].fields, cases[i].request);
		if (strstr(log, want) == NULL || strchr(log, '\n') !=
		    log + strlen(log) - 1)
			fail_msg("%s: want one line with%s\nlog:\n%s",
			    cases[i].request, want, log);
		free(log);
	}
}

/* hard-alice, and hard-bob with the same uid; 0 or -1 */
static int
make_sharing_accounts(uid_t *uid)
{
	const char *const alice[] = { USERADD, "-M", "-d", "/", "-s",
	    "/bin/sh", TENANT, NULL };
	char uidbuf[32];
	const char *const bob[] = { USERADD, "-M", "-d", "/", "-s", "/bin/sh",
	    "-o", "-u", uidbuf, "-g", TENANT, SHARER, NULL };
	struct passwd *pw;

	remove_accounts();
	if (run_quiet(alice) != 0 || (pw = getpwnam(TENANT)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	snprintf(uidbuf, sizeof(uidbuf), "%lu", (unsigned long)*uid);
	if (run_quiet(bob) != 0 || (pw = getpwnam(SHARER)) == NULL ||
	    pw->pw_uid != *uid)
		return -1;
	return 0;
}

/*
 * Logged in as hard-bob, whose uid is hard-alice's too: sshd runs the
 * forced command with that uid and nothing else that vmgate may trust, so
 * it cannot tell the two apart. It must not act as hard-alice (nor as
 * hard-bob): it refuses, audited, and `audit` names the pair.
 */
static void
test_shared_uid_refused(void **state)
{
	char uidarg[32], gidarg[32];
	const char *argv[] = { SETPRIV, "--reuid", uidarg, "--regid", gidarg,
	    "--clear-groups", E2E_VMGATE, "-f", cfg, NULL };
	const char *envp[] = { "SSH_ORIGINAL_COMMAND=whoami",
	    "SSH_CONNECTION=192.0.2.7 50000 127.0.0.1 22", NULL };
	const char *audit_argv[] = { E2E_VMGATE, "-f", cfg, "audit",
	    "--sshd-config", NULL, NULL };
	struct e2e_result r;
	struct passwd *pw;
	char *log, *sshd_config;
	uid_t uid = 0;

	(void)state;
	skip_unless_root();
	assert_int_equal(make_sharing_accounts(&uid), 0);
	pw = getpwnam(TENANT);
	assert_non_null(pw);
	snprintf(uidarg, sizeof(uidarg), "%lu", (unsigned long)uid);
	snprintf(gidarg, sizeof(gidarg), "%lu", (unsigned long)pw->pw_gid);
	(void)unlink(audit_log);
	/* the tenant's process appends to the audit log itself */
	assert_int_equal(close(open(audit_log, O_WRONLY | O_CREAT, 0600)), 0);
	assert_int_equal(chown(audit_log, uid, pw->pw_gid), 0);

	assert_int_equal(e2e_run(argv, envp, NULL, E2E_TIMEOUT_MS, &r), 0);
	if (r.status != 77 || strstr(r.out, "tenant:") != NULL)
		fail_msg("exit %d, out: %s err: %s", r.status, r.out, r.err);
	assert_string_equal(r.err, "vmgate: access denied\n");
	e2e_result_free(&r);
	assert_non_null(log = e2e_read_file(audit_log));
	if (strstr(log, " from=192.0.2.7 verb=whoami domain=- result=denied "
	    "request=\"whoami\"") == NULL || strstr(log, "result=ok") != NULL)
		fail_msg("audit log:\n%s", log);
	free(log);

	/* audit names the accounts that share a uid */
	sshd_config = e2e_write_file(tmp, "sshd_config", "Port 2280\n"
	    "ListenAddress 127.0.0.1\n", 0644);
	assert_non_null(sshd_config);
	audit_argv[5] = sshd_config;
	assert_int_equal(e2e_run(audit_argv, NULL, NULL, E2E_TIMEOUT_MS, &r),
	    0);
	if (strstr(r.out, "account " SHARER ": uid ") == NULL ||
	    strstr(r.out, " is also the uid of " TENANT) == NULL)
		fail_msg("audit exit %d, out:\n%s\nerr:\n%s", r.status, r.out,
		    r.err);
	assert_int_equal(r.status, 1);
	e2e_result_free(&r);
	free(sshd_config);
	remove_accounts();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals_keep_the_audit_line),
		cmocka_unit_test(test_malformed_request_audited),
		cmocka_unit_test(test_shared_uid_refused),
	};

	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
