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

passed=0
failed=0
for t in "$@"; do
	echo "e2e: running $t"
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${n:-0}))
	if [ "$rc" -ne 0 ]; then
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		failed=$((failed + ${f:-1}))
	fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
