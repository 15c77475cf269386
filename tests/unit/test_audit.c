/*
 * test_audit: the audit file line (vmgate(8), DIAGNOSTICS) as an admin
 * reads it: field order, "-" for unknown fields, sanitizing, the 200-byte
 * request cut, the UTC timestamp, append-only mode 0600 and refusal of a
 * symlinked log; and the syslog line itself, read from a private /dev/log.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strptime, timegm */
#endif
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <syslog.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "vmgate/audit.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (f == NULL)
		return NULL;
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static char *
fresh_log_path(void)
{
	char *path = unit_write_file("audit.log", "", 0600);

	assert_int_equal(unlink(path), 0);
	return path;
}

/* Checks "YYYY-MM-DDTHH:MM:SSZ " at the start and that it is now (UTC). */
static void
assert_timestamp_now(const char *line)
{
	struct tm tm;
	const char *end;
	time_t t, now = time(NULL);

	memset(&tm, 0, sizeof(tm));
	end = strptime(line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	assert_non_null(end);
	assert_int_equal(end - line, (long)strlen("2026-11-24T18:53:00Z "));
	t = timegm(&tm);
	assert_true(t <= now && now - t <= 5);
}

struct line_case {
	const char *label;
	struct audit_event ev;
	const char *expect;	/* the line after "TIMESTAMP " */
};

#define LONG300 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define A200 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct line_case line_cases[] = {
	{ "all fields",
	  { "alice", "SHA256:abcDEF+/0", "192.0.2.7", "reset", "web1",
	    AUDIT_OK, "reset web1", NULL, NULL },
	  "tenant=alice key=SHA256:abcDEF+/0 from=192.0.2.7 verb=reset "
	  "domain=web1 result=ok request=\"reset web1\"\n" },
	{ "unknown fields are dashes",
	  { NULL, NULL, NULL, NULL, NULL, AUDIT_USAGE, NULL, NULL, NULL },
	  "tenant=- key=- from=- verb=- domain=- result=usage request=-\n" },
	{ "empty names are dashes, an empty request is quoted",
	  { "", "", "", "", "", AUDIT_DENIED, "", NULL, NULL },
	  "tenant=- key=- from=- verb=- domain=- result=denied "
	  "request=\"\"\n" },
	{ "detail is quoted",
	  { "bob", NULL, "::1", "start", "db1", AUDIT_FAILED, "start db1",
	    "domain is already running", NULL },
	  "tenant=bob key=- from=::1 verb=start domain=db1 result=failed "
	  "request=\"start db1\" detail=\"domain is already running\"\n" },
	{ "control bytes and quotes cannot forge lines or fields",
	  { "alice", NULL, NULL, "list", NULL, AUDIT_USAGE,
	    "list\n2026-01-01T00:00:00Z tenant=root \"x\"\x1b[2J\x7f\xff",
	    "bad\r\nbyte", NULL },
	  "tenant=alice key=- from=- verb=list domain=- result=usage "
	  "request=\"list\\x0a2026-01-01T00:00:00Z tenant=root "
	  "\\x22x\\x22\\x1b[2J\\x7f\\xff\" detail=\"bad\\x0d\\x0abyte\"\n" },
	{ "blanks in name fields are escaped",
	  { "al ice", "k\tey", "1.2.3.4 5", "re set", "web 1", AUDIT_ERROR,
	    "x", NULL, NULL },
	  "tenant=al\\x20ice key=k\\x09ey from=1.2.3.4\\x205 "
	  "verb=re\\x20set domain=web\\x201 result=error request=\"x\"\n" },
	{ "install media are named after the domain",
	  { "alice", NULL, NULL, "insert", "web1", AUDIT_DENIED,
	    "insert web1 debian-12", NULL, "debian-12" },
	  "tenant=alice key=- from=- verb=insert domain=web1 "
	  "media=debian-12 result=denied request=\"insert web1 debian-12\"\n" },
	{ "the request is cut at 200 bytes",
	  { "alice", NULL, NULL, NULL, NULL, AUDIT_USAGE, LONG300, NULL, NULL },
	  "tenant=alice key=- from=- verb=- domain=- result=usage "
	  "request=\"" A200 "\"\n" },
};

