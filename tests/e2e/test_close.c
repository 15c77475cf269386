/*
 * test_close: a libvirtd that stops answering once a request no longer
 * waits on it for an answer of its own, but still for the daemon's part
 * in closing. None of these waits may keep the tenant's ssh open for
 * good: each is bounded by libvirt_timeout (30 s here).
 *
 * - status of a machine that does not exist: the answer (77) is given
 *   and audited, then the close of the connection is never answered. The
 *   request ends with 77, no second line, one audit line.
 * - screenshot of rv-close: the daemon replied (the stream is open), the
 *   image never comes: 69, "cannot reach the hypervisor", audited so.
 * - console of rv-close, left with the escape character: the daemon
 *   never answers the calls that close the console: 69, audited so.
 *
 * vmgate runs as sshd's command= runs it (root, --tenant), with a config
 * whose uri is a Unix socket of the test's own: a relay to the machine's
 * libvirtd that passes whole messages until the one a test names, and
 * from then on nothing either way, both connections left open. The
 * daemon itself is never stopped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SUITE		"test_close"
#define TENANT		"rv-t"
#define ABSENT		"rv-absent"	/* never defined */
#define GUEST		"rv-close"
#define GUEST_SPICE	5932
#define LIBVIRT_SOCK	"/run/libvirt/libvirt-sock"
#define TIMEOUT_S	30		/* libvirt_timeout, its least */
#define TIMEOUT_S_STR	"30"
/* the close is bounded by libvirt_timeout; then a margin. Past it, the
 * process is taken for hung. */
#define ENDS_MS		((TIMEOUT_S + 15) * 1000)
#define LOCK_MS		600000
#define ATTACH_MS	15000	/* the console's banner */
#define SETTLE_MS	1000	/* the console's watches, once it shows */

/* libvirt's remote protocol (its framing: e2e.h, struct e2e_rpc) */
#define REMOTE_PROGRAM		0x20008086u
#define PROC_CONNECT_CLOSE	2u	/* REMOTE_PROC_CONNECT_CLOSE */
#define PROC_OPEN_CONSOLE	201u	/* REMOTE_PROC_DOMAIN_OPEN_CONSOLE */
#define PROC_SCREENSHOT		211u	/* REMOTE_PROC_DOMAIN_SCREENSHOT */
#define MSG_CALL		0u	/* VIR_NET_CALL */
#define MSG_REPLY		1u	/* VIR_NET_REPLY */
#define MSG_STREAM		3u	/* VIR_NET_STREAM */

static char *work;
static int lock_fd = -1;
static bool ready;

/*
 * Where the relay freezes: at the first message of type `type` (and of
 * procedure proc, unless 0) from the daemon (from_daemon) or from the
 * client, once the daemon's reply to procedure `after` has passed
 * (unless 0) and once the file `trigger` exists (unless NULL). That
 * message does not pass, nor anything after it, either way.
 */
struct freeze_at {
	bool from_daemon;
	uint32_t proc;
	uint32_t type;
	uint32_t after;
	const char *trigger;
};

static bool replied;		/* the reply to freeze_at.after has passed */

static bool
freezes_at(const struct freeze_at *at, const struct e2e_rpc *m)
{
	return m->from_daemon == at->from_daemon &&
	    m->program == REMOTE_PROGRAM &&
	    (at->proc == 0 || m->procedure == at->proc) &&
	    m->type == at->type && (at->after == 0 || replied) &&
	    (at->trigger == NULL || access(at->trigger, F_OK) == 0);
}

/* libvirt's keepalive protocol: the daemon's ping, and the answer */
#define KEEPALIVE_PROGRAM	0x6b656570u
#define KEEPALIVE_PING		1u
#define KEEPALIVE_PONG		2u
#define MSG_MESSAGE		2u	/* VIR_NET_MESSAGE */

/*
 * Once frozen the daemon's keepalive pings are still answered, as the
 * client would: a daemon that gave up on the connection itself (30 s of
 * unanswered pings by default, as long as libvirt_timeout here) would
 * close it at the moment vmgate ends, a race on which this machine's
 * libvirtd (9.0) once crashed. A daemon that stopped sends no pings.
 */
static bool
answer_ping(const struct e2e_rpc *m, int back)
{
	static const unsigned char pong[E2E_RPC_HEADER] = {
		0, 0, 0, E2E_RPC_HEADER,
		0x6b, 0x65, 0x65, 0x70,		/* KEEPALIVE_PROGRAM */
		0, 0, 0, 1,			/* its version */
		0, 0, 0, KEEPALIVE_PONG,
		0, 0, 0, MSG_MESSAGE,
		0, 0, 0, 0,			/* serial */
		0, 0, 0, 0,			/* status: OK */
	};

	if (!m->from_daemon || m->program != KEEPALIVE_PROGRAM ||
	    m->procedure != KEEPALIVE_PING)
		return true;
	return e2e_send_all(back, pong, sizeof(pong));
}

/*
 * The relay's rule: whole messages pass up to the freeze; from then on
 * they are dropped, pings answered.
 */
