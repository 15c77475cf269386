/*
 * admin: the admin commands of vmgate(8). check validates the config
 * and the key directory; check --tenant answers permit/deny; authorized-keys
 * writes the authorized_keys lines sshd's AuthorizedKeysCommand asks for,
 * with the restrictions that keep a tenant to its own SPICE endpoints; audit
 * compares the live system (libvirt domains, their displays and traffic
 * filters, sshd's effective settings) with what the config needs. None of them changes anything.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmgate/admin.h"
#include "vmgate/audit.h"
#include "vmgate/cache.h"
#include "vmgate/hypervisor.h"
#include "vmgate/identity.h"
#include "vmgate/keyindex.h"
#include "vmgate/keys.h"
#include "vmgate/policy.h"
#include "vmgate/session.h"
#include "vmgate/spice.h"
#include "vmgate/util.h"
#include "vmgate/verb.h"

#define ADMIN_MAX_WORD		64	/* untrusted words echoed back */
#define ADMIN_MAX_KEY_FILES	4096	/* key files audit opens as sshd's
					   AuthorizedKeysCommandUser */
#define TICK_NS			5000000L	/* a clock tick, at most */
#define SSHD_PATH		"/usr/sbin/sshd"
#define VIRSH_PATH		"/usr/bin/virsh"
#define LIBVIRT_PROBE_SECONDS	30	/* a probe that waits longer failed */
#define LIBVIRTD_MAX_CLIENTS	5000	/* libvirtd.conf's default */
#define UID_DIGITS		10	/* a uid_t in decimal, at most */
#define LIBVIRTD_MAX_CMDLINE	4096
#define SSHD_MAX_OUTPUT		(1u << 20)	/* sshd -T prints ~10 KiB */
#define SSHD_MAX_SPEC		512	/* "user=...,host=...,addr=...,..." */
#define SSHD_MAX_PROBLEM	512	/* one finding's text */
#define SSHD_MAX_LISTEN		64	/* "listenaddress" value */
#define SANITIZED_PATH		(4 * HV_MAX_PATH + 1)	/* a path, every byte as \xNN */

static bool
tenant_known(const char *tenant, void *arg)
{
	return config_tenant(arg, tenant) != NULL;
}

/*
 * Every machine the config names: in a tenant's or group's domains list or
 * as a [domain] section. Sorted, unique, borrowed from cfg.
 */
static const char **
config_machines(const struct config *cfg, size_t *n)
{
	const char **v;
	size_t i, j, total = cfg->ndomains, k = 0;

	for (i = 0; i < cfg->ntenants; i++)
		total += cfg->tenants[i].grant.ndomains;
	for (i = 0; i < cfg->ngroups; i++)
		total += cfg->groups[i].grant.ndomains;
	v = xreallocarray(NULL, total, sizeof(*v));
	for (i = 0; i < cfg->ntenants; i++)
		for (j = 0; j < cfg->tenants[i].grant.ndomains; j++)
			v[k++] = cfg->tenants[i].grant.domains[j];
	for (i = 0; i < cfg->ngroups; i++)
		for (j = 0; j < cfg->groups[i].grant.ndomains; j++)
			v[k++] = cfg->groups[i].grant.domains[j];
	for (i = 0; i < cfg->ndomains; i++)
		v[k++] = cfg->domains[i].name;
	*n = str_sort_unique(v, k);
	return v;
}

/*
 * Every catalog file is one nobody but root could have put or changed
 * there: vmgate hands its path to the hypervisor, which opens it as root.
 * One "FILE:LINE:" problem per unsafe entry in d; the count of them.
 */
static size_t
check_media_files(const struct config *cfg, struct diag *d)
{
	char why[PATH_MAX + 64];
	size_t i, bad = 0;

	for (i = 0; i < cfg->nmedia; i++) {
		if (path_file_safe(cfg->media[i].path, 0, why,
		    sizeof(why)) == 0)
			continue;
		diag_add(d, "%s:%d: media %s: %s", cfg->path,
		    cfg->media[i].path_line, cfg->media[i].name, why);
		bad++;
	}
	return bad;
}

/*
 * The snapshot and the key index describe a file as it was, and a change
 * within the same clock tick would look like none: they are written only
 * once the file is settle_sec old. check is the admin saying "the file is
 * done", so it waits that out (never longer than settle_sec) rather than
 * leave the logins without them.
 */
