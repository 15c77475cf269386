/*
 * test_hosts: one gateway, two libvirt hosts. The machine's system libvirtd
 * holds hosts-h1; a second, real libvirtd (tests/e2e/node.sh: its own
 * mount namespace and state, reached only over qemu+tcp on 127.0.0.2:16510)
 * holds hosts-n1, whose SPICE display listens on 127.0.0.2, which the
 * config names hosts-node2.internal (a line the suite adds to /etc/hosts
 * and removes again). A tenant with
 * a machine on each logs in through a real sshd on 127.0.0.1:2270 (per-user
 * account, the snippet `vmgate sshd-config` prints, authorized-keys as
 * AuthorizedKeysCommand) with OpenSSH's own client, and spicy-screenshot
 * logs in to the node's display through the tenant's `ssh -L` tunnel, by
 * hand and through contrib/vmgate-viewer.
 * With the tenant's account at its process limit, the node's machine is
 * refused as unreachable (never asked without keepalive), the first
 * host's answers. The node's daemon freezes (SIGSTOP) under an open
 * console: the request ends as unreachable once keepalive gives up, and
 * the node answers again after SIGCONT. A status request whose lookup a
 * relay never passes on ends the same way, and so does one whose relay
 * freezes after the machine's state, at its definition: never a half
 * status; and a screenshot whose relay freezes, or hangs up, in the
 * middle of the image.
 * Last, the node's daemon stops: its machine is listed unknown, exit 69,
 * and the first host still answers.
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
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
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

#include "vmgate/hypervisor.h"	/* HV_KEEPALIVE_DEAD_S */

#include "e2e.h"

#define SUITE		"test_hosts"
#define SSHD_PORT	2270
#define SSHD_PORT_S	"2270"
#define SPICE_H1	5970
#define SPICE_N1	5971
#define LOCAL_SPICE	15970		/* the tenant's end of the tunnel */
#define LOCAL_SPICE_S	"15970"
#define LOCAL_LIBVIRT	15971		/* a tunnel sshd must refuse */
#define NODE_ADDR	"127.0.0.2"
#define NODE_URI	"qemu+tcp://" NODE_ADDR ":16510/system"
#define NODE_NAME	"hosts-node2.internal"	/* NODE_ADDR, in /etc/hosts */
#define NODE_SH		E2E_DIR "/node.sh"
/* the node's state and pids, at a fixed place: a run that died before its
 * teardown leaves a daemon the next run finds there (and reuses, then
 * stops); `make bench` takes this suite's lock before it uses it too */
#define NODE_DIR	"/run/vmgate-e2e/hosts-node"
#define LIBEXEC		"/usr/local/libexec/vmgate-e2e-hosts"
#define VMGATE		LIBEXEC "/vmgate"
#define TENANT		"hosts-t"
#define GROUP_TENANTS	"hosts-tenants"
#define GUEST_H1	"hosts-h1"
#define GUEST_N1	"hosts-n1"
#define SSH		"/usr/bin/ssh"
#define SPICY		"/usr/bin/spicy-screenshot"
#define ATTACH_MS	15000	/* login to the console's banner */
#define SEABIOS_MS	20000	/* reset to "SeaBIOS" on the console */
#define RUN_MS		30000
#define HINT_MS		20000	/* spice's five lines through ssh */
/* a frozen node: keepalive's verdict (a second more: libvirt counts whole
 * seconds), then the way out through sshd; the request must have ended */
#define FROZEN_MS	((HV_KEEPALIVE_DEAD_S + 1) * 1000 + 10000)
#define LOCK_MS		600000	/* another run of this suite may be going */
#define MAX_OUT		65536

static char work[] = "/tmp/vmgate-hosts-XXXXXX";
static char cfg_path[256];
static char audit_path[256];
static pid_t node_stopped = -1;	/* the node's libvirtd while SIGSTOPped */
static char node_dir[256];
static char key[300];
static struct e2e_sshd sshd = { .pid = -1 };
static bool ready;
static int lock_fd = -1;

/* ---- helpers ---- */

/* a command line of the test's own making, never tenant input */
static bool
port_open(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

static int
write_config(void)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = %s/keys\n"
	    "audit_log = %s\n"
	    "tenant_group = " GROUP_TENANTS "\n"
	    "[tenant " TENANT "]\n"
	    "domains = " GUEST_H1 " " GUEST_N1 "\n"
	    "[domain " GUEST_H1 "]\n"
	    "spice = 127.0.0.1:%d\n"
	    "[domain " GUEST_N1 "]\n"
	    "uri = " NODE_URI "\n"
	    "spice = " NODE_NAME ":%d\n",
	    work, audit_path, SPICE_H1, SPICE_N1);
	/* readable by nobody, the AuthorizedKeysCommandUser */
	free(e2e_write_file(work, "vmgate.ini", text, 0644));
	return access(cfg_path, R_OK);
}

