/*
 * test_limit: one tenant cannot take the host down. A private sshd on
 * 127.0.0.1:2300 in the shared-account model (one account, lim-svc, for
 * both tenants), the real OpenSSH client, guests lim-a (tenant limalice)
 * and lim-b (tenant limbob) on libvirtd, max_sessions = 4:
 *
 * - limalice opens held "spice lim-a" sessions until refused: exactly 4
 *   succeed, the fifth gets exit 75 with the documented message and is
 *   audited result=limited; limbob's status is answered meanwhile;
 * - a held session has no socket at all (so none to libvirtd) and is the
 *   small "vmgate spice-hold" program;
 * - limalice's first held session runs at the priority sshd started it
 *   with, every further one at the lower SESSION_EXTRA_NICE;
 * - kill -9 of one held session gives its slot back at once;
 * - audit reports a tenant without a limit, and limits that add up to
 *   more than libvirtd's max_clients, and the service account's session
 *   directory made by another account (its requests then go uncounted)
 *   until root removes it;
 * - the suites' account removal takes the account's slot directory along.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "vmgate/session.h"	/* SESSION_EXTRA_NICE, its autogroup */

#define SSHD_PORT	2300
#define LIMIT		4
#define LIMIT_S		"4"
#define GUEST_A		"lim-a"
#define GUEST_B		"lim-b"
#define PORT_A		5915
#define PORT_B		5916
#define TENANT_A	"limalice"
#define TENANT_B	"limbob"
#define SVC_USER	"lim-svc"
#define GONE_USER	"lim-gone"	/* an account made and removed */
#define SQUATTER_UID	65534		/* nobody: another local account */
#define LIBEXEC		"/usr/local/libexec/vmgate-lim"
#define VMGATE		LIBEXEC "/vmgate"
#define SSH		"/usr/bin/ssh"
#define START_MS	10000
#define TICKET_MS	20000	/* a held session prints its ticket */
#define REQUEST_MS	20000
#define GONE_MS		5000
#define LOCK_MS		600000
#define HUNG_TIMEOUT_S	"30"	/* libvirt_timeout of the hung-machine test */
#define HUNG_WAIT_MS	60000	/* its reset ends within this */
#define LIMITED_MSG	"vmgate: too many sessions at once for " TENANT_A \
			" (" LIMIT_S "): close one and retry\n"

static char *work;
static pid_t sshd_pid = -1;
static pid_t clients[LIMIT * 2];	/* held sessions' ssh, ended at the end */
static size_t nclients;
static int lock_fd = -1;
static bool ready;
static pid_t stopped_qemu = -1;	/* a guest's QEMU under SIGSTOP */
static pid_t hung_reset = -1;	/* the ssh of the hung-machine test */

/* one held session: ssh with its stdin held open */
struct held {
	pid_t ssh;
	int stdin_w;		/* closing it ends the session */
	int out_r;
};

static char *
path_of(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", work, name) < 0)
		abort();
	return p;
}

static int
write_text(const char *name, const char *text, mode_t mode)
{
	char *p = e2e_write_file(work, name, text, mode);

	free(p);
	return p == NULL;
}

/* vmgate.ini with max_sessions = limit and more [vmgate] lines */
static int
write_ini(const char *limit, const char *more)
{
	char *text = NULL;
	int r;

	if (asprintf(&text,
	    "[vmgate]\nuri = " E2E_URI "\nkeys = %s/keys\n"
	    "service_user = " SVC_USER "\naudit_log = %s/audit.log\n"
	    "max_sessions = %s\n%s"
	    "[tenant " TENANT_A "]\ndomains = " GUEST_A "\n"
	    "[tenant " TENANT_B "]\ndomains = " GUEST_B "\n"
	    "[domain " GUEST_A "]\nspice = 127.0.0.1:%d\n"
	    "[domain " GUEST_B "]\nspice = 127.0.0.1:%d\n",
	    work, work, limit, more, PORT_A, PORT_B) < 0)
		abort();
	r = write_text("vmgate.ini", text, 0644);
	free(text);
	return r;
}

