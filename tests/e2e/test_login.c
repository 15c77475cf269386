/*
 * test_login: the login itself, through a private sshd on 127.0.0.1:2320
 * with the OpenSSH client, as a tenant uses it:
 *
 *   - the audit line of a request made through sshd names the client:
 *     from=127.0.0.1 and key=SHA256:... of the key that logged in
 *     (SSH_CONNECTION, ExposeAuthInfo's SSH_USER_AUTH);
 *   - pam_vmgate in sshd's own PAM stack stops a disabled tenant even on
 *     `ssh -N -L`, where no command runs and vmgate never starts: the
 *     tenant's key is still in an authorized_keys file, and only the
 *     account phase can refuse the tunnel.
 *
 * sshd takes its PAM service name from the name it is run by, so a link
 * named mutsshd runs it with /etc/pam.d/mutsshd, leaving the host's own
 * sshd stack alone. Accounts mut-alice (enabled) and mut-bob (disabled).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SSHD_PORT	2320
#define TARGET_PORT	5963	/* a listener of ours, the tunnel's far end */
#define LOCAL_PORT	5969	/* the tunnel's near end (ssh -L) */
#define LIBEXEC		"/usr/local/libexec/vmgate-mut"
#define VMGATE		LIBEXEC "/vmgate"
#define PAM_MODULE	LIBEXEC "/pam_vmgate.so"
#define SERVICE		"mutsshd"	/* sshd's PAM service: its name */
#define SSHD_LINK	LIBEXEC "/" SERVICE
#define PAM_FILE	"/etc/pam.d/" SERVICE
#define ALICE		"mut-alice"
#define BOB		"mut-bob"
#define SSHD_UP_MS	10000
#define TUNNEL_MS	10000	/* ssh -N -L up and a byte through it */
#define LOCK_MS		600000	/* another run of this suite may be going */
#define GREETING	"far end\n"

static const char *const path_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

static char *work;
static char cfg[256];
static char audit_log[256];
static pid_t sshd_pid = -1;
static bool ready;
static bool pam_made;	/* PAM_FILE is this run's to remove */
static int lock_fd = -1;

/* a test-side command (argv, no shell): 0 when it exited 0 */
static int
cmd(const char *const argv[])
{
	struct e2e_result r;
	int rc;

	rc = e2e_run(argv, path_env, NULL, E2E_TIMEOUT_MS, &r);
	if (rc != 0 || r.status != 0) {
		fprintf(stderr, "test_login: %s failed (%d): %s%s\n", argv[0],
		    r.status, r.out, r.err);
		rc = -1;
	}
	e2e_result_free(&r);
	return rc;
}

static int
write_config(bool bob_disabled)
{
	char text[1024];

	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = %s/keys\n"
	    "audit_log = %s\n"
	    "\n"
	    "[tenant " ALICE "]\n"
	    "domains = mut-none\n"
	    "\n"
	    "[tenant " BOB "]\n"
	    "domains = mut-none\n"
	    "disabled = %s\n",
	    work, audit_log, bob_disabled ? "yes" : "no");
	char *path;

	/* read by the tenants' vmgate and by the PAM module (as root) */
	path = e2e_write_file(work, "vmgate.ini", text, 0644);
	free(path);
	return path != NULL ? 0 : -1;
}

static int
write_sshd_config(void)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "Port %d\n"
	    "ListenAddress 127.0.0.1\n"
	    "HostKey %s/hostkey\n"
	    "PidFile %s/sshd.pid\n"
	    "LogLevel VERBOSE\n"
	    "UsePAM yes\n"
	    "PermitRootLogin no\n"
	    "PasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\n"
	    "AllowUsers " ALICE " " BOB "\n"
	    /* keys an admin left in place: only the account phase is left
	     * to stop a disabled tenant */
	    "AuthorizedKeysFile %s/%%u.pub\n"
	    "StrictModes no\n"
	    "ExposeAuthInfo yes\n"
	    "ForceCommand " VMGATE " -f %s\n"
	    "AllowTcpForwarding local\n"
	    "PermitOpen 127.0.0.1:%d\n"
	    "AllowStreamLocalForwarding no\n"
	    "AllowAgentForwarding no\n"
	    "X11Forwarding no\n"
	    "PermitTunnel no\n"
	    "PermitUserEnvironment no\n",
	    SSHD_PORT, work, work, work, cfg, TARGET_PORT);
	char *path = e2e_write_file(work, "sshd_config", text, 0644);

	free(path);
	return path != NULL ? 0 : -1;
}