/* the node's libvirtd, as node.sh recorded it */
static pid_t
node_daemon(void)
{
	char path[300];
	FILE *f;
	long pid = -1;

	snprintf(path, sizeof(path), "%s/libvirtd.pid", node_dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return (pid_t)pid;
}

/* never leave the node stopped, whatever the test did */
static int
node_continue(void **state)
{
	(void)state;
	if (node_stopped > 0)
		kill(node_stopped, SIGCONT);
	node_stopped = -1;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	if (!e2e_need_root(SUITE))
		return 0;
	/* one run at a time: the account, ports and guests are fixed */
	if ((lock_fd = e2e_lock(SUITE, LOCK_MS)) < 0)
		return -1;
	if (mkdtemp(work) == NULL || chmod(work, 0755) != 0)
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/vmgate.ini", work);
	snprintf(audit_path, sizeof(audit_path), "%s/audit.log", work);
	snprintf(node_dir, sizeof(node_dir), "%s", NODE_DIR);
	snprintf(key, sizeof(key), "%s/key", work);
	if (e2e_stack_up() != 0 || e2e_guest(GUEST_H1, SPICE_H1) != 0)
		return -1;
	if (e2e_sh("sh " NODE_SH " up %s " NODE_ADDR " 16510 >&2", node_dir) != 0 ||
	    e2e_sh("sh " NODE_SH " guest %s " GUEST_N1 " %d >&2", node_dir,
	    SPICE_N1) != 0)
		return -1;
	if (e2e_install_vmgate(VMGATE) != 0 || e2e_keygen(work, "key") != 0 ||
	    e2e_sh("install -d -m 0755 %s/keys && install -m 0644 %s/key.pub "
	    "%s/keys/" TENANT ".pub", work, work, work) != 0)
		return -1;
	/* libvirt: the first host's socket; the node needs nothing local */
	if (e2e_group_add(GROUP_TENANTS) != 0 ||
	    e2e_account_add(TENANT, "libvirt," GROUP_TENANTS) != 0)
		return -1;
	/* vmgate runs as the tenant's account, which appends the audit log */
	if (e2e_sh("install -o " TENANT " -m 0600 /dev/null %s", audit_path) != 0)
		return -1;
	/* the node's display by name, as the gateway resolves it */
	if (e2e_sh("grep -q ' " NODE_NAME "$' /etc/hosts || "
	    "echo '" NODE_ADDR " " NODE_NAME "' >> /etc/hosts") != 0)
		return -1;
	if (write_config() != 0 ||
	    e2e_sshd_start(&sshd, work, SSHD_PORT, VMGATE, cfg_path,
	    GROUP_TENANTS, NULL, TENANT) != 0) {
		fprintf(stderr, SUITE ": sshd did not start\n");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	ready = true;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	node_continue(NULL);
	e2e_sshd_stop(&sshd);
	e2e_account_del(TENANT);
	e2e_group_del(GROUP_TENANTS);
	e2e_rmguest(GUEST_H1);
	if (node_dir[0] != '\0')
		e2e_sh("sh " NODE_SH " down %s >&2 && rm -rf %s", node_dir,
		    node_dir);
	/* in place: /etc/hosts may be a mount point */
	e2e_sh("grep -v ' " NODE_NAME "$' /etc/hosts > %s/hosts.new && "
	    "cat %s/hosts.new > /etc/hosts", work, work);
	e2e_rmtree(work);
	e2e_sh("rm -rf " LIBEXEC);
	e2e_unlock(lock_fd);
	return 0;
}

#define SKIP_UNLESS_READY() do { \
	if (!ready) { \
		fprintf(stderr, SUITE ": skipped (not root)\n"); \
		skip(); \
	} \
} while (0)

/* ssh's own options, as e2e_ssh gives them, for the runs that need
 * more (a pty here, a tunnel) */
#define SSH_OPTS SSH, "-F", "/dev/null", "-p", SSHD_PORT_S, \
	"-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", \
	"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", \
	"-o", "LogLevel=ERROR"

/* ssh TENANT@127.0.0.1 REQUEST: the real client, the real sshd */
static void
ssh_run(const char *request, struct e2e_result *res)
{
	assert_int_equal(e2e_ssh(&sshd, TENANT, key, false, request, res), 0);
	assert_false(res->timed_out);
}

/* the installed binary as root, as an admin runs it */
static void
admin_run(const char *a1, const char *a2, const char *a3,
    struct e2e_result *res)
{
	const char *const argv[] = { VMGATE, "-f", cfg_path, a1, a2, a3,
	    NULL };

	assert_int_equal(e2e_run(argv, NULL, NULL, RUN_MS, res), 0);
	assert_false(res->timed_out);
}

/* ---- tests ---- */

static void
test_list_shows_both_hosts(void **state)
{
	struct e2e_result r;

	(void)state;
	SKIP_UNLESS_READY();
	ssh_run("list", &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, GUEST_H1 " running\n" GUEST_N1 " running\n");
	assert_string_equal(r.err, "");
	e2e_result_free(&r);

	ssh_run("list --json", &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "[{\"name\":\"" GUEST_H1 "\",\"state\":"
	    "\"running\"},{\"name\":\"" GUEST_N1 "\",\"state\":\"running\"}]\n");
	e2e_result_free(&r);

	/* the node's own answer: the machine is there, not on the first host */
	assert_int_equal(e2e_domain_state(GUEST_N1), E2E_NO_DOMAIN);
}

static void
test_status_names_the_node_display(void **state)
{
	struct e2e_result r;

	(void)state;
	SKIP_UNLESS_READY();
	ssh_run("status " GUEST_N1, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "state: running\n"));
	assert_non_null(strstr(r.out, "spice: " NODE_NAME ":5971\n"));
	e2e_result_free(&r);

	/* sshd's view: the tenant may forward to both displays, nowhere else */
	admin_run("authorized-keys", TENANT, NULL, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, ",permitopen=\"127.0.0.1:5970\","
	    "permitopen=\"" NODE_NAME ":5971\","));
	e2e_result_free(&r);
}

