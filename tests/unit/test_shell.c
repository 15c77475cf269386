/*
 * test_shell: the tenant verbs as a tenant sees them (output,
 * result, exit code) and as an admin sees them (one audit line each),
 * against libvirt's test driver with tests/unit/data/node.xml:
 *   web1 running, db1 shut off (alice); other1, lab1 running (bob).
 * Every shell_run opens its own connection, so each request starts from
 * the node file again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* open_memstream, asprintf */
#endif
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "vmgate/config.h"
#include "vmgate/result.h"
#include "vmgate/session.h"
#include "vmgate/shell.h"
#include "vmgate/util.h"

#define NODE_URI	"test://" TEST_DATA "/node.xml"
#define ALICE_KEY	"SHA256:aliceKeyFingerprint0123456789abcdefABCDEF"
#define FROM		"192.0.2.1"
#define VMHOST		"vmhost"

static const char config_body[] =
    "[tenant alice]\n"
    "domains = web1, db1, ghost1\n"
    "\n"
    "[tenant bob]\n"
    "domains = other1 lab1\n"
    "\n"
    "[tenant carol]\n"
    "domains = web1\n"
    "allow = status\n"
    "\n"
    "[tenant dave]\n"
    "domains = web1\n"
    "disabled = yes\n"
    "\n"
    "[tenant erin]\n"
    "\n"
    "[tenant nina]\n"
    "domains = web1\n"
    "max_sessions = 0\n"
    "\n"
    "[tenant pat]\n"
    "domains = paused1\n"
    "\n"
    "[tenant mia]\n"
    "domains = web1 db1\n"
    "allow = status start insert eject media screenshot sendkey\n"
    "media = debian-12\n"
    "\n"
    "[media debian-12]\n"
    "path = /nonexistent/vmgate/debian-12.iso\n"
    "description = Debian 12 netinst\n"
    "\n"
    "[media alpine]\n"
    "path = /nonexistent/vmgate/alpine.iso\n"
    "\n"
    "[group ops]\n"
    "members = erin\n"
    "domains = web1\n"
    "allow = status reset\n"
    "\n"
    "[domain web1]\n"
    "ipv4 = 198.51.100.10\n"
    "ipv6 = 2001:db8::10\n"
    "\n"
    "[domain db1]\n"
    "spice = 127.0.0.1:5999\n"
    "\n"
    "[domain lab1]\n"
    "spice = [::1]:5931\n";

struct fixture {
	struct config *cfg;
	char *audit_log;
};

static struct fixture fx;
/* the session directory run() hands the shell; NULL: no slots counted */
static const char *session_dir;

static struct config *
load(const char *uri, const char *audit_log)
{
	struct config *cfg = NULL;
	struct diag d;
	char *text = NULL, *path;
	size_t i;

	assert_true(asprintf(&text, "[vmgate]\nuri = %s\naudit_log = %s\n\n%s",
	    uri, audit_log, config_body) > 0);
	path = unit_write_file("vmgate.ini", text, 0600);
	diag_init(&d);
	if (config_load(path, geteuid(), &cfg, &d) != 0) {
		for (i = 0; i < d.count; i++)
			print_error("%s\n", d.msgs[i]);
		fail_msg("test config refused");
	}
	diag_clear(&d);
	free(text);
	free(path);
	return cfg;
}

