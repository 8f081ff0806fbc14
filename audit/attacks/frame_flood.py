#!/usr/bin/env python3
"""frame_flood: a malformed-frame flood, from the host (a peer on the
guest's link), through the launcher's --net dgram.

  audit/attacks/frame_flood.py --kernel IMAGE [--kernel-arg OPTION]...

Boots IMAGE with test=net-serve (lwIP answering ARP, ICMP echo and TCP/UDP
port 7 on 10.0.2.15) and `verbose` (the classifier's counters at exit).
Once the guest answers ARP, it sends ROUNDS rounds of malformed frames:
every frame of fuzz/make_classifier_corpus.py's malformed() (one or more
per drop reason of kernel/net/README.md; the 1515-byte one left out: QEMU
stalls on it) and frames that lwIP itself would answer if they reached it
(an ICMP echo from a multicast MAC or from a class E address, a SYN with
FIN, a SYN with a broken MSS option, a SYN from port 0, protocol 47).
Goal: the stack answers one of them (a malformed frame got past the
classifier) or the guest stops answering a ping after the flood (denial of
service): AUDIT-SUCCESS. AUDIT-STOPPED: classifier is printed only when
the guest answered no flood frame, still answers pings, and the
classifier's own counters (its `classifier: drop-REASON N` lines) count
every reason sent and at least DROPS_SEEN of the frames sent (eth-short's:
the driver's bad-length count, since a frame shorter than an Ethernet
header is dropped before the classifier sees it).
"""

import collections
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import host_attack  # noqa: E402
import frames  # noqa: E402
import make_classifier_corpus as corpus  # noqa: E402

GUEST_IP, HOST_IP = "10.0.2.15", "10.0.2.2"
BOOT_TIMEOUT = 120    # seconds until the guest answers ARP under TCG, two guests at once
ROUNDS = 10
BURST = 50            # frames in flight at most (frames.SAFE_BURST is 100)
DROPS_SEEN = 0.95     # of the frames sent, counted by the classifier (UDP may lose a few)
CLASS_E = bytes([240, 0, 0, 1])


def answerable():
    """(reason, frame): malformed frames that lwIP would answer if it saw them."""
    echo = corpus.icmp_echo()
    yield "eth-src-multicast", echo[:6] + b"\x01\x00\x5e\x00\x00\x01" + echo[12:]
    yield "ip-bad-source", corpus.ipv4(1, echo[14 + 20:], src=CLASS_E)
    yield "tcp-bad-flags", corpus.ipv4(6, corpus.tcp(40001, 7, corpus.SYN | corpus.FIN, 1, 0))
    yield "tcp-bad-options", corpus.ipv4(6, corpus.tcp(40002, 7, corpus.SYN, 1, 0,
                                                      bytes.fromhex("02030500")))
    yield "port-zero", corpus.ipv4(6, corpus.tcp(0, 7, corpus.SYN, 1, 0))
    yield "ip-protocol-unsupported", corpus.ipv4(47, echo[14 + 20:])


def flood_frames():
    frames_ = [(r, f) for r, f in corpus.malformed() if len(f) <= frames.MAX_FRAME]
    return frames_ + list(answerable())


def is_answer(frame):
    """An IPv4 frame from the guest to the flood's senders (not IGMP's groups)."""
    ip = frames.parse_ipv4(frame)
    return ip is not None and ip[0] == GUEST_IP and ip[1] in (HOST_IP, "240.0.0.1")


def ping(link, seq):
    """Whether the guest answers an ICMP echo request within 15 s (three tries)."""
    for _ in range(3):
        link.send(frames.ethernet(frames.QEMU_MAC, frames.HOST_MAC, frames.ETH_IPV4,
                                  frames.ipv4_packet(HOST_IP, GUEST_IP, frames.IP_ICMP,
                                                     frames.icmp_echo(frames.ICMP_ECHO_REQUEST,
                                                                      0x4155, seq, b"audit"))))

        def is_reply(frame):
            ip = frames.parse_ipv4(frame)
            return (ip is not None and ip[2] == frames.IP_ICMP and ip[3][:1] == b"\0"
                    and struct.unpack("!H", ip[3][6:8])[0] == seq)
        reply, _ = link.recv_until(is_reply, 5)
        if reply is not None:
            return True
    return False