static int
write_files(void)
{
	char *text = NULL;
	int r = 0;

	r |= write_ini(LIMIT_S, "");
	r |= e2e_gate_sshd_config(work, SSHD_PORT, VMGATE, SVC_USER,
	    "MaxSessions 20\nMaxStartups 50\n");
	/* the tenants' side: one host name per key */
	if (asprintf(&text,
	    "Host vmhost vmhost-bob\n"
	    "  HostName 127.0.0.1\n  Port %d\n  User " SVC_USER "\n"
	    "  IdentitiesOnly yes\n  BatchMode yes\n"
	    "  UserKnownHostsFile %s/known_hosts\n"
	    "  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n"
	    "Host vmhost\n  IdentityFile %s/alice\n"
	    "Host vmhost-bob\n  IdentityFile %s/bob\n",
	    SSHD_PORT, work, work, work) < 0)
		abort();
	r |= write_text("ssh_config", text, 0644);
	free(text);
	return r ? -1 : 0;
}

/* ssh -F CONFIG HOST REQUEST... to the end, stdin at EOF */
static void
ssh_request(const char *host, const char *request, struct e2e_result *res)
{
	char *cfg = path_of("ssh_config");
	const char *const argv[] = { SSH, "-F", cfg, host, request, NULL };
	const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

	assert_int_equal(e2e_run(argv, envp, NULL, REQUEST_MS, res), 0);
	free(cfg);
}

static int
setup(void **state)
{
	char keys[512];

	(void)state;
	if (!e2e_need_root("test_limit"))
		return 0;
	if ((lock_fd = e2e_lock("sshd-2300", LOCK_MS)) < 0)
		return -1;
	if ((work = e2e_tmpdir("limit")) == NULL || chmod(work, 0755) != 0)
		return -1;
	snprintf(keys, sizeof(keys), "%s/keys", work);
	if (e2e_sh("mkdir -m 0755 %s/keys", work) != 0)
		return -1;
	if (e2e_stack_up() != 0 || e2e_guest(GUEST_A, PORT_A) != 0 ||
	    e2e_guest(GUEST_B, PORT_B) != 0)
		return -1;
	if (e2e_install_vmgate(VMGATE) != 0)
		return -1;
	if (e2e_tenant_key(work, "alice", keys, TENANT_A ".pub") != 0 ||
	    e2e_tenant_key(work, "bob", keys, TENANT_B ".pub") != 0 ||
	    e2e_keygen(work, "hostkey") != 0)
		return -1;
	if (write_files() != 0)
		return -1;
	if (e2e_account_add(SVC_USER, "libvirt") != 0 ||
	    e2e_sh("install -m 0600 -o " SVC_USER " /dev/null %s/audit.log",
	    work) != 0)
		return -1;
	mkdir("/run/sshd", 0755);
	signal(SIGPIPE, SIG_IGN);
	if ((sshd_pid = e2e_gate_sshd_start(work, "vmhost-bob",
	    START_MS)) < 0) {
		fprintf(stderr, "test_limit: sshd did not start\n");
		return -1;
	}
	ready = true;
	return 0;
}

/* the service account's session directory when test_squatted_uid_dir
 * failed with it still nobody's (e2e_account_del leaves another's) */
static void
squat_del(void)
{
	const struct passwd *pw = getpwnam(SVC_USER);
	char path[64];
	struct stat st;

	if (pw == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%lu", SESSION_DIR,
	    (unsigned long)pw->pw_uid);
	if (lstat(path, &st) == 0 && st.st_uid == SQUATTER_UID)
		e2e_sh("rm -r %s", path);
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	if (geteuid() != 0)
		return 0;
	/* a failed hung-machine test: its machine runs on, its ssh ends */
	if (stopped_qemu > 0)
		kill(stopped_qemu, SIGCONT);
	e2e_stop(&hung_reset);
	e2e_stop(&sshd_pid);
	/* a failed test's sessions: their ssh, then the server side ends */
	for (i = 0; i < nclients; i++)
		e2e_stop(&clients[i]);
	e2e_sh("i=0; while pgrep -u " SVC_USER " >/dev/null && [ $i -lt 50 ]; "
	    "do sleep 0.1; i=$((i + 1)); done");
	squat_del();
	e2e_account_del(SVC_USER);
	e2e_rmguest(GUEST_A);
	e2e_rmguest(GUEST_B);
	e2e_sh("rm -rf " LIBEXEC);
	e2e_rmtree(work);
	free(work);
	e2e_unlock(lock_fd);
	return 0;
}