static int
setup(void **state)
{
	char *dir_file = unit_write_file("audit.log", "", 0600);
	int fd;

	(void)state;
	/* the log is created by the first request */
	if (unlink(dir_file) != 0)
		return -1;
	fx.audit_log = dir_file;
	fx.cfg = load(NODE_URI, fx.audit_log);
	/* no terminal, whatever runs the tests */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(fx.cfg);
	free(fx.audit_log);
	return 0;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while (f != NULL && (c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	if (f != NULL)
		fclose(f);
	return buf;
}

static size_t
count_lines(const char *text)
{
	size_t n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* the last line, without its timestamp */
static char *
last_audit_line(const char *text)
{
	const char *end = text + strlen(text), *start;

	assert_true(end > text && end[-1] == '\n');
	for (start = end - 1; start > text && start[-1] != '\n'; start--)
		;
	start = strchr(start, ' ');
	assert_non_null(start);
	return strndup(start + 1, (size_t)(end - start - 2));
}

struct outcome {
	enum result result;
	char *out;
	size_t out_len;	/* bytes on stdout, which may be binary */
	char *err;
	char *audit;	/* the request's audit line after its timestamp */
};

static void
outcome_clear(struct outcome *o)
{
	free(o->out);
	free(o->err);
	free(o->audit);
	memset(o, 0, sizeof(*o));
}

static const char *
test_vmhost(void *arg)
{
	(void)arg;
	return VMHOST;
}

/* the context main gives the shell for req (its streams left NULL) */
static void
ctx_of(struct shell_ctx *ctx, const struct config *cfg,
    const struct request *req, const char *tenant, const char *key,
    const char *request)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->req = req;
	ctx->cfg = cfg;
	ctx->tenant = tenant;
	ctx->key_fp = key;
	ctx->from = FROM;
	ctx->request = request;
	ctx->vmhost = test_vmhost;
	ctx->session_dir = session_dir;
}

/*
 * One request as main would make it. Checks on the way that it left
 * exactly one audit line and that nothing (libvirt included) wrote to
 * the process's real stderr.
 */
static void
run(const struct config *cfg, const char *tenant, const char *key,
    const char *request, struct outcome *o)
{
	struct shell_ctx ctx;
	struct request req;
	char reason[REQUEST_REASON_MAX];
	size_t outlen = 0, errlen = 0;
	char *before, *after, *stray_path, *stray;
	int saved, fd;

	memset(o, 0, sizeof(*o));
	/* as main does: the shell gets only requests that parse */
	if (request_parse(request, &req, reason, sizeof(reason)) != 0)
		fail_msg("'%s' does not parse: %s", request, reason);
	ctx_of(&ctx, cfg, &req, tenant, key, request);
	ctx.out = open_memstream(&o->out, &outlen);
	ctx.err = open_memstream(&o->err, &errlen);
	assert_non_null(ctx.out);
	assert_non_null(ctx.err);

	before = slurp(cfg->audit_log);
	stray_path = unit_write_file("stderr", "", 0600);
	fd = open(stray_path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);

	o->result = shell_run(&ctx);

	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(fd);
	fclose(ctx.out);
	fclose(ctx.err);
	request_clear(&req);
	o->out_len = outlen;

	stray = slurp(stray_path);
	assert_string_equal(stray, "");
	after = slurp(cfg->audit_log);
	assert_int_equal(count_lines(after), count_lines(before) + 1);
	o->audit = last_audit_line(after);
	free(stray);
	free(stray_path);
	free(before);
	free(after);
}

/* The audit line up to and including request="...": libvirt's detail
 * text may follow, its wording is libvirt's. */
static void
assert_audit(const char *line, const char *expect)
{
	size_t n = strlen(expect);

	if (strncmp(line, expect, n) != 0 ||
	    (line[n] != '\0' && strncmp(line + n, " detail=\"", 9) != 0))
		fail_msg("audit line\n  %s\nexpected\n  %s[ detail=...]",
		    line, expect);
}

#define AUDIT_ALICE	"tenant=alice key=" ALICE_KEY " from=" FROM " "
#define STATUS_WEB1 \
	"name: web1\nstate: running\nvcpus: 2\nmemory: 512 MiB\n" \
	"spice: 127.0.0.1:5901\nmac: 52:54:00:00:00:01\n" \
	"ipv4: 198.51.100.10\nipv6: 2001:db8::10\n" \
	"addresses: 192.168.122.3\n"
#define NO_SUCH(name)	"vmgate: " name ": no such machine\n"

struct shell_case {
	const char *tenant;
	const char *request;
	enum result result;
	const char *out;
	const char *err;	/* NULL: any "vmgate: ..." line (core's text) */
	const char *audit;
};

static const struct shell_case cases[] = {
	/* list */
	{ "alice", "list", RESULT_OK, "db1 shut off\nweb1 running\n", "",
	  AUDIT_ALICE "verb=list domain=- result=ok request=\"list\"" },
	{ "alice", "list --json", RESULT_OK,
	  "[{\"name\":\"db1\",\"state\":\"shut off\"},"
	  "{\"name\":\"web1\",\"state\":\"running\"}]\n", "",
	  AUDIT_ALICE "verb=list domain=- result=ok "
	  "request=\"list --json\"" },
	{ "bob", "list", RESULT_OK, "lab1 running\nother1 running\n", "",
	  "tenant=bob key=- from=" FROM " verb=list domain=- result=ok "
	  "request=\"list\"" },
	{ "carol", "list --json", RESULT_OK,
	  "[{\"name\":\"web1\",\"state\":\"running\"}]\n", "",
	  "tenant=carol key=- from=" FROM " verb=list domain=- result=ok "
	  "request=\"list --json\"" },

	/* status */
	{ "alice", "status web1", RESULT_OK, STATUS_WEB1, "",
	  AUDIT_ALICE "verb=status domain=web1 result=ok "
	  "request=\"status web1\"" },
	{ "alice", "status web1 --json", RESULT_OK,
	  "{\"name\":\"web1\",\"state\":\"running\",\"vcpus\":2,"
	  "\"memory_mib\":512,\"spice\":\"127.0.0.1:5901\",\"cdrom\":null,"
	  "\"interfaces\":[{\"mac\":\"52:54:00:00:00:01\","
	  "\"ipv4\":\"198.51.100.10\",\"ipv6\":\"2001:db8::10\"}],"
	  "\"addresses\":[\"192.168.122.3\"],\"addresses_from_guest\":false}\n",
	  "",
	  AUDIT_ALICE "verb=status domain=web1 result=ok "
	  "request=\"status web1 --json\"" },
	{ "alice", "status db1", RESULT_OK,
	  "name: db1\nstate: shut off\nvcpus: 1\nmemory: 256 MiB\n"
	  "spice: 127.0.0.1:5999\n", "",
	  AUDIT_ALICE "verb=status domain=db1 result=ok "
	  "request=\"status db1\"" },
	{ "alice", "status db1 --json", RESULT_OK,
	  "{\"name\":\"db1\",\"state\":\"shut off\",\"vcpus\":1,"
	  "\"memory_mib\":256,\"spice\":\"127.0.0.1:5999\",\"cdrom\":null,"
	  "\"interfaces\":[],"
	  "\"addresses\":[],"
	  "\"addresses_from_guest\":false}\n",
	  "",
	  AUDIT_ALICE "verb=status domain=db1 result=ok "
	  "request=\"status db1 --json\"" },
	{ "bob", "status other1", RESULT_OK,
	  "name: other1\nstate: running\nvcpus: 1\nmemory: 128 MiB\n"
	  "spice: none\n", "",
	  "tenant=bob key=- from=" FROM " verb=status domain=other1 "
	  "result=ok request=\"status other1\"" },
	{ "bob", "status lab1 --json", RESULT_OK,
	  "{\"name\":\"lab1\",\"state\":\"running\",\"vcpus\":1,"
	  "\"memory_mib\":64,\"spice\":\"[::1]:5931\",\"cdrom\":null,"
	  "\"interfaces\":[],"
	  "\"addresses\":[],"
	  "\"addresses_from_guest\":false}\n", "",
	  "tenant=bob key=- from=" FROM " verb=status domain=lab1 "
	  "result=ok request=\"status lab1 --json\"" },

	/* life cycle */
	{ "alice", "start db1", RESULT_OK, "db1: started\n", "",
	  AUDIT_ALICE "verb=start domain=db1 result=ok "
	  "request=\"start db1\"" },
	{ "alice", "start web1", RESULT_FAILED, "",
	  "vmgate: web1: already running\n",
	  AUDIT_ALICE "verb=start domain=web1 result=failed "
	  "request=\"start web1\"" },
	{ "alice", "stop web1", RESULT_OK, "web1: shutdown requested\n", "",
	  AUDIT_ALICE "verb=stop domain=web1 result=ok "
	  "request=\"stop web1\"" },
	{ "alice", "stop db1", RESULT_FAILED, "", "vmgate: db1: not running\n",
	  AUDIT_ALICE "verb=stop domain=db1 result=failed "
	  "request=\"stop db1\"" },
	{ "alice", "poweroff web1", RESULT_OK, "web1: powered off\n", "",
	  AUDIT_ALICE "verb=poweroff domain=web1 result=ok "
	  "request=\"poweroff web1\"" },
	{ "alice", "poweroff db1", RESULT_FAILED, "",
	  "vmgate: db1: not running\n",
	  AUDIT_ALICE "verb=poweroff domain=db1 result=failed "
	  "request=\"poweroff db1\"" },
	{ "alice", "reset web1", RESULT_OK, "web1: reset\n", "",
	  AUDIT_ALICE "verb=reset domain=web1 result=ok "
	  "request=\"reset web1\"" },
	{ "alice", "reset db1", RESULT_FAILED, "",
	  "vmgate: db1: not running\n",
	  AUDIT_ALICE "verb=reset domain=db1 result=failed "
	  "request=\"reset db1\"" },
	{ "alice", "reboot web1", RESULT_OK, "web1: reboot requested\n", "",
	  AUDIT_ALICE "verb=reboot domain=web1 result=ok "
	  "request=\"reboot web1\"" },
	{ "alice", "reboot db1", RESULT_FAILED, "",
	  "vmgate: db1: not running\n",
	  AUDIT_ALICE "verb=reboot domain=db1 result=failed "
	  "request=\"reboot db1\"" },

	/* a paused machine: neither running nor not, and only the admin
	 * resumes it */
	{ "pat", "start paused1", RESULT_FAILED, "",
	  "vmgate: paused1: paused (ask the admin)\n",
	  "tenant=pat key=- from=" FROM " verb=start domain=paused1 "
	  "result=failed request=\"start paused1\"" },
	{ "pat", "spice paused1 --no-wait", RESULT_FAILED, "",
	  "vmgate: paused1: paused (ask the admin)\n",
	  "tenant=pat key=- from=" FROM " verb=spice domain=paused1 "
	  "result=failed request=\"spice paused1 --no-wait\" "
	  "detail=\"paused (ask the admin)\"" },
	{ "pat", "poweroff paused1", RESULT_OK, "paused1: powered off\n", "",
	  "tenant=pat key=- from=" FROM " verb=poweroff domain=paused1 "
	  "result=ok request=\"poweroff paused1\"" },

	/* spice: the test driver's displays cannot take a ticket */
	{ "alice", "spice web1", RESULT_FAILED, "",
	  "vmgate: web1: has no SPICE display with ticketing: ask the admin\n",
	  AUDIT_ALICE "verb=spice domain=web1 result=failed "
	  "request=\"spice web1\" detail=\"has no SPICE display with "
	  "ticketing: ask the admin\"" },
	{ "alice", "spice db1 --vv --no-wait", RESULT_FAILED, "",
	  "vmgate: db1: not running\n",
	  AUDIT_ALICE "verb=spice domain=db1 result=failed "
	  "request=\"spice db1 --vv --no-wait\" detail=\"not running\"" },

	/* denied: foreign, granted but missing, and unknown look alike */
	{ "alice", "status other1", RESULT_DENIED, "", NO_SUCH("other1"),
	  AUDIT_ALICE "verb=status domain=other1 result=denied "
	  "request=\"status other1\"" },
	{ "alice", "status ghost1", RESULT_DENIED, "", NO_SUCH("ghost1"),
	  AUDIT_ALICE "verb=status domain=ghost1 result=denied "
	  "request=\"status ghost1\"" },
	{ "alice", "poweroff other1", RESULT_DENIED, "", NO_SUCH("other1"),
	  AUDIT_ALICE "verb=poweroff domain=other1 result=denied "
	  "request=\"poweroff other1\"" },
	/* allow narrowing: carol may look at web1 but not touch it */
	{ "carol", "status web1", RESULT_OK, STATUS_WEB1, "",
	  "tenant=carol key=- from=" FROM " verb=status domain=web1 "
	  "result=ok request=\"status web1\"" },
	{ "carol", "start web1", RESULT_DENIED, "", NO_SUCH("web1"),
	  "tenant=carol key=- from=" FROM " verb=start domain=web1 "
	  "result=denied request=\"start web1\"" },
	/* not carol's to use: denied, with or without a terminal */
	{ "carol", "console web1", RESULT_DENIED, "", NO_SUCH("web1"),
	  "tenant=carol key=- from=" FROM " verb=console domain=web1 "
	  "result=denied request=\"console web1\"" },
	/* a group's grant, narrowed by the group's allow */
	{ "erin", "reset web1", RESULT_OK, "web1: reset\n", "",
	  "tenant=erin key=- from=" FROM " verb=reset domain=web1 "
	  "result=ok request=\"reset web1\"" },
	{ "erin", "stop web1", RESULT_DENIED, "", NO_SUCH("web1"),
	  "tenant=erin key=- from=" FROM " verb=stop domain=web1 "
	  "result=denied request=\"stop web1\"" },
	/* a disabled tenant has no rights at all */
	{ "dave", "list", RESULT_DENIED, "", "vmgate: access denied\n",
	  "tenant=dave key=- from=" FROM " verb=list domain=- "
	  "result=denied request=\"list\"" },
	{ "dave", "status web1", RESULT_DENIED, "", "vmgate: access denied\n",
	  "tenant=dave key=- from=" FROM " verb=status domain=web1 "
	  "result=denied request=\"status web1\"" },
	{ "nobody", "whoami", RESULT_DENIED, "", "vmgate: access denied\n",
	  "tenant=nobody key=- from=" FROM " verb=whoami domain=- "
	  "result=denied request=\"whoami\"" },

	/* usage (a request that does not parse is main's to refuse) */
	{ "alice", "console web1", RESULT_USAGE, "",
	  "vmgate: console needs a terminal: use ssh -t\n",
	  AUDIT_ALICE "verb=console domain=web1 result=usage "
	  "request=\"console web1\"" },

	/* opt-in verbs: refused as denied where no allow list names them */
	{ "alice", "media", RESULT_DENIED, "", "vmgate: media: not permitted\n",
	  AUDIT_ALICE "verb=media domain=- result=denied request=\"media\"" },
	{ "alice", "insert web1 debian-12", RESULT_DENIED, "", NO_SUCH("web1"),
	  AUDIT_ALICE "verb=insert domain=web1 media=debian-12 result=denied "
	  "request=\"insert web1 debian-12\"" },
	{ "alice", "eject web1", RESULT_DENIED, "", NO_SUCH("web1"),
	  AUDIT_ALICE "verb=eject domain=web1 result=denied "
	  "request=\"eject web1\"" },
	{ "alice", "screenshot web1", RESULT_DENIED, "", NO_SUCH("web1"),
	  AUDIT_ALICE "verb=screenshot domain=web1 result=denied "
	  "request=\"screenshot web1\"" },
	{ "alice", "sendkey web1 ctrl-alt-del", RESULT_DENIED, "",
	  NO_SUCH("web1"),
	  AUDIT_ALICE "verb=sendkey domain=web1 result=denied "
	  "request=\"sendkey web1 ctrl-alt-del\"" },
	/* start --cdrom needs insert as well as start */
	{ "alice", "start db1 --cdrom", RESULT_DENIED, "", NO_SUCH("db1"),
	  AUDIT_ALICE "verb=start domain=db1 result=denied "
	  "request=\"start db1 --cdrom\"" },
	/* named by mia's allow: her catalog (its file is missing here) */
	{ "mia", "media", RESULT_OK, "debian-12 - Debian 12 netinst\n", "",
	  "tenant=mia key=- from=" FROM " verb=media domain=- result=ok "
	  "request=\"media\"" },
	{ "mia", "media --json", RESULT_OK,
	  "[{\"name\":\"debian-12\",\"size\":null,"
	  "\"description\":\"Debian 12 netinst\"}]\n", "",
	  "tenant=mia key=- from=" FROM " verb=media domain=- result=ok "
	  "request=\"media --json\"" },
	/* the file is checked again before it goes in the drive */
	{ "mia", "insert web1 debian-12", RESULT_FAILED, "",
	  "vmgate: debian-12: media not available (ask the admin)\n",
	  "tenant=mia key=- from=" FROM " verb=insert domain=web1 "
	  "media=debian-12 result=failed request=\"insert web1 debian-12\"" },
	/* another tenant's entry and none at all: one answer */
	{ "mia", "insert web1 alpine", RESULT_DENIED, "",
	  "vmgate: alpine: no such media\n",
	  "tenant=mia key=- from=" FROM " verb=insert domain=web1 "
	  "media=alpine result=denied request=\"insert web1 alpine\"" },
	{ "mia", "insert web1 nonexistent", RESULT_DENIED, "",
	  "vmgate: nonexistent: no such media\n",
	  "tenant=mia key=- from=" FROM " verb=insert domain=web1 "
	  "media=nonexistent result=denied "
	  "request=\"insert web1 nonexistent\"" },
	{ "mia", "eject web1", RESULT_FAILED, "",
	  "vmgate: web1: no CD drive (ask the admin)\n",
	  "tenant=mia key=- from=" FROM " verb=eject domain=web1 "
	  "result=failed request=\"eject web1\"" },
	/* both need a running machine */
	{ "mia", "screenshot db1", RESULT_FAILED, "",
	  "vmgate: db1: not running\n",
	  "tenant=mia key=- from=" FROM " verb=screenshot domain=db1 "
	  "result=failed request=\"screenshot db1\" detail=\"not running\"" },
	{ "mia", "sendkey db1 enter", RESULT_FAILED, "",
	  "vmgate: db1: not running\n",
	  "tenant=mia key=- from=" FROM " verb=sendkey domain=db1 "
	  "result=failed request=\"sendkey db1 enter\" "
	  "detail=\"keys enter: not running\"" },
	{ "mia", "sendkey web1 ctrl-alt-del", RESULT_OK,
	  "web1: ctrl-alt-del sent\n", "",
	  "tenant=mia key=- from=" FROM " verb=sendkey domain=web1 "
	  "result=ok request=\"sendkey web1 ctrl-alt-del\" "
	  "detail=\"keys ctrl-alt-del: sent\"" },
	/* another tenant's machine: as if it did not exist */
	{ "mia", "sendkey other1 ctrl-alt-del", RESULT_DENIED, "",
	  NO_SUCH("other1"),
	  "tenant=mia key=- from=" FROM " verb=sendkey domain=other1 "
	  "result=denied request=\"sendkey other1 ctrl-alt-del\"" },
	{ "mia", "screenshot other1", RESULT_DENIED, "", NO_SUCH("other1"),
	  "tenant=mia key=- from=" FROM " verb=screenshot domain=other1 "
	  "result=denied request=\"screenshot other1\"" },
	{ "mia", "start db1 --cdrom", RESULT_FAILED, "",
	  "vmgate: db1: no CD drive (ask the admin)\n",
	  "tenant=mia key=- from=" FROM " verb=start domain=db1 "
	  "result=failed request=\"start db1 --cdrom\"" },
	/* ... and still only on mia's machines, the same answer as ever */
	{ "mia", "insert other1 debian-12", RESULT_DENIED, "",
	  NO_SUCH("other1"),
	  "tenant=mia key=- from=" FROM " verb=insert domain=other1 "
	  "media=debian-12 result=denied "
	  "request=\"insert other1 debian-12\"" },
	{ "mia", "reset web1", RESULT_DENIED, "", NO_SUCH("web1"),
	  "tenant=mia key=- from=" FROM " verb=reset domain=web1 "
	  "result=denied request=\"reset web1\"" },

	/* identity */
	{ "alice", "whoami", RESULT_OK,
	  "tenant: alice\nkey: " ALICE_KEY "\n", "",
	  AUDIT_ALICE "verb=whoami domain=- result=ok request=\"whoami\"" },
	{ "bob", "whoami", RESULT_OK, "tenant: bob\n", "",
	  "tenant=bob key=- from=" FROM " verb=whoami domain=- result=ok "
	  "request=\"whoami\"" },
	{ "bob", "version", RESULT_OK, "vmgate " VMGATE_VERSION "\n", "",
	  "tenant=bob key=- from=" FROM " verb=version domain=- result=ok "
	  "request=\"version\"" },
};

static void
test_verbs(void **state)
{
	struct outcome o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct shell_case *c = &cases[i];

		print_message("case: %s: %s\n", c->tenant, c->request);
		run(fx.cfg, c->tenant, strcmp(c->tenant, "alice") == 0 ?
		    ALICE_KEY : NULL, c->request, &o);
		assert_string_equal(o.out, c->out);
		if (c->err != NULL)
			assert_string_equal(o.err, c->err);
		else {
			/* one line, ours, on stderr */
			assert_true(strncmp(o.err, "vmgate: ", 8) == 0);
			assert_int_equal(count_lines(o.err), 1);
		}
		assert_int_equal(o.result, c->result);
		assert_audit(o.audit, c->audit);
		outcome_clear(&o);
	}
}

/*
 * For every verb on a machine: another tenant's, one granted but missing
 * in libvirt, and one nobody has must give the same answer.
 */
static void
test_foreign_and_missing_alike(void **state)
{
	static const char *const verbs[] = {
		"status", "start", "stop", "poweroff", "reset", "reboot",
		"console", "spice",
	};
	static const char *const machines[] = { "other1", "ghost1", "nope" };
	struct outcome o;
	enum result first = RESULT_OK;
	char *req = NULL, *want = NULL;
	size_t v, m;

	(void)state;
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		for (m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
			assert_true(asprintf(&req, "%s %s", verbs[v],
			    machines[m]) > 0);
			print_message("case: alice: %s\n", req);
			run(fx.cfg, "alice", ALICE_KEY, req, &o);
			if (m == 0)
				first = o.result;
			assert_int_equal(o.result, first);
			assert_string_equal(o.out, "");
			/* console too: the machine is decided before the
			 * terminal, so the missing -t reveals nothing */
			assert_int_equal(o.result, RESULT_DENIED);
			assert_true(asprintf(&want, NO_SUCH("%s"),
			    machines[m]) > 0);
			assert_string_equal(o.err, want);
			free(want);
			assert_non_null(strstr(o.audit, " result=denied "));
			outcome_clear(&o);
			free(req);
		}
	}
}

