#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - build every tests/fuzz/fuzz_*.c as a
# libFuzzer binary in build/fuzz/ and run each, one after the other, for
# SECONDS (default 30) on a work copy of its seed corpus.
#
# The library code is rebuilt here with clang under ASan and UBSan and with
# the fuzzer's coverage instrumentation (build/ holds gcc objects the
# fuzzer could not see into). The seeds in tests/fuzz/corpus/NAME are never
# written: libFuzzer grows build/fuzz/corpus/NAME instead, which is kept
# between runs. A crash leaves build/fuzz/artifacts/NAME-crash-*; rerun it
# with build/fuzz/NAME FILE. Exit 0 only when every target built and none
# crashed, leaked, timed out or ran out of memory.
#
# Environment: FUZZ_CC (default clang), FUZZ_TARGETS (names to run, default
# all), FUZZ_JOBS (parallel compiles, default 2).
set -u

SECONDS_EACH=${1:-30}
CC=${FUZZ_CC:-clang}
JOBS=${FUZZ_JOBS:-2}
TIMEOUT=10		# seconds one input may take
RSS_MB=2048

cd "$(dirname "$0")/../.." || exit 1
# the libraries the build uses, as the Makefile lists them
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
OUT=build/fuzz
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts" || exit 1

case $SECONDS_EACH in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 64 ;;
esac
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (apt-get install clang)" >&2
	exit 1
fi
# shellcheck disable=SC2086
PKG_CFLAGS=$(pkg-config --cflags $PKGS) || exit 1
# shellcheck disable=SC2086
PKG_LIBS=$(pkg-config --libs $PKGS) || exit 1
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=gnu11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Iinclude \
-Wall -Wextra $PKG_CFLAGS"
VERSION_DEF="-DVMGATE_VERSION=\"${VERSION:-fuzz}\""

ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

# -- the library, once: every src/*.c but main.c, rebuilt when it or a
# header is newer than its object
build_failed=0
pids=""
for src in src/*.c; do
	name=$(basename "$src" .c)
	[ "$name" = main ] && continue
	obj=$OUT/obj/$name.o
	if [ -f "$obj" ] && [ -z "$(find include/vmgate src -newer "$obj" \
	    \( -name '*.h' -o -name "$name.c" \) 2>/dev/null)" ]; then
		continue
	fi
	# shellcheck disable=SC2086
	$CC $CFLAGS "$VERSION_DEF" $SAN -fsanitize=fuzzer-no-link -c \
	    -o "$obj.tmp" "$src" \
	    2>"$OUT/obj/$name.log" && mv "$obj.tmp" "$obj" &
	pids="$pids $!"
	# shellcheck disable=SC2086
	set -- $pids
	if [ $# -ge "$JOBS" ]; then
		wait "$1" || build_failed=1
		shift
		pids="$*"
	fi
done
for p in $pids; do
	wait "$p" || build_failed=1
done
for log in "$OUT"/obj/*.log; do
	[ -s "$log" ] && cat "$log" >&2
done
if [ "$build_failed" -ne 0 ]; then
	echo "fuzz: building the library under $CC failed" >&2
	exit 1
fi
rm -f "$OUT/libvmgate-fuzz.a"
ar rcs "$OUT/libvmgate-fuzz.a" "$OUT"/obj/*.o || exit 1

# -- the targets
status=0
summary=""
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in *" $name "*) ;; *) continue ;; esac
	fi
	bin=$OUT/$name
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -Werror $SAN -fsanitize=fuzzer -o "$bin" "$src" \
	    "$OUT/libvmgate-fuzz.a" $PKG_LIBS; then
		summary="$summary
$name: BUILD FAILED"
		status=1
		continue
	fi

	# longer than any cap the parser has, so the caps are exercised
	case $name in
	fuzz_request) max_len=8192 ;;
	fuzz_config) max_len=16384 ;;
	fuzz_keys) max_len=40000 ;;
	*) max_len=8192 ;;
	esac
	work=$OUT/corpus/${name#fuzz_}
	seeds=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$work"
	if [ -d "$seeds" ]; then
		cp -R "$seeds"/. "$work"/ || status=1
	fi
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	tmp=$(mktemp -d /dev/shm/vmgate-fuzz.XXXXXX) || tmp=$(mktemp -d)
	log=$OUT/$name.log

	echo "fuzz: $name for ${SECONDS_EACH}s (log: $log)"
	# shellcheck disable=SC2086
	VMGATE_FUZZ_TMP=$tmp "$bin" -max_total_time="$SECONDS_EACH" \
	    -timeout=$TIMEOUT -rss_limit_mb=$RSS_MB -max_len=$max_len \
	    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$name-" \
	    $dict "$work" >"$log" 2>&1
	rc=$?
	rm -rf "$tmp"

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9/]*[a-zA-Z]*' "$log" |
	    tail -n 1)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc): $(grep -m 1 -E \
		    'ERROR: |runtime error|Test unit written' "$log")"
		status=1
		tail -n 40 "$log" >&2
	fi
	summary="$summary
$name: ${execs:-?} execs, ${speed:-?} exec/s, ${cov:-no coverage line}: $result"
done

echo "fuzz results:$summary"
exit $status
