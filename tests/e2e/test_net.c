/*
 * test_net: network identity and anti-spoofing on the real stack. Two
 * real Linux guests (tests/e2e/linux-guest.sh) on an isolated libvirt
 * network, their interfaces filtered by contrib/nwfilter's
 * vmgate-clean-traffic with the addresses the config assigns; a private
 * sshd on 127.0.0.1:2250 configured by `vmgate sshd-config`, a tenant
 * account, and OpenSSH's own client on a pseudo-terminal. Everything the
 * guests do is typed into their shells through `ssh -tt ... console VM`,
 * as a tenant would, and judged by what the guest prints back.
 *
 * With the filter a guest reaches the host from its assigned IPv4 and
 * IPv6 addresses and not from a spoofed IPv4, IPv6 or MAC; its DHCP
 * server's offers and its router advertisements (tests/e2e/ra_send.c)
 * never reach the other guest. Then the same guests without the filter:
 * the same spoofing reaches the host, the DHCP offer arrives and the
 * other guest takes an address from the advertised prefix, so the checks
 * above can fail.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define SSHD_PORT	"2250"
#define LIBEXEC		"/usr/local/libexec/vmgate-e2e-net"
#define VMGATE		LIBEXEC "/vmgate"
#define CONFIG		LIBEXEC "/vmgate.ini"
#define KEYS		LIBEXEC "/keys"
#define TENANT		"netalice"
#define TENANTS_GROUP	"net-tenants"
#define NETWORK		"vmgate-e2e-net"
#define BRIDGE		"virbr-e2enet"
#define FILTER		"vmgate-clean-traffic"
#define FILTER_XML	E2E_DIR "/../../contrib/nwfilter/" FILTER ".xml"

#define HOST4		"198.51.100.1"
#define HOST6		"2001:db8:e2f3:e12d::1"
#define SPOOF4		"198.51.100.99"
#define SPOOF6		"2001:db8:e2f3:e12d::99"
#define SPOOF_MAC	"52:54:00:e2:f3:99"
#define POOL_FIRST	"198.51.100.100"
#define RA_PREFIX	"2001:db8:e2f3:bad::"	/* a rogue router's */

#define LOCK_MS		600000	/* another run of this suite may be going */
#define ATTACH_MS	20000	/* ssh login to the console's banner */
#define PROMPT_MS	10000	/* a shell prompt after Enter */
#define CMD_MS		30000	/* one command in the guest (TCG is slow) */
#define SSHD_MS		10000

struct guest {
	const char *name;
	const char *mac;
	const char *ipv4;
	const char *ipv6;
	struct e2e_pty con;	/* ssh -tt ... console NAME */
	bool attached;
};

static struct guest g1 = {
	"net-g1", "52:54:00:e2:f3:01", "198.51.100.10",
	"2001:db8:e2f3:e12d::10", { .pid = -1, .master = -1 }, false
};
static struct guest g2 = {
	"net-g2", "52:54:00:e2:f3:02", "198.51.100.20",
	"2001:db8:e2f3:e12d::20", { .pid = -1, .master = -1 }, false
};

static char *work;
static char *ra_send;		/* tests/e2e/ra_send.c, built static */
static int lock_fd = -1;
static pid_t sshd_pid = -1;
static bool filtered;		/* the guests as booted now */
static int seq;			/* command markers */

static const char *const path_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

/* one of our own commands (never tenant input), argv without a shell;
 * its exit code, -1 when it could not run */
static int
cmd(const char *const argv[])
{
	struct e2e_result r;
	int st;

	if (e2e_run(argv, path_env, NULL, E2E_TIMEOUT_MS, &r) != 0)
		st = -1;
	else
		st = r.status;
	if (st != 0)
		fprintf(stderr, "test_net: %s failed (%d): %s%s\n", argv[0], st,
		    r.out, r.err);
	e2e_result_free(&r);
	return st;
}