/* ---- held sessions ---- */

/* ssh vmhost spice lim-a, stdin held: true once its ticket is printed */
static bool
hold_open(struct held *h)
{
	char *cfg = path_of("ssh_config");
	const char *const argv[] = { SSH, "-F", cfg, "vmhost",
	    "spice " GUEST_A, NULL };
	const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	char buf[4096];
	size_t len = 0;
	long long end = e2e_now_ms() + TICKET_MS;
	int in[2], out[2];
	struct pollfd p;
	ssize_t n;

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	h->ssh = e2e_spawn(argv, envp, in[0], out[1], -1);
	if (nclients < sizeof(clients) / sizeof(clients[0]))
		clients[nclients++] = h->ssh;
	close(in[0]);
	close(out[1]);
	h->stdin_w = in[1];
	h->out_r = out[0];
	free(cfg);
	p.fd = h->out_r;
	p.events = POLLIN;
	while (len < sizeof(buf) - 1 && e2e_now_ms() < end) {
		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((n = read(h->out_r, buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\nviewer:") != NULL)
			return true;
	}
	return false;
}

static void
hold_close(struct held *h)
{
	size_t i;

	if (h->stdin_w >= 0)
		close(h->stdin_w);
	h->stdin_w = -1;
	/* reaped: never signalled again (its pid may be reused) */
	for (i = 0; i < nclients; i++) {
		if (clients[i] == h->ssh)
			clients[i] = -1;
	}
	if (e2e_wait_exit(h->ssh, GONE_MS) < 0)
		e2e_stop(&h->ssh);
	if (h->out_r >= 0)
		close(h->out_r);
	h->out_r = -1;
}

/* the pids of the service account's "vmgate spice-hold" processes */
static size_t
held_vmgates(pid_t *pids, size_t max)
{
	struct passwd *pw = getpwnam(SVC_USER);
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(pw);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], cmd[256];
		struct stat st;
		size_t len;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s", e->d_name);
		if (stat(path, &st) != 0 || st.st_uid != pw->pw_uid)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		cmd[len] = '\0';
		/* argv is "vmgate\0spice-hold\0FD" */
		if (strcmp(cmd, "vmgate") == 0 && len > 7 &&
		    strcmp(cmd + 7, "spice-hold") == 0 && n < max)
			pids[n++] = (pid_t)atoi(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* held_vmgates once there are want of them (the ticket is printed
 * before the session starts the small program), or after GONE_MS */
static size_t
held_vmgates_wait(pid_t *pids, size_t max, size_t want)
{
	long long end = e2e_now_ms() + GONE_MS;
	size_t n;

	while ((n = held_vmgates(pids, max)) != want && e2e_now_ms() < end)
		usleep(20000);
	return n;
}

/* how many of pid's fds are sockets (a libvirtd connection is one) */
static int
sockets_of(pid_t pid)
{
	char path[64], link[340], target[128];
	DIR *d;
	struct dirent *e;
	int n = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n += strncmp(target, "socket:", 7) == 0;
		}
	}
	closedir(d);
	return n;
}

/* pid's nice value: field 19 of /proc/PID/stat (-100: not read) */
static int
nice_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	int field, nice = -100;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return nice;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* field 2, the command, may hold spaces: count from its ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return nice;
	for (field = 2; field < 19 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		nice = atoi(p + 1);
	return nice;
}

/*
 * How many of the held sessions run at nice first, the others all at
 * extra; -1 when one runs at anything else.
 */
static int
held_at_first(const pid_t *pids, size_t n, int first, int extra)
{
	int at_first = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int nice = nice_of(pids[i]);

		if (nice == first)
			at_first++;
		else if (nice != extra) {
			print_error("held session %d at nice %d\n",
			    (int)pids[i], nice);
			return -1;
		}
	}
	return at_first;
}

/* a unix socket of libvirtd's, as /proc/net/unix lists it */
static bool
libvirtd_listens(void)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];
	bool found = false;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		found = found || strstr(line, "/run/libvirt/libvirt-sock") !=
		    NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

