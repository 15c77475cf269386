/*
 * test_spice: one-time SPICE passwords on the real stack.
 * build/vmgate runs as root with --tenant and a private config; guests
 * spi-* on libvirtd + QEMU serve real SPICE displays on 5920-5929, and
 * spicy-screenshot (a real SPICE client) shows which password gets in.
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
#include <ctype.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define TENANT		"vgt-spice"
#define GUEST_WEB	"spi-web1"	/* locked display, running */
#define GUEST_OPEN	"spi-open"	/* display without ticketing */
#define GUEST_OFF	"spi-off"	/* locked display, shut off */
#define GUEST_FOREIGN	"spi-bob"	/* another tenant's */
#define PORT_WEB	5920
#define PORT_OPEN	5921
#define PORT_OFF	5922
#define PORT_FOREIGN	5923
#define LOCAL_PORT	15920		/* a tenant's --port */
#define LOCAL_PORT_S	"15920"
#define TTL		3		/* spice_ttl in the test config */
#define PASSWD_LEN	24
#define MAX_OUT		65536
#define RUN_TIMEOUT_MS	30000
#define CLIENT_TIMEOUT_MS 20000
#define SPICY		"/usr/bin/spicy-screenshot"
#define VIRSH		"/usr/bin/virsh"
#define HOLD_MS		1500		/* the session must still be held */

static char *work;
static char *cfg_path;
static bool ready;

/* exit code of pid within ms, or -1 (it is then killed) */
static int
reap(pid_t pid, long long ms)
{
	long long end = e2e_now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 || e2e_now_ms() > end)
			break;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* read fd to EOF into buf (NUL-terminated, cut at size) */
static void
drain(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, size - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	buf[len] = '\0';
}

/*
 * Start build/vmgate as the tenant with request as SSH_ORIGINAL_COMMAND
 * and only the environment sshd would give. stdin_fd becomes its stdin;
 * *out_fd and *err_fd are the read ends of its stdout and stderr.
 */
