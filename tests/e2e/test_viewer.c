/*
 * test_viewer: the tenant's viewer, end to end, exactly as the README
 * tells a tenant to open it. A private sshd on 127.0.0.1:2300 in the
 * shared-account model (key lines from vmgate's authorized-keys), the
 * guest view-web1 with a locked SPICE display on 127.0.0.3:5913, the real
 * OpenSSH client with a throw-away ssh_config that names the host
 * "vmhost", and the real remote-viewer on an Xvfb this suite starts:
 *
 *   ssh -L 5913:127.0.0.3:5913 vmhost spice view-web1 --vv | remote-viewer -
 *   contrib/vmgate-viewer vmhost view-web1
 *
 * each with ssh's stdin held open, must put a window titled with the
 * machine's name on the screen showing the guest's display (not blank),
 * while the session, and so the tunnel, lives.
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
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SSHD_PORT	2300
#define SPICE_ADDR	"127.0.0.3"	/* the tenant's -L binds 127.0.0.1 */
#define SPICE_PORT	5913
#define SPICE_PORT_S	"5913"
#define GUEST		"view-web1"
#define TENANT		"viewalice"	/* shared model: no account */
#define SVC_USER	"view-svc"
#define LIBEXEC		"/usr/local/libexec/vmgate-view"
#define VMGATE		LIBEXEC "/vmgate"
#define SSH		"/usr/bin/ssh"
#define XVFB		"/usr/bin/Xvfb"
#define VIEWER		"/usr/bin/remote-viewer"
#define XWININFO	"/usr/bin/xwininfo"
#define IMPORT		"/usr/bin/import"
#define CONVERT		"/usr/bin/convert"
#define DISPLAY_FIRST	91
#define DISPLAY_LAST	95
#define WINDOW_MS	30000	/* viewer started to its window */
#define PICTURE_MS	15000	/* window to the guest's picture in it */
#define END_MS		15000	/* stdin closed to ssh gone */
#define START_MS	10000	/* sshd and Xvfb */
#define POLL_US		200000
#define LOCK_MS		600000
#define HEADER_SHARE	8	/* the top 1/8 of the window: its title bar */
#define EDGE		10	/* pixels left out at the borders */

static char *work;
static char display[16];	/* ":91" */
static pid_t sshd_pid = -1;
static pid_t xvfb_pid = -1;
static int lock_fd = -1;
static bool ready;

static char *
path_of(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", work, name) < 0)
		abort();
	return p;
}