/* ---- the tests ---- */

/*
 * Exactly LIMIT held sessions; the next is refused (75, the message,
 * audited); the other tenant is served meanwhile; the held sessions keep
 * no socket; kill -9 of one frees its slot at once.
 */
static void
test_limit_through_sshd(void **state)
{
	struct held h[LIMIT + 1];
	struct e2e_result res;
	pid_t pids[LIMIT * 2], first;
	char *log;
	size_t i, n;
	int ours, extra;

	(void)state;
	if (!ready)
		skip();
	/* sshd, and so each session, starts at our priority */
	errno = 0;
	ours = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	assert_true(ours < SESSION_EXTRA_NICE);	/* else nothing to see */
	extra = SESSION_EXTRA_NICE;
	for (i = 0; i < LIMIT; i++) {
		if (!hold_open(&h[i]))
			fail_msg("held session %zu did not get its ticket", i + 1);
		/* the first keeps its priority, the second yields */
		if (i == 0) {
			assert_int_equal(held_vmgates_wait(pids, LIMIT * 2, 1),
			    1);
			first = pids[0];
			assert_int_equal(nice_of(first), ours);
			/* a session of its own, its group left as it began */
			if (session_autogroup_nice(first) != -1)
				assert_int_equal(session_autogroup_nice(first), 0);
		} else if (i == 1) {
			pid_t second;

			assert_int_equal(held_vmgates_wait(pids, LIMIT * 2, 2),
			    2);
			second = pids[pids[0] == first];
			assert_int_equal(nice_of(second), extra);
			/* and the session's group yields with it */
			if (session_autogroup_nice(second) != -1)
				assert_int_equal(session_autogroup_nice(second),
				    extra);
		}
	}
	ssh_request("vmhost", "spice " GUEST_A " --no-wait", &res);
	assert_int_equal(res.status, 75);
	assert_string_equal(res.err, LIMITED_MSG);
	assert_string_equal(res.out, "");
	e2e_result_free(&res);
	/* a request that is not a held session counts the same */
	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 75);
	e2e_result_free(&res);
	log = path_of("audit.log");
	assert_int_equal(e2e_sh("grep -q 'tenant=" TENANT_A " .*verb=spice "
	    "domain=" GUEST_A " result=limited' %s", log), 0);
	free(log);

	/* the other tenant is served meanwhile */
	ssh_request("vmhost-bob", "status " GUEST_B, &res);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.out, "state: running\n"));
	e2e_result_free(&res);

	/* the held ones: the small program, no socket (libvirtd's is up) */
	n = held_vmgates_wait(pids, LIMIT * 2, LIMIT);
	assert_int_equal(n, LIMIT);
	assert_true(libvirtd_listens());
	for (i = 0; i < n; i++)
		assert_int_equal(sockets_of(pids[i]), 0);
	/* only the first (slot 0) at sshd's priority, the rest lower */
	assert_int_equal(nice_of(first), ours);
	assert_int_equal(held_at_first(pids, n, ours, extra), 1);

	/* kill -9 of one: its slot is free for the next request at once */
	assert_int_equal(kill(pids[0], SIGKILL), 0);
	for (i = 0; i < 50 && kill(pids[0], 0) == 0; i++)
		usleep(20000);
	assert_true(hold_open(&h[LIMIT]));
	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 75);
	e2e_result_free(&res);
	/* the new one took the freed slot: still one first, the rest lower */
	n = held_vmgates_wait(pids, LIMIT * 2, LIMIT);
	assert_int_equal(n, LIMIT);
	assert_int_equal(held_at_first(pids, n, ours, extra), 1);

	for (i = 0; i <= LIMIT; i++)
		hold_close(&h[i]);
	/* every slot is back once the sessions ended */
	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 0);
	e2e_result_free(&res);
}

/* ---- a machine that stopped answering ---- */

/* the pid of name's QEMU, from libvirt's pid file */
static pid_t
qemu_pid(const char *name)
{
	char path[256];
	long pid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	return (pid_t)pid;
}