/* bytes of pattern in the pty's output after `from` */
static bool
seen_after(const struct e2e_pty *p, size_t from, const char *pattern)
{
	return p->len > from && strstr(p->buf + from, pattern) != NULL;
}

/*
 * ssh -tt console GUEST_N1 on a pty, then reset through another session:
 * the guest's output after the reset (from *mark on) came through the
 * console, which is therefore connected and relaying.
 */
static void
console_through_reset(struct e2e_pty *p, size_t *mark)
{
	const char *const argv[] = { SSH_OPTS, "-tt",
	    TENANT "@127.0.0.1", "console " GUEST_N1, NULL };
	struct e2e_result r;

	assert_int_equal(e2e_pty_spawn(p, argv, NULL), 0);
	if (e2e_pty_expect(p, "escape character is ^]", ATTACH_MS) != 0)
		fail_msg("no console banner: %s", p->buf);
	*mark = p->len;
	ssh_run("reset " GUEST_N1, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, GUEST_N1 ": reset\n");
	e2e_result_free(&r);
	if (e2e_pty_expect(p, "SeaBIOS", SEABIOS_MS) != 0)
		fail_msg("no SeaBIOS after reset: %s", p->buf + *mark);
	assert_true(seen_after(p, *mark, "SeaBIOS"));
}

static void
test_console_and_reset_on_the_node(void **state)
{
	struct e2e_pty p;
	size_t mark;
	const char esc = 0x1d;

	(void)state;
	SKIP_UNLESS_READY();
	console_through_reset(&p, &mark);
	assert_int_equal(e2e_pty_write(&p, &esc, 1), 0);
	assert_int_equal(e2e_pty_wait(&p, RUN_MS), 0);
	assert_int_equal(p.status, 0);
	e2e_pty_free(&p);
}

/* ssh -L ... spice MACHINE, holding the session: its pid, stdin and stdout */
struct held {
	pid_t pid;
	int in;		/* closing it ends the session */
	int out;
	char text[MAX_OUT];
};

static void
spice_hold(const char *forward, const char *request, struct held *h)
{
	const char *const argv[] = { SSH_OPTS, "-L", forward,
	    TENANT "@127.0.0.1", request, NULL };
	int in[2], out[2];

	memset(h, 0, sizeof(*h));
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

		dup2(in[0], 0);
		dup2(out[1], 1);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	h->in = in[1];
	h->out = out[0];
}

