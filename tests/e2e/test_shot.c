/*
 * test_shot: screenshot and sendkey through the real door. A private sshd
 * on 127.0.0.1:2290 (tests/e2e/e2e.c, the shipped snippet), per-user
 * tenant accounts, the real ssh client, and real guests on libvirtd: a
 * SeaBIOS guest with a SPICE display, the Linux guest with SysRq enabled,
 * and a machine that is shut off.
 *
 * - `ssh vmhost screenshot shot-bios > shot.png` is a PNG libpng decodes,
 *   with the size and the pixels spicy-screenshot (a real SPICE client)
 *   captures of the same display;
 * - sendkey has real effects: alt-sysrq-b reboots the Linux guest (its
 *   boot banner comes again on the serial line), ctrl-alt-del makes
 *   SeaBIOS start over (its banner comes again), esc does neither;
 * - refusals: a screenshot onto a terminal (64), an unknown combination
 *   (64, with the table), a machine that is off (1), a tenant whose allow
 *   list does not name the verb (77, and help does not show it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf, memmem */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "vmgate/image.h"
#include "e2e.h"

#define SSHD_PORT	2290
#define SPICE_BIOS	5990
#define SPICE_OFF	5991
#define LIBEXEC		"/usr/local/libexec/vmgate-e2e-shot"
#define VMGATE		LIBEXEC "/vmgate"
#define USER_ALICE	"shot-alice"	/* may screenshot and sendkey */
#define USER_BOB	"shot-bob"	/* the same machine, default verbs */
#define USER_SVC	"shot-svc"	/* named for the snippet, no account */
#define GROUP_TENANTS	"shot-tenants"
#define GUEST_BIOS	"shot-bios"
#define GUEST_LINUX	"shot-linux"
#define GUEST_OFF	"shot-off"
#define LINUX_BANNER	"vmgate-guest: shot ready"
#define BIOS_BANNER	"SeaBIOS (version"
#define BIOS_IDLE	"No bootable device."
#define SPICY		"/usr/bin/spicy-screenshot"
#define LOCK_MS		600000	/* another run of this suite may be going */
#define BIOS_MS		20000	/* SeaBIOS starts over and gives up */
#define REBOOT_MS	90000	/* the Linux guest boots again under TCG */
#define CALM_MS		3000	/* what a key that does nothing may take */
#define SAME_PIXELS_PCT	99	/* the two captures, pixel for pixel */
#define MIN_LIT		2000	/* lit pixels: the screen shows text */
#define TERMINAL_MSG	"vmgate: screenshot writes PNG data: redirect " \
			"it, e.g. ssh vmhost screenshot web1 > web1.png"
#define KEY_LIST	"ctrl-alt-del ctrl-alt-f1 ctrl-alt-f2 ctrl-alt-f3 " \
	"ctrl-alt-f4 ctrl-alt-f5 ctrl-alt-f6 ctrl-alt-f7 ctrl-alt-f8 " \
	"ctrl-alt-f9 ctrl-alt-f10 ctrl-alt-f11 ctrl-alt-f12 alt-sysrq-b " \
	"alt-sysrq-c alt-sysrq-e alt-sysrq-f alt-sysrq-i alt-sysrq-m " \
	"alt-sysrq-r alt-sysrq-s alt-sysrq-t alt-sysrq-u alt-sysrq-w enter esc"

static char *work;
static char cfg_path[512];
static struct e2e_sshd sshd = { .pid = -1 };
static bool ready;
static int lock_fd = -1;

#define SKIP_UNLESS_READY() do { \
	if (!ready) \
		skip(); \
} while (0)

/* ---- helpers ---- */

static void
as_tenant(const char *user, bool tty, const char *cmd,
    struct e2e_result *res)
{
	char key[600];

	snprintf(key, sizeof(key), "%s/key-%s", work, user);
	assert_int_equal(e2e_ssh(&sshd, user, key, tty, cmd, res), 0);
}

