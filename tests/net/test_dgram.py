#!/usr/bin/env python3
"""The virtio-net driver's two directions over the launcher's --net dgram,
without a TCP/IP stack: the guest runs test=net-echo (kernel/dev/
virtio_net_ktests.c), which announces itself with a "hello" frame, sends
every frame back to its sender and stops at a "quit" frame.

Each machine: frames of every size from the Ethernet header to 1514 bytes,
bursts that together pass the receive ring's size several times, and frames shorter than an Ethernet
header (which the guest must count, not echo); every echo is compared
byte for byte, and the guest's own counts must match what was sent.

q35 needs the virtio-pci transport: its test is skipped while no transport
in the tree registers devices with virtio_register.

Run: python3 tests/net/test_dgram.py -v (build the kernel first).
"""

import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402

ECHO_TYPE = 0x88b5           # the guest's hello and quit frames
TEST_TYPE = 0x88b6           # frames this test sends to be echoed
QEMU_MAC = frames.QEMU_MAC
BOOT_TIMEOUT = 90            # seconds for the guest's hello under TCG
ECHO_TIMEOUT = 30
BURSTS = 3                   # of frames.SAFE_BURST: more than the guest's 128 receive buffers
SIZES = [14, 15, 59, 60, 61, 128, 1000, 1513, 1514]
SHORT = [1, 2, 13]           # below an Ethernet header: counted, not echoed


def numbered(seq, size):
    """A test frame of size bytes whose payload starts with its number."""
    payload = struct.pack("!I", seq)
    payload += bytes((seq + i) & 0xff for i in range(size - frames.ETH_HEADER - len(payload)))
    return frames.ethernet(QEMU_MAC, frames.HOST_MAC, TEST_TYPE, payload)[:size]


class NetEcho(unittest.TestCase):
    def echo(self, machine):
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        with frames.DgramLink() as link, frames.boot_over_dgram(
                link, machine, ["test=net-echo"], timeout=BOOT_TIMEOUT + 120) as guest:
            hello, _ = link.recv_until(lambda f: frames.ethertype(f) == ECHO_TYPE, BOOT_TIMEOUT)
            self.assertIsNotNone(hello, f"no hello frame from the guest:\n{guest.output}")
            self.assertEqual(hello[:6], frames.BROADCAST)
            self.assertEqual(hello[6:12], QEMU_MAC)
            self.assertEqual(hello[14:], b"carapace-net-echo hello")

            # One at a time, every size; then a burst, sent before reading.
            sent = [numbered(i, size) for i, size in enumerate(SIZES)]
            for frame in sent:
                link.send(frame)
                self.expect_echoes(link, [frame], guest)
            burst = [numbered(1000 + i, 64 + i % 200)
                     for i in range(BURSTS * frames.SAFE_BURST)]
            for start in range(0, len(burst), frames.SAFE_BURST):
                for frame in burst[start:start + frames.SAFE_BURST]:
                    link.send(frame)
                self.expect_echoes(link, burst[start:start + frames.SAFE_BURST], guest)
            for size in SHORT:
                link.send(bytes(range(size)))
            link.send(frames.ethernet(QEMU_MAC, frames.HOST_MAC, ECHO_TYPE,
                                      b"carapace-net-echo quit"))
            status = guest.wait(60)
            output = guest.output
        self.assertEqual(status, 0, output)
        total = len(sent) + len(burst) + len(SHORT) + 1
        self.assertRegex(output, rf"net-echo: received {total} frames \(\d+ bytes\), "
                                 rf"echoed {len(sent) + len(burst)}, too short {len(SHORT)}, "
                                 rf"send errors 0")
        self.assertRegex(output, r"net-echo: driver interrupt-driven, [1-9]\d* interrupts")
        self.assertNotIn("carapace: warning", output)

    def expect_echoes(self, link, frames_sent, guest):
        """Every frame of frames_sent comes back, in order, addressed back to
        the host from the guest, with the rest unchanged."""
        for frame in frames_sent:
            echo, _ = link.recv_until(lambda f: frames.ethertype(f) == TEST_TYPE, ECHO_TIMEOUT)
            self.assertIsNotNone(echo, f"no echo of frame {frame[14:18].hex()}:\n{guest.output}")
            self.assertEqual(echo[:6], frames.HOST_MAC)
            self.assertEqual(echo[6:12], QEMU_MAC)
            self.assertEqual(echo[12:], frame[12:], "the echo differs from the frame sent")

    def test_microvm(self):
        self.echo("microvm")

    def test_q35(self):
        if not frames.pci_transport_present():
            self.skipTest("no virtio-pci transport in this tree (virtio_register has no caller)")
        self.echo("q35")


class LinkRefuses(unittest.TestCase):
    """frames.DgramLink keeps the injector away from QEMU's pitfalls."""

    def test_empty_and_oversized(self):
        with frames.DgramLink() as link:
            with self.assertRaises(ValueError):
                link.send(b"")
            with self.assertRaises(ValueError):
                link.send(bytes(frames.MAX_FRAME + 1))
            link.send(bytes(frames.MAX_FRAME))  # nobody listens: UDP does not mind


if __name__ == "__main__":
    unittest.main()
