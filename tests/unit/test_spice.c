/*
 * test_spice: the SPICE display as read from domain XML (libvirt's real
 * output and hostile shapes), the one-time passwords, the tenant's two
 * output formats, the session hold, and spice_issue's refusals as seen
 * through libvirt's test driver.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf, open_memstream */
#endif
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

#include "vmgate/env.h"
#include "vmgate/hypervisor.h"
#include "vmgate/spice.h"

#define PASSWORDS	2000	/* made for the distinctness check */
#define ALPHABET	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define HOLD_MS		300	/* spice_wait must still hold after this */
#define RETURN_MS	3000	/* and return within this after EOF/SIGHUP */

/* `virsh dumpxml --security-info` of a running, locked guest (libvirt 9.0) */
static const char real_locked[] =
"<domain type='qemu' id='4'>\n"
"  <name>spi-probe</name>\n"
"  <uuid>90d0d0ec-d0af-4dba-b019-a5c4d5b434d2</uuid>\n"
"  <memory unit='KiB'>49152</memory>\n"
"  <currentMemory unit='KiB'>49152</currentMemory>\n"
"  <vcpu placement='static'>1</vcpu>\n"
"  <resource>\n"
"    <partition>/machine</partition>\n"
"  </resource>\n"
"  <os>\n"
"    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>\n"
"    <boot dev='hd'/>\n"
"    <bios useserial='yes'/>\n"
"  </os>\n"
"  <cpu mode='custom' match='exact' check='full'>\n"
"    <model fallback='forbid'>qemu64</model>\n"
"    <feature policy='require' name='hypervisor'/>\n"
"    <feature policy='require' name='lahf_lm'/>\n"
"  </cpu>\n"
"  <clock offset='utc'/>\n"
"  <on_poweroff>destroy</on_poweroff>\n"
"  <on_reboot>restart</on_reboot>\n"
"  <on_crash>destroy</on_crash>\n"
"  <devices>\n"
"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
"    <controller type='usb' index='0' model='piix3-uhci'>\n"
"      <alias name='usb'/>\n"
"      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>\n"
"    </controller>\n"
"    <controller type='pci' index='0' model='pci-root'>\n"
"      <alias name='pci.0'/>\n"
"    </controller>\n"
"    <serial type='pty'>\n"
"      <source path='/dev/pts/0'/>\n"
"      <target type='isa-serial' port='0'>\n"
"        <model name='isa-serial'/>\n"
"      </target>\n"
"      <alias name='serial0'/>\n"
"    </serial>\n"
"    <console type='pty' tty='/dev/pts/0'>\n"
"      <source path='/dev/pts/0'/>\n"
"      <target type='serial' port='0'/>\n"
"      <alias name='serial0'/>\n"
"    </console>\n"
"    <input type='mouse' bus='ps2'>\n"
"      <alias name='input0'/>\n"
"    </input>\n"
"    <input type='keyboard' bus='ps2'>\n"
"      <alias name='input1'/>\n"
"    </input>\n"
"    <graphics type='spice' port='5929' autoport='no' listen='127.0.0.1' passwd='locked' passwdValidTo='1970-01-01T00:00:00'>\n"
"      <listen type='address' address='127.0.0.1'/>\n"
"    </graphics>\n"
"    <audio id='1' type='spice'/>\n"
"    <video>\n"
"      <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>\n"
"      <alias name='video0'/>\n"
"      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n"
"    </video>\n"
"    <memballoon model='none'/>\n"
"  </devices>\n"
"  <seclabel type='dynamic' model='dac' relabel='yes'>\n"
"    <label>+64055:+64055</label>\n"
"    <imagelabel>+64055:+64055</imagelabel>\n"
"  </seclabel>\n"
"</domain>\n";

/* a domain around the given <devices> content */
#define DOM(devices) \
	"<domain type='kvm'>\n  <name>web1</name>\n  <devices>\n" devices \
	"\n  </devices>\n</domain>\n"
