#!/bin/sh
# vmgate demo: the real thing on this machine, on loopback only.
#
#   sh contrib/demo.sh start   (make demo)       sh contrib/demo.sh stop   (make demo-stop)
#
# start: libvirtd (started when none answers), two diskless machines
# demo-web1 (tenant alice) and demo-db1 (tenant bob) with serial consoles
# and locked SPICE displays on 127.0.0.1:5901/5902, a demo config and key
# directory under /etc/vmgate-demo, the shared account "vmgate", and a
# private sshd on 127.0.0.1:2222 whose AuthorizedKeysCommand is vmgate.
# Then a scripted tenant session through the real ssh client.
# stop: removes everything start made. Re-running start is safe.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
ETC=/etc/vmgate-demo
VAR=/var/lib/vmgate-demo
LIBEXEC=/usr/local/libexec/vmgate-demo
PORT=2222
USER_NAME=vmgate
PIDFILE=/run/vmgate-demo-sshd.pid
STACK="$TOP/tests/e2e/stack.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" = 0 ] && return 0
	cat >&2 <<EOF
demo: make demo needs root: it installs packages, starts libvirtd and an
demo: sshd on 127.0.0.1:$PORT, defines two virtual machines and creates the
demo: account '$USER_NAME'. Run it as root: sudo make demo
EOF
	exit 1
}

stop_sshd() {
	if [ -f "$PIDFILE" ]; then
		pid=$(cat "$PIDFILE")
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		rm -f "$PIDFILE"
	fi
}

do_stop() {
	need_root
	tunnels_close
	stop_sshd
	for d in demo-web1 demo-db1; do
		sh "$STACK" rmguest "$d" >/dev/null 2>&1 || true
	done
	if [ -f "$VAR/created-user" ] && id "$USER_NAME" >/dev/null 2>&1; then
		# sessions outlive the listening sshd: end the account's
		# processes (only the demo's own account) before removing it
		pkill -u "$USER_NAME" 2>/dev/null || true
		i=0
		while pgrep -u "$USER_NAME" >/dev/null 2>&1 && [ $i -lt 30 ]; do
			sleep 0.1; i=$((i + 1))
		done
		pkill -KILL -u "$USER_NAME" 2>/dev/null || true
		userdel -r "$USER_NAME" >/dev/null 2>&1 || userdel "$USER_NAME" || true
	fi
	rm -rf "$ETC" "$VAR" "$LIBEXEC"
	# libvirtd and virtlogd only if the stack script started them
	sh "$STACK" down >/dev/null 2>&1 || true
	echo "demo: stopped; everything the demo made is removed"
}

write_config() {
	mkdir -p "$ETC/keys"
	chmod 755 "$ETC" "$ETC/keys"
	cat > "$ETC/vmgate.ini" <<EOF
; vmgate demo configuration (made by make demo)
[vmgate]
uri = qemu:///system
keys = $ETC/keys
spice_ttl = 60
service_user = $USER_NAME
audit_log = $VAR/audit.log

[media rescue]
path = /usr/lib/grub-rescue/grub-rescue-cdrom.iso
description = GRUB rescue

[tenant alice]
domains = demo-web1
allow = status start stop poweroff reset reboot console spice media insert eject
media = rescue

[tenant bob]
domains = demo-db1

[domain demo-web1]
spice = 127.0.0.1:5901

[domain demo-db1]
spice = 127.0.0.1:5902
EOF
	chmod 644 "$ETC/vmgate.ini"
	# the shared account appends to the audit log; nobody else may
	touch "$VAR/audit.log"
	for t in alice bob; do
		[ -f "$VAR/$t" ] || ssh-keygen -q -t ed25519 -N '' \
		    -C "$t@vmgate-demo" -f "$VAR/$t"
		cp "$VAR/$t.pub" "$ETC/keys/$t.pub"
		chmod 644 "$ETC/keys/$t.pub"
	done
}

write_sshd_config() {
	[ -f "$ETC/ssh_host_ed25519_key" ] ||
	    ssh-keygen -q -t ed25519 -N '' -f "$ETC/ssh_host_ed25519_key"
	cat > "$ETC/sshd_config" <<EOF
# private sshd of the vmgate demo (make demo)
Port $PORT
ListenAddress 127.0.0.1
HostKey $ETC/ssh_host_ed25519_key
PidFile $PIDFILE
AllowUsers $USER_NAME
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
EOF
	# the vmgate settings as an admin gets them: printed by vmgate itself
	# for this binary, this config and the service account
	"$LIBEXEC/vmgate" -f "$ETC/vmgate.ini" sshd-config --shared \
	    >> "$ETC/sshd_config"
}

make_user() {
	if id "$USER_NAME" >/dev/null 2>&1; then
		[ -f "$VAR/created-user" ] ||
		    die "an account '$USER_NAME' exists and is not the demo's: not touching it"
	else
		useradd -m -s /bin/sh "$USER_NAME"
		touch "$VAR/created-user"
	fi
	usermod -p '*' -s /bin/sh -a -G libvirt "$USER_NAME"
	chown "$USER_NAME" "$VAR/audit.log"
	chmod 600 "$VAR/audit.log"
}

