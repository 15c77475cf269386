#!/bin/sh
# sessions.sh: make bench's rows for the session limit (vmgate(8), Sessions),
# side by side in one run:
#
#   held spice session, private memory: the build that waits in the
#   request's process with its libvirt connection (as vmgate did before,
#   built here with -DVMGATE_HOLD_IN_PLACE=1) against the one that
#   re-executes itself into the small wait;
#   tenant B's `status` while tenant A sends 200 requests at once
#   (tests/bench/flood.py releases them together), with
#   max_sessions = 8 and with no limit, against B alone.
#
#   sh tests/bench/sessions.sh VMGATE WORKDIR GUEST   (run.sh calls it)
set -u

VMGATE=$1
WORK=$2
GUEST=$3
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${BENCH_SESSION_ROUNDS:-15}
HELD_ROUNDS=5
FLOOD=200
LIMIT=8

die() { echo "bench: $*" >&2; exit 1; }

mkdir -p "$WORK/sessions/keys" "$WORK/inplace"
chmod 0755 "$WORK/sessions" "$WORK/sessions/keys"
for l in "$LIMIT" 0; do
	cat >"$WORK/sessions/limit-$l.ini" <<EOF
[vmgate]
uri = qemu:///system
keys = $WORK/sessions/keys
max_sessions = $l
[tenant flooder]
domains = $GUEST
[tenant quiet]
domains = $GUEST
[tenant held]
domains = $GUEST
EOF
	chmod 0644 "$WORK/sessions/limit-$l.ini"
done
INI=$WORK/sessions/limit-$LIMIT.ini

# the old hold, for comparison only
make -s -C "$TOP" BUILD="$WORK/inplace" CFLAGS=-DVMGATE_HOLD_IN_PLACE=1 \
    "$WORK/inplace/vmgate" >"$WORK/inplace.log" 2>&1 ||
    { cat "$WORK/inplace.log"; die "the in-place build failed"; }

# private KiB of a held "spice GUEST" session of the binary $1
held_kib()
{
	fifo=$WORK/sessions/hold.fifo
	rm -f "$fifo" "$WORK/sessions/held.out"
	mkfifo "$fifo"
	sleep 60 >"$fifo" &
	holder=$!
	SSH_ORIGINAL_COMMAND="spice $GUEST" "$1" -f "$INI" --tenant held \
	    <"$fifo" >"$WORK/sessions/held.out" 2>&1 &
	pid=$!
	i=0
	until grep -q '^viewer:' "$WORK/sessions/held.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { kill "$holder" "$pid"; die "no ticket from $1"; }
		sleep 0.05
	done
	sleep 0.5	# the re-execution, if any, is done by then
	awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' \
	    "/proc/$pid/smaps_rollup"
	kill "$holder"
	wait "$pid" "$holder" 2>/dev/null
	rm -f "$fifo"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

for r in $(seq "$HELD_ROUNDS"); do
	held_kib "$WORK/inplace/vmgate" >>"$WORK/sessions/before"
	held_kib "$VMGATE" >>"$WORK/sessions/after"
done
BEFORE=$(median <"$WORK/sessions/before")
AFTER=$(median <"$WORK/sessions/after")

# tenant quiet's status alone, and while flooder sends FLOOD at once
# (tests/bench/flood.py): "MICROSECONDS REFUSED" per line
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
rm -f "$WORK/sessions/idle" "$WORK/sessions/flood8" "$WORK/sessions/flood0"
for r in $(seq "$ROUNDS"); do
	python3 "$BENCH_DIR/flood.py" "$VMGATE" "$INI" "$GUEST" 0 \
	    >>"$WORK/sessions/idle" || die "quiet alone failed"
	python3 "$BENCH_DIR/flood.py" "$VMGATE" "$INI" "$GUEST" "$FLOOD" \
	    >>"$WORK/sessions/flood8" || die "the flood with a limit failed"
	python3 "$BENCH_DIR/flood.py" "$VMGATE" "$WORK/sessions/limit-0.ini" \
	    "$GUEST" "$FLOOD" >>"$WORK/sessions/flood0" ||
	    die "the flood without a limit failed"
done
# a result only if the limit did its work: refusals with it, none without
awk '$2 == 0 { exit 1 }' "$WORK/sessions/flood8" ||
    die "a flood met no limit"
awk '$2 != 0 { exit 1 }' "$WORK/sessions/flood0" ||
    die "the flood without a limit was refused"
IDLE=$(cut -d' ' -f1 "$WORK/sessions/idle" | median)
F8=$(cut -d' ' -f1 "$WORK/sessions/flood8" | median)
F0=$(cut -d' ' -f1 "$WORK/sessions/flood0" | median)
REFUSED=$(cut -d' ' -f2 "$WORK/sessions/flood8" | median)

awk -v before="$BEFORE" -v after="$AFTER" -v idle="$IDLE" -v f8="$F8" \
    -v f0="$F0" -v rounds="$ROUNDS" -v flood="$FLOOD" -v limit="$LIMIT" \
    -v refused="$REFUSED" '
BEGIN {
	printf "\nsession limit (medians: %d runs each, held sessions 5)\n", rounds
	printf "%-40s %10s %16s\n", "case", "value", "ratio"
	printf "%-40s %6d KiB\n", "held spice, private, in place (before)", before
	printf "%-40s %6d KiB %16s\n", "held spice, private, re-executed", after,
	    sprintf("%.2fx before", after / before)
	printf "%-40s %7.2f ms\n", "status of B, idle", idle / 1000
	printf "%-40s %7.2f ms %16s\n", sprintf("status of B, A floods %d, limit %d", flood, limit),
	    f8 / 1000, sprintf("%.2fx idle", f8 / idle)
	printf "%-40s %10d\n", "  (of the flood refused with 75)", refused
	printf "%-40s %7.2f ms %16s\n", sprintf("status of B, A floods %d, no limit", flood),
	    f0 / 1000, sprintf("%.2fx idle", f0 / idle)
	g1 = after < 1024
	g2 = f8 / idle <= 2
	printf "\ngoals: held session < 1 MiB private %s (%d KiB); B during the flood <= 2x idle %s (%.2fx)\n",
	    g1 ? "HOLDS" : "FAILS", after, g2 ? "HOLDS" : "FAILS", f8 / idle
}'
