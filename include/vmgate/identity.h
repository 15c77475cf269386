/*
 * identity: who is asking, decided once per run, and the user database
 * facts that decision needs.
 *
 * sshd runs the tenant shell with the uid of the account that logged in
 * and tells it nothing else it may trust about that account, so the
 * tenant is the real uid's login name. Two accounts that share a uid
 * cannot be told apart that way: such a uid names no tenant at all (the
 * request is refused) and `vmgate audit` reports the accounts. --tenant
 * NAME (the command= of the shared account's key lines) is honoured only
 * when the real uid is root's or the service_user's.
 */
#ifndef VMGATE_IDENTITY_H
#define VMGATE_IDENTITY_H

#include <stdbool.h>
#include <sys/types.h>

#include "vmgate/config.h"
#include "vmgate/util.h"

#define IDENTITY_MAX_AUDIT	(NAME_MAX_LEN + 24)	/* "uid=N" fits too */
#define IDENTITY_MAX_WHY	(2 * NAME_MAX_LEN + 64)

struct identity {
	uid_t uid;			/* real uid */
	const char *asked;		/* --tenant, borrowed; NULL: not given */
	bool looked_up;			/* login holds the database's answer */
	char login[NAME_MAX_LEN + 1];	/* the uid's account; "" when none
					   (see identity_login) */
	char sharer[NAME_MAX_LEN + 1];	/* another account with the uid
					   (looked for without --tenant) */
	const char *tenant;		/* set by identity_check */
	char audit_name[IDENTITY_MAX_AUDIT];
	char why[IDENTITY_MAX_WHY];	/* identity_check's refusal */
};

/*
 * Look the caller up: without --tenant its account and one pass over the
 * user database. With --tenant the uid alone decides (root's, or the
 * service_user's: identity_check looks that name up), so the account
 * name is left for identity_login.
 */
void identity_init(struct identity *id, const char *asked);

/*
 * The uid's account name, "" when none: looked up on the first call
 * (identity_init makes it without --tenant). Only hints show it with
 * --tenant, so a request refused before it prints one never asks.
 */
const char *identity_login(struct identity *id);

/* The name to load the config for: --tenant, else the login; NULL: none. */
const char *identity_scope(const struct identity *id);

/*
 * Settle who the request is for: 0 with id->tenant set (an enabled tenant
 * is still policy's question), or -1 with the reason in id->why. cfg may
 * be NULL (unreadable config): then only the audit name is settled.
 */
int identity_check(struct identity *id, const struct config *cfg);

/*
 * The tenant field of the request's audit line: the settled tenant, else
 * what the caller may claim (--tenant from root or the service user, the
 * login name), else "uid=N". Valid after identity_check, also on failure.
 */
const char *identity_audit_name(const struct identity *id);

/* One account of the user database. */
struct account {
	char *name;
	uid_t uid;
};

/* every account, in one pass, sorted by name; free with account_list_free */
struct account *account_list(size_t *n);
void account_list_free(struct account *v, size_t n);
/* the account named name in v (sorted by name), or NULL */
const struct account *account_find(const struct account *v, size_t n,
    const char *name);
/* an account of v other than name with the same uid, or NULL */
const char *account_uid_sharer(const struct account *v, size_t n,
    const char *name, uid_t uid);

#endif
