/*
 * test_hypervisor: lookup, states, facts and life-cycle actions through
 * libvirt's test driver (tests/unit/data/node.xml), as libvirt then sees
 * the machines; and how an unreachable daemon is reported.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "vmgate/hypervisor.h"

#define NODE_URI	"test://" TEST_DATA "/node.xml"
#define DEAD_URI	"qemu+unix:///system?socket=/nonexistent/vmgate-sock"
#define RETRY_SLACK_MS	2000	/* how much sooner a retry loop may end */
/* the wait must end: a bound, not a speed goal, so wide enough for a
 * loaded machine */
#define HANG_BOUND_MS	(HV_CONNECT_TIMEOUT_MS + 15000)
/* one state per process, shared by every connection: the test defines
 * machines on its own connection and vmgate acts on them on another */
#define SHARED_URI	"test:///default"

/* a test-driver machine with a CD drive (cdrom: its <disk> element) */
static const char cd_domain_fmt[] =
    "<domain type='test'>"
    "<name>%s</name>"
    "<memory unit='MiB'>64</memory>"
    "<os><type>hvm</type>%s</os>"
    "<devices>"
    "<disk type='file' device='disk'><source file='/var/lib/x/%s.qcow2'/>"
    "<target dev='vda' bus='virtio'/>%s</disk>"
    "%s"
    "<graphics type='spice' port='5949' autoport='no' passwd='locked' "
    "passwdValidTo='1970-01-01T00:00:00'>"
    "<listen type='address' address='127.0.0.1'/></graphics>"
    "</devices></domain>";
#define CD_LOADED	"<disk type='file' device='cdrom'>" \
			"<source file='/srv/media/rescue.iso'/>" \
			"<target dev='hdc' bus='ide'/><readonly/></disk>"
#define CD_EMPTY	"<disk type='file' device='cdrom'>" \
			"<target dev='hdc' bus='ide'/><readonly/></disk>"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct hv_domain *
lookup(struct hv *hv, const char *name)
{
	struct hv_domain *d;
	int err = 1;

	d = hv_lookup(hv, NODE_URI, name, &err);
	assert_non_null(d);
	assert_int_equal(err, HV_OK);
	return d;
}

static enum hv_state
state_of(struct hv_domain *d)
{
	enum hv_state s = HV_STATE_NOSTATE;

	assert_int_equal(hv_get_state(d, &s), HV_OK);
	return s;
}

static void
test_state_names_are_virsh_words(void **state)
{
	static const struct {
		enum hv_state s;
		const char *name;
	} names[] = {
		{ HV_STATE_NOSTATE, "no state" },
		{ HV_STATE_RUNNING, "running" },
		{ HV_STATE_IDLE, "idle" },
		{ HV_STATE_PAUSED, "paused" },
		{ HV_STATE_SHUTDOWN, "in shutdown" },
		{ HV_STATE_SHUTOFF, "shut off" },
		{ HV_STATE_CRASHED, "crashed" },
		{ HV_STATE_PMSUSPENDED, "pmsuspended" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(hv_state_name(names[i].s), names[i].name);
	assert_string_equal(hv_state_name((enum hv_state)99), "no state");
}

static void
test_lookup(void **state)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "web1", HV_OK },
		{ "db1", HV_OK },
		{ "nope", HV_ENOENT },
		{ "WEB1", HV_ENOENT },
		{ "", HV_ENOENT },
		{ "../web1", HV_ENOENT },
		{ "web1 ", HV_ENOENT },
	};
	struct hv *hv = hv_new();
	struct hv_domain *d;
	size_t i;
	int err;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = 1;
		d = hv_lookup(hv, NODE_URI, cases[i].name, &err);
		assert_int_equal(err, cases[i].err);
		assert_true((d != NULL) == (cases[i].err == HV_OK));
		hv_domain_free(d);
	}
	hv_free(hv);
}

