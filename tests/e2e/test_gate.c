/*
 * test_gate: the SSH gate on the real stack. A private sshd on
 * 127.0.0.1:2230 built from contrib/sshd_config.vmgate, with vmgate's
 * authorized-keys as AuthorizedKeysCommand (run as nobody), real accounts
 * for both models (per-user tenants, one shared service account), real
 * guests gate-a and gate-b on libvirtd, and libssh as the client: what a
 * tenant can and cannot do through the door, including the serial console
 * on the pty sshd allocates.
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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "e2e.h"

#define SSHD_PORT	2230
#define SPICE_A		5930
#define SPICE_B		5931
#define LIBEXEC		"/usr/local/libexec/vmgate-e2e"
#define VMGATE		LIBEXEC "/vmgate"
#define USER_A		"vgt-gate-a"
#define USER_B		"vgt-gate-b"
#define USER_SVC	"vgt-gate-svc"
#define GROUP_TENANTS	"vgt-gate-tenants"
#define TENANT_C	"gate-c"	/* no account: shared model only */
#define GUEST_A		"gate-a"
#define GUEST_B		"gate-b"
#define MAX_OUT		65536
#define WAIT_SSHD_MS	10000
#define ATTACH_MS	10000	/* login to the console's banner */
#define SEABIOS_MS	15000	/* reset to "SeaBIOS" on the console */
#define QUICK_MS	3000	/* the escape ends a console this fast */
#define GONE_MS		5000	/* a lost session's vmgate is gone by then */
#define POLL_MS		100	/* granularity of the console waits */
#define ESCAPE_EVERY_MS	500	/* resend ^] until the terminal is raw */
#define SSH_TIMEOUT_S	20	/* bound on libssh's own blocking calls */
#define TERM_COLS	80
#define TERM_ROWS	24
#define LOCK_MS		600000	/* another run of this suite may be going */
#define NO_TTY_MSG	"vmgate: console needs a terminal: use ssh -t\n"
#define SYSLOG_FINDING	"syslog: nothing listens on /dev/log ("

static char work[] = "/tmp/vmgate-gate-XXXXXX";
static char cfg_path[256];
static struct e2e_sshd sshd = { .pid = -1 };
static bool ready;
static int lock_fd = -1;

/* ---- helpers ---- */

static int
spit(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static int
write_config(bool b_disabled)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = %s/keys\n"
	    "service_user = " USER_SVC "\n"
	    "[tenant " USER_A "]\n"
	    "domains = " GUEST_A "\n"
	    "[tenant " USER_B "]\n"
	    "domains = " GUEST_B "\n"
	    "disabled = %s\n"
	    "[tenant " TENANT_C "]\n"
	    "domains = " GUEST_A "\n"
	    "allow = status\n"
	    "[domain " GUEST_A "]\n"
	    "spice = 127.0.0.1:%d\n"
	    "[domain " GUEST_B "]\n"
	    "spice = 127.0.0.1:%d\n",
	    work, b_disabled ? "yes" : "no", SPICE_A, SPICE_B);
	/* readable by nobody, the AuthorizedKeysCommandUser */
	return spit(cfg_path, text, 0644);
}

static int
make_key(const char *name, const char *tenant_file)
{
	char keys[300];

	if (tenant_file == NULL)
		return e2e_keygen(work, name);
	snprintf(keys, sizeof(keys), "%s/keys", work);
	return e2e_tenant_key(work, name, keys, tenant_file);
}

static void
remove_accounts(void)
{
	e2e_account_del(USER_A);
	e2e_account_del(USER_B);
	e2e_account_del(USER_SVC);
	e2e_group_del(GROUP_TENANTS);
}