/* read until the "viewer:" line, the last of spice's hint */
static bool
spice_hint(struct held *h)
{
	long long end = e2e_now_ms() + HINT_MS;
	size_t len = 0;
	struct pollfd pfd = { .fd = h->out, .events = POLLIN };
	ssize_t n;

	while (strstr(h->text, "viewer:") == NULL ||
	    h->text[len - 1] != '\n') {
		int left = (int)(end - e2e_now_ms());

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return false;
		n = read(h->out, h->text + len, sizeof(h->text) - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		h->text[len] = '\0';
	}
	return true;
}

static int
spice_release(struct held *h)
{
	long long end = e2e_now_ms() + RUN_MS;
	int st;

	close(h->in);
	close(h->out);
	while (waitpid(h->pid, &st, WNOHANG) == 0) {
		if (e2e_now_ms() > end) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &st, 0);
			return -1;
		}
		usleep(20000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* spicy-screenshot's line when the display refuses the password: the
 * main channel's SPICE_CHANNEL_ERROR_AUTH (23 in spice-gtk) */
#define SPICY_AUTH_REFUSED	"main channel event: 23\n"

/*
 * spicy-screenshot through the tunnel: 0 in (a screenshot), 1 refused on
 * the password; -1 for anything else (no tunnel, no display, a timeout)
 */
static int
spicy(const char *password)
{
	char shot[300];
	const char *const argv[] = { SPICY, "-h", "127.0.0.1", "-p",
	    LOCAL_SPICE_S, "-w", password, "-o", shot, NULL };
	struct e2e_result r;
	struct stat st;
	int status;

	snprintf(shot, sizeof(shot), "%s/shot.ppm", work);
	unlink(shot);
	assert_int_equal(e2e_run(argv, NULL, NULL, RUN_MS, &r), 0);
	status = r.timed_out ? -1 : r.status;
	if (status != 0 && strstr(r.err, SPICY_AUTH_REFUSED) == NULL)
		status = -1;
	e2e_result_free(&r);
	if (status == 0 && (stat(shot, &st) != 0 || st.st_size == 0))
		return -1;
	return status;
}

static void
test_spice_through_the_tunnel_to_the_node(void **state)
{
	struct held h;
	char password[64] = "", *p;

	(void)state;
	SKIP_UNLESS_READY();
	spice_hold(LOCAL_SPICE_S ":" NODE_NAME ":5971", "spice " GUEST_N1
	    " --port " LOCAL_SPICE_S, &h);
	if (!spice_hint(&h)) {
		spice_release(&h);
		fail_msg("no SPICE hint: %s", h.text);
	}
	/* the hint names the node's endpoint, as permitopen has it */
	assert_non_null(strstr(h.text, "tunnel:   ssh -L " LOCAL_SPICE_S ":"
	    NODE_NAME ":5971 "));
	p = strstr(h.text, "password: ");
	assert_non_null(p);
	sscanf(p, "password: %63s", password);
	assert_int_equal(strlen(password), 24);
	/* the real client, through the tenant's tunnel, to the node */
	assert_int_equal(spicy(password), 0);
	assert_int_equal(spicy("wrongwrongwrongwrongwron"), 1);
	assert_int_equal(spice_release(&h), 0);
}

/* A tunnel to the node's libvirtd port: sshd refuses to open it. */
static void
test_no_tunnel_to_the_node_daemon(void **state)
{
	struct held h;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd pfd;
	char buf[64];
	ssize_t n = 1;
	int fd, connected;

	(void)state;
	SKIP_UNLESS_READY();
	/* a held session (spice waits on stdin), so the tunnel lives */
	spice_hold("15971:" NODE_ADDR ":16510", "spice " GUEST_N1, &h);
	if (!spice_hint(&h)) {
		spice_release(&h);
		fail_msg("no session: %s", h.text);
	}
	sa.sin_port = htons(LOCAL_LIBVIRT);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	connected = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (connected == 0) {
		/* libvirtd would answer a call; a refused channel is closed
		 * by ssh without a byte */
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (write(fd, "\0\0\0\x1c", 4) == 4 &&
		    poll(&pfd, 1, RUN_MS) == 1)
			n = read(fd, buf, sizeof(buf));
	}
	close(fd);
	spice_release(&h);
	assert_int_equal(connected, 0);		/* ssh's own listener */
	assert_true(n <= 0);
	/* and sshd said why */
	assert_int_equal(e2e_sh("grep -q 'to connect to host " NODE_ADDR " port "
	    "16510, but the request was denied' %s", sshd.log), 0);
}

/*
 * contrib/vmgate-viewer, the tenant's one-step helper, with a stand-in for
 * remote-viewer that hands the virt-viewer file's host, port and password
 * to spicy-screenshot: it finds the node's endpoint in status, opens the
 * tunnel to it and the viewer gets in.
 */
static void
test_viewer_script_reaches_the_node(void **state)
{
	char viewer[300], shot[300], env_viewer[400], text[1024];
	const char *const argv[] = { "/bin/sh",
	    E2E_DIR "/../../contrib/vmgate-viewer", "-p", "15972",
	    "-F", "/dev/null", "-i", key, "-o", "Port=" SSHD_PORT_S,
	    "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
	    "-o", "StrictHostKeyChecking=no",
	    "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
	    TENANT "@127.0.0.1", GUEST_N1, NULL };
	const char *const envp[] = { "PATH=/usr/bin:/bin", "HOME=/nonexistent",
	    env_viewer, NULL };
	struct e2e_result r;
	struct stat st;

	(void)state;
	SKIP_UNLESS_READY();
	snprintf(shot, sizeof(shot), "%s/viewer.ppm", work);
	snprintf(text, sizeof(text), "#!/bin/sh\n"
	    "h=$(sed -n 's/^host=//p' \"$1\")\n"
	    "p=$(sed -n 's/^port=//p' \"$1\")\n"
	    "w=$(sed -n 's/^password=//p' \"$1\")\n"
	    "exec " SPICY " -h \"$h\" -p \"$p\" -w \"$w\" -o %s\n", shot);
	free(e2e_write_file(work, "viewer.sh", text, 0755));
	snprintf(viewer, sizeof(viewer), "%s/viewer.sh", work);
	snprintf(env_viewer, sizeof(env_viewer), "VMGATE_REMOTE_VIEWER=%s",
	    viewer);
	assert_int_equal(e2e_run(argv, envp, NULL, RUN_MS, &r), 0);
	if (r.timed_out || r.status != 0)
		fail_msg("vmgate-viewer: exit %d: %s", r.status, r.err);
	e2e_result_free(&r);
	assert_int_equal(stat(shot, &st), 0);
	assert_true(st.st_size > 0);
}

static void
test_audit_checks_the_node(void **state)
{
	struct e2e_result r;
	char sshd_cfg[300];

	(void)state;
	SKIP_UNLESS_READY();
	snprintf(sshd_cfg, sizeof(sshd_cfg), "%s/sshd_config", work);
	admin_run("audit", "--sshd-config", sshd_cfg, &r);
	/* nothing about either machine: both displays are locked and on
	 * the address the config names */
	if (strstr(r.out, GUEST_N1) != NULL || strstr(r.out, GUEST_H1) != NULL ||
	    strstr(r.out, "libvirt ") != NULL)
		fail_msg("audit: %s", r.out);
	e2e_result_free(&r);
}

/*
 * vmgate as sshd runs it for the tenant's account (ForceCommand), with the
 * account at a process limit of nproc tasks: PROC_LIMIT is the request's
 * own and one thread more (the one that bounds its wait), PROC_NONE the
 * request alone. REQUEST's result in *r.
 */
#define PROC_LIMIT	"2"
#define PROC_NONE	"1"
static void
run_at_process_limit(const char *nproc, const char *request,
    struct e2e_result *r)
{
	char env_cmd[128], reuid[32], regid[32], limit[32];
	const char *const argv[] = { "/usr/bin/prlimit", limit,
	    "/usr/bin/setpriv", reuid, regid, "--init-groups", "--", VMGATE,
	    "-f", cfg_path, NULL };
	const char *const envp[] = { env_cmd, NULL };
	const struct passwd *pw = getpwnam(TENANT);

	assert_non_null(pw);
	snprintf(limit, sizeof(limit), "--nproc=%s", nproc);
	snprintf(reuid, sizeof(reuid), "--reuid=%u", (unsigned)pw->pw_uid);
	snprintf(regid, sizeof(regid), "--regid=%u", (unsigned)pw->pw_gid);
	snprintf(env_cmd, sizeof(env_cmd), "SSH_ORIGINAL_COMMAND=%s", request);
	/* the limit counts every task of the account: its logins have ended */
	assert_int_equal(e2e_sh("for i in $(seq 50); do pgrep -u " TENANT
	    " >/dev/null || exit 0; sleep 0.2; done; exit 1"), 0);
	assert_int_equal(e2e_run(argv, envp, NULL, RUN_MS, r), 0);
	assert_false(r->timed_out);
}

/*
 * With no thread to spare for keepalive (or for the bounded open), the
 * node is never asked unwatched: its machine is unreachable at once, and
 * the log says why. The first host's daemon answers as usual.
 */
static void
test_node_refused_at_the_process_limit(void **state)
{
	struct e2e_result r;

	(void)state;
	SKIP_UNLESS_READY();
	run_at_process_limit(PROC_LIMIT, "status " GUEST_N1, &r);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "vmgate: " NODE_URI ": unreachable\n");
	e2e_result_free(&r);
	assert_int_equal(e2e_sh("grep -Eq 'verb=status domain=" GUEST_N1
	    " result=error .*detail=\"libvirt unreachable: cannot start "
	    "(the event loop thread|a thread to connect)' %s", audit_path), 0);

	run_at_process_limit(PROC_LIMIT, "status " GUEST_H1, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "state: running\n"));
	e2e_result_free(&r);
}