static void
test_line_format(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		char *path = fresh_log_path();
		char *text;

		print_message("case: %s\n", line_cases[i].label);
		assert_int_equal(audit_record(path, &line_cases[i].ev), 0);
		text = slurp(path);
		assert_non_null(text);
		assert_timestamp_now(text);
		assert_string_equal(strchr(text, ' ') + 1,
		    line_cases[i].expect);
		free(text);
		free(path);
	}
}

static void
test_appends_with_mode_0600(void **state)
{
	struct audit_event ev = { "alice", NULL, NULL, "list", NULL,
	    AUDIT_OK, "list", NULL, NULL };
	char *path = fresh_log_path();
	char *text, *second;
	struct stat st;

	(void)state;
	assert_int_equal(audit_record(path, &ev), 0);
	ev.verb = "whoami";
	ev.request = "whoami";
	assert_int_equal(audit_record(path, &ev), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	text = slurp(path);
	second = strchr(text, '\n');
	assert_non_null(second);
	assert_non_null(strstr(text, "verb=list "));
	assert_non_null(strstr(second + 1, "verb=whoami "));
	assert_string_equal(strchr(second + 1, '\n'), "\n");
	free(text);
	free(path);
}

static void
test_symlinked_log_refused(void **state)
{
	struct audit_event ev = { "alice", NULL, NULL, "list", NULL,
	    AUDIT_OK, "list", NULL, NULL };
	char *target = unit_write_file("target", "untouched\n", 0600);
	char *link = NULL;
	char *text;

	(void)state;
	assert_true(asprintf(&link, "%s.link", target) > 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(audit_record(link, &ev), -1);
	text = slurp(target);
	assert_string_equal(text, "untouched\n");
	free(text);
	free(link);
	free(target);
}

static void
test_unwritable_log_reported(void **state)
{
	struct audit_event ev = { "alice", NULL, NULL, "list", NULL,
	    AUDIT_OK, "list", NULL, NULL };

	(void)state;
	assert_int_equal(audit_record("/nonexistent-dir/audit.log", &ev), -1);
	/* syslog only: nothing to fail */
	assert_int_equal(audit_record(NULL, &ev), 0);
}

/*
 * The syslog line, as a syslog daemon gets it. This host may have no
 * syslog daemon, and one that runs must not be read from: a child in its
 * own mount namespace puts a tmpfs over /dev there, binds its own datagram
 * socket at /dev/log, and both audit_record and a real vmgate run log to
 * it. The child hands what it read to the test through a pipe.
 */
#define SYSLOG_WAIT_MS	5000
#define SYSLOG_MAX	2048
#define SYSLOG_PRI	"<86>"	/* LOG_AUTHPRIV (10 << 3) | LOG_INFO (6) */

/* one datagram from fd into buf (NUL-terminated, a newline made a
 * blank); 0, or -1 after wait_ms */
static int
syslog_read(int fd, char *buf, size_t size, int wait_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&pfd, 1, wait_ms) != 1)
		return -1;
	if ((n = recv(fd, buf, size - 1, 0)) < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int devnull = -1;	/* the child's, opened before /dev is ours */

/* in the child: /dev/log of our own; the bound socket or -1 */
static int
private_dev_log(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
	    "mode=0755") != 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/dev/log");
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, 0666) != 0)
		return -1;
	return fd;
}

