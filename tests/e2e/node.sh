#!/bin/sh
# node.sh: a second libvirt host on this one machine, for the many-hosts
# suite: a real libvirtd (and its virtlogd) in a mount namespace of its
# own, with its own /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt (tmpfs) and its own copy of /etc/libvirt without the
# first host's machines and networks. It shares nothing with the machine's
# system libvirtd and is reached only over TCP, as a node behind a gateway
# is: qemu+tcp://ADDR:PORT/system (no authentication: loopback, tests only).
#
#   sh tests/e2e/node.sh up DIR [ADDR [PORT]]      start it; state and pids in DIR
#   sh tests/e2e/node.sh guest DIR NAME SPICEPORT  define and start a diskless
#                                                  guest there, display on ADDR
#   sh tests/e2e/node.sh down DIR                  destroy its guests, stop it
#
# Defaults: ADDR 127.0.0.2, PORT 16510. Every process is stopped by the pid
# recorded in DIR, after checking it still is that program; nothing else on
# the machine is touched.

. "$(dirname "$0")/stack.sh"

NODE_WAIT=60		# seconds for the new libvirtd to answer

node_say()
{
	echo "node: $*"
}

# pid in file $1 is alive and runs program $2
node_pid_is()
{
	[ -s "$1" ] || return 1
	p=$(cat "$1")
	[ -r "/proc/$p/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -q "$2"
}

node_uri()
{
	cat "$1/uri"
}

node_up()
{
	dir=$1
	addr=${2:-127.0.0.2}
	port=${3:-16510}
	[ -n "$dir" ] || { node_say "usage: up DIR [ADDR [PORT]]"; return 64; }
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	uri="qemu+tcp://$addr:$port/system"
	echo "$uri" >"$dir/uri"
	echo "$addr" >"$dir/addr"
	if node_pid_is "$dir/libvirtd.pid" libvirtd &&
	    virsh -c "$uri" version >/dev/null 2>&1; then
		node_say "libvirtd already answers on $uri"
		return 0
	fi
	if virsh -c "$uri" version >/dev/null 2>&1; then
		node_say "something else answers on $uri: not ours, not used"
		return 1
	fi
	# the first host's configuration, without its machines and networks
	rm -rf "$dir/etc"
	cp -a /etc/libvirt "$dir/etc" || return 1
	rm -rf "$dir/etc/qemu" "$dir/etc/libvirtd.conf"
	mkdir -p "$dir/etc/qemu"
	cat >"$dir/etc/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 1
listen_addr = "$addr"
tcp_port = "$port"
auth_tcp = "none"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
	cat >"$dir/inner.sh" <<EOF
set -e
for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
	mount -t tmpfs -o mode=0755 tmpfs "\$d"
done
mount --bind "$dir/etc" /etc/libvirt
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /run/libvirt/qemu
# the default pid files are in /run, where the first host's are
virtlogd -d -p /run/libvirt/virtlogd.pid
exec libvirtd --listen -p /run/libvirt/libvirtd.pid -f /etc/libvirt/libvirtd.conf
EOF
	mkdir -p /var/cache/libvirt /var/lib/libvirt /var/log/libvirt /run/libvirt
	stack_fix_kvm
	# unshare execs sh, which execs libvirtd: $! is libvirtd's pid
	unshare -m --propagation private sh "$dir/inner.sh" \
	    >"$dir/libvirtd.out" 2>&1 </dev/null &
	echo $! >"$dir/libvirtd.pid"
	i=0
	while [ "$i" -lt $((NODE_WAIT * 5)) ]; do
		if virsh -c "$uri" version >/dev/null 2>&1; then
			lp=$(cat "$dir/libvirtd.pid")
			cp "/proc/$lp/root/run/libvirt/virtlogd.pid" \
			    "$dir/virtlogd.pid" 2>/dev/null
			node_say "libvirtd (pid $lp) answers on $uri"
			return 0
		fi
		if ! kill -0 "$(cat "$dir/libvirtd.pid")" 2>/dev/null; then
			node_say "libvirtd did not start: $(cat "$dir/libvirtd.out")"
			return 1
		fi
		sleep 0.2
		i=$((i + 1))
	done
	node_say "libvirtd did not answer on $uri within ${NODE_WAIT}s"
	return 1
}

node_guest()
{
	dir=$1
	if [ -z "$dir" ] || [ -z "${2:-}" ] || [ -z "${3:-}" ]; then
		node_say "usage: guest DIR NAME SPICEPORT"
		return 64
	fi
	uri=$(node_uri "$dir") || return 1
	addr=$(cat "$dir/addr")
	virsh -c "$uri" destroy "$2" >/dev/null 2>&1
	virsh -c "$uri" undefine "$2" >/dev/null 2>&1
	# KVM when the first host found it usable (stack.sh), else TCG
	type=$(cat "$STACK_RUN/virttype" 2>/dev/null)
	[ "$type" = kvm ] && [ -e /dev/kvm ] || type=qemu
	stack_guest_xml "$2" "$3" "$type" "$addr" >"$dir/guest-$2.xml"
	if ! virsh -c "$uri" define "$dir/guest-$2.xml" >/dev/null ||
	    ! virsh -c "$uri" start "$2" >/dev/null 2>"$dir/guest-$2.err"; then
		node_say "guest $2 failed to start: $(cat "$dir/guest-$2.err")"
		return 1
	fi
	lp=$(cat "$dir/libvirtd.pid")
	cp "/proc/$lp/root/run/libvirt/qemu/$2.pid" "$dir/qemu-$2.pid" \
	    2>/dev/null
	# the serial log as the node's daemon sees its file system
	if stack_wait_boot "$2" \
	    "/proc/$lp/root/var/log/libvirt/qemu/$2-serial.log"; then
		node_say "guest $2 runs ($type, spice $addr:$3), SeaBIOS is up"
		return 0
	fi
	node_say "guest $2 runs but printed no SeaBIOS banner in ${STACK_BOOT_WAIT}s"
	return 1
}

# stop the process whose pid is in $1 if it still runs $2
node_stop_pid()
{
	node_pid_is "$1" "$2" || { rm -f "$1"; return 0; }
	p=$(cat "$1")
	kill "$p" 2>/dev/null
	i=0
	while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$p" 2>/dev/null
	rm -f "$1"
	node_say "stopped $2 (pid $p)"
}

node_down()
{
	dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || { node_say "nothing in ${dir:-(none)}"; return 0; }
	if node_pid_is "$dir/libvirtd.pid" libvirtd; then
		uri=$(node_uri "$dir")
		for g in $(virsh -c "$uri" list --all --name 2>/dev/null); do
			virsh -c "$uri" destroy "$g" >/dev/null 2>&1
			virsh -c "$uri" undefine "$g" >/dev/null 2>&1
			node_say "removed guest $g"
		done
	fi
	node_stop_pid "$dir/libvirtd.pid" libvirtd
	node_stop_pid "$dir/virtlogd.pid" virtlogd
	# a guest the daemon could not stop (it was gone already)
	for f in "$dir"/qemu-*.pid; do
		[ -e "$f" ] && node_stop_pid "$f" qemu
	done
	return 0
}

node_main()
{
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	up) node_up "$@" ;;
	guest) node_guest "$@" ;;
	down) node_down "$@" ;;
	*)
		echo "usage: node.sh up DIR [ADDR [PORT]] | guest DIR NAME SPICEPORT |" \
		    "down DIR" >&2
		return 64
		;;
	esac
}

node_main "$@"
