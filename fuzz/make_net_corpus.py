#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_net into fuzz/corpus/fuzz_net/.

  fuzz/make_net_corpus.py [DIR]

Each seed is a conversation with the harness's stack (fuzz/fuzz_net.c),
in the record format of fuzz/net_frames.h: the peer 10.0.2.2 (and
fe80::5055:ff:fe0a:202) opening TCP connections to the echo server (80)
and the sink (81) over IPv4 and IPv6, sending data, out of order and in
order, and closing; answering the harness's own connection (40000 to
10.0.2.2:9000); UDP echo; ARP, ICMP echo, neighbour solicitation and a
router advertisement. The stack's initial sequence number is 0x10000000
plus its port, so these frames acknowledge what it sent without help; a
few records also carry the flags that take the numbers from the stack.
The frame builders are make_classifier_corpus.py's.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_classifier_corpus import (  # noqa: E402
    ACK, FIN, GUEST6, PEER6, PSH, SYN, SYN_OPTIONS, arp_request, icmp_echo, icmpv6,
    ipv4, ipv6, neighbour_solicitation, tcp, udp)

ISN_BASE = 0x10000000
RST = 0x04
FIX_ACK, FIX_SEQ = 0x01, 0x02
TICK_10MS, TICK_250MS, TICK_1S, TICK_5S = 2 << 2, 4 << 2, 6 << 2, 7 << 2
APP_NO_READ = 0x20  # net_frames.h NET_APP_NO_READ


def record(frame, flags=0):
    return struct.pack("<BH", flags, len(frame)) + frame


def over(v6, segment_fn):
    """The segment in IPv4 or IPv6, addressed peer to guest."""
    if v6:
        return ipv6(6, segment_fn(PEER6, GUEST6))
    return ipv4(6, segment_fn(bytes([10, 0, 2, 2]), bytes([10, 0, 2, 15])))


def seg(v6, sport, dport, flags, seq, ack, data=b"", options=b""):
    return over(v6, lambda s, d: tcp(sport, dport, flags, seq, ack, options=options, data=data,
                                     src=s, dst=d))


def passive(port, v6=False, data=(b"hello, carapace\n",), close=True, fix=0):
    """A connection to port from 50000: handshake, data, and a close."""
    isn = ISN_BASE + port
    seq, ack = 1000, isn + 1
    # The peer's solicitation gives the stack its link-layer address, so
    # that IPv6 replies leave without a solicitation of their own.
    out = [record(neighbour_solicitation())] if v6 else []
    out += [record(seg(v6, 50000, port, SYN, seq, 0, options=SYN_OPTIONS)),
           record(seg(v6, 50000, port, ACK, seq + 1, ack), fix)]
    seq += 1
    for chunk in data:
        out.append(record(seg(v6, 50000, port, PSH | ACK, seq, ack, data=chunk), TICK_10MS | fix))
        seq += len(chunk)
        if port == 80:  # the echo comes back: acknowledge it
            ack += len(chunk)
            out.append(record(seg(v6, 50000, port, ACK, seq, ack), fix))
    if close:
        out.append(record(seg(v6, 50000, port, FIN | ACK, seq, ack), TICK_250MS | fix))
        out.append(record(seg(v6, 50000, port, ACK, seq + 1, ack + 1), TICK_1S | fix))
    return b"".join(out)


def out_of_order():
    """Data past a hole, then the hole: the out-of-order queue, then in order."""
    isn, seq = ISN_BASE + 80, 7000
    return b"".join([
        record(seg(False, 50001, 80, SYN, seq, 0, options=SYN_OPTIONS)),
        record(seg(False, 50001, 80, ACK, seq + 1, isn + 1)),
        record(seg(False, 50001, 80, PSH | ACK, seq + 11, isn + 1, data=b"second....")),
        record(seg(False, 50001, 80, PSH | ACK, seq + 1, isn + 1, data=b"first.....")),
        record(seg(False, 50001, 80, ACK, seq + 21, isn + 21), TICK_250MS),
        record(seg(False, 50001, 80, RST | ACK, seq + 21, isn + 21)),
    ])


def active_side():
    """The harness's own connection (40000 to 10.0.2.2:9000) answered."""
    # lwIP's SYN of an active open carries the hook's number less one.
    isn, seq = ISN_BASE + 40000 - 1, 5000
    frames = [
        (ipv4(6, tcp(9000, 40000, SYN | ACK, seq, isn + 1, options=SYN_OPTIONS[:4])), 0),
        (ipv4(6, tcp(9000, 40000, ACK, seq + 1, isn + 28)), TICK_10MS),
        (ipv4(6, tcp(9000, 40000, PSH | ACK, seq + 1, isn + 28, data=b"reply\n")), 0),
        (ipv4(6, tcp(9000, 40000, FIN | ACK, seq + 7, isn + 34)), TICK_250MS),
        (ipv4(6, tcp(9000, 40000, ACK, seq + 8, isn + 35)), TICK_5S),
    ]
    return b"".join(record(f, flags) for f, flags in frames)


def router_advertisement():
    """A router with the prefix fd00:1::/64 to autoconfigure, and an MTU."""
    body = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
    prefix = struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 86400, 14400, 0,
                         bytes.fromhex("fd000001000000000000000000000000"))
    mtu = struct.pack("!BBHI", 5, 1, 0, 1400)
    source = bytes([1, 1]) + bytes.fromhex("52550a000202")
    return icmpv6(134, body + prefix + mtu + source, dst=bytes.fromhex("ff02" + "00" * 13 + "01"),
                  hop_limit=255)


def seeds():
    yield "tcp4-echo", passive(80)
    yield "tcp6-echo", passive(80, v6=True)
    yield "tcp4-sink", passive(81, data=(b"x" * 1400, b"y" * 1400, b"z" * 100))
    yield "tcp4-echo-fixed-numbers", passive(80, fix=FIX_ACK | FIX_SEQ)
    yield "tcp4-half-open", passive(80, data=(b"a", b"bb"), close=False)
    yield "tcp4-out-of-order", out_of_order()
    yield "tcp4-active", active_side()
    yield "udp-echo", record(ipv4(17, udp(5000, 7, b"ping over udp"))) + \
        record(ipv6(17, udp(5000, 7, b"ping over udp6", src=PEER6, dst=GUEST6)))
    # The application's NO_READ flag: the UDP echo answers through the
    # datagram API (fuzz_net.c, serve_udp_batch).
    yield "udp-echo-dgram-api", record(ipv4(17, udp(5000, 7, b"over the api")), APP_NO_READ) + \
        record(ipv4(17, udp(5001, 7, b"x" * 1400)), APP_NO_READ) + \
        record(ipv4(17, udp(0, 7, b"no reply: source port 0")), APP_NO_READ) + \
        record(ipv6(17, udp(5000, 7, b"over the api, udp6", src=PEER6, dst=GUEST6)), APP_NO_READ)
    yield "arp-icmp", record(arp_request()) + record(icmp_echo(), TICK_1S)
    yield "nd-ra", record(neighbour_solicitation()) + record(router_advertisement(), TICK_1S) + \
        record(icmpv6(128, struct.pack("!HH", 7, 1) + b"ping6"))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "fuzz_net")
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        count += 1
    print(f"make_net_corpus: wrote {count} seeds to {out}")


if __name__ == "__main__":
    main()
