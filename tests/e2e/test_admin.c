/*
 * test_admin: a host set up as README's "Setting up a host" says, step by
 * step, with a separate sshd and both account models: make install under
 * a prefix of its own (the PAM module named by its path), machines defined
 * from conf/domain-example.xml with virsh, the audit log a group may
 * append to, the sshd_config that `vmgate sshd-config` prints appended to
 * the second sshd's own file, that sshd started through a symlink so PAM
 * reads its own service file, and `vmgate audit` on the result. Then what
 * tenants and the admin see, through the real ssh client: both models,
 * the SPICE tunnel hint, a console request for another tenant's machine,
 * the PAM service of the second sshd, and a broken config.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SSHD_PORT	2310
#define SPICE_WEB	5924
#define SPICE_DB	5925
#define PREFIX		"/opt/vmgate-adm"	/* make install PREFIX= */
#define VMGATE		PREFIX "/bin/vmgate"
#define PAM_MODULE	PREFIX "/lib/security/pam_vmgate.so"
#define PAM_SERVICE	"sshd-adm"		/* the symlink's name */
#define PAM_FILE	"/etc/pam.d/" PAM_SERVICE
#define GUEST_WEB	"adm-web1"		/* adm-alice's */
#define GUEST_DB	"adm-db1"		/* adm-bob's */
#define ALICE		"adm-alice"		/* her own account */
#define BOB		"adm-bob"		/* through the shared account */
#define SVC		"adm-svc"		/* service_user */
#define TENANTS		"adm-tenants"		/* tenant_group */
#define LOGGERS		"adm-log"		/* may append to audit_log */
#define LOCK_MS		600000
#define PATH_ENV	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

static char work[] = "/tmp/vmgate-adm-XXXXXX";
static char cfg[256], sshd_dir[256], audit_log[256], host[256];
static struct e2e_sshd sshd = { .pid = -1 };
static bool ready;
static int lock_fd = -1;

/* ---- helpers ---- */

/* a command of the test's own, fixed argv, no shell; its exit code */
static int
cmd(const char *const argv[], struct e2e_result *keep)
{
	static const char *const env[] = { PATH_ENV, NULL };
	struct e2e_result r;
	int st;

	if (e2e_run(argv, env, NULL, E2E_TIMEOUT_MS, &r) != 0)
		return -1;
	st = r.status;
	if (st != 0 && keep == NULL)
		fprintf(stderr, "test_admin: %s: exit %d: %s%s\n", argv[0], st,
		    r.out, r.err);
	if (keep != NULL)
		*keep = r;
	else
		e2e_result_free(&r);
	return st;
}

/* text with every "from" replaced by "to"; malloc'd */
static char *
replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	char *out;

	if (p == NULL)
		return strdup(text);
	if (asprintf(&out, "%.*s%s%s", (int)(p - text), text, to,
	    p + strlen(from)) < 0)
		abort();
	return out;
}

static int
write_config(const char *path, bool alice_disabled, bool broken)
{
	char *text;
	int r;

	if (asprintf(&text,
	    "[vmgate]\n"
	    "keys = %s/keys\n"
	    "service_user = " SVC "\n"
	    "tenant_group = " TENANTS "\n"
	    "audit_log = %s\n"
	    "%s"
	    "[tenant " ALICE "]\n"
	    "domains = " GUEST_WEB "\n"
	    "disabled = %s\n"
	    "[tenant " BOB "]\n"
	    "domains = " GUEST_DB "\n"
	    "[domain " GUEST_WEB "]\n"
	    "spice = 127.0.0.1:%d\n"
	    "[domain " GUEST_DB "]\n"
	    "spice = 127.0.0.1:%d\n", work, audit_log,
	    broken ? "no_such_key = 1\n" : "",
	    alice_disabled ? "yes" : "no", SPICE_WEB, SPICE_DB) < 0)
		abort();
	/* readable by nobody, the AuthorizedKeysCommandUser */
	r = e2e_write_file(work, strrchr(path, '/') + 1, text, 0644) != NULL ?
	    0 : -1;
	free(text);
	return r;
}

