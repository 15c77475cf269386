/*
 * test_console: `console VM` end to end. The real build/vmgate
 * runs as root with --tenant on a pseudo-terminal, attached to diskless
 * SeaBIOS guests on the shared libvirtd (tests/e2e/stack.sh). Everything is
 * judged as the tenant would see it: what appears on the terminal, the
 * terminal's mode afterwards, exit codes, and what libvirt says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "e2e.h"

#define VM		"con-web1"	/* con-alice's machine */
#define VM_PORT		5910
#define VM_TRANSIENT	"con-web2"	/* con-alice's, never defined */
#define VM_TRANSIENT_PORT 5911
#define VM_FOREIGN	"con-web3"	/* con-bob's machine */
#define VM_FOREIGN_PORT	5912
#define TENANT		"con-alice"
#define CONNECTED	"Connected to " VM " (escape character is ^])"
#define BUSY		"vmgate: " VM ": console busy (use --force to take it over)"
#define STOPPED_MSG	"vmgate: " VM ": machine stopped"
#define TAKEN_MSG	"vmgate: " VM ": console taken over by another session"
#define NO_TTY_MSG	"vmgate: console needs a terminal: use ssh -t\n"

#define ATTACH_MS	10000	/* vmgate up and the terminal raw */
#define SEABIOS_MS	10000	/* reset to "SeaBIOS" on the console */
#define QUICK_MS	3000	/* escape and hang-up end this fast */
#define TIMEOUT_S	"30"	/* libvirt_timeout: the least there is */
#define PAST_TIMEOUT_MS	33000
#define STOP_MS		10000	/* destroy/take-over to the session's end */

#define LOCK_MS		600000	/* another run of this suite may be going */

static char *tmp;
static char *cfg;
static int lock_fd = -1;

static const char config_text[] =
	"[vmgate]\n"
	"uri = qemu:///system\n"
	"keys = %s/keys\n"
	"libvirt_timeout = " TIMEOUT_S "\n"
	"\n"
	"[tenant con-alice]\n"
	"domains = con-web1 con-web2\n"
	"\n"
	"[tenant con-bob]\n"
	"domains = con-web3\n";

static int
group_setup(void **state)
{
	char *text = NULL, *keys = NULL;

	(void)state;
	if (!e2e_need_root("test_console"))
		return 0;
	if ((lock_fd = e2e_lock("test_console", LOCK_MS)) < 0)
		return -1;
	if (e2e_stack_up() != 0)
		return -1;
	tmp = e2e_tmpdir("console");
	if (asprintf(&keys, "%s/keys", tmp) < 0 || mkdir(keys, 0700) != 0)
		return -1;
	if (asprintf(&text, config_text, tmp) < 0)
		return -1;
	cfg = e2e_write_file(tmp, "vmgate.ini", text, 0600);
	free(text);
	free(keys);
	return cfg != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_rmtree(tmp);
	free(tmp);
	free(cfg);
	e2e_unlock(lock_fd);
	return 0;
}

/* each test gets con-web1 freshly booted; con-web3 only where used */
static int
setup_vm(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	return e2e_guest(VM, VM_PORT);
}

static int
teardown_vm(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	e2e_rmguest(VM);
	e2e_rmguest(VM_TRANSIENT);
	e2e_rmguest(VM_FOREIGN);
	return 0;
}

/* vmgate's environment as sshd gives it: the request and nothing else
 * that matters */
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

/* vmgate REQUEST without a terminal */
static int
vmgate_run(const char *request, struct e2e_result *r)
{
	const char *const argv[] = {
		E2E_VMGATE, "-f", cfg, "--tenant", TENANT, NULL
	};
	struct env e;

	env_for(&e, request);
	return e2e_run(argv, e.vec, NULL, E2E_TIMEOUT_MS, r);
}

static void
vmgate_spawn(struct e2e_pty *p, const char *request)
{
	const char *const argv[] = {
		E2E_VMGATE, "-f", cfg, "--tenant", TENANT, NULL
	};
	struct env e;

	env_for(&e, request);
	assert_int_equal(e2e_pty_spawn(p, argv, e.vec), 0);
}