static void
remove_account(void)
{
	const char *const del[] = { "/usr/sbin/userdel", TENANT, NULL };
	const char *const gdel[] = { "/usr/sbin/groupdel", TENANTS_GROUP,
	    NULL };
	struct e2e_result r;

	/* either may be absent: not an error */
	e2e_run(del, path_env, NULL, E2E_TIMEOUT_MS, &r);
	e2e_result_free(&r);
	e2e_run(gdel, path_env, NULL, E2E_TIMEOUT_MS, &r);
	e2e_result_free(&r);
}

static int
add_account(void)
{
	const char *const gadd[] = { "/usr/sbin/groupadd", TENANTS_GROUP,
	    NULL };
	const char *const add[] = { "/usr/sbin/useradd", "-M", "-d", "/",
	    "-s", "/bin/sh", "-G", "libvirt," TENANTS_GROUP, TENANT, NULL };
	/* sshd refuses a locked account ('!') even for keys */
	const char *const unlock[] = { "/usr/sbin/usermod", "-p", "*",
	    TENANT, NULL };

	remove_account();
	return cmd(gadd) == 0 && cmd(add) == 0 && cmd(unlock) == 0 ? 0 : -1;
}

/* vmgate and its config where sshd accepts an AuthorizedKeysCommand */
static int
install_vmgate(const char *pub)
{
	const char *const mkd[] = { "/usr/bin/install", "-d", "-m", "0755",
	    "-o", "root", "-g", "root", LIBEXEC, KEYS, NULL };
	const char *const bin[] = { "/usr/bin/install", "-m", "0755", "-o",
	    "root", "-g", "root", E2E_VMGATE, VMGATE, NULL };
	const char *const key[] = { "/usr/bin/install", "-m", "0644", pub,
	    KEYS "/" TENANT ".pub", NULL };
	static const char config[] =
	    "[vmgate]\n"
	    "uri = qemu:///system\n"
	    "keys = " KEYS "\n"
	    "tenant_group = " TENANTS_GROUP "\n"
	    "\n"
	    "[tenant " TENANT "]\n"
	    "domains = net-g1 net-g2\n"
	    "\n"
	    "[domain net-g1]\n"
	    "ipv4 = 198.51.100.10\n"
	    "ipv6 = 2001:db8:e2f3:e12d::10\n"
	    "\n"
	    "[domain net-g2]\n"
	    "ipv4 = 198.51.100.20\n"
	    "ipv6 = 2001:db8:e2f3:e12d::20\n";
	char *p;

	if (cmd(mkd) != 0 || cmd(bin) != 0 || cmd(key) != 0)
		return -1;
	if ((p = e2e_write_file(LIBEXEC, "vmgate.ini", config, 0644)) == NULL)
		return -1;
	free(p);
	return 0;
}

/* sshd_config: our listener, then what `vmgate sshd-config` prints */
static int
write_sshd_config(void)
{
	const char *const argv[] = { VMGATE, "-f", CONFIG, "sshd-config",
	    "--per-user", NULL };
	struct e2e_result r;
	char *text = NULL, *p;
	int rc = -1;

	if (e2e_run(argv, path_env, NULL, E2E_TIMEOUT_MS, &r) != 0 ||
	    r.status != 0) {
		fprintf(stderr, "test_net: sshd-config: %s%s\n", r.out, r.err);
		goto out;
	}
	if (asprintf(&text, "Port " SSHD_PORT "\nListenAddress 127.0.0.1\n"
	    "HostKey %s/hostkey\nPidFile %s/sshd.pid\nLogLevel VERBOSE\n"
	    "PermitRootLogin no\nAllowUsers " TENANT "\n"
	    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
	    "%s", work, work, r.out) < 0)
		goto out;
	if ((p = e2e_write_file(work, "sshd_config", text, 0644)) != NULL)
		rc = 0;
	free(p);
 out:
	free(text);
	e2e_result_free(&r);
	return rc;
}

