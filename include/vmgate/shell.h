/*
 * shell: the tenant verbs (vmgate(8)). Parses the request, checks the policy,
 * acts through the hypervisor module, prints the tenant's output and leaves
 * one audit line per request.
 */
#ifndef VMGATE_SHELL_H
#define VMGATE_SHELL_H

#include <stdio.h>

#include "vmgate/config.h"
#include "vmgate/result.h"

struct shell_ctx {
	const struct config *cfg;
	const char *tenant;	/* already established by main */
	const char *key_fp;	/* "SHA256:..." or NULL */
	const char *from;	/* client address or NULL */
	const char *request;	/* SSH_ORIGINAL_COMMAND, NULL means help */
	const char *vmhost;	/* ssh destination (ACCOUNT@HOST) in hints */
	FILE *out;
	FILE *err;
};

enum result shell_run(const struct shell_ctx *ctx);

#endif