static void
settle(const char *path, int settle_sec)
{
	const long long second = 1000000000LL;
	struct timespec now, pause;
	struct stat st;
	time_t newest;
	long long ns;

	if (stat(path, &st) != 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
		return;
	newest = st.st_mtim.tv_sec > st.st_ctim.tv_sec ? st.st_mtim.tv_sec :
	    st.st_ctim.tv_sec;
	/* settled once the second newest + settle_sec has begun */
	ns = ((long long)newest + settle_sec - now.tv_sec) * second -
	    now.tv_nsec;
	if (ns <= 0)
		return;
	if (ns > settle_sec * second)	/* a time in the future */
		ns = settle_sec * second;
	pause.tv_sec = (time_t)(ns / second);
	pause.tv_nsec = (long)(ns % second);
	while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
		;
	/* time(), which the writers ask, may trail the clock by a tick */
	pause.tv_sec = 0;
	pause.tv_nsec = TICK_NS;
	for (ns = 0; time(NULL) - newest < settle_sec && ns < second;
	    ns += TICK_NS)
		nanosleep(&pause, NULL);
}

/* Say so when the snapshot or the key index could not be written. */
static void
report_derived(const char *path, const char *keys_dir, FILE *err)
{
	struct cache *c = NULL;
	struct keyindex *ix = NULL;
	struct stat st;
	char *snap = xasprintf("%s%s", path, CACHE_SUFFIX);
	char *index = keyindex_path(keys_dir);

	if (stat(path, &st) != 0 || (c = cache_open(snap, &st)) == NULL)
		fprintf(err, "vmgate: check: %s not written: %s; requests "
		    "read the whole config until it is\n", snap,
		    geteuid() != st.st_uid ? "only the config's owner writes "
		    "it" : "the config changed while it was checked");
	if (index != NULL && (stat(keys_dir, &st) != 0 ||
	    (ix = keyindex_open(index, &st)) == NULL))
		fprintf(err, "vmgate: check: %s not written: %s; logins read "
		    "every key file until it is\n", index,
		    geteuid() != st.st_uid ? "only the key directory's owner "
		    "writes it" : "the key directory changed while it was "
		    "checked");
	keyindex_close(ix);
	cache_close(c);
	free(index);
	free(snap);
}

enum result
admin_check(const char *path, uid_t owner_ok, FILE *out, FILE *err)
{
	struct config *cfg = NULL;
	struct keyring ring = { 0 };
	struct diag d;
	const char **machines = NULL;
	size_t nmachines = 0, nkeys = 0, i;
	enum result r = RESULT_CONFIG;
	bool bad;

	diag_init(&d);
	settle(path, CACHE_SETTLE_SEC);
	if (cache_load_full(path, owner_ok, &cfg, &d) != 0) {
		diag_print(&d, err);
		goto out;
	}
	/* every problem at once: the keys' and the catalog files' */
	settle(cfg->keys_dir, KEYINDEX_SETTLE_SEC);
	bad = keys_load(cfg->keys_dir, tenant_known, cfg, &ring, &d) != 0;
	if (check_media_files(cfg, &d) > 0)
		bad = true;
	if (bad) {
		diag_print(&d, err);
		goto out;
	}
	/* the keys that can log in: a disabled tenant's cannot */
	for (i = 0; i < ring.nkeys; i++)
		nkeys += ring.keys[i].usable &&
		    policy_tenant_enabled(cfg, ring.keys[i].tenant);
	machines = config_machines(cfg, &nmachines);
	fprintf(out, "%s: ok (%zu tenants, %zu domains, %zu keys)\n", path,
	    cfg->ntenants, nmachines, nkeys);
	report_derived(path, cfg->keys_dir, err);
	r = RESULT_OK;
 out:
	free(machines);
	keys_free(&ring);
	config_free(cfg);
	diag_clear(&d);
	return r;
}

enum result
admin_check_request(const struct config *cfg, const char *tenant,
    const char *verb, const char *domain, FILE *out, FILE *err)
{
	char shown[ADMIN_MAX_WORD * 4 + 1];
	enum verb v = verb_from_name(verb);

	if (v == VERB_NONE) {
		str_sanitize(shown, sizeof(shown), verb);
		fprintf(err, "vmgate: unknown verb: %s\n", shown);
		return RESULT_USAGE;
	}
	if (verb_needs_domain(v) && domain == NULL) {
		fprintf(err, "vmgate: %s needs a machine\n", verb_name(v));
		return RESULT_USAGE;
	}
	if (!verb_needs_domain(v) && domain != NULL) {
		fprintf(err, "vmgate: %s takes no machine\n", verb_name(v));
		return RESULT_USAGE;
	}
	if (policy_may(cfg, tenant, v, domain)) {
		fprintf(out, "permit\n");
		return RESULT_OK;
	}
	fprintf(out, "deny\n");
	return RESULT_DENIED;
}

/*
 * command="..." is parsed by sshd: a '"' or '\' would end or escape the
 * quoted string and blanks would split our argv. Only absolute paths of
 * plain printable characters are written.
 */
static bool
path_quotable(const char *p)
{
	/* sshd runs command= through the login shell: only bytes that mean
	 * nothing to sh may appear */
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789/._+@=:,-";

	if (p == NULL || p[0] != '/')
		return false;
	return p[strspn(p, safe)] == '\0';
}

/*
 * libvirt URIs that did not answer: hv_connect waits HV_CONNECT_TIMEOUT_MS
 * for each try, so each URI is tried once per run. A handful at most.
 */
struct dead_uris {
	const char **v;		/* borrowed from the config */
	size_t n;
};

static bool
uri_dead(const struct dead_uris *dead, const char *uri)
{
	size_t i;

	for (i = 0; i < dead->n; i++) {
		if (strcmp(dead->v[i], uri) == 0)
			return true;
	}
	return false;
}

static void
uri_mark_dead(struct dead_uris *dead, const char *uri)
{
	dead->v = xreallocarray(dead->v, dead->n + 1, sizeof(*dead->v));
	dead->v[dead->n++] = uri;
}

/* The endpoint a tenant may forward to for machine name (spice_endpoint);
 * -1 when there is none. A configured endpoint needs no libvirt. */
static int
machine_endpoint(const struct config *cfg, struct hv **hv,
    struct dead_uris *dead, const char *name, char *buf, size_t len)
{
	const struct domain_conf *dc = config_domain(cfg, name);
	const char *uri = config_domain_uri(cfg, name);
	struct hv_domain *dom = NULL;
	struct spice_endpoint ep;
	struct hv_spice sp, *live = NULL;
	int e, r = -1;

	if (dc == NULL || dc->spice_host == NULL) {
		if (uri_dead(dead, uri))
			return -1;
		if (*hv == NULL)
			*hv = hv_new();
		dom = hv_lookup(*hv, uri, name, &e);
		if (dom == NULL && e == HV_EUNREACHABLE)
			uri_mark_dead(dead, uri);
		if (dom == NULL || hv_get_spice(dom, &sp) != HV_OK)
			goto out;
		live = &sp;
	}
	if (spice_endpoint(dc, live, &ep) == 0 &&
	    spice_endpoint_format(&ep, buf, len) == 0)
		r = 0;
 out:
	hv_domain_free(dom);
	return r;
}

struct endpoints {
	char (*v)[SPICE_ENDPOINT_MAX];
	size_t n;
};

static int
cmp_endpoint(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The distinct SPICE endpoints of the machines tenant may use spice on. */
static void
tenant_endpoints(const struct config *cfg, struct hv **hv,
    struct dead_uris *dead, const char *tenant, struct endpoints *ep)
{
	const char **doms;
	size_t n = 0, i, o;

	free(ep->v);
	memset(ep, 0, sizeof(*ep));
	doms = policy_domains(cfg, tenant, &n);
	ep->v = xreallocarray(NULL, n, sizeof(*ep->v));
	for (i = 0; i < n; i++) {
		if (policy_may(cfg, tenant, VERB_SPICE, doms[i]) &&
		    machine_endpoint(cfg, hv, dead, doms[i], ep->v[ep->n],
		    sizeof(ep->v[ep->n])) == 0)
			ep->n++;
	}
	free(doms);
	if (ep->n == 0)
		return;
	qsort(ep->v, ep->n, sizeof(*ep->v), cmp_endpoint);
	for (i = o = 1; i < ep->n; i++) {
		if (strcmp(ep->v[i], ep->v[o - 1]) != 0)
			memmove(ep->v[o++], ep->v[i], sizeof(ep->v[i]));
	}
	ep->n = o;
}

static void
print_key_line(FILE *out, const struct endpoints *ep, const char *self,
    const char *cfg_path, const char *shared_tenant,
    const struct key_entry *k)
{
	size_t i;

	fputs("restrict,pty", out);
	if (ep->n > 0)
		fputs(",port-forwarding", out);
	for (i = 0; i < ep->n; i++)
		fprintf(out, ",permitopen=\"%s\"", ep->v[i]);
	/*
	 * sshd runs command= through the login shell, and Debian's sh
	 * forks for it and waits: exec, so no shell keeps the session's
	 * output open after vmgate has closed it (spice --vv) or outlives
	 * a signal sent to the session.
	 */
	fprintf(out, ",command=\"exec %s -f %s", self, cfg_path);
	if (shared_tenant != NULL)
		fprintf(out, " --tenant %s", shared_tenant);
	fprintf(out, "\" %s %s\n", k->type, k->base64);
}

int
admin_login_config(const char *path, uid_t owner_ok, const char *user,
    const char *key, struct config **out, struct diag *d)
{
	struct config *cfg = NULL;
	char owner[NAME_MAX_LEN + 1];
	int r;

	*out = NULL;
	if (cache_load_config(path, owner_ok, user, &cfg, d) != 0)
		return -1;
	if (policy_login(cfg, user) != POLICY_LOGIN_SERVICE) {
		*out = cfg;
		return 0;
	}
	/* the service user: whose key is it? */
	r = key == NULL ? -1 : keys_index_owner(cfg->keys_dir, key, owner,
	    sizeof(owner));
	config_free(cfg);
	if (r == 1)
		return cache_load_config(path, owner_ok, owner, out, d);
	if (r == 0)
		return cache_load_config(path, owner_ok, NULL, out, d);
	return config_load(path, owner_ok, out, d);
}

enum result
admin_authorized_keys(const struct config *cfg, const char *self,
    const char *cfg_path, const char *user, const char *keytype,
    const char *key, FILE *out, FILE *err)
{
	struct keyring ring = { 0 };
	struct endpoints ep = { 0 };
	struct dead_uris dead = { 0 };
	struct hv *hv = NULL;
	struct diag d;
	const char *last = NULL;
	enum policy_login login;
	bool shared;
	size_t i;

	if (!path_quotable(self) || !path_quotable(cfg_path)) {
		fprintf(err, "vmgate: authorized-keys: the program and config "
		    "paths must be absolute and use only letters, digits "
		    "and /._+@=:,-\n");
		return RESULT_CONFIG;
	}
	if ((keytype == NULL) != (key == NULL))
		return RESULT_USAGE;
	/* only an account that may log in gets key lines */
	login = policy_login(cfg, user);
	if (login != POLICY_LOGIN_SERVICE && login != POLICY_LOGIN_TENANT)
		return RESULT_OK;
	shared = login == POLICY_LOGIN_SERVICE;

	diag_init(&d);
	/* a bad line elsewhere costs only that line: sshd logs our stderr */
	if (keys_load_only(cfg->keys_dir, tenant_known, (void *)cfg,
	    shared ? NULL : user, keytype, key, &ring, &d) != 0)
		diag_print(&d, err);
	/* the ring is sorted by tenant: endpoints once per tenant */
	for (i = 0; i < ring.nkeys; i++) {
		const struct key_entry *k = &ring.keys[i];

		if (!k->usable || !policy_tenant_enabled(cfg, k->tenant))
			continue;
		if (last == NULL || strcmp(last, k->tenant) != 0)
			tenant_endpoints(cfg, &hv, &dead, k->tenant, &ep);
		last = k->tenant;
		print_key_line(out, &ep, self, cfg_path,
		    shared ? k->tenant : NULL, k);
	}
	fflush(out);
	free(ep.v);
	free(dead.v);
	hv_free(hv);
	keys_free(&ring);
	diag_clear(&d);
	return RESULT_OK;
}

/* ---- audit ---- */

struct audit_run {
	const struct config *cfg;
	FILE *out;
	size_t findings;
	size_t machines;	/* checked, for the summary line */
	size_t accounts;	/* whose sshd settings were checked */
	const char **runners;	/* the accounts that run vmgate (borrowed) */
	size_t nrunners;
	char (*key_readers)[ADMIN_MAX_WORD + 1];	/* sshd's
					   AuthorizedKeysCommandUsers */
	size_t nkey_readers;
	struct dead_uris dead;	/* reported once each */
};

static void finding(struct audit_run *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
finding(struct audit_run *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(a->out, fmt, ap);
	va_end(ap);
	fputc('\n', a->out);
	a->findings++;
}

static bool
is_loopback(const char *h)
{
	return strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0;
}

/* listen, an address libvirt reports, is one of the addresses host (the
 * config's spice =, a name or a literal) stands for */
static bool
listen_is_host(const char *listen, const char *host, bool *resolved)
{
	struct addrinfo hints, *res = NULL, *ai;
	unsigned char want[16], got[16];
	int af = strchr(listen, ':') != NULL ? AF_INET6 : AF_INET;
	bool same = false;

	*resolved = true;
	if (inet_pton(af, listen, want) != 1)
		return false;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = af;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		/* not of the listen address's family, or no such name */
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, NULL, &hints, &res) != 0)
			*resolved = false;
		if (res != NULL)
			freeaddrinfo(res);
		return false;
	}
	for (ai = res; ai != NULL && !same; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && af == AF_INET)
			memcpy(got, &((struct sockaddr_in *)(void *)
			    ai->ai_addr)->sin_addr, 4);
		else if (ai->ai_family == AF_INET6 && af == AF_INET6)
			memcpy(got, &((struct sockaddr_in6 *)(void *)
			    ai->ai_addr)->sin6_addr, 16);
		else
			continue;
		same = memcmp(want, got, af == AF_INET ? 4 : 16) == 0;
	}
	freeaddrinfo(res);
	return same;
}

