/*
 * test_guest_effects: what the power verbs and the console do to a real
 * guest, judged by the guest itself. A diskless SeaBIOS guest with the
 * boot menu on (tests/e2e/stack.sh menuguest) runs on the shared
 * libvirtd; its serial line is copied to a log file by virtlogd, so the
 * test reads what the firmware printed after each step:
 *
 *   - stop asks (ACPI), and SeaBIOS has no ACPI handler: the guest keeps
 *     running; poweroff stops it at once.
 *   - reset restarts the firmware: a new SeaBIOS banner on the line.
 *   - keys typed on the console reach the guest up to the escape ^] and
 *     nothing after it: ESC at "Press ESC for boot menu." opens the menu;
 *     after "^] ESC" the guest got no key at all (any key would end the
 *     prompt's 10 s wait) and boots on only when the wait is over.
 *
 * build/vmgate runs as root with --tenant, as sshd's command= would run it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "e2e.h"

#define VM		"mut-fx1"
#define VM_PORT		5962
#define TENANT		"mut-alice"
#define SERIAL_LOG	"/var/log/libvirt/qemu/" VM "-serial.log"
#define BANNER		"Machine UUID"	/* SeaBIOS printed its banner */
#define MENU_PROMPT	"Press ESC for boot menu."
#define MENU_SHOWN	"Select boot device"
#define BOOTED_ON	"Booting from"	/* the prompt timed out */
#define CONNECTED	"Connected to " VM " (escape character is ^])"

#define ATTACH_MS	10000	/* vmgate up and the terminal raw */
#define FIRMWARE_MS	15000	/* reset to the banner or the prompt */
#define OUTCOME_MS	20000	/* the prompt's 10 s, then menu or boot */
#define UNTOUCHED_MS	4000	/* well inside the prompt's wait */
#define QUICK_MS	3000	/* the escape ends a console this fast */
#define STOP_MS		10000	/* poweroff to "shut off" */
#define IGNORED_MS	4000	/* a stop request SeaBIOS never acts on */
#define LOCK_MS		600000	/* another run of this suite may be going */

static char *tmp;
static char *cfg;
static int lock_fd = -1;

static int
group_setup(void **state)
{
	char *text = NULL;

	(void)state;
	if (!e2e_need_root("test_guest_effects"))
		return 0;
	if ((lock_fd = e2e_lock("test_guest_effects", LOCK_MS)) < 0)
		return -1;
	if (e2e_stack_up() != 0)
		return -1;
	tmp = e2e_tmpdir("effects");
	if (asprintf(&text,
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = %s/keys\n"
	    "\n"
	    "[tenant " TENANT "]\n"
	    "domains = " VM "\n", tmp) < 0)
		return -1;
	cfg = e2e_write_file(tmp, "vmgate.ini", text, 0600);
	free(text);
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

/* every test gets the guest freshly booted, past its menu prompt */
static int
setup_vm(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	return e2e_menu_guest(VM, VM_PORT);
}

static int
teardown_vm(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	return e2e_rmguest(VM);
}

/* ---- the serial line, as virtlogd kept it ---- */

static long
serial_size(void)
{
	struct stat st;

	return stat(SERIAL_LOG, &st) == 0 ? (long)st.st_size : 0;
}

/* what the guest printed from byte `from` on (malloc'd, NUL-terminated;
 * the firmware's NULs made blanks) */
static char *
serial_since(long from)
{
	FILE *f = fopen(SERIAL_LOG, "rb");
	char *buf = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&buf, &len);
	int c;

	assert_non_null(m);
	if (f != NULL) {
		if (fseek(f, from, SEEK_SET) == 0)
			while ((c = fgetc(f)) != EOF)
				fputc(c, m);
		fclose(f);
	}
	fclose(m);
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return buf;
}

/* wait until any of the patterns is on the line after `from`: its index,
 * or -1 after timeout_ms */
static int
serial_wait_any(long from, const char *const patterns[], int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	int i;

	do {
		char *text = serial_since(from);

		for (i = 0; patterns[i] != NULL; i++) {
			if (strstr(text, patterns[i]) != NULL) {
				free(text);
				return i;
			}
		}
		free(text);
		usleep(100 * 1000);
	} while (e2e_now_ms() < deadline);
	return -1;
}

/* ---- vmgate, as the tenant runs it ---- */

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

/* vmgate REQUEST without a terminal: its exit code is want, stdout out */
static void
vmgate_expect(const char *request, int want, const char *out)
{
	const char *const argv[] = {
		E2E_VMGATE, "-f", cfg, "--tenant", TENANT, NULL
	};
	struct e2e_result r;
	struct env e;

	env_for(&e, request);
	assert_int_equal(e2e_run(argv, e.vec, NULL, E2E_TIMEOUT_MS, &r), 0);
	if (r.status != want || strcmp(r.out, out) != 0)
		fail_msg("%s: exit %d (want %d), out '%s' (want '%s'), "
		    "err '%s'", request, r.status, want, r.out, out, r.err);
	e2e_result_free(&r);
}