static pid_t
spawn_vmgate(const char *request, int stdin_fd, int *out_fd, int *err_fd)
{
	char envreq[1024];
	char *const argv[] = { E2E_VMGATE, "-f", cfg_path, "--tenant",
	    TENANT, NULL };
	char *envp[] = { envreq, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    NULL };
	int o[2], e[2];
	pid_t pid;

	snprintf(envreq, sizeof(envreq), "SSH_ORIGINAL_COMMAND=%s", request);
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(stdin_fd, 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	*out_fd = o[0];
	*err_fd = e[0];
	return pid;
}

/* run a request to the end with stdin at EOF; free res after */
static void
vmgate(const char *request, struct e2e_result *res)
{
	char envreq[1024];
	const char *const argv[] = { E2E_VMGATE, "-f", cfg_path, "--tenant",
	    TENANT, NULL };
	const char *const envp[] = { envreq, NULL };

	snprintf(envreq, sizeof(envreq), "SSH_ORIGINAL_COMMAND=%s", request);
	assert_int_equal(e2e_run(argv, envp, NULL, RUN_TIMEOUT_MS, res), 0);
	assert_false(res->timed_out);
}

/* value of the "key: value" line (the key's own alignment included) */
static bool
line_value(const char *text, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0) {
			size_t n = strcspn(p + klen, "\n");

			if (n >= size)
				return false;
			memcpy(val, p + klen, n);
			val[n] = '\0';
			return true;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return false;
}

static int
line_count(const char *text)
{
	int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

static bool
password_shaped(const char *pw)
{
	size_t i;

	for (i = 0; pw[i] != '\0'; i++) {
		if (!isalnum((unsigned char)pw[i]))
			return false;
	}
	return i == PASSWD_LEN;
}

/*
 * spicy-screenshot's line when the display refuses the password: the main
 * channel's SPICE_CHANNEL_ERROR_AUTH (23 in spice-gtk's SpiceChannelEvent).
 * Nothing listening is ERROR_CONNECT (20): not a refusal.
 */
#define SPICY_AUTH_REFUSED	"main channel event: 23\n"

/*
 * Log in to the display on port with password through spicy-screenshot;
 * true when it got in and wrote a PPM screenshot, false when the display
 * refused the password. Any other failure fails the test.
 */
static bool
spice_login(int port, const char *password)
{
	char portbuf[16], shot[300];
	const char *const argv[] = { SPICY, "-h", "127.0.0.1", "-p", portbuf,
	    "-w", password, "-o", shot, NULL };
	struct e2e_result res;
	char magic[3] = "";
	struct stat st;
	FILE *f;
	int rc;

	snprintf(portbuf, sizeof(portbuf), "%d", port);
	snprintf(shot, sizeof(shot), "%s/shot.ppm", work);
	unlink(shot);
	assert_int_equal(e2e_run(argv, NULL, NULL, CLIENT_TIMEOUT_MS, &res), 0);
	assert_false(res.timed_out);
	rc = res.status;
	if (rc != 0 && strstr(res.err, SPICY_AUTH_REFUSED) == NULL)
		fail_msg("spicy-screenshot on port %d failed, but not on the "
		    "password: exit %d: %s", port, rc, res.err);
	e2e_result_free(&res);
	if (rc != 0)
		return false;
	f = fopen(shot, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_int_equal(stat(shot, &st), 0);
	assert_string_equal(magic, "P6");
	assert_true(st.st_size > 1000);
	return true;
}

/* the password from a successful human-format ticket, checked in shape */
static void
issue(const char *machine, char *pw, size_t size)
{
	struct e2e_result res;
	char req[256];

	snprintf(req, sizeof(req), "spice %s --no-wait", machine);
	vmgate(req, &res);
	if (res.status != 0)
		fail_msg("%s: exit %d: %s", req, res.status, res.err);
	assert_true(line_value(res.out, "password: ", pw, size));
	assert_true(password_shaped(pw));
	e2e_result_free(&res);
}

/* the domain XML with passwords, live or persistent; malloc'd */
static char *
dumpxml(const char *name, bool inactive)
{
	const char *const argv[] = { VIRSH, "-c", E2E_URI, "dumpxml",
	    "--security-info", name, inactive ? "--inactive" : NULL, NULL };
	struct e2e_result res;
	char *xml;

	assert_int_equal(e2e_run(argv, NULL, NULL, RUN_TIMEOUT_MS, &res), 0);
	assert_int_equal(res.status, 0);
	xml = res.out;
	res.out = NULL;
	e2e_result_free(&res);
	return xml;
}

/* ---- setup ---- */

static int
write_config(void)
{
	char text[1024];

	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = " E2E_URI "\n"
	    "keys = %s/keys\n"
	    "spice_ttl = %d\n"
	    "\n"
	    "[tenant " TENANT "]\n"
	    "domains = " GUEST_WEB " " GUEST_OPEN " " GUEST_OFF "\n"
	    "\n"
	    "[tenant vgt-spice-bob]\n"
	    "domains = " GUEST_FOREIGN "\n", work, TTL);
	cfg_path = e2e_write_file(work, "vmgate.ini", text, 0600);
	return cfg_path != NULL ? 0 : -1;
}

/*
 * A display defined without passwd: QEMU runs it with ticketing off.
 * stack.sh's own guest XML, minus the lock.
 */
static int
define_open_guest(void)
{
	char script[1024];
	const char *const argv[] = { "/bin/sh", "-c", script, NULL };
	const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    NULL };
	struct e2e_result res;
	int rc;

	snprintf(script, sizeof(script),
	    ". %s && stack_guest_xml %s %d \"$(cat \"$STACK_RUN/virttype\")\" |"
	    " sed \"s/ passwd='locked' passwdValidTo='1970-01-01T00:00:00'//\""
	    " >%s/open.xml && virsh -q -c %s define %s/open.xml &&"
	    " virsh -q -c %s start %s", E2E_STACK, GUEST_OPEN, PORT_OPEN, work,
	    E2E_URI, work, E2E_URI, GUEST_OPEN);
	if (e2e_run(argv, envp, NULL, RUN_TIMEOUT_MS, &res) != 0)
		return -1;
	rc = res.status == 0 ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "test_spice: %s: %s\n", GUEST_OPEN, res.err);
	e2e_result_free(&res);
	return rc;
}

