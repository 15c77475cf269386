#!/bin/sh
# run.sh: run the end-to-end test binaries on the real stack and print one
# summary line. Each binary is a cmocka program: its exit status is the
# number of failed tests. Needs root (libvirtd, QEMU, sshd, accounts); when
# not root it says so loudly and skips, so `make check` still passes.
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
	exit 0
fi

if ! sh "$here/stack.sh" up; then
	echo "e2e: the stack did not come up; nothing ran" >&2
	echo "e2e: 0 passed, 1 failed"
	exit 1
fi

RUN_LABEL=e2e exec sh "$here/../unit/run.sh" "$@"