#define LOCKED_5901 \
	"<graphics type='spice' port='5901' autoport='no' passwd='locked' " \
	"passwdValidTo='1970-01-01T00:00:00'><listen type='address' " \
	"address='127.0.0.1'/></graphics>"

struct xml_case {
	const char *what;
	const char *xml;
	int rc;
	bool present;
	int port;
	bool autoport;
	const char *host;
	bool has_passwd;
	bool passwd_expires;
	time_t valid_to;
	int tls_port;
};

#define REFUSED(what, xml) \
	{ what, xml, -1, false, 0, false, "", false, false, 0, 0 }

static const struct xml_case xml_cases[] = {
	{ "libvirt's live XML of a locked display", real_locked,
	  0, true, 5929, false, "127.0.0.1", true, true, 0, 0 },
	{ "live autoport display (libvirt's shape)", DOM(
	  "<graphics type='spice' port='5900' autoport='yes' listen='127.0.0.1' passwd='s3cret'>\n"
	  "  <listen type='address' address='127.0.0.1'/>\n"
	  "</graphics>"),
	  0, true, 5900, true, "127.0.0.1", true, false, 0, 0 },
	{ "inactive autoport display", DOM(
	  "<graphics type='spice' autoport='yes'><listen type='address'/></graphics>"),
	  0, true, 0, true, "", false, false, 0, 0 },
	{ "port -1 before the first start", DOM(
	  "<graphics type='spice' port='-1' autoport='yes'/>"),
	  0, true, -1, true, "", false, false, 0, 0 },
	{ "insecure XML: no passwd shown", DOM(
	  "<graphics type='spice' port='5901' autoport='no' listen='127.0.0.1'>"
	  "<listen type='address' address='127.0.0.1'/></graphics>"),
	  0, true, 5901, false, "127.0.0.1", false, false, 0, 0 },
	{ "listen attribute only", DOM(
	  "<graphics type='spice' port='5901' autoport='no' listen='10.1.2.3' passwd='x'/>"),
	  0, true, 5901, false, "10.1.2.3", true, false, 0, 0 },
	{ "listen child only", DOM(LOCKED_5901),
	  0, true, 5901, false, "127.0.0.1", true, true, 0, 0 },
	{ "the child wins over the attribute", DOM(
	  "<graphics type='spice' port='5901' listen='10.0.0.1' passwd='x'>"
	  "<listen type='address' address='10.0.0.2'/></graphics>"),
	  0, true, 5901, false, "10.0.0.2", true, false, 0, 0 },
	{ "only the first listen child counts", DOM(
	  "<graphics type='spice' port='5901' passwd='x'>"
	  "<listen type='address' address='10.0.0.2'/>"
	  "<listen type='address' address='10.0.0.3'/></graphics>"),
	  0, true, 5901, false, "10.0.0.2", true, false, 0, 0 },
	{ "socket listen: no TCP endpoint", DOM(
	  "<graphics type='spice' listen='127.0.0.1' passwd='x'>"
	  "<listen type='socket' socket='/run/x.sock'/></graphics>"),
	  0, true, 0, false, "", true, false, 0, 0 },
	{ "IPv6 listen", DOM(
	  "<graphics type='spice' port='5901' passwd='x'>"
	  "<listen type='address' address='::1'/></graphics>"),
	  0, true, 5901, false, "::1", true, false, 0, 0 },
	{ "double quotes and blanks around =", DOM(
	  "<graphics type=\"spice\" port = \"5902\" autoport=\"no\"\n"
	  "    passwd=\"locked\" passwdValidTo=\"2026-11-24T18:53:00\" >\n"
	  "  <listen type=\"address\" address=\"127.0.0.1\" />\n"
	  "</graphics >"),
	  0, true, 5902, false, "127.0.0.1", true, true, 1795546380, 0 },
	{ "passwdValidTo is UTC", DOM(
	  "<graphics type='spice' port='5901' passwd='a' passwdValidTo='2038-01-19T03:14:08'/>"),
	  0, true, 5901, false, "", true, true, 2147483648, 0 },
	{ "leap day", DOM(
	  "<graphics type='spice' port='5901' passwd='a' passwdValidTo='2024-02-29T23:59:59'/>"),
	  0, true, 5901, false, "", true, true, 1709251199, 0 },
	{ "tlsPort", DOM(
	  "<graphics type='spice' port='5901' tlsPort='5902' autoport='no' passwd='a'/>"),
	  0, true, 5901, false, "", true, false, 0, 5902 },
	{ "no graphics at all", DOM("<video><model type='qxl'/></video>"),
	  0, false, 0, false, "", false, false, 0, 0 },
	{ "VNC only", DOM(
	  "<graphics type='vnc' port='5901' autoport='no' passwd='x'>"
	  "<listen type='address' address='127.0.0.1'/></graphics>"),
	  0, false, 0, false, "", false, false, 0, 0 },
	{ "VNC first, then SPICE", DOM(
	  "<graphics type='vnc' port='5905' listen='10.9.9.9' passwd='v'/>\n"
	  "<graphics type='spice' port='5906' autoport='no'>"
	  "<listen type='address' address='127.0.0.1'/></graphics>"),
	  0, true, 5906, false, "127.0.0.1", false, false, 0, 0 },
	{ "two SPICE elements: the first, as libvirt's update", DOM(
	  LOCKED_5901 "\n"
	  "<graphics type='spice' port='5907' listen='10.7.7.7'/>"),
	  0, true, 5901, false, "127.0.0.1", true, true, 0, 0 },
	{ "graphics inside metadata is not a display",
	  "<domain type='kvm'><name>w</name><metadata>"
	  "<app:x xmlns:app='http://example.org/'><devices>"
	  "<graphics type='spice' port='5999' passwd='x'/></devices></app:x>"
	  "</metadata><devices/></domain>",
	  0, false, 0, false, "", false, false, 0, 0 },
	{ "graphics outside devices is not a display",
	  "<domain><graphics type='spice' port='5999' passwd='x'/><devices></devices></domain>",
	  0, false, 0, false, "", false, false, 0, 0 },
	{ "comments, CDATA and a declaration are skipped",
	  "<?xml version='1.0'?>\n<!-- <graphics type='spice' port='1'> -->\n"
	  "<domain><description><![CDATA[<graphics type='spice' port='2'/>]]>"
	  "</description><devices>" LOCKED_5901 "</devices></domain>",
	  0, true, 5901, false, "127.0.0.1", true, true, 0, 0 },
	{ "'>' inside a value", DOM(
	  "<graphics type='spice' port='5901' passwd='a>b'/>"),
	  0, true, 5901, false, "", true, false, 0, 0 },

	/* refused: the whole document, nothing half-read */
	REFUSED("NULL", NULL),
	REFUSED("empty", ""),
	REFUSED("blank", "  \n"),
	REFUSED("not a domain", "<network><devices>" LOCKED_5901 "</devices></network>"),
	REFUSED("two roots", DOM("") "<domain/>"),
	REFUSED("text outside the root", "x" DOM(LOCKED_5901)),
	REFUSED("cut off after the display", "<domain><devices>" LOCKED_5901),
	REFUSED("cut off inside the tag", "<domain><devices><graphics type='spice' port='59"),
	REFUSED("cut off inside a value", "<domain><devices><graphics type='spice' port='5901"),
	REFUSED("cut off inside a comment", "<domain><!-- x"),
	REFUSED("cut off inside CDATA", "<domain><x><![CDATA[ x"),
	REFUSED("mismatched end tag", "<domain><devices>" LOCKED_5901 "</device></domain>"),
	REFUSED("stray end tag", DOM("</graphics>")),
	REFUSED("DOCTYPE with an entity",
	  "<!DOCTYPE domain [<!ENTITY p '5901'>]>" DOM(LOCKED_5901)),
	REFUSED("unquoted value", DOM("<graphics type=spice port='5901'/>")),
	REFUSED("no blank between attributes", DOM("<graphics type='spice'port='5901'/>")),
	REFUSED("duplicate attribute", DOM("<graphics type='spice' port='5901' port='5902'/>")),
	REFUSED("'<' inside a value", DOM("<graphics type='spice' passwd='a<b'/>")),
	REFUSED("port not a number", DOM("<graphics type='spice' port='59x1'/>")),
	REFUSED("port too large", DOM("<graphics type='spice' port='65536'/>")),
	REFUSED("port far too large", DOM("<graphics type='spice' port='99999999999'/>")),
	REFUSED("negative port", DOM("<graphics type='spice' port='-2'/>")),
	REFUSED("empty port", DOM("<graphics type='spice' port=''/>")),
	REFUSED("autoport not yes/no", DOM("<graphics type='spice' autoport='maybe'/>")),
	REFUSED("month 13", DOM("<graphics type='spice' passwd='a' passwdValidTo='2026-13-01T00:00:00'/>")),
	REFUSED("date with a zone", DOM("<graphics type='spice' passwd='a' passwdValidTo='2026-01-01T00:00:00Z'/>")),
	REFUSED("date in words", DOM("<graphics type='spice' passwd='a' passwdValidTo='tomorrow'/>")),
	REFUSED("listen that would break out of a quote", DOM(
	  "<graphics type='spice' port='5901' listen=\"127.0.0.1' passwd='x\"/>")),
	REFUSED("listen with an entity", DOM(
	  "<graphics type='spice' port='5901'><listen type='address' address='1&amp;2'/></graphics>")),
	REFUSED("listen too long", DOM(
	  "<graphics type='spice' port='5901' listen='"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'/>")),
	REFUSED("empty listen address", DOM(
	  "<graphics type='spice' port='5901' listen=''/>")),
	REFUSED("tag without a name", DOM("< graphics type='spice'/>")),
	REFUSED("self-closing end tag", DOM("</graphics/>")),
};

static void
test_parse_xml_shapes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(xml_cases) / sizeof(xml_cases[0]); i++) {
		const struct xml_case *c = &xml_cases[i];
		struct hv_spice sp;
		int rc;

		memset(&sp, 0x5a, sizeof(sp));
		rc = hv_spice_parse_xml(c->xml, &sp);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->what, rc, c->rc);
		if (sp.present != c->present)
			fail_msg("%s: present %d", c->what, sp.present);
		if (rc != 0) {
			/* nothing half-read survives a refusal */
			assert_int_equal(sp.port, 0);
			assert_string_equal(sp.host, "");
			assert_false(sp.has_passwd);
			continue;
		}
		if (sp.port != c->port || sp.autoport != c->autoport ||
		    strcmp(sp.host, c->host) != 0 ||
		    sp.has_passwd != c->has_passwd ||
		    sp.passwd_expires != c->passwd_expires ||
		    (c->passwd_expires && sp.passwd_valid_to != c->valid_to) ||
		    sp.tls_port != c->tls_port)
			fail_msg("%s: port %d autoport %d host '%s' passwd %d "
			    "expires %d at %lld tls %d", c->what, sp.port,
			    sp.autoport, sp.host, sp.has_passwd,
			    sp.passwd_expires, (long long)sp.passwd_valid_to,
			    sp.tls_port);
	}
}

