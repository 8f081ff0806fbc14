#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_net into fuzz/corpus/fuzz_net/.

  fuzz/make_net_corpus.py [DIR]

Each seed is a conversation with the harness's stack (fuzz/fuzz_net.c),
in the record format of fuzz/net_frames.h: the peer 10.0.2.2 (and
fe80::5055:ff:fe0a:202) opening TCP connections to the echo server (80)
and the sink (81) over IPv4 and IPv6, sending data, out of order and in
order, and closing; answering the harness's own connection (40000 to
10.0.2.2:9000); UDP echo; ARP, ICMP echo, neighbour solicitation and a
router advertisement; and the application's own calls (fuzz_net.c,
app_call): options, names, msg calls, the stream API, shutdowns,
accepts and connects. The stack's initial sequence number is 0x10000000
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


# The application's calls (fuzz_net.c, app_call): a record of at most
# APP_CALL_MAX bytes is a call, not a frame. Targets (the second byte) are
# the connections in the order they came (the harness's active one first),
# then the echo's listener, the sink's and the UDP socket.
APP_CALL_MAX = 13
(GETOPT, SETOPT, GETNAME, SENDMSG, RECVMSG, STREAM_SEND, STREAM_RECV, SHUTDOWN, RW, ACCEPT,
 CONNECT, SENDTO_RECVFROM, CLOSE, HOLD) = range(14)
N_OPTIONS, N_VALUES, N_ROOMS = 18, 10, 6


def call(op, target=0, *args):
    body = bytes([op, target, *args])
    assert len(body) <= APP_CALL_MAX
    return record(body)


def handshake(port, sport, v6=False, data=()):
    """A connection from sport, established; data sent on it; no close."""
    isn = ISN_BASE + port
    seq, ack = 1000, isn + 1
    out = [record(seg(v6, sport, port, SYN, seq, 0, options=SYN_OPTIONS)),
           record(seg(v6, sport, port, ACK, seq + 1, ack))]
    seq += 1
    for chunk in data:
        out.append(record(seg(v6, sport, port, PSH | ACK, seq, ack, data=chunk), TICK_10MS))
        seq += len(chunk)
    return b"".join(out)


def app_options():
    """Every option, read with each room and set with each value, on every
    socket; then set on the echo's listener and read on the connection it
    accepts next (the options it inherits)."""
    out = [handshake(80, 50000), call(HOLD, 1)]
    targets = 5  # the active connection, the echo's, the two listeners, UDP
    for t in range(targets):
        for opt in range(N_OPTIONS):
            out.append(call(GETOPT, t, opt, (opt % N_ROOMS) << 4))
    for t in (1, 4):
        for opt in range(N_OPTIONS):
            for v in range(N_VALUES):
                out.append(call(SETOPT, t, opt, v | (((opt + v) % 3 == 0) * 0x50)))
    for opt in range(N_OPTIONS):  # on the listener, values that differ from the defaults
        out.append(call(SETOPT, 2, opt, 0x10 | (5 if opt in (8, 9) else 3 if opt == 3 else 8)))
    out += [call(HOLD, 0), handshake(80, 50001)]
    for opt in range(N_OPTIONS):  # the new connection: third of (active, 50000, 50001)
        out.append(call(GETOPT, 2, opt, 5 << 4))
    return b"".join(out)


def app_tcp_calls():
    """Held data read and written back by every call that moves bytes, then
    each shutdown with data still queued."""
    out = [call(HOLD, 1), handshake(80, 50000, data=(b"first data, held\n", b"x" * 1400))]
    t = 1  # the echo's connection
    out += [call(RECVMSG, t, 0x11, 2, 0x1b, 0), call(RECVMSG, t, 0x37, 0, 0xff, 1),
            call(RECVMSG, t, 0x80 | 0x06, 1, 0x55, 0), call(RECVMSG, t, 0x01, 4, 0x03, 0),
            call(SENDMSG, t, 0x06, 0, 0xaa), call(SENDMSG, t, 0x81, 5, 0x5a),
            call(SENDMSG, t, 0x31, 0, 0x0f, 0), call(STREAM_SEND, t, 0x03, 0x0f, t, t, 0, 4, 0x2e),
            call(STREAM_RECV, t, 0x03, 0x05, t, 200, t, 9, 0xff), call(RW, t, 0), call(RW, t, 1),
            call(RW, t, 2), call(RW, t, 3), call(RW, t, 5), call(GETNAME, t, 0), call(GETNAME, t, 4),
            call(GETNAME, t, 1), call(GETNAME, t, 6), call(GETNAME, 2, 0), call(GETNAME, 4, 4),
            call(SENDTO_RECVFROM, t, 1), call(SENDTO_RECVFROM, t, 0x08), call(SENDTO_RECVFROM, t, 2)]
    out.append(handshake(80, 50001, data=(b"second connection\n",)))
    out += [call(ACCEPT, 0, 0x00), call(ACCEPT, 0, 0x08 | 0x10 | 0x20)]
    out.append(record(seg(False, 50000, 80, PSH | ACK, 1019 + 1400, ISN_BASE + 81,
                          data=b"more, queued"), FIX_ACK))
    out += [call(SHUTDOWN, t, 0), call(RECVMSG, t, 0x01, 0, 0x03, 0), call(SHUTDOWN, t, 1),
            call(SENDMSG, t, 0x02, 0, 0x03), call(RW, t, 1), call(SHUTDOWN, 2, 2),
            call(SHUTDOWN, 3, 3), call(SHUTDOWN, t, 2), call(CLOSE, 1), call(HOLD, 0)]
    return b"".join(out)


