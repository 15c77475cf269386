/*
 * main: wires the modules together. Process hygiene first, then the
 * command line, the config, the tenant's identity, and one of: the tenant
 * shell (SSH_ORIGINAL_COMMAND) or an admin command. Only main picks exit
 * codes.
 */
#include <errno.h>
#include <limits.h>
#include <paths.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "vmgate/admin.h"
#include "vmgate/audit.h"
#include "vmgate/cache.h"
#include "vmgate/config.h"
#include "vmgate/env.h"
#include "vmgate/identity.h"
#include "vmgate/keys.h"
#include "vmgate/policy.h"
#include "vmgate/request.h"
#include "vmgate/result.h"
#include "vmgate/session.h"
#include "vmgate/shell.h"
#include "vmgate/spice.h"
#include "vmgate/util.h"

#define MAX_ARGS 16	/* no command of ours takes more */
#define SSH_DEFAULT_PORT 22

struct options {
	const char *config_path;
	const char *tenant;	/* --tenant */
	char **rest;		/* the command and its arguments */
	int nrest;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vmgate [-f FILE] [--tenant NAME]\n"
	    "       vmgate [-f FILE] check [--tenant NAME -- VERB [VM]]\n"
	    "       vmgate [-f FILE] authorized-keys USER [KEYTYPE KEY]\n"
	    "       vmgate [-f FILE] audit [--sshd-config PATH]\n"
	    "       vmgate [-f FILE] sshd-config [--shared | --per-user]\n"
	    "       vmgate --version | --help\n"
	    "\n"
	    "Without a command, vmgate is the tenant shell: the request is\n"
	    "SSH_ORIGINAL_COMMAND (unset means help). See vmgate(8).\n");
}

/* A usage error: why, on one line, then the usage; RESULT_USAGE. */
static enum result
usage_error(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum result
usage_error(FILE *f, const char *fmt, ...)
{
	char why[256], shown[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* it may quote the admin's words: no raw byte reaches the terminal */
	str_sanitize(shown, sizeof(shown), why);
	fprintf(f, "vmgate: %s\n", shown);
	usage(f);
	return RESULT_USAGE;
}

/*
 * Global options come before the command; returns 0, or -1 on bad usage
 * with *why set.
 */
static int
parse_options(int argc, char **argv, struct options *o, const char **why)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->config_path = CONFIG_DEFAULT_PATH;
	if (argc > MAX_ARGS) {
		*why = "too many arguments";
		return -1;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0) {
			if (++i >= argc || argv[i][0] == '\0') {
				*why = "-f needs a FILE";
				return -1;
			}
			o->config_path = argv[i];
		} else if (strcmp(argv[i], "--tenant") == 0) {
			if (++i >= argc) {
				*why = "--tenant needs a NAME";
				return -1;
			}
			o->tenant = argv[i];
		} else
			break;
	}
	o->rest = argv + i;
	o->nrest = argc - i;
	return 0;
}

static void
log_diags(const struct diag *d)
{
	size_t i;

	/* diag_add has escaped every byte outside printable ASCII */
	for (i = 0; i < d->count; i++)
		syslog(LOG_AUTHPRIV | LOG_ERR, "config: %s", d->msgs[i]);
}

/*
 * scope: NULL loads the whole config; a tenant name only what that tenant
 * needs (cache.h: from the snapshot when fresh, else the whole file).
 */
static enum result
load_config(const char *path, const char *scope, struct config **cfg,
    bool show, FILE *err)
{
	struct diag d;
	enum result r = RESULT_OK;
	int e;

	diag_init(&d);
	if (scope == NULL)
		e = config_load(path, geteuid(), cfg, &d);
	else
		e = cache_load_config(path, geteuid(), scope, cfg, &d);
	if (e != 0) {
		log_diags(&d);
		if (show)
			diag_print(&d, err);
		else
			fprintf(err, "vmgate: configuration error: "
			    "ask the admin to run 'vmgate check'\n");
		r = RESULT_CONFIG;
	}
	diag_clear(&d);
	return r;
}

