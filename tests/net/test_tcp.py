#!/usr/bin/env python3
"""TCP through the whole stack: virtio-net, the classifier, lwIP, netconn.
A guest with --net user and --forward tcp:PORT:7 runs test=net-tcp-echo;
the host connects to 127.0.0.1:PORT, sends 1 MiB of random bytes while it
reads the echo, checks every byte came back in order, then closes, which
ends the guest's test, whose status must be 0. On microvm and q35.

Run: python3 tests/net/test_tcp.py -v (build the kernel first).
"""

import hashlib
import os
import socket
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402

TOTAL = 1 << 20
CHUNK = 16 << 10
LISTEN_TIMEOUT = 60  # seconds for the guest to listen


def free_tcp_port():
    with socket.socket() as s:
        s.bind((frames.LOCALHOST, 0))
        return s.getsockname()[1]


def echo_through(port):
    """Sends TOTAL random bytes to port while it reads the echo, then closes
    once TOTAL bytes came back (or the guest closed): the guest's test ends
    on that close, so nothing is still on its way when the guest stops.
    Returns (sent, received)."""
    data = os.urandom(TOTAL)
    received = bytearray()
    with socket.create_connection((frames.LOCALHOST, port), timeout=60) as s:
        def send():
            for i in range(0, TOTAL, CHUNK):
                s.sendall(data[i:i + CHUNK])

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        while len(received) < TOTAL:
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
        sender.join(60)
    return data, bytes(received)


class TcpEcho(unittest.TestCase):
    def echo(self, machine):
        if not os.path.exists(os.path.join(frames.REPO, "build", "carapace.bin")):
            self.skipTest("no build/carapace.bin (run make)")
        port = free_tcp_port()
        with frames.Guest(["--machine", machine, "--accel", "tcg", "--net", "user",
                           "--forward", f"tcp:{port}:7",
                           "--kernel-arg", "test=net-tcp-echo"], timeout=180) as guest:
            guest.wait_for(self, "net-tcp-echo: listening", LISTEN_TIMEOUT, "the guest never listened")
            sent, received = echo_through(port)
            self.assertEqual(len(received), len(sent), guest.output)
            self.assertEqual(hashlib.sha256(received).hexdigest(),
                             hashlib.sha256(sent).hexdigest())
            self.assertEqual(guest.wait(120), 0, guest.output)
            self.assertRegex(guest.output, rf"net-tcp-echo: echoed {TOTAL} bytes in \d+ ms, "
                             r"ended by the peer's close")

    def test_microvm(self):
        self.echo("microvm")

    def test_q35(self):
        self.echo("q35")


if __name__ == "__main__":
    unittest.main()
