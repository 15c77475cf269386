/*
 * result: what a request came to. Modules return these; only main turns
 * them into exit codes (vmgate(8), EXIT STATUS).
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
