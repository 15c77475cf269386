#!/bin/sh
# run.sh: `make bench`. Times vmgate against the least a libvirt client
# can do, and the authorized-keys lookup at 100, 10k and 100k tenants, side
# by side in one run (tests/bench/runner.c interleaves the cases), then
# prints a table of medians, ratios and peak memory and which goals hold;
# then the session limit's rows (tests/bench/sessions.sh).
#
# Needs root and the real libvirtd (tests/e2e/stack.sh); defines the guest
# bench-web1 (SPICE 127.0.0.1:5950) and removes it at the end. The
# many-hosts rows also start a second libvirtd (tests/e2e/node.sh, on
# 127.0.0.2:16510) with the guest bench-n1 and a second guest bench-h2 on
# the first host, and stop them at the end.
#
# Then vmgate's console relay against `virsh console` on the same output of
# a real Linux guest, bench-linux (tests/e2e/linux-guest.sh;
# tests/bench/console.py): BENCH_CONSOLE_LINES lines of 71 bytes
# (default 30000, 2.1 MB), BENCH_CONSOLE_ROUNDS rounds (default 5).
#
#   BENCH_ROUNDS=30 BENCH_WARMUP=3 VMGATE=build/vmgate sh tests/bench/run.sh
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
VMGATE=${VMGATE:-$TOP/build/vmgate}
# the bench's programs (make bench-binaries builds them)
BENCH_BIN=${BENCH_BIN:-$TOP/build/bench}
export BENCH_BIN
ROUNDS=${BENCH_ROUNDS:-30}
WARMUP=${BENCH_WARMUP:-3}
CONSOLE_LINES=${BENCH_CONSOLE_LINES:-30000}
CONSOLE_ROUNDS=${BENCH_CONSOLE_ROUNDS:-5}
LINUX_GUEST=bench-linux
CONSOLE_TENANT=vgtconsole
SIZES="100 10000 100000"
GUEST=bench-web1
GUEST_PORT=5950
SERVICE_USER=vgtbench	# only named in the config: no account is needed
URI=qemu:///system
# a snapshot or index written within this many seconds of the file's last
# change could miss a change in the same clock tick: vmgate does not write
# one then, so the data is left to age before the first run
SETTLE=2
# many hosts: a second host's guest, a second guest on the first host, and
# node URIs that a status request must never contact
NODE_ADDR=127.0.0.2
NODE_URI=qemu+tcp://$NODE_ADDR:16510/system
NODE_DIR=/run/vmgate-e2e/hosts-node
NODE_GUEST=bench-n1
HOST2_GUEST=bench-h2
NODE_GUEST_PORT=5978
HOST2_GUEST_PORT=5979
NODES_FAR=19

