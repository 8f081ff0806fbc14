#!/usr/bin/env python3
"""Carapace's datagram API (<carapace/dgram.h>; kernel/net/README.md, "The
datagram API"), with the guest tests/apps/dgram_api.c:

1. Its bad arguments and its loopback checks (each line "dgram: NAME
   ok"; "FAILED" for one that did not fail as it must, or that changed
   kernel memory), then its echo through the API over --net user: 100
   datagrams of 1 to 1,400 bytes (the socket's net channel in, frames the
   kernel builds out), each echo checked, and two answers of 3,000 bytes
   to "big" (over the MTU: lwIP's path, which fragments); "quit" ends it with status 0, and the
   classifier's counters show the datagrams came through the channel.
2. Over a raw link (--net dgram, frames read here): the echo's frame is
   the one udp_output.c builds (IPv4 with Don't Fragment, which lwIP's
   own output does not set), addressed to the sender's Ethernet address,
   with sound IP and UDP checksums; 11 s later one echo goes through
   lwIP (no DF: the datagram that lets lwIP renew its ARP entry), the
   next is built again.

Run: python3 tests/net/test_dgram_api.py -v (make the kernel and
make apps-build first).
"""

import os
import re
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import LISTEN_TIMEOUT  # noqa: E402
from test_udp_channels import COUNTER, echo, free_udp_port  # noqa: E402

APP = os.path.join(frames.REPO, "build", "apps", "dgram_api.so")
RUN_TIMEOUT = 240
ECHOES = 100
CHECKS = 38  # the "dgram: NAME ok" lines dgram_api.c prints
IP_DF = 0x4000
LWIP_EVERY = 10  # s: udp_output.c's LWIP_EVERY_MS


class DgramApi(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(APP):
            self.skipTest("no build/apps/dgram_api.so (make apps-build builds it)")

    def test_arguments_and_echo(self):
        port = free_udp_port()
        with frames.Guest(["--accel", "tcg", "--kernel-arg", "verbose", "--net", "user",
                           "--forward", f"udp:{port}:7", APP, "7"],
                          timeout=RUN_TIMEOUT + LISTEN_TIMEOUT) as guest:
            guest.wait_for(self, "dgram: bound to port 7", LISTEN_TIMEOUT, "never bound")
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a:
                a.settimeout(60)
                for i in range(ECHOES):
                    size = 1 + (i * 379) % 1400
                    echo(a, port, bytes((i + k) % 251 for k in range(size)))
                for i in range(2):
                    a.sendto(b"big", ("127.0.0.1", port))
                    self.assertEqual(a.recvfrom(4096)[0], bytes(k % 251 for k in range(3000)))
                a.sendto(b"quit", ("127.0.0.1", port))
            self.assertEqual(guest.wait(RUN_TIMEOUT), 0, guest.output[-3000:])
        out = guest.output
        checks = re.findall(r"^dgram: (.*) (ok|FAILED.*)$", out, re.M)
        self.assertEqual(len(checks), CHECKS, out[-3000:])
        self.assertEqual([c for c in checks if c[1] != "ok"], [], out[-3000:])
        self.assertIn(f"dgram: 0 failed, {ECHOES + 2} echoed", out)
        c = {name: int(value) for name, value in COUNTER.findall(out)}
        self.assertIn("path-channel", c, f"no classifier counters:\n{out[-3000:]}")
        self.assertGreaterEqual(c["path-channel"], ECHOES, c)

    def test_frames_built_by_the_kernel(self):
        guest_ip, host_ip, peer_mac, sport = "10.0.2.15", "10.0.2.2", frames.mac("52:54:00:aa:bb:cc"), 40003

        def datagram(data):
            udp = frames.udp_datagram(host_ip, guest_ip, sport, 7, data)
            return frames.ethernet(frames.QEMU_MAC, peer_mac, frames.ETH_IPV4,
                                   frames.ipv4_packet(host_ip, guest_ip, frames.IP_UDP, udp))

        with frames.DgramLink() as link, frames.Guest(
                ["--machine", "microvm", "--accel", "tcg", "--net", link.launcher_arg,
                 "--kernel-arg", f"ip={guest_ip}/24", "--kernel-arg", f"gw={host_ip}", APP, "7"],
                timeout=RUN_TIMEOUT) as guest:
            if frames.arp_until_reply(link, peer_mac, host_ip, guest_ip, LISTEN_TIMEOUT) is None:
                self.fail(f"no ARP reply:\n{guest.output}")
            guest.wait_for(self, "dgram: bound to port 7", LISTEN_TIMEOUT, "never bound")
            def echo_flags(data):
                """The echo of data checked; its IP flags and fragment offset."""
                link.send(datagram(data))
                frame, _ = link.recv_until(
                    lambda f: (frames.parse_udp(f) or (0,) * 5)[2:4] == (7, sport), 10)
                self.assertIsNotNone(frame, f"no echo (or a bad checksum):\n{guest.output}")
                self.assertEqual(frames.parse_udp(frame),
                                 (guest_ip, host_ip, 7, sport, data))
                self.assertEqual(frame[0:6], peer_mac)
                self.assertEqual(frame[6:12], frames.QEMU_MAC)
                return struct.unpack("!H", frame[frames.ETH_HEADER + 6:frames.ETH_HEADER + 8])[0]

            for data in (b"built by the kernel", b"x" * 1400):
                self.assertEqual(echo_flags(data), IP_DF,
                                 "not udp_output.c's frame (lwIP's sets no DF)")
            # 10 s on, one datagram takes lwIP's path (which renews the
            # ARP entry the built frames use), the next is built again.
            time.sleep(LWIP_EVERY + 1)
            self.assertEqual(echo_flags(b"lwIP's turn"), 0, "no datagram went through lwIP")
            self.assertEqual(echo_flags(b"built again"), IP_DF)
            link.send(datagram(b"quit"))
            self.assertEqual(guest.wait(RUN_TIMEOUT), 0, guest.output[-3000:])


if __name__ == "__main__":
    unittest.main()
