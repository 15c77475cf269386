/*
 * test_outage: vmgate when what it depends on fails or is crowded, end to
 * end on the shared stack (tests/e2e/stack.sh): libvirtd stopped, libvirtd
 * restarting, a machine vanishing between requests, an audit log that
 * cannot be written, the config replaced or half-written while vmgate
 * runs, and 100 requests at once against one libvirtd, also with
 * libvirtd held at a client limit below that. The real
 * build/vmgate runs as root with --tenant, as sshd's command= runs it;
 * what counts is what the tenant sees (exit code, stdout, stderr), the
 * audit log, and the machines' state as libvirt reports it.
 *
 * A machine vanishing under an open console (exit 0, "machine stopped")
 * is test_console's test_console_transient_destroyed; not repeated here.
 *
 * The tests that stop libvirtd stop only the daemon stack.sh started (its
 * pid under /run/vmgate-e2e), only while no other end-to-end suite runs,
 * and start it again (stack.sh up) in their teardown, pass or fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "vmgate/hypervisor.h"	/* HV_CONNECT_TIMEOUT_MS */

#include "e2e.h"

#define SUITE		"test_outage"
#define VM		"out-web1"	/* out-alice's machine */
#define VM_PORT		5960
#define VM_GONE		"out-web2"	/* out-carol's, transient */
#define VM_GONE_PORT	5961
#define ALICE		"out-alice"
#define CAROL		"out-carol"

#define STACK_RUN	"/run/vmgate-e2e"
#define STACK_PIDFILE	STACK_RUN "/libvirtd.pid"
#define STACK_CONF	STACK_RUN "/libvirtd.conf"
#define LIBVIRTD_PIDFILE "/run/libvirtd.pid"
#define VIRT_ADMIN	"/usr/bin/virt-admin"
#define ADMIN_SERVER	"libvirtd"	/* the RPC server of tenants' clients */
/* the fewest clients libvirtd takes: max_anonymous_clients' default */
#define LIMITED_CLIENTS	20

#define UNREACHABLE_MARGIN_MS 2000	/* exit 69 this long after the retries */
#define RESTART_AFTER_MS 1000		/* libvirtd down this long, then started */
#define DAEMON_STOP_MS	15000		/* libvirtd gone after SIGTERM */
#define OTHERS_WAIT_MS	600000		/* other suites to finish first */
#define LOCK_MS		600000		/* another run of this suite */
#define HOLD_MS		500		/* spice still holding after the swap */
#define OUTPUT_MS	10000		/* spice prints its ticket */
#define POLL_MS		20
#define LOAD_N		100		/* requests at once */
#define LOAD_MS		60000		/* all of them answered */

#define SYSLOG_PATH	"/dev/log"
#define SYSLOG_MAX	2048		/* one datagram */

#define STATUS_HEAD	"name: " VM "\nstate: running\n"
#define UNREACHABLE_MSG	"vmgate: cannot reach the hypervisor\n"
#define DENIED_MSG	"vmgate: access denied\n"

static char *tmp;
static char *cfg;		/* tmp/vmgate.ini */
static char *audit;		/* tmp/audit.log */
static int lock_fd = -1;
static int saved_max_clients = -1;	/* to restore after the limit test */
static pid_t starter = -1;	/* restarts libvirtd behind a request */
static int syslog_fd = -1;	/* our stand-in at /dev/log, when we made one */

/*
 * out-alice may only look and get SPICE tickets: a config that lost its
 * allow line would let her power the machine off, which the truncation
 * test looks for. No session limit: the 100 requests at once load
 * libvirtd, not vmgate's limit (test_limit's).
 */
static const char config_text[] =
	"[vmgate]\n"
	"uri = qemu:///system\n"
	"keys = %s/keys\n"
	"max_sessions = 0\n"
	"%s"				/* "audit_log = PATH\n" or nothing */
	"\n"
	"[tenant out-alice]\n"
	"domains = out-web1\n"
	"allow = status spice\n"
	"\n"
	"[tenant out-carol]\n"
	"domains = out-web2\n";

/* the same host after out-alice was removed */
static const char config_without_alice[] =
	"[vmgate]\n"
	"uri = qemu:///system\n"
	"keys = %s/keys\n"
	"max_sessions = 0\n"
	"%s"
	"\n"
	"[tenant out-carol]\n"
	"domains = out-web2\n";

enum config_kind { CFG_USUAL, CFG_WITHOUT_ALICE };