say() { echo "bench: $*"; }
die() { echo "bench: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
	echo "bench: SKIPPED: needs root (the real libvirtd, root-owned config)" >&2
	exit 1
fi
[ -x "$VMGATE" ] || die "$VMGATE not built (make all)"
command -v python3 >/dev/null || die "python3 missing (make deps)"

WORK=$(mktemp -d /tmp/vmgate-bench.XXXXXX) || die "mktemp failed"
chmod 0755 "$WORK"
GUEST_UP=0
HOSTS_UP=0
NODE_UP=0
LINUX_UP=0
cleanup()
{
	[ "$GUEST_UP" = 1 ] && sh "$TOP/tests/e2e/stack.sh" rmguest "$GUEST" >/dev/null
	[ "$LINUX_UP" = 1 ] && "$BENCH_BIN/guest" down "$LINUX_GUEST" >/dev/null
	[ "$HOSTS_UP" = 1 ] && sh "$TOP/tests/e2e/stack.sh" rmguest "$HOST2_GUEST" >/dev/null
	[ "$NODE_UP" = 1 ] && sh "$TOP/tests/e2e/node.sh" down "$NODE_DIR" >/dev/null &&
	    rm -rf "$NODE_DIR"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh "$TOP/tests/e2e/stack.sh" up >/dev/null || die "libvirtd is not available"
sh "$TOP/tests/e2e/stack.sh" guest "$GUEST" "$GUEST_PORT" >/dev/null ||
    die "guest $GUEST did not start"
GUEST_UP=1
HOSTS_UP=1
sh "$TOP/tests/e2e/stack.sh" guest "$HOST2_GUEST" "$HOST2_GUEST_PORT" >/dev/null ||
    die "guest $HOST2_GUEST did not start"
# the second libvirtd is test_hosts' (same address, port and state
# directory): wait for that suite's lock, held until this script exits
mkdir -p /run/vmgate-e2e
exec 9>/run/vmgate-e2e/test_hosts.lock
flock 9 || die "cannot lock /run/vmgate-e2e/test_hosts.lock"
NODE_UP=1
sh "$TOP/tests/e2e/node.sh" up "$NODE_DIR" "$NODE_ADDR" 16510 >/dev/null ||
    die "the second libvirtd did not start"
sh "$TOP/tests/e2e/node.sh" guest "$NODE_DIR" "$NODE_GUEST" "$NODE_GUEST_PORT" >/dev/null ||
    die "guest $NODE_GUEST did not start on the second host"

for p in runner mini guest flood; do
	[ -x "$BENCH_BIN/$p" ] || die "$BENCH_BIN/$p not built (make bench-binaries)"
done

for n in $SIZES; do
	mkdir -p "$WORK/$n"
	python3 "$BENCH_DIR/gen.py" "$WORK/$n" "$n" "$SERVICE_USER" "$GUEST" ||
	    die "generating $n tenants failed"
	chown -R 0:0 "$WORK/$n"
	chmod 0644 "$WORK/$n/vmgate.ini"
done
# status with 1 and with 1+NODES_FAR node URIs among the tenant's
# machines (only its own is asked); list over two machines on one host
# and over two machines on two hosts
hosts_ini()	# NAME BODY
{
	mkdir -p "$WORK/$1"
	printf '[vmgate]\nuri = %s\nkeys = %s/%s/keys\n%s' "$URI" "$WORK" "$1" "$2" \
	    >"$WORK/$1/vmgate.ini"
	mkdir -p "$WORK/$1/keys"
	chmod 0644 "$WORK/$1/vmgate.ini"
}
far=
i=1
while [ "$i" -le "$NODES_FAR" ]; do
	far="$far[domain far$i]
uri = qemu+tcp://node$i.invalid/system
"
	i=$((i + 1))
done
hosts_ini status-1 "[tenant bt]
domains = $GUEST
"
hosts_ini status-20 "[tenant bt]
domains = $GUEST $(seq -f 'far%g' -s ' ' 1 "$NODES_FAR")
$far"
hosts_ini list-1 "[tenant bt]
domains = $GUEST $HOST2_GUEST
"
hosts_ini list-2 "[tenant bt]
domains = $GUEST $NODE_GUEST
[domain $NODE_GUEST]
uri = $NODE_URI
"
sleep "$SETTLE"

# the offered key: near the end of the tenant list
key_of()	# N -> "TENANT BLOB"
{
	t=$(printf 't%06d' $(($1 - 10)))
	echo "$t $(cut -d' ' -f2 "$WORK/$1/keys/$t.pub")"
}

# Every case is run once by hand first, and its answer checked: a fast
# wrong answer is not a result.
for n in $SIZES; do
	ini=$WORK/$n/vmgate.ini
	t0=$(date +%s%N)
	"$VMGATE" -f "$ini" check >"$WORK/check.out" 2>&1 ||
	    { cat "$WORK/check.out"; die "check of $n tenants failed"; }
	t1=$(date +%s%N)
	eval "CHECK_MS_$n=$(( (t1 - t0) / 1000000 ))"
	set -- $(key_of "$n")
	"$VMGATE" -f "$ini" authorized-keys "$SERVICE_USER" ssh-ed25519 "$2" >"$WORK/ak.out" ||
	    die "authorized-keys (shared, $n) failed"
	[ "$(wc -l <"$WORK/ak.out")" = 1 ] && grep -q -- "--tenant $1\" ssh-ed25519 $2\$" "$WORK/ak.out" ||
	    { cat "$WORK/ak.out"; die "authorized-keys (shared, $n): wrong answer"; }
	"$VMGATE" -f "$ini" authorized-keys "$1" ssh-ed25519 "$2" >"$WORK/ak.out" ||
	    die "authorized-keys (per-user, $n) failed"
	[ "$(wc -l <"$WORK/ak.out")" = 1 ] && grep -q "vmgate -f [^ ]*\" ssh-ed25519 $2\$" "$WORK/ak.out" ||
	    { cat "$WORK/ak.out"; die "authorized-keys (per-user, $n): wrong answer"; }
	# a key nobody has gives no line
	"$VMGATE" -f "$ini" authorized-keys "$SERVICE_USER" ssh-ed25519 \
	    "$(cut -d' ' -f2 "$WORK/$n/keys/t000000.pub" | tr 'A-Za-z' 'B-ZAb-za')" >"$WORK/ak.out"
	[ ! -s "$WORK/ak.out" ] || die "authorized-keys ($n): an unknown key got a line"
done
LAST=$(printf 't%06d' 99999)
INI100K=$WORK/100000/vmgate.ini
SSH_ORIGINAL_COMMAND="status $GUEST" "$VMGATE" -f "$INI100K" --tenant "$LAST" >"$WORK/st.out" ||
    die "vmgate status failed"
grep -q '^state: running$' "$WORK/st.out" || { cat "$WORK/st.out"; die "vmgate status: wrong answer"; }
"$BENCH_BIN/mini" "$URI" "$GUEST" | grep -q '^state: 1$' || die "mini: wrong answer"

for c in status-1 status-20; do
	SSH_ORIGINAL_COMMAND="status $GUEST" "$VMGATE" -f "$WORK/$c/vmgate.ini" --tenant bt >"$WORK/st.out" ||
	    die "vmgate status ($c) failed"
	grep -q '^state: running$' "$WORK/st.out" || { cat "$WORK/st.out"; die "vmgate status ($c): wrong answer"; }
done
SSH_ORIGINAL_COMMAND=list "$VMGATE" -f "$WORK/list-1/vmgate.ini" --tenant bt >"$WORK/ls.out" ||
    die "vmgate list (one host) failed"
[ "$(cat "$WORK/ls.out")" = "$(printf '%s running\n' "$GUEST" "$HOST2_GUEST" | LC_ALL=C sort)" ] || { cat "$WORK/ls.out"; die "vmgate list (one host): wrong answer"; }
SSH_ORIGINAL_COMMAND=list "$VMGATE" -f "$WORK/list-2/vmgate.ini" --tenant bt >"$WORK/ls.out" ||
    die "vmgate list (two hosts) failed"
[ "$(cat "$WORK/ls.out")" = "$(printf '%s running\n' "$GUEST" "$NODE_GUEST" | LC_ALL=C sort)" ] || { cat "$WORK/ls.out"; die "vmgate list (two hosts): wrong answer"; }

VIRSH=$(command -v virsh)
say "status: $ROUNDS rounds after $WARMUP warm-up rounds"
"$BENCH_BIN/runner" "$ROUNDS" "$WARMUP" \
	mini "$BENCH_BIN/mini" "$URI" "$GUEST" ';;' \
	mini-full "$BENCH_BIN/mini" "$URI" "$GUEST" --full ';;' \
	vmgate-100k "SSH_ORIGINAL_COMMAND=status $GUEST" "$VMGATE" -f "$INI100K" --tenant "$LAST" ';;' \
	vmgate-100 "SSH_ORIGINAL_COMMAND=status $GUEST" "$VMGATE" -f "$WORK/100/vmgate.ini" --tenant t000099 ';;' \
	virsh "$VIRSH" -c "$URI" domstate "$GUEST" >"$WORK/status.res" || die "status runs failed"

say "authorized-keys: $ROUNDS rounds after $WARMUP warm-up rounds"
set --
for n in $SIZES; do
	k=$(key_of "$n")
	t=${k%% *}
	b=${k#* }
	set -- "$@" "shared-$n" "$VMGATE" -f "$WORK/$n/vmgate.ini" authorized-keys "$SERVICE_USER" ssh-ed25519 "$b" ';;'
	set -- "$@" "peruser-$n" "$VMGATE" -f "$WORK/$n/vmgate.ini" authorized-keys "$t" ssh-ed25519 "$b" ';;'
done
"$BENCH_BIN/runner" "$ROUNDS" "$WARMUP" "$@" >"$WORK/keys.res" || die "authorized-keys runs failed"

# the two status cases alone, then the two list cases: each case of a
# pair follows the other, so neither inherits a different daemon's load
say "many hosts: $ROUNDS rounds after $WARMUP warm-up rounds"
"$BENCH_BIN/runner" "$ROUNDS" "$WARMUP" \
	hosts-status-1 "SSH_ORIGINAL_COMMAND=status $GUEST" "$VMGATE" -f "$WORK/status-1/vmgate.ini" --tenant bt ';;' \
	hosts-status-20 "SSH_ORIGINAL_COMMAND=status $GUEST" "$VMGATE" -f "$WORK/status-20/vmgate.ini" --tenant bt \
	>"$WORK/hosts.res" || die "many-hosts status runs failed"
"$BENCH_BIN/runner" "$ROUNDS" "$WARMUP" \
	hosts-list-1host SSH_ORIGINAL_COMMAND=list "$VMGATE" -f "$WORK/list-1/vmgate.ini" --tenant bt ';;' \
	hosts-list-2hosts SSH_ORIGINAL_COMMAND=list "$VMGATE" -f "$WORK/list-2/vmgate.ini" --tenant bt \
	>>"$WORK/hosts.res" || die "many-hosts list runs failed"

say "console: $CONSOLE_ROUNDS rounds of $CONSOLE_LINES lines from $LINUX_GUEST"
"$BENCH_BIN/guest" up "$LINUX_GUEST" || die "guest $LINUX_GUEST did not boot"
LINUX_UP=1
mkdir -p "$WORK/console/keys"
printf '[vmgate]\nuri = %s\nkeys = %s\n\n[tenant %s]\ndomains = %s\n' \
    "$URI" "$WORK/console/keys" "$CONSOLE_TENANT" "$LINUX_GUEST" \
    >"$WORK/console/vmgate.ini"
chmod 0644 "$WORK/console/vmgate.ini"
python3 "$BENCH_DIR/console.py" "$CONSOLE_ROUNDS" "$CONSOLE_LINES" "$VMGATE" \
    "$WORK/console/vmgate.ini" "$CONSOLE_TENANT" "$LINUX_GUEST" "$URI" \
    >"$WORK/console.res" || die "console runs failed"

# LABEL MEDIAN MIN RSS lines -> the table and the verdict
{
	sed 's/^/S /' "$WORK/status.res"
	sed 's/^/K /' "$WORK/keys.res"
	sed 's/^/H /' "$WORK/hosts.res"
	echo "C check-100 ${CHECK_MS_100}"
	echo "C check-10000 ${CHECK_MS_10000}"
	echo "C check-100000 ${CHECK_MS_100000}"
	sed 's/^/O /' "$WORK/console.res"
} | awk -v date="$(date -u +%Y-%m-%dT%H:%MZ)" \
    -v machine="$(uname -srm), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    -v rounds="$ROUNDS" -v crounds="$CONSOLE_ROUNDS" '
$1 == "S" || $1 == "K" || $1 == "H" { med[$2] = $3; rss[$2] = $5; order[n++] = $2; kind[$2] = $1 }
$1 == "C" { check[$2] = $3 }
$1 == "O" { con[$2] = $3; conmin[$2] = $4; conbytes[$2] = $5 }
END {
	printf "vmgate bench, %s, %s; medians of %d runs\n\n", date, machine, rounds
	printf "%-22s %10s %16s %10s\n", "case", "median ms", "ratio", "peak RSS"
	for (i = 0; i < n; i++) {
		c = order[i]; r = ""
		if (kind[c] == "S" && c != "mini")
			r = sprintf("%.2fx mini", med[c] / med["mini"])
		if (kind[c] == "K" && c !~ /-100$/) {
			base = c; sub(/-[0-9]+$/, "-100", base)
			r = sprintf("%.2fx %s", med[c] / med[base], "100")
		}
		if (c == "hosts-status-20")
			r = sprintf("%.2fx 1 URI", med[c] / med["hosts-status-1"])
		if (c == "hosts-list-2hosts")
			r = sprintf("%.2fx 1 host", med[c] / med["hosts-list-1host"])
		printf "%-22s %10.2f %16s %7d KiB\n", c, med[c], r, rss[c]
	}
	printf "\n(check, one run each: 100: %d ms, 10k: %d ms, 100k: %d ms)\n\n",
	    check["check-100"], check["check-10000"], check["check-100000"]
	printf "console relay, %.1f MB of a Linux guest console, medians of %d rounds\n\n",
	    conbytes["console-vmgate"] / 1e6, crounds
	printf "%-22s %10s %16s %10s\n", "case", "median ms", "ratio", "min ms"
	printf "%-22s %10.0f %16s %10.0f\n", "console-vmgate", con["console-vmgate"],
	    sprintf("%.2fx virsh", con["console-vmgate"] / con["console-virsh"]),
	    conmin["console-vmgate"]
	printf "%-22s %10.0f %16s %10.0f\n\n", "console-virsh", con["console-virsh"], "",
	    conmin["console-virsh"]
	s = med["vmgate-100k"] / med["mini"]
	g1 = s <= 1.10
	g2 = med["shared-100000"] <= 10 && med["shared-100000"] / med["shared-100"] <= 1.5
	g3 = med["peruser-100000"] <= 10 && med["peruser-100000"] / med["peruser-100"] <= 1.5
	c = con["console-vmgate"] / con["console-virsh"]
	g6 = c <= 1.05
	printf "goals: status<=1.10x mini %s (%.2fx); shared keys 100k <=10ms & <=1.5x %s (%.2f ms, %.2fx); per-user keys 100k <=10ms & <=1.5x %s (%.2f ms, %.2fx)\n",
	    g1 ? "HOLDS" : "FAILS", s,
	    g2 ? "HOLDS" : "FAILS", med["shared-100000"], med["shared-100000"] / med["shared-100"],
	    g3 ? "HOLDS" : "FAILS", med["peruser-100000"], med["peruser-100000"] / med["peruser-100"]
	h1 = med["hosts-status-20"] / med["hosts-status-1"]
	h2 = med["hosts-list-2hosts"] / med["hosts-list-1host"]
	g4 = h1 <= 1.05
	g5 = h2 <= 1.3
	printf "goals: status with 20 node URIs <=1.05x 1 URI %s (%.2fx); list over 2 hosts <=1.3x 1 host %s (%.2fx)\n",
	    g4 ? "HOLDS" : "FAILS", h1, g5 ? "HOLDS" : "FAILS", h2
	printf "goal: console <=1.05x virsh console %s (%.2fx)\n", g6 ? "HOLDS" : "FAILS", c
	printf "all goals %s\n", (g1 && g2 && g3 && g4 && g5 && g6) ? "hold" : "do not hold yet"
}'

# the session limit's rows: held session memory, a flood by one tenant
sh "$BENCH_DIR/sessions.sh" "$VMGATE" "$WORK" "$GUEST" ||
    die "the session rows failed"
