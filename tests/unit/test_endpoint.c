/*
 * test_endpoint: one SPICE endpoint per machine, whoever asks. The four
 * paths that name it — `status` (its "spice" field), `spice` (the ticket's
 * tunnel target), authorized-keys (permitopen) and `audit` (which reports
 * a machine tenants get no endpoint for) — must give the same answer for
 * every shape of display: loopback, a node's address, IPv6, a wildcard
 * listener (which once made status, spice and permitopen disagree),
 * autoport, none, and an endpoint the config names by host name. (audit
 * has nothing to say about a machine without a display.)
 * Machines live in libvirt's test driver, running, displays locked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf, open_memstream */
#endif
#include "unit.h"

#include <fcntl.h>

#include "vmgate/admin.h"
#include "vmgate/config.h"
#include "vmgate/hypervisor.h"
#include "vmgate/result.h"
#include "vmgate/shell.h"
#include "vmgate/spice.h"
#include "vmgate/util.h"

#define TENANT		"ept"
#define SELF		"/usr/local/bin/vmgate"
#define LOCKED		"passwd='locked' passwdValidTo='1970-01-01T00:00:00'"
#define NO_ENDPOINT	": tenants get no SPICE endpoint"

static const struct endpoint_case {
	const char *name;
	const char *graphics;	/* the <graphics> element, or "" */
	const char *spice;	/* [domain] spice =, or NULL */
	const char *want;	/* the endpoint, or NULL for none */
} cases[] = {
	{ "ep-loop", "<graphics type='spice' port='5961' autoport='no' "
	  LOCKED "><listen type='address' address='127.0.0.1'/></graphics>",
	  NULL, "127.0.0.1:5961" },
	/* a node's display, on an address of the node */
	{ "ep-node", "<graphics type='spice' port='5962' autoport='no' "
	  LOCKED "><listen type='address' address='192.0.2.20'/></graphics>",
	  NULL, "192.0.2.20:5962" },
	{ "ep-v6", "<graphics type='spice' port='5963' autoport='no' "
	  LOCKED "><listen type='address' address='::1'/></graphics>",
	  NULL, "[::1]:5963" },
	/* every address of some host: which one would sshd forward to? */
	{ "ep-wild", "<graphics type='spice' port='5964' autoport='no' "
	  LOCKED "><listen type='address' address='0.0.0.0'/></graphics>",
	  NULL, NULL },
	{ "ep-wild6", "<graphics type='spice' port='5965' autoport='no' "
	  LOCKED "><listen type='address' address='::'/></graphics>",
	  NULL, NULL },
	{ "ep-auto", "<graphics type='spice' autoport='yes' " LOCKED
	  "><listen type='address' address='127.0.0.1'/></graphics>",
	  NULL, NULL },
	{ "ep-none", "", NULL, NULL },
	/* the admin names it: the config wins, by name or address */
	{ "ep-named", "<graphics type='spice' port='5966' autoport='no' "
	  LOCKED "><listen type='address' address='127.0.0.1'/></graphics>",
	  "localhost:5966", "localhost:5966" },
	{ "ep-conf-wild", "<graphics type='spice' port='5967' autoport='no' "
	  LOCKED "><listen type='address' address='0.0.0.0'/></graphics>",
	  "127.0.0.1:5967", "127.0.0.1:5967" },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static char *node_uri;
static char *key_line;

static int
setup(void **state)
{
	char *xml = NULL, *part, *path, *keyfile;
	FILE *f;
	size_t i, n = 0;
	int fd;

	(void)state;
	xml = strdup("<node>\n");
	for (i = 0; i < NCASES; i++) {
		if (asprintf(&part, "%s<domain type='test'><name>%s</name>"
		    "<memory>65536</memory><os><type>hvm</type></os>"
		    "<devices>%s</devices></domain>\n", xml, cases[i].name,
		    cases[i].graphics) < 0)
			return -1;
		free(xml);
		xml = part;
	}
	if (asprintf(&part, "%s</node>\n", xml) < 0)
		return -1;
	free(xml);
	path = unit_write_file("node.xml", part, 0600);
	free(part);
	if (asprintf(&node_uri, "test://%s", path) < 0)
		return -1;
	free(path);
	if (asprintf(&keyfile, "%s/keys/k0.pub", TEST_DATA) < 0 ||
	    (f = fopen(keyfile, "r")) == NULL)
		return -1;
	if (getline(&key_line, &n, f) < 0)
		return -1;
	fclose(f);
	free(keyfile);
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
	free(node_uri);
	free(key_line);
	return 0;
}

/* a config giving TENANT machine c (with its key) and its path */
static struct config *
load_case(const struct endpoint_case *c, char **cfg_path)
{
	char *text, *keys, *dir, *kp;
	struct config *cfg = NULL;
	struct diag d;

	keys = unit_write_file(TENANT ".pub", key_line, 0644);
	dir = strdup(keys);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(chmod(dir, 0755), 0);
	if (asprintf(&text, "[vmgate]\nuri = %s\nkeys = %s\n[tenant " TENANT
	    "]\ndomains = %s\n%s%s%s%s", node_uri, dir, c->name,
	    c->spice != NULL ? "[domain " : "", c->spice != NULL ? c->name : "",
	    c->spice != NULL ? "]\nspice = " : "",
	    c->spice != NULL ? c->spice : "") < 0)
		abort();
	kp = text;
	if (asprintf(&text, "%s\n", kp) < 0)
		abort();
	free(kp);
	*cfg_path = unit_write_file("vmgate.ini", text, 0644);
	diag_init(&d);
	if (config_load(*cfg_path, geteuid(), &cfg, &d) != 0)
		fail_msg("%s: config refused: %s", c->name,
		    d.count > 0 ? d.msgs[0] : "?");
	diag_clear(&d);
	free(text);
	free(keys);
	free(dir);
	return cfg;
}

/* status --json's "spice" value; NULL for null */
static char *
status_says(const struct config *cfg, const char *name)
{
	struct shell_ctx ctx;
	struct request parsed;
	char *out = NULL, *err = NULL, *req, *p, *q;
	size_t olen = 0, elen = 0;
	enum result r;

	assert_true(asprintf(&req, "status %s --json", name) > 0);
	/* the shell takes the request parsed, as main hands it over */
	assert_int_equal(request_parse(req, &parsed, NULL, 0), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.tenant = TENANT;
	ctx.request = req;
	ctx.req = &parsed;
	ctx.out = open_memstream(&out, &olen);
	ctx.err = open_memstream(&err, &elen);
	r = shell_run(&ctx);
	fclose(ctx.out);
	fclose(ctx.err);
	if (r != RESULT_OK)
		fail_msg("%s: status failed: %s", name, err);
	p = strstr(out, "\"spice\":");
	assert_non_null(p);
	p += strlen("\"spice\":");
	if (strncmp(p, "null", 4) == 0)
		q = NULL;
	else {
		assert_int_equal(*p, '"');
		q = strndup(p + 1, strcspn(p + 1, "\""));
	}
	request_clear(&parsed);
	free(out);
	free(err);
	free(req);
	return q;
}

/* the tunnel target of a ticket spice makes; NULL when spice refuses for
 * want of an endpoint */
static char *
spice_says(const struct config *cfg, const char *name)
{
	struct hv *hv = hv_new();
	struct hv_domain *d;
	struct spice_ticket t;
	const char *why = NULL;
	char buf[SPICE_ENDPOINT_MAX], *r = NULL;
	int err = 1;

	d = hv_lookup(hv, config_domain_uri(cfg, name), name, &err);
	assert_non_null(d);
	err = spice_issue(d, config_domain(cfg, name), name, 60, 0, &t, &why);
	/* the test driver sets no live password: the last step fails, after
	 * the endpoint is known */
	if (err == HV_EFAIL || err == HV_OK) {
		assert_int_equal(spice_endpoint_format(&t.remote, buf,
		    sizeof(buf)), 0);
		r = strdup(buf);
		/* the tenant reads it in the tunnel hint */
		assert_int_equal(t.local_port, t.remote.port);
	} else
		assert_int_equal(err, HV_EUNSUPPORTED);
	spice_ticket_clear(&t);
	hv_domain_free(d);
	hv_free(hv);
	return r;
}

/* the one permitopen of TENANT's key line; NULL when there is none */
static char *
keys_say(const struct config *cfg, const char *cfg_path)
{
	char *out = NULL, *err = NULL, *p, *r = NULL;
	size_t olen = 0, elen = 0;
	FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);

	assert_int_equal(admin_authorized_keys(cfg, SELF, cfg_path, TENANT,
	    NULL, NULL, o, e), RESULT_OK);
	fclose(o);
	fclose(e);
	/* the key is offered in every case: only the forwarding differs */
	assert_non_null(strstr(out, "restrict,pty"));
	if ((p = strstr(out, "permitopen=\"")) != NULL) {
		p += strlen("permitopen=\"");
		r = strndup(p, strcspn(p, "\""));
		/* one machine, one endpoint */
		assert_null(strstr(p, "permitopen="));
		assert_non_null(strstr(out, ",port-forwarding,"));
	} else
		assert_null(strstr(out, "port-forwarding"));
	free(out);
	free(err);
	return r;
}

/* true when audit reports that tenants get no endpoint for name */
static bool
audit_says_none(const struct config *cfg, const char *name)
{
	char *out = NULL, *err = NULL, *line;
	size_t olen = 0, elen = 0;
	FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);
	bool none;

	(void)admin_audit(cfg, "/dev/null", NULL, o, e);
	fclose(o);
	fclose(e);
	assert_true(asprintf(&line, "domain %s" NO_ENDPOINT, name) > 0);
	none = strstr(out, line) != NULL;
	free(line);
	free(out);
	free(err);
	return none;
}

