/*
 * shell: the tenant verbs (vmgate(8)). One request per run: parse it, check
 * the policy, act through the hypervisor module, print the tenant's short
 * answer and leave exactly one audit line. A machine the tenant has no
 * right on and a machine libvirt does not know get the same answer, so
 * nothing reveals other tenants' machines. libvirt's own text only ever
 * reaches the audit detail.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmgate/audit.h"
#include "vmgate/console.h"
#include "vmgate/deadline.h"
#include "vmgate/env.h"
#include "vmgate/hypervisor.h"
#include "vmgate/image.h"
#include "vmgate/keytable.h"
#include "vmgate/policy.h"
#include "vmgate/request.h"
#include "vmgate/session.h"
#include "vmgate/shell.h"
#include "vmgate/spice.h"
#include "vmgate/util.h"
#include "vmgate/verb.h"

#define SHELL_DETAIL	512	/* audit detail */
#define SHELL_SYNOPSIS	96	/* one verb's synopsis in help */
#define HELP_COLUMN	25	/* where help's descriptions start */
#define SHELL_URI_SHOWN	256	/* a URI as uri_shown writes it */
#define KIB_PER_MIB	1024ULL
#define SHOT_CHUNK	65536	/* bytes of the screenshot stream read at once */
#define SHOT_MIME	64	/* libvirt's name of the image type */
#define SHELL_SIZE	16	/* "1023.9G" */
#define SHELL_WHY	(4096 + 128)	/* path_file_safe's reason */
#define CDROM_EMPTY	"empty"
#define CDROM_OTHER	"other"	/* a file that is not among the tenant's media */
#ifndef VMGATE_HOLD_IN_PLACE
#define VMGATE_HOLD_IN_PLACE 0	/* 1: the old hold, built by make bench */
#endif

/* One request on its way through the shell. */
struct run {
	const struct shell_ctx *ctx;
	struct request req;		/* the caller's, borrowed */
	struct hv *hv;			/* created on first use */
	struct hv_domain *dom;		/* the machine acted on */
	char detail[SHELL_DETAIL];	/* for the audit line only */
	bool hold_spice;		/* wait after the audit line */
	int slot;			/* session slot held, or -1 */
	char slot_note[SHELL_DETAIL + 32];	/* why no limit was counted, or "" */
	struct spice_ticket ticket;
	const char *media;		/* install media named, for the audit */
	int tenant_err;			/* the tenant's stderr, for the deadline */
};

typedef enum result (*verb_fn)(struct run *);

/*
 * What the shell does for each verb (its other facts are in verb.c), in
 * handlers[] at the end. The life-cycle verbs share do_action: what to
 * call and what the tenant reads.
 */
/*
 * How a verb's waits on libvirt are bounded (libvirt_timeout). Only they
 * may count: the tenant's own pace (a terminal stopped with ^S, output
 * nobody reads) must never pass for a silent libvirt, so a bounded verb's
 * answer is held back in memory until libvirt is done with; the console
 * and the screenshot write at the tenant's pace themselves and disarm
 * the deadline while they do.
 */
enum bound {
	NOT_BOUNDED,		/* never reaches libvirt */
	BOUNDED,
	BOUNDED_PACED,
};

struct handler {
	verb_fn run;
	enum bound bound;
	int (*act)(struct hv_domain *);
	const char *done;
	const char *wrong_state;
};

