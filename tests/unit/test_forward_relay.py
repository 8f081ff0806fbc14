#!/usr/bin/env python3
"""scripts/forward-relay.c, the launcher's relay of TCP forwards, on the
host alone (no guest): in front of a listener that behaves as libslirp's
(a backlog of 1, one accept every 30 ms, as QEMU's main loop comes round).

- 50 clients connect at once, each sends its own line and gets it back
  within a few seconds; the same 50 straight to the slow listener (the
  check that the test can fail) leave some a second or more late, as the
  host's kernel drops handshakes the backlog of 1 has no room for.
- A FIN is passed on as a FIN each way (half-close), a reset as a reset.
- A server that does not read stops the client's sending after a bounded
  amount (the relay's buffers are bounded), and then gets every byte.
- A client that connects before the inner port listens (QEMU still
  starting) is served once it does.
- A taken host port: "error cannot listen on 127.0.0.1:PORT: Address
  already in use" and status 1. No file descriptor left behind after 200
  connections; the relay ends when the process that started it ends.

Run: python3 tests/unit/test_forward_relay.py -v (make builds the relay).
"""

import os
import socket
import subprocess
import sys
import threading
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELAY = os.path.join(REPO, "build", "tools", "forward-relay")
ACCEPT_EVERY = 0.03  # seconds between two accepts of the slirp-like listener
CLIENTS = 50


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowListener:
    """A listener on 127.0.0.1 with a backlog of 1 that accepts one
    connection every ACCEPT_EVERY seconds and hands it to HANDLER in a
    thread of its own."""

    def __init__(self, handler, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.handler, args=(conn,), daemon=True).start()
            time.sleep(ACCEPT_EVERY)

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def read_to_eof(sock):
    """Everything SOCK receives until the peer's FIN."""
    got = b""
    while True:
        data = sock.recv(4096)
        if not data:
            return got
        got += data


def echo_lines(conn):
    """Echoes what it reads until end of file, then closes."""
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


