/*
 * test_config: the config file (vmgate.ini(5)). Every rule has a failing example
 * whose exact "FILE:LINE: message" is asserted; good files are checked
 * field by field; config_load's file checks run on files in a temp dir.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf in unit.h */
#endif
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>

#include "vmgate/config.h"
#include "vmgate/spice.h"
#include "vmgate/verb.h"

#define NAME "t.ini"
#define DATA_DIR TEST_DATA "/config"
/* without an allow list: every verb but the opt-in ones */
#define OPT_IN_VERBS	(VERB_BIT(VERB_MEDIA) | VERB_BIT(VERB_INSERT) | \
			 VERB_BIT(VERB_EJECT) | VERB_BIT(VERB_SCREENSHOT) | \
			 VERB_BIT(VERB_SENDKEY))
#define DEFAULT_ALLOW	(VERB_ALL & ~OPT_IN_VERBS)

/* ---- helpers ---- */

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static char *
read_data(const char *file, size_t *len)
{
	char *path = NULL, *buf;
	FILE *f;
	long n;

	assert_true(asprintf(&path, "%s/%s", DATA_DIR, file) > 0);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	free(path);
	*len = (size_t)n;
	return buf;
}

static void
dump(const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		print_error("  diag: %s\n", d->msgs[i]);
}

/* parse text (len bytes) that must be accepted */
static struct config *
good_len(const char *text, size_t len)
{
	struct config *cfg = (struct config *)1;
	struct diag d;

	diag_init(&d);
	if (config_parse(NAME, text, len, &cfg, &d) != 0 || cfg == NULL) {
		dump(&d);
		fail_msg("config refused");
	}
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	return cfg;
}

static struct config *
good(const char *text)
{
	return good_len(text, strlen(text));
}

/* text must be refused with exactly the messages in want (NULL-ended) */
static void
bad_len(const char *text, size_t len, const char *const *want)
{
	struct config *cfg = (struct config *)1;
	struct diag d;
	size_t i, n;

	for (n = 0; want[n] != NULL; n++)
		;
	diag_init(&d);
	assert_int_equal(config_parse(NAME, text, len, &cfg, &d), -1);
	assert_null(cfg);
	if (d.count != n) {
		dump(&d);
		fail_msg("%zu problems, want %zu (first: %s)", d.count, n,
		    want[0]);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(d.msgs[i], want[i]) != 0) {
			dump(&d);
			fail_msg("got '%s'\nwant '%s'", d.msgs[i], want[i]);
		}
	}
	diag_clear(&d);
}

static void
bad1(const char *text, const char *want)
{
	const char *const w[] = { want, NULL };

	bad_len(text, strlen(text), w);
}

/* ---- one failing example per rule ---- */

struct bad_case {
	const char *text;
	const char *want;	/* the one message */
};

#define BAD_SPICE(v) { "[domain d]\nspice = " v "\n", NAME ":2: spice: '" v \
	"' is not HOST:PORT (a DNS name, an IPv4 or [IPv6] address, port " \
	"1-65535)" }