/* wait until the program on the pty has put it in raw mode */
static bool
wait_raw(struct e2e_pty *p, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	struct termios t;

	while (e2e_now_ms() < deadline) {
		if (e2e_pty_termios(p, &t) == 0 && !e2e_termios_cooked(&t))
			return (t.c_lflag & (ECHO | ICANON | ISIG)) == 0;
		e2e_pty_drain(p, 20);
	}
	return false;
}

static bool
is_cooked(struct e2e_pty *p)
{
	struct termios t;

	return e2e_pty_termios(p, &t) == 0 && e2e_termios_cooked(&t);
}

/* a console session, attached: banner seen, terminal raw */
static void
attach(struct e2e_pty *p, const char *request)
{
	struct termios t;

	vmgate_spawn(p, request);
	/* a fresh pty starts cooked: what vmgate must give back */
	assert_int_equal(e2e_pty_termios(p, &t), 0);
	assert_true(e2e_termios_cooked(&t));
	if (e2e_pty_expect(p, CONNECTED, ATTACH_MS) != 0)
		fail_msg("no banner; terminal said: %s", p->buf);
	if (!wait_raw(p, ATTACH_MS))
		fail_msg("terminal never went raw; it said: %s", p->buf);
}

/* reset through a second vmgate, as a tenant would */
static void
reset_vm(void)
{
	struct e2e_result r;

	assert_int_equal(vmgate_run("reset " VM, &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, VM ": reset\n");
	e2e_result_free(&r);
}

static void
expect_exit(struct e2e_pty *p, int timeout_ms, int status)
{
	if (e2e_pty_wait(p, timeout_ms) != 0)
		fail_msg("still running after %d ms; terminal said: %s",
		    timeout_ms, p->buf);
	if (p->status != status)
		fail_msg("exit %d, want %d; terminal said: %s", p->status,
		    status, p->buf);
	/* vmgate does not fork: nothing of its session may be left */
	assert_int_equal(e2e_pty_procs(p), 0);
}

static void
leave_with_escape(struct e2e_pty *p)
{
	long long t0 = e2e_now_ms();

	assert_int_equal(e2e_pty_write(p, "\x1d", 1), 0);
	expect_exit(p, QUICK_MS, 0);
	assert_true(e2e_now_ms() - t0 < QUICK_MS);
	assert_true(is_cooked(p));
}

/* attach, reset, see SeaBIOS; escape in mid-chunk ends it, cooked again */
static void
test_console_relays_and_escapes(void **state)
{
	struct e2e_pty p;
	long long t0;

	(void)state;
	e2e_skip_unless_root();
	attach(&p, "console " VM);
	reset_vm();
	if (e2e_pty_expect(&p, "SeaBIOS", SEABIOS_MS) != 0)
		fail_msg("no SeaBIOS after reset; terminal said: %s", p.buf);
	t0 = e2e_now_ms();
	assert_int_equal(e2e_pty_write(&p, "abc\x1dxyz", 7), 0);
	expect_exit(&p, QUICK_MS, 0);
	assert_true(e2e_now_ms() - t0 < QUICK_MS);
	assert_true(is_cooked(&p));
	e2e_pty_free(&p);
	/* the console is free again: a clean finish released it */
	attach(&p, "console " VM);
	leave_with_escape(&p);
	e2e_pty_free(&p);
	assert_true(e2e_domain_running(VM));
}

/*
 * libvirt_timeout bounds the wait on libvirt, not the tenant's own time:
 * a console open past it still relays, and escape still ends it with 0.
 */
static void
test_console_outlives_libvirt_timeout(void **state)
{
	struct e2e_pty p;

	(void)state;
	e2e_skip_unless_root();
	attach(&p, "console " VM);
	if (e2e_pty_wait(&p, PAST_TIMEOUT_MS) == 0)
		fail_msg("console ended (exit %d) within %d ms; terminal "
		    "said: %s", p.status, PAST_TIMEOUT_MS, p.buf);
	reset_vm();
	if (e2e_pty_expect(&p, "SeaBIOS", SEABIOS_MS) != 0)
		fail_msg("no SeaBIOS after reset; terminal said: %s", p.buf);
	leave_with_escape(&p);
	assert_null(strstr(p.buf, "cannot reach"));
	e2e_pty_free(&p);
}

static void
test_console_needs_terminal(void **state)
{
	struct e2e_result r;

	(void)state;
	e2e_skip_unless_root();
	assert_int_equal(vmgate_run("console " VM, &r), 0);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.err, NO_TTY_MSG);
	assert_string_equal(r.out, "");
	e2e_result_free(&r);
}