static int
setup(void **state)
{
	char *keys = NULL;

	(void)state;
	if (!e2e_need_root("test_spice"))
		return 0;
	if ((work = e2e_tmpdir("spice")) == NULL || write_config() != 0 ||
	    asprintf(&keys, "%s/keys", work) < 0 || mkdir(keys, 0700) != 0)
		return -1;
	free(keys);
	if (e2e_stack_up() != 0 ||
	    e2e_guest(GUEST_WEB, PORT_WEB) != 0 ||
	    e2e_guest(GUEST_OFF, PORT_OFF) != 0 ||
	    e2e_guest(GUEST_FOREIGN, PORT_FOREIGN) != 0 ||
	    e2e_domain_destroy(GUEST_OFF) != 0 ||
	    e2e_domain_destroy(GUEST_FOREIGN) != 0 ||
	    e2e_rmguest(GUEST_OPEN) != 0 || define_open_guest() != 0)
		return -1;
	ready = true;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (work == NULL)
		return 0;
	e2e_rmguest(GUEST_WEB);
	e2e_rmguest(GUEST_OPEN);
	e2e_rmguest(GUEST_OFF);
	e2e_rmguest(GUEST_FOREIGN);
	e2e_rmtree(work);
	free(work);
	free(cfg_path);
	return 0;
}

#define SKIP_UNLESS_READY() do { \
	if (!ready) { \
		fprintf(stderr, "test_spice: skipped (not root)\n"); \
		skip(); \
	} \
} while (0)

/* ---- tests ---- */

static void
test_ticket_lines_and_login(void **state)
{
	struct e2e_result res;
	char val[256], pw[64], want[512], host[256];
	struct tm tm;
	time_t before = time(NULL), exp;

	(void)state;
	SKIP_UNLESS_READY();
	vmgate("spice " GUEST_WEB " --no-wait", &res);
	if (res.status != 0)
		fail_msg("exit %d: %s", res.status, res.err);
	assert_string_equal(res.err, "");
	assert_int_equal(line_count(res.out), 5);
	assert_true(line_value(res.out, "machine:  ", val, sizeof(val)));
	assert_string_equal(val, GUEST_WEB);
	assert_true(line_value(res.out, "password: ", pw, sizeof(pw)));
	assert_true(password_shaped(pw));
	assert_true(line_value(res.out, "expires:  ", val, sizeof(val)));
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(val, "%Y-%m-%dT%H:%M:%SZ", &tm));
	exp = timegm(&tm);
	assert_true(exp >= before + TTL && exp <= time(NULL) + TTL);
	assert_true(line_value(res.out, "tunnel:   ", val, sizeof(val)));
	snprintf(want, sizeof(want), "ssh -L %d:127.0.0.1:%d ", PORT_WEB,
	    PORT_WEB);
	assert_int_equal(strncmp(val, want, strlen(want)), 0);
	/* the destination is the account this session logged in as, at
	 * this host: here root, which runs vmgate as sshd would */
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[strcspn(host, ".")] = '\0';
	snprintf(want, sizeof(want), "%s@%s", getpwuid(getuid())->pw_name,
	    host);
	assert_string_equal(val + strlen("ssh -L ") + strcspn(val +
	    strlen("ssh -L "), " ") + 1, want);
	assert_true(line_value(res.out, "viewer:   ", val, sizeof(val)));
	snprintf(want, sizeof(want), "remote-viewer spice://127.0.0.1:%d",
	    PORT_WEB);
	assert_string_equal(val, want);

	/* the password gets in; another does not */
	assert_true(spice_login(PORT_WEB, pw));
	assert_false(spice_login(PORT_WEB, "wrongwrongwrongwrong1234"));
	/* after spice_ttl, the same password is refused */
	sleep(TTL + 1);
	assert_false(spice_login(PORT_WEB, pw));
	e2e_result_free(&res);
}

static void
test_second_ticket_replaces_first(void **state)
{
	char first[64], second[64];

	(void)state;
	SKIP_UNLESS_READY();
	issue(GUEST_WEB, first, sizeof(first));
	issue(GUEST_WEB, second, sizeof(second));
	assert_string_not_equal(first, second);
	assert_true(spice_login(PORT_WEB, second));
	assert_false(spice_login(PORT_WEB, first));
}

static void
test_password_only_live(void **state)
{
	char pw[64];
	char *live, *inactive;

	(void)state;
	SKIP_UNLESS_READY();
	issue(GUEST_WEB, pw, sizeof(pw));
	live = dumpxml(GUEST_WEB, false);
	inactive = dumpxml(GUEST_WEB, true);
	/* the live definition has it (so the search below can find it) */
	assert_non_null(strstr(live, pw));
	assert_non_null(strstr(inactive, "<graphics type='spice'"));
	assert_null(strstr(inactive, pw));
	assert_non_null(strstr(inactive, "passwd='locked'"));
	free(live);
	free(inactive);
}