/* how often pattern is in the guest's serial log */
static int
serial_count(const char *guest, const char *pattern)
{
	char path[512], *buf = NULL, *p;
	size_t len = 0;
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), E2E_SERIAL_LOG_FMT, guest);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		fclose(f);
		return 0;
	}
	fclose(f);
	for (p = buf; (p = strstr(p, pattern)) != NULL; p += strlen(pattern))
		n++;
	free(buf);
	return n;
}

/* wait until pattern is in the serial log `count` times: 0, or -1 */
static int
serial_wait_count(const char *guest, const char *pattern, int count,
    int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;

	while (serial_count(guest, pattern) < count) {
		if (e2e_now_ms() >= deadline)
			return -1;
		usleep(100 * 1000);
	}
	return 0;
}

struct rgb_image {
	unsigned width, height;
	unsigned char *px;	/* width * height * 3 */
	unsigned rows;		/* filled so far, while reading */
};

static void
rgb_free(struct rgb_image *img)
{
	free(img->px);
	memset(img, 0, sizeof(*img));
}

/* a PNG decoded by libpng, into 8-bit RGB */
static void
decode_png(const char *data, size_t len, struct rgb_image *out)
{
	png_image img;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (png_image_begin_read_from_memory(&img, data, len) == 0)
		fail_msg("not a PNG (%zu bytes): %s", len, img.message);
	img.format = PNG_FORMAT_RGB;
	out->px = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(out->px);
	if (png_image_finish_read(&img, NULL, out->px, 0, NULL) == 0)
		fail_msg("PNG did not decode: %s", img.message);
	out->width = img.width;
	out->height = img.height;
}

static int
ppm_header(void *arg, unsigned width, unsigned height)
{
	struct rgb_image *img = arg;

	img->width = width;
	img->height = height;
	img->px = malloc((size_t)width * height * 3);
	return img->px == NULL ? -1 : 0;
}

static int
ppm_row(void *arg, const unsigned char *rgb)
{
	struct rgb_image *img = arg;
	size_t stride = (size_t)img->width * 3;

	memcpy(img->px + img->rows++ * stride, rgb, stride);
	return 0;
}

/* spicy-screenshot's PPM file, read with the PNM reader */
static void
read_ppm(const char *path, struct rgb_image *out)
{
	struct pnm_reader *r;
	unsigned char buf[65536];
	size_t n;
	FILE *f;

	memset(out, 0, sizeof(*out));
	assert_non_null(f = fopen(path, "rb"));
	r = pnm_new(ppm_header, ppm_row, out);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		assert_int_equal(pnm_feed(r, buf, n), 0);
	fclose(f);
	if (pnm_finish(r) != 0)
		fail_msg("%s: %s", path, pnm_error(r));
	pnm_free(r);
}

/* a one-time password for the display, through vmgate's spice verb */
static void
spice_password(char *pw, size_t size)
{
	struct e2e_result res;
	const char *p;
	size_t n;

	as_tenant(USER_ALICE, false, "spice " GUEST_BIOS " --no-wait", &res);
	assert_int_equal(res.status, 0);
	assert_non_null(p = strstr(res.out, "password: "));
	p += strlen("password: ");
	n = strcspn(p, "\n");
	assert_true(n > 0 && n < size);
	memcpy(pw, p, n);
	pw[n] = '\0';
	e2e_result_free(&res);
}

/* ---- setup ---- */

static int
write_config(void)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = %s/keys\n"
	    "[tenant " USER_ALICE "]\n"
	    "domains = " GUEST_BIOS ", " GUEST_LINUX ", " GUEST_OFF "\n"
	    "allow = status spice screenshot sendkey\n"
	    "[tenant " USER_BOB "]\n"
	    "domains = " GUEST_BIOS "\n"
	    "[domain " GUEST_BIOS "]\n"
	    "spice = 127.0.0.1:%d\n",
	    work, SPICE_BIOS);
	/* readable by nobody, the AuthorizedKeysCommandUser */
	return e2e_write_file(work, "vmgate.ini", text, 0644) != NULL ? 0 : -1;
}