/* One connection keeps the test driver's state: each action is seen. */
static void
test_life_cycle(void **state)
{
	static const struct {
		const char *machine;
		int (*act)(struct hv_domain *);
		int err;
		enum hv_state after;
	} steps[] = {
		{ "web1", hv_start, HV_ESTATE, HV_STATE_RUNNING },
		{ "db1", hv_shutdown, HV_ESTATE, HV_STATE_SHUTOFF },
		{ "db1", hv_destroy, HV_ESTATE, HV_STATE_SHUTOFF },
		{ "db1", hv_reset, HV_ESTATE, HV_STATE_SHUTOFF },
		{ "db1", hv_reboot, HV_ESTATE, HV_STATE_SHUTOFF },
		{ "db1", hv_start, HV_OK, HV_STATE_RUNNING },
		{ "db1", hv_start, HV_ESTATE, HV_STATE_RUNNING },
		{ "db1", hv_reset, HV_OK, HV_STATE_RUNNING },
		{ "db1", hv_reboot, HV_OK, HV_STATE_RUNNING },
		{ "db1", hv_destroy, HV_OK, HV_STATE_SHUTOFF },
		{ "db1", hv_destroy, HV_ESTATE, HV_STATE_SHUTOFF },
		{ "web1", hv_shutdown, HV_OK, HV_STATE_SHUTOFF },
		{ "web1", hv_start, HV_OK, HV_STATE_RUNNING },
	};
	struct hv *hv = hv_new();
	struct hv_domain *d;
	size_t i;

	(void)state;
	d = lookup(hv, "db1");
	assert_int_equal(state_of(d), HV_STATE_SHUTOFF);
	hv_domain_free(d);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		print_message("step %zu: %s\n", i, steps[i].machine);
		d = lookup(hv, steps[i].machine);
		assert_int_equal(steps[i].act(d), steps[i].err);
		hv_domain_free(d);
		/* a fresh lookup on the same connection sees the new state */
		d = lookup(hv, steps[i].machine);
		assert_int_equal(state_of(d), steps[i].after);
		hv_domain_free(d);
	}
	hv_free(hv);
}

static void
test_info(void **state)
{
	struct hv *hv = hv_new();
	struct hv_domain *d;
	struct hv_info info;

	(void)state;
	d = lookup(hv, "web1");
	assert_int_equal(hv_get_info(d, &info), HV_OK);
	assert_int_equal(info.state, HV_STATE_RUNNING);
	assert_int_equal(info.vcpus, 2);
	assert_int_equal(info.memory_kib, 512 * 1024);
	assert_int_equal(info.naddrs, 1);
	assert_string_equal(info.addrs[0], "192.168.122.3");
	assert_true(info.spice.present);
	assert_int_equal(info.spice.port, 5901);
	assert_string_equal(info.spice.host, "127.0.0.1");
	hv_domain_free(d);

	/* off: no addresses known, no error either */
	d = lookup(hv, "db1");
	assert_int_equal(hv_get_info(d, &info), HV_OK);
	assert_int_equal(info.state, HV_STATE_SHUTOFF);
	assert_int_equal(info.vcpus, 1);
	assert_int_equal(info.memory_kib, 256 * 1024);
	assert_int_equal(info.naddrs, 0);
	assert_false(info.spice.present);
	hv_domain_free(d);
	hv_free(hv);
}

/* The CD drive as the domain XML shows it; pure. */
static void
test_cdrom_parse(void **state)
{
	static const struct {
		const char *xml;
		int rc;
		bool present, readonly, loaded, is_file;
		const char *path;
	} cases[] = {
		{ "<domain><devices><disk type='file' device='cdrom'>"
		  "<source file='/srv/a.iso'/><readonly/></disk></devices>"
		  "</domain>", 0, true, true, true, true, "/srv/a.iso" },
		/* the first drive counts; a disk is not a drive */
		{ "<domain><devices><disk type='file' device='disk'>"
		  "<source file='/d.img'/></disk>"
		  "<disk type='file' device='cdrom'/>"
		  "<disk type='file' device='cdrom'><source file='/b.iso'/>"
		  "</disk></devices></domain>", 0, true, false, false, false,
		  "" },
		{ "<domain><devices><disk type='block' device='cdrom'>"
		  "<source dev='/dev/sr0'/></disk></devices></domain>", 0,
		  true, false, true, false, "" },
		{ "<domain><devices><disk type='file' device='cdrom'>"
		  "<source startupPolicy='optional'/></disk></devices>"
		  "</domain>", 0, true, false, false, false, "" },
		/* an escaped path comes back as the file's name */
		{ "<domain><devices><disk type='file' device='cdrom'>"
		  "<source file='/srv/a&amp;b.iso'/></disk></devices>"
		  "</domain>", 0, true, false, true, true, "/srv/a&b.iso" },
		/* only under devices */
		{ "<domain><metadata><disk type='file' device='cdrom'>"
		  "<source file='/x.iso'/></disk></metadata></domain>", 0,
		  false, false, false, false, "" },
		{ "<domain><devices/></domain>", 0, false, false, false, false,
		  "" },
		{ "<domain><devices>", -1, false, false, false, false, "" },
		{ "<node/>", -1, false, false, false, false, "" },
		{ "", -1, false, false, false, false, "" },
		/* libvirt never writes a DTD */
		{ "<!DOCTYPE domain><domain><devices><disk type='file' "
		  "device='cdrom'/></devices></domain>", -1, false, false,
		  false, false, "" },
	};
	struct hv_cdrom cd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(hv_cdrom_parse_xml(cases[i].xml, &cd),
		    cases[i].rc);
		assert_int_equal(cd.present, cases[i].present);
		assert_int_equal(cd.readonly, cases[i].readonly);
		assert_int_equal(cd.loaded, cases[i].loaded);
		assert_int_equal(cd.is_file, cases[i].is_file);
		assert_string_equal(cd.path, cases[i].path);
	}
}