static int
setup(void **state)
{
	char path[512];

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "\n*** test_gate: SKIPPED: the real-sshd suite "
		    "needs root (accounts, sshd, libvirtd) ***\n\n");
		return 0;
	}
	/* one run at a time: the accounts, ports and guests are fixed */
	if ((lock_fd = e2e_lock("test_gate", LOCK_MS)) < 0)
		return -1;
	if (mkdtemp(work) == NULL || chmod(work, 0755) != 0)
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/vmgate.ini", work);
	snprintf(path, sizeof(path), "%s/keys", work);
	if (mkdir(path, 0755) != 0)
		return -1;
	if (e2e_sh("sh %s/stack.sh up >&2", E2E_DIR) != 0 ||
	    e2e_sh("sh %s/stack.sh guest " GUEST_A " %d >&2", E2E_DIR,
	    SPICE_A) != 0 ||
	    e2e_sh("sh %s/stack.sh guest " GUEST_B " %d >&2", E2E_DIR,
	    SPICE_B) != 0)
		return -1;
	if (e2e_install_vmgate(VMGATE) != 0)
		return -1;
	if (make_key("key-a", USER_A ".pub") != 0 ||
	    make_key("key-b", USER_B "@laptop.pub") != 0 ||
	    make_key("key-c", TENANT_C ".pub") != 0 ||
	    make_key("key-stranger", NULL) != 0)
		return -1;
	if (write_config(false) != 0)
		return -1;
	remove_accounts();
	if (e2e_group_add(GROUP_TENANTS) != 0 ||
	    e2e_account_add(USER_A, "libvirt," GROUP_TENANTS) != 0 ||
	    e2e_account_add(USER_B, "libvirt," GROUP_TENANTS) != 0 ||
	    e2e_account_add(USER_SVC, "libvirt") != 0)
		return -1;
	/* a dropped connection must not kill the client writing to it */
	signal(SIGPIPE, SIG_IGN);
	if (e2e_sshd_start(&sshd, work, SSHD_PORT, VMGATE, cfg_path,
	    GROUP_TENANTS, USER_SVC, USER_A " " USER_B " " USER_SVC) != 0) {
		fprintf(stderr, "test_gate: sshd did not start\n");
		return -1;
	}
	ready = true;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	e2e_sshd_stop(&sshd);
	remove_accounts();
	e2e_sh("sh %s/stack.sh rmguest " GUEST_A " >&2", E2E_DIR);
	e2e_sh("sh %s/stack.sh rmguest " GUEST_B " >&2", E2E_DIR);
	e2e_sh("rm -rf %s", work);
	e2e_unlock(lock_fd);
	return 0;
}

/* ---- the client ---- */

static ssh_session
connect_as(const char *user, const char *keyname, bool *authed)
{
	ssh_session s = ssh_new();
	ssh_key key = NULL;
	char path[512];
	int port = SSHD_PORT, r;
	bool no = false;

	*authed = false;
	assert_non_null(s);
	ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, user);
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	assert_int_equal(ssh_connect(s), SSH_OK);
	snprintf(path, sizeof(path), "%s/%s", work, keyname);
	assert_int_equal(ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
	    &key), SSH_OK);
	r = ssh_userauth_publickey(s, NULL, key);
	ssh_key_free(key);
	*authed = r == SSH_AUTH_SUCCESS;
	return s;
}

static void
disconnect(ssh_session s)
{
	ssh_disconnect(s);
	ssh_free(s);
}

struct exec_result {
	int status;
	char out[MAX_OUT];
	char err[MAX_OUT];
};