/*
 * The ssh destination the tenant's hints name (help, the SPICE tunnel):
 * ACCOUNT@HOST, the account the tenant logged in as (its own, or the
 * shared service account) on this host's short name, after "-p PORT"
 * when the tenant's sshd listens on another port than ssh's default.
 */
static void
ssh_destination(struct identity *id, char *buf, size_t len)
{
	char host[HOST_NAME_MAX + 1], port[16] = "";
	const char *login = identity_login(id);
	int p = env_server_port();

	if (gethostname(host, sizeof(host)) != 0 || !name_valid(host))
		snprintf(host, sizeof(host), "vmhost");
	host[strcspn(host, ".")] = '\0';
	if (p != 0 && p != SSH_DEFAULT_PORT)
		snprintf(port, sizeof(port), "-p %d ", p);
	if (login[0] != '\0')
		snprintf(buf, len, "%s%s@%s", port, login, host);
	else
		snprintf(buf, len, "%s%s", port, host);
}

/* ssh_destination, made on the shell's first hint (shell.h) */
struct destination {
	struct identity *id;
	bool made;
	char buf[16 + NAME_MAX_LEN + 1 + HOST_NAME_MAX + 1];
};

static const char *
destination_get(void *arg)
{
	struct destination *d = arg;

	if (!d->made) {
		ssh_destination(d->id, d->buf, sizeof(d->buf));
		d->made = true;
	}
	return d->buf;
}

static void
audit_early(const struct config *cfg, const char *tenant, const char *key,
    const char *from, const struct request *req, const char *request,
    enum audit_result res, const char *detail)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.tenant = tenant;
	ev.key = key;
	ev.from = from;
	/* what the parse got, even from a refused request */
	ev.verb = req->verb != VERB_NONE ? verb_name(req->verb) : NULL;
	ev.domain = req->domain;
	ev.request = request;
	ev.result = res;
	ev.detail = detail;
	audit_record(cfg != NULL ? cfg->audit_log : NULL, &ev);
}

static enum result
run_tenant_shell(const struct options *o)
{
	struct config *cfg = NULL;
	struct identity id;
	struct request req;
	struct shell_ctx ctx;
	char fp[KEYS_FP_LEN] = "";
	char from[64];
	struct destination host;
	char errbuf[REQUEST_REASON_MAX];
	const char *request = env_get("SSH_ORIGINAL_COMMAND");
	const char *auth = env_get("SSH_USER_AUTH");
	enum result r;
	bool bad_request;

	/* no key of the tenant's terminal may come between act and audit */
	env_signals_hold();
	env_client_addr(from, sizeof(from));
	identity_init(&id, o->tenant);

	/* A malformed request is refused before anything else is decided;
	 * parsed once, here, for the shell too. */
	bad_request = request_parse(request, &req, errbuf,
	    sizeof(errbuf)) != 0;

	r = load_config(o->config_path, identity_scope(&id), &cfg,
	    getuid() == 0, stderr);
	/* the key directory's index spares loading libssh when it knows the
	 * key; every audit line below names the key, whatever happens */
	if (auth != NULL && keys_from_auth_info(auth, r == RESULT_OK ?
	    cfg->keys_dir : NULL, fp, sizeof(fp)) != 0)
		fp[0] = '\0';
	(void)identity_check(&id, r == RESULT_OK ? cfg : NULL);
	if (bad_request) {
		fprintf(stderr, "vmgate: %s\n", errbuf);
		audit_early(cfg, identity_audit_name(&id), fp[0] ? fp : NULL,
		    from, &req, request, AUDIT_USAGE, errbuf);
		r = RESULT_USAGE;
		goto out;
	}
	if (r != RESULT_OK) {
		audit_early(NULL, identity_audit_name(&id), fp[0] ? fp : NULL,
		    from, &req, request, AUDIT_ERROR, "configuration error");
		goto out;
	}
	if (id.tenant == NULL || !policy_tenant_enabled(cfg, id.tenant)) {
		fprintf(stderr, "vmgate: access denied\n");
		/* a refused --tenant is the caller's word, not an identity */
		audit_early(cfg, identity_audit_name(&id), fp[0] ? fp : NULL,
		    from, &req, request, AUDIT_DENIED, id.tenant == NULL ?
		    id.why : "not an enabled tenant");
		r = RESULT_DENIED;
		goto out;
	}

	memset(&host, 0, sizeof(host));
	host.id = &id;
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.tenant = id.tenant;
	ctx.key_fp = fp[0] ? fp : NULL;
	ctx.from = from;
	ctx.request = request;
	ctx.req = &req;
	ctx.vmhost = destination_get;
	ctx.vmhost_arg = &host;
	ctx.out = stdout;
	ctx.err = stderr;
	ctx.session_dir = SESSION_DIR;
	r = shell_run(&ctx);
out:
	request_clear(&req);
	config_free(cfg);
	return r;
}

