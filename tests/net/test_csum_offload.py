#!/usr/bin/env python3
"""Transmit checksum offload (VIRTIO_NET_F_CSUM) end to end, on microvm and
q35. QEMU's user network does not offer the feature, so this test gives the
guest a tap device with vnet_hdr instead: it needs root, /dev/net/tun and
the `ip` command, and is skipped without them. It makes a tap of its own
(cs16-PID, 10.16.N.1/24 on the host with N from the PID, removed at the
end) and boots test=net-serve (TCP and UDP echo on port 7) at 10.16.N.2/24.

Every frame the guest sends is read on the tap by a packet socket with
PACKET_VNET_HDR, which puts before it the virtio-net header Linux kept from
the guest's (flags, csum_start, csum_offset). TCP and UDP echo run over
IPv4 and over IPv6 (the guest's link-local address); then, for each TCP
and UDP frame from the guest, the test does the device's part as the
virtio spec says (5.1.6.2: sum from csum_start to the end, store the
complement at csum_start + csum_offset) and checks the result against the
pseudo-header checksum. It passes only when the verbose log says
"checksum offload", every echo came back whole, and every such frame asked
for the device's sum (NEEDS_CSUM) and came out right. With csum_start
short of the Ethernet header the guest's TCP answers never arrive and the
test fails (tried).

Run: python3 tests/net/test_csum_offload.py -v (as root; build the kernel first).
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frames  # noqa: E402

# A subnet of this run's own: two runs side by side (worktrees) do not share one.
SUBNET = "10.16.%d" % (os.getpid() % 250 + 1)
HOST_IP, GUEST_IP = SUBNET + ".1", SUBNET + ".2"
ECHO_PORT = 7
BOOT_TIMEOUT = 120
SOL_PACKET, PACKET_VNET_HDR = 263, 15
VNET_HDR_LEN = 10   # Linux's struct virtio_net_hdr, without num_buffers
NEEDS_CSUM = 1
ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
TCP, UDP = 6, 17

def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def can_make_tap():
    return os.geteuid() == 0 and os.path.exists("/dev/net/tun") and shutil.which("ip")


def guest_link_local(mac):
    """The guest's IPv6 link-local address (EUI-64 of its MAC)."""
    b = list(mac)
    b[0] ^= 2
    eui = b[:3] + [0xFF, 0xFE] + b[3:]
    return "fe80::" + ":".join("%x" % (eui[i] << 8 | eui[i + 1]) for i in range(0, 8, 2))


def transport(frame):
    """(version, proto, l4 offset in the frame, l4 bytes, pseudo-header) of a
    whole TCP or UDP packet, else None."""
    kind = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if kind == ETH_IPV4:
        hlen, total, proto = (ip[0] & 15) * 4, struct.unpack("!H", ip[2:4])[0], ip[9]
        if proto not in (TCP, UDP) or struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            return None
        l4 = ip[hlen:total]
        return 4, proto, 14 + hlen, l4, ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    if kind == ETH_IPV6 and ip[6] in (TCP, UDP):
        l4 = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        return 6, ip[6], 54, l4, ip[8:40] + struct.pack("!IxxxB", len(l4), ip[6])
    return None


