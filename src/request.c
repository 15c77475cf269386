/*
 * request: turns SSH_ORIGINAL_COMMAND into a verb and its arguments, as
 * vmgate(8) describes them. Pure. The byte filter runs on the whole request before it is
 * split, so nothing later ever sees a byte a shell would care about.
 * Reasons never echo raw request bytes: tokens pass through str_sanitize.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/keytable.h"
#include "vmgate/request.h"
#include "vmgate/util.h"

#define SHOW_MAX	40	/* bytes of a token shown in a reason */
#define MAX_PORT	65535
#define REQUEST_USAGE_LEN 96	/* one verb's synopsis */
#define FORBIDDEN	";&|$`<>(){}[]*?!~'\"\\"

static int
fail(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* a usage failure: the reason and the verb's usage line */
static int
usage(char *errbuf, size_t errlen, enum verb v, const char *reason,
    const char *word)
{
	char shown[SHOW_MAX];
	char u[REQUEST_USAGE_LEN];

	verb_usage(v, verb_options(v), u, sizeof(u));
	if (word != NULL) {
		str_sanitize(shown, sizeof(shown), word);
		return fail(errbuf, errlen, "%s '%s' (usage: %s)", reason,
		    shown, u);
	}
	return fail(errbuf, errlen, "%s (usage: %s)", reason, u);
}

/* sendkey's refusal of a combination: the usage and every one there is */
static int
keys_usage(char *errbuf, size_t errlen, enum verb v, const char *reason,
    const char *word)
{
	char shown[SHOW_MAX], names[KEYTABLE_NAMES_MAX];
	char u[REQUEST_USAGE_LEN];

	verb_usage(v, verb_options(v), u, sizeof(u));
	keytable_names(names, sizeof(names));
	if (word == NULL)
		return fail(errbuf, errlen, "%s (usage: %s; KEYS is one of: "
		    "%s)", reason, u, names);
	str_sanitize(shown, sizeof(shown), word);
	return fail(errbuf, errlen, "%s '%s' (usage: %s; KEYS is one of: %s)",
	    reason, shown, u, names);
}

/* N: digits only, no leading zero, 1..MAX_PORT */
static int
parse_port(const char *s)
{
	int v = 0;

	if (*s < '1' || *s > '9')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > MAX_PORT)
			return -1;
	}
	return v;
}

/*
 * A word that is not an option: the machine first, then the verb's
 * second word. Both must match the name pattern before they are kept.
 */
static int
positional(struct request *req, const char *w, char *errbuf, size_t errlen)
{
	enum verb_arg arg = verb_arg(req->verb);

	if (verb_needs_domain(req->verb) && req->domain == NULL) {
		if (!name_valid(w))
			return usage(errbuf, errlen, req->verb,
			    "invalid machine name", w);
		req->domain = xstrdup(w);
		return 0;
	}
	if (arg == VERB_ARG_NONE || req->arg != NULL)
		return usage(errbuf, errlen, req->verb, "unexpected word", w);
	/* the fixed table, not the name pattern, says which keys exist */
	if (arg == VERB_ARG_KEYS && keytable_find(w) == NULL)
		return keys_usage(errbuf, errlen, req->verb,
		    "unknown key combination", w);
	if (!name_valid(w))
		return usage(errbuf, errlen, req->verb, "invalid media name",
		    w);
	req->arg = xstrdup(w);
	return 0;
}

unsigned
request_verbs(const struct request *req)
{
	unsigned set, bit;
	enum verb extra;

	if (req->verb < 0 || req->verb >= VERB_COUNT)
		return 0;
	set = VERB_BIT(req->verb);
	for (bit = 1; bit != 0 && bit <= req->options; bit <<= 1) {
		extra = verb_option_needs(req->options & bit);
		if (extra != VERB_NONE)
			set |= VERB_BIT(extra);
	}
	return set;
}