/* conf/domain-example.xml with its name and port, defined with virsh */
static int
define_example(const char *name, int port)
{
	char path[384], *text, *a, *b, portword[32];
	const char *const define[] = {
		"/usr/bin/virsh", "-c", E2E_URI, "define", path, NULL
	};
	const char *const start[] = {
		"/usr/bin/virsh", "-c", E2E_URI, "start", name, NULL
	};
	int r;

	snprintf(path, sizeof(path), "%s/../../conf/domain-example.xml",
	    E2E_DIR);
	if ((text = e2e_read_file(path)) == NULL)
		return -1;
	if (asprintf(&a, "<name>%s</name>", name) < 0)
		abort();
	b = replace(text, "<name>web1</name>", a);
	free(a);
	snprintf(portword, sizeof(portword), "port='%d'", port);
	a = replace(b, "port='5901'", portword);
	free(b);
	free(text);
	snprintf(path, sizeof(path), "%s/%s.xml", work, name);
	e2e_rmguest(name);
	r = e2e_write_file(work, strrchr(path, '/') + 1, a, 0644) != NULL &&
	    cmd(define, NULL) == 0 && cmd(start, NULL) == 0 ? 0 : -1;
	free(a);
	return r;
}

static bool
port_listens(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), r;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

/*
 * The second sshd: its own config, then what `vmgate sshd-config` prints
 * appended; started through a symlink named PAM_SERVICE, so PAM reads
 * PAM_FILE.
 */