static void
test_help_lists_only_what_the_tenant_may_use(void **state)
{
	struct outcome o;

	(void)state;
	run(fx.cfg, "carol", NULL, NULL, &o);
	assert_int_equal(o.result, RESULT_OK);
	assert_string_equal(o.out,
	    "usage: ssh " VMHOST " COMMAND\n"
	    "\n"
	    "commands:\n"
	    "  help                     this text\n"
	    "  list [--json]            your machines and their state\n"
	    "  status VM [--json]       state, vCPUs, memory, SPICE endpoint, "
	    "addresses\n"
	    "  whoami                   your tenant name and key\n"
	    "  version                  vmgate's version\n"
	    "\n"
	    "machines: web1\n");
	assert_audit(o.audit, "tenant=carol key=- from=" FROM " verb=help "
	    "domain=- result=ok request=-");
	outcome_clear(&o);

	run(fx.cfg, "alice", ALICE_KEY, "help", &o);
	assert_int_equal(o.result, RESULT_OK);
	assert_non_null(strstr(o.out, "\n  poweroff VM "));
	assert_non_null(strstr(o.out, "\n  console VM [--force] "));
	assert_non_null(strstr(o.out, "\n  spice VM [--port N] [--vv] "
	    "[--no-wait]\n"));
	/* the tenant's own grant, from the config */
	assert_non_null(strstr(o.out, "\nmachines: db1 ghost1 web1\n"));
	assert_null(strstr(o.out, "other1"));
	outcome_clear(&o);

	run(fx.cfg, "erin", NULL, "help", &o);
	assert_non_null(strstr(o.out, "\n  reset VM "));
	assert_null(strstr(o.out, "\n  start VM "));
	assert_non_null(strstr(o.out, "\nmachines: web1\n"));
	outcome_clear(&o);

	/* opt-in verbs: only for a tenant whose allow list names them */
	run(fx.cfg, "alice", ALICE_KEY, "help", &o);
	assert_non_null(strstr(o.out, "\n  start VM                 boot\n"));
	assert_null(strstr(o.out, "--cdrom"));
	assert_null(strstr(o.out, "media"));
	assert_null(strstr(o.out, "insert"));
	assert_null(strstr(o.out, "eject"));
	assert_null(strstr(o.out, "screenshot"));
	assert_null(strstr(o.out, "sendkey"));
	outcome_clear(&o);

	run(fx.cfg, "mia", NULL, "help", &o);
	assert_int_equal(o.result, RESULT_OK);
	assert_string_equal(o.out,
	    "usage: ssh " VMHOST " COMMAND\n"
	    "\n"
	    "commands:\n"
	    "  help                     this text\n"
	    "  list [--json]            your machines and their state\n"
	    "  status VM [--json]       state, vCPUs, memory, SPICE endpoint, "
	    "addresses\n"
	    "  start VM [--cdrom]       boot\n"
	    "  media [--json]           install media you may insert\n"
	    "  insert VM MEDIA          put install media in the CD drive\n"
	    "  eject VM                 empty the CD drive\n"
	    "  screenshot VM            the display as PNG on stdout\n"
	    "  sendkey VM KEYS          send a key combination\n"
	    "  whoami                   your tenant name and key\n"
	    "  version                  vmgate's version\n"
	    "\n"
	    "machines: db1 web1\n");
	outcome_clear(&o);
}

