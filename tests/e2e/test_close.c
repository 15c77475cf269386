/*
 * test_close: once a request's answer is given and audited, vmgate still
 * closes its libvirt connection, and libvirt waits for the daemon's reply
 * to that close. A daemon that stops answering right then must not keep
 * the tenant's ssh open for good: the process ends within libvirt_timeout
 * with the exit code the answer already had, and says nothing more.
 *
 * vmgate runs as sshd's command= runs it (root, --tenant), with a config
 * whose uri is a Unix socket of the test's own: a relay to the machine's
 * libvirtd that passes everything until the client's CONNECT_CLOSE call
 * and then freezes, both connections left open. The daemon itself is
 * never stopped. The request is a status of a machine that does not
 * exist (rv-absent): no guest is needed, the answer is 77.
 */
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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SUITE		"test_close"
#define TENANT		"rv-t"
#define GUEST		"rv-absent"	/* never defined */
#define LIBVIRT_SOCK	"/run/libvirt/libvirt-sock"
#define TIMEOUT_S	30		/* libvirt_timeout, its least */
#define TIMEOUT_S_STR	"30"
/* the close is bounded by libvirt_timeout; then a margin. Past it, the
 * process is taken for hung. */
#define ENDS_MS		((TIMEOUT_S + 15) * 1000)
#define LOCK_MS		600000

/* libvirt's remote protocol: a message starts with its length, the
 * program, its version, the procedure and the type, 4 bytes each,
 * big-endian */
#define REMOTE_PROGRAM		0x20008086u
#define PROC_CONNECT_CLOSE	2u	/* REMOTE_PROC_CONNECT_CLOSE */
#define MSG_CALL		0u	/* VIR_NET_CALL */
#define MSG_HEADER		28
#define RELAY_BUF		(1 << 20)

static char *work;
static int lock_fd = -1;
static bool ready;

static uint32_t
be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static bool
send_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * The client's whole messages in buf (*len bytes) go on to the daemon up
 * to its CONNECT_CLOSE call: 1 there (it does not go on), 0 when more is
 * to come, -1 on error. What is left of a message stays in buf.
 */
static int
pass_calls(unsigned char *buf, size_t *len, int to)
{
	size_t used = 0;
	int rc = 0;

	while (*len - used >= MSG_HEADER) {
		const unsigned char *m = buf + used;
		uint32_t mlen = be32_at(m);

		if (mlen < MSG_HEADER)
			return -1;
		if (*len - used < mlen)
			break;
		if (be32_at(m + 4) == REMOTE_PROGRAM &&
		    be32_at(m + 12) == PROC_CONNECT_CLOSE &&
		    be32_at(m + 16) == MSG_CALL) {
			rc = 1;
			break;
		}
		if (!send_all(to, m, mlen))
			return -1;
		used += mlen;
	}
	if (rc == 0 && *len - used == RELAY_BUF)
		return -1;
	memmove(buf, buf + used, *len - used);
	*len -= used;
	return rc;
}

/*
 * The relay's child: one client, relayed to the machine's libvirtd, up
 * to its CONNECT_CLOSE call; from then on nothing passes either way while
 * both connections stay open, and the marker file says it froze.
 */