/* the value of key=… (either quote) inside the tag at p, or NULL */
static const char *
tag_value(const char *p, const char *key, int *len)
{
	const char *end = strchr(p, '>'), *v = strstr(p, key);

	if (v == NULL || v > end)
		return NULL;
	v += strlen(key) + 1;
	*len = (int)strcspn(v, "'\"");
	return v;
}

/* The order of the boot devices libvirt would read from text. */
static void
boot_devs(const char *xml, char *out, size_t len)
{
	const char *p = xml, *v;
	size_t n = 0;
	int vl;

	out[0] = '\0';
	while ((p = strstr(p, "<boot ")) != NULL) {
		if ((v = tag_value(p, "dev=", &vl)) != NULL)
			n += (size_t)snprintf(out + n, len - n, "%.*s ", vl, v);
		else if ((v = tag_value(p, "order=", &vl)) != NULL)
			n += (size_t)snprintf(out + n, len - n, "#%.*s ", vl,
			    v);
		p = strchr(p, '>');
	}
}

/* Only the boot order changes, whichever way the definition states it. */
static void
test_boot_cdrom_xml(void **state)
{
	static const struct {
		const char *os;		/* inside <os> */
		const char *disk_boot;	/* inside the disk */
		const char *cd;		/* the drive */
		int rc;
		const char *want;	/* boot_devs of the result */
	} cases[] = {
		{ "<boot dev='hd'/>", "", CD_LOADED, HV_OK, "cdrom hd " },
		{ "", "", CD_LOADED, HV_OK, "cdrom hd " },
		{ "<boot dev='network'/><boot dev='cdrom'/><boot dev='hd'/>",
		  "", CD_LOADED, HV_OK, "cdrom network hd " },
		/* per-device orders: the drive 1, the others one later */
		{ "", "<boot order='1'/>", "<disk type='file' device='cdrom'>"
		  "<source file='/srv/a.iso'/><target dev='hdc'/>"
		  "<boot order='2'/></disk>", HV_OK, "#2 #1 " },
		{ "", "<boot order='1'/>", CD_EMPTY, HV_OK, "#2 #1 " },
		{ "<boot dev='hd'/>", "", "", HV_ENODRIVE, "" },
	};
	char *xml = NULL, *out = NULL, devs[128], name[32];
	struct hv_cdrom cd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		snprintf(name, sizeof(name), "m%zu", i);
		assert_true(asprintf(&xml, cd_domain_fmt, name, cases[i].os,
		    name, cases[i].disk_boot, cases[i].cd) > 0);
		assert_int_equal(hv_boot_cdrom_xml(xml, &out, &cd),
		    cases[i].rc);
		if (cases[i].rc == HV_OK) {
			boot_devs(out, devs, sizeof(devs));
			assert_string_equal(devs, cases[i].want);
			assert_true(cd.present);
			/* the rest is kept, the display's password too */
			assert_non_null(strstr(out, "passwd=\"locked\""));
			assert_non_null(strstr(out, "<name>m"));
			assert_non_null(strstr(out, "vda"));
		} else
			assert_null(out);
		free(out);
		out = NULL;
		free(xml);
	}
	assert_int_equal(hv_boot_cdrom_xml("<domain>", &out, &cd), HV_EFAIL);
	assert_null(out);
}

static void
define_cd_machine(virConnectPtr conn, const char *name, const char *os,
    const char *cd)
{
	virDomainPtr d;
	char *xml = NULL;

	assert_true(asprintf(&xml, cd_domain_fmt, name, os, name, "", cd) > 0);
	d = virDomainDefineXML(conn, xml);
	assert_non_null(d);
	virDomainFree(d);
	free(xml);
}