static int
write_pam_stack(void)
{
	char text[512];
	FILE *f;

	snprintf(text, sizeof(text),
	    "# test_login: pam_vmgate alone decides the account phase\n"
	    "auth required pam_permit.so\n"
	    "account required " PAM_MODULE " config=%s\n"
	    "session required pam_permit.so\n"
	    "password required pam_deny.so\n", cfg);
	if ((f = fopen(PAM_FILE, "wx")) == NULL) {
		fprintf(stderr, "test_login: cannot create %s: %s\n", PAM_FILE,
		    strerror(errno));
		return -1;
	}
	pam_made = true;
	fputs(text, f);
	return fclose(f);
}

static int
start_sshd(void)
{
	char conf[256], log[256];
	const char *const check[] = { SSHD_LINK, "-t", "-f", conf, NULL };
	long long deadline;

	snprintf(conf, sizeof(conf), "%s/sshd_config", work);
	snprintf(log, sizeof(log), "%s/sshd.log", work);
	if (cmd(check) != 0)
		return -1;
	if ((sshd_pid = fork()) < 0)
		return -1;
	if (sshd_pid == 0) {
		/* by the link's name: the PAM service is "mutsshd" */
		execle(SSHD_LINK, SSHD_LINK, "-D", "-f", conf, "-E", log,
		    (char *)NULL, (char *const *)path_env);
		_exit(127);
	}
	deadline = e2e_now_ms() + SSHD_UP_MS;
	while (e2e_now_ms() < deadline) {
		if (e2e_port_listens(SSHD_PORT))
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

static int
group_setup(void **state)
{
	char path[256];
	const char *const inst_pam[] = {
		"/usr/bin/install", "-m", "0644", BUILD_DIR "/pam_vmgate.so",
		PAM_MODULE, NULL
	};

	(void)state;
	if (!e2e_need_root("test_login"))
		return 0;
	if ((lock_fd = e2e_lock("test_login", LOCK_MS)) < 0)
		return -1;
	work = e2e_tmpdir("login");
	if (chmod(work, 0755) != 0)
		return -1;
	snprintf(cfg, sizeof(cfg), "%s/vmgate.ini", work);
	snprintf(audit_log, sizeof(audit_log), "%s/audit.log", work);
	snprintf(path, sizeof(path), "%s/keys", work);
	if (mkdir(path, 0755) != 0)
		return -1;
	if (e2e_install_vmgate(VMGATE) != 0 || cmd(inst_pam) != 0 ||
	    e2e_keygen(work, "hostkey") != 0)
		return -1;
	(void)unlink(SSHD_LINK);
	if (symlink("/usr/sbin/sshd", SSHD_LINK) != 0)
		return -1;
	/* work/USER.pub: the key an admin left in place for each */
	if (e2e_account_add(ALICE, "users") != 0 ||
	    e2e_account_add(BOB, "users") != 0 ||
	    e2e_keygen(work, ALICE) != 0 || e2e_keygen(work, BOB) != 0)
		return -1;
	/* the tenants' vmgate appends here: alice's file, 0600 */
	{
		char *made = e2e_write_file(work, "audit.log", "", 0600);

		free(made);
		if (made == NULL)
			return -1;
	}
	{
		const char *const own[] = {
			"/usr/bin/chown", ALICE, audit_log, NULL
		};

		if (cmd(own) != 0)
			return -1;
	}
	if (write_config(true) != 0 || write_sshd_config() != 0 ||
	    write_pam_stack() != 0)
		return -1;
	mkdir("/run/sshd", 0755);
	signal(SIGPIPE, SIG_IGN);
	if (start_sshd() != 0) {
		fprintf(stderr, "test_login: sshd did not start\n");
		return -1;
	}
	ready = true;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (sshd_pid > 0) {
		kill(sshd_pid, SIGTERM);
		waitpid(sshd_pid, NULL, 0);
	}
	/* only a file this run made (fopen "wx" refused an existing one) */
	if (pam_made)
		unlink(PAM_FILE);
	e2e_account_del(ALICE);
	e2e_account_del(BOB);
	unlink(SSHD_LINK);
	unlink(VMGATE);
	unlink(PAM_MODULE);
	rmdir(LIBEXEC);
	e2e_rmtree(work);
	free(work);
	e2e_unlock(lock_fd);
	return 0;
}

static void
skip_unless_ready(void)
{
	if (!ready)
		skip();
}

/* ---- the OpenSSH client ---- */

/* ssh's options for user's key against our sshd, then extra, into argv */
static void
ssh_argv(const char *argv[], size_t max, char *keybuf, size_t keylen,
    const char *user, const char *const extra[])
{
	static const char *const common[] = {
		"/usr/bin/ssh", "-F", "/dev/null", "-p", "2320",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "LogLevel=INFO", "-o", "ExitOnForwardFailure=yes",
	};
	size_t n = 0, i;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		argv[n++] = common[i];
	snprintf(keybuf, keylen, "%s/%s", work, user);
	argv[n++] = "-i";
	argv[n++] = keybuf;
	argv[n++] = "-l";
	argv[n++] = user;
	for (i = 0; extra[i] != NULL; i++)
		argv[n++] = extra[i];
	assert_true(n < max);
	argv[n] = NULL;
}

static char *
fingerprint(const char *user)
{
	char pub[256], *fp = NULL;
	const char *const argv[] = { "/usr/bin/ssh-keygen", "-lf", pub, NULL };
	struct e2e_result r;
	char word[128];

	snprintf(pub, sizeof(pub), "%s/%s.pub", work, user);
	assert_int_equal(e2e_run(argv, path_env, NULL, E2E_TIMEOUT_MS, &r),
	    0);
	assert_int_equal(sscanf(r.out, "%*d %127s", word), 1);
	fp = strdup(word);
	e2e_result_free(&r);
	return fp;
}

static char *
last_audit_line(void)
{
	FILE *f = fopen(audit_log, "r");
	char *line = NULL, *last = NULL;
	size_t cap = 0;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		free(last);
		last = strdup(line);
	}
	free(line);
	fclose(f);
	return last;
}

/* a request through sshd: its audit line names the key and the client */
static void
test_audit_line_names_client(void **state)
{
	static const char *const extra[] = { "127.0.0.1", "whoami", NULL };
	const char *argv[40];
	char key[256], want[256], *fp, *line;
	struct e2e_result r;

	(void)state;
	skip_unless_ready();
	fp = fingerprint(ALICE);
	ssh_argv(argv, 40, key, sizeof(key), ALICE, extra);
	assert_int_equal(e2e_run(argv, path_env, NULL, E2E_TIMEOUT_MS, &r),
	    0);
	snprintf(want, sizeof(want), "tenant: " ALICE "\nkey: %s\n", fp);
	if (r.status != 0 || strcmp(r.out, want) != 0)
		fail_msg("whoami: exit %d, out '%s', err '%s'", r.status,
		    r.out, r.err);
	e2e_result_free(&r);

	line = last_audit_line();
	assert_non_null(line);
	snprintf(want, sizeof(want), " tenant=" ALICE " key=%s from=127.0.0.1 "
	    "verb=whoami domain=- result=ok request=\"whoami\"\n", fp);
	if (strstr(line, want) == NULL)
		fail_msg("audit line '%s' lacks '%s'", line, want);
	free(line);
	free(fp);
}

/* our far end: a listener on TARGET_PORT */
static int
listen_target(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons(TARGET_PORT);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/*
 * `ssh -N -L LOCAL:127.0.0.1:TARGET` as user: true when a byte our
 * listener sends arrives through the tunnel. ssh is ended by its pid.
 */
static bool
tunnel_carries(const char *user, int target, char *why, size_t whylen)
{
	static const char *const extra[] = {
		"-N", "-L", "5969:127.0.0.1:5963", "127.0.0.1", NULL
	};
	const char *argv[40];
	char key[256], buf[64] = "";
	struct e2e_pty ssh;
	long long deadline = e2e_now_ms() + TUNNEL_MS;
	bool carried = false;
	int c = -1;

	ssh_argv(argv, 40, key, sizeof(key), user, extra);
	assert_int_equal(e2e_pty_spawn(&ssh, argv, path_env), 0);
	while (e2e_now_ms() < deadline && !carried) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		struct pollfd pfd = { target, POLLIN, 0 };
		int a;

		if (e2e_pty_wait(&ssh, 100) == 0)
			break;	/* ssh gave up: refused */
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sa.sin_port = htons(LOCAL_PORT);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(c);
			c = -1;
			continue;
		}
		if (poll(&pfd, 1, TUNNEL_MS) == 1 &&
		    (a = accept(target, NULL, NULL)) >= 0) {
			struct pollfd cp = { c, POLLIN, 0 };

			if (write(a, GREETING, strlen(GREETING)) ==
			    (ssize_t)strlen(GREETING) &&
			    poll(&cp, 1, TUNNEL_MS) == 1 &&
			    read(c, buf, sizeof(buf) - 1) > 0)
				carried = strcmp(buf, GREETING) == 0;
			close(a);
		}
		close(c);
		c = -1;
	}
	snprintf(why, whylen, "ssh %s (exit %d): %s", ssh.pid > 0 ?
	    "still running" : "ended", ssh.status, ssh.buf);
	e2e_pty_free(&ssh);
	return carried;
}