static const struct bad_case bad_cases[] = {
	/* lines that are neither comment, section nor key = value */
	{ "[tenant a]\nfoo\n", NAME ":2: expected 'key = value'" },
	{ "[tenant a]\ndomains: web1\n", NAME ":2: expected 'key = value'" },
	{ "[tenant a]\ndomains web1\n", NAME ":2: expected 'key = value'" },
	{ "[tenant a]\n= web1\n",
	  NAME ":2: expected 'key = value', '[section]' or a comment" },
	{ "[tenant a]\n\"domains\" = web1\n",
	  NAME ":2: expected 'key = value', '[section]' or a comment" },
	{ "[tenant a]\ndomains ;c = web1\n", NAME ":2: expected 'key = value'" },
	{ "[tenant a]\n\xef\xbb\xbf[tenant b]\n",
	  NAME ":2: expected 'key = value', '[section]' or a comment" },
	/* section headers */
	{ "\n[tenant a\n", NAME ":2: section header without ']'" },
	{ "[tenant a] x\n", NAME ":1: unexpected text after ']'" },
	{ "[tenant a]x\n", NAME ":1: unexpected text after ']'" },
	{ "[tenant a];c\n", NAME ":1: unexpected text after ']'" },
	{ "[tenant a]]\n", NAME ":1: unexpected text after ']'" },
	{ "[tenant a] # c\n", NAME ":1: unexpected text after ']'" },
	{ "[user bob]\n", NAME ":1: unknown section [user bob]" },
	{ "[Tenant bob]\n", NAME ":1: unknown section [Tenant bob]" },
	{ "[ tenant bob]\n", NAME ":1: unknown section [ tenant bob]" },
	{ "[tenant\tbob]\n", NAME ":1: unknown section [tenant\\x09bob]" },
	{ "[vmgate x]\n", NAME ":1: unknown section [vmgate x]" },
	{ "[VMGATE]\n", NAME ":1: unknown section [VMGATE]" },
	{ "[]\n", NAME ":1: unknown section []" },
	{ "[tenant]\n", NAME ":1: section [tenant] needs a name: [tenant NAME]" },
	{ "[group]\n", NAME ":1: section [group] needs a name: [group NAME]" },
	{ "[domain]\n", NAME ":1: section [domain] needs a name: [domain NAME]" },
	{ "[media]\n", NAME ":1: section [media] needs a name: [media NAME]" },
	/* install media: the catalog and who may use which entry */
	{ "[media a]\n", NAME ":1: [media a] needs a path" },
	{ "[media a]\npath = media/a.iso\n",
	  NAME ":2: path: 'media/a.iso' is not an absolute path" },
	{ "[media a]\npath = /m/a b.iso\n",
	  NAME ":2: path: '/m/a b.iso' is not an absolute path" },
	{ "[media a]\npath = /m/a.iso\npath = /m/b.iso\n",
	  NAME ":3: 'path' repeated (first at line 2)" },
	{ "[media a]\npath = /m/a.iso\ndescription = caf\xc3\xa9\n",
	  NAME ":3: description: 'caf\\xc3\\xa9' is not printable ASCII "
	  "shorter than 80 bytes" },
	{ "[media a]\npath = /m/a.iso\ndescription = 0123456789012345678901"
	  "2345678901234567890123456789012345678901234567890123456789\n",
	  NAME ":3: description: '0123456789012345678901234567890123456789012"
	  "3456789012345678901234567890' is not printable ASCII shorter than 80 "
	  "bytes" },
	{ "[media a]\npath = /m/a.iso\ndomains = web1\n",
	  NAME ":3: unknown key 'domains' in [media]" },
	{ "[media a]\npath = /m/a.iso\n[media a]\npath = /m/b.iso\n",
	  NAME ":3: section [media a] defined twice (first at line 1)" },
	{ "[media a/b]\n", NAME ":1: bad media name 'a/b'" },
	{ "[tenant t]\nmedia = debian\n",
	  NAME ":2: media: no [media debian] section" },
	{ "[group g]\nmembers = t\nmedia = debian\n",
	  NAME ":3: media: no [media debian] section" },
	{ "[media a]\npath = /m/a.iso\n[tenant t]\nmedia = a, a\n",
	  NAME ":4: media: 'a' listed twice" },
	{ "[media a]\npath = /m/a.iso\n[tenant t]\nmedia = a,\n",
	  NAME ":4: media: empty list item (trailing comma)" },
	{ "[media a]\npath = /m/a.iso\n[tenant t]\nmedia = *, a\n",
	  NAME ":4: media: bad media name '*'" },
	{ "[media a]\npath = /m/a.iso\n[tenant t]\nmedia = ../a.iso\n",
	  NAME ":4: media: bad media name '../a.iso'" },
	{ "[tenant ]\n", NAME ":1: bad tenant name ''" },
	{ "[tenant  bob]\n", NAME ":1: bad tenant name ' bob'" },
	{ "[tenant bob ]\n", NAME ":1: bad tenant name 'bob '" },
	{ "[tenant bob x]\n", NAME ":1: bad tenant name 'bob x'" },
	{ "[tenant -bob]\n", NAME ":1: bad tenant name '-bob'" },
	{ "[group .ops]\n", NAME ":1: bad group name '.ops'" },
	{ "[domain a/b]\n", NAME ":1: bad domain name 'a/b'" },
	{ "[domain ../x]\n", NAME ":1: bad domain name '../x'" },
	{ "[tenant b\xc3\xa9]\n", NAME ":1: bad tenant name 'b\\xc3\\xa9'" },
	{ "[tenant a ;b]\n", NAME ":1: bad tenant name 'a ;b'" },
	/* keys of a refused section are not looked at: one problem only */
	{ "[user bob]\nfoo = 1\ndomains = ../x\n",
	  NAME ":1: unknown section [user bob]" },
	/* keys */
	{ "domains = web1\n", NAME ":1: 'domains' outside any section" },
	{ "; c\n\nuri = x\n[vmgate]\n", NAME ":3: 'uri' outside any section" },
	{ "[tenant a]\nfoo = 1\n", NAME ":2: unknown key 'foo' in [tenant]" },
	{ "[tenant a]\nDomains = x\n", NAME ":2: unknown key 'Domains' in [tenant]" },
	{ "[tenant a]\nuri = qemu:///system\n",
	  NAME ":2: unknown key 'uri' in [tenant]" },
	{ "[tenant a]\nmembers = a\n", NAME ":2: unknown key 'members' in [tenant]" },
	{ "[group g]\ndisabled = yes\n",
	  NAME ":2: unknown key 'disabled' in [group]" },
	{ "[domain d]\nallow = status\n", NAME ":2: unknown key 'allow' in [domain]" },
	{ "[domain d]\ndomains = d\n", NAME ":2: unknown key 'domains' in [domain]" },
	{ "[vmgate]\ndomains = d\n", NAME ":2: unknown key 'domains' in [vmgate]" },
	{ "[vmgate]\nspice = 127.0.0.1:5900\n",
	  NAME ":2: unknown key 'spice' in [vmgate]" },
	{ "[tenant a]\ndomains_x_ = 1\n",
	  NAME ":2: unknown key 'domains_x_' in [tenant]" },
	/* every key once per section, lists included */
	{ "[vmgate]\nuri = a:\nuri = b:\n",
	  NAME ":3: 'uri' repeated (first at line 2)" },
	{ "[vmgate]\nspice_ttl = 5\n\nspice_ttl = 5\n",
	  NAME ":4: 'spice_ttl' repeated (first at line 2)" },
	{ "[tenant a]\ndomains = x\nallow = reset\ndomains = y\n",
	  NAME ":4: 'domains' repeated (first at line 2)" },
	{ "[tenant a]\ndisabled = no\ndisabled = no\n",
	  NAME ":3: 'disabled' repeated (first at line 2)" },
	{ "[tenant a]\nallow = reset\nallow = start\n",
	  NAME ":3: 'allow' repeated (first at line 2)" },
	{ "[tenant a]\n[group g]\nmembers = a\nmembers = a\n",
	  NAME ":4: 'members' repeated (first at line 3)" },
	{ "[domain d]\nspice = 127.0.0.1:1\nspice = 127.0.0.1:1\n",
	  NAME ":3: 'spice' repeated (first at line 2)" },
	/* the same key in two different sections is fine; twice in one is not */
	{ "[tenant a]\ndomains = x\n[tenant b]\ndomains = x\ndomains = x\n",
	  NAME ":5: 'domains' repeated (first at line 4)" },
	/* sections twice */
	{ "[vmgate]\n[tenant a]\n[vmgate]\n",
	  NAME ":3: section [vmgate] defined twice (first at line 1)" },
	{ "[tenant a]\n\n[tenant a]\n",
	  NAME ":3: section [tenant a] defined twice (first at line 1)" },
	{ "[group g]\n[tenant g]\n[group g]\n",
	  NAME ":3: section [group g] defined twice (first at line 1)" },
	{ "[domain d]\nspice = 127.0.0.1:1\n[domain d]\n",
	  NAME ":3: section [domain d] defined twice (first at line 1)" },
	/* empty values and list items */
	{ "[tenant a]\ndomains =\n", NAME ":2: domains: empty value" },
	{ "[tenant a]\ndomains =   \n", NAME ":2: domains: empty value" },
	{ "[tenant a]\ndomains = ; nothing\n", NAME ":2: domains: empty value" },
	{ "[tenant a]\ndomains = a,,b\n", NAME ":2: domains: empty list item" },
	{ "[tenant a]\ndomains = a, ,b\n", NAME ":2: domains: empty list item" },
	{ "[tenant a]\ndomains = ,a\n", NAME ":2: domains: empty list item" },
	{ "[tenant a]\ndomains = ,\n", NAME ":2: domains: empty list item" },
	{ "[tenant a]\ndomains = a,\n",
	  NAME ":2: domains: empty list item (trailing comma)" },
	{ "[tenant a]\ndomains = a b ,\n",
	  NAME ":2: domains: empty list item (trailing comma)" },
	{ "[tenant a]\nallow = status,,reset\n", NAME ":2: allow: empty list item" },
	{ "[tenant a]\n[group g]\nmembers = a,\n",
	  NAME ":3: members: empty list item (trailing comma)" },
	{ "[vmgate]\nuri =\n", NAME ":2: uri: empty value" },
	{ "[tenant a]\ndisabled =\n", NAME ":2: disabled: empty value" },
	/* names in lists */
	{ "[tenant a]\ndomains = web1 ../x\n",
	  NAME ":2: domains: bad machine name '../x'" },
	{ "[tenant a]\ndomains = a/b\n", NAME ":2: domains: bad machine name 'a/b'" },
	{ "[tenant a]\ndomains = web1;db1\n",
	  NAME ":2: domains: bad machine name 'web1;db1'" },
	{ "[tenant a]\ndomains = -web1\n",
	  NAME ":2: domains: bad machine name '-web1'" },
	{ "[tenant a]\ndomains = web1 # c\n", NAME ":2: domains: bad machine name '#'" },
	{ "[tenant a]\ndomains = w\xc3\xa9\n",
	  NAME ":2: domains: bad machine name 'w\\xc3\\xa9'" },
	{ "[tenant a]\ndomains = a b a\n", NAME ":2: domains: 'a' listed twice" },
	{ "[tenant a]\n[group g]\nmembers = a b*\n",
	  NAME ":3: members: bad tenant name 'b*'" },
	{ "[tenant a]\n[group g]\nmembers = a, a\n",
	  NAME ":3: members: 'a' listed twice" },
	/* verbs */
	{ "[tenant a]\nallow = status frobnicate\n",
	  NAME ":2: allow: unknown verb 'frobnicate'" },
	{ "[tenant a]\nallow = Status\n", NAME ":2: allow: unknown verb 'Status'" },
	{ "[tenant a]\nallow = all\n", NAME ":2: allow: unknown verb 'all'" },
	{ "[tenant a]\nallow = *\n", NAME ":2: allow: unknown verb '*'" },
	{ "[group g]\nallow = reset reset\n", NAME ":2: allow: 'reset' listed twice" },
	/* booleans */
	{ "[tenant a]\ndisabled = maybe\n",
	  NAME ":2: disabled: bad boolean 'maybe' (use yes or no)" },
	{ "[tenant a]\ndisabled = Yes\n",
	  NAME ":2: disabled: bad boolean 'Yes' (use yes or no)" },
	{ "[tenant a]\ndisabled = 2\n",
	  NAME ":2: disabled: bad boolean '2' (use yes or no)" },
	{ "[tenant a]\ndisabled = y\n",
	  NAME ":2: disabled: bad boolean 'y' (use yes or no)" },
	{ "[tenant a]\ndisabled = yes no\n",
	  NAME ":2: disabled: bad boolean 'yes no' (use yes or no)" },
	/* numbers */
	{ "[vmgate]\nlibvirt_timeout = 29\n",
	  NAME ":2: libvirt_timeout: '29' is not a number of seconds from 30 to 3600" },
	{ "[vmgate]\nlibvirt_timeout = 3601\n",
	  NAME ":2: libvirt_timeout: '3601' is not a number of seconds from 30 to 3600" },
	{ "[vmgate]\nlibvirt_timeout = 0\n",
	  NAME ":2: libvirt_timeout: '0' is not a number of seconds from 30 to 3600" },
	{ "[vmgate]\nlibvirt_timeout = 2m\n",
	  NAME ":2: libvirt_timeout: '2m' is not a number of seconds from 30 to 3600" },
	{ "[vmgate]\nmax_sessions = 10001\n",
	  NAME ":2: max_sessions: '10001' is not a number from 0 (no limit) to 10000" },
	{ "[vmgate]\nmax_sessions = -1\n",
	  NAME ":2: max_sessions: '-1' is not a number from 0 (no limit) to 10000" },
	{ "[vmgate]\nmax_sessions = 00\n",
	  NAME ":2: max_sessions: '00' is not a number from 0 (no limit) to 10000" },
	{ "[vmgate]\nmax_sessions = 08\n",
	  NAME ":2: max_sessions: '08' is not a number from 0 (no limit) to 10000" },
	{ "[tenant a]\nmax_sessions = eight\n",
	  NAME ":2: max_sessions: 'eight' is not a number from 0 (no limit) to 10000" },
	{ "[tenant a]\nmax_sessions = 2\nmax_sessions = 3\n",
	  NAME ":3: 'max_sessions' repeated (first at line 2)" },
	{ "[group g]\nmax_sessions = 2\n",
	  NAME ":2: unknown key 'max_sessions' in [group]" },
	{ "[vmgate]\nspice_ttl = 0\n",
	  NAME ":2: spice_ttl: '0' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = 86401\n",
	  NAME ":2: spice_ttl: '86401' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = -1\n",
	  NAME ":2: spice_ttl: '-1' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = +5\n",
	  NAME ":2: spice_ttl: '+5' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = 060\n",
	  NAME ":2: spice_ttl: '060' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = 1e3\n",
	  NAME ":2: spice_ttl: '1e3' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = 0x10\n",
	  NAME ":2: spice_ttl: '0x10' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = 6 0\n",
	  NAME ":2: spice_ttl: '6 0' is not a number of seconds from 1 to 86400" },
	{ "[vmgate]\nspice_ttl = 18446744073709551677\n",
	  NAME ":2: spice_ttl: '18446744073709551677' is not a number of seconds "
	  "from 1 to 86400" },
	/* uri and paths */
	{ "[vmgate]\nuri = qemu:///sys tem\n", NAME ":2: uri: bad URI 'qemu:///sys tem'" },
	{ "[vmgate]\nuri = qemu:///caf\xc3\xa9\n",
	  NAME ":2: uri: bad URI 'qemu:///caf\\xc3\\xa9'" },
	{ "[domain d]\nuri = a\tb\n", NAME ":2: uri: bad URI 'a\\x09b'" },
	{ "[vmgate]\nkeys = etc/vmgate/keys\n",
	  NAME ":2: keys: 'etc/vmgate/keys' is not an absolute path" },
	{ "[vmgate]\nkeys = ~/keys\n", NAME ":2: keys: '~/keys' is not an absolute path" },
	{ "[vmgate]\naudit_log = audit.log\n",
	  NAME ":2: audit_log: 'audit.log' is not an absolute path" },
	{ "[vmgate]\naudit_log = /var/log/my log\n",
	  NAME ":2: audit_log: '/var/log/my log' is not an absolute path" },
	/* service_user */
	{ "[vmgate]\nservice_user = 1000\n",
	  NAME ":2: service_user: bad login name '1000'" },
	{ "[vmgate]\nservice_user = -x\n", NAME ":2: service_user: bad login name '-x'" },
	{ "[vmgate]\nservice_user = a/b\n",
	  NAME ":2: service_user: bad login name 'a/b'" },
	{ "[vmgate]\nservice_user = a23456789012345678901234567890123\n",
	  NAME ":2: service_user: bad login name "
	  "'a23456789012345678901234567890123'" },
	{ "[vmgate]\nservice_user = alice\n[tenant alice]\n",
	  NAME ":2: service_user: 'alice' is also a tenant" },
	/* tenant_group */
	{ "[vmgate]\ntenant_group = 1000\n",
	  NAME ":2: tenant_group: bad group name '1000'" },
	{ "[vmgate]\ntenant_group = a b\n",
	  NAME ":2: tenant_group: bad group name 'a b'" },
	{ "[vmgate]\ntenant_group = ops\ntenant_group = ops\n",
	  NAME ":3: 'tenant_group' repeated (first at line 2)" },
	/* assigned addresses */
	{ "[domain d]\nipv4 = 198.51.100.10/24\n", NAME ":2: ipv4: "
	  "'198.51.100.10/24' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 198.51.100.010\n", NAME ":2: ipv4: "
	  "'198.51.100.010' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 2001:db8::10\n", NAME ":2: ipv4: "
	  "'2001:db8::10' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 0.0.0.0\n", NAME ":2: ipv4: "
	  "'0.0.0.0' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 127.0.0.1\n", NAME ":2: ipv4: "
	  "'127.0.0.1' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 224.0.0.1\n", NAME ":2: ipv4: "
	  "'224.0.0.1' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 255.255.255.255\n", NAME ":2: ipv4: "
	  "'255.255.255.255' is not a unicast IPv4 address (no prefix length)" },
	{ "[domain d]\nipv4 = 198.51.100.10, 198.51.100.11\n", NAME ":2: ipv4: "
	  "'198.51.100.10, 198.51.100.11' is not a unicast IPv4 address (no "
	  "prefix length)" },
	{ "[domain d]\nipv4 = 198.51.100.10\nipv4 = 198.51.100.11\n",
	  NAME ":3: 'ipv4' repeated (first at line 2)" },
	{ "[domain d]\nipv6 = 198.51.100.10\n", NAME ":2: ipv6: "
	  "'198.51.100.10' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = 2001:db8::10/64\n", NAME ":2: ipv6: "
	  "'2001:db8::10/64' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = ::\n", NAME ":2: ipv6: "
	  "'::' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = ::1\n", NAME ":2: ipv6: "
	  "'::1' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = ff02::1\n", NAME ":2: ipv6: "
	  "'ff02::1' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = fe80::10\n", NAME ":2: ipv6: "
	  "'fe80::10' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = fe80::10%eth0\n", NAME ":2: ipv6: "
	  "'fe80::10%eth0' is not a unicast IPv6 address (no prefix length)" },
	{ "[domain d]\nipv6 = 2001:db8::10\nipv6 = 2001:db8::11\n",
	  NAME ":3: 'ipv6' repeated (first at line 2)" },
	{ "[vmgate]\nipv4 = 198.51.100.10\n",
	  NAME ":2: unknown key 'ipv4' in [vmgate]" },
	/* spice endpoints: a DNS name, an IPv4 or [IPv6] literal, never a
	 * wildcard */
	BAD_SPICE("127.0.0.1"),
	BAD_SPICE("127.0.0.1:0"),
	BAD_SPICE("127.0.0.1:65536"),
	BAD_SPICE("127.0.0.1:05901"),
	BAD_SPICE("127.0.0.1:"),
	BAD_SPICE(":5901"),
	BAD_SPICE("127.0.0.01:5901"),
	BAD_SPICE("127.1:5901"),
	BAD_SPICE("10.0.0.256:5901"),
	BAD_SPICE("0.0.0.0:5901"),
	BAD_SPICE("::1:5901"),
	BAD_SPICE("[::1]5901"),
	BAD_SPICE("[::]:5901"),
	BAD_SPICE("[::ffff:0.0.0.0]:5901"),
	BAD_SPICE("[127.0.0.1]:5901"),
	BAD_SPICE("[fe80::1%eth0]:5901"),
	BAD_SPICE("[node2]:5901"),
	BAD_SPICE("-node2:5901"),
	BAD_SPICE("node2-:5901"),
	BAD_SPICE("node..internal:5901"),
	BAD_SPICE(".node2:5901"),
	BAD_SPICE("node2.:5901"),
	BAD_SPICE("node_2:5901"),
	BAD_SPICE("node2.123:5901"),
	BAD_SPICE("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:5901"),
	/* cross checks */
	{ "[vmgate]\nservice_user = svc\n[group g]\nmembers = svc\n",
	  NAME ":2: service_user: 'svc' is also a tenant" },
	/* control bytes, wherever they are */
	{ "[tenant a]\ndomains = web1\x01\n", NAME ":2: control byte 0x01 in line" },
	{ "[tenant a]\n; comment \x1b[31m\n", NAME ":2: control byte 0x1b in line" },
	{ "[tenant a]\ndomains = a\rb\n", NAME ":2: control byte 0x0d in line" },
	{ "[tenant a]\ndomains = a\r\r\n", NAME ":2: control byte 0x0d in line" },
	{ "[tenant a]\ndomains = a\x7f\n", NAME ":2: control byte 0x7f in line" },
	{ "[tenant a]\n\fdomains = a\n", NAME ":2: control byte 0x0c in line" },
	{ "[tenant a]\ndomains = a\vb\n", NAME ":2: control byte 0x0b in line" },
	/* a lone \r does not end a line: the file is one line */
	{ "[tenant a]\rdomains = a\r", NAME ":1: control byte 0x0d in line" },
	/* continuation lines do not exist: an indented word is just bad */
	{ "[tenant a]\ndomains = web1\n    web2\n", NAME ":3: expected 'key = value'" },
	{ "[tenant a]\ndomains = web1\n\tweb2\n", NAME ":3: expected 'key = value'" },
};