static void
audit_spice_host(struct audit_run *a, const char *name,
    const struct domain_conf *dc, const char *uri, const struct hv_spice *sp)
{
	bool resolved;

	if (sp->host[0] == '\0')
		finding(a, "domain %s: SPICE has no listen address (QEMU's "
		    "default applies)", name);
	else if (!host_valid(sp->host))
		finding(a, "domain %s: SPICE listens on %s, every address of "
		    "its host (never 0.0.0.0 or ::)", name, sp->host);
	else if (dc != NULL && dc->spice_host != NULL) {
		if (!listen_is_host(sp->host, dc->spice_host, &resolved))
			finding(a, "domain %s: SPICE listens on %s, the config "
			    "says %s%s", name, sp->host, dc->spice_host,
			    resolved ? "" : " (which does not resolve)");
	} else if (uri_local(uri) && !is_loopback(sp->host))
		finding(a, "domain %s: SPICE listens on %s, not on loopback",
		    name, sp->host);
}

static void
audit_spice(struct audit_run *a, const char *name,
    const struct domain_conf *dc, const char *uri, const struct hv_spice *sp)
{
	const struct config *cfg = a->cfg;
	struct spice_endpoint ep;
	char when[32];
	struct tm tm;
	time_t now = time(NULL);

	if (!sp->present) {
		if (dc != NULL && dc->spice_host != NULL)
			finding(a, "domain %s: spice = %s:%d in the config, but "
			    "the machine has no SPICE display", name,
			    dc->spice_host, dc->spice_port);
		return;
	}
	audit_spice_host(a, name, dc, uri, sp);
	if (sp->autoport || sp->port <= 0)
		finding(a, "domain %s: SPICE port is not fixed (autoport)",
		    name);
	else if (dc != NULL && dc->spice_host != NULL &&
	    sp->port != dc->spice_port)
		finding(a, "domain %s: SPICE port is %d, the config says %d",
		    name, sp->port, dc->spice_port);
	/* what status, spice and permitopen will tell the tenant */
	if (spice_endpoint(dc, sp, &ep) != 0)
		finding(a, "domain %s: tenants get no SPICE endpoint (status "
		    "shows none, spice refuses): give the display a fixed port "
		    "and address, or set spice = HOST:PORT", name);
	if (!sp->has_passwd)
		finding(a, "domain %s: SPICE has no password: ticketing is "
		    "off and any local user can connect (define it locked: "
		    "passwd with passwdValidTo in the past)", name);
	else if (!sp->passwd_expires)
		finding(a, "domain %s: SPICE password never expires (no "
		    "passwdValidTo)", name);
	else if (sp->passwd_valid_to > now + (time_t)cfg->spice_ttl) {
		/* a ticket vmgate issued lives at most spice_ttl seconds */
		gmtime_r(&sp->passwd_valid_to, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		finding(a, "domain %s: SPICE password valid until %s, longer "
		    "than spice_ttl", name, when);
	}
}

/*
 * Traffic filters that pin a guest's addresses: vmgate's own (MAC, IPv4,
 * IPv6: contrib/nwfilter) and libvirt's stock one, which pins MAC and
 * IPv4 and drops all IPv6, so it serves only machines without ipv6.
 */
#define FILTER_VMGATE	"vmgate-clean-traffic"
#define FILTER_STOCK	"clean-traffic"

/* a filter parameter in canonical form, "" when it is not an address */
static void
canonical_addr(int af, const char *in, char *out, size_t len)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (inet_pton(af, in, bin) != 1 || inet_ntop(af, bin, out,
	    (socklen_t)len) == NULL)
		out[0] = '\0';
}

/* The filter's IP (or IPV6) values against the assigned address want. */
static void
audit_filter_param(struct audit_run *a, const char *name, const char *mac,
    const char *param, int af, const char (*vals)[64], size_t n,
    const char *want)
{
	char got[INET6_ADDRSTRLEN], shown[64];
	const char *key = af == AF_INET ? "ipv4" : "ipv6";
	size_t i;

	if (want == NULL) {
		for (i = 0; i < n; i++) {
			str_sanitize(shown, sizeof(shown), vals[i]);
			finding(a, "domain %s: interface %s: filter parameter "
			    "%s=%s, but the config assigns no %s", name, mac,
			    param, shown, key);
		}
		return;
	}
	if (n == 0) {
		finding(a, "domain %s: interface %s: the filter has no %s "
		    "parameter, so it does not pin %s = %s", name, mac, param,
		    key, want);
		return;
	}
	for (i = 0; i < n; i++) {
		canonical_addr(af, vals[i], got, sizeof(got));
		if (strcmp(got, want) != 0) {
			str_sanitize(shown, sizeof(shown), vals[i]);
			finding(a, "domain %s: interface %s: filter parameter "
			    "%s=%s differs from %s = %s in the config", name,
			    mac, param, shown, key, want);
		}
	}
}

static void
audit_nic(struct audit_run *a, const char *name, const struct hv_nic *nic,
    const char *v4, const char *v6)
{
	char mac[sizeof(nic->mac)], filter[sizeof(nic->filter)];

	str_sanitize(mac, sizeof(mac), nic->mac[0] != '\0' ? nic->mac : "-");
	if (nic->filter[0] == '\0') {
		finding(a, "domain %s: interface %s has no traffic filter: "
		    "its guest can claim any address (use %s)", name, mac,
		    FILTER_VMGATE);
		return;
	}
	if (strcmp(nic->filter, FILTER_STOCK) == 0 && v6 != NULL) {
		finding(a, "domain %s: interface %s: %s drops all IPv6, and "
		    "ipv6 = %s is assigned (use %s)", name, mac, FILTER_STOCK,
		    v6, FILTER_VMGATE);
		return;
	}
	if (strcmp(nic->filter, FILTER_STOCK) != 0 &&
	    strcmp(nic->filter, FILTER_VMGATE) != 0) {
		str_sanitize(filter, sizeof(filter), nic->filter);
		finding(a, "domain %s: interface %s: filter %s is not one that "
		    "pins its addresses (use %s)", name, mac, filter,
		    FILTER_VMGATE);
		return;
	}
	audit_filter_param(a, name, mac, "IP", AF_INET, nic->ip, nic->nip,
	    v4);
	audit_filter_param(a, name, mac, "IPV6", AF_INET6, nic->ipv6,
	    nic->nipv6, v6);
}

static void
audit_network(struct audit_run *a, const struct hv_definition *def,
    const char *name)
{
	const struct domain_conf *dc = config_domain(a->cfg, name);
	const char *v4, *v6;
	size_t i;

	if (def->nics_rc != 0) {
		finding(a, "domain %s: cannot read its interfaces", name);
		return;
	}
	for (i = 0; i < def->nics.n; i++) {
		config_nic_addresses(dc, i, &v4, &v6);
		audit_nic(a, name, &def->nics.nic[i], v4, v6);
	}
}