/* the config text with audit_log = log (NULL: none); malloc'd */
static char *
config_for(enum config_kind kind, const char *log)
{
	char *line = NULL, *text = NULL;
	const char *l;
	int n;

	if (log != NULL)
		assert_true(asprintf(&line, "audit_log = %s\n", log) > 0);
	l = line != NULL ? line : "";
	if (kind == CFG_USUAL)
		n = asprintf(&text, config_text, tmp, l);
	else
		n = asprintf(&text, config_without_alice, tmp, l);
	assert_true(n > 0);
	free(line);
	return text;
}

static void
write_config(enum config_kind kind, const char *log)
{
	char *text = config_for(kind, log);
	char *path = e2e_write_file(tmp, "vmgate.ini", text, 0600);

	assert_non_null(path);
	free(path);
	free(text);
}

static void
skip_unless_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void
loud_skip(const char *why)
{
	fprintf(stderr, "\n%s: ****************************************\n"
	    "%s: SKIPPED: %s\n"
	    "%s: ****************************************\n\n",
	    SUITE, SUITE, why, SUITE);
	skip();
}

/* whole file, NUL-terminated; "" when it cannot be read */
static char *
slurp_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		for (;;) {
			if (len + 4096 + 1 > cap) {
				cap = cap ? cap * 2 : 8192;
				assert_non_null(buf = realloc(buf, cap));
			}
			if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
				break;
			len += (size_t)n;
		}
		close(fd);
	}
	if (buf == NULL)
		assert_non_null(buf = calloc(1, 1));
	buf[len] = '\0';
	return buf;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* vmgate's environment as sshd's command= gives it */
struct env {
	char request[256];
	const char *vec[3];
};

static void
env_for(struct env *e, const char *request)
{
	snprintf(e->request, sizeof(e->request), "SSH_ORIGINAL_COMMAND=%s",
	    request);
	e->vec[0] = e->request;
	e->vec[1] = "TERM=xterm";
	e->vec[2] = NULL;
}

static void
vmgate_run(const char *tenant, const char *request, struct e2e_result *r)
{
	const char *const argv[] = {
		E2E_VMGATE, "-f", cfg, "--tenant", tenant, NULL
	};
	struct env e;

	env_for(&e, request);
	if (e2e_run(argv, e.vec, NULL, E2E_TIMEOUT_MS, r) != 0)
		fail_msg("%s: still running after %d ms", request,
		    E2E_TIMEOUT_MS);
}

/*
 * vmgate in the background, stdout and stderr to files, stdin a pipe we
 * hold (want_stdin) or /dev/null. With barrier >= 0 it waits until that
 * pipe's write end closes, so many start at the same instant.
 */
struct proc {
	pid_t pid;		/* -1 once reaped */
	int status;		/* as e2e_result's, once reaped */
	int in;			/* our end of its stdin, or -1 */
	char out[300];
	char err[300];
};

static void
proc_spawn(struct proc *p, const char *tenant, const char *request,
    bool want_stdin, int barrier, int barrier_w, const char *dir, int idx)
{
	const char *const argv[] = {
		E2E_VMGATE, "-f", cfg, "--tenant", tenant, NULL
	};
	int inp[2] = { -1, -1 };
	struct env e;
	char c;
	int sig;

	env_for(&e, request);
	memset(p, 0, sizeof(*p));
	p->status = -1;
	p->in = -1;
	snprintf(p->out, sizeof(p->out), "%s/%d.out", dir, idx);
	snprintf(p->err, sizeof(p->err), "%s/%d.err", dir, idx);
	if (want_stdin)
		assert_int_equal(pipe2(inp, O_CLOEXEC), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		int in, out, err;

		for (sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		setsid();
		if (barrier_w >= 0)
			close(barrier_w);
		if (barrier >= 0)
			while (read(barrier, &c, 1) < 0 && errno == EINTR)
				;
		in = want_stdin ? inp[0] : open("/dev/null", O_RDONLY);
		out = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		err = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || err < 0)
			_exit(127);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execve(argv[0], (char *const *)argv, (char *const *)e.vec);
		_exit(127);
	}
	if (want_stdin) {
		close(inp[0]);
		p->in = inp[1];
	}
}

static int
decode(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : -1;
}

/* reap if it has exited: true once it has */
static bool
proc_done(struct proc *p)
{
	int wstatus;

	if (p->pid < 0)
		return true;
	if (waitpid(p->pid, &wstatus, WNOHANG) != p->pid)
		return false;
	p->status = decode(wstatus);
	p->pid = -1;
	return true;
}

/* kill and reap if still running; close its stdin */
static void
proc_end(struct proc *p)
{
	int wstatus;

	if (p->in >= 0)
		close(p->in);
	p->in = -1;
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &wstatus, 0);
		p->status = decode(wstatus);
		p->pid = -1;
	}
}

