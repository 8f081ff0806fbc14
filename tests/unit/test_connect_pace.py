#!/usr/bin/env python3
"""scripts/connect-pace.c, the LD_PRELOAD library that scripts/bench-apps
gives redis-benchmark, on the host alone (no guest).

A listener with libslirp's backlog of 1 that accepts one connection every
50 ms (as QEMU's main loop comes round); a client process opens 5
non-blocking connections back to back, as redis-benchmark opens its
clients. Paced, every connection is accepted in well under a second.
Unpaced (the check that the test can fail), the host's kernel finds the
accept queue full and drops a handshake, which it retries only after its
1 s initial retransmission timeout: the last accept comes a second or more
late. Run: python3 tests/unit/test_connect_pace.py -v.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIBRARY = os.path.join(REPO, "build", "tools", "connect-pace.so")
CONNECTIONS = 5
ACCEPT_EVERY = 0.05  # seconds between two accepts of the slow listener

# The client: 5 non-blocking connects to PORT back to back, then a byte on
# each once it is connected (as redis-benchmark's first request: with
# syncookies a dropped handshake completes only with the client's next
# segment), then it waits until the listener has taken them all.
CLIENT = r"""
import select, socket, sys
port = int(sys.argv[1])
socks = []
for _ in range(%d):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    socks.append(s)
for s in socks:
    if select.select([], [s], [], 5)[1]:
        s.send(b"x")
sys.stdin.read()
""" % CONNECTIONS


def accept_times(paced):
    """Seconds from the client's start to each accept by a listener with a
    backlog of 1 that accepts every ACCEPT_EVERY seconds."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if paced:
        env.update(LD_PRELOAD=LIBRARY, CONNECT_PACE_PORT=str(port))
    start = time.monotonic()
    client = subprocess.Popen([sys.executable, "-c", CLIENT, str(port)], env=env,
                              stdin=subprocess.PIPE)
    times, accepted = [], []
    listener.settimeout(10)
    try:
        while len(times) < CONNECTIONS:
            time.sleep(ACCEPT_EVERY)
            conn, _ = listener.accept()
            times.append(time.monotonic() - start)
            accepted.append(conn)
    finally:
        client.communicate(b"")
        for c in accepted:
            c.close()
        listener.close()
    return times


class ConnectPace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        built = subprocess.run(["make", "-s", "-C", REPO, "build/tools/connect-pace.so"])
        if built.returncode:
            raise AssertionError("cannot build build/tools/connect-pace.so")

    def test_paced_connects_wait_for_no_retransmission(self):
        times = accept_times(paced=True)
        self.assertLess(times[-1], 0.9, f"accepts at {times}: a handshake was dropped")

    def test_unpaced_connects_overflow_the_backlog(self):
        # What the library is for: without it the same client loses a
        # handshake to the full queue and waits out the 1 s retransmission.
        times = accept_times(paced=False)
        self.assertGreaterEqual(times[-1], 0.9, f"accepts at {times}: no drop seen")


if __name__ == "__main__":
    unittest.main()