/* one address assigned to two machines: both would claim it */
static void
audit_shared_addresses(struct audit_run *a)
{
	const struct config *cfg = a->cfg;
	const struct domain_conf *x, *y;
	size_t i, j;

	for (i = 0; i < cfg->ndomains; i++) {
		x = &cfg->domains[i];
		for (j = i + 1; j < cfg->ndomains; j++) {
			y = &cfg->domains[j];
			if (x->ipv4 != NULL && y->ipv4 != NULL &&
			    strcmp(x->ipv4, y->ipv4) == 0)
				finding(a, "domains %s and %s: both are "
				    "assigned ipv4 = %s (lines %d and %d)",
				    x->name, y->name, x->ipv4, x->ipv4_line,
				    y->ipv4_line);
			if (x->ipv6 != NULL && y->ipv6 != NULL &&
			    strcmp(x->ipv6, y->ipv6) == 0)
				finding(a, "domains %s and %s: both are "
				    "assigned ipv6 = %s (lines %d and %d)",
				    x->name, y->name, x->ipv6, x->ipv6_line,
				    y->ipv6_line);
		}
	}
}

/* the console verb opens the machine's serial console: it needs one */
static void
audit_console(struct audit_run *a, const struct hv_definition *def,
    const char *name)
{
	if (!def->console)
		finding(a, "domain %s: no serial console for the console "
		    "verb (define <serial type='pty'> and <console "
		    "type='pty'>, as domain-example.xml does)", name);
}

/*
 * A tenant changes the disc of the CD drive, never the drive: it must be
 * read-only, and hold nothing or a catalog file (anything else was put
 * there by someone else, and the tenant's machine boots it).
 */
static void
audit_cdrom(struct audit_run *a, const struct hv_cdrom *cd, const char *name)
{
	char shown[SANITIZED_PATH];

	if (!cd->present)
		return;
	if (!cd->readonly)
		finding(a, "domain %s: the CD drive is not read-only (add "
		    "<readonly/> to its <disk device='cdrom'>)", name);
	/* the node's text: no byte of it reaches the admin's terminal raw */
	str_sanitize(shown, sizeof(shown), cd->is_file ? cd->path :
	    "a medium that is not a file");
	if (cd->loaded && (!cd->is_file ||
	    config_media_by_path(a->cfg, cd->path) == NULL))
		finding(a, "domain %s: the CD drive holds %s, which is not in "
		    "the media catalog", name, shown);
}

/* every catalog file is still one only root can change */
static void
audit_media_files(struct audit_run *a)
{
	struct diag d;
	size_t i;

	diag_init(&d);
	(void)check_media_files(a->cfg, &d);
	for (i = 0; i < d.count; i++)
		finding(a, "%s", d.msgs[i]);
	diag_clear(&d);
}

static void
audit_domain(struct audit_run *a, struct hv *hv, const char *name)
{
	const struct config *cfg = a->cfg;
	const char *uri = config_domain_uri(cfg, name);
	struct hv_domain *dom = NULL;
	struct hv_definition def;
	int e;

	if (uri_dead(&a->dead, uri))
		return;
	if ((dom = hv_lookup(hv, uri, name, &e)) == NULL) {
		if (e == HV_EUNREACHABLE) {
			finding(a, "libvirt %s: unreachable (%s)", uri,
			    hv_last_error(hv));
			uri_mark_dead(&a->dead, uri);
		} else if (e == HV_ENOENT)
			finding(a, "domain %s: no such domain on %s", name, uri);
		else
			finding(a, "domain %s: lookup failed on %s (%s)", name,
			    uri, hv_last_error(hv));
		return;
	}
	/* one fetch and one parse of the definition for every check */
	if (hv_get_definition(dom, &def) != HV_OK) {
		finding(a, "domain %s: cannot read its definition (%s)", name,
		    hv_last_error(hv));
		hv_domain_free(dom);
		return;
	}
	if (def.spice_rc != HV_OK)
		finding(a, "domain %s: cannot read its SPICE display (%s)",
		    name, hv_last_error(hv));
	else
		audit_spice(a, name, config_domain(cfg, name), uri, &def.spice);
	audit_console(a, &def, name);
	audit_network(a, &def, name);
	audit_cdrom(a, &def.cdrom, name);
	hv_domain_free(dom);
}

/*
 * What sshd must enforce for every vmgate account: a forced command does
 * not stop forwarding, only these do. One table for both sides: audit
 * checks these values, sshd-config writes the first of each.
 */
static const struct sshd_rule {
	const char *key;	/* as sshd -T names it */
	const char *name;	/* as sshd_config spells it */
	const char *ok[2];	/* accepted values, the first written; NULL ends */
	bool forwarding;	/* "disableforwarding yes" covers it too */
	bool global;		/* not allowed in a Match block */
} sshd_rules[] = {
	{ "allowtcpforwarding", "AllowTcpForwarding", { "local", "no" },
	  true, false },
	{ "allowstreamlocalforwarding", "AllowStreamLocalForwarding",
	  { "no", NULL }, true, false },
	{ "allowagentforwarding", "AllowAgentForwarding", { "no", NULL },
	  true, false },
	{ "x11forwarding", "X11Forwarding", { "no", NULL }, true, false },
	{ "permittunnel", "PermitTunnel", { "no", NULL }, false, false },
	{ "permituserenvironment", "PermitUserEnvironment", { "no", NULL },
	  false, true },
	/* a key in ~/.ssh/authorized_keys would come without permitopen */
	{ "authorizedkeysfile", "AuthorizedKeysFile", { "none", NULL },
	  false, false },
};
#define NSSHD_RULES (sizeof(sshd_rules) / sizeof(sshd_rules[0]))

/*
 * Run sshd -T -f config -C user=...: fixed argv, no shell, an empty
 * environment but PATH. Its output (stdout and stderr) in *outp.
 * Returns the exit status, or -1 when it could not run.
 */
static int
run_sshd_test(const char *config, const char *spec, char **outp)
{
	char *buf = NULL;
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	size_t have = 0;
	ssize_t got;
	int p[2] = { -1, -1 }, status, devnull;
	pid_t pid;

	*outp = NULL;
	if (pipe(p) == -1)
		return -1;
	/* only the child's copies on 1 and 2 survive execve */
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char *const argv[] = { SSHD_PATH, "-T", "-f", (char *)config,
		    spec != NULL ? "-C" : NULL, (char *)spec, NULL };

		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull == -1 || dup2(devnull, 0) == -1 ||
		    dup2(p[1], 1) == -1 || dup2(p[1], 2) == -1)
			_exit(127);
		execve(SSHD_PATH, argv, envp);
		_exit(127);
	}
	close(p[1]);
	buf = xmalloc(SSHD_MAX_OUTPUT + 1);
	for (;;) {
		got = read(p[0], buf + have, SSHD_MAX_OUTPUT - have);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
		if (have == SSHD_MAX_OUTPUT)
			break;
	}
	buf[have] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			free(buf);
			return -1;
		}
	}
	*outp = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The next line of sshd -T output from *at on that gives key: its value
 * into val, cut to len - 1 bytes, and *at past that line. The value's
 * whole length, or -1 when no such line is left.
 */
static ssize_t
sshd_next(const char **at, const char *key, char *val, size_t len)
{
	const char *line = *at, *end;
	size_t klen = strlen(key), vlen;

	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if ((size_t)(end - line) <= klen ||
		    strncmp(line, key, klen) != 0 || line[klen] != ' ')
			continue;
		vlen = (size_t)(end - line) - klen - 1;
		memcpy(val, line + klen + 1, vlen < len ? vlen : len - 1);
		val[vlen < len ? vlen : len - 1] = '\0';
		*at = *end ? end + 1 : end;
		return (ssize_t)vlen;
	}
	*at = line;
	return -1;
}

/* the (first) value of key in sshd -T output, into val; false when absent */
static bool
sshd_value(const char *text, const char *key, char *val, size_t len)
{
	return sshd_next(&text, key, val, len) >= 0;
}

/*
 * The clients sshd's settings are checked for: a Match Address (or Host,
 * LocalAddress, LocalPort) block can turn forwarding back on for some
 * connections only. Loopback comes first; a finding it shares with every
 * other client is reported once, without an address.
 */