static bool
wait_raw(struct e2e_pty *p, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	struct termios t;

	while (e2e_now_ms() < deadline) {
		if (e2e_pty_termios(p, &t) == 0 && !e2e_termios_cooked(&t))
			return true;
		e2e_pty_drain(p, 20);
	}
	return false;
}

/* ---- power ---- */

/* stop is a request the guest may ignore; poweroff is not */
static void
test_stop_asks_poweroff_forces(void **state)
{
	(void)state;
	e2e_skip_unless_root();
	vmgate_expect("stop " VM, 0, VM ": shutdown requested\n");
	/* SeaBIOS has no ACPI handler: a forced stop would show here */
	usleep(IGNORED_MS * 1000);
	if (e2e_domain_state(VM) != VIR_DOMAIN_RUNNING)
		fail_msg("stop ended the guest (state %d): that is poweroff's "
		    "job", e2e_domain_state(VM));
	vmgate_expect("poweroff " VM, 0, VM ": powered off\n");
	assert_int_equal(e2e_domain_wait_state(VM, VIR_DOMAIN_SHUTOFF,
	    STOP_MS), 0);
	/* stop on a stopped machine changes nothing and says so */
	vmgate_expect("stop " VM, 1, "");
	assert_int_equal(e2e_domain_state(VM), VIR_DOMAIN_SHUTOFF);
}

/* reset restarts the firmware at once: a new banner on the serial line */
static void
test_reset_restarts_firmware(void **state)
{
	static const char *const banner[] = { BANNER, NULL };
	long from;

	(void)state;
	e2e_skip_unless_root();
	from = serial_size();
	vmgate_expect("reset " VM, 0, VM ": reset\n");
	if (serial_wait_any(from, banner, FIRMWARE_MS) != 0)
		fail_msg("no SeaBIOS banner after reset; the line said: %s",
		    serial_since(from));
	assert_true(e2e_domain_running(VM));
}

/* ---- keys typed on the console ---- */

/*
 * Attach, reset, and at the menu prompt type `keys` in one write (one
 * read for vmgate). The console must end (keys hold the escape). Returns
 * the offset on the serial line where the prompt's wait began.
 */
static long
type_at_prompt(const char *keys, size_t len)
{
	const char *const argv[] = {
		E2E_VMGATE, "-f", cfg, "--tenant", TENANT, NULL
	};
	struct e2e_pty p;
	struct env e;
	long from;

	env_for(&e, "console " VM);
	assert_int_equal(e2e_pty_spawn(&p, argv, e.vec), 0);
	if (e2e_pty_expect(&p, CONNECTED, ATTACH_MS) != 0 ||
	    !wait_raw(&p, ATTACH_MS))
		fail_msg("console not attached: %s", p.buf);
	from = serial_size();
	vmgate_expect("reset " VM, 0, VM ": reset\n");
	if (e2e_pty_expect(&p, MENU_PROMPT, FIRMWARE_MS) != 0)
		fail_msg("no menu prompt on the console: %s", p.buf);
	assert_int_equal(e2e_pty_write(&p, keys, len), 0);
	if (e2e_pty_wait(&p, QUICK_MS) != 0)
		fail_msg("the escape did not end the console: %s", p.buf);
	assert_int_equal(p.status, 0);
	e2e_pty_free(&p);
	return from;
}

/* ESC then ^] in one read: the ESC reaches the guest, the menu opens */
static void
test_console_keys_before_escape_arrive(void **state)
{
	static const char *const outcome[] = { MENU_SHOWN, BOOTED_ON, NULL };
	long from;

	(void)state;
	e2e_skip_unless_root();
	from = type_at_prompt("\x1b\x1d", 2);
	if (serial_wait_any(from, outcome, OUTCOME_MS) != 0)
		fail_msg("the ESC typed before ^] never reached the guest: %s",
		    serial_since(from));
}

/*
 * ^] then ESC in one read: the session ends at ^], and the guest gets no
 * key at all, neither ^] nor the ESC: any key would end the prompt's
 * wait, ESC with the menu, another one with booting on. Only once the
 * wait is over does it boot.
 */
static void
test_console_nothing_after_escape(void **state)
{
	static const char *const outcome[] = { MENU_SHOWN, BOOTED_ON, NULL };
	long from;
	int which;

	(void)state;
	e2e_skip_unless_root();
	from = type_at_prompt("\x1d\x1b", 2);
	which = serial_wait_any(from, outcome, UNTOUCHED_MS);
	if (which >= 0)
		fail_msg("the guest got a key typed with or after ^] "
		    "(it printed '%s'): %s", outcome[which],
		    serial_since(from));
	if (serial_wait_any(from, outcome, OUTCOME_MS) != 1)
		fail_msg("no boot once the prompt's wait was over: %s",
		    serial_since(from));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stop_asks_poweroff_forces,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_reset_restarts_firmware,
		    setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(
		    test_console_keys_before_escape_arrive, setup_vm,
		    teardown_vm),
		cmocka_unit_test_setup_teardown(
		    test_console_nothing_after_escape, setup_vm, teardown_vm),
	};

	/* E2E_FILTER=test_console_* runs only the matching tests */
	if (getenv("E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("E2E_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