static void
read_all(ssh_channel ch, char *buf, size_t cap, int is_stderr)
{
	size_t have = 0;
	int n;

	while (have + 1 < cap && (n = ssh_channel_read_timeout(ch,
	    buf + have, (uint32_t)(cap - 1 - have), is_stderr, 20000)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
}

static void
exec_cmd(ssh_session s, const char *cmd, struct exec_result *res)
{
	ssh_channel ch = ssh_channel_new(s);

	memset(res, 0, sizeof(*res));
	assert_non_null(ch);
	assert_int_equal(ssh_channel_open_session(ch), SSH_OK);
	assert_int_equal(ssh_channel_request_exec(ch, cmd), SSH_OK);
	read_all(ch, res->out, sizeof(res->out), 0);
	read_all(ch, res->err, sizeof(res->err), 1);
	ssh_channel_send_eof(ch);
	res->status = ssh_channel_get_exit_status(ch);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
}

/* log in as user with key, run cmd; fails the test when refused */
static void
login_exec(const char *user, const char *keyname, const char *cmd,
    struct exec_result *res)
{
	bool authed;
	ssh_session s = connect_as(user, keyname, &authed);

	if (!authed)
		fail_msg("%s with %s: refused", user, keyname);
	exec_cmd(s, cmd, res);
	disconnect(s);
}

static bool
login_refused(const char *user, const char *keyname)
{
	bool authed;
	ssh_session s = connect_as(user, keyname, &authed);

	disconnect(s);
	return !authed;
}

static char *
fingerprint_of(const char *keyname)
{
	char cmd[600], line[256];
	static char fp[128];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ssh-keygen -lf %s/%s.pub", work, keyname);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	assert_int_equal(sscanf(line, "%*d %127s", fp), 1);
	return fp;
}

#define SKIP_UNLESS_READY() do { \
	if (!ready) { \
		fprintf(stderr, "test_gate: skipped (not root)\n"); \
		skip(); \
	} \
} while (0)

/* ---- the cases ---- */

static void
test_tenants_list_and_status(void **state)
{
	struct exec_result *r = malloc(sizeof(*r));

	(void)state;
	SKIP_UNLESS_READY();
	login_exec(USER_A, "key-a", "list", r);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, GUEST_A " running\n");
	login_exec(USER_A, "key-a", "status " GUEST_A, r);
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "running"));
	login_exec(USER_B, "key-b", "list", r);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, GUEST_B " running\n");
	/* a neighbour's machine: 77, as if it did not exist */
	login_exec(USER_A, "key-a", "status " GUEST_B, r);
	assert_int_equal(r->status, 77);
	assert_string_equal(r->err, "vmgate: " GUEST_B ": no such machine\n");
	login_exec(USER_A, "key-a", "status gate-nonexistent", r);
	assert_int_equal(r->status, 77);
	assert_string_equal(r->err,
	    "vmgate: gate-nonexistent: no such machine\n");
	/* the shared account: the key picks the tenant */
	login_exec(USER_SVC, "key-c", "list", r);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, GUEST_A " running\n");
	login_exec(USER_SVC, "key-c", "start " GUEST_A, r);
	assert_int_equal(r->status, 77);
	login_exec(USER_SVC, "key-b", "list", r);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, GUEST_B " running\n");
	free(r);
}

static void
test_whoami_names_the_key(void **state)
{
	struct exec_result *r = malloc(sizeof(*r));
	char want[256];

	(void)state;
	SKIP_UNLESS_READY();
	login_exec(USER_A, "key-a", "whoami", r);
	assert_int_equal(r->status, 0);
	snprintf(want, sizeof(want), "tenant: " USER_A "\nkey: %s\n",
	    fingerprint_of("key-a"));
	assert_string_equal(r->out, want);
	login_exec(USER_SVC, "key-c", "whoami", r);
	assert_int_equal(r->status, 0);
	snprintf(want, sizeof(want), "tenant: " TENANT_C "\nkey: %s\n",
	    fingerprint_of("key-c"));
	assert_string_equal(r->out, want);
	free(r);
}

static void
test_wrong_keys_refused(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	assert_true(login_refused(USER_A, "key-stranger"));
	assert_true(login_refused(USER_SVC, "key-stranger"));
	/* tenant A's key does not open B's account, nor C's key A's */
	assert_true(login_refused(USER_B, "key-a"));
	assert_true(login_refused(USER_A, "key-c"));
	/* and the right one does */
	assert_false(login_refused(USER_A, "key-a"));
}

static void
test_injection_runs_nothing(void **state)
{
	static const char *const attempts[] = {
		"list; id", "list\nid", "$(id)", "list `id`", "list | id",
		"list && id", "../../bin/sh", "list > /tmp/x",
	};
	struct exec_result *r = malloc(sizeof(*r));
	size_t i;

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		login_exec(USER_A, "key-a", attempts[i], r);
		assert_int_equal(r->status, 64);
		assert_null(strstr(r->out, "uid="));
		assert_null(strstr(r->err, "uid="));
		assert_null(strstr(r->out, GUEST_A));
		/* the shared account takes the same road */
		login_exec(USER_SVC, "key-c", attempts[i], r);
		assert_int_equal(r->status, 64);
		assert_null(strstr(r->out, "uid="));
	}
	free(r);
}

static bool
forward_opens(ssh_session s, const char *host, int port)
{
	ssh_channel ch = ssh_channel_new(s);
	int r;

	assert_non_null(ch);
	r = ssh_channel_open_forward(ch, host, port, "127.0.0.1", 40000);
	ssh_channel_free(ch);
	return r == SSH_OK;
}

/* a listener on a free loopback port; its fd, the port in *port */
static int
listen_any(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	/* it does accept: connect once directly */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	return fd;
}