static const char *const sshd_clients[] = {
	"127.0.0.1", "::1",				/* loopback */
	"10.1.2.3", "172.16.1.2", "192.168.1.2",	/* private IPv4 */
	"203.0.113.7",					/* public IPv4 */
	"fd00::7",					/* unique local IPv6 */
	"2001:db8::7",					/* global IPv6 */
};
#define NSSHD_CLIENTS (sizeof(sshd_clients) / sizeof(sshd_clients[0]))
#define NSSHD_LOOPBACK 2

/* Where the sshd under audit listens: the local end of every connection. */
struct sshd_listener {
	char port[8];
	char addr4[SSHD_MAX_LISTEN];	/* a specific address, else loopback */
	char addr6[SSHD_MAX_LISTEN];
};

/* "listenaddress 127.0.0.1:2310" / "[::1]:22" -> the address part */
static void
listener_addr(struct sshd_listener *l, const char *v)
{
	char host[SSHD_MAX_LISTEN];
	const char *colon;
	size_t n;

	if (v[0] == '[') {
		n = strcspn(v + 1, "]");
		if (n >= sizeof(host) || n == 0)
			return;
		memcpy(host, v + 1, n);
		host[n] = '\0';
		if (strcmp(host, "::") != 0 && strcmp(l->addr6, "::1") == 0)
			snprintf(l->addr6, sizeof(l->addr6), "%s", host);
		return;
	}
	colon = strrchr(v, ':');
	n = colon != NULL ? (size_t)(colon - v) : strlen(v);
	if (n >= sizeof(host) || n == 0)
		return;
	memcpy(host, v, n);
	host[n] = '\0';
	if (strcmp(host, "0.0.0.0") != 0 && strcmp(l->addr4, "127.0.0.1") == 0)
		snprintf(l->addr4, sizeof(l->addr4), "%s", host);
}

/* sshd -T without a connection: its first port and listen addresses */
static void
sshd_listener(const char *config, struct sshd_listener *l)
{
	char *text = NULL, val[SSHD_MAX_LISTEN];
	const char *at;
	ssize_t n;

	snprintf(l->port, sizeof(l->port), "22");
	snprintf(l->addr4, sizeof(l->addr4), "127.0.0.1");
	snprintf(l->addr6, sizeof(l->addr6), "::1");
	if (run_sshd_test(config, NULL, &text) == 0) {
		if (sshd_value(text, "port", val, sizeof(val)) &&
		    strspn(val, "0123456789") == strlen(val) &&
		    strlen(val) < sizeof(l->port))
			/* the length is checked: no snprintf, whose
			 * truncation warning -O1 cannot see past */
			memcpy(l->port, val, strlen(val) + 1);
		at = text;
		while ((n = sshd_next(&at, "listenaddress", val,
		    sizeof(val))) >= 0) {
			if ((size_t)n < sizeof(val))	/* never a cut one */
				listener_addr(l, val);
		}
	}
	free(text);
}

/* What one sshd -T run says is wrong, one text per finding. */
struct sshd_problems {
	char (*v)[SSHD_MAX_PROBLEM];
	char (*from)[SSHD_MAX_SPEC];	/* clients it applies to */
	size_t n;
	char key_reader[ADMIN_MAX_WORD + 1];	/* AuthorizedKeysCommandUser */
};

static void sshd_problem(struct sshd_problems *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sshd_problem(struct sshd_problems *p, const char *fmt, ...)
{
	va_list ap;

	p->v = xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	p->from = xreallocarray(p->from, p->n + 1, sizeof(*p->from));
	va_start(ap, fmt);
	vsnprintf(p->v[p->n], sizeof(p->v[p->n]), fmt, ap);
	va_end(ap);
	p->from[p->n][0] = '\0';
	p->n++;
}

static ssize_t
sshd_problem_find(const struct sshd_problems *p, const char *text)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i], text) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/*
 * AcceptEnv lets the client set variables for the forced command: they
 * reach the login shell and the dynamic loader before vmgate empties its
 * environment (AcceptEnv LD_PRELOAD loads any library of the host into
 * vmgate). Only the locale's names are harmless there: LANG and the LC_
 * family, which Debian's own sshd_config accepts. A pattern is safe when
 * every name it can match is one of those.
 */
static bool
acceptenv_safe(const char *pattern)
{
	return strcmp(pattern, "LANG") == 0 ||
	    strncmp(pattern, "LC_", 3) == 0;
}

static void
sshd_check_acceptenv(const char *text, struct sshd_problems *p)
{
	char val[SSHD_MAX_PROBLEM / 2], shown[sizeof(val) * 4];
	const char *at = text;
	ssize_t n;

	while ((n = sshd_next(&at, "acceptenv", val, sizeof(val))) >= 0) {
		/* a cut list may hide a name past the cut */
		if ((size_t)n < sizeof(val) && acceptenv_safe(val))
			continue;
		str_sanitize(shown, sizeof(shown), val);
		sshd_problem(p, "acceptenv %s: the client's variables of "
		    "that name reach the login shell and the loader before "
		    "vmgate runs (accept only LANG and LC_*)", shown);
	}
}

/* sshd's effective settings for user connecting from addr */
static void
sshd_check_client(const char *config, const struct sshd_listener *l,
    const char *user, const char *addr, bool tenant_account,
    struct sshd_problems *p)
{
	char spec[SSHD_MAX_SPEC], *text = NULL, val[64];
	char first[ADMIN_MAX_WORD * 4 + 1];
	bool disabled;
	size_t i, j;
	int st;

	/* without reverse DNS (UseDNS no, the default) the host is the
	 * address itself */
	snprintf(spec, sizeof(spec), "user=%s,host=%s,addr=%s,laddr=%s,"
	    "lport=%s", user, addr, addr, strchr(addr, ':') != NULL ?
	    l->addr6 : l->addr4, l->port);
	st = run_sshd_test(config, spec, &text);
	if (st != 0) {
		if (text != NULL)
			/* sshd ends its error lines with \r\n */
			text[strcspn(text, "\r\n")] = '\0';
		str_sanitize(first, sizeof(first), text ? text : "");
		sshd_problem(p, "%s -T -f %s failed (%s)", SSHD_PATH, config,
		    st < 0 ? strerror(errno) : first);
		goto out;
	}
	disabled = sshd_value(text, "disableforwarding", val, sizeof(val)) &&
	    strcmp(val, "yes") == 0;
	for (i = 0; i < NSSHD_RULES; i++) {
		const struct sshd_rule *r = &sshd_rules[i];
		bool ok = false;

		if (r->forwarding && disabled)
			continue;
		if (!sshd_value(text, r->key, val, sizeof(val))) {
			sshd_problem(p, "%s is not reported by sshd -T",
			    r->key);
			continue;
		}
		for (j = 0; j < 2 && r->ok[j] != NULL; j++)
			ok = ok || strcmp(val, r->ok[j]) == 0;
		if (!ok)
			sshd_problem(p, "%s %s (must be %s%s%s)", r->key, val,
			    r->ok[0], r->ok[1] ? " or " : "",
			    r->ok[1] ? r->ok[1] : "");
	}
	sshd_check_acceptenv(text, p);
	if (p->key_reader[0] == '\0' && sshd_value(text,
	    "authorizedkeyscommanduser", val, sizeof(val)) &&
	    strcmp(val, "none") != 0 && strlen(val) <= ADMIN_MAX_WORD)
		memcpy(p->key_reader, val, strlen(val) + 1);
	/* a per-user tenant account without a forced command gets a shell */
	if (tenant_account &&
	    (!sshd_value(text, "forcecommand", val, sizeof(val)) ||
	    strcmp(val, "none") == 0))
		sshd_problem(p, "no ForceCommand: this tenant account would "
		    "get a shell");
 out:
	free(text);
}

static void
key_reader_add(struct audit_run *a, const char *user)
{
	size_t i;

	for (i = 0; i < a->nkey_readers; i++) {
		if (strcmp(a->key_readers[i], user) == 0)
			return;
	}
	a->key_readers = xreallocarray(a->key_readers, a->nkey_readers + 1,
	    sizeof(*a->key_readers));
	snprintf(a->key_readers[a->nkey_readers++], sizeof(*a->key_readers),
	    "%s", user);
}

/*
 * One account, every client of sshd_clients. What a loopback client
 * sees is reported as "sshd (user U): ..."; what only other clients see
 * names them: "sshd (user U, from 10.1.2.3): ...".
 */