/* a second console is refused while the first keeps working */
static void
test_console_busy(void **state)
{
	struct e2e_pty first, second;

	(void)state;
	e2e_skip_unless_root();
	attach(&first, "console " VM);
	vmgate_spawn(&second, "console " VM);
	expect_exit(&second, ATTACH_MS, 1);
	if (strstr(second.buf, BUSY) == NULL)
		fail_msg("no busy message: %s", second.buf);
	/* the banner is for a console that is really open */
	if (strstr(second.buf, "Connected to") != NULL)
		fail_msg("busy console announced as connected: %s",
		    second.buf);
	assert_true(is_cooked(&second));
	e2e_pty_free(&second);

	assert_int_equal(e2e_pty_wait(&first, 200), -1);	/* still on */
	reset_vm();
	if (e2e_pty_expect(&first, "SeaBIOS", SEABIOS_MS) != 0)
		fail_msg("first session lost the console: %s", first.buf);
	leave_with_escape(&first);
	e2e_pty_free(&first);
}

/* --force takes the console; the first session ends and says why */
static void
test_console_force_takes_over(void **state)
{
	struct e2e_pty first, second;

	(void)state;
	e2e_skip_unless_root();
	attach(&first, "console " VM);
	attach(&second, "console " VM " --force");
	expect_exit(&first, STOP_MS, 0);
	if (strstr(first.buf, TAKEN_MSG) == NULL)
		fail_msg("first session did not say why: %s", first.buf);
	assert_true(is_cooked(&first));
	e2e_pty_free(&first);

	reset_vm();
	if (e2e_pty_expect(&second, "SeaBIOS", SEABIOS_MS) != 0)
		fail_msg("second session got no output: %s", second.buf);
	leave_with_escape(&second);
	e2e_pty_free(&second);
}

/*
 * The session goes away: the pty closes (ssh's connection dropped) or a
 * signal arrives. vmgate ends promptly, leaves nothing behind, gives the
 * terminal back when there still is one, and releases the console.
 */
enum hangup_how { HANG_CLOSE, HANG_SIGNAL };

static const struct {
	const char *name;
	enum hangup_how how;
	int sig;
} hangups[] = {
	{ "pty closed", HANG_CLOSE, 0 },
	{ "SIGHUP", HANG_SIGNAL, SIGHUP },
	{ "SIGTERM", HANG_SIGNAL, SIGTERM },
	{ "SIGINT", HANG_SIGNAL, SIGINT },
	{ "SIGQUIT", HANG_SIGNAL, SIGQUIT },
};

static void
test_console_hangup(void **state)
{
	struct e2e_pty p, again;
	size_t i;

	(void)state;
	e2e_skip_unless_root();
	for (i = 0; i < sizeof(hangups) / sizeof(hangups[0]); i++) {
		attach(&p, "console " VM);
		if (hangups[i].how == HANG_CLOSE)
			e2e_pty_hangup(&p);
		else
			assert_int_equal(kill(p.pid, hangups[i].sig), 0);
		if (e2e_pty_wait(&p, QUICK_MS) != 0)
			fail_msg("%s: still running", hangups[i].name);
		if (p.status != 0)
			fail_msg("%s: exit %d: %s", hangups[i].name, p.status,
			    p.buf);
		if (e2e_pty_procs(&p) != 0)
			fail_msg("%s: processes left", hangups[i].name);
		if (hangups[i].how == HANG_SIGNAL && !is_cooked(&p))
			fail_msg("%s: terminal left raw", hangups[i].name);
		e2e_pty_free(&p);
		/* the stream was aborted: no --force needed now */
		attach(&again, "console " VM);
		leave_with_escape(&again);
		e2e_pty_free(&again);
	}
	assert_true(e2e_domain_running(VM));
}