class Tap:
    def __init__(self):
        self.name = "cs16-%d" % os.getpid()

    def __enter__(self):
        subprocess.run(["ip", "tuntap", "add", "dev", self.name, "mode", "tap"], check=True)
        # No duplicate address detection: the host's link-local address is
        # usable at once (a tentative one refused the IPv6 connect).
        dad = "/proc/sys/net/ipv6/conf/%s/accept_dad" % self.name
        if os.path.exists(dad):
            with open(dad, "w") as f:
                f.write("0")
        for cmd in (["ip", "addr", "add", HOST_IP + "/24", "dev", self.name],
                    ["ip", "link", "set", self.name, "up"]):
            subprocess.run(cmd, check=True)
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "tuntap", "del", "dev", self.name, "mode", "tap"])

    def wait_carrier(self, timeout=10):
        """Until QEMU holds the tap (LOWER_UP) and a second more for the host's
        address on it to settle."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = subprocess.run(["ip", "-br", "link", "show", self.name],
                                 capture_output=True, text=True).stdout
            if "LOWER_UP" in out:
                break
            time.sleep(0.1)
        time.sleep(1)


class Capture:
    """The guest's frames on the tap, each with Linux's virtio-net header."""

    def __init__(self, tap):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.sock.bind((tap, 0))
        self.sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        self.sock.settimeout(0.2)
        self.frames, self.stop = [], False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                data, addr = self.sock.recvfrom(65536)
            except (socket.timeout, OSError):   # ENETDOWN while the link comes up
                time.sleep(0.05)
                continue
            if addr[2] != socket.PACKET_OUTGOING:   # from the guest, not to it
                self.frames.append((struct.unpack("<BBHHHH", data[:VNET_HDR_LEN]),
                                    data[VNET_HDR_LEN:]))

    def finish(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()
        return self.frames


class CsumOffload(unittest.TestCase):
    def run_machine(self, machine):
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        if not can_make_tap():
            self.skipTest("needs root, /dev/net/tun and ip(8) for a tap device")
        if machine == "q35" and not frames.pci_transport_present():
            self.skipTest("no virtio-pci transport")
        with Tap() as tap:
            guest = frames.Guest(["--machine", machine, "--accel", "tcg", "--net", "tap:" + tap.name,
                                  "--kernel-arg", "ip=%s/24" % GUEST_IP, "--kernel-arg",
                                  "gw=" + HOST_IP, "--kernel-arg", "verbose",
                                  "--kernel-arg", "test=net-serve"], timeout=BOOT_TIMEOUT)
            with guest:
                deadline = time.time() + BOOT_TIMEOUT
                while "serving" not in guest.output and time.time() < deadline:
                    time.sleep(0.2)
                self.assertIn("serving", guest.output, guest.output)
                self.assertRegex(guest.output, r"(?m)^virtio-net: .*, checksum offload$")
                tap.wait_carrier()
                capture = Capture(tap.name)
                self.echo_all(tap.name)
                time.sleep(0.5)
                sent = capture.finish()
                self.check_frames(sent)

    def echo_all(self, tap):
        payload = bytes((i * 7 + 1) & 0xFF for i in range(5000))
        v6 = guest_link_local(frames.QEMU_MAC) + "%" + tap
        for family, host in ((socket.AF_INET, GUEST_IP), (socket.AF_INET6, v6)):
            addr = socket.getaddrinfo(host, ECHO_PORT, family, socket.SOCK_STREAM)[0][4]
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(15)
                s.connect(addr)
                s.sendall(payload)
                got = b""
                while len(got) < len(payload):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            self.assertEqual(got, payload, "TCP echo over %s" % host)
            with socket.socket(family, socket.SOCK_DGRAM) as u:
                u.settimeout(10)
                for n in (1, 333, 1200):
                    u.sendto(payload[:n], addr)
                    self.assertEqual(u.recvfrom(4096)[0], payload[:n], "UDP echo over %s" % host)

    def check_frames(self, sent):
        seen = set()
        for (flags, _, _, _, start, offset), frame in sent:
            t = transport(frame)
            if t is None:
                continue
            version, proto, l4_at, l4, pseudo = t
            what = "IPv%d %s frame" % (version, "TCP" if proto == TCP else "UDP")
            self.assertTrue(flags & NEEDS_CSUM, what + " sent without NEEDS_CSUM")
            done = bytearray(frame[:l4_at + len(l4)])
            c = ~ones_sum(bytes(done[start:])) & 0xFFFF
            if proto == UDP and c == 0:
                c = 0xFFFF
            done[start + offset:start + offset + 2] = struct.pack("!H", c)
            self.assertEqual(ones_sum(pseudo + bytes(done[l4_at:])), 0xFFFF,
                             what + ": wrong checksum once the device summed it "
                             "(csum_start %d, csum_offset %d)" % (start, offset))
            seen.add((version, proto))
        self.assertEqual(seen, {(4, TCP), (4, UDP), (6, TCP), (6, UDP)})

    def test_microvm(self):
        self.run_machine("microvm")

    def test_q35(self):
        self.run_machine("q35")


if __name__ == "__main__":
    unittest.main()