/* wait until path holds text: 0, or -1 when p exits or time runs out */
static int
wait_output(struct proc *p, const char *path, const char *text,
    int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	char *got;
	bool found;

	for (;;) {
		got = slurp_file(path);
		found = strstr(got, text) != NULL;
		free(got);
		if (found)
			return 0;
		if (proc_done(p) || e2e_now_ms() >= deadline)
			return -1;
		usleep(POLL_MS * 1000);
	}
}

/* ---- libvirtd, the one stack.sh started ---- */

static pid_t
read_pid(const char *path)
{
	char *s = slurp_file(path);
	long v = strtol(s, NULL, 10);

	free(s);
	return v > 1 ? (pid_t)v : -1;
}

/* alive and not a zombie */
static bool
pid_alive(pid_t pid)
{
	char path[64], *line, *rp;
	bool alive;

	if (kill(pid, 0) != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	line = slurp_file(path);
	rp = strrchr(line, ')');
	alive = rp != NULL && rp[1] == ' ' && rp[2] != 'Z';
	free(line);
	return alive;
}

/* argv of pid, joined with blanks unless only argv[0] is wanted */
static char *
cmdline_of(pid_t pid, bool argv0_only)
{
	char path[64], *s;
	int fd;
	ssize_t n, i;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	assert_non_null(s = calloc(1, 4096));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return s;
	n = read(fd, s, 4095);
	close(fd);
	for (i = 0; !argv0_only && i + 1 < n; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	return s;
}

/*
 * The running libvirtd when stack.sh started it (its pid recorded, its
 * own config), else -1 and why: someone else's daemon is never stopped.
 */
static pid_t
stack_libvirtd(const char **why)
{
	pid_t pid = read_pid(STACK_PIDFILE);
	char *cmd;
	bool ours;

	if (pid < 0 || !pid_alive(pid)) {
		*why = "libvirtd was not started by tests/e2e/stack.sh "
		    "(no live pid in " STACK_PIDFILE "); not stopping "
		    "someone else's daemon";
		return -1;
	}
	cmd = cmdline_of(pid, false);
	ours = strncmp(cmd, "libvirtd ", 9) == 0 &&
	    strstr(cmd, "-f " STACK_CONF) != NULL &&
	    read_pid(LIBVIRTD_PIDFILE) == pid;
	free(cmd);
	if (!ours) {
		*why = "the libvirtd that answers is not the one "
		    "tests/e2e/stack.sh started; not stopping it";
		return -1;
	}
	return pid;
}

/*
 * Another end-to-end suite runs (it would lose libvirtd under it): a
 * program whose argv[0] is .../e2e/test_* (pgrep -f test_gate and the
 * like, without matching run.sh, which names them in its arguments).
 */
static bool
others_running(void)
{
	struct dirent *de;
	DIR *d;
	bool found = false;

	if ((d = opendir("/proc")) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		char *cmd;
		pid_t pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (pid == getpid() || pid == getppid())
			continue;
		cmd = cmdline_of(pid, true);
		found = strstr(cmd, "e2e/test_") != NULL &&
		    strstr(cmd, "e2e/test_outage") == NULL;
		free(cmd);
	}
	closedir(d);
	return found;
}

/*
 * stack.sh's libvirtd, once no other end-to-end suite runs: what a test
 * may stop or reconfigure. Skips the test, loudly, when it is not
 * stack.sh's, or when other suites keep running.
 */
static pid_t
claim_libvirtd(void)
{
	long long deadline = e2e_now_ms() + OTHERS_WAIT_MS;
	const char *why = NULL;
	bool told = false;
	pid_t pid;

	while (others_running()) {
		if (!told)
			fprintf(stderr, "%s: waiting for the other end-to-end "
			    "suites to finish before touching libvirtd\n",
			    SUITE);
		told = true;
		if (e2e_now_ms() >= deadline)
			loud_skip("other end-to-end suites kept running; "
			    "libvirtd left alone");
		usleep(POLL_MS * 25 * 1000);
	}
	if ((pid = stack_libvirtd(&why)) < 0)
		loud_skip(why);
	return pid;
}

/* stop stack.sh's libvirtd and wait until it is gone */
static void
stop_libvirtd(void)
{
	pid_t pid = claim_libvirtd();
	long long deadline;

	assert_int_equal(kill(pid, SIGTERM), 0);
	deadline = e2e_now_ms() + DAEMON_STOP_MS;
	while (pid_alive(pid)) {
		if (e2e_now_ms() >= deadline)
			fail_msg("libvirtd (pid %ld) still runs %d ms after "
			    "SIGTERM", (long)pid, DAEMON_STOP_MS);
		usleep(POLL_MS * 1000);
	}
}

/*
 * libvirtd's client limits, live, through the real virt-admin (the
 * admin socket): nclients_max or nclients, -1 when it cannot tell.
 */
static int
admin_clients(const char *field)
{
	const char *const argv[] = {
		VIRT_ADMIN, "srv-clients-info", ADMIN_SERVER, NULL
	};
	struct e2e_result r;
	char *at;
	int v = -1;
	size_t flen = strlen(field);

	if (e2e_run(argv, NULL, NULL, E2E_TIMEOUT_MS, &r) == 0 &&
	    r.status == 0) {
		for (at = r.out; (at = strstr(at, field)) != NULL; at++) {
			/* "nclients            : 3", not nclients_max */
			if ((at == r.out || at[-1] == '\n') &&
			    (at[flen] == ' ' || at[flen] == ':')) {
				at = strchr(at, ':');
				v = at != NULL ? atoi(at + 1) : -1;
				break;
			}
		}
	}
	e2e_result_free(&r);
	return v;
}

static int
admin_set_max_clients(int max)
{
	char num[16];
	const char *const argv[] = {
		VIRT_ADMIN, "srv-clients-set", ADMIN_SERVER, "--max-clients",
		num, NULL
	};
	struct e2e_result r;
	int rc;

	snprintf(num, sizeof(num), "%d", max);
	rc = e2e_run(argv, NULL, NULL, E2E_TIMEOUT_MS, &r) == 0 &&
	    r.status == 0 ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "%s: virt-admin srv-clients-set --max-clients "
		    "%d: %s%s\n", SUITE, max, r.out, r.err);
	e2e_result_free(&r);
	return rc;
}

/* ---- syslog ---- */

/*
 * Without a syslog daemon (no /dev/log, as on this test host) the suite
 * listens at /dev/log itself for the duration of one test, so it can see
 * what vmgate sends. A running daemon's socket is never replaced: then
 * false, and syslog is not checked.
 */
static bool
syslog_listen(void)
{
	struct sockaddr_un sa;

	if (access(SYSLOG_PATH, F_OK) == 0) {
		fprintf(stderr, "%s: %s exists (a syslog daemon): syslog "
		    "lines not checked\n", SUITE, SYSLOG_PATH);
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", SYSLOG_PATH);
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	assert_true(syslog_fd >= 0);
	if (bind(syslog_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(syslog_fd);
		syslog_fd = -1;
		return false;
	}
	return true;
}

static void
syslog_stop(void)
{
	if (syslog_fd < 0)
		return;
	close(syslog_fd);
	syslog_fd = -1;
	unlink(SYSLOG_PATH);
}

/* the datagrams that arrived since the last call, one per line; malloc'd */
static char *
syslog_read(void)
{
	char msg[SYSLOG_MAX + 1], *all = NULL, *more;
	ssize_t n;

	assert_non_null(all = strdup(""));
	while ((n = recv(syslog_fd, msg, SYSLOG_MAX, 0)) > 0) {
		msg[n] = '\0';
		assert_true(asprintf(&more, "%s%s\n", all, msg) > 0);
		free(all);
		all = more;
	}
	return all;
}

/* ---- fixtures ---- */

static int
group_setup(void **state)
{
	char *keys = NULL;

	(void)state;
	if (!e2e_need_root(SUITE))
		return 0;
	if ((lock_fd = e2e_lock(SUITE, LOCK_MS)) < 0)
		return -1;
	if (e2e_stack_up() != 0)
		return -1;
	tmp = e2e_tmpdir("outage");
	if (asprintf(&keys, "%s/keys", tmp) < 0 || mkdir(keys, 0700) != 0)
		return -1;
	free(keys);
	if (asprintf(&cfg, "%s/vmgate.ini", tmp) < 0 ||
	    asprintf(&audit, "%s/audit.log", tmp) < 0)
		return -1;
	return e2e_guest(VM, VM_PORT);
}

static int
group_teardown(void **state)
{
	(void)state;
	syslog_stop();
	if (geteuid() == 0) {
		/* whatever happened, the next suites find libvirtd up */
		e2e_stack_up();
		e2e_rmguest(VM);
		e2e_rmguest(VM_GONE);
	}
	e2e_rmtree(tmp);
	free(tmp);
	free(cfg);
	free(audit);
	e2e_unlock(lock_fd);
	return 0;
}

/* the usual config, an empty audit log, out-web1 running */
static int
setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	write_config(CFG_USUAL, audit);
	unlink(audit);
	if (e2e_domain_running(VM))
		return 0;
	return e2e_guest(VM, VM_PORT);
}

/* libvirtd answers again, pass or fail */
static int
teardown_stack(void **state)
{
	int wstatus;

	(void)state;
	if (geteuid() != 0)
		return 0;
	/* a failed test may leave its restart going: never two at once */
	if (starter > 0)
		waitpid(starter, &wstatus, 0);
	starter = -1;
	if (saved_max_clients > 0 &&
	    admin_set_max_clients(saved_max_clients) != 0)
		return -1;
	saved_max_clients = -1;
	return e2e_stack_up();
}

static int
teardown_syslog(void **state)
{
	syslog_stop();
	return teardown_stack(state);
}

/* ---- the tests ---- */

static void
expect_status_ok(const struct e2e_result *r, const char *what)
{
	if (r->status != 0 || strncmp(r->out, STATUS_HEAD,
	    strlen(STATUS_HEAD)) != 0 || r->err[0] != '\0')
		fail_msg("%s: exit %d, stdout: %s, stderr: %s", what,
		    r->status, r->out, r->err);
}

/*
 * libvirtd stopped: vmgate retries for HV_CONNECT_TIMEOUT_MS, then exit
 * 69 with one plain line, nothing of libvirt's, and one audit line.
 */
static void
test_libvirtd_down(void **state)
{
	struct e2e_result r;
	long long t0, took;
	char *log;

	(void)state;
	skip_unless_root();
	stop_libvirtd();
	t0 = e2e_now_ms();
	vmgate_run(ALICE, "status " VM, &r);
	took = e2e_now_ms() - t0;
	fprintf(stderr, "%s: libvirtd down: exit %d after %lld ms "
	    "(HV_CONNECT_TIMEOUT_MS %d)\n", SUITE, r.status, took,
	    HV_CONNECT_TIMEOUT_MS);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.err, UNREACHABLE_MSG);
	assert_string_equal(r.out, "");
	/* it did retry, and for no longer than promised */
	assert_true(took >= HV_CONNECT_TIMEOUT_MS);
	assert_true(took <= HV_CONNECT_TIMEOUT_MS + UNREACHABLE_MARGIN_MS);
	e2e_result_free(&r);

	log = slurp_file(audit);
	if (count_lines(log) != 1 ||
	    strstr(log, " tenant=" ALICE " ") == NULL ||
	    strstr(log, " verb=status domain=" VM " result=error ") == NULL)
		fail_msg("audit log: %s", log);
	free(log);

	/* back up, it answers again */
	assert_int_equal(e2e_stack_up(), 0);
	vmgate_run(ALICE, "status " VM, &r);
	expect_status_ok(&r, "after restart");
	e2e_result_free(&r);
}

/* libvirtd comes back while vmgate retries: the request succeeds */
static void
test_libvirtd_restarting(void **state)
{
	struct e2e_result r;
	long long t0, took;
	int wstatus;
	char *log;

	(void)state;
	skip_unless_root();
	stop_libvirtd();
	t0 = e2e_now_ms();
	starter = fork();
	assert_true(starter >= 0);
	if (starter == 0) {
		usleep(RESTART_AFTER_MS * 1000);
		_exit(e2e_stack_up() == 0 ? 0 : 1);
	}
	vmgate_run(ALICE, "status " VM, &r);
	took = e2e_now_ms() - t0;
	assert_int_equal(waitpid(starter, &wstatus, 0), starter);
	starter = -1;
	fprintf(stderr, "%s: libvirtd restarted %d ms after the request: "
	    "exit %d after %lld ms\n", SUITE, RESTART_AFTER_MS, r.status,
	    took);
	assert_int_equal(decode(wstatus), 0);
	expect_status_ok(&r, "during restart");
	/* it cannot have been answered before libvirtd was back */
	assert_true(took >= RESTART_AFTER_MS);
	e2e_result_free(&r);

	log = slurp_file(audit);
	if (count_lines(log) != 1 ||
	    strstr(log, " verb=status domain=" VM " result=ok ") == NULL)
		fail_msg("audit log: %s", log);
	free(log);
}

/*
 * A transient machine destroyed between two requests is gone from
 * libvirt: the second request reads exactly like another tenant's
 * machine (out-web1 is out-alice's, not out-carol's).
 */
static void
test_machine_vanishes(void **state)
{
	struct e2e_result gone, foreign;
	char *log;

	(void)state;
	skip_unless_root();
	assert_int_equal(e2e_transient_guest(VM_GONE, VM_GONE_PORT), 0);
	vmgate_run(CAROL, "status " VM_GONE, &gone);
	if (gone.status != 0 || strncmp(gone.out, "name: " VM_GONE "\n",
	    strlen("name: " VM_GONE "\n")) != 0)
		fail_msg("before: exit %d: %s%s", gone.status, gone.out,
		    gone.err);
	e2e_result_free(&gone);

	assert_int_equal(e2e_domain_destroy(VM_GONE), 0);
	assert_int_equal(e2e_domain_state(VM_GONE), E2E_NO_DOMAIN);
	vmgate_run(CAROL, "status " VM_GONE, &gone);
	vmgate_run(CAROL, "status " VM, &foreign);
	assert_int_equal(gone.status, 77);
	assert_int_equal(foreign.status, 77);
	assert_string_equal(gone.err, "vmgate: " VM_GONE ": no such machine\n");
	assert_string_equal(foreign.err, "vmgate: " VM ": no such machine\n");
	assert_string_equal(gone.out, "");
	assert_string_equal(foreign.out, "");
	e2e_result_free(&gone);
	e2e_result_free(&foreign);
	assert_true(e2e_domain_running(VM));

	log = slurp_file(audit);
	if (count_lines(log) != 3 ||
	    strstr(log, "domain=" VM_GONE " result=denied ") == NULL ||
	    strstr(log, "domain=" VM " result=denied ") == NULL)
		fail_msg("audit log: %s", log);
	free(log);
}

/*
 * An audit log that cannot be written does not change any answer
 * (README "Audit": the request still gets its answer, syslog still has
 * the line), and nothing is written through a planted link.
 */
enum unwritable { AUD_DIR, AUD_NO_PARENT, AUD_FIFO, AUD_SYMLINK };

static const struct {
	const char *name;
	enum unwritable how;
} unwritables[] = {
	{ "a directory in its place", AUD_DIR },
	{ "in a missing directory", AUD_NO_PARENT },
	{ "a FIFO nobody reads in its place", AUD_FIFO },
	{ "a symlink in its place", AUD_SYMLINK },
};

static void
test_audit_unwritable(void **state)
{
	struct e2e_result r;
	char path[400], target[400], *sys;
	struct stat st;
	bool listening;
	size_t i;

	(void)state;
	skip_unless_root();
	listening = syslog_listen();
	for (i = 0; i < sizeof(unwritables) / sizeof(unwritables[0]); i++) {
		snprintf(target, sizeof(target), "%s/target-%zu.log", tmp, i);
		snprintf(path, sizeof(path), "%s/audit-%zu", tmp, i);
		switch (unwritables[i].how) {
		case AUD_DIR:
			assert_int_equal(mkdir(path, 0700), 0);
			break;
		case AUD_NO_PARENT:
			snprintf(path, sizeof(path), "%s/missing-%zu/audit.log",
			    tmp, i);
			break;
		case AUD_FIFO:
			assert_int_equal(mkfifo(path, 0600), 0);
			break;
		case AUD_SYMLINK:
			free(e2e_write_file(tmp, strrchr(target, '/') + 1, "",
			    0600));
			assert_int_equal(symlink(target, path), 0);
			break;
		}
		write_config(CFG_USUAL, path);

		vmgate_run(ALICE, "status " VM, &r);
		if (r.status != 0 || strncmp(r.out, STATUS_HEAD,
		    strlen(STATUS_HEAD)) != 0 || r.err[0] != '\0')
			fail_msg("%s: exit %d: %s%s", unwritables[i].name,
			    r.status, r.out, r.err);
		e2e_result_free(&r);
		vmgate_run(ALICE, "status out-nothere", &r);
		if (r.status != 77 || strcmp(r.err,
		    "vmgate: out-nothere: no such machine\n") != 0)
			fail_msg("%s: denied request: exit %d: %s",
			    unwritables[i].name, r.status, r.err);
		e2e_result_free(&r);

		/* syslog still has both */
		if (listening) {
			sys = syslog_read();
			if (strstr(sys, "vmgate[") == NULL ||
			    strstr(sys, "tenant=" ALICE " key=- from=- "
			    "verb=status domain=" VM " result=ok ") == NULL ||
			    strstr(sys, "tenant=" ALICE " key=- from=- "
			    "verb=status domain=out-nothere result=denied ") ==
			    NULL)
				fail_msg("%s: syslog got: %s",
				    unwritables[i].name, sys);
			free(sys);
		}

		/* and the place is as it was */
		switch (unwritables[i].how) {
		case AUD_DIR:
			assert_int_equal(lstat(path, &st), 0);
			assert_true(S_ISDIR(st.st_mode));
			break;
		case AUD_NO_PARENT:
			assert_int_equal(lstat(path, &st), -1);
			break;
		case AUD_FIFO:
			assert_int_equal(lstat(path, &st), 0);
			assert_true(S_ISFIFO(st.st_mode));
			break;
		case AUD_SYMLINK:
			assert_int_equal(stat(target, &st), 0);
			if (st.st_size != 0)
				fail_msg("audit line written through a "
				    "symlink to %s", target);
			break;
		}
	}
	assert_true(e2e_domain_running(VM));
}

/*
 * The config is read once: a session holding a SPICE tunnel keeps the
 * answer it got when the file is replaced under it, and ends normally;
 * the next request reads the new file.
 */
static void
test_config_replaced(void **state)
{
	struct proc p;
	struct e2e_result r;
	char *text, *next = NULL, *out, *err, *log;
	long long deadline;

	(void)state;
	skip_unless_root();
	proc_spawn(&p, ALICE, "spice " VM, true, -1, -1, tmp, 0);
	if (wait_output(&p, p.out, "password: ", OUTPUT_MS) != 0) {
		out = slurp_file(p.out);
		err = slurp_file(p.err);
		proc_end(&p);
		fail_msg("no ticket (exit %d): %s%s", p.status, out, err);
	}

	/* an admin's atomic replace: out-alice is removed */
	text = config_for(CFG_WITHOUT_ALICE, audit);
	assert_true(asprintf(&next, "%s/vmgate.ini.new", tmp) > 0);
	free(e2e_write_file(tmp, "vmgate.ini.new", text, 0600));
	assert_int_equal(rename(next, cfg), 0);
	free(text);
	free(next);

	/* still holding the session, then ends as usual on EOF */
	usleep(HOLD_MS * 1000);
	assert_false(proc_done(&p));
	close(p.in);
	p.in = -1;
	deadline = e2e_now_ms() + E2E_TIMEOUT_MS;
	while (!proc_done(&p) && e2e_now_ms() < deadline)
		usleep(POLL_MS * 1000);
	out = slurp_file(p.out);
	err = slurp_file(p.err);
	proc_end(&p);
	if (p.status != 0 || strstr(out, "machine:  " VM "\n") == NULL ||
	    strcmp(err, E2E_HOLD_NOTICE) != 0)
		fail_msg("spice: exit %d: %s%s", p.status, out, err);
	free(out);
	free(err);

	vmgate_run(ALICE, "status " VM, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.err, DENIED_MSG);
	assert_string_equal(r.out, "");
	e2e_result_free(&r);

	log = slurp_file(audit);
	if (count_lines(log) != 2 ||
	    strstr(log, " verb=spice domain=" VM " result=ok ") == NULL ||
	    strstr(log, " result=denied ") == NULL)
		fail_msg("audit log: %s", log);
	free(log);
	assert_true(e2e_domain_running(VM));
}

/*
 * A config caught half-written (rewritten in place, cut mid-section) is
 * refused whole: exit 78, the problem on stderr, nothing done. Had the
 * cut "allow" line been skipped, out-alice could power off out-web1.
 */
static const char *const cuts[] = {
	"[tenant out-al",	/* inside a section header */
	"\nallo",		/* inside a key */
	"allow = sta",		/* inside a value */
};

static void
test_config_half_written(void **state)
{
	struct e2e_result r;
	char *full, *cut, *at, *prefix = NULL;
	size_t i;

	(void)state;
	skip_unless_root();
	/* the whole file denies it: the cut versions must not allow it */
	vmgate_run(ALICE, "poweroff " VM, &r);
	assert_int_equal(r.status, 77);
	e2e_result_free(&r);

	full = config_for(CFG_USUAL, audit);
	assert_true(asprintf(&prefix, "%s:", cfg) > 0);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		assert_non_null(at = strstr(full, cuts[i]));
		cut = strndup(full, (size_t)(at - full) + strlen(cuts[i]));
		assert_non_null(cut);
		free(e2e_write_file(tmp, "vmgate.ini", cut, 0600));
		free(cut);

		vmgate_run(ALICE, "poweroff " VM, &r);
		if (r.status != 78 || r.out[0] != '\0' ||
		    strncmp(r.err, prefix, strlen(prefix)) != 0)
			fail_msg("cut after \"%s\": exit %d: %s%s", cuts[i],
			    r.status, r.out, r.err);
		e2e_result_free(&r);
		assert_int_equal(e2e_domain_state(VM), VIR_DOMAIN_RUNNING);
	}
	free(prefix);
	free(full);
}