static void
test_bad_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		bad1(bad_cases[i].text, bad_cases[i].want);
}

/* ---- what good files turn into ---- */

static void
test_full_file(void **state)
{
	struct config *cfg;
	const struct tenant *t;
	const struct group *g;
	const struct domain_conf *dc;
	struct spice_endpoint ep;
	char buf[64], *text;
	size_t len;

	(void)state;
	text = read_data("full.ini", &len);
	cfg = good_len(text, len);
	assert_string_equal(cfg->path, NAME);
	assert_string_equal(cfg->uri, "qemu:///system");
	assert_string_equal(cfg->keys_dir, "/etc/vmgate/keys");
	assert_int_equal(cfg->spice_ttl, 60);
	assert_string_equal(cfg->service_user, "vmgate");
	assert_string_equal(cfg->audit_log, "/var/log/vmgate/audit.log");

	assert_int_equal(cfg->ntenants, 3);
	assert_string_equal(cfg->tenants[0].name, "alice");
	assert_string_equal(cfg->tenants[1].name, "bob");
	assert_string_equal(cfg->tenants[2].name, "carol");

	t = config_tenant(cfg, "alice");
	assert_non_null(t);
	assert_int_equal(t->line, 10);
	assert_false(t->disabled);
	assert_int_equal(t->grant.ndomains, 2);
	assert_string_equal(t->grant.domains[0], "db1");
	assert_string_equal(t->grant.domains[1], "web1");
	assert_int_equal(t->grant.allow, VERB_BIT(VERB_STATUS) |
	    VERB_BIT(VERB_START) | VERB_BIT(VERB_STOP) |
	    VERB_BIT(VERB_RESET) | VERB_BIT(VERB_CONSOLE) |
	    VERB_BIT(VERB_SPICE));
	assert_int_equal(t->ngroups, 1);
	assert_string_equal(cfg->groups[t->groups[0]].name, "ops");

	/* an empty section is a tenant with every verb and no machine */
	t = config_tenant(cfg, "bob");
	assert_non_null(t);
	assert_int_equal(t->line, 15);
	assert_false(t->disabled);
	assert_int_equal(t->grant.ndomains, 0);
	assert_int_equal(t->grant.allow, DEFAULT_ALLOW);
	assert_int_equal(t->ngroups, 1);

	/* indented keys are keys, not continuations */
	t = config_tenant(cfg, "carol");
	assert_non_null(t);
	assert_true(t->disabled);
	assert_int_equal(t->grant.ndomains, 1);
	assert_string_equal(t->grant.domains[0], "web1");
	assert_int_equal(t->ngroups, 0);

	assert_int_equal(cfg->ngroups, 1);
	g = config_group(cfg, "ops");
	assert_non_null(g);
	assert_int_equal(g->line, 22);
	assert_int_equal(g->members_line, 23);
	assert_int_equal(g->nmembers, 2);
	assert_string_equal(g->members[0], "alice");
	assert_string_equal(g->members[1], "bob");
	assert_int_equal(g->grant.ndomains, 1);
	assert_string_equal(g->grant.domains[0], "build1");
	assert_int_equal(g->grant.allow, VERB_BIT(VERB_STATUS) |
	    VERB_BIT(VERB_CONSOLE));

	assert_int_equal(cfg->ndomains, 2);
	dc = config_domain(cfg, "web1");
	assert_non_null(dc);
	assert_int_equal(dc->line, 27);
	assert_string_equal(dc->uri, "qemu+tls://node2.example/system");
	assert_string_equal(dc->spice_host, "127.0.0.1");
	assert_int_equal(dc->spice_port, 5901);
	assert_int_equal(spice_endpoint(dc, NULL, &ep), 0);
	assert_int_equal(spice_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "127.0.0.1:5901");
	assert_int_equal(spice_endpoint_format(&ep, buf, 14), -1);
	dc = config_domain(cfg, "db1");
	assert_non_null(dc);
	assert_null(dc->uri);
	assert_string_equal(dc->spice_host, "::1");
	assert_int_equal(dc->spice_port, 5902);
	assert_int_equal(spice_endpoint(dc, NULL, &ep), 0);
	assert_int_equal(spice_endpoint_format(&ep, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[::1]:5902");

	assert_string_equal(config_domain_uri(cfg, "web1"),
	    "qemu+tls://node2.example/system");
	assert_string_equal(config_domain_uri(cfg, "db1"), "qemu:///system");
	assert_string_equal(config_domain_uri(cfg, "build1"), "qemu:///system");
	assert_string_equal(config_domain_uri(cfg, "nosuch"), "qemu:///system");

	assert_null(config_tenant(cfg, "ops"));
	assert_null(config_tenant(cfg, "Alice"));
	assert_null(config_tenant(cfg, NULL));
	assert_null(config_group(cfg, "alice"));
	assert_null(config_domain(cfg, "build1"));
	assert_null(config_tenant(NULL, "alice"));
	config_free(cfg);
	free(text);
}

/*
 * The README's example config names bob only as a member of [group ops]: he is a
 * tenant all the same, with the group's rights and nothing of his own.
 */
static void
test_spec_example(void **state)
{
	struct config *cfg = NULL;
	const struct tenant *bob;
	struct diag d;
	char *text;
	size_t len;

	(void)state;
	text = read_data("spec-verbatim.ini", &len);
	diag_init(&d);
	if (config_parse(NAME, text, len, &cfg, &d) != 0) {
		dump(&d);
		fail_msg("the README's example refused");
	}
	bob = config_tenant(cfg, "bob");
	assert_non_null(bob);
	assert_false(bob->disabled);
	assert_true(bob->implicit);
	assert_int_equal(bob->grant.ndomains, 0);
	assert_int_equal(bob->ngroups, 1);
	assert_false(config_tenant(cfg, "alice")->implicit);
	assert_int_equal(cfg->ntenants, 2);
	config_free(cfg);
	diag_clear(&d);
	free(text);
}

/* The install media catalog and the lists that name its entries. */
static void
test_media_catalog(void **state)
{
	struct config *cfg;
	const struct media_conf *m;
	const struct tenant *t;
	const struct group *g;

	(void)state;
	cfg = good("[media debian-12]\n"
	    "path = /var/lib/vmgate/media/debian-12.8.0-amd64-netinst.iso\n"
	    "description = Debian 12 netinst\n"
	    "[media alpine]\n"
	    "path = /var/lib/vmgate/media/alpine.iso\n"
	    "[tenant alice]\n"
	    "domains = web1\n"
	    "media = debian-12, alpine\n"
	    "[tenant bob]\n"
	    "media = *\n"
	    "[group ops]\n"
	    "members = carol\n"
	    "media = alpine\n");
	assert_int_equal(cfg->nmedia, 2);
	assert_string_equal(cfg->media[0].name, "alpine");
	assert_null(cfg->media[0].description);
	m = config_media(cfg, "debian-12");
	assert_non_null(m);
	assert_string_equal(m->path,
	    "/var/lib/vmgate/media/debian-12.8.0-amd64-netinst.iso");
	assert_string_equal(m->description, "Debian 12 netinst");
	assert_int_equal(m->line, 1);
	assert_null(config_media(cfg, "none"));
	t = config_tenant(cfg, "alice");
	assert_int_equal(t->grant.nmedia, 2);
	assert_string_equal(t->grant.media[0], "alpine");
	assert_string_equal(t->grant.media[1], "debian-12");
	assert_false(t->grant.all_media);
	t = config_tenant(cfg, "bob");
	assert_true(t->grant.all_media);
	assert_int_equal(t->grant.nmedia, 0);
	g = config_group(cfg, "ops");
	assert_int_equal(g->grant.nmedia, 1);
	config_free(cfg);
}

/* The example config shipped for admins must stay valid. */
static void
test_shipped_example(void **state)
{
	const char *path = TEST_DATA "/../../../conf/vmgate.ini.example";
	struct config *cfg = NULL;
	struct diag d;
	char *text;
	long n;
	FILE *f;

	(void)state;
	f = fopen(path, "rb");
	if (f == NULL) {
		print_message("no %s: skipped\n", path);
		skip();
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	text = malloc((size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	diag_init(&d);
	if (config_parse(path, text, (size_t)n, &cfg, &d) != 0) {
		dump(&d);
		fail_msg("shipped example refused");
	}
	assert_true(cfg->ntenants > 0);
	config_free(cfg);
	diag_clear(&d);
	free(text);
}

/* the global limit, a tenant's own, 0 for none, and who has which */
static void
test_max_sessions(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = good("[vmgate]\nmax_sessions = 3\n"
	    "[tenant a]\nmax_sessions = 0\n"
	    "[tenant b]\nmax_sessions = 10000\n"
	    "[tenant c]\ndomains = x\n"
	    "[group g]\nmembers = d\n");
	assert_int_equal(cfg->max_sessions, 3);
	assert_int_equal(config_max_sessions(cfg, "a"), 0);
	assert_int_equal(config_max_sessions(cfg, "b"), 10000);
	assert_int_equal(config_max_sessions(cfg, "c"), 3);
	assert_int_equal(config_max_sessions(cfg, "d"), 3);
	config_free(cfg);
	cfg = good("[vmgate]\nmax_sessions = 0\n[tenant a]\n"
	    "max_sessions = 1\n");
	assert_int_equal(config_max_sessions(cfg, "a"), 1);
	assert_int_equal(config_max_sessions(cfg, "z"), 0);
	config_free(cfg);
}

static void
test_defaults(void **state)
{
	static const char *const empty_files[] = {
		"", "\n", "; only a comment\n", "# hash comment", "\n\n  \n\t\n",
		"[vmgate]\n", "\xef\xbb\xbf", "\xef\xbb\xbf[vmgate]\r\n",
	};
	struct config *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(empty_files) / sizeof(empty_files[0]); i++) {
		cfg = good(empty_files[i]);
		assert_string_equal(cfg->uri, CONFIG_DEFAULT_URI);
		assert_string_equal(cfg->keys_dir, CONFIG_DEFAULT_KEYS);
		assert_int_equal(cfg->spice_ttl, CONFIG_DEFAULT_SPICE_TTL);
		assert_int_equal(cfg->libvirt_timeout,
		    CONFIG_DEFAULT_LIBVIRT_TIMEOUT);
		assert_int_equal(cfg->max_sessions,
		    CONFIG_DEFAULT_MAX_SESSIONS);
		assert_int_equal(config_max_sessions(cfg, "anyone"),
		    CONFIG_DEFAULT_MAX_SESSIONS);
		assert_null(cfg->service_user);
		assert_null(cfg->audit_log);
		assert_int_equal(cfg->ntenants, 0);
		assert_int_equal(cfg->ngroups, 0);
		assert_int_equal(cfg->ndomains, 0);
		config_free(cfg);
	}
	config_free(NULL);
}

struct bool_case {
	const char *value;
	bool want;
};

static void
test_booleans(void **state)
{
	static const struct bool_case cases[] = {
		{ "yes", true }, { "true", true }, { "on", true }, { "1", true },
		{ "no", false }, { "false", false }, { "off", false },
		{ "0", false },
	};
	struct config *cfg;
	char text[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[tenant a]\ndisabled = %s\n",
		    cases[i].value);
		cfg = good(text);
		assert_int_equal(config_tenant(cfg, "a")->disabled,
		    cases[i].want);
		config_free(cfg);
	}
}

/*
 * Each section's bytes: from its header line to the next header or the
 * end, comments and blank lines included, the byte order mark excluded.
 * What the snapshot parses a tenant's config from.
 */
static void
test_section_ranges(void **state)
{
	static const char text[] =
	    "\xef\xbb\xbf[vmgate]\n"		/* 0: BOM, then [vmgate] at 3 */
	    "uri = test:///default\n"
	    "\n"
	    "  [tenant alice] ; hers\n"
	    "domains = web1\n"
	    "; a comment\n"
	    "[group ops]\n"
	    "members = alice bob\n"
	    "[domain web1]\r\n"
	    "spice = 127.0.0.1:5901\r\n"
	    "[media rescue]\n"
	    "path = /srv/rescue.iso";		/* no newline at the end */
	struct config *cfg = NULL;
	struct diag d;
	const char *sec;

	(void)state;
	diag_init(&d);
	assert_int_equal(config_parse(NAME, text, sizeof(text) - 1, &cfg, &d),
	    0);
	diag_clear(&d);
#define SECTION(r)	(text + (r).off), (int)(r).len
#define ASSERT_SECTION(r, want)	do {					\
	sec = want;							\
	if ((r).len != strlen(sec) ||					\
	    memcmp(text + (r).off, sec, strlen(sec)) != 0)		\
		fail_msg("got '%.*s', want '%s'", SECTION(r), sec);	\
} while (0)
	ASSERT_SECTION(cfg->vmgate_range,
	    "[vmgate]\nuri = test:///default\n\n");
	ASSERT_SECTION(config_tenant(cfg, "alice")->range,
	    "  [tenant alice] ; hers\ndomains = web1\n; a comment\n");
	ASSERT_SECTION(config_group(cfg, "ops")->range,
	    "[group ops]\nmembers = alice bob\n");
	ASSERT_SECTION(config_domain(cfg, "web1")->range,
	    "[domain web1]\r\nspice = 127.0.0.1:5901\r\n");
	ASSERT_SECTION(config_media(cfg, "rescue")->range,
	    "[media rescue]\npath = /srv/rescue.iso");
#undef ASSERT_SECTION
#undef SECTION
	/* bob has no section of his own */
	assert_true(config_tenant(cfg, "bob")->implicit);
	assert_int_equal(config_tenant(cfg, "bob")->range.len, 0);
	config_free(cfg);
}

struct value_case {
	const char *text;
	const char *domains;	/* tenant a's domains, space-joined */
	unsigned allow;
};

/* list syntax, comments, blanks, CRLF: what the tenant ends up with */
static void
test_values(void **state)
{
	static const struct value_case cases[] = {
		{ "[tenant a]\ndomains = web1\n", "web1", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = b a c\n", "a b c", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = b,a,c\n", "a b c", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = b , a ,c\n", "a b c", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains =b,\ta\t c\n", "a b c", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains=web1\n", "web1", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = web1 ; comment\n", "web1", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = web1\t; comment\n", "web1", DEFAULT_ALLOW },
		{ "[tenant a]\r\ndomains = web1\r\n", "web1", DEFAULT_ALLOW },
		{ "  [tenant a]\n  domains = web1\n", "web1", DEFAULT_ALLOW },
		{ "\t[tenant a]\t; c\n\tdomains\t=\tweb1\t\n", "web1", DEFAULT_ALLOW },
		{ "[tenant a] ; tenant a\n; domains = evil\n# allow = x\n"
		  "domains = web1\n", "web1", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = web1", "web1", DEFAULT_ALLOW },
		{ "[tenant a]\ndomains = A.b_c-9 9z\n", "9z A.b_c-9", DEFAULT_ALLOW },
		{ "[tenant a]\nallow = reset\n", "", VERB_BIT(VERB_RESET) },
		{ "[tenant a]\nallow = help, list\n", "",
		  VERB_BIT(VERB_HELP) | VERB_BIT(VERB_LIST) },
		{ "[tenant a]\nallow = help list status start stop poweroff "
		  "reset reboot console spice whoami version\n", "", DEFAULT_ALLOW },
		/* opt-in verbs exist only when named */
		{ "[tenant a]\nallow = media insert eject screenshot "
		  "sendkey\n", "", OPT_IN_VERBS },
		/* a comment may hold any text, even UTF-8 */
		{ "; caf\xc3\xa9\n[tenant a]\ndomains = web1 ; d\xc3\xa9j\xc3\xa0\n",
		  "web1", DEFAULT_ALLOW },
	};
	struct config *cfg;
	const struct tenant *t;
	char got[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg = good(cases[i].text);
		t = config_tenant(cfg, "a");
		assert_non_null(t);
		got[0] = '\0';
		for (j = 0; j < t->grant.ndomains; j++) {
			if (j > 0)
				strcat(got, " ");
			strcat(got, t->grant.domains[j]);
		}
		if (strcmp(got, cases[i].domains) != 0)
			fail_msg("case %zu: domains '%s', want '%s'", i, got,
			    cases[i].domains);
		assert_int_equal(t->grant.allow, cases[i].allow);
		config_free(cfg);
	}
}

static void
test_good_scalars(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = good("[vmgate]\nspice_ttl = 1\nuri = test:///default\n"
	    "libvirt_timeout = 30\n"
	    "keys = /k\nservice_user = a2345678901234567890123456789012\n"
	    "audit_log = /var/log/a;b\n");
	assert_int_equal(cfg->spice_ttl, 1);
	assert_int_equal(cfg->libvirt_timeout, 30);
	assert_string_equal(cfg->uri, "test:///default");
	assert_string_equal(cfg->keys_dir, "/k");
	assert_string_equal(cfg->service_user,
	    "a2345678901234567890123456789012");
	assert_string_equal(cfg->audit_log, "/var/log/a;b");
	config_free(cfg);

	cfg = good("[vmgate]\nspice_ttl = 86400\nlibvirt_timeout = 3600\n"
	    "[domain d]\n"
	    "spice = 192.168.1.10:65535\n[domain e]\nspice = [fd00::1]:1\n"
	    "[domain f]\nuri = qemu+ssh://root@h/system?keyfile=/k\n");
	assert_int_equal(cfg->spice_ttl, 86400);
	assert_int_equal(cfg->libvirt_timeout, 3600);
	assert_string_equal(config_domain(cfg, "d")->spice_host,
	    "192.168.1.10");
	assert_int_equal(config_domain(cfg, "d")->spice_port, 65535);
	assert_string_equal(config_domain(cfg, "e")->spice_host, "fd00::1");
	assert_int_equal(config_domain(cfg, "e")->spice_port, 1);
	/* a [domain] without spice: read from the XML */
	assert_null(config_domain(cfg, "f")->spice_host);
	assert_int_equal(config_domain(cfg, "f")->spice_port, 0);
	assert_string_equal(config_domain_uri(cfg, "f"),
	    "qemu+ssh://root@h/system?keyfile=/k");
	config_free(cfg);

	/* assigned addresses, kept canonical; none by default */
	cfg = good("[domain d]\nipv4 = 198.51.100.10\n"
	    "ipv6 = 2001:0DB8:0:0::0010\n[domain e]\nipv6 = fd00::1\n"
	    "[domain f]\n");
	assert_string_equal(config_domain(cfg, "d")->ipv4, "198.51.100.10");
	assert_int_equal(config_domain(cfg, "d")->ipv4_line, 2);
	assert_string_equal(config_domain(cfg, "d")->ipv6, "2001:db8::10");
	assert_int_equal(config_domain(cfg, "d")->ipv6_line, 3);
	assert_null(config_domain(cfg, "e")->ipv4);
	assert_string_equal(config_domain(cfg, "e")->ipv6, "fd00::1");
	assert_null(config_domain(cfg, "f")->ipv4);
	assert_null(config_domain(cfg, "f")->ipv6);
	config_free(cfg);

	/* a node's display by name: what the gateway resolves and sshd
	 * forwards to */
	cfg = good("[domain d]\nspice = node2.internal:5901\n"
	    "[domain e]\nspice = localhost:1\n[domain f]\n"
	    "spice = n-2.a23456789012345678901234567890123456789012345678901"
	    "2345678901:2\n[domain g]\nspice = 10.0.0.7x:3\n");
	assert_string_equal(config_domain(cfg, "d")->spice_host,
	    "node2.internal");
	assert_int_equal(config_domain(cfg, "d")->spice_port, 5901);
	assert_string_equal(config_domain(cfg, "e")->spice_host, "localhost");
	assert_string_equal(config_domain(cfg, "f")->spice_host,
	    "n-2.a2345678901234567890123456789012345678901234567890123456"
	    "78901");
	assert_string_equal(config_domain(cfg, "g")->spice_host, "10.0.0.7x");
	config_free(cfg);
}

/* Names of 64 bytes work; inih's own section buffer holds only 49. */
static void
test_long_names(void **state)
{
	char *n1 = repeat('a', 64), *n2 = repeat('a', 64), *text = NULL;
	struct config *cfg;

	(void)state;
	n2[63] = 'b';
	assert_true(asprintf(&text, "[tenant %s]\ndomains = one\n"
	    "[tenant %s]\ndomains = two\n[group %s]\nmembers = %s %s\n",
	    n1, n2, n1, n1, n2) > 0);
	cfg = good(text);
	assert_int_equal(cfg->ntenants, 2);
	assert_string_equal(config_tenant(cfg, n1)->grant.domains[0], "one");
	assert_string_equal(config_tenant(cfg, n2)->grant.domains[0], "two");
	assert_int_equal(config_group(cfg, n1)->nmembers, 2);
	config_free(cfg);
	free(text);

	/* 65 bytes: refused */
	text = NULL;
	free(n1);
	n1 = repeat('a', 65);
	assert_true(asprintf(&text, "[tenant %s]\n", n1) > 0);
	{
		char want[128];

		snprintf(want, sizeof(want), NAME ":1: bad tenant name '%s'",
		    n1);
		bad1(text, want);
	}
	free(text);
	free(n1);
	free(n2);
}

/* ---- line length: 199 bytes pass whole, 200 are refused ---- */

static void
test_line_199(void **state)
{
	/* "uri = " + 193 bytes = 199: inih must get every byte */
	char *val = repeat('q', 193), *text = NULL, *pad = repeat(' ', 10);
	struct config *cfg;

	(void)state;
	val[0] = 'x';
	val[192] = 'z';
	assert_true(asprintf(&text, "[vmgate]\nuri = %s\n", val) > 0);
	cfg = good(text);
	assert_string_equal(cfg->uri, val);
	config_free(cfg);
	free(text);

	/* the same with CRLF and without a final line end */
	assert_true(asprintf(&text, "[vmgate]\r\nuri = %s\r\n", val) > 0);
	cfg = good(text);
	assert_string_equal(cfg->uri, val);
	config_free(cfg);
	free(text);
	assert_true(asprintf(&text, "[vmgate]\nuri = %s", val) > 0);
	cfg = good(text);
	assert_string_equal(cfg->uri, val);
	config_free(cfg);
	free(text);

	/* indented, 199 in all: still whole */
	val[183] = '\0';
	val[182] = 'z';
	assert_true(asprintf(&text, "[vmgate]\n%suri = %s\n", pad, val) > 0);
	assert_int_equal(strlen(strchr(text, '\n') + 1), 200);
	cfg = good(text);
	assert_string_equal(cfg->uri, val);
	config_free(cfg);
	free(text);
	free(val);
	free(pad);
}

static void
test_line_200(void **state)
{
	char *val = repeat('q', 194), *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "[vmgate]\nuri = %s\n", val) > 0);
	bad1(text, NAME ":2: line too long (200 bytes or more)");
	free(text);
	assert_true(asprintf(&text, "[vmgate]\nuri = %s\r\n", val) > 0);
	bad1(text, NAME ":2: line too long (200 bytes or more)");
	free(text);
	assert_true(asprintf(&text, "[vmgate]\nuri = %s", val) > 0);
	bad1(text, NAME ":2: line too long (200 bytes or more)");
	free(text);
	free(val);

	/* a 200-byte comment or blank line too */
	val = repeat('#', 200);
	bad1(val, NAME ":1: line too long (200 bytes or more)");
	memset(val, ' ', 200);
	bad1(val, NAME ":1: line too long (200 bytes or more)");
	free(val);
	val = repeat('#', 199);
	config_free(good(val));
	free(val);
}

/*
 * r55 alone would cut a 300-byte line at 199 bytes and parse the tail as
 * a line of its own: here the tail is a key, a section, a continuation.
 * Each must give one "too long" problem, and line numbers after it must
 * stay right.
 */
static void
test_no_injection(void **state)
{
	static const char *const tails[] = {
		"domains = other",
		"[tenant evil]",
		"    other",
		"disabled = no",
	};
	const char *const want[] = {
		NAME ":3: line too long (200 bytes or more)",
		NAME ":5: unknown key 'bogus' in [tenant]",
		NULL
	};
	char line[301], *text = NULL;
	size_t i, tail;

	(void)state;
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		/* a 300-byte comment whose bytes from 199 on are the tail */
		memset(line, ' ', 300);
		line[300] = '\0';
		line[0] = ';';
		memset(line + 1, 'x', 198);
		tail = strlen(tails[i]);
		memcpy(line + 199, tails[i], tail);
		assert_int_equal(strlen(line), 300);
		assert_true(asprintf(&text, "[tenant a]\ndomains = web1\n%s\n"
		    "disabled = no\nbogus = 1\n", line) > 0);
		bad_len(text, strlen(text), want);
		free(text);
	}
}

/* Long lines in a row, and the very long: one problem each, then on. */
static void
test_long_lines_counted(void **state)
{
	const char *const want[] = {
		NAME ":1: line too long (200 bytes or more)",
		NAME ":2: line too long (200 bytes or more)",
		NAME ":4: unknown key 'x' in [vmgate]",
		NULL
	};
	char *a = repeat('a', 250), *b = repeat('b', 100000), *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "%s\n%s\n[vmgate]\nx = 1\n", a, b) > 0);
	bad_len(text, strlen(text), want);
	free(text);
	free(a);
	free(b);
}