static int
tenant_key(const char *user)
{
	char name[128], keys[600], file[128];

	snprintf(name, sizeof(name), "key-%s", user);
	snprintf(keys, sizeof(keys), "%s/keys", work);
	snprintf(file, sizeof(file), "%s.pub", user);
	return e2e_tenant_key(work, name, keys, file);
}

static void
remove_accounts(void)
{
	e2e_account_del(USER_ALICE);
	e2e_account_del(USER_BOB);
	e2e_group_del(GROUP_TENANTS);
}

static int teardown(void **state);

static int
start_all(void)
{
	struct e2e_linux_guest linux_guest = {
		.name = GUEST_LINUX, .banner = "shot",
	};
	char keys[600];

	work = e2e_tmpdir("shot");
	snprintf(cfg_path, sizeof(cfg_path), "%s/vmgate.ini", work);
	snprintf(keys, sizeof(keys), "%s/keys", work);
	if (chmod(work, 0755) != 0 || mkdir(keys, 0755) != 0)
		return -1;
	if (e2e_stack_up() != 0)
		return -1;
	/* the Linux guest boots (slowly, under TCG) while the rest is set */
	if (e2e_linux_guest(&linux_guest) != 0 ||
	    e2e_guest(GUEST_BIOS, SPICE_BIOS) != 0 ||
	    e2e_guest(GUEST_OFF, SPICE_OFF) != 0 ||
	    e2e_domain_destroy(GUEST_OFF) != 0)
		return -1;
	if (e2e_install_vmgate(VMGATE) != 0 || write_config() != 0 ||
	    tenant_key(USER_ALICE) != 0 || tenant_key(USER_BOB) != 0)
		return -1;
	remove_accounts();
	if (e2e_group_add(GROUP_TENANTS) != 0 ||
	    e2e_account_add(USER_ALICE, "libvirt," GROUP_TENANTS) != 0 ||
	    e2e_account_add(USER_BOB, "libvirt," GROUP_TENANTS) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if (e2e_sshd_start(&sshd, work, SSHD_PORT, VMGATE, cfg_path,
	    GROUP_TENANTS, USER_SVC, USER_ALICE " " USER_BOB) != 0)
		return -1;
	ready = true;
	return 0;
}

static int
setup(void **state)
{
	if (!e2e_need_root("test_shot"))
		return 0;
	if ((lock_fd = e2e_lock("test_shot", LOCK_MS)) < 0)
		return -1;
	if (start_all() == 0)
		return 0;
	/* cmocka skips the group teardown when its setup fails */
	teardown(state);
	return -1;
}

static int
teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	e2e_sshd_stop(&sshd);
	remove_accounts();
	e2e_rmguest(GUEST_BIOS);
	e2e_rmguest(GUEST_LINUX);
	e2e_rmguest(GUEST_OFF);
	unlink(VMGATE);
	rmdir(LIBEXEC);
	e2e_rmtree(work);
	free(work);
	work = NULL;
	e2e_unlock(lock_fd);
	lock_fd = -1;
	return 0;
}

/* ---- the cases ---- */

