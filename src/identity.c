/*
 * identity: who is asking (identity.h). The user database is read through
 * getpwent at most once per run; nothing here reads the environment.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmgate/identity.h"

static int
cmp_account(const void *a, const void *b)
{
	return strcmp(((const struct account *)a)->name,
	    ((const struct account *)b)->name);
}

struct account *
account_list(size_t *n)
{
	struct account *v = NULL;
	struct passwd *pw;
	size_t cap = 0;

	*n = 0;
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[*n].name = xstrdup(pw->pw_name);
		v[(*n)++].uid = pw->pw_uid;
	}
	endpwent();
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_account);
	return v;
}

void
account_list_free(struct account *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

const struct account *
account_find(const struct account *v, size_t n, const char *name)
{
	struct account key = { (char *)name, 0 };

	if (n == 0)
		return NULL;
	return bsearch(&key, v, n, sizeof(*v), cmp_account);
}

const char *
account_uid_sharer(const struct account *v, size_t n, const char *name,
    uid_t uid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].uid == uid && strcmp(v[i].name, name) != 0)
			return v[i].name;
	}
	return NULL;
}

const char *
identity_login(struct identity *id)
{
	struct passwd *pw;

	if (!id->looked_up) {
		id->looked_up = true;
		if ((pw = getpwuid(id->uid)) != NULL &&
		    name_valid(pw->pw_name))
			snprintf(id->login, sizeof(id->login), "%s",
			    pw->pw_name);
	}
	return id->login;
}

void
identity_init(struct identity *id, const char *asked)
{
	struct account *v;
	const char *other;
	size_t n;

	memset(id, 0, sizeof(*id));
	id->uid = getuid();
	id->asked = asked;
	/* root and the service user name the tenant with --tenant */
	if (asked != NULL || identity_login(id)[0] == '\0')
		return;
	v = account_list(&n);
	if ((other = account_uid_sharer(v, n, id->login, id->uid)) != NULL)
		snprintf(id->sharer, sizeof(id->sharer), "%s", other);
	account_list_free(v, n);
}

const char *
identity_scope(const struct identity *id)
{
	if (id->asked != NULL)
		return id->asked;
	return id->login[0] != '\0' ? id->login : NULL;
}

/* root, or the service_user's uid: the callers whose --tenant counts */
static bool
trusted_caller(const struct identity *id, const struct config *cfg)
{
	struct passwd *pw;

	if (id->uid == 0)
		return true;
	return cfg != NULL && cfg->service_user != NULL &&
	    (pw = getpwnam(cfg->service_user)) != NULL &&
	    pw->pw_uid == id->uid;
}

int
identity_check(struct identity *id, const struct config *cfg)
{
	bool trusted = id->asked != NULL && trusted_caller(id, cfg);

	id->tenant = NULL;
	/* what an audit line may name, settled or not */
	if (trusted)
		snprintf(id->audit_name, sizeof(id->audit_name), "%s",
		    id->asked);
	else if (id->asked == NULL && id->login[0] != '\0' &&
	    id->sharer[0] == '\0')
		snprintf(id->audit_name, sizeof(id->audit_name), "%s",
		    id->login);
	else
		snprintf(id->audit_name, sizeof(id->audit_name), "uid=%lu",
		    (unsigned long)id->uid);

	id->why[0] = '\0';
	if (id->asked != NULL && !trusted)
		snprintf(id->why, sizeof(id->why), "--tenant is honoured only "
		    "for root and the service user");
	else if (id->asked == NULL && id->login[0] == '\0')
		snprintf(id->why, sizeof(id->why), "unknown user");
	else if (id->asked == NULL && id->sharer[0] != '\0')
		snprintf(id->why, sizeof(id->why), "uid %lu is shared by "
		    "accounts %s and %s", (unsigned long)id->uid, id->login,
		    id->sharer);
	else if (cfg == NULL)
		snprintf(id->why, sizeof(id->why), "no configuration");
	if (id->why[0] != '\0')
		return -1;
	id->tenant = id->asked != NULL ? id->asked : id->login;
	return 0;
}

const char *
identity_audit_name(const struct identity *id)
{
	return id->tenant != NULL ? id->tenant : id->audit_name;
}