/*
 * Without even the thread that bounds a request's wait, no request that
 * would reach libvirt is made: each host's machine is unreachable, in
 * that host's words. A request that never reaches libvirt is served.
 */
static void
test_unbounded_requests_refused(void **state)
{
	struct e2e_result r;

	(void)state;
	SKIP_UNLESS_READY();
	run_at_process_limit(PROC_NONE, "whoami", &r);
	assert_int_equal(r.status, 0);
	e2e_result_free(&r);

	run_at_process_limit(PROC_NONE, "status " GUEST_H1, &r);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "vmgate: cannot reach the hypervisor\n");
	e2e_result_free(&r);
	assert_int_equal(e2e_sh("grep -q 'verb=status domain=" GUEST_H1
	    " result=error .*detail=\"no thread to bound the wait on "
	    "libvirt\"' %s", audit_path), 0);

	run_at_process_limit(PROC_NONE, "status " GUEST_N1, &r);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.err, "vmgate: " NODE_URI ": unreachable\n");
	e2e_result_free(&r);
}

/*
 * The node's libvirtd freezes once the console is connected and relaying
 * (the guest's output after a reset arrived through it): the daemon keeps
 * its socket, so nothing closes, it just never answers again. The request
 * must end, as unreachable, once keepalive gives up, with its audit line;
 * the node answers again once it runs again.
 */
