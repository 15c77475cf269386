#!/bin/sh
# pamtester.sh [MODULE]: the PAM module through the system's own libpam and
# pamtester, from a real service file /etc/pam.d/vmgate-test-pam-PID (removed on
# exit). MODULE defaults to build/pam_vmgate.so. Needs root (the file goes in
# /etc/pam.d and the config must be root's); otherwise it says so and skips
# (a failure under VMGATE_NO_SKIP=1).
set -u
module=$(realpath "${1:-build/pam_vmgate.so}")
# one service per run: runs at the same time, or one killed before its
# clean-up, must not block each other
service=vmgate-test-pam-$$
pamd=/etc/pam.d/$service

if [ "$(id -u)" -ne 0 ]; then
	echo "pamtester: SKIPPED: not root (needs /etc/pam.d and a root-owned config)"
	if [ "${VMGATE_NO_SKIP:-0}" = 1 ]; then
		echo "pamtester: VMGATE_NO_SKIP=1: a skipped PAM stack fails the run" >&2
		exit 1
	fi
	exit 0
fi
if ! command -v pamtester >/dev/null; then
	echo "pamtester: FAILED: pamtester is not installed" >&2
	exit 1
fi
if [ -e "$pamd" ]; then
	echo "pamtester: FAILED: $pamd exists already; not touching it" >&2
	exit 1
fi
dir=$(mktemp -d /tmp/vmgate-pamtester-XXXXXX) || exit 1
trap 'rm -f "$pamd"; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM
cat >"$dir/vmgate.ini" <<'EOF'
[vmgate]
service_user = vgt-pam-svc

[tenant alice]
domains = web1

[tenant bob]
domains = web1
disabled = yes
EOF
chmod 0644 "$dir/vmgate.ini"

passed=0
failed=0
# check NAME USER MODE OPTIONS EXPECT: EXPECT is 0 (permitted) or 1 (denied)
check() {
	chmod "$3" "$dir/vmgate.ini"
	echo "account required $module $4" >"$pamd"
	# from the config's dir, so that a relative path would resolve
	(cd "$dir" && pamtester "$service" "$2" acct_mgmt) >/dev/null 2>&1
	rc=$?
	if [ "$rc" -eq "$5" ]; then
		passed=$((passed + 1))
	else
		echo "pamtester: FAILED: $1: exit $rc, want $5" >&2
		failed=$((failed + 1))
	fi
}
cfg="config=$dir/vmgate.ini"
check enabled_tenant      alice       0644 "$cfg" 0
check service_user        vgt-pam-svc 0644 "$cfg" 0
check outsider            mallory     0644 "$cfg" 1
check disabled_tenant     bob         0644 "$cfg" 1
check world_writable      alice       0666 "$cfg" 1
check missing_config      alice       0644 "config=$dir/none.ini" 1
check unknown_option      alice       0644 "$cfg debug" 1
check relative_path       alice       0644 "config=vmgate.ini" 1
echo "pamtester: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