static void
test_forwarding_limited(void **state)
{
	ssh_session s;
	ssh_channel ch;
	bool authed;
	int bound = 0, other, other_port;

	(void)state;
	SKIP_UNLESS_READY();
	s = connect_as(USER_A, "key-a", &authed);
	assert_true(authed);
	/* its own SPICE display, exactly as permitopen names it */
	assert_true(forward_opens(s, "127.0.0.1", SPICE_A));
	assert_false(forward_opens(s, "127.0.0.1", SPICE_B));
	assert_false(forward_opens(s, "localhost", SPICE_A));
	assert_false(forward_opens(s, "127.0.0.1", SSHD_PORT));
	/* any other port that listens (a refusal of a closed one would
	 * prove nothing) */
	other = listen_any(&other_port);
	assert_false(forward_opens(s, "127.0.0.1", other_port));
	close(other);
	/* no stream-local: the libvirt socket stays out of reach */
	ch = ssh_channel_new(s);
	assert_int_not_equal(ssh_channel_open_forward_unix(ch,
	    "/run/libvirt/libvirt-sock", "127.0.0.1", 40000), SSH_OK);
	ssh_channel_free(ch);
	/* no remote forwarding */
	assert_int_not_equal(ssh_channel_listen_forward(s, "127.0.0.1", 0,
	    &bound), SSH_OK);
	disconnect(s);

	/* the shared account: the key's tenant's endpoint only */
	s = connect_as(USER_SVC, "key-b", &authed);
	assert_true(authed);
	assert_true(forward_opens(s, "127.0.0.1", SPICE_B));
	assert_false(forward_opens(s, "127.0.0.1", SPICE_A));
	disconnect(s);
	/* C may not use spice at all: no forwarding */
	s = connect_as(USER_SVC, "key-c", &authed);
	assert_true(authed);
	assert_false(forward_opens(s, "127.0.0.1", SPICE_A));
	disconnect(s);
}

static void
test_audit_passes(void **state)
{
	static const char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	char sshd_conf[300], agent_conf[300], want[200];
	const char *const argv[] = {
		VMGATE, "-f", cfg_path, "audit", "--sshd-config", sshd_conf,
		NULL
	};
	struct e2e_result r;
	int syslog_fd, rc;
	bool no_syslog;

	(void)state;
	SKIP_UNLESS_READY();
	/* the shipped snippet, the locked guests, a syslog socket: nothing
	 * to report, and it says what it looked at. Should /dev/log still be
	 * missing (a stand-in that could not be made), that is the one
	 * finding, and then the only line. */
	snprintf(sshd_conf, sizeof(sshd_conf), "%s/sshd_config", work);
	syslog_fd = e2e_syslog_stand_in();
	no_syslog = access("/dev/log", F_OK) != 0;
	rc = e2e_run(argv, env, NULL, E2E_TIMEOUT_MS, &r);
	e2e_syslog_stand_in_end(syslog_fd);
	assert_int_equal(rc, 0);
	if (no_syslog) {
		if (r.status != 1 || strncmp(r.out, SYSLOG_FINDING,
		    strlen(SYSLOG_FINDING)) != 0 ||
		    strchr(r.out, '\n')[1] != '\0' ||
		    strcmp(r.err, "vmgate: audit: 1 finding\n") != 0)
			fail_msg("audit without syslog: exit %d: %s%s",
			    r.status, r.out, r.err);
	} else if (r.status != 0 || r.err[0] != '\0' ||
	    strncmp(r.out, "audit: ok (2 machines, ", 23) != 0 ||
	    strstr(r.out, "): no findings\n") == NULL ||
	    strchr(r.out, '\n')[1] != '\0')
		fail_msg("clean audit: exit %d: %s%s", r.status, r.out, r.err);
	e2e_result_free(&r);

	/* the same snippet with agent forwarding back on for the tenants:
	 * a finding line per account (with the syslog one, if any), exit 1 */
	snprintf(agent_conf, sizeof(agent_conf), "%s/sshd_config.agent", work);
	assert_int_equal(e2e_sh("sed 's/AllowAgentForwarding no/"
	    "AllowAgentForwarding yes/' %s > %s", sshd_conf, agent_conf), 0);
	snprintf(sshd_conf, sizeof(sshd_conf), "%s", agent_conf);
	assert_int_equal(e2e_run(argv, env, NULL, E2E_TIMEOUT_MS, &r), 0);
	snprintf(want, sizeof(want), "sshd (user " USER_A "): "
	    "allowagentforwarding yes (must be no)\n");
	if (r.status != 1 || strstr(r.out, want) == NULL ||
	    strstr(r.out, "audit: ok") != NULL ||
	    strstr(r.err, "vmgate: audit: ") == NULL)
		fail_msg("agent forwarding on: exit %d: %s%s", r.status, r.out,
		    r.err);
	e2e_result_free(&r);
	assert_int_equal(e2e_sh(VMGATE " -f %s check >/dev/null", cfg_path), 0);
}

