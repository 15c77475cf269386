#!/bin/sh
# run.sh: run the end-to-end test binaries on the real stack and print one
# summary line. Each binary is a cmocka program: its exit status is the
# number of failed tests. Needs root (libvirtd, QEMU, sshd, accounts); when
# not root it says so loudly and skips, so `make check` still passes, and
# its last line (make check's last line) says what did not run. With
# VMGATE_NO_SKIP=1 (.ci/run) not being root fails, and so does any skipped
# test (tests/unit/run.sh).
set -u

here=$(dirname "$0")

if [ "$(id -u)" != 0 ]; then
	for fd in 1 2; do
		{
			echo "e2e: ************************************************"
			echo "e2e: SKIPPED: needs root"
			echo "e2e: the end-to-end suite (real libvirtd, QEMU, sshd)"
			echo "e2e: did NOT run; run 'make check-e2e' as root"
			echo "e2e: ************************************************"
		} >&"$fd"
	done
	if [ "${VMGATE_NO_SKIP:-0}" = 1 ]; then
		echo "e2e: VMGATE_NO_SKIP=1: FAILED: not root, the end-to-end suite and the PAM stack did not run"
		exit 1
	fi
	# make check's last line: what did not run
	echo "e2e: NOT RUN (not root): the end-to-end suite and the PAM stack (pamtester, sshd) did not run; only the unit tests passed"
	exit 0
fi
if ! sh "$here/stack.sh" up; then
	echo "e2e: the stack did not come up; nothing ran" >&2
	echo "e2e: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

RUN_LABEL=e2e exec sh "$here/../unit/run.sh" "$@"