/* nesting deeper than the reader's bound is refused, not overflowed */
static void
test_parse_xml_deep_nesting(void **state)
{
	enum { DEEP = 10000 };
	char *xml = NULL, *p;
	struct hv_spice sp;
	size_t i;

	(void)state;
	xml = malloc(DEEP * 7 + sizeof(LOCKED_5901) + 64);
	assert_non_null(xml);
	p = xml + sprintf(xml, "<domain><devices>");
	for (i = 0; i < DEEP; i++)
		p += sprintf(p, "<a>");
	for (i = 0; i < DEEP; i++)
		p += sprintf(p, "</a>");
	sprintf(p, "%s</devices></domain>", LOCKED_5901);
	assert_int_equal(hv_spice_parse_xml(xml, &sp), -1);
	assert_false(sp.present);
	free(xml);
}

/* every prefix of a real document but the whole is refused */
static void
test_parse_xml_every_truncation(void **state)
{
	size_t len = strlen(real_locked), n;
	struct hv_spice sp;
	char *buf = NULL;

	(void)state;
	/* the final newline is blank space after the root: allowed */
	for (n = 0; n < len - 1; n++) {
		buf = strndup(real_locked, n);
		assert_non_null(buf);
		if (hv_spice_parse_xml(buf, &sp) != -1)
			fail_msg("prefix of %zu bytes accepted", n);
		free(buf);
	}
	assert_int_equal(hv_spice_parse_xml(real_locked, &sp), 0);
}

