#!/usr/bin/env python3
"""console.py: vmgate's console relay against `virsh console`, on the same
guest output. Used by run.sh (`make bench`).

    console.py ROUNDS LINES VMGATE CONFIG TENANT GUEST URI

GUEST is a running Linux guest of tests/e2e/linux-guest.sh (prompt
"guest# "). Each round attaches both consoles in turn (the order flips
every round), each on its own pseudo-terminal as a tenant's ssh -t would
give it, has the guest's shell print LINES lines of 71 bytes, and times
from the Enter that starts it to the marker the shell prints after it. A
case whose output is cut short stops the run (exit 1): a fast wrong
answer is not a result. Prints, per case:

    LABEL MEDIAN_MS MIN_MS BYTES
"""
import os
import pty
import select
import signal
import statistics
import sys
import time

PROMPT = b"guest# "
ATTACH_S = 20
LINE = b"0123456789" * 7        # 70 bytes and the newline
ESCAPE = b"\x1d"


def session(argv, env, lines):
    """(milliseconds, bytes received) for one run of the output."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    buf = bytearray()

    def until(pattern, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            buf.extend(chunk)
            if pattern in buf[-(len(chunk) + len(pattern)):]:
                return True
        return False

    try:
        time.sleep(0.5)
        os.write(fd, b"\r")
        if not until(PROMPT, ATTACH_S):
            raise RuntimeError("no prompt through %s" % argv[0])
        # the marker is computed by the shell: its echo of the typed
        # line does not match
        cmd = (b"yes " + LINE + b" | head -n %d; echo DONE$((6*7))\r" %
               lines)
        buf.clear()
        t0 = time.monotonic()
        os.write(fd, cmd)
        ok = until(b"DONE42", 60 + lines / 200)
        ms = (time.monotonic() - t0) * 1000
        if not ok:
            raise RuntimeError("output cut short through %s" % argv[0])
        got = buf.count(LINE)
        if got < lines:
            raise RuntimeError("%d of %d lines through %s" %
                               (got, lines, argv[0]))
        os.write(fd, ESCAPE)
        return ms, len(buf)
    finally:
        time.sleep(0.2)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    rounds, lines = int(sys.argv[1]), int(sys.argv[2])
    vmgate, config, tenant, guest, uri = sys.argv[3:8]
    cases = {
        "console-vmgate": (
            [vmgate, "-f", config, "--tenant", tenant],
            {"SSH_ORIGINAL_COMMAND": "console %s --force" % guest,
             "TERM": "vt100"}),
        "console-virsh": (
            ["/usr/bin/virsh", "-c", uri, "console", "--force", guest],
            {"TERM": "vt100", "PATH": "/usr/bin:/bin"}),
    }
    times = {label: [] for label in cases}
    sizes = {}
    order = list(cases)
    for r in range(rounds):
        for label in (order if r % 2 == 0 else order[::-1]):
            argv, env = cases[label]
            ms, size = session(argv, env, lines)
            times[label].append(ms)
            sizes[label] = size
    for label in cases:
        print("%s %.1f %.1f %d" % (label, statistics.median(times[label]),
                                   min(times[label]), sizes[label]))


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        print("console.py: %s" % e, file=sys.stderr)
        sys.exit(1)