static void
test_console_ends_when_the_node_freezes(void **state)
{
	struct e2e_pty p;
	struct e2e_result r;
	long long t0;
	size_t mark;
	int ended;

	(void)state;
	SKIP_UNLESS_READY();
	console_through_reset(&p, &mark);
	e2e_pty_drain(&p, 500);
	mark = p.len;

	assert_true(node_daemon() > 0);
	node_stopped = node_daemon();
	assert_int_equal(kill(node_stopped, SIGSTOP), 0);
	t0 = e2e_now_ms();
	ended = e2e_pty_wait(&p, FROZEN_MS);
	fprintf(stderr, SUITE ": console with the node frozen: %s after %lld "
	    "ms\n", ended == 0 ? "ended" : "still running",
	    e2e_now_ms() - t0);
	node_continue(NULL);
	if (ended != 0) {
		fprintf(stderr, "%s\n", p.buf + mark);
		e2e_pty_free(&p);
		fail_msg("the console hangs on a frozen node");
	}
	assert_int_equal(p.status, 69);
	assert_non_null(strstr(p.buf + mark, "vmgate: " NODE_URI
	    ": unreachable\r\n"));
	e2e_pty_free(&p);
	/* the audit line says so */
	assert_int_equal(e2e_sh("grep -q 'verb=console domain=" GUEST_N1
	    " result=error .*detail=\"libvirt unreachable: connection closed: "
	    "no answer to keepalive' %s", audit_path), 0);

	/* running again, the node answers again */
	ssh_run("status " GUEST_N1, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "state: running\n"));
	e2e_result_free(&r);
}

/* libvirt's remote protocol (its framing: e2e.h, struct e2e_rpc) */
#define REMOTE_PROGRAM		0x20008086u
#define PROC_LOOKUP_BY_NAME	23u	/* REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME */
#define PROC_GET_XML_DESC	14u	/* REMOTE_PROC_DOMAIN_GET_XML_DESC */
#define PROC_SCREENSHOT		211u	/* REMOTE_PROC_DOMAIN_SCREENSHOT */
#define MSG_REPLY		1u	/* VIR_NET_REPLY */
#define MSG_STREAM		3u	/* VIR_NET_STREAM */

/*
 * Where a relay freezes, in the messages of procedure proc: the client's
 * call; or, with in_stream, the first block of data of the stream the
 * call opened, once the call's reply has passed (the node may send the
 * block before the reply, which the relay then passes first): the first
 * half of that block still passes, as a message of its own. hang_up: the
 * relay then closes both connections, as when the node's daemon dies,
 * instead of freezing.
 */
struct freeze_at {
	uint32_t proc;
	bool in_stream;
	bool hang_up;
};

/* the relay's state on its way to the freeze */
struct freezing {
	const struct freeze_at *at;
	bool replied;		/* the reply to proc has passed */
	unsigned char held[E2E_RPC_BUF];	/* the stream's first block */
	uint32_t held_len;
};

/* message m (mlen bytes, a payload after the header) with the first half
 * of its payload only */
static bool
send_half(int fd, const unsigned char *m, uint32_t mlen)
{
	uint32_t half = E2E_RPC_HEADER + (mlen - E2E_RPC_HEADER) / 2;
	const unsigned char len[4] = { (unsigned char)(half >> 24),
	    (unsigned char)(half >> 16), (unsigned char)(half >> 8),
	    (unsigned char)half };

	return e2e_send_all(fd, len, sizeof(len)) &&
	    e2e_send_all(fd, m + sizeof(len), half - sizeof(len));
}

static enum e2e_relay_do
freeze_here(const struct freeze_at *at)
{
	return at->hang_up ? E2E_RELAY_HANG_UP : E2E_RELAY_FREEZE;
}

/* once both the reply and the first block have come: half the block
 * passes, then the freeze */
static enum e2e_relay_do
half_block(struct freezing *f, int to)
{
	if (!f->replied || f->held_len == 0)
		return E2E_RELAY_DROP;
	if (!send_half(to, f->held, f->held_len))
		return E2E_RELAY_CLOSED;
	return freeze_here(f->at);
}

/*
 * The relay's rule: every message passes up to the one f->at names,
 * then nothing either way (not even keepalive pings) while both
 * connections stay open.
 */