static int
start_sshd(void)
{
	char conf[384], key[384], link[384], *text, *head;
	struct e2e_result r;
	const char *const keygen[] = {
		"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
		key, NULL
	};
	const char *const print[] = {
		VMGATE, "-f", cfg, "sshd-config", NULL
	};
	const char *const check[] = {
		link, "-t", "-f", conf, NULL
	};
	int waited;

	snprintf(conf, sizeof(conf), "%s/sshd_config", sshd_dir);
	snprintf(key, sizeof(key), "%s/ssh_host_ed25519_key", sshd_dir);
	snprintf(link, sizeof(link), "%s/" PAM_SERVICE, sshd_dir);
	if (mkdir(sshd_dir, 0755) != 0 || cmd(keygen, NULL) != 0)
		return -1;
	if (asprintf(&head,
	    "Port %d\n"
	    "ListenAddress 127.0.0.1\n"
	    "HostKey %s\n"
	    "PidFile %s/sshd.pid\n"
	    "UsePAM yes\n"
	    "AuthorizedKeysFile none\n"
	    "PasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\n"
	    "PermitRootLogin no\n"
	    "LogLevel VERBOSE\n", SSHD_PORT, key, sshd_dir) < 0)
		abort();
	if (cmd(print, &r) != 0) {
		fprintf(stderr, "test_admin: sshd-config: %s", r.err);
		e2e_result_free(&r);
		free(head);
		return -1;
	}
	if (asprintf(&text, "%s%s", head, r.out) < 0)
		abort();
	e2e_result_free(&r);
	free(head);
	if (e2e_write_file(sshd_dir, "sshd_config", text, 0644) == NULL) {
		free(text);
		return -1;
	}
	free(text);
	if (symlink("/usr/sbin/sshd", link) != 0 || cmd(check, NULL) != 0)
		return -1;
	if (port_listens(SSHD_PORT)) {
		fprintf(stderr, "test_admin: port %d is taken\n", SSHD_PORT);
		return -1;
	}
	sshd.port = SSHD_PORT;
	snprintf(sshd.config, sizeof(sshd.config), "%s", conf);
	snprintf(sshd.log, sizeof(sshd.log), "%s/sshd.log", sshd_dir);
	if ((sshd.pid = fork()) == -1)
		return -1;
	if (sshd.pid == 0) {
		execl(link, link, "-D", "-f", conf, "-E", sshd.log,
		    (char *)NULL);
		_exit(127);
	}
	for (waited = 0; waited < E2E_TIMEOUT_MS; waited += 100) {
		if (port_listens(SSHD_PORT))
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

static int
write_pam(const char *config)
{
	char *text;
	FILE *f;

	/* the account stack of the second sshd: vmgate's module by path */
	if (asprintf(&text,
	    "account required " PAM_MODULE " config=%s\n"
	    "@include common-account\n"
	    "@include common-session\n", config) < 0)
		abort();
	if ((f = fopen(PAM_FILE, "w")) == NULL) {
		free(text);
		return -1;
	}
	fputs(text, f);
	fclose(f);
	free(text);
	return 0;
}

static void
remove_accounts(void)
{
	e2e_account_del(ALICE);
	e2e_account_del(SVC);
	e2e_group_del(TENANTS);
	e2e_group_del(LOGGERS);
}

static int
setup(void **state)
{
	char keys[128], logdir[128], src[384], dst[384];
	const char *const install[] = {
		"/usr/bin/make", "-s", "--no-print-directory", "-C",
		E2E_DIR "/../..", "install", "PREFIX=" PREFIX,
		"PAMDIR=" PREFIX "/lib/security", NULL
	};
	const char *const mklog[] = {
		"/usr/bin/install", "-d", "-m", "0755", logdir, NULL
	};
	const char *const mkfile[] = {
		"/usr/bin/install", "-m", "0620", "-o", "root", "-g", LOGGERS,
		"/dev/null", audit_log, NULL
	};
	const char *const check[] = { VMGATE, "-f", cfg, "check", NULL };

	(void)state;
	if (!e2e_need_root("test_admin"))
		return 0;
	if ((lock_fd = e2e_lock("test_admin", LOCK_MS)) < 0)
		return -1;
	if (mkdtemp(work) == NULL || chmod(work, 0755) != 0)
		return -1;
	if (gethostname(host, sizeof(host)) != 0)
		return -1;
	host[strcspn(host, ".")] = '\0';
	snprintf(cfg, sizeof(cfg), "%s/vmgate.ini", work);
	snprintf(sshd_dir, sizeof(sshd_dir), "%s/ssh", work);
	snprintf(logdir, sizeof(logdir), "%s/log", work);
	snprintf(audit_log, sizeof(audit_log), "%s/audit.log", logdir);
	snprintf(keys, sizeof(keys), "%s/keys", work);
	if (access(PAM_FILE, F_OK) == 0) {
		fprintf(stderr, "test_admin: %s exists; not touching it\n",
		    PAM_FILE);
		return -1;
	}
	/* 1. make install under a prefix of its own */
	if (cmd(install, NULL) != 0)
		return -1;
	/* 3. the machines, from the shipped example */
	if (e2e_stack_up() != 0 || define_example(GUEST_WEB, SPICE_WEB) != 0 ||
	    define_example(GUEST_DB, SPICE_DB) != 0)
		return -1;
	/* accounts: alice's own, the shared one; both may append the log */
	remove_accounts();
	if (e2e_group_add(TENANTS) != 0 || e2e_group_add(LOGGERS) != 0 ||
	    e2e_account_add(ALICE, "libvirt," TENANTS "," LOGGERS) != 0 ||
	    e2e_account_add(SVC, "libvirt," LOGGERS) != 0)
		return -1;
	if (cmd(mklog, NULL) != 0 || cmd(mkfile, NULL) != 0)
		return -1;
	/* 2. config and keys, then check */
	if (mkdir(keys, 0755) != 0 || e2e_keygen(work, "alice") != 0 ||
	    e2e_keygen(work, "bob") != 0 || e2e_keygen(work, "stranger") != 0)
		return -1;
	snprintf(src, sizeof(src), "%s/alice.pub", work);
	snprintf(dst, sizeof(dst), "%s/" ALICE ".pub", keys);
	if (rename(src, dst) != 0 || chmod(dst, 0644) != 0)
		return -1;
	snprintf(src, sizeof(src), "%s/bob.pub", work);
	snprintf(dst, sizeof(dst), "%s/" BOB "@laptop.pub", keys);
	if (rename(src, dst) != 0 || chmod(dst, 0644) != 0)
		return -1;
	if (write_config(cfg, false, false) != 0 || cmd(check, NULL) != 0)
		return -1;
	/* 4. the second sshd and its PAM service */
	mkdir("/run/sshd", 0755);
	signal(SIGPIPE, SIG_IGN);
	if (write_pam(cfg) != 0 || start_sshd() != 0) {
		fprintf(stderr, "test_admin: the second sshd did not start\n");
		return -1;
	}
	ready = true;
	return 0;
}

static int
teardown(void **state)
{
	char path[384];
	const char *const rm[] = { "/bin/rm", "-rf", path, NULL };

	(void)state;
	if (geteuid() != 0)
		return 0;
	e2e_sshd_stop(&sshd);
	unlink(PAM_FILE);
	remove_accounts();
	e2e_rmguest(GUEST_WEB);
	e2e_rmguest(GUEST_DB);
	snprintf(path, sizeof(path), "%s", PREFIX);
	cmd(rm, NULL);
	snprintf(path, sizeof(path), "%s", work);
	cmd(rm, NULL);
	e2e_unlock(lock_fd);
	return 0;
}

#define SKIP_UNLESS_READY() do { if (!ready) skip(); } while (0)

static void
login(const char *user, const char *key, const char *request,
    struct e2e_result *r)
{
	char path[384];

	snprintf(path, sizeof(path), "%s/%s", work, key);
	assert_int_equal(e2e_ssh(&sshd, user, path, false, request, r), 0);
}

/* ---- the tests ---- */

/*
 * conf/domain-example.xml, as shipped but for name and port: libvirtd
 * defines and boots it, and audit finds nothing wrong with it (a serial
 * console, a locked SPICE display on loopback). On this host audit's one
 * other finding can be the missing syslog daemon.
 */
static void
test_setup_passes_audit(void **state)
{
	struct e2e_result r;
	const char *const audit[] = {
		VMGATE, "-f", cfg, "audit", "--sshd-config", sshd.config, NULL
	};
	const char *line;
	bool syslog_missing = access("/dev/log", F_OK) != 0;

	(void)state;
	SKIP_UNLESS_READY();
	assert_true(e2e_domain_running(GUEST_WEB));
	assert_true(e2e_domain_running(GUEST_DB));
	cmd(audit, &r);
	if (syslog_missing) {
		/* the only finding: nothing takes vmgate's syslog lines */
		static const char want[] = "syslog: nothing listens on "
		    "/dev/log (";

		if (r.status != 1 || strncmp(r.out, want, strlen(want)) != 0 ||
		    strchr(r.out, '\n') != r.out + strlen(r.out) - 1)
			fail_msg("audit: exit %d: %s%s", r.status, r.out,
			    r.err);
	} else {
		if (r.status != 0)
			fail_msg("audit: exit %d: %s%s", r.status, r.out,
			    r.err);
		assert_string_equal(r.out, "audit: ok (2 machines, sshd's "
		    "settings for 2 accounts from 8 client addresses): no "
		    "findings\n");
	}
	for (line = r.out; (line = strstr(line, "domain ")) != NULL; line++)
		fail_msg("a finding about a machine: %s", line);
	e2e_result_free(&r);
}

/* the SPICE tunnel hint names the account the tenant logged in as, and
 * the port of the sshd it came through */
static void
tunnel_hint(const char *user, const char *key, const char *guest, int port)
{
	struct e2e_result r;
	char request[128], want[512];

	snprintf(request, sizeof(request), "spice %s --no-wait", guest);
	login(user, key, request, &r);
	if (r.status != 0)
		fail_msg("%s: exit %d: %s", request, r.status, r.err);
	/* and the second sshd's port: ssh's default would reach another */
	snprintf(want, sizeof(want), "\ntunnel:   ssh -L %d:127.0.0.1:%d "
	    "-p %d %s@%s\n", port, port, SSHD_PORT, user, host);
	if (strstr(r.out, want) == NULL)
		fail_msg("no '%s' in: %s", want + 1, r.out);
	e2e_result_free(&r);
}

/* per-user: alice logs in as herself; her requests land in the log */
static void
test_per_user_account(void **state)
{
	struct e2e_result r;
	char *log;

	(void)state;
	SKIP_UNLESS_READY();
	login(ALICE, "alice", "list", &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, GUEST_WEB " running\n");
	e2e_result_free(&r);
	tunnel_hint(ALICE, "alice", GUEST_WEB, SPICE_WEB);
	/* another tenant's machine, without a terminal: denied, not 64 */
	login(ALICE, "alice", "console " GUEST_DB, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.err, "vmgate: " GUEST_DB ": no such machine\n");
	e2e_result_free(&r);
	/* the audit log took alice's lines, as the group's member */
	assert_non_null(log = e2e_read_file(audit_log));
	assert_non_null(strstr(log, "tenant=" ALICE " "));
	assert_non_null(strstr(log, " verb=console domain=" GUEST_DB
	    " result=denied "));
	free(log);
}

/*
 * An account that runs vmgate but may not use libvirtd (step 2: group
 * libvirt) gets 69 for every request, while audit, as root, reaches the
 * daemon: audit names the account, and is clean again once the account
 * is back in the group.
 */
static void
test_account_without_libvirt(void **state)
{
	struct e2e_result r, out;
	const char *const audit[] = {
		VMGATE, "-f", cfg, "audit", "--sshd-config", sshd.config, NULL
	};
	static const char want[] = "libvirt qemu:///system: account " ALICE
	    " cannot connect as itself (add it to group libvirt): its "
	    "requests end with exit 69\n";

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(e2e_sh("gpasswd -d " ALICE " libvirt >/dev/null"), 0);
	login(ALICE, "alice", "status " GUEST_WEB, &out);
	cmd(audit, &r);
	/* back in the group before anything can fail: the tests after
	 * this one log in as alice */
	assert_int_equal(e2e_sh("usermod -aG libvirt " ALICE), 0);
	assert_int_equal(out.status, 69);
	e2e_result_free(&out);
	if (r.status != 1 || strstr(r.out, want) == NULL)
		fail_msg("audit: exit %d: %s%s", r.status, r.out, r.err);
	e2e_result_free(&r);
	cmd(audit, &r);
	if (strstr(r.out, "cannot connect as itself") != NULL)
		fail_msg("audit, the account in its group again: %s", r.out);
	e2e_result_free(&r);
	login(ALICE, "alice", "status " GUEST_WEB, &r);
	assert_int_equal(r.status, 0);
	e2e_result_free(&r);
}

/* shared: bob's key logs in as the service account and picks bob */
static void
test_shared_account(void **state)
{
	struct e2e_result r;
	char *log;

	(void)state;
	SKIP_UNLESS_READY();
	login(SVC, "bob", "whoami", &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "tenant: " BOB "\n"));
	e2e_result_free(&r);
	tunnel_hint(SVC, "bob", GUEST_DB, SPICE_DB);
	/* a key no tenant has: no way into the shared account */
	login(SVC, "stranger", "whoami", &r);
	assert_int_equal(r.status, 255);
	e2e_result_free(&r);
	assert_non_null(log = e2e_read_file(audit_log));
	assert_non_null(strstr(log, "tenant=" BOB " "));
	free(log);
}

/*
 * sshd names its PAM service after its program: started as PAM_SERVICE,
 * it reads PAM_FILE. That file's pam_vmgate, pointed at a config in which
 * alice is disabled, refuses her although her key is offered.
 */
static void
test_pam_service_of_second_sshd(void **state)
{
	struct e2e_result r;
	char other[384];

	(void)state;
	SKIP_UNLESS_READY();
	snprintf(other, sizeof(other), "%s/pam.ini", work);
	assert_int_equal(write_config(other, true, false), 0);
	assert_int_equal(write_pam(other), 0);
	login(ALICE, "alice", "list", &r);
	assert_int_equal(r.status, 255);
	e2e_result_free(&r);
	/* bob, through the service account, is let in by the same stack */
	login(SVC, "bob", "whoami", &r);
	assert_int_equal(r.status, 0);
	e2e_result_free(&r);
	assert_int_equal(write_pam(cfg), 0);
	login(ALICE, "alice", "list", &r);
	assert_int_equal(r.status, 0);
	e2e_result_free(&r);
}

/*
 * A broken config: authorized-keys exits 78, so sshd offers no key and
 * the tenant sees only ssh's own refusal; sshd's log names the command
 * and its status.
 */
static void
test_broken_config(void **state)
{
	struct e2e_result r;
	const char *const check[] = { VMGATE, "-f", cfg, "check", NULL };
	char *log, want[384];

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(write_config(cfg, false, true), 0);
	login(ALICE, "alice", "list", &r);
	assert_int_equal(r.status, 255);
	assert_non_null(strstr(r.err, "Permission denied (publickey)"));
	e2e_result_free(&r);
	login(SVC, "bob", "list", &r);
	assert_int_equal(r.status, 255);
	assert_non_null(strstr(r.err, "Permission denied (publickey)"));
	e2e_result_free(&r);
	assert_non_null(log = e2e_read_file(sshd.log));
	snprintf(want, sizeof(want), "AuthorizedKeysCommand " VMGATE " -f %s "
	    "authorized-keys " ALICE " ", cfg);
	/* "AuthorizedKeysCommand PROGRAM -f FILE authorized-keys USER
	 * KEYTYPE KEY failed, status 78" */
	if (strstr(log, want) == NULL || strstr(log, " failed, status 78")
	    == NULL)
		fail_msg("sshd's log: %s", log);
	free(log);
	assert_int_equal(write_config(cfg, false, false), 0);
	assert_int_equal(cmd(check, NULL), 0);
	login(ALICE, "alice", "list", &r);
	assert_int_equal(r.status, 0);
	e2e_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_passes_audit),
		cmocka_unit_test(test_per_user_account),
		cmocka_unit_test(test_account_without_libvirt),
		cmocka_unit_test(test_shared_account),
		cmocka_unit_test(test_pam_service_of_second_sshd),
		cmocka_unit_test(test_broken_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