static void
test_console_machine_destroyed(void **state)
{
	struct e2e_pty p;

	(void)state;
	e2e_skip_unless_root();
	attach(&p, "console " VM);
	assert_int_equal(e2e_domain_destroy(VM), 0);
	expect_exit(&p, STOP_MS, 0);
	if (strstr(p.buf, STOPPED_MSG) == NULL)
		fail_msg("no stop message: %s", p.buf);
	assert_true(is_cooked(&p));
	e2e_pty_free(&p);
	assert_int_equal(e2e_domain_state(VM), VIR_DOMAIN_SHUTOFF);
}

/* a transient machine is gone once destroyed: still a plain stop */
static void
test_console_transient_destroyed(void **state)
{
	struct e2e_pty p;

	(void)state;
	e2e_skip_unless_root();
	assert_int_equal(e2e_transient_guest(VM_TRANSIENT, VM_TRANSIENT_PORT),
	    0);
	vmgate_spawn(&p, "console " VM_TRANSIENT);
	if (e2e_pty_expect(&p, "Connected to " VM_TRANSIENT, ATTACH_MS) != 0 ||
	    !wait_raw(&p, ATTACH_MS))
		fail_msg("not attached: %s", p.buf);
	assert_int_equal(e2e_domain_destroy(VM_TRANSIENT), 0);
	expect_exit(&p, STOP_MS, 0);
	if (strstr(p.buf, "vmgate: " VM_TRANSIENT ": machine stopped") == NULL)
		fail_msg("no stop message: %s", p.buf);
	assert_true(is_cooked(&p));
	e2e_pty_free(&p);
	assert_int_equal(e2e_domain_state(VM_TRANSIENT), E2E_NO_DOMAIN);
}

static void
test_console_machine_shut_off(void **state)
{
	struct e2e_pty p;

	(void)state;
	e2e_skip_unless_root();
	assert_int_equal(e2e_domain_destroy(VM), 0);
	vmgate_spawn(&p, "console " VM);
	expect_exit(&p, ATTACH_MS, 1);
	if (strstr(p.buf, "vmgate: " VM ": not running") == NULL)
		fail_msg("no message: %s", p.buf);
	assert_true(is_cooked(&p));
	e2e_pty_free(&p);
}

/* another tenant's machine and a missing one read exactly alike */
static const char *const not_mine[] = { VM_FOREIGN, "con-nothere" };

static void
test_console_not_mine(void **state)
{
	struct e2e_pty p;
	char request[128], msg[128];
	size_t i;

	(void)state;
	e2e_skip_unless_root();
	assert_int_equal(e2e_guest(VM_FOREIGN, VM_FOREIGN_PORT), 0);
	for (i = 0; i < sizeof(not_mine) / sizeof(not_mine[0]); i++) {
		snprintf(request, sizeof(request), "console %s", not_mine[i]);
		snprintf(msg, sizeof(msg), "vmgate: %s: no such machine\r\n",
		    not_mine[i]);
		vmgate_spawn(&p, request);
		expect_exit(&p, ATTACH_MS, 77);
		if (strcmp(p.buf, msg) != 0)
			fail_msg("%s: terminal said: %s", not_mine[i], p.buf);
		e2e_pty_free(&p);
	}
	/* and the foreign machine was not touched */
	assert_true(e2e_domain_running(VM_FOREIGN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_console_relays_and_escapes,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(
		    test_console_outlives_libvirt_timeout, setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_needs_terminal,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_busy,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_force_takes_over,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_hangup,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_machine_destroyed,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_transient_destroyed,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_machine_shut_off,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_console_not_mine,
		    setup_vm, teardown_vm),
	};

	/* E2E_FILTER=test_console_busy runs only the matching tests */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
