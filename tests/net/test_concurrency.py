#!/usr/bin/env python3
"""Item 5's concurrency: 1,000 TCP connections open at once from the host,
through --net user --forward, to the epoll echo server in the guest
(tests/bench/net_echo.c, the benchmark's server). Every connection sends
its own message while all 1,000 are open and must get exactly that message
back; then all close and the server, told to expect 1,000, ends with
status 0 after printing that it served them. On microvm under TCG.

The host connects one at a time, and waits for the echo of a short
greeting on each before the next: QEMU's user networking (libslirp 4.7.0)
listens on the forwarded port with a backlog of 1 (listen(fd, 1), seen
with strace) and accepts only when QEMU's main loop comes round, 10 to
50 ms later under TCG. A connect made before that finds the queue full;
the host's kernel drops its SYN and sends it again after its 1 s initial
retransmission timeout. Connecting back to back, every second connection
waited that second: the "0.4 s per connection" measured before (200 in
82 s). The greeting's echo says slirp has accepted and the guest has
answered. The connections then stay open together, so the guest holds
1,000 established sockets at once.

Run: python3 tests/net/test_concurrency.py -v (make the kernel and
build/bench/net_echo.so first: make bench-net builds it).
"""

import os
import resource
import selectors
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402

APP = os.path.join(frames.REPO, "build", "bench", "net_echo.so")
CONNECTIONS = int(os.environ.get("CONCURRENCY_CONNECTIONS", "1000"))
DEADLINE = 600  # seconds for connecting, echoing and closing all (about 20 ms per connection under TCG)


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            return False
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return True


class Concurrency(unittest.TestCase):
    def test_thousand_connections_echo(self):
        if not os.path.exists(APP):
            self.skipTest("no build/bench/net_echo.so (make bench-net builds it)")
        if not raise_file_limit(CONNECTIONS + 256):
            self.skipTest("the host's file limit is below 1,000 sockets")
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--memory", "512", "--net", "user",
                           "--forward", f"tcp:{port}:7", APP, "7", str(CONNECTIONS)],
                          timeout=DEADLINE + 120) as guest:
            guest.wait_for(self, "net_echo: listening on port 7", LISTEN_TIMEOUT, "never listened")
            start = time.monotonic()
            end = start + DEADLINE
            conns = []
            for i in range(CONNECTIONS):
                self.assertLess(time.monotonic(), end,
                                f"only {i} connections open after {DEADLINE} s\n{guest.output[-2000:]}")
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=30)
                except OSError as e:
                    self.fail(f"connection {i} of {CONNECTIONS}: {e}\n{guest.output[-2000:]}")
                greeting = f"connection {i} open\n".encode()
                s.sendall(greeting)
                echo = b""
                while len(echo) < len(greeting):
                    chunk = s.recv(len(greeting) - len(echo))
                    self.assertTrue(chunk, f"connection {i} closed before its greeting's echo")
                    echo += chunk
                self.assertEqual(echo, greeting, f"connection {i}")
                s.setblocking(False)
                conns.append(s)
            connected = time.monotonic() - start
            messages = [f"connection {i} of {CONNECTIONS}: hello\n".encode() for i in range(CONNECTIONS)]
            received = [b""] * CONNECTIONS
            sel = selectors.DefaultSelector()
            for i, s in enumerate(conns):
                s.sendall(messages[i])  # about 30 bytes: fits any send buffer
                sel.register(s, selectors.EVENT_READ, i)
            left = CONNECTIONS
            while left:
                self.assertLess(time.monotonic(), end,
                                f"{left} connections still without their echo\n{guest.output[-2000:]}")
                for key, _ in sel.select(timeout=1):
                    i = key.data
                    data = key.fileobj.recv(4096)
                    self.assertTrue(data, f"connection {i} closed before its echo")
                    received[i] += data
                    self.assertTrue(messages[i].startswith(received[i]),
                                    f"connection {i} got {received[i]!r}")
                    if received[i] == messages[i]:
                        sel.unregister(key.fileobj)
                        left -= 1
            echoed = time.monotonic() - start
            sel.close()
            for s in conns:
                s.close()
            self.assertEqual(guest.wait(DEADLINE), 0, guest.output[-2000:])
            self.assertIn(f"net_echo: served {CONNECTIONS} connections", guest.output)
            print(f"\n{CONNECTIONS} connections open in {connected:.1f} s, "
                  f"all echoed by {echoed:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