class Relay:
    """build/tools/forward-relay HOSTPORT:INNERPORT, started by this test."""

    def __init__(self, host_port, inner_port):
        self.proc = subprocess.Popen([RELAY, f"{host_port}:{inner_port}"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first_line = self.proc.stdout.readline().strip()

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()


def clients_at_once(port, count, timeout=20):
    """Opens COUNT connections to PORT at once (threads), each sending its
    own line and reading it back. Returns the seconds each took (None: no
    echo within TIMEOUT seconds)."""
    times = [None] * count
    start = time.monotonic()

    def client(i):
        line = f"client {i}\n".encode()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
                s.sendall(line)
                got = b""
                while len(got) < len(line):
                    chunk = s.recv(64)
                    if not chunk:
                        break
                    got += chunk
            if got == line:
                times[i] = time.monotonic() - start
        except OSError:
            pass

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


@unittest.skipUnless(os.access(RELAY, os.X_OK), "no build/tools/forward-relay (run make)")
class ForwardRelay(unittest.TestCase):
    def setUp(self):
        self.servers, self.relays = [], []

    def tearDown(self):
        for r in self.relays:
            r.stop()
        for s in self.servers:
            s.close()

    def relay_to(self, handler):
        server = SlowListener(handler)
        self.servers.append(server)
        port = free_port()
        relay = Relay(port, server.port)
        self.relays.append(relay)
        self.assertEqual(relay.first_line, f"ports {server.port}")
        return port, server, relay

    def test_fifty_at_once(self):
        port, _, _ = self.relay_to(echo_lines)
        times = clients_at_once(port, CLIENTS)
        self.assertNotIn(None, times, "a client got no echo")
        # Paced: 50 accepts of 30 ms, about 1.5 s, plus the threads' own time.
        self.assertLess(max(times), 6, f"slowest {max(times):.2f} s")

    def test_fifty_at_once_direct_stalls(self):
        """Without the relay: some handshake is dropped and retried a
        second or more later (or the client gives up)."""
        server = SlowListener(echo_lines)
        self.servers.append(server)
        times = clients_at_once(server.port, CLIENTS, timeout=5)
        late = [t for t in times if t is None or t > 1.0 + CLIENTS * ACCEPT_EVERY]
        self.assertTrue(late, f"no client was late: slowest {max(times):.2f} s"
                        if not late else "")

    def test_half_close_both_ways(self):
        def answer_after_eof(conn):
            with conn:
                conn.sendall(b"you sent " + read_to_eof(conn))
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)  # until the relay closes its side

        port, _, _ = self.relay_to(answer_after_eof)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"hello")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(read_to_eof(s), b"you sent hello")

    def test_server_reset_reaches_client(self):
        def reset(conn):
            conn.recv(1)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            conn.close()

        port, _, _ = self.relay_to(reset)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"x")
            with self.assertRaises(ConnectionResetError):
                s.recv(10)

    def test_client_reset_reaches_server(self):
        seen = []
        done = threading.Event()

        def read_until_error(conn):
            with conn:
                try:
                    while conn.recv(4096):
                        pass
                    seen.append("eof")
                except ConnectionResetError:
                    seen.append("reset")
                done.set()

        port, _, _ = self.relay_to(read_until_error)
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"x")
        time.sleep(0.5)  # the relay has connected and passed the byte on
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.close()
        self.assertTrue(done.wait(10))
        self.assertEqual(seen, ["reset"])

    def test_backpressure_bounded_then_everything(self):
        release, counted = threading.Event(), threading.Event()
        received = []

        def slow_reader(conn):
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            release.wait(30)
            total = 0
            with conn:
                while True:
                    data = conn.recv(1 << 16)
                    if not data:
                        break
                    total += len(data)
            received.append(total)
            counted.set()

        port, _, _ = self.relay_to(slow_reader)
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        s.setblocking(False)
        sent, block, stalled_at = 0, b"z" * 65536, None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                sent += s.send(block)
                last = time.monotonic()
            except BlockingIOError:
                if time.monotonic() - last > 1.0:  # nothing taken for a second
                    stalled_at = sent
                    break
                time.sleep(0.01)
        self.assertIsNotNone(stalled_at, f"the relay took {sent} bytes without stopping")
        # Socket buffers on both hops (autotuned, a few MiB at most on
        # loopback) plus the relay's 64 KiB a direction: not unbounded.
        self.assertLess(stalled_at, 64 << 20)
        release.set()
        s.setblocking(True)
        for _ in range(16):
            s.sendall(block)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(20)
        self.assertEqual(s.recv(1), b"")  # the server's close, passed on
        s.close()
        self.assertTrue(counted.wait(10))
        self.assertEqual(received, [stalled_at + 16 * len(block)])

    def test_inner_port_listens_late(self):
        inner = free_port()
        port = free_port()
        relay = Relay(port, inner)
        self.relays.append(relay)
        self.assertEqual(relay.first_line, f"ports {inner}")
        result = []
        t = threading.Thread(target=lambda: result.append(clients_at_once(port, 3)))
        t.start()
        time.sleep(0.5)  # the relay's connects are refused meanwhile
        self.servers.append(SlowListener(echo_lines, inner))
        t.join()
        self.assertNotIn(None, result[0])

    def test_taken_port(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            run = subprocess.run([RELAY, str(port)], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=10)
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.stdout, f"error cannot listen on 127.0.0.1:{port}: "
                                     "Address already in use\n")

    def test_no_fd_left_behind(self):
        port, _, relay = self.relay_to(echo_lines)
        before = relay.fds()
        for round_ in range(4):
            times = clients_at_once(port, CLIENTS)
            self.assertNotIn(None, times, f"round {round_}")
        time.sleep(0.5)
        self.assertEqual(relay.fds(), before)

    def test_ends_with_its_parent(self):
        port = free_port()
        # A shell starts the relay in the background and is killed.
        shell = subprocess.Popen(["sh", "-c", f'"{RELAY}" {port} & echo $!; exec sleep 60'],
                                 stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        lines = sorted(shell.stdout.readline().strip() for _ in range(2))  # either order
        pid = int(lines[0])
        self.assertRegex(lines[1], r"^ports \d+$")
        shell.kill()
        shell.wait()
        shell.stdout.close()
        for _ in range(50):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    if stat.read().split(") ")[1].startswith("Z"):
                        break
            except FileNotFoundError:
                break
            time.sleep(0.1)
        else:
            self.fail("the relay outlived its parent")


if __name__ == "__main__":
    unittest.main()