/* A daemon that does not answer: exit 69 after the retry time, and
 * libvirt's words stay in the audit detail. */
static void
test_unreachable_hypervisor(void **state)
{
	struct config *cfg;
	struct outcome o;

	(void)state;
	cfg = load("qemu+unix:///system?socket=/nonexistent/vmgate-test-sock",
	    fx.audit_log);
	run(cfg, "alice", ALICE_KEY, "status web1", &o);
	assert_int_equal(o.result, RESULT_UNAVAILABLE);
	assert_int_equal(result_exit_code(o.result), 69);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "vmgate: cannot reach the hypervisor\n");
	assert_audit(o.audit, AUDIT_ALICE "verb=status domain=web1 "
	    "result=error request=\"status web1\"");
	assert_non_null(strstr(o.audit, "detail=\"libvirt unreachable: "));
	outcome_clear(&o);

	/* verbs on no machine never need the daemon */
	run(cfg, "erin", NULL, "whoami", &o);
	assert_int_equal(o.result, RESULT_OK);
	outcome_clear(&o);
	config_free(cfg);
}

/*
 * The test driver's screenshot (a grey 1120 x 832 PNG) arrives as a PNG
 * libpng reads back, with the display's size, and the audit line says so.
 */
static void
test_screenshot_is_a_png(void **state)
{
	struct outcome o;
	png_image img;
	unsigned char *px;

	(void)state;
	run(fx.cfg, "mia", NULL, "screenshot web1", &o);
	assert_int_equal(o.result, RESULT_OK);
	assert_string_equal(o.err, "");
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	assert_int_not_equal(png_image_begin_read_from_memory(&img, o.out,
	    o.out_len), 0);
	assert_int_equal(img.width, 1120);
	assert_int_equal(img.height, 832);
	img.format = PNG_FORMAT_RGB;
	px = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(px);
	assert_int_not_equal(png_image_finish_read(&img, NULL, px, 0, NULL),
	    0);
	free(px);
	assert_audit(o.audit, "tenant=mia key=- from=" FROM " verb=screenshot "
	    "domain=web1 result=ok request=\"screenshot web1\" "
	    "detail=\"1120x832 PNG from image/png\"");
	outcome_clear(&o);
}