def drain(link, seconds):
    """The frames the guest sends within seconds."""
    got = []
    deadline = time.monotonic() + seconds
    while True:
        frame = link.recv(deadline - time.monotonic())
        if frame is None:
            return got
        got.append(frame)


def main():
    opts = host_attack.parse_args(__doc__)
    lines = []
    status = 1
    flood = flood_frames()
    with frames.DgramLink() as link:
        args = ["--machine", "microvm", "--accel", "tcg", "--kernel", opts.kernel,
                "--net", link.launcher_arg]
        for option in [f"ip={GUEST_IP}/24", f"gw={HOST_IP}", "test=net-serve", "verbose",
                       *opts.kernel_arg]:
            args += ["--kernel-arg", option]
        with frames.Guest(args, timeout=BOOT_TIMEOUT + 120) as guest:
            if frames.arp_until_reply(link, frames.HOST_MAC, HOST_IP, GUEST_IP,
                                      BOOT_TIMEOUT) is None:
                lines.append("audit: frame-flood: the guest never answered ARP")
            else:
                drain(link, 2)  # late answers to the ARP requests
                sent = collections.Counter()
                answers = []
                for _ in range(ROUNDS):
                    for start in range(0, len(flood), BURST):
                        for reason, frame in flood[start:start + BURST]:
                            link.send(frame)
                            sent[reason] += 1
                        answers += [f for f in drain(link, 0.3) if is_answer(f)]
                answers += [f for f in drain(link, 2) if is_answer(f)]
                total = sum(sent.values())
                lines.append(f"audit: frame-flood: sent {total} malformed frames "
                             f"({len(flood)} kinds x {ROUNDS}, {len(sent)} drop reasons)")
                alive = ping(link, 1)
                lines.append(f"audit: frame-flood: {len(answers)} answers to flood frames; "
                             f"after the flood the guest {'answers' if alive else 'does not answer'}"
                             " a ping")
                link.send(frames.ethernet(frames.QEMU_MAC, frames.HOST_MAC, 0x88b5,
                                          b"carapace-net-echo quit"))
                guest.wait(60)
                counted = {m.group(1): int(m.group(2)) for m in re.finditer(
                    r"^classifier: drop-([\w-]+) (\d+)$", guest.output, re.M)}
                seen = sum(counted.get(r, 0) for r in sent)
                # A frame shorter than an Ethernet header never reaches the
                # classifier: the driver drops it first and counts it as a bad length.
                short = re.search(r"^net-serve: .* bad length (\d+);", guest.output, re.M)
                short = int(short.group(1)) if short else 0
                missing = sorted(r for r in sent if counted.get(r, 0) == 0
                                 and not (r == "eth-short" and short >= sent[r]))
                lines.append(f"audit: frame-flood: the classifier counted {seen} of them as drops "
                             f"under their reasons, the driver {short} as too short"
                             + (f"; none under {', '.join(missing)}" if missing else ""))
                if answers:
                    ip = frames.parse_ipv4(answers[0])
                    lines.append("AUDIT-SUCCESS: a malformed frame reached the stack: the guest "
                                 f"answered it (IPv4 protocol {ip[2]} to {ip[1]})")
                elif not alive:
                    lines.append("AUDIT-SUCCESS: denial of service: the guest stopped answering")
                elif not counted:
                    lines.append("audit: frame-flood: no classifier counters in the console")
                elif not missing and seen + short >= DROPS_SEEN * total:
                    lines.append(f"AUDIT-STOPPED: classifier {seen + short} of {total} frames "
                                 f"dropped and counted under their {len(sent)} reasons")
                status = 0
            guest.stop()
            host_attack.report(lines, guest.output)
    return status


if __name__ == "__main__":
    sys.exit(main())