/* tenant A's slot 0 is held by some process: its lock is taken */
static bool
slot0_held(void)
{
	struct passwd *pw = getpwnam(SVC_USER);
	char path[512];
	bool held;
	int fd;

	assert_non_null(pw);
	snprintf(path, sizeof(path), "/run/vmgate/sessions/%lu/" TENANT_A
	    "/0", (unsigned long)pw->pw_uid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);	/* a lock taken here ends with it */
	return held;
}

/*
 * A QEMU that no longer answers its monitor (SIGSTOP) keeps `reset`
 * inside libvirt with no end of its own. With libvirt_timeout = 30 the
 * request ends anyway: exit 69, the tenant's line, an audit line; and its
 * slot is the tenant's again. With max_sessions = 1, a request made while
 * the reset waits is refused (75); one made after it ended is served.
 */
static void
test_hung_machine_gives_its_slot_back(void **state)
{
	char *cfg = path_of("ssh_config"), *errf = path_of("reset.err");
	char *log = path_of("audit.log"), *text;
	const char *const argv[] = { SSH, "-F", cfg, "vmhost",
	    "reset " GUEST_A, NULL };
	const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct e2e_result res;
	pid_t qemu;
	int fd, i, status;

	(void)state;
	if (!ready)
		skip();
	assert_int_equal(write_ini("1", "libvirt_timeout = "
	    HUNG_TIMEOUT_S "\n"), 0);
	assert_true((qemu = qemu_pid(GUEST_A)) > 0);
	assert_int_equal(kill(qemu, SIGSTOP), 0);
	stopped_qemu = qemu;

	fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	hung_reset = e2e_spawn(argv, envp, -1, -1, fd);
	close(fd);
	assert_true(hung_reset > 0);
	for (i = 0; i < 500 && !slot0_held(); i++)
		usleep(20000);
	assert_true(slot0_held());
	/* the reset holds the tenant's one slot while libvirt keeps it */
	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 75);
	e2e_result_free(&res);

	status = e2e_wait_exit(hung_reset, HUNG_WAIT_MS);
	/* whatever happened, the machine runs on before anything is checked */
	assert_int_equal(kill(qemu, SIGCONT), 0);
	stopped_qemu = -1;
	if (status < 0)
		fail_msg("reset of a hung machine still waits after %d ms",
		    HUNG_WAIT_MS);
	hung_reset = -1;	/* reaped */
	assert_int_equal(status, 69);
	text = e2e_read_file(errf);
	assert_non_null(text);
	assert_string_equal(text, "vmgate: cannot reach the hypervisor\n");
	free(text);
	assert_int_equal(e2e_sh("grep -q 'tenant=" TENANT_A " .*verb=reset "
	    "domain=" GUEST_A " result=error .*detail=\"no answer from "
	    "libvirt within " HUNG_TIMEOUT_S "s\"' %s", log), 0);

	/* the slot is free again: the next request is served */
	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.out, "state: running\n"));
	e2e_result_free(&res);
	assert_int_equal(write_ini(LIMIT_S, ""), 0);
	free(cfg);
	free(errf);
	free(log);
}

/* vmgate audit (root) of limalice's limit of 4 and then extra, an ini
 * of its own */
static void
audit_with(const char *extra, struct e2e_result *res)
{
	char *text = NULL, *ini = path_of("audit.ini");
	char *sshd = path_of("sshd_config");
	const char *const argv[] = { E2E_VMGATE, "-f", ini, "audit",
	    "--sshd-config", sshd, NULL };

	if (asprintf(&text, "[vmgate]\nkeys = %s/keys\nmax_sessions = "
	    LIMIT_S "\n[tenant " TENANT_A "]\ndomains = " GUEST_A "\n%s",
	    work, extra) < 0)
		abort();
	assert_int_equal(write_text("audit.ini", text, 0644), 0);
	assert_int_equal(e2e_run(argv, NULL, NULL, REQUEST_MS, res), 0);
	free(text);
	free(ini);
	free(sshd);
}

