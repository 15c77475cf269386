#!/bin/sh
# media-iso.sh: a bootable install-media image for the media suite: the
# shared Linux guest (linux-guest.sh: Debian's cloud kernel and a busybox
# initramfs) wrapped with isolinux into an El Torito ISO, so the guest
# boots it from a CD drive. Its kernel command line names the banner the
# guest prints on ttyS0: "vmgate-guest: BANNER ready".
#
#   sh tests/e2e/media-iso.sh OUT.iso BANNER
#
# OUT.iso is written root-owned, mode 0644: what a catalog file must be.
set -eu

out=$1
banner=$2
here=$(dirname "$0")
ISOLINUX=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX=/usr/lib/syslinux/modules/bios/ldlinux.c32

for f in "$ISOLINUX" "$LDLINUX"; do
	[ -r "$f" ] || {
		echo "media-iso: no $f: install isolinux and syslinux-common" >&2
		exit 1
	}
done
guest=$(sh "$here/linux-guest.sh" build)
stage=$(mktemp -d /tmp/vmgate-media-iso.XXXXXX)
trap 'rm -rf "$stage"' EXIT

mkdir "$stage/isolinux"
cp "$ISOLINUX" "$LDLINUX" "$stage/isolinux/"
cp "$guest/vmlinuz" "$guest/initrd.gz" "$stage/"
cat >"$stage/isolinux/isolinux.cfg" <<EOF
default media
prompt 0
timeout 0
label media
  kernel /vmlinuz
  append initrd=/initrd.gz $(cat "$guest/cmdline") vmgate.banner=$banner
EOF
xorriso -as mkisofs -quiet -o "$out.tmp" -V VMGATE_MEDIA \
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
    -boot-load-size 4 -boot-info-table "$stage"
chmod 0644 "$out.tmp"
mv "$out.tmp" "$out"
