#!/usr/bin/env python3
"""A burst of connections through --net user --forward: 50 opened at once
from the host (non-blocking connects back to back, as redis-benchmark
opens its 50 clients) to the epoll echo server in the guest
(tests/bench/net_echo.c). Each sends its own line and must get exactly
that line back, and no client socket may have retransmitted anything
(TCP_INFO's tcpi_total_retrans): the launcher's relay
(scripts/forward-relay.c) listens on the host port with a backlog of
SOMAXCONN and hands the connections to QEMU one at a time.

On the old path (CARAPACE_FORWARD_RELAY=0: libslirp itself listens, with a
backlog of 1) the host's kernel drops handshakes it has no room for, and
the clients whose SYN or last ACK was dropped retransmit 1 s or more
later: this test fails there (seen: 2026-12-08, see tests/README.md).

On microvm under TCG. Run: python3 tests/net/test_forward_burst.py -v
(make the kernel and build/bench/net_echo.so: make bench-net builds it).
"""

import os
import selectors
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402

APP = os.path.join(frames.REPO, "build", "bench", "net_echo.so")
CLIENTS = 50
DEADLINE = 120  # seconds for every echo (about 50 ms a connection under TCG)
TCP_INFO_TOTAL_RETRANS = 100  # offset of tcpi_total_retrans in struct tcp_info


def total_retrans(sock):
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, TCP_INFO_TOTAL_RETRANS)[0]


class ForwardBurst(unittest.TestCase):
    def test_fifty_connections_at_once(self):
        if not os.path.exists(APP):
            self.skipTest("no build/bench/net_echo.so (make bench-net builds it)")
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--memory", "256", "--net", "user",
                           "--forward", f"tcp:{port}:7", APP, "7", str(CLIENTS)],
                          timeout=DEADLINE + 120) as guest:
            guest.wait_for(self, "net_echo: listening on port 7", LISTEN_TIMEOUT, "never listened")
            sel = selectors.DefaultSelector()
            conns, messages, received = [], [], []
            start = time.monotonic()
            for i in range(CLIENTS):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                conns.append(s)
                messages.append(f"client {i} of {CLIENTS}\n".encode())
                received.append(b"")
                sel.register(s, selectors.EVENT_WRITE, i)
            left, last = CLIENTS, 0.0
            while left:
                self.assertLess(time.monotonic() - start, DEADLINE,
                                f"{left} clients without their echo\n{guest.output[-2000:]}")
                for key, events in sel.select(timeout=1):
                    i, s = key.data, key.fileobj
                    if events & selectors.EVENT_WRITE:  # connected: send the line
                        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        self.assertEqual(err, 0, f"client {i}: {os.strerror(err)}")
                        s.send(messages[i])
                        sel.modify(s, selectors.EVENT_READ, i)
                        continue
                    data = s.recv(4096)
                    self.assertTrue(data, f"client {i} closed before its echo")
                    received[i] += data
                    self.assertTrue(messages[i].startswith(received[i]), f"client {i}: {received[i]!r}")
                    if received[i] == messages[i]:
                        sel.unregister(s)
                        left -= 1
                        last = time.monotonic() - start
            retransmitted = [i for i, s in enumerate(conns) if total_retrans(s)]
            sel.close()
            for s in conns:
                s.close()
            print(f"\n{CLIENTS} clients at once: all echoed by {last:.1f} s; "
                  f"{len(retransmitted)} retransmitted", file=sys.stderr)
            self.assertEqual(retransmitted, [], "clients whose handshake or first line was "
                             "dropped and sent again")
            self.assertEqual(guest.wait(60), 0, guest.output[-2000:])
            self.assertIn(f"net_echo: served {CLIENTS} connections", guest.output)


if __name__ == "__main__":
    unittest.main()
