#!/usr/bin/env python3
"""TCP and UDP with the guest, and malformed frames, all as raw frames over
the launcher's --net dgram, on microvm and q35. The guest runs
test=net-serve (TCP and UDP echo on port 7) with ip=10.0.2.15/24 and
verbose, so that the packet classifier's counters are printed at exit.

1. A TCP handshake (SYN -> SYN-ACK, its ack and checksum checked -> ACK),
   data, the same data echoed back (checksums checked), our ACK of it.
2. A UDP datagram to port 7 and its echo (ports, data, checksum).
3. 10,000 malformed frames on each machine (a few seconds under TCG),
   cycling through fuzz/make_classifier_corpus.py's malformed set
   (one frame per validation rule; eth-too-long is left out, QEMU's dgram
   stalls on frames over 1514 bytes) with the last byte of the source MAC
   varied, in bursts of SAFE_BURST, each burst followed by a ping whose
   reply says the guest has taken them all. No unicast frame may answer
   one (the guest's ARP and IPv6 multicast announcements do not count).
4. A second handshake and echo still work; then the quit frame. The run
   must end with status 0 and no violation report, and each
   `classifier: drop-REASON N` line must equal the number sent for REASON
   (every other drop counter 0), except eth-short: a frame shorter than
   the Ethernet header never reaches the classifier, netdev counts it
   ("bad length" in net-serve's line) and that count must match instead.

Run: python3 tests/net/test_tcp_udp.py -v (build the kernel first).
Frame counts: NET_MALFORMED=N overrides both machines' counts.
"""

import collections
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "fuzz"))
import frames  # noqa: E402
import make_classifier_corpus as corpus  # noqa: E402

GUEST_IP, HOST_IP = "10.0.2.15", "10.0.2.2"
PEER_MAC = corpus.PEER_MAC      # the malformed frames' source: the same peer
ECHO_PORT = 7
BOOT_TIMEOUT = 90
ANSWER_TIMEOUT = 10
MALFORMED_MICROVM = 10000
MALFORMED_Q35 = 10000
TOO_BIG_FOR_DGRAM = {"eth-too-long"}


def to_guest(ip_packet):
    return frames.ethernet(frames.QEMU_MAC, PEER_MAC, frames.ETH_IPV4, ip_packet)


def tcp_frame(sport, flags, seq, ack, data=b"", options=b""):
    return to_guest(frames.ipv4_packet(HOST_IP, GUEST_IP, frames.IP_TCP, frames.tcp_segment(
        HOST_IP, GUEST_IP, sport, ECHO_PORT, flags, seq, ack, data, options)))


def quit_frame():
    return frames.ethernet(frames.QEMU_MAC, PEER_MAC, 0x88b5, b"carapace-net-echo quit")


def malformed_set():
    """[(reason, frame)] of the corpus, without what dgram cannot carry."""
    return [(r, f) for r, f in corpus.malformed() if r not in TOO_BIG_FOR_DGRAM]


