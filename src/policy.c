/*
 * policy: the decision "may tenant T do verb V on machine D" over a parsed
 * config. Pure: no I/O, no allocation but policy_domains' result.
 */
#include <stdlib.h>
#include <string.h>

#include "vmgate/policy.h"

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/* an enabled tenant, or NULL */
static const struct tenant *
enabled(const struct config *cfg, const char *tenant)
{
	const struct tenant *t = config_tenant(cfg, tenant);

	return t != NULL && !t->disabled ? t : NULL;
}

static bool
grant_may(const struct grant *g, enum verb v, const char *domain)
{
	if ((g->allow & VERB_BIT(v)) == 0)
		return false;
	/* bsearch must not see the NULL array of an empty grant */
	return g->ndomains > 0 && bsearch(domain, g->domains, g->ndomains,
	    sizeof(*g->domains), cmp_name) != NULL;
}

/* a grant whose allow list holds only verbs on no machine gives none */
static bool
grant_gives_machines(const struct grant *g)
{
	return (g->allow & verb_machine_verbs()) != 0;
}

/* the tenant's own grant (i == 0), then its groups'; NULL past the end */
static const struct grant *
nth_grant(const struct config *cfg, const struct tenant *t, size_t i)
{
	if (i == 0)
		return &t->grant;
	if (i > t->ngroups || t->groups[i - 1] >= cfg->ngroups)
		return NULL;
	return &cfg->groups[t->groups[i - 1]].grant;
}

bool
policy_tenant_enabled(const struct config *cfg, const char *tenant)
{
	return enabled(cfg, tenant) != NULL;
}

enum policy_login
policy_login(const struct config *cfg, const char *user)
{
	const struct tenant *t;

	if (user == NULL || !name_valid(user))
		return POLICY_LOGIN_NONE;
	/* config checks that no tenant has the service_user's name */
	if (cfg->service_user != NULL && strcmp(user, cfg->service_user) == 0)
		return POLICY_LOGIN_SERVICE;
	if ((t = config_tenant(cfg, user)) == NULL)
		return POLICY_LOGIN_NONE;
	return t->disabled ? POLICY_LOGIN_DISABLED : POLICY_LOGIN_TENANT;
}

bool
policy_may(const struct config *cfg, const char *tenant, enum verb v,
    const char *domain)
{
	const struct tenant *t = enabled(cfg, tenant);
	const struct grant *g;
	size_t i;

	if (t == NULL || v < 0 || v >= VERB_COUNT)
		return false;
	if (!verb_needs_domain(v) && !verb_opt_in(v))
		return true;
	if (verb_needs_domain(v) && domain == NULL)
		return false;
	for (i = 0; i <= t->ngroups; i++) {
		if ((g = nth_grant(cfg, t, i)) == NULL)
			continue;
		if (!verb_needs_domain(v) ? (g->allow & VERB_BIT(v)) != 0 :
		    grant_may(g, v, domain))
			return true;
	}
	return false;
}

bool
policy_may_all(const struct config *cfg, const char *tenant, unsigned verbs,
    const char *domain)
{
	int v;

	if ((verbs & VERB_ALL) == 0 || (verbs & ~VERB_ALL) != 0)
		return false;
	for (v = 0; v < VERB_COUNT; v++) {
		if ((verbs & VERB_BIT(v)) != 0 &&
		    !policy_may(cfg, tenant, (enum verb)v, domain))
			return false;
	}
	return true;
}

const char **
policy_domains(const struct config *cfg, const char *tenant, size_t *n)
{
	const struct tenant *t = enabled(cfg, tenant);
	const struct grant *g;
	const char **out = NULL;
	size_t total = 0, k = 0, i, j;

	*n = 0;
	if (t == NULL)
		return xcalloc(1, sizeof(*out));
	/* own grant first (i == 0), then every group's */
	for (i = 0; i <= t->ngroups; i++) {
		if ((g = nth_grant(cfg, t, i)) != NULL &&
		    grant_gives_machines(g))
			total += g->ndomains;
	}
	out = xcalloc(total + 1, sizeof(*out));
	for (i = 0; i <= t->ngroups; i++) {
		if ((g = nth_grant(cfg, t, i)) == NULL ||
		    !grant_gives_machines(g))
			continue;
		for (j = 0; j < g->ndomains; j++)
			out[k++] = g->domains[j];
	}
	*n = str_sort_unique(out, k);
	return out;
}

static bool
grant_has_media(const struct grant *g, const char *name)
{
	return g->all_media || (g->nmedia > 0 && bsearch(name, g->media,
	    g->nmedia, sizeof(*g->media), cmp_name) != NULL);
}

const struct media_conf *
policy_media(const struct config *cfg, const char *tenant, const char *name)
{
	const struct tenant *t = enabled(cfg, tenant);
	const struct media_conf *m = config_media(cfg, name);
	const struct grant *g;
	size_t i;

	if (t == NULL || m == NULL)
		return NULL;
	for (i = 0; i <= t->ngroups; i++) {
		if ((g = nth_grant(cfg, t, i)) != NULL &&
		    grant_has_media(g, name))
			return m;
	}
	return NULL;
}

const struct media_conf **
policy_media_list(const struct config *cfg, const char *tenant, size_t *n)
{
	const struct media_conf **out;
	size_t i, k = 0;

	/* cfg->media is sorted: so is what passes */
	out = xcalloc(cfg->nmedia + 1, sizeof(*out));
	for (i = 0; i < cfg->nmedia; i++) {
		if (policy_media(cfg, tenant, cfg->media[i].name) != NULL)
			out[k++] = &cfg->media[i];
	}
	*n = k;
	return out;
}

const struct media_conf *
policy_media_by_path(const struct config *cfg, const char *tenant,
    const char *path)
{
	size_t i;

	/* two entries may name one file: any the tenant may use */
	for (i = 0; path != NULL && i < cfg->nmedia; i++) {
		if (strcmp(cfg->media[i].path, path) == 0 &&
		    policy_media(cfg, tenant, cfg->media[i].name) != NULL)
			return &cfg->media[i];
	}
	return NULL;
}
