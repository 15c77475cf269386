/*
 * test_audit: the audit file line of SPEC §4 as an admin reads it: field
 * order, "-" for unknown fields, sanitizing, the 200-byte request cut, the
 * UTC timestamp, append-only mode 0600 and refusal of a symlinked log.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strptime, timegm */
#endif
#include "unit.h"

#include <errno.h>
#include <time.h>

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
	    AUDIT_OK, "reset web1", NULL },
	  "tenant=alice key=SHA256:abcDEF+/0 from=192.0.2.7 verb=reset "
	  "domain=web1 result=ok request=\"reset web1\"\n" },
	{ "unknown fields are dashes",
	  { NULL, NULL, NULL, NULL, NULL, AUDIT_USAGE, NULL, NULL },
	  "tenant=- key=- from=- verb=- domain=- result=usage request=-\n" },
	{ "empty names are dashes, an empty request is quoted",
	  { "", "", "", "", "", AUDIT_DENIED, "", NULL },
	  "tenant=- key=- from=- verb=- domain=- result=denied "
	  "request=\"\"\n" },
	{ "detail is quoted",
	  { "bob", NULL, "::1", "start", "db1", AUDIT_FAILED, "start db1",
	    "domain is already running" },
	  "tenant=bob key=- from=::1 verb=start domain=db1 result=failed "
	  "request=\"start db1\" detail=\"domain is already running\"\n" },
	{ "control bytes and quotes cannot forge lines or fields",
	  { "alice", NULL, NULL, "list", NULL, AUDIT_USAGE,
	    "list\n2026-01-01T00:00:00Z tenant=root \"x\"\x1b[2J\x7f\xff",
	    "bad\r\nbyte" },
	  "tenant=alice key=- from=- verb=list domain=- result=usage "
	  "request=\"list\\x0a2026-01-01T00:00:00Z tenant=root "
	  "\\x22x\\x22\\x1b[2J\\x7f\\xff\" detail=\"bad\\x0d\\x0abyte\"\n" },
	{ "blanks in name fields are escaped",
	  { "al ice", "k\tey", "1.2.3.4 5", "re set", "web 1", AUDIT_ERROR,
	    "x", NULL },
	  "tenant=al\\x20ice key=k\\x09ey from=1.2.3.4\\x205 "
	  "verb=re\\x20set domain=web\\x201 result=error request=\"x\"\n" },
	{ "the request is cut at 200 bytes",
	  { "alice", NULL, NULL, NULL, NULL, AUDIT_USAGE, LONG300, NULL },
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
	    AUDIT_OK, "list", NULL };
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
	    AUDIT_OK, "list", NULL };
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
	    AUDIT_OK, "list", NULL };

	(void)state;
	assert_int_equal(audit_record("/nonexistent-dir/audit.log", &ev), -1);
	/* syslog only: nothing to fail */
	assert_int_equal(audit_record(NULL, &ev), 0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
