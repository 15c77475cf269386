/*
 * shell: the tenant verbs (vmgate(8)). Takes a parsed request, checks the
 * policy, acts through the hypervisor module, prints the tenant's output
 * and leaves one audit line per request. A request that does not parse
 * never gets here: the caller refuses and audits it.
 */
#ifndef VMGATE_SHELL_H
#define VMGATE_SHELL_H

#include <stdio.h>

#include "vmgate/config.h"
#include "vmgate/request.h"
#include "vmgate/result.h"

struct shell_ctx {
	const struct config *cfg;
	const char *tenant;	/* already established by main */
	const char *key_fp;	/* "SHA256:..." or NULL */
	const char *from;	/* client address or NULL */
	const char *request;	/* SSH_ORIGINAL_COMMAND as sent, for the audit
				   line; NULL when unset */
	const struct request *req; /* request parsed (request_parse returned
				   0); borrowed */
	/* the ssh destination (ACCOUNT@HOST) hints show, asked for only
	 * when one is printed: making it may look the account up, which a
	 * refused request should not pay for. NULL: "vmhost". */
	const char *(*vmhost)(void *arg);
	void *vmhost_arg;
	FILE *out;
	FILE *err;
	/* session slots (session.h) live here; NULL: not counted (for
	 * tests of the verbs alone) */
	const char *session_dir;
};

enum result shell_run(const struct shell_ctx *ctx);

#endif