static void
audit_sshd_user(struct audit_run *a, const char *config,
    const struct sshd_listener *l, const char *user, bool tenant_account)
{
	struct sshd_problems local = { 0 }, other = { 0 }, one;
	size_t c, i, k;
	ssize_t at;

	a->accounts++;
	for (c = 0; c < NSSHD_LOOPBACK; c++)
		sshd_check_client(config, l, user, sshd_clients[c],
		    tenant_account, &local);
	for (c = NSSHD_LOOPBACK; c < NSSHD_CLIENTS; c++) {
		memset(&one, 0, sizeof(one));
		sshd_check_client(config, l, user, sshd_clients[c],
		    tenant_account, &one);
		for (i = 0; i < one.n; i++) {
			if (sshd_problem_find(&local, one.v[i]) >= 0)
				continue;
			if ((at = sshd_problem_find(&other, one.v[i])) < 0) {
				sshd_problem(&other, "%s", one.v[i]);
				at = (ssize_t)other.n - 1;
			}
			k = strlen(other.from[at]);
			snprintf(other.from[at] + k, sizeof(other.from[at]) - k,
			    "%s%s", k > 0 ? ", " : "", sshd_clients[c]);
		}
		free(one.v);
		free(one.from);
	}
	if (local.key_reader[0] != '\0')
		key_reader_add(a, local.key_reader);
	/* loopback's own, repeats dropped (both loopback clients agree) */
	for (i = 0; i < local.n; i++) {
		if (sshd_problem_find(&local, local.v[i]) == (ssize_t)i)
			finding(a, "sshd (user %s): %s", user, local.v[i]);
	}
	for (i = 0; i < other.n; i++)
		finding(a, "sshd (user %s, from %s): %s", user, other.from[i],
		    other.v[i]);
	free(local.v);
	free(local.from);
	free(other.v);
	free(other.from);
}

/* sshd runs the forced command through the login shell: never bash */
static void
audit_login_shell(struct audit_run *a, const char *user)
{
	struct passwd *pw = getpwnam(user);
	const char *base;

	if (pw == NULL || pw->pw_shell == NULL)
		return;
	base = strrchr(pw->pw_shell, '/');
	base = base != NULL ? base + 1 : pw->pw_shell;
	if (strcmp(base, "bash") == 0)
		finding(a, "account %s: login shell %s (use /bin/sh: sshd runs "
		    "the command through it)", user, pw->pw_shell);
}

static void
runner_add(struct audit_run *a, const char *name)
{
	a->runners = xreallocarray(a->runners, a->nrunners + 1,
	    sizeof(*a->runners));
	a->runners[a->nrunners++] = name;
}

/*
 * The accounts sshd lets in as vmgate: the service_user and every tenant
 * that has an account of its own (the per-user model). Tenants without an
 * account are reached only through the service_user.
 */
/* the identity of a process with this uid cannot tell the two apart */
static void
audit_uid_shared(struct audit_run *a, const struct account *v, size_t n,
    const struct account *acct)
{
	const char *other = account_uid_sharer(v, n, acct->name, acct->uid);

	if (other != NULL)
		finding(a, "account %s: uid %lu is also the uid of %s (vmgate "
		    "refuses a uid that names two accounts: give each its "
		    "own)", acct->name, (unsigned long)acct->uid, other);
}

/* a tenant's request runs as the account it logged in as: never root */
static void
audit_uid_root(struct audit_run *a, const struct account *acct)
{
	if (acct->uid == 0)
		finding(a, "account %s: uid 0: tenants' requests would run as "
		    "root (give vmgate an account of its own)", acct->name);
}

/*
 * sshd runs `vmgate authorized-keys` as its AuthorizedKeysCommandUser,
 * which must read the config, list the key directory and read each key
 * file: one it cannot read logs nobody in, or not that file's keys, while
 * check (as root) says ok. Each is opened as that account, in a child
 * (fork_as_account): the kernel's answer, every directory above counted.
 * A byte per path comes back, 1 when the account may not.
 */
