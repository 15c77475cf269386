/*
 * fuzz_config: config_parse on the raw bytes of a would-be
 * vmgate.ini: long lines, NUL and control bytes, odd encodings, CRLF, all
 * reach the parser as they would from the file. Beyond memory errors it
 * checks the parser's promises and abort()s when one is broken:
 * - a config is used whole or not at all: success means no diagnostic,
 *   failure means at least one and no config;
 * - a line of CONFIG_MAX_LINE bytes or more (not counting "\n" or "\r\n")
 *   or a NUL byte anywhere means failure (inih r55 would cut such a line
 *   and read its tail as a new key);
 * - on success every tenant, group, domain and listed name passes
 *   name_valid, the arrays are sorted and unique, members are tenants,
 *   allow holds only verbs, SPICE endpoints are complete;
 * - every message has the "FILE:LINE: " shape, a LINE within the file,
 *   and only printable ASCII (messages echo untrusted text to a terminal).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/config.h"
#include "vmgate/spice.h"
#include "vmgate/util.h"
#include "vmgate/verb.h"

#include "fuzz.h"

#define FUZZ_NAME	"fuzz.ini"
#define MAX_PORT	65535

/* Does the input hold a line the spec says must be refused outright? */
static bool
has_refused_line(const uint8_t *data, size_t size, size_t *nlines)
{
	const uint8_t *line = data, *end = data + size, *nl;
	size_t len;
	bool refused = false;

	*nlines = 0;
	if (memchr(data, '\0', size) != NULL)
		refused = true;
	while (line < end) {
		(*nlines)++;
		nl = memchr(line, '\n', (size_t)(end - line));
		len = (size_t)((nl != NULL ? nl : end) - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len >= CONFIG_MAX_LINE)
			refused = true;
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return refused;
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

/* "fuzz.ini:LINE: text" with 0 <= LINE <= nlines + 1 */
static void
check_message(const char *msg, size_t nlines)
{
	const char *p;
	char *end;
	unsigned long line;

	CHECK(printable(msg));
	CHECK(strncmp(msg, FUZZ_NAME ":", strlen(FUZZ_NAME ":")) == 0);
	p = msg + strlen(FUZZ_NAME ":");
	CHECK(*p >= '0' && *p <= '9');
	line = strtoul(p, &end, 10);
	CHECK(end[0] == ':' && end[1] == ' ' && end[2] != '\0');
	CHECK(line <= nlines + 1);
}

static void
check_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		CHECK(names[i] != NULL && name_valid(names[i]));
		if (i > 0)
			CHECK(strcmp(names[i - 1], names[i]) < 0);
	}
}

static void
check_grant(const struct grant *g)
{
	check_names(g->domains, g->ndomains);
	CHECK((g->allow & ~VERB_ALL) == 0);
}

static void
check_config(const struct config *c)
{
	size_t i, j;

	CHECK(c->uri != NULL && c->keys_dir != NULL && c->path != NULL);
	CHECK(c->keys_dir[0] == '/');
	CHECK(c->audit_log == NULL || c->audit_log[0] == '/');
	CHECK(c->spice_ttl <= CONFIG_MAX_SPICE_TTL);
	if (c->service_user != NULL) {
		CHECK(name_valid(c->service_user));
		CHECK(strlen(c->service_user) <= CONFIG_MAX_LOGIN);
		CHECK(config_tenant(c, c->service_user) == NULL);
	}
	for (i = 0; i < c->ntenants; i++) {
		const struct tenant *t = &c->tenants[i];

		CHECK(name_valid(t->name));
		if (i > 0)
			CHECK(strcmp(c->tenants[i - 1].name, t->name) < 0);
		CHECK(config_tenant(c, t->name) == t);
		check_grant(&t->grant);
		for (j = 0; j < t->ngroups; j++)
			CHECK(t->groups[j] < c->ngroups);
	}
	for (i = 0; i < c->ngroups; i++) {
		const struct group *g = &c->groups[i];

		CHECK(name_valid(g->name));
		if (i > 0)
			CHECK(strcmp(c->groups[i - 1].name, g->name) < 0);
		CHECK(config_group(c, g->name) == g);
		check_grant(&g->grant);
		check_names(g->members, g->nmembers);
		for (j = 0; j < g->nmembers; j++)
			CHECK(config_tenant(c, g->members[j]) != NULL);
	}
	for (i = 0; i < c->ndomains; i++) {
		const struct domain_conf *dc = &c->domains[i];
		struct spice_endpoint ep;

		CHECK(name_valid(dc->name));
		if (i > 0)
			CHECK(strcmp(c->domains[i - 1].name, dc->name) < 0);
		CHECK(config_domain(c, dc->name) == dc);
		CHECK(config_domain_uri(c, dc->name) != NULL);
		if (dc->spice_host != NULL) {
			CHECK(dc->spice_port >= 1 && dc->spice_port <= MAX_PORT);
			/* whatever the parser takes, the endpoint rule takes:
			 * one host, never a wildcard */
			CHECK(spice_endpoint(dc, NULL, &ep) == 0);
			CHECK(host_valid(dc->spice_host));
			CHECK(strcmp(dc->spice_host, "0.0.0.0") != 0);
			CHECK(strcmp(dc->spice_host, "::") != 0);
		} else
			CHECK(dc->spice_port == 0);
	}
}

/* a section's range lies in the input and starts at its header line */
static void
check_range(struct text_range r, const char *buf, size_t len, bool present)
{
	size_t i = r.off;

	if (!present) {
		CHECK(r.off == 0 && r.len == 0);
		return;
	}
	CHECK(r.off <= len && r.len <= len - r.off && r.len > 0);
	CHECK(r.off == 0 || r.off == 3 || buf[r.off - 1] == '\n');
	while (i < r.off + r.len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	CHECK(i < r.off + r.len && buf[i] == '[');
}

static void
check_ranges(const struct config *c, const char *buf, size_t len)
{
	size_t i;

	if (c->vmgate_range.len > 0)
		check_range(c->vmgate_range, buf, len, true);
	for (i = 0; i < c->ntenants; i++)
		check_range(c->tenants[i].range, buf, len,
		    !c->tenants[i].implicit);
	for (i = 0; i < c->ngroups; i++)
		check_range(c->groups[i].range, buf, len, true);
	for (i = 0; i < c->ndomains; i++)
		check_range(c->domains[i].range, buf, len, true);
	for (i = 0; i < c->nmedia; i++)
		check_range(c->media[i].range, buf, len, true);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	struct diag d;
	size_t nlines, i;
	bool refused;
	int r;

	refused = has_refused_line(data, size, &nlines);
	diag_init(&d);
	r = config_parse(FUZZ_NAME, (const char *)data, size, &cfg, &d);
	if (r == 0) {
		CHECK(cfg != NULL);
		CHECK(d.count == 0 && d.dropped == 0);
		CHECK(!refused);
		check_config(cfg);
		check_ranges(cfg, (const char *)data, size);
	} else {
		CHECK(r == -1);
		CHECK(cfg == NULL);
		CHECK(d.count > 0);
	}
	for (i = 0; i < d.count; i++)
		check_message(d.msgs[i], nlines);
	config_free(cfg);
	diag_clear(&d);
	return 0;
}
