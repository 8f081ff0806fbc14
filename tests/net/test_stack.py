#!/usr/bin/env python3
"""The TCP/IP stack (lwIP, kernel/net/) on the virtio-net driver, driven by
raw frames over the launcher's --net dgram: the guest runs test=net-serve
with ip=10.0.2.15/24 and must answer an ARP request and ICMP echo requests
(checksums, identifiers and data checked), on microvm and on q35. An echo
request whose IPv4 header checksum is wrong must get no answer and count as
a classifier drop: the classifier is the only check of that checksum on a
device's interface (kernel/net/README.md, "Checksums").

Run: python3 tests/net/test_stack.py -v (build the kernel first).
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402

GUEST_IP, HOST_IP = "10.0.2.15", "10.0.2.2"
BOOT_TIMEOUT = 90       # seconds until the guest answers ARP under TCG
ANSWER_TIMEOUT = 10
PINGS = [(1, b""), (2, b"carapace" * 8), (3, bytes(range(256)) * 5)]


def quit_frame():
    return frames.ethernet(frames.QEMU_MAC, frames.HOST_MAC, 0x88b5, b"carapace-net-echo quit")


class Stack(unittest.TestCase):
    def serve(self, machine):
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        with frames.DgramLink() as link, frames.boot_over_dgram(
                link, machine, [f"ip={GUEST_IP}/24", f"gw={HOST_IP}", "test=net-serve"],
                timeout=BOOT_TIMEOUT + 120) as guest:
            self.arp(link, guest)
            self.bad_header_checksum(link, guest)
            for seq, data in PINGS:
                self.ping(link, guest, seq, data)
            link.send(quit_frame())
            status = guest.wait(60)
            output = guest.output
        self.assertEqual(status, 0, output)
        counts = re.search(r"net-serve: (\d+) frames in, to lwIP (\d+), dropped by the "
                           r"classifier (\d+), bad length (\d+); (\d+) frames out", output)
        self.assertIsNotNone(counts, output)
        self.assertGreaterEqual(int(counts.group(2)), 1 + len(PINGS))
        self.assertGreaterEqual(int(counts.group(3)), 1, "the bad header checksum not dropped")
        self.assertGreaterEqual(int(counts.group(5)), 1 + len(PINGS))
        self.assertNotIn("carapace: warning", output)

    def arp(self, link, guest):
        """Asks who has GUEST_IP until the guest answers (frames sent before
        its driver posted buffers are lost)."""
        reply = frames.arp_until_reply(link, frames.HOST_MAC, HOST_IP, GUEST_IP, BOOT_TIMEOUT)
        if reply is None:
            self.fail(f"no ARP reply from {GUEST_IP}:\n{guest.output}")
        self.assertEqual(reply[:6], frames.HOST_MAC)
        self.assertEqual(reply[6:12], frames.QEMU_MAC)
        self.assertEqual(frames.parse_arp(reply),
                         (frames.ARP_REPLY, frames.QEMU_MAC, GUEST_IP, frames.HOST_MAC, HOST_IP))

    @staticmethod
    def echo_request(seq, data):
        return frames.ethernet(frames.QEMU_MAC, frames.HOST_MAC, frames.ETH_IPV4, frames.ipv4_packet(
            HOST_IP, GUEST_IP, frames.IP_ICMP,
            frames.icmp_echo(frames.ICMP_ECHO_REQUEST, 0x4321, seq, data), ident=seq))

    @staticmethod
    def is_echo_reply(frame):
        ip = frames.parse_ipv4(frame)
        return ip is not None and ip[2] == frames.IP_ICMP and ip[3][:1] == b"\0"

    def bad_header_checksum(self, link, guest):
        """An echo request whose IPv4 header checksum is off by one: no reply."""
        request = bytearray(self.echo_request(99, b"bad header checksum"))
        request[14 + 11] ^= 1  # the checksum's low byte
        link.send(bytes(request))
        reply, _ = link.recv_until(self.is_echo_reply, 3)
        self.assertIsNone(reply, f"an echo request with a bad IPv4 header checksum was "
                                 f"answered:\n{guest.output}")

    def ping(self, link, guest, seq, data):
        link.send(self.echo_request(seq, data))
        reply, _ = link.recv_until(self.is_echo_reply, ANSWER_TIMEOUT)
        self.assertIsNotNone(reply, f"no echo reply to ping {seq}:\n{guest.output}")
        src, dst, _, icmp = frames.parse_ipv4(reply)
        self.assertEqual((src, dst), (GUEST_IP, HOST_IP))
        self.assertEqual(reply[:6], frames.HOST_MAC)
        self.assertEqual(frames.checksum(icmp), 0, "bad ICMP checksum")
        self.assertEqual(icmp, frames.icmp_echo(frames.ICMP_ECHO_REPLY, 0x4321, seq, data))

    def test_microvm(self):
        self.serve("microvm")

    def test_q35(self):
        if not frames.pci_transport_present():
            self.skipTest("no virtio-pci transport in this tree (virtio_register has no caller)")
        self.serve("q35")


if __name__ == "__main__":
    unittest.main()