static char *
dump(virConnectPtr conn, const char *name, unsigned flags)
{
	virDomainPtr d = virDomainLookupByName(conn, name);
	char *xml;

	assert_non_null(d);
	xml = virDomainGetXMLDesc(d, flags);
	assert_non_null(xml);
	virDomainFree(d);
	return xml;
}

/* Booted once from the CD: live CD first, the saved definition as it was. */
static void
test_start_cdrom(void **state)
{
	virConnectPtr conn = virConnectOpen(SHARED_URI);
	struct hv *hv = hv_new();
	struct hv_domain *d;
	struct hv_cdrom cd;
	struct hv_definition def;
	struct hv_info info;
	char *before, *after, *live, devs[128];
	int err;

	(void)state;
	assert_non_null(conn);
	define_cd_machine(conn, "inst1", "<boot dev='hd'/>", CD_LOADED);
	define_cd_machine(conn, "empty1", "<boot dev='hd'/>", CD_EMPTY);
	define_cd_machine(conn, "nocd1", "<boot dev='hd'/>", "");
	before = dump(conn, "inst1", VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE);

	d = hv_lookup(hv, SHARED_URI, "inst1", &err);
	assert_non_null(d);
	assert_int_equal(hv_start_cdrom(d, &cd), HV_OK);
	assert_true(cd.loaded);
	assert_string_equal(cd.path, "/srv/media/rescue.iso");
	live = dump(conn, "inst1", 0);
	boot_devs(live, devs, sizeof(devs));
	assert_string_equal(devs, "cdrom hd ");
	after = dump(conn, "inst1", VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE);
	assert_string_equal(before, after);
	/* running now: a second boot from the CD is a wrong state */
	assert_int_equal(hv_start_cdrom(d, &cd), HV_ESTATE);
	assert_int_equal(hv_destroy(d), HV_OK);
	hv_domain_free(d);
	free(live);
	free(after);

	/* off again: a cold start boots as before */
	d = hv_lookup(hv, SHARED_URI, "inst1", &err);
	assert_int_equal(hv_start(d), HV_OK);
	live = dump(conn, "inst1", 0);
	boot_devs(live, devs, sizeof(devs));
	assert_string_equal(devs, "hd ");
	assert_int_equal(hv_destroy(d), HV_OK);
	hv_domain_free(d);
	free(live);

	d = hv_lookup(hv, SHARED_URI, "empty1", &err);
	assert_int_equal(hv_start_cdrom(d, &cd), HV_EEMPTY);
	assert_true(cd.present);
	assert_int_equal(state_of(d), HV_STATE_SHUTOFF);
	hv_domain_free(d);
	d = hv_lookup(hv, SHARED_URI, "nocd1", &err);
	assert_int_equal(hv_start_cdrom(d, &cd), HV_ENODRIVE);
	assert_false(cd.present);
	assert_int_equal(state_of(d), HV_STATE_SHUTOFF);
	/* the drive as audit reads it */
	assert_int_equal(hv_get_definition(d, &def), HV_OK);
	assert_false(def.cdrom.present);
	hv_domain_free(d);
	d = hv_lookup(hv, SHARED_URI, "inst1", &err);
	assert_int_equal(hv_get_definition(d, &def), HV_OK);
	assert_true(def.cdrom.present && def.cdrom.readonly &&
	    def.cdrom.loaded);
	assert_string_equal(def.cdrom.path, "/srv/media/rescue.iso");
	/* the display from the same document */
	assert_int_equal(def.spice_rc, HV_OK);
	assert_true(def.spice.present);
	/* status reads the drive and the display from one document */
	assert_int_equal(hv_get_info(d, &info), HV_OK);
	assert_true(info.cdrom.present && info.cdrom.loaded);
	assert_string_equal(info.cdrom.path, "/srv/media/rescue.iso");
	assert_true(info.spice.present);
	assert_int_equal(info.spice.port, 5949);
	assert_string_equal(info.spice.host, "127.0.0.1");
	assert_false(info.spice.has_passwd);	/* status never asks for it */
	hv_domain_free(d);

	free(before);
	hv_free(hv);
	virConnectClose(conn);
}

static void
test_connect_needs_an_explicit_uri(void **state)
{
	struct hv *hv = hv_new();
	int err = 1;

	(void)state;
	/* whatever LIBVIRT_DEFAULT_URI says, no URI means no connection */
	setenv("LIBVIRT_DEFAULT_URI", NODE_URI, 1);
	assert_int_equal(hv_connect(hv, NULL), HV_EUNREACHABLE);
	assert_int_equal(hv_connect(hv, ""), HV_EUNREACHABLE);
	assert_null(hv_lookup(hv, NULL, "web1", &err));
	assert_int_equal(err, HV_EUNREACHABLE);
	unsetenv("LIBVIRT_DEFAULT_URI");
	hv_free(hv);
}

