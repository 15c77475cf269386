#!/bin/sh
# Run every cmocka test binary given; print one summary line, labelled
# $RUN_LABEL (default "unit"; tests/e2e/run.sh runs its suites through this
# too). Each binary's exit status is its number of failed tests.
set -u
label=${RUN_LABEL:-unit}
passed=0
failed=0
for t in "$@"; do
	echo "$label: running $t"
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
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
