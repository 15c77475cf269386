/*
 * pam_vmgate: the PAM account module (pam_vmgate(8)). It owns one decision: may
 * this login name open an SSH session on the VM host at all? Yes for an
 * enabled tenant and for the service_user, no for everyone else and no
 * whenever the config cannot be trusted. It runs in sshd's account phase, so
 * it also stops a removed tenant on `ssh -N -L`, where no command ever runs.
 *
 * The module keeps no state between calls: every call loads the config,
 * decides, logs one line and frees everything.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "vmgate/config.h"
#include "vmgate/policy.h"
#include "vmgate/util.h"

/* Only the PAM entry points leave the shared object. */
#define PAM_VMGATE_EXPORT	__attribute__((visibility("default")))

#define OPT_CONFIG		"config="
#define LOG_FIELD_MAX		256	/* bytes of one log field, NUL included */
#define CONFIG_OWNER_ROOT	0	/* the config must be root's: see below */

struct decision {
	bool permit;
	int priority;		/* syslog priority of the log line */
	const char *reason;	/* static text */
	const char *detail;	/* optional, untrusted: sanitised when logged */
};

static void
decide(struct decision *dec, bool permit, int priority, const char *reason,
    const char *detail)
{
	dec->permit = permit;
	dec->priority = priority;
	dec->reason = reason;
	dec->detail = detail;
}

/*
 * Module options: only config=ABSOLUTE_PATH, at most once. Anything else is
 * a mistake in the PAM stack, and a mistake in front of a privilege
 * boundary must deny, never be skipped.
 */
static int
parse_options(int argc, const char **argv, const char **path,
    struct decision *dec)
{
	bool seen = false;
	int i;

	*path = CONFIG_DEFAULT_PATH;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (strncmp(arg, OPT_CONFIG, strlen(OPT_CONFIG)) != 0) {
			decide(dec, false, LOG_ERR, "unknown module option",
			    arg);
			return -1;
		}
		if (seen) {
			decide(dec, false, LOG_ERR, "config= given twice", arg);
			return -1;
		}
		seen = true;
		*path = arg + strlen(OPT_CONFIG);
		if ((*path)[0] != '/') {
			decide(dec, false, LOG_ERR,
			    "config= needs an absolute path", arg);
			return -1;
		}
	}
	return 0;
}

/*
 * The decision for one login name. The config must be owned by root
 * (owner_ok 0): the module runs inside sshd as root, and a file anyone else
 * can write would let them choose who logs in. A config with any problem is
 * not used at all.
 */
static void
decide_user(const char *path, const char *user, struct decision *dec,
    struct config **cfgp, struct diag *d)
{
	const struct config *cfg;

	if (!name_valid(user)) {
		decide(dec, false, LOG_NOTICE, "not a valid tenant name", NULL);
		return;
	}
	if (config_load(path, CONFIG_OWNER_ROOT, cfgp, d) != 0) {
		decide(dec, false, LOG_ERR, "config refused",
		    d->count > 0 ? d->msgs[0] : path);
		return;
	}
	cfg = *cfgp;
	/* deny unless one of the answers below permits */
	decide(dec, false, LOG_NOTICE, "not a tenant", NULL);
	switch (policy_login(cfg, user)) {
	case POLICY_LOGIN_SERVICE:
		decide(dec, true, LOG_INFO, "service user", NULL);
		break;
	case POLICY_LOGIN_TENANT:
		decide(dec, true, LOG_INFO, "enabled tenant", NULL);
		break;
	case POLICY_LOGIN_DISABLED:
		decide(dec, false, LOG_NOTICE, "tenant disabled", NULL);
		break;
	case POLICY_LOGIN_NONE:
		decide(dec, false, LOG_NOTICE, "not a tenant", NULL);
		break;
	}
}

static void
log_decision(pam_handle_t *pamh, const char *user, const struct decision *dec,
    size_t more)
{
	char suser[LOG_FIELD_MAX], sdetail[LOG_FIELD_MAX];

	str_sanitize(suser, sizeof(suser), user != NULL ? user : "-");
	if (dec->detail == NULL) {
		pam_syslog(pamh, LOG_AUTHPRIV | dec->priority,
		    "user=%s decision=%s reason=\"%s\"", suser,
		    dec->permit ? "permit" : "deny", dec->reason);
		return;
	}
	str_sanitize(sdetail, sizeof(sdetail), dec->detail);
	if (more > 0) {
		pam_syslog(pamh, LOG_AUTHPRIV | dec->priority,
		    "user=%s decision=%s reason=\"%s: %s (and %zu more)\"",
		    suser, dec->permit ? "permit" : "deny", dec->reason,
		    sdetail, more);
	} else {
		pam_syslog(pamh, LOG_AUTHPRIV | dec->priority,
		    "user=%s decision=%s reason=\"%s: %s\"", suser,
		    dec->permit ? "permit" : "deny", dec->reason, sdetail);
	}
}

PAM_VMGATE_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct decision dec;
	struct config *cfg = NULL;
	struct diag d;
	const char *path = NULL, *user = NULL;
	size_t more = 0;
	int r;

	(void)flags;
	diag_init(&d);
	decide(&dec, false, LOG_ERR, "internal error", NULL);
	/* the user first, so that even a bad stack line names who was denied */
	r = pam_get_user(pamh, &user, NULL);
	if (r != PAM_SUCCESS || user == NULL) {
		user = NULL;
		decide(&dec, false, LOG_ERR, "no user name",
		    pam_strerror(pamh, r));
		goto out;
	}
	if (parse_options(argc, argv, &path, &dec) != 0)
		goto out;
	decide_user(path, user, &dec, &cfg, &d);
	if (d.count > 0)
		more = d.count - 1 + d.dropped;
 out:
	log_decision(pamh, user, &dec, more);
	config_free(cfg);
	diag_clear(&d);
	return dec.permit ? PAM_SUCCESS : PAM_PERM_DENIED;
}

/*
 * vmgate only answers the account question. Placed in another stack by
 * mistake, it must neither grant nor refuse anything there.
 */
PAM_VMGATE_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PAM_VMGATE_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PAM_VMGATE_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PAM_VMGATE_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PAM_VMGATE_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}