static enum result
run_check(const struct options *o, FILE *out, FILE *err)
{
	struct config *cfg = NULL;
	enum result r;
	char **a = o->rest + 1;
	int n = o->nrest - 1;

	if (n == 0)
		return admin_check(o->config_path, geteuid(), out, err);
	/* check --tenant NAME -- VERB [VM] */
	if (n < 4 || n > 5 || strcmp(a[0], "--tenant") != 0 ||
	    strcmp(a[2], "--") != 0)
		return usage_error(err, "check takes no arguments, or "
		    "--tenant NAME -- VERB [VM]");
	if ((r = load_config(o->config_path, a[1], &cfg, true, err)) !=
	    RESULT_OK)
		return r;
	r = admin_check_request(cfg, a[1], a[3], n == 5 ? a[4] : NULL,
	    out, err);
	config_free(cfg);
	return r;
}

/*
 * The absolute paths sshd is to run: this binary's (not the name it was
 * started by) and the config's. Buffers of PATH_MAX; 0 or -1.
 */
static int
resolve_paths(const struct options *o, char *self, char *cfgpath, FILE *err)
{
	if (realpath("/proc/self/exe", self) == NULL ||
	    realpath(o->config_path, cfgpath) == NULL) {
		fprintf(err, "vmgate: cannot resolve paths: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static enum result
run_authorized_keys(const struct options *o, FILE *out, FILE *err)
{
	struct config *cfg = NULL;
	char self[PATH_MAX], cfgpath[PATH_MAX];
	struct diag d;
	enum result r;
	char **a = o->rest + 1;
	int n = o->nrest - 1;

	if (n != 1 && n != 3)
		return usage_error(err, "authorized-keys takes USER, or USER "
		    "KEYTYPE KEY");
	if (resolve_paths(o, self, cfgpath, err) != 0)
		return RESULT_CONFIG;
	diag_init(&d);
	if (admin_login_config(o->config_path, geteuid(), a[0],
	    n == 3 ? a[2] : NULL, &cfg, &d) != 0) {
		log_diags(&d);
		diag_print(&d, err);
		diag_clear(&d);
		return RESULT_CONFIG;
	}
	diag_clear(&d);
	r = admin_authorized_keys(cfg, self, cfgpath, a[0],
	    n == 3 ? a[1] : NULL, n == 3 ? a[2] : NULL, out, err);
	config_free(cfg);
	return r;
}

static enum result
run_audit(const struct options *o, FILE *out, FILE *err)
{
	struct config *cfg = NULL;
	const char *sshd_config = "/etc/ssh/sshd_config";
	const struct admin_host host = { _PATH_LOG, SESSION_DIR,
	    LIBVIRTD_PIDFILE, LIBVIRTD_CONF };
	enum result r;
	char **a = o->rest + 1;
	int n = o->nrest - 1;

	if (n == 2 && strcmp(a[0], "--sshd-config") == 0)
		sshd_config = a[1];
	else if (n != 0)
		return usage_error(err, "audit takes no arguments, or "
		    "--sshd-config PATH");
	if ((r = load_config(o->config_path, NULL, &cfg, true, err)) !=
	    RESULT_OK)
		return r;
	r = admin_audit(cfg, sshd_config, &host, out, err);
	config_free(cfg);
	return r;
}

static enum result
run_sshd_config(const struct options *o, FILE *out, FILE *err)
{
	struct config *cfg = NULL;
	char self[PATH_MAX], cfgpath[PATH_MAX];
	enum sshd_blocks blocks = SSHD_BLOCKS_CONFIG;
	enum result r;
	char **a = o->rest + 1;
	int n = o->nrest - 1;

	if (n == 1 && strcmp(a[0], "--shared") == 0)
		blocks = SSHD_BLOCKS_SHARED;
	else if (n == 1 && strcmp(a[0], "--per-user") == 0)
		blocks = SSHD_BLOCKS_PER_USER;
	else if (n != 0)
		return usage_error(err, "sshd-config takes no arguments, "
		    "--shared or --per-user");
	if ((r = load_config(o->config_path, NULL, &cfg, true, err)) !=
	    RESULT_OK)
		return r;
	if (resolve_paths(o, self, cfgpath, err) != 0)
		r = RESULT_CONFIG;
	else
		r = admin_sshd_config(cfg, self, cfgpath, blocks, out, err);
	config_free(cfg);
	return r;
}

int
main(int argc, char **argv)
{
	struct options o;
	enum result r;
	const char *cmd, *why = NULL;

	env_sanitize_process();
	openlog("vmgate", LOG_PID, LOG_AUTHPRIV);

	if (parse_options(argc, argv, &o, &why) != 0)
		return result_exit_code(usage_error(stderr, "%s", why));
	if (o.nrest == 0) {
		r = run_tenant_shell(&o);
		fflush(stdout);
		return result_exit_code(r);
	}
	cmd = o.rest[0];
	if (o.tenant != NULL)
		/* --tenant belongs to the tenant shell (or check's own) */
		return result_exit_code(usage_error(stderr, "--tenant before "
		    "a command: only check takes it, after the command "
		    "(check --tenant NAME -- VERB [VM])"));
	if ((strcmp(cmd, "--version") == 0 || strcmp(cmd, "--help") == 0) &&
	    o.nrest != 1) {
		r = usage_error(stderr, "%s takes no arguments", cmd);
	} else if (strcmp(cmd, "--version") == 0) {
		printf("vmgate %s\n", VMGATE_VERSION);
		r = RESULT_OK;
	} else if (strcmp(cmd, "--help") == 0) {
		usage(stdout);
		r = RESULT_OK;
	} else if (strcmp(cmd, "check") == 0) {
		r = run_check(&o, stdout, stderr);
	} else if (strcmp(cmd, "authorized-keys") == 0) {
		r = run_authorized_keys(&o, stdout, stderr);
	} else if (strcmp(cmd, "audit") == 0) {
		r = run_audit(&o, stdout, stderr);
	} else if (strcmp(cmd, "sshd-config") == 0) {
		r = run_sshd_config(&o, stdout, stderr);
	} else if (strcmp(cmd, SPICE_HOLD_COMMAND) == 0 && o.nrest == 2) {
		/* a held spice session, re-executed by itself (spice.h) */
		r = spice_hold_run(o.rest[1]) == 0 ? RESULT_OK : RESULT_USAGE;
	} else {
		r = usage_error(stderr, "unknown command '%s'", cmd);
	}
	if (fflush(stdout) != 0 && r == RESULT_OK)
		r = RESULT_FAILED;
	return result_exit_code(r);
}
