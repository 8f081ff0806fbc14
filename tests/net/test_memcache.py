#!/usr/bin/env python3
"""memcached in Carapace, from the host (issue 16, item 5): Carapace's own
memcached (build/apps/memcache/memcache.so, make apps-own) and, when
`make apps` has built it, Debian's memcached 1.6.18 (build/apps/memcached.so).

- memcapable's ASCII tests (Debian's libmemcached-tools calls it
  memccapable) against the server in the guest: every one of the 27 must
  pass, as they do against the same server run natively. The `noreply`
  cases are the ones that once timed out in Carapace: a command that
  answers nothing, then the next one, whose answer must come.
- 100,000 keys set (pipelined, 1,000 commands per write) and all read back
  intact with multi-key gets: each value is the key's own, so a mixed-up
  or truncated value is caught.
- memaslap (memcaslap in Debian) for MEMASLAP_SECONDS (10; the issue's 60
  by hand), 16 connections, a tenth of the gets verified: operations
  done, no error and no failed verification.
- a value of 1,000,000 bytes set and read back (reads that fill the
  server's buffer, a reply larger than the socket's send buffer), then
  requests on 8 connections at once, each answered on its own.
The own server runs them twice: through Carapace's stream API
(<carapace/stream.h>, which it must say it uses) and, -P, through recv
and send.

- Carapace's memcached under memory pressure (a guest of 64 MiB): more
  1 MiB values than memory holds are all stored, the oldest given back
  through the shrinker API (the `reclaimed` statistic counts what the
  shrinker freed), the newest read back intact, and the server answers on.

- Carapace's memcached over UDP (memcached's frame header): a burst of
  40 requests answered each under its id, a reply of 5 datagrams
  reassembled, bad datagrams survived, memaslap --udp with every verified
  value right (a miss only after a lost datagram).

One guest per server (microvm, TCG), reached through --net user
--forward. Run: python3 tests/net/test_memcache.py -v.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402

OWN = os.path.join(frames.REPO, "build", "apps", "memcache", "memcache.so")
DEBIAN = os.path.join(frames.REPO, "build", "apps", "memcached.so")
MEMCAPABLE = shutil.which("memccapable") or shutil.which("memcapable")
MEMASLAP = shutil.which("memcaslap") or shutil.which("memaslap")
MEMASLAP_SECONDS = int(os.environ.get("MEMASLAP_SECONDS", "10"))  # the 60 by hand
ASCII_TESTS = 27  # memcapable's ASCII tests (libmemcached 1.1.4, Debian 12)
KEYS = int(os.environ.get("MEMCACHE_KEYS", "100000"))
BATCH = 1000      # commands per pipelined write
GET_KEYS = 100    # keys per multi-key get
IO_TIMEOUT = 120  # seconds any one reply may take under a loaded TCG


def value_of(i):
    """Key i's value: its own number in it, and a length that varies (5..104)."""
    return (f"value-{i}-" + "x" * (i % 97)).encode()