static int
start_sshd(void)
{
	char conf[512], log[512];
	const char *const test[] = { "/usr/sbin/sshd", "-t", "-f", conf,
	    NULL };
	long long deadline = e2e_now_ms() + SSHD_MS;

	snprintf(conf, sizeof(conf), "%s/sshd_config", work);
	snprintf(log, sizeof(log), "%s/sshd.log", work);
	mkdir("/run/sshd", 0755);
	if (cmd(test) != 0)
		return -1;
	if ((sshd_pid = fork()) < 0)
		return -1;
	if (sshd_pid == 0) {
		execle("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", conf,
		    "-E", log, (char *)NULL, path_env);
		_exit(127);
	}
	/* ready once a client gets its banner */
	while (e2e_now_ms() < deadline) {
		const char *const probe[] = { "/usr/bin/ssh-keyscan", "-p",
		    SSHD_PORT, "127.0.0.1", NULL };
		struct e2e_result r;
		bool up;

		e2e_run(probe, path_env, NULL, 2000, &r);
		up = strstr(r.out, "ssh-ed25519") != NULL;
		e2e_result_free(&r);
		if (up)
			return 0;
		usleep(100 * 1000);
	}
	return -1;
}

static void
stop_sshd(void)
{
	if (sshd_pid > 0) {
		kill(sshd_pid, SIGTERM);
		waitpid(sshd_pid, NULL, 0);
		sshd_pid = -1;
	}
}

/* ssh -tt, as a tenant logs in; request is what vmgate gets */
static void
ssh_argv(const char *argv[20], char *key, size_t keylen, const char *request)
{
	size_t i = 0;

	snprintf(key, keylen, "%s/key", work);
	argv[i++] = "/usr/bin/ssh";
	argv[i++] = "-tt";
	argv[i++] = "-F";
	argv[i++] = "/dev/null";
	argv[i++] = "-i";
	argv[i++] = key;
	argv[i++] = "-p";
	argv[i++] = SSHD_PORT;
	argv[i++] = "-o";
	argv[i++] = "StrictHostKeyChecking=no";
	argv[i++] = "-o";
	argv[i++] = "UserKnownHostsFile=/dev/null";
	argv[i++] = "-o";
	argv[i++] = "LogLevel=ERROR";
	argv[i++] = TENANT "@127.0.0.1";
	argv[i++] = request;
	argv[i] = NULL;
}

static const char *const client_env[] = {
	"PATH=/usr/bin:/bin", "TERM=vt100", "HOME=/root", NULL
};

/* boot both guests, with or without the filter, and wait for /init */
static int
boot_guests(bool with_filter)
{
	struct guest *gs[] = { &g1, &g2 };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct e2e_linux_guest def = {
			.name = gs[i]->name,
			.banner = "net",
			.network = NETWORK,
			.mac = gs[i]->mac,
			.filter = with_filter ? FILTER : NULL,
			.filter_ip = with_filter ? gs[i]->ipv4 : NULL,
			.filter_ipv6 = with_filter ? gs[i]->ipv6 : NULL,
			.bins = ra_send,
		};

		if (gs[i]->attached) {
			e2e_pty_free(&gs[i]->con);
			gs[i]->attached = false;
		}
		if (e2e_linux_guest(&def) != 0)
			return -1;
	}
	for (i = 0; i < 2; i++)
		if (e2e_serial_log_wait(gs[i]->name, "vmgate-guest: net ready",
		    E2E_LINUX_READY_MS) != 0) {
			fprintf(stderr, "test_net: %s did not boot\n",
			    gs[i]->name);
			return -1;
		}
	filtered = with_filter;
	return 0;
}