/* in the child: vmgate refusing a malformed request; its exit status */
static int
run_vmgate_refused(void)
{
	static const char *const env[] = {
		"SSH_ORIGINAL_COMMAND=list; id",
		"SSH_CONNECTION=192.0.2.7 50000 192.0.2.1 22", NULL
	};
	const char *const argv[] = {
		BUILD_DIR "/vmgate", "-f", "/nonexistent/vmgate.ini", NULL
	};
	int st;
	pid_t pid;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execve(argv[0], (char *const *)argv, (char *const *)env);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * The child: audit_record's line first, then every line vmgate sent
 * (its config error comes before its audit line), one per line, then
 * vmgate's exit status. Exit 0, or 1 when nothing arrived.
 */
static void
syslog_child(int out)
{
	struct audit_event ev = { "alice", "SHA256:abc", "192.0.2.7", "reset",
	    "web1", AUDIT_OK, "reset web1", NULL, NULL };
	char line[SYSLOG_MAX];
	FILE *f = fdopen(out, "w");
	int fd, status;

	if (f == NULL || (fd = private_dev_log()) < 0)
		_exit(2);
	closelog();	/* a connection the parent made is not ours */
	if (audit_record(NULL, &ev) != 0 || syslog_read(fd, line,
	    sizeof(line), SYSLOG_WAIT_MS) != 0)
		_exit(1);
	fprintf(f, "%s\n", line);
	status = run_vmgate_refused();
	/* it has exited: whatever it sent is queued already */
	while (syslog_read(fd, line, sizeof(line), 0) == 0)
		fprintf(f, "%s\n", line);
	fprintf(f, "exit=%d\n", status);
	_exit(fclose(f) == 0 ? 0 : 1);
}

static void
test_syslog_line(void **state)
{
	char buf[3 * SYSLOG_MAX] = "", *first, *second, *rest, *save = NULL;
	char *exit_line;
	size_t have = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	(void)state;
	skip_unless_root("the syslog line (a mount namespace)");
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(p[0]);
		syslog_child(p[1]);
	}
	close(p[1]);
	while (have + 1 < sizeof(buf) &&
	    (n = read(p[0], buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
		fail_msg("no private /dev/log: a mount namespace (unshare, "
		    "mount) is refused here");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("no syslog line read (child status %d): %s", st, buf);

	first = buf;
	assert_non_null(rest = strchr(first, '\n'));
	*rest++ = '\0';
	/* audit_record: authpriv.info, ident vmgate, the fields in order */
	assert_memory_equal(first, SYSLOG_PRI, strlen(SYSLOG_PRI));
	assert_non_null(strstr(first, " vmgate["));
	assert_non_null(strstr(first, "]: tenant=alice key=SHA256:abc "
	    "from=192.0.2.7 verb=reset domain=web1 result=ok "
	    "request=\"reset web1\""));
	/* vmgate itself: the refused request is logged, from= included */
	for (second = strtok_r(rest, "\n", &save); second != NULL &&
	    strstr(second, "result=") == NULL;
	    second = strtok_r(NULL, "\n", &save))
		;
	if (second == NULL)
		fail_msg("vmgate sent no audit line to syslog");
	assert_memory_equal(second, SYSLOG_PRI, strlen(SYSLOG_PRI));
	assert_non_null(strstr(second, " vmgate["));
	assert_non_null(strstr(second, " from=192.0.2.7 "));
	assert_non_null(strstr(second, "result=usage request=\"list; id\""));
	assert_non_null(exit_line = strtok_r(NULL, "\n", &save));
	assert_string_equal(exit_line, "exit=64");
}

static void
test_result_names(void **state)
{
	static const struct {
		enum audit_result r;
		const char *name;
	} names[] = {
		{ AUDIT_OK, "ok" }, { AUDIT_DENIED, "denied" },
		{ AUDIT_FAILED, "failed" }, { AUDIT_USAGE, "usage" },
		{ AUDIT_ERROR, "error" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(audit_result_name(names[i].r),
		    names[i].name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format),
		cmocka_unit_test(test_appends_with_mode_0600),
		cmocka_unit_test(test_symlinked_log_refused),
		cmocka_unit_test(test_unwritable_log_reported),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_syslog_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