/* A refused header must not let its keys land in the section before. */
static void
test_long_header(void **state)
{
	const char *const want[] = {
		NAME ":3: line too long (200 bytes or more)",
		NULL
	};
	char *n = repeat('n', 200), *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "[tenant a]\ndomains = x\n[tenant %s]\n"
	    "domains = y\nbogus = 1\n", n) > 0);
	bad_len(text, strlen(text), want);
	free(text);
	free(n);
}

static void
test_nul_bytes(void **state)
{
	static const char t1[] = "[tenant a]\ndomains = web1\0web2\n";
	static const char t2[] = "[tenant a]\n\0\n[tenant b]\n";
	static const char t3[] = "\0";
	const char *const w1[] = { NAME ":2: NUL byte in line", NULL };
	const char *const w3[] = { NAME ":1: NUL byte in line", NULL };

	(void)state;
	bad_len(t1, sizeof(t1) - 1, w1);
	bad_len(t2, sizeof(t2) - 1, w1);
	bad_len(t3, sizeof(t3) - 1, w3);
}

/* A byte order mark is skipped at the start of the file only. */
static void
test_bom(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = good("\xef\xbb\xbf[tenant a]\ndomains = web1\n");
	assert_non_null(config_tenant(cfg, "a"));
	config_free(cfg);
	bad1("\xef\xbb\xbf\xef\xbb\xbf[tenant a]\n", NAME ":1: expected "
	    "'key = value', '[section]' or a comment");
	bad1("[tenant a]\ndomains = \xef\xbb\xbfweb1\n",
	    NAME ":2: domains: bad machine name '\\xef\\xbb\\xbfweb1'");
}

