#!/usr/bin/env python3
"""UDP sockets on net channels (kernel/net/README.md, "Net channels"),
both ways: channels on (the default) and netchannels=off. The guest runs
tests/apps/udp_peer.c with verbose, reached through --net user --forward
udp:PORT:7:

1. 100 datagrams of 1 to 1,400 bytes from one host socket, each echo
   checked (the first peeked, then read; a 1-byte peek says its whole
   length);
2. "connect": the guest connects its socket to that sender; another host
   socket then sends 3 datagrams, which must not be delivered; 20 more
   from the peer are echoed; "quit" ends the guest with status 0.

The classifier's counters at exit must say where the datagrams went: with
channels, every one of the socket's through its channel (path-channel),
the stranger's through lwIP (the connected socket's channel is its exact
flow), none delivered, and every channel closed (channels-open 0); with netchannels=off, none
through a channel.

And over a raw link (--net dgram, frames built here), both ways: a
datagram whose UDP checksum is wrong is not delivered (with channels,
the reader drops it: channel-drop-udp-bad-checksum 1), one without a
checksum (0, which IPv4 allows) is.

And IPv6 (root, a tap of its own as tests/net/test_csum_offload.py makes;
skipped otherwise): udp_peer's socket AF_INET6 bound to ::, 10 datagrams
over IPv4 (lwIP's path) and 10 over IPv6 to the guest's link-local
address echoed, then connected over IPv6, 20 more: every IPv6 datagram
through the channel.

Run: python3 tests/net/test_udp_channels.py -v (make the kernel and
make apps-build first).
"""

import os
import re
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402
import test_csum_offload as tap_net  # noqa: E402

APP = os.path.join(frames.REPO, "build", "apps", "udp_peer.so")
UNCONNECTED = 100
CONNECTED = 20
STRANGER = 3
RUN_TIMEOUT = 240
COUNTER = re.compile(r"^classifier: ([a-z-]+) (\d+)\s*$", re.M)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo(sock, port, data):
    sock.sendto(data, ("127.0.0.1", port))
    got, _ = sock.recvfrom(4096)
    if got != data:
        raise AssertionError(f"echo of {len(data)} bytes: got {len(got)} bytes, {got[:20]!r}")