static enum e2e_relay_do
freezing_decide(struct e2e_relay *r, const struct e2e_rpc *m, int to,
    int back)
{
	struct freezing *f = r->arg;
	bool ours = m->from_daemon == f->at->in_stream &&
	    m->program == REMOTE_PROGRAM && m->procedure == f->at->proc;

	(void)back;
	if (r->frozen)
		return E2E_RELAY_DROP;
	if (ours && !f->at->in_stream)
		return freeze_here(f->at);	/* the call */
	if (ours && m->type == MSG_STREAM) {
		/* the first block with data waits for the reply; the stream
		 * after it would come after the freeze anyway */
		if (f->held_len == 0 && m->len > E2E_RPC_HEADER) {
			memcpy(f->held, m->data, m->len);
			f->held_len = m->len;
		}
		return half_block(f, to);
	}
	if (!ours || m->type != MSG_REPLY)
		return E2E_RELAY_PASS;
	f->replied = true;
	if (f->held_len == 0)
		return E2E_RELAY_PASS;
	/* the reply, then the half block it was held for */
	if (!e2e_send_all(to, m->data, m->len))
		return E2E_RELAY_CLOSED;
	return half_block(f, to);
}

/*
 * The child of freezing_proxy: one client, relayed to the node, up to the
 * message `at` names. From then on nothing passes either way (not even
 * keepalive pings) while both connections stay open: a node that took the
 * connection, answered the handshake, and froze. The marker file says it
 * froze there.
 */