static void
test_unreachable_daemon_retried_then_reported(void **state)
{
	struct hv *hv = hv_new();
	long long t0, elapsed;
	char *stray_path = unit_write_file("stderr", "", 0600);
	int fd, saved;
	struct stat st;

	(void)state;
	fd = open(stray_path, O_WRONLY | O_APPEND);
	saved = dup(STDERR_FILENO);
	assert_true(fd >= 0 && saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);

	t0 = now_ms();
	assert_int_equal(hv_connect(hv, DEAD_URI), HV_EUNREACHABLE);
	elapsed = now_ms() - t0;

	/* a URI libvirt refuses by itself (an unknown transport) will not
	 * get better: no retry, whether or not a daemon runs */
	t0 = now_ms();
	assert_int_equal(hv_connect(hv, "qemu+nosuch:///system"), HV_EUNREACHABLE);

	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(fd);
	assert_true(now_ms() - t0 < HV_CONNECT_TIMEOUT_MS);
	assert_true(elapsed >= HV_CONNECT_TIMEOUT_MS);
	assert_true(elapsed < HANG_BOUND_MS);
	/* libvirt's text is kept for the log, never printed */
	assert_true(strlen(hv_last_error(hv)) > 0);
	assert_int_equal(stat(stray_path, &st), 0);
	assert_int_equal(st.st_size, 0);
	free(stray_path);
	hv_free(hv);
}

/*
 * A host that takes the TCP connection and then never answers (a hung
 * daemon, a half-open firewall) holds libvirt's open for as long as the
 * socket lives; vmgate stops waiting at the end of the retry window. The
 * alarm only turns a hang into a failure.
 */
static void
test_silent_host_costs_the_retry_window(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct hv *hv = hv_new();
	char uri[64];
	long long t0, elapsed;
	int fd;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);	/* the kernel accepts; we never */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(uri, sizeof(uri), "qemu+tcp://127.0.0.1:%d/system",
	    ntohs(sa.sin_port));
	alarm(HV_CONNECT_TIMEOUT_MS / 1000 + 60);
	t0 = now_ms();
	assert_int_equal(hv_connect(hv, uri), HV_EUNREACHABLE);
	elapsed = now_ms() - t0;
	alarm(0);
	assert_true(elapsed >= HV_CONNECT_TIMEOUT_MS - RETRY_SLACK_MS);
	assert_true(elapsed < HANG_BOUND_MS);
	assert_string_equal(hv_last_error(hv),
	    "no answer within the retry window");
	close(fd);
	hv_free(hv);
}

/* Interfaces and their filters, as a domain XML states them. */
static void
test_nics_parse(void **state)
{
	static const char two[] =
	    "<domain type='kvm'><name>a</name><devices>"
	    "<interface type='network'><source network='n'/>"
	    "<mac address='52:54:00:aa:bb:01'/>"
	    "<filterref filter='vmgate-clean-traffic'>"
	    "<parameter name='IP' value='198.51.100.10'/>"
	    "<parameter name='CTRL_IP_LEARNING' value='none'/>"
	    "<parameter name='IPV6' value='2001:db8::10'/>"
	    "<parameter name='IP' value='198.51.100.11'/>"
	    "</filterref></interface>"
	    "<interface type='bridge'><mac address=\"52:54:00:aa:bb:02\"/>"
	    "</interface></devices>"
	    /* not a device: never counted */
	    "<metadata><interface><mac address='00:00:00:00:00:09'/>"
	    "</interface></metadata></domain>";
	static const char *const bad[] = {
		"",
		"<domain><devices><interface>",		/* cut off */
		"<domain><devices><interface><mac address='52:54:00:aa:bb:"
		    "01:52:54:00:aa:bb:01:52:54:00'/></interface></devices>"
		    "</domain>",			/* too long */
		"<domain><devices><interface><mac address='52:54:00:aa:"
		    "&#x9b;2J'/></interface></devices></domain>", /* C1 CSI */
		"<domain><devices><interface><mac address='52:54:00:aa:bb:"
		    "0g'/></interface></devices></domain>",	/* not hex */
		"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
		    "<domain><devices><interface><mac address='&e;'/>"
		    "</interface></devices></domain>",	/* entity: not text */
		"<network><devices><interface><mac address='52:54:00:aa:bb:"
		    "01'/></interface></devices></network>",	/* not a domain */
		NULL
	};
	struct hv_nics nics;
	size_t i;

	(void)state;
	assert_int_equal(hv_nics_parse_xml(two, &nics), 0);
	assert_int_equal(nics.n, 2);
	assert_string_equal(nics.nic[0].mac, "52:54:00:aa:bb:01");
	assert_string_equal(nics.nic[0].filter, "vmgate-clean-traffic");
	assert_int_equal(nics.nic[0].nip, 2);
	assert_string_equal(nics.nic[0].ip[0], "198.51.100.10");
	assert_string_equal(nics.nic[0].ip[1], "198.51.100.11");
	assert_int_equal(nics.nic[0].nipv6, 1);
	assert_string_equal(nics.nic[0].ipv6[0], "2001:db8::10");
	assert_string_equal(nics.nic[1].mac, "52:54:00:aa:bb:02");
	assert_string_equal(nics.nic[1].filter, "");
	assert_int_equal(nics.nic[1].nip + nics.nic[1].nipv6, 0);

	assert_int_equal(hv_nics_parse_xml("<domain><devices/></domain>",
	    &nics), 0);
	assert_int_equal(nics.n, 0);
	for (i = 0; bad[i] != NULL; i++) {
		if (hv_nics_parse_xml(bad[i], &nics) != -1 || nics.n != 0)
			fail_msg("accepted: %s", bad[i]);
	}
}