static enum e2e_relay_do
closing_decide(struct e2e_relay *r, const struct e2e_rpc *m, int to,
    int back)
{
	const struct freeze_at *at = r->arg;

	(void)to;
	if (r->frozen)
		return answer_ping(m, back) ? E2E_RELAY_DROP :
		    E2E_RELAY_CLOSED;
	if (freezes_at(at, m))
		return E2E_RELAY_FREEZE;
	if (m->from_daemon && m->procedure == at->after &&
	    m->type == MSG_REPLY)
		replied = true;
	return E2E_RELAY_PASS;
}

/*
 * The relay's child: one client, relayed to the machine's libvirtd, up
 * to the message `at` names; from then on nothing passes either way
 * while the client's connection stays open (once frozen the daemon's end
 * never reaches vmgate), and the marker file says it froze.
 */
static void
relay(int lfd, const char *marker, const struct freeze_at *at)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct e2e_relay r = { .decide = closing_decide, .arg = (void *)at,
	    .marker = marker, .keep_client = true };
	int c, d;

	if ((c = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", LIBVIRT_SOCK);
	d = socket(AF_UNIX, SOCK_STREAM, 0);
	if (d < 0 || connect(d, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(1);
	r.client = c;
	r.daemon = d;
	_exit(e2e_relay(&r) == 0 ? 0 : 1);
}

/* relay() listening on path: the child's pid */
static pid_t
start_relay(const char *path, const char *marker, const struct freeze_at *at)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	if (lfd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 1) != 0) {
		close(lfd);
		return -1;
	}
	if ((pid = fork()) == 0)
		relay(lfd, marker, at);
	close(lfd);
	return pid;
}

/* the relay in front of the machine's libvirtd, frozen where at says;
 * the config names it as the host's uri */
struct run {
	char cfg[300], audit[300], sock[300], marker[300];
	pid_t relay;
	long long t0;
};

static void
run_start(struct run *r, const struct freeze_at *at)
{
	char text[1024];

	snprintf(r->cfg, sizeof(r->cfg), "%s/vmgate.ini", work);
	snprintf(r->audit, sizeof(r->audit), "%s/audit.log", work);
	snprintf(r->sock, sizeof(r->sock), "%s/libvirt-relay", work);
	snprintf(r->marker, sizeof(r->marker), "%s/frozen", work);
	unlink(r->marker);
	unlink(r->audit);
	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu+unix:///system?socket=%s\n"
	    "keys = %s/keys\n"
	    "audit_log = %s\n"
	    "libvirt_timeout = " TIMEOUT_S_STR "\n"
	    "[tenant " TENANT "]\n"
	    "domains = " ABSENT " " GUEST "\n"
	    "allow = status screenshot console\n"
	    /* no slots: nothing of the suite's is left in /run */
	    "max_sessions = 0\n", r->sock, work, r->audit);
	free(e2e_write_file(work, "vmgate.ini", text, 0644));
	r->relay = start_relay(r->sock, r->marker, at);
	assert_true(r->relay > 0);
	r->t0 = e2e_now_ms();
}

/* the relay gone; it froze where it was told (else the request never
 * got there, and the test proves nothing) */
static void
run_end(struct run *r, const char *what, bool ended, int status,
    const char *said)
{
	int st;

	fprintf(stderr, SUITE ": %s: %s after %lld ms\n", what, ended ?
	    "ended" : "still running", e2e_now_ms() - r->t0);
	kill(r->relay, SIGKILL);
	waitpid(r->relay, &st, 0);
	if (access(r->marker, F_OK) != 0)
		fail_msg("%s ended (exit %d) before the relay froze: %s", what,
		    status, said);
	if (!ended)
		fail_msg("%s: vmgate still runs %d s later, waiting on a "
		    "silent libvirtd", what, ENDS_MS / 1000);
}

static const char *const argv_vmgate[] = { E2E_VMGATE, "-f", NULL,
    "--tenant", TENANT, NULL };