static void
audit_key_reader(struct audit_run *a, const char *user)
{
	const char *cfg_path = a->cfg->path, *dir = a->cfg->keys_dir;
	char **paths = NULL, denied[ADMIN_MAX_KEY_FILES];
	size_t n = 0, i, len;
	struct dirent *de;
	DIR *d;
	int p[2], status, fd;
	pid_t pid;

	paths = xreallocarray(NULL, ADMIN_MAX_KEY_FILES, sizeof(*paths));
	paths[n++] = xstrdup(cfg_path);
	if (dir != NULL) {
		paths[n++] = xstrdup(dir);
		d = opendir(dir);
		while (d != NULL && n < ADMIN_MAX_KEY_FILES &&
		    (de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len > 4 && strcmp(de->d_name + len - 4, ".pub") == 0)
				paths[n++] = xasprintf("%s/%s", dir,
				    de->d_name);
		}
		if (d != NULL)
			closedir(d);
	}
	memset(denied, 0, sizeof(denied));
	if (pipe2(p, O_CLOEXEC) == -1)
		goto out;
	if ((pid = fork_as_account(user)) == 0) {
		for (i = 0; i < n; i++) {
			fd = open(paths[i], O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
			    O_NOCTTY);
			denied[i] = fd == -1 && (errno == EACCES ||
			    errno == EPERM);
		}
		_exit(write(p[1], denied, n) == (ssize_t)n ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], denied, n) != (ssize_t)n)
		memset(denied, 0, sizeof(denied));
	close(p[0]);
	while (pid > 0 && waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (pid == -1)
		finding(a, "sshd's AuthorizedKeysCommandUser %s: cannot check "
		    "what it may read", user);
	for (i = 0; i < n; i++) {
		if (denied[i])
			finding(a, "sshd's AuthorizedKeysCommandUser %s cannot "
			    "read %s: %s", user, paths[i], i == 0 ?
			    "no tenant can log in" : i == 1 && dir != NULL ?
			    "no key can log in" : "its keys cannot log in");
	}
 out:
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static void
audit_sshd(struct audit_run *a, const char *config)
{
	const struct config *cfg = a->cfg;
	struct sshd_listener listener;
	struct account *accounts;
	const struct account *acct;
	const char *name;
	size_t i, n;

	/* one pass over the user database, not one getpwnam per tenant */
	accounts = account_list(&n);
	sshd_listener(config, &listener);
	if (cfg->service_user != NULL) {
		name = cfg->service_user;
		if ((acct = account_find(accounts, n, name)) == NULL)
			finding(a, "service_user %s: no such account", name);
		else {
			audit_sshd_user(a, config, &listener, name, false);
			audit_login_shell(a, name);
			runner_add(a, name);
			audit_uid_shared(a, accounts, n, acct);
			audit_uid_root(a, acct);
		}
	}
	for (i = 0; i < cfg->ntenants; i++) {
		name = cfg->tenants[i].name;
		if ((acct = account_find(accounts, n, name)) != NULL) {
			audit_sshd_user(a, config, &listener, name, true);
			audit_login_shell(a, name);
			runner_add(a, name);
			audit_uid_shared(a, accounts, n, acct);
			audit_uid_root(a, acct);
		}
	}
	account_list_free(accounts, n);
	/* only root can take another account's ids */
	for (i = 0; geteuid() == 0 && i < a->nkey_readers; i++)
		audit_key_reader(a, a->key_readers[i]);
}

/* ---- the audit trail: audit_log and syslog ---- */

/*
 * Every request leaves its line in syslog and in audit_log; a line that
 * neither takes is lost without a word while the request succeeds. So
 * each account that runs vmgate must be able to append to audit_log, and
 * something must listen on the syslog socket.
 */
static void
audit_trail(struct audit_run *a, const char *syslog_socket)
{
	const char *log = a->cfg->audit_log;
	bool missing_reported = false;
	size_t i;

	if (log != NULL && a->nrunners > 0 && geteuid() != 0)
		finding(a, "audit_log %s: not checked: only root can try it "
		    "as each account that runs vmgate", log);
	for (i = 0; log != NULL && geteuid() == 0 && i < a->nrunners; i++) {
		switch (audit_log_probe(log, a->runners[i])) {
		case AUDIT_LOG_APPEND:
			break;
		case AUDIT_LOG_DENIED:
			finding(a, "audit_log %s: account %s cannot append to "
			    "it: its requests are not recorded there", log,
			    a->runners[i]);
			break;
		case AUDIT_LOG_MISSING_OK:
			/* the first writer creates it 0600, its own */
			if (a->nrunners > 1 && !missing_reported)
				finding(a, "audit_log %s: does not exist: the "
				    "first account to write creates it mode "
				    "0600, and the others cannot append", log);
			missing_reported = true;
			break;
		case AUDIT_LOG_MISSING_NO:
			finding(a, "audit_log %s: does not exist, and account "
			    "%s cannot create it", log, a->runners[i]);
			break;
		case AUDIT_LOG_NOT_FILE:
			finding(a, "audit_log %s: not a regular file", log);
			return;
		case AUDIT_LOG_LINK:
			finding(a, "audit_log %s: a symbolic link (never "
			    "followed)", log);
			return;
		case AUDIT_LOG_ERROR:
			finding(a, "audit_log %s: cannot check account %s",
			    log, a->runners[i]);
			break;
		}
	}
	if (syslog_socket != NULL && audit_syslog_probe(syslog_socket) != 0)
		finding(a, "syslog: nothing listens on %s (%s): vmgate's "
		    "syslog lines are lost; start a syslog daemon",
		    syslog_socket, strerror(errno));
}

/* ---- libvirt as each account ---- */

/*
 * Does "virsh -c uri uri", run as account user (its uid, gid and groups;
 * an empty environment but PATH), connect? The daemon's own rules decide:
 * the socket's group and mode, polkit. 0 when it does.
 */
static int
libvirt_probe_as(const char *user, const char *uri)
{
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char *const argv[] = { "virsh", "-q", "-c", (char *)uri, "uri",
	    NULL };
	sigset_t none;
	int status, devnull;
	pid_t pid;

	if ((pid = fork_as_account(user)) == -1)
		return -1;
	if (pid == 0) {
		/* system calls only: the parent may have threads */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGALRM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull == -1 || dup2(devnull, 0) == -1 ||
		    dup2(devnull, 1) == -1 || dup2(devnull, 2) == -1)
			_exit(126);
		alarm(LIBVIRT_PROBE_SECONDS);	/* outlives execve */
		execve(VIRSH_PATH, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * Each account that runs vmgate must reach the libvirtd of this host
 * itself (group libvirt, or polkit): without it every request of its
 * tenants ends with 69, while audit, as root, reaches the daemon. Only
 * the local URIs (no host) the config's machines use and audit reached;
 * another host's credentials are the account's own (README, Many hosts).
 */
static void
audit_libvirt_access(struct audit_run *a)
{
	const char **machines, *uri;
	struct dead_uris seen = { 0 };
	size_t n, i, j;

	if (geteuid() != 0 || a->nrunners == 0)
		return;
	machines = config_machines(a->cfg, &n);
	for (i = 0; i < n; i++) {
		uri = config_domain_uri(a->cfg, machines[i]);
		/* test: is libvirt's driver without a daemon */
		if (strstr(uri, ":///") == NULL ||
		    strncmp(uri, "test:", 5) == 0 ||
		    uri_dead(&a->dead, uri) || uri_dead(&seen, uri))
			continue;
		uri_mark_dead(&seen, uri);
		for (j = 0; j < a->nrunners; j++) {
			if (libvirt_probe_as(a->runners[j], uri) != 0)
				finding(a, "libvirt %s: account %s cannot "
				    "connect as itself (add it to group "
				    "libvirt): its requests end with exit 69",
				    uri, a->runners[j]);
		}
	}
	free(seen.v);
	free(machines);
}

/*
 * The config file the running libvirtd reads: its -f/--config argument
 * (from /proc, found through its pid file), else the default path.
 */
static void
libvirtd_conf_path(const struct admin_host *host, char *buf, size_t len)
{
	char path[64], cmd[LIBVIRTD_MAX_CMDLINE];
	FILE *f;
	size_t n = 0, i;
	long pid = 0;

	snprintf(buf, len, "%s", host->libvirtd_conf);
	if (host->libvirtd_pidfile == NULL ||
	    (f = fopen(host->libvirtd_pidfile, "re")) == NULL)
		return;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
		pid = 0;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (pid == 0 || (f = fopen(path, "re")) == NULL)
		return;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = '\0';
	/* NUL-separated words: the one after -f or --config */
	for (i = 0; i < n; i += strlen(cmd + i) + 1) {
		if ((strcmp(cmd + i, "-f") == 0 ||
		    strcmp(cmd + i, "--config") == 0) &&
		    i + strlen(cmd + i) + 1 < n) {
			snprintf(buf, len, "%s", cmd + i + strlen(cmd + i) + 1);
			return;
		}
	}
}

/* "max_clients = N" in libvirtd.conf (its default when not set), or 0
 * when the file cannot be read */
static unsigned long
libvirtd_max_clients(const char *conf)
{
	char line[512];
	unsigned long v = LIBVIRTD_MAX_CLIENTS, n;
	FILE *f = fopen(conf, "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " max_clients = %lu", &n) == 1)
			v = n;
	}
	fclose(f);
	return v;
}

/*
 * Consoles and running requests each hold a libvirtd client; when the
 * tenants' limits together exceed max_clients, some tenants can make
 * everyone's requests wait. Slots are counted per account vmgate runs
 * as, so a tenant that logs in both as itself (an account of its own,
 * as audit_sshd finds it) and through the service_user has its limit in
 * each.
 */
static void
audit_session_limits(struct audit_run *a, const struct admin_host *host)
{
	const struct config *cfg = a->cfg;
	char conf[PATH_MAX];
	unsigned long max_clients, total = 0;
	struct account *accounts = NULL;
	bool twice = false;
	size_t i, n = 0;

	if (host == NULL || host->libvirtd_conf == NULL)
		return;
	libvirtd_conf_path(host, conf, sizeof(conf));
	if ((max_clients = libvirtd_max_clients(conf)) == 0)
		return;	/* no local libvirtd to compare with */
	if (cfg->service_user != NULL)
		accounts = account_list(&n);
	for (i = 0; i < cfg->ntenants; i++) {
		unsigned limit = config_max_sessions(cfg, cfg->tenants[i].name);

		if (cfg->tenants[i].disabled)
			continue;
		if (limit == 0) {
			finding(a, "tenant %s: no session limit "
			    "(max_sessions = 0): it alone can take every one "
			    "of libvirtd's %lu clients (%s)",
			    cfg->tenants[i].name, max_clients, conf);
			goto out;
		}
		total += limit;
		if (accounts != NULL && account_find(accounts, n,
		    cfg->tenants[i].name) != NULL) {
			total += limit;
			twice = true;
		}
	}
	if (total > max_clients)
		finding(a, "sessions: the tenants' max_sessions add up to %lu, "
		    "more than libvirtd's max_clients %lu (%s)%s", total,
		    max_clients, conf, twice ? "; a tenant with an account of "
		    "its own has its max_sessions there and again through the "
		    "service_user" : "");
 out:
	account_list_free(accounts, n);
}

/* "daemon", or "uid 4242" for a uid no account has */
static void
account_label(uid_t uid, char *buf, size_t len)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
}

/* name is a uid as session_take names its directory ("%lu"): *uid */
static bool
uid_name(const char *name, uid_t *uid)
{
	char *end;
	unsigned long v;

	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' &&
	    name[1] != '\0') || strlen(name) > UID_DIGITS)
		return false;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno != 0 || *end != '\0' || v != (unsigned long)(uid_t)v)
		return false;
	*uid = (uid_t)v;
	return true;
}

/*
 * Each account that runs vmgate makes DIR/UID itself at its first
 * request. The base is writable by all, so any local account can make
 * another's first (after a reboot, say); vmgate never counts in a
 * directory it does not own, so that account's requests are then served
 * without a limit, for as long as the directory stays.
 */
