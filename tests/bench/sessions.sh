#!/bin/sh
# sessions.sh: make bench's rows for the session limit (vmgate(8), Sessions),
# side by side in one run:
#
#   held spice session, private memory: the build that waits in the
#   request's process with its libvirt connection (as vmgate did before,
#   built here with -DVMGATE_HOLD_IN_PLACE=1) against the one that
#   re-executes itself into the small wait;
#   tenant B's `status` while tenant A sends 200 requests at once
#   (tests/bench/flood.c holds them and B's at a barrier and releases them
#   together), with max_sessions = 8 and with no limit, against B alone;
#   the same with 200 processes that do nothing (what starting them costs
#   before any code of vmgate runs); and the floods again with each tenant
#   in its own cpu cgroup of equal weight, as systemd gives each user of
#   the per-user account model its own slice (skipped, and said, when the
#   kernel has no cpu cgroup controller to use).
#
#   sh tests/bench/sessions.sh VMGATE WORKDIR GUEST   (run.sh calls it)
set -u

VMGATE=$1
WORK=$2
GUEST=$3
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
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

# Two cpu cgroups of equal weight, one per tenant, in the cgroup v2
# hierarchy when its cpu controller is on, else in cgroup v1's cpu one;
# prints "DIR_A DIR_B", or nothing when neither is there.
CG_NAME=vmgate-bench-$$
cpu_cgroups()
{
	# v2: only where the cpu controller is already on for the root's
	# children (as systemd turns it on); the host is not changed for this
	if grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		base=/sys/fs/cgroup
	elif [ -f /sys/fs/cgroup/cpu/cpu.shares ]; then
		base=/sys/fs/cgroup/cpu
	else
		return 0
	fi
	mkdir "$base/$CG_NAME-a" "$base/$CG_NAME-b" 2>/dev/null || return 0
	echo "$base/$CG_NAME-a $base/$CG_NAME-b"
}
CGROUPS=$(cpu_cgroups)
# shellcheck disable=SC2086 # two words on purpose
cleanup_cgroups() { [ -z "$CGROUPS" ] || rmdir $CGROUPS 2>/dev/null; }
trap cleanup_cgroups EXIT

FLOOD_BIN=${BENCH_BIN:-$TOP/build/bench}/flood
[ -x "$FLOOD_BIN" ] || die "$FLOOD_BIN not built (make bench-binaries)"
# every request gets what sshd (ExposeAuthInfo yes) passes with it: the
# key its tenant logged in with, one of its key files'; `vmgate check`
# indexes them, as on a host, so the fingerprint comes from the index
for t in flooder quiet; do
	rm -f "$WORK/sessions/$t" "$WORK/sessions/$t.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$t" -f "$WORK/sessions/$t" ||
	    die "ssh-keygen failed"
	cp "$WORK/sessions/$t.pub" "$WORK/sessions/keys/$t.pub"
	chmod 0644 "$WORK/sessions/keys/$t.pub"
	echo "publickey $(cut -d' ' -f1,2 "$WORK/sessions/$t.pub")" \
	    >"$WORK/sessions/$t.auth"
done
export FLOOD_USER_AUTH="$WORK/sessions/flooder.auth"
export QUIET_USER_AUTH="$WORK/sessions/quiet.auth"
sleep 3		# the key directory settles before it is indexed
"$VMGATE" -f "$INI" check >"$WORK/sessions/check.out" 2>&1 ||
    { cat "$WORK/sessions/check.out"; die "check failed"; }
[ -f "$WORK/sessions/keys.index" ] || die "check wrote no key index"
export SSH_CONNECTION="192.0.2.10 50000 127.0.0.1 22"

# tenant quiet's status alone and during each flood, the cases in turn
# each round: "MICROSECONDS REFUSED" per line
rm -f "$WORK/sessions/idle" "$WORK/sessions/flood8" "$WORK/sessions/flood0" \
    "$WORK/sessions/noop" "$WORK/sessions/cg8" "$WORK/sessions/cg0"