/* lines in the file at path that hold needle */
static int
lines_with(const char *path, const char *needle)
{
	char *text = e2e_read_file(path), *p;
	int n = 0;

	for (p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(text);
	return n;
}

/* one audit line in all, and it is this one */
static void
audited_once(const struct run *r, const char *line)
{
	if (lines_with(r->audit, " tenant=" TENANT " ") != 1 ||
	    lines_with(r->audit, line) != 1) {
		e2e_sh("cat %s >&2", r->audit);
		fail_msg("want one audit line, with: %s", line);
	}
}

#define TIMED_OUT_LINE	"result=error request=\"%s\" detail=\"no answer " \
			"from libvirt within " TIMEOUT_S_STR "s\""

/*
 * The answer is given and audited; the close that follows is never
 * answered. The request ends as answered: its exit code, its line, no
 * second line, one audit line.
 */
static void
test_silent_close_ends_as_answered(void **state)
{
	const struct freeze_at at = { .proc = PROC_CONNECT_CLOSE,
	    .type = MSG_CALL };
	const char *envp[] = { "SSH_ORIGINAL_COMMAND=status " ABSENT, NULL };
	const char *argv[6];
	struct e2e_result res;
	struct run r;

	(void)state;
	if (!ready)
		skip();
	run_start(&r, &at);
	memcpy(argv, argv_vmgate, sizeof(argv));
	argv[2] = r.cfg;
	(void)e2e_run(argv, envp, NULL, ENDS_MS, &res);
	run_end(&r, "status, the daemon silent at the close", !res.timed_out,
	    res.status, res.err);
	assert_string_equal(res.err, "vmgate: " ABSENT ": no such machine\n");
	assert_string_equal(res.out, "");
	assert_int_equal(res.status, 77);
	audited_once(&r, "verb=status domain=" ABSENT " result=denied");
	e2e_result_free(&res);
}

/*
 * A screenshot whose stream is open (the daemon has replied) and whose
 * image never comes: a wait on libvirt like any other, which ends the
 * request as unreachable once libvirt_timeout has passed.
 */
static void
test_silent_image_ends(void **state)
{
	const struct freeze_at at = { .from_daemon = true,
	    .proc = PROC_SCREENSHOT, .type = MSG_STREAM,
	    .after = PROC_SCREENSHOT };
	const char *envp[] = { "SSH_ORIGINAL_COMMAND=screenshot " GUEST,
	    NULL };
	const char *argv[6];
	char line[256];
	struct e2e_result res;
	struct run r;

	(void)state;
	if (!ready)
		skip();
	run_start(&r, &at);
	memcpy(argv, argv_vmgate, sizeof(argv));
	argv[2] = r.cfg;
	(void)e2e_run(argv, envp, NULL, ENDS_MS, &res);
	run_end(&r, "screenshot, the daemon silent in the image",
	    !res.timed_out, res.status, res.err);
	assert_string_equal(res.err, "vmgate: cannot reach the hypervisor\n");
	assert_int_equal(res.status, 69);
	snprintf(line, sizeof(line), "verb=screenshot domain=" GUEST " "
	    TIMED_OUT_LINE, "screenshot " GUEST);
	audited_once(&r, line);
	e2e_result_free(&res);
}

/*
 * A console left with the escape character: the daemon is asked to drop
 * the console's watch and stream, and never answers. The tenant's time
 * is over, so that wait is bounded: 69 once libvirt_timeout has passed,
 * its terminal given back first.
 */
static void
test_silent_console_close_ends(void **state)
{
	char trigger[300], line[256];
	const struct freeze_at at = { .type = MSG_CALL,
	    .after = PROC_OPEN_CONSOLE, .trigger = trigger };
	const char *envp[] = { "SSH_ORIGINAL_COMMAND=console " GUEST,
	    "TERM=xterm", NULL };
	const char *argv[6];
	struct e2e_pty p;
	struct run r;
	int ended;

	(void)state;
	if (!ready)
		skip();
	snprintf(trigger, sizeof(trigger), "%s/escaped", work);
	unlink(trigger);
	run_start(&r, &at);
	memcpy(argv, argv_vmgate, sizeof(argv));
	argv[2] = r.cfg;
	assert_int_equal(e2e_pty_spawn(&p, argv, envp), 0);
	if (e2e_pty_expect(&p, "Connected to " GUEST, ATTACH_MS) != 0)
		fail_msg("no banner; terminal said: %s", p.buf);
	/* the console's watches are set up by now; from the escape on,
	 * the daemon is silent */
	e2e_pty_drain(&p, SETTLE_MS);
	free(e2e_write_file(work, "escaped", "", 0600));
	assert_int_equal(e2e_pty_write(&p, "\x1d", 1), 0);
	ended = e2e_pty_wait(&p, ENDS_MS) == 0;
	run_end(&r, "console, the daemon silent at its close", ended,
	    p.status, p.buf);
	assert_int_equal(p.status, 69);
	assert_non_null(strstr(p.buf, "vmgate: cannot reach the hypervisor"));
	snprintf(line, sizeof(line), "verb=console domain=" GUEST " "
	    TIMED_OUT_LINE, "console " GUEST);
	audited_once(&r, line);
	e2e_pty_free(&p);
}

static int
setup(void **state)
{
	char *keys = NULL;

	(void)state;
	if (!e2e_need_root(SUITE))
		return 0;
	if ((lock_fd = e2e_lock(SUITE, LOCK_MS)) < 0 || e2e_stack_up() != 0 ||
	    e2e_guest(GUEST, GUEST_SPICE) != 0)
		return -1;
	if ((work = e2e_tmpdir("close")) == NULL ||
	    asprintf(&keys, "%s/keys", work) < 0 || mkdir(keys, 0700) != 0)
		return -1;
	free(keys);
	ready = true;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	e2e_rmguest(GUEST);
	e2e_rmtree(work);
	free(work);
	work = NULL;
	e2e_unlock(lock_fd);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_close_ends_as_answered),
		cmocka_unit_test(test_silent_image_ends),
		cmocka_unit_test(test_silent_console_close_ends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