void
request_clear(struct request *req)
{
	if (req == NULL)
		return;
	free(req->domain);
	free(req->arg);
	memset(req, 0, sizeof(*req));
	req->verb = VERB_NONE;
}

int
request_parse(const char *cmd, struct request *req, char *errbuf,
    size_t errlen)
{
	char copy[MAX_REQUEST + 1], shown[SHOW_MAX];
	char *words[MAX_WORDS];
	char *s, *w;
	size_t len, i, nwords = 0;
	unsigned allowed, seen = 0, bit;
	int port;

	memset(req, 0, sizeof(*req));
	req->verb = VERB_NONE;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (cmd == NULL) {
		req->verb = VERB_HELP;
		return 0;
	}
	len = strnlen(cmd, MAX_REQUEST + 1);
	if (len > MAX_REQUEST)
		return fail(errbuf, errlen, "request too long (more than %d "
		    "bytes)", MAX_REQUEST);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)cmd[i];

		if (c < 0x20 || c > 0x7e)
			return fail(errbuf, errlen, "refused: byte 0x%02x is "
			    "not allowed in a request", c);
		if (strchr(FORBIDDEN, c) != NULL)
			return fail(errbuf, errlen, "refused: character '%c' "
			    "is not allowed in a request", c);
	}

	memcpy(copy, cmd, len + 1);
	for (s = copy; (w = strsep(&s, " ")) != NULL;) {
		if (*w == '\0')
			continue;
		if (nwords == MAX_WORDS)
			return fail(errbuf, errlen, "refused: more than %d "
			    "words", MAX_WORDS);
		words[nwords++] = w;
	}
	if (nwords == 0) {
		req->verb = VERB_HELP;
		return 0;
	}

	req->verb = verb_from_name(words[0]);
	if (req->verb == VERB_NONE) {
		str_sanitize(shown, sizeof(shown), words[0]);
		return fail(errbuf, errlen, "unknown command '%s' (try help)",
		    shown);
	}
	allowed = verb_options(req->verb);
	for (i = 1; i < nwords; i++) {
		w = words[i];
		if (w[0] != '-') {
			if (positional(req, w, errbuf, errlen) != 0)
				goto fail;
			continue;
		}
		bit = verb_option_from_name(w);
		if ((bit & allowed) == 0) {
			usage(errbuf, errlen, req->verb, "unknown option", w);
			goto fail;
		}
		if (seen & bit) {
			usage(errbuf, errlen, req->verb, "repeated option", w);
			goto fail;
		}
		seen |= bit;
		switch (bit) {
		case VERB_OPT_JSON:
			req->json = true;
			break;
		case VERB_OPT_FORCE:
			req->force = true;
			break;
		case VERB_OPT_VV:
			req->vv = true;
			break;
		case VERB_OPT_NO_WAIT:
			req->no_wait = true;
			break;
		case VERB_OPT_PORT:
			if (i + 1 == nwords) {
				usage(errbuf, errlen, req->verb,
				    "--port needs a number", NULL);
				goto fail;
			}
			port = parse_port(words[++i]);
			if (port < 0) {
				usage(errbuf, errlen, req->verb,
				    "--port needs a port from 1 to 65535, not",
				    words[i]);
				goto fail;
			}
			req->port = port;
			break;
		case VERB_OPT_CDROM:
			req->cdrom = true;
			break;
		}
	}
	req->options = seen;
	if (verb_needs_domain(req->verb) && req->domain == NULL) {
		usage(errbuf, errlen, req->verb, "missing machine name", NULL);
		goto fail;
	}
	if (verb_arg(req->verb) == VERB_ARG_KEYS && req->arg == NULL) {
		keys_usage(errbuf, errlen, req->verb, "missing key combination",
		    NULL);
		goto fail;
	}
	if (verb_arg(req->verb) != VERB_ARG_NONE && req->arg == NULL) {
		usage(errbuf, errlen, req->verb, "missing media name", NULL);
		goto fail;
	}
	return 0;

 fail:
	/* verb and a valid domain stay set for the audit line */
	return -1;
}