/* ---- the console through sshd's pty ---- */

/* a console per account model: the tenant's own account and the shared
 * one, where the key picks the tenant */
static const struct console_account {
	const char *model;
	const char *user;
	const char *key;
	const char *guest;
} console_accounts[] = {
	{ "per-user", USER_A, "key-a", GUEST_A },
	{ "shared", USER_SVC, "key-b", GUEST_B },
};
#define N_CONSOLE_ACCOUNTS \
	(sizeof(console_accounts) / sizeof(console_accounts[0]))

/* live processes running the installed copy: argv[0] is exactly VMGATE */
static int
vmgate_procs(void)
{
	struct dirent *de;
	DIR *d;
	int count = 0;

	assert_non_null(d = opendir("/proc"));
	while ((de = readdir(d)) != NULL) {
		char path[300], argv0[sizeof(VMGATE)];
		size_t n;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* a zombie's cmdline is empty: it does not count */
		n = fread(argv0, 1, sizeof(argv0), f);
		fclose(f);
		if (n == sizeof(argv0) &&
		    memcmp(argv0, VMGATE, sizeof(argv0)) == 0)
			count++;
	}
	closedir(d);
	return count;
}

static bool
vmgate_gone_within(int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;

	for (;;) {
		if (vmgate_procs() == 0)
			return true;
		if (e2e_now_ms() >= deadline)
			return false;
		usleep(POLL_MS * 1000);
	}
}

/* one console session: what its pty printed so far, NUL-terminated */
struct console {
	ssh_session s;
	ssh_channel ch;
	char buf[MAX_OUT];
	size_t len;
	size_t seen;
};

/* log in and run "console GUEST" on a pty, as ssh -t does */
static struct console *
console_open(const struct console_account *a)
{
	struct console *c = calloc(1, sizeof(*c));
	char cmd[128];
	long secs = SSH_TIMEOUT_S;
	bool authed;

	assert_non_null(c);
	c->s = connect_as(a->user, a->key, &authed);
	if (!authed)
		fail_msg("%s: %s with %s: refused", a->model, a->user, a->key);
	ssh_options_set(c->s, SSH_OPTIONS_TIMEOUT, &secs);
	assert_non_null(c->ch = ssh_channel_new(c->s));
	assert_int_equal(ssh_channel_open_session(c->ch), SSH_OK);
	assert_int_equal(ssh_channel_request_pty_size(c->ch, "xterm",
	    TERM_COLS, TERM_ROWS), SSH_OK);
	snprintf(cmd, sizeof(cmd), "console %s", a->guest);
	assert_int_equal(ssh_channel_request_exec(c->ch, cmd), SSH_OK);
	return c;
}

static bool
console_ended(struct console *c)
{
	return ssh_channel_is_closed(c->ch) || ssh_channel_is_eof(c->ch);
}

/* read once, waiting up to timeout_ms; -1 once the channel has ended */
static int
console_read(struct console *c, int timeout_ms)
{
	int n;

	if (c->len + 1 >= sizeof(c->buf))
		return -1;
	/* with a pty, stderr reaches the client on the same stream */
	n = ssh_channel_read_timeout(c->ch, c->buf + c->len,
	    (uint32_t)(sizeof(c->buf) - 1 - c->len), 0, timeout_ms);
	if (n > 0)
		c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (n < 0 || (n == 0 && console_ended(c)))
		return -1;
	return 0;
}

