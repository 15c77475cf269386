#!/bin/sh
# stack.sh: the real stack the end-to-end tests run on:
# virtlogd + libvirtd without systemd, and diskless SeaBIOS guests.
#
#   sh tests/e2e/stack.sh up                     start daemons unless one answers
#   sh tests/e2e/stack.sh guest NAME SPICEPORT [ADDR]
#                                                (re)define and start a guest;
#                                                its display on ADDR (127.0.0.1)
#   sh tests/e2e/stack.sh transient NAME PORT    the same guest, never defined
#                                                (`virsh create`): gone once stopped
#   sh tests/e2e/stack.sh menuguest NAME PORT    the same guest with SeaBIOS's boot
#                                                menu: "Press ESC for boot menu." waits
#                                                STACK_MENU_MS, ESC on the serial line
#                                                shows "Select boot device"
#   sh tests/e2e/stack.sh cdguest NAME PORT      the same guest with an empty,
#                                                read-only CD drive (hdc)
#   sh tests/e2e/stack.sh rmguest NAME           destroy and undefine it
#   sh tests/e2e/stack.sh down                   stop only what `up` started
#
# Sourced (". tests/e2e/stack.sh") it only defines the stack_* functions.
# Everything is idempotent. The daemons are shared by every suite on the
# machine: `up` leaves a running libvirtd alone, `down` stops only daemons
# whose pids `up` recorded under $STACK_RUN, and only when no domain runs.

STACK_RUN=${STACK_RUN:-/run/vmgate-e2e}
STACK_URI=qemu:///system
STACK_WAIT=30		# seconds to wait for libvirtd to answer
STACK_MEM_KIB=49152	# 48 MiB: enough for SeaBIOS
STACK_BOOT_WAIT=30	# seconds for a new guest's SeaBIOS banner
STACK_MENU_MS=${STACK_MENU_MS:-10000}	# how long a menuguest's prompt waits

stack_say()
{
	echo "stack: $*"
}

stack_answers()
{
	virsh -c "$STACK_URI" version >/dev/null 2>&1
}

# pid in file $1 is a live process
stack_pid_alive()
{
	[ -s "$1" ] || return 1
	kill -0 "$(cat "$1")" 2>/dev/null
}

stack_write_conf()
{
	# Our own libvirtd.conf: group libvirt may use the rw socket without
	# polkit, which is not running on a machine without systemd.
	cat >"$STACK_RUN/libvirtd.conf" <<'EOF'
unix_sock_group = "libvirt"
unix_sock_rw_perms = "0770"
unix_sock_ro_perms = "0777"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
}

# Without udev, /dev/kvm stays root:root 0600. QEMU then cannot use it
# as libvirt-qemu, yet libvirtd's capability probe (run before QEMU drops
# root) sees KVM: libvirtd then finds its capability cache stale on every
# call and re-probes QEMU, which makes each define take minutes. Give it
# the owner and mode Debian's udev rules give it.
stack_fix_kvm()
{
	[ -c /dev/kvm ] || return 0
	getent group kvm >/dev/null || return 0
	if [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]; then
		chgrp kvm /dev/kvm && chmod 0660 /dev/kvm &&
		    stack_say "/dev/kvm set to group kvm, mode 0660 (as udev does)"
		rm -f "$STACK_RUN/virttype"
	fi
}

