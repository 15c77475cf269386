#!/usr/bin/env python3
"""flood.py: one round of make bench's flood (tests/bench/sessions.sh).

    flood.py VMGATE CONFIG GUEST N

N "status GUEST" requests of tenant flooder are forked first and held at a
barrier, released at once, and tenant quiet's own "status GUEST" is timed
while they run (N = 0: quiet alone). Prints "MICROSECONDS REFUSED", REFUSED
being how many of the flood exited 75 (the session limit).
"""
import os
import subprocess
import sys
import time

EX_TEMPFAIL = 75


def request(vmgate, config, tenant, guest):
    return ([vmgate, "-f", config, "--tenant", tenant],
            {"SSH_ORIGINAL_COMMAND": "status " + guest,
             "PATH": "/usr/bin:/bin"})


def main():
    vmgate, config, guest, n = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4])
    argv, env = request(vmgate, config, "flooder", guest)
    gate_r, gate_w = os.pipe()
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            os.close(gate_w)
            os.read(gate_r, 1)          # EOF when the parent lets go
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.execve(argv[0], argv, env)
        pids.append(pid)
    os.close(gate_r)
    os.close(gate_w)                    # the flood starts

    qargv, qenv = request(vmgate, config, "quiet", guest)
    t0 = time.monotonic_ns()
    done = subprocess.run(qargv, env=qenv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    t1 = time.monotonic_ns()
    if done.returncode != 0 or b"state: running" not in done.stdout:
        sys.stderr.write("quiet's status failed: %r\n" % (done.stderr,))
        sys.exit(1)
    refused = 0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == EX_TEMPFAIL:
            refused += 1
    print("%d %d" % ((t1 - t0) // 1000, refused))


if __name__ == "__main__":
    main()
