/*
 * policy: may tenant T do verb V on machine D? Pure functions over a parsed
 * config; no I/O. A tenant's rights are the union of its own grant and the
 * grants of its groups, each narrowed by its allow list. A grant without an
 * allow list has every verb but the opt-in ones (verb.h). Disabled or
 * unknown tenants have no rights at all.
 */
#ifndef VMGATE_POLICY_H
#define VMGATE_POLICY_H

#include <stdbool.h>

#include "vmgate/config.h"
#include "vmgate/verb.h"

/* tenant exists and is not disabled */
bool policy_tenant_enabled(const struct config *cfg, const char *tenant);

/*
 * Who may log in through sshd at all, by login name: the service_user and
 * every enabled tenant. The one rule pam_vmgate and authorized-keys both
 * follow; the other two answers only say why not.
 */
enum policy_login {
	POLICY_LOGIN_NONE,	/* not a tenant (or not a valid name) */
	POLICY_LOGIN_DISABLED,	/* a disabled tenant */
	POLICY_LOGIN_TENANT,	/* an enabled tenant: its own account */
	POLICY_LOGIN_SERVICE,	/* the shared service account */
};
enum policy_login policy_login(const struct config *cfg, const char *user);

/*
 * A verb that takes no machine needs an enabled tenant (domain ignored, may
 * be NULL) and, when it is opt-in, an allow list of the tenant or of one of
 * its groups that names it. Every other verb needs a grant naming domain
 * whose verbs include v.
 */
bool policy_may(const struct config *cfg, const char *tenant, enum verb v,
    const char *domain);

/* policy_may for every verb of the VERB_BIT set verbs (none: false) */
bool policy_may_all(const struct config *cfg, const char *tenant,
    unsigned verbs, const char *domain);

/*
 * Every machine the tenant has any right on, sorted and unique, in a new
 * array of borrowed strings (free only the array). *n is set.
 */
const char **policy_domains(const struct config *cfg, const char *tenant,
    size_t *n);

/*
 * The catalog entry name when the tenant may use it (its own media list or
 * a group's; "*" is every entry), else NULL: an entry that is not the
 * tenant's and one that does not exist are the same answer.
 */
const struct media_conf *policy_media(const struct config *cfg,
    const char *tenant, const char *name);

/*
 * The entry of the tenant's catalog whose file is path (what a CD drive
 * holds), or NULL: entries the tenant may not use are not named to it.
 */
const struct media_conf *policy_media_by_path(const struct config *cfg,
    const char *tenant, const char *path);

/*
 * Every catalog entry the tenant may use, sorted by name, in a new array
 * of borrowed pointers (free only the array). *n is set.
 */
const struct media_conf **policy_media_list(const struct config *cfg,
    const char *tenant, size_t *n);

#endif