class UdpChannels(unittest.TestCase):
    def serve(self, mode):
        if not os.path.exists(APP):
            self.skipTest("no build/apps/udp_peer.so (make apps-build builds it)")
        port = free_udp_port()
        with frames.Guest(["--accel", "tcg", "--kernel-arg", "verbose", "--kernel-arg",
                           f"netchannels={mode}", "--net", "user", "--forward",
                           f"udp:{port}:7", APP, "7"],
                          timeout=RUN_TIMEOUT + LISTEN_TIMEOUT) as guest:
            guest.wait_for(self, "udp_peer: bound to port 7", LISTEN_TIMEOUT, "never bound")
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
                a.settimeout(60)
                for i in range(UNCONNECTED):
                    size = 1 + (i * 379) % 1400
                    echo(a, port, bytes((i + k) % 251 for k in range(max(size, 2))))
                a.sendto(b"connect", ("127.0.0.1", port))
                self.assertEqual(a.recvfrom(64)[0], b"connected")
                for i in range(STRANGER):
                    b.sendto(b"stranger %d" % i, ("127.0.0.1", port))
                time.sleep(1)
                for i in range(CONNECTED):
                    echo(a, port, b"peer %d " % i + b"y" * i * 50)
                a.sendto(b"quit", ("127.0.0.1", port))
            self.assertEqual(guest.wait(RUN_TIMEOUT), 0, guest.output[-3000:])
        out = guest.output
        self.assertIn("udp_peer: peek equal", out)
        self.assertNotIn("MSG_TRUNC did not", out)
        self.assertIn(f"udp_peer: echoed {UNCONNECTED} unconnected", out)
        self.assertIn(f"udp_peer: echoed {CONNECTED} connected, 0 from strangers", out)
        c = {name: int(value) for name, value in COUNTER.findall(out)}
        self.assertIn("path-channel", c, f"no classifier counters:\n{out[-3000:]}")
        print(f"\nnetchannels={mode}: frames {c['frames']}, path-channel {c['path-channel']}, "
              f"path-stack {c['path-stack']}, not-peer {c['channel-drop-udp-not-peer']}",
              file=sys.stderr)
        self.assertEqual(c["channels-open"], 0, "a channel outlived its socket")
        return c

    def raw_frames(self, mode):
        """The guest on a raw link (--net dgram, ip=): good datagrams are
        echoed, one whose UDP checksum is wrong is not, one without a
        checksum (0, allowed over IPv4) is; the classifier's counters."""
        if not os.path.exists(APP):
            self.skipTest("no build/apps/udp_peer.so (make apps-build builds it)")
        guest_ip, host_ip, peer_mac, sport = "10.0.2.15", "10.0.2.2", frames.mac("52:54:00:aa:bb:cc"), 40002

        def datagram(data, csum=True, corrupt=False):
            udp = bytearray(frames.udp_datagram(host_ip, guest_ip, sport, 7, data))
            if not csum:
                udp[6:8] = b"\0\0"
            if corrupt:
                udp[-1] ^= 0x20  # after the sum: it no longer holds
            return frames.ethernet(frames.QEMU_MAC, peer_mac, frames.ETH_IPV4,
                                   frames.ipv4_packet(host_ip, guest_ip, frames.IP_UDP, bytes(udp)))

        def echo_of(link, data):
            frame, _ = link.recv_until(
                lambda f: (frames.parse_udp(f) or (0,) * 5)[2:4] == (7, sport), 10)
            return frame is not None and frames.parse_udp(frame)[4] == data

        with frames.DgramLink() as link, frames.Guest(
                ["--machine", "microvm", "--accel", "tcg", "--net", link.launcher_arg,
                 "--kernel-arg", f"ip={guest_ip}/24", "--kernel-arg", f"gw={host_ip}",
                 "--kernel-arg", "verbose", "--kernel-arg", f"netchannels={mode}", APP, "7"],
                timeout=RUN_TIMEOUT) as guest:
            if frames.arp_until_reply(link, peer_mac, host_ip, guest_ip, LISTEN_TIMEOUT) is None:
                self.fail(f"no ARP reply:\n{guest.output}")
            guest.wait_for(self, "udp_peer: bound to port 7", LISTEN_TIMEOUT, "never bound")
            link.send(datagram(b"first datagram"))
            self.assertTrue(echo_of(link, b"first datagram"), guest.output)
            link.send(datagram(b"a corrupted datagram", corrupt=True))
            link.send(datagram(b"no checksum at all", csum=False))
            self.assertTrue(echo_of(link, b"no checksum at all"), guest.output)
            link.send(datagram(b"connect"))
            self.assertTrue(echo_of(link, b"connected"), guest.output)
            link.send(datagram(b"quit"))
            self.assertEqual(guest.wait(RUN_TIMEOUT), 0, guest.output[-3000:])
            out = guest.output
        self.assertNotIn("corrupted", out)
        self.assertIn("udp_peer: echoed 2 unconnected", out)
        return {name: int(value) for name, value in COUNTER.findall(out)}

    def test_raw_frames_on(self):
        c = self.raw_frames("on")
        self.assertEqual(c["channel-drop-udp-bad-checksum"], 1, c)
        self.assertGreaterEqual(c["path-channel"], 5, c)

    def test_raw_frames_off(self):
        c = self.raw_frames("off")
        self.assertEqual(c["channel-drop-udp-bad-checksum"], 0, c)
        self.assertEqual(c["path-channel"], 0, c)

    def test_tap_ipv6(self):
        """IPv6 through the channel: the guest on a tap of its own (root),
        udp_peer's socket AF_INET6 bound to :: (dual stack). The host
        sends over IPv4 (lwIP's path: the key is IPv6's) and over IPv6 to
        the guest's link-local address (the channel's), then connects
        over IPv6; every echo checked."""
        if not os.path.exists(APP):
            self.skipTest("no build/apps/udp_peer.so (make apps-build builds it)")
        if not tap_net.can_make_tap():
            self.skipTest("needs root, /dev/net/tun and ip(8) for a tap device")
        with tap_net.Tap() as tap:
            guest = frames.Guest(["--accel", "tcg", "--net", "tap:" + tap.name, "--kernel-arg",
                                  "ip=%s/24" % tap_net.GUEST_IP, "--kernel-arg",
                                  "gw=" + tap_net.HOST_IP, "--kernel-arg", "verbose",
                                  APP, "7", "6"], timeout=RUN_TIMEOUT)
            with guest:
                guest.wait_for(self, "udp_peer: bound to port 7", LISTEN_TIMEOUT, "never bound")
                tap.wait_carrier()
                time.sleep(2)  # the guest's link-local address past its DAD
                v6 = (tap_net.guest_link_local(frames.QEMU_MAC) + "%" + tap.name, 7, 0,
                      socket.if_nametoindex(tap.name))
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u4, \
                        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as u6:
                    u4.settimeout(20)
                    u6.settimeout(20)
                    for i in range(10):
                        data = b"v4 %d " % i + b"x" * (i * 100)
                        u4.sendto(data, (tap_net.GUEST_IP, 7))
                        self.assertEqual(u4.recvfrom(4096)[0], data)
                        data = b"v6 %d " % i + b"y" * (i * 130)
                        u6.sendto(data, v6)
                        got, sender = u6.recvfrom(4096)
                        self.assertEqual(got, data)
                        self.assertEqual(sender[1], 7)
                    u6.sendto(b"connect", v6)
                    self.assertEqual(u6.recvfrom(64)[0], b"connected")
                    for i in range(CONNECTED):
                        data = b"peer6 %d" % i
                        u6.sendto(data, v6)
                        self.assertEqual(u6.recvfrom(64)[0], data)
                    u6.sendto(b"quit", v6)
                self.assertEqual(guest.wait(RUN_TIMEOUT), 0, guest.output[-3000:])
                out = guest.output
        self.assertIn("udp_peer: echoed 20 unconnected", out)
        self.assertIn(f"udp_peer: echoed {CONNECTED} connected, 0 from strangers", out)
        c = {name: int(value) for name, value in COUNTER.findall(out)}
        print(f"\ntap: frames {c['frames']}, path-channel {c['path-channel']}", file=sys.stderr)
        # The IPv6 datagrams (10, "connect", the peer's, "quit"), not the IPv4 ones.
        self.assertGreaterEqual(c["path-channel"], 10 + 1 + CONNECTED + 1, c)
        self.assertEqual(c["channels-open"], 0, c)

    def test_channels_on(self):
        c = self.serve("on")
        # Every datagram to the socket: the unconnected ones, "connect",
        # the peer's and "quit". Connected, the socket's channel is its
        # exact flow: the stranger's datagrams match no channel and go to
        # lwIP, which delivers them to nobody.
        self.assertGreaterEqual(c["path-channel"], UNCONNECTED + CONNECTED + 2, c)
        self.assertGreaterEqual(c["path-stack"], STRANGER, c)
        self.assertEqual(c["channel-drop-udp-not-peer"], 0, c)
        self.assertEqual(c["channel-drop-udp-bad-checksum"], 0, c)

    def test_channels_off(self):
        c = self.serve("off")
        self.assertEqual(c["path-channel"], 0, c)
        self.assertGreater(c["path-stack"], UNCONNECTED + CONNECTED, c)


if __name__ == "__main__":
    unittest.main()