/* Every problem is reported, in line order, not only the first. */
static void
test_all_problems(void **state)
{
	static const char text[] =
	    "[vmgate]\n"			/* 1 */
	    "spice_ttl = 0\n"			/* 2 */
	    "bogus = 1\n"			/* 3 */
	    "[tenant a]\n"			/* 4 */
	    "domains = ../x\n"			/* 5 */
	    "allow = nope\n"			/* 6 */
	    "[tenant a]\n"			/* 7 */
	    "[group g]\n"			/* 8 */
	    "members = a ghost\n"		/* 9 */
	    "[domain d]\n"			/* 10 */
	    "spice = nowhere\n"			/* 11 */
	    "[tenant b] junk\n"			/* 12 */
	    "domains = web1,,\n";		/* 13: skipped, header refused */
	const char *const want[] = {
		NAME ":2: spice_ttl: '0' is not a number of seconds from 1 to "
		    "86400",
		NAME ":3: unknown key 'bogus' in [vmgate]",
		NAME ":5: domains: bad machine name '../x'",
		NAME ":6: allow: unknown verb 'nope'",
		NAME ":11: spice: 'nowhere' is not HOST:PORT (a DNS name, an "
		    "IPv4 or [IPv6] address, port 1-65535)",
		NAME ":12: unexpected text after ']'",
		NAME ":7: section [tenant a] defined twice (first at line 4)",
		NULL
	};

	(void)state;
	bad_len(text, sizeof(text) - 1, want);
}