class TcpUdp(unittest.TestCase):
    def run_machine(self, machine, malformed_count):
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        if "NET_MALFORMED" in os.environ:
            malformed_count = int(os.environ["NET_MALFORMED"])
        with frames.DgramLink() as link, frames.boot_over_dgram(
                link, machine, [f"ip={GUEST_IP}/24", f"gw={HOST_IP}", "verbose",
                                "test=net-serve"], timeout=BOOT_TIMEOUT + 240) as guest:
            self.guest = guest
            self.arp(link)
            self.handshake_and_echo(link, 40001, b"hello over raw TCP frames")
            self.udp_echo(link, 40002, b"a datagram for port 7")
            t0 = time.monotonic()
            sent = self.send_malformed(link, malformed_count)
            spent = time.monotonic() - t0
            self.handshake_and_echo(link, 40003, b"still serving after the malformed frames")
            link.send(quit_frame())
            status = guest.wait(60)
            output = guest.output
        print(f"\n{machine}: {malformed_count} malformed frames in {spent:.1f} s", file=sys.stderr)
        self.assertEqual(status, 0, output)
        self.assertNotRegex(output, r"(?i)violation", output)
        counters = dict((m.group(1), int(m.group(2))) for m in
                        re.finditer(r"^classifier: (\S+) (\d+)\s*$", output, re.M))
        self.assertIn("path-drop", counters, output)
        # Frames shorter than an Ethernet header stop in the driver's glue
        # (netdev's "bad length"), before the classifier.
        short = sent.pop("eth-short", 0)
        bad_length = re.search(r"net-serve: .* bad length (\d+);", output)
        self.assertIsNotNone(bad_length, output)
        self.assertEqual(int(bad_length.group(1)), short, "netdev's bad length")
        for name, value in counters.items():
            if name.startswith("drop-"):
                self.assertEqual(value, sent.get(name[5:], 0), f"counter {name}:\n{output}")
        self.assertEqual(counters["path-drop"], malformed_count - short)
        sent["eth-short"] = short
        every = {r for r, _ in malformed_set()}
        if malformed_count >= len(malformed_set()):
            self.assertEqual(set(sent), every)

    def recv(self, link, predicate, what):
        frame, _ = link.recv_until(predicate, ANSWER_TIMEOUT)
        self.assertIsNotNone(frame, f"no {what}:\n{self.guest.output}")
        return frame

    def arp(self, link):
        if frames.arp_until_reply(link, PEER_MAC, HOST_IP, GUEST_IP, BOOT_TIMEOUT) is None:
            self.fail(f"no ARP reply from {GUEST_IP}:\n{self.guest.output}")

    def tcp_from_guest(self, link, sport, what, want=lambda t: True):
        def match(frame):
            t = frames.parse_tcp(frame)
            return t is not None and t[2] == ECHO_PORT and t[3] == sport and want(t)
        return frames.parse_tcp(self.recv(link, match, what))

    def handshake_and_echo(self, link, sport, data):
        isn = 0x10000000 + sport
        link.send(tcp_frame(sport, frames.TCP_SYN, isn, 0, options=bytes.fromhex("020405b4")))
        t = self.tcp_from_guest(link, sport, "SYN-ACK", lambda t: t[4] & frames.TCP_SYN)
        self.assertEqual(t[:2], (GUEST_IP, HOST_IP))
        self.assertEqual(t[4] & 0x3f, frames.TCP_SYN | frames.TCP_ACK, "flags of the SYN-ACK")
        self.assertEqual(t[6], isn + 1, "the SYN-ACK's ack")
        guest_seq = (t[5] + 1) & 0xffffffff
        link.send(tcp_frame(sport, frames.TCP_ACK, isn + 1, guest_seq))
        link.send(tcp_frame(sport, frames.TCP_ACK | frames.TCP_PSH, isn + 1, guest_seq, data))
        echoed = b""
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while len(echoed) < len(data) and time.monotonic() < deadline:
            t = self.tcp_from_guest(link, sport, "echoed data", lambda t: t[7])
            self.assertEqual(t[5], (guest_seq + len(echoed)) & 0xffffffff, "seq of the echo")
            echoed += t[7]
        self.assertEqual(echoed, data)
        # Our ACK of the echo, then a RST, so that the guest retransmits nothing later.
        end = isn + 1 + len(data)
        link.send(tcp_frame(sport, frames.TCP_ACK, end, guest_seq + len(data)))
        link.send(tcp_frame(sport, frames.TCP_RST | frames.TCP_ACK, end, guest_seq + len(data)))

    def udp_echo(self, link, sport, data):
        link.send(to_guest(frames.ipv4_packet(HOST_IP, GUEST_IP, frames.IP_UDP, frames.udp_datagram(
            HOST_IP, GUEST_IP, sport, ECHO_PORT, data))))
        frame = self.recv(link, lambda f: (frames.parse_udp(f) or (0,) * 5)[3] == sport,
                          "UDP echo")
        self.assertEqual(frames.parse_udp(frame), (GUEST_IP, HOST_IP, ECHO_PORT, sport, data))

    def ping(self, link, seq):
        """An echo request; its reply means every frame sent before was taken."""
        link.send(to_guest(frames.ipv4_packet(HOST_IP, GUEST_IP, frames.IP_ICMP, frames.icmp_echo(
            frames.ICMP_ECHO_REQUEST, 0x7777, seq & 0xffff, b"sync"), ident=seq & 0xffff)))

        def is_reply(frame):
            ip = frames.parse_ipv4(frame)
            return ip is not None and ip[2] == frames.IP_ICMP and ip[3][:1] == b"\0" and \
                ip[3][6:8] == (seq & 0xffff).to_bytes(2, "big")
        frame, skipped = link.recv_until(is_reply, ANSWER_TIMEOUT)
        self.assertIsNotNone(frame, f"no reply to sync ping {seq}:\n{self.guest.output}")
        return skipped

    def send_malformed(self, link, count):
        """Sends count frames; {reason: how many}."""
        pool = malformed_set()
        sent = collections.Counter()
        for start in range(0, count, frames.SAFE_BURST - 1):
            for i in range(start, min(count, start + frames.SAFE_BURST - 1)):
                reason, frame = pool[i % len(pool)]
                # A variation that keeps the rule broken: the source MAC's last byte.
                variant = frame[:11] + bytes([(i // len(pool)) & 0xff]) + frame[12:]
                link.send(variant)
                sent[reason] += 1
            skipped = self.ping(link, start // (frames.SAFE_BURST - 1) + 1)
            # The guest's own ARP requests and its IPv6 multicast announcements
            # (MLD, neighbour discovery) come at their own times; a unicast
            # frame to us would be an answer.
            answers = [f for f in skipped if frames.ethertype(f) != frames.ETH_ARP
                       and not f[0] & 1]
            self.assertEqual(answers, [], "a malformed frame got an answer")
        return sent

    def test_microvm(self):
        self.run_machine("microvm", MALFORMED_MICROVM)

    def test_q35(self):
        if not frames.pci_transport_present():
            self.skipTest("no virtio-pci transport in this tree (virtio_register has no caller)")
        self.run_machine("q35", MALFORMED_Q35)


if __name__ == "__main__":
    unittest.main()