static void
test_vv_file_with_local_port(void **state)
{
	struct e2e_result res;
	char pw[64], want[512];

	(void)state;
	SKIP_UNLESS_READY();
	vmgate("spice " GUEST_WEB " --port " LOCAL_PORT_S " --vv --no-wait", &res);
	if (res.status != 0)
		fail_msg("exit %d: %s", res.status, res.err);
	assert_true(line_value(res.out, "password=", pw, sizeof(pw)));
	assert_true(password_shaped(pw));
	snprintf(want, sizeof(want),
	    "[virt-viewer]\n"
	    "type=spice\n"
	    "host=127.0.0.1\n"
	    "port=%d\n"
	    "password=%s\n"
	    "title=" GUEST_WEB "\n"
	    "delete-this-file=1\n", LOCAL_PORT, pw);
	assert_string_equal(res.out, want);
	/* the file's password opens the display behind the tunnel */
	assert_true(spice_login(PORT_WEB, pw));
	e2e_result_free(&res);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char *request;
		int status;
		const char *err;	/* stderr starts with this */
		const char *also;	/* and contains this */
	} cases[] = {
		{ "spice " GUEST_OFF " --no-wait", 1,
		  "vmgate: " GUEST_OFF ": ", "not running" },
		{ "spice " GUEST_OPEN " --no-wait", 1,
		  "vmgate: " GUEST_OPEN ": ", "ask the admin" },
		{ "spice " GUEST_FOREIGN " --no-wait", 77,
		  "vmgate: " GUEST_FOREIGN ": no such machine", "" },
		{ "spice spi-nonexistent --no-wait", 77,
		  "vmgate: spi-nonexistent: no such machine", "" },
	};
	struct e2e_result res;
	size_t i;

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmgate(cases[i].request, &res);
		if (res.status != cases[i].status ||
		    strncmp(res.err, cases[i].err, strlen(cases[i].err)) != 0 ||
		    strstr(res.err, cases[i].also) == NULL)
			fail_msg("%s: exit %d, stderr '%s'", cases[i].request,
			    res.status, res.err);
		/* no password is ever printed for a refusal */
		assert_string_equal(res.out, "");
		e2e_result_free(&res);
	}
}

enum hold_end { HOLD_EOF, HOLD_HANGUP };