/* 0 once pattern arrived after what was seen before, -1 on timeout/end */
static int
console_expect(struct console *c, const char *pattern, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	size_t plen = strlen(pattern);
	char *hit;
	int ended = 0;

	for (;;) {
		hit = memmem(c->buf + c->seen, c->len - c->seen, pattern, plen);
		if (hit != NULL) {
			c->seen = (size_t)(hit - c->buf) + plen;
			return 0;
		}
		if (ended || e2e_now_ms() >= deadline)
			return -1;
		ended = console_read(c, POLL_MS) < 0;
	}
}

/*
 * Send bytes, then wait for the session's end: 0 with *status the exit
 * status sshd reported (-1: none), or -1 when it still runs after
 * timeout_ms. With `repeat` the bytes go again every ESCAPE_EVERY_MS:
 * the banner comes just before vmgate makes the terminal raw, and a ^]
 * typed into a still-cooked pty would wait there for a newline.
 */
static int
console_finish(struct console *c, const char *bytes, size_t len, bool repeat,
    int timeout_ms, int *status)
{
	long long deadline = e2e_now_ms() + timeout_ms, next = 0;

	*status = -1;
	while (!console_ended(c)) {
		long long now = e2e_now_ms();

		if (now >= deadline)
			return -1;
		if (now >= next) {
			if (next == 0)
				assert_int_equal(ssh_channel_write(c->ch,
				    bytes, (uint32_t)len), (int)len);
			else
				(void)ssh_channel_write(c->ch, bytes,
				    (uint32_t)len);
			next = repeat ? now + ESCAPE_EVERY_MS : deadline;
		}
		if (console_read(c, POLL_MS) < 0)
			break;
	}
	*status = ssh_channel_get_exit_status(c->ch);
	return 0;
}

static void
console_free(struct console *c)
{
	if (c->ch != NULL) {
		ssh_channel_close(c->ch);
		ssh_channel_free(c->ch);
	}
	if (c->s != NULL)
		disconnect(c->s);
	free(c);
}

static void
expect_banner(struct console *c, const struct console_account *a)
{
	char banner[128];

	snprintf(banner, sizeof(banner),
	    "Connected to %s (escape character is ^])", a->guest);
	if (console_expect(c, banner, ATTACH_MS) != 0)
		fail_msg("%s: no banner; the pty said: %s", a->model, c->buf);
}

/* escape at once: a console that attached ends with 0, nothing left */
static void
leave_at_once(struct console *c, const struct console_account *a)
{
	int status;

	if (console_finish(c, "\x1d", 1, true, ATTACH_MS, &status) != 0)
		fail_msg("%s: ^] did not end it; the pty said: %s", a->model,
		    c->buf);
	if (status != 0)
		fail_msg("%s: exit %d; the pty said: %s", a->model, status,
		    c->buf);
	assert_true(vmgate_gone_within(0));
}

/*
 * console on sshd's pty: banner, the guest's output after a reset done
 * from a second session, ^] in mid-chunk ends it with 0, nothing left.
 */
static void
test_console_through_sshd_pty(void **state)
{
	struct exec_result *r = malloc(sizeof(*r));
	struct console *c;
	char cmd[128], want[128];
	long long t0;
	size_t i;
	int status;

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < N_CONSOLE_ACCOUNTS; i++) {
		const struct console_account *a = &console_accounts[i];

		c = console_open(a);
		expect_banner(c, a);
		/* the counter sees the console it must later see gone */
		assert_true(vmgate_procs() >= 1);
		/* only what arrives from now on answers the reset */
		c->seen = c->len;
		snprintf(cmd, sizeof(cmd), "reset %s", a->guest);
		login_exec(a->user, a->key, cmd, r);
		snprintf(want, sizeof(want), "%s: reset\n", a->guest);
		if (r->status != 0 || strcmp(r->out, want) != 0)
			fail_msg("%s: reset: exit %d: %s%s", a->model,
			    r->status, r->out, r->err);
		if (console_expect(c, "SeaBIOS", SEABIOS_MS) != 0)
			fail_msg("%s: no SeaBIOS after reset; the pty said: %s",
			    a->model, c->buf);
		t0 = e2e_now_ms();
		if (console_finish(c, "abc\x1dxyz", 7, false, QUICK_MS,
		    &status) != 0)
			fail_msg("%s: ^] in mid-chunk did not end it: %s",
			    a->model, c->buf + c->seen);
		assert_true(e2e_now_ms() - t0 < QUICK_MS);
		if (status != 0)
			fail_msg("%s: exit %d, want 0: %s", a->model, status,
			    c->buf + c->seen);
		/* the exit status comes once sshd has reaped it */
		assert_int_equal(vmgate_procs(), 0);
		console_free(c);
		assert_true(e2e_domain_running(a->guest));
	}
	free(r);
}

