#!/bin/sh
# Run every unit test binary given; print one summary line.
# Each binary is a cmocka program: exit status = number of failed tests.
set -u
passed=0
failed=0
for t in "$@"; do
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
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