static bool
alive(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

/*
 * fork + execve argv with the X display and a private HOME; fds 0 and 1
 * from in_fd / out_fd (-1: /dev/null), stderr to work/NAME.log.
 */
static pid_t
spawn(const char *const argv[], int in_fd, int out_fd, const char *log)
{
	char env_display[32], env_home[512];
	const char *const envp[] = { env_display, env_home,
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL };
	char *logpath = path_of(log);
	int err = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	pid_t pid;

	snprintf(env_display, sizeof(env_display), "DISPLAY=%s", display);
	snprintf(env_home, sizeof(env_home), "HOME=%s/home", work);
	pid = e2e_spawn(argv, envp, in_fd, out_fd, err);
	if (err >= 0)
		close(err);
	free(logpath);
	return pid;
}

/* a log of ours on stderr, to tell why a test failed */
static void
show_log(const char *name)
{
	e2e_sh("sed 's/^/%s: /' %s/%s >&2", name, work, name);
}

/* ---- the X side ---- */

struct window {
	int w, h, x, y;	/* size, and position on the root window */
};

/* a top-level window whose title starts with title, from xwininfo */
static bool
find_window(const char *title, struct window *win)
{
	const char *const argv[] = { XWININFO, "-root", "-tree", "-display",
	    display, NULL };
	struct e2e_result res;
	char quoted[128];
	const char *p;
	bool found = false;

	snprintf(quoted, sizeof(quoted), "\"%s", title);
	if (e2e_run(argv, NULL, NULL, 5000, &res) != 0 || res.status != 0) {
		e2e_result_free(&res);
		return false;
	}
	for (p = res.out; (p = strstr(p, quoted)) != NULL; p++) {
		char line[512], *geo;
		int rx, ry;

		/* NAME: ("CLASS" "CLASS")  730x456+0+0  +0+0: the size, the
		 * place in the parent and on the root window */
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		geo = strrchr(line, ')');
		if (geo != NULL && sscanf(geo + 1, " %dx%d%d%d %d%d", &win->w,
		    &win->h, &rx, &ry, &win->x, &win->y) == 6 &&
		    win->w > 2 * EDGE && win->h > 2 * EDGE) {
			found = true;
			break;
		}
	}
	e2e_result_free(&res);
	return found;
}

static bool
wait_window(const char *title, struct window *win)
{
	long long end = e2e_now_ms() + WINDOW_MS;

	while (e2e_now_ms() < end) {
		if (find_window(title, win))
			return true;
		usleep(POLL_US);
	}
	return false;
}

/* distinct colours in the window below its title bar, or -1 */
static int
window_colours(const struct window *win, const char *png)
{
	const char *const shot[] = { IMPORT, "-display", display, "-window",
	    "root", png, NULL };
	char crop[64];
	const char *const count[] = { CONVERT, png, "-crop", crop, "+repage",
	    "-format", "%k", "info:", NULL };
	struct e2e_result res;
	int top = win->h / HEADER_SHARE, n = -1;

	snprintf(crop, sizeof(crop), "%dx%d+%d+%d", win->w - 2 * EDGE,
	    win->h - top - EDGE, win->x + EDGE, win->y + top);
	if (e2e_run(shot, NULL, NULL, 10000, &res) == 0 && res.status == 0) {
		e2e_result_free(&res);
		if (e2e_run(count, NULL, NULL, 10000, &res) == 0 &&
		    res.status == 0)
			n = atoi(res.out);
	}
	e2e_result_free(&res);
	return n;
}

/* the guest's screen (SeaBIOS's text) shows in the window: not one colour */
static void
assert_picture(const struct window *win, const char *png)
{
	long long end = e2e_now_ms() + PICTURE_MS;
	int n;

	while ((n = window_colours(win, png)) < 2 && e2e_now_ms() < end)
		usleep(POLL_US);
	if (n < 2)
		fail_msg("the viewer's window shows %d colour(s): blank", n);
}

static int
start_xvfb(void)
{
	int d;

	for (d = DISPLAY_FIRST; d <= DISPLAY_LAST; d++) {
		char sock[64], lock[64];
		long long end;

		snprintf(sock, sizeof(sock), "/tmp/.X11-unix/X%d", d);
		snprintf(lock, sizeof(lock), "/tmp/.X%d-lock", d);
		if (access(lock, F_OK) == 0 || access(sock, F_OK) == 0)
			continue;	/* someone's server, or its remains */
		snprintf(display, sizeof(display), ":%d", d);
		{
			const char *const argv[] = { XVFB, display, "-screen",
			    "0", "1024x768x24", "-nolisten", "tcp", NULL };

			xvfb_pid = spawn(argv, -1, -1, "xvfb.log");
		}
		end = e2e_now_ms() + START_MS;
		while (e2e_now_ms() < end && alive(xvfb_pid)) {
			if (access(sock, F_OK) == 0)
				return 0;
			usleep(100000);
		}
		e2e_stop(&xvfb_pid);
	}
	return -1;
}

/* ---- sshd and the client's config ---- */

/* work/name, mode 0644 (sshd's AuthorizedKeysCommandUser reads them) */
static int
write_text(const char *name, const char *text)
{
	char *p = e2e_write_file(work, name, text, 0644);

	free(p);
	return p == NULL;
}

static int
write_files(void)
{
	char *text = NULL;
	int r = 0;

	if (asprintf(&text,
	    "[vmgate]\n"
	    "uri = " E2E_URI "\n"
	    "keys = %s/keys\n"
	    "service_user = " SVC_USER "\n"
	    "[tenant " TENANT "]\n"
	    "domains = " GUEST "\n"
	    "[domain " GUEST "]\n"
	    "spice = " SPICE_ADDR ":" SPICE_PORT_S "\n", work) < 0)
		abort();
	r |= write_text("vmgate.ini", text);
	free(text);
	r |= e2e_gate_sshd_config(work, SSHD_PORT, VMGATE, SVC_USER, "");
	/* the tenant's side: "vmhost" as the README writes it */
	if (asprintf(&text,
	    "Host vmhost\n"
	    "  HostName 127.0.0.1\n  Port %d\n  User " SVC_USER "\n"
	    "  IdentityFile %s/tenant\n  IdentitiesOnly yes\n"
	    "  BatchMode yes\n  UserKnownHostsFile %s/known_hosts\n"
	    "  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n",
	    SSHD_PORT, work, work) < 0)
		abort();
	r |= write_text("ssh_config", text);
	free(text);
	return r ? -1 : 0;
}

static int
setup(void **state)
{
	char keys[512];

	(void)state;
	if (!e2e_need_root("test_viewer"))
		return 0;
	/* the port, the guest and the account are this suite's alone */
	if ((lock_fd = e2e_lock("sshd-2300", LOCK_MS)) < 0)
		return -1;
	if ((work = e2e_tmpdir("viewer")) == NULL || chmod(work, 0755) != 0)
		return -1;
	snprintf(keys, sizeof(keys), "%s/keys", work);
	if (e2e_sh("mkdir -m 0755 %s/keys && mkdir -m 0700 %s/home", work,
	    work) != 0)
		return -1;
	if (e2e_stack_up() != 0 ||
	    e2e_sh("sh %s/stack.sh guest " GUEST " %d " SPICE_ADDR " >&2",
	    E2E_DIR, SPICE_PORT) != 0)
		return -1;
	if (e2e_install_vmgate(VMGATE) != 0)
		return -1;
	if (e2e_tenant_key(work, "tenant", keys, TENANT ".pub") != 0 ||
	    e2e_keygen(work, "hostkey") != 0)
		return -1;
	if (write_files() != 0)
		return -1;
	if (e2e_account_add(SVC_USER, "libvirt") != 0)
		return -1;
	mkdir("/run/sshd", 0755);
	signal(SIGPIPE, SIG_IGN);
	if ((sshd_pid = e2e_gate_sshd_start(work, "vmhost", START_MS)) < 0) {
		fprintf(stderr, "test_viewer: sshd did not start\n");
		return -1;
	}
	if (start_xvfb() != 0) {
		fprintf(stderr, "test_viewer: no free display :%d-:%d\n",
		    DISPLAY_FIRST, DISPLAY_LAST);
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
	e2e_stop(&xvfb_pid);
	e2e_stop(&sshd_pid);
	e2e_account_del(SVC_USER);
	e2e_rmguest(GUEST);
	e2e_sh("rm -rf " LIBEXEC);
	e2e_rmtree(work);
	free(work);
	e2e_unlock(lock_fd);
	return 0;
}

/* ---- the tests ---- */

/* the pid of a child of parent running comm, or -1 */
static pid_t
child_named(pid_t parent, const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	while (d != NULL && (e = readdir(d)) != NULL && found < 0) {
		char path[300], stat[512], name[64];
		int ppid;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(stat, sizeof(stat), f) != NULL &&
		    sscanf(stat, "%*d (%63[^)]) %*c %d", name, &ppid) == 2 &&
		    ppid == parent && strcmp(name, comm) == 0)
			found = atoi(e->d_name);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/*
 * The README's pipeline, ssh's stdin held open as a terminal would hold
 * it: the viewer gets the whole file, connects through the tunnel and
 * shows the machine; closing ssh's stdin then ends the session.
 */
static void
test_vv_pipe_opens_the_display(void **state)
{
	char *cfg = path_of("ssh_config"), *png = path_of("pipe.png");
	const char *const ssh[] = { SSH, "-F", cfg, "-L",
	    SPICE_PORT_S ":" SPICE_ADDR ":" SPICE_PORT_S, "vmhost", "spice",
	    GUEST, "--vv", NULL };
	const char *const viewer[] = { VIEWER, "-", NULL };
	struct window win;
	int hold[2], vv[2];
	pid_t ssh_pid, viewer_pid;

	(void)state;
	if (!ready)
		skip();
	assert_false(find_window(GUEST, &win));
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	assert_int_equal(pipe2(vv, O_CLOEXEC), 0);
	ssh_pid = spawn(ssh, hold[0], vv[1], "pipe-ssh.log");
	viewer_pid = spawn(viewer, vv[0], -1, "pipe-viewer.log");
	close(hold[0]);
	close(vv[0]);
	close(vv[1]);

	if (!wait_window(GUEST, &win)) {
		kill(viewer_pid, SIGKILL);
		kill(ssh_pid, SIGKILL);
		show_log("pipe-ssh.log");
		show_log("pipe-viewer.log");
		show_log("sshd.log");
		fail_msg("no window titled " GUEST " within %d ms", WINDOW_MS);
	}
	assert_picture(&win, png);
	/* the session, and so the tunnel, is still held */
	assert_true(alive(ssh_pid));

	/* the tenant closes the viewer, then ends the session (^D) */
	e2e_stop(&viewer_pid);
	close(hold[1]);
	assert_int_equal(e2e_wait_exit(ssh_pid, END_MS), 0);
	free(cfg);
	free(png);
}

/* contrib/vmgate-viewer HOST MACHINE: the same, in one step */
static void
test_vmgate_viewer_opens_the_display(void **state)
{
	char *cfg = path_of("ssh_config"), *png = path_of("helper.png");
	char script[512];
	const char *argv[] = { script, "-F", cfg, "vmhost", GUEST, NULL };
	struct window win;
	pid_t helper, viewer_pid, ssh_pid;
	long long end;

	(void)state;
	if (!ready)
		skip();
	snprintf(script, sizeof(script), "%s/../../contrib/vmgate-viewer",
	    E2E_DIR);
	/* no window of an earlier test may answer for this one */
	assert_false(find_window(GUEST, &win));
	helper = spawn(argv, -1, -1, "helper.log");
	if (!wait_window(GUEST, &win)) {
		kill(helper, SIGTERM);
		e2e_wait_exit(helper, 5000);
		show_log("helper.log");
		fail_msg("no window titled " GUEST " within %d ms", WINDOW_MS);
	}
	assert_picture(&win, png);
	ssh_pid = child_named(helper, "ssh");
	viewer_pid = child_named(helper, "remote-viewer");
	assert_true(ssh_pid > 0);
	assert_true(viewer_pid > 0);

	/* the tenant closes the viewer: the helper ends the session */
	kill(viewer_pid, SIGTERM);
	assert_true(e2e_wait_exit(helper, END_MS) >= 0);
	end = e2e_now_ms() + END_MS;
	while (kill(ssh_pid, 0) == 0 && e2e_now_ms() < end)
		usleep(POLL_US);
	assert_int_not_equal(kill(ssh_pid, 0), 0);
	free(cfg);
	free(png);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vv_pipe_opens_the_display),
		cmocka_unit_test(test_vmgate_viewer_opens_the_display),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