/* the guest's shell through vmgate's console over sshd */
static struct e2e_pty *
console(struct guest *g)
{
	const char *argv[20];
	char key[512], request[64];

	if (g->attached)
		return &g->con;
	snprintf(request, sizeof(request), "console %s", g->name);
	ssh_argv(argv, key, sizeof(key), request);
	assert_int_equal(e2e_pty_spawn(&g->con, argv, client_env), 0);
	g->attached = true;
	if (e2e_pty_expect(&g->con, "Connected to ", ATTACH_MS) != 0)
		fail_msg("no console for %s:\n%s", g->name, g->con.buf);
	assert_int_equal(e2e_pty_write(&g->con, "\r", 1), 0);
	if (e2e_pty_expect(&g->con, "guest# ", PROMPT_MS) != 0)
		fail_msg("no prompt on %s:\n%s", g->name, g->con.buf);
	return &g->con;
}

/*
 * Type line into g's shell; the exit code it had (the marker "@@N@@" the
 * shell prints after it, never the echo of the typed line, in which $rc
 * is not yet expanded), -1 on timeout.
 */
static int
guest_run(struct guest *g, const char *line, int timeout_ms)
{
	struct e2e_pty *p = console(g);
	long long deadline = e2e_now_ms() + timeout_ms;
	char *text = NULL, mark[32];
	size_t from = p->len;
	int n;

	n = ++seq;
	snprintf(mark, sizeof(mark), "@@%d@@", n);
	if (asprintf(&text, "%s; rc=$?; echo @@%d@@$rc\r", line, n) < 0)
		abort();
	assert_int_equal(e2e_pty_write(p, text, strlen(text)), 0);
	free(text);
	for (;;) {
		const char *hit = p->buf + from, *end = p->buf + p->len;

		/* memmem: a guest may print NUL bytes */
		while ((hit = memmem(hit, (size_t)(end - hit), mark,
		    strlen(mark))) != NULL) {
			hit += strlen(mark);
			if (hit < end && *hit >= '0' && *hit <= '9') {
				p->seen = (size_t)(hit - p->buf);
				return atoi(hit);
			}
		}
		if (e2e_now_ms() >= deadline)
			break;
		e2e_pty_drain(p, 100);
	}
	fprintf(stderr, "test_net: %s: no answer to: %s\n%s\n", g->name, line,
	    p->buf + from);
	return -1;
}

/*
 * IPv6 as the admin assigns it, nothing else: no duplicate address
 * detection (the address is usable at once) and no address made up from
 * the network's router advertisements (which the filter would drop, and
 * which the guest might pick as the source).
 */
static void
guest_prepare(struct guest *g)
{
	static const char line[] =
	    "ok=0; for k in accept_dad autoconf accept_ra; do "
	    "echo 0 > /proc/sys/net/ipv6/conf/default/$k && "
	    "echo 0 > /proc/sys/net/ipv6/conf/eth0/$k || ok=1; done; "
	    "[ $ok = 0 ]";

	if (guest_run(g, line, CMD_MS) != 0)
		fail_msg("%s: could not set up IPv6", g->name);
}

/* eth0 with this MAC and addresses (any earlier ones gone), up */
static void
guest_net(struct guest *g, const char *mac, const char *v4, const char *v6)
{
	char *line;

	if (asprintf(&line, "ip link set eth0 down && ip addr flush dev eth0 "
	    "&& ip link set eth0 address %s && ip addr add %s/24 dev eth0 && "
	    "ip addr add %s/64 dev eth0 && ip link set eth0 up", mac, v4,
	    v6) < 0)
		abort();
	if (guest_run(g, line, CMD_MS) != 0)
		fail_msg("%s: could not set up eth0: %s", g->name, line);
	free(line);
}

/* 0 when the guest gets an answer from the host at addr */
static int
guest_ping(struct guest *g, const char *addr)
{
	char line[128];

	snprintf(line, sizeof(line), "ping -c 2 -W 4 %s >/dev/null 2>&1",
	    addr);
	return guest_run(g, line, CMD_MS);
}