/* More than MAX_DIAGS problems: the list is capped, the count kept. */
static void
test_many_problems(void **state)
{
	const size_t n = MAX_DIAGS + 500;
	char *text = malloc(n * 8 + 1), *p = text;
	struct config *cfg = NULL;
	struct diag d;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++)
		p += sprintf(p, "junk\n");
	diag_init(&d);
	assert_int_equal(config_parse(NAME, text, strlen(text), &cfg, &d), -1);
	assert_null(cfg);
	assert_int_equal(d.count, MAX_DIAGS);
	assert_int_equal(d.dropped, 500);
	assert_string_equal(d.msgs[MAX_DIAGS - 1],
	    NAME ":1000: expected 'key = value'");
	diag_clear(&d);
	free(text);
}

/* ---- big configs: no quadratic work, duplicates still found ---- */

static char *
generate(size_t n, size_t *len)
{
	char *text = malloc(n * 80 + 200), *p = text;
	size_t i;

	/* in reverse order, so sorting has work to do */
	for (i = n; i-- > 0;)
		p += sprintf(p, "[tenant t%zu]\ndomains = vm%zu, shared\n", i, i);
	p += sprintf(p, "[group g]\nmembers = t0 t%zu\ndomains = gvm\n", n - 1);
	*len = (size_t)(p - text);
	return text;
}