static void
test_password_alphabet_and_length(void **state)
{
	static const size_t lens[] = { 0, 1, 8, SPICE_PASSWD_LEN };
	char pw[SPICE_PASSWD_LEN + 2];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(pw, '#', sizeof(pw));
		spice_make_password(pw, lens[i]);
		assert_int_equal(strlen(pw), lens[i]);
		for (j = 0; j < lens[i]; j++)
			assert_non_null(strchr(ALPHABET, pw[j]));
		/* nothing written past the terminator */
		assert_int_equal(pw[lens[i] + 1], '#');
	}
}

static int
cmp_pw(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_passwords_distinct_and_spread(void **state)
{
	char (*pw)[SPICE_PASSWD_LEN + 1] = NULL;
	unsigned seen[256] = { 0 };
	size_t i, j;

	(void)state;
	pw = calloc(PASSWORDS, sizeof(*pw));
	assert_non_null(pw);
	for (i = 0; i < PASSWORDS; i++) {
		spice_make_password(pw[i], SPICE_PASSWD_LEN);
		for (j = 0; j < SPICE_PASSWD_LEN; j++)
			seen[(unsigned char)pw[i][j]]++;
	}
	qsort(pw, PASSWORDS, sizeof(*pw), cmp_pw);
	for (i = 1; i < PASSWORDS; i++)
		assert_string_not_equal(pw[i - 1], pw[i]);
	/*
	 * 48000 characters over 62 letters: each expected ~774 times; fewer
	 * than 500 of one (or any other byte) means a skewed generator.
	 */
	for (i = 0; i < 256; i++) {
		if (strchr(ALPHABET, (int)i) != NULL && i != 0)
			assert_true(seen[i] > 500);
		else
			assert_int_equal(seen[i], 0);
	}
	free(pw);
}

static struct spice_ticket
ticket(const char *machine, const char *host, int remote, int local)
{
	struct spice_ticket t;

	memset(&t, 0, sizeof(t));
	snprintf(t.machine, sizeof(t.machine), "%s", machine);
	snprintf(t.remote.host, sizeof(t.remote.host), "%s", host);
	t.remote.port = remote;
	t.local_port = local;
	snprintf(t.password, sizeof(t.password), "3fQxAbCdEfGhIjKlMnOpQrSt");
	t.expires = 1795546380;		/* 2026-11-24T18:53:00Z */
	return t;
}

static char *
render(const struct spice_ticket *t, bool vv, const char *vmhost)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (vv)
		spice_print_vv(f, t);
	else
		spice_print_human(f, t, vmhost);
	fclose(f);
	return buf;
}