static void
test_screenshot_matches_spice_client(void **state)
{
	struct e2e_result res, spicy;
	struct rgb_image png = { 0 }, ppm = { 0 };
	char pw[64], port[16], ppm_path[600];
	const char *const argv[] = { SPICY, "-h", "127.0.0.1", "-p", port,
	    "-w", pw, "-o", ppm_path, NULL };
	size_t i, n, same = 0, lit = 0, lit_same = 0;

	(void)state;
	SKIP_UNLESS_READY();
	/* the BIOS screen is still from then on */
	assert_int_equal(e2e_serial_log_wait(GUEST_BIOS, BIOS_IDLE, BIOS_MS),
	    0);

	/* ssh vmhost screenshot shot-bios > shot.png */
	as_tenant(USER_ALICE, false, "screenshot " GUEST_BIOS, &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.err, "");
	decode_png(res.out, res.out_len, &png);
	e2e_result_free(&res);

	/* the same display through a real SPICE client */
	spice_password(pw, sizeof(pw));
	snprintf(port, sizeof(port), "%d", SPICE_BIOS);
	snprintf(ppm_path, sizeof(ppm_path), "%s/spicy.ppm", work);
	assert_int_equal(e2e_run(argv, NULL, NULL, E2E_TIMEOUT_MS, &spicy), 0);
	if (spicy.status != 0)
		fail_msg("spicy-screenshot: exit %d: %s", spicy.status,
		    spicy.err);
	e2e_result_free(&spicy);
	read_ppm(ppm_path, &ppm);

	/* the display's size: VGA text mode, as the SPICE client saw it */
	assert_int_equal(png.width, ppm.width);
	assert_int_equal(png.height, ppm.height);
	assert_int_equal(png.width, 720);
	assert_int_equal(png.height, 400);
	/* the same picture: text on it, nearly every pixel the same (the
	 * cursor may blink between the two captures) */
	n = (size_t)png.width * png.height;
	for (i = 0; i < n; i++) {
		const unsigned char *a = png.px + 3 * i, *b = ppm.px + 3 * i;
		bool eq = memcmp(a, b, 3) == 0;

		same += eq;
		if (a[0] | a[1] | a[2] | b[0] | b[1] | b[2]) {
			lit++;
			lit_same += eq;
		}
	}
	print_message("pixels: %zu of %zu the same; lit %zu, %zu the same\n",
	    same, n, lit, lit_same);
	assert_true(lit >= MIN_LIT);
	assert_true(same * 100 >= n * SAME_PIXELS_PCT);
	assert_true(lit_same * 100 >= lit * 95);
	rgb_free(&png);
	rgb_free(&ppm);
}

static void
test_screenshot_refused_on_terminal(void **state)
{
	struct e2e_result res;

	(void)state;
	SKIP_UNLESS_READY();
	/* ssh -t: stdout is the session's pty */
	as_tenant(USER_ALICE, true, "screenshot " GUEST_BIOS, &res);
	assert_int_equal(res.status, 64);
	if (strstr(res.out, TERMINAL_MSG "\r\n") == NULL)
		fail_msg("on the terminal: '%s'", res.out);
	/* no PNG data reached it */
	assert_null(memmem(res.out, res.out_len, "\x89PNG", 4));
	e2e_result_free(&res);
}

static void
test_sysrq_b_reboots_linux(void **state)
{
	struct e2e_result res;

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(e2e_serial_log_wait(GUEST_LINUX, LINUX_BANNER,
	    E2E_LINUX_READY_MS), 0);
	assert_int_equal(serial_count(GUEST_LINUX, LINUX_BANNER), 1);

	/* a key the kernel ignores here changes nothing */
	as_tenant(USER_ALICE, false, "sendkey " GUEST_LINUX " esc", &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, GUEST_LINUX ": esc sent\n");
	e2e_result_free(&res);
	assert_int_equal(serial_wait_count(GUEST_LINUX, LINUX_BANNER, 2,
	    CALM_MS), -1);

	as_tenant(USER_ALICE, false, "sendkey " GUEST_LINUX " alt-sysrq-b",
	    &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, GUEST_LINUX ": alt-sysrq-b sent\n");
	assert_string_equal(res.err, "");
	e2e_result_free(&res);
	/* the kernel reboots at once, without a shutdown: it boots again */
	if (serial_wait_count(GUEST_LINUX, LINUX_BANNER, 2, REBOOT_MS) != 0)
		fail_msg("no second boot banner after alt-sysrq-b");
	assert_true(e2e_domain_running(GUEST_LINUX));
}

static void
test_ctrl_alt_del_restarts_seabios(void **state)
{
	struct e2e_result res;
	int before;

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(e2e_serial_log_wait(GUEST_BIOS, BIOS_IDLE, BIOS_MS),
	    0);
	before = serial_count(GUEST_BIOS, BIOS_BANNER);
	assert_true(before >= 1);
	as_tenant(USER_ALICE, false, "sendkey " GUEST_BIOS " ctrl-alt-del",
	    &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, GUEST_BIOS ": ctrl-alt-del sent\n");
	assert_string_equal(res.err, "");
	e2e_result_free(&res);
	/* SeaBIOS answers the three-finger salute by starting over */
	if (serial_wait_count(GUEST_BIOS, BIOS_BANNER, before + 1,
	    BIOS_MS) != 0)
		fail_msg("SeaBIOS did not start over after ctrl-alt-del");
}