static void
assert_same(const char *path, const char *name, const char *got,
    const char *want)
{
	if ((got == NULL) != (want == NULL) ||
	    (got != NULL && strcmp(got, want) != 0))
		fail_msg("%s: %s says %s, want %s", name, path,
		    got != NULL ? got : "none", want != NULL ? want : "none");
}

static void
test_four_paths_agree(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct endpoint_case *c = &cases[i];
		char *cfg_path = NULL, *s;
		struct config *cfg = load_case(c, &cfg_path);

		s = status_says(cfg, c->name);
		assert_same("status", c->name, s, c->want);
		free(s);
		s = spice_says(cfg, c->name);
		assert_same("spice", c->name, s, c->want);
		free(s);
		s = keys_say(cfg, cfg_path);
		assert_same("authorized-keys", c->name, s, c->want);
		free(s);
		/* a machine without a display has nothing to report */
		if (audit_says_none(cfg, c->name) !=
		    (c->want == NULL && c->graphics[0] != '\0'))
			fail_msg("%s: audit %s", c->name, c->want == NULL ?
			    "does not report the missing endpoint" :
			    "reports no endpoint");
		config_free(cfg);
		free(cfg_path);
	}
}

/* audit output for a machine of cases[] given another spice = */
static char *
audit_with(const char *name, const char *spice)
{
	struct endpoint_case c = { .name = name, .spice = spice };
	char *cfg_path = NULL, *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	struct config *cfg = load_case(&c, &cfg_path);
	FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);

	(void)admin_audit(cfg, "/dev/null", NULL, o, e);
	fclose(o);
	fclose(e);
	config_free(cfg);
	free(cfg_path);
	free(err);
	return out;
}