stack_up()
{
	mkdir -p /var/log/libvirt /run/libvirt /var/lib/libvirt/qemu "$STACK_RUN"
	# vmgate's session slots, as make install and the tmpfiles.d entry
	# make them: every account that runs vmgate adds its own directory
	install -d -m 0755 /run/vmgate && install -d -m 1733 /run/vmgate/sessions ||
	    { stack_say "cannot make /run/vmgate/sessions"; return 1; }
	stack_fix_kvm
	if stack_answers; then
		stack_say "libvirtd already answers on $STACK_URI; left as it is"
		return 0
	fi
	if stack_pid_alive /run/virtlogd.pid; then
		stack_say "virtlogd already runs (pid $(cat /run/virtlogd.pid))"
	else
		virtlogd -d || { stack_say "virtlogd failed to start"; return 1; }
		sleep 0.2
		cp /run/virtlogd.pid "$STACK_RUN/virtlogd.pid" 2>/dev/null
		stack_say "started virtlogd (pid $(cat /run/virtlogd.pid 2>/dev/null))"
	fi
	if stack_pid_alive /run/libvirtd.pid; then
		stack_say "libvirtd runs (pid $(cat /run/libvirtd.pid)) but does not answer yet"
	else
		stack_write_conf
		libvirtd -d -f "$STACK_RUN/libvirtd.conf" ||
		    { stack_say "libvirtd failed to start"; return 1; }
		sleep 0.2
		cp /run/libvirtd.pid "$STACK_RUN/libvirtd.pid" 2>/dev/null
		stack_say "started libvirtd -f $STACK_RUN/libvirtd.conf (pid $(cat /run/libvirtd.pid 2>/dev/null))"
	fi
	i=0
	while [ "$i" -lt $((STACK_WAIT * 5)) ]; do
		if stack_answers; then
			stack_say "libvirtd answers on $STACK_URI"
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
	stack_say "libvirtd did not answer within ${STACK_WAIT}s (see /var/log/libvirt/libvirtd.log)"
	return 1
}

# stop the daemon whose pid `up` recorded in $STACK_RUN/$1.pid
stack_stop_ours()
{
	f="$STACK_RUN/$1.pid"
	if ! stack_pid_alive "$f"; then
		rm -f "$f"
		return 0
	fi
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -f "$f"
	stack_say "stopped $1 (pid $pid)"
}

stack_down()
{
	if [ ! -e "$STACK_RUN/libvirtd.pid" ] && [ ! -e "$STACK_RUN/virtlogd.pid" ]; then
		stack_say "nothing of ours to stop"
		return 0
	fi
	if stack_answers &&
	    [ -n "$(virsh -c "$STACK_URI" list --name 2>/dev/null | sed '/^$/d')" ]; then
		stack_say "domains still run (another suite?); daemons left running"
		return 0
	fi
	stack_stop_ours libvirtd
	stack_stop_ours virtlogd
}

# the <bootmenu> line of a menuguest, nothing for the others
stack_bootmenu()
{
	[ "${STACK_BOOTMENU:-0}" = 1 ] || return 0
	printf "\n    <bootmenu enable='yes' timeout='%s'/>" "$STACK_MENU_MS"
}

# the empty CD drive of a cdguest (tenants put install media in it),
# nothing for the others
stack_cdrom()
{
	[ "${STACK_CDROM:-0}" = 1 ] || return 0
	printf "\n    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
	printf "<target dev='hdc' bus='ide'/><readonly/></disk>"
}