# The tenants' ssh settings, for the scripted session and for trying it by
# hand alike: "ssh -F $VAR/ssh_config alice list". Its own known_hosts,
# since every start makes a new host key (stop removes the old one), and a
# key remembered in the user's own file would make ssh refuse the next run.
write_ssh_config() {
	: >"$VAR/ssh_config"
	for t in alice bob; do
		cat >>"$VAR/ssh_config" <<EOF
Host $t
	HostName 127.0.0.1
	Port $PORT
	User $USER_NAME
	IdentityFile $VAR/$t
	IdentitiesOnly yes
	UserKnownHostsFile $VAR/known_hosts
	StrictHostKeyChecking accept-new
	LogLevel ERROR
EOF
	done
	rm -f "$VAR/known_hosts"
}

tenant() {
	# tenant NAME REQUEST : one request through the real ssh client
	who=$1; shift
	printf "\n\$ ssh -F %s %s '%s'\n" "$VAR/ssh_config" "$who" "$*"
	set +e
	ssh -F "$VAR/ssh_config" -o BatchMode=yes "$who" "$@" </dev/null
	rc=$?
	set -e
	printf '[exit %s]\n' "$rc"
	return 0
}

ssh_alice() {
	ssh -F "$VAR/ssh_config" -o BatchMode=yes "$@"
}

# The demo's tunnels: ssh itself is started in the background (not a shell
# function, whose $! would be a subshell), so its own pid is recorded and
# ended; ExitOnForwardFailure makes a busy local port an error instead of
# a session that silently forwards nothing.
TUNNEL_PIDS=

tunnel_open() {	# LOCALPORT REMOTEPORT
	if port_listening "$1"; then
		echo "demo: local port $1 is already in use: not starting a tunnel there" >&2
		return 1
	fi
	ssh -F "$VAR/ssh_config" -o BatchMode=yes -o ExitOnForwardFailure=yes \
	    -N -L "$1:127.0.0.1:$2" alice </dev/null &
	TUNNEL_PIDS="$TUNNEL_PIDS $!"
	echo "$!" >>"$VAR/tunnel.pids"
	i=0
	until port_listening "$1"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "demo: tunnel on port $1 did not open" >&2; return 1; }
		sleep 0.1
	done
}