/* audit resolves a configured name and compares its addresses with the
 * display's listen address */
static void
test_audit_resolves_the_name(void **state)
{
	char *out;

	(void)state;
	out = audit_with("ep-node", "localhost:5962");
	assert_non_null(strstr(out, "domain ep-node: SPICE listens on "
	    "192.0.2.20, the config says localhost\n"));
	free(out);
	out = audit_with("ep-named", "localhost:5966");
	assert_null(strstr(out, "domain ep-named: SPICE listens"));
	free(out);
}

/* The rule itself, without libvirt: what the config names wins. */
static void
test_rule(void **state)
{
	struct domain_conf dc = { .name = "d", .spice_host = "node2.internal",
	    .spice_port = 5901 };
	struct hv_spice sp = { .present = true, .port = 5902 };
	struct spice_endpoint ep;
	char buf[SPICE_ENDPOINT_MAX];

	(void)state;
	snprintf(sp.host, sizeof(sp.host), "0.0.0.0");
	assert_int_equal(spice_endpoint(&dc, &sp, &ep), 0);
	assert_int_equal(spice_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "node2.internal:5901");
	/* without the config: the wildcard is no endpoint */
	assert_int_equal(spice_endpoint(NULL, &sp, &ep), -1);
	snprintf(sp.host, sizeof(sp.host), "fd00::2");
	assert_int_equal(spice_endpoint(NULL, &sp, &ep), 0);
	assert_int_equal(spice_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[fd00::2]:5902");
	assert_int_equal(spice_endpoint_format(&ep, buf, 15), 0);
	assert_int_equal(spice_endpoint_format(&ep, buf, 14), -1);
	/* no display read (and no config): nothing */
	assert_int_equal(spice_endpoint(NULL, NULL, &ep), -1);
	sp.host[0] = '\0';
	assert_int_equal(spice_endpoint(NULL, &sp, &ep), -1);
	/* another host's display: its XML names an address of that host
	 * ("127.0.0.1" is its own) and any port; only spice = counts */
	snprintf(sp.host, sizeof(sp.host), "127.0.0.1");
	sp.port = 22;
	sp.remote = true;
	assert_int_equal(spice_endpoint(NULL, &sp, &ep), -1);
	assert_int_equal(spice_endpoint(&dc, &sp, &ep), 0);
	assert_int_equal(spice_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "node2.internal:5901");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_four_paths_agree),
		cmocka_unit_test(test_audit_resolves_the_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