static int
group_setup(void **state)
{
	const char *const define_filter[] = { "/usr/bin/virsh", "-c",
	    E2E_URI, "nwfilter-define", FILTER_XML, NULL };
	const char *keygen[] = { "/usr/bin/ssh-keygen", "-q", "-t", "ed25519",
	    "-N", "", "-f", NULL, NULL };
	char key[512], hostkey[512], pub[512];

	(void)state;
	if (!e2e_need_root("test_net"))
		return 0;
	if ((lock_fd = e2e_lock("test_net", LOCK_MS)) < 0)
		return -1;
	if (e2e_stack_up() != 0)
		return -1;
	work = e2e_tmpdir("net");
	chmod(work, 0755);
	snprintf(key, sizeof(key), "%s/key", work);
	snprintf(hostkey, sizeof(hostkey), "%s/hostkey", work);
	snprintf(pub, sizeof(pub), "%s/key.pub", work);
	keygen[7] = key;
	if (cmd(keygen) != 0)
		return -1;
	keygen[7] = hostkey;
	if (cmd(keygen) != 0)
		return -1;
	if (asprintf(&ra_send, "%s/ra_send", work) < 0)
		return -1;
	{
		const char *const cc[] = { "/usr/bin/cc", "-static", "-O2",
		    "-o", ra_send, E2E_DIR "/ra_send.c", NULL };

		if (cmd(cc) != 0)
			return -1;
	}
	/* as the README defines it; every guest sees every other, so the
	 * drops are the filter's */
	if (cmd(define_filter) != 0 ||
	    e2e_network(NETWORK, BRIDGE, HOST4, HOST6) != 0)
		return -1;
	if (install_vmgate(pub) != 0 || add_account() != 0 ||
	    write_sshd_config() != 0 || start_sshd() != 0) {
		fprintf(stderr, "test_net: sshd did not start\n");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return boot_guests(true);
}

static int
group_teardown(void **state)
{
	const char *const rm[] = { "/bin/rm", "-rf", LIBEXEC, NULL };

	(void)state;
	if (geteuid() != 0)
		return 0;
	if (g1.attached)
		e2e_pty_free(&g1.con);
	if (g2.attached)
		e2e_pty_free(&g2.con);
	stop_sshd();
	remove_account();
	e2e_rmguest(g1.name);
	e2e_rmguest(g2.name);
	e2e_rmnetwork(NETWORK);
	e2e_nwfilter_undefine(FILTER);
	cmd(rm);
	e2e_rmtree(work);
	free(work);
	free(ra_send);
	e2e_unlock(lock_fd);
	return 0;
}

static void
skip_unless_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* A shell on the console answers like a shell. */
static void
test_console_interactive(void **state)
{
	struct e2e_pty *p;

	(void)state;
	skip_unless_root();
	p = console(&g1);
	assert_int_equal(e2e_pty_write(p, "echo $((6*7))\r", 14), 0);
	/* the echo of the line shows $((6*7)); only the shell says 42 */
	if (e2e_pty_expect(p, "\n42\r", PROMPT_MS) != 0)
		fail_msg("no 42:\n%s", p->buf);
}

/* status shows the interface's MAC and what the config assigns */
static void
test_status_shows_assigned_addresses(void **state)
{
	const char *argv[20];
	char key[512];
	struct e2e_result r;

	(void)state;
	skip_unless_root();
	ssh_argv(argv, key, sizeof(key), "status net-g1");
	argv[1] = "-T";
	assert_int_equal(e2e_run(argv, client_env, NULL, E2E_TIMEOUT_MS, &r),
	    0);
	assert_int_equal(r.status, 0);
	if (strstr(r.out, "\nmac: 52:54:00:e2:f3:01\nipv4: 198.51.100.10\n"
	    "ipv6: 2001:db8:e2f3:e12d::10\n") == NULL)
		fail_msg("status:\n%s%s", r.out, r.err);
	e2e_result_free(&r);

	ssh_argv(argv, key, sizeof(key), "status net-g2 --json");
	argv[1] = "-T";
	assert_int_equal(e2e_run(argv, client_env, NULL, E2E_TIMEOUT_MS, &r),
	    0);
	assert_int_equal(r.status, 0);
	if (strstr(r.out, "\"interfaces\":[{\"mac\":\"52:54:00:e2:f3:02\","
	    "\"ipv4\":\"198.51.100.20\",\"ipv6\":\"2001:db8:e2f3:e12d::20\"}]")
	    == NULL)
		fail_msg("status --json:\n%s%s", r.out, r.err);
	e2e_result_free(&r);
}

/* audit: the filtered interfaces pin what the config assigns */
static void
audit_out(struct e2e_result *r)
{
	char sshd_conf[512];
	const char *const argv[] = { VMGATE, "-f", CONFIG, "audit",
	    "--sshd-config", sshd_conf, NULL };

	snprintf(sshd_conf, sizeof(sshd_conf), "%s/sshd_config", work);
	assert_int_equal(e2e_run(argv, path_env, NULL, E2E_TIMEOUT_MS, r), 0);
}

static void
test_audit_filtered(void **state)
{
	struct e2e_result r;

	(void)state;
	skip_unless_root();
	audit_out(&r);
	/* nothing about the machines (the host's own findings, e.g. no
	 * syslog daemon in a container, are not this suite's) */
	if (strstr(r.out, "domain net-g") != NULL ||
	    strstr(r.out, "domains net-g") != NULL)
		fail_msg("audit (%d):\n%s%s", r.status, r.out, r.err);
	e2e_result_free(&r);
}

/* from the addresses it was given, the guest reaches the host */
static void
test_assigned_addresses_reach_host(void **state)
{
	(void)state;
	skip_unless_root();
	assert_true(filtered);
	guest_prepare(&g1);
	guest_net(&g1, g1.mac, g1.ipv4, g1.ipv6);
	assert_int_equal(guest_ping(&g1, HOST4), 0);
	assert_int_equal(guest_ping(&g1, HOST6), 0);
}

static void
test_spoofed_ipv4_dropped(void **state)
{
	(void)state;
	skip_unless_root();
	guest_net(&g1, g1.mac, SPOOF4, g1.ipv6);
	assert_int_not_equal(guest_ping(&g1, HOST4), 0);
	/* its IPv6 still works: only the claim is dropped */
	assert_int_equal(guest_ping(&g1, HOST6), 0);
}

static void
test_spoofed_ipv6_dropped(void **state)
{
	(void)state;
	skip_unless_root();
	guest_net(&g1, g1.mac, g1.ipv4, SPOOF6);
	assert_int_not_equal(guest_ping(&g1, HOST6), 0);
	assert_int_equal(guest_ping(&g1, HOST4), 0);
}

static void
test_spoofed_mac_dropped(void **state)
{
	(void)state;
	skip_unless_root();
	guest_net(&g1, SPOOF_MAC, g1.ipv4, g1.ipv6);
	assert_int_not_equal(guest_ping(&g1, HOST4), 0);
	assert_int_not_equal(guest_ping(&g1, HOST6), 0);
}

/*
 * g2 runs a DHCP server; g1 asks for a lease. The server sees the request
 * and sends an offer (its log says so); with the filter the offer never
 * reaches g1. Returns g1's udhcpc exit code.
 */
static int
dhcp_round(void)
{
	int rc;

	guest_prepare(&g2);
	guest_net(&g2, g2.mac, g2.ipv4, g2.ipv6);
	assert_int_equal(guest_run(&g2, "printf 'start " POOL_FIRST
	    "\\nend 198.51.100.110\\ninterface eth0\\n"
	    "lease_file /tmp/leases\\n' > /tmp/udhcpd.conf && "
	    ": > /tmp/leases && : > /tmp/udhcpd.log && "
	    "{ udhcpd -f -a 100 /tmp/udhcpd.conf >/tmp/udhcpd.log 2>&1 & }",
	    CMD_MS), 0);
	guest_net(&g1, g1.mac, g1.ipv4, g1.ipv6);
	rc = guest_run(&g1, "udhcpc -i eth0 -n -q -t 3 -T 2 -s /bin/true",
	    CMD_MS);
	/* the server got the request and answered it */
	assert_int_equal(guest_run(&g2, "grep -q 'sending OFFER' "
	    "/tmp/udhcpd.log", CMD_MS), 0);
	assert_int_equal(guest_run(&g2, "kill %1; wait", CMD_MS), 0);
	return rc;
}

/*
 * g1 plays router: it advertises RA_PREFIX to every node. g2 listens for
 * router advertisements; 0 when it made itself an address in that prefix.
 */
static int
ra_round(void)
{
	int rc;

	assert_int_equal(guest_run(&g2, "echo 1 > "
	    "/proc/sys/net/ipv6/conf/eth0/accept_ra && echo 1 > "
	    "/proc/sys/net/ipv6/conf/eth0/autoconf", CMD_MS), 0);
	assert_int_equal(guest_run(&g1, "ra_send eth0 " RA_PREFIX, CMD_MS), 0);
	/* autoconfiguration follows the advertisement within a moment */
	rc = guest_run(&g2, "sleep 2; ip addr show dev eth0 | "
	    "grep -q 'inet6 2001:db8:e2f3:bad:'", CMD_MS);
	assert_int_equal(guest_run(&g2, "echo 0 > "
	    "/proc/sys/net/ipv6/conf/eth0/accept_ra && echo 0 > "
	    "/proc/sys/net/ipv6/conf/eth0/autoconf", CMD_MS), 0);
	return rc;
}

static void
test_dhcp_server_offers_dropped(void **state)
{
	(void)state;
	skip_unless_root();
	assert_true(filtered);
	assert_int_not_equal(dhcp_round(), 0);
}

static void
test_router_advertisements_dropped(void **state)
{
	(void)state;
	skip_unless_root();
	assert_true(filtered);
	assert_int_not_equal(ra_round(), 0);
}

/*
 * The same guests without the filter: every claim above now reaches the
 * host, the offer reaches g1, and audit names both interfaces.
 */
static void
test_without_filter_spoofing_works(void **state)
{
	struct e2e_result r;

	(void)state;
	skip_unless_root();
	assert_int_equal(boot_guests(false), 0);
	guest_prepare(&g1);
	guest_net(&g1, g1.mac, SPOOF4, SPOOF6);
	assert_int_equal(guest_ping(&g1, HOST4), 0);
	assert_int_equal(guest_ping(&g1, HOST6), 0);
	guest_net(&g1, SPOOF_MAC, g1.ipv4, g1.ipv6);
	assert_int_equal(guest_ping(&g1, HOST4), 0);
	assert_int_equal(guest_ping(&g1, HOST6), 0);
	assert_int_equal(dhcp_round(), 0);
	assert_int_equal(ra_round(), 0);

	audit_out(&r);
	assert_int_equal(r.status, 1);
	if (strstr(r.out, "domain net-g1: interface 52:54:00:e2:f3:01 has no "
	    "traffic filter") == NULL ||
	    strstr(r.out, "domain net-g2: interface 52:54:00:e2:f3:02 has no "
	    "traffic filter") == NULL)
		fail_msg("audit:\n%s%s", r.out, r.err);
	e2e_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_interactive),
		cmocka_unit_test(test_status_shows_assigned_addresses),
		cmocka_unit_test(test_audit_filtered),
		cmocka_unit_test(test_assigned_addresses_reach_host),
		cmocka_unit_test(test_spoofed_ipv4_dropped),
		cmocka_unit_test(test_spoofed_ipv6_dropped),
		cmocka_unit_test(test_spoofed_mac_dropped),
		cmocka_unit_test(test_dhcp_server_offers_dropped),
		cmocka_unit_test(test_router_advertisements_dropped),
		cmocka_unit_test(test_without_filter_spoofing_works),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