/*
 * Machines on three hosts: two that answer (the same node file under two
 * URIs, so two connections) and one libvirt refuses at once (a Unix
 * socket on a remote server: no retry, no ssh or other program started).
 * The dead host's machine is "unknown", its URI is named once on stderr
 * without what may be private (user, socket path), and the answer is
 * exit 69; every other machine is still listed.
 */
static void
test_list_many_hosts(void **state)
{
	struct config *cfg = NULL;
	struct outcome o;
	struct diag d;
	char *text = NULL, *path;

	(void)state;
	assert_true(asprintf(&text, "[vmgate]\nuri = %s\naudit_log = %s\n"
	    "[tenant alice]\ndomains = web1 db1 ghost1 other1 lab1\n"
	    "[domain other1]\nuri = test://%s/../data/node.xml\n"
	    "[domain lab1]\nuri = nosuch+unix://root@node9.example/system"
	    "?socket=/run/node9/sock\n"
	    "[domain ghost1]\nuri = nosuch+unix://root@node9.example/system"
	    "?socket=/run/node9/sock\n", NODE_URI, fx.audit_log,
	    TEST_DATA) > 0);
	path = unit_write_file("vmgate.ini", text, 0600);
	diag_init(&d);
	assert_int_equal(config_load(path, geteuid(), &cfg, &d), 0);
	diag_clear(&d);

	run(cfg, "alice", ALICE_KEY, "list", &o);
	assert_int_equal(o.result, RESULT_UNAVAILABLE);
	assert_int_equal(result_exit_code(o.result), 69);
	assert_string_equal(o.out, "db1 shut off\nghost1 unknown\n"
	    "lab1 unknown\nother1 running\nweb1 running\n");
	assert_string_equal(o.err,
	    "vmgate: nosuch+unix://node9.example/system: unreachable\n");
	assert_audit(o.audit, AUDIT_ALICE "verb=list domain=- result=error "
	    "request=\"list\"");
	assert_non_null(strstr(o.audit, "detail=\"1 host unreachable: "));
	outcome_clear(&o);

	run(cfg, "alice", ALICE_KEY, "list --json", &o);
	assert_int_equal(o.result, RESULT_UNAVAILABLE);
	assert_string_equal(o.out, "[{\"name\":\"db1\",\"state\":\"shut off\"},"
	    "{\"name\":\"ghost1\",\"state\":\"unknown\"},"
	    "{\"name\":\"lab1\",\"state\":\"unknown\"},"
	    "{\"name\":\"other1\",\"state\":\"running\"},"
	    "{\"name\":\"web1\",\"state\":\"running\"}]\n");
	outcome_clear(&o);

	/* one machine, one host: the dead one is never asked */
	run(cfg, "alice", ALICE_KEY, "status other1", &o);
	assert_int_equal(o.result, RESULT_OK);
	outcome_clear(&o);

	/* a machine on the dead host: that host is named, as list names it */
	run(cfg, "alice", ALICE_KEY, "status lab1", &o);
	assert_int_equal(o.result, RESULT_UNAVAILABLE);
	assert_int_equal(result_exit_code(o.result), 69);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err,
	    "vmgate: nosuch+unix://node9.example/system: unreachable\n");
	assert_non_null(strstr(o.audit, "detail=\"libvirt unreachable: "));
	outcome_clear(&o);
	config_free(cfg);
	free(path);
	free(text);
}

