#!/bin/sh
# linux-guest.sh: a real Linux guest that needs no disk image, for every
# end-to-end suite: Debian's cloud kernel (linux-image-cloud-amd64) and a
# busybox-static initramfs, booted directly by QEMU.
#
#   sh tests/e2e/linux-guest.sh build    build unless cached; print the
#                                        directory holding vmlinuz, initrd.gz
#                                        and cmdline (the default kernel
#                                        command line)
#   sh tests/e2e/linux-guest.sh clean    remove every cached build
#
# The build lands in $LINUX_GUEST_CACHE/HASH (default
# /var/cache/vmgate-e2e/linux-guest), HASH covering this script, the
# kernel, its modules, busybox, the extra snippet and the extra programs,
# so a run reuses it until one of them changes.
#
# LINUX_GUEST_EXTRA=FILE: a shell snippet /init sources (see below).
# LINUX_GUEST_BIN="PROG...": static programs copied to the guest's /bin
# under their own names (e.g. a test's packet generator). Two builds at once are fine: each builds in
# its own temp dir and the first rename wins.
#
# What the guest does (its /init):
# - mounts proc, sysfs, devtmpfs; enables every SysRq function (so
#   alt-sysrq-b reboots it);
# - loads the virtio network driver and what it needs, in modules.dep
#   order, dependencies first; brings lo up;
# - sources /etc/init.extra when the build had LINUX_GUEST_EXTRA=FILE
#   (a shell snippet: it may print its own lines or start daemons);
# - prints the banner on ttyS0: "vmgate-guest: WORD ready", WORD from
#   vmgate.banner=WORD on the kernel command line (default "linux");
# - runs a shell with ttyS0 as its controlling terminal, prompt
#   "guest# ", and starts a new one whenever it ends (a console hang-up
#   ends it; init must never exit, or the kernel panics).
set -eu

CACHE=${LINUX_GUEST_CACHE:-/var/cache/vmgate-e2e/linux-guest}
EXTRA=${LINUX_GUEST_EXTRA:-}
BINS=${LINUX_GUEST_BIN:-}
BUSYBOX=/bin/busybox
# virtio_net and what it needs, dependencies first (modules.dep order)
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
virtio_pci failover net_failover virtio_net"

say()
{
	echo "linux-guest: $*" >&2
}

# newest installed cloud kernel: its version
kernel_version()
{
	v=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$v" ] || {
		say "no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64"
		return 1
	}
	v=${v#/boot/vmlinuz-}
	echo "$v"
}

# the path of module $2 (a name) of kernel $1, relative to its tree
module_path()
{
	sed -n "s|^\(kernel/.*/$2\.ko[a-z.]*\):.*|\1|p" \
	    "/lib/modules/$1/modules.dep" | head -n 1
}

write_init()
{
	cat <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /run /var/run
mount -t devpts devpts /dev/pts
echo 1 >/proc/sys/kernel/sysrq
while read -r m; do
	insmod "/lib/modules/$m" || echo "vmgate-guest: insmod $m failed"
done </etc/modules.order
ip link set lo up
banner=linux
for word in $(cat /proc/cmdline); do
	case $word in
	vmgate.banner=*) banner=${word#vmgate.banner=} ;;
	esac
done
export PATH=/bin:/sbin HOME=/root PS1='guest# ' TERM=vt100
[ -r /etc/init.extra ] && . /etc/init.extra
echo "vmgate-guest: $banner ready" >/dev/ttyS0
while :; do
	setsid -c sh </dev/ttyS0 >/dev/ttyS0 2>&1
	sleep 0.2
done
EOF
}

# build into directory $1 for kernel version $2
build_into()
{
	d=$1
	kv=$2
	root=$d/root
	mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/proc" \
	    "$root/sys" "$root/dev" "$root/root" "$root/lib/modules"
	cp "$BUSYBOX" "$root/bin/busybox"
	for app in $("$BUSYBOX" --list); do
		[ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
	done
	: >"$root/etc/modules.order"
	for m in $MODULES; do
		rel=$(module_path "$kv" "$m")
		[ -n "$rel" ] || { say "module $m not found for $kv"; return 1; }
		name=${rel##*/}
		src=/lib/modules/$kv/$rel
		case $name in
		*.ko.xz) xz -dc "$src" >"$root/lib/modules/${name%.xz}" ;;
		*.ko.zst) zstd -qdc "$src" >"$root/lib/modules/${name%.zst}" ;;
		*) cp "$src" "$root/lib/modules/$name" ;;
		esac
		echo "${name%.xz}" | sed 's/\.zst$//' >>"$root/etc/modules.order"
	done
	write_init >"$root/init"
	chmod 0755 "$root/init"
	if [ -n "$EXTRA" ]; then
		cp "$EXTRA" "$root/etc/init.extra"
	fi
	for b in $BINS; do
		cp "$b" "$root/bin/${b##*/}" && chmod 0755 "$root/bin/${b##*/}" ||
		    return 1
	done
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9n \
	    >"$d/initrd.gz"
	cp "/boot/vmlinuz-$kv" "$d/vmlinuz"
	echo "console=ttyS0 quiet panic=-1" >"$d/cmdline"
	rm -rf "$root"
	chmod 0755 "$d"
	chmod 0644 "$d/vmlinuz" "$d/initrd.gz" "$d/cmdline"
}

inputs_hash()
{
	kv=$1
	{
		cat "$0"
		echo "$kv"
		sha256sum "/boot/vmlinuz-$kv" "$BUSYBOX" \
		    "/lib/modules/$kv/modules.dep"
		[ -z "$EXTRA" ] || cat "$EXTRA"
		for b in $BINS; do
			echo "${b##*/}"
			sha256sum <"$b"
		done
	} | sha256sum | cut -c 1-16
}

build()
{
	kv=$(kernel_version)
	[ -x "$BUSYBOX" ] || { say "no $BUSYBOX: install busybox-static"; return 1; }
	if [ -n "$EXTRA" ] && [ ! -r "$EXTRA" ]; then
		say "LINUX_GUEST_EXTRA=$EXTRA: not readable"
		return 1
	fi
	for b in $BINS; do
		[ -r "$b" ] || { say "LINUX_GUEST_BIN: $b: not readable"; return 1; }
	done
	h=$(inputs_hash "$kv")
	out=$CACHE/$h
	if [ -s "$out/initrd.gz" ] && [ -s "$out/vmlinuz" ]; then
		echo "$out"
		return 0
	fi
	# QEMU runs as libvirt-qemu: it must reach the files, so the cache
	# and a parent made here are 0755 whatever the umask (an existing
	# parent, e.g. /tmp, is left as it is)
	[ -d "${CACHE%/*}" ] || mkdir -p -m 0755 "${CACHE%/*}"
	[ -d "$CACHE" ] || mkdir -m 0755 "$CACHE"
	tmp=$(mktemp -d "$CACHE/.build-XXXXXX")
	if ! build_into "$tmp" "$kv"; then
		rm -rf "$tmp"
		return 1
	fi
	if ! mv -T "$tmp" "$out" 2>/dev/null; then
		rm -rf "$tmp"	# another build got there first
	fi
	say "built $out (kernel $kv)"
	echo "$out"
}

case ${1:-} in
build) build ;;
clean) rm -rf "$CACHE" ;;
*)
	echo "usage: linux-guest.sh build | clean" >&2
	exit 64
	;;
esac