class Connection:
    """A memcached text-protocol client that reads exact replies."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.buf = b""

    def close(self):
        self.sock.close()

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"closed by the server; unread: {self.buf[:80]!r}")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the server inside a value")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class MemcacheGuest:
    """Boots APP with ARGS in a guest serving 11211 on a free host port;
    ready once it answers `version`."""

    def __init__(self, app, args, memory=256, udp=False):
        self.port = free_tcp_port()
        udp_forward = ["--forward", f"udp:{self.port}:11211"] if udp else []
        self.guest = frames.Guest(["--accel", "tcg", "--memory", str(memory), "--net", "user",
                                   "--forward", f"tcp:{self.port}:11211", *udp_forward,
                                   app, *args], timeout=1200)
        deadline = time.monotonic() + LISTEN_TIMEOUT * 3
        while not self.answers():
            if self.guest.proc.poll() is not None:
                raise AssertionError(f"the guest ended early:\n{self.guest.output[-2000:]}")
            if time.monotonic() > deadline:
                self.guest.stop()
                raise AssertionError(f"never answered:\n{self.guest.output[-2000:]}")
            time.sleep(0.5)

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                s.sendall(b"version\r\n")
                return s.recv(64).startswith(b"VERSION ")
        except OSError:
            return False

    def stop(self):
        self.guest.stop()


class Checks:
    """The checks, run against the guest setUpClass booted."""

    server = None

    def test_memcapable_ascii(self):
        if not MEMCAPABLE:
            self.skipTest("memccapable not installed (libmemcached-tools, scripts/setup)")
        run = subprocess.run([MEMCAPABLE, "-h", "127.0.0.1", "-p", str(self.server.port),
                              "-a", "-t", "30"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=900)
        out = run.stdout.decode(errors="replace")
        passed = re.findall(r"^ascii .*\[pass\]$", out, re.M)
        self.assertEqual(len(passed), ASCII_TESTS,
                         f"{len(passed)} of {ASCII_TESTS} passed:\n{out}\n"
                         f"guest:\n{self.server.guest.output[-2000:]}")
        self.assertIn("All tests passed", out)
        self.assertEqual(run.returncode, 0, out)

    def test_memaslap(self):
        if not MEMASLAP:
            self.skipTest("memcaslap not installed (libmemcached-tools, scripts/setup)")
        run = subprocess.run([MEMASLAP, "-s", f"127.0.0.1:{self.server.port}",
                              "-t", f"{MEMASLAP_SECONDS}s", "-T", "1", "-c", "16",
                              "--verify=0.1"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=MEMASLAP_SECONDS + 300)
        out = run.stdout.decode(errors="replace")
        tps = re.findall(r"TPS: (\d+)", out)
        self.assertEqual(run.returncode, 0, out)
        self.assertTrue(tps and int(tps[-1]) > 0, out)
        self.assertNotRegex(out, r"(?i)error|failed to|verification failed", out)
        for failed in re.findall(r"verify_failed: (\d+)", out):
            self.assertEqual(int(failed), 0, out)
        print(f"\nmemaslap {MEMASLAP_SECONDS} s: {tps[-1]} operations per second", file=sys.stderr)

    def test_megabyte_value_and_many_connections(self):
        # A value of 1,000,000 bytes (under both servers' 1 MiB item
        # limit): its set fills the server's reads (32 KiB at first) and
        # its get's reply outgrows the socket's send buffer, so that
        # both go on the way a full read and a partial send go on. Then 8
        # connections whose requests arrive together (one epoll wake-up,
        # one stream API call for all of them), each answered on its own.
        big = bytes((i * 7 + 3) % 251 for i in range(1000000))
        c = Connection(self.server.port)
        conns = [Connection(self.server.port) for _ in range(8)]
        try:
            c.sock.sendall(b"set big 5 0 %d\r\n%s\r\nget big\r\n" % (len(big), big))
            self.assertEqual(c.line(), b"STORED")
            self.assertEqual(c.line(), b"VALUE big 5 %d" % len(big))
            self.assertEqual(c.exact(len(big) + 2), big + b"\r\n", "the 1,000,000-byte value")
            self.assertEqual(c.line(), b"END")
            for k, d in enumerate(conns):
                d.sock.sendall(b"set many:%d 0 0 4\r\nv%03d\r\n" % (k, k))
            for d in conns:
                self.assertEqual(d.line(), b"STORED")
            for round_ in range(20):
                for k, d in enumerate(conns):
                    d.sock.sendall(b"get many:%d\r\n" % k)
                for k, d in enumerate(conns):
                    self.assertEqual(d.line(), b"VALUE many:%d 0 4" % k, f"round {round_}")
                    self.assertEqual(d.exact(6), b"v%03d\r\n" % k)
                    self.assertEqual(d.line(), b"END")
        finally:
            c.close()
            for d in conns:
                d.close()

    def test_hundred_thousand_keys(self):
        c = Connection(self.server.port)
        try:
            start = time.monotonic()
            for first in range(0, KEYS, BATCH):
                last = min(first + BATCH, KEYS)
                out = bytearray()
                for i in range(first, last):
                    v = value_of(i)
                    out += b"set key:%d %d 0 %d\r\n%s\r\n" % (i, i % 65536, len(v), v)
                c.sock.sendall(out)
                for i in range(first, last):
                    self.assertEqual(c.line(), b"STORED", f"set key:{i}")
            stored = time.monotonic() - start
            found = 0
            for first in range(0, KEYS, GET_KEYS):
                keys = range(first, min(first + GET_KEYS, KEYS))
                c.sock.sendall(b"get " + b" ".join(b"key:%d" % i for i in keys) + b"\r\n")
                for i in keys:
                    v = value_of(i)
                    self.assertEqual(c.line(), b"VALUE key:%d %d %d" % (i, i % 65536, len(v)))
                    self.assertEqual(c.exact(len(v) + 2), v + b"\r\n", f"key:{i}'s value")
                    found += 1
                self.assertEqual(c.line(), b"END")
            self.assertEqual(found, KEYS)
            print(f"\n{KEYS} keys set in {stored:.1f} s, all read back by "
                  f"{time.monotonic() - start:.1f} s", file=sys.stderr)
        finally:
            c.close()


class OwnMemcache(Checks, unittest.TestCase):
    """Carapace's memcached over TCP, through Carapace's stream API
    (<carapace/stream.h>); OwnMemcachePosix runs the same with -P (recv
    and send)."""

    ARGS = ["-U", "0"]
    PATH = "the stream API"

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(OWN):
            raise unittest.SkipTest("no build/apps/memcache/memcache.so (make apps-own)")
        cls.server = MemcacheGuest(OWN, cls.ARGS)
        if f"tcp 11211 ({cls.PATH})" not in cls.server.guest.output:
            cls.server.stop()
            raise AssertionError(f"not serving TCP through {cls.PATH}:\n"
                                 f"{cls.server.guest.output[-2000:]}")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


class OwnMemcachePosix(OwnMemcache):
    ARGS = ["-U", "0", "-P"]
    PATH = "recv and send"


class OwnMemcacheUnderPressure(unittest.TestCase):
    MEMORY = 64    # MiB of guest memory
    VALUES = 96    # values of 1 MiB: more than the guest has
    MIB = 1 << 20

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(OWN):
            raise unittest.SkipTest("no build/apps/memcache/memcache.so (make apps-own)")
        cls.server = MemcacheGuest(OWN, ["-U", "0"], memory=cls.MEMORY)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def value(self, i):
        return (b"%08d" % i) * (self.MIB // 8)

    def stats(self, c):
        c.sock.sendall(b"stats\r\n")
        found = {}
        while (line := c.line()) != b"END":
            _, name, value = line.decode().split(" ", 2)
            found[name] = value
        return found

    def test_more_values_than_memory(self):
        c = Connection(self.server.port)
        try:
            for i in range(self.VALUES):
                c.sock.sendall(b"set big:%d 0 0 %d\r\n%s\r\n" % (i, self.MIB, self.value(i)))
                self.assertEqual(c.line(), b"STORED", f"big:{i}\n{self.server.guest.output[-2000:]}")
            st = self.stats(c)
            self.assertGreater(int(st["reclaimed"]), 0, st)  # the shrinker gave memory back
            self.assertGreater(int(st["evictions"]), 0, st)
            self.assertLess(int(st["curr_items"]), self.VALUES, st)
            self.assertGreater(int(st["bytes"]), 16 * self.MIB, st)  # it grew into free memory
            newest = self.VALUES - 1
            c.sock.sendall(b"get big:0 big:%d\r\n" % newest)
            self.assertEqual(c.line(), b"VALUE big:%d 0 %d" % (newest, self.MIB))
            self.assertEqual(c.exact(self.MIB + 2), self.value(newest) + b"\r\n")
            self.assertEqual(c.line(), b"END")  # big:0, the oldest, was given back
            c.sock.sendall(b"set small 0 0 2\r\nok\r\nget small\r\n")
            self.assertEqual(c.line(), b"STORED")
            self.assertEqual(c.line(), b"VALUE small 0 2")
            print(f"\n{self.VALUES} MiB stored in a {self.MEMORY} MiB guest: {st['curr_items']} "
                  f"values kept ({int(st['bytes']) >> 20} MiB), {st['evictions']} evicted, "
                  f"{int(st['reclaimed']) >> 20} MiB reclaimed by the shrinker", file=sys.stderr)
        finally:
            c.close()


class OwnMemcacheUdp(unittest.TestCase):
    """Carapace's memcached over UDP (memcached's frame header: request id,
    sequence number, datagram count, reserved; replies of at most 1400
    bytes), its requests read in batches and answered in batches, through
    Carapace's datagram API (<carapace/dgram.h>); OwnMemcacheUdpPosix runs
    the same with -P (recvmmsg and sendmmsg)."""

    PAYLOAD = 1400 - 8  # reply bytes per datagram
    ARGS = ["-U", "11211"]
    PATH = "the datagram API"

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(OWN):
            raise unittest.SkipTest("no build/apps/memcache/memcache.so (make apps-own)")
        cls.server = MemcacheGuest(OWN, cls.ARGS, udp=True)
        if f"udp 11211 ({cls.PATH})" not in cls.server.guest.output:
            cls.server.stop()
            raise AssertionError(f"not serving UDP through {cls.PATH}:\n"
                                 f"{cls.server.guest.output[-2000:]}")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(IO_TIMEOUT)
        self.sock.connect(("127.0.0.1", self.server.port))

    def tearDown(self):
        self.sock.close()

    @staticmethod
    def frame(request_id, body):
        return request_id.to_bytes(2, "big") + b"\0\0\0\1\0\0" + body

    def replies(self, wanted):
        """Reads until every request id in WANTED (id -> None) has all its
        datagrams; returns id -> the reply's bytes, in sequence order."""
        parts = {}
        done = {}
        while len(done) < len(wanted):
            d = self.sock.recv(65536)
            rid, seq, count = (int.from_bytes(d[i:i + 2], "big") for i in (0, 2, 4))
            self.assertIn(rid, wanted, "a reply to no request")
            self.assertEqual(d[6:8], b"\0\0")
            self.assertLessEqual(len(d), 1400)
            got = parts.setdefault(rid, {})
            self.assertNotIn(seq, got, f"request {rid}: datagram {seq} twice")
            got[seq] = (count, d[8:])
            if len(got) == count:
                self.assertTrue(all(c == count for c, _ in got.values()))
                done[rid] = b"".join(got[i][1] for i in range(count))
        return done

    def test_set_and_get_in_one_batch(self):
        # 40 requests sent back to back: the server reads them in batches
        # of up to 16 and must answer each under its own id.
        n = 40
        for i in range(n):
            self.sock.send(self.frame(i, b"set u:%d 0 0 %d\r\n%s\r\n" % (i, len(b"v%d" % i), b"v%d" % i)))
        self.assertEqual(self.replies(dict.fromkeys(range(n))), dict.fromkeys(range(n), b"STORED\r\n"))
        for i in range(n):
            self.sock.send(self.frame(1000 + i, b"get u:%d\r\n" % i))
        got = self.replies(dict.fromkeys(range(1000, 1000 + n)))
        for i in range(n):
            self.assertEqual(got[1000 + i], b"VALUE u:%d 0 %d\r\nv%d\r\nEND\r\n" % (i, len(b"v%d" % i), i))

    def test_reply_over_many_datagrams(self):
        # A value set over TCP, read over UDP: 5 datagrams, in order once sorted.
        value = bytes(range(256)) * 24  # 6144 bytes
        c = Connection(self.server.port)
        try:
            c.sock.sendall(b"set big 7 0 %d\r\n%s\r\n" % (len(value), value))
            self.assertEqual(c.line(), b"STORED")
        finally:
            c.close()
        self.sock.send(self.frame(0xbeef, b"get big\r\n"))
        want = b"VALUE big 7 %d\r\n%s\r\nEND\r\n" % (len(value), value)
        self.assertEqual(self.replies({0xbeef: None})[0xbeef], want)
        self.assertEqual(-(-len(want) // self.PAYLOAD), 5)

    def test_bad_datagrams_then_an_answer(self):
        # Shorter than the frame header: ignored; a bad command: an error
        # under its id; then the server answers on.
        self.sock.send(b"abc")
        self.sock.send(self.frame(7, b"bogus\r\n"))
        self.sock.send(self.frame(8, b"version\r\n"))
        got = self.replies({7: None, 8: None})
        self.assertEqual(got[7], b"ERROR\r\n")
        self.assertTrue(got[8].startswith(b"VERSION "), got[8])

    def test_memaslap_udp(self):
        if not MEMASLAP:
            self.skipTest("memcaslap not installed (libmemcached-tools, scripts/setup)")
        run = subprocess.run([MEMASLAP, "-s", f"127.0.0.1:{self.server.port}", "--udp",
                              "-t", f"{MEMASLAP_SECONDS}s", "-T", "1", "-c", "16",
                              "--verify=0.1"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=MEMASLAP_SECONDS + 300)
        out = run.stdout.decode(errors="replace")
        if "getaddrinfo()" in out and run.returncode != 0:
            # memaslap's UDP path resolves the server with AI_ADDRCONFIG,
            # which finds nothing on a host whose only interface is the
            # loopback (CI's: `unshare -n`); its TCP path does not.
            self.skipTest("memcaslap --udp cannot resolve 127.0.0.1 on a host with no "
                          "network interface but lo")
        tps = re.findall(r"TPS: (\d+)", out)
        self.assertEqual(run.returncode, 0, out)
        self.assertTrue(tps and int(tps[-1]) > 0, out)
        self.assertNotRegex(out, r"(?i)error|failed to", out)
        # Every value read back is the one set (a tenth verified). UDP may
        # lose a datagram on a loaded host (memaslap counts its timeouts and
        # drops); a get that misses is only allowed once one was lost (a
        # lost set), never without.
        field = {k: int(v) for k, v in re.findall(r"^(\w+): (\d+)$", out, re.M)}
        self.assertEqual(field.get("verify_failed"), 0, out)
        lost = field.get("udp_timeout", 0) + field.get("packet_drop", 0)
        if field.get("get_misses", 0):
            self.assertGreater(lost, 0, "gets missed with no datagram lost:\n" + out)
        print(f"\nmemaslap --udp {MEMASLAP_SECONDS} s: {tps[-1]} operations per second, "
              f"{field.get('get_misses', 0)} misses, {lost} datagrams lost", file=sys.stderr)


class OwnMemcacheUdpPosix(OwnMemcacheUdp):
    ARGS = ["-U", "11211", "-P"]
    PATH = "recvmmsg"


class DebianMemcached(Checks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(DEBIAN):
            raise unittest.SkipTest("no build/apps/memcached.so (make apps; not built by make test)")
        cls.server = MemcacheGuest(DEBIAN, ["-u", "root", "-t", "2", "-m", "64", "-U", "0"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


if __name__ == "__main__":
    unittest.main()