static void
test_output_formats(void **state)
{
	static const struct {
		const char *host;
		int remote, local;
		bool vv;
		const char *vmhost;
		const char *want;
	} cases[] = {
		{ "127.0.0.1", 5901, 5901, false, "vmhost",
		  "machine:  web1\n"
		  "password: 3fQxAbCdEfGhIjKlMnOpQrSt\n"
		  "expires:  2026-11-24T18:53:00Z\n"
		  "tunnel:   ssh -L 5901:127.0.0.1:5901 vmhost\n"
		  "viewer:   remote-viewer spice://127.0.0.1:5901\n" },
		{ "127.0.0.1", 5901, 15000, false, "gate.example.org",
		  "machine:  web1\n"
		  "password: 3fQxAbCdEfGhIjKlMnOpQrSt\n"
		  "expires:  2026-11-24T18:53:00Z\n"
		  "tunnel:   ssh -L 15000:127.0.0.1:5901 gate.example.org\n"
		  "viewer:   remote-viewer spice://127.0.0.1:15000\n" },
		{ "::1", 5901, 5901, false, "vmhost",
		  "machine:  web1\n"
		  "password: 3fQxAbCdEfGhIjKlMnOpQrSt\n"
		  "expires:  2026-11-24T18:53:00Z\n"
		  "tunnel:   ssh -L 5901:[::1]:5901 vmhost\n"
		  "viewer:   remote-viewer spice://127.0.0.1:5901\n" },
		{ "127.0.0.1", 5901, 15000, true, NULL,
		  "[virt-viewer]\n"
		  "type=spice\n"
		  "host=127.0.0.1\n"
		  "port=15000\n"
		  "password=3fQxAbCdEfGhIjKlMnOpQrSt\n"
		  "title=web1\n"
		  "delete-this-file=1\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spice_ticket t = ticket("web1", cases[i].host,
		    cases[i].remote, cases[i].local);
		char *out = render(&t, cases[i].vv, cases[i].vmhost);

		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void
test_ticket_clear_wipes_password(void **state)
{
	struct spice_ticket t = ticket("web1", "127.0.0.1", 5901, 5901);
	size_t i;

	(void)state;
	spice_ticket_clear(&t);
	for (i = 0; i < sizeof(t.password); i++)
		assert_int_equal(t.password[i], 0);
	assert_string_equal(t.machine, "web1");
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait up to ms for pid; its wait status, or -1 when it still runs */
static int
reap_within(pid_t pid, long long ms)
{
	long long end = now_ms() + ms;
	int status;

	do {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		assert_int_equal(r, 0);
		usleep(10000);
	} while (now_ms() < end);
	return -1;
}

enum wait_end { END_EOF, END_DATA_THEN_EOF, END_SIGNAL };

/*
 * A child runs spice_wait with a pipe as stdin, then exits 42: it must
 * still hold after HOLD_MS and come back (not die of the signal) after
 * the end we cause.
 */
static void
check_wait(enum wait_end how, int sig)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		/* as the tenant shell leaves it after the audit line */
		env_signals_hold();
		env_signals_release();
		spice_wait();
		_exit(42);
	}
	close(fds[0]);
	if (how == END_DATA_THEN_EOF)
		assert_int_equal(write(fds[1], "hello\n", 6), 6);
	assert_int_equal(reap_within(pid, HOLD_MS), -1);
	if (how == END_SIGNAL)
		assert_int_equal(kill(pid, sig), 0);
	else
		close(fds[1]);
	status = reap_within(pid, RETURN_MS);
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("spice_wait did not return");
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	if (how == END_SIGNAL)
		close(fds[1]);
}

/*
 * --vv: once the file is written, the output ends (a reader of stdout and
 * stderr sees EOF with everything written) while the wait holds on stdin.
 */
static void
test_release_output_ends_the_pipe_while_holding(void **state)
{
	int in[2], out[2], err[2];
	char buf[64];
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		close(err[0]); close(err[1]);
		fputs("[virt-viewer]\n", stdout);	/* still buffered */
		if (spice_release_output(stdout, stderr) != 0)
			_exit(1);
		spice_wait();
		_exit(42);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	while ((n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	assert_string_equal(buf, "[virt-viewer]\n");
	assert_int_equal(read(err[0], buf, sizeof(buf)), 0);
	/* both ended, and the session is still held */
	assert_int_equal(reap_within(pid, HOLD_MS), -1);
	close(in[1]);
	n = reap_within(pid, RETURN_MS);
	assert_true(n != -1 && WIFEXITED(n) && WEXITSTATUS(n) == 42);
	close(out[0]);
	close(err[0]);
}

/*
 * "vmgate spice-hold FD": FD must be an open descriptor above 2 (or "-"
 * for none); then it waits as spice_wait does, here until stdin's EOF.
 */
static void
test_hold_run_checks_its_fd(void **state)
{
	int fd, st;
	char arg[16];
	pid_t pid;

	(void)state;
	assert_int_equal(spice_hold_run("1"), -1);
	assert_int_equal(spice_hold_run("x"), -1);
	assert_int_equal(spice_hold_run("3x"), -1);
	assert_int_equal(spice_hold_run(""), -1);
	assert_int_equal(spice_hold_run("99999"), -1);	/* not open */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd > STDERR_FILENO);
	snprintf(arg, sizeof(arg), "%d", fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		_exit(spice_hold_run(arg) == 0 && spice_hold_run("-") == 0 ?
		    42 : 1);
	}
	st = reap_within(pid, RETURN_MS);
	assert_true(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42);
	close(fd);
}

static void
test_wait_returns_on_eof(void **state)
{
	(void)state;
	check_wait(END_EOF, 0);
}

static void
test_wait_ignores_data_until_eof(void **state)
{
	(void)state;
	check_wait(END_DATA_THEN_EOF, 0);
}

static void
test_wait_returns_on_hangup(void **state)
{
	(void)state;
	check_wait(END_SIGNAL, SIGHUP);
}

/* ^C or ^\ on the tenant's terminal, or SIGTERM: the wait ends, cleanly */
static void
test_wait_returns_on_interrupt(void **state)
{
	(void)state;
	check_wait(END_SIGNAL, SIGINT);
	check_wait(END_SIGNAL, SIGQUIT);
	check_wait(END_SIGNAL, SIGTERM);
}

/* libvirt's test driver: refusals happen before any ticket is set */
static const char node_xml[] =
"<node>\n"
"  <domain type='test'>\n"
"    <name>spi-locked</name><memory unit='MiB'>64</memory>\n"
"    <os><type>hvm</type></os>\n"
"    <devices>\n"
"      <graphics type='spice' port='5921' autoport='no' passwd='locked' passwdValidTo='1970-01-01T00:00:00'>\n"
"        <listen type='address' address='127.0.0.1'/>\n"
"      </graphics>\n"
"    </devices>\n"
"  </domain>\n"
"  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
"    <name>spi-off</name><memory unit='MiB'>64</memory>\n"
"    <os><type>hvm</type></os>\n"
"    <devices>\n"
"      <graphics type='spice' port='5922' autoport='no' passwd='locked' passwdValidTo='1970-01-01T00:00:00'>\n"
"        <listen type='address' address='127.0.0.1'/>\n"
"      </graphics>\n"
"    </devices>\n"
"    <test:runstate>5</test:runstate>\n"
"  </domain>\n"
"  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
"    <name>spi-paused</name><memory unit='MiB'>64</memory>\n"
"    <os><type>hvm</type></os>\n"
"    <devices>\n"
"      <graphics type='spice' port='5925' autoport='no' passwd='locked' passwdValidTo='1970-01-01T00:00:00'/>\n"
"    </devices>\n"
"    <test:runstate>3</test:runstate>\n"
"  </domain>\n"
"  <domain type='test'>\n"
"    <name>spi-open</name><memory unit='MiB'>64</memory>\n"
"    <os><type>hvm</type></os>\n"
"    <devices>\n"
"      <graphics type='spice' port='5923' autoport='no'>\n"
"        <listen type='address' address='127.0.0.1'/>\n"
"      </graphics>\n"
"    </devices>\n"
"  </domain>\n"
"  <domain type='test'>\n"
"    <name>spi-auto</name><memory unit='MiB'>64</memory>\n"
"    <os><type>hvm</type></os>\n"
"    <devices>\n"
"      <graphics type='spice' autoport='yes' passwd='locked'/>\n"
"    </devices>\n"
"  </domain>\n"
"  <domain type='test'>\n"
"    <name>spi-vnc</name><memory unit='MiB'>64</memory>\n"
"    <os><type>hvm</type></os>\n"
"    <devices>\n"
"      <graphics type='vnc' port='5924' autoport='no' passwd='x'/>\n"
"    </devices>\n"
"  </domain>\n"
"</node>\n";

static char *node_uri;

static int
setup_node(void **state)
{
	char *path = unit_write_file("node.xml", node_xml, 0644);

	(void)state;
	if (asprintf(&node_uri, "test://%s", path) < 0)
		return -1;
	free(path);
	return 0;
}

static int
teardown_node(void **state)
{
	(void)state;
	free(node_uri);
	return 0;
}

static void
test_get_spice_reads_secure_xml(void **state)
{
	struct hv *hv = hv_new();
	struct hv_domain *d;
	struct hv_spice sp;
	int err = 1;

	(void)state;
	d = hv_lookup(hv, node_uri, "spi-locked", &err);
	assert_non_null(d);
	assert_int_equal(hv_get_spice(d, &sp), HV_OK);
	assert_true(sp.present);
	assert_int_equal(sp.port, 5921);
	assert_false(sp.autoport);
	assert_string_equal(sp.host, "127.0.0.1");
	assert_true(sp.has_passwd);	/* only visible in secure XML */
	assert_true(sp.passwd_expires);
	assert_int_equal(sp.passwd_valid_to, 0);
	hv_domain_free(d);
	hv_free(hv);
}

static void
test_issue_refusals(void **state)
{
	static const struct {
		const char *name;
		int err;
		const char *why;
	} cases[] = {
		{ "spi-off", HV_ESTATE, "not running" },
		{ "spi-paused", HV_ESTATE, "not running" },
		{ "spi-open", HV_EUNSUPPORTED,
		  "has no SPICE display with ticketing: ask the admin" },
		{ "spi-auto", HV_EUNSUPPORTED,
		  "has no SPICE display with a fixed port: ask the admin" },
		{ "spi-vnc", HV_EUNSUPPORTED,
		  "has no SPICE display: ask the admin" },
		/* the test driver cannot update devices: the live step fails */
		{ "spi-locked", HV_EFAIL, "could not set the SPICE password" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv *hv = hv_new();
		struct hv_domain *d;
		struct spice_ticket t;
		const char *why = NULL;
		int err = 1;

		d = hv_lookup(hv, node_uri, cases[i].name, &err);
		assert_non_null(d);
		memset(&t, 'x', sizeof(t));
		err = spice_issue(d, NULL, cases[i].name, 60, 0, &t, &why);
		if (err != cases[i].err || why == NULL ||
		    strcmp(why, cases[i].why) != 0)
			fail_msg("%s: err %d why '%s'", cases[i].name, err,
			    why != NULL ? why : "(null)");
		/* a refused ticket leaves no password behind */
		for (j = 0; j < sizeof(t.password); j++)
			assert_int_equal(t.password[j], 0);
		hv_domain_free(d);
		hv_free(hv);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_xml_shapes),
		cmocka_unit_test(test_parse_xml_deep_nesting),
		cmocka_unit_test(test_parse_xml_every_truncation),
		cmocka_unit_test(test_password_alphabet_and_length),
		cmocka_unit_test(test_passwords_distinct_and_spread),
		cmocka_unit_test(test_output_formats),
		cmocka_unit_test(test_ticket_clear_wipes_password),
		cmocka_unit_test(test_wait_returns_on_eof),
		cmocka_unit_test(test_release_output_ends_the_pipe_while_holding),
		cmocka_unit_test(test_hold_run_checks_its_fd),
		cmocka_unit_test(test_wait_ignores_data_until_eof),
		cmocka_unit_test(test_wait_returns_on_hangup),
		cmocka_unit_test(test_wait_returns_on_interrupt),
		cmocka_unit_test(test_get_spice_reads_secure_xml),
		cmocka_unit_test(test_issue_refusals),
	};

	return cmocka_run_group_tests(tests, setup_node, teardown_node);
}