L0=$WORK/sessions/limit-0.ini
for r in $(seq "$ROUNDS"); do
	"$FLOOD_BIN" "$VMGATE" "$INI" "$GUEST" 0 \
	    >>"$WORK/sessions/idle" || die "quiet alone failed"
	"$FLOOD_BIN" "$VMGATE" "$INI" "$GUEST" "$FLOOD" \
	    >>"$WORK/sessions/flood8" || die "the flood with a limit failed"
	"$FLOOD_BIN" "$VMGATE" "$L0" "$GUEST" "$FLOOD" \
	    >>"$WORK/sessions/flood0" || die "the flood without a limit failed"
	"$FLOOD_BIN" --noop "$VMGATE" "$INI" "$GUEST" "$FLOOD" \
	    >>"$WORK/sessions/noop" || die "the no-op flood failed"
	[ -n "$CGROUPS" ] || continue
	# shellcheck disable=SC2086
	"$FLOOD_BIN" "$VMGATE" "$INI" "$GUEST" "$FLOOD" $CGROUPS \
	    >>"$WORK/sessions/cg8" || die "the flood in cgroups failed"
	# shellcheck disable=SC2086
	"$FLOOD_BIN" "$VMGATE" "$L0" "$GUEST" "$FLOOD" $CGROUPS \
	    >>"$WORK/sessions/cg0" || die "the flood in cgroups failed"
done
# a result only if the limit did its work: refusals with it, none without
awk '$2 == 0 { exit 1 }' "$WORK/sessions/flood8" ||
    die "a flood met no limit"
awk '$2 != 0 { exit 1 }' "$WORK/sessions/flood0" ||
    die "the flood without a limit was refused"
usec() { [ -s "$1" ] && cut -d' ' -f1 "$1" | median || echo 0; }
IDLE=$(usec "$WORK/sessions/idle")
F8=$(usec "$WORK/sessions/flood8")
F0=$(usec "$WORK/sessions/flood0")
NOOP=$(usec "$WORK/sessions/noop")
CG8=$(usec "$WORK/sessions/cg8")
CG0=$(usec "$WORK/sessions/cg0")
REFUSED=$(cut -d' ' -f2 "$WORK/sessions/flood8" | median)

awk -v before="$BEFORE" -v after="$AFTER" -v idle="$IDLE" -v f8="$F8" \
    -v f0="$F0" -v noop="$NOOP" -v cg8="$CG8" -v cg0="$CG0" \
    -v rounds="$ROUNDS" -v flood="$FLOOD" -v limit="$LIMIT" \
    -v refused="$REFUSED" '
function row(label, us) {
	if (us > 0)
		printf "%-52s %7.2f ms %12s\n", label, us / 1000,
		    sprintf("%.2fx idle", us / idle)
	else
		printf "%-52s %10s\n", label, "(no cpu cgroup controller)"
}
BEGIN {
	printf "\nsession limit (medians: %d runs each, held sessions 5)\n", rounds
	printf "%-52s %10s %12s\n", "case", "value", "ratio"
	printf "%-52s %6d KiB\n", "held spice, private, in place (before)", before
	printf "%-52s %6d KiB %12s\n", "held spice, private, re-executed", after,
	    sprintf("%.2fx before", after / before)
	printf "%-52s %7.2f ms\n", "status of B, idle", idle / 1000
	row(sprintf("status of B, A floods %d, limit %d", flood, limit), f8)
	printf "%-52s %10d\n", "  (of the flood refused with 75)", refused
	row(sprintf("status of B, A floods %d, no limit", flood), f0)
	row(sprintf("status of B, %d processes that do nothing", flood), noop)
	row(sprintf("status of B, A floods %d, limit %d, cgroups", flood, limit), cg8)
	row(sprintf("status of B, A floods %d, no limit, cgroups", flood), cg0)
	g1 = after < 1024
	printf "\ngoals: held session < 1 MiB private %s (%d KiB);\n",
	    g1 ? "HOLDS" : "FAILS", after
	printf "       B during the flood <= 2x idle: one account for both %s (%.2fx), each in its own cpu cgroup %s\n",
	    f8 / idle <= 2 ? "HOLDS" : "FAILS", f8 / idle,
	    cg8 == 0 ? "NOT MEASURED" : sprintf("%s (%.2fx)",
	    cg8 / idle <= 2 ? "HOLDS" : "FAILS", cg8 / idle)
}'