/* status's facts carry the interfaces of the definition */
/* the console the console verb opens: the first <console>, a pty */
static void
test_console_parse(void **state)
{
	static const struct {
		const char *xml;
		int rc;
		bool has;
	} cases[] = {
		{ "<domain><devices><serial type='pty'><target port='0'/>"
		  "</serial><console type='pty'><target type='serial' "
		  "port='0'/></console></devices></domain>", 0, true },
		/* libvirt writes the <console> for a serial one: none here */
		{ "<domain><devices><serial type='pty'/></devices></domain>",
		  0, false },
		{ "<domain><devices><console type='file'/></devices></domain>",
		  0, false },
		{ "<domain><devices><console type='file'/><console "
		  "type='pty'/></devices></domain>", 0, false },
		{ "<domain><devices/></domain>", 0, false },
		{ "<domain><console type='pty'/></domain>", 0, false },
		{ "<domain><devices><console type='pty'>", -1, false },
		{ "<!DOCTYPE domain><domain><devices><console type='pty'/>"
		  "</devices></domain>", -1, false },
		{ "", -1, false },
	};
	size_t i;
	bool has;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		has = !cases[i].has;
		assert_int_equal(hv_console_parse_xml(cases[i].xml, &has),
		    cases[i].rc);
		assert_int_equal(has, cases[i].has);
	}
}

static void
test_info_nics(void **state)
{
	struct hv *hv = hv_new();
	struct hv_domain *d;
	struct hv_info info;
	struct hv_definition def;

	(void)state;
	d = lookup(hv, "web1");
	assert_int_equal(hv_get_info(d, &info), HV_OK);
	assert_int_equal(info.nics.n, 1);
	assert_string_equal(info.nics.nic[0].mac, "52:54:00:00:00:01");
	/* audit's one read of the definition sees the same interface */
	assert_int_equal(hv_get_definition(d, &def), HV_OK);
	assert_int_equal(def.nics_rc, 0);
	assert_int_equal(def.nics.n, 1);
	assert_string_equal(def.nics.nic[0].mac, "52:54:00:00:00:01");
	hv_domain_free(d);
	d = lookup(hv, "db1");
	assert_int_equal(hv_get_definition(d, &def), HV_OK);
	assert_int_equal(def.nics_rc, 0);
	assert_int_equal(def.nics.n, 0);
	hv_domain_free(d);
	hv_free(hv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names_are_virsh_words),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_life_cycle),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_nics_parse),
		cmocka_unit_test(test_info_nics),
		cmocka_unit_test(test_console_parse),
		cmocka_unit_test(test_cdrom_parse),
		cmocka_unit_test(test_boot_cdrom_xml),
		cmocka_unit_test(test_start_cdrom),
		cmocka_unit_test(test_connect_needs_an_explicit_uri),
		cmocka_unit_test(test_unreachable_daemon_retried_then_reported),
		cmocka_unit_test(test_silent_host_costs_the_retry_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
