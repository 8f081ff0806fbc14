"""frames: the host's side of a Carapace guest's network, for tests.

The launcher's `--net dgram:LOCALPORT:REMOTEPORT` makes QEMU read raw
Ethernet frames from UDP datagrams sent to 127.0.0.1:LOCALPORT and send the
guest's frames as datagrams to 127.0.0.1:REMOTEPORT. DgramLink is that
other end; Guest boots a kernel with it and collects its console.

QEMU 7.2's pitfalls (/work/shared/design/architecture.md): an empty datagram
makes QEMU stop reading for good, so send() refuses one; frames over 1514
bytes stall the guest's receive queue, so send() refuses those unless told
otherwise; frames sent before the guest's driver posted its buffers are
lost, so wait for the guest to speak first (or send again). And UDP drops
what does not fit a socket's buffer: QEMU's holds about 200 small
datagrams while the guest's ring is full, so send at most SAFE_BURST
frames before reading the answers (seen: 253 of a 300-frame burst came
back).

Used by tests/net/test_*.py and by later tests (ARP, ICMP, TCP by raw
frames, malformed frames).
"""

import os
import select
import socket
import struct
import subprocess
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
LOCALHOST = "127.0.0.1"
ETH_HEADER = 14
MAX_FRAME = 1514          # MTU 1500 plus the Ethernet header, no FCS
BROADCAST = b"\xff" * 6
HOST_MAC = bytes.fromhex("020000c0ffee")   # locally administered, unicast
QEMU_MAC = bytes.fromhex("525400123456")   # QEMU's default for the guest
RCVBUF = 4 << 20
# QEMU's own socket keeps the default buffer (~200 small datagrams): while
# the guest's receive ring is full, more than that in flight are dropped by
# the host's kernel. Send bursts of at most this many, then read.
SAFE_BURST = 100


def free_udp_port():
    """A UDP port on 127.0.0.1 that nothing uses right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def mac(text):
    """b'...' from 'aa:bb:cc:dd:ee:ff'."""
    return bytes(int(part, 16) for part in text.split(":"))


def mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


def ethernet(dst, src, ethertype, payload=b""):
    """An Ethernet II frame (no FCS: QEMU neither adds nor expects one)."""
    return dst + src + struct.pack("!H", ethertype) + payload


def ethertype(frame):
    return struct.unpack("!H", frame[12:14])[0] if len(frame) >= ETH_HEADER else None


ETH_ARP = 0x0806
ETH_IPV4 = 0x0800
ARP_REQUEST, ARP_REPLY = 1, 2
IP_ICMP = 1
ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST = 0, 8


def ipv4(text):
    return socket.inet_aton(text)


def checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def arp(op, sender_mac, sender_ip, target_mac, target_ip):
    """An ARP packet for Ethernet and IPv4 (RFC 826), without the Ethernet header."""
    return struct.pack("!HHBBH", 1, ETH_IPV4, 6, 4, op) + sender_mac + ipv4(sender_ip) + \
        target_mac + ipv4(target_ip)


def parse_arp(frame):
    """(op, sender_mac, sender_ip, target_mac, target_ip) of an ARP frame, or None."""
    if ethertype(frame) != ETH_ARP or len(frame) < ETH_HEADER + 28:
        return None
    p = frame[ETH_HEADER:ETH_HEADER + 28]
    if struct.unpack("!HHBB", p[:6]) != (1, ETH_IPV4, 6, 4):
        return None
    return (struct.unpack("!H", p[6:8])[0], p[8:14], socket.inet_ntoa(p[14:18]), p[18:24],
            socket.inet_ntoa(p[24:28]))


def ipv4_packet(src, dst, proto, payload, ident=1, ttl=64):
    """An IPv4 packet with a 20-byte header and its checksum."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, ttl, proto, 0,
                         ipv4(src), ipv4(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def parse_ipv4(frame):
    """(src, dst, proto, payload) of an IPv4 frame whose header and checksum are
    sound, or None."""
    if ethertype(frame) != ETH_IPV4 or len(frame) < ETH_HEADER + 20:
        return None
    ip = frame[ETH_HEADER:]
    ihl = (ip[0] & 0xf) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    if ip[0] >> 4 != 4 or ihl < 20 or total < ihl or total > len(ip) or checksum(ip[:ihl]):
        return None
    return socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), ip[9], ip[ihl:total]


def icmp_echo(kind, ident, seq, data):
    """An ICMP echo request or reply (RFC 792) with its checksum."""
    message = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + data
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


IP_TCP, IP_UDP = 6, 17
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def l4_checksum(proto, segment, src, dst):
    """The TCP or UDP checksum over the pseudo-header (src and dst packed:
    4 bytes for IPv4, 16 for IPv6) and segment; 0 when segment carries a
    correct one."""
    if len(src) == 4:
        pseudo = struct.pack("!4s4sBBH", src, dst, 0, proto, len(segment))
    else:
        pseudo = struct.pack("!16s16sIxxxB", src, dst, len(segment), proto)
    return checksum(pseudo + segment)


def _with_checksum(segment, at, proto, src, dst):
    value = l4_checksum(proto, segment, src, dst)
    return segment[:at] + struct.pack("!H", value) + segment[at + 2:]


def tcp_segment(src, dst, sport, dport, flags, seq, ack, data=b"", options=b"", window=64240):
    """A TCP segment (RFC 793) from src to dst (dotted quads) with its checksum."""
    offset = (20 + len(options)) // 4
    segment = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                          offset << 4, flags, window, 0, 0) + options + data
    return _with_checksum(segment, 16, IP_TCP, ipv4(src), ipv4(dst))


