/*
 * request: SSH_ORIGINAL_COMMAND -> verb + arguments. Pure; no shell is ever
 * involved. Refuses (before anything else) any byte outside printable ASCII
 * and any of ;&|$`<>(){}[]*?!~'"\ .
 */
#ifndef VMGATE_REQUEST_H
#define VMGATE_REQUEST_H

#include <stdbool.h>

#include "vmgate/verb.h"

#define MAX_REQUEST	4096	/* bytes */
#define MAX_WORDS	8
#define REQUEST_REASON_MAX 512	/* a refusal's reason, sendkey's list of keys included */

struct request {
	enum verb verb;
	char *domain;		/* NULL when the verb takes none */
	char *arg;		/* insert: MEDIA, sendkey: KEYS; else NULL */
	unsigned options;	/* the VERB_OPT_ bits given */
	bool json;		/* list, status, media: --json */
	bool force;		/* console: --force */
	bool vv;		/* spice: --vv */
	bool no_wait;		/* spice: --no-wait */
	int port;		/* spice: --port N, 0 when not given */
	bool cdrom;		/* start: --cdrom */
};

/*
 * Parse cmd (NULL means "help"). Returns 0 and fills *req, or -1 with a
 * one-line reason in errbuf (cut to errlen). Either way call request_clear
 * afterwards: on -1, req->verb still names the verb when the first word was
 * one and req->domain holds the machine when it was a valid name, so the
 * audit line can name them; the flags are then meaningless.
 */
int request_parse(const char *cmd, struct request *req, char *errbuf,
    size_t errlen);
void request_clear(struct request *req);

/*
 * The VERB_BIT set of every verb the request needs the tenant to have:
 * its own, plus those its options need (start --cdrom: start and insert).
 */
unsigned request_verbs(const struct request *req);

#endif