static void
relay(int lfd, const char *marker)
{
	static unsigned char buf[RELAY_BUF], sink[65536];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd[2];
	bool frozen = false;
	size_t len = 0;
	ssize_t n;
	int c, d, i;

	if ((c = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", LIBVIRT_SOCK);
	d = socket(AF_UNIX, SOCK_STREAM, 0);
	if (d < 0 || connect(d, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(1);
	pfd[0].fd = c;
	pfd[1].fd = d;
	pfd[0].events = pfd[1].events = POLLIN;
	while (poll(pfd, 2, -1) > 0) {
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (frozen) {
				if (read(pfd[i].fd, sink, sizeof(sink)) <= 0)
					_exit(0);
			} else if (i == 1) {
				/* the daemon's side passes as it comes */
				if ((n = read(d, sink, sizeof(sink))) <= 0 ||
				    !send_all(c, sink, (size_t)n))
					_exit(0);
			} else {
				n = read(c, buf + len, sizeof(buf) - len);
				if (n <= 0)
					_exit(0);
				len += (size_t)n;
				switch (pass_calls(buf, &len, d)) {
				case -1:
					_exit(0);
				case 1:
					frozen = true;
					close(open(marker, O_WRONLY | O_CREAT,
					    0600));
				}
			}
		}
	}
	_exit(0);
}

/* relay() listening on path: the child's pid */
static pid_t
start_relay(const char *path, const char *marker)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 1) != 0)
		return -1;
	if ((pid = fork()) == 0)
		relay(lfd, marker);
	close(lfd);
	return pid;
}

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

static void
test_silent_close_ends_as_answered(void **state)
{
	char cfg[300], audit[300], sock[300], marker[300], text[1024];
	const char *const argv[] = { E2E_VMGATE, "-f", cfg, "--tenant",
	    TENANT, NULL };
	const char *const envp[] = { "SSH_ORIGINAL_COMMAND=status " GUEST,
	    NULL };
	struct e2e_result r;
	long long t0, took;
	pid_t proxy;
	int st;

	(void)state;
	if (!ready)
		skip();
	snprintf(cfg, sizeof(cfg), "%s/vmgate.ini", work);
	snprintf(audit, sizeof(audit), "%s/audit.log", work);
	snprintf(sock, sizeof(sock), "%s/libvirt-relay", work);
	snprintf(marker, sizeof(marker), "%s/frozen", work);
	snprintf(text, sizeof(text),
	    "[vmgate]\n"
	    "uri = qemu+unix:///system?socket=%s\n"
	    "keys = %s/keys\n"
	    "audit_log = %s\n"
	    "libvirt_timeout = " TIMEOUT_S_STR "\n"
	    "[tenant " TENANT "]\n"
	    "domains = " GUEST "\n"
	    "allow = status\n", sock, work, audit);
	free(e2e_write_file(work, "vmgate.ini", text, 0644));
	proxy = start_relay(sock, marker);
	assert_true(proxy > 0);

	t0 = e2e_now_ms();
	(void)e2e_run(argv, envp, NULL, ENDS_MS, &r);
	took = e2e_now_ms() - t0;
	fprintf(stderr, SUITE ": status with the daemon silent at the close: "
	    "%s after %lld ms\n", r.timed_out ? "still running" : "ended",
	    took);
	kill(proxy, SIGKILL);
	waitpid(proxy, &st, 0);
	/* the close was asked, and never answered */
	if (access(marker, F_OK) != 0)
		fail_msg("the request ended (exit %d) without closing through "
		    "the relay: %s", r.status, r.err);
	if (r.timed_out) {
		e2e_result_free(&r);
		fail_msg("vmgate still runs %d s after its answer, waiting "
		    "on the close", ENDS_MS / 1000);
	}
	/* the answer as given, and nothing more: no second line, the
	 * exit code the answer had, one audit line */
	assert_string_equal(r.err, "vmgate: " GUEST ": no such machine\n");
	assert_string_equal(r.out, "");
	assert_int_equal(r.status, 77);
	assert_int_equal(lines_with(audit, " tenant=" TENANT " "), 1);
	assert_int_equal(lines_with(audit, "verb=status domain=" GUEST
	    " result=denied"), 1);
	e2e_result_free(&r);
}

static int
setup(void **state)
{
	(void)state;
	if (!e2e_need_root(SUITE))
		return 0;
	if ((lock_fd = e2e_lock(SUITE, LOCK_MS)) < 0 || e2e_stack_up() != 0)
		return -1;
	if ((work = e2e_tmpdir("close")) == NULL)
		return -1;
	ready = true;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
