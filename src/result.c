/*
 * result: the exit codes of vmgate(8) (sysexits.h values).
 */
#include <sysexits.h>

#include "vmgate/result.h"

int
result_exit_code(enum result r)
{
	switch (r) {
	case RESULT_OK:
		return 0;
	case RESULT_FAILED:
		return 1;
	case RESULT_USAGE:
		return EX_USAGE;
	case RESULT_UNAVAILABLE:
		return EX_UNAVAILABLE;
	case RESULT_LIMITED:
		return EX_TEMPFAIL;
	case RESULT_DENIED:
		return EX_NOPERM;
	case RESULT_CONFIG:
		return EX_CONFIG;
	}
	return 1;
}