static void
test_many_tenants(void **state)
{
	const size_t n = 100000;
	const struct tenant *t;
	struct config *cfg;
	char *text, name[32];
	size_t len, i;

	(void)state;
	text = generate(n, &len);
	cfg = good_len(text, len);
	assert_int_equal(cfg->ntenants, n);
	for (i = 0; i < n; i += 4999) {
		snprintf(name, sizeof(name), "t%zu", i);
		t = config_tenant(cfg, name);
		assert_non_null(t);
		assert_int_equal(t->line, (int)(2 * (n - 1 - i) + 1));
		snprintf(name, sizeof(name), "vm%zu", i);
		assert_string_equal(t->grant.domains[1], name);
	}
	assert_int_equal(config_tenant(cfg, "t0")->ngroups, 1);
	assert_int_equal(config_tenant(cfg, "t1")->ngroups, 0);
	assert_null(config_tenant(cfg, "t100000"));
	config_free(cfg);
	free(text);
}

static void
test_many_tenants_duplicate(void **state)
{
	const size_t n = 10000;
	char *text, *more = NULL, want[128];
	size_t len;

	(void)state;
	text = generate(n, &len);
	/* line 2n+4 is after the group's three lines */
	assert_true(asprintf(&more, "%s[tenant t5000]\n", text) > 0);
	snprintf(want, sizeof(want), NAME ":%zu: section [tenant t5000] "
	    "defined twice (first at line %zu)", 2 * n + 4,
	    2 * (n - 1 - 5000) + 1);
	bad1(more, want);
	free(more);
	free(text);
}

