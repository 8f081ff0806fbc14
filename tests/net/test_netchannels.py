#!/usr/bin/env python3
"""Item 4 of issue 14, both ways: net channels on (the default) and
netchannels=off. The guest runs the epoll echo server
(tests/bench/net_echo.c) with verbose, reached from the host through
--net user --forward, and serves two connections:

1. 200 round trips of 64 bytes, each echo checked;
2. 2 MiB of pseudo-random bytes sent while the echo is read, the echo's
   SHA-256 equal to the data's.

Then the server must end with status 0 having served 2. The packet
classifier's counters printed at exit (verbose) must show where the
frames went: with channels on, most of them through the sockets' channels
(path-channel) and every channel closed again (channels-open 0); with
netchannels=off, none (path-channel 0). The round trips' median and the
transfer's MiB/s of both ways are printed, not compared (TCG, a shared
host: make bench-net measures them).

Run: python3 tests/net/test_netchannels.py -v (make the kernel and
build/bench/net_echo.so first: make bench-net-build builds it).
"""

import hashlib
import os
import random
import re
import selectors
import socket
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402

APP = os.path.join(frames.REPO, "build", "bench", "net_echo.so")
ROUND_TRIPS = 200
BULK = 2 << 20
RUN_TIMEOUT = 300  # seconds for both connections under a loaded TCG
COUNTER = re.compile(r"^classifier: ([a-z-]+) (\d+)\s*$", re.M)


def counters(output):
    return {name: int(value) for name, value in COUNTER.findall(output)}


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def round_trips(port):
    """Median microseconds of ROUND_TRIPS echoes of 64 bytes."""
    times = []
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(ROUND_TRIPS):
            message = f"{i:06d}".encode().ljust(64, b".")
            start = time.perf_counter()
            s.sendall(message)
            if recv_exactly(s, 64) != message:
                raise AssertionError(f"round trip {i}: wrong echo")
            times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def bulk(port):
    """Sends BULK bytes and reads their echo at once; (equal, MiB/s)."""
    data = random.Random(14).randbytes(BULK)
    echo = hashlib.sha256()
    sent = received = 0
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        while received < BULK:
            if time.monotonic() - start > RUN_TIMEOUT:
                raise AssertionError(f"{received} of {BULK} bytes echoed in {RUN_TIMEOUT} s")
            for _, events in sel.select(timeout=1):
                if events & selectors.EVENT_WRITE and sent < BULK:
                    try:
                        sent += s.send(data[sent:sent + 65536])
                    except BlockingIOError:
                        pass
                    if sent == BULK:
                        sel.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        raise ConnectionError(f"closed after {received} bytes echoed")
                    echo.update(chunk)
                    received += len(chunk)
        sel.close()
    seconds = time.monotonic() - start
    return echo.digest() == hashlib.sha256(data).digest(), BULK / seconds / (1 << 20)


class NetChannels(unittest.TestCase):
    def serve(self, mode):
        if not os.path.exists(APP):
            self.skipTest("no build/bench/net_echo.so (make bench-net-build builds it)")
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--kernel-arg", "verbose", "--kernel-arg",
                           f"netchannels={mode}", "--net", "user", "--forward",
                           f"tcp:{port}:7", APP, "7", "2"],
                          timeout=RUN_TIMEOUT + LISTEN_TIMEOUT) as guest:
            guest.wait_for(self, "net_echo: listening on port 7", LISTEN_TIMEOUT, "never listened")
            rtt = round_trips(port)
            equal, mib_s = bulk(port)
            self.assertTrue(equal, "the echo of the 2 MiB differs from what was sent")
            self.assertEqual(guest.wait(RUN_TIMEOUT), 0, guest.output[-3000:])
            self.assertIn("net_echo: served 2 connections", guest.output)
            c = counters(guest.output)
            self.assertIn("path-channel", c, f"no classifier counters:\n{guest.output[-3000:]}")
            print(f"\nnetchannels={mode}: round trip median {rtt:.0f} us, "
                  f"2 MiB echoed at {mib_s:.2f} MiB/s, frames {c['frames']}, "
                  f"path-channel {c['path-channel']}, path-stack {c['path-stack']}, "
                  f"path-channel-full {c['path-channel-full']}", file=sys.stderr)
            return c

    def test_channels_on(self):
        c = self.serve("on")
        # The handshakes and FINs go to lwIP's thread; the data and
        # acknowledgements (hundreds of frames) go through the channels.
        self.assertGreater(c["path-channel"], c["frames"] // 2, c)
        self.assertEqual(c["channels-open"], 0, "a channel outlived its socket")

    def test_channels_off(self):
        c = self.serve("off")
        self.assertEqual(c["path-channel"], 0, c)
        self.assertEqual(c["channels-open"], 0, c)
        self.assertGreater(c["path-stack"], ROUND_TRIPS, c)


if __name__ == "__main__":
    unittest.main()