/*
 * LOAD_N requests released at the same instant against one libvirtd; with
 * watch, libvirtd's client count is sampled meanwhile and the highest
 * returned.
 */
static int
load_burst(const char *label, bool watch)
{
	struct proc *procs;
	char *dir = NULL, *out, *err, *log, *line;
	int barrier[2], codes[256] = { 0 }, peak = -1, n;
	size_t ok = 0, i, oklines = 0;
	long long t0, deadline, slowest = 0;

	assert_true(asprintf(&dir, "%s/%s", tmp, label) > 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_non_null(procs = calloc(LOAD_N, sizeof(*procs)));
	assert_int_equal(pipe2(barrier, O_CLOEXEC), 0);
	for (i = 0; i < LOAD_N; i++)
		proc_spawn(&procs[i], ALICE, "status " VM, false, barrier[0],
		    barrier[1], dir, (int)i);
	close(barrier[0]);
	t0 = e2e_now_ms();
	close(barrier[1]);	/* go */

	deadline = t0 + LOAD_MS;
	for (;;) {
		size_t done = 0;

		for (i = 0; i < LOAD_N; i++) {
			bool was = procs[i].pid < 0;

			if (proc_done(&procs[i])) {
				done++;
				if (!was && e2e_now_ms() - t0 > slowest)
					slowest = e2e_now_ms() - t0;
			}
		}
		if (done == LOAD_N || e2e_now_ms() >= deadline)
			break;
		if (watch && (n = admin_clients("nclients")) > peak)
			peak = n;
		else
			usleep(POLL_MS * 1000);
	}
	for (i = 0; i < LOAD_N; i++) {
		proc_end(&procs[i]);
		out = slurp_file(procs[i].out);
		err = slurp_file(procs[i].err);
		if (procs[i].status == 0 && strncmp(out, STATUS_HEAD,
		    strlen(STATUS_HEAD)) == 0 && err[0] == '\0')
			ok++;
		else if (codes[procs[i].status & 0xff]++ == 0)
			fprintf(stderr, "%s: request %zu: exit %d: %s%s\n",
			    SUITE, i, procs[i].status, out, err);
		free(out);
		free(err);
	}
	fprintf(stderr, "%s: %s: %zu of %d concurrent requests answered, "
	    "the last after %lld ms\n", SUITE, label, ok, LOAD_N, slowest);

	/* one whole line each, none torn by the others' appends */
	log = slurp_file(audit);
	for (line = log; (line = strstr(line, " verb=status domain=" VM
	    " result=ok request=\"status " VM "\"\n")) != NULL; line++)
		oklines++;
	if (count_lines(log) != LOAD_N)
		fail_msg("%zu audit lines for %d requests", count_lines(log),
		    LOAD_N);
	free(log);
	free(procs);
	free(dir);
	assert_int_equal(ok, LOAD_N);
	assert_int_equal(oklines, LOAD_N);
	return peak;
}

static void
test_load(void **state)
{
	(void)state;
	skip_unless_root();
	fprintf(stderr, "%s: at most %d clients seen at once\n", SUITE,
	    load_burst("load", true));
}

/*
 * libvirtd at its client limit does not refuse: it stops accepting and
 * the connections wait in the socket's backlog (max_queued_clients)
 * until a client leaves. The limit is lowered live, through libvirt's
 * admin interface, and restored in the teardown.
 */
static void
test_load_at_client_limit(void **state)
{
	int peak;

	(void)state;
	skip_unless_root();
	claim_libvirtd();
	saved_max_clients = admin_clients("nclients_max");
	assert_true(saved_max_clients > 0);
	assert_int_equal(admin_set_max_clients(LIMITED_CLIENTS), 0);
	assert_int_equal(admin_clients("nclients_max"), LIMITED_CLIENTS);
	peak = load_burst("limited", true);
	fprintf(stderr, "%s: max_clients %d: at most %d clients seen at "
	    "once\n", SUITE, LIMITED_CLIENTS, peak);
	/* -1: virt-admin never answered during the burst, and 0 clients
	 * while LOAD_N requests wait: the limit was never looked at */
	if (peak < 1)
		fail_msg("no client count sampled during the burst (%d)",
		    peak);
	assert_true(peak <= LIMITED_CLIENTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_libvirtd_down,
		    setup, teardown_stack),
		cmocka_unit_test_setup_teardown(test_libvirtd_restarting,
		    setup, teardown_stack),
		cmocka_unit_test_setup_teardown(test_machine_vanishes,
		    setup, teardown_stack),
		cmocka_unit_test_setup_teardown(test_audit_unwritable,
		    setup, teardown_syslog),
		cmocka_unit_test_setup_teardown(test_config_replaced,
		    setup, teardown_stack),
		cmocka_unit_test_setup_teardown(test_config_half_written,
		    setup, teardown_stack),
		cmocka_unit_test_setup_teardown(test_load,
		    setup, teardown_stack),
		cmocka_unit_test_setup_teardown(test_load_at_client_limit,
		    setup, teardown_stack),
	};

	/* E2E_FILTER=test_load runs only the matching tests */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