static void
test_unknown_combination_refused(void **state)
{
	static const char *const bad[] = {
		"sendkey " GUEST_BIOS " ctrl-alt-f13",
		"sendkey " GUEST_BIOS " ctrl+alt+del",
		"sendkey " GUEST_BIOS,
	};
	struct e2e_result res;
	size_t i;
	int banners = serial_count(GUEST_BIOS, BIOS_BANNER);

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		as_tenant(USER_ALICE, false, bad[i], &res);
		assert_int_equal(res.status, 64);
		assert_string_equal(res.out, "");
		if (strstr(res.err, "KEYS is one of: " KEY_LIST ")\n") == NULL)
			fail_msg("%s: '%s'", bad[i], res.err);
		e2e_result_free(&res);
	}
	/* nothing was pressed */
	assert_int_equal(serial_count(GUEST_BIOS, BIOS_BANNER), banners);
}

static void
test_stopped_machine_refused(void **state)
{
	struct e2e_result res;

	(void)state;
	SKIP_UNLESS_READY();
	as_tenant(USER_ALICE, false, "screenshot " GUEST_OFF, &res);
	assert_int_equal(res.status, 1);
	assert_int_equal(res.out_len, 0);
	assert_string_equal(res.err, "vmgate: " GUEST_OFF ": not running\n");
	e2e_result_free(&res);
	as_tenant(USER_ALICE, false, "sendkey " GUEST_OFF " ctrl-alt-del",
	    &res);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, "vmgate: " GUEST_OFF ": not running\n");
	e2e_result_free(&res);
	/* and it stays off */
	assert_int_equal(e2e_domain_state(GUEST_OFF), 5 /* shut off */);
}

static void
test_tenant_without_the_verbs(void **state)
{
	struct e2e_result res;

	(void)state;
	SKIP_UNLESS_READY();
	/* bob's machine, but no allow list of his names these verbs */
	as_tenant(USER_BOB, false, "screenshot " GUEST_BIOS, &res);
	assert_int_equal(res.status, 77);
	assert_int_equal(res.out_len, 0);
	assert_string_equal(res.err, "vmgate: " GUEST_BIOS
	    ": no such machine\n");
	e2e_result_free(&res);
	as_tenant(USER_BOB, false, "sendkey " GUEST_BIOS " ctrl-alt-del",
	    &res);
	assert_int_equal(res.status, 77);
	assert_string_equal(res.err, "vmgate: " GUEST_BIOS
	    ": no such machine\n");
	e2e_result_free(&res);
	/* help shows each tenant what it has */
	as_tenant(USER_BOB, false, "help", &res);
	assert_int_equal(res.status, 0);
	assert_null(strstr(res.out, "screenshot"));
	assert_null(strstr(res.out, "sendkey"));
	assert_non_null(strstr(res.out, "reset VM"));
	e2e_result_free(&res);
	as_tenant(USER_ALICE, false, "help", &res);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.out, "  screenshot VM "));
	assert_non_null(strstr(res.out, "  sendkey VM KEYS "));
	assert_null(strstr(res.out, "reset VM"));
	e2e_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* before ctrl-alt-del makes SeaBIOS start over */
		cmocka_unit_test(test_screenshot_matches_spice_client),
		cmocka_unit_test(test_screenshot_refused_on_terminal),
		cmocka_unit_test(test_sysrq_b_reboots_linux),
		cmocka_unit_test(test_ctrl_alt_del_restarts_seabios),
		cmocka_unit_test(test_unknown_combination_refused),
		cmocka_unit_test(test_stopped_machine_refused),
		cmocka_unit_test(test_tenant_without_the_verbs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