def app_udp_calls():
    """Datagrams held, then taken by recvmsg and recvmmsg with names; sent
    with sendmsg, sendmmsg and sendto to a name."""
    u = 3  # the active connection, then the echo's listener, the sink's, UDP
    out = [call(HOLD, 1)]
    for i in range(4):
        out.append(record(ipv4(17, udp(5000 + i, 7, b"datagram %d" % i))))
    out.append(record(ipv6(17, udp(5000, 7, b"datagram over udp6", src=PEER6, dst=GUEST6))))
    out += [call(RECVMSG, u, 0x01, 2, 0x01, 0), call(RECVMSG, u, 0x01, 0x20, 0x01, 1),
            call(RECVMSG, u, 0x81, 0, 0x01, 0), call(RECVMSG, u, 0x91, 0, 0x05, 0),
            call(RECVMSG, u, 0x81, 0, 0x01, 0x06), call(RECVMSG, u, 0x81, 0, 0x01, 0x02),
            call(SENDMSG, u, 0x01, 0, 0x03, 0x01), call(SENDMSG, u, 0x03, 0, 0x0f, 0x09),
            call(SENDMSG, u, 0x81, 0, 0x05, 0x02), call(SENDMSG, u, 0x11, 0, 0x05, 0x01),
            call(SENDMSG, u, 0x00, 0, 0x05),
            call(SENDTO_RECVFROM, u, 0x01, 0x01), call(SENDTO_RECVFROM, u, 0x03, 0x0a),
            call(SENDTO_RECVFROM, u, 0x0c), call(SENDTO_RECVFROM, u, 0x02),
            call(STREAM_SEND, 0, 0x00, 0x01, u), call(GETNAME, u, 0), call(GETNAME, u, 4),
            call(RW, u, 0), call(RW, u, 1), call(HOLD, 0)]
    return b"".join(out)


def app_accept_connect():
    """Connections held in the listeners and taken by accept (a blocking
    connection, read and written) and accept4 with each flag and room; the
    application's own connects, blocking or not, IPv4 or IPv6, TCP or UDP."""
    out = [call(HOLD, 1)]
    for i, port in enumerate((80, 80, 81, 80)):
        out.append(handshake(port, 50010 + i, data=(b"queued before the accept\n",)))
    out += [call(ACCEPT, 0, 0x04), call(ACCEPT, 0, 0x05), call(ACCEPT, 1, 0x06 | 0x08),
            call(ACCEPT, 0, 0x08 | 0x10), call(ACCEPT, 0, 0x08 | 0x20 | 0x03),
            call(ACCEPT, 0, 0x40)]
    b = 1  # the blocking connection (accept, not accept4)
    out += [call(RW, b, 0), call(RW, b, 4), call(RW, b, 5), call(RW, b, 3), call(RW, b, 7),
            call(RW, b, 7), call(RW, 2, 7),  # 80 KiB writev: more than the send buffer takes
            call(RECVMSG, b, 0x01, 0, 0x04, 0), call(SENDMSG, b, 0x07, 0, 0xff)]
    out += [call(CONNECT, 0, 0x00, 0x04), call(CONNECT, 0, 0x20, 0x04), call(CONNECT, 0, 0x08, 0x0c),
            call(CONNECT, 0, 0x05, 0x04), call(CONNECT, 0, 0x01, 0x04), call(CONNECT, 0, 0x12, 0x00),
            call(CONNECT, 0, 0x38, 0x08), call(CONNECT, 0, 0x22, 0x05)]
    out.append(record(arp_request(), TICK_1S))
    out += [call(GETOPT, 6, 2, 0), call(GETOPT, 7, 2, 0), call(CLOSE, 6), call(HOLD, 0)]
    return b"".join(out)


def app_blocking_send_full_buffer():
    """Regression (session 21): a blocking connection whose peer never
    acknowledges, written 80 KiB at a time, more than its send buffer takes:
    each write that found the buffer full woke the writer at once (lwIP's
    SENDMINUS), so a blocking send retried for ever (the kernel: a busy loop
    until the peer acknowledged; here, a hang)."""
    return b"".join([call(HOLD, 1), handshake(80, 50020), call(ACCEPT, 0, 0x04),
                     call(RW, 1, 7), call(RW, 1, 7)])


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
    yield "app-options", app_options()
    yield "app-tcp-calls", app_tcp_calls()
    yield "app-udp-calls", app_udp_calls()
    yield "app-accept-connect", app_accept_connect()
    yield "app-blocking-send-full-buffer", app_blocking_send_full_buffer()
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