/*
 * A session directory that is not there (a host rebooted without
 * tmpfiles.d, before anything ran as root) does not lock tenants out:
 * the request is served and its audit line says the limit was not
 * counted. One that is there counts.
 */
static void
test_missing_session_dir_serves(void **state)
{
	struct outcome o;
	char dir[] = "/tmp/vmgate-unit-XXXXXX";
	char *missing, *present;

	(void)state;
	unit_mkdtemp(dir);
	/* two levels missing: not even root makes it here */
	assert_true(asprintf(&missing, "%s/run/vmgate/sessions", dir) > 0);
	session_dir = missing;
	run(fx.cfg, "alice", ALICE_KEY, "status web1", &o);
	assert_int_equal(o.result, RESULT_OK);
	assert_string_equal(o.err, "");
	assert_non_null(strstr(o.audit, "result=ok"));
	assert_non_null(strstr(o.audit, "session limit not counted: "));
	outcome_clear(&o);

	assert_true(asprintf(&present, "%s/sessions", dir) > 0);
	assert_int_equal(mkdir(present, 01733), 0);
	assert_int_equal(chmod(present, 01733), 0);
	session_dir = present;
	run(fx.cfg, "alice", ALICE_KEY, "status web1", &o);
	assert_int_equal(o.result, RESULT_OK);
	assert_null(strstr(o.audit, "session limit"));
	outcome_clear(&o);
	session_dir = NULL;
	free(missing);
	free(present);
}