/* without a pty (ssh without -t) the console refuses */
static void
test_console_without_pty_refused(void **state)
{
	struct exec_result *r = malloc(sizeof(*r));
	char cmd[128];
	size_t i;

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < N_CONSOLE_ACCOUNTS; i++) {
		const struct console_account *a = &console_accounts[i];

		snprintf(cmd, sizeof(cmd), "console %s", a->guest);
		login_exec(a->user, a->key, cmd, r);
		if (r->status != 64)
			fail_msg("%s: exit %d, want 64: %s", a->model,
			    r->status, r->err);
		assert_string_equal(r->err, NO_TTY_MSG);
		assert_string_equal(r->out, "");
		assert_int_equal(vmgate_procs(), 0);
	}
	free(r);
}

/*
 * The client goes away while the console runs: vmgate ends within
 * GONE_MS and the console is free again (no --force needed).
 */
enum console_loss { LOSS_CHANNEL, LOSS_DISCONNECT, LOSS_DROP };

static const struct {
	const char *name;
	enum console_loss how;
} console_losses[] = {
	{ "channel closed", LOSS_CHANNEL },
	{ "session disconnected", LOSS_DISCONNECT },
	{ "connection dropped", LOSS_DROP },
};

static void
lose_console(struct console *c, enum console_loss how)
{
	switch (how) {
	case LOSS_CHANNEL:
		/* the session stays; only the console's channel closes */
		ssh_channel_close(c->ch);
		ssh_channel_free(c->ch);
		c->ch = NULL;
		break;
	case LOSS_DISCONNECT:
		disconnect(c->s);	/* frees the channel with it */
		c->ch = NULL;
		c->s = NULL;
		break;
	case LOSS_DROP:
		/* no goodbye at all: the TCP connection just ends */
		shutdown(ssh_get_fd(c->s), SHUT_RDWR);
		ssh_free(c->s);
		c->ch = NULL;
		c->s = NULL;
		break;
	}
}

static void
test_console_session_lost(void **state)
{
	struct console *c;
	size_t i, j;

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < N_CONSOLE_ACCOUNTS; i++) {
		const struct console_account *a = &console_accounts[i];

		for (j = 0; j < sizeof(console_losses) /
		    sizeof(console_losses[0]); j++) {
			c = console_open(a);
			expect_banner(c, a);
			assert_true(vmgate_procs() >= 1);
			lose_console(c, console_losses[j].how);
			if (!vmgate_gone_within(GONE_MS))
				fail_msg("%s, %s: vmgate still runs after "
				    "%d ms", a->model, console_losses[j].name,
				    GONE_MS);
			console_free(c);
			/* the stream was aborted: a new console attaches */
			c = console_open(a);
			expect_banner(c, a);
			leave_at_once(c, a);
			console_free(c);
		}
		assert_true(e2e_domain_running(a->guest));
	}
}

/* last: disabling B in the config refuses B's next login at once */
static void
test_disabled_tenant_refused(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	assert_false(login_refused(USER_B, "key-b"));
	assert_int_equal(write_config(true), 0);
	assert_true(login_refused(USER_B, "key-b"));
	assert_true(login_refused(USER_SVC, "key-b"));
	assert_false(login_refused(USER_A, "key-a"));
	assert_int_equal(write_config(false), 0);
	assert_false(login_refused(USER_B, "key-b"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenants_list_and_status),
		cmocka_unit_test(test_whoami_names_the_key),
		cmocka_unit_test(test_wrong_keys_refused),
		cmocka_unit_test(test_injection_runs_nothing),
		cmocka_unit_test(test_forwarding_limited),
		cmocka_unit_test(test_audit_passes),
		cmocka_unit_test(test_console_through_sshd_pty),
		cmocka_unit_test(test_console_without_pty_refused),
		cmocka_unit_test(test_console_session_lost),
		cmocka_unit_test(test_disabled_tenant_refused),
	};

	/* E2E_FILTER=test_console_session_lost runs only the matching tests */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
