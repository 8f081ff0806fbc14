#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_classifier into fuzz/corpus/classifier/,
or one malformed frame per validation rule of the packet classifier.

  fuzz/make_classifier_corpus.py [DIR]
  fuzz/make_classifier_corpus.py --malformed DIR

Real frames, built here field by field with their checksums, as a guest
under QEMU's user network (10.0.2.15, peer 10.0.2.2) would receive them:
an ARP request, ICMP and ICMPv6 echo requests, a neighbour solicitation,
TCP SYN (with the usual options) and data, a DNS query over UDP, a DHCP
discover, IPv4 and IPv6 fragments, IPv6 with extension headers; and
streams (see fuzz/fuzz_classifier.c for the encoding) that open channels
on TCP and UDP flows, feed them frames, pop and close them.

--malformed writes bare frames (no mode byte) named REASON.N: frame N that
breaks the rule whose drop counter is drop-REASON (kernel/net/README.md),
every other field valid. Tests that inject frames into a guest can send
them and expect each counter to grow by the number of its files; the same
frames come from malformed() when this file is imported. eth-too-long.1 is
1515 bytes: QEMU's dgram backend stalls on frames over 1514
(tests/net/frames.py), so a guest test skips it or lowers the classifier's
MTU below the device's.
"""

import os
import struct
import sys

# The Internet checksums are tests/net/frames.py's, shared with the guest tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "net"))
from frames import checksum, l4_checksum  # noqa: E402

GUEST_MAC = bytes.fromhex("525400123456")
PEER_MAC = bytes.fromhex("52550a000202")
GUEST4 = bytes([10, 0, 2, 15])
PEER4 = bytes([10, 0, 2, 2])
GUEST6 = bytes.fromhex("fe80000000000000505400fffe123456")
PEER6 = bytes.fromhex("fe80000000000000505500fffe0a0202")

MODE_FRAME, MODE_STREAM, MODE_FRAGMENTS_TO_STACK, MODE_CHECK_TEXT, MODE_RCU = 0, 1, 2, 4, 8
OP_OPEN_LAST, OP_OPEN_RAW, OP_CLOSE, OP_FRAME, OP_POP, OP_OPEN_SAME_BUCKET, OP_INIT, OP_BUSY = range(8)


def eth(ethertype, payload, dst=GUEST_MAC):
    return dst + PEER_MAC + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=PEER4, dst=GUEST4, frag=0x4000, ident=0x1c46, options=b"",
         version_ihl=None, total=None, good_checksum=True):
    """IPv4 in Ethernet; the keywords after ident break one field at a time."""
    if version_ihl is None:
        version_ihl = 0x40 | (5 + len(options) // 4)
    if total is None:
        total = 20 + len(options) + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", version_ihl, 0, total, ident, frag, 64,
                         proto, 0, src, dst) + options
    value = checksum(header) ^ (0 if good_checksum else 0x0101)
    header = header[:10] + struct.pack("!H", value) + header[12:]
    return eth(0x0800, header + payload)


def ipv6(next_header, payload, src=PEER6, dst=GUEST6, hop_limit=64, version=6,
         payload_length=None):
    if payload_length is None:
        payload_length = len(payload)
    header = struct.pack("!IHBB16s16s", version << 28, payload_length, next_header, hop_limit,
                         src, dst)
    return eth(0x86DD, header + payload)


def with_checksum(segment, at, proto, src, dst):
    value = l4_checksum(proto, segment, src, dst)
    return segment[:at] + struct.pack("!H", value) + segment[at + 2:]


def tcp(sport, dport, flags, seq, ack, options=b"", data=b"", src=PEER4, dst=GUEST4):
    offset = (20 + len(options)) // 4
    segment = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, 64240,
                          0, 0) + options + data
    return with_checksum(segment, 16, 6, src, dst)


def udp(sport, dport, data, src=PEER4, dst=GUEST4):
    segment = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return with_checksum(segment, 6, 17, src, dst)


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
# MSS 1460, SACK permitted, timestamps, NOP, window scale 7: what Linux sends.
SYN_OPTIONS = bytes.fromhex("020405b40402080a0001e24000000000" "01030307")


def arp_request():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER4, bytes(6), GUEST4)
    return eth(0x0806, body + bytes(18), dst=b"\xff" * 6)


def icmp_echo():
    body = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"carapace-ping-00"
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    return ipv4(1, body)


def icmpv6(msg_type, body, dst=GUEST6, hop_limit=64):
    message = struct.pack("!BBH", msg_type, 0, 0) + body
    message = with_checksum(message, 2, 58, PEER6, dst)
    return ipv6(58, message, dst=dst, hop_limit=hop_limit)


def neighbour_solicitation():
    solicited = bytes.fromhex("ff0200000000000000000001ff123456")
    body = bytes(4) + GUEST6 + bytes([1, 1]) + PEER_MAC
    return icmpv6(135, body, dst=solicited, hop_limit=255)


def dns_query():
    question = b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    return struct.pack("!HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 0) + question


def dhcp_discover():
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x3903F326, 0, 0x8000,
                        bytes(4), bytes(4), bytes(4), bytes(4), PEER_MAC, b"", b"")
    options = bytes.fromhex("63825363" "350101" "3d0701" ) + PEER_MAC + bytes.fromhex("ff")
    data = bootp + options
    return ipv4(17, udp(68, 67, data, src=bytes(4), dst=b"\xff" * 4), src=bytes(4),
                dst=b"\xff" * 4)


def ipv4_fragments():
    datagram = udp(5353, 5353, bytes(range(256)) * 6)
    first = ipv4(17, datagram[:1480], frag=0x2000, ident=0x4242)
    second = ipv4(17, datagram[1480:], frag=1480 // 8, ident=0x4242)
    return first, second


def ipv6_fragment():
    datagram = udp(5353, 5353, b"fragmented", src=PEER6, dst=GUEST6)
    header = struct.pack("!BBHI", 17, 0, 0x0001, 0xCAFE)  # offset 0, more fragments
    return ipv6(44, header + datagram)


def ipv6_hop_by_hop_udp():
    hop_by_hop = bytes([17, 0, 5, 2, 0, 0, 1, 0])  # router alert, then PadN
    return ipv6(0, hop_by_hop + udp(5000, 53, dns_query(), src=PEER6, dst=GUEST6))


def stream(*ops, mode=MODE_STREAM):
    return bytes([mode]) + b"".join(ops)


def op_frame(frame):
    return bytes([OP_FRAME]) + struct.pack("!H", len(frame)) + frame


def op_open_last(slot, wildcard_remote=False, any_local=False, capacity_log2=2, bad_capacity=None):
    """bad_capacity 0 or 3: a capacity channel_open must refuse."""
    flags = (1 if wildcard_remote else 0) | (2 if any_local else 0) | (capacity_log2 << 2)
    if bad_capacity is not None:
        flags |= 0x10 | (0x20 if bad_capacity == 3 else 0)
    return bytes([OP_OPEN_LAST, slot, flags])


def op_init(mtu):
    return bytes([OP_INIT]) + mtu.to_bytes(3, "big")


def op_open_raw(slot, family, proto, local_port, remote_port, local, remote):
    key = struct.pack("=BBHH16s16s", family, proto, local_port, remote_port, local, remote)
    return bytes([OP_OPEN_RAW, slot]) + key


def op(code, slot):
    return bytes([code, slot])


def seeds():
    first, second = ipv4_fragments()
    syn = ipv4(6, tcp(40000, 80, SYN, 1000, 0, SYN_OPTIONS))
    data = [ipv4(6, tcp(40000, 80, ACK | PSH, 1001 + 100 * i, 5001, b"", bytes([65 + i]) * 100))
            for i in range(4)]
    fin = ipv4(6, tcp(40000, 80, FIN | ACK, 1401, 5001))
    query = ipv4(17, udp(5000, 53, dns_query()))
    other_query = ipv4(17, udp(5001, 53, dns_query()))
    tcp6_data = ipv6(6, tcp(40000, 80, ACK, 7, 9, b"", b"v6 data", src=PEER6, dst=GUEST6))
    yield "arp_request", bytes([MODE_FRAME]) + arp_request()
    yield "icmp_echo", bytes([MODE_FRAME]) + icmp_echo()
    yield "tcp_syn", bytes([MODE_FRAME]) + syn
    yield "tcp_data", bytes([MODE_FRAME]) + data[0]
    yield "udp_dns", bytes([MODE_FRAME]) + query
    yield "dhcp_discover", bytes([MODE_FRAME]) + dhcp_discover()
    yield "icmpv6_echo", bytes([MODE_FRAME]) + icmpv6(128, struct.pack("!HH", 0x77, 1) + b"ping")
    yield "icmpv6_neighbour_solicitation", bytes([MODE_FRAME]) + neighbour_solicitation()
    yield "ipv6_hop_by_hop_udp", bytes([MODE_FRAME]) + ipv6_hop_by_hop_udp()
    yield "ipv4_fragment_first", bytes([MODE_FRAGMENTS_TO_STACK]) + first
    yield "ipv4_fragment_second", bytes([MODE_FRAGMENTS_TO_STACK]) + second
    yield "ipv6_fragment", bytes([MODE_FRAME]) + ipv6_fragment()
    yield "stream_tcp", stream(op_frame(syn), op_frame(data[0]), op_open_last(0),
                               *[op_frame(d) for d in data[1:]], op(OP_POP, 0),
                               op_frame(fin), op(OP_POP, 0), op(OP_CLOSE, 0), op_frame(data[3]))
    yield "stream_tcp_full", stream(op_frame(data[0]), op_open_last(2, capacity_log2=0),
                                    op_frame(data[1]), op_frame(data[2]), op(OP_POP, 2),
                                    op_frame(data[3]), op(OP_CLOSE, 2))
    yield "stream_udp", stream(op_frame(query), op_open_last(1), op_frame(query),
                               op_open_last(3, wildcard_remote=True), op_frame(other_query),
                               op(OP_POP, 3), op(OP_CLOSE, 1), op_frame(query), op(OP_CLOSE, 3),
                               mode=MODE_STREAM | MODE_CHECK_TEXT)
    yield "stream_udp_any_local", stream(op_frame(query),
                                         op_open_last(4, wildcard_remote=True, any_local=True),
                                         op_frame(other_query), op_frame(query), op(OP_POP, 4))
    yield "stream_ipv6_tcp", stream(op_frame(tcp6_data), op_open_last(5), op_frame(tcp6_data),
                                    op(OP_POP, 5), op(OP_CLOSE, 5))
    yield "stream_raw_open", stream(op_open_raw(6, 4, 17, 53, 0, GUEST4, b""),
                                    op_frame(query), op(OP_POP, 6), op(OP_CLOSE, 6))
    # Each key breaks one of channel_open's rules: family, protocol, an IPv4
    # address with bytes past 4, local port 0, a UDP remote with port 0 but an
    # address, TCP to a wildcard remote, TCP from any local address.
    yield "stream_raw_keys_refused", stream(
        op_open_raw(0, 3, 17, 53, 5000, GUEST4, PEER4),
        op_open_raw(0, 4, 1, 53, 5000, GUEST4, PEER4),
        op_open_raw(0, 4, 17, 53, 5000, GUEST4 + b"\x01", PEER4),
        op_open_raw(0, 4, 17, 0, 5000, GUEST4, PEER4),
        op_open_raw(0, 4, 17, 53, 0, GUEST4, PEER4),
        op_open_raw(0, 4, 6, 80, 0, GUEST4, b""),
        op_open_raw(0, 4, 6, 80, 40000, b"", PEER4),
        op_frame(query))
    # Two channels in one bucket; the older is closed first (a walk down the chain).
    yield "stream_channel_chain", stream(op_frame(data[0]), op_open_last(0),
                                         bytes([OP_OPEN_SAME_BUCKET, 1, 0]), op_frame(data[1]),
                                         op(OP_CLOSE, 0), op_frame(data[2]), op(OP_CLOSE, 1))
    # Refusals: a key open twice, capacities 0 and 3, closing a slot never
    # opened, classifier_init while a channel is open and with MTUs out of
    # range, then a smaller MTU that takes.
    yield "stream_refusals", stream(op_frame(query), op_open_last(0), op_open_last(1),
                                    op_open_last(2, bad_capacity=0), op_open_last(2, bad_capacity=3),
                                    op(OP_CLOSE, 7), op_init(1500), op(OP_CLOSE, 0),
                                    op_init(67), op_init(65536), op_init(576), op_frame(data[0]),
                                    op_init(0), op_frame(data[0]))
    # The kernel's RCU hooks, and a channel another CPU is pushing into.
    yield "stream_busy_rcu", stream(op_frame(data[0]), op_open_last(0), op(OP_BUSY, 0),
                                    op_frame(data[1]), op_frame(data[2]), op(OP_POP, 0),
                                    op(OP_CLOSE, 0), op_frame(data[3]),
                                    mode=MODE_STREAM | MODE_RCU | MODE_CHECK_TEXT)


def ext(next_header, body=bytes(6)):
    """An 8-byte IPv6 options header (hop-by-hop or destination): next, length 0, padding."""
    return bytes([next_header, 0]) + body


def malformed():
    """(drop reason, frame): each rule of kernel/net/README.md's table broken
    at least once, every other field valid, so the classifier must count the
    frame under exactly that reason."""
    arp = arp_request()
    echo = icmp_echo()[14 + 20:]
    udp_query = udp(5000, 53, dns_query())
    tcp_ack = tcp(40000, 80, ACK, 1, 1, b"", b"data")
    udp6_query = udp(5000, 53, dns_query(), src=PEER6, dst=GUEST6)
    dst_opts = ext(17)
    yield "eth-short", arp[:13]
    yield "eth-too-long", ipv4(17, udp(5000, 53, bytes(1473)))
    yield "eth-src-multicast", arp[:6] + b"\x01" + arp[7:]
    yield "vlan-tagged", arp[:12] + b"\x81\x00\x00\x05" + arp[12:]
    yield "ethertype-unsupported", arp[:12] + b"\x88\xcc" + arp[14:]
    yield "arp-short", arp[:14 + 27]
    yield "arp-bad-header", arp[:14 + 4] + b"\x08" + arp[14 + 5:]
    yield "arp-bad-op", arp[:14 + 6] + b"\x00\x03" + arp[14 + 8:]
    yield "ipv4-short", icmp_echo()[:14 + 19]
    yield "ipv4-bad-version", ipv4(1, echo, version_ihl=0x55)
    yield "ipv4-bad-ihl", ipv4(1, echo, version_ihl=0x44)
    yield "ipv4-bad-ihl", ipv4(1, echo[:8], version_ihl=0x4F)
    yield "ipv4-bad-total-length", ipv4(1, echo, total=20 + len(echo) + 1)
    yield "ipv4-bad-total-length", ipv4(1, echo, total=19)
    yield "ipv4-bad-checksum", ipv4(1, echo, good_checksum=False)
    yield "ipv6-short", icmpv6(128, bytes(4))[:14 + 39]
    yield "ipv6-bad-version", ipv6(17, udp6_query, version=4)
    yield "ipv6-bad-payload-length", ipv6(17, udp6_query, payload_length=len(udp6_query) + 1)
    yield "ipv6-bad-ext-header", ipv6(60, ext(0) + ext(17) + udp6_query)
    yield "ipv6-bad-ext-header", ipv6(43, bytes([17, 0, 0, 1]) + bytes(4) + udp6_query)
    yield "ipv6-too-many-ext-headers", ipv6(60, ext(60) * 8 + dst_opts + udp6_query)
    yield "ip-bad-source", ipv4(1, echo, src=bytes([224, 0, 0, 1]))
    yield "ip-bad-source", ipv4(1, echo, src=b"\xff" * 4)
    yield "ip-bad-source", ipv6(17, udp6_query, src=bytes.fromhex("ff02" + "00" * 13 + "01"))
    yield "ip-protocol-unsupported", ipv4(47, echo)
    yield "ip-protocol-unsupported", ipv6(59, b"")
    yield "ip-bad-fragment", ipv4(17, udp_query, frag=65528 // 8)
    yield "ip-bad-fragment", ipv4(6, tcp_ack, frag=0x2000 | 1)
    yield "ip-fragment", ipv4_fragments()[0]
    yield "ip-fragment", ipv6_fragment()
    yield "icmp-short", ipv4(1, echo[:7])
    yield "icmpv6-short", ipv6(58, bytes([128, 0, 0, 0]))
    yield "igmp-short", ipv4(2, bytes([0x11, 0, 0, 0]))
    yield "tcp-short", ipv4(6, tcp_ack[:19])
    yield "tcp-bad-data-offset", ipv4(6, tcp_ack[:12] + b"\x40" + tcp_ack[13:])
    yield "tcp-bad-data-offset", ipv4(6, tcp_ack[:12] + b"\xf0" + tcp_ack[13:])
    yield "tcp-bad-options", ipv4(6, tcp(40000, 80, SYN, 1, 0, bytes.fromhex("02030500")))
    yield "tcp-bad-options", ipv4(6, tcp(40000, 80, SYN, 1, 0, bytes.fromhex("01011e09")))
    yield "tcp-bad-flags", ipv4(6, tcp(40000, 80, SYN | FIN, 1, 0))
    yield "tcp-bad-flags", ipv4(6, tcp(40000, 80, SYN | 0x04, 1, 0))
    yield "udp-short", ipv4(17, udp_query[:7])
    yield "udp-bad-length", ipv4(17, udp_query[:4] + struct.pack("!H", len(udp_query) + 1)
                             + udp_query[6:])
    yield "udp-bad-length", ipv4(17, udp_query[:4] + b"\x00\x07" + udp_query[6:])
    yield "port-zero", ipv4(6, tcp(0, 80, SYN, 1, 0))
    yield "port-zero", ipv4(17, udp(5000, 0, b"x"))


def write(out, items):
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, data in items:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        count += 1
    return count


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:]
    if args[:1] == ["--malformed"]:
        if len(args) != 2:
            sys.exit("usage: make_classifier_corpus.py --malformed DIR")
        numbered, seen = [], {}
        for reason, frame in malformed():
            seen[reason] = seen.get(reason, 0) + 1
            numbered.append((f"{reason}.{seen[reason]}", frame))
        count = write(args[1], numbered)
        print(f"make_classifier_corpus: wrote {count} malformed frames to {args[1]}")
        return
    out = args[0] if args else os.path.join(here, "corpus", "classifier")
    count = write(out, seeds())
    print(f"make_classifier_corpus: wrote {count} seeds to {out}")


if __name__ == "__main__":
    main()