/*
 * A tenant at its limit asking about a machine that is not its own, or
 * that does not exist, is denied as at any other time (77, "no such
 * machine", result=denied), not told to wait for a slot: the policy
 * decides before a slot is counted, so a denied request holds none. Its
 * own machines get the limit.
 */
static void
test_denied_before_counted(void **state)
{
	static const char *const denied[] = {
		"status other1", "status nope", "reset other1", "console nope",
		"spice other1", "insert nope debian-12",
	};
	char dir[] = "/tmp/vmgate-unit-XXXXXX", why[128], *base, *want;
	int held[CONFIG_DEFAULT_MAX_SESSIONS];
	struct outcome o;
	unsigned slot;
	size_t i;

	(void)state;
	unit_mkdtemp(dir);
	assert_true(asprintf(&base, "%s/sessions", dir) > 0);
	assert_int_equal(mkdir(base, 01733), 0);
	assert_int_equal(chmod(base, 01733), 0);
	session_dir = base;
	for (i = 0; i < CONFIG_DEFAULT_MAX_SESSIONS; i++)
		assert_int_equal(session_take(base, "alice",
		    CONFIG_DEFAULT_MAX_SESSIONS, &held[i], &slot, why,
		    sizeof(why)), SESSION_TAKEN);
	run(fx.cfg, "alice", ALICE_KEY, "status web1", &o);
	assert_int_equal(o.result, RESULT_LIMITED);
	assert_non_null(strstr(o.audit, " result=limited "));
	outcome_clear(&o);
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		print_message("case: alice at her limit: %s\n", denied[i]);
		run(fx.cfg, "alice", ALICE_KEY, denied[i], &o);
		assert_int_equal(o.result, RESULT_DENIED);
		assert_int_equal(result_exit_code(o.result), 77);
		assert_true(asprintf(&want, NO_SUCH("%.*s"),
		    (int)strcspn(strchr(denied[i], ' ') + 1, " "),
		    strchr(denied[i], ' ') + 1) > 0);
		assert_string_equal(o.err, want);
		free(want);
		assert_non_null(strstr(o.audit, " result=denied "));
		assert_non_null(strstr(o.audit, " detail=\"not permitted\""));
		/* the media asked for is named, as in every insert's line */
		if (strncmp(denied[i], "insert ", 7) == 0)
			assert_non_null(strstr(o.audit, " media=debian-12 "));
		outcome_clear(&o);
	}
	for (i = 0; i < CONFIG_DEFAULT_MAX_SESSIONS; i++)
		close(held[i]);
	session_dir = NULL;
	free(base);
}

/*
 * The nice a tenant's request runs at once its slot is taken: the
 * request runs in a child (a lowered priority cannot be raised again),
 * which sends its nice back as its exit status (nice + 20; 100 and up:
 * the request failed).
 */
static int
nice_of_request(const char *tenant, const char *request)
{
	struct shell_ctx ctx;
	struct request req;
	char reason[REQUEST_REASON_MAX];
	pid_t pid;
	int st, now;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (request_parse(request, &req, reason, sizeof(reason)) != 0)
			_exit(100);
		ctx_of(&ctx, fx.cfg, &req, tenant, ALICE_KEY, request);
		ctx.out = fopen("/dev/null", "w");
		ctx.err = fopen("/dev/null", "w");
		if (ctx.out == NULL || ctx.err == NULL)
			_exit(101);
		if (shell_run(&ctx) != RESULT_OK)
			_exit(102);
		errno = 0;
		now = getpriority(PRIO_PROCESS, 0);
		_exit(errno != 0 ? 103 : now + 20);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_true(WEXITSTATUS(st) < 100);
	return WEXITSTATUS(st) - 20;
}

/*
 * A tenant's first session keeps its priority; a request while it
 * already has one runs at the lower SESSION_EXTRA_NICE; another tenant's
 * first is not lowered; without a limit nothing is counted or changed.
 */