static void
audit_session_uid_dirs(struct audit_run *a, const char *dir)
{
	char owner[64], account[64];
	struct dirent **names = NULL;
	struct stat st;
	uid_t uid;
	int fd, n, i;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return;
	n = scandirat(fd, ".", &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (!uid_name(name, &uid) ||
		    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    session_own_dir(&st, uid))
			continue;
		account_label(uid, account, sizeof(account));
		account_label(st.st_uid, owner, sizeof(owner));
		finding(a, "sessions: %s/%s is not %s's own directory (%sowner "
		    "%s, mode %04o): its requests are not counted against "
		    "max_sessions; as root: rm -r %s/%s", dir, name, account,
		    S_ISDIR(st.st_mode) ? "" : "not a directory, ", owner,
		    (unsigned)(st.st_mode & 07777), dir, name);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(fd);
}

/*
 * Without the session directory no limit is counted (tenants are served
 * unlimited rather than locked out); an unsafe one refuses every limited
 * request. Either way the admin must hear of it.
 */
static void
audit_session_dir(struct audit_run *a, const char *dir)
{
	const struct config *cfg = a->cfg;
	struct stat st;
	size_t i;

	for (i = 0; i < cfg->ntenants; i++) {
		if (config_max_sessions(cfg, cfg->tenants[i].name) > 0)
			break;
	}
	if (dir == NULL || i == cfg->ntenants)
		return;	/* no tenant has a limit to count */
	if (lstat(dir, &st) != 0) {
		finding(a, "sessions: %s: %s: session limits are not counted "
		    "(install -d -m 0755 /run/vmgate && install -d -m 1733 "
		    "%s)", dir, strerror(errno), dir);
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 07777) != SESSION_DIR_MODE) {
		finding(a, "sessions: %s is not root's directory of mode %04o: "
		    "tenants with a limit are refused (exit 78)", dir,
		    (unsigned)SESSION_DIR_MODE);
		return;
	}
	audit_session_uid_dirs(a, dir);
}

enum result
admin_audit(const struct config *cfg, const char *sshd_config,
    const struct admin_host *host, FILE *out, FILE *err)
{
	struct audit_run a = { .cfg = cfg, .out = out };
	struct hv *hv = hv_new();
	const char **machines;
	size_t n, i;

	machines = config_machines(cfg, &n);
	for (i = 0; i < n; i++)
		audit_domain(&a, hv, machines[i]);
	a.machines = n;
	audit_media_files(&a);
	audit_shared_addresses(&a);
	audit_session_limits(&a, host);
	audit_session_dir(&a, host != NULL ? host->session_dir : NULL);
	audit_sshd(&a, sshd_config);
	audit_libvirt_access(&a);
	audit_trail(&a, host != NULL ? host->syslog_socket : NULL);
	if (a.findings > 0)
		fprintf(err, "vmgate: audit: %zu finding%s\n", a.findings,
		    a.findings == 1 ? "" : "s");
	else
		fprintf(out, "audit: ok (%zu machine%s, sshd's settings for "
		    "%zu account%s from %zu client addresses): no findings\n",
		    a.machines, a.machines == 1 ? "" : "s", a.accounts,
		    a.accounts == 1 ? "" : "s", NSSHD_CLIENTS);
	fflush(out);
	free(machines);
	free(a.runners);
	free(a.key_readers);
	free(a.dead.v);
	hv_free(hv);
	return a.findings > 0 ? RESULT_FAILED : RESULT_OK;
}

/* ---- sshd-config ---- */

/* "SELF" or "SELF -f CFG": -f only when the config is not the default */
static void
print_self(FILE *out, const char *self, const char *cfg_path)
{
	fputs(self, out);
	if (strcmp(cfg_path, CONFIG_DEFAULT_PATH) != 0)
		fprintf(out, " -f %s", cfg_path);
}

/*
 * One Match block. The settings that make the account model work come
 * first; then every rule audit checks, from the table it checks them by.
 */
static void
print_sshd_block(FILE *out, const char *match, const char *self,
    const char *cfg_path, bool force_command)
{
	size_t i;

	fprintf(out, "%s\n", match);
	if (force_command) {
		/* through the login shell: exec, as in the key lines */
		fputs("\tForceCommand exec ", out);
		print_self(out, self, cfg_path);
		fputc('\n', out);
	}
	fputs("\tAuthorizedKeysCommand ", out);
	print_self(out, self, cfg_path);
	fputs(" authorized-keys %u %t %k\n"
	    "\tAuthorizedKeysCommandUser nobody\n"
	    "\tAuthenticationMethods publickey\n"
	    "\tPasswordAuthentication no\n"
	    "\tKbdInteractiveAuthentication no\n"
	    "\tExposeAuthInfo yes\n"
	    "\tPermitTTY yes\n"
	    "\tGatewayPorts no\n"
	    "\tPermitUserRC no\n", out);
	for (i = 0; i < NSSHD_RULES; i++) {
		if (!sshd_rules[i].global)
			fprintf(out, "\t%s %s\n", sshd_rules[i].name,
			    sshd_rules[i].ok[0]);
	}
}

enum result
admin_sshd_config(const struct config *cfg, const char *self,
    const char *cfg_path, enum sshd_blocks blocks, FILE *out, FILE *err)
{
	const char *group = cfg->tenant_group != NULL ? cfg->tenant_group :
	    CONFIG_DEFAULT_TENANT_GROUP;
	char match[NAME_MAX_LEN + 16];
	bool per_user, shared;
	size_t i;

	if (!path_quotable(self) || !path_quotable(cfg_path)) {
		fprintf(err, "vmgate: sshd-config: the program and config "
		    "paths must be absolute and use only letters, digits "
		    "and /._+@=:,-\n");
		return RESULT_CONFIG;
	}
	if (blocks == SSHD_BLOCKS_SHARED && cfg->service_user == NULL) {
		fprintf(err, "vmgate: sshd-config --shared: %s sets no "
		    "service_user\n", cfg_path);
		return RESULT_CONFIG;
	}
	/* by default, what the config calls for: the shared account when
	 * it names one, per-user accounts when it names their group or
	 * has no shared account */
	shared = blocks == SSHD_BLOCKS_SHARED || (blocks == SSHD_BLOCKS_CONFIG
	    && cfg->service_user != NULL);
	per_user = blocks == SSHD_BLOCKS_PER_USER ||
	    (blocks == SSHD_BLOCKS_CONFIG && (cfg->service_user == NULL ||
	    cfg->tenant_group != NULL));

	fputs("# vmgate: sshd_config snippet (vmgate(8), sshd-config).\n"
	    "# Append it to the END of sshd's config file (Match blocks run "
	    "to the end\n# of the file; sshd keeps the first value it meets, "
	    "so nothing earlier\n# may set these for the same accounts), "
	    "then check it:\n#   sshd -t && ", out);
	print_self(out, self, cfg_path);
	fputs(" audit\n"
	    "#\n"
	    "# A forced command does not stop forwarding: \"ssh -N -L ...\" "
	    "never runs\n# vmgate. What closes it is below: permitopen in "
	    "the key lines that\n# \"vmgate authorized-keys\" writes, "
	    "AllowTcpForwarding local (no -R),\n# AllowStreamLocalForwarding "
	    "no (no path to /run/libvirt/libvirt-sock),\n# no agent or X11 "
	    "forwarding, no tunnels.\n"
	    "#\n"
	    "# AuthorizedKeysCommand needs the program and every directory "
	    "above it owned\n# by root and not writable by group or others. "
	    "AuthorizedKeysCommandUser must\n# be able to read the config "
	    "and the key directory (mode 0644 / 0755).\n# For the SPICE "
	    "permitopen lines it cannot read libvirt: give each domain a\n"
	    "# \"spice = 127.0.0.1:PORT\" in its [domain] section.\n", out);
	for (i = 0; i < NSSHD_RULES; i++) {
		if (sshd_rules[i].global)
			fprintf(out, "#\n# %s cannot be set inside Match: it is "
			    "global, and its\n# default (%s) is what vmgate "
			    "needs; audit checks it too.\n",
			    sshd_rules[i].name, sshd_rules[i].ok[0]);
	}
	if (per_user) {
		fprintf(out, "\n# Per-user model: one account per tenant "
		    "(login name = tenant name), all in\n# the group %s, "
		    "login shell /bin/sh. ForceCommand wins over any\n"
		    "# command= in the key line. sshd runs it through the "
		    "login shell: \"exec\"\n# lets no shell wait in between, "
		    "holding the session's output open (the\n# pipe of \"spice "
		    "VM --vv | remote-viewer -\" would never end).\n", group);
		snprintf(match, sizeof(match), "Match Group %s", group);
		print_sshd_block(out, match, self, cfg_path, true);
	}
	if (shared) {
		fputs("\n# Shared model: one service account (service_user in "
		    "vmgate.ini); the key\n# picks the tenant through the "
		    "command= of its authorized-keys line, so\n# there is no "
		    "ForceCommand here and no key file of the account's "
		    "own.\n", out);
		snprintf(match, sizeof(match), "Match User %s",
		    cfg->service_user);
		print_sshd_block(out, match, self, cfg_path, false);
	}
	return RESULT_OK;
}
