/*
 * result: what a request came to. Modules return these; only main turns
 * them into exit codes (vmgate(8), EXIT STATUS).
 *
 * How failure travels, layer by layer (every function returns 0 or a
 * negative value, or a bool for a pure question, and only main exits):
 * - config, keys, cache, check: a struct diag (util.h) of
 *   "FILE:LINE: message" lines, for the admin.
 * - policy: a bool; a "no" carries no text (the tenant sees one answer).
 * - request, identity, the path checks of util: one line in a caller's
 *   buffer (errbuf/why), for the tenant or the log.
 * - hypervisor and what builds on it (console, spice, media): an HV_E*
 *   code for the decision, and libvirt's own text in hv_last_error(),
 *   which reaches the audit detail only, never the tenant; spice_issue
 *   adds a static line the tenant may read.
 * - shell and admin: an enum result, after printing the tenant's or the
 *   admin's line themselves.
 */
#ifndef VMGATE_RESULT_H
#define VMGATE_RESULT_H

enum result {
	RESULT_OK = 0,		/* exit 0 */
	RESULT_FAILED,		/* exit 1: the action failed */
	RESULT_USAGE,		/* exit 64 */
	RESULT_UNAVAILABLE,	/* exit 69: libvirt unreachable */
	RESULT_LIMITED,		/* exit 75: too many sessions, try later */
	RESULT_DENIED,		/* exit 77: denied or unknown */
	RESULT_CONFIG		/* exit 78 */
};

int result_exit_code(enum result r);

#endif