/* what sshd logged: the first thing to read when a login goes wrong */
static char *
sshd_log(void)
{
	char path[256], *text = NULL;
	size_t len = 0;
	FILE *f, *m = open_memstream(&text, &len);
	int c;

	assert_non_null(m);
	snprintf(path, sizeof(path), "%s/sshd.log", work);
	if ((f = fopen(path, "r")) != NULL) {
		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(f);
	}
	fclose(m);
	return text;
}

/*
 * The account phase decides: with bob enabled his key opens the tunnel;
 * disabled, the same key and the same sshd open nothing, though
 * authorized_keys still lists it and no command ever runs.
 */
static void
test_pam_stops_disabled_tunnel(void **state)
{
	char why[4096];
	int target;

	(void)state;
	skip_unless_ready();
	target = listen_target();
	/* the far end listens: a refusal is the gate's, not a closed port */
	assert_true(e2e_port_listens(TARGET_PORT));
	{
		int probe = accept(target, NULL, NULL);

		assert_true(probe >= 0);
		close(probe);
	}
	if (!tunnel_carries(ALICE, target, why, sizeof(why)))
		fail_msg("an enabled tenant's tunnel: %s", why);

	assert_int_equal(write_config(false), 0);
	if (!tunnel_carries(BOB, target, why, sizeof(why)))
		fail_msg("bob, enabled: %s", why);

	assert_int_equal(write_config(true), 0);
	if (tunnel_carries(BOB, target, why, sizeof(why)))
		fail_msg("a disabled tenant's ssh -N -L carried data: %s",
		    why);
	/* refused at login (ssh ends, 255), by the account phase: sshd's
	 * log says so; the client only sees the connection closed */
	{
		static const char *const extra[] = {
			"-N", "-L", "5969:127.0.0.1:5963", "127.0.0.1", NULL
		};
		const char *argv[40];
		char key[256], *log;
		struct e2e_result r;

		ssh_argv(argv, 40, key, sizeof(key), BOB, extra);
		e2e_run(argv, path_env, NULL, TUNNEL_MS, &r);
		if (r.timed_out || r.status != 255)
			fail_msg("bob, disabled: ssh -N -L %s, exit %d: %s",
			    r.timed_out ? "stayed up" : "ended", r.status,
			    r.err);
		e2e_result_free(&r);
		log = sshd_log();
		if (strstr(log, "Access denied for user " BOB
		    " by PAM account configuration") == NULL) {
			fprintf(stderr, "sshd's log:\n%s", log);
			fail_msg("sshd logged no PAM account refusal of " BOB);
		}
		free(log);
	}
	close(target);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_line_names_client),
		cmocka_unit_test(test_pam_stops_disabled_tunnel),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