# domain XML for NAME SPICEPORT TYPE [LISTEN] on stdout
stack_guest_xml()
{
	cat <<EOF
<domain type='$3'>
  <name>$1</name>
  <memory unit='KiB'>$STACK_MEM_KIB</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <bios useserial='yes'/>$(stack_bootmenu)
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>$(stack_cdrom)
    <serial type='pty'>
      <log file='/var/log/libvirt/qemu/$1-serial.log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='spice' port='$2' autoport='no' passwd='locked' passwdValidTo='1970-01-01T00:00:00'>
      <listen type='address' address='${4:-127.0.0.1}'/>
    </graphics>
    <video><model type='qxl'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

stack_rmguest()
{
	[ -n "${1:-}" ] || { stack_say "usage: rmguest NAME"; return 64; }
	virsh -c "$STACK_URI" destroy "$1" >/dev/null 2>&1
	virsh -c "$STACK_URI" undefine "$1" >/dev/null 2>&1
	# the serial copy and libvirt's own log of the machine go with it
	rm -f "$STACK_RUN/guest-$1.xml" "$STACK_RUN/guest-$1.err" \
	    "/var/log/libvirt/qemu/$1-serial.log" \
	    "/var/log/libvirt/qemu/$1.log"
	stack_say "removed guest $1"
	return 0
}

# define NAME with SPICEPORT as TYPE (kvm or qemu), the display on LISTEN,
# and start it; only create it when STACK_TRANSIENT=1
stack_define_start()
{
	xml="$STACK_RUN/guest-$1.xml"
	rm -f "/var/log/libvirt/qemu/$1-serial.log"
	stack_guest_xml "$1" "$2" "$3" "$4" >"$xml" || return 1
	if [ "${STACK_TRANSIENT:-0}" = 1 ]; then
		virsh -c "$STACK_URI" create "$xml" >/dev/null \
		    2>"$STACK_RUN/guest-$1.err"
		return
	fi
	virsh -c "$STACK_URI" define "$xml" >/dev/null || return 1
	virsh -c "$STACK_URI" start "$1" >/dev/null 2>"$STACK_RUN/guest-$1.err"
}

stack_booted()
{
	if stack_wait_boot "$1"; then
		stack_say "guest $1 runs ($2), SeaBIOS is up"
		return 0
	fi
	stack_say "guest $1 runs ($2) but printed no SeaBIOS banner in ${STACK_BOOT_WAIT}s"
	return 1
}

# Wait until NAME's firmware has printed its banner on the serial line
# (copied to a log file by virtlogd; LOG when given, else where this
# host's virtlogd writes it). A guest reset in its first seconds, before
# SeaBIOS is up, can stay silent; tests that reset a guest need it
# booted. 0 when seen, 1 after STACK_BOOT_WAIT seconds.
stack_wait_boot()
{
	log=${2:-/var/log/libvirt/qemu/$1-serial.log}
	i=0
	while [ "$i" -lt $((STACK_BOOT_WAIT * 10)) ]; do
		grep -q 'Machine UUID' "$log" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

stack_guest()
{
	if [ -z "${1:-}" ] || [ -z "${2:-}" ]; then
		stack_say "usage: guest NAME SPICEPORT [ADDR]"
		return 64
	fi
	listen=${3:-127.0.0.1}
	mkdir -p "$STACK_RUN"
	virsh -c "$STACK_URI" destroy "$1" >/dev/null 2>&1
	virsh -c "$STACK_URI" undefine "$1" >/dev/null 2>&1
	# /dev/kvm may exist and still be unusable for QEMU's account: try
	# kvm once, remember what worked.
	type=$(cat "$STACK_RUN/virttype" 2>/dev/null)
	case $type in
	kvm|qemu) ;;
	*) type=kvm ;;
	esac
	if [ "$type" = kvm ] && [ -e /dev/kvm ]; then
		if stack_define_start "$1" "$2" kvm "$listen"; then
			echo kvm >"$STACK_RUN/virttype"
			stack_booted "$1" "kvm, spice $listen:$2"
			return
		fi
		virsh -c "$STACK_URI" undefine "$1" >/dev/null 2>&1
	fi
	if stack_define_start "$1" "$2" qemu "$listen"; then
		echo qemu >"$STACK_RUN/virttype"
		stack_booted "$1" "qemu, spice $listen:$2"
		return
	fi
	stack_say "guest $1 failed to start: $(cat "$STACK_RUN/guest-$1.err")"
	return 1
}

stack_main()
{
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	up) stack_up ;;
	down) stack_down ;;
	guest) stack_guest "$@" ;;
	transient) STACK_TRANSIENT=1 stack_guest "$@" ;;
	menuguest) STACK_BOOTMENU=1 stack_guest "$@" ;;
	cdguest) STACK_CDROM=1 stack_guest "$@" ;;
	rmguest) stack_rmguest "$@" ;;
	*)
		echo "usage: stack.sh up | down | guest NAME SPICEPORT [ADDR] |" \
		    "transient NAME SPICEPORT | menuguest NAME SPICEPORT |" \
		    "cdguest NAME SPICEPORT | rmguest NAME" >&2
		return 64
		;;
	esac
}

case ${0##*/} in
stack.sh) stack_main "$@"; exit $? ;;
esac
