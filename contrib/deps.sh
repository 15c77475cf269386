#!/bin/sh
# Install vmgate's build, test and demo dependencies from Debian 12's
# packages. Quick when everything is already there.
set -eu

PKGS="build-essential pkg-config libvirt-dev libxml2-dev libssh-dev libinih-dev
libsodium-dev libcmocka-dev libpam0g-dev libpamtest0-dev libpam-wrapper
pamtester libvirt-daemon-system libvirt-clients qemu-system-x86
qemu-utils openssh-server openssh-client spice-client-gtk clang
libclang-rt-14-dev python3 procps iproute2 man-db mandoc libpng-dev
grub-rescue-pc xorriso isolinux syslinux-common cpio busybox-static
linux-image-cloud-amd64 dnsmasq-base virt-viewer xvfb x11-utils
imagemagick iptables libxml2-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "vmgate: missing packages:$missing" >&2
	echo "vmgate: run 'make deps' as root (it uses apt-get)" >&2
	exit 1
fi
echo "vmgate: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
