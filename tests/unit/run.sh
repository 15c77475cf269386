#!/bin/sh
# Run every cmocka test binary given; the last line is the summary
# "LABEL: N passed, N failed, N skipped", labelled $RUN_LABEL (default
# "unit"; tests/e2e/run.sh runs its suites through this too). Each
# binary's exit status is its number of failed tests; a skipped test is
# counted from cmocka's "[  SKIPPED ] N test(s)" line and named.
#
# VMGATE_NO_SKIP=1 (set by .ci/run) turns every skip into a failure: a
# machine that is meant to run everything must not pass by running less.
set -u
label=${RUN_LABEL:-unit}
passed=0
failed=0
skipped=0
skipped_names=
for t in "$@"; do
	echo "$label: running $t"
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${n:-0}))
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	if [ "${s:-0}" -gt 0 ]; then
		skipped=$((skipped + s))
		skipped_names="$skipped_names ${t##*/}"
	fi
	if [ "$rc" -ne 0 ]; then
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		failed=$((failed + ${f:-1}))
	fi
done
if [ "$skipped" -gt 0 ]; then
	echo "$label: SKIPPED tests in:$skipped_names (see [  SKIPPED ] above)"
	if [ "${VMGATE_NO_SKIP:-0}" = 1 ]; then
		echo "$label: VMGATE_NO_SKIP=1: a skipped test fails the run"
		failed=$((failed + skipped))
	fi
fi
echo "$label: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