def udp_datagram(src, dst, sport, dport, data):
    """A UDP datagram (RFC 768) from src to dst (dotted quads) with its checksum."""
    segment = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return _with_checksum(segment, 6, IP_UDP, ipv4(src), ipv4(dst))


def parse_tcp(frame):
    """(src, dst, sport, dport, flags, seq, ack, data) of an IPv4 TCP frame
    whose checksums are right, or None."""
    ip = parse_ipv4(frame)
    if ip is None or ip[2] != IP_TCP or len(ip[3]) < 20:
        return None
    src, dst, _, seg = ip
    offset = (seg[12] >> 4) * 4
    if offset < 20 or offset > len(seg) or l4_checksum(IP_TCP, seg, ipv4(src), ipv4(dst)):
        return None
    sport, dport, seq, ack = struct.unpack("!HHII", seg[:12])
    return src, dst, sport, dport, seg[13], seq, ack, seg[offset:]


def parse_udp(frame):
    """(src, dst, sport, dport, data) of an IPv4 UDP frame whose lengths and
    checksums are right (a zero UDP checksum means none), or None."""
    ip = parse_ipv4(frame)
    if ip is None or ip[2] != IP_UDP or len(ip[3]) < 8:
        return None
    src, dst, _, seg = ip
    sport, dport, length, value = struct.unpack("!HHHH", seg[:8])
    if length < 8 or length > len(seg):
        return None
    if value and l4_checksum(IP_UDP, seg[:length], ipv4(src), ipv4(dst)):
        return None
    return src, dst, sport, dport, seg[8:length]


class DgramLink:
    """The host's end of --net dgram. Binds REMOTEPORT (the guest's frames
    arrive there) and sends to LOCALPORT (QEMU's socket)."""

    def __init__(self, qemu_port=None, host_port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Room for a guest's burst: the kernel counts ~1 KiB per small datagram.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.bind((LOCALHOST, host_port or 0))
        self.host_port = self.sock.getsockname()[1]
        self.qemu_port = qemu_port or free_udp_port()
        while self.qemu_port == self.host_port:
            self.qemu_port = free_udp_port()

    @property
    def launcher_arg(self):
        """The value of the launcher's --net for this link."""
        return f"dgram:{self.qemu_port}:{self.host_port}"

    def send(self, frame, allow_big=False):
        """Sends one frame to the guest. Never an empty datagram (QEMU would
        stop reading), never more than MAX_FRAME bytes unless allow_big."""
        if not frame:
            raise ValueError("an empty datagram would make QEMU stop reading its socket")
        if len(frame) > MAX_FRAME and not allow_big:
            raise ValueError(f"a {len(frame)}-byte frame would stall the guest's receive queue")
        self.sock.sendto(frame, (LOCALHOST, self.qemu_port))

    def recv(self, timeout):
        """The guest's next frame, or None after timeout seconds."""
        ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not ready:
            return None
        return self.sock.recvfrom(65536)[0]

    def recv_until(self, predicate, timeout):
        """The first frame for which predicate(frame) is true, or None; the
        frames skipped on the way are returned too: (frame, skipped)."""
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            frame = self.recv(deadline - time.monotonic())
            if frame is None:
                return None, skipped
            if predicate(frame):
                return frame, skipped
            skipped.append(frame)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def arp_until_reply(link, sender_mac, sender_ip, target_ip, timeout):
    """Asks who has target_ip every half second until an ARP reply comes
    (frames sent before the guest's driver posted buffers are lost): the
    reply frame, or None after timeout seconds."""
    request = ethernet(BROADCAST, sender_mac, ETH_ARP,
                       arp(ARP_REQUEST, sender_mac, sender_ip, b"\0" * 6, target_ip))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        link.send(request)
        reply, _ = link.recv_until(lambda f: (parse_arp(f) or (0,))[0] == ARP_REPLY, 0.5)
        if reply:
            return reply
    return None


def pci_transport_present():
    """Whether some transport of the tree registers virtio devices (q35's
    virtio-pci): without one, q35 has no network device to test."""
    out = subprocess.run(["grep", "-rlE", r"\bvirtio_register\(", "kernel", "--include=*.c"],
                         cwd=REPO, capture_output=True, text=True).stdout.split()
    return any(not path.endswith("/virtio.c") for path in out)


def kernel_built():
    return os.path.exists(os.path.join(REPO, "build", "carapace.bin"))


def boot_over_dgram(link, machine, kernel_args, timeout):
    """A Guest on machine (microvm or q35, under TCG) whose network is link,
    booted with each of kernel_args as a --kernel-arg."""
    args = ["--machine", machine, "--accel", "tcg", "--net", link.launcher_arg]
    for arg in kernel_args:
        args += ["--kernel-arg", arg]
    return Guest(args, timeout=timeout)


class Guest:
    """A guest booted by the launcher in the background; its output (stdout
    and stderr together) is collected as it comes."""

    def __init__(self, launcher_args, timeout=120):
        self.proc = subprocess.Popen([LAUNCHER, "run", "--timeout", str(timeout), *launcher_args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._chunks = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self._chunks.append(line.decode(errors="replace"))

    @property
    def output(self):
        with self._lock:
            return "".join(self._chunks)

    def wait_for(self, test, text, timeout, what=None):
        """Waits until the guest has printed text; the test fails, showing
        the output, if the guest ends first or timeout seconds pass."""
        deadline = time.monotonic() + timeout
        while text not in self.output:
            test.assertIsNone(self.proc.poll(), f"the guest ended early:\n{self.output}")
            test.assertLess(time.monotonic(), deadline,
                            f"{what or 'never printed ' + repr(text)}:\n{self.output}")
            time.sleep(0.1)

    def wait(self, timeout=None):
        """The launcher's status (None if it is still running after timeout)."""
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(5)
        return status

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