/* ---- config_load: the file itself ---- */

static char *
write_cfg(const char *text, mode_t mode)
{
	return unit_write_file("vmgate.ini", text, mode);
}

static void
load_bad(const char *path, uid_t owner_ok, const char *why)
{
	struct config *cfg = (struct config *)1;
	char want[4096];
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_load(path, owner_ok, &cfg, &d), -1);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s:0: %s", path, why);
	if (d.count != 1 || strcmp(d.msgs[0], want) != 0) {
		dump(&d);
		fail_msg("want '%s'", want);
	}
	diag_clear(&d);
}

static struct config *
load_good(const char *path, uid_t owner_ok)
{
	struct config *cfg = NULL;
	struct diag d;

	diag_init(&d);
	if (config_load(path, owner_ok, &cfg, &d) != 0) {
		dump(&d);
		fail_msg("%s refused", path);
	}
	diag_clear(&d);
	return cfg;
}

struct mode_case {
	mode_t mode;
	const char *why;	/* NULL: accepted */
};

static void
test_load_modes(void **state)
{
	static const struct mode_case cases[] = {
		{ 0600, NULL }, { 0400, NULL }, { 0644, NULL }, { 0640, NULL },
		{ 0444, NULL }, { 0700, NULL },
		{ 0660, "refusing: writable by group or others" },
		{ 0620, "refusing: writable by group or others" },
		{ 0602, "refusing: writable by group or others" },
		{ 0666, "refusing: writable by group or others" },
		{ 0646, "refusing: writable by group or others" },
		{ 0777, "refusing: writable by group or others" },
	};
	struct config *cfg;
	char *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_cfg("[tenant a]\ndomains = web1\n", cases[i].mode);
		if (cases[i].why == NULL) {
			cfg = load_good(path, geteuid());
			assert_string_equal(cfg->path, path);
			assert_non_null(config_tenant(cfg, "a"));
			config_free(cfg);
		} else
			load_bad(path, geteuid(), cases[i].why);
		free(path);
	}
}

static void
test_load_not_regular(void **state)
{
	char *path, *dir, *link = NULL, *fifo = NULL;

	(void)state;
	path = write_cfg("[tenant a]\n", 0600);
	dir = strdup(path);
	*strrchr(dir, '/') = '\0';

	/* a symlink to a good file, and one to nowhere */
	assert_true(asprintf(&link, "%s/link.ini", dir) > 0);
	assert_int_equal(symlink(path, link), 0);
	load_bad(link, geteuid(), "refusing: is a symbolic link");
	free(link);
	assert_true(asprintf(&link, "%s/dangling.ini", dir) > 0);
	assert_int_equal(symlink("/nonexistent/x", link), 0);
	load_bad(link, geteuid(), "refusing: is a symbolic link");

	load_bad(dir, geteuid(), "refusing: not a regular file");
	load_bad("/dev/null", geteuid(), "refusing: not a regular file");

	/* a FIFO must be refused, not waited on */
	assert_true(asprintf(&fifo, "%s/fifo.ini", dir) > 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	load_bad(fifo, geteuid(), "refusing: not a regular file");

	free(link);
	link = NULL;
	assert_true(asprintf(&link, "%s/missing.ini", dir) > 0);
	load_bad(link, geteuid(), "cannot open: No such file or directory");

	free(fifo);
	free(link);
	free(dir);
	free(path);
}

static void
test_load_owner(void **state)
{
	struct config *cfg;
	char *path;
	uid_t me = geteuid(), other = 54321;

	(void)state;
	path = write_cfg("[tenant a]\n", 0644);
	/* owned by me: accepted when I am the allowed owner */
	cfg = load_good(path, me);
	config_free(cfg);
	if (me != 0) {
		/* not root: a file of mine is refused when root is required */
		char want[64];

		snprintf(want, sizeof(want), "refusing: owned by uid %lu, not "
		    "root", (unsigned long)me);
		load_bad(path, 0, want);
		print_message("NOT ROOT: skipping chown cases\n");
		free(path);
		return;
	}
	assert_int_equal(chown(path, other, (gid_t)-1), 0);
	load_bad(path, 0, "refusing: owned by uid 54321, not root");
	load_bad(path, 1000, "refusing: owned by uid 54321, not root");
	cfg = load_good(path, other);
	config_free(cfg);
	/* root-owned is always fine */
	assert_int_equal(chown(path, 0, (gid_t)-1), 0);
	cfg = load_good(path, other);
	config_free(cfg);
	free(path);
}

static void
test_load_size(void **state)
{
	char *path;
	int fd;

	(void)state;
	path = write_cfg("", 0600);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CONFIG_MAX_BYTES + 1), 0);
	close(fd);
	load_bad(path, geteuid(), "refusing: larger than 67108864 bytes");
	free(path);
}

/* Problems inside the file carry the path given and the line. */
static void
test_load_parse_error(void **state)
{
	struct config *cfg = (struct config *)1;
	char *path, want[4096];
	struct diag d;

	(void)state;
	path = write_cfg("[tenant a]\n\n\ndomains = ../x\n", 0600);
	diag_init(&d);
	assert_int_equal(config_load(path, geteuid(), &cfg, &d), -1);
	assert_null(cfg);
	assert_int_equal(d.count, 1);
	snprintf(want, sizeof(want), "%s:4: domains: bad machine name '../x'",
	    path);
	assert_string_equal(d.msgs[0], want);
	diag_clear(&d);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_media_catalog),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_max_sessions),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_section_ranges),
		cmocka_unit_test(test_good_scalars),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_line_199),
		cmocka_unit_test(test_line_200),
		cmocka_unit_test(test_no_injection),
		cmocka_unit_test(test_long_lines_counted),
		cmocka_unit_test(test_long_header),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_all_problems),
		cmocka_unit_test(test_many_problems),
		cmocka_unit_test(test_many_tenants),
		cmocka_unit_test(test_many_tenants_duplicate),
		cmocka_unit_test(test_load_modes),
		cmocka_unit_test(test_load_not_regular),
		cmocka_unit_test(test_load_owner),
		cmocka_unit_test(test_load_size),
		cmocka_unit_test(test_load_parse_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