/* without --no-wait the session holds (ticket already printed) */
static void
check_hold(enum hold_end how)
{
	char out[MAX_OUT], err[MAX_OUT], pw[64];
	int in[2], o, e, status;
	ssize_t n;
	size_t len = 0;
	pid_t pid;
	long long end;

	out[0] = '\0';
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	pid = spawn_vmgate("spice " GUEST_WEB, in[0], &o, &e);
	close(in[0]);
	/* the five lines arrive while the session is still held */
	end = e2e_now_ms() + RUN_TIMEOUT_MS;
	while (line_count(out) < 5 && e2e_now_ms() < end) {
		n = read(o, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = '\0';
	}
	out[len] = '\0';
	if (line_count(out) != 5)
		fail_msg("no ticket while held: '%s'", out);
	assert_true(line_value(out, "password: ", pw, sizeof(pw)));
	usleep(HOLD_MS * 1000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	/* the ticket works while the session holds */
	assert_true(spice_login(PORT_WEB, pw));
	if (how == HOLD_EOF)
		close(in[1]);
	else
		kill(pid, SIGHUP);
	assert_int_equal(reap(pid, RUN_TIMEOUT_MS), 0);
	drain(e, err, sizeof(err));
	close(o);
	close(e);
	if (how == HOLD_HANGUP)
		close(in[1]);
	/* and the tenant is told why the command does not return */
	assert_string_equal(err, E2E_HOLD_NOTICE);
}

static void
test_holds_until_stdin_closes(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	check_hold(HOLD_EOF);
}

static void
test_holds_until_hangup(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	check_hold(HOLD_HANGUP);
}

/*
 * With ssh -t stdout and stderr are one terminal: what the tenant reads
 * there is in the order vmgate wrote it, the ticket before the word that
 * the session holds (the answer is held back until libvirt is done with,
 * and two held streams would come out errors first).
 */
static void
test_held_on_a_terminal_in_order(void **state)
{
	char envreq[1024];
	const char *const argv[] = { E2E_VMGATE, "-f", cfg_path, "--tenant",
	    TENANT, NULL };
	const char *const envp[] = { envreq, NULL };
	struct e2e_pty p;
	const char *pw, *hold;

	(void)state;
	SKIP_UNLESS_READY();
	snprintf(envreq, sizeof(envreq), "SSH_ORIGINAL_COMMAND=spice "
	    GUEST_WEB);
	assert_int_equal(e2e_pty_spawn(&p, argv, envp), 0);
	if (e2e_pty_expect(&p, "until Ctrl-D or ssh ends)", RUN_TIMEOUT_MS)
	    != 0)
		fail_msg("no word that the session holds: '%s'", p.buf);
	pw = strstr(p.buf, "password: ");
	hold = strstr(p.buf, "(holding the session");
	if (pw == NULL || hold == NULL || pw > hold)
		fail_msg("not in the order written: '%s'", p.buf);
	/* Ctrl-D on the terminal ends the held session */
	assert_int_equal(e2e_pty_write(&p, "\004", 1), 0);
	assert_int_equal(e2e_pty_wait(&p, RUN_TIMEOUT_MS), 0);
	assert_int_equal(p.status, 0);
	e2e_pty_free(&p);
}

/*
 * contrib/vmgate-viewer with stand-ins for the tenant's programs: "ssh"
 * runs build/vmgate as the tenant (as sshd would) and does what -L does,
 * with a real TCP relay; "remote-viewer" logs in with spicy-screenshot
 * using the virt-viewer file it is given.
 */
#define VIEWER_SCRIPT	E2E_DIR "/../../contrib/vmgate-viewer"

static const char fake_ssh[] =
"#!/usr/bin/python3\n"
"# ssh stand-in: vmgate as the tenant, plus the -L relay\n"
"import os, socket, subprocess, sys, threading\n"
"args = sys.argv[1:]\n"
"fwd = None\n"
"i = 0\n"
"while args[i].startswith('-'):\n"
"    if args[i] == '-L':\n"
"        fwd = args[i + 1]\n"
"    i += 2 if args[i] in ('-L', '-o', '-i', '-p', '-l', '-F') else 1\n"
"cmd = ' '.join(args[i + 1:])\n"
"def pump(a, b):\n"
"    try:\n"
"        while True:\n"
"            d = a.recv(65536)\n"
"            if not d:\n"
"                break\n"
"            b.sendall(d)\n"
"    except OSError:\n"
"        pass\n"
"    for s in (a, b):\n"
"        try:\n"
"            s.shutdown(socket.SHUT_RDWR)\n"
"        except OSError:\n"
"            pass\n"
"def relay(lsock, addr, port):\n"
"    while True:\n"
"        try:\n"
"            c, _ = lsock.accept()\n"
"        except OSError:\n"
"            return\n"
"        r = socket.create_connection((addr, port))\n"
"        for a, b in ((c, r), (r, c)):\n"
"            threading.Thread(target=pump, args=(a, b), daemon=True).start()\n"
"lsock = None\n"
"if fwd is not None:\n"
"    lport, rest = fwd.split(':', 1)\n"
"    addr, port = rest.rsplit(':', 1)\n"
"    lsock = socket.socket()\n"
"    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
"    try:\n"
"        lsock.bind(('127.0.0.1', int(lport)))\n"
"    except OSError:\n"
"        sys.exit(255)\n"
"    lsock.listen(8)\n"
"    threading.Thread(target=relay, daemon=True,\n"
"        args=(lsock, addr.strip('[]'), int(port))).start()\n"
"env = {'SSH_ORIGINAL_COMMAND': cmd}\n"
"p = subprocess.run([os.environ['FAKE_VMGATE'], '-f', os.environ['FAKE_CFG'],\n"
"    '--tenant', os.environ['FAKE_TENANT']], env=env)\n"
"if lsock is not None:\n"
"    lsock.close()\n"
"sys.exit(p.returncode)\n";

static const char fake_viewer[] =
"#!/bin/sh\n"
"# remote-viewer stand-in: log in with the file's values\n"
"f=$1\n"
"host=$(sed -n 's/^host=//p' \"$f\")\n"
"port=$(sed -n 's/^port=//p' \"$f\")\n"
"pw=$(sed -n 's/^password=//p' \"$f\")\n"
"echo \"$port\" >\"$FAKE_WORK/viewer-port\"\n"
"rm -f \"$f\"\n"
"exec spicy-screenshot -h \"$host\" -p \"$port\" -w \"$pw\" "
"-o \"$FAKE_WORK/viewer.ppm\"\n";

static void
unlink_work(const char *name)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", work, name);
	unlink(path);
}

static char *
work_file(const char *name)
{
	char path[300];
	FILE *f;
	char *buf = calloc(1, MAX_OUT);

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", work, name);
	if ((f = fopen(path, "rb")) == NULL) {
		free(buf);
		return NULL;
	}
	if (fread(buf, 1, MAX_OUT - 1, f) == 0)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

/* run vmgate-viewer with the stand-ins; *res to be freed */
static void
run_viewer(const char *local_port, const char *machine,
    struct e2e_result *res)
{
	char e_ssh[300], e_viewer[300], e_cfg[300], e_work[300];
	const char *const argv_p[] = { "/bin/sh", VIEWER_SCRIPT, "-p",
	    local_port, "-o", "Port=2222", "vmhost", machine, NULL };
	const char *const argv_np[] = { "/bin/sh", VIEWER_SCRIPT,
	    "vmhost", machine, NULL };
	const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    e_ssh, e_viewer, e_cfg, e_work, "FAKE_VMGATE=" E2E_VMGATE,
	    "FAKE_TENANT=" TENANT, NULL };
	char *p;

	/* what an earlier run's viewer left must not count for this one */
	unlink_work("viewer-port");
	unlink_work("viewer.ppm");
	p = e2e_write_file(work, "fake-ssh", fake_ssh, 0755);
	assert_non_null(p);
	snprintf(e_ssh, sizeof(e_ssh), "VMGATE_SSH=%s", p);
	free(p);
	p = e2e_write_file(work, "fake-viewer", fake_viewer, 0755);
	assert_non_null(p);
	snprintf(e_viewer, sizeof(e_viewer), "VMGATE_REMOTE_VIEWER=%s", p);
	free(p);
	snprintf(e_cfg, sizeof(e_cfg), "FAKE_CFG=%s", cfg_path);
	snprintf(e_work, sizeof(e_work), "FAKE_WORK=%s", work);
	assert_int_equal(e2e_run(local_port != NULL ? argv_p : argv_np, envp,
	    NULL, RUN_TIMEOUT_MS * 2, res), 0);
	assert_false(res->timed_out);
}

/* something still listens on 127.0.0.1:port */
static bool
port_open(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

static void
check_viewer(const char *local_port)
{
	struct e2e_result res;
	char *port = NULL, *shot = NULL, want[32];

	run_viewer(local_port, GUEST_WEB, &res);
	if (res.status != 0)
		fail_msg("vmgate-viewer: exit %d: %s", res.status, res.err);
	/* the viewer got in through the tunnel, on the local port */
	port = work_file("viewer-port");
	assert_non_null(port);
	if (local_port != NULL) {
		snprintf(want, sizeof(want), "%s\n", local_port);
		assert_string_equal(port, want);
	}
	assert_true(atoi(port) > 0);
	shot = work_file("viewer.ppm");
	assert_non_null(shot);
	assert_int_equal(strncmp(shot, "P6", 2), 0);
	/* the tunnel is gone with the viewer */
	assert_false(port_open(atoi(port)));
	free(port);
	free(shot);
	e2e_result_free(&res);
}

static void
test_viewer_script_given_port(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	check_viewer("15921");
}

static void
test_viewer_script_picks_port(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	check_viewer(NULL);
}

static void
test_viewer_script_refused(void **state)
{
	struct e2e_result res;
	char *port;

	(void)state;
	SKIP_UNLESS_READY();
	run_viewer("15922", GUEST_OPEN, &res);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, "ask the admin"));
	assert_non_null(strstr(res.err, "vmgate-viewer: " GUEST_OPEN ": "));
	/* no viewer was started, no tunnel is left */
	port = work_file("viewer-port");
	assert_null(port);
	assert_false(port_open(15922));
	e2e_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticket_lines_and_login),
		cmocka_unit_test(test_second_ticket_replaces_first),
		cmocka_unit_test(test_password_only_live),
		cmocka_unit_test(test_vv_file_with_local_port),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_holds_until_stdin_closes),
		cmocka_unit_test(test_holds_until_hangup),
		cmocka_unit_test(test_held_on_a_terminal_in_order),
		cmocka_unit_test(test_viewer_script_given_port),
		cmocka_unit_test(test_viewer_script_picks_port),
		cmocka_unit_test(test_viewer_script_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