static void
test_extra_sessions_yield(void **state)
{
	char dir[] = "/tmp/vmgate-unit-XXXXXX", why[128];
	char *base;
	unsigned slot;
	int held, ours;

	(void)state;
	errno = 0;
	ours = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	assert_true(ours < SESSION_EXTRA_NICE);	/* else nothing to see */
	unit_mkdtemp(dir);
	assert_true(asprintf(&base, "%s/sessions", dir) > 0);
	assert_int_equal(mkdir(base, 01733), 0);
	assert_int_equal(chmod(base, 01733), 0);
	session_dir = base;
	assert_int_equal(nice_of_request("alice", "status web1"), ours);
	/* alice holds a session (as a console would): the next yields */
	assert_int_equal(session_take(base, "alice", 8, &held, &slot, why,
	    sizeof(why)), SESSION_TAKEN);
	assert_int_equal(slot, 0);
	assert_int_equal(nice_of_request("alice", "status web1"),
	    SESSION_EXTRA_NICE);
	assert_int_equal(nice_of_request("bob", "status other1"), ours);
	close(held);
	/* no limit: nothing counted, so every request is a first, even
	 * while nina's slot 0 is held as if a limit counted it */
	assert_int_equal(session_take(base, "nina", 8, &held, &slot, why,
	    sizeof(why)), SESSION_TAKEN);
	assert_int_equal(slot, 0);
	assert_int_equal(nice_of_request("nina", "status web1"), ours);
	close(held);
	session_dir = NULL;
	free(base);
}

/* a pipe whose write end blocks: the tenant reads nothing for now */
static void
full_pipe(int p[2])
{
	char fill[4096];
	int fl;

	assert_int_equal(pipe(p), 0);
	fl = fcntl(p[1], F_GETFL);
	assert_int_equal(fcntl(p[1], F_SETFL, fl | O_NONBLOCK), 0);
	memset(fill, 'x', sizeof(fill));
	while (write(p[1], fill, sizeof(fill)) > 0)
		;
	assert_int_equal(fcntl(p[1], F_SETFL, fl), 0);
}

/* everything still to come on fd, to its end */
static char *
drain(int fd)
{
	char buf[4096], *all = xstrdup("");
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		all = xreallocarray(all, len + (size_t)n + 1, 1);
		memcpy(all + len, buf, (size_t)n);
		len += (size_t)n;
		all[len] = '\0';
	}
	return all;
}

/*
 * request as alice, in a child, with the tenant's stdout or stderr on
 * fd (the other to /dev/null, line by line as on a terminal) and a
 * libvirt_timeout of 1 s, below the config's least: the child's pid.
 */
static pid_t
run_on_fd(struct config *cfg, const char *request, int fd, bool on_err)
{
	struct shell_ctx ctx;
	struct request req;
	char reason[REQUEST_REASON_MAX];
	FILE *tenant, *none;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid != 0)
		return pid;
	if (request_parse(request, &req, reason, sizeof(reason)) != 0)
		_exit(100);
	cfg->libvirt_timeout = 1;
	ctx_of(&ctx, cfg, &req, "alice", ALICE_KEY, request);
	tenant = fdopen(fd, "w");
	none = fopen("/dev/null", "w");
	if (tenant == NULL || none == NULL)
		_exit(101);
	setvbuf(tenant, NULL, _IOLBF, BUFSIZ);
	ctx.out = on_err ? none : tenant;
	ctx.err = on_err ? tenant : none;
	_exit(result_exit_code(shell_run(&ctx)));
}

/*
 * A tenant that reads nothing for longer than libvirt_timeout (output
 * stopped with ^S, a full pipe) is not a silent libvirt: the request
 * ends as answered once the tenant reads, and is audited so, where the
 * deadline used to end it as unreachable (69) while it waited on the
 * tenant, a reset done or a SPICE password shown all the same.
 */
static void
test_tenant_pace_is_not_libvirt(void **state)
{
	static const char request[] = "status web1";
	char *all, *audit, *line;
	int p[2], st;
	pid_t pid;

	(void)state;
	/* the tenant's pipe full before the request says a word */
	full_pipe(p);
	pid = run_on_fd(fx.cfg, request, p[1], false);
	close(p[1]);
	sleep(3);	/* away for three times libvirt_timeout */
	all = drain(p[0]);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(strstr(all, STATUS_WEB1));
	audit = slurp(fx.cfg->audit_log);
	line = last_audit_line(audit);
	assert_non_null(strstr(line, "verb=status domain=web1 result=ok "));
	free(line);
	free(audit);
	free(all);
}

/*
 * libvirt_timeout passes (a daemon that takes the connection and never
 * answers) while the tenant reads nothing: the audit line is written at
 * once, not once the tenant reads its line.
 */
static void
test_timeout_audited_before_the_tenant_reads(void **state)
{
	static const char request[] = "status web1";
	char dir[] = "/tmp/vmgate-unit-XXXXXX", *uri = NULL, *before, *after;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct config *cfg;
	char *said;
	int p[2], lfd, st;
	pid_t pid;

	(void)state;
	unit_mkdtemp(dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);	/* never accepted */
	assert_true(asprintf(&uri, "qemu+unix:///system?socket=%s",
	    sa.sun_path) > 0);
	cfg = load(uri, fx.audit_log);
	before = slurp(fx.audit_log);
	full_pipe(p);
	pid = run_on_fd(cfg, request, p[1], true);
	close(p[1]);
	sleep(3);	/* libvirt_timeout has passed, twice over */
	after = slurp(fx.audit_log);
	said = drain(p[0]);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 69);
	assert_non_null(strstr(said, "vmgate: cannot reach the hypervisor\n"));
	assert_int_equal(count_lines(after), count_lines(before) + 1);
	assert_non_null(strstr(after + strlen(before),
	    "detail=\"no answer from libvirt within 1s\""));
	free(said);
	free(before);
	free(after);
	free(uri);
	config_free(cfg);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_screenshot_is_a_png),
		cmocka_unit_test(test_foreign_and_missing_alike),
		cmocka_unit_test(test_help_lists_only_what_the_tenant_may_use),
		cmocka_unit_test(test_unreachable_hypervisor),
		cmocka_unit_test(test_list_many_hosts),
		cmocka_unit_test(test_missing_session_dir_serves),
		cmocka_unit_test(test_denied_before_counted),
		cmocka_unit_test(test_extra_sessions_yield),
		cmocka_unit_test(test_tenant_pace_is_not_libvirt),
		cmocka_unit_test(test_timeout_audited_before_the_tenant_reads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