/* audit: a tenant without a limit, and limits beyond max_clients */
static void
test_audit_limits(void **state)
{
	static const char *const finding[] = {
		"tenant limzero: no session limit",
		"sessions: the tenants' max_sessions add up to 10004, more "
		    "than libvirtd's max_clients",
	};
	static const char *const configs[] = {
		"[tenant limzero]\nmax_sessions = 0\n",
		"[tenant limbig]\nmax_sessions = 10000\n",
	};
	struct e2e_result res;
	size_t i;

	(void)state;
	if (!ready)
		skip();
	/* the test's own limits add up to 4: no such finding */
	audit_with("", &res);
	assert_null(strstr(res.out, "session limit"));
	assert_null(strstr(res.out, "max_clients"));
	e2e_result_free(&res);
	for (i = 0; i < 2; i++) {
		audit_with(configs[i], &res);
		assert_int_equal(res.status, 1);
		if (strstr(res.out, finding[i]) == NULL)
			fail_msg("no '%s' in:\n%s", finding[i], res.out);
		e2e_result_free(&res);
	}
}

/*
 * The session directory is writable by every local account, so one can
 * make the service account's UID directory before it does (after a
 * reboot, say). Its requests are then served uncounted; vmgate audit
 * names the directory and its account; root removes it as the finding
 * says, and the account counts again in a directory of its own.
 */
static void
test_squatted_uid_dir(void **state)
{
	char path[64], want[512];
	struct e2e_result res;
	struct passwd *pw;
	struct stat st;
	uid_t uid;

	(void)state;
	if (!ready)
		skip();
	assert_non_null(pw = getpwnam(SVC_USER));
	uid = pw->pw_uid;
	snprintf(path, sizeof(path), "%s/%lu", SESSION_DIR,
	    (unsigned long)uid);
	assert_int_equal(e2e_sh("rm -rf %s", path), 0);
	/* nobody's, as if that account had made it first */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, SQUATTER_UID, SQUATTER_UID), 0);

	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 0);
	e2e_result_free(&res);
	assert_int_equal(e2e_sh("tail -n 1 %s/audit.log | grep -q "
	    "'verb=status .*session limit not counted: %lu: not the "
	    "account'\\''s own directory'", work, (unsigned long)uid), 0);

	audit_with("", &res);
	assert_int_equal(res.status, 1);
	snprintf(want, sizeof(want), "sessions: %s is not " SVC_USER "'s own "
	    "directory (owner nobody, mode 0700): its requests are not "
	    "counted against max_sessions; as root: rm -r %s\n", path, path);
	if (strstr(res.out, want) == NULL)
		fail_msg("no '%s' in:\n%s", want, res.out);
	e2e_result_free(&res);

	/* the command the finding gives */
	assert_int_equal(e2e_sh("rm -r %s", path), 0);
	ssh_request("vmhost", "status " GUEST_A, &res);
	assert_int_equal(res.status, 0);
	e2e_result_free(&res);
	assert_int_equal(e2e_sh("tail -n 1 %s/audit.log | grep 'verb=status' "
	    "| grep -vq 'session limit'", work), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, uid);
	audit_with("", &res);
	assert_null(strstr(res.out, path));
	e2e_result_free(&res);
}

/*
 * An account removed by the suites' helper takes its session directory
 * along: an account given its uid later starts with no slots of another's.
 */
static void
test_account_del_takes_its_slots(void **state)
{
	char path[512], why[256];
	struct passwd *pw;
	struct stat st;
	unsigned slot;
	uid_t uid;
	pid_t pid;
	int fd, status;

	(void)state;
	if (!ready)
		skip();
	assert_int_equal(e2e_account_add(GONE_USER, "libvirt"), 0);
	assert_non_null(pw = getpwnam(GONE_USER));
	uid = pw->pw_uid;
	/* a request of the account's: its own directory, a slot in it */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(pw->pw_gid) != 0 || setuid(uid) != 0)
			_exit(2);
		_exit(session_take(SESSION_DIR, TENANT_A, 1, &fd, &slot, why,
		    sizeof(why)) == SESSION_TAKEN ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(path, sizeof(path), "%s/%lu", SESSION_DIR,
	    (unsigned long)uid);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, uid);

	e2e_account_del(GONE_USER);
	assert_null(getpwnam(GONE_USER));
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_through_sshd),
		cmocka_unit_test(test_hung_machine_gives_its_slot_back),
		cmocka_unit_test(test_audit_limits),
		cmocka_unit_test(test_squatted_uid_dir),
		cmocka_unit_test(test_account_del_takes_its_slots),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
