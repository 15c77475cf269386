/*
 * test_request: SSH_ORIGINAL_COMMAND parsing: what is accepted, what is
 * refused and the reason a tenant reads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf in unit.h */
#endif
#include "unit.h"

#include "vmgate/request.h"

#define ERRLEN REQUEST_REASON_MAX

struct req_case {
	const char *cmd;
	int rc;
	enum verb verb;
	const char *domain;
	bool json, force, vv, no_wait;
	int port;
	const char *reason;	/* substring of the reason when rc is -1 */
};

static const struct req_case cases[] = {
	/* help */
	{ "", 0, VERB_HELP, NULL, 0, 0, 0, 0, 0, NULL },
	{ "   ", 0, VERB_HELP, NULL, 0, 0, 0, 0, 0, NULL },
	{ "help", 0, VERB_HELP, NULL, 0, 0, 0, 0, 0, NULL },
	{ "  help  ", 0, VERB_HELP, NULL, 0, 0, 0, 0, 0, NULL },
	{ "help web1", -1, VERB_HELP, NULL, 0, 0, 0, 0, 0, "unexpected word 'web1'" },
	{ "help --json", -1, VERB_HELP, NULL, 0, 0, 0, 0, 0, "unknown option '--json'" },
	/* list */
	{ "list", 0, VERB_LIST, NULL, 0, 0, 0, 0, 0, NULL },
	{ "list --json", 0, VERB_LIST, NULL, 1, 0, 0, 0, 0, NULL },
	{ "list --json --json", -1, VERB_LIST, NULL, 0, 0, 0, 0, 0, "repeated option '--json'" },
	{ "list web1", -1, VERB_LIST, NULL, 0, 0, 0, 0, 0, "unexpected word 'web1'" },
	{ "list --force", -1, VERB_LIST, NULL, 0, 0, 0, 0, 0, "unknown option '--force'" },
	{ "list -j", -1, VERB_LIST, NULL, 0, 0, 0, 0, 0, "unknown option '-j'" },
	{ "list --JSON", -1, VERB_LIST, NULL, 0, 0, 0, 0, 0, "unknown option" },
	{ "List", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command 'List'" },
	/* status */
	{ "status web1", 0, VERB_STATUS, "web1", 0, 0, 0, 0, 0, NULL },
	{ "status web1 --json", 0, VERB_STATUS, "web1", 1, 0, 0, 0, 0, NULL },
	{ "status --json web1", 0, VERB_STATUS, "web1", 1, 0, 0, 0, 0, NULL },
	{ "status   web1    --json  ", 0, VERB_STATUS, "web1", 1, 0, 0, 0, 0, NULL },
	{ "status", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "missing machine name (usage: status VM [--json])" },
	{ "status --json", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "missing machine name" },
	{ "status web1 web2", -1, VERB_STATUS, "web1", 0, 0, 0, 0, 0, "unexpected word 'web2'" },
	{ "status web1 --force", -1, VERB_STATUS, "web1", 0, 0, 0, 0, 0, "unknown option '--force'" },
	/* the plain machine verbs */
	{ "start web1", 0, VERB_START, "web1", 0, 0, 0, 0, 0, NULL },
	{ "stop web1", 0, VERB_STOP, "web1", 0, 0, 0, 0, 0, NULL },
	{ "poweroff web1", 0, VERB_POWEROFF, "web1", 0, 0, 0, 0, 0, NULL },
	{ "reset web1", 0, VERB_RESET, "web1", 0, 0, 0, 0, 0, NULL },
	{ "reboot web1", 0, VERB_REBOOT, "web1", 0, 0, 0, 0, 0, NULL },
	{ "reset", -1, VERB_RESET, NULL, 0, 0, 0, 0, 0, "missing machine name (usage: reset VM)" },
	{ "start web1 --json", -1, VERB_START, "web1", 0, 0, 0, 0, 0, "unknown option '--json'" },
	{ "start web1 --force", -1, VERB_START, "web1", 0, 0, 0, 0, 0, "unknown option '--force'" },
	{ "start web1 extra", -1, VERB_START, "web1", 0, 0, 0, 0, 0, "unexpected word 'extra'" },
	/* console */
	{ "console web1", 0, VERB_CONSOLE, "web1", 0, 0, 0, 0, 0, NULL },
	{ "console web1 --force", 0, VERB_CONSOLE, "web1", 0, 1, 0, 0, 0, NULL },
	{ "console --force web1", 0, VERB_CONSOLE, "web1", 0, 1, 0, 0, 0, NULL },
	{ "console --force", -1, VERB_CONSOLE, NULL, 0, 0, 0, 0, 0, "missing machine name" },
	{ "console web1 --force --force", -1, VERB_CONSOLE, "web1", 0, 0, 0, 0, 0, "repeated option '--force'" },
	{ "console web1 --json", -1, VERB_CONSOLE, "web1", 0, 0, 0, 0, 0, "unknown option '--json'" },
	/* spice */
	{ "spice web1", 0, VERB_SPICE, "web1", 0, 0, 0, 0, 0, NULL },
	{ "spice web1 --vv", 0, VERB_SPICE, "web1", 0, 0, 1, 0, 0, NULL },
	{ "spice web1 --no-wait", 0, VERB_SPICE, "web1", 0, 0, 0, 1, 0, NULL },
	{ "spice web1 --port 5999", 0, VERB_SPICE, "web1", 0, 0, 0, 0, 5999, NULL },
	{ "spice --port 1 web1", 0, VERB_SPICE, "web1", 0, 0, 0, 0, 1, NULL },
	{ "spice --port 65535 --vv --no-wait web1", 0, VERB_SPICE, "web1", 0, 0, 1, 1, 65535, NULL },
	{ "spice web1 --no-wait --vv --port 7000", 0, VERB_SPICE, "web1", 0, 0, 1, 1, 7000, NULL },
	{ "spice web1 --port 0", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "port from 1 to 65535, not '0'" },
	{ "spice web1 --port 65536", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "not '65536'" },
	{ "spice web1 --port 99999999999999999999", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "--port needs a port" },
	{ "spice web1 --port 05901", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "--port needs a port" },
	{ "spice web1 --port +5901", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "--port needs a port" },
	{ "spice web1 --port -1", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "--port needs a port" },
	{ "spice web1 --port 59x1", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "--port needs a port" },
	{ "spice web1 --port", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "--port needs a number" },
	{ "spice --port web1", -1, VERB_SPICE, NULL, 0, 0, 0, 0, 0, "not 'web1'" },
	{ "spice web1 --port=5901", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "unknown option '--port=5901'" },
	{ "spice web1 --port 1 --port 2", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "repeated option '--port'" },
	{ "spice web1 --vv --vv", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "repeated option '--vv'" },
	{ "spice web1 --json", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "unknown option '--json'" },
	{ "spice web1 --force", -1, VERB_SPICE, "web1", 0, 0, 0, 0, 0, "unknown option '--force'" },
	{ "spice --vv", -1, VERB_SPICE, NULL, 0, 0, 0, 0, 0, "missing machine name (usage: spice VM [--port N] [--vv] [--no-wait])" },
	/* whoami, version */
	{ "whoami", 0, VERB_WHOAMI, NULL, 0, 0, 0, 0, 0, NULL },
	{ "version", 0, VERB_VERSION, NULL, 0, 0, 0, 0, 0, NULL },
	{ "whoami alice", -1, VERB_WHOAMI, NULL, 0, 0, 0, 0, 0, "unexpected word 'alice'" },
	{ "version --json", -1, VERB_VERSION, NULL, 0, 0, 0, 0, 0, "unknown option" },
	/* unknown commands */
	{ "shell", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command 'shell'" },
	{ "--help", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command '--help'" },
	{ "scp -t /tmp", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command 'scp'" },
	{ "/bin/sh", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command '/bin/sh'" },
	{ "internal-sftp", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command 'internal-sftp'" },
	/* machine names: the name pattern, nothing path-like */
	{ "status ../x", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name '../x'" },
	{ "status a/b", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name 'a/b'" },
	{ "status /etc/passwd", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status .hidden", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status _x", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status a:b", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status a,b", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status a=b", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status a@b", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	{ "status -web1", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "unknown option '-web1'" },
	{ "status -", -1, VERB_STATUS, NULL, 0, 0, 0, 0, 0, "unknown option '-'" },
	{ "reset --", -1, VERB_RESET, NULL, 0, 0, 0, 0, 0, "unknown option '--'" },
	{ "status web1.example_x-2", 0, VERB_STATUS, "web1.example_x-2", 0, 0, 0, 0, 0, NULL },
	{ "status 9", 0, VERB_STATUS, "9", 0, 0, 0, 0, 0, NULL },
	{ "status a123456789012345678901234567890123456789012345678901234567890123", 0,
	  VERB_STATUS, "a123456789012345678901234567890123456789012345678901234567890123",
	  0, 0, 0, 0, 0, NULL },
	{ "status a1234567890123456789012345678901234567890123456789012345678901234", -1,
	  VERB_STATUS, NULL, 0, 0, 0, 0, 0, "invalid machine name" },
	/* words: 8 pass the word check, 9 are refused */
	{ "spice web1 --port 5901 --vv --no-wait", 0, VERB_SPICE, "web1", 0, 0, 1, 1, 5901, NULL },
	{ "a b c d e f g h", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command 'a'" },
	{ "a b c d e f g h i", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "refused: more than 8 words" },
	{ "status web1 --json 1 2 3 4 5 6", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "more than 8 words" },
	/* bytes a shell would act on: refused before anything else */
	{ "status web1;reboot web1", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "refused: character ';'" },
	{ "status\tweb1", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "refused: byte 0x09" },
	{ "status web1\n", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "refused: byte 0x0a" },
	{ "status web1\nreboot web1", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "byte 0x0a" },
	{ "status web1\r", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "byte 0x0d" },
	{ "status w\x7f", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "byte 0x7f" },
	{ "status w\x80", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "byte 0x80" },
	{ "status w\xc3\xa9", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "byte 0xc3" },
	{ "status w\x1b[31m", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "byte 0x1b" },
	/* an unknown verb made of odd but allowed bytes is shown as it is */
	{ "x%s%n", -1, VERB_NONE, NULL, 0, 0, 0, 0, 0, "unknown command 'x%s%n'" },
};

static void
check_case(const struct req_case *c)
{
	struct request req;
	char err[ERRLEN];
	int rc;

	memset(&req, 0xa5, sizeof(req));
	memset(err, 'x', sizeof(err));
	rc = request_parse(c->cmd, &req, err, sizeof(err));
	if (rc != c->rc)
		fail_msg("'%s': rc %d, want %d (%s)", c->cmd, rc, c->rc, err);
	assert_int_equal(req.verb, c->verb);
	if (c->rc == 0) {
		assert_string_equal(err, "");
		if (c->domain == NULL)
			assert_null(req.domain);
		else
			assert_string_equal(req.domain, c->domain);
		assert_int_equal(req.json, c->json);
		assert_int_equal(req.force, c->force);
		assert_int_equal(req.vv, c->vv);
		assert_int_equal(req.no_wait, c->no_wait);
		assert_int_equal(req.port, c->port);
	} else {
		if (strstr(err, c->reason) == NULL)
			fail_msg("'%s': reason '%s' lacks '%s'", c->cmd, err,
			    c->reason);
		/* one line, printable: safe to show and to log */
		for (size_t i = 0; err[i] != '\0'; i++)
			assert_true(err[i] >= 0x20 && err[i] < 0x7f);
		if (c->domain == NULL)
			assert_null(req.domain);
		else
			assert_string_equal(req.domain, c->domain);
	}
	request_clear(&req);
	assert_null(req.domain);
	assert_int_equal(req.verb, VERB_NONE);
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void
test_null_is_help(void **state)
{
	struct request req;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(request_parse(NULL, &req, err, sizeof(err)), 0);
	assert_int_equal(req.verb, VERB_HELP);
	assert_null(req.domain);
	request_clear(&req);
}

/* Every byte of the refused list, alone and inside a word, is refused. */
static void
test_each_forbidden_char(void **state)
{
	static const char forbidden[] = ";&|$`<>(){}[]*?!~'\"\\";
	char cmd[64], err[ERRLEN], want[64];
	struct request req;
	size_t i;

	(void)state;
	for (i = 0; forbidden[i] != '\0'; i++) {
		snprintf(cmd, sizeof(cmd), "status web%c1", forbidden[i]);
		assert_int_equal(request_parse(cmd, &req, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "character '%c'", forbidden[i]);
		if (strstr(err, want) == NULL)
			fail_msg("'%s': reason '%s'", cmd, err);
		assert_int_equal(req.verb, VERB_NONE);
		assert_null(req.domain);
		request_clear(&req);

		snprintf(cmd, sizeof(cmd), "%c", forbidden[i]);
		assert_int_equal(request_parse(cmd, &req, err, sizeof(err)), -1);
		request_clear(&req);
	}
}

/* Every byte outside 0x20..0x7e is refused; every other one gets past it. */
static void
test_each_byte(void **state)
{
	static const char forbidden[] = ";&|$`<>(){}[]*?!~'\"\\";
	char cmd[32], err[ERRLEN], want[32];
	struct request req;
	int c, rc;

	(void)state;
	for (c = 1; c < 256; c++) {
		snprintf(cmd, sizeof(cmd), "version%c", c);
		rc = request_parse(cmd, &req, err, sizeof(err));
		if (c < 0x20 || c > 0x7e) {
			assert_int_equal(rc, -1);
			snprintf(want, sizeof(want), "byte 0x%02x", c);
			if (strstr(err, want) == NULL)
				fail_msg("byte 0x%02x: reason '%s'", c, err);
		} else if (strchr(forbidden, c) != NULL) {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "refused: character"));
		} else if (c == ' ') {
			assert_int_equal(rc, 0);
			assert_int_equal(req.verb, VERB_VERSION);
		} else {
			/* "versionX" is no verb: refused later, as unknown */
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "unknown command"));
		}
		request_clear(&req);
	}
}

static void
test_length(void **state)
{
	char *cmd = malloc(MAX_REQUEST + 2);
	char err[ERRLEN];
	struct request req;

	(void)state;
	/* "status web1" then blanks up to exactly MAX_REQUEST bytes */
	memset(cmd, ' ', MAX_REQUEST + 1);
	memcpy(cmd, "status web1", 11);
	cmd[MAX_REQUEST] = '\0';
	assert_int_equal(request_parse(cmd, &req, err, sizeof(err)), 0);
	assert_int_equal(req.verb, VERB_STATUS);
	assert_string_equal(req.domain, "web1");
	request_clear(&req);

	cmd[MAX_REQUEST] = ' ';
	cmd[MAX_REQUEST + 1] = '\0';
	assert_int_equal(request_parse(cmd, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request too long (more than 4096 bytes)"));
	assert_int_equal(req.verb, VERB_NONE);
	request_clear(&req);

	/* a long bad request is refused for its length, whatever its bytes */
	memset(cmd, ';', MAX_REQUEST + 1);
	assert_int_equal(request_parse(cmd, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	request_clear(&req);
	free(cmd);
}

/* A long unknown word is shown cut, the reason stays one short line. */
static void
test_reason_bounded(void **state)
{
	char cmd[1024], err[ERRLEN];
	struct request req;

	(void)state;
	memset(cmd, 'A', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	assert_int_equal(request_parse(cmd, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown command 'AAAA"));
	assert_true(strlen(err) < 100);
	request_clear(&req);

	/* a tiny buffer is cut, never overrun */
	memset(err, 'z', sizeof(err));
	assert_int_equal(request_parse("nope", &req, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'z');
	request_clear(&req);
}

/*
 * The verbs with a second word (MEDIA, KEYS) and start --cdrom: both words
 * checked against the name pattern, each missing one named in the reason.
 */
struct arg_case {
	const char *cmd;
	int rc;
	enum verb verb;
	const char *domain;
	const char *arg;
	bool cdrom, json;
	unsigned verbs;		/* request_verbs */
	const char *reason;
};

#define B(v)	VERB_BIT(VERB_##v)
#define KEY_LIST "ctrl-alt-del ctrl-alt-f1 ctrl-alt-f2 ctrl-alt-f3 " \
	"ctrl-alt-f4 ctrl-alt-f5 ctrl-alt-f6 ctrl-alt-f7 ctrl-alt-f8 " \
	"ctrl-alt-f9 ctrl-alt-f10 ctrl-alt-f11 ctrl-alt-f12 alt-sysrq-b " \
	"alt-sysrq-c alt-sysrq-e alt-sysrq-f alt-sysrq-i alt-sysrq-m " \
	"alt-sysrq-r alt-sysrq-s alt-sysrq-t alt-sysrq-u alt-sysrq-w enter esc"

static const struct arg_case arg_cases[] = {
	{ "media", 0, VERB_MEDIA, NULL, NULL, 0, 0, B(MEDIA), NULL },
	{ "media --json", 0, VERB_MEDIA, NULL, NULL, 0, 1, B(MEDIA), NULL },
	{ "media web1", -1, VERB_MEDIA, NULL, NULL, 0, 0, 0,
	  "unexpected word 'web1' (usage: media [--json])" },
	{ "insert web1 debian-12", 0, VERB_INSERT, "web1", "debian-12", 0, 0,
	  B(INSERT), NULL },
	{ "insert web1 debian-12.8_x", 0, VERB_INSERT, "web1",
	  "debian-12.8_x", 0, 0, B(INSERT), NULL },
	{ "insert web1", -1, VERB_INSERT, "web1", NULL, 0, 0, 0,
	  "missing media name (usage: insert VM MEDIA)" },
	{ "insert", -1, VERB_INSERT, NULL, NULL, 0, 0, 0,
	  "missing machine name (usage: insert VM MEDIA)" },
	{ "insert web1 debian-12 alpine", -1, VERB_INSERT, "web1",
	  "debian-12", 0, 0, 0, "unexpected word 'alpine'" },
	{ "insert web1 .hidden", -1, VERB_INSERT, "web1", NULL, 0, 0, 0,
	  "invalid media name '.hidden'" },
	{ "insert web1 /etc/shadow", -1, VERB_INSERT, "web1", NULL, 0, 0, 0,
	  "invalid media name '/etc/shadow'" },
	{ "insert web1 ../x.iso", -1, VERB_INSERT, "web1", NULL, 0, 0, 0,
	  "invalid media name '../x.iso'" },
	{ "insert web1 debian-12 --json", -1, VERB_INSERT, "web1",
	  "debian-12", 0, 0, 0, "unknown option '--json'" },
	{ "eject web1", 0, VERB_EJECT, "web1", NULL, 0, 0, B(EJECT), NULL },
	{ "eject web1 debian-12", -1, VERB_EJECT, "web1", NULL, 0, 0, 0,
	  "unexpected word 'debian-12' (usage: eject VM)" },
	{ "screenshot web1", 0, VERB_SCREENSHOT, "web1", NULL, 0, 0,
	  B(SCREENSHOT), NULL },
	{ "screenshot", -1, VERB_SCREENSHOT, NULL, NULL, 0, 0, 0,
	  "missing machine name (usage: screenshot VM)" },
	{ "sendkey web1 ctrl-alt-del", 0, VERB_SENDKEY, "web1",
	  "ctrl-alt-del", 0, 0, B(SENDKEY), NULL },
	{ "sendkey web1", -1, VERB_SENDKEY, "web1", NULL, 0, 0, 0,
	  "missing key combination (usage: sendkey VM KEYS; KEYS is one of: "
	  KEY_LIST ")" },
	{ "sendkey web1 alt-sysrq-b", 0, VERB_SENDKEY, "web1", "alt-sysrq-b",
	  0, 0, B(SENDKEY), NULL },
	{ "sendkey web1 esc", 0, VERB_SENDKEY, "web1", "esc", 0, 0,
	  B(SENDKEY), NULL },
	/* anything outside the table: refused with the whole table */
	{ "sendkey web1 ctrl-alt-f13", -1, VERB_SENDKEY, "web1", NULL, 0, 0,
	  0, "unknown key combination 'ctrl-alt-f13' (usage: sendkey VM "
	  "KEYS; KEYS is one of: " KEY_LIST ")" },
	{ "sendkey web1 CTRL-ALT-DEL", -1, VERB_SENDKEY, "web1", NULL, 0, 0,
	  0, "unknown key combination 'CTRL-ALT-DEL' (usage: sendkey VM "
	  "KEYS; KEYS is one of: " KEY_LIST ")" },
	{ "sendkey web1 alt-sysrq-o", -1, VERB_SENDKEY, "web1", NULL, 0, 0,
	  0, "unknown key combination 'alt-sysrq-o'" },
	{ "sendkey web1 -x", -1, VERB_SENDKEY, "web1", NULL, 0, 0, 0,
	  "unknown option '-x'" },
	{ "sendkey web1 ctrl-alt-del enter", -1, VERB_SENDKEY, "web1",
	  "ctrl-alt-del", 0, 0, 0, "unexpected word 'enter'" },
	{ "sendkey web1 ctrl+alt+del", -1, VERB_SENDKEY, "web1", NULL, 0, 0,
	  0, "unknown key combination 'ctrl+alt+del' (usage: sendkey VM "
	  "KEYS; KEYS is one of: " KEY_LIST ")" },
	/* start --cdrom needs insert too */
	{ "start web1 --cdrom", 0, VERB_START, "web1", NULL, 1, 0,
	  B(START) | B(INSERT), NULL },
	{ "start --cdrom web1", 0, VERB_START, "web1", NULL, 1, 0,
	  B(START) | B(INSERT), NULL },
	{ "start web1", 0, VERB_START, "web1", NULL, 0, 0, B(START), NULL },
	{ "start web1 --cdrom --cdrom", -1, VERB_START, "web1", NULL, 0, 0,
	  0, "repeated option '--cdrom' (usage: start VM [--cdrom])" },
	{ "start web1 debian-12", -1, VERB_START, "web1", NULL, 0, 0, 0,
	  "unexpected word 'debian-12'" },
	{ "reset web1 --cdrom", -1, VERB_RESET, "web1", NULL, 0, 0, 0,
	  "unknown option '--cdrom'" },
};

static void
test_second_word(void **state)
{
	char err[ERRLEN];
	struct request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
		const struct arg_case *c = &arg_cases[i];
		int rc = request_parse(c->cmd, &req, err, sizeof(err));

		print_message("case: %s\n", c->cmd);
		assert_int_equal(rc, c->rc);
		assert_int_equal(req.verb, c->verb);
		if (c->domain == NULL)
			assert_null(req.domain);
		else
			assert_string_equal(req.domain, c->domain);
		if (rc == 0) {
			if (c->arg == NULL)
				assert_null(req.arg);
			else
				assert_string_equal(req.arg, c->arg);
			assert_int_equal(req.cdrom, c->cdrom);
			assert_int_equal(req.json, c->json);
			assert_int_equal(request_verbs(&req), c->verbs);
		} else if (strstr(err, c->reason) == NULL)
			fail_msg("'%s': reason '%s', want '%s'", c->cmd, err,
			    c->reason);
		request_clear(&req);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_null_is_help),
		cmocka_unit_test(test_second_word),
		cmocka_unit_test(test_each_forbidden_char),
		cmocka_unit_test(test_each_byte),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_reason_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
