#!/usr/bin/env python3
"""gen.py: synthetic vmgate data for the benchmark.

    python3 gen.py DIR NTENANTS SERVICE_USER GUEST

Writes DIR/vmgate.ini and DIR/keys/tNNNNNN.pub: NTENANTS tenants, each with
one machine of its own (vm-NNNNNN, its SPICE endpoint in a [domain]
section) and one ed25519 key. The last tenant also owns GUEST, a real
libvirt domain, for the status comparison. The keys are random 32-byte
points wrapped in the SSH wire format (string "ssh-ed25519", string key),
which is all libssh checks when it imports an ed25519 public key; they are
generated here because 100k ssh-keygen runs would take minutes.
"""
import base64
import os
import struct
import sys

SPICE_BASE = 20000	# endpoints only ever written, never listened on


def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def ed25519_blob():
    return base64.b64encode(ssh_string(b"ssh-ed25519") +
                            ssh_string(os.urandom(32))).decode()


def main():
    out, n, service_user, guest = (sys.argv[1], int(sys.argv[2]),
                                   sys.argv[3], sys.argv[4])
    keys = os.path.join(out, "keys")
    os.makedirs(keys, mode=0o755, exist_ok=True)
    parts = ["[vmgate]\n",
             "uri = qemu:///system\n",
             "keys = %s\n" % keys,
             "service_user = %s\n" % service_user]
    for i in range(n):
        name = "t%06d" % i
        doms = "vm-%06d" % i
        if i == n - 1:
            doms += ", " + guest
        parts.append("\n[tenant %s]\ndomains = %s\n" % (name, doms))
        parts.append("\n[domain vm-%06d]\nspice = 127.0.0.1:%d\n" %
                     (i, SPICE_BASE + i % 10000))
        with open(os.path.join(keys, name + ".pub"), "w") as f:
            f.write("ssh-ed25519 %s %s@bench\n" % (ed25519_blob(), name))
    ini = os.path.join(out, "vmgate.ini")
    with open(ini, "w") as f:
        f.write("".join(parts))
    os.chmod(ini, 0o644)


if __name__ == "__main__":
    main()