static void
proxy_relay(int lfd, const char *marker, const struct freeze_at *at)
{
	static struct freezing f;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct e2e_relay r = { .decide = freezing_decide, .arg = &f,
	    .marker = marker };
	int c, u;

	f.at = at;
	if ((c = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	sa.sin_port = htons(16510);
	inet_pton(AF_INET, NODE_ADDR, &sa.sin_addr);
	u = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(u, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(1);
	r.client = c;
	r.daemon = u;
	_exit(e2e_relay(&r) == 0 ? 0 : 1);
}

/* proxy_relay on an ephemeral loopback port (*port): the child's pid */
static pid_t
freezing_proxy(const char *marker, const struct freeze_at *at, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0)
		return -1;
	*port = ntohs(sa.sin_port);
	if ((pid = fork()) == 0)
		proxy_relay(lfd, marker, at);
	close(lfd);
	return pid;
}

/*
 * A request that is waiting on the node when the node freezes: VERB of
 * its machine, through a relay that lets the connection be made and then
 * passes nothing from the message `at` names on (or hangs up there). The
 * request must end, as unreachable, once keepalive gives up (at once on
 * the hang-up), and say so in its audit line.
 * vmgate runs as sshd's command= runs it (root, --tenant), with a config
 * of its own naming the relay. *r: what it printed, for the caller.
 */
static void
request_through_freezing_relay(const char *verb, const struct freeze_at *at,
    const char *when, struct e2e_result *r)
{
	char text[2048], cfg2[300], audit2[300], marker[300], env_cmd[64];
	char uri[128], expect[256];
	const char *const argv[] = { VMGATE, "-f", cfg2, "--tenant", TENANT,
	    NULL };
	const char *const envp[] = { env_cmd, NULL };
	long long t0;
	pid_t proxy;
	int port = 0, st;

	snprintf(cfg2, sizeof(cfg2), "%s/relay.ini", work);
	snprintf(audit2, sizeof(audit2), "%s/relay-audit.log", work);
	snprintf(marker, sizeof(marker), "%s/relay-frozen", work);
	snprintf(env_cmd, sizeof(env_cmd), "SSH_ORIGINAL_COMMAND=%s " GUEST_N1,
	    verb);
	unlink(marker);
	unlink(audit2);
	proxy = freezing_proxy(marker, at, &port);
	assert_true(proxy > 0);
	snprintf(uri, sizeof(uri), "qemu+tcp://127.0.0.1:%d/system", port);
	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = %s/keys\n"
	    "audit_log = %s\n"
	    "[tenant " TENANT "]\n"
	    "domains = " GUEST_N1 "\n"
	    "allow = status screenshot\n"
	    "[domain " GUEST_N1 "]\n"
	    "uri = %s\n", work, audit2, uri);
	free(e2e_write_file(work, "relay.ini", text, 0644));

	t0 = e2e_now_ms();
	/* -1 when it did not end in time (then killed) */
	(void)e2e_run(argv, envp, NULL, FROZEN_MS, r);
	fprintf(stderr, SUITE ": %s with the node %s at %s: %s after "
	    "%lld ms\n", verb, at->hang_up ? "gone" : "frozen", when,
	    r->timed_out ? "still running" : "ended", e2e_now_ms() - t0);
	kill(proxy, SIGKILL);
	waitpid(proxy, &st, 0);
	/* it froze once the connection was made, where it was told to */
	if (access(marker, F_OK) != 0)
		fail_msg("%s ended (exit %d) before the node froze: %s", verb,
		    r->status, r->err);
	if (r->timed_out) {
		e2e_result_free(r);
		fail_msg("%s hangs on a node frozen at %s", verb, when);
	}
	if (r->status != 69)
		fprintf(stderr, "%s", r->err);
	assert_int_equal(r->status, 69);
	snprintf(expect, sizeof(expect), "vmgate: %s: unreachable\n", uri);
	assert_string_equal(r->err, expect);
	if (e2e_sh("grep -q 'verb=%s domain=" GUEST_N1 " result=error "
	    ".*detail=\"libvirt unreachable: %s' %s", verb,
	    at->hang_up ? "" : ".*keepalive", audit2) != 0) {
		e2e_sh("cat %s >&2", audit2);
		fail_msg("no audit line of a lost host");
	}
}

/* status through the relay, which freezes at the node's call proc */
static void
status_through_freezing_relay(uint32_t proc, const char *when)
{
	const struct freeze_at at = { .proc = proc };
	struct e2e_result r;

	request_through_freezing_relay("status", &at, when, &r);
	/* never a status with what could not be read shown as none */
	assert_string_equal(r.out, "");
	e2e_result_free(&r);
}

static void
test_request_ends_when_the_node_stops_answering(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	status_through_freezing_relay(PROC_LOOKUP_BY_NAME, "the lookup");
}

/* frozen after the machine's state was read, before its definition */
static void
test_status_never_half_answers(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	status_through_freezing_relay(PROC_GET_XML_DESC, "the definition");
}

/*
 * A screenshot whose node is lost in the middle of the image: the reply
 * (the stream is open) and half of the image's first block passed, the
 * rest never comes. A lost host, not a failed screenshot.
 */
static void
screenshot_lost_halfway(bool hang_up)
{
	const struct freeze_at at = { .proc = PROC_SCREENSHOT,
	    .in_stream = true, .hang_up = hang_up };
	struct e2e_result r;

	request_through_freezing_relay("screenshot", &at, "half the image",
	    &r);
	e2e_result_free(&r);
}

static void
test_screenshot_ends_when_the_node_freezes(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	screenshot_lost_halfway(false);
}

/* its daemon gone there: the connection closes */
static void
test_screenshot_ends_when_the_node_dies(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	screenshot_lost_halfway(true);
}

/* Last: the node's daemon stops. */
static void
test_node_down(void **state)
{
	struct e2e_result r;
	char sshd_cfg[300];
	long long t0;

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(e2e_sh("sh " NODE_SH " down %s >&2", node_dir), 0);
	assert_false(port_open(NODE_ADDR, 16510));

	t0 = e2e_now_ms();
	ssh_run("list", &r);
	fprintf(stderr, SUITE ": list with the node down: exit %d after %lld "
	    "ms\n", r.status, e2e_now_ms() - t0);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.out, GUEST_H1 " running\n" GUEST_N1 " unknown\n");
	assert_string_equal(r.err, "vmgate: " NODE_URI ": unreachable\n");
	e2e_result_free(&r);

	ssh_run("list --json", &r);
	assert_int_equal(r.status, 69);
	assert_string_equal(r.out, "[{\"name\":\"" GUEST_H1 "\",\"state\":"
	    "\"running\"},{\"name\":\"" GUEST_N1 "\",\"state\":\"unknown\"}]\n");
	e2e_result_free(&r);

	/* the first host's machine is not the node's business */
	ssh_run("status " GUEST_H1, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "state: running\n"));
	e2e_result_free(&r);

	ssh_run("status " GUEST_N1, &r);
	assert_int_equal(r.status, 69);
	e2e_result_free(&r);

	snprintf(sshd_cfg, sizeof(sshd_cfg), "%s/sshd_config", work);
	admin_run("audit", "--sshd-config", sshd_cfg, &r);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "libvirt " NODE_URI ": unreachable"));
	e2e_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_shows_both_hosts),
		cmocka_unit_test(test_status_names_the_node_display),
		cmocka_unit_test(test_console_and_reset_on_the_node),
		cmocka_unit_test(test_spice_through_the_tunnel_to_the_node),
		cmocka_unit_test(test_no_tunnel_to_the_node_daemon),
		cmocka_unit_test(test_viewer_script_reaches_the_node),
		cmocka_unit_test(test_audit_checks_the_node),
		cmocka_unit_test(test_node_refused_at_the_process_limit),
		cmocka_unit_test(test_unbounded_requests_refused),
		cmocka_unit_test_teardown(test_console_ends_when_the_node_freezes,
		    node_continue),
		cmocka_unit_test(test_request_ends_when_the_node_stops_answering),
		cmocka_unit_test(test_status_never_half_answers),
		cmocka_unit_test(test_screenshot_ends_when_the_node_freezes),
		cmocka_unit_test(test_screenshot_ends_when_the_node_dies),
		cmocka_unit_test(test_node_down),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