static void
set_detail(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_detail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static const char *
libvirt_text(const struct run *r)
{
	return r->hv != NULL ? hv_last_error(r->hv) : "";
}

/* the ssh destination for hints (shell.h), made when one is printed */
static const char *
vmhost(const struct shell_ctx *c)
{
	return c->vmhost != NULL ? c->vmhost(c->vmhost_arg) : "vmhost";
}

static struct hv *
get_hv(struct run *r)
{
	if (r->hv == NULL)
		r->hv = hv_new();
	return r->hv;
}

/* JSON string; names are safe by the allow-list, but nothing is assumed. */
static void
json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* the install media the request itself names (insert VM MEDIA), or NULL */
static const char *
named_media(const struct request *q)
{
	return verb_arg(q->verb) == VERB_ARG_MEDIA ? q->arg : NULL;
}

static enum result
no_such_machine(struct run *r, const char *why)
{
	fprintf(r->ctx->err, "vmgate: %s: no such machine\n", r->req.domain);
	set_detail(r, "%s", why);
	return RESULT_DENIED;
}

/* "vmgate: URI: unreachable", the URI as a tenant may read it */
static void
host_unreachable_line(char *buf, size_t len, const char *uri)
{
	char shown[SHELL_URI_SHOWN];

	uri_shown(shown, sizeof(shown), uri);
	snprintf(buf, len, "vmgate: %s: unreachable\n", shown);
}

static void
say_host_unreachable(struct run *r, const char *uri)
{
	char line[SHELL_URI_SHOWN + 32];

	host_unreachable_line(line, sizeof(line), uri);
	fputs(line, r->ctx->err);
}

/* A machine on a host elsewhere names that host, as list does; the
 * gateway's own daemon is "the hypervisor". */
static void
unreachable_line(const struct run *r, char *buf, size_t len)
{
	const char *uri = r->req.domain != NULL ?
	    config_domain_uri(r->ctx->cfg, r->req.domain) : NULL;

	if (uri != NULL && !uri_local(uri))
		host_unreachable_line(buf, len, uri);
	else
		snprintf(buf, len, "vmgate: cannot reach the hypervisor\n");
}

static enum result
unreachable(struct run *r)
{
	char line[SHELL_URI_SHOWN + 32];

	unreachable_line(r, line, sizeof(line));
	fputs(line, r->ctx->err);
	set_detail(r, "libvirt unreachable: %s", libvirt_text(r));
	return RESULT_UNAVAILABLE;
}

/* An hv_err from acting on the machine, as the tenant should see it. */
static enum result
hv_failure(struct run *r, int err, const char *what)
{
	switch (err) {
	case HV_EUNREACHABLE:
		return unreachable(r);
	case HV_ENOENT:
		return no_such_machine(r, "machine vanished");
	default:
		fprintf(r->ctx->err, "vmgate: %s: %s failed\n", r->req.domain,
		    what);
		set_detail(r, "%s", libvirt_text(r));
		return RESULT_FAILED;
	}
}

/*
 * May the tenant do all the request asks of its machine? The config
 * alone decides, before any lookup, so "not yours" and "does not exist"
 * get one answer; shell_run asks it before counting a session too.
 */
static enum result
machine_permitted(struct run *r)
{
	const struct shell_ctx *c = r->ctx;

	if (!policy_may_all(c->cfg, c->tenant, request_verbs(&r->req),
	    r->req.domain))
		return no_such_machine(r, "not permitted");
	return RESULT_OK;
}

/*
 * The policy check and the lookup of the request's machine, with one
 * answer for "not yours" and "does not exist". On success r->dom is set.
 */
static enum result
open_machine(struct run *r)
{
	const struct shell_ctx *c = r->ctx;
	const char *name = r->req.domain;
	enum result res;
	int err = HV_OK;

	if ((res = machine_permitted(r)) != RESULT_OK)
		return res;
	r->dom = hv_lookup(get_hv(r), config_domain_uri(c->cfg, name), name,
	    &err);
	if (r->dom != NULL)
		return RESULT_OK;
	if (err == HV_ENOENT)
		return no_such_machine(r, "granted but not defined in libvirt");
	return hv_failure(r, err, "lookup");
}

/* the tenant has every verb of the set verbs on some machine of names */
static bool
tenant_may_use(const struct config *cfg, const char *tenant, unsigned verbs,
    const char **names, size_t n)
{
	size_t i;

	if (policy_may_all(cfg, tenant, verbs, NULL))
		return true;
	for (i = 0; i < n; i++) {
		if (policy_may_all(cfg, tenant, verbs, names[i]))
			return true;
	}
	return false;
}

/* the options of v the tenant may use: those that need another verb too
 * are left out unless the tenant has both */
static unsigned
usable_options(const struct shell_ctx *c, enum verb v, const char **names,
    size_t n)
{
	unsigned opts = verb_options(v), bit, shown = 0;
	enum verb extra;

	for (bit = 1; bit != 0 && bit <= opts; bit <<= 1) {
		if ((opts & bit) == 0)
			continue;
		extra = verb_option_needs(bit);
		if (extra == VERB_NONE || tenant_may_use(c->cfg, c->tenant,
		    VERB_BIT(v) | VERB_BIT(extra), names, n))
			shown |= bit;
	}
	return shown;
}

static enum result
do_help(struct run *r)
{
	const struct shell_ctx *c = r->ctx;
	const char **names = NULL;
	char synopsis[SHELL_SYNOPSIS];
	size_t n = 0, i;
	int v;

	names = policy_domains(c->cfg, c->tenant, &n);
	fprintf(c->out, "usage: ssh %s COMMAND\n\ncommands:\n", vmhost(c));
	for (v = 0; v < VERB_COUNT; v++) {
		if (!tenant_may_use(c->cfg, c->tenant, VERB_BIT(v), names, n))
			continue;
		verb_usage((enum verb)v, usable_options(c, (enum verb)v, names,
		    n), synopsis, sizeof(synopsis));
		/* a synopsis too long for the column gets a line of its own */
		if (strlen(synopsis) < HELP_COLUMN)
			fprintf(c->out, "  %-*s%s\n", HELP_COLUMN, synopsis,
			    verb_help((enum verb)v));
		else
			fprintf(c->out, "  %s\n  %-*s%s\n", synopsis,
			    HELP_COLUMN, "", verb_help((enum verb)v));
	}
	fprintf(c->out, "\nmachines:");
	for (i = 0; i < n; i++)
		fprintf(c->out, " %s", names[i]);
	fprintf(c->out, "%s\n", n == 0 ? " none" : "");
	free(names);
	return RESULT_OK;
}

#define STATE_UNKNOWN	"unknown"	/* list: the machine's host did not answer */

/* One "vmgate: URI: unreachable" line per host that did not answer, in
 * the order its first machine comes; the URI as a tenant may read it.
 * The number of such hosts. */
static size_t
report_unreachable(struct run *r, const struct hv_query *q, size_t n)
{
	size_t i, j, hosts = 0;

	for (i = 0; i < n; i++) {
		if (q[i].err != HV_EUNREACHABLE)
			continue;
		for (j = 0; j < i; j++) {
			if (q[j].err == HV_EUNREACHABLE &&
			    strcmp(q[j].uri, q[i].uri) == 0)
				break;
		}
		if (j < i)
			continue;
		say_host_unreachable(r, q[i].uri);
		hosts++;
	}
	return hosts;
}

/*
 * Every host the tenant's machines live on is asked at once; a host that
 * does not answer leaves its machines "unknown" and the answer exit 69,
 * while the other hosts' machines are listed as usual. A machine libvirt
 * does not know (or that failed to answer) is left out, like a foreign one.
 */
static enum result
do_list(struct run *r)
{
	const struct shell_ctx *c = r->ctx;
	const char **names = NULL;
	struct hv_query *q = NULL;
	enum result res = RESULT_OK;
	size_t n = 0, skipped = 0, dead, shown = 0, i;
	const char *state;

	names = policy_domains(c->cfg, c->tenant, &n);
	q = xcalloc(n, sizeof(*q));
	for (i = 0; i < n; i++) {
		q[i].uri = config_domain_uri(c->cfg, names[i]);
		q[i].name = names[i];
	}
	if (n > 0)
		hv_query_states(get_hv(r), q, n);
	for (i = 0; i < n; i++)
		skipped += q[i].err == HV_EFAIL;
	if ((dead = report_unreachable(r, q, n)) > 0) {
		set_detail(r, "%zu host%s unreachable: %s", dead,
		    dead == 1 ? "" : "s", libvirt_text(r));
		res = RESULT_UNAVAILABLE;
	} else if (skipped > 0)
		set_detail(r, "%zu machines left out: %s", skipped,
		    libvirt_text(r));

	if (r->req.json)
		fputc('[', c->out);
	for (i = 0; i < n; i++) {
		if (q[i].err == HV_OK)
			state = hv_state_name(q[i].state);
		else if (q[i].err == HV_EUNREACHABLE)
			state = STATE_UNKNOWN;
		else
			continue;
		if (r->req.json) {
			fprintf(c->out, "%s{\"name\":", shown > 0 ? "," : "");
			json_string(c->out, q[i].name);
			fputs(",\"state\":", c->out);
			json_string(c->out, state);
			fputc('}', c->out);
		} else
			fprintf(c->out, "%s %s\n", q[i].name, state);
		shown++;
	}
	if (r->req.json)
		fputs("]\n", c->out);
	free(q);
	free(names);
	return res;
}

/* status's "spice:" value: spice_endpoint's answer, as permitopen has it */
static bool
status_endpoint(const struct run *r, const struct hv_info *info, char *buf,
    size_t len)
{
	struct spice_endpoint ep;

	return spice_endpoint(config_domain(r->ctx->cfg, r->req.domain),
	    &info->spice, &ep) == 0 &&
	    spice_endpoint_format(&ep, buf, len) == 0;
}

static void
print_status_text(FILE *f, const char *name, const struct hv_info *info,
    const char *spice, const struct domain_conf *dc,
    const char *cdrom)
{
	const char *v4, *v6;
	size_t i;

	fprintf(f, "name: %s\n", name);
	fprintf(f, "state: %s\n", hv_state_name(info->state));
	fprintf(f, "vcpus: %u\n", info->vcpus);
	fprintf(f, "memory: %llu MiB\n", info->memory_kib / KIB_PER_MIB);
	fprintf(f, "spice: %s\n", spice != NULL ? spice : "none");
	if (cdrom != NULL)
		fprintf(f, "cdrom: %s\n", cdrom);
	for (i = 0; i < info->nics.n; i++) {
		config_nic_addresses(dc, i, &v4, &v6);
		fprintf(f, "mac: %s\n", info->nics.nic[i].mac[0] != '\0' ?
		    info->nics.nic[i].mac : "none");
		if (v4 != NULL)
			fprintf(f, "ipv4: %s\n", v4);
		if (v6 != NULL)
			fprintf(f, "ipv6: %s\n", v6);
	}
	if (info->naddrs == 0)
		return;
	fputs("addresses:", f);
	for (i = 0; i < info->naddrs; i++)
		fprintf(f, "%s %s", i > 0 ? "," : "", info->addrs[i]);
	fputs(info->addrs_from_guest ? " (reported by the guest)\n" : "\n", f);
}

static void
json_string_or_null(FILE *f, const char *s)
{
	if (s != NULL && s[0] != '\0')
		json_string(f, s);
	else
		fputs("null", f);
}

static void
print_status_json(FILE *f, const char *name, const struct hv_info *info,
    const char *spice, const struct domain_conf *dc,
    const char *cdrom)
{
	const char *v4, *v6;
	size_t i;

	fputs("{\"name\":", f);
	json_string(f, name);
	fputs(",\"state\":", f);
	json_string(f, hv_state_name(info->state));
	/* the unit is in the name: a bare "memory" reads as bytes */
	fprintf(f, ",\"vcpus\":%u,\"memory_mib\":%llu,\"spice\":",
	    info->vcpus, info->memory_kib / KIB_PER_MIB);
	json_string_or_null(f, spice);
	fputs(",\"cdrom\":", f);
	json_string_or_null(f, cdrom);
	fputs(",\"interfaces\":[", f);
	for (i = 0; i < info->nics.n; i++) {
		config_nic_addresses(dc, i, &v4, &v6);
		fputs(i > 0 ? ",{\"mac\":" : "{\"mac\":", f);
		json_string_or_null(f, info->nics.nic[i].mac);
		fputs(",\"ipv4\":", f);
		json_string_or_null(f, v4);
		fputs(",\"ipv6\":", f);
		json_string_or_null(f, v6);
		fputc('}', f);
	}
	fputs("],\"addresses\":[", f);
	for (i = 0; i < info->naddrs; i++) {
		if (i > 0)
			fputc(',', f);
		json_string(f, info->addrs[i]);
	}
	fprintf(f, "],\"addresses_from_guest\":%s}\n",
	    info->addrs_from_guest ? "true" : "false");
}

/*
 * What a CD drive holds, as the tenant reads it: the name of one of its
 * catalog entries, "empty", or "other" (a file that is not among its
 * media); NULL for a machine without a drive.
 */
static const char *
cdrom_name(const struct run *r, const struct hv_cdrom *cd)
{
	const struct media_conf *m;

	if (!cd->present)
		return NULL;
	if (!cd->loaded)
		return CDROM_EMPTY;
	m = cd->is_file ? policy_media_by_path(r->ctx->cfg, r->ctx->tenant,
	    cd->path) : NULL;
	return m != NULL ? m->name : CDROM_OTHER;
}

static enum result
do_status(struct run *r)
{
	const struct domain_conf *dc;
	struct hv_info info;
	char spice[SPICE_ENDPOINT_MAX];
	bool has_spice;
	enum result res;
	int err;

	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	if ((err = hv_get_info(r->dom, &info)) != HV_OK)
		return hv_failure(r, err, "status");
	has_spice = status_endpoint(r, &info, spice, sizeof(spice));
	dc = config_domain(r->ctx->cfg, r->req.domain);
	if (r->req.json)
		print_status_json(r->ctx->out, r->req.domain, &info,
		    has_spice ? spice : NULL, dc, cdrom_name(r, &info.cdrom));
	else
		print_status_text(r->ctx->out, r->req.domain, &info,
		    has_spice ? spice : NULL, dc, cdrom_name(r, &info.cdrom));
	return RESULT_OK;
}

static const struct handler *handler_of(enum verb v);

/* The answers about a CD drive all media verbs share. */
static enum result
media_failure(struct run *r, int err, const char *what)
{
	switch (err) {
	case HV_ENODRIVE:
		fprintf(r->ctx->err, "vmgate: %s: no CD drive (ask the admin)\n",
		    r->req.domain);
		set_detail(r, "no CD drive");
		return RESULT_FAILED;
	case HV_EEMPTY:
		fprintf(r->ctx->err, "vmgate: %s: the CD drive is empty "
		    "(insert media first)\n", r->req.domain);
		set_detail(r, "CD drive empty");
		return RESULT_FAILED;
	case HV_ESTATE:
		/* start --cdrom: running already; insert, eject: the machine
		 * changed state under the request */
		fprintf(r->ctx->err, "vmgate: %s: %s\n", r->req.domain,
		    r->req.verb == VERB_START ? "already running" :
		    "the CD drive cannot be changed now (try again)");
		set_detail(r, "%s", libvirt_text(r));
		return RESULT_FAILED;
	default:
		return hv_failure(r, err, what);
	}
}

/* start VM --cdrom: once from the CD drive, the definition untouched */
static enum result
do_start_cdrom(struct run *r)
{
	struct hv_cdrom cd;
	enum result res;
	int err;

	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	if ((err = hv_start_cdrom(r->dom, &cd)) != HV_OK)
		return media_failure(r, err, "start");
	r->media = cdrom_name(r, &cd);
	fprintf(r->ctx->out, "%s: started from %s\n", r->req.domain,
	    r->media);
	set_detail(r, "booted once from the CD drive");
	return RESULT_OK;
}

/* "631M": a size as ls -sh writes it */
static void
human_size(char *buf, size_t len, unsigned long long bytes)
{
	static const char units[] = "KMGTP";
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%lluB", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (v < 10)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

static enum result
do_media(struct run *r)
{
	const struct shell_ctx *c = r->ctx;
	const struct media_conf **list;
	struct stat st;
	char size[SHELL_SIZE];
	size_t n, i;
	bool known;

	list = policy_media_list(c->cfg, c->tenant, &n);
	if (r->req.json)
		fputc('[', c->out);
	for (i = 0; i < n; i++) {
		/* a file gone since check is listed without a size */
		known = stat(list[i]->path, &st) == 0 && S_ISREG(st.st_mode);
		if (r->req.json) {
			fprintf(c->out, "%s{\"name\":", i > 0 ? "," : "");
			json_string(c->out, list[i]->name);
			if (known)
				fprintf(c->out, ",\"size\":%llu",
				    (unsigned long long)st.st_size);
			else
				fputs(",\"size\":null", c->out);
			fputs(",\"description\":", c->out);
			if (list[i]->description != NULL)
				json_string(c->out, list[i]->description);
			else
				fputs("null", c->out);
			fputc('}', c->out);
			continue;
		}
		if (known)
			human_size(size, sizeof(size),
			    (unsigned long long)st.st_size);
		else
			snprintf(size, sizeof(size), "-");
		fprintf(c->out, "%s %s%s%s\n", list[i]->name, size,
		    list[i]->description != NULL ? " " : "",
		    list[i]->description != NULL ? list[i]->description : "");
	}
	if (r->req.json)
		fputs("]\n", c->out);
	free(list);
	return RESULT_OK;
}

static enum result
do_insert(struct run *r)
{
	const struct media_conf *m;
	struct hv_cdrom was;
	char why[SHELL_WHY];
	enum result res;
	int err;

	r->media = named_media(&r->req);
	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	/* not the tenant's and not in the catalog: one answer */
	if ((m = policy_media(r->ctx->cfg, r->ctx->tenant,
	    r->req.arg)) == NULL) {
		fprintf(r->ctx->err, "vmgate: %s: no such media\n", r->req.arg);
		set_detail(r, "media not permitted or not in the catalog");
		return RESULT_DENIED;
	}
	/* checked again now: the file may have changed since check */
	if (path_file_safe(m->path, 0, why, sizeof(why)) != 0) {
		fprintf(r->ctx->err, "vmgate: %s: media not available (ask "
		    "the admin)\n", m->name);
		set_detail(r, "catalog file not safe: %s", why);
		return RESULT_FAILED;
	}
	if ((err = hv_cdrom_change(r->dom, m->path, &was)) != HV_OK)
		return media_failure(r, err, "insert");
	if (was.loaded)
		set_detail(r, "replaced %s", cdrom_name(r, &was));
	fprintf(r->ctx->out, "%s: %s inserted\n", r->req.domain, m->name);
	return RESULT_OK;
}

static enum result
do_eject(struct run *r)
{
	struct hv_cdrom was;
	enum result res;
	int err;

	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	if ((err = hv_cdrom_change(r->dom, NULL, &was)) != HV_OK)
		return media_failure(r, err, "eject");
	/* the audit line names the entry that came out */
	if (!was.loaded)
		set_detail(r, "the drive was empty");
	else if (strcmp(cdrom_name(r, &was), CDROM_OTHER) == 0)
		set_detail(r, "took out a file that is not among the tenant's "
		    "media");
	else
		r->media = cdrom_name(r, &was);
	fprintf(r->ctx->out, "%s: ejected\n", r->req.domain);
	return RESULT_OK;
}

/*
 * A refused action on a paused machine says so: libvirt pauses a guest
 * on its own (an I/O error of the host's storage), such a machine is
 * "already running" to start and "not running" to stop or spice, and
 * only the admin can resume it. NULL when the machine is not paused.
 */
static const char *
paused_refusal(struct run *r)
{
	enum hv_state st;

	if (hv_get_state(r->dom, &st) == HV_OK && st == HV_STATE_PAUSED)
		return "paused (ask the admin)";
	return NULL;
}

static enum result
do_action(struct run *r)
{
	const struct handler *h = handler_of(r->req.verb);
	const char *name = r->req.domain, *paused;
	enum result res;
	int err;

	if (r->req.cdrom)
		return do_start_cdrom(r);
	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	err = h->act(r->dom);
	if (err == HV_OK) {
		fprintf(r->ctx->out, "%s: %s\n", name, h->done);
		return RESULT_OK;
	}
	if ((err == HV_ESTATE || err == HV_EFAIL) &&
	    (paused = paused_refusal(r)) != NULL) {
		fprintf(r->ctx->err, "vmgate: %s: %s\n", name, paused);
		set_detail(r, "paused: %s", libvirt_text(r));
		return RESULT_FAILED;
	}
	if (err == HV_ESTATE) {
		fprintf(r->ctx->err, "vmgate: %s: %s\n", name, h->wrong_state);
		set_detail(r, "%s", libvirt_text(r));
		return RESULT_FAILED;
	}
	return hv_failure(r, err, verb_name(r->req.verb));
}

static enum result
do_console(struct run *r)
{
	const char *name = r->req.domain;
	enum console_end end = CONSOLE_END_ERROR;
	enum hv_state state;
	enum result res;
	int err;

	/* the console's event loop must exist before the connection */
	if (hv_event_init(get_hv(r)) != HV_OK) {
		fprintf(r->ctx->err, "vmgate: %s: console failed\n", name);
		set_detail(r, "event loop: %s", libvirt_text(r));
		return RESULT_FAILED;
	}
	/*
	 * The machine is settled before the terminal: another tenant's or a
	 * missing machine is denied (and audited so) whether or not a
	 * terminal came with the request.
	 */
	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	if (!isatty(STDIN_FILENO)) {
		fprintf(r->ctx->err,
		    "vmgate: console needs a terminal: use ssh -t\n");
		set_detail(r, "no terminal");
		return RESULT_USAGE;
	}
	if ((err = hv_get_state(r->dom, &state)) != HV_OK)
		return hv_failure(r, err, "console");
	if (state == HV_STATE_SHUTOFF || state == HV_STATE_CRASHED ||
	    state == HV_STATE_NOSTATE) {
		fprintf(r->ctx->err, "vmgate: %s: not running\n", name);
		set_detail(r, "state %s", hv_state_name(state));
		return RESULT_FAILED;
	}
	/* bounded until its stream is open, and again while it closes
	 * (console_run); in between, the tenant's own time */
	err = console_run(r->dom, name, r->req.force, &end);
	if (err == HV_ESTATE) {
		fprintf(r->ctx->err, "vmgate: %s: console busy "
		    "(use --force to take it over)\n", name);
		set_detail(r, "console busy");
		return RESULT_FAILED;
	}
	if (err != HV_OK)
		return hv_failure(r, err, "console");
	/* console_run has told the tenant how it ended (stopped, taken, lost) */
	switch (end) {
	case CONSOLE_END_ESCAPE:
		set_detail(r, "left with the escape character");
		break;
	case CONSOLE_END_STOPPED:
		set_detail(r, "machine stopped");
		break;
	case CONSOLE_END_HANGUP:
		set_detail(r, "session hung up");
		break;
	case CONSOLE_END_TAKEN:
		set_detail(r, "taken over by another session");
		break;
	case CONSOLE_END_ERROR:
		set_detail(r, "console connection lost: %s", libvirt_text(r));
		return RESULT_FAILED;
	case CONSOLE_END_UNREACHABLE:
		return unreachable(r);
	}
	return RESULT_OK;
}

static enum result
do_spice(struct run *r)
{
	const char *why = NULL, *paused;
	enum result res;
	int err;

	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	err = spice_issue(r->dom, config_domain(r->ctx->cfg, r->req.domain),
	    r->req.domain, r->ctx->cfg->spice_ttl, r->req.port, &r->ticket,
	    &why);
	if (err == HV_EUNREACHABLE)
		return unreachable(r);
	if (err == HV_ESTATE && (paused = paused_refusal(r)) != NULL)
		why = paused;
	if (err != HV_OK) {
		if (why == NULL)
			why = "SPICE is not available";
		fprintf(r->ctx->err, "vmgate: %s: %s\n", r->req.domain, why);
		set_detail(r, "%s%s%s", why, *libvirt_text(r) != '\0' ?
		    ": " : "", libvirt_text(r));
		return RESULT_FAILED;
	}
	if (r->req.vv)
		spice_print_vv(r->ctx->out, &r->ticket);
	else
		spice_print_human(r->ctx->out, &r->ticket, vmhost(r->ctx));
	fflush(r->ctx->out);
	r->hold_spice = !r->req.no_wait;
	/* a held session looks hung to a tenant who does not know why */
	if (r->hold_spice && !r->req.vv)
		fprintf(r->ctx->err, "(holding the session, and its tunnel, "
		    "until Ctrl-D or ssh ends)\n");
	set_detail(r, "ticket valid for %us", r->ctx->cfg->spice_ttl);
	return RESULT_OK;
}

static enum result
do_whoami(struct run *r)
{
	fprintf(r->ctx->out, "tenant: %s\n", r->ctx->tenant);
	if (r->ctx->key_fp != NULL)
		fprintf(r->ctx->out, "key: %s\n", r->ctx->key_fp);
	return RESULT_OK;
}

static enum result
do_version(struct run *r)
{
	fprintf(r->ctx->out, "vmgate %s\n", VMGATE_VERSION);
	return RESULT_OK;
}

/* a verb that needs a running machine, asked of one that is not */
static enum result
not_running(struct run *r)
{
	fprintf(r->ctx->err, "vmgate: %s: not running\n", r->req.domain);
	set_detail(r, "not running");
	return RESULT_FAILED;
}

/* the daemon is asked once more, to close the stream: bounded like any
 * wait on libvirt (the request's deadline, resumed) */
static void
stream_close_bounded(struct hv_stream *st, bool abort_it)
{
	(void)deadline_resume();
	hv_stream_close(st, abort_it);
	deadline_disarm();
}

/* libpng's output, straight to the tenant */
static int
write_out(void *arg, const unsigned char *buf, size_t len)
{
	return fwrite(buf, 1, len, (FILE *)arg) == len ? 0 : -1;
}

/*
 * Read the stream to its end into the conversion; the reason when not,
 * and *err the stream's failure (HV_EUNREACHABLE: its host was lost).
 * Each wait on libvirt is bounded (libvirt_timeout, from its start); the
 * image goes out at the pace the tenant reads, unbounded.
 */
static const char *
convert_stream(struct run *r, struct hv_stream *st, struct image_conv *conv,
    int *err)
{
	char *buf = xmalloc(SHOT_CHUNK);
	const char *why = NULL;
	int n;

	for (;;) {
		(void)deadline_resume();
		n = hv_stream_recv(st, buf, SHOT_CHUNK);
		deadline_disarm();
		if (n <= 0)
			break;
		if (image_conv_feed(conv, (unsigned char *)buf,
		    (size_t)n) != 0) {
			why = image_conv_error(conv);
			break;
		}
	}
	if (n < 0) {
		why = libvirt_text(r);
		*err = hv_stream_failed(st);
	} else if (why == NULL && image_conv_finish(conv) != 0)
		why = image_conv_error(conv);
	free(buf);
	return why;
}

/*
 * The first display as a PNG on stdout: libvirt's screenshot stream,
 * decoded and encoded again row by row, never a whole frame in memory.
 */
static enum result
do_screenshot(struct run *r)
{
	struct hv_stream *st = NULL;
	struct image_conv *conv = NULL;
	char mime[SHOT_MIME], why[SHELL_DETAIL];
	const char *failed;
	unsigned w, h;
	enum result res;
	int err;

	if ((res = open_machine(r)) != RESULT_OK)
		return res;
	/* binary data would garble the tenant's terminal */
	if (isatty(fileno(r->ctx->out))) {
		fprintf(r->ctx->err, "vmgate: screenshot writes PNG data: "
		    "redirect it, e.g. ssh vmhost screenshot web1 > web1.png\n");
		set_detail(r, "stdout is a terminal");
		return RESULT_USAGE;
	}
	err = hv_screenshot_open(r->dom, &st, mime, sizeof(mime));
	/* the image is taken: it goes out at the pace the tenant reads,
	 * and only the waits on libvirt are bounded from here on */
	deadline_disarm();
	if (err == HV_ESTATE)
		return not_running(r);
	if (err != HV_OK)
		return hv_failure(r, err, "screenshot");
	conv = image_conv_new(mime, write_out, r->ctx->out, why, sizeof(why));
	if (conv == NULL) {
		stream_close_bounded(st, true);
		fprintf(r->ctx->err, "vmgate: %s: screenshot failed\n",
		    r->req.domain);
		set_detail(r, "%s (%s)", why, mime);
		return RESULT_FAILED;
	}
	/* a reader gone early (ssh vmhost screenshot web1 | head) is a
	 * failed write, reported and audited, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	failed = convert_stream(r, st, conv, &err);
	if (failed == NULL && fflush(r->ctx->out) != 0)
		failed = "cannot write the image";
	image_conv_size(conv, &w, &h);
	stream_close_bounded(st, failed != NULL);
	if (err == HV_EUNREACHABLE)
		res = unreachable(r);
	else if (failed != NULL) {
		fprintf(r->ctx->err, "vmgate: %s: screenshot failed\n",
		    r->req.domain);
		set_detail(r, "%s", failed);
		res = RESULT_FAILED;
	} else
		set_detail(r, "%ux%u PNG from %s", w, h, mime);
	image_conv_free(conv);
	return res;
}

static enum result
do_sendkey(struct run *r)
{
	/* the request parser took only names from the table */
	const struct key_combo *k = keytable_find(r->req.arg);
	char why[SHELL_DETAIL];
	enum result res;
	int err;

	if (k == NULL) {
		fprintf(r->ctx->err, "vmgate: unknown key combination\n");
		set_detail(r, "unknown key combination");
		return RESULT_USAGE;
	}
	if ((res = open_machine(r)) == RESULT_OK) {
		err = hv_send_keys(r->dom, k->codes, k->ncodes);
		if (err == HV_OK) {
			fprintf(r->ctx->out, "%s: %s sent\n", r->req.domain,
			    k->name);
			set_detail(r, "sent");
		} else if (err == HV_ESTATE)
			res = not_running(r);
		else
			res = hv_failure(r, err, "sendkey");
	}
	/* every outcome names the combination */
	snprintf(why, sizeof(why), "%s", r->detail);
	set_detail(r, "keys %s: %s", k->name, why);
	return res;
}

static const struct handler handlers[VERB_COUNT] = {
	[VERB_HELP] = { do_help, NOT_BOUNDED, NULL, NULL, NULL },
	[VERB_LIST] = { do_list, BOUNDED, NULL, NULL, NULL },
	[VERB_STATUS] = { do_status, BOUNDED, NULL, NULL, NULL },
	[VERB_START] = { do_action, BOUNDED, hv_start, "started",
	    "already running" },
	[VERB_STOP] = { do_action, BOUNDED, hv_shutdown, "shutdown requested",
	    "not running" },
	[VERB_POWEROFF] = { do_action, BOUNDED, hv_destroy, "powered off",
	    "not running" },
	[VERB_RESET] = { do_action, BOUNDED, hv_reset, "reset", "not running" },
	[VERB_REBOOT] = { do_action, BOUNDED, hv_reboot, "reboot requested",
	    "not running" },
	[VERB_CONSOLE] = { do_console, BOUNDED_PACED, NULL, NULL, NULL },
	[VERB_SPICE] = { do_spice, BOUNDED, NULL, NULL, NULL },
	[VERB_MEDIA] = { do_media, NOT_BOUNDED, NULL, NULL, NULL },
	[VERB_INSERT] = { do_insert, BOUNDED, NULL, NULL, NULL },
	[VERB_EJECT] = { do_eject, BOUNDED, NULL, NULL, NULL },
	[VERB_SCREENSHOT] = { do_screenshot, BOUNDED_PACED, NULL, NULL, NULL },
	[VERB_SENDKEY] = { do_sendkey, BOUNDED, NULL, NULL, NULL },
	[VERB_WHOAMI] = { do_whoami, NOT_BOUNDED, NULL, NULL, NULL },
	[VERB_VERSION] = { do_version, NOT_BOUNDED, NULL, NULL, NULL },
};

static const struct handler *
handler_of(enum verb v)
{
	if (v < 0 || v >= VERB_COUNT || handlers[v].run == NULL)
		return NULL;
	return &handlers[v];
}

static enum audit_result
audit_result_of(enum result res)
{
	switch (res) {
	case RESULT_OK:
		return AUDIT_OK;
	case RESULT_FAILED:
		return AUDIT_FAILED;
	case RESULT_USAGE:
		return AUDIT_USAGE;
	case RESULT_DENIED:
		return AUDIT_DENIED;
	case RESULT_LIMITED:
		return AUDIT_LIMITED;
	case RESULT_UNAVAILABLE:
	case RESULT_CONFIG:
		break;
	}
	return AUDIT_ERROR;
}

static void
record(const struct run *r, enum result res, const char *why,
    const char *media)
{
	const struct shell_ctx *c = r->ctx;
	struct audit_event ev;
	char detail[SHELL_DETAIL * 2 + 64];

	memset(&ev, 0, sizeof(ev));
	ev.tenant = c->tenant;
	ev.key = c->key_fp;
	ev.from = c->from;
	/* a refused request keeps the verb and machine it named, if any */
	ev.verb = r->req.verb != VERB_NONE ? verb_name(r->req.verb) : NULL;
	ev.domain = r->req.domain;
	ev.media = media;
	ev.result = audit_result_of(res);
	ev.request = c->request;
	snprintf(detail, sizeof(detail), "%s%s%s", why,
	    why[0] != '\0' && r->slot_note[0] != '\0' ? "; " : "",
	    r->slot_note);
	ev.detail = detail[0] != '\0' ? detail : NULL;
	audit_record(c->cfg->audit_log, &ev);
}

/*
 * One of the tenant's session slots, before anything touches libvirt; it
 * is held until the process ends (a held spice session included). A
 * session past the tenant's first yields the CPU from here on.
 */
static enum result
take_slot(struct run *r)
{
	const struct shell_ctx *c = r->ctx;
	unsigned limit, slot;
	char why[SHELL_DETAIL];
	int e;

	if (c->session_dir == NULL)
		return RESULT_OK;
	limit = config_max_sessions(c->cfg, c->tenant);
	e = session_take(c->session_dir, c->tenant, limit, &r->slot, &slot,
	    why, sizeof(why));
	if (e == SESSION_TAKEN) {
		session_yield(slot);
		return RESULT_OK;
	}
	if (e == SESSION_FULL) {
		fprintf(c->err, "vmgate: too many sessions at once for %s "
		    "(%u): close one and retry\n", c->tenant, limit);
		set_detail(r, "all %u session slots held", limit);
		return RESULT_LIMITED;
	}
	if (e == SESSION_UNCOUNTED) {
		/*
		 * The directory is made by make install, at boot by
		 * tmpfiles.d, or by any vmgate run as root. Without it the
		 * limit cannot be counted; locking every tenant out for a
		 * missing run-time directory would be worse than serving
		 * them unlimited, so the request goes on, its audit line
		 * says so, and `vmgate audit` reports the directory.
		 */
		snprintf(r->slot_note, sizeof(r->slot_note), "session limit "
		    "not counted: %s", why);
		return RESULT_OK;
	}
	fprintf(c->err, "vmgate: cannot count sessions: ask the admin\n");
	set_detail(r, "session slots: %s", why);
	return RESULT_CONFIG;
}

/* the bound over the close has passed: the answer stands as given */
static int
end_as_answered(void *status)
{
	return (int)(intptr_t)status;
}

/*
 * The machine and the connection, closed once the answer is given and
 * audited. libvirt waits for the daemon's reply to the close, and a
 * daemon that stops answering right then would keep the tenant's ssh
 * open for good: the close is bounded like the request, and when the
 * bound passes the process ends with the exit status res already has,
 * saying nothing more (its line is written). Unbounded only when no
 * thread can be started.
 */
static void
close_bounded(struct run *r, enum result res)
{
	bool bounded = r->hv != NULL && deadline_arm(
	    r->ctx->cfg->libvirt_timeout, end_as_answered,
	    (void *)(intptr_t)result_exit_code(res)) == 0;

	hv_domain_free(r->dom);
	r->dom = NULL;
	hv_free(r->hv);
	r->hv = NULL;
	if (bounded)
		deadline_disarm();
}

/*
 * The ticket is set: a held session keeps only its slot and stdin. The
 * libvirt connection closes here; spice_hold sheds the rest by starting
 * this program afresh, and waiting here is the fallback.
 */
static void
hold_session(struct run *r, enum result res)
{
#if VMGATE_HOLD_IN_PLACE
	/* as before the re-execution, for make bench to compare */
	if (r->req.vv)
		spice_release_output(r->ctx->out, r->ctx->err);
	spice_wait();
	return;
#endif
	close_bounded(r, res);
	spice_ticket_clear(&r->ticket);
	if (r->req.vv)
		spice_release_output(r->ctx->out, r->ctx->err);
	spice_hold(r->slot);
	spice_wait();
}

/*
 * libvirt_timeout has passed with the request still waiting on libvirt:
 * it ends as when the host cannot be reached (exit 69), audited. This
 * runs in the deadline's thread while the request's may be inside libvirt
 * or writing to the tenant, so it reads only what was settled before the
 * deadline was armed, and writes the tenant's line past stdio.
 */
static int
deadline_passed(void *arg)
{
	const struct run *r = arg;
	char line[SHELL_URI_SHOWN + 32], why[64];

	snprintf(why, sizeof(why), "no answer from libvirt within %us",
	    r->ctx->cfg->libvirt_timeout);
	/* the audit line first: the tenant's may wait on the tenant */
	record(r, RESULT_UNAVAILABLE, why, named_media(&r->req));
	unreachable_line(r, line, sizeof(line));
	(void)!write(r->tenant_err, line, strlen(line));
	return result_exit_code(RESULT_UNAVAILABLE);
}

/* what a bounded verb says, held back in memory (enum bound) */
struct held {
	FILE *f;
	char *buf;
	size_t len;
};

static bool
held_open(struct held *h)
{
	memset(h, 0, sizeof(*h));
	h->f = open_memstream(&h->buf, &h->len);
	return h->f != NULL;
}

static bool
same_file(FILE *a, FILE *b)
{
	struct stat sa, sb;

	return fstat(fileno(a), &sa) == 0 && fstat(fileno(b), &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* to the tenant, at its pace, then wiped (a SPICE password may be in
 * it); accepts one never opened */
static void
held_release(struct held *h, FILE *to)
{
	if (h->f == NULL)
		return;
	if (fclose(h->f) == 0) {
		fwrite(h->buf, 1, h->len, to);
		explicit_bzero(h->buf, h->len);
	}
	free(h->buf);
	h->f = NULL;
}

/*
 * The verb's handler; one that reaches libvirt is bounded by the admin's
 * libvirt_timeout, and refused as unreachable when no thread can be
 * started to bound it (it could otherwise hang, holding its slot). The
 * answer of a BOUNDED verb goes out once the deadline is disarmed
 * (without memory for it, as it comes).
 */
static enum result
run_bounded(struct run *r)
{
	const struct handler *h = &handlers[r->req.verb];
	const struct shell_ctx *tenant = r->ctx;
	struct shell_ctx quiet;
	struct held out, err;
	enum result res;

	if (h->bound == NOT_BOUNDED)
		return h->run(r);
	memset(&out, 0, sizeof(out));
	memset(&err, 0, sizeof(err));
	if (h->bound == BOUNDED && held_open(&out)) {
		quiet = *tenant;
		quiet.out = out.f;
		/* one terminal for both (ssh -t): one stream keeps the order */
		if (same_file(tenant->out, tenant->err))
			quiet.err = out.f;
		else
			quiet.err = held_open(&err) ? err.f : tenant->err;
		r->ctx = &quiet;
	}
	if (deadline_arm(r->ctx->cfg->libvirt_timeout, deadline_passed,
	    r) != 0) {
		res = unreachable(r);
		set_detail(r, "no thread to bound the wait on libvirt");
	} else
		res = h->run(r);
	deadline_disarm();
	r->ctx = tenant;
	/* apart (pipes), errors first: list names its unreachable hosts
	 * before the machines */
	held_release(&err, tenant->err);
	held_release(&out, tenant->out);
	return res;
}

enum result
shell_run(const struct shell_ctx *ctx)
{
	struct run r;
	enum result res;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.req = *ctx->req;	/* a shallow copy: the strings stay the caller's */
	r.slot = -1;
	r.tenant_err = fileno(ctx->err);
	if (handler_of(r.req.verb) == NULL) {
		fprintf(ctx->err, "vmgate: unknown command\n");
		set_detail(&r, "no handler");
		res = RESULT_USAGE;
	} else if (!policy_tenant_enabled(ctx->cfg, ctx->tenant)) {
		/* main refuses these first; this keeps the shell safe alone */
		fprintf(ctx->err, "vmgate: access denied\n");
		set_detail(&r, "not an enabled tenant");
		res = RESULT_DENIED;
	} else if (!verb_needs_domain(r.req.verb) &&
	    !policy_may(ctx->cfg, ctx->tenant, r.req.verb, NULL)) {
		/* an opt-in verb no allow list names; machine verbs are
		 * refused as "no such machine" by open_machine */
		fprintf(ctx->err, "vmgate: %s: not permitted\n",
		    verb_name(r.req.verb));
		set_detail(&r, "verb not allowed");
		res = RESULT_DENIED;
	} else if (verb_needs_domain(r.req.verb) &&
	    (res = machine_permitted(&r)) != RESULT_OK) {
		/* refused before a slot is counted: a tenant at its limit is
		 * told the same about others' machines as at any time, and a
		 * denied request holds no slot; its line names the media
		 * asked for, as the verb's own answers do */
		r.media = named_media(&r.req);
	} else if ((res = take_slot(&r)) == RESULT_OK)
		res = run_bounded(&r);
	deadline_disarm();
	fflush(ctx->out);
	fflush(ctx->err);
	record(&r, res, r.detail, r.media);
	/* the line is written: a held SIGTERM may end us now */
	env_signals_release();

	/* after the audit line: the session may be held open for long */
	if (r.hold_spice)
		hold_session(&r, res);
	if (r.slot >= 0)
		close(r.slot);
	spice_ticket_clear(&r.ticket);
	close_bounded(&r, res);
	return res;
}
