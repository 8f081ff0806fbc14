#!/usr/bin/env python3
"""Socket options on the wire (kernel/net/README.md, "Socket options"):
the guest runs tests/apps/sockopts_wire.c over a raw link (--net dgram,
ip=10.0.2.15/24); this side answers its ARP for 10.0.2.2 and reads every
frame it sends. Each UDP datagram's payload says the TTL and TOS its IP
header must carry:

- a socket without options: TTL 64 (Linux's default; lwIP's was 255),
  TOS 0;
- IP_TTL 7 and IP_TOS 0x28, through lwIP (sendto) and through the
  kernel's own frame builder (carapace_dgram_send, udp_output.c: its
  frames are the ones with DF set), then IP_TTL -1 (the default again);
- broadcasts to 10.0.2.255 and 255.255.255.255: without SO_BROADCAST
  the send fails with EACCES and no frame leaves; with it (and IP_TTL 3)
  both go out to the Ethernet broadcast address;
- SO_DONTROUTE: a datagram to 10.9.9.9 (through the gateway) leaves
  without it and is ENETUNREACH with it (sendto, the datagram API, and
  MSG_DONTROUTE; a TCP connect too), one to 10.0.2.2 (on the link)
  leaves;
- a TCP SYN from a socket with IP_TTL 9 and IP_TOS 0x13: TTL 9, TOS
  0x10 (TCP keeps the ECN bits its own).

Run: python3 tests/net/test_sockopts.py -v (make the kernel and make
apps-build first). Fails on a kernel without the options (their
setsockopt said ENOPROTOOPT, and every frame carried TTL 255).
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402

APP = os.path.join(frames.REPO, "build", "apps", "sockopts_wire.so")
GUEST_IP, HOST_IP = "10.0.2.15", "10.0.2.2"
HOST_MAC = frames.mac("52:54:00:aa:bb:cc")
TIMEOUT = 180
EXPECT = re.compile(r"ttl (\d+) tos (\d+)$")
IPV4_DF = 0x4000


class SockoptsOnTheWire(unittest.TestCase):
    def test_ttl_tos_broadcast(self):
        if not frames.kernel_built() or not os.path.exists(APP):
            self.skipTest("no build/carapace.bin or build/apps/sockopts_wire.so "
                          "(make, make apps-build)")
        udp, syn = [], []
        with frames.DgramLink() as link, frames.Guest(
                ["--machine", "microvm", "--accel", "tcg", "--net", link.launcher_arg,
                 "--kernel-arg", f"ip={GUEST_IP}/24", "--kernel-arg", f"gw={HOST_IP}",
                 APP, HOST_IP], timeout=TIMEOUT) as guest:
            while True:  # until the guest ended and its last frame was read
                frame = link.recv(0.5)
                if frame is None:
                    if guest.proc.poll() is not None:
                        break
                    continue
                arp = frames.parse_arp(frame)
                if arp and arp[0] == frames.ARP_REQUEST and arp[4] == HOST_IP:
                    link.send(frames.ethernet(arp[1], HOST_MAC, frames.ETH_ARP, frames.arp(
                        frames.ARP_REPLY, HOST_MAC, HOST_IP, arp[1], arp[2])))
                    continue
                ip = frame[frames.ETH_HEADER:]
                header = (frame[:6], ip[1], ip[8], int.from_bytes(ip[6:8], "big"))
                if frames.parse_udp(frame):
                    udp.append((header, frames.parse_udp(frame)))
                elif (tcp := frames.parse_tcp(frame)) and tcp[4] & frames.TCP_SYN:
                    syn.append(header)
            self.assertEqual(guest.wait(TIMEOUT), 0, guest.output[-3000:])
            out = guest.output
        self.assertIn("sockopts_wire: done", out)
        self.assertNotIn("setsockopt", out, "an option was refused")
        for what in ("subnet broadcast without SO_BROADCAST", "broadcast without SO_BROADCAST"):
            self.assertIn(f'sendto "{what}" = Permission denied', out)
        self.assertIn('sendto "off link with SO_DONTROUTE" = Network unreachable', out)
        self.assertIn('dgram_send "off link dgram_send with SO_DONTROUTE" = -1', out)
        self.assertIn("MSG_DONTROUTE off link = Network unreachable", out)
        self.assertIn("tcp connect off link with SO_DONTROUTE = Network unreachable", out)
        seen = {}
        for (dst_mac, tos, ttl, frag), (_, dst, _, _, data) in udp:
            text = data.decode()
            self.assertNotIn("without SO_BROADCAST", text, "a broadcast left without SO_BROADCAST")
            self.assertNotIn("off link with SO_DONTROUTE", text, "an off-link datagram left with SO_DONTROUTE")
            m = EXPECT.search(text)
            self.assertTrue(m, text)
            self.assertEqual((ttl, tos), (int(m.group(1)), int(m.group(2))), text)
            if "broadcast" in text:
                self.assertEqual(dst_mac, frames.BROADCAST, text)
            seen[text] = frag
        self.assertEqual(set(seen), {
            "default ttl 64 tos 0", "lwip ttl 7 tos 40", "frame ttl 7 tos 40",
            "frame ttl 64 tos 0", "subnet broadcast ttl 3 tos 0", "broadcast ttl 3 tos 0",
            "off link without SO_DONTROUTE ttl 64 tos 0",
            "on link with SO_DONTROUTE ttl 64 tos 0"})
        # The datagram API's sends went through udp_output.c (DF), sendto's through lwIP.
        self.assertTrue(seen["frame ttl 7 tos 40"] & IPV4_DF, out)
        self.assertFalse(seen["lwip ttl 7 tos 40"] & IPV4_DF, out)
        self.assertTrue(syn, "no SYN")
        for _, tos, ttl, _ in syn:
            self.assertEqual((ttl, tos), (9, 0x10))


if __name__ == "__main__":
    unittest.main()