port_listening() {
	[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# end the tunnels this run started, and any a killed earlier run left
# (their pids are in $VAR/tunnel.pids; only ssh processes are ended)
tunnels_close() {
	[ -f "$VAR/tunnel.pids" ] || return 0
	for pid in $(cat "$VAR/tunnel.pids"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ssh ] || continue
		kill "$pid" 2>/dev/null || true
	done
	for pid in $TUNNEL_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	for pid in $(cat "$VAR/tunnel.pids"); do
		i=0
		while [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ssh ] && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
	done
	rm -f "$VAR/tunnel.pids"
	TUNNEL_PIDS=
}

spice_through_tunnel() {
	# A real SPICE client logs in through an ssh -L tunnel with a fresh
	# ticket; the tunnel is sshd's, limited by the key line's permitopen.
	say "a real SPICE client through the tunnel (spicy-screenshot)"
	pw=$(ssh_alice alice spice demo-web1 --no-wait \
	    </dev/null | sed -n 's/^password: *//p')
	[ -n "$pw" ] || die "no ticket for demo-web1"
	tunnel_open 15901 5901 || die "the tunnel to demo-web1 did not open"
	set +e
	echo "$ spicy-screenshot -h 127.0.0.1 -p 15901 -w <ticket> -o $VAR/screen.ppm"
	timeout 20 spicy-screenshot -h 127.0.0.1 -p 15901 -w "$pw" \
	    -o "$VAR/screen.ppm" >/dev/null 2>&1
	ok=$?
	echo "[exit $ok: the ticket logs in; screenshot in $VAR/screen.ppm]"
	echo "$ spicy-screenshot -h 127.0.0.1 -p 15901 -w wrong-password"
	timeout 20 spicy-screenshot -h 127.0.0.1 -p 15901 -w wrong-password \
	    -o "$VAR/refused.ppm" >/dev/null 2>&1
	wrong=$?
	echo "[exit $wrong: a wrong password is refused]"
	echo "$ ssh -N -L 15902:127.0.0.1:5902 ... (bob's display): "
	tunnel_open 15902 5902 || die "the tunnel to port 15902 did not open"
	timeout 20 spicy-screenshot -h 127.0.0.1 -p 15902 -w "$pw" \
	    -o "$VAR/refused.ppm" >/dev/null 2>&1
	foreign=$?
	echo "[exit $foreign: sshd refuses to forward to a display that is not alice's]"
	set -e
	tunnels_close
	rm -f "$VAR/refused.ppm"
	if ps -eo args | grep -q -- "-L 1590[12]:127.0.0.1:590[12] alice"; then
		die "a tunnel of the demo is still running"
	fi
	[ "$ok" = 0 ] && [ "$wrong" != 0 ] && [ "$foreign" != 0 ] ||
	    die "the SPICE step did not go as shown above"
}

# alice picks her own system: the rescue image in her CD drive, booted
# once; the serial line (virtlogd's copy) shows where SeaBIOS booted from
install_once() {
	log=/var/log/libvirt/qemu/demo-web1-serial.log
	say "alice installs her own system: media, insert, one boot from the CD"
	tenant alice media
	tenant alice insert demo-web1 rescue
	tenant alice status demo-web1
	tenant alice poweroff demo-web1
	tenant alice start demo-web1 --cdrom
	booted_from "$log" "DVD/CD"
	say "installed: eject, and the next cold start boots as before (the saved definition is unchanged)"
	tenant alice poweroff demo-web1
	tenant alice eject demo-web1
	tenant alice start demo-web1
	booted_from "$log" "Hard Disk"
}

booted_from() {	# LOG WHAT: wait for SeaBIOS's "Booting from WHAT" line
	i=0
	until grep -q "Booting from $2" "$1" 2>/dev/null || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep -a "Booting from" "$1" | tr -d '\r' | sed 's/^/  serial: /'
	grep -q "Booting from $2" "$1" || die "SeaBIOS did not boot from $2"
}

do_start() {
	need_root
	[ -x "$TOP/build/vmgate" ] || die "build/vmgate is missing: run make first"
	mkdir -p "$VAR"
	chmod 755 "$VAR"
	tunnels_close
	stop_sshd
	trap tunnels_close EXIT

	say "libvirtd"
	sh "$STACK" up

	say "two diskless machines: demo-web1 (alice, with a CD drive), demo-db1 (bob)"
	sh "$STACK" cdguest demo-web1 5901
	sh "$STACK" guest demo-db1 5902

	say "config, keys and the shared account '$USER_NAME'"
	write_config
	mkdir -p "$LIBEXEC"
	chmod 755 "$LIBEXEC"
	install -m 0755 "$TOP/build/vmgate" "$LIBEXEC/vmgate"
	make_user
	"$LIBEXEC/vmgate" -f "$ETC/vmgate.ini" check

	say "sshd on 127.0.0.1:$PORT, with what 'vmgate sshd-config --shared' prints"
	write_sshd_config
	mkdir -p /run/sshd
	/usr/sbin/sshd -t -f "$ETC/sshd_config"
	/usr/sbin/sshd -f "$ETC/sshd_config" -E "$VAR/sshd.log"
	i=0
	until [ -s "$PIDFILE" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$PIDFILE" ] || die "sshd did not start, see $VAR/sshd.log"
	echo "sshd pid $(cat "$PIDFILE")"
	write_ssh_config
	echo "the tenants' ssh settings, $VAR/ssh_config (alice's, then bob's key;"
	echo "both log in as the shared account '$USER_NAME', and the key picks the tenant):"
	sed -n '1,9s/^/  /p' "$VAR/ssh_config"

	say "a tenant session (alice), through ssh"
	tenant alice whoami
	tenant alice list
	tenant alice status demo-web1
	tenant alice reset demo-web1
	tenant alice spice demo-web1 --no-wait --port 15901
	spice_through_tunnel
	install_once
	say "alice asks for bob's machine: refused exactly like a machine that does not exist"
	tenant alice status demo-db1
	tenant alice status no-such-vm
	tenant alice 'list; id'

	say "the audit log ($VAR/audit.log)"
	tail -n 10 "$VAR/audit.log" 2>/dev/null || true

	cat <<EOF

== try it by hand
  ssh -F $VAR/ssh_config alice list
  ssh -F $VAR/ssh_config alice status demo-web1
  ssh -t -F $VAR/ssh_config alice console demo-web1
      (then in another terminal: ssh -F $VAR/ssh_config alice reset demo-web1;
       SeaBIOS prints on the console; leave with Ctrl-])
  ssh -F $VAR/ssh_config -L 15901:127.0.0.1:5901 alice spice demo-web1 --port 15901
      (it holds the tunnel open until Ctrl-D; meanwhile, in another terminal:
       remote-viewer spice://127.0.0.1:15901 with the password shown,
       or spicy-screenshot -h 127.0.0.1 -p 15901 -w PASSWORD -o shot.ppm;
       local port 15901, since the display itself is on 5901 of this host)
  ssh -F $VAR/ssh_config alice media
  ssh -F $VAR/ssh_config alice insert demo-web1 rescue
  ssh -F $VAR/ssh_config alice start demo-web1 --cdrom
      (after poweroff; then the console shows SeaBIOS booting the CD)
  ssh -F $VAR/ssh_config bob list
  $LIBEXEC/vmgate -f $ETC/vmgate.ini check --tenant alice -- reset demo-db1

  config: $ETC/vmgate.ini   keys: $ETC/keys   audit: $VAR/audit.log
  stop and remove everything: make demo-stop
EOF
}

case "${1:-}" in
start) do_start ;;
stop) do_stop ;;
*) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac
