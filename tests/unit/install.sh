#!/bin/sh
# install.sh: `make install` as a packager and an admin run it. Every file
# lands under DESTDIR, in PREFIX, and the PAM module in PAMDIR: by default
# the build machine's own PAM module directory (libpam's pkg-config libdir
# plus /security), or wherever PAMDIR says. Needs no root.
set -u
make=${MAKE:-make}
passed=0
failed=0
dir=$(mktemp -d /tmp/vmgate-install-XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM

ok() {
	passed=$((passed + 1))
}

fail() {
	echo "install: FAILED: $*" >&2
	failed=$((failed + 1))
}

# files under $1 that are not under $1$2 or $1$3
outside() {
	(cd "$1" && find . -type f) | sed 's|^\.||' |
	    grep -v -e "^$2/" -e "^$3/" || true
}

# want FILE...: each exists
want() {
	for f in "$@"; do
		if [ -f "$f" ]; then ok; else fail "$f is missing"; fi
	done
}

# 1. a prefix of its own, the PAM module under it (named by path in pam.d)
d1=$dir/one
if $make -s --no-print-directory install DESTDIR="$d1" PREFIX=/opt/vmgate \
    PAMDIR=/opt/vmgate/lib/security >"$dir/log1" 2>&1; then
	ok
else
	fail "make install PREFIX=/opt/vmgate: $(cat "$dir/log1")"
fi
want "$d1/opt/vmgate/bin/vmgate" "$d1/opt/vmgate/lib/security/pam_vmgate.so" \
    "$d1/opt/vmgate/share/man/man8/vmgate.8" \
    "$d1/opt/vmgate/share/man/man8/pam_vmgate.8" \
    "$d1/opt/vmgate/share/man/man5/vmgate.ini.5" \
    "$d1/opt/vmgate/share/vmgate/domain-example.xml" \
    "$d1/opt/vmgate/share/vmgate/sshd_config.vmgate"
stray=$(outside "$d1" /opt/vmgate /opt/vmgate)
if [ -z "$stray" ]; then ok; else fail "outside PREFIX: $stray"; fi
if [ "$("$d1/opt/vmgate/bin/vmgate" --version 2>&1)" = \
    "vmgate $(sed -n 's/^VERSION *:= *//p' Makefile)" ]; then
	ok
else
	fail "the installed binary does not run"
fi

# 2. the defaults: PREFIX /usr/local, the system's PAM module directory
d2=$dir/two
pamdir=$(pkg-config --variable=libdir pam)/security
if $make -s --no-print-directory install DESTDIR="$d2" >"$dir/log2" 2>&1; then
	ok
else
	fail "make install: $(cat "$dir/log2")"
fi
want "$d2/usr/local/bin/vmgate" "$d2$pamdir/pam_vmgate.so"
stray=$(outside "$d2" /usr/local "$pamdir")
if [ -z "$stray" ]; then ok; else fail "outside PREFIX and PAMDIR: $stray"; fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
